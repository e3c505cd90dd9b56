/*
 * arith_test.c — 64-bit integer arithmetic never wraps (22003 at every operator's edge),
 * division by zero is 22012, / truncates toward zero; || prints integers and booleans as
 * PostgreSQL's text casts; the scalar functions.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "engine/acidb.h"
#include "tests/expr/build.h"

TestSuite(arith, .init = t_init, .fini = t_fini);

static sql_expr *I(int64_t i) { return x_int(i); }

static void overflows(sql_expr *e, const char *what)
{
    t_fails(e, "22003", what);
    cr_assert_eq(ERR.code, ACIDB_RANGE, "%s", what);
    cr_assert_str_eq(ERR.msg, "bigint out of range", "%s", what);
}

Test(arith, basic_operators)
{
    t_is_int(x_bin(OP_ADD, I(2), I(3)), 5, "2+3");
    t_is_int(x_bin(OP_SUB, I(2), I(3)), -1, "2-3");
    t_is_int(x_bin(OP_MUL, I(-4), I(3)), -12, "-4*3");
    t_is_int(x_bin(OP_DIV, I(7), I(2)), 3, "7/2");
    t_is_int(x_bin(OP_DIV, I(-7), I(2)), -3, "-7/2 truncates toward zero");
    t_is_int(x_bin(OP_MOD, I(-7), I(2)), -1, "-7%2 has the dividend's sign");
    t_is_int(x_bin(OP_MOD, I(7), I(-2)), 1, "7%-2");
    t_is_int(x_un(OP_NEG, I(5)), -5, "-5");
    t_is_int(x_un(OP_POS, I(5)), 5, "+5");
    t_is_null(x_bin(OP_ADD, I(1), x_null()), "1 + NULL");
    t_is_null(x_un(OP_NEG, x_cast(x_null(), VT_INT)), "-NULL");
}

Test(arith, overflow_at_every_operator)
{
    overflows(x_bin(OP_ADD, I(INT64_MAX), I(1)), "MAX+1");
    overflows(x_bin(OP_ADD, I(INT64_MIN), I(-1)), "MIN+-1");
    t_is_int(x_bin(OP_ADD, I(INT64_MAX), I(0)), INT64_MAX, "MAX+0");
    overflows(x_bin(OP_SUB, I(INT64_MIN), I(1)), "MIN-1");
    overflows(x_bin(OP_SUB, I(0), I(INT64_MIN)), "0-MIN");
    t_is_int(x_bin(OP_SUB, I(-1), I(INT64_MAX)), INT64_MIN, "-1-MAX");
    overflows(x_bin(OP_MUL, I(INT64_MAX), I(2)), "MAX*2");
    overflows(x_bin(OP_MUL, I(INT64_MIN), I(-1)), "MIN*-1");
    overflows(x_bin(OP_MUL, I(4294967296), I(4294967296)), "2^32*2^32");
    t_is_int(x_bin(OP_MUL, I(INT64_MIN), I(1)), INT64_MIN, "MIN*1");
    overflows(x_bin(OP_DIV, I(INT64_MIN), I(-1)), "MIN/-1");
    t_is_int(x_bin(OP_DIV, I(INT64_MIN), I(1)), INT64_MIN, "MIN/1");
    /* PostgreSQL's int8mod: MIN % -1 is 0, not an error */
    t_is_int(x_bin(OP_MOD, I(INT64_MIN), I(-1)), 0, "MIN%-1");
    overflows(x_un(OP_NEG, I(INT64_MIN)), "-MIN");
    t_is_int(x_un(OP_NEG, I(INT64_MAX)), -INT64_MAX, "-MAX");
    overflows(x_func("abs", 1, I(INT64_MIN)), "abs(MIN)");
    t_is_int(x_func("abs", 1, I(-INT64_MAX)), INT64_MAX, "abs(-MAX)");
}

Test(arith, division_by_zero)
{
    t_fails(x_bin(OP_DIV, I(1), I(0)), "22012", "1/0");
    cr_assert_eq(ERR.code, ACIDB_RANGE);
    cr_assert_str_eq(ERR.msg, "division by zero");
    t_fails(x_bin(OP_MOD, I(1), I(0)), "22012", "1%0");
    t_fails(x_bin(OP_DIV, I(INT64_MIN), I(0)), "22012", "MIN/0");
    t_is_null(x_bin(OP_DIV, x_null(), I(0)), "NULL/0 is NULL");
}

Test(arith, concat_prints_like_postgres)
{
    t_is_text(x_bin(OP_CONCAT, x_text("a"), x_text("b")), "ab", "'a'||'b'");
    t_is_text(x_bin(OP_CONCAT, x_text("n="), I(-42)), "n=-42", "'n='||-42");
    t_is_text(x_bin(OP_CONCAT, I(INT64_MIN), x_text("")), "-9223372036854775808", "MIN||''");
    t_is_text(x_bin(OP_CONCAT, x_text("b:"), x_bool(1)), "b:true", "'b:'||true");
    t_is_text(x_bin(OP_CONCAT, x_bool(0), x_text("!")), "false!", "false||'!'");
    t_is_null(x_bin(OP_CONCAT, x_text("a"), x_cast(x_null(), VT_TEXT)), "'a'||NULL");
    ROW[0] = val_text("x\0y", 3); /* embedded NUL survives (lengths, not strlen) */
    value v;
    cr_assert_eq(t_run(x_bin(OP_CONCAT, x_col(0, VT_TEXT), x_col(0, VT_TEXT)), &v), 0);
    cr_assert_eq(v.len, 6);
    cr_assert_eq(memcmp(v.u.s, "x\0yx\0y", 6), 0);
}

Test(arith, text_functions)
{
    t_is_int(x_func("length", 1, x_text("héllo")), 5, "length counts characters");
    t_is_int(x_func("char_length", 1, x_text("日本語")), 3, "char_length");
    t_is_int(x_func("length", 1, x_text("")), 0, "length('')");
    t_is_null(x_func("length", 1, x_cast(x_null(), VT_TEXT)), "length(NULL)");
    t_is_text(x_func("lower", 1, x_text("AbC-É")), "abc-É", "lower is ASCII");
    t_is_text(x_func("upper", 1, x_text("aBc-é")), "ABC-é", "upper is ASCII");
    t_is_int(x_func("abs", 1, I(-3)), 3, "abs");
}

Test(arith, comparisons)
{
    ROW[0] = val_text("abc", 3);
    ROW[1] = val_text("abd", 3);
    ROW[2] = val_text("ab", 2);
    t_is_bool(x_bin(OP_LT, x_col(0, VT_TEXT), x_col(1, VT_TEXT)), 1, "abc < abd");
    t_is_bool(x_bin(OP_GT, x_col(0, VT_TEXT), x_col(2, VT_TEXT)), 1, "abc > ab");
    t_is_bool(x_bin(OP_NE, x_col(0, VT_TEXT), x_col(0, VT_TEXT)), 0, "abc <> abc");
    t_is_bool(x_bin(OP_LT, x_bool(0), x_bool(1)), 1, "false < true");
    t_is_bool(x_bin(OP_LE, I(INT64_MIN), I(INT64_MAX)), 1, "MIN <= MAX");
    t_is_bool(x_bin(OP_GE, I(-1), I(1)), 0, "-1 >= 1");
    t_is_bool(x_bin(OP_EQ, I(1), x_null()), -1, "1 = NULL");
    t_is_bool(x_bin(OP_EQ, x_null(), x_null()), -1, "NULL = NULL");
}
