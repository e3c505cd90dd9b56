/*
 * bank_test.c — the banking stories of the article, end to end through the public API:
 * atomic transfers, overdrafts refused, a committed deposit surviving a crash (a child process
 * killed without closing), Alice->Bob and Bob->Alice at once (one deadlock victim retries,
 * money conserved), duplicate webhooks (one unique payment reference wins), lost updates and
 * write skew prevented, and SKIP LOCKED handing each worker a different job.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/engine/util.h"

static acidb_db *db;

static void setup(void)
{
    eng_setup();
    db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, "
              "balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0))");
    fx_ok(c, "CREATE TABLE transfers (id BIGSERIAL PRIMARY KEY, ref TEXT UNIQUE NOT NULL, "
              "src INTEGER NOT NULL REFERENCES accounts(id), "
              "dst INTEGER NOT NULL REFERENCES accounts(id), amount INTEGER NOT NULL CHECK (amount > 0))");
    fx_ok(c, "INSERT INTO accounts VALUES (1, 'alice', 1000), (2, 'bob', 1000)");
    acidb_disconnect(c);
}

static void teardown(void)
{
    if (db)
        cr_expect_eq(acidb_close(db), ACIDB_OK);
    db = NULL;
    eng_teardown();
}

TestSuite(bank, .init = setup, .fini = teardown, .timeout = 60);

static _Thread_local char last_state[6];

/* One transfer as an application writes it; returns the code of the first failure (its
 * SQLSTATE in last_state). */
static int transfer(acidb_conn *c, int src, int dst, int amount, const char *ref)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "BEGIN;"
             "UPDATE accounts SET balance = balance - %d WHERE id = %d;"
             "UPDATE accounts SET balance = balance + %d WHERE id = %d;"
             "INSERT INTO transfers (ref, src, dst, amount) VALUES ('%s', %d, %d, %d);"
             "COMMIT", amount, src, amount, dst, ref, src, dst, amount);
    int rc = acidb_exec(c, sql);
    snprintf(last_state, sizeof last_state, "%s", acidb_sqlstate(c));
    if (rc != ACIDB_OK)
        acidb_exec(c, "ROLLBACK");
    return rc;
}

static long long total(acidb_conn *c) { return fx_int(c, "SELECT sum(balance) FROM accounts"); }

Test(bank, atomic_transfer_and_overdraft)
{
    acidb_conn *c = fx_connect(db);
    cr_assert_eq(transfer(c, 1, 2, 300, "t1"), ACIDB_OK);
    cr_expect_eq(fx_int(c, "SELECT balance FROM accounts WHERE id = 1"), 700);
    cr_expect_eq(fx_int(c, "SELECT balance FROM accounts WHERE id = 2"), 1300);
    /* Overdraw: the CHECK refuses, nothing of the transfer remains. */
    cr_assert_eq(transfer(c, 1, 2, 5000, "t2"), ACIDB_CONSTRAINT);
    cr_expect_eq(fx_int(c, "SELECT balance FROM accounts WHERE id = 1"), 700);
    cr_expect_eq(fx_int(c, "SELECT count(*) FROM transfers"), 1);
    cr_expect_eq(total(c), 2000);
    acidb_disconnect(c);
}

Test(bank, committed_deposit_survives_a_crash)
{
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    db = NULL;
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        /* The child: durable commit, then dies without closing anything. */
        acidb_db *d;
        acidb_options o = acidb_default_options();
        if (acidb_open(fx_db, &o, &d) != ACIDB_OK)
            _exit(2);
        acidb_conn *k;
        acidb_connect(d, &k);
        if (acidb_exec(k, "UPDATE accounts SET balance = balance + 250 WHERE id = 2") != ACIDB_OK)
            _exit(3);
        acidb_exec(k, "BEGIN; UPDATE accounts SET balance = 0 WHERE id = 1"); /* never committed */
        kill(getpid(), SIGKILL);
        _exit(4);
    }
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status), "child exited with %d", WEXITSTATUS(status));
    db = eng_open(0);
    int ran = 0;
    acidb_recovery_info(db, &ran, NULL, NULL);
    cr_expect(ran, "recovery should have run");
    acidb_conn *c = fx_connect(db);
    cr_expect_eq(fx_int(c, "SELECT balance FROM accounts WHERE id = 2"), 1250);
    cr_expect_eq(fx_int(c, "SELECT balance FROM accounts WHERE id = 1"), 1000);
    acidb_disconnect(c);
}

/* ---- two threads at once -------------------------------------------------------------------- */

static pthread_barrier_t barrier;

/* Runs fn(a) and fn(b) on two threads that start together (each waits on `barrier`), and
 * waits for both. */
static void race(void *(*fn)(void *), void *a, void *b)
{
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, fn, a);
    pthread_create(&t2, NULL, fn, b);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_barrier_destroy(&barrier);
}

typedef struct worker {
    int src, dst;
    const char *ref;
    int deadlocks, result;
} worker;

/* Takes the first row lock, waits for the other thread to take its own, then goes for the
 * other's row: a deadlock every time; the victim retries. */
static void *crossing(void *arg)
{
    worker *w = arg;
    acidb_conn *c = fx_connect(db);
    for (int attempt = 0; attempt < 10; attempt++) {
        char sql[200];
        acidb_exec(c, "BEGIN");
        snprintf(sql, sizeof sql, "UPDATE accounts SET balance = balance - 100 WHERE id = %d", w->src);
        int rc = acidb_exec(c, sql);
        if (attempt == 0)
            pthread_barrier_wait(&barrier);
        if (rc == ACIDB_OK) {
            snprintf(sql, sizeof sql, "UPDATE accounts SET balance = balance + 100 WHERE id = %d", w->dst);
            rc = acidb_exec(c, sql);
        }
        if (rc == ACIDB_OK) {
            snprintf(sql, sizeof sql, "INSERT INTO transfers (ref, src, dst, amount) VALUES ('%s', %d, %d, 100)",
                     w->ref, w->src, w->dst);
            rc = acidb_exec(c, sql);
        }
        if (rc == ACIDB_OK)
            rc = acidb_exec(c, "COMMIT");
        if (rc == ACIDB_OK) {
            w->result = ACIDB_OK;
            break;
        }
        if (rc == ACIDB_DEADLOCK) {
            cr_expect_str_eq(acidb_sqlstate(c), "40P01");
            w->deadlocks++;
        }
        acidb_exec(c, "ROLLBACK");
        w->result = rc;
    }
    acidb_disconnect(c);
    return NULL;
}

Test(bank, crossing_transfers_one_deadlock_both_applied)
{
    worker a = {1, 2, "a->b", 0, -1}, b = {2, 1, "b->a", 0, -1};
    race(crossing, &a, &b);
    cr_expect_eq(a.result, ACIDB_OK);
    cr_expect_eq(b.result, ACIDB_OK);
    cr_expect_eq(a.deadlocks + b.deadlocks, 1, "deadlocks: %d + %d", a.deadlocks, b.deadlocks);
    acidb_conn *c = fx_connect(db);
    cr_expect_eq(total(c), 2000);
    cr_expect_eq(fx_int(c, "SELECT count(*) FROM transfers"), 2);
    cr_expect_eq(fx_int(c, "SELECT balance FROM accounts WHERE id = 1"), 1000);
    acidb_disconnect(c);
}

/* Duplicate webhooks: the same payment reference inserted by two workers at once. */
static atomic_int dup_ok, dup_unique;

static void *webhook(void *arg)
{
    (void)arg;
    acidb_conn *c = fx_connect(db);
    pthread_barrier_wait(&barrier);
    int rc = transfer(c, 1, 2, 10, "webhook-42");
    if (rc == ACIDB_OK)
        atomic_fetch_add(&dup_ok, 1);
    else if (rc == ACIDB_CONSTRAINT && strcmp(last_state, "23505") == 0)
        atomic_fetch_add(&dup_unique, 1);
    else if (rc == ACIDB_DEADLOCK) /* both debited alice first: not possible, but retry-safe */
        atomic_fetch_add(&dup_unique, 100);
    acidb_disconnect(c);
    return NULL;
}

Test(bank, duplicate_webhook_exactly_one_applies)
{
    for (int round = 0; round < 5; round++) {
        char ref[64];
        snprintf(ref, sizeof ref, "DELETE FROM transfers");
        acidb_conn *c = fx_connect(db);
        fx_ok(c, ref);
        fx_ok(c, "UPDATE accounts SET balance = 1000");
        acidb_disconnect(c);
        atomic_store(&dup_ok, 0);
        atomic_store(&dup_unique, 0);
        race(webhook, NULL, NULL);
        cr_expect_eq(atomic_load(&dup_ok), 1);
        cr_expect_eq(atomic_load(&dup_unique), 1);
        c = fx_connect(db);
        cr_expect_eq(fx_int(c, "SELECT balance FROM accounts WHERE id = 1"), 990);
        cr_expect_eq(fx_int(c, "SELECT count(*) FROM transfers"), 1);
        acidb_disconnect(c);
    }
}

/* Lost update: read the balance, compute in the application, write it back. */
static void *read_modify_write(void *arg)
{
    int *applied = arg;
    acidb_conn *c = fx_connect(db);
    pthread_barrier_wait(&barrier);
    for (int attempt = 0; attempt < 20; attempt++) {
        acidb_exec(c, "BEGIN");
        acidb_stmt *s;
        if (acidb_prepare(c, "SELECT balance FROM accounts WHERE id = 1", &s) != ACIDB_OK)
            break;
        int rc = acidb_step(s);
        long long bal = acidb_column_int64(s, 0);
        acidb_finalize(s);
        usleep(20000); /* both have read */
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE accounts SET balance = %lld WHERE id = 1", bal + 50);
        if (rc == ACIDB_ROW)
            rc = acidb_exec(c, sql);
        if (rc == ACIDB_OK)
            rc = acidb_exec(c, "COMMIT");
        if (rc == ACIDB_OK) {
            (*applied)++;
            break;
        }
        acidb_exec(c, "ROLLBACK");
    }
    acidb_disconnect(c);
    return NULL;
}

Test(bank, lost_update_prevented)
{
    int a = 0, b = 0;
    race(read_modify_write, &a, &b);
    cr_expect_eq(a + b, 2);
    acidb_conn *c = fx_connect(db);
    cr_expect_eq(fx_int(c, "SELECT balance FROM accounts WHERE id = 1"), 1100,
                 "both +50 must be applied, none lost");
    acidb_disconnect(c);
}

/* Write skew: "alice and bob together must keep at least 1000"; each withdraws 600 from a
 * different account after checking the sum. Serializable: at most one succeeds. */
static void *skew(void *arg)
{
    int *who = arg;
    acidb_conn *c = fx_connect(db);
    pthread_barrier_wait(&barrier);
    for (int attempt = 0; attempt < 20; attempt++) {
        acidb_exec(c, "BEGIN");
        acidb_stmt *s;
        acidb_prepare(c, "SELECT sum(balance) FROM accounts WHERE id IN (1, 2)", &s);
        int rc = acidb_step(s);
        long long sum = acidb_column_int64(s, 0);
        acidb_finalize(s);
        usleep(20000);
        if (rc == ACIDB_ROW && sum - 600 >= 1000) {
            char sql[128];
            snprintf(sql, sizeof sql, "UPDATE accounts SET balance = balance - 600 WHERE id = %d", *who);
            rc = acidb_exec(c, sql);
        } else if (rc == ACIDB_ROW) {
            rc = ACIDB_OK; /* refused by the application: would break the rule */
        }
        if (rc == ACIDB_OK)
            rc = acidb_exec(c, "COMMIT");
        if (rc == ACIDB_OK)
            break;
        acidb_exec(c, "ROLLBACK");
    }
    acidb_disconnect(c);
    return NULL;
}

Test(bank, write_skew_prevented)
{
    int a = 1, b = 2;
    race(skew, &a, &b);
    acidb_conn *c = fx_connect(db);
    cr_expect_geq(total(c), 1000, "write skew: the sum fell to %lld", total(c));
    cr_expect_eq(total(c), 1400);
    acidb_disconnect(c);
}

/* Job queue: SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1 gives each worker a different job. */
static atomic_int got[8];

static void *job_worker(void *arg)
{
    (void)arg;
    acidb_conn *c = fx_connect(db);
    acidb_exec(c, "BEGIN");
    acidb_stmt *s;
    cr_assert_eq(acidb_prepare(c, "SELECT id FROM jobs WHERE state = 'pending' ORDER BY id "
                                  "LIMIT 1 FOR UPDATE SKIP LOCKED", &s), ACIDB_OK);
    int rc = acidb_step(s);
    long long id = rc == ACIDB_ROW ? acidb_column_int64(s, 0) : -1;
    acidb_finalize(s);
    if (id >= 1 && id <= 8)
        atomic_fetch_add(&got[id - 1], 1);
    pthread_barrier_wait(&barrier); /* every worker holds its job before anyone commits */
    char sql[96];
    snprintf(sql, sizeof sql, "UPDATE jobs SET state = 'done' WHERE id = %lld", id);
    acidb_exec(c, sql);
    acidb_exec(c, "COMMIT");
    acidb_disconnect(c);
    return NULL;
}

Test(bank, skip_locked_hands_out_distinct_jobs)
{
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL)");
    fx_ok(c, "INSERT INTO jobs VALUES (1,'pending'),(2,'pending'),(3,'pending'),(4,'pending'),"
              "(5,'pending'),(6,'pending')");
    pthread_barrier_init(&barrier, NULL, 4);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, job_worker, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&barrier);
    int handed = 0;
    for (int i = 0; i < 8; i++) {
        cr_expect_leq(atomic_load(&got[i]), 1, "job %d handed out twice", i + 1);
        handed += atomic_load(&got[i]);
    }
    cr_expect_eq(handed, 4);
    cr_expect_eq(fx_int(c, "SELECT count(*) FROM jobs WHERE state = 'done'"), 4);
    acidb_disconnect(c);
}
