/*
 * bank.c — the banking workload (see bank.h).
 */
#include "tests/common/bank.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pager/status.h"

static const bt_kind KINDS[3] = {BT_TABLE, BT_TABLE, BT_INDEX};

static void ref_of(uint64_t id, char *buf, size_t n)
{
    snprintf(buf, n, "ref-%010llu", (unsigned long long)id);
}

static int open_trees(bank *b)
{
    pgr *p = txm_pager(b->tm);
    int rc = ST_OK;
    bt_tree **t[3] = {&b->acc, &b->xfer, &b->refs};
    for (int i = 0; i < 3 && rc == ST_OK; i++)
        rc = bt_open(p, b->root[i], KINDS[i], t[i]);
    return rc;
}

void bank_close_trees(bank *b)
{
    bt_close(b->acc);
    bt_close(b->xfer);
    bt_close(b->refs);
    b->acc = b->xfer = b->refs = NULL;
}

/* A new bank: catalog tree (key i -> root of tree i), the three trees, funded accounts; one
 * transaction, committed. */
static int create_schema(bank *b, int naccounts)
{
    txn *t;
    int rc = txn_begin(b->tm, &t);
    if (rc != ST_OK)
        return rc;
    uint64_t cat = 0;
    rc = btx_create(b->tm, t, BT_TABLE, &cat);
    for (int i = 0; i < 3 && rc == ST_OK; i++)
        rc = btx_create(b->tm, t, KINDS[i], &b->root[i]);
    bt_tree *ct = NULL;
    if (rc == ST_OK)
        rc = bt_open(txm_pager(b->tm), cat, BT_TABLE, &ct);
    for (int i = 0; i < 3 && rc == ST_OK; i++) {
        bt_key k = bt_int_key(i);
        uint8_t v[8];
        put_u64(v, b->root[i]);
        rc = btx_insert(t, ct, &k, v, 8, BT_NOREPLACE);
    }
    bt_close(ct);
    if (rc == ST_OK) { /* the header's catalog root, logged like any page change */
        mtr *m;
        rc = mtr_begin(b->tm, t, &m);
        if (rc == ST_OK) {
            rc = pgr_set_catalog_root(txm_pager(b->tm), cat);
            if (rc == ST_OK)
                rc = mtr_commit(m, 0, NULL, 0);
            else
                mtr_abandon(m);
        }
    }
    if (rc == ST_OK)
        rc = open_trees(b);
    for (int64_t a = 1; a <= naccounts && rc == ST_OK; a++) {
        uint8_t v[8];
        put_u64(v, BANK_START_BALANCE);
        bt_key k = bt_int_key(a);
        rc = btx_insert(t, b->acc, &k, v, 8, BT_NOREPLACE);
    }
    if (rc != ST_OK) {
        txn_abort(t);
        return rc;
    }
    return txn_commit(t);
}

static int load_schema(bank *b, uint64_t cat)
{
    bt_tree *ct;
    int rc = bt_open(txm_pager(b->tm), cat, BT_TABLE, &ct);
    for (int i = 0; i < 3 && rc == ST_OK; i++) {
        bt_key k = bt_int_key(i);
        void *v = NULL;
        size_t n = 0;
        rc = bt_get(ct, &k, &v, &n);
        if (rc == ST_OK && n == 8)
            b->root[i] = get_u64(v);
        else if (rc == ST_OK)
            rc = st_set(ST_ECORRUPT, "bank catalog entry %d is %zu bytes", i, n);
        free(v);
    }
    if (rc == ST_OK)
        bt_close(ct);
    if (rc == ST_OK)
        rc = open_trees(b);
    if (rc == ST_OK) {
        uint64_t n = 0;
        rc = bt_count(b->acc, &n);
        b->naccounts = (int)n;
    }
    return rc;
}

int bank_open(bank *b, const char *path, const bank_options *o)
{
    bank_options d = {0};
    if (o == NULL)
        o = &d;
    memset(b, 0, sizeof *b);
    uint32_t ps = o->page_size ? o->page_size : 512;
    txm_options to = {
        .pager = {.vfs = o->vfs, .create = 1, .page_size = ps,
                  .cache_bytes = (o->cache_pages ? o->cache_pages : 40) * ps},
        .log = {.vfs = o->vfs, .no_sync = o->no_sync, .prealloc = 256 * 1024},
        .rm = {.undo = btx_undo},
        .checkpoint_bytes = o->ckpt_bytes ? o->ckpt_bytes : 16 * 1024,
        .test_break = o->test_break,
    };
    lk_config_t cfg = lk_config_default();
    /* Deadlocks are found at once; the timeout is only the fallback, and after a fail-stop
     * the waiters on the stuck transaction's locks should give up soon. */
    cfg.lock_timeout_ms = 100;
    if (lk_mgr_create(&cfg, &b->locks) != LK_OK)
        return st_set(ST_ENOMEM, "cannot create the lock manager");
    to.locks = b->locks;
    int rc = txm_open(path, &to, &b->tm);
    if (rc != ST_OK) {
        lk_mgr_destroy(b->locks);
        b->locks = NULL;
        return rc;
    }
    uint64_t cat = pgr_catalog_root(txm_pager(b->tm));
    if (cat == 0) {
        b->naccounts = o->naccounts ? o->naccounts : 100;
        rc = create_schema(b, b->naccounts);
    } else {
        rc = load_schema(b, cat);
    }
    if (rc != ST_OK) {
        int saved = rc;
        char msg[512];
        snprintf(msg, sizeof msg, "%s", st_msg());
        bank_abandon(b);
        return st_set(saved, "%s", msg);
    }
    return ST_OK;
}

int bank_close(bank *b)
{
    bank_close_trees(b);
    int rc = txm_close(b->tm);
    b->tm = NULL;
    lk_mgr_destroy(b->locks);
    b->locks = NULL;
    return rc;
}

void bank_abandon(bank *b)
{
    if (b->acc || b->xfer || b->refs)
        bank_close_trees(b);
    txm_abandon(b->tm); /* frees its transactions and their lock handles first */
    b->tm = NULL;
    if (b->locks)
        lk_mgr_destroy(b->locks);
    b->locks = NULL;
}

static int get_balance(bank *b, int64_t a, int64_t *out)
{
    void *v = NULL;
    size_t n = 0;
    bt_key k = bt_int_key(a);
    int rc = bt_get(b->acc, &k, &v, &n);
    if (rc == ST_OK)
        *out = n == 8 ? (int64_t)get_u64(v) : -1;
    free(v);
    return rc;
}

int bank_transfer(bank *b, int64_t from, int64_t to, int64_t amount, uint64_t id,
                  int *deadlock)
{
    *deadlock = 0;
    txn *t;
    if (txm_failed(b->tm) || txn_begin(b->tm, &t) != ST_OK)
        return XFER_FAILED;
    bt_key kf = bt_int_key(from), kt = bt_int_key(to), kx = bt_int_key((int64_t)id);
    /* Both accounts locked X before reading, in the order given: two opposite transfers
     * deadlock, and the lock manager makes one of them the victim. */
    int rc = btx_lock(t, b->acc, &kf, LK_X);
    if (rc == ST_OK)
        rc = btx_lock(t, b->acc, &kt, LK_X);
    int64_t fb = 0, tb = 0;
    if (rc == ST_OK)
        rc = get_balance(b, from, &fb);
    if (rc == ST_OK)
        rc = get_balance(b, to, &tb);
    int lock_failed = rc == ST_EDEADLOCK || rc == ST_ETIMEOUT || rc == ST_ELOCKED;
    if (rc != ST_OK || fb < amount || from == to) {
        *deadlock = rc == ST_EDEADLOCK;
        int arc = txn_abort(t);
        return (rc == ST_OK || lock_failed) && arc == ST_OK ? XFER_ABORTED : XFER_FAILED;
    }
    uint8_t nf[8], nt[8], row[24];
    put_u64(nf, (uint64_t)(fb - amount));
    put_u64(nt, (uint64_t)(tb + amount));
    put_u64(row, (uint64_t)from);
    put_u64(row + 8, (uint64_t)to);
    put_u64(row + 16, (uint64_t)amount);
    char ref[32];
    ref_of(id, ref, sizeof ref);
    bt_key kr = bt_bytes_key(ref, strlen(ref));
    rc = btx_insert(t, b->acc, &kf, nf, 8, BT_REPLACE);
    if (rc == ST_OK)
        rc = btx_insert(t, b->acc, &kt, nt, 8, BT_REPLACE);
    if (rc == ST_OK)
        rc = btx_insert(t, b->xfer, &kx, row, sizeof row, BT_NOREPLACE);
    if (rc == ST_OK)
        rc = btx_insert(t, b->refs, &kr, "", 0, BT_NOREPLACE); /* locks the UNIQUE key */
    if (rc == ST_OK)
        return txn_commit(t) == ST_OK ? XFER_COMMITTED : XFER_FAILED;
    lock_failed = rc == ST_EDEADLOCK || rc == ST_ETIMEOUT || rc == ST_ELOCKED;
    *deadlock = rc == ST_EDEADLOCK;
    return txn_abort(t) == ST_OK && lock_failed ? XFER_ABORTED : XFER_FAILED;
}

static int fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return -1;
}

typedef struct problems {
    char *why;
    size_t n;
    uint64_t count;
} problems;

static void on_problem(void *ctx, uint64_t pgno, const char *msg)
{
    problems *pr = ctx;
    if (pr->count++ == 0)
        snprintf(pr->why, pr->n, "integrity: page %llu: %s", (unsigned long long)pgno, msg);
}

int bank_check(bank *b, const uint8_t *committed, const uint8_t *aborted, uint64_t nids,
               char *why, size_t whylen)
{
    problems pr = {why, whylen, 0};
    uint64_t np = 0;
    uint64_t roots[4] = {pgr_catalog_root(txm_pager(b->tm)), b->root[0], b->root[1], b->root[2]};
    bt_kind kinds[4] = {BT_TABLE, BT_TABLE, BT_TABLE, BT_INDEX};
    if (bt_check(txm_pager(b->tm), roots, kinds, 4, on_problem, &pr, &np) != ST_OK)
        return fail(why, whylen, "integrity check failed to run: %s", st_msg());
    if (np > 0)
        return -1; /* `why` holds the first problem */
    int na = b->naccounts;
    int64_t *expect = calloc((size_t)na + 1, sizeof *expect);
    if (expect == NULL)
        return fail(why, whylen, "out of memory");
    for (int a = 1; a <= na; a++)
        expect[a] = BANK_START_BALANCE;
    int res = 0;
    uint64_t present = 0;
    bt_cursor *c = NULL;
    if (bt_cursor_open(b->xfer, &c) != ST_OK)
        res = fail(why, whylen, "cursor: %s", st_msg());
    for (int rc = res ? 1 : bt_first(c); res == 0 && rc == ST_OK && bt_cursor_valid(c);
         rc = bt_next(c)) {
        bt_key k;
        const void *v;
        size_t n;
        if (bt_cursor_key(c, &k) != ST_OK || bt_cursor_value(c, &v, &n) != ST_OK || n != 24) {
            res = fail(why, whylen, "unreadable transfer row");
            break;
        }
        uint64_t id = (uint64_t)k.rowid;
        const uint8_t *row = v;
        uint64_t from = get_u64(row), to = get_u64(row + 8);
        if (id >= nids || (aborted && aborted[id])) {
            res = fail(why, whylen, "transfer %llu is present but was %s",
                       (unsigned long long)id, id >= nids ? "never attempted" : "rolled back");
            break;
        }
        if (from < 1 || from > (uint64_t)na || to < 1 || to > (uint64_t)na) {
            res = fail(why, whylen, "transfer %llu names accounts %llu -> %llu",
                       (unsigned long long)id, (unsigned long long)from, (unsigned long long)to);
            break;
        }
        expect[from] -= (int64_t)get_u64(row + 16);
        expect[to] += (int64_t)get_u64(row + 16);
        char ref[32];
        ref_of(id, ref, sizeof ref);
        bt_key kr = bt_bytes_key(ref, strlen(ref));
        if (bt_get(b->refs, &kr, NULL, NULL) != ST_OK) {
            res = fail(why, whylen, "transfer %llu lacks its reference", (unsigned long long)id);
            break;
        }
        present++;
    }
    bt_cursor_close(c);
    for (uint64_t id = 0; res == 0 && committed && id < nids; id++) {
        bt_key k = bt_int_key((int64_t)id);
        if (committed[id] && bt_get(b->xfer, &k, NULL, NULL) != ST_OK)
            res = fail(why, whylen, "transfer %llu was committed (acknowledged) but is missing",
                       (unsigned long long)id);
    }
    uint64_t nrefs = 0;
    if (res == 0 && (bt_count(b->refs, &nrefs) != ST_OK || nrefs != present))
        res = fail(why, whylen, "%llu references for %llu transfers",
                   (unsigned long long)nrefs, (unsigned long long)present);
    int64_t total = 0;
    for (int64_t a = 1; res == 0 && a <= na; a++) {
        int64_t bal;
        if (get_balance(b, a, &bal) != ST_OK)
            res = fail(why, whylen, "account %lld unreadable: %s", (long long)a, st_msg());
        else if (bal < 0)
            res = fail(why, whylen, "account %lld is negative (%lld)", (long long)a,
                       (long long)bal);
        else if (bal != expect[a])
            res = fail(why, whylen, "account %lld holds %lld but its history says %lld: a "
                       "transfer is half applied", (long long)a, (long long)bal,
                       (long long)expect[a]);
        total += bal;
    }
    if (res == 0 && total != (int64_t)na * BANK_START_BALANCE)
        res = fail(why, whylen, "money created or lost: total %lld, expected %lld",
                   (long long)total, (long long)na * BANK_START_BALANCE);
    free(expect);
    return res;
}
