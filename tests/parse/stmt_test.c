/*
 * stmt_test.c — every statement kind, with the syntax-tree fields the binder and executor
 * will read checked one by one, and the statement-level errors.
 */
#include <stdio.h>
#include <string.h>

#include "tests/parse/ptest.h"

TestSuite(stmt, .init = pt_setup, .fini = pt_teardown);

Test(stmt, select_full)
{
    const char *sql = "  SELECT DISTINCT a.id, b.* , *, count(*) AS n, x + 1 total "
                      "FROM accounts a JOIN branches AS b ON a.branch = b.id, ledger "
                      "INNER JOIN t ON TRUE "
                      "WHERE a.balance > 0 GROUP BY a.id, 2 HAVING count(*) > 1 "
                      "ORDER BY 1 DESC, n NULLS FIRST, x ASC NULLS LAST "
                      "LIMIT 10 OFFSET $1 FOR UPDATE NOWAIT";
    sql_stmt *st = pt_ok(sql);
    cr_assert_eq(st->kind, STMT_SELECT);
    cr_assert_eq(st->pos, 2);
    cr_assert_eq(st->end, (int32_t)strlen(sql));
    cr_assert_eq(st->nparams, 1);
    const sql_select *s = &st->u.select;
    cr_assert_eq(s->distinct, 1);
    cr_assert_eq(s->ntargets, 5);
    cr_assert_str_eq(pt_expr(s->targets[0].e), "a.id");
    cr_assert_null(s->targets[0].alias);
    cr_assert_null(s->targets[1].e);
    cr_assert_str_eq(s->targets[1].star_table, "b");
    cr_assert_null(s->targets[2].e);
    cr_assert_null(s->targets[2].star_table);
    cr_assert_str_eq(s->targets[3].alias, "n");
    cr_assert_str_eq(pt_expr(s->targets[3].e), "count(*)");
    cr_assert_str_eq(s->targets[4].alias, "total");
    cr_assert_eq(s->targets[0].pos, 18);
    cr_assert_eq(s->targets[1].pos, 24);
    cr_assert_eq(s->nfrom, 4);
    cr_assert_str_eq(s->from[0].table, "accounts");
    cr_assert_str_eq(s->from[0].alias, "a");
    cr_assert_null(s->from[0].on);
    cr_assert_str_eq(s->from[1].table, "branches");
    cr_assert_str_eq(s->from[1].alias, "b");
    cr_assert_str_eq(pt_expr(s->from[1].on), "(a.branch = b.id)");
    cr_assert_str_eq(s->from[2].table, "ledger");
    cr_assert_null(s->from[2].alias);
    cr_assert_null(s->from[2].on);
    cr_assert_str_eq(pt_expr(s->from[3].on), "TRUE");
    cr_assert_str_eq(pt_expr(s->where), "(a.balance > 0)");
    cr_assert_eq(s->ngroup, 2);
    cr_assert_str_eq(pt_expr(s->group_by[1]), "2");
    cr_assert_str_eq(pt_expr(s->having), "(count(*) > 1)");
    cr_assert_eq(s->norder, 3);
    cr_assert_eq(s->order[0].desc, 1);
    cr_assert_eq(s->order[0].nulls, 0);
    cr_assert_eq(s->order[1].desc, 0);
    cr_assert_eq(s->order[1].nulls, 1);
    cr_assert_eq(s->order[2].nulls, 2);
    cr_assert_str_eq(pt_expr(s->limit), "10");
    cr_assert_str_eq(pt_expr(s->offset), "$1");
    cr_assert_eq(s->lock, LOCK_FOR_UPDATE);
    cr_assert_eq(s->lockwait, LOCKWAIT_NOWAIT);
}

Test(stmt, select_small_forms)
{
    sql_stmt *st = pt_ok("select 1");
    cr_assert_eq(st->u.select.nfrom, 0);
    cr_assert_null(st->u.select.limit);
    cr_assert_eq(st->u.select.lock, LOCK_NONE);
    st = pt_ok("SELECT * FROM t OFFSET 5 LIMIT ALL FOR SHARE SKIP LOCKED");
    cr_assert_null(st->u.select.limit);
    cr_assert_str_eq(pt_expr(st->u.select.offset), "5");
    cr_assert_eq(st->u.select.lock, LOCK_FOR_SHARE);
    cr_assert_eq(st->u.select.lockwait, LOCKWAIT_SKIP);
    st = pt_ok("SELECT a FROM t FOR UPDATE LIMIT 1");
    cr_assert_eq(st->u.select.lock, LOCK_FOR_UPDATE);
    cr_assert_eq(st->u.select.lockwait, LOCKWAIT_WAIT);
    cr_assert_not_null(st->u.select.limit);
    /* AS takes any word, even a reserved one; a bare alias may not be reserved */
    st = pt_ok("SELECT 1 AS from, 2 AS \"Select\", 3 key");
    cr_assert_str_eq(st->u.select.targets[0].alias, "from");
    cr_assert_str_eq(st->u.select.targets[1].alias, "Select");
    cr_assert_str_eq(st->u.select.targets[2].alias, "key");
    pt_expect_err("SELECT 1 from", ACIDB_ERROR, "42601", 14, "syntax error at end of input");
    pt_expect_err("SELECT 1 select", ACIDB_ERROR, "42601", 10,
                  "syntax error at or near \"select\"");
    pt_expect_err("SELECT a FROM t LIMIT 1 LIMIT 2", ACIDB_ERROR, "42601", 25,
                  "multiple LIMIT clauses not allowed");
    pt_expect_err("SELECT * FROM a LEFT JOIN b ON TRUE", ACIDB_ERROR, "0A000", 17,
                  "LEFT JOIN is not supported");
    pt_expect_err("SELECT 1 UNION SELECT 2", ACIDB_ERROR, "0A000", 10,
                  "UNION is not supported");
    pt_expect_err("SELECT * FROM a JOIN b", ACIDB_ERROR, "42601", 23,
                  "syntax error at end of input");
    pt_expect_err("SELECT * FROM a INNER b", ACIDB_ERROR, "42601", 23,
                  "syntax error at or near \"b\"");
    pt_expect_err("SELECT FROM t", ACIDB_ERROR, "42601", 8, "syntax error at or near \"FROM\"");
    pt_expect_err("SELECT * FROM user", ACIDB_ERROR, "42601", 15,
                  "syntax error at or near \"user\"");
    pt_expect_err("SELECT * FROM t FOR UPDATE SKIP", ACIDB_ERROR, "42601", 32,
                  "syntax error at end of input");
}

Test(stmt, insert_values_select_default)
{
    sql_stmt *st = pt_ok("INSERT INTO Accounts (id, \"Owner\", balance) "
                         "VALUES (1, 'ann', DEFAULT), ($1, $2, -5) RETURNING id, balance AS b");
    cr_assert_eq(st->kind, STMT_INSERT);
    const sql_insert *in = &st->u.insert;
    cr_assert_str_eq(in->table, "accounts");
    cr_assert_eq(in->table_pos, 12);
    cr_assert_eq(in->ncols, 3);
    cr_assert_str_eq(in->cols[1], "Owner");
    cr_assert_eq(in->col_pos[0], 22);
    cr_assert_eq(in->col_pos[1], 26);
    cr_assert_eq(in->nrows, 2);
    cr_assert_eq(in->nvalues[0], 3);
    cr_assert_eq(in->nvalues[1], 3);
    cr_assert_str_eq(pt_expr(in->rows[0][1]), "'ann'");
    const sql_expr *d = in->rows[0][2];
    cr_assert_eq(d->kind, EX_CONST);
    cr_assert_eq(d->param, SQL_DEFAULT_MARK);
    cr_assert_eq(d->v.type, VT_NULL);
    cr_assert_str_eq(pt_expr(in->rows[1][2]), "-5");
    cr_assert_null(in->select);
    cr_assert_eq(in->nreturning, 2);
    cr_assert_str_eq(in->returning[1].alias, "b");
    cr_assert_eq(st->nparams, 2);

    st = pt_ok("INSERT INTO t SELECT a, b FROM u WHERE c");
    cr_assert_null(st->u.insert.cols);
    cr_assert_null(st->u.insert.rows);
    cr_assert_not_null(st->u.insert.select);
    cr_assert_eq(st->u.insert.select->ntargets, 2);
    cr_assert_str_eq(pt_expr(st->u.insert.select->where), "c");

    st = pt_ok("insert into t default values returning *");
    cr_assert_eq(st->u.insert.default_values, 1);
    cr_assert_eq(st->u.insert.nreturning, 1);
    cr_assert_null(st->u.insert.returning[0].e);

    /* rows of different lengths are the binder's business */
    st = pt_ok("INSERT INTO t VALUES (1), (1, 2)");
    cr_assert_eq(st->u.insert.nvalues[1], 2);
    pt_expect_err("INSERT INTO t VALUES ()", ACIDB_ERROR, "42601", 23,
                  "syntax error at or near \")\"");
    pt_expect_err("INSERT t VALUES (1)", ACIDB_ERROR, "42601", 8,
                  "syntax error at or near \"t\"");
    pt_expect_err("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", ACIDB_ERROR, "0A000", 26,
                  NULL);
}

Test(stmt, update_and_delete)
{
    sql_stmt *st = pt_ok("UPDATE accounts AS a SET balance = balance - $1, note = DEFAULT "
                         "WHERE id = $2 RETURNING balance");
    cr_assert_eq(st->kind, STMT_UPDATE);
    const sql_update *u = &st->u.update;
    cr_assert_str_eq(u->table, "accounts");
    cr_assert_str_eq(u->alias, "a");
    cr_assert_eq(u->table_pos, 7);
    cr_assert_eq(u->nset, 2);
    cr_assert_str_eq(u->set[0].col, "balance");
    cr_assert_eq(u->set[0].pos, 25);
    cr_assert_str_eq(pt_expr(u->set[0].e), "(balance - $1)");
    cr_assert_eq(u->set[1].e->param, SQL_DEFAULT_MARK);
    cr_assert_str_eq(pt_expr(u->where), "(id = $2)");
    cr_assert_eq(u->nreturning, 1);
    cr_assert_eq(st->nparams, 2);

    st = pt_ok("UPDATE t x SET a = 1");
    cr_assert_str_eq(st->u.update.alias, "x");
    st = pt_ok("UPDATE t SET a = 1");
    cr_assert_null(st->u.update.alias);
    cr_assert_null(st->u.update.where);

    st = pt_ok("DELETE FROM t WHERE a IS NULL RETURNING *");
    cr_assert_eq(st->kind, STMT_DELETE);
    cr_assert_str_eq(st->u.del.table, "t");
    cr_assert_null(st->u.del.alias);
    cr_assert_str_eq(pt_expr(st->u.del.where), "(a IS NULL)");
    cr_assert_eq(st->u.del.nreturning, 1);
    st = pt_ok("DELETE FROM t AS z");
    cr_assert_str_eq(st->u.del.alias, "z");
    cr_assert_null(st->u.del.where);
    pt_expect_err("UPDATE t SET a = 1, WHERE", ACIDB_ERROR, "42601", 21,
                  "syntax error at or near \"WHERE\"");
    pt_expect_err("DELETE t", ACIDB_ERROR, "42601", 8, "syntax error at or near \"t\"");
}

Test(stmt, create_table)
{
    const char *sql =
        "CREATE TABLE IF NOT EXISTS accounts (\n"
        "  id SERIAL PRIMARY KEY,\n"
        "  owner VARCHAR(40) NOT NULL CONSTRAINT owner_u UNIQUE,\n"
        "  balance bigint DEFAULT 0 CONSTRAINT nonneg CHECK (balance >= 0) NOT NULL,\n"
        "  branch int REFERENCES branches (id),\n"
        "  flag BOOLEAN NULL,\n"
        "  seq integer GENERATED ALWAYS AS IDENTITY,\n"
        "  note text,\n"
        "  CONSTRAINT pk2 UNIQUE (owner, branch),\n"
        "  CHECK (balance < 1000000),\n"
        "  FOREIGN KEY (branch, owner) REFERENCES other (a, b),\n"
        "  PRIMARY KEY (id)\n"
        ")";
    sql_stmt *st = pt_ok(sql);
    cr_assert_eq(st->kind, STMT_CREATE_TABLE);
    const sql_create_table *ct = &st->u.create_table;
    cr_assert_str_eq(ct->name, "accounts");
    cr_assert_eq(ct->if_not_exists, 1);
    cr_assert_eq(ct->ncols, 7);
    const sql_coldef *c = ct->cols;
    cr_assert_str_eq(c[0].name, "id");
    cr_assert_eq(c[0].type, VT_INT);
    cr_assert_eq(c[0].serial, 1);
    cr_assert_eq(c[0].identity, IDENT_BY_DEFAULT);
    cr_assert_eq(c[0].not_null, 1);
    cr_assert_eq(c[0].primary_key, 1);
    cr_assert_null(c[0].pk_name);
    cr_assert_eq(c[0].pos, (int32_t)(strstr(sql, "id SERIAL") - sql));
    cr_assert_eq(c[1].type, VT_TEXT);
    cr_assert_eq(c[1].not_null, 1);
    cr_assert_eq(c[1].unique, 1);
    cr_assert_str_eq(c[1].unique_name, "owner_u");
    cr_assert_eq(c[1].serial, 0);
    cr_assert_eq(c[1].identity, IDENT_NONE);
    cr_assert_str_eq(pt_expr(c[2].def), "0");
    cr_assert_str_eq(pt_expr(c[2].check), "(balance >= 0)");
    cr_assert_str_eq(c[2].check_name, "nonneg");
    cr_assert_eq(c[2].check_pos, (int32_t)(strstr(sql, "CONSTRAINT nonneg") - sql));
    cr_assert_eq(c[2].not_null, 1);
    cr_assert_str_eq(c[3].ref_table, "branches");
    cr_assert_str_eq(c[3].ref_col, "id");
    cr_assert_null(c[3].fk_name);
    cr_assert_eq(c[4].type, VT_BOOL);
    cr_assert_eq(c[4].not_null, 0);
    cr_assert_eq(c[5].identity, IDENT_ALWAYS);
    cr_assert_eq(c[5].not_null, 1);
    cr_assert_eq(c[5].serial, 0);
    cr_assert_null(c[6].def);
    cr_assert_eq(ct->ncons, 4);
    const sql_tblcons *k = ct->cons;
    cr_assert_eq(k[0].kind, TC_UNIQUE);
    cr_assert_str_eq(k[0].name, "pk2");
    cr_assert_eq(k[0].ncols, 2);
    cr_assert_str_eq(k[0].cols[1], "branch");
    cr_assert_eq(k[0].pos, (int32_t)(strstr(sql, "CONSTRAINT pk2") - sql));
    cr_assert_eq(k[1].kind, TC_CHECK);
    cr_assert_null(k[1].name);
    cr_assert_str_eq(pt_expr(k[1].check), "(balance < 1000000)");
    cr_assert_eq(k[2].kind, TC_FOREIGN_KEY);
    cr_assert_str_eq(k[2].ref_table, "other");
    cr_assert_eq(k[2].nref, 2);
    cr_assert_str_eq(k[2].ref_cols[1], "b");
    cr_assert_eq(k[3].kind, TC_PRIMARY_KEY);
    cr_assert_eq(k[3].ncols, 1);
    cr_assert_null(k[3].ref_cols);
}

Test(stmt, create_table_details_and_errors)
{
    sql_stmt *st = pt_ok("CREATE TABLE t (a int DEFAULT -1 + 2 NOT NULL, b text DEFAULT 'x' || 'y',"
                         " c int references u, d int8 default (1 = 1) check (d > 0),"
                         " e character varying, \"Key\" int2, index int, key bool)");
    const sql_coldef *c = st->u.create_table.cols;
    cr_assert_eq(st->u.create_table.if_not_exists, 0);
    cr_assert_str_eq(pt_expr(c[0].def), "(-1 + 2)");
    cr_assert_eq(c[0].not_null, 1);
    cr_assert_str_eq(pt_expr(c[1].def), "('x' || 'y')");
    cr_assert_str_eq(c[2].ref_table, "u");
    cr_assert_null(c[2].ref_col);
    cr_assert_str_eq(pt_expr(c[3].def), "(1 = 1)");
    cr_assert_eq(c[4].type, VT_TEXT);
    cr_assert_str_eq(c[5].name, "Key");
    cr_assert_str_eq(c[6].name, "index");
    cr_assert_str_eq(c[7].name, "key");
    st = pt_ok("CREATE TABLE t (a bigserial, b serial8, c smallint GENERATED BY DEFAULT AS IDENTITY)");
    cr_assert_eq(st->u.create_table.cols[0].serial, 1);
    cr_assert_eq(st->u.create_table.cols[2].identity, IDENT_BY_DEFAULT);

    pt_expect_err("CREATE TABLE t (a numeric)", ACIDB_ERROR, "42704", 19,
                  "type \"numeric\" does not exist");
    pt_expect_err("CREATE TABLE t (a int NULL NOT NULL)", ACIDB_ERROR, "42601", 28,
                  "conflicting NULL/NOT NULL declarations for column \"a\" of table \"t\"");
    pt_expect_err("CREATE TABLE t (a int DEFAULT 1 DEFAULT 2)", ACIDB_ERROR, "42601", 33,
                  "multiple default values specified for column \"a\" of table \"t\"");
    pt_expect_err("CREATE TABLE t (a serial DEFAULT 2)", ACIDB_ERROR, "42601", 26, NULL);
    pt_expect_err("CREATE TABLE t (a int DEFAULT 1 GENERATED ALWAYS AS IDENTITY)", ACIDB_ERROR,
                  "42601", 33,
                  "both default and identity specified for column \"a\" of table \"t\"");
    pt_expect_err("CREATE TABLE t (a int CHECK (a > 0) CHECK (a < 9))", ACIDB_ERROR, "0A000",
                  37, NULL);
    pt_expect_err("CREATE TABLE t (a int CONSTRAINT x)", ACIDB_ERROR, "42601", 35,
                  "syntax error at or near \")\"");
    pt_expect_err("CREATE TABLE t (a varchar(0))", ACIDB_ERROR, "22023", 27, NULL);
    pt_expect_err("CREATE TABLE t (select int)", ACIDB_ERROR, "42601", 17,
                  "syntax error at or near \"select\"");
    pt_expect_err("CREATE TABLE t (a int,)", ACIDB_ERROR, "42601", 23,
                  "syntax error at or near \")\"");
    pt_expect_err("CREATE TABLE t (a int DEFAULT NOT NULL)", ACIDB_ERROR, "42601", 31,
                  "syntax error at or near \"NOT\"");
    pt_expect_err("CREATE TABLE t (a int", ACIDB_ERROR, "42601", 22,
                  "syntax error at end of input");
}

Test(stmt, create_index_and_drop)
{
    sql_stmt *st = pt_ok("CREATE UNIQUE INDEX IF NOT EXISTS acc_owner ON accounts (owner, branch ASC)");
    cr_assert_eq(st->kind, STMT_CREATE_INDEX);
    const sql_create_index *ci = &st->u.create_index;
    cr_assert_eq(ci->unique, 1);
    cr_assert_eq(ci->if_not_exists, 1);
    cr_assert_str_eq(ci->name, "acc_owner");
    cr_assert_str_eq(ci->table, "accounts");
    cr_assert_eq(ci->ncols, 2);
    cr_assert_str_eq(ci->cols[1], "branch");
    cr_assert_eq(ci->col_pos[0], 57);
    st = pt_ok("create index on t (a)");
    cr_assert_null(st->u.create_index.name);
    cr_assert_eq(st->u.create_index.unique, 0);
    pt_expect_err("CREATE INDEX i ON t (a DESC)", ACIDB_ERROR, "0A000", 24,
                  "descending index columns are not supported");
    pt_expect_err("CREATE INDEX IF NOT EXISTS ON t (a)", ACIDB_ERROR, "42601", 28,
                  "syntax error at or near \"ON\"");
    pt_expect_err("CREATE INDEX i ON t (a + 1)", ACIDB_ERROR, "42601", 24,
                  "syntax error at or near \"+\"");

    st = pt_ok("DROP TABLE IF EXISTS accounts RESTRICT");
    cr_assert_eq(st->kind, STMT_DROP_TABLE);
    cr_assert_eq(st->u.drop.if_exists, 1);
    cr_assert_str_eq(st->u.drop.name, "accounts");
    st = pt_ok("drop index \"I\"");
    cr_assert_eq(st->kind, STMT_DROP_INDEX);
    cr_assert_eq(st->u.drop.if_exists, 0);
    cr_assert_str_eq(st->u.drop.name, "I");
    pt_expect_err("DROP TABLE t CASCADE", ACIDB_ERROR, "0A000", 14, NULL);
    pt_expect_err("DROP TABLE a, b", ACIDB_ERROR, "42601", 13, "syntax error at or near \",\"");
    pt_expect_err("DROP VIEW v", ACIDB_ERROR, "42601", 6, "syntax error at or near \"VIEW\"");
}

Test(stmt, transaction_control)
{
    static const struct {
        const char *sql;
        int kind;
    } cases[] = {
        {"BEGIN", STMT_BEGIN},
        {"begin work", STMT_BEGIN},
        {"BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE", STMT_BEGIN},
        {"BEGIN ISOLATION LEVEL REPEATABLE READ", STMT_BEGIN},
        {"BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE", STMT_BEGIN},
        {"START TRANSACTION", STMT_BEGIN},
        {"START TRANSACTION ISOLATION LEVEL READ UNCOMMITTED", STMT_BEGIN},
        {"COMMIT", STMT_COMMIT},
        {"COMMIT WORK", STMT_COMMIT},
        {"END TRANSACTION", STMT_COMMIT},
        {"end", STMT_COMMIT},
        {"ROLLBACK", STMT_ROLLBACK},
        {"ROLLBACK TRANSACTION", STMT_ROLLBACK},
        {"ABORT", STMT_ROLLBACK},
        {"abort work", STMT_ROLLBACK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sql_stmt *st = pt_ok(cases[i].sql);
        cr_assert_eq(st->kind, cases[i].kind, "%s", cases[i].sql);
        cr_assert_eq(st->end, (int32_t)strlen(cases[i].sql));
    }
    pt_expect_err("START", ACIDB_ERROR, "42601", 6, "syntax error at end of input");
    pt_expect_err("BEGIN ISOLATION LEVEL CHAOS", ACIDB_ERROR, "42601", 23, NULL);
    pt_expect_err("BEGIN READ ONLY", ACIDB_ERROR, "0A000", 12, NULL);
    pt_expect_err("COMMIT 1", ACIDB_ERROR, "42601", 8, "syntax error at or near \"1\"");
    pt_expect_err("ROLLBACK TO SAVEPOINT a", ACIDB_ERROR, "0A000", 10, NULL);
}

Test(stmt, explain_and_set)
{
    sql_stmt *st = pt_ok("EXPLAIN SELECT a FROM t WHERE b = $1");
    cr_assert_eq(st->kind, STMT_EXPLAIN);
    cr_assert_eq(st->nparams, 1);
    cr_assert_eq(st->u.explain->kind, STMT_SELECT);
    cr_assert_eq(st->u.explain->pos, 8);
    cr_assert_eq(st->u.explain->end, st->end);
    st = pt_ok("explain delete from t");
    cr_assert_eq(st->u.explain->kind, STMT_DELETE);
    pt_expect_err("EXPLAIN EXPLAIN SELECT 1", ACIDB_ERROR, "42601", 9, NULL);
    pt_expect_err("EXPLAIN BEGIN", ACIDB_ERROR, "42601", 9, NULL);
    pt_expect_err("EXPLAIN ANALYZE SELECT 1", ACIDB_ERROR, "0A000", 9, NULL);

    st = pt_ok("SET lock_timeout = 500");
    cr_assert_eq(st->kind, STMT_SET);
    cr_assert_str_eq(st->u.set.name, "lock_timeout");
    cr_assert_eq(st->u.set.v.type, VT_INT);
    cr_assert_eq(st->u.set.v.u.i, 500);
    st = pt_ok("SET Lock_Timeout TO '2s'");
    cr_assert_str_eq(st->u.set.name, "lock_timeout");
    cr_assert_eq(st->u.set.v.type, VT_TEXT);
    cr_assert_str_eq(st->u.set.v.u.s, "2s");
    st = pt_ok("SET x = -3");
    cr_assert_eq(st->u.set.v.u.i, -3);
    st = pt_ok("SET x TO true");
    cr_assert_eq(st->u.set.v.type, VT_BOOL);
    cr_assert_eq(st->u.set.v.u.i, 1);
    st = pt_ok("SET SESSION durability = OFF");
    cr_assert_str_eq(st->u.set.name, "durability");
    cr_assert_str_eq(st->u.set.v.u.s, "off");
    st = pt_ok("SET x = on");
    cr_assert_str_eq(st->u.set.v.u.s, "on");
    st = pt_ok("SET x TO DEFAULT");
    cr_assert_eq(st->u.set.v.type, VT_NULL);
    st = pt_ok("SET \"Lock_Timeout\" = 1");
    cr_assert_str_eq(st->u.set.name, "lock_timeout");
    st = pt_ok("SET session = 1");
    cr_assert_str_eq(st->u.set.name, "session");
    pt_expect_err("SET x 1", ACIDB_ERROR, "42601", 7, "syntax error at or near \"1\"");
    pt_expect_err("SET x = 1, 2", ACIDB_ERROR, "42601", 10, "syntax error at or near \",\"");
    pt_expect_err("SET x =", ACIDB_ERROR, "42601", 8, "syntax error at end of input");
}

Test(stmt, statement_errors)
{
    pt_expect_err("FROB t", ACIDB_ERROR, "42601", 1, "syntax error at or near \"FROB\"");
    pt_expect_err("SELECT 1 FROM; SELECT 2", ACIDB_ERROR, "42601", 14,
                  "syntax error at or near \";\"");
    pt_expect_err("SELECT 1 2", ACIDB_ERROR, "42601", 10, "syntax error at or near \"2\"");
    pt_expect_err("(SELECT 1)", ACIDB_ERROR, "42601", 1, "syntax error at or near \"(\"");
}

/* Each integer type name declares its own width, as PostgreSQL's: SERIAL is integer,
 * BIGSERIAL bigint, SMALLSERIAL smallint. */
Test(stmt, integer_type_names_keep_their_width)
{
    static const struct {
        const char *name;
        int tid, serial;
    } cases[] = {
        {"smallint", TY_INT2, 0},    {"int2", TY_INT2, 0},       {"integer", TY_INT4, 0},
        {"int", TY_INT4, 0},         {"int4", TY_INT4, 0},       {"bigint", TY_INT8, 0},
        {"int8", TY_INT8, 0},        {"serial", TY_INT4, 1},     {"serial4", TY_INT4, 1},
        {"bigserial", TY_INT8, 1},   {"serial8", TY_INT8, 1},    {"smallserial", TY_INT2, 1},
        {"serial2", TY_INT2, 1},     {"text", TY_TEXT, 0},       {"boolean", TY_BOOL, 0},
        {"varchar(3)", TY_VARCHAR, 0}, {"char(2)", TY_BPCHAR, 0}, {"character", TY_BPCHAR, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sql[80];
        snprintf(sql, sizeof sql, "CREATE TABLE t (c %s)", cases[i].name);
        sql_stmt *st = pt_ok(sql);
        const sql_coldef *c = &st->u.create_table.cols[0];
        cr_assert_eq(c->tid, cases[i].tid, "%s: tid %d", cases[i].name, c->tid);
        cr_assert_eq(c->type, ty_vt(cases[i].tid), "%s", cases[i].name);
        cr_assert_eq(c->serial, cases[i].serial, "%s", cases[i].name);
    }
}
