/*
 * delta.c — page deltas (see delta.h).
 *
 * Runs of differing bytes separated by fewer than RUN_GAP equal bytes are merged: a new range
 * costs a 4-byte header, so bridging a short equal stretch is cheaper than starting over.
 */
#include "wal/delta.h"

#include <string.h>

#include "pager/pager.h" /* get_u16/put_u64 ... and PGR_TRAILER_SIZE */

#define BODY_START 8u /* after the page LSN */
#define RUN_GAP 8u

size_t wal_entry_max(uint32_t page_size)
{
    return WAL_ENTRY_HDR + (page_size - BODY_START - PGR_TRAILER_SIZE);
}

static size_t put_header(uint8_t *out, uint64_t pgno, uint8_t kind, uint32_t len)
{
    put_u64(out, pgno);
    out[8] = kind;
    put_u32(out + 9, len);
    return WAL_ENTRY_HDR;
}

static size_t encode_full(uint64_t pgno, const uint8_t *after, uint32_t ps, uint8_t *out)
{
    uint32_t len = ps - BODY_START - PGR_TRAILER_SIZE;
    size_t n = put_header(out, pgno, WAL_FULL, len);
    memcpy(out + n, after + BODY_START, len);
    return n + len;
}

size_t wal_entry_encode(uint64_t pgno, const uint8_t *before, const uint8_t *after,
                        uint32_t page_size, int force_full, uint8_t *out)
{
    if (force_full)
        return encode_full(pgno, after, page_size, out);
    const uint32_t end = page_size - PGR_TRAILER_SIZE;
    const uint32_t full_len = end - BODY_START;
    uint8_t *p = out + WAL_ENTRY_HDR;
    uint32_t i = BODY_START;
    while (i < end) {
        /* Most of a page is unchanged: skip equal 32-byte blocks with memcmp (vectorised)
         * before the byte loop; the output is the same as a byte-by-byte scan. */
        while (end - i >= 32 && memcmp(before + i, after + i, 32) == 0)
            i += 32;
        if (i >= end)
            break;
        if (before[i] == after[i]) {
            i++;
            continue;
        }
        /* A range starts at i; extend it while differences recur within RUN_GAP bytes. */
        uint32_t start = i, last = i;
        for (i++; i < end && i - last <= RUN_GAP; i++)
            if (before[i] != after[i])
                last = i;
        uint32_t len = last + 1 - start;
        if ((size_t)(p - out) + 4 + len >= WAL_ENTRY_HDR + (size_t)full_len)
            return encode_full(pgno, after, page_size, out); /* not smaller: full image */
        put_u16(p, (uint16_t)start);
        put_u16(p + 2, (uint16_t)len);
        memcpy(p + 4, after + start, len);
        p += 4 + len;
        i = last + 1;
    }
    size_t payload = (size_t)(p - out) - WAL_ENTRY_HDR;
    if (payload == 0)
        return 0;
    put_header(out, pgno, WAL_DELTA, (uint32_t)payload);
    return (size_t)(p - out);
}

int wal_entry_next(const uint8_t *buf, size_t n, size_t *pos, wal_entry *e)
{
    if (*pos == n)
        return 1;
    if (n - *pos < WAL_ENTRY_HDR)
        return -1;
    const uint8_t *h = buf + *pos;
    e->pgno = get_u64(h);
    e->kind = h[8];
    e->len = get_u32(h + 9);
    if ((e->kind != WAL_DELTA && e->kind != WAL_FULL) || e->len > n - *pos - WAL_ENTRY_HDR)
        return -1;
    e->payload = h + WAL_ENTRY_HDR;
    *pos += WAL_ENTRY_HDR + e->len;
    return 0;
}

/* Checks every range of a delta before anything is written, so a malformed entry leaves the
 * page untouched. */
static int delta_valid(const wal_entry *e, uint32_t end)
{
    uint32_t at = 0, min_off = BODY_START;
    while (at < e->len) {
        if (e->len - at < 4)
            return 0;
        uint32_t off = get_u16(e->payload + at), len = get_u16(e->payload + at + 2);
        if (len == 0 || off < min_off || off + len > end || len > e->len - at - 4)
            return 0;
        min_off = off + len;
        at += 4 + len;
    }
    return 1;
}

int wal_entry_apply(const wal_entry *e, uint8_t *page, uint32_t page_size)
{
    const uint32_t end = page_size - PGR_TRAILER_SIZE;
    if (e->kind == WAL_FULL) {
        if (e->len != end - BODY_START)
            return -1;
        memcpy(page + BODY_START, e->payload, e->len);
        return 0;
    }
    if (!delta_valid(e, end))
        return -1;
    for (uint32_t at = 0; at < e->len;) {
        uint32_t off = get_u16(e->payload + at), len = get_u16(e->payload + at + 2);
        memcpy(page + off, e->payload + at + 4, len);
        at += 4 + len;
    }
    return 0;
}
