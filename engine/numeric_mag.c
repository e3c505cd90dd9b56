/*
 * numeric_mag.c — NUMERIC coefficients on GMP's mpn layer, and PostgreSQL's make_result and
 * round_var rules on them (engine/numeric_int.h; engine/types.md, "NUMERIC").
 *
 * Only mpn functions that take their memory from the caller are called (mpn_sec_mul and
 * mpn_sec_div_qr get scratch we allocate), so GMP's allocator, which aborts when memory runs
 * out, is never reached. Decimal conversion goes 19 digits (one limb) at a time: quadratic,
 * which only values of thousands of digits notice.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/numeric_int.h"
#include "engine/sqlstate.h"

const uint64_t num_pow10[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, POW10_19};

/* ---- magnitudes: malloc'd limb arrays ----------------------------------------------------- */

void nmag_free(mag *m)
{
    free(m->d);
    m->d = NULL;
    m->n = 0;
}

void nmag_norm(mag *m)
{
    while (m->n > 0 && m->d[m->n - 1] == 0)
        m->n--;
}

size_t nmag_norm_len(const mp_limb_t *d, size_t n)
{
    while (n > 0 && d[n - 1] == 0)
        n--;
    return n;
}

/* A copy of {d, n} with room for `extra` more limbs. -1 when out of memory. */
int nmag_dup(const mp_limb_t *d, size_t n, size_t extra, mag *out)
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
int nmag_mul_add_1(mag *m, mp_limb_t f, mp_limb_t add)
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
    nmag_norm(m);
    return 0;
}

/* 10^k. */
int nmag_pow10(size_t k, mag *out)
{
    assert(k <= NMAG_MAX_SHIFT);
    if (nmag_dup(NULL, 0, 1, out) < 0)
        return -1;
    out->d[0] = num_pow10[k % 19];
    out->n = 1;
    for (size_t i = 0; i < k / 19; i++)
        if (nmag_mul_add_1(out, POW10_19, 0) < 0) {
            nmag_free(out);
            return -1;
        }
    return 0;
}

/* out = {a,an} * {b,bn} (fresh). mpn_sec_mul needs an >= bn >= 1 and caller scratch. */
int nmag_mul(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *out)
{
    out->d = NULL;
    out->n = 0;
    if (an == 0 || bn == 0)
        return nmag_dup(NULL, 0, 0, out);
    if (an < bn) {
        const mp_limb_t *t = a; a = b; b = t;
        size_t tn = an; an = bn; bn = tn;
    }
    if (nmag_dup(NULL, 0, an + bn, out) < 0)
        return -1;
    if (bn == 1) {
        out->d[an] = mpn_mul_1(out->d, a, (mp_size_t)an, b[0]);
    } else {
        mp_size_t itch = mpn_sec_mul_itch((mp_size_t)an, (mp_size_t)bn);
        mp_limb_t *tp = malloc(((size_t)itch + 1) * sizeof(mp_limb_t));
        if (!tp) {
            nmag_free(out);
            return -1;
        }
        mpn_sec_mul(out->d, a, (mp_size_t)an, b, (mp_size_t)bn, tp);
        free(tp);
    }
    out->n = an + bn;
    nmag_norm(out);
    return 0;
}

/* m *= 10^k in place (zero stays zero at any k: '0e1073741822' is a valid zero). */
int nmag_scale(mag *m, size_t k)
{
    if (m->n == 0 || k == 0)
        return 0;
    assert(k <= NMAG_MAX_SHIFT);
    if (k <= 19)
        return nmag_mul_add_1(m, num_pow10[k], 0);
    mag p, r;
    if (nmag_pow10(k, &p) < 0)
        return -1;
    int rc = nmag_mul(m->d, m->n, p.d, p.n, &r);
    nmag_free(&p);
    if (rc < 0)
        return -1;
    nmag_free(m);
    *m = r;
    return 0;
}

/* Truncated division: q = a / b, r = a % b (both fresh). b nonzero. */
int nmag_divmod(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *q,
                      mag *r)
{
    q->d = r->d = NULL;
    q->n = r->n = 0;
    if (an < bn) {
        if (nmag_dup(NULL, 0, 0, q) < 0 || nmag_dup(a, an, 0, r) < 0) {
            nmag_free(q);
            return -1;
        }
        return 0;
    }
    if (nmag_dup(NULL, 0, an - bn + 1, q) < 0)
        return -1;
    if (bn == 1) {
        if (nmag_dup(NULL, 0, 1, r) < 0) {
            nmag_free(q);
            return -1;
        }
        r->d[0] = mpn_divrem_1(q->d, 0, a, (mp_size_t)an, b[0]);
        r->n = 1;
        q->n = an;
    } else {
        if (nmag_dup(a, an, 0, r) < 0) {
            nmag_free(q);
            return -1;
        }
        mp_size_t itch = mpn_sec_div_qr_itch((mp_size_t)an, (mp_size_t)bn);
        mp_limb_t *tp = malloc(((size_t)itch + 1) * sizeof(mp_limb_t));
        if (!tp) {
            nmag_free(q);
            nmag_free(r);
            return -1;
        }
        q->d[an - bn] = mpn_sec_div_qr(q->d, r->d, (mp_size_t)an, b, (mp_size_t)bn, tp);
        free(tp);
        q->n = an - bn + 1;
        r->n = bn;
    }
    nmag_norm(q);
    nmag_norm(r);
    return 0;
}

int nmag_cmp(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn)
{
    if (an != bn)
        return an < bn ? -1 : 1;
    int c = an ? mpn_cmp(a, b, (mp_size_t)an) : 0;
    return c < 0 ? -1 : c > 0;
}

/* out = a + b (fresh). */
int nmag_add(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *out)
{
    if (an < bn) {
        const mp_limb_t *t = a; a = b; b = t;
        size_t tn = an; an = bn; bn = tn;
    }
    if (nmag_dup(NULL, 0, an + 1, out) < 0)
        return -1;
    mp_limb_t c = 0;
    if (bn)
        c = mpn_add(out->d, a, (mp_size_t)an, b, (mp_size_t)bn);
    else if (an)
        memcpy(out->d, a, an * sizeof(mp_limb_t));
    out->d[an] = c;
    out->n = an + 1;
    nmag_norm(out);
    return 0;
}

/* out = a - b (fresh); a >= b. */
int nmag_sub(const mp_limb_t *a, size_t an, const mp_limb_t *b, size_t bn, mag *out)
{
    if (nmag_dup(NULL, 0, an, out) < 0)
        return -1;
    if (bn)
        mpn_sub(out->d, a, (mp_size_t)an, b, (mp_size_t)bn);
    else if (an)
        memcpy(out->d, a, an * sizeof(mp_limb_t));
    out->n = an;
    nmag_norm(out);
    return 0;
}

int nmag_add_1(mag *m)
{
    mag r;
    mp_limb_t one = 1;
    if (nmag_add(m->d, m->n, &one, 1, &r) < 0)
        return -1;
    nmag_free(m);
    *m = r;
    return 0;
}

/* Decimal digits of {d, n} (0 for zero), exact. */
int nmag_ndigits(const mp_limb_t *d, size_t n, size_t *nd)
{
    if (n == 0) {
        *nd = 0;
        return 0;
    }
    if (n == 1) {
        size_t k = 1;
        while (k < 20 && d[0] >= num_pow10[k])
            k++;
        *nd = k;
        return 0;
    }
    size_t s = mpn_sizeinbase(d, (mp_size_t)n, 10); /* exact or one too big */
    mag p;
    if (nmag_pow10(s - 1, &p) < 0)
        return -1;
    *nd = nmag_cmp(d, n, p.d, p.n) < 0 ? s - 1 : s;
    nmag_free(&p);
    return 0;
}

/* The decimal digits of {d, n} ("0" for zero), malloc'd, NUL-terminated. Chunks of 19 digits
 * come off the low end by mpn_divrem_1 (quadratic, no GMP allocation). */
char *nmag_to_dec(const mp_limb_t *d, size_t n, size_t *len)
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
        tn = nmag_norm_len(t, tn);
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
int nmag_from_dec(const char *digits, size_t nd, mag *out)
{
    if (nmag_dup(NULL, 0, 0, out) < 0)
        return -1;
    size_t i = 0, first = nd % 19 ? nd % 19 : 19;
    while (i < nd) {
        size_t take = i == 0 ? (first < nd ? first : nd) : 19;
        mp_limb_t chunk = 0;
        for (size_t j = 0; j < take; j++)
            chunk = chunk * 10 + (mp_limb_t)(digits[i + j] - '0');
        if (nmag_mul_add_1(out, num_pow10[take], chunk) < 0) {
            nmag_free(out);
            return -1;
        }
        i += take;
    }
    return 0;
}

/* ---- finite working values and the checks of make_result ---------------------------------- */

void num_special(int kind, num *out)
{
    memset(out, 0, sizeof *out);
    out->kind = (uint8_t)kind;
}

/* Checks PostgreSQL's storage limits and copies f into the arena as *out. Frees f. */
int num_make(fin *f, arena *a, num *out, sql_error *e)
{
    int rc = 0;
    nmag_norm(&f->m);
    size_t nd;
    if (f->dscale < 0 || f->dscale > NUM_MAX_DSCALE) {
        rc = num_overflow(e);
        goto done;
    }
    /* mpn_sizeinbase is exact or one too big: count exactly only at the border. */
    nd = f->m.n ? mpn_sizeinbase(f->m.d, (mp_size_t)f->m.n, 10) : 0;
    if (nd > (size_t)f->dscale + NUM_MAX_INT_DIGITS &&
        nd - 1 <= (size_t)f->dscale + NUM_MAX_INT_DIGITS &&
        nmag_ndigits(f->m.d, f->m.n, &nd) < 0) {
        rc = num_nomem(e);
        goto done;
    }
    if (nd > (size_t)f->dscale && nd - (size_t)f->dscale > NUM_MAX_INT_DIGITS) {
        rc = num_overflow(e);
        goto done;
    }
    uint64_t *d = NULL;
    if (f->m.n) {
        d = ar_alloc(a, f->m.n * sizeof(uint64_t));
        if (!d) {
            rc = num_nomem(e);
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
    nmag_free(&f->m);
    return rc;
}

int nfin_from(const num *x, fin *f)
{
    f->neg = x->neg;
    f->dscale = x->dscale;
    return nmag_dup((const mp_limb_t *)x->d, x->n, 0, &f->m);
}

/* Rounds (half away from zero) or truncates f to scale s (s may be negative: the digits left
 * of the point are zeroed and dscale becomes 0), as PostgreSQL's round_var / trunc_var. */
int nfin_round(fin *f, int32_t s, int round)
{
    if (s >= f->dscale) {
        if (nmag_scale(&f->m, (size_t)(s - f->dscale)) < 0)
            return -1;
        f->dscale = s;
        return 0;
    }
    size_t k = (size_t)((int64_t)f->dscale - s);
    mag p, q, r;
    if (nmag_pow10(k, &p) < 0)
        return -1;
    if (nmag_divmod(f->m.d, f->m.n, p.d, p.n, &q, &r) < 0) {
        nmag_free(&p);
        return -1;
    }
    int rc = 0;
    if (round && r.n) {
        mag twice;
        if (nmag_add(r.d, r.n, r.d, r.n, &twice) < 0)
            rc = -1;
        else {
            if (nmag_cmp(twice.d, twice.n, p.d, p.n) >= 0)
                rc = nmag_add_1(&q);
            nmag_free(&twice);
        }
    }
    nmag_free(&p);
    nmag_free(&r);
    nmag_free(&f->m);
    f->m = q;
    if (rc < 0)
        return -1;
    if (s < 0) {
        if (nmag_scale(&f->m, (size_t)-(int64_t)s) < 0)
            return -1;
        f->dscale = 0;
    } else {
        f->dscale = s;
    }
    nmag_norm(&f->m);
    return 0;
}

/* The exponent of the leading digit: |x| in [10^e, 10^(e+1)). x nonzero. */
int nfin_lead_exp(const mp_limb_t *d, size_t n, int32_t dscale, int64_t *e10)
{
    size_t nd;
    if (nmag_ndigits(d, n, &nd) < 0)
        return -1;
    *e10 = (int64_t)nd - 1 - dscale;
    return 0;
}
