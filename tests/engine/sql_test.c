/*
 * sql_test.c — statements through the public API: DDL, DML, queries, every SQLSTATE the engine
 * promises, transaction blocks, persistence, and API misuse.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/engine/util.h"

static acidb_db *db;
static acidb_conn *c;

static void setup(void)
{
    eng_setup();
    db = eng_open(0);
    c = fx_connect(db);
    fx_ok(c, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, "
              "balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0))");
    fx_ok(c, "INSERT INTO accounts VALUES (1, 'alice', 500), (2, 'bob', 100), (3, 'carol', 0)");
}

static void teardown(void)
{
    if (c)
        acidb_disconnect(c);
    if (db)
        cr_expect_eq(acidb_close(db), ACIDB_OK);
    c = NULL;
    db = NULL;
    eng_teardown();
}

TestSuite(sql, .init = setup, .fini = teardown);

static void expect_rows(const char *sql, const char *want)
{
    char *got = fx_query(c, sql);
    cr_expect_str_eq(got, want, "%s", sql);
    free(got);
}

Test(sql, select_point_range_and_scan)
{
    expect_rows("SELECT name, balance FROM accounts WHERE id = 2", "bob|100\n");
    expect_rows("SELECT id FROM accounts WHERE id > 1 ORDER BY id", "2\n3\n");
    expect_rows("SELECT id FROM accounts WHERE id BETWEEN 1 AND 2 ORDER BY id DESC", "2\n1\n");
    expect_rows("SELECT id FROM accounts WHERE name = 'carol'", "3\n");
    expect_rows("SELECT count(*), sum(balance), min(name), max(balance) FROM accounts",
                "3|600|alice|500\n");
    expect_rows("SELECT * FROM accounts WHERE id = 99", "");
    expect_rows("SELECT 1 + 2 AS three, 'x' || 'y', NULL IS NULL", "3|xy|t\n");
}

Test(sql, explain_shows_access_paths)
{
    char *p = fx_query(c, "EXPLAIN SELECT balance FROM accounts WHERE id = $1");
    cr_expect(strstr(p, "Point Lookup on accounts") != NULL, "%s", p);
    free(p);
    p = fx_query(c, "EXPLAIN SELECT id FROM accounts WHERE name = 'bob'");
    cr_expect(strstr(p, "accounts_name_key") != NULL, "%s", p);
    free(p);
    p = fx_query(c, "EXPLAIN SELECT id FROM accounts WHERE id > 5");
    cr_expect(strstr(p, "Index Range Scan") != NULL, "%s", p);
    free(p);
    p = fx_query(c, "EXPLAIN SELECT id FROM accounts WHERE balance > 5");
    cr_expect(strstr(p, "Seq Scan on accounts") != NULL, "%s", p);
    free(p);
}

Test(sql, prepared_statements_and_parameters)
{
    acidb_stmt *s;
    cr_assert_eq(acidb_prepare(c, "SELECT name FROM accounts WHERE id = $1", &s), ACIDB_OK);
    cr_expect_eq(acidb_bind_parameter_count(s), 1);
    for (int id = 1; id <= 3; id++) {
        cr_assert_eq(acidb_bind_int64(s, 1, id), ACIDB_OK);
        cr_assert_eq(acidb_step(s), ACIDB_ROW);
        cr_expect_str_eq(acidb_column_name(s, 0), "name");
        cr_expect_eq(acidb_column_type(s, 0), ACIDB_TEXT);
        cr_assert_eq(acidb_step(s), ACIDB_DONE);
        cr_assert_eq(acidb_reset(s), ACIDB_OK);
    }
    /* A text parameter against an integer column is converted like a literal. */
    cr_assert_eq(acidb_bind_text(s, 1, "2", -1), ACIDB_OK);
    cr_assert_eq(acidb_step(s), ACIDB_ROW);
    cr_expect_str_eq(acidb_column_text(s, 0), "bob");
    acidb_finalize(s);
    cr_assert_eq(acidb_prepare(c, "UPDATE accounts SET balance = balance + ? WHERE id = ?", &s),
                 ACIDB_OK);
    acidb_bind_int64(s, 1, 7);
    acidb_bind_int64(s, 2, 3);
    cr_assert_eq(acidb_step(s), ACIDB_DONE);
    cr_expect_eq(acidb_changes(c), 1);
    cr_expect_str_eq(acidb_command_tag(c), "UPDATE 1");
    acidb_finalize(s);
    cr_expect_eq(fx_int(c, "SELECT balance FROM accounts WHERE id = 3"), 7);
}

Test(sql, returning_and_tags)
{
    expect_rows("INSERT INTO accounts (id, name) VALUES (4, 'dave') RETURNING id, balance",
                "4|0\n");
    expect_rows("UPDATE accounts SET balance = balance * 2 WHERE id < 3 RETURNING id, balance",
                "1|1000\n2|200\n");
    expect_rows("DELETE FROM accounts WHERE id = 4 RETURNING name", "dave\n");
    fx_ok(c, "DELETE FROM accounts WHERE id = 3");
    cr_expect_str_eq(acidb_command_tag(c), "DELETE 1");
}

Test(sql, constraint_errors_name_the_constraint)
{
    fx_fails(c, "INSERT INTO accounts VALUES (4, 'alice', 1)", "23505");
    cr_expect(strstr(acidb_errmsg(c), "accounts_name_key") != NULL, "%s", acidb_errmsg(c));
    cr_expect(strstr(acidb_errmsg(c), "Key (name)=(alice) already exists") != NULL, "%s",
              acidb_errmsg(c));
    fx_fails(c, "INSERT INTO accounts VALUES (1, 'zed', 1)", "23505");
    cr_expect(strstr(acidb_errmsg(c), "accounts_pkey") != NULL, "%s", acidb_errmsg(c));
    fx_fails(c, "UPDATE accounts SET balance = balance - 600 WHERE id = 1", "23514");
    cr_expect(strstr(acidb_errmsg(c), "accounts_balance_check") != NULL, "%s", acidb_errmsg(c));
    fx_fails(c, "INSERT INTO accounts (id) VALUES (9)", "23502");
    cr_expect(strstr(acidb_errmsg(c), "column \"name\"") != NULL, "%s", acidb_errmsg(c));
    /* nothing changed */
    cr_expect_eq(fx_int(c, "SELECT sum(balance) FROM accounts"), 600);
    cr_expect_eq(fx_int(c, "SELECT count(*) FROM accounts"), 3);
}

Test(sql, other_sqlstates)
{
    fx_fails(c, "SELEC 1", "42601");
    cr_expect_eq(acidb_error_position(c), 1);
    fx_fails(c, "SELECT * FROM nosuch", "42P01");
    fx_fails(c, "SELECT nosuch FROM accounts", "42703");
    fx_fails(c, "CREATE TABLE accounts (x INTEGER)", "42P07");
    fx_fails(c, "SELECT 9223372036854775807 + 1", "22003");
    fx_fails(c, "SELECT 1 / 0", "22012");
    fx_fails(c, "SELECT 'abc' + 1", "22P02");
}

Test(sql, failed_block_until_rollback)
{
    fx_ok(c, "BEGIN");
    cr_expect_eq(acidb_txn_state(c), 'T');
    fx_ok(c, "UPDATE accounts SET balance = 0 WHERE id = 1");
    fx_fails(c, "INSERT INTO accounts VALUES (2, 'x', 0)", "23505");
    cr_expect_eq(acidb_txn_state(c), 'E');
    fx_fails(c, "SELECT 1", "25P02");
    fx_ok(c, "COMMIT"); /* rolls back */
    cr_expect_str_eq(acidb_command_tag(c), "ROLLBACK");
    cr_expect_eq(acidb_txn_state(c), 'I');
    cr_expect_eq(fx_int(c, "SELECT balance FROM accounts WHERE id = 1"), 500);
}

Test(sql, rollback_undoes_everything_including_ddl)
{
    fx_ok(c, "BEGIN");
    fx_ok(c, "CREATE TABLE t (a INTEGER)");
    fx_ok(c, "INSERT INTO t VALUES (1)");
    fx_ok(c, "DELETE FROM accounts");
    fx_ok(c, "ROLLBACK");
    fx_fails(c, "SELECT * FROM t", "42P01");
    cr_expect_eq(fx_int(c, "SELECT count(*) FROM accounts"), 3);
}

Test(sql, ddl_indexes_and_drop)
{
    fx_ok(c, "CREATE TABLE transfers (id BIGSERIAL PRIMARY KEY, ref TEXT UNIQUE NOT NULL, "
              "src INTEGER NOT NULL REFERENCES accounts(id), dst INTEGER NOT NULL REFERENCES accounts(id), "
              "amount INTEGER NOT NULL CHECK (amount > 0))");
    fx_ok(c, "CREATE INDEX transfers_src_idx ON transfers (src)");
    fx_ok(c, "INSERT INTO transfers (ref, src, dst, amount) VALUES ('r1', 1, 2, 10), ('r2', 2, 3, 5)");
    expect_rows("SELECT id, ref FROM transfers ORDER BY id", "1|r1\n2|r2\n");
    expect_rows("SELECT ref FROM transfers WHERE src = 2", "r2\n");
    fx_fails(c, "INSERT INTO transfers (ref, src, dst, amount) VALUES ('r3', 1, 99, 1)", "23503");
    fx_fails(c, "DELETE FROM accounts WHERE id = 1", "23503");
    fx_fails(c, "DROP TABLE accounts", "2BP01");
    fx_ok(c, "DROP INDEX transfers_src_idx");
    fx_ok(c, "DROP TABLE transfers");
    fx_ok(c, "DELETE FROM accounts WHERE id = 1");
    fx_ok(c, "CREATE UNIQUE INDEX acc_bal ON accounts (balance)");
    fx_fails(c, "INSERT INTO accounts VALUES (5, 'eve', 100)", "23505");
    fx_fails(c, "CREATE UNIQUE INDEX acc_bal2 ON accounts ((balance))", "42601");
}

Test(sql, group_by_having_order_limit)
{
    fx_ok(c, "CREATE TABLE t (g TEXT, v INTEGER)");
    fx_ok(c, "INSERT INTO t VALUES ('a', 1), ('a', 2), ('b', 5), ('c', NULL), ('b', 5)");
    expect_rows("SELECT g, count(*), count(v), sum(v) FROM t GROUP BY g ORDER BY g",
                "a|2|2|3\nb|2|2|10\nc|1|0|NULL\n");
    expect_rows("SELECT g FROM t GROUP BY g HAVING sum(v) > 3", "b\n");
    expect_rows("SELECT DISTINCT v FROM t ORDER BY v", "1\n2\n5\nNULL\n");
    expect_rows("SELECT v FROM t ORDER BY v DESC LIMIT 2 OFFSET 1", "5\n5\n");
    expect_rows("SELECT count(DISTINCT v) FROM t", "3\n");
    expect_rows("SELECT avg(v) FROM t WHERE g = 'a'", "1.5000000000000000\n");
    fx_fails(c, "SELECT g, v FROM t GROUP BY g", "42803");
}

Test(sql, joins)
{
    fx_ok(c, "CREATE TABLE orders (id INTEGER PRIMARY KEY, acct INTEGER, total INTEGER)");
    fx_ok(c, "INSERT INTO orders VALUES (10, 1, 5), (11, 1, 7), (12, 2, 1)");
    expect_rows("SELECT a.name, o.total FROM accounts a JOIN orders o ON o.acct = a.id "
                "ORDER BY o.id", "alice|5\nalice|7\nbob|1\n");
    expect_rows("SELECT a.name, sum(o.total) FROM orders o INNER JOIN accounts a ON a.id = o.acct "
                "GROUP BY a.name ORDER BY a.name", "alice|12\nbob|1\n");
    fx_fails(c, "SELECT id FROM accounts a JOIN orders o ON o.acct = a.id", "42702");
}

Test(sql, identity_and_serial)
{
    fx_ok(c, "CREATE TABLE j (id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY, x TEXT)");
    fx_ok(c, "INSERT INTO j (x) VALUES ('a'), ('b')");
    fx_fails(c, "INSERT INTO j (id, x) VALUES (5, 'c')", "428C9");
    fx_ok(c, "BEGIN; INSERT INTO j (x) VALUES ('rolled back'); ROLLBACK");
    fx_ok(c, "INSERT INTO j (x) VALUES ('c')");
    expect_rows("SELECT id, x FROM j ORDER BY id", "1|a\n2|b\n4|c\n");
}

Test(sql, survives_reopen)
{
    fx_ok(c, "CREATE TABLE k (id SERIAL PRIMARY KEY, v TEXT)");
    fx_ok(c, "INSERT INTO k (v) VALUES ('one')");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    db = eng_open(0);
    c = fx_connect(db);
    expect_rows("SELECT name FROM accounts WHERE id = 1", "alice\n");
    fx_ok(c, "INSERT INTO k (v) VALUES ('two')");
    /* identity values are never handed out twice, even across a reopen (gaps allowed) */
    cr_expect_gt(fx_int(c, "SELECT max(id) FROM k"), 1);
    cr_expect_eq(fx_int(c, "SELECT count(*) FROM k"), 2);
}

Test(sql, misuse_is_reported_not_crashed)
{
    cr_expect_eq(acidb_exec(NULL, "SELECT 1"), ACIDB_MISUSE);
    cr_expect_eq(acidb_step(NULL), ACIDB_MISUSE);
    cr_expect_eq(acidb_bind_int64(NULL, 1, 1), ACIDB_MISUSE);
    cr_expect_eq(acidb_close(db), ACIDB_MISUSE); /* a connection is open */
    acidb_stmt *s;
    cr_assert_eq(acidb_prepare(c, "SELECT $1", &s), ACIDB_OK);
    cr_expect_eq(acidb_bind_int64(s, 2, 1), ACIDB_MISUSE);
    cr_expect_eq(acidb_step(s), ACIDB_ROW);
    cr_expect_eq(acidb_bind_int64(s, 1, 1), ACIDB_MISUSE);
    cr_expect_eq(acidb_step(s), ACIDB_DONE);
    cr_expect_eq(acidb_step(s), ACIDB_MISUSE);
    cr_expect_eq(acidb_finalize(s), ACIDB_OK);
    cr_expect_eq(acidb_prepare(c, NULL, &s), ACIDB_MISUSE);
    acidb_stmt *empty = (acidb_stmt *)1;
    cr_expect_eq(acidb_prepare(c, "  -- nothing\n ;", &empty), ACIDB_OK);
    cr_expect_null(empty);
}

Test(sql, a_syntax_error_fails_the_block)
{
    fx_ok(c, "BEGIN");
    fx_ok(c, "INSERT INTO accounts VALUES (4, 'dave', 1)");
    fx_fails(c, "SELEC 1", "42601");
    cr_expect_eq(acidb_txn_state(c), 'E');
    fx_fails(c, "INSERT INTO accounts VALUES (5, 'erin', 1)", "25P02");
    fx_fails(c, "SELECT nosuch FROM accounts", "25P02");
    fx_ok(c, "COMMIT");
    cr_expect_str_eq(acidb_command_tag(c), "ROLLBACK");
    cr_expect_eq(fx_int(c, "SELECT count(*) FROM accounts"), 3);
}

Test(sql, group_by_position_and_alias)
{
    expect_rows("SELECT balance > 50 AS rich, count(*) FROM accounts GROUP BY 1 ORDER BY 1",
                "f|1\nt|2\n");
    expect_rows("SELECT balance > 50 AS rich, count(*) FROM accounts GROUP BY rich ORDER BY rich",
                "f|1\nt|2\n");
    fx_fails(c, "SELECT count(*) FROM accounts GROUP BY 1", "42803");
}

Test(sql, varchar_length_is_enforced)
{
    fx_ok(c, "CREATE TABLE w (f VARCHAR(3))");
    fx_fails(c, "INSERT INTO w VALUES ('four')", "22001");
    fx_ok(c, "INSERT INTO w VALUES ('ab   '), ('äöü')");
    expect_rows("SELECT f || '|' FROM w ORDER BY f", "ab |\näöü|\n");
}
