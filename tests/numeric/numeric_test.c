/*
 * numeric_test.c — engine/numeric.h operation by operation, with PostgreSQL's documented
 * examples and edge cases (ties, limits, special values, errors), and the two encodings:
 * round trips, and key order = value order over random values.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/numeric.h"

static arena A;
static sql_error E;

static void init(void)
{
    ar_init(&A);
    memset(&E, 0, sizeof E);
}
static void fini(void) { ar_free(&A); }

TestSuite(numeric, .init = init, .fini = fini);

static num N(const char *s)
{
    num x;
    int rc = num_in(s, strlen(s), -1, 0, &A, &x, &E);
    cr_assert_eq(rc, 0, "num_in(%s): %s", s, E.msg);
    return x;
}

static const char *T(const num *x)
{
    char *s;
    cr_assert_eq(num_out(x, &A, &s, NULL, &E), 0);
    return s;
}

static void is(const num *x, const char *want, const char *what)
{
    cr_assert_str_eq(T(x), want, "%s", what);
}

typedef int (*binop)(const num *, const num *, arena *, num *, sql_error *);

static void bin(binop f, const char *a, const char *b, const char *want)
{
    num x = N(a), y = N(b), r;
    int rc = f(&x, &y, &A, &r, &E);
    cr_assert_eq(rc, 0, "%s op %s: %s", a, b, E.msg);
    is(&r, want, a);
}

static void fails(int rc, const char *state, const char *msg)
{
    cr_assert_neq(rc, 0, "expected %s: %s", state, msg);
    cr_assert_str_eq(E.state, state, "%s", E.msg);
    cr_assert_str_eq(E.msg, msg);
}

static void in_fails(const char *s, const char *state, const char *msg)
{
    num x;
    fails(num_in(s, strlen(s), -1, 0, &A, &x, &E), state, msg);
}

Test(numeric, input_and_output_keep_the_display_scale)
{
    is(&(num){0}, "0", "zero value");
    const char *same[][2] = {
        {"10.50", "10.50"}, {" 1.50 ", "1.50"}, {"-0.00", "0.00"}, {"-0", "0"},
        {"00012.3400", "12.3400"}, {".5", "0.5"}, {"5.", "5"}, {"+.5", "0.5"},
        {"1e-3", "0.001"}, {"1.5e+2", "150"}, {"1E2", "100"}, {"1e 5", "100000"},
        {"-1.5e-3", "-0.0015"}, {"\t7\n", "7"}, {"nan", "NaN"}, {" NaN ", "NaN"},
        {"inf", "Infinity"}, {"+infinity", "Infinity"}, {"-INF", "-Infinity"},
        {"0e1073741822", "0"}, {"12345678901234567890123456789.123456789",
                                "12345678901234567890123456789.123456789"}};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        num x = N(same[i][0]);
        is(&x, same[i][1], same[i][0]);
    }
}

Test(numeric, input_errors_are_postgresql_s)
{
    const char *bad[] = {"", " ", "abc", "1e", "1e+", "1e+ 5", ".", "-.", "1.2.3", "++1",
                         "1ee3", "12 3", "-nan", "+NaN", "infinit", "infinityx", "1_000",
                         "0x10", "1e5.5", "1e-3x"};
    char msg[128];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(msg, sizeof msg, "invalid input syntax for type numeric: \"%s\"", bad[i]);
        in_fails(bad[i], "22P02", msg);
    }
    in_fails("1e131072", "22003", "value overflows numeric format");
    in_fails("1e-16384", "22003", "value overflows numeric format");
    in_fails("0.0e-16384", "22003", "value overflows numeric format");
    in_fails("1e1073741823", "22003", "value overflows numeric format");
    in_fails("1e99999999999999999999", "22003", "value overflows numeric format");
    /* The largest values that fit. */
    num big = N("9e131071"), tiny = N("1e-16383");
    cr_assert_eq(big.kind, NUM_FINITE);
    cr_assert_eq(tiny.dscale, 16383);
}

Test(numeric, add_sub_keep_the_larger_scale)
{
    bin(num_add, "100.50", "0.5", "101.00");
    bin(num_sub, "100.50", "10.50", "90.00");
    bin(num_sub, "1", "1.000", "0.000");
    bin(num_add, "-5.25", "5.25", "0.00");
    bin(num_add, "99999999999999999999", "1", "100000000000000000000");
    bin(num_sub, "0.001", "1000", "-999.999");
    bin(num_add, "Infinity", "-Infinity", "NaN");
    bin(num_sub, "Infinity", "Infinity", "NaN");
    bin(num_add, "Infinity", "-5", "Infinity");
    bin(num_sub, "5", "Infinity", "-Infinity");
    bin(num_add, "NaN", "1", "NaN");
    num x = N("9e131071"), r;
    fails(num_add(&x, &x, &A, &r, &E), "22003", "value overflows numeric format");
}

Test(numeric, mul_sums_the_scales)
{
    bin(num_mul, "1.5", "1.5", "2.25");
    bin(num_mul, "1.0", "1.00", "1.000");
    bin(num_mul, "-0.05", "0.5", "-0.025");
    bin(num_mul, "12345678901234567890", "98765432109876543210",
        "1219326311370217952237463801111263526900");
    bin(num_mul, "Infinity", "0", "NaN");
    bin(num_mul, "-Infinity", "-2", "Infinity");
    /* Past 16383 digits the product is rounded there (half away from zero). */
    num a = N("5e-16383"), b = N("0.1"), r;
    cr_assert_eq(num_mul(&a, &b, &A, &r, &E), 0);
    cr_assert_eq(r.dscale, 16383);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.d[0], 1);
}

Test(numeric, div_uses_select_div_scale)
{
    bin(num_div, "1", "3", "0.33333333333333333333");
    bin(num_div, "10", "4", "2.5000000000000000");
    bin(num_div, "12345678", "3", "4115226.000000000000");
    bin(num_div, "0.001", "7", "0.00014285714285714286");
    bin(num_div, "99999", "0.0001", "999990000.00000000");
    bin(num_div, "1e-20", "3", "0.0000000000000000000033333333333333333333");
    bin(num_div, "2", "3", "0.66666666666666666667");   /* rounded, half away from zero */
    bin(num_div, "-2", "3", "-0.66666666666666666667");
    bin(num_div, "5.0", "Infinity", "0");
    bin(num_div, "Infinity", "-Infinity", "NaN");
    bin(num_div, "NaN", "0", "NaN");
    num x = N("1"), z = N("0.00"), inf = N("Infinity"), r;
    fails(num_div(&x, &z, &A, &r, &E), "22012", "division by zero");
    cr_assert_eq(E.code, ACIDB_RANGE);
    fails(num_div(&inf, &z, &A, &r, &E), "22012", "division by zero");
}

Test(numeric, mod_has_the_dividend_s_sign)
{
    bin(num_mod, "10", "3", "1");
    bin(num_mod, "-7", "2", "-1");
    bin(num_mod, "7", "-2", "1");
    bin(num_mod, "5.5", "2", "1.5");
    bin(num_mod, "10.00", "3.0", "1.00");
    bin(num_mod, "5.0", "Infinity", "5.0");
    bin(num_mod, "Infinity", "2", "NaN");
    num x = N("5"), z = N("0"), r;
    fails(num_mod(&x, &z, &A, &r, &E), "22012", "division by zero");
}

Test(numeric, compare_nan_last_scale_ignored)
{
    const char *order[] = {"-Infinity", "-1e100", "-2.5", "-0.001", "0", "0.00", "1e-16383",
                           "1", "1.0", "1.00", "2.5", "1e100", "Infinity", "NaN", "nan"};
    size_t n = sizeof order / sizeof *order;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            num a = N(order[i]), b = N(order[j]);
            int c = num_cmp(&a, &b);
            int same = (i == j) || (i == 4 && j == 5) || (i == 5 && j == 4) ||
                       (i >= 7 && i <= 9 && j >= 7 && j <= 9) || (i >= 13 && j >= 13);
            int want = same ? 0 : i < j ? -1 : 1;
            cr_assert_eq(c, want, "cmp(%s, %s) = %d", order[i], order[j], c);
        }
}

Test(numeric, neg_abs_sign)
{
    num x = N("-12.30"), r;
    num_neg(&x, &r);
    is(&r, "12.30", "-(-12.30)");
    num_abs(&x, &r);
    is(&r, "12.30", "abs");
    num_sign(&x, &r);
    is(&r, "-1", "sign");
    x = N("0.00");
    num_neg(&x, &r);
    is(&r, "0.00", "-0.00 has no sign");
    num_sign(&x, &r);
    is(&r, "0", "sign(0.00)");
    x = N("NaN");
    num_sign(&x, &r);
    is(&r, "NaN", "sign(NaN)");
    x = N("-Infinity");
    num_abs(&x, &r);
    is(&r, "Infinity", "abs(-inf)");
    num_sign(&x, &r);
    is(&r, "-1", "sign(-inf)");
}

static void rnd_is(int trunc, const char *a, int s, const char *want)
{
    num x = N(a), r;
    cr_assert_eq((trunc ? num_trunc : num_round)(&x, s, &A, &r, &E), 0);
    is(&r, want, a);
}

Test(numeric, round_half_away_from_zero)
{
    rnd_is(0, "0.5", 0, "1");
    rnd_is(0, "-0.5", 0, "-1");
    rnd_is(0, "2.5", 0, "3");
    rnd_is(0, "-2.5", 0, "-3");
    rnd_is(0, "-0.4", 0, "0");
    rnd_is(0, "42.4382", 2, "42.44");     /* PostgreSQL's documentation */
    rnd_is(0, "1.234", 5, "1.23400");
    rnd_is(0, "1234.5", -2, "1200");
    rnd_is(0, "1250", -2, "1300");
    rnd_is(0, "5.5", -3, "0");
    rnd_is(0, "999.95", 1, "1000.0");
    rnd_is(1, "42.4382", 2, "42.43");
    rnd_is(1, "-42.8", 0, "-42");
    rnd_is(1, "1299.9", -2, "1200");
    rnd_is(0, "Infinity", 2, "Infinity");
    num x = N("9.5e131071"), r;
    fails(num_round(&x, -131072, &A, &r, &E), "22003", "value overflows numeric format");
}

Test(numeric, ceil_and_floor)
{
    num x, r;
    const char *c[][3] = {{"42.2", "43", "42"}, {"-42.8", "-42", "-43"}, {"-0.5", "0", "-1"},
                          {"5.000", "5", "5"}, {"0.0", "0", "0"}, {"-Infinity", "-Infinity",
                          "-Infinity"}, {"NaN", "NaN", "NaN"}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        x = N(c[i][0]);
        cr_assert_eq(num_ceil(&x, &A, &r, &E), 0);
        is(&r, c[i][1], c[i][0]);
        cr_assert_eq(num_floor(&x, &A, &r, &E), 0);
        is(&r, c[i][2], c[i][0]);
    }
}

static int typmod(const char *a, int p, int s, num *r)
{
    num x = N(a);
    return num_apply_typmod(&x, p, s, &A, r, &E);
}

Test(numeric, typmod_rounds_then_checks_digits)
{
    num r;
    cr_assert_eq(typmod("123.456", 5, 2, &r), 0);
    is(&r, "123.46", "numeric(5,2)");
    cr_assert_eq(typmod("1.5", 5, 2, &r), 0);
    is(&r, "1.50", "padded to the scale");
    cr_assert_eq(typmod("12345", 5, -2, &r), 0);
    is(&r, "12300", "negative scale");
    cr_assert_eq(typmod("NaN", 5, 2, &r), 0);
    fails(typmod("1234.5", 5, 2, &r), "22003", "numeric field overflow\nDETAIL:  A field with "
          "precision 5, scale 2 must round to an absolute value less than 10^3.");
    fails(typmod("999.995", 5, 2, &r), "22003", "numeric field overflow\nDETAIL:  A field with "
          "precision 5, scale 2 must round to an absolute value less than 10^3.");
    cr_assert_eq(typmod("0.5", 2, 2, &r), 0);
    is(&r, "0.50", "no digit before the point");
    fails(typmod("1.5", 2, 2, &r), "22003", "numeric field overflow\nDETAIL:  A field with "
          "precision 2, scale 2 must round to an absolute value less than 1.");
    fails(typmod("0.5", 2, 3, &r), "22003", "numeric field overflow\nDETAIL:  A field with "
          "precision 2, scale 3 must round to an absolute value less than 10^-1.");
    fails(typmod("-Infinity", 5, 2, &r), "22003", "numeric field overflow\nDETAIL:  A field "
          "with precision 5, scale 2 cannot hold an infinite value.");
    fails(num_typmod_check(0, 0, &E), "22023", "NUMERIC precision 0 must be between 1 and 1000");
    fails(num_typmod_check(5, 1001, &E), "22023",
          "NUMERIC scale 1001 must be between -1000 and 1000");
    cr_assert_eq(num_typmod_check(1000, -1000, &E), 0);
}

Test(numeric, input_with_a_typmod_rounds_before_the_limits)
{
    /* numeric_in with a typmod (COPY, a text parameter of a NUMERIC(p,s) column). */
    num r;
    cr_assert_eq(num_in("1e-16384", 8, 8, 4, &A, &r, &E), 0);
    is(&r, "0.0000", "rounded before the scale limit applies");
    cr_assert_eq(num_in(" 2.345 ", 7, 4, 2, &A, &r, &E), 0);
    is(&r, "2.35", "half away from zero");
    cr_assert_eq(num_in("-9.995", 6, 4, 2, &A, &r, &E), 0);
    is(&r, "-10.00", "carry into a new digit");
    fails(num_in("99.995", 6, 4, 2, &A, &r, &E), "22003", "numeric field overflow\nDETAIL:  "
          "A field with precision 4, scale 2 must round to an absolute value less than 10^2.");
    fails(num_in("1e200000", 8, 4, 2, &A, &r, &E), "22003", "numeric field overflow\nDETAIL:  "
          "A field with precision 4, scale 2 must round to an absolute value less than 10^2.");
    fails(num_in("inf", 3, 4, 2, &A, &r, &E), "22003", "numeric field overflow\nDETAIL:  "
          "A field with precision 4, scale 2 cannot hold an infinite value.");
}

Test(numeric, integer_casts_round_and_check_ranges)
{
    int16_t i2;
    int32_t i4;
    int64_t i8;
    num x = N("2.5");
    cr_assert_eq(num_to_int32(&x, &i4, &E), 0);
    cr_assert_eq(i4, 3);
    x = N("-2.5");
    cr_assert_eq(num_to_int16(&x, &i2, &E), 0);
    cr_assert_eq(i2, -3);
    x = N("-9223372036854775808.4");
    cr_assert_eq(num_to_int64(&x, &i8, &E), 0);
    cr_assert_eq(i8, INT64_MIN);
    x = N("32767.5");
    fails(num_to_int16(&x, &i2, &E), "22003", "smallint out of range");
    x = N("2147483647.5");
    fails(num_to_int32(&x, &i4, &E), "22003", "integer out of range");
    x = N("9223372036854775807.5");
    fails(num_to_int64(&x, &i8, &E), "22003", "bigint out of range");
    x = N("1e30");
    fails(num_to_int64(&x, &i8, &E), "22003", "bigint out of range");
    x = N("NaN");
    fails(num_to_int32(&x, &i4, &E), "0A000", "cannot convert NaN to integer");
    x = N("-Infinity");
    fails(num_to_int64(&x, &i8, &E), "0A000", "cannot convert infinity to bigint");
    num r;
    cr_assert_eq(num_from_int64(INT64_MIN, &A, &r, &E), 0);
    is(&r, "-9223372036854775808", "from int64");
    cr_assert_eq(num_from_int64(0, &A, &r, &E), 0);
    is(&r, "0", "from zero");
    cr_assert_eq(num_from_int64_scaled(-1500000, 6, &A, &r, &E), 0);
    is(&r, "-1.500000", "scaled");
    cr_assert_eq(num_from_int64_scaled(7, 3, &A, &r, &E), 0);
    is(&r, "0.007", "scaled below one");
}

Test(numeric, double_casts)
{
    num r;
    cr_assert_eq(num_from_double(0.1, &A, &r, &E), 0);
    is(&r, "0.1", "15 significant digits");
    cr_assert_eq(num_from_double(1.23456789012345678, &A, &r, &E), 0);
    is(&r, "1.23456789012346", "rounded to 15 digits");
    cr_assert_eq(num_from_double(1e20, &A, &r, &E), 0);
    is(&r, "100000000000000000000", "1e20");
    cr_assert_eq(num_from_double(-0.0, &A, &r, &E), 0);
    is(&r, "0", "-0");
    cr_assert_eq(num_from_double(-INFINITY, &A, &r, &E), 0);
    is(&r, "-Infinity", "-inf");
    cr_assert_eq(num_from_double(NAN, &A, &r, &E), 0);
    is(&r, "NaN", "nan");
    double d;
    num x = N("12.5");
    cr_assert_eq(num_to_double(&x, &d, &E), 0);
    cr_assert_eq(d, 12.5);
    x = N("Infinity");
    cr_assert_eq(num_to_double(&x, &d, &E), 0);
    cr_assert(isinf(d) && d > 0);
    x = N("1e400");
    cr_assert_neq(num_to_double(&x, &d, &E), 0);
    cr_assert_str_eq(E.state, "22003");
    cr_assert(strstr(E.msg, "is out of range for type double precision"));
    x = N("1e-400");
    cr_assert_neq(num_to_double(&x, &d, &E), 0);
    x = N("1e-320");   /* subnormal: accepted, as strtod gives it */
    cr_assert_eq(num_to_double(&x, &d, &E), 0);
    cr_assert(d > 0);
}

Test(numeric, sum_and_avg_scales)
{
    num_agg g;
    num r;
    num_agg_init(&g);
    cr_assert_eq(num_agg_sum(&g, &A, &r, &E), 1, "no rows: NULL");
    cr_assert_eq(num_agg_avg(&g, &A, &r, &E), 1, "no rows: NULL");
    const char *v[] = {"1.5", "2.25", "3"};
    for (int i = 0; i < 3; i++) {
        num x = N(v[i]);
        cr_assert_eq(num_agg_add(&g, &x, &E), 0);
    }
    cr_assert_eq(num_agg_sum(&g, &A, &r, &E), 0);
    is(&r, "6.75", "sum");
    cr_assert_eq(num_agg_avg(&g, &A, &r, &E), 0);
    is(&r, "2.2500000000000000", "avg: select_div_scale of sum / count");
    num nan = N("NaN");
    cr_assert_eq(num_agg_add(&g, &nan, &E), 0);
    cr_assert_eq(num_agg_sum(&g, &A, &r, &E), 0);
    is(&r, "NaN", "NaN absorbs");
    num_agg_free(&g);

    num_agg_init(&g);
    cr_assert_eq(num_agg_add_int64(&g, 1, &E), 0);
    cr_assert_eq(num_agg_add_int64(&g, 2, &E), 0);
    cr_assert_eq(num_agg_avg(&g, &A, &r, &E), 0);
    is(&r, "1.5000000000000000", "avg(integer)");
    cr_assert_eq(num_agg_add_int64(&g, INT64_MIN, &E), 0);
    cr_assert_eq(num_agg_add_int64(&g, INT64_MIN, &E), 0);
    cr_assert_eq(num_agg_sum(&g, &A, &r, &E), 0);
    is(&r, "-18446744073709551613", "no 64-bit overflow");
    num_agg_free(&g);

    num_agg_init(&g);
    num pi = N("Infinity"), ni = N("-Infinity");
    num_agg_add(&g, &pi, &E);
    cr_assert_eq(num_agg_sum(&g, &A, &r, &E), 0);
    is(&r, "Infinity", "sum(inf)");
    num_agg_add(&g, &ni, &E);
    cr_assert_eq(num_agg_avg(&g, &A, &r, &E), 0);
    is(&r, "NaN", "inf + -inf");
    num_agg_free(&g);
}

Test(numeric, money_stays_exact_over_a_million_transfers)
{
    /* 0.01 moved a million times between two NUMERIC(20,2) balances. */
    num a = N("1000000.00"), b = N("0.00"), cent = N("0.01"), r;
    arena scratch;
    ar_init(&scratch);
    for (int i = 0; i < 1000000; i++) {
        num na, nb;
        cr_assert_eq(num_sub(&a, &cent, &scratch, &r, &E), 0);
        cr_assert_eq(num_apply_typmod(&r, 20, 2, &scratch, &na, &E), 0);
        cr_assert_eq(num_add(&b, &cent, &scratch, &r, &E), 0);
        cr_assert_eq(num_apply_typmod(&r, 20, 2, &scratch, &nb, &E), 0);
        /* Keep the arena small: copy the two balances out every 1000 steps. */
        a = na;
        b = nb;
        if (i % 1000 == 999) {
            rec_buf k = {0};
            num_rec_append(&k, &a);
            num_rec_append(&k, &b);
            cr_assert(!k.oom);
            ar_reset(&scratch);
            size_t off = 0;
            cr_assert_eq(num_rec_decode(k.p, k.len, &off, &scratch, &a, &E), 0);
            cr_assert_eq(num_rec_decode(k.p, k.len, &off, &scratch, &b, &E), 0);
            rec_buf_free(&k);
        }
    }
    is(&a, "990000.00", "payer");
    is(&b, "10000.00", "payee");
    cr_assert_eq(num_add(&a, &b, &A, &r, &E), 0);
    is(&r, "1000000.00", "money conserved to the cent");
    ar_free(&scratch);
}

/* ---- encodings ---------------------------------------------------------------------------- */

static uint64_t rs = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static void random_text(char *out)
{
    int r = (int)(rnd() % 100);
    if (r < 3) {
        strcpy(out, r == 0 ? "NaN" : r == 1 ? "Infinity" : "-Infinity");
        return;
    }
    char *p = out;
    if (rnd() % 2)
        *p++ = '-';
    int ni = (int)(rnd() % 25), nf = (int)(rnd() % 12);
    if (r < 10)
        ni = 0;   /* zeros and tiny values */
    for (int i = 0; i < ni; i++)
        *p++ = (char)('0' + rnd() % 10);
    if (!ni)
        *p++ = '0';
    if (nf) {
        *p++ = '.';
        for (int i = 0; i < nf; i++)
            *p++ = (char)('0' + (rnd() % 3 == 0 ? 0 : rnd() % 10));
    }
    if (rnd() % 10 == 0)
        p += sprintf(p, "e%d", (int)(rnd() % 400) - 200);
    *p = 0;
}

Test(numeric, record_encoding_round_trips)
{
    char t[128];
    for (int i = 0; i < 3000; i++) {
        random_text(t);
        num x = N(t), y;
        rec_buf b = {0};
        num_rec_append(&b, &x);
        cr_assert(!b.oom);
        size_t off = 0;
        cr_assert_eq(num_rec_decode(b.p, b.len, &off, &A, &y, &E), 0, "%s", t);
        cr_assert_eq(off, b.len);
        cr_assert_str_eq(T(&y), T(&x), "%s", t);
        /* Every truncation is refused, never read past. */
        for (size_t cut = 0; cut < b.len; cut++) {
            off = 0;
            int rc = num_rec_decode(b.p, cut, &off, &A, &y, &E);
            cr_assert_eq(rc, ACIDB_CORRUPT, "%s cut at %zu", t, cut);
        }
        rec_buf_free(&b);
    }
    uint8_t bad1[] = {0x01, 0x00, 0x00};         /* negative zero */
    uint8_t bad2[] = {0x00, 0x80, 0x80, 0x01, 0x00};   /* dscale 16384 */
    uint8_t bad3[] = {0x00, 0x00, 0x01, 0x00};   /* high zero byte */
    uint8_t bad4[] = {0x07};
    const uint8_t *bads[] = {bad1, bad2, bad3, bad4};
    size_t lens[] = {sizeof bad1, sizeof bad2, sizeof bad3, sizeof bad4};
    for (int i = 0; i < 4; i++) {
        size_t off = 0;
        num y;
        cr_assert_eq(num_rec_decode(bads[i], lens[i], &off, &A, &y, &E), ACIDB_CORRUPT, "%d", i);
        cr_assert_str_eq(E.state, "XX001");
    }
}

Test(numeric, record_encoding_is_compact)
{
    num x = N("100.50");
    rec_buf b = {0};
    num_rec_append(&b, &x);
    cr_assert_eq(b.len, 5, "tag, dscale, length, two coefficient bytes");
    rec_buf_free(&b);
}

typedef struct keyed {
    num x;
    rec_buf k;
    char text[128];
} keyed;

static int by_value(const void *a, const void *b)
{
    return num_cmp(&((const keyed *)a)->x, &((const keyed *)b)->x);
}

Test(numeric, key_order_is_value_order)
{
    enum { NV = 2000 };
    keyed *v = calloc(NV, sizeof *v);
    cr_assert(v);
    for (int i = 0; i < NV; i++) {
        random_text(v[i].text);
        if (i % 7 == 0 && i > 0)   /* equal values at other scales */
            snprintf(v[i].text, sizeof v[i].text, "%s%s", v[i - 1].text,
                     strchr(v[i - 1].text, '.') || strchr(v[i - 1].text, 'e') ||
                     strchr(v[i - 1].text, 'N') || strchr(v[i - 1].text, 'I') ? "" : ".000");
        v[i].x = N(v[i].text);
        num_key_append(&v[i].k, &v[i].x);
        cr_assert(!v[i].k.oom);
    }
    qsort(v, NV, sizeof *v, by_value);
    for (int i = 0; i + 1 < NV; i++) {
        const rec_buf *a = &v[i].k, *b = &v[i + 1].k;
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->p, b->p, n);
        if (c == 0)
            c = a->len < b->len ? -1 : a->len > b->len;
        int want = num_cmp(&v[i].x, &v[i + 1].x);
        cr_assert_eq(c < 0 ? -1 : c > 0, want, "%s vs %s", v[i].text, v[i + 1].text);
        /* Self-delimiting: neither key is a proper prefix of the other. */
        if (want != 0)
            cr_assert(memcmp(a->p, b->p, n) != 0, "%s is a prefix of %s", v[i].text,
                      v[i + 1].text);
    }
    for (int i = 0; i < NV; i++) {
        /* Decoding gives the same number (its smallest scale), and the whole key. */
        num y;
        size_t off = 0;
        cr_assert_eq(num_key_decode(v[i].k.p, v[i].k.len, &off, &A, &y, &E), 0, "%s",
                     v[i].text);
        cr_assert_eq(off, v[i].k.len);
        cr_assert_eq(num_cmp(&y, &v[i].x), 0, "%s decoded as %s", v[i].text, T(&y));
        for (size_t cut = 1; cut < v[i].k.len; cut++) {
            off = 0;
            cr_assert_eq(num_key_decode(v[i].k.p, cut, &off, &A, &y, &E), ACIDB_CORRUPT);
        }
        rec_buf_free(&v[i].k);
    }
    free(v);
}

Test(numeric, hash_agrees_with_cmp)
{
    const char *same[][2] = {{"1.0", "1.00"}, {"0", "-0.000"}, {"1e3", "1000.000"},
                             {"NaN", "nan"}, {"-2.50", "-2.5"}, {"1e-40", "0.0000000000"
                             "000000000000000000000000000001000000000000000000000000"},
                             {"123456789012345678901234567890", "123456789012345678901234567890."
                             "000000000000000000000000"}};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        num a = N(same[i][0]), b = N(same[i][1]);
        cr_assert_eq(num_hash(&a, 7), num_hash(&b, 7), "%s", same[i][0]);
    }
    const char *differ[] = {"1", "10", "0.1", "-1", "0", "NaN", "Infinity", "-Infinity",
                            "1.01", "100"};
    size_t n = sizeof differ / sizeof *differ;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            num a = N(differ[i]), b = N(differ[j]);
            if (num_cmp(&a, &b) != 0)
                cr_assert_neq(num_hash(&a, 7), num_hash(&b, 7), "%s %s", differ[i], differ[j]);
        }
}

Test(numeric, equal_numbers_have_equal_keys)
{
    const char *same[][2] = {{"1.0", "1.00"}, {"0", "-0.000"}, {"1e3", "1000.000"},
                             {"NaN", "nan"}, {"-2.50", "-2.5"}};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        num a = N(same[i][0]), b = N(same[i][1]);
        rec_buf ka = {0}, kb = {0};
        num_key_append(&ka, &a);
        num_key_append(&kb, &b);
        cr_assert_eq(ka.len, kb.len, "%s", same[i][0]);
        cr_assert_eq(memcmp(ka.p, kb.p, ka.len), 0, "%s", same[i][0]);
        rec_buf_free(&ka);
        rec_buf_free(&kb);
    }
}

Test(numeric, random_bytes_are_a_number_or_an_input_error)
{
    static const char alphabet[] = "0123456789+-.eE \tnaNiIfFty_x\x80";
    char buf[40];
    for (int i = 0; i < 20000; i++) {
        size_t len = (size_t)(rnd() % sizeof buf);
        for (size_t j = 0; j < len; j++)
            buf[j] = rnd() % 8 ? alphabet[rnd() % (sizeof alphabet - 1)] : (char)rnd();
        num x;
        int rc = num_in(buf, len, -1, 0, &A, &x, &E);
        if (rc == 0) {
            /* What was accepted prints and reads back as the same number. */
            num y;
            const char *t = T(&x);
            cr_assert_eq(num_in(t, strlen(t), -1, 0, &A, &y, &E), 0, "%s", t);
            cr_assert_eq(num_cmp(&x, &y), 0, "%s", t);
            cr_assert_str_eq(T(&y), t);
        } else {
            cr_assert(strcmp(E.state, "22P02") == 0 || strcmp(E.state, "22003") == 0, "%s %s",
                      E.state, E.msg);
        }
    }
}

Test(numeric, div_of_a_value_with_more_than_1000_decimals, .timeout = 20)
{
    /* select_div_scale caps the scale at 1000, below the dividend's own 16383: the quotient
     * is rounded to 1000 digits (the divisor is scaled, not the dividend). */
    num x = N("1e-16383"), y = N("3"), r;
    cr_assert_eq(num_div(&x, &y, &A, &r, &E), 0);
    cr_assert_eq(r.dscale, 1000);
    cr_assert_eq(r.n, 0);
    num x2 = N("0.00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "00000000000000000000000000000000000000000000000000000000000000000000000000000"
               "000000000000000000000000000000000000000000000000000000000000000000000000000015");
    cr_assert_gt(x2.dscale, 1000);
    cr_assert_eq(num_div(&x2, &y, &A, &r, &E), 0);
    cr_assert_eq(r.dscale, 1000);
}

Test(numeric, float4_casts)
{
    num r;
    cr_assert_eq(num_from_float(0.1f, &A, &r, &E), 0);
    is(&r, "0.1", "6 significant digits");
    cr_assert_eq(num_from_float(16777217.0f, &A, &r, &E), 0);
    is(&r, "16777200", "rounded to 6 digits");
    cr_assert_eq(num_from_float(-INFINITY, &A, &r, &E), 0);
    is(&r, "-Infinity", "-inf");
    float f;
    num x = N("12.5");
    cr_assert_eq(num_to_float(&x, &f, &E), 0);
    cr_assert_eq(f, 12.5f);
    x = N("1e39");
    fails(num_to_float(&x, &f, &E), "22003",
          "\"1000000000000000000000000000000000000000\" is out of range for type real");
    x = N("NaN");
    cr_assert_eq(num_to_float(&x, &f, &E), 0);
    cr_assert(isnan(f));
}
