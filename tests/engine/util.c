/*
 * util.c — see util.h.
 */
#include "tests/engine/util.h"

void eng_setup(void) { fx_begin("eng", 0); }

void eng_teardown(void) { fx_end(); }

acidb_db *eng_open(int durable)
{
    acidb_options o = fx_options(durable);
    o.lock_timeout_ms = 5000;
    return fx_open(fx_db, &o);
}
