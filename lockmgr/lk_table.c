/*
 * lk_table.c — the manager and its partitioned hash table of lock objects.
 *
 * A resource hashes (XXH3-64) to one of `nparts` partitions by the top bits of its hash and to
 * a bucket inside the partition by the low bits. Each partition has its own mutex, chained hash
 * table and cache of free lock objects, so the uncontended path — find or create the lock,
 * grant, later release and free it — takes exactly one partition mutex and usually no malloc
 * (weak table locks take none: lk_fastpath.c).
 * No operation holds two partition mutexes except the frozen-world paths (deadlock search,
 * snapshot), which take dd_mu and then all partitions in index order.
 */
#include "lockmgr/lk_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <xxhash.h>

#define LK_FREE_LOCKS_MAX 64u
#define LK_INITIAL_BUCKETS 64u

uint64_t lk_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t lk_coarse_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

lk_config_t lk_config_default(void)
{
    return (lk_config_t){
        .lock_timeout_ms = 10000,
        .deadlock_delay_ms = 0,
        .escalation_threshold = 5000,
        .partitions = 32,
    };
}

uint64_t lk_res_hash(const struct lk_mgr *m, const lk_res_t *r)
{
    /* The fixed fields seed the hash of the key bytes: two keys differing only in their index
     * or table hash apart, and rows need no key pass at all. */
    uint64_t hdr[3] = {(uint64_t)r->kind << 32 | r->table, r->index, r->row};
    uint64_t h = XXH3_64bits_withSeed(hdr, sizeof hdr, m->seed);
    if (r->kind == LK_RES_KEY)
        h = XXH3_64bits_withSeed(r->key, r->key_len, h);
    return h;
}

bool lk_res_equal(const lk_res_t *a, const lk_res_t *b)
{
    if (a->kind != b->kind || a->table != b->table || a->index != b->index || a->row != b->row)
        return false;
    if (a->kind != LK_RES_KEY)
        return true;
    return a->key_len == b->key_len && (a->key_len == 0 || !memcmp(a->key, b->key, a->key_len));
}

int lk_mgr_create(const lk_config_t *cfg, lk_mgr **out)
{
    *out = NULL;
    lk_config_t c = cfg ? *cfg : lk_config_default();
    if (c.partitions == 0 || c.partitions > 4096)
        return LK_EINVAL;
    unsigned np = 1;
    while (np < c.partitions)
        np <<= 1;
    c.partitions = np;

    struct lk_mgr *m = calloc(1, sizeof *m);
    if (!m)
        return LK_NOMEM;
    m->cfg = c;
    m->nparts = np;
    m->fast_path = !c.disable_fast_path;
    pthread_mutex_init(&m->reg_mu, NULL);
    /* A per-manager random seed, so nobody can precompute keys that all land in one bucket. A
     * failed getrandom just leaves a time-based seed: hashing stays correct either way. */
    if (getrandom(&m->seed, sizeof m->seed, GRND_NONBLOCK) != (ssize_t)sizeof m->seed)
        m->seed = lk_now_ns() * 0x9E3779B97F4A7C15ull;
    m->parts = aligned_alloc(64, sizeof(struct lk_part) * np);
    if (!m->parts) {
        free(m);
        return LK_NOMEM;
    }
    memset(m->parts, 0, sizeof(struct lk_part) * np);
    for (unsigned i = 0; i < np; i++) {
        struct lk_part *p = &m->parts[i];
        p->buckets = calloc(LK_INITIAL_BUCKETS, sizeof *p->buckets);
        if (!p->buckets) {
            for (unsigned j = 0; j < i; j++) {
                pthread_mutex_destroy(&m->parts[j].mu);
                free(m->parts[j].buckets);
            }
            free(m->parts);
            free(m);
            return LK_NOMEM;
        }
        p->nbuckets = LK_INITIAL_BUCKETS;
        pthread_mutex_init(&p->mu, NULL);
    }
    pthread_mutex_init(&m->dd_mu, NULL);
    *out = m;
    return LK_OK;
}

static void lock_free(struct lk_lock *l)
{
    if (l->res.kind == LK_RES_KEY && l->res.key != l->key_inline)
        free((void *)l->res.key);
    free(l);
}

void lk_mgr_destroy(lk_mgr *m)
{
    if (!m)
        return;
    for (unsigned i = 0; i < m->nparts; i++) {
        struct lk_part *p = &m->parts[i];
        /* Every transaction has been destroyed, so every lock has been released and freed. */
        for (size_t b = 0; b < p->nbuckets; b++)
            for (struct lk_lock *l = p->buckets[b], *n; l; l = n) {
                n = l->next;
                lock_free(l);
            }
        for (struct lk_lock *l = p->free_locks, *n; l; l = n) {
            n = l->next;
            free(l);
        }
        free(p->buckets);
        pthread_mutex_destroy(&p->mu);
    }
    pthread_mutex_destroy(&m->dd_mu);
    pthread_mutex_destroy(&m->reg_mu);
    free(m->dd_path);
    free(m->dd_edges);
    free(m->parts);
    free(m);
}

/* Doubles the bucket array when the load passes 1; on allocation failure the chains just get
 * longer, which is slower but correct. */
static void part_grow(struct lk_part *p)
{
    size_t nb = p->nbuckets * 2;
    struct lk_lock **b = calloc(nb, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < p->nbuckets; i++)
        for (struct lk_lock *l = p->buckets[i], *n; l; l = n) {
            n = l->next;
            size_t j = l->hash & (nb - 1);
            l->next = b[j];
            b[j] = l;
        }
    free(p->buckets);
    p->buckets = b;
    p->nbuckets = nb;
}

struct lk_lock *lk_lock_get(struct lk_part *p, const lk_res_t *r, uint64_t h)
{
    size_t bi = h & (p->nbuckets - 1);
    for (struct lk_lock *l = p->buckets[bi]; l; l = l->next)
        if (l->hash == h && lk_res_equal(&l->res, r))
            return l;

    struct lk_lock *l = p->free_locks;
    if (l) {
        p->free_locks = l->next;
        p->nfree--;
    } else if (!(l = malloc(sizeof *l))) {
        return NULL;
    }
    memset(l, 0, offsetof(struct lk_lock, key_inline));
    l->hash = h;
    l->res = *r;
    if (r->kind == LK_RES_KEY) {
        void *k = r->key_len <= LK_INLINE_KEY ? l->key_inline : malloc(r->key_len);
        if (!k) {
            free(l);
            return NULL;
        }
        if (r->key_len)
            memcpy(k, r->key, r->key_len);
        l->res.key = k;
    } else {
        l->res.key = NULL;
        l->res.key_len = 0;
    }
    l->next = p->buckets[bi];
    p->buckets[bi] = l;
    if (++p->nlocks > p->nbuckets)
        part_grow(p);
    return l;
}

void lk_lock_put_if_unused(struct lk_part *p, struct lk_lock *l)
{
    if (l->granted || l->whead || l->pins)
        return;
    struct lk_lock **pp = &p->buckets[l->hash & (p->nbuckets - 1)];
    while (*pp != l)
        pp = &(*pp)->next;
    *pp = l->next;
    p->nlocks--;
    if (l->res.kind == LK_RES_KEY && l->res.key != l->key_inline)
        free((void *)l->res.key);
    if (p->nfree < LK_FREE_LOCKS_MAX) {
        l->next = p->free_locks;
        p->free_locks = l;
        p->nfree++;
    } else {
        free(l);
    }
}

void lk_stats_get(lk_mgr *m, lk_stats_t *out)
{
    memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < m->nparts; i++) {
        struct lk_part *p = &m->parts[i];
        pthread_mutex_lock(&p->mu);
        out->acquisitions += p->stats.acquisitions;
        out->waits += p->stats.waits;
        out->wait_ns += p->stats.wait_ns;
        out->timeouts += p->stats.timeouts;
        out->deadlocks += p->stats.deadlocks;
        out->escalations += p->stats.escalations;
        out->not_granted += p->stats.not_granted;
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_lock(&m->reg_mu); /* fast-path grants are counted per transaction */
    out->acquisitions += m->fp_retired;
    for (struct lk_txn *u = m->reg; u; u = u->reg_next) {
        pthread_mutex_lock(&u->fp_mu);
        out->acquisitions += u->fp_acquisitions;
        pthread_mutex_unlock(&u->fp_mu);
    }
    pthread_mutex_unlock(&m->reg_mu);
}

char *lk_res_format(const lk_mgr *m, const lk_res_t *r, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    char tbl[96];
    const char *name = (m && m->cfg.table_name) ? m->cfg.table_name(m->cfg.ctx, r->table) : NULL;
    if (name)
        snprintf(tbl, sizeof tbl, "%s", name);
    else
        snprintf(tbl, sizeof tbl, "table %u", r->table);
    switch (r->kind) {
    case LK_RES_TABLE: snprintf(buf, n, "%s", tbl); break;
    case LK_RES_ROW: snprintf(buf, n, "%s row %llu", tbl, (unsigned long long)r->row); break;
    case LK_RES_KEY: {
        char k[80];
        size_t o = 0;
        const unsigned char *kb = r->key;
        for (size_t i = 0; i < r->key_len && o + 8 < sizeof k; i++) {
            if (kb[i] >= 0x20 && kb[i] < 0x7f && kb[i] != '\'' && kb[i] != '\\')
                k[o++] = (char)kb[i];
            else
                o += (size_t)snprintf(k + o, sizeof k - o, "\\x%02x", kb[i]);
            if (i + 1 < r->key_len && o + 8 >= sizeof k) {
                memcpy(k + o, "...", 3);
                o += 3;
                break;
            }
        }
        k[o] = '\0';
        snprintf(buf, n, "%s index %u key '%s'", tbl, r->index, k);
        break;
    }
    default: snprintf(buf, n, "%s (bad resource kind %d)", tbl, (int)r->kind); break;
    }
    return buf;
}
