/*
 * expr_test.c — expression shapes: PostgreSQL's precedence and associativity, every primary,
 * constant folding of -<integer>, parameters, and the errors expressions can raise.
 */
#include <stdint.h>
#include <string.h>

#include "tests/parse/ptest.h"

TestSuite(expr, .init = pt_setup, .fini = pt_teardown);

#define SHAPE(in, want) cr_assert_str_eq(pt_sel(in), want, "SELECT %s", in)

Test(expr, precedence_follows_postgresql)
{
    SHAPE("a OR b AND NOT c = d + e * f",
          "(a OR (b AND (NOT (c = (d + (e * f))))))");
    SHAPE("a * b + c * d", "((a * b) + (c * d))");
    SHAPE("a - b - c", "((a - b) - c)");
    SHAPE("a / b % c * d", "(((a / b) % c) * d)");
    SHAPE("a || b + c", "(a || (b + c))");
    SHAPE("a + b || c", "((a + b) || c)");
    SHAPE("a || b = c", "((a || b) = c)");
    SHAPE("a AND b OR c AND d", "((a AND b) OR (c AND d))");
    SHAPE("NOT a AND b", "((NOT a) AND b)");
    SHAPE("NOT NOT a", "(NOT (NOT a))");
    SHAPE("NOT a = b", "(NOT (a = b))");
    SHAPE("a = NOT b", "(a = (NOT b))");
    SHAPE("- a * b", "((- a) * b)");
    SHAPE("-a::int", "(- (a::int4))");
    SHAPE("- - a", "(- (- a))");
    SHAPE("+a", "(+ a)");
    SHAPE("a + -b", "(a + (- b))");
    SHAPE("a IS NULL AND b IS NOT NULL", "((a IS NULL) AND (b IS NOT NULL))");
    SHAPE("a = b IS NULL", "((a = b) IS NULL)");
    SHAPE("a IS NULL = b", "((a IS NULL) = b)");
    SHAPE("a IS TRUE OR b IS NOT FALSE", "((a IS TRUE) OR (b IS NOT FALSE))");
    SHAPE("a ISNULL", "(a IS NULL)");
    SHAPE("a NOTNULL", "(a IS NOT NULL)");
    SHAPE("NOT a IS NULL", "(NOT (a IS NULL))");
    SHAPE("a BETWEEN 1 AND 2 AND b", "((a BETWEEN 1 AND 2) AND b)");
    SHAPE("a NOT BETWEEN b + 1 AND c * 2", "(a NOT BETWEEN (b + 1) AND (c * 2))");
    SHAPE("a BETWEEN 1 AND 2 = TRUE", "((a BETWEEN 1 AND 2) = TRUE)");
    SHAPE("a IN (1, 2, 3)", "(a IN (1, 2, 3))");
    SHAPE("a + 1 NOT IN (b)", "((a + 1) NOT IN (b))");
    SHAPE("a LIKE 'x%' ESCAPE '!'", "(a LIKE 'x%' ESCAPE '!')");
    SHAPE("a NOT ILIKE b || 'c'", "(a NOT ILIKE (b || 'c'))");
    SHAPE("a LIKE b = c", "((a LIKE b) = c)");
    SHAPE("(a OR b) AND c", "((a OR b) AND c)");
    SHAPE("a::text || 'x'", "((a::text) || 'x')");
    SHAPE("a::int::text", "((a::int4)::text)");
}

Test(expr, comparisons_do_not_associate)
{
    pt_expect_err("SELECT a < b < c", ACIDB_ERROR, "42601", 14,
                  "syntax error at or near \"<\"");
    pt_expect_err("SELECT a = b = c", ACIDB_ERROR, "42601", 14,
                  "syntax error at or near \"=\"");
    pt_expect_err("SELECT a + 1 <> b + 2 >= c", ACIDB_ERROR, "42601", 23,
                  "syntax error at or near \">=\"");
    pt_expect_err("SELECT a LIKE b LIKE c", ACIDB_ERROR, "42601", 17,
                  "syntax error at or near \"LIKE\"");
    pt_expect_err("SELECT a IN (1) NOT IN (2)", ACIDB_ERROR, "42601", 17,
                  "syntax error at or near \"NOT\"");
    /* with parentheses it is fine */
    SHAPE("(a < b) < c", "((a < b) < c)");
    SHAPE("a < b AND b < c", "((a < b) AND (b < c))");
}

Test(expr, primaries)
{
    SHAPE("42", "42");
    SHAPE("'it''s'", "'it's'");
    SHAPE("''", "''");
    SHAPE("TRUE", "TRUE");
    SHAPE("false", "FALSE");
    SHAPE("NULL", "NULL");
    SHAPE("t.c", "t.c");
    SHAPE("T.\"MixedCase\"", "t.MixedCase");
    SHAPE("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END",
          "(CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END)");
    SHAPE("CASE x WHEN 1 THEN 'one' END", "(CASE x WHEN 1 THEN 'one' END)");
    SHAPE("CAST(a + 1 AS TEXT)", "((a + 1)::text)");
    SHAPE("cast(a as BIGINT)", "(a::int8)");
    /* Integer type names as PostgreSQL's: each names its own width. */
    SHAPE("a::smallint", "(a::int2)");
    SHAPE("a::int2", "(a::int2)");
    SHAPE("a::integer", "(a::int4)");
    SHAPE("a::int4", "(a::int4)");
    SHAPE("a::int8", "(a::int8)");
    SHAPE("a::character varying(10)", "(a::varchar)");
    SHAPE("a::VARCHAR", "(a::varchar)");
    SHAPE("a::char(3)", "(a::bpchar)");
    SHAPE("a::character", "(a::bpchar)");
    SHAPE("a::bool", "(a::bool)");
    SHAPE("COUNT(*)", "count(*)");
    SHAPE("count(DISTINCT a)", "count(DISTINCT a)");
    SHAPE("Coalesce(a, b, 1)", "coalesce(a, b, 1)");
    SHAPE("now()", "now()");
    SHAPE("left('abc', 2)", "left('abc', 2)");
    SHAPE("\"Weird Fn\"(1)", "Weird Fn(1)");
    SHAPE("key + \"index\"", "(key + index)");
    /* unreserved / column-name keywords are ordinary names */
    SHAPE("first + last", "(first + last)");
    SHAPE("values", "values");
}

Test(expr, node_positions)
{
    sql_stmt *st = pt_ok("SELECT a +  b, f(x) IS NULL, CAST(1 AS int)");
    const sql_expr *e = st->u.select.targets[0].e;
    cr_assert_eq(e->kind, EX_BINARY);
    cr_assert_eq(e->pos, 9);          /* the operator, as PostgreSQL reports it */
    cr_assert_eq(e->l->pos, 7);
    cr_assert_eq(e->r->pos, 12);
    e = st->u.select.targets[1].e;
    cr_assert_eq(e->kind, EX_IS_NULL);
    cr_assert_eq(e->pos, 20);
    cr_assert_eq(e->l->pos, 15);
    cr_assert_eq(st->u.select.targets[2].e->pos, 29);
    cr_assert_eq(st->u.select.targets[2].pos, 29);
}

Test(expr, int64_range_and_folding)
{
    sql_stmt *st = pt_ok("SELECT -9223372036854775808, 9223372036854775807, - 5, -0");
    const sql_target *t = st->u.select.targets;
    cr_assert_eq(t[0].e->kind, EX_CONST);
    cr_assert_eq(t[0].e->v.u.i, INT64_MIN);
    cr_assert_eq(t[1].e->v.u.i, INT64_MAX);
    cr_assert_eq(t[2].e->kind, EX_CONST);
    cr_assert_eq(t[2].e->v.u.i, -5);
    cr_assert_eq(t[3].e->v.u.i, 0);
    pt_expect_err("SELECT 9223372036854775808", ACIDB_RANGE, "22003", 8,
                  "value \"9223372036854775808\" is out of range for type bigint");
    pt_expect_err("SELECT 1 + 99999999999999999999", ACIDB_RANGE, "22003", 12,
                  "value \"99999999999999999999\" is out of range for type bigint");
    pt_expect_err("SELECT -9223372036854775809", ACIDB_RANGE, "22003", 8,
                  "value \"-9223372036854775809\" is out of range for type bigint");
    pt_expect_err("SELECT 184467440737095516160000", ACIDB_RANGE, "22003", 8, NULL);
    /* the cast binds tighter than the minus: not folded, the literal alone is out of range */
    pt_expect_err("SELECT -9223372036854775808::int", ACIDB_RANGE, "22003", 9, NULL);
    cr_assert_str_eq(pt_sel("-5::text"), "(- (5::text))");
}

Test(expr, parameters)
{
    sql_stmt *st = pt_ok("SELECT $2 + $1, $2");
    cr_assert_eq(st->nparams, 2);
    cr_assert_str_eq(pt_expr(st->u.select.targets[0].e), "($2 + $1)");
    st = pt_ok("SELECT ? , ?, a FROM t WHERE b = ?");
    cr_assert_eq(st->nparams, 3);
    cr_assert_str_eq(pt_expr(st->u.select.targets[1].e), "$2");
    cr_assert_str_eq(pt_expr(st->u.select.where), "(b = $3)");
    st = pt_ok("SELECT $65535");
    cr_assert_eq(st->nparams, 65535);
    pt_expect_err("SELECT $0", ACIDB_ERROR, "42P02", 8, "there is no parameter $0");
    pt_expect_err("SELECT $65536", ACIDB_ERROR, "42P02", 8, "there is no parameter $65536");
    pt_expect_err("SELECT $1, ?", ACIDB_ERROR, "42601", 12, NULL);
    pt_expect_err("SELECT ?, $1", ACIDB_ERROR, "42601", 11, NULL);
    pt_expect_err("SELECT $1x", ACIDB_ERROR, "42601", 8,
                  "trailing junk after parameter at or near \"$1x\"");
    pt_expect_err("SELECT $x", ACIDB_ERROR, "42601", 8, "syntax error at or near \"$\"");
}

Test(expr, unsupported_and_bad_forms)
{
    /* Numbers with a fraction or an exponent are numeric literals kept as their text (the
     * type checker decides what they may become); a minus sign folds into them. */
    SHAPE("1.5", "1.5");
    SHAPE("a + .5", "(a + .5)");
    SHAPE("1e10", "1e10");
    SHAPE("1.", "1.");
    SHAPE("-2.5E-3", "-2.5E-3");
    SHAPE("- 2.5 * a", "(-2.5 * a)");
    SHAPE("-1.5::float8", "(- (1.5::float8))");
    pt_expect_err("SELECT 1.5e", ACIDB_ERROR, "42601", 8,
                  "trailing junk after numeric literal at or near \"1.5e\"");
    pt_expect_err("SELECT 123abc", ACIDB_ERROR, "42601", 8,
                  "trailing junk after numeric literal at or near \"123a\"");
    pt_expect_err("SELECT a::numeric", ACIDB_ERROR, "42704", 11,
                  "type \"numeric\" does not exist");
    pt_expect_err("SELECT CAST(a AS serial)", ACIDB_ERROR, "42704", 18,
                  "type \"serial\" does not exist");
    pt_expect_err("SELECT a::varchar(0)", ACIDB_ERROR, "22023", 19,
                  "length for type varchar must be at least 1");
    pt_expect_err("SELECT (SELECT 1)", ACIDB_ERROR, "0A000", 9, "subqueries are not supported");
    pt_expect_err("SELECT a IN ()", ACIDB_ERROR, "42601", 14, "syntax error at or near \")\"");
    pt_expect_err("SELECT CASE END", ACIDB_ERROR, "42601", 13, "syntax error at or near \"END\"");
    pt_expect_err("SELECT a IS 5", ACIDB_ERROR, "42601", 13, "syntax error at or near \"5\"");
    pt_expect_err("SELECT left", ACIDB_ERROR, "42601", 8, "syntax error at or near \"left\"");
    pt_expect_err("SELECT a @ b", ACIDB_ERROR, "42601", 10, "syntax error at or near \"@\"");
    pt_expect_err("SELECT f(a", ACIDB_ERROR, "42601", 11, "syntax error at end of input");
    pt_expect_err("SELECT (1", ACIDB_ERROR, "42601", 10, "syntax error at end of input");
    pt_expect_err("SELECT 1 +", ACIDB_ERROR, "42601", 11, "syntax error at end of input");
    pt_expect_err("SELECT a.b.c", ACIDB_ERROR, "42601", 11, "syntax error at or near \".\"");
}
