/*
 * dbfile.c — fuzz target: a database file with mutated bytes, opened, checked and queried.
 *
 * Input: a flags byte, then the file (fuzz_util.h; seeds: a clean copy of the fuzz schema's
 * database, tests/fuzz/corpus/dbfile, made by `make fuzz-seeds`). With FZ_FIX_CHECKSUMS the
 * page checksums are recomputed first, so the mutation reaches the header validation,
 * B+tree, overflow, free-list and catalog code instead of stopping at a checksum. The file
 * is opened (no log: nothing to recover), integrity-checked with acidb_check, read with the
 * probe queries and written to by a small transaction, then closed. Every outcome must be
 * an error code or success: only crashes, leaks, hangs and sanitizer reports are findings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"

static void count(void *ctx, uint64_t page, const char *msg)
{
    (void)page;
    (void)msg;
    ++*(int *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t *img = malloc(size);
    memcpy(img, data + 1, size - 1);
    if (data[0] & FZ_FIX_CHECKSUMS)
        fz_fix_db_checksums(img, size - 1);
    const char *p = fz_path(1, "dbfile.db");
    fx_spit(p, img, size - 1);
    free(img);

    acidb_options o = fz_options();
    o.create = 0;
    acidb_db *db = NULL;
    int rc = acidb_open(p, &o, &db);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz: open: %d %s\n", rc, acidb_open_errmsg());
    if (rc == ACIDB_OK) {
        int problems = 0;
        uint64_t n = 0;
        acidb_check(db, count, &problems, &n);
        acidb_conn *c = NULL;
        if (acidb_connect(db, &c) == ACIDB_OK) {
            fz_probe_write(c);
            acidb_disconnect(c);
        }
        acidb_check(db, NULL, NULL, NULL);
        acidb_close(db);
    }
    fz_remove_db(p);
    return 0;
}
