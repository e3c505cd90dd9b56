/*
 * durability.c — what survives a power cut, through the fault-injecting OS layer
 * (pager/os_fault.h): a new database is complete and its directory entry synced when pgr_open
 * returns; everything before a pgr_flush survives; I/O errors surface as ST_EIO and lose
 * nothing that a later successful flush can still write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pager/os_fault.h"
#include "tests/pager/util.h"

static int open_fault(os_fault *f, const char *path, uint32_t ps, size_t cache, int create,
                      pgr **out)
{
    pgr_options o;
    memset(&o, 0, sizeof o);
    o.vfs = os_fault_vfs(f);
    o.page_size = ps;
    o.cache_bytes = cache;
    o.create = create;
    return pgr_open(path, &o, out);
}

Test(pager, new_database_survives_power_cut_right_after_open)
{
    uint64_t seed = fx_seed(NULL, 11);
    for (uint64_t k = 0; k < 20; k++) {
        os_fault *f;
        OK(os_fault_new(NULL, seed + k, &f));
        char name[32];
        snprintf(name, sizeof name, "db%llu", (unsigned long long)k);
        pgr *p;
        OK(open_fault(f, fx_path(fx_dir, name), 1024, 0, 1, &p));
        os_fault_counts c;
        os_fault_counts_get(f, &c);
        cr_assert(c.syncs >= 1, "pgr_open created the file without syncing it");
        cr_assert(c.dir_syncs >= 1, "pgr_open created the file without syncing its directory");
        uint8_t id[16];
        pgr_db_id(p, id);
        os_fault_power_loss(f);
        pgr_abandon(p);
        os_fault_reset_power(f);
        OK(open_fault(f, fx_path(fx_dir, name), 0, 0, 0, &p));
        cr_assert_eq(pgr_page_size(p), 1024, "seed %llu", (unsigned long long)(seed + k));
        cr_assert_eq(pgr_page_count(p), 1);
        uint8_t id2[16];
        pgr_db_id(p, id2);
        cr_assert(memcmp(id, id2, 16) == 0, "database id changed across the power cut");
        OK(pgr_close(p));
        os_fault_free(f);
    }
}

Test(pager, flushed_pages_survive_power_cut)
{
    uint64_t seed = fx_seed(NULL, 12);
    for (uint64_t k = 0; k < 10; k++) {
        os_fault *f;
        OK(os_fault_new(NULL, seed + k, &f));
        pgr *p;
        OK(open_fault(f, fx_path(fx_dir, "db"), 512, 16 * 512, 1, &p));
        for (int i = 0; i < 40; i++) {
            pgr_page *pg;
            OK(pgr_alloc(p, PGR_T_OVERFLOW, &pg));
            t_fill(pgr_data(pg), 512, pgr_pgno(pg), 1);
            pgr_release(pg);
        }
        OK(pgr_set_catalog_root(p, 7));
        OK(pgr_flush(p));
        /* Changes after the flush may or may not survive, but must not break what was flushed
         * or the file's validity... except torn pages, which must read as ST_ECORRUPT. */
        for (uint64_t i = 1; i <= 40; i += 2) {
            pgr_page *pg;
            OK(pgr_get(p, i, PGR_EXCL, &pg));
            t_fill(pgr_data(pg), 512, i, 2);
            pgr_mark_dirty(pg);
            pgr_release(pg);
        }
        os_fault_power_loss(f);
        pgr_abandon(p);
        os_fault_reset_power(f);
        int rc = open_fault(f, fx_path(fx_dir, "db"), 0, 0, 0, &p);
        cr_assert(rc == ST_OK, "seed %llu: reopen after a cut that followed a flush: %s: %s",
                  (unsigned long long)(seed + k), st_name(rc), st_msg());
        cr_assert_eq(pgr_page_count(p), 41);
        cr_assert_eq(pgr_catalog_root(p), 7);
        for (uint64_t i = 1; i <= 40; i++) {
            pgr_page *pg;
            rc = pgr_get(p, i, PGR_SHARED, &pg);
            if (i % 2 == 0) {
                cr_assert(rc == ST_OK, "seed %llu: flushed page %llu unreadable: %s",
                          (unsigned long long)(seed + k), (unsigned long long)i, st_msg());
                cr_assert(t_check_fill(pgr_data(pg), 512, i, 1), "seed %llu: flushed page %llu "
                          "lost its content", (unsigned long long)(seed + k), (unsigned long long)i);
                pgr_release(pg);
            } else if (rc == ST_OK) { /* old or new, never a mix */
                int old = t_check_fill(pgr_data(pg), 512, i, 1);
                int new = t_check_fill(pgr_data(pg), 512, i, 2);
                pgr_release(pg);
                cr_assert(old || new, "seed %llu: page %llu holds neither version",
                          (unsigned long long)(seed + k), (unsigned long long)i);
            } else {
                cr_assert(rc == ST_ECORRUPT, "seed %llu: torn page %llu: %s",
                          (unsigned long long)(seed + k), (unsigned long long)i, st_name(rc));
            }
        }
        OK(pgr_close(p));
        os_fault_free(f);
        remove(fx_path(fx_dir, "db"));
    }
}

Test(pager, io_errors_surface_and_lose_nothing)
{
    os_fault *f;
    OK(os_fault_new(NULL, 13, &f));
    pgr *p;
    OK(open_fault(f, fx_path(fx_dir, "db"), 512, 8 * 512, 1, &p));
    for (int i = 0; i < 30; i++) {
        pgr_page *pg;
        OK(pgr_alloc(p, PGR_T_OVERFLOW, &pg));
        t_fill(pgr_data(pg), 512, pgr_pgno(pg), 1);
        pgr_release(pg);
    }
    OK(pgr_flush(p));
    /* A read error: the page is not returned, the error says so, and a retry works. */
    os_fault_inject(f, OSF_READ, 1, OSF_EIO, 0);
    pgr_page *pg;
    uint64_t victim = 0;
    int rc = ST_OK;
    for (uint64_t i = 1; i <= 30 && rc == ST_OK; i++) { /* the first miss hits the fault */
        rc = pgr_get(p, i, PGR_SHARED, &pg);
        if (rc == ST_OK)
            pgr_release(pg);
        else
            victim = i;
    }
    cr_assert_eq(rc, ST_EIO, "a failed read returned %s: %s", st_name(rc), st_msg());
    OK(pgr_get(p, victim, PGR_SHARED, &pg));
    cr_assert(t_check_fill(pgr_data(pg), 512, victim, 1), "page %llu wrong after a failed read",
              (unsigned long long)victim);
    pgr_release(pg);

    /* A write error during a flush: reported; the pages stay dirty and a later flush writes
     * them (unless the pager chose to fail for good after an I/O error, which is also safe). */
    for (uint64_t i = 1; i <= 5; i++) {
        OK(pgr_get(p, i, PGR_EXCL, &pg));
        t_fill(pgr_data(pg), 512, i, 3);
        pgr_mark_dirty(pg);
        pgr_release(pg);
    }
    os_fault_inject(f, OSF_WRITE, 1, OSF_ENOSPC, 0);
    rc = pgr_flush(p);
    cr_assert_eq(rc, ST_EIO, "flush with a failing write returned %s: %s", st_name(rc), st_msg());
    rc = pgr_flush(p);
    if (rc == ST_OK) {
        OK(pgr_close(p));
        OK(open_fault(f, fx_path(fx_dir, "db"), 0, 0, 0, &p));
        for (uint64_t i = 1; i <= 30; i++) {
            OK(pgr_get(p, i, PGR_SHARED, &pg));
            cr_assert(t_check_fill(pgr_data(pg), 512, i, i <= 5 ? 3 : 1),
                      "page %llu after a failed then successful flush", (unsigned long long)i);
            pgr_release(pg);
        }
        OK(pgr_close(p));
    } else {
        cr_assert_eq(rc, ST_EIO, "second flush: %s", st_msg());
        pgr_abandon(p);
    }
    os_fault_free(f);
}
