/*
 * btree_cursor.c — cursors over a B+tree (btree.h).
 *
 * A cursor holds no latch and no pin between calls (btree.h: "a cursor never blocks a
 * writer"). It remembers where it was — leaf page number, slot, and the leaf's pgr_version at
 * that moment — plus a copy of the current key and, for local values, of the value. On the
 * next call, under the shared tree latch, it re-pins the leaf: if the version is unchanged
 * the page's cells are byte-for-byte what it saw (versions come from one pager-wide clock and change on
 * every modification or reload), so the slot is still right. Otherwise it re-seeks by the
 * saved key: the saved key (even if deleted meanwhile) orders it correctly among the entries
 * that exist now, which is all next/prev need.
 *
 * Overflow values are read lazily, on bt_cursor_value, so scans that only need keys do not
 * read value chains.
 *
 * Changes through the cursor (bt_cursor_delete/update) run the ordinary delete/insert under
 * the exclusive tree latch and then re-seek by key, so merges and splits they cause cannot
 * leave the cursor on a stale slot.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "pager/btree_int.h"

struct bt_cursor {
    bt_tree *t;
    int valid;
    uint64_t leaf, version; /* position: leaf page and its version when we were there */
    unsigned idx;
    int64_t rowid;  /* current key (table) */
    uint8_t *key;   /* current key (index); max_key bytes */
    size_t klen;
    uint8_t *val;   /* current value once loaded */
    size_t vlen, vcap;
    int vloaded;
    uint64_t ovf;   /* first overflow page of the current value (0: local) */
};

int bt_cursor_open(bt_tree *t, bt_cursor **out)
{
    if (t == NULL || out == NULL || t->dropped)
        return st_set(ST_EINVAL, "bt_cursor_open: no tree");
    bt_cursor *c = calloc(1, sizeof *c);
    if (c != NULL)
        c->key = malloc(t->g.max_key + 1u);
    if (c == NULL || c->key == NULL) {
        free(c);
        return st_set(ST_ENOMEM, "out of memory (cursor)");
    }
    c->t = t;
    *out = c;
    return ST_OK;
}

void bt_cursor_close(bt_cursor *c)
{
    if (c == NULL)
        return;
    free(c->key);
    free(c->val);
    free(c);
}

int bt_cursor_valid(const bt_cursor *c) { return c != NULL && c->valid; }

#ifndef NDEBUG
/* The cursor's state checker, run whenever it lands on an entry and at the end of every
 * positioning call (btree.h: a cursor holds no latch or pin between calls, only a copy). A
 * positioned cursor names a leaf (never page 0, the file header) at a version it saw (versions
 * start at 1 when a frame is loaded, pager/README.md, "Buffer pool"), a key within the page
 * size's maximum (bt_cell_parse refused any longer one) and, for a table tree, no key bytes; a
 * local value is copied at once, so only an overflow value may be not yet loaded; a loaded
 * value fits its buffer. Checked after every call, failed ones too: a load that fails (out of
 * memory copying the value, a damaged cell) leaves the cursor invalid, never positioned on a
 * key whose value it does not have. */
static void check_cursor(const bt_cursor *c)
{
    if (!c->valid)
        return;
    assert(c->leaf != 0 && c->version != 0);
    assert(c->klen <= c->t->g.max_key && (c->t->g.kind != BT_TABLE || c->klen == 0));
    assert(c->vloaded || c->ovf != 0);
    assert(!c->vloaded || c->vlen <= c->vcap);
}
#define CHECK_CURSOR(c) check_cursor(c)
#else
#define CHECK_CURSOR(c) ((void)0)
#endif

static bt_key saved_key(const bt_cursor *c)
{
    return c->t->g.kind == BT_TABLE ? bt_int_key(c->rowid) : bt_bytes_key(c->key, c->klen);
}

static int reserve_val(bt_cursor *c, size_t n)
{
    if (n <= c->vcap)
        return ST_OK;
    uint8_t *v = realloc(c->val, n);
    if (v == NULL)
        return st_set(ST_ENOMEM, "out of memory (cursor value of %zu bytes)", n);
    c->val = v;
    c->vcap = n;
    return ST_OK;
}

/* Makes slot idx of the latched leaf the current entry. */
static int load_entry(bt_cursor *c, bt_node *nd, unsigned idx)
{
    assert(idx < bt_ncells(nd->d)); /* the settle loops stop only on an existing slot */
    c->valid = 0; /* until the whole entry is loaded: a failure below must not leave the old
                   * position valid with the new key and no value */
    bt_cell cell;
    const char *why = bt_cell_parse(&c->t->g, nd->d, idx, &cell);
    if (why != NULL)
        return bt_corrupt(c->t, nd->pgno, why);
    c->rowid = cell.rowid;
    c->klen = cell.klen;
    if (cell.klen)
        memcpy(c->key, cell.key, cell.klen);
    c->vlen = cell.vlen;
    c->ovf = cell.ovf;
    c->vloaded = 0;
    if (cell.ovf == 0) {
        int rc = reserve_val(c, cell.vlen);
        if (rc != ST_OK)
            return rc;
        if (cell.vlen)
            memcpy(c->val, cell.val, cell.vlen);
        c->vloaded = 1;
    }
    c->leaf = nd->pgno;
    c->version = pgr_version(nd->pg);
    c->idx = idx;
    c->valid = 1;
    CHECK_CURSOR(c);
    return ST_OK;
}

/* Lands on slot idx of the latched leaf, or the first entry of the leaves to its right when
 * idx is past the end; invalid past the last leaf. Consumes *nd. */
static int settle_forward(bt_cursor *c, bt_node *nd, unsigned idx)
{
    bt_tree *t = c->t;
    uint64_t limit = pgr_page_count(t->p);
    for (uint64_t steps = 0; idx >= bt_ncells(nd->d); steps++) {
        uint64_t right = bt_right(nd->d), here = nd->pgno;
        bt_node_release(nd);
        if (right == 0) {
            c->valid = 0;
            return ST_OK;
        }
        if (steps >= limit)
            return bt_corrupt(t, here, "leaf sibling chain longer than the file (a cycle?)");
        int rc = bt_node_get(t, right, PGR_SHARED, 0, nd);
        if (rc != ST_OK)
            return rc;
        if (!bt_is_leaf(&t->g, nd->d)) {
            bt_node_release(nd);
            return bt_corrupt(t, right, "right sibling of a leaf is not a leaf");
        }
        idx = 0;
    }
    int rc = load_entry(c, nd, idx);
    bt_node_release(nd);
    return rc;
}

/* Lands on slot idx (-1: before the first) of the latched leaf, moving left as needed. */
static int settle_backward(bt_cursor *c, bt_node *nd, long idx)
{
    bt_tree *t = c->t;
    uint64_t limit = pgr_page_count(t->p);
    for (uint64_t steps = 0; idx < 0; steps++) {
        uint64_t left = bt_left(nd->d), here = nd->pgno;
        bt_node_release(nd);
        if (left == 0) {
            c->valid = 0;
            return ST_OK;
        }
        if (steps >= limit)
            return bt_corrupt(t, here, "leaf sibling chain longer than the file (a cycle?)");
        /* Right-to-left, but only after releasing the right page: no two latches held. */
        int rc = bt_node_get(t, left, PGR_SHARED, 0, nd);
        if (rc != ST_OK)
            return rc;
        if (!bt_is_leaf(&t->g, nd->d)) {
            bt_node_release(nd);
            return bt_corrupt(t, left, "left sibling of a leaf is not a leaf");
        }
        idx = (long)bt_ncells(nd->d) - 1;
    }
    int rc = load_entry(c, nd, (unsigned)idx);
    bt_node_release(nd);
    return rc;
}

/* Descends to the leaf for key; *idx = first slot >= key. */
static int find(bt_cursor *c, const bt_key *key, bt_node *nd, unsigned *idx, int *exact)
{
    bt_path path;
    int rc = bt_descend(c->t, BT_BY_KEY, key, PGR_SHARED, &path, nd);
    if (rc != ST_OK)
        return rc;
    const char *why = bt_page_search(&c->t->g, nd->d, key, idx, exact);
    if (why != NULL) {
        bt_node_release(nd);
        return bt_corrupt(c->t, path.pg[path.depth], why);
    }
    return ST_OK;
}

static int seek_locked(bt_cursor *c, const bt_key *key, int *exact)
{
    bt_node nd;
    unsigned idx;
    int ex;
    c->valid = 0;
    int rc = find(c, key, &nd, &idx, &ex);
    if (rc != ST_OK)
        return rc;
    rc = settle_forward(c, &nd, idx);
    if (exact != NULL)
        *exact = rc == ST_OK && ex && c->valid;
    return rc;
}

/* Re-pins the current leaf; *same says whether it is unchanged since the cursor was there
 * (then *nd is held), otherwise nothing is held. */
static int revalidate(bt_cursor *c, bt_node *nd, int *same)
{
    *same = 0;
    if (c->leaf >= pgr_page_count(c->t->p))
        return ST_OK;
    int rc = pgr_get(c->t->p, c->leaf, PGR_SHARED, &nd->pg);
    if (rc != ST_OK)
        return rc;
    nd->d = pgr_data(nd->pg);
    nd->pgno = c->leaf;
    nd->writer = 0;
    nd->valid = 0;
    if (pgr_version(nd->pg) == c->version && c->idx < bt_ncells(nd->d)) {
        *same = 1;
        return ST_OK;
    }
    bt_node_release(nd);
    return ST_OK;
}

static int step(bt_cursor *c, int forward)
{
    if (!c->valid)
        return ST_OK; /* not positioned or past an end: stays so */
    bt_node nd;
    int same;
    int rc = revalidate(c, &nd, &same);
    if (rc != ST_OK)
        return rc;
    long idx;
    if (same) {
        idx = (long)c->idx + (forward ? 1 : -1);
    } else {
        bt_key k = saved_key(c);
        unsigned at;
        int exact;
        c->valid = 0;
        rc = find(c, &k, &nd, &at, &exact);
        if (rc != ST_OK)
            return rc;
        /* at = first entry >= the saved key: the next one unless it is the key itself. */
        idx = forward ? (long)at + (exact ? 1 : 0) : (long)at - 1;
    }
    return forward ? settle_forward(c, &nd, (unsigned)idx) : settle_backward(c, &nd, idx);
}

int bt_seek(bt_cursor *c, const bt_key *key, int *exact)
{
    if (c == NULL)
        return st_set(ST_EINVAL, "bt_seek: NULL cursor");
    int rc = bt_check_key(c->t, key);
    if (rc != ST_OK)
        return rc;
    if (exact != NULL)
        *exact = 0;
    pthread_rwlock_rdlock(c->t->latch);
    rc = seek_locked(c, key, exact);
    pthread_rwlock_unlock(c->t->latch);
    CHECK_CURSOR(c);
    return rc;
}

static int edge(bt_cursor *c, int first)
{
    if (c == NULL || c->t->dropped)
        return st_set(ST_EINVAL, "cursor on no tree");
    pthread_rwlock_rdlock(c->t->latch);
    bt_path path;
    bt_node nd;
    c->valid = 0;
    int rc = bt_descend(c->t, first ? BT_LEFTMOST : BT_RIGHTMOST, NULL, PGR_SHARED, &path, &nd);
    if (rc == ST_OK)
        rc = first ? settle_forward(c, &nd, 0)
                   : settle_backward(c, &nd, (long)bt_ncells(nd.d) - 1);
    pthread_rwlock_unlock(c->t->latch);
    CHECK_CURSOR(c);
    return rc;
}

int bt_first(bt_cursor *c) { return edge(c, 1); }
int bt_last(bt_cursor *c) { return edge(c, 0); }

static int move(bt_cursor *c, int forward)
{
    if (c == NULL || c->t->dropped)
        return st_set(ST_EINVAL, "cursor on no tree");
    pthread_rwlock_rdlock(c->t->latch);
    int rc = step(c, forward);
    pthread_rwlock_unlock(c->t->latch);
    CHECK_CURSOR(c);
    return rc;
}

int bt_next(bt_cursor *c) { return move(c, 1); }
int bt_prev(bt_cursor *c) { return move(c, 0); }

int bt_cursor_key(bt_cursor *c, bt_key *key)
{
    if (c == NULL || key == NULL || !c->valid)
        return st_set(ST_EINVAL, "bt_cursor_key: cursor is not on an entry");
    *key = saved_key(c);
    return ST_OK;
}

/* Reads the current overflow value; the shared tree latch is held. */
static int load_overflow(bt_cursor *c)
{
    bt_node nd;
    int same;
    int rc = revalidate(c, &nd, &same);
    if (rc != ST_OK)
        return rc;
    if (!same) {
        /* The leaf changed: find the entry again (its value may have changed too). */
        bt_key k = saved_key(c);
        unsigned idx;
        int exact;
        rc = find(c, &k, &nd, &idx, &exact);
        if (rc != ST_OK)
            return rc;
        if (!exact) {
            bt_node_release(&nd);
            return st_set(ST_ENOTFOUND, "%s: the entry under the cursor was deleted (tree "
                          "%llu)", pgr_path(c->t->p), (unsigned long long)c->t->root);
        }
        rc = load_entry(c, &nd, idx);
        if (rc != ST_OK || c->vloaded) {
            bt_node_release(&nd);
            return rc;
        }
    }
    uint64_t leaf = nd.pgno;
    bt_node_release(&nd); /* the tree latch keeps the chain stable */
    rc = reserve_val(c, c->vlen);
    if (rc == ST_OK)
        rc = bt_ovf_read(c->t->p, &c->t->g, leaf, c->ovf, c->vlen, c->val);
    if (rc == ST_OK)
        c->vloaded = 1;
    return rc;
}

int bt_cursor_value(bt_cursor *c, const void **val, size_t *vlen)
{
    if (c == NULL || val == NULL || vlen == NULL || !c->valid)
        return st_set(ST_EINVAL, "bt_cursor_value: cursor is not on an entry");
    if (!c->vloaded) {
        pthread_rwlock_rdlock(c->t->latch);
        int rc = load_overflow(c);
        pthread_rwlock_unlock(c->t->latch);
        if (rc != ST_OK)
            return rc;
    }
    *val = c->val;
    *vlen = c->vlen;
    return ST_OK;
}

int bt_cursor_delete(bt_cursor *c)
{
    if (c == NULL || !c->valid || c->t->dropped)
        return st_set(ST_EINVAL, "bt_cursor_delete: cursor is not on an entry");
    bt_key k = saved_key(c);
    pthread_rwlock_wrlock(c->t->latch);
    int rc = bt_remove(c->t, &k);
    /* The entry that followed is the first one >= the deleted key. The key buffer is about to
     * be overwritten, so seek with a copy of it for index trees: the seek copies the new key
     * only after the descent and search are done with `k`. */
    if (rc == ST_OK)
        rc = seek_locked(c, &k, NULL);
    pthread_rwlock_unlock(c->t->latch);
    return rc;
}

int bt_cursor_update(bt_cursor *c, const void *val, size_t vlen)
{
    if (c == NULL || !c->valid || c->t->dropped)
        return st_set(ST_EINVAL, "bt_cursor_update: cursor is not on an entry");
    if (vlen > BT_MAX_VALUE)
        return st_set(ST_ETOOBIG, "value of %zu bytes exceeds the maximum of %u bytes", vlen,
                      BT_MAX_VALUE);
    if (vlen > 0 && val == NULL)
        return st_set(ST_EINVAL, "bt_cursor_update: value of %zu bytes with NULL pointer", vlen);
    bt_key k = saved_key(c);
    pthread_rwlock_wrlock(c->t->latch);
    int rc = bt_write(c->t, &k, val, vlen, BT_MUSTEXIST);
    if (rc == ST_OK) {
        int exact;
        rc = seek_locked(c, &k, &exact);
        if (rc == ST_OK && !exact)
            rc = bt_corrupt(c->t, c->t->root, "updated key not found again");
    }
    pthread_rwlock_unlock(c->t->latch);
    return rc;
}
