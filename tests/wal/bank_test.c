/*
 * bank_test.c — the article's story on real B+trees (tests/common/bank.h): Alice pays Bob,
 * some payments are refused or rolled back, workers race and deadlock, the power fails; the
 * bank must balance to the cent. The long, many-seed version is the crash harness
 * (tests/crash/); these run in every build, ThreadSanitizer included.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pager/os_fault.h"
#include "pager/status.h"
#include "tests/common/bank.h"
#include "tests/common/fixture.h"

static const char *db; /* fx_db: "test.db" in this test's temporary directory */

static void setup(void)
{
    fx_begin("bank", 0);
    db = fx_db;
}

TestSuite(bank, .init = setup, .fini = fx_end);

enum { WORKERS = 4, PER_WORKER = 150, NIDS = WORKERS * PER_WORKER + 1 };

typedef struct worker {
    bank *b;
    int w;
    uint64_t seed;
    uint8_t *committed, *aborted; /* each worker writes only its own ids */
    int deadlocks;
} worker;

static void *worker_run(void *arg)
{
    worker *wk = arg;
    uint64_t s = wk->seed;
    for (int i = 0; i < PER_WORKER; i++) {
        uint64_t id = 1 + (uint64_t)wk->w * PER_WORKER + (uint64_t)i;
        /* Half the transfers touch four hot accounts: contention and deadlocks. */
        uint64_t span = fx_xorshift(&s) % 2 ? 4 : (uint64_t)wk->b->naccounts;
        int64_t from = 1 + (int64_t)(fx_xorshift(&s) % span), to = 1 + (int64_t)(fx_xorshift(&s) % span);
        if (from == to)
            to = from % wk->b->naccounts + 1;
        int dl;
        int out = bank_transfer(wk->b, from, to, (int64_t)(fx_xorshift(&s) % 900), id, &dl);
        wk->deadlocks += dl;
        if (out == XFER_COMMITTED)
            wk->committed[id] = 1;
        else if (out == XFER_ABORTED)
            wk->aborted[id] = 1;
        else
            break; /* an I/O error: the power is off */
    }
    return NULL;
}

static int run_workers(bank *b, uint64_t seed, uint8_t *committed, uint8_t *aborted)
{
    worker wk[WORKERS];
    pthread_t th[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        wk[i] = (worker){.b = b, .w = i, .seed = seed * 31 + (uint64_t)i + 1,
                         .committed = committed, .aborted = aborted};
        cr_assert_eq(pthread_create(&th[i], NULL, worker_run, &wk[i]), 0);
    }
    int deadlocks = 0;
    for (int i = 0; i < WORKERS; i++) {
        void *res;
        pthread_join(th[i], &res);
        cr_assert_null(res);
        deadlocks += wk[i].deadlocks;
    }
    return deadlocks;
}

static void check(bank *b, const uint8_t *committed, const uint8_t *aborted, uint64_t seed)
{
    char why[512];
    cr_assert_eq(bank_check(b, committed, aborted, NIDS, why, sizeof why), 0, "seed %llu: %s",
                 (unsigned long long)seed, why);
}

Test(bank, transfers_rollbacks_and_clean_reopen)
{
    static uint8_t committed[NIDS], aborted[NIDS];
    bank b;
    cr_assert_eq(bank_open(&b, db, NULL), ST_OK, "%s", st_msg());
    int deadlocks = run_workers(&b, fx_seed(NULL, 5), committed, aborted);
    check(&b, committed, aborted, 5);
    cr_assert_eq(bank_close(&b), ST_OK, "%s", st_msg());
    char walpath[160];
    snprintf(walpath, sizeof walpath, "%s-wal", db);
    cr_assert_neq(access(walpath, F_OK), 0, "a cleanly closed database is one file");
    cr_assert_eq(bank_open(&b, db, NULL), ST_OK, "%s", st_msg());
    cr_assert_eq(txm_last_recovery(b.tm)->needed, 0);
    check(&b, committed, aborted, 5);
    cr_assert_eq(bank_close(&b), ST_OK);
    cr_log_info("bank: %d deadlocks detected (each victim rolled back)", deadlocks);
}

/* Four workers move money concurrently under strict 2PL, deadlocking now and then, on a
 * database that was closed and reopened first (LSNs must go on growing across a clean close);
 * the power fails at a random fdatasync. After recovery the bank balances to the cent. */
Test(bank, concurrent_transfers_with_deadlocks_and_power_loss)
{
    uint64_t seed0 = fx_seed(NULL, 2000);
    int deadlocks = 0;
    for (uint64_t seed = seed0; seed < seed0 + 6; seed++) {
        fx_end();
        setup();
        os_fault *f;
        cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
        bank b;
        bank_options o = {.vfs = os_fault_vfs(f)};
        cr_assert_eq(bank_open(&b, db, &o), ST_OK, "%s", st_msg());
        cr_assert_eq(bank_close(&b), ST_OK, "%s", st_msg());
        cr_assert_eq(bank_open(&b, db, &o), ST_OK, "%s", st_msg());
        static uint8_t committed[NIDS], aborted[NIDS];
        memset(committed, 0, sizeof committed);
        memset(aborted, 0, sizeof aborted);
        uint64_t s = seed;
        if (seed % 3 != 0) /* some runs end without a cut: a plain crash after the workload */
            os_fault_inject(f, OSF_SYNC, 20 + fx_xorshift(&s) % 300, OSF_CUT, 0);
        deadlocks += run_workers(&b, seed, committed, aborted);
        bank_abandon(&b);
        os_fault_reset_power(f);
        os_fault_clear(f);
        cr_assert_eq(bank_open(&b, db, &o), ST_OK, "seed %llu: %s", (unsigned long long)seed,
                     st_msg());
        check(&b, committed, aborted, seed);
        cr_assert_eq(bank_close(&b), ST_OK, "%s", st_msg());
        os_fault_free(f);
    }
    cr_log_info("concurrent bank: %d deadlocks detected (each victim rolled back)", deadlocks);
    cr_assert_gt(deadlocks, 0, "the workload never deadlocked: it tests less than it says");
}
