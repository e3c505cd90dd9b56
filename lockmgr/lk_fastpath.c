/*
 * lk_fastpath.c — weak table locks (IS, IX) without touching the shared lock table.
 *
 * Every row or key lock first takes IS or IX on its table, so without this file every
 * transaction on a table meets every other one on that table's partition mutex and lock
 * object — one cache line bouncing between all cores. Weak modes never conflict with each
 * other, only with strong ones (S, SIX, X), which are rare (LOCK TABLE, escalation, DDL). So,
 * like PostgreSQL's fast-path locking:
 *
 *   FP1  A weak table lock is granted by recording it in the transaction's own fast list,
 *        under the transaction's own fp_mu (uncontended), provided no strong lock on a table
 *        of the same hash bucket is held or being requested (fp_strong[bucket] == 0).
 *   FP2  A strong request first increments fp_strong[bucket], then, under reg_mu, visits
 *        every transaction and moves its fast-path locks on that table into the lock table
 *        (under that transaction's fp_mu, then the partition mutex). Only then does it apply
 *        the grant rule, which therefore sees every weak lock that conflicts with it.
 *   FP3  Why no weak lock is missed: the weak locker reads the counter under its fp_mu, the
 *        strong locker increments it before taking that fp_mu. Either the weak locker's
 *        critical section comes first — then the strong locker finds the entry and moves it —
 *        or it comes second and sees the counter (the mutex orders the two).
 *   FP4  While fp_strong[bucket] > 0, weak requests for the bucket's tables take the normal
 *        path. A fast lock that must be upgraded then is moved into the lock table first by
 *        its owner. The counter goes back down when the strong lock is released, or when the
 *        strong request fails — never before: a weak locker must not go fast while a strong
 *        lock it conflicts with is held.
 *
 * Moved locks stay ordinary lock-table requests until released. A fast-path lock never waits,
 * so the deadlock search does not need to see it: anything that would wait for it is a strong
 * request, which moved it into the lock table first. Lock order: reg_mu -> fp_mu -> partition.
 */
#include "lockmgr/lk_int.h"

#include <assert.h>

static unsigned bucket_of(uint32_t table)
{
    return (unsigned)(((uint64_t)table * 0x9E3779B97F4A7C15ull) >> 54) & (LK_FP_BUCKETS - 1);
}

void lk_fp_register(struct lk_txn *t)
{
    struct lk_mgr *m = t->mgr;
    pthread_mutex_lock(&m->reg_mu);
    t->reg_prev = NULL;
    t->reg_next = m->reg;
    if (m->reg)
        m->reg->reg_prev = t;
    m->reg = t;
    pthread_mutex_unlock(&m->reg_mu);
}

void lk_fp_unregister(struct lk_txn *t)
{
    struct lk_mgr *m = t->mgr;
    pthread_mutex_lock(&m->reg_mu);
    if (t->reg_prev)
        t->reg_prev->reg_next = t->reg_next;
    else
        m->reg = t->reg_next;
    if (t->reg_next)
        t->reg_next->reg_prev = t->reg_prev;
    m->fp_retired += t->fp_acquisitions; /* no fp_mu needed: nobody else can reach t now */
    pthread_mutex_unlock(&m->reg_mu);
}

static void fast_unlink(struct lk_txn *t, struct lk_req *r)
{
    if (r->fprev)
        r->fprev->fnext = r->fnext;
    else
        t->fast = r->fnext;
    if (r->fnext)
        r->fnext->fprev = r->fprev;
    r->fprev = r->fnext = NULL;
    r->fast = false;
}

/* Moves fast-path lock r of its transaction (whose fp_mu the caller holds) into the lock
 * table, as a granted request with the same mode. */
static int transfer(struct lk_mgr *m, struct lk_req *r)
{
    const lk_res_t res = lk_res_table(r->table);
    struct lk_part *p = lk_part_of(m, r->hash);
    pthread_mutex_lock(&p->mu);
    struct lk_lock *l = lk_lock_get(p, &res, r->hash);
    if (!l) {
        pthread_mutex_unlock(&p->mu);
        return LK_NOMEM;
    }
    /* It was granted when no strong lock existed and none can have been granted since (FP2),
     * so it is compatible with every holder: just link it in, mode unchanged. */
    r->lock = l;
    lk_grant_attach(l, r);
    pthread_mutex_unlock(&p->mu);
    fast_unlink(r->txn, r);
    return LK_OK;
}

enum lk_fp_result lk_fp_try(struct lk_txn *t, struct lk_req *r, bool fresh, unsigned mode,
                            uint64_t now)
{
    struct lk_mgr *m = t->mgr;
    assert(!lk_mode_strong(mode));
    if (!m->fast_path || (!fresh && !r->born_fast))
        return LK_FP_SLOW;
    enum lk_fp_result res = LK_FP_SLOW;
    pthread_mutex_lock(&t->fp_mu);
    const bool free_way = atomic_load(&m->fp_strong[bucket_of(r->table)]) == 0; /* FP1, FP3 */
    if (fresh) {
        if (free_way) {
            r->born_fast = r->fast = true;
            r->held = (uint8_t)mode;
            r->since_ns = now;
            r->fprev = NULL;
            r->fnext = t->fast;
            if (t->fast)
                t->fast->fprev = r;
            t->fast = r;
            t->fp_acquisitions++;
            res = LK_FP_GRANTED;
        }
    } else if (r->fast) {
        if (free_way) {
            r->held = (uint8_t)mode; /* IS -> IX: weak to weak */
            r->since_ns = now;
            t->fp_acquisitions++;
            res = LK_FP_GRANTED;
        } else if (transfer(m, r) != LK_OK) { /* FP4 */
            res = LK_FP_NOMEM;
        }
    }
    pthread_mutex_unlock(&t->fp_mu);
    return res;
}

int lk_fp_strong_begin(struct lk_mgr *m, uint32_t table)
{
    if (!m->fast_path)
        return LK_OK;
    atomic_fetch_add(&m->fp_strong[bucket_of(table)], 1); /* FP2: before looking */
    int rc = LK_OK;
    pthread_mutex_lock(&m->reg_mu);
    for (struct lk_txn *u = m->reg; u && rc == LK_OK; u = u->reg_next) {
        pthread_mutex_lock(&u->fp_mu);
        for (struct lk_req *q = u->fast, *n; q && rc == LK_OK; q = n) {
            n = q->fnext;
            if (q->table == table)
                rc = transfer(m, q);
        }
        pthread_mutex_unlock(&u->fp_mu);
    }
    pthread_mutex_unlock(&m->reg_mu);
    if (rc != LK_OK)
        lk_fp_strong_end(m, table);
    return rc;
}

void lk_fp_strong_end(struct lk_mgr *m, uint32_t table)
{
    if (m->fast_path)
        atomic_fetch_sub(&m->fp_strong[bucket_of(table)], 1);
}

bool lk_fp_release(struct lk_txn *t, struct lk_req *r)
{
    if (!r->born_fast)
        return false;
    pthread_mutex_lock(&t->fp_mu);
    const bool was_fast = r->fast;
    if (was_fast)
        fast_unlink(t, r);
    pthread_mutex_unlock(&t->fp_mu);
    return was_fast;
}

void lk_fp_each(struct lk_mgr *m, void (*fn)(void *ctx, const struct lk_req *r), void *ctx)
{
    for (struct lk_txn *u = m->reg; u; u = u->reg_next) {
        pthread_mutex_lock(&u->fp_mu);
        for (const struct lk_req *q = u->fast; q; q = q->fnext)
            fn(ctx, q);
        pthread_mutex_unlock(&u->fp_mu);
    }
}
