/*
 * threads.c — one tree shared by several threads (btree.h: "a bt_tree handle may be shared by
 * threads; a bt_cursor is used by one thread"): writers insert/update/delete in their own key
 * ranges while readers scan with cursors and look up keys that never change. Afterwards every
 * writer's range holds exactly what that writer left, and bt_check is clean.
 *
 * Worker threads never call cr_assert; they count problems for the main thread. Not part of
 * the TSan run of `make test` (which covers pager/ and lockmgr/), but it builds and runs
 * there too: make BUILD=build/tsan SANITIZE=thread CRITERION_SHIM=1 build/tsan/tests/btree
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/btree/util.h"

enum { NWRITERS = 2, NREADERS = 2, RANGE = 4000, STABLE = 500 };

struct shared {
    bt_tree *t;
    uint64_t ops;
    atomic_int writers_left;
};

struct worker {
    struct shared *sh;
    int id;
    uint64_t seed;
    uint8_t present[RANGE];
    uint32_t vlen[RANGE];
    uint64_t errors, wrong, vanished;
    char msg[256];
};

/* Writer w owns rowids w*1e6 + [0, RANGE); stable rows are 9e6 + [0, STABLE). */
static int64_t wkey(int w, uint64_t i) { return (int64_t)w * 1000000 + (int64_t)i; }

static void fail(struct worker *w, int rc, const char *what)
{
    if (w->errors++ == 0)
        snprintf(w->msg, sizeof w->msg, "%s: %s: %s", what, st_name(rc), st_msg());
}

static void *writer(void *arg)
{
    struct worker *w = arg;
    uint64_t s = w->seed;
    uint8_t buf[1500];
    for (uint64_t n = 0; n < w->sh->ops; n++) {
        uint64_t i = fx_below(&s, RANGE);
        bt_key k = bt_int_key(wkey(w->id, i));
        int rc;
        if (fx_below(&s, 3) < 2) {
            size_t len = fx_below(&s, 8) == 0 ? 600 + fx_below(&s, 800) : fx_below(&s, 60);
            t_value(buf, len, (uint64_t)k.rowid ^ len);
            rc = bt_insert(w->sh->t, &k, buf, len, BT_REPLACE);
            if (rc != ST_OK) {
                fail(w, rc, "insert");
                continue;
            }
            w->present[i] = 1;
            w->vlen[i] = (uint32_t)len;
        } else {
            rc = bt_delete(w->sh->t, &k);
            if (rc != (w->present[i] ? ST_OK : ST_ENOTFOUND))
                fail(w, rc, "delete");
            w->present[i] = 0;
        }
    }
    atomic_fetch_sub(&w->sh->writers_left, 1);
    return NULL;
}

static void *reader(void *arg)
{
    struct worker *w = arg;
    uint64_t s = w->seed;
    bt_cursor *c;
    int rc = bt_cursor_open(w->sh->t, &c);
    if (rc != ST_OK) {
        fail(w, rc, "cursor open");
        return NULL;
    }
    /* Bounded: glibc rwlocks prefer readers, so readers that never pause starve the writers
     * (see build/BUGS.txt); this test is about correctness, not fairness. */
    for (uint64_t it = 0; it < w->sh->ops / 16 && atomic_load(&w->sh->writers_left) > 0; it++) {
        /* A stable row is always there with its value. */
        int64_t key = 9000000 + (int64_t)fx_below(&s, STABLE);
        bt_key k = bt_int_key(key);
        void *v;
        size_t vl;
        rc = bt_get(w->sh->t, &k, &v, &vl);
        if (rc != ST_OK) {
            fail(w, rc, "get of a stable row");
        } else {
            if (vl != 16 || t_value_diff(v, vl, (uint64_t)key) != (size_t)-1)
                w->wrong++;
            free(v);
        }
        /* A short scan from a random point: keys strictly increase. */
        k = bt_int_key((int64_t)fx_below(&s, NWRITERS) * 1000000 + (int64_t)fx_below(&s, RANGE));
        int exact;
        rc = bt_seek(c, &k, &exact);
        int64_t last = INT64_MIN;
        for (int step = 0; rc == ST_OK && bt_cursor_valid(c) && step < 50; step++) {
            bt_key ck;
            const void *cv;
            if ((rc = bt_cursor_key(c, &ck)) != ST_OK)
                break;
            rc = bt_cursor_value(c, &cv, &vl);
            /* An overflow value is read lazily; if a writer deleted the entry since the cursor
             * moved onto it, the implementation reports ST_ENOTFOUND (not in btree.h; noted in
             * build/BUGS.txt). Tolerated: the next step re-seeks past it. */
            if (rc == ST_ENOTFOUND)
                w->vanished++;
            else if (rc != ST_OK)
                break;
            if (ck.rowid <= last)
                w->wrong++;
            last = ck.rowid;
            rc = bt_next(c);
        }
        if (rc != ST_OK)
            fail(w, rc, "scan");
    }
    bt_cursor_close(c);
    return NULL;
}

Test(btree, threads_share_one_tree)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 64 * 512, 1, &p)); /* small pool: eviction under contention */
    uint64_t root;
    OK(bt_create(p, BT_TABLE, &root));
    struct shared sh;
    memset(&sh, 0, sizeof sh);
    OK(bt_open(p, root, BT_TABLE, &sh.t));
    uint8_t buf[16];
    for (int64_t i = 0; i < STABLE; i++) {
        t_value(buf, 16, (uint64_t)(9000000 + i));
        OK(bt_insert(sh.t, &(bt_key){9000000 + i, NULL, 0}, buf, 16, BT_NOREPLACE));
    }
    sh.ops = fx_scaled(40000, 3000);
    atomic_store(&sh.writers_left, NWRITERS);
    uint64_t seed = fx_seed(NULL, 2718);
    static struct worker ws[NWRITERS + NREADERS];
    memset(ws, 0, sizeof ws);
    pthread_t th[NWRITERS + NREADERS];
    for (int i = 0; i < NWRITERS + NREADERS; i++) {
        ws[i].sh = &sh;
        ws[i].id = i;
        ws[i].seed = seed * 977 + (uint64_t)i;
        cr_assert(pthread_create(&th[i], NULL, i < NWRITERS ? writer : reader, &ws[i]) == 0);
    }
    for (int i = 0; i < NWRITERS + NREADERS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < NWRITERS + NREADERS; i++) {
        cr_assert_eq(ws[i].errors, 0, "seed %llu: thread %d: %llu errors, first: %s",
                     (unsigned long long)seed, i, (unsigned long long)ws[i].errors, ws[i].msg);
        cr_assert_eq(ws[i].wrong, 0, "seed %llu: reader %d saw %llu wrong values or orders",
                     (unsigned long long)seed, i, (unsigned long long)ws[i].wrong);
    }
    uint64_t expect = STABLE;
    for (int w = 0; w < NWRITERS; w++)
        for (uint64_t i = 0; i < RANGE; i++) {
            bt_key k = bt_int_key(wkey(w, i));
            void *v = NULL;
            size_t vl;
            int rc = bt_get(sh.t, &k, &v, &vl);
            if (ws[w].present[i]) {
                expect++;
                cr_assert(rc == ST_OK && vl == ws[w].vlen[i] &&
                              (vl == 0 || t_value_diff(v, vl, (uint64_t)k.rowid ^ vl) == (size_t)-1),
                          "seed %llu: writer %d row %llu: %s, %zu bytes", (unsigned long long)seed,
                          w, (unsigned long long)i, st_name(rc), vl);
            } else {
                cr_assert_eq(rc, ST_ENOTFOUND, "seed %llu: writer %d deleted row %llu: %s",
                             (unsigned long long)seed, w, (unsigned long long)i, st_name(rc));
            }
            free(v);
        }
    uint64_t n;
    OK(bt_count(sh.t, &n));
    cr_assert_eq(n, expect);
    bt_kind kind = BT_TABLE;
    t_check_clean(p, &root, &kind, 1, "after threads");
    bt_close(sh.t);
    OK(pgr_close(p));
}
