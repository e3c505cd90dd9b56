/*
 * value_test.c — val_cmp order, val_hash consistency, UTF-8 validation, sql_error recording
 * and the ST_* -> SQLSTATE mapping.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/sqlerr.h"
#include "engine/value.h"
#include "pager/status.h"
#include "tests/expr/build.h"

TestSuite(value, .init = t_init, .fini = t_fini);

Test(value, cmp_order)
{
    value n = val_null(), a = val_int(-5), b = val_int(3), t = val_text("ab", 2),
          u = val_text("abc", 3), f = val_bool(0), tr = val_bool(1);
    cr_assert_lt(val_cmp(&a, &b), 0);
    cr_assert_gt(val_cmp(&b, &a), 0);
    cr_assert_eq(val_cmp(&a, &a), 0);
    cr_assert_gt(val_cmp(&n, &a), 0, "NULL greatest");
    cr_assert_lt(val_cmp(&u, &n), 0);
    cr_assert_eq(val_cmp(&n, &n), 0);
    cr_assert_lt(val_cmp(&t, &u), 0, "prefix first");
    cr_assert_lt(val_cmp(&f, &tr), 0);
    value hi = val_text("\xc3\xa9", 2), lo = val_text("z", 1);
    cr_assert_gt(val_cmp(&hi, &lo), 0, "bytes compare unsigned (code-point order)");
    value mn = val_int(INT64_MIN), mx = val_int(INT64_MAX);
    cr_assert_lt(val_cmp(&mn, &mx), 0);
}

Test(value, hash_agrees_with_cmp)
{
    char x[] = "hello", y[] = "hello";
    value a = val_text(x, 5), b = val_text(y, 5), c = val_text(x, 4);
    cr_assert_eq(val_hash(&a, 7), val_hash(&b, 7));
    cr_assert_neq(val_hash(&a, 7), val_hash(&c, 7));
    value i = val_int(1), j = val_int(1), k = val_int(2);
    cr_assert_eq(val_hash(&i, 0), val_hash(&j, 0));
    cr_assert_neq(val_hash(&i, 0), val_hash(&k, 0));
    value n1 = val_null(), n2 = val_null();
    cr_assert_eq(val_hash(&n1, 3), val_hash(&n2, 3));
}

Test(value, copy_and_type_names)
{
    char buf[] = "abc";
    value v = val_text(buf, 3), out;
    cr_assert_eq(val_copy(&T, &v, &out), 0);
    buf[0] = 'X';
    cr_assert(out.len == 3 && memcmp(out.u.s, "abc", 4) == 0, "copied with NUL");
    cr_assert_str_eq(val_type_name(VT_INT), "integer");
    cr_assert_str_eq(val_type_name(VT_TEXT), "text");
    cr_assert_str_eq(val_type_name(VT_BOOL), "boolean");
    cr_assert_str_eq(val_type_name(VT_NULL), "unknown");
}

static int valid(const char *s, size_t n) { return val_utf8_valid(s, n); }

Test(value, utf8_validation)
{
    cr_assert(valid("", 0));
    cr_assert(valid("plain ascii", 11));
    cr_assert(valid("\0", 1), "NUL is valid UTF-8");
    cr_assert(valid("\xc3\xa9", 2));               /* é */
    cr_assert(valid("\xe2\x82\xac", 3));           /* € */
    cr_assert(valid("\xf0\x9f\x98\x80", 4));       /* 😀 */
    cr_assert(valid("\xf4\x8f\xbf\xbf", 4));       /* U+10FFFF */
    cr_assert(valid("\xed\x9f\xbf", 3));           /* U+D7FF */
    cr_assert(valid("\xee\x80\x80", 3));           /* U+E000 */
    cr_assert(!valid("\xc0\xaf", 2), "overlong /");
    cr_assert(!valid("\xc1\xbf", 2), "overlong");
    cr_assert(!valid("\xe0\x80\xaf", 3), "overlong 3-byte");
    cr_assert(!valid("\xe0\x9f\xbf", 3), "overlong U+07FF");
    cr_assert(!valid("\xf0\x80\x80\xaf", 4), "overlong 4-byte");
    cr_assert(!valid("\xf0\x8f\xbf\xbf", 4), "overlong U+FFFF");
    cr_assert(!valid("\xed\xa0\x80", 3), "surrogate U+D800");
    cr_assert(!valid("\xed\xbf\xbf", 3), "surrogate U+DFFF");
    cr_assert(!valid("\xf4\x90\x80\x80", 4), "U+110000");
    cr_assert(!valid("\xf5\x80\x80\x80", 4), "F5 lead");
    cr_assert(!valid("\xff", 1));
    cr_assert(!valid("\x80", 1), "lone continuation");
    cr_assert(!valid("\xc3", 1), "truncated 2-byte");
    cr_assert(!valid("\xe2\x82", 2), "truncated 3-byte");
    cr_assert(!valid("\xf0\x9f\x98", 3), "truncated 4-byte");
    cr_assert(!valid("a\xe2\x82" "b", 4), "bad continuation");
    cr_assert(!valid("\xc3\xa9", 1), "length respected");
}

Test(value, sql_err_records_and_clears)
{
    sql_error e;
    sql_err_clear(&e);
    cr_assert_eq(e.code, ACIDB_OK);
    cr_assert_str_eq(e.state, "00000");
    cr_assert_eq(e.pos, 0);
    cr_assert_str_eq(e.msg, "");
    cr_assert_eq(sql_err(&e, ACIDB_RANGE, "22012", 4, "division %s", "by zero"), ACIDB_RANGE);
    cr_assert_eq(e.code, ACIDB_RANGE);
    cr_assert_str_eq(e.state, "22012");
    cr_assert_eq(e.pos, 5);
    cr_assert_str_eq(e.msg, "division by zero");
    sql_err(&e, ACIDB_ERROR, "42601", -1, "x");
    cr_assert_eq(e.pos, 0);
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sql_err(&e, ACIDB_ERROR, "42601", 0, "%s", big);
    cr_assert_eq(strlen(e.msg), SQL_ERRMSG_MAX - 1, "truncated, terminated");
}

Test(value, status_mapping)
{
    static const struct { int st, code; const char *state; } m[] = {
        {ST_EDEADLOCK, ACIDB_DEADLOCK, "40P01"},  {ST_ETIMEOUT, ACIDB_LOCK_TIMEOUT, "55P03"},
        {ST_ELOCKED, ACIDB_LOCK_TIMEOUT, "55P03"}, {ST_ENOMEM, ACIDB_NOMEM, "53200"},
        {ST_ECORRUPT, ACIDB_CORRUPT, "XX001"},    {ST_EIO, ACIDB_IOERR, "58030"},
        {ST_EFULL, ACIDB_FULL, "53000"},          {ST_ETOOBIG, ACIDB_TOOBIG, "54000"},
        {ST_EBUSY, ACIDB_BUSY, "55006"},          {ST_ECANTOPEN, ACIDB_CANTOPEN, "58P01"},
        {ST_ENOTDB, ACIDB_CANTOPEN, "55000"},     {ST_EEMPTY, ACIDB_CANTOPEN, "55000"},
        {ST_EVERSION, ACIDB_CANTOPEN, "55000"},   {ST_EREADONLY, ACIDB_READONLY, "25006"},
        {ST_EINVAL, ACIDB_MISUSE, "22023"},       {ST_ENOTFOUND, ACIDB_CORRUPT, "XX001"},
        {ST_EEXISTS, ACIDB_CONSTRAINT, "23505"},
    };
    sql_error e;
    for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
        st_set(m[i].st, "detail %zu", i);
        cr_assert_eq(sql_err_status(&e, m[i].st, NULL), m[i].code, "st %d", m[i].st);
        cr_assert_str_eq(e.state, m[i].state, "st %d", m[i].st);
    }
    st_set(ST_EIO, "write failed: page 7");
    sql_err_status(&e, ST_EIO, "commit");
    cr_assert_str_eq(e.msg, "commit: write failed: page 7");
    sql_err_status(&e, ST_EIO, NULL);
    cr_assert_str_eq(e.msg, "write failed: page 7");
    st_set(ST_OK, NULL);
    sql_err_status(&e, ST_EIO, "commit");
    cr_assert_str_eq(e.msg, "commit");
    sql_err_status(&e, ST_EDEADLOCK, NULL);
    cr_assert_str_eq(e.msg, "deadlock detected");
    cr_assert_eq(sql_err_status(&e, ST_OK, NULL), ACIDB_OK);
    cr_assert_str_eq(e.state, "00000");
}

/* Every status of pager/status.h reaches the application as a deliberate code: none falls
 * through to XX000 (internal_error) or to the catch-all ACIDB_ERROR; only a value that is no
 * status at all does. */
Test(value, every_status_has_a_deliberate_sqlstate)
{
    sql_error e;
    for (int st = ST_OK + 1; st < ST_NCODES; st++) {
        st_set(st, "detail of %d", st);
        int code = sql_err_status(&e, st, NULL);
        cr_assert_str_neq(e.state, "XX000", "status %d (%s) falls through to XX000", st,
                          st_name(st));
        cr_assert_neq(code, ACIDB_ERROR, "status %d (%s) falls through to ACIDB_ERROR", st,
                      st_name(st));
        cr_assert_neq(code, ACIDB_OK, "status %d (%s) reads as success", st, st_name(st));
        cr_assert_str_neq(e.state, "00000", "status %d (%s) reads as success", st, st_name(st));
        cr_assert_str_eq(e.msg, st_msg(), "status %d keeps its message", st);
    }
    st_set(ST_OK, NULL);
    cr_assert_eq(sql_err_status(&e, ST_NCODES, NULL), ACIDB_ERROR);
    cr_assert_str_eq(e.state, "XX000", "a value outside the enum is an internal error");
}
