/*
 * log_read.c — record encoding, verification, and reading the log back.
 *
 * The end of the log is wherever the next record fails to verify: its length is impossible,
 * its LSN is not its position, its type is unknown, or its checksum (XXH3-64 seeded from the
 * database id) does not match. That single rule recognises a torn tail, space left over from
 * before a restart, zeroed preallocated space, and a record copied from another database.
 */
#include "wal/log_int.h"

#include <stdlib.h>
#include <string.h>

#define READ_CHUNK (1u << 20)

void wal_encode(const wal_rec *rec, uint64_t seed, uint64_t epoch, uint8_t *out, size_t len)
{
    memset(out, 0, WAL_REC_HDR);
    put_u32(out + WR_LEN, (uint32_t)len);
    out[WR_TYPE] = rec->type;
    put_u64(out + WR_LSN, rec->lsn);
    put_u64(out + WR_TXN, rec->txn);
    put_u64(out + WR_PREV, rec->prev_lsn);
    put_u64(out + WR_PGNO, rec->pgno);
    put_u64(out + WR_ROOT, rec->root);
    put_u64(out + WR_UNDO_NEXT, rec->undo_next);
    put_u32(out + WR_REDO_LEN, rec->redo_len);
    put_u32(out + WR_UNDO_LEN, rec->undo_len);
    put_u64(out + WR_EPOCH, epoch);
    uint8_t *p = out + WAL_REC_HDR;
    if (rec->redo_len)
        memcpy(p, rec->redo, rec->redo_len);
    p += rec->redo_len;
    if (rec->undo_len)
        memcpy(p, rec->undo, rec->undo_len);
    p += rec->undo_len;
    memset(p, 0, (size_t)(out + len - WAL_REC_TRAILER - p)); /* padding */
    put_u64(out + len - WAL_REC_TRAILER, XXH3_64bits_withSeed(out, len - WAL_REC_TRAILER, seed));
}

size_t wal_verify(const uint8_t *p, size_t avail, uint64_t lsn, uint64_t seed, size_t *need)
{
    *need = WAL_REC_HDR;
    if (avail < WAL_REC_HDR)
        return 0;
    uint32_t len = get_u32(p + WR_LEN);
    uint32_t redo = get_u32(p + WR_REDO_LEN), undo = get_u32(p + WR_UNDO_LEN);
    if (get_u64(p + WR_LSN) != lsn || p[WR_TYPE] == 0 || p[WR_TYPE] > WAL_TYPE_MAX ||
        (uint64_t)redo + undo > WAL_MAX_REC || len != wal_rec_size(redo, undo)) {
        *need = 0;
        return 0;
    }
    *need = len;
    if (avail < len)
        return 0;
    if (get_u64(p + len - WAL_REC_TRAILER) != XXH3_64bits_withSeed(p, len - WAL_REC_TRAILER, seed)) {
        *need = 0;
        return 0;
    }
    return len;
}

void wal_decode(const uint8_t *p, wal_rec *rec)
{
    rec->type = p[WR_TYPE];
    rec->lsn = get_u64(p + WR_LSN);
    rec->txn = get_u64(p + WR_TXN);
    rec->prev_lsn = get_u64(p + WR_PREV);
    rec->pgno = get_u64(p + WR_PGNO);
    rec->root = get_u64(p + WR_ROOT);
    rec->undo_next = get_u64(p + WR_UNDO_NEXT);
    rec->redo_len = get_u32(p + WR_REDO_LEN);
    rec->undo_len = get_u32(p + WR_UNDO_LEN);
    rec->redo = p + WAL_REC_HDR;
    rec->undo = p + WAL_REC_HDR + rec->redo_len;
}

/* ---- a buffered sequential reader over the file ------------------------------------------ */

struct wal_reader {
    wal *w;
    os_file *file;
    uint64_t seed, base;
    uint64_t limit;  /* stop before this LSN (UINT64_MAX: until a record fails) */
    uint64_t lsn;    /* next record to return */
    uint64_t epoch;  /* epoch of the last record returned: the next may not be older */
    uint64_t max_epoch;
    uint8_t *buf;    /* holds the stream from buf_lsn, buf_len bytes */
    size_t buf_len, cap;
    uint64_t buf_lsn;
};

/* Makes at least `n` bytes from r->lsn available in the buffer (fewer at end of file). */
static int fill(wal_reader *r, size_t n)
{
    size_t have = r->buf_lsn <= r->lsn && r->lsn < r->buf_lsn + r->buf_len
                      ? (size_t)(r->buf_lsn + r->buf_len - r->lsn) : 0;
    if (have >= n)
        return ST_OK;
    size_t want = n > READ_CHUNK ? n : READ_CHUNK;
    if (want > r->cap) {
        uint8_t *b = realloc(r->buf, want);
        if (b == NULL)
            return st_set(ST_ENOMEM, "out of memory reading the log");
        r->buf = b;
        r->cap = want;
    }
    size_t got = 0;
    int rc = os_read(r->file, r->buf, want, WAL_HDR_SIZE + (r->lsn - r->base), &got);
    if (rc != ST_OK)
        return rc;
    r->buf_lsn = r->lsn;
    r->buf_len = got;
    return ST_OK;
}

/* Next valid record at r->lsn: ST_OK with *p pointing at it, or ST_ENOTFOUND at the end. */
static int next_raw(wal_reader *r, const uint8_t **p, size_t *len)
{
    if (r->lsn >= r->limit)
        return ST_ENOTFOUND;
    size_t need = WAL_REC_HDR;
    for (;;) {
        int rc = fill(r, need);
        if (rc != ST_OK)
            return rc;
        size_t avail = r->buf_lsn + r->buf_len > r->lsn ? (size_t)(r->buf_lsn + r->buf_len - r->lsn) : 0;
        if (avail < need)
            return ST_ENOTFOUND; /* the file ends inside the record: a torn tail */
        const uint8_t *q = r->buf + (r->lsn - r->buf_lsn);
        size_t more = 0;
        size_t n = wal_verify(q, avail, r->lsn, r->seed, &more);
        if (n > 0) {
            uint64_t e = wal_rec_epoch(q);
            if (e < r->epoch || e > r->max_epoch)
                return ST_ENOTFOUND; /* left over from before a crash: the end of the log */
            r->epoch = e;
            *p = q;
            *len = n;
            return ST_OK;
        }
        if (more == 0 || more <= avail)
            return ST_ENOTFOUND; /* not a valid record here: the end of the log */
        need = more;
    }
}

static int reader_new(wal *w, uint64_t base, uint64_t from, uint64_t limit, wal_reader **out)
{
    wal_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return st_set(ST_ENOMEM, "out of memory reading the log");
    r->w = w;
    r->file = w->file;
    r->seed = w->seed;
    r->base = base;
    r->lsn = from < base ? base : from;
    r->max_epoch = w->epoch;
    r->limit = limit;
    *out = r;
    return ST_OK;
}

int wal_scan_end(wal *w, uint64_t *end)
{
    wal_reader *r = NULL;
    int rc = reader_new(w, w->base, w->base, UINT64_MAX, &r);
    if (rc != ST_OK)
        return rc;
    const uint8_t *p;
    size_t len;
    while ((rc = next_raw(r, &p, &len)) == ST_OK)
        r->lsn += len;
    if (rc == ST_ENOTFOUND) {
        rc = ST_OK;
        *end = r->lsn;
    }
    wal_reader_close(r);
    return rc;
}

int wal_reader_open(wal *w, uint64_t from_lsn, wal_reader **out)
{
    pthread_mutex_lock(&w->mu);
    uint64_t base = w->base, durable = w->durable_lsn;
    pthread_mutex_unlock(&w->mu);
    if (from_lsn != 0 && from_lsn < base)
        return st_set(ST_EINVAL, "log %s: LSN %llu is older than the log's base %llu", w->path,
                      (unsigned long long)from_lsn, (unsigned long long)base);
    return reader_new(w, base, from_lsn ? from_lsn : base, durable, out);
}

int wal_next(wal_reader *r, wal_rec *rec)
{
    const uint8_t *p;
    size_t len;
    int rc = next_raw(r, &p, &len);
    if (rc == ST_ENOTFOUND)
        return ST_ENOTFOUND; /* quietly: the end is not an error */
    if (rc != ST_OK)
        return rc;
    wal_decode(p, rec);
    r->lsn += len;
    return ST_OK;
}

void wal_reader_close(wal_reader *r)
{
    if (r == NULL)
        return;
    free(r->buf);
    free(r);
}
