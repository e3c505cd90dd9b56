/*
 * util.c — the btree suite's fixture (a temporary directory per test) and helpers (see util.h).
 */
#include "tests/btree/util.h"

#include <stdio.h>
#include <string.h>

/* A 900 s watchdog: a hung test dies with SIGALRM and is reported as a crash. */
static void t_setup(void) { fx_begin("btree", 900); }

TestSuite(btree, .init = t_setup, .fini = fx_end);

void t_value(uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t s = seed ^ (uint64_t)len * 0xD6E8FEB86659FD93ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x = fx_splitmix(&s);
        memcpy(buf + i, &x, 8);
    }
    if (i < len) {
        uint64_t x = fx_splitmix(&s);
        memcpy(buf + i, &x, len - i);
    }
}

size_t t_value_diff(const uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t s = seed ^ (uint64_t)len * 0xD6E8FEB86659FD93ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x = fx_splitmix(&s);
        if (memcmp(buf + i, &x, 8) != 0)
            goto find;
    }
    if (i < len) {
        uint64_t x = fx_splitmix(&s);
        if (memcmp(buf + i, &x, len - i) != 0)
            goto find;
    }
    return (size_t)-1;
find:
    return i;
}

void t_create_trees(pgr *p, const bt_kind *kinds, size_t n, uint64_t *roots, bt_tree **t)
{
    for (size_t i = 0; i < n; i++) {
        OK(bt_create(p, kinds[i], &roots[i]));
        OK(bt_open(p, roots[i], kinds[i], &t[i]));
    }
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
    return fx_names_page(r->text, pgno);
}

void t_check_clean(pgr *p, const uint64_t *roots, const bt_kind *kinds, size_t n,
                   const char *ctx)
{
    struct t_reports r;
    t_check(p, roots, kinds, n, &r);
    cr_assert(r.problems == 0 && r.n == 0, "%s: bt_check found %llu problem(s): %s", ctx,
              (unsigned long long)r.problems, r.text);
}
