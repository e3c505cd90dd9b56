/*
 * result.c — runs SQL text on a connection and keeps what each statement produced.
 *
 * Rows are collected in memory before anything is printed: the aligned formats need every
 * row to size their columns, and a session's statement runs on its worker thread while the
 * main thread owns the terminal, so the worker only collects and the main thread renders.
 * Errors are printed the way psql prints them (ERROR / DETAIL / LINE with a caret), plus the
 * SQLSTATE on a line of its own.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shell.h"

double sh_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static void res_free(sh_result *r)
{
    for (size_t i = 0; i < r->nrows * (size_t)r->ncols; i++)
        free(r->cells[i]);
    for (int i = 0; i < r->ncols; i++)
        free(r->names[i]);
    free(r->names);
    free(r->cells);
    free(r->types);
    free(r->err);
    free(r->sql);
    free(r);
}

void res_free_list(sh_result *r)
{
    while (r) {
        sh_result *n = r->next;
        res_free(r);
        r = n;
    }
}

static int res_add_row(sh_result *r, acidb_stmt *st)
{
    if (r->nrows == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16, n = cap * (size_t)r->ncols;
        char **cells = realloc(r->cells, n * sizeof *cells);
        if (cells == NULL)
            return -1;
        r->cells = cells;
        unsigned char *types = realloc(r->types, n ? n : 1);
        if (types == NULL)
            return -1;
        r->types = types;
        r->cap = cap;
    }
    size_t base = r->nrows * (size_t)r->ncols;
    for (int i = 0; i < r->ncols; i++) {
        int t = acidb_column_type(st, i);
        const char *v = acidb_column_text(st, i);
        r->types[base + (size_t)i] = (unsigned char)t;
        r->cells[base + (size_t)i] = NULL;
        if (t != ACIDB_NULL && v != NULL &&
            (r->cells[base + (size_t)i] = dup_n(v, (size_t)acidb_column_bytes(st, i))) == NULL) {
            for (int j = 0; j < i; j++)
                free(r->cells[base + (size_t)j]);
            return -1;
        }
    }
    r->nrows++;
    return 0;
}

static void res_set_error(sh_result *r, acidb_conn *c, int rc, const char *sql, size_t len)
{
    r->rc = rc;
    r->err = strdup(acidb_errmsg(c)[0] ? acidb_errmsg(c) : acidb_errstr(rc));
    snprintf(r->state, sizeof r->state, "%s", acidb_sqlstate(c));
    r->errpos = acidb_error_position(c);
    free(r->sql);
    r->sql = dup_n(sql, len);
}

/* Runs one prepared statement to its end, collecting rows. */
static void res_step_all(sh_result *r, acidb_conn *c, acidb_stmt *st, const char *sql,
                         size_t len)
{
    int rc;
    r->ncols = acidb_column_count(st);
    if (r->ncols > 0) {
        r->names = calloc((size_t)r->ncols, sizeof *r->names);
        for (int i = 0; r->names && i < r->ncols; i++)
            r->names[i] = strdup(acidb_column_name(st, i) ? acidb_column_name(st, i) : "?");
    }
    while ((rc = acidb_step(st)) == ACIDB_ROW) {
        if (r->ncols > 0 && res_add_row(r, st) != 0) {
            r->rc = ACIDB_NOMEM;
            r->err = strdup("out of memory collecting the result in the shell");
            snprintf(r->state, sizeof r->state, "53200");
            acidb_reset(st);
            return;
        }
    }
    if (rc != ACIDB_DONE) {
        res_set_error(r, c, rc, sql, len);
        return;
    }
    snprintf(r->tag, sizeof r->tag, "%s", acidb_command_tag(c));
}

static int line_of(const char *start, const char *p, int line0)
{
    for (; start < p; start++)
        if (*start == '\n')
            line0++;
    return line0;
}

sh_result *res_run(acidb_conn *c, const char *sql, int line0, int bail, int *failed)
{
    sh_result *head = NULL, **tail = &head;
    const char *p = sql;
    *failed = 0;
    while (*p) {
        const char *next = NULL;
        acidb_stmt *st = NULL;
        double t0 = sh_now();
        /* Skip whitespace so that the statement's LINE and caret count from its text. */
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (*p == 0)
            break;
        int rc = acidb_prepare_v2(c, p, &st, &next);
        if (rc == ACIDB_OK && st == NULL)
            break; /* only comments and semicolons left */
        sh_result *r = calloc(1, sizeof *r);
        if (r == NULL)
            break;
        r->line = line_of(sql, p, line0);
        size_t len = next ? (size_t)(next - p) : strlen(p);
        if (rc != ACIDB_OK)
            res_set_error(r, c, rc, p, strlen(p));
        else
            res_step_all(r, c, st, p, len);
        acidb_finalize(st);
        r->seconds = sh_now() - t0;
        *tail = r;
        tail = &r->next;
        if (r->rc != ACIDB_OK) {
            (*failed)++;
            if (bail)
                break;
        }
        if (next == NULL || next <= p)
            break;
        p = next;
    }
    return head;
}

/* psql's caret: "LINE n: <text of that line>" and a caret under the character. Long lines
 * are cut around the position as psql does, with "..." marks. */
static void print_caret(FILE *f, const sh_result *r, const char *label)
{
    const char *s = r->sql;
    size_t len = strlen(s);
    size_t off = utf8_prefix(s, len, r->errpos - 1); /* byte offset of the character */
    if (off > len)
        off = len;
    int lineno = 1;
    const char *ls = s;
    for (const char *q = s; q < s + off; q++)
        if (*q == '\n')
            lineno++, ls = q + 1;
    const char *le = ls;
    while (*le && *le != '\n' && *le != '\r')
        le++;
    /* Keep at most ~60 display columns around the caret. */
    const char *from = ls, *to = le;
    int pre = 0, post = 0;
    while (utf8_width(from, (size_t)(s + off - from)) > 50) {
        from += utf8_prefix(from, (size_t)(le - from), 1);
        pre = 1;
    }
    if (utf8_width(from, (size_t)(to - from)) > 70) {
        to = from + utf8_prefix(from, (size_t)(le - from), 70);
        if (to < s + off)
            to = s + off;
        post = to < le;
    }
    char head[32];
    int hl = snprintf(head, sizeof head, "LINE %d: %s", lineno, pre ? "..." : "");
    fprintf(f, "%s%s%.*s%s\n", label, head, (int)(to - from), from, post ? "..." : "");
    int col = hl + utf8_width(from, (size_t)(s + off - from));
    fprintf(f, "%s%*s^\n", label, col, "");
}

void res_print_error(FILE *f, const sh_result *r, const char *where, const char *label)
{
    const char *msg = r->err ? r->err : "unknown error";
    const char *nl = strchr(msg, '\n');
    fprintf(f, "%s%sERROR:  %.*s\n", label, where, nl ? (int)(nl - msg) : (int)strlen(msg), msg);
    if (r->errpos > 0 && r->sql != NULL)
        print_caret(f, r, label);
    while (nl) { /* DETAIL / HINT lines, as the engine wrote them */
        const char *line = nl + 1;
        nl = strchr(line, '\n');
        fprintf(f, "%s%.*s\n", label, nl ? (int)(nl - line) : (int)strlen(line), line);
    }
    fprintf(f, "%sSQLSTATE: %s\n", label, r->state[0] ? r->state : "XX000");
}
