/*
 * txn.h — transactions, mini-transactions, checkpoints and restart recovery (ARIES-style).
 *
 * A txm (transaction manager) owns a database: its pager and its log. Everything that changes
 * pages does so inside a mini-transaction (mtr): pages are latched EXCL and touched before
 * they change; mtr_commit turns all their changes into ONE log record (per-page deltas or
 * full images, wal/delta.h) with the caller's logical undo, stamps the pages with its LSN and
 * only then releases them (wal/README.md, "Mini-transactions"). A structure change and the
 * change that caused it are therefore one atomic record, and redo needs no per-operation code.
 *
 * Undo is logical and belongs to the resource manager (txm_rm): given an UPDATE record of a
 * transaction, it performs the inverse operation in a new mtr and commits it with
 * mtr_commit_clr(). Rollback at run time (txn_abort, txn_rollback_to) and the undo pass of
 * recovery both go through txn_undo_chain(), the same code path.
 *
 * Locks (strict 2PL): when the txm has a lock manager (txm_options.locks), every transaction
 * gets a lock handle (txn_locks); the logged tree operations (wal/btx.h) lock the row or key
 * they read or change, callers may take more (tables, ranges, an order of their choosing), and
 * txn_commit / txn_abort release everything only once the transaction is over.
 *
 * Threading: a txm is shared by all threads; a txn and its mtrs are used by one thread at a
 * time; an mtr lives on one thread from mtr_begin to its commit (it installs the pager's
 * per-thread tracker).
 */
#ifndef ACIDB_WAL_TXN_H
#define ACIDB_WAL_TXN_H

#include <stdint.h>

#include "lockmgr/lock.h"
#include "pager/pager.h"
#include "wal/log.h"

typedef struct txm txm;
typedef struct txn txn;
typedef struct mtr mtr;

typedef struct txm_rm {
    /* Undoes `rec` (an UPDATE with undo bytes) of transaction t: performs the inverse logical
     * operation inside an mtr of t and ends it with mtr_commit_clr(m, rec->prev_lsn). */
    int (*undo)(void *ctx, txn *t, const wal_rec *rec);
    void *ctx;
} txm_rm;

typedef struct txm_options {
    pgr_options pager;        /* its before_write hook is taken by the txm (WAL rule) */
    wal_options log;
    txm_rm rm;
    lk_mgr *locks;             /* NULL: the caller does all locking (tests of this layer) */
    uint64_t checkpoint_bytes; /* checkpoint after this much log; 0: 64 MiB */
    /* Recovery progress: phase "analysis", "redo" or "undo", done/total in log bytes. */
    void (*progress)(void *ctx, const char *phase, uint64_t done, uint64_t total);
    void *progress_ctx;
    /* TESTS ONLY: deliberately break a durability rule, to show that the crash harness
     * catches it (tests/crash/). Never set outside tests. */
    unsigned test_break;
} txm_options;

enum {
    TXM_BREAK_COMMIT_SYNC = 1, /* commit returns without waiting for its record to be durable */
    TXM_BREAK_WAL_RULE = 2,    /* pages are written without forcing the log first */
};

typedef struct txm_recovery {
    int needed;               /* the log held records: the last shutdown was not clean */
    uint64_t records, redone, losers, log_bytes;
    double seconds;
} txm_recovery;

/* Opens the database and its log, and recovers if the last shutdown was not clean (analysis,
 * redo, undo of losers, then a checkpoint). *out is the caller's: txm_close.
 * With pager.readonly: no log is opened and nothing is ever written (wal/README.md, "A
 * read-only open"); a file that needs recovery is refused with ST_EREADONLY, and mtr_begin
 * and txm_checkpoint answer ST_EREADONLY; txm_log() is NULL. */
int txm_open(const char *path, const txm_options *opts, txm **out);
/* Clean shutdown: refuses (ST_EINVAL) while transactions are active; otherwise writes every
 * page, syncs, and removes the log, so a closed database is exactly one file. Frees tm. */
int txm_close(txm *tm);
/* Frees everything without writing anything (tests: a crash). */
void txm_abandon(txm *tm);

pgr *txm_pager(txm *tm);
/* Whether the manager refuses changes: after an I/O error of the file or the log, or a
 * rollback that could not finish (fail-stop; reopen to recover). */
int txm_failed(txm *tm);
wal *txm_log(txm *tm);
const txm_recovery *txm_last_recovery(txm *tm);

/* A fuzzy checkpoint (wal/README.md, "Checkpoints"); also run automatically by mtr_commit
 * when checkpoint_bytes of log have been written since the last one. */
int txm_checkpoint(txm *tm);

/* Transactions. Ids grow with start time (the lock manager's victim rule relies on it). */
int txn_begin(txm *tm, txn **out);
uint64_t txn_id(const txn *t);
/* The manager a transaction belongs to (resource managers reach the pager through it, also
 * during recovery, before txm_open has returned). */
txm *txn_manager(const txn *t);
/* The transaction's lock handle (begun with its id), or NULL without a lock manager. Valid
 * until txn_commit / txn_abort, which release its locks. */
lk_txn *txn_locks(const txn *t);
/* Commit rule: returns ST_OK only once the commit record is durable. Frees t (also on error;
 * on ST_EIO the outcome is unknown until recovery: the log is in its failed state). */
int txn_commit(txn *t);
/* Rolls back every change of t (CLRs logged), ends it, frees t. If the undo cannot finish (an
 * I/O error, a full buffer pool), returns the error and the manager fails-stop: t stays in the
 * table with its locks, every later change or commit is refused (txm_failed), and reopening
 * the database finishes the undo. */
int txn_abort(txn *t);
/* A savepoint: the LSN to roll back to. txn_rollback_to undoes everything logged after it
 * (statement-level rollback) and leaves t active. */
uint64_t txn_savepoint(const txn *t);
int txn_rollback_to(txn *t, uint64_t savepoint);

/* Mini-transactions. `t` may be NULL for a change outside any transaction (redo-only). */
int mtr_begin(txm *tm, txn *t, mtr **out);
/* Logs every change made under m as one record of type WAL_UPDATE whose undo is `undo` (may
 * be empty: a redo-only change), stamps and releases the pages, frees m. If nothing changed
 * and undo is empty, nothing is logged. On error the pages are restored from their before-
 * images (nothing half-done stays in memory) and released. */
int mtr_commit(mtr *m, uint64_t root, const void *undo, uint32_t undo_len);
/* Logs m's changes as a compensation record whose undo_next is `undo_next`. */
int mtr_commit_clr(mtr *m, uint64_t undo_next);
/* Abandons m: restores every touched page from its before-image, releases, frees. */
void mtr_abandon(mtr *m);

#endif
