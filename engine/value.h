/*
 * value.h — SQL values: NULL, 64-bit INTEGER, UTF-8 TEXT, BOOLEAN, IEEE FLOAT, BYTEA bytes.
 *
 * A value is a small struct passed by value. TEXT does not own its bytes: they live in the
 * statement's arena (literals, results of || and casts), in a bound parameter's copy, or in the
 * decoded row buffer of the cursor that produced it — valid until that row is left. Anything
 * that must outlive its source (a sort buffer, a group key, a bound parameter) copies it
 * (val_copy).
 *
 * BYTEA (VT_BYTES) is held like TEXT (u.s, len; the same ownership rules) but is any bytes;
 * a UUID (VT_UUID) likewise, always 16 bytes.
 *
 * Type codes equal the public ACIDB_NULL .. ACIDB_UUID (engine/acidb.h). They name a value's
 * representation; the SQL type (smallint or bigint, real or double precision) is the
 * expression's or column's (engine/types.h).
 */
#ifndef ACIDB_VALUE_H
#define ACIDB_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/arena.h"

enum { VT_NULL = 0, VT_INT = 1, VT_TEXT = 2, VT_BOOL = 3, VT_FLOAT = 4, VT_BYTES = 5,
       VT_UUID = 6 };
/* Representations of module types (NUMERIC, dates and times): their operations are in
 * engine/types.h (ty_ops, ty_vt_ops). */
enum { VT_EXT_FIRST = 8, VT_EXT_LAST = 15 };

typedef struct value {
    uint8_t type;        /* VT_* */
    uint32_t len;        /* VT_TEXT: bytes at s (no NUL counted; s[len] is NUL when the
                            text came from the engine, so callers may print it);
                            VT_FLOAT: 4 for a real (its output has float precision), else 0 */
    union {
        int64_t i;       /* VT_INT; VT_BOOL: 0 or 1 */
        const char *s;   /* VT_TEXT, VT_BYTES */
        double f;        /* VT_FLOAT (a real's value is a double holding a float exactly) */
    } u;
} value;

static inline value val_null(void) { value v = {VT_NULL, 0, {0}}; return v; }
static inline value val_int(int64_t i) { value v = {VT_INT, 0, {i}}; return v; }
static inline value val_bool(int b) { value v = {VT_BOOL, 0, {b != 0}}; return v; }
static inline value val_float(double f) { value v = {VT_FLOAT, 0, {0}}; v.u.f = f; return v; }
/* A real: f rounded to float precision, marked as such (len 4). */
static inline value val_float4(float f) { value v = {VT_FLOAT, 4, {0}}; v.u.f = f; return v; }
static inline value val_text(const char *s, uint32_t len)
{ value v = {VT_TEXT, len, {0}}; v.u.s = s; return v; }
static inline value val_bytes(const void *p, uint32_t len)
{ value v = {VT_BYTES, len, {0}}; v.u.s = (const char *)p; return v; }
static inline value val_uuid(const uint8_t *p)
{ value v = {VT_UUID, 16, {0}}; v.u.s = (const char *)p; return v; }
/* Whether v's bytes live outside the struct (TEXT, BYTEA, UUID, a by_ref module value): who
 * copies a value copies them. */
int val_has_bytes(const value *v);

/* "integer", "text", "boolean", "unknown" (NULL) — PostgreSQL's names, for messages. */
const char *val_type_name(int vt);
/* Copies TEXT / BYTEA bytes into the arena (NUL-terminated); other types are returned as
 * they are.
 * Returns -1 when out of memory. */
int val_copy(arena *a, const value *in, value *out);
/* Total order for ORDER BY, DISTINCT and GROUP BY on two values of the same type, NULL
 * greatest (PostgreSQL's default: NULLS LAST ascending). Text compares bytewise (C collation,
 * which is code-point order for UTF-8). Floats as PostgreSQL's float8_cmp: -0 equals 0, NaN
 * equals NaN and is above every other value. Mixed non-NULL types compare by type code. */
int val_cmp(const value *a, const value *b);
/* PostgreSQL's output of a double precision (real when `real`) with extra_float_digits = 1,
 * its default: the shortest text that reads back to the same value, in fixed notation for
 * decimal exponents -4 .. 14 (real: -4 .. 5) and else as 1.5e+20 / 1e-05; "NaN", "Infinity",
 * "-Infinity", "-0". Writes a NUL-terminated text (at most 32 bytes) into buf and returns its
 * length. */
int val_float_text(double f, int real, char buf[32]);
/* BYTEA's output (bytea_output = hex): "\x" and two lower-case hex digits per byte, written
 * into buf (2 + 2 * n bytes and a NUL). Returns the length. */
size_t val_bytea_hex(const uint8_t *p, size_t n, char *buf);
/* A UUID's output: 36 lower-case characters, 8-4-4-4-12, and a NUL. */
void val_uuid_text(const uint8_t *p, char buf[37]);
/* A hash consistent with val_cmp == 0, for DISTINCT / GROUP BY. */
uint64_t val_hash(const value *v, uint64_t seed);
/* Whether len bytes at s are valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int val_utf8_valid(const char *s, size_t len);

#endif
