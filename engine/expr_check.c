/*
 * expr_check.c — type inference and checking of expressions (ex_check, expr.h).
 *
 * One bottom-up pass. Each node's `type` is set from its children's; EX_COLUMN types come
 * from the binder and are left alone.
 *
 * Unknown-typed inputs, as in PostgreSQL: a string literal (EX_CONST TEXT), a NULL literal,
 * and a parameter the context has not typed yet. An unknown input takes the type its context
 * needs — the other operand of an operator, the common type of CASE / COALESCE / IN /
 * BETWEEN, a function's argument type, CAST's target, or `want` at the top. A string literal
 * that becomes INTEGER or BOOLEAN is converted in place (its v changes type), so the
 * evaluator never parses it again and a bad literal is a 22P02 at its position, at prepare
 * time. Once converted, a literal is no longer unknown, so checking a tree twice (re-plan)
 * gives the same result. Two unknowns meeting resolve to TEXT (comparisons, ||) or INTEGER
 * (arithmetic); PostgreSQL reports some of those as ambiguous instead.
 *
 * `want`: VT_BOOL (WHERE/ON/HAVING/CHECK) requires a boolean result (42804). For INSERT /
 * UPDATE values (want = the column's type) only unknown inputs are adapted; assignment rules
 * between typed values (text into an integer column is 42804 naming the column) are the
 * executor's, which knows the column.
 *
 * Positions: errors about an operator use the operator node's pos (the parser decides which
 * token that is; PostgreSQL points at the operator itself), errors about an operand use the
 * operand's pos. The hints PostgreSQL adds to 42883 ("No operator matches ...") have no field
 * in sql_error and are not reported.
 */
#include <stdio.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/expr.h"
#include "engine/sqlstate.h"

typedef struct chk {
    arena *a;
    sql_error *err;
} chk;

static int check(chk *k, sql_expr *e, int in_agg);

/* Scratch arrays (operand lists of IN / CASE) come from the statement's arena: an IN list
 * may be long, and the stack is not the place for it. */
static int nomem(chk *k)
{
    return sql_err_nomem(k->err, NULL);
}

static int is_unknown(const sql_expr *e)
{
    if (e->kind == EX_CONST)
        return e->param != SQL_DEFAULT_MARK &&
               (e->v.type == VT_TEXT || (e->v.type == VT_NULL && e->type == VT_NULL));
    if (e->kind == EX_PARAM)
        return e->type == VT_NULL;
    return 0;
}

/* The SQL type (TY_*) of a checked expression: its integer width, or its representation's
 * type (a VT_* code is a type id, types.h). */
static int ety(const sql_expr *e)
{
    return ex_tid(e);
}

static void set_ty(sql_expr *e, int t)
{
    e->type = (uint8_t)ty_vt(t);
    e->tid = (uint8_t)t;
}

/* A literal with a fraction or an exponent, not converted yet (types.h, TY_NUMERIC). */
static int is_numlit(const sql_expr *e)
{
    return e->kind == EX_CONST && e->tid == TY_NUMERIC && e->v.type == VT_TEXT;
}

static int numlit_err(chk *k, const sql_expr *e)
{
    return sql_err(k->err, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, e->pos,
                   "numeric literals with a fractional part are not supported");
}

/* The type name PostgreSQL would print for this input in a message. */
static const char *tname(const sql_expr *e)
{
    return is_numlit(e) ? "numeric" : is_unknown(e) ? "unknown" : ty_name(ety(e));
}

/* The type two typed operands of a comparison or of CASE meet in: their own when equal or
 * both integers (the wider); for numbers of which one is a float, real when both are real,
 * else double precision; TY_NONE when they do not meet. */
static int meet(int a, int b)
{
    if (a == b)
        return a;
    if (ty_is_string(a) && ty_is_string(b))
        return TY_TEXT; /* varchar and character meet text as text (character trimmed) */
    if (ty_is_int(a) && ty_is_int(b))
        return ty_int_wider(a, b);
    if (ty_is_number(a) && ty_is_number(b))
        return ty_get(a)->rank >= ty_get(b)->rank ? a : b;
    return TY_NONE;
}

/* Gives an unknown input the type t (TY_*); converts a string literal in place (22P02 /
 * 22003 at the literal's position, with t's name and range). Typed inputs are left as they
 * are. */
static int adapt(chk *k, sql_expr *e, int t)
{
    if (t == TY_NONE || !is_unknown(e))
        return 0;
    /* A fraction literal becomes a float where one is wanted; acidb has no numeric for it
     * anywhere else. */
    if (is_numlit(e) && !ty_is_float(t))
        return numlit_err(k, e);
    if (e->kind == EX_CONST && e->v.type == VT_TEXT && ty_vt(t) != VT_TEXT) {
        value out;
        int rc = ex_cast(&e->v, t, k->a, &out, e->pos, k->err);
        if (rc != 0)
            return rc;
        if (is_numlit(e) && out.u.f == 0)
            out.u.f = 0.0; /* a numeric has no negative zero: -0.0 is 0 */
        e->v = out;
    }
    set_ty(e, t);
    return 0;
}

static const char *op_name(int op)
{
    switch (op) {
    case OP_EQ: return "=";
    case OP_NE: return "<>";
    case OP_LT: return "<";
    case OP_LE: return "<=";
    case OP_GT: return ">";
    case OP_GE: return ">=";
    case OP_ADD: return "+";
    case OP_SUB: case OP_NEG: return "-";
    case OP_MUL: return "*";
    case OP_DIV: return "/";
    case OP_MOD: return "%";
    case OP_CONCAT: return "||";
    case OP_POS: return "+";
    case OP_AND: return "AND";
    case OP_OR: return "OR";
    case OP_NOT: return "NOT";
    default: return "?";
    }
}

static int no_operator(chk *k, int32_t pos, const char *l, const char *op, const char *r)
{
    return sql_err(k->err, ACIDB_ERROR, ERRCODE_UNDEFINED_FUNCTION, pos,
                   "operator does not exist: %s %s %s", l, op,
                   r);
}

/* The operands of a comparison-like construct (=, IN, BETWEEN, simple CASE, NULLIF) must have
 * one type: the first typed one decides, unknowns adopt it (TEXT when all are unknown). */
static int unify_compared(chk *k, sql_expr **xs, int n, const char *op, int32_t pos)
{
    int t = TY_NONE;
    for (int i = 0; i < n; i++) {
        if (is_unknown(xs[i]) || xs[i]->type == VT_NULL)
            continue;
        /* Integers of different widths compare (PostgreSQL's int24eq, int48lt, ...), and an
         * integer compares with a float as a float8 (the evaluator converts it). */
        int m = t == TY_NONE ? ety(xs[i]) : meet(t, ety(xs[i]));
        if (m == TY_NONE)
            return no_operator(k, pos, ty_name(t), op, ty_name(ety(xs[i])));
        t = m;
    }
    /* real = integer is decided as float8 (PostgreSQL's float84eq): only reals stay real. */
    if (t == TY_FLOAT4)
        for (int i = 0; i < n; i++)
            if (!is_unknown(xs[i]) && xs[i]->type == VT_INT)
                t = TY_FLOAT8;
    if (t == TY_NONE)
        t = TY_TEXT;
    for (int i = 0; i < n; i++) {
        int rc = adapt(k, xs[i], t);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* PostgreSQL's select_common_type for result expressions (CASE branches, COALESCE, GREATEST,
 * LEAST): 42804 "CASE types integer and text cannot be matched" at the first misfit. */
static int unify_results(chk *k, sql_expr **xs, int n, const char *context, int *out)
{
    int t = TY_NONE;
    for (int i = 0; i < n; i++) {
        if (is_unknown(xs[i]) || xs[i]->type == VT_NULL)
            continue;
        int x = ety(xs[i]);
        if (t == TY_NONE)
            t = x;
        else if (meet(t, x) != TY_NONE)
            t = meet(t, x); /* int2 -> int4 -> int8 -> real -> double precision, implicitly */
        else
            return sql_err(k->err, ACIDB_ERROR, ERRCODE_DATATYPE_MISMATCH, xs[i]->pos,
                           "%s types %s and %s cannot be matched", context, ty_name(t),
                           ty_name(x));
    }
    if (t == TY_NONE)
        t = TY_TEXT;
    for (int i = 0; i < n; i++) {
        int rc = adapt(k, xs[i], t);
        if (rc != 0)
            return rc;
    }
    *out = t;
    return 0;
}

/* An operand that must be boolean (AND, OR, NOT, IS TRUE, CASE WHEN, WHERE). */
static int need_bool(chk *k, sql_expr *e, const char *what)
{
    int rc = adapt(k, e, VT_BOOL);
    if (rc != 0)
        return rc;
    if (e->type != VT_BOOL && e->type != VT_NULL)
        return sql_err(k->err, ACIDB_ERROR, ERRCODE_DATATYPE_MISMATCH, e->pos,
                       "argument of %s must be type boolean, not type %s", what,
                       ty_name(ety(e)));
    return 0;
}

static int check_binary(chk *k, sql_expr *e)
{
    sql_expr *l = e->l, *r = e->r;
    const char *ln = tname(l), *rn = tname(r);
    int rc;
    switch (e->op) {
    case OP_AND:
    case OP_OR:
        if ((rc = need_bool(k, l, op_name(e->op))) != 0 ||
            (rc = need_bool(k, r, op_name(e->op))) != 0)
            return rc;
        e->type = VT_BOOL;
        return 0;
    case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
        sql_expr *xs[2] = {l, r};
        if ((rc = unify_compared(k, xs, 2, op_name(e->op), e->pos)) != 0)
            return rc;
        e->type = VT_BOOL;
        return 0;
    }
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD:
        /* An unknown side takes the number type of the other side (integer next to another
         * unknown), as PostgreSQL resolves int4 + unknown to int4 + int4. */
        if (is_unknown(l) && (is_unknown(r) || ty_is_number(ety(r))))
            if ((rc = adapt(k, l, is_unknown(r) ? TY_INT4 : ety(r))) != 0)
                return rc;
        if (is_unknown(r) && ty_is_number(ety(l)))
            if ((rc = adapt(k, r, ety(l))) != 0)
                return rc;
        if ((!ty_is_number(ety(l)) && l->type != VT_NULL) ||
            (!ty_is_number(ety(r)) && r->type != VT_NULL))
            return no_operator(k, e->pos, ln, op_name(e->op), rn);
        if (l->type == VT_NULL && (rc = adapt(k, l, r->type == VT_NULL ? TY_INT4 : ety(r))) != 0)
            return rc;
        if (r->type == VT_NULL && (rc = adapt(k, r, ety(l))) != 0)
            return rc;
        /* int2 + int4 is int4, int4 + int8 is int8: the wider, which also decides the range
         * the evaluator checks (PostgreSQL's int24pl, int48pl, ...); a float operand makes
         * it float8 (real only for real op real); there is no float %. */
        if (e->op == OP_MOD && (ty_is_float(ety(l)) || ty_is_float(ety(r))))
            return no_operator(k, e->pos, tname(l), "%", tname(r));
        set_ty(e, ty_arith_result(ety(l), ety(r)));
        return 0;
    case OP_CONCAT:
        /* bytea || bytea (an unknown side becomes bytea) */
        if ((l->type == VT_BYTES && (r->type == VT_BYTES || is_unknown(r))) ||
            (r->type == VT_BYTES && is_unknown(l))) {
            if ((rc = adapt(k, l, TY_BYTEA)) != 0 || (rc = adapt(k, r, TY_BYTEA)) != 0)
                return rc;
            set_ty(e, TY_BYTEA);
            return 0;
        }
        /* text || anynonarray: one side must be text (an unknown side becomes text). */
        if (!is_unknown(l) && !is_unknown(r) && l->type != VT_TEXT && r->type != VT_TEXT)
            return no_operator(k, e->pos, ln, "||", rn);
        if ((rc = adapt(k, l, VT_TEXT)) != 0 || (rc = adapt(k, r, VT_TEXT)) != 0)
            return rc;
        e->type = VT_TEXT;
        return 0;
    default:
        return sql_err(k->err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, e->pos,
                       "unknown binary operator %d",
                       e->op);
    }
}

static int check_unary(chk *k, sql_expr *e)
{
    int rc;
    if (e->op == OP_NOT) {
        if ((rc = need_bool(k, e->l, "NOT")) != 0)
            return rc;
        e->type = VT_BOOL;
        return 0;
    }
    const char *n = tname(e->l);
    /* PostgreSQL cannot choose among its prefix - / + operators for an untyped literal. */
    if (is_unknown(e->l) && e->l->kind == EX_CONST && e->l->v.type == VT_TEXT)
        return sql_err(k->err, ACIDB_ERROR, ERRCODE_AMBIGUOUS_FUNCTION, e->pos,
                       "operator is not unique: %s unknown",
                       op_name(e->op));
    if ((rc = adapt(k, e->l, TY_INT8)) != 0)
        return rc;
    if (!ty_is_number(ety(e->l)) && e->l->type != VT_NULL)
        return sql_err(k->err, ACIDB_ERROR, ERRCODE_UNDEFINED_FUNCTION, e->pos,
                       "operator does not exist: %s %s",
                       op_name(e->op), n);
    set_ty(e, e->l->type != VT_NULL ? ety(e->l) : TY_INT8);
    return 0;
}

static int no_function(chk *k, const sql_expr *e, const char **names)
{
    char buf[256];
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < e->nargs && o < sizeof buf; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "", names[i]);
    return sql_err(k->err, ACIDB_ERROR, ERRCODE_UNDEFINED_FUNCTION, e->pos,
                   "function %s(%s) does not exist",
                   e->name ? e->name : "?", buf);
}

/* One argument of type t (unknown adapts; any integer width passes for an integer t): abs,
 * length, lower, upper, sum, avg. */
static int one_arg(chk *k, sql_expr *e, int t, const char **names)
{
    if (e->nargs != 1)
        return no_function(k, e, names);
    int rc = adapt(k, e->args[0], t);
    if (rc != 0)
        return rc;
    /* an integer t also takes floats: abs, sum and avg have float versions */
    if (e->args[0]->type != ty_vt(t) && e->args[0]->type != VT_NULL &&
        !(ty_is_int(t) && e->args[0]->type == VT_FLOAT))
        return no_function(k, e, names);
    return 0;
}

static int check_agg(chk *k, sql_expr *e, const char **names)
{
    int rc;
    if (e->star) {
        if (e->agg != AGG_COUNT)
            return sql_err(k->err, ACIDB_ERROR, ERRCODE_WRONG_OBJECT_TYPE, e->pos,
                           "%s(*) specified, but %s is not an aggregate function taking *",
                           e->name, e->name);
        set_ty(e, TY_INT8);
        return 0;
    }
    switch (e->agg) {
    case AGG_COUNT:
        if (e->nargs != 1)
            return no_function(k, e, names);
        set_ty(e, TY_INT8);
        return 0;
    case AGG_SUM:
        /* sum(smallint) and sum(integer) are bigint in PostgreSQL; sum(bigint) is numeric
         * there, bigint (22003 on overflow) here. */
        if ((rc = one_arg(k, e, TY_INT8, names)) != 0)
            return rc;
        /* sum(real) is real, sum(double precision) double precision */
        set_ty(e, e->args[0]->type == VT_FLOAT ? ety(e->args[0]) : TY_INT8);
        return 0;
    case AGG_AVG:
        if ((rc = one_arg(k, e, TY_INT8, names)) != 0)
            return rc;
        if (e->args[0]->type == VT_FLOAT) {
            set_ty(e, TY_FLOAT8); /* avg of real or double precision is double precision */
            return 0;
        }
        set_ty(e, TY_TEXT); /* PostgreSQL: numeric; see ex_accum_final */
        return 0;
    case AGG_MIN:
    case AGG_MAX:
        if (e->nargs != 1)
            return no_function(k, e, names);
        if ((rc = adapt(k, e->args[0], TY_TEXT)) != 0)
            return rc;
        if (e->args[0]->type == VT_BYTES) /* PostgreSQL has no min / max of bytea */
            return no_function(k, e, names);
        set_ty(e, e->args[0]->type == VT_NULL ? TY_NONE : ety(e->args[0]));
        return 0;
    default:
        return sql_err(k->err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, e->pos,
                       "unknown aggregate %d", e->agg);
    }
}

static int check_func(chk *k, sql_expr *e, int in_agg)
{
    int rc;
    if (e->agg != AGG_NONE && in_agg)
        return sql_err(k->err, ACIDB_ERROR, ERRCODE_GROUPING_ERROR, e->pos,
                       "aggregate function calls cannot be nested");
    for (int i = 0; i < e->nargs; i++)
        if ((rc = check(k, e->args[i], in_agg || e->agg != AGG_NONE)) != 0)
            return rc;
    const char **names = ar_alloc(k->a, sizeof *names * (size_t)(e->nargs + 1));
    if (names == NULL)
        return nomem(k);
    for (int i = 0; i < e->nargs; i++)
        names[i] = tname(e->args[i]);
    if (e->agg != AGG_NONE)
        return check_agg(k, e, names);
    const char *n = e->name ? e->name : "";
    if (e->star || e->distinct)
        return sql_err(k->err, ACIDB_ERROR, ERRCODE_WRONG_OBJECT_TYPE, e->pos,
                       "%s specified, but %s is not an aggregate function",
                       e->star ? "*" : "DISTINCT", n);
    int t;
    if (strcmp(n, "coalesce") == 0 || strcmp(n, "greatest") == 0 || strcmp(n, "least") == 0) {
        if (e->nargs < 1)
            return no_function(k, e, names);
        const char *ctx = n[0] == 'c' ? "COALESCE" : n[0] == 'g' ? "GREATEST" : "LEAST";
        if ((rc = unify_results(k, e->args, e->nargs, ctx, &t)) != 0)
            return rc;
        set_ty(e, t);
        return 0;
    }
    if (strcmp(n, "nullif") == 0) {
        if (e->nargs != 2)
            return no_function(k, e, names);
        if ((rc = unify_compared(k, e->args, 2, "=", e->pos)) != 0)
            return rc;
        set_ty(e, e->args[0]->type == VT_NULL ? TY_NONE : ety(e->args[0]));
        return 0;
    }
    if (strcmp(n, "abs") == 0) {
        if ((rc = one_arg(k, e, TY_INT8, names)) != 0)
            return rc;
        set_ty(e, e->args[0]->type != VT_NULL ? ety(e->args[0]) : TY_INT8);
        return 0;
    }
    if ((strcmp(n, "length") == 0 || strcmp(n, "octet_length") == 0) && e->nargs == 1 &&
        e->args[0]->type == VT_BYTES) {
        set_ty(e, TY_INT4); /* bytes */
        return 0;
    }
    if (strcmp(n, "gen_random_uuid") == 0) {
        if (e->nargs != 0)
            return no_function(k, e, names);
        set_ty(e, TY_UUID);
        return 0;
    }
    if (strcmp(n, "encode") == 0 || strcmp(n, "decode") == 0) {
        /* encode(bytea, text) -> text, decode(text, text) -> bytea */
        int enc = n[0] == 'e';
        if (e->nargs != 2)
            return no_function(k, e, names);
        if ((rc = adapt(k, e->args[0], enc ? TY_BYTEA : TY_TEXT)) != 0 ||
            (rc = adapt(k, e->args[1], TY_TEXT)) != 0)
            return rc;
        if ((e->args[0]->type != (enc ? VT_BYTES : VT_TEXT) && e->args[0]->type != VT_NULL) ||
            (e->args[1]->type != VT_TEXT && e->args[1]->type != VT_NULL))
            return no_function(k, e, names);
        set_ty(e, enc ? TY_TEXT : TY_BYTEA);
        return 0;
    }
    if (strcmp(n, "octet_length") == 0) {
        if ((rc = one_arg(k, e, TY_TEXT, names)) != 0)
            return rc;
        set_ty(e, TY_INT4);
        return 0;
    }
    if (strcmp(n, "length") == 0 || strcmp(n, "char_length") == 0 ||
        strcmp(n, "character_length") == 0) {
        if ((rc = one_arg(k, e, TY_TEXT, names)) != 0)
            return rc;
        set_ty(e, TY_INT4); /* PostgreSQL's length(text) returns integer */
        return 0;
    }
    if (strcmp(n, "lower") == 0 || strcmp(n, "upper") == 0) {
        if ((rc = one_arg(k, e, VT_TEXT, names)) != 0)
            return rc;
        e->type = VT_TEXT;
        return 0;
    }
    return no_function(k, e, names);
}

static int check_case(chk *k, sql_expr *e, int in_agg)
{
    int rc, n = e->nargs / 2;
    if (e->l && (rc = check(k, e->l, in_agg)) != 0)
        return rc;
    for (int i = 0; i < e->nargs; i++)
        if ((rc = check(k, e->args[i], in_agg)) != 0)
            return rc;
    if (e->r && (rc = check(k, e->r, in_agg)) != 0)
        return rc;
    if (e->l) {
        /* CASE x WHEN v ...: x = v for each v. */
        sql_expr **xs = ar_alloc(k->a, sizeof *xs * (size_t)(n + 1));
        if (xs == NULL)
            return nomem(k);
        xs[0] = e->l;
        for (int i = 0; i < n; i++)
            xs[i + 1] = e->args[2 * i];
        if ((rc = unify_compared(k, xs, n + 1, "=", e->pos)) != 0)
            return rc;
    } else {
        for (int i = 0; i < n; i++)
            if ((rc = need_bool(k, e->args[2 * i], "CASE/WHEN")) != 0)
                return rc;
    }
    /* PostgreSQL considers ELSE first when choosing the result type. */
    sql_expr **rs = ar_alloc(k->a, sizeof *rs * (size_t)(n + 1));
    if (rs == NULL)
        return nomem(k);
    int m = 0;
    if (e->r)
        rs[m++] = e->r;
    for (int i = 0; i < n; i++)
        rs[m++] = e->args[2 * i + 1];
    int t;
    if ((rc = unify_results(k, rs, m, "CASE", &t)) != 0)
        return rc;
    set_ty(e, t);
    return 0;
}

static int check(chk *k, sql_expr *e, int in_agg)
{
    int rc;
    switch (e->kind) {
    case EX_CONST:
        if (e->param != SQL_DEFAULT_MARK && e->v.type != VT_NULL) {
            e->type = e->v.type;
            /* An integer literal is integer when it fits 32 bits, else bigint; a string
             * literal converted by adapt keeps the type it was given. */
            if (e->type == VT_INT && e->tid == TY_NONE)
                e->tid = (uint8_t)ty_int_literal(e->v.u.i);
        }
        return 0;
    case EX_PARAM:
    case EX_COLUMN:
        return 0;
    case EX_UNARY:
        if ((rc = check(k, e->l, in_agg)) != 0)
            return rc;
        return check_unary(k, e);
    case EX_BINARY:
        if ((rc = check(k, e->l, in_agg)) != 0 || (rc = check(k, e->r, in_agg)) != 0)
            return rc;
        return check_binary(k, e);
    case EX_IS_NULL:
        if ((rc = check(k, e->l, in_agg)) != 0)
            return rc;
        e->type = VT_BOOL;
        return 0;
    case EX_IS_BOOL: {
        if ((rc = check(k, e->l, in_agg)) != 0)
            return rc;
        char what[16];
        snprintf(what, sizeof what, "IS %s%s", e->negate ? "NOT " : "",
                 e->v.u.i ? "TRUE" : "FALSE");
        if ((rc = need_bool(k, e->l, what)) != 0)
            return rc;
        e->type = VT_BOOL;
        return 0;
    }
    case EX_BETWEEN:
    case EX_IN: {
        if ((rc = check(k, e->l, in_agg)) != 0)
            return rc;
        for (int i = 0; i < e->nargs; i++)
            if ((rc = check(k, e->args[i], in_agg)) != 0)
                return rc;
        sql_expr **xs = ar_alloc(k->a, sizeof *xs * (size_t)(e->nargs + 1));
        if (xs == NULL)
            return nomem(k);
        xs[0] = e->l;
        for (int i = 0; i < e->nargs; i++)
            xs[i + 1] = e->args[i];
        rc = unify_compared(k, xs, e->nargs + 1, e->kind == EX_IN ? "=" : ">=", e->pos);
        if (rc != 0)
            return rc;
        e->type = VT_BOOL;
        return 0;
    }
    case EX_LIKE: {
        if ((rc = check(k, e->l, in_agg)) != 0 || (rc = check(k, e->r, in_agg)) != 0)
            return rc;
        if (e->nargs > 0 && (rc = check(k, e->args[0], in_agg)) != 0)
            return rc;
        const char *ln = tname(e->l), *rn = tname(e->r);
        if ((rc = adapt(k, e->l, VT_TEXT)) != 0 || (rc = adapt(k, e->r, VT_TEXT)) != 0)
            return rc;
        /* PostgreSQL's names for LIKE, NOT LIKE, ILIKE, NOT ILIKE. */
        const char *op = e->ilike ? (e->negate ? "!~~*" : "~~*") : (e->negate ? "!~~" : "~~");
        if ((e->l->type != VT_TEXT && e->l->type != VT_NULL) ||
            (e->r->type != VT_TEXT && e->r->type != VT_NULL))
            return no_operator(k, e->pos, ln, op, rn);
        if (e->nargs > 0) {
            sql_expr *esc = e->args[0];
            const char *en = tname(esc);
            if ((rc = adapt(k, esc, VT_TEXT)) != 0)
                return rc;
            if (esc->type != VT_TEXT && esc->type != VT_NULL)
                return sql_err(k->err, ACIDB_ERROR, ERRCODE_UNDEFINED_FUNCTION, esc->pos,
                               "function like_escape(text, %s) does not exist", en);
        }
        e->type = VT_BOOL;
        return 0;
    }
    case EX_CASE:
        return check_case(k, e, in_agg);
    case EX_FUNC:
        return check_func(k, e, in_agg);
    case EX_CAST:
        if ((rc = check(k, e->l, in_agg)) != 0)
            return rc;
        if ((rc = adapt(k, e->l, e->cast_type)) != 0)
            return rc;
        set_ty(e, e->cast_type);
        return 0;
    default:
        return sql_err(k->err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, e->pos,
                       "unknown expression kind %d",
                       e->kind);
    }
}

int ex_check_clause(sql_expr *e, int want, const char *clause, arena *a, sql_error *err)
{
    chk k = {a, err};
    int rc = check(&k, e, 0);
    if (rc != 0)
        return rc;
    if (want == VT_BOOL)
        return need_bool(&k, e, clause ? clause : "WHERE");
    if ((rc = adapt(&k, e, want)) != 0)
        return rc;
    /* a fraction literal nothing converted (SELECT 1.5) */
    return is_numlit(e) ? numlit_err(&k, e) : 0;
}

int ex_check(sql_expr *e, int want, arena *a, sql_error *err)
{
    return ex_check_clause(e, want, "WHERE", a, err);
}
