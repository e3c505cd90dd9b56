/*
 * fixture.h — the one test fixture library (prefix fx_), used by every suite, the crash
 * harness, the soak and the fuzz targets: temporary directories, seeds and scale from the
 * environment, sanitizer detection, whole-file I/O, and opening and querying a database
 * through the public API (engine/acidb.h).
 *
 * No assertion library: it is linked into programs without Criterion (tests/crash, tests/soak,
 * tests/fuzz). What must work for a test to mean anything (a temporary directory, an open, SQL
 * that must succeed) calls fx_die, which prints what failed and aborts: Criterion and the TSan
 * shim report the test as crashed with that message above it. Functions whose failure a caller
 * may want to handle return a status instead (fx_rmtree, fx_exists).
 *
 * Environment (tests/README.md, "Seeds and scale"):
 *   ACIDB_TEST_SEED=<n>      replay seed n; =random: a fresh seed, chosen once per process
 *   ACIDB_TEST_SCALE=<x>     work multiplier (default 1.0, FX_SANITIZED_SCALE under sanitizers)
 *   TMPDIR                   where temporary directories go (default /tmp)
 */
#ifndef ACIDB_TESTS_FIXTURE_H
#define ACIDB_TESTS_FIXTURE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/acidb.h"

/* ---- sanitizers ------------------------------------------------------------------------- */

/* FX_SANITIZED: 1 in an ASan or TSan build (gcc's __SANITIZE_*__ or clang's __has_feature),
 * where everything runs several times slower; loads are scaled down by fx_scale. FX_TSAN: 1 in
 * a TSan build only (thread-heavy tests shrink further there). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FX_SANITIZED 1
#endif
#endif
#ifndef FX_SANITIZED
#define FX_SANITIZED 0
#endif

#if defined(__SANITIZE_THREAD__)
#define FX_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FX_TSAN 1
#endif
#endif
#ifndef FX_TSAN
#define FX_TSAN 0
#endif

/* The default scale under sanitizers. */
#define FX_SANITIZED_SCALE 0.2

/* ---- failure ---------------------------------------------------------------------------- */

/* Prints "fixture: <message>" to stderr and aborts. */
void fx_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- temporary directories -------------------------------------------------------------- */

/* Makes a fresh directory "<base>/acidb-<tag>-XXXXXX" (mkdtemp) into out[n] and returns out.
 * base NULL: $TMPDIR if set, else /tmp. Dies if it cannot. */
char *fx_tmpdir(char *out, size_t n, const char *base, const char *tag);

/* Removes dir and everything below it, first giving the owner rwx on every directory (tests
 * take permissions away on purpose). 0, or -1 if something stayed (errno set). Refuses paths
 * that are not acidb temporary directories ("/acidb-" in the name). */
int fx_rmtree(const char *dir);

/* "<dir>/<name>" in one of 8 rotating static buffers. */
const char *fx_path(const char *dir, const char *name);

/* The per-test directory of the suites that have one: fx_begin (a suite's .init) makes fx_dir
 * and sets fx_db to "<fx_dir>/test.db"; fx_end (its .fini) removes fx_dir with everything in
 * it. watchdog_s > 0 arms alarm(watchdog_s): a hung test dies with SIGALRM and is reported as
 * crashed. (Not Criterion's .timeout: with --jobs 2 it leaks in the runner, which fails the
 * ASan build's leak check.) */
extern char fx_dir[PATH_MAX], fx_db[PATH_MAX + 16];
void fx_begin(const char *tag, unsigned watchdog_s);
void fx_end(void);

/* pipe2(fds, flags), stdio flushed, then fork(): fork's result. Dies if either fails. */
pid_t fx_fork_piped(int fds[2], int flags);

/* Runs fn(ctx, out) in a forked child and copies the child's *out (size bytes, a plain struct)
 * back through a pipe: what another process sees (file locks are per process). 0 when the
 * child sent all of it and exited with status 0; else -1, with the wait status in *status. */
int fx_in_child(void (*fn)(void *ctx, void *out), void *ctx, void *out, size_t size,
                int *status);

/* ---- whole files ------------------------------------------------------------------------ */

/* The whole file, malloc'd (caller frees; one spare byte, so a text file can be terminated);
 * dies if it cannot be read. */
uint8_t *fx_slurp(const char *path, size_t *len);
/* Creates or truncates path and writes buf; dies on failure. */
void fx_spit(const char *path, const void *buf, size_t len);
int fx_exists(const char *path);
/* The page (of page_size bytes) of a database image holding the first occurrence of needle
 * past page 0; dies if there is none (the test's premise is broken). */
size_t fx_page_of(const uint8_t *img, size_t n, size_t page_size, const char *needle);

/* ---- seeds, randomness, scale ----------------------------------------------------------- */

/* The seed of a randomised test: the suite's own variable `var` if given and set, else
 * ACIDB_TEST_SEED, else dflt. "random" picks a fresh nonzero seed once per process. */
uint64_t fx_seed(const char *var, uint64_t dflt);
/* Was a seed given (by `var` or ACIDB_TEST_SEED)? Tests that normally run several seeds then
 * run only that one. */
int fx_seed_given(const char *var);

/* splitmix64: small, fast, any seed (0 included), trivially replayable. */
static inline uint64_t fx_splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* xorshift64 (Marsaglia 13/7/17): the state must not be 0. */
static inline uint64_t fx_xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Uniform enough below n (0 when n is 0), from splitmix64. */
static inline uint64_t fx_below(uint64_t *s, uint64_t n) { return n ? fx_splitmix(s) % n : 0; }

/* ACIDB_TEST_SCALE if set and positive, else 1.0, or FX_SANITIZED_SCALE in a sanitizer build. */
double fx_scale(void);
/* n * fx_scale(), at least min. */
uint64_t fx_scaled(uint64_t n, uint64_t min);

/* ---- messages -------------------------------------------------------------------------- */

/* Does msg mention "page <pgno>" (case-insensitive "page", then spaces, '#' or ':', then
 * exactly that number)? Error messages must name the damaged page. */
int fx_names_page(const char *msg, uint64_t pgno);

/* ---- the public API --------------------------------------------------------------------- */

/* acidb_default_options with the tests' usual settings: durability OFF unless `durable`
 * (FULL), a 4 MiB cache, a 2 s lock timeout, create. */
acidb_options fx_options(int durable);
/* acidb_open(path, o or fx_options(0)); dies with acidb_open_errmsg if it fails. */
acidb_db *fx_open(const char *path, const acidb_options *o);
acidb_conn *fx_connect(acidb_db *db);
/* Runs sql; dies with the SQLSTATE and message unless it succeeds. */
void fx_ok(acidb_conn *c, const char *sql);
/* Runs sql, which must fail with `sqlstate` (dies otherwise); returns the code. */
int fx_fails(acidb_conn *c, const char *sql, const char *sqlstate);
/* The single integer the query's first row holds; dies unless there is a row. */
long long fx_int(acidb_conn *c, const char *sql);
/* The public integrity check (acidb_check) with its first problems written to report (n
 * bytes, may be 0), one message per line; *problems (may be NULL) their count. Returns what
 * acidb_check returns: ACIDB_OK when the check ran, even if it found problems. */
int fx_check(acidb_db *db, char *report, size_t n, uint64_t *problems);
/* Runs fx_check and dies (fx_die) unless it ran and found nothing; `when` names the moment in
 * the message ("after the race"). */
void fx_check_clean(acidb_db *db, const char *when);
/* The rows of a query as "a|b\n" lines (NULL as "NULL"); caller frees. Dies on an error. */
char *fx_query(acidb_conn *c, const char *sql);

#endif
