/*
 * float_test.c — REAL and DOUBLE PRECISION values: PostgreSQL's output (shortest text that
 * reads back exactly), input, NaN and -0 ordering, the order-preserving key encoding and the
 * row encoding (random values: EXPR_SEED=<n> replays), and the operators' overflow errors.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/record.h"
#include "tests/expr/build.h"

TestSuite(float, .init = t_init, .fini = t_fini);

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t seed_for(const char *test)
{
    const char *e = getenv("EXPR_SEED");
    uint64_t s = e ? strtoull(e, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)clock();
    if (s == 0)
        s = 1;
    fprintf(stderr, "float.%s: EXPR_SEED=%llu\n", test, (unsigned long long)s);
    return s;
}

/* Any double: random bits (NaNs, infinities, denormals included) or an edge value. */
static double rnd_double(uint64_t *s)
{
    static const double edges[] = {0.0, -0.0, 1.0, -1.0, 0.1, 1e-308, 5e-324, -5e-324,
                                   1.7976931348623157e308, INFINITY, -INFINITY, NAN, 1e15,
                                   1e16, 123456789012345.0, 0.0001, 0.00001};
    if (rnd(s) % 4 == 0)
        return edges[rnd(s) % (sizeof edges / sizeof *edges)];
    uint64_t u = rnd(s);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static void text_is(double f, int real, const char *want)
{
    char buf[32];
    int n = val_float_text(f, real, buf);
    cr_assert_str_eq(buf, want, "%.17g (real %d)", f, real);
    cr_assert_eq(n, (int)strlen(want));
}

Test(float, output_is_postgresql_s)
{
    text_is(0.1, 0, "0.1");
    text_is(0.1 + 0.2, 0, "0.30000000000000004");
    text_is(100, 0, "100");
    text_is(1e15, 0, "1e+15");
    text_is(123456789012345.0, 0, "123456789012345");
    text_is(1e-4, 0, "0.0001");
    text_is(1e-5, 0, "1e-05");
    text_is(-2.5e-10, 0, "-2.5e-10");
    text_is(1e300, 0, "1e+300");
    text_is(5e-324, 0, "5e-324");
    text_is(1.7976931348623157e308, 0, "1.7976931348623157e+308");
    text_is(NAN, 0, "NaN");
    text_is(INFINITY, 0, "Infinity");
    text_is(-INFINITY, 1, "-Infinity");
    text_is(-0.0, 0, "-0");
    text_is(0.0, 1, "0");
    text_is((float)0.1, 1, "0.1");
    text_is((float)0.1, 0, "0.10000000149011612");
    text_is(1e6, 1, "1e+06");
    text_is(123456, 1, "123456");
    text_is((float)3.14159265358979, 1, "3.1415927");
    text_is(16777216, 1, "1.6777216e+07");
}

/* Random doubles and floats: the text reads back to the same value, and no shorter digit
 * string would (so it is the shortest). */
Test(float, output_reads_back_exactly_and_is_shortest)
{
    uint64_t s = seed_for("output_reads_back_exactly_and_is_shortest");
    for (int i = 0; i < 20000; i++) {
        int real = i % 2;
        double f = rnd_double(&s);
        if (real)
            f = (float)f;
        char buf[32];
        val_float_text(f, real, buf);
        double back = real ? (double)strtof(buf, NULL) : strtod(buf, NULL);
        if (isnan(f)) {
            cr_assert(isnan(back), "%s", buf);
            continue;
        }
        cr_assert(back == f && signbit(back) == signbit(f), "%.17g (real %d) -> %s", f, real,
                  buf);
        if (isinf(f) || f == 0)
            continue;
        /* one significant digit fewer does not read back */
        /* significant digits: from the first non-zero one to the last non-zero one */
        int digits = 0, lead = 1, run = 0;
        for (const char *p = buf; *p && *p != 'e'; p++) {
            if (*p < '0' || *p > '9')
                continue;
            if (*p != '0')
                lead = 0;
            if (lead)
                continue;
            run = *p == '0' ? run + 1 : 0;
            digits++;
        }
        digits -= run;
        char shorter[40];
        if (digits > 1) {
            snprintf(shorter, sizeof shorter, "%.*e", digits - 2, f);
            double b2 = real ? (double)strtof(shorter, NULL) : strtod(shorter, NULL);
            cr_assert(b2 != f, "%.17g: %s but %s reads back too", f, buf, shorter);
        }
    }
}

static void input_fails(const char *text, int to, const char *state, const char *msg)
{
    t_fails(x_cast(x_text(text), to), state, text);
    cr_assert_str_eq(ERR.msg, msg);
}

Test(float, input_as_float8in)
{
    value v;
    cr_assert_eq(t_run(x_cast(x_text(" -1.5e3 "), TY_FLOAT8), &v), 0, "%s", ERR.msg);
    cr_assert(v.type == VT_FLOAT && v.u.f == -1500);
    cr_assert_eq(t_run(x_cast(x_text("-Infinity"), TY_FLOAT8), &v), 0);
    cr_assert(isinf(v.u.f) && v.u.f < 0);
    cr_assert_eq(t_run(x_cast(x_text("nan"), TY_FLOAT4), &v), 0);
    cr_assert(isnan(v.u.f) && v.len == 4);
    cr_assert_eq(t_run(x_cast(x_text("4.9e-324"), TY_FLOAT8), &v), 0, "denormal kept");
    cr_assert_eq(v.u.f, 5e-324);
    input_fails("1e400", TY_FLOAT8, "22003", "\"1e400\" is out of range for type double precision");
    input_fails("1e-400", TY_FLOAT8, "22003", "\"1e-400\" is out of range for type double precision");
    input_fails("1e39", TY_FLOAT4, "22003", "\"1e39\" is out of range for type real");
    input_fails("", TY_FLOAT8, "22P02", "invalid input syntax for type double precision: \"\"");
    input_fails("1.5 x", TY_FLOAT4, "22P02", "invalid input syntax for type real: \"1.5 x\"");
}

Test(float, nan_is_above_everything_and_negative_zero_is_zero)
{
    value nan = val_float(NAN), nan2 = val_float(-NAN), inf = val_float(INFINITY);
    value z = val_float(0.0), nz = val_float(-0.0), one = val_int(1);
    cr_assert_eq(val_cmp(&nan, &nan2), 0);
    cr_assert_eq(val_cmp(&nan, &inf), 1);
    cr_assert_eq(val_cmp(&inf, &nan), -1);
    cr_assert_eq(val_cmp(&z, &nz), 0);
    cr_assert_eq(val_hash(&z, 7), val_hash(&nz, 7));
    cr_assert_eq(val_hash(&nan, 7), val_hash(&nan2, 7));
    value f1 = val_float(1.0), f15 = val_float(1.5);
    cr_assert_eq(val_cmp(&one, &f1), 0, "an integer compares with a float as a float");
    cr_assert_eq(val_cmp(&one, &f15), -1);
    cr_assert_eq(val_cmp(&f15, &one), 1);
}

static int sgn(int x) { return (x > 0) - (x < 0); }

/* Random pairs: memcmp of the keys orders as val_cmp, equal keys for equal values, and every
 * key decodes to an equal value; rows round-trip bit for bit (NaN payloads aside). */
Test(float, key_order_is_value_order_and_rows_round_trip)
{
    uint64_t s = seed_for("key_order_is_value_order_and_rows_round_trip");
    for (int i = 0; i < 20000; i++) {
        value a = val_float(rnd_double(&s)), b = val_float(rnd_double(&s));
        if (i % 7 == 0)
            b = a;
        rec_buf ka = {0}, kb = {0};
        rec_key_value(&ka, &a);
        rec_key_value(&kb, &b);
        cr_assert(!ka.oom && !kb.oom && ka.len == 9 && kb.len == 9);
        int c = sgn(memcmp(ka.p, kb.p, 9)), want = val_cmp(&a, &b);
        cr_assert_eq(c, want, "%.17g vs %.17g: key order %d, value order %d", a.u.f, b.u.f, c,
                     want);
        value d = {.type = VT_FLOAT};
        size_t off = 0;
        cr_assert_eq(rec_key_decode_value(ka.p, ka.len, &off, &T, &d), 0);
        cr_assert(off == 9 && val_cmp(&d, &a) == 0, "%.17g decodes as %.17g", a.u.f, d.u.f);
        uint8_t *row;
        size_t len;
        value pair[2] = {a, b}, back[2];
        cr_assert_eq(rec_encode(pair, 2, -1, &row, &len), 0);
        cr_assert_eq(rec_decode(row, len, 0, back, 2), 0);
        cr_assert(back[0].type == VT_FLOAT && memcmp(&back[0].u.f, &a.u.f, 8) == 0);
        cr_assert(back[1].type == VT_FLOAT && memcmp(&back[1].u.f, &b.u.f, 8) == 0);
        cr_assert_eq(rec_decode(row, len - 1, 0, back, 2), -1, "a truncated float is refused");
        free(row);
        rec_buf_free(&ka);
        rec_buf_free(&kb);
    }
}

static void float_fails(sql_expr *e, const char *state, const char *msg)
{
    t_fails(e, state, msg);
    cr_assert_str_eq(ERR.msg, msg);
}

Test(float, operators_report_overflow_and_underflow)
{
    sql_expr *big = x_cast(x_text("1e308"), TY_FLOAT8), *ten = x_cast(x_int(10), TY_FLOAT8);
    float_fails(x_bin(OP_MUL, big, ten), "22003", "value out of range: overflow");
    float_fails(x_bin(OP_MUL, x_cast(x_text("1e-300"), TY_FLOAT8),
                      x_cast(x_text("1e-300"), TY_FLOAT8)), "22003", "value out of range: underflow");
    float_fails(x_bin(OP_ADD, x_cast(x_text("3e38"), TY_FLOAT4), x_cast(x_text("3e38"), TY_FLOAT4)),
                "22003", "value out of range: overflow");
    float_fails(x_bin(OP_DIV, x_cast(x_int(1), TY_FLOAT8), x_int(0)), "22012", "division by zero");
    float_fails(x_cast(x_cast(x_text("1e300"), TY_FLOAT8), TY_FLOAT4), "22003",
                "value out of range: overflow");
    float_fails(x_cast(x_cast(x_text("2147483647.5"), TY_FLOAT8), TY_INT4), "22003",
                "integer out of range");
    value v;
    /* 3e38::real + 3e38::real overflows in real, but real + double precision is a double */
    cr_assert_eq(t_run(x_bin(OP_ADD, x_cast(x_text("3e38"), TY_FLOAT4),
                             x_cast(x_text("3e38"), TY_FLOAT8)), &v), 0, "%s", ERR.msg);
    cr_assert(v.type == VT_FLOAT && v.len == 0 && v.u.f == (double)3e38f + 3e38);
    cr_assert_eq(t_run(x_cast(x_cast(x_text("2.5"), TY_FLOAT8), TY_INT4), &v), 0);
    cr_assert_eq(v.u.i, 2, "half to even");
    cr_assert_eq(t_run(x_bin(OP_DIV, x_cast(x_text("NaN"), TY_FLOAT8), x_int(0)), &v), 0);
    cr_assert(isnan(v.u.f), "NaN / 0 is NaN");
}

/* A literal with a fraction (numeric in PostgreSQL, TY_NUMERIC here) becomes a float where a
 * float is wanted and is refused with 0A000 elsewhere. */
static sql_expr *N(const char *s)
{
    sql_expr *e = x_text(s);
    e->tid = TY_NUMERIC;
    return e;
}

Test(float, fraction_literals_become_floats_only_where_a_float_is_wanted)
{
    ROW[0] = val_float(1);
    ROW[1] = val_float4(2);
    value v;
    cr_assert_eq(t_run(x_bin(OP_ADD, x_col(0, TY_FLOAT8), N("1.5")), &v), 0, "%s", ERR.msg);
    cr_assert(v.type == VT_FLOAT && v.u.f == 2.5);
    cr_assert_eq(t_run(x_bin(OP_MUL, N("0.1"), x_col(1, TY_FLOAT4)), &v), 0, "%s", ERR.msg);
    cr_assert(v.len == 4 && v.u.f == (double)(0.1f * 2.0f), "real * 0.1 is a real");
    cr_assert_eq(t_run(x_cast(N("-0.0"), TY_FLOAT8), &v), 0);
    cr_assert(v.u.f == 0 && !signbit(v.u.f), "a numeric has no -0");
    cr_assert_eq(t_run(x_bin(OP_LT, x_col(0, TY_FLOAT8), N("1e3")), &v), 0);
    cr_assert(v.type == VT_BOOL && v.u.i == 1);
    t_fails(at(N("1.5"), 7), "0A000", "SELECT 1.5");
    cr_assert_eq(ERR.pos, 8, "1-based position of the literal");
    t_fails(x_bin(OP_ADD, x_int(1), N("2.5")), "0A000", "1 + 2.5");
    t_fails(x_cast(N("2.5"), TY_INT4), "0A000", "2.5::int");
}
