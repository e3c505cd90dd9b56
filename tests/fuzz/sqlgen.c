/*
 * sqlgen.c — fuzz target, structure-aware: the input bytes are the choices of a generator that
 * writes SQL from the grammar (engine/grammar.md), so nearly every input is a
 * well-formed script over the fuzz schema's tables and columns (and a table t it may create),
 * and libFuzzer's mutations change statements, not characters. The script then runs like the
 * sql target's (fz_run_script). Coverage therefore reaches planning and execution paths —
 * joins, indexes, constraints, transactions, RETURNING, ORDER BY/LIMIT, aggregates — that
 * random text rarely gets past the parser to.
 *
 * To see what an input generates: FUZZ_VERBOSE=1 build/fuzz/fuzz/sqlgen FILE (prints the
 * script and each error).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"

typedef struct gen {
    const uint8_t *p, *end;
    char *out;
    size_t len, cap;
} gen;

/* The next choice in [0, n); 0 once the input is used up (so generation always ends). */
static unsigned pick(gen *g, unsigned n)
{
    if (g->p >= g->end || n <= 1)
        return 0;
    return *g->p++ % n;
}

static void emit(gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (g->len + (size_t)n + 1 > g->cap) {
        g->cap = (g->len + (size_t)n + 1) * 2;
        g->out = realloc(g->out, g->cap);
        if (g->out == NULL)
            abort();
    }
    va_start(ap, fmt);
    vsnprintf(g->out + g->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    g->len += (size_t)n;
}

#define ONE_OF(g, arr) ((arr)[pick(g, sizeof(arr) / sizeof *(arr))])

static const char *const tables[] = {"accounts", "transfers", "notes", "t"};
static const char *const columns[] = {"id", "name", "balance", "frozen", "ref", "src",
                                      "dst", "amount", "k", "body", "a", "b", "c", "nope"};
static const char *const ints[] = {"0", "1", "2", "3", "-1", "100", "9223372036854775807",
                                   "-9223372036854775808", "2147483648", "$1", "$2", "NULL"};
static const char *const texts[] = {"'alice'", "'bob'", "'t1'", "''", "'x%'", "'%a_'",
                                    "'long'", "'12'", "'true'", "'\xc3\xa9t\xc3\xa9'", "$2"};
static const char *const binops[] = {"+", "-", "*", "/", "%", "||", "=", "<>", "<", "<=",
                                     ">", ">=", "AND", "OR", "!="};
static const char *const funcs[] = {"abs", "length", "lower", "upper", "coalesce", "nullif",
                                    "greatest", "least", "count", "sum", "min", "max", "avg"};
static const char *const types[] = {"INTEGER", "TEXT", "BOOLEAN", "BIGINT", "VARCHAR(3)",
                                    "SMALLINT", "SERIAL"};

static void expr(gen *g, int depth);

static void expr_list(gen *g, int depth, int max)
{
    int n = 1 + (int)pick(g, (unsigned)max);
    for (int i = 0; i < n; i++) {
        emit(g, i ? ", " : "");
        expr(g, depth);
    }
}

static void expr(gen *g, int depth)
{
    unsigned k = pick(g, depth > 0 ? 14 : 5);
    switch (k) {
    case 0: emit(g, "%s", ONE_OF(g, columns)); break;
    case 1: emit(g, "%s", ONE_OF(g, ints)); break;
    case 2: emit(g, "%s", ONE_OF(g, texts)); break;
    case 3: emit(g, "%s", pick(g, 2) ? "TRUE" : "FALSE"); break;
    case 4: emit(g, "%s.%s", ONE_OF(g, tables), ONE_OF(g, columns)); break;
    case 5: case 6:
        emit(g, "(");
        expr(g, depth - 1);
        emit(g, " %s ", ONE_OF(g, binops));
        expr(g, depth - 1);
        emit(g, ")");
        break;
    case 7:
        emit(g, "%s(", ONE_OF(g, funcs));
        if (pick(g, 6) == 0)
            emit(g, pick(g, 2) ? "*" : "DISTINCT ");
        expr_list(g, depth - 1, 3);
        emit(g, ")");
        break;
    case 8:
        emit(g, pick(g, 2) ? "NOT " : "-");
        expr(g, depth - 1);
        break;
    case 9:
        expr(g, depth - 1);
        emit(g, "%s", ONE_OF(g, ((const char *const[]){" IS NULL", " IS NOT NULL", " IS TRUE",
                                                        " IS NOT FALSE", " ISNULL"})));
        break;
    case 10:
        expr(g, depth - 1);
        emit(g, pick(g, 2) ? " BETWEEN " : " NOT BETWEEN ");
        expr(g, 0);
        emit(g, " AND ");
        expr(g, 0);
        break;
    case 11:
        expr(g, depth - 1);
        emit(g, pick(g, 2) ? " IN (" : " NOT IN (");
        expr_list(g, depth - 1, 4);
        emit(g, ")");
        break;
    case 12:
        expr(g, depth - 1);
        emit(g, pick(g, 2) ? " LIKE %s" : " ILIKE %s", ONE_OF(g, texts));
        break;
    default:
        if (pick(g, 2)) {
            emit(g, "CASE WHEN ");
            expr(g, depth - 1);
            emit(g, " THEN ");
            expr(g, depth - 1);
            emit(g, " ELSE ");
            expr(g, depth - 1);
            emit(g, " END");
        } else {
            emit(g, "CAST(");
            expr(g, depth - 1);
            emit(g, " AS %s)", ONE_OF(g, types));
        }
        break;
    }
}

static void select_stmt(gen *g)
{
    emit(g, "SELECT %s", pick(g, 4) == 0 ? "DISTINCT " : "");
    if (pick(g, 4) == 0)
        emit(g, "*");
    else
        expr_list(g, 3, 4);
    const char *t = ONE_OF(g, tables);
    emit(g, " FROM %s", t);
    if (pick(g, 3) == 0) {
        const char *u = ONE_OF(g, tables);
        emit(g, " JOIN %s u ON ", u);
        expr(g, 2);
    }
    if (pick(g, 2)) {
        emit(g, " WHERE ");
        expr(g, 3);
    }
    if (pick(g, 4) == 0) {
        emit(g, " GROUP BY ");
        expr_list(g, 1, 2);
        if (pick(g, 2)) {
            emit(g, " HAVING ");
            expr(g, 2);
        }
    }
    if (pick(g, 3) == 0) {
        emit(g, " ORDER BY ");
        expr(g, 1);
        emit(g, "%s", ONE_OF(g, ((const char *const[]){"", " DESC", " ASC NULLS FIRST",
                                                        " DESC NULLS LAST"})));
    }
    if (pick(g, 4) == 0)
        emit(g, " LIMIT %s", ONE_OF(g, ints));
    if (pick(g, 6) == 0)
        emit(g, " OFFSET %s", ONE_OF(g, ints));
    if (pick(g, 8) == 0)
        emit(g, "%s", ONE_OF(g, ((const char *const[]){" FOR UPDATE", " FOR SHARE",
                                                        " FOR UPDATE NOWAIT",
                                                        " FOR UPDATE SKIP LOCKED"})));
}

static void returning(gen *g)
{
    if (pick(g, 4) == 0) {
        emit(g, " RETURNING ");
        if (pick(g, 2))
            emit(g, "*");
        else
            expr_list(g, 2, 3);
    }
}

static void statement(gen *g)
{
    switch (pick(g, 16)) {
    case 0: case 1: case 2:
        select_stmt(g);
        break;
    case 3: case 4:
        emit(g, "INSERT INTO %s ", ONE_OF(g, tables));
        if (pick(g, 2)) {
            emit(g, "(");
            int n = 1 + (int)pick(g, 4);
            for (int i = 0; i < n; i++)
                emit(g, "%s%s", i ? ", " : "", ONE_OF(g, columns));
            emit(g, ") ");
        }
        if (pick(g, 5) == 0) {
            select_stmt(g);
        } else if (pick(g, 8) == 0) {
            emit(g, "DEFAULT VALUES");
        } else {
            emit(g, "VALUES ");
            int rows = 1 + (int)pick(g, 3);
            for (int r = 0; r < rows; r++) {
                emit(g, r ? ", (" : "(");
                expr_list(g, 1, 5);
                emit(g, ")");
            }
        }
        returning(g);
        break;
    case 5: case 6:
        emit(g, "UPDATE %s SET %s = ", ONE_OF(g, tables), ONE_OF(g, columns));
        if (pick(g, 6) == 0)
            emit(g, "DEFAULT");
        else
            expr(g, 2);
        if (pick(g, 3) == 0) {
            emit(g, ", %s = ", ONE_OF(g, columns));
            expr(g, 1);
        }
        if (pick(g, 4)) {
            emit(g, " WHERE ");
            expr(g, 2);
        }
        returning(g);
        break;
    case 7:
        emit(g, "DELETE FROM %s", ONE_OF(g, tables));
        if (pick(g, 4)) {
            emit(g, " WHERE ");
            expr(g, 2);
        }
        returning(g);
        break;
    case 8: {
        emit(g, "CREATE TABLE %st (", pick(g, 2) ? "IF NOT EXISTS " : "");
        int n = 1 + (int)pick(g, 3);
        static const char *const names[] = {"a", "b", "c"};
        for (int i = 0; i < n; i++) {
            emit(g, "%s%s %s", i ? ", " : "", names[i], ONE_OF(g, types));
            emit(g, "%s", ONE_OF(g, ((const char *const[]){"", " PRIMARY KEY", " UNIQUE",
                                                            " NOT NULL", " DEFAULT 1",
                                                            " REFERENCES accounts",
                                                            " CHECK (a > 0)",
                                                            " GENERATED ALWAYS AS IDENTITY"})));
        }
        if (pick(g, 4) == 0)
            emit(g, ", UNIQUE (a)");
        emit(g, ")");
        break;
    }
    case 9:
        emit(g, "CREATE %sINDEX %s ON %s (%s)", pick(g, 2) ? "UNIQUE " : "",
             pick(g, 2) ? "ix" : "", ONE_OF(g, tables), ONE_OF(g, columns));
        break;
    case 10:
        emit(g, "DROP %s %s%s", pick(g, 3) ? "TABLE" : "INDEX", pick(g, 2) ? "IF EXISTS " : "",
             pick(g, 3) ? ONE_OF(g, tables) : ONE_OF(g, ((const char *const[]){
                                                  "ix", "transfers_ref", "accounts_pkey"})));
        break;
    case 11: emit(g, "%s", pick(g, 2) ? "BEGIN" : "START TRANSACTION ISOLATION LEVEL READ COMMITTED"); break;
    case 12: emit(g, "%s", pick(g, 2) ? "COMMIT" : "END"); break;
    case 13: emit(g, "%s", pick(g, 2) ? "ROLLBACK" : "ABORT"); break;
    case 14:
        emit(g, "EXPLAIN ");
        select_stmt(g);
        break;
    default:
        emit(g, "SET %s = %s", pick(g, 2) ? "lock_timeout" : "nope", ONE_OF(g, ints));
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gen g = {.p = data, .end = data + size};
    emit(&g, "%s", "");
    for (int i = 0; i < 10 && g.p < g.end; i++) {
        statement(&g);
        emit(&g, ";\n");
    }
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz: script:\n%s", g.out);
    fz_run_script(g.out);
    free(g.out);
    return 0;
}
