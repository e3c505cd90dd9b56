/*
 * space.c — space is reused: insert/delete cycles do not grow the file without bound, deleting
 * most keys merges pages (the pages go to the free list), bt_drop frees every page, and
 * bt_open refuses a page that is not a root of the requested kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/btree/util.h"

static void put_row(bt_tree *t, int64_t k, uint8_t *buf)
{
    /* Mostly small rows, every 13th overflows (at 512-byte pages). */
    size_t len = k % 13 == 0 ? 700 + (size_t)(k % 5) * 300 : (size_t)(k % 90);
    t_value(buf, len, (uint64_t)k);
    bt_key key = bt_int_key(k);
    OK(bt_insert(t, &key, buf, len, BT_REPLACE));
}

Test(btree, insert_delete_cycles_do_not_grow_the_file)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 1u << 20, 1, &p));
    uint64_t root;
    OK(bt_create(p, BT_TABLE, &root));
    bt_tree *t;
    OK(bt_open(p, root, BT_TABLE, &t));
    uint8_t buf[2000];
    uint64_t seed = fx_seed(NULL, 77), s = seed;
    const int rounds = (int)fx_scaled(40, 8);
    uint64_t after_first = 0;
    for (int round = 0; round < rounds; round++) {
        /* Same 3000 rows every round, in a different random order each time. */
        int64_t keys[3000];
        for (int i = 0; i < 3000; i++)
            keys[i] = i * 7;
        for (int i = 2999; i > 0; i--) {
            int j = (int)fx_below(&s, (uint64_t)i + 1);
            int64_t x = keys[i];
            keys[i] = keys[j];
            keys[j] = x;
        }
        for (int i = 0; i < 3000; i++)
            put_row(t, keys[i], buf);
        if (round == 0)
            after_first = pgr_page_count(p);
        for (int i = 2999; i >= 0; i -= 2) /* delete in another order */
            OK(bt_delete(t, &(bt_key){keys[i], NULL, 0}));
        for (int i = 0; i < 3000; i += 2)
            OK(bt_delete(t, &(bt_key){keys[i], NULL, 0}));
        cr_assert_eq(t_used_pages(p), 1, "seed %llu round %d: %llu pages in use after deleting "
                     "everything", (unsigned long long)seed, round,
                     (unsigned long long)t_used_pages(p));
    }
    cr_assert(pgr_page_count(p) <= after_first + after_first / 10 + 4,
              "seed %llu: the file grew from %llu pages after the first round to %llu after %d "
              "rounds of the same rows",
              (unsigned long long)seed, (unsigned long long)after_first,
              (unsigned long long)pgr_page_count(p), rounds);
    bt_kind k = BT_TABLE;
    t_check_clean(p, &root, &k, 1, "after cycles");
    bt_close(t);
    OK(pgr_close(p));
}

Test(btree, deleting_most_keys_merges_pages)
{
    for (int kind = BT_TABLE; kind <= BT_INDEX; kind++) {
        pgr *p;
        char name[16];
        snprintf(name, sizeof name, "db%d", kind);
        OK(fx_pgr_open(fx_path(fx_dir, name), 512, 4u << 20, 1, &p));
        uint64_t root;
        OK(bt_create(p, (bt_kind)kind, &root));
        bt_tree *t;
        OK(bt_open(p, root, (bt_kind)kind, &t));
        const int N = 20000;
        uint64_t seed = fx_seed(NULL, 4242), s = seed;
        int *order = malloc(N * sizeof *order);
        cr_assert(order != NULL);
        for (int i = 0; i < N; i++)
            order[i] = i;
        for (int i = N - 1; i > 0; i--) {
            int j = (int)fx_below(&s, (uint64_t)i + 1), x = order[i];
            order[i] = order[j];
            order[j] = x;
        }
        char kb[32], vb[32];
        for (int i = 0; i < N; i++) {
            int n = snprintf(kb, sizeof kb, "key-%08d", order[i]);
            bt_key k = kind == BT_TABLE ? bt_int_key(order[i]) : bt_bytes_key(kb, (size_t)n);
            int vn = snprintf(vb, sizeof vb, "v%d", order[i]);
            OK(bt_insert(t, &k, vb, (size_t)vn, BT_NOREPLACE));
        }
        uint64_t before = t_used_pages(p);
        /* Delete 95% in random order: keep order[i] with i % 20 == 0. */
        for (int i = 0; i < N; i++) {
            if (i % 20 == 0)
                continue;
            int n = snprintf(kb, sizeof kb, "key-%08d", order[i]);
            bt_key k = kind == BT_TABLE ? bt_int_key(order[i]) : bt_bytes_key(kb, (size_t)n);
            OK(bt_delete(t, &k));
        }
        uint64_t after = t_used_pages(p);
        cr_assert(after <= before / 3,
                  "seed %llu %s: %llu pages in use for 20000 keys, still %llu after deleting "
                  "95%% (expected at most a third: pages below a quarter full merge)",
                  (unsigned long long)seed, kind == BT_TABLE ? "table" : "index",
                  (unsigned long long)before, (unsigned long long)after);
        cr_assert_eq(pgr_free_count(p) + after + 1, pgr_page_count(p));
        bt_kind bk = (bt_kind)kind;
        t_check_clean(p, &root, &bk, 1, "after deleting 95%");
        uint64_t c;
        OK(bt_count(t, &c));
        cr_assert_eq(c, (uint64_t)N / 20);
        for (int i = 0; i < N; i += 20) {
            int n = snprintf(kb, sizeof kb, "key-%08d", order[i]);
            bt_key k = kind == BT_TABLE ? bt_int_key(order[i]) : bt_bytes_key(kb, (size_t)n);
            void *v;
            size_t vl;
            OK(bt_get(t, &k, &v, &vl));
            int vn = snprintf(vb, sizeof vb, "v%d", order[i]);
            cr_assert(vl == (size_t)vn && memcmp(v, vb, vl) == 0, "survivor %d's value", order[i]);
            free(v);
        }
        /* The freed pages are reused by the next inserts before the file grows. */
        uint64_t pages = pgr_page_count(p);
        for (int i = 0; i < N / 2; i++) {
            if (i % 20 == 0)
                continue;
            int n = snprintf(kb, sizeof kb, "key-%08d", order[i]);
            bt_key k = kind == BT_TABLE ? bt_int_key(order[i]) : bt_bytes_key(kb, (size_t)n);
            OK(bt_insert(t, &k, "again", 5, BT_NOREPLACE));
        }
        cr_assert_eq(pgr_page_count(p), pages, "the file grew while %llu pages were free",
                     (unsigned long long)pgr_free_count(p));
        t_check_clean(p, &root, &bk, 1, "after re-inserting half");
        free(order);
        bt_close(t);
        OK(pgr_close(p));
    }
}

Test(btree, drop_frees_every_page)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 1u << 20, 1, &p));
    uint64_t roots[3];
    bt_kind kinds[3] = {BT_TABLE, BT_INDEX, BT_TABLE};
    bt_tree *t[3];
    uint8_t buf[2000];
    t_create_trees(p, kinds, 3, roots, t);
    for (int64_t k = 0; k < 3000; k++)
        for (int i = 0; i < 3; i++) {
            size_t len = k % 11 == 0 ? 1500 : (size_t)(k % 40);
            t_value(buf, len, (uint64_t)k);
            char kb[16];
            int n = snprintf(kb, sizeof kb, "%07lld", (long long)k);
            bt_key key = kinds[i] == BT_TABLE ? bt_int_key(k * (i + 1))
                                              : bt_bytes_key(kb, (size_t)n);
            OK(bt_insert(t[i], &key, buf, len, BT_NOREPLACE));
        }
    t_check_clean(p, roots, kinds, 3, "three trees");
    uint64_t used_all = t_used_pages(p);
    /* Drop the middle tree: the other two are intact and the check (which would report its
     * pages as leaked if they were not freed) is clean. */
    OK(bt_drop(t[1]));
    bt_close(t[1]);
    uint64_t roots2[2] = {roots[0], roots[2]};
    bt_kind kinds2[2] = {BT_TABLE, BT_TABLE};
    t_check_clean(p, roots2, kinds2, 2, "after dropping one of three");
    cr_assert(t_used_pages(p) < used_all * 3 / 4, "dropping a tree freed too little (%llu of "
              "%llu pages still used)", (unsigned long long)t_used_pages(p),
              (unsigned long long)used_all);
    for (int64_t k = 0; k < 3000; k += 97) {
        bt_key key = bt_int_key(k * 3);
        void *v;
        size_t vl;
        OK(bt_get(t[2], &key, &v, &vl));
        size_t want = k % 11 == 0 ? 1500 : (size_t)(k % 40);
        cr_assert(vl == want && (vl == 0 || t_value_diff(v, vl, (uint64_t)k) == (size_t)-1),
                  "tree 3 row %lld after dropping tree 2", (long long)k);
        free(v);
    }
    OK(bt_drop(t[0]));
    bt_close(t[0]);
    OK(bt_drop(t[2]));
    bt_close(t[2]);
    cr_assert_eq(t_used_pages(p), 0, "%llu pages still used with no tree left",
                 (unsigned long long)t_used_pages(p));
    t_check_clean(p, NULL, NULL, 0, "after dropping everything");
    /* And a new tree reuses the space. */
    uint64_t pages = pgr_page_count(p), r;
    OK(bt_create(p, BT_TABLE, &r));
    cr_assert_eq(pgr_page_count(p), pages, "bt_create grew the file despite free pages");
    OK(pgr_close(p));
}

Test(btree, open_refuses_non_roots_and_wrong_kinds)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 1u << 20, 1, &p));
    uint64_t tr, ir;
    OK(bt_create(p, BT_TABLE, &tr));
    OK(bt_create(p, BT_INDEX, &ir));
    bt_tree *t;
    FAILS_WITH(ST_ECORRUPT, bt_open(p, tr, BT_INDEX, &t));
    FAILS_WITH(ST_ECORRUPT, bt_open(p, ir, BT_TABLE, &t));
    FAILS_WITH(ST_ECORRUPT, bt_open(p, 0, BT_TABLE, &t));
    /* A leaf that is not a root (after the root split). */
    OK(bt_open(p, tr, BT_TABLE, &t));
    for (int64_t k = 0; k < 500; k++)
        OK(bt_insert(t, &(bt_key){k, NULL, 0}, "0123456789", 10, BT_NOREPLACE));
    bt_close(t);
    pgr_page *pg;
    OK(pgr_get(p, tr, PGR_SHARED, &pg));
    cr_assert_eq(pgr_page_type(pgr_data(pg)), PGR_T_TABLE_INTERNAL, "root did not split");
    uint64_t child = get_u64(pgr_data(pg) + 16); /* rightmost child: a non-root page */
    pgr_release(pg);
    FAILS_WITH(ST_ECORRUPT, bt_open(p, child, BT_TABLE, &t));
    /* A page beyond the end. */
    FAILS_WITH(ST_ECORRUPT, bt_open(p, pgr_page_count(p) + 5, BT_TABLE, &t));
    OK(pgr_close(p));
}
