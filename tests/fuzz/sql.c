/*
 * sql.c — fuzz target: arbitrary bytes as SQL through the public API.
 *
 * The input, NUL-terminated, goes to fz_run_script (fuzz_util.h): a fresh copy of a small
 * database for every input, every statement prepared, bound and stepped to its end.
 * Errors are expected; only crashes, leaks, hangs and sanitizer reports are findings.
 *
 * Seeds: tests/fuzz/corpus/sql (valid statements), dictionary tests/fuzz/sql.dict.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *sql = malloc(size + 1);
    memcpy(sql, data, size);
    sql[size] = 0;
    fz_run_script(sql);
    free(sql);
    return 0;
}
