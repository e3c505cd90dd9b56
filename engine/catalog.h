/*
 * catalog.h — the schema: tables, columns, constraints and indexes, stored in the database
 * file and cached in memory as immutable, reference-counted versions.
 *
 * On disk (engine/README.md, "Catalog"): the catalog is a table tree whose root page is in the
 * database header. Its rows, keyed by a signed 64-bit key, are records (engine/record.h):
 *   key  1 .. 2^47     an object:   (kind 'table'|'index', name, table name, root page,
 *                                    sql text or NULL, unique, primary, column list "0,2",
 *                                    type format: 1, or absent (CAT_TYPEFMT_*))
 *                      Tables keep their CREATE TABLE text; the in-memory schema is rebuilt
 *                      by parsing it, as SQLite does. Indexes made by PRIMARY KEY / UNIQUE
 *                      constraints have sql NULL and name their columns by number.
 *   key  2^48 + oid*256 + column   an identity counter: (high-water mark). Written outside
 *                      any transaction (redo-only), 32 values ahead, so a value handed out is
 *                      never handed out again, even after a crash (PostgreSQL's sequences
 *                      log ahead the same way); rolled-back inserts leave gaps.
 *   key  -root         a trash entry: tree `root` may be garbage. Written (redo-only) in the
 *                      mini-transaction that creates a tree, and (transactionally) when one
 *                      is dropped; removed when the transaction ends. Whoever finds a trash
 *                      entry whose root no object references frees that tree (at transaction
 *                      end, and at open after recovery), so neither a rolled-back CREATE nor
 *                      a crash after a DROP leaks pages.
 *
 * In memory: a `catalog` is one immutable version of the schema. The database publishes the
 * committed version; a transaction that runs DDL works on a private copy (only one at a time:
 * DDL takes the catalog lock, CAT_LOCK_ID, in X until it ends) and publishes it at commit.
 * Statements hold a reference to the version they were planned against.
 */
#ifndef ACIDB_CATALOG_H
#define ACIDB_CATALOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "engine/arena.h"
#include "engine/ast.h"
#include "pager/btree.h"

#define CAT_SEQ_BASE ((int64_t)1 << 48)
/* The type format of a table row (engine/README.md, "Catalog"): LEGACY rows (written before
 * integer widths existed; their 9th field is absent) read every integer type name of their
 * CREATE TABLE text as bigint; PG rows (9th field = 1) read them as PostgreSQL does. */
#define CAT_TYPEFMT_LEGACY 0
#define CAT_TYPEFMT_PG 1
#define CAT_SEQ_STEP 32
/* The lock-manager table id that serializes DDL (page 0 is the header: no tree has it). */
#define CAT_LOCK_ID 0u

typedef struct cat_table cat_table;

typedef struct cat_column {
    const char *name;
    uint8_t type;          /* VT_INT, VT_TEXT, VT_BOOL: the representation of tid */
    uint8_t tid;           /* the column's SQL type (engine/types.h, TY_*) */
    uint8_t not_null;
    uint8_t identity;      /* IDENT_* */
    uint8_t serial;
    int32_t maxlen;        /* VARCHAR(n) / CHAR(n): at most n characters (CHAR: padded to n
                              with blanks on store), else 0; a module type: its typmod (-1
                              none), applied on store by ty_ops.apply_typmod */
    sql_expr *def;         /* DEFAULT, bound and checked (no column references) or NULL */
    const char *def_sql;   /* its text, for .schema / .dump */
} cat_column;

typedef struct cat_check {
    const char *name;      /* accounts_balance_check */
    sql_expr *e;           /* bound against the table (src 0), type-checked boolean */
} cat_check;

typedef struct cat_index {
    const char *name;
    cat_table *table;
    uint64_t oid, root;
    uint8_t unique, primary, implicit; /* implicit: made by a PRIMARY KEY / UNIQUE constraint */
    int ncols;
    int *cols;             /* column numbers of the table */
    const char *sql;       /* CREATE INDEX text, or NULL when implicit */
    bt_tree *tree;
} cat_index;

typedef struct cat_fkey {
    const char *name;      /* transfers_src_fkey */
    cat_table *table;      /* the referencing (child) table */
    int ncols;
    int *cols;             /* child columns */
    cat_table *ref;        /* the referenced (parent) table */
    int *ref_cols;         /* parent columns: its primary key or a unique index's columns */
    cat_index *ref_index;  /* the parent's unique index on ref_cols, or NULL for its rowid */
} cat_fkey;

struct cat_table {
    const char *name;
    uint64_t oid, root;
    const char *sql;
    int ncols;
    cat_column *cols;
    int rowid_col;         /* the INTEGER PRIMARY KEY column stored as the tree key, or -1 */
    const char *pkey_name; /* <table>_pkey, or NULL when the table has no primary key */
    int npk;               /* primary key columns (also when an index holds them) */
    int *pk;
    int nidx;
    cat_index **idx;
    int nchecks;
    cat_check *checks;
    int nfk;
    cat_fkey *fk;          /* foreign keys of this table */
    int nrefby;
    cat_fkey **refby;      /* foreign keys of other tables (or this one) referencing it */
    bt_tree *tree;
    /* Shared between catalog versions of the same table (cat_shared): the hidden row-id
     * counter and the identity counters. */
    struct cat_shared *sh;
};

/* Per-table state that survives catalog versions (counters must not restart when the schema
 * of another table changes). Protected by `mu`. */
typedef struct cat_shared {
    pthread_mutex_t mu;
    int64_t next_rowid;    /* 0: not loaded yet (bt_last on first use) */
    int nseq;
    struct { int64_t next, limit; } seq[]; /* per column; limit: persisted high-water mark */
} cat_shared;

/* One row of the catalog tree (objects only), as loaded. */
typedef struct cat_row {
    int64_t key;
    const char *kind, *name, *tbl, *sql, *cols;
    uint64_t root;
    uint8_t unique, primary;
    uint8_t typefmt;       /* tables: CAT_TYPEFMT_*, how to read the type names of `sql` */
} cat_row;

typedef struct catalog {
    atomic_int refs;
    uint64_t version;
    arena a;               /* everything below */
    int nrows;
    cat_row *rows;
    int ntables;
    cat_table **tables;    /* sorted by name */
    int nindexes;
    cat_index **indexes;   /* sorted by name */
    int64_t next_oid;
} catalog;

struct txm;
struct sql_error;

/* Builds a catalog version from its rows: parses every table's SQL, resolves constraints,
 * foreign keys and indexes, opens the trees. `shared` maps table oid -> counters kept across
 * versions (cat_shared_get). */
struct cat_registry;
int cat_build(const cat_row *rows, int nrows, struct cat_registry *reg, pgr *p, uint64_t version,
              catalog **out, struct sql_error *err);
void cat_ref(catalog *c);
void cat_unref(catalog *c);

cat_table *cat_find_table(const catalog *c, const char *name);
cat_index *cat_find_index(const catalog *c, const char *name);
int cat_col_index(const cat_table *t, const char *name);
/* Index key `key` of ix as PostgreSQL's messages show one, "(name, id)=(alice, 7)", decoded
 * from its encoding (engine/record.h); a key that does not decode is also shown in hex. The
 * row-id suffix of a non-unique key is not shown. Writes a NUL-terminated text of at most cap
 * bytes (cut when longer). */
void cat_key_text(const cat_index *ix, const uint8_t *key, size_t len, char *buf, size_t cap);
/* Whether some object of the catalog has this root (a trash entry for it is then stale). */
int cat_references_root(const catalog *c, uint64_t root);

/* Counters shared across versions, one per table oid. Thread-safe. */
typedef struct cat_registry cat_registry;
int cat_registry_create(cat_registry **out);
void cat_registry_destroy(cat_registry *r);

#endif
