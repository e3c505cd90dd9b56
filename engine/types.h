/*
 * types.h — SQL type identity: one table of type descriptors (engine/types.md, "The type table").
 *
 * A value's representation (value.h, VT_*) and its SQL type are different things: smallint,
 * integer and bigint are all VT_INT at run time (an int64_t), but each has its own name, range
 * and range error, as in PostgreSQL. The binder and the type checker carry the SQL type
 * (sql_expr.tid, cat_column.tid); values carry only the representation.
 *
 * Type ids: the ids of the original types equal their VT_* codes (TY_INT8 == VT_INT, TY_TEXT ==
 * VT_TEXT, TY_BOOL == VT_BOOL), so any VT_* code is also a valid type id naming the type that
 * representation meant before widths existed (VT_INT: bigint). New types get new ids at the
 * end; ids are never stored on disk (the catalog keeps the CREATE TABLE text), so they may be
 * renumbered freely.
 *
 * Adding a type (NUMERIC, DATE, ...) is one row of ty_table in types.c plus, when its values
 * need a new representation, a VT_* code with its cases in value.c (compare, hash), record.c
 * (row and key encodings) and expr_cast.c (input and output text). See engine/README.md,
 * "Types", for the rules a row must keep.
 */
#ifndef ACIDB_TYPES_H
#define ACIDB_TYPES_H

#include <stdint.h>

#include "engine/value.h"

enum ty_id {
    TY_NONE = 0,          /* unknown / NULL */
    TY_INT8 = VT_INT,     /* bigint */
    TY_TEXT = VT_TEXT,    /* text, character varying */
    TY_BOOL = VT_BOOL,    /* boolean */
    TY_FLOAT8 = VT_FLOAT, /* double precision */
    TY_BYTEA = VT_BYTES,  /* bytea */
    TY_UUID = VT_UUID,    /* uuid */
    /* ids of types sharing a representation with one above */
    TY_INT2 = 16,         /* smallint */
    TY_INT4,              /* integer */
    TY_FLOAT4,            /* real */
    /* A literal with a fraction or an exponent (1.5, 1e3): numeric in PostgreSQL. acidb has
     * no numeric values yet: such a literal is kept as its text and converted where its
     * context needs a float (CAST, a float operand or column), else refused with 0A000. */
    TY_NUMERIC,
    TY_VARCHAR,           /* character varying[(n)]: text with a length limit (typmod n) */
    TY_BPCHAR,            /* character(n): blank-padded to n, trailing blanks insignificant */
    TY_COUNT
};

/* Type ids of module types (ty_add): TY_EXT_FIRST .. TY_EXT_LAST. */
enum { TY_EXT_FIRST = 64, TY_EXT_LAST = 95 };

/* Typmod rules of a type: what may follow its name in parentheses. */
enum {
    TYPMOD_NONE = 0,
    TYPMOD_LENGTH = 1,    /* (n), n >= 1: VARCHAR(n) */
    TYPMOD_FLOAT_BITS = 2, /* FLOAT(p): 1..24 is real, 25..53 double precision, none: double */
    TYPMOD_PREC_SCALE = 3  /* (p [, s]): typmod = (p << 16 | s) + 4, as PostgreSQL's numeric;
                              p 1..1000, s 0..p (22023 otherwise); none: -1 */
};

struct sql_error;

/* The operations of a module's value representation (a VT_* code VT_EXT_FIRST..VT_EXT_LAST).
 * The engine calls them wherever it handles values: input and output text (casts, literals,
 * parameters, acidb_column_text, messages), order and hashing (comparisons, ORDER BY, GROUP
 * BY, DISTINCT), the row and key encodings (engine/record.h: a row stores tag 0x20 + vt and
 * rec_put's bytes; a key stores 0x01 and key_put's bytes) and typmod coercion (store into a
 * NUMERIC(p,s) column, CAST(x AS NUMERIC(p,s))). Lengths given to rec_get / key_get come from
 * disk: check them and return -1 when malformed. */
typedef struct ty_ops {
    /* 1: a value is len bytes at u.s (copied with its row, like text); 0: it lives in u.i
     * (or u.f) */
    uint8_t by_ref;
    /* the input function: text -> value (bytes in a), typmod -1 when none; errors with
     * PostgreSQL's SQLSTATE and message in err at pos */
    int (*in)(const char *s, size_t n, int32_t typmod, arena *a, value *out, int32_t pos,
              struct sql_error *err);
    /* the output function: writes at most cap - 1 bytes and a NUL, returns the full length */
    size_t (*out)(const value *v, char *buf, size_t cap);
    int (*cmp)(const value *a, const value *b);       /* total order: -1, 0, 1 */
    uint64_t (*hash)(const value *v, uint64_t seed);  /* equal for cmp == 0 */
    size_t (*rec_size)(const value *v);
    void (*rec_put)(const value *v, uint8_t *p);
    /* reads one value at p[0..len), sets *used; a by_ref value may point into p */
    int (*rec_get)(const uint8_t *p, size_t len, size_t *used, value *out);
    size_t (*key_size)(const value *v);
    void (*key_put)(const value *v, uint8_t *p);      /* memcmp order = cmp order */
    int (*key_get)(const uint8_t *p, size_t len, size_t *used, arena *a, value *out);
    /* coerces v to typmod (NUMERIC(p,s): rounds, 22003 when it does not fit); NULL: none */
    int (*apply_typmod)(value *v, int32_t typmod, arena *a, struct sql_error *err);
} ty_ops;

typedef struct ty_desc {
    const char *name;      /* PostgreSQL's format_type name: "integer", "bigint" */
    const char *typname;   /* its pg_type name: "int4", "int8" (a cast's column name) */
    uint8_t vt;            /* the representation of its values (VT_*) */
    uint8_t typmod;        /* TYPMOD_* */
    uint8_t rank;          /* number types: promotion rank (int2 < int4 < int8 < float4 <
                              float8), the order of PostgreSQL's implicit casts; else 0 */
    int64_t min, max;      /* integer family: the range */
    const char *range_msg; /* integer family: 22003 text, "integer out of range" */
    const char *sql_name;  /* module types: the name SQL spells it with ("numeric") */
    const ty_ops *ops;     /* module types: the operations of its representation */
} ty_desc;

/* Adds a module's type (d->vt in VT_EXT_FIRST..VT_EXT_LAST, d->ops and d->sql_name set; d is
 * kept, not copied). Returns its type id, or -1 when the table is full or d is invalid. Not
 * thread-safe: call it before any database is opened (a module's init). A second type may
 * share a representation (and its ops) with the first. */
int ty_add(const ty_desc *d);
/* The module type with id t, or NULL when there is none (no assertion). */
const ty_desc *ty_ext_get(int t);
/* The operations of representation vt, or NULL for a built-in one (inline: every comparison
 * and every encoded value asks). */
const ty_ops *ty_ext_ops(int vt);
static inline const ty_ops *ty_vt_ops(int vt)
{
    return vt >= VT_EXT_FIRST && vt <= VT_EXT_LAST ? ty_ext_ops(vt) : NULL;
}

/* The descriptor of type id t (asserts that t is a type id: built-in or added). */
const ty_desc *ty_get(int t);
static inline int ty_vt(int t) { return ty_get(t)->vt; }
const char *ty_name(int t);
/* The type id of a name as PostgreSQL spells it in SQL (integer, int, int4, int2, smallint,
 * int8, bigint, text, varchar, boolean, bool, real, float4, float8, float; "double
 * precision" is two words and the parser's), or TY_NONE. `*serial` (may be NULL) is set for
 * the serial pseudo-types (serial, serial4, bigserial, serial8, smallserial, serial2), which
 * are only returned when allow_serial. */
int ty_lookup(const char *name, int allow_serial, uint8_t *serial);
/* Whether t is an integer type (smallint, integer, bigint). */
static inline int ty_is_int(int t) { return ty_get(t)->vt == VT_INT; }
/* Whether t is a string type (text, character varying, character). */
static inline int ty_is_string(int t) { return ty_get(t)->vt == VT_TEXT && t != TY_NUMERIC; }
/* Whether t is a float type (real, double precision). */
static inline int ty_is_float(int t) { return ty_get(t)->vt == VT_FLOAT; }
/* Whether t is a number type: integer or float (PostgreSQL's numeric category). */
static inline int ty_is_number(int t) { return ty_is_int(t) || ty_is_float(t); }
/* The result type of arithmetic between number types a and b, as PostgreSQL's operator
 * resolution gives it: the wider integer for two integers; real for two reals; else double
 * precision (an integer meets a float as float8). */
int ty_arith_result(int a, int b);
/* The result type of integer arithmetic between a and b: the wider (PostgreSQL's int24pl,
 * int48pl, ... operators). */
int ty_int_wider(int a, int b);
/* Whether v fits integer type t. */
static inline int ty_int_fits(int t, int64_t v)
{
    const ty_desc *d = ty_get(t);
    return v >= d->min && v <= d->max;
}
/* The type PostgreSQL gives an integer literal: integer when it fits 32 bits, else bigint. */
static inline int ty_int_literal(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX ? TY_INT4 : TY_INT8; }

#endif
