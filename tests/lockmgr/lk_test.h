/*
 * lk_test.h — helpers for the lock manager suites: "actors" (one thread, one lk_txn, driven by
 * the test one request at a time, so scenario tests can say "T2 asks for row 1 and blocks")
 * and a wait until the lock table shows a given transaction waiting.
 *
 * The expected compatibility matrix is written out here a second time, independently of
 * lockmgr/lk_mode.c, so the tests do not check the code against itself.
 */
#ifndef ACIDB_TESTS_LK_TEST_H
#define ACIDB_TESTS_LK_TEST_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "lockmgr/lock.h"

/* EXPECT_COMPAT[a][b] for a, b in NONE, IS, IX, S, SIX, X. */
static const bool EXPECT_COMPAT[6][6] = {
    /*          -  IS IX S  SIX X */
    /* -   */ {1, 1, 1, 1, 1, 1},
    /* IS  */ {1, 1, 1, 1, 1, 0},
    /* IX  */ {1, 1, 1, 0, 0, 0},
    /* S   */ {1, 1, 0, 1, 0, 0},
    /* SIX */ {1, 1, 0, 0, 0, 0},
    /* X   */ {1, 0, 0, 0, 0, 0},
};

static inline uint64_t tnow_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline void tsleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

enum { ACT_IDLE, ACT_ACQUIRE, ACT_RELEASE, ACT_QUIT };

typedef struct actor {
    pthread_t th;
    lk_txn *t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int op;          /* pending operation, ACT_IDLE when none */
    bool done;       /* the last submitted operation finished */
    lk_res_t res;
    lk_mode_t mode;
    lk_policy_t pol;
    int rc;
    uint64_t took_ms;
} actor;

static inline void *actor_main(void *arg)
{
    actor *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (a->op == ACT_IDLE)
            pthread_cond_wait(&a->cv, &a->mu);
        int op = a->op;
        if (op == ACT_QUIT)
            break;
        lk_res_t res = a->res;
        lk_mode_t mode = a->mode;
        lk_policy_t pol = a->pol;
        pthread_mutex_unlock(&a->mu);
        uint64_t t0 = tnow_ms();
        int rc = LK_OK;
        if (op == ACT_ACQUIRE)
            rc = lk_acquire(a->t, &res, mode, pol);
        else
            lk_release_all(a->t);
        pthread_mutex_lock(&a->mu);
        a->rc = rc;
        a->took_ms = tnow_ms() - t0;
        a->op = ACT_IDLE;
        a->done = true;
        pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

static inline void actor_start(actor *a, lk_mgr *m, uint64_t id)
{
    cr_assert_eq(lk_txn_create(m, &a->t), LK_OK);
    cr_assert_eq(lk_txn_begin(a->t, id), LK_OK);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    a->op = ACT_IDLE;
    a->done = true;
    cr_assert_eq(pthread_create(&a->th, NULL, actor_main, a), 0);
}

/* Hands the actor an acquire and returns at once (it may block). */
static inline void actor_submit(actor *a, lk_res_t res, lk_mode_t mode, lk_policy_t pol)
{
    pthread_mutex_lock(&a->mu);
    cr_assert(a->done, "actor busy");
    a->res = res, a->mode = mode, a->pol = pol;
    a->done = false;
    a->op = ACT_ACQUIRE;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* Waits up to ms for the actor's last operation; returns its status, or -1 if still running. */
static inline int actor_result(actor *a, unsigned ms)
{
    uint64_t end = tnow_ms() + ms;
    pthread_mutex_lock(&a->mu);
    while (!a->done && tnow_ms() < end) {
        pthread_mutex_unlock(&a->mu);
        tsleep_ms(1);
        pthread_mutex_lock(&a->mu);
    }
    int rc = a->done ? a->rc : -1;
    pthread_mutex_unlock(&a->mu);
    return rc;
}

static inline bool actor_done(actor *a)
{
    pthread_mutex_lock(&a->mu);
    bool d = a->done;
    pthread_mutex_unlock(&a->mu);
    return d;
}

/* Synchronous acquire through the actor's thread. */
static inline int actor_acquire(actor *a, lk_res_t res, lk_mode_t mode, lk_policy_t pol)
{
    actor_submit(a, res, mode, pol);
    int rc = actor_result(a, 20000);
    cr_assert_neq(rc, -1, "acquire did not return");
    return rc;
}

/* Releases everything (commit/abort) and starts the next transaction with new_id (0: none). */
static inline void actor_release(actor *a, uint64_t new_id)
{
    pthread_mutex_lock(&a->mu);
    cr_assert(a->done, "actor busy");
    a->done = false;
    a->op = ACT_RELEASE;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    cr_assert_neq(actor_result(a, 20000), -1);
    if (new_id)
        cr_assert_eq(lk_txn_begin(a->t, new_id), LK_OK);
}

static inline void actor_stop(actor *a)
{
    cr_assert_neq(actor_result(a, 30000), -1, "actor never finished");
    pthread_mutex_lock(&a->mu);
    a->op = ACT_QUIT;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->th, NULL);
    lk_txn_destroy(a->t);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
}

/* A new transaction of m, begun with id (for single-threaded tests: no actor). */
static inline lk_txn *txn_begun(lk_mgr *m, uint64_t id)
{
    lk_txn *t;
    cr_assert_eq(lk_txn_create(m, &t), LK_OK);
    cr_assert_eq(lk_txn_begin(t, id), LK_OK);
    return t;
}

/* Starts the actors given (a NULL-terminated list of actor *) on m, the k-th with transaction
 * id k (1, 2, ...). */
static inline void actors_start(lk_mgr *m, ...)
{
    va_list ap;
    va_start(ap, m);
    uint64_t id = 1;
    for (actor *a = va_arg(ap, actor *); a != NULL; a = va_arg(ap, actor *))
        actor_start(a, m, id++);
    va_end(ap);
}

/* Stops the actors given (a NULL-terminated list of actor *), then destroys m. */
static inline void actors_stop(lk_mgr *m, ...)
{
    va_list ap;
    va_start(ap, m);
    for (actor *a = va_arg(ap, actor *); a != NULL; a = va_arg(ap, actor *))
        actor_stop(a);
    va_end(ap);
    lk_mgr_destroy(m);
}

/* How many waiting entries transaction `txn` has in the lock table right now. */
static inline size_t lt_waiting(lk_mgr *m, uint64_t txn)
{
    lk_snapshot_t *s;
    cr_assert_eq(lk_snapshot(m, &s), LK_OK);
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->entries[i].txn == txn && s->entries[i].waiting;
    lk_snapshot_free(s);
    return n;
}

/* Waits (polling the snapshot: test code only) until txn is queued on some lock. */
static inline void wait_blocked(lk_mgr *m, uint64_t txn)
{
    uint64_t end = tnow_ms() + 10000;
    while (lt_waiting(m, txn) == 0) {
        cr_assert(tnow_ms() < end, "transaction %llu never blocked", (unsigned long long)txn);
        tsleep_ms(1);
    }
}

/* Asserts the actor stays blocked for `ms` (a negative check: it must not be granted). */
static inline void assert_still_blocked(actor *a, unsigned ms, const char *why)
{
    cr_assert_eq(actor_result(a, ms), -1, "%s", why);
}

static inline lk_mgr *mgr_with(unsigned timeout_ms, unsigned dd_delay_ms, unsigned esc)
{
    lk_config_t c = lk_config_default();
    c.lock_timeout_ms = timeout_ms;
    c.deadlock_delay_ms = dd_delay_ms;
    c.escalation_threshold = esc;
    lk_mgr *m;
    cr_assert_eq(lk_mgr_create(&c, &m), LK_OK);
    return m;
}

#endif
