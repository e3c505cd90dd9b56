/*
 * catalog_view.c — the schema as the shell sees it: tables with their CREATE text and columns,
 * indexes with their columns, foreign-key references.
 *
 * The only file of the shell that reaches into the engine's internals (engine/engine.h,
 * engine/catalog.h): there is no catalog SQL view yet. Everything is copied out into plain
 * cv_* structures so that the rest of the shell depends on this file's interface only, and
 * this file can be switched to a public API later.
 *
 * It reads the committed (published) catalog version: rule E1 (engine/engine.h) says db->mu
 * protects the published pointer, so the pointer is read and referenced under db->mu, and the
 * version — immutable — is copied without it, then released with cat_unref. A session's own
 * uncommitted DDL is not visible here until it commits.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "shell/shell.h"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int copy_index(cv_index *x, const cat_index *ci, const cat_table *t)
{
    x->name = strdup(ci->name);
    x->sql = dup_or_null(ci->sql);
    x->unique = ci->unique;
    x->primary = ci->primary;
    x->implicit = ci->implicit;
    x->ncols = ci->ncols;
    x->cols = calloc((size_t)ci->ncols + 1, sizeof *x->cols);
    if (x->name == NULL || x->cols == NULL)
        return -1;
    for (int k = 0; k < ci->ncols; k++)
        if (ci->cols[k] >= 0 && ci->cols[k] < t->ncols &&
            (x->cols[k] = strdup(t->cols[ci->cols[k]].name)) == NULL)
            return -1;
    return 0;
}

static int copy_table(cv_table *v, const cat_table *t)
{
    v->name = strdup(t->name);
    v->sql = strdup(t->sql ? t->sql : "");
    v->ncols = t->ncols;
    v->cols = calloc((size_t)t->ncols + 1, sizeof *v->cols);
    v->nidx = t->nidx;
    v->idx = calloc((size_t)t->nidx + 1, sizeof *v->idx);
    v->nrefs = t->nfk;
    v->refs = calloc((size_t)t->nfk + 1, sizeof *v->refs);
    if (!v->name || !v->sql || !v->cols || !v->idx || !v->refs)
        return -1;
    for (int i = 0; i < t->ncols; i++)
        if ((v->cols[i] = strdup(t->cols[i].name)) == NULL)
            return -1;
    for (int i = 0; i < t->nidx; i++)
        if (copy_index(&v->idx[i], t->idx[i], t) != 0)
            return -1;
    for (int i = 0; i < t->nfk; i++)
        if ((v->refs[i] = strdup(t->fk[i].ref->name)) == NULL)
            return -1;
    return 0;
}

cv_schema *cv_load(acidb_db *db)
{
    pthread_mutex_lock(&db->mu); /* E1: the published version pointer */
    catalog *c = db->cat;
    if (c != NULL)
        cat_ref(c);
    pthread_mutex_unlock(&db->mu);
    cv_schema *s = calloc(1, sizeof *s);
    if (s == NULL || c == NULL)
        goto fail;
    s->tables = calloc((size_t)c->ntables + 1, sizeof *s->tables);
    if (s->tables == NULL)
        goto fail;
    for (int i = 0; i < c->ntables; i++) { /* c->tables is sorted by name */
        s->ntables++;
        if (copy_table(&s->tables[i], c->tables[i]) != 0)
            goto fail;
    }
    cat_unref(c);
    return s;
fail:
    if (c != NULL)
        cat_unref(c);
    cv_free(s);
    fprintf(stderr, "ERROR:  out of memory reading the catalog\n");
    return NULL;
}

static void free_strs(char **v, int n)
{
    for (int i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void cv_free(cv_schema *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < s->ntables; i++) {
        cv_table *t = &s->tables[i];
        free(t->name);
        free(t->sql);
        free_strs(t->cols, t->ncols);
        for (int j = 0; t->idx && j < t->nidx; j++) {
            free(t->idx[j].name);
            free(t->idx[j].sql);
            free_strs(t->idx[j].cols, t->idx[j].ncols);
        }
        free(t->idx);
        free_strs(t->refs, t->nrefs);
    }
    free(s->tables);
    free(s);
}

const cv_table *cv_table_find(const cv_schema *s, const char *name)
{
    for (int i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i].name, name) == 0)
            return &s->tables[i];
    return NULL;
}
