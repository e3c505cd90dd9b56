/*
 * readonly_test.c — the shell's -readonly flag (shell/README.md, "Contract"): reads work,
 * writes print 25006 and exit 1, a missing file is not created, the file is left as it was.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/shell/run.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

Test(shell_readonly, reads_work_writes_answer_25006, .init = sh_setup, .fini = sh_teardown)
{
    sh_run r = run_shell("CREATE TABLE t (a INTEGER);\nINSERT INTO t VALUES (1), (2);\n",
                         ARGS(sh_db));
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    struct stat before, after;
    cr_assert(stat(sh_db, &before) == 0);

    r = run_shell("SELECT count(*) FROM t;\nINSERT INTO t VALUES (3);\nSELECT count(*) FROM t;\n",
                  ARGS("-readonly", sh_db));
    cr_assert_eq(r.status, 1, "a refused write is a failed statement: %s", r.err);
    cr_assert_str_eq(r.out, "2\n2\n");
    cr_assert(strstr(r.err, "cannot execute INSERT in a read-only transaction") != NULL &&
                  strstr(r.err, "SQLSTATE: 25006") != NULL,
              "%s", r.err);
    run_free(&r);
    cr_assert(stat(sh_db, &after) == 0);
    cr_assert(after.st_size == before.st_size &&
                  after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
                  after.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
              "the read-only session wrote the file");

    char missing[200];
    snprintf(missing, sizeof missing, "%s/none.db", sh_dir);
    r = run_shell(NULL, ARGS("-readonly", missing, "SELECT 1"));
    cr_assert_eq(r.status, 1);
    cr_assert(access(missing, F_OK) != 0, "-readonly created %s", missing);
    run_free(&r);
}
