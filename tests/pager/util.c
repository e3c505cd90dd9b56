/*
 * util.c — the pager suite's fixture (a temp directory per test) and helpers (see util.h).
 */
#include "tests/pager/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char t_dir[PATH_MAX];

static void t_setup(void)
{
    /* Watchdog: a hang (e.g. a pool that waits instead of returning ST_EFULL) kills this test's
     * worker with SIGALRM, which Criterion reports as a crash, rather than hanging the run.
     * Not Criterion's .timeout: with --jobs 2 it leaks 48 bytes in the runner, which fails the
     * ASan build's leak check. Sanitizer builds are several times slower, hence the margin. */
    alarm(600);
    snprintf(t_dir, sizeof t_dir, "/tmp/acidb-pager-XXXXXX");
    cr_assert(mkdtemp(t_dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void t_teardown(void)
{
    if (t_dir[0] != '\0' && strncmp(t_dir, "/tmp/acidb-pager-", 17) == 0)
        nftw(t_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    t_dir[0] = '\0';
}

TestSuite(pager, .init = t_setup, .fini = t_teardown);

const char *t_path(const char *name)
{
    static char bufs[8][PATH_MAX + 64];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", t_dir, name);
    return b;
}

uint8_t *t_slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
    struct stat st;
    cr_assert(fstat(fd, &st) == 0, "fstat %s: %s", path, strerror(errno));
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    cr_assert(buf != NULL);
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, buf + done, n - done, (off_t)done);
        cr_assert(r > 0, "read %s: %s", path, strerror(errno));
        done += (size_t)r;
    }
    close(fd);
    *len = n;
    return buf;
}

void t_spit(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = pwrite(fd, (const uint8_t *)buf + done, len - done, (off_t)done);
        cr_assert(w > 0, "write %s: %s", path, strerror(errno));
        done += (size_t)w;
    }
    close(fd);
}

int t_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int t_open_hook(const char *path, uint32_t page_size, size_t cache_bytes, int create,
                pgr_before_write_fn fn, void *ctx, pgr **out)
{
    pgr_options o;
    memset(&o, 0, sizeof o);
    o.page_size = page_size;
    o.cache_bytes = cache_bytes;
    o.create = create;
    o.before_write = fn;
    o.before_write_ctx = ctx;
    *out = NULL;
    return pgr_open(path, &o, out);
}

int t_open(const char *path, uint32_t page_size, size_t cache_bytes, int create, pgr **out)
{
    return t_open_hook(path, page_size, cache_bytes, create, NULL, NULL, out);
}

uint64_t t_seed(uint64_t dflt)
{
    const char *e = getenv("ACIDB_TEST_SEED");
    if (e == NULL || *e == '\0')
        return dflt;
    if (strcmp(e, "random") == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
        return t_rand(&s);
    }
    return strtoull(e, NULL, 0);
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define T_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define T_SANITIZED 1
#endif
#endif

double t_scale(void)
{
    const char *e = getenv("ACIDB_TEST_SCALE");
    if (e != NULL && *e != '\0') {
        double v = strtod(e, NULL);
        if (v > 0)
            return v;
    }
#ifdef T_SANITIZED
    return 0.2;
#else
    return 1.0;
#endif
}

uint64_t t_scaled(uint64_t n, uint64_t min)
{
    double v = (double)n * t_scale();
    uint64_t r = (uint64_t)v;
    return r < min ? min : r;
}

int t_names_page(const char *msg, uint64_t pgno)
{
    for (const char *p = msg; *p; p++) {
        if (strncasecmp(p, "page", 4) != 0)
            continue;
        const char *q = p + 4;
        while (*q == ' ' || *q == '#' || *q == ':')
            q++;
        if (!isdigit((unsigned char)*q))
            continue;
        char *end;
        unsigned long long v = strtoull(q, &end, 10);
        if (v == pgno)
            return 1;
    }
    return 0;
}

static uint8_t pat_byte(uint64_t pgno, uint64_t tag, uint32_t i)
{
    uint64_t x = pgno * 0x9E3779B97F4A7C15ull ^ tag * 0xC2B2AE3D27D4EB4Full ^ (uint64_t)(i / 8);
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    return (uint8_t)(x >> ((i % 8) * 8));
}

void t_fill(uint8_t *page, uint32_t ps, uint64_t pgno, uint64_t tag)
{
    for (uint32_t i = PGR_HDR_SIZE; i < ps - PGR_TRAILER_SIZE; i++)
        page[i] = pat_byte(pgno, tag, i);
}

int t_check_fill(const uint8_t *page, uint32_t ps, uint64_t pgno, uint64_t tag)
{
    for (uint32_t i = PGR_HDR_SIZE; i < ps - PGR_TRAILER_SIZE; i++)
        if (page[i] != pat_byte(pgno, tag, i))
            return 0;
    return 1;
}
