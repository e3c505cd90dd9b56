/*
 * util.c — see util.h.
 */
#include "tests/badinput/util.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char bi_dir[64], bi_db[128];

void bi_setup(void)
{
    alarm(120); /* a hang is a failure (Criterion reports the signal) */
    strcpy(bi_dir, "/tmp/acidb-badinput-XXXXXX");
    cr_assert_not_null(mkdtemp(bi_dir));
    snprintf(bi_db, sizeof bi_db, "%s/test.db", bi_dir);
}

void bi_teardown(void)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", bi_dir, bi_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", bi_dir);
}

static acidb_options options(int create)
{
    acidb_options o = acidb_default_options();
    o.durability = ACIDB_DURABILITY_OFF;
    o.cache_bytes = 4u << 20;
    o.lock_timeout_ms = 2000;
    o.create = create;
    return o;
}

acidb_db *bi_open(const char *path, int create)
{
    return bi_open_cache(path, create, 4u << 20);
}

acidb_db *bi_open_cache(const char *path, int create, uint64_t cache_bytes)
{
    acidb_options o = options(create);
    o.cache_bytes = cache_bytes;
    acidb_db *db = NULL;
    int rc = acidb_open(path, &o, &db);
    cr_assert_eq(rc, ACIDB_OK, "open %s: %d %s", path, rc, acidb_open_errmsg());
    return db;
}

acidb_conn *bi_connect(acidb_db *db)
{
    acidb_conn *c = NULL;
    cr_assert_eq(acidb_connect(db, &c), ACIDB_OK);
    return c;
}

int bi_open_fails(const char *path, int create, const char **msg)
{
    static char copy[1024];
    acidb_options o = options(create);
    acidb_db *db = NULL;
    int rc = acidb_open(path, &o, &db);
    cr_assert_neq(rc, ACIDB_OK, "open %s succeeded, expected a failure", path);
    cr_assert_null(db, "a failed open leaves *out NULL");
    snprintf(copy, sizeof copy, "%s", acidb_open_errmsg());
    cr_assert_neq(copy[0], 0, "a failed open says why (acidb_open_errmsg)");
    *msg = copy;
    return rc;
}

void bi_ok(acidb_conn *c, const char *sql)
{
    int rc = acidb_exec(c, sql);
    cr_assert_eq(rc, ACIDB_OK, "%.200s\n-> %d %s %s", sql, rc, acidb_sqlstate(c),
                 acidb_errmsg(c));
}

long long bi_int(acidb_conn *c, const char *sql)
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

void bi_make_db(const char *path, int rows)
{
    acidb_db *db = bi_open(path, 1);
    acidb_conn *c = bi_connect(db);
    bi_ok(c, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT, balance INTEGER)");
    acidb_stmt *s = NULL;
    cr_assert_eq(acidb_prepare(c, "INSERT INTO accounts VALUES ($1, $2, $3)", &s), ACIDB_OK);
    bi_ok(c, "BEGIN");
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
    bi_ok(c, "COMMIT");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

uint8_t *bi_read(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    uint8_t *buf = malloc((size_t)len + 1);
    cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

void bi_write(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0, "create %s", path);
    cr_assert_eq(write(fd, data, n), (ssize_t)n);
    close(fd);
}
