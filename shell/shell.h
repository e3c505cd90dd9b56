/*
 * shell.h — the acidb shell's shared state and the contracts between its files.
 *
 * Threads (shell/README.md, "Sessions"): the main thread owns everything in `shell` except the
 * fields of a session marked (sh.mu); those are shared with that session's worker thread,
 * which is the only thread that calls into acidb on the session's connection while a job runs.
 * The main thread uses a session's connection itself (dot-commands such as .dump and .import)
 * only while the session is idle, which it checks under sh.mu, so the two never overlap.
 *
 * Files, one job each:
 *   main.c          options, modes of operation, opening a database (recovery progress)
 *   repl.c          input: readline loop (prompts, continuation, Ctrl-C), scripts, dispatch
 *   sessions.c      sessions, their worker threads, blocked-statement detection
 *   result.c        running SQL text on a connection into results; printing errors
 *   output.c        renderers: table, box, csv, tsv, json, line, list
 *   utf8.c          display width of UTF-8 text
 *   dot.c           dot-commands
 *   import.c        .import (CSV, RFC 4180)
 *   csv.c           the CSV record reader of .import (csv.h, exposed for tests/fuzz)
 *   dump.c          .dump
 *   admin.c         .check .checkpoint .stats .locks
 *   catalog_view.c  the schema as the shell sees it (acidb_get_schema)
 *   demo.c          the demo bank schema (.demo, make run)
 */
#ifndef ACIDB_SHELL_H
#define ACIDB_SHELL_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "acidb.h"

#define SH_NAME_MAX 32

/* ---- results (result.c) ------------------------------------------------------------------ */

/* What one statement produced. Built by the worker thread, rendered by the main thread. */
typedef struct sh_result {
    int rc;                   /* ACIDB_OK or the error code                                  */
    char *err;                /* message (may contain "\nDETAIL:  ..."), NULL when rc is OK   */
    char state[6];            /* SQLSTATE                                                    */
    int errpos;               /* acidb_error_position (1-based, into sql) or 0               */
    char *sql;                /* the statement's text (kept for errors)                      */
    int ncols;
    char **names;
    size_t nrows, cap;
    char **cells;             /* nrows * ncols, NULL for SQL NULL                           */
    unsigned char *types;     /* ACIDB_NULL/INTEGER/TEXT/BOOLEAN per cell                   */
    char tag[64];             /* command tag                                                 */
    double seconds;           /* wall time                                                   */
    int line;                 /* line of the input where the statement started              */
    struct sh_result *next;
} sh_result;

/* Runs every statement of sql on c (continuing after errors unless bail). Returns the list of
 * results (caller frees with res_free_list); *failed counts the errors. `line0` is the input
 * line of sql's first character. Runs on whatever thread owns c. */
sh_result *res_run(acidb_conn *c, const char *sql, int line0, int bail, int *failed);
void res_free_list(sh_result *r);
/* Prints r's error to f, psql style: ERROR, DETAIL, LINE with a caret, SQLSTATE. `where` is
 * a "file:line: " prefix or "" and label a "[B] " prefix or "". */
void res_print_error(FILE *f, const sh_result *r, const char *where, const char *label);
double sh_now(void);

/* ---- output (output.c, utf8.c) ----------------------------------------------------------- */

enum sh_mode { MODE_TABLE, MODE_BOX, MODE_CSV, MODE_TSV, MODE_JSON, MODE_LINE, MODE_LIST };

/* Renders one result (rows and/or tag) to f in the current mode. */
void out_result(FILE *f, const sh_result *r);
const char *out_mode_name(int mode);
int out_mode_parse(const char *name);
/* Display columns of s[0..len) (wide characters 2, combining 0, controls 1). */
int utf8_width(const char *s, size_t len);
/* Bytes of the first `chars` characters of s. */
size_t utf8_prefix(const char *s, size_t len, int chars);

/* ---- sessions (sessions.c) --------------------------------------------------------------- */

typedef struct sh_job {
    char *sql;
    int line;
    int bail;
    struct sh_job *next;
} sh_job;

typedef struct session {
    char name[SH_NAME_MAX];
    acidb_conn *conn;
    pthread_t thread;
    /* (sh.mu) */
    sh_job *queue, *queue_tail; /* waiting to run                                             */
    sh_job *running;             /* being run by the worker                                    */
    sh_result *done, *done_tail; /* finished, not yet printed                                  */
    int failed;                  /* errors in done                                             */
    int quit;
    int txn_state;               /* acidb_txn_state after the last job ('I', 'T', 'E')         */
    uint64_t txn_id;             /* acidb_txn_id after the last job                            */
    double started;              /* when `running` started                                     */
    /* main thread only */
    uint64_t blocked_txn;        /* the waiting transaction seen in the lock table, or 0       */
    int announced;               /* the user was told it waits                                 */
    int async;                   /* results are printed when they arrive, labelled            */
} session;

/* Opens a session on the open database (a connection and its worker thread). */
session *sess_create(const char *name);
session *sess_find(const char *name);
/* Hands sql to s. Waits until it has finished — or, when it waits for a lock held by another
 * session, says so and returns (its result is printed later, labelled). Ctrl-C interrupts. */
void sess_submit(session *s, const char *sql, int line);
/* Waits until s has nothing queued or running (Ctrl-C interrupts it). */
void sess_wait(session *s);
/* Prints the finished results of every session that are waiting to be printed. */
void sess_flush_all(void);
/* Whether s has nothing queued or running. */
int sess_idle(session *s);
/* The transaction state for the prompt ('I', 'T', 'E'; '?' while running). */
int sess_state(session *s);
/* Closes every session: interrupts running statements, rolls back open transactions (saying
 * so), joins the workers, disconnects. */
void sess_close_all(void);
/* Lists the sessions with their state to f. */
void sess_list(FILE *f);
/* The session whose open transaction has this id, or NULL. */
session *sess_by_txn(uint64_t txn);
/* The fd that becomes readable when a session finishes a job (interactive loop). */
int sess_notify_fd(void);
void sess_drain_notify(void);

/* ---- the shell's state ------------------------------------------------------------------- */

typedef struct shell {
    acidb_db *db;
    char *path;
    session *sessions[16];
    int nsessions;
    session *cur;
    int mode, headers, timer, bail, interactive, box_ok;
    FILE *out;                /* results: stdout, or the .output / .once file               */
    int once;                 /* out is a .once file: close after the next result           */
    const char *src;          /* name of the input being read ("<stdin>", a file), NULL: tty */
    int errors;               /* statements that failed (exit status)                       */
    int stop;                 /* .quit, or -bail after an error                              */
    volatile sig_atomic_t interrupted;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} shell;

extern shell sh;

/* Sends the result of a finished job to the output, labelled with label ("" for none). */
void sh_print_results(sh_result *r, const char *label);
/* Prints "where" (file:line prefix) for errors in scripts into buf. */
const char *sh_where(char *buf, size_t n, int line);
/* Opens path as the database (closing the current one and its sessions first). */
int sh_open(const char *path);
void sh_close_db(void);
/* Runs one line of input (a dot-command or SQL) from a script or argument. */
void repl_feed_line(const char *line, int lineno);
/* Finishes an input: runs (or reports) an unterminated statement left in the buffer. */
void repl_feed_end(void);
/* Reads a whole file of commands (.read, -f). Returns 0, or -1 if it cannot be opened. */
int repl_run_file(const char *path);
/* Feeds every line of f (until .quit or its end), then ends the input (repl_feed_end). */
void repl_run_stream(FILE *f);
/* The interactive loop on the terminal. */
void repl_interactive(void);
int dot_run(const char *line, int lineno);

/* ---- catalog (catalog_view.c) ------------------------------------------------------------ */

/* The committed schema (acidb_get_schema), or NULL after printing why it cannot be read.
 * Caller frees with acidb_free_schema. */
acidb_schema *cv_load(acidb_db *db);
/* The table of that name in s, or NULL. */
const acidb_table_info *cv_table_find(const acidb_schema *s, const char *name);

/* ---- the other dot-commands' helpers ------------------------------------------------------ */

int import_csv(session *s, const char *file, const char *table);
int dump_sql(FILE *f, session *s, const char *table);
int admin_check(void);
int admin_checkpoint(void);
int admin_stats(void);
int admin_locks(void);
/* Creates the demo bank schema on s's connection when missing; prints the hint. */
int demo_create(session *s, int quiet);

#endif
