/*
 * admin.c — .check, .checkpoint, .stats and .locks: the administration API of acidb.h,
 * printed in the current output mode (a result built here rather than by a query, so that
 * .mode csv/json work for them too).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/* ---- a result built by hand --------------------------------------------------------------- */

static sh_result *table_new(int ncols, const char *const *names)
{
    sh_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->ncols = ncols;
    r->names = calloc((size_t)ncols, sizeof *r->names);
    if (r->names == NULL) {
        free(r);
        return NULL;
    }
    for (int i = 0; i < ncols; i++)
        r->names[i] = strdup(names[i]);
    return r;
}

/* Appends a row; `types` has one letter per column: 'i' integer, 't' text, 'n' NULL. */
static void table_row(sh_result *r, const char *types, ...)
{
    if (r->nrows == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        char **cells = realloc(r->cells, cap * (size_t)r->ncols * sizeof *cells);
        unsigned char *t = cells ? realloc(r->types, cap * (size_t)r->ncols) : NULL;
        if (cells)
            r->cells = cells;
        if (t == NULL)
            return;
        r->types = t;
        r->cap = cap;
    }
    va_list ap;
    va_start(ap, types);
    size_t base = r->nrows * (size_t)r->ncols;
    for (int i = 0; i < r->ncols; i++) {
        const char *v = va_arg(ap, const char *);
        r->types[base + (size_t)i] = types[i] == 'i' ? ACIDB_INTEGER
                                     : types[i] == 'n' || v == NULL ? ACIDB_NULL : ACIDB_TEXT;
        r->cells[base + (size_t)i] = r->types[base + (size_t)i] == ACIDB_NULL ? NULL : strdup(v);
    }
    va_end(ap);
    r->nrows++;
}

static void table_print(sh_result *r)
{
    if (r == NULL)
        return;
    sh_print_results(r, "");
    res_free_list(r);
}

/* ---- .check ------------------------------------------------------------------------------- */

static void check_report(void *ctx, uint64_t page, const char *msg)
{
    sh_result *r = ctx;
    char p[32];
    snprintf(p, sizeof p, "%llu", (unsigned long long)page);
    table_row(r, "it", p, msg);
}

int admin_check(void)
{
    static const char *const names[] = {"page", "problem"};
    sh_result *r = table_new(2, names);
    uint64_t problems = 0;
    int rc = acidb_check(sh.db, check_report, r, &problems);
    if (rc != ACIDB_OK) {
        res_free_list(r);
        fprintf(stderr, "ERROR:  integrity check failed to run: %s%s\n", acidb_errstr(rc),
                rc == ACIDB_MISUSE ? " (acidb_check is not available in this build yet)" : "");
        return -1;
    }
    if (problems == 0) {
        res_free_list(r);
        fprintf(sh.out, "integrity check of %s: ok\n", sh.path);
        return 0;
    }
    table_print(r);
    fprintf(stderr, "integrity check of %s: %llu problem%s\n", sh.path,
            (unsigned long long)problems, problems == 1 ? "" : "s");
    return -1;
}

/* ---- .checkpoint -------------------------------------------------------------------------- */

int admin_checkpoint(void)
{
    double t0 = sh_now();
    int rc = acidb_checkpoint(sh.db);
    if (rc != ACIDB_OK) {
        fprintf(stderr, "ERROR:  checkpoint failed: %s\n", acidb_errstr(rc));
        return -1;
    }
    if (sh.interactive)
        fprintf(stderr, "checkpoint done in %.1f ms\n", (sh_now() - t0) * 1000);
    return 0;
}

/* ---- .stats ------------------------------------------------------------------------------- */

int admin_stats(void)
{
    acidb_stats st;
    int rc = acidb_get_stats(sh.db, &st);
    if (rc != ACIDB_OK) {
        fprintf(stderr, "ERROR:  statistics unavailable: %s\n", acidb_errstr(rc));
        return -1;
    }
    static const char *const names[] = {"counter", "value"};
    sh_result *r = table_new(2, names);
    if (r == NULL)
        return -1;
    struct { const char *name; uint64_t v; } rows[] = {
        {"cache hits", st.cache_hits}, {"cache misses", st.cache_misses},
        {"cache evictions", st.cache_evictions}, {"cache pages", st.cache_pages},
        {"database pages", st.db_pages}, {"log bytes", st.log_bytes},
        {"log fsyncs", st.log_fsyncs}, {"commits", st.commits}, {"rollbacks", st.rollbacks},
        {"lock waits", st.lock_waits}, {"deadlocks", st.deadlocks},
        {"lock timeouts", st.lock_timeouts},
    };
    char v[32];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)rows[i].v);
        table_row(r, "ti", rows[i].name, v);
        if (i == 1) {
            uint64_t all = st.cache_hits + st.cache_misses;
            snprintf(v, sizeof v, "%.1f%%", all ? 100.0 * (double)st.cache_hits / (double)all : 0);
            table_row(r, "tt", "cache hit ratio", v);
        }
        if (i == 7) {
            snprintf(v, sizeof v, "%.2f",
                     st.commits ? (double)st.log_fsyncs / (double)st.commits : 0.0);
            table_row(r, "tt", "fsyncs per commit", v);
        }
    }
    table_print(r);
    return 0;
}

/* ---- .locks ------------------------------------------------------------------------------- */

static void lock_row(void *ctx, const acidb_lock_info *l)
{
    sh_result *r = ctx;
    char txn[24], secs[24], who[256] = "";
    snprintf(txn, sizeof txn, "%llu", (unsigned long long)l->txn);
    snprintf(secs, sizeof secs, "%.1f", l->seconds);
    session *s = sess_by_txn(l->txn);
    size_t n = 0;
    for (int i = 0; l->waiting && i < l->nblockers && n < sizeof who - 40; i++) {
        session *b = sess_by_txn(l->blockers[i]);
        if (b)
            n += (size_t)snprintf(who + n, sizeof who - n, "%s%s", i ? ", " : "", b->name);
        else
            n += (size_t)snprintf(who + n, sizeof who - n, "%stxn %llu", i ? ", " : "",
                                  (unsigned long long)l->blockers[i]);
    }
    table_row(r, "titttttt", s ? s->name : "?", txn, l->object ? l->object : "",
              l->resource ? l->resource : "", l->mode ? l->mode : "",
              l->waiting ? "waiting" : "granted", l->waiting ? who : "", secs);
}

int admin_locks(void)
{
    static const char *const names[] = {"session", "txn", "object", "resource", "mode",
                                        "state", "waits for", "seconds"};
    sh_result *r = table_new(8, names);
    if (r == NULL)
        return -1;
    int rc = acidb_locks(sh.db, lock_row, r);
    if (rc != ACIDB_OK) {
        res_free_list(r);
        fprintf(stderr, "ERROR:  lock table unavailable: %s\n", acidb_errstr(rc));
        return -1;
    }
    table_print(r);
    return 0;
}
