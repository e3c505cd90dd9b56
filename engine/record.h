/*
 * record.h — the on-disk encoding of rows and of index keys.
 *
 * Row record (the value stored in a table tree; the key is the row id):
 *   varint ncols, then per column a tag byte and its data:
 *     0x00 NULL | 0x01 INTEGER zigzag-varint | 0x02 TEXT varint length, bytes |
 *     0x03 FALSE | 0x04 TRUE | 0x05 the row id (an INTEGER PRIMARY KEY column: its value is
 *     the tree key and is not stored twice) | 0x06 FLOAT 8 bytes, IEEE 754 binary64
 *     little-endian (REAL and DOUBLE PRECISION alike; a real is a double holding a float) |
 *     0x07 BYTEA varint length, bytes | 0x08 UUID 16 bytes (RFC 4122 byte order) |
 *     0x20 + vt (0x28..0x2F) a module type's value (engine/types.h, ty_ops): rec_put's bytes
 *   smallint, integer and bigint are all tag 0x01: the declared width is checked on store.
 *   Varints are LEB128 (7 bits per byte, low first, at most 10 bytes). A record with fewer
 *   columns than the table has (none yet: there is no ALTER TABLE) reads the missing ones as
 *   NULL.
 *
 * Index key (memcmp order equals SQL order, NULL after every value as PostgreSQL's NULLS LAST):
 *   per column: 0x01 then the value, or 0x02 for NULL:
 *     INTEGER  8 bytes big-endian with the sign bit flipped (every width)
 *     FLOAT    8 bytes big-endian: the binary64 bits with -0 as +0 and any NaN as
 *              0x7FF8000000000000, then, for a sign bit 0, the sign bit set, for a sign bit 1,
 *              every bit flipped (-Infinity < negatives < 0 < positives < Infinity < NaN)
 *     BOOLEAN  1 byte 0/1
 *     TEXT     the bytes with 0x00 written 0x00 0xFF, then terminator 0x00 0x00
 *     BYTEA    as TEXT (bytewise order, a proper prefix first, as PostgreSQL's byteacmp)
 *     UUID     the 16 bytes (memcmp order is PostgreSQL's uuid_cmp order)
 *     module   key_put's bytes (engine/types.h, ty_ops: memcmp order = the type's order)
 *   then, for a non-unique index (or a unique index entry containing a NULL, since NULLs are
 *   distinct), the row id as 8 bytes big-endian with the sign bit flipped, which makes the
 *   key unique. A unique index entry without NULLs stores the row id as its value (8 bytes
 *   little-endian).
 *
 * Every decoder checks every length against the buffer it reads (lengths come from disk) and
 * reports 0 on success, -1 on a malformed record.
 */
#ifndef ACIDB_RECORD_H
#define ACIDB_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/value.h"

/* Encodes ncols values into a malloc'd buffer (*out, caller frees). `rowid_col` is the index of
 * the INTEGER PRIMARY KEY column stored as tag 0x05, or -1. Returns 0, or -1 out of memory. */
int rec_encode(const value *vals, int ncols, int rowid_col, uint8_t **out, size_t *len);
/* Decodes into vals[0..ncols): TEXT values point into buf (which must outlive them; they are
 * NOT NUL-terminated — use len). Column `rowid_col` tag 0x05 becomes val_int(rowid). Extra
 * stored columns beyond ncols are ignored; missing ones are NULL. -1 if malformed. */
int rec_decode(const uint8_t *buf, size_t len, int64_t rowid, value *vals, int ncols);

/* Appends the index-key encoding of one value to a growable buffer. */
typedef struct rec_buf {
    uint8_t *p;
    size_t len, cap;
    int oom;            /* set when an append failed; the buffer is then unusable */
} rec_buf;
void rec_buf_free(rec_buf *b);
void rec_key_value(rec_buf *b, const value *v);
void rec_key_rowid(rec_buf *b, int64_t rowid);
/* Decodes the rowid suffix of a non-unique index key (its last 8 bytes). */
int64_t rec_key_get_rowid(const uint8_t *key, size_t len);
/* Decodes one column value from an index key at *off (advancing it); TEXT is unescaped into
 * the arena. The key does not record types: the caller sets out->type to the column's VT_*
 * before the call. -1 if malformed. */
int rec_key_decode_value(const uint8_t *key, size_t len, size_t *off, arena *a, value *out);

#endif
