/*
 * acidb.h — the public C API of acidb, an embedded transactional SQL database.
 *
 * This header is the user's manual. Everything here is thread-safe in the sense stated per
 * function; everything not declared here is internal.
 *
 * Objects and ownership
 *   acidb_db    one open database file (and its write-ahead log, "<file>-wal"). One writer or
 *               any number of readers (read_only) per file, across processes and handles: an
 *               open that meets the other kind, or a second read-write acidb_open, fails with
 *               ACIDB_BUSY naming the holders' processes. Thread-safe: any thread may connect
 *               to it. Freed by acidb_close.
 *   acidb_conn  a session, with at most one open transaction. Used by one thread at a time
 *               (different connections may run on different threads concurrently; that is the
 *               point), which may change from call to call (see Threads).
 *               Freed by acidb_disconnect.
 *   acidb_stmt  a prepared statement of one connection; same thread rule as its connection.
 *               Freed by acidb_finalize (acidb_disconnect finalizes those left).
 *
 * Threads
 *   A connection and its statements are used by one thread at a time, and this is enforced:
 *   every function taking an acidb_conn or acidb_stmt marks the connection busy for the
 *   duration of the call (one atomic exchange, no lock). A call made while another thread is
 *   inside a call on the same connection (or on any of its statements) does not wait and does
 *   not touch the connection: it fails with ACIDB_MISUSE, and acidb_errmsg / acidb_sqlstate
 *   called on that connection from the refused thread say "...: the connection is in use by
 *   another thread" / "55006" until that thread's next call on it gets in; the error of the
 *   thread that is inside is not overwritten. Functions that cannot return a code return
 *   what they return for a bad handle when refused: acidb_column_text/_name/_type_name NULL,
 *   acidb_column_int64/_bytes/_count, acidb_bind_parameter_count, acidb_changes,
 *   acidb_txn_id 0, acidb_column_type ACIDB_NULL, acidb_command_tag "", acidb_txn_state 0.
 *   Exceptions: acidb_interrupt may be called from any thread at any time (that is its job);
 *   acidb_errmsg, acidb_sqlstate, acidb_errcode and acidb_error_position do not mark the
 *   connection busy (so that a refused thread can read why) — called while another thread is
 *   inside, they may read that thread's error as it is written. The check catches overlapping calls, not a
 *   protocol: two threads taking turns on one connection share its transaction, and a
 *   statement left running by one is stopped (ACIDB_MISUSE, 24000) when the other ends that
 *   transaction. Use one connection per thread.
 *
 * Transactions
 *   Outside BEGIN ... COMMIT every statement runs in its own transaction (autocommit): when
 *   acidb_step returns ACIDB_DONE for it, or its last ACIDB_ROW has been read and the
 *   statement reset/finalized, it is committed. Inside a block, an error puts the block in
 *   the failed state: every statement except ROLLBACK (and COMMIT, which then rolls back)
 *   fails with SQLSTATE 25P02 until the block ends, as in PostgreSQL. Isolation is
 *   SERIALIZABLE by strict two-phase locking (engine/README.md, "Isolation").
 *
 *   Durability: with ACIDB_DURABILITY_FULL (default) a COMMIT (or an autocommit statement)
 *   returns only once its log record is on stable storage (fdatasync'd). With
 *   ACIDB_DURABILITY_OFF nothing is fsync'd: a crash may lose the last transactions, never
 *   consistency (for tests and benchmarks).
 *
 * Errors
 *   Every function returning int returns ACIDB_OK (0) or a code below; the connection keeps
 *   the last error's message (acidb_errmsg) and PostgreSQL SQLSTATE (acidb_sqlstate).
 *   Functions that take a NULL or already-freed handle return ACIDB_MISUSE (freed handles are
 *   recognised by a magic number that is cleared on free, which catches most, not all,
 *   use-after-free: do not rely on it).
 */
#ifndef ACIDB_H
#define ACIDB_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, MAJOR.MINOR.PATCH (what each bump promises: the Compatibility section
 * of the top-level README), and as one number, MAJOR * 1000000 + MINOR * 1000 + PATCH, for #if.
 * The shared library's soname is libacidb.so.MAJOR. acidb_libversion() returns the version the program runs against (which
 * may be a newer MINOR or PATCH than the header it was compiled with). */
#define ACIDB_VERSION "0.5.0"
#define ACIDB_VERSION_MAJOR 0
#define ACIDB_VERSION_MINOR 5
#define ACIDB_VERSION_PATCH 0
#define ACIDB_VERSION_NUMBER                                                                     \
    (ACIDB_VERSION_MAJOR * 1000000 + ACIDB_VERSION_MINOR * 1000 + ACIDB_VERSION_PATCH)
const char *acidb_libversion(void);
int acidb_libversion_number(void);
/* The database file's and the log's format versions this library writes (pager/README.md and
 * wal/README.md; CHANGELOG.md names them per release). */
#define ACIDB_FILE_FORMAT_VERSION 1
#define ACIDB_LOG_FORMAT_VERSION 3

/* ---- return codes -------------------------------------------------------------------------- */
enum {
    ACIDB_OK = 0,
    ACIDB_ROW = 100,        /* acidb_step: a row is ready                                     */
    ACIDB_DONE = 101,       /* acidb_step: the statement has finished                        */
    ACIDB_ERROR = 1,        /* SQL error: syntax (42601), unknown table/column (42P01, 42703), type
                               mismatch, failed transaction (25P02), ... — see acidb_sqlstate */
    ACIDB_CONSTRAINT = 2,   /* unique 23505, check 23514, not null 23502, foreign key 23503   */
    ACIDB_RANGE = 3,        /* data error: out of range 22003, division by zero 22012, bad
                               input 22P02, invalid UTF-8 22021                               */
    ACIDB_DEADLOCK = 4,     /* 40P01: chosen as deadlock victim; the transaction is rolled back
                               (retry it)                                                     */
    ACIDB_LOCK_TIMEOUT = 5, /* 55P03: lock timeout / NOWAIT; the statement failed (in a block:
                               the block is failed, ROLLBACK it)                              */
    ACIDB_BUSY = 6,         /* the file is open in another process or already in this one    */
    ACIDB_CORRUPT = 7,      /* XX001 / XX002: a checksum or structure check failed (the message
                               names the file and page)                                      */
    ACIDB_IOERR = 8,        /* 58030: a read, write or fsync failed; the database refuses
                               further changes until it is reopened (recovery)               */
    ACIDB_NOMEM = 9,        /* 53200: out of memory (nothing changed)                        */
    ACIDB_MISUSE = 10,      /* bad handle, NULL argument, statement of another connection,
                               call out of order, connection in use by another thread (55006,
                               see Threads)                                                   */
    ACIDB_CANTOPEN = 11,    /* the file does not exist (and create was off), is a directory,
                               is not readable, is not an acidb database, ...               */
    ACIDB_FULL = 12,        /* 53100/53000: disk full, or a statement needs more cache pages
                               than the cache holds                                           */
    ACIDB_TOOBIG = 13,      /* 54000: a value, key, statement or nesting depth exceeds a limit
                               (engine/README.md, "Limits")                                   */
    ACIDB_CANCELED = 14,    /* 57014: the statement was cancelled (acidb_interrupt)          */
    ACIDB_READONLY = 15,    /* 25006: the database is open read-only (read_only), or needs a
                               recovery a read-only open cannot do                           */
};

/* A short English name of a code ("constraint violation", ...). Never NULL. */
const char *acidb_errstr(int code);

/* ---- value types (acidb_column_type) -------------------------------------------------------- */
/* Value types (acidb_column_type): ACIDB_INTEGER is every integer width (smallint, integer,
 * bigint), ACIDB_FLOAT real and double precision. */
enum { ACIDB_NULL = 0, ACIDB_INTEGER = 1, ACIDB_TEXT = 2, ACIDB_BOOLEAN = 3, ACIDB_FLOAT = 4,
       ACIDB_BYTEA = 5, ACIDB_UUID = 6 };

/* ---- opening -------------------------------------------------------------------------------- */
enum { ACIDB_DURABILITY_FULL = 0, ACIDB_DURABILITY_OFF = 1 };

typedef struct acidb_options {
    uint64_t cache_bytes;       /* buffer pool size; 0: 64 MiB                               */
    int durability;             /* ACIDB_DURABILITY_FULL (0, default) or _OFF                */
    unsigned lock_timeout_ms;   /* default lock wait of a connection; 0: 10 000 ms           */
    unsigned deadlock_check_ms; /* wait before searching for a deadlock; 0: at once          */
    uint64_t checkpoint_bytes;  /* checkpoint after this much log; 0: 64 MiB                  */
    int create;                 /* 1: create the file if it does not exist                    */
    /* 1: open read-only. Any number of processes and handles may read a file at once while
     * none writes it (ACIDB_BUSY otherwise, naming the processes). Nothing is ever written to
     * the file or its log, create is ignored, and every statement that would write (INSERT,
     * UPDATE, DELETE, DDL, SELECT ... FOR UPDATE/SHARE) and acidb_checkpoint answer
     * ACIDB_READONLY, 25006 ("cannot execute INSERT in a read-only transaction"); reads see
     * the state of the last commit. A file that needs recovery (not closed cleanly) is refused
     * with ACIDB_READONLY: open it read-write once. A clean file needs no log beside it. */
    int read_only;
    /* 0 (default): every group commit pads the log to the next 4 KiB boundary, so no synced
     * byte of the log is ever rewritten — safe on a device where an interrupted write may
     * garble every sector it touches (wal/README.md, rule L7). 1: the device is known to have
     * powersafe overwrite (an interrupted write changes only the bytes written), as SQLite's
     * SQLITE_IOCAP_POWERSAFE_OVERWRITE: no padding, fewer log bytes per commit (about 140
     * instead of 4,096 for one committer alone), the same commits/s from 8 committers on. */
    int powersafe_overwrite;
    /* Called during recovery (from the thread in acidb_open) with the phase ("analysis",
     * "redo", "undo") and its progress in log bytes. May be NULL. */
    void (*progress)(void *ctx, const char *phase, uint64_t done, uint64_t total);
    void *progress_ctx;
} acidb_options;

/* The defaults above, with create = 1. */
acidb_options acidb_default_options(void);

typedef struct acidb_db acidb_db;
typedef struct acidb_conn acidb_conn;
typedef struct acidb_stmt acidb_stmt;

/* Opens (and, if the last shutdown was not clean, recovers) the database at path. opts NULL:
 * acidb_default_options(). On success *out is the caller's (acidb_close). On failure *out is
 * NULL and, since there is no connection to ask, the message is available from
 * acidb_open_errmsg() on the same thread. ACIDB_CANTOPEN, ACIDB_BUSY, ACIDB_CORRUPT,
 * ACIDB_IOERR, ACIDB_NOMEM, ACIDB_MISUSE, ACIDB_READONLY (read_only, see there).
 *
 * An acknowledged commit is never dropped silently: the open fails with ACIDB_CORRUPT
 * (XX001), changing nothing, when the log `<path>-wal` the database needs is missing, belongs
 * to an older or newer generation than the file's header names, is an older copy of the right
 * one, is damaged inside its durable part, or ends before a page of the file says it reached
 * (wal/README.md, "The log identity check" and rule L6). The message names the file and
 * what to do: restore the database and its log together. A log of another database is
 * ACIDB_CANTOPEN. A header page torn by a crash is rebuilt from the log. */
int acidb_open(const char *path, const acidb_options *opts, acidb_db **out);
/* The message of this thread's last failed acidb_open ("" if none). */
const char *acidb_open_errmsg(void);
/* Recovery statistics of the last open: whether recovery ran, how long it took (seconds), how
 * many log bytes it read. Any pointer may be NULL. */
void acidb_recovery_info(acidb_db *db, int *ran, double *seconds, uint64_t *log_bytes);

/* Clean shutdown: checkpoints, writes every page, removes the log, so that a closed database is
 * one file. Refused with ACIDB_MISUSE (nothing closed) while connections are open. After an
 * I/O error the database is closed without the checkpoint (the next open recovers) and
 * ACIDB_IOERR is returned. Frees db in every case but MISUSE. */
int acidb_close(acidb_db *db);

/* ---- connections ---------------------------------------------------------------------------- */

/* Opens a session on db. Thread-safe. *out: acidb_disconnect. */
int acidb_connect(acidb_db *db, acidb_conn **out);
/* Rolls back an open transaction, finalizes the connection's statements, frees it.
 * ACIDB_MISUSE (nothing freed) while another thread is inside a call on c. */
int acidb_disconnect(acidb_conn *c);

/* Runs one or more ;-separated statements; rows are discarded. Stops at the first error
 * (earlier statements stay done; in autocommit each was its own transaction). */
int acidb_exec(acidb_conn *c, const char *sql);

/* Prepares the first statement of sql (the rest is ignored; *tail, if not NULL, receives a
 * pointer to it). *out is NULL for empty SQL. Parsing and planning happen here, once;
 * acidb_step re-plans by itself if a DDL changed the schema since. */
int acidb_prepare_v2(acidb_conn *c, const char *sql, acidb_stmt **out, const char **tail);
int acidb_prepare(acidb_conn *c, const char *sql, acidb_stmt **out);

/* Parameters, idx from 1 ($1 or the first ?). TEXT is copied (len -1: strlen) and must be valid
 * UTF-8 (ACIDB_RANGE, 22021). Bindings persist across acidb_reset; rebinding is allowed only
 * when the statement is not running (after reset, or before the first step). */
int acidb_bind_int64(acidb_stmt *s, int idx, int64_t v);
/* A double precision value; converted as CAST does where the parameter's context wants
 * another type (to an integer: rounded half to even, 22003 out of range; to real: rounded to
 * float, 22003 "value out of range: overflow"). */
int acidb_bind_double(acidb_stmt *s, int idx, double v);
int acidb_bind_text(acidb_stmt *s, int idx, const char *v, int len);
/* A BYTEA value: len bytes at v, copied (v NULL or len < 0: NULL). Where the parameter's
 * context wants text it becomes its hex output ("\x0102"). */
int acidb_bind_blob(acidb_stmt *s, int idx, const void *v, int len);
int acidb_bind_bool(acidb_stmt *s, int idx, int v);
int acidb_bind_null(acidb_stmt *s, int idx);
int acidb_clear_bindings(acidb_stmt *s);
int acidb_bind_parameter_count(acidb_stmt *s);

/* Runs the statement until its next row (ACIDB_ROW) or its end (ACIDB_DONE), or an error
 * code. After DONE or an error, step again only after acidb_reset. A statement returning rows
 * lives in the transaction it started in: if another statement of the connection ends that
 * transaction meanwhile (COMMIT, ROLLBACK, any error, or the end of the autocommit statement
 * that began it), its next step returns ACIDB_MISUSE with SQLSTATE 24000 (as PostgreSQL
 * closes a transaction's cursors) and it must be reset. */
int acidb_step(acidb_stmt *s);
/* Result columns (of a SELECT, or of RETURNING; 0 for other statements). col from 0. */
int acidb_column_count(acidb_stmt *s);
/* The output name ("balance", an alias, or "?column?"); valid until finalize. */
const char *acidb_column_name(acidb_stmt *s, int col);
/* The SQL type of result column col, known once the statement is prepared (before any row):
 * "smallint", "integer", "bigint", "real", "double precision", "text", "character varying",
 * "character", "boolean", "bytea" or "uuid" — PostgreSQL's format_type names without the
 * length (acidb_get_schema's columns add it: "character varying(5)"); an expression has the
 * type PostgreSQL gives it: count(*) is "bigint". An output with no type of its
 * own (SELECT NULL) is "text", as PostgreSQL resolves it. NULL when col is out of range.
 * Static storage. What a wire-protocol server describes a row with. */
const char *acidb_column_type_name(acidb_stmt *s, int col);
/* The SQL type inferred for parameter idx (from 1) from its context, once the statement is
 * prepared (before any binding): the column it is stored into or compared with, the other
 * operand, a CAST — PostgreSQL's format_type name as for acidb_column_type_name; "text" when
 * the context gives none (as PostgreSQL infers an unknown parameter). NULL when idx is out of
 * range. Static storage. What a driver describes a statement's parameters with. */
const char *acidb_param_type_name(acidb_stmt *s, int idx);
/* The current row's value type in that column (ACIDB_NULL for NULL). */
int acidb_column_type(acidb_stmt *s, int col);
/* The value as integer (BOOLEAN: 0/1; NULL, TEXT and floats: 0). */
int64_t acidb_column_int64(acidb_stmt *s, int col);
/* The value as a double (floats as they are, integers converted; NULL, TEXT and BOOLEAN: 0). */
double acidb_column_double(acidb_stmt *s, int col);
/* The value as NUL-terminated text, as PostgreSQL prints it (integers in decimal, booleans
 * "t"/"f", floats as the shortest text that reads back exactly: "0.1", "1e+20", "NaN",
 * "-Infinity", a real at float precision); NULL for NULL. Valid until the next step, reset or finalize. The text is copied
 * into a buffer of the statement, which can fail: then the result is NULL too, and the
 * connection's error is set — acidb_errcode(c) ACIDB_NOMEM, acidb_sqlstate(c) "53200". To
 * tell the two NULLs apart, ask acidb_column_type(): ACIDB_NULL is SQL NULL; any other type
 * with a NULL result is out of memory (the row stays readable: call again once memory is
 * back). acidb_column_bytes returns 0 in that case and sets the same error. */
const char *acidb_column_text(acidb_stmt *s, int col);
/* Byte length of acidb_column_text's result — or, when the last access to this column of
 * this row was acidb_column_blob, of the blob (SQLite's rule). */
int acidb_column_bytes(acidb_stmt *s, int col);
/* A BYTEA value's bytes (acidb_column_bytes of them; a non-NULL pointer also for zero bytes),
 * a UUID's 16 bytes, NULL for NULL and for other types. Valid until the next step, reset or finalize.
 * acidb_column_text gives the same value as PostgreSQL prints it: "\x" and hex. */
const void *acidb_column_blob(acidb_stmt *s, int col);

/* Makes the statement runnable again from the start (bindings kept). If it was in autocommit
 * mode with rows unread, the rest is abandoned and its transaction committed. Returns the
 * error of that commit, if any, else ACIDB_OK. */
int acidb_reset(acidb_stmt *s);
/* Resets and frees the statement. */
int acidb_finalize(acidb_stmt *s);

/* Rows inserted, updated or deleted by the connection's last finished statement. */
int64_t acidb_changes(acidb_conn *c);
/* The last error of the connection ("" when the last call succeeded). Valid until the next
 * call on the connection. If this thread's last call on c was refused because another thread
 * was inside (Threads), that refusal's message instead (and acidb_sqlstate "55006"). */
const char *acidb_errmsg(acidb_conn *c);
/* "00000", or the PostgreSQL SQLSTATE of the last error. */
const char *acidb_sqlstate(acidb_conn *c);
/* The code (ACIDB_NOMEM, ACIDB_CONSTRAINT, ...) of the error acidb_errmsg describes: ACIDB_OK
 * when none was recorded since the error was last cleared (acidb_prepare, acidb_exec and the
 * first acidb_step of a run clear it); ACIDB_MISUSE for a bad handle or after this thread was
 * refused (Threads). For calls that return no code, such as acidb_column_text. */
int acidb_errcode(acidb_conn *c);
/* For errors about a position in the SQL text: its 1-based character offset; 0 otherwise. */
int acidb_error_position(acidb_conn *c);
/* The psql-style command tag of the last finished statement ("INSERT 0 1", "UPDATE 2",
 * "SELECT 3", "BEGIN", "CREATE TABLE", ...); "" when none. */
const char *acidb_command_tag(acidb_conn *c);

/* Transaction state of the connection: 'I' idle, 'T' in a transaction block, 'E' in a failed
 * transaction block (psql's %x). */
int acidb_txn_state(acidb_conn *c);

/* Asks the statement running on c to stop (ACIDB_CANCELED) at its next row or lock wait. The
 * only function that may be called from another thread (e.g. a signal-handling thread) while
 * c is in use. */
int acidb_interrupt(acidb_conn *c);

/* ---- SQL text ---------------------------------------------------------------------------- */

/* Whether sql (NUL-terminated) leaves no statement unfinished: 1 when its last token is a ';'
 * (whitespace and complete comments may follow) or it holds no token at all (empty, blanks,
 * comments); 0 when a statement has no terminating ';' yet, or the text ends inside a string,
 * a quoted identifier or a block comment (block comments nest). Lexical only: a complete
 * statement may still be wrong ("SELECT 1 FROM;" is complete). An interactive client reads
 * lines until this says 1, then runs the text. Unlike sqlite3_complete, text without a
 * statement counts as complete (there is nothing to wait for); NULL counts as empty. Pure
 * function: thread-safe, no handle. */
int acidb_complete(const char *sql);

/* Keyword categories (acidb_keyword_check), PostgreSQL's "SQL Key Words" table. */
enum {
    ACIDB_KEYWORD_NONE = 0,       /* not a keyword: any name                                    */
    ACIDB_KEYWORD_UNRESERVED = 1, /* a keyword usable as any name, bare                         */
    ACIDB_KEYWORD_COLNAME = 2,    /* a table or column name, not a function or bare alias       */
    ACIDB_KEYWORD_TYPEFUNC = 3,   /* reserved, but may name a function                          */
    ACIDB_KEYWORD_RESERVED = 4,   /* a name only when double-quoted (or after AS)               */
};
/* The keyword category of the len bytes at word (len -1: strlen), compared case-insensitively
 * (ASCII): ACIDB_KEYWORD_NONE (0) when it is no keyword, else the ACIDB_KEYWORD_* above —
 * nonzero, as sqlite3_keyword_check. A client that writes SQL (a dump, a generated INSERT)
 * may write an identifier bare when it matches [a-z_][a-z0-9_]* and this returns NONE or
 * UNRESERVED; any other name must be double-quoted ("" for a quote) to mean itself in acidb
 * and PostgreSQL alike. word NULL: ACIDB_KEYWORD_NONE. Pure function: thread-safe. */
int acidb_keyword_check(const char *word, int len);

/* ---- administration -------------------------------------------------------------------- */

/* A fuzzy checkpoint now (normally automatic every checkpoint_bytes of log). Thread-safe.
 * ACIDB_READONLY on a database opened read-only. */
int acidb_checkpoint(acidb_db *db);

/* Integrity check of the whole database (engine/README.md, "Integrity check"). It verifies:
 *   - pages: every table and index tree and the catalog (page types, key order within and
 *     across pages, separators, leaf depth, sibling links, cells, overflow chains), the free
 *     list, pages referenced twice or never, page checksums read from disk;
 *   - page LSNs: every page's LSN is below the end of the log (a larger one means the log lost
 *     records the file depends on);
 *   - rows: every row of every table decodes;
 *   - indexes against rows (like PostgreSQL's amcheck with heapallindexed): every entry of
 *     every index (PRIMARY KEY, UNIQUE, CREATE INDEX) points to a row that exists and whose
 *     columns encode to exactly that entry, and every row has its entry in every index of its
 *     table — a row missing from a UNIQUE index, and a duplicate that missing entry let in,
 *     are both named;
 *   - identity counters: the stored counter of a GENERATED ALWAYS AS IDENTITY column is above
 *     the largest value in the column (SERIAL and BY DEFAULT columns take explicit values, so
 *     theirs is not checked, as in PostgreSQL).
 * Each problem is reported through `report` (may be NULL) with a page number — the page
 * concerned, or for a row or index problem the root page of its table or index — and a message
 * that names the table, index, key and row id concerned; *problems (may be NULL) counts them.
 * Memory use does not grow with the database (beyond one byte per page); time is one walk of
 * every tree plus, per index, one row lookup per entry. Returns ACIDB_OK when the check ran
 * (even if it found problems); ACIDB_NOMEM / ACIDB_IOERR if it could not finish. Takes no
 * locks: run it while no transaction changes the database for an exact answer. */
int acidb_check(acidb_db *db, void (*report)(void *ctx, uint64_t page, const char *msg),
                void *ctx, uint64_t *problems);

typedef struct acidb_stats {
    uint64_t cache_hits, cache_misses, cache_evictions, cache_pages; /* buffer pool */
    uint64_t db_pages;                   /* pages in the file                             */
    uint64_t log_bytes;                  /* bytes of log since it was last compacted      */
    uint64_t log_fsyncs;                 /* fdatasync calls on the log                    */
    uint64_t commits, rollbacks;         /* transactions ended through this handle        */
    uint64_t lock_waits, deadlocks, lock_timeouts;
} acidb_stats;

/* Counters since open. Thread-safe. */
int acidb_get_stats(acidb_db *db, acidb_stats *out);

/* One granted or awaited lock (acidb_locks). Strings valid during the callback only. */
typedef struct acidb_lock_info {
    uint64_t txn;            /* transaction id (acidb_txn_id)                               */
    const char *object;      /* table or index name ("the catalog" for DDL's lock)          */
    const char *resource;    /* "table", "row 42", "key 'alice'"                            */
    const char *mode;        /* "IS", "IX", "S", "SIX", "X"                                 */
    int waiting;             /* 0: granted; 1: waiting for it                               */
    const uint64_t *blockers;/* waiting: the transactions it waits for                      */
    int nblockers;
    double seconds;          /* how long it has been held / awaited                          */
} acidb_lock_info;

/* Calls cb for every lock in a consistent snapshot of the lock table (granted first, then
 * waiting, in queue order). Thread-safe; cb must not call into acidb. */
int acidb_locks(acidb_db *db, void (*cb)(void *ctx, const acidb_lock_info *l), void *ctx);

/* The id of the connection's open transaction, 0 when none (to match acidb_locks entries). */
uint64_t acidb_txn_id(acidb_conn *c);

/* ---- schema ------------------------------------------------------------------------------ */

/* The committed schema (acidb_get_schema). Every string is NUL-terminated and every array is
 * owned by the acidb_schema: valid until acidb_free_schema. Names are as stored: unquoted
 * names folded to lower case, quoted ones as written. */
typedef struct acidb_column_info {
    const char *name;
    const char *type;        /* PostgreSQL's name of the stored type, as the engine's messages
                                use it: "integer" (always 64-bit: engine/README.md, "SQL"),
                                "text", "boolean", "character varying(n)" for VARCHAR(n)   */
    int not_null;            /* NOT NULL, PRIMARY KEY or IDENTITY                            */
} acidb_column_info;

typedef struct acidb_index_info {
    const char *name;        /* "accounts_pkey", "accounts_name_key", "t_v_idx"             */
    const char *sql;         /* the CREATE INDEX text as written; NULL for an index that a
                                PRIMARY KEY or UNIQUE constraint made                       */
    int unique, primary;
    int ncols;
    const char *const *cols; /* the indexed columns, in key order                           */
} acidb_index_info;

typedef struct acidb_constraint_info {
    const char *name;        /* "accounts_pkey", "transfers_src_fkey", ...                  */
    char type;               /* PostgreSQL's pg_constraint.contype: 'p' primary key,
                                'u' unique, 'c' check, 'f' foreign key                      */
    int ncols;               /* 'p', 'u', 'f': the constrained columns; 'c': 0 (its
                                expression is in the table's sql)                           */
    const char *const *cols; /* ncols names (an empty array for 'c')                         */
    const char *ref_table;   /* 'f': the referenced table; otherwise NULL                    */
    const char *const *ref_cols; /* 'f': its columns, ncols of them; otherwise NULL          */
} acidb_constraint_info;

typedef struct acidb_table_info {
    const char *name;
    const char *sql;         /* the CREATE TABLE text as written (defaults and CHECK
                                expressions are found here only)                            */
    int ncols;
    const acidb_column_info *cols;           /* in declaration order                        */
    int nindexes;
    const acidb_index_info *indexes;         /* every index of the table; an INTEGER
                                                PRIMARY KEY is the table's own key and has
                                                no index (its constraint is listed)        */
    int nconstraints;
    const acidb_constraint_info *constraints;/* the primary key; unique constraints in the
                                                order of indexes; checks, then foreign
                                                keys: those written on columns in column
                                                order, then the table constraints in order */
} acidb_table_info;

typedef struct acidb_schema {
    int ntables;
    const acidb_table_info *tables;          /* in name order (bytewise)                    */
} acidb_schema;

/* A copy of the committed schema: every table with its columns, indexes and constraints, as
 * of the last committed DDL (a connection's uncommitted CREATE or DROP is not in it). Takes no
 * lock and reads nothing from disk. Thread-safe. On success *out is the caller's
 * (acidb_free_schema) and does not change when the schema does. ACIDB_NOMEM (*out NULL),
 * ACIDB_MISUSE for a bad handle or a NULL out. */
int acidb_get_schema(acidb_db *db, acidb_schema **out);
/* Frees a schema from acidb_get_schema (NULL: nothing). */
void acidb_free_schema(acidb_schema *s);

#ifdef __cplusplus
}
#endif

#endif
