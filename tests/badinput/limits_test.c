/*
 * limits_test.c — inputs past the engine's limits (engine/README.md, "Limits"): each is
 * refused or cancelled with its SQLSTATE, never a stack overflow, an OOM kill or a hang, and
 * the connection stays usable afterwards. Memory is measured where the input is large
 * (peak RSS, printed with --verbose).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "tests/badinput/util.h"

TestSuite(limits, .init = bi_setup, .fini = bi_teardown);

static long peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

/* The connection still works after a refused statement. */
static void still_usable(acidb_conn *c)
{
    cr_assert_eq(acidb_txn_state(c), 'I', "no transaction left open");
    cr_assert_eq(fx_int(c, "SELECT 40 + 2"), 42);
}

static acidb_conn *fresh(acidb_db **db)
{
    *db = bi_open(fx_db, 1);
    return fx_connect(*db);
}

Test(limits, sql_text_of_100_mib_is_handled_in_bounded_memory)
{
    acidb_db *db;
    acidb_conn *c = fresh(&db);
    size_t mib = 100;
    /* SELECT length('xxx...') with a 100 MiB literal: executed or refused, never a crash. */
    char *sql = malloc((mib << 20) + 64);
    strcpy(sql, "SELECT length('");
    size_t at = strlen(sql);
    memset(sql + at, 'x', mib << 20);
    strcpy(sql + at + (mib << 20), "')");
    long before = peak_rss_mib();
    acidb_stmt *s = NULL;
    int rc = acidb_prepare(c, sql, &s);
    if (rc == ACIDB_OK) {
        rc = acidb_step(s);
        cr_assert(rc == ACIDB_ROW || rc == ACIDB_TOOBIG || rc == ACIDB_NOMEM, "%d %s", rc,
                  acidb_errmsg(c));
        if (rc == ACIDB_ROW)
            cr_assert_eq(acidb_column_int64(s, 0), (int64_t)(mib << 20));
        acidb_finalize(s);
    } else {
        cr_assert(rc == ACIDB_TOOBIG || rc == ACIDB_NOMEM, "%d %s", rc, acidb_errmsg(c));
    }
    long literal_peak = peak_rss_mib() - before;
    cr_log_info("100 MiB literal: rc %d, peak RSS +%ld MiB", rc, literal_peak);

    /* 100 MiB of one statement's worth of whitespace and comments, then a statement. */
    memset(sql, ' ', mib << 20);
    memcpy(sql, "/* a comment */", 15);
    strcpy(sql + (mib << 20), "SELECT 1");
    rc = acidb_exec(c, sql);
    cr_assert(rc == ACIDB_OK || rc == ACIDB_TOOBIG, "%d %s", rc, acidb_errmsg(c));
    free(sql);
    long total = peak_rss_mib() - before;
    cr_log_info("100 MiB of blanks: rc %d; peak RSS +%ld MiB over the test's start", rc, total);
    /* The text itself is 100 MiB (the caller's buffer); a copy or two of it is fine, an
     * unbounded blow-up is not. */
    cr_assert_lt(total, 1200, "peak RSS grew by %ld MiB for 100 MiB of SQL", total);
    still_usable(c);
    acidb_disconnect(c);
    acidb_close(db);
}

static char *nested(const char *open, const char *mid, const char *close, int depth)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = malloc(32 + (lo + lc) * (size_t)depth + strlen(mid));
    strcpy(s, "SELECT ");
    size_t at = 7;
    for (int i = 0; i < depth; i++, at += lo)
        memcpy(s + at, open, lo);
    strcpy(s + at, mid);
    at += strlen(mid);
    for (int i = 0; i < depth; i++, at += lc)
        memcpy(s + at, close, lc);
    s[at] = 0;
    return s;
}

Test(limits, expressions_nested_100000_deep_are_54001)
{
    acidb_db *db;
    acidb_conn *c = fresh(&db);
    static const char *const forms[][3] = {
        {"(", "1", ")"},           {"- ", "1", ""},         {"NOT ", "true", ""},
        {"abs(", "1", ")"},        {"1 + (", "1", ")"},    {"CASE WHEN true THEN ", "1", " END"},
        {"coalesce(NULL, ", "1", ")"}, {"CAST(", "1", " AS INTEGER)"},
    };
    for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
        char *sql = nested(forms[f][0], forms[f][1], forms[f][2], 100000);
        int rc = acidb_exec(c, sql);
        cr_assert_eq(rc, ACIDB_TOOBIG, "%s...: %d %s", forms[f][0], rc, acidb_errmsg(c));
        cr_assert_str_eq(acidb_sqlstate(c), "54001", "%s...: %s", forms[f][0], acidb_errmsg(c));
        free(sql);
    }
    still_usable(c);
    acidb_disconnect(c);
    acidb_close(db);
}

Test(limits, ten_thousand_columns_are_54011)
{
    acidb_db *db;
    acidb_conn *c = fresh(&db);
    char *sql = malloc(10000 * 24 + 64);
    size_t at = (size_t)sprintf(sql, "CREATE TABLE wide (");
    for (int i = 0; i < 10000; i++)
        at += (size_t)sprintf(sql + at, "%sc%d INTEGER", i ? ", " : "", i);
    strcpy(sql + at, ")");
    int rc = acidb_exec(c, sql);
    cr_assert_eq(rc, ACIDB_TOOBIG, "%d %s", rc, acidb_errmsg(c));
    cr_assert_str_eq(acidb_sqlstate(c), "54011", "%s", acidb_errmsg(c));
    /* At the limit (1,600) it works. */
    at = (size_t)sprintf(sql, "CREATE TABLE wide (");
    for (int i = 0; i < 1600; i++)
        at += (size_t)sprintf(sql + at, "%sc%d INTEGER", i ? ", " : "", i);
    strcpy(sql + at, ")");
    fx_ok(c, sql);
    fx_ok(c, "INSERT INTO wide (c0, c1599) VALUES (1, 2)");
    cr_assert_eq(fx_int(c, "SELECT c1599 FROM wide"), 2);
    /* A SELECT list of 10,000 expressions: refused or answered, never a crash. */
    at = (size_t)sprintf(sql, "SELECT ");
    for (int i = 0; i < 10000; i++)
        at += (size_t)sprintf(sql + at, "%s%d", i ? ", " : "", i);
    acidb_stmt *s = NULL;
    rc = acidb_prepare(c, sql, &s);
    if (rc == ACIDB_OK) {
        cr_assert_eq(acidb_step(s), ACIDB_ROW, "%s", acidb_errmsg(c));
        cr_assert_eq(acidb_column_count(s), 10000);
        cr_assert_eq(acidb_column_int64(s, 9999), 9999);
        acidb_finalize(s);
    } else {
        cr_assert_eq(rc, ACIDB_TOOBIG, "%d %s", rc, acidb_errmsg(c));
    }
    free(sql);
    still_usable(c);
    acidb_disconnect(c);
    acidb_close(db);
}

/* A left-deep chain, 1 + 1 + ... + 1, is not nesting in the parser's sense but makes a tree
 * as deep: it counts toward SQL_MAX_TREE_DEPTH (it once overflowed the stack in the
 * checker). */
Test(limits, long_operator_chains_are_summed_or_refused)
{
    acidb_db *db;
    acidb_conn *c = fresh(&db);
    size_t n = 100000;
    char *sum = malloc(16 + 4 * n);
    strcpy(sum, "SELECT 1");
    for (size_t i = 1; i < n; i++)
        memcpy(sum + 8 + 4 * (i - 1), " + 1", 4);
    sum[8 + 4 * (n - 1)] = 0;
    acidb_stmt *s = NULL;
    int rc = acidb_prepare(c, sum, &s);
    if (rc == ACIDB_OK) {
        rc = acidb_step(s);
        cr_assert_eq(rc, ACIDB_ROW, "%d %s", rc, acidb_errmsg(c));
        cr_assert_eq(acidb_column_int64(s, 0), (int64_t)n);
        acidb_finalize(s);
    } else {
        cr_assert_eq(rc, ACIDB_TOOBIG, "a long chain is summed or refused: %d %s", rc,
                     acidb_errmsg(c));
    }
    free(sum);
    still_usable(c);
    acidb_disconnect(c);
    acidb_close(db);
}

/* INSERT INTO docs VALUES (id, <n bytes of a..z>) through a bound parameter. */
static int insert_text(acidb_conn *c, int id, size_t n)
{
    char *v = malloc(n);
    for (size_t i = 0; i < n; i++)
        v[i] = (char)('a' + i % 26);
    acidb_stmt *s = NULL;
    int rc = acidb_prepare(c, "INSERT INTO docs VALUES ($1, $2)", &s);
    if (rc == ACIDB_OK) {
        acidb_bind_int64(s, 1, id);
        rc = acidb_bind_text(s, 2, v, (int)n);
    }
    if (rc == ACIDB_OK) {
        rc = acidb_step(s);
        rc = rc == ACIDB_DONE ? ACIDB_OK : rc;
    }
    acidb_finalize(s);
    free(v);
    return rc;
}

Test(limits, text_over_1_gib_is_toobig_and_a_few_mib_work)
{
    acidb_db *db;
    acidb_conn *c = fresh(&db);
    fx_ok(c, "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT)");
    acidb_stmt *s = NULL;
    cr_assert_eq(acidb_prepare(c, "INSERT INTO docs VALUES ($1, $2)", &s), ACIDB_OK);

    /* Just over 1 GiB, valid UTF-8: mapped, never written but the first pages, so it costs
     * address space only — unless the engine copies it before checking its length. */
    size_t over = (1u << 30) + 1;
    char *big = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
                     MAP_NORESERVE, -1, 0);
    cr_assert_neq(big, MAP_FAILED);
    memset(big, 'a', 1 << 20);
    long before = peak_rss_mib();
    acidb_bind_int64(s, 1, 1);
    int rc = acidb_bind_text(s, 2, big, (int)over);
    long grew = peak_rss_mib() - before;
    cr_log_info("bind of 1 GiB + 1: rc %d (%s), peak RSS +%ld MiB", rc, acidb_errmsg(c), grew);
    cr_assert_eq(rc, ACIDB_TOOBIG, "%d %s %s", rc, acidb_sqlstate(c), acidb_errmsg(c));
    cr_assert_str_eq(acidb_sqlstate(c), "54000", "%s", acidb_errmsg(c));
    cr_assert_lt(grew, 64, "refusing the value did not copy it (+%ld MiB)", grew);
    munmap(big, over);

    acidb_finalize(s);
    acidb_disconnect(c);
    acidb_close(db);

    /* 8 MiB works with the default cache, and reads back whole. */
    db = bi_open_cache(fx_db, 0, 0);
    c = fx_connect(db);
    cr_assert_eq(insert_text(c, 1, 8u << 20), ACIDB_OK, "%s", acidb_errmsg(c));
    cr_assert_eq(fx_int(c, "SELECT length(body) FROM docs WHERE id = 1"), 8 << 20);
    cr_assert_eq(acidb_prepare(c, "SELECT body FROM docs WHERE id = 1", &s), ACIDB_OK);
    cr_assert_eq(acidb_step(s), ACIDB_ROW);
    cr_assert_eq(acidb_column_bytes(s, 0), 8 << 20);
    const char *back = acidb_column_text(s, 0);
    for (size_t i = 0; i < (8u << 20); i += 4093)
        cr_assert_eq(back[i], (char)('a' + i % 26), "byte %zu reads back", i);
    acidb_finalize(s);
    still_usable(c);
    acidb_disconnect(c);
    acidb_close(db);
}

/* The limits a value meets before 1 GiB: all of its overflow pages are pinned in the cache
 * at once (one mini-transaction), and its log record is at most 64 MiB (WAL_MAX_REC). Both
 * are clear errors, and nothing is left behind. */
Test(limits, a_value_larger_than_the_cache_or_a_log_record_is_refused_cleanly)
{
    acidb_db *db = bi_open_cache(fx_db, 1, 4u << 20);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT)");
    cr_assert_eq(insert_text(c, 1, 2u << 20), ACIDB_OK, "half the cache: %s", acidb_errmsg(c));
    int rc = insert_text(c, 2, 5u << 20);
    cr_log_info("5 MiB value, 4 MiB cache: %d %s %s", rc, acidb_sqlstate(c), acidb_errmsg(c));
    cr_assert_eq(rc, ACIDB_FULL, "%d %s", rc, acidb_errmsg(c));
    cr_assert_str_eq(acidb_sqlstate(c), "53000", "%s", acidb_errmsg(c));
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM docs"), 1);
    still_usable(c);
    acidb_disconnect(c);
    acidb_close(db);

    db = bi_open_cache(fx_db, 0, 512u << 20);
    c = fx_connect(db);
    rc = insert_text(c, 3, 70u << 20);
    cr_log_info("70 MiB value, 512 MiB cache: %d %s %s", rc, acidb_sqlstate(c), acidb_errmsg(c));
    cr_assert(rc == ACIDB_TOOBIG || rc == ACIDB_OK, "%d %s", rc, acidb_errmsg(c));
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM docs"), rc == ACIDB_OK ? 2 : 1);
    still_usable(c);
    acidb_disconnect(c);
    acidb_close(db);
}

typedef struct canceller {
    acidb_conn *c;
    volatile int done;
    int sent;
} canceller;

static void *cancel_loop(void *arg)
{
    canceller *k = arg;
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL); /* let the statement get going */
    ts.tv_nsec = 20 * 1000 * 1000;
    while (!k->done) { /* until it stops: an interrupt before the statement starts is moot */
        acidb_interrupt(k->c);
        k->sent++;
        nanosleep(&ts, NULL);
    }
    return NULL;
}

Test(limits, insert_select_of_a_billion_rows_is_cancelled)
{
    acidb_db *db;
    acidb_conn *c = fresh(&db);
    fx_ok(c, "CREATE TABLE t (x INTEGER PRIMARY KEY)");
    fx_ok(c, "CREATE TABLE sink (x INTEGER)");
    fx_ok(c, "BEGIN");
    char sql[64];
    for (int i = 1; i <= 1000; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d)", i);
        fx_ok(c, sql);
    }
    fx_ok(c, "COMMIT");
    fx_ok(c, "INSERT INTO sink VALUES (-1)");
    long before = peak_rss_mib();
    canceller k = {.c = c};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, cancel_loop, &k), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* 1000^3 rows */
    int rc = acidb_exec(c, "INSERT INTO sink SELECT a.x + b.x + c.x FROM t a, t b, t c");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    k.done = 1;
    pthread_join(th, NULL);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_log_info("cancelled after %.2f s (%d interrupts), peak RSS +%ld MiB", secs, k.sent,
                peak_rss_mib() - before);
    cr_assert_eq(rc, ACIDB_CANCELED, "%d %s %s", rc, acidb_sqlstate(c), acidb_errmsg(c));
    cr_assert_str_eq(acidb_sqlstate(c), "57014", "%s", acidb_errmsg(c));
    /* Nothing of the cancelled statement remains; earlier work does. */
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM sink"), 1);
    still_usable(c);
    /* Also inside a block: the block is failed and rolls back. */
    fx_ok(c, "BEGIN");
    fx_ok(c, "INSERT INTO sink VALUES (-2)");
    k = (canceller){.c = c};
    cr_assert_eq(pthread_create(&th, NULL, cancel_loop, &k), 0);
    rc = acidb_exec(c, "INSERT INTO sink SELECT a.x FROM t a, t b, t c");
    k.done = 1;
    pthread_join(th, NULL);
    cr_assert_eq(rc, ACIDB_CANCELED, "%d %s", rc, acidb_errmsg(c));
    cr_assert_eq(acidb_txn_state(c), 'E', "the block is failed");
    fx_ok(c, "ROLLBACK");
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM sink"), 1);
    acidb_disconnect(c);
    acidb_close(db);
}
