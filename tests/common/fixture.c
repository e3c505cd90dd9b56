/*
 * fixture.c — the test fixture library (see fixture.h).
 */
#include "tests/common/fixture.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void fx_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fixture: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    abort();
}

/* ---- temporary directories -------------------------------------------------------------- */

char *fx_tmpdir(char *out, size_t n, const char *base, const char *tag)
{
    if (base == NULL || *base == '\0')
        base = getenv("TMPDIR");
    if (base == NULL || *base == '\0')
        base = "/tmp";
    int len = snprintf(out, n, "%s/acidb-%s-XXXXXX", base, tag);
    if (len < 0 || (size_t)len >= n)
        fx_die("temporary directory name too long: %s/acidb-%s-XXXXXX", base, tag);
    if (mkdtemp(out) == NULL)
        fx_die("mkdtemp %s: %s", out, strerror(errno));
    return out;
}

/* Pre-order: a directory is made rwx for its owner before nftw reads it. One it could not
 * read (FTW_DNR) is opened up too, but its contents are only seen by the next pass. */
static int unreadable;

static int open_up(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_D || flag == FTW_DNR)
        chmod(path, (sb->st_mode & 07777) | S_IRWXU);
    unreadable += flag == FTW_DNR;
    return 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int fx_rmtree(const char *dir)
{
    if (dir == NULL || strstr(dir, "/acidb-") == NULL) {
        errno = EINVAL;
        return -1;
    }
    struct stat st;
    if (lstat(dir, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode))
        chmod(dir, (st.st_mode & 07777) | S_IRWXU);
    for (int pass = 0; pass < 8; pass++) {
        unreadable = 0;
        nftw(dir, open_up, 16, FTW_PHYS);
        if (unreadable == 0)
            break;
    }
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

const char *fx_path(const char *dir, const char *name)
{
    static char bufs[8][PATH_MAX + 64];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

char fx_dir[PATH_MAX], fx_db[PATH_MAX + 16];

void fx_begin(const char *tag, unsigned watchdog_s)
{
    if (watchdog_s > 0)
        alarm(watchdog_s);
    fx_tmpdir(fx_dir, sizeof fx_dir, NULL, tag);
    snprintf(fx_db, sizeof fx_db, "%s/test.db", fx_dir);
}

void fx_end(void)
{
    if (fx_dir[0] != '\0' && fx_rmtree(fx_dir) != 0)
        fprintf(stderr, "fixture: could not remove %s: %s\n", fx_dir, strerror(errno));
    fx_dir[0] = fx_db[0] = '\0';
}

pid_t fx_fork_piped(int fds[2], int flags)
{
    if (pipe2(fds, flags) != 0)
        fx_die("pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        fx_die("fork: %s", strerror(errno));
    return pid;
}

int fx_in_child(void (*fn)(void *ctx, void *out), void *ctx, void *out, size_t size,
                int *status)
{
    int fds[2], st = -1;
    pid_t pid = fx_fork_piped(fds, 0);
    if (pid == 0) {
        close(fds[0]);
        memset(out, 0, size);
        fn(ctx, out);
        ssize_t w = write(fds[1], out, size);
        _exit(w == (ssize_t)size ? 0 : 1);
    }
    close(fds[1]);
    memset(out, 0, size);
    size_t got = 0;
    ssize_t r;
    while (got < size && (r = read(fds[0], (char *)out + got, size - got)) > 0)
        got += (size_t)r;
    close(fds[0]);
    waitpid(pid, &st, 0);
    if (status != NULL)
        *status = st;
    return got == size && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* ---- whole files ------------------------------------------------------------------------ */

uint8_t *fx_slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        fx_die("open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0)
        fx_die("fstat %s: %s", path, strerror(errno));
    size_t n = (size_t)st.st_size, done = 0;
    uint8_t *buf = malloc(n + 1);
    if (buf == NULL)
        fx_die("out of memory reading %s (%zu bytes)", path, n);
    while (done < n) {
        ssize_t r = pread(fd, buf + done, n - done, (off_t)done);
        if (r <= 0)
            fx_die("read %s: %s", path, r < 0 ? strerror(errno) : "unexpected end of file");
        done += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    *len = n;
    return buf;
}

void fx_spit(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        fx_die("create %s: %s", path, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = pwrite(fd, (const uint8_t *)buf + done, len - done, (off_t)done);
        if (w <= 0)
            fx_die("write %s: %s", path, strerror(errno));
        done += (size_t)w;
    }
    close(fd);
}

int fx_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

size_t fx_page_of(const uint8_t *img, size_t n, size_t page_size, const char *needle)
{
    size_t l = strlen(needle);
    for (size_t i = page_size; i + l <= n; i++)
        if (memcmp(img + i, needle, l) == 0)
            return i / page_size;
    fx_die("\"%s\" is not in the file", needle);
}

/* ---- seeds and scale -------------------------------------------------------------------- */

static const char *seed_env(const char *var)
{
    const char *e = var != NULL ? getenv(var) : NULL;
    if (e == NULL || *e == '\0')
        e = getenv("ACIDB_TEST_SEED");
    return e != NULL && *e != '\0' ? e : NULL;
}

int fx_seed_given(const char *var) { return seed_env(var) != NULL; }

uint64_t fx_seed(const char *var, uint64_t dflt)
{
    const char *e = seed_env(var);
    if (e == NULL)
        return dflt;
    if (strcmp(e, "random") == 0) {
        static uint64_t chosen;
        if (chosen == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
            chosen = fx_splitmix(&s) >> 1 | 1;
        }
        return chosen;
    }
    return strtoull(e, NULL, 0);
}

double fx_scale(void)
{
    const char *e = getenv("ACIDB_TEST_SCALE");
    if (e != NULL && *e != '\0') {
        double v = strtod(e, NULL);
        if (v > 0)
            return v;
    }
    return FX_SANITIZED ? FX_SANITIZED_SCALE : 1.0;
}

uint64_t fx_scaled(uint64_t n, uint64_t min)
{
    uint64_t r = (uint64_t)((double)n * fx_scale());
    return r < min ? min : r;
}

/* ---- messages -------------------------------------------------------------------------- */

int fx_names_page(const char *msg, uint64_t pgno)
{
    for (const char *p = msg; *p; p++) {
        if (strncasecmp(p, "page", 4) != 0)
            continue;
        const char *q = p + 4;
        while (*q == ' ' || *q == '#' || *q == ':')
            q++;
        if (isdigit((unsigned char)*q) && strtoull(q, NULL, 10) == pgno)
            return 1;
    }
    return 0;
}

/* ---- the public API --------------------------------------------------------------------- */

acidb_options fx_options(int durable)
{
    acidb_options o = acidb_default_options();
    o.durability = durable ? ACIDB_DURABILITY_FULL : ACIDB_DURABILITY_OFF;
    o.cache_bytes = 4u << 20;
    o.lock_timeout_ms = 2000;
    o.create = 1;
    return o;
}

acidb_db *fx_open(const char *path, const acidb_options *o)
{
    acidb_options d = fx_options(0);
    acidb_db *db = NULL;
    int rc = acidb_open(path, o != NULL ? o : &d, &db);
    if (rc != ACIDB_OK || db == NULL)
        fx_die("open %s: %s (%s)", path, acidb_open_errmsg(), acidb_errstr(rc));
    return db;
}

acidb_conn *fx_connect(acidb_db *db)
{
    acidb_conn *c = NULL;
    int rc = acidb_connect(db, &c);
    if (rc != ACIDB_OK)
        fx_die("connect: %s", acidb_errstr(rc));
    return c;
}

void fx_ok(acidb_conn *c, const char *sql)
{
    int rc = acidb_exec(c, sql);
    if (rc != ACIDB_OK)
        fx_die("%.300s\n-> %s %s %s", sql, acidb_errstr(rc), acidb_sqlstate(c), acidb_errmsg(c));
}

int fx_fails(acidb_conn *c, const char *sql, const char *sqlstate)
{
    int rc = acidb_exec(c, sql);
    if (rc == ACIDB_OK)
        fx_die("%.300s\n-> succeeded, expected %s", sql, sqlstate);
    if (strcmp(acidb_sqlstate(c), sqlstate) != 0)
        fx_die("%.300s\n-> %s %s (expected %s)", sql, acidb_sqlstate(c), acidb_errmsg(c),
               sqlstate);
    return rc;
}

long long fx_int(acidb_conn *c, const char *sql)
{
    acidb_stmt *s = NULL;
    int rc = acidb_prepare(c, sql, &s);
    if (rc != ACIDB_OK)
        fx_die("%.300s\n-> %s %s", sql, acidb_sqlstate(c), acidb_errmsg(c));
    rc = acidb_step(s);
    if (rc != ACIDB_ROW)
        fx_die("%.300s\n-> %s %s %s (expected a row)", sql, acidb_errstr(rc), acidb_sqlstate(c),
               acidb_errmsg(c));
    long long v = acidb_column_int64(s, 0);
    acidb_finalize(s);
    return v;
}

typedef struct check_report {
    char *buf;
    size_t n, used;
} check_report;

static void on_problem(void *ctx, uint64_t pgno, const char *msg)
{
    check_report *r = ctx;
    (void)pgno; /* the messages name their page, or their table, index and row */
    if (r->n == 0 || r->used + 1 >= r->n)
        return;
    int w = snprintf(r->buf + r->used, r->n - r->used, "%s\n", msg);
    if (w > 0)
        r->used += (size_t)w < r->n - r->used ? (size_t)w : r->n - r->used - 1;
}

int fx_check(acidb_db *db, char *report, size_t n, uint64_t *problems)
{
    if (report != NULL && n > 0)
        report[0] = 0;
    check_report r = {report, report != NULL ? n : 0, 0};
    int rc = acidb_check(db, on_problem, &r, problems);
    if (rc != ACIDB_OK && r.used == 0 && r.n > 0)
        snprintf(report, n, "the check stopped: %s", acidb_errstr(rc));
    return rc;
}

void fx_check_clean(acidb_db *db, const char *when)
{
    char report[512];
    uint64_t problems = 0;
    int rc = fx_check(db, report, sizeof report, &problems);
    if (rc != ACIDB_OK)
        fx_die("%s: the integrity check could not run: %s", when, report);
    if (problems != 0)
        fx_die("%s: %llu integrity problem(s): %s", when, (unsigned long long)problems, report);
}

char *fx_query(acidb_conn *c, const char *sql)
{
    acidb_stmt *s = NULL;
    int rc = acidb_prepare(c, sql, &s);
    if (rc != ACIDB_OK)
        fx_die("%.300s\n-> %s %s", sql, acidb_sqlstate(c), acidb_errmsg(c));
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    if (out == NULL)
        fx_die("out of memory");
    out[0] = 0;
    while ((rc = acidb_step(s)) == ACIDB_ROW) {
        for (int i = 0; i < acidb_column_count(s); i++) {
            const char *t = acidb_column_text(s, i);
            if (t == NULL)
                t = "NULL";
            size_t need = len + strlen(t) + 3;
            if (need > cap) {
                cap = need * 2;
                if ((out = realloc(out, cap)) == NULL)
                    fx_die("out of memory");
            }
            len += (size_t)sprintf(out + len, "%s%s", i ? "|" : "", t);
        }
        if (len + 2 > cap && (out = realloc(out, cap *= 2)) == NULL)
            fx_die("out of memory");
        out[len++] = '\n';
        out[len] = 0;
    }
    if (rc != ACIDB_DONE)
        fx_die("%.300s\n-> %s %s %s", sql, acidb_errstr(rc), acidb_sqlstate(c), acidb_errmsg(c));
    acidb_finalize(s);
    return out;
}
