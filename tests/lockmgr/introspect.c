/*
 * introspect.c — the snapshot behind `.locks` and error messages, counters, and resource
 * formatting (with a table-name callback).
 */
#include <string.h>

#include "tests/lockmgr/lk_test.h"

static const char *names(void *ctx, uint32_t table)
{
    (void)ctx;
    return table == 1 ? "accounts" : NULL;
}

static const lk_snap_entry_t *find(const lk_snapshot_t *s, uint64_t txn, lk_res_kind_t kind,
                                   bool waiting)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->entries[i].txn == txn && s->entries[i].res.kind == kind &&
            s->entries[i].waiting == waiting)
            return &s->entries[i];
    return NULL;
}

Test(introspect, snapshot_shows_holders_waiters_and_whom_they_wait_for)
{
    lk_config_t c = lk_config_default();
    c.table_name = names;
    lk_mgr *m;
    cr_assert_eq(lk_mgr_create(&c, &m), LK_OK);
    actor t17, t18, t19;
    actor_start(&t17, m, 17);
    actor_start(&t18, m, 18);
    actor_start(&t19, m, 19);
    lk_res_t row = lk_res_row(1, 2);
    cr_assert_eq(actor_acquire(&t17, row, LK_S, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t19, row, LK_S, LK_WAIT), LK_OK);
    actor_submit(&t18, row, LK_X, LK_WAIT);
    wait_blocked(m, 18);
    const char key[] = {'a', 0, '\'', 'z'};
    cr_assert_eq(actor_acquire(&t19, lk_res_key(2, 3, key, sizeof key), LK_X, LK_WAIT), LK_OK);

    lk_snapshot_t *s;
    cr_assert_eq(lk_snapshot(m, &s), LK_OK);
    /* granted: 17 IS+S, 19 IS+S+IX(table 2)+X(key), 18 IX ; waiting: 18 X */
    cr_assert_eq(s->n, 8);
    const lk_snap_entry_t *w = find(s, 18, LK_RES_ROW, true);
    cr_assert_not_null(w);
    cr_assert_eq(w->mode, LK_X);
    cr_assert_eq(w->res.table, 1);
    cr_assert_eq(w->res.row, 2);
    cr_assert_eq(w->nblockers, 2);
    uint64_t b0 = w->blockers[0], b1 = w->blockers[1];
    cr_assert((b0 == 17 && b1 == 19) || (b0 == 19 && b1 == 17));
    cr_assert(w->since_ns > 0);
    const lk_snap_entry_t *g = find(s, 18, LK_RES_TABLE, false);
    cr_assert_not_null(g);
    cr_assert_eq(g->mode, LK_IX);
    cr_assert_eq(g->nblockers, 0);
    const lk_snap_entry_t *k = find(s, 19, LK_RES_KEY, false);
    cr_assert_not_null(k);
    cr_assert_eq(k->res.key_len, 4);
    cr_assert(memcmp(k->res.key, key, 4) == 0, "key bytes copied");
    for (size_t i = 0; i < s->n; i++)
        if (i + 1 < s->n)
            cr_assert(!s->entries[i].waiting || s->entries[i + 1].waiting,
                      "granted entries come first");
    char buf[128];
    cr_assert_str_eq(lk_res_format(m, &w->res, buf, sizeof buf), "accounts row 2");
    cr_assert_str_eq(lk_res_format(m, &k->res, buf, sizeof buf), "table 2 index 3 key 'a\\x00\\x27z'");
    lk_snapshot_free(s);

    actor_release(&t17, 0);
    actor_release(&t19, 0);
    cr_assert_eq(actor_result(&t18, 2000), LK_OK);
    cr_assert_eq(lk_snapshot(m, &s), LK_OK);
    cr_assert_eq(s->n, 2);
    cr_assert_eq(find(s, 18, LK_RES_ROW, false)->mode, LK_X);
    lk_snapshot_free(s);
    actors_stop(m, &t17, &t18, &t19, NULL);
}

Test(introspect, messages_use_table_names)
{
    lk_config_t c = lk_config_default();
    c.table_name = names;
    c.lock_timeout_ms = 50;
    lk_mgr *m;
    cr_assert_eq(lk_mgr_create(&c, &m), LK_OK);
    actor t17, t18;
    actor_start(&t17, m, 17);
    actor_start(&t18, m, 18);
    cr_assert_eq(actor_acquire(&t17, lk_res_row(1, 2), LK_X, LK_WAIT), LK_OK);
    cr_assert_eq(actor_acquire(&t18, lk_res_row(1, 2), LK_X, LK_WAIT), LK_TIMEOUT);
    cr_assert_str_eq(lk_txn_errmsg(t18.t),
                     "lock timeout after 50 ms: transaction 18 waiting for X on accounts row 2, "
                     "held by transaction 17 (X)");
    actors_stop(m, &t17, &t18, NULL);
}

Test(introspect, counters_add_up)
{
    lk_mgr *m = mgr_with(50, 0, 0);
    actor a, b;
    actors_start(m, &a, &b, NULL);
    for (uint64_t r = 0; r < 10; r++)
        cr_assert_eq(actor_acquire(&a, lk_res_row(1, r), LK_X, LK_WAIT), LK_OK);
    lk_stats_t st;
    lk_stats_get(m, &st);
    cr_assert_eq(st.acquisitions, 11, "10 rows + 1 intention lock");
    actor_submit(&b, lk_res_row(1, 3), LK_S, LK_WAIT);
    wait_blocked(m, 2);
    actor_release(&a, 0);
    cr_assert_eq(actor_result(&b, 2000), LK_OK);
    cr_assert_eq(actor_acquire(&a, lk_res_row(1, 3), LK_X, LK_NOWAIT), LK_EINVAL,
                 "a released transaction must begin again");
    lk_txn_begin(a.t, 3);
    cr_assert_eq(actor_acquire(&a, lk_res_row(1, 3), LK_X, LK_NOWAIT), LK_UNAVAILABLE);
    cr_assert_eq(actor_acquire(&a, lk_res_row(1, 3), LK_X, LK_WAIT), LK_TIMEOUT);
    lk_stats_get(m, &st);
    cr_assert_eq(st.acquisitions, 11 + 2 + 1);
    cr_assert_eq(st.waits, 2);
    cr_assert_eq(st.timeouts, 1);
    cr_assert_eq(st.not_granted, 1);
    cr_assert_geq(st.wait_ns, 50000000u);
    cr_assert_eq(st.deadlocks, 0);
    cr_assert_eq(st.escalations, 0);
    actors_stop(m, &a, &b, NULL);
}

Test(introspect, config_validation)
{
    lk_config_t c = lk_config_default();
    cr_assert_eq(c.lock_timeout_ms, 10000);
    cr_assert_eq(c.deadlock_delay_ms, 0);
    c.partitions = 0;
    lk_mgr *m = (lk_mgr *)1;
    cr_assert_eq(lk_mgr_create(&c, &m), LK_EINVAL);
    cr_assert_null(m);
    c.partitions = 5000;
    cr_assert_eq(lk_mgr_create(&c, &m), LK_EINVAL);
    c.partitions = 3; /* rounded up to 4 */
    cr_assert_eq(lk_mgr_create(&c, &m), LK_OK);
    lk_mgr_destroy(m);
    cr_assert_eq(lk_mgr_create(NULL, &m), LK_OK);
    lk_mgr_destroy(m);
    lk_mgr_destroy(NULL);
    lk_txn_destroy(NULL);
}
