/*
 * robust_test.c — what hostile or huge input does: nesting far past SQL_MAX_DEPTH ends in
 * 54001 (never a stack overflow), a 100,000-row VALUES list and a multi-megabyte script parse
 * quickly, every allocation failure is 53200, and random bytes / random token soups never
 * crash and always end in OK or an error with a position inside the text.
 *
 * The random test prints its seed; PARSE_SEED=<n> replays it, PARSE_ITERS=<n> sets the number
 * of inputs (default 30,000 × ACIDB_TEST_SCALE, tests/README.md).
 *
 * Speed is printed, not asserted (tests/README.md: no assertions on time). What is asserted
 * instead is the property that keeps parsing linear: arena use proportional to the input
 * (an O(n^2) copy of a growing list would show up there first).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/common/fixture.h"
#include "tests/parse/ptest.h"

TestSuite(robust, .init = pt_setup, .fini = pt_teardown);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "SELECT " + n copies of open + core + n copies of close */
static char *nest(const char *open, const char *core, const char *close, size_t n)
{
    size_t lo = strlen(open), lc = strlen(close), len = 7 + n * (lo + lc) + strlen(core);
    char *s = malloc(len + 1), *o = s;
    cr_assert_not_null(s);
    memcpy(o, "SELECT ", 7);
    o += 7;
    for (size_t i = 0; i < n; i++, o += lo)
        memcpy(o, open, lo);
    strcpy(o, core);
    o += strlen(core);
    for (size_t i = 0; i < n; i++, o += lc)
        memcpy(o, close, lc);
    *o = '\0';
    return s;
}

static void expect_too_deep(const char *open, const char *core, const char *close, size_t n)
{
    char *sql = nest(open, core, close, n);
    sql_error err;
    int rc = pt_fail(sql, &err);
    cr_assert_eq(rc, ACIDB_TOOBIG, "%s...: rc %d (%s)", open, rc, err.msg);
    cr_assert_str_eq(err.state, "54001");
    cr_assert_gt(err.pos, 0);
    cr_assert_leq(err.pos, (int32_t)strlen(sql));
    free(sql);
}

Test(robust, deep_nesting_is_54001_not_a_crash)
{
    expect_too_deep("(", "1", ")", 200000);
    expect_too_deep("-(", "1", ")", 200000);
    expect_too_deep("NOT ", "TRUE", "", 200000);
    expect_too_deep("- ", "a", "", 200000);
    expect_too_deep("f(", "1", ")", 200000);
    expect_too_deep("CASE WHEN ", "a", " THEN 1 END", 200000);
    expect_too_deep("a IN (", "1", ")", 200000);
    expect_too_deep("1 = NOT ", "a", "", 200000);
    expect_too_deep("CAST(", "1", " AS int)", 200000);
    /* unterminated deep nesting also ends in the limit, before the end of input */
    expect_too_deep("(", "", "", 200000);
}

Test(robust, depth_limit_is_exact)
{
    /* the target is one level, each parenthesis one more */
    char *ok = nest("(", "1", ")", SQL_MAX_DEPTH - 1);
    cr_assert_str_eq(pt_expr(pt_ok(ok)->u.select.targets[0].e), "1");
    free(ok);
    expect_too_deep("(", "1", ")", SQL_MAX_DEPTH);
}

/* A flat chain is not nesting for the parser, but it builds a tree as deep as it is long, and
 * every later pass walks that tree recursively: up to SQL_MAX_TREE_DEPTH operators parse, a
 * longer chain is 54001 (50,000 terms once overflowed the checker's stack). */
Test(robust, long_flat_expressions_are_bounded)
{
    size_t n = 200000;
    char *sql = malloc(7 + 4 * n + 2), *o = sql;
    o += sprintf(o, "SELECT 1");
    for (size_t i = 0; i < n; i++)
        o += sprintf(o, "+%d", (int)(i % 10));
    sql_error err;
    cr_assert_eq(pt_fail(sql, &err), ACIDB_TOOBIG);
    cr_assert_str_eq(err.state, "54001");
    sql[8 + 2 * (SQL_MAX_TREE_DEPTH - 10)] = 0; /* a chain just under the limit */
    sql_stmt *st = pt_ok(sql);
    const sql_expr *e = st->u.select.targets[0].e;
    cr_assert_eq(e->kind, EX_BINARY);
    cr_assert_eq(e->op, OP_ADD);
    free(sql);
}

Test(robust, values_list_of_100000_rows_is_fast)
{
    size_t rows = 100000;
    size_t cap = 64 + rows * 48;
    char *sql = malloc(cap), *o = sql;
    o += sprintf(o, "INSERT INTO t (a, b, c) VALUES ");
    for (size_t i = 0; i < rows; i++)
        o += sprintf(o, "%s(%zu, 'name %zu', %s)", i ? ", " : "", i, i, i % 2 ? "TRUE" : "NULL");
    double t0 = now_s();
    sql_stmt *st = pt_ok(sql);
    double dt = now_s() - t0;
    cr_assert_eq(st->u.insert.nrows, (int)rows);
    cr_assert_eq(st->u.insert.nvalues[rows - 1], 3);
    cr_assert_eq(st->u.insert.rows[rows - 1][0]->v.u.i, (int64_t)rows - 1);
    cr_assert_str_eq(pt_expr(st->u.insert.rows[777][1]), "'name 777'");
    /* arena use stays linear: well under 1 KiB per row */
    cr_assert_lt(pt_arena.total, rows * 1024, "arena %zu bytes", pt_arena.total);
    fprintf(stderr, "parse: VALUES of %zu rows (%.1f MB) in %.3f s\n", rows,
            (double)(o - sql) / 1e6, dt);
    free(sql);
}

Test(robust, script_throughput)
{
    size_t n = (size_t)(200000 * fx_scale());
    char *sql = malloc(n * 100 + 1), *o = sql;
    for (size_t i = 0; i < n; i++)
        o += sprintf(o, "INSERT INTO accounts (id, owner, balance) VALUES (%zu, 'owner%zu', %zu);\n",
                     i, i, i * 7);
    size_t len = (size_t)(o - sql), off = 0, next, count = 0;
    double t0 = now_s();
    for (;;) {
        ar_mark m = ar_get_mark(&pt_arena);
        sql_stmt *st;
        sql_error err;
        cr_assert_eq(sql_parse(sql, len, off, &pt_arena, &st, &next, &err), ACIDB_OK);
        if (st == NULL)
            break;
        count++;
        off = next;
        ar_release_to(&pt_arena, m);
    }
    double dt = now_s() - t0;
    cr_assert_eq(count, n);
    /* released per statement: the arena never holds more than a few chunks */
    cr_assert_lt(pt_arena.total, 64 * 1024, "arena %zu bytes", pt_arena.total);
    fprintf(stderr, "parse: script of %zu INSERTs (%.1f MB) at %.1f MB/s\n", n, len / 1e6,
            len / 1e6 / dt);
    free(sql);
}

Test(robust, out_of_memory_is_53200_at_every_point)
{
    const char *sql = "SELECT a, b.*, count(DISTINCT x) AS n FROM t JOIN u b ON t.id = b.id "
                      "WHERE a IN (1, 2, 3) AND b.c LIKE 'x%' GROUP BY a ORDER BY 1 DESC "
                      "LIMIT 5; INSERT INTO t VALUES (1, 'two', TRUE), (DEFAULT, $1, NULL)";
    int saw_nomem = 0, saw_ok = 0;
    for (size_t limit = 1; limit < 64 * 1024; limit += 97) {
        arena a;
        ar_init(&a);
        a.limit = limit;
        size_t off = 0, next;
        for (;;) {
            sql_stmt *st;
            sql_error err;
            int rc = sql_parse(sql, strlen(sql), off, &a, &st, &next, &err);
            if (rc == ACIDB_NOMEM) {
                cr_assert_str_eq(err.state, "53200");
                saw_nomem++;
                break;
            }
            cr_assert_eq(rc, ACIDB_OK, "limit %zu: %s", limit, err.msg);
            if (st == NULL) {
                saw_ok++;
                break;
            }
            off = next;
        }
        ar_free(&a);
    }
    cr_assert_gt(saw_nomem, 0);
    cr_assert_gt(saw_ok, 0);
}

/* ---- random input ----------------------------------------------------------------------------- */

static uint64_t rng;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *soup[] = {
    "SELECT", "FROM", "WHERE", "INSERT", "INTO", "VALUES", "UPDATE", "SET", "DELETE", "CREATE",
    "TABLE", "INDEX", "UNIQUE", "ON", "DROP", "IF", "NOT", "EXISTS", "PRIMARY", "KEY",
    "REFERENCES", "CHECK", "DEFAULT", "CONSTRAINT", "BEGIN", "COMMIT", "ROLLBACK", "EXPLAIN",
    "AND", "OR", "IS", "NULL", "TRUE", "FALSE", "BETWEEN", "IN", "LIKE", "ILIKE", "ESCAPE",
    "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "AS", "int", "text", "bool", "serial",
    "varchar", "JOIN", "INNER", "GROUP", "BY", "ORDER", "HAVING", "LIMIT", "OFFSET", "FOR",
    "SHARE", "NOWAIT", "SKIP", "LOCKED", "DISTINCT", "ALL", "RETURNING", "GENERATED", "ALWAYS",
    "IDENTITY", "t", "a", "b", "\"Q\"", "\"x\"\"y\"", "count", "'s'", "'it''s'", "''", "0",
    "1", "42", "9223372036854775807", "9223372036854775808", "-", "+", "*", "/", "%", "||",
    "::", "(", ")", "(", ")", ",", ",", ";", ".", "=", "<>", "!=", "<", "<=", ">", ">=", "$1",
    "$2", "$0", "?", "-- c\n", "/* c */", "/*", "'", "\"", "1.5", "@", "\xff", "é", "ISNULL",
    "NOTNULL", "SERIAL", "FOREIGN", "START", "TRANSACTION", "ISOLATION", "LEVEL", "READ",
};

/* Valid statements: each must parse as it is (checked first), then serves as mutation seed. */
static const char *corpus[] = {
    "SELECT DISTINCT a.x AS y, b.*, count(*) FROM a JOIN b ON a.id = b.id, c "
    "WHERE a.x BETWEEN 1 AND 2 OR c.z NOT IN (1, 2) GROUP BY 1 HAVING sum(a.x) > 0 "
    "ORDER BY 2 DESC NULLS LAST LIMIT $1 OFFSET $2 FOR UPDATE SKIP LOCKED",
    "INSERT INTO t (a, b) VALUES (1, 'x'), (DEFAULT, -9223372036854775808) RETURNING a",
    "UPDATE t AS u SET a = CASE WHEN a IS NULL THEN 0 ELSE a + 1 END, b = DEFAULT "
    "WHERE b LIKE 'x%' ESCAPE '!' RETURNING *",
    "DELETE FROM t WHERE NOT (a = ? AND b <> ?)",
    "CREATE TABLE IF NOT EXISTS t (id serial PRIMARY KEY, n varchar(10) NOT NULL UNIQUE, "
    "v int DEFAULT 0 CONSTRAINT c CHECK (v >= 0) REFERENCES u (id), "
    "g bigint GENERATED ALWAYS AS IDENTITY, CONSTRAINT k UNIQUE (n, v), "
    "FOREIGN KEY (v) REFERENCES w (x))",
    "CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a, b ASC)",
    "DROP TABLE IF EXISTS t RESTRICT; DROP INDEX i",
    "BEGIN ISOLATION LEVEL READ COMMITTED; COMMIT; START TRANSACTION; ROLLBACK; ABORT; END",
    "EXPLAIN SELECT CAST(a AS text) || b::text FROM t /* c /* nested */ */ -- x",
    "SET lock_timeout = 100; SET x TO 'y'",
};

static void check_one(const char *sql, size_t len)
{
    size_t off = 0;
    for (int guard = 0; guard < 10000; guard++) {
        arena a;
        ar_init(&a);
        sql_stmt *st = NULL;
        sql_error err;
        size_t next = (size_t)-1;
        int rc = sql_parse(sql, len, off, &a, &st, &next, &err);
        if (rc != ACIDB_OK) {
            cr_assert(rc == ACIDB_ERROR || rc == ACIDB_RANGE || rc == ACIDB_TOOBIG,
                      "rc %d for %.*s", rc, (int)len, sql);
            cr_assert_null(st);
            cr_assert_eq(err.code, rc);
            cr_assert_eq(strlen(err.state), 5);
            cr_assert_gt(strlen(err.msg), 0);
            cr_assert(err.pos >= 1 && (size_t)err.pos <= len + 1,
                      "pos %d of %zu: %s", err.pos, len, err.msg);
            ar_free(&a);
            return;
        }
        cr_assert_leq(next, len);
        if (st == NULL) {
            ar_free(&a);
            return;
        }
        cr_assert(st->pos >= (int32_t)off && st->pos <= st->end && (size_t)st->end <= len);
        cr_assert_gt(next, off);
        off = next;
        ar_free(&a);
    }
    cr_assert_fail("no progress");
}

Test(robust, random_input_never_crashes, .timeout = 120)
{
    uint64_t seed = fx_seed("PARSE_SEED", (uint64_t)time(NULL));
    const char *it = getenv("PARSE_ITERS");
    long iters = it ? atol(it) : (long)(30000 * fx_scale());
    fprintf(stderr, "parse: random input, PARSE_SEED=%llu\n", (unsigned long long)seed);
    rng = seed * 2654435761u + 1;
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        size_t off = 0, next;
        for (;;) {
            sql_stmt *st;
            sql_error err;
            cr_assert_eq(sql_parse(corpus[i], strlen(corpus[i]), off, &pt_arena, &st, &next,
                                   &err), ACIDB_OK, "corpus %zu: %s", i, err.msg);
            if (st == NULL)
                break;
            off = next;
        }
    }
    char buf[2048];
    const char *alphabet = "abcSELECTFROMwhere019 ,;()'\"-*/+=<>!|:.$?%\n\t@\\";
    for (long i = 0; i < iters; i++) {
        size_t len = 0;
        switch (rnd() % 4) {
        case 3: { /* a valid statement, mutated: bytes dropped, duplicated, replaced */
            const char *base = corpus[rnd() % (sizeof corpus / sizeof corpus[0])];
            len = strlen(base);
            memcpy(buf, base, len);
            for (int m = (int)(rnd() % 4); m > 0; m--) {
                size_t at = len ? rnd() % len : 0;
                switch (rnd() % 3) {
                case 0:
                    if (len) {
                        memmove(buf + at, buf + at + 1, len - at - 1);
                        len--;
                    }
                    break;
                case 1:
                    if (len + 1 < sizeof buf) {
                        memmove(buf + at + 1, buf + at, len - at);
                        len++;
                    }
                    break;
                default:
                    if (len)
                        buf[at] = alphabet[rnd() % strlen(alphabet)];
                    break;
                }
            }
            break;
        }
        case 0: /* raw bytes */
            len = rnd() % 64;
            for (size_t k = 0; k < len; k++)
                buf[k] = (char)rnd();
            break;
        case 1: /* SQL-ish characters */
            len = rnd() % 96;
            for (size_t k = 0; k < len; k++)
                buf[k] = alphabet[rnd() % strlen(alphabet)];
            break;
        default: { /* token soup, often starting with a statement keyword */
            size_t ntok = 1 + rnd() % 40;
            for (size_t k = 0; k < ntok; k++) {
                const char *tok = soup[rnd() % (sizeof soup / sizeof soup[0])];
                if (k == 0 && rnd() % 2)
                    tok = soup[rnd() % 10];
                size_t tl = strlen(tok);
                if (len + tl + 1 >= sizeof buf)
                    break;
                memcpy(buf + len, tok, tl);
                len += tl;
                if (rnd() % 4)
                    buf[len++] = ' ';
            }
            break;
        }
        }
        check_one(buf, len);
    }
}
