/*
 * sql_bench.c — acidb against SQLite, in the same process and the same run, on the two
 * statements an OLTP application runs most: a prepared point lookup by primary key and a
 * prepared single-row update.
 *
 * Both databases hold the same table, loaded the same way (one transaction of prepared
 * inserts), with the same cache size:
 *
 *   accounts(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,
 *            balance INTEGER NOT NULL CHECK (balance >= 0))
 *
 * Figures (each timed for -s seconds per engine, after a warm-up of the same operation on a
 * freshly opened database whose pages were first pulled into the cache by a full scan):
 *
 *   load      -n prepared INSERTs in one transaction, commit included (fresh file each run)
 *   lookup    SELECT balance FROM accounts WHERE id = $1          autocommit, random ids
 *   upd-dur   UPDATE accounts SET balance = balance + $1 WHERE id = $2, autocommit, durable:
 *             acidb ACIDB_DURABILITY_FULL vs SQLite journal_mode=WAL, synchronous=FULL
 *   upd-off   the same UPDATE, autocommit, not durable: acidb ACIDB_DURABILITY_OFF vs SQLite
 *             WAL, synchronous=OFF
 *   upd-txn   the same UPDATE inside one transaction (BEGIN; N updates; COMMIT; durable, the
 *             one commit included in the time): the per-statement cost without the commit
 *
 * Fairness rules. Runs alternate which engine goes first (acidb in the first run, SQLite in
 * the second, ...), and inside a run each figure is timed in slices, A B B A A B B A, so that
 * drift of a shared machine or a virtual disk hits both; every figure is the median of -r runs
 * (default 3) with min and max, and the ratio is the median of the per-run ratios. The random
 * ids come from one fixed-seed PRNG (the same sequence for both engines within a run); both
 * use the full step protocol (step to the row, read it, step to DONE, reset). Beside the
 * durable figures: the disk's own fdatasync rate (bench_util.h), measured just before them on
 * the same file system. After every figure the bench checks SUM(balance) against the updates
 * it made, so a fast wrong answer shows.
 *
 * Usage: sql_bench [-s seconds per figure (2)] [-n rows (100000)] [-r runs (3)]
 *                  [-c cache MiB (64)] [-d directory (build/)] [-q quick: -s 0.3, -n 20000]
 *                  [-o only: comma list of load,lookup,upd-dur,upd-off,upd-txn]
 *                  [-e acidb|sqlite: one engine only, e.g. under a profiler]
 *                  [-x: SQLite with PRAGMA locking_mode = EXCLUSIVE]
 *
 * SQLite runs in its default locking mode unless -x is given: every transaction then takes and
 * drops POSIX locks on the database and shared-memory files (about three system calls per
 * autocommit statement), which lets other processes share the file. acidb refuses a second
 * process (ACIDB_BUSY), so -x is the like-for-like setting; the default is what SQLite users
 * get out of the box.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench_util.h"
#include "acidb.h"

/* ---- options and small helpers ---------------------------------------------------------- */

typedef struct opts {
    double secs;
    int64_t rows;
    int runs;
    uint64_t cache_mib;
    const char *dir;
    const char *only;
    int engines; /* bit 0: acidb, bit 1: SQLite */
    int sqlite_exclusive;
} opts;

/* Initial balance of row id; the bench only ever adds positive amounts. */
static int64_t initial_balance(int64_t id) { return 1000 + id % 1000; }

/* ---- the engines behind one interface ----------------------------------------------------- */

enum { DUR_FULL, DUR_OFF };

typedef struct engine engine;
struct engine {
    const char *name;
    char path[512];
    int64_t expect_sum; /* SUM(balance) the table must have */
    uint64_t rng;       /* the id stream */
    void (*open)(engine *e, const opts *o, int durability, int create);
    void (*close)(engine *e);
    void (*exec)(engine *e, const char *sql);
    void (*prepare)(engine *e); /* the insert, lookup and update statements */
    void (*insert)(engine *e, int64_t id, const char *name, int64_t balance);
    int64_t (*lookup)(engine *e, int64_t id);
    void (*update)(engine *e, int64_t delta, int64_t id);
    int64_t (*sum)(engine *e);
    void (*remove)(engine *e);
    /* acidb */
    acidb_db *adb;
    acidb_conn *ac;
    acidb_stmt *a_ins, *a_sel, *a_upd;
    /* SQLite */
    sqlite3 *sdb;
    sqlite3_stmt *s_ins, *s_sel, *s_upd;
};

static const char *const SCHEMA =
    "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, "
    "balance INTEGER NOT NULL CHECK (balance >= 0))";

/* acidb ---------------------------------------------------------------------------------- */

static void a_check(engine *e, int rc, int want, const char *what)
{
    if (rc != want)
        bench_die("acidb: %s: %s (%d) %s [%s]", what, acidb_errstr(rc), rc,
                  e->ac ? acidb_errmsg(e->ac) : acidb_open_errmsg(),
                  e->ac ? acidb_sqlstate(e->ac) : "");
}

static void a_open(engine *e, const opts *o, int durability, int create)
{
    acidb_options ao = acidb_default_options();
    ao.cache_bytes = o->cache_mib << 20;
    ao.durability = durability == DUR_FULL ? ACIDB_DURABILITY_FULL : ACIDB_DURABILITY_OFF;
    ao.create = create;
    a_check(e, acidb_open(e->path, &ao, &e->adb), ACIDB_OK, "open");
    a_check(e, acidb_connect(e->adb, &e->ac), ACIDB_OK, "connect");
}

static void a_close(engine *e)
{
    acidb_finalize(e->a_ins);
    acidb_finalize(e->a_sel);
    acidb_finalize(e->a_upd);
    e->a_ins = e->a_sel = e->a_upd = NULL;
    a_check(e, acidb_disconnect(e->ac), ACIDB_OK, "disconnect");
    e->ac = NULL;
    a_check(e, acidb_close(e->adb), ACIDB_OK, "close");
    e->adb = NULL;
}

static void a_exec(engine *e, const char *sql) { a_check(e, acidb_exec(e->ac, sql), ACIDB_OK, sql); }

static void a_prepare(engine *e)
{
    a_check(e, acidb_prepare(e->ac, "INSERT INTO accounts VALUES ($1, $2, $3)", &e->a_ins),
            ACIDB_OK, "prepare insert");
    a_check(e, acidb_prepare(e->ac, "SELECT balance FROM accounts WHERE id = $1", &e->a_sel),
            ACIDB_OK, "prepare lookup");
    a_check(e,
            acidb_prepare(e->ac, "UPDATE accounts SET balance = balance + $1 WHERE id = $2",
                          &e->a_upd),
            ACIDB_OK, "prepare update");
}

static void a_insert(engine *e, int64_t id, const char *name, int64_t balance)
{
    acidb_stmt *s = e->a_ins;
    a_check(e, acidb_bind_int64(s, 1, id), ACIDB_OK, "bind");
    a_check(e, acidb_bind_text(s, 2, name, -1), ACIDB_OK, "bind");
    a_check(e, acidb_bind_int64(s, 3, balance), ACIDB_OK, "bind");
    a_check(e, acidb_step(s), ACIDB_DONE, "insert");
    a_check(e, acidb_reset(s), ACIDB_OK, "reset");
}

static int64_t a_lookup(engine *e, int64_t id)
{
    acidb_stmt *s = e->a_sel;
    a_check(e, acidb_bind_int64(s, 1, id), ACIDB_OK, "bind");
    a_check(e, acidb_step(s), ACIDB_ROW, "lookup");
    int64_t v = acidb_column_int64(s, 0);
    a_check(e, acidb_step(s), ACIDB_DONE, "lookup end");
    a_check(e, acidb_reset(s), ACIDB_OK, "reset");
    return v;
}

static void a_update(engine *e, int64_t delta, int64_t id)
{
    acidb_stmt *s = e->a_upd;
    a_check(e, acidb_bind_int64(s, 1, delta), ACIDB_OK, "bind");
    a_check(e, acidb_bind_int64(s, 2, id), ACIDB_OK, "bind");
    a_check(e, acidb_step(s), ACIDB_DONE, "update");
    if (acidb_changes(e->ac) != 1)
        bench_die("acidb: update of id %" PRId64 " changed %" PRId64 " rows", id,
                  acidb_changes(e->ac));
    a_check(e, acidb_reset(s), ACIDB_OK, "reset");
}

static int64_t a_sum(engine *e)
{
    acidb_stmt *s;
    a_check(e, acidb_prepare(e->ac, "SELECT sum(balance), count(*) FROM accounts", &s), ACIDB_OK,
            "prepare sum");
    a_check(e, acidb_step(s), ACIDB_ROW, "sum");
    int64_t v = acidb_column_int64(s, 0);
    a_check(e, acidb_step(s), ACIDB_DONE, "sum end");
    acidb_finalize(s);
    return v;
}

static void a_remove(engine *e) { bench_remove_db(e->path); }

/* SQLite --------------------------------------------------------------------------------- */

static void s_check(engine *e, int rc, int want, const char *what)
{
    if (rc != want)
        bench_die("sqlite: %s: %s (%d) %s", what, sqlite3_errstr(rc), rc,
                  e->sdb ? sqlite3_errmsg(e->sdb) : "");
}

static void s_exec(engine *e, const char *sql)
{
    s_check(e, sqlite3_exec(e->sdb, sql, NULL, NULL, NULL), SQLITE_OK, sql);
}

static void s_open(engine *e, const opts *o, int durability, int create)
{
    int fl = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    s_check(e, sqlite3_open_v2(e->path, &e->sdb, fl, NULL), SQLITE_OK, "open");
    char sql[200];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%" PRIu64, o->cache_mib * 1024);
    s_exec(e, sql);
    if (o->sqlite_exclusive)
        s_exec(e, "PRAGMA locking_mode = EXCLUSIVE");
    s_exec(e, "PRAGMA journal_mode = WAL");
    s_exec(e, durability == DUR_FULL ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF");
}

static void s_close(engine *e)
{
    sqlite3_finalize(e->s_ins);
    sqlite3_finalize(e->s_sel);
    sqlite3_finalize(e->s_upd);
    e->s_ins = e->s_sel = e->s_upd = NULL;
    s_check(e, sqlite3_close(e->sdb), SQLITE_OK, "close");
    e->sdb = NULL;
}

static void s_prepare(engine *e)
{
    s_check(e, sqlite3_prepare_v2(e->sdb, "INSERT INTO accounts VALUES (?1, ?2, ?3)", -1,
                                  &e->s_ins, NULL),
            SQLITE_OK, "prepare insert");
    s_check(e, sqlite3_prepare_v2(e->sdb, "SELECT balance FROM accounts WHERE id = ?1", -1,
                                  &e->s_sel, NULL),
            SQLITE_OK, "prepare lookup");
    s_check(e,
            sqlite3_prepare_v2(e->sdb, "UPDATE accounts SET balance = balance + ?1 WHERE id = ?2",
                               -1, &e->s_upd, NULL),
            SQLITE_OK, "prepare update");
}

static void s_insert(engine *e, int64_t id, const char *name, int64_t balance)
{
    sqlite3_stmt *s = e->s_ins;
    s_check(e, sqlite3_bind_int64(s, 1, id), SQLITE_OK, "bind");
    s_check(e, sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT), SQLITE_OK, "bind");
    s_check(e, sqlite3_bind_int64(s, 3, balance), SQLITE_OK, "bind");
    s_check(e, sqlite3_step(s), SQLITE_DONE, "insert");
    s_check(e, sqlite3_reset(s), SQLITE_OK, "reset");
}

static int64_t s_lookup(engine *e, int64_t id)
{
    sqlite3_stmt *s = e->s_sel;
    s_check(e, sqlite3_bind_int64(s, 1, id), SQLITE_OK, "bind");
    s_check(e, sqlite3_step(s), SQLITE_ROW, "lookup");
    int64_t v = sqlite3_column_int64(s, 0);
    s_check(e, sqlite3_step(s), SQLITE_DONE, "lookup end");
    s_check(e, sqlite3_reset(s), SQLITE_OK, "reset");
    return v;
}

static void s_update(engine *e, int64_t delta, int64_t id)
{
    sqlite3_stmt *s = e->s_upd;
    s_check(e, sqlite3_bind_int64(s, 1, delta), SQLITE_OK, "bind");
    s_check(e, sqlite3_bind_int64(s, 2, id), SQLITE_OK, "bind");
    s_check(e, sqlite3_step(s), SQLITE_DONE, "update");
    if (sqlite3_changes(e->sdb) != 1)
        bench_die("sqlite: update of id %" PRId64 " changed %d rows", id, sqlite3_changes(e->sdb));
    s_check(e, sqlite3_reset(s), SQLITE_OK, "reset");
}

static int64_t s_sum(engine *e)
{
    sqlite3_stmt *s;
    s_check(e, sqlite3_prepare_v2(e->sdb, "SELECT sum(balance) FROM accounts", -1, &s, NULL),
            SQLITE_OK, "prepare sum");
    s_check(e, sqlite3_step(s), SQLITE_ROW, "sum");
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void s_remove(engine *e) { bench_remove_db(e->path); }

/* ---- the figures -------------------------------------------------------------------------- */

enum { F_LOAD, F_LOOKUP, F_UPD_DUR, F_UPD_OFF, F_UPD_TXN, NFIG };

static const struct {
    const char *key;
    const char *label;
    int durability;
} FIGS[NFIG] = {
    [F_LOAD] = {"load", "load: INSERT x n, one txn", DUR_FULL},
    [F_LOOKUP] = {"lookup", "point lookup, autocommit", DUR_FULL},
    [F_UPD_DUR] = {"upd-dur", "update, autocommit, durable", DUR_FULL},
    [F_UPD_OFF] = {"upd-off", "update, autocommit, not durable", DUR_OFF},
    [F_UPD_TXN] = {"upd-txn", "update x N in one txn (durable)", DUR_FULL},
};

#define MAX_RUNS 64

typedef struct sample {
    double ops_s[MAX_RUNS];
    double cpu_ns[MAX_RUNS];
    int n;
} sample;

static void sample_add(sample *s, double ops, double secs, double cpu)
{
    s->ops_s[s->n] = secs > 0 ? ops / secs : 0;
    s->cpu_ns[s->n] = ops > 0 ? cpu * 1e9 / ops : 0;
    s->n++;
}

static void check_sum(engine *e, const char *when)
{
    int64_t got = e->sum(e);
    if (got != e->expect_sum)
        bench_die("%s: SUM(balance) is %" PRId64 " after %s, expected %" PRId64, e->name, got,
                  when, e->expect_sum);
}

/* Fresh file, schema, -n rows in one transaction; returns the seconds taken (commit included). */
static double do_load(engine *e, const opts *o)
{
    e->remove(e);
    e->open(e, o, DUR_FULL, 1);
    e->exec(e, SCHEMA);
    e->prepare(e);
    char name[64];
    double t0 = bench_now();
    e->exec(e, "BEGIN");
    for (int64_t id = 1; id <= o->rows; id++) {
        snprintf(name, sizeof name, "account-%08" PRId64, id);
        e->insert(e, id, name, initial_balance(id));
    }
    e->exec(e, "COMMIT");
    double el = bench_now() - t0;
    e->expect_sum = 0;
    for (int64_t id = 1; id <= o->rows; id++)
        e->expect_sum += initial_balance(id);
    check_sum(e, "load");
    e->close(e);
    return el;
}

/* Runs fig's operation until secs have passed; returns the operation count, *el the wall
 * seconds and *cpu the CPU seconds. The clock is read once per batch; the batch doubles
 * while a batch takes under a millisecond, so the clock costs nothing measurable on fast
 * operations and slow (fsync-bound) ones do not overshoot. */
static uint64_t run_ops(engine *e, int fig, int64_t rows, double secs, double *el, double *cpu)
{
    uint64_t n = 0, batch = 1;
    int64_t sink = 0;
    double c0 = bench_cpu_now(), t0 = bench_now(), tl = t0, t;
    if (fig == F_UPD_TXN)
        e->exec(e, "BEGIN");
    for (;;) {
        for (uint64_t i = 0; i < batch; i++) {
            int64_t id = 1 + (int64_t)(bench_splitmix(&e->rng) % (uint64_t)rows);
            if (fig == F_LOOKUP)
                sink += e->lookup(e, id);
            else
                e->update(e, 1, id);
        }
        n += batch;
        t = bench_now();
        if (t - t0 >= secs)
            break;
        if (t - tl < 1e-3 && batch < 4096)
            batch *= 2;
        tl = t;
    }
    if (fig == F_UPD_TXN)
        e->exec(e, "COMMIT");
    *el = bench_now() - t0;
    *cpu = bench_cpu_now() - c0;
    if (fig != F_LOOKUP)
        e->expect_sum += (int64_t)n;
    else if (sink <= 0)
        bench_die("%s: lookups returned no balances", e->name);
    return n;
}

/* One timed figure, both engines: open both (pages pulled into the caches by the SUM scan),
 * warm both up, then time SLICES slices of secs/SLICES each in the order A B B A ... (A: the
 * engine that goes first in this run), so drift of the machine or the disk within the run
 * hits both alike. Adds each engine's total to out[engine]; the engines that -e leaves out
 * are skipped. */
#define SLICES 4
static void do_figure(engine *eng, const opts *o, const int order[2], int fig, uint64_t seed,
                      sample *out)
{
    double ops[2] = {0, 0}, el[2] = {0, 0}, cpu[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        engine *e = &eng[order[k]];
        if (!(o->engines & 1 << order[k]))
            continue;
        e->open(e, o, FIGS[fig].durability, 0);
        e->prepare(e);
        check_sum(e, "open");
        double t, c;
        e->rng = seed ^ 0xabcdef;
        run_ops(e, fig, o->rows, o->secs / 4, &t, &c);
        e->rng = seed;
    }
    for (int i = 0; i < 2 * SLICES; i++) {
        int k = order[(i % 4 == 0 || i % 4 == 3) ? 0 : 1];
        if (!(o->engines & 1 << k))
            continue;
        double t, c;
        ops[k] += (double)run_ops(&eng[k], fig, o->rows, o->secs / SLICES, &t, &c);
        el[k] += t;
        cpu[k] += c;
    }
    for (int k = 0; k < 2; k++) {
        engine *e = &eng[order[k]];
        if (!(o->engines & 1 << order[k]))
            continue;
        check_sum(e, FIGS[fig].key);
        e->close(e);
        sample_add(&out[order[k]], ops[order[k]], el[order[k]], cpu[order[k]]);
    }
}

static int wanted(const opts *o, int fig)
{
    if (!o->only)
        return 1;
    const char *k = FIGS[fig].key, *p = o->only;
    size_t kl = strlen(k);
    while ((p = strstr(p, k)) != NULL) {
        if ((p == o->only || p[-1] == ',') && (p[kl] == ',' || p[kl] == '\0'))
            return 1;
        p += kl;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: sql_bench [-s secs] [-n rows] [-r runs] [-c cache_MiB] [-d dir] [-q]"
                    " [-o load,lookup,upd-dur,upd-off,upd-txn] [-e acidb|sqlite] [-x]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    opts o = {.secs = 2, .rows = 100000, .runs = 3, .cache_mib = 64, .dir = "build",
              .engines = 3};
    int quick = 0, rows_set = 0, secs_set = 0, ch;
    while ((ch = getopt(argc, argv, "s:n:r:c:d:o:e:xq")) != -1) {
        switch (ch) {
        case 's': o.secs = atof(optarg); secs_set = 1; break;
        case 'n': o.rows = atoll(optarg); rows_set = 1; break;
        case 'r': o.runs = atoi(optarg); break;
        case 'c': o.cache_mib = (uint64_t)atoll(optarg); break;
        case 'd': o.dir = optarg; break;
        case 'o': o.only = optarg; break;
        case 'e':
            o.engines = strcmp(optarg, "acidb") == 0    ? 1
                        : strcmp(optarg, "sqlite") == 0 ? 2
                                                        : 0;
            break;
        case 'x': o.sqlite_exclusive = 1; break;
        case 'q': quick = 1; break;
        default: usage();
        }
    }
    if (quick) {
        if (!secs_set)
            o.secs = 0.3;
        if (!rows_set)
            o.rows = 20000;
    }
    if (o.secs <= 0 || o.rows < 1 || o.runs < 1 || o.runs > MAX_RUNS || o.cache_mib < 1 ||
        o.engines == 0)
        usage();

    engine eng[2] = {
        {.name = "acidb", .open = a_open, .close = a_close, .exec = a_exec, .prepare = a_prepare,
         .insert = a_insert, .lookup = a_lookup, .update = a_update, .sum = a_sum,
         .remove = a_remove},
        {.name = "SQLite", .open = s_open, .close = s_close, .exec = s_exec, .prepare = s_prepare,
         .insert = s_insert, .lookup = s_lookup, .update = s_update, .sum = s_sum,
         .remove = s_remove},
    };
    snprintf(eng[0].path, sizeof eng[0].path, "%s/sql_bench-%d.acidb", o.dir, (int)getpid());
    snprintf(eng[1].path, sizeof eng[1].path, "%s/sql_bench-%d.sqlite", o.dir, (int)getpid());

    printf("sql_bench: acidb %s vs SQLite %s; %" PRId64 " rows, %d runs x %.2f s per figure, "
           "cache %" PRIu64 " MiB each, files in %s/%s\n",
           ACIDB_VERSION, sqlite3_libversion(), o.rows, o.runs, o.secs, o.cache_mib, o.dir,
           o.sqlite_exclusive ? "; SQLite locking_mode=EXCLUSIVE" : "");

    sample res[NFIG][2];
    memset(res, 0, sizeof res);
    sample fsync;
    memset(&fsync, 0, sizeof fsync);
    for (int r = 0; r < o.runs; r++) {
        /* Run 0 starts with acidb, run 1 with SQLite, ... */
        int order[2] = {r % 2, 1 - r % 2};
        uint64_t seed = 0x5eed0000u + (uint64_t)r;
        for (int k = 0; k < 2; k++) {
            engine *e = &eng[order[k]];
            if (!(o.engines & 1 << order[k]))
                continue;
            double el = do_load(e, &o);
            if (wanted(&o, F_LOAD))
                sample_add(&res[F_LOAD][order[k]], (double)o.rows, el, 0);
        }
        printf("run %d/%d", r + 1, o.runs);
        for (int f = F_LOOKUP; f < NFIG; f++) {
            if (!wanted(&o, f))
                continue;
            if (f == F_UPD_DUR) { /* the disk's rate just before the durable figure */
                double fr = bench_fdatasync_rate(o.dir, o.secs / 2 < 0.25 ? 0.25 : o.secs / 2);
                sample_add(&fsync, fr, 1, 0);
                printf("; fdatasync %.0f/s", fr);
            }
            do_figure(eng, &o, order, f, seed, res[f]);
            printf("; %s %.0f/%.0f", FIGS[f].key, res[f][0].n ? res[f][0].ops_s[r] : 0,
                   res[f][1].n ? res[f][1].ops_s[r] : 0);
            fflush(stdout);
        }
        printf(" (acidb/SQLite ops/s)\n");
    }
    for (int k = 0; k < 2; k++)
        eng[k].remove(&eng[k]);

    double fmin = 0, fmax = 0, fmed = 0;
    if (fsync.n > 0) {
        fmed = bench_median(fsync.ops_s, fsync.n, &fmin, &fmax);
        printf("\ndisk: %.0f fdatasync/s median [%.0f-%.0f] (512-byte write + fdatasync in %s/, "
               "just before each durable figure)\n",
               fmed, fmin, fmax, o.dir);
    }
    printf("\n%-33s %-6s %9s %8s %17s %9s %17s %8s\n", "figure", "engine", "ops/s", "ns/op",
           "ns/op [min-max]", "CPU ns/op", "acidb/SQ [range]", "vs fsync");
    for (int f = 0; f < NFIG; f++) {
        if (res[f][0].n == 0 && res[f][1].n == 0)
            continue;
        for (int k = 0; k < 2; k++) {
            if (res[f][k].n == 0)
                continue;
            double mn, mx, med = bench_median(res[f][k].ops_s, res[f][k].n, &mn, &mx);
            double cpu = bench_median(res[f][k].cpu_ns, res[f][k].n, NULL, NULL);
            char range[40], cpus[16] = "-", ratio[40] = "", vsf[16] = "";
            snprintf(range, sizeof range, "[%.0f-%.0f]", 1e9 / mx, 1e9 / mn);
            if (f != F_LOAD)
                snprintf(cpus, sizeof cpus, "%.0f", cpu);
            if (k == 1 && res[f][0].n == res[f][1].n) {
                /* Paired: each run's acidb figure over the same run's SQLite figure. */
                double q[MAX_RUNS], qmn, qmx;
                for (int r = 0; r < res[f][0].n; r++)
                    q[r] = res[f][1].ops_s[r] > 0 ? res[f][0].ops_s[r] / res[f][1].ops_s[r] : 0;
                double qmed = bench_median(q, res[f][0].n, &qmn, &qmx);
                snprintf(ratio, sizeof ratio, "%.2fx [%.2f-%.2f]", qmed, qmn, qmx);
            }
            if (f == F_UPD_DUR && fmed > 0)
                snprintf(vsf, sizeof vsf, "%.0f%%", 100 * med / fmed);
            printf("%-33s %-6s %9.0f %8.0f %17s %9s %17s %8s\n",
                   k == 0 || res[f][0].n == 0 ? FIGS[f].label : "", eng[k].name, med, 1e9 / med,
                   range, cpus, ratio, vsf);
        }
    }
    printf("\nops/s, ns/op and CPU ns/op (process CPU time): median of %d runs, each run %d "
           "alternating slices per engine;\nacidb/SQ: median [min-max] over the runs of acidb "
           "ops/s / SQLite ops/s in the same run (>1: acidb faster);\nvs fsync: durable updates/s "
           "as a share of the median fdatasync rate.\n",
           o.runs, SLICES);
    return 0;
}
