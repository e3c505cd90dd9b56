/*
 * check.c — the integrity check finds what is wrong and names the page: structures broken on
 * purpose through the pager (with valid checksums: key order, separator bounds, child
 * pointers, leaks, double references, overflow chains, free list, page types, sibling links,
 * cell bounds), and bytes flipped in the file (checksums). Reads of a flipped page fail with
 * ST_ECORRUPT naming the page, and nothing is written to the damaged file. Scans over broken
 * structures must not crash (ASan watches).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/btree/util.h"

enum { PS = 512 };

struct db {
    uint64_t roots[2];
    bt_kind kinds[2];
    uint8_t *bytes; /* the healthy file */
    size_t len;
};

static size_t tval_len(int64_t k) { return k % 9 == 0 ? 700 + (size_t)k % 300 : 10 + (size_t)k % 40; }

/* A small healthy database: a table tree (with overflow values), an index tree, free pages. */
static void build(struct db *d, int rows)
{
    memset(d, 0, sizeof *d);
    d->kinds[0] = BT_TABLE;
    d->kinds[1] = BT_INDEX;
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "healthy"), PS, 1u << 20, 1, &p));
    bt_tree *t[2];
    t_create_trees(p, d->kinds, 2, d->roots, t);
    uint8_t buf[1100];
    for (int64_t k = 0; k < rows; k++) {
        size_t len = tval_len(k);
        t_value(buf, len, (uint64_t)k);
        OK(bt_insert(t[0], &(bt_key){k * 10, NULL, 0}, buf, len, BT_NOREPLACE));
        if (k % 2 == 0) {
            char kb[24];
            int n = snprintf(kb, sizeof kb, "idx-%06lld", (long long)k);
            OK(bt_insert(t[1], &(bt_key){0, (const uint8_t *)kb, (size_t)n}, buf, k % 20 ? 8 : 600,
                         BT_NOREPLACE));
        }
    }
    /* Free pages: delete a run of rows (their leaves merge away) and an overflow value. */
    for (int64_t k = rows / 2; k < rows / 2 + rows / 5; k++)
        OK(bt_delete(t[0], &(bt_key){k * 10, NULL, 0}));
    cr_assert(pgr_free_count(p) > 0, "the test database has no free pages");
    for (int i = 0; i < 2; i++)
        bt_close(t[i]);
    OK(pgr_close(p));
    d->bytes = fx_slurp(fx_path(fx_dir, "healthy"), &d->len);
}

/* Leaves of a table tree in key order, with their parents. */
struct leaves {
    uint64_t leaf[512], parent[512];
    int slot_in_parent[512]; /* -1: rightmost child */
    size_t n;
};

static void collect(pgr *p, uint64_t pgno, uint64_t parent, int slot, struct leaves *L)
{
    pgr_page *pg;
    OK(pgr_get(p, pgno, PGR_SHARED, &pg));
    const uint8_t *d = pgr_data(pg);
    int type = pgr_page_type(d);
    if (type == PGR_T_TABLE_LEAF) {
        cr_assert(L->n < 512);
        L->leaf[L->n] = pgno;
        L->parent[L->n] = parent;
        L->slot_in_parent[L->n++] = slot;
        pgr_release(pg);
        return;
    }
    cr_assert_eq(type, PGR_T_TABLE_INTERNAL, "page %llu has type %d", (unsigned long long)pgno,
                 type);
    uint16_t n = get_u16(d + 10);
    uint64_t kids[300];
    cr_assert(n < 299);
    for (uint16_t i = 0; i < n; i++)
        kids[i] = get_u64(d + get_u16(d + 32 + 2 * i));
    kids[n] = get_u64(d + 16);
    pgr_release(pg);
    for (uint16_t i = 0; i <= n; i++)
        collect(p, kids[i], pgno, i == n ? -1 : i, L);
}

/* Opens a fresh copy of the healthy file as "broken". */
static pgr *open_copy(const struct db *d)
{
    fx_spit(fx_path(fx_dir, "broken"), d->bytes, d->len);
    pgr *p;
    OK(fx_pgr_open(fx_path(fx_dir, "broken"), 0, 1u << 20, 0, &p));
    return p;
}

/* Write access to a page of the copy. */
static uint8_t *edit(pgr *p, uint64_t pgno, pgr_page **pg)
{
    OK(pgr_get(p, pgno, PGR_EXCL, pg));
    pgr_mark_dirty(*pg);
    return pgr_data(*pg);
}

/* Walks both trees (bounded) ignoring the results: broken structures must not crash. */
static void poke_around(pgr *p, const struct db *d)
{
    for (int i = 0; i < 2; i++) {
        bt_tree *t;
        if (bt_open(p, d->roots[i], d->kinds[i], &t) != ST_OK)
            continue;
        bt_cursor *c;
        if (bt_cursor_open(t, &c) == ST_OK) {
            int steps = 0;
            if (bt_first(c) == ST_OK)
                while (bt_cursor_valid(c) && steps++ < 5000) {
                    const void *v;
                    size_t vl;
                    bt_key k;
                    (void)bt_cursor_key(c, &k);
                    (void)bt_cursor_value(c, &v, &vl);
                    if (bt_next(c) != ST_OK)
                        break;
                }
            steps = 0;
            if (bt_last(c) == ST_OK)
                while (bt_cursor_valid(c) && steps++ < 5000)
                    if (bt_prev(c) != ST_OK)
                        break;
            bt_cursor_close(c);
        }
        uint64_t n;
        (void)bt_count(t, &n);
        void *v = NULL;
        size_t vl;
        bt_key k = bt_int_key(1230);
        if (bt_get(t, &k, &v, &vl) == ST_OK)
            free(v);
        bt_close(t);
    }
}

/* Closes (writing the edits), reopens, runs the check; expects a report on one of `pages`. */
static void expect_reported(pgr *p, const struct db *d, const uint64_t *pages, size_t np,
                            const char *what)
{
    OK(pgr_close(p));
    OK(fx_pgr_open(fx_path(fx_dir, "broken"), 0, 1u << 20, 0, &p));
    struct t_reports r;
    t_check(p, d->roots, d->kinds, 2, &r);
    cr_assert(r.problems > 0, "%s: bt_check found nothing", what);
    int named = np == 0;
    for (size_t i = 0; i < np; i++)
        named |= t_reported(&r, pages[i]);
    char list[128] = "";
    for (size_t i = 0; i < np; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), " %llu",
                 (unsigned long long)pages[i]);
    cr_assert(named, "%s: bt_check did not name any of pages%s; it said: %s", what, list,
              r.text);
    poke_around(p, d);
    pgr_abandon(p);
}

static void leaves_of(pgr *p, const struct db *d, struct leaves *L)
{
    memset(L, 0, sizeof *L);
    collect(p, d->roots[0], 0, -1, L);
    cr_assert(L->n >= 8, "only %zu leaves", L->n);
}

/* The usual start of a damage test: the healthy 400-row database, a copy of it opened, and
 * the table tree's leaves. */
static pgr *open_broken(struct db *d, struct leaves *L)
{
    build(d, 400);
    pgr *p = open_copy(d);
    leaves_of(p, d, L);
    return p;
}

static uint16_t slot(const uint8_t *pg, int i) { return get_u16(pg + 32 + 2 * i); }

Test(btree, check_is_clean_on_a_healthy_file)
{
    struct db d;
    build(&d, 400);
    pgr *p = open_copy(&d);
    t_check_clean(p, d.roots, d.kinds, 2, "healthy");
    /* Omitting a tree makes all its pages leaks: the check must say so. */
    struct t_reports r;
    t_check(p, d.roots, d.kinds, 1, &r);
    cr_assert(r.problems > 0, "the index tree's pages were not reported as leaked");
    cr_assert(t_reported(&r, d.roots[1]), "the leaked index root %llu is not named: %s",
              (unsigned long long)d.roots[1], r.text);
    OK(pgr_close(p));
    free(d.bytes);
}

Test(btree, check_reports_key_order_inside_a_leaf)
{
    struct db d;
    struct leaves L;
    pgr *p = open_broken(&d, &L);
    pgr_page *pg;
    uint64_t leaf = L.leaf[3];
    uint8_t *b = edit(p, leaf, &pg);
    cr_assert(get_u16(b + 10) >= 2);
    uint16_t s0 = slot(b, 0), s1 = slot(b, 1);
    put_u16(b + 32, s1);
    put_u16(b + 34, s0);
    pgr_release(pg);
    expect_reported(p, &d, &leaf, 1, "two slots swapped");
    free(d.bytes);
}

Test(btree, check_reports_key_outside_parent_separators)
{
    struct db d;
    struct leaves L;
    pgr *p = open_broken(&d, &L);
    pgr_page *pg;
    /* The first key of leaf 5 becomes the first key of leaf 4: still ordered inside leaf 5,
     * but below its lower separator and not after leaf 4's keys. */
    const uint8_t *prev;
    pgr_page *pp;
    OK(pgr_get(p, L.leaf[4], PGR_SHARED, &pp));
    prev = pgr_data(pp);
    uint64_t k4 = get_u64(prev + slot(prev, 0));
    pgr_release(pp);
    uint8_t *b = edit(p, L.leaf[5], &pg);
    put_u64(b + slot(b, 0), k4);
    pgr_release(pg);
    uint64_t pages[2] = {L.leaf[5], L.parent[5]};
    expect_reported(p, &d, pages, 2, "key below the separator");
    free(d.bytes);
}

Test(btree, check_reports_child_pointer_to_free_page)
{
    struct db d;
    struct leaves L;
    pgr *p = open_broken(&d, &L);
    uint64_t fp = pgr_free_head(p);
    cr_assert(fp != 0);
    pgr_page *pg;
    uint8_t *b = edit(p, L.parent[2], &pg);
    int sl = L.slot_in_parent[2];
    if (sl < 0)
        put_u64(b + 16, fp);
    else
        put_u64(b + slot(b, sl), fp);
    pgr_release(pg);
    uint64_t pages[3] = {L.parent[2], fp, L.leaf[2]};
    expect_reported(p, &d, pages, 3, "child pointer to a free page");
    free(d.bytes);
}

Test(btree, check_reports_page_referenced_twice)
{
    struct db d;
    struct leaves L;
    pgr *p = open_broken(&d, &L);
    /* Two leaves with the same parent: point the second's slot at the first leaf. */
    size_t i = 1;
    while (i < L.n && !(L.parent[i] == L.parent[i - 1] && L.slot_in_parent[i] >= 0))
        i++;
    cr_assert(i < L.n);
    pgr_page *pg;
    uint8_t *b = edit(p, L.parent[i], &pg);
    put_u64(b + slot(b, L.slot_in_parent[i]), L.leaf[i - 1]);
    pgr_release(pg);
    uint64_t pages[3] = {L.leaf[i - 1], L.parent[i], L.leaf[i]};
    expect_reported(p, &d, pages, 3, "page referenced twice");
    free(d.bytes);
}

Test(btree, check_reports_leaked_page)
{
    struct db d;
    build(&d, 400);
    pgr *p = open_copy(&d);
    uint64_t pages = pgr_page_count(p);
    /* Allocate beyond the free list so the leak is a brand-new page. */
    pgr_page *pg;
    uint64_t leaked = 0;
    while (leaked < pages) {
        OK(pgr_alloc(p, PGR_T_TABLE_LEAF, &pg));
        leaked = pgr_pgno(pg);
        uint8_t *b = pgr_data(pg);
        put_u16(b + 12, PS - 8); /* a valid empty leaf, referenced by nobody */
        pgr_release(pg);
    }
    expect_reported(p, &d, &leaked, 1, "leaked page");
    free(d.bytes);
}

/* Finds a table-leaf cell whose value overflows; returns the leaf, sets the slot index. */
static uint64_t find_overflow_cell(pgr *p, const struct leaves *L, int *which)
{
    for (size_t i = 0; i < L->n; i++) {
        pgr_page *pg;
        OK(pgr_get(p, L->leaf[i], PGR_SHARED, &pg));
        const uint8_t *b = pgr_data(pg);
        for (int s = 0; s < get_u16(b + 10); s++) {
            uint32_t vlen = get_u32(b + slot(b, s) + 8);
            if (12 + vlen > t_max_cell(PS)) {
                *which = s;
                pgr_release(pg);
                return L->leaf[i];
            }
        }
        pgr_release(pg);
    }
    cr_assert(0, "no overflow cell found");
    return 0;
}

Test(btree, check_reports_overflow_chain_too_short)
{
    struct db d;
    struct leaves L;
    pgr *p = open_broken(&d, &L);
    int s;
    uint64_t leaf = find_overflow_cell(p, &L, &s);
    pgr_page *pg;
    uint8_t *b = edit(p, leaf, &pg);
    uint8_t *cell = b + slot(b, s);
    uint64_t pages[16] = {leaf};
    size_t np = 1;
    pages[np] = get_u64(cell + 12);
    put_u32(cell + 8, get_u32(cell + 8) + 3 * PS); /* claims three more pages than the chain */
    pgr_release(pg);
    /* Any page of the chain (or the leaf) may carry the report. */
    while (pages[np] != 0 && np < 15) {
        pgr_page *op;
        OK(pgr_get(p, pages[np], PGR_SHARED, &op));
        uint64_t next = get_u64(pgr_data(op) + 16);
        pgr_release(op);
        pages[++np] = next;
    }
    expect_reported(p, &d, pages, np, "overflow chain shorter than vlen");
    free(d.bytes);
}

Test(btree, check_reports_overflow_cycle_without_hanging)
{
    alarm(120);
    struct db d;
    struct leaves L;
    pgr *p = open_broken(&d, &L);
    int s;
    uint64_t leaf = find_overflow_cell(p, &L, &s);
    pgr_page *pg;
    OK(pgr_get(p, leaf, PGR_SHARED, &pg));
    uint64_t first = get_u64(pgr_data(pg) + slot(pgr_data(pg), s) + 12);
    pgr_release(pg);
    /* A huge vlen and a chain that loops onto itself. */
    uint8_t *b = edit(p, leaf, &pg);
    put_u32(b + slot(b, s) + 8, 1u << 29);
    pgr_release(pg);
    b = edit(p, first, &pg);
    cr_assert_eq(pgr_page_type(b), PGR_T_OVERFLOW);
    put_u64(b + 16, first);
    pgr_release(pg);
    uint64_t pages[2] = {leaf, first};
    expect_reported(p, &d, pages, 2, "overflow chain cycle");
    free(d.bytes);
}

Test(btree, check_reports_wrong_page_type)
{
    struct db d;
    struct leaves L;
    pgr *p = open_broken(&d, &L);
    pgr_page *pg;
    uint8_t *b = edit(p, L.leaf[6], &pg);
    b[8] = PGR_T_INDEX_LEAF;
    pgr_release(pg);
    uint64_t pages[2] = {L.leaf[6], L.parent[6]};
    expect_reported(p, &d, pages, 2, "table leaf typed as index leaf");
    free(d.bytes);
}

Test(btree, check_reports_broken_sibling_link)
{
    struct db d;
    struct leaves L;
    pgr *p = open_broken(&d, &L);
    pgr_page *pg;
    uint8_t *b = edit(p, L.leaf[2], &pg);
    cr_assert_eq(get_u64(b + 16), L.leaf[3], "right sibling of leaf 2 is not leaf 3 to begin with");
    put_u64(b + 16, L.leaf[5]);
    pgr_release(pg);
    uint64_t pages[3] = {L.leaf[2], L.leaf[3], L.leaf[5]};
    expect_reported(p, &d, pages, 3, "right sibling skips two leaves");
    free(d.bytes);
}

Test(btree, check_reports_cell_out_of_bounds)
{
    struct db d;
    struct leaves L;
    pgr *p = open_broken(&d, &L);
    pgr_page *pg;
    uint8_t *b = edit(p, L.leaf[1], &pg);
    put_u16(b + 32, PS - 10); /* a cell straddling the checksum trailer */
    pgr_release(pg);
    expect_reported(p, &d, &L.leaf[1], 1, "cell offset out of bounds");
    p = open_copy(&d);
    b = edit(p, L.leaf[1], &pg);
    put_u16(b + 10, 400); /* more cells than the page can hold */
    pgr_release(pg);
    expect_reported(p, &d, &L.leaf[1], 1, "cell count too large");
    p = open_copy(&d);
    b = edit(p, L.leaf[1], &pg);
    put_u16(b + 34, slot(b, 0) + 1); /* two overlapping cells */
    pgr_release(pg);
    expect_reported(p, &d, &L.leaf[1], 1, "overlapping cells");
    free(d.bytes);
}

Test(btree, check_reports_free_list_problems)
{
    struct db d;
    build(&d, 400);
    /* Free count in the header one too high. */
    pgr *p = open_copy(&d);
    pgr_page *pg;
    uint8_t *b = edit(p, 0, &pg);
    put_u64(b + 56, get_u64(b + 56) + 1);
    pgr_release(pg);
    uint64_t zero = 0;
    expect_reported(p, &d, &zero, 0, "free count off by one");
    /* A tree page pushed onto the free list (still referenced by its parent). */
    p = open_copy(&d);
    struct leaves L;
    leaves_of(p, &d, &L);
    b = edit(p, 0, &pg);
    uint64_t head = get_u64(b + 48);
    put_u64(b + 48, L.leaf[4]);
    put_u64(b + 56, get_u64(b + 56) + 1);
    pgr_release(pg);
    b = edit(p, L.leaf[4], &pg);
    put_u64(b + 16, head); /* as a free page its "next" is at 16 */
    pgr_release(pg);
    expect_reported(p, &d, &L.leaf[4], 1, "tree leaf on the free list");
    free(d.bytes);
}

/* --- bytes flipped in the file -------------------------------------------------------------- */

static int scan_all(pgr *p, const struct db *d)
{
    for (int i = 0; i < 2; i++) {
        bt_tree *t;
        int rc = bt_open(p, d->roots[i], d->kinds[i], &t);
        if (rc != ST_OK)
            return rc;
        bt_cursor *c;
        rc = bt_cursor_open(t, &c);
        if (rc == ST_OK) {
            rc = bt_first(c);
            while (rc == ST_OK && bt_cursor_valid(c)) {
                const void *v;
                size_t vl;
                rc = bt_cursor_value(c, &v, &vl);
                if (rc == ST_OK)
                    rc = bt_next(c);
            }
            bt_cursor_close(c);
        }
        bt_close(t);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

Test(btree, flipped_bytes_are_named_by_check_and_reads_fail)
{
    struct db d;
    build(&d, 160);
    const uint64_t npages = d.len / PS;
    uint64_t seed = fx_seed(NULL, 8128), s = seed;
    const uint32_t fixed[] = {0, 8, 10, 16, 32, PS - 8, PS - 1};
    const uint64_t extra = fx_scaled(5, 2);
    uint8_t *f = malloc(d.len);
    cr_assert(f != NULL);
    for (uint64_t pgno = 1; pgno < npages; pgno++) {
        int type = d.bytes[pgno * PS + 8];
        for (uint64_t j = 0; j < sizeof fixed / sizeof fixed[0] + extra; j++) {
            uint32_t off = j < sizeof fixed / sizeof fixed[0] ? fixed[j]
                                                               : (uint32_t)fx_below(&s, PS);
            uint8_t mask = (uint8_t)(1 + fx_below(&s, 255));
            char what[128];
            snprintf(what, sizeof what, "seed %llu: page %llu (type %d) byte %u ^ 0x%02x",
                     (unsigned long long)seed, (unsigned long long)pgno, type, off, mask);
            memcpy(f, d.bytes, d.len);
            f[pgno * PS + off] ^= mask;
            fx_spit(fx_path(fx_dir, "flipped"), f, d.len);
            pgr *p;
            OK(fx_pgr_open(fx_path(fx_dir, "flipped"), 0, 1u << 20, 0, &p));
            struct t_reports r;
            t_check(p, d.roots, d.kinds, 2, &r);
            cr_assert(r.problems > 0 && t_reported(&r, pgno),
                      "%s: bt_check did not name the page (%llu problems): %s", what,
                      (unsigned long long)r.problems, r.text);
            int rc = scan_all(p, &d);
            if (type != PGR_T_FREE) {
                cr_assert(rc == ST_ECORRUPT, "%s: reading every entry returned %s: %s", what,
                          st_name(rc), st_msg());
                cr_assert(fx_names_page(st_msg(), pgno), "%s: the error does not name the page: %s",
                          what, st_msg());
            } else {
                cr_assert(rc == ST_OK, "%s: a flipped free page broke a scan: %s", what, st_msg());
            }
            /* pgr_close (which writes anything dirty, then fsyncs the freshly written copy) for
             * a few pages, abandon otherwise: hundreds of fsyncs would dominate the time. */
            if (j == 0 && pgno <= 4)
                OK(pgr_close(p));
            else
                pgr_abandon(p);
            size_t n;
            uint8_t *after = fx_slurp(fx_path(fx_dir, "flipped"), &n);
            cr_assert(n == d.len && memcmp(after, f, n) == 0, "%s: the damaged file was written to",
                      what);
            free(after);
        }
    }
    free(f);
    free(d.bytes);
}

Test(btree, check_reports_unequal_leaf_depth)
{
    struct db d;
    struct leaves L;
    pgr *p = open_broken(&d, &L);
    /* Put an extra internal level above leaf 3 only: an internal page with no cells whose
     * rightmost child is the leaf. Keys and references stay right; only the depth differs. */
    pgr_page *np;
    OK(pgr_alloc(p, PGR_T_TABLE_INTERNAL, &np));
    uint64_t mid = pgr_pgno(np);
    uint8_t *b = pgr_data(np);
    put_u16(b + 10, 0);
    put_u16(b + 12, PS - 8);
    put_u64(b + 16, L.leaf[3]);
    pgr_release(np);
    pgr_page *pg;
    b = edit(p, L.parent[3], &pg);
    if (L.slot_in_parent[3] < 0)
        put_u64(b + 16, mid);
    else
        put_u64(b + slot(b, L.slot_in_parent[3]), mid);
    pgr_release(pg);
    uint64_t pages[3] = {L.leaf[3], mid, L.parent[3]};
    expect_reported(p, &d, pages, 3, "one leaf a level deeper than the others");
    free(d.bytes);
}
