/*
 * misuse_test.c — the API used wrongly: closing a database with connections open, a bind that
 * fails after an earlier one, a read-only file, and one connection used from two threads at
 * once (documented as not allowed; the test shows what happens, see tests/README.md).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/faults/util.h"

TestSuite(misuse, .init = ft_setup, .fini = ft_teardown);

Test(misuse, close_with_connections_open_is_refused_and_changes_nothing)
{
    acidb_db *db = ft_open(NULL, NULL, 64);
    acidb_conn *a = ft_connect(db), *b = ft_connect(db);
    ft_ok(a, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    ft_ok(a, "BEGIN");
    ft_ok(a, "INSERT INTO t VALUES (1, 'in a block')");
    cr_assert_eq(acidb_close(db), ACIDB_MISUSE, "close with two connections open");
    cr_assert(strstr(acidb_open_errmsg(), "connection(s) still open") != NULL, "message: %s",
              acidb_open_errmsg());
    /* Nothing was closed: both sessions go on, the block commits. */
    ft_ok(a, "COMMIT");
    cr_assert_eq(ft_int(b, "SELECT count(*) FROM t"), 1);
    acidb_disconnect(a);
    cr_assert_eq(acidb_close(db), ACIDB_MISUSE, "close with one connection open");
    acidb_disconnect(b);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    db = ft_open(NULL, NULL, 64);
    a = ft_connect(db);
    cr_assert_eq(ft_int(a, "SELECT count(*) FROM t"), 1);
    acidb_disconnect(a);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* bugs-soak S5: a bind that fails must not leave the parameter pointing at freed text (ASan
 * reports the use after free; the plain build sees a NULL, not garbage). */
Test(misuse, failed_bind_leaves_null_not_freed_text)
{
    acidb_db *db = ft_open(NULL, NULL, 64);
    acidb_conn *c = ft_connect(db);
    ft_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    acidb_stmt *s;
    cr_assert_eq(acidb_prepare(c, "INSERT INTO t VALUES (1, $1)", &s), ACIDB_OK);
    cr_assert_eq(acidb_bind_text(s, 1, "hello, a value long enough to be reused", -1), ACIDB_OK);
    cr_assert_eq(acidb_bind_text(s, 1, "\xff", 1), ACIDB_RANGE, "invalid UTF-8 is refused");
    cr_assert_str_eq(acidb_sqlstate(c), "22021");
    char *junk = malloc(64); /* likely reuses the freed block */
    memset(junk, 'Z', 63);
    junk[63] = 0;
    cr_assert_eq(acidb_step(s), ACIDB_DONE, "%s", acidb_errmsg(c));
    acidb_finalize(s);
    free(junk);
    cr_assert_eq(ft_int(c, "SELECT count(*) FROM t WHERE v IS NULL"), 1,
                 "the parameter whose bind failed is NULL");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

static void make_db(void)
{
    acidb_db *db = ft_open(NULL, NULL, 64);
    acidb_conn *c = ft_connect(db);
    ft_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    ft_ok(c, "INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* chmod 0400: refused with a clear message for a normal user (tests/badinput covers it); root
 * bypasses file permissions, so as root the open succeeds and writes work — documented, not
 * an error of acidb (there is no read-only mode: acidb_options.read_only is reserved). */
Test(misuse, read_only_file_by_mode)
{
    make_db();
    cr_assert_eq(chmod(ft_db, 0400), 0);
    acidb_options o = acidb_default_options();
    acidb_db *db = NULL;
    int rc = acidb_open(ft_db, &o, &db);
    if (geteuid() == 0) {
        cr_assert_eq(rc, ACIDB_OK, "as root a 0400 file opens: %s", acidb_open_errmsg());
        acidb_conn *c = ft_connect(db);
        ft_ok(c, "INSERT INTO t VALUES (3, 'root writes anyway')");
        acidb_disconnect(c);
        cr_assert_eq(acidb_close(db), ACIDB_OK);
    } else {
        cr_assert_eq(rc, ACIDB_CANTOPEN, "a 0400 file: %s", acidb_open_errmsg());
        cr_assert_null(db);
        cr_assert(strstr(acidb_open_errmsg(), ft_db) != NULL, "names the file: %s",
                  acidb_open_errmsg());
    }
    /* The reserved read-only option is refused, not silently ignored. */
    o.read_only = 1;
    rc = acidb_open(ft_db, &o, &db);
    cr_assert_neq(rc, ACIDB_OK, "read_only = 1 is reserved and must be refused");
    cr_log_info("read_only = 1: %s: %s", acidb_errstr(rc), acidb_open_errmsg());
}

/* A file that nobody may write, not even root: chattr +i (ext4 and most Linux file systems;
 * skipped where chattr is missing or unsupported). */
Test(misuse, immutable_file_is_refused_clearly_and_left_intact)
{
    make_db();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "chattr +i '%s' 2>/dev/null", ft_db);
    if (system(cmd) != 0) {
        cr_skip_test("chattr +i is not available here");
        return;
    }
    struct stat before, after;
    cr_assert_eq(stat(ft_db, &before), 0);
    acidb_options o = acidb_default_options();
    acidb_db *db = NULL;
    int rc = acidb_open(ft_db, &o, &db);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", acidb_open_errmsg());
    snprintf(cmd, sizeof cmd, "chattr -i '%s'", ft_db);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(rc, ACIDB_CANTOPEN, "an immutable file: %s (%s)", acidb_errstr(rc), msg);
    cr_log_info("immutable file: %s", msg);
    cr_assert_null(db);
    cr_assert(strstr(msg, ft_db) != NULL && strstr(msg, "ermi") != NULL,
              "the message names the file and the reason: %s", msg);
    cr_assert_eq(stat(ft_db, &after), 0);
    cr_assert_eq(before.st_size, after.st_size);
    cr_assert_eq(before.st_mtime, after.st_mtime);
    db = ft_open(NULL, NULL, 64); /* once writable again, all is there */
    acidb_conn *c = ft_connect(db);
    cr_assert_eq(ft_int(c, "SELECT count(*) FROM t"), 2);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* ---- one connection, two threads ------------------------------------------------------------ */

/* acidb.h: a connection is "used by one thread at a time"; nothing enforces it. This test
 * breaks the rule on purpose — two threads step statements of the same connection at once —
 * and counts what comes back. It is undefined behaviour, so it runs only when asked
 * (ACIDB_MISUSE_RACE=1), e.g. under TSan to see the races (tests/README.md reports a run). */
typedef struct racer {
    acidb_conn *c;
    int id;
    long ok, misuse, other, rows;
    int first_other;
} racer;

static _Atomic int race_stop;

static void *race(void *arg)
{
    racer *r = arg;
    acidb_stmt *sel = NULL, *upd = NULL;
    if (acidb_prepare(r->c, "SELECT v FROM t WHERE id = $1", &sel) != ACIDB_OK ||
        acidb_prepare(r->c, "UPDATE t SET v = v WHERE id = $1", &upd) != ACIDB_OK) {
        r->other++;
        return NULL;
    }
    for (long i = 0; i < 2000 && !atomic_load(&race_stop); i++) {
        acidb_stmt *s = (i & 1) ? upd : sel;
        acidb_bind_int64(s, 1, 1 + (i + r->id) % 2);
        int rc;
        while ((rc = acidb_step(s)) == ACIDB_ROW)
            r->rows++;
        if (rc == ACIDB_DONE)
            r->ok++;
        else if (rc == ACIDB_MISUSE)
            r->misuse++;
        else if (r->other++ == 0)
            r->first_other = rc;
        acidb_reset(s);
    }
    acidb_finalize(sel);
    acidb_finalize(upd);
    return NULL;
}

Test(misuse, one_connection_stepped_from_two_threads)
{
    if (getenv("ACIDB_MISUSE_RACE") == NULL) {
        cr_skip_test("undefined behaviour by design: set ACIDB_MISUSE_RACE=1 to run it");
        return;
    }
    make_db();
    acidb_db *db = ft_open(NULL, NULL, 64);
    acidb_conn *c = ft_connect(db);
    racer r[2] = {{.c = c, .id = 0}, {.c = c, .id = 1}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, race, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++)
        fprintf(stderr, "misuse race: thread %d: %ld done, %ld MISUSE, %ld other (first %s), "
                "%ld rows\n", i, r[i].ok, r[i].misuse, r[i].other,
                r[i].other ? acidb_errstr(r[i].first_other) : "-", r[i].rows);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    db = ft_open(NULL, NULL, 64);
    ft_check_clean(db, "after the race");
    acidb_close(db);
}
