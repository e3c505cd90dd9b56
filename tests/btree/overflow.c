/*
 * overflow.c — values of many sizes around the page-size edges (the local/overflow boundary
 * bt_max_cell, multiples of the overflow payload ps-32), a 64 MiB value through a 1 MiB pool,
 * values above 1 GiB refused with ST_ETOOBIG, and index keys above bt_max_key refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/btree/util.h"

static size_t add_size(size_t *v, size_t n, long long s)
{
    if (s >= 0)
        v[n++] = (size_t)s;
    return n;
}

/* Sizes worth trying for page size ps and (index) key length kl. */
static size_t edge_sizes(uint32_t ps, size_t kl, bt_kind kind, size_t *v)
{
    long long mc = (long long)t_max_cell(ps), ov = (long long)ps - 32;
    long long local = kind == BT_TABLE ? mc - 12 : mc - 6 - (long long)kl; /* largest local */
    size_t n = 0;
    const long long fixed[] = {0, 1, 2, 7, 8, 9, 100, ps / 4, ps / 2, ps, 2LL * ps, 100000};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        n = add_size(v, n, fixed[i]);
    for (long long d = -2; d <= 2; d++) {
        n = add_size(v, n, local + d);
        n = add_size(v, n, mc + d);
        n = add_size(v, n, ov + d);
        n = add_size(v, n, 2 * ov + d);
        n = add_size(v, n, 3 * ov + d);
    }
    n = add_size(v, n, 10 * ov + 7);
    return n;
}

static void check_get(bt_tree *t, const bt_key *k, size_t len, uint64_t seed, const char *ctx)
{
    void *val = NULL;
    size_t vlen = 0;
    int rc = bt_get(t, k, &val, &vlen);
    cr_assert(rc == ST_OK, "%s: get: %s: %s", ctx, st_name(rc), st_msg());
    cr_assert(vlen == len, "%s: got %zu bytes back, stored %zu", ctx, vlen, len);
    size_t d = len ? t_value_diff(val, len, seed) : (size_t)-1;
    cr_assert(d == (size_t)-1, "%s: %zu-byte value differs at byte %zu", ctx, len, d);
    free(val);
}

static void sizes_for(uint32_t ps, bt_kind kind)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), ps, 4u << 20, 1, &p));
    uint64_t root;
    OK(bt_create(p, kind, &root));
    bt_tree *t;
    OK(bt_open(p, root, kind, &t));
    size_t maxk = bt_max_key(ps);
    const size_t klens[] = {1, 10, maxk / 2, maxk};
    size_t nk = kind == BT_TABLE ? 1 : sizeof klens / sizeof klens[0];
    size_t sizes[128];
    uint8_t *buf = malloc(12 * (size_t)ps + 200000);
    uint8_t *kb = malloc(maxk);
    cr_assert(buf && kb);
    uint64_t count = 0;
    for (size_t ki = 0; ki < nk; ki++) {
        size_t n = edge_sizes(ps, klens[ki], kind, sizes);
        for (size_t i = 0; i < n; i++) {
            char ctx[128];
            snprintf(ctx, sizeof ctx, "ps %u %s key length %zu value %zu bytes", ps,
                     kind == BT_TABLE ? "table" : "index", klens[ki], sizes[i]);
            bt_key k;
            if (kind == BT_TABLE) {
                k = bt_int_key((int64_t)(ki * 1000 + i));
            } else {
                memset(kb, 'k', klens[ki]);
                if (klens[ki] == 1) {
                    kb[0] = (uint8_t)i;
                } else {
                    kb[0] = (uint8_t)ki;
                    kb[1] = (uint8_t)(i >> 8);
                    kb[2] = (uint8_t)i;
                }
                k = bt_bytes_key(kb, klens[ki]);
            }
            uint64_t seed = ps * 131 + ki * 7 + i;
            t_value(buf, sizes[i], seed);
            int rc = bt_insert(t, &k, buf, sizes[i], BT_NOREPLACE);
            cr_assert(rc == ST_OK, "%s: insert: %s: %s", ctx, st_name(rc), st_msg());
            count++;
            check_get(t, &k, sizes[i], seed, ctx);
            /* Resize in place: to the next size of the list (local <-> overflow, longer and
             * shorter chains), then back. */
            size_t other = sizes[(i + 7) % n];
            t_value(buf, other, seed + 1);
            OK(bt_insert(t, &k, buf, other, BT_REPLACE));
            check_get(t, &k, other, seed + 1, ctx);
            t_value(buf, sizes[i], seed + 2);
            OK(bt_insert(t, &k, buf, sizes[i], BT_REPLACE));
            check_get(t, &k, sizes[i], seed + 2, ctx);
        }
        char ctx[64];
        snprintf(ctx, sizeof ctx, "ps %u after key length %zu", ps, klens[ki]);
        bt_kind kk = kind;
        t_check_clean(p, &root, &kk, 1, ctx);
    }
    uint64_t c;
    OK(bt_count(t, &c));
    cr_assert_eq(c, count);
    /* Close and reopen: every value comes back. */
    bt_close(t);
    OK(pgr_close(p));
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 1u << 20, 0, &p));
    OK(bt_open(p, root, kind, &t));
    bt_cursor *cur;
    OK(bt_cursor_open(t, &cur));
    uint64_t seen = 0;
    OK(bt_first(cur));
    while (bt_cursor_valid(cur)) {
        const void *v;
        size_t vl;
        OK(bt_cursor_value(cur, &v, &vl));
        seen++;
        OK(bt_next(cur));
    }
    cr_assert_eq(seen, count);
    bt_cursor_close(cur);
    /* Deleting everything frees every overflow page. */
    bt_cursor *dc;
    OK(bt_cursor_open(t, &dc));
    OK(bt_first(dc));
    while (bt_cursor_valid(dc))
        OK(bt_cursor_delete(dc));
    bt_cursor_close(dc);
    cr_assert_eq(t_used_pages(p), 1, "ps %u: %llu pages still used after deleting every value",
                 ps, (unsigned long long)t_used_pages(p));
    bt_kind kk = kind;
    t_check_clean(p, &root, &kk, 1, "after deleting everything");
    bt_close(t);
    OK(pgr_close(p));
    remove(fx_path(fx_dir, "db"));
    free(buf);
    free(kb);
}

Test(btree, max_key_leaves_room_for_four_cells)
{
    for (uint32_t ps = 512; ps <= 65536; ps *= 2) {
        size_t mk = bt_max_key(ps);
        cr_assert(mk >= 16, "bt_max_key(%u) = %zu is uselessly small", ps, mk);
        /* An index leaf cell with a maximal key and an overflow pointer must be local. */
        cr_assert(2 + 4 + mk + 8 <= t_max_cell(ps),
                  "bt_max_key(%u) = %zu: a leaf cell with it (%zu bytes) exceeds the largest "
                  "local cell %zu",
                  ps, mk, 14 + mk, t_max_cell(ps));
    }
}

Test(btree, overflow_sizes_table_512) { sizes_for(512, BT_TABLE); }
Test(btree, overflow_sizes_table_4096) { sizes_for(4096, BT_TABLE); }
Test(btree, overflow_sizes_table_65536) { sizes_for(65536, BT_TABLE); }
Test(btree, overflow_sizes_index_512) { sizes_for(512, BT_INDEX); }
Test(btree, overflow_sizes_index_4096) { sizes_for(4096, BT_INDEX); }
Test(btree, overflow_sizes_index_65536) { sizes_for(65536, BT_INDEX); }

Test(btree, value_of_64_mib_through_1_mib_pool)
{
    size_t len = (size_t)fx_scaled(64u << 20, 4u << 20);
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 4096, 1u << 20, 1, &p));
    uint64_t root;
    OK(bt_create(p, BT_TABLE, &root));
    bt_tree *t;
    OK(bt_open(p, root, BT_TABLE, &t));
    uint8_t *buf = malloc(len);
    cr_assert(buf != NULL);
    t_value(buf, len, 64);
    bt_key k = bt_int_key(64);
    OK(bt_insert(t, &k, buf, len, BT_NOREPLACE));
    bt_key k2 = bt_int_key(65);
    OK(bt_insert(t, &k2, "small", 5, BT_NOREPLACE));
    memset(buf, 0, len);
    free(buf);
    uint64_t chain = (len + 4096 - 32 - 1) / (4096 - 32);
    cr_assert(pgr_page_count(p) >= chain + 2, "a %zu-byte value in %llu pages", len,
              (unsigned long long)pgr_page_count(p));
    check_get(t, &k, len, 64, "64 MiB value");
    bt_kind kind = BT_TABLE;
    t_check_clean(p, &root, &kind, 1, "64 MiB value");
    bt_close(t);
    OK(pgr_close(p));

    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 1u << 20, 0, &p));
    OK(bt_open(p, root, BT_TABLE, &t));
    check_get(t, &k, len, 64, "64 MiB value after reopen");
    /* Shrinking it to a local value frees the whole chain. */
    uint64_t free_before = pgr_free_count(p);
    OK(bt_insert(t, &k, "tiny", 4, BT_REPLACE));
    cr_assert(pgr_free_count(p) >= free_before + chain,
              "replacing a %llu-page chain freed only %llu pages", (unsigned long long)chain,
              (unsigned long long)(pgr_free_count(p) - free_before));
    void *v;
    size_t vl;
    OK(bt_get(t, &k2, &v, &vl));
    cr_assert(vl == 5 && memcmp(v, "small", 5) == 0, "the neighbouring row changed");
    free(v);
    OK(bt_get(t, &k, &v, &vl));
    cr_assert(vl == 4 && memcmp(v, "tiny", 4) == 0, "the shrunk value reads back wrong");
    free(v);
    bt_kind kind2 = BT_TABLE;
    t_check_clean(p, &root, &kind2, 1, "after shrinking the 64 MiB value");
    bt_close(t);
    OK(pgr_close(p));
}

static void expect_toobig(int rc, const char *what)
{
    cr_assert(rc == ST_ETOOBIG, "%s: %s (%d), expected ST_ETOOBIG: %s", what, st_name(rc), rc,
              st_msg());
    cr_assert(strstr(st_msg(), "1073741825") != NULL || strstr(st_msg(), "1073741824") != NULL,
              "%s: message should give the numbers (length and/or 1 GiB limit): %s", what,
              st_msg());
}

Test(btree, value_over_1_gib_is_refused)
{
    size_t len = (size_t)BT_MAX_VALUE + 1;
    /* Address space only: the pages are never touched unless the tree reads them. */
    void *big = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    cr_assert(big != MAP_FAILED, "mmap of 1 GiB + 1 failed");
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 4096, 1u << 20, 1, &p));
    uint64_t roots[2];
    bt_kind kinds[2] = {BT_TABLE, BT_INDEX};
    bt_tree *t[2];
    t_create_trees(p, kinds, 2, roots, t);
    uint64_t pages = pgr_page_count(p);
    bt_key tk = bt_int_key(1), ik = bt_bytes_key("key", 3);
    expect_toobig(bt_insert(t[0], &tk, big, len, BT_REPLACE), "table insert 1 GiB + 1");
    expect_toobig(bt_insert(t[1], &ik, big, len, BT_REPLACE), "index insert 1 GiB + 1");
    expect_toobig(bt_insert(t[0], &tk, big, SIZE_MAX / 2, BT_NOREPLACE), "table insert huge");
    /* Through a cursor update too. */
    OK(bt_insert(t[0], &tk, "v", 1, BT_REPLACE));
    bt_cursor *c;
    OK(bt_cursor_open(t[0], &c));
    OK(bt_first(c));
    expect_toobig(bt_cursor_update(c, big, len), "cursor update 1 GiB + 1");
    bt_cursor_close(c);
    void *v;
    size_t vl;
    OK(bt_get(t[0], &tk, &v, &vl));
    cr_assert(vl == 1 && memcmp(v, "v", 1) == 0, "refused update changed the value");
    free(v);
    FAILS_WITH(ST_ENOTFOUND, bt_get(t[1], &ik, NULL, &vl));
    cr_assert_eq(pgr_page_count(p), pages, "refused inserts grew the file");
    t_check_clean(p, roots, kinds, 2, "after refused inserts");
    for (int i = 0; i < 2; i++)
        bt_close(t[i]);
    OK(pgr_close(p));
    munmap(big, len);
}

Test(btree, index_key_over_max_is_refused)
{
    for (uint32_t ps = 512; ps <= 65536; ps *= 8) {
        pgr *p;
        char name[32];
        snprintf(name, sizeof name, "db%u", ps);
        OK(fx_pgr_open(fx_path(fx_dir, name), ps, 0, 1, &p));
        uint64_t root;
        OK(bt_create(p, BT_INDEX, &root));
        bt_tree *t;
        OK(bt_open(p, root, BT_INDEX, &t));
        size_t mk = bt_max_key(ps);
        uint8_t *kb = malloc(mk + 2);
        cr_assert(kb != NULL);
        memset(kb, 'x', mk + 1);
        bt_key k = bt_bytes_key(kb, mk + 1);
        int rc = bt_insert(t, &k, "v", 1, BT_REPLACE);
        cr_assert(rc == ST_ETOOBIG, "ps %u: key of %zu > max %zu bytes: %s: %s", ps, mk + 1, mk,
                  st_name(rc), st_msg());
        char num[32];
        snprintf(num, sizeof num, "%zu", mk);
        cr_assert(strstr(st_msg(), num) != NULL, "message should give the limit %zu: %s", mk,
                  st_msg());
        /* Exactly the maximum is fine, many of them force splits with maximal keys. */
        for (int i = 0; i < 40; i++) {
            kb[0] = (uint8_t)i;
            k = bt_bytes_key(kb, mk);
            OK(bt_insert(t, &k, kb, i % 2 ? 10 : mk, BT_NOREPLACE));
        }
        uint64_t c;
        OK(bt_count(t, &c));
        cr_assert_eq(c, 40);
        bt_kind kind = BT_INDEX;
        t_check_clean(p, &root, &kind, 1, "maximal keys");
        free(kb);
        bt_close(t);
        OK(pgr_close(p));
    }
}
