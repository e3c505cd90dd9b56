/*
 * mtr.c — mini-transactions: every page change is logged as part of one record.
 *
 * mtr_begin installs the pager's per-thread tracker. From then on, each page the thread is
 * about to change is touched (pgr_touch, or by the pager itself for page 0 and allocated
 * pages): the mtr copies its before-image and keeps it latched. mtr_commit compares before-
 * and after-images, writes one record holding a delta (or a full image) per changed page plus
 * the caller's undo, stamps every changed page with the record's LSN and only then releases
 * the pages — so a page's LSN order is its log order, and no other thread ever sees a change
 * whose record could be missing after a crash once that page reaches disk (WAL rule).
 *
 * Full-page images (torn-page protection): a page whose before-image LSN is older than the
 * latest checkpoint's begin (or 0: never logged) gets a full image. The decision and the append
 * happen under the checkpoint lock (shared), so no checkpoint can begin in between.
 */
#include "wal/txn_int.h"

#include <stdlib.h>
#include <string.h>

#include "wal/delta.h"

typedef struct mtr_page {
    pgr_page *pg;
    uint8_t *before;
    bool in_record; /* mtr_commit wrote an entry for it: it gets the record's LSN */
} mtr_page;

struct mtr {
    txm *tm;
    txn *t;
    mtr_page *pages;
    size_t n, cap;
    pgr_tracker tracker;
};

static int mtr_touch(void *ctx, pgr_page *pg)
{
    mtr *m = ctx;
    for (size_t i = 0; i < m->n; i++)
        if (m->pages[i].pg == pg)
            return ST_OK;
    uint32_t ps = pgr_page_size(m->tm->p);
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 8;
        mtr_page *np = realloc(m->pages, cap * sizeof *np);
        if (np == NULL)
            return st_set(ST_ENOMEM, "out of memory tracking page %llu",
                          (unsigned long long)pgr_pgno(pg));
        m->pages = np;
        m->cap = cap;
    }
    uint8_t *before = malloc(ps);
    if (before == NULL)
        return st_set(ST_ENOMEM, "out of memory tracking page %llu",
                      (unsigned long long)pgr_pgno(pg));
    memcpy(before, pgr_data(pg), ps);
    m->pages[m->n++] = (mtr_page){pg, before, false};
    return ST_OK;
}

static int mtr_holds(void *ctx, const pgr_page *pg)
{
    mtr *m = ctx;
    for (size_t i = 0; i < m->n; i++)
        if (m->pages[i].pg == pg)
            return 1;
    return 0;
}

static pgr_page *mtr_find(void *ctx, const pgr *p, uint64_t pgno)
{
    mtr *m = ctx;
    if (p != m->tm->p)
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (pgr_pgno(m->pages[i].pg) == pgno)
            return m->pages[i].pg;
    return NULL;
}

int mtr_begin(txm *tm, txn *t, mtr **out)
{
    if (txm_failed(tm))
        return st_set(ST_EIO, "%s is in a failed state after an I/O error: no further changes "
                      "until it is reopened (recovery will repair it)", pgr_path(tm->p));
    mtr *m = calloc(1, sizeof *m);
    if (m == NULL)
        return st_set(ST_ENOMEM, "out of memory starting a mini-transaction");
    m->tm = tm;
    m->t = t;
    m->tracker = (pgr_tracker){mtr_touch, mtr_holds, mtr_find, m};
    pgr_track(&m->tracker);
    *out = m;
    return ST_OK;
}

/* Releases every page (restoring before-images first if `restore`), frees m. */
static void mtr_finish(mtr *m, bool restore)
{
    pgr_track(NULL);
    uint32_t ps = pgr_page_size(m->tm->p);
    bool header_restored = false;
    /* Release in reverse order of touching: page 0, touched last by pgr_alloc/pgr_free, goes
     * first, and no latch is held longer than needed. */
    for (size_t i = m->n; i-- > 0;) {
        if (restore) {
            memcpy(pgr_data(m->pages[i].pg), m->pages[i].before, ps);
            pgr_mark_dirty(m->pages[i].pg); /* the frame may have been clean before */
            if (pgr_pgno(m->pages[i].pg) == 0) {
                pgr_reset_page_count(m->tm->p); /* still held: nobody else changes it */
                header_restored = true;
            }
        }
        pgr_release_held(m->pages[i].pg);
        free(m->pages[i].before);
    }
    if (header_restored) /* frames of pages allocated by the undone change, now released */
        pgr_reset_page_count(m->tm->p);
    free(m->pages);
    free(m);
}

void mtr_abandon(mtr *m)
{
    if (m != NULL)
        mtr_finish(m, true);
}

static int commit_as(mtr *m, uint8_t type, uint64_t root, const void *undo, uint32_t undo_len,
                     uint64_t undo_next)
{
    txm *tm = m->tm;
    uint32_t ps = pgr_page_size(tm->p);
    uint8_t *redo = NULL;
    size_t redo_len = 0;
    if (m->n > 0) {
        redo = malloc(m->n * wal_entry_max(ps));
        if (redo == NULL) {
            size_t n = m->n; /* m is freed by mtr_abandon */
            mtr_abandon(m);
            return st_set(ST_ENOMEM, "out of memory logging %zu pages", n);
        }
    }
    pthread_rwlock_rdlock(&tm->ckpt_lock);
    uint64_t first_pgno = 0;
    for (size_t i = 0; i < m->n; i++) {
        const uint8_t *before = m->pages[i].before, *after = pgr_data(m->pages[i].pg);
        uint64_t lsn = pgr_page_lsn(before);
        int full = lsn == 0 || lsn < tm->redo_lsn;
        size_t n = 0;
        if (memcmp(before + 8, after + 8, ps - 16) != 0) /* touched but unchanged: no entry */
            n = wal_entry_encode(pgr_pgno(m->pages[i].pg), before, after, ps, full,
                                 redo + redo_len);
        m->pages[i].in_record = n > 0;
        if (n > 0 && first_pgno == 0)
            first_pgno = pgr_pgno(m->pages[i].pg);
        redo_len += n;
    }
    int rc = ST_OK;
    bool logged = false;
    if (redo_len > 0 || undo_len > 0 || type == WAL_CLR) {
        if (redo_len > WAL_MAX_REC - undo_len) {
            rc = st_set(ST_ETOOBIG, "one operation changed %zu pages (%zu bytes of log): more "
                        "than a log record holds", m->n, redo_len);
        } else {
            wal_rec r = {.type = type, .pgno = first_pgno, .root = root, .undo_next = undo_next,
                         .redo = redo, .redo_len = (uint32_t)redo_len, .undo = undo,
                         .undo_len = undo_len};
            rc = txm_append(tm, m->t, &r);
            if (rc == ST_OK) {
                logged = true;
                for (size_t i = 0; i < m->n; i++)
                    if (m->pages[i].in_record)
                        pgr_stamp(m->pages[i].pg, r.lsn);
            }
        }
    }
    pthread_rwlock_unlock(&tm->ckpt_lock);
    free(redo);
    /* Not logged: undo the in-memory changes, so memory never holds an unlogged change. */
    mtr_finish(m, rc != ST_OK);
    /* I/O only now, with no latch held. */
    if (rc == ST_OK && logged)
        rc = wal_flush_if_big(tm->log);
    if (rc == ST_OK && logged && tm->checkpoint_bytes > 0 &&
        wal_end_lsn(tm->log) - atomic_load(&tm->last_ckpt_end) > tm->checkpoint_bytes)
        rc = txm_checkpoint(tm); /* no latch held here */
    return rc;
}

int mtr_commit(mtr *m, uint64_t root, const void *undo, uint32_t undo_len)
{
    return commit_as(m, WAL_UPDATE, root, undo, undo_len, 0);
}

int mtr_commit_clr(mtr *m, uint64_t undo_next)
{
    return commit_as(m, WAL_CLR, 0, NULL, 0, undo_next);
}
