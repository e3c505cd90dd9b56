/*
 * nomem_test.c — out of memory at every allocation of a small workload, like SQLite's malloc
 * tests: open (create), CREATE TABLE, CREATE INDEX, BEGIN, three prepared INSERTs, COMMIT, a
 * SELECT, an autocommit UPDATE, disconnect, close. For N = 1, 2, 3, ... the N-th allocation the
 * library makes fails (once); the workload must end in a clean error code (ACIDB_NOMEM, or
 * another code with a message), never crash, and — after everything is closed — the database
 * must reopen, pass acidb_check and hold each transaction whole or not at all. N grows until
 * the workload runs without reaching its N-th allocation. Leaks are found by the ASan build's
 * leak checker (make test runs the suites with detect_leaks=1).
 *
 * The interposer: this suite is linked with -Wl,--wrap=malloc,... (Makefile,
 * SUITE_LDFLAGS_faults), so every call to malloc, calloc, realloc, strdup, strndup,
 * posix_memalign and aligned_alloc made by the library (and these tests) goes through the
 * __wrap_ functions below; libc's and Criterion's own allocations (in shared libraries) do
 * not, so the runner is never starved. Counting happens only while `armed`.
 */
#include <criterion/criterion.h>
#include <execinfo.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/faults/util.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);

static _Atomic int armed, sticky; /* sticky: every allocation from the N-th on fails */
static _Atomic uint64_t calls, fail_at, failed;

/* Whether this allocation is the one to fail. */
static int fail_now(void)
{
    if (!atomic_load(&armed))
        return 0;
    uint64_t k = atomic_fetch_add(&calls, 1) + 1;
    if (k != atomic_load(&fail_at) && !(atomic_load(&sticky) && k > atomic_load(&fail_at)))
        return 0;
    atomic_fetch_add(&failed, 1);
    if (getenv("NOMEM_TRACE") && strtoull(getenv("NOMEM_TRACE"), NULL, 0) == atomic_load(&fail_at)) {
        void *bt[16];
        int nb = backtrace(bt, 16);
        backtrace_symbols_fd(bt, nb, 2);
    }
    return 1;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { return fail_now() ? NULL : __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = __wrap_malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}
char *__wrap_strndup(const char *s, size_t n)
{
    size_t l = strnlen(s, n);
    char *d = __wrap_malloc(l + 1);
    if (d) {
        memcpy(d, s, l);
        d[l] = 0;
    }
    return d;
}
int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
    return fail_now() ? 12 /* ENOMEM */ : __real_posix_memalign(p, a, n);
}
void *__wrap_aligned_alloc(size_t a, size_t n)
{
    return fail_now() ? NULL : __real_aligned_alloc(a, n);
}

TestSuite(nomem, .init = ft_setup, .fini = ft_teardown);

typedef struct outcome {
    int rc;            /* the first failure's code (ACIDB_OK: none) */
    const char *where; /* the step that failed */
    char msg[256];
} outcome;

static int note(outcome *o, int rc, const char *where, acidb_conn *c)
{
    if (rc != ACIDB_OK && rc != ACIDB_DONE && rc != ACIDB_ROW && o->rc == ACIDB_OK) {
        o->rc = rc;
        o->where = where;
        snprintf(o->msg, sizeof o->msg, "%s", c ? acidb_errmsg(c) : acidb_open_errmsg());
    }
    return rc;
}

static acidb_options options(void)
{
    acidb_options op = acidb_default_options();
    op.durability = ACIDB_DURABILITY_OFF;
    op.cache_bytes = 256 * 1024;
    op.lock_timeout_ms = 1000;
    return op;
}

/* The workload; stops at the first failure but always cleans up what it opened. */
static void workload(outcome *o)
{
    acidb_options op = options();
    acidb_db *db = NULL;
    acidb_conn *c = NULL;
    memset(o, 0, sizeof *o);
    if (note(o, acidb_open(fx_db, &op, &db), "open", NULL) != ACIDB_OK)
        return;
    if (note(o, acidb_connect(db, &c), "connect", NULL) != ACIDB_OK)
        goto close;
    static const char *ddl[] = {"CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
                                "CREATE INDEX t_v ON t (v)"};
    for (int i = 0; i < 2; i++)
        if (note(o, acidb_exec(c, ddl[i]), ddl[i], c) != ACIDB_OK)
            goto disconnect;
    if (note(o, acidb_exec(c, "BEGIN"), "BEGIN", c) != ACIDB_OK)
        goto disconnect;
    acidb_stmt *s = NULL;
    if (note(o, acidb_prepare(c, "INSERT INTO t VALUES ($1, $2)", &s), "prepare INSERT", c) ==
        ACIDB_OK) {
        static const char *vals[] = {"one", "two", "three"};
        for (int i = 0; i < 3 && o->rc == ACIDB_OK; i++) {
            acidb_bind_int64(s, 1, i + 1);
            if (note(o, acidb_bind_text(s, 2, vals[i], -1), "bind", c) == ACIDB_OK)
                note(o, acidb_step(s), "INSERT", c);
            acidb_reset(s);
        }
        acidb_finalize(s);
    }
    if (o->rc != ACIDB_OK) {
        acidb_exec(c, "ROLLBACK"); /* may fail too; disconnect rolls back anyway */
        goto disconnect;
    }
    if (note(o, acidb_exec(c, "COMMIT"), "COMMIT", c) != ACIDB_OK)
        goto disconnect;
    if (note(o, acidb_prepare(c, "SELECT id, v FROM t ORDER BY v", &s), "prepare SELECT", c) ==
        ACIDB_OK) {
        int rc, rows = 0;
        while ((rc = acidb_step(s)) == ACIDB_ROW) {
            const char *v = acidb_column_text(s, 1);
            /* column_text returns NULL when its copy cannot be made, and says so in the
             * connection's error (nomem/column_text_out_of_memory_is_not_sql_null): a TEXT
             * column read as NULL is that out-of-memory, not a lost value. */
            if (v == NULL && acidb_column_type(s, 1) == ACIDB_TEXT) {
                cr_assert_eq(acidb_errcode(c), ACIDB_NOMEM, "N=%llu: column_text's NULL for a "
                             "TEXT value sets the error", (unsigned long long)atomic_load(&fail_at));
                cr_assert_str_eq(acidb_sqlstate(c), "53200");
                o->rc = o->rc ? o->rc : ACIDB_NOMEM;
                o->where = o->where ? o->where : "column_text";
                snprintf(o->msg, sizeof o->msg, "acidb_column_text: NULL for a TEXT value");
            }
            rows += v != NULL || acidb_column_type(s, 1) == ACIDB_TEXT;
            if (getenv("NOMEM_TRACE") &&
                strtoull(getenv("NOMEM_TRACE"), NULL, 0) == atomic_load(&fail_at))
                fprintf(stderr, "row %lld %s\n", (long long)acidb_column_int64(s, 0),
                        acidb_column_text(s, 1) ? acidb_column_text(s, 1) : "(null)");
        }
        if (getenv("NOMEM_TRACE") &&
            strtoull(getenv("NOMEM_TRACE"), NULL, 0) == atomic_load(&fail_at))
            fprintf(stderr, "rc %d\n", rc);
        note(o, rc, "SELECT", c);
        acidb_finalize(s);
        if (o->rc == ACIDB_OK && rows != 3)
            cr_assert_fail("N=%llu: the SELECT saw %d rows, not 3",
                           (unsigned long long)atomic_load(&fail_at), rows);
    }
    if (o->rc != ACIDB_OK)
        goto disconnect;
    note(o, acidb_exec(c, "UPDATE t SET v = 'two-updated' WHERE id = 2"), "UPDATE", c);
disconnect:
    note(o, acidb_disconnect(c), "disconnect", c);
close:
    note(o, acidb_close(db), "close", NULL);
}


typedef struct problems {
    int leaked, other;
    char first[256];
} problems;

static void on_problem(void *ctx, uint64_t page, const char *msg)
{
    problems *p = ctx;
    if (strstr(msg, "(leaked)") != NULL) {
        p->leaked++;
        return;
    }
    if (p->other++ == 0)
        snprintf(p->first, sizeof p->first, "page %llu: %s", (unsigned long long)page, msg);
}

/* After a failed run: everything reopens, checks clean, and each transaction is whole. */
static void verify(uint64_t n, const outcome *o)
{
    acidb_options op = options();
    acidb_db *db = NULL;
    int rc = acidb_open(fx_db, &op, &db);
    if (rc != ACIDB_OK && o->rc != ACIDB_OK && strcmp(o->where, "open") == 0 &&
        access(fx_db, F_OK) != 0)
        return; /* the failed open created nothing: nothing to check */
    /* A create that fails leaves no empty file the next open would refuse (the POSIX
     * layer's open once made the file, then could not allocate its handle). */
    cr_assert(rc == ACIDB_OK || strstr(acidb_open_errmsg(), "is an empty file") == NULL,
              "N=%llu (failed in %s: %s): the failed create left an empty file: %s",
              (unsigned long long)n, o->where, o->msg, acidb_open_errmsg());
    cr_assert_eq(rc, ACIDB_OK, "N=%llu (failed in %s: %s): the database does not reopen: %s",
                 (unsigned long long)n, o->where, o->msg, acidb_open_errmsg());
    problems pr = {0};
    uint64_t count = 0;
    cr_assert_eq(acidb_check(db, on_problem, &pr, &count), ACIDB_OK);
    cr_assert_eq(pr.other, 0, "N=%llu, failed in %s (%s: %s), after the reopen: %llu "
                 "integrity problem(s), first: %s", (unsigned long long)n, o->where,
                 acidb_errstr(o->rc), o->msg, (unsigned long long)count, pr.first);
    /* DDL failing between creating its tree and recording it in the trash leaked
     * the tree's pages; tree and trash entry are now one mini-transaction. */
    cr_assert_eq(pr.leaked, 0, "N=%llu, failed in %s (%s: %s), after the reopen: %d page(s) "
                 "leaked", (unsigned long long)n, o->where, acidb_errstr(o->rc), o->msg,
                 pr.leaked);
    acidb_conn *c = fx_connect(db);
    acidb_stmt *s;
    if (acidb_prepare(c, "SELECT count(*), sum(id) FROM t", &s) == ACIDB_OK) {
        cr_assert_eq(acidb_step(s), ACIDB_ROW);
        long long cnt = acidb_column_int64(s, 0);
        acidb_finalize(s);
        cr_assert(cnt == 0 || cnt == 3, "N=%llu (failed in %s): %lld rows: the INSERT block is "
                  "partly there", (unsigned long long)n, o->where, cnt);
        if (cnt == 3) {
            long long two = fx_int(c, "SELECT count(*) FROM t WHERE id = 2 AND "
                                      "(v = 'two' OR v = 'two-updated')");
            if (two != 1) {
                char *rows = NULL;
                size_t rl = 0;
                FILE *mf = open_memstream(&rows, &rl);
                acidb_stmt *q;
                const char *qs[] = {"SELECT id, v FROM t ORDER BY id",
                                    "SELECT id, v FROM t WHERE v >= '' ORDER BY v"};
                for (int k = 0; k < 2 && mf; k++) {
                    fprintf(mf, "[%s]", qs[k]);
                    if (acidb_prepare(c, qs[k], &q) == ACIDB_OK) {
                        while (acidb_step(q) == ACIDB_ROW)
                            fprintf(mf, " (%lld, %s)", (long long)acidb_column_int64(q, 0),
                                    acidb_column_text(q, 1));
                        acidb_finalize(q);
                    }
                }
                if (mf)
                    fclose(mf);
                cr_assert_fail("N=%llu (failed in %s: %s: %s): row 2 is neither before nor "
                               "after the UPDATE: %s", (unsigned long long)n, o->where,
                               acidb_errstr(o->rc), o->msg, rows ? rows : "");
            }
            cr_assert_eq(fx_int(c, "SELECT count(*) FROM t WHERE v >= ''"), 3,
                         "N=%llu: the index disagrees with the table", (unsigned long long)n);
        }
    } else {
        cr_assert_str_eq(acidb_sqlstate(c), "42P01", "N=%llu: %s", (unsigned long long)n,
                         acidb_errmsg(c)); /* CREATE TABLE never committed */
    }
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

static void remove_db(void)
{
    char wal[PATH_MAX + 64];
    snprintf(wal, sizeof wal, "%s-wal", fx_db);
    unlink(fx_db);
    unlink(wal);
}

static void every_allocation(int persistent);

Test(nomem, every_allocation_of_a_workload_fails_cleanly)
{
    every_allocation(0);
}

/* acidb_column_text's copy failing returned NULL, the same as SQL NULL, and set
 * no error. Now the connection says 53200, acidb_column_type tells the two NULLs apart, and
 * the value is there once memory is back. */
Test(nomem, column_text_out_of_memory_is_not_sql_null)
{
    acidb_options op = options();
    acidb_db *db = NULL;
    cr_assert_eq(acidb_open(fx_db, &op, &db), ACIDB_OK, "%s", acidb_open_errmsg());
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    fx_ok(c, "INSERT INTO t VALUES (1, 'a text value'), (2, NULL)");
    acidb_stmt *s;
    cr_assert_eq(acidb_prepare(c, "SELECT v FROM t ORDER BY id", &s), ACIDB_OK);
    cr_assert_eq(acidb_step(s), ACIDB_ROW);
    cr_assert_eq(acidb_errcode(c), ACIDB_OK);
    atomic_store(&sticky, 0);
    atomic_store(&calls, 0);
    atomic_store(&failed, 0);
    atomic_store(&fail_at, 1); /* column_text's copy is the next allocation */
    atomic_store(&armed, 1);
    const char *v = acidb_column_text(s, 0);
    atomic_store(&armed, 0);
    cr_assert_eq(atomic_load(&failed), 1, "the copy's allocation was the one failed");
    cr_assert_null(v);
    cr_assert_eq(acidb_column_type(s, 0), ACIDB_TEXT, "not SQL NULL");
    cr_assert_eq(acidb_errcode(c), ACIDB_NOMEM);
    cr_assert_str_eq(acidb_sqlstate(c), "53200");
    cr_assert(strstr(acidb_errmsg(c), "out of memory") != NULL, "%s", acidb_errmsg(c));
    cr_assert_str_eq(acidb_column_text(s, 0), "a text value", "readable once memory is back");
    cr_assert_eq(acidb_step(s), ACIDB_ROW);
    cr_assert_null(acidb_column_text(s, 0));
    cr_assert_eq(acidb_column_type(s, 0), ACIDB_NULL, "this NULL is SQL NULL");
    cr_assert_eq(acidb_step(s), ACIDB_DONE);
    cr_assert_eq(acidb_reset(s), ACIDB_OK);
    cr_assert_eq(acidb_step(s), ACIDB_ROW);
    cr_assert_eq(acidb_errcode(c), ACIDB_OK, "the next run cleared it: %s", acidb_errmsg(c));
    acidb_finalize(s);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* acidb_get_schema with its N-th allocation failing, for every N: ACIDB_NOMEM and no schema,
 * nothing leaked (LeakSanitizer), until N passes its last allocation and the copy is whole. */
Test(nomem, schema_copy_fails_cleanly_at_every_allocation)
{
    acidb_options op = options();
    acidb_db *db = NULL;
    cr_assert_eq(acidb_open(fx_db, &op, &db), ACIDB_OK, "%s", acidb_open_errmsg());
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE p (id INTEGER PRIMARY KEY, v VARCHAR(9) UNIQUE CHECK (v <> ''))");
    fx_ok(c, "CREATE TABLE k (a INTEGER REFERENCES p, b TEXT, PRIMARY KEY (a, b))");
    fx_ok(c, "CREATE INDEX k_b ON k (b)");
    for (int i = 0; i < 24; i++) { /* enough names for several arena chunks */
        char sql[512];
        snprintf(sql, sizeof sql,
                 "CREATE TABLE wide_table_number_%02d (a_rather_long_column_name_one INTEGER,"
                 " a_rather_long_column_name_two TEXT UNIQUE, a_rather_long_column_name_three"
                 " BOOLEAN, a_rather_long_column_name_four INTEGER REFERENCES p)", i);
        fx_ok(c, sql);
    }
    int n;
    for (n = 1;; n++) {
        acidb_schema *s = (acidb_schema *)&s;
        atomic_store(&sticky, 0);
        atomic_store(&calls, 0);
        atomic_store(&failed, 0);
        atomic_store(&fail_at, (uint64_t)n);
        atomic_store(&armed, 1);
        int rc = acidb_get_schema(db, &s);
        atomic_store(&armed, 0);
        if (atomic_load(&failed) == 0) {
            cr_assert_eq(rc, ACIDB_OK);
            cr_assert_eq(s->ntables, 26);
            cr_assert_str_eq(s->tables[0].constraints[1].ref_table, "p");
            cr_assert_str_eq(s->tables[25].cols[3].name, "a_rather_long_column_name_four");
            acidb_free_schema(s);
            break;
        }
        cr_assert_eq(rc, ACIDB_NOMEM, "allocation %d failed: %d", n, rc);
        cr_assert_null(s);
    }
    cr_assert_gt(n, 3, "the copy allocates in several chunks");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* The same with memory that does not come back: every allocation from the N-th on fails,
 * including those of the error paths, disconnect and close — which must still free everything. */
Test(nomem, memory_exhausted_from_every_allocation_on_fails_cleanly)
{
    every_allocation(1);
}

static void every_allocation(int persistent)
{
    atomic_store(&sticky, persistent);
    int codes[32] = {0};
    uint64_t n, total = 0;
    uint64_t first = getenv("NOMEM_FROM") ? strtoull(getenv("NOMEM_FROM"), NULL, 0) : 1;
    for (n = first; n < 100000; n++) {
        remove_db();
        atomic_store(&calls, 0);
        atomic_store(&failed, 0);
        atomic_store(&fail_at, n);
        atomic_store(&armed, 1);
        outcome o;
        workload(&o);
        atomic_store(&armed, 0);
        total = atomic_load(&calls);
        if (atomic_load(&failed) == 0) { /* the workload made fewer than n allocations */
            cr_assert_eq(o.rc, ACIDB_OK, "N=%llu: no allocation failed, yet %s failed: %s",
                         (unsigned long long)n, o.where, o.msg);
            break;
        }
        /* A failed allocation may be absorbed (a cache that does without): then all is OK. */
        if (o.rc != ACIDB_OK) {
            cr_assert_eq(o.rc, ACIDB_NOMEM, "N=%llu: out of memory in %s answered %s: %s",
                         (unsigned long long)n, o.where, acidb_errstr(o.rc), o.msg);
            /* acidb_connect has no connection to carry a message: its code is all it says. */
            cr_assert(o.msg[0] != 0 || strcmp(o.where, "connect") == 0,
                      "N=%llu: %s failed (%s) without a message",
                          (unsigned long long)n, o.where, acidb_errstr(o.rc));
            codes[o.rc]++;
            if (o.rc != ACIDB_NOMEM && getenv("NOMEM_VERBOSE"))
                fprintf(stderr, "nomem: N=%llu: %s: %s: %s\n", (unsigned long long)n, o.where,
                        acidb_errstr(o.rc), o.msg);
        } else {
            codes[0]++;
        }
        verify(n, &o);
    }
    cr_assert_lt(n, 100000);
    cr_assert_gt(codes[ACIDB_NOMEM], 0);
    char summary[1024];
    int len = snprintf(summary, sizeof summary, "%llu allocations in the workload; failures "
                       "answered:", (unsigned long long)total);
    for (int i = 0; i < 32; i++)
        if (codes[i])
            len += snprintf(summary + len, sizeof summary - (size_t)len, " %s x%d",
                            i == 0 ? "absorbed (OK)" : acidb_errstr(i), codes[i]);
    cr_log_info("%s", summary);
    fprintf(stderr, "nomem%s: %s\n", persistent ? " (from N on)" : "", summary);
}
