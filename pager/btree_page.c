/*
 * btree_page.c — slotted-page primitives for B+tree pages (pager/README.md, "B+tree pages").
 *
 * Two halves. The read half parses and validates: every length and offset read from a page is
 * checked against the page before it is used, and problems come back as a short description
 * that callers turn into ST_ECORRUPT (naming file and page) or an integrity-check report. The
 * write half is the complete set of operations that change B+tree page bytes: init, insert
 * cell, delete cell, overwrite cell, set child/sibling, install a whole image. Keeping the set
 * small is deliberate: each one calls the WAL hook (pgr_touch, before-image for the redo
 * delta) before it writes, so no change can escape the log.
 *
 * Free space invariant (checked by bt_page_problem with `full`, relied on by the writers):
 *   sum of cell sizes + frag == end - start, and BT_HDR + 2n <= start <= end,
 * so free bytes = (start - BT_HDR - 2n) contiguous gap + frag fragmented bytes.
 */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "pager/btree_int.h"

/* A value is local when the whole cell fits in a quarter of the page less its slot, so that
 * every page holds at least four cells (README "Cells"). */
uint32_t bt_max_cell(uint32_t page_size) { return (page_size - 8u - BT_HDR) / 4u - 2u; }

/* An index key must fit in both an overflow leaf cell (2+4+k+8) and an internal cell
 * (8+2+k): the larger fixed part is the leaf's 14 bytes. */
size_t bt_max_key(uint32_t page_size) { return bt_max_cell(page_size) - 14u; }

void bt_geom_init(bt_geom *g, bt_kind kind, uint32_t page_size)
{
    g->kind = kind;
    g->ps = page_size;
    g->end = page_size - PGR_TRAILER_SIZE;
    g->space = g->end - BT_HDR;
    g->max_cell = bt_max_cell(page_size);
    g->max_key = (uint32_t)bt_max_key(page_size);
    g->ovf_cap = page_size - BT_OVF_DATA - PGR_TRAILER_SIZE;
    g->leaf_type = kind == BT_TABLE ? PGR_T_TABLE_LEAF : PGR_T_INDEX_LEAF;
    g->int_type = kind == BT_TABLE ? PGR_T_TABLE_INTERNAL : PGR_T_INDEX_INTERNAL;
}

/* ---- parsing ------------------------------------------------------------------------------ */

const char *bt_cell_parse(const bt_geom *g, const uint8_t *d, unsigned i, bt_cell *c)
{
    unsigned off = bt_slot(d, i);
    if (off < bt_cstart(d) || off >= g->end)
        return "cell offset outside the cell content area";
    uint32_t avail = g->end - off;
    const uint8_t *p = d + off;
    memset(c, 0, sizeof *c);
    c->off = off;
    if (d[8] == g->leaf_type) {
        uint32_t hdr = g->kind == BT_TABLE ? BT_TLEAF_HDR : BT_ILEAF_HDR;
        if (avail < hdr)
            return "cell header runs past the end of the page";
        if (g->kind == BT_TABLE) {
            c->rowid = (int64_t)get_u64(p);
            c->vlen = get_u32(p + 8);
        } else {
            c->klen = get_u16(p);
            c->vlen = get_u32(p + 2);
            if (c->klen > g->max_key)
                return "index key length exceeds the maximum for this page size";
            c->key = p + BT_ILEAF_HDR;
        }
        if (c->vlen > BT_MAX_VALUE)
            return "value length exceeds 1 GiB";
        uint64_t local = (uint64_t)hdr + c->klen + c->vlen;
        if (local <= g->max_cell) {
            c->size = (uint32_t)local;
            c->val = p + hdr + c->klen;
        } else {
            c->size = hdr + c->klen + 8u;
        }
        if (c->size > avail)
            return "cell runs past the end of the page";
        if (c->val == NULL) {
            c->ovf = get_u64(p + hdr + c->klen);
            if (c->ovf == 0)
                return "overflow page pointer is zero";
        }
        return NULL;
    }
    if (d[8] != g->int_type)
        return "not a page of this tree's kind";
    if (g->kind == BT_TABLE) {
        if (avail < BT_TINT_SIZE)
            return "cell runs past the end of the page";
        c->child = get_u64(p);
        c->rowid = (int64_t)get_u64(p + 8);
        c->size = BT_TINT_SIZE;
    } else {
        if (avail < BT_IINT_HDR)
            return "cell header runs past the end of the page";
        c->child = get_u64(p);
        c->klen = get_u16(p + 8);
        if (c->klen > g->max_key)
            return "separator key length exceeds the maximum for this page size";
        c->size = BT_IINT_HDR + c->klen;
        if (c->size > avail)
            return "cell runs past the end of the page";
        c->key = p + BT_IINT_HDR;
    }
    if (c->child == 0)
        return "child pointer is zero";
    return NULL;
}

const char *bt_page_problem(const bt_geom *g, const uint8_t *d, int full)
{
    if (d[8] != g->leaf_type && d[8] != g->int_type)
        return d[8] == PGR_T_TABLE_LEAF || d[8] == PGR_T_TABLE_INTERNAL ||
                       d[8] == PGR_T_INDEX_LEAF || d[8] == PGR_T_INDEX_INTERNAL
                   ? "B+tree page of the other kind (table/index)"
                   : "not a B+tree page (wrong page type)";
    if (d[BT_OFF_FLAGS] & ~BT_FLAG_ROOT)
        return "unknown flag bits";
    unsigned n = bt_ncells(d), start = bt_cstart(d), frag = bt_frag(d);
    if (BT_HDR + 2u * n > start || start > g->end)
        return "cell count or content start out of range";
    if (frag > g->end - start)
        return "fragmented byte count exceeds the content area";
    if (d[8] == g->int_type && bt_right(d) == 0)
        return "internal page without a rightmost child";
    if (!full)
        return NULL;
    uint32_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        bt_cell c;
        const char *why = bt_cell_parse(g, d, i, &c);
        if (why != NULL)
            return why;
        sum += c.size;
    }
    if (sum + frag != g->end - start)
        return "cell sizes and fragmented bytes do not account for the content area";
    return NULL;
}

int bt_cmp_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t m = alen < blen ? alen : blen;
    int r = m ? memcmp(a, b, m) : 0;
    if (r != 0)
        return r;
    return (alen > blen) - (alen < blen);
}

int bt_cell_cmp(const bt_geom *g, const bt_cell *c, const bt_key *key)
{
    if (g->kind == BT_TABLE)
        return (c->rowid > key->rowid) - (c->rowid < key->rowid);
    return bt_cmp_bytes(c->key, c->klen, key->bytes, key->len);
}

const char *bt_page_search(const bt_geom *g, const uint8_t *d, const bt_key *key, unsigned *idx,
                           int *exact)
{
    int leaf = bt_is_leaf(g, d);
    unsigned lo = 0, hi = bt_ncells(d);
    *exact = 0;
    if (g->kind == BT_TABLE && (d[8] == g->leaf_type || d[8] == g->int_type)) {
        /* Table trees: the row id sits at a fixed place in every cell (leaf: first 8 bytes,
         * internal: after the child pointer), so probes read it directly instead of parsing
         * the whole cell; the offset is still bounds-checked, and a bad one falls back to
         * bt_cell_parse for its message. */
        unsigned at = leaf ? 0 : 8, cstart = bt_cstart(d);
        while (lo < hi) {
            unsigned mid = lo + (hi - lo) / 2;
            unsigned off = bt_slot(d, mid);
            if (off < cstart || off + at + 8 > g->end) {
                bt_cell c;
                const char *why = bt_cell_parse(g, d, mid, &c);
                return why ? why : "cell offset outside the cell content area";
            }
            int64_t rowid = (int64_t)get_u64(d + off + at);
            int r = rowid < key->rowid ? -1 : rowid > key->rowid;
            if (r == 0 && leaf)
                *exact = 1;
            if (r < 0 || (r == 0 && !leaf))
                lo = mid + 1;
            else
                hi = mid;
        }
        *idx = lo;
        return NULL;
    }
    /* Leaf: lower bound (first key >= key). Internal: upper bound (first separator > key),
     * because child i holds k(i-1) <= k < k(i) (pager/README.md, "Cells": internal page semantics). */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        bt_cell c;
        const char *why = bt_cell_parse(g, d, mid, &c);
        if (why != NULL)
            return why;
        int r = bt_cell_cmp(g, &c, key);
        if (r == 0 && leaf)
            *exact = 1;
        if (r < 0 || (r == 0 && !leaf))
            lo = mid + 1;
        else
            hi = mid;
    }
    *idx = lo;
    return NULL;
}

const char *bt_child_at(const bt_geom *g, const uint8_t *d, unsigned i, uint64_t *child)
{
    if (i >= bt_ncells(d)) {
        *child = bt_right(d);
        return *child == 0 ? "internal page without a rightmost child" : NULL;
    }
    bt_cell c;
    const char *why = bt_cell_parse(g, d, i, &c);
    if (why == NULL)
        *child = c.child;
    return why;
}

/* ---- building cells and images -------------------------------------------------------------- */

uint32_t bt_leaf_cell_size(const bt_geom *g, size_t klen, size_t vlen, int *local)
{
    uint64_t hdr = g->kind == BT_TABLE ? BT_TLEAF_HDR : BT_ILEAF_HDR;
    uint64_t sz = hdr + klen + vlen;
    *local = sz <= g->max_cell;
    return *local ? (uint32_t)sz : (uint32_t)(hdr + klen + 8u);
}

uint32_t bt_leaf_cell_build(const bt_geom *g, uint8_t *out, const bt_key *key, const void *val,
                            size_t vlen, uint64_t ovf)
{
    uint32_t n;
    if (g->kind == BT_TABLE) {
        put_u64(out, (uint64_t)key->rowid);
        put_u32(out + 8, (uint32_t)vlen);
        n = BT_TLEAF_HDR;
    } else {
        put_u16(out, (uint16_t)key->len);
        put_u32(out + 2, (uint32_t)vlen);
        if (key->len)
            memcpy(out + BT_ILEAF_HDR, key->bytes, key->len);
        n = BT_ILEAF_HDR + (uint32_t)key->len;
    }
    if (ovf != 0) {
        put_u64(out + n, ovf);
        return n + 8u;
    }
    if (vlen)
        memcpy(out + n, val, vlen);
    assert(n + vlen <= g->max_cell);
    return n + (uint32_t)vlen;
}

uint32_t bt_int_cell_build(const bt_geom *g, uint8_t *out, uint64_t child, int64_t rowid,
                           const uint8_t *key, size_t klen)
{
    put_u64(out, child);
    if (g->kind == BT_TABLE) {
        put_u64(out + 8, (uint64_t)rowid);
        return BT_TINT_SIZE;
    }
    assert(klen <= g->max_key);
    put_u16(out + 8, (uint16_t)klen);
    if (klen)
        memcpy(out + BT_IINT_HDR, key, klen);
    return BT_IINT_HDR + (uint32_t)klen;
}

void bt_img_init(const bt_geom *g, uint8_t *img, uint8_t type, uint8_t flags, uint64_t right,
                 uint64_t left)
{
    memset(img, 0, g->ps);
    img[8] = type;
    img[BT_OFF_FLAGS] = flags;
    put_u16(img + BT_OFF_START, (uint16_t)g->end);
    put_u64(img + BT_OFF_RIGHT, right);
    put_u64(img + BT_OFF_LEFT, left);
}

void bt_img_append(const bt_geom *g, uint8_t *img, const uint8_t *cell, uint32_t size)
{
    unsigned n = bt_ncells(img), start = bt_cstart(img);
    (void)g;
    assert(BT_HDR + 2u * (n + 1) + size <= start);
    start -= size;
    memcpy(img + start, cell, size);
    put_u16(img + BT_HDR + 2 * n, (uint16_t)start);
    put_u16(img + BT_OFF_NCELLS, (uint16_t)(n + 1));
    put_u16(img + BT_OFF_START, (uint16_t)start);
    assert(bt_page_used(g, img) <= g->space); /* appended cells only ever fill the gap */
}

/* ---- primitives (the only writers; WAL hook in each) ------------------------------------------
 *
 * WAL hook: each primitive first calls pgr_touch(), which inside a mini-transaction records
 * the page's before-image (wal/README.md, "Before-images"); the redo delta is computed from it
 * at the mtr's commit. A failed touch changes nothing and its error is returned; the caller
 * stops, and the mtr restores the pages it already changed. */

#ifndef NDEBUG
/* The page checker, run by every primitive after it changed a page that had passed the full
 * check (nd->valid) or that this code built whole. It asserts what pager/README.md, "B+tree
 * pages (types 3–6)" and the free space invariant above say of a page: a type of this tree's
 * kind, slots below the content start, cells inside the content area and, with the
 * fragmented bytes, accounting for it exactly, an internal page with its rightmost child. On
 * such a page these are properties of this code, never of bytes read from disk (those were
 * checked and refused by bt_page_problem before any change). Key order is not among them: the
 * full check does not verify it on pages read from disk (bt_check does), so a write cannot
 * assert it. The header part is O(1); the walk over every cell (`full`) runs where a page was
 * rebuilt (images, defragmentation). A cell-sized change is covered by induction instead:
 * each primitive asserts that the used bytes move by exactly that cell and its slot. */
static void check_page(const bt_geom *g, const bt_node *nd, bool full)
{
    const uint8_t *d = nd->d;
    unsigned n = bt_ncells(d), start = bt_cstart(d);
    assert(d[8] == g->leaf_type || d[8] == g->int_type);
    assert(BT_HDR + 2u * n <= start && start <= g->end && bt_frag(d) <= g->end - start);
    assert(bt_page_used(g, d) <= g->space);
    assert(!full || bt_page_problem(g, d, 1) == NULL);
}
#define CHECK_PAGE(g, nd, full) ((nd)->valid ? check_page((g), (nd), (full)) : (void)0)
/* The size of cell idx of a page that passed the full check (0 on any other page). */
static uint32_t valid_cell_size(const bt_geom *g, const bt_node *nd, unsigned idx)
{
    bt_cell c;
    return nd->valid && bt_cell_parse(g, nd->d, idx, &c) == NULL ? c.size : 0;
}
#else
#define CHECK_PAGE(g, nd, full) ((void)0)
#endif

/* After a change: a valid page stays valid, so remember its new version. */
static void bt_node_note(bt_node *nd)
{
    if (nd->writer && nd->valid)
        pgr_set_checked(nd->pg, pgr_version(nd->pg));
}

int bt_page_init(bt_node *nd, const bt_geom *g, uint8_t type, uint8_t flags)
{
    int rc = pgr_touch(nd->pg);
    if (rc != ST_OK)
        return rc;
    uint8_t *d = nd->d;
    memset(d + 8, 0, g->end - 8);
    d[8] = type;
    d[BT_OFF_FLAGS] = flags;
    put_u16(d + BT_OFF_START, (uint16_t)g->end);
    pgr_mark_dirty(nd->pg);
    nd->valid = 1; /* an empty page of this kind */
    assert(bt_ncells(d) == 0 && bt_frag(d) == 0 && bt_page_used(g, d) == 0);
    CHECK_PAGE(g, nd, true);
    bt_node_note(nd);
    return ST_OK;
}

/* Rewrites the content area without holes; slot order is kept. Part of the insert that needed
 * it (same touch). */
static void bt_page_defrag(uint8_t *d, const bt_geom *g, uint8_t *scratch)
{
    unsigned n = bt_ncells(d);
    memcpy(scratch, d, g->ps);
    unsigned start = g->end;
    for (unsigned i = 0; i < n; i++) {
        bt_cell c;
        const char *why = bt_cell_parse(g, scratch, i, &c);
        assert(why == NULL); /* the page was validated with `full` before any change */
        (void)why;
        start -= c.size;
        memcpy(d + start, scratch + c.off, c.size);
        put_u16(d + BT_HDR + 2 * i, (uint16_t)start);
    }
    memset(d + BT_HDR + 2 * n, 0, start - (BT_HDR + 2 * n));
    put_u16(d + BT_OFF_START, (uint16_t)start);
    put_u16(d + BT_OFF_FRAG, 0);
    /* The free space invariant: without fragments, the gap is all the free space. */
    assert(start - (BT_HDR + 2u * n) == g->space - bt_page_used(g, d));
}

int bt_page_insert(bt_node *nd, const bt_geom *g, unsigned idx, const uint8_t *cell,
                   uint32_t size, uint8_t *scratch)
{
    uint8_t *d = nd->d;
    unsigned n = bt_ncells(d);
    assert(idx <= n && bt_page_fits(g, d, size));
    assert(size >= BT_MIN_CELL && size <= g->max_cell);
    uint32_t used = bt_page_used(g, d);
    (void)used;
    bool defrag = bt_cstart(d) < BT_HDR + 2u * (n + 1) + size;
    int rc;
    if (defrag) {
        rc = pgr_touch(nd->pg);
    } else { /* the cell, the slots from idx on, the count and content start */
        rc = pgr_touch_range(nd->pg, BT_OFF_NCELLS, 4);
        if (rc == ST_OK)
            rc = pgr_touch_range(nd->pg, BT_HDR + 2 * idx, 2 * (n + 1 - idx));
        if (rc == ST_OK)
            rc = pgr_touch_range(nd->pg, bt_cstart(d) - size, size);
    }
    if (rc != ST_OK)
        return rc;
    if (defrag)
        bt_page_defrag(d, g, scratch);
    /* bt_page_fits promised room: the gap, defragmented if need be, holds the cell and slot. */
    assert(bt_cstart(d) >= BT_HDR + 2u * (n + 1) + size);
    unsigned start = bt_cstart(d) - size;
    memcpy(d + start, cell, size);
    uint8_t *slots = d + BT_HDR;
    memmove(slots + 2 * (idx + 1), slots + 2 * idx, 2 * (n - idx));
    put_u16(slots + 2 * idx, (uint16_t)start);
    put_u16(d + BT_OFF_NCELLS, (uint16_t)(n + 1));
    put_u16(d + BT_OFF_START, (uint16_t)start);
    pgr_mark_dirty(nd->pg);
    assert(!nd->valid || bt_page_used(g, d) == used + size + 2u); /* the cell and its slot */
    assert(!nd->valid || valid_cell_size(g, nd, idx) == size);
    CHECK_PAGE(g, nd, defrag);
    bt_node_note(nd);
    return ST_OK;
}

int bt_page_delete(bt_node *nd, const bt_geom *g, unsigned idx, uint32_t size)
{
    int rc = pgr_touch(nd->pg);
    if (rc != ST_OK)
        return rc;
    uint8_t *d = nd->d;
    unsigned n = bt_ncells(d), off = bt_slot(d, idx), start = bt_cstart(d);
    assert(idx < n && off >= start && off + size <= g->end);
    assert(!nd->valid || valid_cell_size(g, nd, idx) == size); /* the whole cell goes */
    uint32_t used = bt_page_used(g, d);
    (void)used;
    /* Zero the dead bytes: no deleted row lingers in the file. */
    memset(d + off, 0, size);
    if (off == start)
        start += size;
    else
        put_u16(d + BT_OFF_FRAG, (uint16_t)(bt_frag(d) + size));
    uint8_t *slots = d + BT_HDR;
    memmove(slots + 2 * idx, slots + 2 * (idx + 1), 2 * (n - idx - 1));
    put_u16(slots + 2 * (n - 1), 0);
    n--;
    if (n == 0) { /* an empty page has no fragments: start over at the end */
        memset(d + BT_HDR, 0, g->end - BT_HDR);
        start = g->end;
        put_u16(d + BT_OFF_FRAG, 0);
    }
    put_u16(d + BT_OFF_NCELLS, (uint16_t)n);
    put_u16(d + BT_OFF_START, (uint16_t)start);
    pgr_mark_dirty(nd->pg);
    assert(!nd->valid || bt_page_used(g, d) == used - size - 2u);
    assert(n > 0 || (start == g->end && bt_frag(d) == 0)); /* an empty page has no fragments */
    CHECK_PAGE(g, nd, false);
    bt_node_note(nd);
    return ST_OK;
}

int bt_page_overwrite(bt_node *nd, const bt_geom *g, unsigned idx, const uint8_t *cell,
                      uint32_t size)
{
    unsigned off = bt_slot(nd->d, idx);
    assert(idx < bt_ncells(nd->d) && off + size <= g->end);
    assert(!nd->valid || valid_cell_size(g, nd, idx) == size); /* same size: nothing moves */
    int rc = pgr_touch_range(nd->pg, off, size);
    if (rc != ST_OK)
        return rc;
    (void)g;
    memcpy(nd->d + off, cell, size);
    pgr_mark_dirty(nd->pg);
    CHECK_PAGE(g, nd, false);
    bt_node_note(nd);
    return ST_OK;
}

int bt_page_set_child(bt_node *nd, unsigned idx, uint64_t child)
{
    uint8_t *d = nd->d;
    /* Only internal pages have children, and no child pointer is ever zero (a zero one is
     * corruption, refused by bt_cell_parse). */
    assert(d[8] == PGR_T_TABLE_INTERNAL || d[8] == PGR_T_INDEX_INTERNAL);
    assert(child != 0);
    int rc = pgr_touch_range(nd->pg, idx >= bt_ncells(d) ? BT_OFF_RIGHT : bt_slot(d, idx), 8);
    if (rc != ST_OK)
        return rc;
    if (idx >= bt_ncells(d))
        put_u64(d + BT_OFF_RIGHT, child);
    else
        put_u64(d + bt_slot(d, idx), child); /* the child is the first field of the cell */
    pgr_mark_dirty(nd->pg);
    bt_node_note(nd);
    return ST_OK;
}

int bt_page_set_u64(bt_node *nd, unsigned off, uint64_t v)
{
    assert(off == BT_OFF_RIGHT || off == BT_OFF_LEFT);
    int rc = pgr_touch_range(nd->pg, off, 8);
    if (rc != ST_OK)
        return rc;
    put_u64(nd->d + off, v);
    pgr_mark_dirty(nd->pg);
    bt_node_note(nd);
    return ST_OK;
}

int bt_page_put_image(bt_node *nd, const bt_geom *g, const uint8_t *img)
{
    /* Split/merge/redistribute/root changes rebuild whole pages; the delta computed from the
     * before-image is still byte ranges, or a full image when most bytes moved. */
    assert(bt_page_problem(g, img, 1) == NULL); /* built cell by cell by this code */
    int rc = pgr_touch(nd->pg);
    if (rc != ST_OK)
        return rc;
    memcpy(nd->d + 8, img + 8, g->end - 8);
    pgr_mark_dirty(nd->pg);
    nd->valid = 1; /* images are built cell by cell from validated cells */
    CHECK_PAGE(g, nd, false); /* the image itself had the full check above */
    bt_node_note(nd);
    return ST_OK;
}
