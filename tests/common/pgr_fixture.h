/*
 * pgr_fixture.h — what the suites of the layers below the engine (tests/pager, tests/btree)
 * add to the fixture library (tests/common/fixture.h): assertions on ST_* status codes and
 * opening a pager directly. Header-only: it needs Criterion, which the crash harness and the
 * soak, also linked with tests/common, do not have.
 */
#ifndef ACIDB_TESTS_PGR_FIXTURE_H
#define ACIDB_TESTS_PGR_FIXTURE_H

#include <criterion/criterion.h>
#include <string.h>

#include "pager/pager.h"
#include "pager/status.h"
#include "tests/common/fixture.h"

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

/* pgr_open of path with the given page size and cache bytes (0: the defaults) and a
 * before_write hook (NULL: none); returns its status. */
static inline int fx_pgr_open_hook(const char *path, uint32_t page_size, size_t cache_bytes,
                                   int create, pgr_before_write_fn fn, void *ctx, pgr **out)
{
    pgr_options o;
    memset(&o, 0, sizeof o);
    o.page_size = page_size;
    o.cache_bytes = cache_bytes;
    o.create = create;
    o.before_write = fn;
    o.before_write_ctx = ctx;
    *out = NULL;
    return pgr_open(path, &o, out);
}

static inline int fx_pgr_open(const char *path, uint32_t page_size, size_t cache_bytes,
                              int create, pgr **out)
{
    return fx_pgr_open_hook(path, page_size, cache_bytes, create, NULL, NULL, out);
}

#endif
