/*
 * btree.h — B+trees stored in the pager's file.
 *
 * Two kinds of tree share one file:
 *   BT_TABLE  keyed by a signed 64-bit integer (row id / INTEGER PRIMARY KEY), values are
 *             variable-length row payloads;
 *   BT_INDEX  keyed by byte strings compared with memcmp (shorter string first on a common
 *             prefix); the SQL layer encodes typed keys order-preservingly. Values are
 *             variable-length too (usually empty or a row id).
 *
 * Limits (ST_ETOOBIG with the numbers in the message when exceeded):
 *   value length  <= BT_MAX_VALUE (1 GiB); values that do not fit in a quarter of a page are
 *                 stored in a chain of overflow pages;
 *   index key     <= bt_max_key(page_size) bytes, so that every page holds at least four cells
 *                 (PostgreSQL likewise refuses index rows above a third of a page).
 *
 * A tree is named by its root page number, which never changes for the life of the tree (a
 * root split moves the old root's content to a new child), so the catalog can store it.
 *
 * Latch protocol (pager/README.md): each operation takes the tree's reader-writer latch
 * (pgr_tree_latch) — shared for reads, exclusive for changes — for its duration only, and page
 * latches inside it in root-to-leaf, left-to-right order. No latch is held between calls, so a
 * cursor never blocks a writer; it revalidates its position by page version and re-seeks by key.
 *
 * Threading: a bt_tree handle may be shared by threads; a bt_cursor is used by one thread.
 */
#ifndef ACIDB_BTREE_H
#define ACIDB_BTREE_H

#include <stddef.h>
#include <stdint.h>

#include "pager/pager.h"

#define BT_MAX_VALUE (1u << 30)

typedef enum bt_kind { BT_TABLE = 1, BT_INDEX = 2 } bt_kind;

/* A key of either kind: tables use `rowid`, indexes use `bytes`/`len`. */
typedef struct bt_key {
    int64_t rowid;
    const uint8_t *bytes;
    size_t len;
} bt_key;

static inline bt_key bt_int_key(int64_t rowid) { bt_key k = {rowid, NULL, 0}; return k; }
static inline bt_key bt_bytes_key(const void *b, size_t n)
{ bt_key k = {0, (const uint8_t *)b, n}; return k; }

typedef struct bt_tree bt_tree;
typedef struct bt_cursor bt_cursor;

size_t bt_max_key(uint32_t page_size);

/* Creates an empty tree; *root receives its (permanent) root page number. */
int bt_create(pgr *p, bt_kind kind, uint64_t *root);

/* Opens a handle on an existing tree; ST_ECORRUPT if `root` is not a root of that kind.
 * Free the handle with bt_close (the tree itself stays). */
int bt_open(pgr *p, uint64_t root, bt_kind kind, bt_tree **out);
void bt_close(bt_tree *t);
/* The tree's (permanent) root page number, and its kind. */
uint64_t bt_root(const bt_tree *t);
bt_kind bt_tree_kind(const bt_tree *t);

/* Frees every page of the tree, root included. The handle must not be used afterwards except
 * for bt_close. */
int bt_drop(bt_tree *t);

enum { BT_REPLACE = 0, BT_NOREPLACE = 1 };

/* Inserts key -> value. With BT_NOREPLACE an existing key is ST_EEXISTS (nothing changes);
 * with BT_REPLACE it is updated (in place when the new cell fits, else relocated). */
int bt_insert(bt_tree *t, const bt_key *key, const void *val, size_t vlen, int flags);

/* Looks a key up. On ST_OK, *val is a malloc'd copy (caller frees; may be NULL when vlen 0)
 * and *vlen its length. ST_ENOTFOUND if absent. `val` may be NULL to test presence only. */
int bt_get(bt_tree *t, const bt_key *key, void **val, size_t *vlen);

/* Deletes a key (and its overflow chain). ST_ENOTFOUND if absent. Pages that fall below a
 * quarter full are merged with a sibling when the two fit in one page; empty pages are freed;
 * the root collapses when it has a single child. */
int bt_delete(bt_tree *t, const bt_key *key);

/* Number of entries (walks the leaves). */
int bt_count(bt_tree *t, uint64_t *out);

/* Cursors. A new cursor is not positioned (bt_cursor_valid() == 0). Moving past either end
 * leaves it invalid (ST_OK). */
int bt_cursor_open(bt_tree *t, bt_cursor **out);
void bt_cursor_close(bt_cursor *c);
int bt_seek(bt_cursor *c, const bt_key *key, int *exact); /* first entry >= key */
int bt_first(bt_cursor *c);
int bt_last(bt_cursor *c);
int bt_next(bt_cursor *c);
int bt_prev(bt_cursor *c);
int bt_cursor_valid(const bt_cursor *c);

/* The current entry. Pointers stay valid until the cursor next moves or is closed. For table
 * trees key->rowid is set; for index trees key->bytes/len. ST_EINVAL on an invalid cursor.
 * bt_cursor_value reads a value stored in overflow pages only when asked, so it returns
 * ST_ENOTFOUND if another thread deleted that entry since the cursor landed on it (small
 * values are copied when the cursor lands and cannot vanish). */
int bt_cursor_key(bt_cursor *c, bt_key *key);
int bt_cursor_value(bt_cursor *c, const void **val, size_t *vlen);

/* Changes through the cursor. After bt_cursor_delete the cursor is on the entry that followed
 * the deleted one (or invalid at the end); after bt_cursor_update it stays on the same key. */
int bt_cursor_delete(bt_cursor *c);
int bt_cursor_update(bt_cursor *c, const void *val, size_t vlen);

/* Integrity check of the whole file. `roots`/`kinds` name every tree in it (the catalog's job
 * later). Every problem found is reported through `report` with page numbers, and counted in
 * *problems; checking goes on after a problem wherever it safely can. Checks: page checksums
 * (read from disk), page types, key order inside and across pages, separator bounds, child
 * pointers, equal leaf depth, sibling links, cell bounds and overlap, overflow chains (type,
 * length, cycles), the free list (types, count against the header), pages referenced twice,
 * and pages referenced never (leaks). Returns ST_OK when the walk completed (even with
 * problems), or an error that stopped it (ST_ENOMEM, ST_EIO). */
typedef void (*bt_report_fn)(void *ctx, uint64_t pgno, const char *msg);
int bt_check(pgr *p, const uint64_t *roots, const bt_kind *kinds, size_t nroots,
             bt_report_fn report, void *ctx, uint64_t *problems);
/* bt_check, and also: every page read (header, tree, overflow, free and leaked pages) has an
 * LSN below log_end(ctx), the end of the log (a page LSN names the record that last changed
 * the page, so a larger one means the log lost records the file depends on). log_end is asked
 * once at the start and again before a page is reported, so pages changed while the check runs
 * are not reported. NULL: no LSN check (bt_check). */
typedef uint64_t (*bt_log_end_fn)(void *ctx);
int bt_check_lsn(pgr *p, const uint64_t *roots, const bt_kind *kinds, size_t nroots,
                 bt_log_end_fn log_end, bt_report_fn report, void *ctx, uint64_t *problems);

#endif
