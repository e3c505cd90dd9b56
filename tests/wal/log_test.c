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
#include "wal/log_int.h" /* wal_verify, the record format */
#include "wal/log.h"

static char dir[64], db[128], logpath[140];
static const uint8_t ID[16] = "database-one-id";
static const uint8_t OTHER[16] = "database-two-id";

static void setup(void)
{
    strcpy(dir, "/tmp/acidb-wal-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/db", dir);
    snprintf(logpath, sizeof logpath, "%s/db-wal", dir);
}

static void teardown(void)
{
    unlink(logpath);
    rmdir(dir);
}

TestSuite(wal, .init = setup, .fini = teardown);

static uint64_t seed_from_env(uint64_t dflt)
{
    const char *s = getenv("ACIDB_SEED");
    return s ? strtoull(s, NULL, 0) : dflt;
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A deterministic record #i: its fields and payload bytes derive from i. */
typedef struct {
    uint8_t redo[3000], undo[3000];
    wal_rec r;
} rec_buf;

static void make_rec(rec_buf *b, uint64_t i)
{
    uint64_t s = i * 0x9e3779b97f4a7c15ull + 1;
    b->r = (wal_rec){0};
    b->r.type = (uint8_t)(1 + next_rand(&s) % WAL_TYPE_MAX);
    b->r.txn = i % 7;
    b->r.prev_lsn = next_rand(&s) % 512; /* below every LSN: back pointers point back */
    b->r.pgno = i;
    b->r.root = i * 3;
    b->r.undo_next = i * 5;
    b->r.redo_len = (uint32_t)(next_rand(&s) % 4 == 0 ? 0 : next_rand(&s) % sizeof b->redo);
    b->r.undo_len = (uint32_t)(next_rand(&s) % 3 == 0 ? 0 : next_rand(&s) % sizeof b->undo);
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

/* Power cuts at random moments — in the middle of a flush, with its writes still in the page
 * cache, so they are kept, dropped or torn: every record below the durable LSN at the cut
 * comes back intact and in order, the log ends cleanly at or after it, and appending after
 * the reopen works (and survives another reopen). */
Test(wal, power_loss_keeps_every_durable_record)
{
    uint64_t seed0 = seed_from_env(42);
    int cuts_that_lost = 0;
    for (uint64_t seed = seed0; seed < seed0 + 60; seed++) {
        unlink(logpath);
        os_fault *f;
        cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
        wal *w = open_log(os_fault_vfs(f), 1);
        uint64_t s = seed, durable_count = 0, appended = 0;
        uint64_t steps = 5 + next_rand(&s) % 60;
        rec_buf b;
        for (uint64_t k = 0; k < steps; k++) {
            make_rec(&b, appended);
            cr_assert_eq(wal_append(w, &b.r), ST_OK);
            appended++;
            if (next_rand(&s) % 4 == 0) {
                cr_assert_eq(wal_flush_to(w, wal_end_lsn(w)), ST_OK);
                durable_count = appended;
            }
        }
        make_rec(&b, appended); /* at least one record is pending at the cut */
        cr_assert_eq(wal_append(w, &b.r), ST_OK);
        appended++;
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
    char tmp[160];
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
    char tmp[160];
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
