/*
 * recover.c — restart recovery: analysis, redo, undo (wal/README.md, "Recovery").
 *
 * Analysis scans from the last complete checkpoint's begin record (the master record in the
 * log header; the start of the log if there is none) to the end, rebuilding the transaction
 * table; the checkpoint's end record contributes the transactions that were active but silent
 * since its begin. Redo repeats history from the same begin: every page the checkpoint had to
 * flush is already in the file, and every page changed after the begin had a full image
 * logged first, so a page torn by the crash is rebuilt without being read. A page whose LSN is
 * not older than a record already has it. Undo rolls back every loser through the same undo
 * chain as a run-time abort, writing CLRs; a crash during undo resumes after the last CLR.
 * A final checkpoint makes the recovered state the new starting point.
 */
#include "wal/txn_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wal/delta.h"

typedef struct tt_entry {
    uint64_t id, first, last, undo_next;
    int state;
    bool undo_seen; /* the scan passed an update or CLR of it: undo_next is the scan's */
} tt_entry;

typedef struct analysis {
    tt_entry *e;
    size_t n, cap;
    uint64_t max_id;
    uint64_t *ended; /* transactions whose end record the scan passed */
    size_t nended, capended;
} analysis;

static int ended_add(analysis *a, uint64_t id)
{
    if (a->nended == a->capended) {
        size_t cap = a->capended ? 2 * a->capended : 64;
        uint64_t *e = realloc(a->ended, cap * sizeof *e);
        if (e == NULL)
            return st_set(ST_ENOMEM, "out of memory in recovery");
        a->ended = e;
        a->capended = cap;
    }
    a->ended[a->nended++] = id;
    return ST_OK;
}

static int ended(const analysis *a, uint64_t id)
{
    for (size_t i = 0; i < a->nended; i++)
        if (a->ended[i] == id)
            return 1;
    return 0;
}

static tt_entry *tt_find(analysis *a, uint64_t id, int create)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->e[i].id == id)
            return &a->e[i];
    if (!create)
        return NULL;
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 16;
        tt_entry *e = realloc(a->e, cap * sizeof *e);
        if (e == NULL)
            return NULL;
        a->e = e;
        a->cap = cap;
    }
    a->e[a->n] = (tt_entry){.id = id, .state = TX_ACTIVE};
    return &a->e[a->n++];
}

static void tt_drop(analysis *a, uint64_t id)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->e[i].id == id) {
            a->e[i] = a->e[--a->n];
            return;
        }
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(txm *tm, const char *phase, uint64_t done, uint64_t total)
{
    if (tm->progress)
        tm->progress(tm->progress_ctx, phase, done, total);
}

static int merge_checkpoint(analysis *a, const wal_rec *r)
{
    if (r->redo_len < 8)
        return st_set(ST_ECORRUPT, "checkpoint record at LSN %llu is too short",
                      (unsigned long long)r->lsn);
    const uint8_t *p = r->redo;
    uint64_t n = get_u64(p);
    if (n > (r->redo_len - 8) / 33)
        return st_set(ST_ECORRUPT, "checkpoint record at LSN %llu: %llu transactions do not "
                      "fit in %u bytes", (unsigned long long)r->lsn, (unsigned long long)n,
                      r->redo_len);
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *q = p + 8 + i * 33;
        uint64_t id = get_u64(q);
        if (id > a->max_id)
            a->max_id = id;
        if (ended(a, id))
            continue; /* finished: the snapshot was taken while it was ending */
        tt_entry *e = tt_find(a, id, 0);
        if (e != NULL) {
            /* Seen by the scan after the begin: what the scan found is newer, but it only
             * knows the fields its records set. An abort or commit record alone says nothing
             * of where undo starts (found by the crash harness: a rollback whose abort record
             * fell between a checkpoint's begin and end, cut before its first CLR, was ended
             * by recovery without being undone), nor of the records before the begin. */
            uint64_t first = get_u64(q + 8);
            if (first != 0 && (e->first == 0 || first < e->first))
                e->first = first;
            if (!e->undo_seen)
                e->undo_next = get_u64(q + 24);
            if (e->state == TX_ACTIVE)
                e->state = q[32];
            continue;
        }
        if ((e = tt_find(a, id, 1)) == NULL)
            return st_set(ST_ENOMEM, "out of memory in recovery");
        e->first = get_u64(q + 8);
        e->last = get_u64(q + 16);
        e->undo_next = get_u64(q + 24);
        e->state = q[32];
    }
    return ST_OK;
}

static int analyse(txm *tm, uint64_t from, uint64_t end, analysis *a)
{
    wal_reader *rd;
    int rc = wal_reader_open(tm->log, from, &rd);
    if (rc != ST_OK)
        return rc;
    wal_rec r;
    bool ckpt_end_seen = false;
    while (rc == ST_OK && (rc = wal_next(rd, &r)) == ST_OK) {
        tm->rec.records++;
        if ((tm->rec.records & 1023) == 0)
            progress(tm, "analysis", r.lsn - from, end - from);
        if (r.type == WAL_CKPT_END && !ckpt_end_seen && r.undo_next == from) {
            ckpt_end_seen = true;
            rc = merge_checkpoint(a, &r);
            continue;
        }
        if (r.txn == 0)
            continue;
        if (r.txn > a->max_id)
            a->max_id = r.txn;
        if (r.type == WAL_END || r.type == WAL_COMMIT) { /* a commit needs no end record */
            tt_drop(a, r.txn);
            rc = ended_add(a, r.txn);
            continue;
        }
        tt_entry *e = tt_find(a, r.txn, 1);
        if (e == NULL) {
            rc = st_set(ST_ENOMEM, "out of memory in recovery");
            break;
        }
        if (e->first == 0)
            e->first = r.lsn;
        e->last = r.lsn;
        if (r.type == WAL_UPDATE || r.type == WAL_CLR) {
            e->undo_next = r.type == WAL_UPDATE ? r.lsn : r.undo_next;
            e->undo_seen = true;
        } else if (r.type == WAL_ABORT) {
            e->state = TX_ABORTING;
        }
    }
    if (rc == ST_ENOTFOUND)
        rc = ST_OK;
    wal_reader_close(rd);
    return rc;
}

/* A page read from the file may not be newer than the log: its LSN is the start of the last
 * record that changed it, which was durable before the page was written (the WAL rule). A
 * page LSN at or beyond the log's end proves the log lost durable records this page depends
 * on (an older copy of the log, or damage): replaying what is left would be silently wrong. */
static int check_page_lsn(txm *tm, uint64_t pgno, uint64_t page_lsn, uint64_t log_end)
{
    if (page_lsn < log_end)
        return ST_OK;
    return st_set(ST_ECORRUPT, "%s: page %llu has LSN %llu, at or beyond the end of the log "
                  "%s-wal (LSN %llu): the log lost durable records the page depends on (an "
                  "older copy of the log, or a damaged one). Put back the log that was beside "
                  "the file at the crash", pgr_path(tm->p), (unsigned long long)pgno,
                  (unsigned long long)page_lsn, pgr_path(tm->p), (unsigned long long)log_end);
}

/* Applies the page entries of one record to every page older than it. */
static int redo_record(txm *tm, const wal_rec *r, uint64_t *page_limit, uint64_t log_end)
{
    uint32_t ps = pgr_page_size(tm->p);
    size_t pos = 0;
    wal_entry e;
    int more;
    while ((more = wal_entry_next(r->redo, r->redo_len, &pos, &e)) == 0) {
        /* Pages are allocated one at a time, each logged as it is, so a record can name at
         * most one page beyond those that existed before it: a damaged log naming page 10^12
         * must not make redo extend the file that far. */
        if (e.pgno > *page_limit)
            return st_set(ST_ECORRUPT, "log record at LSN %llu changes page %llu, beyond the "
                          "%llu pages the database can have at that point",
                          (unsigned long long)r->lsn, (unsigned long long)e.pgno,
                          (unsigned long long)*page_limit);
        if (e.pgno >= *page_limit)
            *page_limit = e.pgno + 1;
        pgr_page *pg;
        int rc = pgr_get_for_redo(tm->p, e.pgno, e.kind == WAL_FULL, &pg);
        if (rc != ST_OK)
            return rc;
        /* Pages redo stamped are below the end; every other one came from the file. */
        if ((rc = check_page_lsn(tm, e.pgno, pgr_page_lsn(pgr_data(pg)), log_end)) != ST_OK) {
            pgr_release(pg);
            return rc;
        }
        if (pgr_page_lsn(pgr_data(pg)) < r->lsn) {
            if (wal_entry_apply(&e, pgr_data(pg), ps) != 0) {
                pgr_release(pg);
                return st_set(ST_ECORRUPT, "log record at LSN %llu has a malformed change of "
                              "page %llu", (unsigned long long)r->lsn,
                              (unsigned long long)e.pgno);
            }
            pgr_stamp(pg, r->lsn);
            /* The page is at the record's LSN now: a record is redone at most once. */
            assert(pgr_page_lsn(pgr_data(pg)) == r->lsn);
            if (e.pgno == 0 && e.kind == WAL_FULL)
                pgr_header_rebuilt(tm->p);
            tm->rec.redone++;
        }
        pgr_release(pg);
    }
    if (more < 0)
        return st_set(ST_ECORRUPT, "log record at LSN %llu: malformed page changes",
                      (unsigned long long)r->lsn);
    return ST_OK;
}

static int redo(txm *tm, uint64_t from, uint64_t end)
{
    wal_reader *rd;
    int rc = wal_reader_open(tm->log, from, &rd);
    if (rc != ST_OK)
        return rc;
    wal_rec r;
    uint64_t n = 0;
    uint64_t file = pgr_file_pages(tm->p), count = pgr_page_count(tm->p);
    uint64_t page_limit = file > count ? file : count; /* pages that may exist so far */
    while (rc == ST_OK && (rc = wal_next(rd, &r)) == ST_OK) {
        if ((++n & 1023) == 0)
            progress(tm, "redo", r.lsn - from, end - from);
        if ((r.type == WAL_UPDATE || r.type == WAL_CLR) && r.redo_len > 0)
            rc = redo_record(tm, &r, &page_limit, end);
    }
    if (rc == ST_ENOTFOUND)
        rc = ST_OK;
    wal_reader_close(rd);
    if (rc == ST_OK && pgr_header_torn(tm->p))
        rc = st_set(ST_ECORRUPT, "%s: the file header (page 0) is damaged and the log holds no "
                    "full image of it to rebuild it from", pgr_path(tm->p));
    if (rc == ST_OK)
        rc = pgr_redo_done(tm->p);
    return rc;
}

/* Every unfinished transaction is entered in the transaction table before any is undone: a
 * checkpoint taken meanwhile (undo logs CLRs, and mtr_commit may checkpoint) must keep the log
 * records of all of them, not only of the one being undone. */
static int undo_losers(txm *tm, analysis *a)
{
    txn **ts = calloc(a->n ? a->n : 1, sizeof *ts);
    if (ts == NULL)
        return st_set(ST_ENOMEM, "out of memory in recovery");
    int rc = ST_OK;
    for (size_t i = 0; i < a->n && rc == ST_OK; i++) {
        tt_entry *e = &a->e[i];
        ts[i] = calloc(1, sizeof *ts[i]);
        if (ts[i] == NULL) {
            rc = st_set(ST_ENOMEM, "out of memory in recovery");
            break;
        }
        *ts[i] = (txn){.tm = tm, .id = e->id, .first_lsn = e->first, .last_lsn = e->last,
                       .undo_next = e->undo_next, .state = e->state};
        txm_tt_add(tm, ts[i]);
    }
    for (size_t i = 0; i < a->n && rc == ST_OK; i++) {
        txn *t = ts[i];
        progress(tm, "undo", i, a->n);
        wal_rec r = {.type = WAL_END};
        if (t->state == TX_COMMITTED) {
            rc = txm_append(tm, t, &r); /* it committed; only its end record was missing */
        } else {
            tm->rec.losers++;
            if (t->state == TX_ACTIVE) {
                wal_rec ab = {.type = WAL_ABORT};
                rc = txm_append(tm, t, &ab);
            }
            if (rc == ST_OK)
                rc = txn_undo_chain(t, 0);
            /* The CLR chain reached the first record: the loser is wholly undone before its
             * end record, and a crash from here on finds nothing more to undo. */
            assert(rc != ST_OK || (t->state == TX_ABORTING && t->undo_next == 0));
            if (rc == ST_OK)
                rc = txm_append(tm, t, &r);
        }
        if (rc == ST_OK) {
            txm_tt_remove(tm, t);
            free(t);
            ts[i] = NULL;
        }
    }
    for (size_t i = 0; i < a->n; i++) { /* after an error: forget the rest (recovery failed) */
        if (ts[i] != NULL) {
            txm_tt_remove(tm, ts[i]);
            free(ts[i]);
        }
    }
    free(ts);
    return rc;
}

int txm_recover(txm *tm)
{
    wal *w = tm->log;
    uint64_t base = wal_base_lsn(w), end = wal_end_lsn(w), ckpt = wal_checkpoint_lsn(w);
    /* Pages are judged against where the open's scan stopped, not against the end after the
     * pad the open may have written there (L7): a page LSN between the two names a record
     * the open cut. */
    uint64_t stop = wal_open_end(w);
    memset(&tm->rec, 0, sizeof tm->rec);
    tm->redo_lsn = base;
    atomic_store(&tm->last_ckpt_end, end);
    if (!pgr_header_torn(tm->p)) {
        pgr_page *h;
        int rc = pgr_get(tm->p, 0, PGR_SHARED, &h);
        if (rc == ST_OK) {
            rc = check_page_lsn(tm, 0, pgr_page_lsn(pgr_data(h)), stop);
            pgr_release(h);
        }
        if (rc != ST_OK)
            return rc;
    }
    if (end == base) {
        if (pgr_header_torn(tm->p))
            return st_set(ST_ECORRUPT, "%s: page 0 (the file header) is damaged, and the log "
                          "is empty: nothing can rebuild it", pgr_path(tm->p));
        /* An empty log: the last shutdown was clean, or nothing was logged. */
        return txm_announce_log(tm);
    }
    double t0 = now_seconds();
    tm->rec.needed = 1;
    uint64_t from = ckpt >= base ? ckpt : base;
    tm->rec.log_bytes = end - from;
    analysis a = {0};
    int rc = analyse(tm, from, end, &a);
    if (rc == ST_OK)
        rc = redo(tm, from, stop);
    if (rc == ST_OK) {
        pthread_mutex_lock(&tm->tt_mu);
        tm->next_id = a.max_id + 1;
        pthread_mutex_unlock(&tm->tt_mu);
        tm->redo_lsn = from; /* pages first changed from now on get full images */
        /* Before undo logs anything: page 0 says it needs this log (I1). */
        rc = txm_announce_log(tm);
    }
    if (rc == ST_OK)
        rc = undo_losers(tm, &a);
    free(a.e);
    free(a.ended);
    if (rc == ST_OK)
        rc = wal_flush_to(w, wal_end_lsn(w));
    if (rc == ST_OK)
        rc = txm_checkpoint(tm);
    tm->rec.seconds = now_seconds() - t0;
    progress(tm, "done", tm->rec.log_bytes, tm->rec.log_bytes);
    return rc;
}
