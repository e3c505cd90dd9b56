/*
 * types_test.c — SQL types through the public API: each integer width stores, reads back and
 * refuses what PostgreSQL does, and names itself as PostgreSQL's format_type does; a table
 * of a database written before widths existed keeps its 64-bit columns.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/testhooks.h"
#include "tests/engine/util.h"

/* Runs sql, asserts it fails with 22003 and message msg. */
static void out_of_range(acidb_conn *c, const char *sql, const char *msg)
{
    fx_fails(c, sql, "22003");
    cr_expect_str_eq(acidb_errmsg(c), msg, "%s", sql);
}

static void expect_rows(acidb_conn *c, const char *sql, const char *want)
{
    char *got = fx_query(c, sql);
    cr_expect_str_eq(got, want, "%s", sql);
    free(got);
}

/* The declared type names acidb_get_schema reports for table `name`, comma-separated. */
static void expect_schema_types(acidb_db *db, const char *name, const char *want)
{
    acidb_schema *s = NULL;
    cr_assert_eq(acidb_get_schema(db, &s), ACIDB_OK);
    char got[256] = "";
    size_t k = 0;
    for (int i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i].name, name) == 0)
            for (int j = 0; j < s->tables[i].ncols; j++)
                k += (size_t)snprintf(got + k, sizeof got - k, "%s%s", j ? "," : "",
                                      s->tables[i].cols[j].type);
    acidb_free_schema(s);
    cr_expect_str_eq(got, want, "table %s", name);
}

Test(types, integer_columns_refuse_what_their_width_cannot_hold, .init = eng_setup,
     .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE n (s SMALLINT, i INTEGER, b BIGINT)");
    fx_ok(c, "INSERT INTO n VALUES (32767, 2147483647, 9223372036854775807)");
    fx_ok(c, "INSERT INTO n VALUES (-32768, -2147483648, -9223372036854775808)");
    out_of_range(c, "INSERT INTO n (s) VALUES (32768)", "smallint out of range");
    out_of_range(c, "INSERT INTO n (i) VALUES (2147483648)", "integer out of range");
    out_of_range(c, "INSERT INTO n (i) VALUES ('2147483648')",
                 "value \"2147483648\" is out of range for type integer");
    out_of_range(c, "INSERT INTO n (s) VALUES (-32768 - 1)", "smallint out of range");
    out_of_range(c, "UPDATE n SET i = i + 1", "integer out of range");
    out_of_range(c, "UPDATE n SET s = s - 1 WHERE s < 0", "smallint out of range");
    out_of_range(c, "INSERT INTO n (i) SELECT b FROM n", "integer out of range");
    out_of_range(c, "SELECT 2147483647 + 1", "integer out of range");
    out_of_range(c, "SELECT 9223372036854775807 + 1", "bigint out of range");
    out_of_range(c, "SELECT 3000000000::integer", "integer out of range");
    out_of_range(c, "SELECT s * 2::smallint FROM n", "smallint out of range");
    expect_rows(c, "SELECT s * 2 FROM n ORDER BY s", "-65536\n65534\n"); /* int2 * int4 */
    expect_rows(c, "SELECT 2147483647 + 1::bigint, s * 2::int4, i::int8 * 2 FROM n ORDER BY s",
                "2147483648|-65536|-4294967296\n2147483648|65534|4294967294\n");
    /* A parameter meeting an integer column is an integer; binding 2^31 is out of range. */
    acidb_stmt *st = NULL;
    cr_assert_eq(acidb_prepare(c, "INSERT INTO n (i) VALUES ($1)", &st), ACIDB_OK);
    cr_assert_eq(acidb_bind_int64(st, 1, INT64_C(1) << 31), ACIDB_OK);
    cr_expect_eq(acidb_step(st), ACIDB_RANGE);
    cr_expect_str_eq(acidb_errmsg(c), "integer out of range");
    acidb_finalize(st);
    cr_expect_eq(fx_int(c, "SELECT count(*) FROM n"), 2, "no failed statement left a row");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

Test(types, integer_keys_index_and_sort_in_every_width, .init = eng_setup,
     .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE k (id SMALLINT PRIMARY KEY, i INT4 UNIQUE, b INT8)");
    fx_ok(c, "CREATE INDEX k_b ON k (b)");
    fx_ok(c, "INSERT INTO k VALUES (-3, 30, -300), (1, -10, 100), (2, 20, -200)");
    fx_fails(c, "INSERT INTO k VALUES (1, 0, 0)", "23505");
    cr_expect_str_eq(acidb_errmsg(c), "duplicate key value violates unique constraint \"k_pkey\"\n"
                                      "DETAIL:  Key (id)=(1) already exists.");
    fx_fails(c, "INSERT INTO k VALUES (5, 20, 0)", "23505");
    expect_rows(c, "SELECT id FROM k WHERE i > -20 AND i < 25 ORDER BY i", "1\n2\n");
    expect_rows(c, "SELECT id FROM k WHERE b >= -250 ORDER BY b DESC", "1\n2\n");
    expect_rows(c, "SELECT id, i FROM k ORDER BY id", "-3|30\n1|-10\n2|20\n");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

Test(types, schema_names_each_width_as_postgresql, .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE w (a SMALLINT, b INT2, c INTEGER, d INT, e INT4, f BIGINT, g INT8,"
              " h SMALLSERIAL, i SERIAL, j BIGSERIAL, k VARCHAR(3), l TEXT, m BOOLEAN)");
    expect_schema_types(db, "w", "smallint,smallint,integer,integer,integer,bigint,bigint,"
                                 "smallint,integer,bigint,character varying(3),text,boolean");
    /* SERIAL is an integer: it hands out values, and refuses past 2^31 - 1 on store. */
    fx_ok(c, "INSERT INTO w (a) VALUES (1)");
    expect_rows(c, "SELECT h, i, j FROM w", "1|1|1\n");
    out_of_range(c, "INSERT INTO w (i) VALUES (2147483648)", "integer out of range");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
    /* The widths survive a reopen (they are read back from the catalog). */
    db = eng_open(0);
    expect_schema_types(db, "w", "smallint,smallint,integer,integer,integer,bigint,bigint,"
                                 "smallint,integer,bigint,character varying(3),text,boolean");
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* A table whose catalog row has no type format field (as every database written before
 * integer widths has) keeps 64-bit integers for every integer type name, also after other DDL
 * rewrote the catalog; tables created now get PostgreSQL's widths. */
Test(types, legacy_tables_keep_their_64_bit_integers, .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(1);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE old (id INTEGER PRIMARY KEY, n INT4, s SMALLINT, t TEXT)");
    fx_ok(c, "INSERT INTO old VALUES (1, 2, 3, 'x')");
    acidb_disconnect(c);
    cr_assert_eq(acidb_test_legacy_table_row(db, "old"), ACIDB_OK);
    cr_assert_eq(acidb_close(db), ACIDB_OK);

    db = eng_open(1);
    c = fx_connect(db);
    expect_schema_types(db, "old", "bigint,bigint,bigint,text");
    fx_ok(c, "INSERT INTO old VALUES (4294967296, 4294967296, 65536, 'y')");
    expect_rows(c, "SELECT id, n * 1024, s FROM old ORDER BY id",
                "1|2048|3\n4294967296|4398046511104|65536\n");
    fx_ok(c, "CREATE TABLE fresh (n INTEGER)");
    out_of_range(c, "INSERT INTO fresh SELECT n FROM old", "integer out of range");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);

    db = eng_open(1);
    expect_schema_types(db, "old", "bigint,bigint,bigint,text");
    expect_schema_types(db, "fresh", "integer");
    fx_check_clean(db, "after the reopen");
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* Floats through the API: bound and read as doubles, typed ACIDB_FLOAT, named as PostgreSQL
 * names them, printed as PostgreSQL prints them, indexed, and checked after a reopen. */
Test(types, floats_bind_read_index_and_survive_a_reopen, .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(1);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE m (id INTEGER PRIMARY KEY, d DOUBLE PRECISION UNIQUE, r REAL,"
              " f FLOAT(24), g FLOAT(25), h FLOAT)");
    fx_ok(c, "CREATE INDEX m_r ON m (r)");
    expect_schema_types(db, "m", "integer,double precision,real,real,double precision,"
                                 "double precision");
    acidb_stmt *st = NULL;
    cr_assert_eq(acidb_prepare(c, "INSERT INTO m (id, d, r) VALUES ($1, $2, $3)", &st), ACIDB_OK);
    const double ds[] = {0.1, -2.5, 1e300, -0.0, 3};
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(acidb_bind_int64(st, 1, i + 1), ACIDB_OK);
        cr_assert_eq(acidb_bind_double(st, 2, ds[i]), ACIDB_OK);
        cr_assert_eq(acidb_bind_double(st, 3, ds[i] / 3), ACIDB_OK);
        int rc = acidb_step(st);
        if (i < 2 || i > 3) {
            cr_assert_eq(rc, ACIDB_DONE, "%d: %s", i, acidb_errmsg(c));
        } else if (i == 2) {
            cr_assert_eq(rc, ACIDB_RANGE, "1e300 / 3 does not fit a real");
            cr_expect_str_eq(acidb_errmsg(c), "value out of range: overflow");
        } else {
            cr_assert_eq(rc, ACIDB_DONE, "%s", acidb_errmsg(c));
        }
        acidb_reset(st);
    }
    acidb_finalize(st);
    fx_fails(c, "INSERT INTO m (id, d) VALUES (9, 0)", "23505"); /* -0 = 0 in the index */
    cr_expect_str_eq(acidb_errmsg(c), "duplicate key value violates unique constraint \"m_d_key\"\n"
                                      "DETAIL:  Key (d)=(0) already exists.");
    fx_fails(c, "INSERT INTO m (d, r) VALUES (0.5, 0.1)", "23502");
    cr_expect_str_eq(acidb_errmsg(c), "null value in column \"id\" of relation \"m\" violates "
                                      "not-null constraint\nDETAIL:  Failing row contains "
                                      "(null, 0.5, 0.1, null, null, null).");
    cr_assert_eq(acidb_prepare(c, "SELECT d, r, d + r, id::float8 FROM m WHERE d < $1 ORDER BY d",
                               &st), ACIDB_OK);
    cr_expect_str_eq(acidb_column_type_name(st, 0), "double precision");
    cr_expect_str_eq(acidb_column_type_name(st, 1), "real");
    cr_expect_str_eq(acidb_column_type_name(st, 2), "double precision");
    cr_assert_eq(acidb_bind_double(st, 1, 1), ACIDB_OK);
    cr_assert_eq(acidb_step(st), ACIDB_ROW);
    cr_expect_eq(acidb_column_type(st, 0), ACIDB_FLOAT);
    cr_expect_eq(acidb_column_double(st, 0), -2.5);
    cr_expect_eq(acidb_column_double(st, 1), (double)(float)(-2.5 / 3));
    cr_expect_str_eq(acidb_column_text(st, 1), "-0.8333333");
    cr_expect_str_eq(acidb_column_text(st, 2), "-3.3333333134651184"); /* the real widened */
    cr_expect_eq(acidb_column_double(st, 3), 2);
    cr_assert_eq(acidb_step(st), ACIDB_ROW);
    cr_expect_str_eq(acidb_column_text(st, 0), "-0", "-0 stored as bound");
    cr_assert_eq(acidb_step(st), ACIDB_ROW);
    cr_expect_str_eq(acidb_column_text(st, 0), "0.1");
    cr_expect_str_eq(acidb_column_text(st, 1), "0.033333335");
    cr_expect_eq(acidb_step(st), ACIDB_DONE);
    acidb_finalize(st);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);

    db = eng_open(1);
    c = fx_connect(db);
    expect_rows(c, "SELECT id, d, r FROM m WHERE r > -1 ORDER BY r",
                "2|-2.5|-0.8333333\n4|-0|-0\n1|0.1|0.033333335\n5|3|1\n");
    acidb_disconnect(c);
    fx_check_clean(db, "after the reopen");
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* BYTEA through the API: any bytes bound and read back exactly, text as PostgreSQL prints it,
 * acidb_column_bytes counting the blob after acidb_column_blob and the text after
 * acidb_column_text, a primary key of bytes, and a text parameter read as byteain reads it. */
Test(types, bytea_binds_and_reads_any_bytes, .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE blobs (k BYTEA PRIMARY KEY, n INTEGER)");
    expect_schema_types(db, "blobs", "bytea,integer");
    static const unsigned char bin[] = {0x00, 0xff, 0x5c, 0x78, 0x00, 0x01};
    acidb_stmt *st = NULL;
    cr_assert_eq(acidb_prepare(c, "INSERT INTO blobs VALUES ($1, $2)", &st), ACIDB_OK);
    cr_assert_eq(acidb_bind_blob(st, 1, bin, (int)sizeof bin), ACIDB_OK);
    cr_assert_eq(acidb_bind_int64(st, 2, 1), ACIDB_OK);
    cr_assert_eq(acidb_step(st), ACIDB_DONE, "%s", acidb_errmsg(c));
    acidb_reset(st);
    cr_assert_eq(acidb_bind_text(st, 1, "\\x0102", -1), ACIDB_OK);
    cr_assert_eq(acidb_bind_int64(st, 2, 2), ACIDB_OK);
    cr_assert_eq(acidb_step(st), ACIDB_DONE, "%s", acidb_errmsg(c));
    acidb_reset(st);
    cr_assert_eq(acidb_bind_blob(st, 1, "", 0), ACIDB_OK);
    cr_assert_eq(acidb_bind_int64(st, 2, 3), ACIDB_OK);
    cr_assert_eq(acidb_step(st), ACIDB_DONE, "%s", acidb_errmsg(c));
    acidb_reset(st);
    cr_assert_eq(acidb_bind_blob(st, 1, bin, (int)sizeof bin), ACIDB_OK);
    cr_assert_eq(acidb_step(st), ACIDB_CONSTRAINT);
    cr_expect_str_eq(acidb_errmsg(c), "duplicate key value violates unique constraint "
                                      "\"blobs_pkey\"\nDETAIL:  Key (k)=(\\x00ff5c780001) already "
                                      "exists.");
    acidb_finalize(st);

    cr_assert_eq(acidb_prepare(c, "SELECT k, n, length(k) FROM blobs WHERE k >= $1 ORDER BY k", &st),
                 ACIDB_OK);
    cr_expect_str_eq(acidb_column_type_name(st, 0), "bytea");
    cr_assert_eq(acidb_bind_blob(st, 1, "", 0), ACIDB_OK);
    cr_assert_eq(acidb_step(st), ACIDB_ROW);
    cr_expect_eq(acidb_column_type(st, 0), ACIDB_BYTEA);
    cr_expect_not_null(acidb_column_blob(st, 0), "zero bytes are not NULL");
    cr_expect_eq(acidb_column_bytes(st, 0), 0);
    cr_expect_str_eq(acidb_column_text(st, 0), "\\x");
    cr_expect_eq(acidb_column_bytes(st, 0), 2, "after column_text: the text's length");
    cr_assert_eq(acidb_step(st), ACIDB_ROW);
    const unsigned char *got = acidb_column_blob(st, 0);
    cr_assert_eq(acidb_column_bytes(st, 0), (int)sizeof bin);
    cr_expect_eq(memcmp(got, bin, sizeof bin), 0);
    cr_expect_str_eq(acidb_column_text(st, 0), "\\x00ff5c780001");
    cr_expect_eq(acidb_column_int64(st, 2), 6);
    cr_expect_null(acidb_column_blob(st, 1), "not a bytea");
    cr_assert_eq(acidb_step(st), ACIDB_ROW);
    cr_expect_str_eq(acidb_column_text(st, 0), "\\x0102");
    cr_expect_eq(acidb_step(st), ACIDB_DONE);
    acidb_finalize(st);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* UUID through the API: a primary key filled by DEFAULT gen_random_uuid(), read as text and as
 * its 16 bytes, found again by a text parameter, refused twice. */
Test(types, uuid_keys_from_gen_random_uuid, .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE pay (key UUID PRIMARY KEY DEFAULT gen_random_uuid(), amount INTEGER)");
    expect_schema_types(db, "pay", "uuid,integer");
    acidb_stmt *st = NULL;
    cr_assert_eq(acidb_prepare(c, "INSERT INTO pay (amount) VALUES (1) RETURNING key", &st),
                 ACIDB_OK);
    cr_expect_str_eq(acidb_column_type_name(st, 0), "uuid");
    cr_assert_eq(acidb_step(st), ACIDB_ROW, "%s", acidb_errmsg(c));
    cr_expect_eq(acidb_column_type(st, 0), ACIDB_UUID);
    char text[37];
    snprintf(text, sizeof text, "%s", acidb_column_text(st, 0));
    const unsigned char *raw = acidb_column_blob(st, 0);
    cr_assert_not_null(raw);
    cr_expect_eq(acidb_column_bytes(st, 0), 16);
    cr_expect_eq(raw[6] >> 4, 4);
    char hex[3];
    snprintf(hex, sizeof hex, "%02x", raw[15]);
    cr_expect_eq(memcmp(text + 34, hex, 2), 0, "the text spells the same bytes");
    cr_expect_eq(acidb_step(st), ACIDB_DONE);
    acidb_finalize(st);
    cr_assert_eq(acidb_prepare(c, "SELECT amount FROM pay WHERE key = $1", &st), ACIDB_OK);
    cr_assert_eq(acidb_bind_text(st, 1, text, -1), ACIDB_OK);
    cr_assert_eq(acidb_step(st), ACIDB_ROW, "%s", acidb_errmsg(c));
    cr_expect_eq(acidb_column_int64(st, 0), 1);
    acidb_finalize(st);
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO pay VALUES ('%s', 2)", text);
    fx_fails(c, sql, "23505");
    char want[200];
    snprintf(want, sizeof want, "duplicate key value violates unique constraint \"pay_pkey\"\n"
                                "DETAIL:  Key (key)=(%s) already exists.", text);
    cr_expect_str_eq(acidb_errmsg(c), want);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* CHAR(n) and VARCHAR(n): declared names, 22001 past n (trailing blanks may be cut), CHAR
 * padded on store and compared without its blanks, explicit casts cut at n. */
Test(types, char_and_varchar_limits, .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE s (v VARCHAR(3), c CHAR(3), one CHAR, vv VARCHAR, b BPCHAR, t TEXT)");
    expect_schema_types(db, "s", "character varying(3),character(3),character(1),"
                                 "character varying,character,text");
    fx_fails(c, "INSERT INTO s (v) VALUES ('abcd')", "22001");
    cr_expect_str_eq(acidb_errmsg(c), "value too long for type character varying(3)");
    fx_fails(c, "INSERT INTO s (c) VALUES ('abcd')", "22001");
    cr_expect_str_eq(acidb_errmsg(c), "value too long for type character(3)");
    fx_ok(c, "INSERT INTO s VALUES ('ab     ', 'a      ', 'z ', 'x  ', 'y ', 't ')");
    expect_rows(c, "SELECT '<' || v || '>', c || '|', c::text || '|', length(c), one, vv || '|',"
                   " b::text || '|', t || '|' FROM s WHERE c = 'a'",
                "<ab >|a||a||1|z|x  ||y||t |\n"); /* as PostgreSQL 15 prints it */
    acidb_stmt *st = NULL;
    cr_assert_eq(acidb_prepare(c, "SELECT c, v, 'abcdef'::varchar(2), 'x'::char(3) FROM s", &st),
                 ACIDB_OK);
    cr_expect_str_eq(acidb_column_type_name(st, 0), "character");
    cr_expect_str_eq(acidb_column_type_name(st, 1), "character varying");
    cr_assert_eq(acidb_step(st), ACIDB_ROW);
    cr_expect_str_eq(acidb_column_text(st, 0), "a  ", "stored padded");
    cr_expect_str_eq(acidb_column_text(st, 2), "ab");
    cr_expect_str_eq(acidb_column_text(st, 3), "x  ");
    acidb_finalize(st);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}
