/*
 * numeric_enc.c — the two stored forms of a NUMERIC: the compact record form and the
 * memcmp-ordered index-key form, byte by byte in engine/types.md, "NUMERIC encodings".
 * Decoders check every length and limit (the bytes come from disk) and refuse with XX001.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/numeric_int.h"
#include "engine/sqlstate.h"

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
    if (nmag_dup(NULL, 0, nl, &f.m) < 0)
        return num_nomem(e);
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
    char *dig = nmag_to_dec((const mp_limb_t *)x->d, x->n, &nd);
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
        return num_nomem(e);
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
    if (nmag_from_dec(dig, nd, &f.m) < 0 || (ds < 0 && nmag_scale(&f.m, (size_t)-ds) < 0))
        rc = num_nomem(e);
    free(dig);
    if (rc) {
        nmag_free(&f.m);
        return rc;
    }
    rc = num_make(&f, a, out, e);
    if (rc == ACIDB_RANGE)
        return corrupt(e, "key value out of range");
    return rc;
}
