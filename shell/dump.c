/*
 * dump.c — .dump [TABLE]: SQL text that recreates the schema and the data.
 *
 * The output loads into acidb and, for the SQL subset acidb speaks, into PostgreSQL:
 *   BEGIN;
 *   CREATE TABLE ... (the text the table was created with);   parents before children
 *   INSERT INTO t VALUES (...);                                one row per statement
 *   CREATE INDEX ...;                                           after the data (faster)
 *   COMMIT;
 * Values: integers as digits, booleans true/false, text as '...' literals with '' doubling
 * (standard_conforming_strings: a backslash is an ordinary character in both), NULL.
 * Rows are read in one transaction of the session (its own, or the session's open block),
 * so the dump is a consistent picture under strict 2PL. Dumping a database, loading the dump
 * into an empty one and dumping that again gives the same text (tests/shell).
 */
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "shell.h"

static int dump_rows(FILE *f, acidb_conn *c, const acidb_table_info *t)
{
    char *sql = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&sql, &n);
    if (m == NULL)
        return -1;
    fputs("SELECT * FROM ", m);
    ident_write(m, t->name);
    fclose(m);
    acidb_stmt *st = NULL;
    int rc = acidb_prepare(c, sql, &st);
    free(sql);
    if (rc != ACIDB_OK)
        return rc;
    int ncols = acidb_column_count(st);
    while ((rc = acidb_step(st)) == ACIDB_ROW) {
        fputs("INSERT INTO ", f);
        ident_write(f, t->name);
        fputs(" VALUES (", f);
        for (int i = 0; i < ncols; i++) {
            if (i)
                fputs(", ", f);
            switch (acidb_column_type(st, i)) {
            case ACIDB_NULL: fputs("NULL", f); break;
            case ACIDB_INTEGER: fputs(acidb_column_text(st, i), f); break;
            case ACIDB_BOOLEAN: fputs(acidb_column_int64(st, i) ? "true" : "false", f); break;
            default: literal_write(f, acidb_column_text(st, i));
            }
        }
        fputs(");\n", f);
    }
    acidb_finalize(st);
    return rc == ACIDB_DONE ? ACIDB_OK : rc;
}

static void print_stmt(FILE *f, const char *sql)
{
    size_t n = strlen(sql);
    while (n > 0 && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\n'))
        n--;
    fprintf(f, "%.*s;\n", (int)n, sql);
}

/* Tables in an order where every referenced table comes first (self-references aside). */
static int *dump_order(const acidb_schema *s)
{
    int n = s->ntables, k = 0;
    int *order = calloc((size_t)n + 1, sizeof *order), *placed = calloc((size_t)n + 1, sizeof *placed);
    if (order == NULL || placed == NULL) {
        free(order);
        free(placed);
        return NULL;
    }
    while (k < n) {
        int progress = 0;
        for (int i = 0; i < n; i++) {
            if (placed[i])
                continue;
            int ready = 1;
            const acidb_table_info *t = &s->tables[i];
            for (int j = 0; j < t->nconstraints && ready; j++) {
                const char *ref = t->constraints[j].ref_table; /* 'f' only */
                if (ref == NULL)
                    continue;
                for (int x = 0; x < n; x++)
                    if (x != i && !placed[x] && strcmp(s->tables[x].name, ref) == 0)
                        ready = 0;
            }
            if (ready) {
                order[k++] = i;
                placed[i] = progress = 1;
            }
        }
        for (int i = 0; !progress && i < n; i++) /* a cycle of references: name order */
            if (!placed[i]) {
                order[k++] = i;
                placed[i] = progress = 1;
            }
    }
    free(placed);
    return order;
}

int dump_sql(FILE *f, session *s, const char *table)
{
    acidb_schema *sc = cv_load(sh.db);
    if (sc == NULL)
        return -1;
    if (table != NULL && cv_table_find(sc, table) == NULL) {
        fprintf(stderr, "ERROR:  no table named \"%s\"\n", table);
        acidb_free_schema(sc);
        return -1;
    }
    int *order = dump_order(sc);
    if (order == NULL) {
        acidb_free_schema(sc);
        return -1;
    }
    acidb_conn *c = s->conn;
    int own = acidb_txn_state(c) == 'I';
    int rc = own ? acidb_exec(c, "BEGIN") : ACIDB_OK;
    if (rc == ACIDB_OK && acidb_txn_state(c) == 'E')
        rc = ACIDB_ERROR;
    if (rc == ACIDB_OK) {
        fprintf(f, "-- acidb %s dump of %s\nBEGIN;\n", ACIDB_VERSION, sh.path);
        for (int k = 0; k < sc->ntables && rc == ACIDB_OK; k++) {
            const acidb_table_info *t = &sc->tables[order[k]];
            if (table == NULL || strcmp(t->name, table) == 0)
                print_stmt(f, t->sql);
        }
        for (int k = 0; k < sc->ntables && rc == ACIDB_OK; k++) {
            const acidb_table_info *t = &sc->tables[order[k]];
            if (table == NULL || strcmp(t->name, table) == 0)
                rc = dump_rows(f, c, t);
        }
        for (int k = 0; k < sc->ntables && rc == ACIDB_OK; k++) {
            const acidb_table_info *t = &sc->tables[order[k]];
            for (int j = 0; j < t->nindexes && (table == NULL || strcmp(t->name, table) == 0); j++)
                if (t->indexes[j].sql != NULL)
                    print_stmt(f, t->indexes[j].sql);
        }
        if (rc == ACIDB_OK)
            fputs("COMMIT;\n", f);
    }
    if (rc != ACIDB_OK)
        fprintf(stderr, "ERROR:  .dump: %s\nSQLSTATE: %s\n", acidb_errmsg(c), acidb_sqlstate(c));
    if (own)
        acidb_exec(c, rc == ACIDB_OK ? "COMMIT" : "ROLLBACK");
    pthread_mutex_lock(&sh.mu);
    s->txn_state = acidb_txn_state(c);
    pthread_mutex_unlock(&sh.mu);
    free(order);
    acidb_free_schema(sc);
    fflush(f);
    return rc == ACIDB_OK ? 0 : -1;
}
