/*
 * testhooks.h — TESTS ONLY: what the crash harness (tests/crash/) and test suites need from the
 * engine beyond the public API (engine/acidb.h), kept out of that header so that the OS layer
 * (pager/os.h) and the deliberately broken durability rules never become part of the user's
 * manual.
 *
 *   acidb_open_test     acidb_open on a given OS layer (e.g. the fault-injecting one,
 *                       pager/os_fault.h), page size and txm_options.test_break switches;
 *   acidb_test_failed   whether the engine has fail-stopped after an I/O error;
 *   acidb_test_abandon  "the process died here": frees the handle without writing anything;
 *   acidb_test_tree, acidb_test_stamp_page, acidb_test_set_identity_counter, acidb_test_log_end
 *                       damage as a bug or a bad disk would leave it (nothing logged), for the
 *                       tests of the integrity check;
 *   acidb_test_legacy_table_row  a table's catalog row as an older version wrote it.
 *
 * Nothing here is thread-safe beyond what each function states.
 */
#ifndef ACIDB_TESTHOOKS_H
#define ACIDB_TESTHOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/acidb.h"
#include "pager/btree.h"
#include "pager/os.h"

/* acidb_open (same return codes, same acidb_open_errmsg), except that the pager and the log
 * use `vfs` (NULL: POSIX), a new database gets pages of `page_size` bytes (0: the default;
 * ignored for an existing file), the log grows in 256 KiB steps rather than 16 MiB (test
 * databases are small) and `test_break` (TXM_BREAK_*, wal/txn.h; 0 for a correct engine)
 * deliberately breaks a durability rule. */
int acidb_open_test(const char *path, const acidb_options *o, os_vfs *vfs, unsigned test_break,
                    uint32_t page_size, acidb_db **out);

/* Whether the database has fail-stopped (an I/O error: it refuses changes until reopened).
 * Thread-safe. */
int acidb_test_failed(acidb_db *db);

/* Frees db as a crash would leave it: no checkpoint, no page written, no log flushed (what the
 * log buffered is dropped). Every connection must have been disconnected (ACIDB_MISUSE
 * otherwise, nothing freed); the next open recovers. */
int acidb_test_abandon(acidb_db *db);

/* ---- damage (nothing below is logged: it is what a bug or a bad disk leaves behind) ---------
 * The changes stay in the cache (dirty) and reach the file at the next checkpoint or clean
 * close, or are lost with acidb_test_abandon; a crash and recovery may undo them. Run them while
 * no transaction is active. */

/* The B+tree of the table or index `name` in the published catalog, or NULL when there is no
 * such object. Borrowed: valid until the next schema change. Changes made through it with the
 * bt_* calls of pager/btree.h are not logged (no mini-transaction is open): an index entry
 * removed or rewritten that way leaves the pages self-consistent and the index disagreeing
 * with its table. */
bt_tree *acidb_test_tree(acidb_db *db, const char *name);

/* Sets the LSN of page pgno (in the cache, marked dirty; no log record). ACIDB_CORRUPT or
 * ACIDB_IOERR when the page cannot be read. */
int acidb_test_stamp_page(acidb_db *db, uint64_t pgno, uint64_t lsn);

/* The end of the database's log: the LSN its next record will get (wal_end_lsn). */
uint64_t acidb_test_log_end(acidb_db *db);

/* Stores `counter` as the identity counter of `column` of `table` in the catalog tree (what the
 * next open starts handing out from; the counter in memory stays as it is). ACIDB_ERROR when
 * there is no such table or column. */
int acidb_test_set_identity_counter(acidb_db *db, const char *table, const char *column,
                                    int64_t counter);

/* Rewrites the catalog row of `table` as a catalog of the legacy type format holds it (no
 * type format field: every integer column bigint, engine/catalog.h CAT_TYPEFMT_LEGACY), which
 * the next open reads. ACIDB_ERROR when there is no such table. */
int acidb_test_legacy_table_row(acidb_db *db, const char *table);

#endif
