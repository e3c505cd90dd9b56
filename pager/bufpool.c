/*
 * bufpool.c — the buffer pool: frames, page table, GCLOCK eviction, write-back.
 *
 * Design (pager/README.md, "Buffer pool"): a fixed array of frames allocated at open, a chained
 * hash page table keyed by page number (Fibonacci hashing), and a clock-sweep hand with usage counts capped
 * at USAGE_MAX. The pool mutex protects the table, pins, usage counts and the hand, and is
 * never held across I/O or while waiting for a page latch: a miss installs the frame as
 * FR_LOADING, drops the mutex, reads and verifies, then publishes it; a dirty victim is pinned,
 * written with only its page latch (shared) held, and re-examined.
 */
#include "pager/pager_int.h"
#include "pager/status.h"

#include <assert.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

uint64_t bp_checksum(const uint8_t *page, uint32_t page_size, uint64_t pgno)
{
    return XXH3_64bits_withSeed(page, page_size - PGR_TRAILER_SIZE, pgno);
}

/* ---- change tracking (pager.h, "change tracking") ---------------------------------------- */

static _Thread_local const pgr_tracker *tls_tracker;

void pgr_track(const pgr_tracker *t) { tls_tracker = t; }
const pgr_tracker *bp_tracker(void) { return tls_tracker; }

struct pgr_page *bp_held(pgr *p, uint64_t pgno)
{
    return tls_tracker ? tls_tracker->find(tls_tracker->ctx, p, pgno) : NULL;
}

int pgr_touch(pgr_page *pg)
{
    return tls_tracker ? tls_tracker->touch(tls_tracker->ctx, pg) : ST_OK;
}

int pgr_touch_range(pgr_page *pg, uint32_t off, uint32_t len)
{
    const pgr_tracker *t = tls_tracker;
    if (t == NULL)
        return ST_OK;
    return t->touch_range ? t->touch_range(t->ctx, pg, off, len) : t->touch(t->ctx, pg);
}

static size_t bucket_of(const pgr *p, uint64_t pgno)
{
    /* Fibonacci hashing: one multiply, and the high bits mix every bit of the page number
     * (buckets are a power of two; nbuckets >= 16, so the shift is at most 60). */
    unsigned shift = 64u - (unsigned)__builtin_ctzll((unsigned long long)p->nbuckets);
    return (size_t)((pgno * 0x9E3779B97F4A7C15ull) >> shift);
}

/* Page table operations; pool mutex held. */
static struct pgr_page *table_find(pgr *p, uint64_t pgno)
{
    for (int32_t i = p->buckets[bucket_of(p, pgno)]; i >= 0; i = p->frames[i].hnext)
        if (p->frames[i].pgno == pgno && p->frames[i].state != FR_EMPTY)
            return &p->frames[i];
    return NULL;
}

static void table_insert(pgr *p, struct pgr_page *f)
{
    size_t b = bucket_of(p, f->pgno);
    f->hnext = p->buckets[b];
    p->buckets[b] = (int32_t)(f - p->frames);
}

static void table_remove(pgr *p, struct pgr_page *f)
{
    int32_t idx = (int32_t)(f - p->frames);
    for (int32_t *link = &p->buckets[bucket_of(p, f->pgno)]; *link >= 0;
         link = &p->frames[*link].hnext) {
        if (*link == idx) {
            *link = f->hnext;
            f->hnext = -1;
            return;
        }
    }
}

#ifndef NDEBUG
/* The state checker of one frame (pool mutex held), called at every change of its state,
 * pin or table membership. It asserts what pager/README.md, "Buffer pool" says: pins are never
 * negative and the usage count stays within its cap; an empty frame is unpinned; a frame being
 * loaded is pinned by its loader; a loading or ready frame is the one the page table finds
 * for its page (so no page is cached twice); a reserved frame is pinned once and in no table
 * chain; the header frame stays pinned for the pager's life. A frame that is empty, reserved or
 * being loaded holds no change (it is clean), and an unpinned frame has no write in flight
 * (only a thread holding a pin writes a frame, and it clears io_busy before unpinning). */
static void check_frame(pgr *p, const struct pgr_page *f)
{
    assert(f >= p->frames && f < p->frames + p->nframes);
    assert(f->pin >= 0 && f->usage <= USAGE_MAX);
    assert(f->pin > 0 || !atomic_load(&f->io_busy));
    switch (f->state) {
    case FR_EMPTY:
        assert(f->pin == 0 && !atomic_load(&f->dirty));
        break;
    case FR_LOADING:
        assert(f->pin >= 1 && !atomic_load(&f->dirty));
        /* fall through */
    case FR_READY:
        assert(table_find(p, f->pgno) == f);
        break;
    case FR_RESERVED:
        assert(f->pin == 1 && table_find(p, f->pgno) != f && !atomic_load(&f->dirty));
        break;
    default:
        assert(!"a frame in no known state");
    }
    assert(f != p->hdr || f->pin >= 1);
}

/* The whole pool (pool mutex held; O(frames), run at flushes, checkpoints and close): its
 * geometry (at least 8 frames, a power-of-two table at least twice as large, the clock hand on
 * a frame), the header frame holding page 0, every frame checked, a read-only pager holding no
 * change (nothing can latch a page exclusively), and every table chain holds only loading or
 * ready frames of its bucket. */
static void check_pool(pgr *p)
{
    assert(p->nframes >= 8 && p->hand < p->nframes);
    assert(p->nbuckets >= 2 * p->nframes && (p->nbuckets & (p->nbuckets - 1)) == 0);
    assert(p->hdr == NULL || (p->hdr->pgno == 0 && p->hdr->state == FR_READY));
    size_t in_table = 0, cached = 0;
    for (size_t i = 0; i < p->nframes; i++) {
        check_frame(p, &p->frames[i]);
        cached += p->frames[i].state == FR_LOADING || p->frames[i].state == FR_READY;
        assert(!p->readonly || !atomic_load(&p->frames[i].dirty));
    }
    for (size_t b = 0; b < p->nbuckets; b++)
        for (int32_t i = p->buckets[b]; i >= 0; i = p->frames[i].hnext) {
            assert((size_t)i < p->nframes && bucket_of(p, p->frames[i].pgno) == b);
            assert(p->frames[i].state == FR_LOADING || p->frames[i].state == FR_READY);
            in_table++;
        }
    assert(in_table == cached);
}
#define CHECK_FRAME(p, f) check_frame((p), (f))
#define CHECK_POOL(p) check_pool(p)
#else
#define CHECK_FRAME(p, f) ((void)0)
#define CHECK_POOL(p) ((void)0)
#endif

int bp_init(pgr *p, size_t cache_bytes)
{
    size_t n = cache_bytes / p->page_size;
    if (n < 8)
        n = 8;
    p->nframes = n;
    p->nbuckets = 16;
    while (p->nbuckets < 2 * n)
        p->nbuckets <<= 1;
    p->frames = calloc(n, sizeof *p->frames);
    p->buckets = malloc(p->nbuckets * sizeof *p->buckets);
    if (posix_memalign((void **)&p->arena, 4096, n * p->page_size) != 0)
        p->arena = NULL;
    if (p->frames == NULL || p->buckets == NULL || p->arena == NULL) {
        free(p->frames);
        free(p->buckets);
        free(p->arena);
        p->frames = NULL;
        p->buckets = NULL;
        p->arena = NULL;
        return st_set(ST_ENOMEM, "cannot allocate a buffer pool of %zu pages of %u bytes", n,
                      p->page_size);
    }
    memset(p->buckets, 0xff, p->nbuckets * sizeof *p->buckets); /* all -1 */
    for (size_t i = 0; i < n; i++) {
        struct pgr_page *f = &p->frames[i];
        f->pager = p;
        f->data = p->arena + i * p->page_size;
        f->hnext = -1;
        pthread_rwlock_init(&f->latch, NULL);
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->io_cv, NULL);
    return ST_OK;
}

void bp_destroy(pgr *p)
{
    if (p->frames == NULL)
        return;
    CHECK_POOL(p); /* the last user is gone: no lock needed */
    for (size_t i = 0; i < p->nframes; i++)
        pthread_rwlock_destroy(&p->frames[i].latch);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->io_cv);
    free(p->frames);
    free(p->buckets);
    free(p->arena);
    p->frames = NULL;
}

/*
 * Writes frame f if dirty. Caller holds a pin on f and not the pool mutex.
 * The shared latch is held for the whole write so that two writers of one frame (a flush and
 * an eviction) cannot reorder an old copy after a newer one, and no change lands between the
 * copy and clearing the dirty bit. The WAL hook runs first (WAL rule, wal/README.md).
 */
static int failed_error(pgr *p)
{
    return st_set(ST_EIO, "%s is in a failed state after an earlier write or fdatasync error; "
                  "no further writes are accepted until it is reopened", p->path);
}

int pgr_failed(pgr *p) { return atomic_load(&p->failed); }

/* Waits until no write of f is in flight; pool mutex held. */
static void wait_io(pgr *p, struct pgr_page *f)
{
    while (atomic_load(&f->io_busy))
        pthread_cond_wait(&p->io_cv, &p->mu);
}

static void io_done(pgr *p, struct pgr_page *f)
{
    pthread_mutex_lock(&p->mu);
    atomic_store(&f->io_busy, false);
    pthread_cond_broadcast(&p->io_cv);
    pthread_mutex_unlock(&p->mu);
}

static int write_frame(pgr *p, struct pgr_page *f, bool wait)
{
    if (!atomic_load(&f->dirty))
        return ST_OK;
    if (atomic_load(&p->failed))
        return failed_error(p);
    uint8_t *buf = malloc(p->page_size);
    if (buf == NULL)
        return st_set(ST_ENOMEM, "out of memory writing page %llu of %s",
                      (unsigned long long)f->pgno, p->path);
    int rc = ST_OK;
    if (wait) {
        pthread_rwlock_rdlock(&f->latch);
    } else if (pthread_rwlock_tryrdlock(&f->latch) != 0) {
        /* Latched exclusively by a thread that pinned it after we chose it: not a victim
         * after all. Never wait here — the evicting thread may hold latches that thread
         * needs (pager/README.md, "Latches"). */
        free(buf);
        return ST_ELOCKED;
    }
    bool wrote = false;
    if (atomic_exchange(&f->dirty, false)) {
        wrote = true;
        atomic_store(&f->io_busy, true);
        uint64_t rec_lsn = atomic_exchange(&f->rec_lsn, 0);
        memcpy(buf, f->data, p->page_size);
        if (p->before_write)
            rc = p->before_write(p->before_write_ctx, f->pgno, pgr_page_lsn(buf));
        if (rc == ST_OK) {
            put_u64(buf + p->page_size - PGR_TRAILER_SIZE, bp_checksum(buf, p->page_size, f->pgno));
            rc = os_write(p->file, buf, p->page_size, f->pgno * p->page_size);
            if (rc != ST_OK) /* fail-stop (pager/README.md); a refusing hook is not our I/O */
                atomic_store(&p->failed, true);
        }
        if (rc != ST_OK) {
            atomic_store(&f->dirty, true); /* not written: keep it dirty, lose nothing */
            atomic_store(&f->rec_lsn, rec_lsn);
        } else
            atomic_fetch_add(&p->st_writes, 1);
    }
    pthread_rwlock_unlock(&f->latch);
    if (wrote)
        io_done(p, f);
    free(buf);
    return rc;
}

/*
 * Finds a frame to reuse: empty, or unpinned with usage 0 and clean (dirty ones are written
 * first, with the mutex dropped). Pool mutex held on entry and exit. On success the frame is
 * still in the page table under its old page number (the caller removes it). ST_EFULL when a
 * bounded number of sweeps finds nothing unpinned: every frame is pinned.
 */
static int find_victim(pgr *p, struct pgr_page **out)
{
    size_t budget = p->nframes * (USAGE_MAX + 2);
    while (budget-- > 0) {
        struct pgr_page *f = &p->frames[p->hand];
        p->hand = (p->hand + 1) % p->nframes;
        if (f->state == FR_EMPTY) {
            *out = f;
            return ST_OK;
        }
        if (f->state != FR_READY || f->pin > 0)
            continue;
        if (f->usage > 0) {
            f->usage--;
            continue;
        }
        if (atomic_load(&f->dirty)) {
            f->pin++;
            pthread_mutex_unlock(&p->mu);
            int rc = write_frame(p, f, false);
            pthread_mutex_lock(&p->mu);
            assert(f->pin > 0); /* our pin, taken above */
            f->pin--;
            CHECK_FRAME(p, f);
            if (rc == ST_ELOCKED)
                continue;
            if (rc != ST_OK)
                return rc;
            /* Someone may have pinned or dirtied it meanwhile; take it only if still idle. */
            if (f->pin > 0 || atomic_load(&f->dirty) || f->usage > 0)
                continue;
        }
        atomic_fetch_add(&p->st_evictions, 1);
        *out = f;
        return ST_OK;
    }
    return st_set(ST_EFULL, "buffer pool of %s exhausted: all %zu frames are pinned", p->path,
                  p->nframes);
}

/* Claims a frame for pgno (mutex held): returns it pinned, FR_LOADING, in the table. If the
 * page appeared in the table while a victim was being written, returns ST_EEXISTS and the
 * caller retries the lookup. */
static int claim_frame(pgr *p, uint64_t pgno, struct pgr_page **out)
{
    struct pgr_page *f = NULL;
    int rc = find_victim(p, &f);
    if (rc != ST_OK)
        return rc;
    if (table_find(p, pgno) != NULL)
        return ST_EEXISTS;
    if (f->state != FR_EMPTY)
        table_remove(p, f);
    f->pgno = pgno;
    f->state = FR_LOADING;
    f->pin = 1;
    f->usage = 1;
    atomic_store(&f->dirty, false);
    table_insert(p, f);
    CHECK_FRAME(p, f);
    *out = f;
    return ST_OK;
}

/* Publishes a loaded frame (or drops it on error) and wakes waiters. Mutex not held. */
static void finish_load(pgr *p, struct pgr_page *f, int rc)
{
    pthread_mutex_lock(&p->mu);
    if (rc == ST_OK) {
        f->state = FR_READY;
        atomic_store(&f->version, atomic_fetch_add(&p->vclock, 1) + 1);
        atomic_store(&f->checked, 0);
    } else {
        table_remove(p, f);
        f->state = FR_EMPTY;
        f->pin = 0;
    }
    CHECK_FRAME(p, f);
    pthread_cond_broadcast(&p->io_cv);
    pthread_mutex_unlock(&p->mu);
}

static int read_page(pgr *p, uint64_t pgno, uint8_t *buf)
{
    size_t got = 0;
    int rc = os_read(p->file, buf, p->page_size, pgno * p->page_size, &got);
    atomic_fetch_add(&p->st_reads, 1);
    if (rc != ST_OK)
        return rc;
    if (got < p->page_size)
        return st_set(ST_ECORRUPT, "%s: page %llu is beyond the end of the file (short read of "
                      "%zu bytes)", p->path, (unsigned long long)pgno, got);
    uint64_t want = get_u64(buf + p->page_size - PGR_TRAILER_SIZE);
    if (bp_checksum(buf, p->page_size, pgno) != want)
        return st_set(ST_ECORRUPT, "%s: checksum mismatch on page %llu", p->path,
                      (unsigned long long)pgno);
    return ST_OK;
}

/* LATCH_UNREACHABLE: an exclusive latch on a page nobody else can reach (a free page being
 * allocated, a brand-new page) taken while the header latch is held. It cannot block for
 * long — at most behind an evictor's shared latch during a write — so it spins on trywrlock
 * instead of waiting: the header latch stays "last" in the lock order (pager/README.md) and
 * no header -> page ordering edge is created. */
#define LATCH_UNREACHABLE 3

static void latch(struct pgr_page *f, int mode)
{
    if (mode == PGR_EXCL)
        pthread_rwlock_wrlock(&f->latch);
    else if (mode == PGR_SHARED)
        pthread_rwlock_rdlock(&f->latch);
    else
        for (unsigned spins = 0; pthread_rwlock_trywrlock(&f->latch) != 0; spins++) {
            if (spins < 64) {
                sched_yield();
            } else { /* a writer of the page's old contents is in its WAL flush: nap */
                struct timespec nap = {0, 100 * 1000};
                nanosleep(&nap, NULL);
            }
        }
}

static int get_page(pgr *p, uint64_t pgno, int mode, pgr_page **out);

int pgr_get(pgr *p, uint64_t pgno, int mode, pgr_page **out)
{
    if (mode != PGR_SHARED && mode != PGR_EXCL)
        return st_set(ST_EINVAL, "pgr_get: bad latch mode %d", mode);
    if (mode == PGR_EXCL && p->readonly)
        return st_set(ST_EREADONLY, "%s is open read-only", p->path);
    return get_page(p, pgno, mode, out);
}

/* Pins page pgno (reading and verifying it on a miss) and latches it in `mode`. With
 * zero_if_unreadable (redo of a full image), a page that fails to verify comes back zeroed. */
static int fetch(pgr *p, uint64_t pgno, int mode, bool zero_if_unreadable, pgr_page **out)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct pgr_page *f = table_find(p, pgno);
        if (f != NULL) {
            if (f->state == FR_LOADING) {
                pthread_cond_wait(&p->io_cv, &p->mu);
                continue;
            }
            f->pin++;
            if (f->usage < USAGE_MAX)
                f->usage++;
            CHECK_FRAME(p, f);
            pthread_mutex_unlock(&p->mu);
            atomic_fetch_add(&p->st_hits, 1);
            latch(f, mode);
            *out = f;
            return ST_OK;
        }
        int rc = claim_frame(p, pgno, &f);
        if (rc == ST_EEXISTS)
            continue;
        pthread_mutex_unlock(&p->mu);
        if (rc != ST_OK)
            return rc;
        atomic_fetch_add(&p->st_misses, 1);
        /* FR_LOADING: nobody else touches f->data until finish_load publishes it. */
        rc = read_page(p, pgno, f->data);
        if (rc == ST_ECORRUPT && zero_if_unreadable) {
            /* Torn, missing or beyond the end: a full image is about to replace it. */
            memset(f->data, 0, p->page_size);
            rc = ST_OK;
        }
        finish_load(p, f, rc);
        if (rc != ST_OK)
            return rc;
        latch(f, mode);
        *out = f;
        return ST_OK;
    }
}

static int get_page(pgr *p, uint64_t pgno, int mode, pgr_page **out)
{
    struct pgr_page *held = bp_held(p, pgno);
    if (held != NULL) { /* already latched EXCL by this thread's mini-transaction */
        *out = held;
        return ST_OK;
    }
    uint64_t n = atomic_load(&p->npages);
    if (pgno >= n)
        return st_set(ST_ECORRUPT, "%s: page %llu is beyond the end of the database (%llu pages)",
                      p->path, (unsigned long long)pgno, (unsigned long long)n);
    return fetch(p, pgno, mode, false, out);
}

int bp_reserve(pgr *p, struct pgr_page **out)
{
    pthread_mutex_lock(&p->mu);
    struct pgr_page *f = NULL;
    int rc = find_victim(p, &f);
    if (rc == ST_OK) {
        if (f->state != FR_EMPTY)
            table_remove(p, f);
        f->state = FR_RESERVED;
        f->pin = 1;
        atomic_store(&f->dirty, false);
        CHECK_FRAME(p, f);
        *out = f;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* Drops a reservation; mutex held. */
static void unreserve(pgr *p, struct pgr_page *f)
{
    (void)p; /* for the checker only */
    assert(f->state == FR_RESERVED && f->pin == 1); /* the reserver's own pin, and only it */
    f->state = FR_EMPTY;
    f->pin = 0;
    CHECK_FRAME(p, f);
}

void bp_unreserve(pgr *p, struct pgr_page *f)
{
    pthread_mutex_lock(&p->mu);
    unreserve(p, f);
    pthread_mutex_unlock(&p->mu);
}

int bp_take_reserved(pgr *p, struct pgr_page *spare, uint64_t pgno, bool read,
                     struct pgr_page **out)
{
    pthread_mutex_lock(&p->mu);
    CHECK_FRAME(p, spare);
    assert(spare->state == FR_RESERVED); /* bp_reserve's, consumed exactly once */
    for (;;) {
        struct pgr_page *cached = table_find(p, pgno);
        if (cached == NULL)
            break;
        if (cached->state == FR_LOADING) {
            pthread_cond_wait(&p->io_cv, &p->mu);
            continue;
        }
        /* A freed page still in the pool: use it; the reservation is not needed. */
        cached->pin++;
        CHECK_FRAME(p, cached);
        unreserve(p, spare);
        pthread_mutex_unlock(&p->mu);
        latch(cached, LATCH_UNREACHABLE);
        *out = cached;
        return ST_OK;
    }
    spare->pgno = pgno;
    spare->state = FR_LOADING;
    spare->usage = 1;
    table_insert(p, spare);
    CHECK_FRAME(p, spare);
    pthread_mutex_unlock(&p->mu);
    int rc = ST_OK;
    if (read) {
        atomic_fetch_add(&p->st_misses, 1);
        rc = read_page(p, pgno, spare->data);
    } else {
        memset(spare->data, 0, p->page_size);
    }
    finish_load(p, spare, rc);
    if (rc != ST_OK)
        return rc;
    latch(spare, LATCH_UNREACHABLE);
    *out = spare;
    return ST_OK;
}

void pgr_release(pgr_page *f)
{
    if (tls_tracker && tls_tracker->holds(tls_tracker->ctx, f))
        return; /* the mini-transaction releases it at its commit */
    pgr_release_held(f);
}

void pgr_release_held(pgr_page *f)
{
    pgr *p = f->pager;
    pthread_rwlock_unlock(&f->latch);
    pthread_mutex_lock(&p->mu);
    assert(f->pin > 0);
    f->pin--;
    CHECK_FRAME(p, f);
    pthread_mutex_unlock(&p->mu);
}

void bp_pin(struct pgr_page *f)
{
    pthread_mutex_lock(&f->pager->mu);
    assert(f->pin >= 1 && f->state == FR_READY); /* pins a frame already pinned (pager_int.h) */
    f->pin++;
    CHECK_FRAME(f->pager, f);
    pthread_mutex_unlock(&f->pager->mu);
}

uint8_t *pgr_data(pgr_page *pg) { return pg->data; }
uint64_t pgr_pgno(const pgr_page *pg) { return pg->pgno; }
uint64_t pgr_version(const pgr_page *pg) { return atomic_load(&((pgr_page *)pg)->version); }
uint64_t pgr_checked(const pgr_page *pg) { return atomic_load(&((pgr_page *)pg)->checked); }
void pgr_set_checked(pgr_page *pg, uint64_t version) { atomic_store(&pg->checked, version); }

void pgr_mark_dirty(pgr_page *pg)
{
    atomic_store(&pg->dirty, true);
    atomic_store(&pg->version, atomic_fetch_add(&pg->pager->vclock, 1) + 1);
}

bool bp_any_pinned(pgr *p)
{
    bool any = false;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->nframes; i++)
        if (p->frames[i].pin > (&p->frames[i] == p->hdr ? 1 : 0)) /* page 0: its own pin */
            any = true;
    pthread_mutex_unlock(&p->mu);
    return any;
}

/* Writes every dirty frame whose pgno is not 0 and whose rec_lsn is below `older` (0: every
 * dirty frame), waiting for writes already in flight, one frame pinned at a time. */
static int write_dirty(pgr *p, uint64_t older)
{
    int rc = ST_OK;
    for (size_t i = 0; i < p->nframes && rc == ST_OK; i++) {
        struct pgr_page *f = &p->frames[i];
        if (f == p->hdr)
            continue;
        pthread_mutex_lock(&p->mu);
        wait_io(p, f);
        uint64_t r = atomic_load(&f->rec_lsn);
        bool take = f->state == FR_READY && atomic_load(&f->dirty) &&
                    (older == 0 || (r != 0 && r < older));
        if (take)
            f->pin++;
        pthread_mutex_unlock(&p->mu);
        if (!take)
            continue;
        rc = write_frame(p, f, true);
        pthread_mutex_lock(&p->mu);
        assert(f->pin > 0); /* ours, taken above */
        f->pin--;
        CHECK_FRAME(p, f);
        pthread_mutex_unlock(&p->mu);
    }
    return rc;
}

static int sync_file(pgr *p)
{
    int rc = os_sync(p->file);
    atomic_fetch_add(&p->st_syncs, 1);
    if (rc != ST_OK)
        atomic_store(&p->failed, true); /* never retried and reported as success */
    return rc;
}

/*
 * The header goes last and on its own (pager/README.md, "Buffer pool"): data pages are written,
 * the file is made at least as long as the header will claim, and synced; only then is the
 * header written and synced. A power cut at any moment therefore leaves a header whose page
 * count the file covers. The header is copied under its latch after the data pages, so a
 * concurrent allocation is either in the copy (and the file is extended for it) or not.
 */
static int write_header_last(pgr *p)
{
    uint8_t *buf = malloc(p->page_size);
    if (buf == NULL)
        return st_set(ST_ENOMEM, "out of memory flushing %s", p->path);
    pthread_mutex_lock(&p->mu);
    wait_io(p, p->hdr);
    pthread_mutex_unlock(&p->mu);
    pthread_rwlock_rdlock(&p->hdr->latch);
    bool dirty = atomic_exchange(&p->hdr->dirty, false);
    if (dirty)
        memcpy(buf, p->hdr->data, p->page_size);
    pthread_rwlock_unlock(&p->hdr->latch);
    int rc = ST_OK;
    if (dirty) {
        uint64_t count = get_u64(buf + HDR_PAGE_COUNT), size = 0;
        rc = os_size(p->file, &size);
        if (rc == ST_OK && size < count * p->page_size) {
            rc = os_truncate(p->file, count * p->page_size); /* extends with zeros */
            if (rc != ST_OK)
                atomic_store(&p->failed, true);
        }
        if (rc == ST_OK)
            rc = sync_file(p);
        if (rc == ST_OK && p->before_write)
            rc = p->before_write(p->before_write_ctx, 0, pgr_page_lsn(buf));
        if (rc == ST_OK) {
            put_u64(buf + p->page_size - PGR_TRAILER_SIZE, bp_checksum(buf, p->page_size, 0));
            rc = os_write(p->file, buf, p->page_size, 0);
            if (rc != ST_OK)
                atomic_store(&p->failed, true);
        }
        if (rc == ST_OK)
            atomic_fetch_add(&p->st_writes, 1);
        else
            atomic_store(&p->hdr->dirty, true);
    }
    free(buf);
    return rc;
}

int bp_flush_all(pgr *p)
{
    pthread_mutex_lock(&p->mu);
    CHECK_POOL(p);
    pthread_mutex_unlock(&p->mu);
    if (atomic_load(&p->failed))
        return failed_error(p);
    int rc = write_dirty(p, 0);
    if (rc == ST_OK)
        rc = write_header_last(p);
    if (rc == ST_OK)
        rc = sync_file(p);
    return rc;
}

int pgr_read_verify(pgr *p, uint64_t pgno, uint8_t *buf)
{
    if (pgno >= atomic_load(&p->npages))
        return st_set(ST_ECORRUPT, "%s: page %llu is beyond the end of the database",
                      p->path, (unsigned long long)pgno);
    /* A dirty cached page is newer than the file: check the cached bytes instead. */
    pthread_mutex_lock(&p->mu);
    struct pgr_page *f = table_find(p, pgno);
    if (f != NULL && f->state == FR_READY)
        wait_io(p, f); /* a write in flight: the file is not yet the truth */
    bool cached_dirty = f != NULL && f->state == FR_READY && atomic_load(&f->dirty);
    if (cached_dirty)
        f->pin++;
    pthread_mutex_unlock(&p->mu);
    if (cached_dirty) {
        pthread_rwlock_rdlock(&f->latch);
        memcpy(buf, f->data, p->page_size);
        pgr_release(f);
        return ST_OK;
    }
    return read_page(p, pgno, buf);
}

void pgr_get_stats(pgr *p, pgr_stats *out)
{
    out->hits = atomic_load(&p->st_hits);
    out->misses = atomic_load(&p->st_misses);
    out->reads = atomic_load(&p->st_reads);
    out->writes = atomic_load(&p->st_writes);
    out->evictions = atomic_load(&p->st_evictions);
    out->syncs = atomic_load(&p->st_syncs);
    out->frames = p->nframes;
}

void pgr_stamp(pgr_page *pg, uint64_t lsn)
{
    pgr_set_page_lsn(pg->data, lsn);
    uint_fast64_t none = 0;
    atomic_compare_exchange_strong(&pg->rec_lsn, &none, lsn);
    /* Dirty, but the version is not bumped: the LSN is not part of the cells, so cursors
     * positioned on the page and the writers' validation cache (btree.c) stay valid. Every
     * change of the cells bumps it through pgr_mark_dirty. */
    atomic_store(&pg->dirty, true);
}

void pgr_dirty_pages(pgr *p, pgr_dirty_fn fn, void *ctx)
{
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->nframes; i++) {
        struct pgr_page *f = &p->frames[i];
        uint64_t r = atomic_load(&f->rec_lsn);
        if (f->state == FR_READY && atomic_load(&f->dirty) && r != 0)
            fn(ctx, f->pgno, r);
    }
    pthread_mutex_unlock(&p->mu);
}

int pgr_flush_older(pgr *p, uint64_t lsn)
{
    if (p->readonly)
        return ST_OK;
    pthread_mutex_lock(&p->mu);
    CHECK_POOL(p); /* at each checkpoint, as at each flush */
    pthread_mutex_unlock(&p->mu);
    if (atomic_load(&p->failed))
        return failed_error(p);
    int rc = write_dirty(p, lsn ? lsn : 1);
    if (rc == ST_OK)
        rc = write_header_last(p);
    if (rc == ST_OK)
        rc = sync_file(p);
    return rc;
}

int pgr_get_for_redo(pgr *p, uint64_t pgno, int overwrite, pgr_page **out)
{
    if (p->readonly)
        return st_set(ST_EREADONLY, "%s is open read-only: it cannot be recovered", p->path);
    uint64_t n = atomic_load(&p->npages);
    while (pgno >= n && !atomic_compare_exchange_weak(&p->npages, &n, pgno + 1))
        ;
    return fetch(p, pgno, PGR_EXCL, overwrite != 0, out);
}

int pgr_redo_done(pgr *p)
{
    uint64_t count = get_u64(p->hdr->data + HDR_PAGE_COUNT);
    uint64_t have = atomic_load(&p->npages), file = pgr_file_pages(p);
    if (count > have && count > file)
        return st_set(ST_ECORRUPT, "%s: the header recovered from the log counts %llu pages, but "
                      "the file holds %llu and the log wrote up to page %llu", p->path,
                      (unsigned long long)count, (unsigned long long)file,
                      (unsigned long long)(have ? have - 1 : 0));
    if (count > have)
        atomic_store(&p->npages, count);
    assert(atomic_load(&p->npages) >= count); /* every page the header counts can be read */
    return ST_OK;
}

void pgr_reset_page_count(pgr *p)
{
    uint64_t count = get_u64(p->hdr->data + HDR_PAGE_COUNT);
    atomic_store(&p->npages, count);
    /* Frames of pages that no longer exist (allocated by an undone change) are forgotten. */
    pthread_mutex_lock(&p->mu);
    assert(p->hdr->pin >= 1); /* page 0 stays pinned for the pager's life */
    for (size_t i = 0; i < p->nframes; i++) {
        struct pgr_page *f = &p->frames[i];
        if (f->state == FR_READY && f->pgno >= count && f->pin == 0) {
            table_remove(p, f);
            f->state = FR_EMPTY;
            atomic_store(&f->dirty, false);
            atomic_store(&f->rec_lsn, 0);
            CHECK_FRAME(p, f);
        }
    }
    pthread_mutex_unlock(&p->mu);
}
