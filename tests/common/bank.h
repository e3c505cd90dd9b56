/*
 * bank.h — the banking workload shared by the crash harness (tests/crash/) and the bank
 * scenario tests (tests/wal/bank_test.c): accounts (row id -> balance), transfers (row id ->
 * from, to, amount) and a UNIQUE index on the transfer reference, on real B+trees, logged
 * through wal/btx, locked through lockmgr/ (strict 2PL).
 *
 * The trees' roots live in a small catalog tree whose root is the database header's catalog
 * root, so a reopened (recovered) database finds them.
 *
 * No assertion library: every function returns a status (0 = OK), so it can run in worker
 * threads and in forked children.
 */
#ifndef ACIDB_TESTS_BANK_H
#define ACIDB_TESTS_BANK_H

#include <stddef.h>
#include <stdint.h>

#include "lockmgr/lock.h"
#include "pager/btree.h"
#include "wal/btx.h"

#define BANK_START_BALANCE 1000

typedef struct bank {
    txm *tm;
    lk_mgr *locks;
    int naccounts;
    uint64_t root[3]; /* accounts, transfers, refs */
    bt_tree *acc, *xfer, *refs;
} bank;

typedef struct bank_options {
    os_vfs *vfs;           /* NULL: POSIX */
    uint32_t page_size;    /* 0: 512 (deep trees, many splits) */
    size_t cache_pages;    /* 0: 40 (far smaller than the data: STEAL happens) */
    uint64_t ckpt_bytes;   /* 0: 16 KiB (frequent checkpoints) */
    int naccounts;         /* for a new database; 0: 100 */
    int no_sync;           /* durability off */
    unsigned test_break;   /* txm_options.test_break: a deliberately broken build */
} bank_options;

/* Opens (creating and funding the accounts if new) the bank at path; runs recovery if needed. */
int bank_open(bank *b, const char *path, const bank_options *o);
void bank_close_trees(bank *b);
int bank_close(bank *b);   /* clean shutdown */
void bank_abandon(bank *b); /* crash: nothing written */

/* Outcome of one transfer attempt. */
enum { XFER_COMMITTED = 0, XFER_ABORTED, XFER_FAILED };

/* One transfer: lock both accounts (X, in the order given: opposite transfers deadlock and the
 * lock manager picks a victim), refuse an overdraft, debit, credit, history row with id,
 * unique reference (its key locked by the insert); commit. Locks are the transaction's own
 * (txn_locks), released by commit or abort. Returns XFER_COMMITTED (commit returned OK), XFER_ABORTED (refused,
 * deadlock victim or timeout: rolled back, nothing left) or XFER_FAILED (an I/O error: the
 * outcome is whatever recovery decides, but never partial). *deadlock is set for victims. */
int bank_transfer(bank *b, int64_t from, int64_t to, int64_t amount, uint64_t id,
                  int *deadlock);

/* Checks a (recovered) bank: integrity check clean; money conserved; no negative balance;
 * each balance equals the start balance plus credits minus debits of the transfers present;
 * each transfer has its reference and vice versa; every id in `committed` is present; no id
 * in `aborted` is; no id >= nids is. Returns 0, or -1 with what is wrong in `why`. */
int bank_check(bank *b, const uint8_t *committed, const uint8_t *aborted, uint64_t nids,
               char *why, size_t whylen);

#endif
