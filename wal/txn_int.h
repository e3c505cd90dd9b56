/*
 * txn_int.h — private structures of the transaction layer (txn.c, mtr.c, recover.c).
 */
#ifndef ACIDB_WAL_TXN_INT_H
#define ACIDB_WAL_TXN_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "pager/status.h"
#include "wal/txn.h"

/* Transaction states (the transaction table's view). */
enum { TX_ACTIVE = 1, TX_COMMITTED, TX_ABORTING };

/* The LSN fields and state are written by the transaction's own thread and read by
 * checkpoints: both under tm->tt_mu. */
struct txn {
    txm *tm;
    uint64_t id;
    uint64_t first_lsn;  /* its first record (0: none yet) */
    uint64_t last_lsn;   /* its latest record: the next record's prev_lsn */
    uint64_t undo_next;  /* where undo continues (last_lsn, or a CLR's undo_next) */
    int state;
    lk_txn *lk;          /* its locks (NULL without a lock manager) */
    struct txn *prev, *next; /* the transaction table, under tm->tt_mu */
};

struct txm {
    pgr *p;
    wal *log;
    txm_rm rm;
    lk_mgr *locks;
    uint64_t checkpoint_bytes;
    void (*progress)(void *ctx, const char *phase, uint64_t done, uint64_t total);
    void *progress_ctx;

    /* Held shared by mtr_commit while it decides full images and appends; exclusive by a
     * checkpoint while it appends its begin record and moves redo_lsn. So every record
     * appended after a checkpoint's begin knows that begin (full-page-image rule). */
    pthread_rwlock_t ckpt_lock;
    uint64_t redo_lsn;        /* begin LSN of the latest checkpoint (0: none) */
    atomic_uint_fast64_t last_ckpt_end; /* log end when the last checkpoint finished */
    pthread_mutex_t ckpt_mu;  /* one checkpoint at a time */

    pthread_mutex_t tt_mu;    /* the transaction table, next_id and the lock-handle pool */
    txn *active;
    uint64_t next_id;
    /* Lock handles of ended transactions, reused by the next ones (lk_txn_begin restarts a
     * handle): creating one costs a calloc, a mutex and a condition variable, a fifth of a
     * point lookup. At most TXM_LK_POOL are kept. */
    lk_txn *lk_pool[64];
    int lk_npool;
    atomic_uint lk_timeout;   /* the lock manager's default timeout, restored on reuse */

    txm_recovery rec;
    bool readonly;       /* opened read-only: no log (log == NULL), nothing is ever written */
    bool log_synced;     /* the log is fdatasync'd (not no_sync): page 0 may record its marks */
    unsigned test_break; /* txm_options.test_break */
    /* A rollback could not finish (an error during undo): its transaction stays in the table
     * with its locks held, and nothing may change or commit until the database is reopened,
     * where recovery completes the undo. Letting others go on would let them change rows whose
     * undo is still pending. */
    atomic_bool failed;
};

/* Appends a record of transaction t (may be NULL), chaining prev_lsn and updating t. */
int txm_append(txm *tm, txn *t, wal_rec *r);
/* Runs t's undo chain back to `stop` (exclusive): the one undo path of rollback and recovery. */
int txn_undo_chain(txn *t, uint64_t stop);
/* The transaction table as a checkpoint payload (malloc'd) and its length. */
int txm_tt_encode(txm *tm, uint8_t **out, uint32_t *len);
void txm_tt_add(txm *tm, txn *t);
void txm_tt_remove(txm *tm, txn *t);

int txm_recover(txm *tm);
/* Page 0 says the database needs this log (needed, its generation), synced, unless it says so
 * already (wal/README.md, I1). Called by recovery before anything is logged but this. */
int txm_announce_log(txm *tm);

#endif
