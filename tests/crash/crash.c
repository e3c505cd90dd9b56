/*
 * crash.c — the crash-recovery harness: the engine's proof.
 *
 * Workload (tests/common/sqlbank.h): SQL through the public API, as users run it —
 *   accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0)),
 *   transfers(id INTEGER PRIMARY KEY, src/dst REFERENCES accounts(id),
 *             amount INTEGER NOT NULL CHECK (amount > 0), ref TEXT UNIQUE NOT NULL);
 * worker threads, one connection each, run random transfers with prepared statements
 * (BEGIN; SELECT balance ... FOR UPDATE or not; UPDATE src; UPDATE dst; INSERT INTO transfers;
 * COMMIT): some refused by the application, some overdrafts the CHECK must refuse (23514),
 * some amount-0 transfers whose INSERT the CHECK refuses after both UPDATEs ran, some rolled
 * back at random, deadlock victims (40P01) and lock timeouts (55P03) retried; 512-byte pages
 * (acidb_open_test, engine/testhooks.h), checkpoints every 16 KiB of log and a buffer pool far
 * smaller than the data. After every fault, the database is reopened (recovery runs) and
 * sqlbank_check() verifies, in SQL:
 *   1. recovery succeeds and the integrity check (acidb_check) is clean;
 *   2. sum(balance) is the initial total and min(balance) >= 0;
 *   3. every transfer whose COMMIT was acknowledged is present (found by its ref), and none is
 *      partly applied (each balance = start + credits - debits, GROUP BY over transfers);
 *   4. no transfer whose COMMIT was never sent (or never attempted) left anything.
 * A workload answer the engine must never give (an overdraft accepted, a wrong SQLSTATE) fails
 * the run as well.
 *
 * Fault models (--mode):
 *   power  the fault-injecting OS layer cuts the power at a random fdatasync: every write not
 *          yet synced is kept, dropped or torn (per 512-byte sector);
 *   kill   a child process runs the workload and reports each outcome through a pipe; the
 *          parent SIGKILLs it at a random moment (often mid-checkpoint), sometimes while it is
 *          still recovering from the previous kill, several times per run;
 *   io     EIO, ENOSPC, short writes or a failed fdatasync at a random operation: the engine
 *          must report it, refuse further writes, and be consistent after a reopen;
 *   garble like power, but the device has no powersafe overwrite: every 512- or 4096-byte
 *          sector an unsynced write touches ends new, old or garbage (os_fault_set_garble);
 *   bitflip, swaplog, header, index: damage after the crash (models.c says what each demands:
 *          a refusal that changes nothing where the damage cannot be repaired, else the
 *          invariants).
 * Every run is deterministic from its seed except for thread interleavings and kill timing.
 * --break commit-sync|wal-rule builds the failure in on purpose: the harness must then fail.
 *
 * Usage: crash [--mode power|kill|io|garble|bitflip|swaplog|header|index|all] [--runs N]
 *              [--seed S] [--break WHAT] [--dir D] [--verbose]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/testhooks.h"
#include "pager/os_fault.h"
#include "tests/crash/crash.h"
#include "wal/txn.h"

char base_dir[256] = "/tmp";
unsigned test_break;
int verbose;
uint64_t acked_checked;  /* acknowledged transfers found after recovery, this mode */
sqlbank_stats totals;    /* what the in-process workers did, this mode */
static pthread_mutex_t totals_mu = PTHREAD_MUTEX_INITIALIZER;

void run_start(crash_run *r, uint64_t seed, int fault)
{
    *r = (crash_run){.seed = seed, .s = seed};
    fx_tmpdir(r->dir, sizeof r->dir, base_dir, "crash");
    snprintf(r->db, sizeof r->db, "%s/bank.db", r->dir);
    snprintf(r->log, sizeof r->log, "%s-wal", r->db);
    r->committed = calloc(NIDS, 1);
    r->aborted = calloc(NIDS, 1);
    if (r->committed == NULL || r->aborted == NULL)
        fx_die("out of memory for the id sets");
    if (fault)
        os_fault_new(NULL, seed, &r->f);
}

int run_open(crash_run *r, const sqlbank_options *o, char *why, size_t n)
{
    acidb_db *h;
    if (sqlbank_open(r->db, o, &h, r->msg, sizeof r->msg) != ACIDB_OK) {
        snprintf(why, n, "create failed: %s", r->msg);
        return -1;
    }
    r->h = h;
    return 0;
}

int run_end(crash_run *r, int rc)
{
    if (r->h != NULL)
        acidb_test_abandon(r->h);
    if (r->f != NULL)
        os_fault_free(r->f);
    free(r->committed);
    free(r->aborted);
    if (rc != 0)
        printf("  files kept for inspection: %s (and %s-wal)\n", r->db, r->db);
    else if (fx_rmtree(r->dir) != 0)
        fprintf(stderr, "crash: could not remove %s: %s\n", r->dir, strerror(errno));
    return rc;
}

/* ---- the transfers ------------------------------------------------------------------------ */

/* A random transfer: a hot spot of 4 accounts one time in three (contention, deadlocks), each
 * way of writing it (sqlbank.h XFER_*), and one in ten rolled back on purpose. */
static void pick(uint64_t *s, uint64_t id, sqlbank_xfer *x)
{
    uint64_t span = fx_xorshift(s) % 3 == 0 ? 4 : NACCOUNTS;
    x->id = id;
    x->src = 1 + (int64_t)(fx_xorshift(s) % span);
    x->dst = 1 + (int64_t)(fx_xorshift(s) % span);
    if (x->dst == x->src)
        x->dst = x->src % NACCOUNTS + 1;
    x->amount = 1 + (int64_t)(fx_xorshift(s) % 699);
    uint64_t k = fx_xorshift(s) % 100;
    x->kind = k < 46 ? XFER_CHECKED : k < 92 ? XFER_OPTIMISTIC : k < 96 ? XFER_OVERDRAW
                                                                         : XFER_ZERO;
    x->rollback = fx_xorshift(s) % 10 == 0;
}

/* ---- in-process workers (power and io modes) ---------------------------------------------- */

typedef struct worker {
    acidb_db *db;
    int w;
    uint64_t seed, id_base;
    int max;
    uint8_t *committed, *aborted;
    int failed_then_committed; /* a commit succeeded after the engine reported an I/O error */
    int wrong;                 /* the engine answered something it must never answer */
    char why[400];
} worker;

static void *worker_run(void *arg)
{
    worker *wk = arg;
    uint64_t s = wk->seed;
    int failed = 0;
    sqlbank_stats st = {0};
    sqlbank_conn *k;
    if (sqlbank_connect(wk->db, &k, wk->why, sizeof wk->why) != 0) {
        wk->wrong = 1;
        return NULL;
    }
    for (int i = 0; i < wk->max; i++) {
        sqlbank_xfer x;
        pick(&s, wk->id_base + (uint64_t)i, &x);
        char why[400];
        int out = sqlbank_transfer(k, &x, &st, why, sizeof why);
        if (out == XFER_COMMITTED) {
            wk->committed[x.id] = 1;
            if (failed)
                wk->failed_then_committed = 1;
        } else if (out == XFER_ABORTED) {
            wk->aborted[x.id] = 1;
        } else if (out == XFER_WRONG) {
            wk->wrong = 1;
            snprintf(wk->why, sizeof wk->why, "%s", why);
            break;
        } else if (++failed > 3) {
            break; /* the engine refuses (fail-stop): a crashed process would be gone by now */
        }
    }
    sqlbank_disconnect(k);
    pthread_mutex_lock(&totals_mu);
    totals.committed += st.committed;
    totals.refused += st.refused;
    totals.overdrafts += st.overdrafts;
    totals.zero += st.zero;
    totals.rolled_back += st.rolled_back;
    totals.deadlocks += st.deadlocks;
    totals.timeouts += st.timeouts;
    totals.gave_up += st.gave_up;
    pthread_mutex_unlock(&totals_mu);
    return NULL;
}

/* Runs the workers to their end; returns -1 with `why` if one saw a wrong answer. */
int run_workers(acidb_db *db, uint64_t seed, int max, uint8_t *committed, uint8_t *aborted,
                int *failed_then_committed, char *why, size_t n)
{
    return run_workers_from(db, seed, max, 0, committed, aborted, failed_then_committed, why, n);
}

int run_workers_from(acidb_db *db, uint64_t seed, int max, uint64_t id_offset,
                     uint8_t *committed, uint8_t *aborted, int *failed_then_committed,
                     char *why, size_t n)
{
    worker wk[WORKERS];
    pthread_t th[WORKERS];
    int started = 0;
    for (int i = 0; i < WORKERS; i++, started++) {
        wk[i] = (worker){.db = db, .w = i, .seed = seed * 7919 + (uint64_t)i + 1,
                         .id_base = 1 + (uint64_t)i * IDS_PER_THREAD + id_offset, .max = max,
                         .committed = committed, .aborted = aborted};
        if (pthread_create(&th[i], NULL, worker_run, &wk[i]) != 0)
            break;
    }
    int rc = started == WORKERS ? 0 : (snprintf(why, n, "pthread_create failed"), -1);
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        if (failed_then_committed)
            *failed_then_committed |= wk[i].failed_then_committed;
        if (wk[i].wrong && rc == 0) {
            snprintf(why, n, "worker %d: %s", i, wk[i].why);
            rc = -1;
        }
    }
    return rc;
}

/* Recovery, then the invariants, then a clean close. */
int verify(const char *db, os_vfs *vfs, const uint8_t *committed, const uint8_t *aborted,
                  char *why, size_t n)
{
    acidb_db *h;
    sqlbank_options o = {.vfs = vfs, .must_exist = 1};
    char msg[400];
    if (sqlbank_open(db, &o, &h, msg, sizeof msg) != ACIDB_OK) {
        snprintf(why, n, "recovery failed: %s", msg);
        return -1;
    }
    int rc = sqlbank_check(h, committed, aborted, NIDS, why, n);
    if (rc != 0) {
        acidb_test_abandon(h);
        return rc;
    }
    for (uint64_t id = 0; id < NIDS; id++)
        acked_checked += committed[id];
    int crc = acidb_close(h);
    if (crc != ACIDB_OK) {
        snprintf(why, n, "clean close after recovery failed: %s (%s)", acidb_open_errmsg(),
                 acidb_errstr(crc));
        return -1;
    }
    return 0;
}

/* The options of an in-process run. One run in four checkpoints every 2 KiB with a 24-page
 * pool: races between checkpoints and commits, and a full pool during rollback, show up far
 * more often (two bugs were found this way). The others keep the defaults, which are cheaper. */
sqlbank_options run_options(uint64_t seed, os_fault *f)
{
    int hot = seed % 4 == 1;
    return (sqlbank_options){.vfs = os_fault_vfs(f), .test_break = test_break,
                             .naccounts = NACCOUNTS, .ckpt_bytes = hot ? 2048 : 0,
                             .cache_pages = hot ? 24 : 0};
}

/* ---- power ------------------------------------------------------------------------------- */

/* garble: 0 for the keep/drop/tear model, else the sector size of the garbling model
 * (os_fault_set_garble: every sector an unsynced write touches is new, old or garbage); the
 * database's pages are then that size, since a page smaller than the device's sector cannot
 * be written without putting its synced neighbours at risk (SQLite's advice too). */
static int run_power(uint64_t seed, unsigned garble, char *why, size_t n, uint64_t *lost)
{
    crash_run r;
    run_start(&r, seed, 1);
    os_fault_set_garble(r.f, garble);
    sqlbank_options o = run_options(seed, r.f);
    o.page_size = garble; /* 0: the default, 512 */
    if (run_open(&r, &o, why, n) != 0)
        return run_end(&r, -1);
    os_fault_inject(r.f, OSF_SYNC, 1 + fx_xorshift(&r.s) % 120, OSF_CUT, 0);
    int wrong = run_workers(r.h, seed, PER_WORKER, r.committed, r.aborted, NULL, why, n);
    *lost += os_fault_cut_lost(r.f);
    acidb_test_abandon(r.h);
    r.h = NULL;
    os_fault_reset_power(r.f);
    os_fault_clear(r.f);
    if (wrong != 0)
        return run_end(&r, -1);
    return run_end(&r, verify(r.db, os_fault_vfs(r.f), r.committed, r.aborted, why, n));
}

/* ---- io ---------------------------------------------------------------------------------- */

static int run_io(uint64_t seed, char *why, size_t n)
{
    crash_run r;
    run_start(&r, seed, 1);
    sqlbank_options o = run_options(seed, r.f);
    if (run_open(&r, &o, why, n) != 0)
        return run_end(&r, -1);
    static const int ops[] = {OSF_WRITE, OSF_WRITE, OSF_WRITE, OSF_SYNC, OSF_READ};
    static const int kinds[] = {OSF_EIO, OSF_ENOSPC, OSF_SHORT, OSF_EIO, OSF_EIO};
    int k = (int)(fx_xorshift(&r.s) % 5);
    os_fault_inject(r.f, ops[k], 1 + fx_xorshift(&r.s) % 300, kinds[k],
                    (int)(fx_xorshift(&r.s) % 2));
    int failed_then_committed = 0;
    int wrong = run_workers(r.h, seed, PER_WORKER, r.committed, r.aborted,
                            &failed_then_committed, why, n);
    acidb_test_abandon(r.h);
    r.h = NULL;
    os_fault_clear(r.f);
    if (wrong != 0)
        return run_end(&r, -1);
    if (failed_then_committed && ops[k] != OSF_READ) {
        snprintf(why, n, "a commit succeeded after the engine had reported a write error: the "
                 "handle must refuse writes until reopened");
        return run_end(&r, -1);
    }
    return run_end(&r, verify(r.db, os_fault_vfs(r.f), r.committed, r.aborted, why, n));
}

/* ---- kill -9 ----------------------------------------------------------------------------- */

/* Child: open (recovering), run workers forever, report each outcome: 'C' or 'A' + id, written
 * right after COMMIT (or ROLLBACK) returned. */
typedef struct kworker {
    acidb_db *db;
    int w, fd;
    uint64_t seed, id_base;
} kworker;

static void *kworker_run(void *arg)
{
    kworker *kw = arg;
    uint64_t s = kw->seed;
    char why[400];
    sqlbank_conn *k;
    if (sqlbank_connect(kw->db, &k, why, sizeof why) != 0) {
        fprintf(stderr, "crash: child: %s\n", why);
        _exit(5);
    }
    for (uint64_t i = 0;; i++) {
        if (i >= IDS_PER_THREAD)
            _exit(4);
        sqlbank_xfer x;
        pick(&s, kw->id_base + i, &x);
        int out = sqlbank_transfer(k, &x, NULL, why, sizeof why);
        if (out != XFER_COMMITTED && out != XFER_ABORTED) {
            /* with no faults injected, any error is a bug */
            fprintf(stderr, "crash: child: %s\n", why);
            _exit(5);
        }
        uint8_t msg[9];
        msg[0] = out == XFER_COMMITTED ? 'C' : 'A';
        memcpy(msg + 1, &x.id, 8);
        if (write(kw->fd, msg, sizeof msg) != (ssize_t)sizeof msg)
            _exit(6);
    }
}

static void child_main(const char *db, int fd, uint64_t seed, int cycle)
{
    acidb_db *h;
    sqlbank_options o = {.test_break = test_break, .naccounts = NACCOUNTS, .must_exist = 1};
    char why[400];
    if (sqlbank_open(db, &o, &h, why, sizeof why) != ACIDB_OK) {
        fprintf(stderr, "crash: child cannot open %s: %s\n", db, why);
        _exit(7);
    }
    kworker k[WORKERS];
    pthread_t th[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        k[i] = (kworker){.db = h, .w = i, .fd = fd, .seed = seed * 104729 + (uint64_t)i + 1,
                         .id_base = 1 + (uint64_t)cycle * IDS_PER_CYCLE +
                                    (uint64_t)i * IDS_PER_THREAD};
        pthread_create(&th[i], NULL, kworker_run, &k[i]);
    }
    for (int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);
    _exit(0);
}

static void drain(int fd, uint8_t *committed, uint8_t *aborted, uint8_t *partial, size_t *plen)
{
    uint8_t buf[4096];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0)
            return;
        for (ssize_t i = 0; i < r; i++) {
            partial[(*plen)++] = buf[i];
            if (*plen == 9) {
                uint64_t id;
                memcpy(&id, partial + 1, 8);
                if (id < NIDS)
                    (partial[0] == 'C' ? committed : aborted)[id] = 1;
                *plen = 0;
            }
        }
    }
}

static int run_kill(uint64_t seed, char *why, size_t n, int *child_errors)
{
    crash_run r;
    run_start(&r, seed, 0);
    const char *db = r.db;
    uint8_t *committed = r.committed, *aborted = r.aborted;
    int rc = -1;
    sqlbank_options o = {.test_break = test_break, .naccounts = NACCOUNTS};
    if (run_open(&r, &o, why, n) != 0)
        goto out;
    int crc = acidb_close(r.h);
    r.h = NULL;
    if (crc != ACIDB_OK) {
        snprintf(why, n, "close after create failed: %s", acidb_open_errmsg());
        goto out;
    }
    for (int cycle = 0; cycle < KILL_CYCLES; cycle++) {
        int fds[2];
        if (pipe(fds) != 0) {
            snprintf(why, n, "pipe: %s", strerror(errno));
            goto out;
        }
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            child_main(db, fds[1], seed + (uint64_t)cycle, cycle);
        }
        close(fds[1]);
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        /* Kill at a random moment: sometimes during its recovery (a few ms), mostly mid-work. */
        long ms = fx_xorshift(&r.s) % 4 == 0 ? (long)(fx_xorshift(&r.s) % 5)
                                           : 5 + (long)(fx_xorshift(&r.s) % 120);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        uint8_t partial[9];
        size_t plen = 0;
        for (;;) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long el = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
            if (el >= ms)
                break;
            struct pollfd p = {.fd = fds[0], .events = POLLIN};
            poll(&p, 1, (int)(ms - el));
            drain(fds[0], committed, aborted, partial, &plen);
        }
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        drain(fds[0], committed, aborted, partial, &plen); /* what it said before dying */
        close(fds[0]);
        if (WIFEXITED(status)) { /* it stopped by itself: an error inside the child */
            (*child_errors)++;
            snprintf(why, n, "the workload process exited with status %d before the kill "
                     "(an unexpected engine error)", WEXITSTATUS(status));
            goto out;
        }
    }
    rc = verify(db, NULL, committed, aborted, why, n);
out:
    return run_end(&r, rc);
}

/* ---- main -------------------------------------------------------------------------------- */

/* The modes, in the order `all` runs them, with their quick-pass run counts (make test; make
 * crash runs 10,000 of each). */
static const struct {
    const char *name;
    int quick;
} modes[] = {{"power", 700}, {"kill", 100}, {"io", 200},     {"garble", 200},
             {"bitflip", 100}, {"swaplog", 50}, {"header", 100}, {"index", 50}};

static int run_mode(const char *mode, uint64_t seed0, int runs)
{
    char why[1024];
    uint64_t lost = 0, counted = 0;
    int child_errors = 0;
    struct timespec t0, t1;
    acked_checked = 0;
    memset(&totals, 0, sizeof totals);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < runs; i++) {
        uint64_t seed = seed0 + (uint64_t)i;
        int rc;
        if (strcmp(mode, "power") == 0)
            rc = run_power(seed, 0, why, sizeof why, &lost);
        else if (strcmp(mode, "garble") == 0)
            rc = run_power(seed, seed % 2 ? 512 : 4096, why, sizeof why, &lost);
        else if (strcmp(mode, "io") == 0)
            rc = run_io(seed, why, sizeof why);
        else if (strcmp(mode, "bitflip") == 0)
            rc = run_bitflip(seed, why, sizeof why, &counted, &lost);
        else if (strcmp(mode, "swaplog") == 0)
            rc = run_swaplog(seed, why, sizeof why, &counted);
        else if (strcmp(mode, "header") == 0)
            rc = run_header(seed, why, sizeof why, &counted);
        else if (strcmp(mode, "index") == 0)
            rc = run_index(seed, why, sizeof why, &counted);
        else
            rc = run_kill(seed, why, sizeof why, &child_errors);
        if (rc != 0) {
            printf("crash %s: FAILED at run %d, seed %llu: %s\n  replay: build/crash --mode %s "
                   "--seed %llu --runs 1%s\n", mode, i + 1, (unsigned long long)seed, why, mode,
                   (unsigned long long)seed, test_break ? " (with the same --break)" : "");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("crash %-5s: %d runs, all invariants held (seeds %llu..%llu, %.1f s, %llu "
           "acknowledged transfers found", mode, runs, (unsigned long long)seed0,
           (unsigned long long)(seed0 + (uint64_t)runs - 1), sec,
           (unsigned long long)acked_checked);
    if (strcmp(mode, "power") == 0 || strcmp(mode, "garble") == 0)
        printf(", %llu unsynced writes lost, torn or garbled", (unsigned long long)lost);
    if (strcmp(mode, "bitflip") == 0)
        printf(", %llu opens refused (XX001), the others held the invariants; %llu flips in "
               "the last synced flush or in a run cut mid-flush, where only consistency is "
               "required", (unsigned long long)counted, (unsigned long long)lost);
    if (strcmp(mode, "swaplog") == 0)
        printf(", %llu opens refused", (unsigned long long)counted);
    if (strcmp(mode, "header") == 0)
        printf(", %llu interrupted writes of page 0", (unsigned long long)counted);
    if (strcmp(mode, "index") == 0)
        printf(", %llu damaged indexes reported by acidb_check", (unsigned long long)counted);
    printf(")\n");
    if (totals.committed > 0) /* the kill mode's workers live in children: not counted */
        printf("  workload: %llu committed, %llu refused (FOR UPDATE or CHECK), %llu overdrafts "
               "and %llu zero amounts refused by CHECK (23514), %llu rolled back, %llu deadlock "
               "victims and %llu lock timeouts retried\n",
               (unsigned long long)totals.committed, (unsigned long long)totals.refused,
               (unsigned long long)totals.overdrafts, (unsigned long long)totals.zero,
               (unsigned long long)totals.rolled_back, (unsigned long long)totals.deadlocks,
               (unsigned long long)totals.timeouts);
    return 0;
}

static const char usage[] =
    "usage: crash [--mode power|kill|io|garble|bitflip|swaplog|header|index|all] [--runs N] "
    "[--seed S] [--break commit-sync|wal-rule] [--dir D] [--verbose]\n";

int main(int argc, char **argv)
{
    const char *mode = "all";
    int runs = -1;
    uint64_t seed = (uint64_t)time(NULL);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc)
            mode = argv[++i];
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = 1;
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            snprintf(base_dir, sizeof base_dir, "%s", argv[++i]);
        else if (strcmp(argv[i], "--break") == 0 && i + 1 < argc) {
            const char *w = argv[++i];
            test_break = strcmp(w, "commit-sync") == 0 ? TXM_BREAK_COMMIT_SYNC
                         : strcmp(w, "wal-rule") == 0  ? TXM_BREAK_WAL_RULE
                                                       : 0;
            if (!test_break) {
                fprintf(stderr, "crash: unknown --break %s (commit-sync, wal-rule)\n", w);
                return 2;
            }
        } else {
            fputs(usage, stderr);
            return 2;
        }
    }
    int known = strcmp(mode, "all") == 0;
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
        known |= strcmp(mode, modes[m].name) == 0;
    if (!known) {
        fputs(usage, stderr);
        return 2;
    }
    printf("crash: seed %llu%s\n", (unsigned long long)seed,
           test_break ? " — DELIBERATELY BROKEN BUILD: a failure is the expected result" : "");
    int bad = 0;
    for (size_t m = 0; m < sizeof modes / sizeof modes[0] && !bad; m++)
        if (strcmp(mode, modes[m].name) == 0 || strcmp(mode, "all") == 0)
            bad |= run_mode(modes[m].name, seed, runs > 0 ? runs : modes[m].quick);
    return bad;
}
