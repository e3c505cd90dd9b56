/*
 * import.c — .import FILE TABLE: loads a CSV file (RFC 4180) with a header row into TABLE.
 *
 * All or nothing: the rows are inserted in one transaction (BEGIN ... COMMIT on the current
 * session), and the first bad row — a CSV syntax error, the wrong number of fields, or a row
 * the table refuses (a type, NOT NULL, CHECK, UNIQUE or foreign key error) — rolls it all back
 * with an error that names the file, the line where that row starts and the engine's message.
 *
 * CSV: fields separated by ',', records by LF or CRLF; a field in double quotes may hold
 * commas, quotes (doubled) and line breaks. An empty unquoted field is NULL, "" is the empty
 * string (as psql's CSV). Blank lines are skipped; a UTF-8 byte-order mark is ignored. The
 * header names the table's columns, in any order and not necessarily all of them.
 * Each row is one execution of a prepared INSERT with text parameters, which the engine
 * converts to the column types with PostgreSQL's input rules.
 * On a terminal a progress bar is drawn for files over 1 MiB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "ident.h"
#include "shell.h"

static const char *field(const csv_reader *r, int i) { return r->buf + r->starts[i]; }

static void progress(const char *path, long done, long total, int *last)
{
    int pct = total > 0 ? (int)(done * 100 / total) : 100;
    if (pct == *last)
        return;
    *last = pct;
    char bar[41];
    int fill = pct * 40 / 100;
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, ' ', (size_t)(40 - fill));
    bar[40] = 0;
    fprintf(stderr, "\rimporting %s [%s] %3d%%", path, bar, pct);
    fflush(stderr);
}

static int import_fail(csv_reader *r, acidb_conn *c, const char *msg, const char *state)
{
    fprintf(stderr, "ERROR:  %s line %ld: %s\n", r->path, r->record_line, msg);
    if (state)
        fprintf(stderr, "SQLSTATE: %s\n", state);
    fprintf(stderr, "nothing was imported\n");
    acidb_exec(c, "ROLLBACK");
    return -1;
}

int import_csv(session *s, const char *file, const char *table)
{
    acidb_conn *c = s->conn;
    if (acidb_txn_state(c) != 'I') {
        fprintf(stderr, "ERROR:  .import runs in a transaction of its own: end session %s's "
                        "transaction first (COMMIT or ROLLBACK)\n", s->name);
        return -1;
    }
    csv_reader r = {.path = file, .line = 1};
    r.f = fopen(file, "r");
    if (r.f == NULL) {
        fprintf(stderr, "ERROR:  cannot open %s: %s\n", file, strerror(errno));
        return -1;
    }
    struct stat stt;
    long total = fstat(fileno(r.f), &stt) == 0 ? (long)stt.st_size : 0;
    int bar = isatty(STDERR_FILENO) && total > (1L << 20), last = -1, rc = -1;
    int bom[3] = {getc(r.f), getc(r.f), getc(r.f)};
    if (!(bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF)) {
        rewind(r.f);
    }
    acidb_stmt *st = NULL;
    long rows = 0;
    int got = csv_next(&r);
    if (got <= 0) {
        fprintf(stderr, "ERROR:  %s: %s\n", file, got == 0 ? "empty file (a header row is "
                                                             "expected)" : r.err);
        goto out;
    }
    int ncols = r.nfields;
    char *sql = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&sql, &n);
    if (m == NULL)
        goto out;
    fputs("INSERT INTO ", m);
    ident_write(m, table);
    fputs(" (", m);
    for (int i = 0; i < ncols; i++) {
        fputs(i ? ", " : "", m);
        ident_write(m, field(&r, i));
    }
    fputs(") VALUES (", m);
    for (int i = 0; i < ncols; i++)
        fprintf(m, "%s$%d", i ? ", " : "", i + 1);
    fputs(")", m);
    fclose(m);
    if (acidb_exec(c, "BEGIN") != ACIDB_OK) {
        free(sql);
        fprintf(stderr, "ERROR:  %s\n", acidb_errmsg(c));
        goto out;
    }
    int prc = acidb_prepare(c, sql, &st);
    free(sql);
    if (prc != ACIDB_OK) {
        r.record_line = 1;
        import_fail(&r, c, acidb_errmsg(c), acidb_sqlstate(c));
        goto out;
    }
    for (;;) {
        got = csv_next(&r);
        if (got == 0)
            break;
        if (got < 0) {
            import_fail(&r, c, r.err, NULL);
            goto out;
        }
        if (r.nfields != ncols) {
            char msg[128];
            snprintf(msg, sizeof msg, "%d field%s where the header has %d", r.nfields,
                     r.nfields == 1 ? "" : "s", ncols);
            import_fail(&r, c, msg, NULL);
            goto out;
        }
        acidb_reset(st);
        for (int i = 0; i < ncols; i++) {
            int brc = r.nulls[i] ? acidb_bind_null(st, i + 1)
                                 : acidb_bind_text(st, i + 1, field(&r, i), -1);
            if (brc != ACIDB_OK) {
                import_fail(&r, c, acidb_errmsg(c), acidb_sqlstate(c));
                goto out;
            }
        }
        if (acidb_step(st) != ACIDB_DONE) {
            import_fail(&r, c, acidb_errmsg(c), acidb_sqlstate(c));
            goto out;
        }
        rows++;
        if (bar && (rows & 1023) == 0)
            progress(file, ftell(r.f), total, &last);
    }
    acidb_finalize(st);
    st = NULL;
    if (acidb_exec(c, "COMMIT") != ACIDB_OK) {
        fprintf(stderr, "ERROR:  %s: commit failed: %s\nSQLSTATE: %s\nnothing was imported\n",
                file, acidb_errmsg(c), acidb_sqlstate(c));
        goto out;
    }
    if (bar)
        progress(file, total, total, &last), fputc('\n', stderr);
    fprintf(stderr, "imported %ld row%s into %s\n", rows, rows == 1 ? "" : "s", table);
    rc = 0;
out:
    if (bar && last >= 0 && rc != 0)
        fputc('\n', stderr);
    acidb_finalize(st);
    fclose(r.f);
    free(r.buf);
    free(r.starts);
    free(r.nulls);
    pthread_mutex_lock(&sh.mu);
    s->txn_state = acidb_txn_state(c);
    s->txn_id = 0;
    pthread_mutex_unlock(&sh.mu);
    return rc;
}
