/*
 * util.h — helpers of the bad-input suite: a scratch directory per test, files built and
 * damaged on purpose, and opens that are expected to fail.
 */
#ifndef ACIDB_TESTS_BADINPUT_UTIL_H
#define ACIDB_TESTS_BADINPUT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/acidb.h"

extern char bi_dir[64], bi_db[128];

/* .init / .fini: a fresh mkdtemp directory (bi_dir) with bi_db a path in it; a watchdog. */
void bi_setup(void);
void bi_teardown(void);

/* Opens path with durability off (create as given); asserts success. */
acidb_db *bi_open(const char *path, int create);
/* The same with a cache of cache_bytes (0: the default, 64 MiB). */
acidb_db *bi_open_cache(const char *path, int create, uint64_t cache_bytes);
acidb_conn *bi_connect(acidb_db *db);
/* acidb_open that must fail: returns the code, *msg the message (static copy). */
int bi_open_fails(const char *path, int create, const char **msg);

void bi_ok(acidb_conn *c, const char *sql);
/* The single integer a query returns (asserts success). */
long long bi_int(acidb_conn *c, const char *sql);

/* A clean database at path: accounts(id, name, balance) with `rows` rows, closed. */
void bi_make_db(const char *path, int rows);

/* Whole-file helpers (assert on failure). */
uint8_t *bi_read(const char *path, size_t *n);
void bi_write(const char *path, const void *data, size_t n);

#endif
