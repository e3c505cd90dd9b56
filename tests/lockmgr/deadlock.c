/*
 * deadlock.c — deadlock scenarios: cycles of 2, 3 and 5 transactions, upgrade deadlocks,
 * cycles that close through a FIFO "soft" edge, cycles through intention locks, the delayed
 * search, and waits that are not deadlocks. Each cycle must cost exactly one victim — the
 * youngest (largest id) — whose wait ends with LK_DEADLOCK (40P01) while the others go on once
 * the victim's transaction releases its locks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lockmgr/lk_test.h"

/* on_deadlock hook: counts cycles and remembers the last one. */
static pthread_mutex_t hook_mu = PTHREAD_MUTEX_INITIALIZER;
static int hook_calls;
static size_t hook_len;
static int hook_soft;
static uint64_t hook_victim;

static void hook(void *ctx, const lk_cycle_edge_t *e, size_t n, uint64_t victim)
{
    (void)ctx;
    pthread_mutex_lock(&hook_mu);
    hook_calls++;
    hook_len = n;
    hook_victim = victim;
    hook_soft = 0;
    for (size_t i = 0; i < n; i++) {
        hook_soft += e[i].soft;
        /* the edges form a cycle */
        cr_assert_eq(e[i].blocker, e[(i + 1) % n].waiter);
        cr_assert(!lk_compatible(e[i].want, e[i].blocker_mode));
    }
    pthread_mutex_unlock(&hook_mu);
}

static lk_mgr *dd_mgr(unsigned delay_ms)
{
    lk_config_t c = lk_config_default();
    c.lock_timeout_ms = 20000; /* a missed deadlock shows up as a timeout, not as success */
    c.deadlock_delay_ms = delay_ms;
    c.on_deadlock = hook;
    lk_mgr *m;
    cr_assert_eq(lk_mgr_create(&c, &m), LK_OK);
    return m;
}

/*
 * n transactions, transaction i holds row i in X and asks for row (i+1) % n. ids[i] is the id of
 * transaction i; the last request closes the cycle. Exactly one victim — the largest id — and
 * everyone else completes once it has released.
 */
static void run_cycle(size_t n, const uint64_t *ids, unsigned delay_ms)
{
    lk_mgr *m = dd_mgr(delay_ms);
    actor *a = calloc(n, sizeof *a);
    cr_assert_not_null(a);
    for (size_t i = 0; i < n; i++) {
        actor_start(&a[i], m, ids[i]);
        cr_assert_eq(actor_acquire(&a[i], lk_res_row(1, i), LK_X, LK_WAIT), LK_OK);
    }
    const uint64_t first_wait = tnow_ms(); /* nobody searches before first_wait + delay */
    for (size_t i = 0; i + 1 < n; i++) {
        actor_submit(&a[i], lk_res_row(1, i + 1), LK_X, LK_WAIT);
        wait_blocked(m, ids[i]);
    }
    uint64_t t0 = tnow_ms();
    actor_submit(&a[n - 1], lk_res_row(1, 0), LK_X, LK_WAIT);

    size_t victim = 0;
    for (size_t i = 1; i < n; i++)
        if (ids[i] > ids[victim])
            victim = i;
    int rc = actor_result(&a[victim], 10000);
    cr_assert_eq(rc, LK_DEADLOCK, "victim (txn %llu) got %d", (unsigned long long)ids[victim], rc);
    uint64_t took = tnow_ms() - t0, since_first = tnow_ms() - first_wait;
    cr_assert_geq(since_first + 2, delay_ms, "found before the configured delay (%llu ms)",
                  (unsigned long long)since_first);
    cr_assert_lt(took, delay_ms + 3000, "found %llu ms after the cycle closed",
                 (unsigned long long)took);
    char needle[64];
    snprintf(needle, sizeof needle, "transaction %llu (youngest of %zu) chosen as victim",
             (unsigned long long)ids[victim], n);
    cr_assert(strstr(lk_txn_errmsg(a[victim].t), needle), "%s", lk_txn_errmsg(a[victim].t));
    cr_assert(strstr(lk_txn_errmsg(a[victim].t), "deadlock detected"));

    /* Nobody else was chosen: they all still wait for the victim's chain. */
    for (size_t i = 0; i < n; i++)
        if (i != victim)
            assert_still_blocked(&a[i], 20, "a non-victim returned before the victim released");

    /* Roll back the victim: the cycle unwinds, everyone else commits in turn. */
    actor_release(&a[victim], 0);
    for (size_t k = 1; k < n; k++) {
        size_t i = (victim + n - k) % n; /* the waiter of the victim's row goes first */
        cr_assert_eq(actor_result(&a[i], 10000), LK_OK, "txn %llu", (unsigned long long)ids[i]);
        actor_release(&a[i], 0);
    }
    lk_stats_t st;
    lk_stats_get(m, &st);
    cr_assert_eq(st.deadlocks, 1);
    cr_assert_eq(st.timeouts, 0);
    pthread_mutex_lock(&hook_mu);
    cr_assert_eq(hook_calls, 1);
    cr_assert_eq(hook_len, n);
    cr_assert_eq(hook_victim, ids[victim]);
    pthread_mutex_unlock(&hook_mu);
    for (size_t i = 0; i < n; i++)
        actor_stop(&a[i]);
    free(a);
    lk_mgr_destroy(m);
}

Test(deadlock, two_cycle_youngest_closes_it)
{
    run_cycle(2, (uint64_t[]){1, 2}, 0);
}

Test(deadlock, two_cycle_oldest_closes_it_youngest_still_dies)
{
    run_cycle(2, (uint64_t[]){20, 10}, 0);
}

Test(deadlock, three_cycle)
{
    run_cycle(3, (uint64_t[]){7, 9, 8}, 0);
}

Test(deadlock, five_cycle_victim_in_the_middle)
{
    run_cycle(5, (uint64_t[]){3, 1, 50, 4, 2}, 0);
}

Test(deadlock, five_cycle_closer_is_victim)
{
    run_cycle(5, (uint64_t[]){1, 2, 3, 4, 5}, 0);
}

/* Longer than the search's initial path array (64 frames): the path must grow. */
Test(deadlock, seventy_cycle)
{
    uint64_t ids[70];
    for (size_t i = 0; i < 70; i++)
        ids[i] = 1000 + (i * 37) % 70; /* a permutation: the youngest sits somewhere inside */
    run_cycle(70, ids, 0);
}

Test(deadlock, delayed_search_like_deadlock_timeout)
{
    run_cycle(3, (uint64_t[]){1, 3, 2}, 300);
}

/* Two S holders both ask for X: a classic upgrade deadlock. */
Test(deadlock, upgrade_deadlock)
{
    lk_mgr *m = dd_mgr(0);
    actor a1, a2;
    actors_start(m, &a1, &a2, NULL);
    lk_res_t row = lk_res_row(1, 42);
    cr_assert_eq(actor_acquire(&a1, row, LK_S, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&a2, row, LK_S, LK_WAIT), LK_OK);
    actor_submit(&a1, row, LK_X, LK_WAIT);
    wait_blocked(m, 1);
    cr_assert_eq(actor_acquire(&a2, row, LK_X, LK_WAIT), LK_DEADLOCK);
    cr_assert(strstr(lk_txn_errmsg(a2.t), "transaction 2 waits for X on table 1 row 42, held by transaction 1 (S)"),
              "%s", lk_txn_errmsg(a2.t));
    assert_still_blocked(&a1, 50, "the victim still holds S until it rolls back");
    cr_assert_eq(lk_held_mode(a2.t, &row), LK_S, "the victim keeps what it held");
    actor_release(&a2, 0);
    cr_assert_eq(actor_result(&a1, 5000), LK_OK);
    cr_assert_eq(lk_held_mode(a1.t, &row), LK_X);
    actors_stop(m, &a1, &a2, NULL);
}

/* Upgrade deadlock on a table, SIX against IX: S+IX holders both wanting more. */
Test(deadlock, upgrade_deadlock_on_table_three_holders)
{
    lk_mgr *m = dd_mgr(0);
    actor a[3];
    lk_res_t tab = lk_res_table(5);
    for (int i = 0; i < 3; i++) {
        actor_start(&a[i], m, (uint64_t)(10 + i));
        cr_assert_eq(actor_acquire(&a[i], tab, LK_IS, LK_WAIT), LK_OK);
    }
    actor_submit(&a[0], tab, LK_X, LK_WAIT);
    wait_blocked(m, 10);
    /* 12 asks X too: it waits for 10's IS and 10 waits for its IS — 12 is the victim. */
    cr_assert_eq(actor_acquire(&a[2], tab, LK_X, LK_WAIT), LK_DEADLOCK);
    assert_still_blocked(&a[0], 30, "12 still holds IS");
    actor_release(&a[2], 0);
    assert_still_blocked(&a[0], 30, "11 still holds IS");
    /* 11 upgrades IS -> S: its IS conflicts with 10's X, so it queues ahead of 10 (rule U);
     * S is compatible with 10's IS: granted at once, no deadlock. */
    cr_assert_eq(actor_acquire(&a[1], tab, LK_S, LK_NOWAIT), LK_OK);
    assert_still_blocked(&a[0], 30, "11 holds S");
    actor_release(&a[1], 0);
    cr_assert_eq(actor_result(&a[0], 5000), LK_OK);
    lk_stats_t st;
    lk_stats_get(m, &st);
    cr_assert_eq(st.deadlocks, 1);
    for (int i = 0; i < 3; i++)
        actor_stop(&a[i]);
    lk_mgr_destroy(m);
}

/*
 * A cycle with a soft edge, closed by a hard edge: T1 holds S on A; T3 holds X on B; T2 asks X
 * on A (waits for T1); T3 asks S on A — compatible with T1's S, but queued behind T2's X
 * (soft edge T3 -> T2); T1 asks X on B (waits for T3) and closes T1 -> T3 -> T2 -> T1.
 */
Test(deadlock, cycle_through_soft_edge_closed_by_hard_edge)
{
    lk_mgr *m = dd_mgr(0);
    actor t1, t2, t3;
    actors_start(m, &t1, &t2, &t3, NULL);
    lk_res_t A = lk_res_row(1, 1), B = lk_res_row(1, 2);
    cr_assert_eq(actor_acquire(&t1, A, LK_S, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t3, B, LK_X, LK_WAIT), LK_OK);
    actor_submit(&t2, A, LK_X, LK_WAIT);
    wait_blocked(m, 2);
    actor_submit(&t3, A, LK_S, LK_WAIT);
    wait_blocked(m, 3);
    actor_submit(&t1, B, LK_X, LK_WAIT);
    cr_assert_eq(actor_result(&t3, 5000), LK_DEADLOCK, "youngest on the cycle");
    pthread_mutex_lock(&hook_mu);
    cr_assert_eq(hook_len, 3);
    cr_assert_eq(hook_soft, 1);
    pthread_mutex_unlock(&hook_mu);
    cr_assert(strstr(lk_txn_errmsg(t3.t), "queued behind transaction 2 (X)"), "%s",
              lk_txn_errmsg(t3.t));
    actor_release(&t3, 0);
    cr_assert_eq(actor_result(&t1, 5000), LK_OK);
    assert_still_blocked(&t2, 30, "T1 still holds S on A");
    actor_release(&t1, 0);
    cr_assert_eq(actor_result(&t2, 5000), LK_OK);
    actors_stop(m, &t1, &t2, &t3, NULL);
}

/* The same cycle closed by the soft edge itself: the last waiter only waits behind a waiter. */
Test(deadlock, cycle_closed_by_soft_edge)
{
    lk_mgr *m = dd_mgr(0);
    actor t1, t2, t3;
    actor_start(&t1, m, 1);
    actor_start(&t2, m, 3);
    actor_start(&t3, m, 2);
    lk_res_t A = lk_res_row(1, 1), B = lk_res_row(1, 2);
    cr_assert_eq(actor_acquire(&t1, A, LK_S, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t3, B, LK_X, LK_WAIT), LK_OK);
    actor_submit(&t1, B, LK_X, LK_WAIT); /* T1 -> T3 */
    wait_blocked(m, 1);
    actor_submit(&t2, A, LK_X, LK_WAIT); /* T2 -> T1 */
    wait_blocked(m, 3);
    actor_submit(&t3, A, LK_S, LK_WAIT); /* T3 -> T2 (soft): closes the cycle */
    cr_assert_eq(actor_result(&t2, 5000), LK_DEADLOCK, "id 3 is the youngest");
    /* With T2's X request gone, T3's S on A is compatible with T1's S. */
    cr_assert_eq(actor_result(&t3, 5000), LK_OK);
    actor_release(&t3, 0);
    cr_assert_eq(actor_result(&t1, 5000), LK_OK);
    actor_release(&t2, 0);
    actor_release(&t1, 0);
    lk_stats_t st;
    lk_stats_get(m, &st);
    cr_assert_eq(st.deadlocks, 1);
    actors_stop(m, &t1, &t2, &t3, NULL);
}

/* Through intention locks: each holds rows of one table and asks S on the other's table. */
Test(deadlock, cycle_through_intention_locks)
{
    lk_mgr *m = dd_mgr(0);
    actor t1, t2;
    actors_start(m, &t1, &t2, NULL);
    cr_assert_eq(actor_acquire(&t1, lk_res_row(1, 1), LK_X, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t2, lk_res_row(2, 1), LK_X, LK_WAIT), LK_OK);
    actor_submit(&t1, lk_res_table(2), LK_S, LK_WAIT);
    wait_blocked(m, 1);
    cr_assert_eq(actor_acquire(&t2, lk_res_table(1), LK_S, LK_WAIT), LK_DEADLOCK);
    cr_assert(strstr(lk_txn_errmsg(t2.t), "waits for S on table 1, held by transaction 1 (IX)"),
              "%s", lk_txn_errmsg(t2.t));
    actor_release(&t2, 0);
    cr_assert_eq(actor_result(&t1, 5000), LK_OK);
    actors_stop(m, &t1, &t2, NULL);
}

/* Keys: two transactions inserting each other's UNIQUE payment reference. */
Test(deadlock, cycle_on_unique_keys)
{
    lk_mgr *m = dd_mgr(0);
    actor t1, t2;
    actor_start(&t1, m, 100);
    actor_start(&t2, m, 101);
    lk_res_t k1 = lk_res_key(3, 1, "PAY-1", 5), k2 = lk_res_key(3, 1, "PAY-2", 5);
    cr_assert_eq(actor_acquire(&t1, k1, LK_X, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t2, k2, LK_X, LK_WAIT), LK_OK);
    actor_submit(&t1, k2, LK_X, LK_WAIT);
    wait_blocked(m, 100);
    cr_assert_eq(actor_acquire(&t2, k1, LK_X, LK_WAIT), LK_DEADLOCK);
    cr_assert(strstr(lk_txn_errmsg(t2.t), "index 1 key 'PAY-1'"), "%s", lk_txn_errmsg(t2.t));
    actor_release(&t2, 0);
    cr_assert_eq(actor_result(&t1, 5000), LK_OK);
    actors_stop(m, &t1, &t2, NULL);
}

/* A long wait chain and a convoy behind an X are not deadlocks. */
Test(deadlock, chains_are_not_deadlocks)
{
    lk_mgr *m = dd_mgr(0);
    actor a[5];
    for (int i = 0; i < 5; i++) {
        actor_start(&a[i], m, (uint64_t)(i + 1));
        cr_assert_eq(actor_acquire(&a[i], lk_res_row(1, (uint64_t)i), LK_X, LK_WAIT), LK_OK);
    }
    for (int i = 0; i < 4; i++) { /* i waits for i+1; 4 runs */
        actor_submit(&a[i], lk_res_row(1, (uint64_t)i + 1), LK_X, LK_WAIT);
        wait_blocked(m, (uint64_t)(i + 1));
    }
    /* and a convoy of readers behind 0's row */
    actor r[3];
    for (int i = 0; i < 3; i++) {
        actor_start(&r[i], m, (uint64_t)(50 + i));
        actor_submit(&r[i], lk_res_row(1, 0), LK_S, LK_WAIT);
        wait_blocked(m, (uint64_t)(50 + i));
    }
    for (int i = 0; i < 4; i++)
        assert_still_blocked(&a[i], 10, "chain member returned early");
    actor_release(&a[4], 0);
    for (int i = 3; i >= 0; i--) {
        cr_assert_eq(actor_result(&a[i], 5000), LK_OK);
        actor_release(&a[i], 0);
    }
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(actor_result(&r[i], 5000), LK_OK);
        actor_stop(&r[i]);
    }
    lk_stats_t st;
    lk_stats_get(m, &st);
    cr_assert_eq(st.deadlocks, 0);
    pthread_mutex_lock(&hook_mu);
    cr_assert_eq(hook_calls, 0);
    pthread_mutex_unlock(&hook_mu);
    for (int i = 0; i < 5; i++)
        actor_stop(&a[i]);
    lk_mgr_destroy(m);
}
