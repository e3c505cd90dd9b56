/*
 * checkers.c — the state checkers are compiled into the library every suite links (no Makefile
 * build defines NDEBUG; pager/README.md, "Buffer pool"): a page primitive asked to break a
 * page stops on its assertion instead of writing.
 */
#include <signal.h>
#include <string.h>

#include "pager/btree_int.h"
#include "tests/btree/util.h"

/* Its own suite: no temporary directory to leave behind when the test aborts. */
Test(checkers, a_page_primitive_breaking_a_page_stops_on_its_checker, .signal = SIGABRT)
{
    bt_geom g;
    bt_geom_init(&g, BT_TABLE, 512);
    uint8_t page[512];
    memset(page, 0, sizeof page);
    page[8] = PGR_T_TABLE_LEAF;
    put_u16(page + BT_OFF_START, (uint16_t)g.end);
    /* No frame behind it: only the checker, which runs before any write, keeps this from
     * touching the missing frame. */
    bt_node nd = {.pg = NULL, .d = page, .pgno = 1, .writer = 1, .valid = 1};
    int rc = bt_page_set_child(&nd, 0, 5); /* a leaf has no child pointers */
    cr_assert_fail("bt_page_set_child on a leaf returned %d instead of stopping", rc);
}
