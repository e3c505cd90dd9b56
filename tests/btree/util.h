/*
 * util.h — helpers shared by the btree suite's files: a temporary directory per test, a seeded
 * PRNG with replay, the work scale, deterministic values, and an integrity-check wrapper that
 * collects bt_check's reports.
 *
 * Every test of suite "btree" runs with t_dir set to a fresh mkdtemp directory under /tmp (made
 * by the suite's .init, removed by .fini).
 */
#ifndef TESTS_BTREE_UTIL_H
#define TESTS_BTREE_UTIL_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>

#include "pager/btree.h"
#include "pager/pager.h"
#include "pager/status.h"

#define OK(call)                                                                              \
    do {                                                                                      \
        int ok_rc_ = (call);                                                                  \
        cr_assert(ok_rc_ == ST_OK, "%s failed: %s (%d): %s", #call, st_name(ok_rc_), ok_rc_,  \
                  st_msg());                                                                  \
    } while (0)

#define FAILS_WITH(code, call)                                                                \
    do {                                                                                      \
        int fw_rc_ = (call);                                                                  \
        cr_assert(fw_rc_ == (code), "%s returned %s (%d), expected %s: %s", #call,            \
                  st_name(fw_rc_), fw_rc_, st_name(code), st_msg());                          \
    } while (0)

extern char t_dir[];
const char *t_path(const char *name);
uint8_t *t_slurp(const char *path, size_t *len);
void t_spit(const char *path, const void *buf, size_t len);

int t_open(const char *path, uint32_t page_size, size_t cache_bytes, int create, pgr **out);

static inline uint64_t t_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline uint64_t t_below(uint64_t *s, uint64_t n) { return n ? t_rand(s) % n : 0; }

/* ACIDB_TEST_SEED=<n> replays seed n; =random picks one; unset: `dflt`. t_seed_given() tells
 * whether a seed was given (randomised tests then run that one seed only). */
uint64_t t_seed(uint64_t dflt);
int t_seed_given(void);

/* ACIDB_TEST_SCALE, default 1.0 in a plain build, 0.2 under sanitizers (tests/README.md). */
double t_scale(void);
uint64_t t_scaled(uint64_t n, uint64_t min);

int t_names_page(const char *msg, uint64_t pgno);

/* Deterministic value bytes: value (seed, len) is the same every time it is generated. */
void t_value(uint8_t *buf, size_t len, uint64_t seed);
/* Index of the first differing byte, or (size_t)-1 when equal. */
size_t t_value_diff(const uint8_t *buf, size_t len, uint64_t seed);

/* The largest cell stored locally (pager/README.md): (ps - 8 - 32) / 4 - 2. */
static inline size_t t_max_cell(uint32_t ps) { return (ps - 8 - 32) / 4 - 2; }

/* bt_check, collecting every report. */
struct t_reports {
    uint64_t problems;
    size_t n;
    uint64_t pgno[64];
    char text[2048]; /* the first reports, "page N: msg; ..." */
};
void t_check(pgr *p, const uint64_t *roots, const bt_kind *kinds, size_t n, struct t_reports *r);
/* Did some report name page `pgno` (by its pgno argument or in its text)? */
int t_reported(const struct t_reports *r, uint64_t pgno);

/* Asserts the whole file is clean. `ctx` prefixes the failure message. */
void t_check_clean(pgr *p, const uint64_t *roots, const bt_kind *kinds, size_t n,
                   const char *ctx);

/* Pages in use: page count minus the header and the free pages. */
static inline uint64_t t_used_pages(pgr *p) { return pgr_page_count(p) - 1 - pgr_free_count(p); }

#endif
