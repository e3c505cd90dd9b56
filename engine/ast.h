/*
 * ast.h — the syntax tree of one SQL statement (engine/parse.h builds it, the binder in
 * engine/plan.c resolves names and types in place, the executor runs it).
 *
 * Every node lives in the statement's arena (engine/arena.h) and dies with it. Strings are
 * NUL-terminated arena copies; identifiers are already case-folded the PostgreSQL way
 * (unquoted: lower-cased ASCII; "quoted": exact). `pos` fields are 0-based byte offsets of the
 * node's first token in the SQL text, for error positions.
 */
#ifndef ACIDB_AST_H
#define ACIDB_AST_H

#include <stdint.h>

#include "engine/types.h"
#include "engine/value.h"

/* ---- expressions -------------------------------------------------------------------------- */

typedef enum ex_kind {
    EX_CONST = 1,  /* v */
    EX_PARAM,      /* param: 1-based ($n, or the n-th ? from the left) */
    EX_COLUMN,     /* table (may be NULL) . name; binder sets src, col */
    EX_UNARY,      /* op (OP_NEG, OP_NOT, OP_POS) l */
    EX_BINARY,     /* l op r */
    EX_IS_NULL,    /* l IS [NOT] NULL            (negate) */
    EX_IS_BOOL,    /* l IS [NOT] TRUE / FALSE    (negate; v.u.i = 1 TRUE, 0 FALSE) */
    EX_BETWEEN,    /* l [NOT] BETWEEN args[0] AND args[1]  (negate) */
    EX_IN,         /* l [NOT] IN (args[0..nargs))         (negate) */
    EX_LIKE,       /* l [NOT] LIKE r [ESCAPE args[0]] (negate; ilike = 1 for ILIKE) */
    EX_CASE,       /* CASE [l] WHEN args[2i] THEN args[2i+1] ... [ELSE r] END */
    EX_FUNC,       /* name(args): coalesce, nullif, abs, length, lower, upper, ...;
                      aggregates count/sum/min/max/avg (star: count(*); distinct: f(DISTINCT x)) */
    EX_CAST,       /* CAST(l AS cast_type) or l::cast_type */
} ex_kind;

typedef enum ex_op {
    OP_NONE = 0,
    OP_OR, OP_AND, OP_NOT,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
    OP_CONCAT,     /* || */
    OP_NEG, OP_POS,
} ex_op;

/* Aggregate functions, recognised by the binder from EX_FUNC names. */
typedef enum ex_agg { AGG_NONE = 0, AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG } ex_agg;

typedef struct sql_expr sql_expr;
struct sql_expr {
    uint8_t kind;       /* ex_kind */
    uint8_t op;         /* ex_op: EX_UNARY, EX_BINARY */
    uint8_t negate;     /* NOT form of IS NULL / IS TRUE / BETWEEN / IN / LIKE */
    uint8_t ilike;      /* EX_LIKE: ILIKE */
    uint8_t star;       /* EX_FUNC: f(*) */
    uint8_t distinct;   /* EX_FUNC: f(DISTINCT ...) */
    uint8_t type;       /* result representation VT_*; set by the binder (VT_NULL: unknown /
                           NULL) */
    uint8_t tid;        /* result SQL type (engine/types.h, TY_*) when type is VT_INT: which
                           integer width; 0 elsewhere or when not known (then: bigint) */
    uint8_t cast_type;  /* EX_CAST: the target type id (TY_*) */
    int32_t typmod;     /* EX_CAST: the target's length (VARCHAR(n), CHAR(n)), a module
                           type's typmod (NUMERIC(p,s), -1 none), or 0 */
    uint8_t agg;        /* EX_FUNC: ex_agg, set by the binder */
    int32_t pos;        /* byte offset in the SQL text */
    value v;            /* EX_CONST (TEXT bytes in the arena) */
    int param;          /* EX_PARAM */
    const char *table;  /* EX_COLUMN qualifier or NULL */
    const char *name;   /* EX_COLUMN column name; EX_FUNC function name (lower-case) */
    int src, col;       /* EX_COLUMN, set by the binder: FROM item index, column index */
    int slot;           /* EX_FUNC aggregate: index of its result in ex_ctx.aggs (binder) */
    sql_expr *l, *r;
    sql_expr **args;
    int nargs;
};

/* ---- statements --------------------------------------------------------------------------- */

typedef enum sql_stmt_kind {
    STMT_SELECT = 1,
    STMT_INSERT,
    STMT_UPDATE,
    STMT_DELETE,
    STMT_CREATE_TABLE,
    STMT_DROP_TABLE,
    STMT_CREATE_INDEX,
    STMT_DROP_INDEX,
    STMT_BEGIN,       /* BEGIN [TRANSACTION|WORK] | START TRANSACTION */
    STMT_COMMIT,      /* COMMIT [TRANSACTION|WORK] | END [TRANSACTION|WORK] */
    STMT_ROLLBACK,    /* ROLLBACK [TRANSACTION|WORK] | ABORT */
    STMT_EXPLAIN,     /* EXPLAIN stmt */
    STMT_SET,         /* SET name = value | SET name TO value (lock_timeout, ...) */
} sql_stmt_kind;

/* One item of a SELECT list or RETURNING list. */
typedef struct sql_target {
    sql_expr *e;        /* NULL for * or t.* */
    const char *alias;  /* AS name, or NULL */
    const char *star_table; /* t.*: "t"; bare *: NULL (with e == NULL) */
    int32_t pos;
} sql_target;

/* One table of FROM: FROM a [AS] x [INNER] JOIN b [AS] y ON cond, c ... */
typedef struct sql_from {
    const char *table;
    const char *alias;  /* NULL: none */
    sql_expr *on;       /* JOIN ... ON cond of this item (NULL for the first item and for a
                           comma-separated item) */
    int32_t pos;
} sql_from;

typedef struct sql_order {
    sql_expr *e;        /* may be an EX_CONST integer: ORDER BY 2 (output column number) */
    uint8_t desc;
    uint8_t nulls;      /* 0 default (LAST for ASC, FIRST for DESC), 1 FIRST, 2 LAST */
} sql_order;

enum { LOCK_NONE = 0, LOCK_FOR_UPDATE = 1, LOCK_FOR_SHARE = 2 };
enum { LOCKWAIT_WAIT = 0, LOCKWAIT_NOWAIT = 1, LOCKWAIT_SKIP = 2 };

typedef struct sql_select {
    uint8_t distinct;
    sql_target *targets;
    int ntargets;
    sql_from *from;     /* nfrom 0: SELECT without FROM */
    int nfrom;
    sql_expr *where;
    sql_expr **group_by;
    int ngroup;
    sql_expr *having;
    sql_order *order;
    int norder;
    sql_expr *limit, *offset; /* NULL: none */
    uint8_t lock;       /* LOCK_* */
    uint8_t lockwait;   /* LOCKWAIT_* */
} sql_select;

typedef struct sql_insert {
    const char *table;
    int32_t table_pos;
    const char **cols; /* NULL: all columns in order */
    int32_t *col_pos;
    int ncols;
    sql_expr ***rows;  /* VALUES rows: rows[i][j], each with nvalues[i] expressions */
    int *nvalues;
    int nrows;
    sql_select *select; /* INSERT ... SELECT (rows == NULL) */
    uint8_t default_values; /* INSERT ... DEFAULT VALUES */
    sql_target *returning;
    int nreturning;
} sql_insert;

/* In a VALUES row, the keyword DEFAULT is an EX_CONST node with this marker in `param`. */
#define SQL_DEFAULT_MARK (-1)

typedef struct sql_set_item {
    const char *col;
    sql_expr *e;        /* may be the DEFAULT marker */
    int32_t pos;
} sql_set_item;

typedef struct sql_update {
    const char *table;
    const char *alias;
    int32_t table_pos;
    sql_set_item *set;
    int nset;
    sql_expr *where;
    sql_target *returning;
    int nreturning;
} sql_update;

typedef struct sql_delete {
    const char *table;
    const char *alias;
    int32_t table_pos;
    sql_expr *where;
    sql_target *returning;
    int nreturning;
} sql_delete;

enum { IDENT_NONE = 0, IDENT_BY_DEFAULT = 1, IDENT_ALWAYS = 2 };

typedef struct sql_coldef {
    const char *name;
    uint8_t type;        /* VT_INT, VT_TEXT, VT_BOOL: the representation of tid */
    uint8_t tid;         /* the declared type (engine/types.h, TY_*) */
    uint8_t not_null;
    uint8_t primary_key;
    uint8_t unique;
    uint8_t identity;    /* IDENT_*: SERIAL / BIGSERIAL are IDENT_BY_DEFAULT with not_null */
    uint8_t serial;      /* declared SERIAL / BIGSERIAL (for .dump / messages) */
    int32_t maxlen;      /* VARCHAR(n) / CHAR(n): n characters at most (22001 beyond); 0: no
                            limit; a module type (NUMERIC(p,s)): its typmod, -1 none */
    sql_expr *def;       /* DEFAULT expr or NULL */
    sql_expr *check;     /* CHECK (expr) or NULL */
    const char *check_name; /* CONSTRAINT name before CHECK, or NULL */
    const char *pk_name, *unique_name, *fk_name; /* CONSTRAINT names, or NULL */
    const char *ref_table; /* REFERENCES t [(col)] */
    const char *ref_col;   /* NULL: the referenced table's primary key */
    int32_t pos;
    int32_t check_pos;
} sql_coldef;

enum { TC_PRIMARY_KEY = 1, TC_UNIQUE, TC_CHECK, TC_FOREIGN_KEY };

typedef struct sql_tblcons {
    uint8_t kind;        /* TC_* */
    const char *name;    /* CONSTRAINT name, or NULL */
    const char **cols;   /* PK / UNIQUE / FOREIGN KEY (cols) */
    int ncols;
    sql_expr *check;     /* TC_CHECK */
    const char *ref_table;
    const char **ref_cols; /* NULL: the referenced table's primary key */
    int nref;
    int32_t pos;
} sql_tblcons;

typedef struct sql_create_table {
    const char *name;
    uint8_t if_not_exists;
    sql_coldef *cols;
    int ncols;
    sql_tblcons *cons;
    int ncons;
} sql_create_table;

typedef struct sql_create_index {
    const char *name;    /* NULL: generated (PostgreSQL: <table>_<col>_idx) */
    const char *table;
    uint8_t unique, if_not_exists;
    const char **cols;
    int32_t *col_pos;
    int ncols;
} sql_create_index;

typedef struct sql_drop {
    const char *name;
    uint8_t if_exists;
} sql_drop;

typedef struct sql_set {
    const char *name;    /* lower-cased setting name */
    value v;             /* its value: integer, text (quoted or a bare word), or boolean */
} sql_set;

typedef struct sql_stmt sql_stmt;
struct sql_stmt {
    uint8_t kind;        /* sql_stmt_kind */
    int32_t pos;         /* offset of the statement's first token */
    int32_t end;         /* offset just past its last token (the text is sql[pos..end)) */
    int nparams;         /* highest parameter number used */
    sql_expr **param_nodes; /* every parameter node (a number may occur more than once); the
                               binder types them (acidb_param_type_name) */
    int nparam_nodes;
    uint8_t start_transaction; /* STMT_BEGIN spelled START TRANSACTION (its command tag) */
    union {
        sql_select select;
        sql_insert insert;
        sql_update update;
        sql_delete del;
        sql_create_table create_table;
        sql_create_index create_index;
        sql_drop drop;
        sql_set set;
        sql_stmt *explain;
    } u;
};

#endif
