/*
 * lk_grant.c — the grant rule and the wait queue of one lock (always under its partition mutex).
 *
 * Grant rule (README.md, "Grant rule and fairness"), for a request r of transaction T asking
 * for mode M on lock L:
 *   G1  M must be compatible with every mode granted on L to other transactions (T's own held
 *       mode does not count: an upgrade competes only with the others).
 *   G2  M must also be compatible with the wanted mode of every request that waits ahead of r:
 *       nobody overtakes a conflicting waiter, so a queued X is never starved by a stream of S
 *       requests. For a new request, every queued request is ahead of it.
 *   U   An upgrade is queued (and judged by G2) just before the first waiter whose wanted mode
 *       conflicts with the mode T already holds — that waiter cannot be granted before T is
 *       done anyway, so going first costs it nothing and avoids a needless deadlock — or at the
 *       tail if there is none. This is the upgrade priority; because an upgrade only jumps
 *       waiters that already wait for it, it cannot starve anybody (README, fairness rule).
 * When a lock is released or a waiter leaves, lk_wakeup walks the queue in order and grants
 * every waiter that passes G1 and is compatible with all waiters still queued ahead of it.
 * The wait-for graph in lk_deadlock.c follows exactly these rules: a waiter's edges go to the
 * holders that fail G1 (hard edges) and to the waiters ahead of it that fail G2 (soft edges).
 */
#include "lockmgr/lk_int.h"

#include <assert.h>


/* The modes granted to transactions other than r's, as a bitmask. */
static unsigned others_granted_mask(const struct lk_lock *l, const struct lk_req *r)
{
    unsigned mask = 0;
    for (unsigned m = 1; m < LK_NMODES; m++) {
        uint32_t c = l->granted_cnt[m] - (r->held == m ? 1u : 0u);
        if (c)
            mask |= 1u << m;
    }
    return mask;
}

#ifndef NDEBUG
/* The state checker of one lock (under P), called at every change of its granted set or wait
 * queue. It asserts what README.md, "Grant rule and fairness" says must hold:
 *   - the granted list holds exactly the requests with held != NONE, each of this lock, and
 *     granted_cnt[m] counts those holding m;
 *   - G1 holds among holders: no two granted modes conflict (distinct requests of one lock are
 *     distinct transactions, so two X holders or an S and an X are a broken grant);
 *   - the wait queue is a well-linked list of WAITING requests of this lock, head to tail, and
 *     wait_cnt[m] counts those wanting m; an upgrade (rule U) still holds its old mode;
 *   - with `settled` (after lk_wakeup and lk_enqueue): no waiter could be granted now — each
 *     conflicts with another transaction's held mode or with a waiter ahead of it. A waiter
 *     that could go but sleeps is a lost wakeup. */
static void check_lock(const struct lk_lock *l, bool settled)
{
    uint32_t held[LK_NMODES] = {0}, want[LK_NMODES] = {0};
    const struct lk_req *prev = NULL;
    for (const struct lk_req *r = l->granted; r; prev = r, r = r->gnext) {
        assert(r->gprev == prev);
        assert(r->lock == l && r->held != LK_NONE && r->held < LK_NMODES);
        held[r->held]++;
    }
    for (unsigned a = 1; a < LK_NMODES; a++) {
        assert(held[a] == l->granted_cnt[a]);
        for (unsigned b = a; b < LK_NMODES; b++)
            assert(!(lk_conflict(a, b) && held[a] && held[b] && (a != b || held[a] > 1)));
    }
    prev = NULL;
    unsigned ahead = 0;
    for (const struct lk_req *w = l->whead; w; prev = w, w = w->wnext) {
        assert(w->wprev == prev && w->lock == l && w->status == LK_REQ_WAITING);
        assert(w->want != LK_NONE && w->want < LK_NMODES);
        assert(w->upgrade == (w->held != LK_NONE));
        want[w->want]++;
        if (settled)
            assert(lk_conflicts[w->want] & (ahead | others_granted_mask(l, w)));
        ahead |= 1u << w->want;
    }
    assert(l->wtail == prev);
    for (unsigned m = 0; m < LK_NMODES; m++)
        assert(want[m] == l->wait_cnt[m]);
}
#define CHECK_LOCK(l, settled) check_lock((l), (settled))
#else
#define CHECK_LOCK(l, settled) ((void)0)
#endif

/* Where an upgrade by r would queue (rule U): the first waiter whose wanted mode conflicts
 * with r's held mode; NULL for the tail. */
static struct lk_req *upgrade_slot(const struct lk_lock *l, const struct lk_req *r)
{
    for (struct lk_req *w = l->whead; w; w = w->wnext)
        if (w != r && lk_conflict(r->held, w->want))
            return w;
    return NULL;
}

bool lk_grantable(const struct lk_lock *l, const struct lk_req *r, unsigned mode)
{
    if (!l->whead && (!l->granted || (l->granted == r && !r->gnext)))
        return true; /* nobody else holds or waits: the common, uncontended case */
    if (lk_conflicts[mode] & others_granted_mask(l, r))           /* G1 */
        return false;
    if (r->held == LK_NONE) {                                      /* G2, all waiters */
        for (unsigned m = 1; m < LK_NMODES; m++)
            if (l->wait_cnt[m] && lk_conflict(mode, m))
                return false;
        return true;
    }
    const struct lk_req *slot = upgrade_slot(l, r);                /* G2 + U */
    for (const struct lk_req *w = l->whead; w != slot; w = w->wnext)
        if (w != r && lk_conflict(mode, w->want))
            return false;
    return true;
}

void lk_grant(struct lk_lock *l, struct lk_req *r, unsigned mode)
{
    if (r->held == LK_NONE) {
        r->gprev = NULL;
        r->gnext = l->granted;
        if (l->granted)
            l->granted->gprev = r;
        l->granted = r;
    } else {
        assert(l->granted_cnt[r->held] > 0);
        l->granted_cnt[r->held]--;
    }
    r->held = (uint8_t)mode;
    l->granted_cnt[mode]++;
    assert(r->lock == l);
}

void lk_grant_attach(struct lk_lock *l, struct lk_req *r)
{
    r->gprev = NULL;
    r->gnext = l->granted;
    if (l->granted)
        l->granted->gprev = r;
    l->granted = r;
    l->granted_cnt[r->held]++;
    CHECK_LOCK(l, false);
}

void lk_ungrant(struct lk_lock *l, struct lk_req *r)
{
    assert(r->held != LK_NONE && r->status != LK_REQ_WAITING);
    l->granted_cnt[r->held]--;
    if (r->gprev)
        r->gprev->gnext = r->gnext;
    else
        l->granted = r->gnext;
    if (r->gnext)
        r->gnext->gprev = r->gprev;
    r->gprev = r->gnext = NULL;
    r->held = LK_NONE;
    CHECK_LOCK(l, false);
}

void lk_enqueue(struct lk_lock *l, struct lk_req *r, unsigned mode)
{
    r->want = (uint8_t)mode;
    r->status = LK_REQ_WAITING;
    r->upgrade = r->held != LK_NONE;
    l->wait_cnt[mode]++;
    struct lk_req *before = r->upgrade ? upgrade_slot(l, r) : NULL; /* NULL = at the tail */
    r->wnext = before;
    r->wprev = before ? before->wprev : l->wtail;
    if (r->wprev)
        r->wprev->wnext = r;
    else
        l->whead = r;
    if (before)
        before->wprev = r;
    else
        l->wtail = r;
    CHECK_LOCK(l, false);
}

static void unlink_waiter(struct lk_lock *l, struct lk_req *r)
{
    if (r->wprev)
        r->wprev->wnext = r->wnext;
    else
        l->whead = r->wnext;
    if (r->wnext)
        r->wnext->wprev = r->wprev;
    else
        l->wtail = r->wprev;
    r->wprev = r->wnext = NULL;
    assert(l->wait_cnt[r->want] > 0);
    l->wait_cnt[r->want]--;
    r->txn->wait_req = NULL;
}

void lk_wakeup(struct lk_lock *l)
{
    unsigned ahead = 0; /* wanted modes of the waiters left in the queue so far */
    for (struct lk_req *w = l->whead, *n; w; w = n) {
        n = w->wnext;
        if (!(lk_conflicts[w->want] & (ahead | others_granted_mask(l, w)))) {
            unsigned mode = w->want;
            unlink_waiter(l, w);
            lk_grant(l, w, mode);
            w->since_ns = lk_coarse_ns();
            w->status = LK_REQ_GRANTED;
            pthread_cond_signal(&w->txn->cv);
        } else {
            ahead |= 1u << w->want;
        }
    }
    CHECK_LOCK(l, true);
}

void lk_dequeue(struct lk_lock *l, struct lk_req *r, unsigned status)
{
    assert(r->status == LK_REQ_WAITING);
    unlink_waiter(l, r);
    r->status = (uint8_t)status;
    if (status != LK_REQ_IDLE)
        pthread_cond_signal(&r->txn->cv);
    /* The leaver may have been the only thing holding back the waiters behind it. */
    if (l->whead)
        lk_wakeup(l);
    CHECK_LOCK(l, true);
}
