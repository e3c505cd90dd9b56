/*
 * btree_overflow.c — overflow chains (pager/README.md, "Overflow page").
 *
 * A value whose leaf cell would exceed bt_max_cell(ps) lives entirely in a chain of type-7
 * pages: next page at offset 16, value bytes from 24 to ps-8, the last page holding the
 * remainder and zeros after it. The chain length is implied by vlen (ceil(vlen / (ps-32))), so
 * readers and the freer know exactly how many pages to expect and a cycle or a chain of the
 * wrong length is reported as corruption instead of being followed forever.
 *
 * At most two pages are pinned at once (the previous page while linking its successor).
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "pager/btree_int.h"

static int ovf_corrupt(pgr *p, uint64_t leaf, uint64_t pgno, const char *why)
{
    return st_set(ST_ECORRUPT, "%s: overflow page %llu (value of leaf page %llu): %s",
                  pgr_path(p), (unsigned long long)pgno, (unsigned long long)leaf, why);
}

/* Overflow page primitives: like the bt_page_* ones, the WAL hook (pgr_touch) comes first
 * and a failed touch changes nothing. */
static int bt_ovf_fill(pgr_page *pg, const bt_geom *g, const uint8_t *data, size_t len)
{
    /* The value bytes end before the trailer; the page is a fresh allocation of ours. */
    assert(len > 0 && len <= g->ovf_cap && BT_OVF_DATA + len <= g->end);
    assert(pgr_page_type(pgr_data(pg)) == PGR_T_OVERFLOW);
    int rc = pgr_touch(pg);
    if (rc != ST_OK)
        return rc;
    uint8_t *d = pgr_data(pg);
    memset(d + 8, 0, g->end - 8);
    d[8] = PGR_T_OVERFLOW;
    memcpy(d + BT_OVF_DATA, data, len);
    pgr_mark_dirty(pg);
    return ST_OK;
}

static int bt_ovf_set_next(pgr_page *pg, uint64_t next)
{
    /* Links a page this call filled to the next page it allocated: never to page 0 (the end
     * of a chain is written as 0 only by the fill) nor to itself (a cycle). */
    assert(next != 0 && next != pgr_pgno(pg) && pgr_page_type(pgr_data(pg)) == PGR_T_OVERFLOW);
    int rc = pgr_touch(pg);
    if (rc != ST_OK)
        return rc;
    put_u64(pgr_data(pg) + BT_OVF_NEXT, next);
    pgr_mark_dirty(pg);
    return ST_OK;
}

int bt_ovf_write(bt_tree *t, const uint8_t *val, size_t vlen, uint64_t *first)
{
    const bt_geom *g = &t->g;
    pgr_page *prev = NULL;
    uint64_t head = 0, written = 0;
    int rc = ST_OK;
    for (size_t off = 0; off < vlen; off += g->ovf_cap) {
        size_t len = vlen - off < g->ovf_cap ? vlen - off : g->ovf_cap;
        pgr_page *pg;
        rc = pgr_alloc(t->p, PGR_T_OVERFLOW, &pg);
        if (rc != ST_OK)
            break;
        if (prev != NULL) {
            rc = bt_ovf_set_next(prev, pgr_pgno(pg));
            pgr_release(prev);
            prev = NULL;
            if (rc != ST_OK) { /* not linked: give it back directly */
                (void)pgr_free(t->p, pg);
                break;
            }
        } else {
            head = pgr_pgno(pg);
        }
        prev = pg;
        written++; /* linked (or the head): the cleanup below frees it */
        rc = bt_ovf_fill(pg, g, val + off, len);
        if (rc != ST_OK)
            break;
    }
    if (prev != NULL)
        pgr_release(prev);
    /* The chain has exactly the pages the value needs (pager/README.md, "Overflow page"). */
    assert(rc != ST_OK || written == bt_ovf_pages(g, vlen));
    if (rc != ST_OK) {
        /* Give back what was written; keep the first error's message. */
        if (head != 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", st_msg());
            (void)bt_ovf_free(t->p, g, 0, head, (size_t)(written - 1) * g->ovf_cap + 1);
            st_set(rc, "%s", msg);
        }
        return rc;
    }
    *first = head;
    return ST_OK;
}

int bt_ovf_read(pgr *p, const bt_geom *g, uint64_t leaf, uint64_t first, size_t vlen,
                uint8_t *out)
{
    uint64_t pgno = first;
    size_t off = 0;
    while (off < vlen) {
        if (pgno == 0)
            return ovf_corrupt(p, leaf, first, "chain ends before the value does");
        pgr_page *pg;
        int rc = pgr_get(p, pgno, PGR_SHARED, &pg);
        if (rc != ST_OK)
            return rc;
        const uint8_t *d = pgr_data(pg);
        if (d[8] != PGR_T_OVERFLOW) {
            pgr_release(pg);
            return ovf_corrupt(p, leaf, pgno, "page in the chain is not an overflow page");
        }
        size_t len = vlen - off < g->ovf_cap ? vlen - off : g->ovf_cap;
        memcpy(out + off, d + BT_OVF_DATA, len);
        off += len;
        uint64_t next = get_u64(d + BT_OVF_NEXT);
        pgr_release(pg);
        if (off == vlen && next != 0)
            return ovf_corrupt(p, leaf, pgno, "chain is longer than the value");
        pgno = next;
    }
    return ST_OK;
}

int bt_ovf_free(pgr *p, const bt_geom *g, uint64_t leaf, uint64_t first, size_t vlen)
{
    uint64_t pages = bt_ovf_pages(g, vlen), pgno = first;
    for (uint64_t i = 0; i < pages; i++) {
        if (pgno == 0)
            return ovf_corrupt(p, leaf, first, "chain ends before the value does");
        if (pgno == leaf) /* the caller may hold the leaf: latching it again would deadlock */
            return ovf_corrupt(p, leaf, pgno, "chain runs into its own leaf page");
        pgr_page *pg;
        int rc = pgr_get(p, pgno, PGR_EXCL, &pg);
        if (rc != ST_OK)
            return rc;
        const uint8_t *d = pgr_data(pg);
        if (d[8] != PGR_T_OVERFLOW) {
            pgr_release(pg);
            return ovf_corrupt(p, leaf, pgno, "page in the chain is not an overflow page");
        }
        uint64_t next = get_u64(d + BT_OVF_NEXT);
        rc = pgr_free(p, pg);
        if (rc != ST_OK)
            return rc;
        pgno = next;
    }
    return ST_OK;
}
