/*
 * expr_bytea.c — BYTEA's escape format and encode / decode (hex, base64, escape), as
 * PostgreSQL's encode.c and byteain write and read them.
 */
#include <string.h>
#include <strings.h>

#include "engine/acidb.h"
#include "engine/expr.h"
#include "engine/sqlstate.h"

int ex_bytea_unescape(const char *s, size_t n, uint8_t *out, size_t *outlen, int32_t pos,
                      sql_error *err)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            out[k++] = (uint8_t)s[i++];
        } else if (i + 1 < n && s[i + 1] == '\\') {
            out[k++] = '\\';
            i += 2;
        } else if (i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
                   s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
            out[k++] = (uint8_t)((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
            i += 4;
        } else {
            return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_TEXT_REPRESENTATION, pos,
                           "invalid input syntax for type bytea");
        }
    }
    *outlen = k;
    return 0;
}

enum { FMT_HEX, FMT_BASE64, FMT_ESCAPE };

static int format_of(const value *fmt, int32_t pos, sql_error *err, int *out)
{
    static const char *names[] = {"hex", "base64", "escape"};
    for (int i = 0; i < 3; i++)
        if (fmt->len == strlen(names[i]) && strncasecmp(fmt->u.s, names[i], fmt->len) == 0) {
            *out = i;
            return 0;
        }
    return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_PARAMETER_VALUE, pos,
                   "unrecognized encoding: \"%.*s\"", (int)fmt->len, fmt->u.s);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int ex_bytea_encode(const value *data, const value *fmt, arena *a, value *out, int32_t pos,
                    sql_error *err)
{
    int f, rc;
    if ((rc = format_of(fmt, pos, err, &f)) != 0)
        return rc;
    const uint8_t *s = (const uint8_t *)data->u.s;
    size_t n = data->len, k = 0;
    /* hex 2n; base64 4 per 3 plus a newline per 76; escape at most 4n */
    char *p = ar_alloc(a, 4 * n + n / 57 + 8);
    if (p == NULL)
        return sql_err_nomem(err, NULL);
    if (f == FMT_HEX) {
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
            p[k++] = hex[s[i] >> 4];
            p[k++] = hex[s[i] & 15];
        }
    } else if (f == FMT_BASE64) {
        /* pg_base64_encode: a newline after every 76 characters written */
        uint32_t buf = 0;
        int bpos = 2, line = 0;
        for (size_t i = 0; i < n; i++) {
            buf |= (uint32_t)s[i] << (bpos << 3);
            if (--bpos < 0) {
                p[k++] = b64[(buf >> 18) & 63];
                p[k++] = b64[(buf >> 12) & 63];
                p[k++] = b64[(buf >> 6) & 63];
                p[k++] = b64[buf & 63];
                bpos = 2;
                buf = 0;
                line += 4;
            }
            if (line >= 76) {
                p[k++] = '\n';
                line = 0;
            }
        }
        if (bpos != 2) {
            p[k++] = b64[(buf >> 18) & 63];
            p[k++] = b64[(buf >> 12) & 63];
            p[k++] = bpos == 0 ? b64[(buf >> 6) & 63] : '=';
            p[k++] = '=';
        }
    } else {
        /* esc_encode: NUL and bytes >= 0x80 as \ooo, backslash doubled */
        for (size_t i = 0; i < n; i++) {
            if (s[i] == 0 || s[i] >= 0x80) {
                p[k++] = '\\';
                p[k++] = (char)('0' + (s[i] >> 6));
                p[k++] = (char)('0' + ((s[i] >> 3) & 7));
                p[k++] = (char)('0' + (s[i] & 7));
            } else if (s[i] == '\\') {
                p[k++] = '\\';
                p[k++] = '\\';
            } else {
                p[k++] = (char)s[i];
            }
        }
    }
    p[k] = '\0';
    *out = val_text(p, (uint32_t)k);
    return 0;
}

static int b64_value(char c)
{
    const char *q = c ? strchr(b64, c) : NULL;
    return q ? (int)(q - b64) : -1;
}

/* pg_base64_decode: spaces skipped, '=' ends the data (only after 2 or 3 symbols of a group),
 * an incomplete last group is an error. */
static int base64_decode(const char *s, size_t n, uint8_t *out, size_t *outlen, int32_t pos,
                         sql_error *err)
{
    uint32_t buf = 0;
    int bpos = 0, end = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int b;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == '=') {
            if (!end) {
                if (bpos == 2)
                    end = 1;
                else if (bpos == 3)
                    end = 2;
                else
                    return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_PARAMETER_VALUE, pos,
                                   "unexpected \"=\" while decoding base64 sequence");
            }
            b = 0;
        } else if ((b = b64_value(c)) < 0) {
            size_t m = 1;
            while (i + m < n && ((unsigned char)s[i + m] & 0xC0) == 0x80)
                m++; /* the whole UTF-8 character, as pg_mblen */
            return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_PARAMETER_VALUE, pos,
                           "invalid symbol \"%.*s\" found while decoding base64 sequence",
                           (int)m, s + i);
        }
        buf = (buf << 6) + (uint32_t)b;
        if (++bpos == 4) {
            out[k++] = (uint8_t)(buf >> 16);
            if (end == 0 || end > 1)
                out[k++] = (uint8_t)(buf >> 8);
            if (end == 0 || end > 2)
                out[k++] = (uint8_t)buf;
            buf = 0;
            bpos = 0;
        }
    }
    if (bpos != 0)
        return sql_err(err, ACIDB_RANGE, ERRCODE_INVALID_PARAMETER_VALUE, pos,
                       "invalid base64 end sequence");
    *outlen = k;
    return 0;
}

int ex_bytea_decode(const value *text, const value *fmt, arena *a, value *out, int32_t pos,
                    sql_error *err)
{
    int f, rc;
    if ((rc = format_of(fmt, pos, err, &f)) != 0)
        return rc;
    uint8_t *p = ar_alloc(a, (size_t)text->len + 1);
    if (p == NULL)
        return sql_err_nomem(err, NULL);
    size_t k = 0;
    rc = f == FMT_HEX      ? ex_hex_decode(text->u.s, text->len, p, &k, pos, err)
       : f == FMT_BASE64   ? base64_decode(text->u.s, text->len, p, &k, pos, err)
                           : ex_bytea_unescape(text->u.s, text->len, p, &k, pos, err);
    if (rc != 0)
        return rc;
    *out = val_bytes(p, (uint32_t)k);
    return 0;
}
