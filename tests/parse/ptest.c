/*
 * ptest.c — helpers of the parse suite (see ptest.h).
 */
#include "tests/parse/ptest.h"

#include <stdio.h>
#include <string.h>

arena pt_arena;

void pt_setup(void) { ar_init(&pt_arena); }
void pt_teardown(void) { ar_free(&pt_arena); }

sql_stmt *pt_ok(const char *sql)
{
    sql_error err;
    sql_stmt *st = NULL;
    size_t next = 0;
    int rc = sql_parse(sql, strlen(sql), 0, &pt_arena, &st, &next, &err);
    cr_assert_eq(rc, ACIDB_OK, "%s\n  -> %d %s: %s (pos %d)", sql, rc, err.state, err.msg,
                 err.pos);
    cr_assert_not_null(st, "%s: no statement", sql);
    return st;
}

int pt_fail(const char *sql, sql_error *err)
{
    sql_stmt *st = NULL;
    size_t next = 0;
    int rc = sql_parse(sql, strlen(sql), 0, &pt_arena, &st, &next, err);
    cr_assert_neq(rc, ACIDB_OK, "%s: parsed, expected an error", sql);
    cr_assert_null(st);
    return rc;
}

void pt_expect_err(const char *sql, int code, const char *state, int pos1, const char *msg)
{
    sql_error err;
    int rc = pt_fail(sql, &err);
    cr_assert_eq(rc, code, "%s: code %d, expected %d (%s: %s)", sql, rc, code, err.state,
                 err.msg);
    cr_assert_eq(err.code, code);
    cr_assert_str_eq(err.state, state, "%s: state %s (%s)", sql, err.state, err.msg);
    cr_assert_eq(err.pos, pos1, "%s: pos %d, expected %d (%s)", sql, err.pos, pos1, err.msg);
    if (msg)
        cr_assert_str_eq(err.msg, msg, "%s", sql);
}

static const char *op_name(int op)
{
    static const char *names[] = {"?", "OR", "AND", "NOT", "=", "<>", "<", "<=", ">", ">=",
                                  "+", "-", "*", "/", "%", "||", "-", "+"};
    return op >= 0 && op < (int)(sizeof names / sizeof names[0]) ? names[op] : "?";
}

static const char *type_name(int tid)
{
    return tid > TY_NONE && tid < TY_COUNT ? ty_get(tid)->typname : "?";
}

static void put(char **o, char *end, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#include <stdarg.h>
static void put(char **o, char *end, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*o, (size_t)(end - *o), fmt, ap);
    va_end(ap);
    if (n > 0)
        *o += n < end - *o ? n : end - *o - 1;
}

static void pr(const sql_expr *e, char **o, char *end)
{
    if (e == NULL) {
        put(o, end, "<null>");
        return;
    }
    switch (e->kind) {
    case EX_CONST:
        if (e->param == SQL_DEFAULT_MARK)
            put(o, end, "DEFAULT");
        else if (e->v.type == VT_INT)
            put(o, end, "%lld", (long long)e->v.u.i);
        else if (e->v.type == VT_TEXT && e->tid == TY_NUMERIC)
            put(o, end, "%.*s", (int)e->v.len, e->v.u.s); /* 1.5, -1e3: a numeric literal */
        else if (e->v.type == VT_TEXT)
            put(o, end, "'%.*s'", (int)e->v.len, e->v.u.s);
        else if (e->v.type == VT_BOOL)
            put(o, end, "%s", e->v.u.i ? "TRUE" : "FALSE");
        else
            put(o, end, "NULL");
        break;
    case EX_PARAM: put(o, end, "$%d", e->param); break;
    case EX_COLUMN:
        if (e->table)
            put(o, end, "%s.", e->table);
        put(o, end, "%s", e->name);
        break;
    case EX_UNARY:
        put(o, end, "(%s ", op_name(e->op));
        pr(e->l, o, end);
        put(o, end, ")");
        break;
    case EX_BINARY:
        put(o, end, "(");
        pr(e->l, o, end);
        put(o, end, " %s ", op_name(e->op));
        pr(e->r, o, end);
        put(o, end, ")");
        break;
    case EX_IS_NULL:
    case EX_IS_BOOL:
        put(o, end, "(");
        pr(e->l, o, end);
        put(o, end, " IS %s%s)", e->negate ? "NOT " : "",
            e->kind == EX_IS_NULL ? "NULL" : e->v.u.i ? "TRUE" : "FALSE");
        break;
    case EX_BETWEEN:
        put(o, end, "(");
        pr(e->l, o, end);
        put(o, end, " %sBETWEEN ", e->negate ? "NOT " : "");
        pr(e->args[0], o, end);
        put(o, end, " AND ");
        pr(e->args[1], o, end);
        put(o, end, ")");
        break;
    case EX_IN:
        put(o, end, "(");
        pr(e->l, o, end);
        put(o, end, " %sIN (", e->negate ? "NOT " : "");
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                put(o, end, ", ");
            pr(e->args[i], o, end);
        }
        put(o, end, "))");
        break;
    case EX_LIKE:
        put(o, end, "(");
        pr(e->l, o, end);
        put(o, end, " %s%s ", e->negate ? "NOT " : "", e->ilike ? "ILIKE" : "LIKE");
        pr(e->r, o, end);
        if (e->nargs) {
            put(o, end, " ESCAPE ");
            pr(e->args[0], o, end);
        }
        put(o, end, ")");
        break;
    case EX_CASE:
        put(o, end, "(CASE");
        if (e->l) {
            put(o, end, " ");
            pr(e->l, o, end);
        }
        for (int i = 0; i + 1 < e->nargs; i += 2) {
            put(o, end, " WHEN ");
            pr(e->args[i], o, end);
            put(o, end, " THEN ");
            pr(e->args[i + 1], o, end);
        }
        if (e->r) {
            put(o, end, " ELSE ");
            pr(e->r, o, end);
        }
        put(o, end, " END)");
        break;
    case EX_FUNC:
        put(o, end, "%s(%s", e->name, e->distinct ? "DISTINCT " : "");
        if (e->star)
            put(o, end, "*");
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                put(o, end, ", ");
            pr(e->args[i], o, end);
        }
        put(o, end, ")");
        break;
    case EX_CAST:
        put(o, end, "(");
        pr(e->l, o, end);
        put(o, end, "::%s)", type_name(e->cast_type));
        break;
    default: put(o, end, "<kind %d>", e->kind); break;
    }
}

const char *pt_expr(const sql_expr *e)
{
    static char buf[8192];
    char *o = buf;
    buf[0] = '\0';
    pr(e, &o, buf + sizeof buf);
    return buf;
}

const char *pt_sel(const char *expr_text)
{
    char sql[4096];
    snprintf(sql, sizeof sql, "SELECT %s", expr_text);
    sql_stmt *st = pt_ok(sql);
    cr_assert_eq(st->kind, STMT_SELECT);
    cr_assert_eq(st->u.select.ntargets, 1, "%s: %d targets", sql, st->u.select.ntargets);
    return pt_expr(st->u.select.targets[0].e);
}
