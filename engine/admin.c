/*
 * admin.c — the administration API (acidb.h): checkpoints, statistics, and the lock snapshot
 * the shell's .locks shows (the integrity check is check.c).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "pager/status.h"

int acidb_checkpoint(acidb_db *db)
{
    if (db == NULL || db->magic != DB_MAGIC)
        return ACIDB_MISUSE;
    int st = txm_checkpoint(db->tm);
    sql_error e;
    return st == ST_OK ? ACIDB_OK : sql_err_status(&e, st, NULL);
}

catalog *db_published_catalog(acidb_db *db)
{
    pthread_mutex_lock(&db->mu);
    catalog *c = db->cat;
    assert(c != NULL); /* acidb_open publishes a version before it hands out the handle */
    cat_ref(c);
    pthread_mutex_unlock(&db->mu);
    return c;
}

int acidb_get_stats(acidb_db *db, acidb_stats *out)
{
    if (db == NULL || db->magic != DB_MAGIC || out == NULL)
        return ACIDB_MISUSE;
    memset(out, 0, sizeof *out);
    pgr_stats ps;
    pgr_get_stats(txm_pager(db->tm), &ps);
    out->cache_hits = ps.hits;
    out->cache_misses = ps.misses;
    out->cache_evictions = ps.evictions;
    out->cache_pages = ps.frames;
    out->db_pages = pgr_page_count(txm_pager(db->tm));
    wal *log = txm_log(db->tm); /* NULL when read-only: no log, 0 fsyncs, 0 bytes */
    if (log != NULL) {
        wal_stats ws;
        wal_get_stats(log, &ws);
        out->log_fsyncs = ws.syncs;
        /* What acidb.h promises: the log since it was last compacted (the live part of the
         * file), not every byte appended since open. base is read first: it only grows and
         * never passes the end, so the difference cannot go negative. */
        uint64_t base = wal_base_lsn(log);
        out->log_bytes = wal_end_lsn(log) - base;
    }
    out->commits = atomic_load(&db->commits);
    out->rollbacks = atomic_load(&db->rollbacks);
    lk_stats_t ls;
    lk_stats_get(db->locks, &ls);
    out->lock_waits = ls.waits;
    out->deadlocks = ls.deadlocks;
    out->lock_timeouts = ls.timeouts;
    return ACIDB_OK;
}

uint64_t acidb_txn_id(acidb_conn *c)
{
    if (c == NULL || c->magic != CONN_MAGIC)
        return 0;
    if (!conn_enter(c))
        return conn_refuse(c, "acidb_txn_id"), 0;
    uint64_t id = c->t != NULL ? txn_id(c->t) : 0;
    conn_leave(c);
    return id;
}

static const char *object_name(const catalog *c, uint32_t id, char *buf, size_t n)
{
    if (id == CAT_LOCK_ID)
        return "the catalog";
    for (int i = 0; i < c->ntables; i++)
        if (c->tables[i]->root == id)
            return c->tables[i]->name;
    for (int i = 0; i < c->nindexes; i++)
        if (c->indexes[i]->root == id)
            return c->indexes[i]->name;
    snprintf(buf, n, "relation %u", id);
    return buf;
}

int acidb_locks(acidb_db *db, void (*cb)(void *ctx, const acidb_lock_info *l), void *ctx)
{
    if (db == NULL || db->magic != DB_MAGIC || cb == NULL)
        return ACIDB_MISUSE;
    lk_snapshot_t *snap;
    if (lk_snapshot(db->locks, &snap) != LK_OK)
        return ACIDB_NOMEM;
    catalog *c = db_published_catalog(db);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    for (size_t i = 0; i < snap->n; i++) {
        const lk_snap_entry_t *e = &snap->entries[i];
        char obj[64], res[160];
        acidb_lock_info li = {0};
        li.txn = e->txn;
        li.object = e->res.table == bt_root(db->cattree) ? "the catalog rows"
                                                          : object_name(c, e->res.table, obj, sizeof obj);
        switch (e->res.kind) {
        case LK_RES_TABLE:
            snprintf(res, sizeof res, "table");
            break;
        case LK_RES_ROW:
            snprintf(res, sizeof res, "row %lld", (long long)e->res.row);
            break;
        default: {
            /* An index key: show its printable bytes (the encoding is record.h's). */
            size_t o = (size_t)snprintf(res, sizeof res, "key '");
            const unsigned char *k = e->res.key;
            for (size_t j = 0; j < e->res.key_len && o + 6 < sizeof res; j++)
                if (k[j] >= 0x20 && k[j] < 0x7f)
                    res[o++] = (char)k[j];
            snprintf(res + o, sizeof res - o, "'");
        }
        }
        li.resource = res;
        li.mode = lk_mode_name(e->mode);
        li.waiting = e->waiting;
        li.blockers = e->blockers;
        li.nblockers = (int)e->nblockers;
        li.seconds = now_ns > e->since_ns ? (double)(now_ns - e->since_ns) / 1e9 : 0;
        cb(ctx, &li);
    }
    cat_unref(c);
    lk_snapshot_free(snap);
    return ACIDB_OK;
}
