/*
 * record_test.c — row records and index keys (engine/record.h), randomised against a
 * reference (the values themselves): encode/decode round trips, malformed bytes never read
 * out of bounds (run under ASan: each buffer is malloc'd at its exact size), memcmp order of
 * index keys equals val_cmp order. Seed: EXPR_SEED=<n> to replay; each test prints its seed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/record.h"
#include "tests/common/fixture.h"
#include "tests/expr/build.h"

TestSuite(record, .init = t_init, .fini = t_fini);

static uint64_t seed_for(const char *test)
{
    uint64_t s = fx_seed("EXPR_SEED", (uint64_t)time(NULL) ^ (uint64_t)clock());
    if (s == 0)
        s = 1;
    fprintf(stderr, "record.%s: EXPR_SEED=%llu\n", test, (unsigned long long)s);
    return s;
}

static int64_t rnd_int(uint64_t *s)
{
    static const int64_t edges[] = {0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, 8192,
                                    INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
    switch (fx_xorshift(s) % 4) {
    case 0: return edges[fx_xorshift(s) % (sizeof edges / sizeof *edges)];
    case 1: return (int64_t)(fx_xorshift(s) % 200) - 100;
    default: return (int64_t)fx_xorshift(s) >> (fx_xorshift(s) % 64);
    }
}

/* Text from a small alphabet rich in 0x00, 0xFF and prefixes; stored in the arena. */
static value rnd_text(uint64_t *s)
{
    static const char alpha[] = {'\0', '\x01', 'a', 'b', '\xff', '\xfe'};
    uint32_t n = fx_xorshift(s) % 8 == 0 ? (uint32_t)(fx_xorshift(s) % 300) : (uint32_t)(fx_xorshift(s) % 6);
    char *p = ar_alloc(&T, n + 1);
    for (uint32_t i = 0; i < n; i++)
        p[i] = alpha[fx_xorshift(s) % sizeof alpha];
    return val_text(p, n);
}

static value rnd_value(uint64_t *s, int type)
{
    if (fx_xorshift(s) % 5 == 0)
        return val_null();
    switch (type) {
    case VT_INT: return val_int(rnd_int(s));
    case VT_BOOL: return val_bool((int)(fx_xorshift(s) & 1));
    case VT_FLOAT: {
        static const double edges[] = {0.0, -0.0, 1.5, -1.5, 1e300, -1e-300, 5e-324};
        uint64_t u = fx_xorshift(s);
        double d;
        memcpy(&d, &u, 8);
        return val_float(fx_xorshift(s) % 3 ? edges[fx_xorshift(s) % 7] : d);
    }
    case VT_BYTES: {
        value t = rnd_text(s);
        return val_bytes(t.u.s, t.len);
    }
    default: return rnd_text(s);
    }
}

static int rnd_type(uint64_t *s) { return 1 + (int)(fx_xorshift(s) % 5); }

static int same(const value *a, const value *b)
{
    return a->type == b->type && val_cmp(a, b) == 0;
}

static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
    uint8_t *q = malloc(n ? n : 1);
    memcpy(q, p, n);
    return q;
}

Test(record, round_trip_randomised)
{
    uint64_t seed = seed_for("round_trip"), s = seed;
    for (int round = 0; round < 3000; round++) {
        int ncols = (int)(fx_xorshift(&s) % 12);
        value vals[12], out[16];
        for (int i = 0; i < ncols; i++)
            vals[i] = rnd_value(&s, rnd_type(&s));
        int rowid_col = ncols > 0 && fx_xorshift(&s) % 2 ? (int)(fx_xorshift(&s) % (uint64_t)ncols) : -1;
        int64_t rowid = rnd_int(&s);
        if (rowid_col >= 0)
            vals[rowid_col] = val_int(rowid);
        uint8_t *buf;
        size_t len;
        cr_assert_eq(rec_encode(vals, ncols, rowid_col, &buf, &len), 0);
        uint8_t *exact = exact_copy(buf, len);
        free(buf);
        /* same width, wider (missing read as NULL), narrower (extra ignored) */
        cr_assert_eq(rec_decode(exact, len, rowid, out, ncols + 4), 0, "seed %llu round %d",
                     (unsigned long long)seed, round);
        for (int i = 0; i < ncols + 4; i++) {
            value want = i < ncols ? vals[i] : val_null();
            cr_assert(same(&out[i], &want), "seed %llu round %d col %d",
                      (unsigned long long)seed, round, i);
            if (out[i].type == VT_TEXT && out[i].len)
                cr_assert((const uint8_t *)out[i].u.s >= exact &&
                          (const uint8_t *)out[i].u.s + out[i].len <= exact + len);
        }
        int narrow = ncols ? (int)(fx_xorshift(&s) % (uint64_t)ncols) : 0;
        cr_assert_eq(rec_decode(exact, len, rowid, out, narrow), 0);
        for (int i = 0; i < narrow; i++)
            cr_assert(same(&out[i], &vals[i]));
        /* every proper prefix of a record is malformed at full width */
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *pre = exact_copy(exact, cut);
            cr_assert_eq(rec_decode(pre, cut, rowid, out, ncols), -1,
                         "seed %llu round %d: prefix %zu of %zu accepted",
                         (unsigned long long)seed, round, cut, len);
            free(pre);
        }
        free(exact);
    }
}

Test(record, garbled_records_never_read_out_of_bounds)
{
    uint64_t seed = seed_for("garbled"), s = seed;
    int rejected = 0;
    for (int round = 0; round < 20000; round++) {
        int ncols = 1 + (int)(fx_xorshift(&s) % 6);
        value vals[8], out[8];
        for (int i = 0; i < ncols; i++)
            vals[i] = rnd_value(&s, rnd_type(&s));
        uint8_t *buf;
        size_t len;
        cr_assert_eq(rec_encode(vals, ncols, -1, &buf, &len), 0);
        int flips = 1 + (int)(fx_xorshift(&s) % 4);
        for (int k = 0; k < flips; k++)
            buf[fx_xorshift(&s) % len] = (uint8_t)fx_xorshift(&s);
        size_t cut = fx_xorshift(&s) % 2 ? len : fx_xorshift(&s) % (len + 1);
        uint8_t *exact = exact_copy(buf, cut);
        free(buf);
        int rc = rec_decode(exact, cut, 1, out, ncols);
        cr_assert(rc == 0 || rc == -1);
        if (rc == 0) {
            for (int i = 0; i < ncols; i++) {
                cr_assert(out[i].type <= VT_UUID);
                if (val_has_bytes(&out[i]) && out[i].len) { /* touch every byte (ASan) */
                    cr_assert((const uint8_t *)out[i].u.s + out[i].len <= exact + cut);
                    unsigned sum = 0;
                    for (uint32_t k = 0; k < out[i].len; k++)
                        sum += (unsigned char)out[i].u.s[k];
                    cr_assert_leq(sum, 255u * out[i].len);
                }
            }
        } else {
            rejected++;
        }
        free(exact);
    }
    cr_assert_gt(rejected, 1000, "garbling should often be detected");
}

Test(record, malformed_by_hand)
{
    value out[4];
    /* varint longer than 10 bytes / beyond 64 bits */
    uint8_t long_varint[] = {0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    uint8_t *p = exact_copy(long_varint, sizeof long_varint);
    cr_assert_eq(rec_decode(p, sizeof long_varint, 0, out, 1), -1);
    free(p);
    uint8_t big10[] = {0x01, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
    p = exact_copy(big10, sizeof big10);
    cr_assert_eq(rec_decode(p, sizeof big10, 0, out, 1), -1, "10th byte above 1");
    free(p);
    uint8_t max10[] = {0x01, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    p = exact_copy(max10, sizeof max10);
    cr_assert_eq(rec_decode(p, sizeof max10, 0, out, 1), 0, "zigzag 2^64-1 is INT64_MIN");
    cr_assert_eq(out[0].u.i, INT64_MIN);
    free(p);
    /* text length past the end, huge text length */
    uint8_t text_long[] = {0x01, 0x02, 0x05, 'a', 'b'};
    p = exact_copy(text_long, sizeof text_long);
    cr_assert_eq(rec_decode(p, sizeof text_long, 0, out, 1), -1);
    free(p);
    uint8_t text_huge[] = {0x01, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
    p = exact_copy(text_huge, sizeof text_huge);
    cr_assert_eq(rec_decode(p, sizeof text_huge, 0, out, 1), -1);
    free(p);
    uint8_t bad_tag[] = {0x01, 0x06};
    p = exact_copy(bad_tag, sizeof bad_tag);
    cr_assert_eq(rec_decode(p, sizeof bad_tag, 0, out, 1), -1);
    free(p);
    uint8_t trailing[] = {0x01, 0x03, 0x00};
    p = exact_copy(trailing, sizeof trailing);
    cr_assert_eq(rec_decode(p, sizeof trailing, 0, out, 1), -1, "bytes after the last column");
    free(p);
    cr_assert_eq(rec_decode(NULL, 0, 0, out, 1), -1, "empty record");
    uint8_t rowid[] = {0x02, 0x05, 0x04};
    p = exact_copy(rowid, sizeof rowid);
    cr_assert_eq(rec_decode(p, sizeof rowid, -7, out, 2), 0);
    cr_assert(out[0].type == VT_INT && out[0].u.i == -7);
    cr_assert(out[1].type == VT_BOOL && out[1].u.i == 1);
    free(p);
}

/* ---- index keys --------------------------------------------------------------------------- */

static int key_cmp(const rec_buf *a, const rec_buf *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->p, b->p, n);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

static int sign(int x) { return (x > 0) - (x < 0); }

Test(record, key_order_equals_value_order)
{
    uint64_t seed = seed_for("key_order"), s = seed;
    for (int round = 0; round < 30000; round++) {
        int type = rnd_type(&s);
        value a = rnd_value(&s, type), b = rnd_value(&s, type);
        if (fx_xorshift(&s) % 4 == 0 && type == VT_TEXT && b.type == VT_TEXT && a.type == VT_TEXT)
            b.len = a.len < b.len ? a.len : b.len, b.u.s = a.u.s; /* prefixes */
        rec_buf ka = {0}, kb = {0};
        rec_key_value(&ka, &a);
        rec_key_value(&kb, &b);
        cr_assert(!ka.oom && !kb.oom);
        cr_assert_eq(key_cmp(&ka, &kb), sign(val_cmp(&a, &b)),
                     "seed %llu round %d type %d", (unsigned long long)seed, round, type);
        /* decode round trip */
        size_t off = 0;
        value d = {.type = (uint8_t)type};
        cr_assert_eq(rec_key_decode_value(ka.p, ka.len, &off, &T, &d), 0);
        cr_assert_eq(off, ka.len);
        cr_assert(same(&d, &a), "seed %llu round %d decode", (unsigned long long)seed, round);
        rec_buf_free(&ka);
        rec_buf_free(&kb);
    }
}

Test(record, key_edges)
{
    value v[] = {val_int(INT64_MIN), val_int(-1), val_int(0), val_int(1), val_int(INT64_MAX),
                 val_null()};
    for (size_t i = 0; i + 1 < sizeof v / sizeof *v; i++) {
        rec_buf a = {0}, b = {0};
        rec_key_value(&a, &v[i]);
        rec_key_value(&b, &v[i + 1]);
        cr_assert_lt(key_cmp(&a, &b), 0, "ints ascending, NULL last: %zu", i);
        rec_buf_free(&a);
        rec_buf_free(&b);
    }
    value t[] = {val_text("", 0), val_text("\0", 1), val_text("\0\0", 2), val_text("\0\x01", 2),
                 val_text("\x01", 1), val_text("a", 1), val_text("a\0", 2), val_text("a\0b", 3),
                 val_text("ab", 2), val_text("\xff", 1), val_text("\xff\xff", 2),
                 val_null()};
    for (size_t i = 0; i + 1 < sizeof t / sizeof *t; i++) {
        rec_buf a = {0}, b = {0};
        rec_key_value(&a, &t[i]);
        rec_key_value(&b, &t[i + 1]);
        cr_assert_lt(key_cmp(&a, &b), 0, "texts ascending: %zu", i);
        cr_assert_lt(val_cmp(&t[i], &t[i + 1]), 0, "val_cmp agrees: %zu", i);
        rec_buf_free(&a);
        rec_buf_free(&b);
    }
    value f = val_bool(0), tr = val_bool(1);
    rec_buf a = {0}, b = {0};
    rec_key_value(&a, &f);
    rec_key_value(&b, &tr);
    cr_assert_lt(key_cmp(&a, &b), 0);
    rec_buf_free(&a);
    rec_buf_free(&b);
}

/* Keys of (INT, TEXT, BOOL) tuples plus a row id suffix sort as the tuples do. */
Test(record, multi_column_keys_with_rowid)
{
    uint64_t seed = seed_for("multi_column"), s = seed;
    static const int types[3] = {VT_INT, VT_TEXT, VT_BOOL};
    for (int round = 0; round < 20000; round++) {
        value a[3], b[3];
        for (int i = 0; i < 3; i++) {
            a[i] = rnd_value(&s, types[i]);
            b[i] = fx_xorshift(&s) % 2 ? a[i] : rnd_value(&s, types[i]);
        }
        int64_t ra = rnd_int(&s), rb = fx_xorshift(&s) % 2 ? ra : rnd_int(&s);
        int want = 0;
        for (int i = 0; i < 3 && want == 0; i++)
            want = sign(val_cmp(&a[i], &b[i]));
        if (want == 0)
            want = (ra > rb) - (ra < rb);
        rec_buf ka = {0}, kb = {0};
        for (int i = 0; i < 3; i++) {
            rec_key_value(&ka, &a[i]);
            rec_key_value(&kb, &b[i]);
        }
        rec_key_rowid(&ka, ra);
        rec_key_rowid(&kb, rb);
        cr_assert_eq(key_cmp(&ka, &kb), want, "seed %llu round %d", (unsigned long long)seed,
                     round);
        cr_assert_eq(rec_key_get_rowid(ka.p, ka.len), ra);
        size_t off = 0;
        for (int i = 0; i < 3; i++) {
            value d = {.type = (uint8_t)types[i]};
            cr_assert_eq(rec_key_decode_value(ka.p, ka.len, &off, &T, &d), 0);
            cr_assert(same(&d, &a[i]), "seed %llu round %d col %d", (unsigned long long)seed,
                      round, i);
        }
        cr_assert_eq(off + 8, ka.len, "the row id follows the columns");
        rec_buf_free(&ka);
        rec_buf_free(&kb);
    }
}

Test(record, malformed_keys_are_refused_in_bounds)
{
    uint64_t seed = seed_for("malformed_keys"), s = seed;
    for (int round = 0; round < 20000; round++) {
        int type = rnd_type(&s);
        value v = rnd_value(&s, type);
        rec_buf k = {0};
        rec_key_value(&k, &v);
        int garbled = fx_xorshift(&s) % 2;
        if (garbled)
            k.p[fx_xorshift(&s) % k.len] = (uint8_t)fx_xorshift(&s);
        size_t cut = fx_xorshift(&s) % 2 ? k.len : fx_xorshift(&s) % (k.len + 1);
        uint8_t *exact = exact_copy(k.p, cut);
        size_t off = 0;
        value d = {.type = (uint8_t)type};
        int rc = rec_key_decode_value(exact, cut, &off, &T, &d);
        cr_assert(rc == 0 || rc == -1);
        if (rc == 0)
            cr_assert_leq(off, cut);
        if (!garbled && cut < k.len && v.type != VT_NULL)
            cr_assert_eq(rc, -1, "seed %llu round %d: truncated key accepted",
                         (unsigned long long)seed, round);
        free(exact);
        rec_buf_free(&k);
    }
    cr_assert_eq(rec_key_get_rowid((const uint8_t *)"abc", 3), 0, "short key: no row id");
}
