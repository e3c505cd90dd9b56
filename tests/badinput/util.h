/*
 * util.h — what the bad-input suite adds to the fixture library (tests/common/fixture.h):
 * opens that are expected to fail, and a small clean database to damage on purpose.
 */
#ifndef ACIDB_TESTS_BADINPUT_UTIL_H
#define ACIDB_TESTS_BADINPUT_UTIL_H

#include <stdint.h>

#include "engine/acidb.h"
#include "tests/common/fixture.h"

/* .init / .fini: a fresh temporary directory (fx_dir) with fx_db a path in it; a 120 s
 * watchdog. */
void bi_setup(void);
void bi_teardown(void);

/* Opens path with durability off, a 4 MiB cache (create as given); dies unless it opens. */
acidb_db *bi_open(const char *path, int create);
/* The same with a cache of cache_bytes (0: the default, 64 MiB). */
acidb_db *bi_open_cache(const char *path, int create, uint64_t cache_bytes);
/* acidb_open that must fail: returns the code, *msg the message (static copy). */
int bi_open_fails(const char *path, int create, const char **msg);

/* A clean database at path: accounts(id, name, balance) with `rows` rows, closed. */
void bi_make_db(const char *path, int rows);

#endif
