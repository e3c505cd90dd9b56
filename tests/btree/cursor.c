/*
 * cursor.c — cursor semantics on multi-level trees: first/last/next/prev, seek to the first
 * key >= K (exact flag), stepping past either end, and stability while the tree changes
 * through the same cursor (delete / update during forward and backward scans) or through
 * bt_insert/bt_delete between steps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/btree/util.h"

struct cur_fx {
    pgr *p;
    bt_tree *t;
    uint64_t root;
    bt_kind kind;
};

static void cur_open(struct cur_fx *f, uint32_t ps, bt_kind kind)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), ps, 1u << 20, 1, &f->p));
    OK(bt_create(f->p, kind, &f->root));
    OK(bt_open(f->p, f->root, kind, &f->t));
}

static void cur_close(struct cur_fx *f, const char *ctx)
{
    t_check_clean(f->p, &f->root, &f->kind, 1, ctx);
    bt_close(f->t);
    OK(pgr_close(f->p));
}

/* Value of row k: its decimal text repeated to (k % 50) bytes. */
static size_t row_value(int64_t k, uint8_t *buf)
{
    size_t len = (size_t)(k % 50 + 50) % 50;
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", (long long)k);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)num[i % (size_t)n];
    return len;
}

static void insert_rows(struct cur_fx *f, int64_t from, int64_t to, int64_t step)
{
    uint8_t buf[64];
    for (int64_t k = from; k <= to; k += step) {
        bt_key key = bt_int_key(k);
        OK(bt_insert(f->t, &key, buf, row_value(k, buf), BT_NOREPLACE));
    }
}

static int64_t cur_rowid(bt_cursor *c)
{
    cr_assert(bt_cursor_valid(c), "cursor unexpectedly invalid");
    bt_key k;
    OK(bt_cursor_key(c, &k));
    return k.rowid;
}

static void expect_row(bt_cursor *c, int64_t want, const char *ctx)
{
    cr_assert(bt_cursor_valid(c), "%s: cursor invalid, expected row %lld", ctx, (long long)want);
    int64_t got = cur_rowid(c);
    cr_assert_eq(got, want, "%s: cursor on row %lld, expected %lld", ctx, (long long)got,
                 (long long)want);
    const void *v;
    size_t vl;
    uint8_t buf[64];
    OK(bt_cursor_value(c, &v, &vl));
    size_t wl = row_value(want, buf);
    cr_assert(vl == wl && (wl == 0 || memcmp(v, buf, wl) == 0), "%s: row %lld has a wrong value",
              ctx, (long long)want);
}

Test(btree, cursor_on_empty_tree)
{
    struct cur_fx f;
    cur_open(&f, 512, BT_TABLE);
    bt_cursor *c;
    OK(bt_cursor_open(f.t, &c));
    cr_assert(!bt_cursor_valid(c));
    OK(bt_first(c));
    cr_assert(!bt_cursor_valid(c), "bt_first on an empty tree is positioned");
    OK(bt_last(c));
    cr_assert(!bt_cursor_valid(c), "bt_last on an empty tree is positioned");
    bt_key k = bt_int_key(0);
    int exact = 7;
    OK(bt_seek(c, &k, &exact));
    cr_assert(!bt_cursor_valid(c), "bt_seek on an empty tree is positioned");
    cr_assert_eq(exact, 0);
    bt_cursor_close(c);
    uint64_t n = 9;
    OK(bt_count(f.t, &n));
    cr_assert_eq(n, 0);
    FAILS_WITH(ST_ENOTFOUND, bt_delete(f.t, &k));
    FAILS_WITH(ST_ENOTFOUND, bt_get(f.t, &k, NULL, &n));
    cur_close(&f, "empty tree");
}

Test(btree, cursor_walks_and_seeks_table)
{
    struct cur_fx f;
    cur_open(&f, 512, BT_TABLE);
    const int64_t N = 6000; /* rows 10, 20, ..., 60000: a tree several levels deep at 512 */
    insert_rows(&f, 10, 10 * N, 10);
    bt_cursor *c;
    OK(bt_cursor_open(f.t, &c));

    OK(bt_first(c));
    for (int64_t i = 1; i <= N; i++) {
        expect_row(c, 10 * i, "forward walk");
        OK(bt_next(c));
    }
    cr_assert(!bt_cursor_valid(c), "next past the last row is still valid");
    OK(bt_last(c));
    for (int64_t i = N; i >= 1; i--) {
        expect_row(c, 10 * i, "backward walk");
        OK(bt_prev(c));
    }
    cr_assert(!bt_cursor_valid(c), "prev before the first row is still valid");

    int exact;
    struct { int64_t probe, want; int exact; } cases[] = {
        {INT64_MIN, 10, 0}, {-5, 10, 0},        {9, 10, 0},       {10, 10, 1},
        {11, 20, 0},        {15, 20, 0},        {20, 20, 1},      {30005, 30010, 0},
        {30010, 30010, 1},  {59999, 60000, 0},  {60000, 60000, 1}, {60001, 0, 0},
        {INT64_MAX, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bt_key k = bt_int_key(cases[i].probe);
        exact = -1;
        OK(bt_seek(c, &k, &exact));
        char ctx[64];
        snprintf(ctx, sizeof ctx, "seek %lld", (long long)cases[i].probe);
        if (cases[i].want == 0) {
            cr_assert(!bt_cursor_valid(c), "%s: positioned past the last row", ctx);
            cr_assert_eq(exact, 0, "%s: exact set", ctx);
            continue;
        }
        expect_row(c, cases[i].want, ctx);
        cr_assert_eq(exact, cases[i].exact, "%s: exact = %d", ctx, exact);
        /* Stepping both ways from a seek. */
        OK(bt_prev(c));
        if (cases[i].want == 10)
            cr_assert(!bt_cursor_valid(c), "%s: prev of the first row", ctx);
        else
            expect_row(c, cases[i].want - 10, ctx);
    }
    /* A seek then next across every leaf boundary. */
    bt_key k = bt_int_key(33333);
    OK(bt_seek(c, &k, &exact));
    for (int64_t r = 33340; r <= 10 * N; r += 10) {
        expect_row(c, r, "next after seek");
        OK(bt_next(c));
    }
    cr_assert(!bt_cursor_valid(c));
    bt_cursor_close(c);
    cur_close(&f, "walks");
}

Test(btree, cursor_seek_index_prefixes)
{
    struct cur_fx f;
    cur_open(&f, 512, BT_INDEX);
    /* memcmp order, shorter first on a common prefix. */
    const char *keys[] = {"", "a", "a\x00", "a\x00\x00", "ab", "abc", "abd", "b", "\xff",
                          "\xff\xff"};
    const size_t lens[] = {0, 1, 2, 3, 2, 3, 3, 1, 1, 2};
    const size_t nk = sizeof lens / sizeof lens[0];
    /* Insert in reverse, plus many filler keys "m<n>" to get a multi-level tree. */
    for (size_t i = nk; i-- > 0;) {
        bt_key k = bt_bytes_key(keys[i], lens[i]);
        OK(bt_insert(f.t, &k, &i, sizeof i, BT_NOREPLACE));
    }
    for (int i = 0; i < 3000; i++) {
        char b[16];
        int n = snprintf(b, sizeof b, "m%05d", i);
        bt_key k = bt_bytes_key(b, (size_t)n);
        OK(bt_insert(f.t, &k, b, (size_t)n, BT_NOREPLACE));
    }
    bt_cursor *c;
    OK(bt_cursor_open(f.t, &c));
    /* Expected order: keys[0..7] ("" .. "b"), the 3000 fillers, then "\xff", "\xff\xff". */
    OK(bt_first(c));
    for (size_t i = 0; i < nk + 3000; i++) {
        char fb[16];
        const char *want;
        size_t wl;
        if (i < 8) {
            want = keys[i];
            wl = lens[i];
        } else if (i < 8 + 3000) {
            wl = (size_t)snprintf(fb, sizeof fb, "m%05zu", i - 8);
            want = fb;
        } else {
            want = keys[i - 3000];
            wl = lens[i - 3000];
        }
        cr_assert(bt_cursor_valid(c), "scan ended at position %zu", i);
        bt_key k;
        OK(bt_cursor_key(c, &k));
        cr_assert(k.len == wl && (wl == 0 || memcmp(k.bytes, want, wl) == 0),
                  "position %zu in order: got a %zu-byte key, expected %zu bytes", i, k.len, wl);
        OK(bt_next(c));
    }
    cr_assert(!bt_cursor_valid(c), "entries after \"\\xff\\xff\"");

    struct { const char *probe; size_t plen; const char *want; size_t wlen; int exact; } cs[] = {
        {"", 0, "", 0, 1},
        {"\x00", 1, "a", 1, 0},
        {"a", 1, "a", 1, 1},
        {"a\x00", 2, "a\x00", 2, 1},
        {"a\x00\x00\x00", 4, "ab", 2, 0},
        {"aa", 2, "ab", 2, 0},
        {"abc", 3, "abc", 3, 1},
        {"abcd", 4, "abd", 3, 0},
        {"abe", 3, "b", 1, 0},
        {"c", 1, "m00000", 6, 0},
        {"m02999\x01", 7, "\xff", 1, 0},
        {"\xff\x00", 2, "\xff\xff", 2, 0},
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        bt_key pk = bt_bytes_key(cs[i].probe, cs[i].plen);
        int exact = -1;
        OK(bt_seek(c, &pk, &exact));
        cr_assert(bt_cursor_valid(c), "seek case %zu: invalid", i);
        bt_key k;
        OK(bt_cursor_key(c, &k));
        cr_assert(k.len == cs[i].wlen && memcmp(k.bytes, cs[i].want, k.len) == 0,
                  "seek case %zu: landed on a %zu-byte key (expected %zu bytes)", i, k.len,
                  cs[i].wlen);
        cr_assert_eq(exact, cs[i].exact, "seek case %zu: exact %d", i, exact);
    }
    bt_key pk = bt_bytes_key("\xff\xff\x00", 3);
    int exact;
    OK(bt_seek(c, &pk, &exact));
    cr_assert(!bt_cursor_valid(c), "seek past the largest key is positioned");
    bt_cursor_close(c);
    cur_close(&f, "index prefixes");
}

Test(btree, cursor_delete_every_other_during_forward_scan)
{
    struct cur_fx f;
    cur_open(&f, 512, BT_TABLE);
    const int64_t N = 5000;
    insert_rows(&f, 1, N, 1);
    bt_cursor *c;
    OK(bt_cursor_open(f.t, &c));
    OK(bt_first(c));
    for (int64_t r = 1; r <= N; r++) {
        expect_row(c, r, "scan with deletes");
        if (r % 2 == 1) {
            OK(bt_cursor_delete(c)); /* now on r + 1 */
        } else {
            OK(bt_next(c));
        }
    }
    cr_assert(!bt_cursor_valid(c));
    uint64_t n;
    OK(bt_count(f.t, &n));
    cr_assert_eq(n, (uint64_t)N / 2);
    OK(bt_first(c));
    for (int64_t r = 2; r <= N; r += 2) {
        expect_row(c, r, "after deleting the odd rows");
        OK(bt_next(c));
    }
    cr_assert(!bt_cursor_valid(c));
    bt_cursor_close(c);
    cur_close(&f, "delete every other");
}

Test(btree, cursor_delete_everything_from_first_and_backward)
{
    struct cur_fx f;
    cur_open(&f, 512, BT_TABLE);
    insert_rows(&f, 1, 4000, 1);
    uint64_t used = t_used_pages(f.p);
    bt_cursor *c;
    OK(bt_cursor_open(f.t, &c));
    OK(bt_first(c));
    for (int64_t r = 1; r <= 2000; r++) {
        expect_row(c, r, "deleting from the front");
        OK(bt_cursor_delete(c));
    }
    expect_row(c, 2001, "after 2000 deletes");
    /* Backward from the end, deleting: the cursor lands on the following entry, which at the
     * end is nothing; step back with bt_last. */
    for (int64_t r = 4000; r > 2001; r--) {
        OK(bt_last(c));
        expect_row(c, r, "deleting from the back");
        OK(bt_cursor_delete(c));
        cr_assert(!bt_cursor_valid(c), "after deleting the last row the cursor is positioned");
    }
    OK(bt_first(c));
    expect_row(c, 2001, "the one survivor");
    OK(bt_cursor_delete(c));
    cr_assert(!bt_cursor_valid(c));
    OK(bt_first(c));
    cr_assert(!bt_cursor_valid(c), "empty tree has a first row");
    cr_assert(used > 10, "the tree was too small to test merging (%llu pages)",
              (unsigned long long)used);
    cr_assert_eq(t_used_pages(f.p), 1, "empty tree still uses %llu pages",
                 (unsigned long long)t_used_pages(f.p));
    bt_cursor_close(c);
    cur_close(&f, "delete everything");
}

Test(btree, cursor_update_during_scans_keeps_position)
{
    struct cur_fx f;
    cur_open(&f, 512, BT_TABLE);
    const int64_t N = 3000;
    insert_rows(&f, 1, N, 1);
    bt_cursor *c;
    OK(bt_cursor_open(f.t, &c));
    uint8_t *big = malloc(2000);
    cr_assert(big != NULL);
    /* Forward: grow every value (local -> relocated / overflow), which splits pages under
     * the cursor. Each row must be visited exactly once. */
    OK(bt_first(c));
    int64_t expect = 1;
    while (bt_cursor_valid(c)) {
        int64_t r = cur_rowid(c);
        cr_assert_eq(r, expect, "forward update scan: on row %lld, expected %lld", (long long)r,
                     (long long)expect);
        size_t len = 60 + (size_t)(r % 7) * 150; /* up to 960 bytes: overflow at 512 */
        t_value(big, len, (uint64_t)r);
        OK(bt_cursor_update(c, big, len));
        cr_assert_eq(cur_rowid(c), r, "update moved the cursor");
        const void *v;
        size_t vl;
        OK(bt_cursor_value(c, &v, &vl));
        cr_assert(vl == len && t_value_diff(v, vl, (uint64_t)r) == (size_t)-1,
                  "row %lld: value after cursor update", (long long)r);
        OK(bt_next(c));
        expect++;
    }
    cr_assert_eq(expect, N + 1, "forward scan stopped at %lld", (long long)expect);
    /* Backward: shrink them again. */
    OK(bt_last(c));
    expect = N;
    while (bt_cursor_valid(c)) {
        int64_t r = cur_rowid(c);
        cr_assert_eq(r, expect, "backward update scan: on row %lld, expected %lld",
                     (long long)r, (long long)expect);
        uint8_t buf[64];
        OK(bt_cursor_update(c, buf, row_value(r, buf)));
        expect_row(c, r, "after shrinking update");
        OK(bt_prev(c));
        expect--;
    }
    cr_assert_eq(expect, 0);
    OK(bt_first(c));
    for (int64_t r = 1; r <= N; r++) {
        expect_row(c, r, "after both scans");
        OK(bt_next(c));
    }
    free(big);
    bt_cursor_close(c);
    cur_close(&f, "updates through cursor");
}

Test(btree, cursor_survives_changes_by_others_between_steps)
{
    struct cur_fx f;
    cur_open(&f, 512, BT_TABLE);
    insert_rows(&f, 0, 40000, 10);
    bt_cursor *c;
    OK(bt_cursor_open(f.t, &c));
    OK(bt_first(c));
    uint64_t seed = fx_seed(NULL, 31);
    uint64_t s = seed;
    int64_t last = INT64_MIN;
    uint8_t buf[64];
    size_t steps = 0;
    while (bt_cursor_valid(c)) {
        int64_t r = cur_rowid(c);
        cr_assert(r > last, "seed %llu: cursor went from %lld to %lld",
                  (unsigned long long)seed, (long long)last, (long long)r);
        /* Rows 0, 20, 40, ..., 40000 are never deleted: each must be seen. */
        if (last != INT64_MIN)
            for (int64_t m = (last / 10 + 1) * 10; m < r; m += 10)
                cr_assert(m % 20 == 10 || m < 0 || m > 40000, "seed %llu: stable row %lld skipped (jumped %lld -> %lld)",
                          (unsigned long long)seed, (long long)m, (long long)last, (long long)r);
        last = r;
        /* Between steps: insert around the cursor, delete rows ≡ 10 mod 20 ahead and behind. */
        for (int j = 0; j < 4; j++) {
            int64_t x = r + (int64_t)fx_below(&s, 400) - 200;
            if (x > 40000) /* else the scan never ends */
                continue;
            if (x % 10 == 0) {
                if (x % 20 == 10) {
                    bt_key k = bt_int_key(x);
                    int rc = bt_delete(f.t, &k);
                    cr_assert(rc == ST_OK || rc == ST_ENOTFOUND, "delete: %s", st_msg());
                }
            } else {
                bt_key k = bt_int_key(x);
                OK(bt_insert(f.t, &k, buf, row_value(x, buf), BT_REPLACE));
            }
        }
        OK(bt_next(c));
        steps++;
    }
    cr_assert(last >= 39990, "seed %llu: scan ended early at %lld", (unsigned long long)seed,
              (long long)last);
    bt_cursor_close(c);
    cur_close(&f, "changes by others");
}
