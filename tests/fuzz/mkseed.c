/*
 * mkseed.c — writes the binary seed corpora of the dbfile and log fuzz targets (make
 * fuzz-seeds; built with the plain library). Usage: fuzz-mkseed DIR (DIR/dbfile, DIR/log).
 *
 * Each seed is the target's input layout (fuzz_util.h): a flags byte, then the file. Both
 * targets get the file twice, with FZ_FIX_CHECKSUMS off and on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz_util.h"

static void seed(const char *dir, const char *target, const char *name, int flags,
                 const uint8_t *img, size_t n)
{
    char path[512];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/%s", dir, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
    uint8_t *buf = malloc(n + 1);
    buf[0] = (uint8_t)flags;
    memcpy(buf + 1, img, n);
    fx_spit(path, buf, n + 1);
    free(buf);
    printf("%s (%zu bytes)\n", path, n + 1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    size_t n;
    const char *db = fz_path(0, "seed.db");
    fz_clean_db(db);
    uint8_t *img = fx_slurp(db, &n);
    seed(argv[1], "dbfile", "clean-raw", 0, img, n);
    seed(argv[1], "dbfile", "clean-fixed", FZ_FIX_CHECKSUMS, img, n);
    free(img);

    fz_crashed_db(db);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", db);
    img = fx_slurp(wal, &n);
    while (n > 512 && img[n - 1] == 0) /* the preallocated tail: zeros end the log anyway */
        n--;
    n = (n + 7) / 8 * 8;
    seed(argv[1], "log", "crashed-raw", 0, img, n);
    seed(argv[1], "log", "crashed-fixed", FZ_FIX_CHECKSUMS, img, n);
    free(img);
    fz_remove_db(db);
    return 0;
}
