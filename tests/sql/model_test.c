/*
 * model_test.c — random statements through the public API, checked against a reference model
 * after every statement.
 *
 * The table is m (id BIGINT PRIMARY KEY, u TEXT UNIQUE, n BIGINT) with a non-unique index on
 * n; the model is a plain array indexed by id (ids, u values and n values come from small
 * ranges so that keys collide often). Statements: multi-row INSERTs (duplicate ids and u values,
 * NULL ids), UPDATEs by point, by ranges of the primary key and of the indexed column, of the
 * primary key itself and of the unique column, an UPDATE that divides by zero half way, DELETEs
 * by every path, and SELECTs by every access path; BEGIN / COMMIT / ROLLBACK with failed
 * blocks; now and then a close and reopen. Each statement's result (rows, command tag or
 * SQLSTATE) must be the model's, and so must the whole table after it; every few statements
 * the table is also read back through each index.
 *
 * The seed is printed with every failure. SQL_SEED=<n> replays one seed, SQL_MODEL_OPS=<n>
 * sets the statements per seed (defaults below; a third of them under sanitizers).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/acidb.h"
#include "tests/common/fixture.h"


enum { KMAX = 1024, NLO = -6, NHI = 6 };

/* The shape of a run: ids 0..K-1, u values u0..u<NU-1>, each padded to up to PAD bytes (wide
 * values make the B+trees split and merge). */
static int K, NU, PAD;

typedef struct mrow {
    int present;
    int u;       /* -1: NULL, else the value "u<u>" */
    int has_n;   /* 0: NULL */
    int64_t n;
} mrow;

typedef struct model {
    mrow r[KMAX];
    int n_index; /* the index m_n exists */
} model;

/* ---- random numbers (xorshift64*, seeded) -------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}

static int rn(int n) { return (int)(rnd() % (uint64_t)n); }
static int rrange(int lo, int hi) { return lo + rn(hi - lo + 1); }

/* ---- the run's state ------------------------------------------------------------------------ */

static char dir[PATH_MAX], dbpath[PATH_MAX + 8];
static acidb_db *db;
static acidb_conn *c;
static acidb_conn *c2; /* a second session that only reads, with a short lock timeout */
static uint64_t seed;
static int opno;
static char last_sql[4096];

/* Transaction state of the model: idle, in a block, in a failed block. */
static int in_block, failed;
static model cur, saved; /* saved: the state at BEGIN */

static char failmsg[512]; /* acidb_errmsg of the last failed statement */

/* Fails the test with the seed, the statement number and the statement. */
__attribute__((format(printf, 1, 2))) static void FAIL(const char *fmt, ...)
{
    static char msg[32768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cr_assert_fail("[seed %" PRIu64 " op %d; replay: SQL_SEED=%" PRIu64 "] %s\n  %s", seed,
                   opno, seed, last_sql, msg);
}

/* ---- running a statement -------------------------------------------------------------------- */

typedef struct result {
    int rc;
    char state[6];
    char tag[64];
    char rows[1 << 20];
} result;

/* Steps s to its end into res; keep: reset it for reuse (else finalize it). */
static void collect(result *res, acidb_stmt *s, int rc, int keep)
{
    size_t len = 0;
    res->rows[0] = 0;
    if (rc == ACIDB_OK && s != NULL) {
        while ((rc = acidb_step(s)) == ACIDB_ROW) {
            for (int i = 0; i < acidb_column_count(s); i++) {
                const char *t = acidb_column_text(s, i);
                len += (size_t)snprintf(res->rows + len, sizeof res->rows - len, "%s%s",
                                        i ? "|" : "", t ? t : "NULL");
                if (len >= sizeof res->rows - 2)
                    FAIL("result too long");
            }
            res->rows[len++] = '\n';
            res->rows[len] = 0;
        }
        if (rc == ACIDB_DONE)
            rc = ACIDB_OK;
    }
    res->rc = rc;
    snprintf(res->state, sizeof res->state, "%s", rc == ACIDB_OK ? "00000" : acidb_sqlstate(c));
    snprintf(res->tag, sizeof res->tag, "%s", rc == ACIDB_OK ? acidb_command_tag(c) : "");
    if (rc != ACIDB_OK && strcmp(res->state, "00000") == 0)
        FAIL("failed with code %d but SQLSTATE 00000 (%s)", rc, acidb_errmsg(c));
    if (rc != ACIDB_OK)
        snprintf(failmsg, sizeof failmsg, "%s", acidb_errmsg(c));
    if (s != NULL) {
        int frc = keep ? acidb_reset(s) : acidb_finalize(s);
        if (frc != ACIDB_OK && rc == ACIDB_OK)
            FAIL("%s: %d %s", keep ? "reset" : "finalize", frc, acidb_errmsg(c));
    }
}

static void run(result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_sql, sizeof last_sql, fmt, ap);
    va_end(ap);
    acidb_stmt *s = NULL;
    int rc = acidb_prepare_v2(c, last_sql, &s, NULL);
    collect(res, s, rc, 0);
}

/* Two statements prepared once per connection and run again and again with new parameters,
 * across the index being dropped and re-created (acidb_step re-plans after DDL). */
static acidb_stmt *ps_get, *ps_set;

static void prepare_kept(void)
{
    cr_assert_eq(acidb_prepare(c, "SELECT id, u, n FROM m WHERE id = $1", &ps_get), ACIDB_OK,
                 "%s", acidb_errmsg(c));
    cr_assert_eq(acidb_prepare(c, "UPDATE m SET n = $2 WHERE id >= $1 AND id < $3",
                               &ps_set), ACIDB_OK, "%s", acidb_errmsg(c));
}

/* ---- the model's view ----------------------------------------------------------------------- */

/* The text of u value number u: "u<u>" and a padding that depends on u. */
static const char *ustr(int u)
{
    static char buf[2][1100];
    static int which;
    char *b = buf[which ^= 1];
    int n = snprintf(b, 32, "u%d", u);
    int pad = PAD ? (u * 37) % (PAD + 1) : 0;
    memset(b + n, 'x', (size_t)pad);
    b[n + pad] = 0;
    return b;
}

static int row_fmt(char *out, size_t n, int id, const mrow *r)
{
    char u[1100], v[32];
    if (r->u < 0)
        strcpy(u, "NULL");
    else
        snprintf(u, sizeof u, "%s", ustr(r->u));
    if (!r->has_n)
        strcpy(v, "NULL");
    else
        snprintf(v, sizeof v, "%" PRId64, r->n);
    return snprintf(out, n, "%d|%s|%s\n", id, u, v);
}

/* The ids of the model's rows selected by pred, in the order of cmp (or by id). */
typedef int (*pred_fn)(int id, const mrow *r, const void *arg);
typedef int (*cmp_fn)(int a, int b);

static const model *sort_m;

/* ORDER BY n, id (NULLs last) */
static int cmp_n_id(int a, int b)
{
    const mrow *x = &sort_m->r[a], *y = &sort_m->r[b];
    if (x->has_n != y->has_n)
        return x->has_n ? -1 : 1;
    if (x->has_n && x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return a - b;
}

static int cmp_n_id_desc(int a, int b) { return cmp_n_id(b, a); }
static int cmp_id_desc(int a, int b) { return b - a; }

static int select_ids(const model *m, pred_fn p, const void *arg, cmp_fn cmp, int *ids)
{
    int n = 0;
    for (int i = 0; i < K; i++)
        if (m->r[i].present && (p == NULL || p(i, &m->r[i], arg)))
            ids[n++] = i;
    sort_m = m;
    if (cmp != NULL) /* insertion sort: K is small */
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && cmp(ids[j - 1], ids[j]) > 0; j--) {
                int t = ids[j];
                ids[j] = ids[j - 1];
                ids[j - 1] = t;
            }
    return n;
}

static void rows_of(const model *m, const int *ids, int n, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)row_fmt(out + len, cap - len, ids[i], &m->r[ids[i]]);
}

/* ---- checks --------------------------------------------------------------------------------- */

static void expect_ok(const result *res, const char *tag, const char *rows)
{
    if (res->rc != ACIDB_OK)
        FAIL("expected %s, got ERROR %s: %s", tag, res->state, failmsg);
    if (strcmp(res->tag, tag) != 0)
        FAIL("expected tag \"%s\", got \"%s\"", tag, res->tag);
    if (rows != NULL && strcmp(res->rows, rows) != 0)
        FAIL("rows differ\n--- expected (model)\n%s--- got\n%s", rows, res->rows);
}

static void expect_err(const result *res, const char *state)
{
    if (res->rc == ACIDB_OK)
        FAIL("expected ERROR %s, got %s\n%s", state, res->tag, res->rows);
    if (strcmp(res->state, state) != 0)
        FAIL("expected ERROR %s, got ERROR %s: %s", state, res->state, failmsg);
}

/* A statement the model says fails with `state` (NULL: succeeds with tag/rows). Inside a
 * failed block everything but the end of the block is 25P02 instead. */
static void outcome(const result *res, const char *state, const char *tag, const char *rows)
{
    if (in_block && failed) {
        expect_err(res, "25P02");
        return;
    }
    if (state != NULL) {
        expect_err(res, state);
        if (in_block)
            failed = 1;
    } else
        expect_ok(res, tag, rows);
}

/* The outcome of a write whose tag is "<verb> <count>" ("INSERT 0 3", "UPDATE 2"): the model
 * moves on to *next when the statement succeeded. */
static void write_outcome(const result *res, const char *err, const char *verb, int count,
                          const model *next)
{
    char tag[32];
    snprintf(tag, sizeof tag, "%s %d", verb, count);
    outcome(res, err, tag, "");
    if (err == NULL && !(in_block && failed))
        cur = *next;
}

static void check_table(void)
{
    if (in_block && failed)
        return;
    static result res;
    int ids[KMAX];
    static char want[1 << 20];
    int n = select_ids(&cur, NULL, NULL, NULL, ids);
    rows_of(&cur, ids, n, want, sizeof want);
    char tag[32];
    snprintf(tag, sizeof tag, "SELECT %d", n);
    char op_sql[sizeof last_sql];
    memcpy(op_sql, last_sql, sizeof op_sql);
    run(&res, "SELECT id, u, n FROM m ORDER BY id");
    if (res.rc != ACIDB_OK || strcmp(res.rows, want) != 0)
        FAIL("table differs from the model after: %s\n--- model\n%s--- table\n%s%s", op_sql,
             want, res.rows, res.rc ? failmsg : "");
    (void)tag;
}

/* The second session sees only committed data: the model's state at BEGIN while a block is
 * open (or a lock timeout, 55P03, if the block holds locks on rows it needs), the current state
 * otherwise. Never rows of an open transaction. */
static void check_other_session(void)
{
    static result res;
    static char want[1 << 20];
    int ids[KMAX];
    const model *committed = in_block ? &saved : &cur;
    int n = select_ids(committed, NULL, NULL, NULL, ids);
    rows_of(committed, ids, n, want, sizeof want);
    acidb_conn *keep = c;
    c = c2;
    run(&res, "SELECT id, u, n FROM m ORDER BY id");
    c = keep;
    if (res.rc == ACIDB_OK && strcmp(res.rows, want) != 0)
        FAIL("the other session sees uncommitted or lost data (%s)\n--- committed (model)\n%s"
             "--- other session\n%s", in_block ? "block open" : "idle", want, res.rows);
    if (res.rc != ACIDB_OK && !(in_block && strcmp(res.state, "55P03") == 0))
        FAIL("the other session's read failed: %s %s", res.state, failmsg);
}

static int p_n_eq(int id, const mrow *r, const void *arg)
{
    (void)id;
    const int64_t *v = arg;
    return r->has_n && r->n == *v;
}

static int p_n_null(int id, const mrow *r, const void *arg)
{
    (void)id, (void)arg;
    return !r->has_n;
}

/* Reads every row back through the index on n and the unique index on u. */
static void check_indexes(void)
{
    if (in_block && failed)
        return;
    static result res;
    int ids[KMAX];
    static char want[1 << 20];
    for (int64_t v = NLO - 4; v <= NHI + 4; v++) {
        int n = select_ids(&cur, p_n_eq, &v, NULL, ids);
        rows_of(&cur, ids, n, want, sizeof want);
        run(&res, "SELECT id, u, n FROM m WHERE n = %" PRId64 " ORDER BY id", v);
        if (res.rc != ACIDB_OK || strcmp(res.rows, want) != 0)
            FAIL("index on n: n = %" PRId64 "\n--- model\n%s--- got\n%s", v, want, res.rows);
    }
    int n = select_ids(&cur, p_n_null, NULL, NULL, ids);
    rows_of(&cur, ids, n, want, sizeof want);
    run(&res, "SELECT id, u, n FROM m WHERE n IS NULL ORDER BY id");
    if (res.rc != ACIDB_OK || strcmp(res.rows, want) != 0)
        FAIL("n IS NULL\n--- model\n%s--- got\n%s", want, res.rows);
    for (int u = 0; u < NU; u++) {
        size_t len = 0;
        want[0] = 0;
        for (int i = 0; i < K; i++)
            if (cur.r[i].present && cur.r[i].u == u)
                len += (size_t)row_fmt(want + len, sizeof want - len, i, &cur.r[i]);
        run(&res, "SELECT id, u, n FROM m WHERE u = '%s'", ustr(u));
        if (res.rc != ACIDB_OK || strcmp(res.rows, want) != 0)
            FAIL("unique index on u: u = '%s'\n--- model\n%s--- got\n%s", ustr(u), want, res.rows);
    }
}

/* ---- value helpers --------------------------------------------------------------------------- */

static void u_sql(char *out, size_t n, int u)
{
    if (u < 0)
        snprintf(out, n, "NULL");
    else
        snprintf(out, n, "'%s'", ustr(u));
}

static int rand_u(void) { return rn(5) == 0 ? -1 : rn(NU); }

static int u_taken(const model *m, int u, int except_id)
{
    if (u < 0)
        return 0;
    for (int i = 0; i < K; i++)
        if (i != except_id && m->r[i].present && m->r[i].u == u)
            return 1;
    return 0;
}

/* ---- statements ------------------------------------------------------------------------------- */

static void op_insert(void)
{
    int nrows = rrange(1, 3);
    char sql[4096];
    size_t len = (size_t)snprintf(sql, sizeof sql, "INSERT INTO m VALUES ");
    model next = cur;
    const char *err = NULL;
    for (int i = 0; i < nrows; i++) {
        int null_id = rn(40) == 0;
        int id = rn(K), u = rand_u(), has_n = rn(5) != 0;
        int64_t n = rrange(NLO, NHI);
        char us[1100], ns[24];
        u_sql(us, sizeof us, u);
        if (has_n)
            snprintf(ns, sizeof ns, "%" PRId64, n);
        else
            strcpy(ns, "NULL");
        if (null_id)
            len += (size_t)snprintf(sql + len, sizeof sql - len, "%s(NULL, %s, %s)", i ? ", " : "",
                                    us, ns);
        else
            len += (size_t)snprintf(sql + len, sizeof sql - len, "%s(%d, %s, %s)", i ? ", " : "",
                                    id, us, ns);
        if (err != NULL)
            continue;
        /* PostgreSQL checks NOT NULL before the unique indexes; the first failing row decides. */
        if (null_id)
            err = "23502";
        else if (next.r[id].present || u_taken(&next, u, -1))
            err = "23505";
        else
            next.r[id] = (mrow){.present = 1, .u = u, .has_n = has_n, .n = n};
    }
    static result res;
    run(&res, "%s", sql);
    write_outcome(&res, err, "INSERT 0", nrows, &next);
}

/* UPDATE m SET n = <v> WHERE <range or point on id, or on n>. */
static void op_update_n(void)
{
    int kind = rn(5);
    int a = rn(K), b = a + rn(8);
    int64_t lo = rrange(NLO, NHI), hi = lo + rn(4);
    int64_t v = rrange(NLO, NHI);
    int setnull = rn(8) == 0;
    char set[64];
    /* SET n = n + 1 moves rows forward along the index on n while it may be scanned. */
    int incr = kind >= 3 && rn(2);
    if (setnull)
        snprintf(set, sizeof set, "n = NULL");
    else if (incr)
        snprintf(set, sizeof set, "n = n + 1");
    else
        snprintf(set, sizeof set, "n = %" PRId64, v);
    char where[1200];
    switch (kind) {
    case 0: snprintf(where, sizeof where, "id = %d", a); break;
    case 1: snprintf(where, sizeof where, "id >= %d AND id <= %d", a, b); break;
    case 2: snprintf(where, sizeof where, "id BETWEEN %d AND %d", a, b); break;
    case 3: snprintf(where, sizeof where, "n = %" PRId64, lo); break;
    default: snprintf(where, sizeof where, "n >= %" PRId64 " AND n <= %" PRId64, lo, hi); break;
    }
    model next = cur;
    int count = 0;
    for (int i = 0; i < K; i++) {
        mrow *r = &next.r[i];
        if (!r->present)
            continue;
        int hit = kind == 0 ? i == a : kind <= 2 ? (i >= a && i <= b)
                : kind == 3 ? (r->has_n && r->n == lo) : (r->has_n && r->n >= lo && r->n <= hi);
        if (!hit)
            continue;
        count++;
        if (setnull)
            r->has_n = 0;
        else if (incr)
            r->n = r->has_n ? r->n + 1 : 0; /* NULL + 1 stays NULL: fixed below */
        else
            r->has_n = 1, r->n = v;
        if (incr && !cur.r[i].has_n)
            r->has_n = 0;
    }
    static result res;
    run(&res, "UPDATE m SET %s WHERE %s", set, where);
    write_outcome(&res, NULL, "UPDATE", count, &next);
}

/* UPDATE m SET u = ... WHERE id = k: the unique index decides. */
static void op_update_u(void)
{
    int k = rn(K), u = rand_u();
    char us[1100];
    u_sql(us, sizeof us, u);
    model next = cur;
    const char *err = NULL;
    int count = 0;
    if (next.r[k].present) {
        count = 1;
        if (u_taken(&next, u, k))
            err = "23505";
        else
            next.r[k].u = u;
    }
    static result res;
    run(&res, "UPDATE m SET u = %s WHERE id = %d", us, k);
    write_outcome(&res, err, "UPDATE", count, &next);
}

/* UPDATE m SET id = j WHERE id = k (or WHERE u = ...): moving a row to another key. */
static void op_update_id(void)
{
    int k = rn(K), j = rn(K);
    int by_u = rn(3) == 0;
    int u = rn(NU);
    if (by_u) {
        k = -1;
        for (int i = 0; i < K; i++)
            if (cur.r[i].present && cur.r[i].u == u)
                k = i;
    }
    model next = cur;
    const char *err = NULL;
    int count = 0;
    if (k >= 0 && next.r[k].present) {
        count = 1;
        if (j != k && next.r[j].present)
            err = "23505";
        else {
            mrow r = next.r[k];
            next.r[k].present = 0;
            next.r[j] = r;
        }
    }
    static result res;
    if (by_u)
        run(&res, "UPDATE m SET id = %d WHERE u = '%s' RETURNING id, u", j, ustr(u));
    else
        run(&res, "UPDATE m SET id = %d WHERE id = %d RETURNING id, u", j, k);
    char tag[32], rows[1200] = "";
    snprintf(tag, sizeof tag, "UPDATE %d", count);
    if (count && err == NULL) {
        char us[1100];
        if (next.r[j].u < 0)
            strcpy(us, "NULL");
        else
            snprintf(us, sizeof us, "%s", ustr(next.r[j].u));
        snprintf(rows, sizeof rows, "%d|%s\n", j, us);
    }
    outcome(&res, err, tag, rows);
    if (err == NULL && !(in_block && failed))
        cur = next;
}

/* UPDATE m SET n = 100 / (n - v) WHERE id BETWEEN a AND b: fails with 22012 if any row in range
 * has n = v, after other rows may already have been changed — the statement must undo them. */
static void op_update_div(void)
{
    int a = rn(K), b = a + rn(K / 2);
    int64_t v = rrange(NLO, NHI);
    model next = cur;
    const char *err = NULL;
    int count = 0;
    for (int i = a; i <= b && i < K; i++) {
        mrow *r = &next.r[i];
        if (!r->present)
            continue;
        count++;
        if (!r->has_n)
            continue;
        if (r->n == v) {
            err = "22012";
            continue;
        }
        r->n = 100 / (r->n - v);
    }
    static result res;
    run(&res, "UPDATE m SET n = 100 / (n - %" PRId64 ") WHERE id BETWEEN %d AND %d", v, a, b);
    write_outcome(&res, err, "UPDATE", count, &next);
}

static void op_delete(void)
{
    int kind = rn(5);
    int a = rn(K), b = a + rn(6);
    int64_t v = rrange(NLO, NHI);
    int u = rn(NU);
    char where[1200];
    switch (kind) {
    case 0: snprintf(where, sizeof where, "id = %d", a); break;
    case 1: snprintf(where, sizeof where, "id >= %d AND id < %d", a, b); break;
    case 2: snprintf(where, sizeof where, "n = %" PRId64, v); break;
    case 3: snprintf(where, sizeof where, "u = '%s'", ustr(u)); break;
    default: snprintf(where, sizeof where, "n IS NULL AND id > %d", a); break;
    }
    model next = cur;
    int count = 0;
    for (int i = 0; i < K; i++) {
        mrow *r = &next.r[i];
        if (!r->present)
            continue;
        int hit = kind == 0 ? i == a : kind == 1 ? (i >= a && i < b)
                : kind == 2 ? (r->has_n && r->n == v) : kind == 3 ? r->u == u
                : (!r->has_n && i > a);
        if (hit)
            r->present = 0, count++;
    }
    static result res;
    run(&res, "DELETE FROM m WHERE %s", where);
    write_outcome(&res, NULL, "DELETE", count, &next);
}

typedef struct range_arg {
    int kind;
    int64_t lo, hi;
} range_arg;

static int p_range(int id, const mrow *r, const void *arg)
{
    const range_arg *q = arg;
    switch (q->kind) {
    case 0: return id == q->lo;
    case 1: return id >= q->lo && id <= q->hi;
    case 2: return id > q->lo && id < q->hi;
    case 3: return r->has_n && r->n >= q->lo && r->n < q->hi;
    case 4: return r->has_n && r->n > q->lo;
    case 5: return r->has_n && r->n <= q->hi;
    default: return 1;
    }
}

static void op_select(void)
{
    range_arg q = {.kind = rn(8)};
    int ids[KMAX];
    int n;
    static char want[1 << 20];
    static result res;
    char tag[32];
    switch (q.kind) {
    case 0: /* point on the primary key */
        q.lo = rn(K + 2) - 1;
        n = select_ids(&cur, p_range, &q, NULL, ids);
        rows_of(&cur, ids, n, want, sizeof want);
        run(&res, "SELECT id, u, n FROM m WHERE id = %" PRId64, q.lo);
        break;
    case 1: /* range on the primary key, ascending */
    case 2: /* open range, descending */
        q.lo = rn(K + 2) - 1;
        q.hi = q.lo + rn(K / 2);
        n = select_ids(&cur, p_range, &q, q.kind == 2 ? cmp_id_desc : NULL, ids);
        rows_of(&cur, ids, n, want, sizeof want);
        if (q.kind == 1)
            run(&res, "SELECT id, u, n FROM m WHERE id BETWEEN %" PRId64 " AND %" PRId64
                " ORDER BY id", q.lo, q.hi);
        else
            run(&res, "SELECT id, u, n FROM m WHERE id > %" PRId64 " AND id < %" PRId64
                " ORDER BY id DESC", q.lo, q.hi);
        break;
    case 3: /* range on the indexed column */
    case 4:
    case 5:
        q.lo = rrange(NLO - 2, NHI);
        q.hi = q.lo + rn(5);
        n = select_ids(&cur, p_range, &q, q.kind == 4 ? cmp_n_id_desc : cmp_n_id, ids);
        rows_of(&cur, ids, n, want, sizeof want);
        if (q.kind == 3)
            run(&res, "SELECT id, u, n FROM m WHERE n >= %" PRId64 " AND n < %" PRId64
                " ORDER BY n, id", q.lo, q.hi);
        else if (q.kind == 4)
            run(&res, "SELECT id, u, n FROM m WHERE n > %" PRId64 " ORDER BY n DESC, id DESC",
                q.lo);
        else
            run(&res, "SELECT id, u, n FROM m WHERE n <= %" PRId64 " ORDER BY n ASC, id", q.hi);
        break;
    case 6: { /* full scan ordered by n, NULLs first, with LIMIT/OFFSET */
        n = select_ids(&cur, NULL, NULL, cmp_n_id, ids);
        int nulls = 0;
        int tmp[KMAX];
        for (int i = 0; i < n; i++)
            if (!cur.r[ids[i]].has_n)
                tmp[nulls++] = ids[i];
        for (int i = 0; i < n; i++)
            if (cur.r[ids[i]].has_n)
                tmp[nulls++] = ids[i];
        int lim = rn(10), off = rn(5);
        int from = off < n ? off : n, to = from + lim < n ? from + lim : n;
        rows_of(&cur, tmp + from, to - from, want, sizeof want);
        n = to - from;
        run(&res, "SELECT id, u, n FROM m ORDER BY n NULLS FIRST, id LIMIT %d OFFSET %d", lim,
            off);
        break;
    }
    default: { /* aggregates over a full scan */
        int64_t cnt = 0, cn = 0, sum = 0, mn = 0, mx = 0;
        for (int i = 0; i < K; i++) {
            const mrow *r = &cur.r[i];
            if (!r->present)
                continue;
            cnt++;
            if (!r->has_n)
                continue;
            if (cn == 0 || r->n < mn)
                mn = r->n;
            if (cn == 0 || r->n > mx)
                mx = r->n;
            cn++;
            sum += r->n;
        }
        if (cn)
            snprintf(want, sizeof want, "%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64
                     "\n", cnt, cn, sum, mn, mx);
        else
            snprintf(want, sizeof want, "%" PRId64 "|0|NULL|NULL|NULL\n", cnt);
        n = 1;
        run(&res, "SELECT count(*), count(n), sum(n), min(n), max(n) FROM m");
        break;
    }
    }
    snprintf(tag, sizeof tag, "SELECT %d", n);
    outcome(&res, NULL, tag, want);
}

/* The kept statements, with parameters. */
static void op_prepared(void)
{
    static result res;
    static char want[1 << 20];
    int ids[KMAX];
    if (rn(2)) {
        range_arg q = {.kind = 0, .lo = rn(K + 2) - 1};
        snprintf(last_sql, sizeof last_sql, "(kept) SELECT id, u, n FROM m WHERE id = $1 [%" PRId64 "]", q.lo);
        cr_assert_eq(acidb_bind_int64(ps_get, 1, q.lo), ACIDB_OK);
        collect(&res, ps_get, ACIDB_OK, 1);
        int n = select_ids(&cur, p_range, &q, NULL, ids);
        rows_of(&cur, ids, n, want, sizeof want);
        char tag[32];
        snprintf(tag, sizeof tag, "SELECT %d", n);
        outcome(&res, NULL, tag, want);
        return;
    }
    int a = rn(K), b = a + rn(10), null = rn(4) == 0;
    int64_t v = rrange(NLO, NHI);
    snprintf(last_sql, sizeof last_sql,
             "(kept) UPDATE m SET n = $2 WHERE id >= $1 AND id < $3 [%d, %s%" PRId64 ", %d]", a,
             null ? "NULL " : "", v, b);
    cr_assert_eq(acidb_bind_int64(ps_set, 1, a), ACIDB_OK);
    cr_assert_eq(null ? acidb_bind_null(ps_set, 2) : acidb_bind_int64(ps_set, 2, v), ACIDB_OK);
    cr_assert_eq(acidb_bind_int64(ps_set, 3, b), ACIDB_OK);
    collect(&res, ps_set, ACIDB_OK, 1);
    model next = cur;
    int count = 0;
    for (int i = a; i < b && i < K; i++)
        if (next.r[i].present) {
            count++;
            next.r[i].has_n = !null;
            next.r[i].n = v;
        }
    write_outcome(&res, NULL, "UPDATE", count, &next);
}

/* Drops or re-creates the index on n (inside a block too: ROLLBACK must bring it back or take
 * it away again). Plans switch between index and sequential scans. */
static void op_ddl(void)
{
    static result res;
    if (cur.n_index)
        run(&res, "DROP INDEX m_n");
    else
        run(&res, "CREATE INDEX m_n ON m (n)");
    outcome(&res, NULL, cur.n_index ? "DROP INDEX" : "CREATE INDEX", "");
    if (!(in_block && failed))
        cur.n_index = !cur.n_index;
}

static void connect_other(void)
{
    cr_assert_eq(acidb_connect(db, &c2), ACIDB_OK);
    cr_assert_eq(acidb_exec(c2, "SET lock_timeout = 20"), ACIDB_OK, "%s", acidb_errmsg(c2));
}

static void reopen(void)
{
    cr_assert_eq(acidb_disconnect(c2), ACIDB_OK);
    cr_assert_eq(acidb_disconnect(c), ACIDB_OK); /* finalizes the kept statements */
    ps_get = ps_set = NULL;
    int rc = acidb_close(db);
    if (rc != ACIDB_OK)
        FAIL("close: %d", rc);
    acidb_options o = acidb_default_options();
    o.durability = ACIDB_DURABILITY_OFF;
    o.cache_bytes = 1u << 20;
    db = NULL;
    rc = acidb_open(dbpath, &o, &db);
    if (rc != ACIDB_OK)
        FAIL("reopen: %d %s", rc, acidb_open_errmsg());
    cr_assert_eq(acidb_connect(db, &c), ACIDB_OK);
    connect_other();
    prepare_kept();
}

static void op_txn(void)
{
    static result res;
    if (!in_block) {
        run(&res, "BEGIN");
        expect_ok(&res, "BEGIN", "");
        in_block = 1;
        failed = 0;
        saved = cur;
        return;
    }
    if (rn(2)) {
        run(&res, "COMMIT");
        expect_ok(&res, failed ? "ROLLBACK" : "COMMIT", "");
        if (failed)
            cur = saved;
    } else {
        run(&res, "ROLLBACK");
        expect_ok(&res, "ROLLBACK", "");
        cur = saved;
    }
    in_block = 0;
    failed = 0;
}

/* The statement mix: OPS[k] runs when a roll of 0..99 is below its bound and not below the
 * previous one's. */
static const struct {
    int below;
    void (*op)(void);
} OPS[] = {{25, op_insert},    {37, op_update_n}, {43, op_update_u}, {49, op_update_id},
           {53, op_update_div}, {63, op_delete},  {80, op_select},   {86, op_prepared},
           {88, op_ddl},        {99, op_txn}};
enum { NOPS = sizeof OPS / sizeof OPS[0] };

static void run_seed(uint64_t s, int nops, int k, int nu, int pad)
{
    K = k, NU = nu, PAD = pad;
    seed = s;
    rng = s * 0x9E3779B97F4A7C15ull + 1;
    memset(&cur, 0, sizeof cur);
    in_block = failed = 0;
    opno = 0;
    fx_tmpdir(dir, sizeof dir, NULL, "sqlmodel");
    acidb_options o = acidb_default_options();
    o.durability = ACIDB_DURABILITY_OFF;
    o.cache_bytes = 1u << 20;
    snprintf(dbpath, sizeof dbpath, "%s/m.db", dir);
    db = fx_open(dbpath, &o);
    c = fx_connect(db);
    static result res;
    run(&res, "CREATE TABLE m (id BIGINT PRIMARY KEY, u TEXT UNIQUE, n BIGINT)");
    expect_ok(&res, "CREATE TABLE", "");
    run(&res, "CREATE INDEX m_n ON m (n)");
    expect_ok(&res, "CREATE INDEX", "");
    cur.n_index = 1;
    prepare_kept();
    connect_other();

    for (opno = 1; opno <= nops; opno++) {
        int dice = rn(100);
        size_t pick = 0;
        while (pick < NOPS && dice >= OPS[pick].below)
            pick++;
        if (pick < NOPS)
            OPS[pick].op();
        else if (!in_block)
            reopen(); /* the remaining 1% */
        check_table();
        if (opno % (K > 100 ? 150 : 25) == 0)
            check_indexes();
        if (opno % 10 == 0)
            check_other_session();
    }
    if (in_block) {
        run(&res, "ROLLBACK");
        cur = saved;
        in_block = 0;
    }
    check_table();
    check_indexes();
    check_other_session();
    acidb_disconnect(c2);
    acidb_disconnect(c);
    cr_expect_eq(acidb_close(db), ACIDB_OK);
    fx_rmtree(dir);
}

static int env_ops(int dflt)
{
    const char *ops = getenv("SQL_MODEL_OPS");
    int n = ops ? atoi(ops) : dflt;
    return FX_SANITIZED && !ops ? n / 3 : n;
}

/* Runs seeds 1..3, or only SQL_SEED. */
static void run_seeds(int nops, int k, int nu, int pad)
{
    if (fx_seed_given("SQL_SEED")) {
        uint64_t s = fx_seed("SQL_SEED", 1);
        fprintf(stderr, "model: seed %" PRIu64 ", %d statements\n", s, nops);
        run_seed(s, nops, k, nu, pad);
        return;
    }
    for (uint64_t s = 1; s <= 3; s++)
        run_seed(s, nops, k, nu, pad);
}

/* 40 ids, 30 short u values: every key collides often, the table fits a page. */
Test(model, small_table_many_collisions)
{
    run_seeds(env_ops(3000), 40, 30, 0);
}

/* 600 ids, u values up to 300 bytes: the table and its indexes span many pages that split
 * and merge as rows come and go. */
Test(model, wide_rows_over_many_pages)
{
    run_seeds(env_ops(1500), 600, 500, 300);
}
