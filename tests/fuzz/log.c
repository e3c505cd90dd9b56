/*
 * log.c — fuzz target: a write-ahead log with mutated bytes, then open (recovery).
 *
 * Input: a flags byte, then the log file (fuzz_util.h; seeds: the log a crash left behind,
 * tests/fuzz/corpus/log, made by `make fuzz-seeds`). The database file beside it is the one
 * that same crash left (fz_crashed_db, built once per process), its id set to the id in the
 * input's first header copy so that the log is not refused as another database's. With
 * FZ_FIX_CHECKSUMS the header and record checksums are recomputed after the mutation, so it
 * reaches analysis, redo and undo instead of ending the log at the first bad record. After a
 * successful open: acidb_check, the probe queries and a write, a close (checkpoint).
 * Every outcome must be an error code or success: only crashes, leaks, hangs and sanitizer
 * reports are findings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"

static uint8_t *db_image;
static size_t db_len;

static void build_template(void)
{
    const char *p = fz_path(0, "crashed.db");
    fz_crashed_db(p);
    db_image = fx_slurp(p, &db_len);
    fz_remove_db(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (db_image == NULL)
        build_template();
    const uint8_t *id = size - 1 >= 40 ? data + 1 + 24 : (const uint8_t *)"0123456789abcdef";
    uint8_t *db = malloc(db_len);
    memcpy(db, db_image, db_len);
    fz_set_db_id(db, db_len, id);
    const char *p = fz_path(1, "log.db");
    fx_spit(p, db, db_len);
    free(db);

    uint8_t *img = malloc(size);
    memcpy(img, data + 1, size - 1);
    if (data[0] & FZ_FIX_CHECKSUMS)
        fz_fix_log_checksums(img, size - 1, id);
    char wal[400];
    snprintf(wal, sizeof wal, "%s-wal", p);
    fx_spit(wal, img, size - 1);
    free(img);

    acidb_options o = fz_options();
    o.create = 0;
    acidb_db *h = NULL;
    int rc = acidb_open(p, &o, &h);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz: open: %d %s\n", rc, acidb_open_errmsg());
    if (rc == ACIDB_OK) {
        acidb_check(h, NULL, NULL, NULL);
        acidb_conn *c = NULL;
        if (acidb_connect(h, &c) == ACIDB_OK) {
            fz_probe_write(c);
            acidb_disconnect(c);
        }
        acidb_close(h);
    }
    fz_remove_db(p);
    return 0;
}
