/*
 * misuse_test.c — the API used wrongly: closing a database with connections open, a bind that
 * fails after an earlier one, a read-only file, one connection used from two threads at once
 * (refused with ACIDB_MISUSE), a statement whose transaction another ended.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/faults/util.h"

TestSuite(misuse, .init = ft_setup, .fini = ft_teardown);

Test(misuse, close_with_connections_open_is_refused_and_changes_nothing)
{
    acidb_db *db = ft_open(NULL, NULL, 64);
    acidb_conn *a = fx_connect(db), *b = fx_connect(db);
    fx_ok(a, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    fx_ok(a, "BEGIN");
    fx_ok(a, "INSERT INTO t VALUES (1, 'in a block')");
    cr_assert_eq(acidb_close(db), ACIDB_MISUSE, "close with two connections open");
    cr_assert(strstr(acidb_open_errmsg(), "connection(s) still open") != NULL, "message: %s",
              acidb_open_errmsg());
    /* Nothing was closed: both sessions go on, the block commits. */
    fx_ok(a, "COMMIT");
    cr_assert_eq(fx_int(b, "SELECT count(*) FROM t"), 1);
    acidb_disconnect(a);
    cr_assert_eq(acidb_close(db), ACIDB_MISUSE, "close with one connection open");
    acidb_disconnect(b);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    db = ft_open(NULL, NULL, 64);
    a = fx_connect(db);
    cr_assert_eq(fx_int(a, "SELECT count(*) FROM t"), 1);
    acidb_disconnect(a);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* A bind that fails must not leave the parameter pointing at freed text (ASan
 * reports the use after free; the plain build sees a NULL, not garbage). */
Test(misuse, failed_bind_leaves_null_not_freed_text)
{
    acidb_db *db = ft_open(NULL, NULL, 64);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    acidb_stmt *s;
    cr_assert_eq(acidb_prepare(c, "INSERT INTO t VALUES (1, $1)", &s), ACIDB_OK);
    cr_assert_eq(acidb_bind_text(s, 1, "hello, a value long enough to be reused", -1), ACIDB_OK);
    cr_assert_eq(acidb_bind_text(s, 1, "\xff", 1), ACIDB_RANGE, "invalid UTF-8 is refused");
    cr_assert_str_eq(acidb_sqlstate(c), "22021");
    char *junk = malloc(64); /* likely reuses the freed block */
    memset(junk, 'Z', 63);
    junk[63] = 0;
    cr_assert_eq(acidb_step(s), ACIDB_DONE, "%s", acidb_errmsg(c));
    acidb_finalize(s);
    free(junk);
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t WHERE v IS NULL"), 1,
                 "the parameter whose bind failed is NULL");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

static void make_db(void)
{
    acidb_db *db = ft_open(NULL, NULL, 64);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    fx_ok(c, "INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* chmod 0400: refused with a clear message for a normal user (tests/badinput covers it); root
 * bypasses file permissions, so as root the open succeeds and writes work — documented, not
 * an error of acidb. acidb_options.read_only opens it for everyone, and refuses writes. */
Test(misuse, read_only_file_by_mode)
{
    make_db();
    cr_assert_eq(chmod(fx_db, 0400), 0);
    acidb_options o = acidb_default_options();
    acidb_db *db = NULL;
    int rc = acidb_open(fx_db, &o, &db);
    if (geteuid() == 0) {
        cr_assert_eq(rc, ACIDB_OK, "as root a 0400 file opens: %s", acidb_open_errmsg());
        acidb_conn *c = fx_connect(db);
        fx_ok(c, "INSERT INTO t VALUES (3, 'root writes anyway')");
        acidb_disconnect(c);
        cr_assert_eq(acidb_close(db), ACIDB_OK);
    } else {
        cr_assert_eq(rc, ACIDB_CANTOPEN, "a 0400 file: %s", acidb_open_errmsg());
        cr_assert_null(db);
        cr_assert(strstr(acidb_open_errmsg(), fx_db) != NULL, "names the file: %s",
                  acidb_open_errmsg());
    }
    o.read_only = 1;
    rc = acidb_open(fx_db, &o, &db);
    cr_assert_eq(rc, ACIDB_OK, "read_only opens a 0400 file: %s", acidb_open_errmsg());
    acidb_conn *c = fx_connect(db);
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t"), geteuid() == 0 ? 3 : 2);
    cr_assert_eq(acidb_exec(c, "INSERT INTO t VALUES (4, 'four')"), ACIDB_READONLY);
    cr_assert_str_eq(acidb_sqlstate(c), "25006");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* A file that nobody may write, not even root: chattr +i (ext4 and most Linux file systems;
 * skipped where chattr is missing or unsupported). */
Test(misuse, immutable_file_is_refused_clearly_and_left_intact)
{
    make_db();
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "chattr +i '%s' 2>/dev/null", fx_db);
    if (system(cmd) != 0) {
        cr_skip_test("chattr +i is not available here");
        return;
    }
    struct stat before, after;
    cr_assert_eq(stat(fx_db, &before), 0);
    acidb_options o = acidb_default_options();
    acidb_db *db = NULL;
    int rc = acidb_open(fx_db, &o, &db);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", acidb_open_errmsg());
    snprintf(cmd, sizeof cmd, "chattr -i '%s'", fx_db);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(rc, ACIDB_CANTOPEN, "an immutable file: %s (%s)", acidb_errstr(rc), msg);
    cr_log_info("immutable file: %s", msg);
    cr_assert_null(db);
    cr_assert(strstr(msg, fx_db) != NULL && strstr(msg, "ermi") != NULL,
              "the message names the file and the reason: %s", msg);
    cr_assert_eq(stat(fx_db, &after), 0);
    cr_assert_eq(before.st_size, after.st_size);
    cr_assert_eq(before.st_mtime, after.st_mtime);
    db = ft_open(NULL, NULL, 64); /* once writable again, all is there */
    acidb_conn *c = fx_connect(db);
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t"), 2);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* ---- one connection, two threads ------------------------------------------------------------ */

/* acidb.h "Threads": a connection and its statements are used by one thread at a time, and
 * the rule is enforced: a call that finds another thread inside the connection
 * returns ACIDB_MISUSE and touches nothing. Two threads here prepare, bind, step, read,
 * reset and finalize statements of ONE connection as fast as they can: every call must either
 * work or be refused — no crash, no other error (the threads share one transaction when their
 * statements overlap; a statement whose transaction the other thread ended is stopped with
 * ACIDB_MISUSE 24000, see the next test). Run under ASan and TSan too. */
enum { RACE_ROUNDS = 2000 };

typedef struct racer {
    acidb_conn *c;
    int id;
    long ok, misuse, other, rows;
    int first_other;
    char other_msg[200];
} racer;

static int ok_or_misuse(racer *r, int rc, int ok)
{
    if (rc == ok)
        return 1;
    if (rc == ACIDB_MISUSE) {
        /* Not asking acidb_errmsg which kind: only a refusal's message is this thread's; the
         * connection's own error may be rewritten by the other thread meanwhile (TSan sees
         * that read race). The next test checks the messages. */
        r->misuse++;
        return 0;
    }
    if (r->other++ == 0) {
        r->first_other = rc;
        snprintf(r->other_msg, sizeof r->other_msg, "%s", acidb_errstr(rc));
    }
    return 0;
}

static acidb_stmt *race_prepare(racer *r, const char *sql)
{
    acidb_stmt *s = NULL;
    for (int i = 0; i < 1000000 && s == NULL; i++)
        if (!ok_or_misuse(r, acidb_prepare(r->c, sql, &s), ACIDB_OK) && r->other)
            return NULL;
    return s;
}

static void race_finalize(racer *r, acidb_stmt *s)
{
    int rc;
    while ((rc = acidb_finalize(s)) != ACIDB_OK)
        if (!ok_or_misuse(r, rc, ACIDB_OK) && rc != ACIDB_MISUSE)
            break; /* finalize freed it even if the commit failed */
}

static void *race(void *arg)
{
    racer *r = arg;
    acidb_stmt *sel = race_prepare(r, "SELECT v, id FROM t WHERE id = $1");
    acidb_stmt *upd = race_prepare(r, "UPDATE t SET v = v WHERE id = $1");
    acidb_stmt *scan = race_prepare(r, "SELECT id, v FROM t WHERE v <> 'x'");
    if (sel == NULL || upd == NULL || scan == NULL)
        return NULL;
    for (long i = 0; i < RACE_ROUNDS; i++) {
        acidb_stmt *s = i % 3 == 0 ? upd : i % 3 == 1 ? sel : scan;
        if (s != scan)
            ok_or_misuse(r, acidb_bind_int64(s, 1, 1 + (i + r->id) % 2), ACIDB_OK);
        int rc;
        while ((rc = acidb_step(s)) == ACIDB_ROW) {
            r->rows++;
            const char *v = acidb_column_text(s, s == scan);
            if (v != NULL && strcmp(v, "one") != 0 && strcmp(v, "two") != 0 && r->other++ == 0)
                snprintf(r->other_msg, sizeof r->other_msg, "a row with v = '%s'", v);
            (void)acidb_column_int64(s, s != scan);
        }
        if (ok_or_misuse(r, rc, ACIDB_DONE))
            r->ok++;
        (void)acidb_changes(r->c);
        ok_or_misuse(r, acidb_reset(s), ACIDB_OK);
    }
    race_finalize(r, sel);
    race_finalize(r, upd);
    race_finalize(r, scan);
    return NULL;
}

Test(misuse, one_connection_stepped_from_two_threads)
{
    make_db();
    acidb_db *db = ft_open(NULL, NULL, 64);
    acidb_conn *c = fx_connect(db);
    racer r[2] = {{.c = c, .id = 0}, {.c = c, .id = 1}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, race, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++) {
        cr_log_info("thread %d: %ld done, %ld MISUSE, %ld other, %ld rows", i, r[i].ok,
                    r[i].misuse, r[i].other, r[i].rows);
        cr_expect_eq(r[i].other, 0, "thread %d: %ld unexpected results, the first: %s", i,
                     r[i].other, r[i].other_msg);
    }
    cr_assert(r[0].ok + r[1].ok > 0, "some statements ran");
    /* The connection is usable afterwards, nothing is left open, nothing changed. */
    cr_assert_eq(acidb_txn_state(c), 'I');
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t WHERE v IN ('one', 'two')"), 2);
    cr_assert_eq(acidb_disconnect(c), ACIDB_OK);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    db = ft_open(NULL, NULL, 64);
    fx_check_clean(db, "after the race");
    acidb_close(db);
}

/* A refused call leaves the thread inside alone: thread A is stepping a statement that waits
 * for a row lock; meanwhile this thread's calls on the same connection are refused with
 * ACIDB_MISUSE, described to this thread (55006), and A's statement, error and transaction
 * are not disturbed. Deterministic: A is known to be inside (the lock table shows it
 * waiting), and is released by acidb_interrupt, the one call allowed from another thread. */
typedef struct waiter {
    acidb_conn *c;
    int rc;
    char state[6], msg[200];
} waiter;

static void *wait_step(void *arg)
{
    waiter *w = arg;
    acidb_stmt *s = NULL;
    cr_assert_eq(acidb_prepare(w->c, "UPDATE t SET v = 'A' WHERE id = 1", &s), ACIDB_OK);
    w->rc = acidb_step(s);
    snprintf(w->state, sizeof w->state, "%s", acidb_sqlstate(w->c));
    snprintf(w->msg, sizeof w->msg, "%s", acidb_errmsg(w->c));
    acidb_finalize(s);
    return NULL;
}

static void count_waiting(void *ctx, const acidb_lock_info *l)
{
    *(int *)ctx += l->waiting;
}

Test(misuse, call_refused_while_another_thread_is_inside_disturbs_nothing)
{
    make_db();
    acidb_db *db = ft_open(NULL, NULL, 64);
    acidb_conn *c = fx_connect(db), *holder = fx_connect(db);
    fx_ok(c, "SET lock_timeout = '60s'");
    fx_ok(holder, "BEGIN");
    fx_ok(holder, "UPDATE t SET v = 'held' WHERE id = 1");
    acidb_stmt *mine = NULL;
    cr_assert_eq(acidb_prepare(c, "SELECT v FROM t WHERE id = 2", &mine), ACIDB_OK);
    waiter w = {.c = c};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, wait_step, &w), 0);
    int waiting = 0;
    for (int i = 0; i < 6000 && waiting == 0; i++) {
        usleep(10000);
        acidb_locks(db, count_waiting, &waiting);
    }
    cr_assert_eq(waiting, 1, "thread A waits for the row lock");
    /* Every kind of call is refused, and says why to this thread. */
    acidb_stmt *s = NULL;
    cr_assert_eq(acidb_exec(c, "DELETE FROM t"), ACIDB_MISUSE);
    cr_assert_str_eq(acidb_sqlstate(c), "55006");
    cr_assert(strstr(acidb_errmsg(c), "acidb_exec: the connection is in use by another thread"),
              "%s", acidb_errmsg(c));
    cr_assert_eq(acidb_error_position(c), 0);
    cr_assert_eq(acidb_prepare(c, "SELECT 1", &s), ACIDB_MISUSE);
    cr_assert_null(s);
    cr_assert_eq(acidb_step(mine), ACIDB_MISUSE);
    cr_assert_eq(acidb_bind_int64(mine, 1, 1), ACIDB_MISUSE);
    cr_assert_eq(acidb_clear_bindings(mine), ACIDB_MISUSE);
    cr_assert_eq(acidb_reset(mine), ACIDB_MISUSE);
    cr_assert_eq(acidb_finalize(mine), ACIDB_MISUSE, "not freed: the statement stays valid");
    cr_assert_eq(acidb_column_count(mine), 0);
    cr_assert_null(acidb_column_text(mine, 0));
    cr_assert_eq(acidb_txn_state(c), 0);
    cr_assert_eq(acidb_txn_id(c), 0);
    cr_assert_str_eq(acidb_command_tag(c), "");
    cr_assert_eq(acidb_disconnect(c), ACIDB_MISUSE, "not freed while A is inside");
    cr_assert(strstr(acidb_errmsg(c), "acidb_disconnect:"), "%s", acidb_errmsg(c));
    /* A is still waiting, undisturbed; the interrupt ends its wait. */
    waiting = 0;
    acidb_locks(db, count_waiting, &waiting);
    cr_assert_eq(waiting, 1);
    cr_assert_eq(acidb_interrupt(c), ACIDB_OK);
    pthread_join(th, NULL);
    cr_assert_eq(w.rc, ACIDB_CANCELED, "A's own outcome: %s %s", w.state, w.msg);
    cr_assert_str_eq(w.state, "57014", "%s", w.msg);
    /* This thread still sees its refusal until its next call gets in; then the connection's
     * own last error, A's, which the refusals did not overwrite. */
    cr_assert_str_eq(acidb_sqlstate(c), "55006");
    cr_assert_eq(acidb_txn_state(c), 'I');
    cr_assert_str_eq(acidb_sqlstate(c), "57014");
    cr_assert_str_eq(acidb_errmsg(c), w.msg);
    /* The statement refused a finalize is intact and runs. */
    cr_assert_eq(acidb_step(mine), ACIDB_ROW, "%s", acidb_errmsg(c));
    cr_assert_str_eq(acidb_column_text(mine, 0), "two");
    cr_assert_eq(acidb_finalize(mine), ACIDB_OK);
    fx_ok(holder, "COMMIT");
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t WHERE v = 'held'"), 1, "A's UPDATE is gone");
    cr_assert_eq(acidb_disconnect(holder), ACIDB_OK);
    cr_assert_eq(acidb_disconnect(c), ACIDB_OK);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* On one thread: a statement streaming rows whose transaction another statement of the
 * connection ends (here a failing one rolls it back) stops with ACIDB_MISUSE 24000 at its next
 * step instead of reading on without a transaction (it crashed: txn_locks(NULL) for the next
 * row's lock) or committing someone else's. */
Test(misuse, statement_whose_transaction_another_ended_stops_cleanly)
{
    make_db();
    acidb_db *db = ft_open(NULL, NULL, 64);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "INSERT INTO t VALUES (3, 'three')");
    acidb_stmt *a, *b;
    cr_assert_eq(acidb_prepare(c, "SELECT v FROM t WHERE v <> 'x' FOR UPDATE", &a), ACIDB_OK);
    cr_assert_eq(acidb_prepare(c, "SELECT 1 / 0", &b), ACIDB_OK);
    cr_assert_eq(acidb_step(a), ACIDB_ROW, "%s", acidb_errmsg(c));
    cr_assert_eq(acidb_step(b), ACIDB_RANGE, "%s", acidb_errmsg(c));
    cr_assert_eq(acidb_step(a), ACIDB_MISUSE, "%s", acidb_errmsg(c));
    cr_assert_str_eq(acidb_sqlstate(c), "24000", "%s", acidb_errmsg(c));
    cr_assert_eq(acidb_reset(a), ACIDB_OK);
    int n = 0, rc;
    while ((rc = acidb_step(a)) == ACIDB_ROW)
        n++;
    cr_assert_eq(rc, ACIDB_DONE, "after reset it runs again: %s", acidb_errmsg(c));
    cr_assert_eq(n, 3);
    /* The same with COMMIT inside a block, and with a reset instead of a step. */
    fx_ok(c, "BEGIN");
    cr_assert_eq(acidb_reset(a), ACIDB_OK);
    cr_assert_eq(acidb_step(a), ACIDB_ROW);
    fx_ok(c, "COMMIT");
    cr_assert_eq(acidb_step(a), ACIDB_MISUSE);
    cr_assert_eq(acidb_reset(a), ACIDB_OK);
    cr_assert_eq(acidb_step(a), ACIDB_ROW);
    fx_ok(c, "BEGIN"); /* in autocommit, a's transaction; now a block: nothing of it ends */
    cr_assert_eq(acidb_txn_state(c), 'T');
    cr_assert_eq(acidb_reset(a), ACIDB_OK);
    fx_ok(c, "UPDATE t SET v = 'uno' WHERE id = 1");
    fx_ok(c, "ROLLBACK");
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t WHERE v = 'one'"), 1);
    acidb_finalize(a);
    acidb_finalize(b);
    cr_assert_eq(acidb_disconnect(c), ACIDB_OK);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    db = ft_open(NULL, NULL, 64);
    fx_check_clean(db, "after the stopped statements");
    acidb_close(db);
}
