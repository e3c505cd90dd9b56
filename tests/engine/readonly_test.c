/*
 * readonly_test.c — acidb_options.read_only across processes (acidb.h, read_only;
 * pager/README.md, "File locks"; wal/README.md, "A read-only open").
 *
 * The stories: several processes read one file at once and a writer is refused with their
 * pids; a reader is refused while a writer has the file; every write answers 25006 and the
 * file and its directory are left byte for byte, mtime for mtime, as they were; a file a
 * crash left needing recovery is refused read-only until a read-write open recovers it.
 * Processes are real (fork), because the locks are per process and per open file.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/acidb.h"
#include "tests/engine/util.h"

#define NREADERS 3

static void make_db(void)
{
    acidb_db *db = eng_open(1);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    fx_ok(c, "CREATE INDEX t_v ON t (v)");
    fx_ok(c, "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    fx_ok(c, "DELETE FROM t WHERE id = 3");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

static int open_as(int read_only, acidb_db **db)
{
    acidb_options o = acidb_default_options();
    o.read_only = read_only;
    o.lock_timeout_ms = 5000;
    *db = NULL;
    return acidb_open(fx_db, &o, db);
}

/* What a child reports through its pipe. */
typedef struct report {
    int rc;
    long long rows; /* SELECT count(*) FROM t, or -1 */
    char msg[400];
} report;

static void send_report(int fd, int rc, long long rows, const char *msg)
{
    report r;
    memset(&r, 0, sizeof r);
    r.rc = rc;
    r.rows = rows;
    snprintf(r.msg, sizeof r.msg, "%s", msg);
    if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
        _exit(9);
}

static report recv_report(int fd)
{
    report r;
    memset(&r, 0, sizeof r);
    ssize_t n = read(fd, &r, sizeof r);
    cr_assert_eq(n, (ssize_t)sizeof r, "a child sent no report");
    return r;
}

static long long count_rows(acidb_db *db)
{
    acidb_conn *c = NULL;
    if (acidb_connect(db, &c) != ACIDB_OK)
        return -1;
    acidb_stmt *s = NULL;
    long long n = -1;
    if (acidb_prepare(c, "SELECT count(*) FROM t", &s) == ACIDB_OK && acidb_step(s) == ACIDB_ROW)
        n = acidb_column_int64(s, 0);
    acidb_finalize(s);
    acidb_disconnect(c);
    return n;
}

/* A child that opens the database (read-only or not), reports, and — if it opened — keeps it
 * open until a byte arrives on the pipe `hold` (NULL: not at all), then closes it. It holds
 * only the pipe's read end, so a failed test (the parent gone) lets it end: EOF, or the alarm. */
static pid_t spawn(int read_only, int *report_fd, const int *hold)
{
    int fds[2];
    cr_assert(pipe(fds) == 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        alarm(60);
        close(fds[0]);
        if (hold != NULL)
            close(hold[1]);
        acidb_db *db;
        int rc = open_as(read_only, &db);
        send_report(fds[1], rc, rc == ACIDB_OK ? count_rows(db) : -1,
                    rc == ACIDB_OK ? "" : acidb_open_errmsg());
        if (rc == ACIDB_OK) {
            char b;
            if (hold != NULL && read(hold[0], &b, 1) < 0)
                _exit(8);
            rc = acidb_close(db);
        }
        _exit(rc == ACIDB_OK ? 0 : 1);
    }
    close(fds[1]);
    *report_fd = fds[0];
    return pid;
}

static report run_child(int read_only)
{
    int fd;
    pid_t pid = spawn(read_only, &fd, NULL);
    report r = recv_report(fd);
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status), "child died (status %d)", status);
    return r;
}

static void assert_names(const char *msg, long pid)
{
    char want[32];
    snprintf(want, sizeof want, "%ld", pid);
    cr_assert(strstr(msg, want) != NULL, "the message \"%s\" does not name process %ld", msg,
              pid);
}

Test(readonly, several_processes_read_at_once_and_a_writer_is_refused_naming_them,
     .init = eng_setup, .fini = eng_teardown)
{
    make_db();
    int hold[2];
    cr_assert(pipe(hold) == 0);
    pid_t readers[NREADERS];
    for (int i = 0; i < NREADERS; i++) {
        int fd;
        readers[i] = spawn(1, &fd, hold);
        report r = recv_report(fd);
        close(fd);
        cr_assert_eq(r.rc, ACIDB_OK, "reader %d of %d could not open: %s", i + 1, NREADERS,
                     r.msg);
        cr_assert_eq(r.rows, 2, "reader %d sees %lld rows, not the 2 committed", i + 1, r.rows);
    }
    /* All of them hold it now; this process reads it too, through two handles. */
    acidb_db *mine, *mine2;
    cr_assert_eq(open_as(1, &mine), ACIDB_OK, "%s", acidb_open_errmsg());
    cr_assert_eq(open_as(1, &mine2), ACIDB_OK, "a second read-only handle in one process: %s",
                 acidb_open_errmsg());
    cr_assert_eq(count_rows(mine2), 2);
    acidb_db *w;
    cr_assert_eq(open_as(0, &w), ACIDB_BUSY, "a writer in a reading process: %s",
                 acidb_open_errmsg());
    /* Closing one handle drops this process's record locks; the other retakes them. */
    cr_assert_eq(acidb_close(mine2), ACIDB_OK);

    report r = run_child(0);
    cr_assert_eq(r.rc, ACIDB_BUSY, "a writer while %d processes read: %d %s", NREADERS + 1, r.rc,
                 r.msg);
    cr_assert(strstr(r.msg, "in use by process") != NULL && strstr(r.msg, "read-only") != NULL,
              "the busy message says who reads: %s", r.msg);
    for (int i = 0; i < NREADERS; i++)
        assert_names(r.msg, (long)readers[i]);
    assert_names(r.msg, (long)getpid());

    /* The readers go; the writer gets in. */
    cr_assert(write(hold[1], "xxxx", NREADERS) == NREADERS);
    for (int i = 0; i < NREADERS; i++) {
        int status = 0;
        waitpid(readers[i], &status, 0);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader %d failed to close", i);
    }
    close(hold[0]);
    close(hold[1]);
    r = run_child(0);
    cr_assert_eq(r.rc, ACIDB_BUSY, "this process still reads: %s", r.msg);
    assert_names(r.msg, (long)getpid());
    cr_assert_eq(acidb_close(mine), ACIDB_OK);
    r = run_child(0);
    cr_assert_eq(r.rc, ACIDB_OK, "the writer after every reader left: %s", r.msg);
}

Test(readonly, reader_is_refused_while_a_writer_holds_it, .init = eng_setup, .fini = eng_teardown)
{
    make_db();
    acidb_db *w;
    cr_assert_eq(open_as(0, &w), ACIDB_OK, "%s", acidb_open_errmsg());
    report r = run_child(1);
    cr_assert_eq(r.rc, ACIDB_BUSY, "a reader while a process writes: %d %s", r.rc, r.msg);
    cr_assert(strstr(r.msg, "in use by process") != NULL && strstr(r.msg, "writing") != NULL,
              "the busy message names the writer: %s", r.msg);
    assert_names(r.msg, (long)getpid());
    acidb_db *ro;
    cr_assert_eq(open_as(1, &ro), ACIDB_BUSY, "a reader in the writing process: %s",
                 acidb_open_errmsg());
    cr_assert_eq(acidb_close(w), ACIDB_OK);
    r = run_child(1);
    cr_assert_eq(r.rc, ACIDB_OK, "a reader once the writer closed: %s", r.msg);
    cr_assert_eq(r.rows, 2);
}

/* ---- nothing written ------------------------------------------------------------------------ */

typedef struct snapshot {
    uint8_t *bytes;
    size_t len;
    struct timespec mtime, ctime;
    char names[512]; /* the directory's entries */
} snapshot;

static void take(const char *path, snapshot *s)
{
    memset(s, 0, sizeof *s);
    struct stat sb;
    cr_assert(stat(path, &sb) == 0, "stat %s: %s", path, strerror(errno));
    s->mtime = sb.st_mtim;
    s->ctime = sb.st_ctim;
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    s->len = (size_t)sb.st_size;
    s->bytes = malloc(s->len + 1);
    cr_assert(fread(s->bytes, 1, s->len, f) == s->len);
    fclose(f);
    DIR *d = opendir(fx_dir);
    cr_assert_not_null(d);
    size_t used = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        used += (size_t)snprintf(s->names + used, sizeof s->names - used, "%s ", e->d_name);
    closedir(d);
}

static void assert_same(const char *path, const snapshot *before, const char *when)
{
    snapshot now;
    take(path, &now);
    cr_assert(now.len == before->len && memcmp(now.bytes, before->bytes, now.len) == 0,
              "%s: %s changed (%zu bytes, was %zu)", when, path, now.len, before->len);
    cr_assert(now.mtime.tv_sec == before->mtime.tv_sec &&
                  now.mtime.tv_nsec == before->mtime.tv_nsec &&
                  now.ctime.tv_sec == before->ctime.tv_sec &&
                  now.ctime.tv_nsec == before->ctime.tv_nsec,
              "%s: %s was written (its mtime or ctime moved)", when, path);
    /* Same entries (readdir's order is stable for an unchanged directory). */
    cr_assert_str_eq(now.names, before->names, "%s: the directory changed", when);
    free(now.bytes);
}

static void refused(acidb_conn *c, const char *sql, const char *what)
{
    cr_assert_eq(acidb_exec(c, sql), ACIDB_READONLY, "%s was not refused: %s", sql,
                 acidb_errmsg(c));
    cr_assert_str_eq(acidb_sqlstate(c), "25006", "%s", sql);
    char want[80];
    snprintf(want, sizeof want, "cannot execute %s in a read-only transaction", what);
    cr_assert_str_eq(acidb_errmsg(c), want, "%s", sql);
}

Test(readonly, writes_answer_25006_and_leave_the_file_untouched, .init = eng_setup,
     .fini = eng_teardown)
{
    make_db();
    snapshot before;
    take(fx_db, &before);
    struct timespec pause = {0, 30 * 1000 * 1000}; /* any write now would move the mtime */
    nanosleep(&pause, NULL);

    acidb_db *db;
    cr_assert_eq(open_as(1, &db), ACIDB_OK, "%s", acidb_open_errmsg());
    acidb_conn *c = fx_connect(db);
    refused(c, "INSERT INTO t VALUES (9, 'nine')", "INSERT");
    refused(c, "UPDATE t SET v = 'uno' WHERE id = 1", "UPDATE");
    refused(c, "DELETE FROM t", "DELETE");
    refused(c, "CREATE TABLE u (x INTEGER)", "CREATE TABLE");
    refused(c, "DROP TABLE t", "DROP TABLE");
    refused(c, "CREATE INDEX t_id ON t (id)", "CREATE INDEX");
    refused(c, "DROP INDEX t_v", "DROP INDEX");
    refused(c, "SELECT * FROM t WHERE id = 1 FOR UPDATE", "SELECT FOR UPDATE");
    refused(c, "SELECT * FROM t FOR SHARE", "SELECT FOR SHARE");
    /* In a block, as in PostgreSQL: the error fails the transaction. */
    fx_ok(c, "BEGIN");
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t"), 2);
    refused(c, "INSERT INTO t VALUES (9, 'nine')", "INSERT");
    fx_fails(c, "SELECT 1", "25P02");
    fx_ok(c, "ROLLBACK");
    /* Reads see the committed state, through the index too. */
    char *rows = fx_query(c, "SELECT id, v FROM t ORDER BY id");
    cr_assert_str_eq(rows, "1|one\n2|two\n");
    free(rows);
    cr_assert_eq(fx_int(c, "SELECT id FROM t WHERE v = 'two'"), 2);
    fx_ok(c, "SET lock_timeout = 1000");
    cr_assert_eq(acidb_checkpoint(db), ACIDB_READONLY);
    uint64_t problems = 1;
    cr_assert_eq(acidb_check(db, NULL, NULL, &problems), ACIDB_OK, "the check reads only");
    cr_assert_eq(problems, 0, "the integrity check found problems without a log");
    acidb_stats st;
    cr_assert_eq(acidb_get_stats(db, &st), ACIDB_OK);
    cr_assert_eq(st.log_bytes, 0);
    acidb_disconnect(c);
    assert_same(fx_db, &before, "while open read-only");
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    assert_same(fx_db, &before, "after a read-only session");
    free(before.bytes);
}

/* ---- recovery and the log --------------------------------------------------------------------- */

static void crash_after_a_commit(void)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        acidb_db *d;
        if (open_as(0, &d) != ACIDB_OK)
            _exit(2);
        acidb_conn *k;
        acidb_connect(d, &k);
        if (acidb_exec(k, "INSERT INTO t VALUES (7, 'seven')") != ACIDB_OK)
            _exit(3);
        kill(getpid(), SIGKILL);
        _exit(4);
    }
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status), "the child exited with %d", WEXITSTATUS(status));
}

Test(readonly, file_that_needs_recovery_is_refused_until_opened_for_writing, .init = eng_setup,
     .fini = eng_teardown)
{
    make_db();
    crash_after_a_commit();
    char wal[PATH_MAX + 32];
    snprintf(wal, sizeof wal, "%s-wal", fx_db);
    snapshot db_before, wal_before;
    take(fx_db, &db_before);
    take(wal, &wal_before);

    acidb_db *db;
    int rc = open_as(1, &db);
    cr_assert_eq(rc, ACIDB_READONLY, "a file needing recovery opened read-only: %d %s", rc,
                 acidb_open_errmsg());
    cr_assert_null(db);
    const char *m = acidb_open_errmsg();
    cr_assert(strstr(m, "needs recovery") != NULL && strstr(m, "read-write") != NULL,
              "the message says why and what to do: %s", m);
    assert_same(fx_db, &db_before, "after the refusal");
    assert_same(wal, &wal_before, "after the refusal (the log)");

    /* Opened read-write once, it recovers; then readers see the commit of the crashed one. */
    cr_assert_eq(open_as(0, &db), ACIDB_OK, "%s", acidb_open_errmsg());
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    cr_assert_eq(open_as(1, &db), ACIDB_OK, "%s", acidb_open_errmsg());
    cr_assert_eq(count_rows(db), 3);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    free(db_before.bytes);
    free(wal_before.bytes);
}

/* A clean file needs no log; one left by a close that stopped before removing it (simulated by
 * putting a copy of the log of the last session back) is neither read nor removed. */
Test(readonly, clean_file_opens_without_its_log_and_ignores_a_leftover_one, .init = eng_setup,
     .fini = eng_teardown)
{
    make_db();
    char wal[PATH_MAX + 32], copy[PATH_MAX + 32];
    snprintf(wal, sizeof wal, "%s-wal", fx_db);
    snprintf(copy, sizeof copy, "%s/saved-wal", fx_dir);
    cr_assert(access(wal, F_OK) != 0, "a clean close removes the log");
    acidb_db *db;
    cr_assert_eq(open_as(1, &db), ACIDB_OK, "no log, clean file: %s", acidb_open_errmsg());
    cr_assert_eq(count_rows(db), 2);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    cr_assert(access(wal, F_OK) != 0, "a read-only open made a log");

    /* A session's log, kept aside while it is open, put back after its clean close. */
    cr_assert_eq(open_as(0, &db), ACIDB_OK, "%s", acidb_open_errmsg());
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "INSERT INTO t VALUES (5, 'five')");
    acidb_disconnect(c);
    char cmd[2 * PATH_MAX + 128];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", wal, copy);
    cr_assert(system(cmd) == 0);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    cr_assert(rename(copy, wal) == 0);
    snapshot wal_before;
    take(wal, &wal_before);
    cr_assert_eq(open_as(1, &db), ACIDB_OK, "clean file, its own old log: %s",
                 acidb_open_errmsg());
    cr_assert_eq(count_rows(db), 3);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    assert_same(wal, &wal_before, "the leftover log after a read-only session");
    free(wal_before.bytes);
    cr_assert_eq(open_as(0, &db), ACIDB_OK, "%s", acidb_open_errmsg()); /* removes it */
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}
