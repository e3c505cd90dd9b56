/*
 * checkpoint_test.c — an idle checkpoint reuses the log file (wal/README.md, "Checkpoints"):
 * with no transaction active and every page synced, the log restarts from its header, so a
 * database that is checkpointed between bursts keeps a short log without copying it.
 *
 * The restart is skipped when anything was logged while the checkpoint flushed its pages;
 * that test counts appended records rather than comparing end LSNs, because a log force with
 * padded flushes (wal/README.md L7) moves the end by a FLUSH record without logging a change.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "pager/status.h"
#include "tests/engine/util.h"
#include "wal/log.h"

TestSuite(checkpoint, .init = eng_setup, .fini = eng_teardown);

static wal_peek_info peek(void)
{
    wal_peek_info pi;
    cr_assert_eq(wal_peek(NULL, fx_db, &pi), ST_OK, "%s", st_msg());
    return pi;
}

Test(checkpoint, an_idle_checkpoint_restarts_the_log)
{
    acidb_db *db = eng_open(1);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    for (int round = 0; round < 3; round++) {
        wal_peek_info before = peek();
        for (int i = 0; i < 50; i++) {
            char sql[128];
            snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, 'row %d of round %d')",
                     round * 1000 + i, i, round);
            fx_ok(c, sql);
        }
        cr_assert_eq(acidb_checkpoint(db), ACIDB_OK, "%s", acidb_errmsg(c));
        wal_peek_info after = peek();
        cr_assert_gt(after.base_lsn, before.base_lsn,
                     "round %d: the idle checkpoint did not restart the log (base %llu, was "
                     "%llu)", round, (unsigned long long)after.base_lsn,
                     (unsigned long long)before.base_lsn);
    }
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t"), 150);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}
