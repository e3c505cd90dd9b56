/*
 * bank_bench.c — acidb against SQLite (and PostgreSQL when its server is installed) on the
 * banking workload (bench/README.md, "bank_bench"), in one run, each engine's measurement in
 * its own forked child so that peak RSS is per engine and per measurement.
 *
 * Workloads (bench/README.md "bank_bench" explains how to read them):
 *
 *   transfer   accounts(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,
 *              balance INTEGER NOT NULL CHECK (balance >= 0)), 100,000 rows, plus
 *              history(id <auto> PRIMARY KEY, src, dst, amount). One transfer = BEGIN; read the
 *              source balance; debit it; credit the target; insert a history row; COMMIT —
 *              prepared statements, random accounts, retried on deadlock / busy / lock timeout
 *              (counted). 1..16 threads, each with its own connection, durable (acidb FULL,
 *              SQLite WAL + synchronous=FULL, BEGIN IMMEDIATE, busy timeout 10 s) and not
 *              (acidb OFF, SQLite synchronous=OFF).
 *   hot        the same, 90% of transfers between 10 hot accounts (-H, or in the default set).
 *   lookup     SELECT balance FROM accounts WHERE id = $1, prepared, random ids, 16 MiB cache,
 *              10^3, 10^5, 10^6 (and 10^7 with -f) rows.
 *   load       1,000,000 prepared INSERTs in key order in one transaction; final file size.
 *   import     the same accounts as a CSV, loaded by each shell's .import (acidb: build/acidb;
 *              SQLite: the sqlite3 shell, when installed); seconds, MB/s, file size.
 *   recovery   (acidb only) a child writes N MiB of log with durability off and checkpoints
 *              disabled, is killed with SIGKILL, and acidb_open is timed.
 *
 * Fairness: acidb and each peer alternate run by run (acidb first in even runs), every figure
 * is the median of -r runs (default 3) with min and max; the disk's fdatasync rate
 * (bench_util.h) is measured before every durable group of runs and printed beside it.
 *
 * Usage: bank_bench [-q quick] [-f full] [-o output stem] [-d dir] [-s secs per run]
 *                   [-r runs] [-w workloads: comma list of transfer,hot,load,import,lookup,
 *                   recovery]
 *                   [-t threads list, e.g. 1,4,16] [-e acidb|sqlite|pg]
 *
 * With -o STEM it writes STEM.md (machine, tables) and STEM-*.dat for bench/plots.gp.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench_util.h"
#include "acidb.h"

enum { E_ACIDB, E_SQLITE, E_PG, E_COUNT };
static const char *const ENGINE_NAME[E_COUNT] = {"acidb", "SQLite", "PostgreSQL"};
enum { DUR_FULL, DUR_OFF };

#define MAX_THREADS 64
#define ACCOUNTS 100000
#define INITIAL_BALANCE 1000000

/* ---- options and helpers ---------------------------------------------------------------- */

static struct {
    int quick, full, runs;
    double secs;
    const char *stem, *dir, *only;
    int threads[8], nthreads;
    int engines; /* bit per engine */
    int pg_ok;   /* PostgreSQL server binaries found and the cluster started */
    FILE *md;
} g;

/* The progress line: overwritten in place on a terminal, one line per step otherwise. */
static void progress(const char *fmt, ...)
{
    static double t0;
    if (t0 == 0)
        t0 = bench_now();
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (isatty(2))
        fprintf(stderr, "\r\033[K[%5.0fs] %s", bench_now() - t0, buf);
    else
        fprintf(stderr, "[%5.0fs] %s\n", bench_now() - t0, buf);
}

/* Output goes to the terminal and, with -o, to the results file. */
static void out(const char *fmt, ...)
{
    va_list ap;
    if (isatty(2))
        fprintf(stderr, "\r\033[K");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
    if (g.md) {
        va_start(ap, fmt);
        vfprintf(g.md, fmt, ap);
        va_end(ap);
        fflush(g.md);
    }
}

/* Peak resident set of this process, KiB (VmHWM). */
static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &v) == 1)
            break;
    if (f)
        fclose(f);
    if (v < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        v = ru.ru_maxrss;
    }
    return v;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static void db_path(char *buf, size_t n, int e, const char *what)
{
    snprintf(buf, n, "%s/bank-%s-%s-%d.db", g.dir, e == E_ACIDB ? "acidb" : "sqlite", what,
             (int)getpid());
}

/* A figure over runs: median, min, max. */
typedef struct stat3 {
    double med, min, max;
} stat3;

static stat3 stat_of(const double *v, int n)
{
    stat3 r;
    r.med = bench_median(v, n, &r.min, &r.max);
    return r;
}

/* ---- PostgreSQL (libpq; only with -DHAVE_LIBPQ, see bench/README.md) ----------------------- */

#ifdef HAVE_LIBPQ
#include "bank_pg.h"
#else
typedef struct bank_pg bank_pg;
static bank_pg *bank_pg_connect(int durable)
{
    (void)durable;
    return NULL;
}
static int64_t bank_pg_wal_bytes(void) { return -1; }
static void bank_pg_close(bank_pg *p) { (void)p; }
static int bank_pg_transfer(bank_pg *p, int64_t src, int64_t dst, int64_t amt)
{
    (void)p, (void)src, (void)dst, (void)amt;
    return 1;
}
static int bank_pg_start(const char *dir) { (void)dir; return -1; }
static void bank_pg_stop(void) {}
static int bank_pg_load(int64_t n, int64_t balance) { (void)n, (void)balance; return -1; }
static const char *bank_pg_version(void) { return ""; }
static const char *bank_pg_status(void) { return "not built (bank_bench without libpq)"; }
#endif

/* ---- one connection per thread, three engines ---------------------------------------------- */

typedef struct conn {
    int engine;
    acidb_conn *ac;
    acidb_stmt *a_begin, *a_sel, *a_deb, *a_cred, *a_hist, *a_commit, *a_rollback;
    sqlite3 *sdb;
    sqlite3_stmt *s_begin, *s_sel, *s_deb, *s_cred, *s_hist, *s_commit, *s_rollback;
    bank_pg *pg;
} conn;

enum { T_OK, T_RETRY, T_REFUSED };

static const char *const SQL_SEL = "SELECT balance FROM accounts WHERE id = $1";
/* The transfer reads the source balance it is about to debit: with row locks (acidb,
 * PostgreSQL) it locks the row for update as it reads, the way the article does it, instead
 * of taking a shared lock and upgrading it at the UPDATE, which makes two transfers from one
 * account deadlock. SQLite needs nothing: BEGIN IMMEDIATE already admits one writer. */
static const char *const SQL_SEL_FOR_UPDATE =
    "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE";
static const char *const SQL_DEB = "UPDATE accounts SET balance = balance - $1 WHERE id = $2";
static const char *const SQL_CRED = "UPDATE accounts SET balance = balance + $1 WHERE id = $2";
static const char *const SQL_HIST = "INSERT INTO history (src, dst, amount) VALUES ($1, $2, $3)";

/* acidb ---------------------------------------------------------------------------------- */

static acidb_db *g_adb; /* the child's database handle */

static void a_die(acidb_conn *c, int rc, const char *what)
{
    bench_die("acidb: %s: %s (%d) %s [%s]", what, acidb_errstr(rc), rc,
              c ? acidb_errmsg(c) : acidb_open_errmsg(), c ? acidb_sqlstate(c) : "");
}

static acidb_stmt *a_prep(acidb_conn *c, const char *sql)
{
    acidb_stmt *s;
    int rc = acidb_prepare(c, sql, &s);
    if (rc != ACIDB_OK)
        a_die(c, rc, sql);
    return s;
}

static void a_open(const char *path, int durability, uint64_t cache, uint64_t ckpt, int create)
{
    acidb_options o = acidb_default_options();
    o.cache_bytes = cache;
    o.durability = durability == DUR_FULL ? ACIDB_DURABILITY_FULL : ACIDB_DURABILITY_OFF;
    o.create = create;
    if (ckpt)
        o.checkpoint_bytes = ckpt;
    int rc = acidb_open(path, &o, &g_adb);
    if (rc != ACIDB_OK)
        a_die(NULL, rc, "open");
}

static void a_exec(acidb_conn *c, const char *sql)
{
    int rc = acidb_exec(c, sql);
    if (rc != ACIDB_OK)
        a_die(c, rc, sql);
}

/* Steps s to DONE (or one row then DONE) and resets it; returns the row's first column in
 * *v. ACIDB_OK, or the failing code (statement reset). */
static int a_run(acidb_stmt *s, int64_t *v)
{
    int rc = acidb_step(s);
    if (rc == ACIDB_ROW) {
        if (v)
            *v = acidb_column_int64(s, 0);
        rc = acidb_step(s);
    }
    acidb_reset(s);
    return rc == ACIDB_DONE ? ACIDB_OK : rc;
}

static int a_retryable(int rc)
{
    return rc == ACIDB_DEADLOCK || rc == ACIDB_LOCK_TIMEOUT || rc == ACIDB_BUSY;
}

static int a_transfer(conn *c, int64_t src, int64_t dst, int64_t amt)
{
    int64_t bal = 0;
    int rc = a_run(c->a_begin, NULL);
    if (rc == ACIDB_OK) {
        acidb_bind_int64(c->a_sel, 1, src);
        rc = a_run(c->a_sel, &bal);
    }
    if (rc == ACIDB_OK && bal < amt) {
        a_run(c->a_rollback, NULL);
        return T_REFUSED;
    }
    if (rc == ACIDB_OK) {
        acidb_bind_int64(c->a_deb, 1, amt);
        acidb_bind_int64(c->a_deb, 2, src);
        rc = a_run(c->a_deb, NULL);
    }
    if (rc == ACIDB_OK) {
        acidb_bind_int64(c->a_cred, 1, amt);
        acidb_bind_int64(c->a_cred, 2, dst);
        rc = a_run(c->a_cred, NULL);
    }
    if (rc == ACIDB_OK) {
        acidb_bind_int64(c->a_hist, 1, src);
        acidb_bind_int64(c->a_hist, 2, dst);
        acidb_bind_int64(c->a_hist, 3, amt);
        rc = a_run(c->a_hist, NULL);
    }
    if (rc == ACIDB_OK)
        rc = a_run(c->a_commit, NULL);
    if (rc == ACIDB_OK)
        return T_OK;
    if (acidb_txn_state(c->ac) != 'I')
        a_run(c->a_rollback, NULL);
    if (a_retryable(rc))
        return T_RETRY;
    a_die(c->ac, rc, "transfer");
    return T_RETRY;
}

/* SQLite ---------------------------------------------------------------------------------- */

static void s_die(sqlite3 *db, int rc, const char *what)
{
    bench_die("SQLite: %s: %s (%d)", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc);
}

static sqlite3_stmt *s_prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        s_die(db, rc, sql);
    return s;
}

static void s_exec(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        s_die(db, rc, sql);
}

/* WAL bytes: SQLite's own auto-checkpoint is a WAL hook, so ours counts the frames each commit
 * appends and then does what the default hook does (a passive checkpoint at 1,000 frames).
 * Under concurrency the frame delta is read without the write lock: exact for one thread,
 * approximate for more. */
static pthread_mutex_t s_wal_mu = PTHREAD_MUTEX_INITIALIZER;
static int s_wal_last;
static uint64_t s_wal_frames;
static int s_page_size = 4096;

static int s_wal_hook(void *ctx, sqlite3 *db, const char *zdb, int nframes)
{
    (void)ctx;
    pthread_mutex_lock(&s_wal_mu);
    s_wal_frames += (uint64_t)(nframes > s_wal_last ? nframes - s_wal_last : nframes);
    s_wal_last = nframes;
    pthread_mutex_unlock(&s_wal_mu);
    if (nframes >= 1000)
        sqlite3_wal_checkpoint(db, zdb);
    return SQLITE_OK;
}

static sqlite3 *s_open(const char *path, int durability, int cache_kib)
{
    sqlite3 *db;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK)
        s_die(db, rc, "open");
    sqlite3_busy_timeout(db, 10000);
    s_exec(db, "PRAGMA journal_mode=WAL");
    s_exec(db, durability == DUR_FULL ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF");
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", cache_kib);
    s_exec(db, sql);
    sqlite3_wal_hook(db, s_wal_hook, NULL);
    return db;
}

static int s_run(sqlite3_stmt *s, int64_t *v)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (v)
            *v = sqlite3_column_int64(s, 0);
        rc = sqlite3_step(s);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int s_transfer(conn *c, int64_t src, int64_t dst, int64_t amt)
{
    int64_t bal = 0;
    int rc = s_run(c->s_begin, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(c->s_sel, 1, src);
        rc = s_run(c->s_sel, &bal);
    }
    if (rc == SQLITE_OK && bal < amt) {
        s_run(c->s_rollback, NULL);
        return T_REFUSED;
    }
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(c->s_deb, 1, amt);
        sqlite3_bind_int64(c->s_deb, 2, src);
        rc = s_run(c->s_deb, NULL);
    }
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(c->s_cred, 1, amt);
        sqlite3_bind_int64(c->s_cred, 2, dst);
        rc = s_run(c->s_cred, NULL);
    }
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(c->s_hist, 1, src);
        sqlite3_bind_int64(c->s_hist, 2, dst);
        sqlite3_bind_int64(c->s_hist, 3, amt);
        rc = s_run(c->s_hist, NULL);
    }
    if (rc == SQLITE_OK)
        rc = s_run(c->s_commit, NULL);
    if (rc == SQLITE_OK)
        return T_OK;
    if (!sqlite3_get_autocommit(c->sdb))
        s_run(c->s_rollback, NULL);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return T_RETRY;
    s_die(c->sdb, rc, "transfer");
    return T_RETRY;
}

/* ---- connection setup shared by the workloads --------------------------------------------- */

static const char *g_path; /* the child's database path (acidb, SQLite) */
static int g_durability;

static void conn_open(conn *c, int e)
{
    memset(c, 0, sizeof *c);
    c->engine = e;
    if (e == E_ACIDB) {
        int rc = acidb_connect(g_adb, &c->ac);
        if (rc != ACIDB_OK)
            a_die(NULL, rc, "connect");
        c->a_begin = a_prep(c->ac, "BEGIN");
        c->a_sel = a_prep(c->ac, SQL_SEL_FOR_UPDATE);
        c->a_deb = a_prep(c->ac, SQL_DEB);
        c->a_cred = a_prep(c->ac, SQL_CRED);
        c->a_hist = a_prep(c->ac, SQL_HIST);
        c->a_commit = a_prep(c->ac, "COMMIT");
        c->a_rollback = a_prep(c->ac, "ROLLBACK");
    } else if (e == E_SQLITE) {
        c->sdb = s_open(g_path, g_durability, 65536);
        c->s_begin = s_prep(c->sdb, "BEGIN IMMEDIATE");
        c->s_sel = s_prep(c->sdb, SQL_SEL);
        c->s_deb = s_prep(c->sdb, SQL_DEB);
        c->s_cred = s_prep(c->sdb, SQL_CRED);
        c->s_hist = s_prep(c->sdb, SQL_HIST);
        c->s_commit = s_prep(c->sdb, "COMMIT");
        c->s_rollback = s_prep(c->sdb, "ROLLBACK");
    } else {
        c->pg = bank_pg_connect(g_durability == DUR_FULL);
        if (!c->pg)
            bench_die("PostgreSQL: cannot connect");
    }
}

static void conn_close(conn *c)
{
    if (c->engine == E_ACIDB) {
        acidb_stmt *s[] = {c->a_begin, c->a_sel,    c->a_deb,     c->a_cred,
                           c->a_hist,  c->a_commit, c->a_rollback};
        for (size_t i = 0; i < sizeof s / sizeof *s; i++)
            acidb_finalize(s[i]);
        acidb_disconnect(c->ac);
    } else if (c->engine == E_SQLITE) {
        sqlite3_stmt *s[] = {c->s_begin, c->s_sel,    c->s_deb,     c->s_cred,
                             c->s_hist,  c->s_commit, c->s_rollback};
        for (size_t i = 0; i < sizeof s / sizeof *s; i++)
            sqlite3_finalize(s[i]);
        sqlite3_close(c->sdb);
    } else {
        bank_pg_close(c->pg);
    }
}

static int conn_transfer(conn *c, int64_t src, int64_t dst, int64_t amt)
{
    if (c->engine == E_ACIDB)
        return a_transfer(c, src, dst, amt);
    if (c->engine == E_SQLITE)
        return s_transfer(c, src, dst, amt);
    return bank_pg_transfer(c->pg, src, dst, amt);
}

/* ---- loading ------------------------------------------------------------------------------ */

/* Creates the schema and n accounts in one transaction of prepared INSERTs (key order) in a
 * fresh file; returns the seconds of the load (commit included). Runs in the caller (a child). */
static double load_accounts(int e, const char *path, int64_t n)
{
    char name[32];
    bench_remove_db(path);
    double t0 = 0, t1;
    if (e == E_ACIDB) {
        a_open(path, DUR_FULL, 64u << 20, 0, 1);
        acidb_conn *c;
        if (acidb_connect(g_adb, &c) != ACIDB_OK)
            bench_die("acidb connect");
        a_exec(c, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, "
                  "balance INTEGER NOT NULL CHECK (balance >= 0))");
        a_exec(c, "CREATE TABLE history (id BIGSERIAL PRIMARY KEY, src INTEGER NOT NULL, "
                  "dst INTEGER NOT NULL, amount INTEGER NOT NULL)");
        acidb_stmt *ins = a_prep(c, "INSERT INTO accounts VALUES ($1, $2, $3)");
        t0 = bench_now();
        a_exec(c, "BEGIN");
        for (int64_t id = 1; id <= n; id++) {
            snprintf(name, sizeof name, "acct-%010" PRId64, id);
            acidb_bind_int64(ins, 1, id);
            acidb_bind_text(ins, 2, name, -1);
            acidb_bind_int64(ins, 3, INITIAL_BALANCE);
            int rc = a_run(ins, NULL);
            if (rc != ACIDB_OK)
                a_die(c, rc, "insert");
        }
        a_exec(c, "COMMIT");
        t1 = bench_now();
        acidb_finalize(ins);
        acidb_disconnect(c);
        if (acidb_close(g_adb) != ACIDB_OK)
            bench_die("acidb close");
    } else {
        sqlite3 *db = s_open(path, DUR_FULL, 65536);
        s_exec(db, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, "
                   "balance INTEGER NOT NULL CHECK (balance >= 0))");
        s_exec(db, "CREATE TABLE history (id INTEGER PRIMARY KEY, src INTEGER NOT NULL, "
                   "dst INTEGER NOT NULL, amount INTEGER NOT NULL)");
        sqlite3_stmt *ins = s_prep(db, "INSERT INTO accounts VALUES ($1, $2, $3)");
        t0 = bench_now();
        s_exec(db, "BEGIN IMMEDIATE");
        for (int64_t id = 1; id <= n; id++) {
            snprintf(name, sizeof name, "acct-%010" PRId64, id);
            sqlite3_bind_int64(ins, 1, id);
            sqlite3_bind_text(ins, 2, name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 3, INITIAL_BALANCE);
            int rc = s_run(ins, NULL);
            if (rc != SQLITE_OK)
                s_die(db, rc, "insert");
        }
        s_exec(db, "COMMIT");
        t1 = bench_now();
        sqlite3_finalize(ins);
        sqlite3_close(db); /* checkpoints the WAL into the file and removes it */
    }
    return t1 - t0;
}

/* ---- results passed from a child to the parent ------------------------------------------- */

typedef struct result {
    double ops_per_s, secs;
    double p50_us, p99_us, max_us;
    uint64_t ops, retries, refused, min_thread_ops;
    double fsyncs_per_commit; /* < 0: n/a */
    double log_bytes_per_commit;
    long rss_kib;
    long long file_bytes;
    double extra; /* workload-specific (recovery: MB of log read) */
} result;

/* Runs fn(arg, &r) in a forked child and returns its result (peak RSS is the child's). */
static result in_child(void (*fn)(void *arg, result *r), void *arg)
{
    int fds[2];
    if (pipe(fds) != 0)
        bench_die("pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        result r;
        memset(&r, 0, sizeof r);
        fn(arg, &r);
        r.rss_kib = peak_rss_kib();
        if (write(fds[1], &r, sizeof r) != (ssize_t)sizeof r)
            _exit(2);
        _exit(0);
    }
    close(fds[1]);
    result r;
    memset(&r, 0, sizeof r);
    ssize_t got = read(fds[0], &r, sizeof r);
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    if (got != (ssize_t)sizeof r || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        bench_die("a measurement child failed (status %d)", st);
    return r;
}

/* ---- transfer ----------------------------------------------------------------------------- */

typedef struct xfer_args {
    int engine, durability, threads, hot;
    double secs;
    const char *path;
    uint64_t seed;
} xfer_args;

typedef struct worker {
    pthread_t th;
    xfer_args *a;
    int idx;
    conn c;
    double *lat;
    size_t nlat, caplat;
    uint64_t ops, retries, refused;
} worker;

static atomic_int g_go, g_stop, g_ready;

static void pick(uint64_t *rng, int hot, int64_t *src, int64_t *dst)
{
    int64_t n = ACCOUNTS;
    if (hot && bench_splitmix(rng) % 10 < 9)
        n = 10;
    *src = 1 + (int64_t)(bench_splitmix(rng) % (uint64_t)n);
    do
        *dst = 1 + (int64_t)(bench_splitmix(rng) % (uint64_t)n);
    while (*dst == *src);
}

static void *worker_main(void *p)
{
    worker *w = p;
    uint64_t rng = w->a->seed * 1000003u + (uint64_t)w->idx;
    conn_open(&w->c, w->a->engine);
    atomic_fetch_add(&g_ready, 1);
    while (!atomic_load(&g_go))
        usleep(100);
    while (!atomic_load(&g_stop)) {
        int64_t src, dst, amt = 1 + (int64_t)(bench_splitmix(&rng) % 100);
        pick(&rng, w->a->hot, &src, &dst);
        double t0 = bench_now();
        int r;
        while ((r = conn_transfer(&w->c, src, dst, amt)) == T_RETRY) {
            w->retries++;
            if (atomic_load(&g_stop))
                break;
        }
        if (r == T_RETRY)
            break;
        if (r == T_REFUSED)
            w->refused++;
        w->ops++;
        if (w->nlat == w->caplat) {
            w->caplat = w->caplat ? w->caplat * 2 : 65536;
            w->lat = realloc(w->lat, w->caplat * sizeof *w->lat);
            if (!w->lat)
                bench_die("out of memory");
        }
        w->lat[w->nlat++] = (bench_now() - t0) * 1e6;
    }
    conn_close(&w->c);
    return NULL;
}

static void xfer_child(void *arg, result *r)
{
    xfer_args *a = arg;
    g_path = a->path;
    g_durability = a->durability;
    uint64_t fs0 = 0, lb0 = 0, cm0 = 0;
    acidb_stats st;
    if (a->engine == E_ACIDB) {
        a_open(a->path, a->durability, 64u << 20, 0, 0);
        acidb_get_stats(g_adb, &st);
        fs0 = st.log_fsyncs, lb0 = st.log_bytes, cm0 = st.commits;
    }
    int64_t pg_wal0 = a->engine == E_PG ? bank_pg_wal_bytes() : -1;
    worker w[MAX_THREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < a->threads; i++) {
        w[i].a = a;
        w[i].idx = i;
        if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0)
            bench_die("pthread_create");
    }
    while (atomic_load(&g_ready) < a->threads)
        usleep(1000);
    uint64_t frames0 = s_wal_frames;
    double t0 = bench_now();
    atomic_store(&g_go, 1);
    while (bench_now() - t0 < a->secs)
        usleep(5000);
    atomic_store(&g_stop, 1);
    double el = bench_now() - t0;
    uint64_t commits = 0;
    for (int i = 0; i < a->threads; i++) {
        pthread_join(w[i].th, NULL);
        r->ops += w[i].ops;
        r->retries += w[i].retries;
        r->refused += w[i].refused;
        if (i == 0 || w[i].ops < r->min_thread_ops)
            r->min_thread_ops = w[i].ops;
    }
    commits = r->ops - r->refused;
    size_t n = 0;
    for (int i = 0; i < a->threads; i++)
        n += w[i].nlat;
    double *all = malloc((n ? n : 1) * sizeof *all);
    if (!all)
        bench_die("out of memory");
    n = 0;
    for (int i = 0; i < a->threads; i++) {
        memcpy(all + n, w[i].lat, w[i].nlat * sizeof *all);
        n += w[i].nlat;
        free(w[i].lat);
    }
    qsort(all, n, sizeof *all, bench_cmp_double);
    if (n) {
        r->p50_us = all[n / 2];
        r->p99_us = all[(size_t)(n * 0.99)];
        r->max_us = all[n - 1];
    }
    free(all);
    r->secs = el;
    r->ops_per_s = r->ops / el;
    r->fsyncs_per_commit = -1;
    r->log_bytes_per_commit = -1;
    if (a->engine == E_ACIDB) {
        acidb_get_stats(g_adb, &st);
        uint64_t cm = st.commits - cm0;
        if (cm) {
            r->fsyncs_per_commit = (double)(st.log_fsyncs - fs0) / cm;
            /* log_bytes counts since the log was last compacted: a checkpoint during the run
             * can make it drop, in which case the figure is not available. */
            r->log_bytes_per_commit = st.log_bytes >= lb0 ? (double)(st.log_bytes - lb0) / cm : -1;
        }
        if (acidb_close(g_adb) != ACIDB_OK)
            bench_die("acidb close");
    } else if (a->engine == E_PG && commits && pg_wal0 >= 0) {
        r->log_bytes_per_commit = (double)(bank_pg_wal_bytes() - pg_wal0) / (double)commits;
    } else if (a->engine == E_SQLITE && commits) {
        r->log_bytes_per_commit =
            (double)(s_wal_frames - frames0) * (s_page_size + 24) / (double)commits;
    }
}

/* ---- point lookup ------------------------------------------------------------------------- */

typedef struct lookup_args {
    int engine;
    int64_t rows;
    double secs;
    const char *path;
    uint64_t seed;
} lookup_args;

static void lookup_child(void *arg, result *r)
{
    lookup_args *a = arg;
    uint64_t rng = a->seed;
    const uint64_t cache = 16u << 20;
    acidb_conn *ac = NULL;
    acidb_stmt *as = NULL;
    sqlite3 *sdb = NULL;
    sqlite3_stmt *ss = NULL;
    if (a->engine == E_ACIDB) {
        a_open(a->path, DUR_FULL, cache, 0, 0);
        if (acidb_connect(g_adb, &ac) != ACIDB_OK)
            bench_die("connect");
        as = a_prep(ac, SQL_SEL);
    } else {
        sdb = s_open(a->path, DUR_FULL, (int)(cache >> 10));
        ss = s_prep(sdb, SQL_SEL);
    }
    /* Warm-up for a quarter of the time, then timed. */
    for (int phase = 0; phase < 2; phase++) {
        double t0 = bench_now(), dur = phase == 0 ? a->secs / 4 : a->secs, el;
        uint64_t n = 0;
        int64_t v = 0;
        do {
            for (int k = 0; k < 256; k++) {
                int64_t id = 1 + (int64_t)(bench_splitmix(&rng) % (uint64_t)a->rows);
                if (as) {
                    acidb_bind_int64(as, 1, id);
                    if (a_run(as, &v) != ACIDB_OK || v < 0)
                        bench_die("acidb lookup");
                } else {
                    sqlite3_bind_int64(ss, 1, id);
                    if (s_run(ss, &v) != SQLITE_OK || v < 0)
                        bench_die("SQLite lookup");
                }
            }
            n += 256;
            el = bench_now() - t0;
        } while (el < dur);
        r->ops = n;
        r->secs = el;
        r->ops_per_s = n / el;
    }
    if (as) {
        acidb_finalize(as);
        acidb_disconnect(ac);
        acidb_close(g_adb);
    } else {
        sqlite3_finalize(ss);
        sqlite3_close(sdb);
    }
}

/* ---- bulk load ---------------------------------------------------------------------------- */

typedef struct load_args {
    int engine;
    int64_t rows;
    const char *path;
} load_args;

static void load_child(void *arg, result *r)
{
    load_args *a = arg;
    r->secs = load_accounts(a->engine, a->path, a->rows);
    r->ops = (uint64_t)a->rows;
    r->ops_per_s = a->rows / r->secs;
    r->file_bytes = file_size(a->path);
}

/* ---- bulk load through the shells' .import --------------------------------------------------
 *
 * The same accounts as a CSV file with a header row, loaded by each engine's own shell:
 * `acidb FILE -bail -c 'CREATE …' -c '.import CSV accounts'` (one transaction, all or nothing)
 * and `sqlite3 FILE` with WAL + synchronous=FULL and `.import --csv --skip 1` (one transaction
 * too). The time is the shell's whole run, schema included (a few ms). */

static const char *g_shell_acidb = "build/acidb"; /* next to bank_bench: build/bench/.. */

static void write_accounts_csv(const char *csv, int64_t n)
{
    FILE *f = fopen(csv, "w");
    if (f == NULL)
        bench_die("%s: %s", csv, strerror(errno));
    fputs("id,name,balance\n", f);
    for (int64_t id = 1; id <= n; id++)
        fprintf(f, "%" PRId64 ",acct-%010" PRId64 ",%d\n", id, id, INITIAL_BALANCE);
    if (fclose(f) != 0)
        bench_die("%s: %s", csv, strerror(errno));
}

typedef struct import_args {
    int engine;
    const char *path, *csv;
} import_args;

static void import_child(void *arg, result *r)
{
    import_args *a = arg;
    bench_remove_db(a->path);
    char cmd[2048];
    if (a->engine == E_ACIDB)
        snprintf(cmd, sizeof cmd,
                 "%s '%s' -bail -c 'CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT "
                 "UNIQUE NOT NULL, balance INTEGER NOT NULL CHECK (balance >= 0))' "
                 "-c '.import %s accounts' >/dev/null 2>&1",
                 g_shell_acidb, a->path, a->csv);
    else
        snprintf(cmd, sizeof cmd,
                 "sqlite3 -bail '%s' 'PRAGMA journal_mode=WAL' 'PRAGMA synchronous=FULL' "
                 "'CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, "
                 "balance INTEGER NOT NULL CHECK (balance >= 0))' "
                 "'.import --csv --skip 1 %s accounts' >/dev/null 2>&1",
                 a->path, a->csv);
    double t0 = bench_now();
    int st = system(cmd);
    r->secs = bench_now() - t0;
    if (st != 0)
        bench_die("import failed (status %d): %s", st, cmd);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    r->extra = (double)ru.ru_maxrss; /* the shell's peak RSS, KiB */
    r->file_bytes = file_size(a->path);
}

/* ---- recovery ----------------------------------------------------------------------------- */

typedef struct rec_args {
    uint64_t log_mib;
    const char *path;
} rec_args;

/* Writes log_mib of log (durability off, no checkpoint), then SIGKILLs itself. */
static void rec_writer(void *arg, result *r)
{
    rec_args *a = arg;
    (void)r;
    bench_remove_db(a->path);
    a_open(a->path, DUR_OFF, 64u << 20, (uint64_t)1 << 50, 1);
    acidb_conn *c;
    if (acidb_connect(g_adb, &c) != ACIDB_OK)
        bench_die("connect");
    a_exec(c, "CREATE TABLE filler (id INTEGER PRIMARY KEY, pad TEXT NOT NULL)");
    acidb_stmt *ins = a_prep(c, "INSERT INTO filler VALUES ($1, $2)");
    char pad[201];
    memset(pad, 'p', 200);
    pad[200] = 0;
    int64_t id = 0;
    acidb_stats st;
    do {
        a_exec(c, "BEGIN");
        for (int k = 0; k < 1000; k++) {
            acidb_bind_int64(ins, 1, ++id);
            acidb_bind_text(ins, 2, pad, 200);
            int rc = a_run(ins, NULL);
            if (rc != ACIDB_OK)
                a_die(c, rc, "insert");
        }
        a_exec(c, "COMMIT");
        acidb_get_stats(g_adb, &st);
    } while (st.log_bytes < (a->log_mib << 20));
    /* Durability off: what the log handed to the kernel survives a process kill. */
    kill(getpid(), SIGKILL);
}

static void rec_opener(void *arg, result *r)
{
    rec_args *a = arg;
    double t0 = bench_now();
    a_open(a->path, DUR_OFF, 64u << 20, 0, 0);
    r->secs = bench_now() - t0;
    int ran = 0;
    double secs = 0;
    uint64_t bytes = 0;
    acidb_recovery_info(g_adb, &ran, &secs, &bytes);
    r->extra = bytes / 1048576.0;
    r->ops_per_s = r->secs > 0 ? r->extra / r->secs : 0;
    r->ops = (uint64_t)ran;
    acidb_close(g_adb);
}

static void rec_run(rec_args *a, result *r)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        bench_die("fork");
    if (pid == 0) {
        result dummy;
        rec_writer(a, &dummy);
        _exit(3);
    }
    int st;
    waitpid(pid, &st, 0);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
        bench_die("recovery writer did not die by SIGKILL (status %d)", st);
    *r = in_child(rec_opener, a);
    bench_remove_db(a->path);
}

/* ---- the workloads, with their tables ----------------------------------------------------- */

static int want(const char *w)
{
    if (!g.only)
        return 1;
    size_t n = strlen(w);
    for (const char *p = g.only; (p = strstr(p, w)) != NULL; p += n)
        if ((p == g.only || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
            return 1;
    return 0;
}

static int engine_on(int e) { return (g.engines >> e) & 1; }

static void fmt_fig(char *buf, size_t n, stat3 s)
{
    snprintf(buf, n, "%.0f (%.0f–%.0f)", s.med, s.min, s.max);
}

static double g_fsync_1t = 0; /* fdatasync/s measured beside the 1-thread durable runs */

/* Transfer (hot = 0) or hot spot (hot = 1): every thread count, both durabilities. */
static void run_transfer(int hot)
{
    const char *wname = hot ? "hot" : "transfer";
    char paths[E_COUNT][512];
    for (int e = 0; e < E_PG; e++) {
        if (!engine_on(e))
            continue;
        db_path(paths[e], sizeof paths[e], e, wname);
        progress("%s: loading %d accounts into %s", wname, ACCOUNTS, ENGINE_NAME[e]);
        load_args la = {e, ACCOUNTS, paths[e]};
        in_child(load_child, &la);
    }
    if (g.pg_ok && engine_on(E_PG)) {
        progress("%s: loading %d accounts into PostgreSQL", wname, ACCOUNTS);
        if (bank_pg_load(ACCOUNTS, INITIAL_BALANCE) != 0)
            bench_die("PostgreSQL load failed");
    }
    FILE *dat = NULL;
    if (g.stem) {
        char p[600];
        snprintf(p, sizeof p, "%s-%s.dat", g.stem, wname);
        dat = fopen(p, "w");
        if (dat)
            fprintf(dat, "# threads fsync/s | per durability (full, off) per engine (acidb, "
                         "SQLite, PostgreSQL): transfers/s median min max, p99 us\n");
    }
    out("\n### %s: %s\n\n", hot ? "Hot spot" : "Transfer",
        hot ? "90% of transfers between 10 of the 100,000 accounts"
            : "random accounts among 100,000");
    out("| durability | threads | engine | transfers/s median (min–max) | p50 µs | p99 µs | max "
        "µs | retries | min commits/thread | fsyncs/commit | log bytes/commit | peak RSS MiB | "
        "disk fdatasync/s |\n");
    out("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int ti = 0; ti < g.nthreads; ti++) {
        int t = g.threads[ti];
        /* Quick runs keep the hot spot to the two ends of the thread list. */
        if (hot && g.quick && ti != 0 && ti != g.nthreads - 1)
            continue;
        if (dat)
            fprintf(dat, "%d", t);
        double fsync_rate = 0;
        for (int d = DUR_FULL; d <= DUR_OFF; d++) {
            if (d == DUR_FULL) {
                progress("%s: disk fdatasync rate", wname);
                fsync_rate = bench_fdatasync_rate(g.dir, g.quick ? 0.3 : 1.0);
                if (t == 1 && !hot)
                    g_fsync_1t = fsync_rate;
                if (dat)
                    fprintf(dat, " %.0f", fsync_rate);
            }
            result res[E_COUNT][16];
            memset(res, 0, sizeof res);
            for (int run = 0; run < g.runs; run++) {
                for (int k = 0; k < E_COUNT; k++) {
                    /* Alternate who goes first: acidb first in even runs. */
                    int e = run % 2 == 0 ? k : E_COUNT - 1 - k;
                    if (!engine_on(e) || (e == E_PG && (!g.pg_ok || (hot && g.quick))))
                        continue;
                    progress("%s: %s, %d thread%s, %s, run %d/%d", wname, ENGINE_NAME[e], t,
                             t > 1 ? "s" : "", d == DUR_FULL ? "durable" : "not durable", run + 1,
                             g.runs);
                    xfer_args xa = {e, d, t, hot, g.secs, paths[e],
                                    (uint64_t)(run * 7919 + t * 31 + d + 1)};
                    res[e][run] = in_child(xfer_child, &xa);
                }
            }
            for (int e = 0; e < E_COUNT; e++) {
                if (!engine_on(e))
                    continue;
                const char *dn = d == DUR_FULL ? "durable" : "off";
                /* PostgreSQL's hot spot waits out 1-s deadlock_timeouts: not in a quick run. */
                if (e == E_PG && (!g.pg_ok || (hot && g.quick))) {
                    out("| %s | %d | %s | %s | | | | | | | | | |\n", dn, t, ENGINE_NAME[e],
                        g.pg_ok ? "skipped in a quick run" : bank_pg_status());
                    if (dat)
                        fprintf(dat, " 0 0 0 0");
                    continue;
                }
                double v[16], p50[16], p99[16], mx[16], ret[16], mn[16], fs[16], lb[16],
                    rss[16];
                for (int run = 0; run < g.runs; run++) {
                    result *r = &res[e][run];
                    v[run] = r->ops_per_s;
                    p50[run] = r->p50_us;
                    p99[run] = r->p99_us;
                    mx[run] = r->max_us;
                    ret[run] = (double)r->retries;
                    mn[run] = (double)r->min_thread_ops;
                    fs[run] = r->fsyncs_per_commit;
                    lb[run] = r->log_bytes_per_commit;
                    rss[run] = r->rss_kib / 1024.0;
                }
                stat3 sv = stat_of(v, g.runs), sfs = stat_of(fs, g.runs),
                      slb = stat_of(lb, g.runs);
                char fig[96], fsb[32], lbb[32], dsk[48];
                fmt_fig(fig, sizeof fig, sv);
                if (sfs.med >= 0)
                    snprintf(fsb, sizeof fsb, "%.2f", sfs.med);
                else
                    snprintf(fsb, sizeof fsb, "n/a");
                if (slb.med >= 0)
                    snprintf(lbb, sizeof lbb, "%.0f", slb.med);
                else
                    snprintf(lbb, sizeof lbb, "n/a");
                if (d == DUR_FULL)
                    snprintf(dsk, sizeof dsk, "%.0f (%.0f%%)", fsync_rate,
                             fsync_rate > 0 ? 100 * sv.med / fsync_rate : 0);
                else
                    snprintf(dsk, sizeof dsk, "—");
                out("| %s | %d | %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %s | %s | %.1f | %s "
                    "|\n",
                    dn, t, ENGINE_NAME[e], fig, stat_of(p50, g.runs).med,
                    stat_of(p99, g.runs).med, stat_of(mx, g.runs).max, stat_of(ret, g.runs).med,
                    stat_of(mn, g.runs).min, fsb, lbb, stat_of(rss, g.runs).max, dsk);
                if (dat)
                    fprintf(dat, " %.0f %.0f %.0f %.0f", sv.med, sv.min, sv.max,
                            stat_of(p99, g.runs).med);
            }
        }
        if (dat)
            fprintf(dat, "\n");
    }
    if (dat)
        fclose(dat);
    for (int e = 0; e < E_PG; e++)
        if (engine_on(e))
            bench_remove_db(paths[e]);
}

static void run_load_and_lookup(void)
{
    const int64_t bulk = g.quick ? 1000000 : 1000000;
    char big[E_COUNT][512];
    int have_big = 0;
    if (want("load")) {
        out("\n### Bulk load: %" PRId64 " accounts in one transaction of prepared INSERTs "
            "(key order)\n\n",
            bulk);
        out("| engine | seconds median (min–max) | rows/s | final file MiB | peak RSS MiB |\n");
        out("|---|---:|---:|---:|---:|\n");
        int runs = g.quick ? 1 : g.runs;
        result res[E_COUNT][16];
        for (int run = 0; run < runs; run++)
            for (int k = 0; k < E_PG; k++) {
                int e = run % 2 == 0 ? k : E_PG - 1 - k;
                if (!engine_on(e))
                    continue;
                db_path(big[e], sizeof big[e], e, "big");
                progress("load: %s, %" PRId64 " rows, run %d/%d", ENGINE_NAME[e], bulk, run + 1,
                         runs);
                load_args la = {e, bulk, big[e]};
                res[e][run] = in_child(load_child, &la);
            }
        for (int e = 0; e < E_PG; e++) {
            if (!engine_on(e))
                continue;
            double s[16], rss[16];
            for (int run = 0; run < runs; run++)
                s[run] = res[e][run].secs, rss[run] = res[e][run].rss_kib / 1024.0;
            stat3 st = stat_of(s, runs);
            out("| %s | %.2f (%.2f–%.2f) | %.0f | %.1f | %.1f |\n", ENGINE_NAME[e], st.med,
                st.min, st.max, bulk / st.med, res[e][runs - 1].file_bytes / 1048576.0,
                stat_of(rss, runs).max);
        }
        have_big = 1;
    }
    if (want("import")) {
        const int64_t rows = g.quick ? 200000 : bulk; /* quick: stays under 2 minutes */
        char csv[512];
        snprintf(csv, sizeof csv, "%s/bank-accounts-%d.csv", g.dir, (int)getpid());
        progress("import: writing %" PRId64 " accounts to %s", rows, csv);
        write_accounts_csv(csv, rows);
        double mb = (double)file_size(csv) / 1e6;
        int sqlite_cli = system("sqlite3 -version >/dev/null 2>&1") == 0;
        out("\n### Bulk load through the shell: `.import` of a %.1f MB CSV of %" PRId64
            " accounts (one transaction)\n\n",
            mb, rows);
        out("| engine | seconds median (min–max) | rows/s | MB/s of CSV | final file MiB | "
            "shell peak RSS MiB |\n");
        out("|---|---:|---:|---:|---:|---:|\n");
        int runs = g.quick ? 1 : g.runs;
        result res[E_COUNT][16];
        char ipath[E_COUNT][512];
        for (int run = 0; run < runs; run++)
            for (int k = 0; k < E_PG; k++) {
                int e = run % 2 == 0 ? k : E_PG - 1 - k;
                if (!engine_on(e) || (e == E_SQLITE && !sqlite_cli))
                    continue;
                db_path(ipath[e], sizeof ipath[e], e, "import");
                progress("import: %s, run %d/%d", ENGINE_NAME[e], run + 1, runs);
                import_args ia = {e, ipath[e], csv};
                res[e][run] = in_child(import_child, &ia);
                bench_remove_db(ipath[e]);
            }
        for (int e = 0; e < E_PG; e++) {
            if (!engine_on(e))
                continue;
            if (e == E_SQLITE && !sqlite_cli) {
                out("| SQLite | the sqlite3 shell is not installed | | | | |\n");
                continue;
            }
            double s[16], rss[16];
            for (int run = 0; run < runs; run++)
                s[run] = res[e][run].secs, rss[run] = res[e][run].extra / 1024.0;
            stat3 st = stat_of(s, runs);
            out("| %s | %.2f (%.2f–%.2f) | %.0f | %.1f | %.1f | %.1f |\n", ENGINE_NAME[e], st.med,
                st.min, st.max, rows / st.med, mb / st.med,
                res[e][runs - 1].file_bytes / 1048576.0, stat_of(rss, runs).max);
        }
        unlink(csv);
    }
    if (!want("lookup"))
        goto done;
    int64_t sizes[] = {1000, 100000, 1000000, 10000000};
    int nsizes = g.full ? 4 : 3;
    FILE *dat = NULL;
    if (g.stem) {
        char p[600];
        snprintf(p, sizeof p, "%s-lookup.dat", g.stem);
        dat = fopen(p, "w");
        if (dat)
            fprintf(dat, "# rows | acidb ns/lookup median min max | SQLite ns/lookup median min "
                         "max\n");
    }
    out("\n### Point lookup: `SELECT balance FROM accounts WHERE id = $1`, prepared, random ids, "
        "16 MiB cache\n\n");
    out("| rows | engine | lookups/s median (min–max) | ns/lookup | peak RSS MiB |\n");
    out("|---:|---|---:|---:|---:|\n");
    for (int si = 0; si < nsizes; si++) {
        int64_t rows = sizes[si];
        char paths[E_COUNT][512];
        for (int e = 0; e < E_PG; e++) {
            if (!engine_on(e))
                continue;
            if (rows == 1000000 && have_big) {
                snprintf(paths[e], sizeof paths[e], "%s", big[e]);
                continue;
            }
            db_path(paths[e], sizeof paths[e], e, "lookup");
            progress("lookup: loading %" PRId64 " rows into %s", rows, ENGINE_NAME[e]);
            load_args la = {e, rows, paths[e]};
            in_child(load_child, &la);
        }
        result res[E_COUNT][16];
        for (int run = 0; run < g.runs; run++)
            for (int k = 0; k < E_PG; k++) {
                int e = run % 2 == 0 ? k : E_PG - 1 - k;
                if (!engine_on(e))
                    continue;
                progress("lookup: %s, %" PRId64 " rows, run %d/%d", ENGINE_NAME[e], rows,
                         run + 1, g.runs);
                lookup_args la = {e, rows, g.secs, paths[e], (uint64_t)run + 17};
                res[e][run] = in_child(lookup_child, &la);
            }
        if (dat)
            fprintf(dat, "%" PRId64, rows);
        for (int e = 0; e < E_PG; e++) {
            if (!engine_on(e))
                continue;
            double v[16], ns[16], rss[16];
            for (int run = 0; run < g.runs; run++) {
                v[run] = res[e][run].ops_per_s;
                ns[run] = 1e9 / v[run];
                rss[run] = res[e][run].rss_kib / 1024.0;
            }
            stat3 sv = stat_of(v, g.runs), sn = stat_of(ns, g.runs);
            char fig[96];
            fmt_fig(fig, sizeof fig, sv);
            out("| %" PRId64 " | %s | %s | %.0f | %.1f |\n", rows, ENGINE_NAME[e], fig, sn.med,
                stat_of(rss, g.runs).max);
            if (dat)
                fprintf(dat, " %.0f %.0f %.0f", sn.med, sn.min, sn.max);
            bench_remove_db(paths[e]);
        }
        if (dat)
            fprintf(dat, "\n");
    }
    if (dat)
        fclose(dat);
done:
    if (have_big)
        for (int e = 0; e < E_PG; e++)
            if (engine_on(e))
                bench_remove_db(big[e]);
}

static void run_recovery(void)
{
    if (!engine_on(E_ACIDB))
        return;
    uint64_t sizes[] = {16, 64, 256};
    int nsizes = g.full ? 3 : 1;
    out("\n### Recovery (acidb): reopen after kill -9 with N MiB of log (durability off, no "
        "checkpoint)\n\n");
    out("| log MiB | log read MiB | open seconds median (min–max) | MB/s of log |\n");
    out("|---:|---:|---:|---:|\n");
    for (int si = 0; si < nsizes; si++) {
        double secs[16], mb[16], rate[16];
        char path[512];
        db_path(path, sizeof path, E_ACIDB, "recovery");
        rec_args ra = {sizes[si], path};
        for (int run = 0; run < g.runs; run++) {
            progress("recovery: %" PRIu64 " MiB of log, run %d/%d", sizes[si], run + 1, g.runs);
            result r;
            rec_run(&ra, &r);
            secs[run] = r.secs;
            mb[run] = r.extra;
            rate[run] = r.extra * 1.048576 / (r.secs > 0 ? r.secs : 1e-9);
        }
        stat3 s = stat_of(secs, g.runs);
        out("| %" PRIu64 " | %.1f | %.3f (%.3f–%.3f) | %.0f |\n", sizes[si],
            stat_of(mb, g.runs).med, s.med, s.min, s.max, stat_of(rate, g.runs).med);
    }
}

/* ---- machine description ------------------------------------------------------------------ */

static void describe_machine(void)
{
    char cpu[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p) {
                snprintf(cpu, sizeof cpu, "%s", p + 2);
                cpu[strcspn(cpu, "\n")] = 0;
            }
            break;
        }
    if (f)
        fclose(f);
    struct utsname u;
    uname(&u);
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    long mem = sysconf(_SC_PHYS_PAGES) / 1024 * sysconf(_SC_PAGESIZE) / 1024;
    progress("machine: disk fdatasync rate");
    double fs = bench_fdatasync_rate(g.dir, 1.0);
    time_t now = time(NULL);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    out("## bank_bench (%s run), %s\n\n", g.quick ? "quick" : g.full ? "full" : "default", date);
    out("| | |\n|---|---|\n");
    out("| host | %s |\n| CPU | %s |\n| cores | %ld |\n| memory | %ld MiB |\n", u.nodename, cpu,
        sysconf(_SC_NPROCESSORS_ONLN), mem);
    out("| kernel | %s %s |\n", u.sysname, u.release);
    out("| disk (%s) | %.0f fdatasync/s (512-byte write + fdatasync, 1 s) |\n", g.dir, fs);
    out("| load average at start | %.2f %.2f %.2f |\n", load[0], load[1], load[2]);
    out("| SQLite | %s (WAL; BEGIN IMMEDIATE; busy timeout 10 s) |\n", sqlite3_libversion());
    out("| PostgreSQL | %s |\n", g.pg_ok ? bank_pg_version() : bank_pg_status());
    out("| runs per figure | %d × %.1f s, engines alternating run by run |\n", g.runs, g.secs);
}

int main(int argc, char **argv)
{
    g.runs = 3;
    g.secs = 2;
    g.dir = "build";
    g.engines = 7;
    int tset = 0, secs_set = 0;
    int c;
    while ((c = getopt(argc, argv, "qfo:d:s:r:w:t:e:")) != -1) {
        switch (c) {
        case 'q': g.quick = 1; break;
        case 'f': g.full = 1; break;
        case 'o': g.stem = optarg; break;
        case 'd': g.dir = optarg; break;
        case 's': g.secs = atof(optarg), secs_set = 1; break;
        case 'r': g.runs = atoi(optarg); break;
        case 'w': g.only = optarg; break;
        case 'e':
            g.engines = strcmp(optarg, "acidb") == 0    ? 1 << E_ACIDB
                        : strcmp(optarg, "sqlite") == 0 ? 1 << E_SQLITE
                        : strcmp(optarg, "pg") == 0     ? 1 << E_PG
                                                        : 0;
            if (!g.engines)
                bench_die("-e acidb|sqlite|pg");
            break;
        case 't':
            for (char *p = optarg; *p && g.nthreads < 8;) {
                int t = (int)strtol(p, &p, 10);
                if (t < 1 || t > MAX_THREADS)
                    bench_die("-t: 1..%d", MAX_THREADS);
                g.threads[g.nthreads++] = t;
                if (*p == ',')
                    p++;
            }
            tset = 1;
            break;
        default:
            fprintf(stderr, "usage: bank_bench [-q|-f] [-o stem] [-d dir] [-s secs] [-r runs] "
                            "[-w workloads] [-t threads] [-e engine]\n");
            return 2;
        }
    }
    if (g.runs < 1 || g.runs > 15)
        bench_die("-r: 1..15");
    if (!secs_set)
        g.secs = g.quick ? 0.25 : g.full ? 3 : 2;
    if (!tset) {
        int q[] = {1, 4, 16}, f[] = {1, 2, 4, 8, 16};
        const int *src = g.quick ? q : f;
        g.nthreads = g.quick ? 3 : 5;
        memcpy(g.threads, src, (size_t)g.nthreads * sizeof *src);
    }
    mkdir(g.dir, 0755);
    if (g.stem) {
        char p[600];
        snprintf(p, sizeof p, "%s.md", g.stem);
        g.md = fopen(p, "w");
        if (!g.md)
            bench_die("cannot write %s: %s", p, strerror(errno));
    }
    if (engine_on(E_PG) && (want("transfer") || want("hot"))) {
        progress("PostgreSQL: starting a throwaway cluster");
        g.pg_ok = bank_pg_start(g.dir) == 0;
    }
    double t0 = bench_now();
    describe_machine();
    if (want("transfer"))
        run_transfer(0);
    if (want("hot"))
        run_transfer(1);
    if (want("load") || want("import") || want("lookup"))
        run_load_and_lookup();
    if (want("recovery"))
        run_recovery();
    if (g_fsync_1t > 0)
        out("\nDisk fdatasync rate beside the 1-thread durable transfer: %.0f/s.\n", g_fsync_1t);
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    out("\nTotal time %.0f s; load average at the end %.2f %.2f %.2f.\n", bench_now() - t0,
        load[0], load[1], load[2]);
    if (g.pg_ok)
        bank_pg_stop();
    if (g.md)
        fclose(g.md);
    if (isatty(2))
        fprintf(stderr, "\r\033[K");
    return 0;
}
