/*
 * bench_util.h — helpers shared by the bench programs (header-only: each bench/<name>.c is
 * linked alone with the library, so the helpers are static inline rather than a .c file).
 *
 *   bench_die()            "<program>: message" on stderr, exit status 1
 *   bench_now()            monotonic wall clock, seconds
 *   bench_cpu_now()        this process's CPU time, seconds (user + system)
 *   bench_thread_cpu_now() the calling thread's CPU time, seconds
 *   bench_sleep()          sleeps a (fractional) number of seconds
 *   bench_splitmix()       splitmix64, any seed; bench_xorshift(): xorshift64, seed != 0
 *   bench_median()         median (and min, max) of a few figures; bench_cmp_double for qsort
 *   bench_threads()        parses a thread-count list "1,4,16"
 *   bench_tmpdir()         a fresh "<base>/<prefix>-XXXXXX" directory (mkdtemp)
 *   bench_remove_db()      a database file and the files beside it (-wal, -shm, -journal, ...)
 *   bench_fdatasync_rate() the disk's own rate of "write 512 bytes at offset 0, fdatasync" on
 *                          the file system of a directory: the ceiling of one client's durable
 *                          commits, since each commit needs at least one such round trip.
 */
#ifndef ACIDB_BENCH_UTIL_H
#define ACIDB_BENCH_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Prints "<program>: <message>" (after ending a progress line) and exits with status 1. */
static inline void bench_die(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
static inline void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fflush(stdout);
    fprintf(stderr, "\n%s: ", program_invocation_short_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double bench_thread_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void bench_sleep(double secs)
{
    struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* splitmix64: any seed (0 included); one stream per engine, seeded alike, gives every engine
 * the same sequence. */
static inline uint64_t bench_splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* xorshift64 (13/7/17): the cheapest generator, for hot loops; the state must not be 0. */
static inline uint64_t bench_xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (n <= 64; 0 if n <= 0), and its min and max where asked. */
static inline double bench_median(const double *v, int n, double *mn, double *mx)
{
    double t[64];
    if (n <= 0 || n > 64) {
        if (mn)
            *mn = 0;
        if (mx)
            *mx = 0;
        return 0;
    }
    memcpy(t, v, sizeof(double) * (size_t)n);
    qsort(t, (size_t)n, sizeof t[0], bench_cmp_double);
    if (mn)
        *mn = t[0];
    if (mx)
        *mx = t[n - 1];
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Parses "1,4,16" into out[0..max): the number of counts, or -1 if one is not in [lo, hi]. */
static inline int bench_threads(const char *list, int *out, int max, int lo, int hi)
{
    int k = 0;
    for (const char *p = list; *p && k < max;) {
        char *end;
        long t = strtol(p, &end, 10);
        if (end == p || t < lo || t > hi)
            return -1;
        out[k++] = (int)t;
        p = end;
        while (*p == ',')
            p++;
    }
    return k;
}

/* Makes a fresh directory "<base>/<prefix>-XXXXXX" into out[n] (base NULL: $TMPDIR, else
 * /tmp); returns out, or NULL with errno set. */
static inline char *bench_tmpdir(char *out, size_t n, const char *base, const char *prefix)
{
    if (base == NULL || *base == '\0')
        base = getenv("TMPDIR");
    if (base == NULL || *base == '\0')
        base = "/tmp";
    int len = snprintf(out, n, "%s/%s-XXXXXX", base, prefix);
    if (len < 0 || (size_t)len >= n) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    return mkdtemp(out);
}

/* Removes the database at path and what an engine keeps beside it (acidb: -wal, -wal.tmp;
 * SQLite: -wal, -shm, -journal; older layouts: -log, .log). */
static inline void bench_remove_db(const char *path)
{
    static const char *const suffix[] = {"",         "-wal", "-wal.tmp", "-shm",
                                         "-journal", "-log", ".log"};
    char p[4200];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

/* fdatasyncs per second for secs seconds in dir (a probe file, removed afterwards); 0 if the
 * probe file cannot be created or a write/sync fails. */
static inline double bench_fdatasync_rate(const char *dir, double secs)
{
    char path[512];
    snprintf(path, sizeof path, "%s/acidb-fsync-probe-%d", dir, (int)getpid());
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    char buf[512];
    memset(buf, 'x', sizeof buf);
    double t0 = bench_now();
    long n = 0;
    do {
        if (pwrite(fd, buf, sizeof buf, 0) != (ssize_t)sizeof buf || fdatasync(fd) != 0)
            break;
        n++;
    } while (bench_now() - t0 < secs);
    double el = bench_now() - t0;
    close(fd);
    unlink(path);
    return el > 0 ? n / el : 0;
}

#endif
