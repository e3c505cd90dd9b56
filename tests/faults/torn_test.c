/*
 * torn_test.c — a data page torn by a power cut is rebuilt by recovery from its full-page
 * image (wal/README.md, "Full-page images").
 *
 * The story: a table is committed and checkpointed; rows on one page are updated and
 * committed (the page's first change after the checkpoint is logged as a full image, and the
 * COMMIT made the log durable); then a checkpoint starts writing that page and the power fails
 * during the fdatasync of those pages (os_fault OSF_CUT): each pending write is kept, dropped or torn per
 * 512-byte sector. Seeds are tried until the page is really torn — proved by its checksum in
 * the database file. Then the real open recovers: acidb_check is clean and every committed row
 * is there.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/testhooks.h"
#include "pager/os_fault.h"
#include "pager/pager_int.h" /* bp_checksum */
#include "tests/faults/util.h"

TestSuite(torn, .init = ft_setup, .fini = ft_teardown);

enum { PAGE = 4096, ROWS = 300 };

/* The sync hook of an attempt: cuts the power when the database file (not its log) is synced
 * the first time; the sync itself then fails on the dead handle. */
static os_fault *cut_at_db_sync;

static void cut_power_at_db_sync(void *ctx, const char *path)
{
    (void)ctx;
    size_t n = strlen(path);
    if (cut_at_db_sync != NULL && n >= 4 && strcmp(path + n - 4, "-wal") != 0) {
        os_fault *f = cut_at_db_sync;
        cut_at_db_sync = NULL;
        os_fault_power_loss(f);
    }
}

/* One attempt with seed: 1 if the page was torn (and recovery then repaired it). */
static int attempt(uint64_t seed, uint64_t *pg_out)
{
    char wal[PATH_MAX + 64];
    snprintf(wal, sizeof wal, "%s-wal", fx_db);
    unlink(fx_db);
    unlink(wal);
    /* A clean file: ROWS rows, then closed (one file, no log). */
    acidb_db *db = ft_open(NULL, NULL, 256);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    fx_ok(c, "BEGIN");
    for (int i = 1; i <= ROWS; i++) {
        char sql[120];
        snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, 'MARKER-%05d-old-value-padding')", i,
                 i);
        fx_ok(c, sql);
    }
    fx_ok(c, "COMMIT");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    size_t n;
    uint8_t *img = fx_slurp(fx_db, &n);
    uint64_t pg = fx_page_of(img, n, PAGE, "MARKER-00150");
    free(img);
    *pg_out = pg;

    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, seed, &f), 0);
    db = ft_open(NULL, os_fault_vfs(f), 256);
    cr_assert_eq(acidb_checkpoint(db), ACIDB_OK); /* redo will start here */
    c = fx_connect(db);
    /* Every row on the page: a new value of the same length, so the page is rewritten. */
    fx_ok(c, "UPDATE t SET v = 'MARKER-' || id || '-NEW-value-padding!!!!' WHERE id BETWEEN 100 AND 200");
    acidb_disconnect(c); /* committed: durable in the log, the page only in the pool */
    /* The next checkpoint writes the page; the power fails at its first fdatasync of the
     * database file, the one of the pages it wrote (the header page is written after that
     * sync). Found by path, not by count: the log's syncs before it (the checkpoint's records,
     * and the flush that makes the page's records provably durable, wal/README.md L8) vary. */
    cut_at_db_sync = f;
    os_fault_set_sync_hook(f, cut_power_at_db_sync, NULL);
    int rc = acidb_checkpoint(db);
    os_fault_set_sync_hook(f, NULL, NULL);
    cut_at_db_sync = NULL;
    cr_assert_neq(rc, ACIDB_OK, "the checkpoint's sync was cut, it cannot have succeeded");
    acidb_test_abandon(db); /* the process is gone too */
    uint64_t lost = os_fault_cut_lost(f);
    os_fault_free(f);

    /* Was the page torn? Its checksum in the file says so (the file alone cannot be opened
     * any more: its header says it needs its log). */
    img = fx_slurp(fx_db, &n);
    int torn = lost > 0 && (pg + 1) * PAGE <= n &&
               bp_checksum(img + pg * PAGE, PAGE, pg) != get_u64(img + (pg + 1) * PAGE - 8);
    free(img);

    /* The real reopen: recovery rebuilds the page from its full image. */
    db = ft_open(NULL, NULL, 256);
    int ran = 0;
    acidb_recovery_info(db, &ran, NULL, NULL);
    cr_assert(ran, "recovery ran");
    fx_check_clean(db, "after recovery");
    c = fx_connect(db);
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t"), ROWS);
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t WHERE v LIKE '%-NEW-%'"), 101,
                 "seed %llu: the committed UPDATE is not whole after recovery",
                 (unsigned long long)seed);
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t WHERE v LIKE '%-old-%'"), ROWS - 101);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    return torn;
}

Test(torn, torn_data_page_is_rebuilt_from_its_full_image)
{
    int torn = 0, tries = 0;
    uint64_t pg = 0;
    for (uint64_t seed = 1; seed <= 40 && torn < 3; seed++, tries++)
        torn += attempt(seed, &pg);
    cr_assert_gt(torn, 0, "no seed of %d tore page %llu: the test proved nothing", tries,
                 (unsigned long long)pg);
    cr_log_info("page %llu torn in %d of %d power cuts; recovery repaired it each time "
                "(and every cut was recovered)", (unsigned long long)pg, torn, tries);
}
