/*
 * build.h — hand-built expression trees for the expr suite (the parser is written in
 * parallel), and small run-and-compare helpers.
 *
 * Every node comes from the per-test arena T (Criterion runs each test in its own process, so
 * globals are per test). ROW is row 0 of the evaluation context (EX_COLUMN src 0), PARAMS its
 * parameters.
 */
#ifndef TESTS_EXPR_BUILD_H
#define TESTS_EXPR_BUILD_H

#include <stdint.h>

#include "engine/arena.h"
#include "engine/ast.h"
#include "engine/expr.h"

extern arena T;
extern sql_error ERR;
extern value ROW[16];
extern value PARAMS[8];
extern int NPARAMS;

void t_init(void);
void t_fini(void);

sql_expr *x_int(int64_t i);
sql_expr *x_text(const char *s);
sql_expr *x_textn(const char *s, uint32_t n);
sql_expr *x_bool(int b);
sql_expr *x_null(void);
sql_expr *x_param(int n);
sql_expr *x_col(int col, int type);        /* ROW[col] */
sql_expr *x_bin(int op, sql_expr *l, sql_expr *r);
sql_expr *x_un(int op, sql_expr *l);
sql_expr *x_isnull(sql_expr *l, int negate);
sql_expr *x_isbool(sql_expr *l, int which, int negate);
sql_expr *x_between(sql_expr *l, sql_expr *a, sql_expr *b, int negate);
sql_expr *x_in(sql_expr *l, int negate, int n, ...);
sql_expr *x_like(sql_expr *l, sql_expr *pat, sql_expr *esc, int negate, int ilike);
/* CASE [operand] WHEN/THEN pairs (2*npairs expressions) [ELSE els] END */
sql_expr *x_case(sql_expr *operand, sql_expr *els, int npairs, ...);
sql_expr *x_func(const char *name, int n, ...);
sql_expr *x_agg(int agg, const char *name, int slot, sql_expr *arg);
sql_expr *x_cast(sql_expr *l, int type);
sql_expr *at(sql_expr *e, int32_t pos);   /* sets pos, returns e */

/* ex_check(e, want) then ex_eval with ROW / PARAMS / aggs; the code, *out on success. */
int t_run_want(sql_expr *e, int want, value *out);
int t_run(sql_expr *e, value *out);
/* ex_eval only (the tree must have been checked). */
int t_eval(sql_expr *e, const value *aggs, value *out);

/* Assertions with the expression's description in the failure message. */
void t_is_int(sql_expr *e, int64_t want, const char *what);
void t_is_bool(sql_expr *e, int want, const char *what);  /* want -1: NULL */
void t_is_null(sql_expr *e, const char *what);
void t_is_text(sql_expr *e, const char *want, const char *what);
/* Fails (check or eval) with this SQLSTATE; returns ERR for further checks. */
void t_fails(sql_expr *e, const char *state, const char *what);

#endif
