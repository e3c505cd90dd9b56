/*
 * util.c — see util.h.
 */
#include "tests/badinput/util.h"

#include <criterion/criterion.h>
#include <stdio.h>

void bi_setup(void) { fx_begin("badinput", 120); }

void bi_teardown(void) { fx_end(); }

acidb_db *bi_open(const char *path, int create)
{
    return bi_open_cache(path, create, 4u << 20);
}

acidb_db *bi_open_cache(const char *path, int create, uint64_t cache_bytes)
{
    acidb_options o = fx_options(0);
    o.cache_bytes = cache_bytes;
    o.create = create;
    return fx_open(path, &o);
}

int bi_open_fails(const char *path, int create, const char **msg)
{
    static char copy[1024];
    acidb_options o = fx_options(0);
    o.create = create;
    acidb_db *db = NULL;
    int rc = acidb_open(path, &o, &db);
    cr_assert_neq(rc, ACIDB_OK, "open %s succeeded, expected a failure", path);
    cr_assert_null(db, "a failed open leaves *out NULL");
    snprintf(copy, sizeof copy, "%s", acidb_open_errmsg());
    cr_assert_neq(copy[0], 0, "a failed open says why (acidb_open_errmsg)");
    *msg = copy;
    return rc;
}

void bi_make_db(const char *path, int rows)
{
    acidb_db *db = bi_open(path, 1);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT, balance INTEGER)");
    acidb_stmt *s = NULL;
    cr_assert_eq(acidb_prepare(c, "INSERT INTO accounts VALUES ($1, $2, $3)", &s), ACIDB_OK);
    fx_ok(c, "BEGIN");
    for (int i = 1; i <= rows; i++) {
        char name[32];
        snprintf(name, sizeof name, "account-%d", i);
        acidb_reset(s);
        acidb_bind_int64(s, 1, i);
        acidb_bind_text(s, 2, name, -1);
        acidb_bind_int64(s, 3, 100);
        cr_assert_eq(acidb_step(s), ACIDB_DONE, "%s", acidb_errmsg(c));
    }
    acidb_finalize(s);
    fx_ok(c, "COMMIT");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}
