/*
 * plan.c — the binder and planner: resolves a parsed statement against a catalog version,
 * checks its types, and chooses each FROM item's access path (stmt.h).
 */
#include <string.h>

#include "engine/expr.h"
#include "engine/stmt.h"
#include "engine/sqlstate.h"

static sql_expr *new_column(arena *a, const char *table, const char *name, int32_t pos)
{
    sql_expr *e = ar_alloc(a, sizeof *e);
    if (e != NULL) {
        e->kind = EX_COLUMN;
        e->table = table;
        e->name = name;
        e->pos = pos;
        e->src = e->col = -1;
    }
    return e;
}

/* Structural equality (GROUP BY matching, DISTINCT + ORDER BY). */
static int expr_equal(const sql_expr *a, const sql_expr *b)
{
    if (a == b)
        return 1;
    if (a == NULL || b == NULL || a->kind != b->kind || a->op != b->op || a->negate != b->negate ||
        a->nargs != b->nargs || a->star != b->star || a->distinct != b->distinct ||
        a->cast_type != b->cast_type)
        return 0;
    switch (a->kind) {
    case EX_COLUMN:
        return a->src == b->src && a->col == b->col;
    case EX_CONST:
        return a->v.type == b->v.type && val_cmp(&a->v, &b->v) == 0;
    case EX_PARAM:
        return a->param == b->param;
    case EX_FUNC:
        if (strcmp(a->name, b->name) != 0)
            return 0;
        break;
    default:
        break;
    }
    if (!expr_equal(a->l, b->l) || !expr_equal(a->r, b->r))
        return 0;
    for (int i = 0; i < a->nargs; i++)
        if (!expr_equal(a->args[i], b->args[i]))
            return 0;
    return 1;
}

static const char *output_name(const sql_expr *e)
{
    switch (e->kind) {
    case EX_COLUMN:
        return e->name;
    case EX_FUNC:
        return e->name;
    case EX_CASE:
        return "case";
    case EX_CAST:
        if (e->l && e->l->kind == EX_COLUMN)
            return e->l->name;
        return ty_get(e->cast_type)->typname; /* PostgreSQL names the column int4, bool, ... */
    default:
        return "?column?";
    }
}

/* GROUP BY validity: every column reference outside an aggregate must be inside an
 * expression that is grouped on. */
static int check_grouped(const sel_plan *p, const sql_expr *e, sql_error *err)
{
    if (e == NULL)
        return ACIDB_OK;
    for (int i = 0; i < p->ngroup; i++)
        if (expr_equal(p->group[i], e))
            return ACIDB_OK;
    if (e->kind == EX_FUNC && e->agg != AGG_NONE)
        return ACIDB_OK;
    if (e->kind == EX_COLUMN)
        return sql_err(err, ACIDB_ERROR, ERRCODE_GROUPING_ERROR, e->pos,
                       "column \"%s.%s\" must appear in the GROUP BY clause or be used in an "
                       "aggregate function", p->bsrc[e->src].name, e->name);
    int rc;
    if ((rc = check_grouped(p, e->l, err)) != ACIDB_OK || (rc = check_grouped(p, e->r, err)) != ACIDB_OK)
        return rc;
    for (int i = 0; i < e->nargs; i++)
        if ((rc = check_grouped(p, e->args[i], err)) != ACIDB_OK)
            return rc;
    return ACIDB_OK;
}

static int push_expr(arena *a, sql_expr ***arr, int *n, int *cap, sql_expr *e)
{
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 8;
        sql_expr **na = ar_alloc(a, (size_t)nc * sizeof *na);
        if (na == NULL)
            return -1;
        if (*n)
            memcpy(na, *arr, (size_t)*n * sizeof *na);
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = e;
    return 0;
}

/* Splits an AND tree into conjuncts and files each under the last FROM item it needs. */
static int add_conjuncts(arena *a, sel_plan *p, sql_expr *e)
{
    if (e == NULL)
        return 0;
    if (e->kind == EX_BINARY && e->op == OP_AND)
        return add_conjuncts(a, p, e->l) || add_conjuncts(a, p, e->r);
    int level = -1;
    for (int i = p->nsrc - 1; i >= 0; i--)
        if (bind_refs_from(e, i)) {
            level = i;
            break;
        }
    if (level < 0)
        return push_expr(a, &p->const_filters, &p->nconst, &p->cap_const, e);
    plan_src *s = &p->src[level];
    return push_expr(a, &s->filters, &s->nfilters, &s->cap_filters, e);
}

/* Whether e is `column c of item i`. */
static int is_col(const sql_expr *e, int i, int c)
{
    return e->kind == EX_COLUMN && e->src == i && e->col == c;
}

/* A conjunct of item i usable as `col op value`: returns op normalised with the column on the
 * left (or OP_NONE), and the value side. */
static int match_cmp(const sql_expr *f, int i, int col, const sql_expr **val)
{
    if (f->kind != EX_BINARY)
        return OP_NONE;
    int op = f->op;
    if (op != OP_EQ && op != OP_LT && op != OP_LE && op != OP_GT && op != OP_GE)
        return OP_NONE;
    /* A value of another representation (an integer against a float column) is compared as
     * the evaluator compares it, not through the column's key encoding: no index use. */
    if (f->l->type != f->r->type && f->l->type != VT_NULL && f->r->type != VT_NULL)
        return OP_NONE;
    /* CHAR(n) keys hold the padded value; a comparison ignores trailing blanks: no index. */
    if (f->l->tid == TY_BPCHAR || f->r->tid == TY_BPCHAR)
        return OP_NONE;
    if (is_col(f->l, i, col) && !bind_refs_from(f->r, i)) {
        *val = f->r;
        return op;
    }
    if (is_col(f->r, i, col) && !bind_refs_from(f->l, i)) {
        *val = f->l;
        switch (op) { /* mirror: 5 < x is x > 5 */
        case OP_LT: return OP_GT;
        case OP_LE: return OP_GE;
        case OP_GT: return OP_LT;
        case OP_GE: return OP_LE;
        default: return op;
        }
    }
    return OP_NONE;
}

/* Range bounds on column col of item i from the item's conjuncts (incl. BETWEEN). */
static int find_range(plan_src *s, int i, int col)
{
    int found = 0;
    for (int k = 0; k < s->nfilters; k++) {
        sql_expr *f = s->filters[k];
        const sql_expr *v = NULL;
        if (f->kind == EX_BETWEEN && !f->negate && is_col(f->l, i, col) &&
            f->args[0]->type == f->l->type && f->args[1]->type == f->l->type &&
            f->l->tid != TY_BPCHAR &&
            !bind_refs_from(f->args[0], i) && !bind_refs_from(f->args[1], i)) {
            s->lo = f->args[0];
            s->lo_incl = 1;
            s->hi = f->args[1];
            s->hi_incl = 1;
            return 1;
        }
        switch (match_cmp(f, i, col, &v)) {
        case OP_GT: case OP_GE:
            if (s->lo == NULL) {
                s->lo = (sql_expr *)v;
                s->lo_incl = match_cmp(f, i, col, &v) == OP_GE;
                found = 1;
            }
            break;
        case OP_LT: case OP_LE:
            if (s->hi == NULL) {
                s->hi = (sql_expr *)v;
                s->hi_incl = match_cmp(f, i, col, &v) == OP_LE;
                found = 1;
            }
            break;
        default:
            break;
        }
    }
    return found;
}

static sql_expr *find_eq(plan_src *s, int i, int col)
{
    for (int k = 0; k < s->nfilters; k++) {
        const sql_expr *v = NULL;
        if (match_cmp(s->filters[k], i, col, &v) == OP_EQ)
            return (sql_expr *)v;
    }
    return NULL;
}

static void choose_path(sel_plan *p, int i)
{
    plan_src *s = &p->src[i];
    cat_table *t = s->t;
    s->ap = AP_FULL;
    if (t->rowid_col >= 0 && (s->eq[0] = find_eq(s, i, t->rowid_col)) != NULL) {
        s->ap = AP_ROWID_EQ;
        s->neq = 1;
        s->point = 1;
        return;
    }
    /* The index with the longest equality prefix; a unique full match is a point lookup. */
    cat_index *best = NULL;
    int best_n = 0, best_point = 0;
    for (int x = 0; x < t->nidx; x++) {
        cat_index *ix = t->idx[x];
        int n = 0;
        while (n < ix->ncols && n < PLAN_MAX_EQ && find_eq(s, i, ix->cols[n]) != NULL)
            n++;
        int point = ix->unique && n == ix->ncols;
        if (n > 0 && (point > best_point || (point == best_point && n > best_n))) {
            best = ix;
            best_n = n;
            best_point = point;
        }
    }
    if (best != NULL) {
        s->ap = AP_INDEX_EQ;
        s->ix = best;
        s->neq = best_n;
        for (int n = 0; n < best_n; n++)
            s->eq[n] = find_eq(s, i, best->cols[n]);
        s->point = (uint8_t)best_point;
        return;
    }
    if (t->rowid_col >= 0 && find_range(s, i, t->rowid_col)) {
        s->ap = AP_ROWID_RANGE;
        return;
    }
    for (int x = 0; x < t->nidx; x++)
        if (find_range(s, i, t->idx[x]->cols[0])) {
            s->ap = AP_INDEX_RANGE;
            s->ix = t->idx[x];
            return;
        }
}

/* Binds and plans a SELECT (also the scan part of UPDATE/DELETE: q->targets empty). */
static int plan_select(acidb_stmt *st, sql_select *q, sel_plan *p, int write, sql_error *err)
{
    arena *a = &st->ar;
    int rc;
    p->nsrc = q->nfrom;
    p->src = ar_alloc(a, (size_t)(q->nfrom + 1) * sizeof *p->src);
    p->bsrc = ar_alloc(a, (size_t)(q->nfrom + 1) * sizeof *p->bsrc);
    if (p->src == NULL || p->bsrc == NULL)
        return sql_err_nomem(err, NULL);
    for (int i = 0; i < q->nfrom; i++) {
        cat_table *t = cat_find_table(st->cat, q->from[i].table);
        if (t == NULL)
            return sql_err(err, ACIDB_ERROR, ERRCODE_UNDEFINED_TABLE, q->from[i].pos,
                           "relation \"%s\" does not exist", q->from[i].table);
        p->bsrc[i].t = t;
        p->bsrc[i].name = q->from[i].alias ? q->from[i].alias : t->name;
        for (int j = 0; j < i; j++)
            if (strcmp(p->bsrc[j].name, p->bsrc[i].name) == 0)
                return sql_err(err, ACIDB_ERROR, ERRCODE_DUPLICATE_ALIAS, q->from[i].pos,
                               "table name \"%s\" specified more than once", p->bsrc[i].name);
        p->src[i].t = t;
        p->src[i].write = (uint8_t)(write && i == 0);
        p->src[i].lock = write ? LOCK_FOR_UPDATE : q->lock;
        p->src[i].lockwait = q->lockwait;
    }
    bind_scope where = {.src = p->bsrc, .nsrc = p->nsrc, .clause = "WHERE", .allow_params = 1,
                        .a = a, .err = err};
    if (q->where && (rc = bind_expr(&where, q->where, VT_BOOL)) != ACIDB_OK)
        return rc;
    where.clause = "JOIN/ON";
    for (int i = 0; i < q->nfrom; i++)
        if (q->from[i].on && (rc = bind_expr(&where, q->from[i].on, VT_BOOL)) != ACIDB_OK)
            return rc;
    /* Targets, with * expanded. */
    int n = 0;
    for (int i = 0; i < q->ntargets; i++) {
        if (q->targets[i].e != NULL) {
            n++;
            continue;
        }
        int found = 0;
        for (int s = 0; s < p->nsrc; s++)
            if (q->targets[i].star_table == NULL || strcmp(q->targets[i].star_table, p->bsrc[s].name) == 0) {
                n += p->bsrc[s].t->ncols;
                found = 1;
            }
        if (!found)
            return sql_err(err, ACIDB_ERROR,
                           q->targets[i].star_table ? ERRCODE_UNDEFINED_TABLE
                                                    : ERRCODE_SYNTAX_ERROR,
                           q->targets[i].pos,
                           q->targets[i].star_table ? "missing FROM-clause entry for table \"%s\""
                                                    : "SELECT * with no tables specified is not valid%s",
                           q->targets[i].star_table ? q->targets[i].star_table : "");
    }
    p->ntargets = n;
    p->targets = ar_alloc(a, (size_t)(n + 1) * sizeof *p->targets);
    p->names = ar_alloc(a, (size_t)(n + 1) * sizeof *p->names);
    if (p->targets == NULL || p->names == NULL)
        return sql_err_nomem(err, NULL);
    n = 0;
    for (int i = 0; i < q->ntargets; i++) {
        if (q->targets[i].e != NULL) {
            p->targets[n] = q->targets[i].e;
            p->names[n++] = q->targets[i].alias;
            continue;
        }
        for (int s = 0; s < p->nsrc; s++) {
            if (q->targets[i].star_table != NULL && strcmp(q->targets[i].star_table, p->bsrc[s].name) != 0)
                continue;
            for (int c = 0; c < p->bsrc[s].t->ncols; c++) {
                sql_expr *e = new_column(a, p->bsrc[s].name, p->bsrc[s].t->cols[c].name,
                                         q->targets[i].pos);
                if (e == NULL)
                    return sql_err_nomem(err, NULL);
                p->names[n] = NULL;
                p->targets[n++] = e;
            }
        }
    }
    /* Targets first (collecting aggregates), then GROUP BY, whose items may name an output
     * column by position or by alias (PostgreSQL: an alias only when no input column has that
     * name). */
    bind_scope sel = {.src = p->bsrc, .nsrc = p->nsrc, .clause = "SELECT", .allow_params = 1,
                      .allow_aggs = 1, .a = a, .err = err};
    for (int i = 0; i < p->ntargets; i++) {
        if ((rc = bind_expr(&sel, p->targets[i], VT_NULL)) != ACIDB_OK)
            return rc;
        if (p->names[i] == NULL)
            p->names[i] = output_name(p->targets[i]);
    }
    bind_scope grp = {.src = p->bsrc, .nsrc = p->nsrc, .clause = "GROUP BY", .allow_params = 1,
                      .a = a, .err = err};
    for (int i = 0; i < q->ngroup; i++) {
        sql_expr *g = q->group_by[i];
        sql_expr *target = NULL;
        if (g->kind == EX_CONST && g->v.type == VT_INT) {
            if (g->v.u.i < 1 || g->v.u.i > p->ntargets)
                return sql_err(err, ACIDB_ERROR, ERRCODE_INVALID_COLUMN_REFERENCE, g->pos,
                               "GROUP BY position %lld is not in select list", (long long)g->v.u.i);
            target = p->targets[g->v.u.i - 1];
        } else if (g->kind == EX_COLUMN && g->table == NULL) {
            int input = 0;
            for (int s2 = 0; s2 < p->nsrc; s2++)
                input |= cat_col_index(p->bsrc[s2].t, g->name) >= 0;
            for (int t = 0; !input && t < p->ntargets && target == NULL; t++)
                if (strcmp(p->names[t], g->name) == 0)
                    target = p->targets[t];
        }
        if (target != NULL) {
            if (bind_has_agg(target))
                return sql_err(err, ACIDB_ERROR, ERRCODE_GROUPING_ERROR, g->pos,
                               "aggregate functions are not allowed in GROUP BY");
            q->group_by[i] = target;
            continue;
        }
        if ((rc = bind_expr(&grp, g, VT_NULL)) != ACIDB_OK)
            return rc;
    }
    sel.clause = "HAVING";
    if (q->having && (rc = bind_expr(&sel, q->having, VT_BOOL)) != ACIDB_OK)
        return rc;
    /* ORDER BY: an output column by position or name, else an expression over the input. */
    p->norder = q->norder;
    p->order = ar_alloc(a, (size_t)(q->norder + 1) * sizeof *p->order);
    p->desc = ar_alloc(a, (size_t)(q->norder + 1));
    p->nulls_first = ar_alloc(a, (size_t)(q->norder + 1));
    if (p->order == NULL || p->desc == NULL || p->nulls_first == NULL)
        return sql_err_nomem(err, NULL);
    for (int i = 0; i < q->norder; i++) {
        sql_expr *e = q->order[i].e;
        p->desc[i] = q->order[i].desc;
        p->nulls_first[i] = q->order[i].nulls == 1 || (q->order[i].nulls == 0 && q->order[i].desc);
        if (e->kind == EX_CONST && e->v.type == VT_INT) {
            if (e->v.u.i < 1 || e->v.u.i > p->ntargets)
                return sql_err(err, ACIDB_ERROR, ERRCODE_INVALID_COLUMN_REFERENCE, e->pos,
                               "ORDER BY position %lld is not in select list", (long long)e->v.u.i);
            p->order[i] = p->targets[e->v.u.i - 1];
            continue;
        }
        if (e->kind == EX_COLUMN && e->table == NULL) {
            int hit = -1;
            for (int t = 0; t < p->ntargets; t++)
                if (strcmp(p->names[t], e->name) == 0) {
                    if (hit >= 0 && !expr_equal(p->targets[hit], p->targets[t]))
                        return sql_err(err, ACIDB_ERROR, ERRCODE_AMBIGUOUS_COLUMN, e->pos,
                                       "ORDER BY \"%s\" is ambiguous", e->name);
                    hit = t;
                }
            if (hit >= 0) {
                p->order[i] = p->targets[hit];
                continue;
            }
        }
        sel.clause = "ORDER BY";
        if ((rc = bind_expr(&sel, e, VT_NULL)) != ACIDB_OK)
            return rc;
        p->order[i] = e;
        if (q->distinct) {
            int in_list = 0;
            for (int t = 0; t < p->ntargets; t++)
                in_list |= expr_equal(p->targets[t], e);
            if (!in_list)
                return sql_err(err, ACIDB_ERROR, ERRCODE_INVALID_COLUMN_REFERENCE, e->pos,
                               "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
        }
    }
    p->aggs = sel.aggs;
    p->naggs = sel.naggs;
    p->group = q->group_by;
    p->ngroup = q->ngroup;
    p->having = q->having;
    p->agg = p->naggs > 0 || p->ngroup > 0 || q->having != NULL;
    if (p->agg) {
        for (int i = 0; i < p->ntargets; i++)
            if ((rc = check_grouped(p, p->targets[i], err)) != ACIDB_OK)
                return rc;
        if ((rc = check_grouped(p, p->having, err)) != ACIDB_OK)
            return rc;
        for (int i = 0; i < p->norder; i++)
            if ((rc = check_grouped(p, p->order[i], err)) != ACIDB_OK)
                return rc;
        if (q->lock != LOCK_NONE)
            return sql_err(err, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                           "FOR UPDATE is not allowed with aggregate functions");
    }
    if (q->lock != LOCK_NONE && q->distinct)
        return sql_err(err, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                       "FOR UPDATE is not allowed with DISTINCT clause");
    p->distinct = q->distinct;
    bind_scope lim = {.clause = "LIMIT", .allow_params = 1, .a = a, .err = err};
    if (q->limit && (rc = bind_expr(&lim, q->limit, VT_INT)) != ACIDB_OK)
        return rc;
    lim.clause = "OFFSET";
    if (q->offset && (rc = bind_expr(&lim, q->offset, VT_INT)) != ACIDB_OK)
        return rc;
    p->limit = q->limit;
    p->offset = q->offset;
    /* Conjuncts to the items that can first evaluate them, then access paths. */
    if (add_conjuncts(a, p, q->where) != 0)
        return sql_err_nomem(err, NULL);
    for (int i = 0; i < q->nfrom; i++)
        if (add_conjuncts(a, p, q->from[i].on) != 0)
            return sql_err_nomem(err, NULL);
    for (int i = 0; i < p->nsrc; i++)
        choose_path(p, i);
    return ACIDB_OK;
}

/* RETURNING targets, bound against the target table as FROM item 0. */
static int plan_returning(acidb_stmt *st, dml_plan *d, const char *alias, sql_target *ret,
                          int nret, sql_error *err)
{
    if (nret == 0)
        return ACIDB_OK;
    arena *a = &st->ar;
    bind_src src = {alias ? alias : d->t->name, d->t};
    bind_scope sc = {.src = &src, .nsrc = 1, .clause = "RETURNING", .allow_params = 1, .a = a,
                     .err = err};
    int n = 0;
    for (int i = 0; i < nret; i++)
        n += ret[i].e ? 1 : d->t->ncols;
    d->ret = ar_alloc(a, (size_t)n * sizeof *d->ret);
    d->ret_names = ar_alloc(a, (size_t)n * sizeof *d->ret_names);
    if (d->ret == NULL || d->ret_names == NULL)
        return sql_err_nomem(err, NULL);
    for (int i = 0; i < nret; i++) {
        if (ret[i].e == NULL) {
            for (int c = 0; c < d->t->ncols; c++) {
                sql_expr *e = new_column(a, NULL, d->t->cols[c].name, ret[i].pos);
                if (e == NULL)
                    return sql_err_nomem(err, NULL);
                int rc = bind_expr(&sc, e, VT_NULL);
                if (rc != ACIDB_OK)
                    return rc;
                d->ret_names[d->nret] = e->name;
                d->ret[d->nret++] = e;
            }
            continue;
        }
        int rc = bind_expr(&sc, ret[i].e, VT_NULL);
        if (rc != ACIDB_OK)
            return rc;
        d->ret_names[d->nret] = ret[i].alias ? ret[i].alias : output_name(ret[i].e);
        d->ret[d->nret++] = ret[i].e;
    }
    return ACIDB_OK;
}

/* PostgreSQL's assignment rules for our types: the same type, NULL, anything into TEXT (every
 * type has an assignment cast to text), a number into a number column, or an untyped literal/parameter (converted when the
 * row is built; bad input is 22P02 then). */
static int assignable(const cat_column *c, const sql_expr *e)
{
    return e->type == VT_NULL || e->type == c->type || c->type == VT_TEXT ||
           (ty_is_number(ex_tid(e)) && ty_is_number(c->tid)) ||
           (e->type == VT_TEXT && (e->kind == EX_CONST || e->kind == EX_PARAM));
}

/* The type an assigned expression is checked against: booleans are checked by the column
 * rule (assignable) so the message names the column, not a WHERE. */
static int assign_want(const cat_column *c)
{
    return c->type == VT_BOOL ? TY_NONE : c->tid;
}

/* A parameter assigned to a boolean column (not typed by assign_want) is a boolean, as
 * PostgreSQL infers it (acidb_param_type_name; the value converts as before). */
static void type_param(const cat_column *c, sql_expr *e)
{
    if (e->kind == EX_PARAM && e->type == VT_NULL && c->type == VT_BOOL) {
        e->type = VT_BOOL;
        e->tid = TY_BOOL;
    }
}

static int col_type_error(sql_error *err, const cat_column *c, const sql_expr *e)
{
    return sql_err(err, ACIDB_ERROR, ERRCODE_DATATYPE_MISMATCH, e->pos,
                   "column \"%s\" is of type %s but expression is of type %s", c->name,
                   ty_name(c->tid), ty_name(ex_tid(e)));
}

static int plan_insert(acidb_stmt *st, sql_insert *q, dml_plan *d, sql_error *err)
{
    arena *a = &st->ar;
    int rc;
    cat_table *t = cat_find_table(st->cat, q->table);
    if (t == NULL)
        return sql_err(err, ACIDB_ERROR, ERRCODE_UNDEFINED_TABLE, q->table_pos,
                       "relation \"%s\" does not exist",
                       q->table);
    d->t = t;
    /* VALUES rows must agree in length; without a column list the values fill the first
     * columns and the rest take their defaults (PostgreSQL). */
    if (q->select == NULL && !q->default_values)
        for (int r = 1; r < q->nrows; r++)
            if (q->nvalues[r] != q->nvalues[0])
                return sql_err(err, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR,
                               q->nvalues[r] > 0 ? q->rows[r][0]->pos : q->table_pos,
                               "VALUES lists must all be the same length");
    int ncols = q->ncols;
    if (q->cols == NULL) {
        ncols = q->select != NULL ? t->ncols
              : q->default_values || q->nrows == 0 ? 0 : q->nvalues[0];
        if (ncols > t->ncols)
            return sql_err(err, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, q->rows[0][t->ncols]->pos,
                           "INSERT has more expressions than target columns");
    }
    int *map = ar_alloc(a, (size_t)(ncols + 1) * sizeof *map);
    d->given = ar_alloc(a, (size_t)t->ncols + 1);
    if (map == NULL || d->given == NULL)
        return sql_err_nomem(err, NULL);
    for (int i = 0; i < ncols; i++) {
        if (q->cols == NULL) {
            map[i] = i;
        } else if ((map[i] = cat_col_index(t, q->cols[i])) < 0) {
            return sql_err(err, ACIDB_ERROR,
                           ERRCODE_UNDEFINED_COLUMN, q->col_pos ? q->col_pos[i] : q->table_pos,
                           "column \"%s\" of relation \"%s\" does not exist", q->cols[i], t->name);
        }
        if (d->given[map[i]])
            return sql_err(err, ACIDB_ERROR,
                           ERRCODE_DUPLICATE_COLUMN, q->col_pos ? q->col_pos[i] : q->table_pos,
                           "column \"%s\" specified more than once", t->cols[map[i]].name);
        d->given[map[i]] = 1;
    }
    bind_scope none = {.clause = "VALUES", .allow_params = 1, .a = a, .err = err};
    if (q->select != NULL) {
        d->sel_map = ar_alloc(a, (size_t)t->ncols * sizeof *d->sel_map);
        if (d->sel_map == NULL)
            return sql_err_nomem(err, NULL);
        if ((rc = plan_select(st, q->select, &d->sel, 0, err)) != ACIDB_OK)
            return rc;
        if (q->cols == NULL && d->sel.ntargets < ncols) {
            for (int i = d->sel.ntargets; i < ncols; i++)
                d->given[map[i]] = 0; /* defaults for the columns the SELECT leaves out */
            ncols = d->sel.ntargets;
        }
        if (d->sel.ntargets != ncols)
            return sql_err(err, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, q->table_pos,
                           d->sel.ntargets > ncols ? "INSERT has more expressions than target columns"
                                                   : "INSERT has more target columns than expressions");
        for (int c = 0; c < t->ncols; c++)
            d->sel_map[c] = -1;
        for (int i = 0; i < ncols; i++) {
            sql_expr *e = d->sel.targets[i];
            if (!assignable(&t->cols[map[i]], e) || (e->type == VT_TEXT && t->cols[map[i]].type != VT_TEXT))
                return col_type_error(err, &t->cols[map[i]], e);
            d->sel_map[map[i]] = i;
        }
    } else {
        d->nrows = q->default_values ? 1 : q->nrows;
        d->rows = ar_alloc(a, (size_t)(d->nrows + 1) * sizeof *d->rows);
        if (d->rows == NULL)
            return sql_err_nomem(err, NULL);
        for (int r = 0; r < d->nrows; r++) {
            d->rows[r] = ar_alloc(a, (size_t)t->ncols * sizeof **d->rows);
            if (d->rows[r] == NULL)
                return sql_err_nomem(err, NULL);
            if (q->default_values)
                continue;
            if (q->nvalues[r] != ncols) {
                const sql_expr *at = q->nvalues[r] > ncols ? q->rows[r][ncols]
                                   : q->nvalues[r] > 0 ? q->rows[r][q->nvalues[r] - 1] : NULL;
                return sql_err(err, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, at ? at->pos : q->table_pos,
                               q->nvalues[r] > ncols ? "INSERT has more expressions than target columns"
                                                     : "INSERT has more target columns than expressions");
            }
            for (int i = 0; i < ncols; i++) {
                sql_expr *e = q->rows[r][i];
                const cat_column *col = &t->cols[map[i]];
                if (e->kind == EX_CONST && e->param == SQL_DEFAULT_MARK)
                    continue; /* DEFAULT */
                if (col->identity == IDENT_ALWAYS)
                    return sql_err(err, ACIDB_ERROR, ERRCODE_GENERATED_ALWAYS, e->pos,
                                   "cannot insert a non-DEFAULT value into column \"%s\"\n"
                                   "DETAIL:  Column \"%s\" is an identity column defined as "
                                   "GENERATED ALWAYS.", col->name, col->name);
                if ((rc = bind_expr(&none, e, assign_want(col))) != ACIDB_OK)
                    return rc;
                type_param(col, e);
                if (!assignable(col, e))
                    return col_type_error(err, col, e);
                d->rows[r][map[i]] = e;
            }
        }
    }
    if (q->select && t->cols) {
        for (int i = 0; i < ncols; i++)
            if (t->cols[map[i]].identity == IDENT_ALWAYS)
                return sql_err(err, ACIDB_ERROR, ERRCODE_GENERATED_ALWAYS, q->table_pos,
                               "cannot insert a non-DEFAULT value into column \"%s\"",
                               t->cols[map[i]].name);
    }
    return plan_returning(st, d, NULL, q->returning, q->nreturning, err);
}

/* UPDATE / DELETE: a one-item SELECT over the target that will write. */
static int plan_target_scan(acidb_stmt *st, dml_plan *d, const char *table, const char *alias,
                            int32_t pos, sql_expr *where, sql_error *err)
{
    sql_select *q = ar_alloc(&st->ar, sizeof *q);
    sql_from *f = ar_alloc(&st->ar, sizeof *f);
    if (q == NULL || f == NULL)
        return sql_err_nomem(err, NULL);
    f->table = table;
    f->alias = alias;
    f->pos = pos;
    q->from = f;
    q->nfrom = 1;
    q->where = where;
    int rc = plan_select(st, q, &d->sel, 1, err);
    if (rc == ACIDB_OK)
        d->t = d->sel.src[0].t;
    return rc;
}

static int plan_update(acidb_stmt *st, sql_update *q, dml_plan *d, sql_error *err)
{
    int rc = plan_target_scan(st, d, q->table, q->alias, q->table_pos, q->where, err);
    if (rc != ACIDB_OK)
        return rc;
    cat_table *t = d->t;
    d->set = ar_alloc(&st->ar, (size_t)t->ncols * sizeof *d->set);
    d->set_default = ar_alloc(&st->ar, (size_t)t->ncols);
    if (d->set == NULL || d->set_default == NULL)
        return sql_err_nomem(err, NULL);
    bind_scope sc = {.src = d->sel.bsrc, .nsrc = 1, .clause = "UPDATE", .allow_params = 1,
                     .a = &st->ar, .err = err};
    for (int i = 0; i < q->nset; i++) {
        int c = cat_col_index(t, q->set[i].col);
        if (c < 0)
            return sql_err(err, ACIDB_ERROR, ERRCODE_UNDEFINED_COLUMN, q->set[i].pos,
                           "column \"%s\" of relation \"%s\" does not exist", q->set[i].col, t->name);
        if (d->set[c] != NULL || d->set_default[c])
            return sql_err(err, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, q->set[i].pos,
                           "multiple assignments to same column \"%s\"", q->set[i].col);
        sql_expr *e = q->set[i].e;
        if (e->kind == EX_CONST && e->param == SQL_DEFAULT_MARK) {
            d->set_default[c] = 1;
            continue;
        }
        if (t->cols[c].identity == IDENT_ALWAYS)
            return sql_err(err, ACIDB_ERROR, ERRCODE_GENERATED_ALWAYS, q->set[i].pos,
                           "column \"%s\" can only be updated to DEFAULT\n"
                           "DETAIL:  Column \"%s\" is an identity column defined as GENERATED "
                           "ALWAYS.", t->cols[c].name, t->cols[c].name);
        if ((rc = bind_expr(&sc, e, assign_want(&t->cols[c]))) != ACIDB_OK)
            return rc;
        type_param(&t->cols[c], e);
        if (!assignable(&t->cols[c], e))
            return col_type_error(err, &t->cols[c], e);
        d->set[c] = e;
    }
    return plan_returning(st, d, q->alias, q->returning, q->nreturning, err);
}

static int plan_delete(acidb_stmt *st, sql_delete *q, dml_plan *d, sql_error *err)
{
    int rc = plan_target_scan(st, d, q->table, q->alias, q->table_pos, q->where, err);
    if (rc != ACIDB_OK)
        return rc;
    return plan_returning(st, d, q->alias, q->returning, q->nreturning, err);
}

static int plan_stmt(acidb_stmt *s, sql_stmt *ast, sql_error *err)
{
    int rc = ACIDB_OK;
    switch (ast->kind) {
    case STMT_SELECT:
        s->sel = ar_alloc(&s->ar, sizeof *s->sel);
        if (s->sel == NULL)
            return sql_err_nomem(err, NULL);
        if ((rc = plan_select(s, &ast->u.select, s->sel, 0, err)) != ACIDB_OK)
            return rc;
        s->ncols = s->sel->ntargets;
        s->names = s->sel->names;
        return ACIDB_OK;
    case STMT_INSERT:
    case STMT_UPDATE:
    case STMT_DELETE:
        s->dml = ar_alloc(&s->ar, sizeof *s->dml);
        if (s->dml == NULL)
            return sql_err_nomem(err, NULL);
        rc = ast->kind == STMT_INSERT ? plan_insert(s, &ast->u.insert, s->dml, err)
           : ast->kind == STMT_UPDATE ? plan_update(s, &ast->u.update, s->dml, err)
                                      : plan_delete(s, &ast->u.del, s->dml, err);
        if (rc == ACIDB_OK) {
            s->ncols = s->dml->nret;
            s->names = s->dml->ret_names;
        }
        return rc;
    case STMT_EXPLAIN: {
        sql_stmt *in = ast->u.explain;
        if (in->kind != STMT_SELECT && in->kind != STMT_INSERT && in->kind != STMT_UPDATE &&
            in->kind != STMT_DELETE)
            return sql_err(err, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, in->pos,
                           "EXPLAIN supports SELECT, INSERT, UPDATE and DELETE");
        rc = plan_stmt(s, in, err);
        s->ncols = 1;
        s->names = ar_alloc(&s->ar, sizeof *s->names);
        if (s->names == NULL)
            return sql_err_nomem(err, NULL);
        s->names[0] = "QUERY PLAN";
        return rc;
    }
    default:
        return ACIDB_OK; /* DDL, transaction control and SET are checked when they run */
    }
}

int plan_prepare(acidb_stmt *s, sql_error *err)
{
    s->sel = NULL;
    s->dml = NULL;
    s->ncols = 0;
    s->names = NULL;
    return plan_stmt(s, s->ast, err);
}
