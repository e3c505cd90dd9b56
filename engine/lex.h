/*
 * lex.h — the SQL tokenizer (PostgreSQL's lexical rules, the subset acidb speaks).
 *
 * The lexer does no allocation: a token is a kind plus a span of the SQL text; the parser
 * copies (and case-folds or unescapes) what it keeps. Tokens are produced one at a time, so a
 * 100 MB script is never held as a token array.
 *
 * Rules (PostgreSQL's, see engine/grammar.md, "Lexical rules"):
 *   - whitespace: space \t \n \r \f \v; comments `-- ...` to end of line and `/ * ... * /`,
 *     which nest;
 *   - identifiers [A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*, keywords among them recognised
 *     case-insensitively; "quoted identifiers" with "" for a quote (empty ones are an error);
 *   - 'strings' with '' for a quote (standard_conforming_strings: backslash is an ordinary
 *     character); integers [0-9]+; with a fractional or exponent part, TK_NUMERIC;
 *     digits or a parameter followed by an identifier character is "trailing junk" (42601);
 *   - parameters $1..$65535 and ?;
 *   - operators = <> != < <= > >= + - * / % || :: ( ) , ; . — anything else becomes a
 *     TK_OTHER token of one character, which the parser reports as a syntax error.
 */
#ifndef ACIDB_LEX_H
#define ACIDB_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "engine/sqlerr.h"

/* Keyword categories, as in PostgreSQL's "SQL Key Words" table. */
enum {
    KWC_UNRESERVED = 0, /* usable as any name, even a bare column alias */
    KWC_COLNAME,        /* usable as a table / column name, not as a function or bare alias */
    KWC_TYPEFUNC,       /* reserved, but may name a function (left(), right()) */
    KWC_RESERVED,       /* only after AS, or quoted */
};

/* Every keyword the parser knows, sorted by spelling (lx_keyword does a binary search; a test
 * checks the order). All of PostgreSQL's reserved words are here so that `CREATE TABLE user`
 * fails as it does there, even when acidb's grammar has no use for the word. */
#define LX_KEYWORDS(X)                                                                         \
    X(ABORT, "abort", UNRESERVED) X(ALL, "all", RESERVED) X(ALWAYS, "always", UNRESERVED)      \
    X(ANALYSE, "analyse", RESERVED) X(ANALYZE, "analyze", RESERVED) X(AND, "and", RESERVED)    \
    X(ANY, "any", RESERVED) X(ARRAY, "array", RESERVED) X(AS, "as", RESERVED)                  \
    X(ASC, "asc", RESERVED) X(ASYMMETRIC, "asymmetric", RESERVED)                              \
    X(AUTHORIZATION, "authorization", TYPEFUNC) X(BEGIN, "begin", UNRESERVED)                  \
    X(BETWEEN, "between", COLNAME) X(BINARY, "binary", TYPEFUNC) X(BOTH, "both", RESERVED)     \
    X(BY, "by", UNRESERVED) X(CASCADE, "cascade", UNRESERVED) X(CASE, "case", RESERVED)        \
    X(CAST, "cast", RESERVED) X(CHECK, "check", RESERVED) X(COLLATE, "collate", RESERVED)      \
    X(COLLATION, "collation", TYPEFUNC) X(COLUMN, "column", RESERVED)                          \
    X(COMMIT, "commit", UNRESERVED) X(COMMITTED, "committed", UNRESERVED)                      \
    X(CONCURRENTLY, "concurrently", TYPEFUNC) X(CONSTRAINT, "constraint", RESERVED)            \
    X(CREATE, "create", RESERVED) X(CROSS, "cross", TYPEFUNC)                                  \
    X(CURRENT_CATALOG, "current_catalog", RESERVED) X(CURRENT_DATE, "current_date", RESERVED)  \
    X(CURRENT_ROLE, "current_role", RESERVED) X(CURRENT_SCHEMA, "current_schema", TYPEFUNC)    \
    X(CURRENT_TIME, "current_time", RESERVED)                                                  \
    X(CURRENT_TIMESTAMP, "current_timestamp", RESERVED)                                        \
    X(CURRENT_USER, "current_user", RESERVED) X(DEFAULT, "default", RESERVED)                  \
    X(DEFERRABLE, "deferrable", RESERVED) X(DELETE, "delete", UNRESERVED)                      \
    X(DESC, "desc", RESERVED) X(DISTINCT, "distinct", RESERVED) X(DO, "do", RESERVED)          \
    X(DROP, "drop", UNRESERVED)                                                                \
    X(ELSE, "else", RESERVED) X(END, "end", RESERVED) X(ESCAPE, "escape", UNRESERVED)          \
    X(EXCEPT, "except", RESERVED) X(EXISTS, "exists", COLNAME)                                 \
    X(EXPLAIN, "explain", UNRESERVED)                                                          \
    X(FALSE, "false", RESERVED) X(FETCH, "fetch", RESERVED) X(FIRST, "first", UNRESERVED)      \
    X(FOR, "for", RESERVED) X(FOREIGN, "foreign", RESERVED) X(FREEZE, "freeze", TYPEFUNC)      \
    X(FROM, "from", RESERVED) X(FULL, "full", TYPEFUNC)                                        \
    X(GENERATED, "generated", UNRESERVED) X(GRANT, "grant", RESERVED)                          \
    X(GROUP, "group", RESERVED) X(HAVING, "having", RESERVED)                                  \
    X(IDENTITY, "identity", UNRESERVED) X(IF, "if", UNRESERVED) X(ILIKE, "ilike", TYPEFUNC)    \
    X(IN, "in", RESERVED) X(INDEX, "index", UNRESERVED) X(INITIALLY, "initially", RESERVED)    \
    X(INNER, "inner", TYPEFUNC) X(INSERT, "insert", UNRESERVED)                                \
    X(INTERSECT, "intersect", RESERVED) X(INTO, "into", RESERVED) X(IS, "is", TYPEFUNC)        \
    X(ISNULL, "isnull", TYPEFUNC) X(ISOLATION, "isolation", UNRESERVED)                        \
    X(JOIN, "join", TYPEFUNC) X(KEY, "key", UNRESERVED) X(LAST, "last", UNRESERVED)            \
    X(LATERAL, "lateral", RESERVED) X(LEADING, "leading", RESERVED) X(LEFT, "left", TYPEFUNC)  \
    X(LEVEL, "level", UNRESERVED) X(LIKE, "like", TYPEFUNC) X(LIMIT, "limit", RESERVED)        \
    X(LOCALTIME, "localtime", RESERVED) X(LOCALTIMESTAMP, "localtimestamp", RESERVED)          \
    X(LOCKED, "locked", UNRESERVED) X(NATURAL, "natural", TYPEFUNC) X(NOT, "not", RESERVED)    \
    X(NOTNULL, "notnull", TYPEFUNC) X(NOWAIT, "nowait", UNRESERVED) X(NULL, "null", RESERVED)  \
    X(NULLS, "nulls", UNRESERVED) X(OFFSET, "offset", RESERVED) X(ON, "on", RESERVED)          \
    X(ONLY, "only", RESERVED) X(OR, "or", RESERVED) X(ORDER, "order", RESERVED)                \
    X(OUTER, "outer", TYPEFUNC) X(OVERLAPS, "overlaps", TYPEFUNC)                              \
    X(PLACING, "placing", RESERVED) X(PRIMARY, "primary", RESERVED)                            \
    X(READ, "read", UNRESERVED) X(REFERENCES, "references", RESERVED)                          \
    X(REPEATABLE, "repeatable", UNRESERVED) X(RESTRICT, "restrict", UNRESERVED)                \
    X(RETURNING, "returning", RESERVED) X(RIGHT, "right", TYPEFUNC)                            \
    X(ROLLBACK, "rollback", UNRESERVED) X(SELECT, "select", RESERVED)                          \
    X(SERIALIZABLE, "serializable", UNRESERVED) X(SESSION, "session", UNRESERVED)              \
    X(SESSION_USER, "session_user", RESERVED) X(SET, "set", UNRESERVED)                        \
    X(SHARE, "share", UNRESERVED) X(SIMILAR, "similar", TYPEFUNC) X(SKIP, "skip", UNRESERVED)  \
    X(SOME, "some", RESERVED) X(START, "start", UNRESERVED)                                    \
    X(SYMMETRIC, "symmetric", RESERVED) X(SYSTEM_USER, "system_user", RESERVED)                \
    X(TABLE, "table", RESERVED) X(TABLESAMPLE, "tablesample", TYPEFUNC)                        \
    X(THEN, "then", RESERVED) X(TO, "to", RESERVED) X(TRAILING, "trailing", RESERVED)          \
    X(TRANSACTION, "transaction", UNRESERVED) X(TRUE, "true", RESERVED)                        \
    X(UNCOMMITTED, "uncommitted", UNRESERVED) X(UNION, "union", RESERVED)                      \
    X(UNIQUE, "unique", RESERVED) X(UPDATE, "update", UNRESERVED) X(USER, "user", RESERVED)    \
    X(USING, "using", RESERVED) X(VALUES, "values", COLNAME)                                   \
    X(VARIADIC, "variadic", RESERVED) X(VARYING, "varying", UNRESERVED)                        \
    X(VERBOSE, "verbose", TYPEFUNC) X(WHEN, "when", RESERVED) X(WHERE, "where", RESERVED)      \
    X(WINDOW, "window", RESERVED) X(WITH, "with", RESERVED) X(WORK, "work", UNRESERVED)        \
    X(WRITE, "write", UNRESERVED)

#define LX_KW_ENUM(id, str, cat) KW_##id,
enum { KW_NONE = 0, LX_KEYWORDS(LX_KW_ENUM) KW_COUNT_ };
#undef LX_KW_ENUM

#define LX_MAX_PARAM 65535

typedef enum lx_kind {
    TK_EOF = 0,
    TK_IDENT,     /* unquoted identifier that is not a keyword */
    TK_QIDENT,    /* "quoted identifier" (text includes the quotes) */
    TK_KEYWORD,   /* kw says which */
    TK_STRING,    /* 'string' (text includes the quotes) */
    TK_INT,       /* ival; big = 1 when the digits exceed 2^63 */
    TK_PARAM,     /* $n: ival = n */
    TK_QMARK,     /* ? */
    TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
    TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT, TK_CONCAT, TK_CAST,
    TK_LPAREN, TK_RPAREN, TK_COMMA, TK_SEMI, TK_DOT,
    TK_OTHER,     /* one character no rule accepts (@, #, [, ...): always a syntax error */
    TK_NUMERIC,   /* a number with a fraction or an exponent: 1.5, .5, 1., 1e3 (the text) */
} lx_kind;

typedef struct lx_token {
    uint8_t kind;   /* lx_kind */
    uint8_t big;    /* TK_INT: value above 2^63 (out of range even negated) */
    uint16_t kw;    /* TK_KEYWORD: KW_* */
    int32_t pos;    /* byte offset of the first character */
    int32_t len;    /* bytes of source text */
    uint64_t ival;  /* TK_INT magnitude (<= 2^63 unless big), TK_PARAM number */
} lx_token;

typedef struct lexer {
    const char *sql;
    size_t len;
    size_t pos;     /* next byte to read */
} lexer;

static inline void lx_init(lexer *lx, const char *sql, size_t len, size_t off)
{
    lx->sql = sql;
    lx->len = len;
    lx->pos = off;
}

/* Reads the next token (TK_EOF at the end, with pos = len). Returns ACIDB_OK, or an error code
 * with err filled: 42601 unterminated string / quoted identifier / comment, zero-length
 * quoted identifier, trailing junk; 42P02 $0 or $n past 65535.
 * The text must already be valid UTF-8 (lx_skim checks). */
int lx_next(lexer *lx, lx_token *t, sql_error *err);

/* KW_* for the n bytes at s (any case), or KW_NONE. */
int lx_keyword(const char *s, size_t n);
/* KWC_* of a keyword; its lower-case spelling. */
int lx_keyword_category(int kw);
const char *lx_keyword_name(int kw);

/* The extent of one statement: from off, skips strings, quoted identifiers and comments the
 * way lx_next does, and stops at the first ';' outside them (or at len). Also checks that the
 * bytes it passes are valid UTF-8 (no NUL, no overlongs or surrogates, <= U+10FFFF). */
enum { LX_SKIM_SEMI = 0, LX_SKIM_EOF = 1, LX_SKIM_OPEN = 2 };
typedef struct lx_skim_result {
    int how;          /* LX_SKIM_SEMI: *end is the ';'; EOF: end = len; OPEN: ends inside a
                         string, quoted identifier or block comment */
    size_t end;
    int tokens;       /* 1 if anything but whitespace and comments was seen before end */
    int64_t bad_utf8; /* offset of the first invalid byte sequence, or -1 */
} lx_skim_result;
void lx_skim(const char *sql, size_t len, size_t off, lx_skim_result *r);

/* Formats the invalid sequence at sql[pos..] as PostgreSQL does ("0xe2 0x28 0xa1") into buf. */
void lx_bad_utf8_bytes(const char *sql, size_t len, size_t pos, char *buf, size_t cap);

#endif
