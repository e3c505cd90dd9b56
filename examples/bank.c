/*
 * bank.c — the README's embedding example as a whole program: opens (creates) bank.db or the
 * file named by argv[1], makes an accounts table, inserts account 42 when missing and prints its
 * balance. Build it against an installed acidb:
 *
 *   cc bank.c $(pkg-config --cflags --libs acidb) -o bank
 *   cc -static bank.c $(pkg-config --static --cflags --libs acidb) -o bank   (static)
 */
#include <acidb.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "bank.db";
    acidb_db *db;
    acidb_conn *c;
    acidb_stmt *s;
    if (acidb_open(path, NULL, &db) != ACIDB_OK) {
        fprintf(stderr, "%s\n", acidb_open_errmsg());
        return 1;
    }
    if (acidb_connect(db, &c) != ACIDB_OK) {
        acidb_close(db);
        return 1;
    }
    int rc = acidb_exec(c, "CREATE TABLE IF NOT EXISTS accounts (id INTEGER PRIMARY KEY, "
                           "balance INTEGER NOT NULL CHECK (balance >= 0))");
    if (rc == ACIDB_OK) {
        rc = acidb_exec(c, "INSERT INTO accounts VALUES (42, 100)");
        if (rc == ACIDB_CONSTRAINT) /* 23505: account 42 exists (a second run) */
            rc = ACIDB_OK;
    }
    if (rc == ACIDB_OK)
        rc = acidb_prepare(c, "SELECT balance FROM accounts WHERE id = $1", &s);
    if (rc == ACIDB_OK) {
        acidb_bind_int64(s, 1, 42);
        while ((rc = acidb_step(s)) == ACIDB_ROW)
            printf("%lld\n", (long long)acidb_column_int64(s, 0));
        acidb_finalize(s);
        rc = rc == ACIDB_DONE ? ACIDB_OK : rc;
    }
    if (rc != ACIDB_OK)
        fprintf(stderr, "%s: %s\n", acidb_sqlstate(c), acidb_errmsg(c));
    acidb_disconnect(c);
    acidb_close(db);
    return rc == ACIDB_OK ? 0 : 1;
}
