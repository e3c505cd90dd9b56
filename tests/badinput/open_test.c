/*
 * open_test.c — opening what is not a good acidb database: each is refused with a clear error
 * (a code, and a message that names the file and says what is wrong), and the file is left
 * exactly as it was.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/badinput/util.h"

TestSuite(open, .init = bi_setup, .fini = bi_teardown);

/* Asserts that the file still holds `want` byte for byte. */
static void unchanged(const char *path, const uint8_t *want, size_t n)
{
    size_t got_n;
    uint8_t *got = fx_slurp(path, &got_n);
    cr_assert_eq(got_n, n, "%s changed size: %zu -> %zu bytes", path, n, got_n);
    cr_assert(memcmp(got, want, n) == 0, "%s was modified by a refused open", path);
    free(got);
}

Test(open, a_text_file_is_not_a_database)
{
    const char *text = "id,name\n1,alice\n2,bob\n";
    fx_spit(fx_db, text, strlen(text));
    const char *msg;
    int rc = bi_open_fails(fx_db, 1, &msg);
    cr_assert_eq(rc, ACIDB_CANTOPEN, "%d %s", rc, msg);
    cr_assert(strstr(msg, "not an acidb database") && strstr(msg, fx_db), "message: %s", msg);
    unchanged(fx_db, (const uint8_t *)text, strlen(text));
    char wal[PATH_MAX + 64];
    snprintf(wal, sizeof wal, "%s-wal", fx_db);
    cr_assert_neq(access(wal, F_OK), 0, "no log is created beside a refused file");
}

Test(open, a_sqlite_like_binary_file_is_not_a_database)
{
    uint8_t junk[8192];
    memcpy(junk, "SQLite format 3", 16);
    for (size_t i = 16; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 131 + 7);
    fx_spit(fx_db, junk, sizeof junk);
    const char *msg;
    cr_assert_eq(bi_open_fails(fx_db, 1, &msg), ACIDB_CANTOPEN, "%s", msg);
    cr_assert(strstr(msg, "not an acidb database"), "message: %s", msg);
    unchanged(fx_db, junk, sizeof junk);
}

Test(open, an_empty_file_is_refused_not_initialised)
{
    fx_spit(fx_db, "", 0);
    const char *msg;
    cr_assert_eq(bi_open_fails(fx_db, 1, &msg), ACIDB_CANTOPEN, "%s", msg);
    cr_assert(strstr(msg, "empty"), "message: %s", msg);
    struct stat st;
    cr_assert_eq(stat(fx_db, &st), 0);
    cr_assert_eq(st.st_size, 0, "the empty file stays empty");
}

Test(open, a_truncated_file_is_corrupt)
{
    bi_make_db(fx_db, 2000);
    size_t n;
    uint8_t *img = fx_slurp(fx_db, &n);
    cr_assert_gt(n, 8192u);
    /* Cut in the middle of the file, then inside the first page. */
    size_t cuts[] = {n / 2, n - 4096, 4096 + 100, 2048, 100};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        fx_spit(fx_db, img, cuts[i]);
        const char *msg;
        int rc = bi_open_fails(fx_db, 1, &msg);
        cr_assert(rc == ACIDB_CORRUPT || rc == ACIDB_CANTOPEN, "cut at %zu: %d %s", cuts[i], rc,
                  msg);
        cr_assert(strstr(msg, "truncated") || (cuts[i] < 48 && strstr(msg, "not an acidb")),
                  "cut at %zu: %s", cuts[i], msg);
        unchanged(fx_db, img, cuts[i]);
    }
    /* The whole file again: nothing was lost by the refused opens. */
    fx_spit(fx_db, img, n);
    acidb_db *db = bi_open(fx_db, 0);
    acidb_conn *c = fx_connect(db);
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM accounts"), 2000);
    acidb_disconnect(c);
    acidb_close(db);
    free(img);
}

Test(open, a_newer_format_version_is_refused)
{
    bi_make_db(fx_db, 10);
    size_t n;
    uint8_t *img = fx_slurp(fx_db, &n);
    img[32] = 2; /* format version (pager/README.md, page 0 offset 32) */
    fx_spit(fx_db, img, n);
    const char *msg;
    int rc = bi_open_fails(fx_db, 0, &msg);
    cr_assert_eq(rc, ACIDB_CANTOPEN, "%d %s", rc, msg);
    cr_assert(strstr(msg, "format version 2") && strstr(msg, "version 1"), "message: %s", msg);
    unchanged(fx_db, img, n);
    free(img);
}

/* A database as a crash leaves it: a child commits rows and _exit()s (no close), so the
 * database needs its log, path-wal. */
static void crashed_db(const char *path, const char *tag)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        acidb_options o = acidb_default_options();
        acidb_db *db = NULL;
        acidb_conn *c = NULL;
        if (acidb_open(path, &o, &db) != ACIDB_OK || acidb_connect(db, &c) != ACIDB_OK)
            _exit(2);
        char sql[256];
        snprintf(sql, sizeof sql, "CREATE TABLE t (x INTEGER PRIMARY KEY, tag TEXT); "
                                  "INSERT INTO t VALUES (1, '%s'), (2, '%s')", tag, tag);
        if (acidb_exec(c, sql) != ACIDB_OK)
            _exit(3);
        _exit(0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
}

Test(open, a_log_of_another_database_is_refused)
{
    char other[PATH_MAX + 64], wal[PATH_MAX + 64], other_wal[PATH_MAX + 128];
    snprintf(other, sizeof other, "%s/other.db", fx_dir);
    snprintf(wal, sizeof wal, "%s-wal", fx_db);
    snprintf(other_wal, sizeof other_wal, "%s-wal", other);
    crashed_db(fx_db, "mine");
    crashed_db(other, "theirs");
    /* Put the other database's log beside ours. */
    cr_assert_eq(rename(other_wal, wal), 0);
    size_t dn, ln;
    uint8_t *db_img = fx_slurp(fx_db, &dn), *log_img = fx_slurp(wal, &ln);
    const char *msg;
    int rc = bi_open_fails(fx_db, 0, &msg);
    cr_assert(rc == ACIDB_CORRUPT || rc == ACIDB_CANTOPEN, "%d %s", rc, msg);
    cr_assert(strstr(msg, "another database") || strstr(msg, "belongs") ||
                  strstr(msg, "database id"), "the message says whose log it is: %s", msg);
    unchanged(fx_db, db_img, dn);
    unchanged(wal, log_img, ln);
    free(db_img);
    free(log_img);
}

Test(open, a_directory_is_refused)
{
    char sub[PATH_MAX + 64];
    snprintf(sub, sizeof sub, "%s/adir.db", fx_dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    const char *msg;
    int rc = bi_open_fails(sub, 1, &msg);
    cr_assert_eq(rc, ACIDB_CANTOPEN, "%d %s", rc, msg);
    cr_assert(strstr(msg, sub), "the message names the path: %s", msg);
    rc = bi_open_fails(sub, 0, &msg);
    cr_assert_eq(rc, ACIDB_CANTOPEN, "%d %s", rc, msg);
}

Test(open, a_path_under_a_missing_directory_is_refused)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/no/such/dir/x.db", fx_dir);
    const char *msg;
    int rc = bi_open_fails(p, 1, &msg);
    cr_assert_eq(rc, ACIDB_CANTOPEN, "%d %s", rc, msg);
    cr_assert(strstr(msg, "No such file") || strstr(msg, "does not exist") || strstr(msg, p),
              "message: %s", msg);
}

Test(open, a_missing_file_without_create_is_refused)
{
    const char *msg;
    int rc = bi_open_fails(fx_db, 0, &msg);
    cr_assert_eq(rc, ACIDB_CANTOPEN, "%d %s", rc, msg);
    cr_assert_neq(access(fx_db, F_OK), 0, "nothing was created");
}

Test(open, a_file_without_permission_is_refused)
{
    if (geteuid() == 0)
        cr_skip_test("running as root, which bypasses file permissions (the missing-directory "
                     "test covers a path that cannot be opened)");
    bi_make_db(fx_db, 10);
    cr_assert_eq(chmod(fx_db, 0), 0);
    const char *msg;
    int rc = bi_open_fails(fx_db, 0, &msg);
    cr_assert_eq(rc, ACIDB_CANTOPEN, "%d %s", rc, msg);
    cr_assert(strstr(msg, "ermission"), "message: %s", msg);
}

Test(open, a_directory_without_permission_is_refused)
{
    if (geteuid() == 0)
        cr_skip_test("running as root, which bypasses directory permissions");
    char sub[PATH_MAX + 64], p[PATH_MAX + 128];
    snprintf(sub, sizeof sub, "%s/locked", fx_dir);
    snprintf(p, sizeof p, "%s/x.db", sub);
    cr_assert_eq(mkdir(sub, 0500), 0);
    const char *msg;
    int rc = bi_open_fails(p, 1, &msg);
    cr_assert_eq(rc, ACIDB_CANTOPEN, "%d %s", rc, msg);
}
