/*
 * check_test.c — the shell's .check on a database whose index and table disagree: the damage
 * is made in-process through engine/testhooks.h (an index entry removed without a log record,
 * written by a clean close), then the shell binary checks the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "engine/testhooks.h"
#include "pager/status.h"
#include "tests/shell/run.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define HAS(hay, needle) \
    cr_assert(strstr((hay), (needle)) != NULL, "expected to find:\n%s\n--- in:\n%s", (needle), (hay))

Test(shell_check, names_table_index_key_and_row_of_a_missing_unique_entry, .init = sh_setup,
     .fini = sh_teardown)
{
    sh_run r = run_shell("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT UNIQUE);\n"
                         "INSERT INTO accounts VALUES (1, 'alice'), (2, 'bob');\n.check\n",
                         ARGS(sh_db));
    cr_assert_eq(r.status, 0, "%s", r.err);
    HAS(r.out, "integrity check of");
    HAS(r.out, ": ok");
    run_free(&r);

    acidb_db *db;
    cr_assert_eq(acidb_open(sh_db, NULL, &db), ACIDB_OK, "%s", acidb_open_errmsg());
    bt_tree *ix = acidb_test_tree(db, "accounts_name_key");
    cr_assert_not_null(ix);
    bt_cursor *cur;
    cr_assert_eq(bt_cursor_open(ix, &cur), ST_OK);
    cr_assert_eq(bt_first(cur), ST_OK); /* alice's entry */
    bt_key k;
    cr_assert_eq(bt_cursor_key(cur, &k), ST_OK);
    uint8_t key[64];
    memcpy(key, k.bytes, k.len);
    bt_key del = bt_bytes_key(key, k.len);
    bt_cursor_close(cur);
    cr_assert_eq(bt_delete(ix, &del), ST_OK);
    cr_assert_eq(acidb_close(db), ACIDB_OK);

    r = run_shell(".check\n", ARGS(sh_db));
    cr_assert_neq(r.status, 0, "a damaged database fails .check");
    HAS(r.out, "row 1 of table \"accounts\" has no entry in index \"accounts_name_key\" "
               "(Key (name)=(alice))");
    HAS(r.err, "1 problem");
    run_free(&r);
}
