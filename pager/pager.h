/*
 * pager.h — the database file and its buffer pool.
 *
 * A pager owns one database file: page 0 (the file header) and pages 1..page_count-1, each
 * `page_size` bytes. Pages are reached only through the buffer pool: pgr_get() pins a page in a
 * frame and latches it; pgr_release() unlatches and unpins. The on-disk format, the latch
 * protocol and the eviction policy are in pager/README.md.
 *
 * Every page starts with the common header and ends with the checksum trailer:
 *
 *   offset        size  field
 *   0             8     page LSN (little-endian u64; 0 until the WAL writes one)
 *   8             1     page type (PGR_T_*)
 *   9             7     type-specific
 *   ...
 *   page_size-8   8     XXH3-64 of bytes [0, page_size-8), seeded with the page number
 *
 * The checksum is computed by the pager when the page is written and verified when it is read
 * from the file; modules never touch the trailer. A mismatch is ST_ECORRUPT naming file and page.
 *
 * Threading: a pgr is shared by all threads. A pgr_page handle belongs to the thread that got
 * it until pgr_release(). Latches are per page (shared or exclusive, see pgr_latch); a thread
 * never waits for I/O while holding the pool mutex.
 */
#ifndef ACIDB_PAGER_H
#define ACIDB_PAGER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "pager/os.h"

#define PGR_FORMAT_VERSION 1u
#define PGR_MAGIC "acidb format\0\0\0\0" /* 16 bytes at offset 16 of page 0 */
#define PGR_MIN_PAGE 512u
#define PGR_MAX_PAGE 65536u
#define PGR_DEFAULT_PAGE 4096u
#define PGR_DEFAULT_CACHE (16u << 20)
#define PGR_HDR_SIZE 16u     /* common page header: LSN + type + 7 type-specific bytes */
#define PGR_TRAILER_SIZE 8u  /* checksum */

/* Page types (byte 8 of every page). 0 is never valid on disk: a zeroed page is corrupt. */
enum pgr_type {
    PGR_T_HEADER = 1,
    PGR_T_FREE = 2,
    PGR_T_TABLE_LEAF = 3,
    PGR_T_TABLE_INTERNAL = 4,
    PGR_T_INDEX_LEAF = 5,
    PGR_T_INDEX_INTERNAL = 6,
    PGR_T_OVERFLOW = 7,
};

typedef struct pgr pgr;
typedef struct pgr_page pgr_page;

/* Called before a dirty page is written to the file, with the page's LSN. The WAL makes the
 * record at that LSN durable here: wal_flush_to(page_lsn + 1) (WAL rule, wal/README.md). Non-zero return aborts the write and
 * is returned to whoever caused it (eviction or flush). */
typedef int (*pgr_before_write_fn)(void *ctx, uint64_t pgno, uint64_t page_lsn);

typedef struct pgr_options {
    os_vfs *vfs;              /* NULL: os_posix() */
    size_t cache_bytes;       /* buffer pool capacity in bytes; 0: PGR_DEFAULT_CACHE */
    uint32_t page_size;       /* for a new file; 0: PGR_DEFAULT_PAGE; ignored when opening */
    int create;               /* create the file if it does not exist */
    int readonly;             /* open read-only: every write is refused with ST_EREADONLY */
    /* Accept a page 0 that fails validation (magic, page size or checksum — a write
     * of the header torn or garbled by a crash) when the database's log can rebuild it: txm_open
     * sets this when `<db>-wal` has a verifying header, and passes that header's page size and
     * database id, which are used instead of the page's. pgr_header_torn() reports it and the
     * page count comes from the file size until redo has rebuilt the header from its full
     * image. A page 0 whose first sector still carries the magic must agree with the log on
     * the database id and page size (ST_ENOTDB / ST_ECORRUPT otherwise). */
    int torn_header_ok;
    uint32_t log_page_size;
    uint8_t log_db_id[16];
    pgr_before_write_fn before_write;
    void *before_write_ctx;
} pgr_options;

/* Opens (or creates) the database at `path`. Validates the header before anything is written:
 * ST_EEMPTY, ST_ENOTDB, ST_EVERSION, ST_ECORRUPT (bad checksum, bad page size, truncated file),
 * ST_EBUSY ("database is in use by process N", or already open in this process),
 * ST_ECANTOPEN. A new file is created with mode 0600, its header written and synced, and the
 * directory synced. On success *out is owned by the caller: pgr_close() it. */
int pgr_open(const char *path, const pgr_options *opts, pgr **out);

/* Writes every dirty page (before_write hook first), syncs the file, frees everything.
 * Fails with ST_EINVAL if pages are still pinned (nothing is freed then). Any other failure
 * (ST_EIO: the data may not be durable) is reported, and the pager is freed all the same. */
int pgr_close(pgr *p);

/* Writes every dirty page and fdatasyncs the file. Page 0 is written last so that a file is
 * never shorter than its header says. Safe while other threads work. */
int pgr_flush(pgr *p);

/* Drops the pager without writing anything (simulated crash in tests; error paths). */
void pgr_abandon(pgr *p);

enum pgr_latch { PGR_SHARED = 1, PGR_EXCL = 2 };

/* Pins page `pgno` (reading and verifying it if not cached) and latches it in `mode`.
 * Page 0 (the header) is reachable like any other page. pgno >= page count is ST_ECORRUPT
 * ("page N beyond end of file (M pages)"); a checksum mismatch is ST_ECORRUPT naming file and
 * page; ST_EFULL if every frame is pinned (an error, never a hang). */
int pgr_get(pgr *p, uint64_t pgno, int mode, pgr_page **out);

/* Unlatches and unpins. The handle is invalid afterwards. */
void pgr_release(pgr_page *pg);

/* The page bytes (page_size of them, trailer included). Writable only under PGR_EXCL, and
 * only after pgr_mark_dirty (or before: the order does not matter while the latch is held). */
uint8_t *pgr_data(pgr_page *pg);
uint64_t pgr_pgno(const pgr_page *pg);

/* Records that the caller (holding PGR_EXCL) changed the page; bumps its version. */
void pgr_mark_dirty(pgr_page *pg);

/* A number that changes whenever the page's content may have changed (modification or
 * eviction and reload). Cursors compare it to decide whether a saved position is still valid. */
uint64_t pgr_version(const pgr_page *pg);
/* The version at which the B+tree last verified this page's whole structure (0: never since
 * it was loaded). B+tree writers skip the full check while it equals pgr_version: a page they
 * verified, or changed through their own primitives, stays valid until someone else changes
 * it (which bumps the version) or it is reloaded from disk. */
uint64_t pgr_checked(const pgr_page *pg);
void pgr_set_checked(pgr_page *pg, uint64_t version);

/* Allocates a page (from the free list, else by growing the file), zeroes it, sets its type,
 * and returns it pinned, PGR_EXCL-latched and dirty. */
int pgr_alloc(pgr *p, int type, pgr_page **out);

/* Returns an EXCL-latched page to the free list and releases the handle. */
int pgr_free(pgr *p, pgr_page *pg);

/* Header fields (read under the header page latch). */
uint32_t pgr_page_size(const pgr *p);
uint64_t pgr_page_count(pgr *p);
/* Whole pages the file holds right now (its size / page size; 0 if it cannot be read). Every
 * page below pgr_page_count is in the file or in the cache, so pgr_page_count can never exceed
 * this plus the pool's frames: the integrity check uses that bound against a corrupt header. */
uint64_t pgr_file_pages(pgr *p);
uint64_t pgr_free_count(pgr *p);
uint64_t pgr_free_head(pgr *p);
uint64_t pgr_catalog_root(pgr *p);
int pgr_set_catalog_root(pgr *p, uint64_t root);
uint64_t pgr_checkpoint_lsn(pgr *p);
int pgr_set_checkpoint_lsn(pgr *p, uint64_t lsn);
void pgr_db_id(pgr *p, uint8_t id[16]);

/* What page 0 says about the database's log (pager/README.md, "Page 0"). The pager stores
 * these fields and checks nothing about them; the transaction layer keeps them and checks the
 * log against them at open (wal/README.md, "The log identity check"). */
typedef struct pgr_log_state {
    int needed;           /* the database needs its log: changes may exist only there */
    uint64_t generation;  /* the log it needs (needed), or the last one it had (clean) */
    uint64_t mark;        /* the log's checkpoint mark, max(master record, base LSN), had
                           * reached this when these fields were set */
    uint64_t end;         /* the log held every record below this LSN durably then */
    uint64_t flushed;     /* the file holds every change logged below this LSN: the log's
                           * redo start, max(master record, base LSN), may not be above it */
} pgr_log_state;
void pgr_log_state_get(pgr *p, pgr_log_state *out);
/* Writes the fields into page 0; the caller holds it (pgr_header_get, inside a mini-
 * transaction so that the change is logged like any other change of page 0 — the one
 * exception is wal/README.md's rule I2). */
void pgr_log_state_put(pgr_page *hdr, const pgr_log_state *s);
const char *pgr_path(const pgr *p);

/* Usable bytes of a page for content below the trailer. */
static inline uint32_t pgr_usable(const pgr *p) { return pgr_page_size(p) - PGR_TRAILER_SIZE; }

/* A reader-writer latch per B+tree, keyed by root page number, created on first use and kept
 * until close (their number is bounded by the number of trees). See btree.h for the protocol. */
pthread_rwlock_t *pgr_tree_latch(pgr *p, uint64_t root);

/* ---- change tracking for the log (wal/README.md, "Byte-range touches") -----------------------
 *
 * While a thread runs a logged operation (a WAL mini-transaction), it installs a tracker. The
 * pager then (1) calls touch() before it changes a page itself — page 0 and the allocated page
 * in pgr_alloc, page 0 and the freed page in pgr_free — and (2) leaves every page the tracker
 * holds latched: pgr_release() of such a page does nothing, pgr_get() of it returns the held
 * handle instead of latching again. The tracker releases them all at its commit with
 * pgr_release_held(), after it has logged the changes and stamped the page LSNs, so page LSN
 * order equals log order. Modules that change pages call pgr_touch() before each change. */
typedef struct pgr_tracker {
    int (*touch)(void *ctx, pgr_page *pg);   /* record the before-image; error: do not change */
    int (*holds)(void *ctx, const pgr_page *pg);
    pgr_page *(*find)(void *ctx, const pgr *p, uint64_t pgno);
    void *ctx;
    /* Optional (NULL: touch): only bytes [off, off + len) of pg, inside [8, size - 8), are
     * about to change. A small in-place edit (a balance overwritten, a cell appended) then
     * costs its own bytes instead of a copy and a comparison of the whole page. May be called
     * several times per page and change; a later touch of the same page must still work. */
    int (*touch_range)(void *ctx, pgr_page *pg, uint32_t off, uint32_t len);
} pgr_tracker;

/* Installs (or, with NULL, removes) the calling thread's tracker. */
void pgr_track(const pgr_tracker *t);
/* Before changing a PGR_EXCL page: the tracker's touch, or ST_OK when not tracking. */
int pgr_touch(pgr_page *pg);
/* Before changing only bytes [off, off + len) of a PGR_EXCL page (see touch_range). */
int pgr_touch_range(pgr_page *pg, uint32_t off, uint32_t len);
/* The real release of a page the tracker held (page 0 included: it stays pinned). */
void pgr_release_held(pgr_page *pg);
/* Page 0 latched PGR_EXCL and touched, for logged header changes (or the held handle). */
int pgr_header_get(pgr *p, pgr_page **out);

/* Page 0 was torn at open (torn_header_ok) and not yet rebuilt; pgr_header_rebuilt() is called
 * by redo after it applied a full image of page 0. */
int pgr_header_torn(pgr *p);
void pgr_header_rebuilt(pgr *p);

/* Whether a write or fdatasync of the file has failed (the pager then refuses every further
 * write until reopened: fail-stop). */
int pgr_failed(pgr *p);

/* After page 0 was put back to an earlier image (an undone mini-transaction): the page count
 * follows the header again, and frames of pages beyond it are dropped. Caller holds page 0
 * (or nobody can change it). */
void pgr_reset_page_count(pgr *p);

/* Sets the LSN of a page the caller changed (held PGR_EXCL) and marks it dirty. The first LSN
 * since the page was last written is kept as its rec_lsn (the dirty page table's entry). */
void pgr_stamp(pgr_page *pg, uint64_t lsn);

/* Calls fn for every dirty page that has a rec_lsn (a snapshot; pages may change meanwhile). */
typedef void (*pgr_dirty_fn)(void *ctx, uint64_t pgno, uint64_t rec_lsn);
void pgr_dirty_pages(pgr *p, pgr_dirty_fn fn, void *ctx);

/* Writes every page whose rec_lsn is below `lsn` (the checkpoint's begin LSN): afterwards no
 * change older than `lsn` exists only in memory. Then fdatasyncs. Pages dirtied later are left
 * alone; transactions go on meanwhile (a fuzzy checkpoint). */
int pgr_flush_older(pgr *p, uint64_t lsn);

/* For recovery's redo: page `pgno` latched PGR_EXCL even if it lies beyond the end of the file
 * (the page count grows to cover it) and — when `overwrite`, because a full image will replace
 * every byte — even if its bytes on disk are torn or missing: it then comes back zeroed. After
 * redo, pgr_redo_done() re-reads the page count from the (redone) header. */
int pgr_get_for_redo(pgr *p, uint64_t pgno, int overwrite, pgr_page **out);
/* ST_ECORRUPT if the redone header counts pages that exist neither in the file nor among the
 * pages redo touched (a damaged log must not make the database claim, say, 10^12 pages). */
int pgr_redo_done(pgr *p);

/* Buffer pool statistics (for tests and benches). */
typedef struct pgr_stats {
    uint64_t hits, misses, reads, writes, evictions, syncs;
    size_t frames;
} pgr_stats;
void pgr_get_stats(pgr *p, pgr_stats *out);

/* Reads page `pgno` straight from the file (bypassing the pool) and verifies its checksum.
 * Used by the integrity check so that on-disk corruption of cached pages is still found;
 * `buf` must hold page_size bytes. Dirty cached pages are checked from the cache instead. */
int pgr_read_verify(pgr *p, uint64_t pgno, uint8_t *buf);

/* Little-endian helpers used by every module's on-disk structures. */
static inline uint16_t get_u16(const uint8_t *b) { return (uint16_t)(b[0] | b[1] << 8); }
static inline uint32_t get_u32(const uint8_t *b)
{ return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24; }
static inline uint64_t get_u64(const uint8_t *b)
{ return (uint64_t)get_u32(b) | (uint64_t)get_u32(b + 4) << 32; }
static inline void put_u16(uint8_t *b, uint16_t v) { b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); }
static inline void put_u32(uint8_t *b, uint32_t v)
{ b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); b[2] = (uint8_t)(v >> 16); b[3] = (uint8_t)(v >> 24); }
static inline void put_u64(uint8_t *b, uint64_t v) { put_u32(b, (uint32_t)v); put_u32(b + 4, (uint32_t)(v >> 32)); }

/* Page LSN and type accessors on raw page bytes. */
static inline uint64_t pgr_page_lsn(const uint8_t *page) { return get_u64(page); }
static inline void pgr_set_page_lsn(uint8_t *page, uint64_t lsn) { put_u64(page, lsn); }
static inline int pgr_page_type(const uint8_t *page) { return page[8]; }

#endif
