/*
 * util.h — helpers shared by the pager suite's files: a temporary directory per test, whole-file
 * read/write, a seeded PRNG, the scale factor, and status-checking assertions.
 *
 * Every test of suite "pager" runs with t_dir set to a fresh mkdtemp directory under /tmp (made
 * by the suite's .init, removed with everything in it by .fini), so tests never see each other's
 * files even when Criterion runs them in parallel.
 */
#ifndef TESTS_PAGER_UTIL_H
#define TESTS_PAGER_UTIL_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>

#include "pager/pager.h"
#include "pager/status.h"

/* Asserts that a call returning an ST_* status succeeded, printing the call, the code and the
 * thread's message otherwise. */
#define OK(call)                                                                              \
    do {                                                                                      \
        int ok_rc_ = (call);                                                                  \
        cr_assert(ok_rc_ == ST_OK, "%s failed: %s (%d): %s", #call, st_name(ok_rc_), ok_rc_,  \
                  st_msg());                                                                  \
    } while (0)

/* Asserts that a call failed with exactly `code`. */
#define FAILS_WITH(code, call)                                                                \
    do {                                                                                      \
        int fw_rc_ = (call);                                                                  \
        cr_assert(fw_rc_ == (code), "%s returned %s (%d), expected %s: %s", #call,            \
                  st_name(fw_rc_), fw_rc_, st_name(code), st_msg());                          \
    } while (0)

extern char t_dir[]; /* this test's temporary directory */

/* "<t_dir>/<name>" in one of a few rotating static buffers. */
const char *t_path(const char *name);

/* Whole-file helpers (the test aborts on any error). t_slurp returns a malloc'd buffer. */
uint8_t *t_slurp(const char *path, size_t *len);
void t_spit(const char *path, const void *buf, size_t len);
int t_exists(const char *path);

/* Opens `path` with the given page size / cache bytes (0 = defaults). */
int t_open(const char *path, uint32_t page_size, size_t cache_bytes, int create, pgr **out);

/* Same, with a before_write hook. */
int t_open_hook(const char *path, uint32_t page_size, size_t cache_bytes, int create,
                pgr_before_write_fn fn, void *ctx, pgr **out);

/* splitmix64: small, fast, good enough for tests, and trivially replayable. */
static inline uint64_t t_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline uint64_t t_below(uint64_t *s, uint64_t n) { return n ? t_rand(s) % n : 0; }

/* The seed for a randomised test: ACIDB_TEST_SEED=<n> replays n, ACIDB_TEST_SEED=random picks
 * a fresh one, unset gives `dflt` (so plain `make test` is deterministic). */
uint64_t t_seed(uint64_t dflt);

/* Work multiplier: ACIDB_TEST_SCALE if set, else 1.0 in a plain build and smaller under
 * sanitizers (see tests/README.md). Returns at least `min` after scaling `n`. */
double t_scale(void);
uint64_t t_scaled(uint64_t n, uint64_t min);

/* Does `msg` mention "page <pgno>" (case-insensitive "page", then the exact number)? */
int t_names_page(const char *msg, uint64_t pgno);

/* Fills / checks a page body [PGR_HDR_SIZE, ps-8) with a pattern derived from (pgno, tag). */
void t_fill(uint8_t *page, uint32_t ps, uint64_t pgno, uint64_t tag);
int t_check_fill(const uint8_t *page, uint32_t ps, uint64_t pgno, uint64_t tag);

#endif
