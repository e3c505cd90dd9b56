/*
 * concurrency.c — several threads share one pager: random get/modify/release on the pages of a
 * pool much smaller than the file, readers checking invariants under shared latches, a thread
 * flushing meanwhile, and concurrent alloc/free. Runs under ThreadSanitizer in `make test`.
 *
 * Worker threads never call cr_assert (Criterion's asserts belong to the test's main thread);
 * they count what went wrong and the main thread asserts on the counts.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/pager/util.h"

enum { NTHREADS = 4, NPAGES = 48, PS = 512 };

/* Page layout for the counter test: u64 counter at 32, its complement at 40, then one u64
 * tally per thread at 48 + 8*tid. */
struct worker {
    pgr *p;
    int tid;
    uint64_t seed, ops;
    uint64_t incs[NPAGES + 1]; /* increments this thread made, per page */
    uint64_t errors, torn, last_rc;
    char msg[256];
    atomic_int *stop;
};

static void note_error(struct worker *w, int rc)
{
    if (w->errors++ == 0) {
        w->last_rc = (uint64_t)rc;
        snprintf(w->msg, sizeof w->msg, "%s: %s", st_name(rc), st_msg());
    }
}

static void *counter_worker(void *arg)
{
    struct worker *w = arg;
    uint64_t s = w->seed;
    for (uint64_t i = 0; i < w->ops; i++) {
        /* Half the operations hit four hot pages, so threads really do collide. */
        uint64_t pgno = 1 + (fx_below(&s, 2) ? fx_below(&s, 4) : fx_below(&s, NPAGES));
        int write = fx_below(&s, 10) < 7;
        pgr_page *pg;
        int rc = pgr_get(w->p, pgno, write ? PGR_EXCL : PGR_SHARED, &pg);
        if (rc != ST_OK) {
            note_error(w, rc);
            continue;
        }
        uint8_t *d = pgr_data(pg);
        uint64_t c = get_u64(d + 32);
        if (get_u64(d + 40) != ~c)
            w->torn++;
        if (i % 16 == 0)
            sched_yield(); /* widen the window a missing latch would leave open */
        if (write) {
            put_u64(d + 32, c + 1);
            put_u64(d + 40, ~(c + 1));
            put_u64(d + 48 + 8 * w->tid, get_u64(d + 48 + 8 * w->tid) + 1);
            pgr_set_page_lsn(d, c + 1);
            pgr_mark_dirty(pg);
            w->incs[pgno]++;
        }
        pgr_release(pg);
    }
    return NULL;
}

static void *flusher(void *arg)
{
    struct worker *w = arg;
    while (!atomic_load(w->stop)) {
        int rc = pgr_flush(w->p);
        if (rc != ST_OK)
            note_error(w, rc);
        w->ops++;
    }
    return NULL;
}

static void check_counters(pgr *p, struct worker *ws)
{
    for (uint64_t pgno = 1; pgno <= NPAGES; pgno++) {
        pgr_page *pg;
        OK(pgr_get(p, pgno, PGR_SHARED, &pg));
        const uint8_t *d = pgr_data(pg);
        uint64_t total = 0;
        for (int t = 0; t < NTHREADS; t++) {
            cr_assert_eq(get_u64(d + 48 + 8 * t), ws[t].incs[pgno],
                         "page %llu: thread %d's tally is %llu, it made %llu increments",
                         (unsigned long long)pgno, t, (unsigned long long)get_u64(d + 48 + 8 * t),
                         (unsigned long long)ws[t].incs[pgno]);
            total += ws[t].incs[pgno];
        }
        cr_assert_eq(get_u64(d + 32), total, "page %llu: counter %llu, increments made %llu",
                     (unsigned long long)pgno, (unsigned long long)get_u64(d + 32),
                     (unsigned long long)total);
        cr_assert_eq(get_u64(d + 40), ~total);
        pgr_release(pg);
    }
}

Test(pager, threads_modifying_random_pages_lose_nothing)
{
    pgr *p;
    /* 16 frames for 48 pages: constant eviction and reload under contention. */
    OK(fx_pgr_open(fx_path(fx_dir, "db"), PS, 16 * PS, 1, &p));
    for (int i = 0; i < NPAGES; i++) {
        pgr_page *pg;
        OK(pgr_alloc(p, PGR_T_OVERFLOW, &pg));
        put_u64(pgr_data(pg) + 40, ~(uint64_t)0);
        pgr_release(pg);
    }
    uint64_t seed = fx_seed(NULL, 99);
    static struct worker ws[NTHREADS + 1];
    memset(ws, 0, sizeof ws);
    atomic_int stop = 0;
    pthread_t th[NTHREADS + 1];
    for (int t = 0; t <= NTHREADS; t++) {
        ws[t].p = p;
        ws[t].tid = t;
        ws[t].seed = seed + (uint64_t)t * 1000003;
        ws[t].ops = t < NTHREADS ? fx_scaled(40000, 2000) : 0;
        ws[t].stop = &stop;
        cr_assert(pthread_create(&th[t], NULL, t < NTHREADS ? counter_worker : flusher,
                                 &ws[t]) == 0);
    }
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    atomic_store(&stop, 1);
    pthread_join(th[NTHREADS], NULL);
    for (int t = 0; t <= NTHREADS; t++) {
        cr_assert_eq(ws[t].errors, 0, "seed %llu: thread %d had %llu errors, first: %s",
                     (unsigned long long)seed, t, (unsigned long long)ws[t].errors, ws[t].msg);
        cr_assert_eq(ws[t].torn, 0, "seed %llu: thread %d saw %llu half-updated pages",
                     (unsigned long long)seed, t, (unsigned long long)ws[t].torn);
    }
    check_counters(p, ws);
    pgr_stats st;
    pgr_get_stats(p, &st);
    cr_assert(st.evictions > 0 && st.misses > 0, "no eviction happened: the test lost its point");
    OK(pgr_close(p));
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 16 * PS, 0, &p));
    check_counters(p, ws);
    OK(pgr_close(p));
}

/* --- concurrent alloc/free ------------------------------------------------------------------ */

enum { MAXOWN = 6 };

struct allocer {
    pgr *p;
    int tid;
    uint64_t seed, ops;
    uint64_t own[MAXOWN];
    uint64_t stamp[MAXOWN];
    int nown;
    uint64_t errors, bad_stamp;
    char msg[256];
};

static void *alloc_worker(void *arg)
{
    struct allocer *a = arg;
    uint64_t s = a->seed;
    for (uint64_t i = 0; i < a->ops; i++) {
        uint64_t r = fx_below(&s, 10);
        pgr_page *pg;
        int rc;
        if (a->nown == 0 || (a->nown < MAXOWN && r < 4)) {
            rc = pgr_alloc(a->p, PGR_T_OVERFLOW, &pg);
            if (rc != ST_OK)
                goto err;
            uint64_t stamp = ((uint64_t)a->tid << 48) | i;
            put_u64(pgr_data(pg) + 16, stamp);
            a->own[a->nown] = pgr_pgno(pg);
            a->stamp[a->nown++] = stamp;
            pgr_release(pg);
        } else {
            int k = (int)fx_below(&s, (uint64_t)a->nown);
            int del = r >= 7;
            rc = pgr_get(a->p, a->own[k], del ? PGR_EXCL : PGR_SHARED, &pg);
            if (rc != ST_OK)
                goto err;
            if (get_u64(pgr_data(pg) + 16) != a->stamp[k])
                a->bad_stamp++;
            if (del) {
                rc = pgr_free(a->p, pg);
                if (rc != ST_OK)
                    goto err;
                a->own[k] = a->own[--a->nown];
                a->stamp[k] = a->stamp[a->nown];
            } else {
                pgr_release(pg);
            }
        }
        continue;
    err:
        if (a->errors++ == 0)
            snprintf(a->msg, sizeof a->msg, "%s: %s", st_name(rc), st_msg());
    }
    return NULL;
}

Test(pager, threads_allocating_and_freeing_never_share_a_page)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), PS, 32 * PS, 1, &p));
    uint64_t seed = fx_seed(NULL, 5);
    static struct allocer as[NTHREADS];
    memset(as, 0, sizeof as);
    pthread_t th[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        as[t].p = p;
        as[t].tid = t + 1;
        as[t].seed = seed * 31 + (uint64_t)t;
        as[t].ops = fx_scaled(20000, 1000);
        cr_assert(pthread_create(&th[t], NULL, alloc_worker, &as[t]) == 0);
    }
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    uint64_t live = 0;
    for (int t = 0; t < NTHREADS; t++) {
        cr_assert_eq(as[t].errors, 0, "seed %llu: thread %d: %llu errors, first: %s",
                     (unsigned long long)seed, t, (unsigned long long)as[t].errors, as[t].msg);
        cr_assert_eq(as[t].bad_stamp, 0,
                     "seed %llu: thread %d found another thread's data on its page %llu times "
                     "(a page was handed out twice)",
                     (unsigned long long)seed, t, (unsigned long long)as[t].bad_stamp);
        live += (uint64_t)as[t].nown;
        for (int k = 0; k < as[t].nown; k++)
            for (int u = 0; u < NTHREADS; u++)
                for (int j = 0; j < as[u].nown; j++)
                    cr_assert(!(as[t].own[k] == as[u].own[j] && (u != t || j != k)),
                              "page %llu owned twice", (unsigned long long)as[t].own[k]);
    }
    cr_assert_eq(pgr_free_count(p) + live + 1, pgr_page_count(p),
                 "seed %llu: %llu free + %llu live + header != %llu pages",
                 (unsigned long long)seed, (unsigned long long)pgr_free_count(p),
                 (unsigned long long)live, (unsigned long long)pgr_page_count(p));
    cr_assert(pgr_page_count(p) <= 1 + NTHREADS * MAXOWN,
              "the file grew to %llu pages with at most %d live at once",
              (unsigned long long)pgr_page_count(p), NTHREADS * MAXOWN);
    OK(pgr_close(p));
}
