/*
 * util.h — what the pager suite adds to the fixture library (tests/common/fixture.h,
 * tests/common/pgr_fixture.h): page-body patterns.
 *
 * Every test of suite "pager" runs with fx_dir set to a fresh temporary directory (made by the
 * suite's .init, removed with everything in it by .fini), so tests never see each other's
 * files even when Criterion runs them in parallel.
 */
#ifndef TESTS_PAGER_UTIL_H
#define TESTS_PAGER_UTIL_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>

#include "pager/pager.h"
#include "pager/status.h"
#include "tests/common/fixture.h"
#include "tests/common/pgr_fixture.h"

/* Fills / checks a page body [PGR_HDR_SIZE, ps-8) with a pattern derived from (pgno, tag). */
void t_fill(uint8_t *page, uint32_t ps, uint64_t pgno, uint64_t tag);
int t_check_fill(const uint8_t *page, uint32_t ps, uint64_t pgno, uint64_t tag);

#endif
