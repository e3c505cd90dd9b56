/*
 * exec.c — running SELECT: table locks, access paths, nested-loop joins, filters, grouping and
 * aggregates, DISTINCT, sorting, LIMIT/OFFSET; and the scan machinery UPDATE/DELETE reuse.
 *
 * A SELECT without aggregates, DISTINCT or ORDER BY streams: each acidb_step advances the join
 * to its next row. Otherwise every row is computed at the first step into s->res, then
 * handed out one by one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/expr.h"
#include "engine/stmt.h"
#include "pager/status.h"
#include "wal/btx.h"
#include "engine/sqlstate.h"

int exec_eval(acidb_stmt *s, const sql_expr *e, value *const *rows, const value *aggs, value *out)
{
    ex_ctx c = {.rows = (const value *const *)rows, .params = s->params, .nparams = s->nparams,
                .aggs = aggs, .tmp = &s->run, .err = &s->conn->err};
    return ex_eval(e, &c, out);
}

/* Maps a lock-manager result for a row/table lock into the connection's error. */
int exec_lock_status(acidb_stmt *s, int lrc, const char *what, const char *table)
{
    sql_error *err = &s->conn->err;
    if (lrc == LK_OK)
        return ACIDB_OK; /* the hot path: no message is built */
    lk_txn *lt = txn_locks(s->conn->t);
    switch (lrc) {
    case LK_OK:
        return ACIDB_OK;
    case LK_DEADLOCK:
        return sql_err(err, ACIDB_DEADLOCK, ERRCODE_T_R_DEADLOCK_DETECTED, -1,
                       "deadlock detected\nDETAIL:  %s",
                       lk_txn_errmsg(lt));
    case LK_TIMEOUT:
        return sql_err(err, ACIDB_LOCK_TIMEOUT, ERRCODE_LOCK_NOT_AVAILABLE, -1,
                       "canceling statement due to lock timeout\nDETAIL:  %s", lk_txn_errmsg(lt));
    case LK_UNAVAILABLE:
        return sql_err(err, ACIDB_LOCK_TIMEOUT, ERRCODE_LOCK_NOT_AVAILABLE, -1,
                       "could not obtain lock on %s \"%s\"",
                       what, table);
    case LK_CANCELED:
        return sql_err(err, ACIDB_CANCELED, ERRCODE_QUERY_CANCELED, -1,
                       "canceling statement due to user request");
    case LK_NOMEM:
        return sql_err_nomem(err, "in the lock manager");
    default:
        return sql_err(err, ACIDB_MISUSE, ERRCODE_INTERNAL_ERROR, -1,
                       "lock manager: %s", lk_txn_errmsg(lt));
    }
}

static int check_interrupt(acidb_stmt *s)
{
    if (atomic_load(&s->conn->interrupt))
        return sql_err(&s->conn->err, ACIDB_CANCELED, ERRCODE_QUERY_CANCELED, -1,
                       "canceling statement due to user request");
    return ACIDB_OK;
}

/* ---- table locks at statement start ----------------------------------------------------------- */

/* The table-level lock a FROM item needs before its first read (stmt.h, "Locks"). */
static lk_mode_t table_mode(const plan_src *ps)
{
    if (ps->point)
        return ps->lock != LOCK_NONE && ps->lock != LOCK_FOR_SHARE ? LK_IX : LK_IS;
    if (ps->lockwait != LOCKWAIT_WAIT && ps->lock != LOCK_NONE)
        return ps->lock == LOCK_FOR_SHARE ? LK_IS : LK_IX;
    return LK_S;
}

int exec_open_tables(acidb_stmt *s, sel_plan *p)
{
    lk_txn *lt = txn_locks(s->conn->t);
    for (int i = 0; i < p->nsrc; i++) {
        lk_res_t r = lk_res_table((uint32_t)p->src[i].t->root);
        int rc = exec_lock_status(s, lk_acquire(lt, &r, table_mode(&p->src[i]), LK_WAIT),
                                  "relation", p->src[i].t->name);
        if (rc != ACIDB_OK)
            return rc;
    }
    s->scans = ar_alloc(&s->run, (size_t)(p->nsrc + 1) * sizeof *s->scans);
    if (s->scans == NULL)
        return sql_err_nomem(&s->conn->err, NULL);
    for (int i = 0; i < p->nsrc; i++) {
        s->scans[i].vals = ar_alloc(&s->run, (size_t)p->src[i].t->ncols * sizeof(value));
        if (s->scans[i].vals == NULL)
            return sql_err_nomem(&s->conn->err, NULL);
        ar_init(&s->scans[i].ar);
    }
    s->jrows = ar_alloc(&s->run, (size_t)(p->nsrc + 1) * sizeof *s->jrows);
    if (s->jrows == NULL)
        return sql_err_nomem(&s->conn->err, NULL);
    return ACIDB_OK;
}

void exec_close_scans(acidb_stmt *s, sel_plan *p)
{
    if (s->scans == NULL)
        return;
    for (int i = 0; i < p->nsrc; i++) {
        scan_state *ss = &s->scans[i];
        bt_cursor_close(ss->cur);
        ss->cur = NULL;
        free(ss->buf);
        ss->buf = NULL;
        rec_buf_free(&ss->key);
        ar_free(&ss->ar);
        ss->open = 0;
    }
    s->scans = NULL;
}

/* ---- scans -------------------------------------------------------------------------------- */

static int row_lock(acidb_stmt *s, const plan_src *ps, int64_t rowid, lk_mode_t mode,
                    lk_policy_t policy)
{
    lk_res_t r = lk_res_row((uint32_t)ps->t->root, (uint64_t)rowid);
    int lrc = lk_acquire(txn_locks(s->conn->t), &r, mode, policy);
    if (lrc == LK_NOT_GRANTED)
        return ACIDB_ROW; /* SKIP LOCKED: "skip" */
    return exec_lock_status(s, lrc, "row in relation", ps->t->name);
}

static lk_policy_t policy_of(const plan_src *ps)
{
    return ps->lockwait == LOCKWAIT_NOWAIT ? LK_NOWAIT
         : ps->lockwait == LOCKWAIT_SKIP ? LK_SKIP_LOCKED : LK_WAIT;
}

static lk_mode_t row_mode(const plan_src *ps)
{
    return ps->lock == LOCK_FOR_UPDATE ? LK_X : LK_S;
}

static int decode_row(acidb_stmt *s, const plan_src *ps, scan_state *ss, const void *val,
                      size_t len, int64_t rowid)
{
    ss->rowid = rowid;
    if (rec_decode(val, len, rowid, ss->vals, ps->t->ncols) != 0)
        return sql_err(&s->conn->err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                       "row %lld of table \"%s\" is malformed (database file %s)",
                       (long long)rowid, ps->t->name, s->conn->db->path);
    return ACIDB_OK;
}

/* Reads row `rowid` of the item's table into ss (a malloc'd copy). ACIDB_DONE if absent. */
static int fetch_row(acidb_stmt *s, const plan_src *ps, scan_state *ss, int64_t rowid)
{
    free(ss->buf);
    ss->buf = NULL;
    size_t len = 0;
    bt_key k = bt_int_key(rowid);
    int st = bt_get(ps->t->tree, &k, &ss->buf, &len);
    ss->buflen = len;
    if (st == ST_ENOTFOUND)
        return ACIDB_DONE;
    if (st != ST_OK)
        return conn_status(s->conn, st, "reading a row");
    return decode_row(s, ps, ss, ss->buf, len, rowid);
}

/* Evaluates the item's equality values into ss->key (index prefix). ACIDB_DONE if one is NULL
 * (nothing equals NULL). */
static int eval_prefix(acidb_stmt *s, const plan_src *ps, scan_state *ss, value *const *rows)
{
    ss->key.len = 0;
    for (int i = 0; i < ps->neq; i++) {
        value v;
        int rc = exec_eval(s, ps->eq[i], rows, NULL, &v);
        if (rc != ACIDB_OK)
            return rc;
        if (v.type == VT_NULL)
            return ACIDB_DONE;
        rec_key_value(&ss->key, &v);
    }
    if (ss->key.oom)
        return sql_err_nomem(&s->conn->err, NULL);
    return ACIDB_OK;
}

static int eval_bounds(acidb_stmt *s, const plan_src *ps, scan_state *ss, value *const *rows)
{
    ss->has_lo = ss->has_hi = 0;
    if (ps->lo != NULL) {
        int rc = exec_eval(s, ps->lo, rows, NULL, &ss->lo);
        if (rc != ACIDB_OK)
            return rc;
        if (ss->lo.type == VT_NULL)
            return ACIDB_DONE;
        if (val_copy(&ss->ar, &ss->lo, &ss->lo) != 0)
            return sql_err_nomem(&s->conn->err, NULL);
        ss->has_lo = 1;
    }
    if (ps->hi != NULL) {
        int rc = exec_eval(s, ps->hi, rows, NULL, &ss->hi);
        if (rc != ACIDB_OK)
            return rc;
        if (ss->hi.type == VT_NULL)
            return ACIDB_DONE;
        if (val_copy(&ss->ar, &ss->hi, &ss->hi) != 0)
            return sql_err_nomem(&s->conn->err, NULL);
        ss->has_hi = 1;
    }
    return ACIDB_OK;
}

/* Point lookup through a unique index: lock the key, find the row id, lock and read the row. */
static int point_index(acidb_stmt *s, const plan_src *ps, scan_state *ss)
{
    bt_key k = bt_bytes_key(ss->key.p, ss->key.len);
    lk_mode_t mode = row_mode(ps);
    if (ps->lockwait == LOCKWAIT_WAIT || ps->lock == LOCK_NONE) {
        int st = btx_lock(s->conn->t, ps->ix->tree, &k, mode);
        if (st != ST_OK)
            return conn_status(s->conn, st, NULL);
    }
    void *val = NULL;
    size_t len = 0;
    int st = bt_get(ps->ix->tree, &k, &val, &len);
    if (st == ST_ENOTFOUND)
        return ACIDB_DONE;
    if (st != ST_OK)
        return conn_status(s->conn, st, "reading an index");
    int64_t rowid = 0;
    if (len == 8)
        for (int b = 7; b >= 0; b--)
            rowid = (int64_t)(((uint64_t)rowid << 8) | ((uint8_t *)val)[b]);
    free(val);
    if (len != 8)
        return sql_err(&s->conn->err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                       "index \"%s\" entry has a %zu-byte value", ps->ix->name, len);
    int rc = row_lock(s, ps, rowid, mode, policy_of(ps));
    if (rc == ACIDB_ROW)
        return ACIDB_DONE; /* skipped */
    if (rc != ACIDB_OK)
        return rc;
    rc = fetch_row(s, ps, ss, rowid);
    if (rc == ACIDB_DONE && (ps->lockwait == LOCKWAIT_WAIT || ps->lock == LOCK_NONE)) {
        /* Under the key's lock the entry and its row cannot part: a row is removed only after
         * its index entries, under the same key lock (dml.c). So the index is corrupted
         * (XX002, PostgreSQL's index_corrupted); without the key lock (NOWAIT, SKIP LOCKED)
         * the row may have gone since the entry was read. */
        char key[400];
        cat_key_text(ps->ix, ss->key.p, ss->key.len, key, sizeof key);
        return sql_err(&s->conn->err, ACIDB_CORRUPT, ERRCODE_INDEX_CORRUPTED, -1,
                       "index \"%s\" of table \"%s\" is corrupted\nDETAIL:  Its entry for Key "
                       "%s points to row %lld, which does not exist.", ps->ix->name,
                       ps->t->name, key, (long long)rowid);
    }
    return rc;
}

/* Opens item i's scan for the current rows of the items before it. */
static int scan_open(acidb_stmt *s, sel_plan *p, int i, value *const *rows)
{
    const plan_src *ps = &p->src[i];
    scan_state *ss = &s->scans[i];
    ss->open = 1;
    ss->done = 0;
    ar_free(&ss->ar);
    int rc = ACIDB_OK, st = ST_OK;
    switch (ps->ap) {
    case AP_ROWID_EQ: {
        value v;
        ss->done = 1; /* at most one row: the first scan_next returns it */
        if ((rc = exec_eval(s, ps->eq[0], rows, NULL, &v)) != ACIDB_OK)
            return rc;
        if (v.type == VT_NULL) {
            ss->rowid = 0;
            ss->done = 2; /* empty */
            return ACIDB_OK;
        }
        rc = row_lock(s, ps, v.u.i, row_mode(ps), policy_of(ps));
        if (rc == ACIDB_ROW) {
            ss->done = 2;
            return ACIDB_OK;
        }
        if (rc != ACIDB_OK)
            return rc;
        rc = fetch_row(s, ps, ss, v.u.i);
        if (rc == ACIDB_DONE) {
            ss->done = 2;
            return ACIDB_OK;
        }
        return rc;
    }
    case AP_INDEX_EQ:
        if ((rc = eval_prefix(s, ps, ss, rows)) == ACIDB_DONE) {
            ss->done = 2;
            return ACIDB_OK;
        }
        if (rc != ACIDB_OK)
            return rc;
        if (ps->point) {
            ss->done = 1;
            rc = point_index(s, ps, ss);
            if (rc == ACIDB_DONE) {
                ss->done = 2;
                return ACIDB_OK;
            }
            return rc;
        }
        if (ss->cur == NULL && (st = bt_cursor_open(ps->ix->tree, &ss->cur)) != ST_OK)
            break;
        {
            bt_key k = bt_bytes_key(ss->key.p, ss->key.len);
            int exact;
            st = bt_seek(ss->cur, &k, &exact);
        }
        ss->done = 0;
        break;
    case AP_ROWID_RANGE:
        if ((rc = eval_bounds(s, ps, ss, rows)) == ACIDB_DONE) {
            ss->done = 2;
            return ACIDB_OK;
        }
        if (rc != ACIDB_OK)
            return rc;
        if (ss->cur == NULL && (st = bt_cursor_open(ps->t->tree, &ss->cur)) != ST_OK)
            break;
        if (ss->has_lo) {
            bt_key k = bt_int_key(ss->lo.u.i);
            int exact;
            st = bt_seek(ss->cur, &k, &exact);
        } else {
            st = bt_first(ss->cur);
        }
        break;
    case AP_INDEX_RANGE:
        if ((rc = eval_bounds(s, ps, ss, rows)) == ACIDB_DONE) {
            ss->done = 2;
            return ACIDB_OK;
        }
        if (rc != ACIDB_OK)
            return rc;
        if (ss->cur == NULL && (st = bt_cursor_open(ps->ix->tree, &ss->cur)) != ST_OK)
            break;
        if (ss->has_lo) {
            ss->key.len = 0;
            rec_key_value(&ss->key, &ss->lo);
            if (ss->key.oom)
                return sql_err_nomem(&s->conn->err, NULL);
            bt_key k = bt_bytes_key(ss->key.p, ss->key.len);
            int exact;
            st = bt_seek(ss->cur, &k, &exact);
        } else {
            st = bt_first(ss->cur);
        }
        break;
    default:
        if (ss->cur == NULL && (st = bt_cursor_open(ps->t->tree, &ss->cur)) != ST_OK)
            break;
        st = bt_first(ss->cur);
        break;
    }
    if (st != ST_OK)
        return conn_status(s->conn, st, "opening a scan");
    ss->done = 0; /* 0: positioned on the first candidate; 3: on a row already returned */
    return ACIDB_OK;
}

/* Row id referenced by the index entry under the cursor. */
static int index_entry_rowid(acidb_stmt *s, const plan_src *ps, const bt_key *k, const void *val,
                             size_t len, int64_t *rowid)
{
    if (len == 8) {
        uint64_t r = 0;
        for (int b = 7; b >= 0; b--)
            r = (r << 8) | ((const uint8_t *)val)[b];
        *rowid = (int64_t)r;
        return ACIDB_OK;
    }
    if (k->len < 8)
        return sql_err(&s->conn->err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                       "index \"%s\" has a %zu-byte key", ps->ix->name, k->len);
    *rowid = rec_key_get_rowid(k->bytes, k->len);
    return ACIDB_OK;
}

/* Advances item i's scan to its next candidate row: ACIDB_ROW, ACIDB_DONE or an error. */
static int scan_next(acidb_stmt *s, sel_plan *p, int i)
{
    const plan_src *ps = &p->src[i];
    scan_state *ss = &s->scans[i];
    if (ss->done == 2)
        return ACIDB_DONE;
    if (ss->done == 1) { /* a point lookup's single row */
        ss->done = 2;
        return ACIDB_ROW;
    }
    int st;
    for (;;) {
        if (ss->done == 3) {
            /* Not the first call: move on from the row returned last time. */
            if ((st = bt_next(ss->cur)) != ST_OK)
                return conn_status(s->conn, st, "scanning");
        }
        ss->done = 3;
        if (!bt_cursor_valid(ss->cur)) {
            ss->done = 2;
            return ACIDB_DONE;
        }
        bt_key k;
        const void *val;
        size_t len;
        if ((st = bt_cursor_key(ss->cur, &k)) != ST_OK)
            return conn_status(s->conn, st, "scanning");
        st = bt_cursor_value(ss->cur, &val, &len);
        if (st == ST_ENOTFOUND)
            continue; /* deleted under us (overflow value): skip */
        if (st != ST_OK)
            return conn_status(s->conn, st, "scanning");
        if (ps->ap == AP_FULL || ps->ap == AP_ROWID_RANGE) {
            if (ps->ap == AP_ROWID_RANGE) {
                if (ss->has_lo && !ps->lo_incl && k.rowid == ss->lo.u.i)
                    continue;
                if (ss->has_hi && (k.rowid > ss->hi.u.i || (!ps->hi_incl && k.rowid == ss->hi.u.i))) {
                    ss->done = 2;
                    return ACIDB_DONE;
                }
            }
            int rc = decode_row(s, ps, ss, val, len, k.rowid);
            return rc == ACIDB_OK ? ACIDB_ROW : rc;
        }
        /* Index scans. */
        if (ps->ap == AP_INDEX_EQ) {
            if (k.len < ss->key.len || memcmp(k.bytes, ss->key.p, ss->key.len) != 0) {
                ss->done = 2;
                return ACIDB_DONE;
            }
        } else { /* AP_INDEX_RANGE on the first column */
            size_t off = 0;
            value first;
            first.type = ps->t->cols[ps->ix->cols[0]].type; /* keys do not record types */
            ar_mark m = ar_get_mark(&ss->ar);
            if (rec_key_decode_value(k.bytes, k.len, &off, &ss->ar, &first) != 0)
                return sql_err(&s->conn->err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                               "index \"%s\" has a malformed key", ps->ix->name);
            int stop = first.type == VT_NULL, skip = 0;
            if (!stop && ss->has_hi) {
                int c = val_cmp(&first, &ss->hi);
                stop = c > 0 || (c == 0 && !ps->hi_incl);
            }
            if (!stop && ss->has_lo && !ps->lo_incl && val_cmp(&first, &ss->lo) == 0)
                skip = 1;
            ar_release_to(&ss->ar, m);
            if (stop) {
                ss->done = 2;
                return ACIDB_DONE;
            }
            if (skip)
                continue;
        }
        int64_t rowid = 0;
        int rc = index_entry_rowid(s, ps, &k, val, len, &rowid);
        if (rc != ACIDB_OK)
            return rc;
        rc = fetch_row(s, ps, ss, rowid);
        if (rc == ACIDB_DONE)
            continue; /* the index entry of a row deleted by this transaction meanwhile */
        return rc == ACIDB_OK ? ACIDB_ROW : rc;
    }
}

/* Filters of item i on the current rows, then the row lock a locking read needs. ACIDB_ROW:
 * keep, ACIDB_DONE: skip, else an error. */
static int accept_row(acidb_stmt *s, sel_plan *p, int i, value *const *rows)
{
    const plan_src *ps = &p->src[i];
    scan_state *ss = &s->scans[i];
    for (int pass = 0; pass < 2; pass++) {
        for (int f = 0; f < ps->nfilters; f++) {
            value v;
            int rc = exec_eval(s, ps->filters[f], rows, NULL, &v);
            if (rc != ACIDB_OK)
                return rc;
            if (!ex_true(&v))
                return ACIDB_DONE;
        }
        if (pass == 1 || ps->point || ps->lock == LOCK_NONE || s->lock_late)
            return ACIDB_ROW;
        /* A locking read of a scanned row. Under the table's S lock the row cannot have
         * changed; with NOWAIT / SKIP LOCKED only an intention lock is held, so once the row
         * lock is granted the row is read again and the filters re-checked. */
        int rc = row_lock(s, ps, ss->rowid, row_mode(ps), policy_of(ps));
        if (rc == ACIDB_ROW)
            return ACIDB_DONE; /* SKIP LOCKED */
        if (rc != ACIDB_OK)
            return rc;
        if (ps->lockwait == LOCKWAIT_WAIT)
            return ACIDB_ROW;
        /* Keep the cursor where it is; read the row into ss->buf. */
        void *buf = NULL;
        size_t len = 0;
        bt_key k = bt_int_key(ss->rowid);
        int st = bt_get(ps->t->tree, &k, &buf, &len);
        if (st == ST_ENOTFOUND)
            return ACIDB_DONE;
        if (st != ST_OK)
            return conn_status(s->conn, st, "reading a row");
        free(ss->buf);
        ss->buf = buf;
        int64_t rowid = ss->rowid;
        if ((rc = decode_row(s, ps, ss, buf, len, rowid)) != ACIDB_OK)
            return rc;
    }
    return ACIDB_ROW;
}

/* The next row of the join (all items positioned). rows_out[i] = item i's values. */
int exec_scan_next(acidb_stmt *s, sel_plan *p, value **rows)
{
    for (int i = 0; i < p->nsrc; i++)
        rows[i] = s->scans[i].vals;
    int lvl = s->level;
    if (!s->started) {
        s->started = 1;
        /* Constant conjuncts (WHERE 1 = 0, WHERE $1) decide once. */
        for (int f = 0; f < p->nconst; f++) {
            value v;
            int rc = exec_eval(s, p->const_filters[f], rows, NULL, &v);
            if (rc != ACIDB_OK)
                return rc;
            if (!ex_true(&v))
                return ACIDB_DONE;
        }
        if (p->nsrc == 0) {
            s->level = -1;
            return ACIDB_ROW;
        }
        lvl = 0;
    } else if (p->nsrc == 0 || lvl < 0) {
        return ACIDB_DONE;
    }
    for (;;) {
        int rc = check_interrupt(s);
        if (rc != ACIDB_OK)
            return rc;
        scan_state *ss = &s->scans[lvl];
        if (!ss->open && (rc = scan_open(s, p, lvl, rows)) != ACIDB_OK)
            return rc;
        rc = scan_next(s, p, lvl);
        if (rc == ACIDB_DONE) {
            ss->open = 0;
            free(ss->buf);
            ss->buf = NULL;
            if (lvl == 0) {
                s->level = -1;
                return ACIDB_DONE;
            }
            lvl--;
            continue;
        }
        if (rc != ACIDB_ROW)
            return rc;
        rc = accept_row(s, p, lvl, rows);
        if (rc == ACIDB_DONE)
            continue;
        if (rc != ACIDB_ROW)
            return rc;
        if (lvl == p->nsrc - 1) {
            s->level = lvl;
            return ACIDB_ROW;
        }
        lvl++;
    }
}

/* ---- materialized results -------------------------------------------------------------------- */

int exec_res_push(acidb_stmt *s, const value *vals, int n)
{
    if (s->nres == s->cap_res) {
        int64_t cap = s->cap_res ? s->cap_res * 2 : 64;
        value **nr = realloc(s->res, (size_t)cap * sizeof *nr);
        if (nr == NULL)
            return sql_err_nomem(&s->conn->err, NULL);
        s->res = nr;
        s->cap_res = cap;
    }
    /* Rows live in the run arena below the per-row scratch mark. */
    value *row = ar_alloc(&s->run, (size_t)(n ? n : 1) * sizeof *row);
    if (row == NULL)
        return sql_err_nomem(&s->conn->err, NULL);
    for (int i = 0; i < n; i++)
        if (val_copy(&s->run, &vals[i], &row[i]) != 0)
            return sql_err_nomem(&s->conn->err, NULL);
    s->res[s->nres++] = row;
    return ACIDB_OK;
}

static _Thread_local const sel_plan *sort_plan;
static _Thread_local int sort_base;

static int cmp_rows(const void *a, const void *b)
{
    const value *x = *(value *const *)a, *y = *(value *const *)b;
    const sel_plan *p = sort_plan;
    for (int i = 0; i < p->norder; i++) {
        const value *u = &x[sort_base + i], *v = &y[sort_base + i];
        int c;
        if (u->type == VT_NULL || v->type == VT_NULL) {
            if (u->type == v->type)
                continue;
            c = u->type == VT_NULL ? 1 : -1; /* NULL last ... */
            if (p->nulls_first[i])
                c = -c;                      /* ... unless NULLS FIRST */
            return c;
        }
        c = val_cmp(u, v);
        if (c != 0)
            return p->desc[i] ? -c : c;
    }
    return 0;
}

/* Hash set of row indexes keyed by their first `width` values (DISTINCT, GROUP BY). */
typedef struct rowset {
    int64_t *slot;   /* index+1 into rows, 0 empty */
    uint64_t mask;
    int64_t n;
} rowset;

static uint64_t hash_vals(const value *v, int n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < n; i++)
        h = val_hash(&v[i], h);
    return h;
}

static int vals_equal(const value *a, const value *b, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i].type != b[i].type)
            return 0;
        if (a[i].type != VT_NULL && val_cmp(&a[i], &b[i]) != 0)
            return 0;
    }
    return 1;
}

/* Finds the row equal to key in rows, or inserts index `idx` for it. Returns the index found
 * (or idx when inserted), -1 out of memory. */
static int64_t rowset_find_or_add(rowset *h, value **rows, const value *key, int width, int64_t idx)
{
    if ((uint64_t)(h->n + 1) * 2 > h->mask + 1 || h->slot == NULL) {
        uint64_t size = h->slot ? (h->mask + 1) * 2 : 64;
        int64_t *ns = calloc(size, sizeof *ns);
        if (ns == NULL)
            return -1;
        for (uint64_t i = 0; h->slot && i <= h->mask; i++)
            if (h->slot[i]) {
                uint64_t j = hash_vals(rows[h->slot[i] - 1], width) & (size - 1);
                while (ns[j])
                    j = (j + 1) & (size - 1);
                ns[j] = h->slot[i];
            }
        free(h->slot);
        h->slot = ns;
        h->mask = size - 1;
    }
    uint64_t j = hash_vals(key, width) & h->mask;
    while (h->slot[j]) {
        if (vals_equal(rows[h->slot[j] - 1], key, width))
            return h->slot[j] - 1;
        j = (j + 1) & h->mask;
    }
    h->slot[j] = idx + 1;
    h->n++;
    return idx;
}

/* Output row = targets then ORDER BY keys. */
static int project(acidb_stmt *s, sel_plan *p, value *const *rows, const value *aggs, value *out)
{
    for (int i = 0; i < p->ntargets; i++) {
        int rc = exec_eval(s, p->targets[i], rows, aggs, &out[i]);
        if (rc != ACIDB_OK)
            return rc;
    }
    for (int i = 0; i < p->norder; i++) {
        int rc = exec_eval(s, p->order[i], rows, aggs, &out[p->ntargets + i]);
        if (rc != ACIDB_OK)
            return rc;
    }
    if (s->lock_late) /* the row ids to lock when the row is emitted */
        for (int i = 0; i < p->nsrc; i++)
            out[p->ntargets + p->norder + i] = val_int(s->scans[i].rowid);
    return ACIDB_OK;
}

/* A sorted locking read (ORDER BY ... FOR UPDATE): like PostgreSQL's LockRows above the Sort,
 * rows are locked only when they are handed out, so LIMIT 1 SKIP LOCKED locks one row. Once
 * locked, each row is read again and the filters re-checked (it may have changed while
 * unlocked); ACIDB_DONE: skip it. */
static int lock_emitted(acidb_stmt *s, sel_plan *p, const value *res)
{
    for (int i = 0; i < p->nsrc; i++) {
        const plan_src *ps = &p->src[i];
        int64_t rowid = res[p->ntargets + p->norder + i].u.i;
        if (ps->lock != LOCK_NONE && !ps->point) {
            int rc = row_lock(s, ps, rowid, row_mode(ps), policy_of(ps));
            if (rc == ACIDB_ROW)
                return ACIDB_DONE;
            if (rc != ACIDB_OK)
                return rc;
        }
        int rc = fetch_row(s, ps, &s->scans[i], rowid);
        if (rc != ACIDB_OK)
            return rc;
    }
    for (int i = 0; i < p->nsrc; i++) {
        s->jrows[i] = s->scans[i].vals;
        for (int f = 0; f < p->src[i].nfilters; f++) {
            value v;
            int rc = exec_eval(s, p->src[i].filters[f], s->jrows, NULL, &v);
            if (rc != ACIDB_OK)
                return rc;
            if (!ex_true(&v))
                return ACIDB_DONE;
        }
    }
    for (int i = 0; i < p->ntargets; i++) {
        int rc = exec_eval(s, p->targets[i], s->jrows, NULL, &s->row[i]);
        if (rc != ACIDB_OK)
            return rc;
    }
    return ACIDB_ROW;
}

/* One group of an aggregate query: its key, a copy of its first row, its accumulators. */
typedef struct group {
    value **rep;        /* per FROM item: copies of the first row's values */
    ex_accum *acc;
    rowset *seen;       /* per aggregate with DISTINCT: values already counted */
    value ***seen_rows; /* per aggregate: the distinct values seen (each a value*) */
    int64_t *nseen, *capseen;
} group;

static int group_add_row(acidb_stmt *s, sel_plan *p, group *g, value *const *rows)
{
    for (int a = 0; a < p->naggs; a++) {
        const sql_expr *ae = p->aggs[a];
        value v = val_bool(1);
        if (!ae->star) {
            int rc = exec_eval(s, ae->args[0], rows, NULL, &v);
            if (rc != ACIDB_OK)
                return rc;
        }
        if (ae->distinct && v.type != VT_NULL) {
            if (g->nseen[a] == g->capseen[a]) {
                int64_t cap = g->capseen[a] ? g->capseen[a] * 2 : 16;
                value **n = realloc(g->seen_rows[a], (size_t)cap * sizeof *n);
                if (n == NULL)
                    return sql_err_nomem(&s->conn->err, NULL);
                g->seen_rows[a] = n;
                g->capseen[a] = cap;
            }
            value *cp = ar_alloc(&s->run, sizeof *cp);
            if (cp == NULL || val_copy(&s->run, &v, cp) != 0)
                return sql_err_nomem(&s->conn->err, NULL);
            g->seen_rows[a][g->nseen[a]] = cp;
            int64_t f = rowset_find_or_add(&g->seen[a], g->seen_rows[a], cp, 1, g->nseen[a]);
            if (f < 0)
                return sql_err_nomem(&s->conn->err, NULL);
            if (f != g->nseen[a])
                continue; /* counted already */
            g->nseen[a]++;
        }
        int rc = ex_accum_step(&g->acc[a], &v, &s->run, &s->conn->err);
        if (rc != ACIDB_OK)
            return rc;
    }
    return ACIDB_OK;
}

static group *group_new(acidb_stmt *s, sel_plan *p, value *const *rows)
{
    group *g = ar_alloc(&s->run, sizeof *g);
    if (g == NULL)
        return NULL;
    g->rep = ar_alloc(&s->run, (size_t)(p->nsrc + 1) * sizeof *g->rep);
    g->acc = ar_alloc(&s->run, (size_t)(p->naggs + 1) * sizeof *g->acc);
    g->seen = ar_alloc(&s->run, (size_t)(p->naggs + 1) * sizeof *g->seen);
    g->seen_rows = ar_alloc(&s->run, (size_t)(p->naggs + 1) * sizeof *g->seen_rows);
    g->nseen = ar_alloc(&s->run, (size_t)(p->naggs + 1) * sizeof *g->nseen);
    g->capseen = ar_alloc(&s->run, (size_t)(p->naggs + 1) * sizeof *g->capseen);
    if (!g->rep || !g->acc || !g->seen || !g->seen_rows || !g->nseen || !g->capseen)
        return NULL;
    for (int i = 0; i < p->nsrc; i++) {
        int n = p->src[i].t->ncols;
        g->rep[i] = ar_alloc(&s->run, (size_t)n * sizeof(value));
        if (g->rep[i] == NULL)
            return NULL;
        for (int c = 0; c < n; c++)
            if (rows == NULL)
                g->rep[i][c] = val_null();
            else if (val_copy(&s->run, &rows[i][c], &g->rep[i][c]) != 0)
                return NULL;
    }
    for (int a = 0; a < p->naggs; a++)
        ex_accum_init(&g->acc[a], p->aggs[a]->agg);
    return g;
}

static void group_free_sets(sel_plan *p, group **gs, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        for (int a = 0; a < p->naggs; a++) {
            free(gs[i]->seen[a].slot);
            free(gs[i]->seen_rows[a]);
        }
}

/* Runs an aggregate query into s->res. */
static int run_grouped(acidb_stmt *s, sel_plan *p, value **rows)
{
    int width = p->ngroup;
    value **keys = NULL;
    group **groups = NULL;
    int64_t ng = 0, cap = 0;
    rowset h = {0};
    int rc;
    value *key = ar_alloc(&s->run, (size_t)(width + 1) * sizeof *key);
    if (key == NULL)
        return sql_err_nomem(&s->conn->err, NULL);
    while ((rc = exec_scan_next(s, p, rows)) == ACIDB_ROW) {
        ar_mark m = ar_get_mark(&s->run);
        for (int i = 0; i < width; i++)
            if ((rc = exec_eval(s, p->group[i], rows, NULL, &key[i])) != ACIDB_OK)
                goto out;
        if (ng == cap) {
            cap = cap ? cap * 2 : 64;
            value **nk = realloc(keys, (size_t)cap * sizeof *nk);
            group **ngp = nk ? realloc(groups, (size_t)cap * sizeof *ngp) : NULL;
            if (nk)
                keys = nk;
            if (ngp == NULL) {
                rc = sql_err_nomem(&s->conn->err, NULL);
                goto out;
            }
            groups = ngp;
        }
        /* Tentatively store the key; keep it only if the group is new. */
        value *kc = ar_alloc(&s->run, (size_t)(width + 1) * sizeof *kc);
        if (kc == NULL) {
            rc = sql_err_nomem(&s->conn->err, NULL);
            goto out;
        }
        for (int i = 0; i < width; i++)
            if (val_copy(&s->run, &key[i], &kc[i]) != 0) {
                rc = sql_err_nomem(&s->conn->err, NULL);
                goto out;
            }
        keys[ng] = kc;
        int64_t gi = width ? rowset_find_or_add(&h, keys, kc, width, ng) : (ng ? 0 : ng);
        if (gi < 0) {
            rc = sql_err_nomem(&s->conn->err, NULL);
            goto out;
        }
        if (gi == ng) {
            if ((groups[ng] = group_new(s, p, rows)) == NULL) {
                rc = sql_err_nomem(&s->conn->err, NULL);
                goto out;
            }
            ng++;
        } else {
            ar_release_to(&s->run, m); /* the key copy is not needed */
        }
        if ((rc = group_add_row(s, p, groups[gi], rows)) != ACIDB_OK)
            goto out;
    }
    if (rc != ACIDB_DONE)
        goto out;
    /* Without GROUP BY an aggregate query has exactly one group, even over no rows. */
    if (ng == 0 && width == 0) {
        groups = malloc(sizeof *groups);
        if (groups == NULL || (groups[0] = group_new(s, p, NULL)) == NULL) {
            rc = sql_err_nomem(&s->conn->err, NULL);
            goto out;
        }
        ng = 1;
    }
    int outw = p->ntargets + p->norder;
    value *out = ar_alloc(&s->run, (size_t)(outw + 1) * sizeof *out);
    value *aggv = ar_alloc(&s->run, (size_t)(p->naggs + 1) * sizeof *aggv);
    if (out == NULL || aggv == NULL) {
        rc = sql_err_nomem(&s->conn->err, NULL);
        goto out;
    }
    for (int64_t g = 0; g < ng; g++) {
        for (int a = 0; a < p->naggs; a++)
            if ((rc = ex_accum_final(&groups[g]->acc[a], &s->run, &aggv[a], &s->conn->err)) != ACIDB_OK)
                goto out;
        if (p->having) {
            value v;
            if ((rc = exec_eval(s, p->having, groups[g]->rep, aggv, &v)) != ACIDB_OK)
                goto out;
            if (!ex_true(&v))
                continue;
        }
        if ((rc = project(s, p, groups[g]->rep, aggv, out)) != ACIDB_OK ||
            (rc = exec_res_push(s, out, outw)) != ACIDB_OK)
            goto out;
    }
    rc = ACIDB_OK;
out:
    if (groups)
        group_free_sets(p, groups, ng);
    free(keys);
    free(groups);
    free(h.slot);
    return rc;
}

/* Computes every output row of a SELECT that cannot stream, then sorts / deduplicates. */
static int materialize(acidb_stmt *s, sel_plan *p, value **rows)
{
    int rc;
    int outw = p->ntargets + p->norder + (s->lock_late ? p->nsrc : 0);
    s->res_width = outw;
    if (p->agg) {
        if ((rc = run_grouped(s, p, rows)) != ACIDB_OK)
            return rc;
    } else {
        value *out = ar_alloc(&s->run, (size_t)(outw + 1) * sizeof *out);
        if (out == NULL)
            return sql_err_nomem(&s->conn->err, NULL);
        /* Rows are copied into the run arena by exec_res_push; the projection's temporary
         * texts stay there too (a materialised result lives until the statement ends). */
        while ((rc = exec_scan_next(s, p, rows)) == ACIDB_ROW) {
            if ((rc = project(s, p, rows, NULL, out)) != ACIDB_OK)
                return rc;
            if ((rc = exec_res_push(s, out, outw)) != ACIDB_OK)
                return rc;
        }
        if (rc != ACIDB_DONE)
            return rc;
    }
    if (p->distinct) {
        rowset h = {0};
        int64_t kept = 0;
        for (int64_t i = 0; i < s->nres; i++) {
            int64_t f = rowset_find_or_add(&h, s->res, s->res[i], p->ntargets, kept);
            if (f < 0) {
                free(h.slot);
                return sql_err_nomem(&s->conn->err, NULL);
            }
            if (f == kept) {
                s->res[kept] = s->res[i];
                /* the set indexes rows by position in res: keep positions stable */
                kept++;
            }
        }
        free(h.slot);
        s->nres = kept;
    }
    if (p->norder > 0 && s->nres > 1) { /* qsort's array may not be NULL, even for 0 */
        sort_plan = p;
        sort_base = p->ntargets;
        qsort(s->res, (size_t)s->nres, sizeof *s->res, cmp_rows);
    }
    s->materialized = 1;
    s->res_pos = 0;
    return ACIDB_OK;
}

static int eval_count(acidb_stmt *s, sql_expr *e, const char *what, int64_t *out)
{
    value v;
    int rc = exec_eval(s, e, NULL, NULL, &v);
    if (rc != ACIDB_OK)
        return rc;
    if (v.type == VT_NULL) {
        *out = -1; /* LIMIT NULL: no limit */
        return ACIDB_OK;
    }
    if (v.u.i < 0)
        return sql_err(&s->conn->err, ACIDB_RANGE,
                       what[0] == 'L' ? ERRCODE_INVALID_ROW_COUNT_IN_LIMIT_CLAUSE
                                      : ERRCODE_INVALID_ROW_COUNT_IN_RESULT_OFFSET_CLAUSE,
                       e->pos, "%s must not be negative", what);
    *out = v.u.i;
    return ACIDB_OK;
}

/* The next output row of a SELECT into s->row: ACIDB_ROW or ACIDB_DONE or an error. */
int exec_select_next(acidb_stmt *s, sel_plan *p);
int exec_select_next(acidb_stmt *s, sel_plan *p)
{
    value **rows = s->jrows;
    int rc;
    if (!s->started && !s->materialized) {
        s->limit = -1;
        s->offset = 0;
        if (p->limit && (rc = eval_count(s, p->limit, "LIMIT", &s->limit)) != ACIDB_OK)
            return rc;
        if (p->offset && (rc = eval_count(s, p->offset, "OFFSET", &s->offset)) != ACIDB_OK)
            return rc;
        if (s->offset < 0)
            s->offset = 0;
        s->lock_late = p->norder > 0 && p->nsrc > 0 && p->src[0].lock != LOCK_NONE &&
                       !p->src[0].write;
        if (p->agg || p->distinct || p->norder > 0) {
            if ((rc = materialize(s, p, rows)) != ACIDB_OK)
                return rc;
        }
        s->row_mark = ar_get_mark(&s->run);
    }
    for (;;) {
        if (s->limit >= 0 && s->emitted >= s->limit)
            return ACIDB_DONE;
        ar_release_to(&s->run, s->row_mark);
        if (s->materialized) {
            if (s->res_pos >= s->nres)
                return ACIDB_DONE;
            const value *r = s->res[s->res_pos++];
            if (s->lock_late) {
                rc = lock_emitted(s, p, r);
                if (rc == ACIDB_DONE)
                    continue;
                if (rc != ACIDB_ROW)
                    return rc;
            } else {
                memcpy(s->row, r, (size_t)p->ntargets * sizeof *s->row);
            }
        } else {
            rc = exec_scan_next(s, p, rows);
            if (rc != ACIDB_ROW)
                return rc;
            for (int i = 0; i < p->ntargets; i++)
                if ((rc = exec_eval(s, p->targets[i], rows, NULL, &s->row[i])) != ACIDB_OK)
                    return rc;
        }
        if (s->skipped < s->offset) {
            s->skipped++;
            continue;
        }
        s->emitted++;
        return ACIDB_ROW;
    }
}
