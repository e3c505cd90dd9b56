/*
 * lock.h — the lock manager: strict two-phase locking with multi-granularity modes, three wait
 * policies, timeouts, deadlock detection, lock escalation and introspection.
 *
 * This header is the manual. The algorithms (compatibility matrix, grant and fairness rule,
 * wait-for graph with "soft" edges, victim rule, lock ordering) are in lockmgr/README.md.
 *
 * Model. A lock manager (lk_mgr) is shared by every thread of the process. Each connection owns
 * one lk_txn handle and runs its transactions on it one after the other: lk_txn_begin(id), any
 * number of lk_acquire(), then lk_release_all() at commit or abort (strict 2PL: nothing is
 * released earlier). Resources are tables, rows of a table (row id) and keys of an index (the
 * encoded key bytes: a key that does not exist yet can be locked, which is how UNIQUE inserts
 * collide and how point reads block phantoms).
 *
 * Threading rules.
 *   - lk_mgr_*, lk_stats_get, lk_snapshot and lk_txn_cancel may be called from any thread at
 *     any time (lk_mgr_destroy only once nothing else uses the manager).
 *   - An lk_txn is used by one thread at a time (its connection); it is not internally locked
 *     against concurrent calls on the same handle. Different handles are fully concurrent.
 *   - lk_acquire may block (policy LK_WAIT); it never returns with an internal mutex held.
 *   - Callbacks in lk_config (table_name, on_deadlock) run with internal mutexes held: they must
 *     not block and must not call any lk_ function.
 *
 * Return codes and their SQLSTATE (lk_sqlstate()):
 *   LK_OK           0      granted (or already held in a mode at least as strong)
 *   LK_NOT_GRANTED  —      LK_SKIP_LOCKED only: not available now; not an error, skip the row
 *   LK_UNAVAILABLE  55P03  LK_NOWAIT: not available now (lock_not_available)
 *   LK_TIMEOUT      55P03  waited longer than the transaction's lock timeout
 *   LK_DEADLOCK     40P01  this transaction was chosen as a deadlock victim; the caller must
 *                          roll it back and call lk_release_all (the locks it already holds are
 *                          kept until then, so its undo still runs under its X locks)
 *   LK_NOMEM        53200  allocation failed (at most the table intention lock was taken)
 *   LK_EINVAL       22023  misuse (bad mode for the resource kind, transaction not begun, ...)
 *   LK_CANCELED     57014  another thread cancelled the wait (lk_txn_cancel: query cancel)
 * After any failure other than LK_NOT_GRANTED, lk_txn_errmsg() says what, where and who:
 *   "lock timeout after 10000 ms: transaction 18 waiting for X on table 3 row 2, held by
 *    transaction 17 (S)".
 */
#ifndef ACIDB_LOCK_H
#define ACIDB_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lk_mgr lk_mgr;
typedef struct lk_txn lk_txn;

/* ---- status codes ------------------------------------------------------------------------ */

enum lk_status {
    LK_OK = 0,
    LK_NOT_GRANTED, /* SKIP LOCKED: skip this resource          (no SQLSTATE: not an error) */
    LK_UNAVAILABLE, /* NOWAIT: could not lock immediately        SQLSTATE 55P03 */
    LK_TIMEOUT,     /* lock timeout expired                      SQLSTATE 55P03 */
    LK_DEADLOCK,    /* chosen as deadlock victim                 SQLSTATE 40P01 */
    LK_NOMEM,       /* out of memory                             SQLSTATE 53200 */
    LK_EINVAL,      /* bad argument / misuse                     SQLSTATE 22023 */
    LK_CANCELED,    /* the wait was cancelled by lk_txn_cancel   SQLSTATE 57014 */
};

/* The SQLSTATE for a status ("55P03", "40P01", ...); "00000" for LK_OK and LK_NOT_GRANTED. */
const char *lk_sqlstate(int rc);
/* A short fixed description of a status ("lock timeout", "deadlock detected", ...). */
const char *lk_strerror(int rc);

/* ---- modes ------------------------------------------------------------------------------- */

/* Multi-granularity modes, weakest first. LK_NONE means "not held". */
typedef enum lk_mode {
    LK_NONE = 0,
    LK_IS = 1,  /* intention shared: will S-lock rows of this table                */
    LK_IX = 2,  /* intention exclusive: will X-lock rows of this table             */
    LK_S = 3,   /* shared                                                          */
    LK_SIX = 4, /* S on the whole table plus intention to X-lock some rows         */
    LK_X = 5,   /* exclusive                                                       */
} lk_mode_t;
#define LK_NMODES 6

/* true when a lock held in mode a and one held in mode b by another transaction may coexist.
 * LK_NONE is compatible with everything. */
bool lk_compatible(lk_mode_t a, lk_mode_t b);
/* The weakest mode at least as strong as both (the lattice join): IX + S = SIX. */
lk_mode_t lk_mode_sup(lk_mode_t a, lk_mode_t b);
/* "IS", "IX", "S", "SIX", "X" ("-" for LK_NONE). */
const char *lk_mode_name(lk_mode_t m);

/* ---- resources --------------------------------------------------------------------------- */

typedef enum lk_res_kind {
    LK_RES_TABLE = 1, /* a whole table                                 */
    LK_RES_ROW = 2,   /* one row of a table, by row id                 */
    LK_RES_KEY = 3,   /* one key of an index of a table, by key bytes  */
} lk_res_kind_t;

/* A lockable resource. The lock manager copies what it keeps (key bytes included), so the
 * caller's key buffer only needs to live for the duration of the call. Rows and keys belong
 * to a table: locking them first takes the matching intention lock (IS for S, IX for X) on
 * lk_res_table(table). */
typedef struct lk_res {
    lk_res_kind_t kind;
    uint32_t table;   /* table id, every kind                     */
    uint32_t index;   /* index id, LK_RES_KEY only (else 0)       */
    uint64_t row;     /* row id, LK_RES_ROW only (else 0)         */
    const void *key;  /* encoded key, LK_RES_KEY only (else NULL) */
    size_t key_len;   /* bytes at key, at most LK_MAX_KEY         */
} lk_res_t;
#define LK_MAX_KEY 4096u

static inline lk_res_t lk_res_table(uint32_t table)
{
    return (lk_res_t){.kind = LK_RES_TABLE, .table = table};
}
static inline lk_res_t lk_res_row(uint32_t table, uint64_t row)
{
    return (lk_res_t){.kind = LK_RES_ROW, .table = table, .row = row};
}
static inline lk_res_t lk_res_key(uint32_t table, uint32_t index, const void *key, size_t len)
{
    return (lk_res_t){.kind = LK_RES_KEY, .table = table, .index = index, .key = key,
                      .key_len = len};
}

/* Writes "table 3", "table 3 row 2" or "table 3 index 1 key 'abc'" (bytes outside printable
 * ASCII as \xNN, long keys elided) into buf; always NUL-terminates when n > 0. With a
 * table_name callback configured, the table is named ("accounts row 2"). Returns buf. */
char *lk_res_format(const lk_mgr *m, const lk_res_t *r, char *buf, size_t n);

/* ---- the manager ------------------------------------------------------------------------- */

/* One edge of a deadlock cycle: `waiter` waits for `res` in mode `want` and is blocked by
 * `blocker`, which holds the resource in `blocker_mode` (hard edge), or — soft edge — waits
 * ahead of it in the FIFO queue of the same resource for `blocker_mode`. */
typedef struct lk_cycle_edge {
    uint64_t waiter;
    const lk_res_t *res;
    lk_mode_t want;
    uint64_t blocker;
    lk_mode_t blocker_mode;
    bool soft;
} lk_cycle_edge_t;

typedef struct lk_config {
    /* Default lock timeout of new transactions, milliseconds; 0 waits forever (PostgreSQL's
     * lock_timeout = 0). lk_config_default: 10000. */
    unsigned lock_timeout_ms;
    /* How long a waiter sleeps before it searches the wait-for graph (PostgreSQL's
     * deadlock_timeout). 0 searches at once when the request blocks. Every deadlock is
     * reported at most this long after it forms. Default 0. */
    unsigned deadlock_delay_ms;
    /* A transaction holding more than this many row/key locks on one table tries to trade
     * them for one table lock (S if all are S, else X). 0 disables escalation. Default 5000. */
    unsigned escalation_threshold;
    /* Number of hash partitions (each with its own mutex); rounded up to a power of two,
     * 1..4096. Default 32. (ThreadSanitizer tracks at most 64 mutexes held by one thread, and
     * the deadlock search holds all of them: keep it at 32 or less in TSan builds.) */
    unsigned partitions;
    /* Turns off the fast path for weak table locks (lk_fastpath.c): every IS/IX then goes
     * through the shared lock table. For comparison and debugging; default false. */
    bool disable_fast_path;
    /* Optional: a table id -> name mapping for messages; NULL result falls back to "table N".
     * Runs with internal mutexes held (see threading rules). */
    const char *(*table_name)(void *ctx, uint32_t table);
    /* Optional: called once per deadlock found, with the cycle (edges[i].blocker ==
     * edges[(i+1)%n].waiter) and the victim, while the whole lock table is frozen. For tests
     * and diagnostics. Runs with internal mutexes held (see threading rules). */
    void (*on_deadlock)(void *ctx, const lk_cycle_edge_t *edges, size_t n, uint64_t victim);
    void *ctx;
} lk_config_t;

/* The defaults described above. */
lk_config_t lk_config_default(void);

/* Creates a lock manager. cfg NULL means lk_config_default(). LK_NOMEM / LK_EINVAL (partitions
 * out of range). The caller owns *out and frees it with lk_mgr_destroy. */
int lk_mgr_create(const lk_config_t *cfg, lk_mgr **out);
/* Frees the manager. Every lk_txn must have been destroyed first. NULL is a no-op. */
void lk_mgr_destroy(lk_mgr *m);

/* ---- transactions ------------------------------------------------------------------------ */

/* Creates a transaction handle (one per connection, reused for each transaction). Its lock
 * timeout starts at the manager's default. The caller frees it with lk_txn_destroy. */
int lk_txn_create(lk_mgr *m, lk_txn **out);
/* Releases anything still held and frees the handle. NULL is a no-op. */
void lk_txn_destroy(lk_txn *t);

/* Starts a transaction with the given id on the handle. Ids are assigned by the transaction
 * layer: non-zero, unique among live transactions, and increasing with start time — a larger id
 * is a younger transaction, which is what the deadlock victim rule uses. LK_EINVAL if the id is
 * 0 or the handle still holds locks of a previous transaction. */
int lk_txn_begin(lk_txn *t, uint64_t txn_id);
/* The current transaction id (0 when none is running). */
uint64_t lk_txn_id(const lk_txn *t);
/* Sets this handle's lock timeout in milliseconds (0 = wait forever), like SET lock_timeout. */
void lk_txn_set_timeout(lk_txn *t, unsigned ms);
/* This handle's lock timeout in milliseconds (the manager's default until set). */
unsigned lk_txn_timeout(const lk_txn *t);
/* The detail of this handle's last failure ("" if none). Valid until the next lk_ call on it. */
const char *lk_txn_errmsg(const lk_txn *t);
/* Number of locks (requests) this transaction holds right now, intention locks included. */
size_t lk_txn_lock_count(const lk_txn *t);

/* Query cancel: callable from ANY thread (the handle must stay alive during the call). If the
 * transaction is sleeping in lk_acquire, the wait ends at once with LK_CANCELED (SQLSTATE
 * 57014), its queue position is given up, and true is returned; otherwise nothing happens and
 * false is returned — a cancel is not remembered for a later wait, so the caller's own
 * statement-cancel flag must cover the gap between its check and the next lk_acquire. Locks
 * already held stay held. Freezes the lock table briefly, like lk_snapshot. */
bool lk_txn_cancel(lk_txn *t);

/* ---- acquire and release ----------------------------------------------------------------- */

typedef enum lk_policy {
    LK_WAIT = 0,        /* wait up to the lock timeout; deadlocks are detected      */
    LK_NOWAIT = 1,      /* fail at once with LK_UNAVAILABLE                         */
    LK_SKIP_LOCKED = 2, /* return LK_NOT_GRANTED at once (SELECT ... SKIP LOCKED)   */
} lk_policy_t;

/*
 * Acquires `res` in `mode` for the transaction running on t, and keeps it until
 * lk_release_all.
 *
 * Tables take any mode. Rows and keys take LK_S or LK_X only (LK_EINVAL otherwise); they
 * first take IS or IX on their table with the same policy, except that SKIP LOCKED waits for
 * the table's intention lock (like PostgreSQL, SKIP LOCKED skips rows, not tables). A row or
 * key already covered by the transaction's table lock (X covers all, S and SIX cover S) is
 * granted without a lock of its own.
 *
 * Re-requesting a mode already held (or a weaker one) returns LK_OK without touching shared
 * state. A stronger request is an upgrade to lk_mode_sup(held, mode). Upgrades have priority:
 * an upgrade queues ahead of every waiter that conflicts with the mode already held (those
 * wait for this transaction anyway), so S -> X goes before queued X requests.
 *
 * A request is granted at once only if it is compatible with every other holder and with every
 * request queued ahead of it (no overtaking of a conflicting waiter: FIFO fairness, no
 * starvation; see README). Otherwise LK_NOWAIT returns LK_UNAVAILABLE, LK_SKIP_LOCKED returns LK_NOT_GRANTED, and LK_WAIT sleeps
 * until granted (LK_OK), the lock timeout expires (LK_TIMEOUT), this transaction is chosen
 * as a deadlock victim (LK_DEADLOCK) or another thread cancels the wait (LK_CANCELED). After a
 * failed upgrade the weaker mode is still held. LK_EINVAL changes nothing. Upon any other
 * failure, the table intention lock taken by this call, if any, stays held (released by
 * lk_release_all, as in any 2PL system).
 */
int lk_acquire(lk_txn *t, const lk_res_t *res, lk_mode_t mode, lk_policy_t policy);

/* The mode in which the running transaction holds res (LK_NONE if not held). A row covered by
 * a table lock reports the table lock's coverage: LK_X under table X, LK_S under table S/SIX. */
lk_mode_t lk_held_mode(const lk_txn *t, const lk_res_t *res);

/* Commit or abort: releases every lock of the transaction at once, wakes whoever can now go,
 * and ends the transaction (lk_txn_id becomes 0). Never fails. */
void lk_release_all(lk_txn *t);

/* ---- counters and introspection ---------------------------------------------------------- */

typedef struct lk_stats {
    uint64_t acquisitions;  /* locks granted (new locks and upgrades; re-requests not counted) */
    uint64_t waits;         /* requests that had to sleep                                      */
    uint64_t wait_ns;       /* total time spent sleeping, nanoseconds                          */
    uint64_t timeouts;      /* LK_TIMEOUT returned                                             */
    uint64_t deadlocks;     /* deadlock victims chosen                                         */
    uint64_t escalations;   /* row/key lock sets traded for a table lock                       */
    uint64_t not_granted;   /* LK_UNAVAILABLE (NOWAIT) and LK_NOT_GRANTED (SKIP LOCKED)        */
} lk_stats_t;

/* Sums the counters over all partitions (each read under its partition's mutex). */
void lk_stats_get(lk_mgr *m, lk_stats_t *out);

/* One granted or waiting request in a snapshot. */
typedef struct lk_snap_entry {
    uint64_t txn;          /* transaction id                                                 */
    lk_res_t res;          /* key bytes (if any) point into the snapshot                     */
    lk_mode_t mode;        /* held mode (granted entries) or wanted mode (waiting entries)   */
    bool waiting;          /* false: granted; true: waiting (an upgrade is one of each)      */
    uint64_t since_ns;     /* CLOCK_MONOTONIC_COARSE ns when granted / the wait started      */
    size_t nblockers;      /* waiting entries: transactions it waits for (holders and        */
    const uint64_t *blockers; /* conflicting earlier waiters), pointing into the snapshot    */
} lk_snap_entry_t;

typedef struct lk_snapshot {
    size_t n;
    lk_snap_entry_t *entries; /* granted entries first, then waiting ones in queue order */
} lk_snapshot_t;

/* Takes a consistent snapshot of the whole lock table (all partitions frozen at once, so it is
 * meant for `.locks` and diagnostics, not for hot paths). Caller frees with lk_snapshot_free.
 * LK_NOMEM possible. */
int lk_snapshot(lk_mgr *m, lk_snapshot_t **out);
void lk_snapshot_free(lk_snapshot_t *s);

#endif
