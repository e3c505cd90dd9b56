/*
 * intwidth_test.c — smallint, integer and bigint as PostgreSQL types them: an integer literal
 * is integer when it fits 32 bits, an operator's result has the wider operand type, and every
 * result, cast and parameter that does not fit its type is 22003 naming that type.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "engine/acidb.h"
#include "tests/expr/build.h"

TestSuite(intwidth, .init = t_init, .fini = t_fini);

static sql_expr *I(int64_t i) { return x_int(i); }

static void out_of_range(sql_expr *e, const char *msg, const char *what)
{
    t_fails(e, "22003", what);
    cr_assert_eq(ERR.code, ACIDB_RANGE, "%s", what);
    cr_assert_str_eq(ERR.msg, msg, "%s", what);
}

/* The SQL type ex_check gives e. */
static int type_of(sql_expr *e)
{
    sql_err_clear(&ERR);
    cr_assert_eq(ex_check(e, VT_NULL, &T, &ERR), 0, "%s", ERR.msg);
    return ex_tid(e);
}

Test(intwidth, literal_is_integer_when_it_fits_32_bits)
{
    cr_assert_eq(type_of(I(2147483647)), TY_INT4);
    cr_assert_eq(type_of(I(-2147483648)), TY_INT4);
    cr_assert_eq(type_of(I(2147483648)), TY_INT8);
    cr_assert_eq(type_of(I(-2147483649)), TY_INT8);
}

Test(intwidth, operators_take_the_wider_type)
{
    cr_assert_eq(type_of(x_bin(OP_ADD, x_col(0, TY_INT2), x_col(1, TY_INT2))), TY_INT2);
    cr_assert_eq(type_of(x_bin(OP_ADD, x_col(0, TY_INT2), I(1))), TY_INT4);
    cr_assert_eq(type_of(x_bin(OP_MUL, I(1), x_col(0, VT_INT))), TY_INT8);
    cr_assert_eq(type_of(x_bin(OP_SUB, x_col(0, TY_INT2), x_text("7"))), TY_INT2);
    cr_assert_eq(type_of(x_un(OP_NEG, x_col(0, TY_INT2))), TY_INT2);
    cr_assert_eq(type_of(x_func("abs", 1, x_col(0, TY_INT2))), TY_INT2);
    cr_assert_eq(type_of(x_func("length", 1, x_text("abc"))), TY_INT4);
    cr_assert_eq(type_of(x_func("coalesce", 2, x_col(0, TY_INT2), x_col(1, TY_INT4))), TY_INT4);
    cr_assert_eq(type_of(x_cast(x_text("5"), TY_INT2)), TY_INT2);
}

Test(intwidth, integer_arithmetic_overflows_at_32_bits)
{
    out_of_range(x_bin(OP_ADD, I(2147483647), I(1)), "integer out of range", "int4 max + 1");
    out_of_range(x_bin(OP_SUB, I(-2147483648), I(1)), "integer out of range", "int4 min - 1");
    out_of_range(x_bin(OP_MUL, I(65536), I(65536)), "integer out of range", "2^16 * 2^16");
    out_of_range(x_bin(OP_DIV, I(-2147483648), I(-1)), "integer out of range", "min / -1");
    out_of_range(x_un(OP_NEG, x_cast(I(-2147483648), TY_INT4)), "integer out of range", "-min");
    out_of_range(x_func("abs", 1, I(-2147483648)), "integer out of range", "abs(min)");
    /* the same values in bigint arithmetic are fine */
    t_is_int(x_bin(OP_ADD, I(2147483647), x_cast(I(1), TY_INT8)), 2147483648, "int4 + int8");
    t_is_int(x_bin(OP_MUL, I(65536), I(65536 * 65536LL)), 65536LL * 65536 * 65536, "int4*int8");
    t_is_int(x_bin(OP_MOD, I(-2147483648), I(-1)), 0, "min % -1");
}

Test(intwidth, smallint_arithmetic_overflows_at_16_bits)
{
    ROW[0] = val_int(32767);
    ROW[1] = val_int(-32768);
    out_of_range(x_bin(OP_ADD, x_col(0, TY_INT2), x_col(0, TY_INT2)), "smallint out of range",
                 "32767 + 32767 as smallint");
    out_of_range(x_un(OP_NEG, x_col(1, TY_INT2)), "smallint out of range", "-(-32768)");
    t_is_int(x_bin(OP_ADD, x_col(0, TY_INT2), I(1)), 32768, "smallint + integer is integer");
    out_of_range(x_bin(OP_ADD, x_col(0, TY_INT2), x_text("1")), "smallint out of range",
                 "smallint + '1': the literal is a smallint");
}

Test(intwidth, casts_check_the_target_range)
{
    out_of_range(x_cast(I(3000000000), TY_INT4), "integer out of range", "3e9::int4");
    out_of_range(x_cast(I(40000), TY_INT2), "smallint out of range", "40000::int2");
    out_of_range(x_cast(x_text("40000"), TY_INT2),
                 "value \"40000\" is out of range for type smallint", "'40000'::int2");
    out_of_range(x_cast(x_text("2147483648"), TY_INT4),
                 "value \"2147483648\" is out of range for type integer", "'2^31'::int4");
    t_is_int(x_cast(x_text("-32768"), TY_INT2), -32768, "'-32768'::int2");
    t_is_int(x_cast(I(-2147483648), TY_INT4), INT32_MIN, "min::int4");
    t_is_int(x_cast(x_cast(I(1), TY_BOOL), TY_INT2), 1, "true::int2");
    t_fails(x_cast(x_text("1.5"), TY_INT4), "22P02", "'1.5'::int4");
    cr_assert_str_eq(ERR.msg, "invalid input syntax for type integer: \"1.5\"");
}

Test(intwidth, parameter_of_an_integer_context_is_range_checked)
{
    PARAMS[0] = val_int(INT64_C(1) << 31);
    NPARAMS = 1;
    ROW[0] = val_int(1);
    /* $1 meets an integer column: it is an integer, and 2^31 is not one. */
    out_of_range(x_bin(OP_LT, x_col(0, TY_INT4), x_param(1)), "integer out of range",
                 "c < $1 with $1 = 2^31");
    t_is_bool(x_bin(OP_LT, x_col(0, VT_INT), x_param(1)), 1, "bigint c < $1");
}
