/*
 * types.h — SQL type identity: one table of type descriptors (engine/README.md, "Types").
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

/* Typmod rules of a type: what may follow its name in parentheses. */
enum {
    TYPMOD_NONE = 0,
    TYPMOD_LENGTH = 1,    /* (n), n >= 1: VARCHAR(n) */
    TYPMOD_FLOAT_BITS = 2 /* FLOAT(p): 1..24 is real, 25..53 double precision, none: double */
};

typedef struct ty_desc {
    const char *name;      /* PostgreSQL's format_type name: "integer", "bigint" */
    const char *typname;   /* its pg_type name: "int4", "int8" (a cast's column name) */
    uint8_t vt;            /* the representation of its values (VT_*) */
    uint8_t typmod;        /* TYPMOD_* */
    uint8_t rank;          /* number types: promotion rank (int2 < int4 < int8 < float4 <
                              float8), the order of PostgreSQL's implicit casts; else 0 */
    int64_t min, max;      /* integer family: the range */
    const char *range_msg; /* integer family: 22003 text, "integer out of range" */
} ty_desc;

/* The descriptor of type id t (asserts t < TY_COUNT). */
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
