/*
 * ptest.h — helpers shared by the parse suite: parse one statement expecting success or a
 * given error, and print an expression tree as a fully parenthesised string so that tests can
 * state the shape they expect ("(a OR (b AND (NOT (c = d))))").
 */
#ifndef ACIDB_TESTS_PTEST_H
#define ACIDB_TESTS_PTEST_H

#include <criterion/criterion.h>
#include <stddef.h>

#include "engine/acidb.h"
#include "engine/arena.h"
#include "engine/ast.h"
#include "engine/parse.h"

extern arena pt_arena;
void pt_setup(void);
void pt_teardown(void);

/* Parses the first statement of sql (strlen), asserting success and a statement. */
sql_stmt *pt_ok(const char *sql);
/* Parses sql expecting failure: returns the code, fills *err. */
int pt_fail(const char *sql, sql_error *err);
/* Asserts: code, SQLSTATE, 1-based position (err.pos), message exactly. */
void pt_expect_err(const char *sql, int code, const char *state, int pos1, const char *msg);
/* The parenthesised form of an expression (static buffer, valid until the next call). */
const char *pt_expr(const sql_expr *e);
/* The first target's expression of "SELECT <text>", printed. */
const char *pt_sel(const char *expr_text);

#endif
