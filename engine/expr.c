/*
 * expr.c — evaluation of checked expressions (ex_eval, expr.h), with LIKE and the scalar
 * functions. Type checking is expr_check.c, conversions expr_cast.c, aggregates expr_agg.c.
 *
 * Three-valued logic: a NULL input makes an operator's result NULL, except AND (FALSE wins),
 * OR (TRUE wins), IS [NOT] NULL / TRUE / FALSE (never NULL), COALESCE, CASE and IN (TRUE if
 * any element is equal, else NULL if any was NULL). AND and OR do not evaluate their right
 * side once the left decides (PostgreSQL does not promise an order; neither do we).
 *
 * Runtime errors carry no position (PostgreSQL reports none for them either). The evaluator
 * re-checks operand types, so an unchecked or inconsistent tree is an error, never a crash.
 *
 * Case mapping (ILIKE, lower, upper) is ASCII only: other characters are left as they are
 * (PostgreSQL maps them by the database's locale).
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/random.h>

#include "engine/acidb.h"
#include "engine/expr.h"
#include "engine/sqlstate.h"

static int eval(const sql_expr *e, ex_ctx *c, value *out);

/* The integer type of an integer-valued expression (expr_check.c set it; bigint when not). */
static int int_ty(const sql_expr *e)
{
    return e->tid != TY_NONE ? e->tid : TY_INT8;
}

/* 22003 with the message of integer type t ("integer out of range"). */
static int range_err(ex_ctx *c, int t)
{
    return sql_err(c->err, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1, "%s",
                   ty_get(t)->range_msg);
}

/* An integer result of type t: 22003 unless it fits. */
static int int_result(ex_ctx *c, int t, int64_t x, value *out)
{
    if (!ty_int_fits(t, x))
        return range_err(c, t);
    *out = val_int(x);
    return 0;
}

static int oom(ex_ctx *c)
{
    return sql_err_nomem(c->err, NULL);
}

static int type_err(ex_ctx *c, const sql_expr *e, const char *what, const value *v)
{
    return sql_err(c->err, ACIDB_ERROR, ERRCODE_DATATYPE_MISMATCH, e->pos,
                   "%s cannot take a value of type %s",
                   what, val_type_name(v->type));
}

/* Three-valued truth of a value: 1 TRUE, 0 FALSE, -1 NULL. */
static int truth(const value *v) { return v->type == VT_NULL ? -1 : v->u.i != 0; }

static value from_truth(int t) { return t < 0 ? val_null() : val_bool(t); }

static int need_bool_val(ex_ctx *c, const sql_expr *e, const value *v, const char *what)
{
    if (v->type != VT_NULL && v->type != VT_BOOL)
        return type_err(c, e, what, v);
    return 0;
}

/* A CHAR(n) value as text: without its trailing blanks (PostgreSQL's bpchar comparisons,
 * length, and casts to text and varchar ignore them). */
static void bpchar_trim(const sql_expr *e, value *v)
{
    if (e->tid == TY_BPCHAR && v->type == VT_TEXT)
        while (v->len > 0 && v->u.s[v->len - 1] == ' ')
            v->len--;
}

/* ---- arithmetic ---------------------------------------------------------------------------- */

static int num_type(int vt) { return vt == VT_INT || vt == VT_FLOAT; }

static double as_double(const value *v) { return v->type == VT_INT ? (double)v->u.i : v->u.f; }

/* l op r in float8, or in float4 when e is real (both operands are then reals), with
 * PostgreSQL's checks: 22003 "value out of range: overflow" / "underflow", 22012 for a
 * division by zero (NaN / 0 is NaN). An integer operand is converted first (float8). */
static int float_arith(ex_ctx *c, const sql_expr *e, const value *l, const value *r, value *out)
{
    double a = as_double(l), b = as_double(r), x;
    int real = ex_tid(e) == TY_FLOAT4, a_inf = isinf(a) || isinf(b), zero_ok = 1;
    switch (e->op) {
    case OP_ADD: x = real ? (double)((float)a + (float)b) : a + b; break;
    case OP_SUB: x = real ? (double)((float)a - (float)b) : a - b; break;
    case OP_MUL:
        x = real ? (double)((float)a * (float)b) : a * b;
        zero_ok = a == 0 || b == 0;
        break;
    case OP_DIV:
        if (b == 0 && !isnan(a))
            return sql_err(c->err, ACIDB_RANGE, ERRCODE_DIVISION_BY_ZERO, -1, "division by zero");
        x = real ? (double)((float)a / (float)b) : a / b;
        a_inf = isinf(a);
        zero_ok = a == 0 || isinf(b);
        break;
    default:
        return sql_err(c->err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, -1,
                       "unknown float operator %d", e->op);
    }
    return ex_float_result(x, real, a_inf, zero_ok, out, -1, c->err);
}

/* a op b in 64 bits (22003 with bigint's message on overflow, 22012 on division by zero); the
 * caller checks a narrower result type's range. Operands of a narrower type are in its range,
 * so their results never overflow 64 bits. */
static int arith(ex_ctx *c, int op, int64_t a, int64_t b, int64_t *r)
{
    switch (op) {
    case OP_ADD:
        if (__builtin_add_overflow(a, b, r))
            return range_err(c, TY_INT8);
        return 0;
    case OP_SUB:
        if (__builtin_sub_overflow(a, b, r))
            return range_err(c, TY_INT8);
        return 0;
    case OP_MUL:
        if (__builtin_mul_overflow(a, b, r))
            return range_err(c, TY_INT8);
        return 0;
    case OP_DIV:
        if (b == 0)
            return sql_err(c->err, ACIDB_RANGE, ERRCODE_DIVISION_BY_ZERO, -1, "division by zero");
        if (a == INT64_MIN && b == -1)
            return range_err(c, TY_INT8);
        *r = a / b;
        return 0;
    case OP_MOD:
        if (b == 0)
            return sql_err(c->err, ACIDB_RANGE, ERRCODE_DIVISION_BY_ZERO, -1, "division by zero");
        /* PostgreSQL's int8mod: INT64_MIN % -1 is 0, not an overflow. */
        *r = b == -1 ? 0 : a % b;
        return 0;
    default:
        return sql_err(c->err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, -1,
                       "unknown arithmetic operator %d", op);
    }
}

/* ---- text helpers --------------------------------------------------------------------------- */

/* Bytes of the UTF-8 character starting with byte b (1 for a stray byte, so we always move). */
static size_t u8len(unsigned char b)
{
    return b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

static size_t u8next(const char *s, size_t i, size_t n)
{
    size_t k = u8len((unsigned char)s[i]);
    return i + k > n ? n : i + k;
}

static char fold(char ch, int ci)
{
    return ci && ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
}

static int to_text(ex_ctx *c, const value *v, value *out)
{
    return ex_cast(v, VT_TEXT, c->tmp, out, -1, c->err);
}

/* ---- LIKE ----------------------------------------------------------------------------------- */

/* Whether the pattern ends in an escape character that escapes nothing. Checked before
 * matching, so the error does not depend on the text (PostgreSQL reports it only when the
 * matcher gets that far, and returns false for 'abc' LIKE 'x\'). */
static int like_bad_end(const char *p, size_t pn, const char *esc, size_t esclen)
{
    for (size_t k = 0; esclen > 0 && k < pn;) {
        if (pn - k >= esclen && memcmp(p + k, esc, esclen) == 0) {
            if (k + esclen >= pn)
                return 1;
            k += esclen;
        }
        k = u8next(p, k, pn);
    }
    return 0;
}

/* Matches text s against pattern p: % any run, _ one character, esc (if esclen > 0) makes the
 * next pattern character literal. The classic single-backtrack-point algorithm: on a mismatch,
 * retry from the last % one character further in the text. O(|s| * |p|), no recursion.
 * The pattern must have passed like_bad_end. Returns 1 match, 0 no match. */
static int like_match(const char *s, size_t sn, const char *p, size_t pn, const char *esc,
                      size_t esclen, int ci)
{
    size_t si = 0, pi = 0;
    size_t star_p = (size_t)-1, star_s = 0;
    for (;;) {
        if (pi < pn) {
            size_t clen;
            int literal = 0;
            if (esclen > 0 && pn - pi >= esclen && memcmp(p + pi, esc, esclen) == 0) {
                pi += esclen;
                literal = 1;
            }
            if (!literal && p[pi] == '%') {
                star_p = ++pi;
                star_s = si;
                continue;
            }
            if (!literal && p[pi] == '_') {
                if (si < sn) {
                    si = u8next(s, si, sn);
                    pi++;
                    continue;
                }
            } else {
                clen = u8len((unsigned char)p[pi]);
                if (clen > pn - pi)
                    clen = pn - pi;
                int ok = sn - si >= clen;
                for (size_t k = 0; ok && k < clen; k++)
                    ok = fold(s[si + k], ci) == fold(p[pi + k], ci);
                if (ok) {
                    si += clen;
                    pi += clen;
                    continue;
                }
            }
        } else if (si == sn) {
            return 1;
        }
        /* mismatch: back to the last %, one character further */
        if (star_p == (size_t)-1 || star_s >= sn)
            return 0;
        star_s = u8next(s, star_s, sn);
        si = star_s;
        pi = star_p;
    }
}

static int eval_like(const sql_expr *e, ex_ctx *c, value *out)
{
    value l, r, esc = val_text("\\", 1);
    int rc;
    if ((rc = eval(e->l, c, &l)) != 0 || (rc = eval(e->r, c, &r)) != 0)
        return rc;
    if (e->nargs > 0 && (rc = eval(e->args[0], c, &esc)) != 0)
        return rc;
    if (l.type == VT_NULL || r.type == VT_NULL || esc.type == VT_NULL) {
        *out = val_null();
        return 0;
    }
    if (l.type != VT_TEXT)
        return type_err(c, e, "LIKE", &l);
    if (r.type != VT_TEXT)
        return type_err(c, e, "LIKE", &r);
    if (esc.type != VT_TEXT)
        return type_err(c, e, "ESCAPE", &esc);
    if (esc.len > 0 && u8len((unsigned char)esc.u.s[0]) != esc.len)
        return sql_err(c->err, ACIDB_RANGE, ERRCODE_INVALID_ESCAPE_SEQUENCE, -1,
                       "invalid escape string");
    if (like_bad_end(r.u.s, r.len, esc.u.s, esc.len))
        return sql_err(c->err, ACIDB_RANGE, ERRCODE_INVALID_ESCAPE_SEQUENCE, -1,
                       "LIKE pattern must not end with escape character");
    int m = like_match(l.u.s, l.len, r.u.s, r.len, esc.u.s, esc.len, e->ilike);
    *out = val_bool(m != e->negate);
    return 0;
}

/* ---- the rest ------------------------------------------------------------------------------- */

static int eval_binary(const sql_expr *e, ex_ctx *c, value *out)
{
    value l, r;
    int rc;
    if ((rc = eval(e->l, c, &l)) != 0)
        return rc;
    if (e->op == OP_AND || e->op == OP_OR) {
        const char *what = e->op == OP_AND ? "AND" : "OR";
        if ((rc = need_bool_val(c, e, &l, what)) != 0)
            return rc;
        int decisive = e->op == OP_OR; /* FALSE decides AND, TRUE decides OR */
        if (truth(&l) == decisive) {
            *out = val_bool(decisive);
            return 0;
        }
        if ((rc = eval(e->r, c, &r)) != 0 || (rc = need_bool_val(c, e, &r, what)) != 0)
            return rc;
        int tl = truth(&l), tr = truth(&r);
        if (tr == decisive)
            *out = val_bool(decisive);
        else
            *out = tl < 0 || tr < 0 ? val_null() : val_bool(!decisive);
        return 0;
    }
    if ((rc = eval(e->r, c, &r)) != 0)
        return rc;
    if (l.type == VT_NULL || r.type == VT_NULL) {
        *out = val_null();
        return 0;
    }
    switch (e->op) {
    case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
        bpchar_trim(e->l, &l);
        bpchar_trim(e->r, &r);
        if (l.type != r.type && !(num_type(l.type) && num_type(r.type)))
            return sql_err(c->err, ACIDB_ERROR, ERRCODE_UNDEFINED_FUNCTION, e->pos,
                           "operator does not exist: %s %s %s", val_type_name(l.type),
                           "=", val_type_name(r.type));
        int k = val_cmp(&l, &r);
        int t = e->op == OP_EQ ? k == 0 : e->op == OP_NE ? k != 0 : e->op == OP_LT ? k < 0
              : e->op == OP_LE ? k <= 0 : e->op == OP_GT ? k > 0 : k >= 0;
        *out = val_bool(t);
        return 0;
    }
    case OP_CONCAT: {
        bpchar_trim(e->l, &l);
        bpchar_trim(e->r, &r);
        value a = l, b = r;
        if (e->type != VT_BYTES &&
            ((rc = to_text(c, &l, &a)) != 0 || (rc = to_text(c, &r, &b)) != 0))
            return rc;
        size_t n = (size_t)a.len + b.len;
        if (n > UINT32_MAX - 1)
            return sql_err(c->err, ACIDB_TOOBIG, ERRCODE_PROGRAM_LIMIT_EXCEEDED, -1,
                           "string too long");
        char *p = ar_alloc(c->tmp, n + 1);
        if (p == NULL)
            return oom(c);
        memcpy(p, a.u.s, a.len);
        memcpy(p + a.len, b.u.s, b.len);
        p[n] = '\0';
        *out = e->type == VT_BYTES ? val_bytes(p, (uint32_t)n) : val_text(p, (uint32_t)n);
        return 0;
    }
    default: {
        if (e->type == VT_FLOAT && num_type(l.type) && num_type(r.type))
            return float_arith(c, e, &l, &r, out);
        if (l.type != VT_INT)
            return type_err(c, e, "arithmetic", &l);
        if (r.type != VT_INT)
            return type_err(c, e, "arithmetic", &r);
        int64_t x = 0;
        if ((rc = arith(c, e->op, l.u.i, r.u.i, &x)) != 0)
            return rc;
        return int_result(c, int_ty(e), x, out);
    }
    }
}

static int eval_unary(const sql_expr *e, ex_ctx *c, value *out)
{
    value v;
    int rc = eval(e->l, c, &v);
    if (rc != 0)
        return rc;
    if (v.type == VT_NULL) {
        *out = v;
        return 0;
    }
    if (e->op == OP_NOT) {
        if ((rc = need_bool_val(c, e, &v, "NOT")) != 0)
            return rc;
        *out = val_bool(!v.u.i);
        return 0;
    }
    if (v.type == VT_FLOAT) {
        if (e->op == OP_NEG)
            v.u.f = -v.u.f;
        *out = v;
        return 0;
    }
    if (v.type != VT_INT)
        return type_err(c, e, "unary minus", &v);
    if (e->op == OP_NEG) {
        if (v.u.i == INT64_MIN)
            return range_err(c, TY_INT8);
        return int_result(c, int_ty(e), -v.u.i, out);
    }
    *out = v;
    return 0;
}

/* x BETWEEN a AND b is x >= a AND x <= b, in three-valued logic. */
static int eval_between(const sql_expr *e, ex_ctx *c, value *out)
{
    value x, a, b;
    int rc;
    if ((rc = eval(e->l, c, &x)) != 0 || (rc = eval(e->args[0], c, &a)) != 0 ||
        (rc = eval(e->args[1], c, &b)) != 0)
        return rc;
    bpchar_trim(e->l, &x);
    bpchar_trim(e->args[0], &a);
    bpchar_trim(e->args[1], &b);
    int t1 = x.type == VT_NULL || a.type == VT_NULL ? -1 : val_cmp(&x, &a) >= 0;
    int t2 = x.type == VT_NULL || b.type == VT_NULL ? -1 : val_cmp(&x, &b) <= 0;
    int t = t1 == 0 || t2 == 0 ? 0 : t1 < 0 || t2 < 0 ? -1 : 1;
    if (e->negate && t >= 0)
        t = !t;
    *out = from_truth(t);
    return 0;
}

static int eval_in(const sql_expr *e, ex_ctx *c, value *out)
{
    value x, y;
    int rc;
    if ((rc = eval(e->l, c, &x)) != 0)
        return rc;
    bpchar_trim(e->l, &x);
    int t = 0;
    if (x.type == VT_NULL) {
        t = -1;
    } else {
        for (int i = 0; i < e->nargs && t != 1; i++) {
            if ((rc = eval(e->args[i], c, &y)) != 0)
                return rc;
            bpchar_trim(e->args[i], &y);
            if (y.type == VT_NULL)
                t = -1;
            else if (val_cmp(&x, &y) == 0)
                t = 1;
        }
    }
    if (e->negate && t >= 0)
        t = !t;
    *out = from_truth(t);
    return 0;
}

static int eval_case(const sql_expr *e, ex_ctx *c, value *out)
{
    value x = val_null(), w;
    int rc;
    if (e->l && (rc = eval(e->l, c, &x)) != 0)
        return rc;
    if (e->l)
        bpchar_trim(e->l, &x);
    for (int i = 0; i + 1 < e->nargs; i += 2) {
        if ((rc = eval(e->args[i], c, &w)) != 0)
            return rc;
        if (e->l)
            bpchar_trim(e->args[i], &w);
        int hit = e->l ? x.type != VT_NULL && w.type != VT_NULL && val_cmp(&x, &w) == 0
                       : ex_true(&w);
        if (hit)
            return eval(e->args[i + 1], c, out);
    }
    if (e->r)
        return eval(e->r, c, out);
    *out = val_null();
    return 0;
}

static int eval_text_fn(const sql_expr *e, ex_ctx *c, const value *v, value *out)
{
    if (v->type == VT_BYTES || strcmp(e->name, "octet_length") == 0) {
        *out = val_int(v->len); /* length(bytea), octet_length: bytes */
        return 0;
    }
    if (v->type != VT_TEXT)
        return type_err(c, e, e->name, v);
    const char *n = e->name;
    if (n[0] == 'l' && n[1] == 'o') { /* lower */
        char *p = ar_strndup(c->tmp, v->u.s, v->len);
        if (p == NULL)
            return oom(c);
        for (uint32_t i = 0; i < v->len; i++)
            if (p[i] >= 'A' && p[i] <= 'Z')
                p[i] = (char)(p[i] + 32);
        *out = val_text(p, v->len);
        return 0;
    }
    if (n[0] == 'u') { /* upper */
        char *p = ar_strndup(c->tmp, v->u.s, v->len);
        if (p == NULL)
            return oom(c);
        for (uint32_t i = 0; i < v->len; i++)
            if (p[i] >= 'a' && p[i] <= 'z')
                p[i] = (char)(p[i] - 32);
        *out = val_text(p, v->len);
        return 0;
    }
    /* length / char_length / character_length: characters, i.e. non-continuation bytes */
    int64_t chars = 0;
    for (uint32_t i = 0; i < v->len; i++)
        chars += ((unsigned char)v->u.s[i] & 0xC0) != 0x80;
    *out = val_int(chars);
    return 0;
}

/* A version 4 UUID from the kernel's random source (getrandom(2)), as PostgreSQL 13+'s
 * gen_random_uuid: RFC 4122 version and variant bits set. */
static int gen_random_uuid(ex_ctx *c, value *out)
{
    uint8_t *u = ar_alloc(c->tmp, 16);
    if (u == NULL)
        return oom(c);
    size_t got = 0;
    while (got < 16) {
        ssize_t r = getrandom(u + got, 16 - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return sql_err(c->err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, -1,
                           "could not generate random values: %s", strerror(errno));
        got += (size_t)r;
    }
    u[6] = (uint8_t)((u[6] & 0x0F) | 0x40); /* version 4 */
    u[8] = (uint8_t)((u[8] & 0x3F) | 0x80); /* variant RFC 4122 */
    *out = val_uuid(u);
    return 0;
}

static int eval_func(const sql_expr *e, ex_ctx *c, value *out)
{
    int rc;
    if (e->agg != AGG_NONE) {
        if (c->aggs == NULL || e->slot < 0)
            return sql_err(c->err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, e->pos,
                           "aggregate %s evaluated outside a group", e->name ? e->name : "");
        *out = c->aggs[e->slot];
        return 0;
    }
    const char *n = e->name ? e->name : "";
    if (strcmp(n, "coalesce") == 0) {
        for (int i = 0; i < e->nargs; i++) {
            if ((rc = eval(e->args[i], c, out)) != 0)
                return rc;
            if (out->type != VT_NULL)
                return 0;
        }
        *out = val_null();
        return 0;
    }
    if (strcmp(n, "greatest") == 0 || strcmp(n, "least") == 0) {
        int sign = n[0] == 'g' ? 1 : -1;
        value best = val_null(), v;
        for (int i = 0; i < e->nargs; i++) {
            if ((rc = eval(e->args[i], c, &v)) != 0)
                return rc;
            if (v.type != VT_NULL && (best.type == VT_NULL || sign * val_cmp(&v, &best) > 0))
                best = v;
        }
        *out = best;
        return 0;
    }
    value a, b;
    if (strcmp(n, "gen_random_uuid") == 0 && e->nargs == 0)
        return gen_random_uuid(c, out);
    if (e->nargs < 1)
        goto unknown;
    if ((rc = eval(e->args[0], c, &a)) != 0)
        return rc;
    if ((strcmp(n, "encode") == 0 || strcmp(n, "decode") == 0) && e->nargs == 2) {
        if ((rc = eval(e->args[1], c, &b)) != 0)
            return rc;
        if (a.type == VT_NULL || b.type == VT_NULL) {
            *out = val_null();
            return 0;
        }
        return n[0] == 'e' ? ex_bytea_encode(&a, &b, c->tmp, out, e->pos, c->err)
                           : ex_bytea_decode(&a, &b, c->tmp, out, e->pos, c->err);
    }
    if (strcmp(n, "nullif") == 0 && e->nargs == 2) {
        if ((rc = eval(e->args[1], c, &b)) != 0)
            return rc;
        int eq = a.type != VT_NULL && b.type != VT_NULL && val_cmp(&a, &b) == 0;
        *out = eq ? val_null() : a;
        return 0;
    }
    if (e->nargs != 1)
        goto unknown;
    if (a.type == VT_NULL) {
        *out = a;
        return 0;
    }
    if (strcmp(n, "abs") == 0 && a.type == VT_FLOAT) {
        a.u.f = fabs(a.u.f);
        *out = a;
        return 0;
    }
    if (strcmp(n, "abs") == 0) {
        if (a.type != VT_INT)
            return type_err(c, e, "abs", &a);
        if (a.u.i == INT64_MIN)
            return range_err(c, TY_INT8);
        return int_result(c, int_ty(e), a.u.i < 0 ? -a.u.i : a.u.i, out);
    }
    if (n[0] == 'l' || n[0] == 'c') /* length, char_length: a CHAR's trailing blanks ignored */
        bpchar_trim(e->args[0], &a);
    if (strcmp(n, "lower") == 0 || strcmp(n, "upper") == 0 || strcmp(n, "length") == 0 ||
        strcmp(n, "char_length") == 0 || strcmp(n, "character_length") == 0 ||
        strcmp(n, "octet_length") == 0)
        return eval_text_fn(e, c, &a, out);
unknown:
    return sql_err(c->err, ACIDB_ERROR, ERRCODE_UNDEFINED_FUNCTION, e->pos,
                   "function %s does not exist", n);
}

static int eval_param(const sql_expr *e, ex_ctx *c, value *out)
{
    if (e->param < 1 || e->param > c->nparams || c->params == NULL) {
        *out = val_null();
        return 0;
    }
    const value *v = &c->params[e->param - 1];
    /* A parameter typed by its context converts what was bound (text in PostgreSQL's input
     * syntax, or another type by CAST's rules); an untyped one passes the value through. */
    if (e->type != VT_NULL && v->type != VT_NULL &&
        (v->type != e->type || ex_tid(e) != e->type))
        return ex_cast(v, ex_tid(e), c->tmp, out, -1, c->err);
    *out = *v;
    return 0;
}

/* A float-typed expression's value in its type: an integer branch of CASE / COALESCE (or an
 * integer parameter) converted, and a real marked as one (or a double as not), so that its
 * output has the expression's precision. */
static void conform_float(const sql_expr *e, value *v)
{
    int real = ex_tid(e) == TY_FLOAT4;
    if (v->type == VT_INT)
        *v = real ? val_float4((float)v->u.i) : val_float((double)v->u.i);
    else if (v->type == VT_FLOAT)
        v->len = real ? 4 : 0;
}

static int eval_node(const sql_expr *e, ex_ctx *c, value *out);


/* A cast's length: to VARCHAR(n) / CHAR(n) an explicit cast cuts at n characters (no error),
 * CHAR(n) pads to n; from CHAR to another string type the trailing blanks go. */
static int cast_length(const sql_expr *e, ex_ctx *c, value *v)
{
    const ty_ops *ops = ty_vt_ops(v->type);
    if (ops != NULL && ops->apply_typmod != NULL && e->typmod != -1 &&
        ty_vt(e->cast_type) == v->type && ty_get(e->cast_type)->typmod != TYPMOD_NONE)
        return ops->apply_typmod(v, e->typmod, c->tmp, c->err);
    if (v->type != VT_TEXT)
        return 0;
    if (e->cast_type != TY_BPCHAR && ty_is_string(e->cast_type))
        bpchar_trim(e->l, v);
    if ((e->cast_type != TY_VARCHAR && e->cast_type != TY_BPCHAR) || e->typmod <= 0)
        return 0;
    uint32_t i = 0, chars = 0;
    while (i < v->len && chars < (uint32_t)e->typmod) {
        i++;
        while (i < v->len && ((unsigned char)v->u.s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    v->len = i;
    if (e->cast_type == TY_BPCHAR && chars < (uint32_t)e->typmod) {
        size_t len = v->len + (size_t)((uint32_t)e->typmod - chars);
        char *p = ar_alloc(c->tmp, len + 1);
        if (p == NULL)
            return oom(c);
        memcpy(p, v->u.s, v->len);
        memset(p + v->len, ' ', len - v->len);
        p[len] = '\0';
        *v = val_text(p, (uint32_t)len);
    }
    return 0;
}

static int eval(const sql_expr *e, ex_ctx *c, value *out)
{
    int rc = eval_node(e, c, out);
    if (rc == 0 && e->type == VT_FLOAT)
        conform_float(e, out);
    return rc;
}

static int eval_node(const sql_expr *e, ex_ctx *c, value *out)
{
    int rc;
    switch (e->kind) {
    case EX_CONST:
        *out = e->v;
        return 0;
    case EX_PARAM:
        return eval_param(e, c, out);
    case EX_COLUMN:
        if (c->rows == NULL || c->rows[e->src] == NULL)
            return sql_err(c->err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, e->pos,
                           "column %s has no row",
                           e->name ? e->name : "?");
        *out = c->rows[e->src][e->col];
        return 0;
    case EX_UNARY:
        return eval_unary(e, c, out);
    case EX_BINARY:
        return eval_binary(e, c, out);
    case EX_IS_NULL: {
        value v;
        if ((rc = eval(e->l, c, &v)) != 0)
            return rc;
        *out = val_bool((v.type == VT_NULL) != e->negate);
        return 0;
    }
    case EX_IS_BOOL: {
        value v;
        if ((rc = eval(e->l, c, &v)) != 0 || (rc = need_bool_val(c, e, &v, "IS TRUE")) != 0)
            return rc;
        int is = v.type == VT_BOOL && (v.u.i != 0) == (e->v.u.i != 0);
        *out = val_bool(is != e->negate);
        return 0;
    }
    case EX_BETWEEN:
        return eval_between(e, c, out);
    case EX_IN:
        return eval_in(e, c, out);
    case EX_LIKE:
        return eval_like(e, c, out);
    case EX_CASE:
        return eval_case(e, c, out);
    case EX_FUNC:
        return eval_func(e, c, out);
    case EX_CAST: {
        value v;
        if ((rc = eval(e->l, c, &v)) != 0 ||
            (rc = ex_cast(&v, e->cast_type, c->tmp, out, -1, c->err)) != 0)
            return rc;
        return cast_length(e, c, out);
    }
    default:
        return sql_err(c->err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, e->pos,
                       "unknown expression kind %d",
                       e->kind);
    }
}

int ex_eval(const sql_expr *e, ex_ctx *c, value *out) { return eval(e, c, out); }
