/*
 * btree_check.c — integrity check of a whole database file (btree.h, bt_check; the invariants
 * are listed in pager/README.md, "Invariants the integrity check verifies").
 *
 * Every page is read with pgr_read_verify, i.e. from the file (or from the pool when dirty),
 * so a bad checksum on disk is found even for a cached page. The walk marks each page it
 * reaches from a tree root, an overflow chain or the free list; a page reached twice is
 * reported (and not followed again, which also breaks cycles), a page never reached is a leak.
 * A page that is unreadable or structurally broken is reported and not descended into; its
 * subtree then shows up as leaked pages, each with its number, which is what a person
 * repairing the file needs to see.
 *
 * Bounds: a child's keys must lie in [separator before it, separator after it) of its parent,
 * recursively, which also gives key order across pages; leaf order is additionally checked
 * along the walk (last key of the previous leaf < first key of this one) together with the
 * sibling links.
 *
 * Latches: each tree's latch is held shared while that tree is walked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pager/btree_int.h"

typedef struct ck_bound {
    int has;
    int64_t rowid;
    const uint8_t *key;
    uint32_t klen;
} ck_bound;

typedef struct ck {
    pgr *p;
    uint64_t npages;
    uint8_t *seen;
    bt_report_fn report;
    void *ctx;
    uint64_t problems;
    uint8_t *obuf; /* page buffer for overflow and free-list pages */
    bt_log_end_fn log_end; /* NULL: page LSNs are not checked */
    uint64_t end;          /* the last answer of log_end */
    /* per tree */
    bt_geom g;
    uint64_t root;
    int leaf_depth;
    uint64_t prev_leaf, prev_leaf_right;
    int have_last;
    int64_t last_rowid;
    uint8_t *last_key;
    uint32_t last_klen;
} ck;

__attribute__((format(printf, 3, 4))) static void ck_report(ck *k, uint64_t pgno,
                                                            const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    k->problems++;
    if (k->report != NULL)
        k->report(k->ctx, pgno, msg);
}

/* A page's LSN names the last log record that changed it, so it lies below the end of the log
 * (wal/README.md, WAL rule: the record is appended before the page is stamped). The end is asked
 * again before a page is reported: a change made while the check runs is not a problem. */
static void ck_lsn(ck *k, uint64_t pgno, const uint8_t *buf)
{
    uint64_t lsn = pgr_page_lsn(buf);
    if (k->log_end == NULL || lsn < k->end)
        return;
    k->end = k->log_end(k->ctx);
    if (lsn >= k->end)
        ck_report(k, pgno, "page %llu: LSN %llu is beyond the end of the log (%llu): the log "
                  "lost records this page depends on", (unsigned long long)pgno,
                  (unsigned long long)lsn, (unsigned long long)k->end);
}

/* Reads and verifies a page; 1 = usable, 0 = reported (checksum), <0 never: errors other than
 * corruption stop the check and come back through *rc. */
static int ck_read(ck *k, uint64_t pgno, uint8_t *buf, int *rc)
{
    int r = pgr_read_verify(k->p, pgno, buf);
    if (r == ST_OK) {
        ck_lsn(k, pgno, buf);
        return 1;
    }
    if (r == ST_ECORRUPT) {
        ck_report(k, pgno, "page %llu: %s", (unsigned long long)pgno, st_msg());
        return 0;
    }
    *rc = r;
    return 0;
}

/* Marks a page reached; reports and returns 0 when out of range or already reached. */
static int ck_reach(ck *k, uint64_t pgno, uint64_t from, const char *what)
{
    if (pgno == 0 || pgno >= k->npages) {
        ck_report(k, from, "page %llu: %s pointer %llu outside the file (%llu pages)",
                  (unsigned long long)from, what, (unsigned long long)pgno,
                  (unsigned long long)k->npages);
        return 0;
    }
    if (k->seen[pgno]) {
        ck_report(k, pgno, "page %llu referenced twice (again as %s from page %llu)",
                  (unsigned long long)pgno, what, (unsigned long long)from);
        return 0;
    }
    k->seen[pgno] = 1;
    return 1;
}

static int ck_cmp(const ck *k, const bt_cell *c, const ck_bound *b)
{
    if (k->g.kind == BT_TABLE)
        return (c->rowid > b->rowid) - (c->rowid < b->rowid);
    return bt_cmp_bytes(c->key, c->klen, b->key, b->klen);
}

static int ck_chain(ck *k, uint64_t leaf, unsigned cell, uint64_t first, uint32_t vlen)
{
    const bt_geom *g = &k->g;
    uint64_t pages = bt_ovf_pages(g, vlen), pgno = first, from = leaf;
    int rc = ST_OK;
    for (uint64_t i = 0; i < pages; i++) {
        if (pgno == 0) {
            ck_report(k, from, "page %llu: overflow chain of leaf %llu cell %u ends after %llu "
                      "of %llu pages", (unsigned long long)from, (unsigned long long)leaf, cell,
                      (unsigned long long)i, (unsigned long long)pages);
            return ST_OK;
        }
        if (!ck_reach(k, pgno, from, "overflow"))
            return ST_OK;
        if (!ck_read(k, pgno, k->obuf, &rc))
            return rc;
        if (k->obuf[8] != PGR_T_OVERFLOW) {
            ck_report(k, pgno, "page %llu: in the overflow chain of leaf %llu but has type %u",
                      (unsigned long long)pgno, (unsigned long long)leaf, k->obuf[8]);
            return ST_OK;
        }
        uint64_t next = get_u64(k->obuf + BT_OVF_NEXT);
        if (i + 1 == pages) {
            uint64_t used = vlen - i * g->ovf_cap;
            if (next != 0)
                ck_report(k, pgno, "page %llu: overflow chain of leaf %llu cell %u is longer "
                          "than its %u-byte value", (unsigned long long)pgno,
                          (unsigned long long)leaf, cell, vlen);
            for (uint64_t b = BT_OVF_DATA + used; b < g->end; b++)
                if (k->obuf[b] != 0) {
                    ck_report(k, pgno, "page %llu: non-zero bytes after the end of the value",
                              (unsigned long long)pgno);
                    break;
                }
        }
        from = pgno;
        pgno = next;
    }
    return ST_OK;
}

typedef struct ck_span {
    uint32_t off, size;
    unsigned cell;
} ck_span;

static int span_cmp(const void *a, const void *b)
{
    const ck_span *x = a, *y = b;
    return (x->off > y->off) - (x->off < y->off);
}

/* Cell bounds, overlap and free-space accounting of one page. */
static int ck_cells(ck *k, uint64_t pgno, const uint8_t *d, bt_cell *cells, uint8_t *ok)
{
    const bt_geom *g = &k->g;
    unsigned n = bt_ncells(d);
    ck_span *sp = malloc((n + 1) * sizeof *sp);
    if (sp == NULL)
        return st_set(ST_ENOMEM, "out of memory (integrity check)");
    unsigned ns = 0;
    uint64_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *why = bt_cell_parse(g, d, i, &cells[i]);
        ok[i] = why == NULL;
        if (why != NULL) {
            ck_report(k, pgno, "page %llu: cell %u: %s", (unsigned long long)pgno, i, why);
            continue;
        }
        sp[ns].off = cells[i].off;
        sp[ns].size = cells[i].size;
        sp[ns].cell = i;
        ns++;
        sum += cells[i].size;
    }
    qsort(sp, ns, sizeof *sp, span_cmp);
    for (unsigned i = 1; i < ns; i++)
        if (sp[i - 1].off + sp[i - 1].size > sp[i].off)
            ck_report(k, pgno, "page %llu: cells %u and %u overlap", (unsigned long long)pgno,
                      sp[i - 1].cell, sp[i].cell);
    free(sp);
    if (ns == n && sum + bt_frag(d) != g->end - bt_cstart(d))
        ck_report(k, pgno, "page %llu: cells (%llu bytes) and fragments (%u) do not fill the "
                  "content area (%u bytes)", (unsigned long long)pgno,
                  (unsigned long long)sum, bt_frag(d), g->end - bt_cstart(d));
    return ST_OK;
}

/* Key order inside the page and against the parent's bounds [lo, hi). */
static void ck_keys(ck *k, uint64_t pgno, const uint8_t *d, const bt_cell *cells,
                    const uint8_t *ok, const ck_bound *lo, const ck_bound *hi)
{
    unsigned n = bt_ncells(d);
    long prev = -1;
    for (unsigned i = 0; i < n; i++) {
        if (!ok[i])
            continue;
        const bt_cell *c = &cells[i];
        if (prev >= 0) {
            const bt_cell *pc = &cells[prev];
            ck_bound pb = {1, pc->rowid, pc->key, pc->klen};
            if (ck_cmp(k, c, &pb) <= 0)
                ck_report(k, pgno, "page %llu: key of cell %u is not greater than cell %ld's",
                          (unsigned long long)pgno, i, prev);
        }
        if (lo->has && ck_cmp(k, c, lo) < 0)
            ck_report(k, pgno, "page %llu: key of cell %u is below its parent's separator",
                      (unsigned long long)pgno, i);
        if (hi->has && ck_cmp(k, c, hi) >= 0)
            ck_report(k, pgno, "page %llu: key of cell %u is not below its parent's next "
                      "separator", (unsigned long long)pgno, i);
        prev = i;
    }
}

/* Leaf-only checks: depth, sibling links, order across leaves, overflow chains. */
static int ck_leaf(ck *k, uint64_t pgno, const uint8_t *d, const bt_cell *cells,
                   const uint8_t *ok, int depth)
{
    unsigned n = bt_ncells(d);
    if (k->leaf_depth < 0)
        k->leaf_depth = depth;
    else if (k->leaf_depth != depth)
        ck_report(k, pgno, "page %llu: leaf at depth %d, other leaves of tree %llu at depth %d",
                  (unsigned long long)pgno, depth, (unsigned long long)k->root, k->leaf_depth);
    if (bt_left(d) != k->prev_leaf)
        ck_report(k, pgno, "page %llu: left sibling is %llu, expected %llu",
                  (unsigned long long)pgno, (unsigned long long)bt_left(d),
                  (unsigned long long)k->prev_leaf);
    if (k->prev_leaf != 0 && k->prev_leaf_right != pgno)
        ck_report(k, k->prev_leaf, "page %llu: right sibling is %llu, expected %llu",
                  (unsigned long long)k->prev_leaf, (unsigned long long)k->prev_leaf_right,
                  (unsigned long long)pgno);
    k->prev_leaf = pgno;
    k->prev_leaf_right = bt_right(d);
    int rc = ST_OK;
    for (unsigned i = 0; i < n && rc == ST_OK; i++) {
        if (!ok[i])
            continue;
        const bt_cell *c = &cells[i];
        if (k->have_last) {
            ck_bound lb = {1, k->last_rowid, k->last_key, k->last_klen};
            if (ck_cmp(k, c, &lb) <= 0)
                ck_report(k, pgno, "page %llu: key of cell %u is not greater than the last "
                          "key of the previous leaf", (unsigned long long)pgno, i);
        }
        k->have_last = 1;
        k->last_rowid = c->rowid;
        k->last_klen = c->klen;
        if (c->klen)
            memcpy(k->last_key, c->key, c->klen);
        if (c->ovf != 0)
            rc = ck_chain(k, pgno, i, c->ovf, c->vlen);
    }
    return rc;
}

static int ck_node(ck *k, uint64_t pgno, uint64_t from, int depth, const ck_bound *lo,
                   const ck_bound *hi)
{
    const bt_geom *g = &k->g;
    if (!ck_reach(k, pgno, from, depth == 0 ? "tree root" : "child"))
        return ST_OK;
    if (depth > BT_MAX_DEPTH) {
        ck_report(k, pgno, "page %llu: tree %llu deeper than %d levels",
                  (unsigned long long)pgno, (unsigned long long)k->root, BT_MAX_DEPTH);
        return ST_OK;
    }
    int rc = ST_OK;
    uint8_t *d = malloc(g->ps), *ok = NULL;
    bt_cell *cells = NULL;
    if (d == NULL) {
        rc = st_set(ST_ENOMEM, "out of memory (integrity check)");
        goto out;
    }
    if (!ck_read(k, pgno, d, &rc))
        goto out;
    const char *why = bt_page_problem(g, d, 0);
    if (why != NULL) {
        ck_report(k, pgno, "page %llu (tree %llu): %s", (unsigned long long)pgno,
                  (unsigned long long)k->root, why);
        goto out;
    }
    cells = malloc((bt_ncells(d) + 1u) * sizeof *cells);
    ok = malloc(bt_ncells(d) + 1u);
    if (cells == NULL || ok == NULL) {
        rc = st_set(ST_ENOMEM, "out of memory (integrity check)");
        goto out;
    }
    if ((depth == 0) != bt_is_root(d))
        ck_report(k, pgno, "page %llu: %s", (unsigned long long)pgno,
                  depth == 0 ? "tree root without the root flag" : "root flag on a non-root page");
    rc = ck_cells(k, pgno, d, cells, ok);
    if (rc != ST_OK)
        goto out;
    ck_keys(k, pgno, d, cells, ok, lo, hi);
    unsigned n = bt_ncells(d);
    if (bt_is_leaf(g, d)) {
        rc = ck_leaf(k, pgno, d, cells, ok, depth);
        goto out;
    }
    if (bt_left(d) != 0)
        ck_report(k, pgno, "page %llu: internal page with a non-zero sibling field",
                  (unsigned long long)pgno);
    for (unsigned i = 0; i <= n && rc == ST_OK; i++) {
        if (i < n && !ok[i])
            continue; /* its child shows up as leaked */
        ck_bound clo = *lo, chi = *hi;
        if (i > 0 && ok[i - 1])
            clo = (ck_bound){1, cells[i - 1].rowid, cells[i - 1].key, cells[i - 1].klen};
        if (i < n)
            chi = (ck_bound){1, cells[i].rowid, cells[i].key, cells[i].klen};
        uint64_t child = i < n ? cells[i].child : bt_right(d);
        rc = ck_node(k, child, pgno, depth + 1, &clo, &chi);
    }
out:
    free(ok);
    free(cells);
    free(d);
    return rc;
}

static int ck_tree(ck *k, uint64_t root, bt_kind kind)
{
    if (kind != BT_TABLE && kind != BT_INDEX) {
        ck_report(k, root, "tree %llu: unknown kind %d", (unsigned long long)root, (int)kind);
        return ST_OK;
    }
    bt_geom_init(&k->g, kind, pgr_page_size(k->p));
    k->root = root;
    k->leaf_depth = -1;
    k->prev_leaf = 0;
    k->prev_leaf_right = 0;
    k->have_last = 0;
    if (root == 0 || root >= k->npages) {
        ck_report(k, 0, "tree root %llu outside the file (%llu pages)",
                  (unsigned long long)root, (unsigned long long)k->npages);
        return ST_OK;
    }
    pthread_rwlock_t *latch = pgr_tree_latch(k->p, root);
    if (latch == NULL)
        return st_set(ST_ENOMEM, "out of memory (tree latch)");
    pthread_rwlock_rdlock(latch);
    ck_bound none = {0, 0, NULL, 0};
    int rc = ck_node(k, root, 0, 0, &none, &none);
    if (rc == ST_OK && k->prev_leaf != 0 && k->prev_leaf_right != 0)
        ck_report(k, k->prev_leaf, "page %llu: last leaf of tree %llu has right sibling %llu",
                  (unsigned long long)k->prev_leaf, (unsigned long long)root,
                  (unsigned long long)k->prev_leaf_right);
    pthread_rwlock_unlock(latch);
    return rc;
}

static int ck_free_list(ck *k)
{
    uint64_t pgno = pgr_free_head(k->p), from = 0, count = 0, want = pgr_free_count(k->p);
    int rc = ST_OK;
    while (pgno != 0) {
        if (!ck_reach(k, pgno, from, "free-list"))
            break;
        count++;
        if (!ck_read(k, pgno, k->obuf, &rc))
            break;
        if (k->obuf[8] != PGR_T_FREE) {
            ck_report(k, pgno, "page %llu: on the free list but has type %u",
                      (unsigned long long)pgno, k->obuf[8]);
            break;
        }
        from = pgno;
        pgno = get_u64(k->obuf + 16);
    }
    if (rc == ST_OK && count != want)
        ck_report(k, 0, "free list holds %llu pages, the header says %llu",
                  (unsigned long long)count, (unsigned long long)want);
    return rc;
}

int bt_check(pgr *p, const uint64_t *roots, const bt_kind *kinds, size_t nroots,
             bt_report_fn report, void *ctx, uint64_t *problems)
{
    return bt_check_lsn(p, roots, kinds, nroots, NULL, report, ctx, problems);
}

int bt_check_lsn(pgr *p, const uint64_t *roots, const bt_kind *kinds, size_t nroots,
                 bt_log_end_fn log_end, bt_report_fn report, void *ctx, uint64_t *problems)
{
    if (p == NULL || (nroots > 0 && (roots == NULL || kinds == NULL)))
        return st_set(ST_EINVAL, "bt_check: bad argument");
    ck k;
    memset(&k, 0, sizeof k);
    k.p = p;
    k.npages = pgr_page_count(p);
    k.report = report;
    k.ctx = ctx;
    k.log_end = log_end;
    k.end = log_end != NULL ? log_end(ctx) : 0;
    uint32_t ps = pgr_page_size(p);
    /* A corrupt header may claim any page count: bound it before allocating by it. */
    pgr_stats pst;
    pgr_get_stats(p, &pst);
    uint64_t bound = pgr_file_pages(p) + pst.frames + 1;
    if (k.npages > bound) {
        ck_report(&k, 0, "page 0: the header counts %llu pages, but the file and the cache hold "
                  "at most %llu", (unsigned long long)k.npages, (unsigned long long)bound);
        k.npages = bound;
    }
    k.seen = calloc(k.npages ? k.npages : 1, 1);
    k.obuf = malloc(ps);
    k.last_key = malloc(bt_max_key(ps) + 1);
    int rc = ST_OK;
    if (k.seen == NULL || k.obuf == NULL || k.last_key == NULL) {
        rc = st_set(ST_ENOMEM, "out of memory (integrity check of %llu pages)",
                    (unsigned long long)k.npages);
        goto out;
    }
    k.seen[0] = 1;
    if (ck_read(&k, 0, k.obuf, &rc) && k.obuf[8] != PGR_T_HEADER)
        ck_report(&k, 0, "page 0: type %u, not the file header", k.obuf[8]);
    for (size_t i = 0; i < nroots && rc == ST_OK; i++)
        rc = ck_tree(&k, roots[i], kinds[i]);
    if (rc == ST_OK)
        rc = ck_free_list(&k);
    /* Leaks; their checksums are verified too, so every page of the file is read once. */
    for (uint64_t pg = 1; pg < k.npages && rc == ST_OK; pg++)
        if (!k.seen[pg]) {
            ck_report(&k, pg, "page %llu is not reachable from any tree, overflow chain or "
                      "the free list (leaked)", (unsigned long long)pg);
            (void)ck_read(&k, pg, k.obuf, &rc);
        }
out:
    if (problems != NULL)
        *problems = k.problems;
    free(k.seen);
    free(k.obuf);
    free(k.last_key);
    return rc;
}
