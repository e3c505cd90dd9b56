/*
 * ddl.c — the catalog tree: loading it, CREATE/DROP TABLE/INDEX, trash entries, identity
 * counters and hidden row ids (layout and rules: catalog.h, engine.h E2/E3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/record.h"
#include "pager/status.h"
#include "wal/btx.h"
#include "engine/sqlstate.h"

#define OID_HWM_KEY (CAT_SEQ_BASE - 1)
enum { CR_KIND, CR_NAME, CR_TBL, CR_ROOT, CR_SQL, CR_UNIQUE, CR_PRIMARY, CR_COLS, CR_TYPEFMT, CR_N };

int cat_constraint_names(arena *a, const sql_create_table *ct, const char **pk_name,
                         const char **unique_names, const char **check_names,
                         const char **fk_names);

static int encode_row(const cat_row *r, uint8_t **out, size_t *len)
{
    value v[CR_N];
#define TXT(s) ((s) ? val_text((s), (uint32_t)strlen(s)) : val_null())
    v[CR_KIND] = TXT(r->kind);
    v[CR_NAME] = TXT(r->name);
    v[CR_TBL] = TXT(r->tbl);
    v[CR_ROOT] = val_int((int64_t)r->root);
    v[CR_SQL] = TXT(r->sql);
    v[CR_UNIQUE] = val_bool(r->unique);
    v[CR_PRIMARY] = val_bool(r->primary);
    v[CR_COLS] = TXT(r->cols);
    /* Written only when set, so that a row of an older format is re-encoded as it was. */
    v[CR_TYPEFMT] = r->typefmt ? val_int(r->typefmt) : val_null();
#undef TXT
    return rec_encode(v, CR_N, -1, out, len) == 0 ? ACIDB_OK : ACIDB_NOMEM;
}

static const char *dup_text(arena *a, const value *v)
{
    return v->type == VT_TEXT ? ar_strndup(a, v->u.s, v->len) : NULL;
}

/* One redo-only change of the catalog tree in its own mini-transaction (t may be NULL).
 * Caller holds db->cat_mu (E2). */
static int cat_put_redo(acidb_db *db, txn *t, int64_t key, const void *val, size_t len, int del)
{
    mtr *m;
    int st = mtr_begin(db->tm, t, &m);
    if (st != ST_OK)
        return st;
    bt_key k = bt_int_key(key);
    st = del ? bt_delete(db->cattree, &k) : bt_insert(db->cattree, &k, val, len, BT_REPLACE);
    if (st != ST_OK) {
        mtr_abandon(m);
        return st;
    }
    return mtr_commit(m, bt_root(db->cattree), NULL, 0);
}

/* ---- trash ---------------------------------------------------------------------------------- */

/* Frees tree `root` if no published object references it and its trash entry exists; removes
 * the entry. One mini-transaction: the drop and the entry's removal are atomic, so a trash
 * entry never names pages that were freed (and maybe reused). */
static int trash_one(acidb_db *db, uint64_t root)
{
    bt_key k = bt_int_key(-(int64_t)root);
    void *val = NULL;
    size_t len = 0;
    int st = bt_get(db->cattree, &k, &val, &len);
    if (st == ST_ENOTFOUND)
        return ST_OK;
    if (st != ST_OK)
        return st;
    int kind = len >= 1 ? ((uint8_t *)val)[0] : 0;
    free(val);
    pthread_mutex_lock(&db->mu);
    int referenced = cat_references_root(db->cat, root);
    pthread_mutex_unlock(&db->mu);
    if (referenced)
        return cat_put_redo(db, NULL, k.rowid, NULL, 0, 1);
    if (kind != BT_TABLE && kind != BT_INDEX)
        return st_set(ST_ECORRUPT, "catalog trash entry for page %llu has bad kind %d",
                      (unsigned long long)root, kind);
    bt_tree *tr;
    mtr *m;
    st = mtr_begin(db->tm, NULL, &m);
    if (st != ST_OK)
        return st;
    st = bt_open(txm_pager(db->tm), root, (bt_kind)kind, &tr);
    if (st == ST_OK) {
        st = bt_drop(tr);
        bt_close(tr);
    }
    if (st == ST_OK)
        st = bt_delete(db->cattree, &k);
    if (st != ST_OK) {
        mtr_abandon(m);
        return st;
    }
    return mtr_commit(m, root, NULL, 0);
}

int ddl_cleanup_trash(acidb_db *db, const uint64_t *roots, int n)
{
    int rc = ST_OK;
    pthread_mutex_lock(&db->cat_mu);
    for (int i = 0; i < n && rc == ST_OK; i++)
        rc = trash_one(db, roots[i]);
    pthread_mutex_unlock(&db->cat_mu);
    return rc;
}

/* Creates a tree for c's transaction together with its trash entry (redo-only: it survives
 * the transaction's rollback), in ONE mini-transaction: either both exist or neither. Made in
 * two, a failure between them (out of memory starting or logging the second) left a tree no
 * trash entry named, whose pages nothing would ever free (checked by
 * nomem/every_allocation_of_a_workload_fails_cleanly). The order inside — the new tree's
 * pages and the header, then the catalog tree latch — is trash_one's, under cat_mu (E2).
 * The slot in c->trash is reserved first, so nothing can fail after the commit. */
static int create_tree(acidb_conn *c, bt_kind kind, uint64_t *root)
{
    acidb_db *db = c->db;
    if (conn_reserve_trash(c) != ACIDB_OK)
        return st_set(ST_ENOMEM, "out of memory");
    pthread_mutex_lock(&db->cat_mu);
    mtr *m;
    int st = mtr_begin(db->tm, c->t, &m);
    if (st == ST_OK) {
        st = bt_create(txm_pager(db->tm), kind, root);
        if (st == ST_OK) {
            uint8_t v = (uint8_t)kind;
            bt_key k = bt_int_key(-(int64_t)*root);
            st = bt_insert(db->cattree, &k, &v, 1, BT_REPLACE);
        }
        if (st == ST_OK)
            st = mtr_commit(m, *root, NULL, 0);
        else
            mtr_abandon(m);
    }
    pthread_mutex_unlock(&db->cat_mu);
    if (st == ST_OK)
        conn_add_trash(c, *root); /* reserved: cannot fail */
    return st;
}

/* ---- loading ---------------------------------------------------------------------------- */

static int create_catalog_tree(acidb_db *db)
{
    mtr *m;
    uint64_t root;
    int st = mtr_begin(db->tm, NULL, &m);
    if (st != ST_OK)
        return st;
    st = bt_create(txm_pager(db->tm), BT_TABLE, &root);
    if (st == ST_OK)
        st = pgr_set_catalog_root(txm_pager(db->tm), root);
    if (st != ST_OK) {
        mtr_abandon(m);
        return st;
    }
    st = mtr_commit(m, root, NULL, 0);
    if (st == ST_OK)
        st = wal_flush_to(txm_log(db->tm), wal_end_lsn(txm_log(db->tm)));
    return st;
}

int db_load_catalog(acidb_db *db, sql_error *err)
{
    pgr *p = txm_pager(db->tm);
    int st = ST_OK;
    if (pgr_catalog_root(p) == 0 && db->opts.read_only)
        return sql_err(err, ACIDB_READONLY, ERRCODE_READ_ONLY_SQL_TRANSACTION, -1,
                       "%s has no catalog yet (it was created but never opened through the "
                       "SQL API); open it read-write once, then read-only", db->path);
    if (pgr_catalog_root(p) == 0 && (st = create_catalog_tree(db)) != ST_OK)
        return sql_err_status(err, st, "creating the catalog");
    if ((st = bt_open(p, pgr_catalog_root(p), BT_TABLE, &db->cattree)) != ST_OK)
        return sql_err_status(err, st, "opening the catalog");
    arena a;
    ar_init(&a);
    int nrows = 0, cap = 16, ntrash = 0, tcap = 16, rc = ACIDB_OK;
    cat_row *rows = malloc((size_t)cap * sizeof *rows);
    uint64_t *trash = malloc((size_t)tcap * sizeof *trash);
    struct { int64_t key, val; } *seqs = NULL;
    int nseq = 0, scap = 0;
    bt_cursor *cur = NULL;
    if (rows == NULL || trash == NULL) {
        rc = sql_err_nomem(err, "loading the catalog");
        goto out;
    }
    if ((st = bt_cursor_open(db->cattree, &cur)) != ST_OK || (st = bt_first(cur)) != ST_OK) {
        rc = sql_err_status(err, st, "reading the catalog");
        goto out;
    }
    while (bt_cursor_valid(cur)) {
        bt_key k;
        const void *val;
        size_t len;
        if ((st = bt_cursor_key(cur, &k)) != ST_OK || (st = bt_cursor_value(cur, &val, &len)) != ST_OK) {
            rc = sql_err_status(err, st, "reading the catalog");
            goto out;
        }
        if (k.rowid < 0) {
            if (ntrash == tcap) { /* never trash = realloc(trash): the old block would leak */
                uint64_t *t = realloc(trash, (size_t)tcap * 2 * sizeof *trash);
                if (t == NULL)
                    goto oom;
                trash = t;
                tcap *= 2;
            }
            trash[ntrash++] = (uint64_t)-k.rowid;
        } else if (k.rowid >= OID_HWM_KEY) {
            value v;
            if (rec_decode(val, len, k.rowid, &v, 1) != 0 || v.type != VT_INT) {
                rc = sql_err(err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                             "catalog row %lld is malformed",
                             (long long)k.rowid);
                goto out;
            }
            if (nseq == scap) {
                int ncap = scap ? scap * 2 : 16;
                void *t = realloc(seqs, (size_t)ncap * sizeof *seqs);
                if (t == NULL)
                    goto oom;
                seqs = t;
                scap = ncap;
            }
            seqs[nseq].key = k.rowid;
            seqs[nseq++].val = v.u.i;
        } else {
            value v[CR_N];
            if (rec_decode(val, len, k.rowid, v, CR_N) != 0 || v[CR_KIND].type != VT_TEXT ||
                v[CR_NAME].type != VT_TEXT || v[CR_ROOT].type != VT_INT) {
                rc = sql_err(err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                             "catalog row %lld is malformed",
                             (long long)k.rowid);
                goto out;
            }
            if (nrows == cap) {
                cat_row *t = realloc(rows, (size_t)cap * 2 * sizeof *rows);
                if (t == NULL)
                    goto oom;
                rows = t;
                cap *= 2;
            }
            cat_row *r = &rows[nrows++];
            r->key = k.rowid;
            r->kind = dup_text(&a, &v[CR_KIND]);
            r->name = dup_text(&a, &v[CR_NAME]);
            r->tbl = dup_text(&a, &v[CR_TBL]);
            r->root = (uint64_t)v[CR_ROOT].u.i;
            r->sql = dup_text(&a, &v[CR_SQL]);
            r->unique = v[CR_UNIQUE].type == VT_BOOL && v[CR_UNIQUE].u.i;
            r->primary = v[CR_PRIMARY].type == VT_BOOL && v[CR_PRIMARY].u.i;
            r->cols = dup_text(&a, &v[CR_COLS]);
            if (v[CR_TYPEFMT].type != VT_NULL &&
                (v[CR_TYPEFMT].type != VT_INT || v[CR_TYPEFMT].u.i != CAT_TYPEFMT_PG)) {
                rc = sql_err(err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                             "catalog row %lld has an unknown type format",
                             (long long)k.rowid);
                goto out;
            }
            r->typefmt = v[CR_TYPEFMT].type == VT_INT ? CAT_TYPEFMT_PG : CAT_TYPEFMT_LEGACY;
            if (r->kind == NULL || r->name == NULL)
                goto oom;
        }
        if ((st = bt_next(cur)) != ST_OK) {
            rc = sql_err_status(err, st, "reading the catalog");
            goto out;
        }
    }
    bt_cursor_close(cur);
    cur = NULL;
    catalog *cat;
    if ((rc = cat_build(rows, nrows, db->reg, p, 1, &cat, err)) != ACIDB_OK)
        goto out;
    for (int i = 0; i < nseq; i++) {
        if (seqs[i].key == OID_HWM_KEY) {
            if (seqs[i].val > cat->next_oid)
                cat->next_oid = seqs[i].val;
            continue;
        }
        int64_t rel = seqs[i].key - CAT_SEQ_BASE;
        for (int t = 0; t < cat->ntables; t++)
            if ((int64_t)cat->tables[t]->oid == rel / 256 && rel % 256 < cat->tables[t]->ncols) {
                cat_shared *sh = cat->tables[t]->sh;
                sh->seq[rel % 256].next = sh->seq[rel % 256].limit = seqs[i].val;
            }
    }
    db->cat = cat;
    atomic_store(&db->cat_version, 1);
    /* Trees of dropped objects left by a crash are freed here; read-only, they stay (no
     * published object names them) for the next read-write open. */
    if (!db->opts.read_only && (st = ddl_cleanup_trash(db, trash, ntrash)) != ST_OK)
        rc = sql_err_status(err, st, "freeing dropped trees");
    goto out;
oom:
    rc = sql_err_nomem(err, "loading the catalog");
out:
    bt_cursor_close(cur);
    free(rows);
    free(trash);
    free(seqs);
    ar_free(&a);
    return rc;
}

/* ---- counters -------------------------------------------------------------------------------- */

int ddl_next_identity(acidb_conn *c, cat_table *t, int col, int64_t *out, sql_error *err)
{
    cat_shared *sh = t->sh;
    acidb_db *db = c->db;
    int st = ST_OK;
    pthread_mutex_lock(&sh->mu);
    if (sh->seq[col].limit == 0) {
        sh->seq[col].next = sh->seq[col].limit = 1; /* never persisted: starts at 1 */
    }
    if (sh->seq[col].next >= sh->seq[col].limit) {
        if (sh->seq[col].limit > INT64_MAX - CAT_SEQ_STEP) {
            pthread_mutex_unlock(&sh->mu);
            return sql_err(err, ACIDB_RANGE, ERRCODE_SEQUENCE_GENERATOR_LIMIT_EXCEEDED, -1,
                           "nextval: reached maximum value of sequence for column \"%s\"",
                           t->cols[col].name);
        }
        int64_t limit = sh->seq[col].next + CAT_SEQ_STEP;
        value v = val_int(limit);
        uint8_t *buf;
        size_t len;
        if (rec_encode(&v, 1, -1, &buf, &len) != 0) {
            pthread_mutex_unlock(&sh->mu);
            return sql_err_nomem(err, NULL);
        }
        pthread_mutex_lock(&db->cat_mu);
        st = cat_put_redo(db, NULL, CAT_SEQ_BASE + (int64_t)t->oid * 256 + col, buf, len, 0);
        pthread_mutex_unlock(&db->cat_mu);
        free(buf);
        if (st == ST_OK)
            sh->seq[col].limit = limit;
    }
    if (st == ST_OK)
        *out = sh->seq[col].next++;
    pthread_mutex_unlock(&sh->mu);
    return st == ST_OK ? ACIDB_OK : sql_err_status(err, st, "advancing an identity counter");
}

int ddl_next_rowid(acidb_conn *c, cat_table *t, int64_t *out, sql_error *err)
{
    (void)c;
    cat_shared *sh = t->sh;
    int st = ST_OK;
    pthread_mutex_lock(&sh->mu);
    if (sh->next_rowid == 0) {
        bt_cursor *cur;
        st = bt_cursor_open(t->tree, &cur);
        if (st == ST_OK) {
            st = bt_last(cur);
            bt_key k = {0};
            if (st == ST_OK && bt_cursor_valid(cur))
                st = bt_cursor_key(cur, &k);
            sh->next_rowid = (st == ST_OK && k.rowid > 0 ? k.rowid : 0) + 1;
            bt_cursor_close(cur);
        }
    }
    if (st == ST_OK)
        *out = sh->next_rowid++;
    pthread_mutex_unlock(&sh->mu);
    return st == ST_OK ? ACIDB_OK : sql_err_status(err, st, "choosing a row id");
}

/* ---- DDL ------------------------------------------------------------------------------------ */

/* Locks table id `table` in `mode` for c's transaction (waiting), mapping a failure to its
 * SQLSTATE: 40P01, 55P03, 57014 (cancelled), 53200. */
static int lock_table_id(acidb_conn *c, uint32_t table, lk_mode_t mode, sql_error *err)
{
    lk_res_t r = lk_res_table(table);
    int lrc = lk_acquire(txn_locks(c->t), &r, mode, LK_WAIT);
    if (lrc == LK_OK)
        return ACIDB_OK;
    if (lrc == LK_CANCELED)
        return sql_err(err, ACIDB_CANCELED, ERRCODE_QUERY_CANCELED, -1,
                       "canceling statement due to user request");
    int st = lrc == LK_DEADLOCK ? ST_EDEADLOCK : lrc == LK_NOMEM ? ST_ENOMEM : ST_ETIMEOUT;
    st_set(st, "%s", lk_txn_errmsg(txn_locks(c->t)));
    return sql_err_status(err, st, NULL);
}

static int lock_table(acidb_conn *c, cat_table *t, lk_mode_t mode, sql_error *err)
{
    return lock_table_id(c, (uint32_t)t->root, mode, err);
}

/* Takes the DDL lock and makes c's catalog a private copy of the latest version. */
static int ddl_begin(acidb_conn *c, sql_error *err)
{
    int rc = lock_table_id(c, CAT_LOCK_ID, LK_X, err);
    if (rc != ACIDB_OK)
        return rc;
    if (!c->cat_private) {
        pthread_mutex_lock(&c->db->mu);
        catalog *latest = c->db->cat;
        cat_ref(latest);
        pthread_mutex_unlock(&c->db->mu);
        cat_unref(c->cat);
        c->cat = latest;
        c->cat_private = 1;
    }
    return ACIDB_OK;
}

/* Inserts catalog object rows transactionally and installs the version built with them (and
 * without the rows whose keys are in `remove`). */
static int ddl_apply(acidb_conn *c, const cat_row *add, int nadd, const int64_t *remove,
                     int nremove, sql_error *err)
{
    acidb_db *db = c->db;
    catalog *old = c->cat;
    int n = 0, rc = ACIDB_OK, st = ST_OK;
    cat_row *rows = malloc((size_t)(old->nrows + nadd + 1) * sizeof *rows);
    if (rows == NULL)
        return sql_err_nomem(err, NULL);
    for (int i = 0; i < old->nrows; i++) {
        int drop = 0;
        for (int j = 0; j < nremove; j++)
            drop |= old->rows[i].key == remove[j];
        if (!drop)
            rows[n++] = old->rows[i];
    }
    for (int i = 0; i < nadd; i++)
        rows[n++] = add[i];
    catalog *nc = NULL;
    rc = cat_build(rows, n, db->reg, txm_pager(db->tm), old->version + 1, &nc, err);
    if (rc == ACIDB_OK) {
        int64_t next_oid = old->next_oid;
        for (int i = 0; i < nadd; i++)
            if (add[i].key >= next_oid)
                next_oid = add[i].key + 1;
        if (nc->next_oid < next_oid)
            nc->next_oid = next_oid;
        pthread_mutex_lock(&db->cat_mu);
        for (int i = 0; i < nremove && st == ST_OK; i++) {
            bt_key k = bt_int_key(remove[i]);
            st = btx_delete(c->t, db->cattree, &k);
        }
        for (int i = 0; i < nadd && st == ST_OK; i++) {
            uint8_t *buf;
            size_t len;
            if (encode_row(&add[i], &buf, &len) != ACIDB_OK) {
                st = ST_ENOMEM;
                break;
            }
            bt_key k = bt_int_key(add[i].key);
            st = btx_insert(c->t, db->cattree, &k, buf, len, BT_NOREPLACE);
            free(buf);
        }
        /* The oid high-water mark: an oid is never reused, so stale identity rows of a
         * dropped table can never be inherited by a new one. */
        if (st == ST_OK && nadd > 0) {
            value v = val_int(nc->next_oid);
            uint8_t *buf;
            size_t len;
            if (rec_encode(&v, 1, -1, &buf, &len) != 0)
                st = ST_ENOMEM;
            else {
                st = cat_put_redo(db, c->t, OID_HWM_KEY, buf, len, 0);
                free(buf);
            }
        }
        pthread_mutex_unlock(&db->cat_mu);
        if (st != ST_OK) {
            rc = sql_err_status(err, st, "changing the catalog");
            cat_unref(nc);
        } else {
            c->cat = nc;
            cat_unref(old);
        }
    }
    free(rows);
    return rc;
}

static char *cols_list(arena *a, const int *cols, int n)
{
    char *s = ar_alloc(a, (size_t)n * 12 + 1), *p = s;
    if (s == NULL)
        return NULL;
    for (int i = 0; i < n; i++)
        p += sprintf(p, i ? ",%d" : "%d", cols[i]);
    return s;
}

static int name_taken(const catalog *cat, const char *name)
{
    return cat_find_table(cat, name) != NULL || cat_find_index(cat, name) != NULL;
}

static int create_table(acidb_conn *c, const sql_stmt *st, const char *sql, sql_error *err)
{
    const sql_create_table *ct = &st->u.create_table;
    if (name_taken(c->cat, ct->name)) {
        if (ct->if_not_exists)
            return ACIDB_OK; /* PostgreSQL: NOTICE, relation already exists, skipping */
        return sql_err(err, ACIDB_ERROR, ERRCODE_DUPLICATE_TABLE, st->pos,
                       "relation \"%s\" already exists",
                       ct->name);
    }
    /* Checks the builder cannot make by itself (it trusts stored definitions). */
    int npk = 0;
    for (int i = 0; i < ct->ncols; i++) {
        for (int j = 0; j < i; j++)
            if (strcmp(ct->cols[i].name, ct->cols[j].name) == 0)
                return sql_err(err, ACIDB_ERROR, ERRCODE_DUPLICATE_COLUMN, ct->cols[i].pos,
                               "column \"%s\" specified more than once", ct->cols[i].name);
        npk += ct->cols[i].primary_key;
        if (ct->cols[i].identity && ct->cols[i].type != VT_INT)
            return sql_err(err, ACIDB_ERROR, ERRCODE_INVALID_PARAMETER_VALUE, ct->cols[i].pos,
                           "identity column type must be smallint, integer, or bigint");
    }
    for (int j = 0; j < ct->ncons; j++) {
        const sql_tblcons *tc = &ct->cons[j];
        npk += tc->kind == TC_PRIMARY_KEY;
        for (int k = 0; k < tc->ncols; k++) {
            int found = 0;
            for (int i = 0; i < ct->ncols; i++)
                found |= strcmp(ct->cols[i].name, tc->cols[k]) == 0;
            if (!found)
                return sql_err(err, ACIDB_ERROR, ERRCODE_UNDEFINED_COLUMN, tc->pos,
                               "column \"%s\" named in key does not exist", tc->cols[k]);
        }
    }
    if (npk > 1)
        return sql_err(err, ACIDB_ERROR, ERRCODE_INVALID_TABLE_DEFINITION, st->pos,
                       "multiple primary keys for table \"%s\" are not allowed", ct->name);
    if (ct->ncols == 0)
        return sql_err(err, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, st->pos,
                       "tables without columns are not supported");
    if (ct->ncols > 1600)
        return sql_err(err, ACIDB_TOOBIG, ERRCODE_TOO_MANY_COLUMNS, st->pos,
                       "tables can have at most 1600 columns");

    arena a;
    ar_init(&a);
    int rc = ACIDB_OK, s = ST_OK;
    int nitems = ct->ncols + ct->ncons;
    const char *pk_name;
    const char **uq = ar_alloc(&a, (size_t)(nitems + 1) * sizeof *uq);
    const char **ck = ar_alloc(&a, (size_t)(nitems + 1) * sizeof *ck);
    const char **fk = ar_alloc(&a, (size_t)(nitems + 1) * sizeof *fk);
    cat_row *add = ar_alloc(&a, (size_t)(nitems + 2) * sizeof *add);
    if (uq == NULL || ck == NULL || fk == NULL || add == NULL ||
        cat_constraint_names(&a, ct, &pk_name, uq, ck, fk) != 0) {
        rc = sql_err_nomem(err, NULL);
        goto out;
    }
    int nadd = 0;
    int64_t oid = c->cat->next_oid;
    uint64_t root = 0;
    if ((s = create_tree(c, BT_TABLE, &root)) != ST_OK)
        goto st_fail;
    add[nadd++] = (cat_row){.key = oid++, .kind = "table", .name = ct->name, .tbl = ct->name,
                            .root = root, .typefmt = CAT_TYPEFMT_PG,
                            .sql = ar_strndup(&a, sql + st->pos, (size_t)(st->end - st->pos))};
    /* Implicit indexes: a primary key that is not a single INTEGER column, and UNIQUE. */
    for (int i = 0; i <= nitems; i++) {
        const char *iname = NULL;
        int cols[64], ncols = 0, primary = 0;
        if (i == nitems) { /* the primary key */
            for (int j = 0; j < ct->ncols; j++)
                if (ct->cols[j].primary_key && ct->cols[j].type != VT_INT) {
                    cols[ncols++] = j;
                }
            for (int j = 0; j < ct->ncons; j++)
                if (ct->cons[j].kind == TC_PRIMARY_KEY) {
                    const sql_tblcons *tc = &ct->cons[j];
                    int single_int = 0;
                    if (tc->ncols == 1)
                        for (int x = 0; x < ct->ncols; x++)
                            single_int |= strcmp(ct->cols[x].name, tc->cols[0]) == 0 &&
                                          ct->cols[x].type == VT_INT;
                    if (single_int)
                        break;
                    if (tc->ncols > 64) {
                        rc = sql_err(err, ACIDB_TOOBIG, ERRCODE_TOO_MANY_COLUMNS, tc->pos,
                                     "cannot use more than 64 columns in an index");
                        goto out;
                    }
                    for (int k = 0; k < tc->ncols; k++)
                        for (int x = 0; x < ct->ncols; x++)
                            if (strcmp(ct->cols[x].name, tc->cols[k]) == 0)
                                cols[ncols++] = x;
                }
            iname = pk_name;
            primary = 1;
        } else if (uq[i] != NULL) {
            iname = uq[i];
            if (i < ct->ncols) {
                cols[ncols++] = i;
            } else {
                const sql_tblcons *tc = &ct->cons[i - ct->ncols];
                if (tc->ncols > 64) {
                    rc = sql_err(err, ACIDB_TOOBIG, ERRCODE_TOO_MANY_COLUMNS, tc->pos,
                                 "cannot use more than 64 columns in an index");
                    goto out;
                }
                for (int k = 0; k < tc->ncols; k++)
                    for (int x = 0; x < ct->ncols; x++)
                        if (strcmp(ct->cols[x].name, tc->cols[k]) == 0)
                            cols[ncols++] = x;
            }
        }
        if (ncols == 0)
            continue;
        if (name_taken(c->cat, iname)) {
            rc = sql_err(err, ACIDB_ERROR, ERRCODE_DUPLICATE_TABLE, st->pos,
                         "relation \"%s\" already exists",
                         iname);
            goto out;
        }
        for (int j = 0; j < nadd; j++)
            if (strcmp(add[j].name, iname) == 0) {
                rc = sql_err(err, ACIDB_ERROR, ERRCODE_DUPLICATE_TABLE, st->pos,
                             "relation \"%s\" already exists", iname);
                goto out;
            }
        uint64_t iroot = 0;
        if ((s = create_tree(c, BT_INDEX, &iroot)) != ST_OK)
            goto st_fail;
        add[nadd++] = (cat_row){.key = oid++, .kind = "index", .name = iname, .tbl = ct->name,
                                .root = iroot, .unique = 1, .primary = (uint8_t)primary,
                                .cols = cols_list(&a, cols, ncols)};
    }
    rc = ddl_apply(c, add, nadd, NULL, 0, err);
    goto out;
st_fail:
    rc = sql_err_status(err, s, "creating a table");
out:
    ar_free(&a);
    return rc;
}

/* Fills a new index from the table's rows (redo-only inserts: the tree is dropped at the end
 * of the transaction if the index does not survive it). */
static int fill_index(acidb_conn *c, cat_table *t, bt_tree *ix, const int *cols, int ncols,
                      int unique, const char *iname, sql_error *err)
{
    bt_cursor *cur;
    int s = bt_cursor_open(t->tree, &cur), rc = ACIDB_OK;
    if (s != ST_OK)
        return sql_err_status(err, s, "creating an index");
    value *vals = calloc((size_t)t->ncols, sizeof *vals);
    rec_buf kb = {0};
    if (vals == NULL) {
        bt_cursor_close(cur);
        return sql_err_nomem(err, NULL);
    }
    for (s = bt_first(cur); s == ST_OK && bt_cursor_valid(cur); s = bt_next(cur)) {
        bt_key k;
        const void *val;
        size_t len;
        if ((s = bt_cursor_key(cur, &k)) != ST_OK || (s = bt_cursor_value(cur, &val, &len)) != ST_OK)
            break;
        if (rec_decode(val, len, k.rowid, vals, t->ncols) != 0) {
            rc = sql_err(err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                         "row %lld of table \"%s\" is malformed", (long long)k.rowid, t->name);
            break;
        }
        kb.len = 0;
        int has_null = 0;
        for (int i = 0; i < ncols; i++) {
            rec_key_value(&kb, &vals[cols[i]]);
            has_null |= vals[cols[i]].type == VT_NULL;
        }
        uint8_t rid[8];
        for (int b = 0; b < 8; b++)
            rid[b] = (uint8_t)((uint64_t)k.rowid >> (8 * b));
        if (!unique || has_null)
            rec_key_rowid(&kb, k.rowid);
        if (kb.oom) {
            rc = sql_err_nomem(err, NULL);
            break;
        }
        bt_key ik = bt_bytes_key(kb.p, kb.len);
        mtr *m;
        if ((s = mtr_begin(c->db->tm, c->t, &m)) != ST_OK)
            break;
        s = bt_insert(ix, &ik, rid, unique && !has_null ? 8 : 0, BT_NOREPLACE);
        if (s != ST_OK) {
            mtr_abandon(m);
            if (s == ST_EEXISTS) {
                char detail[256];
                int off = snprintf(detail, sizeof detail, "Key (");
                for (int i = 0; i < ncols && off < (int)sizeof detail; i++)
                    off += snprintf(detail + off, sizeof detail - (size_t)off, "%s%s",
                                    i ? ", " : "", t->cols[cols[i]].name);
                rc = sql_err(err, ACIDB_CONSTRAINT, ERRCODE_UNIQUE_VIOLATION, -1,
                             "could not create unique index \"%s\"\nDETAIL:  %s) is duplicated.",
                             iname, detail);
            }
            break;
        }
        if ((s = mtr_commit(m, bt_root(ix), NULL, 0)) != ST_OK)
            break;
    }
    if (rc == ACIDB_OK && s != ST_OK)
        rc = sql_err_status(err, s, "creating an index");
    rec_buf_free(&kb);
    free(vals);
    bt_cursor_close(cur);
    return rc;
}

static int create_index(acidb_conn *c, const sql_stmt *st, const char *sql, sql_error *err)
{
    const sql_create_index *ci = &st->u.create_index;
    cat_table *t = cat_find_table(c->cat, ci->table);
    if (t == NULL)
        return sql_err(err, ACIDB_ERROR, ERRCODE_UNDEFINED_TABLE, st->pos,
                       "relation \"%s\" does not exist",
                       ci->table);
    arena a;
    ar_init(&a);
    int rc = ACIDB_OK, s;
    int *cols = ar_alloc(&a, (size_t)(ci->ncols + 1) * sizeof *cols);
    char *name = (char *)ci->name;
    if (cols == NULL) {
        rc = sql_err_nomem(err, NULL);
        goto out;
    }
    for (int i = 0; i < ci->ncols; i++)
        if ((cols[i] = cat_col_index(t, ci->cols[i])) < 0) {
            rc = sql_err(err, ACIDB_ERROR,
                         ERRCODE_UNDEFINED_COLUMN, ci->col_pos ? ci->col_pos[i] : st->pos,
                         "column \"%s\" does not exist", ci->cols[i]);
            goto out;
        }
    if (ci->ncols > 64) {
        rc = sql_err(err, ACIDB_TOOBIG, ERRCODE_TOO_MANY_COLUMNS, st->pos,
                     "cannot use more than 64 columns in an index");
        goto out;
    }
    if (name == NULL) { /* PostgreSQL: <table>_<col>_..._idx, made unique with a number */
        size_t n = strlen(t->name) + 16;
        for (int i = 0; i < ci->ncols; i++)
            n += strlen(ci->cols[i]) + 1;
        name = ar_alloc(&a, n + 8);
        if (name == NULL) {
            rc = sql_err_nomem(err, NULL);
            goto out;
        }
        for (int attempt = 0;; attempt++) {
            char *p = name + sprintf(name, "%s", t->name);
            for (int i = 0; i < ci->ncols; i++)
                p += sprintf(p, "_%s", ci->cols[i]);
            if (attempt)
                sprintf(p, "_idx%d", attempt);
            else
                sprintf(p, "_idx");
            if (!name_taken(c->cat, name))
                break;
        }
    } else if (name_taken(c->cat, name)) {
        if (ci->if_not_exists)
            goto out;
        rc = sql_err(err, ACIDB_ERROR, ERRCODE_DUPLICATE_TABLE, st->pos,
                     "relation \"%s\" already exists", name);
        goto out;
    }
    /* S on the table: writers wait until the index is complete and committed, readers go on
     * (PostgreSQL's CREATE INDEX takes a SHARE lock for the same reason). */
    if ((rc = lock_table(c, t, LK_S, err)) != ACIDB_OK)
        goto out;
    uint64_t root = 0;
    bt_tree *ix = NULL;
    if ((s = create_tree(c, BT_INDEX, &root)) != ST_OK ||
        (s = bt_open(txm_pager(c->db->tm), root, BT_INDEX, &ix)) != ST_OK) {
        rc = sql_err_status(err, s, "creating an index");
        goto out;
    }
    rc = fill_index(c, t, ix, cols, ci->ncols, ci->unique, name, err);
    bt_close(ix);
    if (rc != ACIDB_OK)
        goto out;
    cat_row add = {.key = c->cat->next_oid, .kind = "index", .name = name, .tbl = t->name,
                   .root = root, .unique = ci->unique,
                   .sql = ar_strndup(&a, sql + st->pos, (size_t)(st->end - st->pos)),
                   .cols = cols_list(&a, cols, ci->ncols)};
    rc = ddl_apply(c, &add, 1, NULL, 0, err);
out:
    ar_free(&a);
    return rc;
}

/* A trash entry for a dropped tree, inserted transactionally: its rollback removes it again
 * (or restores the redo-only entry of a CREATE in the same transaction). */
static int trash_add_txn(acidb_conn *c, uint64_t root, bt_kind kind)
{
    uint8_t v = (uint8_t)kind;
    bt_key k = bt_int_key(-(int64_t)root);
    pthread_mutex_lock(&c->db->cat_mu);
    int s = btx_insert(c->t, c->db->cattree, &k, &v, 1, BT_REPLACE);
    pthread_mutex_unlock(&c->db->cat_mu);
    if (s == ST_OK && conn_add_trash(c, root) != ACIDB_OK)
        s = ST_ENOMEM;
    return s;
}

static int drop_table(acidb_conn *c, const sql_stmt *st, sql_error *err)
{
    cat_table *t = cat_find_table(c->cat, st->u.drop.name);
    if (t == NULL) {
        if (cat_find_index(c->cat, st->u.drop.name) != NULL)
            return sql_err(err, ACIDB_ERROR, ERRCODE_WRONG_OBJECT_TYPE, st->pos,
                           "\"%s\" is not a table",
                           st->u.drop.name);
        if (st->u.drop.if_exists)
            return ACIDB_OK;
        return sql_err(err, ACIDB_ERROR, ERRCODE_UNDEFINED_TABLE, st->pos,
                       "table \"%s\" does not exist",
                       st->u.drop.name);
    }
    for (int i = 0; i < t->nrefby; i++)
        if (t->refby[i]->table != t)
            return sql_err(err, ACIDB_ERROR, ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST, st->pos,
                           "cannot drop table %s because other objects depend on it\n"
                           "DETAIL:  constraint %s on table %s depends on table %s",
                           t->name, t->refby[i]->name, t->refby[i]->table->name, t->name);
    int rc = lock_table(c, t, LK_X, err);
    if (rc != ACIDB_OK)
        return rc;
    int64_t *remove = malloc((size_t)(t->nidx + 1) * sizeof *remove);
    if (remove == NULL)
        return sql_err_nomem(err, NULL);
    int n = 0, s = trash_add_txn(c, t->root, BT_TABLE);
    remove[n++] = (int64_t)t->oid;
    for (int i = 0; i < t->nidx && s == ST_OK; i++) {
        remove[n++] = (int64_t)t->idx[i]->oid;
        s = trash_add_txn(c, t->idx[i]->root, BT_INDEX);
    }
    rc = s == ST_OK ? ddl_apply(c, NULL, 0, remove, n, err) : sql_err_status(err, s, "dropping a table");
    free(remove);
    return rc;
}

static int drop_index(acidb_conn *c, const sql_stmt *st, sql_error *err)
{
    cat_index *ix = cat_find_index(c->cat, st->u.drop.name);
    if (ix == NULL) {
        if (cat_find_table(c->cat, st->u.drop.name) != NULL)
            return sql_err(err, ACIDB_ERROR, ERRCODE_WRONG_OBJECT_TYPE, st->pos,
                           "\"%s\" is not an index",
                           st->u.drop.name);
        /* An INTEGER primary key is the row id itself: its "index" is the table tree. */
        for (int i = 0; i < c->cat->ntables; i++) {
            cat_table *t = c->cat->tables[i];
            if (t->rowid_col >= 0 && t->pkey_name && strcmp(t->pkey_name, st->u.drop.name) == 0)
                return sql_err(err, ACIDB_ERROR, ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST, st->pos,
                               "cannot drop index %s because constraint %s on table %s requires it",
                               t->pkey_name, t->pkey_name, t->name);
        }
        if (st->u.drop.if_exists)
            return ACIDB_OK;
        return sql_err(err, ACIDB_ERROR, ERRCODE_UNDEFINED_OBJECT, st->pos,
                       "index \"%s\" does not exist",
                       st->u.drop.name);
    }
    if (ix->implicit)
        return sql_err(err, ACIDB_ERROR, ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST, st->pos,
                       "cannot drop index %s because constraint %s on table %s requires it",
                       ix->name, ix->name, ix->table->name);
    for (int i = 0; i < ix->table->nrefby; i++)
        if (ix->table->refby[i]->ref_index == ix)
            return sql_err(err, ACIDB_ERROR, ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST, st->pos,
                           "cannot drop index %s because constraint %s on table %s requires it",
                           ix->name, ix->table->refby[i]->name, ix->table->refby[i]->table->name);
    int rc = lock_table(c, ix->table, LK_X, err);
    if (rc != ACIDB_OK)
        return rc;
    int s = trash_add_txn(c, ix->root, BT_INDEX);
    if (s != ST_OK)
        return sql_err_status(err, s, "dropping an index");
    int64_t key = (int64_t)ix->oid;
    return ddl_apply(c, NULL, 0, &key, 1, err);
}

int ddl_exec(acidb_conn *c, const sql_stmt *st, const char *sql, sql_error *err)
{
    int rc = ddl_begin(c, err);
    if (rc != ACIDB_OK)
        return rc;
    switch (st->kind) {
    case STMT_CREATE_TABLE:
        return create_table(c, st, sql, err);
    case STMT_CREATE_INDEX:
        return create_index(c, st, sql, err);
    case STMT_DROP_TABLE:
        return drop_table(c, st, err);
    case STMT_DROP_INDEX:
        return drop_index(c, st, err);
    default:
        return sql_err(err, ACIDB_MISUSE, ERRCODE_INTERNAL_ERROR, -1, "not a DDL statement");
    }
}
