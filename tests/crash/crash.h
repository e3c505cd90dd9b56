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
#include "tests/common/fixture.h"
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

/* One run of a model: what every run_* function sets up and tears down. */
typedef struct crash_run {
    uint64_t seed, s;             /* the run's seed; s: its random stream (fx_xorshift) */
    char dir[400];                /* a fresh temporary directory under base_dir */
    char db[500], log[520];       /* the bank's database file in it, and its log */
    uint8_t *committed, *aborted; /* NIDS flags each: acknowledged / never sent */
    os_fault *f;                  /* the fault-injecting OS layer (NULL: POSIX) */
    acidb_db *h;                  /* the open bank, or NULL */
    char msg[400];                /* the last open's message */
} crash_run;

/* Starts run `seed`: its directory, its id sets and, if `fault`, a fault layer seeded with
 * it. Dies if the directory cannot be made. */
void run_start(crash_run *r, uint64_t seed, int fault);
/* Creates (or opens) the bank with o; 0, or -1 with "create failed: ..." in `why`. */
int run_open(crash_run *r, const sqlbank_options *o, char *why, size_t n);
/* Ends the run: abandons a handle still open, frees what run_start took, and removes the
 * directory with every file in it unless rc != 0 (a failing run keeps its files for
 * inspection and says where they are). Returns rc. */
int run_end(crash_run *r, int rc);
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
