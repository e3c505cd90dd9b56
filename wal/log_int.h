/*
 * log_int.h — private structures of the log (log.c, log_read.c). Not for other modules.
 */
#ifndef ACIDB_WAL_LOG_INT_H
#define ACIDB_WAL_LOG_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <xxhash.h>

#include "pager/pager.h" /* get_u32/put_u64 ... */
#include "pager/status.h"
#include "wal/log.h"

/* Header slot fields (two slots of WAL_SLOT_SIZE at offsets 0 and WAL_BLOCK, the rest of each
 * block zero: wal/README.md, "Log file format"). */
#define WAL_SLOT_SIZE 256u
#define WH_MAGIC 0
#define WH_VERSION 16
#define WH_HDR_SIZE 20
#define WH_DB_ID 24
#define WH_BASE 40
#define WH_SEQ 48
#define WH_EPOCH 56
#define WH_CKPT 64
#define WH_GEN 72
#define WH_PAGE_SIZE 80
#define WH_PAD 84     /* u32: WAL_BLOCK (flushes padded) or 0 (powersafe overwrite) */
#define WH_DURABLE 88 /* u64: every record below this LSN was fdatasync'd when written */

/* FLUSH record payload (redo): u64 start LSN of its flush, u8 flags, then zero padding. */
#define WF_START 0
#define WF_FLAGS 8
#define WF_MIN_REDO 9
/* Everything in the log before `start` was fdatasync'd before this record was written (a flush
 * of a durable session, or the pad written at open): the record proves that (L6). */
#define WFF_SYNCED 1

/* Record fields (wal/README.md, "Log file format"): a fixed prefix, then varints (LEB128). */
#define WR_LEN 0
#define WR_TYPE 4
#define WR_FLAGS 5
#define WR_LSN 6
#define WR_VARINTS WAL_REC_FIXED
enum { WRF_TXN = 1, WRF_PREV = 2, WRF_PGNO = 4, WRF_ROOT = 8, WRF_UNDO_NEXT = 16, WRF_ALL = 31 };

/* A contiguous piece of the record stream held in memory, starting at LSN `start`. */
typedef struct wal_buf {
    uint8_t *data;
    size_t len, cap;
    uint64_t start;
} wal_buf;

struct wal {
    char *path;
    os_vfs *vfs;
    os_file *file;
    uint8_t db_id[16];
    uint64_t seed;       /* checksum seed derived from the database id */
    int durable;         /* !no_sync */
    int pad;             /* !powersafe_overwrite: flushes end on WAL_BLOCK boundaries (L7) */
    size_t prealloc;

    /* Held shared by anyone reading the file outside `mu` (wal_read_at, readers); exclusive by
     * wal_compact while it replaces the file. Lock order: file_lock before mu. */
    pthread_rwlock_t file_lock;
    pthread_mutex_t mu;  /* protects everything below */
    pthread_cond_t cv;   /* broadcast when a flush finishes */
    uint64_t base;       /* LSN at file offset WAL_HDR_SIZE */
    uint64_t seq;        /* header sequence number (which slot is current) */
    uint64_t epoch;      /* stamped on every record appended; +1 at each open of a log */
    uint64_t ckpt;       /* LSN of the last complete checkpoint's begin record (0: none) */
    uint64_t generation; /* from the header; never changes while open */
    uint32_t page_size;  /* from the header (informational) */
    uint64_t verified_end; /* the open's scan checked every record below this (set once, at
                            * open, before any reader exists; 0 for a new log) */
    uint64_t end;        /* next LSN to assign */
    uint64_t durable_lsn;/* everything before is durable (written, and synced unless no_sync) */
    uint64_t synced_lsn; /* everything before was fdatasync'd (the header's durable mark) */
    uint64_t proven_lsn; /* everything before it is durable *and* the next open can prove it
                          * (L6): a later synced flush of this session follows it, or a synced
                          * header's durable mark covers it; wal_flush_proven */
    uint64_t alloc_end;  /* file size reached by preallocation (leader only while flushing) */
    bool flushing;       /* a leader is writing */
    bool failed;         /* an I/O error happened: refuse everything */
    wal_buf buf;         /* records appended since the last flush began */
    wal_buf spare;       /* the other buffer, written by the leader while flushing */
    wal_stats st;
};

static inline uint64_t wal_offset(const wal *w, uint64_t lsn) { return WAL_HDR_SIZE + (lsn - w->base); }

/* Room a record with these redo/undo lengths may need in the log (header at its longest). */
static inline size_t wal_rec_max_size(uint32_t redo_len, uint32_t undo_len)
{
    return WAL_REC_MAX_HDR + (size_t)redo_len + undo_len + WAL_REC_TRAILER;
}

uint64_t wal_seed(const uint8_t db_id[16]);
/* Encodes rec (rec->lsn set) into out, which has room for wal_rec_max_size; returns the
 * record's length. rec->prev_lsn and rec->undo_next must be 0 or below rec->lsn. */
size_t wal_encode(const wal_rec *rec, uint64_t seed, uint64_t epoch, uint8_t *out);
/* Verifies the record at `p` (avail bytes readable) expected at `lsn`. Returns its length, or
 * 0 if it is not a valid record there (end of log). Sets *need > avail when more bytes are
 * needed to decide. */
size_t wal_verify(const uint8_t *p, size_t avail, uint64_t lsn, uint64_t seed, size_t *need);
/* The same, with the checksum left out unless `checksum` (a record verified before). */
size_t wal_verify_as(const uint8_t *p, size_t avail, uint64_t lsn, uint64_t seed, bool checksum,
                     size_t *need);
/* Encodes a FLUSH record of exactly `len` bytes (>= wal_flush_min_len(epoch)) at `lsn`, naming
 * the flush that began at `start`. */
void wal_encode_flush(uint8_t *out, size_t len, uint64_t lsn, uint64_t epoch, uint64_t start,
                      uint8_t flags, uint64_t seed);
size_t wal_flush_min_len(uint64_t epoch);
/* Start LSN and flags of a verified FLUSH record. */
uint64_t wal_flush_start(const uint8_t *p);
uint8_t wal_flush_flags(const uint8_t *p);
void wal_decode(const uint8_t *p, wal_rec *rec);
/* Finds the end of the log (L6) and sets w->verified_end; ST_ECORRUPT if the log proves that
 * records beyond the place the scan stopped were durable. `durable_mark`: the header's durable
 * LSN, a proof of its own. */
int wal_scan_end(wal *w, uint64_t durable_mark, uint64_t *end);
uint64_t wal_rec_epoch(const uint8_t *p); /* of a verified record */

#endif
