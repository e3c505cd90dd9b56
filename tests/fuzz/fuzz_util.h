/*
 * fuzz_util.h — what the fuzz targets (tests/fuzz/<target>.c) share: a scratch directory made
 * once per process, the small schema their databases hold, and the checksum fixers that let a
 * mutated file or log get past its checksums into the code behind them.
 *
 * Every target is a libFuzzer program (LLVMFuzzerTestOneInput); see tests/README.md, "Fuzzing".
 */
#ifndef ACIDB_TESTS_FUZZ_UTIL_H
#define ACIDB_TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/acidb.h"
#include "tests/common/fixture.h"

/* The process's scratch directory (under $TMPDIR, else /dev/shm, else /tmp), created on the
 * first call and removed at exit. */
const char *fz_dir(void);
/* "<fz_dir()>/<name>" in a static buffer per name slot (0..3). */
const char *fz_path(int slot, const char *name);
/* Whole files: fx_spit and fx_slurp (tests/common/fixture.h), which abort on failure. */
/* Removes a database and its log files. */
void fz_remove_db(const char *path);

/* With FUZZ_VERBOSE set in the environment, prints the connection's error and the statement
 * (to see what a seed or a crashing input does). */
void fz_note(acidb_conn *c, const char *sql);

/* Options for fuzzed databases: durability off, 1 MiB cache, short lock waits. */
acidb_options fz_options(void);
/* Creates the small schema (accounts, transfers with a foreign key and a unique index,
 * notes with a long TEXT) with a few rows. Aborts on failure. */
void fz_schema(acidb_conn *c);
/* Runs the read-only probe queries over that schema (results discarded; errors ignored). */
void fz_probe(acidb_conn *c);
/* Runs the probe queries, then a small write transaction (errors ignored). */
void fz_probe_write(acidb_conn *c);

/* Runs a script against a fresh copy of a database holding fz_schema (built once per process
 * and kept as an image, so every input starts from the same state and a crash replays from
 * its input alone). The text is split with acidb_prepare_v2's tail (at most 12 statements);
 * each is prepared, given parameters if it has any, and stepped to its end (at most 5000
 * rows), so parse, bind, plan and execute all see it, and BEGIN/COMMIT/ROLLBACK work across
 * statements. Errors are expected and ignored. */
void fz_run_script(const char *sql);

/* Builds a database holding fz_schema at path and closes it cleanly (one file, no log). */
void fz_clean_db(const char *path);
/* Builds a database at path as a crash leaves it: a forked child runs fz_schema, a checkpoint,
 * committed transfers, and a transaction that is still open when it _exit()s, so the log
 * (<path>-wal) needs redo and undo. Deterministic but for the database id. */
void fz_crashed_db(const char *path);

/* Recomputes every page checksum of a database image whose header names a valid page size
 * (XXH3-64 seeded with the page number, pager/README.md). */
void fz_fix_db_checksums(uint8_t *img, size_t n);
/* Recomputes the checksums of a log image: both header copies and every record whose length
 * field fits the file (wal/README.md, "Log file format"). db_id: the database's id. */
void fz_fix_log_checksums(uint8_t *img, size_t n, const uint8_t db_id[16]);
/* Sets a database image's id (header offset 80) and recomputes page 0's checksum. */
void fz_set_db_id(uint8_t *img, size_t n, const uint8_t db_id[16]);

/* The layout the dbfile and log targets give their inputs: byte 0 holds flags, the rest is
 * the file. FZ_FIX_CHECKSUMS: recompute the checksums after mutation, so that the mutation
 * reaches the structure checks and recovery instead of stopping at a checksum. */
enum { FZ_FIX_CHECKSUMS = 1 };

#endif
