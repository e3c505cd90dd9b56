/*
 * stmt.h — prepared statements: the plan the binder/planner makes once (engine/plan.c) and the
 * state the executor keeps between acidb_step calls (engine/exec.c, engine/dml.c).
 *
 * Access paths (engine/README.md, "Planner"): for each FROM item the planner picks
 *   AP_ROWID_EQ     rowid = expr                         (INTEGER PRIMARY KEY point lookup)
 *   AP_INDEX_EQ     equality on a prefix of an index's columns (a point lookup when the index
 *                   is unique and every column is given)
 *   AP_ROWID_RANGE  range (<, <=, >, >=, BETWEEN) on the INTEGER PRIMARY KEY
 *   AP_INDEX_RANGE  range on the first column of an index
 *   AP_FULL         everything else
 * where expr may use parameters, constants and columns of earlier FROM items. Every WHERE
 * conjunct is still evaluated as a filter, so the access path only has to be a superset.
 *
 * Locks (engine/README.md, "Isolation"): a point lookup locks the row (or the unique key, then
 * the row) it reads, present or not — S to read, X for UPDATE/DELETE/FOR UPDATE. Any other
 * scan locks the whole table S first (so no phantom can appear) and then, when it will write,
 * each row X. FOR UPDATE/SHARE with NOWAIT or SKIP LOCKED takes only an intention lock on the
 * table and locks rows with that policy.
 */
#ifndef ACIDB_STMT_H
#define ACIDB_STMT_H

#include "engine/bind.h"
#include "engine/engine.h"
#include "engine/record.h"

enum { AP_FULL, AP_ROWID_EQ, AP_ROWID_RANGE, AP_INDEX_EQ, AP_INDEX_RANGE };
#define PLAN_MAX_EQ 64

typedef struct plan_src {
    cat_table *t;
    int ap;
    cat_index *ix;
    sql_expr *eq[PLAN_MAX_EQ];  /* AP_ROWID_EQ: eq[0]; AP_INDEX_EQ: the first neq columns */
    int neq;
    sql_expr *lo, *hi;          /* ranges; NULL: unbounded */
    uint8_t lo_incl, hi_incl;
    uint8_t point;              /* at most one row, locked by key */
    uint8_t write;              /* rows will be changed (UPDATE/DELETE target) */
    uint8_t lock;               /* LOCK_* (FOR UPDATE / FOR SHARE), or LOCK_FOR_UPDATE when write */
    uint8_t lockwait;           /* LOCKWAIT_* */
    sql_expr **filters;         /* conjuncts first evaluable at this item */
    int nfilters, cap_filters;
} plan_src;

/* Per FROM item run-time state. */
typedef struct scan_state {
    int open;
    int done;
    bt_cursor *cur;
    void *buf;                  /* malloc'd row record of the current row (point lookups) */
    size_t buflen;
    value *vals;                /* current row's column values (ncols) */
    int64_t rowid;
    rec_buf key;                /* index prefix / bound key */
    value lo, hi;               /* evaluated range bounds (lo/hi NULL type: unbounded) */
    int has_lo, has_hi;
    arena ar;                   /* per-scan texts (index-decoded values) */
} scan_state;

typedef struct sel_plan {
    int nsrc;
    plan_src *src;
    bind_src *bsrc;
    sql_expr **const_filters;   /* conjuncts without column references */
    int nconst, cap_const;
    int ntargets;
    sql_expr **targets;
    const char **names;
    int agg;                    /* aggregate query (aggregates or GROUP BY) */
    sql_expr **aggs;
    int naggs;
    sql_expr **group;
    int ngroup;
    sql_expr *having;
    int norder;
    sql_expr **order;           /* evaluated per output row (hidden columns after targets) */
    uint8_t *desc, *nulls_first;
    uint8_t distinct;
    sql_expr *limit, *offset;
} sel_plan;

typedef struct dml_plan {
    cat_table *t;
    sel_plan sel;               /* the scan of the target (src[0]) with WHERE, for UPDATE/DELETE;
                                   for INSERT ... SELECT the source query */
    /* INSERT */
    int nrows;                  /* VALUES rows */
    sql_expr ***rows;           /* rows[i][column of the table] (NULL: default) */
    uint8_t *given;             /* per table column: appears in the column list */
    int *sel_map;               /* INSERT ... SELECT: table column -> select output, or -1 */
    /* UPDATE */
    sql_expr **set;             /* per table column: new value expression or NULL */
    uint8_t *set_default;
    /* RETURNING (bound against the target table as FROM item 0) */
    int nret;
    sql_expr **ret;
    const char **ret_names;
} dml_plan;

enum { SS_READY = 0, SS_ROWS, SS_DONE, SS_FAILED };

struct acidb_stmt {
    uint32_t magic;
    acidb_conn *conn;
    acidb_stmt *next, *prev;    /* the connection's list */
    char *sql;                  /* this statement's text (NUL-terminated copy) */
    size_t sql_len;
    arena ar;                   /* syntax tree and plan */
    sql_stmt *ast;
    catalog *cat;               /* the version planned against (a reference) */
    int nparams;
    value *params;              /* bound values; TEXT malloc'd (param_text) */
    char **param_text;
    /* output */
    int ncols;
    int old_ncols;              /* columns of the text buffers allocated (for re-planning) */
    const char **names;
    value *row;                 /* the current output row (ncols) */
    char **text;                /* acidb_column_text buffers, per column */
    int blob_col;               /* the column whose last access in this row was
                                   acidb_column_blob (acidb_column_bytes then counts its
                                   bytes), or -1 */
    size_t *text_cap;
    /* execution */
    int state;
    int own_txn;                /* autocommit: this statement's run began the transaction */
    uint64_t txn_seq;           /* conn->txn_seq when it started: a running statement whose
                                   transaction another statement ended stops (api.c orphaned) */
    uint64_t savepoint;
    arena run;                  /* one execution's memory */
    ar_mark row_mark;           /* per-row scratch inside `run` */
    sel_plan *sel;              /* SELECT */
    dml_plan *dml;              /* INSERT/UPDATE/DELETE */
    scan_state *scans;
    value **jrows;              /* per FROM item: its current row (the join's row) */
    int level;                  /* join recursion position */
    int started;                /* the scan of a SELECT began */
    /* materialized results (aggregates, sorting, DISTINCT, RETURNING, EXPLAIN) */
    value **res;
    int64_t nres, cap_res, res_pos;
    int res_width;
    int materialized;
    int lock_late;              /* a sorted locking read: rows are locked as they are emitted */
    int64_t limit, offset, emitted, skipped;
    int64_t changes;
};

/* plan.c */
int plan_prepare(acidb_stmt *s, sql_error *err);
/* exec.c */
int exec_step(acidb_stmt *s);
void exec_reset(acidb_stmt *s);
int exec_scan_next(acidb_stmt *s, sel_plan *p, value **rows_out);
int exec_select_next(acidb_stmt *s, sel_plan *p);
int exec_open_tables(acidb_stmt *s, sel_plan *p);
void exec_close_scans(acidb_stmt *s, sel_plan *p);
/* Maps a lock-manager result into the connection's error (`what` "relation" or "row in
 * relation", `table` its name, for NOWAIT's message). */
int exec_lock_status(acidb_stmt *s, int lrc, const char *what, const char *table);
int exec_res_push(acidb_stmt *s, const value *vals, int n);
int exec_eval(acidb_stmt *s, const sql_expr *e, value *const *rows, const value *aggs, value *out);
/* dml.c */
int dml_run(acidb_stmt *s);

#endif
