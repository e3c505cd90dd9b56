/*
 * parse_int.h — internals shared by the parser's files (parse.c: tokens, errors, statements
 * of the DML; parse_expr.c: expressions and type names; parse_ddl.c: CREATE / DROP,
 * transaction control, SET). Not part of any contract: only engine/parse*.c include it.
 *
 * Errors unwind with longjmp to sql_parse. Why, against the house habit of returned statuses:
 * a recursive-descent parser checks for an error after nearly every token and allocation;
 * threading a status through ~80 call sites hid the grammar under `if (rc) return rc;`. It is
 * safe here because everything the parser allocates lives in the caller's arena (nothing to
 * release on the way out) and the jump never crosses a function outside engine/parse*.c.
 */
#ifndef ACIDB_PARSE_INT_H
#define ACIDB_PARSE_INT_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/ast.h"
#include "engine/lex.h"
#include "engine/sqlerr.h"

#define PS_LOOK 4 /* tokens of lookahead the grammar needs at most (t . * and NOT LIKE: 3) */

typedef struct parser {
    const char *sql;
    size_t len;
    lexer lx;
    lx_token ring[PS_LOOK]; /* lookahead: ring[head] is the current token */
    int head, count;
    int after_semi;         /* the lexer has produced ';': later tokens read as TK_EOF */
    int32_t last_end;       /* offset just past the last consumed token */
    arena *a;
    sql_error *err;
    jmp_buf jb;
    int depth;              /* expression / parenthesis nesting (limit SQL_MAX_DEPTH) */
    int nparams;            /* highest parameter number so far */
    int param_style;        /* 0 none yet, 1 $n, 2 ? */
    int nqmarks;
    int32_t typmod;         /* the n of the last VARCHAR(n) type parsed (0: none) */
    void *param_nodes;      /* ps_vec of sql_expr *: every EX_PARAM node, in text order */
    int nparam_nodes, cap_param_nodes;
} parser;

/* A growable array in the arena: doubles when full (the old block stays in the arena, so the
 * waste is bounded by the final size, and appends are amortised O(1)). */
typedef struct ps_vec {
    void *a;
    int n, cap;
} ps_vec;

/* tokens */
const lx_token *ps_peek(parser *p, int k);
static inline const lx_token *ps_cur(parser *p) { return ps_peek(p, 0); }
lx_token ps_take(parser *p);
int ps_is_kw(const lx_token *t, int kw);
int ps_accept_kw(parser *p, int kw);
void ps_expect_kw(parser *p, int kw);
int ps_accept(parser *p, int kind);
void ps_expect(parser *p, int kind);

/* names: IDENT, "QIDENT" and keywords of the allowed categories */
int ps_is_colid(const lx_token *t);      /* table / column name: unreserved or col-name kw */
int ps_is_bare_label(const lx_token *t); /* alias without AS: identifiers, unreserved kw */
int ps_is_label(const lx_token *t);      /* after AS, after '.': any word */
const char *ps_name(parser *p, const lx_token *t); /* folded (unquoted) or unescaped copy */
const char *ps_colid(parser *p, int32_t *pos);     /* takes a ColId or fails */

/* errors (never return) */
_Noreturn void ps_syntax_error(parser *p, const lx_token *t);
_Noreturn void ps_fail(parser *p, int code, const char *state, int32_t pos, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));

/* memory */
void *ps_alloc(parser *p, size_t n);
void *ps_vec_push(parser *p, ps_vec *v, size_t elem);
/* A copy of the vector's elements in a block of exactly v->n (NULL when empty). */
void *ps_vec_finish(parser *p, const ps_vec *v, size_t elem);

/* expressions (parse_expr.c) */
enum {
    PREC_NONE = 0, PREC_OR, PREC_AND, PREC_NOT, PREC_IS, PREC_CMP, PREC_LIKE, PREC_OP,
    PREC_ADD, PREC_MUL, PREC_UNARY, PREC_CAST
};
sql_expr *ps_expr(parser *p, int minprec);
static inline sql_expr *ps_a_expr(parser *p) { return ps_expr(p, PREC_NONE); }
sql_expr *ps_new_expr(parser *p, int kind, int32_t pos);
sql_expr *ps_default_mark(parser *p, int32_t pos);
sql_expr *ps_string_const(parser *p, const lx_token *t); /* 'text' with '' unescaped */
/* A type name: its type id (engine/types.h, TY_*). With allow_serial, SERIAL and friends are
 * accepted (*serial = 1); otherwise they are 42704 like any unknown type. */
int ps_type(parser *p, int allow_serial, uint8_t *serial);

/* statements (parse_ddl.c) */
sql_stmt *ps_create(parser *p, sql_stmt *st);
sql_stmt *ps_drop(parser *p, sql_stmt *st);
sql_stmt *ps_txn(parser *p, sql_stmt *st);
sql_stmt *ps_set(parser *p, sql_stmt *st);

#endif
