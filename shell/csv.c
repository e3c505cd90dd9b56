/*
 * csv.c — the CSV record reader of .import (csv.h); the format's rules are stated at the top
 * of import.c.
 */
#include "csv.h"

#include <stdlib.h>

static int put(csv_reader *r, char c)
{
    if (r->len + 1 >= r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        char *b = realloc(r->buf, cap);
        if (b == NULL)
            return -1;
        r->buf = b;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return 0;
}

static int new_field(csv_reader *r)
{
    if (r->nfields == r->capf) {
        int cap = r->capf ? r->capf * 2 : 16;
        size_t *s = realloc(r->starts, (size_t)cap * sizeof *s);
        char *n = s ? realloc(r->nulls, (size_t)cap) : NULL;
        if (s)
            r->starts = s;
        if (n == NULL)
            return -1;
        r->nulls = n;
        r->capf = cap;
    }
    r->starts[r->nfields] = r->len;
    r->nulls[r->nfields] = 0;
    r->nfields++;
    return 0;
}

/* csv.h */
int csv_next(csv_reader *r)
{
    int c;
    r->len = 0;
    r->nfields = 0;
    for (;;) { /* skip blank lines */
        c = getc(r->f);
        if (c == '\r') {
            int d = getc(r->f);
            if (d == '\n') {
                r->line++;
                continue;
            }
            if (d != EOF)
                ungetc(d, r->f);
        }
        if (c != '\n')
            break;
        r->line++;
    }
    if (c == EOF)
        return 0;
    ungetc(c, r->f);
    r->record_line = r->line;
    for (;;) { /* one field per iteration */
        if (new_field(r) != 0)
            goto nomem;
        c = getc(r->f);
        int quoted = c == '"';
        if (quoted) {
            long open_line = r->line;
            for (;;) {
                c = getc(r->f);
                if (c == EOF) {
                    snprintf(r->err, sizeof r->err,
                             "unterminated quoted field (the quote opens on line %ld)", open_line);
                    return -1;
                }
                if (c == '"') {
                    c = getc(r->f);
                    if (c != '"')
                        break; /* the closing quote */
                } else if (c == '\n') {
                    r->line++;
                }
                if (put(r, (char)c) != 0)
                    goto nomem;
            }
            if (c != ',' && c != '\n' && c != '\r' && c != EOF) {
                snprintf(r->err, sizeof r->err, "unexpected character after a closing quote");
                return -1;
            }
        } else {
            while (c != ',' && c != '\n' && c != '\r' && c != EOF) {
                if (c == '"') {
                    snprintf(r->err, sizeof r->err,
                             "a quote inside an unquoted field (quote the whole field)");
                    return -1;
                }
                if (put(r, (char)c) != 0)
                    goto nomem;
                c = getc(r->f);
            }
            r->nulls[r->nfields - 1] = r->len == r->starts[r->nfields - 1];
        }
        if (put(r, 0) != 0)
            goto nomem;
        if (c == ',')
            continue;
        if (c == '\r') {
            int d = getc(r->f);
            if (d != '\n' && d != EOF)
                ungetc(d, r->f);
        }
        if (c != EOF)
            r->line++;
        return 1;
    }
nomem:
    snprintf(r->err, sizeof r->err, "out of memory");
    return -1;
}

