/*
 * host.c — a program that embeds acidb and defines functions of its own under names the
 * library uses internally (bt_get, txn_begin, lk_acquire, bind_expr, cat_unref, get_u64). Linked
 * against the shipped shared or static library it must build, use acidb (open, create, insert,
 * select) and still reach its own functions; linked against the internal archive it fails to
 * link (multiple definitions), which tests/install/run.sh checks as the control.
 */
#include <acidb.h>
#include <stdio.h>
#include <string.h>

int bt_get(void) { return 1001; }
int txn_begin(void) { return 1002; }
int lk_acquire(void) { return 1003; }
int bind_expr(void) { return 1004; }
int cat_unref(void) { return 1005; }
int get_u64(void) { return 1006; }

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    acidb_db *db;
    acidb_conn *c;
    acidb_stmt *s;
    if (acidb_open(argv[1], NULL, &db) != ACIDB_OK || acidb_connect(db, &c) != ACIDB_OK) {
        fprintf(stderr, "open: %s\n", acidb_open_errmsg());
        return 1;
    }
    long long sum = -1;
    if (acidb_exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)") == ACIDB_OK &&
        acidb_exec(c, "INSERT INTO t VALUES (1, 20), (2, 22)") == ACIDB_OK &&
        acidb_prepare(c, "SELECT sum(v) FROM t", &s) == ACIDB_OK) {
        if (acidb_step(s) == ACIDB_ROW)
            sum = (long long)acidb_column_int64(s, 0);
        acidb_finalize(s);
    } else {
        fprintf(stderr, "sql: %s\n", acidb_errmsg(c));
    }
    acidb_disconnect(c);
    acidb_close(db);
    int own = bt_get() == 1001 && txn_begin() == 1002 && lk_acquire() == 1003 &&
              bind_expr() == 1004 && cat_unref() == 1005 && get_u64() == 1006;
    int ver = strcmp(acidb_libversion(), ACIDB_VERSION) == 0 &&
              acidb_libversion_number() == ACIDB_VERSION_NUMBER;
    printf("sum=%lld own=%d version=%s\n", sum, own, acidb_libversion());
    return sum == 42 && own && ver ? 0 : 1;
}
