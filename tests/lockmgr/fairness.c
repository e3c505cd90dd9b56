/*
 * fairness.c — who goes first: FIFO among conflicting requests, upgrades ahead of new
 * requests, compatible waiters granted together, and no starvation of a writer by a stream of
 * readers.
 */
#include <stdatomic.h>
#include <string.h>

#include "tests/lockmgr/lk_test.h"

/* The deterministic core: with S held and X queued, a new S neither gets in (NOWAIT fails)
 * nor is served before the X when it waits. */
Test(fairness, queued_writer_is_not_overtaken_by_a_reader)
{
    lk_mgr *m = mgr_with(0, 0, 0);
    actor r1, w, r2;
    actors_start(m, &r1, &w, &r2, NULL);
    lk_res_t row = lk_res_row(1, 1);
    cr_assert_eq(actor_acquire(&r1, row, LK_S, LK_WAIT), LK_OK);
    actor_submit(&w, row, LK_X, LK_WAIT);
    wait_blocked(m, 2);
    cr_assert_eq(actor_acquire(&r2, row, LK_S, LK_NOWAIT), LK_UNAVAILABLE);
    actor_submit(&r2, row, LK_S, LK_WAIT);
    wait_blocked(m, 3);
    actor_release(&r1, 0);
    cr_assert_eq(actor_result(&w, 2000), LK_OK, "the writer first");
    assert_still_blocked(&r2, 50, "reader granted while the writer holds X");
    actor_release(&w, 0);
    cr_assert_eq(actor_result(&r2, 2000), LK_OK);
    actors_stop(m, &r1, &w, &r2, NULL);
}

/* The stream: three readers keep re-reading the row so that at every moment one of them holds
 * S. A writer asking for X must still get it promptly. Without the FIFO rule it would wait
 * until the readers stop (here: 3 s, the test fails long before). */
struct reader_arg {
    lk_mgr *m;
    uint64_t id0;
    atomic_bool *stop;
    atomic_int *reads;
};

static void *reader(void *p)
{
    struct reader_arg *a = p;
    lk_txn *t;
    cr_assert_eq(lk_txn_create(a->m, &t), LK_OK);
    lk_res_t row = lk_res_row(1, 7);
    uint64_t id = a->id0;
    while (!atomic_load(a->stop)) {
        cr_assert_eq(lk_txn_begin(t, id), LK_OK);
        id += 10;
        cr_assert_eq(lk_acquire(t, &row, LK_S, LK_WAIT), LK_OK);
        atomic_fetch_add(a->reads, 1);
        tsleep_ms(3);
        lk_release_all(t);
    }
    lk_txn_destroy(t);
    return NULL;
}

Test(fairness, writer_gets_in_while_readers_keep_arriving)
{
    lk_mgr *m = mgr_with(0, 0, 0);
    atomic_bool stop = false;
    atomic_int reads = 0;
    pthread_t th[3];
    struct reader_arg ra[3];
    for (int i = 0; i < 3; i++) {
        ra[i] = (struct reader_arg){m, (uint64_t)i + 1, &stop, &reads};
        pthread_create(&th[i], NULL, reader, &ra[i]);
        tsleep_ms(1);
    }
    while (atomic_load(&reads) < 10)
        tsleep_ms(1);
    lk_txn *w;
    cr_assert_eq(lk_txn_create(m, &w), LK_OK);
    lk_txn_begin(w, 1000000);
    lk_res_t row = lk_res_row(1, 7);
    uint64_t t0 = tnow_ms();
    int rc = lk_acquire(w, &row, LK_X, LK_WAIT);
    uint64_t took = tnow_ms() - t0;
    int seen = atomic_load(&reads);
    cr_assert_eq(rc, LK_OK);
    tsleep_ms(20); /* hold X: readers must queue, not read */
    cr_assert_eq(atomic_load(&reads), seen, "a reader got S while X was held");
    lk_release_all(w);
    cr_assert_lt(took, 1000, "writer waited %llu ms behind a stream of readers",
                 (unsigned long long)took);
    tsleep_ms(30);
    atomic_store(&stop, true);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    cr_assert_gt(atomic_load(&reads), seen, "readers resumed after the writer");
    lk_txn_destroy(w);
    lk_mgr_destroy(m);
}

/* An upgrade goes ahead of a new request that queued before it. */
Test(fairness, upgrade_has_priority_over_queued_new_request)
{
    lk_mgr *m = mgr_with(0, 0, 0);
    actor t1, t2, t3;
    actors_start(m, &t1, &t2, &t3, NULL);
    lk_res_t row = lk_res_row(1, 1);
    cr_assert_eq(actor_acquire(&t1, row, LK_S, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t2, row, LK_S, LK_WAIT), LK_OK);
    actor_submit(&t3, row, LK_X, LK_WAIT); /* new request, queued first */
    wait_blocked(m, 3);
    actor_submit(&t1, row, LK_X, LK_WAIT); /* upgrade, queued ahead of t3 */
    wait_blocked(m, 1);
    actor_release(&t2, 0);
    cr_assert_eq(actor_result(&t1, 2000), LK_OK, "the upgrade first");
    assert_still_blocked(&t3, 50, "new request overtook the upgrade");
    actor_release(&t1, 0);
    cr_assert_eq(actor_result(&t3, 2000), LK_OK);
    actors_stop(m, &t1, &t2, &t3, NULL);
}

/* Conflicting requests are served in arrival order; compatible neighbours go together. */
Test(fairness, fifo_order_and_compatible_batches)
{
    lk_mgr *m = mgr_with(0, 0, 0);
    actor h, a1, a2, b1, b2;
    actors_start(m, &h, &a1, &a2, &b1, &b2, NULL);
    lk_res_t row = lk_res_row(2, 2);
    cr_assert_eq(actor_acquire(&h, row, LK_X, LK_WAIT), LK_OK);
    actor_submit(&a1, row, LK_S, LK_WAIT);
    wait_blocked(m, 2);
    actor_submit(&a2, row, LK_S, LK_WAIT);
    wait_blocked(m, 3);
    actor_submit(&b1, row, LK_X, LK_WAIT);
    wait_blocked(m, 4);
    actor_submit(&b2, row, LK_X, LK_WAIT);
    wait_blocked(m, 5);
    actor_release(&h, 0);
    cr_assert_eq(actor_result(&a1, 2000), LK_OK, "both readers together");
    cr_assert_eq(actor_result(&a2, 2000), LK_OK, "both readers together");
    assert_still_blocked(&b1, 30, "X granted with readers in");
    actor_release(&a1, 0);
    assert_still_blocked(&b1, 30, "X granted with a reader in");
    actor_release(&a2, 0);
    cr_assert_eq(actor_result(&b1, 2000), LK_OK, "first writer next");
    assert_still_blocked(&b2, 30, "second writer overtook or joined the first");
    actor_release(&b1, 0);
    cr_assert_eq(actor_result(&b2, 2000), LK_OK);
    actors_stop(m, &h, &a1, &a2, &b1, &b2, NULL);
}

/* FIFO is about conflicts only: IS is compatible with the IX holder and with the queued S, so it
 * is granted at once instead of queueing behind S (PostgreSQL's rule). But its upgrade to IX
 * conflicts with the queued S, which does not wait for it: the upgrade queues behind S. */
Test(fairness, compatible_newcomer_is_not_held_back_by_unrelated_waiter)
{
    lk_mgr *m = mgr_with(0, 0, 0);
    actor t1, t2, t3;
    actors_start(m, &t1, &t2, &t3, NULL);
    lk_res_t tab = lk_res_table(3);
    cr_assert_eq(actor_acquire(&t1, tab, LK_IX, LK_WAIT), LK_OK);
    actor_submit(&t2, tab, LK_S, LK_WAIT);
    wait_blocked(m, 2);
    cr_assert_eq(actor_acquire(&t3, tab, LK_IS, LK_NOWAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t3, tab, LK_IX, LK_NOWAIT), LK_UNAVAILABLE,
                 "the upgrade would overtake S, which does not wait for t3");
    cr_assert(strstr(lk_txn_errmsg(t3.t), "queued behind transaction 2 (S)"), "%s",
              lk_txn_errmsg(t3.t));
    actor_release(&t3, 0);
    actor_release(&t1, 0);
    cr_assert_eq(actor_result(&t2, 2000), LK_OK);
    actors_stop(m, &t1, &t2, &t3, NULL);
}

/* No starvation through upgrades: a table S request waits for an IX holder while a stream of
 * transactions each take IS (compatible with everything) and then upgrade to IX — read a row,
 * then write one. If upgrades could always jump the queue, the S request would wait for ever;
 * the upgrades that do not hold anything it waits for must queue behind it. */
struct rw_arg {
    lk_mgr *m;
    uint64_t id0;
    atomic_bool *stop;
    atomic_int *txns;
};

static void *read_then_write(void *p)
{
    struct rw_arg *a = p;
    lk_txn *t;
    cr_assert_eq(lk_txn_create(a->m, &t), LK_OK);
    uint64_t id = a->id0;
    while (!atomic_load(a->stop)) {
        lk_txn_begin(t, id);
        id += 10;
        lk_res_t r1 = lk_res_row(8, id % 100), r2 = lk_res_row(8, 100 + id % 100);
        if (lk_acquire(t, &r1, LK_S, LK_WAIT) == LK_OK &&
            lk_acquire(t, &r2, LK_X, LK_WAIT) == LK_OK) {
            atomic_fetch_add(a->txns, 1);
            tsleep_ms(2);
        }
        lk_release_all(t);
    }
    lk_txn_destroy(t);
    return NULL;
}

Test(fairness, table_reader_is_not_starved_by_upgrading_writers)
{
    lk_mgr *m = mgr_with(0, 0, 0);
    atomic_bool stop = false;
    atomic_int txns = 0;
    pthread_t th[3];
    struct rw_arg ra[3];
    for (int i = 0; i < 3; i++) {
        ra[i] = (struct rw_arg){m, (uint64_t)i + 1, &stop, &txns};
        pthread_create(&th[i], NULL, read_then_write, &ra[i]);
    }
    while (atomic_load(&txns) < 10)
        tsleep_ms(1);
    lk_txn *w;
    cr_assert_eq(lk_txn_create(m, &w), LK_OK);
    lk_txn_begin(w, 1000000);
    lk_res_t tab = lk_res_table(8);
    uint64_t t0 = tnow_ms();
    int rc = lk_acquire(w, &tab, LK_S, LK_WAIT);
    uint64_t took = tnow_ms() - t0;
    int seen = atomic_load(&txns);
    cr_assert_eq(rc, LK_OK);
    tsleep_ms(20);
    cr_assert_eq(atomic_load(&txns), seen, "a writer committed while the table was S-locked");
    lk_release_all(w);
    cr_assert_lt(took, 1000, "table S waited %llu ms behind upgrading writers",
                 (unsigned long long)took);
    atomic_store(&stop, true);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    lk_txn_destroy(w);
    lk_mgr_destroy(m);
}

/* Weak table locks taken on the fast path still block a strong request, and while the strong
 * lock is held or queued, new weak requests queue behind it like any others. */
Test(fairness, strong_table_lock_waits_for_and_then_blocks_weak_ones)
{
    lk_mgr *m = mgr_with(0, 0, 0);
    actor r[3], w, late;
    for (int i = 0; i < 3; i++) {
        actor_start(&r[i], m, (uint64_t)i + 1);
        cr_assert_eq(actor_acquire(&r[i], lk_res_row(4, (uint64_t)i), i ? LK_X : LK_S, LK_WAIT),
                     LK_OK);
    }
    lk_snapshot_t *s;
    cr_assert_eq(lk_snapshot(m, &s), LK_OK);
    cr_assert_eq(s->n, 6, "3 rows + 3 intention locks, fast path included");
    lk_snapshot_free(s);
    actor_start(&w, m, 10);
    actor_submit(&w, lk_res_table(4), LK_X, LK_WAIT);
    wait_blocked(m, 10);
    actor_start(&late, m, 11);
    actor_submit(&late, lk_res_row(4, 99), LK_S, LK_WAIT); /* IS queues behind the X */
    wait_blocked(m, 11);
    for (int i = 0; i < 3; i++) {
        assert_still_blocked(&w, 20, "X granted while an intention lock is held");
        actor_release(&r[i], 0);
    }
    cr_assert_eq(actor_result(&w, 2000), LK_OK);
    assert_still_blocked(&late, 30, "IS granted while X is held");
    actor_release(&w, 0);
    cr_assert_eq(actor_result(&late, 2000), LK_OK);
    actor_release(&late, 12);
    /* The strong lock is gone: weak locks work again, and a NOWAIT X sees them. */
    cr_assert_eq(actor_acquire(&late, lk_res_row(4, 5), LK_X, LK_WAIT), LK_OK);
    lk_txn_begin(w.t, 13);
    cr_assert_eq(actor_acquire(&w, lk_res_table(4), LK_S, LK_NOWAIT), LK_UNAVAILABLE);
    for (int i = 0; i < 3; i++)
        actor_stop(&r[i]);
    actors_stop(m, &w, &late, NULL);
}
