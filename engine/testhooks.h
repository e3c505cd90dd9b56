/*
 * testhooks.h — TESTS ONLY: what the crash harness (tests/crash/) and test suites need from the
 * engine beyond the public API (engine/acidb.h), kept out of that header so that the OS layer
 * (pager/os.h) and the deliberately broken durability rules never become part of the user's
 * manual.
 *
 *   acidb_open_test     acidb_open on a given OS layer (e.g. the fault-injecting one,
 *                       pager/os_fault.h), page size and txm_options.test_break switches;
 *   acidb_test_check    acidb_check with its report collected into a string;
 *   acidb_test_failed   whether the engine has fail-stopped after an I/O error;
 *   acidb_test_abandon  "the process died here": frees the handle without writing anything.
 *
 * Nothing here is thread-safe beyond what each function states.
 */
#ifndef ACIDB_TESTHOOKS_H
#define ACIDB_TESTHOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/acidb.h"
#include "pager/os.h"

/* acidb_open (same return codes, same acidb_open_errmsg), except that the pager and the log
 * use `vfs` (NULL: POSIX), a new database gets pages of `page_size` bytes (0: the default;
 * ignored for an existing file), the log grows in 256 KiB steps rather than 16 MiB (test
 * databases are small) and `test_break` (TXM_BREAK_*, wal/txn.h; 0 for a correct engine)
 * deliberately breaks a durability rule. */
int acidb_open_test(const char *path, const acidb_options *o, os_vfs *vfs, unsigned test_break,
                    uint32_t page_size, acidb_db **out);

/* The public acidb_check (engine/acidb.h: the catalog tree and every table and index tree,
 * the free list, pages leaked or referenced twice), with its first problems written to
 * `report` (n bytes, may be 0), one per line as bt_check words them ("page N: what");
 * *problems (may be NULL) receives their count. Returns what acidb_check returns: ACIDB_OK
 * when the check ran, even if it found problems. Run it while no transaction is active (e.g.
 * right after acidb_open), or a tree being changed may look broken. */
int acidb_test_check(acidb_db *db, char *report, size_t n, uint64_t *problems);

/* Whether the database has fail-stopped (an I/O error: it refuses changes until reopened).
 * Thread-safe. */
int acidb_test_failed(acidb_db *db);

/* Frees db as a crash would leave it: no checkpoint, no page written, no log flushed (what the
 * log buffered is dropped). Every connection must have been disconnected (ACIDB_MISUSE
 * otherwise, nothing freed); the next open recovers. */
int acidb_test_abandon(acidb_db *db);

#endif
