/*
 * pgcluster.c — a throwaway PostgreSQL 15 cluster (see pgcluster.h).
 */
#include "tests/common/pgcluster.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/common/fixture.h"

#define PG_PORT 54390

static fx_pg cluster;
static int guard_fd = -1; /* write end of the guard's pipe; -1: no cluster */

/* system() of a formatted command; its exit status, or -1. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd)
        fx_die("pgcluster: command too long: %.200s", cmd);
    int rc = system(cmd);
    return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

/* The server runs as postgres when we are root: initdb and postgres refuse root. */
static const char *as_user(void) { return getuid() == 0 ? "runuser -u postgres -- " : ""; }

/* Stops the server in dir and removes dir (both quietly; either may already be gone). */
static void teardown(const char *dir)
{
    sh("%s'%s/pg_ctl' -D '%s/data' -m immediate -w stop >/dev/null 2>&1", as_user(), FX_PG_BIN,
       dir);
    if (fx_rmtree(dir) != 0)
        fprintf(stderr, "pgcluster: could not remove %s: %s\n", dir, strerror(errno));
}

/* The guard: waits for end-of-file on fd (every writer gone), then cleans up — unless a byte
 * arrived first, which says fx_pg_stop already did. */
static void guard(int fd, const char *dir)
{
    signal(SIGINT, SIG_IGN); /* a ^C to the test's process group must not skip the cleanup */
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    setsid();
    for (int i = 3; i < 1024; i++) /* hold nothing of the test's (its runner's sockets) */
        if (i != fd)
            close(i);
    char c;
    ssize_t n;
    while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
        ;
    if (n == 0)
        teardown(dir);
    _exit(0);
}

/* Prints the tail of the cluster's logs, cleans up and dies. */
static void fail(const char *what) __attribute__((noreturn));
static void fail(const char *what)
{
    sh("tail -n 20 '%s/initdb.log' '%s/log' >&2 2>/dev/null", cluster.dir, cluster.dir);
    fx_pg_stop();
    fx_die("%s (PostgreSQL 15 is installed by `make deps`; ACIDB_NO_PG=1 skips the "
           "differential tests)", what);
}

const fx_pg *fx_pg_start(const char *tag)
{
    const char *no = getenv("ACIDB_NO_PG");
    if (no != NULL && strcmp(no, "1") == 0)
        return NULL;
    if (guard_fd >= 0)
        fx_die("pgcluster: a cluster is already running in %s", cluster.dir);
    if (access(FX_PG_BIN "/postgres", X_OK) != 0 || access(FX_PG_BIN "/initdb", X_OK) != 0)
        fx_die("PostgreSQL 15 not found in " FX_PG_BIN ": run `make deps` (ACIDB_NO_PG=1 skips "
               "the differential tests)");
    fx_tmpdir(cluster.dir, sizeof cluster.dir, NULL, tag);
    cluster.port = PG_PORT;
    cluster.user = "postgres";

    int fds[2];
    if (fx_fork_piped(fds, O_CLOEXEC) == 0) { /* the server and psql must not hold it open */
        close(fds[1]);
        guard(fds[0], cluster.dir);
    }
    close(fds[0]);
    guard_fd = fds[1];

    if (getuid() == 0 && sh("chown postgres '%s'", cluster.dir) != 0)
        fail("cannot give the cluster directory to the postgres user");
    if (sh("%s'%s/initdb' -D '%s/data' -U postgres -A trust --no-sync --locale=C -E UTF8 "
           ">'%s/initdb.log' 2>&1", as_user(), FX_PG_BIN, cluster.dir, cluster.dir) != 0)
        fail("initdb failed");
    if (sh("%s'%s/pg_ctl' -D '%s/data' -l '%s/log' -w -o \"-c listen_addresses='' "
           "-c unix_socket_directories='%s' -p %d -c fsync=off -c TimeZone=UTC\" start "
           ">/dev/null 2>&1", as_user(), FX_PG_BIN, cluster.dir, cluster.dir, cluster.dir,
           cluster.port) != 0)
        fail("the PostgreSQL 15 server did not start");
    return &cluster;
}

char *fx_pg_psql(const fx_pg *pg, const char *sql, int *status)
{
    const char *in = fx_path(pg->dir, "batch.sql"), *err = fx_path(pg->dir, "psql.err");
    const char *out = fx_path(pg->dir, "batch.out");
    fx_spit(in, sql, strlen(sql));
    int rc = sh("psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -h '%s' -p %d -U %s -d postgres "
                "-f '%s' >'%s' 2>'%s'", pg->dir, pg->port, pg->user, in, out, err);
    if (rc != 0)
        sh("cat '%s' >&2", err);
    if (status != NULL)
        *status = rc;
    size_t len;
    char *text = (char *)fx_slurp(out, &len);
    text[len] = '\0';
    return text;
}

void fx_pg_setenv(const fx_pg *pg)
{
    char port[16];
    snprintf(port, sizeof port, "%d", pg->port);
    setenv("PGHOST", pg->dir, 1);
    setenv("PGPORT", port, 1);
    setenv("PGUSER", pg->user, 1);
}

void fx_pg_stop(void)
{
    if (guard_fd < 0)
        return;
    teardown(cluster.dir);
    char done = 1;
    ssize_t n = write(guard_fd, &done, 1); /* the guard has nothing left to do */
    (void)n;
    close(guard_fd);
    guard_fd = -1;
}
