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

/* One node on the current DFS path and the edge it is exploring. */
struct dd_frame {
    struct lk_txn *t;
    struct lk_txn *to;
    unsigned to_mode;
    bool soft;
    struct dd_frame *up;
    size_t depth;
};

struct dd_search {
    struct lk_mgr *m;
    struct lk_txn *start;
    uint64_t epoch;
    struct lk_txn *victim; /* set when a cycle was found and handled */
};

/* Called at the deepest frame of a cycle (whose edge leads back to the start): picks the
 * victim, writes its message and runs the on_deadlock hook. */
static void cycle_found(struct dd_search *s, struct dd_frame *f)
{
    size_t n = f->depth + 1;
    struct lk_txn *victim = f->t;
    for (struct dd_frame *g = f; g; g = g->up)
        if (g->t->id > victim->id)
            victim = g->t;
    s->victim = victim;

    lk_cycle_edge_t *edges = malloc(n * sizeof *edges);
    if (edges) {
        for (struct dd_frame *g = f; g; g = g->up) {
            struct lk_req *wr = g->t->wait_req;
            edges[g->depth] = (lk_cycle_edge_t){
                .waiter = g->t->id,
                .res = &wr->lock->res,
                .want = (lk_mode_t)wr->want,
                .blocker = g->to->id,
                .blocker_mode = (lk_mode_t)g->to_mode,
                .soft = g->soft,
            };
        }
    }

    /* The victim's message tells the whole story, starting from the victim. */
    char *msg = victim->errmsg;
    size_t cap = sizeof victim->errmsg, o = 0;
    int k = snprintf(msg, cap, "deadlock detected:");
    o = k > 0 ? (size_t)k : 0;
    if (edges) {
        size_t vi = 0;
        for (size_t i = 0; i < n; i++)
            if (edges[i].waiter == victim->id)
                vi = i;
        for (size_t j = 0; j < n && o < cap; j++) {
            const lk_cycle_edge_t *e = &edges[(vi + j) % n];
            char what[160];
            k = snprintf(msg + o, cap - o, " transaction %llu waits for %s on %s, %s transaction %llu (%s);",
                         (unsigned long long)e->waiter, lk_mode_name(e->want),
                         lk_res_format(s->m, e->res, what, sizeof what),
                         e->soft ? "queued behind" : "held by", (unsigned long long)e->blocker,
                         lk_mode_name(e->blocker_mode));
            o += k > 0 ? (size_t)k : 0;
        }
        if (s->m->cfg.on_deadlock)
            s->m->cfg.on_deadlock(s->m->cfg.ctx, edges, n, victim->id);
        free(edges);
    }
    if (o < cap)
        snprintf(msg + o, cap - o, " transaction %llu (youngest of %zu) chosen as victim",
                 (unsigned long long)victim->id, n);
}

/* Explores the edges out of f->t. Returns true when a cycle through the start was handled. */
static bool dd_visit(struct dd_search *s, struct dd_frame *f)
{
    struct lk_req *wr = f->t->wait_req;
    struct lk_lock *l = wr->lock;
    struct lk_req *g = l->granted, *w = l->whead;
    for (;;) {
        struct lk_txn *u;
        unsigned um;
        bool soft;
        if (g) {
            struct lk_req *cur = g;
            g = g->gnext;
            if (cur->txn == f->t || !lk_conflict(wr->want, cur->held))
                continue;
            u = cur->txn, um = cur->held, soft = false;
        } else if (w && w != wr) {
            struct lk_req *cur = w;
            w = w->wnext;
            if (!lk_conflict(wr->want, cur->want))
                continue;
            u = cur->txn, um = cur->want, soft = true;
        } else {
            return false;
        }
        f->to = u, f->to_mode = um, f->soft = soft;
        if (u == s->start) {
            cycle_found(s, f);
            return true;
        }
        if (u->dd_epoch == s->epoch || !u->wait_req)
            continue;
        u->dd_epoch = s->epoch;
        struct dd_frame next = {.t = u, .up = f, .depth = f->depth + 1};
        if (dd_visit(s, &next))
            return true;
    }
}

void lk_deadlock_check(struct lk_txn *t)
{
    struct lk_mgr *m = t->mgr;
    lk_freeze(m);
    while (t->wait_req) {
        struct dd_search s = {.m = m, .start = t, .epoch = ++m->dd_epoch};
        t->dd_epoch = s.epoch;
        struct dd_frame root = {.t = t};
        if (!dd_visit(&s, &root))
            break;
        struct lk_req *vr = s.victim->wait_req;
        lk_part_of(m, vr->hash)->stats.deadlocks++;
        vr->lock->pins++; /* the victim still has to wake up and look at its lock */
        lk_dequeue(vr->lock, vr, LK_REQ_VICTIM);
        if (s.victim == t)
            break;
    }
    lk_thaw(m);
}
