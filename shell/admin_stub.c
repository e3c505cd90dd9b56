/*
 * admin_stub.c — TEMPORARY weak stand-ins for the administration API of engine/acidb.h
 * (acidb_checkpoint, acidb_check, acidb_get_stats, acidb_locks, acidb_txn_id), declared on
 * main but not implemented yet when the shell was written. Delete this file once the engine's
 * definitions land: a weak definition here would keep the linker from pulling a new engine
 * object (e.g. engine/admin.o) out of libacidb.a just for these symbols.
 *
 * They work from engine internals, enough for the shell: acidb_check reports that it is not
 * available; the others are close to what the API promises.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "pager/pager.h"
#include "shell/shell.h"
#include "wal/log.h"

#define WEAK __attribute__((weak))

WEAK uint64_t acidb_txn_id(acidb_conn *c)
{
    return c != NULL && c->t != NULL ? txn_id(c->t) : 0;
}

WEAK int acidb_checkpoint(acidb_db *db)
{
    if (db == NULL)
        return ACIDB_MISUSE;
    return txm_checkpoint(db->tm) == 0 ? ACIDB_OK : ACIDB_IOERR;
}

WEAK int acidb_check(acidb_db *db, void (*report)(void *ctx, uint64_t page, const char *msg),
                     void *ctx, uint64_t *problems)
{
    (void)db, (void)report, (void)ctx, (void)problems;
    return ACIDB_MISUSE; /* not implemented yet */
}

WEAK int acidb_get_stats(acidb_db *db, acidb_stats *out)
{
    if (db == NULL || out == NULL)
        return ACIDB_MISUSE;
    memset(out, 0, sizeof *out);
    pgr_stats ps;
    pgr_get_stats(txm_pager(db->tm), &ps);
    out->cache_hits = ps.hits;
    out->cache_misses = ps.misses;
    out->cache_evictions = ps.evictions;
    out->cache_pages = ps.frames;
    out->db_pages = pgr_page_count(txm_pager(db->tm));
    wal_stats ws;
    wal_get_stats(txm_log(db->tm), &ws);
    out->log_bytes = ws.bytes;
    out->log_fsyncs = ws.syncs;
    out->commits = atomic_load(&db->commits);
    out->rollbacks = atomic_load(&db->rollbacks);
    lk_stats_t ls;
    lk_stats_get(db->locks, &ls);
    out->lock_waits = ls.waits;
    out->deadlocks = ls.deadlocks;
    out->lock_timeouts = ls.timeouts;
    return ACIDB_OK;
}

static const char *object_name(acidb_db *db, uint32_t root, char *buf, size_t n)
{
    if (root == CAT_LOCK_ID)
        return "the catalog";
    snprintf(buf, n, "tree %u", root);
    pthread_mutex_lock(&db->mu); /* E1 */
    catalog *c = db->cat;
    for (int i = 0; c != NULL && i < c->ntables; i++)
        if (c->tables[i]->root == root)
            snprintf(buf, n, "%s", c->tables[i]->name);
    for (int i = 0; c != NULL && i < c->nindexes; i++)
        if (c->indexes[i]->root == root)
            snprintf(buf, n, "%s", c->indexes[i]->name);
    pthread_mutex_unlock(&db->mu);
    return buf;
}

WEAK int acidb_locks(acidb_db *db, void (*cb)(void *ctx, const acidb_lock_info *l), void *ctx)
{
    if (db == NULL || cb == NULL)
        return ACIDB_MISUSE;
    lk_snapshot_t *snap = NULL;
    if (lk_snapshot(db->locks, &snap) != LK_OK)
        return ACIDB_NOMEM;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    for (size_t i = 0; i < snap->n; i++) {
        const lk_snap_entry_t *e = &snap->entries[i];
        char obj[128], res[160];
        uint32_t tree = e->res.table; /* a key lock names the index tree (wal/btx.c) */
        if (e->res.kind == LK_RES_TABLE)
            snprintf(res, sizeof res, "table");
        else if (e->res.kind == LK_RES_ROW)
            snprintf(res, sizeof res, "row %llu", (unsigned long long)e->res.row);
        else
            snprintf(res, sizeof res, "key (%zu bytes)", e->res.key_len);
        acidb_lock_info l = {
            .txn = e->txn,
            .object = object_name(db, tree, obj, sizeof obj),
            .resource = res,
            .mode = lk_mode_name(e->mode),
            .waiting = e->waiting,
            .blockers = e->blockers,
            .nblockers = (int)e->nblockers,
            .seconds = now > e->since_ns ? (double)(now - e->since_ns) / 1e9 : 0,
        };
        cb(ctx, &l);
    }
    lk_snapshot_free(snap);
    return ACIDB_OK;
}
