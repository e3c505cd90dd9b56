/*
 * parse.h — the SQL lexer and recursive-descent parser (grammar: engine/grammar.md).
 *
 * The parser accepts a strict subset of PostgreSQL's syntax and produces the tree of ast.h in
 * the caller's arena. It does no name resolution: unknown tables and columns are the binder's
 * business (42P01 / 42703).
 *
 * Errors: 42601 syntax_error with the position of the offending token ("syntax error at or
 * near "FROM""), or at end of input ("syntax error at end of input"); 22003 for an integer
 * literal out of the 64-bit range; 22021 for SQL text that is not valid UTF-8; 42P02 for $0;
 * 54001 when expressions nest deeper than SQL_MAX_DEPTH (never a stack overflow); 42601 for an
 * unterminated string / quoted identifier / comment.
 */
#ifndef ACIDB_PARSE_H
#define ACIDB_PARSE_H

#include <stddef.h>

#include "engine/arena.h"
#include "engine/ast.h"
#include "engine/sqlerr.h"

#define SQL_MAX_DEPTH 1000
/* Depth of an expression tree built from operator chains (`1 + 1 + ... + 1` is left-deep: a
 * chain of n operators is a tree n deep, which every later pass walks recursively). */
#define SQL_MAX_TREE_DEPTH 10000

/* Parses the first statement of sql[off..len). On success *out is the statement (NULL when
 * only whitespace, comments and semicolons remain) and *next is the offset just past the
 * statement's terminating ';' (or len). Parameter numbering ($n / ?) is per statement; mixing
 * $n and ? in one statement is a 42601 error. */
int sql_parse(const char *sql, size_t len, size_t off, arena *a, sql_stmt **out, size_t *next,
              sql_error *err);

/* Whether sql[0..len) ends inside an unfinished statement: no terminating ';' after the last
 * token, or inside a string, quoted identifier or block comment. The shell uses it to decide
 * between running and prompting for a continuation line. */
int sql_incomplete(const char *sql, size_t len);

#endif
