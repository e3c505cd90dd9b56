/*
 * log_test.c — the log device: records come back exactly, durability means what it says,
 * group commit shares fsyncs, and every kind of bad or torn log ends cleanly.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "pager/os_fault.h"
#include "pager/pager.h"
#include "pager/status.h"
#include "tests/common/fixture.h"
#include "wal/log_int.h" /* wal_verify, the record format */
#include "wal/log.h"

static const char *db; /* fx_db: "test.db" in this test's temporary directory */
static char logpath[sizeof fx_db + 8]; /* its log */
static const uint8_t ID[16] = "database-one-id";
static const uint8_t OTHER[16] = "database-two-id";

static void setup(void)
{
    fx_begin("wal", 0);
    db = fx_db;
    snprintf(logpath, sizeof logpath, "%s-wal", fx_db);
}

TestSuite(wal, .init = setup, .fini = fx_end);

/* A deterministic record #i: its fields and payload bytes derive from i. */
typedef struct {
    uint8_t redo[3000], undo[3000];
    wal_rec r;
} rec_buf;

static void make_rec(rec_buf *b, uint64_t i)
{
    uint64_t s = i * 0x9e3779b97f4a7c15ull + 1;
    b->r = (wal_rec){0};
    b->r.type = (uint8_t)(1 + fx_xorshift(&s) % WAL_TYPE_MAX);
    b->r.txn = i % 7;
    b->r.prev_lsn = fx_xorshift(&s) % 512; /* below every LSN: back pointers point back */
    b->r.pgno = i;
    b->r.root = i * 3;
    b->r.undo_next = i * 5;
    b->r.redo_len = (uint32_t)(fx_xorshift(&s) % 4 == 0 ? 0 : fx_xorshift(&s) % sizeof b->redo);
    b->r.undo_len = (uint32_t)(fx_xorshift(&s) % 3 == 0 ? 0 : fx_xorshift(&s) % sizeof b->undo);
    for (uint32_t k = 0; k < b->r.redo_len; k++)
        b->redo[k] = (uint8_t)(i + k);
    for (uint32_t k = 0; k < b->r.undo_len; k++)
        b->undo[k] = (uint8_t)(i * 7 + k);
    b->r.redo = b->redo;
    b->r.undo = b->undo;
}

static void assert_rec(const wal_rec *got, uint64_t i)
{
    rec_buf want;
    make_rec(&want, i);
    cr_assert_eq(got->type, want.r.type, "record %llu type", (unsigned long long)i);
    cr_assert_eq(got->txn, want.r.txn);
    cr_assert_eq(got->prev_lsn, want.r.prev_lsn);
    cr_assert_eq(got->pgno, want.r.pgno);
    cr_assert_eq(got->root, want.r.root);
    cr_assert_eq(got->undo_next, want.r.undo_next);
    cr_assert_eq(got->redo_len, want.r.redo_len);
    cr_assert_eq(got->undo_len, want.r.undo_len);
    cr_assert_eq(memcmp(got->redo, want.redo, got->redo_len), 0, "record %llu redo",
                 (unsigned long long)i);
    cr_assert_eq(memcmp(got->undo, want.undo, got->undo_len), 0, "record %llu undo",
                 (unsigned long long)i);
}

/* Reads the whole log; checks records are 0..n-1 in order; returns how many. */
static uint64_t read_all(wal *w, uint64_t first_index)
{
    wal_reader *r;
    cr_assert_eq(wal_reader_open(w, 0, &r), ST_OK, "%s", st_msg());
    wal_rec rec;
    uint64_t n = 0, last_end = 0;
    int rc;
    while ((rc = wal_next(r, &rec)) == ST_OK) {
        assert_rec(&rec, first_index + n);
        cr_assert(rec.lsn >= last_end);
        last_end = rec.lsn;
        n++;
    }
    cr_assert_eq(rc, ST_ENOTFOUND, "%s", st_msg());
    wal_reader_close(r);
    return n;
}

/* Counts the readable records without checking their content. */
static uint64_t read_all_count(wal *w)
{
    wal_reader *r;
    cr_assert_eq(wal_reader_open(w, 0, &r), ST_OK, "%s", st_msg());
    wal_rec rec;
    uint64_t n = 0;
    while (wal_next(r, &rec) == ST_OK)
        n++;
    wal_reader_close(r);
    return n;
}

static wal *open_log_as(os_vfs *vfs, int durable, int powersafe)
{
    wal_options o = {.vfs = vfs, .no_sync = !durable, .prealloc = 1 << 20,
                     .powersafe_overwrite = powersafe};
    wal *w = NULL;
    cr_assert_eq(wal_open(db, ID, &o, &w), ST_OK, "%s", st_msg());
    return w;
}

static wal *open_log(os_vfs *vfs, int durable) { return open_log_as(vfs, durable, 0); }

Test(wal, records_round_trip_and_survive_reopen)
{
    wal *w = open_log(NULL, 1);
    cr_assert_eq(wal_end_lsn(w), WAL_HDR_SIZE);
    rec_buf b;
    uint64_t lsns[500];
    for (uint64_t i = 0; i < 500; i++) {
        make_rec(&b, i);
        cr_assert_eq(wal_append(w, &b.r), ST_OK, "%s", st_msg());
        lsns[i] = b.r.lsn;
        cr_assert(i == 0 || lsns[i] > lsns[i - 1]);
    }
    cr_assert_eq(read_all(w, 0), 0, "nothing is readable before it is flushed");
    cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK);
    cr_assert_eq(wal_durable_lsn(w), wal_end_lsn(w));
    cr_assert_eq(read_all(w, 0), 500);
    uint64_t end = wal_end_lsn(w);
    cr_assert_eq(wal_close(w), ST_OK);

    w = open_log(NULL, 1);
    cr_assert_eq(wal_end_lsn(w), end, "the end is found again by scanning");
    cr_assert_eq(read_all(w, 0), 500);
    wal_reader *r;
    cr_assert_eq(wal_reader_open(w, lsns[250], &r), ST_OK);
    wal_rec rec;
    cr_assert_eq(wal_next(r, &rec), ST_OK);
    cr_assert_eq(rec.lsn, lsns[250]);
    assert_rec(&rec, 250);
    wal_reader_close(r);
    cr_assert_eq(wal_close(w), ST_OK);
}

Test(wal, refuses_bad_records_and_foreign_logs)
{
    wal *w = open_log(NULL, 1);
    wal_rec bad = {.type = 0};
    cr_assert_eq(wal_append(w, &bad), ST_EINVAL);
    static uint8_t big[WAL_MAX_REC / 2 + 1];
    wal_rec huge = {.type = WAL_UPDATE, .redo = big, .redo_len = sizeof big, .undo = big,
                    .undo_len = sizeof big};
    cr_assert_eq(wal_append(w, &huge), ST_ETOOBIG);
    cr_assert(strstr(st_msg(), "exceeds") != NULL, "%s", st_msg());
    cr_assert_eq(wal_close(w), ST_OK);

    wal *other = NULL;
    cr_assert_eq(wal_open(db, OTHER, NULL, &other), ST_ENOTDB);
    cr_assert(strstr(st_msg(), "belongs to another database") != NULL, "%s", st_msg());

    /* A header from a newer format, then from an older one: both slots rewritten, valid
     * checksums. Neither is read (an older log's records would look like the end of the log). */
    FILE *fp = fopen(logpath, "r+b");
    static uint8_t h[WAL_HDR_SIZE];
    cr_assert_eq(fread(h, 1, sizeof h, fp), sizeof h);
    for (int v = 0; v < 2; v++) {
        for (int s = 0; s < 2; s++) {
            uint8_t *slot = h + s * WAL_BLOCK;
            if (memcmp(slot, WAL_MAGIC, 16) != 0)
                continue;
            put_u32(slot + 16, v == 0 ? WAL_FORMAT_VERSION + 1 : WAL_FORMAT_VERSION - 1);
            put_u64(slot + 248, XXH3_64bits(slot, 248));
        }
        fseek(fp, 0, SEEK_SET);
        fwrite(h, 1, sizeof h, fp);
        fflush(fp);
        cr_assert_eq(wal_open(db, ID, NULL, &other), ST_EVERSION, "%s", st_msg());
        cr_assert(strstr(st_msg(), v == 0 ? "newer acidb" : "older acidb") != NULL, "%s",
                  st_msg());
    }
    fclose(fp);

    /* Not a log at all. */
    fp = fopen(logpath, "wb");
    fputs("hello, I am a text file and not a log\n", fp);
    fclose(fp);
    cr_assert_eq(wal_open(db, ID, NULL, &other), ST_ENOTDB, "%s", st_msg());
}

/* A damaged older header copy is survivable; a damaged current copy is refused when records
 * written after it exist (reading from the older copy would silently drop them); two damaged
 * copies are refused. */
Test(wal, header_has_two_copies)
{
    wal *w = open_log(NULL, 1);
    rec_buf b;
    make_rec(&b, 0);
    cr_assert_eq(wal_append(w, &b.r), ST_OK);
    cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK);
    cr_assert_eq(wal_restart(w), ST_OK); /* copy 0 now holds seq 2 (current), copy 1 seq 1 */
    make_rec(&b, 1);
    cr_assert_eq(wal_append(w, &b.r), ST_OK);
    cr_assert_eq(wal_close(w), ST_OK);

    FILE *fp = fopen(logpath, "r+b");
    fseek(fp, WAL_BLOCK + 40, SEEK_SET); /* the older copy */
    fputc('X', fp);
    fclose(fp);
    w = open_log(NULL, 1);
    cr_assert_eq(read_all(w, 1), 1, "the current copy alone is enough");
    cr_assert_eq(wal_close(w), ST_OK);

    /* That open wrote a new header copy over the damaged one (each open starts an epoch), so
     * damage both copies now. */
    fp = fopen(logpath, "r+b");
    fseek(fp, 40, SEEK_SET);
    fputc('X', fp);
    fseek(fp, WAL_BLOCK + 40, SEEK_SET);
    fputc('X', fp);
    fclose(fp);
    wal *x = NULL;
    int rc = wal_open(db, ID, NULL, &x);
    cr_assert(rc == ST_ECORRUPT || rc == ST_ENOTDB, "both copies damaged: %d %s", rc, st_msg());
}

Test(wal, damaged_current_header_is_refused_when_newer_records_exist)
{
    wal *w = open_log(NULL, 1);
    rec_buf b;
    make_rec(&b, 0);
    cr_assert_eq(wal_append(w, &b.r), ST_OK);
    cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK);
    cr_assert_eq(wal_restart(w), ST_OK);
    make_rec(&b, 1);
    cr_assert_eq(wal_append(w, &b.r), ST_OK);
    cr_assert_eq(wal_close(w), ST_OK);
    FILE *fp = fopen(logpath, "r+b");
    fseek(fp, 40, SEEK_SET); /* copy 0: the current one */
    fputc('X', fp);
    fclose(fp);
    wal *x = NULL;
    cr_assert_eq(wal_open(db, ID, NULL, &x), ST_ECORRUPT, "%s", st_msg());
    cr_assert(strstr(st_msg(), "refusing to guess") != NULL, "%s", st_msg());
    /* and nothing was zeroed: the record is still in the file */
    fp = fopen(logpath, "rb");
    uint8_t h[16];
    fseek(fp, WAL_HDR_SIZE, SEEK_SET);
    cr_assert_eq(fread(h, 1, sizeof h, fp), sizeof h);
    fclose(fp);
    cr_assert_neq(get_u32(h), 0);
}

/* Restarting reuses the file from the start and old records can never come back. */
Test(wal, restart_reuses_space)
{
    wal *w = open_log(NULL, 1);
    rec_buf b;
    for (uint64_t i = 0; i < 200; i++) {
        make_rec(&b, i);
        cr_assert_eq(wal_append(w, &b.r), ST_OK);
    }
    cr_assert_eq(wal_restart(w), ST_EINVAL, "restart needs a flushed log");
    cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK);
    uint64_t end = wal_end_lsn(w);
    cr_assert_eq(wal_restart(w), ST_OK, "%s", st_msg());
    cr_assert_eq(wal_base_lsn(w), end);
    cr_assert_eq(read_all(w, 0), 0);
    for (uint64_t i = 1000; i < 1010; i++) {
        make_rec(&b, i);
        cr_assert_eq(wal_append(w, &b.r), ST_OK);
        cr_assert(b.r.lsn >= end, "LSNs keep growing across restarts");
    }
    cr_assert_eq(wal_close(w), ST_OK);
    FILE *fp = fopen(logpath, "rb");
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    cr_assert_leq(size, 1 << 20, "one preallocation step holds both generations (%ld)", size);
    w = open_log(NULL, 1);
    cr_assert_eq(read_all(w, 1000), 10);
    cr_assert_eq(wal_close(w), ST_OK);
}

/* A record lost by a crash (never written: zeros) ends the log, and what lay beyond it can
 * never come back: a new record of the same size must not make the old successor valid (the
 * epoch rule). With powersafe overwrite, where no pad separates old and new records. */
Test(wal, stale_records_beyond_the_end_never_come_back)
{
    wal *w = open_log_as(NULL, 1, 1);
    rec_buf b;
    uint64_t lsn[20];
    for (uint64_t i = 0; i < 20; i++) {
        make_rec(&b, i);
        cr_assert_eq(wal_append(w, &b.r), ST_OK);
        lsn[i] = b.r.lsn;
    }
    cr_assert_eq(wal_close(w), ST_OK);
    /* Record 10 never reached the disk; records 11..19 did (writes persist out of order). */
    uint64_t len10 = lsn[11] - lsn[10];
    FILE *fp = fopen(logpath, "r+b");
    fseek(fp, (long)lsn[10], SEEK_SET); /* LSN == file offset in a fresh log */
    for (uint64_t k = 0; k < len10; k++)
        fputc(0, fp);
    fclose(fp);

    w = open_log_as(NULL, 1, 1);
    cr_assert_eq(wal_end_lsn(w), lsn[10]);
    cr_assert_eq(read_all(w, 0), 10);
    /* Append a record exactly as long as the lost one. */
    make_rec(&b, 10);
    cr_assert_eq(wal_append(w, &b.r), ST_OK);
    cr_assert_eq(b.r.lsn, lsn[10]);
    cr_assert_eq(wal_close(w), ST_OK);
    w = open_log_as(NULL, 1, 1);
    cr_assert_eq(read_all(w, 0), 11, "old record 11 must not reappear after the new 10");
    cr_assert_eq(wal_close(w), ST_OK);
}

typedef struct {
    wal *w;
    int commits;
    uint64_t tid;
} committer;

static void *commit_loop(void *arg)
{
    committer *c = arg;
    for (int i = 0; i < c->commits; i++) {
        uint8_t payload[100];
        memset(payload, (int)c->tid, sizeof payload);
        wal_rec r = {.type = WAL_COMMIT, .txn = c->tid * 1000000 + (uint64_t)i, .redo = payload,
                     .redo_len = sizeof payload};
        if (wal_append(c->w, &r) != ST_OK || wal_flush_to(c->w, r.lsn + 1) != ST_OK)
            return (void *)1;
        if (wal_durable_lsn(c->w) <= r.lsn)
            return (void *)2; /* flush returned before our record was durable */
    }
    return NULL;
}

/* With 8 committing threads, fewer fsyncs than commits (counted by the OS layer). */
Test(wal, group_commit_shares_fsyncs)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, 1, &f), ST_OK);
    os_fault_set_sync_delay(f, 1000); /* a fast SSD's fdatasync */
    wal *w = open_log(os_fault_vfs(f), 1);
    os_fault_counts before;
    os_fault_counts_get(f, &before);
    enum { T = 8, N = 200 };
    pthread_t th[T];
    committer cs[T];
    for (int i = 0; i < T; i++) {
        cs[i] = (committer){w, N, (uint64_t)i + 1};
        pthread_create(&th[i], NULL, commit_loop, &cs[i]);
    }
    for (int i = 0; i < T; i++) {
        void *res;
        pthread_join(th[i], &res);
        cr_assert_null(res, "thread %d failed (%p): %s", i, res, st_msg());
    }
    os_fault_counts after;
    os_fault_counts_get(f, &after);
    uint64_t syncs = after.syncs - before.syncs;
    wal_stats st;
    wal_get_stats(w, &st);
    cr_log_info("group commit: %d commits, %llu fsyncs, %llu waits", T * N,
                (unsigned long long)syncs, (unsigned long long)st.group_waits);
    cr_assert_lt(syncs, (uint64_t)T * N, "%llu fsyncs for %d commits", (unsigned long long)syncs,
                 T * N);
    cr_assert_eq(read_all_count(w), (uint64_t)T * N);
    cr_assert_eq(wal_close(w), ST_OK);
    os_fault_free(f);
}

/* After a failed fsync nothing more is accepted (fsyncgate): the log refuses appends and
 * flushes until reopened; what was durable before is intact after reopening. */
Test(wal, failed_sync_fails_the_log_for_good)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, 2, &f), ST_OK);
    wal *w = open_log(os_fault_vfs(f), 1);
    rec_buf b;
    for (uint64_t i = 0; i < 10; i++) {
        make_rec(&b, i);
        cr_assert_eq(wal_append(w, &b.r), ST_OK);
    }
    cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK);
    for (uint64_t i = 10; i < 20; i++) {
        make_rec(&b, i);
        cr_assert_eq(wal_append(w, &b.r), ST_OK);
    }
    os_fault_inject(f, OSF_SYNC, 1, OSF_EIO, 0);
    cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_EIO);
    cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_EIO, "a retry must not report success");
    cr_assert(strstr(st_msg(), "failed state") != NULL, "%s", st_msg());
    make_rec(&b, 20);
    cr_assert_eq(wal_append(w, &b.r), ST_EIO);
    wal_close(w);
    w = open_log(os_fault_vfs(f), 1);
    cr_assert_eq(read_all(w, 0), 10, "the durable prefix, and nothing the failed sync dropped");
    cr_assert_eq(wal_close(w), ST_OK);
    os_fault_free(f);
}

/* The workload of the power-cut tests: 5 to 64 records numbered from *appended, each followed
 * by a flush with probability 1/every (*durable_count and *last_durable, its LSN, track what
 * is durable), then one more record left pending, so that the cut always has something to
 * lose. The draws from *s are the same whatever `every` is. */
static void append_burst(wal *w, uint64_t *s, unsigned every, rec_buf *b, uint64_t *appended,
                         uint64_t *durable_count, uint64_t *last_durable)
{
    uint64_t steps = 5 + fx_xorshift(s) % 60;
    for (uint64_t k = 0; k < steps; k++) {
        make_rec(b, *appended);
        cr_assert_eq(wal_append(w, &b->r), ST_OK);
        (*appended)++;
        if (fx_xorshift(s) % every == 0) {
            cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK);
            *durable_count = *appended;
            *last_durable = b->r.lsn;
        }
    }
    make_rec(b, *appended);
    cr_assert_eq(wal_append(w, &b->r), ST_OK);
    (*appended)++;
}

/* Power cuts at random moments — in the middle of a flush, with its writes still in the page
 * cache, so they are kept, dropped or torn: every record below the durable LSN at the cut
 * comes back intact and in order, the log ends cleanly at or after it, and appending after
 * the reopen works (and survives another reopen). */
Test(wal, power_loss_keeps_every_durable_record)
{
    uint64_t seed0 = fx_seed(NULL, 42);
    int cuts_that_lost = 0;
    for (uint64_t seed = seed0; seed < seed0 + 60; seed++) {
        unlink(logpath);
        os_fault *f;
        cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
        wal *w = open_log(os_fault_vfs(f), 1);
        uint64_t s = seed, durable_count = 0, appended = 0, last_durable = 0;
        rec_buf b;
        append_burst(w, &s, 4, &b, &appended, &durable_count, &last_durable);
        os_fault_inject(f, OSF_SYNC, 1, OSF_CUT, 0);
        cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_EIO);
        cuts_that_lost += os_fault_cut_lost(f) > 0;
        wal_close(w);
        os_fault_reset_power(f);
        os_fault_clear(f);
        w = open_log(os_fault_vfs(f), 1);
        uint64_t n = read_all(w, 0);
        cr_assert_geq(n, durable_count, "seed %llu: %llu records durable, %llu came back",
                      (unsigned long long)seed, (unsigned long long)durable_count,
                      (unsigned long long)n);
        cr_assert_leq(n, appended);
        make_rec(&b, n); /* continue the sequence where the log ends */
        cr_assert_eq(wal_append(w, &b.r), ST_OK);
        cr_assert_eq(wal_close(w), ST_OK);
        w = open_log(os_fault_vfs(f), 1);
        cr_assert_eq(read_all(w, 0), n + 1, "seed %llu", (unsigned long long)seed);
        cr_assert_eq(wal_close(w), ST_OK);
        os_fault_free(f);
    }
    cr_assert_gt(cuts_that_lost, 10, "only %d of 60 cuts lost a pending write", cuts_that_lost);
}

/* Creating and removing the log are made durable with directory syncs (L5). */
Test(wal, creation_and_removal_sync_the_directory)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, 5, &f), ST_OK);
    os_fault_counts c0, c1, c2;
    os_fault_counts_get(f, &c0);
    wal *w = open_log(os_fault_vfs(f), 1);
    os_fault_counts_get(f, &c1);
    cr_assert_geq(c1.dir_syncs, c0.dir_syncs + 1, "creation must sync the directory");
    char tmp[sizeof logpath + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", logpath);
    cr_assert_neq(access(tmp, F_OK), 0, "no temporary file is left behind");
    cr_assert_eq(wal_close_and_remove(w), ST_OK);
    os_fault_counts_get(f, &c2);
    cr_assert_geq(c2.dir_syncs, c1.dir_syncs + 1, "removal must sync the directory");
    os_fault_free(f);
}

/* A crash while the log was being created leaves at most a `-wal.tmp`, which is cleaned up. */
Test(wal, leftover_temporary_log_is_ignored)
{
    char tmp[sizeof logpath + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", logpath);
    FILE *fp = fopen(tmp, "wb");
    fputs("half a header", fp);
    fclose(fp);
    wal *w = open_log(NULL, 1);
    cr_assert_neq(access(tmp, F_OK), 0);
    cr_assert_eq(wal_close(w), ST_OK);
}

/* Non-durable mode never syncs, yet still writes in order and reads back. */
Test(wal, durability_off_never_syncs)
{
    os_fault *f;
    cr_assert_eq(os_fault_new(NULL, 3, &f), ST_OK);
    wal *w = open_log(os_fault_vfs(f), 0);
    os_fault_counts before, after;
    os_fault_counts_get(f, &before);
    rec_buf b;
    for (uint64_t i = 0; i < 50; i++) {
        make_rec(&b, i);
        cr_assert_eq(wal_append(w, &b.r), ST_OK);
        cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK);
    }
    os_fault_counts_get(f, &after);
    cr_assert_eq(after.syncs, before.syncs);
    cr_assert_eq(read_all(w, 0), 50);
    cr_assert_eq(wal_close(w), ST_OK);
    os_fault_free(f);
}

/* A clean close can remove the log: the database is one file again. */
Test(wal, close_and_remove)
{
    wal *w = open_log(NULL, 1);
    rec_buf b;
    make_rec(&b, 0);
    cr_assert_eq(wal_append(w, &b.r), ST_OK);
    cr_assert_eq(wal_close_and_remove(w), ST_OK, "%s", st_msg());
    cr_assert_neq(access(logpath, F_OK), 0, "the log file is gone");
}

/* A record whose two length varints are each huge but wrap to a small sum must be refused, not
 * decoded with truncated lengths (found reading the decoder again: 2^64 - 10 and 10 + k). */
Test(wal, lengths_that_wrap_around_are_refused)
{
    uint8_t rec[64] = {0};
    const uint64_t lsn = 4096, seed = 7;
    rec[WR_TYPE] = WAL_UPDATE;
    rec[WR_FLAGS] = 0;
    put_u64(rec + WR_LSN, lsn);
    size_t n = WR_VARINTS;
    rec[n++] = 1; /* epoch */
    uint64_t lens[2] = {UINT64_MAX - 9, 10 + 4}; /* sum wraps to 4 */
    for (int k = 0; k < 2; k++) {
        uint64_t v = lens[k];
        while (v >= 0x80) {
            rec[n++] = (uint8_t)(v | 0x80);
            v >>= 7;
        }
        rec[n++] = (uint8_t)v;
    }
    n += 4; /* the 4 payload bytes the wrapped sum claims */
    size_t len = n + WAL_REC_TRAILER;
    put_u32(rec + WR_LEN, (uint32_t)len);
    put_u64(rec + n, XXH3_64bits_withSeed(rec, n, seed));
    size_t need;
    cr_assert_eq(wal_verify(rec, len, lsn, seed, &need), 0, "a wrapped length was accepted");
    /* the same record with honest lengths verifies: the test builds records right */
    n = WR_VARINTS;
    rec[n++] = 1;
    rec[n++] = 4;
    rec[n++] = 0;
    n += 4;
    len = n + WAL_REC_TRAILER;
    put_u32(rec + WR_LEN, (uint32_t)len);
    put_u64(rec + n, XXH3_64bits_withSeed(rec, n, seed));
    cr_assert_eq(wal_verify(rec, len, lsn, seed, &need), len);
}

/* wal_peek reads the current header without opening the log for writing: the generation and
 * page size a new log was given, the base, checkpoint and epoch; a missing log is
 * ST_ENOTFOUND, two damaged copies ST_ECORRUPT, and an existing log keeps its generation. */
Test(wal, peek_reads_the_header_without_opening)
{
    wal_peek_info pi;
    cr_assert_eq(wal_peek(NULL, db, &pi), ST_ENOTFOUND, "%s", st_msg());
    wal_options o = {.generation = 7, .page_size = 4096, .prealloc = 1 << 20};
    wal *w = NULL;
    cr_assert_eq(wal_open(db, ID, &o, &w), ST_OK, "%s", st_msg());
    cr_assert_eq(wal_generation(w), 7);
    rec_buf b;
    make_rec(&b, 0);
    cr_assert_eq(wal_append(w, &b.r), ST_OK);
    cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK);
    cr_assert_eq(wal_set_checkpoint(w, b.r.lsn), ST_OK, "%s", st_msg());
    cr_assert_eq(wal_peek(NULL, db, &pi), ST_OK, "%s", st_msg());
    cr_assert_eq(memcmp(pi.db_id, ID, 16), 0);
    cr_assert_eq(pi.generation, 7);
    cr_assert_eq(pi.page_size, 4096);
    cr_assert_eq(pi.base_lsn, wal_base_lsn(w));
    cr_assert_eq(pi.checkpoint_lsn, b.r.lsn);
    cr_assert_eq(pi.epoch, 1);
    cr_assert_eq(wal_close(w), ST_OK);

    o.generation = 9; /* ignored for an existing log */
    cr_assert_eq(wal_open(db, ID, &o, &w), ST_OK, "%s", st_msg());
    cr_assert_eq(wal_generation(w), 7);
    cr_assert_eq(wal_close(w), ST_OK);
    cr_assert_eq(wal_peek(NULL, db, &pi), ST_OK, "%s", st_msg());
    cr_assert_eq(pi.generation, 7);
    cr_assert_eq(pi.epoch, 2, "the reopen started epoch 2");

    /* both copies damaged */
    FILE *fp = fopen(logpath, "r+b");
    fseek(fp, 40, SEEK_SET);
    fputc('X', fp);
    fseek(fp, WAL_BLOCK + 40, SEEK_SET);
    fputc('X', fp);
    fclose(fp);
    cr_assert_eq(wal_peek(NULL, db, &pi), ST_ECORRUPT, "%s", st_msg());
}

/* ---- the sector layout and damage rules (wal/README.md L6, L7) ---------------------------- */

/* A recording OS layer over os_posix: it remembers the path each file was opened with and names
 * it in its errors (as os_posix does), logs every write and sync of files whose name ends in
 * "-wal", and can fail the next fdatasync. */
typedef struct tv_event {
    uint64_t off, len;
    int sync;  /* 1: a sync, 0: a write, 2: the test restarted the log (old blocks are dead) */
    int zero;  /* a write of zeros only (preallocation) */
} tv_event;

typedef struct tv_vfs {
    os_vfs v;
    pthread_mutex_t mu;
    tv_event ev[20000];
    int n;
    int fail_syncs; /* the next this many syncs fail with ST_EIO */
} tv_vfs;

typedef struct tv_file {
    os_vfs *vfs;
    os_file *base;
    char path[200];
} tv_file;

static int tv_tracked(const tv_file *f)
{
    size_t n = strlen(f->path);
    return n >= 4 && strcmp(f->path + n - 4, "-wal") == 0;
}

static int tv_open(os_vfs *vfs, const char *path, int flags, os_file **out)
{
    tv_file *f = calloc(1, sizeof *f);
    f->vfs = vfs;
    snprintf(f->path, sizeof f->path, "%s", path);
    int rc = os_posix()->open(os_posix(), path, flags, &f->base);
    if (rc != ST_OK) {
        free(f);
        return rc;
    }
    *out = (os_file *)f;
    return ST_OK;
}

static int tv_read(os_file *of, void *b, size_t n, uint64_t off, size_t *got)
{
    return os_read(((tv_file *)of)->base, b, n, off, got);
}

static int tv_write(os_file *of, const void *b, size_t n, uint64_t off)
{
    tv_file *f = (tv_file *)of;
    tv_vfs *t = (tv_vfs *)f->vfs;
    if (tv_tracked(f)) {
        int zero = 1;
        for (size_t i = 0; i < n && zero; i++)
            zero = ((const uint8_t *)b)[i] == 0;
        pthread_mutex_lock(&t->mu);
        if (t->n < (int)(sizeof t->ev / sizeof t->ev[0]))
            t->ev[t->n++] = (tv_event){off, n, 0, zero};
        pthread_mutex_unlock(&t->mu);
    }
    return os_write(f->base, b, n, off);
}

static int tv_sync(os_file *of)
{
    tv_file *f = (tv_file *)of;
    tv_vfs *t = (tv_vfs *)f->vfs;
    pthread_mutex_lock(&t->mu);
    int fail = t->fail_syncs > 0;
    if (fail)
        t->fail_syncs--;
    else if (tv_tracked(f) && t->n < (int)(sizeof t->ev / sizeof t->ev[0]))
        t->ev[t->n++] = (tv_event){0, 0, 1, 0};
    pthread_mutex_unlock(&t->mu);
    if (fail)
        return st_set(ST_EIO, "fdatasync of %s failed: Input/output error (test)", f->path);
    return os_sync(f->base);
}

static int tv_truncate(os_file *of, uint64_t size)
{
    return os_truncate(((tv_file *)of)->base, size);
}
static int tv_size(os_file *of, uint64_t *out) { return os_size(((tv_file *)of)->base, out); }
static int tv_lock(os_file *of, long *holder) { return os_lock(((tv_file *)of)->base, holder); }
static int tv_close(os_file *of)
{
    tv_file *f = (tv_file *)of;
    int rc = os_close(f->base);
    free(f);
    return rc;
}
static int tv_remove(os_vfs *vfs, const char *path)
{
    (void)vfs;
    return os_posix()->remove(os_posix(), path);
}
static int tv_rename(os_vfs *vfs, const char *from, const char *to)
{
    (void)vfs;
    return os_posix()->rename(os_posix(), from, to);
}
static int tv_exists(os_vfs *vfs, const char *path, int *out)
{
    (void)vfs;
    return os_posix()->exists(os_posix(), path, out);
}
static int tv_sync_dir(os_vfs *vfs, const char *path)
{
    (void)vfs;
    return os_posix()->sync_dir(os_posix(), path);
}
static int tv_file_id(os_file *of, uint64_t *dev, uint64_t *ino)
{
    return os_file_id(((tv_file *)of)->base, dev, ino);
}

static tv_vfs *tv_new(void)
{
    tv_vfs *t = calloc(1, sizeof *t);
    t->v = (os_vfs){.name = "test-recorder", .open = tv_open, .read = tv_read,
                    .write = tv_write, .sync = tv_sync, .truncate = tv_truncate,
                    .size = tv_size, .lock = tv_lock, .close = tv_close, .remove = tv_remove,
                    .rename = tv_rename, .exists = tv_exists, .sync_dir = tv_sync_dir,
                    .file_id = tv_file_id};
    t->v.ctx = t;
    pthread_mutex_init(&t->mu, NULL);
    return t;
}

static void tv_free(tv_vfs *t)
{
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* Replays the recorded writes and syncs of the log: returns how many writes of the record
 * stream touched a block that an earlier sync had made durable with records in it, and checks
 * that every header write stays inside one block. */
static int tv_rewrites_of_synced_blocks(const tv_vfs *t)
{
    enum { MAXB = 1 << 16 };
    static uint8_t state[MAXB]; /* 0 untouched, 1 written since the last sync, 2 synced */
    memset(state, 0, sizeof state);
    int bad = 0;
    for (int i = 0; i < t->n; i++) {
        const tv_event *e = &t->ev[i];
        if (e->sync) {
            for (int b = 0; b < MAXB; b++)
                if (state[b] == 1 || e->sync == 2)
                    state[b] = e->sync == 2 ? 0 : 2;
            continue;
        }
        uint64_t first = e->off / WAL_BLOCK, last = (e->off + e->len - 1) / WAL_BLOCK;
        if (e->off < WAL_HDR_SIZE) {
            cr_assert_eq(first, last, "a header write spans two blocks (%llu+%llu)",
                         (unsigned long long)e->off, (unsigned long long)e->len);
            continue;
        }
        cr_assert_lt(last, (uint64_t)MAXB);
        for (uint64_t b = first; b <= last; b++) {
            if (state[b] == 2 && getenv("TV_DEBUG"))
                fprintf(stderr, "event %d/%d: write %llu+%llu zero %d rewrites block %llu\n", i,
                        t->n, (unsigned long long)e->off, (unsigned long long)e->len, e->zero,
                        (unsigned long long)b);
            if (state[b] == 2)
                bad++;
            if (!e->zero)
                state[b] = 1;
        }
    }
    return bad;
}

static wal *open_tv(tv_vfs *t, int powersafe)
{
    wal_options o = {.vfs = &t->v, .prealloc = 1 << 20, .powersafe_overwrite = powersafe};
    wal *w = NULL;
    cr_assert_eq(wal_open(db, ID, &o, &w), ST_OK, "%s", st_msg());
    return w;
}

/* A mixed load: group commits from 4 threads, single flushes of random batches, a big batch
 * flushed by wal_flush_if_big, a checkpoint, a reopen and a restart. */
static void mixed_load(tv_vfs *t, int powersafe)
{
    wal *w = open_tv(t, powersafe);
    uint64_t s = 99;
    rec_buf b;
    for (int round = 0; round < 2; round++) {
        enum { T = 4 };
        pthread_t th[T];
        committer cs[T];
        for (int i = 0; i < T; i++) {
            cs[i] = (committer){w, 30, (uint64_t)i + 1};
            pthread_create(&th[i], NULL, commit_loop, &cs[i]);
        }
        for (int i = 0; i < T; i++)
            pthread_join(th[i], NULL);
        for (uint64_t i = 0; i < 40; i++) {
            make_rec(&b, i);
            cr_assert_eq(wal_append(w, &b.r), ST_OK);
            if (fx_xorshift(&s) % 3 == 0)
                cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK, "%s", st_msg());
        }
        static uint8_t big[1 << 20];
        for (int i = 0; i < 5; i++) {
            wal_rec r = {.type = WAL_FULL_PAGE, .redo = big, .redo_len = sizeof big - 1000 * i};
            cr_assert_eq(wal_append(w, &r), ST_OK);
            cr_assert_eq(wal_flush_if_big(w), ST_OK);
        }
        cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK);
        cr_assert_eq(wal_set_checkpoint(w, wal_base_lsn(w)), ST_OK, "%s", st_msg());
        cr_assert_eq(wal_close(w), ST_OK);
        w = open_tv(t, powersafe);
    }
    /* A restart reuses the space of records nothing needs any more (a checkpoint covers them
     * and the new header is synced before the first write): from here on, a new history. */
    t->ev[t->n++] = (tv_event){0, 0, 2, 0};
    cr_assert_eq(wal_restart(w), ST_OK, "%s", st_msg());
    for (uint64_t i = 0; i < 20; i++) {
        make_rec(&b, i);
        cr_assert_eq(wal_append(w, &b.r), ST_OK);
        cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK);
    }
    cr_assert_eq(wal_close(w), ST_OK);
}

/* L7: by default no write ever touches a block of the record stream that an earlier sync made
 * durable (every flush starts and ends on a 4 KiB boundary), and the header copies live in two
 * blocks; with powersafe overwrite the same load does rewrite synced blocks (so the check can
 * see a rewrite). */
Test(wal, padded_flushes_never_rewrite_a_synced_block)
{
    tv_vfs *t = tv_new();
    mixed_load(t, 0);
    int writes = 0;
    for (int i = 0; i < t->n; i++)
        writes += !t->ev[i].sync;
    cr_assert_gt(writes, 100, "the load made %d writes", writes);
    cr_assert_eq(tv_rewrites_of_synced_blocks(t), 0, "a flush rewrote a synced block");
    wal *w = open_tv(t, 0);
    cr_assert_eq(read_all(w, 0), 20);
    cr_assert_eq(wal_close(w), ST_OK);
    tv_free(t);

    unlink(logpath);
    t = tv_new();
    mixed_load(t, 1);
    cr_assert_gt(tv_rewrites_of_synced_blocks(t), 10, "powersafe mode packs flushes");
    tv_free(t);

    /* The header copies: A in block 0, B in block 1. */
    FILE *fp = fopen(logpath, "rb");
    uint8_t h[WAL_HDR_SIZE];
    cr_assert_eq(fread(h, 1, sizeof h, fp), sizeof h);
    fclose(fp);
    cr_assert_eq(memcmp(h, WAL_MAGIC, 16), 0);
    cr_assert_eq(memcmp(h + WAL_BLOCK, WAL_MAGIC, 16), 0);
    for (size_t i = WAL_SLOT_SIZE; i < WAL_BLOCK; i++)
        cr_assert_eq(h[i] | h[WAL_BLOCK + i], 0, "byte %zu of a header block is not zero", i);
}

/* Appends records first..first+n-1 and flushes them as one flush; fills lsn[i - first]. */
static void append_flush(wal *w, uint64_t first, uint64_t n, uint64_t *lsn)
{
    rec_buf b;
    for (uint64_t i = first; i < first + n; i++) {
        make_rec(&b, i);
        cr_assert_eq(wal_append(w, &b.r), ST_OK, "%s", st_msg());
        if (lsn)
            lsn[i - first] = b.r.lsn;
    }
    cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK, "%s", st_msg());
}

/* Failure 1: 40 records, each fdatasync'd by a flush of its own (acknowledged commits). One bit
 * flipped inside any of them but the last must not end the log there: later flushes prove the
 * record was durable, so the open fails with ST_ECORRUPT, names the log and the LSN, and
 * changes nothing. (The last flush cannot be told from a torn one: nothing follows it.) */
Test(wal, a_damaged_record_in_the_durable_log_is_refused)
{
    wal *w = open_log(NULL, 1);
    uint64_t lsn[40];
    for (uint64_t i = 0; i < 40; i++)
        append_flush(w, i, 1, &lsn[i]);
    cr_assert_eq(wal_close(w), ST_OK);
    size_t len;
    uint8_t *orig = fx_slurp(logpath, &len);
    const int victims[] = {0, 1, 7, 20, 38};
    for (size_t v = 0; v < sizeof victims / sizeof victims[0]; v++) {
        uint64_t at = lsn[victims[v]];
        uint32_t rlen = get_u32(orig + at); /* LSN == file offset in a fresh log */
        uint64_t pos = at + (uint64_t)(v * 7 + 3) % rlen;
        uint8_t *bad = malloc(len);
        memcpy(bad, orig, len);
        bad[pos] ^= (uint8_t)(1u << (v % 8));
        fx_spit(logpath, bad, len);
        wal *x = NULL;
        cr_assert_eq(wal_open(db, ID, NULL, &x), ST_ECORRUPT, "record %d, byte %llu: %s",
                     victims[v], (unsigned long long)pos, st_msg());
        char want[64];
        snprintf(want, sizeof want, "damaged at LSN %llu", (unsigned long long)at);
        cr_assert(strstr(st_msg(), want) != NULL, "%s", st_msg());
        cr_assert(strstr(st_msg(), logpath) != NULL, "%s", st_msg());
        cr_assert(strstr(st_msg(), "backup") != NULL, "%s", st_msg());
        size_t len2;
        uint8_t *after = fx_slurp(logpath, &len2);
        cr_assert(len2 == len && memcmp(after, bad, len) == 0, "the failed open changed the log");
        free(after);
        free(bad);
    }
    /* the undamaged log opens with everything */
    fx_spit(logpath, orig, len);
    w = open_log(NULL, 1);
    cr_assert_eq(read_all(w, 0), 40);
    cr_assert_eq(wal_close(w), ST_OK);
    free(orig);
}

/* A torn last flush — zeros or garbage where a record of it should be, valid records of the
 * same flush after the tear, its FLUSH record included — is a tail that was never acknowledged:
 * the log opens, ends at the tear, and keeps every earlier flush. Padded and powersafe modes. */
Test(wal, a_torn_last_flush_is_cut_and_nothing_else)
{
    for (int psow = 0; psow <= 1; psow++) {
        for (int garble = 0; garble <= 1; garble++) {
            unlink(logpath);
            wal *w = open_log_as(NULL, 1, psow);
            for (uint64_t f = 0; f < 10; f++)
                append_flush(w, f * 3, 3, NULL);
            uint64_t lsn[12];
            append_flush(w, 30, 12, lsn);
            uint64_t end = wal_end_lsn(w);
            cr_assert_eq(wal_close(w), ST_OK);
            size_t len;
            uint8_t *d = fx_slurp(logpath, &len);
            uint32_t rlen = get_u32(d + lsn[4]);
            for (uint32_t k = 0; k < rlen; k++)
                d[lsn[4] + k] = garble ? (uint8_t)(d[lsn[4] + k] * 31 + 7) : 0;
            fx_spit(logpath, d, len);
            free(d);
            w = open_log_as(NULL, 1, psow);
            cr_assert_eq(read_all(w, 0), 34, "psow %d garble %d", psow, garble);
            uint64_t e = wal_end_lsn(w);
            cr_assert(e >= lsn[4] && e < end, "cut at the tear (%llu..%llu)",
                      (unsigned long long)lsn[4], (unsigned long long)e);
            cr_assert(psow || (e - WAL_HDR_SIZE) % WAL_BLOCK == 0, "padded to the block");
            append_flush(w, 34, 2, NULL);
            cr_assert_eq(wal_close(w), ST_OK);
            w = open_log_as(NULL, 1, psow);
            cr_assert_eq(read_all(w, 0), 36);
            cr_assert_eq(wal_close(w), ST_OK);
        }
    }
}

/* Records of an older epoch lying beyond a newer epoch's end are leftovers, not proof. Session
 * 1's last flush lost its first record; session 2 started there (on a block boundary, no pad)
 * and its only flush was torn too: its first record lost, session 1's FLUSH record still in
 * the unwritten part, session 2's later records written. Nothing here was acknowledged. */
Test(wal, leftovers_of_an_older_epoch_prove_nothing)
{
    wal *w = open_log(NULL, 1);
    append_flush(w, 0, 5, NULL);
    uint64_t lsn1[5];
    append_flush(w, 5, 5, lsn1);
    uint64_t end1 = wal_end_lsn(w);
    cr_assert_eq(wal_close(w), ST_OK);
    size_t len;
    uint8_t *s1 = fx_slurp(logpath, &len);
    uint8_t *d = malloc(len);
    memcpy(d, s1, len);
    memset(d + lsn1[0], 0, get_u32(d + lsn1[0])); /* session 1's last flush lost its first record */
    fx_spit(logpath, d, len);
    free(d);

    w = open_log(NULL, 1);
    cr_assert_eq(wal_end_lsn(w), lsn1[0], "aligned: no pad");
    uint64_t lsn2[12];
    append_flush(w, 100, 12, lsn2); /* longer than session 1's flush */
    uint64_t end2 = wal_end_lsn(w);
    cr_assert_gt(end2, end1 + 200);
    cr_assert_eq(wal_close(w), ST_OK);
    size_t len2;
    uint8_t *s2 = fx_slurp(logpath, &len2);
    /* session 2's flush torn: its first record lost, session 1's FLUSH record where session 2
     * wrote (that sector not written), session 2's records after it written */
    uint64_t flush1 = lsn1[4] + get_u32(s1 + lsn1[4]); /* session 1's FLUSH record */
    cr_assert_eq(s1[flush1 + WR_TYPE], WAL_FLUSH);
    cr_assert_lt(flush1, end2);
    memset(s2 + lsn2[0], 0, get_u32(s2 + lsn2[0]));
    memcpy(s2 + flush1, s1 + flush1, end1 - flush1);
    fx_spit(logpath, s2, len2);
    w = open_log(NULL, 1);
    cr_assert_eq(read_all(w, 0), 5, "the torn tail is cut: %s", st_msg());
    cr_assert_eq(wal_close(w), ST_OK);
    free(s1);
    free(s2);
}

/* The header's durable mark (and its checkpoint) prove the log reached that far: a log that
 * ends before it lost durable records, even with nothing valid left after the damage. */
Test(wal, a_log_ending_before_its_header_durable_mark_is_refused)
{
    wal *w = open_log(NULL, 1);
    uint64_t lsn[10];
    for (uint64_t i = 0; i < 10; i++)
        append_flush(w, i, 1, &lsn[i]);
    cr_assert_eq(wal_set_checkpoint(w, lsn[9]), ST_OK, "%s", st_msg());
    cr_assert_eq(wal_close(w), ST_OK);
    size_t len;
    uint8_t *d = fx_slurp(logpath, &len);
    memset(d + lsn[6], 0, len - lsn[6]); /* everything from record 6 on is gone */
    fx_spit(logpath, d, len);
    free(d);
    wal *x = NULL;
    cr_assert_eq(wal_open(db, ID, NULL, &x), ST_ECORRUPT, "%s", st_msg());
    cr_assert(strstr(st_msg(), "header") != NULL, "%s", st_msg());
}

/* L7 at open: an end that is not on a block boundary (here: written in powersafe mode, then
 * opened in the default mode; or a torn last flush) gets a FLUSH record up to the boundary,
 * written and synced inside wal_open, and the next flush starts on the boundary. */
Test(wal, an_unaligned_end_is_padded_at_open)
{
    tv_vfs *t = tv_new();
    wal *w = open_tv(t, 1);
    append_flush(w, 0, 7, NULL);
    uint64_t end = wal_end_lsn(w);
    cr_assert_neq((end - WAL_HDR_SIZE) % WAL_BLOCK, 0, "the test needs an unaligned end");
    cr_assert_eq(wal_close(w), ST_OK);
    int n0 = t->n;
    w = open_tv(t, 0);
    uint64_t aligned = (end - WAL_HDR_SIZE + WAL_BLOCK - 1) / WAL_BLOCK * WAL_BLOCK + WAL_HDR_SIZE;
    cr_assert_eq(wal_end_lsn(w), aligned);
    int pad = -1, synced_after = 0;
    for (int i = n0; i < t->n; i++) {
        if (!t->ev[i].sync && t->ev[i].off == end && t->ev[i].len == aligned - end)
            pad = i;
        else if (t->ev[i].sync && pad >= 0)
            synced_after = 1;
    }
    cr_assert(pad >= 0 && synced_after, "the pad is written and synced inside wal_open");
    int n1 = t->n;
    append_flush(w, 7, 3, NULL);
    for (int i = n1; i < t->n; i++) {
        if (!t->ev[i].sync && !t->ev[i].zero) {
            cr_assert_eq(t->ev[i].off, aligned, "the next flush starts on the boundary");
            break;
        }
    }
    cr_assert_eq(read_all(w, 0), 10);
    cr_assert_eq(wal_close(w), ST_OK);
    w = open_tv(t, 0);
    cr_assert_eq(read_all(w, 0), 10);
    cr_assert_eq(wal_close(w), ST_OK);
    tv_free(t);
}

/* A log is created and compacted as `<db>-wal.tmp` and renamed: an I/O error after that must
 * name `<db>-wal`, the file that exists. */
Test(wal, errors_after_creation_or_compaction_name_the_log)
{
    char tmpname[sizeof logpath + 8];
    snprintf(tmpname, sizeof tmpname, "%s.tmp", logpath);
    for (int compact = 0; compact <= 1; compact++) {
        unlink(logpath);
        tv_vfs *t = tv_new();
        wal *w = open_tv(t, 0);
        uint64_t lsn[20];
        append_flush(w, 0, 20, lsn);
        if (compact) {
            cr_assert_eq(wal_compact(w, lsn[10]), ST_OK, "%s", st_msg());
            cr_assert_eq(wal_base_lsn(w), lsn[10]);
        }
        rec_buf b;
        make_rec(&b, 20);
        cr_assert_eq(wal_append(w, &b.r), ST_OK);
        t->fail_syncs = 1;
        cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_EIO);
        cr_assert(strstr(st_msg(), logpath) != NULL && strstr(st_msg(), tmpname) == NULL,
                  "compact %d: %s", compact, st_msg());
        wal_abandon(w);
        w = open_tv(t, 0);
        uint64_t n = read_all(w, compact ? 10 : 0); /* the unsynced record 20 may be there */
        cr_assert(n == (compact ? 10u : 20u) || n == (compact ? 11u : 21u), "%llu",
                  (unsigned long long)n);
        cr_assert_eq(wal_close(w), ST_OK);
        tv_free(t);
    }
}

/* Failure 3, on a device without powersafe overwrite: power cuts while a flush or a header
 * write is pending, every sector those writes touch coming back new, old or garbage. In the
 * default (padded) layout no synced record is ever lost and the log always opens; the powersafe
 * layout on the same device loses synced records (or is refused as damaged) — which is why
 * padding is the default. 512-byte and 4 KiB sectors. */
static int garbled_cuts(unsigned sector, int powersafe, uint64_t seed0, int runs)
{
    int bad = 0;
    for (uint64_t seed = seed0; seed < seed0 + (uint64_t)runs; seed++) {
        unlink(logpath);
        os_fault *f;
        cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
        os_fault_set_garble(f, sector);
        wal *w = open_log_as(os_fault_vfs(f), 1, powersafe);
        uint64_t s = seed * 7 + sector, durable_count = 0, appended = 0, last_durable = 0;
        rec_buf b;
        append_burst(w, &s, 3, &b, &appended, &durable_count, &last_durable);
        os_fault_inject(f, OSF_SYNC, 1, OSF_CUT, 0);
        if (last_durable != 0 && fx_xorshift(&s) % 4 == 0)
            cr_assert_eq(wal_set_checkpoint(w, last_durable), ST_EIO); /* a header write cut */
        else
            cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_EIO);
        wal_abandon(w);
        os_fault_reset_power(f);
        os_fault_clear(f);
        wal_options o = {.vfs = os_fault_vfs(f), .prealloc = 1 << 20,
                         .powersafe_overwrite = powersafe};
        w = NULL;
        int rc = wal_open(db, ID, &o, &w);
        uint64_t n = rc == ST_OK ? read_all_count(w) : 0;
        if (rc != ST_OK || n < durable_count) {
            bad++;
            if (!powersafe)
                cr_log_error("sector %u seed %llu: %s, %llu of %llu durable records",
                             sector, (unsigned long long)seed, rc ? st_msg() : "opened",
                             (unsigned long long)n, (unsigned long long)durable_count);
        }
        if (rc == ST_OK && !powersafe) {
            cr_assert_eq(read_all(w, 0), n); /* and every record is the one appended */
            make_rec(&b, n);
            cr_assert_eq(wal_append(w, &b.r), ST_OK);
            cr_assert_eq(wal_close(w), ST_OK);
            w = open_log_as(os_fault_vfs(f), 1, powersafe);
            cr_assert_eq(read_all(w, 0), n + 1);
        }
        if (w != NULL)
            wal_close(w);
        os_fault_free(f);
    }
    return bad;
}

Test(wal, garbled_sectors_of_an_interrupted_flush_never_destroy_a_synced_record)
{
    uint64_t seed0 = fx_seed(NULL, 7);
    for (unsigned sector = 512; sector <= 4096; sector *= 8) {
        cr_assert_eq(garbled_cuts(sector, 0, seed0, 80), 0, "sector %u, seeds from %llu", sector,
                     (unsigned long long)seed0);
        int lost = garbled_cuts(sector, 1, seed0, 80);
        cr_log_info("sector %u: powersafe layout lost synced records in %d of 80 cuts", sector,
                    lost);
        cr_assert_gt(lost, 0, "the garble model never bit the powersafe layout");
    }
}

/* The damage rule after a restart (the file's space reused, LSN != offset, the old generation's
 * records still beyond the end) and after a compaction (a new file whose first flush is the
 * copy): a flipped bit in a durable record is refused; the undamaged log opens with all. */
Test(wal, damage_is_refused_after_a_restart_and_after_a_compaction)
{
    for (int compact = 0; compact <= 1; compact++) {
        unlink(logpath);
        wal *w = open_log(NULL, 1);
        uint64_t lsn[30];
        for (uint64_t i = 0; i < 30; i++) /* the old generation, longer than the new one */
            append_flush(w, 1000 + i, 1, &lsn[i]);
        uint64_t first = 0;
        if (compact) {
            cr_assert_eq(wal_compact(w, lsn[20]), ST_OK, "%s", st_msg());
            first = 20;
        } else {
            cr_assert_eq(wal_restart(w), ST_OK, "%s", st_msg());
            first = 30;
        }
        uint64_t base = wal_base_lsn(w);
        uint64_t more[8];
        for (uint64_t i = 0; i < 8; i++)
            append_flush(w, 1030 + i, 1, &more[i]);
        cr_assert_eq(wal_close(w), ST_OK);
        size_t len;
        uint8_t *orig = fx_slurp(logpath, &len);
        uint64_t at = compact ? lsn[22] : more[2];
        uint64_t off = WAL_HDR_SIZE + (at - base);
        cr_assert_eq(get_u64(orig + off + WR_LSN), at);
        orig[off + 30] ^= 0x10;
        fx_spit(logpath, orig, len);
        wal *x = NULL;
        cr_assert_eq(wal_open(db, ID, NULL, &x), ST_ECORRUPT, "compact %d: %s", compact,
                     st_msg());
        orig[off + 30] ^= 0x10;
        fx_spit(logpath, orig, len);
        w = open_log(NULL, 1);
        cr_assert_eq(read_all(w, 1000 + first), 38 - first);
        cr_assert_eq(wal_close(w), ST_OK);
        free(orig);
    }
}

/* Rule L8: a record that wal_flush_proven covered can be proven durable by the next open.
 * The story: a transaction's records are flushed by its commit and the session crashes with
 * nothing flushed after them; then a bit of one record rots. That last flush alone looks like
 * a torn tail and is cut (L6) — which is only harmless if no page in the file depends on it.
 * The WAL rule therefore asks for wal_flush_proven before a page is written: with nothing
 * else to flush, it flushes a FLUSH record alone, after which the same damage is refused. */
Test(wal, a_record_a_page_depends_on_can_be_proven_durable)
{
    wal *w = open_log(NULL, 1);
    uint64_t lsn[3];
    append_flush(w, 0, 3, lsn);
    wal_stats s0, s1;
    wal_get_stats(w, &s0);
    size_t len;
    uint8_t *unproven = fx_slurp(logpath, &len);
    cr_assert_eq(wal_flush_proven(w, lsn[1] + 1), ST_OK, "%s", st_msg());
    wal_get_stats(w, &s1);
    cr_assert_eq(s1.proof_flushes, s0.proof_flushes + 1, "nothing was pending: a FLUSH alone");
    cr_assert_eq(s1.syncs, s0.syncs + 1);
    /* Proven now: asking again costs nothing. */
    cr_assert_eq(wal_flush_proven(w, lsn[2] + 1), ST_OK, "%s", st_msg());
    wal_get_stats(w, &s0);
    cr_assert_eq(s0.syncs, s1.syncs, "an already proven record must not flush again");
    size_t plen;
    uint8_t *proven = fx_slurp(logpath, &plen);
    wal_abandon(w); /* the crash: no close, no header write */

    uint32_t rlen = get_u32(proven + lsn[1]); /* LSN == file offset in a fresh log */
    uint64_t pos = lsn[1] + rlen / 2;
    /* Without the proof the damage is indistinguishable from a torn tail: cut, as documented. */
    unproven[pos] ^= 0x10;
    fx_spit(logpath, unproven, len);
    wal *x = NULL;
    cr_assert_eq(wal_open(db, ID, NULL, &x), ST_OK, "%s", st_msg());
    cr_assert_eq(read_all_count(x), 1, "the log is cut at the damaged record");
    wal_abandon(x);
    /* With it, the open refuses and changes nothing. */
    proven[pos] ^= 0x10;
    fx_spit(logpath, proven, plen);
    cr_assert_eq(wal_open(db, ID, NULL, &x), ST_ECORRUPT, "%s", st_msg());
    char want[64];
    snprintf(want, sizeof want, "damaged at LSN %llu", (unsigned long long)lsn[1]);
    cr_assert(strstr(st_msg(), want) != NULL, "%s", st_msg());
    free(unproven);
    free(proven);
}
