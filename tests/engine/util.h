/*
 * util.h — helpers for tests that drive acidb through its public API.
 */
#ifndef ACIDB_TESTS_ENGINE_UTIL_H
#define ACIDB_TESTS_ENGINE_UTIL_H

#include "engine/acidb.h"

extern char eng_dir[64], eng_db[128];

/* A fresh temporary directory with a database path in it (eng_db). */
void eng_setup(void);
void eng_teardown(void);

/* Opens eng_db (durability off unless `durable`) and one connection. */
acidb_db *eng_open(int durable);
acidb_conn *eng_connect(acidb_db *db);

/* Runs sql and asserts success. */
void eng_ok(acidb_conn *c, const char *sql);
/* Runs sql and asserts that it fails with `sqlstate`; returns the code. */
int eng_fails(acidb_conn *c, const char *sql, const char *sqlstate);
/* The rows of a query as "a|b\n" lines (NULL as "NULL"); caller frees. Asserts success. */
char *eng_query(acidb_conn *c, const char *sql);
/* The single integer a query returns. */
long long eng_int(acidb_conn *c, const char *sql);

#endif
