/*
 * random.c — randomised insert/update/delete/get/seek/scan and changes through cursors,
 * checked op by op against a plain in-memory reference model, for table and index trees and
 * page sizes 512, 4096 and 65536. After every batch: bt_count, a full scan (forward, or
 * backward on odd batches) compared entry by entry, and bt_check with zero problems. Every few
 * batches the pager is closed and reopened. Odd seeds run through a 64-frame pool, even seeds
 * through a large one.
 *
 * The model: a fixed, sorted universe of keys (so the model's order is array order); for each
 * key whether it is present and its value as (length, seed) — values are regenerated from the
 * seed to compare, so the model stays small while values reach several pages.
 *
 * Replay: every failure message starts with [seed S ps P kind op N];
 *   ACIDB_TEST_SEED=S build/tests/btree --filter 'btree/random_<kind>_<ps>'
 * runs exactly that sequence again. Scale: ACIDB_TEST_SCALE (tests/README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/btree/util.h"

struct ent {
    uint8_t present;
    uint32_t vlen;
    uint64_t vseed;
};

struct run {
    uint64_t seed, op, rng;
    uint32_t ps;
    bt_kind kind;
    size_t cache;
    pgr *p;
    bt_tree *t;
    uint64_t root;
    /* the model */
    size_t nkeys, count;
    int64_t *ikeys;
    uint8_t **bkeys;
    uint16_t *blens;
    struct ent *e;
    /* scratch */
    uint8_t *vbuf;
    size_t vcap;
    uint8_t *probe; /* bt_max_key(ps) + 1 bytes */
    size_t probe_len;
    int64_t probe_int;
};

#define NONE ((size_t)-1)

#define RA(r, cond, fmt, ...)                                                                 \
    cr_assert(cond, "[seed %llu ps %u %s op %llu] " fmt, (unsigned long long)(r)->seed,       \
              (r)->ps, (r)->kind == BT_TABLE ? "table" : "index",                             \
              (unsigned long long)(r)->op, ##__VA_ARGS__)

#define ROK(r, call)                                                                          \
    do {                                                                                      \
        int rok_rc_ = (call);                                                                 \
        RA(r, rok_rc_ == ST_OK, "%s: %s (%d): %s", #call, st_name(rok_rc_), rok_rc_,          \
           st_msg());                                                                         \
    } while (0)

/* --- the key universe ---------------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_bytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c != 0)
        return c;
    return al < bl ? -1 : al > bl;
}

struct bk {
    uint8_t *b;
    uint16_t len;
};

static int cmp_bk(const void *x, const void *y)
{
    const struct bk *a = x, *b = y;
    return cmp_bytes(a->b, a->len, b->b, b->len);
}

static void make_keys(struct run *r, size_t want)
{
    uint64_t s = r->seed * 7919 + 17;
    if (r->kind == BT_TABLE) {
        int64_t *k = malloc(want * sizeof *k);
        cr_assert(k != NULL);
        size_t n = 0;
        const int64_t edges[] = {INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1, 0, -1, 1};
        for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
            k[n++] = edges[i];
        while (n < want) {
            if (fx_below(&s, 2))
                k[n++] = (int64_t)fx_splitmix(&s);
            else
                k[n++] = (int64_t)fx_below(&s, 8 * want) - (int64_t)(4 * want);
        }
        qsort(k, n, sizeof *k, cmp_i64);
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (m == 0 || k[m - 1] != k[i])
                k[m++] = k[i];
        r->ikeys = k;
        r->nkeys = m;
    } else {
        static const uint8_t alpha[] = {0x00, 0x01, 'a', 'b', 'c', 0x7F, 0x80, 0xFF};
        size_t maxk = bt_max_key(r->ps);
        cr_assert(maxk >= 64 && maxk < r->ps, "bt_max_key(%u) = %zu", r->ps, maxk);
        struct bk *k = malloc(want * sizeof *k);
        cr_assert(k != NULL);
        for (size_t i = 0; i < want; i++) {
            uint64_t x = fx_below(&s, 100);
            size_t len = i == 0 ? 0
                         : i == 1 ? maxk
                         : x < 5  ? fx_below(&s, 3)
                         : x < 70 ? 1 + fx_below(&s, 12)
                         : x < 95 ? 13 + fx_below(&s, 52)
                                  : 65 + fx_below(&s, maxk - 64);
            k[i].len = (uint16_t)len;
            k[i].b = malloc(len ? len : 1);
            cr_assert(k[i].b != NULL);
            for (size_t j = 0; j < len; j++)
                k[i].b[j] = fx_below(&s, 10) < 7 ? alpha[fx_below(&s, sizeof alpha)]
                                                 : (uint8_t)fx_splitmix(&s);
        }
        qsort(k, want, sizeof *k, cmp_bk);
        r->bkeys = malloc(want * sizeof *r->bkeys);
        r->blens = malloc(want * sizeof *r->blens);
        cr_assert(r->bkeys && r->blens);
        size_t m = 0;
        for (size_t i = 0; i < want; i++) {
            if (m > 0 && cmp_bytes(r->bkeys[m - 1], r->blens[m - 1], k[i].b, k[i].len) == 0) {
                free(k[i].b);
                continue;
            }
            r->bkeys[m] = k[i].b;
            r->blens[m++] = k[i].len;
        }
        free(k);
        r->nkeys = m;
    }
    r->e = calloc(r->nkeys, sizeof *r->e);
    cr_assert(r->e != NULL);
}

static void free_keys(struct run *r)
{
    if (r->bkeys)
        for (size_t i = 0; i < r->nkeys; i++)
            free(r->bkeys[i]);
    free(r->bkeys);
    free(r->blens);
    free(r->ikeys);
    free(r->e);
}

static bt_key key_of(const struct run *r, size_t i)
{
    return r->kind == BT_TABLE ? bt_int_key(r->ikeys[i]) : bt_bytes_key(r->bkeys[i], r->blens[i]);
}

static int key_is(const struct run *r, size_t i, const bt_key *k)
{
    if (r->kind == BT_TABLE)
        return k->rowid == r->ikeys[i];
    return k->len == r->blens[i] && (k->len == 0 || memcmp(k->bytes, r->bkeys[i], k->len) == 0);
}

static void key_str(const struct run *r, const bt_key *k, char *out, size_t n)
{
    if (r->kind == BT_TABLE) {
        snprintf(out, n, "%lld", (long long)k->rowid);
        return;
    }
    size_t used = (size_t)snprintf(out, n, "len %zu:", k->len);
    for (size_t i = 0; i < k->len && used + 3 < n; i++)
        used += (size_t)snprintf(out + used, n - used, "%02x", k->bytes[i]);
}

static size_t next_present(const struct run *r, size_t i)
{
    for (; i < r->nkeys; i++)
        if (r->e[i].present)
            return i;
    return NONE;
}

static size_t prev_present(const struct run *r, size_t i)
{
    if (i == NONE)
        return NONE;
    for (;; i--) {
        if (r->e[i].present)
            return i;
        if (i == 0)
            return NONE;
    }
}

/* --- values --------------------------------------------------------------------------------- */

static size_t pick_vlen(struct run *r)
{
    size_t mc = t_max_cell(r->ps);
    uint64_t x = fx_below(&r->rng, 100);
    if (x < 8)
        return 0;
    if (x < 50)
        return 1 + fx_below(&r->rng, 32);
    if (x < 80)
        return fx_below(&r->rng, mc + 1);
    if (x < 96)
        return mc - 24 + fx_below(&r->rng, 48); /* around the local/overflow boundary */
    return mc + 1 + fx_below(&r->rng, 3 * (size_t)r->ps);
}

static void check_value(struct run *r, size_t i, const void *val, size_t vlen, const char *how)
{
    char ks[96];
    bt_key k = key_of(r, i);
    key_str(r, &k, ks, sizeof ks);
    RA(r, vlen == r->e[i].vlen, "%s: key %s has a %zu-byte value, expected %u bytes", how, ks,
       vlen, r->e[i].vlen);
    RA(r, vlen == 0 || val != NULL, "%s: key %s: NULL value of length %zu", how, ks, vlen);
    size_t d = vlen ? t_value_diff(val, vlen, r->e[i].vseed) : NONE;
    RA(r, d == NONE, "%s: key %s: value (%zu bytes) differs at byte %zu", how, ks, vlen, d);
}

/* --- single operations ---------------------------------------------------------------------- */

static void op_insert(struct run *r, size_t i, int flags)
{
    bt_key k = key_of(r, i);
    size_t vlen = pick_vlen(r);
    uint64_t vseed = fx_splitmix(&r->rng);
    t_value(r->vbuf, vlen, vseed);
    int rc = bt_insert(r->t, &k, r->vbuf, vlen, flags);
    if (flags == BT_NOREPLACE && r->e[i].present) {
        RA(r, rc == ST_EEXISTS, "insert NOREPLACE of a present key: %s: %s", st_name(rc),
           st_msg());
        return;
    }
    RA(r, rc == ST_OK, "insert (%s, %zu bytes, key %zu of %zu): %s: %s",
       flags == BT_NOREPLACE ? "noreplace" : "replace", vlen, i, r->nkeys, st_name(rc),
       st_msg());
    if (!r->e[i].present)
        r->count++;
    r->e[i] = (struct ent){1, (uint32_t)vlen, vseed};
}

static void op_delete(struct run *r, size_t i)
{
    bt_key k = key_of(r, i);
    int rc = bt_delete(r->t, &k);
    if (!r->e[i].present) {
        RA(r, rc == ST_ENOTFOUND, "delete of an absent key: %s: %s", st_name(rc), st_msg());
        return;
    }
    RA(r, rc == ST_OK, "delete: %s: %s", st_name(rc), st_msg());
    r->e[i].present = 0;
    r->count--;
}

static void op_get(struct run *r, size_t i, int presence_only)
{
    bt_key k = key_of(r, i);
    void *val = NULL;
    size_t vlen = 12345;
    int rc = bt_get(r->t, &k, presence_only ? NULL : &val, &vlen);
    if (!r->e[i].present) {
        RA(r, rc == ST_ENOTFOUND, "get of an absent key: %s: %s", st_name(rc), st_msg());
        free(val);
        return;
    }
    RA(r, rc == ST_OK, "get of a present key: %s: %s", st_name(rc), st_msg());
    if (presence_only) {
        RA(r, vlen == r->e[i].vlen, "get(presence) vlen %zu, expected %u", vlen, r->e[i].vlen);
    } else {
        check_value(r, i, val, vlen, "bt_get");
        free(val);
    }
}

/* The cursor must be on model entry `i` (or invalid when i == NONE). */
static void expect_at(struct run *r, bt_cursor *c, size_t i, const char *how)
{
    if (i == NONE) {
        if (bt_cursor_valid(c)) {
            bt_key k;
            char ks[96] = "?";
            if (bt_cursor_key(c, &k) == ST_OK)
                key_str(r, &k, ks, sizeof ks);
            RA(r, 0, "%s: cursor should be past the end but is on key %s", how, ks);
        }
        return;
    }
    RA(r, bt_cursor_valid(c), "%s: cursor invalid, expected key index %zu", how, i);
    bt_key k;
    ROK(r, bt_cursor_key(c, &k));
    if (!key_is(r, i, &k)) {
        char got[96], want[96];
        bt_key w = key_of(r, i);
        key_str(r, &k, got, sizeof got);
        key_str(r, &w, want, sizeof want);
        RA(r, 0, "%s: cursor on key %s, expected %s", how, got, want);
    }
    const void *val;
    size_t vlen;
    ROK(r, bt_cursor_value(c, &val, &vlen));
    check_value(r, i, val, vlen, how);
}

/* A random probe key; returns the index of the first universe key >= probe (nkeys if none)
 * and sets *eq when that key equals the probe. */
static size_t make_probe(struct run *r, bt_key *out, int *eq)
{
    size_t i = fx_below(&r->rng, r->nkeys);
    uint64_t v = fx_below(&r->rng, 6);
    size_t lo = 0, hi = r->nkeys;
    if (r->kind == BT_TABLE) {
        int64_t x = r->ikeys[i];
        if (v == 1 && x != INT64_MIN)
            x--;
        else if (v == 2 && x != INT64_MAX)
            x++;
        else if (v == 3)
            x = (int64_t)fx_splitmix(&r->rng);
        r->probe_int = x;
        *out = bt_int_key(x);
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (r->ikeys[mid] < x)
                lo = mid + 1;
            else
                hi = mid;
        }
        *eq = lo < r->nkeys && r->ikeys[lo] == x;
    } else {
        size_t len = r->blens[i];
        memcpy(r->probe, r->bkeys[i], len);
        if (v == 1 && len + 1 <= bt_max_key(r->ps))
            r->probe[len++] = (uint8_t)fx_splitmix(&r->rng);
        else if (v == 2 && len > 0)
            len--;
        else if (v == 3 && len > 0 && r->probe[len - 1] != 0xFF)
            r->probe[len - 1]++;
        else if (v == 4) {
            len = fx_below(&r->rng, 4);
            for (size_t j = 0; j < len; j++)
                r->probe[j] = (uint8_t)fx_splitmix(&r->rng);
        }
        r->probe_len = len;
        *out = bt_bytes_key(r->probe, len);
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_bytes(r->bkeys[mid], r->blens[mid], r->probe, len) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        *eq = lo < r->nkeys && cmp_bytes(r->bkeys[lo], r->blens[lo], r->probe, len) == 0;
    }
    return lo;
}

/* Seek, then walk a few steps one way, comparing with the model. */
static void op_seek_walk(struct run *r, bt_cursor *c)
{
    bt_key probe;
    int eq, exact = -1;
    size_t lb = make_probe(r, &probe, &eq);
    ROK(r, bt_seek(c, &probe, &exact));
    size_t at = next_present(r, lb);
    expect_at(r, c, at, "bt_seek");
    int want_exact = eq && at == lb;
    RA(r, exact == want_exact, "bt_seek: exact = %d, expected %d", exact, want_exact);
    int forward = (int)fx_below(&r->rng, 2);
    size_t steps = 1 + fx_below(&r->rng, 20);
    for (size_t s = 0; s < steps && at != NONE; s++) {
        if (forward) {
            ROK(r, bt_next(c));
            at = next_present(r, at + 1);
            expect_at(r, c, at, "bt_next after seek");
        } else {
            ROK(r, bt_prev(c));
            at = at == 0 ? NONE : prev_present(r, at - 1);
            expect_at(r, c, at, "bt_prev after seek");
        }
    }
}

static void op_ends(struct run *r, bt_cursor *c)
{
    if (fx_below(&r->rng, 2)) {
        ROK(r, bt_first(c));
        size_t at = next_present(r, 0);
        expect_at(r, c, at, "bt_first");
        for (int s = 0; s < 3 && at != NONE; s++) {
            ROK(r, bt_next(c));
            at = next_present(r, at + 1);
            expect_at(r, c, at, "bt_next after bt_first");
        }
    } else {
        ROK(r, bt_last(c));
        size_t at = prev_present(r, r->nkeys - 1);
        expect_at(r, c, at, "bt_last");
        for (int s = 0; s < 3 && at != NONE; s++) {
            ROK(r, bt_prev(c));
            at = at == 0 ? NONE : prev_present(r, at - 1);
            expect_at(r, c, at, "bt_prev after bt_last");
        }
    }
}

/* A short scan that updates and deletes through the cursor as it goes. */
static void op_cursor_changes(struct run *r, bt_cursor *c)
{
    bt_key probe;
    int eq, exact;
    size_t at = next_present(r, make_probe(r, &probe, &eq));
    ROK(r, bt_seek(c, &probe, &exact));
    expect_at(r, c, at, "bt_seek before changes");
    size_t steps = 1 + fx_below(&r->rng, 12);
    for (size_t s = 0; s < steps && at != NONE; s++) {
        uint64_t x = fx_below(&r->rng, 10);
        if (x < 4) {
            ROK(r, bt_next(c));
            at = next_present(r, at + 1);
            expect_at(r, c, at, "bt_next during changes");
        } else if (x < 7) {
            size_t vlen = pick_vlen(r);
            uint64_t vseed = fx_splitmix(&r->rng);
            t_value(r->vbuf, vlen, vseed);
            ROK(r, bt_cursor_update(c, r->vbuf, vlen));
            r->e[at].vlen = (uint32_t)vlen;
            r->e[at].vseed = vseed;
            expect_at(r, c, at, "after bt_cursor_update (must stay on the same key)");
        } else {
            ROK(r, bt_cursor_delete(c));
            r->e[at].present = 0;
            r->count--;
            at = next_present(r, at + 1);
            expect_at(r, c, at, "after bt_cursor_delete (must be on the following entry)");
        }
    }
}

/* --- batches --------------------------------------------------------------------------------- */

static void verify_all(struct run *r, int backward)
{
    uint64_t n = 0;
    ROK(r, bt_count(r->t, &n));
    RA(r, n == r->count, "bt_count = %llu, model has %zu entries", (unsigned long long)n,
       r->count);
    bt_cursor *c;
    ROK(r, bt_cursor_open(r->t, &c));
    RA(r, !bt_cursor_valid(c), "a new cursor is positioned");
    size_t seen = 0;
    if (!backward) {
        ROK(r, bt_first(c));
        for (size_t at = next_present(r, 0); at != NONE; at = next_present(r, at + 1)) {
            expect_at(r, c, at, "full forward scan");
            ROK(r, bt_next(c));
            seen++;
        }
    } else {
        ROK(r, bt_last(c));
        for (size_t at = prev_present(r, r->nkeys - 1); at != NONE;
             at = at == 0 ? NONE : prev_present(r, at - 1)) {
            expect_at(r, c, at, "full backward scan");
            ROK(r, bt_prev(c));
            seen++;
        }
    }
    expect_at(r, c, NONE, "end of full scan");
    RA(r, seen == r->count, "scan saw %zu entries", seen);
    bt_cursor_close(c);
    char ctx[96];
    snprintf(ctx, sizeof ctx, "[seed %llu ps %u %s op %llu] after batch",
             (unsigned long long)r->seed, r->ps, r->kind == BT_TABLE ? "table" : "index",
             (unsigned long long)r->op);
    bt_kind k = r->kind;
    t_check_clean(r->p, &r->root, &k, 1, ctx);
}

static void reopen(struct run *r)
{
    bt_close(r->t);
    ROK(r, pgr_close(r->p));
    ROK(r, fx_pgr_open(fx_path(fx_dir, "db"), 0, r->cache, 0, &r->p));
    ROK(r, bt_open(r->p, r->root, r->kind, &r->t));
}

static void run_seed(uint64_t seed, bt_kind kind, uint32_t ps, uint64_t ops)
{
    struct run rr;
    struct run *r = &rr;
    memset(r, 0, sizeof *r);
    r->seed = seed;
    r->rng = seed;
    r->kind = kind;
    r->ps = ps;
    r->cache = seed % 2 ? 64 * (size_t)ps : 16u << 20;
    r->vcap = t_max_cell(ps) + 3 * (size_t)ps + 64;
    r->vbuf = malloc(r->vcap);
    cr_assert(r->vbuf != NULL);
    /* 64 KiB pages hold ~16 KiB values locally: a smaller universe keeps the per-batch full
     * scan and bt_check (which reads every page from disk) affordable. */
    make_keys(r, ps >= 65536 ? 800 : kind == BT_TABLE ? 2500 : 2000);
    r->probe = malloc(bt_max_key(ps) + 2);
    cr_assert(r->probe != NULL);

    ROK(r, fx_pgr_open(fx_path(fx_dir, "db"), ps, r->cache, 1, &r->p));
    ROK(r, bt_create(r->p, kind, &r->root));
    ROK(r, bt_open(r->p, r->root, kind, &r->t));
    bt_cursor *c;
    ROK(r, bt_cursor_open(r->t, &c));

    const uint64_t batch = ps >= 65536 ? 4000 : 2000;
    uint64_t batches = 0;
    for (r->op = 0; r->op < ops; r->op++) {
        size_t i = fx_below(&r->rng, r->nkeys);
        uint64_t x = fx_below(&r->rng, 100);
        if (x < 30)
            op_insert(r, i, BT_REPLACE);
        else if (x < 38)
            op_insert(r, i, BT_NOREPLACE);
        else if (x < 58)
            op_delete(r, i);
        else if (x < 76)
            op_get(r, i, x < 60);
        else if (x < 88)
            op_seek_walk(r, c);
        else if (x < 92)
            op_ends(r, c);
        else
            op_cursor_changes(r, c);
        if ((r->op + 1) % batch == 0 || r->op + 1 == ops) {
            verify_all(r, (int)(batches % 2));
            if (++batches % 8 == 0) {
                bt_cursor_close(c);
                reopen(r);
                ROK(r, bt_cursor_open(r->t, &c));
            }
        }
    }
    bt_cursor_close(c);

    /* Empty the tree: every page but the root goes back to the free list. */
    for (size_t i = 0; i < r->nkeys; i++)
        if (r->e[i].present)
            op_delete(r, i);
    verify_all(r, 0);
    RA(r, t_used_pages(r->p) == 1, "empty tree still uses %llu pages",
       (unsigned long long)t_used_pages(r->p));
    bt_close(r->t);
    ROK(r, pgr_close(r->p));
    remove(fx_path(fx_dir, "db"));
    free_keys(r);
    free(r->vbuf);
    free(r->probe);
}

static void run_random(bt_kind kind, uint32_t ps, uint64_t base_seed, uint64_t ops_per_seed)
{
    uint64_t ops = fx_scaled(ops_per_seed, 4000);
    if (fx_seed_given(NULL)) {
        run_seed(fx_seed(NULL, 0), kind, ps, ops);
        return;
    }
    for (uint64_t k = 0; k < 3; k++)
        run_seed(base_seed + k, kind, ps, ops);
}

/* Plain build: 4 tests x 3 seeds x 150,000 + 2 tests x 3 seeds x 60,000 operations = 2.16
 * million (plus the cursor steps inside each "cursor changes" operation). */
#define RANDOM_OPS 150000
#define RANDOM_OPS_64K 60000

Test(btree, random_table_512) { run_random(BT_TABLE, 512, 5120, RANDOM_OPS); }
Test(btree, random_table_4096) { run_random(BT_TABLE, 4096, 40960, RANDOM_OPS); }
Test(btree, random_table_65536) { run_random(BT_TABLE, 65536, 655360, RANDOM_OPS_64K); }
Test(btree, random_index_512) { run_random(BT_INDEX, 512, 5121, RANDOM_OPS); }
Test(btree, random_index_4096) { run_random(BT_INDEX, 4096, 40961, RANDOM_OPS); }
Test(btree, random_index_65536) { run_random(BT_INDEX, 65536, 655361, RANDOM_OPS_64K); }

/* The page sizes in between, lighter: 5 sizes x 2 kinds x 20,000 operations, one seed each. */
Test(btree, random_other_page_sizes)
{
    const uint32_t sizes[] = {1024, 2048, 8192, 16384, 32768};
    uint64_t ops = fx_scaled(20000, 3000);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int kind = BT_TABLE; kind <= BT_INDEX; kind++)
            run_seed(fx_seed_given(NULL) ? fx_seed(NULL, 0) : sizes[i] * 10 + (uint64_t)kind, (bt_kind)kind,
                     sizes[i], ops);
}
