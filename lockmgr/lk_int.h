/*
 * lk_int.h — the lock manager's internal structures, shared by the lk_*.c files only.
 *
 * Three objects:
 *   lk_lock  one per resource that somebody holds or waits for, in the hash table of the
 *            partition chosen by the resource's XXH3 hash; freed when nobody holds or waits.
 *   lk_req   one per (transaction, lock): the mode held and, while waiting, the mode wanted.
 *            An upgrade keeps the same request: it is on the granted list (held) and in the
 *            wait queue (want) at the same time.
 *   lk_txn   one per connection; owns its requests (list + private hash, so re-requests and
 *            lk_held_mode touch no shared state).
 *
 * Who protects what (lockmgr/README.md, "Threading and lock ordering"):
 *   P  the mutex of the partition that holds the lock object;
 *   O  the owning thread of the transaction, without any mutex;
 *   D  the manager's dd_mu (deadlock search and snapshots), taken before every partition;
 *   F  the fp_mu of the transaction that owns the request (fast-path table locks,
 *      lk_fastpath.c); taken after reg_mu and before any partition.
 */
#ifndef ACIDB_LK_INT_H
#define ACIDB_LK_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lockmgr/lock.h"

#define LK_INLINE_KEY 32u
#define LK_FP_BUCKETS 1024u

enum lk_req_status {
    LK_REQ_IDLE = 0,     /* not waiting                                                    */
    LK_REQ_WAITING,      /* in the lock's wait queue                                       */
    LK_REQ_GRANTED,      /* was waiting and has just been granted by someone else          */
    LK_REQ_VICTIM,       /* was waiting and has been removed from the queue as a victim    */
    LK_REQ_CANCELED,     /* was waiting and has been removed from the queue by lk_txn_cancel */
};

struct lk_req {
    struct lk_txn *txn;            /* immutable while linked                                 */
    struct lk_lock *lock;          /* immutable while linked; for a born_fast request NULL   */
                                   /* until transferred (set under F, then immutable)        */
    bool born_fast;                /* immutable: created on the fast path                    */
    bool fast;                     /* F: granted on the fast path, in no lock object         */
    bool strong_counted;           /* O: counted in mgr->fp_strong (lk_fastpath.c)           */
    uint32_t table;                /* immutable: the table id, for table requests            */
    struct lk_req *fprev, *fnext;  /* F: the transaction's list of fast-path requests        */
    struct lk_req *parent;         /* O: the table request of a row/key request, else NULL   */
    bool x_counted;                /* O: counted in parent->nchild_x (held X)                */
    struct lk_req *gprev, *gnext;  /* P: granted list of lock (iff held != LK_NONE)          */
    struct lk_req *wprev, *wnext;  /* P: wait queue of lock (iff status == WAITING)          */
    uint8_t held;                  /* P (readable by O when not waiting): mode granted       */
    uint8_t want;                  /* P: mode waited for                                     */
    uint8_t status;                /* P: enum lk_req_status                                  */
    bool upgrade;                  /* P: waiting while holding (queued by rule U)            */
    uint64_t since_ns;             /* P: time of the (last) grant                            */
    uint64_t wait_since_ns;        /* P: start of the current wait                           */
    struct lk_req *tprev, *tnext;  /* O: the transaction's list of requests                  */
    struct lk_req *hnext;          /* O: chain in the transaction's private hash             */
    uint64_t hash;                 /* immutable: resource hash                               */
    /* Table requests only (O): row/key requests under this table, how many of them are X, and
     * the child count at which escalation is next attempted. */
    uint32_t nchild, nchild_x, esc_next;
};

struct lk_lock {
    struct lk_lock *next;          /* P: partition bucket chain                              */
    uint64_t hash;                 /* immutable while allocated                              */
    lk_res_t res;                  /* immutable; res.key points at key_inline or a malloc    */
    uint32_t granted_cnt[LK_NMODES]; /* P: number of granted requests per held mode          */
    uint32_t wait_cnt[LK_NMODES];  /* P: number of waiting requests per wanted mode          */
    struct lk_req *granted;        /* P: granted requests, unordered                         */
    struct lk_req *whead, *wtail;  /* P: wait queue, arrival order except upgrades (rule U)   */
    uint32_t pins;                 /* P: victims/cancelled waiters taken off the queue, not  */
                                   /*    woken up yet; they still point here                 */
    unsigned char key_inline[LK_INLINE_KEY];
};

struct lk_part {
    pthread_mutex_t mu;
    struct lk_lock **buckets;      /* P */
    size_t nbuckets, nlocks;       /* P */
    struct lk_lock *free_locks;    /* P: cache of unused lock objects                        */
    unsigned nfree;                /* P */
    lk_stats_t stats;              /* P: counters of the locks in this partition             */
} __attribute__((aligned(64)));    /* one cache line per mutex: no false sharing            */

struct lk_mgr {
    lk_config_t cfg;
    uint64_t seed;                 /* random hash seed: keys are user data (no HashDoS)      */
    unsigned nparts;               /* power of two                                           */
    struct lk_part *parts;
    pthread_mutex_t dd_mu;         /* D: serialises deadlock searches and snapshots          */
    bool fast_path;                /* immutable: weak table locks may use the fast path      */
    pthread_mutex_t reg_mu;        /* every transaction handle, for fast-path transfers       */
    struct lk_txn *reg;            /* reg_mu                                                 */
    uint64_t fp_retired;           /* reg_mu: fast-path grants of destroyed transactions     */
    _Atomic uint32_t fp_strong[LK_FP_BUCKETS]; /* strong table locks per table-hash bucket   */
    uint64_t dd_epoch;             /* D */
    struct dd_frame *dd_path;      /* D: the deadlock search's DFS path (lk_deadlock.c)      */
    lk_cycle_edge_t *dd_edges;     /* D: a found cycle, for the message and the hook         */
    size_t dd_cap;                 /* D: capacity of both                                    */
};

struct lk_txn {
    struct lk_mgr *mgr;
    uint64_t id;                   /* O (read by others under P/D while its requests exist)  */
    unsigned timeout_ms;           /* O */
    pthread_cond_t cv;             /* sleeps here with the partition mutex of wait_req->lock */
    struct lk_req *wait_req;       /* P of wait_req->lock: the request being waited on       */
    struct lk_req *reqs;           /* O: every request of the transaction                    */
    size_t nreqs;                  /* O */
    struct lk_req **hb;            /* O: private hash of reqs by resource                    */
    size_t hsize;                  /* O: power of two                                        */
    struct lk_req *free_reqs;      /* O: cache of unused request objects                     */
    struct lk_req *last_table;     /* O: table request of the last row/key lock, or NULL     */
    unsigned nfree;                /* O */
    uint64_t dd_epoch;             /* D: visited mark of the current deadlock search         */
    char errmsg[512];              /* O; also written under D for a victim or a cancel       */
    pthread_mutex_t fp_mu;         /* F                                                      */
    struct lk_req *fast;           /* F: fast-path requests                                  */
    uint64_t fp_acquisitions;      /* F: counter of fast-path grants (lk_stats_get)          */
    struct lk_txn *reg_prev, *reg_next; /* reg_mu                                            */
};

/* ---- lk_mode.c --------------------------------------------------------------------------- */
extern const uint8_t lk_conflicts[LK_NMODES]; /* bit m set in [a]: a conflicts with m */
static inline bool lk_conflict(unsigned a, unsigned b) { return (lk_conflicts[a] >> b) & 1u; }

/* ---- lk_table.c: partitions and lock objects (all under P) ------------------------------- */
uint64_t lk_res_hash(const struct lk_mgr *m, const lk_res_t *r);
bool lk_res_equal(const lk_res_t *a, const lk_res_t *b);
static inline struct lk_part *lk_part_of(struct lk_mgr *m, uint64_t h)
{
    return &m->parts[(h >> 52) & (m->nparts - 1)];
}
/* Finds the lock of r, creating it if absent; NULL on allocation failure. */
struct lk_lock *lk_lock_get(struct lk_part *p, const lk_res_t *r, uint64_t h);
/* Frees l if nobody holds or waits for it. */
void lk_lock_put_if_unused(struct lk_part *p, struct lk_lock *l);
uint64_t lk_now_ns(void);
uint64_t lk_coarse_ns(void); /* CLOCK_MONOTONIC_COARSE: "since" stamps, a few ms are fine */

/* ---- lk_grant.c: the grant rule (under P) ------------------------------------------------ */
/* Whether r (of l) could be granted `mode` now by the arrival rule (README, "Grant rule"). */
bool lk_grantable(const struct lk_lock *l, const struct lk_req *r, unsigned mode);
/* Grants `mode` to r: links it into the granted list if new, adjusts counters. */
void lk_grant(struct lk_lock *l, struct lk_req *r, unsigned mode);
/* Links r, which already holds r->held (a fast-path lock being transferred), into l. */
void lk_grant_attach(struct lk_lock *l, struct lk_req *r);
/* Removes r's granted mode from l (r must not be waiting). */
void lk_ungrant(struct lk_lock *l, struct lk_req *r);
/* Queues r for `mode` (upgrades by rule U of lk_grant.c, others at the tail). */
void lk_enqueue(struct lk_lock *l, struct lk_req *r, unsigned mode);
/* Takes r out of the wait queue with the given final status, signalling its owner if the
 * status is not LK_REQ_IDLE (the owner itself removes with IDLE). Then grants whatever has
 * become grantable. */
void lk_dequeue(struct lk_lock *l, struct lk_req *r, unsigned status);
/* Scans the wait queue in order and grants every waiter compatible with the holders and with
 * every waiter still ahead of it; signals each one granted. */
void lk_wakeup(struct lk_lock *l);

/* ---- lk_txn.c ---------------------------------------------------------------------------- */
struct lk_req *lk_txn_find(const struct lk_txn *t, const lk_res_t *r, uint64_t h);
/* A fresh request from the cache (O); NULL on allocation failure. */
struct lk_req *lk_req_new(struct lk_txn *t);
/* Records a granted request in the transaction's list and hash (O). LK_NOMEM possible when the
 * hash must grow; the request is then still recorded (in a longer chain) — never fails: void. */
void lk_txn_track(struct lk_txn *t, struct lk_req *r);
/* Releases one granted request: shared part under P, then forgets it (O). */
void lk_req_release(struct lk_txn *t, struct lk_req *r);
/* Returns an untracked request to the cache (O). */
void lk_req_free(struct lk_txn *t, struct lk_req *r);
void lk_txn_seterr(struct lk_txn *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- lk_deadlock.c ----------------------------------------------------------------------- */
/* Searches the wait-for graph for cycles through t (called by t's owner while t waits, with no
 * mutex held). Chooses one victim per cycle found; returns when no cycle goes through t any
 * more (t is then either still waiting, granted, or itself the victim). Returns false if the
 * search could not be completed (out of memory for its path): the caller searches again later;
 * a deadlock is never reported on a guess. */
bool lk_deadlock_check(struct lk_txn *t);
/* Locks dd_mu and every partition in index order / unlocks them. */
void lk_freeze(struct lk_mgr *m);
void lk_thaw(struct lk_mgr *m);

/* ---- lk_fastpath.c: weak table locks without the partition mutex ----------------------- */
static inline bool lk_mode_strong(unsigned m) { return m == LK_S || m == LK_SIX || m == LK_X; }
void lk_fp_register(struct lk_txn *t);
void lk_fp_unregister(struct lk_txn *t);
enum lk_fp_result { LK_FP_GRANTED, LK_FP_SLOW, LK_FP_NOMEM };
/* Tries to grant a weak mode on table r->table on the fast path (r fresh or born_fast). On
 * LK_FP_SLOW, r — if it already held something — is in its lock object, ready for the normal
 * path. */
enum lk_fp_result lk_fp_try(struct lk_txn *t, struct lk_req *r, bool fresh, unsigned mode,
                            uint64_t now);
/* Before a strong request on a table: counts it and moves every fast-path lock on that table,
 * of every transaction, into the lock table (so the grant rule sees them). LK_NOMEM possible;
 * the count is then already undone. */
int lk_fp_strong_begin(struct lk_mgr *m, uint32_t table);
void lk_fp_strong_end(struct lk_mgr *m, uint32_t table);
/* If r is a fast-path lock, forgets it and returns true; else the caller releases normally. */
bool lk_fp_release(struct lk_txn *t, struct lk_req *r);
/* Calls fn for every fast-path lock (lk_snapshot; caller holds reg_mu). */
void lk_fp_each(struct lk_mgr *m, void (*fn)(void *ctx, const struct lk_req *r), void *ctx);

/* ---- lk_escalate.c ----------------------------------------------------------------------- */
/* Called by the owner after a row/key lock under table request tr was granted. */
void lk_escalate_maybe(struct lk_txn *t, struct lk_req *tr);

/* Formats "X on table 3 row 2" style text for messages (no mutex needed beyond the caller's). */
int lk_describe_blockers(const struct lk_lock *l, const struct lk_req *r, unsigned want,
                         char *buf, size_t n);

#endif
