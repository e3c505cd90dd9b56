/*
 * diff_test.c — engine/numeric.c against a real PostgreSQL 15, expression by expression.
 *
 * A fixed-seed generator makes NUM_DIFF_CASES cases (default 2500) over random operands:
 * small and large, many scales, negative, zero with a scale, NaN, +-Infinity, exponent forms,
 * values at PostgreSQL's limits, and text that is not a number. Each case is one PostgreSQL
 * expression — input, numeric_in with a typmod (as COPY calls it), + - * / %, comparison,
 * unary minus, abs, sign, round/trunc with a scale, ceil, floor, NUMERIC(p,s), casts to
 * smallint/integer/bigint/double precision/real, float8 and float4 to numeric, sum/avg of
 * numerics and of integers — and the same operation through numeric.h. A throwaway cluster
 * (tests/common/pgcluster.h) evaluates them all in one psql run; a PL/pgSQL wrapper turns an
 * error into "ERROR <SQLSTATE>: <message> | DETAIL: <detail>". Results are compared as exact text (double
 * precision through float8send: the exact bits).
 *
 *   NUM_DIFF_SEED=<n>   another seed (printed on every run)
 *   NUM_DIFF_CASES=<n>  more cases (the sweep: NUM_DIFF_CASES=100000, about 15 s)
 *   NUM_DIFF_SHOW=1     print every case's two answers
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/acidb.h"
#include "engine/numeric.h"
#include "tests/common/fixture.h"
#include "tests/common/pgcluster.h"

/* ---- random numbers ------------------------------------------------------------------------ */

static uint64_t rs;
static uint64_t rnd(void) { return fx_splitmix(&rs); }
static int rn(int n) { return (int)(rnd() % (uint64_t)n); }

static void digits(char *p, int n, int lead_nonzero)
{
    for (int i = 0; i < n; i++)
        p[i] = (char)('0' + ((i == 0 && lead_nonzero) ? 1 + rn(9) : rn(10)));
    p[n] = 0;
}

/* A valid numeric literal (text form). */
static void gen_operand(char *out)
{
    int r = rn(100);
    char ip[80], fp[80];
    const char *sign = rn(3) == 0 ? "-" : "";
    if (rn(5000) == 0) {   /* 131072 digits before the point (slow: quadratic conversions) */
        static const char *huge[] = {"9e131071", "-9.5e131071", "1e131071"};
        strcpy(out, huge[rn(3)]);
    } else if (rn(300) == 0) {    /* other limits */
        static const char *lim[] = {"1e-16383", "5e-16383", "-5e-16383", "0.5e-16382",
                                    "9.99e1000", "123456789e-16380", "3e-9000"};
        strcpy(out, lim[rn((int)(sizeof lim / sizeof *lim))]);
    } else if (r < 3) {
        strcpy(out, "NaN");
    } else if (r < 5) {
        strcpy(out, "Infinity");
    } else if (r < 7) {
        strcpy(out, "-Infinity");
    } else if (r < 14) {   /* zero with a scale */
        int s = rn(6);
        strcpy(out, s ? "0." : "0");
        for (int i = 0; i < s; i++)
            strcat(out, "0");
    } else if (r < 40) {   /* small integers */
        digits(ip, 1 + rn(4), 1);
        sprintf(out, "%s%s", sign, ip);
    } else if (r < 70) {   /* money-like */
        digits(ip, 1 + rn(7), 1);
        digits(fp, rn(5), 0);
        sprintf(out, "%s%s%s%s", sign, ip, *fp ? "." : "", fp);
    } else if (r < 80) {   /* large */
        digits(ip, 10 + rn(45), 1);
        digits(fp, rn(25), 0);
        sprintf(out, "%s%s%s%s", sign, ip, *fp ? "." : "", fp);
    } else if (r < 90) {   /* small */
        int z = rn(30);
        digits(fp, 1 + rn(12), 1);
        sprintf(out, "%s0.%0*d%s", sign, z, 0, fp);
        if (z == 0)
            sprintf(out, "%s0.%s", sign, fp);
    } else {               /* exponent form */
        digits(ip, 1 + rn(3), 1);
        digits(fp, rn(4), 0);
        sprintf(out, "%s%s%s%s%c%d", sign, ip, *fp ? "." : "", fp, rn(2) ? 'e' : 'E',
                rn(61) - 30);
    }
}

/* Text for the input cases: valid or not. */
static void gen_input(char *out)
{
    static const char *odd[] = {
        "", " ", "abc", "1e", "1e+", "1e 5", "1e+ 5", ".", "-.", "+.5", "5.", "1.2.3", "++1",
        "1ee3", "12 3", " 1.50 ", "\t7\t", "-0", "-0.000", "0e5", "nan", " NaN ", "-nan", "+NaN",
        "inf", "+inf", "-INF", "infinity", "-Infinity", "infinit", "infinityx", "NaNx",
        "1_000", "0x10", "1e1073741823", "0e1073741822", "1e-3x", "9e100", "1e131072",
        "1e-16383", "1e-16384", "0.0e-16384", "1e99999999999999999999", "00012.3400",
        "1E+2", "1e-0", "-1.5e-3", "12345678901234567890123456789", "1e+-5", "1e5.5"};
    if (rn(3) == 0) {
        strcpy(out, odd[rn((int)(sizeof odd / sizeof *odd))]);
        return;
    }
    gen_operand(out);
    if (rn(6) == 0) {   /* surrounding white space or junk */
        char t[200];
        snprintf(t, sizeof t, "%s%s%s", rn(2) ? " " : "", out, rn(3) == 0 ? "x" : " ");
        strcpy(out, t);
    }
}

/* ---- cases --------------------------------------------------------------------------------- */

enum { K_IN, K_ADD, K_SUB, K_MUL, K_DIV, K_MOD, K_CMP, K_NEG, K_ABS, K_SIGN, K_ROUND,
       K_TRUNC, K_ROUND0, K_CEIL, K_FLOOR, K_TYPMOD, K_INT2, K_INT4, K_INT8, K_F8OUT, K_F8IN,
       K_AGG, K_AVGINT, K_INTM, K_F4OUT, K_F4IN, K_NKINDS };

typedef struct dcase {
    int kind;
    char a[200], b[200];
    int p, s;
    double d;
    int nagg;
    char agg[6][200];
    int64_t ints[6];
} dcase;

static void gen_case(dcase *c)
{
    memset(c, 0, sizeof *c);
    c->kind = rn(K_NKINDS);
    if (c->kind == K_IN || c->kind == K_INTM) {
        gen_input(c->a);
        if (c->kind == K_INTM || rn(5) == 0) {
            c->p = 1 + rn(12);
            c->s = rn(4) == 0 ? -rn(3) : rn(c->p + 3);
        }
        return;
    }
    gen_operand(c->a);
    gen_operand(c->b);
    if (c->kind == K_ROUND || c->kind == K_TRUNC)
        c->s = rn(20) == 0 ? rn(4201) - 2100 : rn(14) - 4;
    if (c->kind == K_TYPMOD) {
        c->p = 1 + rn(20);
        c->s = rn(5) == 0 ? -rn(4) : rn(c->p + 2);
    }
    if (c->kind == K_INT2 || c->kind == K_INT4 || c->kind == K_INT8) {
        if (rn(3) == 0) {   /* near the edges, with halves */
            const char *edge[] = {"32767.4", "32767.5", "-32768.5", "-32768.49",
                                  "2147483647.49", "2147483647.5", "-2147483648.5",
                                  "9223372036854775807.4", "9223372036854775807.5",
                                  "-9223372036854775808.5", "-9223372036854775808.49",
                                  "0.5", "-0.5", "2.5", "-2.5", "1.4999"};
            strcpy(c->a, edge[rn((int)(sizeof edge / sizeof *edge))]);
        }
    }
    if (c->kind == K_F4IN) {
        int r = rn(10);
        float f;
        if (r == 0) {
            float sp[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-45f, 3.4028235e38f, 0.1f,
                          2.5f, 16777217.0f, 1.17549435e-38f};
            f = sp[rn((int)(sizeof sp / sizeof *sp))];
        } else if (r < 5) {
            uint32_t bits = (uint32_t)rnd();
            memcpy(&f, &bits, 4);
            if (!isfinite(f))
                f = 1.0f / 3;
        } else {
            static const float p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
            f = (float)((int64_t)(rnd() % 2000001) - 1000000) / p10[rn(8)];
        }
        c->d = f;
    }
    if (c->kind == K_F8IN) {
        int r = rn(10);
        if (r == 0) {
            double sp[] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, 5e-324, 1.7976931348623157e308,
                           0.1, 2.5, 1e15, 123456789012345678.0};
            c->d = sp[rn((int)(sizeof sp / sizeof *sp))];
        } else if (r < 5) {
            uint64_t bits = rnd();
            memcpy(&c->d, &bits, 8);
            if (!isfinite(c->d))
                c->d = 1.0 / 3;
        } else {
            static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
            c->d = (double)((int64_t)(rnd() % 2000001) - 1000000) / p10[rn(8)];
        }
    }
    if (c->kind == K_AGG) {
        c->nagg = 1 + rn(6);
        for (int i = 0; i < c->nagg; i++) {
            gen_operand(c->agg[i]);
            if (rn(8) != 0 && (c->agg[i][0] == 'N' || strstr(c->agg[i], "Inf")))
                strcpy(c->agg[i], "1.5");   /* keep specials rarer in aggregates */
        }
    }
    if (c->kind == K_AVGINT) {
        c->nagg = 1 + rn(6);
        for (int i = 0; i < c->nagg; i++)
            c->ints[i] = (int64_t)(rnd() % 2000001) - 1000000;
    }
}

/* The PostgreSQL expression of a case (text result). */
static void pg_expr(const dcase *c, char *q, size_t cap)
{
    const char *ops[] = {[K_ADD] = "+", [K_SUB] = "-", [K_MUL] = "*", [K_DIV] = "/",
                         [K_MOD] = "%"};
    switch (c->kind) {
    case K_IN:
        if (c->p)
            snprintf(q, cap, "'%s'::numeric(%d,%d)", c->a, c->p, c->s);
        else
            snprintf(q, cap, "'%s'::numeric", c->a);
        break;
    case K_ADD: case K_SUB: case K_MUL: case K_DIV: case K_MOD:
        snprintf(q, cap, "'%s'::numeric %s '%s'::numeric", c->a, ops[c->kind], c->b);
        break;
    case K_CMP:
        snprintf(q, cap, "CASE WHEN '%s'::numeric < '%s'::numeric THEN -1 WHEN '%s'::numeric = "
                 "'%s'::numeric THEN 0 ELSE 1 END", c->a, c->b, c->a, c->b);
        break;
    case K_INTM:   /* numeric_in with a typmod, as COPY calls it */
        snprintf(q, cap, "numeric_in('%s'::cstring, 0, %d)", c->a,
                 ((c->p << 16) | (c->s & 0x7ff)) + 4);
        break;
    case K_NEG: snprintf(q, cap, "-('%s'::numeric)", c->a); break;
    case K_ABS: snprintf(q, cap, "abs('%s'::numeric)", c->a); break;
    case K_SIGN: snprintf(q, cap, "sign('%s'::numeric)", c->a); break;
    case K_ROUND: snprintf(q, cap, "round('%s'::numeric, %d)", c->a, c->s); break;
    case K_TRUNC: snprintf(q, cap, "trunc('%s'::numeric, %d)", c->a, c->s); break;
    case K_ROUND0: snprintf(q, cap, "round('%s'::numeric)", c->a); break;
    case K_CEIL: snprintf(q, cap, "ceil('%s'::numeric)", c->a); break;
    case K_FLOOR: snprintf(q, cap, "floor('%s'::numeric)", c->a); break;
    case K_TYPMOD: snprintf(q, cap, "'%s'::numeric::numeric(%d,%d)", c->a, c->p, c->s); break;
    case K_INT2: snprintf(q, cap, "'%s'::numeric::smallint", c->a); break;
    case K_INT4: snprintf(q, cap, "'%s'::numeric::integer", c->a); break;
    case K_INT8: snprintf(q, cap, "'%s'::numeric::bigint", c->a); break;
    case K_F8OUT: snprintf(q, cap, "float8send('%s'::numeric::float8)", c->a); break;
    case K_F4OUT: snprintf(q, cap, "float4send('%s'::numeric::real)", c->a); break;
    case K_F4IN:
        if (isfinite(c->d))
            snprintf(q, cap, "'%.9g'::real::numeric", c->d);
        else
            snprintf(q, cap, "'%s'::real::numeric", isnan(c->d) ? "NaN" : c->d > 0 ? "Infinity"
                     : "-Infinity");
        break;
    case K_F8IN:
        snprintf(q, cap, "'%s'::float8::numeric",
                 isnan(c->d) ? "NaN" : isinf(c->d) ? (c->d > 0 ? "Infinity" : "-Infinity") : "");
        if (isfinite(c->d))
            snprintf(q, cap, "'%.17g'::float8::numeric", c->d);
        break;
    case K_AGG: case K_AVGINT: {
        size_t n = (size_t)snprintf(q, cap, "(SELECT sum(x)::text || ' ' || avg(x)::text FROM "
                                    "(VALUES ");
        for (int i = 0; i < c->nagg; i++) {
            if (c->kind == K_AGG)
                n += (size_t)snprintf(q + n, cap - n, "%s('%s'::numeric)", i ? "," : "",
                                      c->agg[i]);
            else
                n += (size_t)snprintf(q + n, cap - n, "%s(%" PRId64 "::integer)", i ? "," : "",
                                      c->ints[i]);
        }
        snprintf(q + n, cap - n, ") v(x))");
        break;
    }
    }
}

/* ---- our side ------------------------------------------------------------------------------ */

static void show_err(const sql_error *e, char *out, size_t cap)
{
    const char *nl = strstr(e->msg, "\nDETAIL:  ");
    if (nl)
        snprintf(out, cap, "ERROR %s: %.*s | DETAIL: %s", e->state, (int)(nl - e->msg), e->msg,
                 nl + 10);
    else
        snprintf(out, cap, "ERROR %s: %s", e->state, e->msg);
}

static int parse(const char *s, arena *a, num *x, sql_error *e)
{
    return num_in(s, strlen(s), -1, 0, a, x, e);
}

static void our_result(const dcase *c, char *out, size_t cap)
{
    arena a;
    ar_init(&a);
    sql_error e;
    memset(&e, 0, sizeof e);
    num x, y, r;
    int rc = 0;
    char *txt = NULL;
    if (c->kind == K_INTM) {
        rc = num_in(c->a, strlen(c->a), c->p, c->s, &a, &r, &e);
        goto text;
    }
    if (c->kind == K_IN) {
        /* A literal cast: the input function without the typmod, then the typmod (as
         * PostgreSQL's parser coerces an unknown literal). */
        rc = parse(c->a, &a, &x, &e);
        if (rc == 0 && c->p)
            rc = num_apply_typmod(&x, c->p, c->s, &a, &r, &e);
        else
            r = x;
        goto text;
    }
    if (c->kind == K_F8IN) {
        rc = num_from_double(c->d, &a, &r, &e);
        goto text;
    }
    if (c->kind == K_F4IN) {
        rc = num_from_float((float)c->d, &a, &r, &e);
        goto text;
    }
    if (c->kind == K_AGG || c->kind == K_AVGINT) {
        num_agg g;
        num_agg_init(&g);
        for (int i = 0; i < c->nagg && rc == 0; i++) {
            if (c->kind == K_AGG) {
                rc = parse(c->agg[i], &a, &x, &e);
                if (rc == 0)
                    rc = num_agg_add(&g, &x, &e);
            } else {
                rc = num_agg_add_int64(&g, c->ints[i], &e);
            }
        }
        num s1, s2;
        char *t1, *t2;
        if (rc == 0)
            rc = num_agg_sum(&g, &a, &s1, &e);
        if (rc == 0)
            rc = num_agg_avg(&g, &a, &s2, &e);
        num_agg_free(&g);
        if (rc == 0)
            rc = num_out(&s1, &a, &t1, NULL, &e);
        if (rc == 0)
            rc = num_out(&s2, &a, &t2, NULL, &e);
        if (rc == 0)
            snprintf(out, cap, "%s %s", t1, t2);
        else
            show_err(&e, out, cap);
        ar_free(&a);
        return;
    }
    rc = parse(c->a, &a, &x, &e);
    if (rc == 0)
        rc = parse(c->b, &a, &y, &e);
    if (rc != 0) {
        show_err(&e, out, cap);
        ar_free(&a);
        return;
    }
    switch (c->kind) {
    case K_ADD: rc = num_add(&x, &y, &a, &r, &e); break;
    case K_SUB: rc = num_sub(&x, &y, &a, &r, &e); break;
    case K_MUL: rc = num_mul(&x, &y, &a, &r, &e); break;
    case K_DIV: rc = num_div(&x, &y, &a, &r, &e); break;
    case K_MOD: rc = num_mod(&x, &y, &a, &r, &e); break;
    case K_CMP:
        snprintf(out, cap, "%d", num_cmp(&x, &y));
        ar_free(&a);
        return;
    case K_NEG: num_neg(&x, &r); break;
    case K_ABS: num_abs(&x, &r); break;
    case K_SIGN: num_sign(&x, &r); break;
    case K_ROUND: rc = num_round(&x, c->s, &a, &r, &e); break;
    case K_TRUNC: rc = num_trunc(&x, c->s, &a, &r, &e); break;
    case K_ROUND0: rc = num_round(&x, 0, &a, &r, &e); break;
    case K_CEIL: rc = num_ceil(&x, &a, &r, &e); break;
    case K_FLOOR: rc = num_floor(&x, &a, &r, &e); break;
    case K_TYPMOD: rc = num_apply_typmod(&x, c->p, c->s, &a, &r, &e); break;
    case K_INT2: case K_INT4: case K_INT8: {
        int64_t v = 0;
        int16_t v2;
        int32_t v4;
        if (c->kind == K_INT2) {
            rc = num_to_int16(&x, &v2, &e);
            v = v2;
        } else if (c->kind == K_INT4) {
            rc = num_to_int32(&x, &v4, &e);
            v = v4;
        } else {
            rc = num_to_int64(&x, &v, &e);
        }
        if (rc == 0)
            snprintf(out, cap, "%" PRId64, v);
        else
            show_err(&e, out, cap);
        ar_free(&a);
        return;
    }
    case K_F4OUT: {
        float f;
        rc = num_to_float(&x, &f, &e);
        if (rc == 0) {
            uint32_t bits;
            memcpy(&bits, &f, 4);
            if (isnan(f))
                bits = 0x7fc00000U;   /* PostgreSQL's get_float4_nan() */
            snprintf(out, cap, "\\x%08" PRIx32, bits);
        } else {
            show_err(&e, out, cap);
        }
        ar_free(&a);
        return;
    }
    case K_F8OUT: {
        double d;
        rc = num_to_double(&x, &d, &e);
        if (rc == 0) {
            uint64_t bits;
            memcpy(&bits, &d, 8);
            if (isnan(d))
                bits = 0x7ff8000000000000ULL;   /* PostgreSQL's get_float8_nan() */
            snprintf(out, cap, "\\x%016" PRIx64, bits);
        } else {
            show_err(&e, out, cap);
        }
        ar_free(&a);
        return;
    }
    }
text:
    if (rc == 0)
        rc = num_out(&r, &a, &txt, NULL, &e);
    if (rc == 0)
        snprintf(out, cap, "%s", txt);
    else
        show_err(&e, out, cap);
    ar_free(&a);
}

/* ---- the reference ------------------------------------------------------------------------ */

static const char EV_FN[] =
    "CREATE FUNCTION ev(q text) RETURNS text LANGUAGE plpgsql AS $f$\n"
    "DECLARE r text; st text; m text; d text;\n"
    "BEGIN EXECUTE 'SELECT (' || q || ')::text' INTO r; RETURN coalesce(r, 'NULL');\n"
    "EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT,"
    " d = PG_EXCEPTION_DETAIL;\n"
    "RETURN 'ERROR ' || st || ': ' || m || CASE WHEN d <> '' THEN ' | DETAIL: ' || d ELSE '' END;"
    "\nEND $f$;\n";

Test(numeric_diff, against_postgresql_15)
{
    alarm(1800); /* a hung server or client fails the test (fixture.h: not .timeout) */
    uint64_t seed = 20261208;
    int ncases = 2500;
    if (getenv("NUM_DIFF_SEED"))
        seed = strtoull(getenv("NUM_DIFF_SEED"), NULL, 10);
    if (getenv("NUM_DIFF_CASES"))
        ncases = atoi(getenv("NUM_DIFF_CASES"));
    fprintf(stderr, "numeric_diff: seed %" PRIu64 ", %d cases (replay: NUM_DIFF_SEED=%" PRIu64
            " NUM_DIFF_CASES=%d)\n", seed, ncases, seed, ncases);
    rs = seed * 2 + 1;
    dcase *cases = calloc((size_t)ncases, sizeof *cases);
    cr_assert(cases);
    for (int i = 0; i < ncases; i++)
        gen_case(&cases[i]);

    const fx_pg *pg = fx_pg_start("numdiff");
    if (pg == NULL)
        cr_skip_test(FX_PG_SKIPPED);
    char *sql = NULL;
    size_t sqllen = 0;
    FILE *f = open_memstream(&sql, &sqllen);
    cr_assert_not_null(f);
    fputs(EV_FN, f);
    char q[4096];
    for (int i = 0; i < ncases; i++) {
        pg_expr(&cases[i], q, sizeof q);
        fprintf(f, "%sSELECT %d, ev($q$%s$q$)", i % 500 == 0 ? "" : " UNION ALL ", i, q);
        if (i % 500 == 499 || i == ncases - 1)
            fputs(";\n", f);
    }
    int prc;
    fclose(f);
    char *out = fx_pg_psql(pg, sql, &prc);
    free(sql);
    fx_pg_stop();
    cr_assert_eq(prc, 0, "psql failed (above)");
    char **want = calloc((size_t)ncases, sizeof *want);
    cr_assert(want);
    for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char *bar = strchr(line, '|');
        if (!bar)
            continue;
        int id = atoi(line);
        if (id >= 0 && id < ncases && !want[id])
            want[id] = strdup(bar + 1);
    }
    free(out);

    int bad = 0, shown = 0;
    static char got[1 << 20];
    for (int i = 0; i < ncases; i++) {
        our_result(&cases[i], got, sizeof got);
        if (getenv("NUM_DIFF_SHOW") && want[i])
            fprintf(stderr, "%d: %s => %s\n", i, want[i], got);
        /* Error messages are compared up to 300 bytes: acidb's messages are capped at
         * SQL_ERRMSG_MAX (one echoes a number of up to 147,455 digits). */
        int differs = !want[i] || (strncmp(want[i], "ERROR", 5) == 0 && strlen(want[i]) > 300
                                   ? strncmp(want[i], got, 300) != 0 : strcmp(want[i], got) != 0);
        if (differs) {
            bad++;
            if (shown++ < 25) {
                pg_expr(&cases[i], q, sizeof q);
                fprintf(stderr, "case %d: %s\n  postgres: %s\n  acidb:    %s\n", i, q,
                        want[i] ? want[i] : "(missing)", got);
            }
        }
        free(want[i]);
    }
    free(want);
    free(cases);
    fprintf(stderr, "numeric_diff: seed %" PRIu64 ": %d of %d cases differ\n", seed, bad, ncases);
    cr_assert_eq(bad, 0, "%d of %d cases differ from PostgreSQL (seed %" PRIu64 ", above)", bad,
                 ncases, seed);
}
