/*
 * nomem_test.c — out of memory at every allocation of every NUMERIC operation is an error
 * value (ACIDB_NOMEM, 53200), never a crash, and frees what it took (the ASan build's leak
 * check sees any scratch buffer an error path forgets).
 *
 * The suite links with --wrap=malloc,--wrap=realloc (Makefile, SUITE_LDFLAGS_numeric): the
 * N-th call made by the library or this file fails when armed. Each operation is run with
 * N = 1, 2, ... until a run sees no injected failure; every run before must fail cleanly.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/numeric.h"

void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_realloc(void *p, size_t n);

static int armed;
static uint64_t calls, fail_at, failed;

static int fail_now(void)
{
    if (!armed)
        return 0;
    if (++calls == fail_at) {
        failed++;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }

typedef int (*op_fn)(const num *x, const num *y, arena *a, num *out, sql_error *e);

static int op_in(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    (void)x, (void)y;
    static const char s[] = " -123456789012345678901234567890.1234567890123e-7 ";
    return num_in(s, sizeof s - 1, -1, 0, a, out, e);
}
static int op_in_typmod(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    (void)x, (void)y;
    static const char s[] = "99999.995";
    int rc = num_in(s, sizeof s - 1, 12, 2, a, out, e);
    return rc;
}
static int op_out(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    (void)y;
    char *s;
    int rc = num_out(x, a, &s, NULL, e);
    if (rc == 0)
        *out = *x;
    return rc;
}
static int op_round(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    (void)y;
    return num_round(x, 3, a, out, e);
}
static int op_typmod(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    (void)y;
    return num_apply_typmod(x, 60, 5, a, out, e);
}
static int op_ceil(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    (void)y;
    return num_ceil(x, a, out, e);
}
static int op_double(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    (void)y;
    double d;
    int rc = num_to_double(x, &d, e);
    if (rc == 0)
        *out = *x;
    (void)a;
    return rc;
}
static int op_int(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    (void)y, (void)a;
    int64_t v;
    int rc = num_to_int64(x, &v, e);
    if (rc == ACIDB_RANGE)   /* the operand is out of bigint's range: that is the answer */
        rc = 0;
    if (rc == 0)
        *out = *x;
    return rc;
}
static int op_agg(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    num_agg g;
    num_agg_init(&g);
    int rc = num_agg_add(&g, x, e);
    if (rc == 0)
        rc = num_agg_add(&g, y, e);
    if (rc == 0)
        rc = num_agg_avg(&g, a, out, e);
    num_agg_free(&g);
    return rc;
}
static int op_rec(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    (void)y;
    rec_buf b = {0};
    num_rec_append(&b, x);
    int rc = b.oom ? ACIDB_NOMEM : 0;
    if (rc == 0) {
        size_t off = 0;
        rc = num_rec_decode(b.p, b.len, &off, a, out, e);
    }
    rec_buf_free(&b);
    if (rc == ACIDB_NOMEM && !e->state[0])
        sql_err_nomem(e, NULL);
    return rc;
}
static int op_key(const num *x, const num *y, arena *a, num *out, sql_error *e)
{
    (void)y;
    rec_buf b = {0};
    num_key_append(&b, x);
    int rc = b.oom ? ACIDB_NOMEM : 0;
    if (rc == 0) {
        size_t off = 0;
        rc = num_key_decode(b.p, b.len, &off, a, out, e);
    }
    rec_buf_free(&b);
    if (rc == ACIDB_NOMEM && !e->state[0])
        sql_err_nomem(e, NULL);
    return rc;
}

static const struct {
    const char *name;
    op_fn f;
} OPS[] = {
    {"in", op_in}, {"in_typmod", op_in_typmod}, {"out", op_out}, {"add", num_add},
    {"sub", num_sub}, {"mul", num_mul}, {"div", num_div}, {"mod", num_mod},
    {"round", op_round}, {"typmod", op_typmod}, {"ceil", op_ceil}, {"double", op_double},
    {"int", op_int}, {"agg", op_agg}, {"rec", op_rec}, {"key", op_key},
};

Test(numeric_nomem, every_allocation_failure_is_53200)
{
    /* Operands wide enough to need several limbs and scale changes. */
    const char *xs = "-98765432109876543210987654321098765432.123456789";
    const char *ys = "12345678901234567890123.4";
    for (size_t k = 0; k < sizeof OPS / sizeof *OPS; k++) {
        int done = 0;
        for (uint64_t n = 1; n < 10000 && !done; n++) {
            arena a;
            ar_init(&a);
            sql_error e;
            memset(&e, 0, sizeof e);
            num x, y, out;
            cr_assert_eq(num_in(xs, strlen(xs), -1, 0, &a, &x, &e), 0);
            cr_assert_eq(num_in(ys, strlen(ys), -1, 0, &a, &y, &e), 0);
            memset(&out, 0x5A, sizeof out);
            num before = out;
            calls = 0;
            failed = 0;
            fail_at = n;
            armed = 1;
            int rc = OPS[k].f(&x, &y, &a, &out, &e);
            armed = 0;
            if (failed == 0) {
                cr_assert_eq(rc, 0, "%s: %s", OPS[k].name, e.msg);
                done = 1;
            } else {
                cr_assert_eq(rc, ACIDB_NOMEM, "%s, allocation %llu: rc %d (%s)", OPS[k].name,
                             (unsigned long long)n, rc, e.msg);
                cr_assert_str_eq(e.state, "53200", "%s, allocation %llu", OPS[k].name,
                                 (unsigned long long)n);
                cr_assert_eq(memcmp(&out, &before, sizeof out), 0,
                             "%s, allocation %llu: the result was written", OPS[k].name,
                             (unsigned long long)n);
            }
            ar_free(&a);
        }
        cr_assert(done, "%s never succeeded", OPS[k].name);
    }
}
