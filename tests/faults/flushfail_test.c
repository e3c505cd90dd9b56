/*
 * flushfail_test.c — a ROLLBACK whose log records were in a group-commit flush that failed
 * answers 58030 (an I/O error), never XX001 (corruption).
 *
 * The story: connection A updates a row and has not committed; its update record sits in the
 * log's append buffer. Connection B commits: its flush takes the whole buffer, A's record
 * included, and the log's fdatasync fails. A then rolls back: undo must read its own update
 * record, which is neither in the append buffer any more nor durably in the file. Reading it
 * from the file would find bytes that do not verify (the fault layer, like Linux after a
 * failed fsync, dropped the pending writes) and call that corruption; the right answer is the
 * I/O error that made the database fail-stop (wal/README.md, "Fail-stop"). Two orders are
 * run: the rollback after the flush failed, and the rollback while the flush is still in
 * flight (it must wait for the leader, then see its failure). Either way the database,
 * reopened, holds neither change and is clean.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine/testhooks.h"
#include "pager/os_fault.h"
#include "tests/faults/util.h"

TestSuite(flushfail, .init = ft_setup, .fini = ft_teardown);

/* The sync hook: the first log sync after `armed` is set stops until `go` is set. */
typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int armed, reached, go;
} gate;

static gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0};

static void on_sync(void *ctx, const char *path)
{
    (void)ctx;
    size_t n = strlen(path);
    if (n < 4 || strcmp(path + n - 4, "-wal") != 0)
        return;
    pthread_mutex_lock(&g.mu);
    if (g.armed && !g.reached) {
        g.reached = 1;
        pthread_cond_broadcast(&g.cv);
        while (!g.go)
            pthread_cond_wait(&g.cv, &g.mu);
    }
    pthread_mutex_unlock(&g.mu);
}

typedef struct job {
    acidb_conn *c;
    const char *sql;
    int rc;
    char state[6];
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->rc = acidb_exec(j->c, j->sql);
    snprintf(j->state, sizeof j->state, "%s", acidb_sqlstate(j->c));
    return NULL;
}

static void open_bank(os_fault **f, acidb_db **db, acidb_conn **a, acidb_conn **b)
{
    cr_assert_eq(os_fault_new(NULL, 42, f), 0);
    os_fault_set_sync_hook(*f, on_sync, NULL);
    *db = ft_open(NULL, os_fault_vfs(*f), 256);
    *a = fx_connect(*db);
    *b = fx_connect(*db);
    fx_ok(*a, "CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)");
    fx_ok(*a, "INSERT INTO acct VALUES (1, 100), (2, 100)");
    fx_ok(*a, "BEGIN");
    fx_ok(*a, "UPDATE acct SET balance = balance - 30 WHERE id = 1");
    fx_ok(*b, "BEGIN");
    fx_ok(*b, "UPDATE acct SET balance = balance + 30 WHERE id = 2");
    /* B's COMMIT leads the next flush (A's update included) and its fdatasync fails. */
    os_fault_inject(*f, OSF_SYNC, 1, OSF_EIO, 0);
}

static void reopen_and_verify(void)
{
    acidb_db *db = ft_open(NULL, NULL, 256);
    acidb_conn *c = fx_connect(db);
    cr_expect_eq(fx_int(c, "SELECT balance FROM acct WHERE id = 1"), 100,
                 "A rolled back: its debit must not survive recovery");
    cr_expect_eq(fx_int(c, "SELECT balance FROM acct WHERE id = 2"), 100,
                 "B's commit failed: its flush never became durable");
    fx_check_clean(db, "after recovery");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

static void expect_io_error(const char *who, int rc, const char *state)
{
    cr_expect_eq(rc, ACIDB_IOERR, "%s: rc %d (%s), expected ACIDB_IOERR", who, rc, state);
    cr_expect_str_eq(state, "58030", "%s answered SQLSTATE %s", who, state);
}

Test(flushfail, rollback_after_the_failed_flush_answers_58030)
{
    os_fault *f;
    acidb_db *db;
    acidb_conn *a, *b;
    open_bank(&f, &db, &a, &b);
    int rc = acidb_exec(b, "COMMIT");
    expect_io_error("B's COMMIT", rc, acidb_sqlstate(b));
    rc = acidb_exec(a, "ROLLBACK");
    expect_io_error("A's ROLLBACK", rc, acidb_sqlstate(a));
    cr_expect(acidb_test_failed(db), "the engine fail-stopped");
    acidb_disconnect(a);
    acidb_disconnect(b);
    acidb_test_abandon(db);
    os_fault_free(f);
    reopen_and_verify();
}

Test(flushfail, rollback_during_the_failing_flush_waits_and_answers_58030)
{
    os_fault *f;
    acidb_db *db;
    acidb_conn *a, *b;
    open_bank(&f, &db, &a, &b);
    pthread_mutex_lock(&g.mu);
    g.armed = 1;
    g.reached = g.go = 0;
    pthread_mutex_unlock(&g.mu);

    job jb = {.c = b, .sql = "COMMIT"}, ja = {.c = a, .sql = "ROLLBACK"};
    pthread_t tb, ta;
    cr_assert_eq(pthread_create(&tb, NULL, run_job, &jb), 0);
    pthread_mutex_lock(&g.mu);
    while (!g.reached) /* B leads the flush and is now inside its fdatasync */
        pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);
    cr_assert_eq(pthread_create(&ta, NULL, run_job, &ja), 0);
    /* Give A time to reach its own record, which is in the flush in flight (it must wait for
     * the leader rather than read the file). If A is slower, the test still checks the first
     * order's answer; it cannot pass wrongly. */
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&g.mu);
    g.go = 1;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    pthread_join(tb, NULL);
    pthread_join(ta, NULL);
    expect_io_error("B's COMMIT", jb.rc, jb.state);
    expect_io_error("A's ROLLBACK", ja.rc, ja.state);
    acidb_disconnect(a);
    acidb_disconnect(b);
    acidb_test_abandon(db);
    os_fault_free(f);
    reopen_and_verify();
}
