/*
 * check_test.c — ex_check: type inference, unknown literals adapting to their context
 * ('42' = 42), and the errors PostgreSQL reports, with SQLSTATE, message and position.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/acidb.h"
#include "tests/expr/build.h"

TestSuite(check, .init = t_init, .fini = t_fini);

/* ex_check fails with state/msg at 0-based position pos (reported 1-based). */
static void check_fails(sql_expr *e, int want, const char *state, int32_t pos, const char *msg)
{
    sql_err_clear(&ERR);
    int rc = ex_check(e, want, &T, &ERR);
    cr_assert_neq(rc, 0, "should fail: %s", msg);
    cr_assert_eq(rc, ERR.code);
    cr_assert_str_eq(ERR.state, state, "%s", ERR.msg);
    cr_assert_str_eq(ERR.msg, msg);
    cr_assert_eq(ERR.pos, pos + 1, "position of \"%s\": %d", msg, ERR.pos);
}

static void check_ok(sql_expr *e, int want, int type)
{
    sql_err_clear(&ERR);
    cr_assert_eq(ex_check(e, want, &T, &ERR), 0, "%s %s", ERR.state, ERR.msg);
    cr_assert_eq(e->type, type, "type %d, want %d", e->type, type);
}

Test(check, literal_adaptation)
{
    t_is_bool(x_bin(OP_EQ, x_text("42"), x_int(42)), 1, "'42' = 42");
    t_is_bool(x_bin(OP_EQ, x_int(42), x_text(" 42")), 1, "42 = ' 42'");
    t_is_bool(x_bin(OP_LT, x_text("9"), x_int(10)), 1, "'9' < 10 compares as integers");
    t_is_bool(x_bin(OP_LT, x_text("9"), x_text("10")), 0, "'9' < '10' compares as text");
    t_is_int(x_bin(OP_ADD, x_text("40"), x_int(2)), 42, "'40' + 2");
    t_is_bool(x_bin(OP_EQ, x_bool(1), x_text("yes")), 1, "true = 'yes'");
    t_is_text(x_bin(OP_CONCAT, x_text("a"), x_int(1)), "a1", "'a' || 1");
    t_is_int(x_case(NULL, x_text("7"), 1, x_bool(0), x_int(1)), 7, "CASE ELSE '7' adapts");
    t_is_text(x_func("coalesce", 2, x_null(), x_text("3")), "3", "coalesce of unknowns is text");
}

Test(check, bad_literal_reports_its_position)
{
    check_fails(x_bin(OP_EQ, x_col(0, TY_INT4), at(x_text("x"), 10)), VT_BOOL, "22P02", 10,
                "invalid input syntax for type integer: \"x\"");
    check_fails(x_bin(OP_AND, x_col(0, VT_BOOL), at(x_text("maybe"), 3)), VT_NULL, "22P02", 3,
                "invalid input syntax for type boolean: \"maybe\"");
    check_fails(x_bin(OP_EQ, x_col(0, VT_INT), at(x_text("99999999999999999999"), 4)), VT_NULL,
                "22003", 4, "value \"99999999999999999999\" is out of range for type bigint");
    check_fails(x_in(x_col(0, VT_INT), 0, 2, x_int(1), at(x_text("two"), 20)), VT_NULL, "22P02",
                20, "invalid input syntax for type bigint: \"two\"");
    /* A literal takes the width of the column it meets, with that type's range. */
    check_fails(x_bin(OP_EQ, x_col(0, TY_INT4), at(x_text("2147483648"), 4)), VT_NULL,
                "22003", 4, "value \"2147483648\" is out of range for type integer");
    check_fails(x_bin(OP_EQ, x_col(0, TY_INT2), at(x_text("-32769"), 4)), VT_NULL,
                "22003", 4, "value \"-32769\" is out of range for type smallint");
}

Test(check, operator_does_not_exist)
{
    check_fails(at(x_bin(OP_ADD, x_col(0, VT_TEXT), x_int(1)), 5), VT_NULL, "42883", 5,
                "operator does not exist: text + integer");
    check_fails(at(x_bin(OP_EQ, x_col(0, TY_INT4), x_col(1, VT_TEXT)), 2), VT_NULL, "42883", 2,
                "operator does not exist: integer = text");
    check_fails(at(x_bin(OP_LT, x_col(0, VT_BOOL), x_col(1, TY_INT4)), 2), VT_NULL, "42883", 2,
                "operator does not exist: boolean < integer");
    check_fails(at(x_bin(OP_CONCAT, x_int(1), x_int(2)), 1), VT_NULL, "42883", 1,
                "operator does not exist: integer || integer");
    check_fails(at(x_bin(OP_MUL, x_bool(1), x_int(2)), 0), VT_NULL, "42883", 0,
                "operator does not exist: boolean * integer");
    check_fails(at(x_un(OP_NEG, x_col(0, VT_TEXT)), 6), VT_NULL, "42883", 6,
                "operator does not exist: - text");
    check_fails(at(x_like(x_col(0, TY_INT4), x_text("1%"), NULL, 0, 0), 3), VT_NULL, "42883", 3,
                "operator does not exist: integer ~~ unknown");
    check_fails(at(x_between(x_col(0, TY_INT4), x_col(1, VT_TEXT), x_int(3), 0), 9), VT_NULL,
                "42883", 9, "operator does not exist: integer >= text");
    check_fails(at(x_bin(OP_ADD, x_text("a"), x_col(0, VT_TEXT)), 1), VT_NULL, "42883", 1,
                "operator does not exist: unknown + text");
}

Test(check, boolean_contexts)
{
    check_fails(x_bin(OP_AND, at(x_col(0, TY_INT4), 4), x_bool(1)), VT_NULL, "42804", 4,
                "argument of AND must be type boolean, not type integer");
    check_fails(x_bin(OP_OR, x_bool(1), at(x_col(0, VT_TEXT), 9)), VT_NULL, "42804", 9,
                "argument of OR must be type boolean, not type text");
    check_fails(x_un(OP_NOT, at(x_int(3), 4)), VT_NULL, "42804", 4,
                "argument of NOT must be type boolean, not type integer");
    check_fails(at(x_bin(OP_ADD, x_int(1), x_int(2)), 6), VT_BOOL, "42804", 6,
                "argument of WHERE must be type boolean, not type integer");
    check_fails(x_isbool(at(x_int(1), 0), 1, 0), VT_NULL, "42804", 0,
                "argument of IS TRUE must be type boolean, not type integer");
    check_fails(x_case(NULL, NULL, 1, at(x_int(1), 10), x_int(2)), VT_NULL, "42804", 10,
                "argument of CASE/WHEN must be type boolean, not type integer");
    check_ok(x_bin(OP_GT, x_col(0, TY_INT4), x_int(1)), VT_BOOL, VT_BOOL);
    check_ok(x_null(), VT_BOOL, VT_BOOL);
}

Test(check, case_and_coalesce_types_must_match)
{
    /* PostgreSQL looks at ELSE first */
    check_fails(x_case(NULL, x_col(1, VT_TEXT), 1, x_bool(1), at(x_int(1), 17)), VT_NULL, "42804",
                17, "CASE types text and integer cannot be matched");
    check_fails(x_case(NULL, NULL, 2, x_bool(1), x_int(1), x_bool(0), at(x_col(1, VT_TEXT), 30)),
                VT_NULL, "42804", 30, "CASE types integer and text cannot be matched");
    check_fails(x_func("coalesce", 2, x_col(0, TY_INT4), at(x_col(1, VT_BOOL), 12)), VT_NULL,
                "42804", 12, "COALESCE types integer and boolean cannot be matched");
    check_fails(at(x_case(x_col(0, TY_INT4), NULL, 1, x_col(1, VT_TEXT), x_int(1)), 0), VT_NULL,
                "42883", 0, "operator does not exist: integer = text");
    check_ok(x_case(NULL, x_null(), 1, x_bool(1), x_text("a")), VT_NULL, VT_TEXT);
    check_ok(x_case(NULL, x_null(), 1, x_bool(1), x_int(1)), VT_NULL, VT_INT);
}

Test(check, functions)
{
    check_fails(at(x_func("foo", 1, x_int(1)), 7), VT_NULL, "42883", 7,
                "function foo(integer) does not exist");
    check_fails(at(x_func("foo", 2, x_text("a"), x_col(0, VT_BOOL)), 0), VT_NULL, "42883", 0,
                "function foo(unknown, boolean) does not exist");
    check_fails(at(x_func("abs", 1, x_col(0, VT_TEXT)), 3), VT_NULL, "42883", 3,
                "function abs(text) does not exist");
    check_fails(at(x_func("length", 1, x_int(5)), 3), VT_NULL, "42883", 3,
                "function length(integer) does not exist");
    check_fails(at(x_func("abs", 2, x_int(5), x_int(6)), 3), VT_NULL, "42883", 3,
                "function abs(integer, integer) does not exist");
    check_fails(at(x_func("lower", 0), 3), VT_NULL, "42883", 3, "function lower() does not exist");
    check_ok(x_func("length", 1, x_text("abc")), VT_NULL, VT_INT);
    check_ok(x_func("upper", 1, x_null()), VT_NULL, VT_TEXT);
    check_ok(x_func("nullif", 2, x_col(0, VT_BOOL), x_text("t")), VT_NULL, VT_BOOL);
}

Test(check, aggregates)
{
    check_ok(x_agg(AGG_COUNT, "count", 0, NULL), VT_NULL, VT_INT);
    check_ok(x_agg(AGG_COUNT, "count", 0, x_col(0, VT_TEXT)), VT_NULL, VT_INT);
    check_ok(x_agg(AGG_SUM, "sum", 0, x_col(0, TY_INT4)), VT_NULL, VT_INT);
    check_ok(x_agg(AGG_AVG, "avg", 0, x_col(0, TY_INT4)), VT_NULL, VT_TEXT);
    check_ok(x_agg(AGG_MIN, "min", 0, x_col(0, VT_TEXT)), VT_NULL, VT_TEXT);
    check_ok(x_agg(AGG_MAX, "max", 0, x_col(0, VT_BOOL)), VT_NULL, VT_BOOL);
    check_fails(at(x_agg(AGG_SUM, "sum", 0, x_col(0, VT_TEXT)), 7), VT_NULL, "42883", 7,
                "function sum(text) does not exist");
    check_fails(at(x_agg(AGG_AVG, "avg", 0, x_col(0, VT_BOOL)), 7), VT_NULL, "42883", 7,
                "function avg(boolean) does not exist");
    sql_expr *inner = at(x_agg(AGG_COUNT, "count", 1, x_col(0, TY_INT4)), 15);
    check_fails(x_agg(AGG_SUM, "sum", 0, x_bin(OP_ADD, x_int(1), inner)), VT_NULL, "42803", 15,
                "aggregate function calls cannot be nested");
    /* aggregate nodes evaluate to their slot */
    sql_expr *e = x_bin(OP_ADD, x_agg(AGG_SUM, "sum", 1, x_col(0, TY_INT4)), x_int(1));
    check_ok(e, VT_NULL, VT_INT);
    value aggs[2] = {val_null(), val_int(41)}, out;
    cr_assert_eq(t_eval(e, aggs, &out), 0);
    cr_assert_eq(out.u.i, 42);
    cr_assert_neq(t_eval(e, NULL, &out), 0, "an aggregate outside a group is an error");
}

Test(check, checking_twice_is_stable)
{
    sql_expr *e = x_bin(OP_EQ, x_col(0, TY_INT4), x_text("5"));
    check_ok(e, VT_BOOL, VT_BOOL);
    check_ok(e, VT_BOOL, VT_BOOL);
    cr_assert_eq(e->r->v.type, VT_INT);
    cr_assert_eq(e->r->v.u.i, 5);
}

Test(check, deep_expressions_evaluate)
{
    /* 1 + 1 + ... (1000 levels, the parser's cap) and NOT NOT ... true */
    sql_expr *e = x_int(0), *b = x_bool(1);
    for (int i = 0; i < 1000; i++) {
        e = x_bin(OP_ADD, e, x_int(1));
        b = x_un(OP_NOT, b);
    }
    t_is_int(e, 1000, "1000 additions");
    t_is_bool(b, 1, "1000 NOTs");
}

Test(check, unchecked_mismatch_is_an_error_not_a_crash)
{
    /* a tree evaluated without ex_check: the evaluator re-checks operand types */
    ROW[0] = val_text("a", 1);
    sql_expr *e = x_bin(OP_ADD, x_col(0, VT_TEXT), x_int(1));
    value v;
    cr_assert_neq(t_eval(e, NULL, &v), 0);
    e = x_bin(OP_AND, x_col(0, VT_TEXT), x_bool(1));
    cr_assert_neq(t_eval(e, NULL, &v), 0);
    e = x_bin(OP_EQ, x_col(0, VT_TEXT), x_int(1));
    cr_assert_neq(t_eval(e, NULL, &v), 0);
}

Test(check, parameters_take_types_from_context)
{
    sql_expr *p1 = x_param(1), *p2 = x_param(2), *p3 = x_param(3), *p4 = x_param(4);
    sql_expr *e = x_bin(OP_AND, x_bin(OP_EQ, x_col(0, VT_TEXT), p1),
                        x_bin(OP_AND, x_like(x_col(0, VT_TEXT), p2, NULL, 0, 0),
                              x_in(x_col(1, TY_INT4), 0, 2, p3, x_int(1))));
    check_ok(e, VT_BOOL, VT_BOOL);
    cr_assert_eq(p1->type, VT_TEXT);
    cr_assert_eq(p2->type, VT_TEXT);
    cr_assert_eq(p3->type, VT_INT);
    check_ok(x_bin(OP_MUL, p4, x_param(5)), VT_NULL, VT_INT);
    cr_assert_eq(p4->type, VT_INT, "unknown * unknown is integer arithmetic");
    sql_expr *p6 = x_param(6);
    check_ok(x_cast(p6, VT_BOOL), VT_NULL, VT_BOOL);
    cr_assert_eq(p6->type, VT_BOOL);
}

Test(check, like_escape_from_a_parameter)
{
    NPARAMS = 1;
    PARAMS[0] = val_text("!", 1);
    t_is_bool(x_like(x_text("50%"), x_text("50!%"), x_param(1), 0, 0), 1, "ESCAPE $1");
    t_is_bool(x_like(x_text("500"), x_text("50!%"), x_param(1), 0, 0), 0, "ESCAPE $1 literal");
}
