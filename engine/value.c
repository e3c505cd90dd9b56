/*
 * value.c — names, copying, ordering, hashing and UTF-8 validation of SQL values (value.h).
 *
 * The order is the one ORDER BY, DISTINCT, GROUP BY and the index keys (record.h) agree on:
 * NULL after everything, integers numerically, false before true, text bytewise with a proper
 * prefix first. val_hash must agree with val_cmp == 0, so it hashes exactly the bytes val_cmp
 * compares.
 */
#include "engine/value.h"

#include <string.h>
#include <xxhash.h>

const char *val_type_name(int vt)
{
    switch (vt) {
    case VT_INT: return "integer";
    case VT_TEXT: return "text";
    case VT_BOOL: return "boolean";
    default: return "unknown";
    }
}

int val_copy(arena *a, const value *in, value *out)
{
    if (in->type != VT_TEXT) {
        *out = *in;
        return 0;
    }
    char *p = ar_strndup(a, in->u.s, in->len);
    if (p == NULL)
        return -1;
    *out = val_text(p, in->len);
    return 0;
}

int val_cmp(const value *a, const value *b)
{
    if (a->type == VT_NULL || b->type == VT_NULL)
        return (a->type == VT_NULL) - (b->type == VT_NULL);
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    switch (a->type) {
    case VT_INT:
    case VT_BOOL:
        return (a->u.i > b->u.i) - (a->u.i < b->u.i);
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
    switch (v->type) {
    case VT_NULL:
        return XXH3_64bits_withSeed("", 0, seed);
    case VT_INT:
    case VT_BOOL: {
        int64_t i = v->u.i;
        return XXH3_64bits_withSeed(&i, sizeof i, seed);
    }
    default:
        return XXH3_64bits_withSeed(v->u.s, v->len, seed);
    }
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
