/*
 * delta_test.c — page deltas reproduce the after-image exactly, stay small for small changes,
 * and malformed entries are refused without touching the page.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pager/pager.h"
#include "tests/common/fixture.h"
#include "wal/delta.h"

/* Randomised: random pages, random edits (single bytes, runs, whole regions), every page size
 * from 512 to 65536; applying encode(before, after) to before gives after, LSN and trailer
 * excluded. */
Test(delta, round_trip_randomised)
{
    uint64_t seed = fx_seed(NULL, 1234), s = seed;
    for (uint32_t ps = 512; ps <= 65536; ps *= 2) {
        uint8_t *before = malloc(ps), *after = malloc(ps), *out = malloc(wal_entry_max(ps));
        uint8_t *page = malloc(ps);
        for (int round = 0; round < 300; round++) {
            for (uint32_t i = 0; i < ps; i++)
                before[i] = (uint8_t)fx_xorshift(&s);
            memcpy(after, before, ps);
            int edits = (int)(fx_xorshift(&s) % 20);
            for (int k = 0; k < edits; k++) {
                uint32_t off = (uint32_t)(fx_xorshift(&s) % ps);
                uint32_t len = (uint32_t)(fx_xorshift(&s) % 4 == 0 ? fx_xorshift(&s) % (ps - off) + 1 : 1);
                for (uint32_t j = 0; j < len; j++)
                    after[off + j] = (uint8_t)fx_xorshift(&s);
            }
            /* the LSN and trailer are not the delta's business */
            memcpy(after, before, 8);
            memcpy(after + ps - 8, before + ps - 8, 8);
            int full = fx_xorshift(&s) % 10 == 0;
            size_t n = wal_entry_encode(77, before, after, ps, full, out);
            cr_assert_leq(n, wal_entry_max(ps));
            memcpy(page, before, ps);
            if (n == 0) {
                cr_assert(!full);
                cr_assert_eq(memcmp(before, after, ps), 0, "seed %llu: changes lost",
                             (unsigned long long)seed);
                continue;
            }
            size_t pos = 0;
            wal_entry e;
            cr_assert_eq(wal_entry_next(out, n, &pos, &e), 0);
            cr_assert_eq(e.pgno, 77);
            cr_assert_eq(wal_entry_apply(&e, page, ps), 0);
            cr_assert_eq(memcmp(page, after, ps), 0, "seed %llu ps %u round %d",
                         (unsigned long long)seed, ps, round);
            cr_assert_eq(wal_entry_next(out, n, &pos, &e), 1, "one entry, then the end");
        }
        free(before);
        free(after);
        free(out);
        free(page);
    }
}

/* Entry header for page 5 and a payload under 128 bytes: varint pgno, kind, varint length. */
#define HDR5 3

Test(delta, small_change_small_entry)
{
    uint8_t before[4096] = {0}, after[4096] = {0}, out[4200];
    after[1000] = 1;
    size_t n = wal_entry_encode(5, before, after, 4096, 0, out);
    cr_assert_eq(n, HDR5 + 4 + 1, "one byte costs one range: %zu", n);
    after[1005] = 1; /* within the merge gap: still one range */
    n = wal_entry_encode(5, before, after, 4096, 0, out);
    cr_assert_eq(n, HDR5 + 4 + 6, "%zu", n);
    after[3000] = 1; /* far away: a second range */
    n = wal_entry_encode(5, before, after, 4096, 0, out);
    cr_assert_eq(n, HDR5 + 4 + 6 + 4 + 1, "%zu", n);
    memset(after, 0xee, sizeof after); /* everything changed: a full image, no hole */
    n = wal_entry_encode(5, before, after, 4096, 0, out);
    cr_assert_eq(n, 1 + 1 + 2 + 4 + 4096 - 16, "%zu", n);
    cr_assert_eq(out[1], WAL_FULL);
    cr_assert_eq(wal_entry_encode(5, before, before, 4096, 0, out), 0, "no change, no entry");
}

/* A full image leaves out the page's longest run of zeros (its free space) and apply puts
 * the zeros back, whatever the page held there before. */
Test(delta, full_image_leaves_out_the_hole)
{
    static uint8_t after[4096], page[4096], out[4200];
    memset(after, 0x5a, sizeof after);
    memset(after + 300, 0, 2500); /* free space between slots and cells */
    memset(after + 3500, 0, 20);  /* a shorter run: stored */
    size_t n = wal_entry_encode(9, NULL, after, 4096, 1, out);
    cr_assert_eq(n, 1 + 1 + 2 + 4 + (4096 - 16) - 2500, "%zu", n);
    memset(page, 0x77, sizeof page);
    size_t pos = 0;
    wal_entry e;
    cr_assert_eq(wal_entry_next(out, n, &pos, &e), 0);
    cr_assert_eq(e.kind, WAL_FULL);
    cr_assert_eq(wal_entry_apply(&e, page, sizeof page), 0);
    cr_assert_eq(memcmp(page + 8, after + 8, 4096 - 16), 0);
    /* a hole that runs past the page is refused */
    uint8_t bad[4 + 4080];
    memset(bad, 0, sizeof bad);
    put_u16(bad, 4000);
    put_u16(bad + 2, 200);
    wal_entry x = {.pgno = 9, .kind = WAL_FULL, .payload = bad, .len = 4 + 4080 - 200};
    cr_assert_eq(wal_entry_apply(&x, page, sizeof page), -1);
    /* a hole that starts past the page (the fuzzer's: end - hole wrapped around) */
    put_u16(bad, 5000);
    put_u16(bad + 2, 10);
    x.len = 4 + 4080 - 10;
    cr_assert_eq(wal_entry_apply(&x, page, sizeof page), -1);
}

Test(delta, malformed_entries_are_refused_and_change_nothing)
{
    uint8_t page[512], copy[512], buf[64] = {0};
    memset(page, 0x11, sizeof page);
    memcpy(copy, page, sizeof page);
    wal_entry e;
    size_t pos = 0;
    /* truncated header: a varint that never ends */
    memset(buf, 0x80, 5);
    cr_assert_eq(wal_entry_next(buf, 5, &pos, &e), -1);
    /* unknown kind */
    buf[0] = 1;
    buf[1] = 9;
    buf[2] = 0;
    pos = 0;
    cr_assert_eq(wal_entry_next(buf, 3, &pos, &e), -1);
    /* length beyond the buffer */
    buf[1] = WAL_DELTA;
    buf[2] = 100;
    pos = 0;
    cr_assert_eq(wal_entry_next(buf, sizeof buf, &pos, &e), -1);
    /* ranges: into the LSN, past the trailer, overlapping, zero length, truncated */
    struct { uint16_t off, len; } bad[] = {{0, 4}, {500, 8}, {7, 2}, {100, 0}, {504, 1}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        uint8_t d[16] = {0};
        put_u16(d, bad[k].off);
        put_u16(d + 2, bad[k].len);
        wal_entry x = {.pgno = 1, .kind = WAL_DELTA, .payload = d, .len = 4 + bad[k].len};
        if (bad[k].len > 12)
            x.len = 16;
        cr_assert_eq(wal_entry_apply(&x, page, sizeof page), -1, "bad range %zu accepted", k);
    }
    /* a valid range followed by an overlapping one: refused as a whole */
    uint8_t d2[12];
    put_u16(d2, 100);
    put_u16(d2 + 2, 2);
    d2[4] = d2[5] = 0xaa;
    put_u16(d2 + 6, 101);
    put_u16(d2 + 8, 1);
    d2[10] = 0xbb;
    wal_entry x2 = {.pgno = 1, .kind = WAL_DELTA, .payload = d2, .len = 11};
    cr_assert_eq(wal_entry_apply(&x2, page, sizeof page), -1);
    /* a full image of the wrong size */
    wal_entry x3 = {.pgno = 1, .kind = WAL_FULL, .payload = d2, .len = 11};
    cr_assert_eq(wal_entry_apply(&x3, page, sizeof page), -1);
    cr_assert_eq(memcmp(page, copy, sizeof page), 0, "a refused entry must not touch the page");
}
