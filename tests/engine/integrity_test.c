/*
 * integrity_test.c — acidb_check's cross-checks (engine/check.c) and what the engine does when
 * an index and its table disagree (XX002). The damage is made through the test hooks of
 * engine/testhooks.h: B+tree calls outside any mini-transaction, as a bug or a bad disk would
 * leave it — pages self-consistent, nothing logged.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/testhooks.h"
#include "pager/status.h"
#include "tests/engine/util.h"

/* Everything acidb_check reported, one "page N: message" line each. */
typedef struct report {
    char text[16384];
    size_t used;
    int n;
} report;

static void on_problem(void *ctx, uint64_t page, const char *msg)
{
    report *r = ctx;
    r->n++;
    int w = snprintf(r->text + r->used, sizeof r->text - r->used, "page %llu: %s\n",
                     (unsigned long long)page, msg);
    if (w > 0 && r->used + (size_t)w < sizeof r->text)
        r->used += (size_t)w;
}

static uint64_t check(acidb_db *db, report *r)
{
    memset(r, 0, sizeof *r);
    uint64_t problems = 999;
    cr_assert_eq(acidb_check(db, on_problem, r, &problems), ACIDB_OK);
    cr_assert_eq(problems, (uint64_t)r->n);
    return problems;
}

static void expect_clean(acidb_db *db)
{
    report r;
    cr_assert_eq(check(db, &r), 0, "the check of an undamaged database reports:\n%s", r.text);
}

/* Whether one reported line contains all of the given strings (NULL-terminated). */
static int reported(const report *r, ...)
{
    const char *line = r->text;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char buf[2048];
        snprintf(buf, sizeof buf, "%.*s", (int)n, line);
        va_list ap;
        va_start(ap, r);
        int all = 1;
        for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *))
            all &= strstr(buf, s) != NULL;
        va_end(ap);
        if (all)
            return 1;
        line += n + (end != NULL);
    }
    return 0;
}

/* Copies the key of the n-th entry (0 = first) of tree into key[] (*len). */
static void nth_key(bt_tree *tree, int n, uint8_t *key, size_t *len)
{
    bt_cursor *cur;
    cr_assert_eq(bt_cursor_open(tree, &cur), ST_OK);
    cr_assert_eq(bt_first(cur), ST_OK);
    for (int i = 0; i < n; i++)
        cr_assert_eq(bt_next(cur), ST_OK);
    cr_assert(bt_cursor_valid(cur));
    bt_key k;
    cr_assert_eq(bt_cursor_key(cur, &k), ST_OK);
    memcpy(key, k.bytes, k.len);
    *len = k.len;
    bt_cursor_close(cur);
}

static void row_id_bytes(int64_t rowid, uint8_t out[8])
{
    for (int b = 0; b < 8; b++)
        out[b] = (uint8_t)((uint64_t)rowid >> (8 * b));
}

/* The story of the fault-injection battery: one entry of a UNIQUE index goes missing. */
Test(integrity, missing_unique_entry_is_reported_and_so_is_the_duplicate_it_lets_in,
     .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)");
    fx_ok(c, "INSERT INTO users VALUES (1, 'alice@example.com'), (2, 'bob@example.com')");
    expect_clean(db);

    bt_tree *ix = acidb_test_tree(db, "users_email_key");
    cr_assert_not_null(ix);
    uint8_t key[256];
    size_t klen;
    nth_key(ix, 0, key, &klen); /* alice's: memcmp order */
    bt_key k = bt_bytes_key(key, klen);
    cr_assert_eq(bt_delete(ix, &k), ST_OK);

    report r;
    cr_assert_eq(check(db, &r), 1, "%s", r.text);
    cr_expect(reported(&r, "row 1 ", "table \"users\"", "no entry", "index \"users_email_key\"",
                       "Key (email)=(alice@example.com)", NULL), "%s", r.text);

    /* The unique probe cannot see a missing entry without a table scan (as in PostgreSQL):
     * the second alice goes in. The check then names the duplicate. */
    fx_ok(c, "INSERT INTO users VALUES (3, 'alice@example.com')");
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM users WHERE email = 'alice@example.com'"), 1,
                 "the lookup goes through the index, which knows row 3 only");
    cr_assert_eq(check(db, &r), 1, "%s", r.text);
    cr_expect(reported(&r, "row 1 ", "table \"users\"", "users_email_key",
                       "(email)=(alice@example.com)", "row 3", "duplicate in a unique index",
                       NULL), "%s", r.text);

    /* The damage is on disk after a clean close, and the check still finds it. */
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    db = eng_open(0);
    cr_assert_eq(check(db, &r), 1, "%s", r.text);
    cr_expect(reported(&r, "row 1 ", "duplicate in a unique index", NULL), "%s", r.text);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

Test(integrity, entry_pointing_to_a_missing_row_is_reported_and_answers_xx002,
     .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, u INTEGER UNIQUE)");
    fx_ok(c, "INSERT INTO t VALUES (1, 10), (2, 20)");
    bt_key row1 = bt_int_key(1);
    cr_assert_eq(bt_delete(acidb_test_tree(db, "t"), &row1), ST_OK);

    report r;
    cr_assert_eq(check(db, &r), 1, "%s", r.text);
    cr_expect(reported(&r, "index \"t_u_key\"", "table \"t\"", "Key (u)=(10)", "row 1",
                       "does not exist", NULL), "%s", r.text);

    /* Neither 23505 (trusting the index) nor success (trusting the table). */
    fx_fails(c, "INSERT INTO t VALUES (3, 10)", "XX002");
    cr_expect(strstr(acidb_errmsg(c), "t_u_key") && strstr(acidb_errmsg(c), "(u)=(10)") &&
              strstr(acidb_errmsg(c), "row 1"), "%s", acidb_errmsg(c));
    fx_fails(c, "UPDATE t SET u = 10 WHERE id = 2", "XX002");
    /* A point lookup through the index meets the same entry. */
    fx_fails(c, "SELECT id FROM t WHERE u = 10", "XX002");
    cr_expect(strstr(acidb_errmsg(c), "t_u_key") != NULL, "%s", acidb_errmsg(c));
    /* An intact key still behaves. */
    fx_fails(c, "INSERT INTO t VALUES (4, 20)", "23505");
    cr_assert_eq(fx_int(c, "SELECT id FROM t WHERE u = 20"), 2);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

Test(integrity, entry_pointing_to_the_wrong_row_is_reported_and_answers_xx002,
     .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, u INTEGER UNIQUE)");
    fx_ok(c, "INSERT INTO t VALUES (1, 10), (2, 20)");
    bt_tree *ix = acidb_test_tree(db, "t_u_key");
    uint8_t key[64], rid[8];
    size_t klen;
    nth_key(ix, 0, key, &klen); /* u = 10, value: row 1 */
    row_id_bytes(2, rid);
    bt_key k = bt_bytes_key(key, klen);
    cr_assert_eq(bt_insert(ix, &k, rid, 8, BT_REPLACE), ST_OK); /* now says row 2 */

    report r;
    check(db, &r);
    cr_expect(reported(&r, "index \"t_u_key\"", "Key (u)=(10)", "points to row 2",
                       "whose key is (u)=(20)", NULL), "%s", r.text);
    cr_expect(reported(&r, "row 1 ", "table \"t\"", "no entry", "t_u_key", "(u)=(10)", NULL),
              "%s", r.text);
    fx_fails(c, "INSERT INTO t VALUES (3, 10)", "XX002");
    cr_expect(strstr(acidb_errmsg(c), "whose key is (u)=(20)") != NULL, "%s", acidb_errmsg(c));
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

Test(integrity, row_missing_from_a_non_unique_index_is_reported,
     .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER, w TEXT)");
    fx_ok(c, "CREATE INDEX t_v_w ON t (v, w)");
    for (int i = 1; i <= 300; i++) {
        char sql[160];
        snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, %d, %s)", i, 1000 - i,
                 i % 10 == 0 ? "NULL" : "'x'");
        fx_ok(c, sql);
    }
    expect_clean(db);
    /* The first entry is the row with the smallest v: row 300 (w NULL). */
    bt_tree *ix = acidb_test_tree(db, "t_v_w");
    uint8_t key[64];
    size_t klen;
    nth_key(ix, 0, key, &klen);
    bt_key k = bt_bytes_key(key, klen);
    cr_assert_eq(bt_delete(ix, &k), ST_OK);

    report r;
    cr_assert_eq(check(db, &r), 1, "%s", r.text);
    cr_expect(reported(&r, "row 300 ", "table \"t\"", "no entry", "index \"t_v_w\"",
                       "Key (v, w)=(700, null)", NULL), "%s", r.text);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

Test(integrity, page_lsn_beyond_the_end_of_the_log_is_reported,
     .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    fx_ok(c, "INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    expect_clean(db);
    uint64_t end = acidb_test_log_end(db), root = bt_root(acidb_test_tree(db, "t"));
    cr_assert_gt(end, 0);
    cr_assert_eq(acidb_test_stamp_page(db, root, end + 5000), ACIDB_OK);

    report r;
    char page[64], lsn[64];
    snprintf(page, sizeof page, "page %llu: LSN", (unsigned long long)root);
    snprintf(lsn, sizeof lsn, "LSN %llu is beyond the end of the log", (unsigned long long)(end + 5000));
    cr_assert_eq(check(db, &r), 1, "%s", r.text);
    cr_expect(reported(&r, page, lsn, NULL), "%s", r.text);
    /* An LSN just below the end is fine. */
    cr_assert_eq(acidb_test_stamp_page(db, root, acidb_test_log_end(db) - 1), ACIDB_OK);
    expect_clean(db);
    cr_assert_eq(acidb_test_stamp_page(db, root, acidb_test_log_end(db)), ACIDB_OK);
    cr_assert_eq(check(db, &r), 1, "%s", r.text);
    acidb_disconnect(c);
    cr_assert_eq(acidb_test_abandon(db), ACIDB_OK); /* the stamped page never reaches the file */
}

/* The same damage met by a change: the page is refused (XX001 naming it), never stamped with an
 * LSN smaller than its own (redo would then skip the new record), and nothing else is hurt. */
Test(integrity, change_to_a_page_with_an_lsn_beyond_the_log_is_refused,
     .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    fx_ok(c, "CREATE TABLE u (id INTEGER PRIMARY KEY)");
    fx_ok(c, "INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    uint64_t end = acidb_test_log_end(db), root = bt_root(acidb_test_tree(db, "t"));
    cr_assert_eq(acidb_test_stamp_page(db, root, end + 5000), ACIDB_OK);

    char lsn[96];
    snprintf(lsn, sizeof lsn, "page %llu: LSN %llu is beyond the end of the log",
             (unsigned long long)root, (unsigned long long)(end + 5000));
    cr_assert_eq(acidb_exec(c, "INSERT INTO t VALUES (3, 'c')"), ACIDB_CORRUPT);
    cr_assert_str_eq(acidb_sqlstate(c), "XX001");
    cr_assert(strstr(acidb_errmsg(c), lsn) != NULL, "names page and LSN: %s", acidb_errmsg(c));
    cr_assert_eq(acidb_exec(c, "UPDATE t SET v = 'z' WHERE id = 1"), ACIDB_CORRUPT);
    /* Reads still work, and other tables still take changes. */
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM t"), 2);
    fx_ok(c, "INSERT INTO u VALUES (1)");
    acidb_disconnect(c);
    cr_assert_eq(acidb_test_abandon(db), ACIDB_OK); /* the stamped page never reaches the file */
}

Test(integrity, identity_counter_not_above_the_column_is_reported,
     .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY, x INTEGER)");
    /* BY DEFAULT and SERIAL take explicit values, which may pass the counter (as in
     * PostgreSQL): not a problem. */
    fx_ok(c, "CREATE TABLE s (id SERIAL, y INTEGER GENERATED BY DEFAULT AS IDENTITY)");
    fx_ok(c, "INSERT INTO s VALUES (1000, 2000)");
    for (int i = 0; i < 50; i++)
        fx_ok(c, "INSERT INTO t (x) VALUES (1)");
    cr_assert_eq(fx_int(c, "SELECT max(id) FROM t"), 50);
    expect_clean(db);

    cr_assert_eq(acidb_test_set_identity_counter(db, "t", "id", 50), ACIDB_OK);
    report r;
    cr_assert_eq(check(db, &r), 1, "%s", r.text);
    cr_expect(reported(&r, "table \"t\"", "column \"id\"", "is 50", "largest value", "(50)", NULL),
              "%s", r.text);
    cr_assert_eq(acidb_test_set_identity_counter(db, "t", "id", 51), ACIDB_OK);
    expect_clean(db);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* No false alarm: every kind of index, NULLs, updates that move keys and row ids, deletes,
 * foreign keys, identity columns, a rolled-back transaction, a reopen. */
Test(integrity, undamaged_database_of_every_index_kind_is_clean,
     .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE p (code TEXT PRIMARY KEY, a INTEGER, b BOOLEAN, UNIQUE (a, b))");
    fx_ok(c, "CREATE TABLE ch (id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
              "code TEXT REFERENCES p (code), n INTEGER UNIQUE, note TEXT)");
    fx_ok(c, "CREATE INDEX ch_code_note ON ch (code, note)");
    fx_ok(c, "CREATE TABLE nokey (x INTEGER, y TEXT)");
    fx_ok(c, "CREATE INDEX nokey_y ON nokey (y)");
    for (int i = 0; i < 200; i++) {
        char sql[300];
        snprintf(sql, sizeof sql, "INSERT INTO p VALUES ('c%03d', %s, %s)", i,
                 i % 9 == 0 ? "NULL" : "1", i % 2 ? "true" : (i % 9 == 0 ? "NULL" : "false"));
        if (i % 9 != 0)
            snprintf(sql, sizeof sql, "INSERT INTO p VALUES ('c%03d', %d, %s)", i, i / 2,
                     i % 2 ? "true" : "false");
        fx_ok(c, sql);
        snprintf(sql, sizeof sql, "INSERT INTO ch (code, n, note) VALUES ('c%03d', %s, %s)", i,
                 i % 5 == 0 ? "NULL" : "-1", i % 3 ? "'zz'" : "NULL");
        if (i % 5 != 0)
            snprintf(sql, sizeof sql, "INSERT INTO ch (code, n, note) VALUES ('c%03d', %d, %s)",
                     i, i * 3, i % 3 ? "'note'" : "NULL");
        fx_ok(c, sql);
        snprintf(sql, sizeof sql, "INSERT INTO nokey VALUES (%d, %s)", i, i % 4 ? "'y'" : "NULL");
        fx_ok(c, sql);
    }
    fx_ok(c, "UPDATE ch SET n = n + 1000 WHERE n IS NOT NULL");
    fx_ok(c, "UPDATE p SET a = a + 1000 WHERE a IS NOT NULL");
    fx_ok(c, "CREATE TABLE m (id INTEGER PRIMARY KEY, v INTEGER UNIQUE)");
    fx_ok(c, "INSERT INTO m SELECT x, x FROM nokey");
    fx_ok(c, "UPDATE m SET id = id + 1000 WHERE id % 2 = 0");
    fx_ok(c, "DELETE FROM ch WHERE id % 7 = 0");
    fx_ok(c, "DELETE FROM nokey WHERE x % 3 = 0");
    fx_ok(c, "BEGIN; UPDATE ch SET note = 'gone'; DELETE FROM nokey; ROLLBACK");
    expect_clean(db);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    db = eng_open(0);
    expect_clean(db);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}
