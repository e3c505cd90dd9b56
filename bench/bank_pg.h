/*
 * bank_pg.h — bank_bench's PostgreSQL peer (libpq), included by bank_bench.c only when it is
 * built with -DHAVE_LIBPQ (the Makefile does so when pkg-config finds libpq). libpq is linked
 * into the bench program alone, never into libacidb or the shell.
 *
 * bank_pg_start creates a throwaway cluster in a temporary directory under the bench
 * directory (initdb; fsync=on, synchronous_commit=on; listening on a Unix socket only, no TCP),
 * bank_pg_stop stops it (pg_ctl stop -m fast) and removes the directory. PostgreSQL refuses to
 * run as root, so when the bench runs as root the server runs as the `postgres` user
 * (runuser). The transfer is the same as the other engines': BEGIN; SELECT the source balance;
 * debit; credit; INSERT history; COMMIT, as prepared statements at READ COMMITTED (PostgreSQL's
 * default); 40P01 (deadlock) and 40001 (serialization) are retried. Not durable: the session
 * sets synchronous_commit = off (PostgreSQL's own non-durable commit; fsync stays on).
 */
#ifndef ACIDB_BANK_PG_H
#define ACIDB_BANK_PG_H

#include <glob.h>
#include <libpq-fe.h>

typedef struct bank_pg {
    PGconn *c;
} bank_pg;

static char pg_bin[256], pg_dir[512], pg_conninfo[700], pg_version[128];
static const char *pg_why = "not installed (no /usr/lib/postgresql/*/bin/postgres)";

static int pg_sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static const char *bank_pg_status(void) { return pg_why; }
static const char *bank_pg_version(void) { return pg_version; }

static int bank_pg_start(const char *dir)
{
    glob_t gl;
    if (glob("/usr/lib/postgresql/*/bin/postgres", 0, NULL, &gl) != 0 || gl.gl_pathc == 0)
        return -1;
    snprintf(pg_bin, sizeof pg_bin, "%s", gl.gl_pathv[gl.gl_pathc - 1]);
    globfree(&gl);
    *strrchr(pg_bin, '/') = 0;
    char abs[400];
    if (!realpath(dir, abs))
        return -1;
    if (!bench_tmpdir(pg_dir, sizeof pg_dir, abs, "bank-pg"))
        return -1;
    const char *as = "";
    if (getuid() == 0) {
        as = "runuser -u postgres -- ";
        pg_sh("chown postgres '%s'; chmod 755 '%s'", pg_dir, abs);
    }
    pg_why = "failed to start (see the bench directory's bank-pg-*/log)";
    if (pg_sh("%s'%s/initdb' -D '%s/data' -U bench -A trust --no-sync >'%s/initdb.log' 2>&1", as,
              pg_bin, pg_dir, pg_dir) != 0)
        return -1;
    if (pg_sh("%s'%s/pg_ctl' -D '%s/data' -l '%s/log' -w -o \"-c listen_addresses='' "
              "-c unix_socket_directories='%s' -p 54329 -c fsync=on -c synchronous_commit=on "
              "-c shared_buffers=64MB -c max_connections=40\" start >/dev/null 2>&1",
              as, pg_bin, pg_dir, pg_dir, pg_dir) != 0)
        return -1;
    snprintf(pg_conninfo, sizeof pg_conninfo, "host=%s port=54329 dbname=postgres user=bench "
             "options='-c client_min_messages=warning'",
             pg_dir);
    PGconn *c = PQconnectdb(pg_conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        return -1;
    }
    PGresult *r = PQexec(c, "SHOW server_version");
    snprintf(pg_version, sizeof pg_version, "%s (fsync=on, synchronous_commit=on, Unix socket)",
             PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "?");
    PQclear(r);
    PQfinish(c);
    pg_why = "";
    return 0;
}

static void bank_pg_stop(void)
{
    const char *as = getuid() == 0 ? "runuser -u postgres -- " : "";
    pg_sh("%s'%s/pg_ctl' -D '%s/data' -m fast -w stop >/dev/null 2>&1", as, pg_bin, pg_dir);
    pg_sh("rm -rf '%s'", pg_dir);
}

static int pg_ok(PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static int pg_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = pg_ok(r);
    if (!ok)
        fprintf(stderr, "\nPostgreSQL: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    return ok ? 0 : -1;
}

/* Fresh tables with n accounts (generate_series: the load is not what is measured here). */
static int bank_pg_load(int64_t n, int64_t balance)
{
    PGconn *c = PQconnectdb(pg_conninfo);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO accounts SELECT i, 'acct-' || lpad(i::text, 10, '0'), %" PRId64
             " FROM generate_series(1, %" PRId64 ") i",
             balance, n);
    int rc = PQstatus(c) == CONNECTION_OK ? 0 : -1;
    if (!rc)
        rc = pg_exec(c, "DROP TABLE IF EXISTS accounts, history") ||
             pg_exec(c, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT "
                        "NULL, balance INTEGER NOT NULL CHECK (balance >= 0))") ||
             pg_exec(c, "CREATE TABLE history (id BIGSERIAL PRIMARY KEY, src INTEGER NOT NULL, "
                        "dst INTEGER NOT NULL, amount INTEGER NOT NULL)") ||
             pg_exec(c, sql) || pg_exec(c, "VACUUM ANALYZE accounts")
                 ? -1
                 : 0;
    PQfinish(c);
    return rc;
}

static bank_pg *bank_pg_connect(int durable)
{
    bank_pg *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->c = PQconnectdb(pg_conninfo);
    if (PQstatus(p->c) != CONNECTION_OK ||
        pg_exec(p->c, durable ? "SET synchronous_commit = on" : "SET synchronous_commit = off")) {
        PQfinish(p->c);
        free(p);
        return NULL;
    }
    static const char *const sql[][2] = {
        {"b", "BEGIN"},
        {"sel", "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE"}, /* as acidb */
        {"deb", "UPDATE accounts SET balance = balance - $1 WHERE id = $2"},
        {"cred", "UPDATE accounts SET balance = balance + $1 WHERE id = $2"},
        {"hist", "INSERT INTO history (src, dst, amount) VALUES ($1, $2, $3)"},
        {"c", "COMMIT"},
    };
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        PGresult *r = PQprepare(p->c, sql[i][0], sql[i][1], 0, NULL);
        int ok = pg_ok(r);
        PQclear(r);
        if (!ok) {
            PQfinish(p->c);
            free(p);
            return NULL;
        }
    }
    return p;
}

static void bank_pg_close(bank_pg *p)
{
    PQfinish(p->c);
    free(p);
}

/* 0 ok, 1 retry (deadlock / serialization failure), 2 refused (balance too low), -1 error. */
static int pg_step(bank_pg *p, const char *name, int n, const int64_t *v, int64_t *out1)
{
    char buf[3][24];
    const char *vals[3];
    for (int i = 0; i < n; i++) {
        snprintf(buf[i], sizeof buf[i], "%" PRId64, v[i]);
        vals[i] = buf[i];
    }
    PGresult *r = PQexecPrepared(p->c, name, n, vals, NULL, NULL, 0);
    int rc = 0;
    if (!pg_ok(r)) {
        const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        rc = st && (strcmp(st, "40P01") == 0 || strcmp(st, "40001") == 0) ? 1 : -1;
        if (rc < 0)
            fprintf(stderr, "\nPostgreSQL: %s: %s", name, PQerrorMessage(p->c));
    } else if (out1 && PQntuples(r) == 1) {
        *out1 = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    }
    PQclear(r);
    return rc;
}

static int bank_pg_transfer(bank_pg *p, int64_t src, int64_t dst, int64_t amt)
{
    int64_t bal = 0, a1[1] = {src}, a2[2] = {amt, src}, a3[2] = {amt, dst},
            a4[3] = {src, dst, amt};
    int rc = pg_step(p, "b", 0, NULL, NULL);
    if (!rc)
        rc = pg_step(p, "sel", 1, a1, &bal);
    if (!rc && bal < amt) {
        pg_exec(p->c, "ROLLBACK");
        return 2;
    }
    if (!rc)
        rc = pg_step(p, "deb", 2, a2, NULL);
    if (!rc)
        rc = pg_step(p, "cred", 2, a3, NULL);
    if (!rc)
        rc = pg_step(p, "hist", 3, a4, NULL);
    if (!rc)
        rc = pg_step(p, "c", 0, NULL, NULL);
    if (!rc)
        return 0;
    pg_exec(p->c, "ROLLBACK");
    if (rc > 0)
        return 1;
    exit(1);
}

/* The server's WAL position in bytes (pg_current_wal_lsn), for log bytes per commit. */
static int64_t bank_pg_wal_bytes(void)
{
    PGconn *c = PQconnectdb(pg_conninfo);
    int64_t v = -1;
    PGresult *r = PQexec(c, "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn");
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(c);
    return v;
}

#endif
