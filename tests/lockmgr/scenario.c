/*
 * scenario.c — the stories the lock manager exists for, end to end.
 *
 * Accounts are plain integers guarded by nothing but the lock manager: if two transactions
 * ever held X on the same account at once, the read-modify-write below would race (TSan
 * reports it) and money would appear or vanish (the total changes).
 */
#include <sched.h>
#include <stdatomic.h>

#include "tests/lockmgr/lk_test.h"

#define NACCOUNTS 5
#define NWORKERS 4
#define NTRANSFERS 400

static long balance[NACCOUNTS];
static atomic_ullong next_txn = 1;
static atomic_long deadlocks, commits;

struct teller {
    lk_mgr *m;
    uint64_t rng;
};

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Transfers between random accounts, locking the source first — so Alice-pays-Bob and
 * Bob-pays-Alice lock in opposite orders and deadlock; the victim rolls back and retries. */
static void *teller_main(void *p)
{
    struct teller *tl = p;
    lk_txn *t;
    cr_assert_eq(lk_txn_create(tl->m, &t), LK_OK);
    for (int n = 0; n < NTRANSFERS; n++) {
        unsigned from = (unsigned)(rnd(&tl->rng) % NACCOUNTS);
        unsigned to = (unsigned)((from + 1 + rnd(&tl->rng) % (NACCOUNTS - 1)) % NACCOUNTS);
        long amount = (long)(rnd(&tl->rng) % 100);
        for (;;) {
            cr_assert_eq(lk_txn_begin(t, atomic_fetch_add(&next_txn, 1)), LK_OK);
            lk_res_t a = lk_res_row(1, from), b = lk_res_row(1, to);
            /* read the source balance under S, then upgrade: the webhook pattern */
            int rc = lk_acquire(t, &a, LK_S, LK_WAIT);
            long seen = rc == LK_OK ? balance[from] : 0;
            sched_yield(); /* let the other tellers in between: this is where races live */
            if (rc == LK_OK)
                rc = lk_acquire(t, &a, LK_X, LK_WAIT);
            sched_yield();
            if (rc == LK_OK)
                rc = lk_acquire(t, &b, LK_X, LK_WAIT);
            if (rc == LK_DEADLOCK) {
                atomic_fetch_add(&deadlocks, 1);
                lk_release_all(t); /* rollback: nothing was written yet */
                continue;
            }
            cr_assert_eq(rc, LK_OK, "%s", lk_txn_errmsg(t));
            cr_assert_eq(balance[from], seen, "balance changed under an S lock");
            balance[from] -= amount;
            balance[to] += amount;
            lk_release_all(t); /* commit */
            atomic_fetch_add(&commits, 1);
            break;
        }
    }
    lk_txn_destroy(t);
    return NULL;
}

Test(scenario, concurrent_transfers_conserve_money_and_always_finish, .timeout = 60)
{
    lk_mgr *m = mgr_with(0, 0, 0); /* no timeouts: only deadlock detection can save us */
    for (int i = 0; i < NACCOUNTS; i++)
        balance[i] = 1000;
    pthread_t th[NWORKERS];
    struct teller tl[NWORKERS];
    for (int i = 0; i < NWORKERS; i++) {
        tl[i] = (struct teller){m, 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1)};
        cr_assert_eq(pthread_create(&th[i], NULL, teller_main, &tl[i]), 0);
    }
    for (int i = 0; i < NWORKERS; i++)
        pthread_join(th[i], NULL);
    long total = 0;
    for (int i = 0; i < NACCOUNTS; i++)
        total += balance[i];
    cr_assert_eq(total, 1000L * NACCOUNTS, "money appeared or vanished: %ld", total);
    cr_assert_eq(atomic_load(&commits), NWORKERS * NTRANSFERS);
    lk_stats_t st;
    lk_stats_get(m, &st);
    cr_assert_eq((long)st.deadlocks, atomic_load(&deadlocks));
    cr_assert_gt(atomic_load(&deadlocks), 0, "the scenario must produce deadlocks to mean anything");
    cr_log_info("transfers: %ld commits, %ld deadlocks resolved", atomic_load(&commits),
                atomic_load(&deadlocks));
    lk_mgr_destroy(m);
}

/* Two inserts of the same UNIQUE payment reference: the second waits on the key lock (the row
 * does not exist yet), and proceeds — to find the duplicate — only when the first commits. */
Test(scenario, duplicate_payment_reference_waits_for_the_first_insert)
{
    lk_mgr *m = mgr_with(0, 0, 0);
    actor t1, t2;
    actors_start(m, &t1, &t2, NULL);
    const char ref[] = "INV-2026-0042";
    lk_res_t key = lk_res_key(7, 1, ref, sizeof ref - 1);
    cr_assert_eq(actor_acquire(&t1, key, LK_X, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t1, lk_res_row(7, 100), LK_X, LK_WAIT), LK_OK);
    actor_submit(&t2, key, LK_X, LK_WAIT);
    wait_blocked(m, 2);
    assert_still_blocked(&t2, 50, "second insert of the same reference went ahead");
    actor_release(&t1, 0);
    cr_assert_eq(actor_result(&t2, 2000), LK_OK);
    actors_stop(m, &t1, &t2, NULL);
}
