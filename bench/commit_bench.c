/*
 * commit_bench.c — durable commits per second with 1, 4 and 16 threads, beside the disk's own
 * fdatasync rate measured by the same program on the same file system.
 *
 * Each transaction updates one row of a table tree (its own rows per thread, so no lock waits:
 * this measures the commit path and group commit, not contention) and commits; commit returns
 * only when its commit record is fdatasync'd (wal/README.md, commit rule). One client cannot
 * commit durably faster than the disk syncs, so the 1-thread figure is shown as a fraction of
 * the fdatasync rate; with more threads, group commit lets one fdatasync cover many commits.
 *
 * Usage: commit_bench [-s seconds per figure (2)] [-d directory (/tmp)] [-t threads,... (1,4,16)]
 *                     [-p 0|1: the log's powersafe_overwrite (0: flushes padded to 4 KiB)]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "pager/status.h"
#include "wal/btx.h"

typedef struct run {
    txm *tm;
    bt_tree *tree;
    int threads;
    double secs;
    atomic_long commits;
    atomic_int stop;
} run;

typedef struct thr {
    run *r;
    int id;
} thr;

static void *worker(void *arg)
{
    thr *th = arg;
    run *r = th->r;
    uint64_t n = 0;
    while (!atomic_load(&r->stop)) {
        txn *t;
        if (txn_begin(r->tm, &t) != ST_OK)
            break;
        bt_key k = bt_int_key((int64_t)(th->id * 1000 + (int)(n % 1000)));
        uint64_t bal = n;
        if (btx_insert(t, r->tree, &k, &bal, sizeof bal, BT_REPLACE) != ST_OK ||
            txn_commit(t) != ST_OK) {
            fprintf(stderr, "commit_bench: %s\n", st_msg());
            break;
        }
        atomic_fetch_add(&r->commits, 1);
        n++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double secs = 2;
    const char *dir = "/tmp";
    int counts[8] = {1, 4, 16}, ncounts = 3, powersafe = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-s") == 0)
            secs = atof(argv[i + 1]);
        else if (strcmp(argv[i], "-d") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "-p") == 0)
            powersafe = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "-t") == 0 &&
                 (ncounts = bench_threads(argv[i + 1], counts, 8, 1, 16)) < 0)
            bench_die("-t: thread counts 1..16, comma-separated");
    }
    double rate = bench_fdatasync_rate(dir, secs);
    printf("disk: %.0f fdatasync/s (512-byte write + fdatasync, %s)\n", rate, dir);
    printf("log: %s\n", powersafe ? "powersafe overwrite (flushes packed)"
                                   : "flushes padded to 4 KiB (default)");
    printf("%8s %12s %14s %14s %16s %14s\n", "threads", "commits/s", "fsyncs/commit",
           "vs fdatasync", "log bytes/commit", "of it padding");
    for (int c = 0; c < ncounts; c++) {
        char path[512];
        snprintf(path, sizeof path, "%s/acidb-commit-bench-%d.db", dir, (int)getpid());
        txm_options o = {.pager = {.create = 1}, .rm = {.undo = btx_undo}};
        o.log.powersafe_overwrite = powersafe;
        run r = {.threads = counts[c], .secs = secs};
        if (txm_open(path, &o, &r.tm) != ST_OK) {
            fprintf(stderr, "commit_bench: %s\n", st_msg());
            return 1;
        }
        uint64_t root;
        if (btx_create(r.tm, NULL, BT_TABLE, &root) != ST_OK ||
            bt_open(txm_pager(r.tm), root, BT_TABLE, &r.tree) != ST_OK) {
            fprintf(stderr, "commit_bench: %s\n", st_msg());
            return 1;
        }
        wal_stats w0, w1;
        wal_get_stats(txm_log(r.tm), &w0);
        pthread_t th[16];
        thr ta[16];
        double t0 = bench_now();
        for (int i = 0; i < r.threads; i++) {
            ta[i] = (thr){&r, i};
            pthread_create(&th[i], NULL, worker, &ta[i]);
        }
        bench_sleep(secs);
        atomic_store(&r.stop, 1);
        for (int i = 0; i < r.threads; i++)
            pthread_join(th[i], NULL);
        double el = bench_now() - t0;
        wal_get_stats(txm_log(r.tm), &w1);
        long n = atomic_load(&r.commits);
        double cps = n / el;
        printf("%8d %12.0f %14.2f %13.0f%% %16.0f %14.0f\n", r.threads, cps,
               n ? (double)(w1.syncs - w0.syncs) / n : 0, rate > 0 ? 100 * cps / rate : 0,
               n ? (double)(w1.bytes - w0.bytes) / n : 0,
               n ? (double)(w1.flush_bytes - w0.flush_bytes) / n : 0);
        bt_close(r.tree);
        txm_close(r.tm);
        bench_remove_db(path);
    }
    return 0;
}
