/*
 * util.h — helpers of the resource-failure suite (tests/faults): a scratch directory per test,
 * opening through the test hooks (engine/testhooks.h) on a given OS layer, SQL that must work.
 */
#ifndef ACIDB_TESTS_FAULTS_UTIL_H
#define ACIDB_TESTS_FAULTS_UTIL_H

#include <stdint.h>

#include "engine/acidb.h"
#include "pager/os.h"

extern char ft_dir[64], ft_db[128];

/* .init / .fini: a fresh mkdtemp directory (ft_dir), ft_db a path in it, a watchdog. */
void ft_setup(void);
void ft_teardown(void);

/* acidb_open_test(ft_db or path) with 4 KiB pages, a cache of cache_pages pages, durability
 * FULL, a 1 s lock timeout; asserts success. vfs NULL: POSIX. */
acidb_db *ft_open(const char *path, os_vfs *vfs, uint32_t cache_pages);
acidb_conn *ft_connect(acidb_db *db);
void ft_ok(acidb_conn *c, const char *sql);
/* The single integer a query returns (asserts success). */
long long ft_int(acidb_conn *c, const char *sql);
/* acidb_test_check must run and find nothing; `when` names the moment in the message. */
void ft_check_clean(acidb_db *db, const char *when);

#endif
