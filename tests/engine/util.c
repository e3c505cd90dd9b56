/*
 * util.c — see util.h.
 */
#include "tests/engine/util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char eng_dir[64], eng_db[128];

void eng_setup(void)
{
    strcpy(eng_dir, "/tmp/acidb-eng-XXXXXX");
    cr_assert_not_null(mkdtemp(eng_dir));
    snprintf(eng_db, sizeof eng_db, "%s/test.db", eng_dir);
}

void eng_teardown(void)
{
    char p[160];
    unlink(eng_db);
    snprintf(p, sizeof p, "%s-wal", eng_db);
    unlink(p);
    snprintf(p, sizeof p, "%s-wal.tmp", eng_db);
    unlink(p);
    rmdir(eng_dir);
}

acidb_db *eng_open(int durable)
{
    acidb_options o = acidb_default_options();
    o.durability = durable ? ACIDB_DURABILITY_FULL : ACIDB_DURABILITY_OFF;
    o.cache_bytes = 4u << 20;
    o.lock_timeout_ms = 5000;
    acidb_db *db = NULL;
    int rc = acidb_open(eng_db, &o, &db);
    cr_assert_eq(rc, ACIDB_OK, "open %s: %d %s", eng_db, rc, acidb_open_errmsg());
    return db;
}

acidb_conn *eng_connect(acidb_db *db)
{
    acidb_conn *c = NULL;
    cr_assert_eq(acidb_connect(db, &c), ACIDB_OK);
    return c;
}

void eng_ok(acidb_conn *c, const char *sql)
{
    int rc = acidb_exec(c, sql);
    cr_assert_eq(rc, ACIDB_OK, "%s\n-> %d %s %s", sql, rc, acidb_sqlstate(c), acidb_errmsg(c));
}

int eng_fails(acidb_conn *c, const char *sql, const char *sqlstate)
{
    int rc = acidb_exec(c, sql);
    cr_assert_neq(rc, ACIDB_OK, "%s\n-> succeeded, expected %s", sql, sqlstate);
    cr_assert_str_eq(acidb_sqlstate(c), sqlstate, "%s\n-> %s %s (expected %s)", sql,
                     acidb_sqlstate(c), acidb_errmsg(c), sqlstate);
    return rc;
}

char *eng_query(acidb_conn *c, const char *sql)
{
    acidb_stmt *s = NULL;
    int rc = acidb_prepare(c, sql, &s);
    cr_assert_eq(rc, ACIDB_OK, "%s\n-> %s %s", sql, acidb_sqlstate(c), acidb_errmsg(c));
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    out[0] = 0;
    while ((rc = acidb_step(s)) == ACIDB_ROW) {
        for (int i = 0; i < acidb_column_count(s); i++) {
            const char *t = acidb_column_text(s, i);
            if (t == NULL)
                t = "NULL";
            size_t need = len + strlen(t) + 3;
            if (need > cap) {
                cap = need * 2;
                out = realloc(out, cap);
            }
            len += (size_t)sprintf(out + len, "%s%s", i ? "|" : "", t);
        }
        if (len + 2 > cap)
            out = realloc(out, cap = cap * 2);
        out[len++] = '\n';
        out[len] = 0;
    }
    cr_assert_eq(rc, ACIDB_DONE, "%s\n-> %d %s %s", sql, rc, acidb_sqlstate(c), acidb_errmsg(c));
    acidb_finalize(s);
    return out;
}

long long eng_int(acidb_conn *c, const char *sql)
{
    acidb_stmt *s = NULL;
    int rc = acidb_prepare(c, sql, &s);
    cr_assert_eq(rc, ACIDB_OK, "%s\n-> %s %s", sql, acidb_sqlstate(c), acidb_errmsg(c));
    rc = acidb_step(s);
    cr_assert_eq(rc, ACIDB_ROW, "%s\n-> %d %s %s", sql, rc, acidb_sqlstate(c), acidb_errmsg(c));
    long long v = acidb_column_int64(s, 0);
    acidb_finalize(s);
    return v;
}
