/*
 * conn.c — a connection's transaction: begin, commit (publishing its schema changes), rollback,
 * and the mapping of lower-layer statuses into the connection's error.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/stmt.h"
#include "pager/status.h"

#ifndef NDEBUG
/* The connection's state checker (engine/README.md, "Contract": an error in a block fails it
 * until ROLLBACK; a running statement belongs to its transaction), run at every change of its
 * transaction (begin, commit, rollback) and after each step and reset of its statements. The
 * transaction block is one of
 *   idle          no transaction, no block;
 *   autocommit    a transaction (a statement's own), no block;
 *   in block      BEGIN ran: the block's transaction is open;
 *   failed block  an error rolled the transaction back: none is open until ROLLBACK/COMMIT;
 * a DDL copy of the catalog and trash entries exist only inside a transaction; and at most one
 * statement of the current transaction owns it (autocommit), while that transaction is open.
 * O(statements of the connection). */
void conn_check(const acidb_conn *c)
{
    assert(c->magic == CONN_MAGIC);
    assert(!c->failed || c->in_block);                 /* "failed" is a state of a block */
    assert(!c->failed || c->t == NULL);                /* ... whose transaction is gone */
    assert(!c->in_block || c->failed || c->t != NULL); /* a live block has its transaction */
    assert(!c->cat_private || c->t != NULL);           /* a DDL catalog copy: in a transaction */
    assert(c->ntrash >= 0 && c->ntrash <= c->cap_trash);
    assert(c->ntrash == 0 || c->t != NULL); /* trees to free at the end of an open transaction */
    int owners = 0;
    for (const acidb_stmt *s = c->stmts; s != NULL; s = s->next) {
        assert(s->conn == c && (s->prev == NULL ? c->stmts == s : s->prev->next == s));
        owners += s->own_txn && s->txn_seq == c->txn_seq;
    }
    assert(owners <= 1 && (owners == 0 || c->t != NULL));
}
#endif

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
    CONN_CHECK(c);
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
    assert(c->t == NULL && !c->in_block && !c->cat_private); /* idle, whatever the outcome */
    CONN_CHECK(c);
    return st == ST_OK ? ACIDB_OK : conn_status(c, st, "committing");
}

int conn_rollback(acidb_conn *c)
{
    txn *t = take_txn(c);
    drop_private(c);
    if (t == NULL) {
        CONN_CHECK(c);
        return ACIDB_OK;
    }
    int st = txn_abort(t);
    atomic_fetch_add(&c->db->rollbacks, 1);
    end_trash(c);
    assert(c->t == NULL && !c->in_block && !c->failed); /* idle: a failed block ended too */
    CONN_CHECK(c);
    return st == ST_OK ? ACIDB_OK : conn_status(c, st, "rolling back");
}
