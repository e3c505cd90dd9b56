/*
 * bank_test.c — the article's story on real B+trees: Alice pays Bob, the power fails at a
 * random moment, and after recovery money is conserved, no balance is negative, every
 * acknowledged transfer is there with its unique reference, nothing unacknowledged is half
 * there, and the integrity check is clean. Trees: accounts (row id -> balance), transfers
 * (row id -> from, to, amount) and a unique index on the transfer reference.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pager/btree.h"
#include "pager/os_fault.h"
#include "pager/status.h"
#include "lockmgr/lock.h"
#include "wal/btx.h"

#include <pthread.h>

#define NACC 150
#define START_BALANCE 1000
#define PS 512

static char dir[64], db[128];

static void setup(void)
{
    strcpy(dir, "/tmp/acidb-bank-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/db", dir);
}

static void teardown(void)
{
    char p[160];
    unlink(db);
    snprintf(p, sizeof p, "%s-wal", db);
    unlink(p);
    rmdir(dir);
}

TestSuite(bank, .init = setup, .fini = teardown);

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t env_seed(uint64_t d)
{
    const char *e = getenv("ACIDB_SEED");
    return e ? strtoull(e, NULL, 0) : d;
}

typedef struct bank {
    txm *tm;
    uint64_t root[3]; /* accounts, transfers, refs */
    bt_tree *acc, *xfer, *refs;
} bank;

static const bt_kind KINDS[3] = {BT_TABLE, BT_TABLE, BT_INDEX};

static void ref_of(uint64_t id, char *buf) { snprintf(buf, 24, "ref-%010llu", (unsigned long long)id); }

static void bank_open_trees(bank *b)
{
    pgr *p = txm_pager(b->tm);
    cr_assert_eq(bt_open(p, b->root[0], BT_TABLE, &b->acc), ST_OK, "%s", st_msg());
    cr_assert_eq(bt_open(p, b->root[1], BT_TABLE, &b->xfer), ST_OK, "%s", st_msg());
    cr_assert_eq(bt_open(p, b->root[2], BT_INDEX, &b->refs), ST_OK, "%s", st_msg());
}

static void bank_close_trees(bank *b)
{
    bt_close(b->acc);
    bt_close(b->xfer);
    bt_close(b->refs);
}

static txm *open_tm(os_vfs *vfs)
{
    txm_options o = {.pager = {.vfs = vfs, .create = 1, .page_size = PS, .cache_bytes = 40 * PS},
                     .log = {.vfs = vfs},
                     .rm = {.undo = btx_undo},
                     .checkpoint_bytes = 16 * 1024};
    txm *tm = NULL;
    cr_assert_eq(txm_open(db, &o, &tm), ST_OK, "open: %s", st_msg());
    return tm;
}

static void bank_create(bank *b, os_vfs *vfs)
{
    b->tm = open_tm(vfs);
    txn *t;
    cr_assert_eq(txn_begin(b->tm, &t), ST_OK);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(btx_create(b->tm, t, KINDS[i], &b->root[i]), ST_OK, "%s", st_msg());
    bank_open_trees(b);
    for (int64_t a = 1; a <= NACC; a++) {
        uint64_t bal = START_BALANCE;
        bt_key k = bt_int_key(a);
        cr_assert_eq(btx_insert(t, b->acc, &k, &bal, 8, BT_NOREPLACE), ST_OK, "%s", st_msg());
    }
    cr_assert_eq(txn_commit(t), ST_OK, "%s", st_msg());
}

static int64_t balance(bank *b, int64_t a)
{
    void *v;
    size_t n;
    bt_key k = bt_int_key(a);
    cr_assert_eq(bt_get(b->acc, &k, &v, &n), ST_OK, "account %lld: %s", (long long)a, st_msg());
    cr_assert_eq(n, 8);
    int64_t bal = (int64_t)get_u64(v);
    free(v);
    return bal;
}

/* One transfer as the engine will run it: read, refuse an overdraft, debit, credit, history
 * row, unique reference. Returns ST_OK, or ST_EINVAL for a refused overdraft (rolled back). */
static int transfer(bank *b, txn *t, int64_t from, int64_t to, int64_t amount, uint64_t id)
{
    if (from == to)
        to = from % NACC + 1; /* a transfer to oneself is not a transfer */
    int64_t fb = balance(b, from);
    if (fb < amount)
        return ST_EINVAL;
    int64_t tb = balance(b, to);
    uint64_t nf = (uint64_t)(fb - amount), nt = (uint64_t)(tb + amount);
    bt_key kf = bt_int_key(from), kt = bt_int_key(to), kx = bt_int_key((int64_t)id);
    uint8_t row[24];
    put_u64(row, (uint64_t)from);
    put_u64(row + 8, (uint64_t)to);
    put_u64(row + 16, (uint64_t)amount);
    char ref[24];
    ref_of(id, ref);
    bt_key kr = bt_bytes_key(ref, strlen(ref));
    int rc = btx_insert(t, b->acc, &kf, &nf, 8, BT_REPLACE);
    if (rc == ST_OK)
        rc = btx_insert(t, b->acc, &kt, &nt, 8, BT_REPLACE);
    if (rc == ST_OK)
        rc = btx_insert(t, b->xfer, &kx, row, sizeof row, BT_NOREPLACE);
    if (rc == ST_OK)
        rc = btx_insert(t, b->refs, &kr, "", 0, BT_NOREPLACE);
    return rc;
}

static int get_balance(bank *b, int64_t a, int64_t *out);

/* transfer() without assertions, for worker threads; the caller holds both row locks and has
 * checked the overdraft. */
static int transfer_checked(bank *b, txn *t, int64_t from, int64_t to, int64_t amount,
                            uint64_t id)
{
    int64_t fb, tb;
    int rc = get_balance(b, from, &fb);
    if (rc == ST_OK)
        rc = get_balance(b, to, &tb);
    if (rc != ST_OK)
        return rc;
    uint64_t nf = (uint64_t)(fb - amount), nt = (uint64_t)(tb + amount);
    bt_key kf = bt_int_key(from), kt = bt_int_key(to), kx = bt_int_key((int64_t)id);
    uint8_t row[24];
    put_u64(row, (uint64_t)from);
    put_u64(row + 8, (uint64_t)to);
    put_u64(row + 16, (uint64_t)amount);
    char ref[24];
    ref_of(id, ref);
    bt_key kr = bt_bytes_key(ref, strlen(ref));
    rc = btx_insert(t, b->acc, &kf, &nf, 8, BT_REPLACE);
    if (rc == ST_OK)
        rc = btx_insert(t, b->acc, &kt, &nt, 8, BT_REPLACE);
    if (rc == ST_OK)
        rc = btx_insert(t, b->xfer, &kx, row, sizeof row, BT_NOREPLACE);
    if (rc == ST_OK)
        rc = btx_insert(t, b->refs, &kr, "", 0, BT_NOREPLACE);
    return rc;
}

static void report(void *ctx, uint64_t pgno, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "integrity: page %llu: %s\n", (unsigned long long)pgno, msg);
}

/* The invariants of the crash harness (WAL issue), checked on a recovered database. `acked`
 * transfers must be present; `maybe` (0: none) may be; nothing else may. */
static void check_bank_m(bank *b, const uint8_t *acked, uint64_t nids, const uint8_t *maybe,
                         uint64_t seed)
{
    uint64_t problems = 0;
    cr_assert_eq(bt_check(txm_pager(b->tm), b->root, KINDS, 3, report, NULL, &problems), ST_OK,
                 "%s", st_msg());
    cr_assert_eq(problems, 0, "seed %llu: the integrity check found %llu problems",
                 (unsigned long long)seed, (unsigned long long)problems);
    int64_t expect[NACC + 1];
    for (int a = 1; a <= NACC; a++)
        expect[a] = START_BALANCE;
    bt_cursor *c;
    cr_assert_eq(bt_cursor_open(b->xfer, &c), ST_OK);
    uint64_t present = 0;
    for (int rc = bt_first(c); rc == ST_OK && bt_cursor_valid(c); rc = bt_next(c)) {
        bt_key k;
        const void *v;
        size_t n;
        cr_assert_eq(bt_cursor_key(c, &k), ST_OK);
        cr_assert_eq(bt_cursor_value(c, &v, &n), ST_OK);
        uint64_t id = (uint64_t)k.rowid;
        cr_assert(id < nids && (acked[id] || (maybe && maybe[id])), "seed %llu: transfer %llu was never "
                  "acknowledged yet survived", (unsigned long long)seed, (unsigned long long)id);
        const uint8_t *row = v;
        expect[get_u64(row)] -= (int64_t)get_u64(row + 16);
        expect[get_u64(row + 8)] += (int64_t)get_u64(row + 16);
        char ref[24];
        ref_of(id, ref);
        bt_key kr = bt_bytes_key(ref, strlen(ref));
        cr_assert_eq(bt_get(b->refs, &kr, NULL, NULL), ST_OK, "seed %llu: transfer %llu lacks "
                     "its reference", (unsigned long long)seed, (unsigned long long)id);
        present++;
    }
    bt_cursor_close(c);
    for (uint64_t id = 0; id < nids; id++)
        if (acked[id]) {
            bt_key k = bt_int_key((int64_t)id);
            cr_assert_eq(bt_get(b->xfer, &k, NULL, NULL), ST_OK, "seed %llu: acknowledged "
                         "transfer %llu is missing", (unsigned long long)seed,
                         (unsigned long long)id);
        }
    uint64_t nrefs = 0;
    cr_assert_eq(bt_count(b->refs, &nrefs), ST_OK);
    cr_assert_eq(nrefs, present, "seed %llu: %llu references for %llu transfers",
                 (unsigned long long)seed, (unsigned long long)nrefs,
                 (unsigned long long)present);
    int64_t total = 0;
    for (int64_t a = 1; a <= NACC; a++) {
        int64_t bal = balance(b, a);
        cr_assert_geq(bal, 0, "seed %llu: account %lld is negative", (unsigned long long)seed,
                      (long long)a);
        cr_assert_eq(bal, expect[a], "seed %llu: account %lld holds %lld, its history says "
                     "%lld: a transfer is half applied", (unsigned long long)seed, (long long)a,
                     (long long)bal, (long long)expect[a]);
        total += bal;
    }
    cr_assert_eq(total, (int64_t)NACC * START_BALANCE, "seed %llu: money was created or lost",
                 (unsigned long long)seed);
}

static void check_bank(bank *b, const uint8_t *acked, uint64_t nids, uint64_t maybe,
                       uint64_t seed)
{
    uint8_t *m = calloc(nids, 1);
    if (maybe > 0 && maybe < nids)
        m[maybe] = 1;
    check_bank_m(b, acked, nids, m, seed);
    free(m);
}

Test(bank, transfers_abort_and_clean_reopen)
{
    bank b;
    bank_create(&b, NULL);
    uint8_t acked[400] = {0};
    uint64_t s = 11;
    for (uint64_t id = 1; id < 400; id++) {
        txn *t;
        cr_assert_eq(txn_begin(b.tm, &t), ST_OK);
        int64_t from = 1 + (int64_t)(rnd(&s) % NACC), to = 1 + (int64_t)(rnd(&s) % NACC);
        int rc = transfer(&b, t, from, to, (int64_t)(rnd(&s) % 700), id);
        if (rc == ST_OK && rnd(&s) % 4 != 0) {
            cr_assert_eq(txn_commit(t), ST_OK, "%s", st_msg());
            acked[id] = 1;
        } else {
            cr_assert(rc == ST_OK || rc == ST_EINVAL, "%s", st_msg());
            cr_assert_eq(txn_abort(t), ST_OK, "%s", st_msg());
        }
    }
    check_bank(&b, acked, 400, 0, 0);
    bank_close_trees(&b);
    cr_assert_eq(txm_close(b.tm), ST_OK, "%s", st_msg());
    b.tm = open_tm(NULL);
    bank_open_trees(&b);
    check_bank(&b, acked, 400, 0, 0);
    bank_close_trees(&b);
    cr_assert_eq(txm_close(b.tm), ST_OK);
}

/* The power fails at a random fdatasync of a transfer workload (with checkpoints, aborts and a
 * buffer pool far smaller than the data, so uncommitted pages reach the disk): recovery leaves
 * exactly the acknowledged transfers, whole. */
Test(bank, power_loss_during_transfers)
{
    uint64_t seed0 = env_seed(1000);
    int lost = 0;
    for (uint64_t seed = seed0; seed < seed0 + 25; seed++) {
        teardown();
        setup();
        uint64_t s = seed;
        os_fault *f;
        cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
        bank b;
        bank_create(&b, os_fault_vfs(f));
        enum { N = 600 };
        uint8_t acked[N] = {0};
        uint64_t maybe = 0;
        os_fault_inject(f, OSF_SYNC, 1 + rnd(&s) % 250, OSF_CUT, 0);
        for (uint64_t id = 1; id < N; id++) {
            txn *t;
            if (txn_begin(b.tm, &t) != ST_OK)
                break;
            int64_t from = 1 + (int64_t)(rnd(&s) % NACC), to = 1 + (int64_t)(rnd(&s) % NACC);
            int rc = transfer(&b, t, from, to, (int64_t)(rnd(&s) % 900), id);
            if (rc == ST_OK && rnd(&s) % 6 != 0) {
                rc = txn_commit(t);
                if (rc == ST_OK) {
                    acked[id] = 1;
                    continue;
                }
                maybe = id; /* the power failed during its commit: either way, whole */
                break;
            }
            if (txn_abort(t) != ST_OK || (rc != ST_OK && rc != ST_EINVAL))
                break; /* the power failed (I/O error): stop like a crashed process */
        }
        lost += os_fault_cut_lost(f) > 0;
        bank_close_trees(&b);
        txm_abandon(b.tm);
        os_fault_reset_power(f);
        os_fault_clear(f);
        b.tm = open_tm(os_fault_vfs(f));
        bank_open_trees(&b);
        check_bank(&b, acked, N, maybe, seed);
        bank_close_trees(&b);
        cr_assert_eq(txm_close(b.tm), ST_OK, "%s", st_msg());
        os_fault_free(f);
    }
    cr_assert_gt(lost, 5, "only %d power cuts lost pending writes", lost);
}

/* ---- concurrent workers: the article's two webhooks, times four -------------------------- */

enum { WORKERS = 4, PER_WORKER = 150, NIDS = WORKERS * PER_WORKER + 1 };

typedef struct worker {
    bank *b;
    lk_mgr *lm;
    int w;
    uint64_t seed;
    uint8_t *acked, *maybe; /* indexed by transfer id; each worker writes only its own ids */
    int deadlocks, refused, stopped;
} worker;

/* Like balance() but reporting errors (no assertions off the main thread). */
static int get_balance(bank *b, int64_t a, int64_t *out)
{
    void *v;
    size_t n;
    bt_key k = bt_int_key(a);
    int rc = bt_get(b->acc, &k, &v, &n);
    if (rc == ST_OK) {
        *out = n == 8 ? (int64_t)get_u64(v) : -1;
        free(v);
    }
    return rc;
}

static void *worker_run(void *arg)
{
    worker *wk = arg;
    bank *b = wk->b;
    lk_txn *lt;
    if (lk_txn_create(wk->lm, &lt) != LK_OK)
        return (void *)1;
    uint64_t s = wk->seed;
    for (int i = 0; i < PER_WORKER && !wk->stopped; i++) {
        uint64_t id = 1 + (uint64_t)wk->w * PER_WORKER + (uint64_t)i;
        txn *t;
        if (txn_begin(b->tm, &t) != ST_OK) {
            wk->stopped = 1;
            break;
        }
        lk_txn_begin(lt, txn_id(t));
        /* Half the transfers touch five hot accounts: contention and deadlocks. */
        uint64_t span = rnd(&s) % 2 ? 5 : NACC;
        int64_t from = 1 + (int64_t)(rnd(&s) % span), to = 1 + (int64_t)(rnd(&s) % span);
        if (from == to)
            to = from % NACC + 1;
        lk_res_t rf = lk_res_row(1, (uint64_t)from), rt = lk_res_row(1, (uint64_t)to);
        /* Lock in the order the request names them: two opposite transfers deadlock, and the
         * lock manager must turn that into an error for exactly one of them. */
        int lrc = lk_acquire(lt, &rf, LK_X, LK_WAIT);
        if (lrc == LK_OK)
            lrc = lk_acquire(lt, &rt, LK_X, LK_WAIT);
        int rc = ST_OK;
        int64_t fb = 0, amount = (int64_t)(rnd(&s) % 900);
        if (lrc == LK_OK)
            rc = get_balance(b, from, &fb);
        if (lrc != LK_OK || rc != ST_OK || fb < amount) {
            if (lrc == LK_DEADLOCK)
                wk->deadlocks++;
            else if (lrc == LK_OK && rc == ST_OK)
                wk->refused++;
            if (txn_abort(t) != ST_OK || rc != ST_OK)
                wk->stopped = 1;
            lk_release_all(lt);
            continue;
        }
        rc = transfer_checked(b, t, from, to, amount, id);
        if (rc == ST_OK) {
            rc = txn_commit(t);
            if (rc == ST_OK)
                wk->acked[id] = 1;
            else {
                wk->maybe[id] = 1;
                wk->stopped = 1;
            }
        } else {
            txn_abort(t);
            wk->stopped = 1; /* an I/O error: the power is off */
        }
        lk_release_all(lt);
    }
    lk_txn_destroy(lt);
    return NULL;
}

/* Four workers move money concurrently under strict 2PL, deadlocking now and then; the power
 * fails at a random sync. After recovery the bank balances to the cent. */
Test(bank, concurrent_transfers_with_deadlocks_and_power_loss)
{
    uint64_t seed0 = env_seed(2000);
    int total_deadlocks = 0;
    for (uint64_t seed = seed0; seed < seed0 + 6; seed++) {
        teardown();
        setup();
        os_fault *f;
        cr_assert_eq(os_fault_new(NULL, seed, &f), ST_OK);
        bank b;
        bank_create(&b, os_fault_vfs(f));
        lk_mgr *lm;
        lk_config_t cfg = lk_config_default();
        cfg.lock_timeout_ms = 5000;
        cr_assert_eq(lk_mgr_create(&cfg, &lm), LK_OK);
        static uint8_t acked[NIDS], maybe[NIDS];
        memset(acked, 0, sizeof acked);
        memset(maybe, 0, sizeof maybe);
        uint64_t s = seed;
        if (seed % 3 != 0) /* some runs end without a cut: a plain crash after the workload */
            os_fault_inject(f, OSF_SYNC, 20 + rnd(&s) % 300, OSF_CUT, 0);
        worker wk[WORKERS];
        pthread_t th[WORKERS];
        for (int i = 0; i < WORKERS; i++) {
            wk[i] = (worker){.b = &b, .lm = lm, .w = i, .seed = seed * 31 + (uint64_t)i + 1,
                             .acked = acked, .maybe = maybe};
            cr_assert_eq(pthread_create(&th[i], NULL, worker_run, &wk[i]), 0);
        }
        for (int i = 0; i < WORKERS; i++) {
            void *res;
            pthread_join(th[i], &res);
            cr_assert_null(res);
            total_deadlocks += wk[i].deadlocks;
        }
        lk_mgr_destroy(lm);
        bank_close_trees(&b);
        txm_abandon(b.tm);
        os_fault_reset_power(f);
        os_fault_clear(f);
        b.tm = open_tm(os_fault_vfs(f));
        bank_open_trees(&b);
        check_bank_m(&b, acked, NIDS, maybe, seed);
        bank_close_trees(&b);
        cr_assert_eq(txm_close(b.tm), ST_OK, "%s", st_msg());
        os_fault_free(f);
    }
    cr_log_info("concurrent bank: %d deadlocks detected (each victim rolled back)", total_deadlocks);
    cr_assert_gt(total_deadlocks, 0, "the workload never deadlocked: it tests less than it says");
}
