/*
 * expr.h — type checking and evaluation of expressions (ast.h), and aggregate accumulators.
 *
 * Semantics are PostgreSQL's for the types acidb has:
 *   - three-valued logic: NULL AND FALSE = FALSE, NULL OR TRUE = TRUE, otherwise NULL taints;
 *     comparisons with NULL yield NULL; WHERE keeps a row only when its condition is TRUE;
 *   - SMALLINT, INTEGER and BIGINT are 16, 32 and 64 bits (all int64_t values, VT_INT; the
 *     width is the expression's tid): an operator's result has the wider operand type
 *     (int4 + int8 is int8) and + - * / % and unary minus, abs and casts whose result does
 *     not fit it fail with 22003 naming it ("integer out of range"), never wrap; / and % by
 *     zero fail with 22012; / truncates toward zero; an integer literal is integer when it
 *     fits 32 bits, else bigint;
 *   - REAL and DOUBLE PRECISION are IEEE floats (VT_FLOAT) with PostgreSQL's operator
 *     resolution, overflow / underflow errors (22003) and NaN ordering (engine/README.md,
 *     "Types");
 *   - TEXT || anything non-NULL concatenates (integers and booleans print as PostgreSQL prints
 *     them); LIKE/ILIKE with % and _ and the escape character (default backslash);
 *   - comparisons between different types are errors (42883 "operator does not exist:
 *     integer = text") except that a string literal or parameter adapts to the other side's
 *     type, as PostgreSQL's "unknown" literals do ('42' = 42 is true; 'x' = 42 is 22P02
 *     invalid input syntax for type bigint: "x").
 */
#ifndef ACIDB_EXPR_H
#define ACIDB_EXPR_H

#include <stdint.h>

#include "engine/arena.h"
#include "engine/ast.h"
#include "engine/sqlerr.h"
#include "engine/value.h"

/* What an expression is evaluated against. rows[s] is the current row of FROM item s (an array
 * of column values, indexed by sql_expr.col); params[i-1] is parameter $i (params the caller
 * did not bind are NULL values); aggs[slot] are the finished aggregates of the current group.
 * New TEXT (||, casts, lower/upper) is allocated in tmp. */
typedef struct ex_ctx {
    const value *const *rows;
    const value *params;
    int nparams;
    const value *aggs;
    arena *tmp;
    sql_error *err;
} ex_ctx;

/* Type inference and checking, after the binder has resolved every EX_COLUMN (setting src,
 * col and type) and every aggregate (agg, slot). Sets sql_expr.type bottom-up, converts string
 * constants that meet a typed operand (42 = '42'), gives parameters the type their context
 * expects, and reports 42804 (argument of WHERE must be type boolean), 42883 (operator / function
 * does not exist), 22P02 (bad literal), 42803 (aggregate nested in aggregate) with positions.
 * `want` is the type the context requires (VT_BOOL for WHERE/ON/HAVING/CHECK, a column's type
 * for INSERT/UPDATE values, VT_NULL for none). */
int ex_check(sql_expr *e, int want, arena *a, sql_error *err);
/* The same, naming the clause in 42804 ("argument of CHECK must be type boolean ..."). */
int ex_check_clause(sql_expr *e, int want, const char *clause, arena *a, sql_error *err);

/* The SQL type (engine/types.h) of a checked expression: its integer width for an integer,
 * else the type its representation names (VT_TEXT is TY_TEXT, ...; TY_NONE when unknown). */
static inline int ex_tid(const sql_expr *e)
{
    return e->tid != TY_NONE && ty_vt(e->tid) == e->type ? e->tid : e->type;
}

/* Evaluates e. On error returns the code with c->err set (SQLSTATE, message, position). */
int ex_eval(const sql_expr *e, ex_ctx *c, value *out);
/* WHERE / ON / HAVING / CHECK truth: 1 only for TRUE (NULL and FALSE are 0). */
static inline int ex_true(const value *v) { return v->type == VT_BOOL && v->u.i != 0; }

/* Converts v to type `to` (a type id, engine/types.h: TY_INT2/4/8, TY_TEXT, TY_BOOL; a VT_*
 * code names its type) as CAST does: text -> integer parses optional sign and digits with
 * surrounding spaces (22P02 otherwise, 22003 "value ... is out of range for type integer");
 * integer -> a narrower integer type is 22003 "integer out of range" when it does not fit;
 * text -> boolean accepts PostgreSQL's spellings (t/true/yes/on/1, f/false/no/off/0, any case);
 * integer -> boolean: 0 false, other true. NULL stays NULL. */
int ex_cast(const value *v, int to, arena *a, value *out, int32_t pos, sql_error *err);

/* Hex digit pairs (whitespace between pairs skipped) into out (room for n / 2 bytes):
 * PostgreSQL's hex_decode, 22023 "invalid hexadecimal digit: \"g\"" / "invalid hexadecimal
 * data: odd number of digits". */
int ex_hex_decode(const char *s, size_t n, uint8_t *out, size_t *outlen, int32_t pos,
                  sql_error *err);

/* encode(bytea, format) -> text and decode(text, format) -> bytea, format hex, base64 or
 * escape as PostgreSQL's (base64 lines of 76 characters; 22023 for an unknown format or bad
 * input, 22P02 for bad escape input). */
int ex_bytea_encode(const value *data, const value *fmt, arena *a, value *out, int32_t pos,
                    sql_error *err);
int ex_bytea_decode(const value *text, const value *fmt, arena *a, value *out, int32_t pos,
                    sql_error *err);
/* The escape format (byteain without "\x", esc_decode): bytes as they are, "\\", "\ooo". */
int ex_bytea_unescape(const char *s, size_t n, uint8_t *out, size_t *outlen, int32_t pos,
                      sql_error *err);

/* A float result r of an operator (real: rounded to float): 22003 "value out of range:
 * overflow" when it is infinite and no input was (a_inf), "underflow" when it is 0 and the
 * inputs cannot give 0 (!zero_ok), as PostgreSQL's float8pl / float8mul / ... check. */
int ex_float_result(double r, int real, int a_inf, int zero_ok, value *out, int32_t pos,
                    sql_error *err);

/* Aggregate accumulator for one aggregate call in one group. */
typedef struct ex_accum {
    uint8_t agg;       /* ex_agg */
    uint8_t any;       /* saw a non-NULL input */
    int64_t count;
    __int128 sum;      /* SUM/AVG: exact; overflow of the int64 result is 22003 at final */
    uint8_t fl;        /* SUM/AVG of floats: 8 double precision, 4 real; 0 integers */
    double fsum, fsxx; /* SUM/AVG of floats: PostgreSQL's float8_accum Sx and Sxx */
    value best;        /* MIN/MAX: TEXT copied into the accumulator's arena */
} ex_accum;

void ex_accum_init(ex_accum *acc, int agg);
/* Adds one input (for count(*), pass any non-NULL value). TEXT for MIN/MAX is copied into a. */
int ex_accum_step(ex_accum *acc, const value *v, arena *a, sql_error *err);
/* The result: COUNT -> integer (0 for no rows); SUM -> integer, NULL for no rows, 22003 when
 * it does not fit in 64 bits; SUM of floats -> the input's float type, AVG of floats -> double
 * precision (22003 overflow as PostgreSQL's float8pl / float8_accum); MIN/MAX -> the value or NULL; AVG -> TEXT with PostgreSQL's
 * numeric formatting of avg(bigint) (e.g. "2.5000000000000000"), NULL for no rows. */
int ex_accum_final(const ex_accum *acc, arena *a, value *out, sql_error *err);

#endif
