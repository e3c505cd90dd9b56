/*
 * policy.c — the three wait policies: LK_WAIT with its timeout (55P03), LK_NOWAIT (55P03 at
 * once) and LK_SKIP_LOCKED (not granted, no error), and what a leaving waiter does to the
 * waiters behind it.
 */
#include <string.h>

#include "tests/lockmgr/lk_test.h"

Test(policy, nowait_fails_at_once_naming_the_holder)
{
    lk_mgr *m = mgr_with(10000, 0, 0);
    actor t1, t2;
    actor_start(&t1, m, 17);
    actor_start(&t2, m, 18);
    lk_res_t row = lk_res_row(1, 2);
    cr_assert_eq(actor_acquire(&t1, row, LK_X, LK_WAIT), LK_OK);
    uint64_t t0 = tnow_ms();
    int rc = actor_acquire(&t2, row, LK_S, LK_NOWAIT);
    cr_assert_eq(rc, LK_UNAVAILABLE);
    cr_assert_lt(tnow_ms() - t0, 1000);
    cr_assert_str_eq(lk_sqlstate(rc), "55P03");
    cr_assert(strstr(lk_txn_errmsg(t2.t), "could not obtain S lock on table 1 row 2 for transaction 18 (NOWAIT): held by transaction 17 (X)"),
              "%s", lk_txn_errmsg(t2.t));
    cr_assert_eq(lk_held_mode(t2.t, &row), LK_NONE);
    lk_stats_t st;
    lk_stats_get(m, &st);
    cr_assert_eq(st.not_granted, 1);
    cr_assert_eq(st.waits, 0);
    actor_release(&t1, 0);
    cr_assert_eq(actor_acquire(&t2, row, LK_S, LK_NOWAIT), LK_OK);
    actors_stop(m, &t1, &t2, NULL);
}

/* NOWAIT also refuses to queue behind a conflicting waiter (FIFO), even if the holders
 * would allow it. */
Test(policy, nowait_respects_the_queue)
{
    lk_mgr *m = mgr_with(10000, 0, 0);
    actor t1, t2, t3;
    actors_start(m, &t1, &t2, &t3, NULL);
    lk_res_t row = lk_res_row(1, 1);
    cr_assert_eq(actor_acquire(&t1, row, LK_S, LK_WAIT), LK_OK);
    actor_submit(&t2, row, LK_X, LK_WAIT);
    wait_blocked(m, 2);
    cr_assert_eq(actor_acquire(&t3, row, LK_S, LK_NOWAIT), LK_UNAVAILABLE);
    cr_assert(strstr(lk_txn_errmsg(t3.t), "queued behind transaction 2 (X)"), "%s",
              lk_txn_errmsg(t3.t));
    actor_release(&t1, 0);
    cr_assert_eq(actor_result(&t2, 5000), LK_OK);
    actor_release(&t2, 0);
    actors_stop(m, &t1, &t2, &t3, NULL);
}

/* SELECT ... FOR UPDATE SKIP LOCKED as a job queue: 3 workers each claim 2 distinct jobs out
 * of 6 without ever waiting. */
Test(policy, skip_locked_job_queue)
{
    lk_mgr *m = mgr_with(10000, 0, 0);
    lk_txn *w[3];
    int owner[6] = {-1, -1, -1, -1, -1, -1};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(lk_txn_create(m, &w[i]), LK_OK);
        cr_assert_eq(lk_txn_begin(w[i], (uint64_t)i + 1), LK_OK);
        int claimed = 0;
        for (int job = 0; job < 6 && claimed < 2; job++) {
            lk_res_t r = lk_res_row(9, (uint64_t)job);
            int rc = lk_acquire(w[i], &r, LK_X, LK_SKIP_LOCKED);
            if (rc == LK_NOT_GRANTED)
                continue;
            cr_assert_eq(rc, LK_OK);
            cr_assert_eq(owner[job], -1, "job %d claimed twice", job);
            owner[job] = i;
            claimed++;
        }
        cr_assert_eq(claimed, 2);
    }
    for (int job = 0; job < 6; job++)
        cr_assert_eq(owner[job], job / 2);
    lk_txn *late;
    cr_assert_eq(lk_txn_create(m, &late), LK_OK);
    lk_txn_begin(late, 9);
    lk_res_t r0 = lk_res_row(9, 0);
    cr_assert_eq(lk_acquire(late, &r0, LK_S, LK_SKIP_LOCKED), LK_NOT_GRANTED);
    cr_assert_str_eq(lk_sqlstate(LK_NOT_GRANTED), "00000");
    lk_res_t tab = lk_res_table(9);
    cr_assert_eq(lk_held_mode(late, &tab), LK_IS, "the table intention lock was taken");
    lk_stats_t st;
    lk_stats_get(m, &st);
    cr_assert_eq(st.not_granted, 1 + 2 + 4);
    cr_assert_eq(st.waits, 0);
    for (int i = 0; i < 3; i++)
        lk_txn_destroy(w[i]);
    cr_assert_eq(lk_acquire(late, &r0, LK_X, LK_SKIP_LOCKED), LK_OK);
    lk_txn_destroy(late);
    lk_mgr_destroy(m);
}

Test(policy, wait_times_out_with_55P03_and_leaves_the_queue)
{
    lk_mgr *m = mgr_with(10000, 0, 0);
    actor t1, t2;
    actor_start(&t1, m, 17);
    actor_start(&t2, m, 18);
    lk_txn_set_timeout(t2.t, 150);
    lk_res_t row = lk_res_row(1, 2);
    cr_assert_eq(actor_acquire(&t1, row, LK_X, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t2, row, LK_X, LK_WAIT), LK_TIMEOUT);
    cr_assert_geq(t2.took_ms, 150);
    cr_assert_lt(t2.took_ms, 3000);
    cr_assert_str_eq(lk_sqlstate(LK_TIMEOUT), "55P03");
    cr_assert(strstr(lk_txn_errmsg(t2.t), "lock timeout after 150 ms: transaction 18 waiting for X on table 1 row 2, held by transaction 17 (X)"),
              "%s", lk_txn_errmsg(t2.t));
    cr_assert_eq(lt_waiting(m, 18), 0, "the timed-out request left the queue");
    lk_stats_t st;
    lk_stats_get(m, &st);
    cr_assert_eq(st.timeouts, 1);
    cr_assert_eq(st.waits, 1);
    cr_assert_geq(st.wait_ns, 150000000u);
    actor_release(&t1, 0);
    cr_assert_eq(actor_acquire(&t2, row, LK_X, LK_NOWAIT), LK_OK);
    actors_stop(m, &t1, &t2, NULL);
}

/* A timed-out upgrade keeps the mode it already had. */
Test(policy, timed_out_upgrade_keeps_shared_lock)
{
    lk_mgr *m = mgr_with(100, 0, 0);
    actor t1, t2;
    actors_start(m, &t1, &t2, NULL);
    lk_res_t row = lk_res_row(1, 1);
    cr_assert_eq(actor_acquire(&t1, row, LK_S, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t2, row, LK_S, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t2, row, LK_X, LK_WAIT), LK_TIMEOUT);
    cr_assert_eq(lk_held_mode(t2.t, &row), LK_S);
    cr_assert_eq(lk_txn_lock_count(t2.t), 2);
    lk_res_t tab = lk_res_table(1);
    cr_assert_eq(lk_held_mode(t2.t, &tab), LK_IX);
    /* t1 can still not get X: t2's S is really still there */
    cr_assert_eq(actor_acquire(&t1, row, LK_X, LK_NOWAIT), LK_UNAVAILABLE);
    actor_release(&t2, 0);
    cr_assert_eq(actor_acquire(&t1, row, LK_X, LK_NOWAIT), LK_OK);
    actors_stop(m, &t1, &t2, NULL);
}

/* A waiter that times out may be the only thing holding back the waiters behind it: T1 holds
 * S, T2 waits for X (timeout 150 ms), T3 asks S and queues behind T2 (FIFO). When T2 gives up,
 * T3 must be granted at once — not left sleeping until T1 finishes. */
Test(policy, timeout_of_a_waiter_wakes_the_ones_behind)
{
    lk_mgr *m = mgr_with(0, 0, 0); /* wait forever unless told otherwise */
    actor t1, t2, t3;
    actors_start(m, &t1, &t2, &t3, NULL);
    lk_txn_set_timeout(t2.t, 150);
    lk_res_t row = lk_res_row(1, 1);
    cr_assert_eq(actor_acquire(&t1, row, LK_S, LK_WAIT), LK_OK);
    actor_submit(&t2, row, LK_X, LK_WAIT);
    wait_blocked(m, 2);
    actor_submit(&t3, row, LK_S, LK_WAIT);
    wait_blocked(m, 3);
    cr_assert_eq(actor_result(&t2, 5000), LK_TIMEOUT);
    cr_assert_eq(actor_result(&t3, 2000), LK_OK, "woken when the waiter ahead left");
    actors_stop(m, &t1, &t2, &t3, NULL);
}

/* Timeout 0 waits forever (PostgreSQL's lock_timeout = 0), and a release wakes the waiter. */
Test(policy, zero_timeout_waits_until_release)
{
    lk_mgr *m = mgr_with(0, 0, 0);
    actor t1, t2;
    actors_start(m, &t1, &t2, NULL);
    lk_res_t tab = lk_res_table(4);
    cr_assert_eq(actor_acquire(&t1, tab, LK_X, LK_WAIT), LK_OK);
    actor_submit(&t2, tab, LK_IS, LK_WAIT);
    wait_blocked(m, 2);
    assert_still_blocked(&t2, 300, "granted while X is held");
    actor_release(&t1, 0);
    cr_assert_eq(actor_result(&t2, 2000), LK_OK);
    cr_assert_lt(t2.took_ms, 2000);
    actors_stop(m, &t1, &t2, NULL);
}

/* NOWAIT on a row also applies to its table intention lock; SKIP LOCKED waits for it. */
Test(policy, policies_and_the_table_intention_lock)
{
    lk_mgr *m = mgr_with(0, 0, 0);
    actor t1, t2;
    actors_start(m, &t1, &t2, NULL);
    cr_assert_eq(actor_acquire(&t1, lk_res_table(1), LK_X, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t2, lk_res_row(1, 5), LK_X, LK_NOWAIT), LK_UNAVAILABLE);
    actor_submit(&t2, lk_res_row(1, 5), LK_X, LK_SKIP_LOCKED);
    wait_blocked(m, 2);
    actor_release(&t1, 0);
    cr_assert_eq(actor_result(&t2, 2000), LK_OK);
    actors_stop(m, &t1, &t2, NULL);
}

/* Query cancel from another thread: the wait ends with 57014, the queue moves on, held locks
 * stay; a cancel with no wait in progress does nothing. */
Test(policy, cancel_ends_a_wait_from_another_thread)
{
    lk_mgr *m = mgr_with(0, 0, 0);
    actor t1, t2, t3;
    actors_start(m, &t1, &t2, &t3, NULL);
    lk_res_t row = lk_res_row(1, 1), other = lk_res_row(1, 2);
    cr_assert_eq(actor_acquire(&t1, row, LK_S, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t2, other, LK_X, LK_WAIT), LK_OK);
    cr_assert(!lk_txn_cancel(t2.t), "nothing to cancel");
    actor_submit(&t2, row, LK_X, LK_WAIT);
    wait_blocked(m, 2);
    actor_submit(&t3, row, LK_S, LK_WAIT); /* queued behind t2's X */
    wait_blocked(m, 3);
    cr_assert(lk_txn_cancel(t2.t));
    cr_assert_eq(actor_result(&t2, 2000), LK_CANCELED);
    cr_assert_str_eq(lk_sqlstate(LK_CANCELED), "57014");
    cr_assert(strstr(lk_txn_errmsg(t2.t), "canceling statement due to user request: transaction 2 was waiting for X on table 1 row 1"),
              "%s", lk_txn_errmsg(t2.t));
    cr_assert_eq(actor_result(&t3, 2000), LK_OK, "the cancelled waiter no longer holds t3 back");
    cr_assert_eq(lk_held_mode(t2.t, &other), LK_X, "locks already held stay held");
    cr_assert(!lk_txn_cancel(t2.t));
    actors_stop(m, &t1, &t2, &t3, NULL);
}
