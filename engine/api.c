/*
 * api.c — the public API (acidb.h): handles, opening and closing, preparing, binding,
 * stepping, results, errors. Transaction control, SET and EXPLAIN are run here; SELECT in
 * exec.c, INSERT/UPDATE/DELETE in dml.c, DDL in ddl.c.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/expr.h"
#include "engine/parse.h"
#include "engine/stmt.h"
#include "pager/status.h"
#include "wal/btx.h"
#include "engine/sqlstate.h"

static _Thread_local char open_msg[SQL_ERRMSG_MAX];
#ifndef ACIDB_NO_TEST_HOOKS /* the shipped libraries have no test-open path (Makefile) */
_Thread_local const struct db_open_extra *db_open_extra; /* tests only (engine.h) */
#endif

/* The busy-flag refusals (engine.h conn_enter): the connection this thread was last refused
 * on, and the message acidb_errmsg then shows it instead of the connection's own error, which
 * belongs to the thread that is inside. */
_Thread_local const acidb_conn *conn_refused;
static _Thread_local char refused_msg[200];

int conn_refuse(acidb_conn *c, const char *fn)
{
    conn_refused = c;
    snprintf(refused_msg, sizeof refused_msg,
             "%s: the connection is in use by another thread (a connection and its statements "
             "may be used by one thread at a time)", fn);
    return ACIDB_MISUSE;
}

const char *acidb_errstr(int code)
{
    switch (code) {
    case ACIDB_OK: return "not an error";
    case ACIDB_ROW: return "another row available";
    case ACIDB_DONE: return "no more rows available";
    case ACIDB_ERROR: return "SQL error";
    case ACIDB_CONSTRAINT: return "constraint violation";
    case ACIDB_RANGE: return "data exception";
    case ACIDB_DEADLOCK: return "deadlock detected";
    case ACIDB_LOCK_TIMEOUT: return "lock not available";
    case ACIDB_BUSY: return "database is in use";
    case ACIDB_CORRUPT: return "database corrupt";
    case ACIDB_IOERR: return "I/O error";
    case ACIDB_NOMEM: return "out of memory";
    case ACIDB_MISUSE: return "API misuse";
    case ACIDB_CANTOPEN: return "unable to open database";
    case ACIDB_FULL: return "disk or cache full";
    case ACIDB_TOOBIG: return "limit exceeded";
    case ACIDB_CANCELED: return "statement canceled";
    case ACIDB_READONLY: return "database is read-only";
    default: return "unknown error";
    }
}

acidb_options acidb_default_options(void)
{
    acidb_options o = {0};
    o.create = 1;
    return o;
}

const char *acidb_open_errmsg(void) { return open_msg; }

static const char *table_name_cb(void *ctx, uint32_t table)
{
    /* Runs with lock-manager mutexes held; copies the name out under db->mu, because a DDL
     * commit may free the version right after. */
    static _Thread_local char name[128];
    acidb_db *db = ctx;
    if (table == CAT_LOCK_ID)
        return "the catalog";
    const char *found = NULL;
    pthread_mutex_lock(&db->mu); /* lock order: lock-manager mutexes, then db->mu (E1) */
    catalog *c = db->cat;
    for (int i = 0; c != NULL && i < c->ntables && !found; i++)
        if (c->tables[i]->root == table)
            found = c->tables[i]->name;
    for (int i = 0; c != NULL && i < c->nindexes && !found; i++)
        if (c->indexes[i]->root == table)
            found = c->indexes[i]->name;
    if (found)
        snprintf(name, sizeof name, "%s", found);
    pthread_mutex_unlock(&db->mu);
    return found ? name : NULL;
}

int acidb_open(const char *path, const acidb_options *opts, acidb_db **out)
{
    open_msg[0] = 0;
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL) {
        snprintf(open_msg, sizeof open_msg, "acidb_open: NULL path or out pointer");
        return ACIDB_MISUSE;
    }
    acidb_options o = opts ? *opts : acidb_default_options();
    o.read_only = o.read_only != 0;
    acidb_db *db = calloc(1, sizeof *db);
    if (db == NULL || (db->path = strdup(path)) == NULL) {
        free(db);
        snprintf(open_msg, sizeof open_msg, "out of memory opening %s", path);
        return ACIDB_NOMEM;
    }
    db->magic = DB_MAGIC;
    db->opts = o;
    pthread_mutex_init(&db->mu, NULL);
    pthread_mutex_init(&db->cat_mu, NULL);
    pthread_mutex_init(&db->ddl_mu, NULL);
    sql_error err;
    sql_err_clear(&err);
    int rc = ACIDB_OK;
    lk_config_t cfg = lk_config_default();
    cfg.lock_timeout_ms = o.lock_timeout_ms ? o.lock_timeout_ms : 10000;
    cfg.deadlock_delay_ms = o.deadlock_check_ms;
    cfg.table_name = table_name_cb;
    cfg.ctx = db;
    if (cat_registry_create(&db->reg) != ACIDB_OK || lk_mgr_create(&cfg, &db->locks) != LK_OK) {
        rc = sql_err(&err, ACIDB_NOMEM, ERRCODE_OUT_OF_MEMORY, -1,
                     "out of memory opening %s", path);
        goto fail;
    }
    txm_options to = {
        .pager = {.cache_bytes = o.cache_bytes ? o.cache_bytes : (64u << 20),
                  .create = o.create && !o.read_only, .readonly = o.read_only},
        .log = {.no_sync = o.durability == ACIDB_DURABILITY_OFF,
                .powersafe_overwrite = o.powersafe_overwrite != 0},
        .rm = {.undo = btx_undo},
        .locks = db->locks,
        .checkpoint_bytes = o.checkpoint_bytes,
        .progress = o.progress,
        .progress_ctx = o.progress_ctx,
    };
#ifndef ACIDB_NO_TEST_HOOKS
    const struct db_open_extra *x = db_open_extra;
    if (x != NULL) {
        to.pager.vfs = to.log.vfs = x->vfs;
        to.pager.page_size = x->page_size;
        to.log.prealloc = x->log_prealloc;
        to.test_break = x->test_break;
    }
#endif
    int st = txm_open(path, &to, &db->tm);
    if (st != ST_OK) {
        db->tm = NULL;
        rc = sql_err_status(&err, st, NULL);
        if (st == ST_ECANTOPEN || st == ST_ENOTDB || st == ST_EEMPTY || st == ST_EVERSION)
            rc = ACIDB_CANTOPEN;
        goto fail;
    }
    const txm_recovery *rec = txm_last_recovery(db->tm);
    if (rec != NULL) {
        db->recovery_ran = rec->needed;
        db->recovery_seconds = rec->seconds;
        db->recovery_log_bytes = rec->log_bytes;
    }
    if ((rc = db_load_catalog(db, &err)) != ACIDB_OK)
        goto fail;
    *out = db;
    return ACIDB_OK;
fail:
    snprintf(open_msg, sizeof open_msg, "%s", err.msg);
    if (db->tm)
        txm_abandon(db->tm);
    db_free(db);
    return rc;
}

void db_free(acidb_db *db)
{
    bt_close(db->cattree); /* handles only: no page is touched */
    cat_unref(db->cat);
    lk_mgr_destroy(db->locks);
    cat_registry_destroy(db->reg);
    pthread_mutex_destroy(&db->mu);
    pthread_mutex_destroy(&db->cat_mu);
    pthread_mutex_destroy(&db->ddl_mu);
    free(db->path);
    db->magic = 0;
    free(db);
}

void acidb_recovery_info(acidb_db *db, int *ran, double *seconds, uint64_t *log_bytes)
{
    if (db == NULL || db->magic != DB_MAGIC)
        return;
    if (ran)
        *ran = db->recovery_ran;
    if (seconds)
        *seconds = db->recovery_seconds;
    if (log_bytes)
        *log_bytes = db->recovery_log_bytes;
}

int acidb_close(acidb_db *db)
{
    if (db == NULL || db->magic != DB_MAGIC)
        return ACIDB_MISUSE;
    pthread_mutex_lock(&db->mu);
    int busy = db->nconns > 0;
    pthread_mutex_unlock(&db->mu);
    if (busy) {
        snprintf(open_msg, sizeof open_msg, "acidb_close: %d connection(s) still open", db->nconns);
        return ACIDB_MISUSE;
    }
    int rc = ACIDB_OK;
    if (txm_failed(db->tm)) {
        txm_abandon(db->tm);
        rc = ACIDB_IOERR;
    } else {
        int st = db->opts.read_only ? ST_OK : txm_checkpoint(db->tm); /* nothing to write */
        if (st == ST_OK)
            st = txm_close(db->tm);
        else
            txm_abandon(db->tm);
        if (st != ST_OK) {
            snprintf(open_msg, sizeof open_msg, "closing %s: %s", db->path, st_msg());
            rc = st == ST_EIO ? ACIDB_IOERR : st == ST_ENOMEM ? ACIDB_NOMEM : ACIDB_ERROR;
        }
    }
    db_free(db);
    return rc;
}

/* ---- connections -------------------------------------------------------------------------- */

static int conn_ok(acidb_conn *c) { return c != NULL && c->magic == CONN_MAGIC; }
static int stmt_ok(acidb_stmt *s) { return s != NULL && s->magic == STMT_MAGIC && conn_ok(s->conn); }

/* A public call on statement s enters its connection (engine.h conn_enter): ACIDB_OK, or
 * ACIDB_MISUSE for a bad handle or a connection another thread is in (nothing touched). */
#ifndef NDEBUG
/* The statement's state checker (engine/README.md, "Contract": a running statement belongs to
 * its transaction; autocommit), run after prepare, each step and each reset, with its
 * connection's (conn_check). Lifecycle: prepared or reset (SS_READY) -> stepping (SS_ROWS) ->
 * done (SS_DONE) or failed (SS_FAILED) -> reset (SS_READY) ... -> finalized (freed, checked
 * last in stmt_free). A statement owns the transaction (autocommit) only while it steps; a
 * stepping statement whose transaction has not ended sees it open on the connection; its rows
 * come from a materialized result or from the SELECT's scans; a result position never passes
 * the result. */
static void check_stmt(const acidb_stmt *s)
{
    const acidb_conn *c = s->conn;
    assert(s->magic == STMT_MAGIC && c->magic == CONN_MAGIC);
    assert(s->state == SS_READY || s->state == SS_ROWS || s->state == SS_DONE ||
           s->state == SS_FAILED);
    assert(!s->own_txn || s->state == SS_ROWS);
    assert(s->state != SS_ROWS || s->txn_seq != c->txn_seq || c->t != NULL);
    assert(s->state != SS_ROWS || s->materialized || s->sel != NULL);
    assert(s->state != SS_READY || (s->nres == 0 && s->res_pos == 0));
    assert(0 <= s->res_pos && s->res_pos <= s->nres && s->nres <= s->cap_res);
    CONN_CHECK(c);
}
#define CHECK_STMT(s) check_stmt(s)
#else
#define CHECK_STMT(s) ((void)0)
#endif

static int stmt_enter(acidb_stmt *s, const char *fn)
{
    if (!stmt_ok(s))
        return ACIDB_MISUSE;
    if (!conn_enter(s->conn))
        return conn_refuse(s->conn, fn);
    return ACIDB_OK;
}

int acidb_connect(acidb_db *db, acidb_conn **out)
{
    if (out != NULL)
        *out = NULL;
    if (db == NULL || db->magic != DB_MAGIC || out == NULL)
        return ACIDB_MISUSE;
    acidb_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return ACIDB_NOMEM;
    c->magic = CONN_MAGIC;
    c->db = db;
    atomic_init(&c->busy, 0);
    if (conn_refused == c)
        conn_refused = NULL; /* a refusal on a freed connection that had this address */
    pthread_mutex_init(&c->mu, NULL);
    c->lock_timeout_ms = db->opts.lock_timeout_ms ? db->opts.lock_timeout_ms : 10000;
    sql_err_clear(&c->err);
    pthread_mutex_lock(&db->mu);
    db->nconns++;
    pthread_mutex_unlock(&db->mu);
    *out = c;
    return ACIDB_OK;
}

static void stmt_free(acidb_stmt *s);

int acidb_disconnect(acidb_conn *c)
{
    if (!conn_ok(c))
        return ACIDB_MISUSE;
    if (!conn_enter(c))
        return conn_refuse(c, "acidb_disconnect");
    /* Never left: the connection is freed below. */
    while (c->stmts != NULL)
        stmt_free(c->stmts);
    int rc = conn_rollback(c);
    cat_unref(c->cat);
    free(c->trash);
    acidb_db *db = c->db;
    pthread_mutex_lock(&db->mu);
    db->nconns--;
    pthread_mutex_unlock(&db->mu);
    c->magic = 0;
    pthread_mutex_destroy(&c->mu);
    free(c);
    return rc;
}

int64_t acidb_changes(acidb_conn *c)
{
    if (!conn_ok(c))
        return 0;
    if (!conn_enter(c))
        return conn_refuse(c, "acidb_changes"), 0;
    int64_t n = c->changes;
    conn_leave(c);
    return n;
}

/* The error readers do not enter: they must describe a refusal (this thread's, kept in
 * conn_refused) without waiting for the thread that is inside. */
const char *acidb_errmsg(acidb_conn *c)
{
    if (!conn_ok(c))
        return "bad connection handle";
    return conn_refused == c ? refused_msg : c->err.msg;
}

const char *acidb_sqlstate(acidb_conn *c)
{
    if (!conn_ok(c))
        return ERRCODE_CONNECTION_DOES_NOT_EXIST;
    return conn_refused == c ? ERRCODE_OBJECT_IN_USE : c->err.state;
}

int acidb_errcode(acidb_conn *c)
{
    if (!conn_ok(c))
        return ACIDB_MISUSE;
    return conn_refused == c ? ACIDB_MISUSE : c->err.code;
}

int acidb_error_position(acidb_conn *c)
{
    return conn_ok(c) && conn_refused != c ? c->err.pos : 0;
}

const char *acidb_command_tag(acidb_conn *c)
{
    if (!conn_ok(c))
        return "";
    if (!conn_enter(c))
        return conn_refuse(c, "acidb_command_tag"), "";
    if (c->tag_prefix == NULL)
        c->tag[0] = 0;
    else if (c->tag_count >= 0)
        snprintf(c->tag, sizeof c->tag, "%s%lld", c->tag_prefix, (long long)c->tag_count);
    else
        snprintf(c->tag, sizeof c->tag, "%s", c->tag_prefix);
    conn_leave(c);
    return c->tag;
}

int acidb_txn_state(acidb_conn *c)
{
    if (!conn_ok(c))
        return 'I';
    if (!conn_enter(c))
        return conn_refuse(c, "acidb_txn_state"), 0;
    int st = c->failed ? 'E' : c->in_block ? 'T' : 'I';
    conn_leave(c);
    return st;
}

int acidb_interrupt(acidb_conn *c)
{
    if (!conn_ok(c))
        return ACIDB_MISUSE;
    /* The flag stops row loops; a lock wait in progress is woken by lk_txn_cancel. The
     * statement checks the flag before each lock wait it starts, so a cancel arriving between
     * that check and the wait is the only one that can be missed — the wait then ends by its
     * timeout. */
    atomic_store(&c->interrupt, 1);
    pthread_mutex_lock(&c->mu);
    if (c->t != NULL && txn_locks(c->t) != NULL)
        lk_txn_cancel(txn_locks(c->t));
    pthread_mutex_unlock(&c->mu);
    return ACIDB_OK;
}

/* ---- preparing ---------------------------------------------------------------------------- */

/* Error positions are recorded as byte offsets; PostgreSQL (and so psql's caret) counts
 * characters: convert, counting UTF-8 lead bytes of the text the position refers to. */
static void pos_to_chars(sql_error *e, const char *sql, size_t len)
{
    if (e->pos <= 0 || sql == NULL)
        return;
    size_t bytes = (size_t)e->pos - 1, chars = 0;
    if (bytes > len)
        bytes = len;
    for (size_t i = 0; i < bytes; i++)
        chars += ((unsigned char)sql[i] & 0xC0) != 0x80;
    e->pos = (int32_t)chars + 1;
}

static int prepare_parsed(acidb_stmt *s)
{
    acidb_conn *c = s->conn;
    ar_free(&s->ar);
    ar_init(&s->ar);
    size_t next;
    sql_stmt *ast = NULL;
    int rc = sql_parse(s->sql, s->sql_len, 0, &s->ar, &ast, &next, &c->err);
    if (rc != ACIDB_OK)
        return rc;
    if (ast == NULL)
        return sql_err(&c->err, ACIDB_MISUSE, ERRCODE_SYNTAX_ERROR, -1, "empty statement");
    s->ast = ast;
    catalog *cat = conn_catalog(c);
    if (s->cat != cat) {
        cat_unref(s->cat);
        cat_ref(cat);
        s->cat = cat;
    }
    if ((rc = plan_prepare(s, &c->err)) != ACIDB_OK)
        return rc;
    int np = ast->nparams;
    if (np > s->nparams) {
        value *nv = realloc(s->params, (size_t)np * sizeof *nv);
        char **nt = nv ? realloc(s->param_text, (size_t)np * sizeof *nt) : NULL;
        if (nv)
            s->params = nv;
        if (nt == NULL)
            return sql_err_nomem(&c->err, NULL);
        s->param_text = nt;
        for (int i = s->nparams; i < np; i++) {
            s->params[i] = val_null();
            s->param_text[i] = NULL;
        }
        s->nparams = np;
    }
    for (int i = 0; s->text != NULL && i < s->old_ncols; i++)
        free(s->text[i]); /* the column-text buffers of the previous plan */
    free(s->row);
    free(s->text);
    free(s->text_cap);
    s->old_ncols = s->ncols;
    s->row = calloc((size_t)s->ncols + 1, sizeof *s->row);
    s->text = calloc((size_t)s->ncols + 1, sizeof *s->text);
    s->text_cap = calloc((size_t)s->ncols + 1, sizeof *s->text_cap);
    if (s->row == NULL || s->text == NULL || s->text_cap == NULL)
        return sql_err_nomem(&c->err, NULL);
    return ACIDB_OK;
}

/* An error while preparing inside a transaction block fails the block, as any error in
 * PostgreSQL does (a typo in a script must not let the rest of the block commit). */
static int fail_block(acidb_conn *c, int rc)
{
    if (c->in_block && !c->failed) {
        sql_error keep = c->err;
        conn_rollback(c);
        c->in_block = 1;
        c->failed = 1;
        c->err = keep;
    }
    return rc;
}

/* acidb_prepare_v2 inside the connection (acidb_exec calls it too). */
static int prepare_stmt(acidb_conn *c, const char *sql, acidb_stmt **out, const char **tail)
{
    if (sql == NULL || out == NULL)
        return sql_err(&c->err, ACIDB_MISUSE, ERRCODE_INTERNAL_ERROR, -1, "NULL argument");
    sql_err_clear(&c->err);
    size_t len = strlen(sql);
    /* Find the first statement's extent with a throwaway parse. */
    arena a;
    ar_init(&a);
    sql_stmt *ast = NULL;
    size_t next = 0;
    int rc = sql_parse(sql, len, 0, &a, &ast, &next, &c->err);
    int kind = ast ? ast->kind : 0;
    ar_free(&a);
    if (tail)
        *tail = sql + (rc == ACIDB_OK ? next : len);
    if (rc != ACIDB_OK) {
        pos_to_chars(&c->err, sql, len);
        return fail_block(c, rc);
    }
    if (ast == NULL)
        return ACIDB_OK; /* empty: *out stays NULL */
    if (c->failed && kind != STMT_ROLLBACK && kind != STMT_COMMIT)
        return sql_err(&c->err, ACIDB_ERROR, ERRCODE_IN_FAILED_SQL_TRANSACTION, -1,
                       "current transaction is aborted, commands ignored until end of "
                       "transaction block");
    acidb_stmt *s = calloc(1, sizeof *s);
    if (s == NULL)
        return sql_err_nomem(&c->err, NULL);
    s->magic = STMT_MAGIC;
    s->blob_col = -1;
    s->conn = c;
    ar_init(&s->ar);
    ar_init(&s->run);
    s->sql_len = next;
    s->sql = malloc(next + 1);
    if (s->sql == NULL) {
        free(s);
        return sql_err_nomem(&c->err, NULL);
    }
    memcpy(s->sql, sql, next);
    s->sql[next] = 0;
    s->next = c->stmts;
    if (c->stmts)
        c->stmts->prev = s;
    c->stmts = s;
    if ((rc = prepare_parsed(s)) != ACIDB_OK) {
        pos_to_chars(&c->err, s->sql, s->sql_len);
        sql_error keep = c->err;
        stmt_free(s);
        c->err = keep;
        return fail_block(c, rc);
    }
    assert(s->state == SS_READY && !s->own_txn); /* prepared: nothing run, nothing owned */
    CHECK_STMT(s);
    *out = s;
    return ACIDB_OK;
}

int acidb_prepare_v2(acidb_conn *c, const char *sql, acidb_stmt **out, const char **tail)
{
    if (out != NULL)
        *out = NULL;
    if (!conn_ok(c))
        return ACIDB_MISUSE;
    if (!conn_enter(c))
        return conn_refuse(c, "acidb_prepare");
    int rc = prepare_stmt(c, sql, out, tail);
    conn_leave(c);
    return rc;
}

int acidb_prepare(acidb_conn *c, const char *sql, acidb_stmt **out)
{
    return acidb_prepare_v2(c, sql, out, NULL);
}

/* ---- binding ---------------------------------------------------------------------------- */

static int bind_check(acidb_stmt *s, int idx)
{
    if (s->state == SS_ROWS)
        return sql_err(&s->conn->err, ACIDB_MISUSE, ERRCODE_INTERNAL_ERROR, -1,
                       "cannot bind a parameter while the statement is running (reset it first)");
    if (idx < 1 || idx > s->nparams)
        return sql_err(&s->conn->err, ACIDB_MISUSE, ERRCODE_PROTOCOL_VIOLATION, -1,
                       "parameter index %d out of range (the statement has %d)", idx, s->nparams);
    free(s->param_text[idx - 1]);
    s->param_text[idx - 1] = NULL;
    /* The old value may point into the text just freed: a bind that fails after this (out of
     * memory, too big, bad UTF-8) must leave NULL behind, not a dangling value
     * (misuse/failed_bind_leaves_null_not_freed_text). */
    s->params[idx - 1] = val_null();
    return ACIDB_OK;
}

/* Enters the connection and checks the index: ACIDB_OK with the connection entered (the
 * caller binds, then conn_leave), or an error with it left. */
static int bind_begin(acidb_stmt *s, int idx, const char *fn)
{
    int rc = stmt_enter(s, fn);
    if (rc != ACIDB_OK)
        return rc;
    if ((rc = bind_check(s, idx)) != ACIDB_OK)
        conn_leave(s->conn);
    return rc;
}

static int bind_value(acidb_stmt *s, int idx, value v, const char *fn)
{
    int rc = bind_begin(s, idx, fn);
    if (rc != ACIDB_OK)
        return rc;
    s->params[idx - 1] = v;
    conn_leave(s->conn);
    return ACIDB_OK;
}

int acidb_bind_int64(acidb_stmt *s, int idx, int64_t v)
{
    return bind_value(s, idx, val_int(v), "acidb_bind_int64");
}

int acidb_bind_double(acidb_stmt *s, int idx, double v)
{
    return bind_value(s, idx, val_float(v), "acidb_bind_double");
}

int acidb_bind_bool(acidb_stmt *s, int idx, int v)
{
    return bind_value(s, idx, val_bool(v), "acidb_bind_bool");
}

int acidb_bind_null(acidb_stmt *s, int idx)
{
    return bind_value(s, idx, val_null(), "acidb_bind_null");
}

static int bind_text(acidb_stmt *s, int idx, const char *v, int len)
{
    if (v == NULL) {
        s->params[idx - 1] = val_null();
        return ACIDB_OK;
    }
    size_t n = len < 0 ? strlen(v) : (size_t)len;
    if (n > (1u << 30))
        return sql_err(&s->conn->err, ACIDB_TOOBIG, ERRCODE_PROGRAM_LIMIT_EXCEEDED, -1,
                       "text parameter of %zu bytes exceeds the 1 GiB limit", n);
    if (!val_utf8_valid(v, n))
        return sql_err(&s->conn->err, ACIDB_RANGE, ERRCODE_CHARACTER_NOT_IN_REPERTOIRE, -1,
                       "invalid byte sequence for encoding \"UTF8\" in parameter $%d", idx);
    char *copy = malloc(n + 1);
    if (copy == NULL)
        return sql_err_nomem(&s->conn->err, NULL);
    memcpy(copy, v, n);
    copy[n] = 0;
    s->param_text[idx - 1] = copy;
    s->params[idx - 1] = val_text(copy, (uint32_t)n);
    return ACIDB_OK;
}

int acidb_bind_blob(acidb_stmt *s, int idx, const void *v, int len)
{
    int rc = bind_begin(s, idx, "acidb_bind_blob");
    if (rc != ACIDB_OK)
        return rc;
    if (v == NULL || len < 0) {
        s->params[idx - 1] = val_null();
    } else if ((size_t)len > (1u << 30)) {
        rc = sql_err(&s->conn->err, ACIDB_TOOBIG, ERRCODE_PROGRAM_LIMIT_EXCEEDED, -1,
                     "bytea parameter of %d bytes exceeds the 1 GiB limit", len);
    } else {
        char *copy = malloc((size_t)len + 1);
        if (copy == NULL) {
            rc = sql_err_nomem(&s->conn->err, NULL);
        } else {
            memcpy(copy, v, (size_t)len);
            copy[len] = 0;
            s->param_text[idx - 1] = copy; /* freed with the text copies (same owner) */
            s->params[idx - 1] = val_bytes(copy, (uint32_t)len);
        }
    }
    conn_leave(s->conn);
    return rc;
}

int acidb_bind_text(acidb_stmt *s, int idx, const char *v, int len)
{
    int rc = bind_begin(s, idx, "acidb_bind_text");
    if (rc != ACIDB_OK)
        return rc;
    rc = bind_text(s, idx, v, len);
    conn_leave(s->conn);
    return rc;
}

int acidb_clear_bindings(acidb_stmt *s)
{
    int rc = stmt_enter(s, "acidb_clear_bindings");
    if (rc != ACIDB_OK)
        return rc;
    for (int i = 0; i < s->nparams; i++) {
        free(s->param_text[i]);
        s->param_text[i] = NULL;
        s->params[i] = val_null();
    }
    conn_leave(s->conn);
    return ACIDB_OK;
}

int acidb_bind_parameter_count(acidb_stmt *s)
{
    if (stmt_enter(s, "acidb_bind_parameter_count") != ACIDB_OK)
        return 0;
    int n = s->nparams;
    conn_leave(s->conn);
    return n;
}

/* ---- running --------------------------------------------------------------------------- */

/* The command tag is recorded as a fixed prefix and a count, and formatted only when asked
 * (acidb_command_tag): no snprintf on the hot path of every statement. */
static void set_tag(acidb_stmt *s)
{
    acidb_conn *c = s->conn;
    c->tag_count = -1;
    switch (s->ast->kind) {
    case STMT_SELECT: c->tag_prefix = "SELECT "; c->tag_count = s->emitted; break;
    case STMT_INSERT: c->tag_prefix = "INSERT 0 "; c->tag_count = s->changes; break;
    case STMT_UPDATE: c->tag_prefix = "UPDATE "; c->tag_count = s->changes; break;
    case STMT_DELETE: c->tag_prefix = "DELETE "; c->tag_count = s->changes; break;
    case STMT_CREATE_TABLE: c->tag_prefix = "CREATE TABLE"; break;
    case STMT_DROP_TABLE: c->tag_prefix = "DROP TABLE"; break;
    case STMT_CREATE_INDEX: c->tag_prefix = "CREATE INDEX"; break;
    case STMT_DROP_INDEX: c->tag_prefix = "DROP INDEX"; break;
    case STMT_BEGIN: c->tag_prefix = s->ast->start_transaction ? "START TRANSACTION" : "BEGIN"; break;
    case STMT_COMMIT: c->tag_prefix = "COMMIT"; break;
    case STMT_ROLLBACK: c->tag_prefix = "ROLLBACK"; break;
    case STMT_EXPLAIN: c->tag_prefix = "EXPLAIN"; break;
    case STMT_SET: c->tag_prefix = "SET"; break;
    default: c->tag_prefix = ""; break;
    }
}

/* After an error: the statement's work is undone. Outside a block its transaction is rolled
 * back; inside one the whole transaction is rolled back at once (its locks released, as
 * PostgreSQL aborts it) and the block is failed until ROLLBACK. */
static int stmt_fail(acidb_stmt *s, int rc)
{
    acidb_conn *c = s->conn;
    pos_to_chars(&c->err, s->sql, s->sql_len);
    if (atomic_load(&c->interrupt) && (rc == ACIDB_LOCK_TIMEOUT || rc == ACIDB_CANCELED)) {
        /* a lock wait woken by acidb_interrupt (lower layers report it as "not granted") */
        rc = sql_err(&c->err, ACIDB_CANCELED, ERRCODE_QUERY_CANCELED, -1,
                     "canceling statement due to user request");
    }
    sql_error keep = c->err;
    if (s->sel || s->dml)
        exec_close_scans(s, s->sel ? s->sel : &s->dml->sel);
    int in_block = c->in_block;
    if (c->t != NULL)
        conn_rollback(c);
    if (in_block) {
        c->in_block = 1;
        c->failed = 1;
    }
    c->err = keep;
    s->state = SS_FAILED;
    s->own_txn = 0;
    c->running = 0;
    return rc;
}

/* The end of a statement: in autocommit, its transaction commits here. */
static int stmt_done(acidb_stmt *s)
{
    acidb_conn *c = s->conn;
    if (s->sel || s->dml)
        exec_close_scans(s, s->sel ? s->sel : &s->dml->sel);
    s->state = SS_DONE;
    if (s->own_txn && !c->in_block) {
        /* (A BEGIN while it ran made its transaction the block's: the block's COMMIT ends it.) */
        s->own_txn = 0;
        int rc = conn_commit(c);
        if (rc != ACIDB_OK)
            return stmt_fail(s, rc);
    }
    s->own_txn = 0;
    c->changes = s->changes;
    set_tag(s);
    return ACIDB_DONE;
}

static int run_set(acidb_stmt *s)
{
    acidb_conn *c = s->conn;
    const sql_set *st = &s->ast->u.set;
    if (strcmp(st->name, "lock_timeout") == 0) {
        int64_t ms = -1;
        if (st->v.type == VT_INT)
            ms = st->v.u.i;
        else if (st->v.type == VT_TEXT) {
            char *end;
            long long n = strtoll(st->v.u.s, &end, 10);
            if (end != st->v.u.s) {
                while (*end == ' ')
                    end++;
                ms = strcmp(end, "s") == 0 ? n * 1000 : strcmp(end, "min") == 0 ? n * 60000
                   : (strcmp(end, "ms") == 0 || *end == 0) ? n : -1;
            }
        }
        if (ms < 0 || ms > 2147483647)
            return sql_err(&c->err, ACIDB_ERROR, ERRCODE_INVALID_PARAMETER_VALUE, s->ast->pos,
                           "invalid value for parameter \"lock_timeout\"");
        c->lock_timeout_ms = (unsigned)ms;
        conn_apply_timeout(c);
        return ACIDB_OK;
    }
    if (strcmp(st->name, "transaction_isolation") == 0 || strcmp(st->name, "application_name") == 0 ||
        strcmp(st->name, "client_encoding") == 0 || strcmp(st->name, "search_path") == 0)
        return ACIDB_OK; /* accepted for compatibility; acidb is always serializable, UTF-8 */
    return sql_err(&c->err, ACIDB_ERROR, ERRCODE_UNDEFINED_OBJECT, s->ast->pos,
                   "unrecognized configuration parameter \"%s\"", st->name);
}

static const char *ap_text(const plan_src *ps, char *buf, size_t n)
{
    const char *tn = ps->t->name;
    switch (ps->ap) {
    case AP_ROWID_EQ:
        snprintf(buf, n, "Point Lookup on %s using %s (primary key)", tn,
                 ps->t->pkey_name ? ps->t->pkey_name : "rowid");
        break;
    case AP_INDEX_EQ:
        snprintf(buf, n, "%s on %s using %s (%d of %d columns equal)",
                 ps->point ? "Point Lookup" : "Index Scan", tn, ps->ix->name, ps->neq, ps->ix->ncols);
        break;
    case AP_ROWID_RANGE:
        snprintf(buf, n, "Index Range Scan on %s using %s (primary key%s%s)", tn,
                 ps->t->pkey_name ? ps->t->pkey_name : "rowid", ps->lo ? ", lower bound" : "",
                 ps->hi ? ", upper bound" : "");
        break;
    case AP_INDEX_RANGE:
        snprintf(buf, n, "Index Range Scan on %s using %s%s%s", tn, ps->ix->name,
                 ps->lo ? " (lower bound)" : "", ps->hi ? " (upper bound)" : "");
        break;
    default:
        snprintf(buf, n, "Seq Scan on %s (full scan)", tn);
    }
    return buf;
}

static int explain_line(acidb_stmt *s, int depth, const char *fmt, const char *a, const char *b)
{
    char line[512];
    int off = snprintf(line, sizeof line, "%*s%s", depth * 2, "", depth ? "->  " : "");
    snprintf(line + off, sizeof line - (size_t)off, fmt, a, b);
    value v = val_text(line, (uint32_t)strlen(line));
    return exec_res_push(s, &v, 1);
}

static int run_explain(acidb_stmt *s)
{
    sql_stmt *in = s->ast->u.explain;
    sel_plan *p = s->sel ? s->sel : &s->dml->sel;
    int rc = ACIDB_OK, depth = 0;
    char buf[300];
    if (in->kind == STMT_INSERT) {
        rc = explain_line(s, depth++, "Insert on %s%s", s->dml->t->name, "");
        if (s->dml->sel_map == NULL)
            return rc == ACIDB_OK ? explain_line(s, depth, "Values (%s row%s)",
                                                 s->dml->nrows == 1 ? "1" : "several",
                                                 s->dml->nrows == 1 ? "" : "s") : rc;
    } else if (in->kind == STMT_UPDATE || in->kind == STMT_DELETE) {
        rc = explain_line(s, depth++, "%s on %s", in->kind == STMT_UPDATE ? "Update" : "Delete",
                          s->dml->t->name);
    }
    if (rc == ACIDB_OK && p->limit)
        rc = explain_line(s, depth++, "Limit%s%s", "", "");
    if (rc == ACIDB_OK && p->norder)
        rc = explain_line(s, depth++, "Sort%s%s", "", "");
    if (rc == ACIDB_OK && p->distinct)
        rc = explain_line(s, depth++, "Unique%s%s", "", "");
    if (rc == ACIDB_OK && p->agg)
        rc = explain_line(s, depth++, "%s%s", p->ngroup ? "HashAggregate" : "Aggregate", "");
    if (rc == ACIDB_OK && p->nsrc > 1)
        rc = explain_line(s, depth++, "Nested Loop%s%s", "", "");
    if (rc == ACIDB_OK && p->nsrc == 0)
        rc = explain_line(s, depth, "Result%s%s", "", "");
    for (int i = 0; i < p->nsrc && rc == ACIDB_OK; i++) {
        rc = explain_line(s, depth, "%s%s", ap_text(&p->src[i], buf, sizeof buf),
                          p->src[i].nfilters ? " with filter" : "");
        if (rc == ACIDB_OK && p->src[i].lock != LOCK_NONE)
            rc = explain_line(s, depth + 1, "Lock Rows (%s%s)",
                              p->src[i].lock == LOCK_FOR_SHARE ? "FOR SHARE" : "FOR UPDATE",
                              p->src[i].lockwait == LOCKWAIT_SKIP ? ", SKIP LOCKED"
                              : p->src[i].lockwait == LOCKWAIT_NOWAIT ? ", NOWAIT" : "");
    }
    return rc;
}

/* E3: once a statement holds its table locks, its catalog version must still be the
 * published one (a DDL that committed meanwhile changed what the plan refers to). */
static int catalog_current(acidb_stmt *s)
{
    acidb_conn *c = s->conn;
    if (c->cat_private)
        return s->cat == c->cat;
    acidb_db *db = c->db;
    if (atomic_load(&db->ddl_committing)) {
        pthread_mutex_lock(&db->ddl_mu); /* wait for the publication */
        pthread_mutex_unlock(&db->ddl_mu);
    }
    return s->cat->version == atomic_load(&db->cat_version);
}

/* A read-only database (acidb_options.read_only) refuses every statement that would write or
 * lock for writing, before it begins, as PostgreSQL refuses them in a read-only transaction
 * (with its wording: "cannot execute INSERT in a read-only transaction"). The storage layer
 * refuses any change all the same (mtr_begin: ST_EREADONLY); this names the statement. */
static const char *read_only_refused(const sql_stmt *ast)
{
    switch (ast->kind) {
    case STMT_INSERT: return "INSERT";
    case STMT_UPDATE: return "UPDATE";
    case STMT_DELETE: return "DELETE";
    case STMT_CREATE_TABLE: return "CREATE TABLE";
    case STMT_DROP_TABLE: return "DROP TABLE";
    case STMT_CREATE_INDEX: return "CREATE INDEX";
    case STMT_DROP_INDEX: return "DROP INDEX";
    case STMT_SELECT:
        return ast->u.select.lock == LOCK_FOR_UPDATE  ? "SELECT FOR UPDATE"
               : ast->u.select.lock == LOCK_FOR_SHARE ? "SELECT FOR SHARE"
                                                      : NULL;
    default: return NULL; /* EXPLAIN runs nothing; BEGIN, COMMIT, ROLLBACK, SET write nothing */
    }
}

static int start(acidb_stmt *s)
{
    acidb_conn *c = s->conn;
    int kind = s->ast->kind;
    int rc;
    s->changes = 0;
    s->emitted = s->skipped = 0;
    s->nres = s->res_pos = 0;
    s->materialized = 0;
    s->lock_late = 0;
    s->started = 0;
    s->level = 0;
    s->scans = NULL;
    ar_reset(&s->run);
    atomic_store(&c->interrupt, 0);
    if (c->failed && kind != STMT_ROLLBACK && kind != STMT_COMMIT)
        return sql_err(&c->err, ACIDB_ERROR, ERRCODE_IN_FAILED_SQL_TRANSACTION,  -1,
                       "current transaction is aborted, commands ignored until end of "
                       "transaction block");
    switch (kind) {
    case STMT_BEGIN:
        if (!c->in_block) {
            if ((rc = conn_begin(c)) != ACIDB_OK)
                return rc;
            c->in_block = 1;
        } /* PostgreSQL: WARNING there is already a transaction in progress */
        set_tag(s);
        s->state = SS_DONE;
        return ACIDB_DONE;
    case STMT_COMMIT:
        c->tag_prefix = NULL;
        if (c->failed) {
            conn_rollback(c);
            c->tag_prefix = "ROLLBACK";
            c->tag_count = -1;
            s->state = SS_DONE;
            return ACIDB_DONE;
        }
        if ((rc = conn_commit(c)) != ACIDB_OK) {
            s->state = SS_FAILED;
            return rc;
        }
        set_tag(s);
        s->state = SS_DONE;
        return ACIDB_DONE;
    case STMT_ROLLBACK:
        rc = conn_rollback(c);
        set_tag(s);
        s->state = SS_DONE;
        return rc == ACIDB_OK ? ACIDB_DONE : rc;
    case STMT_SET:
        if ((rc = run_set(s)) != ACIDB_OK)
            return rc;
        set_tag(s);
        s->state = SS_DONE;
        return ACIDB_DONE;
    default:
        break;
    }
    const char *what = c->db->opts.read_only ? read_only_refused(s->ast) : NULL;
    if (what != NULL)
        return stmt_fail(s, sql_err(&c->err, ACIDB_READONLY, ERRCODE_READ_ONLY_SQL_TRANSACTION,
                                    -1, "cannot execute %s in a read-only transaction", what));
    /* After an I/O error the database refuses every statement that needs a transaction: it
     * could otherwise wait for the locks of a transaction whose rollback could not be logged
     * (wal/txn.h, fail-stop), and applications told to retry 55P03 would retry forever.
     * Reopening the database recovers. */
    if (txm_failed(c->db->tm))
        return sql_err(&c->err, ACIDB_IOERR, ERRCODE_IO_ERROR, -1,
                       "%s: an earlier I/O error stopped all changes; reopen the database to "
                       "recover", c->db->path);
    /* Everything else runs in a transaction: the block's, or its own. */
    if (c->t == NULL) {
        if ((rc = conn_begin(c)) != ACIDB_OK)
            return rc;
        s->own_txn = !c->in_block;
    }
    s->txn_seq = c->txn_seq;
    for (int attempt = 0;; attempt++) {
        if (s->cat != conn_catalog(c) && (rc = prepare_parsed(s)) != ACIDB_OK)
            return stmt_fail(s, rc);
        if (kind == STMT_CREATE_TABLE || kind == STMT_CREATE_INDEX || kind == STMT_DROP_TABLE ||
            kind == STMT_DROP_INDEX) {
            if ((rc = ddl_exec(c, s->ast, s->sql, &c->err)) != ACIDB_OK)
                return stmt_fail(s, rc);
            return stmt_done(s);
        }
        if (kind == STMT_EXPLAIN) {
            if ((rc = run_explain(s)) != ACIDB_OK)
                return stmt_fail(s, rc);
            s->materialized = 1;
            s->state = SS_ROWS;
            return ACIDB_ROW; /* the caller fetches rows */
        }
        if (kind == STMT_SELECT) {
            rc = exec_open_tables(s, s->sel);
        } else { /* the target's intention lock; dml_run takes the rest */
            lk_res_t r = lk_res_table((uint32_t)s->dml->t->root);
            rc = exec_lock_status(s, lk_acquire(txn_locks(c->t), &r, LK_IX, LK_WAIT),
                                  "relation", s->dml->t->name);
        }
        if (rc != ACIDB_OK)
            return stmt_fail(s, rc);
        if (!catalog_current(s) && attempt < 3) {
            if (s->sel)
                exec_close_scans(s, s->sel);
            continue; /* re-plan against the new version */
        }
        break;
    }
    if (kind == STMT_SELECT) {
        s->state = SS_ROWS;
        return ACIDB_ROW;
    }
    /* INSERT / UPDATE / DELETE: the whole change happens now. */
    if ((rc = dml_run(s)) != ACIDB_OK)
        return stmt_fail(s, rc);
    s->state = SS_ROWS;
    return ACIDB_ROW;
}

static void clear_row(acidb_stmt *s)
{
    for (int i = 0; i < s->ncols; i++)
        s->row[i] = val_null();
}

/* A running statement whose transaction has ended under it: another statement of the
 * connection committed it (COMMIT, or an autocommit statement that began it finished) or
 * rolled it back (ROLLBACK, or any error). Its scans, row locks and own_txn belong to a
 * transaction that is gone, and c->t, if any, is another one: it must not go on. */
static int orphaned(const acidb_stmt *s)
{
    return s->state == SS_ROWS && s->txn_seq != s->conn->txn_seq;
}

static void close_scans(acidb_stmt *s)
{
    if (s->sel || s->dml)
        exec_close_scans(s, s->sel ? s->sel : &s->dml->sel);
}

/* Stops an orphaned statement without touching the connection's transaction (as PostgreSQL
 * closes a transaction's cursors when it ends). */
static int stop_orphan(acidb_stmt *s)
{
    close_scans(s);
    s->own_txn = 0;
    s->state = SS_FAILED;
    return sql_err(&s->conn->err, ACIDB_MISUSE, ERRCODE_INVALID_CURSOR_STATE, -1,
                   "the transaction this statement was running in has ended (another statement "
                   "of the connection committed or rolled it back): reset the statement");
}

static int stmt_step(acidb_stmt *s)
{
    acidb_conn *c = s->conn;
    if (s->state == SS_DONE || s->state == SS_FAILED)
        return sql_err(&c->err, ACIDB_MISUSE, ERRCODE_INTERNAL_ERROR, -1,
                       "acidb_step after the statement finished: call acidb_reset first");
    if (orphaned(s))
        return stop_orphan(s);
    if (s->state == SS_READY) {
        sql_err_clear(&c->err);
        c->tag_prefix = NULL;
        int rc = start(s);
        if (rc != ACIDB_ROW) {
            if (rc != ACIDB_DONE && s->state != SS_FAILED)
                s->state = SS_FAILED;
            return rc;
        }
    }
    /* SS_ROWS: the next row. */
    clear_row(s);
    if (s->materialized) {
        int width = s->ncols;
        if (s->ast->kind == STMT_SELECT) {
            int rc = exec_select_next(s, s->sel);
            if (rc == ACIDB_ROW)
                return ACIDB_ROW;
            return rc == ACIDB_DONE ? stmt_done(s) : stmt_fail(s, rc);
        }
        if (s->res_pos >= s->nres)
            return stmt_done(s);
        memcpy(s->row, s->res[s->res_pos++], (size_t)width * sizeof *s->row);
        s->emitted++;
        return ACIDB_ROW;
    }
    int rc = exec_select_next(s, s->sel);
    if (rc == ACIDB_ROW)
        return ACIDB_ROW;
    return rc == ACIDB_DONE ? stmt_done(s) : stmt_fail(s, rc);
}

int acidb_step(acidb_stmt *s)
{
    int rc = stmt_enter(s, "acidb_step");
    if (rc != ACIDB_OK)
        return rc;
    s->blob_col = -1;
    rc = stmt_step(s);
    /* A row leaves it stepping, the end done, an error failed (a misuse changes nothing). */
    assert(rc != ACIDB_ROW || s->state == SS_ROWS);
    assert(rc != ACIDB_DONE || s->state == SS_DONE);
    CHECK_STMT(s);
    conn_leave(s->conn);
    return rc;
}

static int stmt_reset(acidb_stmt *s)
{
    int rc = ACIDB_OK;
    if (orphaned(s)) {
        s->own_txn = 0; /* its transaction ended already: nothing to commit */
    } else if (s->state == SS_ROWS) {
        /* Rows left unread: the statement is over; an autocommit transaction commits. */
        rc = stmt_done(s);
        rc = rc == ACIDB_DONE ? ACIDB_OK : rc;
    }
    close_scans(s);
    s->state = SS_READY;
    s->nres = s->res_pos = 0;
    ar_reset(&s->run);
    assert(!s->own_txn); /* reset: its autocommit transaction, if any, has ended */
    CHECK_STMT(s);
    return rc;
}

int acidb_reset(acidb_stmt *s)
{
    int rc = stmt_enter(s, "acidb_reset");
    if (rc != ACIDB_OK)
        return rc;
    rc = stmt_reset(s);
    conn_leave(s->conn);
    return rc;
}

static void stmt_free(acidb_stmt *s)
{
    acidb_conn *c = s->conn;
    stmt_reset(s);
    assert(s->state == SS_READY && !s->own_txn); /* finalized from the reset state only */
    if (s->prev)
        s->prev->next = s->next;
    else
        c->stmts = s->next;
    if (s->next)
        s->next->prev = s->prev;
    for (int i = 0; i < s->nparams; i++)
        free(s->param_text[i]);
    free(s->param_text);
    free(s->params);
    for (int i = 0; i < s->ncols; i++)
        if (s->text)
            free(s->text[i]);
    free(s->text);
    free(s->text_cap);
    free(s->row);
    free(s->res);
    free(s->sql);
    cat_unref(s->cat);
    ar_free(&s->ar);
    ar_free(&s->run);
    s->magic = 0;
    free(s);
}

int acidb_finalize(acidb_stmt *s)
{
    if (s == NULL)
        return ACIDB_OK;
    int rc = stmt_enter(s, "acidb_finalize");
    if (rc != ACIDB_OK)
        return rc;
    acidb_conn *c = s->conn;
    rc = stmt_reset(s);
    stmt_free(s);
    conn_leave(c);
    return rc;
}

static int exec_sql(acidb_conn *c, const char *sql)
{
    const char *p = sql;
    for (;;) {
        acidb_stmt *s = NULL;
        const char *tail = NULL;
        int rc = prepare_stmt(c, p, &s, &tail);
        if (rc != ACIDB_OK)
            return rc;
        if (s == NULL)
            return ACIDB_OK;
        do
            rc = stmt_step(s);
        while (rc == ACIDB_ROW);
        CHECK_STMT(s);
        if (rc != ACIDB_DONE) {
            sql_error keep = c->err;
            stmt_free(s);
            c->err = keep;
            return rc;
        }
        stmt_free(s);
        p = tail;
    }
}

int acidb_exec(acidb_conn *c, const char *sql)
{
    if (!conn_ok(c) || sql == NULL)
        return ACIDB_MISUSE;
    if (!conn_enter(c))
        return conn_refuse(c, "acidb_exec");
    int rc = exec_sql(c, sql);
    conn_leave(c);
    return rc;
}

/* ---- results -------------------------------------------------------------------------- */

/* Each enters the connection like every call on a statement (the row and the text buffers
 * are rewritten by a step, the names by a re-plan); refused, it returns what a bad handle
 * gets (0, ACIDB_NULL, NULL) and acidb_errmsg tells why. */
int acidb_column_count(acidb_stmt *s)
{
    if (stmt_enter(s, "acidb_column_count") != ACIDB_OK)
        return 0;
    int n = s->ncols;
    conn_leave(s->conn);
    return n;
}

const char *acidb_column_name(acidb_stmt *s, int col)
{
    if (stmt_enter(s, "acidb_column_name") != ACIDB_OK)
        return NULL;
    const char *name = col >= 0 && col < s->ncols ? s->names[col] : NULL;
    conn_leave(s->conn);
    return name;
}

const char *acidb_param_type_name(acidb_stmt *s, int idx)
{
    if (stmt_enter(s, "acidb_param_type_name") != ACIDB_OK)
        return NULL;
    const char *name = NULL;
    if (idx >= 1 && idx <= s->ast->nparams) {
        /* The first occurrence the binder typed; untyped ones are text, as PostgreSQL infers
         * an unknown parameter. */
        int t = TY_TEXT;
        for (int i = 0; i < s->ast->nparam_nodes; i++) {
            const sql_expr *e = s->ast->param_nodes[i];
            assert(e->kind == EX_PARAM);
            if (e->param == idx && e->type != VT_NULL) {
                t = ex_tid(e);
                break;
            }
        }
        name = ty_name(t);
    }
    conn_leave(s->conn);
    return name;
}

const char *acidb_column_type_name(acidb_stmt *s, int col)
{
    if (stmt_enter(s, "acidb_column_type_name") != ACIDB_OK)
        return NULL;
    const char *name = NULL;
    if (col >= 0 && col < s->ncols) {
        /* The plan's output expressions, typed by the binder; EXPLAIN's one column is text. */
        const sql_expr *e = s->ast->kind == STMT_EXPLAIN ? NULL
                          : s->sel != NULL               ? s->sel->targets[col]
                          : s->dml != NULL               ? s->dml->ret[col]
                                                         : NULL;
        assert(e != NULL || s->ast->kind == STMT_EXPLAIN);
        /* An untyped NULL output is text, as PostgreSQL resolves an unknown output column. */
        name = ty_name(e == NULL || e->type == VT_NULL ? TY_TEXT : ex_tid(e));
    }
    conn_leave(s->conn);
    return name;
}

/* The current row's value in col, or NULL outside a row. */
static const value *column_value(acidb_stmt *s, int col)
{
    if (col < 0 || col >= s->ncols || s->state != SS_ROWS)
        return NULL;
    return &s->row[col];
}

int acidb_column_type(acidb_stmt *s, int col)
{
    if (stmt_enter(s, "acidb_column_type") != ACIDB_OK)
        return ACIDB_NULL;
    const value *v = column_value(s, col);
    int type = v ? (int)v->type : ACIDB_NULL;
    conn_leave(s->conn);
    return type;
}

int64_t acidb_column_int64(acidb_stmt *s, int col)
{
    if (stmt_enter(s, "acidb_column_int64") != ACIDB_OK)
        return 0;
    const value *v = column_value(s, col);
    int64_t i = v && (v->type == VT_INT || v->type == VT_BOOL) ? v->u.i : 0;
    conn_leave(s->conn);
    return i;
}

double acidb_column_double(acidb_stmt *s, int col)
{
    if (stmt_enter(s, "acidb_column_double") != ACIDB_OK)
        return 0;
    const value *v = column_value(s, col);
    double f = v == NULL ? 0 : v->type == VT_FLOAT ? v->u.f : v->type == VT_INT ? (double)v->u.i : 0;
    conn_leave(s->conn);
    return f;
}

static const char *column_text(acidb_stmt *s, int col)
{
    const value *v = column_value(s, col);
    if (v == NULL)
        return NULL;
    char num[40];
    const char *src;
    size_t n;
    const ty_ops *ops = ty_vt_ops(v->type);
    if (ops != NULL) { /* a module's type: its output function, straight into the buffer */
        n = ops->out(v, num, sizeof num);
        if (s->text_cap[col] < n + 1) {
            char *nb = realloc(s->text[col], n + 1);
            if (nb == NULL) {
                sql_err(&s->conn->err, ACIDB_NOMEM, ERRCODE_OUT_OF_MEMORY, -1,
                        "out of memory copying the text of column %d (%zu bytes)", col + 1, n);
                return NULL;
            }
            s->text[col] = nb;
            s->text_cap[col] = n + 1;
        }
        ops->out(v, s->text[col], n + 1);
        return s->text[col];
    }
    switch (v->type) {
    case VT_NULL:
        return NULL;
    case VT_INT:
        n = (size_t)snprintf(num, sizeof num, "%lld", (long long)v->u.i);
        src = num;
        break;
    case VT_FLOAT:
        n = (size_t)val_float_text(v->u.f, v->len == 4, num);
        src = num;
        break;
    case VT_BOOL:
        src = v->u.i ? "t" : "f";
        n = 1;
        break;
    case VT_BYTES:
        src = NULL; /* hex, written straight into the buffer below */
        n = 2 + 2 * (size_t)v->len;
        break;
    case VT_UUID:
        val_uuid_text((const uint8_t *)v->u.s, num);
        src = num;
        n = 36;
        break;
    default:
        src = v->u.s;
        n = v->len;
    }
    if (s->text_cap[col] < n + 1) {
        char *nb = realloc(s->text[col], n + 1);
        if (nb == NULL) {
            /* NULL alone would read as SQL NULL: the connection's error says it is not
             * (acidb.h, acidb_column_text; nomem/column_text_out_of_memory_is_not_sql_null). */
            sql_err(&s->conn->err, ACIDB_NOMEM, ERRCODE_OUT_OF_MEMORY, -1,
                    "out of memory copying the text of column %d (%zu bytes)", col + 1, n);
            return NULL;
        }
        s->text[col] = nb;
        s->text_cap[col] = n + 1;
    }
    if (src == NULL)
        val_bytea_hex((const uint8_t *)v->u.s, v->len, s->text[col]);
    else
        memcpy(s->text[col], src, n);
    s->text[col][n] = 0;
    return s->text[col];
}

const void *acidb_column_blob(acidb_stmt *s, int col)
{
    if (stmt_enter(s, "acidb_column_blob") != ACIDB_OK)
        return NULL;
    const value *v = column_value(s, col);
    const void *p = v != NULL && (v->type == VT_BYTES || v->type == VT_UUID)
                  ? (v->len ? (const void *)v->u.s : "") : NULL;
    s->blob_col = col;
    conn_leave(s->conn);
    return p;
}

const char *acidb_column_text(acidb_stmt *s, int col)
{
    if (stmt_enter(s, "acidb_column_text") != ACIDB_OK)
        return NULL;
    const char *t = column_text(s, col);
    if (s->blob_col == col)
        s->blob_col = -1;
    conn_leave(s->conn);
    return t;
}

int acidb_column_bytes(acidb_stmt *s, int col)
{
    if (stmt_enter(s, "acidb_column_bytes") != ACIDB_OK)
        return 0;
    const value *v = column_value(s, col);
    int blob = v != NULL && (v->type == VT_BYTES || v->type == VT_UUID) && s->blob_col == col;
    const char *t = blob ? NULL : column_text(s, col);
    int n = blob ? (int)v->len : t ? (int)strlen(t) : 0;
    conn_leave(s->conn);
    return n;
}
