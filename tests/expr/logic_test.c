/*
 * logic_test.c — three-valued logic: AND / OR / NOT truth tables, IS [NOT] NULL / TRUE /
 * FALSE, IN with NULLs, BETWEEN, CASE, COALESCE, NULLIF, GREATEST / LEAST, as PostgreSQL.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "engine/acidb.h"
#include "tests/expr/build.h"

TestSuite(logic, .init = t_init, .fini = t_fini);

/* -1 NULL, 0 FALSE, 1 TRUE as a boolean column value */
static value tv(int t) { return t < 0 ? val_null() : val_bool(t); }
static const char *tn(int t) { return t < 0 ? "NULL" : t ? "TRUE" : "FALSE"; }

Test(logic, and_or_truth_tables)
{
    static const int vals[3] = {1, 0, -1};
    /* PostgreSQL's tables (rows l, columns r: TRUE FALSE NULL) */
    static const int and_t[3][3] = {{1, 0, -1}, {0, 0, 0}, {-1, 0, -1}};
    static const int or_t[3][3] = {{1, 1, 1}, {1, 0, -1}, {1, -1, -1}};
    char what[64];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            ROW[0] = tv(vals[i]);
            ROW[1] = tv(vals[j]);
            snprintf(what, sizeof what, "%s AND %s", tn(vals[i]), tn(vals[j]));
            t_is_bool(x_bin(OP_AND, x_col(0, VT_BOOL), x_col(1, VT_BOOL)), and_t[i][j], what);
            snprintf(what, sizeof what, "%s OR %s", tn(vals[i]), tn(vals[j]));
            t_is_bool(x_bin(OP_OR, x_col(0, VT_BOOL), x_col(1, VT_BOOL)), or_t[i][j], what);
            /* the same with literals (NULL literal adapts to boolean) */
            sql_expr *l = vals[i] < 0 ? x_null() : x_bool(vals[i]);
            sql_expr *r = vals[j] < 0 ? x_null() : x_bool(vals[j]);
            snprintf(what, sizeof what, "literal %s AND %s", tn(vals[i]), tn(vals[j]));
            t_is_bool(x_bin(OP_AND, l, r), and_t[i][j], what);
        }
}

Test(logic, not_truth_table)
{
    ROW[0] = tv(1);
    t_is_bool(x_un(OP_NOT, x_col(0, VT_BOOL)), 0, "NOT TRUE");
    ROW[0] = tv(0);
    t_is_bool(x_un(OP_NOT, x_col(0, VT_BOOL)), 1, "NOT FALSE");
    ROW[0] = tv(-1);
    t_is_bool(x_un(OP_NOT, x_col(0, VT_BOOL)), -1, "NOT NULL");
}

Test(logic, and_or_short_circuit_skips_errors)
{
    /* FALSE AND (1/0 = 1): the right side is not evaluated */
    sql_expr *boom = x_bin(OP_EQ, x_bin(OP_DIV, x_int(1), x_int(0)), x_int(1));
    t_is_bool(x_bin(OP_AND, x_bool(0), boom), 0, "false and error");
    boom = x_bin(OP_EQ, x_bin(OP_DIV, x_int(1), x_int(0)), x_int(1));
    t_is_bool(x_bin(OP_OR, x_bool(1), boom), 1, "true or error");
    boom = x_bin(OP_EQ, x_bin(OP_DIV, x_int(1), x_int(0)), x_int(1));
    t_fails(x_bin(OP_AND, x_bool(1), boom), "22012", "true and error");
}

Test(logic, is_null_and_is_true_false)
{
    static const int vals[3] = {1, 0, -1};
    for (int i = 0; i < 3; i++) {
        int v = vals[i];
        char w[64];
        ROW[0] = tv(v);
        snprintf(w, sizeof w, "%s IS NULL", tn(v));
        t_is_bool(x_isnull(x_col(0, VT_BOOL), 0), v < 0, w);
        t_is_bool(x_isnull(x_col(0, VT_BOOL), 1), v >= 0, w);
        snprintf(w, sizeof w, "%s IS TRUE", tn(v));
        t_is_bool(x_isbool(x_col(0, VT_BOOL), 1, 0), v == 1, w);
        snprintf(w, sizeof w, "%s IS NOT TRUE", tn(v));
        t_is_bool(x_isbool(x_col(0, VT_BOOL), 1, 1), v != 1, w);
        snprintf(w, sizeof w, "%s IS FALSE", tn(v));
        t_is_bool(x_isbool(x_col(0, VT_BOOL), 0, 0), v == 0, w);
        snprintf(w, sizeof w, "%s IS NOT FALSE", tn(v));
        t_is_bool(x_isbool(x_col(0, VT_BOOL), 0, 1), v != 0, w);
    }
    t_is_bool(x_isnull(x_int(3), 0), 0, "3 IS NULL");
    t_is_bool(x_isnull(x_null(), 0), 1, "NULL IS NULL");
}

Test(logic, in_with_nulls)
{
    ROW[0] = val_int(2);
    ROW[1] = val_null();
    t_is_bool(x_in(x_col(0, VT_INT), 0, 3, x_int(1), x_int(2), x_int(3)), 1, "2 IN (1,2,3)");
    t_is_bool(x_in(x_col(0, VT_INT), 0, 2, x_int(1), x_int(3)), 0, "2 IN (1,3)");
    t_is_bool(x_in(x_col(0, VT_INT), 0, 2, x_int(1), x_null()), -1, "2 IN (1,NULL)");
    t_is_bool(x_in(x_col(0, VT_INT), 0, 2, x_null(), x_int(2)), 1, "2 IN (NULL,2)");
    t_is_bool(x_in(x_col(1, VT_INT), 0, 2, x_int(1), x_int(2)), -1, "NULL IN (1,2)");
    t_is_bool(x_in(x_col(0, VT_INT), 1, 2, x_int(1), x_int(3)), 1, "2 NOT IN (1,3)");
    t_is_bool(x_in(x_col(0, VT_INT), 1, 2, x_int(1), x_null()), -1, "2 NOT IN (1,NULL)");
    t_is_bool(x_in(x_col(0, VT_INT), 1, 2, x_int(2), x_null()), 0, "2 NOT IN (2,NULL)");
    t_is_bool(x_in(x_col(1, VT_INT), 1, 1, x_int(1)), -1, "NULL NOT IN (1)");
    /* literal adaptation inside IN: 2 IN ('1', '2') */
    t_is_bool(x_in(x_col(0, VT_INT), 0, 2, x_text("1"), x_text(" 2 ")), 1, "2 IN ('1',' 2 ')");
    ROW[2] = val_text("b", 1);
    t_is_bool(x_in(x_col(2, VT_TEXT), 0, 2, x_text("a"), x_text("b")), 1, "'b' IN ('a','b')");
}

Test(logic, between)
{
    ROW[0] = val_int(5);
    ROW[1] = val_null();
    t_is_bool(x_between(x_col(0, VT_INT), x_int(1), x_int(10), 0), 1, "5 between 1 and 10");
    t_is_bool(x_between(x_col(0, VT_INT), x_int(5), x_int(5), 0), 1, "5 between 5 and 5");
    t_is_bool(x_between(x_col(0, VT_INT), x_int(6), x_int(10), 0), 0, "5 between 6 and 10");
    t_is_bool(x_between(x_col(0, VT_INT), x_int(10), x_int(1), 0), 0, "5 between 10 and 1");
    t_is_bool(x_between(x_col(0, VT_INT), x_int(1), x_int(10), 1), 0, "5 not between 1, 10");
    t_is_bool(x_between(x_col(1, VT_INT), x_int(1), x_int(10), 0), -1, "NULL between");
    t_is_bool(x_between(x_col(0, VT_INT), x_null(), x_int(10), 0), -1, "5 between NULL and 10");
    /* x >= NULL AND x <= 4 is NULL AND FALSE = FALSE */
    t_is_bool(x_between(x_col(0, VT_INT), x_null(), x_int(4), 0), 0, "5 between NULL and 4");
    t_is_bool(x_between(x_col(0, VT_INT), x_null(), x_int(4), 1), 1, "5 not between NULL, 4");
    t_is_bool(x_between(x_col(0, VT_INT), x_text("1"), x_text("9"), 0), 1, "literals adapt");
}

Test(logic, case_expressions)
{
    ROW[0] = val_int(2);
    ROW[1] = val_null();
    sql_expr *e = x_case(x_col(0, VT_INT), x_text("other"), 2, x_int(1), x_text("one"), x_int(2),
                         x_text("two"));
    t_is_text(e, "two", "simple case");
    e = x_case(x_col(1, VT_INT), x_text("other"), 1, x_null(), x_text("null"));
    t_is_text(e, "other", "NULL never equals in simple CASE");
    e = x_case(NULL, NULL, 2, x_bin(OP_GT, x_col(0, VT_INT), x_int(5)), x_int(1),
               x_bin(OP_GT, x_col(1, VT_INT), x_int(0)), x_int(2));
    t_is_null(e, "searched case, no branch, no else");
    e = x_case(NULL, x_int(0), 1, x_bin(OP_LT, x_col(0, VT_INT), x_int(5)), x_int(1));
    t_is_int(e, 1, "searched case hit");
    /* only the chosen branch is evaluated */
    e = x_case(NULL, x_bin(OP_DIV, x_int(1), x_int(0)), 1, x_bool(1), x_int(7));
    t_is_int(e, 7, "else not evaluated");
}

Test(logic, coalesce_nullif_greatest_least)
{
    ROW[0] = val_null();
    ROW[1] = val_int(4);
    t_is_int(x_func("coalesce", 3, x_col(0, VT_INT), x_col(1, VT_INT), x_int(9)), 4, "coalesce");
    t_is_null(x_func("coalesce", 2, x_col(0, VT_INT), x_null()), "coalesce all NULL");
    t_is_int(x_func("coalesce", 2, x_int(1), x_bin(OP_DIV, x_int(1), x_int(0))), 1,
             "coalesce short-circuits");
    t_is_null(x_func("nullif", 2, x_col(1, VT_INT), x_int(4)), "nullif equal");
    t_is_int(x_func("nullif", 2, x_col(1, VT_INT), x_int(5)), 4, "nullif different");
    t_is_int(x_func("nullif", 2, x_col(1, VT_INT), x_null()), 4, "nullif NULL second");
    t_is_null(x_func("nullif", 2, x_col(0, VT_INT), x_int(1)), "nullif NULL first");
    t_is_int(x_func("greatest", 3, x_int(3), x_col(0, VT_INT), x_int(8)), 8, "greatest");
    t_is_int(x_func("least", 3, x_int(3), x_col(0, VT_INT), x_int(8)), 3, "least");
    t_is_null(x_func("least", 1, x_col(0, VT_INT)), "least of NULL");
    t_is_text(x_func("coalesce", 2, x_null(), x_text("x")), "x", "coalesce of unknowns is text");
}

Test(logic, where_truth_is_only_true)
{
    value v = val_null();
    cr_assert(!ex_true(&v));
    v = val_bool(0);
    cr_assert(!ex_true(&v));
    v = val_bool(1);
    cr_assert(ex_true(&v));
    /* WHERE 't' adapts the literal to boolean */
    value out;
    sql_expr *e = x_text("t");
    cr_assert_eq(t_run_want(e, VT_BOOL, &out), 0, "%s", ERR.msg);
    cr_assert(ex_true(&out));
}
