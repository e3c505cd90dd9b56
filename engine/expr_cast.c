/*
 * expr_cast.c — conversions between the integer types, TEXT and BOOLEAN (ex_cast, expr.h), as
 * PostgreSQL's int2in / int4in / int8in, their output functions, boolin / boolout, the casts
 * between integer widths (int84, int82, ...: "integer out of range") and int <-> bool do.
 *
 * Divergences: PostgreSQL 16 also accepts underscores ('1_000') and 0x / 0o / 0b prefixes in
 * integer input; we accept only optional sign and decimal digits. PostgreSQL has no cast
 * between bigint and boolean (only int4); expr.h specifies one.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Float type t's input function (PostgreSQL's float8in / float4in): strtod / strtof with
 * surrounding spaces, so NaN, Infinity, inf and their signs in any case are accepted; a value
 * that over- or underflows to 0 or infinity is 22003, a denormal is kept. */
static int text_to_float(const value *v, int t, value *out, int32_t pos, sql_error *err)
{
    int real = t == TY_FLOAT4;
    char buf[128], *str = buf;
    if (v->len >= sizeof buf && (str = malloc((size_t)v->len + 1)) == NULL)
        return sql_err_nomem(err, NULL);
    memcpy(str, v->u.s, v->len);
    str[v->len] = '\0';
    const char *s = str;
    while (*s && is_space(*s))
        s++;
    char *end = NULL;
    errno = 0;
    double d = 0;
    float f = 0;
    if (real)
        f = strtof(s, &end);
    else
        d = strtod(s, &end);
    int range = errno == ERANGE &&
                (real ? f == 0 || isinf(f) : d == 0 || isinf(d));
    int bad = *s == '\0' || end == s;
    if (!bad) {
        while (*end && is_space(*end))
            end++;
        bad = *end != '\0' || (size_t)(end - str) != v->len;
    }
    int rc = 0;
    if (bad)
        rc = sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_TEXT_REPRESENTATION, pos,
                     "invalid input syntax for type %s: \"%.*s\"", ty_name(t), (int)v->len,
                     v->u.s);
    else if (range)
        rc = sql_err(err, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, pos,
                     "\"%.*s\" is out of range for type %s", (int)v->len, v->u.s, ty_name(t));
    else
        *out = real ? val_float4(f) : val_float(d);
    if (str != buf)
        free(str);
    return rc;
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int ex_hex_decode(const char *s, size_t n, uint8_t *out, size_t *outlen, int32_t pos,
                  sql_error *err)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
            i++;
            continue;
        }
        int hi = hex_value(s[i]);
        if (hi < 0)
            return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_PARAMETER_VALUE, pos,
                           "invalid hexadecimal digit: \"%.*s\"", 1, s + i);
        if (i + 1 >= n)
            return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_PARAMETER_VALUE, pos,
                           "invalid hexadecimal data: odd number of digits");
        int lo = hex_value(s[i + 1]);
        if (lo < 0)
            return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_PARAMETER_VALUE, pos,
                           "invalid hexadecimal digit: \"%.*s\"", 1, s + i + 1);
        out[k++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    *outlen = k;
    return 0;
}

/* PostgreSQL's byteain: "\x" then hex digit pairs (spaces between pairs allowed), or the
 * escape format: bytes as they are, "\\" for a backslash, "\ooo" (octal 000..377) for
 * any byte; any other backslash is 22P02. */
static int text_to_bytea(const value *v, arena *a, value *out, int32_t pos, sql_error *err)
{
    const char *s = v->u.s;
    size_t n = v->len, k = 0;
    uint8_t *p = ar_alloc(a, n + 1);
    if (p == NULL)
        return sql_err_nomem(err, NULL);
    if (n >= 2 && s[0] == '\\' && s[1] == 'x') {
        int rc = ex_hex_decode(s + 2, n - 2, p, &k, pos, err);
        if (rc != 0)
            return rc;
        *out = val_bytes(p, (uint32_t)k);
        return 0;
    }
    int rc = ex_bytea_unescape(s, n, p, &k, pos, err);
    if (rc != 0)
        return rc;
    *out = val_bytes(p, (uint32_t)k);
    return 0;
}

/* PostgreSQL's uuid_in (string_to_uuid): 32 hex digits, a hyphen allowed after any group of
 * four, the whole optionally in braces; nothing else (no spaces). */
static int text_to_uuid(const value *v, arena *a, value *out, int32_t pos, sql_error *err)
{
    const char *s = v->u.s, *end = s + v->len;
    uint8_t *u = ar_alloc(a, 16);
    if (u == NULL)
        return sql_err_nomem(err, NULL);
    int braces = s < end && *s == '{';
    s += braces;
    for (int i = 0; i < 16; i++) {
        int hi, lo;
        if (end - s < 2 || (hi = hex_value(s[0])) < 0 || (lo = hex_value(s[1])) < 0)
            goto bad;
        u[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
        if (s < end && *s == '-' && i % 2 == 1 && i < 15)
            s++;
    }
    if (braces) {
        if (s >= end || *s != '}')
            goto bad;
        s++;
    }
    if (s != end)
        goto bad;
    *out = val_uuid(u);
    return 0;
bad:
    return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_TEXT_REPRESENTATION, pos,
                   "invalid input syntax for type uuid: \"%.*s\"", (int)v->len, v->u.s);
}

static int float_range_err(sql_error *err, int32_t pos, int over)
{
    return sql_err(err, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, pos,
                   "value out of range: %s", over ? "overflow" : "underflow");
}

int ex_float_result(double r, int real, int a_inf, int zero_ok, value *out, int32_t pos,
                    sql_error *err)
{
    if (real) {
        float f = (float)r;
        if (isinf(f) && !a_inf)
            return float_range_err(err, pos, 1);
        if (f == 0 && !zero_ok)
            return float_range_err(err, pos, 0);
        *out = val_float4(f);
        return 0;
    }
    if (isinf(r) && !a_inf)
        return float_range_err(err, pos, 1);
    if (r == 0 && !zero_ok)
        return float_range_err(err, pos, 0);
    *out = val_float(r);
    return 0;
}

/* PostgreSQL's dtoi2 / dtoi4 / dtoi8: round half to even (rint), then the range check. */
static int float_to_int(double f, int t, value *out, int32_t pos, sql_error *err)
{
    f = rint(f);
    const ty_desc *d = ty_get(t);
    /* -(double)min is 2^15 / 2^31 / 2^63 exactly; max may not be representable. */
    if (isnan(f) || f < (double)d->min || f >= -(double)d->min)
        return sql_err(err, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, pos, "%s",
                       d->range_msg);
    *out = val_int((int64_t)f);
    return 0;
}

/* Casts to and from a module's type: from text through its input function, to text through its
 * output function, to itself as is; nothing else (42846). */
static int ext_cast(const value *v, int to, int vt, arena *a, value *out, int32_t pos,
                    sql_error *err)
{
    const ty_ops *ops = ty_vt_ops(vt);
    if (v->type == vt) {
        *out = *v;
        return 0;
    }
    if (ops != NULL && v->type == VT_TEXT)
        return ops->in(v->u.s, v->len, -1, a, out, pos, err);
    const ty_ops *from = ty_vt_ops(v->type);
    if (from != NULL && vt == VT_TEXT) {
        char small[64];
        size_t n = from->out(v, small, sizeof small);
        char *p = ar_alloc(a, n + 1);
        if (p == NULL)
            return sql_err_nomem(err, NULL);
        if (n < sizeof small)
            memcpy(p, small, n + 1);
        else
            from->out(v, p, n + 1);
        *out = val_text(p, (uint32_t)n);
        return 0;
    }
    return sql_err(err, ACIDB_ERROR, ERRCODE_CANNOT_COERCE, pos, "cannot cast type %s to %s",
                   val_type_name(v->type), ty_name(to));
}

int ex_cast(const value *v, int to, arena *a, value *out, int32_t pos, sql_error *err)
{
    int vt = ty_vt(to);
    if (v->type != VT_NULL && (ty_vt_ops(vt) != NULL || ty_vt_ops(v->type) != NULL))
        return ext_cast(v, to, vt, a, out, pos, err);
    if (v->type == VT_INT && vt == VT_INT && !ty_int_fits(to, v->u.i))
        return sql_err(err, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, pos, "%s",
                       ty_get(to)->range_msg);
    if (v->type == VT_FLOAT && vt == VT_FLOAT) {
        if (to == TY_FLOAT4 && v->len != 4) /* float8 -> float4: rounds, may over/underflow */
            return ex_float_result(v->u.f, 1, isinf(v->u.f), v->u.f == 0 || isnan(v->u.f), out,
                                   pos, err);
        *out = to == TY_FLOAT4 ? *v : val_float(v->u.f);
        return 0;
    }
    if (v->type == VT_NULL || v->type == vt) {
        *out = *v;
        return 0;
    }
    if ((v->type == VT_FLOAT && vt == VT_BOOL) || (v->type == VT_BOOL && vt == VT_FLOAT) ||
        (v->type == VT_BYTES && vt != VT_TEXT) || (vt == VT_BYTES && v->type != VT_TEXT) ||
        (v->type == VT_UUID && vt != VT_TEXT) || (vt == VT_UUID && v->type != VT_TEXT))
        return sql_err(err, ACIDB_ERROR, ERRCODE_CANNOT_COERCE, pos, "cannot cast type %s to %s",
                       val_type_name(v->type), ty_name(to));
    switch (vt) {
    case VT_INT:
        if (v->type == VT_BOOL) {
            *out = val_int(v->u.i != 0);
            return 0;
        }
        if (v->type == VT_FLOAT)
            return float_to_int(v->u.f, to, out, pos, err);
        return text_to_int(v, to, out, pos, err);
    case VT_FLOAT:
        if (v->type == VT_INT) {
            *out = to == TY_FLOAT4 ? val_float4((float)v->u.i) : val_float((double)v->u.i);
            return 0;
        }
        return text_to_float(v, to, out, pos, err);
    case VT_BYTES:
        return text_to_bytea(v, a, out, pos, err);
    case VT_UUID:
        return text_to_uuid(v, a, out, pos, err);
    case VT_BOOL:
        if (v->type == VT_INT) {
            *out = val_bool(v->u.i != 0);
            return 0;
        }
        return text_to_bool(v, out, pos, err);
    case VT_TEXT: {
        char buf[32];
        int n;
        if (v->type == VT_BOOL) {
            *out = v->u.i ? val_text("true", 4) : val_text("false", 5);
            return 0;
        }
        if (v->type == VT_UUID) {
            char *p = ar_alloc(a, 37);
            if (p == NULL)
                return sql_err_nomem(err, NULL);
            val_uuid_text((const uint8_t *)v->u.s, p);
            *out = val_text(p, 36);
            return 0;
        }
        if (v->type == VT_BYTES) {
            char *p = ar_alloc(a, 3 + 2 * (size_t)v->len);
            if (p == NULL)
                return sql_err_nomem(err, NULL);
            n = (int)val_bytea_hex((const uint8_t *)v->u.s, v->len, p);
            *out = val_text(p, (uint32_t)n);
            return 0;
        }
        if (v->type == VT_FLOAT)
            n = val_float_text(v->u.f, v->len == 4, buf);
        else
            n = snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
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
