/*
 * log.c — the log file: header, appending, group commit, restart, close (see log.h).
 *
 * Layout (wal/README.md, "Log file format"): two header blocks (a copy in each), then the record
 * stream from base_lsn at file offset WAL_HDR_SIZE. Appends go to an in-memory buffer under
 * `mu`; a flush leader ends the batch with a FLUSH record (padding it to the next block
 * boundary unless the device has powersafe overwrite: rule L7), swaps that buffer for the spare
 * one, drops the mutex, writes and syncs, and publishes the new durable LSN. Only one flush is
 * in flight at a time (`flushing`), so writes to the file happen in LSN order and the durable
 * LSN only grows (L3) — which is what lets the open tell a torn tail from damage (L6,
 * log_read.c).
 */
#include "wal/log_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APPEND_FLUSH_AT (4u << 20) /* wal_flush_if_big flushes a buffer this big */
#define FLUSH_MAX (2u * WAL_BLOCK)  /* a FLUSH record is shorter than this (flush_rec_len) */
#define ZERO_CHUNK (1u << 20)

uint64_t wal_seed(const uint8_t db_id[16]) { return XXH3_64bits(db_id, 16); }

/* ---- header ------------------------------------------------------------------------------ */

/* The header is two 256-byte slots, one at the start of each of the first two blocks
 * (wal/README.md, "Log file format"; L7: a write garbling its whole block spares the other).
 * A restart writes the slot that does not hold the current header, with the next sequence
 * number, so a torn header write can only damage the older copy: open picks the valid slot
 * with the highest sequence. */
typedef struct wal_slot {
    uint8_t db_id[16];
    uint64_t base, seq, epoch, ckpt, generation, durable;
    uint32_t page_size, pad;
} wal_slot;

static void build_slot(uint8_t *h, const wal_slot *s)
{
    memset(h, 0, WAL_SLOT_SIZE);
    memcpy(h + WH_MAGIC, WAL_MAGIC, 16);
    put_u32(h + WH_VERSION, WAL_FORMAT_VERSION);
    put_u32(h + WH_HDR_SIZE, WAL_HDR_SIZE);
    memcpy(h + WH_DB_ID, s->db_id, 16);
    put_u64(h + WH_BASE, s->base);
    put_u64(h + WH_SEQ, s->seq);
    put_u64(h + WH_EPOCH, s->epoch);
    put_u64(h + WH_CKPT, s->ckpt);
    put_u64(h + WH_GEN, s->generation);
    put_u32(h + WH_PAGE_SIZE, s->page_size);
    put_u32(h + WH_PAD, s->pad);
    put_u64(h + WH_DURABLE, s->durable);
    put_u64(h + WAL_SLOT_SIZE - 8, XXH3_64bits(h, WAL_SLOT_SIZE - 8));
}

/* The header the handle describes, with base, seq and checkpoint as given. Its durable mark is
 * what has been fdatasync'd (never ahead of it: L6 refuses a log that ends before the mark). */
static wal_slot slot_of(const wal *w, uint64_t base, uint64_t seq, uint64_t ckpt)
{
    wal_slot s = {.base = base, .seq = seq, .epoch = w->epoch, .ckpt = ckpt,
                  .generation = w->generation, .page_size = w->page_size,
                  .pad = w->pad ? WAL_BLOCK : 0,
                  .durable = w->synced_lsn > base ? w->synced_lsn : base};
    memcpy(s.db_id, w->db_id, 16);
    return s;
}

static int write_header(wal *w, uint64_t base, uint64_t seq)
{
    uint8_t h[WAL_SLOT_SIZE];
    wal_slot s = slot_of(w, base, seq, base > w->ckpt ? 0 : w->ckpt);
    build_slot(h, &s);
    /* L7: each copy alone in its block, so a write garbling its whole block spares the other. */
    int rc = os_write(w->file, h, sizeof h, (seq % 2) * WAL_BLOCK);
    if (rc == ST_OK && w->durable)
        rc = os_sync(w->file);
    /* A synced header's durable mark proves what lies below it (L6, P3). */
    if (rc == ST_OK && w->durable && s.durable > w->proven_lsn)
        w->proven_lsn = s.durable;
    return rc;
}

/* The whole header area of a new file: the copy for `s->seq`, and zeros (the other copy, the
 * rest of both blocks), so the file's size is block-aligned from the start. */
static int write_header_area(os_file *f, const wal_slot *s)
{
    uint8_t *area = calloc(1, WAL_HDR_SIZE);
    if (area == NULL)
        return st_set(ST_ENOMEM, "out of memory writing a log header");
    build_slot(area + (s->seq % 2) * WAL_BLOCK, s);
    int rc = os_write(f, area, WAL_HDR_SIZE, 0);
    free(area);
    return rc;
}

/* Validates one slot of the log at `path`: returns 1 if usable (and fills *s), 0 if not, or an
 * error code through *rc for a version this build does not read. The database id is the
 * caller's to check. */
static int parse_slot(const char *path, const uint8_t *h, wal_slot *s, int *rc)
{
    if (memcmp(h + WH_MAGIC, WAL_MAGIC, 16) != 0)
        return 0;
    if (get_u64(h + WAL_SLOT_SIZE - 8) != XXH3_64bits(h, WAL_SLOT_SIZE - 8))
        return 0;
    uint32_t version = get_u32(h + WH_VERSION);
    if (version == 0 || get_u32(h + WH_HDR_SIZE) != WAL_HDR_SIZE)
        return 0;
    if (version != WAL_FORMAT_VERSION) {
        /* Older logs are refused too: their records would not verify, and reading them as the
         * end of the log would silently drop what they hold. */
        *rc = st_set(ST_EVERSION, "log %s has format version %u; this build reads only version "
                     "%u (%s)", path, version, WAL_FORMAT_VERSION,
                     version > WAL_FORMAT_VERSION ? "written by a newer acidb"
                     : "left by an older acidb: open and close the database with that build "
                       "first, which replays and removes the log");
        return 0;
    }
    memcpy(s->db_id, h + WH_DB_ID, 16);
    s->base = get_u64(h + WH_BASE);
    s->seq = get_u64(h + WH_SEQ);
    s->epoch = get_u64(h + WH_EPOCH);
    s->ckpt = get_u64(h + WH_CKPT);
    s->generation = get_u64(h + WH_GEN);
    s->page_size = get_u32(h + WH_PAGE_SIZE);
    s->pad = get_u32(h + WH_PAD);
    s->durable = get_u64(h + WH_DURABLE);
    return s->base >= WAL_HDR_SIZE && s->seq > 0 && s->epoch > 0 &&
           (s->pad == 0 || s->pad == WAL_BLOCK);
}

/* A slot that is not all zeros yet does not verify: a header copy was damaged (or torn). */
static bool slot_damaged(const uint8_t *h)
{
    for (size_t i = 0; i < WAL_SLOT_SIZE; i++)
        if (h[i] != 0)
            return true;
    return false;
}

/* Reads both header copies of `f` into *cur, the current one. *damaged: the
 * other copy is neither valid nor blank. */
static int read_slots(const char *path, os_file *f, wal_slot *cur, bool *damaged)
{
    uint8_t h[WAL_HDR_SIZE];
    size_t got = 0;
    int rc = os_read(f, h, sizeof h, 0, &got); /* bytes past the end read as zeros */
    if (rc != ST_OK)
        return rc;
    if (memcmp(h + WH_MAGIC, WAL_MAGIC, 16) != 0 &&
        memcmp(h + WAL_BLOCK + WH_MAGIC, WAL_MAGIC, 16) != 0)
        return st_set(ST_ENOTDB, "%s is not an acidb log file", path);
    wal_slot s[2];
    memset(s, 0, sizeof s);
    int ok[2];
    for (int i = 0; i < 2; i++) {
        ok[i] = parse_slot(path, h + i * WAL_BLOCK, &s[i], &rc);
        if (rc != ST_OK)
            return rc;
    }
    if (!ok[0] && !ok[1])
        return st_set(ST_ECORRUPT, "log %s: both header copies are damaged", path);
    int best = ok[0] && ok[1] ? (s[1].seq > s[0].seq) : ok[1];
    *damaged = !ok[1 - best] && slot_damaged(h + (1 - best) * WAL_BLOCK);
    *cur = s[best];
    return ST_OK;
}

static int read_header(wal *w, const uint8_t db_id[16], wal_slot *hdr, bool *damaged)
{
    wal_slot s;
    int rc = read_slots(w->path, w->file, &s, damaged);
    if (rc != ST_OK)
        return rc;
    /* Both copies are of one log: the current one decides whose it is. */
    if (memcmp(s.db_id, db_id, 16) != 0)
        return st_set(ST_ENOTDB, "log file %s belongs to another database (its database id "
                      "differs from the database file's)", w->path);
    w->base = s.base;
    w->seq = s.seq;
    w->epoch = s.epoch;
    w->ckpt = s.ckpt;
    w->generation = s.generation;
    w->page_size = s.page_size;
    *hdr = s;
    return ST_OK;
}

int wal_peek(os_vfs *vfs, const char *db_path, wal_peek_info *out)
{
    if (vfs == NULL)
        vfs = os_posix();
    size_t plen = strlen(db_path) + 5;
    char *path = malloc(plen);
    if (path == NULL)
        return st_set(ST_ENOMEM, "out of memory reading the log of %s", db_path);
    snprintf(path, plen, "%s-wal", db_path);
    int exists = 0;
    int rc = vfs->exists(vfs, path, &exists);
    if (rc == ST_OK && !exists)
        rc = st_set(ST_ENOTFOUND, "log %s does not exist", path);
    os_file *f = NULL;
    if (rc == ST_OK)
        rc = vfs->open(vfs, path, OS_OPEN_READONLY, &f);
    wal_slot s;
    bool damaged = false;
    if (rc == ST_OK)
        rc = read_slots(path, f, &s, &damaged);
    if (rc == ST_ENOTDB)
        rc = st_set(ST_ECORRUPT, "log %s: neither header copy is a valid acidb log header",
                    path);
    if (rc == ST_OK) {
        memcpy(out->db_id, s.db_id, 16);
        out->generation = s.generation;
        out->base_lsn = s.base;
        out->checkpoint_lsn = s.ckpt;
        out->epoch = s.epoch;
        out->page_size = s.page_size;
    }
    if (f != NULL)
        os_close(f);
    free(path);
    return rc;
}

/* ---- open / close ------------------------------------------------------------------------ */

/* Overwrites [from, to) of the file with zeros (preallocation). */
static int zero_range(wal *w, uint64_t from, uint64_t to)
{
    if (from >= to)
        return ST_OK;
    uint8_t *z = calloc(1, ZERO_CHUNK);
    if (z == NULL)
        return st_set(ST_ENOMEM, "out of memory zeroing the log tail");
    int rc = ST_OK;
    for (uint64_t off = from; off < to && rc == ST_OK;) {
        size_t n = to - off < ZERO_CHUNK ? (size_t)(to - off) : ZERO_CHUNK;
        rc = os_write(w->file, z, n, off);
        off += n;
    }
    free(z);
    return rc;
}

static void wal_free(wal *w)
{
    if (w == NULL)
        return;
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_rwlock_destroy(&w->file_lock);
    free(w->buf.data);
    free(w->spare.data);
    free(w->path);
    free(w);
}

/* After `<db>-wal.tmp` was renamed to `<db>-wal`: replaces the handle `*f` opened under the
 * temporary name by one opened under the final name (the same file, the rename is done), so
 * every later error names the file that exists (the OS layer names a file by the path it was
 * opened with). */
static int reopen_by_name(wal *w, os_file **f)
{
    os_file *nf = NULL;
    int rc = w->vfs->open(w->vfs, w->path, 0, &nf);
    if (rc != ST_OK)
        return rc;
    os_close(*f);
    *f = nf;
    return ST_OK;
}

/* A new log, made whole before it gets its name (wal/README.md L5): `-wal.tmp` is created,
 * its header written and synced, then renamed to `-wal` and the directory synced. A crash
 * leaves no log (a fresh one is made next time) or a complete one, never a half-made one. */
static int create_log(wal *w, uint64_t start_lsn, uint64_t generation, uint32_t page_size)
{
    size_t n = strlen(w->path) + 5;
    char *tmp = malloc(n);
    if (tmp == NULL)
        return st_set(ST_ENOMEM, "out of memory creating %s", w->path);
    snprintf(tmp, n, "%s.tmp", w->path);
    int exists = 0;
    int rc = w->vfs->exists(w->vfs, tmp, &exists);
    if (rc == ST_OK && exists)
        rc = w->vfs->remove(w->vfs, tmp); /* left by a crash during an earlier creation */
    if (rc == ST_OK)
        rc = w->vfs->open(w->vfs, tmp, OS_OPEN_CREATE | OS_OPEN_EXCL, &w->file);
    if (rc == ST_OK) {
        w->base = start_lsn > WAL_HDR_SIZE ? start_lsn : WAL_HDR_SIZE;
        w->seq = 1;
        w->epoch = 1;
        w->end = w->base;
        w->synced_lsn = w->base;
        w->proven_lsn = w->base;
        w->generation = generation;
        w->page_size = page_size;
        wal_slot hs = slot_of(w, w->base, w->seq, 0);
        rc = write_header_area(w->file, &hs);
        if (rc == ST_OK)
            rc = os_sync(w->file); /* the header is made durable even with no_sync */
        if (rc == ST_OK)
            rc = w->vfs->rename(w->vfs, tmp, w->path);
        if (rc == ST_OK)
            rc = w->vfs->sync_dir(w->vfs, w->path);
        if (rc == ST_OK)
            rc = reopen_by_name(w, &w->file);
        if (rc != ST_OK)
            w->vfs->remove(w->vfs, tmp);
    }
    uint64_t size = 0;
    if (rc == ST_OK)
        rc = os_size(w->file, &size);
    w->alloc_end = size;
    free(tmp);
    return rc;
}

/* With the newer header copy damaged, the older one was chosen: if the record stream at the
 * start of the file verifies at an LSN past the older copy's base, those records were written
 * after a restart the damaged copy described. Reading from the older copy would silently drop
 * them (L6 would cut the log there): refuse instead. */
static int check_newer_header_lost(wal *w)
{
    uint8_t h[WAL_REC_FIXED];
    size_t got = 0;
    int rc = os_read(w->file, h, sizeof h, WAL_HDR_SIZE, &got);
    if (rc != ST_OK || got < sizeof h)
        return rc;
    uint64_t lsn = get_u64(h + WR_LSN);
    uint32_t len = get_u32(h + WR_LEN);
    if (lsn <= w->base || len < WAL_REC_MIN ||
        len > WAL_REC_MAX_HDR + WAL_MAX_REC + WAL_REC_TRAILER)
        return ST_OK;
    uint8_t *rec = malloc(len);
    if (rec == NULL)
        return st_set(ST_ENOMEM, "out of memory reading %s", w->path);
    rc = os_read(w->file, rec, len, WAL_HDR_SIZE, &got);
    size_t need;
    if (rc == ST_OK && got == len && wal_verify(rec, len, lsn, w->seed, &need) == len)
        rc = st_set(ST_ECORRUPT, "log %s: the current header copy is damaged and the other one "
                    "is older than the records in the file (LSN %llu): refusing to guess",
                    w->path, (unsigned long long)lsn);
    free(rec);
    return rc;
}

/* Length of the FLUSH record that ends a flush at `lsn` in a file whose base is `base` (L7):
 * padded, up to the next block boundary (one block more if the gap cannot hold a record);
 * with powersafe overwrite, the shortest one. Always below FLUSH_MAX. */
static size_t flush_rec_len(const wal *w, uint64_t base, uint64_t lsn)
{
    size_t min = wal_flush_min_len(w->epoch);
    if (!w->pad)
        return min;
    uint64_t off = WAL_HDR_SIZE + (lsn - base);
    size_t gap = WAL_BLOCK - (size_t)(off % WAL_BLOCK);
    return gap >= min ? gap : gap + WAL_BLOCK;
}

/* The writes of an open, done before wal_open returns and so before recovery uses anything:
 *   1. sync what the scan read (after a process crash it may be in the page cache only), so
 *      the pad's claim that everything before it was synced (WFF_SYNCED) is true;
 *   2. padded mode, end torn mid-block (L7): a FLUSH record in the new epoch from the end to
 *      the boundary, synced, so no later flush rewrites the block holding records that
 *      recovery is about to use;
 *   3. the header with the new epoch (L6) and the durable mark, synced. */
static int start_epoch(wal *w)
{
    int rc = os_sync(w->file);
    w->epoch++;
    uint64_t off = wal_offset(w, w->end);
    if (rc == ST_OK && w->pad && off % WAL_BLOCK != 0) {
        uint8_t pad[FLUSH_MAX];
        size_t len = flush_rec_len(w, w->base, w->end);
        wal_encode_flush(pad, len, w->end, w->epoch, w->end, WFF_SYNCED, w->seed);
        rc = os_write(w->file, pad, len, off);
        if (rc == ST_OK)
            rc = os_sync(w->file);
        if (rc == ST_OK)
            w->end += len;
        assert(rc != ST_OK || wal_offset(w, w->end) % WAL_BLOCK == 0);
    }
    if (rc == ST_OK) {
        w->synced_lsn = w->end;
        rc = write_header(w, w->base, w->seq + 1);
    }
    if (rc == ST_OK && !w->durable)
        rc = os_sync(w->file); /* write_header synced already when durable */
    if (rc == ST_OK)
        w->seq++;
    return rc;
}

static int open_existing(wal *w, const uint8_t db_id[16])
{
    int rc = w->vfs->open(w->vfs, w->path, 0, &w->file);
    bool damaged = false;
    wal_slot hdr;
    memset(&hdr, 0, sizeof hdr);
    if (rc == ST_OK)
        rc = read_header(w, db_id, &hdr, &damaged);
    if (rc == ST_OK && damaged)
        rc = check_newer_header_lost(w);
    /* L6: finds the end, or refuses a damaged log; nothing is written before this. */
    if (rc == ST_OK)
        rc = wal_scan_end(w, hdr.durable, &w->end);
    if (rc == ST_OK)
        rc = start_epoch(w);
    uint64_t size = 0;
    if (rc == ST_OK)
        rc = os_size(w->file, &size);
    w->alloc_end = size;
    return rc;
}

int wal_open(const char *db_path, const uint8_t db_id[16], const wal_options *opts, wal **out)
{
    wal_options defaults = {0};
    const wal_options *o = opts ? opts : &defaults;
    wal *w = calloc(1, sizeof *w);
    if (w == NULL)
        return st_set(ST_ENOMEM, "out of memory opening the log of %s", db_path);
    size_t plen = strlen(db_path) + 5;
    w->path = malloc(plen);
    if (w->path == NULL) {
        free(w);
        return st_set(ST_ENOMEM, "out of memory opening the log of %s", db_path);
    }
    snprintf(w->path, plen, "%s-wal", db_path);
    w->vfs = o->vfs ? o->vfs : os_posix();
    w->durable = !o->no_sync;
    /* L7 protects synced bytes; without syncs there are none, and a process crash leaves the
     * page cache coherent: no_sync packs its flushes. */
    w->pad = !o->powersafe_overwrite && !o->no_sync;
    w->prealloc = o->prealloc ? o->prealloc : (16u << 20);
    w->seed = wal_seed(db_id);
    memcpy(w->db_id, db_id, 16);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_rwlock_init(&w->file_lock, NULL);

    int exists = 0;
    int rc = w->vfs->exists(w->vfs, w->path, &exists);
    if (rc == ST_OK)
        rc = exists ? open_existing(w, db_id)
                    : create_log(w, o->start_lsn, o->generation, o->page_size);
    if (rc != ST_OK) {
        if (w->file)
            os_close(w->file);
        wal_free(w);
        return rc;
    }
    w->durable_lsn = w->end;
    w->buf.start = w->end;
    assert(w->synced_lsn == w->end);
    *out = w;
    return ST_OK;
}

int wal_close(wal *w)
{
    if (w == NULL)
        return ST_OK;
    int rc = wal_flush_to(w, wal_end_lsn(w)); /* ST_EIO in the failed state if anything is pending */
    int crc = os_close(w->file);
    wal_free(w);
    return rc != ST_OK ? rc : crc;
}

int wal_close_and_remove(wal *w)
{
    int rc = wal_flush_to(w, wal_end_lsn(w));
    os_vfs *vfs = w->vfs;
    char *path = strdup(w->path);
    int crc = os_close(w->file);
    wal_free(w);
    if (path == NULL)
        return st_set(ST_ENOMEM, "out of memory removing the log");
    if (rc == ST_OK)
        rc = crc;
    /* Remove only after everything it held is in the database file (the caller's checkpoint);
     * the directory sync makes the removal durable, so a reopen never finds half a log. */
    if (rc == ST_OK)
        rc = vfs->remove(vfs, path);
    if (rc == ST_OK)
        rc = vfs->sync_dir(vfs, path);
    free(path);
    return rc;
}

/* ---- appending --------------------------------------------------------------------------- */

static int buf_reserve(wal_buf *b, size_t more)
{
    if (b->len + more <= b->cap)
        return ST_OK;
    size_t cap = b->cap ? b->cap : 64 * 1024;
    while (cap < b->len + more)
        cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (d == NULL)
        return st_set(ST_ENOMEM, "out of memory growing the log buffer to %zu bytes", cap);
    b->data = d;
    b->cap = cap;
    return ST_OK;
}

static int failed_error(wal *w)
{
    return st_set(ST_EIO, "log %s is in a failed state after an earlier I/O error; no further "
                  "writes are accepted until the database is reopened (which runs recovery)",
                  w->path);
}

static void check_state(const wal *w);

int wal_append(wal *w, wal_rec *rec)
{
    if (rec->type == 0 || rec->type > WAL_TYPE_MAX)
        return st_set(ST_EINVAL, "log record type %u is not valid", rec->type);
    if ((uint64_t)rec->redo_len + rec->undo_len > WAL_MAX_REC)
        return st_set(ST_ETOOBIG, "log record of %llu bytes exceeds the limit of %u bytes",
                      (unsigned long long)rec->redo_len + rec->undo_len, WAL_MAX_REC);
    /* Room for the FLUSH record too, so the leader never allocates (L7). */
    size_t max = wal_rec_max_size(rec->redo_len, rec->undo_len) + FLUSH_MAX;
    pthread_mutex_lock(&w->mu);
    int rc = w->failed ? failed_error(w) : buf_reserve(&w->buf, max);
    if (rc == ST_OK && (rec->prev_lsn >= w->end || rec->undo_next >= w->end))
        rc = st_set(ST_EINVAL, "log record points forward (previous LSN %llu, undo-next %llu, "
                    "end of log %llu)", (unsigned long long)rec->prev_lsn,
                    (unsigned long long)rec->undo_next, (unsigned long long)w->end);
    if (rc == ST_OK) {
        rec->lsn = w->end;
        size_t len = wal_encode(rec, w->seed, w->epoch, w->buf.data + w->buf.len);
        /* Within what was reserved, so the FLUSH record still fits (L7: the leader never
         * allocates); and the LSN is the record's position: LSNs only grow. */
        assert(len > 0 && len <= max - FLUSH_MAX);
        w->buf.len += len;
        w->end += len;
        w->st.appends++;
        w->st.bytes += len;
        assert(w->buf.len + FLUSH_MAX <= w->buf.cap && rec->lsn < w->end);
        check_state(w);
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int wal_flush_if_big(wal *w)
{
    pthread_mutex_lock(&w->mu);
    bool big = w->buf.len >= APPEND_FLUSH_AT;
    uint64_t end = w->end;
    pthread_mutex_unlock(&w->mu);
    return big ? wal_flush_to(w, end) : ST_OK;
}

/* ---- group commit ------------------------------------------------------------------------ */

/* Grows the file with zeros ahead of the writes, in prealloc steps, so a commit's fdatasync
 * finds the size unchanged and flushes data only (wal/README.md, "Group commit"). */
static int preallocate(wal *w, uint64_t need)
{
    /* Without syncs (no_sync) there is no fdatasync to spare: the zeros would only be written
     * twice (16 MiB at every open of a database with durability off). */
    if (need <= w->alloc_end || !w->durable)
        return ST_OK;
    uint64_t target = (need + w->prealloc - 1) / w->prealloc * w->prealloc;
    int rc = zero_range(w, w->alloc_end, target);
    if (rc == ST_OK)
        w->alloc_end = target;
    return rc;
}

/* The invariants of wal/README.md "Rules", checked under `mu` at every append, flush (as the
 * leader takes the batch and as it publishes the result), checkpoint and restart. The group
 * commit (wal/README.md, "Group commit") has two states: no flush in flight (the append buffer
 * holds everything since the durable LSN) or one leader flushing (the buffer holds what was
 * appended since its batch began; its batch is its own copy, so the spare buffer stays empty
 * until it returns). What the next open can prove durable never passes what is durable (L8). */
static void check_state(const wal *w)
{
    (void)w;
    assert(w->base <= w->durable_lsn && w->durable_lsn <= w->end);      /* L3: no holes */
    assert(w->buf.start + w->buf.len == w->end);                        /* buffer ends at end */
    assert(w->buf.len <= w->buf.cap && w->spare.len == 0);
    assert(w->proven_lsn <= w->durable_lsn);                            /* L8 */
    /* (A failed flush leaves its batch neither durable nor in the buffer: L4.) */
    assert(w->failed || (w->flushing ? w->buf.start >= w->durable_lsn
                                     : w->buf.start == w->durable_lsn));
    assert(w->failed || w->synced_lsn <= w->durable_lsn);               /* L2 */
    assert(w->failed || !w->durable || w->synced_lsn == w->durable_lsn);
    assert(!w->pad || w->failed || wal_offset(w, w->durable_lsn) % WAL_BLOCK == 0); /* L7 */
}

/* Ends the batch in w->buf with its FLUSH record (L7), under `mu`: it pads the batch to the
 * next block boundary (padded mode) and names the flush's start, which lets the open tell a
 * torn tail from damage (L6). The room was reserved by the appends. */
static void append_flush(wal *w)
{
    size_t len = flush_rec_len(w, w->base, w->end);
    assert(w->buf.len + len <= w->buf.cap);
    wal_encode_flush(w->buf.data + w->buf.len, len, w->end, w->epoch, w->buf.start,
                     w->durable ? WFF_SYNCED : 0, w->seed);
    w->buf.len += len;
    w->end += len;
    w->st.bytes += len;
    w->st.flush_bytes += len;
}

/* The leader's I/O, mutex not held: write `b` where it belongs, then sync. */
static int leader_write(wal *w, const wal_buf *b)
{
    uint64_t off = wal_offset(w, b->start);
    /* L7: a padded flush starts and ends on block boundaries, so it never writes into a block
     * an earlier flush synced. */
    assert(!w->pad || (off % WAL_BLOCK == 0 && (off + b->len) % WAL_BLOCK == 0));
    int rc = preallocate(w, off + b->len);
    if (rc == ST_OK && b->len > 0)
        rc = os_write(w->file, b->data, b->len, off);
    if (rc == ST_OK && w->durable)
        rc = os_sync(w->file);
    return rc;
}

/* The leader's part of a flush, called and returning with `mu` held and no flush in flight:
 * takes everything appended so far, ends it with a FLUSH record (L7) — alone, when nothing
 * was appended: a proof flush, wal_flush_proven — writes and syncs it without the mutex, and
 * publishes the new durable LSN. */
static int lead_flush(wal *w)
{
    check_state(w);
    assert(!w->flushing);
    append_flush(w);
    w->flushing = true;
    wal_buf out = w->buf;
    w->buf = w->spare;
    w->buf.len = 0;
    w->buf.start = w->end;
    uint64_t target = w->end;
    pthread_mutex_unlock(&w->mu);

    int rc = leader_write(w, &out);

    pthread_mutex_lock(&w->mu);
    uint64_t start = out.start;
    /* L3: one flush in flight, covering [durable LSN, end when it began): it starts where the
     * last one ended and nothing else moved the durable LSN meanwhile. */
    assert(w->flushing && start == w->durable_lsn && target <= w->end);
    out.len = 0;
    w->spare = out;
    w->flushing = false;
    if (rc == ST_OK) {
        assert(target > w->durable_lsn); /* the durable LSN only grows (L3) */
        w->durable_lsn = target;
        if (w->durable) {
            w->synced_lsn = target;
            /* This flush follows every earlier one of the session: the open can prove them
             * durable (L6, P2), so the records before its start are proven. */
            if (start > w->proven_lsn)
                w->proven_lsn = start;
        }
        w->st.flushes++;
        w->st.syncs += w->durable ? 1 : 0;
    } else {
        /* Never retried and reported as success (fsyncgate): fail the log for good. */
        w->failed = true;
    }
    check_state(w);
    pthread_cond_broadcast(&w->cv);
    return rc;
}

int wal_flush_to(wal *w, uint64_t lsn)
{
    pthread_mutex_lock(&w->mu);
    int rc = ST_OK;
    bool waited = false;
    while (rc == ST_OK && w->durable_lsn < lsn && w->durable_lsn < w->end) {
        if (w->failed) {
            rc = failed_error(w);
            break;
        }
        if (w->flushing) {
            /* Follower: the flush in flight may cover us; if not, we lead the next one. */
            waited = true;
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        rc = lead_flush(w);
    }
    if (rc == ST_OK && w->failed && w->durable_lsn < lsn)
        rc = failed_error(w);
    /* L1: success means everything before lsn (or all there is) is durable. */
    assert(rc != ST_OK || w->durable_lsn >= lsn || w->durable_lsn == w->end);
    if (waited && rc == ST_OK)
        w->st.group_waits++;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int wal_flush_proven(wal *w, uint64_t lsn)
{
    int rc = wal_flush_to(w, lsn);
    pthread_mutex_lock(&w->mu);
    /* Without syncs nothing is marked synced, so no later flush proves anything (L6). */
    while (rc == ST_OK && w->durable && w->proven_lsn < lsn) {
        if (w->failed) {
            rc = failed_error(w);
            break;
        }
        if (w->flushing) {
            /* The flush in flight starts at or after lsn's flush ended: once done, it proves. */
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        if (w->buf.len == 0) {
            /* Nothing to carry: the flush is its FLUSH record alone. */
            if ((rc = buf_reserve(&w->buf, FLUSH_MAX)) != ST_OK)
                break;
            w->st.proof_flushes++;
        }
        rc = lead_flush(w);
    }
    if (rc == ST_OK && w->failed && w->durable_lsn < lsn)
        rc = failed_error(w);
    /* L8: success means the records before lsn are durable and provably so. */
    assert(rc != ST_OK || !w->durable || w->proven_lsn >= lsn);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

uint64_t wal_open_end(wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t v = w->verified_end ? w->verified_end : w->base; /* set once, at open */
    pthread_mutex_unlock(&w->mu);
    return v;
}

uint64_t wal_end_lsn(wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t v = w->end;
    pthread_mutex_unlock(&w->mu);
    return v;
}

uint64_t wal_durable_lsn(wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t v = w->durable_lsn;
    pthread_mutex_unlock(&w->mu);
    return v;
}

uint64_t wal_generation(wal *w)
{
    return w->generation; /* set at open, never changed */
}

uint64_t wal_base_lsn(wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t v = w->base;
    pthread_mutex_unlock(&w->mu);
    return v;
}

int wal_restart(wal *w)
{
    pthread_mutex_lock(&w->mu);
    int rc = ST_OK;
    if (w->failed)
        rc = failed_error(w);
    else if (w->flushing || w->buf.len != 0 || w->durable_lsn != w->end)
        rc = st_set(ST_EINVAL, "log %s: restart needs a fully flushed, idle log", w->path);
    if (rc == ST_OK) {
        /* New base = current end: every old record now maps to an LSN below the base, and any
         * old record left in the reused space carries an LSN that no longer matches its
         * position, so readers stop there. */
        rc = write_header(w, w->end, w->seq + 1);
        if (rc == ST_OK) {
            w->base = w->end;
            w->seq++;
            check_state(w);
        } else {
            w->failed = true;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void wal_get_stats(wal *w, wal_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->st;
    pthread_mutex_unlock(&w->mu);
}

int wal_set_checkpoint(wal *w, uint64_t lsn)
{
    pthread_mutex_lock(&w->mu);
    int rc = ST_OK;
    if (w->failed)
        rc = failed_error(w);
    else if (lsn < w->base || lsn >= w->durable_lsn)
        rc = st_set(ST_EINVAL, "log %s: checkpoint LSN %llu is not a durable record", w->path,
                    (unsigned long long)lsn);
    /* Without durability the flushes were not synced: sync them first, so the header never
     * names a checkpoint or durable mark the log may lose (L6 would refuse that log). */
    if (rc == ST_OK && !w->durable) {
        rc = os_sync(w->file);
        if (rc == ST_OK)
            w->synced_lsn = w->durable_lsn;
        else
            w->failed = true;
    }
    if (rc == ST_OK) {
        uint64_t old = w->ckpt;
        w->ckpt = lsn;
        /* The header is the master record: written (the older copy) and synced. The mutex is
         * held across the sync; checkpoints are rare and appenders only wait this once. */
        check_state(w);
        rc = write_header(w, w->base, w->seq + 1);
        if (rc == ST_OK && !w->durable)
            rc = os_sync(w->file);
        if (rc == ST_OK) {
            w->seq++;
            /* The master record names a durable record of this log (L6, P3). */
            assert(w->ckpt >= w->base && w->ckpt < w->durable_lsn && w->ckpt < w->synced_lsn);
        } else {
            w->ckpt = old;
            w->failed = true;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

uint64_t wal_checkpoint_lsn(wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t v = w->ckpt;
    pthread_mutex_unlock(&w->mu);
    return v;
}

static int read_at_locked(wal *w, uint64_t lsn, uint8_t **buf, size_t *cap, wal_rec *rec);

int wal_read_at(wal *w, uint64_t lsn, uint8_t **buf, size_t *cap, wal_rec *rec)
{
    pthread_rwlock_rdlock(&w->file_lock); /* the file is not replaced under us (wal_compact) */
    int rc = read_at_locked(w, lsn, buf, cap, rec);
    pthread_rwlock_unlock(&w->file_lock);
    return rc;
}

static int read_at_locked(wal *w, uint64_t lsn, uint8_t **buf, size_t *cap, wal_rec *rec)
{
    pthread_mutex_lock(&w->mu);
    /* In the batch a leader is writing right now: wait until it is in the file. */
    while (w->flushing && lsn >= w->durable_lsn && lsn < w->buf.start)
        pthread_cond_wait(&w->cv, &w->mu);
    /* That leader failed: the record never landed in the file (and after a failed fdatasync
     * nothing written since the last good one can be trusted). An I/O error, not corruption. */
    if (w->failed && lsn >= w->durable_lsn && lsn < w->buf.start) {
        int frc = failed_error(w);
        pthread_mutex_unlock(&w->mu);
        return frc;
    }
    int rc = ST_OK;
    if (lsn < w->base || lsn >= w->end) {
        rc = st_set(ST_EINVAL, "log %s: no record at LSN %llu (log holds %llu..%llu)", w->path,
                    (unsigned long long)lsn, (unsigned long long)w->base,
                    (unsigned long long)w->end);
    } else if (lsn >= w->buf.start) {
        /* Not written yet: copy it out of the append buffer. */
        const uint8_t *p = w->buf.data + (lsn - w->buf.start);
        size_t len = get_u32(p + WR_LEN);
        if (len > *cap) {
            uint8_t *b = realloc(*buf, len);
            if (b == NULL)
                rc = st_set(ST_ENOMEM, "out of memory reading the log");
            else {
                *buf = b;
                *cap = len;
            }
        }
        if (rc == ST_OK) {
            memcpy(*buf, p, len);
            wal_decode(*buf, rec);
        }
        pthread_mutex_unlock(&w->mu);
        return rc;
    }
    uint64_t off = wal_offset(w, lsn);
    uint64_t seed = w->seed;
    pthread_mutex_unlock(&w->mu);
    if (rc != ST_OK)
        return rc;
    uint8_t h[WAL_REC_FIXED];
    size_t got = 0;
    rc = os_read(w->file, h, sizeof h, off, &got);
    size_t len = rc == ST_OK && got == sizeof h ? get_u32(h + WR_LEN) : 0;
    if (rc == ST_OK && (len < WAL_REC_MIN || len > WAL_REC_MAX_HDR + WAL_MAX_REC + WAL_REC_TRAILER))
        return st_set(ST_ECORRUPT, "log %s: no valid record at LSN %llu", w->path,
                      (unsigned long long)lsn);
    if (rc == ST_OK && len > *cap) {
        uint8_t *b = realloc(*buf, len);
        if (b == NULL)
            return st_set(ST_ENOMEM, "out of memory reading the log");
        *buf = b;
        *cap = len;
    }
    if (rc == ST_OK)
        rc = os_read(w->file, *buf, len, off, &got);
    size_t need;
    if (rc == ST_OK && (got != len || wal_verify(*buf, len, lsn, seed, &need) != len))
        rc = st_set(ST_ECORRUPT, "log %s: the record at LSN %llu does not verify", w->path,
                    (unsigned long long)lsn);
    if (rc == ST_OK)
        wal_decode(*buf, rec);
    return rc;
}

size_t wal_record_size(const wal_rec *r) { return wal_rec_max_size(r->redo_len, r->undo_len); }

void wal_abandon(wal *w)
{
    if (w == NULL)
        return;
    os_close(w->file);
    wal_free(w);
}

int wal_failed(wal *w)
{
    pthread_mutex_lock(&w->mu);
    int v = w->failed;
    pthread_mutex_unlock(&w->mu);
    return v;
}

int wal_compact(wal *w, uint64_t keep_from)
{
    pthread_rwlock_wrlock(&w->file_lock);
    pthread_mutex_lock(&w->mu);
    while (w->flushing) /* the leader writes through the old handle: let it finish */
        pthread_cond_wait(&w->cv, &w->mu);
    int rc = w->failed ? failed_error(w) : ST_OK;
    if (keep_from > w->durable_lsn)
        keep_from = w->durable_lsn; /* what is only in the buffer is written later anyway */
    if (rc != ST_OK || keep_from <= w->base) {
        pthread_mutex_unlock(&w->mu);
        pthread_rwlock_unlock(&w->file_lock);
        return rc;
    }
    size_t n = strlen(w->path) + 5;
    char *tmp = malloc(n);
    uint8_t *chunk = malloc(ZERO_CHUNK);
    os_file *nf = NULL;
    if (tmp == NULL || chunk == NULL)
        rc = st_set(ST_ENOMEM, "out of memory compacting %s", w->path);
    int exists = 0;
    if (rc == ST_OK) {
        snprintf(tmp, n, "%s.tmp", w->path);
        rc = w->vfs->exists(w->vfs, tmp, &exists);
    }
    if (rc == ST_OK && exists)
        rc = w->vfs->remove(w->vfs, tmp);
    if (rc == ST_OK)
        rc = w->vfs->open(w->vfs, tmp, OS_OPEN_CREATE | OS_OPEN_EXCL, &nf);
    /* The new file (L7): the header (base = keep_from), the durable records from there, the
     * buffered ones and a FLUSH record: the compaction is a flush too, so the new file ends on
     * a block boundary, and all of it is synced before it gets the log's name. */
    check_state(w);
    uint64_t end = w->end;
    uint8_t fl[FLUSH_MAX];
    size_t flen = flush_rec_len(w, keep_from, end);
    wal_encode_flush(fl, flen, end, w->epoch, end, WFF_SYNCED, w->seed);
    wal_slot hs = slot_of(w, keep_from, w->seq + 1, w->ckpt >= keep_from ? w->ckpt : 0);
    hs.durable = end + flen;
    if (rc == ST_OK)
        rc = write_header_area(nf, &hs);
    for (uint64_t lsn = keep_from; rc == ST_OK && lsn < w->durable_lsn;) {
        size_t len = w->durable_lsn - lsn < ZERO_CHUNK ? (size_t)(w->durable_lsn - lsn) : ZERO_CHUNK;
        size_t got = 0;
        rc = os_read(w->file, chunk, len, wal_offset(w, lsn), &got);
        if (rc == ST_OK && got != len)
            rc = st_set(ST_EIO, "log %s: short read while compacting", w->path);
        if (rc == ST_OK)
            rc = os_write(nf, chunk, len, WAL_HDR_SIZE + (lsn - keep_from));
        lsn += len;
    }
    if (rc == ST_OK && w->buf.len > 0)
        rc = os_write(nf, w->buf.data, w->buf.len, WAL_HDR_SIZE + (w->buf.start - keep_from));
    if (rc == ST_OK)
        rc = os_write(nf, fl, flen, WAL_HDR_SIZE + (end - keep_from));
    if (rc == ST_OK)
        rc = os_sync(nf);
    /* The switch: atomic rename, then the directory sync makes it durable. Before the rename
     * the old log is intact; after it, the new one holds everything still needed. */
    if (rc == ST_OK)
        rc = w->vfs->rename(w->vfs, tmp, w->path);
    if (rc == ST_OK) {
        int drc = w->vfs->sync_dir(w->vfs, w->path);
        if (drc == ST_OK)
            drc = reopen_by_name(w, &nf); /* errors from now on name `-wal`, not `-wal.tmp` */
        os_close(w->file);
        w->file = nf;
        nf = NULL;
        w->base = keep_from;
        w->seq++;
        if (w->ckpt < keep_from)
            w->ckpt = 0;
        w->end = end + flen;
        w->durable_lsn = w->synced_lsn = w->end;
        w->buf.len = 0;
        w->buf.start = w->end;
        w->st.bytes += flen;
        w->st.flush_bytes += flen;
        w->st.flushes++;
        w->st.syncs++;
        pthread_cond_broadcast(&w->cv);
        uint64_t size = 0;
        os_size(w->file, &size);
        w->alloc_end = size;
        check_state(w); /* a compaction is a flush: everything is durable now */
        if (drc != ST_OK) {
            rc = drc;
            w->failed = true; /* the rename may not be durable: trust nothing more */
        }
    } else if (nf != NULL) {
        os_close(nf);
        nf = NULL;
        w->vfs->remove(w->vfs, tmp);
    }
    /* Fail-stop like any log I/O error (L4), although the old log is intact: the caller sees
     * an I/O error for this commit, and nothing may commit after it until a reopen. */
    if (rc != ST_OK && rc != ST_ENOMEM)
        w->failed = true;
    free(tmp);
    free(chunk);
    pthread_mutex_unlock(&w->mu);
    pthread_rwlock_unlock(&w->file_lock);
    return rc;
}
