/*
 * soak.c — hours of the 16-thread transfer workload: nothing leaks, grows or starves.
 *
 * Workload: the SQL bank of tests/common/sqlbank.h (what the crash harness runs), through the
 * public API, on one database with durability on: 16 worker threads, one connection each, run
 * random transfers (checked, optimistic, a few overdrafts and amount-0 transfers the CHECKs must
 * refuse, a few rolled back) between 200 accounts, 4 KiB pages, a 2 MiB buffer pool (far
 * smaller than the data: pages are stolen and evicted all the time) and a checkpoint every
 * CKPT_BYTES (4 MiB) of log.
 *
 * Asserted, periodically and at the end (any failure: exit status 1, the files kept):
 *   money   every CHECK_EVERY seconds the workers are parked between transfers and the monitor
 *           runs acidb_check (must be clean) and sum(balance) (must be the initial total);
 *           at the end sqlbank_check() (balances against the history, every ref through the
 *           UNIQUE index), then a clean close, a reopen and the sum once more;
 *   log     acidb_get_stats().log_bytes and the size of <db>-wal, sampled every second, stay
 *           below LOG_BOUND = 3 x CKPT_BYTES + 1 MiB. Why that bound: a checkpoint starts once
 *           CKPT_BYTES of log have accumulated since the log was last compacted, and at its
 *           end the log is cut back to its begin record (no transaction here lives long, so
 *           the oldest active transaction's first record is no older than that). The peak is
 *           therefore CKPT_BYTES plus what the workers log while one checkpoint writes the
 *           dirty pages of a 2 MiB pool, plus the file's preallocation step (256 KiB through
 *           acidb_open_test). Allowing two more CKPT_BYTES for the checkpoint's duration is
 *           generous; a log that is never compacted passes it within seconds;
 *   RSS     VmRSS (/proc/self/status) sampled every second; the baseline is the largest sample
 *           of the first third of the run (warm-up: the pool fills, allocator arenas of 16
 *           threads settle); afterwards no sample may exceed baseline + RSS_MARGIN (10% + 8 MiB);
 *   fair    every worker commits at least once every STARVE_SECONDS (20 s; time parked for a
 *           check does not count); per-thread commit counts are printed.
 *
 * One summary line at the end ("soak: PASS ..." or "soak: FAIL ..."), plus a progress line
 * every CHECK_EVERY seconds.
 *
 * Usage: soak [--seconds N] [--dir D] [--seed S] [--check-every N]
 *   (default 600 s; `make soak` runs SOAK_SECONDS, `make test` 30 s)
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/common/fixture.h"
#include "tests/common/sqlbank.h"

#define WORKERS 16
#define NACCOUNTS 200
#define PAGE_SIZE 4096
#define CACHE_PAGES 512 /* 2 MiB */
#define CKPT_BYTES (4ull << 20)
#define LOG_BOUND (3 * CKPT_BYTES + (1ull << 20))
#define STARVE_SECONDS 20.0
#define RSS_MARGIN_PCT 10
#define RSS_MARGIN_KB (8 * 1024)
/* Transfer ids: worker w uses w, w + WORKERS, w + 2 WORKERS, ... (unique, no shared counter). */

static char dir[256], dbpath[300], walpath[310];

static struct {
    _Atomic int stop;    /* workers: finish */
    _Atomic int pause;   /* workers: park after the current transfer */
    _Atomic int parked;  /* how many are parked */
    _Atomic int failed;  /* a worker saw something wrong */
    pthread_mutex_t mu;  /* protects why and the park condition */
    pthread_cond_t cv;
    char why[512];
} g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

typedef struct worker {
    pthread_t th;
    int idx;
    acidb_db *db;
    uint64_t seed;
    uint64_t next_id;           /* written by the worker only; read after join */
    sqlbank_stats st;           /* likewise */
    _Atomic uint64_t commits;   /* read by the monitor */
    _Atomic int64_t last_ns;    /* monotonic time of the last commit (or of a resume) */
} worker;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void set_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_failed(const char *fmt, ...)
{
    pthread_mutex_lock(&g.mu);
    if (!atomic_load(&g.failed)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g.why, sizeof g.why, fmt, ap);
        va_end(ap);
        atomic_store(&g.failed, 1);
    }
    pthread_mutex_unlock(&g.mu);
}

/* Parks the calling worker while g.pause is set. */
static void maybe_park(worker *w)
{
    if (!atomic_load(&g.pause))
        return;
    pthread_mutex_lock(&g.mu);
    atomic_fetch_add(&g.parked, 1);
    pthread_cond_broadcast(&g.cv);
    while (atomic_load(&g.pause) && !atomic_load(&g.stop))
        pthread_cond_wait(&g.cv, &g.mu);
    atomic_fetch_sub(&g.parked, 1);
    pthread_mutex_unlock(&g.mu);
    atomic_store(&w->last_ns, now_ns()); /* parked time is not starvation */
}

static void *work(void *arg)
{
    worker *w = arg;
    char why[512];
    sqlbank_conn *k;
    if (sqlbank_connect(w->db, &k, why, sizeof why) != 0) {
        set_failed("worker %d: %s", w->idx, why);
        return NULL;
    }
    uint64_t s = w->seed;
    w->next_id = (uint64_t)w->idx;
    atomic_store(&w->last_ns, now_ns());
    while (!atomic_load(&g.stop) && !atomic_load(&g.failed)) {
        maybe_park(w);
        uint64_t r = xorshift(&s);
        sqlbank_xfer x = {0};
        x.src = 1 + (int64_t)(r % NACCOUNTS);
        x.dst = 1 + (int64_t)((r >> 16) % (NACCOUNTS - 1));
        if (x.dst >= x.src)
            x.dst++;
        x.amount = 1 + (int64_t)((r >> 32) % 100);
        unsigned pick = (unsigned)((r >> 48) % 100);
        x.kind = pick < 46 ? XFER_CHECKED : pick < 94 ? XFER_OPTIMISTIC
                 : pick < 97                          ? XFER_OVERDRAW
                                                      : XFER_ZERO;
        x.rollback = (r >> 56) % 50 == 0;
        x.id = w->next_id;
        w->next_id += WORKERS;
        int out = sqlbank_transfer(k, &x, &w->st, why, sizeof why);
        if (out == XFER_COMMITTED) {
            atomic_fetch_add(&w->commits, 1);
            atomic_store(&w->last_ns, now_ns());
        } else if (out != XFER_ABORTED) {
            set_failed("worker %d: %s: %s", w->idx,
                       out == XFER_FAILED ? "I/O error" : "wrong answer", why);
        }
    }
    sqlbank_disconnect(k);
    return NULL;
}

/* VmRSS in KiB, or 0. */
static uint64_t rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return 0;
    char line[256];
    uint64_t kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %" SCNu64, &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static uint64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

/* sum(balance) through a fresh connection: 0 and *sum, or -1 with why. */
static int balance_sum(acidb_db *db, int64_t *sum, char *why, size_t n)
{
    acidb_conn *c;
    acidb_stmt *s;
    if (acidb_connect(db, &c) != ACIDB_OK) {
        snprintf(why, n, "connect failed");
        return -1;
    }
    int rc = acidb_prepare(c, "SELECT sum(balance), count(*) FROM accounts", &s);
    if (rc == ACIDB_OK) {
        rc = acidb_step(s);
        if (rc == ACIDB_ROW) {
            *sum = acidb_column_int64(s, 0);
            if (acidb_column_int64(s, 1) != NACCOUNTS)
                rc = ACIDB_ERROR;
        }
        acidb_finalize(s);
    }
    if (rc != ACIDB_ROW)
        snprintf(why, n, "sum(balance): %s (%s)", acidb_errmsg(c), acidb_sqlstate(c));
    acidb_disconnect(c);
    return rc == ACIDB_ROW ? 0 : -1;
}

/* Parks every worker, checks integrity and money, resumes. 0 or -1 (g.why set). */
static int paused_check(acidb_db *db, worker *ws, double *check_s)
{
    atomic_store(&g.pause, 1);
    pthread_mutex_lock(&g.mu);
    while (atomic_load(&g.parked) < WORKERS && !atomic_load(&g.failed)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&g.cv, &g.mu, &ts);
    }
    pthread_mutex_unlock(&g.mu);
    int64_t t0 = now_ns();
    int res = 0;
    if (!atomic_load(&g.failed)) {
        char report[512] = "";
        uint64_t problems = 0;
        int rc = fx_check(db, report, sizeof report, &problems);
        int64_t sum = 0;
        char why[256];
        if (rc != ACIDB_OK || problems != 0) {
            set_failed("integrity check: %s, %" PRIu64 " problem(s): %s", acidb_errstr(rc),
                       problems, report);
            res = -1;
        } else if (balance_sum(db, &sum, why, sizeof why) != 0) {
            set_failed("%s", why);
            res = -1;
        } else if (sum != (int64_t)NACCOUNTS * SQLBANK_START_BALANCE) {
            set_failed("money created or lost: sum(balance) = %" PRId64 ", expected %d", sum,
                       NACCOUNTS * SQLBANK_START_BALANCE);
            res = -1;
        }
    }
    *check_s += (double)(now_ns() - t0) / 1e9;
    pthread_mutex_lock(&g.mu);
    atomic_store(&g.pause, 0);
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    (void)ws;
    return atomic_load(&g.failed) ? -1 : res;
}

int main(int argc, char **argv)
{
    double seconds = 600;
    double check_every = 60;
    uint64_t seed = (uint64_t)time(NULL);
    const char *base = NULL; /* fx_tmpdir: $TMPDIR, else /tmp */
    int check_every_set = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--check-every") == 0 && i + 1 < argc)
            check_every = atof(argv[++i]), check_every_set = 1;
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            base = argv[++i];
        else {
            fprintf(stderr, "usage: soak [--seconds N] [--check-every N] [--seed S] [--dir D]\n");
            return 2;
        }
    }
    if (seconds < 3) {
        fprintf(stderr, "soak: --seconds must be at least 3\n");
        return 2;
    }
    if (!check_every_set && seconds / 4 < check_every)
        check_every = seconds / 4; /* at least three checks while running, plus the end */
    if (seed == 0)
        seed = 1;
    fx_tmpdir(dir, sizeof dir, base, "soak");
    snprintf(dbpath, sizeof dbpath, "%s/soak.db", dir);
    snprintf(walpath, sizeof walpath, "%s-wal", dbpath);

    char why[512];
    sqlbank_options o = {.page_size = PAGE_SIZE,
                         .cache_pages = CACHE_PAGES,
                         .ckpt_bytes = CKPT_BYTES,
                         .naccounts = NACCOUNTS,
                         .lock_timeout_ms = 1000};
    acidb_db *db;
    if (sqlbank_open(dbpath, &o, &db, why, sizeof why) != ACIDB_OK) {
        printf("soak: FAIL (seed %" PRIu64 ", dir %s) opening: %s\n", seed, dir, why);
        return 1;
    }
    printf("soak: %.0f s, %d threads, %d accounts, %u-byte pages, %u KiB cache, checkpoint "
           "every %llu MiB of log, checks every %.0f s, seed %" PRIu64 ", dir %s\n",
           seconds, WORKERS, NACCOUNTS, PAGE_SIZE, CACHE_PAGES * PAGE_SIZE / 1024,
           (unsigned long long)(CKPT_BYTES >> 20), check_every, seed, dir);
    fflush(stdout);

    static worker ws[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        ws[i].idx = i;
        ws[i].db = db;
        ws[i].seed = seed * 2654435761u + (uint64_t)i * 0x9E3779B97F4A7C15ull + 1;
        if (pthread_create(&ws[i].th, NULL, work, &ws[i]) != 0) {
            printf("soak: FAIL pthread_create\n");
            return 1;
        }
    }

    int64_t t0 = now_ns();
    double warm = seconds / 3, next_check = check_every, check_s = 0;
    uint64_t rss_first = 0, rss_base = 0, rss_max_after = 0, rss_last = 0;
    uint64_t log_min = UINT64_MAX, log_max = 0, wal_max = 0;
    double max_gap = 0;
    int max_gap_thread = -1, checks = 0;
    while (!atomic_load(&g.failed)) {
        usleep(1000000);
        double t = (double)(now_ns() - t0) / 1e9;
        /* log */
        acidb_stats st;
        if (acidb_get_stats(db, &st) == ACIDB_OK) {
            if (st.log_bytes < log_min)
                log_min = st.log_bytes;
            if (st.log_bytes > log_max)
                log_max = st.log_bytes;
        }
        uint64_t wal = file_size(walpath);
        if (wal > wal_max)
            wal_max = wal;
        if (log_max > LOG_BOUND || wal_max > LOG_BOUND) {
            set_failed("log unbounded at %.0f s: log_bytes %" PRIu64 ", %s is %" PRIu64
                       " bytes, bound %llu", t, log_max, walpath, wal_max,
                       (unsigned long long)LOG_BOUND);
            break;
        }
        /* RSS */
        rss_last = rss_kb();
        if (rss_first == 0)
            rss_first = rss_last;
        if (t <= warm) {
            if (rss_last > rss_base)
                rss_base = rss_last;
        } else {
            if (rss_last > rss_max_after)
                rss_max_after = rss_last;
            uint64_t limit = rss_base + rss_base * RSS_MARGIN_PCT / 100 + RSS_MARGIN_KB;
            if (rss_last > limit) {
                set_failed("RSS grew after warm-up: %" PRIu64 " KiB at %.0f s, baseline %" PRIu64
                           " KiB (limit %" PRIu64 ")", rss_last, t, rss_base, limit);
                break;
            }
        }
        /* starvation */
        int64_t now = now_ns();
        for (int i = 0; i < WORKERS; i++) {
            double gap = (double)(now - atomic_load(&ws[i].last_ns)) / 1e9;
            if (gap > max_gap)
                max_gap = gap, max_gap_thread = i;
        }
        if (max_gap > STARVE_SECONDS) {
            set_failed("thread %d starved: no commit for %.1f s (at %.0f s)", max_gap_thread,
                       max_gap, t);
            break;
        }
        if (t >= seconds)
            break;
        if (t >= next_check) {
            if (paused_check(db, ws, &check_s) != 0)
                break;
            checks++;
            next_check = t + check_every;
            uint64_t total = 0;
            for (int i = 0; i < WORKERS; i++)
                total += atomic_load(&ws[i].commits);
            printf("soak: %4.0f s  %" PRIu64 " commits (%.0f/s)  log %.1f-%.1f MiB (wal file "
                   "max %.1f MiB)  RSS %" PRIu64 " KiB  db %" PRIu64 " pages  check %d clean\n",
                   t, total, (double)total / t, (double)log_min / 1048576.0,
                   (double)log_max / 1048576.0, (double)wal_max / 1048576.0, rss_last,
                   st.db_pages, checks);
            fflush(stdout);
        }
    }
    double elapsed = (double)(now_ns() - t0) / 1e9;
    atomic_store(&g.stop, 1);
    pthread_mutex_lock(&g.mu);
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    uint64_t total = 0, cmin = UINT64_MAX, cmax = 0, next_id = 0;
    sqlbank_stats sum = {0};
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(ws[i].th, NULL);
        uint64_t c = atomic_load(&ws[i].commits);
        total += c;
        cmin = c < cmin ? c : cmin;
        cmax = c > cmax ? c : cmax;
        if (ws[i].next_id > next_id)
            next_id = ws[i].next_id;
        sum.deadlocks += ws[i].st.deadlocks;
        sum.timeouts += ws[i].st.timeouts;
        sum.gave_up += ws[i].st.gave_up;
        sum.refused += ws[i].st.refused + ws[i].st.overdrafts + ws[i].st.zero;
        sum.rolled_back += ws[i].st.rolled_back;
    }
    acidb_stats st = {0};
    acidb_get_stats(db, &st);
    int64_t fin0 = now_ns();
    if (!atomic_load(&g.failed) && sqlbank_check(db, NULL, NULL, next_id, why, sizeof why) != 0)
        set_failed("final check: %s", why);
    int crc = acidb_close(db);
    if (!atomic_load(&g.failed) && crc != ACIDB_OK)
        set_failed("close: %s", acidb_errstr(crc));
    if (!atomic_load(&g.failed)) {
        int64_t s2 = 0;
        o.must_exist = 1;
        if (sqlbank_open(dbpath, &o, &db, why, sizeof why) != ACIDB_OK) {
            set_failed("reopen: %s", why);
        } else {
            if (balance_sum(db, &s2, why, sizeof why) != 0)
                set_failed("after reopen: %s", why);
            else if (s2 != (int64_t)NACCOUNTS * SQLBANK_START_BALANCE)
                set_failed("after reopen: sum(balance) = %" PRId64, s2);
            acidb_close(db);
        }
    }
    double fin_s = (double)(now_ns() - fin0) / 1e9;

    printf("soak: per-thread commits:");
    for (int i = 0; i < WORKERS; i++)
        printf(" %" PRIu64, atomic_load(&ws[i].commits));
    printf("\n");
    int ok = !atomic_load(&g.failed);
    printf("soak: %s %.0f s seed %" PRIu64 ": %" PRIu64 " commits (%.0f/s), %" PRIu64
           " refused, %" PRIu64 " rolled back, %" PRIu64 " deadlocks, %" PRIu64
           " lock timeouts, %" PRIu64 " gave up; per-thread commits %" PRIu64 "-%" PRIu64
           ", longest gap %.1f s; log_bytes %.1f-%.1f MiB, wal file max %.1f MiB (bound %.0f "
           "MiB); RSS %" PRIu64 " KiB at 1 s, %" PRIu64 " KiB baseline, %" PRIu64
           " KiB max after warm-up, %" PRIu64 " KiB at end; %d checks clean (%.1f s parked), "
           "final check %.1f s; %" PRIu64 " db pages%s%s\n",
           ok ? "PASS" : "FAIL", elapsed, seed, total, (double)total / elapsed, sum.refused,
           sum.rolled_back, sum.deadlocks, sum.timeouts, sum.gave_up, cmin, cmax, max_gap,
           (double)(log_min == UINT64_MAX ? 0 : log_min) / 1048576.0,
           (double)log_max / 1048576.0, (double)wal_max / 1048576.0,
           (double)LOG_BOUND / 1048576.0, rss_first, rss_base, rss_max_after, rss_last, checks,
           check_s, fin_s, st.db_pages, ok ? "" : ": ", ok ? "" : g.why);
    if (ok) {
        fx_rmtree(dir);
    } else {
        printf("soak: files kept in %s; replay the workload with --seed %" PRIu64 "\n", dir,
               seed);
    }
    return ok ? 0 : 1;
}
