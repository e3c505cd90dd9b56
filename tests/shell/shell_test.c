/*
 * shell_test.c — the acidb shell driven through standard input and arguments: options and
 * exit statuses, every output mode with nasty values, errors with the caret, .import,
 * .dump round trip, dot-commands, and the sessions stories of shell/examples/.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/shell/run.h"

TestSuite(shell, .init = sh_setup, .fini = sh_teardown);

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Asserts that `hay` contains `needle`, showing both. */
#define HAS(hay, needle) \
    cr_assert(strstr((hay), (needle)) != NULL, "expected to find:\n%s\n--- in:\n%s", (needle), (hay))
#define EQ(got, want) cr_assert(strcmp((got), (want)) == 0, "expected:\n%s\n--- got:\n%s", (want), (got))

static const char demo[] =
    "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
    " balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0));\n"
    "INSERT INTO accounts VALUES (1, 'alice', 100), (2, 'bob', 50), (3, 'carol', 0);\n";

static void ok(const char *input)
{
    sh_run r = run_shell(input, ARGS(sh_db));
    cr_assert(r.status == 0, "setup failed (%d): %s", r.status, r.err);
    run_free(&r);
}

/* ---- options and exit statuses ------------------------------------------------------------ */

Test(shell, help_and_version_exit_0)
{
    sh_run r = run_shell(NULL, ARGS("--help"));
    cr_assert_eq(r.status, 0);
    HAS(r.out, "Usage: acidb");
    run_free(&r);
    r = run_shell(NULL, ARGS("--version"));
    cr_assert_eq(r.status, 0);
    EQ(r.out, "acidb 0.5.0\nlibrary 0.5.0, file format 1, log format 3\n");
    run_free(&r);
}

Test(shell, unknown_option_exits_2_with_a_message)
{
    sh_run r = run_shell(NULL, ARGS("--frobnicate", sh_db));
    cr_assert_eq(r.status, 2);
    HAS(r.err, "unknown option '--frobnicate'");
    EQ(r.out, "");
    run_free(&r);
    r = run_shell(NULL, ARGS(sh_db, "-c"));
    cr_assert_eq(r.status, 2);
    HAS(r.err, "needs an argument");
    run_free(&r);
}

Test(shell, sql_arguments_run_and_exit)
{
    sh_run r = run_shell(NULL, ARGS(sh_db, "CREATE TABLE t (a INTEGER, b TEXT)",
                                    "INSERT INTO t VALUES (1, 'x'), (2, NULL)",
                                    "SELECT a, b FROM t ORDER BY a"));
    cr_assert_eq(r.status, 0, "%s", r.err);
    EQ(r.out, "1|x\n2|\n");
    EQ(r.err, "");
    run_free(&r);
}

Test(shell, failed_statement_exits_1_and_bail_stops)
{
    ok(demo);
    sh_run r = run_shell("SELECT nope FROM accounts;\nSELECT 7;\n", ARGS(sh_db));
    cr_assert_eq(r.status, 1);
    EQ(r.out, "7\n");
    run_free(&r);
    r = run_shell("SELECT nope FROM accounts;\nSELECT 7;\n", ARGS("-bail", sh_db));
    cr_assert_eq(r.status, 1);
    EQ(r.out, "");
    run_free(&r);
    r = run_shell(NULL, ARGS(sh_db, "-c", "SELECT 1", "-c", "SELECT 2"));
    cr_assert_eq(r.status, 0);
    EQ(r.out, "1\n2\n");
    run_free(&r);
}

Test(shell, file_option_and_read)
{
    ok(demo);
    sh_file("q.sql", "SELECT name\n  FROM accounts\n  WHERE id = 2;\n");
    sh_run r = run_shell(NULL, ARGS(sh_db, "-f", "q.sql"));
    cr_assert_eq(r.status, 0, "%s", r.err);
    EQ(r.out, "bob\n");
    run_free(&r);
    r = run_shell(".read q.sql\n.read missing.sql\n", ARGS(sh_db));
    cr_assert_eq(r.status, 1);
    EQ(r.out, "bob\n");
    HAS(r.err, "cannot open missing.sql");
    run_free(&r);
}

/* ---- output modes --------------------------------------------------------------------------- */

static const char nasty[] =
    "CREATE TABLE n (id INTEGER PRIMARY KEY, v TEXT, ok BOOLEAN);\n"
    "INSERT INTO n VALUES (1, 'say \"hi\", ok', true), (2, 'two\nlines', false),"
    " (3, '', NULL), (4, NULL, true), (5, 'ünï 日本 tab\there', false);\n";

Test(shell, table_mode_is_aligned_with_tags_and_row_count)
{
    ok(demo);
    sh_run r = run_shell(".mode table\nSELECT id, name, balance FROM accounts ORDER BY id;\n"
                         "UPDATE accounts SET balance = balance + 1 WHERE id < 3;\n"
                         "BEGIN;\nCOMMIT;\n", ARGS(sh_db));
    EQ(r.out, " id | name  | balance\n"
              "----+-------+---------\n"
              "  1 | alice |     100\n"
              "  2 | bob   |      50\n"
              "  3 | carol |       0\n"
              "(3 rows)\n\n"
              "UPDATE 2\nBEGIN\nCOMMIT\n");
    run_free(&r);
}

Test(shell, box_mode_counts_display_width)
{
    ok(nasty);
    sh_run r = run_shell(".mode box\nSELECT id, v FROM n WHERE id IN (1, 5) ORDER BY id;\n",
                         ARGS(sh_db));
    EQ(r.out, "┌────┬────────────────────┐\n"
              "│ id │         v          │\n"
              "├────┼────────────────────┤\n"
              "│  1 │ say \"hi\", ok       │\n"
              "│  5 │ ünï 日本 tab\\there │\n"
              "└────┴────────────────────┘\n"
              "(2 rows)\n\n");
    run_free(&r);
}

Test(shell, csv_quotes_what_needs_quoting)
{
    ok(nasty);
    sh_run r = run_shell(NULL, ARGS("-csv", "-header", sh_db, "SELECT * FROM n ORDER BY id"));
    EQ(r.out, "id,v,ok\r\n"
              "1,\"say \"\"hi\"\", ok\",t\r\n"
              "2,\"two\nlines\",f\r\n"
              "3,\"\",\r\n"
              "4,,t\r\n"
              "5,ünï 日本 tab\there,f\r\n");
    run_free(&r);
}

Test(shell, json_escapes_and_types)
{
    ok(nasty);
    sh_run r = run_shell(NULL, ARGS("-json", sh_db, "SELECT * FROM n ORDER BY id"));
    EQ(r.out, "[{\"id\":1,\"v\":\"say \\\"hi\\\", ok\",\"ok\":true},\n"
              "{\"id\":2,\"v\":\"two\\nlines\",\"ok\":false},\n"
              "{\"id\":3,\"v\":\"\",\"ok\":null},\n"
              "{\"id\":4,\"v\":null,\"ok\":true},\n"
              "{\"id\":5,\"v\":\"ünï 日本 tab\\there\",\"ok\":false}]\n");
    run_free(&r);
}

Test(shell, tsv_line_and_list_modes)
{
    ok(nasty);
    sh_run r = run_shell(".mode tsv\n.headers on\nSELECT id, v FROM n WHERE id < 3 ORDER BY id;\n"
                         ".mode line\nSELECT id, v FROM n WHERE id = 1;\n"
                         ".mode list\n.headers off\nSELECT id, ok FROM n WHERE id = 4;\n",
                         ARGS(sh_db));
    EQ(r.out, "id\tv\n1\tsay \"hi\", ok\n2\ttwo\\nlines\n"
              "id = 1\n v = say \"hi\", ok\n"
              "4|t\n");
    run_free(&r);
}

Test(shell, output_and_once_redirect_results)
{
    ok(demo);
    sh_run r = run_shell(".once one.txt\nSELECT 1;\nSELECT 2;\n.output all.txt\nSELECT 3;\n"
                         "SELECT 4;\n.output\nSELECT 5;\n", ARGS(sh_db));
    EQ(r.out, "2\n5\n");
    char *one = sh_read("one.txt"), *all = sh_read("all.txt");
    EQ(one, "1\n");
    EQ(all, "3\n4\n");
    free(one);
    free(all);
    run_free(&r);
}

Test(shell, timer_prints_time)
{
    sh_run r = run_shell(".timer on\nSELECT 1;\n", ARGS(sh_db));
    HAS(r.out, "Time: ");
    run_free(&r);
}

/* ---- errors ------------------------------------------------------------------------------------ */

Test(shell, syntax_error_shows_line_and_caret)
{
    sh_run r = run_shell("SELECT 1;\nSELECT *\n  FORM accounts;\n", ARGS(sh_db));
    cr_assert_eq(r.status, 1);
    EQ(r.err, "acidb:<stdin>:2: ERROR:  syntax error at or near \"FORM\"\n"
              "LINE 2:   FORM accounts;\n"
              "          ^\n"
              "SQLSTATE: 42601\n");
    run_free(&r);
}

Test(shell, constraint_error_shows_detail_and_sqlstate)
{
    ok(demo);
    sh_run r = run_shell(NULL, ARGS(sh_db, "INSERT INTO accounts VALUES (9, 'alice', 1)"));
    cr_assert_eq(r.status, 1);
    EQ(r.err, "ERROR:  duplicate key value violates unique constraint \"accounts_name_key\"\n"
              "DETAIL:  Key (name)=(alice) already exists.\n"
              "SQLSTATE: 23505\n");
    run_free(&r);
}

Test(shell, unknown_dot_command_and_bad_mode)
{
    sh_run r = run_shell(".frob\n.mode fancy\n.headers maybe\n", ARGS(sh_db));
    cr_assert_eq(r.status, 1);
    HAS(r.err, "unknown command \".frob\"");
    HAS(r.err, "unknown mode \"fancy\"");
    HAS(r.err, "expected on or off");
    run_free(&r);
}

/* ---- catalog dot-commands ------------------------------------------------------------------------ */

Test(shell, tables_schema_indexes)
{
    ok(demo);
    ok("CREATE TABLE t (a INTEGER, b TEXT);\nCREATE UNIQUE INDEX t_b ON t (b);\n");
    sh_run r = run_shell(".tables\n.schema t\n.indexes t\n.indexes accounts\n.schema nope\n",
                         ARGS(sh_db));
    EQ(r.out, "accounts\nt\n"
              "CREATE TABLE t (a INTEGER, b TEXT);\nCREATE UNIQUE INDEX t_b ON t (b);\n"
              "t_b on t (b) unique\n"
              "accounts_name_key on accounts (name) unique, from a constraint\n");
    HAS(r.err, "no table named \"nope\"");
    run_free(&r);
}

/* ---- .import ------------------------------------------------------------------------------------- */

Test(shell, import_loads_rfc4180_csv)
{
    ok(demo);
    sh_file("in.csv", "id,name,balance\r\n10,dave,5\r\n11,\"e, \"\"q\"\"\nline\",7\r\n\r\n"
                      "12,\"\",0\r\n");
    sh_run r = run_shell(".import in.csv accounts\n"
                         "SELECT id, name, balance FROM accounts WHERE id >= 10 ORDER BY id;\n",
                         ARGS("-csv", sh_db));
    cr_assert_eq(r.status, 0, "%s", r.err);
    EQ(r.out, "10,dave,5\r\n11,\"e, \"\"q\"\"\nline\",7\r\n12,\"\",0\r\n");
    HAS(r.err, "imported 3 rows into accounts");
    run_free(&r);
}

Test(shell, import_bad_row_names_its_line_and_imports_nothing)
{
    ok(demo);
    sh_file("bad.csv", "id,name,balance\n20,gina,5\n21,\"multi\nline\",6\n22,hank,-3\n23,ivan,1\n");
    sh_run r = run_shell(".import bad.csv accounts\nSELECT count(*) FROM accounts;\n",
                         ARGS(sh_db));
    cr_assert_eq(r.status, 1);
    EQ(r.out, "3\n");
    HAS(r.err, "bad.csv line 5: new row for relation \"accounts\" violates check constraint");
    HAS(r.err, "nothing was imported");
    run_free(&r);
    sh_file("short.csv", "id,name\n30,x\n31\n");
    sh_file("quote.csv", "id,name\n30,\"x\n");
    r = run_shell(".import short.csv accounts\n.import quote.csv accounts\n"
                  "SELECT count(*) FROM accounts;\n", ARGS(sh_db));
    EQ(r.out, "3\n");
    HAS(r.err, "short.csv line 3: 1 field where the header has 2");
    HAS(r.err, "quote.csv line 2: unterminated quoted field");
    run_free(&r);
}

/* ---- .dump --------------------------------------------------------------------------------------- */

Test(shell, dump_round_trip_is_identical)
{
    ok(demo);
    ok(nasty);
    ok("CREATE TABLE \"order\" (id INTEGER PRIMARY KEY, acct INTEGER REFERENCES accounts (id));\n"
       "INSERT INTO \"order\" VALUES (1, 2);\nCREATE INDEX order_acct ON \"order\" (acct);\n");
    sh_run a = run_shell(".output one.sql\n.dump\n", ARGS(sh_db));
    cr_assert_eq(a.status, 0, "%s", a.err);
    char *one = sh_read("one.sql");
    HAS(one, "INSERT INTO n VALUES (2, 'two\nlines', false);");
    HAS(one, "INSERT INTO \"order\" VALUES (1, 2);");
    cr_assert(strstr(one, "CREATE TABLE accounts") < strstr(one, "CREATE TABLE \"order\""),
              "referenced tables come first");
    sh_run b = run_shell(".read one.sql\n.output two.sql\n.dump\n", ARGS("copy.db"));
    cr_assert_eq(b.status, 0, "%s", b.err);
    char *two = sh_read("two.sql");
    /* Skip the first line: it names the file. */
    EQ(strchr(two, '\n'), strchr(one, '\n'));
    free(one);
    free(two);
    run_free(&a);
    run_free(&b);
}

/* Referenced tables come first whatever their names (the foreign keys of acidb_get_schema),
 * so the dump loads. */
Test(shell, dump_puts_referenced_tables_first)
{
    ok("CREATE TABLE z_parent (id INTEGER PRIMARY KEY);\n"
       "CREATE TABLE a_child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES z_parent (id));\n"
       "INSERT INTO z_parent VALUES (7);\nINSERT INTO a_child VALUES (1, 7);\n");
    sh_run a = run_shell(".output one.sql\n.dump\n", ARGS(sh_db));
    cr_assert_eq(a.status, 0, "%s", a.err);
    char *one = sh_read("one.sql");
    cr_assert(strstr(one, "CREATE TABLE z_parent") < strstr(one, "CREATE TABLE a_child"),
              "referenced tables come first:\n%s", one);
    cr_assert(strstr(one, "INSERT INTO z_parent") < strstr(one, "INSERT INTO a_child"), "%s", one);
    sh_run b = run_shell(".read one.sql\nSELECT p FROM a_child;\n", ARGS("copy.db"));
    cr_assert_eq(b.status, 0, "%s", b.err);
    EQ(b.out, "7\n");
    free(one);
    run_free(&a);
    run_free(&b);
}

/* ---- sessions ------------------------------------------------------------------------------------ */

Test(shell, blocked_session_is_reported_then_completes)
{
    ok(demo);
    sh_run r = run_shell("BEGIN;\nUPDATE accounts SET balance = balance - 10 WHERE id = 1;\n"
                         ".session B\n"
                         "UPDATE accounts SET balance = balance + 1 WHERE id = 1;\n"
                         ".sessions\n"
                         ".session A\nCOMMIT;\n.wait B\n"
                         "SELECT balance FROM accounts WHERE id = 1;\n", ARGS(sh_db));
    cr_assert_eq(r.status, 0, "%s", r.err);
    HAS(r.err, "session B waits for a lock on accounts row 1 (X) held by session A\n");
    HAS(r.out, "  A        in transaction");
    HAS(r.out, "* B        no transaction, waiting for a lock");
    HAS(r.out, "91\n");
    run_free(&r);
}

Test(shell, at_name_runs_in_another_session)
{
    ok(demo);
    sh_run r = run_shell(".session B\n.session A\nBEGIN;\n@B BEGIN;\n.sessions\n",
                         ARGS(sh_db));
    EQ(r.out, "* A        in transaction (transaction 1)\n"
              "  B        in transaction (transaction 2)\n");
    HAS(r.err, "session A: rolling back the open transaction");
    HAS(r.err, "session B: rolling back the open transaction");
    run_free(&r);
}

/* Runs shell/examples/NAME.sql on the demo bank; returns the run. */
static sh_run example(const char *name)
{
    char path[256];
    const char *src = getenv("ACIDB_SRC");
    snprintf(path, sizeof path, "%s/shell/examples/%s.sql", src ? src : ".", name);
    char abs[4096];
    cr_assert(realpath(path, abs) != NULL, "missing %s (run from the repository root)", path);
    sh_run d = run_shell(NULL, ARGS("--demo", sh_db));
    cr_assert_eq(d.status, 0, "%s", d.err);
    run_free(&d);
    return run_shell(NULL, ARGS(sh_db, "-f", abs));
}

Test(shell, example_transfer)
{
    sh_run r = example("transfer");
    cr_assert_eq(r.status, 0, "%s", r.err);
    HAS(r.out, " alice |      70\n bob   |      80\n");
    HAS(r.out, "   150\n");
    run_free(&r);
}

Test(shell, example_overdraft_is_refused)
{
    sh_run r = example("overdraft");
    cr_assert_eq(r.status, 1);
    HAS(r.err, "violates check constraint \"accounts_balance_check\"");
    HAS(r.out, "ROLLBACK\n");
    HAS(r.out, " alice |     100\n bob   |      50\n carol |       0\n");
    run_free(&r);
}

Test(shell, example_lost_update_prevented)
{
    sh_run r = example("lost_update");
    cr_assert_eq(r.status, 0, "%s", r.err);
    HAS(r.err, "session B waits for a lock on accounts row 1 (X) held by session A");
    HAS(r.out, "[B]      110\n");
    HAS(r.out, "     130\n(1 row)");
    run_free(&r);
}

Test(shell, example_deadlock_names_the_victim)
{
    sh_run r = example("deadlock");
    cr_assert_eq(r.status, 1);
    HAS(r.err, "deadlock.sql:11: ERROR:  deadlock detected\n");
    HAS(r.err, "transaction 2 (session B) (youngest of 2) chosen as victim");
    HAS(r.err, "session B was chosen as the deadlock victim");
    HAS(r.out, " alice |      95\n bob   |      55\n");
    run_free(&r);
}

Test(shell, example_webhook_applied_once)
{
    sh_run r = example("webhook");
    cr_assert_eq(r.status, 1);
    HAS(r.err, "webhook.sql:12: ERROR:  duplicate key value violates unique constraint \"transfers_ref_key\"");
    HAS(r.out, " alice |     100\n bob   |      40\n carol |      10\n");
    run_free(&r);
}

Test(shell, example_job_queue_skip_locked)
{
    sh_run r = example("job_queue");
    cr_assert_eq(r.status, 0, "%s", r.err);
    HAS(r.out, "  1 | send receipt\n(1 row)");
    HAS(r.out, "  2 | update ledger\n(1 row)");
    HAS(r.out, "  1 | send receipt  | t\n  2 | update ledger | t\n  3 | notify bank   | f\n");
    run_free(&r);
}
