/*
 * badfile.c — files that are not healthy databases: each gets its own clear error, the message
 * names the file, and the file's bytes are exactly what they were before the open (nothing is
 * written to a file that failed validation, even when create is asked for).
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "tests/pager/util.h"

/* Opens `path` (once without and once with create) expecting `code`, and checks the message
 * and that the file is unchanged. `substr`, when not NULL, must appear in the message. */
static void expect_refused(const char *path, int code, const char *substr)
{
    size_t n0, n1;
    uint8_t *before = fx_slurp(path, &n0);
    for (int create = 0; create <= 1; create++) {
        pgr *p = NULL;
        int rc = fx_pgr_open(path, 0, 0, create, &p);
        cr_assert_eq(rc, code, "open (create=%d) of a bad file: %s (%d), expected %s: %s",
                     create, st_name(rc), rc, st_name(code), st_msg());
        cr_assert(strstr(st_msg(), path) != NULL, "message does not name the file: %s",
                  st_msg());
        if (substr != NULL)
            cr_assert(strstr(st_msg(), substr) != NULL, "message lacks \"%s\": %s", substr,
                      st_msg());
        uint8_t *after = fx_slurp(path, &n1);
        cr_assert_eq(n1, n0, "file size changed from %zu to %zu (create=%d)", n0, n1, create);
        cr_assert(memcmp(before, after, n0) == 0, "file contents changed (create=%d)", create);
        free(after);
    }
    free(before);
}

/* A small healthy database: header plus `pages` filled pages of size `ps`. */
static uint8_t *make_db(const char *path, uint32_t ps, int pages, size_t *len)
{
    pgr *p;
    OK(fx_pgr_open(path, ps, 0, 1, &p));
    for (int i = 0; i < pages; i++) {
        pgr_page *pg;
        OK(pgr_alloc(p, PGR_T_OVERFLOW, &pg));
        t_fill(pgr_data(pg), ps, pgr_pgno(pg), 1);
        pgr_release(pg);
    }
    OK(pgr_close(p));
    return fx_slurp(path, len);
}

static void reseal_header(uint8_t *f, uint32_t ps)
{
    put_u64(f + ps - 8, XXH3_64bits_withSeed(f, ps - 8, 0));
}

Test(pager, empty_file_is_eempty)
{
    fx_spit(fx_path(fx_dir, "db"), "", 0);
    expect_refused(fx_path(fx_dir, "db"), ST_EEMPTY, NULL);
}

Test(pager, not_a_database_is_enotdb)
{
    char text[4096];
    memset(text, 0, sizeof text);
    for (size_t i = 0; i + 1 < sizeof text; i++)
        text[i] = "This is a plain text file, not a database.\n"[i % 43];
    fx_spit(fx_path(fx_dir, "txt"), text, sizeof text);
    expect_refused(fx_path(fx_dir, "txt"), ST_ENOTDB, NULL);
    /* Shorter than a page, and shorter than the header fields. */
    fx_spit(fx_path(fx_dir, "short"), "#!/bin/sh\necho hi\n", 18);
    expect_refused(fx_path(fx_dir, "short"), ST_ENOTDB, NULL);
    /* An SQLite database header. */
    uint8_t sq[1024] = "SQLite format 3";
    fx_spit(fx_path(fx_dir, "sqlite"), sq, sizeof sq);
    expect_refused(fx_path(fx_dir, "sqlite"), ST_ENOTDB, NULL);
    /* A page of zeros. */
    uint8_t z[4096] = {0};
    fx_spit(fx_path(fx_dir, "zeros"), z, sizeof z);
    expect_refused(fx_path(fx_dir, "zeros"), ST_ENOTDB, NULL);
}

Test(pager, truncated_database_is_ecorrupt)
{
    size_t len;
    uint8_t *f = make_db(fx_path(fx_dir, "db"), 1024, 9, &len);
    cr_assert_eq(len, 10 * 1024);
    /* Whole pages missing, a partial last page, and only the header. */
    const size_t cuts[] = {5 * 1024, 9 * 1024 + 100, 1024, 10 * 1024 - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        fx_spit(fx_path(fx_dir, "cut"), f, cuts[i]);
        expect_refused(fx_path(fx_dir, "cut"), ST_ECORRUPT, "truncated");
    }
    /* A header cut short is not a database header at all: still refused, still untouched. */
    fx_spit(fx_path(fx_dir, "cut"), f, 600);
    size_t n0;
    uint8_t *b = fx_slurp(fx_path(fx_dir, "cut"), &n0);
    pgr *p;
    int rc = fx_pgr_open(fx_path(fx_dir, "cut"), 0, 0, 0, &p);
    cr_assert(rc == ST_ECORRUPT || rc == ST_ENOTDB, "half a header: %s: %s", st_name(rc),
              st_msg());
    size_t n1;
    uint8_t *a = fx_slurp(fx_path(fx_dir, "cut"), &n1);
    cr_assert(n0 == n1 && memcmp(a, b, n0) == 0, "half-header file was changed");
    free(a);
    free(b);
    free(f);
}

Test(pager, newer_format_version_is_eversion)
{
    size_t len;
    uint8_t *f = make_db(fx_path(fx_dir, "db"), 512, 2, &len);
    put_u32(f + 32, PGR_FORMAT_VERSION + 1);
    reseal_header(f, 512);
    fx_spit(fx_path(fx_dir, "v2"), f, len);
    expect_refused(fx_path(fx_dir, "v2"), ST_EVERSION, NULL);
    put_u32(f + 32, 0xFFFFFFFFu);
    reseal_header(f, 512);
    fx_spit(fx_path(fx_dir, "vmax"), f, len);
    expect_refused(fx_path(fx_dir, "vmax"), ST_EVERSION, NULL);
    free(f);
}

Test(pager, bad_header_fields_are_ecorrupt)
{
    size_t len;
    uint8_t *f = make_db(fx_path(fx_dir, "db"), 512, 2, &len);
    uint8_t *g = malloc(len);
    cr_assert(g != NULL);
    /* Page size not a power of two / out of range, each with a valid checksum. */
    const uint32_t sizes[] = {0, 256, 1000, 131072};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        memcpy(g, f, len);
        put_u32(g + 36, sizes[i]);
        reseal_header(g, 512);
        fx_spit(fx_path(fx_dir, "ps"), g, len);
        expect_refused(fx_path(fx_dir, "ps"), ST_ECORRUPT, NULL);
    }
    /* A page size that disagrees with the file (valid, but 1024 while the file is 512). */
    memcpy(g, f, len);
    put_u32(g + 36, 1024);
    reseal_header(g, 512);
    fx_spit(fx_path(fx_dir, "ps2"), g, len);
    expect_refused(fx_path(fx_dir, "ps2"), ST_ECORRUPT, NULL);
    /* Header checksum wrong. */
    memcpy(g, f, len);
    g[100] ^= 1;
    fx_spit(fx_path(fx_dir, "sum"), g, len);
    expect_refused(fx_path(fx_dir, "sum"), ST_ECORRUPT, NULL);
    /* Free count larger than the file, with a valid checksum. */
    memcpy(g, f, len);
    put_u64(g + 56, 1000);
    reseal_header(g, 512);
    fx_spit(fx_path(fx_dir, "freecount"), g, len);
    pgr *p;
    int rc = fx_pgr_open(fx_path(fx_dir, "freecount"), 0, 0, 0, &p);
    if (rc == ST_OK) /* acceptable to notice later, but not to crash */
        pgr_abandon(p);
    free(g);
    free(f);
}

Test(pager, healthy_file_reseal_sanity)
{
    /* The forging helper itself is right: resealing an unmodified header keeps it valid. */
    size_t len;
    uint8_t *f = make_db(fx_path(fx_dir, "db"), 512, 2, &len);
    reseal_header(f, 512);
    fx_spit(fx_path(fx_dir, "same"), f, len);
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "same"), 0, 0, 0, &p));
    OK(pgr_close(p));
    free(f);
}

/* Opens with torn_header_ok and the given log header values (what txm_open passes when the
 * database's log has a verifying header). */
static int open_torn_ok(const char *path, uint32_t log_ps, const uint8_t id[16], pgr **out)
{
    pgr_options o = {.torn_header_ok = 1, .log_page_size = log_ps};
    memcpy(o.log_db_id, id, 16);
    return pgr_open(path, &o, out);
}

/* A page 0 garbled whole (an interrupted write that came back as noise): with a log to rebuild
 * it, the page size and database id come from the log's header and the page count from the
 * file size; without one it is refused. Whatever of the first sector survived must agree with
 * the log, and a page 0 that verifies is never taken for torn. */
Test(pager, a_garbled_header_is_taken_from_the_log_only_when_it_agrees)
{
    size_t len;
    uint8_t *f = make_db(fx_path(fx_dir, "db"), 512, 3, &len);
    uint8_t id[16], other[16];
    memcpy(id, f + 80, 16);
    memcpy(other, id, 16);
    other[0] ^= 0xff;
    uint8_t *g = malloc(len);
    cr_assert(g != NULL);
    uint64_t s = 5;
    memcpy(g, f, len);
    for (int i = 0; i < 512; i++)
        g[i] = (uint8_t)fx_splitmix(&s);
    fx_spit(fx_path(fx_dir, "garbled"), g, len);
    pgr *p;
    OK(open_torn_ok(fx_path(fx_dir, "garbled"), 512, id, &p));
    cr_assert(pgr_header_torn(p));
    cr_assert_eq(pgr_page_size(p), 512);
    cr_assert_eq(pgr_page_count(p), len / 512);
    uint8_t got[16];
    pgr_db_id(p, got);
    cr_assert(memcmp(got, id, 16) == 0, "the database id is the log's");
    pgr_abandon(p);
    expect_refused(fx_path(fx_dir, "garbled"), ST_ENOTDB, "not an acidb database");

    /* First sector intact, checksum broken: the log must be this database's ... */
    memcpy(g, f, len);
    g[300] ^= 1;
    fx_spit(fx_path(fx_dir, "torn"), g, len);
    OK(open_torn_ok(fx_path(fx_dir, "torn"), 512, id, &p));
    cr_assert(pgr_header_torn(p));
    pgr_abandon(p);
    FAILS_WITH(ST_ENOTDB, open_torn_ok(fx_path(fx_dir, "torn"), 512, other, &p));
    cr_assert(strstr(st_msg(), "another database"), "%s", st_msg());
    /* ... and of this page size. */
    FAILS_WITH(ST_ECORRUPT, open_torn_ok(fx_path(fx_dir, "torn"), 1024, id, &p));
    expect_refused(fx_path(fx_dir, "torn"), ST_ECORRUPT, "checksum mismatch on page 0");

    /* A valid header of a newer format is judged, not rebuilt. */
    memcpy(g, f, len);
    put_u32(g + 32, PGR_FORMAT_VERSION + 1);
    reseal_header(g, 512);
    fx_spit(fx_path(fx_dir, "newer"), g, len);
    FAILS_WITH(ST_EVERSION, open_torn_ok(fx_path(fx_dir, "newer"), 512, id, &p));

    /* Unknown log flag bits in a header that verifies. */
    memcpy(g, f, len);
    put_u32(g + 96, 6);
    reseal_header(g, 512);
    fx_spit(fx_path(fx_dir, "flags"), g, len);
    expect_refused(fx_path(fx_dir, "flags"), ST_ECORRUPT, "log flags");
    free(g);
    free(f);
}
