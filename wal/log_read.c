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

#include "wal/varint.h"

#define READ_CHUNK (1u << 20)

/* ---- records ------------------------------------------------------------------------------ */

/* The header of a record as stored: the varint fields decoded, and where the payload starts. */
typedef struct rec_hdr {
    uint64_t epoch, txn, prev, pgno, root, undo_next, redo_len, undo_len;
    size_t size; /* bytes of header: the redo payload starts here */
} rec_hdr;

/* Decodes the varints of the record at p, which end before `lim`; 0 if malformed. A back
 * pointer (prev, undo-next) is stored as its distance below the record's LSN. */
static int parse_hdr(const uint8_t *p, size_t lim, rec_hdr *h)
{
    uint8_t flags = p[WR_FLAGS];
    uint64_t lsn = get_u64(p + WR_LSN);
    size_t at = WR_VARINTS;
    *h = (rec_hdr){0};
    if (flags & ~WRF_ALL)
        return 0;
    if (!wal_get_varint(p, lim, &at, &h->epoch))
        return 0;
    if ((flags & WRF_TXN) && !wal_get_varint(p, lim, &at, &h->txn))
        return 0;
    if ((flags & WRF_PREV) &&
        (!wal_get_varint(p, lim, &at, &h->prev) || h->prev == 0 || h->prev > lsn))
        return 0;
    if ((flags & WRF_PGNO) && !wal_get_varint(p, lim, &at, &h->pgno))
        return 0;
    if ((flags & WRF_ROOT) && !wal_get_varint(p, lim, &at, &h->root))
        return 0;
    if ((flags & WRF_UNDO_NEXT) &&
        (!wal_get_varint(p, lim, &at, &h->undo_next) || h->undo_next == 0 || h->undo_next > lsn))
        return 0;
    if (!wal_get_varint(p, lim, &at, &h->redo_len) ||
        !wal_get_varint(p, lim, &at, &h->undo_len))
        return 0;
    if (h->prev)
        h->prev = lsn - h->prev;
    if (h->undo_next)
        h->undo_next = lsn - h->undo_next;
    h->size = at;
    return 1;
}

size_t wal_encode(const wal_rec *rec, uint64_t seed, uint64_t epoch, uint8_t *out)
{
    uint8_t flags = (rec->txn ? WRF_TXN : 0) | (rec->prev_lsn ? WRF_PREV : 0) |
                    (rec->pgno ? WRF_PGNO : 0) | (rec->root ? WRF_ROOT : 0) |
                    (rec->undo_next ? WRF_UNDO_NEXT : 0);
    out[WR_TYPE] = rec->type;
    out[WR_FLAGS] = flags;
    put_u64(out + WR_LSN, rec->lsn);
    size_t n = WR_VARINTS;
    n += wal_put_varint(out + n, epoch);
    if (rec->txn)
        n += wal_put_varint(out + n, rec->txn);
    if (rec->prev_lsn)
        n += wal_put_varint(out + n, rec->lsn - rec->prev_lsn);
    if (rec->pgno)
        n += wal_put_varint(out + n, rec->pgno);
    if (rec->root)
        n += wal_put_varint(out + n, rec->root);
    if (rec->undo_next)
        n += wal_put_varint(out + n, rec->lsn - rec->undo_next);
    n += wal_put_varint(out + n, rec->redo_len);
    n += wal_put_varint(out + n, rec->undo_len);
    if (rec->redo_len)
        memcpy(out + n, rec->redo, rec->redo_len);
    n += rec->redo_len;
    if (rec->undo_len)
        memcpy(out + n, rec->undo, rec->undo_len);
    n += rec->undo_len;
    size_t len = n + WAL_REC_TRAILER;
    put_u32(out + WR_LEN, (uint32_t)len);
    put_u64(out + n, XXH3_64bits_withSeed(out, n, seed));
    return len;
}

size_t wal_verify(const uint8_t *p, size_t avail, uint64_t lsn, uint64_t seed, size_t *need)
{
    return wal_verify_as(p, avail, lsn, seed, true, need);
}

size_t wal_verify_as(const uint8_t *p, size_t avail, uint64_t lsn, uint64_t seed, bool checksum,
                     size_t *need)
{
    *need = WAL_REC_FIXED;
    if (avail < WAL_REC_FIXED)
        return 0;
    uint32_t len = get_u32(p + WR_LEN);
    if (get_u64(p + WR_LSN) != lsn || p[WR_TYPE] == 0 || p[WR_TYPE] > WAL_TYPE_MAX ||
        len < WAL_REC_MIN || len > WAL_REC_MAX_HDR + WAL_MAX_REC + WAL_REC_TRAILER) {
        *need = 0;
        return 0;
    }
    /* The header decides the length before the whole record is read: garbage that merely
     * starts with a plausible length is refused without reading that much. */
    size_t hdr_lim = len - WAL_REC_TRAILER;
    size_t want = hdr_lim < WAL_REC_MAX_HDR ? hdr_lim : WAL_REC_MAX_HDR;
    if (avail < want) {
        *need = want;
        return 0;
    }
    rec_hdr h;
    /* Each length alone first: two huge varints could wrap their sum to a small number. */
    if (!parse_hdr(p, want, &h) || h.redo_len > WAL_MAX_REC || h.undo_len > WAL_MAX_REC ||
        h.redo_len + h.undo_len > WAL_MAX_REC ||
        h.size + h.redo_len + h.undo_len + WAL_REC_TRAILER != len) {
        *need = 0;
        return 0;
    }
    *need = len;
    if (avail < len)
        return 0;
    if (checksum && get_u64(p + hdr_lim) != XXH3_64bits_withSeed(p, hdr_lim, seed)) {
        *need = 0;
        return 0;
    }
    return len;
}

void wal_decode(const uint8_t *p, wal_rec *rec)
{
    rec_hdr h;
    parse_hdr(p, get_u32(p + WR_LEN) - WAL_REC_TRAILER, &h); /* verified: cannot fail */
    rec->type = p[WR_TYPE];
    rec->lsn = get_u64(p + WR_LSN);
    rec->txn = h.txn;
    rec->prev_lsn = h.prev;
    rec->pgno = h.pgno;
    rec->root = h.root;
    rec->undo_next = h.undo_next;
    rec->redo_len = (uint32_t)h.redo_len;
    rec->undo_len = (uint32_t)h.undo_len;
    rec->redo = p + h.size;
    rec->undo = p + h.size + rec->redo_len;
}

uint64_t wal_rec_epoch(const uint8_t *p)
{
    size_t at = WR_VARINTS;
    uint64_t e = 0;
    wal_get_varint(p, get_u32(p + WR_LEN), &at, &e);
    return e;
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
    size_t need = WAL_REC_FIXED;
    for (;;) {
        int rc = fill(r, need);
        if (rc != ST_OK)
            return rc;
        size_t avail = r->buf_lsn + r->buf_len > r->lsn ? (size_t)(r->buf_lsn + r->buf_len - r->lsn) : 0;
        if (avail < need)
            return ST_ENOTFOUND; /* the file ends inside the record: a torn tail */
        const uint8_t *q = r->buf + (r->lsn - r->buf_lsn);
        size_t more = 0;
        /* Records below verified_end passed the checksum when the open scanned for the end
         * (the file is ours alone since): recovery's two passes do not hash them again. */
        bool sum = r->lsn >= r->w->verified_end;
        size_t n = wal_verify_as(q, avail, r->lsn, r->seed, sum, &more);
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
        w->verified_end = r->lsn;
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
