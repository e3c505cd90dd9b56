/*
 * ext_type_test.c — the plumbing a module type (NUMERIC, dates and times) plugs into
 * (engine/types.h: ty_add, ty_ops): a test type "testcents" (an amount in cents, written
 * "12.34", held by reference as 8 bytes) goes through the parser, the catalog, literals, casts,
 * typmods, rows, keys, ORDER BY, a unique index, messages, the API and a reopen with the
 * integrity check, without any code of the engine knowing it.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/engine.h"
#include "engine/sqlstate.h"
#include "engine/testhooks.h"
#include "engine/types.h"
#include "tests/engine/util.h"

enum { VT_CENTS = VT_EXT_FIRST };

/* The 8 bytes: big-endian with the sign bit flipped, so memcmp order is numeric order and the
 * same bytes serve as the row and key encodings. */
static void put_cents(int64_t c, uint8_t *p)
{
    uint64_t u = (uint64_t)c ^ (UINT64_C(1) << 63);
    for (int k = 0; k < 8; k++)
        p[k] = (uint8_t)(u >> (56 - 8 * k));
}

static int64_t get_cents(const value *v)
{
    uint64_t u = 0;
    for (int k = 0; k < 8; k++)
        u = u << 8 | (uint8_t)v->u.s[k];
    return (int64_t)(u ^ (UINT64_C(1) << 63));
}

static int make_cents(int64_t c, arena *a, value *out)
{
    uint8_t *p = ar_alloc(a, 8);
    if (p == NULL)
        return -1;
    put_cents(c, p);
    out->type = VT_CENTS;
    out->len = 8;
    out->u.s = (const char *)p;
    return 0;
}

static int cents_in(const char *s, size_t n, int32_t typmod, arena *a, value *out, int32_t pos,
                    struct sql_error *err)
{
    (void)typmod;
    char buf[32];
    int64_t units = 0, frac = 0;
    int fd = 0;
    if (n == 0 || n >= sizeof buf)
        goto bad;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    units = strtoll(buf, &end, 10);
    if (end == buf)
        goto bad;
    if (*end == '.') {
        for (end++; *end >= '0' && *end <= '9' && fd < 2; end++, fd++)
            frac = frac * 10 + (*end - '0');
        if (fd == 1)
            frac *= 10;
    }
    if (*end != 0)
        goto bad;
    if (make_cents(units * 100 + (buf[0] == '-' ? -frac : frac), a, out) != 0)
        return sql_err_nomem(err, NULL);
    return 0;
bad:
    return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_TEXT_REPRESENTATION, pos,
                   "invalid input syntax for type testcents: \"%.*s\"", (int)n, s);
}

static size_t cents_out(const value *v, char *buf, size_t cap)
{
    int64_t c = get_cents(v);
    int n = snprintf(buf, cap, "%s%" PRId64 ".%02d", c < 0 ? "-" : "", (c < 0 ? -c : c) / 100,
                     (int)((c < 0 ? -c : c) % 100));
    return (size_t)n;
}

static int cents_cmp(const value *a, const value *b) { return memcmp(a->u.s, b->u.s, 8) > 0 ? 1 : memcmp(a->u.s, b->u.s, 8) < 0 ? -1 : 0; }
static uint64_t cents_hash(const value *v, uint64_t seed) { return XXH3_64bits_withSeed(v->u.s, 8, seed); }
static size_t cents_size(const value *v) { (void)v; return 8; }
static void cents_put(const value *v, uint8_t *p) { memcpy(p, v->u.s, 8); }

static int cents_rec_get(const uint8_t *p, size_t len, size_t *used, value *out)
{
    if (len < 8)
        return -1;
    out->type = VT_CENTS;
    out->len = 8;
    out->u.s = (const char *)p;
    *used = 8;
    return 0;
}

static int cents_key_get(const uint8_t *p, size_t len, size_t *used, arena *a, value *out)
{
    (void)a;
    return cents_rec_get(p, len, used, out);
}

/* testcents(p, s): at most p digits in all (s is ignored). */
static int cents_typmod(value *v, int32_t typmod, arena *a, struct sql_error *err)
{
    (void)a;
    int p = (typmod - 4) >> 16;
    int64_t c = get_cents(v), lim = 1;
    for (int i = 0; i < p && lim < INT64_MAX / 10; i++)
        lim *= 10;
    if (c >= lim || c <= -lim)
        return sql_err(err, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                       "numeric field overflow");
    return 0;
}

static const ty_ops cents_ops = {
    .by_ref = 1, .in = cents_in, .out = cents_out, .cmp = cents_cmp, .hash = cents_hash,
    .rec_size = cents_size, .rec_put = cents_put, .rec_get = cents_rec_get,
    .key_size = cents_size, .key_put = cents_put, .key_get = cents_key_get,
    .apply_typmod = cents_typmod,
};

static const ty_desc cents_type = {
    .name = "testcents", .typname = "testcents", .vt = VT_CENTS, .typmod = TYPMOD_PREC_SCALE,
    .sql_name = "testcents", .ops = &cents_ops,
};

static void setup(void)
{
    cr_assert_geq(ty_add(&cents_type), TY_EXT_FIRST);
    eng_setup();
}

static void expect_rows(acidb_conn *c, const char *sql, const char *want)
{
    char *got = fx_query(c, sql);
    cr_expect_str_eq(got, want, "%s", sql);
    free(got);
}

Test(ext_type, a_module_type_works_everywhere_a_type_can_appear, .init = setup,
     .fini = eng_teardown)
{
    acidb_db *db = eng_open(1);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE ledger (amount TESTCENTS(5,2) PRIMARY KEY, note TEXT,"
              " fee testcents DEFAULT '0.50')");
    fx_ok(c, "CREATE INDEX ledger_fee ON ledger (fee)");
    fx_ok(c, "INSERT INTO ledger (amount, note) VALUES ('12.34', 'a'), ('-5', 'b'), ('0.5', 'c')");
    fx_ok(c, "INSERT INTO ledger VALUES ('100', 'd', '-1.25')");
    fx_fails(c, "INSERT INTO ledger (amount) VALUES ('1000')", "22003");
    cr_expect_str_eq(acidb_errmsg(c), "numeric field overflow");
    fx_fails(c, "INSERT INTO ledger (amount) VALUES ('x')", "22P02");
    cr_expect_str_eq(acidb_errmsg(c), "invalid input syntax for type testcents: \"x\"");
    fx_fails(c, "INSERT INTO ledger (amount) VALUES ('12.34')", "23505");
    cr_expect_str_eq(acidb_errmsg(c), "duplicate key value violates unique constraint "
                                      "\"ledger_pkey\"\nDETAIL:  Key (amount)=(12.34) already "
                                      "exists.");
    fx_fails(c, "INSERT INTO ledger (amount) VALUES (5)", "42804");
    expect_rows(c, "SELECT amount, note, fee FROM ledger ORDER BY amount",
                "-5.00|b|0.50\n0.50|c|0.50\n12.34|a|0.50\n100.00|d|-1.25\n");
    expect_rows(c, "SELECT note FROM ledger WHERE amount > '0' AND amount <= '12.34' ORDER BY note",
                "a\nc\n");
    expect_rows(c, "SELECT note FROM ledger WHERE fee < '0'", "d\n");
    expect_rows(c, "SELECT count(DISTINCT fee), amount::text || '!' FROM ledger WHERE note = 'a'"
                   " GROUP BY amount", "1|12.34!\n");
    fx_fails(c, "SELECT '99.99'::testcents(3,2)", "22003");
    expect_rows(c, "SELECT '9.99'::testcents(3,2), CAST('1' AS testcents)", "9.99|1.00\n");
    acidb_stmt *st = NULL;
    cr_assert_eq(acidb_prepare(c, "SELECT amount FROM ledger WHERE amount = $1", &st), ACIDB_OK);
    cr_expect_str_eq(acidb_column_type_name(st, 0), "testcents");
    cr_assert_eq(acidb_bind_text(st, 1, "-5.00", -1), ACIDB_OK);
    cr_assert_eq(acidb_step(st), ACIDB_ROW, "%s", acidb_errmsg(c));
    cr_expect_eq(acidb_column_type(st, 0), VT_CENTS);
    cr_expect_str_eq(acidb_column_text(st, 0), "-5.00");
    acidb_finalize(st);
    /* INSERT ... SELECT copies by-reference values out of the rows it reads */
    fx_ok(c, "CREATE TABLE copy (a testcents, n TEXT)");
    fx_ok(c, "INSERT INTO copy SELECT amount, note FROM ledger");
    expect_rows(c, "SELECT a FROM copy ORDER BY a DESC", "100.00\n12.34\n0.50\n-5.00\n");
    acidb_disconnect(c);
    acidb_schema *sc = NULL;
    cr_assert_eq(acidb_get_schema(db, &sc), ACIDB_OK);
    cr_expect_str_eq(sc->tables[1].cols[0].type, "testcents(5,2)");
    cr_expect_str_eq(sc->tables[1].cols[2].type, "testcents");
    acidb_free_schema(sc);
    cr_assert_eq(acidb_close(db), ACIDB_OK);

    db = eng_open(1);
    c = fx_connect(db);
    expect_rows(c, "SELECT amount FROM ledger WHERE amount >= '12.34' ORDER BY amount",
                "12.34\n100.00\n");
    acidb_disconnect(c);
    fx_check_clean(db, "after the reopen");
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}
