/*
 * bench_util.h — helpers shared by the bench programs (header-only: each bench/<name>.c is
 * linked alone with the library, so the helpers are static inline rather than a .c file).
 *
 *   bench_now()            monotonic wall clock, seconds
 *   bench_cpu_now()        this process's CPU time, seconds (user + system)
 *   bench_fdatasync_rate() the disk's own rate of "write 512 bytes at offset 0, fdatasync" on
 *                          the file system of a directory: the ceiling of one client's durable
 *                          commits, since each commit needs at least one such round trip.
 */
#ifndef ACIDB_BENCH_UTIL_H
#define ACIDB_BENCH_UTIL_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
