/*
 * dml.c — INSERT, UPDATE and DELETE: row images, constraint checks (NOT NULL, CHECK, UNIQUE,
 * FOREIGN KEY at statement end), index maintenance, RETURNING.
 *
 * UPDATE and DELETE first collect the row ids their WHERE selects (taking the X row locks as
 * they go), then change those rows: a row moved by its own update is never seen twice.
 * INSERT ... SELECT likewise reads its whole source before inserting (the source cannot see
 * the statement's own rows, as in PostgreSQL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/expr.h"
#include "engine/stmt.h"
#include "pager/status.h"
#include "wal/btx.h"
#include "engine/sqlstate.h"

/* ---- messages --------------------------------------------------------------------------------- */

static void append(char *buf, size_t cap, size_t *off, const char *fmt, const char *s, size_t n)
{
    if (*off >= cap)
        return;
    int w = snprintf(buf + *off, cap - *off, fmt, (int)n, s);
    if (w > 0)
        *off += (size_t)w;
}

static void append_value(char *buf, size_t cap, size_t *off, const value *v)
{
    char num[32];
    switch (v->type) {
    case VT_NULL:
        append(buf, cap, off, "%.*s", "null", 4);
        break;
    case VT_INT:
        snprintf(num, sizeof num, "%lld", (long long)v->u.i);
        append(buf, cap, off, "%.*s", num, strlen(num));
        break;
    case VT_BOOL:
        append(buf, cap, off, "%.*s", v->u.i ? "t" : "f", 1);
        break;
    case VT_FLOAT:
        val_float_text(v->u.f, v->len == 4, num);
        append(buf, cap, off, "%.*s", num, strlen(num));
        break;
    default:
        if (ty_vt_ops(v->type) != NULL) {
            char t[128];
            size_t n = ty_vt_ops(v->type)->out(v, t, sizeof t);
            append(buf, cap, off, "%.*s", t, n < sizeof t ? n : sizeof t - 1);
            break;
        }
        append(buf, cap, off, "%.*s", v->u.s, v->len > 200 ? 200 : v->len);
        if (v->len > 200)
            append(buf, cap, off, "%.*s", "...", 3);
        break;
    case VT_UUID: {
        char u[37];
        val_uuid_text((const uint8_t *)v->u.s, u);
        append(buf, cap, off, "%.*s", u, 36);
        break;
    }
    case VT_BYTES: {
        char hex[2 + 2 * 100 + 1];
        size_t n = val_bytea_hex((const uint8_t *)v->u.s, v->len > 100 ? 100 : v->len, hex);
        append(buf, cap, off, "%.*s", hex, n);
        if (v->len > 100)
            append(buf, cap, off, "%.*s", "...", 3);
        break;
    }
    }
}

/* "(1, alice, null)" */
static void format_row(char *buf, size_t cap, const value *vals, int n)
{
    size_t off = 0;
    append(buf, cap, &off, "%.*s", "(", 1);
    for (int i = 0; i < n; i++) {
        if (i)
            append(buf, cap, &off, "%.*s", ", ", 2);
        append_value(buf, cap, &off, &vals[i]);
    }
    append(buf, cap, &off, "%.*s", ")", 1);
}

/* "Key (name)=(alice)" */
static void format_key(char *buf, size_t cap, const cat_table *t, const int *cols, int n,
                       const value *vals)
{
    size_t off = 0;
    append(buf, cap, &off, "%.*s", "Key (", 5);
    for (int i = 0; i < n; i++) {
        if (i)
            append(buf, cap, &off, "%.*s", ", ", 2);
        append(buf, cap, &off, "%.*s", t->cols[cols[i]].name, strlen(t->cols[cols[i]].name));
    }
    append(buf, cap, &off, "%.*s", ")=(", 3);
    for (int i = 0; i < n; i++) {
        if (i)
            append(buf, cap, &off, "%.*s", ", ", 2);
        append_value(buf, cap, &off, &vals[cols[i]]);
    }
    append(buf, cap, &off, "%.*s", ")", 1);
}

static int unique_violation(acidb_stmt *s, const cat_table *t, const char *cname, const int *cols,
                            int n, const value *vals)
{
    char key[600];
    format_key(key, sizeof key, t, cols, n, vals);
    return sql_err(&s->conn->err, ACIDB_CONSTRAINT, ERRCODE_UNIQUE_VIOLATION, -1,
                   "duplicate key value violates unique constraint \"%s\"\nDETAIL:  %s already exists.",
                   cname, key);
}

/* ---- constraints ------------------------------------------------------------------------------ */

/* Characters (not bytes) of valid UTF-8 text. */
static uint32_t utf8_chars(const char *s, uint32_t n)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* CHAR(n): a value shorter than n characters is padded with blanks to n (PostgreSQL's
 * bpchar input), into the statement's run arena. */
static int pad_bpchar(acidb_stmt *s, value *v, int32_t n)
{
    uint32_t chars = utf8_chars(v->u.s, v->len);
    if (chars >= (uint32_t)n)
        return ACIDB_OK;
    size_t len = v->len + (size_t)((uint32_t)n - chars);
    char *p = ar_alloc(&s->run, len + 1);
    if (p == NULL)
        return sql_err_nomem(&s->conn->err, NULL);
    memcpy(p, v->u.s, v->len);
    memset(p + v->len, ' ', len - v->len);
    p[len] = '\0';
    *v = val_text(p, (uint32_t)len);
    return ACIDB_OK;
}

static int check_row(acidb_stmt *s, const cat_table *t, value *vals)
{
    char row[600];
    /* The assignment cast to a narrower integer column (PostgreSQL's int84: "integer out of
     * range"), for every stored value: literals, expressions, parameters, defaults. */
    for (int c = 0; c < t->ncols; c++)
        if (vals[c].type == VT_INT && ty_is_int(t->cols[c].tid) &&
            !ty_int_fits(t->cols[c].tid, vals[c].u.i))
            return sql_err(&s->conn->err, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                           "%s", ty_get(t->cols[c].tid)->range_msg);
    for (int c = 0; c < t->ncols; c++)
        if (t->cols[c].maxlen > 0 && vals[c].type == VT_TEXT &&
            vals[c].len > (uint32_t)t->cols[c].maxlen &&
            utf8_chars(vals[c].u.s, vals[c].len) > (uint32_t)t->cols[c].maxlen) {
            /* PostgreSQL silently drops trailing spaces beyond n; anything else is 22001 */
            uint32_t keep = vals[c].len;
            while (keep > 0 && vals[c].u.s[keep - 1] == ' ' &&
                   utf8_chars(vals[c].u.s, keep) > (uint32_t)t->cols[c].maxlen)
                keep--;
            if (utf8_chars(vals[c].u.s, keep) > (uint32_t)t->cols[c].maxlen)
                return sql_err(&s->conn->err, ACIDB_RANGE, ERRCODE_STRING_DATA_RIGHT_TRUNCATION, -1,
                               "value too long for type %s(%d)", ty_name(t->cols[c].tid),
                               t->cols[c].maxlen);
            vals[c].len = keep;
        }
    for (int c = 0; c < t->ncols; c++)
        if (t->cols[c].tid == TY_BPCHAR && t->cols[c].maxlen > 0 && vals[c].type == VT_TEXT) {
            int rc = pad_bpchar(s, &vals[c], t->cols[c].maxlen);
            if (rc != ACIDB_OK)
                return rc;
        }
    for (int c = 0; c < t->ncols; c++)
        if (t->cols[c].not_null && vals[c].type == VT_NULL) {
            format_row(row, sizeof row, vals, t->ncols);
            return sql_err(&s->conn->err, ACIDB_CONSTRAINT, ERRCODE_NOT_NULL_VIOLATION, -1,
                           "null value in column \"%s\" of relation \"%s\" violates not-null "
                           "constraint\nDETAIL:  Failing row contains %s.", t->cols[c].name,
                           t->name, row);
        }
    value *rows[1] = {vals};
    for (int k = 0; k < t->nchecks; k++) {
        value v;
        int rc = exec_eval(s, t->checks[k].e, rows, NULL, &v);
        if (rc != ACIDB_OK)
            return rc;
        if (v.type == VT_BOOL && v.u.i == 0) { /* NULL passes a CHECK, as in SQL */
            format_row(row, sizeof row, vals, t->ncols);
            return sql_err(&s->conn->err, ACIDB_CONSTRAINT, ERRCODE_CHECK_VIOLATION, -1,
                           "new row for relation \"%s\" violates check constraint \"%s\"\n"
                           "DETAIL:  Failing row contains %s.", t->name, t->checks[k].name, row);
        }
    }
    return ACIDB_OK;
}

/* Index key of a row; *value_rowid: the entry stores the row id as its value (unique, no NULL). */
static int index_key(const cat_index *ix, const value *vals, int64_t rowid, rec_buf *kb,
                     int *value_rowid)
{
    kb->len = 0;
    int has_null = 0;
    for (int i = 0; i < ix->ncols; i++) {
        rec_key_value(kb, &vals[ix->cols[i]]);
        has_null |= vals[ix->cols[i]].type == VT_NULL;
    }
    *value_rowid = ix->unique && !has_null;
    if (!*value_rowid)
        rec_key_rowid(kb, rowid);
    return kb->oom ? -1 : 0;
}

static void rowid_bytes(int64_t rowid, uint8_t out[8])
{
    for (int b = 0; b < 8; b++)
        out[b] = (uint8_t)((uint64_t)rowid >> (8 * b));
}

/* Foreign-key checks queued during the statement, run at its end. */
typedef struct fk_check {
    const cat_fkey *f;
    int parent;          /* 1: a referenced key went away (delete/update of the parent) */
    value *key;          /* the row's values (copied), indexed by table column */
} fk_check;

typedef struct dml_ctx {
    acidb_stmt *s;
    cat_table *t;
    rec_buf kb;
    fk_check *fk;
    int64_t nfk, capfk;
} dml_ctx;

static int queue_fk(dml_ctx *d, const cat_fkey *f, int parent, const value *vals, int ncols)
{
    if (d->nfk == d->capfk) {
        int64_t cap = d->capfk ? d->capfk * 2 : 16;
        fk_check *n = realloc(d->fk, (size_t)cap * sizeof *n);
        if (n == NULL)
            return sql_err_nomem(&d->s->conn->err, NULL);
        d->fk = n;
        d->capfk = cap;
    }
    value *cp = ar_alloc(&d->s->run, (size_t)ncols * sizeof *cp);
    if (cp == NULL)
        return sql_err_nomem(&d->s->conn->err, NULL);
    for (int i = 0; i < ncols; i++)
        if (val_copy(&d->s->run, &vals[i], &cp[i]) != 0)
            return sql_err_nomem(&d->s->conn->err, NULL);
    d->fk[d->nfk++] = (fk_check){f, parent, cp};
    return ACIDB_OK;
}

/* Child side: the referenced parent key must exist (S-locked until commit, so it cannot be
 * deleted before this transaction ends). */
static int check_parent_exists(dml_ctx *d, const fk_check *q)
{
    acidb_stmt *s = d->s;
    const cat_fkey *f = q->f;
    for (int i = 0; i < f->ncols; i++)
        if (q->key[f->cols[i]].type == VT_NULL)
            return ACIDB_OK; /* MATCH SIMPLE: a NULL column satisfies the constraint */
    int st;
    if (f->ref_index == NULL) {
        bt_key k = bt_int_key(q->key[f->cols[0]].u.i);
        st = btx_get(s->conn->t, f->ref->tree, &k, NULL, NULL);
    } else {
        d->kb.len = 0;
        for (int i = 0; i < f->ncols; i++)
            rec_key_value(&d->kb, &q->key[f->cols[i]]);
        if (d->kb.oom)
            return sql_err_nomem(&s->conn->err, NULL);
        bt_key k = bt_bytes_key(d->kb.p, d->kb.len);
        st = btx_get(s->conn->t, f->ref_index->tree, &k, NULL, NULL);
    }
    if (st == ST_OK)
        return ACIDB_OK;
    if (st != ST_ENOTFOUND)
        return conn_status(s->conn, st, NULL);
    char key[600];
    format_key(key, sizeof key, f->table, f->cols, f->ncols, q->key);
    return sql_err(&s->conn->err, ACIDB_CONSTRAINT, ERRCODE_FOREIGN_KEY_VIOLATION, -1,
                   "insert or update on table \"%s\" violates foreign key constraint \"%s\"\n"
                   "DETAIL:  %s is not present in table \"%s\".", f->table->name, f->name, key,
                   f->ref->name);
}

/* Parent side: no child row may still reference the key. No locks are needed: a child
 * inserted concurrently S-locks this parent key, which this transaction holds X. */
static int check_no_children(dml_ctx *d, const fk_check *q)
{
    acidb_stmt *s = d->s;
    const cat_fkey *f = q->f;
    cat_table *child = f->table;
    /* Still present (an UPDATE that put the same key back, or a re-insert)? */
    for (int i = 0; i < f->ncols; i++)
        if (q->key[f->ref_cols[i]].type == VT_NULL)
            return ACIDB_OK;
    value *want = q->key;
    int found = 0, st = ST_OK, rc = ACIDB_OK;
    /* A child index on the foreign key columns makes it a prefix seek; else scan. */
    cat_index *ix = NULL;
    for (int x = 0; x < child->nidx && ix == NULL; x++) {
        cat_index *c = child->idx[x];
        if (c->ncols < f->ncols)
            continue;
        int ok = 1;
        for (int i = 0; i < f->ncols; i++)
            ok &= c->cols[i] == f->cols[i];
        if (ok)
            ix = c;
    }
    value *vals = ar_alloc(&s->run, (size_t)child->ncols * sizeof *vals);
    if (vals == NULL)
        return sql_err_nomem(&s->conn->err, NULL);
    bt_cursor *cur = NULL;
    if (ix != NULL) {
        d->kb.len = 0;
        for (int i = 0; i < f->ncols; i++)
            rec_key_value(&d->kb, &want[f->ref_cols[i]]);
        if (d->kb.oom)
            return sql_err_nomem(&s->conn->err, NULL);
        bt_key k = bt_bytes_key(d->kb.p, d->kb.len);
        int exact;
        if ((st = bt_cursor_open(ix->tree, &cur)) == ST_OK && (st = bt_seek(cur, &k, &exact)) == ST_OK &&
            bt_cursor_valid(cur)) {
            bt_key ck;
            if ((st = bt_cursor_key(cur, &ck)) == ST_OK)
                found = ck.len >= d->kb.len && memcmp(ck.bytes, d->kb.p, d->kb.len) == 0;
        }
    } else if ((st = bt_cursor_open(child->tree, &cur)) == ST_OK) {
        for (st = bt_first(cur); st == ST_OK && bt_cursor_valid(cur) && !found; st = bt_next(cur)) {
            bt_key ck;
            const void *val;
            size_t len;
            if ((st = bt_cursor_key(cur, &ck)) != ST_OK)
                break;
            if ((st = bt_cursor_value(cur, &val, &len)) == ST_ENOTFOUND)
                continue; /* st is set again by bt_next */
            if (st != ST_OK)
                break;
            if (rec_decode(val, len, ck.rowid, vals, child->ncols) != 0) {
                rc = sql_err(&s->conn->err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                             "row %lld of table \"%s\" is malformed", (long long)ck.rowid, child->name);
                break;
            }
            int eq = 1;
            for (int i = 0; i < f->ncols && eq; i++)
                eq = vals[f->cols[i]].type != VT_NULL &&
                     val_cmp(&vals[f->cols[i]], &want[f->ref_cols[i]]) == 0;
            found = eq;
        }
    }
    bt_cursor_close(cur);
    if (rc != ACIDB_OK)
        return rc;
    if (st != ST_OK)
        return conn_status(s->conn, st, "checking a foreign key");
    if (!found)
        return ACIDB_OK;
    char key[600];
    format_key(key, sizeof key, f->ref, f->ref_cols, f->ncols, want);
    return sql_err(&s->conn->err, ACIDB_CONSTRAINT, ERRCODE_FOREIGN_KEY_VIOLATION, -1,
                   "update or delete on table \"%s\" violates foreign key constraint \"%s\" on "
                   "table \"%s\"\nDETAIL:  %s is still referenced from table \"%s\".",
                   f->ref->name, f->name, child->name, key, child->name);
}

static int run_fk_checks(dml_ctx *d)
{
    for (int64_t i = 0; i < d->nfk; i++) {
        int rc = d->fk[i].parent ? check_no_children(d, &d->fk[i]) : check_parent_exists(d, &d->fk[i]);
        if (rc != ACIDB_OK)
            return rc;
    }
    return ACIDB_OK;
}

/* Whether any of cols differs between a and b. */
static int cols_changed(const value *a, const value *b, const int *cols, int n)
{
    for (int i = 0; i < n; i++) {
        const value *x = &a[cols[i]], *y = &b[cols[i]];
        if (x->type != y->type || (x->type != VT_NULL && val_cmp(x, y) != 0))
            return 1;
    }
    return 0;
}

/* Queues the FK checks a change from `old` (NULL: insert) to `new` (NULL: delete) needs. */
static int queue_row_fks(dml_ctx *d, const value *old, const value *new)
{
    cat_table *t = d->t;
    int rc;
    for (int i = 0; i < t->nfk; i++)
        if (new != NULL && (old == NULL || cols_changed(old, new, t->fk[i].cols, t->fk[i].ncols)) &&
            (rc = queue_fk(d, &t->fk[i], 0, new, t->ncols)) != ACIDB_OK)
            return rc;
    for (int i = 0; i < t->nrefby; i++) {
        const cat_fkey *f = t->refby[i];
        if (old != NULL && (new == NULL || cols_changed(old, new, f->ref_cols, f->ncols)) &&
            (rc = queue_fk(d, f, 1, old, t->ncols)) != ACIDB_OK)
            return rc;
    }
    return ACIDB_OK;
}

/* ---- row changes ------------------------------------------------------------------------------ */

static int st_err(acidb_stmt *s, int st)
{
    return conn_status(s->conn, st, NULL);
}

/* Writes a row. `old`/`oldlen`: the row's current record when the caller read it under its X
 * lock (an UPDATE in place): it becomes the undo without another descent of the tree. */
static int write_row(dml_ctx *d, const value *vals, int64_t rowid, int flags, const void *old,
                     size_t oldlen)
{
    acidb_stmt *s = d->s;
    uint8_t *buf;
    size_t len;
    if (rec_encode(vals, d->t->ncols, d->t->rowid_col, &buf, &len) != 0)
        return sql_err_nomem(&s->conn->err, NULL);
    bt_key k = bt_int_key(rowid);
    int st = old != NULL && flags == BT_REPLACE
                 ? btx_update(s->conn->t, d->t->tree, &k, old, oldlen, buf, len)
                 : btx_insert(s->conn->t, d->t->tree, &k, buf, len, flags);
    free(buf);
    if (st == ST_EEXISTS) {
        if (d->t->rowid_col >= 0)
            return unique_violation(s, d->t, d->t->pkey_name, &d->t->rowid_col, 1, vals);
        return sql_err(&s->conn->err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, -1,
                       "row id %lld of \"%s\" is taken",
                       (long long)rowid, d->t->name);
    }
    return st == ST_OK ? ACIDB_OK : st_err(s, st);
}

/* XX002 (PostgreSQL's index_corrupted): index ix and its table disagree about `key`. */
static int index_corrupted(acidb_stmt *s, const cat_index *ix, const uint8_t *key, size_t len,
                           const char *detail_fmt, long long rowid, const char *other)
{
    char k[400], detail[600];
    cat_key_text(ix, key, len, k, sizeof k);
    snprintf(detail, sizeof detail, detail_fmt, rowid, other);
    return sql_err(&s->conn->err, ACIDB_CORRUPT, ERRCODE_INDEX_CORRUPTED, -1,
                   "index \"%s\" of table \"%s\" is corrupted\nDETAIL:  Its entry for Key %s %s",
                   ix->name, ix->table->name, k, detail);
}

/* A unique insert found its key (d->kb, no NULL in it) taken. The entry must name a row that
 * exists and holds that key; otherwise the index and the table disagree, and neither is
 * trusted: XX002, not 23505 (engine/README.md, "Integrity check"). The key's X lock, taken by
 * btx_insert and held, keeps the entry and its row as they are: whoever removes or moves that
 * row removes its index entries first (delete_one, update_one), under that same lock. An entry
 * that is *missing* cannot be seen here without a table scan; acidb_check finds it. */
static int unique_taken(dml_ctx *d, cat_index *ix, const value *vals)
{
    acidb_stmt *s = d->s;
    bt_key k = bt_bytes_key(d->kb.p, d->kb.len);
    void *v = NULL, *row = NULL;
    size_t vlen = 0, rlen = 0;
    int rc;
    int st = bt_get(ix->tree, &k, &v, &vlen);
    if (st != ST_OK) {
        free(v);
        return st == ST_ENOTFOUND ? unique_violation(s, d->t, ix->name, ix->cols, ix->ncols, vals)
                                  : st_err(s, st);
    }
    if (vlen != 8) {
        rc = index_corrupted(s, ix, d->kb.p, d->kb.len, "has a %lld-byte value%s.",
                             (long long)vlen, "");
        goto out;
    }
    int64_t other = 0;
    for (int b = 7; b >= 0; b--)
        other = (int64_t)(((uint64_t)other << 8) | ((uint8_t *)v)[b]);
    bt_key rk = bt_int_key(other);
    st = bt_get(d->t->tree, &rk, &row, &rlen);
    if (st == ST_ENOTFOUND) {
        rc = index_corrupted(s, ix, d->kb.p, d->kb.len, "points to row %lld, which does not "
                             "exist%s.", (long long)other, "");
        goto out;
    }
    if (st != ST_OK) {
        rc = st_err(s, st);
        goto out;
    }
    value *ov = ar_alloc(&s->run, (size_t)d->t->ncols * sizeof *ov);
    if (ov == NULL) {
        rc = sql_err_nomem(&s->conn->err, NULL);
        goto out;
    }
    if (rec_decode(row, rlen, other, ov, d->t->ncols) != 0) {
        rc = sql_err(&s->conn->err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                     "row %lld of table \"%s\" is malformed", (long long)other, d->t->name);
        goto out;
    }
    rec_buf ok = {0};
    int vr;
    if (index_key(ix, ov, other, &ok, &vr) != 0) {
        rec_buf_free(&ok);
        rc = sql_err_nomem(&s->conn->err, NULL);
        goto out;
    }
    if (ok.len != d->kb.len || memcmp(ok.p, d->kb.p, ok.len) != 0) {
        char theirs[400];
        cat_key_text(ix, ok.p, ok.len, theirs, sizeof theirs);
        rc = index_corrupted(s, ix, d->kb.p, d->kb.len, "points to row %lld, whose key is %s.",
                             (long long)other, theirs);
    } else {
        rc = unique_violation(s, d->t, ix->name, ix->cols, ix->ncols, vals);
    }
    rec_buf_free(&ok);
out:
    free(v);
    free(row);
    return rc;
}

static int index_insert(dml_ctx *d, cat_index *ix, const value *vals, int64_t rowid)
{
    acidb_stmt *s = d->s;
    int vr;
    if (index_key(ix, vals, rowid, &d->kb, &vr) != 0)
        return sql_err_nomem(&s->conn->err, NULL);
    uint8_t rid[8];
    rowid_bytes(rowid, rid);
    bt_key k = bt_bytes_key(d->kb.p, d->kb.len);
    /* The key is X-locked first: a concurrent inserter of the same unique value waits here
     * until the first commits (then 23505) or rolls back (then this succeeds). */
    int st = btx_insert(s->conn->t, ix->tree, &k, rid, vr ? 8 : 0, BT_NOREPLACE);
    if (st == ST_EEXISTS && vr)
        return unique_taken(d, ix, vals);
    if (st == ST_EEXISTS)
        return unique_violation(s, d->t, ix->name, ix->cols, ix->ncols, vals);
    return st == ST_OK ? ACIDB_OK : st_err(s, st);
}

static int index_delete(dml_ctx *d, cat_index *ix, const value *vals, int64_t rowid)
{
    int vr;
    if (index_key(ix, vals, rowid, &d->kb, &vr) != 0)
        return sql_err_nomem(&d->s->conn->err, NULL);
    bt_key k = bt_bytes_key(d->kb.p, d->kb.len);
    int st = btx_delete(d->s->conn->t, ix->tree, &k);
    if (st == ST_ENOTFOUND)
        return sql_err(&d->s->conn->err, ACIDB_CORRUPT, ERRCODE_INDEX_CORRUPTED, -1,
                       "index \"%s\" has no entry for row %lld of table \"%s\"", ix->name,
                       (long long)rowid, d->t->name);
    return st == ST_OK ? ACIDB_OK : st_err(d->s, st);
}

static int returning(dml_ctx *d, value *vals)
{
    acidb_stmt *s = d->s;
    dml_plan *p = s->dml;
    if (p->nret == 0)
        return ACIDB_OK;
    value *out = ar_alloc(&s->run, (size_t)p->nret * sizeof *out);
    if (out == NULL)
        return sql_err_nomem(&s->conn->err, NULL);
    value *rows[1] = {vals};
    for (int i = 0; i < p->nret; i++) {
        int rc = exec_eval(s, p->ret[i], rows, NULL, &out[i]);
        if (rc != ACIDB_OK)
            return rc;
    }
    return exec_res_push(s, out, p->nret);
}

/* Type of a computed value against its column (parameters of unknown type, INSERT ... SELECT). */
static int coerce(acidb_stmt *s, const cat_column *col, value *v)
{
    const ty_ops *ops = ty_vt_ops(col->type);
    if (ops != NULL && v->type != VT_NULL) {
        int rc = v->type == col->type ? ACIDB_OK
                                      : ex_cast(v, col->tid, &s->run, v, -1, &s->conn->err);
        if (rc == ACIDB_OK && ops->apply_typmod != NULL && col->maxlen != -1 &&
            ty_get(col->tid)->typmod != TYPMOD_NONE)
            rc = ops->apply_typmod(v, col->maxlen, &s->run, &s->conn->err);
        return rc;
    }
    if (v->type == VT_NULL || (v->type == col->type && col->tid != TY_FLOAT4))
        return ACIDB_OK;
    /* untyped input; assignment to text; the assignment casts between numbers (to real:
     * rounded to float, 22003 on overflow; float to integer: rounded half to even) */
    if (v->type == VT_TEXT || col->type == VT_TEXT ||
        (ty_is_number(v->type) && ty_is_number(col->tid)))
        return ex_cast(v, col->tid, &s->run, v, -1, &s->conn->err);
    return sql_err(&s->conn->err, ACIDB_ERROR, ERRCODE_DATATYPE_MISMATCH,  -1,
                   "column \"%s\" is of type %s but expression is of type %s", col->name,
                   ty_name(col->tid), val_type_name(v->type));
}

static int default_value(dml_ctx *d, int c, value *out)
{
    const cat_column *col = &d->t->cols[c];
    if (col->identity) {
        int64_t v;
        int rc = ddl_next_identity(d->s->conn, d->t, c, &v, &d->s->conn->err);
        *out = val_int(v);
        return rc;
    }
    if (col->def)
        return exec_eval(d->s, col->def, NULL, NULL, out);
    *out = val_null();
    return ACIDB_OK;
}

static int insert_one(dml_ctx *d, value *vals)
{
    acidb_stmt *s = d->s;
    cat_table *t = d->t;
    int rc;
    for (int c = 0; c < t->ncols; c++)
        if ((rc = coerce(s, &t->cols[c], &vals[c])) != ACIDB_OK)
            return rc;
    if ((rc = check_row(s, t, vals)) != ACIDB_OK)
        return rc;
    int64_t rowid;
    if (t->rowid_col >= 0)
        rowid = vals[t->rowid_col].u.i;
    else if ((rc = ddl_next_rowid(s->conn, t, &rowid, &s->conn->err)) != ACIDB_OK)
        return rc;
    if ((rc = write_row(d, vals, rowid, BT_NOREPLACE, NULL, 0)) != ACIDB_OK)
        return rc;
    for (int i = 0; i < t->nidx; i++)
        if ((rc = index_insert(d, t->idx[i], vals, rowid)) != ACIDB_OK)
            return rc;
    if ((rc = queue_row_fks(d, NULL, vals)) != ACIDB_OK)
        return rc;
    s->changes++;
    return returning(d, vals);
}

static int run_insert(dml_ctx *d)
{
    acidb_stmt *s = d->s;
    dml_plan *p = s->dml;
    cat_table *t = d->t;
    value *vals = ar_alloc(&s->run, (size_t)t->ncols * sizeof *vals);
    if (vals == NULL)
        return sql_err_nomem(&s->conn->err, NULL);
    lk_res_t r = lk_res_table((uint32_t)t->root);
    int rc = exec_lock_status(s, lk_acquire(txn_locks(s->conn->t), &r, LK_IX, LK_WAIT),
                              "relation", t->name);
    if (rc != ACIDB_OK)
        return rc;
    if (p->sel_map == NULL) {
        for (int row = 0; row < p->nrows; row++) {
            ar_mark m = ar_get_mark(&s->run);
            for (int c = 0; c < t->ncols; c++) {
                if (p->rows[row][c] != NULL)
                    rc = exec_eval(s, p->rows[row][c], NULL, NULL, &vals[c]);
                else
                    rc = default_value(d, c, &vals[c]);
                if (rc != ACIDB_OK)
                    return rc;
            }
            if ((rc = insert_one(d, vals)) != ACIDB_OK)
                return rc;
            if (p->nret == 0 && d->nfk == 0)
                ar_release_to(&s->run, m);
            if ((row & 255) == 255 && atomic_load(&s->conn->interrupt))
                return sql_err(&s->conn->err, ACIDB_CANCELED, ERRCODE_QUERY_CANCELED, -1,
                               "canceling statement due to user request");
        }
        return ACIDB_OK;
    }
    /* INSERT ... SELECT: read the whole source first. */
    sel_plan *sp = &p->sel;
    if ((rc = exec_open_tables(s, sp)) != ACIDB_OK)
        return rc;
    value *saved_row = s->row;
    const int nt = sp->ntargets; /* every copied row has nt values, all freed below */
    value *srow = ar_alloc(&s->run, (size_t)(nt + 1) * sizeof *srow);
    if (srow == NULL)
        return sql_err_nomem(&s->conn->err, NULL);
    s->row = srow;
    value **src = NULL;
    int64_t n = 0, cap = 0;
    while ((rc = exec_select_next(s, sp)) == ACIDB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            value **nr = realloc(src, (size_t)cap * sizeof *nr);
            if (nr == NULL) {
                rc = sql_err_nomem(&s->conn->err, NULL);
                break;
            }
            src = nr;
        }
        /* exec_select_next released the previous row's scratch: copy below its mark. */
        value *cp = malloc((size_t)(nt + 1) * sizeof *cp);
        if (cp == NULL) {
            rc = sql_err_nomem(&s->conn->err, NULL);
            break;
        }
        for (int i = 0; i < nt; i++) {
            cp[i] = srow[i];
            if (val_has_bytes(&srow[i])) {
                char *txt = malloc(srow[i].len + 1);
                if (txt == NULL) {
                    /* The cleanup below frees every VT_TEXT of the row: this value still
                     * points into the source row and the rest are not copied yet. */
                    for (int j = i; j < nt; j++)
                        cp[j].type = VT_NULL;
                    rc = sql_err_nomem(&s->conn->err, NULL);
                    break;
                }
                memcpy(txt, srow[i].u.s, srow[i].len);
                txt[srow[i].len] = 0;
                cp[i].u.s = txt;
            }
        }
        src[n++] = cp;
        if (rc != ACIDB_ROW)
            break;
    }
    exec_close_scans(s, sp);
    s->row = saved_row;
    s->nres = 0;
    s->materialized = 0;
    if (rc == ACIDB_DONE) {
        rc = ACIDB_OK;
        for (int64_t i = 0; i < n && rc == ACIDB_OK; i++) {
            for (int c = 0; c < t->ncols && rc == ACIDB_OK; c++)
                rc = p->sel_map[c] >= 0 ? (vals[c] = src[i][p->sel_map[c]], ACIDB_OK)
                                        : default_value(d, c, &vals[c]);
            if (rc == ACIDB_OK)
                rc = insert_one(d, vals);
        }
    }
    for (int64_t i = 0; i < n; i++) {
        for (int c = 0; c < nt; c++)
            if (val_has_bytes(&src[i][c]))
                free((char *)src[i][c].u.s);
        free(src[i]);
    }
    free(src);
    return rc;
}

/* Row ids selected by the WHERE of UPDATE/DELETE (X-locked as they were found). A point plan
 * also hands over the record it read under the X lock (*point_buf, caller frees), which spares
 * reading the row again. */
static int collect_targets(acidb_stmt *s, int64_t **ids, int64_t *n, void **point_buf,
                           size_t *point_len)
{
    *point_buf = NULL;
    sel_plan *sp = &s->dml->sel;
    int rc = exec_open_tables(s, sp);
    if (rc != ACIDB_OK)
        return rc;
    int64_t cap = 0;
    *ids = NULL;
    *n = 0;
    while ((rc = exec_scan_next(s, sp, s->jrows)) == ACIDB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *ni = realloc(*ids, (size_t)cap * sizeof *ni);
            if (ni == NULL) {
                rc = sql_err_nomem(&s->conn->err, NULL);
                break;
            }
            *ids = ni;
        }
        (*ids)[(*n)++] = s->scans[0].rowid;
        if (sp->src[0].point && *n == 1 && s->scans[0].buf != NULL) {
            *point_buf = s->scans[0].buf;
            *point_len = s->scans[0].buflen;
            s->scans[0].buf = NULL;
        }
    }
    exec_close_scans(s, sp);
    return rc == ACIDB_DONE ? ACIDB_OK : rc;
}

static int fetch(dml_ctx *d, int64_t rowid, void **buf, size_t *lenp, value *vals)
{
    size_t len = *lenp;
    if (*buf == NULL) {
        bt_key k = bt_int_key(rowid);
        int st = bt_get(d->t->tree, &k, buf, &len);
        if (st == ST_ENOTFOUND)
            return ACIDB_DONE; /* deleted by an earlier step of this statement (a self-join) */
        if (st != ST_OK)
            return st_err(d->s, st);
        *lenp = len;
    }
    if (rec_decode(*buf, len, rowid, vals, d->t->ncols) != 0)
        return sql_err(&d->s->conn->err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                       "row %lld of table \"%s\" is malformed", (long long)rowid, d->t->name);
    return ACIDB_OK;
}

static int update_one(dml_ctx *d, int64_t rowid, value *old, value *new, const void *oldrec,
                      size_t oldlen)
{
    acidb_stmt *s = d->s;
    dml_plan *p = s->dml;
    cat_table *t = d->t;
    value *rows[1] = {old};
    int rc;
    for (int c = 0; c < t->ncols; c++) {
        if (p->set[c] != NULL)
            rc = exec_eval(s, p->set[c], rows, NULL, &new[c]);
        else if (p->set_default[c])
            rc = default_value(d, c, &new[c]);
        else {
            new[c] = old[c];
            rc = ACIDB_OK;
        }
        if (rc == ACIDB_OK)
            rc = coerce(s, &t->cols[c], &new[c]);
        if (rc != ACIDB_OK)
            return rc;
    }
    if ((rc = check_row(s, t, new)) != ACIDB_OK)
        return rc;
    int64_t newid = t->rowid_col >= 0 ? new[t->rowid_col].u.i : rowid;
    /* Index entries whose key changes: out with the old, in with the new. */
    for (int i = 0; i < t->nidx; i++) {
        cat_index *ix = t->idx[i];
        if (newid == rowid && !cols_changed(old, new, ix->cols, ix->ncols))
            continue;
        if ((rc = index_delete(d, ix, old, rowid)) != ACIDB_OK)
            return rc;
    }
    if (newid != rowid) {
        bt_key k = bt_int_key(rowid);
        int st = btx_delete(s->conn->t, t->tree, &k);
        if (st != ST_OK)
            return st_err(s, st);
        rc = write_row(d, new, newid, BT_NOREPLACE, NULL, 0);
    } else {
        rc = write_row(d, new, rowid, BT_REPLACE, oldrec, oldlen);
    }
    if (rc != ACIDB_OK)
        return rc;
    for (int i = 0; i < t->nidx; i++) {
        cat_index *ix = t->idx[i];
        if (newid == rowid && !cols_changed(old, new, ix->cols, ix->ncols))
            continue;
        if ((rc = index_insert(d, ix, new, newid)) != ACIDB_OK)
            return rc;
    }
    if ((rc = queue_row_fks(d, old, new)) != ACIDB_OK)
        return rc;
    s->changes++;
    return returning(d, new);
}

static int delete_one(dml_ctx *d, int64_t rowid, value *old)
{
    acidb_stmt *s = d->s;
    cat_table *t = d->t;
    int rc;
    for (int i = 0; i < t->nidx; i++)
        if ((rc = index_delete(d, t->idx[i], old, rowid)) != ACIDB_OK)
            return rc;
    bt_key k = bt_int_key(rowid);
    int st = btx_delete(s->conn->t, t->tree, &k);
    if (st != ST_OK)
        return st_err(s, st);
    if ((rc = queue_row_fks(d, old, NULL)) != ACIDB_OK)
        return rc;
    s->changes++;
    return returning(d, old);
}

static int run_update_delete(dml_ctx *d, int is_update)
{
    acidb_stmt *s = d->s;
    int64_t *ids = NULL, n = 0;
    void *point_buf = NULL;
    size_t point_len = 0;
    int rc = collect_targets(s, &ids, &n, &point_buf, &point_len);
    value *old = ar_alloc(&s->run, (size_t)d->t->ncols * sizeof *old);
    value *new = ar_alloc(&s->run, (size_t)d->t->ncols * sizeof *new);
    if (rc == ACIDB_OK && (old == NULL || new == NULL))
        rc = sql_err_nomem(&s->conn->err, NULL);
    for (int64_t i = 0; i < n && rc == ACIDB_OK; i++) {
        void *buf = i == 0 ? point_buf : NULL; /* the point lookup's record, read under X */
        size_t len = i == 0 ? point_len : 0;
        if (i == 0)
            point_buf = NULL; /* owned by buf now */
        ar_mark m = ar_get_mark(&s->run);
        rc = fetch(d, ids[i], &buf, &len, old);
        if (rc == ACIDB_DONE) {
            rc = ACIDB_OK;
            continue;
        }
        if (rc == ACIDB_OK)
            rc = is_update ? update_one(d, ids[i], old, new, buf, len)
                           : delete_one(d, ids[i], old);
        free(buf);
        if (d->s->dml->nret == 0 && d->nfk == 0)
            ar_release_to(&s->run, m);
        if (rc == ACIDB_OK && (i & 255) == 255 && atomic_load(&s->conn->interrupt))
            rc = sql_err(&s->conn->err, ACIDB_CANCELED, ERRCODE_QUERY_CANCELED, -1,
                         "canceling statement due to user request");
    }
    free(point_buf); /* when the loop did not take it */
    free(ids);
    return rc;
}

int dml_run(acidb_stmt *s)
{
    dml_ctx d = {.s = s, .t = s->dml->t};
    int rc;
    s->changes = 0;
    switch (s->ast->kind) {
    case STMT_INSERT:
        rc = run_insert(&d);
        break;
    case STMT_UPDATE:
        rc = run_update_delete(&d, 1);
        break;
    default:
        rc = run_update_delete(&d, 0);
        break;
    }
    if (rc == ACIDB_OK)
        rc = run_fk_checks(&d);
    free(d.fk);
    rec_buf_free(&d.kb);
    s->materialized = 1;
    s->res_pos = 0;
    s->res_width = s->dml->nret;
    return rc;
}
