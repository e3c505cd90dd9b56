/*
 * matrix.c — modes: the compatibility matrix and the upgrade lattice, exhaustively, on tables
 * and on rows and keys (with their implied intention locks), plus argument checking.
 *
 * Single-threaded: with NOWAIT a conflicting request fails at once, so one thread can drive
 * several transactions.
 */
#include <string.h>

#include "tests/lockmgr/lk_test.h"

static const lk_mode_t MODES[] = {LK_IS, LK_IX, LK_S, LK_SIX, LK_X};

/* Expected join, computed from the matrix: the weakest mode whose conflicts include both. */
static lk_mode_t expect_sup(lk_mode_t a, lk_mode_t b)
{
    static const lk_mode_t order[] = {LK_NONE, LK_IS, LK_IX, LK_S, LK_SIX, LK_X};
    for (size_t i = 0; i < 6; i++) {
        lk_mode_t c = order[i];
        bool ok = true; /* c at least as strong as a and b: conflicts with all they conflict */
        for (int m = 0; m < 6; m++) {
            if ((!EXPECT_COMPAT[a][m] && EXPECT_COMPAT[c][m]) ||
                (!EXPECT_COMPAT[b][m] && EXPECT_COMPAT[c][m]))
                ok = false;
        }
        if (ok)
            return c;
    }
    return LK_X;
}

Test(matrix, compatible_matches_the_standard_table)
{
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 6; b++)
            cr_expect_eq(lk_compatible((lk_mode_t)a, (lk_mode_t)b), EXPECT_COMPAT[a][b],
                         "%s vs %s", lk_mode_name((lk_mode_t)a), lk_mode_name((lk_mode_t)b));
}

Test(matrix, sup_is_the_lattice_join)
{
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 6; b++)
            cr_expect_eq(lk_mode_sup((lk_mode_t)a, (lk_mode_t)b),
                         expect_sup((lk_mode_t)a, (lk_mode_t)b), "%s + %s",
                         lk_mode_name((lk_mode_t)a), lk_mode_name((lk_mode_t)b));
    cr_expect_eq(lk_mode_sup(LK_IX, LK_S), LK_SIX);
}

/* Every pair of table modes held by two transactions: granted iff compatible. */
Test(matrix, table_modes_exhaustive)
{
    lk_mgr *m = mgr_with(1000, 0, 0);
    lk_txn *t1, *t2;
    cr_assert_eq(lk_txn_create(m, &t1), LK_OK);
    cr_assert_eq(lk_txn_create(m, &t2), LK_OK);
    lk_res_t tab = lk_res_table(7);
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 5; j++) {
            lk_mode_t a = MODES[i], b = MODES[j];
            cr_assert_eq(lk_txn_begin(t1, 1), LK_OK);
            cr_assert_eq(lk_txn_begin(t2, 2), LK_OK);
            cr_assert_eq(lk_acquire(t1, &tab, a, LK_NOWAIT), LK_OK);
            int rc = lk_acquire(t2, &tab, b, LK_NOWAIT);
            cr_expect_eq(rc, EXPECT_COMPAT[a][b] ? LK_OK : LK_UNAVAILABLE, "%s held, %s asked: %d",
                         lk_mode_name(a), lk_mode_name(b), rc);
            int rc2 = lk_acquire(t2, &tab, b, LK_SKIP_LOCKED);
            cr_expect_eq(rc2, EXPECT_COMPAT[a][b] ? LK_OK : LK_NOT_GRANTED);
            lk_release_all(t1);
            lk_release_all(t2);
        }
    lk_txn_destroy(t1);
    lk_txn_destroy(t2);
    lk_mgr_destroy(m);
}

/* Every (other holder o, own held h, request r): the upgrade to sup(h, r) is granted iff it is
 * compatible with o, and a failed upgrade leaves h in place. */
Test(matrix, upgrades_exhaustive)
{
    lk_mgr *m = mgr_with(1000, 0, 0);
    lk_txn *t1, *t2;
    cr_assert_eq(lk_txn_create(m, &t1), LK_OK);
    cr_assert_eq(lk_txn_create(m, &t2), LK_OK);
    lk_res_t tab = lk_res_table(3);
    int checked = 0;
    for (size_t oi = 0; oi < 6; oi++)
        for (size_t hi = 0; hi < 5; hi++)
            for (size_t ri = 0; ri < 5; ri++) {
                lk_mode_t o = oi < 5 ? MODES[oi] : LK_NONE, h = MODES[hi], r = MODES[ri];
                if (!EXPECT_COMPAT[o][h])
                    continue;
                cr_assert_eq(lk_txn_begin(t1, 1), LK_OK);
                cr_assert_eq(lk_txn_begin(t2, 2), LK_OK);
                if (o != LK_NONE)
                    cr_assert_eq(lk_acquire(t1, &tab, o, LK_NOWAIT), LK_OK);
                cr_assert_eq(lk_acquire(t2, &tab, h, LK_NOWAIT), LK_OK);
                lk_mode_t want = expect_sup(h, r);
                int rc = lk_acquire(t2, &tab, r, LK_NOWAIT);
                bool ok = EXPECT_COMPAT[o][want];
                cr_expect_eq(rc, ok ? LK_OK : LK_UNAVAILABLE, "other %s, held %s, asked %s",
                             lk_mode_name(o), lk_mode_name(h), lk_mode_name(r));
                cr_expect_eq(lk_held_mode(t2, &tab), ok ? want : h, "other %s, held %s, asked %s",
                             lk_mode_name(o), lk_mode_name(h), lk_mode_name(r));
                cr_expect_eq(lk_txn_lock_count(t2), 1);
                lk_release_all(t1);
                lk_release_all(t2);
                checked++;
            }
    cr_assert_gt(checked, 60);
    lk_txn_destroy(t1);
    lk_txn_destroy(t2);
    lk_mgr_destroy(m);
}

/* Rows: S/S share, S/X and X/X conflict; each row lock implies IS/IX on its table. */
Test(matrix, rows_imply_intention_locks)
{
    lk_mgr *m = mgr_with(1000, 0, 0);
    lk_txn *t1, *t2;
    cr_assert_eq(lk_txn_create(m, &t1), LK_OK);
    cr_assert_eq(lk_txn_create(m, &t2), LK_OK);
    const lk_mode_t rm[2] = {LK_S, LK_X};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int same = 0; same < 2; same++) {
                lk_txn_begin(t1, 1);
                lk_txn_begin(t2, 2);
                lk_res_t r1 = lk_res_row(1, 10), r2 = lk_res_row(1, same ? 10 : 11);
                cr_assert_eq(lk_acquire(t1, &r1, rm[i], LK_NOWAIT), LK_OK);
                lk_res_t tab = lk_res_table(1);
                cr_expect_eq(lk_held_mode(t1, &tab), rm[i] == LK_S ? LK_IS : LK_IX);
                cr_expect_eq(lk_txn_lock_count(t1), 2);
                bool ok = !same || (rm[i] == LK_S && rm[j] == LK_S);
                cr_expect_eq(lk_acquire(t2, &r2, rm[j], LK_NOWAIT), ok ? LK_OK : LK_UNAVAILABLE);
                lk_release_all(t1);
                lk_release_all(t2);
            }
    /* The intention lock conflicts with table locks of others: row X vs table S. */
    lk_txn_begin(t1, 1);
    lk_txn_begin(t2, 2);
    lk_res_t row = lk_res_row(4, 1), tab = lk_res_table(4);
    cr_assert_eq(lk_acquire(t1, &row, LK_X, LK_NOWAIT), LK_OK);
    cr_expect_eq(lk_acquire(t2, &tab, LK_S, LK_NOWAIT), LK_UNAVAILABLE);
    cr_expect_eq(lk_acquire(t2, &tab, LK_IS, LK_NOWAIT), LK_OK);
    lk_res_t row2 = lk_res_row(4, 2);
    cr_expect_eq(lk_acquire(t2, &row2, LK_S, LK_NOWAIT), LK_OK);
    lk_release_all(t1);
    lk_release_all(t2);
    /* ...and table S held by another blocks row X (IX) but not row S (IS). */
    lk_txn_begin(t1, 1);
    lk_txn_begin(t2, 2);
    cr_assert_eq(lk_acquire(t1, &tab, LK_S, LK_NOWAIT), LK_OK);
    cr_expect_eq(lk_acquire(t2, &row, LK_X, LK_NOWAIT), LK_UNAVAILABLE);
    cr_expect_eq(lk_acquire(t2, &row, LK_S, LK_NOWAIT), LK_OK);
    lk_release_all(t1);
    lk_release_all(t2);
    lk_txn_destroy(t1);
    lk_txn_destroy(t2);
    lk_mgr_destroy(m);
}

/* Row S -> X upgrades the row and the table intention IS -> IX. */
Test(matrix, row_upgrade_upgrades_intention)
{
    lk_mgr *m = mgr_with(1000, 0, 0);
    lk_txn *t1, *t2;
    cr_assert_eq(lk_txn_create(m, &t1), LK_OK);
    cr_assert_eq(lk_txn_create(m, &t2), LK_OK);
    lk_txn_begin(t1, 1);
    lk_txn_begin(t2, 2);
    lk_res_t row = lk_res_row(2, 5), tab = lk_res_table(2);
    cr_assert_eq(lk_acquire(t1, &row, LK_S, LK_NOWAIT), LK_OK);
    cr_assert_eq(lk_acquire(t2, &row, LK_S, LK_NOWAIT), LK_OK);
    cr_expect_eq(lk_acquire(t1, &row, LK_X, LK_NOWAIT), LK_UNAVAILABLE, "t2 shares the row");
    cr_expect_eq(lk_held_mode(t1, &row), LK_S, "failed upgrade keeps S");
    cr_expect_eq(lk_held_mode(t1, &tab), LK_IX, "intention upgraded before the row was tried");
    lk_release_all(t2);
    cr_expect_eq(lk_acquire(t1, &row, LK_X, LK_NOWAIT), LK_OK);
    cr_expect_eq(lk_held_mode(t1, &row), LK_X);
    cr_expect_eq(lk_txn_lock_count(t1), 2);
    lk_release_all(t1);
    lk_txn_destroy(t1);
    lk_txn_destroy(t2);
    lk_mgr_destroy(m);
}

/* Keys collide by bytes (inline and long keys), per index and table; prefixes do not. */
Test(matrix, keys_collide_by_bytes)
{
    lk_mgr *m = mgr_with(1000, 0, 0);
    lk_txn *t1, *t2;
    cr_assert_eq(lk_txn_create(m, &t1), LK_OK);
    cr_assert_eq(lk_txn_create(m, &t2), LK_OK);
    char long1[300], long2[300];
    memset(long1, 'k', sizeof long1);
    memcpy(long2, long1, sizeof long2);
    for (int round = 0; round < 2; round++) {
        const char *k = round ? long1 : "REF-2026-0001";
        size_t kl = round ? sizeof long1 : strlen(k);
        const char *k2 = round ? long2 : "REF-2026-0001"; /* equal bytes, different buffer */
        lk_txn_begin(t1, 1);
        lk_txn_begin(t2, 2);
        lk_res_t a = lk_res_key(1, 1, k, kl);
        cr_assert_eq(lk_acquire(t1, &a, LK_X, LK_NOWAIT), LK_OK);
        lk_res_t same = lk_res_key(1, 1, k2, kl);
        cr_expect_eq(lk_acquire(t2, &same, LK_X, LK_NOWAIT), LK_UNAVAILABLE);
        lk_res_t prefix = lk_res_key(1, 1, k2, kl - 1);
        cr_expect_eq(lk_acquire(t2, &prefix, LK_X, LK_NOWAIT), LK_OK);
        lk_res_t other_index = lk_res_key(1, 2, k2, kl);
        cr_expect_eq(lk_acquire(t2, &other_index, LK_X, LK_NOWAIT), LK_OK);
        lk_res_t other_table = lk_res_key(2, 1, k2, kl);
        cr_expect_eq(lk_acquire(t2, &other_table, LK_X, LK_NOWAIT), LK_OK);
        lk_res_t row = lk_res_row(1, 0);
        cr_expect_eq(lk_acquire(t2, &row, LK_X, LK_NOWAIT), LK_OK, "a key is not a row");
        lk_release_all(t1);
        cr_expect_eq(lk_acquire(t2, &same, LK_X, LK_NOWAIT), LK_OK);
        lk_release_all(t2);
    }
    /* The empty key is a key like any other. */
    lk_txn_begin(t1, 1);
    lk_txn_begin(t2, 2);
    lk_res_t e = lk_res_key(1, 1, NULL, 0);
    cr_expect_eq(lk_acquire(t1, &e, LK_S, LK_NOWAIT), LK_OK);
    cr_expect_eq(lk_acquire(t2, &e, LK_X, LK_NOWAIT), LK_UNAVAILABLE);
    lk_release_all(t1);
    lk_release_all(t2);
    lk_txn_destroy(t1);
    lk_txn_destroy(t2);
    lk_mgr_destroy(m);
}

/* A table lock covers rows: no row locks are taken under it, and re-requests are free. */
Test(matrix, table_lock_covers_rows_and_rerequests_are_free)
{
    lk_mgr *m = mgr_with(1000, 0, 0);
    lk_txn *t = txn_begun(m, 1);
    lk_res_t tab = lk_res_table(9), row = lk_res_row(9, 1);
    cr_assert_eq(lk_acquire(t, &tab, LK_S, LK_WAIT), LK_OK);
    cr_expect_eq(lk_acquire(t, &row, LK_S, LK_WAIT), LK_OK);
    cr_expect_eq(lk_txn_lock_count(t), 1, "S on the table covers S on its rows");
    cr_expect_eq(lk_held_mode(t, &row), LK_S);
    cr_expect_eq(lk_acquire(t, &row, LK_X, LK_WAIT), LK_OK);
    cr_expect_eq(lk_held_mode(t, &tab), LK_SIX, "S + IX = SIX");
    cr_expect_eq(lk_txn_lock_count(t), 2, "X on a row needs its own lock under SIX");
    lk_stats_t before, after;
    lk_stats_get(m, &before);
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(lk_acquire(t, &row, i % 2 ? LK_S : LK_X, LK_NOWAIT), LK_OK);
        cr_assert_eq(lk_acquire(t, &tab, LK_IS, LK_NOWAIT), LK_OK);
    }
    lk_stats_get(m, &after);
    cr_expect_eq(after.acquisitions, before.acquisitions, "re-requests touch no shared state");
    cr_expect_eq(lk_txn_lock_count(t), 2);
    lk_release_all(t);
    cr_expect_eq(lk_txn_lock_count(t), 0);
    cr_expect_eq(lk_txn_id(t), 0);
    lk_txn_destroy(t);
    lk_mgr_destroy(m);
}

Test(matrix, misuse_is_einval)
{
    lk_mgr *m = mgr_with(1000, 0, 0);
    lk_txn *t;
    cr_assert_eq(lk_txn_create(m, &t), LK_OK);
    lk_res_t row = lk_res_row(1, 1), tab = lk_res_table(1);
    cr_expect_eq(lk_acquire(t, &row, LK_S, LK_WAIT), LK_EINVAL, "no transaction begun");
    cr_expect_eq(lk_txn_begin(t, 0), LK_EINVAL);
    cr_assert_eq(lk_txn_begin(t, 5), LK_OK);
    cr_expect_eq(lk_acquire(t, &row, LK_IX, LK_WAIT), LK_EINVAL, "rows take S or X");
    cr_expect_eq(lk_acquire(t, &row, LK_SIX, LK_WAIT), LK_EINVAL);
    cr_expect_eq(lk_acquire(t, &tab, (lk_mode_t)9, LK_WAIT), LK_EINVAL);
    cr_expect_eq(lk_acquire(t, &tab, LK_NONE, LK_WAIT), LK_EINVAL);
    cr_expect_eq(lk_acquire(t, &tab, LK_S, (lk_policy_t)7), LK_EINVAL);
    lk_res_t bad = {.kind = (lk_res_kind_t)9};
    cr_expect_eq(lk_acquire(t, &bad, LK_S, LK_WAIT), LK_EINVAL);
    lk_res_t nokey = lk_res_key(1, 1, NULL, 4);
    cr_expect_eq(lk_acquire(t, &nokey, LK_S, LK_WAIT), LK_EINVAL);
    cr_expect_eq(lk_txn_lock_count(t), 0, "EINVAL changes nothing");
    cr_assert_eq(lk_acquire(t, &row, LK_S, LK_WAIT), LK_OK);
    cr_expect_eq(lk_txn_begin(t, 6), LK_EINVAL, "still holding locks");
    cr_expect(strstr(lk_txn_errmsg(t), "still holds 2 locks"), "%s", lk_txn_errmsg(t));
    lk_txn_destroy(t); /* releases what it holds */
    lk_mgr_destroy(m);
}

Test(matrix, sqlstates)
{
    cr_assert_str_eq(lk_sqlstate(LK_OK), "00000");
    cr_assert_str_eq(lk_sqlstate(LK_NOT_GRANTED), "00000");
    cr_assert_str_eq(lk_sqlstate(LK_UNAVAILABLE), "55P03");
    cr_assert_str_eq(lk_sqlstate(LK_TIMEOUT), "55P03");
    cr_assert_str_eq(lk_sqlstate(LK_DEADLOCK), "40P01");
    cr_assert_str_eq(lk_sqlstate(LK_NOMEM), "53200");
    cr_assert_str_eq(lk_sqlstate(LK_EINVAL), "22023");
    cr_assert_str_eq(lk_sqlstate(LK_CANCELED), "57014");
    cr_assert_str_eq(lk_strerror(LK_DEADLOCK), "deadlock detected");
}
