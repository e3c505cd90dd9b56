/*
 * corrupt_test.c — a flipped bit on disk: the statement that touches the page fails with
 * ACIDB_CORRUPT (XX001) naming the page, acidb_check lists that page, and the tables that do
 * not use it stay readable.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/badinput/util.h"

TestSuite(corrupt, .init = bi_setup, .fini = bi_teardown);

enum { PAGE = 4096 };

/* Two tables, each row of `a` carrying a marker no row of `b` has; closed cleanly (one file,
 * no log). */
static void make_two_tables(void)
{
    acidb_db *db = bi_open(fx_db, 1);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT)");
    fx_ok(c, "CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT)");
    fx_ok(c, "CREATE INDEX b_v ON b (v)");
    fx_ok(c, "BEGIN");
    for (int i = 1; i <= 300; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "INSERT INTO a VALUES (%d, 'MARKER-A-%05d'); "
                                  "INSERT INTO b VALUES (%d, 'other-b-%05d')", i, i, i, i);
        fx_ok(c, sql);
    }
    fx_ok(c, "COMMIT");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

typedef struct reported {
    uint64_t pages[64];
    int n;
    char first[256];
} reported;

static void report(void *ctx, uint64_t page, const char *msg)
{
    reported *r = ctx;
    if (r->n == 0)
        snprintf(r->first, sizeof r->first, "%s", msg);
    if (r->n < 64)
        r->pages[r->n++] = page;
}

static int listed(const reported *r, uint64_t page)
{
    for (int i = 0; i < r->n; i++)
        if (r->pages[i] == page)
            return 1;
    return 0;
}

Test(corrupt, flipped_bit_in_a_data_page_names_the_page_and_spares_other_tables)
{
    make_two_tables();
    size_t n;
    uint8_t *img = fx_slurp(fx_db, &n);
    size_t pg = fx_page_of(img, n, PAGE, "MARKER-A-00150");
    cr_assert_neq(pg, fx_page_of(img, n, PAGE, "other-b-00150"), "the tables share no page");
    img[pg * PAGE + 1000] ^= 0x10; /* one bit, inside the page's cells */
    fx_spit(fx_db, img, n);

    acidb_db *db = bi_open(fx_db, 0);
    acidb_conn *c = fx_connect(db);
    acidb_stmt *s = NULL;
    int rc = acidb_prepare(c, "SELECT count(*), sum(length(v)) FROM a", &s);
    if (rc == ACIDB_OK) {
        while ((rc = acidb_step(s)) == ACIDB_ROW)
            ;
        acidb_finalize(s);
    }
    cr_assert_eq(rc, ACIDB_CORRUPT, "reading a: %d %s", rc, acidb_errmsg(c));
    cr_assert_str_eq(acidb_sqlstate(c), "XX001", "%s", acidb_errmsg(c));
    char want[64];
    snprintf(want, sizeof want, "page %zu", pg);
    cr_assert(strstr(acidb_errmsg(c), want), "the error names %s: %s", want, acidb_errmsg(c));
    cr_assert(strstr(acidb_errmsg(c), "test.db"), "the error names the file: %s",
              acidb_errmsg(c));

    /* The other table, its index and the catalog are fine. */
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM b"), 300);
    cr_assert_eq(fx_int(c, "SELECT id FROM b WHERE v = 'other-b-00150'"), 150);
    fx_ok(c, "INSERT INTO b VALUES (301, 'new')");
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM b"), 301);
    /* Rows of a on other pages are still reachable by key. */
    cr_assert_eq(fx_int(c, "SELECT id FROM a WHERE id = 1"), 1);

    reported r = {0};
    uint64_t problems = 0;
    cr_assert_eq(acidb_check(db, report, &r, &problems), ACIDB_OK);
    cr_assert_geq(problems, 1, "the check finds the damage");
    cr_assert(listed(&r, pg), "the check lists page %zu (first report: page %llu %s)", pg,
              (unsigned long long)(r.n ? r.pages[0] : 0), r.first);
    acidb_disconnect(c);
    acidb_close(db);
    free(img);
}

Test(corrupt, flipped_bit_in_an_index_page_fails_lookups_through_it)
{
    make_two_tables();
    size_t n;
    uint8_t *img = fx_slurp(fx_db, &n);
    /* The index holds the values too; the table's page comes first in the file or not, so
     * find a page with the value whose type is an index leaf (5). */
    size_t pg = 0;
    const char *needle = "other-b-00007";
    for (size_t i = PAGE; i + strlen(needle) <= n; i++)
        if (memcmp(img + i, needle, strlen(needle)) == 0 && img[(i / PAGE) * PAGE + 8] == 5) {
            pg = i / PAGE;
            break;
        }
    cr_assert_neq(pg, 0, "an index leaf holds the value");
    img[pg * PAGE + 2000] ^= 0x01;
    fx_spit(fx_db, img, n);

    acidb_db *db = bi_open(fx_db, 0);
    acidb_conn *c = fx_connect(db);
    int rc = acidb_exec(c, "SELECT id FROM b WHERE v = 'other-b-00007'");
    cr_assert_eq(rc, ACIDB_CORRUPT, "%d %s", rc, acidb_errmsg(c));
    cr_assert_eq(fx_int(c, "SELECT count(*) FROM a"), 300, "the other table is readable");
    reported r = {0};
    cr_assert_eq(acidb_check(db, report, &r, NULL), ACIDB_OK);
    cr_assert(listed(&r, pg), "the check lists page %zu", pg);
    acidb_disconnect(c);
    acidb_close(db);
    free(img);
}

Test(corrupt, flipped_bit_in_the_header_page_refuses_the_open)
{
    make_two_tables();
    size_t n;
    uint8_t *img = fx_slurp(fx_db, &n);
    img[60] ^= 0x04; /* free page count */
    fx_spit(fx_db, img, n);
    const char *msg;
    int rc = bi_open_fails(fx_db, 0, &msg);
    cr_assert_eq(rc, ACIDB_CORRUPT, "%d %s", rc, msg);
    cr_assert(strstr(msg, "page 0") || strstr(msg, "header") || strstr(msg, "checksum"),
              "message: %s", msg);
    free(img);
}
