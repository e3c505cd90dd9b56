/*
 * csv.c — fuzz target: the shell's CSV record reader (shell/csv.h, used by .import).
 *
 * The input is a CSV file (read through fmemopen, as import.c reads a FILE *). Records are
 * read until the end or an error; for each record the target checks the reader's promises:
 * at least one field, every field NUL-terminated inside the buffer, offsets in order, a NULL
 * field empty. A broken promise aborts (a finding), as do crashes, leaks and hangs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses a zero-length buffer */
    FILE *f = fmemopen((void *)data, size, "r");
    if (f == NULL)
        return 0;
    csv_reader r = {.f = f, .path = "fuzz.csv", .line = 1};
    int got;
    long records = 0;
    while ((got = csv_next(&r)) == 1) {
        if (r.nfields < 1 || r.record_line < 1 || r.line < r.record_line)
            abort();
        for (int i = 0; i < r.nfields; i++) {
            size_t s = r.starts[i];
            if (s >= r.len || (i > 0 && s <= r.starts[i - 1]))
                abort();
            size_t l = strnlen(r.buf + s, r.len - s);
            if (l == r.len - s) /* no NUL before the end of the buffer */
                abort();
            if (r.nulls[i] && l != 0)
                abort();
        }
        if (++records > (long)size + 1) /* every record consumes input */
            abort();
    }
    if (got < 0 && r.err[0] == 0)
        abort();
    fclose(f);
    free(r.buf);
    free(r.starts);
    free(r.nulls);
    return 0;
}
