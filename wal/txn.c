/*
 * txn.c — the transaction manager: open/close, transactions, rollback, checkpoints.
 *
 * Rules enforced here (wal/README.md): the WAL rule (the pager's before_write hook forces the
 * log to a page's LSN before the page is written), the commit rule (txn_commit returns only
 * after its commit record is durable), and the checkpoint protocol (begin record, flush of
 * every page changed before it, end record with the transaction table, master record).
 */
#include "wal/txn_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_CKPT_BYTES (64u << 20)

/* WAL rule: before a page with LSN x reaches the file, the record at x is durable. */
static int wal_rule(void *ctx, uint64_t pgno, uint64_t lsn)
{
    (void)pgno;
    txm *tm = ctx;
    if (lsn == 0 || tm->log == NULL || (tm->test_break & TXM_BREAK_WAL_RULE))
        return ST_OK; /* never logged (or the log is not open yet: nothing can be newer) */
    /* L8: durable, and provably so at the next open (a page must never depend on records
     * the open could take for a torn tail and cut). */
    return wal_flush_proven(tm->log, lsn + 1);
}

/* ---- transaction table ------------------------------------------------------------------- */

#ifndef NDEBUG
/* The state checker of one transaction (tm->tt_mu held), called at each change of its
 * table entry. It asserts what wal/README.md, "Design of the transaction layer" relies on: a
 * known state and an id below the next one handed out; its records chained in LSN order
 * (first <= last, both set or neither) with undo continuing at or below its latest record;
 * and its presence in the transaction table, where analysis and checkpoints find it. */
static void check_txn(const txm *tm, const txn *t)
{
    assert(t->state == TX_ACTIVE || t->state == TX_COMMITTED || t->state == TX_ABORTING);
    assert(t->id > 0 && t->id < tm->next_id);
    assert((t->first_lsn == 0) == (t->last_lsn == 0));
    assert(t->first_lsn <= t->last_lsn && t->undo_next <= t->last_lsn);
    assert(t->prev == NULL ? tm->active == t : t->prev->next == t);
    assert(t->next == NULL || t->next->prev == t);
}
#define CHECK_TXN(tm, t) check_txn((tm), (t))
#else
#define CHECK_TXN(tm, t) ((void)0)
#endif

void txm_tt_add(txm *tm, txn *t)
{
    pthread_mutex_lock(&tm->tt_mu);
    t->prev = NULL;
    t->next = tm->active;
    if (tm->active)
        tm->active->prev = t;
    tm->active = t;
    CHECK_TXN(tm, t);
    pthread_mutex_unlock(&tm->tt_mu);
}

void txm_tt_remove(txm *tm, txn *t)
{
    pthread_mutex_lock(&tm->tt_mu);
    if (t->prev)
        t->prev->next = t->next;
    else if (tm->active == t)
        tm->active = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->prev = t->next = NULL;
    pthread_mutex_unlock(&tm->tt_mu);
}

/* Payload of a checkpoint end record: u64 count, then per transaction
 * u64 id | u64 first_lsn | u64 last_lsn | u64 undo_next | u8 state. */
#define TT_ENTRY 33u

int txm_tt_encode(txm *tm, uint8_t **out, uint32_t *len)
{
    pthread_mutex_lock(&tm->tt_mu);
    size_t n = 0;
    for (txn *t = tm->active; t; t = t->next)
        n++;
    uint8_t *b = malloc(8 + n * TT_ENTRY);
    if (b == NULL) {
        pthread_mutex_unlock(&tm->tt_mu);
        return st_set(ST_ENOMEM, "out of memory writing a checkpoint");
    }
    put_u64(b, n);
    uint8_t *p = b + 8;
    for (txn *t = tm->active; t; t = t->next, p += TT_ENTRY) {
        put_u64(p, t->id);
        put_u64(p + 8, t->first_lsn);
        put_u64(p + 16, t->last_lsn);
        put_u64(p + 24, t->undo_next);
        p[32] = (uint8_t)t->state;
    }
    pthread_mutex_unlock(&tm->tt_mu);
    *out = b;
    *len = (uint32_t)(8 + n * TT_ENTRY);
    return ST_OK;
}

int txm_append(txm *tm, txn *t, wal_rec *r)
{
    if (t == NULL)
        return wal_append(tm->log, r);
    /* Appending and recording it in the transaction table are one step for checkpoints
     * (tt_mu held across both; wal_append does no I/O). Otherwise a checkpoint could begin,
     * and take its snapshot, between a commit record's append and the state change: the
     * snapshot would say "active", recovery would start after the commit record, never see
     * it, and roll the committed transaction back (found by the crash harness, 1 power cut
     * in about 2,000 with frequent checkpoints). */
    pthread_mutex_lock(&tm->tt_mu);
    r->txn = t->id;
    r->prev_lsn = t->last_lsn;
    CHECK_TXN(tm, t);
    /* The transaction state machine (wal/README.md, "Checkpoints", "Recovery"): active, then a
     * commit record (committed: nothing follows but, in recovery, its end record) or an abort
     * record (aborting: only the CLRs of its undo, then its end record). */
    assert(r->type != WAL_COMMIT || t->state == TX_ACTIVE);
    assert(r->type != WAL_ABORT || t->state == TX_ACTIVE);
    assert(r->type != WAL_END || t->state != TX_ACTIVE);
    assert(t->state != TX_ABORTING || r->type == WAL_CLR || r->type == WAL_END);
    assert(t->state != TX_COMMITTED || r->type == WAL_END);
    int rc = wal_append(tm->log, r);
    if (rc == ST_OK) {
        assert(r->lsn > t->last_lsn); /* a transaction's records only move forward */
        if (t->first_lsn == 0)
            t->first_lsn = r->lsn;
        t->last_lsn = r->lsn;
        if (r->type == WAL_UPDATE)
            t->undo_next = r->lsn;
        else if (r->type == WAL_CLR)
            t->undo_next = r->undo_next;
        else if (r->type == WAL_COMMIT)
            t->state = TX_COMMITTED;
        else if (r->type == WAL_ABORT)
            t->state = TX_ABORTING;
        CHECK_TXN(tm, t);
    }
    pthread_mutex_unlock(&tm->tt_mu);
    return rc;
}

static void txn_free(txn *t);

/* ---- open / close ------------------------------------------------------------------------ */

static void txm_free(txm *tm)
{
    for (int i = 0; i < tm->lk_npool; i++)
        lk_txn_destroy(tm->lk_pool[i]);
    pthread_rwlock_destroy(&tm->ckpt_lock);
    pthread_mutex_destroy(&tm->ckpt_mu);
    pthread_mutex_destroy(&tm->tt_mu);
    free(tm);
}

/* ---- the log identity (wal/README.md, "The log identity check") ------------------------- */

/* The log's checkpoint mark: neither its master record nor its base LSN ever goes back over
 * the life of one log (a restart moves the base past an old master, a compaction keeps the
 * master), so their maximum only grows. */
static uint64_t log_mark(uint64_t checkpoint_lsn, uint64_t base_lsn)
{
    return checkpoint_lsn > base_lsn ? checkpoint_lsn : base_lsn;
}

/* Writes the log fields of page 0 in a redo-only mini-transaction: logged like every change
 * of page 0, so redo replays them in order (a full image of page 0 never rolls them back
 * past what the log says) and a torn write of page 0 always finds its image in the log. */
static int set_log_state(txm *tm, const pgr_log_state *s)
{
    mtr *m;
    int rc = mtr_begin(tm, NULL, &m);
    if (rc != ST_OK)
        return rc;
    pgr_page *h;
    rc = pgr_header_get(tm->p, &h);
    if (rc != ST_OK) {
        mtr_abandon(m);
        return rc;
    }
    pgr_log_state_put(h, s);
    pgr_release(h); /* held by the mtr until it commits */
    return mtr_commit(m, 0, NULL, 0);
}

/* The database file says it needs this log, durably, before anything that matters is logged
 * (wal/README.md, "The log identity check", rule I1): the log exists first (created, or the
 * one found), then page 0 says "needs generation g", synced. Nothing to do when it says so
 * already. */
int txm_announce_log(txm *tm)
{
    pgr_log_state s;
    pgr_log_state_get(tm->p, &s);
    uint64_t gen = wal_generation(tm->log);
    /* Said so in memory: on disk too, or (a log of the next generation whose announcing
     * record redo just replayed) written by the checkpoint that ends recovery, in its step 2 —
     * before that log's base or master record moves, which is what its acceptance rests on. */
    if (s.needed && s.generation == gen)
        return ST_OK;
    /* Every change below the log's base is in the file: a new log starts at the clean end;
     * a log found had its base or master record reached by the file already (checked). */
    s = (pgr_log_state){.needed = 1, .generation = gen,
                        .flushed = log_mark(wal_checkpoint_lsn(tm->log), wal_base_lsn(tm->log))};
    if (tm->log_synced) {
        s.mark = log_mark(wal_checkpoint_lsn(tm->log), wal_base_lsn(tm->log));
        s.end = wal_durable_lsn(tm->log);
    }
    int rc = set_log_state(tm, &s);
    if (rc == ST_OK)
        rc = wal_flush_to(tm->log, wal_end_lsn(tm->log));
    if (rc == ST_OK)
        rc = pgr_flush(tm->p); /* page 0 last, synced (pager/README.md, "Buffer pool") */
    return rc;
}

/* At each checkpoint, right after its begin record: page 0 learns how far the log has
 * durably come (so an older copy of the log put back later is refused, rule I3) and that the
 * file will hold every change before the begin once the checkpoint has written it (so an older
 * copy of the file is refused, I5). Step 2 writes page 0 after the pages, synced. A logged
 * change of page 0 after the begin: a torn write of page 0 finds its full image (I2). */
static int update_log_marks(txm *tm, uint64_t begin)
{
    pgr_log_state s;
    pgr_log_state_get(tm->p, &s);
    if (!s.needed)
        return ST_OK; /* closing cleanly: nothing depends on the log any more */
    if (tm->log_synced) { /* no_sync: nothing is synced, so nothing can be claimed */
        s.mark = log_mark(wal_checkpoint_lsn(tm->log), wal_base_lsn(tm->log));
        s.end = wal_durable_lsn(tm->log);
    }
    s.flushed = begin;
    return set_log_state(tm, &s); /* its automatic checkpoint is this one (in_checkpoint) */
}

/* Before the log is restarted at `base`: page 0 says the file holds every change below it,
 * written and synced, so the restarted log (its records below `base` gone) is not taken for
 * a log newer than the file (I5). Not logged (I2's exception): logging it would move the end
 * past `base`; redo never needs it (records after the restart carry it, the older ones are
 * gone) and never lowers it (records replayed are newer than the page 0 written here). */
static int record_flushed(txm *tm, uint64_t base)
{
    pgr_log_state s;
    pgr_log_state_get(tm->p, &s); /* only checkpoints (ckpt_mu, held) change them now */
    if (!s.needed || s.flushed >= base)
        return ST_OK;
    s.flushed = base;
    pgr_page *h;
    int rc = pgr_header_get(tm->p, &h); /* no mini-transaction: a plain change */
    if (rc != ST_OK)
        return rc;
    pgr_log_state_put(h, &s);
    pgr_release(h);
    return pgr_flush(tm->p);
}

enum { LOG_CREATE, LOG_REMOVE_AND_CREATE, LOG_OPEN };

/* Judges the log found beside the database (pk; NULL: none) against what page 0 says (h),
 * without changing anything (wal/README.md, "The log identity check"). *plan says what to do
 * with it. */
static int check_log_identity(txm *tm, const char *path, const wal_peek_info *pk,
                              const pgr_log_state *h, int *plan)
{
    uint64_t closed_end = pgr_checkpoint_lsn(tm->p);
    if (pk == NULL) {
        *plan = LOG_CREATE;
        if (h->needed)
            return st_set(ST_ECORRUPT, "the log %s-wal of database %s is missing, and the "
                          "database needs it (log generation %llu): it holds committed "
                          "transactions that are not yet in the database file. Restore "
                          "%s-wal beside the database file and open again; never open the "
                          "database without it (a fresh log would silently lose those "
                          "transactions)", path, path, (unsigned long long)h->generation, path);
        return ST_OK;
    }
    uint8_t id[16];
    pgr_db_id(tm->p, id);
    if (memcmp(id, pk->db_id, 16) != 0)
        return st_set(ST_ENOTDB, "log file %s-wal belongs to another database (its database id "
                      "differs from the database file's): put back the log that belongs to "
                      "%s, or move this one away if %s was closed cleanly", path, path, path);
    uint64_t g = pk->generation;
    if (h->needed) {
        *plan = LOG_OPEN;
        if (g < h->generation)
            return st_set(ST_ECORRUPT, "%s-wal is a stale log of database %s (log generation "
                          "%llu; the database file needs generation %llu): put back the log "
                          "that was beside the database file and open again; do not delete "
                          "it", path, path, (unsigned long long)g,
                          (unsigned long long)h->generation);
        if (g > h->generation)
            return st_set(ST_ECORRUPT, "the database file %s is older than its log %s-wal (log "
                          "generation %llu; the file knows generation %llu): restored without "
                          "its log? Restore the database file and its log together, from the "
                          "same moment", path, path, (unsigned long long)g,
                          (unsigned long long)h->generation);
        uint64_t mark = log_mark(pk->checkpoint_lsn, pk->base_lsn);
        if (mark > h->flushed)
            return st_set(ST_ECORRUPT, "the database file %s is older than its log %s-wal: "
                          "recovery would start at LSN %llu, but the file holds the changes "
                          "only up to LSN %llu (a copy taken before the log's last "
                          "checkpoint?). Restore the database file and its log together, from "
                          "the same moment", path, path, (unsigned long long)mark,
                          (unsigned long long)h->flushed);
        if (mark < h->mark)
            return st_set(ST_ECORRUPT, "%s-wal is an older copy of the log of database %s: its "
                          "checkpoint mark is LSN %llu, but the database file shows the log had "
                          "reached LSN %llu. Put back the current log (the one that was beside "
                          "the file at the crash) and open again", path, path,
                          (unsigned long long)mark, (unsigned long long)h->mark);
        return ST_OK;
    }
    if (g == h->generation) {
        /* A clean close stopped before removing its log: the file holds everything. The log
         * is never replayed (an older copy would roll back what the file has). */
        *plan = LOG_REMOVE_AND_CREATE;
        return ST_OK;
    }
    uint64_t fresh_base = closed_end > WAL_HDR_SIZE ? closed_end : WAL_HDR_SIZE; /* wal_open's */
    if (g == h->generation + 1 && pk->base_lsn == fresh_base && pk->checkpoint_lsn == 0) {
        /* Made by the open after the clean close, which crashed before page 0 said so (I1):
         * it starts where the clean close ended and never checkpointed, so replaying it
         * whole onto the file repeats exactly what happened. */
        *plan = LOG_OPEN;
        return ST_OK;
    }
    if (g > h->generation)
        return st_set(ST_ECORRUPT, "the database file %s is older than its log %s-wal (log "
                      "generation %llu; the file was closed cleanly with generation %llu): "
                      "restored without its log? Restore the database file and its log "
                      "together, from the same moment", path, path, (unsigned long long)g,
                      (unsigned long long)h->generation);
    return st_set(ST_ECORRUPT, "%s-wal is a stale log of database %s (log generation %llu, "
                  "older than the generation %llu the file last used); the database was "
                  "closed cleanly and does not need it: move it away and open again", path,
                  path, (unsigned long long)g, (unsigned long long)h->generation);
}

static int remove_log(const char *path, os_vfs *vfs)
{
    char wal_path[4096];
    snprintf(wal_path, sizeof wal_path, "%s-wal", path);
    int rc = vfs->remove(vfs, wal_path);
    if (rc == ST_OK)
        rc = vfs->sync_dir(vfs, wal_path);
    return rc;
}

/* A read-only open (wal/README.md, "A read-only open") opens no log and writes nothing, so
 * it is allowed only when the file holds every committed change by itself: the table of "The
 * log identity check" must not say "opened" (recovery would run). Judged under the file's
 * shared lock, so no writer changes the file or its log meanwhile; the log's header is read
 * again for that (the one read before the lock may be gone). A clean file's own log, left by
 * a close that stopped before the unlink, stays where it is, unread. */
static int check_readonly(txm *tm, const char *path, os_vfs *log_vfs)
{
    pgr_log_state h;
    pgr_log_state_get(tm->p, &h);
    wal_peek_info pk;
    int rc = wal_peek(log_vfs, path, &pk);
    int have_log = rc == ST_OK;
    if (rc != ST_OK && rc != ST_ENOTFOUND)
        return rc;
    int plan = LOG_CREATE;
    rc = check_log_identity(tm, path, have_log ? &pk : NULL, &h, &plan);
    if (rc == ST_OK && plan == LOG_OPEN)
        rc = st_set(ST_EREADONLY, "%s needs recovery: it was not closed cleanly, and its log "
                    "%s-wal holds changes that are not in the database file yet. A read-only "
                    "open cannot recover it: open it read-write once (that recovers it and "
                    "closes it cleanly), then read-only", path, path);
    return rc;
}

int txm_open(const char *path, const txm_options *opts, txm **out)
{
    txm_options defaults = {0};
    const txm_options *o = opts ? opts : &defaults;
    txm *tm = calloc(1, sizeof *tm);
    if (tm == NULL)
        return st_set(ST_ENOMEM, "out of memory opening %s", path);
    tm->rm = o->rm;
    tm->locks = o->locks;
    tm->checkpoint_bytes = o->checkpoint_bytes ? o->checkpoint_bytes : DEFAULT_CKPT_BYTES;
    tm->progress = o->progress;
    tm->progress_ctx = o->progress_ctx;
    tm->next_id = 1;
    tm->test_break = o->test_break;
    tm->log_synced = !o->log.no_sync;
    pthread_rwlock_init(&tm->ckpt_lock, NULL);
    pthread_mutex_init(&tm->ckpt_mu, NULL);
    pthread_mutex_init(&tm->tt_mu, NULL);

    pgr_options po = o->pager;
    po.before_write = wal_rule;
    po.before_write_ctx = tm;
    os_vfs *log_vfs = o->log.vfs ? o->log.vfs : os_posix();
    /* The log's header first, read-only: it decides whether a damaged page 0 can be rebuilt
     * (from the log's page size and database id) and is judged against page 0 below. */
    wal_peek_info pk;
    int rc = wal_peek(log_vfs, path, &pk);
    int have_log = rc == ST_OK;
    if (rc == ST_ENOTFOUND)
        rc = ST_OK;
    if (have_log) {
        po.torn_header_ok = 1;
        po.log_page_size = pk.page_size;
        memcpy(po.log_db_id, pk.db_id, 16);
    }
    if (rc == ST_OK)
        rc = pgr_open(path, &po, &tm->p);
    if (rc == ST_OK && po.readonly) {
        tm->readonly = true;
        rc = check_readonly(tm, path, log_vfs);
        if (rc != ST_OK) {
            pgr_abandon(tm->p);
            txm_free(tm);
            return rc;
        }
        *out = tm;
        return ST_OK;
    }
    pgr_log_state h = {0};
    int plan = have_log ? LOG_OPEN : LOG_CREATE;
    if (rc == ST_OK && !pgr_header_torn(tm->p)) {
        /* A torn page 0 says nothing; the log rebuilds it (wal/README.md, "A torn header"). */
        pgr_log_state_get(tm->p, &h);
        rc = check_log_identity(tm, path, have_log ? &pk : NULL, &h, &plan);
    }
    if (rc == ST_OK && plan == LOG_REMOVE_AND_CREATE)
        rc = remove_log(path, log_vfs);
    if (rc == ST_OK) {
        uint8_t id[16];
        pgr_db_id(tm->p, id);
        wal_options lo = o->log;
        /* LSNs never go backwards: a new log continues after the last one (txm_close saved
         * its end in the header). A torn header cannot say, but then a log exists. */
        lo.start_lsn = pgr_header_torn(tm->p) ? 0 : pgr_checkpoint_lsn(tm->p);
        lo.generation = h.generation + 1;
        lo.page_size = pgr_page_size(tm->p);
        rc = wal_open(path, id, &lo, &tm->log);
    }
    /* I3: the log the file needs must reach what the file saw of it. Judged after the scan
     * that finds its end (the log's epoch has advanced; its records are untouched). */
    /* Where the scan stopped, not the end after the open's pad (L7), which may reach past. */
    if (rc == ST_OK && plan == LOG_OPEN && h.needed && wal_open_end(tm->log) < h.end)
        rc = st_set(ST_ECORRUPT, "%s-wal is an older copy of the log of database %s: it ends "
                    "at LSN %llu, but the database file shows the log had durably reached LSN "
                    "%llu. Put back the current log (the one that was beside the file at the "
                    "crash) and open again", path, path,
                    (unsigned long long)wal_open_end(tm->log), (unsigned long long)h.end);
    if (rc == ST_OK)
        rc = txm_recover(tm);
    if (rc != ST_OK) {
        if (tm->log)
            wal_abandon(tm->log);
        if (tm->p)
            pgr_abandon(tm->p);
        txm_free(tm);
        return rc;
    }
    *out = tm;
    return ST_OK;
}

int txm_close(txm *tm)
{
    if (tm == NULL)
        return ST_OK;
    pthread_mutex_lock(&tm->tt_mu);
    bool busy = tm->active != NULL;
    pthread_mutex_unlock(&tm->tt_mu);
    if (busy)
        return st_set(ST_EINVAL, "cannot close %s: transactions are still active",
                      pgr_path(tm->p));
    if (tm->readonly) { /* nothing to write, no log */
        int rc = pgr_close(tm->p);
        txm_free(tm);
        return rc;
    }
    /* Every page in the file (each forcing the log first), synced; only then may the log go:
     * the database is one self-sufficient file again. If anything fails, the log stays and
     * the next open recovers. */
    int rc = pgr_flush(tm->p);
    /* Page 0 says "clean" (logged, so a torn write of it still finds its image in the log;
     * replayed, it is announced again: I1), then remembers where the log ended, so the next
     * log's LSNs continue above every page LSN in the file (wal_options.start_lsn) — page 0's
     * own included, which the clean record just set. Written and synced before the log goes. */
    pgr_log_state s;
    pgr_log_state_get(tm->p, &s);
    s.needed = 0;
    if (rc == ST_OK)
        rc = set_log_state(tm, &s);
    if (rc == ST_OK)
        rc = pgr_set_checkpoint_lsn(tm->p, wal_end_lsn(tm->log));
    if (rc == ST_OK)
        rc = pgr_flush(tm->p);
    if (rc != ST_OK) {
        /* Leave the pages where they are (the log holds every change; the next open recovers).
         * pgr_close would write them, and its before-write hook forces the log — which must
         * therefore not be freed first (use after free; guarded by
         * nomem/every_allocation_of_a_workload_fails_cleanly under ASan). */
        pgr_abandon(tm->p);
        wal_close(tm->log);
        txm_free(tm);
        return rc;
    }
    rc = wal_close_and_remove(tm->log);
    int crc = pgr_close(tm->p);
    txm_free(tm);
    return rc != ST_OK ? rc : crc;
}

void txm_abandon(txm *tm)
{
    if (tm == NULL)
        return;
    /* Detach the table under tt_mu, free outside it: txn_free takes tt_mu itself (to pool the
     * lock handle), so freeing under it deadlocked a close after a failed rollback left its
     * transaction in the table (guarded by
     * enospc/disk_full_in_a_big_transaction_fails_it_and_keeps_earlier_commits). */
    pthread_mutex_lock(&tm->tt_mu);
    txn *list = tm->active;
    tm->active = NULL;
    pthread_mutex_unlock(&tm->tt_mu);
    while (list) {
        txn *t = list;
        list = t->next;
        txn_free(t);
    }
    /* Nothing more is written: close the log without flushing (free what it buffered). */
    wal_abandon(tm->log);
    pgr_abandon(tm->p);
    txm_free(tm);
}

pgr *txm_pager(txm *tm) { return tm->p; }
wal *txm_log(txm *tm) { return tm->log; }
const txm_recovery *txm_last_recovery(txm *tm) { return &tm->rec; }

/* ---- transactions ------------------------------------------------------------------------ */

int txn_begin(txm *tm, txn **out)
{
    txn *t = calloc(1, sizeof *t);
    if (t == NULL)
        return st_set(ST_ENOMEM, "out of memory starting a transaction");
    t->tm = tm;
    t->state = TX_ACTIVE;
    pthread_mutex_lock(&tm->tt_mu);
    t->id = tm->next_id++;
    if (tm->lk_npool > 0)
        t->lk = tm->lk_pool[--tm->lk_npool];
    pthread_mutex_unlock(&tm->tt_mu);
    if (tm->locks != NULL) {
        if (t->lk != NULL) {
            lk_txn_set_timeout(t->lk, atomic_load(&tm->lk_timeout)); /* a reused handle starts as new */
        } else if (lk_txn_create(tm->locks, &t->lk) != LK_OK) {
            free(t);
            return st_set(ST_ENOMEM, "out of memory starting a transaction");
        } else {
            atomic_store(&tm->lk_timeout, lk_txn_timeout(t->lk)); /* same value for every fresh handle */
        }
        lk_txn_begin(t->lk, t->id); /* ids grow with start time: the victim rule's order */
    }
    txm_tt_add(tm, t);
    *out = t;
    return ST_OK;
}

uint64_t txn_id(const txn *t) { return t->id; }
txm *txn_manager(const txn *t) { return t->tm; }
lk_txn *txn_locks(const txn *t) { return t->lk; }

/* Strict 2PL: locks go only when the transaction is over (committed durably or undone). */
static void txn_free(txn *t)
{
    if (t->lk != NULL) {
        lk_release_all(t->lk); /* releases everything at once */
        txm *tm = t->tm;
        pthread_mutex_lock(&tm->tt_mu);
        if (tm->lk_npool < (int)(sizeof tm->lk_pool / sizeof tm->lk_pool[0])) {
            tm->lk_pool[tm->lk_npool++] = t->lk;
            t->lk = NULL;
        }
        pthread_mutex_unlock(&tm->tt_mu);
        lk_txn_destroy(t->lk); /* NULL when pooled */
    }
    free(t);
}
uint64_t txn_savepoint(const txn *t) { return t->last_lsn; }

static int append_simple(txn *t, uint8_t type, uint64_t *lsn)
{
    wal_rec r = {.type = type};
    int rc = txm_append(t->tm, t, &r);
    if (rc == ST_OK && lsn)
        *lsn = r.lsn;
    return rc;
}

int txn_commit(txn *t)
{
    txm *tm = t->tm;
    int rc = ST_OK;
    if (t->last_lsn != 0) { /* a transaction that logged nothing has nothing to commit */
        uint64_t lsn = 0;
        if (txm_failed(tm))
            rc = st_set(ST_EIO, "%s is in a failed state after an I/O error: the transaction "
                        "cannot commit (it will be rolled back by recovery)", pgr_path(tm->p));
        if (rc == ST_OK)
            rc = append_simple(t, WAL_COMMIT, &lsn);
        if (rc == ST_OK && !(tm->test_break & TXM_BREAK_COMMIT_SYNC))
            rc = wal_flush_to(tm->log, lsn + 1); /* commit rule */
        /* The commit rule: success only once the commit record is durable. */
        assert(rc != ST_OK || (tm->test_break & TXM_BREAK_COMMIT_SYNC) ||
               (t->state == TX_COMMITTED && wal_durable_lsn(tm->log) > lsn));
        /* No end record: a commit record ends its transaction for recovery too (it is never
         * undone), and leaving it out saves a record per commit. */
    }
    txm_tt_remove(tm, t);
    txn_free(t);
    return rc;
}

int txn_undo_chain(txn *t, uint64_t stop)
{
    txm *tm = t->tm;
    uint8_t *buf = NULL;
    size_t cap = 0;
    int rc = ST_OK;
    uint64_t lsn = t->undo_next;
    while (rc == ST_OK && lsn > stop) {
        wal_rec rec;
        rc = wal_read_at(tm->log, lsn, &buf, &cap, &rec);
        if (rc != ST_OK)
            break;
        if (rec.txn != t->id) {
            rc = st_set(ST_ECORRUPT, "log record at LSN %llu belongs to transaction %llu, not to "
                        "%llu whose undo chain led there", (unsigned long long)lsn,
                        (unsigned long long)rec.txn, (unsigned long long)t->id);
            break;
        }
        if (rec.type == WAL_CLR) {
            lsn = rec.undo_next; /* already undone: skip what it compensated */
            continue;
        }
        if (rec.type == WAL_UPDATE && rec.undo_len > 0) {
            if (tm->rm.undo == NULL) {
                rc = st_set(ST_EINVAL, "no resource manager to undo LSN %llu",
                            (unsigned long long)lsn);
                break;
            }
            uint64_t before = t->last_lsn;
            rc = tm->rm.undo(tm->rm.ctx, t, &rec);
            if (rc == ST_OK && t->last_lsn == before) {
                /* The undo changed nothing; still log a CLR so it is never attempted again. */
                mtr *m;
                rc = mtr_begin(tm, t, &m);
                if (rc == ST_OK)
                    rc = mtr_commit_clr(m, rec.prev_lsn);
            }
        }
        lsn = rec.prev_lsn;
    }
    if (rc == ST_OK) {
        pthread_mutex_lock(&tm->tt_mu);
        t->undo_next = lsn;
        pthread_mutex_unlock(&tm->tt_mu);
    }
    free(buf);
    return rc;
}

int txn_rollback_to(txn *t, uint64_t savepoint)
{
    int rc = txn_undo_chain(t, savepoint);
    if (rc != ST_OK)
        atomic_store(&t->tm->failed, true); /* as in txn_abort: undo stopped half way */
    return rc;
}

int txm_failed(txm *tm)
{
    return atomic_load(&tm->failed) || pgr_failed(tm->p) ||
           (tm->log != NULL && wal_failed(tm->log));
}

int txn_abort(txn *t)
{
    txm *tm = t->tm;
    int rc = ST_OK;
    if (t->last_lsn != 0) {
        rc = append_simple(t, WAL_ABORT, NULL);
        if (rc == ST_OK)
            rc = txn_undo_chain(t, 0);
        /* Undone to its first record: nothing is left to undo before the end record. */
        assert(rc != ST_OK || (t->state == TX_ABORTING && t->undo_next == 0));
        if (rc == ST_OK)
            rc = append_simple(t, WAL_END, NULL);
    }
    if (rc != ST_OK && t->last_lsn != 0) {
        /* Undo stopped half way: fail-stop. The transaction keeps its locks and its place in
         * the table (freed by txm_abandon; txm_close refuses); recovery finishes the undo. */
        atomic_store(&tm->failed, true);
        return rc;
    }
    txm_tt_remove(tm, t);
    txn_free(t);
    return rc;
}

/* ---- checkpoints ------------------------------------------------------------------------- */

static bool txm_idle(txm *tm)
{
    pthread_mutex_lock(&tm->tt_mu);
    bool idle = tm->active == NULL;
    pthread_mutex_unlock(&tm->tt_mu);
    return idle;
}

typedef struct dirty_count {
    uint64_t n;
} dirty_count;

static void count_dirty(void *ctx, uint64_t pgno, uint64_t rec_lsn)
{
    (void)pgno;
    (void)rec_lsn;
    ((dirty_count *)ctx)->n++;
}

/* The checkpoint this thread is running, if any. Its own mini-transaction (update_log_marks)
 * may ask for an automatic checkpoint (mtr_commit does when the log has grown enough): that
 * request is the checkpoint already running, not a second one waiting for ckpt_mu, which
 * this thread holds. */
static _Thread_local txm *in_checkpoint;

int txm_checkpoint(txm *tm)
{
    if (in_checkpoint == tm)
        return ST_OK;
    if (tm->readonly)
        return st_set(ST_EREADONLY, "%s is open read-only: a checkpoint would write it",
                      pgr_path(tm->p));
    pthread_mutex_lock(&tm->ckpt_mu);
    in_checkpoint = tm;
    /* 1. Begin: from here on, a page's first change is logged as a full image. */
    pthread_rwlock_wrlock(&tm->ckpt_lock);
    wal_rec b = {.type = WAL_CKPT_BEGIN};
    int rc = wal_append(tm->log, &b);
    /* Where redo would start only moves forward ("LSNs never go backwards"). */
    assert(rc != ST_OK || b.lsn >= tm->redo_lsn);
    if (rc == ST_OK)
        tm->redo_lsn = b.lsn;
    pthread_rwlock_unlock(&tm->ckpt_lock);
    /* 1b. Page 0 learns how far the log came and that the file is about to hold everything
     *     before the begin (I3, I5); step 2 writes it. */
    if (rc == ST_OK)
        rc = update_log_marks(tm, b.lsn);
    /* 2. Every page changed before the begin goes to the file (each forcing the log first);
     *    transactions go on meanwhile. Redo after a crash starts at the begin record. */
    if (rc == ST_OK)
        rc = pgr_flush_older(tm->p, b.lsn);
    /* 3. End record with the transaction table (losers may have started before the begin). */
    uint8_t *tt = NULL;
    uint32_t tt_len = 0;
    if (rc == ST_OK)
        rc = txm_tt_encode(tm, &tt, &tt_len);
    uint64_t keep = b.lsn; /* the oldest record recovery may need after this checkpoint */
    for (uint64_t i = 0; rc == ST_OK && i < get_u64(tt); i++) {
        uint64_t first = get_u64(tt + 8 + i * TT_ENTRY + 8);
        if (first != 0 && first < keep)
            keep = first;
    }
    wal_rec e = {.type = WAL_CKPT_END, .redo = tt, .redo_len = tt_len, .undo_next = b.lsn};
    if (rc == ST_OK)
        rc = wal_append(tm->log, &e);
    /* The end follows its begin, and nothing recovery needs lies before what the log keeps
     * (wal/README.md, "Checkpoints"). */
    assert(rc != ST_OK || (b.lsn < e.lsn && keep <= b.lsn));
    free(tt);
    if (rc == ST_OK)
        rc = wal_flush_to(tm->log, e.lsn + 1);
    /* 4. The master record names the begin: recovery starts there from now on. */
    if (rc == ST_OK)
        rc = wal_set_checkpoint(tm->log, b.lsn);
    /* 5. Reuse the log file if nothing in it can be needed any more: no active transaction
     *    and every page in the file *and synced* (pages evicted since step 2 were written but
     *    not synced: dropping their log records first would lose them at a power cut). The
     *    flush runs without the checkpoint lock (a mini-transaction may hold a page latch
     *    while it waits for that lock); then, under the lock, nothing may have been logged
     *    since — else the pages it stamped may be unsynced, and the restart is skipped. */
    if (rc == ST_OK && txm_idle(tm)) {
        /* "Nothing logged since" counts records, not the end LSN: a log force by pgr_flush's
         * WAL rule moves the end by a FLUSH record (wal/README.md L7) without logging any
         * change. */
        wal_stats s0, s1;
        wal_get_stats(tm->log, &s0);
        uint64_t end0 = wal_end_lsn(tm->log), base = 0;
        rc = pgr_flush(tm->p);
        pthread_rwlock_wrlock(&tm->ckpt_lock);
        dirty_count dc = {0};
        pgr_dirty_pages(tm->p, count_dirty, &dc);
        wal_get_stats(tm->log, &s1);
        if (rc == ST_OK && txm_idle(tm) && dc.n == 0 && s1.appends == s0.appends &&
            wal_flush_to(tm->log, end0) == ST_OK)
            base = wal_end_lsn(tm->log); /* the restart's base, if nothing is logged meanwhile */
        pthread_rwlock_unlock(&tm->ckpt_lock);
        /* 5b. Page 0 first says the file holds everything below that base (I5); then, if
         *     still nothing was logged, the restart. */
        if (base != 0 && record_flushed(tm, base) == ST_OK) {
            pthread_rwlock_wrlock(&tm->ckpt_lock);
            dc.n = 0;
            pgr_dirty_pages(tm->p, count_dirty, &dc);
            if (txm_idle(tm) && dc.n == 0 && wal_end_lsn(tm->log) == base &&
                wal_restart(tm->log) == ST_OK)
                tm->redo_lsn = wal_base_lsn(tm->log);
            pthread_rwlock_unlock(&tm->ckpt_lock);
        }
    }
    /* 6. Under a steady load there may never be an idle moment: then drop what lies before
     *    both the begin and the first record of every transaction in the end record's table
     *    (changes older than the begin are in the file and synced by step 2). The table, not
     *    the live one: a transaction listed there whose end record is lost in a crash is
     *    undone by recovery, from its first record. Only once that is worth a copy. */
    if (rc == ST_OK && wal_base_lsn(tm->log) < keep &&
        keep - wal_base_lsn(tm->log) >= tm->checkpoint_bytes)
        rc = wal_compact(tm->log, keep);
    if (rc == ST_OK)
        atomic_store(&tm->last_ckpt_end, wal_end_lsn(tm->log));
    in_checkpoint = NULL;
    pthread_mutex_unlock(&tm->ckpt_mu);
    return rc;
}
