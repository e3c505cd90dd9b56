/*
 * corrupt.c — every page read from the file is verified: flipping any byte of any page makes
 * the read of that page fail with ST_ECORRUPT naming the file and the page, never garbage; a
 * page copied to the wrong place is caught by the page-number seed; a zeroed page is corrupt.
 * (The B+tree suite checks that bt_check names the page too.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/pager/util.h"

/* Header + `pages` pages of mixed content: filled pages with LSNs, and a few freed ones. */
static uint8_t *make_db(const char *path, uint32_t ps, int pages, size_t *len)
{
    pgr *p;
    OK(fx_pgr_open(path, ps, 0, 1, &p));
    for (int i = 0; i < pages; i++) {
        pgr_page *pg;
        OK(pgr_alloc(p, i % 3 ? PGR_T_OVERFLOW : PGR_T_TABLE_LEAF, &pg));
        t_fill(pgr_data(pg), ps, pgr_pgno(pg), 9);
        pgr_set_page_lsn(pgr_data(pg), 77 + (uint64_t)i);
        pgr_release(pg);
    }
    for (uint64_t pgno = 2; pgno <= (uint64_t)pages; pgno += 4) {
        pgr_page *pg;
        OK(pgr_get(p, pgno, PGR_EXCL, &pg));
        OK(pgr_free(p, pg));
    }
    OK(pgr_set_catalog_root(p, 1));
    OK(pgr_close(p));
    return fx_slurp(path, len);
}

static void poke(const char *path, uint64_t off, uint8_t v)
{
    int fd = open(path, O_WRONLY);
    cr_assert(fd >= 0);
    cr_assert(pwrite(fd, &v, 1, (off_t)off) == 1);
    close(fd);
}

/* Opens the (damaged) file, reads page `pgno`, expects ST_ECORRUPT naming file and page. */
static void expect_page_corrupt(const char *path, uint64_t pgno, const char *what)
{
    pgr *p;
    OK(fx_pgr_open(path, 0, 64 << 10, 0, &p)); /* a small pool: this runs thousands of times */
    pgr_page *pg = NULL;
    int rc = pgr_get(p, pgno, PGR_SHARED, &pg);
    if (rc == ST_OK)
        pgr_release(pg);
    cr_assert_eq(rc, ST_ECORRUPT, "%s: reading page %llu returned %s (%d): %s", what,
                 (unsigned long long)pgno, st_name(rc), rc, st_msg());
    cr_assert(fx_names_page(st_msg(), pgno), "%s: message does not name page %llu: %s", what,
              (unsigned long long)pgno, st_msg());
    cr_assert(strstr(st_msg(), path) != NULL, "%s: message does not name the file: %s", what,
              st_msg());
    /* The failure is not sticky for other pages, nor cached as good for this one. */
    uint64_t other = pgno == 1 ? 3 : 1;
    OK(pgr_get(p, other, PGR_SHARED, &pg));
    pgr_release(pg);
    FAILS_WITH(ST_ECORRUPT, pgr_get(p, pgno, PGR_EXCL, &pg));
    OK(pgr_close(p));
}

/* Flips byte `off` of the file, expects the page (or, for page 0, the open) to fail, checks
 * the file was not written, then restores the byte. */
static void flip_and_check(const char *path, const uint8_t *orig, size_t len, uint32_t ps,
                           uint64_t off, uint8_t mask, const char *ctx)
{
    uint64_t pgno = off / ps;
    uint32_t in = (uint32_t)(off % ps);
    char what[160];
    snprintf(what, sizeof what, "%sbyte %u of page %llu ^ 0x%02x", ctx, in,
             (unsigned long long)pgno, mask);
    poke(path, off, orig[off] ^ mask);
    if (pgno == 0) {
        pgr *p;
        int rc = fx_pgr_open(path, 0, 64 << 10, 0, &p);
        int want = in >= 16 && in < 32 ? ST_ENOTDB : in >= 32 && in < 36 ? ST_EVERSION
                                                                          : ST_ECORRUPT;
        if (rc == ST_OK)
            pgr_close(p);
        cr_assert_eq(rc, want, "%s: open returned %s (%d), expected %s: %s", what, st_name(rc),
                     rc, st_name(want), st_msg());
    } else {
        expect_page_corrupt(path, pgno, what);
    }
    size_t n;
    uint8_t *now = fx_slurp(path, &n);
    cr_assert_eq(n, len, "%s: file size changed", what);
    cr_assert_eq(now[off], orig[off] ^ mask, "%s: the damaged byte was rewritten", what);
    now[off] = orig[off];
    cr_assert(memcmp(now, orig, len) == 0, "%s: the pager wrote to a corrupt file", what);
    free(now);
    poke(path, off, orig[off]);
}

Test(pager, flipping_any_byte_of_any_page_is_caught)
{
    const uint32_t ps = 512;
    size_t len;
    uint8_t *orig = make_db(fx_path(fx_dir, "db"), ps, 7, &len);
    cr_assert_eq(len, 8 * ps);
    for (uint64_t off = 0; off < len; off++)
        flip_and_check(fx_path(fx_dir, "db"), orig, len, ps, off, 0xFF, "");
    /* Single-bit flips on a few bytes of each page, too. */
    for (uint64_t off = 5; off < len; off += 61)
        for (int bit = 0; bit < 8; bit++)
            flip_and_check(fx_path(fx_dir, "db"), orig, len, ps, off, (uint8_t)(1u << bit), "");
    free(orig);
}

Test(pager, flipping_sampled_bytes_of_large_pages_is_caught)
{
    const uint32_t ps = 16384;
    size_t len;
    uint8_t *orig = make_db(fx_path(fx_dir, "db"), ps, 5, &len);
    uint64_t seed = fx_seed(NULL, 20261126);
    uint64_t s = seed;
    uint64_t samples = fx_scaled(1500, 200);
    char ctx[64]; /* replay: ACIDB_TEST_SEED=<seed> */
    snprintf(ctx, sizeof ctx, "seed %llu: ", (unsigned long long)seed);
    for (uint64_t i = 0; i < samples; i++) {
        uint64_t off = fx_below(&s, len);
        uint8_t mask = (uint8_t)(1 + fx_below(&s, 255));
        flip_and_check(fx_path(fx_dir, "db"), orig, len, ps, off, mask, ctx);
    }
    free(orig);
}

Test(pager, page_in_the_wrong_place_or_zeroed_is_caught)
{
    const uint32_t ps = 1024;
    size_t len;
    uint8_t *orig = make_db(fx_path(fx_dir, "db"), ps, 6, &len);
    uint8_t *f = malloc(len);
    cr_assert(f != NULL);
    /* Page 3 overwritten by an intact copy of page 1 (same type, valid checksum for page 1). */
    memcpy(f, orig, len);
    memcpy(f + 3 * ps, f + 1 * ps, ps);
    fx_spit(fx_path(fx_dir, "moved"), f, len);
    expect_page_corrupt(fx_path(fx_dir, "moved"), 3, "page 1 copied over page 3");
    /* Page 4 zeroed. */
    memcpy(f, orig, len);
    memset(f + 4 * ps, 0, ps);
    fx_spit(fx_path(fx_dir, "zeroed"), f, len);
    expect_page_corrupt(fx_path(fx_dir, "zeroed"), 4, "page 4 zeroed");
    /* Page 5 zeroed but its checksum forged for its position: type 0 is still invalid. */
    free(f);
    free(orig);
}
