/*
 * cast_test.c — CAST between INTEGER, TEXT and BOOLEAN in both directions with PostgreSQL's
 * input rules and errors, and parameters converting their bound values to their typed context.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "engine/acidb.h"
#include "tests/expr/build.h"

TestSuite(cast, .init = t_init, .fini = t_fini);

static int cast_text(const char *s, int to, value *out)
{
    value v = val_text(s, (uint32_t)strlen(s));
    sql_err_clear(&ERR);
    return ex_cast(&v, to, &T, out, 7, &ERR);
}

static void text_to_int(const char *s, int64_t want)
{
    value v;
    cr_assert_eq(cast_text(s, VT_INT, &v), 0, "'%s'::bigint: %s", s, ERR.msg);
    cr_assert_eq(v.type, VT_INT);
    cr_assert_eq(v.u.i, want, "'%s'::bigint = %lld", s, (long long)v.u.i);
}

static void text_to_int_fails(const char *s, const char *state, const char *msg)
{
    value v;
    cr_assert_eq(cast_text(s, VT_INT, &v), ACIDB_RANGE, "'%s'::bigint should fail", s);
    cr_assert_str_eq(ERR.state, state, "'%s'", s);
    cr_assert_str_eq(ERR.msg, msg, "'%s'", s);
    cr_assert_eq(ERR.pos, 8, "position is 1-based");
}

static void text_to_bool(const char *s, int want)
{
    value v;
    int rc = cast_text(s, VT_BOOL, &v);
    if (want < 0) {
        cr_assert_eq(rc, ACIDB_RANGE, "'%s'::boolean should fail", s);
        cr_assert_str_eq(ERR.state, "22P02");
        char m[128];
        snprintf(m, sizeof m, "invalid input syntax for type boolean: \"%s\"", s);
        cr_assert_str_eq(ERR.msg, m);
        return;
    }
    cr_assert_eq(rc, 0, "'%s'::boolean: %s", s, ERR.msg);
    cr_assert_eq(v.type, VT_BOOL);
    cr_assert_eq(v.u.i, want, "'%s'::boolean", s);
}

Test(cast, text_to_integer)
{
    text_to_int("0", 0);
    text_to_int("42", 42);
    text_to_int("  -17  ", -17);
    text_to_int("+5", 5);
    text_to_int("\t9\n", 9);
    text_to_int("007", 7);
    text_to_int("9223372036854775807", INT64_MAX);
    text_to_int("-9223372036854775808", INT64_MIN);
    text_to_int_fails("x", "22P02", "invalid input syntax for type bigint: \"x\"");
    text_to_int_fails("", "22P02", "invalid input syntax for type bigint: \"\"");
    text_to_int_fails("  ", "22P02", "invalid input syntax for type bigint: \"  \"");
    text_to_int_fails("-", "22P02", "invalid input syntax for type bigint: \"-\"");
    text_to_int_fails("1 2", "22P02", "invalid input syntax for type bigint: \"1 2\"");
    text_to_int_fails("1.5", "22P02", "invalid input syntax for type bigint: \"1.5\"");
    text_to_int_fails("--1", "22P02", "invalid input syntax for type bigint: \"--1\"");
    text_to_int_fails("12a", "22P02", "invalid input syntax for type bigint: \"12a\"");
    text_to_int_fails("9223372036854775808", "22003",
                      "value \"9223372036854775808\" is out of range for type bigint");
    text_to_int_fails("-9223372036854775809", "22003",
                      "value \"-9223372036854775809\" is out of range for type bigint");
    text_to_int_fails("99999999999999999999999", "22003",
                      "value \"99999999999999999999999\" is out of range for type bigint");
}

Test(cast, text_to_boolean_spellings)
{
    const char *yes[] = {"t", "tr", "tru", "true", "TRUE", "True", "y", "ye", "yes", "YES",
                         "on", "ON", "1", " true ", "\ttrue\n"};
    const char *no[] = {"f", "fa", "fal", "fals", "false", "FALSE", "n", "no", "NO", "of",
                        "off", "OFF", "0", "  f  "};
    const char *bad[] = {"", " ", "o", "truex", "yess", "nope", "2", "01", "10", "tr ue",
                         "onn", "offf", "-1", "x"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        text_to_bool(yes[i], 1);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        text_to_bool(no[i], 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        text_to_bool(bad[i], -1);
}

Test(cast, to_text_and_between_int_and_bool)
{
    t_is_text(x_cast(x_int(-123), VT_TEXT), "-123", "int -> text");
    t_is_text(x_cast(x_int(INT64_MIN), VT_TEXT), "-9223372036854775808", "MIN -> text");
    t_is_text(x_cast(x_bool(1), VT_TEXT), "true", "true -> text");
    t_is_text(x_cast(x_bool(0), VT_TEXT), "false", "false -> text");
    t_is_bool(x_cast(x_int(0), VT_BOOL), 0, "0 -> bool");
    t_is_bool(x_cast(x_int(-5), VT_BOOL), 1, "-5 -> bool");
    t_is_int(x_cast(x_bool(1), VT_INT), 1, "true -> int");
    t_is_int(x_cast(x_bool(0), VT_INT), 0, "false -> int");
    t_is_null(x_cast(x_null(), VT_INT), "NULL -> int");
    ROW[0] = val_text(" 12 ", 4);
    t_is_int(x_cast(x_col(0, VT_TEXT), VT_INT), 12, "text column -> int at run time");
    ROW[1] = val_text("zz", 2);
    t_fails(x_cast(x_col(1, VT_TEXT), VT_INT), "22P02", "bad text column -> int");
    cr_assert_eq(ERR.pos, 0, "run-time errors carry no position");
    /* round trip through text */
    t_is_int(x_cast(x_cast(x_int(INT64_MAX), VT_TEXT), VT_INT), INT64_MAX, "round trip");
}

Test(cast, literal_cast_is_checked_at_prepare_time)
{
    sql_expr *lit = at(x_text("abc"), 12);
    sql_expr *e = x_cast(lit, VT_INT);
    cr_assert_eq(ex_check(e, VT_NULL, &T, &ERR), ACIDB_RANGE);
    cr_assert_str_eq(ERR.state, "22P02");
    cr_assert_eq(ERR.pos, 13);
    cr_assert_str_eq(ERR.msg, "invalid input syntax for type bigint: \"abc\"");
    sql_expr *ok = x_cast(x_text("41"), VT_INT);
    cr_assert_eq(ex_check(ok, VT_NULL, &T, &ERR), 0);
    cr_assert_eq(ok->l->v.type, VT_INT, "the literal was converted in place");
    cr_assert_eq(ok->type, VT_INT);
}

Test(cast, parameters_convert_to_their_context)
{
    NPARAMS = 3;
    PARAMS[0] = val_text(" 41 ", 4);
    PARAMS[1] = val_text("yes", 3);
    PARAMS[2] = val_int(7);
    t_is_int(x_bin(OP_ADD, x_param(1), x_int(1)), 42, "$1 + 1 with text '41'");
    t_is_bool(x_bin(OP_AND, x_param(2), x_bool(1)), 1, "$2 AND true with text 'yes'");
    t_is_text(x_bin(OP_CONCAT, x_text("n"), x_param(3)), "n7", "'n' || $3");
    t_is_null(x_param(4), "unbound parameter beyond nparams is NULL");
    PARAMS[0] = val_text("x", 1);
    t_fails(x_bin(OP_ADD, x_param(1), x_int(1)), "22P02", "$1 + 1 with text 'x'");
    /* $1 compared with a text column keeps its type */
    ROW[0] = val_text("x", 1);
    t_is_bool(x_bin(OP_EQ, x_col(0, VT_TEXT), x_param(1)), 1, "col = $1");
    /* an untyped parameter passes its value through */
    PARAMS[0] = val_int(5);
    t_is_int(x_param(1), 5, "SELECT $1");
    /* the parameter got the type of its context */
    sql_expr *p = x_param(1);
    sql_expr *e = x_bin(OP_LT, x_col(1, VT_INT), p);
    cr_assert_eq(ex_check(e, VT_BOOL, &T, &ERR), 0);
    cr_assert_eq(p->type, VT_INT);
    p = x_param(2);
    cr_assert_eq(ex_check(p, VT_BOOL, &T, &ERR), 0);
    cr_assert_eq(p->type, VT_BOOL, "want types a bare parameter");
}
