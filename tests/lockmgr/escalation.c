/*
 * escalation.c — many row locks on one table are traded for one table lock; the attempt never
 * waits, is retried later when it fails, and the table lock then covers later row requests.
 */
#include "tests/lockmgr/lk_test.h"

static void lock_rows(lk_txn *t, uint32_t table, uint64_t from, uint64_t to, lk_mode_t mode)
{
    for (uint64_t r = from; r < to; r++) {
        lk_res_t row = lk_res_row(table, r);
        cr_assert_eq(lk_acquire(t, &row, mode, LK_NOWAIT), LK_OK, "row %llu",
                     (unsigned long long)r);
    }
}

Test(escalation, shared_rows_become_table_S)
{
    lk_mgr *m = mgr_with(1000, 0, 10);
    lk_txn *t = txn_begun(m, 1), *o = txn_begun(m, 2);
    lock_rows(t, 1, 0, 10, LK_S);
    cr_assert_eq(lk_txn_lock_count(t), 11, "threshold not passed yet");
    lock_rows(t, 1, 10, 11, LK_S);
    lk_res_t tab = lk_res_table(1);
    cr_assert_eq(lk_held_mode(t, &tab), LK_S);
    cr_assert_eq(lk_txn_lock_count(t), 1, "row locks released after escalation");
    lk_res_t r5 = lk_res_row(1, 5), r500 = lk_res_row(1, 500);
    cr_assert_eq(lk_held_mode(t, &r5), LK_S);
    cr_assert_eq(lk_held_mode(t, &r500), LK_S, "the table lock covers every row");
    lock_rows(t, 1, 11, 100, LK_S);
    cr_assert_eq(lk_txn_lock_count(t), 1, "covered rows need no locks");
    /* Others can still read, but not write. */
    cr_assert_eq(lk_acquire(o, &r5, LK_S, LK_NOWAIT), LK_OK);
    cr_assert_eq(lk_acquire(o, &r500, LK_X, LK_NOWAIT), LK_UNAVAILABLE);
    /* Another table is not affected. */
    lock_rows(t, 2, 0, 5, LK_S);
    cr_assert_eq(lk_txn_lock_count(t), 7);
    lk_stats_t st;
    lk_stats_get(m, &st);
    cr_assert_eq(st.escalations, 1);
    lk_txn_destroy(t);
    lk_txn_destroy(o);
    lk_mgr_destroy(m);
}

Test(escalation, any_exclusive_row_makes_table_X)
{
    lk_mgr *m = mgr_with(1000, 0, 8);
    lk_txn *t = txn_begun(m, 1), *o = txn_begun(m, 2);
    lock_rows(t, 1, 0, 5, LK_S);
    lock_rows(t, 1, 5, 6, LK_X);
    lock_rows(t, 1, 6, 9, LK_S);
    lk_res_t tab = lk_res_table(1), r1 = lk_res_row(1, 1000);
    cr_assert_eq(lk_held_mode(t, &tab), LK_X);
    cr_assert_eq(lk_txn_lock_count(t), 1);
    cr_assert_eq(lk_acquire(o, &r1, LK_S, LK_NOWAIT), LK_UNAVAILABLE, "X covers reads too");
    lk_release_all(t);
    cr_assert_eq(lk_acquire(o, &r1, LK_S, LK_NOWAIT), LK_OK);
    lk_txn_destroy(t);
    lk_txn_destroy(o);
    lk_mgr_destroy(m);
}

/* Holding IX on the table (from an X row that was later ... ) with only S rows above the
 * threshold: S + IX = SIX, which still lets this transaction X-lock single rows later. */
Test(escalation, ix_with_shared_rows_becomes_SIX)
{
    lk_mgr *m = mgr_with(1000, 0, 4);
    lk_txn *t = txn_begun(m, 1);
    lk_res_t tab = lk_res_table(1);
    cr_assert_eq(lk_acquire(t, &tab, LK_IX, LK_NOWAIT), LK_OK);
    lock_rows(t, 1, 0, 5, LK_S);
    cr_assert_eq(lk_held_mode(t, &tab), LK_SIX);
    cr_assert_eq(lk_txn_lock_count(t), 1);
    lock_rows(t, 1, 100, 101, LK_X);
    cr_assert_eq(lk_txn_lock_count(t), 2, "X under SIX is a row lock of its own");
    lk_txn_destroy(t);
    lk_mgr_destroy(m);
}

/* Escalation never waits: blocked by another writer's IX, the transaction keeps its row locks,
 * and tries again `threshold` rows later, once the writer is gone. */
Test(escalation, blocked_escalation_keeps_rows_and_retries_later)
{
    lk_mgr *m = mgr_with(1000, 0, 10);
    lk_txn *t = txn_begun(m, 1), *o = txn_begun(m, 2);
    lk_res_t other = lk_res_row(1, 999), tab = lk_res_table(1);
    cr_assert_eq(lk_acquire(o, &other, LK_X, LK_NOWAIT), LK_OK);
    uint64_t t0 = tnow_ms();
    lock_rows(t, 1, 0, 15, LK_S);
    cr_assert_lt(tnow_ms() - t0, 500, "escalation must not wait");
    cr_assert_eq(lk_held_mode(t, &tab), LK_IS);
    cr_assert_eq(lk_txn_lock_count(t), 16);
    lk_release_all(o);
    lock_rows(t, 1, 15, 20, LK_S); /* next attempt at 11 + 10 = 21 rows */
    cr_assert_eq(lk_txn_lock_count(t), 21);
    lock_rows(t, 1, 20, 21, LK_S);
    cr_assert_eq(lk_held_mode(t, &tab), LK_S);
    cr_assert_eq(lk_txn_lock_count(t), 1);
    lk_stats_t st;
    lk_stats_get(m, &st);
    cr_assert_eq(st.escalations, 1);
    cr_assert_eq(st.waits, 0);
    lk_txn_destroy(t);
    lk_txn_destroy(o);
    lk_mgr_destroy(m);
}

Test(escalation, keys_count_too_and_zero_disables)
{
    lk_mgr *m = mgr_with(1000, 0, 3);
    lk_txn *t = txn_begun(m, 1);
    for (int i = 0; i < 4; i++) {
        char k[8] = {'k', (char)('0' + i)};
        lk_res_t key = lk_res_key(1, 1, k, 2);
        cr_assert_eq(lk_acquire(t, &key, LK_X, LK_NOWAIT), LK_OK);
    }
    lk_res_t tab = lk_res_table(1);
    cr_assert_eq(lk_held_mode(t, &tab), LK_X);
    lk_txn_destroy(t);
    lk_mgr_destroy(m);

    m = mgr_with(1000, 0, 0);
    cr_assert_eq(lk_txn_create(m, &t), LK_OK);
    lk_txn_begin(t, 1);
    lock_rows(t, 1, 0, 20000, LK_X);
    cr_assert_eq(lk_held_mode(t, &tab), LK_IX);
    cr_assert_eq(lk_txn_lock_count(t), 20001);
    lk_release_all(t);
    cr_assert_eq(lk_txn_lock_count(t), 0);
    lk_txn_destroy(t);
    lk_mgr_destroy(m);
}
