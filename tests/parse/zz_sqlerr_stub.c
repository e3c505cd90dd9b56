/*
 * zz_sqlerr_stub.c — TEMPORARY test-only stand-in for engine/sqlerr.c's sql_err and
 * sql_err_clear, so the parse suite links before that file lands (another helper writes it).
 * Delete this file when engine/sqlerr.c is merged (or build with -DACIDB_HAVE_SQLERR).
 */
#ifndef ACIDB_HAVE_SQLERR
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/sqlerr.h"

int sql_err(sql_error *e, int code, const char *state, int32_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    memcpy(e->state, state, 5);
    e->state[5] = '\0';
    e->pos = pos < 0 ? 0 : pos + 1;
    e->code = code;
    return code;
}

void sql_err_clear(sql_error *e)
{
    e->code = ACIDB_OK;
    memcpy(e->state, "00000", 6);
    e->pos = 0;
    e->msg[0] = '\0';
}
#endif
