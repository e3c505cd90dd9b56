/*
 * btree.c — B+tree handles and the point operations: create, open, drop, get, insert, delete,
 * count (contract in btree.h, format in pager/README.md).
 *
 * Latching (pager/README.md, "Latches and lock ordering"): every call takes the tree latch —
 * shared for reads, exclusive for changes — for its whole duration. Under it the tree's pages
 * cannot change except by this call, so a descent keeps at most one page pinned at a time (the
 * path is remembered as page numbers and re-fetched when a split or merge climbs back up).
 * That keeps pins to a handful whatever the tree height, so a tree far larger than the pool,
 * or a pool of 8 frames, works. Page latches are still taken root-to-leaf and left-to-right.
 *
 * Atomicity: a call that fails half-way through a multi-page split or merge (ST_EFULL,
 * ST_EIO from the pager, a failed pgr_touch) stops at once and releases what it holds, but the
 * pages it already changed stay changed. Inside a WAL mini-transaction that is harmless: every
 * change went through a primitive that touched the page first, so the mtr restores the
 * before-images and the call had no effect (wal/README.md, "Before-images"). Without one, the
 * tree can be left inconsistent. Failures detected before the first page change (bad
 * arguments, existing/missing key, corruption found on the way down, overflow allocation)
 * change nothing either way.
 *
 * Pins: outside a mini-transaction a call pins at most about five pages at once. Inside one,
 * every page it changes stays pinned until the mtr commits (pager.h, pgr_tracker): an insert
 * that splits k levels holds about 2k+3 pages, and a value in overflow pages holds all of its
 * chain — a 1 GiB value cannot be written in one mtr through a small pool.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "pager/btree_int.h"

int bt_corrupt(const bt_tree *t, uint64_t pgno, const char *why)
{
    return st_set(ST_ECORRUPT, "%s: page %llu (tree %llu): %s", pgr_path(t->p),
                  (unsigned long long)pgno, (unsigned long long)t->root, why);
}

const char *bt_node_validate(bt_tree *t, bt_node *nd)
{
    if (nd->valid)
        return NULL;
    /* The check result lives in the page's frame (pgr_checked), so it survives across
     * operations and tree handles for as long as the page stays cached and unchanged. */
    uint64_t version = pgr_version(nd->pg);
    if (pgr_checked(nd->pg) == version) {
        nd->valid = 1;
        return NULL;
    }
    const char *why = bt_page_problem(&t->g, nd->d, 1);
    if (why == NULL) {
        nd->valid = 1;
        pgr_set_checked(nd->pg, version);
    }
    return why;
}

void bt_node_wrap(bt_tree *t, pgr_page *pg, bt_node *out)
{
    (void)t;
    out->pg = pg;
    out->d = pgr_data(pg);
    out->pgno = pgr_pgno(pg);
    out->writer = 1;
    out->valid = 0;
}

int bt_node_get(bt_tree *t, uint64_t pgno, int mode, int full, bt_node *out)
{
    if (pgno == 0)
        return bt_corrupt(t, pgno, "page 0 (the file header) referenced as a tree page");
    int rc = pgr_get(t->p, pgno, mode, &out->pg);
    if (rc != ST_OK)
        return rc;
    out->d = pgr_data(out->pg);
    out->pgno = pgno;
    /* Only writers (exclusive tree latch) may use the validation cache. */
    out->writer = mode == PGR_EXCL;
    out->valid = 0;
    const char *why = bt_page_problem(&t->g, out->d, 0);
    if (why == NULL && full)
        why = bt_node_validate(t, out);
    if (why != NULL) {
        pgr_release(out->pg);
        out->pg = NULL;
        return bt_corrupt(t, pgno, why);
    }
    return ST_OK;
}

void bt_node_release(bt_node *nd)
{
    if (nd->pg != NULL)
        pgr_release(nd->pg);
    nd->pg = NULL;
    nd->d = NULL;
}

int bt_descend(bt_tree *t, int target, const bt_key *key, int mode, bt_path *path, bt_node *leaf)
{
    const bt_geom *g = &t->g;
    uint64_t pgno = t->root;
    for (int lvl = 0;; lvl++) {
        if (lvl > BT_MAX_DEPTH)
            return bt_corrupt(t, pgno, "tree deeper than 64 levels (a cycle of child pointers?)");
        bt_node nd;
        int rc = bt_node_get(t, pgno, mode, 0, &nd);
        if (rc != ST_OK)
            return rc;
        const char *why = NULL;
        if ((lvl == 0) != bt_is_root(nd.d))
            why = lvl == 0 ? "tree root without the root flag" : "root flag on a non-root page";
        unsigned n = bt_ncells(nd.d), idx = 0;
        path->pg[lvl] = pgno;
        path->nc[lvl] = n;
        if (why == NULL && bt_is_leaf(g, nd.d)) {
            if (mode == PGR_EXCL)
                why = bt_node_validate(t, &nd);
            if (why == NULL) {
                path->depth = lvl;
                path->idx[lvl] = 0;
                /* A writer's leaf passed the full check: the page primitives require it
                 * (btree_int.h), and their checkers rely on it. */
                assert(mode != PGR_EXCL || (nd.valid && nd.writer));
                *leaf = nd;
                return ST_OK;
            }
        }
        if (why == NULL) {
            int exact;
            if (target == BT_BY_KEY)
                why = bt_page_search(g, nd.d, key, &idx, &exact);
            else
                idx = target == BT_LEFTMOST ? 0 : n;
        }
        if (why == NULL)
            why = bt_child_at(g, nd.d, idx, &pgno);
        bt_node_release(&nd);
        if (why != NULL)
            return bt_corrupt(t, path->pg[lvl], why);
        path->idx[lvl] = idx;
    }
}

/* ---- handles -------------------------------------------------------------------------------- */

int bt_create(pgr *p, bt_kind kind, uint64_t *root)
{
    if (p == NULL || root == NULL || (kind != BT_TABLE && kind != BT_INDEX))
        return st_set(ST_EINVAL, "bt_create: bad argument");
    bt_geom g;
    bt_geom_init(&g, kind, pgr_page_size(p));
    bt_node nd = {0};
    int rc = pgr_alloc(p, g.leaf_type, &nd.pg);
    if (rc != ST_OK)
        return rc;
    nd.d = pgr_data(nd.pg);
    nd.pgno = pgr_pgno(nd.pg);
    rc = bt_page_init(&nd, &g, g.leaf_type, BT_FLAG_ROOT);
    if (rc != ST_OK) {
        (void)pgr_free(p, nd.pg);
        return rc;
    }
    *root = nd.pgno;
    bt_node_release(&nd);
    return ST_OK;
}

int bt_gather_reserve(bt_tree *t, size_t n)
{
    if (n <= t->gcap)
        return ST_OK;
    const uint8_t **ptr = realloc(t->gptr, n * sizeof *ptr);
    if (ptr == NULL)
        return st_set(ST_ENOMEM, "out of memory (B+tree split of %zu cells)", n);
    t->gptr = ptr;
    uint32_t *sz = realloc(t->gsz, n * sizeof *sz);
    if (sz == NULL)
        return st_set(ST_ENOMEM, "out of memory (B+tree split of %zu cells)", n);
    t->gsz = sz;
    t->gcap = n;
    return ST_OK;
}

void bt_close(bt_tree *t)
{
    if (t == NULL)
        return;
    free(t->img[0]);
    free(t->img[1]);
    free(t->cellbuf[0]);
    free(t->cellbuf[1]);
    free(t->sepbuf);
    free(t->gptr);
    free(t->gsz);
    free(t);
}

int bt_open(pgr *p, uint64_t root, bt_kind kind, bt_tree **out)
{
    if (p == NULL || out == NULL || (kind != BT_TABLE && kind != BT_INDEX))
        return st_set(ST_EINVAL, "bt_open: bad argument");
    *out = NULL;
    if (root == 0 || root >= pgr_page_count(p))
        return st_set(ST_ECORRUPT, "%s: tree root page %llu is outside the file (%llu pages)",
                      pgr_path(p), (unsigned long long)root,
                      (unsigned long long)pgr_page_count(p));
    bt_tree *t = calloc(1, sizeof *t);
    if (t == NULL)
        return st_set(ST_ENOMEM, "out of memory (B+tree handle)");
    t->p = p;
    t->root = root;
    bt_geom_init(&t->g, kind, pgr_page_size(p));
    t->latch = pgr_tree_latch(p, root);
    t->img[0] = malloc(t->g.ps);
    t->img[1] = malloc(t->g.ps);
    t->cellbuf[0] = malloc(t->g.max_cell);
    t->cellbuf[1] = malloc(t->g.max_cell);
    t->sepbuf = malloc(t->g.max_key + 1u);
    if (t->latch == NULL || !t->img[0] || !t->img[1] || !t->cellbuf[0] || !t->cellbuf[1] ||
        !t->sepbuf) {
        bt_close(t);
        return st_set(ST_ENOMEM, "out of memory (B+tree handle)");
    }
    pthread_rwlock_rdlock(t->latch);
    bt_node nd;
    int rc = bt_node_get(t, root, PGR_SHARED, 0, &nd);
    if (rc == ST_OK) {
        if (!bt_is_root(nd.d))
            rc = bt_corrupt(t, root, "not a tree root (root flag clear)");
        bt_node_release(&nd);
    }
    pthread_rwlock_unlock(t->latch);
    if (rc != ST_OK) {
        bt_close(t);
        return rc;
    }
    *out = t;
    return ST_OK;
}

/* Frees a subtree, overflow chains included. The page is freed before its children so that at
 * most two pages are pinned (this one and a chain page) whatever the height. */
static int bt_drop_page(bt_tree *t, uint64_t pgno, int lvl)
{
    const bt_geom *g = &t->g;
    if (lvl > BT_MAX_DEPTH)
        return bt_corrupt(t, pgno, "tree deeper than 64 levels (a cycle of child pointers?)");
    bt_node nd;
    int rc = bt_node_get(t, pgno, PGR_EXCL, 1, &nd);
    if (rc != ST_OK)
        return rc;
    if ((lvl == 0) != bt_is_root(nd.d)) {
        bt_node_release(&nd);
        return bt_corrupt(t, pgno, lvl == 0 ? "tree root without the root flag"
                                            : "root flag on a non-root page");
    }
    unsigned n = bt_ncells(nd.d);
    if (bt_is_leaf(g, nd.d)) {
        for (unsigned i = 0; i < n && rc == ST_OK; i++) {
            bt_cell c;
            (void)bt_cell_parse(g, nd.d, i, &c); /* validated above */
            if (c.ovf != 0)
                rc = bt_ovf_free(t->p, g, pgno, c.ovf, c.vlen);
        }
        if (rc != ST_OK) {
            bt_node_release(&nd);
            return rc;
        }
        return pgr_free(t->p, nd.pg);
    }
    uint64_t *kids = malloc((n + 1) * sizeof *kids);
    if (kids == NULL) {
        bt_node_release(&nd);
        return st_set(ST_ENOMEM, "out of memory (dropping tree %llu)",
                      (unsigned long long)t->root);
    }
    for (unsigned i = 0; i <= n; i++)
        (void)bt_child_at(g, nd.d, i, &kids[i]);
    rc = pgr_free(t->p, nd.pg);
    for (unsigned i = 0; i <= n && rc == ST_OK; i++)
        rc = bt_drop_page(t, kids[i], lvl + 1);
    free(kids);
    return rc;
}

int bt_drop(bt_tree *t)
{
    if (t == NULL || t->dropped)
        return st_set(ST_EINVAL, "bt_drop: no tree (NULL or already dropped)");
    pthread_rwlock_wrlock(t->latch);
    int rc = bt_drop_page(t, t->root, 0);
    t->dropped = 1;
    pthread_rwlock_unlock(t->latch);
    return rc;
}

/* ---- point operations ------------------------------------------------------------------------ */

int bt_check_key(const bt_tree *t, const bt_key *key)
{
    if (t == NULL || key == NULL)
        return st_set(ST_EINVAL, "B+tree call with a NULL tree or key");
    if (t->dropped)
        return st_set(ST_EINVAL, "tree %llu has been dropped", (unsigned long long)t->root);
    if (t->g.kind == BT_INDEX) {
        if (key->len > t->g.max_key)
            return st_set(ST_ETOOBIG, "index key of %zu bytes exceeds the maximum of %u bytes "
                          "for %u-byte pages", key->len, t->g.max_key, t->g.ps);
        if (key->len > 0 && key->bytes == NULL)
            return st_set(ST_EINVAL, "index key of %zu bytes with NULL bytes", key->len);
    }
    return ST_OK;
}

static int bt_key_msg(const bt_tree *t, const bt_key *key, int code, const char *what)
{
    /* "Not found" is an answer on hot paths (the existence check of every INSERT, point reads
     * of missing keys), not an error for a user: formatting the path and the key cost 7% of a
     * transfer (callgrind). Callers that report it say what was missing themselves. */
    if (code == ST_ENOTFOUND)
        return st_set(code, "key not found");
    if (t->g.kind == BT_TABLE)
        return st_set(code, "%s: rowid %lld %s in tree %llu", pgr_path(t->p),
                      (long long)key->rowid, what, (unsigned long long)t->root);
    return st_set(code, "%s: index key (%zu bytes) %s in tree %llu", pgr_path(t->p), key->len,
                  what, (unsigned long long)t->root);
}

/* Descends EXCL to the leaf for `key` and finds its slot: the common start of a change. */
static int find_for_change(bt_tree *t, const bt_key *key, bt_path *path, bt_node *leaf,
                           unsigned *idx, int *exact)
{
    int rc = bt_descend(t, BT_BY_KEY, key, PGR_EXCL, path, leaf);
    if (rc != ST_OK)
        return rc;
    const char *why = bt_page_search(&t->g, leaf->d, key, idx, exact);
    if (why != NULL) {
        bt_node_release(leaf);
        return bt_corrupt(t, path->pg[path->depth], why);
    }
    return ST_OK;
}

int bt_write(bt_tree *t, const bt_key *key, const void *val, size_t vlen, int flags)
{
    const bt_geom *g = &t->g;
    bt_path path;
    bt_node leaf;
    unsigned idx;
    int exact;
    int rc = find_for_change(t, key, &path, &leaf, &idx, &exact);
    if (rc != ST_OK)
        return rc;
    if (exact && (flags & BT_NOREPLACE)) {
        bt_node_release(&leaf);
        return bt_key_msg(t, key, ST_EEXISTS, "already exists");
    }
    if (!exact && (flags & BT_MUSTEXIST)) {
        bt_node_release(&leaf);
        return bt_key_msg(t, key, ST_ENOTFOUND, "not found");
    }
    int local;
    uint32_t size = bt_leaf_cell_size(g, g->kind == BT_INDEX ? key->len : 0, vlen, &local);
    uint64_t ovf = 0;
    if (!local) {
        /* The chain is written before the leaf changes, so a failure leaves the tree as it
         * was (bt_ovf_write frees a partial chain). Outside an mtr two pins: the leaf and one
         * chain page. */
        rc = bt_ovf_write(t, val, vlen, &ovf);
        if (rc != ST_OK) {
            bt_node_release(&leaf);
            return rc;
        }
    }
    bt_leaf_cell_build(g, t->cellbuf[0], key, val, vlen, ovf);
    uint64_t old_ovf = 0;
    uint32_t old_vlen = 0;
    if (exact) {
        bt_cell old;
        (void)bt_cell_parse(g, leaf.d, idx, &old); /* leaf validated fully by bt_descend */
        old_ovf = old.ovf;
        old_vlen = old.vlen;
        if (old.size == size) {
            /* Update in place: same cell size, so no slot or free-space change. */
            rc = bt_page_overwrite(&leaf, g, idx, t->cellbuf[0], size);
            bt_node_release(&leaf);
        } else if (size < old.size) {
            /* Relocate within the page (it fits: the cell shrank); a page that falls below a
             * quarter full is rebalanced exactly as after a delete. */
            rc = bt_page_delete(&leaf, g, idx, old.size);
            if (rc == ST_OK)
                rc = bt_page_insert(&leaf, g, idx, t->cellbuf[0], size, t->img[0]);
            if (rc == ST_OK)
                rc = bt_rebalance(t, &path, path.depth, &leaf);
            else
                bt_node_release(&leaf);
        } else {
            /* Relocate: the new cell goes where the old one was, splitting if needed. */
            rc = bt_page_delete(&leaf, g, idx, old.size);
            if (rc == ST_OK)
                rc = bt_insert_up(t, &path, path.depth, &leaf, idx, t->cellbuf[0], size);
            else
                bt_node_release(&leaf);
        }
    } else {
        rc = bt_insert_up(t, &path, path.depth, &leaf, idx, t->cellbuf[0], size);
    }
    if (rc == ST_OK && old_ovf != 0)
        rc = bt_ovf_free(t->p, g, path.pg[path.depth], old_ovf, old_vlen);
    return rc;
}

int bt_insert(bt_tree *t, const bt_key *key, const void *val, size_t vlen, int flags)
{
    int rc = bt_check_key(t, key);
    if (rc != ST_OK)
        return rc;
    if (vlen > BT_MAX_VALUE)
        return st_set(ST_ETOOBIG, "value of %zu bytes exceeds the maximum of %u bytes", vlen,
                      BT_MAX_VALUE);
    if (vlen > 0 && val == NULL)
        return st_set(ST_EINVAL, "bt_insert: value of %zu bytes with NULL pointer", vlen);
    if (flags != BT_REPLACE && flags != BT_NOREPLACE)
        return st_set(ST_EINVAL, "bt_insert: unknown flags %d", flags);
    pthread_rwlock_wrlock(t->latch);
    rc = bt_write(t, key, val, vlen, flags);
    pthread_rwlock_unlock(t->latch);
    return rc;
}

int bt_remove(bt_tree *t, const bt_key *key)
{
    const bt_geom *g = &t->g;
    bt_path path;
    bt_node leaf;
    unsigned idx;
    int exact;
    int rc = find_for_change(t, key, &path, &leaf, &idx, &exact);
    if (rc != ST_OK)
        return rc;
    if (!exact) {
        bt_node_release(&leaf);
        return bt_key_msg(t, key, ST_ENOTFOUND, "not found");
    }
    bt_cell c;
    (void)bt_cell_parse(g, leaf.d, idx, &c); /* leaf validated fully by bt_descend */
    uint64_t ovf = c.ovf;
    uint32_t vlen = c.vlen;
    rc = bt_page_delete(&leaf, g, idx, c.size);
    if (rc != ST_OK) {
        bt_node_release(&leaf);
        return rc; /* nothing changed: the chain stays with its cell */
    }
    rc = bt_rebalance(t, &path, path.depth, &leaf);
    if (ovf != 0) {
        int rc2 = bt_ovf_free(t->p, g, path.pg[path.depth], ovf, vlen);
        if (rc == ST_OK)
            rc = rc2;
    }
    return rc;
}

int bt_delete(bt_tree *t, const bt_key *key)
{
    int rc = bt_check_key(t, key);
    if (rc != ST_OK)
        return rc;
    pthread_rwlock_wrlock(t->latch);
    rc = bt_remove(t, key);
    pthread_rwlock_unlock(t->latch);
    return rc;
}

static int bt_lookup(bt_tree *t, const bt_key *key, void **val, size_t *vlen)
{
    const bt_geom *g = &t->g;
    bt_path path;
    bt_node leaf;
    int rc = bt_descend(t, BT_BY_KEY, key, PGR_SHARED, &path, &leaf);
    if (rc != ST_OK)
        return rc;
    unsigned idx;
    int exact;
    bt_cell c;
    const char *why = bt_page_search(g, leaf.d, key, &idx, &exact);
    if (why == NULL && exact)
        why = bt_cell_parse(g, leaf.d, idx, &c);
    if (why != NULL) {
        bt_node_release(&leaf);
        return bt_corrupt(t, leaf.pgno, why);
    }
    if (!exact) {
        bt_node_release(&leaf);
        return bt_key_msg(t, key, ST_ENOTFOUND, "not found");
    }
    if (vlen != NULL)
        *vlen = c.vlen;
    if (val == NULL) {
        bt_node_release(&leaf);
        return ST_OK;
    }
    *val = NULL;
    if (c.vlen == 0) {
        bt_node_release(&leaf);
        return ST_OK;
    }
    uint8_t *buf = malloc(c.vlen);
    if (buf == NULL) {
        bt_node_release(&leaf);
        return st_set(ST_ENOMEM, "out of memory (value of %u bytes)", c.vlen);
    }
    if (c.ovf == 0) {
        memcpy(buf, c.val, c.vlen);
        bt_node_release(&leaf);
    } else {
        /* The tree latch keeps the chain stable, so the leaf can go before the chain walk. */
        uint64_t first = c.ovf, lp = leaf.pgno;
        bt_node_release(&leaf);
        rc = bt_ovf_read(t->p, g, lp, first, c.vlen, buf);
        if (rc != ST_OK) {
            free(buf);
            return rc;
        }
    }
    *val = buf;
    return ST_OK;
}

int bt_get(bt_tree *t, const bt_key *key, void **val, size_t *vlen)
{
    int rc = bt_check_key(t, key);
    if (rc != ST_OK)
        return rc;
    pthread_rwlock_rdlock(t->latch);
    rc = bt_lookup(t, key, val, vlen);
    pthread_rwlock_unlock(t->latch);
    return rc;
}

int bt_count(bt_tree *t, uint64_t *out)
{
    if (t == NULL || out == NULL || t->dropped)
        return st_set(ST_EINVAL, "bt_count: no tree");
    pthread_rwlock_rdlock(t->latch);
    bt_path path;
    bt_node nd;
    uint64_t total = 0, limit = pgr_page_count(t->p);
    int rc = bt_descend(t, BT_LEFTMOST, NULL, PGR_SHARED, &path, &nd);
    for (uint64_t steps = 0; rc == ST_OK; steps++) {
        total += bt_ncells(nd.d);
        uint64_t right = bt_right(nd.d), here = nd.pgno;
        bt_node_release(&nd);
        if (right == 0)
            break;
        if (steps >= limit) {
            rc = bt_corrupt(t, here, "leaf sibling chain longer than the file (a cycle?)");
            break;
        }
        rc = bt_node_get(t, right, PGR_SHARED, 0, &nd);
        if (rc == ST_OK && !bt_is_leaf(&t->g, nd.d)) {
            bt_node_release(&nd);
            rc = bt_corrupt(t, right, "right sibling of a leaf is not a leaf");
        }
    }
    pthread_rwlock_unlock(t->latch);
    if (rc == ST_OK)
        *out = total;
    return rc;
}

uint64_t bt_root(const bt_tree *t) { return t->root; }
bt_kind bt_tree_kind(const bt_tree *t) { return t->g.kind; }
