/*
 * lk_deadlock.c — deadlock detection on the wait-for graph.
 *
 * Graph (README.md, "Deadlock detection"): one node per transaction; a waiting transaction T
 * whose request r waits on lock L for mode M has an edge to
 *   - every other transaction holding L in a mode that conflicts with M   (hard edge, rule G1);
 *   - every transaction whose request waits ahead of r in L's queue for a mode conflicting
 *     with M                                                               (soft edge, G2).
 * These are exactly the reasons the grant rule (lk_grant.c) keeps r waiting, so a cycle is a
 * deadlock: nobody on it can be granted until somebody else on it moves, and nobody moves.
 *
 * When: a transaction searches once per wait, when it blocks (deadlock_delay_ms = 0) or after
 * that delay. Completeness: a cycle exists only once all its members wait; the one that started
 * waiting last closes it and finds it in its own search (every other edge change either comes
 * from a transaction starting to wait — which then searches — or points at a transaction that
 * has just been granted and is running, which must itself wait before any cycle can pass
 * through it). Searches run with dd_mu and every partition mutex held, so each sees one
 * consistent graph, and of two transactions closing a cycle "at once", the later search sees
 * both edges.
 *
 * Search: depth-first from the waiter looking for a path back to it; nodes already explored in
 * this search are not re-entered (if they could not reach the start before, they still cannot).
 * Victim rule: the youngest transaction on the cycle (largest id) — it has done the least work,
 * like SQL Server's and InnoDB's default. Its wait is cancelled (LK_DEADLOCK, 40P01) and the
 * search repeats until no cycle goes through the searcher or the searcher is the victim, so each
 * cycle costs exactly one victim.
 */
#include "lockmgr/lk_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void lk_freeze(struct lk_mgr *m)
{
    pthread_mutex_lock(&m->dd_mu);
    for (unsigned i = 0; i < m->nparts; i++)
        pthread_mutex_lock(&m->parts[i].mu);
}

void lk_thaw(struct lk_mgr *m)
{
    for (unsigned i = m->nparts; i-- > 0;)
        pthread_mutex_unlock(&m->parts[i].mu);
    pthread_mutex_unlock(&m->dd_mu);
}

/* One node on the current DFS path, where it is in its edge lists, and the edge it follows. */
struct dd_frame {
    struct lk_txn *t;
    struct lk_req *g, *w;  /* next granted request / next waiter to look at */
    struct lk_txn *to;
    unsigned to_mode;
    bool soft;
};

/* The DFS path lives in a manager-owned array (under dd_mu), not on the C stack: a wait chain
 * is as long as the number of waiting transactions, which the application decides. */
static bool path_reserve(struct lk_mgr *m, size_t n)
{
    if (n <= m->dd_cap)
        return true;
    size_t cap = m->dd_cap ? m->dd_cap * 2 : 64;
    while (cap < n)
        cap *= 2;
    struct dd_frame *p = realloc(m->dd_path, cap * sizeof *p);
    lk_cycle_edge_t *e = p ? realloc(m->dd_edges, cap * sizeof *e) : NULL;
    if (p)
        m->dd_path = p;
    if (e)
        m->dd_edges = e;
    if (!p || !e)
        return false;
    m->dd_cap = cap;
    return true;
}

/* path[0..n-1] is a cycle (path[n-1] leads back to path[0]): choose the victim, write its
 * message, run the on_deadlock hook. Returns the victim. */
static struct lk_txn *cycle_found(struct lk_mgr *m, const struct dd_frame *path, size_t n)
{
    struct lk_txn *victim = path[0].t;
    size_t vi = 0;
    lk_cycle_edge_t *edges = m->dd_edges;
    /* No transaction waits for itself (G1 ignores its own held mode; it waits for one request
     * at a time): a cycle has two members at least, each of them waiting. */
    assert(n >= 2 && n <= m->dd_cap);
    for (size_t i = 0; i < n; i++) {
        if (path[i].t->id > victim->id)
            victim = path[i].t, vi = i;
        const struct lk_req *wr = path[i].t->wait_req;
        edges[i] = (lk_cycle_edge_t){
            .waiter = path[i].t->id,
            .res = &wr->lock->res,
            .want = (lk_mode_t)wr->want,
            .blocker = path[i].to->id,
            .blocker_mode = (lk_mode_t)path[i].to_mode,
            .soft = path[i].soft,
        };
    }

    /* The victim's message tells the story starting from the victim; a long cycle is cut short
     * with "..." so that the verdict at the end always fits. */
    char tail[96];
    int tl = snprintf(tail, sizeof tail, " transaction %llu (youngest of %zu) chosen as victim",
                      (unsigned long long)victim->id, n);
    char *msg = victim->errmsg;
    const size_t cap = sizeof victim->errmsg - (size_t)tl - 5; /* room for " ..." and tail */
    size_t o = (size_t)snprintf(msg, cap, "deadlock detected:");
    for (size_t j = 0; j < n; j++) {
        const lk_cycle_edge_t *e = &edges[(vi + j) % n];
        char what[160], one[320];
        size_t len = (size_t)snprintf(one, sizeof one,
                                      " transaction %llu waits for %s on %s, %s transaction %llu (%s);",
                                      (unsigned long long)e->waiter, lk_mode_name(e->want),
                                      lk_res_format(m, e->res, what, sizeof what),
                                      e->soft ? "queued behind" : "held by",
                                      (unsigned long long)e->blocker, lk_mode_name(e->blocker_mode));
        if (o + len >= cap) {
            memcpy(msg + o, " ...", 4);
            o += 4;
            break;
        }
        memcpy(msg + o, one, len);
        o += len;
    }
    memcpy(msg + o, tail, (size_t)tl + 1);
    if (m->cfg.on_deadlock)
        m->cfg.on_deadlock(m->cfg.ctx, edges, n, victim->id);
    return victim;
}

static void frame_init(struct dd_frame *f, struct lk_txn *t)
{
    /* A node with out-edges waits: its one request is in its lock's queue (the graph of
     * README.md, "Deadlock detection", as the grant rule sees it). */
    assert(t->wait_req->txn == t && t->wait_req->status == LK_REQ_WAITING);
    f->t = t;
    f->g = t->wait_req->lock->granted;
    f->w = t->wait_req->lock->whead;
}

/* The next wait-for edge out of f->t, in f->to/to_mode/soft; false when there is none left. */
static bool next_edge(struct dd_frame *f)
{
    const struct lk_req *wr = f->t->wait_req;
    while (f->g) {
        const struct lk_req *cur = f->g;
        f->g = cur->gnext;
        if (cur->txn != f->t && lk_conflict(wr->want, cur->held)) {
            assert(cur->held != LK_NONE && cur->lock == wr->lock); /* a hard edge: G1 */
            f->to = cur->txn, f->to_mode = cur->held, f->soft = false;
            return true;
        }
    }
    while (f->w && f->w != wr) {
        const struct lk_req *cur = f->w;
        f->w = cur->wnext;
        if (lk_conflict(wr->want, cur->want)) {
            /* A soft edge (G2) to a waiter ahead in the same queue, of another transaction:
             * each transaction waits for one request at a time. */
            assert(cur->status == LK_REQ_WAITING && cur->lock == wr->lock && cur->txn != f->t);
            f->to = cur->txn, f->to_mode = cur->want, f->soft = true;
            return true;
        }
    }
    return false;
}

enum dd_result { DD_NONE, DD_FOUND, DD_NOMEM };

/* Depth-first search from start for a path back to it. */
static enum dd_result dd_search(struct lk_mgr *m, struct lk_txn *start, struct lk_txn **victim)
{
    const uint64_t epoch = ++m->dd_epoch;
    if (!path_reserve(m, 1))
        return DD_NOMEM;
    struct dd_frame *path = m->dd_path;
    size_t depth = 1;
    start->dd_epoch = epoch;
    frame_init(&path[0], start);
    while (depth) {
        struct dd_frame *f = &path[depth - 1];
        if (!next_edge(f)) {
            depth--;
            continue;
        }
        struct lk_txn *u = f->to;
        if (u == start) {
            *victim = cycle_found(m, path, depth);
            return DD_FOUND;
        }
        if (u->dd_epoch == epoch || !u->wait_req)
            continue;
        u->dd_epoch = epoch;
        if (!path_reserve(m, depth + 1))
            return DD_NOMEM;
        path = m->dd_path;
        frame_init(&path[depth++], u);
    }
    return DD_NONE;
}

/* Whether t is a node of the waits-for graph (has a queued request). */
static inline bool lk_txn_waits(const struct lk_txn *t) { return t->wait_req != NULL; }

bool lk_deadlock_check(struct lk_txn *t)
{
    struct lk_mgr *m = t->mgr;
    bool complete = true;
    lk_freeze(m);
    while (t->wait_req) {
        struct lk_txn *victim = NULL;
        enum dd_result r = dd_search(m, t, &victim);
        if (r != DD_FOUND) {
            complete = r == DD_NONE;
            break;
        }
        struct lk_req *vr = victim->wait_req;
        lk_part_of(m, vr->hash)->stats.deadlocks++;
        vr->lock->pins++; /* the victim still has to wake up and look at its lock */
        lk_dequeue(vr->lock, vr, LK_REQ_VICTIM);
        /* One victim per cycle: out of every queue, no longer a node with edges. */
        assert(!lk_txn_waits(victim) && vr->status == LK_REQ_VICTIM);
        if (victim == t)
            break;
    }
    lk_thaw(m);
    return complete;
}
