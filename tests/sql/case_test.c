/*
 * case_test.c — runs every tests/sql/cases/<name>.sql through the public API against a fresh
 * database and compares the transcript with tests/sql/cases/<name>.out (format and the
 * SQL_CASE / SQL_UPDATE / SQL_CASES_DIR variables: tests/sql/README.md).
 *
 * The script is split into statements here, not by acidb_prepare_v2's tail: after a syntax
 * error the tail is the end of the text, and a scenario must go on after an error. Each piece
 * is then given to acidb_prepare_v2 on its own, so the engine still parses exactly one
 * statement and the runner's splitter only has to find semicolons outside quotes and comments.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/acidb.h"
#include "tests/common/fixture.h"

/* ---- a growable string --------------------------------------------------------------------- */

typedef struct buf {
    char *s;
    size_t len, cap;
} buf;

static void buf_add(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        cr_assert_not_null(b->s);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void buf_str(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_fmt(buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    buf_add(b, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* The first line of s (up to n bytes), with the line break left out. */
static void buf_first_line(buf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] != '\n' && s[i] != '\r')
        i++;
    buf_add(b, s, i);
}

/* ---- files ---------------------------------------------------------------------------------- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    buf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(&b, tmp, n);
    fclose(f);
    if (b.s == NULL)
        buf_add(&b, "", 0);
    return b.s;
}

/* tests/sql/cases, found next to this source file (make compiles it by a path relative to the
 * repository root, so run the suite from there) unless SQL_CASES_DIR says otherwise. */
static void cases_dir(char *out, size_t n)
{
    const char *env = getenv("SQL_CASES_DIR");
    if (env != NULL && *env) {
        snprintf(out, n, "%s", env);
        return;
    }
    const char *f = __FILE__;
    const char *slash = strrchr(f, '/');
    snprintf(out, n, "%.*scases", slash ? (int)(slash - f + 1) : 0, f);
}

/* ---- the statement splitter ------------------------------------------------------------------ */

/* The offset just past the ';' that ends the statement starting at sql[at] (or the end of the
 * text): PostgreSQL's lexical rules for what can hide a ';' — '...' (with '' inside), E'...'
 * (with backslash escapes), "...", -- to end of line, nested slash-star comments. */
static size_t stmt_end(const char *sql, size_t at)
{
    size_t i = at;
    while (sql[i]) {
        char ch = sql[i];
        if (ch == ';')
            return i + 1;
        if (ch == '-' && sql[i + 1] == '-') {
            while (sql[i] && sql[i] != '\n')
                i++;
        } else if (ch == '/' && sql[i + 1] == '*') {
            int depth = 0;
            while (sql[i]) {
                if (sql[i] == '/' && sql[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else if (sql[i] == '*' && sql[i + 1] == '/') {
                    i += 2;
                    if (--depth == 0)
                        break;
                } else
                    i++;
            }
        } else if (ch == '\'' || ch == '"') {
            int esc = ch == '\'' && i > at && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
            i++;
            while (sql[i]) {
                if (esc && sql[i] == '\\' && sql[i + 1]) {
                    i += 2;
                    continue;
                }
                if (sql[i] == ch) {
                    if (sql[i + 1] == ch) {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i++;
            }
            if (sql[i])
                i++;
        } else
            i++;
    }
    return i;
}

/* ---- running one statement --------------------------------------------------------------- */

static void add_error(buf *out, acidb_conn *c)
{
    const char *m = acidb_errmsg(c);
    buf_fmt(out, "ERROR %s: ", acidb_sqlstate(c));
    buf_first_line(out, m, strlen(m));
    buf_str(out, "\n");
}

/* Runs the statement text sql (one statement, possibly with comments around it) and appends
 * its transcript: rows of a query are collected first and dropped if the statement fails
 * later, as psql prints only the error then. */
static void run_stmt(acidb_conn *c, const char *sql, buf *out)
{
    acidb_stmt *s = NULL;
    const char *tail = NULL;
    int rc = acidb_prepare_v2(c, sql, &s, &tail);
    if (rc != ACIDB_OK) {
        add_error(out, c);
        return;
    }
    if (s == NULL) {
        buf_str(out, "(empty statement)\n");
        return;
    }
    buf rows = {0};
    buf_add(&rows, "", 0);
    int ncol = acidb_column_count(s);
    if (ncol > 0) {
        for (int i = 0; i < ncol; i++) {
            const char *name = acidb_column_name(s, i);
            buf_fmt(&rows, "%s%s", i ? "|" : "", name ? name : "(null name)");
        }
        buf_str(&rows, "\n");
    }
    while ((rc = acidb_step(s)) == ACIDB_ROW) {
        for (int i = 0; i < acidb_column_count(s); i++) {
            const char *t = acidb_column_text(s, i);
            if (i)
                buf_str(&rows, "|");
            if (t == NULL)
                buf_str(&rows, "NULL");
            else
                buf_add(&rows, t, (size_t)acidb_column_bytes(s, i));
        }
        buf_str(&rows, "\n");
    }
    if (rc == ACIDB_DONE) {
        buf_str(out, rows.s);
        buf_fmt(out, "%s\n", acidb_command_tag(c));
    } else
        add_error(out, c);
    free(rows.s);
    rc = acidb_finalize(s);
    if (rc != ACIDB_OK) {
        buf_str(out, "finalize: ");
        add_error(out, c);
    }
}

/* The transcript of a whole script. Full-line comments and blank lines between statements are
 * copied, so the .out reads like the .sql. */
static char *run_script(acidb_conn *c, const char *sql)
{
    buf out = {0};
    buf_add(&out, "", 0);
    size_t at = 0;
    for (;;) {
        /* Copy the gap: blank lines and -- comment lines. */
        for (;;) {
            size_t i = at;
            while (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\r')
                i++;
            if (sql[i] == '\n') {
                buf_str(&out, "\n");
                at = i + 1;
            } else if (sql[i] == '-' && sql[i + 1] == '-') {
                size_t e = i;
                while (sql[e] && sql[e] != '\n')
                    e++;
                buf_add(&out, sql + i, e - i);
                buf_str(&out, "\n");
                at = sql[e] ? e + 1 : e;
            } else {
                at = i;
                break;
            }
        }
        if (sql[at] == 0)
            break;
        size_t end = stmt_end(sql, at);
        char *one = strndup(sql + at, end - at);
        cr_assert_not_null(one);
        buf_str(&out, "> ");
        buf_first_line(&out, one, strlen(one));
        buf_str(&out, "\n");
        run_stmt(c, one, &out);
        free(one);
        at = end;
        /* The rest of the line after ';' (a trailing comment) belongs to this statement. */
        while (sql[at] == ' ' || sql[at] == '\t' || sql[at] == '\r')
            at++;
        if (sql[at] == '-' && sql[at + 1] == '-')
            while (sql[at] && sql[at] != '\n')
                at++;
        if (sql[at] == '\n')
            at++;
    }
    return out.s;
}

/* ---- the diff ------------------------------------------------------------------------------ */

typedef struct lines {
    char **l;
    int n;
} lines;

static lines split_lines(char *s)
{
    lines r = {0};
    int cap = 0;
    char *p = s;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (r.n == cap) {
            cap = cap ? cap * 2 : 64;
            r.l = realloc(r.l, (size_t)cap * sizeof *r.l);
            cr_assert_not_null(r.l);
        }
        r.l[r.n++] = p;
        if (nl == NULL)
            break;
        *nl = 0;
        p = nl + 1;
    }
    return r;
}

/* A unified-style diff of want and got (LCS over lines; the transcripts are small), three
 * lines of context around each change. */
static void print_diff(const char *name, const char *want_s, const char *got_s)
{
    char *ws = strdup(want_s), *gs = strdup(got_s);
    lines w = split_lines(ws), g = split_lines(gs);
    int W = w.n, G = g.n;
    int *L = calloc((size_t)(W + 1) * (size_t)(G + 1), sizeof *L);
    cr_assert_not_null(L);
#define LCS(i, j) L[(size_t)(i) * (size_t)(G + 1) + (size_t)(j)]
    for (int i = W - 1; i >= 0; i--)
        for (int j = G - 1; j >= 0; j--)
            LCS(i, j) = strcmp(w.l[i], g.l[j]) == 0 ? LCS(i + 1, j + 1) + 1
                        : LCS(i + 1, j) > LCS(i, j + 1) ? LCS(i + 1, j) : LCS(i, j + 1);
    /* Edit script: ' ' keep, '-' want only, '+' got only. */
    int n = 0;
    char *op = malloc((size_t)(W + G + 1));
    const char **txt = malloc((size_t)(W + G + 1) * sizeof *txt);
    int *wline = malloc((size_t)(W + G + 1) * sizeof *wline);
    int i = 0, j = 0;
    while (i < W || j < G) {
        if (i < W && j < G && strcmp(w.l[i], g.l[j]) == 0) {
            op[n] = ' ', txt[n] = w.l[i], wline[n++] = ++i, j++;
        } else if (i < W && (j == G || LCS(i + 1, j) >= LCS(i, j + 1))) {
            op[n] = '-', txt[n] = w.l[i], wline[n++] = ++i;
        } else {
            op[n] = '+', txt[n] = g.l[j++], wline[n++] = i;
        }
    }
#undef LCS
    fprintf(stderr, "--- %s.out (expected)\n+++ %s (actual transcript)\n", name, name);
    /* Print every line within three of a change; a gap starts a new hunk. */
    int prev = -2;
    for (int k = 0; k < n; k++) {
        int near = 0;
        for (int m = k - 3; m <= k + 3 && !near; m++)
            near = m >= 0 && m < n && op[m] != ' ';
        if (!near)
            continue;
        if (k != prev + 1)
            fprintf(stderr, "@@ line %d of %s.out @@\n", wline[k] ? wline[k] : 1, name);
        fprintf(stderr, "%c%s\n", op[k], txt[k]);
        prev = k;
    }
    free(op);
    free(txt);
    free(wline);
    free(L);
    free(w.l);
    free(g.l);
    free(ws);
    free(gs);
}

/* ---- the test ------------------------------------------------------------------------------ */

/* Runs one case in a fresh database; returns 1 when it matches (or was rewritten). */
static int run_case(const char *dir, const char *name, int update)
{
    char path[512], tmpdir[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.sql", dir, name);
    char *sql = read_file(path);
    cr_assert_not_null(sql, "cannot read %s", path);
    fx_tmpdir(tmpdir, sizeof tmpdir, NULL, "sql");

    acidb_db *db = fx_open(fx_path(tmpdir, "test.db"), NULL);
    acidb_conn *c = fx_connect(db);
    char *got = run_script(c, sql);
    cr_expect_eq(acidb_disconnect(c), ACIDB_OK);
    cr_expect_eq(acidb_close(db), ACIDB_OK, "close after case %s", name);
    fx_rmtree(tmpdir);

    snprintf(path, sizeof path, "%s/%s.out", dir, name);
    int ok = 1;
    if (update) {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f, "cannot write %s", path);
        fputs(got, f);
        fclose(f);
        fprintf(stderr, "sql: wrote %s\n", path);
    } else {
        char *want = read_file(path);
        if (want == NULL) {
            fprintf(stderr, "sql: %s is missing (SQL_UPDATE=1 SQL_CASE=%s creates it)\n", path,
                    name);
            ok = 0;
        } else if (strcmp(want, got) != 0) {
            print_diff(name, want, got);
            ok = 0;
        }
        free(want);
    }
    free(got);
    free(sql);
    return ok;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(sql, cases)
{
    char dir[400];
    cases_dir(dir, sizeof dir);
    const char *only = getenv("SQL_CASE");
    const char *upd = getenv("SQL_UPDATE");
    int update = upd != NULL && strcmp(upd, "1") == 0;

    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s (run from the repository root or set SQL_CASES_DIR)",
                       dir);
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".sql") != 0)
            continue;
        names = realloc(names, (size_t)(n + 1) * sizeof *names);
        names[n++] = strndup(e->d_name, len - 4);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_names);

    buf failed = {0};
    buf_add(&failed, "", 0);
    int ran = 0;
    for (int i = 0; i < n; i++) {
        if (only != NULL && *only && strcmp(only, names[i]) != 0)
            continue;
        ran++;
        if (!run_case(dir, names[i], update))
            buf_fmt(&failed, " %s", names[i]);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    cr_assert_gt(ran, 0, "no case %s in %s", only ? only : "*.sql", dir);
    cr_expect_eq(failed.len, 0, "transcripts differ:%s (diffs above; one case: SQL_CASE=name)",
                 failed.s);
    free(failed.s);
}
