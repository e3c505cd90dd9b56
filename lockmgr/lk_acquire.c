/*
 * lk_acquire.c — lk_acquire: intention locks, the fast re-request path, the grant-or-wait
 * decision and the sleep on the transaction's condition variable.
 *
 * Uncontended path: one XXH3 of the resource, a look in the transaction's private hash, one
 * partition mutex, a bucket walk, a grant from a cached lock object and a cached request. No
 * malloc, no global state. A request that has to wait sleeps on its transaction's condition
 * variable with the partition mutex of the lock; whoever changes the lock (a release, a waiter
 * leaving, the deadlock search removing a victim) grants and signals it under that mutex, so a
 * wake-up cannot be lost: the waiter tests its status under the same mutex before each sleep.
 */
#include "lockmgr/lk_int.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

/* Does a table lock in mode tm make a row/key lock in mode m redundant? */
static bool table_covers(unsigned tm, unsigned m)
{
    return tm == LK_X || (m == LK_S && (tm == LK_S || tm == LK_SIX));
}

int lk_describe_blockers(const struct lk_lock *l, const struct lk_req *r, unsigned want,
                         char *buf, size_t n)
{
    size_t o = 0;
    int shown = 0;
    buf[0] = '\0';
#define PUT(...)                                                                                \
    do {                                                                                        \
        if (o < n) {                                                                            \
            int k_ = snprintf(buf + o, n - o, __VA_ARGS__);                                     \
            o += k_ > 0 ? (size_t)k_ : 0;                                                       \
        }                                                                                       \
    } while (0)
    for (const struct lk_req *g = l->granted; g; g = g->gnext) {
        if (g == r || !lk_conflict(want, g->held))
            continue;
        if (shown == 4) {
            PUT(", ...");
            break;
        }
        PUT("%s transaction %llu (%s)", shown ? "," : "held by", (unsigned long long)g->txn->id,
            lk_mode_name((lk_mode_t)g->held));
        shown++;
    }
    int queued = 0;
    for (const struct lk_req *w = l->whead; w && w != r; w = w->wnext) {
        if (r->status != LK_REQ_WAITING && r->held != LK_NONE && lk_conflict(r->held, w->want))
            break; /* an upgrade would queue before this one (rule U of lk_grant.c) */
        if (!lk_conflict(want, w->want))
            continue;
        if (queued == 4) {
            PUT(", ...");
            break;
        }
        PUT("%s transaction %llu (%s)", queued ? "," : (shown ? "; queued behind" : "queued behind"),
            (unsigned long long)w->txn->id, lk_mode_name((lk_mode_t)w->want));
        queued++;
    }
#undef PUT
    return shown + queued;
}

/* Sleeps until r is granted, times out or is chosen as a deadlock victim. Called and returns
 * with p->mu held; r has just been queued. */
static int wait_granted(struct lk_txn *t, struct lk_part *p, struct lk_lock *l, struct lk_req *r)
{
    const uint64_t start = lk_now_ns();
    const uint64_t deadline = t->timeout_ms ? start + (uint64_t)t->timeout_ms * 1000000u
                                            : UINT64_MAX;
    uint64_t check_at = start + (uint64_t)t->mgr->cfg.deadlock_delay_ms * 1000000u;
    int rc = LK_OK;
    r->wait_since_ns = lk_coarse_ns();
    p->stats.waits++;
    for (;;) {
        if (r->status != LK_REQ_WAITING)
            break;
        uint64_t now = lk_now_ns();
        if (now >= check_at) {
            /* Lock order (README L1): dd_mu before partitions, so let go of ours first. */
            pthread_mutex_unlock(&p->mu);
            /* An incomplete search (no memory for its path) is retried in 10 ms. */
            check_at = lk_deadlock_check(t) ? UINT64_MAX : lk_now_ns() + 10000000u;
            pthread_mutex_lock(&p->mu);
            continue;
        }
        if (now >= deadline) {
            char who[256], what[160];
            lk_describe_blockers(l, r, r->want, who, sizeof who);
            lk_txn_seterr(t, "lock timeout after %u ms: transaction %llu waiting for %s on %s, %s",
                          t->timeout_ms, (unsigned long long)t->id,
                          lk_mode_name((lk_mode_t)r->want),
                          lk_res_format(t->mgr, &l->res, what, sizeof what), who);
            lk_dequeue(l, r, LK_REQ_IDLE);
            p->stats.timeouts++;
            rc = LK_TIMEOUT;
            break;
        }
        uint64_t until = deadline < check_at ? deadline : check_at;
        if (until == UINT64_MAX) {
            pthread_cond_wait(&t->cv, &p->mu);
        } else {
            struct timespec ts = {.tv_sec = (time_t)(until / 1000000000u),
                                  .tv_nsec = (long)(until % 1000000000u)};
            int e = pthread_cond_timedwait(&t->cv, &p->mu, &ts);
            assert(e == 0 || e == ETIMEDOUT);
            (void)e;
        }
    }
    if (rc == LK_OK && (r->status == LK_REQ_VICTIM || r->status == LK_REQ_CANCELED)) {
        /* message and counter written by the deadlock search / lk_txn_cancel */
        rc = r->status == LK_REQ_VICTIM ? LK_DEADLOCK : LK_CANCELED;
        assert(l->pins > 0);
        l->pins--;
    }
    assert(rc != LK_OK || r->status == LK_REQ_GRANTED);
    r->status = LK_REQ_IDLE;
    r->upgrade = false;
    p->stats.wait_ns += lk_now_ns() - start;
    if (rc == LK_OK)
        p->stats.acquisitions++;
    return rc;
}

/* Acquires one resource (no intention logic). *out is the transaction's request on success.
 * *now caches the coarse clock across the table and row halves of one lk_acquire (0: unread). */
static int acquire_one(struct lk_txn *t, const lk_res_t *res, unsigned mode, lk_policy_t pol,
                       uint64_t *now, struct lk_req **out)
{
    const uint64_t h = lk_res_hash(t->mgr, res);
    struct lk_req *r = lk_txn_find(t, res, h);
    if (r && lk_mode_sup((lk_mode_t)r->held, (lk_mode_t)mode) == r->held) {
        *out = r; /* re-request: free, no shared state touched */
        return LK_OK;
    }
    const bool fresh = r == NULL;
    const unsigned target = fresh ? mode : lk_mode_sup((lk_mode_t)r->held, (lk_mode_t)mode);
    if (fresh) {
        if (!(r = lk_req_new(t))) {
            lk_txn_seterr(t, "out of memory allocating a lock request");
            return LK_NOMEM;
        }
        r->hash = h;
        if (res->kind == LK_RES_TABLE)
            r->table = res->table;
    }
    if (!*now)
        *now = lk_coarse_ns();
    if (res->kind == LK_RES_TABLE) { /* lk_fastpath.c */
        if (!lk_mode_strong(target)) {
            enum lk_fp_result fr = lk_fp_try(t, r, fresh, target, *now);
            if (fr == LK_FP_GRANTED) {
                if (fresh)
                    lk_txn_track(t, r);
                *out = r;
                return LK_OK;
            }
            if (fr == LK_FP_NOMEM)
                goto nomem;
        } else if (!r->strong_counted) {
            if (lk_fp_strong_begin(t->mgr, res->table) != LK_OK)
                goto nomem;
            r->strong_counted = true;
        }
    }
    struct lk_part *p = lk_part_of(t->mgr, h);
    pthread_mutex_lock(&p->mu);
    struct lk_lock *l = fresh ? lk_lock_get(p, res, h) : r->lock;
    if (!l) {
        pthread_mutex_unlock(&p->mu);
    nomem:
        if (r->strong_counted && !lk_mode_strong(r->held)) {
            lk_fp_strong_end(t->mgr, r->table);
            r->strong_counted = false;
        }
        if (fresh)
            lk_req_free(t, r);
        lk_txn_seterr(t, "out of memory allocating a lock");
        return LK_NOMEM;
    }
    r->lock = l;
    int rc = LK_OK;
    if (lk_grantable(l, r, target)) {
        lk_grant(l, r, target);
        r->since_ns = *now;
        p->stats.acquisitions++;
    } else if (pol != LK_WAIT) {
        p->stats.not_granted++;
        rc = pol == LK_NOWAIT ? LK_UNAVAILABLE : LK_NOT_GRANTED;
        if (rc == LK_UNAVAILABLE) {
            char who[256], what[160];
            lk_describe_blockers(l, r, target, who, sizeof who);
            lk_txn_seterr(t, "could not obtain %s lock on %s for transaction %llu (NOWAIT): %s",
                          lk_mode_name((lk_mode_t)target),
                          lk_res_format(t->mgr, &l->res, what, sizeof what),
                          (unsigned long long)t->id, who);
        }
    } else {
        lk_enqueue(l, r, target);
        t->wait_req = r;
        rc = wait_granted(t, p, l, r);
    }
    if (rc != LK_OK && fresh)
        lk_lock_put_if_unused(p, l); /* our never-granted request was the only user */
    pthread_mutex_unlock(&p->mu);
    if (rc != LK_OK) {
        if (r->strong_counted && !lk_mode_strong(r->held)) { /* FP4: the strong request is gone */
            lk_fp_strong_end(t->mgr, r->table);
            r->strong_counted = false;
        }
        if (fresh)
            lk_req_free(t, r);
        return rc;
    }
    if (fresh)
        lk_txn_track(t, r);
    *out = r;
    return LK_OK;
}

static int check_args(struct lk_txn *t, const lk_res_t *res, lk_mode_t mode, lk_policy_t pol)
{
    if (t->id == 0) {
        lk_txn_seterr(t, "lock requested outside a transaction (call lk_txn_begin first)");
        return LK_EINVAL;
    }
    if (!res || mode <= LK_NONE || mode > LK_X || (unsigned)pol > LK_SKIP_LOCKED) {
        lk_txn_seterr(t, "bad lock request (mode %d, policy %d)", (int)mode, (int)pol);
        return LK_EINVAL;
    }
    switch (res->kind) {
    case LK_RES_TABLE: return LK_OK;
    case LK_RES_ROW:
    case LK_RES_KEY:
        if (mode != LK_S && mode != LK_X) {
            lk_txn_seterr(t, "rows and keys are locked in S or X, not %s", lk_mode_name(mode));
            return LK_EINVAL;
        }
        if (res->kind == LK_RES_KEY &&
            (res->key_len > LK_MAX_KEY || (res->key_len && !res->key))) {
            lk_txn_seterr(t, "bad key for a key lock (%zu bytes, limit %u)", res->key_len,
                          LK_MAX_KEY);
            return LK_EINVAL;
        }
        return LK_OK;
    default: lk_txn_seterr(t, "bad resource kind %d", (int)res->kind); return LK_EINVAL;
    }
}

int lk_acquire(lk_txn *t, const lk_res_t *res, lk_mode_t mode, lk_policy_t policy)
{
    int rc = check_args(t, res, mode, policy);
    if (rc)
        return rc;
    struct lk_req *r;
    uint64_t now = 0;
    if (res->kind == LK_RES_TABLE)
        return acquire_one(t, res, mode, policy, &now, &r);

    /* A row or key: the intention lock on its table first (multi-granularity protocol). Rows
     * of one table usually come in runs, so the last table request is remembered: when it
     * already holds the intention mode, no hashing and no lookup are needed. */
    const unsigned intent = mode == LK_S ? LK_IS : LK_IX;
    struct lk_req *tr = t->last_table;
    if (!tr || tr->table != res->table ||
        lk_mode_sup((lk_mode_t)tr->held, (lk_mode_t)intent) != tr->held) {
        const lk_res_t tres = lk_res_table(res->table);
        rc = acquire_one(t, &tres, intent, policy == LK_SKIP_LOCKED ? LK_WAIT : policy, &now,
                         &tr);
        if (rc)
            return rc;
        t->last_table = tr;
    }
    if (table_covers(tr->held, mode))
        return LK_OK; /* the table lock (escalated or explicit) already covers it */
    rc = acquire_one(t, res, mode, policy, &now, &r);
    if (rc)
        return rc;
    if (!r->parent) {
        r->parent = tr;
        tr->nchild++;
    }
    if (r->held == LK_X && !r->x_counted) {
        r->x_counted = true;
        tr->nchild_x++;
    }
    lk_escalate_maybe(t, tr);
    return LK_OK;
}

lk_mode_t lk_held_mode(const lk_txn *t, const lk_res_t *res)
{
    if (!res)
        return LK_NONE;
    unsigned m = LK_NONE;
    if (res->kind != LK_RES_TABLE) {
        const lk_res_t tres = lk_res_table(res->table);
        const struct lk_req *tr = lk_txn_find(t, &tres, lk_res_hash(t->mgr, &tres));
        if (tr && table_covers(tr->held, LK_X))
            return LK_X;
        if (tr && table_covers(tr->held, LK_S))
            m = LK_S;
    }
    const struct lk_req *r = lk_txn_find(t, res, lk_res_hash(t->mgr, res));
    if (r)
        m = lk_mode_sup((lk_mode_t)m, (lk_mode_t)r->held);
    return (lk_mode_t)m;
}
