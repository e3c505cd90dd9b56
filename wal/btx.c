/*
 * btx.c — logged B+tree operations and their logical undo (see btx.h).
 *
 * Undo payload (little-endian):
 *   u8 op (1: the key was absent — delete it; 2: the key had a value — put it back)
 *   u8 kind (BT_TABLE / BT_INDEX)
 *   table: i64 rowid          index: u16 klen | key bytes
 *   op 2 only: u32 vlen | value bytes
 * The record's `root` field names the tree.
 */
#include "wal/btx.h"

#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "pager/status.h"

enum { UNDO_DELETE = 1, UNDO_RESTORE = 2 };

static int encode_undo(int op, bt_kind kind, const bt_key *key, const void *old, size_t oldlen,
                       uint8_t **out, uint32_t *len)
{
    size_t n = 2 + (kind == BT_TABLE ? 8 : 2 + key->len) + (op == UNDO_RESTORE ? 4 + oldlen : 0);
    if (n > WAL_MAX_REC)
        return st_set(ST_ETOOBIG, "the previous value (%zu bytes) is too big to log for undo "
                      "(limit %u bytes per operation)", oldlen, WAL_MAX_REC);
    uint8_t *b = malloc(n), *p = b;
    if (b == NULL)
        return st_set(ST_ENOMEM, "out of memory logging a change");
    *p++ = (uint8_t)op;
    *p++ = (uint8_t)kind;
    if (kind == BT_TABLE) {
        put_u64(p, (uint64_t)key->rowid);
        p += 8;
    } else {
        put_u16(p, (uint16_t)key->len);
        memcpy(p + 2, key->bytes, key->len);
        p += 2 + key->len;
    }
    if (op == UNDO_RESTORE) {
        put_u32(p, (uint32_t)oldlen);
        if (oldlen)
            memcpy(p + 4, old, oldlen);
    }
    *out = b;
    *len = (uint32_t)n;
    return ST_OK;
}


int btx_lock(txn *t, bt_tree *tree, const bt_key *key, lk_mode_t mode)
{
    lk_txn *lt = txn_locks(t);
    if (lt == NULL)
        return ST_OK;
    uint32_t table = (uint32_t)bt_root(tree);
    /* Keys longer than the lock manager takes are locked by their 128-bit digest: a collision
     * could only make two transactions wait for each other needlessly, never miss a conflict. */
    XXH128_hash_t digest;
    const void *kb = key->bytes;
    size_t kl = key->len;
    if (bt_tree_kind(tree) == BT_INDEX && kl > LK_MAX_KEY) {
        digest = XXH3_128bits(key->bytes, key->len);
        kb = &digest;
        kl = sizeof digest;
    }
    lk_res_t res = bt_tree_kind(tree) == BT_TABLE ? lk_res_row(table, (uint64_t)key->rowid)
                                                  : lk_res_key(table, 1, kb, kl);
    int lrc = lk_acquire(lt, &res, mode, LK_WAIT);
    switch (lrc) {
    case LK_OK:
        return ST_OK;
    case LK_DEADLOCK:
        return st_set(ST_EDEADLOCK, "%s", lk_txn_errmsg(lt));
    case LK_TIMEOUT:
        return st_set(ST_ETIMEOUT, "%s", lk_txn_errmsg(lt));
    case LK_NOMEM:
        return st_set(ST_ENOMEM, "%s", lk_txn_errmsg(lt));
    default:
        return st_set(ST_ELOCKED, "%s", lk_txn_errmsg(lt));
    }
}

int btx_get(txn *t, bt_tree *tree, const bt_key *key, void **val, size_t *vlen)
{
    int rc = btx_lock(t, tree, key, LK_S);
    return rc == ST_OK ? bt_get(tree, key, val, vlen) : rc;
}

/* Runs `op` (an insert or a delete) in an mtr of t with the undo that restores `key`. The old
 * value is read here unless the caller passed it (known_old: btx_update). */
static int logged_change(txn *t, bt_tree *tree, uint64_t root, const bt_key *key, int is_delete,
                         const void *val, size_t vlen, int flags, const void *known_old,
                         size_t known_len, int have_old)
{
    txm *tm = txn_manager(t);
    void *old = NULL;
    size_t oldlen = 0;
    int rc = btx_lock(t, tree, key, LK_X);
    if (rc != ST_OK)
        return rc;
    int existed;
    if (have_old) {
        existed = 1;
    } else {
        /* The old value, read before the mtr holds any page (btx.h: one tree call per mtr
         * after reads). The X lock on the key keeps it from changing in between. */
        rc = bt_get(tree, key, &old, &oldlen);
        existed = rc == ST_OK;
        if (rc != ST_OK && rc != ST_ENOTFOUND)
            return rc;
        known_old = old;
        known_len = oldlen;
    }
    if (is_delete && !existed)
        return st_set(ST_ENOTFOUND, "key not found");
    if (!is_delete && existed && flags == BT_NOREPLACE) {
        free(old);
        return st_set(ST_EEXISTS, "key already exists");
    }
    uint8_t *undo = NULL;
    uint32_t undo_len = 0;
    rc = encode_undo(existed ? UNDO_RESTORE : UNDO_DELETE, bt_tree_kind(tree), key, known_old,
                     known_len, &undo, &undo_len);
    free(old);
    mtr *m = NULL;
    if (rc == ST_OK)
        rc = mtr_begin(tm, t, &m);
    if (rc == ST_OK) {
        rc = is_delete ? bt_delete(tree, key) : bt_insert(tree, key, val, vlen, flags);
        if (rc == ST_OK)
            rc = mtr_commit(m, root, undo, undo_len);
        else
            mtr_abandon(m); /* pages back to their before-images */
    }
    free(undo);
    return rc;
}

int btx_insert(txn *t, bt_tree *tree, const bt_key *key, const void *val, size_t vlen,
               int flags)
{
    return logged_change(t, tree, bt_root(tree), key, 0, val, vlen, flags, NULL, 0, 0);
}

int btx_update(txn *t, bt_tree *tree, const bt_key *key, const void *old, size_t oldlen,
               const void *val, size_t vlen)
{
    return logged_change(t, tree, bt_root(tree), key, 0, val, vlen, BT_REPLACE, old, oldlen, 1);
}

int btx_delete(txn *t, bt_tree *tree, const bt_key *key)
{
    return logged_change(t, tree, bt_root(tree), key, 1, NULL, 0, 0, NULL, 0, 0);
}

int btx_create(txm *tm, txn *t, bt_kind kind, uint64_t *root)
{
    mtr *m;
    int rc = mtr_begin(tm, t, &m);
    if (rc != ST_OK)
        return rc;
    rc = bt_create(txm_pager(tm), kind, root);
    if (rc != ST_OK) {
        mtr_abandon(m);
        return rc;
    }
    return mtr_commit(m, *root, NULL, 0);
}

int btx_undo(void *ctx, txn *t, const wal_rec *rec)
{
    (void)ctx;
    const uint8_t *p = rec->undo, *end = p + rec->undo_len;
    if (rec->undo_len < 2 || (p[0] != UNDO_DELETE && p[0] != UNDO_RESTORE) ||
        (p[1] != BT_TABLE && p[1] != BT_INDEX))
        return st_set(ST_ECORRUPT, "log record at LSN %llu: unknown undo", (unsigned long long)rec->lsn);
    int op = p[0];
    bt_kind kind = (bt_kind)p[1];
    p += 2;
    bt_key key;
    if (kind == BT_TABLE) {
        if (end - p < 8)
            goto bad;
        key = bt_int_key((int64_t)get_u64(p));
        p += 8;
    } else {
        if (end - p < 2 || end - p - 2 < get_u16(p))
            goto bad;
        key = bt_bytes_key(p + 2, get_u16(p));
        p += 2 + key.len;
    }
    const uint8_t *val = NULL;
    uint32_t vlen = 0;
    if (op == UNDO_RESTORE) {
        if (end - p < 4 || (size_t)(end - p - 4) < get_u32(p))
            goto bad;
        vlen = get_u32(p);
        val = p + 4;
    }
    txm *tm = txn_manager(t);
    bt_tree *tree;
    int rc = bt_open(txm_pager(tm), rec->root, kind, &tree);
    if (rc != ST_OK)
        return rc;
    mtr *m;
    rc = mtr_begin(tm, t, &m);
    if (rc == ST_OK) {
        rc = op == UNDO_DELETE ? bt_delete(tree, &key) : bt_insert(tree, &key, val, vlen, BT_REPLACE);
        if (rc == ST_ENOTFOUND && op == UNDO_DELETE)
            rc = ST_OK; /* already gone: nothing to compensate beyond the CLR itself */
        if (rc == ST_OK)
            rc = mtr_commit_clr(m, rec->prev_lsn);
        else
            mtr_abandon(m);
    }
    bt_close(tree);
    return rc;
bad:
    return st_set(ST_ECORRUPT, "log record at LSN %llu: malformed undo of %u bytes",
                  (unsigned long long)rec->lsn, rec->undo_len);
}
