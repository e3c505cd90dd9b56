/*
 * lk_snapshot.c — introspection: a consistent copy of every granted and waiting request, with
 * the transactions each waiter waits for (the same edges the deadlock search follows).
 *
 * The world is frozen (reg_mu, then dd_mu + all partitions) while copying, so the snapshot is
 * one instant of the lock table, as `.locks` and error reports need; fast-path table locks
 * (lk_fastpath.c) are collected first, under reg_mu, which keeps them from moving. Everything is copied into one block
 * (entries, key bytes, blocker ids), so the caller frees one pointer and nothing in it refers
 * back into the lock manager.
 */
#include "lockmgr/lk_int.h"

#include <stdlib.h>
#include <string.h>

/* Waits-for edges of waiting request r, in the order the deadlock search walks them. */
static size_t blockers_of(const struct lk_lock *l, const struct lk_req *r, uint64_t *out)
{
    size_t n = 0;
    for (const struct lk_req *g = l->granted; g; g = g->gnext)
        if (g != r && lk_conflict(r->want, g->held)) {
            if (out)
                out[n] = g->txn->id;
            n++;
        }
    for (const struct lk_req *w = l->whead; w && w != r; w = w->wnext)
        if (lk_conflict(r->want, w->want)) {
            if (out)
                out[n] = w->txn->id;
            n++;
        }
    return n;
}

/* Fast-path locks (lk_fastpath.c) are in no lock object; they are collected first. */
struct fp_list {
    size_t n, cap;
    bool oom;
    struct fp_item {
        uint64_t txn, since;
        uint32_t table;
        uint8_t mode;
    } *v;
};

static void fp_collect(void *ctx, const struct lk_req *r)
{
    struct fp_list *f = ctx;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        struct fp_item *v = realloc(f->v, cap * sizeof *v);
        if (!v) {
            f->oom = true;
            return;
        }
        f->v = v, f->cap = cap;
    }
    f->v[f->n++] = (struct fp_item){r->txn->id, r->since_ns, r->table, r->held};
}

int lk_snapshot(lk_mgr *m, lk_snapshot_t **out)
{
    *out = NULL;
    /* reg_mu held throughout: no fast-path lock can move into the lock table meanwhile, so
     * none is seen twice (lock order reg_mu -> fp_mu, then dd_mu -> partitions). */
    pthread_mutex_lock(&m->reg_mu);
    struct fp_list fp = {0};
    lk_fp_each(m, fp_collect, &fp);
    if (fp.oom) {
        pthread_mutex_unlock(&m->reg_mu);
        free(fp.v);
        return LK_NOMEM;
    }
    lk_freeze(m);
    size_t ne = fp.n, nk = 0, nb = 0;
    for (unsigned i = 0; i < m->nparts; i++) {
        const struct lk_part *p = &m->parts[i];
        for (size_t b = 0; b < p->nbuckets; b++)
            for (const struct lk_lock *l = p->buckets[b]; l; l = l->next) {
                size_t c = 0;
                for (const struct lk_req *g = l->granted; g; g = g->gnext)
                    c++;
                for (const struct lk_req *w = l->whead; w; w = w->wnext) {
                    c++;
                    nb += blockers_of(l, w, NULL);
                }
                ne += c;
                nk += c * l->res.key_len;
            }
    }
    size_t sz = sizeof(lk_snapshot_t) + ne * sizeof(lk_snap_entry_t) + nb * sizeof(uint64_t) + nk;
    lk_snapshot_t *s = malloc(sz);
    if (!s) {
        lk_thaw(m);
        pthread_mutex_unlock(&m->reg_mu);
        free(fp.v);
        return LK_NOMEM;
    }
    s->n = ne;
    s->entries = (lk_snap_entry_t *)(s + 1);
    uint64_t *bl = (uint64_t *)(s->entries + ne);
    unsigned char *kb = (unsigned char *)(bl + nb);
    size_t ei = 0;
    for (size_t i = 0; i < fp.n; i++)
        s->entries[ei++] = (lk_snap_entry_t){.txn = fp.v[i].txn,
                                             .res = lk_res_table(fp.v[i].table),
                                             .mode = (lk_mode_t)fp.v[i].mode,
                                             .since_ns = fp.v[i].since,
                                             .blockers = bl};
    for (int pass = 0; pass < 2; pass++) /* granted entries first, then the waiting ones */
        for (unsigned i = 0; i < m->nparts; i++) {
            const struct lk_part *p = &m->parts[i];
            for (size_t b = 0; b < p->nbuckets; b++)
                for (const struct lk_lock *l = p->buckets[b]; l; l = l->next) {
                    const struct lk_req *q = pass == 0 ? l->granted : l->whead;
                    for (; q; q = pass == 0 ? q->gnext : q->wnext) {
                        lk_snap_entry_t *e = &s->entries[ei++];
                        e->txn = q->txn->id;
                        e->res = l->res;
                        if (l->res.key_len) {
                            memcpy(kb, l->res.key, l->res.key_len);
                            e->res.key = kb;
                            kb += l->res.key_len;
                        }
                        e->waiting = pass == 1;
                        e->mode = (lk_mode_t)(pass == 0 ? q->held : q->want);
                        e->since_ns = pass == 0 ? q->since_ns : q->wait_since_ns;
                        e->nblockers = pass == 1 ? blockers_of(l, q, bl) : 0;
                        e->blockers = bl;
                        bl += e->nblockers;
                    }
                }
        }
    lk_thaw(m);
    pthread_mutex_unlock(&m->reg_mu);
    free(fp.v);
    *out = s;
    return LK_OK;
}

void lk_snapshot_free(lk_snapshot_t *s) { free(s); }
