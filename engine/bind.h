/*
 * bind.h — name resolution: turns the column names and aggregate calls of an expression into
 * positions (sql_expr.src/col/type, agg/slot), then lets expr.h check the types.
 *
 * Resolution follows PostgreSQL: an unqualified name must match exactly one column of the
 * FROM items (42703 "column "x" does not exist", 42702 "column reference "x" is ambiguous");
 * a qualified one names a FROM item by alias, or by table name when it has no alias
 * (42P01 "missing FROM-clause entry for table "t"").
 */
#ifndef ACIDB_BIND_H
#define ACIDB_BIND_H

#include "engine/ast.h"
#include "engine/catalog.h"
#include "engine/sqlerr.h"

typedef struct bind_src {
    const char *name;   /* alias, or the table name */
    cat_table *t;
} bind_src;

typedef struct bind_scope {
    const bind_src *src;
    int nsrc;
    const char *clause;  /* "WHERE", "JOIN conditions", "check constraints", ... for 42803 */
    int allow_aggs;      /* aggregates are collected into aggs (else 42803) */
    sql_expr **aggs;     /* collected aggregate calls, slot = index */
    int naggs, cap_aggs;
    int allow_params;    /* 0 in DDL (defaults, checks): 42P02 */
    arena *a;
    sql_error *err;
} bind_scope;

/* Resolves names in e (recursively) and then type-checks it against `want` (ex_check). */
int bind_expr(bind_scope *s, sql_expr *e, int want);
/* Resolves names only. */
int bind_names(bind_scope *s, sql_expr *e);
/* Whether e refers to a column of a FROM item >= min_src (it cannot be evaluated before that
 * item's row exists). */
int bind_refs_from(const sql_expr *e, int min_src);
/* Whether e contains an aggregate call. */
int bind_has_agg(const sql_expr *e);

#endif
