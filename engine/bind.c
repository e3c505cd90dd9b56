/*
 * bind.c — name resolution of expressions (see bind.h).
 */
#include "engine/bind.h"

#include <string.h>

#include "engine/acidb.h"
#include "engine/expr.h"
#include "engine/sqlstate.h"

static int agg_of(const char *name)
{
    if (strcmp(name, "count") == 0)
        return AGG_COUNT;
    if (strcmp(name, "sum") == 0)
        return AGG_SUM;
    if (strcmp(name, "min") == 0)
        return AGG_MIN;
    if (strcmp(name, "max") == 0)
        return AGG_MAX;
    if (strcmp(name, "avg") == 0)
        return AGG_AVG;
    return AGG_NONE;
}

static int resolve_column(bind_scope *s, sql_expr *e)
{
    int found_src = -1, found_col = -1;
    if (e->table != NULL) {
        for (int i = 0; i < s->nsrc; i++)
            if (strcmp(s->src[i].name, e->table) == 0) {
                found_src = i;
                break;
            }
        if (found_src < 0) {
            /* PostgreSQL tells apart a table hidden by its alias from one not in FROM. */
            for (int i = 0; i < s->nsrc; i++)
                if (strcmp(s->src[i].t->name, e->table) == 0)
                    return sql_err(s->err, ACIDB_ERROR, ERRCODE_UNDEFINED_TABLE, e->pos,
                                   "invalid reference to FROM-clause entry for table \"%s\"\n"
                                   "HINT:  Perhaps you meant to reference the table alias \"%s\".",
                                   e->table, s->src[i].name);
            return sql_err(s->err, ACIDB_ERROR, ERRCODE_UNDEFINED_TABLE, e->pos,
                           "missing FROM-clause entry for table \"%s\"", e->table);
        }
        found_col = cat_col_index(s->src[found_src].t, e->name);
        if (found_col < 0)
            return sql_err(s->err, ACIDB_ERROR, ERRCODE_UNDEFINED_COLUMN, e->pos,
                           "column %s.%s does not exist", e->table, e->name);
    } else {
        for (int i = 0; i < s->nsrc; i++) {
            int c = cat_col_index(s->src[i].t, e->name);
            if (c < 0)
                continue;
            if (found_src >= 0)
                return sql_err(s->err, ACIDB_ERROR, ERRCODE_AMBIGUOUS_COLUMN, e->pos,
                               "column reference \"%s\" is ambiguous", e->name);
            found_src = i;
            found_col = c;
        }
        if (found_src < 0)
            return sql_err(s->err, ACIDB_ERROR, ERRCODE_UNDEFINED_COLUMN, e->pos,
                           "column \"%s\" does not exist",
                           e->name);
    }
    e->src = found_src;
    e->col = found_col;
    e->type = s->src[found_src].t->cols[found_col].type;
    e->tid = s->src[found_src].t->cols[found_col].tid;
    return ACIDB_OK;
}

static int add_agg(bind_scope *s, sql_expr *e)
{
    if (s->naggs == s->cap_aggs) {
        int cap = s->cap_aggs ? s->cap_aggs * 2 : 8;
        sql_expr **n = ar_alloc(s->a, (size_t)cap * sizeof *n);
        if (n == NULL)
            return sql_err_nomem(s->err, NULL);
        if (s->naggs)
            memcpy(n, s->aggs, (size_t)s->naggs * sizeof *n);
        s->aggs = n;
        s->cap_aggs = cap;
    }
    e->slot = s->naggs;
    s->aggs[s->naggs++] = e;
    return ACIDB_OK;
}

static int names(bind_scope *s, sql_expr *e, int in_agg)
{
    if (e == NULL)
        return ACIDB_OK;
    int rc;
    switch (e->kind) {
    case EX_COLUMN:
        return resolve_column(s, e);
    case EX_PARAM:
        if (!s->allow_params)
            return sql_err(s->err, ACIDB_ERROR, ERRCODE_UNDEFINED_PARAMETER, e->pos,
                           "there is no parameter $%d", e->param);
        return ACIDB_OK;
    case EX_FUNC: {
        int agg = agg_of(e->name);
        e->agg = (uint8_t)agg;
        if (agg != AGG_NONE) {
            if (in_agg)
                return sql_err(s->err, ACIDB_ERROR, ERRCODE_GROUPING_ERROR, e->pos,
                               "aggregate function calls cannot be nested");
            if (!s->allow_aggs)
                return sql_err(s->err, ACIDB_ERROR, ERRCODE_GROUPING_ERROR, e->pos,
                               "aggregate functions are not allowed in %s",
                               s->clause ? s->clause : "this context");
            if (e->star && agg != AGG_COUNT)
                return sql_err(s->err, ACIDB_ERROR, ERRCODE_WRONG_OBJECT_TYPE, e->pos,
                               "%s(*) specified, but %s is not an aggregate function without "
                               "arguments", e->name, e->name);
            if (!e->star && e->nargs != 1)
                return sql_err(s->err, ACIDB_ERROR, ERRCODE_UNDEFINED_FUNCTION, e->pos,
                               "function %s with %d arguments does not exist", e->name,
                               e->nargs);
            if ((rc = add_agg(s, e)) != ACIDB_OK)
                return rc;
            in_agg = 1;
        } else if (e->star || e->distinct) {
            return sql_err(s->err, ACIDB_ERROR, ERRCODE_WRONG_OBJECT_TYPE, e->pos,
                           "%s is not an aggregate function", e->name);
        }
        break;
    }
    default:
        break;
    }
    if ((rc = names(s, e->l, in_agg)) != ACIDB_OK || (rc = names(s, e->r, in_agg)) != ACIDB_OK)
        return rc;
    for (int i = 0; i < e->nargs; i++)
        if ((rc = names(s, e->args[i], in_agg)) != ACIDB_OK)
            return rc;
    return ACIDB_OK;
}

int bind_names(bind_scope *s, sql_expr *e) { return names(s, e, 0); }

int bind_expr(bind_scope *s, sql_expr *e, int want)
{
    int rc = names(s, e, 0);
    if (rc != ACIDB_OK)
        return rc;
    return ex_check_clause(e, want, s->clause, s->a, s->err);
}

int bind_refs_from(const sql_expr *e, int min_src)
{
    if (e == NULL)
        return 0;
    if (e->kind == EX_COLUMN && e->src >= min_src)
        return 1;
    if (e->kind == EX_FUNC && e->agg != AGG_NONE)
        return 1; /* an aggregate is only known after the whole scan */
    if (bind_refs_from(e->l, min_src) || bind_refs_from(e->r, min_src))
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (bind_refs_from(e->args[i], min_src))
            return 1;
    return 0;
}

int bind_has_agg(const sql_expr *e)
{
    if (e == NULL)
        return 0;
    if (e->kind == EX_FUNC && agg_of(e->name) != AGG_NONE)
        return 1;
    if (bind_has_agg(e->l) || bind_has_agg(e->r))
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (bind_has_agg(e->args[i]))
            return 1;
    return 0;
}
