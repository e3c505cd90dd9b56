/*
 * varint.h — unsigned LEB128 integers, the variable-length fields of log records and of their
 * page entries (wal/README.md, "Log file format"): 7 bits per byte, low bits first, the high
 * bit set on every byte but the last; at most 10 bytes for 64 bits.
 */
#ifndef ACIDB_WAL_VARINT_H
#define ACIDB_WAL_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define WAL_VARINT_MAX 10u

/* Writes v at p (room for WAL_VARINT_MAX bytes); returns the bytes written. */
static inline size_t wal_put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* The bytes wal_put_varint writes for v. */
static inline size_t wal_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Reads a varint from p[*at .. lim) and advances *at; 0 if it runs past lim or does not fit
 * 64 bits (a damaged record), 1 on success. */
static inline int wal_get_varint(const uint8_t *p, size_t lim, size_t *at, uint64_t *v)
{
    if (*at < lim && p[*at] < 0x80) { /* one byte: most fields of most records */
        *v = p[(*at)++];
        return 1;
    }
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 70 && *at < lim; shift += 7) {
        uint8_t b = p[(*at)++];
        if (shift == 63 && b > 1)
            return 0;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 1;
        }
    }
    return 0;
}

#endif
