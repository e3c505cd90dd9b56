/*
 * delta.h — page deltas: the redo payload of a log record, page by page.
 *
 * A log record of the transaction layer (wal/README.md, "Design of the transaction layer")
 * describes every page an operation changed. For each page it stores either the byte ranges
 * that differ between the page's before- and after-image, or the whole page (a full image:
 * the first change after a checkpoint, a new page, or when the delta would not be smaller).
 * Redo applies the entries to pages whose LSN is older than the record. The page LSN (bytes
 * 0..7) and the checksum trailer are never part of an entry: the LSN is set by whoever applies
 * the record, the trailer by the pager when it writes.
 *
 * Entry format (little-endian; varints are LEB128):
 *   varint pgno | u8 kind (1 delta, 2 full image) | varint payload length | payload
 *   delta payload: { u16 offset | u16 length | bytes }*, ranges ascending, inside [8, ps-8)
 *   full payload:  u16 hole offset | u16 hole length | bytes [8, hole) | bytes [hole end, ps-8)
 * The hole of a full image is the page's longest run of zero bytes (a B+tree page's free
 * space between its slots and its cells, as PostgreSQL leaves out pd_lower..pd_upper), not
 * stored and zeroed on apply; its length may be 0.
 *
 * Pure functions: no locking, no allocation.
 */
#ifndef ACIDB_WAL_DELTA_H
#define ACIDB_WAL_DELTA_H

#include <stddef.h>
#include <stdint.h>

enum { WAL_DELTA = 1, WAL_FULL = 2 };
#define WAL_ENTRY_MAX_HDR 16u /* pgno (varint, up to 10) + kind + length (varint, up to 5) */

/* Upper bound of the bytes wal_entry_encode may write for one page of `page_size` bytes. */
size_t wal_entry_max(uint32_t page_size);

/* Encodes the change of page `pgno` from `before` to `after` (page_size bytes each) into out
 * (at least wal_entry_max bytes). With force_full, or when the delta would not be smaller,
 * writes a full image. Returns the bytes written; 0 if the pages do not differ (and nothing
 * is written unless force_full). */
size_t wal_entry_encode(uint64_t pgno, const uint8_t *before, const uint8_t *after,
                        uint32_t page_size, int force_full, uint8_t *out);

/* A byte range [off, off + len) of a page. */
typedef struct wal_range {
    uint16_t off, len;
} wal_range;

/* Encodes a delta entry of page `pgno` holding the current bytes of the given ranges (any
 * order, may overlap; each inside [8, page_size - 8)): for a change whose writer said which
 * bytes it changes, so no before-image is needed. Writes at most WAL_ENTRY_MAX_HDR + 4 * n +
 * the ranges' total length bytes; returns the bytes written (0 if n is 0). */
size_t wal_entry_encode_ranges(uint64_t pgno, const uint8_t *page, uint32_t page_size,
                               wal_range *ranges, int n, uint8_t *out);

/* One decoded entry; payload points into the record. */
typedef struct wal_entry {
    uint64_t pgno;
    uint8_t kind;
    const uint8_t *payload;
    uint32_t len;
} wal_entry;

/* Reads the entry at *pos of buf[0..n); advances *pos. Returns 0 on success, 1 at the end of
 * the buffer, -1 if the entry is malformed (a corrupt record: the caller reports it). */
int wal_entry_next(const uint8_t *buf, size_t n, size_t *pos, wal_entry *e);

/* Applies an entry to a page of page_size bytes. Returns 0, or -1 if the entry does not fit
 * the page (malformed): the page is then unchanged. */
int wal_entry_apply(const wal_entry *e, uint8_t *page, uint32_t page_size);

#endif
