/*
 * lex.c — the SQL tokenizer (see lex.h for the rules).
 *
 * Design: a hand-written scanner over the byte string, one token per call, no allocation. The
 * parser validates UTF-8 once per statement with lx_skim (which also finds the statement's end
 * for the shell's sql_incomplete), so the scanner itself can treat every byte >= 0x80 as an
 * identifier character, exactly as PostgreSQL's scanner does.
 *
 * Keywords: a binary search over the sorted LX_KEYWORDS table (~130 entries, 7-8 probes),
 * after an ASCII lower-casing into a small buffer; words longer than the longest keyword
 * skip the search entirely.
 */
#include "engine/lex.h"

#include <stdio.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/sqlstate.h"

/* ---- keywords ----------------------------------------------------------------------------- */

typedef struct kw_entry {
    const char *name;
    uint8_t len;
    uint8_t cat;
} kw_entry;

#define LX_KW_ENTRY(id, str, c) {str, sizeof(str) - 1, KWC_##c},
static const kw_entry kw_table[] = {LX_KEYWORDS(LX_KW_ENTRY)};
#undef LX_KW_ENTRY
#define KW_N ((int)(sizeof kw_table / sizeof kw_table[0]))
#define KW_MAXLEN 17 /* "current_timestamp" */

int lx_keyword(const char *s, size_t n)
{
    if (n == 0 || n > KW_MAXLEN)
        return KW_NONE;
    char buf[KW_MAXLEN];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    int lo = 0, hi = KW_N - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const kw_entry *k = &kw_table[mid];
        size_t m = n < k->len ? n : k->len;
        int c = memcmp(buf, k->name, m);
        if (c == 0)
            c = (n > k->len) - (n < k->len);
        if (c == 0)
            return mid + 1;
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return KW_NONE;
}

int lx_keyword_category(int kw)
{
    return kw > 0 && kw <= KW_N ? kw_table[kw - 1].cat : KWC_UNRESERVED;
}

const char *lx_keyword_name(int kw)
{
    return kw > 0 && kw <= KW_N ? kw_table[kw - 1].name : "";
}

/* ---- UTF-8 -------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is invalid (NUL counts as invalid:
 * PostgreSQL cannot store it in text either). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return c != 0;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
            return 0; /* overlong, surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
            return 0; /* overlong, > U+10FFFF */
        return 4;
    }
    return 0;
}

void lx_bad_utf8_bytes(const char *sql, size_t len, size_t pos, char *buf, size_t cap)
{
    unsigned c = (unsigned char)sql[pos];
    /* PostgreSQL's pg_utf_mblen: the length the lead byte announces (1 for a stray byte). */
    size_t want = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < want && pos + i < len && used + 6 < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s0x%02x", i ? " " : "",
                                 (unsigned char)sql[pos + i]);
}

/* ---- the statement skimmer ------------------------------------------------------------------ */

void lx_skim(const char *sql, size_t len, size_t off, lx_skim_result *r)
{
    const unsigned char *s = (const unsigned char *)sql;
    size_t i = off;
    r->how = LX_SKIM_EOF;
    r->tokens = 0;
    r->bad_utf8 = -1;
/* Steps over one byte, checking multi-byte sequences (and NUL) on the way. */
#define SKIM_STEP()                                                                            \
    do {                                                                                       \
        if (s[i] >= 0x80 || s[i] == 0) {                                                       \
            size_t k_ = utf8_seq(s + i, len - i);                                              \
            if (k_ == 0) {                                                                     \
                if (r->bad_utf8 < 0)                                                           \
                    r->bad_utf8 = (int64_t)i;                                                  \
                k_ = 1;                                                                        \
            }                                                                                  \
            i += k_;                                                                           \
        } else {                                                                               \
            i++;                                                                               \
        }                                                                                      \
    } while (0)

    while (i < len) {
        unsigned char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            i++;
        } else if (c == '-' && i + 1 < len && s[i + 1] == '-') {
            while (i < len && s[i] != '\n')
                SKIM_STEP();
        } else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
            size_t depth = 1;
            i += 2;
            while (depth > 0) {
                if (i >= len) {
                    r->how = LX_SKIM_OPEN;
                    r->end = len;
                    return;
                }
                if (s[i] == '*' && i + 1 < len && s[i + 1] == '/') {
                    depth--;
                    i += 2;
                } else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else {
                    SKIM_STEP();
                }
            }
        } else if (c == '\'' || c == '"') {
            r->tokens = 1;
            i++;
            for (;;) {
                if (i >= len) {
                    r->how = LX_SKIM_OPEN;
                    r->end = len;
                    return;
                }
                if (s[i] == c) {
                    if (i + 1 < len && s[i + 1] == c) {
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                SKIM_STEP();
            }
        } else if (c == ';') {
            r->how = LX_SKIM_SEMI;
            r->end = i;
            return;
        } else {
            r->tokens = 1;
            SKIM_STEP();
        }
    }
#undef SKIM_STEP
    r->end = len;
}

/* ---- the scanner ---------------------------------------------------------------------------- */

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
static int is_ident_char(unsigned char c) { return is_ident_start(c) || is_digit(c) || c == '$'; }

/* Bytes of sql[pos..] to quote in an "at or near" message: the rest of the text, as
 * PostgreSQL prints it, capped (on a character boundary) so the message stays readable. */
static int near_len(const char *sql, size_t len, size_t pos)
{
    size_t n = len - pos, cap = 200;
    if (n <= cap)
        return (int)n;
    while (cap > 0 && ((unsigned char)sql[pos + cap] & 0xC0) == 0x80)
        cap--;
    return (int)cap;
}

/* n < 0: quote the rest of the text from start (what PostgreSQL does for unterminated
 * tokens); otherwise n bytes. */
static int lex_error(lexer *lx, sql_error *err, const char *what, size_t start, int n)
{
    return sql_err(err, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, (int32_t)start,
                   "%s at or near \"%.*s\"", what,
                   n < 0 ? near_len(lx->sql, lx->len, start) : n, lx->sql + start);
}

/* PostgreSQL's "trailing junk": the number plus the one (possibly multi-byte) character. */
static int junk_error(lexer *lx, sql_error *err, const char *what, size_t start, size_t i)
{
    const unsigned char *s = (const unsigned char *)lx->sql;
    size_t k = utf8_seq(s + i, lx->len - i);
    if (k == 0)
        k = 1;
    return sql_err(err, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, (int32_t)start,
                   "trailing junk after %s at or near \"%.*s\"", what, (int)(i + k - start),
                   lx->sql + start);
}

/* Skips whitespace and comments; returns an error for an unterminated block comment. */
static int skip_blank(lexer *lx, sql_error *err)
{
    const unsigned char *s = (const unsigned char *)lx->sql;
    size_t n = lx->len, i = lx->pos;
    for (;;) {
        while (i < n && is_space(s[i]))
            i++;
        if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
            const void *nl = memchr(s + i, '\n', n - i);
            i = nl ? (size_t)((const unsigned char *)nl - s) + 1 : n;
            continue;
        }
        if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
            size_t start = i, depth = 1;
            i += 2;
            while (depth > 0) {
                if (i + 1 >= n) {
                    lx->pos = n;
                    return lex_error(lx, err, "unterminated /* comment", start, -1);
                }
                if (s[i] == '*' && s[i + 1] == '/') {
                    depth--;
                    i += 2;
                } else if (s[i] == '/' && s[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else {
                    i++;
                }
            }
            continue;
        }
        break;
    }
    lx->pos = i;
    return ACIDB_OK;
}

/* A quoted token ('string' or "identifier") starting at s[start] == q; doubled quotes are the
 * quote itself. */
static int lex_quoted(lexer *lx, lx_token *t, sql_error *err, unsigned char q)
{
    const unsigned char *s = (const unsigned char *)lx->sql;
    size_t n = lx->len, start = lx->pos, i = start + 1;
    for (;;) {
        const void *hit = memchr(s + i, q, n - i);
        if (hit == NULL) {
            lx->pos = n;
            return lex_error(lx, err,
                             q == '\'' ? "unterminated quoted string"
                                       : "unterminated quoted identifier",
                             start, -1);
        }
        i = (size_t)((const unsigned char *)hit - s) + 1;
        if (i < n && s[i] == q) {
            i++;
            continue;
        }
        break;
    }
    if (q == '"' && i - start == 2) {
        lx->pos = i;
        return lex_error(lx, err, "zero-length delimited identifier", start, 2);
    }
    t->kind = q == '\'' ? TK_STRING : TK_QIDENT;
    t->len = (int32_t)(i - start);
    lx->pos = i;
    return ACIDB_OK;
}

static int lex_number(lexer *lx, lx_token *t, sql_error *err)
{
    const unsigned char *s = (const unsigned char *)lx->sql;
    size_t n = lx->len, start = lx->pos, i = start;
    uint64_t mag = 0;
    int big = 0, frac = 0;
    const uint64_t lim = UINT64_C(1) << 63;
    while (i < n && is_digit(s[i])) {
        unsigned d = s[i] - '0';
        if (!big) {
            if (mag > (lim - d) / 10)
                big = 1;
            else
                mag = mag * 10 + d;
        }
        i++;
    }
    /* "1." and "1.5" are numeric in PostgreSQL; "1..2" is 1 then "..2" (as in its scanner). */
    if (i < n && s[i] == '.' && !(i + 1 < n && s[i + 1] == '.')) {
        frac = 1;
        i++;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < n && is_digit(s[j])) {
            frac = 1;
            i = j;
            while (i < n && is_digit(s[i]))
                i++;
        }
    }
    if (i < n && is_ident_start(s[i])) {
        lx->pos = i;
        return junk_error(lx, err, "numeric literal", start, i);
    }
    lx->pos = i;
    if (frac) {
        t->kind = TK_NUMERIC;
        t->len = (int32_t)(i - start);
        return ACIDB_OK;
    }
    t->kind = TK_INT;
    t->big = (uint8_t)big;
    t->ival = mag;
    t->len = (int32_t)(i - start);
    return ACIDB_OK;
}

static int lex_param(lexer *lx, lx_token *t, sql_error *err)
{
    const unsigned char *s = (const unsigned char *)lx->sql;
    size_t n = lx->len, start = lx->pos, i = start + 1;
    uint64_t v = 0;
    while (i < n && is_digit(s[i])) {
        if (v <= LX_MAX_PARAM)
            v = v * 10 + (unsigned)(s[i] - '0');
        i++;
    }
    if (i < n && is_ident_start(s[i])) {
        lx->pos = i;
        return junk_error(lx, err, "parameter", start, i);
    }
    lx->pos = i;
    if (v == 0 || v > LX_MAX_PARAM)
        return sql_err(err, ACIDB_ERROR, ERRCODE_UNDEFINED_PARAMETER, (int32_t)start,
                       "there is no parameter $%.*s",
                       (int)(i - start - 1), lx->sql + start + 1);
    t->kind = TK_PARAM;
    t->ival = v;
    t->len = (int32_t)(i - start);
    return ACIDB_OK;
}

int lx_next(lexer *lx, lx_token *t, sql_error *err)
{
    memset(t, 0, sizeof *t);
    int rc = skip_blank(lx, err);
    if (rc != ACIDB_OK)
        return rc;
    const unsigned char *s = (const unsigned char *)lx->sql;
    size_t n = lx->len, i = lx->pos;
    t->pos = (int32_t)i;
    if (i >= n) {
        t->kind = TK_EOF;
        t->pos = (int32_t)n;
        return ACIDB_OK;
    }
    unsigned char c = s[i], d = i + 1 < n ? s[i + 1] : 0;
    if (is_ident_start(c)) {
        size_t j = i + 1;
        while (j < n && is_ident_char(s[j]))
            j++;
        t->len = (int32_t)(j - i);
        t->kw = (uint16_t)lx_keyword(lx->sql + i, j - i);
        t->kind = t->kw ? TK_KEYWORD : TK_IDENT;
        lx->pos = j;
        return ACIDB_OK;
    }
    if (is_digit(c) || (c == '.' && is_digit(d)))
        return lex_number(lx, t, err);
    if (c == '\'' || c == '"')
        return lex_quoted(lx, t, err, c);
    if (c == '$' && is_digit(d))
        return lex_param(lx, t, err);
    int kind = TK_OTHER, len = 1;
    switch (c) {
    case '?': kind = TK_QMARK; break;
    case '=': kind = TK_EQ; break;
    case '<':
        if (d == '=') kind = TK_LE, len = 2;
        else if (d == '>') kind = TK_NE, len = 2;
        else kind = TK_LT;
        break;
    case '>':
        if (d == '=') kind = TK_GE, len = 2;
        else kind = TK_GT;
        break;
    case '!':
        if (d == '=') kind = TK_NE, len = 2;
        break;
    case '|':
        if (d == '|') kind = TK_CONCAT, len = 2;
        break;
    case ':':
        if (d == ':') kind = TK_CAST, len = 2;
        break;
    case '+': kind = TK_PLUS; break;
    case '-': kind = TK_MINUS; break;
    case '*': kind = TK_STAR; break;
    case '/': kind = TK_SLASH; break;
    case '%': kind = TK_PERCENT; break;
    case '(': kind = TK_LPAREN; break;
    case ')': kind = TK_RPAREN; break;
    case ',': kind = TK_COMMA; break;
    case ';': kind = TK_SEMI; break;
    case '.': kind = TK_DOT; break;
    default: break;
    }
    t->kind = (uint8_t)kind;
    t->len = len;
    lx->pos = i + (size_t)len;
    return ACIDB_OK;
}
