/*
 * like_test.c — LIKE / ILIKE: % any run, _ exactly one character (not byte), the escape
 * character (default backslash, ESCAPE '' disables it), patterns ending in the escape.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "engine/acidb.h"
#include "tests/expr/build.h"

TestSuite(like, .init = t_init, .fini = t_fini);

/* s LIKE p [ESCAPE esc]; esc NULL: default */
static void like(const char *s, const char *p, const char *esc, int ilike, int want)
{
    char what[160];
    snprintf(what, sizeof what, "'%s' %s '%s' ESCAPE %s", s, ilike ? "ILIKE" : "LIKE", p,
             esc ? esc : "(default)");
    t_is_bool(x_like(x_text(s), x_text(p), esc ? x_text(esc) : NULL, 0, ilike), want, what);
    t_is_bool(x_like(x_text(s), x_text(p), esc ? x_text(esc) : NULL, 1, ilike), !want, what);
}

Test(like, percent_and_underscore)
{
    like("abc", "abc", NULL, 0, 1);
    like("abc", "ab", NULL, 0, 0);
    like("abc", "a%", NULL, 0, 1);
    like("abc", "%c", NULL, 0, 1);
    like("abc", "%b%", NULL, 0, 1);
    like("abc", "%", NULL, 0, 1);
    like("", "%", NULL, 0, 1);
    like("", "_", NULL, 0, 0);
    like("", "", NULL, 0, 1);
    like("abc", "", NULL, 0, 0);
    like("abc", "a_c", NULL, 0, 1);
    like("abc", "a__c", NULL, 0, 0);
    like("abc", "___", NULL, 0, 1);
    like("abc", "____", NULL, 0, 0);
    like("abcabc", "%abc", NULL, 0, 1);
    like("abcab", "%abc", NULL, 0, 0);
    like("aXbXc", "a%b%c", NULL, 0, 1);
    like("mississippi", "%iss%ippi", NULL, 0, 1);
    like("mississippi", "%iss%ppx", NULL, 0, 0);
    like("aaa", "%%a%%", NULL, 0, 1);
    like("abc", "ABC", NULL, 0, 0);
}

Test(like, escape_characters)
{
    like("a%c", "a\\%c", NULL, 0, 1);
    like("abc", "a\\%c", NULL, 0, 0);
    like("a_c", "a\\_c", NULL, 0, 1);
    like("abc", "a\\_c", NULL, 0, 0);
    like("a\\c", "a\\\\c", NULL, 0, 1);
    like("a%c", "a#%c", "#", 0, 1);
    like("abc", "a#%c", "#", 0, 0);
    like("a\\c", "a\\c", "#", 0, 1);         /* backslash is ordinary with another escape */
    like("a\\c", "a\\_", "", 0, 1);          /* ESCAPE '' disables escaping */
    like("a%", "a%%", "%", 0, 1);            /* the escape may be a wildcard character */
    like("ab", "a%%", "%", 0, 0);
    like("a€b", "a€%b", "€", 0, 0);          /* multibyte escape character */
    like("a%b", "a€%b", "€", 0, 1);
}

Test(like, pattern_ending_in_escape_fails)
{
    t_fails(x_like(x_text("abc"), x_text("abc\\"), NULL, 0, 0), "22025", "trailing backslash");
    cr_assert_str_eq(ERR.msg, "LIKE pattern must not end with escape character");
    t_fails(x_like(x_text("x"), x_text("ab#"), x_text("#"), 0, 0), "22025", "trailing #");
    /* an escaped escape at the end is fine */
    t_is_bool(x_like(x_text("a\\"), x_text("a\\\\"), NULL, 0, 0), 1, "escaped escape at end");
    t_fails(x_like(x_text("x"), x_text("x"), x_text("ab"), 0, 0), "22025", "two-char escape");
}

Test(like, multibyte_underscore_is_one_character)
{
    like("é", "_", NULL, 0, 1);
    like("é", "__", NULL, 0, 0);
    like("日本語", "日_語", NULL, 0, 1);
    like("日本語", "___", NULL, 0, 1);
    like("日本語", "%語", NULL, 0, 1);
    like("日本語", "%本%", NULL, 0, 1);
    like("a😀b", "a_b", NULL, 0, 1);
    like("a😀b", "a__b", NULL, 0, 0);
}

Test(like, ilike_is_case_insensitive_ascii)
{
    like("Hello", "hello", NULL, 1, 1);
    like("HELLO", "h%O", NULL, 1, 1);
    like("hello", "H_LLO", NULL, 1, 1);
    like("hello", "H_LL", NULL, 1, 0);
    like("ÉCOLE", "école", NULL, 1, 0); /* ASCII-only case mapping (documented divergence) */
}

Test(like, nulls)
{
    t_is_bool(x_like(x_cast(x_null(), VT_TEXT), x_text("%"), NULL, 0, 0), -1, "NULL LIKE '%'");
    t_is_bool(x_like(x_text("a"), x_null(), NULL, 0, 0), -1, "'a' LIKE NULL");
    t_is_bool(x_like(x_text("a"), x_text("a"), x_null(), 0, 0), -1, "ESCAPE NULL");
}

Test(like, long_inputs_do_not_explode)
{
    /* many % against a non-matching text: the matcher is O(n*m), not exponential */
    char s[2001], p[201];
    memset(s, 'a', 2000);
    s[2000] = '\0';
    for (int i = 0; i < 200; i += 2) {
        p[i] = '%';
        p[i + 1] = 'a';
    }
    p[199] = 'b';
    p[200] = '\0';
    t_is_bool(x_like(x_text(s), x_text(p), NULL, 0, 0), 0, "long");
}
