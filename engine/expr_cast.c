/*
 * expr_cast.c — conversions between the integer types, TEXT and BOOLEAN (ex_cast, expr.h), as
 * PostgreSQL's int2in / int4in / int8in, their output functions, boolin / boolout, the casts
 * between integer widths (int84, int82, ...: "integer out of range") and int <-> bool do.
 *
 * Divergences: PostgreSQL 16 also accepts underscores ('1_000') and 0x / 0o / 0b prefixes in
 * integer input; we accept only optional sign and decimal digits. PostgreSQL has no cast
 * between bigint and boolean (only int4); expr.h specifies one.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/acidb.h"
#include "engine/expr.h"
#include "engine/sqlstate.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Integer type t's input function: PostgreSQL's wording names t ("invalid input syntax for
 * type integer", "value \"...\" is out of range for type smallint"). */
static int text_to_int(const value *v, int t, value *out, int32_t pos, sql_error *err)
{
    const char *s = v->u.s, *end = s + v->len;
    while (s < end && is_space(*s))
        s++;
    int neg = 0;
    if (s < end && (*s == '+' || *s == '-'))
        neg = *s++ == '-';
    const char *digits = s;
    uint64_t mag = 0;
    int overflow = 0;
    while (s < end && *s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s++ - '0');
        if (mag > (UINT64_MAX - d) / 10)
            overflow = 1;
        else
            mag = mag * 10 + d;
    }
    int ndigits = (int)(s - digits);
    while (s < end && is_space(*s))
        s++;
    if (ndigits == 0 || s != end)
        return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_TEXT_REPRESENTATION, pos,
                       "invalid input syntax for type %s: \"%.*s\"", ty_name(t), (int)v->len,
                       v->u.s);
    int64_t x = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    if (overflow || mag > (uint64_t)INT64_MAX + (uint64_t)neg || !ty_int_fits(t, x))
        return sql_err(err, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, pos,
                       "value \"%.*s\" is out of range for type %s", (int)v->len, v->u.s,
                       ty_name(t));
    *out = val_int(x);
    return 0;
}

/* PostgreSQL's parse_bool_with_len: any case, surrounding spaces, unique prefixes of true,
 * false, yes, no; "on"/"off" need two letters; "1" and "0" exactly. */
static int text_to_bool(const value *v, value *out, int32_t pos, sql_error *err)
{
    const char *s = v->u.s, *end = s + v->len;
    while (s < end && is_space(*s))
        s++;
    while (end > s && is_space(end[-1]))
        end--;
    size_t n = (size_t)(end - s);
    int r = -1;
    if (n == 1 && (s[0] == '1' || s[0] == '0')) {
        r = s[0] == '1';
    } else if (n > 0) {
        switch (s[0] | 0x20) {
        case 't': if (n <= 4 && strncasecmp(s, "true", n) == 0) r = 1; break;
        case 'f': if (n <= 5 && strncasecmp(s, "false", n) == 0) r = 0; break;
        case 'y': if (n <= 3 && strncasecmp(s, "yes", n) == 0) r = 1; break;
        case 'n': if (n <= 2 && strncasecmp(s, "no", n) == 0) r = 0; break;
        case 'o':
            if (n == 2 && strncasecmp(s, "on", 2) == 0)
                r = 1;
            else if (n >= 2 && n <= 3 && strncasecmp(s, "off", n) == 0)
                r = 0;
            break;
        default: break;
        }
    }
    if (r < 0)
        return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_TEXT_REPRESENTATION, pos,
                       "invalid input syntax for type boolean: \"%.*s\"", (int)v->len, v->u.s);
    *out = val_bool(r);
    return 0;
}

int ex_cast(const value *v, int to, arena *a, value *out, int32_t pos, sql_error *err)
{
    int vt = ty_vt(to);
    if (v->type == VT_INT && vt == VT_INT && !ty_int_fits(to, v->u.i))
        return sql_err(err, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, pos, "%s",
                       ty_get(to)->range_msg);
    if (v->type == VT_NULL || v->type == vt) {
        *out = *v;
        return 0;
    }
    switch (vt) {
    case VT_INT:
        if (v->type == VT_BOOL) {
            *out = val_int(v->u.i != 0);
            return 0;
        }
        return text_to_int(v, to, out, pos, err);
    case VT_BOOL:
        if (v->type == VT_INT) {
            *out = val_bool(v->u.i != 0);
            return 0;
        }
        return text_to_bool(v, out, pos, err);
    case VT_TEXT:
        if (v->type == VT_BOOL) {
            *out = v->u.i ? val_text("true", 4) : val_text("false", 5);
            return 0;
        } else {
            char buf[24];
            int n = snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
            char *p = ar_strndup(a, buf, (size_t)n);
            if (p == NULL)
                return sql_err_nomem(err, NULL);
            *out = val_text(p, (uint32_t)n);
            return 0;
        }
    default:
        return sql_err(err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, pos, "cannot cast type %s to %s",
                       val_type_name(v->type), ty_name(to));
    }
}
