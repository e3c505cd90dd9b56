/*
 * stress.c — 16 threads take random lock sets (tables, rows, keys; random modes; random
 * policies; some with short timeouts) against a shadow model kept by the test itself:
 *
 *   S1  no two incompatible locks are ever granted at once. Each thread records what it was
 *       granted after lk_acquire returns and erases its records before lk_release_all, so the
 *       shadow is always a subset of the truth: a conflict in the shadow is a real one. Row and
 *       key grants also record the intention mode on their table, computed by the test (and
 *       raised to what lk_held_mode reports, which covers escalation), so multi-granularity
 *       violations (table S vs. row X) show up as conflicts on the table.
 *   S2  every deadlock reported was real. The on_deadlock hook runs while the lock table is
 *       frozen; it checks each edge of the reported cycle against the shadow: the waiter is
 *       blocked in lk_acquire on that resource (or its table), the blocker holds a conflicting
 *       mode (hard edge) or is blocked on the same resource (soft edge), the modes conflict by
 *       the test's own matrix, and the victim is the youngest on the cycle. Each cycle costs
 *       exactly one victim: hook calls == LK_DEADLOCK returns == the deadlock counter.
 *   S3  every run terminates: transactions without a timeout wait forever, so a lost wake-up
 *       or a missed deadlock is a hang, caught by a watchdog that dumps the lock table.
 *   S5  every snapshot (taken all along by the 17th thread) is a possible state: granted
 *       entries on one resource are pairwise compatible (fast-path table locks included), and
 *       every waiting entry has at least one blocker — a waiter with none would be a lost
 *       wake-up frozen in the act.
 *   S4  only the policy in force can fail a request: NOWAIT -> LK_UNAVAILABLE, SKIP LOCKED ->
 *       LK_NOT_GRANTED, a timeout only with a timeout set, LK_DEADLOCK only when waiting, and
 *       LK_CANCELED exactly as often as a 17th thread's lk_txn_cancel calls said they
 *       cancelled a wait (that thread cancels random transactions all along).
 *
 * LK_STRESS_SEED=<n> replays a seed (thread interleavings still vary; the request streams do
 * not), LK_STRESS_TXNS=<n> sets transactions per thread.
 */
#include <sched.h>
#include <stdarg.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/common/fixture.h"
#include "tests/lockmgr/lk_test.h"


#define NTHREADS 16
#define NTABLES 2
#define NROWS 6
#define NKEYS 2
#define NRES (NTABLES + NTABLES * NROWS + NTABLES * NKEYS)

static const char *const KEYS[NKEYS] = {"alice@example.com", "a-key-longer-than-the-inline-buffer-of-32-bytes"};

static lk_res_t res_of(int i)
{
    if (i < NTABLES)
        return lk_res_table((uint32_t)i);
    i -= NTABLES;
    if (i < NTABLES * NROWS)
        return lk_res_row((uint32_t)(i / NROWS), (uint64_t)(i % NROWS) * 1000003u);
    i -= NTABLES * NROWS;
    const char *k = KEYS[i % NKEYS];
    return lk_res_key((uint32_t)(i / NKEYS), 1, k, strlen(k));
}

static int index_of(const lk_res_t *r)
{
    for (int i = 0; i < NRES; i++) {
        lk_res_t c = res_of(i);
        if (c.kind == r->kind && c.table == r->table && c.row == r->row && c.index == r->index &&
            c.key_len == r->key_len && (!c.key_len || !memcmp(c.key, r->key, c.key_len)))
            return i;
    }
    return -1;
}

static int table_of(int i) { return i < NTABLES ? i : (int)res_of(i).table; }

static lk_mode_t sup(lk_mode_t a, lk_mode_t b)
{
    /* by the test's own matrix: the weakest mode conflicting with all a and b conflict with */
    static const lk_mode_t order[] = {LK_NONE, LK_IS, LK_IX, LK_S, LK_SIX, LK_X};
    for (int i = 0; i < 6; i++) {
        bool ok = true;
        for (int m = 0; m < 6; m++)
            if ((!EXPECT_COMPAT[a][m] || !EXPECT_COMPAT[b][m]) && EXPECT_COMPAT[order[i]][m])
                ok = false;
        if (ok)
            return order[i];
    }
    return LK_X;
}

/* ---- shadow model (shadow_mu) ---- */
static pthread_mutex_t shadow_mu = PTHREAD_MUTEX_INITIALIZER;
static lk_mode_t held[NTHREADS][NRES];
static int wait_res[NTHREADS];
static lk_mode_t wait_mode[NTHREADS];
static uint64_t txn_of[NTHREADS];
static char violation[512];
static int hook_calls;

static void violate(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violate(const char *fmt, ...)
{
    if (violation[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(violation, sizeof violation, fmt, ap);
    va_end(ap);
}

static int thread_of(uint64_t id)
{
    for (int i = 0; i < NTHREADS; i++)
        if (txn_of[i] == id)
            return i;
    return -1;
}

/* What the shadow says thread th holds on resource i, counting the intention lock it may have
 * been granted inside the lk_acquire it is blocked in. */
static lk_mode_t effective(int th, int i)
{
    lk_mode_t m = held[th][i];
    int w = wait_res[th];
    if (w >= NTABLES && i < NTABLES && table_of(w) == i)
        m = sup(m, wait_mode[th] == LK_S ? LK_IS : LK_IX);
    return m;
}

/* S1, under shadow_mu: thread th now holds mode on i. */
static void record(int th, int i, lk_mode_t mode)
{
    lk_mode_t nm = sup(held[th][i], mode);
    held[th][i] = nm;
    for (int j = 0; j < NTHREADS; j++)
        if (j != th && !EXPECT_COMPAT[nm][held[j][i]])
            violate("S1: txn %llu granted %s on resource %d while txn %llu holds %s",
                    (unsigned long long)txn_of[th], lk_mode_name(nm), i,
                    (unsigned long long)txn_of[j], lk_mode_name(held[j][i]));
}

/* S2: runs inside the lock manager with the lock table frozen. */
static void on_deadlock(void *ctx, const lk_cycle_edge_t *e, size_t n, uint64_t victim)
{
    (void)ctx;
    pthread_mutex_lock(&shadow_mu);
    hook_calls++;
    uint64_t youngest = 0;
    for (size_t k = 0; k < n; k++) {
        if (e[k].waiter > youngest)
            youngest = e[k].waiter;
        if (e[k].blocker != e[(k + 1) % n].waiter)
            violate("S2: reported edges do not form a cycle");
        int w = thread_of(e[k].waiter), b = thread_of(e[k].blocker), r = index_of(e[k].res);
        if (w < 0 || b < 0 || r < 0) {
            violate("S2: unknown transaction or resource in a cycle");
            continue;
        }
        int wr = wait_res[w];
        if (wr < 0 || (wr != r && table_of(wr) != r) || (wr == r && sup(e[k].want, wait_mode[w]) != e[k].want))
            violate("S2: txn %llu reported waiting on resource %d for %s, shadow says %d/%s",
                    (unsigned long long)e[k].waiter, r, lk_mode_name(e[k].want), wr,
                    lk_mode_name(wait_mode[w]));
        if (EXPECT_COMPAT[e[k].want][e[k].blocker_mode])
            violate("S2: edge between compatible modes %s / %s", lk_mode_name(e[k].want),
                    lk_mode_name(e[k].blocker_mode));
        if (!e[k].soft) {
            if (EXPECT_COMPAT[e[k].want][effective(b, r)])
                violate("S2: hard edge %llu -> %llu on resource %d, but the blocker holds %s",
                        (unsigned long long)e[k].waiter, (unsigned long long)e[k].blocker, r,
                        lk_mode_name(effective(b, r)));
        } else {
            int br = wait_res[b];
            if (br < 0 || (br != r && table_of(br) != r))
                violate("S2: soft edge %llu -> %llu on resource %d, but the blocker waits on %d",
                        (unsigned long long)e[k].waiter, (unsigned long long)e[k].blocker, r, br);
        }
    }
    if (victim != youngest)
        violate("S2: victim %llu is not the youngest (%llu)", (unsigned long long)victim,
                (unsigned long long)youngest);
    pthread_mutex_unlock(&shadow_mu);
}

/* ---- workers ---- */
static atomic_ullong next_id = 1;
static atomic_long progress;
static atomic_long n_deadlock, n_timeout, n_unavail, n_skipped, n_commit, n_canceled;
static lk_txn *handles[NTHREADS]; /* created before and destroyed after every thread runs */

struct worker {
    lk_mgr *m;
    int th;
    uint64_t rng;
    int ntxn;
};

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void *worker_main(void *p)
{
    struct worker *w = p;
    lk_txn *t = handles[w->th];
    for (int it = 0; it < w->ntxn; it++) {
        uint64_t id = atomic_fetch_add(&next_id, 1);
        pthread_mutex_lock(&shadow_mu);
        txn_of[w->th] = id;
        pthread_mutex_unlock(&shadow_mu);
        lk_txn_begin(t, id);
        bool short_timeout = rnd(&w->rng) % 4 == 0;
        lk_txn_set_timeout(t, short_timeout ? 1 + (unsigned)(rnd(&w->rng) % 20) : 0);
        int nreq = 1 + (int)(rnd(&w->rng) % 5);
        bool ok = true;
        for (int k = 0; k < nreq && ok; k++) {
            int i;
            lk_mode_t mode;
            if (rnd(&w->rng) % 10 == 0) {
                i = (int)(rnd(&w->rng) % NTABLES);
                mode = (lk_mode_t)(1 + rnd(&w->rng) % 5);
            } else {
                i = NTABLES + (int)(rnd(&w->rng) % (NRES - NTABLES));
                mode = rnd(&w->rng) % 5 < 3 ? LK_S : LK_X;
            }
            unsigned pr = (unsigned)(rnd(&w->rng) % 10);
            lk_policy_t pol = pr < 8 ? LK_WAIT : pr == 8 ? LK_NOWAIT : LK_SKIP_LOCKED;
            lk_res_t r = res_of(i);
            pthread_mutex_lock(&shadow_mu);
            wait_res[w->th] = i;
            wait_mode[w->th] = mode;
            pthread_mutex_unlock(&shadow_mu);

            int rc = lk_acquire(t, &r, mode, pol);

            pthread_mutex_lock(&shadow_mu);
            wait_res[w->th] = -1;
            if (i >= NTABLES) { /* the table intention (escalated or not), granted or not */
                lk_res_t tr = lk_res_table(r.table);
                record(w->th, table_of(i), lk_held_mode(t, &tr));
            }
            if (rc == LK_OK) {
                record(w->th, i, mode);
                if (i >= NTABLES)
                    record(w->th, table_of(i), mode == LK_S ? LK_IS : LK_IX);
            }
            switch (rc) {
            case LK_OK: break;
            case LK_NOT_GRANTED:
                if (pol != LK_SKIP_LOCKED)
                    violate("S4: LK_NOT_GRANTED under policy %d", pol);
                atomic_fetch_add(&n_skipped, 1);
                break;
            case LK_UNAVAILABLE:
                if (pol != LK_NOWAIT)
                    violate("S4: LK_UNAVAILABLE under policy %d", pol);
                atomic_fetch_add(&n_unavail, 1);
                ok = false;
                break;
            case LK_TIMEOUT:
                if (!short_timeout || pol == LK_NOWAIT)
                    violate("S4: LK_TIMEOUT without a timeout (txn %llu): %s",
                            (unsigned long long)id, lk_txn_errmsg(t));
                atomic_fetch_add(&n_timeout, 1);
                ok = false;
                break;
            case LK_DEADLOCK:
                if (pol == LK_NOWAIT)
                    violate("S4: LK_DEADLOCK under NOWAIT");
                atomic_fetch_add(&n_deadlock, 1);
                ok = false;
                break;
            case LK_CANCELED:
                if (pol == LK_NOWAIT)
                    violate("S4: LK_CANCELED under NOWAIT");
                atomic_fetch_add(&n_canceled, 1);
                ok = false;
                break;
            default: violate("S4: unexpected status %d: %s", rc, lk_txn_errmsg(t)); ok = false;
            }
            pthread_mutex_unlock(&shadow_mu);
        }
        if (ok) {
            atomic_fetch_add(&n_commit, 1);
            if (rnd(&w->rng) % 4 == 0)
                sched_yield(); /* hold the locks a little while */
        }
        /* Erase the shadow first, then release: the shadow never claims more than is held. */
        pthread_mutex_lock(&shadow_mu);
        memset(held[w->th], 0, sizeof held[w->th]);
        pthread_mutex_unlock(&shadow_mu);
        lk_release_all(t);
        atomic_fetch_add(&progress, 1);
    }
    return NULL;
}

static atomic_bool cancel_stop;
static long cancels_done;

static bool same_res(const lk_res_t *a, const lk_res_t *b)
{
    return a->kind == b->kind && a->table == b->table && a->index == b->index &&
           a->row == b->row && a->key_len == b->key_len &&
           (!a->key_len || !memcmp(a->key, b->key, a->key_len));
}

static long snapshots_checked;

/* S5 */
static void check_snapshot(lk_mgr *m)
{
    lk_snapshot_t *s;
    if (lk_snapshot(m, &s) != LK_OK)
        return;
    for (size_t i = 0; i < s->n; i++) {
        const lk_snap_entry_t *e = &s->entries[i];
        if (e->waiting && e->nblockers == 0) {
            pthread_mutex_lock(&shadow_mu);
            violate("S5: txn %llu waits for %s with nobody in its way (lost wake-up)",
                    (unsigned long long)e->txn, lk_mode_name(e->mode));
            pthread_mutex_unlock(&shadow_mu);
        }
        if (e->waiting)
            continue;
        for (size_t j = i + 1; j < s->n; j++) {
            const lk_snap_entry_t *f = &s->entries[j];
            if (!f->waiting && f->txn != e->txn && same_res(&e->res, &f->res) &&
                !EXPECT_COMPAT[e->mode][f->mode]) {
                pthread_mutex_lock(&shadow_mu);
                violate("S5: snapshot shows txn %llu (%s) and txn %llu (%s) on one resource",
                        (unsigned long long)e->txn, lk_mode_name(e->mode),
                        (unsigned long long)f->txn, lk_mode_name(f->mode));
                pthread_mutex_unlock(&shadow_mu);
            }
        }
    }
    lk_snapshot_free(s);
    snapshots_checked++;
}

static void *canceller_main(void *p)
{
    struct { uint64_t rng; lk_mgr *m; } *a = p;
    while (!atomic_load(&cancel_stop)) {
        cancels_done += lk_txn_cancel(handles[rnd(&a->rng) % NTHREADS]);
        check_snapshot(a->m);
        tsleep_ms(1);
    }
    return NULL;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : dflt;
}

static void dump_lock_table(lk_mgr *m)
{
    lk_snapshot_t *s;
    if (lk_snapshot(m, &s) != LK_OK)
        return;
    for (size_t i = 0; i < s->n; i++) {
        char buf[128];
        fprintf(stderr, "  txn %llu %s %s on %s (%zu blockers)\n",
                (unsigned long long)s->entries[i].txn, s->entries[i].waiting ? "waits" : "holds",
                lk_mode_name(s->entries[i].mode), lk_res_format(m, &s->entries[i].res, buf, sizeof buf),
                s->entries[i].nblockers);
    }
    lk_snapshot_free(s);
}

static void run_stress(unsigned dd_delay_ms, unsigned escalation, unsigned partitions,
                       bool fast_path)
{
    uint64_t seed = env_u64("LK_STRESS_SEED", (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20));
    int ntxn = (int)env_u64("LK_STRESS_TXNS", FX_TSAN ? 1000 : 3000);
    fprintf(stderr, "stress: LK_STRESS_SEED=%llu LK_STRESS_TXNS=%d (delay %u ms, escalation %u, "
                    "%u partitions, fast path %s)\n",
            (unsigned long long)seed, ntxn, dd_delay_ms, escalation, partitions,
            fast_path ? "on" : "off");
    for (int i = 0; i < NTHREADS; i++)
        wait_res[i] = -1;
    lk_config_t c = lk_config_default();
    c.lock_timeout_ms = 0;
    c.deadlock_delay_ms = dd_delay_ms;
    c.escalation_threshold = escalation;
    c.partitions = partitions;
    c.disable_fast_path = !fast_path;
    c.on_deadlock = on_deadlock;
    lk_mgr *m;
    cr_assert_eq(lk_mgr_create(&c, &m), LK_OK);
    pthread_t th[NTHREADS], canceller;
    struct worker w[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        cr_assert_eq(lk_txn_create(m, &handles[i]), LK_OK);
    struct { uint64_t rng; lk_mgr *m; } carg = {seed | 1, m};
    cr_assert_eq(pthread_create(&canceller, NULL, canceller_main, &carg), 0);
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (struct worker){m, i, seed * 0x9E3779B97F4A7C15ull + (uint64_t)i * 7919 + 1, ntxn};
        if (!w[i].rng)
            w[i].rng = 1;
        cr_assert_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    /* S3: watchdog. Every worker transaction ends; nothing may stand still for 20 s. */
    long last = -1;
    uint64_t last_change = tnow_ms();
    while (atomic_load(&progress) < (long)NTHREADS * ntxn) {
        tsleep_ms(50);
        long p = atomic_load(&progress);
        if (p != last) {
            last = p;
            last_change = tnow_ms();
        } else if (tnow_ms() - last_change > 20000) {
            fprintf(stderr, "stress: no progress for 20 s (seed %llu); lock table:\n",
                    (unsigned long long)seed);
            dump_lock_table(m);
            cr_assert_fail("S3: hang (lost wake-up or missed deadlock), seed %llu",
                           (unsigned long long)seed);
        }
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    atomic_store(&cancel_stop, true);
    pthread_join(canceller, NULL);
    for (int i = 0; i < NTHREADS; i++)
        lk_txn_destroy(handles[i]);
    lk_stats_t st;
    lk_stats_get(m, &st);
    fprintf(stderr,
            "stress: %ld commits, %ld deadlocks, %ld timeouts, %ld cancels, %ld nowait, "
            "%ld skipped, %llu waits, %llu escalations, %ld snapshots checked\n",
            atomic_load(&n_commit), atomic_load(&n_deadlock), atomic_load(&n_timeout),
            atomic_load(&n_canceled),
            atomic_load(&n_unavail), atomic_load(&n_skipped), (unsigned long long)st.waits,
            (unsigned long long)st.escalations, snapshots_checked);
    cr_assert_str_eq(violation, "", "%s (seed %llu)", violation, (unsigned long long)seed);
    cr_assert_eq((long)st.deadlocks, atomic_load(&n_deadlock), "one victim per reported cycle");
    cr_assert_eq(hook_calls, atomic_load(&n_deadlock));
    cr_assert_eq((long)st.timeouts, atomic_load(&n_timeout));
    cr_assert_eq(cancels_done, atomic_load(&n_canceled), "every cancelled wait reported once");
    cr_assert_gt(snapshots_checked, 0);
    cr_assert_eq((long)st.not_granted, atomic_load(&n_unavail) + atomic_load(&n_skipped));
    cr_assert_gt(atomic_load(&n_commit), 0);
    cr_assert_gt(st.waits, 0, "the test must create contention");
    lk_snapshot_t *s;
    cr_assert_eq(lk_snapshot(m, &s), LK_OK);
    cr_assert_eq(s->n, 0, "everything released");
    lk_snapshot_free(s);
    lk_mgr_destroy(m);
}

Test(stress, random_lock_sets_immediate_detection_escalation_fast_path, .timeout = 120)
{
    run_stress(0, 3, 32, true);
}

Test(stress, random_lock_sets_delayed_detection_one_partition_no_fast_path, .timeout = 120)
{
    run_stress(2, 0, 1, false);
}
