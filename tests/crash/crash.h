/*
 * crash.h — what the crash harness's files share (tests/crash/): the workload's sizes, the
 * in-process workers, the invariant check after recovery, and the fault models of models.c.
 * See crash.c for the harness and tests/README.md ("The crash harness") for the contract.
 */
#ifndef ACIDB_TESTS_CRASH_H
#define ACIDB_TESTS_CRASH_H

#include <stddef.h>
#include <stdint.h>

#include "pager/os_fault.h"
#include "tests/common/sqlbank.h"

#define WORKERS 3
#define IDS_PER_THREAD 100000ull
#define IDS_PER_CYCLE (IDS_PER_THREAD * WORKERS)
#define KILL_CYCLES 3
#define NIDS (IDS_PER_CYCLE * (KILL_CYCLES + 1))
/* Transfers per worker in a power or io run (the cut or the error usually comes first). */
#define PER_WORKER 60
#define NACCOUNTS 100

extern char base_dir[256];
extern unsigned test_break;
extern int verbose;            /* --verbose: print each refusal's message */
extern uint64_t acked_checked; /* acknowledged transfers found after recovery, this mode */
extern sqlbank_stats totals;   /* what the in-process workers did, this mode */

uint64_t rnd(uint64_t *s);
/* A fresh mkdtemp directory under base_dir and the database path in it. */
void db_paths(char *dir, size_t n, char *db, size_t m);
/* Removes the run's directory and every file in it, unless the run failed (then it says
 * where they are). */
void remove_db(const char *dir, const char *db, int failed);
/* The in-process workers: WORKERS threads, `max` transfers each, ids of worker i from
 * 1 + i * IDS_PER_THREAD (+ id_offset); marks committed[] and aborted[]. -1 with `why` if one
 * saw an answer the engine must never give. */
int run_workers(acidb_db *db, uint64_t seed, int max, uint8_t *committed, uint8_t *aborted,
                int *failed_then_committed, char *why, size_t n);
int run_workers_from(acidb_db *db, uint64_t seed, int max, uint64_t id_offset,
                     uint8_t *committed, uint8_t *aborted, int *failed_then_committed,
                     char *why, size_t n);
/* Recovery, the four invariants (sqlbank_check), a clean close. 0, or -1 with `why`. */
int verify(const char *db, os_vfs *vfs, const uint8_t *committed, const uint8_t *aborted,
           char *why, size_t n);
/* The options of an in-process run over the fault layer f. */
sqlbank_options run_options(uint64_t seed, os_fault *f);

/* The models of models.c (tests/README.md, "The crash harness"). Each returns 0 when every
 * invariant held (a refusal counts where the model allows one: *refused is incremented), or
 * -1 with `why`. */
int run_bitflip(uint64_t seed, char *why, size_t n, uint64_t *refused, uint64_t *in_last);
int run_swaplog(uint64_t seed, char *why, size_t n, uint64_t *refused);
int run_header(uint64_t seed, char *why, size_t n, uint64_t *torn);
int run_index(uint64_t seed, char *why, size_t n, uint64_t *reported);

#endif
