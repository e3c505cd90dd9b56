/*
 * lex_test.c — the lexical layer seen through sql_parse and the lexer API: the keyword table,
 * case folding, quoted identifiers, comments (nested), unterminated tokens, UTF-8 checking,
 * statement splitting with *next, and sql_incomplete.
 */
#include <stdio.h>
#include <string.h>

#include "engine/lex.h"
#include "tests/parse/ptest.h"

TestSuite(lex, .init = pt_setup, .fini = pt_teardown);

Test(lex, keyword_table_is_sorted_and_found_in_any_case)
{
    for (int k = 1; k < KW_COUNT_; k++) {
        const char *n = lx_keyword_name(k);
        if (k + 1 < KW_COUNT_)
            cr_assert_lt(strcmp(n, lx_keyword_name(k + 1)), 0, "%s out of order", n);
        cr_assert_eq(lx_keyword(n, strlen(n)), k, "%s", n);
        char up[32];
        size_t i = 0;
        for (; n[i]; i++)
            up[i] = (char)(n[i] >= 'a' && n[i] <= 'z' ? n[i] - 32 : n[i]);
        cr_assert_eq(lx_keyword(up, i), k, "%s", up);
    }
    cr_assert_eq(lx_keyword("selec", 5), KW_NONE);
    cr_assert_eq(lx_keyword("selects", 7), KW_NONE);
    cr_assert_eq(lx_keyword("current_timestampx", 18), KW_NONE);
    cr_assert_eq(lx_keyword_category(KW_SELECT), KWC_RESERVED);
    cr_assert_eq(lx_keyword_category(KW_KEY), KWC_UNRESERVED);
    cr_assert_eq(lx_keyword_category(KW_LEFT), KWC_TYPEFUNC);
}

Test(lex, tokens_of_every_kind)
{
    const char *sql = "a<>b!=c<=d>=e||f::g+$12-?*h/i%(j),k;. @";
    static const int want[] = {TK_IDENT, TK_NE, TK_IDENT, TK_NE, TK_IDENT, TK_LE, TK_IDENT,
                               TK_GE, TK_IDENT, TK_CONCAT, TK_IDENT, TK_CAST, TK_IDENT,
                               TK_PLUS, TK_PARAM, TK_MINUS, TK_QMARK, TK_STAR, TK_IDENT,
                               TK_SLASH, TK_IDENT, TK_PERCENT, TK_LPAREN, TK_IDENT, TK_RPAREN,
                               TK_COMMA, TK_IDENT, TK_SEMI, TK_DOT, TK_OTHER, TK_EOF};
    lexer lx;
    lx_init(&lx, sql, strlen(sql), 0);
    sql_error err;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        lx_token t;
        cr_assert_eq(lx_next(&lx, &t, &err), ACIDB_OK);
        cr_assert_eq(t.kind, want[i], "token %zu: kind %d, want %d", i, t.kind, want[i]);
        if (t.kind == TK_PARAM)
            cr_assert_eq(t.ival, 12);
    }
}

Test(lex, case_folding_and_quoted_identifiers)
{
    sql_stmt *st = pt_ok("SeLeCt MyCol, \"MyCol\", \"a \"\"q\"\" b\", café, CAFÉ FrOm \"T\"");
    const sql_select *s = &st->u.select;
    cr_assert_str_eq(s->targets[0].e->name, "mycol");
    cr_assert_str_eq(s->targets[1].e->name, "MyCol");
    cr_assert_str_eq(s->targets[2].e->name, "a \"q\" b");
    cr_assert_str_eq(s->targets[3].e->name, "café");
    cr_assert_str_eq(s->targets[4].e->name, "cafÉ"); /* only ASCII folds, as in PostgreSQL */
    cr_assert_str_eq(s->from[0].table, "T");
    /* a quoted reserved word is a name */
    st = pt_ok("SELECT \"select\" FROM \"from\"");
    cr_assert_str_eq(st->u.select.targets[0].e->name, "select");
    cr_assert_str_eq(st->u.select.from[0].table, "from");
    pt_expect_err("SELECT \"\" FROM t", ACIDB_ERROR, "42601", 8,
                  "zero-length delimited identifier at or near \"\"\"\"");
    pt_expect_err("SELECT \"abc", ACIDB_ERROR, "42601", 8,
                  "unterminated quoted identifier at or near \"\"abc\"");
}

Test(lex, strings_and_comments)
{
    sql_stmt *st = pt_ok("SELECT 'a''b' -- comment 'x\n , /* outer /* inner */ still */ 'c\\d'");
    cr_assert_eq(st->u.select.ntargets, 2);
    cr_assert_str_eq(pt_expr(st->u.select.targets[0].e), "'a'b'");
    cr_assert_eq(st->u.select.targets[0].e->v.len, 3);
    cr_assert_str_eq(pt_expr(st->u.select.targets[1].e), "'c\\d'");
    st = pt_ok("/* lead */ -- and\nSELECT 1--trailing");
    cr_assert_eq(st->pos, 18);
    cr_assert_eq(st->end, 26);
    st = pt_ok("SELECT 'multi\nline'");
    cr_assert_eq(st->u.select.targets[0].e->v.len, 10);
    pt_expect_err("SELECT 'abc", ACIDB_ERROR, "42601", 8,
                  "unterminated quoted string at or near \"'abc\"");
    pt_expect_err("SELECT 'it''s", ACIDB_ERROR, "42601", 8,
                  "unterminated quoted string at or near \"'it''s\"");
    pt_expect_err("SELECT 1 /* a /* b */ c", ACIDB_ERROR, "42601", 10,
                  "unterminated /* comment at or near \"/* a /* b */ c\"");
    pt_expect_err("/*", ACIDB_ERROR, "42601", 1, "unterminated /* comment at or near \"/*\"");
    pt_expect_err("SELECT 'x' 'y'", ACIDB_ERROR, "42601", 12,
                  "syntax error at or near \"'y'\"");
}

static void expect_utf8_err(const char *sql, size_t len, int pos1, const char *bytes)
{
    sql_error err;
    sql_stmt *st;
    size_t next;
    int rc = sql_parse(sql, len, 0, &pt_arena, &st, &next, &err);
    cr_assert_eq(rc, ACIDB_RANGE, "rc %d (%s)", rc, err.msg);
    cr_assert_str_eq(err.state, "22021");
    cr_assert_eq(err.pos, pos1);
    char msg[128];
    snprintf(msg, sizeof msg, "invalid byte sequence for encoding \"UTF8\": %s", bytes);
    cr_assert_str_eq(err.msg, msg);
}

Test(lex, invalid_utf8_is_22021)
{
    expect_utf8_err("SELECT '\xff'", 10, 9, "0xff");
    expect_utf8_err("SELECT 1 -- \xe2\x28\xa1 comment", 24, 13, "0xe2 0x28 0xa1");
    expect_utf8_err("SELECT /* \xc0\xaf */ 1", 18, 11, "0xc0 0xaf");          /* overlong */
    expect_utf8_err("SELECT \xed\xa0\x80", 10, 8, "0xed 0xa0 0x80");         /* surrogate */
    expect_utf8_err("SELECT \"\xf4\x90\x80\x80\"", 13, 9, "0xf4 0x90 0x80 0x80"); /* > U+10FFFF */
    expect_utf8_err("SELECT 'a\0b'", 12, 10, "0x00");
    /* a truncated sequence: the bytes the lead announces, as far as the text goes */
    expect_utf8_err("SELECT 'ab\xe2\x82'", 13, 11, "0xe2 0x82 0x27");
    expect_utf8_err("SELECT 'ab\xe2\x82", 12, 11, "0xe2 0x82");
    /* checked before the syntax: a syntax error earlier in the statement does not win */
    expect_utf8_err("SELECT FROM '\xff'", 15, 14, "0xff");
    /* valid multi-byte text everywhere is fine */
    sql_stmt *st = pt_ok("SELECT '€𝄞' AS \"ünï\" -- ✓\n");
    cr_assert_eq(st->u.select.targets[0].e->v.len, 7);
    cr_assert_str_eq(st->u.select.targets[0].alias, "ünï");
}

Test(lex, statements_in_sequence)
{
    const char *sql = "  ; ;SELECT 1; -- c\n INSERT INTO t VALUES (1) ;;  /* end */ SELECT ';' ;  ";
    size_t len = strlen(sql), off = 0, next;
    int kinds[8], n = 0;
    int32_t pos[8], end[8];
    for (;;) {
        sql_stmt *st;
        sql_error err;
        cr_assert_eq(sql_parse(sql, len, off, &pt_arena, &st, &next, &err), ACIDB_OK, "%s",
                     err.msg);
        if (st == NULL)
            break;
        cr_assert_lt(n, 8);
        kinds[n] = st->kind;
        pos[n] = st->pos;
        end[n] = st->end;
        n++;
        cr_assert_gt(next, off);
        off = next;
    }
    cr_assert_eq(n, 3);
    cr_assert_eq(kinds[0], STMT_SELECT);
    cr_assert_eq(pos[0], 5);
    cr_assert_eq(end[0], 13);
    cr_assert_eq(kinds[1], STMT_INSERT);
    cr_assert_eq(pos[1], 21);
    cr_assert_eq(end[1], 45);
    cr_assert_eq(kinds[2], STMT_SELECT);
    cr_assert_eq(pos[2], 60);
    cr_assert_eq(end[2], 70);
    /* parameters are numbered per statement */
    sql = "SELECT ?, ?; SELECT ?";
    sql_stmt *st;
    sql_error err;
    cr_assert_eq(sql_parse(sql, strlen(sql), 0, &pt_arena, &st, &next, &err), ACIDB_OK);
    cr_assert_eq(st->nparams, 2);
    cr_assert_eq(next, 12);
    cr_assert_eq(sql_parse(sql, strlen(sql), next, &pt_arena, &st, &next, &err), ACIDB_OK);
    cr_assert_eq(st->nparams, 1);
    cr_assert_eq(st->u.select.targets[0].e->param, 1);
    cr_assert_eq(next, strlen(sql));
    /* an error in a later statement is not reported while parsing an earlier one */
    sql = "SELECT 1; SELECT 'oops";
    cr_assert_eq(sql_parse(sql, strlen(sql), 0, &pt_arena, &st, &next, &err), ACIDB_OK);
    cr_assert_eq(sql_parse(sql, strlen(sql), next, &pt_arena, &st, &next, &err), ACIDB_ERROR);
    cr_assert_eq(err.pos, 18);
    /* nothing but blanks */
    cr_assert_eq(sql_parse(" -- x\n ; /* y */ ", 17, 0, &pt_arena, &st, &next, &err), ACIDB_OK);
    cr_assert_null(st);
    cr_assert_eq(next, 17);
    cr_assert_eq(sql_parse("", 0, 0, &pt_arena, &st, &next, &err), ACIDB_OK);
    cr_assert_null(st);
}

Test(lex, incomplete_input)
{
    static const struct {
        const char *sql;
        int want;
    } cases[] = {
        {"", 0},
        {"   \n\t", 0},
        {"-- only a comment", 0},
        {"/* only */", 0},
        {";", 0},
        {";;  ;", 0},
        {"SELECT 1", 1},
        {"SELECT 1;", 0},
        {"SELECT 1;   ", 0},
        {"SELECT 1; -- done", 0},
        {"SELECT 1; /* done */", 0},
        {"SELECT 1; /* not done", 1},
        {"SELECT 1 -- ;", 1},
        {"SELECT /* ; */ 1", 1},
        {"SELECT ';'", 1},
        {"SELECT ';';", 0},
        {"SELECT 'abc", 1},
        {"SELECT 'it''s';", 0},
        {"SELECT 'it''", 1},
        {"SELECT \"a;", 1},
        {"SELECT \"a;\";", 0},
        {"SELECT /* /* */ ;", 1},
        {"SELECT /* /* */ */ 1;", 0},
        {"SELECT 1; SELECT", 1},
        {"SELECT 1; SELECT 2;", 0},
        {"BEGIN;\nUPDATE t SET a = 1;\nCOMMIT", 1},
        {"SELECT 1 FROM;", 0}, /* complete, even though it is wrong: running it reports that */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(sql_incomplete(cases[i].sql, strlen(cases[i].sql)), cases[i].want,
                     "sql_incomplete(\"%s\") != %d", cases[i].sql, cases[i].want);
}
