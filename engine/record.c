/*
 * record.c — row records and order-preserving index keys (formats: record.h).
 *
 * Rules for the decoders (lengths come from disk):
 *   R1 every read is preceded by a check that the bytes are inside [buf, buf + len);
 *   R2 a varint has at most 10 bytes and its 10th byte carries only bit 0 (no bits beyond 64);
 *   R3 an unknown tag, a length running past the end, or bytes left over after the last stored
 *      column make the record malformed (-1) — nothing is guessed.
 */
#include "engine/record.h"
#include "engine/types.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_NULL = 0, TAG_INT = 1, TAG_TEXT = 2, TAG_FALSE = 3, TAG_TRUE = 4, TAG_ROWID = 5,
       TAG_FLOAT = 6, TAG_BYTES = 7, TAG_UUID = 8,
       TAG_EXT = 0x20 /* + vt: a module's value, its rec_put bytes (types.h, ty_ops) */ };
enum { KEY_VALUE = 1, KEY_NULL = 2 };

/* ---- row records -------------------------------------------------------------------------- */

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *varint_put(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* R1, R2: reads a varint from buf[*off..len); -1 when truncated or longer than 64 bits. */
static int varint_get(const uint8_t *buf, size_t len, size_t *off, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (*off >= len)
            return -1;
        uint8_t b = buf[(*off)++];
        if (i == 9 && b > 1)
            return -1;
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* -(sign bit) rather than i >> 63: a right shift of a negative value is implementation-defined. */
static uint64_t zigzag(int64_t i) { return ((uint64_t)i << 1) ^ (0 - ((uint64_t)i >> 63)); }
static int64_t unzigzag(uint64_t u) { return (int64_t)(u >> 1) ^ -(int64_t)(u & 1); }

/* Column `rowid_col` is always written as tag 0x05: the executor guarantees it holds the row
 * id (an INTEGER PRIMARY KEY is never NULL), and the decoder restores it from the tree key. */
int rec_encode(const value *vals, int ncols, int rowid_col, uint8_t **out, size_t *len)
{
    size_t n = varint_len((uint64_t)ncols);
    for (int i = 0; i < ncols; i++) {
        n++;
        if (i == rowid_col)
            continue;
        if (vals[i].type == VT_INT)
            n += varint_len(zigzag(vals[i].u.i));
        else if (vals[i].type == VT_TEXT || vals[i].type == VT_BYTES)
            n += varint_len(vals[i].len) + vals[i].len;
        else if (vals[i].type == VT_FLOAT)
            n += 8;
        else if (vals[i].type == VT_UUID)
            n += 16;
        else if (ty_vt_ops(vals[i].type) != NULL)
            n += ty_vt_ops(vals[i].type)->rec_size(&vals[i]);
    }
    uint8_t *buf = malloc(n ? n : 1), *p = buf;
    if (buf == NULL)
        return -1;
    p = varint_put(p, (uint64_t)ncols);
    for (int i = 0; i < ncols; i++) {
        const value *v = &vals[i];
        if (i == rowid_col) {
            *p++ = TAG_ROWID;
            continue;
        }
        switch (v->type) {
        case VT_INT:
            *p++ = TAG_INT;
            p = varint_put(p, zigzag(v->u.i));
            break;
        case VT_TEXT:
        case VT_BYTES:
            *p++ = v->type == VT_TEXT ? TAG_TEXT : TAG_BYTES;
            p = varint_put(p, v->len);
            if (v->len)
                memcpy(p, v->u.s, v->len);
            p += v->len;
            break;
        case VT_BOOL:
            *p++ = v->u.i ? TAG_TRUE : TAG_FALSE;
            break;
        case VT_UUID:
            *p++ = TAG_UUID;
            memcpy(p, v->u.s, 16);
            p += 16;
            break;
        case VT_FLOAT: {
            uint64_t u;
            memcpy(&u, &v->u.f, 8);
            *p++ = TAG_FLOAT;
            for (int k = 0; k < 8; k++)
                *p++ = (uint8_t)(u >> (8 * k)); /* little-endian IEEE 754 binary64 */
            break;
        }
        default: {
            const ty_ops *ops = ty_vt_ops(v->type);
            if (ops != NULL) {
                *p++ = (uint8_t)(TAG_EXT + v->type);
                ops->rec_put(v, p);
                p += ops->rec_size(v);
            } else {
                *p++ = TAG_NULL;
            }
            break;
        }
        }
    }
    *out = buf;
    *len = (size_t)(p - buf);
    return 0;
}

int rec_decode(const uint8_t *buf, size_t len, int64_t rowid, value *vals, int ncols)
{
    size_t off = 0;
    uint64_t stored;
    if (varint_get(buf, len, &off, &stored) != 0)
        return -1;
    for (int i = 0; i < ncols; i++)
        vals[i] = val_null();
    uint64_t want = stored < (uint64_t)(ncols > 0 ? ncols : 0) ? stored : (uint64_t)ncols;
    for (uint64_t i = 0; i < want; i++) {
        if (off >= len)                                  /* R1 */
            return -1;
        uint8_t tag = buf[off++];
        uint64_t u;
        switch (tag) {
        case TAG_NULL: break;
        case TAG_INT:
            if (varint_get(buf, len, &off, &u) != 0)
                return -1;
            vals[i] = val_int(unzigzag(u));
            break;
        case TAG_TEXT:
        case TAG_BYTES:
            if (varint_get(buf, len, &off, &u) != 0 || u > len - off || u > UINT32_MAX)
                return -1;                               /* R1 */
            vals[i] = tag == TAG_TEXT ? val_text((const char *)buf + off, (uint32_t)u)
                                      : val_bytes(buf + off, (uint32_t)u);
            off += (size_t)u;
            break;
        case TAG_FALSE: vals[i] = val_bool(0); break;
        case TAG_TRUE: vals[i] = val_bool(1); break;
        case TAG_ROWID: vals[i] = val_int(rowid); break;
        case TAG_UUID:
            if (len - off < 16)                          /* R1 */
                return -1;
            vals[i] = val_uuid(buf + off);
            off += 16;
            break;
        case TAG_FLOAT: {
            if (len - off < 8)                           /* R1 */
                return -1;
            uint64_t bits = 0;
            for (int k = 0; k < 8; k++)
                bits |= (uint64_t)buf[off + k] << (8 * k);
            double f;
            memcpy(&f, &bits, 8);
            vals[i] = val_float(f);
            off += 8;
            break;
        }
        default: {
            const ty_ops *ops = tag >= TAG_EXT ? ty_vt_ops(tag - TAG_EXT) : NULL;
            size_t used = 0;
            if (ops == NULL)                             /* R3 */
                return -1;
            if (ops->rec_get(buf + off, len - off, &used, &vals[i]) != 0 || used > len - off)
                return -1;                               /* R1 */
            off += used;
            break;
        }
        }
    }
    /* R3: every stored column read, nothing may follow. Columns beyond ncols are not ours. */
    if (stored <= (uint64_t)ncols && off != len)
        return -1;
    return 0;
}

/* ---- index keys --------------------------------------------------------------------------- */

void rec_buf_free(rec_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static int buf_reserve(rec_buf *b, size_t n)
{
    if (b->oom)
        return -1;
    if (b->cap - b->len >= n)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static void put_be64_flipped(rec_buf *b, int64_t i)
{
    if (buf_reserve(b, 8) != 0)
        return;
    uint64_t u = (uint64_t)i ^ ((uint64_t)1 << 63);
    for (int k = 0; k < 8; k++)
        b->p[b->len++] = (uint8_t)(u >> (56 - 8 * k));
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t u = 0;
    for (int k = 0; k < 8; k++)
        u = u << 8 | p[k];
    return u;
}

/* A float as 8 bytes whose memcmp order is val_cmp's: -0 written as 0 and every NaN as the
 * one quiet NaN (0x7FF8...), then a positive value's sign bit set and a negative value's
 * every bit flipped, so -Infinity < ... < -0 = 0 < ... < Infinity < NaN. */
static uint64_t float_key_bits(double f)
{
    uint64_t u;
    if (f == 0)
        f = 0.0;
    if (isnan(f))
        return UINT64_C(0x7FF8000000000000) | (UINT64_C(1) << 63);
    memcpy(&u, &f, 8);
    return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

void rec_key_value(rec_buf *b, const value *v)
{
    const ty_ops *ops = ty_vt_ops(v->type);
    if (ops != NULL) {
        size_t n = ops->key_size(v);
        if (buf_reserve(b, 1 + n) != 0)
            return;
        b->p[b->len++] = KEY_VALUE;
        ops->key_put(v, b->p + b->len);
        b->len += n;
        return;
    }
    switch (v->type) {
    case VT_UUID:
        if (buf_reserve(b, 17) != 0)
            return;
        b->p[b->len++] = KEY_VALUE;
        memcpy(b->p + b->len, v->u.s, 16);
        b->len += 16;
        break;
    case VT_FLOAT: {
        if (buf_reserve(b, 9) != 0)
            return;
        b->p[b->len++] = KEY_VALUE;
        uint64_t u = float_key_bits(v->u.f);
        for (int k = 0; k < 8; k++)
            b->p[b->len++] = (uint8_t)(u >> (56 - 8 * k));
        break;
    }
    case VT_INT:
        if (buf_reserve(b, 1) == 0)
            b->p[b->len++] = KEY_VALUE;
        put_be64_flipped(b, v->u.i);
        break;
    case VT_BOOL:
        if (buf_reserve(b, 2) == 0) {
            b->p[b->len++] = KEY_VALUE;
            b->p[b->len++] = v->u.i ? 1 : 0;
        }
        break;
    case VT_TEXT:
    case VT_BYTES: {
        size_t zeros = 0;
        for (uint32_t i = 0; i < v->len; i++)
            zeros += v->u.s[i] == '\0';
        if (buf_reserve(b, 1 + (size_t)v->len + zeros + 2) != 0)
            return;
        b->p[b->len++] = KEY_VALUE;
        for (uint32_t i = 0; i < v->len; i++) {
            b->p[b->len++] = (uint8_t)v->u.s[i];
            if (v->u.s[i] == '\0')
                b->p[b->len++] = 0xFF;
        }
        b->p[b->len++] = 0x00;
        b->p[b->len++] = 0x00;
        break;
    }
    default:
        if (buf_reserve(b, 1) == 0)
            b->p[b->len++] = KEY_NULL;
        break;
    }
}

void rec_key_rowid(rec_buf *b, int64_t rowid) { put_be64_flipped(b, rowid); }

/* A key shorter than 8 bytes has no row id; 0 is returned (callers only pass keys they built
 * with rec_key_rowid, so this is a corrupt key and the caller's structure checks catch it). */
int64_t rec_key_get_rowid(const uint8_t *key, size_t len)
{
    if (len < 8)
        return 0;
    return (int64_t)(get_be64(key + len - 8) ^ ((uint64_t)1 << 63));
}

/* The key does not say which type a column has (the index definition does): the caller sets
 * out->type to the column's VT_* before the call. */
int rec_key_decode_value(const uint8_t *key, size_t len, size_t *off, arena *a, value *out)
{
    size_t o = *off;
    int type = out->type;
    if (o >= len)
        return -1;
    uint8_t tag = key[o++];
    if (tag == KEY_NULL) {
        *out = val_null();
        *off = o;
        return 0;
    }
    if (tag != KEY_VALUE)
        return -1;
    const ty_ops *ops = ty_vt_ops(type);
    if (ops != NULL) {
        size_t used = 0;
        if (ops->key_get(key + o, len - o, &used, a, out) != 0 || used > len - o)
            return -1;
        *off = o + used;
        return 0;
    }
    switch (type) {
    case VT_INT:
        if (len - o < 8)
            return -1;
        *out = val_int((int64_t)(get_be64(key + o) ^ ((uint64_t)1 << 63)));
        o += 8;
        break;
    case VT_UUID: {
        if (len - o < 16)
            return -1;
        uint8_t *u = ar_alloc(a, 16);
        if (u == NULL)
            return -1;
        memcpy(u, key + o, 16);
        *out = val_uuid(u);
        o += 16;
        break;
    }
    case VT_FLOAT: {
        if (len - o < 8)
            return -1;
        uint64_t u = get_be64(key + o);
        u = u >> 63 ? u & ~(UINT64_C(1) << 63) : ~u;
        double f;
        memcpy(&f, &u, 8);
        *out = val_float(f);
        o += 8;
        break;
    }
    case VT_BOOL:
        if (o >= len || key[o] > 1)
            return -1;
        *out = val_bool(key[o]);
        o++;
        break;
    case VT_TEXT:
    case VT_BYTES: {
        /* First pass: find the terminator and the unescaped length. */
        size_t n = 0, i = o;
        for (;;) {
            if (i >= len)
                return -1;
            if (key[i] != 0x00) {
                n++;
                i++;
                continue;
            }
            if (len - i < 2)
                return -1;
            if (key[i + 1] == 0x00)
                break;
            if (key[i + 1] != 0xFF)
                return -1;
            n++;
            i += 2;
        }
        if (n > UINT32_MAX)
            return -1;
        char *s = ar_alloc(a, n + 1);
        if (s == NULL)
            return -1;
        size_t k = 0;
        while (o < i) {
            s[k++] = (char)key[o];
            o += key[o] == 0x00 ? 2 : 1;
        }
        s[k] = '\0';
        *out = type == VT_TEXT ? val_text(s, (uint32_t)n) : val_bytes(s, (uint32_t)n);
        o = i + 2;
        break;
    }
    default:
        return -1;
    }
    *off = o;
    return 0;
}
