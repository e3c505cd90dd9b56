/*
 * fuzz_util.c — see fuzz_util.h.
 */
#include "tests/fuzz/fuzz_util.h"
#include "tests/common/fixture.h"
#include "wal/log.h" /* the log format: WAL_BLOCK, WAL_HDR_SIZE */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

static char dir[256];

static void rm_dir(void)
{
    if (fx_rmtree(dir) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", dir);
}

const char *fz_dir(void)
{
    if (dir[0])
        return dir;
    const char *base = getenv("TMPDIR");
    if (base == NULL || access(base, W_OK) != 0)
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    fx_tmpdir(dir, sizeof dir, base, "fuzz");
    atexit(rm_dir);
    return dir;
}

const char *fz_path(int slot, const char *name)
{
    static char paths[4][320];
    snprintf(paths[slot], sizeof paths[slot], "%s/%s", fz_dir(), name);
    return paths[slot];
}

void fz_remove_db(const char *path)
{
    char p[400];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-wal.tmp", path);
    unlink(p);
}

void fz_note(acidb_conn *c, const char *sql)
{
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (verbose)
        fprintf(stderr, "fuzz: %s %s at: %.80s\n", acidb_sqlstate(c), acidb_errmsg(c), sql);
}

acidb_options fz_options(void)
{
    acidb_options o = acidb_default_options();
    o.durability = ACIDB_DURABILITY_OFF;
    o.cache_bytes = 1u << 20;
    o.lock_timeout_ms = 50;
    o.checkpoint_bytes = 256u << 10;
    return o;
}

static const char *const schema[] = {
    "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
    "balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0), frozen BOOLEAN)",
    "CREATE TABLE transfers (id SERIAL PRIMARY KEY, ref VARCHAR(20) NOT NULL, "
    "src INTEGER REFERENCES accounts (id), dst INTEGER REFERENCES accounts, amount INTEGER "
    "CHECK (amount > 0))",
    "CREATE UNIQUE INDEX transfers_ref ON transfers (ref)",
    "CREATE INDEX transfers_src ON transfers (src, dst)",
    "CREATE TABLE notes (k TEXT PRIMARY KEY, body TEXT)",
    "INSERT INTO accounts VALUES (1, 'alice', 100, false), (2, 'bob', 50, NULL), "
    "(3, 'carol', 0, true), (4, 'dave', 7, false)",
    "INSERT INTO transfers (ref, src, dst, amount) VALUES ('t1', 1, 2, 10), ('t2', 2, 3, 5), "
    "('t3', 1, 3, 1), ('t4', 4, 1, 2)",
    "INSERT INTO notes VALUES ('short', 'hello'), ('empty', ''), ('none', NULL)",
};

void fz_schema(acidb_conn *c)
{
    for (size_t i = 0; i < sizeof schema / sizeof *schema; i++) {
        if (acidb_exec(c, schema[i]) != ACIDB_OK) {
            fprintf(stderr, "fuzz: schema: %s\n%s\n", schema[i], acidb_errmsg(c));
            abort();
        }
    }
    /* One value long enough to need overflow pages. */
    acidb_stmt *s = NULL;
    char *big = malloc(9000);
    for (int i = 0; i < 8999; i++)
        big[i] = (char)('a' + i % 26);
    big[8999] = 0;
    if (acidb_prepare(c, "INSERT INTO notes VALUES ('long', $1)", &s) != ACIDB_OK ||
        acidb_bind_text(s, 1, big, -1) != ACIDB_OK || acidb_step(s) != ACIDB_DONE) {
        fprintf(stderr, "fuzz: schema: %s\n", acidb_errmsg(c));
        abort();
    }
    acidb_finalize(s);
    free(big);
}

/* Runs one query and reads every column of every row. */
static void drain(acidb_conn *c, const char *sql)
{
    acidb_stmt *s = NULL;
    if (acidb_prepare(c, sql, &s) != ACIDB_OK || s == NULL)
        return;
    while (acidb_step(s) == ACIDB_ROW) {
        for (int i = 0; i < acidb_column_count(s); i++) {
            (void)acidb_column_type(s, i);
            (void)acidb_column_text(s, i);
            (void)acidb_column_bytes(s, i);
        }
    }
    acidb_finalize(s);
}

static const char *const probes[] = {
    "SELECT * FROM accounts",
    "SELECT * FROM transfers ORDER BY ref",
    "SELECT k, length(body) FROM notes",
    ("SELECT a.name, sum(t.amount) FROM accounts a JOIN transfers t ON t.src = a.id "
     "GROUP BY a.name"),
    "SELECT * FROM accounts WHERE id = 2",
    "SELECT * FROM accounts WHERE name = 'carol'",
    "SELECT * FROM transfers WHERE ref = 't3'",
    "SELECT count(*) FROM transfers WHERE src = 1",
    "SELECT body FROM notes WHERE k = 'long'",
};

void fz_probe(acidb_conn *c)
{
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
        drain(c, probes[i]);
}

void fz_probe_write(acidb_conn *c)
{
    fz_probe(c);
    acidb_exec(c, "BEGIN; UPDATE accounts SET balance = balance + 1 WHERE id = 2; "
                  "INSERT INTO transfers (ref, src, dst, amount) VALUES ('p1', 2, 1, 1); "
                  "DELETE FROM notes WHERE k = 'short'; "
                  "UPDATE notes SET body = body || 'x' WHERE k = 'long'; COMMIT");
    acidb_exec(c, "ROLLBACK");
    acidb_exec(c, "CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (1); DROP TABLE extra");
}

/* ---- scripts (fz_run_script) ------------------------------------------------------------- */

enum { MAX_STATEMENTS = 12, MAX_ROWS = 5000 };

static uint8_t *image;
static size_t image_len;

static void build_image(void)
{
    const char *p = fz_path(0, "template.db");
    acidb_options o = fz_options();
    acidb_db *db = NULL;
    acidb_conn *c = NULL;
    if (acidb_open(p, &o, &db) != ACIDB_OK || acidb_connect(db, &c) != ACIDB_OK)
        abort();
    fz_schema(c);
    acidb_disconnect(c);
    if (acidb_close(db) != ACIDB_OK)
        abort();
    image = fx_slurp(p, &image_len);
    fz_remove_db(p);
}

static void bind_some(acidb_stmt *s)
{
    int n = acidb_bind_parameter_count(s);
    for (int i = 1; i <= n && i <= 64; i++) {
        switch (i % 4) {
        case 1: acidb_bind_int64(s, i, i); break;
        case 2: acidb_bind_text(s, i, "t1", -1); break;
        case 3: acidb_bind_null(s, i); break;
        default: acidb_bind_bool(s, i, 1); break;
        }
    }
}

static void run_statements(acidb_conn *c, const char *sql)
{
    for (int n = 0; n < MAX_STATEMENTS && sql && *sql; n++) {
        acidb_stmt *s = NULL;
        const char *tail = NULL;
        if (acidb_prepare_v2(c, sql, &s, &tail) != ACIDB_OK) {
            fz_note(c, sql);
            return; /* the rest's position is unknown */
        }
        if (s == NULL)
            return;
        bind_some(s);
        int rc, rows = 0;
        while ((rc = acidb_step(s)) == ACIDB_ROW && rows++ < MAX_ROWS) {
            for (int i = 0; i < acidb_column_count(s); i++) {
                (void)acidb_column_name(s, i);
                (void)acidb_column_int64(s, i);
                (void)acidb_column_text(s, i);
            }
        }
        if (rc != ACIDB_DONE && rc != ACIDB_ROW)
            fz_note(c, sql);
        (void)acidb_command_tag(c);
        acidb_finalize(s);
        sql = tail;
    }
}

void fz_run_script(const char *sql)
{
    if (image == NULL)
        build_image();
    const char *p = fz_path(1, "sql.db");
    fx_spit(p, image, image_len);
    acidb_options o = fz_options();
    o.create = 0;
    acidb_db *db = NULL;
    acidb_conn *c = NULL;
    if (acidb_open(p, &o, &db) != ACIDB_OK)
        abort(); /* a copy of a good database must open */
    if (acidb_connect(db, &c) == ACIDB_OK) {
        run_statements(c, sql);
        acidb_disconnect(c);
    }
    acidb_close(db);
    fz_remove_db(p);
}

void fz_clean_db(const char *path)
{
    fz_remove_db(path);
    acidb_options o = fz_options();
    acidb_db *db = NULL;
    acidb_conn *c = NULL;
    if (acidb_open(path, &o, &db) != ACIDB_OK || acidb_connect(db, &c) != ACIDB_OK)
        abort();
    fz_schema(c);
    acidb_disconnect(c);
    if (acidb_close(db) != ACIDB_OK)
        abort();
}

static void must(acidb_conn *c, const char *sql)
{
    if (acidb_exec(c, sql) != ACIDB_OK) {
        fprintf(stderr, "fuzz: %s: %s\n", sql, acidb_errmsg(c));
        _exit(3);
    }
}

void fz_crashed_db(const char *path)
{
    fz_remove_db(path);
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        acidb_options o = fz_options();
        o.durability = ACIDB_DURABILITY_FULL; /* every commit reaches the log file */
        o.checkpoint_bytes = 1u << 30;        /* checkpoints only where asked: deterministic */
        acidb_db *db = NULL;
        acidb_conn *a = NULL, *b = NULL;
        if (acidb_open(path, &o, &db) != ACIDB_OK || acidb_connect(db, &a) != ACIDB_OK ||
            acidb_connect(db, &b) != ACIDB_OK)
            _exit(2);
        fz_schema(a);
        if (acidb_checkpoint(db) != ACIDB_OK)
            _exit(2);
        must(a, "BEGIN; UPDATE accounts SET balance = balance - 10 WHERE id = 1; "
                "UPDATE accounts SET balance = balance + 10 WHERE id = 2; "
                "INSERT INTO transfers (ref, src, dst, amount) VALUES ('c1', 1, 2, 10); COMMIT");
        must(a, "CREATE TABLE later (x INTEGER PRIMARY KEY, y TEXT); "
                "INSERT INTO later VALUES (1, 'one'), (2, 'two')");
        /* b's transaction is in the log (a's commit forces it there) but never ends. */
        must(b, "BEGIN; UPDATE accounts SET balance = 0 WHERE id = 4; "
                "DELETE FROM notes WHERE k = 'short'; INSERT INTO later VALUES (3, 'three')");
        must(a, "UPDATE notes SET body = 'changed' WHERE k = 'empty'");
        _exit(0); /* the crash: no rollback, no checkpoint, no close */
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "fuzz: building the crashed database failed (status %d)\n", status);
        abort();
    }
}

/* ---- checksums ---------------------------------------------------------------------------- */

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void fz_fix_db_checksums(uint8_t *img, size_t n)
{
    if (n < 40)
        return;
    uint32_t ps = (uint32_t)get_le(img + 36, 4);
    if (ps < 512 || ps > 65536 || (ps & (ps - 1)) != 0)
        return;
    for (size_t pg = 0; (pg + 1) * ps <= n; pg++) {
        uint8_t *p = img + pg * ps;
        put_u64(p + ps - 8, XXH3_64bits_withSeed(p, ps - 8, pg));
    }
}

void fz_set_db_id(uint8_t *img, size_t n, const uint8_t db_id[16])
{
    if (n < 96)
        return;
    memcpy(img + 80, db_id, 16);
    uint32_t ps = (uint32_t)get_le(img + 36, 4);
    if (ps >= 512 && ps <= 65536 && (ps & (ps - 1)) == 0 && ps <= n)
        put_u64(img + ps - 8, XXH3_64bits_withSeed(img, ps - 8, 0));
}

void fz_fix_log_checksums(uint8_t *img, size_t n, const uint8_t db_id[16])
{
    /* Format 3 (wal/README.md): a 256-byte header copy at the start of each of the first two
     * blocks, its checksum in its last 8 bytes. */
    for (size_t h = 0; h < 2 && h * WAL_BLOCK + 256 <= n; h++)
        put_u64(img + h * WAL_BLOCK + 248, XXH3_64bits(img + h * WAL_BLOCK, 248));
    uint64_t seed = XXH3_64bits(db_id, 16);
    size_t off = WAL_HDR_SIZE;
    while (off + 25 <= n) { /* WAL_REC_MIN */
        uint64_t len = get_le(img + off, 4);
        if (len < 25 || len > n - off)
            break;
        put_u64(img + off + len - 8, XXH3_64bits_withSeed(img + off, len - 8, seed));
        off += len;
    }
}
