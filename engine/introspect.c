/*
 * introspect.c — the public API's questions that run no statement: the committed schema
 * (acidb_get_schema), keyword categories (acidb_keyword_check) and statement completeness
 * (acidb_complete). They serve clients that show or write SQL themselves — the shell's
 * .schema/.dump/.import, and clients that speak for other programs.
 *
 * The schema is copied out of one published catalog version (immutable, referenced under
 * db->mu, rule E1 of engine.h) into one arena owned by the returned acidb_schema, so the copy
 * outlives later DDL and is freed in one call. Nothing of the catalog's internal layout reaches
 * the caller: indexes name their columns instead of numbering them, types are named as the
 * engine's messages name them.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/lex.h"
#include "engine/parse.h"

/* The acidb_schema handed out, and the arena holding it and everything it points to. */
typedef struct schema_copy {
    acidb_schema pub; /* first: acidb_free_schema casts back */
    arena a;
} schema_copy;

static const char *copy_str(arena *a, const char *s)
{
    return s == NULL ? NULL : ar_strndup(a, s, strlen(s));
}

/* The names of columns `cols[0..n)` of t; NULL when out of memory. */
static const char *const *column_names(arena *a, const cat_table *t, const int *cols, int n)
{
    const char **v = ar_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    for (int k = 0; k < n; k++) {
        assert(cols[k] >= 0 && cols[k] < t->ncols); /* cat_build resolved every column */
        if ((v[k] = copy_str(a, t->cols[cols[k]].name)) == NULL)
            return NULL;
    }
    return v;
}

static const char *type_name(arena *a, const cat_column *col)
{
    if (ty_get(col->tid)->typmod == TYPMOD_PREC_SCALE && col->maxlen >= 4) {
        char buf[64];
        int32_t m = col->maxlen - 4;
        snprintf(buf, sizeof buf, "%s(%d,%d)", ty_name(col->tid), (int)(m >> 16), (int)(m & 0xFFFF));
        return copy_str(a, buf);
    }
    if (col->type == VT_TEXT && col->maxlen > 0) {
        char buf[48];
        snprintf(buf, sizeof buf, "%s(%d)", ty_name(col->tid), (int)col->maxlen);
        return copy_str(a, buf);
    }
    return ty_name(col->tid); /* a static string: format_type's "integer", "bigint" */
}

static int copy_columns(arena *a, const cat_table *t, acidb_table_info *out)
{
    acidb_column_info *cols = ar_alloc(a, (size_t)(t->ncols + 1) * sizeof *cols);
    if (cols == NULL)
        return ACIDB_NOMEM;
    for (int i = 0; i < t->ncols; i++) {
        cols[i].name = copy_str(a, t->cols[i].name);
        cols[i].type = type_name(a, &t->cols[i]);
        cols[i].not_null = t->cols[i].not_null;
        if (cols[i].name == NULL || cols[i].type == NULL)
            return ACIDB_NOMEM;
    }
    out->ncols = t->ncols;
    out->cols = cols;
    return ACIDB_OK;
}

static int copy_indexes(arena *a, const cat_table *t, acidb_table_info *out)
{
    acidb_index_info *idx = ar_alloc(a, (size_t)(t->nidx + 1) * sizeof *idx);
    if (idx == NULL)
        return ACIDB_NOMEM;
    for (int i = 0; i < t->nidx; i++) {
        const cat_index *ci = t->idx[i];
        assert(ci->table == t && (ci->sql == NULL) == (ci->implicit != 0));
        idx[i].name = copy_str(a, ci->name);
        idx[i].sql = copy_str(a, ci->sql);
        idx[i].unique = ci->unique;
        idx[i].primary = ci->primary;
        idx[i].ncols = ci->ncols;
        idx[i].cols = column_names(a, t, ci->cols, ci->ncols);
        if (idx[i].name == NULL || (ci->sql != NULL && idx[i].sql == NULL) ||
            idx[i].cols == NULL)
            return ACIDB_NOMEM;
    }
    out->nindexes = t->nidx;
    out->indexes = idx;
    return ACIDB_OK;
}

/* Primary key, unique constraints (the implicit unique indexes), checks, foreign keys. */
static int copy_constraints(arena *a, const cat_table *t, acidb_table_info *out)
{
    int max = 1 + t->nidx + t->nchecks + t->nfk;
    acidb_constraint_info *cons = ar_alloc(a, (size_t)max * sizeof *cons);
    if (cons == NULL)
        return ACIDB_NOMEM;
    int n = 0;
    if (t->pkey_name != NULL) {
        acidb_constraint_info *k = &cons[n++];
        k->type = 'p';
        k->name = copy_str(a, t->pkey_name);
        k->ncols = t->npk;
        k->cols = column_names(a, t, t->pk, t->npk);
        if (k->name == NULL || k->cols == NULL)
            return ACIDB_NOMEM;
    }
    for (int i = 0; i < t->nidx; i++) {
        const cat_index *ci = t->idx[i];
        if (!ci->implicit || !ci->unique || ci->primary)
            continue;
        acidb_constraint_info *k = &cons[n++];
        k->type = 'u';
        k->name = copy_str(a, ci->name);
        k->ncols = ci->ncols;
        k->cols = column_names(a, t, ci->cols, ci->ncols);
        if (k->name == NULL || k->cols == NULL)
            return ACIDB_NOMEM;
    }
    for (int i = 0; i < t->nchecks; i++) {
        acidb_constraint_info *k = &cons[n++];
        k->type = 'c';
        k->name = copy_str(a, t->checks[i].name);
        k->cols = column_names(a, t, NULL, 0);
        if (k->name == NULL || k->cols == NULL)
            return ACIDB_NOMEM;
    }
    for (int i = 0; i < t->nfk; i++) {
        const cat_fkey *f = &t->fk[i];
        acidb_constraint_info *k = &cons[n++];
        k->type = 'f';
        k->name = copy_str(a, f->name);
        k->ncols = f->ncols;
        k->cols = column_names(a, t, f->cols, f->ncols);
        k->ref_table = copy_str(a, f->ref->name);
        k->ref_cols = column_names(a, f->ref, f->ref_cols, f->ncols);
        if (k->name == NULL || k->cols == NULL || k->ref_table == NULL || k->ref_cols == NULL)
            return ACIDB_NOMEM;
    }
    assert(n <= max);
    out->nconstraints = n;
    out->constraints = cons;
    return ACIDB_OK;
}

static int copy_schema(arena *a, const catalog *c, acidb_schema *out)
{
    acidb_table_info *tables = ar_alloc(a, (size_t)(c->ntables + 1) * sizeof *tables);
    if (tables == NULL)
        return ACIDB_NOMEM;
    for (int i = 0; i < c->ntables; i++) {
        const cat_table *t = c->tables[i];
        assert(i == 0 || strcmp(c->tables[i - 1]->name, t->name) < 0); /* catalog.h: sorted */
        acidb_table_info *ti = &tables[i];
        ti->name = copy_str(a, t->name);
        ti->sql = copy_str(a, t->sql != NULL ? t->sql : "");
        if (ti->name == NULL || ti->sql == NULL)
            return ACIDB_NOMEM;
        int rc;
        if ((rc = copy_columns(a, t, ti)) != ACIDB_OK ||
            (rc = copy_indexes(a, t, ti)) != ACIDB_OK ||
            (rc = copy_constraints(a, t, ti)) != ACIDB_OK)
            return rc;
    }
    out->ntables = c->ntables;
    out->tables = tables;
    return ACIDB_OK;
}

int acidb_get_schema(acidb_db *db, acidb_schema **out)
{
    if (out != NULL)
        *out = NULL;
    if (db == NULL || db->magic != DB_MAGIC || out == NULL)
        return ACIDB_MISUSE;
    schema_copy *s = calloc(1, sizeof *s);
    if (s == NULL)
        return ACIDB_NOMEM;
    ar_init(&s->a);
    catalog *c = db_published_catalog(db);
    int rc = copy_schema(&s->a, c, &s->pub);
    cat_unref(c);
    if (rc != ACIDB_OK) {
        acidb_free_schema(&s->pub);
        return rc;
    }
    *out = &s->pub;
    return ACIDB_OK;
}

void acidb_free_schema(acidb_schema *pub)
{
    if (pub == NULL)
        return;
    schema_copy *s = (schema_copy *)(void *)pub;
    ar_free(&s->a);
    free(s);
}

int acidb_keyword_check(const char *word, int len)
{
    if (word == NULL)
        return ACIDB_KEYWORD_NONE;
    int kw = lx_keyword(word, len < 0 ? strlen(word) : (size_t)len);
    if (kw == KW_NONE)
        return ACIDB_KEYWORD_NONE;
    switch (lx_keyword_category(kw)) {
    case KWC_UNRESERVED: return ACIDB_KEYWORD_UNRESERVED;
    case KWC_COLNAME: return ACIDB_KEYWORD_COLNAME;
    case KWC_TYPEFUNC: return ACIDB_KEYWORD_TYPEFUNC;
    default: assert(lx_keyword_category(kw) == KWC_RESERVED); return ACIDB_KEYWORD_RESERVED;
    }
}

int acidb_complete(const char *sql)
{
    return sql == NULL || !sql_incomplete(sql, strlen(sql));
}
