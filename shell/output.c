/*
 * output.c — the result renderers of .mode: table (psql's aligned format), box (the same with
 * Unicode box drawing), csv (RFC 4180), tsv, json, line and list (sqlite3's default).
 *
 * Decorations (command tags such as "INSERT 0 1", "(N rows)") belong to the table and box
 * modes only: the others are meant for programs, and print nothing but the data.
 * Column widths are display widths (utf8.c), so CJK text and combining accents line up.
 * Integer columns are right-aligned as in psql. In the aligned modes control characters are
 * shown as escapes (\n, \t, \r, \xNN) so that one row stays one line.
 */
#include <stdlib.h>
#include <string.h>

#include "shell.h"

static const char *mode_names[] = {"table", "box", "csv", "tsv", "json", "line", "list"};

const char *out_mode_name(int mode) { return mode_names[mode]; }

int out_mode_parse(const char *name)
{
    for (int i = 0; i < (int)(sizeof mode_names / sizeof mode_names[0]); i++)
        if (strcmp(name, mode_names[i]) == 0)
            return i;
    return -1;
}

/* .headers: on, off, or (-1) the mode's default: on for the aligned modes and line, off
 * for csv, tsv and list (as sqlite3). */
static int headers_on(void)
{
    if (sh.headers >= 0)
        return sh.headers;
    return sh.mode == MODE_TABLE || sh.mode == MODE_BOX || sh.mode == MODE_LINE;
}

/* ---- aligned modes ---------------------------------------------------------------------- */

/* A printable copy of a cell for the aligned modes (caller frees). */
static char *cell_display(const char *v)
{
    if (v == NULL)
        return strdup("");
    size_t n = strlen(v), k = 0;
    char *d = malloc(n * 4 + 1);
    if (d == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '\n')
            d[k++] = '\\', d[k++] = 'n';
        else if (c == '\t')
            d[k++] = '\\', d[k++] = 't';
        else if (c == '\r')
            d[k++] = '\\', d[k++] = 'r';
        else if (c < 0x20 || c == 0x7F)
            k += (size_t)sprintf(d + k, "\\x%02X", c);
        else
            d[k++] = (char)c;
    }
    d[k] = 0;
    return d;
}

static void pad(FILE *f, int n)
{
    while (n-- > 0)
        fputc(' ', f);
}

static void rule(FILE *f, const int *w, int ncols, const char *l, const char *m, const char *r,
                 const char *h)
{
    fputs(l, f);
    for (int i = 0; i < ncols; i++) {
        for (int j = 0; j < w[i] + 2; j++)
            fputs(h, f);
        fputs(i + 1 < ncols ? m : r, f);
    }
    fputc('\n', f);
}

/* One line of cells. `center` centers (header), right[i] right-aligns column i. */
static void row_line(FILE *f, char **cells, const int *w, const int *right, int ncols,
                     const char *sep, const char *edge, int center)
{
    /* The line is built in memory first so that trailing blanks can be trimmed (table mode
     * has no right edge and psql-like output without trailing spaces diffs cleanly). */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL)
        return;
    fputs(edge, m);
    for (int i = 0; i < ncols; i++) {
        const char *v = cells[i] ? cells[i] : "";
        int cw = utf8_width(v, strlen(v)), room = w[i] - cw;
        fputc(' ', m);
        if (center)
            pad(m, room / 2), fputs(v, m), pad(m, room - room / 2);
        else if (right[i])
            pad(m, room), fputs(v, m);
        else
            fputs(v, m), pad(m, room);
        fputc(' ', m);
        fputs(i + 1 < ncols ? sep : edge, m);
    }
    fclose(m);
    while (len > 0 && buf[len - 1] == ' ')
        len--;
    fprintf(f, "%.*s\n", (int)len, buf);
    free(buf);
}

static void out_aligned(FILE *f, const sh_result *r, int box)
{
    int n = r->ncols;
    int *w = calloc((size_t)n + 1, sizeof *w), *right = calloc((size_t)n + 1, sizeof *right);
    char **disp = calloc(r->nrows * (size_t)n + 1, sizeof *disp);
    if (w == NULL || right == NULL || disp == NULL)
        goto done;
    for (int i = 0; i < n; i++) {
        w[i] = headers_on() ? utf8_width(r->names[i], strlen(r->names[i])) : 0;
        int nonnull = 0, ints = 0;
        for (size_t j = 0; j < r->nrows; j++) {
            size_t k = j * (size_t)n + (size_t)i;
            disp[k] = cell_display(r->cells[k]);
            int cw = disp[k] ? utf8_width(disp[k], strlen(disp[k])) : 0;
            if (cw > w[i])
                w[i] = cw;
            nonnull += r->types[k] != ACIDB_NULL;
            ints += r->types[k] == ACIDB_INTEGER;
        }
        right[i] = nonnull > 0 && ints == nonnull;
    }
    if (box) {
        rule(f, w, n, "┌", "┬", "┐", "─");
        if (headers_on()) {
            row_line(f, r->names, w, right, n, "│", "│", 1);
            rule(f, w, n, "├", "┼", "┤", "─");
        }
        for (size_t j = 0; j < r->nrows; j++)
            row_line(f, disp + j * (size_t)n, w, right, n, "│", "│", 0);
        rule(f, w, n, "└", "┴", "┘", "─");
    } else {
        if (headers_on()) {
            row_line(f, r->names, w, right, n, "|", "", 1);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < w[i] + 2; j++)
                    fputc('-', f);
                if (i + 1 < n)
                    fputc('+', f);
                else
                    fputc('\n', f);
            }
        }
        for (size_t j = 0; j < r->nrows; j++)
            row_line(f, disp + j * (size_t)n, w, right, n, "|", "", 0);
    }
    fprintf(f, "(%zu row%s)\n\n", r->nrows, r->nrows == 1 ? "" : "s");
done:
    for (size_t k = 0; disp && k < r->nrows * (size_t)n; k++)
        free(disp[k]);
    free(disp);
    free(w);
    free(right);
}

/* ---- modes for programs ----------------------------------------------------------------- */

static void csv_field(FILE *f, const char *v, int is_null)
{
    if (is_null)
        return; /* NULL is an empty unquoted field, '' is "" (as psql --csv) */
    if (*v == 0 || strpbrk(v, ",\"\r\n") != NULL) {
        fputc('"', f);
        for (; *v; v++) {
            if (*v == '"')
                fputc('"', f);
            fputc(*v, f);
        }
        fputc('"', f);
    } else {
        fputs(v, f);
    }
}

static void tsv_field(FILE *f, const char *v)
{
    for (; v && *v; v++) {
        switch (*v) {
        case '\t': fputs("\\t", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\\': fputs("\\\\", f); break;
        default: fputc(*v, f);
        }
    }
}

static void json_string(FILE *f, const char *v)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f); /* UTF-8 passes through: JSON text is Unicode */
        }
    }
    fputc('"', f);
}

static void out_delimited(FILE *f, const sh_result *r, int mode)
{
    const char *sep = mode == MODE_CSV ? "," : mode == MODE_TSV ? "\t" : "|";
    int n = r->ncols;
    if (headers_on()) {
        for (int i = 0; i < n; i++) {
            if (i)
                fputs(sep, f);
            if (mode == MODE_CSV)
                csv_field(f, r->names[i], 0);
            else if (mode == MODE_TSV)
                tsv_field(f, r->names[i]);
            else
                fputs(r->names[i], f);
        }
        fputs(mode == MODE_CSV ? "\r\n" : "\n", f);
    }
    for (size_t j = 0; j < r->nrows; j++) {
        for (int i = 0; i < n; i++) {
            const char *v = r->cells[j * (size_t)n + (size_t)i];
            if (i)
                fputs(sep, f);
            if (mode == MODE_CSV)
                csv_field(f, v ? v : "", v == NULL);
            else if (mode == MODE_TSV)
                tsv_field(f, v);
            else if (v)
                fputs(v, f);
        }
        fputs(mode == MODE_CSV ? "\r\n" : "\n", f);
    }
}

static void out_json(FILE *f, const sh_result *r)
{
    int n = r->ncols;
    fputc('[', f);
    for (size_t j = 0; j < r->nrows; j++) {
        fputs(j ? ",\n{" : "{", f);
        for (int i = 0; i < n; i++) {
            size_t k = j * (size_t)n + (size_t)i;
            if (i)
                fputc(',', f);
            json_string(f, r->names[i]);
            fputc(':', f);
            switch (r->types[k]) {
            case ACIDB_NULL: fputs("null", f); break;
            case ACIDB_INTEGER: fputs(r->cells[k], f); break;
            case ACIDB_BOOLEAN: fputs(r->cells[k][0] == 't' ? "true" : "false", f); break;
            default: json_string(f, r->cells[k]);
            }
        }
        fputc('}', f);
    }
    fputs("]\n", f);
}

static void out_line(FILE *f, const sh_result *r)
{
    int n = r->ncols, w = 0;
    for (int i = 0; i < n; i++) {
        int cw = utf8_width(r->names[i], strlen(r->names[i]));
        w = cw > w ? cw : w;
    }
    for (size_t j = 0; j < r->nrows; j++) {
        if (j)
            fputc('\n', f);
        for (int i = 0; i < n; i++) {
            const char *v = r->cells[j * (size_t)n + (size_t)i];
            pad(f, w - utf8_width(r->names[i], strlen(r->names[i])));
            fprintf(f, "%s = %s\n", r->names[i], v ? v : "");
        }
    }
}

void out_result(FILE *f, const sh_result *r)
{
    int decorated = sh.mode == MODE_TABLE || sh.mode == MODE_BOX;
    if (r->ncols > 0) {
        switch (sh.mode) {
        case MODE_TABLE: out_aligned(f, r, 0); break;
        case MODE_BOX: out_aligned(f, r, 1); break;
        case MODE_JSON: out_json(f, r); break;
        case MODE_LINE: out_line(f, r); break;
        default: out_delimited(f, r, sh.mode);
        }
    }
    if (decorated && r->tag[0] && (r->ncols == 0 || (strncmp(r->tag, "SELECT", 6) != 0 &&
                                                     strncmp(r->tag, "EXPLAIN", 7) != 0)))
        fprintf(f, "%s\n", r->tag);
    if (sh.timer)
        fprintf(f, "Time: %.3f ms\n", r->seconds * 1000.0);
}
