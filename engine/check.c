/*
 * check.c — acidb_check (engine/acidb.h): the integrity check of a database.
 *
 * Four parts, each reporting every problem through the caller's callback and going on after
 * it wherever it safely can:
 *   1. pages (bt_check_lsn; pager/README.md, "Invariants the integrity check verifies"): the
 *      catalog tree and every table and index tree, the free list, leaked pages, checksums
 *      read from disk, and every page's LSN below the end of the log;
 *   2. rows: every row of every table decodes (engine/record.h);
 *   3. indexes against rows (PostgreSQL amcheck's heapallindexed, and its converse): every
 *      entry of every index points to a row that exists and whose columns encode to exactly
 *      that entry, and every row has its entry in every index of its table;
 *   4. identity counters: the stored counter of a GENERATED ALWAYS AS IDENTITY column is above
 *      every value in the column (values are only ever taken from it, so one at or above it
 *      would be handed out again after the next open).
 *
 * Part 3 keeps memory bounded and sorts nothing. For each index, one walk of the index probes
 * the table for each entry's row; the entry is *valid* when that row exists and encodes to
 * exactly the entry (key and value, record.h). Two valid entries cannot name the same row:
 * both would be that row's one encoding, and keys in a tree are unique (strictly increasing,
 * checked by part 1 and again along the walk). So when the index holds as many valid entries
 * as the table holds rows, every row has its entry; only otherwise (or when part 1 found a
 * problem) does a second walk, of the table probing the index for each row's key, run to name
 * the rows without one. A clean database therefore costs one table walk plus, per index, one
 * index walk with a table probe per entry.
 *
 * Report pages: problems of part 1 name their page; a row or index problem of parts 2-4 is
 * reported with the root page of the table or index concerned, and its message names table,
 * index, key and row id.
 *
 * Locks: none (acidb.h). Walks take each tree's latch per call only; keys must strictly
 * increase along a walk, so a broken sibling chain cannot make one loop.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/record.h"
#include "pager/status.h"

typedef struct xck {
    acidb_db *db;
    void (*report)(void *ctx, uint64_t page, const char *msg);
    void *ctx;
    uint64_t problems;   /* found by parts 2-4 */
    int pages_broken;    /* part 1 found a problem */
    rec_buf kb;          /* a row's expected index key */
    value *vals;         /* the current row (table columns) */
    char k1[400], k2[400];
} xck;

__attribute__((format(printf, 3, 4))) static void xreport(xck *x, uint64_t page,
                                                          const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    x->problems++;
    if (x->report != NULL)
        x->report(x->ctx, page, msg);
}

/* ---- part 1: pages ------------------------------------------------------------------------- */

static void page_report(void *ctx, uint64_t pgno, const char *msg)
{
    xck *x = ctx;
    if (x->report != NULL)
        x->report(x->ctx, pgno, msg);
}

static uint64_t log_end(void *ctx)
{
    xck *x = ctx;
    wal *log = txm_log(x->db->tm);
    /* Read-only, without a log: every page LSN is below where the last log ended (page 0). */
    return log != NULL ? wal_end_lsn(log) : pgr_checkpoint_lsn(txm_pager(x->db->tm));
}

static int check_pages(xck *x, const catalog *c, uint64_t *found)
{
    int n = 1 + c->ntables + c->nindexes;
    uint64_t *roots = malloc((size_t)n * sizeof *roots);
    bt_kind *kinds = malloc((size_t)n * sizeof *kinds);
    if (roots == NULL || kinds == NULL) {
        free(roots);
        free(kinds);
        return st_set(ST_ENOMEM, "out of memory (integrity check)");
    }
    int k = 0;
    roots[k] = bt_root(x->db->cattree);
    kinds[k++] = BT_TABLE;
    for (int i = 0; i < c->ntables; i++) {
        roots[k] = c->tables[i]->root;
        kinds[k++] = BT_TABLE;
    }
    for (int i = 0; i < c->nindexes; i++) {
        roots[k] = c->indexes[i]->root;
        kinds[k++] = BT_INDEX;
    }
    int st = bt_check_lsn(txm_pager(x->db->tm), roots, kinds, (size_t)k, log_end, page_report,
                          x, found);
    free(roots);
    free(kinds);
    return st;
}

/* ---- walks ---------------------------------------------------------------------------------- */

/* A status that stops a walk: corruption is reported (the walk of that tree ends, the check
 * goes on) and becomes ST_OK; anything else (out of memory, I/O) stops the whole check. */
static int walk_failed(xck *x, uint64_t root, const char *what, int st)
{
    if (st != ST_ECORRUPT)
        return st;
    xreport(x, root, "%s: the walk stopped: %s", what, st_msg());
    return ST_OK;
}

/* memcmp order, a shorter key first on a common prefix (btree.h, BT_INDEX). */
static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c != 0 ? c : (alen > blen) - (alen < blen);
}

/* Row id an index entry names: the value (unique entries without NULL) or the key's suffix. */
static int entry_rowid(const bt_key *k, size_t vlen, const uint8_t *val, int64_t *rowid)
{
    if (vlen == 8) {
        uint64_t r = 0;
        for (int b = 7; b >= 0; b--)
            r = (r << 8) | val[b];
        *rowid = (int64_t)r;
        return 0;
    }
    if (vlen != 0 || k->len < 8)
        return -1;
    *rowid = rec_key_get_rowid(k->bytes, k->len);
    return 0;
}

/* The entry row `rowid` (decoded in x->vals) must have in ix, as dml.c writes it: x->kb holds
 * the key; *vr: the entry's value is the row id (else it is empty). -1 out of memory. */
static int expected_entry(xck *x, const cat_index *ix, int64_t rowid, int *vr)
{
    x->kb.len = 0;
    int has_null = 0;
    for (int i = 0; i < ix->ncols; i++) {
        rec_key_value(&x->kb, &x->vals[ix->cols[i]]);
        has_null |= x->vals[ix->cols[i]].type == VT_NULL;
    }
    *vr = ix->unique && !has_null;
    if (!*vr)
        rec_key_rowid(&x->kb, rowid);
    return x->kb.oom ? -1 : 0;
}

/* Reads and decodes row `rowid` of t into x->vals (*buf owns the bytes TEXT values point
 * into; caller frees). 1: decoded, 0: absent, -1: malformed; <-1 never: other statuses come
 * back through *st. */
static int read_row(xck *x, cat_table *t, int64_t rowid, void **buf, int *st)
{
    size_t len = 0;
    bt_key k = bt_int_key(rowid);
    *buf = NULL;
    *st = bt_get(t->tree, &k, buf, &len);
    if (*st == ST_ENOTFOUND) {
        *st = ST_OK;
        return 0;
    }
    if (*st != ST_OK)
        return 0;
    return rec_decode(*buf, len, rowid, x->vals, t->ncols) == 0 ? 1 : -1;
}

/* ---- part 3: one index against its table ------------------------------------------------------ */

/* Walks ix; counts in *valid the entries whose row exists and encodes to exactly them. */
static int index_walk(xck *x, cat_table *t, cat_index *ix, int64_t *valid)
{
    bt_cursor *cur = NULL;
    uint8_t *prev = NULL;
    size_t prevlen = 0;
    int have_prev = 0;
    int st = bt_cursor_open(ix->tree, &cur);
    if (st != ST_OK)
        return st;
    prev = malloc(bt_max_key(pgr_page_size(txm_pager(x->db->tm))) + 1);
    if (prev == NULL) {
        bt_cursor_close(cur);
        return st_set(ST_ENOMEM, "out of memory (integrity check)");
    }
    char what[300];
    snprintf(what, sizeof what, "index \"%s\" of table \"%s\"", ix->name, t->name);
    for (st = bt_first(cur); st == ST_OK && bt_cursor_valid(cur); st = bt_next(cur)) {
        bt_key k;
        const void *v;
        size_t vlen;
        if ((st = bt_cursor_key(cur, &k)) != ST_OK)
            break;
        if (have_prev && key_cmp(prev, prevlen, k.bytes, k.len) >= 0) {
            xreport(x, ix->root, "%s: keys out of order along the walk; the rest of the index "
                    "is not cross-checked", what);
            break;
        }
        memcpy(prev, k.bytes, k.len);
        prevlen = k.len;
        have_prev = 1;
        if ((st = bt_cursor_value(cur, &v, &vlen)) != ST_OK)
            break;
        cat_key_text(ix, k.bytes, k.len, x->k1, sizeof x->k1);
        int64_t rowid;
        if (entry_rowid(&k, vlen, v, &rowid) != 0) {
            xreport(x, ix->root, "%s: entry Key %s has a %zu-byte value and names no row", what,
                    x->k1, vlen);
            continue;
        }
        void *buf;
        int r = read_row(x, t, rowid, &buf, &st);
        if (st != ST_OK) {
            free(buf);
            break;
        }
        if (r == 0)
            xreport(x, ix->root, "%s: entry Key %s points to row %lld, which does not exist",
                    what, x->k1, (long long)rowid);
        else if (r < 0)
            xreport(x, ix->root, "%s: entry Key %s points to row %lld, which is malformed",
                    what, x->k1, (long long)rowid);
        else {
            int vr;
            if (expected_entry(x, ix, rowid, &vr) != 0) {
                free(buf);
                st = st_set(ST_ENOMEM, "out of memory (integrity check)");
                break;
            }
            int key_ok = x->kb.len == k.len && memcmp(x->kb.p, k.bytes, k.len) == 0;
            if (key_ok && vr == (vlen == 8))
                (*valid)++;
            else if (key_ok)
                xreport(x, ix->root, "%s: entry Key %s of row %lld has a %zu-byte value, "
                        "expected %d", what, x->k1, (long long)rowid, vlen, vr ? 8 : 0);
            else {
                cat_key_text(ix, x->kb.p, x->kb.len, x->k2, sizeof x->k2);
                xreport(x, ix->root, "%s: entry Key %s points to row %lld, whose key is %s",
                        what, x->k1, (long long)rowid, x->k2);
            }
        }
        free(buf);
    }
    bt_cursor_close(cur);
    free(prev);
    return st == ST_OK ? ST_OK : walk_failed(x, ix->root, what, st);
}

/* *same: row `rowid` of t exists and has the key x->kb holds in ix (then two rows share a
 * key of a unique index). x->vals is overwritten. */
static int same_key(xck *x, cat_table *t, const cat_index *ix, int64_t rowid, int *same)
{
    rec_buf mine = x->kb; /* expected_entry below fills x->kb: keep this one aside */
    x->kb = (rec_buf){0};
    void *buf;
    int st, vr;
    *same = 0;
    if (read_row(x, t, rowid, &buf, &st) == 1) {
        if (expected_entry(x, ix, rowid, &vr) != 0)
            st = st_set(ST_ENOMEM, "out of memory (integrity check)");
        else
            *same = x->kb.len == mine.len &&
                    (mine.len == 0 || memcmp(x->kb.p, mine.p, mine.len) == 0);
    }
    free(buf);
    rec_buf_free(&x->kb);
    x->kb = mine;
    return st;
}

/* Walks t, probing ix for each row's expected entry: names the rows that have none. */
static int rows_have_entries(xck *x, cat_table *t, cat_index *ix)
{
    bt_cursor *cur = NULL;
    int st = bt_cursor_open(t->tree, &cur);
    if (st != ST_OK)
        return st;
    char what[300];
    snprintf(what, sizeof what, "index \"%s\" of table \"%s\"", ix->name, t->name);
    int have_prev = 0;
    int64_t prev = 0;
    for (st = bt_first(cur); st == ST_OK && bt_cursor_valid(cur); st = bt_next(cur)) {
        bt_key k;
        const void *v;
        size_t vlen;
        if ((st = bt_cursor_key(cur, &k)) != ST_OK)
            break;
        if (have_prev && k.rowid <= prev)
            break; /* reported by the table walk */
        prev = k.rowid;
        have_prev = 1;
        if ((st = bt_cursor_value(cur, &v, &vlen)) != ST_OK)
            break;
        if (rec_decode(v, vlen, k.rowid, x->vals, t->ncols) != 0)
            continue; /* reported by the table walk */
        int vr;
        if (expected_entry(x, ix, k.rowid, &vr) != 0) {
            st = st_set(ST_ENOMEM, "out of memory (integrity check)");
            break;
        }
        bt_key ik = bt_bytes_key(x->kb.p, x->kb.len);
        void *iv = NULL;
        size_t ivlen = 0;
        st = bt_get(ix->tree, &ik, &iv, &ivlen);
        if (st == ST_ENOTFOUND) { /* st is set again by bt_next */
            cat_key_text(ix, x->kb.p, x->kb.len, x->k1, sizeof x->k1);
            xreport(x, t->root, "row %lld of table \"%s\" has no entry in index \"%s\" "
                    "(Key %s)", (long long)k.rowid, t->name, ix->name, x->k1);
            continue;
        }
        if (st != ST_OK)
            break;
        int64_t other;
        if (vr && entry_rowid(&ik, ivlen, iv, &other) == 0 && other != k.rowid) {
            cat_key_text(ix, x->kb.p, x->kb.len, x->k1, sizeof x->k1);
            int dup = 0;
            if ((st = same_key(x, t, ix, other, &dup)) != ST_OK) {
                free(iv);
                break;
            }
            xreport(x, t->root, "row %lld of table \"%s\" has no entry in index \"%s\": its "
                    "Key %s points to row %lld%s", (long long)k.rowid, t->name, ix->name, x->k1,
                    (long long)other, dup ? ", which holds the same key: a duplicate in a "
                    "unique index" : "");
        }
        /* A wrong value of the row's own entry was reported by the index walk. */
        free(iv);
    }
    bt_cursor_close(cur);
    return st == ST_OK ? ST_OK : walk_failed(x, t->root, what, st);
}

/* ---- part 4: identity counters ------------------------------------------------------------- */

static int check_identity(xck *x, cat_table *t, int col, int64_t max)
{
    bt_key k = bt_int_key(CAT_SEQ_BASE + (int64_t)t->oid * 256 + col);
    void *buf = NULL;
    size_t len = 0;
    int st = bt_get(x->db->cattree, &k, &buf, &len);
    const char *cn = t->cols[col].name;
    if (st == ST_ENOTFOUND) {
        xreport(x, t->root, "table \"%s\": column \"%s\" (GENERATED ALWAYS AS IDENTITY) holds "
                "values up to %lld, but no identity counter is stored", t->name, cn,
                (long long)max);
        return ST_OK;
    }
    if (st != ST_OK)
        return walk_failed(x, t->root, "the identity counters", st);
    value v;
    if (rec_decode(buf, len, 0, &v, 1) != 0 || v.type != VT_INT)
        xreport(x, t->root, "table \"%s\": the identity counter of column \"%s\" is malformed",
                t->name, cn);
    else if (v.u.i <= max)
        xreport(x, t->root, "table \"%s\": the identity counter of column \"%s\" is %lld, not "
                "above the largest value in the column (%lld): values would be handed out "
                "again", t->name, cn, (long long)v.u.i, (long long)max);
    free(buf);
    return ST_OK;
}

/* ---- per table ------------------------------------------------------------------------------- */

/* Part 2 (and the maxima of part 4): walks t, counting the rows that decode. */
static int table_walk(xck *x, cat_table *t, int64_t *nrows, int64_t *max, uint8_t *has_max)
{
    bt_cursor *cur = NULL;
    int st = bt_cursor_open(t->tree, &cur);
    if (st != ST_OK)
        return st;
    char what[300];
    snprintf(what, sizeof what, "table \"%s\"", t->name);
    int have_prev = 0;
    int64_t prev = 0;
    for (st = bt_first(cur); st == ST_OK && bt_cursor_valid(cur); st = bt_next(cur)) {
        bt_key k;
        const void *v;
        size_t vlen;
        if ((st = bt_cursor_key(cur, &k)) != ST_OK)
            break;
        if (have_prev && k.rowid <= prev) {
            xreport(x, t->root, "%s: row ids out of order along the walk (%lld after %lld); "
                    "the rest of the table is not checked", what, (long long)k.rowid,
                    (long long)prev);
            break;
        }
        prev = k.rowid;
        have_prev = 1;
        if ((st = bt_cursor_value(cur, &v, &vlen)) != ST_OK)
            break;
        if (rec_decode(v, vlen, k.rowid, x->vals, t->ncols) != 0) {
            xreport(x, t->root, "%s: row %lld is malformed", what, (long long)k.rowid);
            continue;
        }
        (*nrows)++;
        for (int c = 0; c < t->ncols; c++)
            if (t->cols[c].identity == IDENT_ALWAYS && x->vals[c].type == VT_INT &&
                (!has_max[c] || x->vals[c].u.i > max[c])) {
                max[c] = x->vals[c].u.i;
                has_max[c] = 1;
            }
    }
    bt_cursor_close(cur);
    return st == ST_OK ? ST_OK : walk_failed(x, t->root, what, st);
}

static int check_table(xck *x, cat_table *t)
{
    int64_t nrows = 0;
    int st = ST_OK;
    x->vals = calloc((size_t)t->ncols + 1, sizeof *x->vals);
    int64_t *max = calloc((size_t)t->ncols + 1, sizeof *max);
    uint8_t *has_max = calloc((size_t)t->ncols + 1, 1);
    if (x->vals == NULL || max == NULL || has_max == NULL) {
        st = st_set(ST_ENOMEM, "out of memory (integrity check)");
        goto out;
    }
    uint64_t before = x->problems;
    if ((st = table_walk(x, t, &nrows, max, has_max)) != ST_OK)
        goto out;
    int table_ok = x->problems == before;
    for (int c = 0; c < t->ncols && st == ST_OK; c++)
        if (has_max[c])
            st = check_identity(x, t, c, max[c]);
    for (int i = 0; i < t->nidx && st == ST_OK; i++) {
        int64_t valid = 0;
        before = x->problems;
        st = index_walk(x, t, t->idx[i], &valid);
        /* Every row has its entry when the valid entries are as many as the rows (see the
         * top of the file); otherwise name the rows without one. */
        if (st == ST_OK && (valid != nrows || x->problems != before || !table_ok ||
                            x->pages_broken))
            st = rows_have_entries(x, t, t->idx[i]);
    }
out:
    free(x->vals);
    x->vals = NULL;
    free(max);
    free(has_max);
    return st;
}

/* ---- acidb_check ------------------------------------------------------------------------------ */

int acidb_check(acidb_db *db, void (*report)(void *ctx, uint64_t page, const char *msg),
                void *ctx, uint64_t *problems)
{
    if (db == NULL || db->magic != DB_MAGIC)
        return ACIDB_MISUSE;
    catalog *c = db_published_catalog(db);
    xck x = {.db = db, .report = report, .ctx = ctx};
    uint64_t found = 0;
    int st = check_pages(&x, c, &found);
    x.pages_broken = found > 0;
    for (int i = 0; i < c->ntables && st == ST_OK; i++)
        st = check_table(&x, c->tables[i]);
    cat_unref(c);
    rec_buf_free(&x.kb);
    if (problems)
        *problems = found + x.problems;
    sql_error e;
    return st == ST_OK ? ACIDB_OK : sql_err_status(&e, st, NULL);
}
