/*
 * value.c — names, copying, ordering, hashing and UTF-8 validation of SQL values (value.h).
 *
 * The order is the one ORDER BY, DISTINCT, GROUP BY and the index keys (record.h) agree on:
 * NULL after everything, integers numerically, false before true, text bytewise with a proper
 * prefix first, floats numerically with -0 = 0 and NaN (any NaN) above +Infinity. val_hash must agree with val_cmp == 0, so it hashes exactly the bytes val_cmp
 * compares.
 */
#include "engine/value.h"
#include "engine/types.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

int val_has_bytes(const value *v)
{
    if (v->type == VT_TEXT || v->type == VT_BYTES || v->type == VT_UUID)
        return 1;
    const ty_ops *ops = ty_vt_ops(v->type);
    return ops != NULL && ops->by_ref;
}

const char *val_type_name(int vt)
{
    switch (vt) {
    case VT_INT: return "integer";
    case VT_TEXT: return "text";
    case VT_BOOL: return "boolean";
    case VT_FLOAT: return "double precision";
    case VT_BYTES: return "bytea";
    case VT_UUID: return "uuid";
    case VT_NULL: return "unknown";
    default: {
        /* a module's representation: the first type using it names it */
        for (int t = TY_EXT_FIRST; t <= TY_EXT_LAST; t++) {
            const ty_desc *d = ty_ext_get(t);
            if (d != NULL && d->vt == vt)
                return d->name;
        }
        return "unknown";
    }
    }
}

int val_copy(arena *a, const value *in, value *out)
{
    if (!val_has_bytes(in)) {
        *out = *in;
        return 0;
    }
    char *p = ar_strndup(a, in->u.s, in->len);
    if (p == NULL)
        return -1;
    *out = *in;
    out->u.s = p;
    return 0;
}

int val_cmp(const value *a, const value *b)
{
    if (a->type == VT_NULL || b->type == VT_NULL)
        return (a->type == VT_NULL) - (b->type == VT_NULL);
    if (a->type != b->type) {
        /* an integer meets a float as a float8, as PostgreSQL's int-float comparisons */
        if ((a->type == VT_INT && b->type == VT_FLOAT) || (a->type == VT_FLOAT && b->type == VT_INT)) {
            value x = a->type == VT_INT ? val_float((double)a->u.i) : *a;
            value y = b->type == VT_INT ? val_float((double)b->u.i) : *b;
            return val_cmp(&x, &y);
        }
        return a->type < b->type ? -1 : 1;
    }
    const ty_ops *ops = ty_vt_ops(a->type);
    if (ops != NULL)
        return ops->cmp(a, b);
    switch (a->type) {
    case VT_INT:
    case VT_BOOL:
        return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    case VT_FLOAT: {
        int an = isnan(a->u.f), bn = isnan(b->u.f);
        if (an || bn)
            return an - bn;
        return (a->u.f > b->u.f) - (a->u.f < b->u.f);
    }
    default: {
        uint32_t n = a->len < b->len ? a->len : b->len;
        int c = n ? memcmp(a->u.s, b->u.s, n) : 0;
        if (c != 0)
            return c < 0 ? -1 : 1;
        return (a->len > b->len) - (a->len < b->len);
    }
    }
}

uint64_t val_hash(const value *v, uint64_t seed)
{
    /* The type goes into the seed so that 1 and true (never equal) rarely collide. */
    seed ^= (uint64_t)v->type * 0x9E3779B97F4A7C15ull;
    const ty_ops *ops = ty_vt_ops(v->type);
    if (ops != NULL)
        return ops->hash(v, seed);
    switch (v->type) {
    case VT_NULL:
        return XXH3_64bits_withSeed("", 0, seed);
    case VT_INT:
    case VT_BOOL: {
        int64_t i = v->u.i;
        return XXH3_64bits_withSeed(&i, sizeof i, seed);
    }
    case VT_FLOAT: {
        /* Equal under val_cmp, equal bytes: -0 hashes as 0, every NaN as one NaN. */
        double f = v->u.f == 0 ? 0.0 : isnan(v->u.f) ? (double)NAN : v->u.f;
        return XXH3_64bits_withSeed(&f, sizeof f, seed);
    }
    default:
        return XXH3_64bits_withSeed(v->u.s, v->len, seed);
    }
}

/* The shortest significant digits of f that read back to f (as float when real): the first
 * precision of "%.*e" that round-trips. %.*e rounds correctly, so the digits are the closest
 * to f of their length, which is the digit string Ryu (PostgreSQL's float output) picks. */
static int shortest_digits(double f, int real, char *digits, int *exp10)
{
    char tmp[40];
    int maxp = real ? 9 : 17;
    for (int p = 1; p <= maxp; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, f);
        int back_ok = real ? strtof(tmp, NULL) == (float)f : strtod(tmp, NULL) == f;
        if (back_ok || p == maxp)
            break;
    }
    /* tmp: [-]d[.ddd]e[+-]xx */
    const char *s = tmp;
    if (*s == '-')
        s++;
    int n = 0;
    for (; *s != 'e'; s++)
        if (*s != '.')
            digits[n++] = *s;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    /* the exponent %e wrote: a sign and at least two digits */
    int e = 0, neg = s[1] == '-';
    for (s += 2; *s >= '0' && *s <= '9'; s++)
        e = e * 10 + (*s - '0');
    *exp10 = neg ? -e : e;
    return n;
}

int val_float_text(double f, int real, char buf[32])
{
    if (isnan(f))
        return snprintf(buf, 32, "NaN");
    if (isinf(f))
        return snprintf(buf, 32, f < 0 ? "-Infinity" : "Infinity");
    if (f == 0)
        return snprintf(buf, 32, signbit(f) ? "-0" : "0");
    char d[24];
    int e, n = shortest_digits(f, real, d, &e), k = 0;
    if (signbit(f))
        buf[k++] = '-';
    if (e < -4 || e >= (real ? 6 : 15)) {
        /* d.ddde[+-]XX, at least two exponent digits (C's %e, as PostgreSQL prints) */
        buf[k++] = d[0];
        if (n > 1) {
            buf[k++] = '.';
            memcpy(buf + k, d + 1, (size_t)n - 1);
            k += n - 1;
        }
        k += snprintf(buf + k, (size_t)(32 - k), "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
        return k;
    }
    if (e < 0) {
        buf[k++] = '0';
        buf[k++] = '.';
        for (int z = -1; z > e; z--)
            buf[k++] = '0';
        memcpy(buf + k, d, (size_t)n);
        k += n;
    } else if (n <= e + 1) {
        memcpy(buf + k, d, (size_t)n);
        k += n;
        for (int z = n; z <= e; z++)
            buf[k++] = '0';
    } else {
        memcpy(buf + k, d, (size_t)e + 1);
        k += e + 1;
        buf[k++] = '.';
        memcpy(buf + k, d + e + 1, (size_t)(n - e - 1));
        k += n - e - 1;
    }
    buf[k] = '\0';
    return k;
}

size_t val_bytea_hex(const uint8_t *p, size_t n, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    buf[0] = '\\';
    buf[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        buf[2 + 2 * i] = hex[p[i] >> 4];
        buf[3 + 2 * i] = hex[p[i] & 15];
    }
    buf[2 + 2 * n] = '\0';
    return 2 + 2 * n;
}

void val_uuid_text(const uint8_t *p, char buf[37])
{
    static const char hex[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            buf[k++] = '-';
        buf[k++] = hex[p[i] >> 4];
        buf[k++] = hex[p[i] & 15];
    }
    buf[k] = '\0';
}

int val_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0)
                lo = 0xA0;      /* overlong below U+0800 */
            else if (c == 0xED)
                hi = 0x9F;      /* surrogates U+D800..U+DFFF */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0)
                lo = 0x90;      /* overlong below U+10000 */
            else if (c == 0xF4)
                hi = 0x8F;      /* above U+10FFFF */
        } else {
            return 0;           /* continuation byte, C0/C1 overlongs, F5..FF */
        }
        if (len - i < n)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k < n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += n;
    }
    return 1;
}
