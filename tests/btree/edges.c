/*
 * edges.c — arguments at and beyond the edges: probe keys longer than any stored key (seek,
 * get, delete must answer, not overflow a buffer), empty values passed as NULL, the empty
 * index key, extreme rowids, a free page or a page beyond the end passed as a root.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/btree/util.h"

Test(btree, overlong_probe_keys_are_answered_safely)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 1u << 20, 1, &p));
    uint64_t root;
    OK(bt_create(p, BT_INDEX, &root));
    bt_tree *t;
    OK(bt_open(p, root, BT_INDEX, &t));
    size_t mk = bt_max_key(512);
    uint8_t *kb = malloc(mk);
    cr_assert(kb != NULL);
    for (int i = 0; i < 300; i++) {
        memset(kb, 'a' + i % 26, mk);
        kb[0] = (uint8_t)(i / 26);
        bt_key k = bt_bytes_key(kb, i % 3 ? 5 : mk);
        OK(bt_insert(t, &k, "v", 1, BT_REPLACE));
    }
    uint64_t before;
    OK(bt_count(t, &before));
    size_t big = 100000;
    uint8_t *probe = malloc(big);
    cr_assert(probe != NULL);
    memset(probe, 'm', big);
    probe[0] = 5;
    bt_key pk = bt_bytes_key(probe, big);
    int rc = bt_get(t, &pk, NULL, &(size_t){0});
    cr_assert(rc == ST_ENOTFOUND || rc == ST_ETOOBIG, "get with a %zu-byte key: %s: %s", big,
              st_name(rc), st_msg());
    rc = bt_delete(t, &pk);
    cr_assert(rc == ST_ENOTFOUND || rc == ST_ETOOBIG, "delete with a %zu-byte key: %s: %s", big,
              st_name(rc), st_msg());
    bt_cursor *c;
    OK(bt_cursor_open(t, &c));
    int exact = -1;
    rc = bt_seek(c, &pk, &exact);
    if (rc == ST_OK && bt_cursor_valid(c)) {
        bt_key k;
        OK(bt_cursor_key(c, &k));
        size_t n = k.len < big ? k.len : big;
        int cmp = memcmp(k.bytes, probe, n);
        cr_assert(cmp > 0 || (cmp == 0 && k.len > big), "seek landed below the probe");
        cr_assert_eq(exact, 0);
    } else {
        cr_assert(rc == ST_OK || rc == ST_ETOOBIG, "seek with a %zu-byte key: %s: %s", big,
                  st_name(rc), st_msg());
    }
    bt_cursor_close(c);
    uint64_t after;
    OK(bt_count(t, &after));
    cr_assert_eq(after, before);
    bt_kind kind = BT_INDEX;
    t_check_clean(p, &root, &kind, 1, "after overlong probes");
    free(probe);
    free(kb);
    bt_close(t);
    OK(pgr_close(p));
}

Test(btree, empty_values_and_keys_and_extreme_rowids)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 1u << 20, 1, &p));
    uint64_t roots[2];
    bt_kind kinds[2] = {BT_TABLE, BT_INDEX};
    bt_tree *t[2];
    t_create_trees(p, kinds, 2, roots, t);
    const int64_t ids[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        OK(bt_insert(t[0], &(bt_key){ids[i], NULL, 0}, NULL, 0, BT_NOREPLACE));
    bt_key empty = bt_bytes_key("", 0);
    OK(bt_insert(t[1], &empty, NULL, 0, BT_NOREPLACE));
    FAILS_WITH(ST_EEXISTS, bt_insert(t[1], &empty, "x", 1, BT_NOREPLACE));
    bt_key one = bt_bytes_key("\x00", 1);
    OK(bt_insert(t[1], &one, NULL, 0, BT_NOREPLACE));

    void *v = (void *)1;
    size_t vl = 99;
    OK(bt_get(t[0], &(bt_key){INT64_MIN, NULL, 0}, &v, &vl));
    cr_assert_eq(vl, 0);
    free(v);
    bt_cursor *c;
    OK(bt_cursor_open(t[0], &c));
    OK(bt_first(c));
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        bt_key k;
        OK(bt_cursor_key(c, &k));
        cr_assert_eq(k.rowid, ids[i], "rowid %zu in order", i);
        const void *cv;
        OK(bt_cursor_value(c, &cv, &vl));
        cr_assert_eq(vl, 0);
        OK(bt_next(c));
    }
    cr_assert(!bt_cursor_valid(c));
    OK(bt_last(c));
    bt_key k;
    OK(bt_cursor_key(c, &k));
    cr_assert_eq(k.rowid, INT64_MAX);
    bt_cursor_close(c);
    OK(bt_cursor_open(t[1], &c));
    OK(bt_first(c));
    OK(bt_cursor_key(c, &k));
    cr_assert_eq(k.len, 0, "the empty key sorts first");
    OK(bt_next(c));
    OK(bt_cursor_key(c, &k));
    cr_assert(k.len == 1 && k.bytes[0] == 0);
    bt_cursor_close(c);
    OK(bt_delete(t[1], &empty));
    FAILS_WITH(ST_ENOTFOUND, bt_delete(t[1], &empty));
    t_check_clean(p, roots, kinds, 2, "edges");
    for (int i = 0; i < 2; i++)
        bt_close(t[i]);
    OK(pgr_close(p));
}

Test(btree, free_page_is_not_a_root)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 1u << 20, 1, &p));
    uint64_t r1, r2;
    OK(bt_create(p, BT_TABLE, &r1));
    OK(bt_create(p, BT_TABLE, &r2));
    bt_tree *t;
    OK(bt_open(p, r1, BT_TABLE, &t));
    OK(bt_drop(t));
    bt_close(t);
    FAILS_WITH(ST_ECORRUPT, bt_open(p, r1, BT_TABLE, &t));
    bt_kind kind = BT_TABLE;
    t_check_clean(p, &r2, &kind, 1, "after dropping one tree");
    /* Naming a dropped (free) page as a root is itself reported. */
    uint64_t both[2] = {r1, r2};
    bt_kind kinds[2] = {BT_TABLE, BT_TABLE};
    struct t_reports rep;
    t_check(p, both, kinds, 2, &rep);
    cr_assert(rep.problems > 0 && t_reported(&rep, r1), "a free page given as a root: %s",
              rep.text);
    OK(pgr_close(p));
}
