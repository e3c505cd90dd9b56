/*
 * numeric.c — PostgreSQL 15's NUMERIC on GMP's mpn layer (engine/numeric.h, engine/README.md
 * "NUMERIC").
 *
 * Design: a finite value is an integer coefficient and a decimal scale. Arithmetic works on
 * coefficients with GMP (the functions that never allocate: scratch comes from us, see
 * numeric.h), aligned to a common scale first; rounding to a scale is a division by a power of
 * ten with the remainder compared against half the divisor (half away from zero, the rule of
 * PostgreSQL's round_var). Text input is handled as a digit string until the value is known to
 * fit, so '1e100000000' is refused before 100 million digits are made.
 *
 * Internal values ("fin") own malloc'd limbs; num_make checks PostgreSQL's limits (make_result:
 * at most 131072 digits before the point and 16383 after) and copies the limbs to the arena.
 */
#include "engine/numeric.h"

#include <ctype.h>
#include <errno.h>
#include <gmp.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/acidb.h"
#include "engine/sqlstate.h"

_Static_assert(GMP_NUMB_BITS == 64 && sizeof(mp_limb_t) == sizeof(uint64_t),
               "numeric.h stores coefficients as 64-bit GMP limbs");

#define POW10_19 10000000000000000000ULL
static const uint64_t pow10_small[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, POW10_19};

/* ---- magnitudes: malloc'd limb arrays ----------------------------------------------------- */

typedef struct mag {
    mp_limb_t *d;
    size_t n;   /* used limbs, d[n-1] != 0; 0 = zero */
} mag;

static void mag_free(mag *m)
{
    free(m->d);
    m->d = NULL;
    m->n = 0;
}

static void mag_norm(mag *m)
{
    while (m->n > 0 && m->d[m->n - 1] == 0)
        m->n--;
}

static size_t norm_len(const mp_limb_t *d, size_t n)
{
    while (n > 0 && d[n - 1] == 0)
        n--;
    return n;
}

/* A copy of {d, n} with room for `extra` more limbs. -1 when out of memory. */
static int mag_dup(const mp_limb_t *d, size_t n, size_t extra, mag *out)
{
    out->d = malloc((n + extra + 1) * sizeof(mp_limb_t));
    if (!out->d)
        return -1;
    if (n)
        memcpy(out->d, d, n * sizeof(mp_limb_t));
    out->n = n;
    return 0;
}

/* m = m * f + add, growing by one limb. */
static int mag_mul_add_1(mag *m, mp_limb_t f, mp_limb_t add)
{
    mp_limb_t *nd = realloc(m->d, (m->n + 2) * sizeof(mp_limb_t));
    if (!nd)
        return -1;
    m->d = nd;
    mp_limb_t carry = m->n ? mpn_mul_1(m->d, m->d, (mp_size_t)m->n, f) : 0;
    m->d[m->n] = carry;
    m->n++;
    if (add) {
        m->d[m->n] = 0;
        mpn_add_1(m->d, m->d, (mp_size_t)m->n + 1, add);
        m->n++;
    }
    mag_norm(m);
    return 0;
}

/* 10^k. */
static int mag_pow10(size_t k, mag *out)
{
    if (mag_dup(NULL, 0, 1, out) < 0)
        return -1;
    out->d[0] = pow10_small[k % 19];
    out->n = 1;
    for (size_t i = 0; i < k / 19; i++)
        if (mag_mul_add_1(out, POW10_19, 0) < 0) {
            mag_free(out);
            return -1;
        }
    return 0;
}

/* out = {a,an} * {b,bn} (fresh). mpn_sec_mul needs an >= bn >= 1 and caller scratch. */
static int mag_mul(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *out)
{
    out->d = NULL;
    out->n = 0;
    if (an == 0 || bn == 0)
        return mag_dup(NULL, 0, 0, out);
    if (an < bn) {
        const mp_limb_t *t = a; a = b; b = t;
        size_t tn = an; an = bn; bn = tn;
    }
    if (mag_dup(NULL, 0, an + bn, out) < 0)
        return -1;
    if (bn == 1) {
        out->d[an] = mpn_mul_1(out->d, a, (mp_size_t)an, b[0]);
    } else {
        mp_size_t itch = mpn_sec_mul_itch((mp_size_t)an, (mp_size_t)bn);
        mp_limb_t *tp = malloc(((size_t)itch + 1) * sizeof(mp_limb_t));
        if (!tp) {
            mag_free(out);
            return -1;
        }
        mpn_sec_mul(out->d, a, (mp_size_t)an, b, (mp_size_t)bn, tp);
        free(tp);
    }
    out->n = an + bn;
    mag_norm(out);
    return 0;
}

/* m *= 10^k in place. */
static int mag_scale(mag *m, size_t k)
{
    if (m->n == 0 || k == 0)
        return 0;
    if (k <= 19)
        return mag_mul_add_1(m, pow10_small[k], 0);
    mag p, r;
    if (mag_pow10(k, &p) < 0)
        return -1;
    int rc = mag_mul(m->d, m->n, p.d, p.n, &r);
    mag_free(&p);
    if (rc < 0)
        return -1;
    mag_free(m);
    *m = r;
    return 0;
}

/* Truncated division: q = a / b, r = a % b (both fresh). b nonzero. */
static int mag_divmod(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *q,
                      mag *r)
{
    q->d = r->d = NULL;
    q->n = r->n = 0;
    if (an < bn) {
        if (mag_dup(NULL, 0, 0, q) < 0 || mag_dup(a, an, 0, r) < 0) {
            mag_free(q);
            return -1;
        }
        return 0;
    }
    if (mag_dup(NULL, 0, an - bn + 1, q) < 0)
        return -1;
    if (bn == 1) {
        if (mag_dup(NULL, 0, 1, r) < 0) {
            mag_free(q);
            return -1;
        }
        r->d[0] = mpn_divrem_1(q->d, 0, a, (mp_size_t)an, b[0]);
        r->n = 1;
        q->n = an;
    } else {
        if (mag_dup(a, an, 0, r) < 0) {
            mag_free(q);
            return -1;
        }
        mp_size_t itch = mpn_sec_div_qr_itch((mp_size_t)an, (mp_size_t)bn);
        mp_limb_t *tp = malloc(((size_t)itch + 1) * sizeof(mp_limb_t));
        if (!tp) {
            mag_free(q);
            mag_free(r);
            return -1;
        }
        q->d[an - bn] = mpn_sec_div_qr(q->d, r->d, (mp_size_t)an, b, (mp_size_t)bn, tp);
        free(tp);
        q->n = an - bn + 1;
        r->n = bn;
    }
    mag_norm(q);
    mag_norm(r);
    return 0;
}

static int mag_cmp(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn)
{
    if (an != bn)
        return an < bn ? -1 : 1;
    int c = an ? mpn_cmp(a, b, (mp_size_t)an) : 0;
    return c < 0 ? -1 : c > 0;
}

/* out = a + b (fresh). */
static int mag_add(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *out)
{
    if (an < bn) {
        const mp_limb_t *t = a; a = b; b = t;
        size_t tn = an; an = bn; bn = tn;
    }
    if (mag_dup(NULL, 0, an + 1, out) < 0)
        return -1;
    mp_limb_t c = 0;
    if (bn)
        c = mpn_add(out->d, a, (mp_size_t)an, b, (mp_size_t)bn);
    else if (an)
        memcpy(out->d, a, an * sizeof(mp_limb_t));
    out->d[an] = c;
    out->n = an + 1;
    mag_norm(out);
    return 0;
}

/* out = a - b (fresh); a >= b. */
static int mag_sub(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *out)
{
    if (mag_dup(NULL, 0, an, out) < 0)
        return -1;
    if (bn)
        mpn_sub(out->d, a, (mp_size_t)an, b, (mp_size_t)bn);
    else if (an)
        memcpy(out->d, a, an * sizeof(mp_limb_t));
    out->n = an;
    mag_norm(out);
    return 0;
}

static int mag_add_1(mag *m)
{
    mag r;
    mp_limb_t one = 1;
    if (mag_add(m->d, m->n, &one, 1, &r) < 0)
        return -1;
    mag_free(m);
    *m = r;
    return 0;
}

/* Decimal digits of {d, n} (0 for zero), exact. */
static int mag_ndigits(const mp_limb_t *d, size_t n, size_t *nd)
{
    if (n == 0) {
        *nd = 0;
        return 0;
    }
    if (n == 1) {
        size_t k = 1;
        while (k < 20 && d[0] >= pow10_small[k])
            k++;
        *nd = k;
        return 0;
    }
    size_t s = mpn_sizeinbase(d, (mp_size_t)n, 10); /* exact or one too big */
    mag p;
    if (mag_pow10(s - 1, &p) < 0)
        return -1;
    *nd = mag_cmp(d, n, p.d, p.n) < 0 ? s - 1 : s;
    mag_free(&p);
    return 0;
}

/* The decimal digits of {d, n} ("0" for zero), malloc'd, NUL-terminated. Chunks of 19 digits
 * come off the low end by mpn_divrem_1 (quadratic, no GMP allocation). */
static char *mag_to_dec(const mp_limb_t *d, size_t n, size_t *len)
{
    size_t cap = n * 20 + 2;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    if (n == 0) {
        s[0] = '0';
        s[1] = 0;
        *len = 1;
        return s;
    }
    mp_limb_t *t = malloc(n * sizeof(mp_limb_t));
    if (!t) {
        free(s);
        return NULL;
    }
    memcpy(t, d, n * sizeof(mp_limb_t));
    size_t tn = n, pos = cap - 1;
    s[pos] = 0;
    while (tn > 0) {
        mp_limb_t chunk = mpn_divrem_1(t, 0, t, (mp_size_t)tn, POW10_19);
        tn = norm_len(t, tn);
        for (int i = 0; i < 19 && (tn > 0 || chunk > 0); i++) {
            s[--pos] = (char)('0' + chunk % 10);
            chunk /= 10;
        }
    }
    free(t);
    *len = cap - 1 - pos;
    memmove(s, s + pos, *len + 1);
    return s;
}

/* {digits, nd} (ASCII digits) as a magnitude. */
static int mag_from_dec(const char *digits, size_t nd, mag *out)
{
    if (mag_dup(NULL, 0, 0, out) < 0)
        return -1;
    size_t i = 0, first = nd % 19 ? nd % 19 : 19;
    while (i < nd) {
        size_t take = i == 0 ? (first < nd ? first : nd) : 19;
        mp_limb_t chunk = 0;
        for (size_t j = 0; j < take; j++)
            chunk = chunk * 10 + (mp_limb_t)(digits[i + j] - '0');
        if (mag_mul_add_1(out, pow10_small[take], chunk) < 0) {
            mag_free(out);
            return -1;
        }
        i += take;
    }
    return 0;
}

/* ---- finite working values and the checks of make_result ---------------------------------- */

typedef struct fin {
    int neg;
    int32_t dscale;
    mag m;
} fin;

static int nomem(sql_error *e) { return sql_err_nomem(e, "in a numeric operation"); }

static int overflow(sql_error *e)
{
    return sql_err(e, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                   "value overflows numeric format");
}

static void num_special(int kind, num *out)
{
    memset(out, 0, sizeof *out);
    out->kind = (uint8_t)kind;
}

/* Checks PostgreSQL's storage limits and copies f into the arena as *out. Frees f. */
static int num_make(fin *f, arena *a, num *out, sql_error *e)
{
    int rc = 0;
    mag_norm(&f->m);
    size_t nd;
    if (f->dscale < 0 || f->dscale > NUM_MAX_DSCALE) {
        rc = overflow(e);
        goto done;
    }
    /* mpn_sizeinbase is exact or one too big: count exactly only at the border. */
    nd = f->m.n ? mpn_sizeinbase(f->m.d, (mp_size_t)f->m.n, 10) : 0;
    if (nd > (size_t)f->dscale + NUM_MAX_INT_DIGITS &&
        nd - 1 <= (size_t)f->dscale + NUM_MAX_INT_DIGITS &&
        mag_ndigits(f->m.d, f->m.n, &nd) < 0) {
        rc = nomem(e);
        goto done;
    }
    if (nd > (size_t)f->dscale && nd - (size_t)f->dscale > NUM_MAX_INT_DIGITS) {
        rc = overflow(e);
        goto done;
    }
    uint64_t *d = NULL;
    if (f->m.n) {
        d = ar_alloc(a, f->m.n * sizeof(uint64_t));
        if (!d) {
            rc = nomem(e);
            goto done;
        }
        memcpy(d, f->m.d, f->m.n * sizeof(uint64_t));
    }
    out->kind = NUM_FINITE;
    out->neg = (uint8_t)(f->m.n ? f->neg != 0 : 0);
    out->dscale = (uint16_t)f->dscale;
    out->n = (uint32_t)f->m.n;
    out->d = d;
done:
    mag_free(&f->m);
    return rc;
}

static int fin_from(const num *x, fin *f)
{
    f->neg = x->neg;
    f->dscale = x->dscale;
    return mag_dup((const mp_limb_t *)x->d, x->n, 0, &f->m);
}

/* Rounds (half away from zero) or truncates f to scale s (s may be negative: the digits left
 * of the point are zeroed and dscale becomes 0), as PostgreSQL's round_var / trunc_var. */
static int fin_round(fin *f, int32_t s, int round)
{
    if (s >= f->dscale) {
        if (mag_scale(&f->m, (size_t)(s - f->dscale)) < 0)
            return -1;
        f->dscale = s;
        return 0;
    }
    size_t k = (size_t)((int64_t)f->dscale - s);
    mag p, q, r;
    if (mag_pow10(k, &p) < 0)
        return -1;
    if (mag_divmod(f->m.d, f->m.n, p.d, p.n, &q, &r) < 0) {
        mag_free(&p);
        return -1;
    }
    int rc = 0;
    if (round && r.n) {
        mag twice;
        if (mag_add(r.d, r.n, r.d, r.n, &twice) < 0)
            rc = -1;
        else {
            if (mag_cmp(twice.d, twice.n, p.d, p.n) >= 0)
                rc = mag_add_1(&q);
            mag_free(&twice);
        }
    }
    mag_free(&p);
    mag_free(&r);
    mag_free(&f->m);
    f->m = q;
    if (rc < 0)
        return -1;
    if (s < 0) {
        if (mag_scale(&f->m, (size_t)-(int64_t)s) < 0)
            return -1;
        f->dscale = 0;
    } else {
        f->dscale = s;
    }
    mag_norm(&f->m);
    return 0;
}

/* The exponent of the leading digit: |x| in [10^e, 10^(e+1)). x nonzero. */
static int lead_exp(const mp_limb_t *d, size_t n, int32_t dscale, int64_t *e10)
{
    size_t nd;
    if (mag_ndigits(d, n, &nd) < 0)
        return -1;
    *e10 = (int64_t)nd - 1 - dscale;
    return 0;
}

/* ---- text input --------------------------------------------------------------------------- */

static int bad_input(sql_error *e, const char *s, size_t len)
{
    return sql_err(e, ACIDB_RANGE, ERRCODE_INVALID_TEXT_REPRESENTATION, -1,
                   "invalid input syntax for type numeric: \"%.*s\"",
                   (int)(len > 400 ? 400 : len), s);
}

static int field_overflow(sql_error *e, int precision, int scale, int maxdigits)
{
    return sql_err(e, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                   "numeric field overflow\nDETAIL:  A field with precision %d, scale %d must "
                   "round to an absolute value less than %s%d.",
                   precision, scale, maxdigits ? "10^" : "", maxdigits ? maxdigits : 1);
}

static int is_ws(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Case-insensitive match of word at s[*i..len). */
static int match_word(const char *s, size_t len, size_t *i, const char *w)
{
    size_t n = strlen(w);
    if (len - *i < n || strncasecmp(s + *i, w, n) != 0)
        return 0;
    *i += n;
    return 1;
}

static int only_ws_from(const char *s, size_t len, size_t i)
{
    while (i < len && is_ws(s[i]))
        i++;
    return i == len;
}

int num_in(const char *s, size_t len, int precision, int scale, arena *a, num *out,
           sql_error *e)
{
    size_t i = 0;
    while (i < len && is_ws(s[i]))
        i++;
    /* The special values: NaN, [+-]inf, [+-]infinity (PostgreSQL 15's numeric_in). */
    {
        size_t j = i;
        if (match_word(s, len, &j, "NaN") && only_ws_from(s, len, j)) {
            num_special(NUM_NAN, out);
            return 0;
        }
        j = i;
        int sign = 1;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            sign = s[j++] == '-' ? -1 : 1;
        size_t k = j;
        if ((match_word(s, len, &k, "infinity") && only_ws_from(s, len, k)) ||
            ((k = j), match_word(s, len, &k, "inf") && only_ws_from(s, len, k))) {
            if (precision >= 0)
                return sql_err(e, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                               "numeric field overflow\nDETAIL:  A field with precision %d, "
                               "scale %d cannot hold an infinite value.", precision, scale);
            num_special(sign < 0 ? NUM_NINF : NUM_PINF, out);
            return 0;
        }
    }
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    /* Digits before and after the point, leading zeros dropped. */
    char *dig = malloc(len + 1);
    if (!dig)
        return nomem(e);
    size_t nd = 0;
    int64_t frac = 0;
    int seen_digit = 0, seen_point = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            seen_digit = 1;
            if (nd > 0 || c != '0')
                dig[nd++] = c;
            if (seen_point)
                frac++;
        } else if (c == '.' && !seen_point) {
            seen_point = 1;
        } else {
            break;
        }
    }
    int rc = 0;
    if (!seen_digit) {
        rc = bad_input(e, s, len);
        goto out;
    }
    int64_t exponent = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        /* strtol's syntax: optional white space, a sign, digits. */
        size_t j = i + 1;
        while (j < len && is_ws(s[j]))
            j++;
        int eneg = 0;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            eneg = s[j++] == '-';
        if (j >= len || s[j] < '0' || s[j] > '9') {
            rc = bad_input(e, s, len);
            goto out;
        }
        for (; j < len && s[j] >= '0' && s[j] <= '9'; j++)
            if (exponent < INT_MAX)
                exponent = exponent * 10 + (s[j] - '0');
        if (eneg)
            exponent = -exponent;
        i = j;
        if (exponent >= INT_MAX / 2 || exponent <= -(INT_MAX / 2)) {
            rc = overflow(e);   /* before the rest is looked at, as set_var_from_str */
            goto out;
        }
    }
    if (!only_ws_from(s, len, i)) {
        rc = bad_input(e, s, len);
        goto out;
    }
    /* value = dig * 10^-ds. */
    int64_t ds = frac - exponent;
    int64_t dscale = ds < 0 ? 0 : ds;
    if (nd > 0) {
        int64_t e10 = (int64_t)nd - 1 - ds;
        if (precision >= 0) {
            int maxdigits = precision - scale;
            if (e10 + 1 > maxdigits) {
                rc = field_overflow(e, precision, scale, maxdigits);
                goto out;
            }
        } else if (e10 >= NUM_MAX_INT_DIGITS) {
            rc = overflow(e);
            goto out;
        }
    }
    if (precision < 0 && dscale > NUM_MAX_DSCALE) {
        rc = overflow(e);
        goto out;
    }
    /* Rounding to the typmod's scale on the digit string: k digits go. */
    if (precision >= 0 && ds > scale) {
        int64_t k = ds - scale;
        int up = 0;
        if ((int64_t)nd >= k) {
            up = dig[nd - (size_t)k] >= '5';
            nd -= (size_t)k;
        } else {
            nd = 0;
        }
        ds = scale;
        dscale = scale < 0 ? 0 : scale;
        if (up) {
            size_t p = nd;
            while (p > 0 && dig[p - 1] == '9')
                dig[--p] = '0';
            if (p == 0) {
                memmove(dig + 1, dig, nd);
                dig[0] = '1';
                nd++;
            } else {
                dig[p - 1]++;
            }
        }
        if (nd > 0) {
            int maxdigits = precision - scale;
            if ((int64_t)nd - 1 - ds + 1 > maxdigits) {
                rc = field_overflow(e, precision, scale, maxdigits);
                goto out;
            }
        }
    } else if (precision >= 0) {
        /* ds <= scale: only pad. */
        dscale = scale < 0 ? 0 : scale;
    }
    fin f = {neg, (int32_t)dscale, {NULL, 0}};
    if (mag_from_dec(dig, nd, &f.m) < 0 || mag_scale(&f.m, (size_t)(dscale - ds)) < 0) {
        mag_free(&f.m);
        rc = nomem(e);
        goto out;
    }
    num tmp;
    rc = num_make(&f, a, &tmp, e);
    if (rc == 0)
        *out = tmp;
out:
    free(dig);
    return rc;
}

/* ---- text output -------------------------------------------------------------------------- */

int num_out(const num *x, arena *a, char **s, size_t *len, sql_error *e)
{
    const char *lit = x->kind == NUM_NAN ? "NaN" : x->kind == NUM_PINF ? "Infinity"
                    : x->kind == NUM_NINF ? "-Infinity" : NULL;
    if (lit) {
        *s = ar_strndup(a, lit, strlen(lit));
        if (!*s)
            return nomem(e);
        if (len)
            *len = strlen(lit);
        return 0;
    }
    size_t nd;
    char *dig = mag_to_dec((const mp_limb_t *)x->d, x->n, &nd);
    if (!dig)
        return nomem(e);
    size_t ds = x->dscale;
    size_t ilen = nd > ds ? nd - ds : 1;
    size_t total = (x->neg ? 1 : 0) + ilen + (ds ? 1 + ds : 0);
    char *o = ar_alloc(a, total + 1);
    if (!o) {
        free(dig);
        return nomem(e);
    }
    size_t p = 0;
    if (x->neg)
        o[p++] = '-';
    if (nd > ds) {
        memcpy(o + p, dig, nd - ds);
        p += nd - ds;
    } else {
        o[p++] = '0';
    }
    if (ds) {
        o[p++] = '.';
        size_t zeros = nd < ds ? ds - nd : 0;
        memset(o + p, '0', zeros);
        p += zeros;
        memcpy(o + p, dig + (nd > ds ? nd - ds : 0), ds - zeros);
        p += ds - zeros;
    }
    o[p] = 0;
    free(dig);
    *s = o;
    if (len)
        *len = p;
    return 0;
}

/* ---- arithmetic --------------------------------------------------------------------------- */

/* The finite sum of x and y with y's sign flipped when `sub`: aligned to max dscale. */
static int fin_addsub(const num *x, const num *y, int sub, fin *r)
{
    int32_t ds = x->dscale > y->dscale ? x->dscale : y->dscale;
    fin a, b;
    if (fin_from(x, &a) < 0)
        return -1;
    if (fin_from(y, &b) < 0) {
        mag_free(&a.m);
        return -1;
    }
    if (sub)
        b.neg = !b.neg;
    int rc = -1;
    if (mag_scale(&a.m, (size_t)(ds - a.dscale)) < 0 ||
        mag_scale(&b.m, (size_t)(ds - b.dscale)) < 0)
        goto done;
    r->dscale = ds;
    if (a.neg == b.neg || a.m.n == 0 || b.m.n == 0) {
        r->neg = a.m.n ? a.neg : b.neg;
        rc = mag_add(a.m.d, a.m.n, b.m.d, b.m.n, &r->m);
    } else if (mag_cmp(a.m.d, a.m.n, b.m.d, b.m.n) >= 0) {
        r->neg = a.neg;
        rc = mag_sub(a.m.d, a.m.n, b.m.d, b.m.n, &r->m);
    } else {
        r->neg = b.neg;
        rc = mag_sub(b.m.d, b.m.n, a.m.d, a.m.n, &r->m);
    }
done:
    mag_free(&a.m);
    mag_free(&b.m);
    return rc;
}

static int sign_of(const num *x)
{
    if (x->kind == NUM_PINF)
        return 1;
    if (x->kind == NUM_NINF)
        return -1;
    return x->n == 0 ? 0 : x->neg ? -1 : 1;
}

static int num_addsub(const num *x, const num *y, int sub, arena *a, num *out, sql_error *e)
{
    if (x->kind == NUM_NAN || y->kind == NUM_NAN) {
        num_special(NUM_NAN, out);
        return 0;
    }
    if (x->kind != NUM_FINITE || y->kind != NUM_FINITE) {
        int sx = x->kind == NUM_FINITE ? 0 : sign_of(x);
        int sy = y->kind == NUM_FINITE ? 0 : sign_of(y) * (sub ? -1 : 1);
        if (sx && sy && sx != sy)
            num_special(NUM_NAN, out);
        else
            num_special((sx ? sx : sy) > 0 ? NUM_PINF : NUM_NINF, out);
        return 0;
    }
    fin r;
    if (fin_addsub(x, y, sub, &r) < 0)
        return nomem(e);
    return num_make(&r, a, out, e);
}

int num_add(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    return num_addsub(x, y, 0, a, out, e);
}

int num_sub(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    return num_addsub(x, y, 1, a, out, e);
}

int num_mul(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    if (x->kind == NUM_NAN || y->kind == NUM_NAN) {
        num_special(NUM_NAN, out);
        return 0;
    }
    if (x->kind != NUM_FINITE || y->kind != NUM_FINITE) {
        int s = sign_of(x) * sign_of(y);
        num_special(s == 0 ? NUM_NAN : s > 0 ? NUM_PINF : NUM_NINF, out);
        return 0;
    }
    fin r;
    r.neg = x->neg != y->neg;
    if (mag_mul((const mp_limb_t *)x->d, x->n, (const mp_limb_t *)y->d, y->n, &r.m) < 0)
        return nomem(e);
    int32_t ds = (int32_t)x->dscale + y->dscale;
    r.dscale = ds;
    /* numeric_mul: the exact product, rounded when its scale passes NUMERIC_DSCALE_MAX. */
    if (ds > NUM_MAX_DSCALE && fin_round(&r, NUM_MAX_DSCALE, 1) < 0) {
        mag_free(&r.m);
        return nomem(e);
    }
    return num_make(&r, a, out, e);
}

static int div_by_zero(sql_error *e)
{
    return sql_err(e, ACIDB_RANGE, ERRCODE_DIVISION_BY_ZERO, -1, "division by zero");
}

/* PostgreSQL's select_div_scale, which reasons in base-10000 digits: the quotient's weight is
 * estimated from the weights and first base-10000 digits of the operands, and the result gets
 * at least 16 significant digits, at least the operands' dscales, at most 1000. */
static int div_scale(const num *x, const num *y, int32_t *rscale)
{
    int64_t w1 = 0, w2 = 0, f1 = 0, f2 = 0;
    const num *v[2] = {x, y};
    for (int k = 0; k < 2; k++) {
        int64_t w = 0, first = 0;
        if (v[k]->n) {
            int64_t e10;
            if (lead_exp((const mp_limb_t *)v[k]->d, v[k]->n, v[k]->dscale, &e10) < 0)
                return -1;
            w = e10 >= 0 ? e10 / 4 : -((-e10 + 3) / 4);   /* floor(e10 / 4) */
            int64_t lead = e10 - 4 * w + 1;                 /* 1..4 digits in the first group */
            /* The leading `lead` digits of the coefficient. */
            size_t nd;
            char *dig = mag_to_dec((const mp_limb_t *)v[k]->d, v[k]->n, &nd);
            if (!dig)
                return -1;
            for (int64_t j = 0; j < lead; j++)
                first = first * 10 + ((size_t)j < nd ? dig[j] - '0' : 0);
            free(dig);
        }
        if (k == 0) {
            w1 = w;
            f1 = first;
        } else {
            w2 = w;
            f2 = first;
        }
    }
    int64_t qweight = w1 - w2;
    if (f1 <= f2)
        qweight--;
    int64_t rs = 16 - qweight * 4;
    if (rs < x->dscale)
        rs = x->dscale;
    if (rs < y->dscale)
        rs = y->dscale;
    if (rs < 0)
        rs = 0;
    if (rs > 1000)
        rs = 1000;
    *rscale = (int32_t)rs;
    return 0;
}

int num_div(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    if (x->kind == NUM_NAN || y->kind == NUM_NAN) {
        num_special(NUM_NAN, out);
        return 0;
    }
    if (x->kind != NUM_FINITE) {
        if (y->kind != NUM_FINITE) {
            num_special(NUM_NAN, out);
            return 0;
        }
        if (y->n == 0)
            return div_by_zero(e);
        num_special(sign_of(x) * sign_of(y) > 0 ? NUM_PINF : NUM_NINF, out);
        return 0;
    }
    if (y->kind != NUM_FINITE) {
        memset(out, 0, sizeof *out);   /* x / +-Infinity = 0 */
        return 0;
    }
    if (y->n == 0)
        return div_by_zero(e);
    int32_t rscale;
    if (div_scale(x, y, &rscale) < 0)
        return nomem(e);
    /* q = round(x_coef * 10^(rscale - dx + dy) / y_coef), half away from zero. */
    fin n;
    if (fin_from(x, &n) < 0)
        return nomem(e);
    if (mag_scale(&n.m, (size_t)(rscale - x->dscale + y->dscale)) < 0) {
        mag_free(&n.m);
        return nomem(e);
    }
    mag q, r;
    if (mag_divmod(n.m.d, n.m.n, (const mp_limb_t *)y->d, y->n, &q, &r) < 0) {
        mag_free(&n.m);
        return nomem(e);
    }
    mag_free(&n.m);
    int rc = 0;
    if (r.n) {
        mag twice;
        if (mag_add(r.d, r.n, r.d, r.n, &twice) < 0)
            rc = -1;
        else {
            if (mag_cmp(twice.d, twice.n, (const mp_limb_t *)y->d, y->n) >= 0)
                rc = mag_add_1(&q);
            mag_free(&twice);
        }
    }
    mag_free(&r);
    if (rc < 0) {
        mag_free(&q);
        return nomem(e);
    }
    fin res = {x->neg != y->neg, rscale, q};
    return num_make(&res, a, out, e);
}

int num_mod(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    if (x->kind == NUM_NAN || y->kind == NUM_NAN) {
        num_special(NUM_NAN, out);
        return 0;
    }
    if (x->kind != NUM_FINITE) {
        if (y->kind == NUM_FINITE && y->n == 0)
            return div_by_zero(e);
        num_special(NUM_NAN, out);
        return 0;
    }
    if (y->kind != NUM_FINITE) {
        *out = *x;   /* x % +-Infinity = x */
        return 0;
    }
    if (y->n == 0)
        return div_by_zero(e);
    int32_t ds = x->dscale > y->dscale ? x->dscale : y->dscale;
    fin fx, fy;
    if (fin_from(x, &fx) < 0)
        return nomem(e);
    if (fin_from(y, &fy) < 0) {
        mag_free(&fx.m);
        return nomem(e);
    }
    mag q = {NULL, 0}, r = {NULL, 0};
    int rc = mag_scale(&fx.m, (size_t)(ds - x->dscale)) < 0 ||
             mag_scale(&fy.m, (size_t)(ds - y->dscale)) < 0 ||
             mag_divmod(fx.m.d, fx.m.n, fy.m.d, fy.m.n, &q, &r) < 0;
    mag_free(&fx.m);
    mag_free(&fy.m);
    mag_free(&q);
    if (rc) {
        mag_free(&r);
        return nomem(e);
    }
    fin res = {x->neg, ds, r};   /* truncated division: the remainder has x's sign */
    return num_make(&res, a, out, e);
}

void num_neg(const num *x, num *out)
{
    *out = *x;
    if (x->kind == NUM_PINF)
        out->kind = NUM_NINF;
    else if (x->kind == NUM_NINF)
        out->kind = NUM_PINF;
    else if (x->kind == NUM_FINITE && x->n)
        out->neg = !x->neg;
}

void num_abs(const num *x, num *out)
{
    *out = *x;
    out->neg = 0;
    if (x->kind == NUM_NINF)
        out->kind = NUM_PINF;
}

static const uint64_t limb_one = 1;

void num_sign(const num *x, num *out)
{
    if (x->kind == NUM_NAN) {
        num_special(NUM_NAN, out);
        return;
    }
    int s = sign_of(x);
    memset(out, 0, sizeof *out);
    if (s) {
        out->n = 1;
        out->d = &limb_one;
        out->neg = s < 0;
    }
}

int num_is_zero(const num *x) { return x->kind == NUM_FINITE && x->n == 0; }

static int round_common(const num *x, int32_t s, int round, arena *a, num *out, sql_error *e)
{
    if (x->kind != NUM_FINITE) {
        *out = *x;
        return 0;
    }
    /* PostgreSQL 15 clamps the scale to what the format can hold. */
    if (s < -NUM_MAX_INT_DIGITS)
        s = -NUM_MAX_INT_DIGITS;
    if (s > NUM_MAX_DSCALE)
        s = NUM_MAX_DSCALE;
    fin f;
    if (fin_from(x, &f) < 0)
        return nomem(e);
    if (fin_round(&f, s, round) < 0) {
        mag_free(&f.m);
        return nomem(e);
    }
    return num_make(&f, a, out, e);
}

int num_round(const num *x, int32_t s, arena *a, num *out, sql_error *e)
{
    return round_common(x, s, 1, a, out, e);
}

int num_trunc(const num *x, int32_t s, arena *a, num *out, sql_error *e)
{
    return round_common(x, s, 0, a, out, e);
}

/* ceil (up = 1) or floor (up = 0): truncate, then step away from zero when the truncation
 * went toward the wrong side. */
static int ceil_floor(const num *x, int up, arena *a, num *out, sql_error *e)
{
    if (x->kind != NUM_FINITE) {
        *out = *x;
        return 0;
    }
    fin f;
    if (fin_from(x, &f) < 0)
        return nomem(e);
    mag before;
    if (mag_dup(f.m.d, f.m.n, 0, &before) < 0) {
        mag_free(&f.m);
        return nomem(e);
    }
    int32_t ds0 = f.dscale;
    if (fin_round(&f, 0, 0) < 0) {
        mag_free(&f.m);
        mag_free(&before);
        return nomem(e);
    }
    /* Was anything cut off? Compare f * 10^ds0 with the original coefficient. */
    int cut = 0;
    mag back;
    if (mag_dup(f.m.d, f.m.n, 0, &back) < 0 || mag_scale(&back, (size_t)ds0) < 0) {
        mag_free(&back);
        mag_free(&f.m);
        mag_free(&before);
        return nomem(e);
    }
    cut = mag_cmp(back.d, back.n, before.d, before.n) != 0;
    mag_free(&back);
    mag_free(&before);
    if (cut && (up ? !x->neg : x->neg) && mag_add_1(&f.m) < 0) {
        mag_free(&f.m);
        return nomem(e);
    }
    return num_make(&f, a, out, e);
}

int num_ceil(const num *x, arena *a, num *out, sql_error *e)
{
    return ceil_floor(x, 1, a, out, e);
}
int num_floor(const num *x, arena *a, num *out, sql_error *e)
{
    return ceil_floor(x, 0, a, out, e);
}

/* Room for any coefficient scaled to a common scale: at most 131072 + 16383 digits. */
#define CMP_LIMBS 7700
static _Thread_local mp_limb_t cmp_buf[CMP_LIMBS + 2];

/* Compares |a| * 10^k with |b| without allocating (num_cmp cannot fail): a's coefficient is
 * scaled up in a per-thread buffer, stopping as soon as it outgrows b. */
static int cmp_scaled(const num *a, size_t k, const num *b)
{
    size_t n = a->n;
    if (n > CMP_LIMBS)
        return 1;
    memcpy(cmp_buf, a->d, n * sizeof(mp_limb_t));
    while (k > 0 && n > 0) {
        size_t step = k > 19 ? 19 : k;
        mp_limb_t carry = mpn_mul_1(cmp_buf, cmp_buf, (mp_size_t)n, pow10_small[step]);
        if (carry)
            cmp_buf[n++] = carry;
        k -= step;
        if (n > b->n)
            return 1;
    }
    return mag_cmp(cmp_buf, n, (const mp_limb_t *)b->d, b->n);
}

int num_cmp(const num *x, const num *y)
{
    /* Rank: -Infinity 0, finite 1, +Infinity 2, NaN 3. */
    static const int rank[4] = {1, 3, 2, 0};
    if (x->kind != NUM_FINITE || y->kind != NUM_FINITE) {
        int rx = rank[x->kind], ry = rank[y->kind];
        if (rx != ry || rx != 1)
            return rx < ry ? -1 : rx > ry;
    }
    int sx = sign_of(x), sy = sign_of(y);
    if (sx != sy)
        return sx < sy ? -1 : 1;
    if (sx == 0)
        return 0;
    /* Same sign: compare magnitudes at a common scale. */
    int c;
    if (x->dscale == y->dscale)
        c = mag_cmp((const mp_limb_t *)x->d, x->n, (const mp_limb_t *)y->d, y->n);
    else if (x->dscale < y->dscale)
        c = cmp_scaled(x, (size_t)(y->dscale - x->dscale), y);
    else
        c = -cmp_scaled(y, (size_t)(x->dscale - y->dscale), x);
    return sx < 0 ? -c : c;
}

/* Hashes the value with trailing fractional zeros stripped (1.0 and 1.00 are the same number),
 * in the per-thread buffer of num_cmp: no allocation, so it cannot fail either. */
uint64_t num_hash(const num *x, uint64_t seed)
{
    if (x->kind != NUM_FINITE || x->n == 0) {
        uint8_t k = x->kind == NUM_FINITE ? 0xFF : x->kind;
        return XXH3_64bits_withSeed(&k, 1, seed);
    }
    static _Thread_local mp_limb_t q[CMP_LIMBS + 2];
    size_t n = x->n;
    if (n > CMP_LIMBS)
        n = CMP_LIMBS;   /* never for a value num_make made */
    memcpy(cmp_buf, x->d, n * sizeof(mp_limb_t));
    uint32_t ds = x->dscale;
    while (ds > 0) {
        uint32_t k = ds < 19 ? ds : 19;
        /* Strip k zeros at once when they are there, else one at a time. */
        if (mpn_divrem_1(q, 0, cmp_buf, (mp_size_t)n, pow10_small[k]) != 0) {
            if (k == 1 || mpn_divrem_1(q, 0, cmp_buf, (mp_size_t)n, 10) != 0)
                break;
            k = 1;
        }
        n = norm_len(q, n);
        memcpy(cmp_buf, q, n * sizeof(mp_limb_t));
        ds -= k;
    }
    uint64_t h = XXH3_64bits_withSeed(cmp_buf, n * sizeof(mp_limb_t), seed);
    uint64_t tail[2] = {ds, x->neg};
    return XXH3_64bits_withSeed(tail, sizeof tail, h);
}

/* ---- NUMERIC(p, s) ------------------------------------------------------------------------ */

int num_typmod_check(int precision, int scale, sql_error *e)
{
    if (precision < 1 || precision > NUM_MAX_PRECISION)
        return sql_err(e, ACIDB_ERROR, ERRCODE_INVALID_PARAMETER_VALUE, -1,
                       "NUMERIC precision %d must be between 1 and %d", precision,
                       NUM_MAX_PRECISION);
    if (scale < NUM_MIN_SCALE || scale > NUM_MAX_SCALE)
        return sql_err(e, ACIDB_ERROR, ERRCODE_INVALID_PARAMETER_VALUE, -1,
                       "NUMERIC scale %d must be between %d and %d", scale, NUM_MIN_SCALE,
                       NUM_MAX_SCALE);
    return 0;
}

int num_apply_typmod(const num *x, int precision, int scale, arena *a, num *out, sql_error *e)
{
    if (x->kind == NUM_NAN) {
        *out = *x;
        return 0;
    }
    if (x->kind != NUM_FINITE)
        return sql_err(e, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                       "numeric field overflow\nDETAIL:  A field with precision %d, scale %d "
                       "cannot hold an infinite value.", precision, scale);
    fin f;
    if (fin_from(x, &f) < 0)
        return nomem(e);
    if (fin_round(&f, scale, 1) < 0) {
        mag_free(&f.m);
        return nomem(e);
    }
    if (f.m.n) {
        int64_t e10;
        if (lead_exp(f.m.d, f.m.n, f.dscale, &e10) < 0) {
            mag_free(&f.m);
            return nomem(e);
        }
        int maxdigits = precision - scale;
        if (e10 + 1 > maxdigits) {
            mag_free(&f.m);
            return field_overflow(e, precision, scale, maxdigits);
        }
    }
    return num_make(&f, a, out, e);
}

/* ---- casts -------------------------------------------------------------------------------- */

int num_from_int64(int64_t i, arena *a, num *out, sql_error *e)
{
    fin f = {i < 0, 0, {NULL, 0}};
    if (mag_dup(NULL, 0, 1, &f.m) < 0)
        return nomem(e);
    f.m.d[0] = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
    f.m.n = 1;
    return num_make(&f, a, out, e);
}

/* Rounds to an integer and checks |value| <= limit (limit + 1 allowed when negative). */
static int to_int(const num *x, const char *type, uint64_t limit, int64_t *out, sql_error *e)
{
    if (x->kind == NUM_NAN)
        return sql_err(e, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                       "cannot convert NaN to %s", type);
    if (x->kind != NUM_FINITE)
        return sql_err(e, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                       "cannot convert infinity to %s", type);
    fin f;
    if (fin_from(x, &f) < 0)
        return nomem(e);
    if (fin_round(&f, 0, 1) < 0) {
        mag_free(&f.m);
        return nomem(e);
    }
    uint64_t m = f.m.n ? f.m.d[0] : 0;
    int ok = f.m.n <= 1 && (m <= limit || (f.neg && m == limit + 1));
    mag_free(&f.m);
    if (!ok)
        return sql_err(e, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                       "%s out of range", type);
    *out = f.neg ? (int64_t)(0 - m) : (int64_t)m;
    return 0;
}

int num_to_int16(const num *x, int16_t *out, sql_error *e)
{
    int64_t v;
    int rc = to_int(x, "smallint", INT16_MAX, &v, e);
    if (rc == 0)
        *out = (int16_t)v;
    return rc;
}

int num_to_int32(const num *x, int32_t *out, sql_error *e)
{
    int64_t v;
    int rc = to_int(x, "integer", INT32_MAX, &v, e);
    if (rc == 0)
        *out = (int32_t)v;
    return rc;
}

int num_to_int64(const num *x, int64_t *out, sql_error *e)
{
    return to_int(x, "bigint", INT64_MAX, out, e);
}

int num_from_double(double d, arena *a, num *out, sql_error *e)
{
    if (isnan(d)) {
        num_special(NUM_NAN, out);
        return 0;
    }
    if (isinf(d)) {
        num_special(d > 0 ? NUM_PINF : NUM_NINF, out);
        return 0;
    }
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.*g", 15, d);   /* DBL_DIG, as float8_numeric */
    return num_in(buf, (size_t)n, -1, 0, a, out, e);
}

int num_to_double(const num *x, double *out, sql_error *e)
{
    if (x->kind != NUM_FINITE) {
        *out = x->kind == NUM_NAN ? NAN : x->kind == NUM_PINF ? HUGE_VAL : -HUGE_VAL;
        return 0;
    }
    arena a;
    ar_init(&a);
    char *s;
    int rc = num_out(x, &a, &s, NULL, e);
    if (rc == 0) {
        errno = 0;
        double v = strtod(s, NULL);
        if (errno == ERANGE && (v == 0.0 || isinf(v)))
            rc = sql_err(e, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                         "\"%.400s\" is out of range for type double precision", s);
        else
            *out = v;
    }
    ar_free(&a);
    return rc;
}

/* ---- sum / avg ---------------------------------------------------------------------------- */

void num_agg_init(num_agg *g) { memset(g, 0, sizeof *g); }

void num_agg_free(num_agg *g)
{
    free(g->d);
    memset(g, 0, sizeof *g);
}

int num_agg_add(num_agg *g, const num *x, sql_error *e)
{
    g->count++;
    if (x->kind == NUM_NAN) {
        g->nans++;
        return 0;
    }
    if (x->kind == NUM_PINF) {
        g->pinfs++;
        return 0;
    }
    if (x->kind == NUM_NINF) {
        g->ninfs++;
        return 0;
    }
    num sum = {NUM_FINITE, (uint8_t)g->neg, (uint16_t)g->dscale, (uint32_t)g->n, g->d};
    fin r;
    if (fin_addsub(&sum, x, 0, &r) < 0) {
        g->count--;
        return nomem(e);
    }
    free(g->d);
    g->d = r.m.d;
    g->n = r.m.n;
    g->cap = r.m.n;
    g->neg = r.m.n ? r.neg : 0;
    g->dscale = r.dscale;
    return 0;
}

int num_agg_add_int64(num_agg *g, int64_t i, sql_error *e)
{
    uint64_t m = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
    num x = {NUM_FINITE, (uint8_t)(i < 0), 0, m != 0, &m};
    return num_agg_add(g, &x, e);
}

int num_agg_sum(const num_agg *g, arena *a, num *out, sql_error *e)
{
    if (g->count == 0)
        return 1;
    if (g->nans || (g->pinfs && g->ninfs)) {
        num_special(NUM_NAN, out);
        return 0;
    }
    if (g->pinfs || g->ninfs) {
        num_special(g->pinfs ? NUM_PINF : NUM_NINF, out);
        return 0;
    }
    fin f = {g->neg, g->dscale, {NULL, 0}};
    if (mag_dup((const mp_limb_t *)g->d, g->n, 0, &f.m) < 0)
        return nomem(e);
    return num_make(&f, a, out, e);
}

int num_agg_avg(const num_agg *g, arena *a, num *out, sql_error *e)
{
    num sum, cnt;
    int rc = num_agg_sum(g, a, &sum, e);
    if (rc != 0)
        return rc;
    if ((rc = num_from_int64(g->count, a, &cnt, e)) != 0)
        return rc;
    return num_div(&sum, &cnt, a, out, e);
}

/* ---- encodings (engine/README.md, "NUMERIC encodings") ------------------------------------ */

static void buf_put(rec_buf *b, const void *p, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void buf_byte(rec_buf *b, uint8_t c) { buf_put(b, &c, 1); }

static void buf_varint(rec_buf *b, uint64_t v)
{
    uint8_t t[10];
    size_t n = 0;
    do {
        t[n] = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v)
            t[n] |= 0x80;
        n++;
    } while (v);
    buf_put(b, t, n);
}

static int get_varint(const uint8_t *buf, size_t len, size_t *off, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*off >= len)
            return -1;
        uint8_t c = buf[(*off)++];
        r |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

enum { REC_POS = 0x00, REC_NEG = 0x01, REC_NAN = 0x02, REC_PINF = 0x03, REC_NINF = 0x04 };

void num_rec_append(rec_buf *b, const num *x)
{
    if (x->kind != NUM_FINITE) {
        buf_byte(b, x->kind == NUM_NAN ? REC_NAN : x->kind == NUM_PINF ? REC_PINF : REC_NINF);
        return;
    }
    buf_byte(b, x->neg ? REC_NEG : REC_POS);
    buf_varint(b, x->dscale);
    size_t nbytes = x->n * 8;
    while (nbytes > 0 && ((x->d[(nbytes - 1) / 8] >> (8 * ((nbytes - 1) % 8))) & 0xFF) == 0)
        nbytes--;
    buf_varint(b, nbytes);
    for (size_t i = 0; i < nbytes; i++)
        buf_byte(b, (uint8_t)(x->d[i / 8] >> (8 * (i % 8))));
}

static int corrupt(sql_error *e, const char *what)
{
    return sql_err(e, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1, "malformed numeric value: %s",
                   what);
}

int num_rec_decode(const uint8_t *buf, size_t len, size_t *off, arena *a, num *out,
                   sql_error *e)
{
    if (*off >= len)
        return corrupt(e, "truncated");
    uint8_t tag = buf[(*off)++];
    if (tag == REC_NAN || tag == REC_PINF || tag == REC_NINF) {
        num_special(tag == REC_NAN ? NUM_NAN : tag == REC_PINF ? NUM_PINF : NUM_NINF, out);
        return 0;
    }
    if (tag != REC_POS && tag != REC_NEG)
        return corrupt(e, "unknown tag");
    uint64_t ds, nbytes;
    if (get_varint(buf, len, off, &ds) < 0 || get_varint(buf, len, off, &nbytes) < 0)
        return corrupt(e, "truncated");
    if (ds > NUM_MAX_DSCALE)
        return corrupt(e, "scale out of range");
    if (nbytes > len - *off)
        return corrupt(e, "truncated coefficient");
    if (nbytes > 0 && buf[*off + nbytes - 1] == 0)
        return corrupt(e, "coefficient with a high zero byte");
    if (nbytes == 0 && tag == REC_NEG)
        return corrupt(e, "negative zero");
    fin f = {tag == REC_NEG, (int32_t)ds, {NULL, 0}};
    size_t nl = ((size_t)nbytes + 7) / 8;
    if (mag_dup(NULL, 0, nl, &f.m) < 0)
        return nomem(e);
    memset(f.m.d, 0, (nl + 1) * sizeof(mp_limb_t));
    for (size_t i = 0; i < nbytes; i++)
        f.m.d[i / 8] |= (mp_limb_t)buf[*off + i] << (8 * (i % 8));
    f.m.n = nl;
    *off += nbytes;
    int rc = num_make(&f, a, out, e);
    if (rc == ACIDB_RANGE)
        return corrupt(e, "value out of range");
    return rc;
}

/* Key classes, in order. */
enum { KEY_NINF = 0x01, KEY_NEG = 0x02, KEY_ZERO = 0x03, KEY_POS = 0x04, KEY_PINF = 0x05,
       KEY_NAN = 0x06 };
#define KEY_EXP_BIAS 0x800000

void num_key_append(rec_buf *b, const num *x)
{
    if (x->kind != NUM_FINITE || x->n == 0) {
        buf_byte(b, x->kind == NUM_NAN ? KEY_NAN : x->kind == NUM_PINF ? KEY_PINF
                    : x->kind == NUM_NINF ? KEY_NINF : KEY_ZERO);
        return;
    }
    size_t nd;
    char *dig = mag_to_dec((const mp_limb_t *)x->d, x->n, &nd);
    if (!dig) {
        b->oom = 1;
        return;
    }
    /* |x| = 0.d1d2...dn * 10^E with d1 != 0 and dn != 0. */
    int64_t E = (int64_t)nd - x->dscale;
    while (nd > 0 && dig[nd - 1] == '0')
        nd--;
    uint8_t inv = x->neg ? 0xFF : 0x00;
    buf_byte(b, x->neg ? KEY_NEG : KEY_POS);
    uint32_t be = (uint32_t)(E + KEY_EXP_BIAS);
    uint8_t eb[3] = {(uint8_t)(be >> 16), (uint8_t)(be >> 8), (uint8_t)be};
    for (int i = 0; i < 3; i++)
        eb[i] ^= inv;
    buf_put(b, eb, 3);
    for (size_t i = 0; i < nd; i += 2) {
        int pair = (dig[i] - '0') * 10 + (i + 1 < nd ? dig[i + 1] - '0' : 0);
        int last = i + 2 >= nd;
        buf_byte(b, (uint8_t)((2 * pair + (last ? 0 : 1)) ^ inv));
    }
    free(dig);
}

int num_key_decode(const uint8_t *buf, size_t len, size_t *off, arena *a, num *out,
                   sql_error *e)
{
    if (*off >= len)
        return corrupt(e, "truncated key");
    uint8_t cls = buf[(*off)++];
    switch (cls) {
    case KEY_NINF: num_special(NUM_NINF, out); return 0;
    case KEY_PINF: num_special(NUM_PINF, out); return 0;
    case KEY_NAN: num_special(NUM_NAN, out); return 0;
    case KEY_ZERO: memset(out, 0, sizeof *out); return 0;
    case KEY_NEG: case KEY_POS: break;
    default: return corrupt(e, "unknown key class");
    }
    uint8_t inv = cls == KEY_NEG ? 0xFF : 0x00;
    if (len - *off < 4)
        return corrupt(e, "truncated key");
    uint32_t be = ((uint32_t)(buf[*off] ^ inv) << 16) | ((uint32_t)(buf[*off + 1] ^ inv) << 8) |
                  (uint32_t)(buf[*off + 2] ^ inv);
    *off += 3;
    int64_t E = (int64_t)be - KEY_EXP_BIAS;
    size_t start = *off, end = start;
    while (end < len && ((buf[end] ^ inv) & 1))
        end++;
    if (end >= len)
        return corrupt(e, "unterminated key");
    end++;
    size_t npairs = end - start;
    if (npairs > (NUM_MAX_INT_DIGITS + NUM_MAX_DSCALE) / 2 + 1)
        return corrupt(e, "key too long");
    char *dig = malloc(2 * npairs + 1);
    if (!dig)
        return nomem(e);
    for (size_t i = 0; i < npairs; i++) {
        int pair = (buf[start + i] ^ inv) >> 1;
        if (pair > 99) {
            free(dig);
            return corrupt(e, "bad key digit");
        }
        dig[2 * i] = (char)('0' + pair / 10);
        dig[2 * i + 1] = (char)('0' + pair % 10);
    }
    size_t nd = 2 * npairs;
    while (nd > 0 && dig[nd - 1] == '0')
        nd--;
    if (nd == 0 || dig[0] == '0') {
        free(dig);
        return corrupt(e, "bad key digits");
    }
    *off = end;
    int64_t ds = (int64_t)nd - E;
    fin f = {cls == KEY_NEG, (int32_t)(ds < 0 ? 0 : ds), {NULL, 0}};
    if (ds > NUM_MAX_DSCALE || E > NUM_MAX_INT_DIGITS) {
        free(dig);
        return corrupt(e, "key value out of range");
    }
    int rc = 0;
    if (mag_from_dec(dig, nd, &f.m) < 0 || (ds < 0 && mag_scale(&f.m, (size_t)-ds) < 0))
        rc = nomem(e);
    free(dig);
    if (rc) {
        mag_free(&f.m);
        return rc;
    }
    rc = num_make(&f, a, out, e);
    if (rc == ACIDB_RANGE)
        return corrupt(e, "key value out of range");
    return rc;
}
