/*
 * btree_int.h — internals shared by the btree_*.c files (not part of the contract).
 *
 * Files and their one job each:
 *   btree_page.c      slotted-page primitives: parse/validate/build cells, search inside a
 *                     page, and the ONLY functions that change B+tree page bytes;
 *   btree_overflow.c  overflow chains: write, read, free (and the overflow page primitives);
 *   btree.c           tree handles, descent, get/insert/delete/count/drop;
 *   btree_balance.c   split, root push-down, merge, redistribute, root collapse;
 *   btree_cursor.c    cursors;
 *   btree_check.c     the integrity check.
 *
 * Page layout (pager/README.md, "B+tree pages"): a 32-byte header, then a u16 slot array in key
 * order, a free gap, and cell content growing down from page_size-8 (the checksum trailer).
 *
 * WAL hook: every change to a B+tree or overflow page goes through one of the bt_page_* /
 * bt_ovf_* primitives (btree_page.c, btree_overflow.c). Each calls pgr_touch() before it
 * writes — inside a WAL mini-transaction that records the page's before-image, from which the
 * redo delta is computed at commit (wal/README.md, "Before-images") — and pgr_mark_dirty()
 * after. No other code writes into page bytes.
 */
#ifndef ACIDB_BTREE_INT_H
#define ACIDB_BTREE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "pager/btree.h"
#include "pager/pager.h"
#include "pager/status.h"

/* B+tree page header offsets (pager/README.md). */
#define BT_OFF_FLAGS 9u
#define BT_OFF_NCELLS 10u
#define BT_OFF_START 12u
#define BT_OFF_FRAG 14u
#define BT_OFF_RIGHT 16u /* leaf: right sibling; internal: rightmost child */
#define BT_OFF_LEFT 24u  /* leaf: left sibling; internal: zero */
#define BT_HDR 32u       /* slot array starts here */
#define BT_FLAG_ROOT 1u

/* Overflow page (type 7): next page at 16, value bytes from 24 to page_size-8. */
#define BT_OVF_NEXT 16u
#define BT_OVF_DATA 24u

/* Deepest tree we accept; deeper means a cycle or corruption. Every page holds at least two
 * children after a split, so 64 levels is beyond any file that fits in 2^64 pages. */
#define BT_MAX_DEPTH 64

/* Fixed parts of the four cell layouts (pager/README.md, "B+tree pages"). */
#define BT_TLEAF_HDR 12u /* rowid i64 + vlen u32 */
#define BT_ILEAF_HDR 6u  /* klen u16 + vlen u32 */
#define BT_TINT_SIZE 16u /* child u64 + key i64 */
#define BT_IINT_HDR 10u  /* child u64 + klen u16 */
#define BT_MIN_CELL 6u   /* smallest possible cell: index leaf, empty key and value */

/* Page geometry and kind of one tree; everything the page primitives need. */
typedef struct bt_geom {
    bt_kind kind;
    uint32_t ps;       /* page size */
    uint32_t end;      /* ps - 8: start of the checksum trailer, end of cell content */
    uint32_t space;    /* end - BT_HDR: bytes for slots + cells */
    uint32_t max_cell; /* bt_max_cell(ps): a cell (without its slot) never exceeds this */
    uint32_t max_key;  /* bt_max_key(ps) */
    uint32_t ovf_cap;  /* value bytes per overflow page: ps - 32 */
    uint8_t leaf_type, int_type;
} bt_geom;

/* A parsed cell. Pointers point into the page and are valid while it stays latched. */
typedef struct bt_cell {
    uint32_t off, size;   /* position and length of the cell bytes */
    uint64_t child;       /* internal cells */
    int64_t rowid;        /* table cells (key) */
    const uint8_t *key;   /* index cells */
    uint32_t klen;
    uint32_t vlen;        /* leaf cells: full value length */
    const uint8_t *val;   /* leaf cells: local value, NULL when in overflow */
    uint64_t ovf;         /* leaf cells: first overflow page, 0 when local */
} bt_cell;

/* Pages already validated with `full` are marked in their frame with the pgr_version they
 * had (pgr_checked), so a writer does not re-parse every cell of a leaf on each insert.
 * Versions come from one pager-wide clock and change on every modification of the cells and
 * every reload from disk, so a version names one content; content this code wrote is valid by
 * construction. */
/* A latched page of a tree. `writer`: latched EXCL by a writer, which may use and update the
 * page's full-check mark (pgr_checked); `valid` says the page passed the full check (or was
 * rebuilt whole by this code). */
typedef struct bt_node {
    pgr_page *pg;
    uint8_t *d;
    uint64_t pgno;
    int writer;
    int valid;
} bt_node;

/* The path from the root to a leaf, recorded during a descent. Level 0 is the root; pg[depth]
 * is the leaf. idx[l] is the child position taken in pg[l] (n = rightmost child), nc[l] the
 * number of cells pg[l] had then. Valid only while the tree latch is held. */
typedef struct bt_path {
    int depth;
    uint64_t pg[BT_MAX_DEPTH + 1];
    unsigned idx[BT_MAX_DEPTH + 1];
    unsigned nc[BT_MAX_DEPTH + 1];
} bt_path;

struct bt_tree {
    pgr *p;
    uint64_t root;
    bt_geom g;
    pthread_rwlock_t *latch; /* pgr_tree_latch(p, root) */
    /* Work space for writers, used only under the exclusive tree latch: two page images, two
     * pending-cell buffers, a separator key buffer and the cell gather arrays of a split. */
    uint8_t *img[2];
    uint8_t *cellbuf[2];
    uint8_t *sepbuf;
    const uint8_t **gptr;
    uint32_t *gsz;
    size_t gcap;
    int dropped;
};

/* ---- geometry and header accessors (btree_page.c) ---------------------------------------- */

uint32_t bt_max_cell(uint32_t page_size);
void bt_geom_init(bt_geom *g, bt_kind kind, uint32_t page_size);

static inline unsigned bt_ncells(const uint8_t *d) { return get_u16(d + BT_OFF_NCELLS); }
static inline unsigned bt_cstart(const uint8_t *d) { return get_u16(d + BT_OFF_START); }
static inline unsigned bt_frag(const uint8_t *d) { return get_u16(d + BT_OFF_FRAG); }
static inline uint64_t bt_right(const uint8_t *d) { return get_u64(d + BT_OFF_RIGHT); }
static inline uint64_t bt_left(const uint8_t *d) { return get_u64(d + BT_OFF_LEFT); }
static inline unsigned bt_slot(const uint8_t *d, unsigned i) { return get_u16(d + BT_HDR + 2 * i); }
static inline int bt_is_leaf(const bt_geom *g, const uint8_t *d) { return d[8] == g->leaf_type; }
static inline int bt_is_root(const uint8_t *d) { return (d[BT_OFF_FLAGS] & BT_FLAG_ROOT) != 0; }

/* Bytes taken by slots and cells (the header excluded); valid on a validated page. */
static inline uint32_t bt_page_used(const bt_geom *g, const uint8_t *d)
{
    return (g->end - bt_cstart(d) - bt_frag(d)) + 2u * bt_ncells(d);
}

/* Whether a cell of `size` bytes (plus its slot) fits, possibly after defragmentation. */
static inline int bt_page_fits(const bt_geom *g, const uint8_t *d, uint32_t size)
{
    return bt_page_used(g, d) + size + 2u <= g->space;
}

/* ---- parsing and validation (btree_page.c): return NULL or what is wrong ----------------- */

/* Header sanity: type of this tree's kind, flags, and n/start/frag within the page. With
 * `full`, also every cell's bounds and that cells + fragments account for the content area
 * exactly (so the free-space arithmetic of the primitives can be trusted). */
const char *bt_page_problem(const bt_geom *g, const uint8_t *d, int full);
const char *bt_cell_parse(const bt_geom *g, const uint8_t *d, unsigned i, bt_cell *c);

int bt_cmp_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* Compares a cell's key with `key` (<0, 0, >0). */
int bt_cell_cmp(const bt_geom *g, const bt_cell *c, const bt_key *key);

/* Binary search. Leaf: *idx = first cell with key >= `key`, *exact if equal. Internal: *idx =
 * the child to follow = number of separators <= key (n means the rightmost child). Returns
 * NULL or the problem of a cell that could not be parsed. */
const char *bt_page_search(const bt_geom *g, const uint8_t *d, const bt_key *key, unsigned *idx,
                           int *exact);
/* Child pointer at position i (i == n: the rightmost child). */
const char *bt_child_at(const bt_geom *g, const uint8_t *d, unsigned i, uint64_t *child);

/* ---- cell building (btree_page.c) ---------------------------------------------------------- */

/* Size of a leaf cell for this key/value length, and whether the value is stored locally. */
uint32_t bt_leaf_cell_size(const bt_geom *g, size_t klen, size_t vlen, int *local);
/* Writes a leaf cell into out: the value itself when local (ovf == 0), else the pointer. */
uint32_t bt_leaf_cell_build(const bt_geom *g, uint8_t *out, const bt_key *key, const void *val,
                            size_t vlen, uint64_t ovf);
uint32_t bt_int_cell_build(const bt_geom *g, uint8_t *out, uint64_t child, int64_t rowid,
                           const uint8_t *key, size_t klen);

/* Page images built in memory (split, merge, redistribute, defragment), then installed with
 * bt_page_put_image. Cells are appended in key order; the caller guarantees they fit. */
void bt_img_init(const bt_geom *g, uint8_t *img, uint8_t type, uint8_t flags, uint64_t right,
                 uint64_t left);
void bt_img_append(const bt_geom *g, uint8_t *img, const uint8_t *cell, uint32_t size);

/* ---- page primitives: the only writers of B+tree page bytes (btree_page.c) ----------------
 * All require the page latched PGR_EXCL and validated with `full`; all call pgr_touch() first
 * (the WAL hook: the mini-transaction records the before-image) and mark the page dirty. They
 * fail only when the touch fails, and then change nothing; the result must be checked. */
#define BT_MUST_CHECK __attribute__((warn_unused_result))

BT_MUST_CHECK int bt_page_init(bt_node *nd, const bt_geom *g, uint8_t type, uint8_t flags);
/* Inserts a cell at slot idx; requires bt_page_fits. `scratch` is a page-sized buffer used to
 * defragment when the free gap is too small but fragments make up the difference. */
BT_MUST_CHECK int bt_page_insert(bt_node *nd, const bt_geom *g, unsigned idx, const uint8_t *cell,
                   uint32_t size, uint8_t *scratch);
/* Removes cell idx (of `size` bytes, from bt_cell_parse); its bytes are zeroed. */
BT_MUST_CHECK int bt_page_delete(bt_node *nd, const bt_geom *g, unsigned idx, uint32_t size);
/* Overwrites cell idx with a cell of exactly the same size. */
BT_MUST_CHECK int bt_page_overwrite(bt_node *nd, const bt_geom *g, unsigned idx, const uint8_t *cell,
                      uint32_t size);
BT_MUST_CHECK int bt_page_set_child(bt_node *nd, unsigned idx, uint64_t child);
BT_MUST_CHECK int bt_page_set_u64(bt_node *nd, unsigned off, uint64_t v);
/* Replaces bytes [8, end) with the image (the page LSN stays). */
BT_MUST_CHECK int bt_page_put_image(bt_node *nd, const bt_geom *g, const uint8_t *img);

/* ---- nodes (btree.c) ---------------------------------------------------------------------- */

int bt_corrupt(const bt_tree *t, uint64_t pgno, const char *why);
int bt_node_get(bt_tree *t, uint64_t pgno, int mode, int full, bt_node *out);
/* The full check of a latched EXCL node, skipped when the cache vouches for this version. */
const char *bt_node_validate(bt_tree *t, bt_node *nd);
/* Wraps a page from pgr_alloc (EXCL, to be rebuilt whole by the caller). */
void bt_node_wrap(bt_tree *t, pgr_page *pg, bt_node *out);
void bt_node_release(bt_node *nd);

enum bt_target { BT_BY_KEY, BT_LEFTMOST, BT_RIGHTMOST };
/* Descends from the root to a leaf, recording the path; the leaf is returned latched in
 * `mode` (validated fully when EXCL), every other page is released. */
int bt_descend(bt_tree *t, int target, const bt_key *key, int mode, bt_path *path, bt_node *leaf);

/* Internal flag for bt_write: update an existing key only (ST_ENOTFOUND otherwise). */
#define BT_MUSTEXIST 2
/* Insert/update and delete bodies; the caller holds the exclusive tree latch. */
int bt_write(bt_tree *t, const bt_key *key, const void *val, size_t vlen, int flags);
int bt_remove(bt_tree *t, const bt_key *key);
int bt_check_key(const bt_tree *t, const bt_key *key);

/* ---- balancing (btree_balance.c) ---------------------------------------------------------- */

/* Inserts `cell` at slot idx of the page held in *nd at path level lvl, splitting pages up to
 * the root as needed. Consumes *nd. `cell` must be t->cellbuf[0] or t->cellbuf[1]. */
int bt_insert_up(bt_tree *t, bt_path *path, int lvl, bt_node *nd, unsigned idx,
                 const uint8_t *cell, uint32_t size);
/* Restores fill after a removal from the page held in *nd at level lvl: merge with a sibling
 * when both fit in one page, otherwise redistribute when below a quarter full; collapse the
 * root while it is an internal page without separators. Consumes *nd. */
int bt_rebalance(bt_tree *t, bt_path *path, int lvl, bt_node *nd);
int bt_gather_reserve(bt_tree *t, size_t n);

/* ---- overflow chains (btree_overflow.c) --------------------------------------------------- */

int bt_ovf_write(bt_tree *t, const uint8_t *val, size_t vlen, uint64_t *first);
/* Reads vlen bytes of the chain starting at `first` into out; `leaf` names the referring page
 * in error messages. Holds one page at a time. */
int bt_ovf_read(pgr *p, const bt_geom *g, uint64_t leaf, uint64_t first, size_t vlen,
                uint8_t *out);
int bt_ovf_free(pgr *p, const bt_geom *g, uint64_t leaf, uint64_t first, size_t vlen);
static inline uint64_t bt_ovf_pages(const bt_geom *g, uint64_t vlen)
{
    return (vlen + g->ovf_cap - 1) / g->ovf_cap;
}

#endif
