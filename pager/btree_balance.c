/*
 * btree_balance.c — keeping B+trees balanced: split on overflow, merge or redistribute on
 * underflow, root push-down and root collapse (pager/README.md, "B+tree pages").
 *
 * All three structural changes work the same way: gather the cells of the page(s) involved
 * (plus the cell being inserted, or the parent's separator when internal pages meet) into one
 * ordered list, choose a split point, build the new page images in memory and install them
 * with bt_page_put_image. Building images instead of shuffling cells in place keeps the
 * number of page primitives small (the WAL logs one image per page) and makes every result
 * defragmented.
 *
 * Why splits always succeed: a cell plus its slot is at most space/4 (bt_max_cell), so a full
 * page plus one cell totals S <= 1.25*space, and cutting the list at the half leaves each side
 * at most S/2 + space/4 <= 0.875*space. The same bound covers redistribution, which only runs
 * when one side is under a quarter (S < 1.5*space for internal pages including the separator).
 *
 * The root page number never changes: when the root must split, its content moves to a new
 * child first (push-down) and the root becomes an internal page with that single child; when
 * a root internal page is left without separators, its only child's content moves up into it
 * (collapse) and the child is freed.
 *
 * Latches: under the exclusive tree latch (btree.c). At most the parent, two siblings and one
 * neighbour (plus page 0 inside pgr_alloc/pgr_free) are pinned at once, taken parent first and
 * left to right.
 */
#include <assert.h>
#include <string.h>

#include "pager/btree_int.h"

/* Key of a cell from a validated page or built by us (no bounds to check). */
static void raw_key(const bt_geom *g, const uint8_t *cell, int leaf, int64_t *rowid,
                    const uint8_t **key, uint32_t *klen)
{
    *rowid = 0;
    *key = NULL;
    *klen = 0;
    if (g->kind == BT_TABLE) {
        *rowid = (int64_t)get_u64(leaf ? cell : cell + 8);
    } else if (leaf) {
        *klen = get_u16(cell);
        *key = cell + BT_ILEAF_HDR;
    } else {
        *klen = get_u16(cell + 8);
        *key = cell + BT_IINT_HDR;
    }
}

static int gather_reserve(bt_tree *t)
{
    /* Two pages of the smallest cells plus one extra cell. */
    size_t per_page = t->g.space / (BT_MIN_CELL + 2u) + 1u;
    return bt_gather_reserve(t, 2 * per_page + 2);
}

/* Appends the cells of a validated page to the gather list. */
static void gather_page(bt_tree *t, const uint8_t *d, unsigned *k)
{
    unsigned n = bt_ncells(d);
    for (unsigned i = 0; i < n; i++) {
        bt_cell c;
        const char *why = bt_cell_parse(&t->g, d, i, &c);
        assert(why == NULL); /* validated with `full` when latched */
        (void)why;
        t->gptr[*k] = d + c.off;
        t->gsz[*k] = c.size;
        (*k)++;
    }
}

static void gather_one(bt_tree *t, const uint8_t *cell, uint32_t size, unsigned *k)
{
    t->gptr[*k] = cell;
    t->gsz[*k] = size;
    (*k)++;
}

/* Bytes (cells + slots) of gathered cells [a, b). */
static uint64_t span(const bt_tree *t, unsigned a, unsigned b)
{
    uint64_t s = 0;
    for (unsigned i = a; i < b; i++)
        s += t->gsz[i] + 2u;
    return s;
}

/* Chooses the split point m of N gathered cells. Leaf: [0,m) left, [m,N) right. Internal:
 * [0,m) left, cell m moves up, (m,N) right. `bias` > 0 (appending at the right edge of the
 * tree) keeps the left page full and starts the right one with the new cell alone, so
 * ascending inserts fill pages nearly completely instead of half; `bias` < 0 is the mirror
 * image for descending inserts at the left edge. */
static unsigned choose_split(const bt_tree *t, unsigned N, int leaf, int bias)
{
    uint64_t S = span(t, 0, N), space = t->g.space;
    unsigned lo = 1, hi = leaf ? N - 1 : N - 2, m;
    assert(N >= (leaf ? 2u : 3u));
    if (bias) {
        m = bias > 0 ? hi : lo;
    } else {
        uint64_t acc = 0;
        m = 0;
        if (leaf) {
            while (m < N && acc < S / 2)
                acc += t->gsz[m++] + 2u;
        } else {
            while (m < N && acc + t->gsz[m] + 2u <= S / 2)
                acc += t->gsz[m++] + 2u;
        }
    }
    if (m < lo)
        m = lo;
    if (m > hi)
        m = hi;
    /* Both sides must fit; the bounds in the file comment say a fitting m exists. */
    while (m > lo && span(t, 0, m) > space)
        m--;
    while (m < hi && span(t, leaf ? m : m + 1, N) > space)
        m++;
    assert(span(t, 0, m) <= space && span(t, leaf ? m : m + 1, N) <= space);
    return m;
}

/* Lays the N gathered cells out over L and R split at m (see choose_split), installing both
 * images, and leaves the separator for the parent in t->sepbuf / *sep_len / *sep_rowid.
 * l_left is L's left sibling and r_right R's right sibling (leaf) or rightmost child
 * (internal). The gathered cells may point into L and R: everything is copied out first. */
static int distribute(bt_tree *t, unsigned N, unsigned m, int leaf, bt_node *L, bt_node *R,
                      uint64_t l_left, uint64_t r_right, int64_t *sep_rowid, uint32_t *sep_len)
{
    const bt_geom *g = &t->g;
    uint8_t *li = t->img[0], *ri = t->img[1];
    uint8_t type = leaf ? g->leaf_type : g->int_type;
    int64_t rowid;
    const uint8_t *key;
    uint32_t klen;
    if (leaf) {
        bt_img_init(g, li, type, 0, R->pgno, l_left);
        bt_img_init(g, ri, type, 0, r_right, L->pgno);
        for (unsigned i = 0; i < N; i++)
            bt_img_append(g, i < m ? li : ri, t->gptr[i], t->gsz[i]);
        /* Separator: any s with last(left) < s <= first(right). For index keys take the
         * shortest prefix of first(right) that exceeds last(left) (suffix truncation), so
         * internal pages hold more separators. */
        int64_t arow;
        const uint8_t *akey;
        uint32_t alen;
        raw_key(g, t->gptr[m - 1], 1, &arow, &akey, &alen);
        raw_key(g, t->gptr[m], 1, &rowid, &key, &klen);
        uint32_t cp = 0;
        while (cp < alen && cp < klen && akey[cp] == key[cp])
            cp++;
        if (g->kind == BT_INDEX && cp < klen) /* cp == klen only if the page was misordered */
            klen = cp + 1;
    } else {
        raw_key(g, t->gptr[m], 0, &rowid, &key, &klen);
        bt_img_init(g, li, type, 0, get_u64(t->gptr[m]), 0);
        bt_img_init(g, ri, type, 0, r_right, 0);
        for (unsigned i = 0; i < N; i++)
            if (i != m)
                bt_img_append(g, i < m ? li : ri, t->gptr[i], t->gsz[i]);
    }
    *sep_rowid = rowid;
    *sep_len = klen;
    if (klen)
        memcpy(t->sepbuf, key, klen);
    int rc = bt_page_put_image(L, g, li);
    return rc == ST_OK ? bt_page_put_image(R, g, ri) : rc;
}

/* Fixes the left-sibling pointer of the leaf to the right of a changed pair. `held` is a page
 * the caller still holds (0: none); a sibling pointer to it is corruption, and latching it
 * again would deadlock. */
static int relink_left(bt_tree *t, uint64_t pgno, uint64_t new_left, uint64_t held)
{
    if (pgno == 0)
        return ST_OK;
    if (pgno == held || pgno == new_left)
        return bt_corrupt(t, new_left, "leaf sibling pointer into its own part of the tree");
    bt_node nd;
    int rc = bt_node_get(t, pgno, PGR_EXCL, 0, &nd);
    if (rc != ST_OK)
        return rc;
    if (!bt_is_leaf(&t->g, nd.d)) {
        bt_node_release(&nd);
        return bt_corrupt(t, pgno, "right sibling of a leaf is not a leaf");
    }
    rc = bt_page_set_u64(&nd, BT_OFF_LEFT, new_left);
    bt_node_release(&nd);
    return rc;
}

/* Whether the page at level lvl lies on the right (every step rightmost) or left (every step
 * leftmost) edge of the tree. */
static int on_edge(const bt_path *path, int lvl, int right)
{
    for (int j = 0; j < lvl; j++)
        if (path->idx[j] != (right ? path->nc[j] : 0))
            return 0;
    return 1;
}

/* Moves the root's content to a new child so the root can become its parent (the root page
 * number never changes). On success *child is the new child, latched EXCL, at level 1. */
static int push_down(bt_tree *t, bt_path *path, bt_node *root, bt_node *child)
{
    const bt_geom *g = &t->g;
    if (path->depth + 1 > BT_MAX_DEPTH) {
        bt_node_release(root);
        return st_set(ST_ETOOBIG, "%s: tree %llu would exceed %d levels",
                      pgr_path(t->p), (unsigned long long)t->root, BT_MAX_DEPTH);
    }
    pgr_page *pg;
    int rc = pgr_alloc(t->p, root->d[8], &pg);
    if (rc != ST_OK) {
        bt_node_release(root);
        return rc;
    }
    bt_node_wrap(t, pg, child);
    memcpy(t->img[0], root->d, g->ps);
    t->img[0][BT_OFF_FLAGS] = 0;
    rc = bt_page_put_image(child, g, t->img[0]);
    bt_img_init(g, t->img[1], g->int_type, BT_FLAG_ROOT, child->pgno, 0);
    if (rc == ST_OK)
        rc = bt_page_put_image(root, g, t->img[1]);
    bt_node_release(root);
    if (rc != ST_OK) {
        bt_node_release(child);
        return rc;
    }
    for (int j = path->depth; j >= 0; j--) {
        path->pg[j + 1] = path->pg[j];
        path->idx[j + 1] = path->idx[j];
        path->nc[j + 1] = path->nc[j];
    }
    path->depth++;
    path->pg[0] = t->root;
    path->idx[0] = 0;
    path->nc[0] = 0;
    path->pg[1] = child->pgno;
    return ST_OK;
}

/* Splits the page *nd (level lvl) while inserting `cell` at idx. Releases *nd; the parent
 * must then get separator (t->sepbuf, *sep_len, *sep_rowid) pointing left of *newpg. */
static int split(bt_tree *t, bt_path *path, int lvl, bt_node *nd, unsigned idx,
                 const uint8_t *cell, uint32_t size, uint64_t *newpg, int64_t *sep_rowid,
                 uint32_t *sep_len)
{
    const bt_geom *g = &t->g;
    int rc = gather_reserve(t);
    if (rc != ST_OK) {
        bt_node_release(nd);
        return rc;
    }
    const uint8_t *d = nd->d;
    unsigned n = bt_ncells(d), k = 0, N = n + 1;
    int leaf = bt_is_leaf(g, d);
    /* Gather: the page's cells with the new one at idx. */
    unsigned i = 0;
    for (; i < n; i++) {
        if (i == idx)
            gather_one(t, cell, size, &k);
        bt_cell c;
        (void)bt_cell_parse(g, d, i, &c);
        gather_one(t, d + c.off, c.size, &k);
    }
    if (idx == n)
        gather_one(t, cell, size, &k);
    assert(k == N);
    int bias = 0;
    if (idx == n && (leaf ? bt_right(d) == 0 : 1) && on_edge(path, lvl, 1))
        bias = 1;
    else if (idx == 0 && (leaf ? bt_left(d) == 0 : 1) && on_edge(path, lvl, 0))
        bias = -1;
    unsigned m = choose_split(t, N, leaf, bias);
    bt_node nn;
    pgr_page *pg;
    rc = pgr_alloc(t->p, d[8], &pg);
    if (rc != ST_OK) {
        bt_node_release(nd);
        return rc;
    }
    bt_node_wrap(t, pg, &nn);
    uint64_t old_right = bt_right(d);
    rc = distribute(t, N, m, leaf, nd, &nn, leaf ? bt_left(d) : 0, old_right, sep_rowid,
                    sep_len);
    *newpg = nn.pgno;
    bt_node_release(nd);
    bt_node_release(&nn);
    if (rc != ST_OK)
        return rc;
    return leaf ? relink_left(t, old_right, *newpg, 0) : ST_OK;
}

int bt_insert_up(bt_tree *t, bt_path *path, int lvl, bt_node *nd, unsigned idx,
                 const uint8_t *cell, uint32_t size)
{
    const bt_geom *g = &t->g;
    for (;;) {
        int rc;
        if (bt_page_fits(g, nd->d, size)) {
            rc = bt_page_insert(nd, g, idx, cell, size, t->img[0]);
            bt_node_release(nd);
            return rc;
        }
        if (lvl == 0) {
            bt_node child;
            rc = push_down(t, path, nd, &child);
            if (rc != ST_OK)
                return rc;
            *nd = child;
            lvl = 1;
        }
        uint64_t left = nd->pgno, right;
        int64_t srow;
        uint32_t slen;
        rc = split(t, path, lvl, nd, idx, cell, size, &right, &srow, &slen);
        if (rc != ST_OK)
            return rc;
        uint8_t *next = cell == t->cellbuf[0] ? t->cellbuf[1] : t->cellbuf[0];
        size = bt_int_cell_build(g, next, left, srow, t->sepbuf, slen);
        cell = next;
        lvl--;
        rc = bt_node_get(t, path->pg[lvl], PGR_EXCL, 1, nd);
        if (rc != ST_OK)
            return rc;
        idx = path->idx[lvl];
        if (bt_is_leaf(g, nd->d) || idx > bt_ncells(nd->d)) {
            bt_node_release(nd);
            return bt_corrupt(t, path->pg[lvl], "parent page changed under the tree latch");
        }
        /* Child idx becomes the new right page; (left, separator) goes in front of it. */
        rc = bt_page_set_child(nd, idx, right);
        if (rc != ST_OK) {
            bt_node_release(nd);
            return rc;
        }
    }
}

/* Root collapse: while the root is an internal page without separators, pull its only child's
 * content up into it and free the child. Consumes *root. */
static int collapse_root(bt_tree *t, bt_node *root)
{
    const bt_geom *g = &t->g;
    int rc = ST_OK;
    for (int guard = 0; !bt_is_leaf(g, root->d) && bt_ncells(root->d) == 0; guard++) {
        uint64_t cp = bt_right(root->d);
        if (guard > BT_MAX_DEPTH || cp == root->pgno) {
            rc = bt_corrupt(t, root->pgno, "root collapse does not end (a cycle?)");
            break;
        }
        bt_node ch;
        rc = bt_node_get(t, cp, PGR_EXCL, 1, &ch);
        if (rc != ST_OK)
            break;
        if (bt_is_root(ch.d)) {
            bt_node_release(&ch);
            rc = bt_corrupt(t, cp, "root flag on a non-root page");
            break;
        }
        memcpy(t->img[0], ch.d, g->ps);
        t->img[0][BT_OFF_FLAGS] = BT_FLAG_ROOT;
        if (bt_is_leaf(g, ch.d)) { /* the only leaf has no siblings */
            put_u64(t->img[0] + BT_OFF_RIGHT, 0);
            put_u64(t->img[0] + BT_OFF_LEFT, 0);
        }
        rc = bt_page_put_image(root, g, t->img[0]);
        if (rc != ST_OK) {
            bt_node_release(&ch);
            break;
        }
        rc = pgr_free(t->p, ch.pg);
        if (rc != ST_OK)
            break;
    }
    bt_node_release(root);
    return rc;
}

int bt_rebalance(bt_tree *t, bt_path *path, int lvl, bt_node *nd)
{
    const bt_geom *g = &t->g;
    int rc = gather_reserve(t);
    if (rc != ST_OK) {
        bt_node_release(nd);
        return rc;
    }
    for (;;) {
        if (lvl == 0)
            return collapse_root(t, nd);
        /* "Below a quarter full" (btree.h): fuller pages are left alone. */
        if (bt_page_used(g, nd->d) >= g->space / 4) {
            bt_node_release(nd);
            return ST_OK;
        }
        bt_node_release(nd);
        bt_node par, L = {0}, R = {0};
        rc = bt_node_get(t, path->pg[lvl - 1], PGR_EXCL, 1, &par);
        if (rc != ST_OK)
            return rc;
        unsigned pidx = path->idx[lvl - 1], pn = bt_ncells(par.d);
        if (bt_is_leaf(g, par.d) || pidx > pn) {
            bt_node_release(&par);
            return bt_corrupt(t, path->pg[lvl - 1], "parent page changed under the tree latch");
        }
        if (pn == 0) { /* no sibling to merge with (only a root about to collapse) */
            bt_node_release(&par);
            return ST_OK;
        }
        unsigned li = pidx < pn ? pidx : pn - 1;
        uint64_t lp, rp;
        bt_cell sep;
        const char *why = bt_cell_parse(g, par.d, li, &sep);
        lp = sep.child;
        if (why == NULL)
            why = bt_child_at(g, par.d, li + 1, &rp);
        if (why != NULL) {
            bt_node_release(&par);
            return bt_corrupt(t, par.pgno, why);
        }
        /* A page latched twice by this thread would deadlock: refuse such corruption. */
        if (lp == rp || lp == par.pgno || rp == par.pgno) {
            bt_node_release(&par);
            return bt_corrupt(t, path->pg[lvl - 1], "child pointer repeated or pointing to "
                              "its own page");
        }
        rc = bt_node_get(t, lp, PGR_EXCL, 1, &L);
        if (rc == ST_OK)
            rc = bt_node_get(t, rp, PGR_EXCL, 1, &R);
        int leaf = lvl == path->depth;
        if (rc == ST_OK && (bt_is_leaf(g, L.d) != leaf || bt_is_leaf(g, R.d) != leaf ||
                            bt_is_root(L.d) || bt_is_root(R.d)))
            rc = bt_corrupt(t, par.pgno, "children of one page at different depths or kinds");
        if (rc != ST_OK) {
            bt_node_release(&R);
            bt_node_release(&L);
            bt_node_release(&par);
            return rc;
        }
        /* The separator cell joins internal pages (it becomes the cell of L's rightmost). */
        uint32_t sepsz = 0;
        if (!leaf)
            sepsz = bt_int_cell_build(g, t->cellbuf[1], bt_right(L.d), sep.rowid, sep.key,
                                      sep.klen);
        uint64_t need = (uint64_t)bt_page_used(g, L.d) + bt_page_used(g, R.d) +
                        (leaf ? 0 : sepsz + 2u);
        unsigned k = 0;
        gather_page(t, L.d, &k);
        if (!leaf)
            gather_one(t, t->cellbuf[1], sepsz, &k);
        gather_page(t, R.d, &k);
        if (need <= g->space) {
            /* Merge into L, free R, drop the separator; L takes R's place in the parent. */
            uint8_t *img = t->img[0];
            bt_img_init(g, img, leaf ? g->leaf_type : g->int_type, 0, bt_right(R.d),
                        leaf ? bt_left(L.d) : 0);
            for (unsigned i = 0; i < k; i++)
                bt_img_append(g, img, t->gptr[i], t->gsz[i]);
            uint64_t rr = bt_right(R.d);
            rc = bt_page_put_image(&L, g, img);
            bt_node_release(&L);
            if (rc == ST_OK)
                rc = pgr_free(t->p, R.pg);
            else
                bt_node_release(&R);
            if (rc == ST_OK && leaf)
                rc = relink_left(t, rr, lp, par.pgno);
            if (rc == ST_OK)
                rc = bt_page_delete(&par, g, li, sep.size);
            if (rc == ST_OK)
                rc = bt_page_set_child(&par, li, lp);
            if (rc != ST_OK) {
                bt_node_release(&par);
                return rc;
            }
            *nd = par;
            lvl--;
            continue;
        }
        /* Redistribute: the pair does not fit in one page, so share the cells evenly and
         * replace the separator (which may be longer: the parent can split in turn). */
        int64_t srow;
        uint32_t slen;
        unsigned m = choose_split(t, k, leaf, 0);
        rc = distribute(t, k, m, leaf, &L, &R, leaf ? bt_left(L.d) : 0, bt_right(R.d), &srow,
                        &slen);
        bt_node_release(&R);
        bt_node_release(&L);
        if (rc == ST_OK)
            rc = bt_page_delete(&par, g, li, sep.size);
        if (rc != ST_OK) {
            bt_node_release(&par);
            return rc;
        }
        uint32_t csz = bt_int_cell_build(g, t->cellbuf[0], lp, srow, t->sepbuf, slen);
        return bt_insert_up(t, path, lvl - 1, &par, li, t->cellbuf[0], csz);
    }
}
