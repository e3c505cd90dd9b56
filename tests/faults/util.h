/*
 * util.h — what the resource-failure suite (tests/faults) adds to the fixture library
 * (tests/common/fixture.h): opening through the test hooks (engine/testhooks.h) on a given OS
 * layer, and the integrity check.
 */
#ifndef ACIDB_TESTS_FAULTS_UTIL_H
#define ACIDB_TESTS_FAULTS_UTIL_H

#include <stdint.h>

#include "engine/acidb.h"
#include "pager/os.h"
#include "tests/common/fixture.h"

/* .init / .fini: a fresh temporary directory (fx_dir), fx_db a path in it, a 300 s watchdog.
 * Connections and queries go through the fixture library (fx_connect, fx_ok, fx_int). */
void ft_setup(void);
void ft_teardown(void);

/* acidb_open_test(fx_db or path) with 4 KiB pages, a cache of cache_pages pages, durability
 * FULL, a 1 s lock timeout; asserts success. vfs NULL: POSIX. */
acidb_db *ft_open(const char *path, os_vfs *vfs, uint32_t cache_pages);

#endif
