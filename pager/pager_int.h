/*
 * pager_int.h — the pager's private structures, shared by pager.c (file, header, free list)
 * and bufpool.c (frames, page table, eviction). Nothing outside pager*.c / bufpool.c includes it.
 */
#ifndef ACIDB_PAGER_INT_H
#define ACIDB_PAGER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "pager/pager.h"

/* Header field offsets in page 0 (pager/README.md, "Page 0"). */
#define HDR_MAGIC 16
#define HDR_VERSION 32
#define HDR_PAGE_SIZE 36
#define HDR_PAGE_COUNT 40
#define HDR_FREE_HEAD 48
#define HDR_FREE_COUNT 56
#define HDR_CATALOG 64
#define HDR_CKPT_LSN 72
#define HDR_DB_ID 80
#define HDR_LOG_FLAGS 96 /* u32: bit 0 = the log is needed */
#define HDR_LOG_GEN 104
#define HDR_LOG_MARK 112
#define HDR_LOG_END 120
#define HDR_LOG_FLUSHED 128
#define HDR_LOG_NEEDED 1u
#define FREE_NEXT 16 /* next pointer in a free page */

#define USAGE_MAX 5 /* GCLOCK cap: a page hit five times survives five sweeps */

/* FR_RESERVED: claimed by pgr_alloc before it takes the header latch, so that no eviction
 * (which may wait for a page latch) ever happens while the header latch is held. */
enum frame_state { FR_EMPTY = 0, FR_LOADING, FR_READY, FR_RESERVED };

/* One buffer frame. `pin`, `usage`, `state`, `pgno` and `hnext` are protected by the pool
 * mutex; the page bytes by `latch`; `dirty` and `version` are atomics because they are set under
 * the page latch and read under the pool mutex. Invariant: a frame with pin == 0 has no latch
 * holder (latches are taken only by pinning threads). */
struct pgr_page {
    pgr *pager;
    uint8_t *data;
    pthread_rwlock_t latch;
    uint64_t pgno;
    int pin;
    int state;
    uint8_t usage;
    int32_t hnext;        /* next frame in the same hash bucket, -1 = end */
    atomic_bool dirty;
    atomic_uint_fast64_t version;
    /* The version at which the B+tree last verified the whole page (0: never; see
     * pgr_checked). Reset when the frame is loaded. */
    atomic_uint_fast64_t checked;
    /* LSN of the first logged change since the page was last written (0: none). Set by
     * pgr_stamp under the EXCL latch, cleared by the writer under the shared latch. */
    atomic_uint_fast64_t rec_lsn;
    /* A writer took the dirty bit and its write is not finished: flushes and readers of the
     * file wait for it (on the pool's io_cv), so "clean" really means "in the file". */
    atomic_bool io_busy;
};

typedef struct tree_latch {
    uint64_t root;
    pthread_rwlock_t lock;
    struct tree_latch *next;
} tree_latch;

struct pgr {
    char *path;
    os_vfs *vfs;
    os_file *file;
    uint32_t page_size;
    int readonly;
    uint64_t dev, ino; /* identity for the in-process registry */
    pgr_before_write_fn before_write;
    void *before_write_ctx;

    /* Buffer pool (bufpool.c). */
    pthread_mutex_t mu;    /* the pool mutex: page table, pins, usage, clock hand */
    pthread_cond_t io_cv;  /* broadcast when a frame leaves FR_LOADING */
    struct pgr_page *frames;
    uint8_t *arena;        /* nframes * page_size bytes backing the frames */
    size_t nframes;
    int32_t *buckets;      /* page table: bucket -> first frame, -1 = empty */
    size_t nbuckets;       /* power of two */
    size_t hand;           /* clock hand */
    atomic_uint_fast64_t vclock; /* source of page versions */

    /* Header: page 0 stays pinned for the pager's life; its fields are read and written under
     * its latch. `npages` mirrors the page count so pgr_get can bounds-check without it. */
    struct pgr_page *hdr;
    atomic_uint_fast64_t npages;

    pthread_mutex_t tree_mu; /* protects the tree latch list */
    tree_latch *trees;

    /* An fdatasync failed: the kernel may have dropped dirty pages we believe written, so every
     * later write and flush is refused (wal/README.md L4 applies to the database file too). */
    atomic_bool failed;
    int header_torn; /* page 0 failed validation at open (torn_header_ok): set until redo */

    atomic_uint_fast64_t st_hits, st_misses, st_reads, st_writes, st_evictions, st_syncs;
};

/* bufpool.c */
int bp_init(pgr *p, size_t cache_bytes);
void bp_destroy(pgr *p);
/* Frame reservation for pgr_alloc: bp_reserve claims an unpinned frame (evicting, and perhaps
 * writing, a victim) while the caller holds no header latch; bp_take_reserved, called under the
 * header latch, puts `pgno` in it (read from disk if `read`, else zeroed) — or uses the page's
 * cached frame and drops the reservation — and returns it pinned and EXCL-latched. The
 * reservation is consumed either way. */
int bp_reserve(pgr *p, struct pgr_page **out);
void bp_unreserve(pgr *p, struct pgr_page *f);
int bp_take_reserved(pgr *p, struct pgr_page *spare, uint64_t pgno, bool read,
                     struct pgr_page **out);
int bp_flush_all(pgr *p);
bool bp_any_pinned(pgr *p);
uint64_t bp_checksum(const uint8_t *page, uint32_t page_size, uint64_t pgno);
/* Adds a pin to a frame the caller already has pinned or permanently pinned (page 0). */
void bp_pin(struct pgr_page *f);
/* The calling thread's tracker (pgr_track), or NULL. */
const pgr_tracker *bp_tracker(void);
/* The tracker's held handle of page pgno of p, or NULL. */
struct pgr_page *bp_held(pgr *p, uint64_t pgno);

#endif
