/*
 * util.c — the btree suite's fixture (a temp directory per test) and helpers (see util.h).
 */
#include "tests/btree/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
    /* Watchdog instead of Criterion's .timeout (which leaks in the runner under ASan with
     * --jobs 2): a hung test dies with SIGALRM and is reported as a crash. */
    alarm(900);
    snprintf(t_dir, sizeof t_dir, "/tmp/acidb-btree-XXXXXX");
    cr_assert(mkdtemp(t_dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void t_teardown(void)
{
    if (t_dir[0] != '\0' && strncmp(t_dir, "/tmp/acidb-btree-", 17) == 0)
        nftw(t_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    t_dir[0] = '\0';
}

TestSuite(btree, .init = t_setup, .fini = t_teardown);

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
    cr_assert(fstat(fd, &st) == 0);
    size_t n = (size_t)st.st_size, done = 0;
    uint8_t *buf = malloc(n ? n : 1);
    cr_assert(buf != NULL);
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

int t_open(const char *path, uint32_t page_size, size_t cache_bytes, int create, pgr **out)
{
    pgr_options o;
    memset(&o, 0, sizeof o);
    o.page_size = page_size;
    o.cache_bytes = cache_bytes;
    o.create = create;
    *out = NULL;
    return pgr_open(path, &o, out);
}

int t_seed_given(void)
{
    const char *e = getenv("ACIDB_TEST_SEED");
    return e != NULL && *e != '\0';
}

uint64_t t_seed(uint64_t dflt)
{
    const char *e = getenv("ACIDB_TEST_SEED");
    if (e == NULL || *e == '\0')
        return dflt;
    if (strcmp(e, "random") == 0) {
        static uint64_t chosen;
        if (chosen == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
            chosen = t_rand(&s) >> 1 | 1;
        }
        return chosen;
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
        if (strtoull(q, NULL, 10) == pgno)
            return 1;
    }
    return 0;
}

void t_value(uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t s = seed ^ (uint64_t)len * 0xD6E8FEB86659FD93ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x = t_rand(&s);
        memcpy(buf + i, &x, 8);
    }
    if (i < len) {
        uint64_t x = t_rand(&s);
        memcpy(buf + i, &x, len - i);
    }
}

size_t t_value_diff(const uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t s = seed ^ (uint64_t)len * 0xD6E8FEB86659FD93ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x = t_rand(&s);
        if (memcmp(buf + i, &x, 8) != 0)
            goto find;
    }
    if (i < len) {
        uint64_t x = t_rand(&s);
        if (memcmp(buf + i, &x, len - i) != 0)
            goto find;
    }
    return (size_t)-1;
find:
    return i;
}

static void collect(void *ctx, uint64_t pgno, const char *msg)
{
    struct t_reports *r = ctx;
    if (r->n < sizeof r->pgno / sizeof r->pgno[0])
        r->pgno[r->n] = pgno;
    r->n++;
    size_t used = strlen(r->text);
    if (used + 1 < sizeof r->text)
        snprintf(r->text + used, sizeof r->text - used, "[page %llu: %s] ",
                 (unsigned long long)pgno, msg ? msg : "(null)");
}

void t_check(pgr *p, const uint64_t *roots, const bt_kind *kinds, size_t n, struct t_reports *r)
{
    memset(r, 0, sizeof *r);
    uint64_t problems = 0;
    int rc = bt_check(p, roots, kinds, n, collect, r, &problems);
    cr_assert(rc == ST_OK, "bt_check could not complete: %s: %s", st_name(rc), st_msg());
    r->problems = problems;
    cr_assert(problems == r->n,
              "bt_check counted %llu problems but reported %zu through the callback",
              (unsigned long long)problems, r->n);
}

int t_reported(const struct t_reports *r, uint64_t pgno)
{
    size_t n = r->n < 64 ? r->n : 64;
    for (size_t i = 0; i < n; i++)
        if (r->pgno[i] == pgno)
            return 1;
    return t_names_page(r->text, pgno);
}

void t_check_clean(pgr *p, const uint64_t *roots, const bt_kind *kinds, size_t n,
                   const char *ctx)
{
    struct t_reports r;
    t_check(p, roots, kinds, n, &r);
    cr_assert(r.problems == 0 && r.n == 0, "%s: bt_check found %llu problem(s): %s", ctx,
              (unsigned long long)r.problems, r.text);
}
