/*
 * testhooks.c — TESTS ONLY (engine/testhooks.h): opening on another OS layer, abandoning a
 * handle as a crash would, and damage for the tests of the integrity check.
 *
 * Opening goes through the real acidb_open: db_open_extra (engine/engine.h) is set on this
 * thread for the duration of the call, so the code under test is the code users run, with only
 * the txm_options it builds changed.
 */
#include "engine/testhooks.h"

#include <stdlib.h>

#include "engine/engine.h"
#include "engine/record.h"
#include "pager/status.h"

/* The log's growth step for test databases (the bank's old value): 16 MiB steps would
 * cost more than the small runs of the crash harness themselves. */
#define TEST_LOG_PREALLOC (256u * 1024)

int acidb_open_test(const char *path, const acidb_options *o, os_vfs *vfs, unsigned test_break,
                    uint32_t page_size, acidb_db **out)
{
    struct db_open_extra x = {
        .vfs = vfs, .page_size = page_size, .log_prealloc = TEST_LOG_PREALLOC,
        .test_break = test_break,
    };
    db_open_extra = &x;
    int rc = acidb_open(path, o, out);
    db_open_extra = NULL;
    return rc;
}

/* ---- crash -------------------------------------------------------------------------------- */

int acidb_test_failed(acidb_db *db)
{
    return db != NULL && db->magic == DB_MAGIC && txm_failed(db->tm);
}

/* acidb_close without its checkpoint: the txm is abandoned, the rest freed by db_free. */
int acidb_test_abandon(acidb_db *db)
{
    if (db == NULL || db->magic != DB_MAGIC)
        return ACIDB_MISUSE;
    pthread_mutex_lock(&db->mu);
    int busy = db->nconns > 0;
    pthread_mutex_unlock(&db->mu);
    if (busy)
        return ACIDB_MISUSE;
    txm_abandon(db->tm);
    db_free(db);
    return ACIDB_OK;
}

/* ---- damage ------------------------------------------------------------------------------ */

bt_tree *acidb_test_tree(acidb_db *db, const char *name)
{
    if (db == NULL || db->magic != DB_MAGIC || name == NULL)
        return NULL;
    pthread_mutex_lock(&db->mu);
    catalog *c = db->cat;
    cat_table *t = cat_find_table(c, name);
    cat_index *ix = t == NULL ? cat_find_index(c, name) : NULL;
    bt_tree *tree = t != NULL ? t->tree : ix != NULL ? ix->tree : NULL;
    pthread_mutex_unlock(&db->mu);
    return tree; /* the published version holds it until a schema change replaces it */
}

int acidb_test_stamp_page(acidb_db *db, uint64_t pgno, uint64_t lsn)
{
    if (db == NULL || db->magic != DB_MAGIC)
        return ACIDB_MISUSE;
    pgr_page *pg;
    int st = pgr_get(txm_pager(db->tm), pgno, PGR_EXCL, &pg);
    if (st != ST_OK) {
        sql_error e;
        return sql_err_status(&e, st, NULL);
    }
    pgr_set_page_lsn(pgr_data(pg), lsn);
    pgr_mark_dirty(pg);
    pgr_release(pg);
    return ACIDB_OK;
}

uint64_t acidb_test_log_end(acidb_db *db)
{
    if (db == NULL || db->magic != DB_MAGIC)
        return 0;
    return wal_end_lsn(txm_log(db->tm));
}

int acidb_test_set_identity_counter(acidb_db *db, const char *table, const char *column,
                                    int64_t counter)
{
    if (db == NULL || db->magic != DB_MAGIC || table == NULL || column == NULL)
        return ACIDB_MISUSE;
    catalog *c = db_published_catalog(db);
    cat_table *t = cat_find_table(c, table);
    int col = t != NULL ? cat_col_index(t, column) : -1;
    int rc = ACIDB_ERROR;
    if (col >= 0) {
        value v = val_int(counter);
        uint8_t *buf;
        size_t len;
        rc = ACIDB_NOMEM;
        if (rec_encode(&v, 1, -1, &buf, &len) == 0) {
            bt_key k = bt_int_key(CAT_SEQ_BASE + (int64_t)t->oid * 256 + col);
            int st = bt_insert(db->cattree, &k, buf, len, BT_REPLACE);
            free(buf);
            sql_error e;
            rc = st == ST_OK ? ACIDB_OK : sql_err_status(&e, st, NULL);
        }
    }
    cat_unref(c);
    return rc;
}

int acidb_test_legacy_table_row(acidb_db *db, const char *table)
{
    if (db == NULL || db->magic != DB_MAGIC || table == NULL)
        return ACIDB_MISUSE;
    catalog *c = db_published_catalog(db);
    cat_table *t = cat_find_table(c, table);
    int rc = ACIDB_ERROR;
    if (t != NULL) {
        bt_key k = bt_int_key((int64_t)t->oid);
        void *old = NULL;
        size_t olen = 0;
        sql_error e;
        int st = bt_get(db->cattree, &k, &old, &olen);
        if (st != ST_OK) {
            rc = sql_err_status(&e, st, NULL);
        } else {
            /* The first 8 fields of the row, as a catalog without the type format field
             * holds them (catalog.h, CAT_TYPEFMT_LEGACY). */
            enum { LEGACY_FIELDS = 8 };
            value v[LEGACY_FIELDS];
            uint8_t *buf = NULL;
            size_t len;
            rc = rec_decode(old, olen, k.rowid, v, LEGACY_FIELDS) != 0 ? ACIDB_CORRUPT
               : rec_encode(v, LEGACY_FIELDS, -1, &buf, &len) != 0     ? ACIDB_NOMEM
                                                                       : ACIDB_OK;
            if (rc == ACIDB_OK) {
                st = bt_insert(db->cattree, &k, buf, len, BT_REPLACE);
                rc = st == ST_OK ? ACIDB_OK : sql_err_status(&e, st, NULL);
            }
            free(buf);
            free(old);
        }
    }
    cat_unref(c);
    return rc;
}
