/*
 * models.c — the crash harness's damage models beyond power cuts, kills and I/O errors
 * (tests/README.md, "The crash harness"): each damages what a crash left on disk in a way a
 * real machine or operator can, and demands the one answer that never loses an acknowledged
 * commit silently.
 *
 *   bitflip  one random bit of the durable log (the record stream up to the end of its last
 *            valid record) flipped: the open refuses with XX001, changing nothing (the log
 *            with the bit flipped back then opens and holds the invariants), or it opens and
 *            every invariant holds;
 *   swaplog  the log deleted, an older copy of it put back, another database's log put in
 *            its place, or an older copy of the database file put back beside the log: the
 *            open is refused (and the right files, put back, open and hold the invariants);
 *            after a clean close the one file opens;
 *   header   a write of page 0 interrupted by a power cut, its sectors garbled (or the whole
 *            page random) while the log exists: the open succeeds and the invariants hold;
 *   index    the UNIQUE ref index damaged through the engine's internals (an entry removed, an
 *            entry pointing to another row, a row removed behind the index): acidb_check
 *            must report it.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/record.h"
#include "pager/status.h"
#include "engine/testhooks.h"
#include "tests/crash/crash.h"
#include "wal/btx.h"
#include "wal/log.h"
#include "wal/txn.h"

/* ---- files ------------------------------------------------------------------------------- */

/* Copies src to dst (replacing it); a missing src removes dst. 0 or -1 with `why`. */
static int copy_file(const char *src, const char *dst, char *why, size_t n)
{
    int in = open(src, O_RDONLY);
    if (in < 0) {
        unlink(dst);
        return 0;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int rc = out < 0 ? -1 : 0;
    char buf[65536];
    ssize_t r;
    while (rc == 0 && (r = read(in, buf, sizeof buf)) > 0)
        rc = write(out, buf, (size_t)r) == r ? 0 : -1;
    close(in);
    if (out >= 0)
        close(out);
    if (rc != 0)
        snprintf(why, n, "copying %s to %s failed", src, dst);
    return rc;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Reads or writes n bytes at off of the file at p, bypassing every OS layer. */
static int file_rw(const char *p, int wr, void *buf, size_t n, uint64_t off)
{
    int fd = open(p, wr ? O_WRONLY : O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t r = wr ? pwrite(fd, buf, n, (off_t)off) : pread(fd, buf, n, (off_t)off);
    close(fd);
    return r == (ssize_t)n ? 0 : -1;
}

/* The crash: the process dies (nothing more written), then the power fails (pending writes
 * kept, dropped or torn; garbled where the model says so), then the machine comes back. */
static void crash(acidb_db *h, os_fault *f)
{
    if (h != NULL)
        acidb_test_abandon(h);
    os_fault_power_loss(f);
    os_fault_reset_power(f);
    os_fault_clear(f);
}

static uint64_t count_ids(const uint8_t *set)
{
    uint64_t k = 0;
    for (uint64_t id = 0; id < NIDS; id++)
        k += set[id];
    return k;
}

/* Opens after damage that allows a refusal: *refused = 1 if the open failed with `allowed`
 * (an ACIDB_* code, or -1 for any error); else the invariants must hold. */
static int verify_or_refused(const char *db, os_vfs *vfs, const uint8_t *committed,
                             const uint8_t *aborted, int allowed, int *refused, char *msg,
                             size_t mn, char *why, size_t n)
{
    acidb_db *h;
    sqlbank_options o = {.vfs = vfs, .must_exist = 1};
    *refused = 0;
    int rc = sqlbank_open(db, &o, &h, msg, mn);
    if (rc != ACIDB_OK) {
        if (allowed == -1 || rc == allowed) {
            *refused = 1;
            if (verbose)
                printf("  refused: %s\n", msg);
            return 0;
        }
        snprintf(why, n, "the open failed in a way the model does not allow: %s", msg);
        return -1;
    }
    acidb_test_abandon(h);
    return verify(db, vfs, committed, aborted, why, n);
}

/* ---- bitflip ----------------------------------------------------------------------------- */

/* One more committed transfer (the sentinel), so that every earlier flush is followed by a
 * synced one. Its id is above every worker's. 0, or -1 with `why`. */
static int sentinel(acidb_db *h, uint8_t *committed, uint8_t *aborted, char *why, size_t n)
{
    sqlbank_conn *k;
    if (sqlbank_connect(h, &k, why, n) != 0)
        return -1;
    int out = XFER_ABORTED;
    for (int64_t a = 1; a <= NACCOUNTS && out == XFER_ABORTED; a++) {
        sqlbank_xfer x = {.src = a, .dst = a % NACCOUNTS + 1, .amount = 1,
                          .id = IDS_PER_CYCLE + (uint64_t)a, .kind = XFER_OPTIMISTIC};
        out = sqlbank_transfer(k, &x, NULL, why, n);
        (out == XFER_COMMITTED ? committed : aborted)[x.id] = 1;
    }
    sqlbank_disconnect(k);
    if (out != XFER_COMMITTED && out != XFER_ABORTED)
        return -1;
    return 0;
}

/* The durable part of the log at `log` (a file beside nothing): the file offsets [*lo, *hi)
 * of its record stream, from its first byte to the end of its last valid record, as the log
 * itself reads it (wal_open on a copy, so the real log is not touched: it starts an epoch). */
static int durable_log_range(const char *dir, const char *db, uint64_t *lo, uint64_t *hi,
                             uint64_t *base_lsn, char *why, size_t n)
{
    char log[600], copy[600], copylog[620];
    snprintf(log, sizeof log, "%s-wal", db);
    snprintf(copy, sizeof copy, "%s/scan.db", dir);
    snprintf(copylog, sizeof copylog, "%s-wal", copy);
    /* The database id, which the log is bound to: database header offset 80 (pager/README.md,
     * "Page 0"); no write ever changes it, so even a torn page 0 has it. */
    uint8_t id[16];
    if (file_rw(db, 0, id, sizeof id, 80) != 0) {
        snprintf(why, n, "cannot read the database id of %s", db);
        return -1;
    }
    if (copy_file(log, copylog, why, n) != 0)
        return -1;
    wal *w;
    int rc = wal_open(copy, id, NULL, &w);
    if (rc != ST_OK) {
        snprintf(why, n, "the log a crash left does not open: %s", st_msg());
        unlink(copylog);
        return -1;
    }
    /* LSN = position in the record stream, which starts at file offset WAL_HDR_SIZE with the
     * base LSN (wal/README.md, "Log file format"). */
    uint64_t base = wal_base_lsn(w), end = wal_end_lsn(w);
    wal_close(w);
    unlink(copylog);
    *lo = WAL_HDR_SIZE;
    *hi = WAL_HDR_SIZE + (end - base);
    *base_lsn = base;
    return 0;
}

int run_bitflip(uint64_t seed, char *why, size_t n, uint64_t *refused, uint64_t *in_last)
{
    crash_run r;
    run_start(&r, seed, 1);
    sqlbank_options o = run_options(seed, r.f);
    int rc = -1;
    if (run_open(&r, &o, why, n) != 0)
        goto out;
    /* Even seeds: acknowledged commits; then the log's durable end D (every acknowledged
     * commit lies before it); then one more commit, whose flush follows D; then the crash.
     * Odd seeds: the power fails at a random fdatasync, often while a checkpoint writes pages
     * whose LSNs lie in the last synced flush. */
    int mid = seed % 2;
    if (mid)
        os_fault_inject(r.f, OSF_SYNC, 10 + fx_xorshift(&r.s) % 120, OSF_CUT, 0);
    int max = mid ? PER_WORKER : 5 + (int)(fx_xorshift(&r.s) % PER_WORKER);
    int wrong = run_workers(r.h, seed, max, r.committed, r.aborted, NULL, why, n);
    uint64_t d = wal_durable_lsn(txm_log(r.h->tm));
    if (wrong == 0 && !mid)
        wrong = sentinel(r.h, r.committed, r.aborted, why, n);
    crash(r.h, r.f);
    r.h = NULL;
    if (wrong != 0)
        goto out;
    uint64_t lo, hi, base;
    if (durable_log_range(r.dir, r.db, &lo, &hi, &base, why, n) != 0)
        goto out;
    if (hi > lo) {
        uint64_t bit = fx_xorshift(&r.s) % ((hi - lo) * 8);
        uint64_t off = lo + bit / 8;
        /* A flip in the last synced flush (from D on, the sentinel's) looks exactly like a
         * torn last flush, which recovery may cut (wal/README.md L6) unless the database file
         * proves it durable: there the database must be consistent, but the acknowledged
         * commits of that flush may be gone. A run cut mid-flush does not know where its last
         * synced flush began: consistency only. */
        int last = mid || base > d || off >= lo + (d - base);
        uint8_t b;
        if (file_rw(r.log, 0, &b, 1, off) != 0) {
            snprintf(why, n, "cannot read %s at %llu", r.log, (unsigned long long)off);
            goto out;
        }
        b ^= (uint8_t)(1u << (bit % 8));
        file_rw(r.log, 1, &b, 1, off);
        /* The damaged files as the open will find them, kept with a failed run. */
        char pre[520], prelog[540];
        snprintf(pre, sizeof pre, "%s/before-open.db", r.dir);
        snprintf(prelog, sizeof prelog, "%s-wal", pre);
        if (copy_file(r.db, pre, why, n) != 0 || copy_file(r.log, prelog, why, n) != 0)
            goto out;
        static uint8_t none[NIDS];
        int ref = 0;
        if (last)
            (*in_last)++;
        if (verify_or_refused(r.db, os_fault_vfs(r.f), last ? none : r.committed, r.aborted,
                              ACIDB_CORRUPT, &ref, r.msg, sizeof r.msg, why, n) != 0) {
            size_t l = strlen(why);
            snprintf(why + l, n - l, " (bit %u of log offset %llu = LSN %llu flipped; the "
                     "durable stream is [%llu, %llu), its last flush from LSN %llu; %llu "
                     "acknowledged)", (unsigned)(bit % 8), (unsigned long long)off,
                     (unsigned long long)(base + off - lo), (unsigned long long)lo,
                     (unsigned long long)hi, (unsigned long long)d,
                     (unsigned long long)count_ids(r.committed));
            goto out;
        }
        if (ref) {
            /* A refusal must change nothing: with the bit put back, the log opens. */
            (*refused)++;
            b ^= (uint8_t)(1u << (bit % 8));
            file_rw(r.log, 1, &b, 1, off);
            if (verify(r.db, os_fault_vfs(r.f), r.committed, r.aborted, why, n) != 0) {
                size_t l = strlen(why);
                snprintf(why + l, n - l, " (after a refusal of the log with a bit flipped at "
                         "offset %llu: %s)", (unsigned long long)off, r.msg);
                goto out;
            }
        }
    } else if (verify(r.db, os_fault_vfs(r.f), r.committed, r.aborted, why, n) != 0) {
        goto out;
    }
    rc = 0;
out:
    return run_end(&r, rc);
}

/* ---- swaplog ----------------------------------------------------------------------------- */

/* A second bank, crashed with its log in place: its log is "another database's". */
static int other_log(uint64_t seed, const char *dir, char *path, size_t pn, char *why, size_t n)
{
    char db[500];
    snprintf(db, sizeof db, "%s/other.db", dir);
    snprintf(path, pn, "%s-wal", db);
    uint8_t *committed = calloc(NIDS, 1), *aborted = calloc(NIDS, 1);
    os_fault *f;
    os_fault_new(NULL, seed ^ 0x0123456789abcdefull, &f);
    acidb_db *h;
    sqlbank_options o = run_options(seed, f);
    char msg[400];
    int rc = -1;
    if (sqlbank_open(db, &o, &h, msg, sizeof msg) != ACIDB_OK)
        snprintf(why, n, "creating the other database failed: %s", msg);
    else if (run_workers(h, seed + 1, 10, committed, aborted, NULL, why, n) == 0)
        rc = 0;
    if (h != NULL)
        crash(h, f);
    os_fault_free(f);
    free(committed);
    free(aborted);
    unlink(db);
    return rc;
}

static const char *const swap_names[] = {
    "the log deleted",
    "an older copy of the log put back",
    "another database's log put in its place",
    "an older copy of the database file put back beside the log",
    "after a clean close, nothing changed",
};

int run_swaplog(uint64_t seed, char *why, size_t n, uint64_t *refused)
{
    crash_run r;
    run_start(&r, seed, 1);
    char old_db[520], old_log[520], keep_db[520], keep_log[520];
    snprintf(old_db, sizeof old_db, "%s/old.db", r.dir);
    snprintf(old_log, sizeof old_log, "%s/old.db-wal", r.dir);
    snprintf(keep_db, sizeof keep_db, "%s/keep.db", r.dir);
    snprintf(keep_log, sizeof keep_log, "%s/keep.db-wal", r.dir);
    int variant = (int)(seed % 5);
    sqlbank_options o = run_options(seed, r.f);
    int rc = -1;
    if (run_open(&r, &o, why, n) != 0)
        goto out;
    /* First half: acknowledged commits; then the disk as it is is saved (what a backup, a
     * copy or an operator's mistake would bring back), then a checkpoint moves the database
     * file and the log on, then the second half commits more, then the crash. */
    int half = 5 + (int)(fx_xorshift(&r.s) % (PER_WORKER / 2));
    if (run_workers(r.h, seed, half, r.committed, r.aborted, NULL, why, n) != 0)
        goto out;
    if (copy_file(r.db, old_db, why, n) != 0 || copy_file(r.log, old_log, why, n) != 0)
        goto out;
    if (acidb_checkpoint(r.h) != ACIDB_OK) {
        snprintf(why, n, "checkpoint failed: %s", acidb_open_errmsg());
        goto out;
    }
    uint8_t *second = calloc(NIDS, 1);
    /* A short second half allocates few pages, so an older database file is not refused
     * merely because the log names pages it cannot have. */
    int more = 1 + (int)(fx_xorshift(&r.s) % (unsigned)half);
    int wrong = run_workers_from(r.h, seed * 31 + 7, more, IDS_PER_THREAD / 2, second,
                                 r.aborted, NULL, why, n);
    uint64_t acked2 = count_ids(second);
    for (uint64_t id = 0; id < NIDS; id++)
        r.committed[id] |= second[id];
    free(second);
    if (wrong != 0)
        goto out;
    if (variant == 4) {
        /* (e) a clean close leaves one file, and it opens */
        int crc = acidb_close(r.h);
        r.h = NULL;
        if (crc != ACIDB_OK) {
            snprintf(why, n, "clean close failed: %s", acidb_open_errmsg());
            goto out;
        }
        if (file_exists(r.log)) {
            snprintf(why, n, "a clean close left the log %s", r.log);
            goto out;
        }
        rc = verify(r.db, os_fault_vfs(r.f), r.committed, r.aborted, why, n);
        goto out;
    }
    crash(r.h, r.f);
    r.h = NULL;
    if (copy_file(r.db, keep_db, why, n) != 0 || copy_file(r.log, keep_log, why, n) != 0)
        goto out;
    char other[520];
    switch (variant) {
    case 0:
        unlink(r.log);
        break;
    case 1:
        if (!file_exists(old_log)) {
            rc = 0; /* no log at the time of the copy: nothing older to put back */
            goto out;
        }
        copy_file(old_log, r.log, why, n);
        break;
    case 2:
        if (other_log(seed, r.dir, other, sizeof other, why, n) != 0)
            goto out;
        copy_file(other, r.log, why, n);
        unlink(other);
        break;
    default:
        copy_file(old_db, r.db, why, n);
        break;
    }
    int ref = 0;
    if (verify_or_refused(r.db, os_fault_vfs(r.f), r.committed, r.aborted, -1, &ref, r.msg,
                          sizeof r.msg, why, n) != 0) {
        size_t l = strlen(why);
        snprintf(why + l, n - l, " (with %s; %llu acknowledged after the copy)",
                 swap_names[variant], (unsigned long long)acked2);
        goto out;
    }
    if (!ref) {
        snprintf(why, n, "the open succeeded with %s (%llu transfers acknowledged after the "
                 "copy; the invariants happened to hold)", swap_names[variant],
                 (unsigned long long)acked2);
        goto out;
    }
    (*refused)++;
    /* The refusal changed nothing: the files the crash left, put back, open. */
    if (copy_file(keep_db, r.db, why, n) != 0 || copy_file(keep_log, r.log, why, n) != 0)
        goto out;
    if (verify(r.db, os_fault_vfs(r.f), r.committed, r.aborted, why, n) != 0) {
        size_t l = strlen(why);
        snprintf(why + l, n - l, " (after refusing %s: %s)", swap_names[variant], r.msg);
        goto out;
    }
    rc = 0;
out:
    return run_end(&r, rc);
}

/* ---- header ------------------------------------------------------------------------------ */

#define HEADER_PAGE 4096u

/* The sync hook of the header model: at the k-th sync of the database file with a write of
 * page 0 pending, the power fails (before the sync can make it durable). */
typedef struct hdr_cut {
    pthread_mutex_t mu;
    os_fault *f;
    const char *db;
    int countdown, cut;
} hdr_cut;

static void hdr_hook(void *ctx, const char *path)
{
    hdr_cut *c = ctx;
    if (strcmp(path, c->db) != 0 || !os_fault_pending(c->f, c->db, 0, HEADER_PAGE))
        return;
    pthread_mutex_lock(&c->mu);
    if (!c->cut && --c->countdown == 0) {
        c->cut = 1;
        os_fault_power_loss(c->f);
    }
    pthread_mutex_unlock(&c->mu);
}

int run_header(uint64_t seed, char *why, size_t n, uint64_t *torn)
{
    crash_run r;
    run_start(&r, seed, 1);
    sqlbank_options o = run_options(seed, r.f);
    o.page_size = HEADER_PAGE; /* page 0 spans 8 sectors of 512 bytes */
    int rc = -1;
    hdr_cut c = {.f = r.f, .db = r.db, .countdown = 1 + (int)(fx_xorshift(&r.s) % 4)};
    pthread_mutex_init(&c.mu, NULL);
    if (run_open(&r, &o, why, n) != 0)
        goto out;
    /* The database file has no powersafe overwrite: each sector a pending write touches ends
     * new, old or garbage; the log keeps the ordinary model (its damage is other modes'). */
    os_fault_set_garble(r.f, 512);
    os_fault_set_garble_only(r.f, r.db);
    os_fault_set_sync_hook(r.f, hdr_hook, &c);
    int wrong = run_workers(r.h, seed, PER_WORKER, r.committed, r.aborted, NULL, why, n);
    os_fault_set_sync_hook(r.f, NULL, NULL);
    acidb_test_abandon(r.h);
    r.h = NULL;
    os_fault_reset_power(r.f);
    if (wrong != 0)
        goto out;
    const char *how = "none";
    if (c.cut) {
        (*torn)++;
        how = "page 0's sectors garbled";
        if (fx_xorshift(&r.s) % 4 == 0) { /* the whole page random */
            uint8_t page[HEADER_PAGE];
            for (size_t i = 0; i < sizeof page; i++)
                page[i] = (uint8_t)(fx_xorshift(&r.s) >> 24);
            file_rw(r.db, 1, page, sizeof page, 0);
            how = "page 0 all random";
        }
    }
    if (verify(r.db, os_fault_vfs(r.f), r.committed, r.aborted, why, n) != 0) {
        size_t l = strlen(why);
        snprintf(why + l, n - l, " (interrupted write of page 0: %s)", how);
        goto out;
    }
    rc = 0;
out:
    pthread_mutex_destroy(&c.mu);
    return run_end(&r, rc);
}

/* ---- index ------------------------------------------------------------------------------- */

static const char *const index_names[] = {
    "an entry removed from the UNIQUE ref index", "a ref index entry pointed at another row",
    "a row removed from the table behind its index entries"};

/* Damages the transfers table or its UNIQUE ref index in one logged, committed transaction of
 * the engine's own (wal/btx.h), so the damage is durable and the trees stay well formed: only
 * a check of index against rows can see it. */
static int damage_index(acidb_db *h, int variant, uint64_t victim, uint64_t other, char *why,
                        size_t n)
{
    pthread_mutex_lock(&h->mu);
    catalog *cat = h->cat;
    cat_ref(cat);
    pthread_mutex_unlock(&h->mu);
    int rc = -1;
    cat_table *t = cat_find_table(cat, "transfers");
    int refcol = t ? cat_col_index(t, "ref") : -1;
    cat_index *ix = NULL;
    for (int i = 0; t != NULL && i < t->nidx; i++)
        if (t->idx[i]->unique && t->idx[i]->ncols == 1 && t->idx[i]->cols[0] == refcol)
            ix = t->idx[i];
    if (ix == NULL) {
        snprintf(why, n, "no UNIQUE index on transfers(ref) in the catalog");
        cat_unref(cat);
        return -1;
    }
    char ref[32];
    sqlbank_ref(victim, ref, sizeof ref);
    value v = val_text(ref, (uint32_t)strlen(ref));
    rec_buf kb = {0};
    rec_key_value(&kb, &v);
    bt_key key = bt_bytes_key(kb.p, kb.len);
    txn *x;
    int st = kb.oom ? ST_ENOMEM : txn_begin(h->tm, &x);
    if (st == ST_OK) {
        if (variant == 0) {
            st = btx_delete(x, ix->tree, &key);
        } else if (variant == 1) {
            void *old = NULL;
            size_t olen = 0;
            st = btx_get(x, ix->tree, &key, &old, &olen);
            uint8_t nv[8];
            for (int i = 0; i < 8; i++)
                nv[i] = (uint8_t)(other >> (8 * i)); /* the row id, 8 bytes little-endian */
            if (st == ST_OK)
                st = btx_update(x, ix->tree, &key, old, olen, nv, sizeof nv);
            free(old);
        } else {
            bt_key row = bt_int_key((int64_t)victim);
            st = btx_delete(x, t->tree, &row);
        }
        if (st == ST_OK)
            st = txn_commit(x);
        else
            txn_abort(x);
    }
    if (st != ST_OK)
        snprintf(why, n, "damaging the index (%s) failed: %s", index_names[variant], st_msg());
    else
        rc = 0;
    rec_buf_free(&kb);
    cat_unref(cat);
    return rc;
}

int run_index(uint64_t seed, char *why, size_t n, uint64_t *reported)
{
    crash_run r;
    run_start(&r, seed, 1);
    int variant = (int)(seed % 3);
    sqlbank_options o = run_options(seed, r.f);
    int rc = -1;
    if (run_open(&r, &o, why, n) != 0)
        goto out;
    int max = 10 + (int)(fx_xorshift(&r.s) % 30);
    if (run_workers(r.h, seed, max, r.committed, r.aborted, NULL, why, n) != 0)
        goto out;
    /* Two committed transfers, chosen at random: the victim and the row it is pointed at. */
    uint64_t ids[2] = {0, 0}, k = count_ids(r.committed);
    if (k < 2) {
        rc = 0; /* nothing to damage: a run that proves nothing, counted in none */
        goto out;
    }
    for (int j = 0; j < 2; j++) {
        uint64_t pick = fx_xorshift(&r.s) % k;
        for (uint64_t id = 0; id < NIDS; id++)
            if (r.committed[id] && pick-- == 0) {
                ids[j] = id;
                break;
            }
        if (j == 1 && ids[1] == ids[0])
            j--; /* pick again */
    }
    if (damage_index(r.h, variant, ids[0], ids[1], why, n) != 0)
        goto out;
    if (variant == 2)
        r.committed[ids[0]] = 0; /* deliberately gone */
    int crc = acidb_close(r.h);
    r.h = NULL;
    if (crc != ACIDB_OK) {
        snprintf(why, n, "clean close failed: %s", acidb_open_errmsg());
        goto out;
    }
    sqlbank_options ro = {.vfs = os_fault_vfs(r.f), .must_exist = 1};
    if (run_open(&r, &ro, why, n) != 0) {
        snprintf(why, n, "reopen after the damage failed: %s", r.msg);
        goto out;
    }
    char report[600] = "";
    uint64_t problems = 0;
    if (fx_check(r.h, report, sizeof report, &problems) != ACIDB_OK) {
        snprintf(why, n, "acidb_check did not run: %s", acidb_open_errmsg());
        goto out;
    }
    if (problems == 0) {
        snprintf(why, n, "(1) acidb_check is clean after %s (transfer %llu, ref-%010llu; %s)",
                 index_names[variant], (unsigned long long)ids[0], (unsigned long long)ids[0],
                 variant == 1 ? "now pointing at another transfer's row" : "nothing else changed");
        goto out;
    }
    char ref[32];
    sqlbank_ref(ids[0], ref, sizeof ref);
    if (strstr(report, "transfers") == NULL || strstr(report, ref) == NULL) {
        snprintf(why, n, "(1) acidb_check reports %llu problem(s) after %s but does not name the "
                 "table and the key %s: %s", (unsigned long long)problems, index_names[variant],
                 ref, report);
        goto out;
    }
    if (verbose)
        printf("  reported: %s", report);
    (*reported)++;
    rc = 0;
out:
    return run_end(&r, rc);
}
