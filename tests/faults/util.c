/*
 * util.c — see util.h.
 */
#include "tests/faults/util.h"

#include <criterion/criterion.h>

#include "engine/testhooks.h"

void ft_setup(void) { fx_begin("faults", 300); }

void ft_teardown(void) { fx_end(); }

acidb_db *ft_open(const char *path, os_vfs *vfs, uint32_t cache_pages)
{
    acidb_options o = acidb_default_options();
    o.cache_bytes = (uint64_t)cache_pages * 4096;
    o.lock_timeout_ms = 1000;
    acidb_db *db = NULL;
    int rc = acidb_open_test(path ? path : fx_db, &o, vfs, 0, 4096, &db);
    cr_assert_eq(rc, ACIDB_OK, "open %s: %s (%s)", path ? path : fx_db, acidb_open_errmsg(),
                 acidb_errstr(rc));
    return db;
}

