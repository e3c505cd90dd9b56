/*
 * build.c — see build.h.
 */
#include "tests/expr/build.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

arena T;
sql_error ERR;
value ROW[16];
value PARAMS[8];
int NPARAMS;

void t_init(void)
{
    ar_init(&T);
    sql_err_clear(&ERR);
    for (int i = 0; i < 16; i++)
        ROW[i] = val_null();
    for (int i = 0; i < 8; i++)
        PARAMS[i] = val_null();
    NPARAMS = 0;
}

void t_fini(void) { ar_free(&T); }

static sql_expr *node(int kind)
{
    sql_expr *e = ar_alloc(&T, sizeof *e);
    cr_assert_not_null(e);
    e->kind = (uint8_t)kind;
    e->slot = -1;
    return e;
}

static sql_expr **list(int n, va_list ap)
{
    sql_expr **a = ar_alloc(&T, sizeof *a * (size_t)(n + 1));
    for (int i = 0; i < n; i++)
        a[i] = va_arg(ap, sql_expr *);
    return a;
}

sql_expr *x_int(int64_t i) { sql_expr *e = node(EX_CONST); e->v = val_int(i); return e; }
sql_expr *x_bool(int b) { sql_expr *e = node(EX_CONST); e->v = val_bool(b); return e; }
sql_expr *x_null(void) { return node(EX_CONST); }

sql_expr *x_textn(const char *s, uint32_t n)
{
    sql_expr *e = node(EX_CONST);
    e->v = val_text(ar_strndup(&T, s, n), n);
    return e;
}

sql_expr *x_text(const char *s) { return x_textn(s, (uint32_t)strlen(s)); }

sql_expr *x_param(int n) { sql_expr *e = node(EX_PARAM); e->param = n; return e; }

sql_expr *x_col(int col, int type)
{
    sql_expr *e = node(EX_COLUMN);
    e->src = 0;
    e->col = col;
    e->type = (uint8_t)ty_vt(type); /* type: a type id (VT_INT is bigint, TY_INT4 integer) */
    e->tid = (uint8_t)type;
    e->name = "c";
    return e;
}

sql_expr *x_bin(int op, sql_expr *l, sql_expr *r)
{
    sql_expr *e = node(EX_BINARY);
    e->op = (uint8_t)op;
    e->l = l;
    e->r = r;
    return e;
}

sql_expr *x_un(int op, sql_expr *l)
{
    sql_expr *e = node(EX_UNARY);
    e->op = (uint8_t)op;
    e->l = l;
    return e;
}

sql_expr *x_isnull(sql_expr *l, int negate)
{
    sql_expr *e = node(EX_IS_NULL);
    e->l = l;
    e->negate = (uint8_t)negate;
    return e;
}

sql_expr *x_isbool(sql_expr *l, int which, int negate)
{
    sql_expr *e = node(EX_IS_BOOL);
    e->l = l;
    e->v = val_int(which);
    e->negate = (uint8_t)negate;
    return e;
}

sql_expr *x_between(sql_expr *l, sql_expr *a, sql_expr *b, int negate)
{
    sql_expr *e = node(EX_BETWEEN);
    e->l = l;
    e->args = ar_alloc(&T, 2 * sizeof *e->args);
    e->args[0] = a;
    e->args[1] = b;
    e->nargs = 2;
    e->negate = (uint8_t)negate;
    return e;
}

sql_expr *x_in(sql_expr *l, int negate, int n, ...)
{
    sql_expr *e = node(EX_IN);
    va_list ap;
    va_start(ap, n);
    e->args = list(n, ap);
    va_end(ap);
    e->nargs = n;
    e->l = l;
    e->negate = (uint8_t)negate;
    return e;
}

sql_expr *x_like(sql_expr *l, sql_expr *pat, sql_expr *esc, int negate, int ilike)
{
    sql_expr *e = node(EX_LIKE);
    e->l = l;
    e->r = pat;
    if (esc) {
        e->args = ar_alloc(&T, sizeof *e->args);
        e->args[0] = esc;
        e->nargs = 1;
    }
    e->negate = (uint8_t)negate;
    e->ilike = (uint8_t)ilike;
    return e;
}

sql_expr *x_case(sql_expr *operand, sql_expr *els, int npairs, ...)
{
    sql_expr *e = node(EX_CASE);
    va_list ap;
    va_start(ap, npairs);
    e->args = list(2 * npairs, ap);
    va_end(ap);
    e->nargs = 2 * npairs;
    e->l = operand;
    e->r = els;
    return e;
}

sql_expr *x_func(const char *name, int n, ...)
{
    sql_expr *e = node(EX_FUNC);
    va_list ap;
    va_start(ap, n);
    e->args = list(n, ap);
    va_end(ap);
    e->nargs = n;
    e->name = name;
    return e;
}

sql_expr *x_agg(int agg, const char *name, int slot, sql_expr *arg)
{
    sql_expr *e = node(EX_FUNC);
    e->name = name;
    e->agg = (uint8_t)agg;
    e->slot = slot;
    if (arg) {
        e->args = ar_alloc(&T, sizeof *e->args);
        e->args[0] = arg;
        e->nargs = 1;
    } else {
        e->star = 1;
    }
    return e;
}

sql_expr *x_cast(sql_expr *l, int type)
{
    sql_expr *e = node(EX_CAST);
    e->l = l;
    e->cast_type = (uint8_t)type;
    return e;
}

sql_expr *at(sql_expr *e, int32_t pos)
{
    e->pos = pos;
    return e;
}

int t_eval(sql_expr *e, const value *aggs, value *out)
{
    const value *rows[1] = {ROW};
    ex_ctx c = {rows, PARAMS, NPARAMS, aggs, &T, &ERR};
    return ex_eval(e, &c, out);
}

int t_run_want(sql_expr *e, int want, value *out)
{
    sql_err_clear(&ERR);
    int rc = ex_check(e, want, &T, &ERR);
    if (rc != 0)
        return rc;
    return t_eval(e, NULL, out);
}

int t_run(sql_expr *e, value *out) { return t_run_want(e, VT_NULL, out); }

static value run_ok(sql_expr *e, const char *what)
{
    value v;
    int rc = t_run(e, &v);
    cr_assert_eq(rc, 0, "%s: failed %d %s %s", what, rc, ERR.state, ERR.msg);
    return v;
}

void t_is_int(sql_expr *e, int64_t want, const char *what)
{
    value v = run_ok(e, what);
    cr_assert_eq(v.type, VT_INT, "%s: type %d", what, v.type);
    cr_assert_eq(v.u.i, want, "%s: %lld, want %lld", what, (long long)v.u.i, (long long)want);
}

void t_is_bool(sql_expr *e, int want, const char *what)
{
    value v = run_ok(e, what);
    if (want < 0) {
        cr_assert_eq(v.type, VT_NULL, "%s: want NULL, got type %d (%lld)", what, v.type,
                     (long long)v.u.i);
        return;
    }
    cr_assert_eq(v.type, VT_BOOL, "%s: want boolean, got type %d", what, v.type);
    cr_assert_eq(v.u.i, want, "%s: got %lld, want %d", what, (long long)v.u.i, want);
}

void t_is_null(sql_expr *e, const char *what)
{
    value v = run_ok(e, what);
    cr_assert_eq(v.type, VT_NULL, "%s: want NULL, got type %d", what, v.type);
}

void t_is_text(sql_expr *e, const char *want, const char *what)
{
    value v = run_ok(e, what);
    cr_assert_eq(v.type, VT_TEXT, "%s: want text, got type %d", what, v.type);
    cr_assert(v.len == strlen(want) && memcmp(v.u.s, want, v.len) == 0,
              "%s: got \"%.*s\", want \"%s\"", what, (int)v.len, v.u.s, want);
}

void t_fails(sql_expr *e, const char *state, const char *what)
{
    value v;
    int rc = t_run(e, &v);
    cr_assert_neq(rc, 0, "%s: succeeded, want %s", what, state);
    cr_assert_eq(rc, ERR.code, "%s", what);
    cr_assert_str_eq(ERR.state, state, "%s: %s (%s)", what, ERR.state, ERR.msg);
}
