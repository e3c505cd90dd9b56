/*
 * open.c — creating and reopening a database: header fields persist, page sizes, file mode,
 * and the one-owner rule (a second open from this process or another is ST_EBUSY).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/pager/util.h"

Test(pager, create_then_reopen_keeps_header_fields)
{
    const char *path = fx_path(fx_dir, "db");
    pgr *p;
    OK(fx_pgr_open(path, 0, 0, 1, &p));
    cr_assert_eq(pgr_page_size(p), PGR_DEFAULT_PAGE, "default page size is %u",
                 pgr_page_size(p));
    cr_assert_eq(pgr_page_count(p), 1, "a new file has %llu pages, expected 1 (the header)",
                 (unsigned long long)pgr_page_count(p));
    cr_assert_eq(pgr_free_count(p), 0);
    cr_assert_eq(pgr_free_head(p), 0);
    cr_assert_eq(pgr_catalog_root(p), 0);
    cr_assert_eq(pgr_checkpoint_lsn(p), 0);
    cr_assert_str_eq(pgr_path(p), path);
    uint8_t id1[16], zero[16] = {0};
    pgr_db_id(p, id1);
    cr_assert(memcmp(id1, zero, 16) != 0, "database id is all zero");

    /* A new file is complete on disk as soon as pgr_open returns. */
    struct stat st;
    cr_assert(stat(path, &st) == 0 && st.st_size == PGR_DEFAULT_PAGE,
              "new file is %lld bytes, expected one page", (long long)st.st_size);

    pgr_page *pg;
    OK(pgr_alloc(p, PGR_T_OVERFLOW, &pg));
    uint64_t pgno = pgr_pgno(pg);
    cr_assert_eq(pgno, 1, "first allocated page is %llu", (unsigned long long)pgno);
    pgr_release(pg);
    OK(pgr_set_catalog_root(p, pgno));
    OK(pgr_set_checkpoint_lsn(p, 0x1122334455667788ull));
    OK(pgr_close(p));

    OK(fx_pgr_open(path, 8192 /* ignored for an existing file */, 0, 0, &p));
    cr_assert_eq(pgr_page_size(p), PGR_DEFAULT_PAGE);
    cr_assert_eq(pgr_page_count(p), 2);
    cr_assert_eq(pgr_catalog_root(p), pgno, "catalog root %llu after reopen",
                 (unsigned long long)pgr_catalog_root(p));
    cr_assert_eq(pgr_checkpoint_lsn(p), 0x1122334455667788ull, "checkpoint lsn %llx",
                 (unsigned long long)pgr_checkpoint_lsn(p));
    uint8_t id2[16];
    pgr_db_id(p, id2);
    cr_assert(memcmp(id1, id2, 16) == 0, "database id changed across reopen");
    OK(pgr_close(p));

    /* The header fields are where pager/README.md says they are. */
    size_t len;
    uint8_t *f = fx_slurp(path, &len);
    cr_assert_eq(len, 2 * PGR_DEFAULT_PAGE);
    cr_assert_eq(f[8], PGR_T_HEADER);
    cr_assert(memcmp(f + 16, PGR_MAGIC, 16) == 0, "magic not at offset 16");
    cr_assert_eq(get_u32(f + 32), PGR_FORMAT_VERSION);
    cr_assert_eq(get_u32(f + 36), PGR_DEFAULT_PAGE);
    cr_assert_eq(get_u64(f + 40), 2);
    cr_assert_eq(get_u64(f + 64), pgno);
    cr_assert_eq(get_u64(f + 72), 0x1122334455667788ull);
    cr_assert(memcmp(f + 80, id1, 16) == 0, "database id not at offset 80");
    cr_assert_eq(f[PGR_DEFAULT_PAGE + 8], PGR_T_OVERFLOW, "page 1 type on disk is %d",
                 f[PGR_DEFAULT_PAGE + 8]);
    free(f);
}

Test(pager, database_ids_differ_between_files)
{
    pgr *a, *b;
    OK(fx_pgr_open(fx_path(fx_dir, "a"), 0, 0, 1, &a));
    OK(fx_pgr_open(fx_path(fx_dir, "b"), 0, 0, 1, &b));
    uint8_t ia[16], ib[16];
    pgr_db_id(a, ia);
    pgr_db_id(b, ib);
    cr_assert(memcmp(ia, ib, 16) != 0, "two new databases got the same id");
    OK(pgr_close(a));
    OK(pgr_close(b));
}

Test(pager, every_valid_page_size_round_trips)
{
    for (uint32_t ps = PGR_MIN_PAGE; ps <= PGR_MAX_PAGE; ps *= 2) {
        char name[32];
        snprintf(name, sizeof name, "db%u", ps);
        const char *path = fx_path(fx_dir, name);
        pgr *p;
        OK(fx_pgr_open(path, ps, 0, 1, &p));
        cr_assert_eq(pgr_page_size(p), ps, "asked for %u, got %u", ps, pgr_page_size(p));
        cr_assert_eq(pgr_usable(p), ps - 8);
        uint64_t pgnos[3];
        for (int i = 0; i < 3; i++) {
            pgr_page *pg;
            OK(pgr_alloc(p, PGR_T_OVERFLOW, &pg));
            pgnos[i] = pgr_pgno(pg);
            t_fill(pgr_data(pg), ps, pgnos[i], ps);
            pgr_mark_dirty(pg);
            pgr_release(pg);
        }
        OK(pgr_close(p));
        struct stat st;
        cr_assert(stat(path, &st) == 0 && st.st_size == 4 * (off_t)ps,
                  "page size %u: file is %lld bytes, expected %u", ps, (long long)st.st_size,
                  4 * ps);

        OK(fx_pgr_open(path, ps == 4096 ? 512 : 4096, 0, 0, &p));
        cr_assert_eq(pgr_page_size(p), ps, "reopened with page size %u, created with %u",
                     pgr_page_size(p), ps);
        for (int i = 0; i < 3; i++) {
            pgr_page *pg;
            OK(pgr_get(p, pgnos[i], PGR_SHARED, &pg));
            cr_assert(t_check_fill(pgr_data(pg), ps, pgnos[i], ps),
                      "page size %u: page %llu content lost", ps, (unsigned long long)pgnos[i]);
            cr_assert_eq(pgr_data(pg)[8], PGR_T_OVERFLOW);
            pgr_release(pg);
        }
        OK(pgr_close(p));
    }
}

Test(pager, invalid_page_sizes_are_refused)
{
    const uint32_t bad[] = {1, 256, 511, 513, 1000, 3000, 4095, 4097, 65535, 131072, 1u << 31};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pgr *p = (pgr *)1;
        int rc = fx_pgr_open(fx_path(fx_dir, "db"), bad[i], 0, 1, &p);
        cr_assert_eq(rc, ST_EINVAL, "page size %u: got %s (%d), expected ST_EINVAL: %s", bad[i],
                     st_name(rc), rc, st_msg());
        cr_assert(!fx_exists(fx_path(fx_dir, "db")),
                  "page size %u was refused but left a file behind (which would then be an "
                  "empty or half-made database)",
                  bad[i]);
    }
}

Test(pager, new_file_mode_is_0600)
{
    mode_t old = umask(0); /* a pager relying on the umask would create 0644/0666 here */
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 0, 1, &p));
    umask(old);
    OK(pgr_close(p));
    struct stat st;
    cr_assert(stat(fx_path(fx_dir, "db"), &st) == 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "database created with mode %o",
                 (unsigned)(st.st_mode & 0777));
}

Test(pager, missing_file_without_create_is_cantopen)
{
    pgr *p;
    FAILS_WITH(ST_ECANTOPEN, fx_pgr_open(fx_path(fx_dir, "nothere"), 0, 0, 0, &p));
    cr_assert(!fx_exists(fx_path(fx_dir, "nothere")), "opening without create made a file");
    FAILS_WITH(ST_ECANTOPEN, fx_pgr_open(fx_path(fx_dir, "no/such/dir/db"), 0, 0, 1, &p));
}

/* A second open in the same process must fail and must not disturb the first one's lock. */
static int child_open(struct stat *unused, char *msg, size_t msglen, long *rc_out)
{
    (void)unused;
    pgr *p;
    int rc = fx_pgr_open(fx_path(fx_dir, "db"), 0, 0, 0, &p);
    snprintf(msg, msglen, "%s", st_msg());
    if (rc == ST_OK)
        pgr_close(p);
    *rc_out = rc;
    return rc;
}

struct child_result {
    long rc;
    char msg[400];
};

static void open_in_child(void *ctx, void *out)
{
    (void)ctx;
    struct child_result *r = out;
    child_open(NULL, r->msg, sizeof r->msg, &r->rc);
}

static struct child_result open_from_child(void)
{
    struct child_result r;
    int status;
    cr_assert(fx_in_child(open_in_child, NULL, &r, sizeof r, &status) == 0,
              "child process failed (status %d)", status);
    return r;
}

Test(pager, second_process_gets_busy_with_holder_pid)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 0, 1, &p));
    struct child_result r = open_from_child();
    cr_assert_eq(r.rc, ST_EBUSY, "child's open returned %s (%ld): %s", st_name((int)r.rc), r.rc,
                 r.msg);
    char want[64];
    snprintf(want, sizeof want, "in use by process %ld", (long)getpid());
    cr_assert(strstr(r.msg, want) != NULL, "child's message \"%s\" lacks \"%s\"", r.msg, want);
    OK(pgr_close(p));
    r = open_from_child();
    cr_assert_eq(r.rc, ST_OK, "after close the child still cannot open: %s", r.msg);
}

Test(pager, same_file_twice_in_process_is_busy)
{
    pgr *p, *q = NULL;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 0, 1, &p));
    FAILS_WITH(ST_EBUSY, fx_pgr_open(fx_path(fx_dir, "db"), 0, 0, 0, &q));
    FAILS_WITH(ST_EBUSY, fx_pgr_open(fx_path(fx_dir, "db"), 0, 0, 1, &q));
    /* Through another name for the same inode. */
    cr_assert(link(fx_path(fx_dir, "db"), fx_path(fx_dir, "alias")) == 0, "link: %s", strerror(errno));
    FAILS_WITH(ST_EBUSY, fx_pgr_open(fx_path(fx_dir, "alias"), 0, 0, 0, &q));
    char dotted[4200];
    snprintf(dotted, sizeof dotted, "%s/./db", fx_dir);
    FAILS_WITH(ST_EBUSY, fx_pgr_open(dotted, 0, 0, 0, &q));

    /* The failed opens closed their descriptors; POSIX would drop our lock with them unless
     * the pager refused before opening a second descriptor or kept it. Another process must
     * still be locked out. */
    struct child_result r = open_from_child();
    cr_assert_eq(r.rc, ST_EBUSY,
                 "after failed second opens in this process, another process could open the "
                 "database (%s: %s): the first handle's lock was lost",
                 st_name((int)r.rc), r.msg);

    /* The first handle still works. */
    pgr_page *pg;
    OK(pgr_alloc(p, PGR_T_OVERFLOW, &pg));
    pgr_release(pg);
    OK(pgr_close(p));
    OK(fx_pgr_open(fx_path(fx_dir, "alias"), 0, 0, 0, &q));
    cr_assert_eq(pgr_page_count(q), 2);
    OK(pgr_close(q));
}

Test(pager, readonly_refuses_changes_and_leaves_file_alone)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 0, 1, &p));
    pgr_page *pg;
    OK(pgr_alloc(p, PGR_T_OVERFLOW, &pg));
    t_fill(pgr_data(pg), pgr_page_size(p), 1, 7);
    pgr_release(pg);
    OK(pgr_close(p));
    size_t n1, n2;
    uint8_t *before = fx_slurp(fx_path(fx_dir, "db"), &n1);

    pgr_options o;
    memset(&o, 0, sizeof o);
    o.readonly = 1;
    OK(pgr_open(fx_path(fx_dir, "db"), &o, &p));
    OK(pgr_get(p, 1, PGR_SHARED, &pg));
    cr_assert(t_check_fill(pgr_data(pg), pgr_page_size(p), 1, 7));
    pgr_release(pg);
    FAILS_WITH(ST_EREADONLY, pgr_alloc(p, PGR_T_OVERFLOW, &pg));
    FAILS_WITH(ST_EREADONLY, pgr_set_catalog_root(p, 1));
    FAILS_WITH(ST_EREADONLY, pgr_set_checkpoint_lsn(p, 9));
    OK(pgr_close(p));
    uint8_t *after = fx_slurp(fx_path(fx_dir, "db"), &n2);
    cr_assert(n1 == n2 && memcmp(before, after, n1) == 0, "read-only session changed the file");
    free(before);
    free(after);
}
