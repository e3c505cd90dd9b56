/*
 * sqlbank.h — the banking workload in SQL through the public API (engine/acidb.h), for the
 * crash harness (tests/crash/): what it proves is what users run.
 *
 *   CREATE TABLE accounts (id INTEGER PRIMARY KEY,
 *                          balance INTEGER NOT NULL CHECK (balance >= 0));
 *   CREATE TABLE transfers (id INTEGER PRIMARY KEY,
 *                           src INTEGER NOT NULL REFERENCES accounts(id),
 *                           dst INTEGER NOT NULL REFERENCES accounts(id),
 *                           amount INTEGER NOT NULL CHECK (amount > 0),
 *                           ref TEXT UNIQUE NOT NULL);
 *
 * A transfer's id is chosen by the caller (unique per run) and its ref is 'ref-<id>', so that a
 * process that outlives the workload can say which transfers were acknowledged. Every
 * statement is prepared once per connection and run with acidb_bind / step / reset.
 *
 * The tree-level bank of tests/common/bank.h (used by tests/wal) is the same story one layer
 * down; the invariants checked here are the same, asked in SQL.
 *
 * No assertion library: functions return a status and fill `why`, so they run in worker
 * threads and forked children.
 */
#ifndef ACIDB_TESTS_SQLBANK_H
#define ACIDB_TESTS_SQLBANK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/acidb.h"
#include "pager/os.h"

#define SQLBANK_START_BALANCE 1000

typedef struct sqlbank_options {
    os_vfs *vfs;              /* NULL: POSIX */
    uint32_t page_size;       /* for a new database; 0: 512 (deep trees, many splits) */
    uint32_t cache_pages;     /* 0: 40 pages (far smaller than the data: STEAL happens) */
    uint64_t ckpt_bytes;      /* 0: 16 KiB of log (frequent checkpoints) */
    int naccounts;            /* for a new database; 0: 100 */
    unsigned lock_timeout_ms; /* 0: 100 (deadlocks are found at once; this is the fallback) */
    unsigned test_break;      /* TXM_BREAK_* (wal/txn.h): a deliberately broken build */
    int must_exist;           /* 1: a database without the schema is an error (after a crash,
                                 the schema committed before it must still be there) */
} sqlbank_options;

/* Opens the database at path through acidb_open_test (recovering it if needed) and, if it has
 * no accounts table yet, creates the schema and funds the accounts in one transaction. Returns
 * ACIDB_OK and *out (acidb_close or acidb_test_abandon it), or an error with `why`. */
int sqlbank_open(const char *path, const sqlbank_options *o, acidb_db **out, char *why,
                 size_t n);

/* One worker's connection and its prepared statements. One thread at a time. */
typedef struct sqlbank_conn sqlbank_conn;
int sqlbank_connect(acidb_db *db, sqlbank_conn **out, char *why, size_t n);
void sqlbank_disconnect(sqlbank_conn *k);

/* Outcome of a transfer. */
enum {
    XFER_COMMITTED = 0, /* COMMIT returned OK: it must survive every crash                     */
    XFER_ABORTED,       /* COMMIT was never sent (refused, overdraft, random abort, deadlocks
                           and lock timeouts beyond the retries): nothing of it may remain    */
    XFER_FAILED,        /* an I/O error (58030): whatever recovery decides, never partial      */
    XFER_WRONG,         /* the engine answered something it must not (a wrong SQLSTATE, an
                           overdraft accepted): a bug; `why` says what                         */
};

/* How a transfer is written (chosen at random by callers, or given). */
enum {
    XFER_CHECKED = 0, /* SELECT balance ... FOR UPDATE, refuse in the application if short    */
    XFER_OPTIMISTIC,  /* UPDATE and let CHECK (balance >= 0) refuse an overdraft (23514)     */
    XFER_OVERDRAW,    /* an amount no account holds: the CHECK must refuse it with 23514     */
    XFER_ZERO,        /* amount 0: both UPDATEs run, then CHECK (amount > 0) refuses the
                         INSERT (23514): the rollback must take the UPDATEs back             */
};

typedef struct sqlbank_xfer {
    int64_t src, dst, amount;
    uint64_t id;
    int kind;             /* XFER_CHECKED, ... */
    int rollback;         /* end with ROLLBACK instead of COMMIT (a random abort) */
} sqlbank_xfer;

typedef struct sqlbank_stats {
    uint64_t committed, refused, overdrafts, zero, rolled_back, deadlocks, timeouts, gave_up;
} sqlbank_stats;

/* BEGIN; (SELECT ... FOR UPDATE;) UPDATE src; UPDATE dst; INSERT INTO transfers; COMMIT (or
 * ROLLBACK), retried up to 20 times on 40P01 / 55P03. Returns XFER_*; `why` is set for
 * XFER_FAILED and XFER_WRONG. `st` (may be NULL) counts what happened. */
int sqlbank_transfer(sqlbank_conn *k, const sqlbank_xfer *x, sqlbank_stats *st, char *why,
                     size_t n);

/* The transfer's reference: "ref-" and the id in ten digits. */
void sqlbank_ref(uint64_t id, char *buf, size_t n);

/* Checks a (recovered) bank through SQL: the integrity check (fx_check) clean; count, sum and min of the
 * balances (money conserved, none negative); each balance = start + credits - debits of the
 * transfers present (GROUP BY); each transfer's ref is 'ref-<id>' and is found by a point
 * lookup on the ref (the UNIQUE index agrees with the table); every id in `committed` is
 * present (looked up by its ref); no id in `aborted`, and none >= nids, is. Returns 0, or -1
 * with what is wrong in `why`. */
int sqlbank_check(acidb_db *db, const uint8_t *committed, const uint8_t *aborted,
                  uint64_t nids, char *why, size_t n);

#endif
