/*
 * conn.c — a connection's transaction: begin, commit (publishing its schema changes), rollback,
 * and the mapping of lower-layer statuses into the connection's error.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "pager/status.h"

int conn_status(acidb_conn *c, int st, const char *context)
{
    return sql_err_status(&c->err, st, context);
}

void conn_apply_timeout(acidb_conn *c)
{
    if (c->t != NULL && txn_locks(c->t) != NULL)
        lk_txn_set_timeout(txn_locks(c->t), c->lock_timeout_ms);
}

int conn_begin(acidb_conn *c)
{
    if (c->t != NULL)
        return ACIDB_OK;
    txn *t;
    int st = txn_begin(c->db->tm, &t);
    if (st != ST_OK)
        return conn_status(c, st, "beginning a transaction");
    pthread_mutex_lock(&c->mu); /* acidb_interrupt reads c->t from another thread */
    c->t = t;
    pthread_mutex_unlock(&c->mu);
    conn_apply_timeout(c);
    return ACIDB_OK;
}

catalog *conn_catalog(acidb_conn *c)
{
    if (!c->cat_private) {
        acidb_db *db = c->db;
        if (c->cat == NULL || c->cat->version != atomic_load(&db->cat_version)) {
            pthread_mutex_lock(&db->mu);
            catalog *latest = db->cat;
            cat_ref(latest);
            pthread_mutex_unlock(&db->mu);
            cat_unref(c->cat);
            c->cat = latest;
        }
    }
    return c->cat;
}

int conn_reserve_trash(acidb_conn *c)
{
    if (c->ntrash == c->cap_trash) {
        int cap = c->cap_trash ? c->cap_trash * 2 : 8;
        uint64_t *n = realloc(c->trash, (size_t)cap * sizeof *n);
        if (n == NULL)
            return ACIDB_NOMEM;
        c->trash = n;
        c->cap_trash = cap;
    }
    return ACIDB_OK;
}

int conn_add_trash(acidb_conn *c, uint64_t root)
{
    if (conn_reserve_trash(c) != ACIDB_OK)
        return ACIDB_NOMEM;
    c->trash[c->ntrash++] = root;
    return ACIDB_OK;
}

/* After the transaction ended: the trees it created or dropped that no published object
 * references are freed. A failure here fails-stop the database (the trash entries remain and
 * the next open frees the trees); the transaction's outcome is not affected. */
static void end_trash(acidb_conn *c)
{
    if (c->ntrash > 0) {
        int st = ddl_cleanup_trash(c->db, c->trash, c->ntrash);
        (void)st; /* reported by txm_failed on the next change, and repaired at open */
    }
    c->ntrash = 0;
}

/* Drops a private catalog copy, going back to the published version. */
static void drop_private(acidb_conn *c)
{
    if (c->cat_private) {
        cat_unref(c->cat);
        c->cat = NULL;
        c->cat_private = 0;
    }
}

/* Detaches the open transaction (under c->mu: acidb_interrupt may be reading c->t) and ends the
 * block; the caller commits or aborts what it got (NULL: none). */
static txn *take_txn(acidb_conn *c)
{
    pthread_mutex_lock(&c->mu);
    txn *t = c->t;
    c->t = NULL;
    pthread_mutex_unlock(&c->mu);
    if (t != NULL)
        c->txn_seq++;
    c->in_block = 0;
    c->failed = 0;
    return t;
}

int conn_commit(acidb_conn *c)
{
    acidb_db *db = c->db;
    txn *t = take_txn(c);
    if (t == NULL)
        return ACIDB_OK;
    int st;
    if (c->cat_private) {
        /* E3: statements that get a table lock once txn_commit has released ours must find
         * the new version published; ddl_committing makes them wait on ddl_mu meanwhile. */
        pthread_mutex_lock(&db->ddl_mu);
        atomic_store(&db->ddl_committing, 1);
        st = txn_commit(t);
        if (st == ST_OK) {
            pthread_mutex_lock(&db->mu);
            catalog *old = db->cat;
            db->cat = c->cat;
            cat_ref(c->cat);
            atomic_store(&db->cat_version, c->cat->version);
            pthread_mutex_unlock(&db->mu);
            cat_unref(old);
        }
        atomic_store(&db->ddl_committing, 0);
        pthread_mutex_unlock(&db->ddl_mu);
        drop_private(c);
    } else {
        st = txn_commit(t);
    }
    if (st == ST_OK)
        atomic_fetch_add(&db->commits, 1);
    end_trash(c);
    return st == ST_OK ? ACIDB_OK : conn_status(c, st, "committing");
}

int conn_rollback(acidb_conn *c)
{
    txn *t = take_txn(c);
    drop_private(c);
    if (t == NULL)
        return ACIDB_OK;
    int st = txn_abort(t);
    atomic_fetch_add(&c->db->rollbacks, 1);
    end_trash(c);
    return st == ST_OK ? ACIDB_OK : conn_status(c, st, "rolling back");
}
