/*
 * btx.h — B+tree changes as logged, undoable operations of a transaction.
 *
 * Each call is one mini-transaction (wal/txn.h): the tree operation's page changes (splits and
 * merges included) become one log record whose undo is logical — "delete this key" after an
 * insert of a new key, "put this value back" after an update or a delete — so undo still works
 * after other transactions' splits have moved the key to another page, and a structure change
 * is never undone with its transaction (wal/README.md, "Design of the transaction layer").
 *
 * Rule for anything that changes trees inside an mtr: one modifying B+tree call per mtr, and
 * it is the last tree call before the commit. The mtr keeps the pages latched after the tree
 * latch is released; taking a tree latch again while holding them could deadlock with a thread
 * that holds that tree latch and waits for one of those pages.
 *
 * Locks: with a lock manager (txn_locks(t) != NULL), each call first locks what it touches —
 * the row (table trees: table id = the tree's root page, row id = the key) or the key (index
 * trees: index 1 of table = root, the key bytes, or their 128-bit digest when longer than
 * LK_MAX_KEY) — X to change, S to read, waiting up to the
 * lock timeout; a deadlock victim gets ST_EDEADLOCK (SQLSTATE 40P01), a timeout ST_ETIMEOUT
 * (55P03), and must be rolled back. The lock is held to the end of the transaction, so
 * nobody else changes `key` between the read of its old value and the change. Callers may
 * lock these same resources earlier (btx_lock) to choose the order.
 *
 * Limits: one operation's log record holds at most WAL_MAX_REC bytes, the old value included,
 * and all pages it touches stay pinned until it commits, so a value of more than a few MiB (or
 * more than the buffer pool holds) is refused with ST_ETOOBIG / ST_EFULL. Streaming big values
 * through separate mini-transactions is future work.
 */
#ifndef ACIDB_WAL_BTX_H
#define ACIDB_WAL_BTX_H

#include "pager/btree.h"
#include "wal/txn.h"

/* Locks `key` of `tree` in `mode` (LK_S or LK_X) for t, as the calls below do. ST_OK without
 * a lock manager. */
int btx_lock(txn *t, bt_tree *tree, const bt_key *key, lk_mode_t mode);

/* bt_get under an S lock on the key. */
int btx_get(txn *t, bt_tree *tree, const bt_key *key, void **val, size_t *vlen);

/* bt_insert (BT_REPLACE or BT_NOREPLACE), logged with its undo. */
int btx_insert(txn *t, bt_tree *tree, const bt_key *key, const void *val, size_t vlen,
               int flags);
/* bt_insert(BT_REPLACE) of an existing key whose current value the caller read under the X
 * lock it holds (btx_lock or an earlier btx call): `old` becomes the undo without the tree
 * being read again. The caller guarantees old/oldlen are the value in the tree now. */
int btx_update(txn *t, bt_tree *tree, const bt_key *key, const void *old, size_t oldlen,
               const void *val, size_t vlen);
/* bt_delete, logged with its undo. ST_ENOTFOUND (nothing logged) if the key is absent. */
int btx_delete(txn *t, bt_tree *tree, const bt_key *key);
/* bt_create inside a redo-only mini-transaction of t (NULL: of no transaction). */
int btx_create(txm *tm, txn *t, bt_kind kind, uint64_t *root);

/* The resource manager's undo for records written by btx_* (txm_rm.undo; ctx unused). */
int btx_undo(void *ctx, txn *t, const wal_rec *rec);

#endif
