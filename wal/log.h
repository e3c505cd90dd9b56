/*
 * log.h — the write-ahead log file: records, LSNs, group commit, and reading it back.
 *
 * This is the log *device* of wal/README.md: it stores and returns records and makes them
 * durable, and knows nothing of pages, trees or transactions beyond the header fields every
 * record carries. Transactions, the WAL rule hook into the buffer pool, checkpoints and
 * recovery are built on it (wal/README.md, "Design of the transaction layer").
 *
 * LSNs are byte positions in the log stream: a record's LSN is the position of its first byte,
 * and the next record starts at lsn + length. LSN 0 is never a record ("none"). The file maps
 * the stream from `base_lsn` at file offset WAL_HDR_SIZE; the log ends at the first record
 * whose length, LSN, epoch or checksum does not verify (a torn tail, or records left over from
 * before a crash: every open of an existing log starts a new epoch, and epochs never go back)
 * — unless the log itself proves that what lies beyond was durable: then the open fails with
 * ST_ECORRUPT instead of dropping acknowledged records (wal/README.md L6).
 *
 * Sector layout (L7): unless the device has powersafe overwrite, every group flush is padded
 * with a FLUSH record to the next WAL_BLOCK boundary of the file, so no write ever touches a
 * block an earlier flush synced, and the two header copies live in different blocks.
 *
 * Durability (wal/README.md, rules L1-L4): wal_append only buffers; a record at LSN x is
 * durable once wal_flush_to(lsn) with lsn > x has returned ST_OK (so the WAL rule for a page
 * whose LSN is x is wal_flush_to(x + 1)). Concurrent flushers share fdatasync calls
 * (group commit): whoever finds no flush in flight becomes the leader and writes and syncs
 * everything appended so far; the others wait and return when a flush covering them is done.
 * A caller therefore waits for at most the sync in flight plus one more.
 *
 * A failed write or sync puts the log in a failed state: every later append or flush returns
 * ST_EIO without touching the file, because after a failed fsync the kernel may have dropped
 * the data ("fsyncgate") and nothing written since can be trusted. Reopening runs recovery.
 *
 * Threading: all functions are thread-safe; wal_reader is used by one thread.
 */
#ifndef ACIDB_WAL_LOG_H
#define ACIDB_WAL_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "pager/os.h"

#define WAL_FORMAT_VERSION 3u
#define WAL_MAGIC "acidb wal\0\0\0\0\0\0" /* 16 bytes */
#define WAL_BLOCK 4096u                   /* flushes end on a boundary of this (rule L7) */
#define WAL_HDR_SIZE (2u * WAL_BLOCK)     /* the two header copies, one block each */
#define WAL_REC_FIXED 14u                 /* length, type, flags, LSN */
#define WAL_REC_MAX_HDR (WAL_REC_FIXED + 8u * 10u) /* and at most 8 varints */
#define WAL_REC_MIN (WAL_REC_FIXED + 3u + 8u)     /* epoch, redo and undo lengths, checksum */
#define WAL_REC_TRAILER 8u                /* checksum */
#define WAL_MAX_REC (64u << 20)           /* redo + undo of one record */

/* Record types. The log stores any of them; their meaning is wal/README.md's. */
enum wal_type {
    WAL_UPDATE = 1,      /* physiological redo + logical undo of one change           */
    WAL_CLR = 2,         /* compensation: redo of an undo step; undo_next says where on */
    WAL_COMMIT = 3,
    WAL_ABORT = 4,
    WAL_END = 5,         /* transaction fully finished (after commit or undo)          */
    WAL_CKPT_BEGIN = 6,
    WAL_CKPT_END = 7,    /* redo = transaction table + dirty page table                */
    WAL_FULL_PAGE = 8,   /* redo = a whole page image (torn-page protection)           */
    WAL_SMO = 9,         /* structure modification, redo-only nested top action        */
    WAL_TYPE_MAX = 9,    /* the last type callers may append                           */
    WAL_FLUSH = 10,      /* written by the log itself at the end of every flush (L7): never
                          * appended by callers, never returned by wal_next              */
};

typedef struct wal_rec {
    uint8_t type;
    uint64_t lsn;        /* set by wal_append / the reader */
    uint64_t txn;        /* 0 for records of no transaction (checkpoints) */
    uint64_t prev_lsn;   /* previous record of the same transaction, 0 = none */
    uint64_t pgno;       /* page concerned, 0 = none */
    uint64_t root;       /* tree concerned (its root page), 0 = none */
    uint64_t undo_next;  /* CLR: next LSN of this transaction to undo */
    const void *redo;
    uint32_t redo_len;
    const void *undo;
    uint32_t undo_len;
} wal_rec;

typedef struct wal wal;

typedef struct wal_options {
    os_vfs *vfs;          /* NULL: os_posix() */
    int no_sync;          /* 0 (default): fdatasync in every flush; 1: never sync (tests and
                           * benchmarks only: not crash-safe for the last transactions) */
    size_t prealloc;      /* grow the file in steps of this many bytes (0: 16 MiB) */
    /* A new log starts its LSNs here (at least WAL_HDR_SIZE): the database's pages carry LSNs
     * of earlier, removed logs, and LSNs must never go backwards for a page (redo skips
     * records older than the page). The transaction layer passes the end LSN it saved in
     * the database header at the last clean close. Ignored for an existing log. */
    uint64_t start_lsn;
    /* The log's generation: which log of this database it is (the database header records the
     * generation of the log it needs). Written into a new log's header; an existing log keeps
     * its own (wal_generation). */
    uint64_t generation;
    /* The database's page size, written into a new log's header (informational: it lets a torn
     * page 0 be rebuilt from the log, wal_peek). */
    uint32_t page_size;
    /* 0 (default): the device may garble every sector an interrupted write touches, so each
     * group flush is padded to the next 4 KiB boundary and no synced byte is ever rewritten
     * (wal/README.md L7). 1: the device has powersafe overwrite (an interrupted write leaves
     * bytes it did not change intact, like SQLite's PSOW): flushes are not padded. */
    int powersafe_overwrite;
} wal_options;

/* Opens `<db_path>-wal`, creating it if missing (as `<db_path>-wal.tmp`, header written and
 * synced, renamed into place, directory synced: a crash never leaves a half-made log), for the
 * database whose header id is `db_id`. An existing log of another database is ST_ENOTDB
 * ("log file X belongs to another database"); another log format is ST_EVERSION; a corrupt
 * header is ST_ECORRUPT. The log's end is found by scanning: it is the first position whose
 * record does not verify; if the log proves records beyond it were durable (L6), the open
 * fails with ST_ECORRUPT and changes nothing. Otherwise the open starts a new epoch and, in
 * padded mode, pads a torn tail to the next block (L7), both synced before it returns.
 * *out is owned by the caller: wal_close. */
int wal_open(const char *db_path, const uint8_t db_id[16], const wal_options *opts, wal **out);

/* Flushes what is buffered (durably unless no_sync) and closes; ST_EIO if records appended
 * could not be made durable (the failed state), though the handle is freed either way. */
int wal_close(wal *w);

/* Appends a record; sets rec->lsn. Buffered only: see wal_flush_to. ST_ETOOBIG if redo+undo
 * exceed WAL_MAX_REC; ST_EIO in the failed state. Never does I/O, so it may be called with
 * page latches held. */
int wal_append(wal *w, wal_rec *rec);

/* Flushes if 4 MiB or more are buffered, bounding memory for a giant transaction. Call it
 * with no latch held (it may fdatasync). */
int wal_flush_if_big(wal *w);

/* Returns once every record that starts before `lsn` is durable (written and, unless no_sync,
 * fdatasync'd). Group commit: see above. Passing wal_end_lsn() flushes everything. */
int wal_flush_to(wal *w, uint64_t lsn);

/* wal_flush_to, and then, if needed, one more flush — of the records appended meanwhile, or a
 * FLUSH record alone — so that the next open can *prove* the records before `lsn` durable
 * (wal/README.md L6, P2) rather than take damage among them for a torn tail. The WAL rule
 * uses it before a page is written (rule L8): a page in the file never depends on records
 * the open could cut. Without syncs (no_sync) it is wal_flush_to. */
int wal_flush_proven(wal *w, uint64_t lsn);

/* Where the open's scan found the end of the log (the stop of L6, before any pad the open
 * wrote; the base for a new log). Every page of the database file has a smaller LSN (the WAL
 * rule and L8): recovery refuses one that does not. */
uint64_t wal_open_end(wal *w);

uint64_t wal_end_lsn(wal *w);      /* LSN the next record will get */
int wal_failed(wal *w);            /* in the failed state (rule L4) */
uint64_t wal_durable_lsn(wal *w);  /* everything before this is durable */
uint64_t wal_base_lsn(wal *w);     /* oldest LSN still in the file */
uint64_t wal_generation(wal *w);   /* the generation in the log's header */

/* A log's header, read without opening the log for writing (wal_peek). */
typedef struct wal_peek_info {
    uint8_t db_id[16];
    uint64_t generation, base_lsn, checkpoint_lsn, epoch;
    uint32_t page_size;
} wal_peek_info;

/* Reads the current header copy of `<db_path>-wal` through `vfs` (NULL: os_posix()), read-only:
 * nothing is written, no end is scanned, no database id is checked. ST_ENOTFOUND if the file
 * does not exist; ST_ECORRUPT if neither header copy verifies (or it is not a log at all);
 * ST_EVERSION if the log has another format version; ST_EIO if it cannot be read. */
int wal_peek(os_vfs *vfs, const char *db_path, wal_peek_info *out);

/* Discards the log before `lsn` (no longer needed after a checkpoint) by restarting the file:
 * writes a new header with base = the current end, so the file's space is reused from the
 * start. Only allowed when everything is flushed and lsn == wal_end_lsn(). */
int wal_restart(wal *w);

/* Discards the log before `keep_from` (nothing there is needed any more: every change older
 * than it is in the database file and synced, and no active transaction has a record before
 * it) by writing the durable records from keep_from, then everything still buffered and a
 * FLUSH record, into `<db>-wal.tmp`, syncing it and renaming it over the log (directory
 * synced): it is also a flush, so on return everything appended is durable. Appends and
 * flushes wait meanwhile: it copies only the live tail, which a checkpoint has just made
 * short. A no-op if keep_from <= base. */
int wal_compact(wal *w, uint64_t keep_from);

/* The master record: the LSN of the last complete checkpoint's begin record, kept in the log
 * header (written and synced by wal_set_checkpoint; the record must be durable). 0: none. */
int wal_set_checkpoint(wal *w, uint64_t lsn);
uint64_t wal_checkpoint_lsn(wal *w);

/* Reads the record at `lsn` — durable or still in the append buffer — into *buf (grown with
 * realloc as needed; the caller frees it) and decodes it into *rec (pointers into *buf). For
 * rollback, which must read a transaction's own records before they are flushed. */
int wal_read_at(wal *w, uint64_t lsn, uint8_t **buf, size_t *cap, wal_rec *rec);

/* Bytes a record with these redo/undo lengths takes in the log at most (its header's varints
 * depend on its LSN and fields). */
size_t wal_record_size(const wal_rec *r);

/* Frees the handle without writing anything (what is buffered is lost: a simulated crash). */
void wal_abandon(wal *w);

/* Removes the log file (clean close: the database is one file again) and frees the handle. */
int wal_close_and_remove(wal *w);

typedef struct wal_stats {
    uint64_t appends, bytes, flushes, syncs, group_waits;
    uint64_t flush_bytes; /* of `bytes`: the FLUSH records that end flushes (padding, L7) */
    uint64_t proof_flushes; /* flushes of a FLUSH record alone, by wal_flush_proven (L8) */
} wal_stats;
void wal_get_stats(wal *w, wal_stats *out);

/* Reading: records from `from_lsn` (0: the oldest in the file) in order. wal_next returns
 * ST_OK with *rec filled (redo/undo point into the reader's buffer, valid until the next call)
 * or ST_ENOTFOUND at the end of the valid log. Only durable (flushed) records are read. */
typedef struct wal_reader wal_reader;
int wal_reader_open(wal *w, uint64_t from_lsn, wal_reader **out);
int wal_next(wal_reader *r, wal_rec *rec);
void wal_reader_close(wal_reader *r);

#endif
