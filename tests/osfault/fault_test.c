/*
 * fault_test.c — the fault-injecting OS layer behaves like a page cache in front of a disk
 * that can lose power or fail, and the pager reports such failures without losing data.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "pager/os_fault.h"
#include "pager/pager.h"
#include "pager/status.h"
#include "tests/common/fixture.h"

static char path[sizeof fx_dir + 8];    /* "f" in this test's temporary directory */
static char db_path[sizeof fx_dir + 8]; /* "db" there */

static void setup(void)
{
    fx_begin("fault", 0);
    snprintf(path, sizeof path, "%s/f", fx_dir);
    snprintf(db_path, sizeof db_path, "%s/db", fx_dir);
}

/* Reads the real file, bypassing any volatile cache. */
static size_t read_disk(const char *p, uint8_t *buf, size_t n)
{
    FILE *fp = fopen(p, "rb");
    if (fp == NULL)
        return 0;
    size_t got = fread(buf, 1, n, fp);
    fclose(fp);
    return got;
}

TestSuite(fault, .init = setup, .fini = fx_end);

Test(fault, unsynced_writes_are_visible_but_not_on_disk_until_sync)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, 1, &f), ST_OK);
    os_vfs *v = os_fault_vfs(f);
    os_file *fl;
    cr_assert_eq(v->open(v, path, OS_OPEN_CREATE, &fl), ST_OK, "%s", st_msg());
    cr_assert_eq(os_write(fl, "hello", 5, 100), ST_OK);
    char buf[8] = {0};
    size_t got = 0;
    cr_assert_eq(os_read(fl, buf, 5, 100, &got), ST_OK);
    cr_assert_eq(got, 5);
    cr_assert_eq(memcmp(buf, "hello", 5), 0);
    uint64_t size = 0;
    cr_assert_eq(os_size(fl, &size), ST_OK);
    cr_assert_eq(size, 105);
    uint8_t disk[128];
    cr_assert_eq(read_disk(path, disk, sizeof disk), 0, "nothing may reach the disk before sync");
    cr_assert_eq(os_sync(fl), ST_OK);
    cr_assert_eq(read_disk(path, disk, sizeof disk), 105);
    cr_assert_eq(memcmp(disk + 100, "hello", 5), 0);
    os_fault_counts c;
    os_fault_counts_get(f, &c);
    cr_assert_eq(c.syncs, 1);
    cr_assert_eq(c.writes, 1);
    os_close(fl);
    os_fault_free(f);
}

/* After a cut, every sector of every unsynced write holds either its old or its new bytes, and
 * synced data is untouched. Over many seeds all three fates (kept, dropped, torn) occur. */
Test(fault, power_loss_keeps_drops_or_tears_each_unsynced_write)
{
    enum { W = 8, LEN = 2048, FILE_LEN = W * LEN };
    int saw_old = 0, saw_new = 0, saw_mixed = 0;
    for (uint64_t seed = fx_seed(NULL, 0x5eed); seed < fx_seed(NULL, 0x5eed) + 40; seed++) {
        os_fault *f;
        cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
        os_vfs *v = os_fault_vfs(f);
        os_file *fl;
        unlink(path);
        cr_assert_eq(v->open(v, path, OS_OPEN_CREATE, &fl), ST_OK);
        static uint8_t old[FILE_LEN], new[FILE_LEN], disk[FILE_LEN];
        memset(old, 'o', sizeof old);
        memset(new, 'n', sizeof new);
        cr_assert_eq(os_write(fl, old, sizeof old, 0), ST_OK);
        cr_assert_eq(os_sync(fl), ST_OK);
        for (int i = 0; i < W; i++)
            cr_assert_eq(os_write(fl, new + i * LEN, LEN, (uint64_t)i * LEN), ST_OK);
        os_fault_power_loss(f);
        char c;
        cr_assert_eq(os_read(fl, &c, 1, 0, NULL), ST_EIO, "handles die with the power");
        cr_assert_eq(v->open(v, path, 0, &fl) , ST_EIO, "no opens while the power is off");
        os_close(fl);
        cr_assert_eq(read_disk(path, disk, sizeof disk), (size_t)FILE_LEN, "seed %llu",
                     (unsigned long long)seed);
        for (int i = 0; i < W; i++) {
            int n_new = 0;
            for (int s = 0; s < LEN / 512; s++) {
                const uint8_t *sec = disk + i * LEN + s * 512;
                int all_new = memcmp(sec, new, 512) == 0, all_old = memcmp(sec, old, 512) == 0;
                cr_assert(all_new || all_old, "seed %llu: write %d sector %d is neither old nor new",
                          (unsigned long long)seed, i, s);
                n_new += all_new;
            }
            if (n_new == 0)
                saw_old = 1;
            else if (n_new == LEN / 512)
                saw_new = 1;
            else
                saw_mixed = 1;
        }
        os_fault_free(f);
    }
    cr_assert(saw_old && saw_new && saw_mixed, "fates seen: dropped %d kept %d torn %d",
              saw_old, saw_new, saw_mixed);
}

Test(fault, injected_write_errors)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, 7, &f), ST_OK);
    os_vfs *v = os_fault_vfs(f);
    os_file *fl;
    cr_assert_eq(v->open(v, path, OS_OPEN_CREATE, &fl), ST_OK);
    os_fault_inject(f, OSF_WRITE, 2, OSF_ENOSPC, 0);
    cr_assert_eq(os_write(fl, "a", 1, 0), ST_OK);
    cr_assert_eq(os_write(fl, "b", 1, 1), ST_EIO);
    cr_assert(strstr(st_msg(), "No space left on device") != NULL, "%s", st_msg());
    cr_assert_eq(os_write(fl, "c", 1, 2), ST_OK, "a non-sticky rule fires once");
    uint64_t size;
    cr_assert_eq(os_size(fl, &size), ST_OK);
    cr_assert_eq(size, 3);
    char buf[3];
    cr_assert_eq(os_read(fl, buf, 3, 0, NULL), ST_OK);
    cr_assert_eq(buf[1], 0, "the failed write must not land");

    os_fault_inject(f, OSF_WRITE | OSF_SYNC, 1, OSF_EIO, 1);
    cr_assert_eq(os_write(fl, "d", 1, 3), ST_EIO);
    cr_assert_eq(os_sync(fl), ST_EIO, "sticky: every later matching operation fails");
    os_fault_clear(f);
    cr_assert_eq(os_write(fl, "d", 1, 3), ST_OK);

    os_fault_inject(f, OSF_WRITE, 1, OSF_SHORT, 0);
    uint8_t big[4096];
    memset(big, 'x', sizeof big);
    cr_assert_eq(os_write(fl, big, sizeof big, 4096), ST_EIO);
    cr_assert(strstr(st_msg(), "short write") != NULL, "%s", st_msg());
    cr_assert_eq(os_size(fl, &size), ST_OK);
    cr_assert(size > 4096 && size < 8192, "a short write lands a strict prefix (size %llu)",
              (unsigned long long)size);
    os_close(fl);
    os_fault_free(f);
}

/* Linux may forget dirty pages after a failed fsync ("fsyncgate"); the fault layer does too,
 * so a caller that retried the sync and trusted it would be caught. */
Test(fault, failed_sync_drops_the_pending_writes)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, 3, &f), ST_OK);
    os_vfs *v = os_fault_vfs(f);
    os_file *fl;
    cr_assert_eq(v->open(v, path, OS_OPEN_CREATE, &fl), ST_OK);
    cr_assert_eq(os_write(fl, "lost", 4, 0), ST_OK);
    os_fault_inject(f, OSF_SYNC, 1, OSF_EIO, 0);
    cr_assert_eq(os_sync(fl), ST_EIO);
    cr_assert_eq(os_sync(fl), ST_OK, "the retry succeeds ...");
    uint8_t disk[8];
    cr_assert_eq(read_disk(path, disk, sizeof disk), 0, "... yet the data never reached the disk");
    os_close(fl);
    os_fault_free(f);
}

/* A failed write-back is an error, and a final one (fail-stop): every later flush is refused
 * until the database is reopened, and what was flushed before is intact after a power cut. */
Test(fault, pager_write_error_is_fail_stop_and_loses_nothing_flushed)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, fx_seed(NULL, 0x5eed), &f), ST_OK);
    pgr_options o = {.vfs = os_fault_vfs(f), .create = 1, .page_size = 512,
                     .cache_bytes = 64 * 512};
    pgr *p;
    cr_assert_eq(pgr_open(db_path, &o, &p), ST_OK, "%s", st_msg());
    uint64_t pages[20];
    for (int i = 0; i < 20; i++) {
        pgr_page *pg;
        cr_assert_eq(pgr_alloc(p, PGR_T_OVERFLOW, &pg), ST_OK, "%s", st_msg());
        memset(pgr_data(pg) + 24, 'A' + i, 100);
        pages[i] = pgr_pgno(pg);
        pgr_release(pg);
    }
    cr_assert_eq(pgr_flush(p), ST_OK, "%s", st_msg());
    for (int i = 0; i < 20; i++) { /* a second version of every page */
        pgr_page *pg;
        cr_assert_eq(pgr_get(p, pages[i], PGR_EXCL, &pg), ST_OK);
        memset(pgr_data(pg) + 24, 'a' + i, 100);
        pgr_mark_dirty(pg);
        pgr_release(pg);
    }
    os_fault_inject(f, OSF_WRITE, 5, OSF_EIO, 0);
    cr_assert_eq(pgr_flush(p), ST_EIO);
    cr_assert(strstr(st_msg(), "injected") != NULL, "%s", st_msg());
    cr_assert_eq(pgr_flush(p), ST_EIO, "fail-stop: the retry is refused too");
    cr_assert(strstr(st_msg(), "failed state") != NULL, "%s", st_msg());
    cr_assert(pgr_failed(p));
    os_fault_power_loss(f);
    pgr_abandon(p);
    os_fault_reset_power(f);
    os_fault_clear(f);
    cr_assert_eq(pgr_open(db_path, &o, &p), ST_OK, "%s", st_msg());
    for (int i = 0; i < 20; i++) {
        pgr_page *pg;
        cr_assert_eq(pgr_get(p, pages[i], PGR_SHARED, &pg), ST_OK, "page %llu: %s",
                     (unsigned long long)pages[i], st_msg());
        uint8_t c = pgr_data(pg)[24 + 99];
        cr_assert(c == 'A' + i || c == 'a' + i, "page %llu holds neither version",
                  (unsigned long long)pages[i]);
        pgr_release(pg);
    }
    cr_assert_eq(pgr_close(p), ST_OK);
    os_fault_free(f);
}

/* A page write torn by a power cut is caught by the checksum, never returned as data: after
 * the cut the page reads as the old version, the new version, or ST_ECORRUPT naming it. */
Test(fault, torn_page_is_detected_by_checksum)
{
    int outcomes[3] = {0}; /* old, new, detected */
    for (uint64_t seed = fx_seed(NULL, 0x5eed); seed < fx_seed(NULL, 0x5eed) + 30; seed++) {
        unlink(db_path);
        os_fault *f;
        cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
        pgr_options o = {.vfs = os_fault_vfs(f), .create = 1, .page_size = 4096};
        pgr *p;
        cr_assert_eq(pgr_open(db_path, &o, &p), ST_OK, "%s", st_msg());
        pgr_page *pg;
        cr_assert_eq(pgr_alloc(p, PGR_T_OVERFLOW, &pg), ST_OK);
        uint64_t no = pgr_pgno(pg);
        memset(pgr_data(pg) + 24, 1, 4000);
        pgr_release(pg);
        cr_assert_eq(pgr_close(p), ST_OK, "%s", st_msg());

        /* A new, valid version of the page, written but not synced when the power fails. */
        os_vfs *v = os_fault_vfs(f);
        os_file *fl;
        cr_assert_eq(v->open(v, db_path, 0, &fl), ST_OK);
        uint8_t page[4096];
        cr_assert_eq(os_read(fl, page, sizeof page, no * 4096, NULL), ST_OK);
        memset(page + 24, 2, 4000);
        put_u64(page + 4096 - 8, XXH3_64bits_withSeed(page, 4096 - 8, no));
        cr_assert_eq(os_write(fl, page, sizeof page, no * 4096), ST_OK);
        os_close(fl);
        os_fault_power_loss(f);
        os_fault_reset_power(f);

        cr_assert_eq(pgr_open(db_path, &o, &p), ST_OK, "%s", st_msg());
        int rc = pgr_get(p, no, PGR_SHARED, &pg);
        if (rc == ST_OK) {
            uint8_t b = pgr_data(pg)[24], e = pgr_data(pg)[24 + 3999];
            cr_assert(b == e && (b == 1 || b == 2), "seed %llu: page mixes versions yet passed "
                      "its checksum", (unsigned long long)seed);
            outcomes[b - 1]++;
            pgr_release(pg);
        } else {
            cr_assert_eq(rc, ST_ECORRUPT, "seed %llu: %s", (unsigned long long)seed, st_msg());
            char want[64];
            snprintf(want, sizeof want, "page %llu", (unsigned long long)no);
            cr_assert(strstr(st_msg(), want) != NULL, "%s", st_msg());
            outcomes[2]++;
        }
        cr_assert_eq(pgr_close(p), ST_OK);
        os_fault_free(f);
    }
    cr_assert(outcomes[0] && outcomes[1] && outcomes[2],
              "over 30 seeds expected every fate: old %d new %d torn %d", outcomes[0],
              outcomes[1], outcomes[2]);
}

/* A failed fdatasync of the database file is final: a later flush must not report success,
 * because the kernel may have dropped the pages it had (fsyncgate). */
Test(fault, pager_sync_failure_is_sticky)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, 9, &f), ST_OK);
    pgr_options o = {.vfs = os_fault_vfs(f), .create = 1, .page_size = 512};
    pgr *p;
    cr_assert_eq(pgr_open(db_path, &o, &p), ST_OK, "%s", st_msg());
    pgr_page *pg;
    cr_assert_eq(pgr_alloc(p, PGR_T_OVERFLOW, &pg), ST_OK);
    pgr_release(pg);
    os_fault_inject(f, OSF_SYNC, 1, OSF_EIO, 0);
    cr_assert_eq(pgr_flush(p), ST_EIO);
    cr_assert_eq(pgr_flush(p), ST_EIO, "the retry must fail too");
    cr_assert(strstr(st_msg(), "failed state") != NULL, "%s", st_msg());
    cr_assert_eq(pgr_alloc(p, PGR_T_OVERFLOW, &pg), ST_OK, "memory changes still work");
    pgr_release(pg);
    cr_assert_neq(pgr_close(p), ST_OK, "close cannot make it durable either");
    os_fault_free(f);
}

/* A power cut in the middle of a flush that grows the file never leaves a database that
 * cannot be opened: the header is written only after the pages it counts (and synced apart). */
Test(fault, power_cut_during_flush_leaves_an_openable_file)
{
    int lost_something = 0;
    for (uint64_t seed = fx_seed(NULL, 0x5eed); seed < fx_seed(NULL, 0x5eed) + 40; seed++) {
        unlink(db_path);
        os_fault *f;
        cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
        pgr_options o = {.vfs = os_fault_vfs(f), .create = 1, .page_size = 512};
        pgr *p;
        cr_assert_eq(pgr_open(db_path, &o, &p), ST_OK, "%s", st_msg());
        uint64_t first[3];
        for (int i = 0; i < 3; i++) {
            pgr_page *pg;
            cr_assert_eq(pgr_alloc(p, PGR_T_OVERFLOW, &pg), ST_OK);
            memset(pgr_data(pg) + 24, 'a' + i, 100);
            first[i] = pgr_pgno(pg);
            pgr_release(pg);
        }
        cr_assert_eq(pgr_flush(p), ST_OK, "%s", st_msg());
        for (int i = 0; i < 5; i++) { /* grow the file, then cut the power mid-flush */
            pgr_page *pg;
            cr_assert_eq(pgr_alloc(p, PGR_T_OVERFLOW, &pg), ST_OK);
            pgr_release(pg);
        }
        os_fault_inject(f, OSF_SYNC, 1 + seed % 2, OSF_CUT, 0);
        cr_assert_eq(pgr_flush(p), ST_EIO);
        lost_something |= os_fault_cut_lost(f) > 0;
        pgr_abandon(p);
        os_fault_reset_power(f);
        os_fault_clear(f);
        cr_assert_eq(pgr_open(db_path, &o, &p), ST_OK, "seed %llu: %s", (unsigned long long)seed,
                     st_msg());
        for (int i = 0; i < 3; i++) {
            pgr_page *pg;
            cr_assert_eq(pgr_get(p, first[i], PGR_SHARED, &pg), ST_OK, "seed %llu: %s",
                         (unsigned long long)seed, st_msg());
            cr_assert_eq(pgr_data(pg)[24], 'a' + i);
            pgr_release(pg);
        }
        pgr_abandon(p);
        os_fault_free(f);
    }
    cr_assert(lost_something, "no cut lost a pending write: the test proved nothing");
}

/* Creating a database makes the new directory entry durable (pager/README.md, "Contract"). */
Test(fault, creating_a_database_syncs_its_directory)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, 4, &f), ST_OK);
    pgr_options o = {.vfs = os_fault_vfs(f), .create = 1};
    os_fault_counts c0, c1;
    os_fault_counts_get(f, &c0);
    pgr *p;
    cr_assert_eq(pgr_open(db_path, &o, &p), ST_OK, "%s", st_msg());
    os_fault_counts_get(f, &c1);
    cr_assert_eq(c1.dir_syncs, c0.dir_syncs + 1);
    cr_assert_geq(c1.syncs, c0.syncs + 1, "the header is synced before the directory");
    cr_assert_eq(pgr_close(p), ST_OK);
    os_fault_free(f);
}

/* The garbling model (os_fault_set_garble). */
static uint8_t g_old[8 * 4096], g_new[4096];

/* One garbling cut: a file of 4 synced sectors of 'o', then unsynced writes of 'n' that cover
 * only bytes [10, 110) of sector 1 and the second half of sector 3 plus half a sector past the
 * end, then the power fails. Returns the disk bytes (size in *size). */
static void garble_one(unsigned ss, uint64_t seed, uint8_t *disk, size_t cap, size_t *size)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
    os_fault_set_garble(f, ss);
    os_vfs *v = os_fault_vfs(f);
    os_file *fl;
    unlink(path);
    cr_assert_eq(v->open(v, path, OS_OPEN_CREATE, &fl), ST_OK);
    memset(g_old, 'o', sizeof g_old);
    memset(g_new, 'n', sizeof g_new);
    cr_assert_eq(os_write(fl, g_old, (size_t)4 * ss, 0), ST_OK);
    cr_assert_eq(os_sync(fl), ST_OK);
    cr_assert_eq(os_write(fl, g_new, 100, ss + 10), ST_OK);
    cr_assert_eq(os_write(fl, g_new, ss, 3 * ss + ss / 2), ST_OK);
    uint64_t lost = os_fault_power_loss(f);
    cr_assert_eq(lost, os_fault_cut_lost(f));
    cr_assert_leq(lost, 2);
    os_close(fl);
    os_fault_free(f);
    *size = read_disk(path, disk, cap);
}

Test(fault, garbling_cut_destroys_whole_sectors_including_bytes_the_write_did_not_cover)
{
    static const unsigned sizes[] = {512, 4096};
    for (size_t z = 0; z < 2; z++) {
        unsigned ss = sizes[z];
        int saw_new = 0, saw_old = 0, saw_garbage = 0, saw_old_bytes_destroyed = 0;
        for (uint64_t seed = fx_seed(NULL, 0x5eed); seed < fx_seed(NULL, 0x5eed) + 60; seed++) {
            static uint8_t disk[6 * 4096], want_new[4096];
            size_t size;
            garble_one(ss, seed, disk, sizeof disk, &size);
            cr_assert(size == 4 * ss || size == 4 * ss + ss / 2,
                      "sector %u seed %llu: size %zu; garbage must not grow the file further",
                      ss, (unsigned long long)seed, size);
            for (size_t b = 0; b < 4 * ss; b++)
                if (b / ss == 0 || b / ss == 2)
                    cr_assert_eq(disk[b], 'o', "sector %u seed %llu: untouched sector %zu "
                                 "changed at byte %zu", ss, (unsigned long long)seed, b / ss, b);
            memset(want_new, 'o', ss);
            memset(want_new + 10, 'n', 100);
            const uint8_t *s1 = disk + ss;
            if (memcmp(s1, want_new, ss) == 0) {
                saw_new = 1;
            } else if (memcmp(s1, g_old, ss) == 0) {
                saw_old = 1;
            } else {
                saw_garbage = 1;
                for (size_t b = 0; b < ss; b++)
                    saw_old_bytes_destroyed |= (b < 10 || b >= 110) && s1[b] != 'o';
            }
        }
        cr_assert(saw_new && saw_old && saw_garbage && saw_old_bytes_destroyed,
                  "sector %u: fates of sector 1 seen: new %d old %d garbage %d (synced bytes "
                  "outside the write destroyed %d)", ss, saw_new, saw_old, saw_garbage,
                  saw_old_bytes_destroyed);
    }
}

Test(fault, garbling_cut_replays_from_its_seed)
{
    static uint8_t a[6 * 4096], b[6 * 4096];
    size_t na, nb;
    int differs = 0;
    for (uint64_t seed = fx_seed(NULL, 0x5eed); seed < fx_seed(NULL, 0x5eed) + 10; seed++) {
        garble_one(4096, seed, a, sizeof a, &na);
        garble_one(4096, seed, b, sizeof b, &nb);
        cr_assert(na == nb && memcmp(a, b, na) == 0, "seed %llu does not replay",
                  (unsigned long long)seed);
        garble_one(4096, seed + 1000, b, sizeof b, &nb);
        differs |= na != nb || memcmp(a, b, na) != 0;
    }
    cr_assert(differs, "ten seeds and ten others all gave the same disk");
}

Test(fault, garbling_cut_spares_synced_sectors_no_pending_write_touches)
{
    enum { SS = 512, NSEC = 16 };
    memset(g_new, 'n', sizeof g_new);
    for (uint64_t seed = fx_seed(NULL, 0x5eed); seed < fx_seed(NULL, 0x5eed) + 30; seed++) {
        os_fault *f;
        cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
        os_fault_set_garble(f, SS);
        os_vfs *v = os_fault_vfs(f);
        os_file *fl;
        unlink(path);
        cr_assert_eq(v->open(v, path, OS_OPEN_CREATE, &fl), ST_OK);
        static uint8_t synced[NSEC * SS], disk[NSEC * SS];
        for (size_t i = 0; i < sizeof synced; i++)
            synced[i] = (uint8_t)(i * 7 + seed);
        /* Written and synced in several pieces (a log's records, say), then one sector
         * rewritten whole and synced again: all of it is durable. */
        for (size_t i = 0; i < NSEC; i += 4)
            cr_assert_eq(os_write(fl, synced + i * SS, 4 * SS, i * SS), ST_OK);
        cr_assert_eq(os_sync(fl), ST_OK);
        cr_assert_eq(os_write(fl, synced + 5 * SS, SS, 5 * SS), ST_OK);
        cr_assert_eq(os_sync(fl), ST_OK);
        /* pending: a small write inside sector 9 and one straddling sectors 12-13 */
        cr_assert_eq(os_write(fl, "xyz", 3, 9 * SS + 100), ST_OK);
        cr_assert_eq(os_write(fl, g_new, 40, 13 * SS - 20), ST_OK);
        os_fault_power_loss(f);
        os_close(fl);
        os_fault_free(f);
        cr_assert_eq(read_disk(path, disk, sizeof disk), sizeof disk);
        for (size_t b = 0; b < sizeof disk; b++) {
            size_t sec = b / SS;
            if (sec == 9 || sec == 12 || sec == 13)
                continue;
            cr_assert_eq(disk[b], synced[b], "seed %llu: synced byte %zu (sector %zu, touched "
                         "by no pending write) changed", (unsigned long long)seed, b, sec);
        }
    }
    /* With nothing pending a cut changes nothing at all. */
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, fx_seed(NULL, 0x5eed), &f), ST_OK);
    os_fault_set_garble(f, 4096);
    os_vfs *v = os_fault_vfs(f);
    os_file *fl;
    unlink(path);
    cr_assert_eq(v->open(v, path, OS_OPEN_CREATE, &fl), ST_OK);
    cr_assert_eq(os_write(fl, g_new, 1000, 50), ST_OK);
    cr_assert_eq(os_sync(fl), ST_OK);
    cr_assert_eq(os_fault_power_loss(f), 0);
    os_close(fl);
    os_fault_free(f);
    uint8_t disk[2048];
    cr_assert_eq(read_disk(path, disk, sizeof disk), 1050);
    for (size_t b = 50; b < 1050; b++)
        cr_assert_eq(disk[b], 'n');
}

Test(fault, garbling_can_be_limited_to_one_file_and_pending_writes_can_be_asked_for)
{
    const char *other = db_path;
    memset(g_old, 'o', sizeof g_old);
    memset(g_new, 'n', sizeof g_new);
    int saw_garbage = 0;
    for (uint64_t seed = fx_seed(NULL, 0x5eed); seed < fx_seed(NULL, 0x5eed) + 40; seed++) {
        os_fault *f;
        cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
        os_fault_set_garble(f, 512);
        cr_assert_eq(os_fault_set_garble_only(f, path), ST_OK);
        os_vfs *v = os_fault_vfs(f);
        os_file *a, *b;
        unlink(path);
        unlink(other);
        cr_assert_eq(v->open(v, path, OS_OPEN_CREATE, &a), ST_OK);
        cr_assert_eq(v->open(v, other, OS_OPEN_CREATE, &b), ST_OK);
        cr_assert_eq(os_write(a, g_old, 1024, 0), ST_OK);
        cr_assert_eq(os_write(b, g_old, 1024, 0), ST_OK);
        cr_assert_eq(os_sync(a), ST_OK);
        cr_assert_eq(os_sync(b), ST_OK);
        cr_assert(!os_fault_pending(f, path, 0, 1024), "nothing pending after a sync");
        cr_assert_eq(os_write(a, g_new, 10, 600), ST_OK);
        cr_assert_eq(os_write(b, g_new, 10, 600), ST_OK);
        cr_assert(os_fault_pending(f, path, 512, 512));
        cr_assert(os_fault_pending(f, path, 609, 1));
        cr_assert(!os_fault_pending(f, path, 0, 600), "[0, 600) does not overlap [600, 610)");
        cr_assert(!os_fault_pending(f, path, 610, 100));
        os_fault_power_loss(f);
        os_close(a);
        os_close(b);
        os_fault_free(f);
        uint8_t disk[1024];
        cr_assert_eq(read_disk(other, disk, sizeof disk), 1024);
        for (size_t i = 0; i < 1024; i++)
            cr_assert(disk[i] == 'o' || (i >= 600 && i < 610 && disk[i] == 'n'),
                      "seed %llu: the file left out of garbling changed at byte %zu",
                      (unsigned long long)seed, i);
        cr_assert_eq(read_disk(path, disk, sizeof disk), 1024);
        for (size_t i = 512; i < 1024; i++)
            saw_garbage |= disk[i] != 'o' && disk[i] != 'n';
    }
    cr_assert(saw_garbage, "the garbled file never got garbage");
    unlink(other);
}
