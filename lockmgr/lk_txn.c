/*
 * lk_txn.c — transaction handles: the private list and hash of a transaction's requests, the
 * request cache, and lk_release_all.
 *
 * Everything here except the shared half of a release is owner-only (no mutex): a transaction
 * is driven by one thread, and other threads never follow a transaction's private list. They do
 * reach its requests through the lock objects, but only under the partition mutex, and a
 * request is unlinked from its lock (under that mutex) before the owner recycles it.
 */
#include "lockmgr/lk_int.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LK_FREE_REQS_MAX 256u
#define LK_TXN_HASH_MIN 16u

int lk_txn_create(lk_mgr *m, lk_txn **out)
{
    *out = NULL;
    struct lk_txn *t = calloc(1, sizeof *t);
    if (!t)
        return LK_NOMEM;
    t->hb = calloc(LK_TXN_HASH_MIN, sizeof *t->hb);
    if (!t->hb) {
        free(t);
        return LK_NOMEM;
    }
    t->hsize = LK_TXN_HASH_MIN;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* timeouts immune to wall-clock jumps */
    int rc = pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (rc) {
        free(t->hb);
        free(t);
        return LK_NOMEM;
    }
    t->mgr = m;
    t->timeout_ms = m->cfg.lock_timeout_ms;
    pthread_mutex_init(&t->fp_mu, NULL);
    lk_fp_register(t);
    *out = t;
    return LK_OK;
}

void lk_txn_destroy(lk_txn *t)
{
    if (!t)
        return;
    lk_release_all(t);
    lk_fp_unregister(t);
    pthread_mutex_destroy(&t->fp_mu);
    for (struct lk_req *r = t->free_reqs, *n; r; r = n) {
        n = r->tnext;
        free(r);
    }
    pthread_cond_destroy(&t->cv);
    free(t->hb);
    free(t);
}

int lk_txn_begin(lk_txn *t, uint64_t txn_id)
{
    if (txn_id == 0) {
        lk_txn_seterr(t, "transaction id 0 is reserved");
        return LK_EINVAL;
    }
    if (t->nreqs) {
        lk_txn_seterr(t, "transaction %llu still holds %zu locks", (unsigned long long)t->id,
                      t->nreqs);
        return LK_EINVAL;
    }
    t->id = txn_id;
    t->errmsg[0] = '\0';
    return LK_OK;
}

uint64_t lk_txn_id(const lk_txn *t) { return t->id; }
void lk_txn_set_timeout(lk_txn *t, unsigned ms) { t->timeout_ms = ms; }
unsigned lk_txn_timeout(const lk_txn *t) { return t->timeout_ms; }
const char *lk_txn_errmsg(const lk_txn *t) { return t->errmsg; }

bool lk_txn_cancel(lk_txn *t)
{
    struct lk_mgr *m = t->mgr;
    /* wait_req is protected by the partition of the lock it points into, which we cannot know
     * without reading it: freeze the table (L2) instead. Cancels are rare. */
    lk_freeze(m);
    struct lk_req *r = t->wait_req;
    if (r) {
        char what[160];
        lk_txn_seterr(t, "canceling statement due to user request: transaction %llu was waiting for %s on %s",
                      (unsigned long long)t->id, lk_mode_name((lk_mode_t)r->want),
                      lk_res_format(m, &r->lock->res, what, sizeof what));
        r->lock->pins++; /* the waiter still has to wake up and look at its lock */
        lk_dequeue(r->lock, r, LK_REQ_CANCELED);
    }
    lk_thaw(m);
    return r != NULL;
}
size_t lk_txn_lock_count(const lk_txn *t) { return t->nreqs; }

void lk_txn_seterr(struct lk_txn *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->errmsg, sizeof t->errmsg, fmt, ap);
    va_end(ap);
}

struct lk_req *lk_txn_find(const struct lk_txn *t, const lk_res_t *r, uint64_t h)
{
    for (struct lk_req *q = t->hb[h & (t->hsize - 1)]; q; q = q->hnext)
        if (q->hash == h && (q->born_fast ? r->kind == LK_RES_TABLE && r->table == q->table
                                          : lk_res_equal(&q->lock->res, r)))
            return q;
    return NULL;
}

struct lk_req *lk_req_new(struct lk_txn *t)
{
    struct lk_req *r = t->free_reqs;
    if (r) {
        t->free_reqs = r->tnext;
        t->nfree--;
    } else if (!(r = malloc(sizeof *r))) {
        return NULL;
    }
    memset(r, 0, sizeof *r);
    r->txn = t;
    return r;
}

void lk_req_free(struct lk_txn *t, struct lk_req *r)
{
    if (t->nfree < LK_FREE_REQS_MAX) {
        r->tnext = t->free_reqs;
        t->free_reqs = r;
        t->nfree++;
    } else {
        free(r);
    }
}

static void txn_hash_grow(struct lk_txn *t)
{
    size_t ns = t->hsize * 2;
    struct lk_req **nb = calloc(ns, sizeof *nb);
    if (!nb)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < t->hsize; i++)
        for (struct lk_req *q = t->hb[i], *n; q; q = n) {
            n = q->hnext;
            q->hnext = nb[q->hash & (ns - 1)];
            nb[q->hash & (ns - 1)] = q;
        }
    free(t->hb);
    t->hb = nb;
    t->hsize = ns;
}

#ifndef NDEBUG
/* The state checker of a transaction's own bookkeeping (owner only; lockmgr/README.md,
 * "Grant rule and fairness": a transaction holds at most one mode per resource), run when it
 * releases everything: its list has nreqs requests, each its own, holding a mode and not
 * waiting (its owner is here, not asleep), found under its resource in the private hash, and a
 * table request counts no more X children than children. O(requests + their hash chains). */
static void check_ltxn(const struct lk_txn *t)
{
    size_t n = 0;
    for (const struct lk_req *r = t->reqs; r; r = r->tnext, n++) {
        assert(r->txn == t && (r->tprev == NULL ? t->reqs == r : r->tprev->tnext == r));
        assert(r->held != LK_NONE && r->held < LK_NMODES && r->status != LK_REQ_WAITING);
        assert(r->nchild_x <= r->nchild);
        const struct lk_req *q = t->hb[r->hash & (t->hsize - 1)];
        while (q != NULL && q != r)
            q = q->hnext;
        assert(q == r);
    }
    assert(n == t->nreqs && (t->hsize & (t->hsize - 1)) == 0);
}
#define CHECK_LTXN(t) check_ltxn(t)
#else
#define CHECK_LTXN(t) ((void)0)
#endif

void lk_txn_track(struct lk_txn *t, struct lk_req *r)
{
    assert(r->txn == t && r->held != LK_NONE); /* only granted requests are tracked */
    r->tprev = NULL;
    r->tnext = t->reqs;
    if (t->reqs)
        t->reqs->tprev = r;
    t->reqs = r;
    struct lk_req **b = &t->hb[r->hash & (t->hsize - 1)];
    r->hnext = *b;
    *b = r;
    if (++t->nreqs > t->hsize)
        txn_hash_grow(t);
}

static void txn_untrack(struct lk_txn *t, struct lk_req *r)
{
    assert(r->txn == t && t->nreqs > 0);
    if (r->tprev)
        r->tprev->tnext = r->tnext;
    else
        t->reqs = r->tnext;
    if (r->tnext)
        r->tnext->tprev = r->tprev;
    struct lk_req **pp = &t->hb[r->hash & (t->hsize - 1)];
    while (*pp != r)
        pp = &(*pp)->hnext;
    *pp = r->hnext;
    t->nreqs--;
}

void lk_req_release(struct lk_txn *t, struct lk_req *r)
{
    if (!lk_fp_release(t, r)) {
        struct lk_lock *l = r->lock; /* read after lk_fp_release synchronised with a transfer */
        struct lk_part *p = lk_part_of(t->mgr, r->hash);
        pthread_mutex_lock(&p->mu);
        lk_ungrant(l, r);
        if (l->whead)
            lk_wakeup(l);
        lk_lock_put_if_unused(p, l);
        pthread_mutex_unlock(&p->mu);
    }
    if (r->strong_counted) /* only now that the strong lock is gone (lk_fastpath.c FP4) */
        lk_fp_strong_end(t->mgr, r->table);
    if (r->parent) {
        assert(r->parent->nchild > 0 && (!r->x_counted || r->parent->nchild_x > 0));
        r->parent->nchild--;
        if (r->x_counted)
            r->parent->nchild_x--;
    }
    txn_untrack(t, r);
    if (t->last_table == r)
        t->last_table = NULL;
    lk_req_free(t, r);
}

void lk_release_all(lk_txn *t)
{
    /* Requests are kept newest first, so rows go before the tables they sit in. The order is
     * not needed for correctness (everything goes at once as far as 2PL is concerned); it just
     * avoids waking a table waiter that would then still find our row locks. */
    CHECK_LTXN(t);
    while (t->reqs) {
        struct lk_req *r = t->reqs;
        /* Parents are released after their children; don't bother keeping counts right. */
        r->parent = NULL;
        lk_req_release(t, r);
    }
    assert(t->nreqs == 0);
    if (t->hsize > 4096) { /* a huge transaction should not pin a huge hash forever */
        struct lk_req **nb = calloc(LK_TXN_HASH_MIN, sizeof *nb);
        if (nb) {
            free(t->hb);
            t->hb = nb;
            t->hsize = LK_TXN_HASH_MIN;
        }
    }
    t->id = 0;
}
