/*
 * pool.c — the buffer pool: capacity, pinned pages are never evicted, an all-pinned pool is
 * ST_EFULL (never a hang), dirty pages survive eviction and reopen, and the before_write hook
 * sees every page write first and can veto it.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/pager/util.h"

static uint64_t alloc_filled(pgr *p, uint64_t tag)
{
    pgr_page *pg;
    OK(pgr_alloc(p, PGR_T_OVERFLOW, &pg));
    uint64_t pgno = pgr_pgno(pg);
    t_fill(pgr_data(pg), pgr_page_size(p), pgno, tag);
    pgr_mark_dirty(pg);
    pgr_release(pg);
    return pgno;
}

static void expect_fill(pgr *p, uint64_t pgno, uint64_t tag)
{
    pgr_page *pg;
    OK(pgr_get(p, pgno, PGR_SHARED, &pg));
    cr_assert_eq(pgr_pgno(pg), pgno);
    cr_assert(t_check_fill(pgr_data(pg), pgr_page_size(p), pgno, tag),
              "page %llu does not hold what was written (tag %llu)", (unsigned long long)pgno,
              (unsigned long long)tag);
    pgr_release(pg);
}

Test(pager, capacity_follows_cache_bytes)
{
    pgr *p;
    pgr_stats st;
    OK(fx_pgr_open(fx_path(fx_dir, "a"), 512, 1000 * 512, 1, &p));
    pgr_get_stats(p, &st);
    cr_assert_eq(st.frames, 1000, "1000 pages of cache gave %zu frames", st.frames);
    OK(pgr_close(p));
    OK(fx_pgr_open(fx_path(fx_dir, "b"), 512, 1, 1, &p));
    pgr_get_stats(p, &st);
    cr_assert_eq(st.frames, 8, "a 1-byte cache gave %zu frames, README says at least 8",
                 st.frames);
    OK(pgr_close(p));
    OK(fx_pgr_open(fx_path(fx_dir, "c"), 4096, 0, 1, &p));
    pgr_get_stats(p, &st);
    cr_assert_eq(st.frames, PGR_DEFAULT_CACHE / 4096, "default cache gave %zu frames",
                 st.frames);
    OK(pgr_close(p));
}

Test(pager, pinned_pages_are_never_evicted)
{
    alarm(120); /* a pool that evicts pinned frames can deadlock on their latches: die */
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 8 * 512, 1, &p));
    uint64_t n = 64;
    for (uint64_t i = 1; i <= n; i++)
        cr_assert_eq(alloc_filled(p, 11), i);
    /* Pin two pages, one shared and one exclusive, then sweep the rest through the pool many
     * times. Their frames must keep holding them. */
    pgr_page *a, *b;
    OK(pgr_get(p, 5, PGR_SHARED, &a));
    OK(pgr_get(p, 9, PGR_EXCL, &b));
    uint8_t *da = pgr_data(a), *db = pgr_data(b);
    t_fill(db, 512, 9, 12);
    pgr_mark_dirty(b);
    pgr_stats s0, s1;
    pgr_get_stats(p, &s0);
    for (int round = 0; round < 20; round++)
        for (uint64_t i = 1; i <= n; i++)
            if (i != 5 && i != 9)
                expect_fill(p, i, 11);
    pgr_get_stats(p, &s1);
    cr_assert(s1.evictions - s0.evictions > 100, "sweeping 62 pages through 8 frames 20 times "
              "caused only %llu evictions", (unsigned long long)(s1.evictions - s0.evictions));
    cr_assert_eq(pgr_pgno(a), 5);
    cr_assert_eq(pgr_pgno(b), 9);
    cr_assert(pgr_data(a) == da && pgr_data(b) == db, "a pinned page's frame moved");
    cr_assert(t_check_fill(da, 512, 5, 11), "pinned page 5's frame was reused");
    cr_assert(t_check_fill(db, 512, 9, 12), "pinned dirty page 9's frame was reused");
    pgr_release(a);
    pgr_release(b);
    OK(pgr_close(p));
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 8 * 512, 0, &p));
    expect_fill(p, 9, 12);
    expect_fill(p, 5, 11);
    OK(pgr_close(p));
}

Test(pager, all_frames_pinned_is_efull_not_a_hang)
{
    alarm(120); /* a pool that waits for a frame would hang here: die instead */
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 8 * 512, 1, &p));
    pgr_stats st;
    pgr_get_stats(p, &st);
    size_t frames = st.frames;
    uint64_t n = frames + 4;
    for (uint64_t i = 1; i <= n; i++)
        alloc_filled(p, 3);
    pgr_page **held = calloc(n + 1, sizeof *held);
    cr_assert(held != NULL);
    size_t pinned = 0;
    int rc = ST_OK;
    uint64_t failed_at = 0;
    for (uint64_t i = 1; i <= n; i++) {
        rc = pgr_get(p, i, i % 2 ? PGR_SHARED : PGR_EXCL, &held[pinned]);
        if (rc != ST_OK) {
            failed_at = i;
            break;
        }
        pinned++;
    }
    cr_assert_eq(rc, ST_EFULL, "pinning %llu pages in %zu frames: got %s (%d): %s",
                 (unsigned long long)n, frames, st_name(rc), rc, st_msg());
    cr_assert(pinned + 2 >= frames && pinned <= frames,
              "ST_EFULL after pinning %zu pages of %zu frames", pinned, frames);
    /* Allocation needs a frame too. */
    pgr_page *x;
    rc = pgr_alloc(p, PGR_T_OVERFLOW, &x);
    cr_assert_eq(rc, ST_EFULL, "pgr_alloc with every frame pinned: %s: %s", st_name(rc),
                 st_msg());
    /* A page that is already cached can still be pinned again (shared). */
    OK(pgr_get(p, 1, PGR_SHARED, &x));
    pgr_release(x);
    /* Unpinning one frame makes room. */
    pgr_release(held[--pinned]);
    OK(pgr_get(p, failed_at, PGR_SHARED, &x));
    cr_assert(t_check_fill(pgr_data(x), 512, failed_at, 3));
    pgr_release(x);
    FAILS_WITH(ST_EINVAL, pgr_close(p)); /* pages still pinned: refused, nothing freed */
    while (pinned > 0)
        pgr_release(held[--pinned]);
    free(held);
    OK(pgr_close(p));
}

Test(pager, dirty_pages_survive_eviction_and_reopen)
{
    pgr *p;
    uint64_t n = fx_scaled(2000, 300);
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 8 * 512, 1, &p));
    for (uint64_t i = 1; i <= n; i++)
        cr_assert_eq(alloc_filled(p, 1), i);
    /* Rewrite every third page through the tiny pool. */
    for (uint64_t i = 1; i <= n; i += 3) {
        pgr_page *pg;
        OK(pgr_get(p, i, PGR_EXCL, &pg));
        cr_assert(t_check_fill(pgr_data(pg), 512, i, 1), "page %llu before rewrite",
                  (unsigned long long)i);
        t_fill(pgr_data(pg), 512, i, 2);
        pgr_mark_dirty(pg);
        pgr_release(pg);
    }
    for (uint64_t i = n; i >= 1; i--)
        expect_fill(p, i, (i - 1) % 3 == 0 ? 2 : 1);
    pgr_stats st;
    pgr_get_stats(p, &st);
    cr_assert(st.evictions >= n, "only %llu evictions for %llu pages in 8 frames",
              (unsigned long long)st.evictions, (unsigned long long)n);
    cr_assert(st.writes >= n, "only %llu writes for %llu dirty pages",
              (unsigned long long)st.writes, (unsigned long long)n);
    cr_assert(st.misses > 0 && st.reads > 0);
    OK(pgr_close(p));

    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 8 * 512, 0, &p));
    cr_assert_eq(pgr_page_count(p), n + 1);
    for (uint64_t i = 1; i <= n; i++)
        expect_fill(p, i, (i - 1) % 3 == 0 ? 2 : 1);
    OK(pgr_close(p));
}

Test(pager, flush_writes_dirty_pages_and_stats_count)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 64 * 512, 1, &p));
    for (int i = 0; i < 10; i++)
        alloc_filled(p, 5);
    OK(pgr_flush(p));
    /* Flushed pages are on disk before close. */
    size_t len;
    uint8_t *f = fx_slurp(fx_path(fx_dir, "db"), &len);
    cr_assert_eq(len, 11 * 512, "file is %zu bytes after flush", len);
    for (uint64_t i = 1; i <= 10; i++)
        cr_assert(t_check_fill(f + i * 512, 512, i, 5), "page %llu not on disk after flush",
                  (unsigned long long)i);
    free(f);
    pgr_stats a, b;
    pgr_get_stats(p, &a);
    expect_fill(p, 3, 5);
    pgr_get_stats(p, &b);
    cr_assert_eq(b.hits, a.hits + 1, "a cached page did not count a hit");
    cr_assert_eq(b.misses, a.misses);
    cr_assert(a.syncs >= 1, "flush did not sync");
    OK(pgr_close(p));
}

/* --- the before_write hook ---------------------------------------------------------------- */

struct hook_log {
    int fd;             /* the database file, opened separately to look at the disk */
    uint32_t ps;
    uint64_t calls;
    uint64_t lsn_seen[256];   /* last LSN the hook was called with, per page */
    uint64_t late[256];       /* set when the page was already on disk with that LSN */
    uint64_t fail_from;       /* pages >= this are refused (0: none) */
    uint64_t refused;
};

static int hook(void *ctx, uint64_t pgno, uint64_t lsn)
{
    struct hook_log *h = ctx;
    h->calls++;
    if (pgno < 256) {
        h->lsn_seen[pgno] = lsn;
        if (lsn != 0 && h->fd >= 0) {
            uint8_t buf[8];
            if (pread(h->fd, buf, 8, (off_t)(pgno * h->ps)) == 8 && get_u64(buf) == lsn)
                h->late[pgno] = lsn;
        }
    }
    if (h->fail_from != 0 && pgno >= h->fail_from) {
        h->refused++;
        return ST_EIO;
    }
    return ST_OK;
}

static void set_lsn_and_fill(pgr *p, uint64_t pgno, uint64_t lsn, uint64_t tag)
{
    pgr_page *pg;
    OK(pgr_get(p, pgno, PGR_EXCL, &pg));
    t_fill(pgr_data(pg), pgr_page_size(p), pgno, tag);
    pgr_set_page_lsn(pgr_data(pg), lsn);
    pgr_mark_dirty(pg);
    pgr_release(pg);
}

static uint64_t disk_lsn(int fd, uint32_t ps, uint64_t pgno)
{
    uint8_t buf[8] = {0};
    ssize_t r = pread(fd, buf, 8, (off_t)(pgno * ps));
    return r == 8 ? get_u64(buf) : 0;
}

/* A 512-byte-page pool of 8 frames with `hook` logging into *h (and h->fd open on the file to
 * see what reached the disk), and n pages allocated and filled. */
static pgr *open_hooked(struct hook_log *h, uint64_t n)
{
    memset(h, 0, sizeof *h);
    h->ps = 512;
    h->fd = -1;
    pgr *p;
    OK(fx_pgr_open_hook(fx_path(fx_dir, "db"), 512, 8 * 512, 1, hook, h, &p));
    h->fd = open(fx_path(fx_dir, "db"), O_RDONLY);
    cr_assert(h->fd >= 0, "open: %s", strerror(errno));
    for (uint64_t i = 1; i <= n; i++)
        alloc_filled(p, 0);
    return p;
}

Test(pager, before_write_hook_sees_page_lsn_before_each_write)
{
    struct hook_log h;
    const uint64_t n = 40;
    pgr *p = open_hooked(&h, n);
    /* Give every page a distinct LSN; with 8 frames most are written by eviction. */
    for (uint64_t i = 1; i <= n; i++)
        set_lsn_and_fill(p, i, 1000 + i, 1);
    OK(pgr_flush(p));
    pgr_stats st;
    pgr_get_stats(p, &st);
    for (uint64_t i = 1; i <= n; i++) {
        cr_assert_eq(h.lsn_seen[i], 1000 + i, "page %llu: hook last saw LSN %llu, page has %llu",
                     (unsigned long long)i, (unsigned long long)h.lsn_seen[i],
                     (unsigned long long)(1000 + i));
        cr_assert_eq(h.late[i], 0, "page %llu with LSN %llu was on disk before the hook ran",
                     (unsigned long long)i, (unsigned long long)h.late[i]);
        cr_assert_eq(disk_lsn(h.fd, 512, i), 1000 + i, "page %llu LSN on disk after flush",
                     (unsigned long long)i);
    }
    cr_assert(h.calls >= n, "%llu hook calls for %llu dirty pages", (unsigned long long)h.calls,
              (unsigned long long)n);
    cr_assert(h.calls >= st.writes - st.writes / 2,
              "%llu page writes but only %llu hook calls", (unsigned long long)st.writes,
              (unsigned long long)h.calls);

    /* A second change with a higher LSN: the hook sees the new one. */
    set_lsn_and_fill(p, 7, 5007, 2);
    OK(pgr_flush(p));
    cr_assert_eq(h.lsn_seen[7], 5007, "hook saw %llu for the rewritten page",
                 (unsigned long long)h.lsn_seen[7]);
    cr_assert_eq(h.late[7], 0);
    OK(pgr_close(p));
    close(h.fd);
}

Test(pager, before_write_hook_error_fails_the_write)
{
    alarm(120); /* a pool that retries refused victims forever would hang here */
    struct hook_log h;
    const uint64_t n = 40;
    pgr *p = open_hooked(&h, n);
    OK(pgr_flush(p));

    /* Flush path: the hook refuses page 3 onwards; flush reports the hook's error and the
     * refused pages are not written. */
    h.fail_from = 3;
    set_lsn_and_fill(p, 3, 300, 1);
    set_lsn_and_fill(p, 4, 400, 1);
    int rc = pgr_flush(p);
    cr_assert_eq(rc, ST_EIO, "flush with a refusing hook returned %s (%d): %s", st_name(rc), rc,
                 st_msg());
    cr_assert(h.refused > 0);
    cr_assert_neq(disk_lsn(h.fd, 512, 3), 300, "page 3 was written although the hook refused");
    cr_assert_neq(disk_lsn(h.fd, 512, 4), 300, "page 4 was written although the hook refused");

    /* Eviction path: dirty pages whose hook refuses cannot be evicted. Dirtying page after
     * page fills the pool with them until some pgr_get fails with the hook's error (or
     * ST_EFULL) rather than hanging or writing a refused page. */
    uint64_t last = 4;
    int last_rc = ST_OK;
    for (uint64_t i = 5; i <= n; i++) {
        pgr_page *pg;
        last_rc = pgr_get(p, i, PGR_EXCL, &pg);
        if (last_rc != ST_OK)
            break;
        t_fill(pgr_data(pg), 512, i, 1);
        pgr_set_page_lsn(pgr_data(pg), 100 * i);
        pgr_mark_dirty(pg);
        pgr_release(pg);
        last = i;
    }
    cr_assert(last < n, "%llu dirty pages the hook refused fit in 8 frames: the refusal was "
              "ignored", (unsigned long long)(last - 2));
    cr_assert(last_rc == ST_EIO || last_rc == ST_EFULL,
              "get with only unwritable victims returned %s: %s", st_name(last_rc), st_msg());
    for (uint64_t i = 5; i <= last; i++)
        cr_assert_neq(disk_lsn(h.fd, 512, i), 100 * i,
                      "page %llu reached the disk although the hook refused it",
                      (unsigned long long)i);

    /* Once the hook agrees, everything is written and nothing was lost. */
    h.fail_from = 0;
    OK(pgr_flush(p));
    for (uint64_t i = 3; i <= last; i++) {
        uint64_t want = i == 3 ? 300 : i == 4 ? 400 : 100 * i;
        cr_assert_eq(disk_lsn(h.fd, 512, i), want, "page %llu LSN on disk",
                     (unsigned long long)i);
    }
    OK(pgr_close(p));
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 0, 0, 0, &p));
    for (uint64_t i = 1; i <= n; i++)
        expect_fill(p, i, i >= 3 && i <= last ? 1 : 0);
    OK(pgr_close(p));
    close(h.fd);
}

Test(pager, get_beyond_end_is_corrupt)
{
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 512, 0, 1, &p));
    alloc_filled(p, 1);
    pgr_page *pg;
    int rc = pgr_get(p, 2, PGR_SHARED, &pg);
    cr_assert_eq(rc, ST_ECORRUPT, "get page 2 of 2: %s: %s", st_name(rc), st_msg());
    cr_assert(fx_names_page(st_msg(), 2), "message does not name page 2: %s", st_msg());
    rc = pgr_get(p, UINT64_MAX, PGR_SHARED, &pg);
    cr_assert_eq(rc, ST_ECORRUPT, "get page 2^64-1: %s: %s", st_name(rc), st_msg());
    OK(pgr_close(p));
}

/* Heap in use (small and mmap'd blocks). Sanitizer allocators may report 0: then the test
 * checks nothing, which is fine, it runs for real in the plain build. */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

Test(pager, memory_stays_within_capacity)
{
    const size_t cache = 1u << 20;
    size_t h0 = heap_in_use();
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "db"), 4096, cache, 1, &p));
    size_t h1 = heap_in_use();
    cr_assert(h1 - h0 <= cache + cache / 2 + (256u << 10),
              "a pager with a 1 MiB pool takes %zu bytes of heap", h1 - h0);
    for (int i = 0; i < 600; i++)
        alloc_filled(p, 4);
    size_t h2 = heap_in_use();
    for (int i = 0; i < 2400; i++)
        alloc_filled(p, 4);
    for (uint64_t i = 1; i <= 3000; i += 7)
        expect_fill(p, i, 4);
    size_t h3 = heap_in_use();
    cr_assert(h3 <= h2 + (64u << 10),
              "heap grew by %zu bytes between 600 and 3000 pages through a fixed pool",
              h3 - h2);
    OK(pgr_close(p));
}
