/*
 * enospc_test.c — the disk fills up in the middle of a big transaction (the fault-injecting
 * OS layer, pager/os_fault.h, fails every write from the n-th on with ENOSPC): the statement or
 * the COMMIT fails with a clear I/O error (58030, "No space left on device"), the database
 * refuses changes until reopened, every earlier commit is intact after the reopen, nothing of
 * the big transaction is, and once space is freed (the fault cleared) the database takes
 * writes again.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "engine/testhooks.h"
#include "pager/os_fault.h"
#include "tests/faults/util.h"

TestSuite(enospc, .init = ft_setup, .fini = ft_teardown);

#define EARLY_ROWS 200
#define BIG_ROWS 4000

/* Fills the disk at the nth write after the early commits, runs the big transaction, and
 * checks everything above. Returns where the failure surfaced (1: a statement, 2: COMMIT). */
static int disk_full_at(uint64_t nth, int big_rows)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, 1000 + nth, &f), 0);
    os_vfs *vfs = os_fault_vfs(f);
    acidb_db *db = ft_open(NULL, vfs, 32); /* a 128 KiB pool: the big transaction steals pages */
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    fx_ok(c, "CREATE INDEX t_v ON t (v)");
    fx_ok(c, "BEGIN");
    char sql[400];
    for (int i = 1; i <= EARLY_ROWS; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, 'early-%05d')", i, i);
        fx_ok(c, sql);
    }
    fx_ok(c, "COMMIT");
    fx_ok(c, "UPDATE t SET v = v || '-updated' WHERE id <= 10"); /* an autocommit, too */

    /* The disk is full from the nth write on (database file or log, whichever comes). */
    os_fault_inject(f, OSF_WRITE, nth, OSF_ENOSPC, 1);
    fx_ok(c, "BEGIN");
    int where = 0, rc = ACIDB_OK;
    char pad[201];
    memset(pad, 'x', 200);
    pad[200] = 0;
    for (int i = 1; i <= big_rows && rc == ACIDB_OK; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, 'big-%05d-%s')", 100000 + i, i, pad);
        rc = acidb_exec(c, sql);
        where = 1;
    }
    if (rc == ACIDB_OK) {
        rc = acidb_exec(c, "COMMIT");
        where = 2;
    }
    cr_assert_eq(rc, ACIDB_IOERR, "nth %llu: the full disk was answered with %s (%s: %s)",
                 (unsigned long long)nth, acidb_errstr(rc), acidb_sqlstate(c), acidb_errmsg(c));
    cr_assert_str_eq(acidb_sqlstate(c), "58030");
    cr_assert(strstr(acidb_errmsg(c), "No space left on device") != NULL,
              "nth %llu: the message does not say the disk is full: %s",
              (unsigned long long)nth, acidb_errmsg(c));
    /* Fail-stop: no further change is accepted, even a small one. */
    acidb_exec(c, "ROLLBACK");
    rc = acidb_exec(c, "INSERT INTO t VALUES (999999, 'after the error')");
    cr_assert_neq(rc, ACIDB_OK, "nth %llu: a write was accepted after the disk filled up",
                  (unsigned long long)nth);
    acidb_disconnect(c);
    rc = acidb_close(db); /* frees db whatever it returns but MISUSE */
    cr_assert(rc == ACIDB_IOERR || rc == ACIDB_OK, "close after ENOSPC: %s", acidb_errstr(rc));

    /* Space is freed; reopen (recovery) on the same disk. */
    os_fault_clear(f);
    db = ft_open(NULL, vfs, 32);
    fx_check_clean(db, "after the reopen");
    c = fx_connect(db);
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t"), EARLY_ROWS,
                 "nth %llu: the earlier commits are not all there, or the big transaction left "
                 "rows", (unsigned long long)nth);
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t WHERE v LIKE '%-updated'"), 10);
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t WHERE v >= 'early-'"), EARLY_ROWS,
                 "the index disagrees with the table");
    /* Usable again: a write, a commit, a clean close, and it is all there on the next open. */
    fx_ok(c, "INSERT INTO t VALUES (500000, 'after space was freed')");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    os_fault_free(f);
    db = ft_open(NULL, NULL, 32);
    fx_check_clean(db, "after a clean close on POSIX");
    c = fx_connect(db);
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t"), EARLY_ROWS + 1);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    return where;
}

Test(enospc, disk_full_in_a_big_transaction_fails_it_and_keeps_earlier_commits)
{
    /* From the first write of the transaction to far into it; each on a fresh database. */
    static const uint64_t at[] = {1, 2, 3, 5, 8, 13, 40, 100, 250};
    int statement = 0, commit = 0;
    for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
        int where = disk_full_at(at[i], BIG_ROWS);
        statement += where == 1;
        commit += where == 2;
        ft_teardown();
        ft_setup();
    }
    cr_log_info("ENOSPC surfaced %d times in a statement, %d times in COMMIT", statement,
                commit);
}

/* A transaction small enough to stay in the pool and the log buffer: nothing is written before
 * COMMIT, so the full disk is met by the COMMIT's log flush — which must fail (not report a
 * commit that is not durable), and the transaction must be gone after the reopen. */
Test(enospc, disk_full_at_commit_fails_the_commit)
{
    cr_assert_eq(disk_full_at(1, 5), 2, "the failure should surface in COMMIT");
}
