/*
 * pgcluster.h — a throwaway PostgreSQL 15 cluster for the differential tests (prefix fx_pg_;
 * part of the fixture library, tests/common/fixture.h).
 *
 * fx_pg_start makes a temporary directory (fx_tmpdir), runs initdb there (--locale=C -E UTF8,
 * trust, superuser postgres) and starts the server with TimeZone=UTC and fsync off, listening
 * on a Unix socket in that directory only (listen_addresses=''). Run as root, the server runs
 * as the `postgres` user (runuser), which owns the directory.
 *
 * Cleanup on every path: fx_pg_start forks a guard process that holds the read end of a pipe
 * whose write end only this process has (close-on-exec, so the server does not inherit it).
 * When this process ends in any way — fx_pg_stop, exit, a failed Criterion assertion, abort,
 * a signal, SIGKILL — the guard sees end-of-file, stops the server (immediate mode) and removes
 * the directory. fx_pg_stop does the same synchronously, so the directory is gone when it
 * returns.
 *
 * Missing PostgreSQL (tests/README.md, "Differential tests"): `make deps` installs
 * postgresql-15 and `make test` runs the differential tests, so a cluster that cannot be
 * started is a failure: fx_pg_start prints the logs and dies (fx_die) with a message saying to
 * run `make deps`. Only ACIDB_NO_PG=1 in the environment makes it return NULL instead, for the
 * caller to skip its test.
 */
#ifndef ACIDB_TESTS_PGCLUSTER_H
#define ACIDB_TESTS_PGCLUSTER_H

#include <stddef.h>

/* Where PostgreSQL 15's server programs are (Debian's postgresql-15). */
#define FX_PG_BIN "/usr/lib/postgresql/15/bin"
/* The skip message of a test when fx_pg_start returns NULL. */
#define FX_PG_SKIPPED "ACIDB_NO_PG=1: the comparison with PostgreSQL 15 is skipped"

typedef struct fx_pg {
    char dir[4096];   /* the cluster's directory; the socket is in it */
    int port;         /* names the socket: <dir>/.s.PGSQL.<port> */
    const char *user; /* the superuser to connect as */
} fx_pg;

/* Starts a cluster in a fresh "acidb-<tag>-*" temporary directory (at most one per process).
 * NULL only when ACIDB_NO_PG=1; dies on any failure otherwise. */
const fx_pg *fx_pg_start(const char *tag);

/* Runs sql (any number of statements) through psql against database postgres: -X -q -A -t,
 * fields separated by '|', ON_ERROR_STOP=1. Returns psql's standard output, malloc'd (caller
 * frees); *status (may be NULL) gets psql's exit status, 0 when every statement succeeded.
 * psql's standard error is copied to this process's on a non-zero status. */
char *fx_pg_psql(const fx_pg *pg, const char *sql, int *status);

/* Sets PGHOST, PGPORT and PGUSER in this process's environment to reach pg (for a client
 * program such as tests/sql/pg_transcript.py). */
void fx_pg_setenv(const fx_pg *pg);

/* Stops the server and removes the directory; nothing if none was started. */
void fx_pg_stop(void);

#endif
