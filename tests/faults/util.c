/*
 * util.c — see util.h.
 */
#include "tests/faults/util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/testhooks.h"

char ft_dir[64], ft_db[128];

void ft_setup(void)
{
    alarm(300); /* a hang is a failure (Criterion reports the signal) */
    strcpy(ft_dir, "/tmp/acidb-faults-XXXXXX");
    cr_assert_not_null(mkdtemp(ft_dir));
    snprintf(ft_db, sizeof ft_db, "%s/test.db", ft_dir);
}

void ft_teardown(void)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", ft_dir, ft_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", ft_dir);
}

acidb_db *ft_open(const char *path, os_vfs *vfs, uint32_t cache_pages)
{
    acidb_options o = acidb_default_options();
    o.cache_bytes = (uint64_t)cache_pages * 4096;
    o.lock_timeout_ms = 1000;
    acidb_db *db = NULL;
    int rc = acidb_open_test(path ? path : ft_db, &o, vfs, 0, 4096, &db);
    cr_assert_eq(rc, ACIDB_OK, "open %s: %s (%s)", path ? path : ft_db, acidb_open_errmsg(),
                 acidb_errstr(rc));
    return db;
}

acidb_conn *ft_connect(acidb_db *db)
{
    acidb_conn *c = NULL;
    cr_assert_eq(acidb_connect(db, &c), ACIDB_OK);
    return c;
}

void ft_ok(acidb_conn *c, const char *sql)
{
    int rc = acidb_exec(c, sql);
    cr_assert_eq(rc, ACIDB_OK, "%.200s\n-> %s %s %s", sql, acidb_errstr(rc), acidb_sqlstate(c),
                 acidb_errmsg(c));
}

long long ft_int(acidb_conn *c, const char *sql)
{
    acidb_stmt *s;
    int rc = acidb_prepare(c, sql, &s);
    cr_assert_eq(rc, ACIDB_OK, "%s: %s", sql, acidb_errmsg(c));
    rc = acidb_step(s);
    cr_assert_eq(rc, ACIDB_ROW, "%s: %s %s", sql, acidb_sqlstate(c), acidb_errmsg(c));
    long long v = acidb_column_int64(s, 0);
    acidb_finalize(s);
    return v;
}

void ft_check_clean(acidb_db *db, const char *when)
{
    char report[512] = "";
    uint64_t problems = 0;
    int rc = acidb_test_check(db, report, sizeof report, &problems);
    cr_assert_eq(rc, ACIDB_OK, "%s: the integrity check could not run: %s", when, report);
    cr_assert_eq(problems, 0, "%s: %llu integrity problem(s): %s", when,
                 (unsigned long long)problems, report);
}
