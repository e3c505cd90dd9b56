/*
 * big.c — trees far larger than the buffer pool (100 MiB of rows through a 1 MiB pool in the
 * plain build), and close/reopen of several trees: everything comes back byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/btree/util.h"

/* A bijection on 64-bit integers (splitmix64's finaliser): row i gets key mix(i), so keys are
 * distinct and arrive in random order, and a row's value derives from its key alone. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t big_vlen(int64_t key) { return 300 + (size_t)((uint64_t)key % 701); }

Test(btree, tree_100x_larger_than_pool)
{
    const uint64_t target = fx_scaled(100u << 20, 4u << 20); /* bytes of values */
    const uint64_t n = target / 650;                       /* mean value is 650 bytes */
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 4096, 1u << 20, 1, &p));
    pgr_stats st;
    pgr_get_stats(p, &st);
    cr_assert_eq(st.frames, 256, "a 1 MiB pool of 4 KiB pages has %zu frames", st.frames);
    uint64_t root;
    OK(bt_create(p, BT_TABLE, &root));
    bt_tree *t;
    OK(bt_open(p, root, BT_TABLE, &t));
    uint8_t buf[1100];
    for (uint64_t i = 0; i < n; i++) {
        int64_t key = (int64_t)mix(i);
        size_t len = big_vlen(key);
        t_value(buf, len, (uint64_t)key);
        bt_key k = bt_int_key(key);
        int rc = bt_insert(t, &k, buf, len, BT_NOREPLACE);
        cr_assert(rc == ST_OK, "insert %llu of %llu: %s: %s", (unsigned long long)i,
                  (unsigned long long)n, st_name(rc), st_msg());
    }
    uint64_t bytes = pgr_page_count(p) * 4096;
    cr_assert(bytes >= 50 * (1u << 20) * fx_scale(), "the file is only %llu bytes",
              (unsigned long long)bytes);
    pgr_get_stats(p, &st);
    cr_assert(st.evictions > n / 4, "only %llu evictions for %llu random inserts",
              (unsigned long long)st.evictions, (unsigned long long)n);

    /* Point lookups of a sample, then the whole tree in order. */
    void *v;
    size_t vl;
    for (uint64_t i = 0; i < n; i += 97) {
        int64_t key = (int64_t)mix(i);
        bt_key k = bt_int_key(key);
        OK(bt_get(t, &k, &v, &vl));
        cr_assert(vl == big_vlen(key) && t_value_diff(v, vl, (uint64_t)key) == (size_t)-1,
                  "row %llu (key %lld) reads back wrong", (unsigned long long)i, (long long)key);
        free(v);
    }
    bt_kind kind = BT_TABLE;
    t_check_clean(p, &root, &kind, 1, "big tree");

    /* Delete a third (random order), close, reopen through the same small pool, scan. */
    for (uint64_t i = 0; i < n; i += 3) {
        bt_key k = bt_int_key((int64_t)mix(i));
        OK(bt_delete(t, &k));
    }
    bt_close(t);
    OK(pgr_close(p));
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 1u << 20, 0, &p));
    OK(bt_open(p, root, BT_TABLE, &t));
    bt_cursor *c;
    OK(bt_cursor_open(t, &c));
    OK(bt_first(c));
    uint64_t seen = 0;
    int64_t last = INT64_MIN;
    while (bt_cursor_valid(c)) {
        bt_key k;
        const void *cv;
        OK(bt_cursor_key(c, &k));
        OK(bt_cursor_value(c, &cv, &vl));
        cr_assert(seen == 0 || k.rowid > last, "scan order broken at %lld after %lld",
                  (long long)k.rowid, (long long)last);
        cr_assert(vl == big_vlen(k.rowid) && t_value_diff(cv, vl, (uint64_t)k.rowid) == (size_t)-1,
                  "key %lld reads back wrong after reopen", (long long)k.rowid);
        last = k.rowid;
        seen++;
        OK(bt_next(c));
    }
    bt_cursor_close(c);
    cr_assert_eq(seen, n - (n + 2) / 3, "scan after reopen saw %llu rows",
                 (unsigned long long)seen);
    for (uint64_t i = 0; i < n; i += 101) {
        bt_key k = bt_int_key((int64_t)mix(i));
        int rc = bt_get(t, &k, NULL, &vl);
        cr_assert_eq(rc, i % 3 == 0 ? ST_ENOTFOUND : ST_OK, "row %llu after deleting a third",
                     (unsigned long long)i);
    }
    t_check_clean(p, &root, &kind, 1, "big tree after deletes and reopen");
    bt_close(t);
    OK(pgr_close(p));
}

/* --- close and reopen: byte for byte ------------------------------------------------------ */

struct row {
    uint8_t key[40];
    uint8_t klen;
    int64_t rowid;
    uint32_t vlen;
    uint64_t vseed;
};

static void reopen_for(uint32_t ps)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), ps, 2u << 20, 1, &p));
    enum { NT = 3000, NI = 2000 };
    uint64_t roots[3];
    bt_kind kinds[3] = {BT_TABLE, BT_INDEX, BT_TABLE};
    bt_tree *t[3];
    t_create_trees(p, kinds, 3, roots, t);
    uint64_t s = ps;
    struct row *tr = calloc(NT, sizeof *tr), *ir = calloc(NI, sizeof *ir);
    size_t maxv = 3 * (size_t)ps + 5000;
    uint8_t *buf = malloc(maxv);
    cr_assert(tr && ir && buf);
    for (int i = 0; i < NT; i++) {
        tr[i].rowid = (int64_t)i * 1000003 - 1500000000;
        uint64_t x = fx_below(&s, 10);
        tr[i].vlen = x == 0 ? 0 : x < 7 ? (uint32_t)fx_below(&s, 200)
                                        : (uint32_t)fx_below(&s, maxv);
        tr[i].vseed = fx_splitmix(&s);
        t_value(buf, tr[i].vlen, tr[i].vseed);
        bt_key k = bt_int_key(tr[i].rowid);
        OK(bt_insert(t[0], &k, buf, tr[i].vlen, BT_NOREPLACE));
    }
    for (int i = 0; i < NI; i++) {
        ir[i].klen = (uint8_t)(4 + fx_below(&s, 30));
        snprintf((char *)ir[i].key, 5, "%04d", i); /* distinct 4-byte prefix in order */
        for (int j = 4; j < ir[i].klen; j++)
            ir[i].key[j] = (uint8_t)fx_splitmix(&s);
        ir[i].vlen = (uint32_t)fx_below(&s, i % 10 == 0 ? maxv : 16);
        ir[i].vseed = fx_splitmix(&s);
        t_value(buf, ir[i].vlen, ir[i].vseed);
        bt_key k = bt_bytes_key(ir[i].key, ir[i].klen);
        OK(bt_insert(t[1], &k, buf, ir[i].vlen, BT_NOREPLACE));
    }
    OK(pgr_set_catalog_root(p, roots[0]));
    for (int i = 0; i < 3; i++)
        bt_close(t[i]);
    OK(pgr_close(p));

    for (int round = 0; round < 2; round++) {
        size_t len0;
        uint8_t *before = fx_slurp(fx_path(fx_dir, "db"), &len0);
        OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, round ? 64 * (size_t)ps : 8u << 20, 0, &p));
        cr_assert_eq(pgr_page_size(p), ps);
        cr_assert_eq(pgr_catalog_root(p), roots[0]);
        for (int i = 0; i < 3; i++)
            OK(bt_open(p, roots[i], kinds[i], &t[i]));
        bt_cursor *c;
        OK(bt_cursor_open(t[0], &c));
        OK(bt_first(c));
        for (int i = 0; i < NT; i++) {
            cr_assert(bt_cursor_valid(c), "ps %u: table ends after %d rows", ps, i);
            bt_key k;
            const void *v;
            size_t vl;
            OK(bt_cursor_key(c, &k));
            OK(bt_cursor_value(c, &v, &vl));
            cr_assert_eq(k.rowid, tr[i].rowid, "ps %u: row %d key", ps, i);
            cr_assert(vl == tr[i].vlen && (vl == 0 || t_value_diff(v, vl, tr[i].vseed) == (size_t)-1),
                      "ps %u: row %d (%u bytes) differs after reopen", ps, i, tr[i].vlen);
            OK(bt_next(c));
        }
        cr_assert(!bt_cursor_valid(c));
        bt_cursor_close(c);
        OK(bt_cursor_open(t[1], &c));
        OK(bt_first(c));
        for (int i = 0; i < NI; i++) {
            cr_assert(bt_cursor_valid(c), "ps %u: index ends after %d entries", ps, i);
            bt_key k;
            const void *v;
            size_t vl;
            OK(bt_cursor_key(c, &k));
            OK(bt_cursor_value(c, &v, &vl));
            cr_assert(k.len == ir[i].klen && memcmp(k.bytes, ir[i].key, k.len) == 0,
                      "ps %u: index entry %d key differs", ps, i);
            cr_assert(vl == ir[i].vlen && (vl == 0 || t_value_diff(v, vl, ir[i].vseed) == (size_t)-1),
                      "ps %u: index entry %d value differs", ps, i);
            OK(bt_next(c));
        }
        cr_assert(!bt_cursor_valid(c));
        bt_cursor_close(c);
        uint64_t cnt;
        OK(bt_count(t[2], &cnt));
        cr_assert_eq(cnt, 0, "the empty tree has %llu rows", (unsigned long long)cnt);
        t_check_clean(p, roots, kinds, 3, "after reopen");
        for (int i = 0; i < 3; i++)
            bt_close(t[i]);
        OK(pgr_close(p));
        /* Reading changed nothing in the file. */
        size_t len1;
        uint8_t *after = fx_slurp(fx_path(fx_dir, "db"), &len1);
        cr_assert(len0 == len1 && memcmp(before, after, len0) == 0,
                  "ps %u: a read-only session (open, scan, check, close) changed the file", ps);
        free(before);
        free(after);
    }
    free(tr);
    free(ir);
    free(buf);
    remove(fx_path(fx_dir, "db"));
}

Test(btree, reopen_byte_for_byte_512) { reopen_for(512); }
Test(btree, reopen_byte_for_byte_4096) { reopen_for(4096); }
Test(btree, reopen_byte_for_byte_65536) { reopen_for(65536); }
