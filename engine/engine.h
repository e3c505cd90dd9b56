/*
 * engine.h — internal structures shared by the engine's files: the database, connection and
 * statement objects behind the opaque handles of acidb.h, and the helpers that run
 * transactions and change the catalog.
 *
 * Locking rules (engine/README.md, "Catalog and schema changes"):
 *   E1  db->mu protects db->cat (the published catalog pointer), the connection count and the
 *       statistics; held only for pointer swaps and counters, never across I/O or a lock wait.
 *   E2  db->cat_mu serializes writes to the catalog tree that happen outside a DDL statement's
 *       own row locks (trash entries, identity counters, tree drops) and every catalog write of
 *       a DDL statement: a mini-transaction that frees a dropped tree's pages and deletes its
 *       trash entry must hold the catalog tree latch while it already holds the header, which
 *       is safe only if no other catalog writer can be waiting for the header. Held across one
 *       mini-transaction at a time, never across a lock wait (catalog row locks are taken by
 *       DDL transactions only, which CAT_LOCK_ID in X serializes, so they never wait).
 *   E3  db->ddl_mu is held by a DDL transaction from just before its commit until its catalog
 *       version is published, so that a statement which got its table lock after the commit
 *       released it always sees the new version (engine/README.md, "Catalog and schema changes").
 *   Order: ddl_mu before cat_mu before mu.
 */
#ifndef ACIDB_ENGINE_H
#define ACIDB_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "engine/acidb.h"
#include "engine/arena.h"
#include "engine/ast.h"
#include "engine/catalog.h"
#include "engine/sqlerr.h"
#include "engine/value.h"
#include "lockmgr/lock.h"
#include "wal/txn.h"

#define DB_MAGIC 0x61636462u
#define CONN_MAGIC 0x636f6e6eu
#define STMT_MAGIC 0x73746d74u

struct acidb_db {
    uint32_t magic;
    char *path;
    acidb_options opts;
    txm *tm;
    lk_mgr *locks;
    cat_registry *reg;
    bt_tree *cattree;         /* the catalog tree (root in the header) */
    pthread_mutex_t mu;       /* E1 */
    pthread_mutex_t cat_mu;   /* E2 */
    pthread_mutex_t ddl_mu;   /* E3 */
    catalog *cat;             /* published version (E1) */
    atomic_uint_fast64_t cat_version;
    atomic_int ddl_committing;
    int nconns;
    double recovery_seconds;
    int recovery_ran;
    uint64_t recovery_log_bytes;
    /* statistics */
    atomic_uint_fast64_t commits, rollbacks;
};

typedef struct acidb_stmt_list {
    acidb_stmt *first;
} acidb_stmt_list;

struct acidb_conn {
    uint32_t magic;
    acidb_db *db;
    txn *t;                   /* the open transaction, or NULL; changed under mu */
    pthread_mutex_t mu;       /* guards t against acidb_interrupt from another thread */
    int in_block;             /* inside BEGIN ... COMMIT */
    int failed;               /* the block is failed (25P02 until ROLLBACK) */
    catalog *cat;             /* the version this connection's statements see (a reference) */
    int cat_private;          /* cat is this transaction's DDL copy, not yet published */
    uint64_t *trash;          /* trees created or dropped by the open transaction */
    int ntrash, cap_trash;
    unsigned lock_timeout_ms;
    sql_error err;
    int64_t changes;
    char tag[64];             /* acidb_command_tag's buffer */
    const char *tag_prefix;   /* the last statement's tag: prefix ... */
    int64_t tag_count;        /* ... and count (-1: none) */
    atomic_int interrupt;
    acidb_stmt *stmts;        /* every statement of the connection (for disconnect) */
    int running;              /* statements between their first step and their end */
    uint64_t txn_seq;         /* transactions ended so far (take_txn): a statement that began in
                                 an earlier one must not go on in the next (stmt.h txn_seq) */
    atomic_int busy;          /* a public call is inside the connection (conn_enter) */
};

/* The one-thread-at-a-time rule, enforced (acidb.h, "Threads";
 * misuse/one_connection_stepped_from_two_threads): every public
 * call on a connection or one of its statements, but acidb_errmsg/acidb_sqlstate/
 * acidb_error_position and acidb_interrupt, enters with conn_enter and leaves with conn_leave.
 * A call that finds the connection busy touches nothing of it and returns conn_refuse()'s
 * ACIDB_MISUSE; the refusal's message is kept per thread (conn_refused), so the error of the
 * call that is inside stays as it is. Calls nest through internal functions that never enter
 * (acidb_exec runs prepare/step/finalize, acidb_disconnect finalizes). One uncontended atomic
 * exchange per call, no mutex: this is the hot path. */
extern _Thread_local const acidb_conn *conn_refused;
int conn_refuse(acidb_conn *c, const char *fn);
static inline int conn_enter(acidb_conn *c)
{
    if (atomic_exchange_explicit(&c->busy, 1, memory_order_acquire) != 0)
        return 0;
    if (conn_refused == c)
        conn_refused = NULL; /* this thread's last call on c is no longer the refused one */
    return 1;
}
static inline void conn_leave(acidb_conn *c)
{
    atomic_store_explicit(&c->busy, 0, memory_order_release);
}

/* TESTS ONLY (engine/testhooks.c): while set on the opening thread, acidb_open builds its
 * txm_options with this OS layer (pager and log), page size, log preallocation and
 * test_break switches. NULL (always, outside tests): the defaults. */
struct db_open_extra {
    os_vfs *vfs;
    uint32_t page_size;
    size_t log_prealloc;
    unsigned test_break;
};
extern _Thread_local const struct db_open_extra *db_open_extra;

/* The published catalog version, referenced under db->mu (E1): the caller releases it with
 * cat_unref. Never NULL once the database is open (engine/admin.c). */
catalog *db_published_catalog(acidb_db *db);

/* Frees a database handle (catalog, lock manager, mutexes, the struct) once the caller has
 * closed or abandoned its txm (engine/api.c: open's failure path, acidb_close, test hooks). */
void db_free(acidb_db *db);

/* ---- transactions (engine/conn.c) ---------------------------------------------------------- */

/* Starts a transaction if none is open. */
int conn_begin(acidb_conn *c);
/* Commits the open transaction (publishing a DDL catalog, cleaning trash). */
int conn_commit(acidb_conn *c);
/* Rolls the open transaction back. */
int conn_rollback(acidb_conn *c);
/* The catalog a statement should plan against (refreshes to the published version when the
 * connection has no private one). Borrowed: valid while c->cat is. */
catalog *conn_catalog(acidb_conn *c);
/* Records a tree created or dropped by the open transaction (checked at its end). */
int conn_add_trash(acidb_conn *c, uint64_t root);
/* Makes room for one more conn_add_trash, which then cannot fail. */
int conn_reserve_trash(acidb_conn *c);
/* Maps the status st of a lower layer into c->err. */
int conn_status(acidb_conn *c, int st, const char *context);
/* The lock timeout applied to the transaction. */
void conn_apply_timeout(acidb_conn *c);
/* The connection's state checker (conn.c): asserts the transaction-block state machine. In
 * every build without NDEBUG (the Makefile's builds, tests and crash harness included). */
#ifndef NDEBUG
void conn_check(const acidb_conn *c);
#define CONN_CHECK(c) conn_check(c)
#else
#define CONN_CHECK(c) ((void)0)
#endif

/* ---- catalog changes (engine/ddl.c) -------------------------------------------------------- */

/* Loads the catalog tree into a version (open, after recovery), and frees any tree left in
 * the trash by a crash. */
int db_load_catalog(acidb_db *db, sql_error *err);
/* Runs a DDL statement in c's transaction. `sql` is the full text (the statement's span is
 * stored for CREATE TABLE / CREATE INDEX). */
int ddl_exec(acidb_conn *c, const sql_stmt *st, const char *sql, sql_error *err);
/* At a transaction's end: frees the trees in c->trash that no published object references
 * and removes their trash entries. Errors fail-stop the database like any I/O error. */
int ddl_cleanup_trash(acidb_db *db, const uint64_t *roots, int n);
/* The next value of an identity column (durable high-water mark, see catalog.h). */
int ddl_next_identity(acidb_conn *c, cat_table *t, int col, int64_t *out, sql_error *err);
/* A new hidden row id for a table without an INTEGER PRIMARY KEY. */
int ddl_next_rowid(acidb_conn *c, cat_table *t, int64_t *out, sql_error *err);

#endif
