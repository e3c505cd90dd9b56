/*
 * csv.h — the CSV record reader of .import (RFC 4180), internal to the shell.
 *
 * Exposed only so that tests/fuzz/csv.c can drive the parser without a session; import.c is
 * its one user in the shell (the rules are stated at the top of import.c). Moved out of
 * import.c unchanged.
 */
#ifndef ACIDB_SHELL_CSV_H
#define ACIDB_SHELL_CSV_H

#include <stddef.h>
#include <stdio.h>

typedef struct csv_reader {
    FILE *f;
    const char *path;
    long line;            /* current physical line (1-based) */
    long record_line;     /* line where the last record started */
    char *buf;            /* fields, each NUL-terminated, back to back */
    size_t len, cap;
    size_t *starts;       /* field offsets into buf */
    char *nulls;          /* field i is NULL (empty and unquoted) */
    int nfields, capf;
    char err[200];
} csv_reader;

/* Reads the next record from r->f. Returns 1 with a record (r->nfields fields, field i at
 * r->buf + r->starts[i], NUL-terminated; r->nulls[i] set for an empty unquoted field), 0 at end
 * of file, -1 on error (r->err). The caller zero-initialises r (line = 1), sets f and path,
 * and frees buf, starts and nulls. */
int csv_next(csv_reader *r);

#endif
