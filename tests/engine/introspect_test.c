/*
 * introspect_test.c — what a client asks the public API about SQL text, statements and the
 * schema: acidb_complete, acidb_keyword_check, acidb_column_type_name and acidb_get_schema,
 * asked as the shell or a wire-protocol server asks them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/engine/util.h"

/* ---- acidb_complete ------------------------------------------------------------------------ */

Test(introspect, complete_waits_for_the_terminating_semicolon)
{
    static const struct {
        const char *sql;
        int want;
    } cases[] = {
        {"", 1},
        {"   \n", 1},
        {"-- only a comment", 1},
        {"/* only */", 1},
        {";", 1},
        {"SELECT 1", 0},
        {"SELECT 1;", 1},
        {"SELECT 1;  \n", 1},
        {"SELECT 1; -- done", 1},
        {"SELECT 1; /* not done", 0},
        {"SELECT 1 -- ;", 0},
        {"SELECT ';'", 0},
        {"SELECT ';';", 1},
        {"SELECT 'it''", 0},
        {"SELECT \"a;", 0},
        {"SELECT \"a;\";", 1},
        {"SELECT /* /* */ ;", 0},        /* block comments nest */
        {"SELECT /* /* */ */ 1;", 1},
        {"SELECT 1; SELECT", 0},
        {"BEGIN;\nUPDATE t SET a = 1;\nCOMMIT;", 1},
        {"SELECT 1 FROM;", 1},           /* complete, even though it is wrong */
        {"SELECT 'caf\xc3\xa9';", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(acidb_complete(cases[i].sql), cases[i].want, "acidb_complete(\"%s\") != %d",
                     cases[i].sql, cases[i].want);
    cr_expect_eq(acidb_complete(NULL), 1, "NULL is empty text");
}

/* What acidb_complete calls complete, acidb_prepare_v2 can split: the tail after the last
 * statement holds no statement. */
Test(introspect, complete_text_splits_into_whole_statements, .init = eng_setup,
     .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    const char *sql = "SELECT 1; SELECT ';' /* ; */; -- the end\n";
    cr_assert_eq(acidb_complete(sql), 1);
    int n = 0;
    for (const char *p = sql; *p;) {
        acidb_stmt *s = NULL;
        cr_assert_eq(acidb_prepare_v2(c, p, &s, &p), ACIDB_OK, "%s", acidb_errmsg(c));
        if (s == NULL)
            break;
        cr_assert_eq(acidb_step(s), ACIDB_ROW);
        acidb_finalize(s);
        n++;
    }
    cr_expect_eq(n, 2);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* ---- acidb_keyword_check ------------------------------------------------------------------- */

Test(introspect, keyword_check_names_postgresql_categories)
{
    cr_expect_eq(acidb_keyword_check("select", -1), ACIDB_KEYWORD_RESERVED);
    cr_expect_eq(acidb_keyword_check("SeLeCt", -1), ACIDB_KEYWORD_RESERVED, "any case");
    cr_expect_eq(acidb_keyword_check("user", -1), ACIDB_KEYWORD_RESERVED);
    cr_expect_eq(acidb_keyword_check("left", -1), ACIDB_KEYWORD_TYPEFUNC);
    cr_expect_eq(acidb_keyword_check("between", -1), ACIDB_KEYWORD_COLNAME);
    cr_expect_eq(acidb_keyword_check("key", -1), ACIDB_KEYWORD_UNRESERVED);
    cr_expect_eq(acidb_keyword_check("accounts", -1), ACIDB_KEYWORD_NONE);
    cr_expect_eq(acidb_keyword_check("selected", 6), ACIDB_KEYWORD_RESERVED, "len counts");
    cr_expect_eq(acidb_keyword_check("selected", -1), ACIDB_KEYWORD_NONE);
    cr_expect_eq(acidb_keyword_check("current_timestamp", -1), ACIDB_KEYWORD_RESERVED);
    cr_expect_eq(acidb_keyword_check("current_timestamps", -1), ACIDB_KEYWORD_NONE);
    cr_expect_eq(acidb_keyword_check("", 0), ACIDB_KEYWORD_NONE);
    cr_expect_eq(acidb_keyword_check(NULL, 3), ACIDB_KEYWORD_NONE);
}

/* The categories are the parser's: a name the check lets a client write bare works as a
 * table name, one it says must be quoted fails bare (42601) and works quoted. */
Test(introspect, keyword_check_agrees_with_the_parser, .init = eng_setup, .fini = eng_teardown)
{
    static const char *words[] = {"select", "user", "table", "order", "limit", "check",
                                  "left",   "join", "is",    "like",  "between", "exists",
                                  "key",    "index", "level", "begin", "drop",   "first",
                                  "accounts", "balance", "t"};
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    int bare_ok = 0, bare_refused = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        int kw = acidb_keyword_check(words[i], -1);
        char sql[128];
        snprintf(sql, sizeof sql, "CREATE TABLE %s (x INTEGER)", words[i]);
        if (kw == ACIDB_KEYWORD_TYPEFUNC || kw == ACIDB_KEYWORD_RESERVED) {
            fx_fails(c, sql, "42601");
            bare_refused++;
            snprintf(sql, sizeof sql, "CREATE TABLE \"%s\" (x INTEGER)", words[i]);
        } else {
            bare_ok++;
        }
        fx_ok(c, sql);
        snprintf(sql, sizeof sql, "DROP TABLE \"%s\"", words[i]);
        fx_ok(c, sql);
    }
    cr_expect_gt(bare_ok, 5);
    cr_expect_gt(bare_refused, 5);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* ---- acidb_column_type_name ---------------------------------------------------------------- */

static void expect_types(acidb_conn *c, const char *sql, const char *want)
{
    acidb_stmt *s = NULL;
    cr_assert_eq(acidb_prepare(c, sql, &s), ACIDB_OK, "%s: %s", sql, acidb_errmsg(c));
    char got[256];
    size_t k = 0;
    got[0] = 0;
    for (int i = 0; i < acidb_column_count(s); i++)
        k += (size_t)snprintf(got + k, sizeof got - k, "%s%s", i ? "," : "",
                              acidb_column_type_name(s, i));
    cr_expect_str_eq(got, want, "%s", sql);
    cr_expect_null(acidb_column_type_name(s, acidb_column_count(s)), "out of range");
    cr_expect_null(acidb_column_type_name(s, -1));
    acidb_finalize(s);
}

/* Known at prepare, before any row — also for a query that returns none. */
Test(introspect, column_type_name_is_known_before_the_first_row, .init = eng_setup,
     .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v VARCHAR(5), ok BOOLEAN)");
    expect_types(c, "SELECT * FROM t", "integer,character varying,boolean");
    expect_types(c, "SELECT id + 1, v || 'x', NOT ok, count(*), avg(id), NULL, 'lit', $1::int"
                    " FROM t GROUP BY id, v, ok",
                 "integer,text,boolean,bigint,text,text,text,integer");
    expect_types(c, "INSERT INTO t VALUES (1, 'a', true) RETURNING ok, id", "boolean,integer");
    /* Each integer width is its own type, and operators take the wider one (PostgreSQL). */
    fx_ok(c, "CREATE TABLE w (s SMALLINT, i INT4, b BIGINT, ss SMALLSERIAL, se SERIAL,"
              " bs BIGSERIAL)");
    expect_types(c, "SELECT s, i, b, ss, se, bs, s + s, s + i, i * b, -s, 1, 2147483648,"
                    " sum(s), s::int8, i::int2 FROM w GROUP BY s, i, b, ss, se, bs",
                 "smallint,integer,bigint,smallint,integer,bigint,smallint,integer,bigint,"
                 "smallint,integer,bigint,bigint,bigint,smallint");
    expect_types(c, "UPDATE t SET v = 'b'", "");
    expect_types(c, "EXPLAIN SELECT id FROM t", "text");
    expect_types(c, "BEGIN", "");
    cr_expect_null(acidb_column_type_name(NULL, 0), "a bad handle");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* ---- acidb_get_schema ---------------------------------------------------------------------- */

static const acidb_table_info *table(const acidb_schema *s, const char *name)
{
    for (int i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i].name, name) == 0)
            return &s->tables[i];
    cr_assert_fail("no table %s in the schema", name);
    return NULL;
}

/* "name(col, col)" of a column list, for compact comparisons. */
static const char *cols(char *buf, size_t cap, int n, const char *const *v)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? "," : "", v[i]);
    return buf;
}

Test(introspect, schema_lists_tables_columns_indexes_constraints, .init = eng_setup,
     .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    const char *accounts = "CREATE TABLE accounts (id INTEGER PRIMARY KEY,"
                           " name TEXT UNIQUE NOT NULL,"
                           " balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0))";
    fx_ok(c, accounts);
    fx_ok(c, "CREATE TABLE \"Transfers\" (src INTEGER REFERENCES accounts (id),"
              " dst INTEGER NOT NULL, ref VARCHAR(20), memo TEXT, ok BOOLEAN,"
              " PRIMARY KEY (src, ref), CONSTRAINT dst_fk FOREIGN KEY (dst) REFERENCES accounts,"
              " CHECK (src <> dst))");
    fx_ok(c, "CREATE INDEX transfers_memo ON \"Transfers\" (memo, ok)");
    acidb_schema *s = NULL;
    cr_assert_eq(acidb_get_schema(db, &s), ACIDB_OK);
    cr_assert_eq(s->ntables, 2);
    cr_expect_str_eq(s->tables[0].name, "Transfers", "bytewise name order");
    cr_expect_str_eq(s->tables[1].name, "accounts");
    char b1[128], b2[128];

    const acidb_table_info *a = table(s, "accounts");
    cr_expect_str_eq(a->sql, accounts);
    cr_assert_eq(a->ncols, 3);
    cr_expect_str_eq(a->cols[0].name, "id");
    cr_expect_str_eq(a->cols[0].type, "integer");
    cr_expect_eq(a->cols[0].not_null, 1, "a primary key is not null");
    cr_expect_str_eq(a->cols[1].type, "text");
    cr_expect_eq(a->cols[1].not_null, 1);
    cr_expect_str_eq(a->cols[2].name, "balance");
    /* INTEGER PRIMARY KEY is the table's key: only the UNIQUE constraint made an index. */
    cr_assert_eq(a->nindexes, 1);
    cr_expect_str_eq(a->indexes[0].name, "accounts_name_key");
    cr_expect_null(a->indexes[0].sql, "made by a constraint");
    cr_expect(a->indexes[0].unique && !a->indexes[0].primary);
    cr_expect_str_eq(cols(b1, sizeof b1, a->indexes[0].ncols, a->indexes[0].cols), "name");
    cr_assert_eq(a->nconstraints, 3);
    cr_expect_eq(a->constraints[0].type, 'p');
    cr_expect_str_eq(a->constraints[0].name, "accounts_pkey");
    cr_expect_str_eq(cols(b1, sizeof b1, a->constraints[0].ncols, a->constraints[0].cols), "id");
    cr_expect_eq(a->constraints[1].type, 'u');
    cr_expect_str_eq(a->constraints[1].name, "accounts_name_key");
    cr_expect_eq(a->constraints[2].type, 'c');
    cr_expect_str_eq(a->constraints[2].name, "accounts_balance_check");
    cr_expect_eq(a->constraints[2].ncols, 0);
    cr_expect_null(a->constraints[2].ref_table);

    const acidb_table_info *t = table(s, "Transfers");
    cr_assert_eq(t->ncols, 5);
    cr_expect_str_eq(t->cols[2].type, "character varying(20)");
    cr_expect_str_eq(t->cols[3].type, "text");
    cr_expect_str_eq(t->cols[4].type, "boolean");
    cr_expect_eq(t->cols[0].not_null, 1, "in the primary key");
    cr_expect_eq(t->cols[3].not_null, 0);
    cr_assert_eq(t->nindexes, 2);
    int pk = t->indexes[0].primary ? 0 : 1;
    cr_expect_str_eq(t->indexes[pk].name, "Transfers_pkey");
    cr_expect(t->indexes[pk].unique && t->indexes[pk].sql == NULL);
    cr_expect_str_eq(cols(b1, sizeof b1, t->indexes[pk].ncols, t->indexes[pk].cols), "src,ref");
    cr_expect_str_eq(t->indexes[1 - pk].name, "transfers_memo");
    cr_expect_str_eq(t->indexes[1 - pk].sql,
                     "CREATE INDEX transfers_memo ON \"Transfers\" (memo, ok)");
    cr_expect(!t->indexes[1 - pk].unique && !t->indexes[1 - pk].primary);
    cr_expect_str_eq(cols(b1, sizeof b1, t->indexes[1 - pk].ncols, t->indexes[1 - pk].cols),
                     "memo,ok");
    cr_assert_eq(t->nconstraints, 4);
    cr_expect_eq(t->constraints[0].type, 'p');
    cr_expect_str_eq(cols(b1, sizeof b1, t->constraints[0].ncols, t->constraints[0].cols),
                     "src,ref");
    cr_expect_eq(t->constraints[1].type, 'c');
    cr_expect_str_eq(t->constraints[1].name, "Transfers_check");
    const acidb_constraint_info *f1 = &t->constraints[2], *f2 = &t->constraints[3];
    cr_expect_eq(f1->type, 'f');
    cr_expect_str_eq(f1->name, "Transfers_src_fkey");
    cr_expect_str_eq(cols(b1, sizeof b1, f1->ncols, f1->cols), "src");
    cr_expect_str_eq(f1->ref_table, "accounts");
    cr_expect_str_eq(cols(b2, sizeof b2, f1->ncols, f1->ref_cols), "id");
    cr_expect_eq(f2->type, 'f');
    cr_expect_str_eq(f2->name, "dst_fk");
    cr_expect_str_eq(cols(b1, sizeof b1, f2->ncols, f2->cols), "dst");
    cr_expect_str_eq(cols(b2, sizeof b2, f2->ncols, f2->ref_cols), "id", "the primary key");
    acidb_free_schema(s);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* The copy is the committed schema and is the caller's: uncommitted DDL is not in it, and it
 * stays readable after the tables it describes are dropped (ASan checks the reads). */
Test(introspect, schema_is_the_committed_one_and_outlives_ddl, .init = eng_setup,
     .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    acidb_schema *s = NULL;
    cr_assert_eq(acidb_get_schema(db, &s), ACIDB_OK);
    cr_expect_eq(s->ntables, 0, "an empty database");
    acidb_free_schema(s);
    fx_ok(c, "CREATE TABLE kept (id INTEGER PRIMARY KEY, v TEXT UNIQUE)");
    fx_ok(c, "BEGIN; CREATE TABLE pending (x INTEGER)");
    cr_assert_eq(acidb_get_schema(db, &s), ACIDB_OK);
    cr_expect_eq(s->ntables, 1, "the open transaction's CREATE is not committed");
    cr_expect_str_eq(s->tables[0].name, "kept");
    fx_ok(c, "COMMIT");
    fx_ok(c, "DROP TABLE kept");
    cr_expect_str_eq(s->tables[0].indexes[0].cols[0], "v", "the copy outlives the DROP");
    acidb_free_schema(s);
    cr_assert_eq(acidb_get_schema(db, &s), ACIDB_OK);
    cr_expect_eq(s->ntables, 1);
    cr_expect_str_eq(s->tables[0].name, "pending");
    acidb_free_schema(s);
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

Test(introspect, schema_misuse_is_refused)
{
    acidb_schema *s = (acidb_schema *)&s; /* not NULL: the call must clear it */
    cr_expect_eq(acidb_get_schema(NULL, &s), ACIDB_MISUSE);
    cr_expect_null(s);
    acidb_free_schema(NULL);
}

Test(introspect, schema_without_out_is_refused, .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    cr_expect_eq(acidb_get_schema(db, NULL), ACIDB_MISUSE);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}

/* ---- acidb_param_type_name --------------------------------------------------------------- */

static void expect_params(acidb_conn *c, const char *sql, const char *want)
{
    acidb_stmt *s = NULL;
    cr_assert_eq(acidb_prepare(c, sql, &s), ACIDB_OK, "%s: %s", sql, acidb_errmsg(c));
    char got[256];
    size_t k = 0;
    got[0] = 0;
    for (int i = 1; i <= acidb_bind_parameter_count(s); i++)
        k += (size_t)snprintf(got + k, sizeof got - k, "%s%s", i > 1 ? "," : "",
                              acidb_param_type_name(s, i));
    cr_expect_str_eq(got, want, "%s: %s", sql, got);
    cr_expect_null(acidb_param_type_name(s, 0));
    cr_expect_null(acidb_param_type_name(s, acidb_bind_parameter_count(s) + 1));
    acidb_finalize(s);
}

/* Inferred from the context at prepare, before anything is bound: a driver's parameter
 * description. */
Test(introspect, param_type_name_is_inferred_at_prepare, .init = eng_setup, .fini = eng_teardown)
{
    acidb_db *db = eng_open(0);
    acidb_conn *c = fx_connect(db);
    fx_ok(c, "CREATE TABLE p (s SMALLINT, i INTEGER, b BIGINT, f REAL, d DOUBLE PRECISION,"
              " v VARCHAR(3), t TEXT, ok BOOLEAN, y BYTEA, u UUID)");
    expect_params(c, "INSERT INTO p VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                  "smallint,integer,bigint,real,double precision,character varying,text,"
                  "boolean,bytea,uuid");
    expect_params(c, "SELECT $1, $2::int2, $3 + 1, i FROM p WHERE b = $4 AND d < $3",
                  "text,smallint,integer,bigint");
    expect_params(c, "UPDATE p SET u = ? WHERE ok = ?", "uuid,boolean");
    acidb_disconnect(c);
    cr_assert_eq(acidb_close(db), ACIDB_OK);
}
