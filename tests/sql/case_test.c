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
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/acidb.h"
#include "tests/common/fixture.h"
#include "tests/common/pgcluster.h"

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

/* A trailing comment that marks a statement whose result is a deliberate difference from
 * PostgreSQL (README.md, "The .out files are reviewed, not recorded"). */
#define PG_DIFFERS "-- differs from PostgreSQL:"

/* One step through a script from *at: copies the gap before the next statement (blank lines
 * and full-line -- comments) to gap (may be NULL), then sets [*s, *e) to the statement and
 * moves *at past it and the rest of its line. *marked (may be NULL): whether that rest is a
 * PG_DIFFERS comment. 0 at the end of the script. */
static int next_stmt(const char *sql, size_t *at, buf *gap, size_t *s, size_t *e, int *marked)
{
    for (;;) {
        size_t i = *at;
        while (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\r')
            i++;
        if (sql[i] == '\n') {
            if (gap)
                buf_str(gap, "\n");
            *at = i + 1;
        } else if (sql[i] == '-' && sql[i + 1] == '-') {
            size_t end = i;
            while (sql[end] && sql[end] != '\n')
                end++;
            if (gap) {
                buf_add(gap, sql + i, end - i);
                buf_str(gap, "\n");
            }
            *at = sql[end] ? end + 1 : end;
        } else {
            *at = i;
            break;
        }
    }
    if (sql[*at] == 0)
        return 0;
    *s = *at;
    *e = *at = stmt_end(sql, *at);
    /* The rest of the line after ';' (a trailing comment) belongs to this statement. */
    while (sql[*at] == ' ' || sql[*at] == '\t' || sql[*at] == '\r')
        (*at)++;
    if (marked)
        *marked = strncmp(sql + *at, PG_DIFFERS, strlen(PG_DIFFERS)) == 0;
    if (sql[*at] == '-' && sql[*at + 1] == '-')
        while (sql[*at] && sql[*at] != '\n')
            (*at)++;
    if (sql[*at] == '\n')
        (*at)++;
    return 1;
}

/* The transcript of a whole script. Full-line comments and blank lines between statements are
 * copied, so the .out reads like the .sql. */
static char *run_script(acidb_conn *c, const char *sql)
{
    buf out = {0};
    buf_add(&out, "", 0);
    size_t at = 0, s, e;
    while (next_stmt(sql, &at, &out, &s, &e, NULL)) {
        char *one = strndup(sql + s, e - s);
        cr_assert_not_null(one);
        buf_str(&out, "> ");
        buf_first_line(&out, one, strlen(one));
        buf_str(&out, "\n");
        run_stmt(c, one, &out);
        free(one);
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

/* Runs fn on every case of the cases folder (or only SQL_CASE) in name order; fails the test
 * naming the cases for which fn returned 0. */
static void each_case(int (*fn)(const char *dir, const char *name, void *ctx), void *ctx,
                      const char *what)
{
    char dir[400];
    cases_dir(dir, sizeof dir);
    const char *only = getenv("SQL_CASE");
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
        if (!fn(dir, names[i], ctx))
            buf_fmt(&failed, " %s", names[i]);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    cr_assert_gt(ran, 0, "no case %s in %s", only ? only : "*.sql", dir);
    cr_expect_eq(failed.len, 0, "%s:%s (above; one case: SQL_CASE=name)", what, failed.s);
    free(failed.s);
}

static int acidb_case(const char *dir, const char *name, void *ctx)
{
    return run_case(dir, name, *(int *)ctx);
}

Test(sql, cases)
{
    const char *upd = getenv("SQL_UPDATE");
    int update = upd != NULL && strcmp(upd, "1") == 0;
    each_case(acidb_case, &update, "transcripts differ");
}

/* ---- the .out files against PostgreSQL 15 ------------------------------------------------- */

/* The line index of every "> " line of t (n of them; caller frees). */
static int *stmt_lines(const lines *t, int *n)
{
    int *at = malloc(((size_t)t->n + 1) * sizeof *at);
    cr_assert_not_null(at);
    *n = 0;
    for (int i = 0; i < t->n; i++)
        if (strncmp(t->l[i], "> ", 2) == 0)
            at[(*n)++] = i;
    return at;
}

/* Are lines [a, a+n) of x and [b, b+n) of y the same? */
static int same_lines(const lines *x, int a, const lines *y, int b, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(x->l[a + i], y->l[b + i]) != 0)
            return 0;
    return 1;
}

/* Where the gap after a statement's result starts in lines [a, b): the trailing run of blank
 * and -- lines (what the next statement's comments are). */
static int gap_start(const lines *t, int a, int b)
{
    while (b > a + 1 && (t->l[b - 1][0] == 0 || strncmp(t->l[b - 1], "--", 2) == 0))
        b--;
    return b;
}

static void show_lines(char sign, const lines *t, int a, int b)
{
    for (int i = a; i < b; i++)
        fprintf(stderr, "%c%s\n", sign, t->l[i]);
}

/* Compares PostgreSQL's transcript pg with want (the .out) statement by statement: equal,
 * except the result of a statement marked PG_DIFFERS, which must differ (a mark where
 * PostgreSQL agrees is stale). 1 when they agree so. */
static int compare_with_pg(const char *name, char *want_s, char *pg_s, const int *marked,
                           int nmarked)
{
    lines w = split_lines(want_s), p = split_lines(pg_s);
    int nw, np, ok = 1, aligned;
    int *sw = stmt_lines(&w, &nw), *sp = stmt_lines(&p, &np);
    if (nw != np || nw != nmarked) {
        fprintf(stderr, "sql: %s: %d statements in the .out, %d in PostgreSQL's transcript, %d "
                "in the .sql\n", name, nw, np, nmarked);
        ok = 0;
    } else if (!same_lines(&w, 0, &p, 0, nw ? sw[0] : w.n) || (nw == 0 && w.n != p.n)) {
        fprintf(stderr, "sql: %s: the lines before the first statement differ\n", name);
        ok = 0;
    }
    aligned = ok;
    for (int k = 0; aligned && k < nw; k++) {
        int wa = sw[k], wb = k + 1 < nw ? sw[k + 1] : w.n;
        int pa = sp[k], pb = k + 1 < np ? sp[k + 1] : p.n;
        int wg = gap_start(&w, wa, wb), pg = gap_start(&p, pa, pb);
        int agree = wg - wa == pg - pa && same_lines(&w, wa, &p, pa, wg - wa);
        int frame = strcmp(w.l[wa], p.l[pa]) == 0 && wb - wg == pb - pg &&
                    same_lines(&w, wg, &p, pg, wb - wg);
        if (frame && agree == !marked[k])
            continue;
        fprintf(stderr, "sql: %s.out line %d, statement %d: %s\n", name, wa + 1, k + 1,
                !frame ? "the statement or the comments after it differ from PostgreSQL's"
                : agree ? "marked \"" PG_DIFFERS "\" but PostgreSQL agrees"
                        : "differs from PostgreSQL 15 (- .out, + PostgreSQL)");
        show_lines('-', &w, wa, wb);
        show_lines('+', &p, pa, pb);
        ok = 0;
    }
    free(sw);
    free(sp);
    free(w.l);
    free(p.l);
    return ok;
}

/* Output of a command, malloc'd; *status its wait status. */
static char *command_output(const char *cmd, int *status)
{
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f, "popen %s", cmd);
    buf b = {0};
    buf_add(&b, "", 0);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(&b, tmp, n);
    *status = pclose(f);
    return b.s;
}

static int pg_case(const char *dir, const char *name, void *ctx)
{
    (void)ctx;
    char path[512], cmd[1400];
    snprintf(path, sizeof path, "%s/%s.sql", dir, name);
    char *sql = read_file(path);
    cr_assert_not_null(sql, "cannot read %s", path);
    int *marked = NULL, n = 0, m;
    size_t at = 0, s, e;
    while (next_stmt(sql, &at, NULL, &s, &e, &m)) {
        marked = realloc(marked, (size_t)(n + 1) * sizeof *marked);
        cr_assert_not_null(marked);
        marked[n++] = m;
    }
    const char *f = __FILE__, *slash = strrchr(f, '/');
    snprintf(cmd, sizeof cmd, "python3 '%.*spg_transcript.py' '%s'",
             slash ? (int)(slash - f + 1) : 0, f, path);
    int status;
    char *pg = command_output(cmd, &status);
    snprintf(path, sizeof path, "%s/%s.out", dir, name);
    char *want = read_file(path);
    int ok = status == 0 && want != NULL;
    if (!ok)
        fprintf(stderr, "sql: %s: %s\n", name, want ? "pg_transcript.py failed (above)"
                                                    : "no .out file");
    ok = ok && compare_with_pg(name, want, pg, marked, n);
    free(want);
    free(pg);
    free(marked);
    free(sql);
    return ok;
}

/* Every .out is PostgreSQL 15's transcript (tests/sql/pg_transcript.py) except for the
 * statements marked PG_DIFFERS. */
Test(sql, postgresql)
{
    alarm(120); /* a hung server or client fails the test (fixture.h: not .timeout) */
    const fx_pg *pg = fx_pg_start("sqlpg");
    if (pg == NULL)
        cr_skip_test(FX_PG_SKIPPED);
    fx_pg_setenv(pg);
    each_case(pg_case, NULL, ".out differs from PostgreSQL 15");
    fx_pg_stop();
}

/* A test process that dies without fx_pg_stop (here by SIGKILL: no atexit, no handler) leaves
 * no cluster behind: the fixture's guard stops the server and removes its directory. */
Test(sql, postgresql_cleanup)
{
    alarm(60);
    const char *no = getenv("ACIDB_NO_PG");
    if (no != NULL && strcmp(no, "1") == 0)
        cr_skip_test(FX_PG_SKIPPED);
    int fds[2];
    pid_t pid = fx_fork_piped(fds, O_CLOEXEC); /* the server must not hold it open */
    if (pid == 0) {
        close(fds[0]);
        const fx_pg *pg = fx_pg_start("sqlpgkill");
        ssize_t w = write(fds[1], pg->dir, strlen(pg->dir));
        (void)w;
        close(fds[1]);
        kill(getpid(), SIGKILL);
    }
    close(fds[1]);
    char dir[4096] = {0};
    size_t n = 0;
    ssize_t r;
    while (n < sizeof dir - 1 && (r = read(fds[0], dir + n, sizeof dir - 1 - n)) > 0)
        n += (size_t)r;
    close(fds[0]);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st) && n > 0, "the child did not start a cluster (above)");
    int gone = 0;
    for (int i = 0; i < 200 && !gone; i++) {
        gone = access(dir, F_OK) != 0;
        if (!gone)
            usleep(50 * 1000);
    }
    cr_assert(gone, "%s is still there 10 s after its test process was killed", dir);
}
