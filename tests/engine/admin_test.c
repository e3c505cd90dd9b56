/*
 * admin_test.c — the administration API: integrity check, statistics, lock snapshot.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/engine/util.h"

static void count_problem(void *ctx, uint64_t page, const char *msg)
{
    (void)page;
    (void)msg;
    (*(int *)ctx)++;
}

Test(admin, check_is_clean_after_ddl_and_dml, .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, v INTEGER)");
    fx_ok(c, "CREATE INDEX t_v ON t (v)");
    for (int i = 0; i < 50; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, 'name-%d-%0100d', %d)", i, i, i, i % 7);
        fx_ok(c, sql);
    }
    fx_ok(c, "DELETE FROM t WHERE v = 3");
    fx_ok(c, "BEGIN; CREATE TABLE gone (x TEXT); INSERT INTO gone VALUES ('a'); ROLLBACK");
    fx_ok(c, "CREATE TABLE dropped (x TEXT PRIMARY KEY); INSERT INTO dropped VALUES ('b')");
    fx_ok(c, "DROP TABLE dropped");
    int reported = 0;
    uint64_t problems = 99;
    cr_assert_eq(acidb_check(db, count_problem, &reported, &problems), ACIDB_OK);
    cr_expect_eq(problems, 0, "integrity problems: %llu", (unsigned long long)problems);
    cr_expect_eq(reported, 0);
    acidb_stats st;
    cr_assert_eq(acidb_get_stats(db, &st), ACIDB_OK);
    cr_expect_geq(st.commits, 50);
    cr_expect_geq(st.rollbacks, 1);
    cr_expect_gt(st.db_pages, 3);
    cr_expect_eq(acidb_checkpoint(db), ACIDB_OK);
    acidb_disconnect(c);
    cr_expect_eq(acidb_close(db), ACIDB_OK);
}

static acidb_db *ldb;
static int saw_wait;

static void on_lock(void *ctx, const acidb_lock_info *l)
{
    uint64_t holder = *(uint64_t *)ctx;
    if (l->waiting && strcmp(l->object, "t") == 0 && strcmp(l->resource, "row 1") == 0 &&
        l->nblockers == 1 && l->blockers[0] == holder && strcmp(l->mode, "X") == 0)
        saw_wait = 1;
}

static void *blocked_update(void *arg)
{
    (void)arg;
    acidb_conn *c = fx_connect(ldb);
    acidb_exec(c, "UPDATE t SET v = 2 WHERE id = 1");
    acidb_disconnect(c);
    return NULL;
}

Test(admin, lock_snapshot_shows_who_waits_for_whom, .init = eng_setup, .fini = eng_teardown)
{
    ldb = eng_open(0);
    acidb_conn *c = fx_connect(ldb);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
    fx_ok(c, "INSERT INTO t VALUES (1, 0)");
    fx_ok(c, "BEGIN; UPDATE t SET v = 1 WHERE id = 1");
    uint64_t holder = acidb_txn_id(c);
    cr_assert_neq(holder, 0);
    pthread_t th;
    pthread_create(&th, NULL, blocked_update, NULL);
    for (int i = 0; i < 200 && !saw_wait; i++) {
        usleep(10000);
        cr_assert_eq(acidb_locks(ldb, on_lock, &holder), ACIDB_OK);
    }
    cr_expect(saw_wait, "the waiting UPDATE never showed in the lock snapshot");
    fx_ok(c, "COMMIT");
    pthread_join(th, NULL);
    cr_expect_eq(fx_int(c, "SELECT v FROM t WHERE id = 1"), 2);
    acidb_disconnect(c);
    cr_expect_eq(acidb_close(ldb), ACIDB_OK);
}

static acidb_conn *victim;
static int victim_rc;

static void *blocked_then_cancelled(void *arg)
{
    (void)arg;
    victim_rc = acidb_exec(victim, "UPDATE t SET v = 3 WHERE id = 1");
    return NULL;
}

Test(admin, interrupt_ends_a_lock_wait, .init = eng_setup, .fini = eng_teardown)
{
    ldb = eng_open(0);
    acidb_conn *c = fx_connect(ldb);
    victim = fx_connect(ldb);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
    fx_ok(c, "INSERT INTO t VALUES (1, 0)");
    fx_ok(c, "BEGIN; UPDATE t SET v = 1 WHERE id = 1");
    pthread_t th;
    pthread_create(&th, NULL, blocked_then_cancelled, NULL);
    uint64_t holder = acidb_txn_id(c);
    saw_wait = 0;
    for (int i = 0; i < 200 && !saw_wait; i++) {
        usleep(10000);
        acidb_locks(ldb, on_lock, &holder);
    }
    cr_assert(saw_wait);
    cr_assert_eq(acidb_interrupt(victim), ACIDB_OK);
    pthread_join(th, NULL);
    cr_expect_eq(victim_rc, ACIDB_CANCELED, "rc %d %s", victim_rc, acidb_errmsg(victim));
    cr_expect_str_eq(acidb_sqlstate(victim), "57014");
    fx_ok(c, "COMMIT");
    cr_expect_eq(fx_int(c, "SELECT v FROM t WHERE id = 1"), 1);
    acidb_disconnect(victim);
    acidb_disconnect(c);
    cr_expect_eq(acidb_close(ldb), ACIDB_OK);
}

Test(admin, nowait_and_lock_timeout_are_55P03, .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *a = fx_connect(db), *b = fx_connect(db);
    fx_ok(a, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
    fx_ok(a, "INSERT INTO t VALUES (1, 0), (2, 0)");
    fx_ok(a, "BEGIN; SELECT v FROM t WHERE id = 1 FOR UPDATE");
    cr_expect_eq(fx_fails(b, "SELECT v FROM t WHERE id = 1 FOR UPDATE NOWAIT", "55P03"),
                 ACIDB_LOCK_TIMEOUT);
    fx_ok(b, "SET lock_timeout = 50");
    cr_expect_eq(fx_fails(b, "UPDATE t SET v = 1 WHERE id = 1", "55P03"), ACIDB_LOCK_TIMEOUT);
    fx_fails(b, "SET lock_timeout = 'soon'", "22023");
    fx_fails(b, "SET no_such_setting = 1", "42704");
    /* the other row is free */
    fx_ok(b, "UPDATE t SET v = 2 WHERE id = 2");
    fx_ok(a, "COMMIT");
    fx_ok(b, "UPDATE t SET v = 1 WHERE id = 1");
    acidb_disconnect(a);
    acidb_disconnect(b);
    cr_expect_eq(acidb_close(db), ACIDB_OK);
}
