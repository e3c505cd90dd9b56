/*
 * sqlbank.c — the banking workload in SQL (see sqlbank.h).
 *
 * Every statement of a transfer is prepared once per connection; a transfer binds and steps
 * them. Errors are classified by SQLSTATE, not by return code alone: an overdraft must be
 * 23514 (the CHECK), a deadlock victim 40P01, a lock timeout 55P03, an I/O error 58030 —
 * anything else is the engine answering wrongly, which the harness reports as a failure.
 */
#include "tests/common/sqlbank.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/testhooks.h"
#include "tests/common/fixture.h"

#define RETRIES 20
#define OVERDRAFT_AMOUNT 1000000000 /* more than all the money there is */

static int fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t n, const char *fmt, ...)
{
    if (why != NULL && n > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void sqlbank_ref(uint64_t id, char *buf, size_t n)
{
    snprintf(buf, n, "ref-%010llu", (unsigned long long)id);
}

/* Runs a statement to its end (rows discarded) and resets it: ACIDB_OK or the error. */
static int run(acidb_stmt *s)
{
    int rc;
    while ((rc = acidb_step(s)) == ACIDB_ROW)
        ;
    acidb_reset(s);
    return rc == ACIDB_DONE ? ACIDB_OK : rc;
}

/* ---- opening ------------------------------------------------------------------------------ */

static const char *SCHEMA[] = {
    "CREATE TABLE accounts (id INTEGER PRIMARY KEY, "
    "balance INTEGER NOT NULL CHECK (balance >= 0))",
    "CREATE TABLE transfers (id INTEGER PRIMARY KEY, "
    "src INTEGER NOT NULL REFERENCES accounts(id), "
    "dst INTEGER NOT NULL REFERENCES accounts(id), "
    "amount INTEGER NOT NULL CHECK (amount > 0), "
    "ref TEXT UNIQUE NOT NULL)",
};

static int create_schema(acidb_conn *c, int naccounts, char *why, size_t n)
{
    if (acidb_exec(c, "BEGIN") != ACIDB_OK)
        return fail(why, n, "BEGIN: %s", acidb_errmsg(c));
    for (size_t i = 0; i < sizeof SCHEMA / sizeof *SCHEMA; i++)
        if (acidb_exec(c, SCHEMA[i]) != ACIDB_OK)
            return fail(why, n, "%s: %s (%s)", SCHEMA[i], acidb_errmsg(c), acidb_sqlstate(c));
    acidb_stmt *ins;
    if (acidb_prepare(c, "INSERT INTO accounts (id, balance) VALUES ($1, $2)", &ins) != ACIDB_OK)
        return fail(why, n, "prepare: %s", acidb_errmsg(c));
    int rc = ACIDB_OK;
    for (int a = 1; a <= naccounts && rc == ACIDB_OK; a++) {
        acidb_bind_int64(ins, 1, a);
        acidb_bind_int64(ins, 2, SQLBANK_START_BALANCE);
        rc = run(ins);
    }
    acidb_finalize(ins);
    if (rc != ACIDB_OK)
        return fail(why, n, "funding the accounts: %s (%s)", acidb_errmsg(c), acidb_sqlstate(c));
    if (acidb_exec(c, "COMMIT") != ACIDB_OK)
        return fail(why, n, "COMMIT of the schema: %s (%s)", acidb_errmsg(c), acidb_sqlstate(c));
    return 0;
}

int sqlbank_open(const char *path, const sqlbank_options *o, acidb_db **out, char *why,
                 size_t n)
{
    sqlbank_options d = {0};
    if (o == NULL)
        o = &d;
    *out = NULL;
    uint32_t ps = o->page_size ? o->page_size : 512;
    acidb_options ao = acidb_default_options();
    ao.cache_bytes = (uint64_t)(o->cache_pages ? o->cache_pages : 40) * ps;
    ao.checkpoint_bytes = o->ckpt_bytes ? o->ckpt_bytes : 16 * 1024;
    ao.lock_timeout_ms = o->lock_timeout_ms ? o->lock_timeout_ms : 100;
    acidb_db *db;
    int rc = acidb_open_test(path, &ao, o->vfs, o->test_break, ps, &db);
    if (rc != ACIDB_OK) {
        fail(why, n, "open: %s (%s)", acidb_open_errmsg(), acidb_errstr(rc));
        return rc;
    }
    acidb_conn *c;
    if ((rc = acidb_connect(db, &c)) != ACIDB_OK) {
        fail(why, n, "connect: %s", acidb_errstr(rc));
        acidb_test_abandon(db);
        return rc;
    }
    acidb_stmt *s;
    rc = acidb_prepare(c, "SELECT count(*) FROM accounts", &s);
    if (rc == ACIDB_OK) {
        acidb_finalize(s);
    } else if (strcmp(acidb_sqlstate(c), "42P01") == 0 && o->must_exist) {
        fail(why, n, "the accounts table is gone: %s", acidb_errmsg(c));
    } else if (strcmp(acidb_sqlstate(c), "42P01") == 0) { /* a new database */
        rc = create_schema(c, o->naccounts ? o->naccounts : 100, why, n) == 0 ? ACIDB_OK
                                                                               : ACIDB_ERROR;
    } else {
        fail(why, n, "reading the schema: %s (%s)", acidb_errmsg(c), acidb_sqlstate(c));
    }
    acidb_disconnect(c);
    if (rc != ACIDB_OK) {
        acidb_test_abandon(db);
        return rc;
    }
    *out = db;
    return ACIDB_OK;
}

/* ---- connections -------------------------------------------------------------------------- */

enum { S_BEGIN, S_COMMIT, S_ROLLBACK, S_LOCK, S_DEBIT, S_CREDIT, S_INSERT, S_N };

static const char *STMTS[S_N] = {
    [S_BEGIN] = "BEGIN",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_LOCK] = "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE",
    [S_DEBIT] = "UPDATE accounts SET balance = balance - $2 WHERE id = $1",
    [S_CREDIT] = "UPDATE accounts SET balance = balance + $2 WHERE id = $1",
    [S_INSERT] = "INSERT INTO transfers (id, src, dst, amount, ref) VALUES ($1, $2, $3, $4, $5)",
};

struct sqlbank_conn {
    acidb_db *db;
    acidb_conn *c;
    acidb_stmt *s[S_N];
};

int sqlbank_connect(acidb_db *db, sqlbank_conn **out, char *why, size_t n)
{
    *out = NULL;
    sqlbank_conn *k = calloc(1, sizeof *k);
    if (k == NULL)
        return fail(why, n, "out of memory");
    k->db = db;
    int rc = acidb_connect(db, &k->c);
    if (rc != ACIDB_OK) {
        free(k);
        return fail(why, n, "connect: %s", acidb_errstr(rc));
    }
    for (int i = 0; i < S_N; i++)
        if (acidb_prepare(k->c, STMTS[i], &k->s[i]) != ACIDB_OK) {
            int r = fail(why, n, "prepare %s: %s (%s)", STMTS[i], acidb_errmsg(k->c),
                         acidb_sqlstate(k->c));
            sqlbank_disconnect(k);
            return r;
        }
    *out = k;
    return 0;
}

void sqlbank_disconnect(sqlbank_conn *k)
{
    if (k == NULL)
        return;
    acidb_disconnect(k->c); /* finalizes the statements */
    free(k);
}

/* ---- a transfer --------------------------------------------------------------------------- */

/* What the statement's failure means. */
enum { E_RETRY, E_CHECK, E_IO, E_WRONG };

static int classify(acidb_conn *c, int rc)
{
    const char *state = acidb_sqlstate(c);
    if (rc == ACIDB_DEADLOCK || rc == ACIDB_LOCK_TIMEOUT)
        return E_RETRY;
    if (rc == ACIDB_CONSTRAINT && strcmp(state, "23514") == 0)
        return E_CHECK;
    if (rc == ACIDB_IOERR)
        return E_IO;
    return E_WRONG;
}

/* Records why (printf-style) and returns `out`: the end of an attempt that went wrong. */
static int outcome(int out, char *why, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int outcome(int out, char *why, size_t n, const char *fmt, ...)
{
    if (why != NULL && n > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
    }
    return out;
}

/* An error the transfer cannot continue from: I/O (58030) or something the engine must never
 * answer (XX001 included: a rollback meeting a failed group-commit flush answers 58030,
 * tests/faults/flushfail_test.c). */
static int failed(sqlbank_conn *k, int rc, uint64_t id, const char *what, char *why, size_t n)
{
    acidb_conn *c = k->c;
    int out = classify(c, rc) == E_IO ? XFER_FAILED : XFER_WRONG;
    return outcome(out, why, n, "transfer %llu: %s: %s (%s)", (unsigned long long)id, what,
                   acidb_errmsg(c), acidb_sqlstate(c));
}

/* SELECT balance FROM accounts WHERE id = src FOR UPDATE: ACIDB_OK and *balance, or an error
 * (a missing account is *balance = -1). */
static int lock_balance(sqlbank_conn *k, int64_t src, int64_t *balance)
{
    acidb_stmt *s = k->s[S_LOCK];
    *balance = -1;
    acidb_bind_int64(s, 1, src);
    int rc = acidb_step(s);
    if (rc == ACIDB_ROW) {
        *balance = acidb_column_int64(s, 0);
        rc = acidb_step(s);
    }
    acidb_reset(s);
    return rc == ACIDB_DONE ? ACIDB_OK : rc;
}

/* Runs an UPDATE of one account; ACIDB_OK, an error, or ACIDB_MISUSE if it did not change
 * exactly one row. */
static int update_one(sqlbank_conn *k, int which, int64_t account, int64_t amount)
{
    acidb_stmt *s = k->s[which];
    acidb_bind_int64(s, 1, account);
    acidb_bind_int64(s, 2, amount);
    int rc = run(s);
    return rc == ACIDB_OK && acidb_changes(k->c) != 1 ? ACIDB_MISUSE : rc;
}

/* One attempt. Returns XFER_*, or -1 for "retry" (deadlock victim, lock timeout, rolled back).
 */
static int attempt(sqlbank_conn *k, const sqlbank_xfer *x, sqlbank_stats *st, char *why,
                   size_t n)
{
    acidb_conn *c = k->c;
    acidb_stmt **s = k->s;
    int64_t amount = x->kind == XFER_OVERDRAW ? OVERDRAFT_AMOUNT
                     : x->kind == XFER_ZERO   ? 0
                                              : x->amount;
    const char *what = "BEGIN";
    int rc = run(s[S_BEGIN]);
    if (rc == ACIDB_OK && x->kind == XFER_CHECKED) {
        what = "SELECT ... FOR UPDATE";
        int64_t balance;
        rc = lock_balance(k, x->src, &balance);
        if (rc == ACIDB_OK && balance < 0) {
            run(s[S_ROLLBACK]);
            return outcome(XFER_WRONG, why, n, "transfer %llu: account %lld not found",
                           (unsigned long long)x->id, (long long)x->src);
        }
        if (rc == ACIDB_OK && balance < amount) { /* refused by the application */
            if ((rc = run(s[S_ROLLBACK])) != ACIDB_OK)
                return failed(k, rc, x->id, "ROLLBACK", why, n);
            if (st)
                st->refused++;
            return XFER_ABORTED;
        }
    }
    if (rc == ACIDB_OK) {
        what = "UPDATE (debit)";
        rc = update_one(k, S_DEBIT, x->src, amount);
    }
    if (rc == ACIDB_OK) {
        what = "UPDATE (credit)";
        rc = update_one(k, S_CREDIT, x->dst, amount);
    }
    if (rc == ACIDB_MISUSE) {
        run(s[S_ROLLBACK]);
        return outcome(XFER_WRONG, why, n, "transfer %llu: %s changed %lld rows, not 1",
                       (unsigned long long)x->id, what, (long long)acidb_changes(c));
    }
    if (rc == ACIDB_OK) {
        what = "INSERT INTO transfers";
        char ref[32];
        sqlbank_ref(x->id, ref, sizeof ref);
        acidb_bind_int64(s[S_INSERT], 1, (int64_t)x->id);
        acidb_bind_int64(s[S_INSERT], 2, x->src);
        acidb_bind_int64(s[S_INSERT], 3, x->dst);
        acidb_bind_int64(s[S_INSERT], 4, amount);
        acidb_bind_text(s[S_INSERT], 5, ref, -1);
        rc = run(s[S_INSERT]);
    }
    if (rc != ACIDB_OK) {
        int e = classify(c, rc);
        int out = failed(k, rc, x->id, what, why, n); /* keeps the statement's error */
        int rrc = run(s[S_ROLLBACK]);                  /* the block is failed (or gone): end it */
        if (e == E_RETRY) {
            if (st && rc == ACIDB_DEADLOCK)
                st->deadlocks++;
            else if (st)
                st->timeouts++;
            return rrc == ACIDB_OK ? -1 : failed(k, rrc, x->id, "ROLLBACK", why, n);
        }
        if (e != E_CHECK)
            return out;
        /* Only an overdraft (the debit) or amount 0 (the INSERT) may break a CHECK. */
        const char *may = x->kind == XFER_ZERO ? "INSERT INTO transfers" : "UPDATE (debit)";
        int expected = strcmp(what, may) == 0;
        if (!expected)
            return outcome(XFER_WRONG, why, n, "transfer %llu (kind %d, amount %lld): %s "
                           "broke a CHECK it cannot break", (unsigned long long)x->id, x->kind,
                           (long long)amount, what);
        if (st && x->kind == XFER_ZERO)
            st->zero++;
        else if (st && x->kind == XFER_OVERDRAW)
            st->overdrafts++;
        else if (st)
            st->refused++;
        return XFER_ABORTED;
    }
    if (x->kind == XFER_OVERDRAW || x->kind == XFER_ZERO) {
        run(s[S_ROLLBACK]);
        return outcome(XFER_WRONG, why, n, "transfer %llu: %s of %lld was accepted (CHECK not "
                       "enforced)", (unsigned long long)x->id,
                       x->kind == XFER_ZERO ? "a transfer" : "an overdraft", (long long)amount);
    }
    if (x->rollback) {
        if ((rc = run(s[S_ROLLBACK])) != ACIDB_OK)
            return failed(k, rc, x->id, "ROLLBACK", why, n);
        if (st)
            st->rolled_back++;
        return XFER_ABORTED;
    }
    if ((rc = run(s[S_COMMIT])) != ACIDB_OK)
        return failed(k, rc, x->id, "COMMIT", why, n);
    if (st)
        st->committed++;
    return XFER_COMMITTED;
}

int sqlbank_transfer(sqlbank_conn *k, const sqlbank_xfer *x, sqlbank_stats *st, char *why,
                     size_t n)
{
    for (int i = 0; i < RETRIES; i++) {
        int out = attempt(k, x, st, why, n);
        if (out >= 0)
            return out;
    }
    if (st)
        st->gave_up++;
    return XFER_ABORTED; /* COMMIT never sent: nothing of it may remain */
}

/* ---- the check ---------------------------------------------------------------------------- */

typedef struct acct {
    int64_t balance, expect;
    int seen;
} acct;

/* Prepares sql on c, or fills why. */
static int prep(acidb_conn *c, const char *sql, acidb_stmt **s, char *why, size_t n)
{
    if (acidb_prepare(c, sql, s) == ACIDB_OK)
        return 0;
    return fail(why, n, "%s: %s (%s)", sql, acidb_errmsg(c), acidb_sqlstate(c));
}

static int step_error(acidb_conn *c, const char *sql, char *why, size_t n)
{
    return fail(why, n, "%s: %s (%s)", sql, acidb_errmsg(c), acidb_sqlstate(c));
}

/* count, sum, min of the balances; then each balance against the history. */
static int check_accounts(acidb_conn *c, int64_t *nacc, acct **out, char *why, size_t n)
{
    const char *q = "SELECT count(*), sum(balance), min(balance) FROM accounts";
    acidb_stmt *s;
    if (prep(c, q, &s, why, n))
        return -1;
    if (acidb_step(s) != ACIDB_ROW) {
        step_error(c, q, why, n);
        acidb_finalize(s);
        return -1;
    }
    int64_t count = acidb_column_int64(s, 0), sum = acidb_column_int64(s, 1),
            min = acidb_column_int64(s, 2);
    acidb_finalize(s);
    if (count <= 0 || count > 1000000)
        return fail(why, n, "%lld accounts", (long long)count);
    if (sum != count * SQLBANK_START_BALANCE)
        return fail(why, n, "money created or lost: sum(balance) = %lld, expected %lld",
                    (long long)sum, (long long)count * SQLBANK_START_BALANCE);
    if (min < 0)
        return fail(why, n, "min(balance) = %lld: CHECK (balance >= 0) broken", (long long)min);
    acct *a = calloc((size_t)count + 1, sizeof *a);
    if (a == NULL)
        return fail(why, n, "out of memory");
    *out = a;
    *nacc = count;
    for (int64_t i = 1; i <= count; i++)
        a[i].expect = SQLBANK_START_BALANCE;
    q = "SELECT id, balance FROM accounts ORDER BY id";
    if (prep(c, q, &s, why, n))
        return -1;
    int rc;
    while ((rc = acidb_step(s)) == ACIDB_ROW) {
        int64_t id = acidb_column_int64(s, 0);
        if (id < 1 || id > count || a[id].seen) {
            acidb_finalize(s);
            return fail(why, n, "account id %lld unexpected (%lld accounts)", (long long)id,
                        (long long)count);
        }
        a[id].seen = 1;
        a[id].balance = acidb_column_int64(s, 1);
    }
    if (rc != ACIDB_DONE) {
        step_error(c, q, why, n);
        acidb_finalize(s);
        return -1;
    }
    acidb_finalize(s);
    /* The history, summed per account on each side. */
    static const char *sides[2] = {
        "SELECT src, sum(amount) FROM transfers GROUP BY src",
        "SELECT dst, sum(amount) FROM transfers GROUP BY dst",
    };
    for (int side = 0; side < 2; side++) {
        if (prep(c, sides[side], &s, why, n))
            return -1;
        while ((rc = acidb_step(s)) == ACIDB_ROW) {
            int64_t id = acidb_column_int64(s, 0), amt = acidb_column_int64(s, 1);
            if (id < 1 || id > count) {
                acidb_finalize(s);
                return fail(why, n, "transfers name account %lld (%lld accounts): the foreign "
                            "key is broken", (long long)id, (long long)count);
            }
            a[id].expect += side == 0 ? -amt : amt;
        }
        if (rc != ACIDB_DONE) {
            step_error(c, sides[side], why, n);
            acidb_finalize(s);
            return -1;
        }
        acidb_finalize(s);
    }
    for (int64_t i = 1; i <= count; i++)
        if (a[i].balance != a[i].expect)
            return fail(why, n, "account %lld holds %lld but its history says %lld: a transfer "
                        "is half applied", (long long)i, (long long)a[i].balance,
                        (long long)a[i].expect);
    return 0;
}

/* Every transfer present: attempted, not rolled back, its ref right and found through the
 * UNIQUE index. */
static int check_transfers(acidb_conn *c, const uint8_t *aborted, uint64_t nids,
                           uint64_t *present, char *why, size_t n)
{
    const char *q = "SELECT id, ref, amount FROM transfers";
    const char *qr = "SELECT id FROM transfers WHERE ref = $1";
    acidb_stmt *s, *byref;
    if (prep(c, q, &s, why, n))
        return -1;
    if (prep(c, qr, &byref, why, n)) {
        acidb_finalize(s);
        return -1;
    }
    int rc, res = 0;
    *present = 0;
    while (res == 0 && (rc = acidb_step(s)) == ACIDB_ROW) {
        uint64_t id = (uint64_t)acidb_column_int64(s, 0);
        char ref[32];
        sqlbank_ref(id, ref, sizeof ref);
        const char *got = acidb_column_text(s, 1);
        if (id >= nids || (aborted && aborted[id])) {
            res = fail(why, n, "transfer %llu is present but was %s", (unsigned long long)id,
                       id >= nids ? "never attempted" : "rolled back (COMMIT never sent)");
        } else if (got == NULL || strcmp(got, ref) != 0) {
            res = fail(why, n, "transfer %llu has ref '%s', expected '%s'",
                       (unsigned long long)id, got ? got : "NULL", ref);
        } else if (acidb_column_int64(s, 2) <= 0) {
            res = fail(why, n, "transfer %llu has amount %lld: CHECK (amount > 0) broken",
                       (unsigned long long)id, (long long)acidb_column_int64(s, 2));
        } else {
            acidb_bind_text(byref, 1, ref, -1);
            int r1 = acidb_step(byref);
            int64_t found = r1 == ACIDB_ROW ? acidb_column_int64(byref, 0) : -1;
            int r2 = r1 == ACIDB_ROW ? acidb_step(byref) : r1;
            acidb_reset(byref);
            if (r1 != ACIDB_ROW || r2 != ACIDB_DONE || found != (int64_t)id)
                res = r1 != ACIDB_ROW && r1 != ACIDB_DONE
                          ? step_error(c, qr, why, n)
                          : fail(why, n, "transfer %llu: the lookup by its ref '%s' %s",
                                 (unsigned long long)id, ref,
                                 r1 == ACIDB_DONE ? "finds nothing (the UNIQUE index lacks it)"
                                                  : "finds another row or two");
            (*present)++;
        }
    }
    if (res == 0 && rc != ACIDB_DONE)
        res = step_error(c, q, why, n);
    acidb_finalize(byref);
    acidb_finalize(s);
    if (res == 0) { /* counted through the index: no entry without its row */
        const char *qc = "SELECT count(*) FROM transfers WHERE ref >= 'ref-'";
        if (prep(c, qc, &s, why, n))
            return -1;
        rc = acidb_step(s);
        int64_t cnt = rc == ACIDB_ROW ? acidb_column_int64(s, 0) : -1;
        if (rc != ACIDB_ROW)
            res = step_error(c, qc, why, n);
        else if (cnt != (int64_t)*present)
            res = fail(why, n, "%lld refs for %llu transfers", (long long)cnt,
                       (unsigned long long)*present);
        acidb_finalize(s);
    }
    return res;
}

/* Every acknowledged transfer present, looked up by its ref. */
static int check_committed(acidb_conn *c, const uint8_t *committed, uint64_t nids, char *why,
                           size_t n)
{
    const char *q = "SELECT id, src, dst, amount FROM transfers WHERE ref = $1";
    acidb_stmt *s;
    if (prep(c, q, &s, why, n))
        return -1;
    int res = 0;
    for (uint64_t id = 0; res == 0 && committed && id < nids; id++) {
        if (!committed[id])
            continue;
        char ref[32];
        sqlbank_ref(id, ref, sizeof ref);
        acidb_bind_text(s, 1, ref, -1);
        int rc = acidb_step(s);
        if (rc == ACIDB_DONE)
            res = fail(why, n, "transfer %llu was committed (acknowledged) but is missing",
                       (unsigned long long)id);
        else if (rc != ACIDB_ROW)
            res = step_error(c, q, why, n);
        else if (acidb_column_int64(s, 0) != (int64_t)id)
            res = fail(why, n, "ref %s names transfer %lld", ref,
                       (long long)acidb_column_int64(s, 0));
        acidb_reset(s);
    }
    acidb_finalize(s);
    return res;
}

int sqlbank_check(acidb_db *db, const uint8_t *committed, const uint8_t *aborted,
                  uint64_t nids, char *why, size_t n)
{
    char report[512];
    uint64_t problems = 0;
    int rc = fx_check(db, report, sizeof report, &problems);
    if (rc != ACIDB_OK)
        return fail(why, n, "integrity check could not run (%s): %s", acidb_errstr(rc), report);
    if (problems > 0) {
        char *nl = strchr(report, '\n');
        if (nl)
            *nl = 0;
        return fail(why, n, "integrity: %llu problem(s), first: %s",
                    (unsigned long long)problems, report);
    }
    acidb_conn *c;
    if (acidb_connect(db, &c) != ACIDB_OK)
        return fail(why, n, "connect failed");
    int64_t nacc = 0;
    acct *a = NULL;
    uint64_t present = 0;
    int res = check_accounts(c, &nacc, &a, why, n);
    if (res == 0)
        res = check_transfers(c, aborted, nids, &present, why, n);
    if (res == 0)
        res = check_committed(c, committed, nids, why, n);
    free(a);
    acidb_disconnect(c);
    return res;
}
