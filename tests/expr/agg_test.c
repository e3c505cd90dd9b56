/*
 * agg_test.c — aggregate accumulators: COUNT, SUM (exact, 22003 beyond 64 bits), MIN/MAX
 * (text copied), AVG spelled as PostgreSQL prints numeric avg(bigint).
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

#include "engine/acidb.h"
#include "tests/expr/build.h"

TestSuite(agg, .init = t_init, .fini = t_fini);

static value final_of(int agg, const value *in, int n)
{
    ex_accum acc;
    ex_accum_init(&acc, agg);
    for (int i = 0; i < n; i++)
        cr_assert_eq(ex_accum_step(&acc, &in[i], &T, &ERR), 0, "%s", ERR.msg);
    value out;
    cr_assert_eq(ex_accum_final(&acc, &T, &out, &ERR), 0, "%s", ERR.msg);
    return out;
}

static void avg_is(const char *want, int n, ...)
{
    value in[16];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        in[i] = val_int(va_arg(ap, int64_t));
    va_end(ap);
    value out = final_of(AGG_AVG, in, n);
    cr_assert_eq(out.type, VT_TEXT);
    cr_assert_eq(out.u.s[out.len], '\0');
    cr_assert_str_eq(out.u.s, want);
}

#define A(...) (int64_t)__VA_ARGS__

Test(agg, avg_formats_as_postgres)
{
    avg_is("1.5000000000000000", 2, A(1), A(2));
    avg_is("2.3333333333333333", 3, A(1), A(2), A(4));
    avg_is("15.0000000000000000", 2, A(10), A(20));
    avg_is("-1.5000000000000000", 2, A(-1), A(-2));
    avg_is("100000000000.00000000", 1, A(100000000000));
    avg_is("1.00000000000000000000", 1, A(1));
    avg_is("0.00000000000000000000", 1, A(0));
    avg_is("0.00000000000000000000", 2, A(1), A(-1));
    /* 2/3: rounds half away from zero at the 16th digit; the sign does not change that */
    avg_is("0.66666666666666666667", 3, A(1), A(1), A(0));
    avg_is("-0.66666666666666666667", 3, A(-1), A(-1), A(0));
    /* first digit 9999 vs count 2: qweight 0, scale 16 */
    avg_is("4999.5000000000000000", 2, A(9999), A(0));
    /* 30000 has weight 1 and first digit 3 > 2: scale 12 */
    avg_is("5000.0000000000000000", 2, A(10000), A(0)); /* first digit 1 <= 2 */
    avg_is("15000.000000000000", 2, A(30000), A(0));
    /* sum beyond int64 is fine for avg; weight 4, first digit 1844 > 2: scale 0 */
    avg_is("9223372036854775807", 2, A(INT64_MAX), A(INT64_MAX));
    avg_is("-9223372036854775808", 2, A(INT64_MIN), A(INT64_MIN));
    /* 10^12 = 1 * 10000^3: qweight 3 - 0 - 1 = 2, scale 8 */
    avg_is("500000000000.00000000", 2, A(1000000000000), A(0));
    /* weight 4, first digit 1 <= 2: qweight 3, scale 4 */
    avg_is("9999999999999999.5000", 2, A(19999999999999999), A(0));
    /* an exact tie at the last digit rounds away from zero: 3e16+1 has weight 4 and first
     * digit 3 > 2, so scale 0, and the quotient is ...0.5 */
    avg_is("15000000000000001", 2, A(15000000000000000), A(15000000000000001));
    avg_is("-15000000000000001", 2, A(-15000000000000000), A(-15000000000000001));
    /* first digit 1 <= 3: qweight -1, scale 20 */
    value many[3] = {val_int(1), val_int(0), val_int(0)};
    value three = final_of(AGG_AVG, many, 3);
    cr_assert_str_eq(three.u.s, "0.33333333333333333333");
    value none = final_of(AGG_AVG, NULL, 0);
    cr_assert_eq(none.type, VT_NULL, "avg of no rows is NULL");
}

Test(agg, count_sum_ignore_nulls)
{
    value in[] = {val_int(5), val_null(), val_int(-2), val_null()};
    value c = final_of(AGG_COUNT, in, 4);
    cr_assert(c.type == VT_INT && c.u.i == 2);
    value s = final_of(AGG_SUM, in, 4);
    cr_assert(s.type == VT_INT && s.u.i == 3);
    value nulls[] = {val_null(), val_null()};
    c = final_of(AGG_COUNT, nulls, 2);
    cr_assert(c.type == VT_INT && c.u.i == 0, "count of NULLs is 0");
    s = final_of(AGG_SUM, nulls, 2);
    cr_assert_eq(s.type, VT_NULL, "sum of only NULLs is NULL");
    c = final_of(AGG_COUNT, NULL, 0);
    cr_assert(c.type == VT_INT && c.u.i == 0, "count of no rows is 0");
}

Test(agg, sum_is_exact_and_fails_beyond_64_bits)
{
    value in[] = {val_int(INT64_MAX), val_int(INT64_MAX), val_int(INT64_MIN),
                  val_int(INT64_MIN), val_int(INT64_MAX)};
    value s = final_of(AGG_SUM, in, 5); /* intermediate sums overflow int64, the final fits */
    cr_assert(s.type == VT_INT && s.u.i == INT64_MAX - 2);
    ex_accum acc;
    ex_accum_init(&acc, AGG_SUM);
    value one = val_int(1), max = val_int(INT64_MAX);
    ex_accum_step(&acc, &max, &T, &ERR);
    ex_accum_step(&acc, &one, &T, &ERR);
    value out;
    cr_assert_eq(ex_accum_final(&acc, &T, &out, &ERR), ACIDB_RANGE);
    cr_assert_str_eq(ERR.state, "22003");
    cr_assert_str_eq(ERR.msg, "bigint out of range");
    value min = val_int(INT64_MIN);
    ex_accum_init(&acc, AGG_SUM);
    ex_accum_step(&acc, &min, &T, &ERR);
    cr_assert_eq(ex_accum_final(&acc, &T, &out, &ERR), 0);
    cr_assert_eq(out.u.i, INT64_MIN);
    value neg = val_int(-1);
    ex_accum_step(&acc, &neg, &T, &ERR);
    cr_assert_eq(ex_accum_final(&acc, &T, &out, &ERR), ACIDB_RANGE);
}

Test(agg, min_max_copy_text)
{
    char buf[8];
    ex_accum mn, mx;
    ex_accum_init(&mn, AGG_MIN);
    ex_accum_init(&mx, AGG_MAX);
    const char *words[] = {"pear", "apple", "zoo", "apples", "zo"};
    for (int i = 0; i < 5; i++) {
        strcpy(buf, words[i]); /* the source buffer is reused, as a cursor's row would be */
        value v = val_text(buf, (uint32_t)strlen(buf));
        cr_assert_eq(ex_accum_step(&mn, &v, &T, &ERR), 0);
        cr_assert_eq(ex_accum_step(&mx, &v, &T, &ERR), 0);
        value n = val_null();
        cr_assert_eq(ex_accum_step(&mn, &n, &T, &ERR), 0);
    }
    memset(buf, 'X', sizeof buf);
    value a, b;
    cr_assert_eq(ex_accum_final(&mn, &T, &a, &ERR), 0);
    cr_assert_eq(ex_accum_final(&mx, &T, &b, &ERR), 0);
    cr_assert(a.type == VT_TEXT && a.len == 5 && memcmp(a.u.s, "apple", 5) == 0);
    cr_assert(b.type == VT_TEXT && b.len == 3 && memcmp(b.u.s, "zoo", 3) == 0);
    value ints[] = {val_int(3), val_null(), val_int(-9), val_int(7)};
    cr_assert_eq(final_of(AGG_MIN, ints, 4).u.i, -9);
    cr_assert_eq(final_of(AGG_MAX, ints, 4).u.i, 7);
    value bools[] = {val_bool(1), val_bool(0)};
    cr_assert_eq(final_of(AGG_MIN, bools, 2).u.i, 0);
    cr_assert_eq(final_of(AGG_MAX, NULL, 0).type, VT_NULL);
}
