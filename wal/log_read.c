/*
 * log_read.c — record encoding, verification, and reading the log back.
 *
 * The end of the log is wherever the next record fails to verify: its length is impossible,
 * its LSN is not its position, its type is unknown, or its checksum (XXH3-64 seeded from the
 * database id) does not match. That single rule recognises a torn tail, space left over from
 * before a restart, zeroed preallocated space, and a record copied from another database.
 *
 * Where the scan stops, it looks past the bad record (wal/README.md L6): FLUSH records beyond
 * it can prove that the bad record was in a flush whose fdatasync completed, and then the log
 * is damaged, not torn, and the open fails rather than drop acknowledged records.
 */
#include "wal/log_int.h"

#include <assert.h>
#include <stdio.h>
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
    if (get_u64(p + WR_LSN) != lsn || p[WR_TYPE] == 0 || p[WR_TYPE] > WAL_FLUSH ||
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
    /* A FLUSH record names the start of its flush, which cannot lie after it (L7). */
    bool flush = p[WR_TYPE] == WAL_FLUSH;
    if (flush && ((p[WR_FLAGS] & ~WRF_TXN) != 0 || h.redo_len < WF_MIN_REDO || h.undo_len != 0)) {
        *need = 0;
        return 0;
    }
    *need = len;
    if (avail < len)
        return 0;
    if (flush && (get_u64(p + h.size + WF_START) > lsn ||
                  (p[h.size + WF_FLAGS] & ~WFF_SYNCED) != 0)) {
        *need = 0;
        return 0;
    }
    if (checksum && get_u64(p + hdr_lim) != XXH3_64bits_withSeed(p, hdr_lim, seed)) {
        *need = 0;
        return 0;
    }
    return len;
}

/* R such that varint(R) + R == t, if there is one. */
static bool redo_fits(size_t t, size_t *redo)
{
    for (size_t vr = 1; vr <= 4; vr++) {
        if (t > vr && wal_varint_len(t - vr) == vr) {
            *redo = t - vr;
            return true;
        }
    }
    return false;
}

/* Fixed prefix, epoch, redo and undo lengths, the payload's start and flags, checksum. */
size_t wal_flush_min_len(uint64_t epoch)
{
    return WAL_REC_FIXED + wal_varint_len(epoch) + 1 + 1 + WF_MIN_REDO + WAL_REC_TRAILER;
}

void wal_encode_flush(uint8_t *out, size_t len, uint64_t lsn, uint64_t epoch, uint64_t start,
                      uint8_t flags, uint64_t seed)
{
    /* The redo length R fills the record: len = fixed + epoch + [txn] + varint(R) + 1 + R + 8.
     * R + varint(R) skips a value where varint(R) grows a byte (R = 128: 129 -> 130); an empty
     * transaction-id field (flag 1, one byte 0) fills that gap. */
    size_t fixed = WAL_REC_FIXED + wal_varint_len(epoch) + 1 + WAL_REC_TRAILER;
    assert(len >= wal_flush_min_len(epoch) && start <= lsn);
    size_t txn = 0, redo = 0;
    if (!redo_fits(len - fixed, &redo)) {
        txn = 1;
        bool fits = redo_fits(len - fixed - 1, &redo);
        assert(fits);
        (void)fits;
    }
    assert(redo >= WF_MIN_REDO);
    memset(out, 0, len);
    out[WR_TYPE] = WAL_FLUSH;
    out[WR_FLAGS] = txn ? WRF_TXN : 0;
    put_u64(out + WR_LSN, lsn);
    size_t n = WR_VARINTS;
    n += wal_put_varint(out + n, epoch);
    if (txn)
        out[n++] = 0;
    n += wal_put_varint(out + n, redo);
    out[n++] = 0; /* undo length */
    put_u64(out + n + WF_START, start);
    out[n + WF_FLAGS] = flags;
    n += redo;
    assert(n + WAL_REC_TRAILER == len);
    put_u32(out + WR_LEN, (uint32_t)len);
    put_u64(out + n, XXH3_64bits_withSeed(out, n, seed));
}

static const uint8_t *flush_payload(const uint8_t *p)
{
    rec_hdr h;
    parse_hdr(p, get_u32(p + WR_LEN) - WAL_REC_TRAILER, &h); /* verified: cannot fail */
    return p + h.size;
}

uint64_t wal_flush_start(const uint8_t *p) { return get_u64(flush_payload(p) + WF_START); }
uint8_t wal_flush_flags(const uint8_t *p) { return flush_payload(p)[WF_FLAGS]; }

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

/* ---- telling a torn tail from damage (wal/README.md L6) ---------------------------------- */

/* What the search beyond the place the scan stopped found: how far the log provably was
 * durable, and why. */
typedef struct proof {
    uint64_t reach;      /* every record below this LSN was fdatasync'd once (0: no proof) */
    const char *why;
} proof;

/* FLUSH records met beyond the stop, by epoch: the end of the first one of each epoch. A record
 * of the same epoch beyond that end was written by a later flush of the same session, which
 * began only after that flush (and so everything before it) was synced (L3). */
#define MAX_MARKS 32
typedef struct flush_marks {
    struct { uint64_t epoch, end; } m[MAX_MARKS];
    int n;
} flush_marks;

static void note(proof *pf, uint64_t reach, const char *why)
{
    if (reach > pf->reach) {
        pf->reach = reach;
        pf->why = why;
    }
}

/* Judges one valid record found beyond the stop `x` (L6, proofs P1 and P2; P3 is the
 * header's, judge_end). */
static void judge(const uint8_t *p, uint64_t lsn, size_t len, uint64_t epoch, uint64_t x,
                  flush_marks *fm, proof *pf)
{
    for (int i = 0; i < fm->n; i++)
        if (fm->m[i].epoch == epoch && fm->m[i].end <= lsn)
            note(pf, fm->m[i].end, "records follow a synced flush that ended there");
    if (p[WR_TYPE] != WAL_FLUSH || !(wal_flush_flags(p) & WFF_SYNCED))
        return;
    if (wal_flush_start(p) > x)
        note(pf, wal_flush_start(p), "a later flush began there after everything before it was "
                                     "synced");
    for (int i = 0; i < fm->n; i++)
        if (fm->m[i].epoch == epoch)
            return;
    if (fm->n < MAX_MARKS) {
        fm->m[fm->n].epoch = epoch;
        fm->m[fm->n].end = lsn + len;
        fm->n++;
    }
}

/* Searches the file from LSN x + 1 to its end for valid records of this generation (LSN equal
 * to their position) whose epoch lies in [min_epoch, the header's], and judges them. Cheap: a
 * position is looked at further only when its LSN field equals its LSN, which zeros,
 * left-over bytes of an older generation and the inside of records almost never do. */
static int search_beyond(wal *w, uint64_t x, uint64_t min_epoch, proof *pf)
{
    uint64_t size = 0;
    int rc = os_size(w->file, &size);
    if (rc != ST_OK || size <= wal_offset(w, x) + 1)
        return rc;
    uint64_t lim = w->base + (size - WAL_HDR_SIZE); /* LSN at the end of the file */
    uint8_t *buf = malloc(READ_CHUNK), *rec = NULL;
    size_t rec_cap = 0;
    if (buf == NULL)
        return st_set(ST_ENOMEM, "out of memory checking log %s", w->path);
    flush_marks fm = {.n = 0};
    uint64_t buf_lsn = 0;
    size_t buf_len = 0;
    for (uint64_t lsn = x + 1; rc == ST_OK && lsn + WAL_REC_FIXED <= lim;) {
        if (buf_len == 0 || lsn < buf_lsn || lsn + WAL_REC_FIXED > buf_lsn + buf_len) {
            rc = os_read(w->file, buf, READ_CHUNK, wal_offset(w, lsn), &buf_len);
            buf_lsn = lsn;
            if (rc != ST_OK || buf_len < WAL_REC_FIXED)
                break;
        }
        const uint8_t *p = buf + (lsn - buf_lsn);
        if (get_u64(p + WR_LSN) != lsn) {
            lsn++;
            continue;
        }
        size_t avail = (size_t)(buf_lsn + buf_len - lsn), need = 0;
        size_t n = wal_verify(p, avail, lsn, w->seed, &need);
        while (n == 0 && need > avail && need <= lim - lsn) {
            /* Longer than what is buffered (the header window, then the whole record). */
            if (need > rec_cap) {
                uint8_t *r2 = realloc(rec, need);
                if (r2 == NULL) {
                    rc = st_set(ST_ENOMEM, "out of memory checking log %s", w->path);
                    break;
                }
                rec = r2;
                rec_cap = need;
            }
            size_t want = need;
            rc = os_read(w->file, rec, want, wal_offset(w, lsn), &avail);
            if (rc != ST_OK || avail < want)
                break;
            p = rec;
            n = wal_verify(p, avail, lsn, w->seed, &need);
        }
        if (rc != ST_OK)
            break;
        uint64_t e = n > 0 ? wal_rec_epoch(p) : 0;
        if (n == 0 || e < min_epoch || e > w->epoch) {
            lsn++;
            continue;
        }
        judge(p, lsn, n, e, x, &fm, pf);
        lsn += n; /* a valid record: nothing inside it is another record */
    }
    free(buf);
    free(rec);
    return rc;
}

/* The scan stopped at `x` (after records whose last had epoch `epoch_before`): a torn tail, or
 * damage? ST_ECORRUPT, naming the log, the LSN and how far the log provably reached, when
 * records at or beyond x were durable (L6); ST_OK when only a never-acknowledged tail ends
 * there. */
static int judge_end(wal *w, uint64_t x, uint64_t epoch_before, uint64_t durable_mark)
{
    proof pf = {0, NULL};
    if (durable_mark > x)
        note(&pf, durable_mark, "the log header records it durable to there");
    if (w->ckpt != 0 && w->ckpt >= x)
        note(&pf, w->ckpt + 1, "the log header's checkpoint record is there");
    int rc = search_beyond(w, x, epoch_before, &pf);
    if (rc != ST_OK || pf.reach == 0)
        return rc;
    return st_set(ST_ECORRUPT, "log %s is damaged at LSN %llu: the record there does not "
                  "verify, yet the log was durable at least to LSN %llu (%s), so the records "
                  "after the damage held acknowledged work and recovery cannot end the log "
                  "there. Nothing was changed. Restore the database and its log from a backup; "
                  "the database must not be opened without this log",
                  w->path, (unsigned long long)x, (unsigned long long)pf.reach, pf.why);
}

int wal_scan_end(wal *w, uint64_t durable_mark, uint64_t *end)
{
    wal_reader *r = NULL;
    int rc = reader_new(w, w->base, w->base, UINT64_MAX, &r);
    if (rc != ST_OK)
        return rc;
    const uint8_t *p;
    size_t len;
    while ((rc = next_raw(r, &p, &len)) == ST_OK)
        r->lsn += len;
    if (rc == ST_ENOTFOUND)
        rc = judge_end(w, r->lsn, r->epoch, durable_mark);
    if (rc == ST_OK) {
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
    int rc;
    /* FLUSH records are the log's own (L7): skipped. */
    while ((rc = next_raw(r, &p, &len)) == ST_OK && p[WR_TYPE] == WAL_FLUSH)
        r->lsn += len;
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
