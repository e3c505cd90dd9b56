/*
 * util.h — what the engine suites add to the fixture library (tests/common/fixture.h): their
 * per-test directory and how they open the database. Queries go through fx_ok, fx_fails,
 * fx_int and fx_query.
 */
#ifndef ACIDB_TESTS_ENGINE_UTIL_H
#define ACIDB_TESTS_ENGINE_UTIL_H

#include "engine/acidb.h"
#include "tests/common/fixture.h"

/* .init / .fini: a fresh temporary directory (fx_dir) with the database path fx_db in it. */
void eng_setup(void);
void eng_teardown(void);

/* Opens fx_db (durability off unless `durable`, a 4 MiB cache, a 5 s lock timeout). */
acidb_db *eng_open(int durable);

#endif
