/*
 * numeric.h — exact decimal numbers with PostgreSQL 15's NUMERIC semantics (engine/types.md,
 * "NUMERIC").
 *
 * A value is (kind, sign, coefficient, dscale): a finite value is (-1)^neg * coef / 10^dscale,
 * coef an unsigned integer in 64-bit little-endian limbs (GMP's mpn layout) without high zero
 * limbs (n == 0 is zero, and zero is never negative). dscale is PostgreSQL's display scale:
 * the digits printed after the point (10.50 is coef 1050, dscale 2), 0..NUM_MAX_DSCALE. Besides
 * finite values there are NaN, +Infinity and -Infinity, as in PostgreSQL 15.
 *
 * Ownership: a num does not own its limbs. Every function that produces a value takes an arena
 * and puts the limbs there (valid until the arena is reset or released); num_neg / num_abs /
 * num_sign share or use static limbs. Values are immutable once made. Scratch memory is malloc'd
 * and freed before return. GMP is used only through its mpn functions that take their memory
 * from the caller (mpn_add, mpn_sub, mpn_mul_1, mpn_divrem_1, mpn_sec_mul, mpn_sec_div_qr,
 * mpn_sizeinbase), so GMP never allocates and an allocation failure is always an error value
 * (53200), never an abort.
 *
 * Errors: fallible functions return 0 or an ACIDB_* code (engine/acidb.h) and fill `e` with
 * PostgreSQL's SQLSTATE and message: 22P02 invalid input, 22003 out of range / field overflow
 * (the DETAIL on a second line, "\nDETAIL:  ...", as the engine's other messages), 22012
 * division by zero, 0A000 NaN or infinity to an integer, 22023 a bad typmod, 53200 out of
 * memory, XX001 a malformed stored value. On error *out is untouched.
 *
 * Threading: no shared state; a value may be read by any number of threads.
 */
#ifndef ACIDB_NUMERIC_H
#define ACIDB_NUMERIC_H

#include <stddef.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/record.h"
#include "engine/sqlerr.h"

enum { NUM_FINITE = 0, NUM_NAN = 1, NUM_PINF = 2, NUM_NINF = 3 };

#define NUM_MAX_DSCALE 16383       /* digits after the point (PostgreSQL NUMERIC_DSCALE_MAX)  */
#define NUM_MAX_INT_DIGITS 131072  /* digits before the point ((NUMERIC_WEIGHT_MAX + 1) * 4) */
#define NUM_MAX_PRECISION 1000     /* NUMERIC(p, s): 1 <= p <= 1000                            */
#define NUM_MIN_SCALE (-1000)      /*                 -1000 <= s <= 1000                        */
#define NUM_MAX_SCALE 1000

typedef struct num {
    uint8_t kind;        /* NUM_FINITE, NUM_NAN, NUM_PINF, NUM_NINF */
    uint8_t neg;         /* finite and nonzero only */
    uint16_t dscale;     /* finite: 0..NUM_MAX_DSCALE; 0 for the special values */
    uint32_t n;          /* limbs of the coefficient; 0 for zero and the special values */
    const uint64_t *d;   /* coefficient, least significant limb first; d[n-1] != 0 */
} num;

/* ---- text ------------------------------------------------------------------------------- */

/* numeric_in: [ws][+|-]digits[.digits][(e|E)[ws][+|-]digits][ws], or [ws](NaN | [+|-]inf |
 * [+|-]infinity)[ws] case-insensitive. precision < 0: unconstrained NUMERIC; else the value is
 * then fitted to NUMERIC(precision, scale) as num_apply_typmod does (the caller has checked
 * the typmod with num_typmod_check). Errors: 22P02 'invalid input syntax for type numeric:
 * "<text>"', 22003 "value overflows numeric format" (over 131072 digits before the point or
 * over 16383 after), 22003 "numeric field overflow" (typmod). */
int num_in(const char *s, size_t len, int precision, int scale, arena *a, num *out,
           sql_error *e);
/* numeric_out: the value with exactly dscale digits after the point ("10.50", "-0.001", "0",
 * "NaN", "Infinity", "-Infinity"), NUL-terminated in the arena; *len its length (may be NULL). */
int num_out(const num *x, arena *a, char **s, size_t *len, sql_error *e);

/* ---- arithmetic (PostgreSQL's result scales, engine/types.md, "NUMERIC") ------------------ */

int num_add(const num *x, const num *y, arena *a, num *out, sql_error *e);
int num_sub(const num *x, const num *y, arena *a, num *out, sql_error *e);
int num_mul(const num *x, const num *y, arena *a, num *out, sql_error *e);
int num_div(const num *x, const num *y, arena *a, num *out, sql_error *e);
int num_mod(const num *x, const num *y, arena *a, num *out, sql_error *e);
void num_neg(const num *x, num *out);   /* -x (zero stays zero; limbs shared) */
void num_abs(const num *x, num *out);   /* |x| (limbs shared) */
void num_sign(const num *x, num *out);  /* -1, 0, 1 (dscale 0); NaN for NaN */
/* round(x, s) half away from zero, trunc(x, s) toward zero; s clamped to -131072..16383; the
 * result's dscale is max(s, 0). Special values are returned as they are. */
int num_round(const num *x, int32_t s, arena *a, num *out, sql_error *e);
int num_trunc(const num *x, int32_t s, arena *a, num *out, sql_error *e);
int num_ceil(const num *x, arena *a, num *out, sql_error *e);
int num_floor(const num *x, arena *a, num *out, sql_error *e);
/* Total order: -Infinity < finite < +Infinity < NaN, NaN = NaN, 1.0 = 1.00. -1, 0 or 1. */
int num_cmp(const num *x, const num *y);
int num_is_zero(const num *x);
/* A hash consistent with num_cmp == 0 (1.0 and 1.00 hash alike; NaN one value), for DISTINCT
 * and GROUP BY. Needs no memory. */
uint64_t num_hash(const num *x, uint64_t seed);

/* ---- NUMERIC(precision, scale) ----------------------------------------------------------- */

/* 22023 "NUMERIC precision %d must be between 1 and 1000" / "NUMERIC scale %d must be between
 * -1000 and 1000", as PostgreSQL's numerictypmodin. */
int num_typmod_check(int precision, int scale, sql_error *e);
/* Rounds x to `scale` digits (half away from zero; dscale max(scale, 0)) and refuses a value
 * with more than precision - scale digits before the point: 22003 "numeric field overflow",
 * DETAIL "A field with precision P, scale S must round to an absolute value less than 10^N."
 * (or "... cannot hold an infinite value."). NaN passes. */
int num_apply_typmod(const num *x, int precision, int scale, arena *a, num *out, sql_error *e);

/* ---- casts ------------------------------------------------------------------------------- */

int num_from_int64(int64_t i, arena *a, num *out, sql_error *e);
/* coef / 10^dscale at display scale dscale (0..NUM_MAX_DSCALE): e.g. microseconds as seconds
 * with scale 6 for extract(epoch ...). */
int num_from_int64_scaled(int64_t coef, int dscale, arena *a, num *out, sql_error *e);
/* Round half away from zero, then range-check: 22003 "smallint out of range" / "integer out
 * of range" / "bigint out of range"; 0A000 "cannot convert NaN to <type>" / "cannot convert
 * infinity to <type>". */
int num_to_int16(const num *x, int16_t *out, sql_error *e);
int num_to_int32(const num *x, int32_t *out, sql_error *e);
int num_to_int64(const num *x, int64_t *out, sql_error *e);
/* float8_numeric: NaN, +-Infinity kept; a finite double through "%.15g" (15 significant
 * digits), as PostgreSQL does. */
int num_from_double(double d, arena *a, num *out, sql_error *e);
/* numeric_float8: the text form read with strtod; 22003 '"<text>" is out of range for type
 * double precision' when it overflows or underflows to zero. */
int num_to_double(const num *x, double *out, sql_error *e);
/* float4_numeric / numeric_float4: the same with 6 significant digits ("%.6g") and strtof;
 * the error says "real". */
int num_from_float(float f, arena *a, num *out, sql_error *e);
int num_to_float(const num *x, float *out, sql_error *e);

/* ---- sum / avg --------------------------------------------------------------------------- */

/* The running state of sum(numeric) / avg(numeric) / sum and avg of integers. Owns its
 * malloc'd sum; num_agg_free releases it (also after an error). */
typedef struct num_agg {
    int64_t count;        /* values added (NULLs are the caller's business) */
    int64_t nans, pinfs, ninfs;
    int neg;              /* sign of the finite sum */
    int32_t dscale;       /* max dscale of the finite values added */
    uint64_t *d;          /* finite sum's magnitude at dscale, n limbs, cap allocated */
    size_t n, cap;
} num_agg;
void num_agg_init(num_agg *g);
void num_agg_free(num_agg *g);
int num_agg_add(num_agg *g, const num *x, sql_error *e);
int num_agg_add_int64(num_agg *g, int64_t i, sql_error *e);
/* sum: exact, dscale the largest input dscale; NaN if any NaN, or +Infinity and -Infinity.
 * avg: sum / count by num_div (PostgreSQL's numeric_avg, int4/int8 avg). With count == 0
 * both return 1 and leave *out alone: the SQL result is NULL. 22003 when the sum overflows. */
int num_agg_sum(const num_agg *g, arena *a, num *out, sql_error *e);
int num_agg_avg(const num_agg *g, arena *a, num *out, sql_error *e);

/* ---- encodings (engine/types.md, "NUMERIC encodings") ----------------------------------- */

/* Record form: compact, keeps the dscale. Appended to b (b->oom set when out of memory). */
void num_rec_append(rec_buf *b, const num *x);
/* Decodes one record form at buf[*off..len), advancing *off; limbs in the arena. Returns 0,
 * ACIDB_CORRUPT (XX001) when malformed (lengths and limits are checked, never trusted), or
 * ACIDB_NOMEM. */
int num_rec_decode(const uint8_t *buf, size_t len, size_t *off, arena *a, num *out,
                   sql_error *e);
/* Index-key form: memcmp order = num_cmp order, equal numbers (1.0, 1.00) give equal keys,
 * self-delimiting (no key is a prefix of another). b->oom set when out of memory. */
void num_key_append(rec_buf *b, const num *x);
/* Decodes a key form; the dscale is the smallest that shows the value exactly (the key does
 * not keep the display scale). 0, ACIDB_CORRUPT or ACIDB_NOMEM. */
int num_key_decode(const uint8_t *buf, size_t len, size_t *off, arena *a, num *out,
                   sql_error *e);

#endif
