/*
 * lk_escalate.c — lock escalation: many row/key locks on one table traded for one table lock.
 *
 * When a transaction holds more than escalation_threshold row/key locks under one table, it
 * asks to upgrade its table lock to S (all children S) or X (any child X) — precisely, to the
 * join of the intention mode it holds and that mode, so IX with only S children becomes SIX.
 * The attempt never waits: escalation is an optimisation the caller did not ask for, and
 * waiting here could create a deadlock that the transaction's own statements would never
 * have caused. If the table lock is not grantable right now (rules G1, G2 and U of lk_grant.c), the
 * transaction keeps its row locks and tries again after another `threshold` row locks. When
 * it succeeds, every row/key lock under the table is released: the table lock covers them, and
 * lk_acquire grants later row requests on that table without locks of their own. Strict 2PL is
 * kept: a lock is only released when a stronger one covering it is held.
 */
#include "lockmgr/lk_int.h"

void lk_escalate_maybe(struct lk_txn *t, struct lk_req *tr)
{
    const unsigned thr = t->mgr->cfg.escalation_threshold;
    if (!thr || tr->nchild <= thr || tr->nchild < tr->esc_next)
        return;
    const unsigned target = lk_mode_sup((lk_mode_t)tr->held, tr->nchild_x ? LK_X : LK_S);
    if (!tr->strong_counted) { /* a strong table lock: fast-path locks into the table first */
        if (lk_fp_strong_begin(t->mgr, tr->table) != LK_OK) {
            tr->esc_next = tr->nchild + thr;
            return;
        }
        tr->strong_counted = true;
    }
    struct lk_part *p = lk_part_of(t->mgr, tr->hash);
    pthread_mutex_lock(&p->mu);
    const bool ok = lk_grantable(tr->lock, tr, target);
    if (ok) {
        lk_grant(tr->lock, tr, target);
        p->stats.escalations++;
    }
    pthread_mutex_unlock(&p->mu);
    if (!ok) {
        if (!lk_mode_strong(tr->held)) {
            lk_fp_strong_end(t->mgr, tr->table);
            tr->strong_counted = false;
        }
        tr->esc_next = tr->nchild + thr;
        return;
    }
    for (struct lk_req *r = t->reqs, *n; r; r = n) {
        n = r->tnext;
        if (r->parent == tr)
            lk_req_release(t, r);
    }
    tr->esc_next = 0;
}
