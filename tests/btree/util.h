/*
 * util.h — what the btree suite adds to the fixture library (tests/common/fixture.h,
 * tests/common/pgr_fixture.h): deterministic values, and an integrity-check wrapper that
 * collects bt_check's reports.
 *
 * Every test of suite "btree" runs with fx_dir set to a fresh temporary directory (made by the
 * suite's .init, removed by .fini).
 */
#ifndef TESTS_BTREE_UTIL_H
#define TESTS_BTREE_UTIL_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>

#include "pager/btree.h"
#include "pager/pager.h"
#include "pager/status.h"
#include "tests/common/fixture.h"
#include "tests/common/pgr_fixture.h"

/* Deterministic value bytes: value (seed, len) is the same every time it is generated. */
void t_value(uint8_t *buf, size_t len, uint64_t seed);
/* Index of the first differing byte, or (size_t)-1 when equal. */
size_t t_value_diff(const uint8_t *buf, size_t len, uint64_t seed);

/* The largest cell stored locally (pager/README.md): (ps - 8 - 32) / 4 - 2. */
static inline size_t t_max_cell(uint32_t ps) { return (ps - 8 - 32) / 4 - 2; }

/* Creates n trees of the given kinds in p and opens them: roots[i], t[i]. */
void t_create_trees(pgr *p, const bt_kind *kinds, size_t n, uint64_t *roots, bt_tree **t);

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
