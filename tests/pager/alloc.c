/*
 * alloc.c — page allocation and the free list: fresh pages are zeroed and typed, freed pages
 * are reused LIFO before the file grows, and an alloc/free loop stays within a bound.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/pager/util.h"

static uint64_t alloc_page(pgr *p, uint64_t tag)
{
    pgr_page *pg;
    OK(pgr_alloc(p, PGR_T_OVERFLOW, &pg));
    uint64_t pgno = pgr_pgno(pg);
    t_fill(pgr_data(pg), pgr_page_size(p), pgno, tag);
    pgr_release(pg);
    return pgno;
}

static void free_page(pgr *p, uint64_t pgno)
{
    pgr_page *pg;
    OK(pgr_get(p, pgno, PGR_EXCL, &pg));
    OK(pgr_free(p, pg));
}

Test(pager, alloc_returns_zeroed_typed_page)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 0, 1, &p));
    uint64_t a = alloc_page(p, 1); /* dirty it with a pattern, then free and re-alloc */
    free_page(p, a);
    pgr_page *pg;
    OK(pgr_alloc(p, PGR_T_TABLE_LEAF, &pg));
    cr_assert_eq(pgr_pgno(pg), a, "freed page %llu not reused (got %llu)",
                 (unsigned long long)a, (unsigned long long)pgr_pgno(pg));
    const uint8_t *d = pgr_data(pg);
    cr_assert_eq(d[8], PGR_T_TABLE_LEAF, "type byte is %d", d[8]);
    for (uint32_t i = 9; i < 512 - 8; i++)
        cr_assert_eq(d[i], 0, "byte %u of a reused page is 0x%02x, not zero", i, d[i]);
    pgr_release(pg);
    OK(pgr_close(p));
}

Test(pager, freed_pages_are_reused_lifo_before_growing)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 0, 1, &p));
    uint64_t pg[10];
    for (int i = 0; i < 10; i++)
        pg[i] = alloc_page(p, 2);
    cr_assert_eq(pgr_page_count(p), 11);
    const int order[5] = {3, 7, 1, 9, 5};
    for (int i = 0; i < 5; i++)
        free_page(p, pg[order[i]]);
    cr_assert_eq(pgr_free_count(p), 5, "free count %llu", (unsigned long long)pgr_free_count(p));
    cr_assert_eq(pgr_free_head(p), pg[5], "free head %llu, last freed %llu",
                 (unsigned long long)pgr_free_head(p), (unsigned long long)pg[5]);

    /* Persisted: the free list survives a reopen, in its on-disk format. */
    OK(pgr_close(p));
    size_t len;
    uint8_t *f = fx_slurp(fx_path(fx_dir, "db"), &len);
    cr_assert_eq(len, 11 * 512);
    cr_assert_eq(get_u64(f + 48), pg[5], "free-list head on disk");
    cr_assert_eq(get_u64(f + 56), 5, "free count on disk");
    cr_assert_eq(f[pg[5] * 512 + 8], PGR_T_FREE, "freed page type on disk");
    cr_assert_eq(get_u64(f + pg[5] * 512 + 16), pg[9], "next pointer of the free-list head");
    cr_assert_eq(get_u64(f + pg[3] * 512 + 16), 0, "last free page's next pointer");
    free(f);
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 0, 0, &p));
    cr_assert_eq(pgr_free_count(p), 5);

    for (int i = 4; i >= 0; i--) {
        uint64_t got = alloc_page(p, 3);
        cr_assert_eq(got, pg[order[i]], "alloc %d returned %llu, LIFO expects %llu", 4 - i,
                     (unsigned long long)got, (unsigned long long)pg[order[i]]);
    }
    cr_assert_eq(pgr_free_count(p), 0);
    cr_assert_eq(pgr_free_head(p), 0);
    cr_assert_eq(pgr_page_count(p), 11, "file grew while free pages were available");
    cr_assert_eq(alloc_page(p, 4), 11, "next page after the free list is exhausted");
    /* The untouched pages kept their content. */
    for (int i = 0; i < 10; i += 2) {
        pgr_page *h;
        OK(pgr_get(p, pg[i], PGR_SHARED, &h));
        cr_assert(t_check_fill(pgr_data(h), 512, pg[i], 2), "page %llu lost its content",
                  (unsigned long long)pg[i]);
        pgr_release(h);
    }
    OK(pgr_close(p));
}

Test(pager, alloc_free_loop_never_grows_beyond_live_maximum)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 64 * 512, 1, &p));
    uint64_t seed = fx_seed(NULL, 7);
    enum { MAXLIVE = 100 };
    uint64_t live[MAXLIVE];
    size_t nlive = 0, peak = 0;
    uint64_t iters = fx_scaled(20000, 2000);
    for (uint64_t it = 0; it < iters; it++) {
        int grow = nlive == 0 || (nlive < MAXLIVE && fx_below(&seed, 100) < 52);
        if (grow) {
            live[nlive++] = alloc_page(p, it);
            if (nlive > peak)
                peak = nlive;
        } else {
            size_t k = (size_t)fx_below(&seed, nlive);
            free_page(p, live[k]);
            live[k] = live[--nlive];
        }
        cr_assert(pgr_page_count(p) <= peak + 1,
                  "seed %llu iteration %llu: %llu pages in the file but never more than %zu "
                  "live",
                  (unsigned long long)fx_seed(NULL, 7), (unsigned long long)it,
                  (unsigned long long)pgr_page_count(p), peak);
        cr_assert_eq(pgr_free_count(p) + nlive + 1, pgr_page_count(p),
                     "seed %llu: free %llu + live %zu + header != %llu pages",
                     (unsigned long long)fx_seed(NULL, 7), (unsigned long long)pgr_free_count(p), nlive,
                     (unsigned long long)pgr_page_count(p));
    }
    while (nlive > 0)
        free_page(p, live[--nlive]);
    cr_assert_eq(pgr_free_count(p), pgr_page_count(p) - 1);
    OK(pgr_close(p));
}
