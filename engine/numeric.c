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
 * This file: text input and output, arithmetic, comparison, typmod, casts, sum/avg. The
 * coefficient layer and PostgreSQL's limit and rounding rules are in numeric_mag.c, the
 * encodings in numeric_enc.c (engine/numeric_int.h).
 */
#include "engine/numeric.h"
#include "engine/numeric_int.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/acidb.h"
#include "engine/sqlstate.h"

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
        return num_nomem(e);
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
            rc = num_overflow(e);   /* before the rest is looked at, as set_var_from_str */
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
            rc = num_overflow(e);
            goto out;
        }
    }
    if (precision < 0 && dscale > NUM_MAX_DSCALE) {
        rc = num_overflow(e);
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
    if (nmag_from_dec(dig, nd, &f.m) < 0 || nmag_scale(&f.m, (size_t)(dscale - ds)) < 0) {
        nmag_free(&f.m);
        rc = num_nomem(e);
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
            return num_nomem(e);
        if (len)
            *len = strlen(lit);
        return 0;
    }
    size_t nd;
    char *dig = nmag_to_dec((const mp_limb_t *)x->d, x->n, &nd);
    if (!dig)
        return num_nomem(e);
    size_t ds = x->dscale;
    size_t ilen = nd > ds ? nd - ds : 1;
    size_t total = (x->neg ? 1 : 0) + ilen + (ds ? 1 + ds : 0);
    char *o = ar_alloc(a, total + 1);
    if (!o) {
        free(dig);
        return num_nomem(e);
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
static int nfin_addsub(const num *x, const num *y, int sub, fin *r)
{
    int32_t ds = x->dscale > y->dscale ? x->dscale : y->dscale;
    fin a, b;
    if (nfin_from(x, &a) < 0)
        return -1;
    if (nfin_from(y, &b) < 0) {
        nmag_free(&a.m);
        return -1;
    }
    if (sub)
        b.neg = !b.neg;
    int rc = -1;
    if (nmag_scale(&a.m, (size_t)(ds - a.dscale)) < 0 ||
        nmag_scale(&b.m, (size_t)(ds - b.dscale)) < 0)
        goto done;
    r->dscale = ds;
    if (a.neg == b.neg || a.m.n == 0 || b.m.n == 0) {
        r->neg = a.m.n ? a.neg : b.neg;
        rc = nmag_add(a.m.d, a.m.n, b.m.d, b.m.n, &r->m);
    } else if (nmag_cmp(a.m.d, a.m.n, b.m.d, b.m.n) >= 0) {
        r->neg = a.neg;
        rc = nmag_sub(a.m.d, a.m.n, b.m.d, b.m.n, &r->m);
    } else {
        r->neg = b.neg;
        rc = nmag_sub(b.m.d, b.m.n, a.m.d, a.m.n, &r->m);
    }
done:
    nmag_free(&a.m);
    nmag_free(&b.m);
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
    if (nfin_addsub(x, y, sub, &r) < 0)
        return num_nomem(e);
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
    if (nmag_mul((const mp_limb_t *)x->d, x->n, (const mp_limb_t *)y->d, y->n, &r.m) < 0)
        return num_nomem(e);
    int32_t ds = (int32_t)x->dscale + y->dscale;
    r.dscale = ds;
    /* numeric_mul: the exact product, rounded when its scale passes NUMERIC_DSCALE_MAX. */
    if (ds > NUM_MAX_DSCALE && nfin_round(&r, NUM_MAX_DSCALE, 1) < 0) {
        nmag_free(&r.m);
        return num_nomem(e);
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
            if (nfin_lead_exp((const mp_limb_t *)v[k]->d, v[k]->n, v[k]->dscale, &e10) < 0)
                return -1;
            w = e10 >= 0 ? e10 / 4 : -((-e10 + 3) / 4);   /* floor(e10 / 4) */
            int64_t lead = e10 - 4 * w + 1;                 /* 1..4 digits in the first group */
            /* The leading `lead` digits of the coefficient. */
            size_t nd;
            char *dig = nmag_to_dec((const mp_limb_t *)v[k]->d, v[k]->n, &nd);
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
        return num_nomem(e);
    /* q = round(x_coef * 10^(rscale - dx + dy) / y_coef), half away from zero. The exponent
     * is negative when x's scale passes the 1000 of select_div_scale: then the divisor is
     * scaled instead. */
    int64_t shift = (int64_t)rscale - x->dscale + y->dscale;
    fin n, d;
    if (nfin_from(x, &n) < 0)
        return num_nomem(e);
    if (nfin_from(y, &d) < 0) {
        nmag_free(&n.m);
        return num_nomem(e);
    }
    mag q = {NULL, 0}, r = {NULL, 0};
    int rc = 0;
    if (nmag_scale(shift >= 0 ? &n.m : &d.m, (size_t)(shift >= 0 ? shift : -shift)) < 0 ||
        nmag_divmod(n.m.d, n.m.n, d.m.d, d.m.n, &q, &r) < 0)
        rc = -1;
    nmag_free(&n.m);
    if (rc == 0 && r.n) {
        mag twice;
        if (nmag_add(r.d, r.n, r.d, r.n, &twice) < 0)
            rc = -1;
        else {
            if (nmag_cmp(twice.d, twice.n, d.m.d, d.m.n) >= 0)
                rc = nmag_add_1(&q);
            nmag_free(&twice);
        }
    }
    nmag_free(&d.m);
    nmag_free(&r);
    if (rc < 0) {
        nmag_free(&q);
        return num_nomem(e);
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
    if (nfin_from(x, &fx) < 0)
        return num_nomem(e);
    if (nfin_from(y, &fy) < 0) {
        nmag_free(&fx.m);
        return num_nomem(e);
    }
    mag q = {NULL, 0}, r = {NULL, 0};
    int rc = nmag_scale(&fx.m, (size_t)(ds - x->dscale)) < 0 ||
             nmag_scale(&fy.m, (size_t)(ds - y->dscale)) < 0 ||
             nmag_divmod(fx.m.d, fx.m.n, fy.m.d, fy.m.n, &q, &r) < 0;
    nmag_free(&fx.m);
    nmag_free(&fy.m);
    nmag_free(&q);
    if (rc) {
        nmag_free(&r);
        return num_nomem(e);
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
    if (nfin_from(x, &f) < 0)
        return num_nomem(e);
    if (nfin_round(&f, s, round) < 0) {
        nmag_free(&f.m);
        return num_nomem(e);
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
    if (nfin_from(x, &f) < 0)
        return num_nomem(e);
    mag before;
    if (nmag_dup(f.m.d, f.m.n, 0, &before) < 0) {
        nmag_free(&f.m);
        return num_nomem(e);
    }
    int32_t ds0 = f.dscale;
    if (nfin_round(&f, 0, 0) < 0) {
        nmag_free(&f.m);
        nmag_free(&before);
        return num_nomem(e);
    }
    /* Was anything cut off? Compare f * 10^ds0 with the original coefficient. */
    int cut = 0;
    mag back;
    if (nmag_dup(f.m.d, f.m.n, 0, &back) < 0 || nmag_scale(&back, (size_t)ds0) < 0) {
        nmag_free(&back);
        nmag_free(&f.m);
        nmag_free(&before);
        return num_nomem(e);
    }
    cut = nmag_cmp(back.d, back.n, before.d, before.n) != 0;
    nmag_free(&back);
    nmag_free(&before);
    if (cut && (up ? !x->neg : x->neg) && nmag_add_1(&f.m) < 0) {
        nmag_free(&f.m);
        return num_nomem(e);
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
        mp_limb_t carry = mpn_mul_1(cmp_buf, cmp_buf, (mp_size_t)n, num_pow10[step]);
        if (carry)
            cmp_buf[n++] = carry;
        k -= step;
        if (n > b->n)
            return 1;
    }
    return nmag_cmp(cmp_buf, n, (const mp_limb_t *)b->d, b->n);
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
        c = nmag_cmp((const mp_limb_t *)x->d, x->n, (const mp_limb_t *)y->d, y->n);
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
        if (mpn_divrem_1(q, 0, cmp_buf, (mp_size_t)n, num_pow10[k]) != 0) {
            if (k == 1 || mpn_divrem_1(q, 0, cmp_buf, (mp_size_t)n, 10) != 0)
                break;
            k = 1;
        }
        n = nmag_norm_len(q, n);
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
    if (nfin_from(x, &f) < 0)
        return num_nomem(e);
    if (nfin_round(&f, scale, 1) < 0) {
        nmag_free(&f.m);
        return num_nomem(e);
    }
    if (f.m.n) {
        int64_t e10;
        if (nfin_lead_exp(f.m.d, f.m.n, f.dscale, &e10) < 0) {
            nmag_free(&f.m);
            return num_nomem(e);
        }
        int maxdigits = precision - scale;
        if (e10 + 1 > maxdigits) {
            nmag_free(&f.m);
            return field_overflow(e, precision, scale, maxdigits);
        }
    }
    return num_make(&f, a, out, e);
}

/* ---- casts -------------------------------------------------------------------------------- */

int num_from_int64(int64_t i, arena *a, num *out, sql_error *e)
{
    return num_from_int64_scaled(i, 0, a, out, e);
}

int num_from_int64_scaled(int64_t coef, int dscale, arena *a, num *out, sql_error *e)
{
    assert(dscale >= 0 && dscale <= NUM_MAX_DSCALE);
    fin f = {coef < 0, dscale, {NULL, 0}};
    if (nmag_dup(NULL, 0, 1, &f.m) < 0)
        return num_nomem(e);
    f.m.d[0] = coef < 0 ? (uint64_t)0 - (uint64_t)coef : (uint64_t)coef;
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
    if (nfin_from(x, &f) < 0)
        return num_nomem(e);
    if (nfin_round(&f, 0, 1) < 0) {
        nmag_free(&f.m);
        return num_nomem(e);
    }
    uint64_t m = f.m.n ? f.m.d[0] : 0;
    int ok = f.m.n <= 1 && (m <= limit || (f.neg && m == limit + 1));
    nmag_free(&f.m);
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

/* float8_numeric / float4_numeric: NaN and infinities kept, a finite value through "%.*g"
 * with DBL_DIG (15) or FLT_DIG (6) significant digits. */
static int from_float(double d, int digits, arena *a, num *out, sql_error *e)
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
    int n = snprintf(buf, sizeof buf, "%.*g", digits, d);
    return num_in(buf, (size_t)n, -1, 0, a, out, e);
}

int num_from_double(double d, arena *a, num *out, sql_error *e)
{
    return from_float(d, 15, a, out, e);
}

int num_from_float(float f, arena *a, num *out, sql_error *e)
{
    return from_float(f, 6, a, out, e);
}

/* numeric_float8 / numeric_float4: the text form read back by strtod / strtof, as float8in
 * and float4in read it; overflow or underflow to zero is out of range (a subnormal result is
 * accepted, as PostgreSQL accepts it). */
static int to_float(const num *x, int single, double *dout, float *fout, sql_error *e)
{
    if (x->kind != NUM_FINITE) {
        double v = x->kind == NUM_NAN ? NAN : x->kind == NUM_PINF ? HUGE_VAL : -HUGE_VAL;
        if (single)
            *fout = (float)v;
        else
            *dout = v;
        return 0;
    }
    arena a;
    ar_init(&a);
    char *s;
    int rc = num_out(x, &a, &s, NULL, e);
    if (rc == 0) {
        errno = 0;
        float f = 0;
        double v = single ? (f = strtof(s, NULL)) : strtod(s, NULL);
        if (errno == ERANGE && (v == 0.0 || isinf(v)))
            rc = sql_err(e, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                         "\"%.400s\" is out of range for type %s", s,
                         single ? "real" : "double precision");
        else if (single)
            *fout = f;
        else
            *dout = v;
    }
    ar_free(&a);
    return rc;
}

int num_to_double(const num *x, double *out, sql_error *e)
{
    return to_float(x, 0, out, NULL, e);
}

int num_to_float(const num *x, float *out, sql_error *e)
{
    return to_float(x, 1, NULL, out, e);
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
    if (nfin_addsub(&sum, x, 0, &r) < 0) {
        g->count--;
        return num_nomem(e);
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
    if (nmag_dup((const mp_limb_t *)g->d, g->n, 0, &f.m) < 0)
        return num_nomem(e);
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
