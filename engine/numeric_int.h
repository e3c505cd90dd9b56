/*
 * numeric_int.h — what the files of the NUMERIC module share (numeric.c: text, arithmetic,
 * casts, sum/avg; numeric_mag.c: coefficients on GMP's mpn layer and PostgreSQL's limit and
 * rounding rules; numeric_enc.c: the record and key encodings). Not for other modules:
 * they use engine/numeric.h.
 *
 * A `mag` is a coefficient being worked on: malloc'd limbs, owned by whoever holds it, freed
 * with nmag_free. A `fin` is a finite value being worked on (sign, scale, mag). Every nmag_ /
 * nfin_ function that allocates returns -1 when out of memory and then owns nothing new.
 */
#ifndef ACIDB_NUMERIC_INT_H
#define ACIDB_NUMERIC_INT_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/acidb.h"
#include "engine/numeric.h"
#include "engine/sqlstate.h"

_Static_assert(GMP_NUMB_BITS == 64 && sizeof(mp_limb_t) == sizeof(uint64_t),
               "numeric.h stores coefficients as 64-bit GMP limbs");

#define POW10_19 10000000000000000000ULL
extern const uint64_t num_pow10[20];   /* 10^0 .. 10^19 */

typedef struct mag {
    mp_limb_t *d;
    size_t n;   /* used limbs, d[n-1] != 0; 0 = zero */
} mag;

typedef struct fin {
    int neg;
    int32_t dscale;
    mag m;
} fin;

void nmag_free(mag *m);
void nmag_norm(mag *m);
size_t nmag_norm_len(const mp_limb_t *d, size_t n);
/* A copy of {d, n} (d may be NULL when n == 0) with room for `extra` more limbs. */
int nmag_dup(const mp_limb_t *d, size_t n, size_t extra, mag *out);
int nmag_mul_add_1(mag *m, mp_limb_t f, mp_limb_t add);     /* m = m * f + add */
/* The largest power of ten any operation needs: a scale change spans at most the digits
 * before the point plus those after (a larger shift is a sign bug, not an input). */
#define NMAG_MAX_SHIFT ((size_t)NUM_MAX_INT_DIGITS + 2 * NUM_MAX_DSCALE)
int nmag_pow10(size_t k, mag *out);                         /* 10^k, fresh */
int nmag_mul(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *out);
int nmag_scale(mag *m, size_t k);                           /* m *= 10^k */
/* Truncated division, q and r fresh; b nonzero. */
int nmag_divmod(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *q, mag *r);
int nmag_cmp(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn);   /* -1, 0, 1 */
int nmag_add(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *out);
int nmag_sub(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *out); /* a>=b */
int nmag_add_1(mag *m);
int nmag_ndigits(const mp_limb_t *d, size_t n, size_t *nd);   /* exact decimal digits */
/* The decimal digits ("0" for zero), malloc'd and NUL-terminated; NULL when out of memory. */
char *nmag_to_dec(const mp_limb_t *d, size_t n, size_t *len);
int nmag_from_dec(const char *digits, size_t nd, mag *out);

/* Error helpers: return the ACIDB_* code they record (inline, so that clang-tidy sees that
 * they never return 0). */
static inline int num_nomem(sql_error *e)   /* 53200 */
{
    return sql_err_nomem(e, "in a numeric operation");
}
static inline int num_overflow(sql_error *e)   /* 22003 */
{
    return sql_err(e, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                   "value overflows numeric format");
}
void num_special(int kind, num *out);
/* PostgreSQL's make_result: checks the limits (at most 131072 digits before the point, 16383
 * after) and copies f into the arena. Always frees f's mag. */
int num_make(fin *f, arena *a, num *out, sql_error *e);
int nfin_from(const num *x, fin *f);    /* a working copy of a finite value */
/* round_var / trunc_var: to scale s (negative s zeroes digits left of the point, dscale 0). */
int nfin_round(fin *f, int32_t s, int round);
/* |x| in [10^e10, 10^(e10+1)) for a nonzero coefficient at dscale. */
int nfin_lead_exp(const mp_limb_t *d, size_t n, int32_t dscale, int64_t *e10);

#endif
