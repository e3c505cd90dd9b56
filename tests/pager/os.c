/*
 * os.c — the POSIX OS layer through its function table (os_posix()): positional reads and
 * writes, short reads at end of file, size and truncate, create modes, and the exclusive lock
 * seen from another process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pager/os.h"
#include "tests/pager/util.h"

static os_file *open_file(const char *path, int flags)
{
    os_vfs *v = os_posix();
    os_file *f = NULL;
    OK(v->open(v, path, flags, &f));
    cr_assert(f != NULL, "open returned ST_OK without a handle");
    return f;
}

Test(pager, os_read_past_eof_is_short_and_zero_filled)
{
    os_file *f = open_file(fx_path(fx_dir, "f"), OS_OPEN_CREATE);
    uint8_t data[100], buf[300];
    for (int i = 0; i < 100; i++)
        data[i] = (uint8_t)(i + 1);
    OK(os_write(f, data, sizeof data, 0));

    size_t got = 12345;
    memset(buf, 0xAA, sizeof buf);
    OK(os_read(f, buf, sizeof buf, 0, &got));
    cr_assert_eq(got, 100, "read of 300 bytes from a 100-byte file got %zu", got);
    cr_assert(memcmp(buf, data, 100) == 0, "data read back differs");
    for (size_t i = 100; i < sizeof buf; i++)
        cr_assert_eq(buf[i], 0, "byte %zu past EOF not zeroed (0x%02x)", i, buf[i]);

    /* Entirely past the end: nothing read, everything zeroed. */
    memset(buf, 0xAA, sizeof buf);
    got = 12345;
    OK(os_read(f, buf, sizeof buf, 5000, &got));
    cr_assert_eq(got, 0, "read at offset 5000 of a 100-byte file got %zu", got);
    for (size_t i = 0; i < sizeof buf; i++)
        cr_assert_eq(buf[i], 0, "byte %zu of a read past EOF not zeroed", i);
    OK(os_close(f));
}

Test(pager, os_write_read_round_trip_at_offsets)
{
    os_file *f = open_file(fx_path(fx_dir, "f"), OS_OPEN_CREATE);
    uint64_t seed = 42;
    static uint8_t data[70000], buf[70000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)fx_splitmix(&seed);
    /* Out of order and sparse: the hole between must read back as zeros. */
    OK(os_write(f, data, 4096, 8192));
    OK(os_write(f, data + 4096, 100, 0));
    OK(os_write(f, data, sizeof data, 1u << 20));
    size_t got;
    OK(os_read(f, buf, 4096, 8192, &got));
    cr_assert_eq(got, 4096);
    cr_assert(memcmp(buf, data, 4096) == 0, "block at 8192 differs");
    OK(os_read(f, buf, 100, 0, &got));
    cr_assert(got == 100 && memcmp(buf, data + 4096, 100) == 0, "block at 0 differs");
    OK(os_read(f, buf, 1000, 100, &got));
    cr_assert_eq(got, 1000);
    for (size_t i = 0; i < 1000; i++)
        cr_assert_eq(buf[i], 0, "hole byte %zu not zero", 100 + i);
    OK(os_read(f, buf, sizeof buf, 1u << 20, &got));
    cr_assert(got == sizeof data && memcmp(buf, data, sizeof data) == 0,
              "70000-byte block differs (got %zu)", got);
    /* Overwrite in the middle. */
    OK(os_write(f, "hello", 5, 8200));
    OK(os_read(f, buf, 16, 8192, &got));
    cr_assert(memcmp(buf, data, 8) == 0 && memcmp(buf + 8, "hello", 5) == 0 &&
                  memcmp(buf + 13, data + 13, 3) == 0,
              "overwrite in the middle went wrong");
    OK(os_sync(f));
    OK(os_close(f));

    /* And the bytes are really in the file. */
    size_t len;
    uint8_t *all = fx_slurp(fx_path(fx_dir, "f"), &len);
    cr_assert_eq(len, (1u << 20) + sizeof data);
    cr_assert(memcmp(all + (1u << 20), data, sizeof data) == 0);
    free(all);
}

Test(pager, os_size_and_truncate)
{
    os_file *f = open_file(fx_path(fx_dir, "f"), OS_OPEN_CREATE);
    uint64_t sz = 99;
    OK(os_size(f, &sz));
    cr_assert_eq(sz, 0, "new file has size %llu", (unsigned long long)sz);
    uint8_t block[4096];
    memset(block, 0x5A, sizeof block);
    OK(os_write(f, block, sizeof block, 3 * 4096));
    OK(os_size(f, &sz));
    cr_assert_eq(sz, 4 * 4096, "size after write at 3*4096 is %llu", (unsigned long long)sz);
    OK(os_truncate(f, 4096 + 10));
    OK(os_size(f, &sz));
    cr_assert_eq(sz, 4096 + 10, "size after truncate is %llu", (unsigned long long)sz);
    size_t got;
    uint8_t buf[100];
    OK(os_read(f, buf, sizeof buf, 4096, &got));
    cr_assert_eq(got, 10, "read across the truncated end got %zu", got);
    OK(os_truncate(f, 0));
    OK(os_size(f, &sz));
    cr_assert_eq(sz, 0);
    OK(os_close(f));
    struct stat st;
    cr_assert(stat(fx_path(fx_dir, "f"), &st) == 0 && st.st_size == 0);
}

Test(pager, os_open_modes)
{
    os_vfs *v = os_posix();
    os_file *f = NULL;
    mode_t old = umask(0); /* so a mode wider than 0600 would show */
    FAILS_WITH(ST_ECANTOPEN, v->open(v, fx_path(fx_dir, "missing"), 0, &f));
    cr_assert(!fx_exists(fx_path(fx_dir, "missing")), "open without CREATE created the file");
    f = open_file(fx_path(fx_dir, "new"), OS_OPEN_CREATE | OS_OPEN_EXCL);
    OK(os_write(f, "x", 1, 0));
    OK(os_close(f));
    umask(old);
    struct stat st;
    cr_assert(stat(fx_path(fx_dir, "new"), &st) == 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "created with mode %o, expected 0600",
                 (unsigned)(st.st_mode & 0777));
    FAILS_WITH(ST_EEXISTS, v->open(v, fx_path(fx_dir, "new"), OS_OPEN_CREATE | OS_OPEN_EXCL, &f));

    /* Read-only handles refuse every change, and the file is untouched. */
    f = open_file(fx_path(fx_dir, "new"), OS_OPEN_READONLY);
    FAILS_WITH(ST_EREADONLY, os_write(f, "y", 1, 0));
    FAILS_WITH(ST_EREADONLY, os_truncate(f, 0));
    char c = 0;
    size_t got;
    OK(os_read(f, &c, 1, 0, &got));
    cr_assert(got == 1 && c == 'x', "read-only handle read %zu byte(s) '%c'", got, c);
    OK(os_close(f));

    OK(v->sync_dir(v, fx_path(fx_dir, "new")));
    OK(v->remove(v, fx_path(fx_dir, "new")));
    cr_assert(!fx_exists(fx_path(fx_dir, "new")), "remove left the file behind");
}

Test(pager, os_file_id_same_file_through_two_paths)
{
    os_file *a = open_file(fx_path(fx_dir, "f"), OS_OPEN_CREATE);
    cr_assert(link(fx_path(fx_dir, "f"), fx_path(fx_dir, "g")) == 0, "link: %s", strerror(errno));
    os_file *b = open_file(fx_path(fx_dir, "g"), 0);
    os_file *c = open_file(fx_path(fx_dir, "h"), OS_OPEN_CREATE);
    uint64_t d1, i1, d2, i2, d3, i3;
    OK(os_file_id(a, &d1, &i1));
    OK(os_file_id(b, &d2, &i2));
    OK(os_file_id(c, &d3, &i3));
    cr_assert(d1 == d2 && i1 == i2, "hard links report different identities");
    cr_assert(!(d1 == d3 && i1 == i3), "different files report the same identity");
    OK(os_close(a));
    OK(os_close(b));
    OK(os_close(c));
}

/* What the child process saw, sent back through a pipe. */
struct child_report {
    int rc;
    long holder;
    long mypid;
    char msg[400];
};

static void in_child(void *ctx, void *out)
{
    int (*fn)(struct child_report *) = *(int (**)(struct child_report *))ctx;
    struct child_report *r = out;
    r->mypid = (long)getpid();
    r->rc = fn(r);
}

static struct child_report run_child(int (*fn)(struct child_report *))
{
    struct child_report r;
    int status;
    cr_assert(fx_in_child(in_child, &fn, &r, sizeof r, &status) == 0,
              "child process failed (status %d)", status);
    return r;
}

static int child_os_lock(struct child_report *r)
{
    os_vfs *v = os_posix();
    os_file *f = NULL;
    int rc = v->open(v, fx_path(fx_dir, "locked"), 0, &f);
    if (rc != ST_OK) {
        snprintf(r->msg, sizeof r->msg, "open failed: %s", st_msg());
        return -1;
    }
    rc = os_lock(f, &r->holder);
    snprintf(r->msg, sizeof r->msg, "%s", st_msg());
    os_close(f);
    return rc;
}

Test(pager, os_lock_excludes_another_process)
{
    os_file *f = open_file(fx_path(fx_dir, "locked"), OS_OPEN_CREATE);
    long holder = -1;
    OK(os_lock(f, &holder));
    struct child_report r = run_child(child_os_lock);
    cr_assert_eq(r.rc, ST_EBUSY, "child's lock returned %s (%d), expected ST_EBUSY: %s",
                 st_name(r.rc), r.rc, r.msg);
    cr_assert_eq(r.holder, (long)getpid(), "child saw holder pid %ld, the holder is %ld",
                 r.holder, (long)getpid());
    OK(os_close(f));

    /* Closing releases it: now the child gets the lock. */
    r = run_child(child_os_lock);
    cr_assert_eq(r.rc, ST_OK, "after close the child still could not lock: %s (%s)",
                 st_name(r.rc), r.msg);
}
