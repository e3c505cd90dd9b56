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

#include <assert.h>

#include <stdlib.h>
#include <string.h>

#include "wal/delta.h"

/* A page touched only by ranges keeps the old bytes of each range instead of a before-image:
 * up to MTR_RANGES ranges and MTR_SAVED bytes, or it is converted to a full before-image. */
#define MTR_RANGES 6
#define MTR_SAVED 192

typedef struct mtr_range {
    uint16_t off, len, at; /* at: where its old bytes are in `saved` */
} mtr_range;

typedef struct mtr_page {
    pgr_page *pg;
    uint8_t *before; /* the whole before-image, or NULL while the page is tracked by ranges */
    bool in_record;  /* mtr_commit wrote an entry for it: it gets the record's LSN */
    uint8_t nranges;
    uint16_t nsaved;
    mtr_range r[MTR_RANGES];
    uint8_t saved[MTR_SAVED];
} mtr_page;

struct mtr {
    txm *tm;
    txn *t;
    mtr_page *pages;
    size_t n, cap;
    pgr_tracker tracker;
};

#ifndef NDEBUG
/* The state checker of one tracked page (wal/README.md, "Byte-range touches" and
 * "Before-images"), run after every touch: a page keeps either its whole before-image or up to
 * MTR_RANGES saved ranges (never both), the ranges' old bytes lie back to back in `saved` in
 * touch order and inside the page, and no page is in the record before the commit decides. */
static void check_entry(const mtr *m, const mtr_page *mp)
{
    uint32_t ps = pgr_page_size(m->tm->p);
    assert(mp >= m->pages && mp < m->pages + m->n && m->n <= m->cap);
    assert(mp->before == NULL || (mp->nranges == 0 && mp->nsaved == 0));
    assert(mp->nranges <= MTR_RANGES && mp->nsaved <= MTR_SAVED && !mp->in_record);
    unsigned at = 0;
    for (int k = 0; k < mp->nranges; k++) {
        assert(mp->r[k].at == at && mp->r[k].off + mp->r[k].len <= ps);
        at += mp->r[k].len;
    }
    assert(at == mp->nsaved);
}

/* The whole mini-transaction, as it commits: every entry checked, and no page tracked twice
 * (a second entry would restore or log a stale before-image). The pairwise check is skipped
 * for very large mtrs (a value's whole overflow chain), where it would cost O(n^2). */
static void check_mtr(const mtr *m)
{
    for (size_t i = 0; i < m->n; i++) {
        check_entry(m, &m->pages[i]);
        for (size_t j = i + 1; m->n <= 64 && j < m->n; j++)
            assert(m->pages[i].pg != m->pages[j].pg);
    }
}
#define CHECK_ENTRY(m, mp) check_entry((m), (mp))
#define CHECK_MTR(m) check_mtr(m)
#else
#define CHECK_ENTRY(m, mp) ((void)0)
#define CHECK_MTR(m) ((void)0)
#endif

static mtr_page *page_of(mtr *m, const pgr_page *pg)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->pages[i].pg == pg)
            return &m->pages[i];
    return NULL;
}

static mtr_page *page_add(mtr *m, pgr_page *pg)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 8;
        mtr_page *np = realloc(m->pages, cap * sizeof *np);
        if (np == NULL) {
            st_set(ST_ENOMEM, "out of memory tracking page %llu",
                   (unsigned long long)pgr_pgno(pg));
            return NULL;
        }
        m->pages = np;
        m->cap = cap;
    }
    mtr_page *mp = &m->pages[m->n++];
    mp->pg = pg;
    mp->before = NULL;
    mp->in_record = false;
    mp->nranges = 0;
    mp->nsaved = 0;
    return mp;
}

/* Gives a page tracked by ranges (or new) its whole before-image: the page as it is, with the
 * old bytes of its ranges put back, latest first, so the oldest bytes win where they overlap. */
static int make_before(mtr *m, mtr_page *mp)
{
    uint32_t ps = pgr_page_size(m->tm->p);
    uint8_t *before = malloc(ps);
    if (before == NULL)
        return st_set(ST_ENOMEM, "out of memory tracking page %llu",
                      (unsigned long long)pgr_pgno(mp->pg));
    memcpy(before, pgr_data(mp->pg), ps);
    for (int i = mp->nranges; i-- > 0;)
        memcpy(before + mp->r[i].off, mp->saved + mp->r[i].at, mp->r[i].len);
    mp->before = before;
    mp->nranges = 0;
    mp->nsaved = 0;
    return ST_OK;
}

/* Full tracking of pg: its before-image (pages tracked by ranges are converted). */
static int touch_full(mtr *m, mtr_page *mp)
{
    int rc = make_before(m, mp);
    if (rc != ST_OK && mp->nranges == 0 && mp == &m->pages[m->n - 1])
        m->n--; /* never changed: forget it (it stays latched by its caller) */
    return rc;
}


/* A page about to change names in its LSN a record the log holds: its LSN is below the log's
 * end (wal/README.md, "LSNs never go backwards"). A page read from the file that breaks this
 * is damaged, or the file and the log do not belong together: refused (XX001), never stamped
 * with a smaller LSN, which would make redo skip the new record. Checked once per page and
 * mini-transaction, when the page is first touched (it is latched exclusively: its LSN cannot
 * change under us). */
static int check_page_lsn(mtr *m, pgr_page *pg)
{
    uint64_t lsn = pgr_page_lsn(pgr_data(pg)), end = wal_end_lsn(m->tm->log);
    if (lsn < end)
        return ST_OK;
    return st_set(ST_ECORRUPT, "page %llu: LSN %llu is beyond the end of the log (%llu): the "
                  "page is damaged or the log is not this file's",
                  (unsigned long long)pgr_pgno(pg), (unsigned long long)lsn,
                  (unsigned long long)end);
}

/* The page's entry, added if new (after check_page_lsn); *done when it has its before-image
 * already. NULL with *rc set (out of memory, a page refused) when there is none. */
static mtr_page *entry_for(mtr *m, pgr_page *pg, bool *done, int *rc)
{
    mtr_page *mp = page_of(m, pg);
    *done = mp != NULL && mp->before != NULL;
    *rc = ST_OK;
    if (mp != NULL)
        return mp;
    *rc = check_page_lsn(m, pg);
    if (*rc != ST_OK)
        return NULL;
    mp = page_add(m, pg);
    if (mp == NULL)
        *rc = ST_ENOMEM;
    return mp;
}

static int mtr_touch(void *ctx, pgr_page *pg)
{
    bool done;
    int rc;
    mtr_page *mp = entry_for(ctx, pg, &done, &rc);
    if (mp == NULL)
        return rc;
    rc = done ? ST_OK : touch_full(ctx, mp);
    /* A successful touch leaves the page with its whole before-image. */
    assert(rc != ST_OK || (mp == page_of(ctx, pg) && mp->before != NULL));
    if (rc == ST_OK)
        CHECK_ENTRY((mtr *)ctx, mp);
    return rc;
}

static int mtr_touch_range(void *ctx, pgr_page *pg, uint32_t off, uint32_t len)
{
    bool done;
    int rc;
    mtr_page *mp = entry_for(ctx, pg, &done, &rc);
    if (mp == NULL || done)
        return rc;
    if (mp->nranges == MTR_RANGES || mp->nsaved + len > MTR_SAVED)
        return touch_full(ctx, mp);
    mp->r[mp->nranges++] = (mtr_range){(uint16_t)off, (uint16_t)len, mp->nsaved};
    memcpy(mp->saved + mp->nsaved, pgr_data(pg) + off, len);
    mp->nsaved = (uint16_t)(mp->nsaved + len);
    CHECK_ENTRY((mtr *)ctx, mp);
    return ST_OK;
}

static int mtr_holds(void *ctx, const pgr_page *pg)
{
    return page_of(ctx, pg) != NULL;
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
    if (tm->readonly) /* every change is logged: none is possible (wal/README.md) */
        return st_set(ST_EREADONLY, "%s is open read-only: it cannot be changed",
                      pgr_path(tm->p));
    if (txm_failed(tm))
        return st_set(ST_EIO, "%s is in a failed state after an I/O error: no further changes "
                      "until it is reopened (recovery will repair it)", pgr_path(tm->p));
    mtr *m = calloc(1, sizeof *m);
    if (m == NULL)
        return st_set(ST_ENOMEM, "out of memory starting a mini-transaction");
    m->tm = tm;
    m->t = t;
    m->tracker = (pgr_tracker){.touch = mtr_touch, .holds = mtr_holds, .find = mtr_find,
                               .ctx = m, .touch_range = mtr_touch_range};
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
        mtr_page *mp = &m->pages[i];
        if (restore) {
            if (mp->before != NULL)
                memcpy(pgr_data(mp->pg), mp->before, ps);
            for (int k = mp->nranges; k-- > 0;) /* latest first: the oldest bytes win */
                memcpy(pgr_data(mp->pg) + mp->r[k].off, mp->saved + mp->r[k].at, mp->r[k].len);
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

/* Whether the page's bytes differ from what they were when first touched. */
static bool page_changed(const mtr_page *mp, uint32_t ps)
{
    const uint8_t *now = pgr_data(mp->pg);
    if (mp->before != NULL)
        return memcmp(mp->before + 8, now + 8, ps - 16) != 0;
    for (int k = 0; k < mp->nranges; k++)
        if (memcmp(mp->saved + mp->r[k].at, now + mp->r[k].off, mp->r[k].len) != 0)
            return true;
    return false;
}

static int commit_as(mtr *m, uint8_t type, uint64_t root, const void *undo, uint32_t undo_len,
                     uint64_t undo_next)
{
    txm *tm = m->tm;
    uint32_t ps = pgr_page_size(tm->p);
    uint8_t stack_redo[1024], *redo = stack_redo;
    size_t redo_len = 0;
    CHECK_MTR(m);
    /* A CLR carries no undo of its own: undo never undoes an undo (wal/README.md, "Recovery"). */
    assert(type == WAL_UPDATE || (type == WAL_CLR && undo_len == 0));
    /* Under the checkpoint lock: the full-image decision and the append see one redo LSN. */
    pthread_rwlock_rdlock(&tm->ckpt_lock);
    size_t need = 0;
    for (size_t i = 0; i < m->n; i++) {
        const mtr_page *mp = &m->pages[i];
        uint64_t lsn = pgr_page_lsn(mp->before ? mp->before : pgr_data(mp->pg));
        bool full = lsn == 0 || lsn < tm->redo_lsn;
        need += mp->before != NULL || full ? wal_entry_max(ps)
                                           : WAL_ENTRY_MAX_HDR + 4u * mp->nranges + mp->nsaved;
    }
    if (need > sizeof stack_redo && (redo = malloc(need)) == NULL) {
        pthread_rwlock_unlock(&tm->ckpt_lock);
        size_t n = m->n; /* m is freed by mtr_abandon */
        mtr_abandon(m);
        return st_set(ST_ENOMEM, "out of memory logging %zu pages", n);
    }
    uint64_t first_pgno = 0;
    for (size_t i = 0; i < m->n; i++) {
        const mtr_page *mp = &m->pages[i];
        const uint8_t *after = pgr_data(mp->pg);
        uint64_t lsn = pgr_page_lsn(mp->before ? mp->before : after);
        int full = lsn == 0 || lsn < tm->redo_lsn;
        size_t n = 0;
        if (!page_changed(mp, ps)) { /* touched but unchanged: no entry */
        } else if (mp->before != NULL || full) {
            n = wal_entry_encode(pgr_pgno(mp->pg), mp->before, after, ps, full, redo + redo_len);
        } else {
            wal_range rs[MTR_RANGES];
            for (int k = 0; k < mp->nranges; k++)
                rs[k] = (wal_range){mp->r[k].off, mp->r[k].len};
            n = wal_entry_encode_ranges(pgr_pgno(mp->pg), after, ps, rs, mp->nranges,
                                        redo + redo_len);
        }
        m->pages[i].in_record = n > 0;
        if (n > 0 && first_pgno == 0)
            first_pgno = pgr_pgno(mp->pg);
        redo_len += n;
        assert(redo_len <= need); /* each entry within the bound reserved for it */
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
                    if (m->pages[i].in_record) {
                        /* LSNs never go backwards for a page (wal/README.md, "LSNs never
                         * go backwards"): redo skips records not newer than the page. */
                        assert(pgr_page_lsn(pgr_data(m->pages[i].pg)) < r.lsn);
                        pgr_stamp(m->pages[i].pg, r.lsn);
                        /* ... and the page's LSN is its last record's: page order = log
                         * order, which the WAL rule and redo's skip test rely on. */
                        assert(pgr_page_lsn(pgr_data(m->pages[i].pg)) == r.lsn);
                    }
            }
        }
    }
    pthread_rwlock_unlock(&tm->ckpt_lock);
    if (redo != stack_redo)
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
