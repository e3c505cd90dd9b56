/*
 * delta.c — page deltas (see delta.h).
 *
 * Runs of differing bytes separated by fewer than RUN_GAP equal bytes are merged: a new range
 * costs a 4-byte header, so bridging a short equal stretch is cheaper than starting over.
 */
#include "wal/delta.h"

#include <string.h>

#include "pager/pager.h" /* get_u16/put_u64 ... and PGR_TRAILER_SIZE */
#include "wal/varint.h"

#define BODY_START 8u /* after the page LSN */
#define RUN_GAP 8u

size_t wal_entry_max(uint32_t page_size)
{
    return WAL_ENTRY_MAX_HDR + 4 + (page_size - BODY_START - PGR_TRAILER_SIZE);
}

/* Entry header at out; the payload (len bytes) is already at out + WAL_ENTRY_MAX_HDR and is
 * moved down behind the header. Returns the entry's size. */
static size_t finish(uint8_t *out, uint64_t pgno, uint8_t kind, uint32_t len)
{
    uint8_t h[WAL_ENTRY_MAX_HDR];
    size_t n = wal_put_varint(h, pgno);
    h[n++] = kind;
    n += wal_put_varint(h + n, len);
    memmove(out + n, out + WAL_ENTRY_MAX_HDR, len);
    memcpy(out, h, n);
    return n + len;
}

/* The longest run of zero bytes in [from, to); *len 0 if none. */
static void longest_zero_run(const uint8_t *p, uint32_t from, uint32_t to, uint32_t *off,
                             uint32_t *len)
{
    *off = from;
    *len = 0;
    for (uint32_t i = from; i < to;) {
        if (p[i] != 0) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < to && p[j] == 0)
            j++;
        if (j - i > *len) {
            *off = i;
            *len = j - i;
        }
        i = j;
    }
}

static size_t encode_full(uint64_t pgno, const uint8_t *after, uint32_t ps, uint8_t *out)
{
    const uint32_t end = ps - PGR_TRAILER_SIZE;
    uint32_t hole, hole_len;
    longest_zero_run(after, BODY_START, end, &hole, &hole_len);
    if (hole_len < 8) { /* not worth it; the format still names an empty hole */
        hole = BODY_START;
        hole_len = 0;
    }
    uint8_t *p = out + WAL_ENTRY_MAX_HDR;
    put_u16(p, (uint16_t)hole);
    put_u16(p + 2, (uint16_t)hole_len);
    memcpy(p + 4, after + BODY_START, hole - BODY_START);
    memcpy(p + 4 + (hole - BODY_START), after + hole + hole_len, end - hole - hole_len);
    return finish(out, pgno, WAL_FULL, 4 + (end - BODY_START) - hole_len);
}

size_t wal_entry_encode(uint64_t pgno, const uint8_t *before, const uint8_t *after,
                        uint32_t page_size, int force_full, uint8_t *out)
{
    if (force_full)
        return encode_full(pgno, after, page_size, out);
    const uint32_t end = page_size - PGR_TRAILER_SIZE;
    const uint32_t full_len = end - BODY_START;
    uint8_t *const body = out + WAL_ENTRY_MAX_HDR; /* the payload, moved down by finish() */
    uint8_t *p = body;
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
        if ((size_t)(p - body) + 4 + len >= (size_t)full_len)
            return encode_full(pgno, after, page_size, out); /* not smaller: full image */
        put_u16(p, (uint16_t)start);
        put_u16(p + 2, (uint16_t)len);
        memcpy(p + 4, after + start, len);
        p += 4 + len;
        i = last + 1;
    }
    size_t payload = (size_t)(p - body);
    if (payload == 0)
        return 0;
    return finish(out, pgno, WAL_DELTA, (uint32_t)payload);
}

size_t wal_entry_encode_ranges(uint64_t pgno, const uint8_t *page, uint32_t page_size,
                               wal_range *ranges, int n, uint8_t *out)
{
    (void)page_size;
    if (n == 0)
        return 0;
    for (int i = 1; i < n; i++) { /* insertion sort by offset: n is a handful */
        wal_range x = ranges[i];
        int j = i;
        for (; j > 0 && ranges[j - 1].off > x.off; j--)
            ranges[j] = ranges[j - 1];
        ranges[j] = x;
    }
    uint8_t *const body = out + WAL_ENTRY_MAX_HDR;
    uint8_t *p = body;
    for (int i = 0; i < n;) {
        /* Merge ranges that overlap, touch, or lie closer than a range header. */
        uint32_t start = ranges[i].off, end = (uint32_t)ranges[i].off + ranges[i].len;
        for (i++; i < n && ranges[i].off <= end + 4; i++)
            if ((uint32_t)ranges[i].off + ranges[i].len > end)
                end = (uint32_t)ranges[i].off + ranges[i].len;
        put_u16(p, (uint16_t)start);
        put_u16(p + 2, (uint16_t)(end - start));
        memcpy(p + 4, page + start, end - start);
        p += 4 + (end - start);
    }
    return finish(out, pgno, WAL_DELTA, (uint32_t)(p - body));
}

int wal_entry_next(const uint8_t *buf, size_t n, size_t *pos, wal_entry *e)
{
    if (*pos == n)
        return 1;
    size_t at = *pos;
    uint64_t pgno, len;
    if (!wal_get_varint(buf, n, &at, &pgno) || at >= n)
        return -1;
    uint8_t kind = buf[at++];
    if (!wal_get_varint(buf, n, &at, &len))
        return -1;
    if ((kind != WAL_DELTA && kind != WAL_FULL) || len > n - at)
        return -1;
    e->pgno = pgno;
    e->kind = kind;
    e->len = (uint32_t)len;
    e->payload = buf + at;
    *pos = at + len;
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
        if (e->len < 4)
            return -1;
        uint32_t hole = get_u16(e->payload), hole_len = get_u16(e->payload + 2);
        if (hole < BODY_START || hole > end || hole_len > end - hole ||
            e->len != 4 + (end - BODY_START) - hole_len)
            return -1;
        memcpy(page + BODY_START, e->payload + 4, hole - BODY_START);
        memset(page + hole, 0, hole_len);
        memcpy(page + hole + hole_len, e->payload + 4 + (hole - BODY_START), end - hole - hole_len);
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
