/*
 * sqlerr.c — recording a statement's error (see sqlerr.h), and mapping the storage layer's
 * ST_* statuses (pager/status.h) to public codes and PostgreSQL SQLSTATEs.
 *
 * Mapping choices where PostgreSQL has no exact counterpart:
 *   ST_ECANTOPEN 58P01 (undefined_file);
 *   ST_ENOTDB, ST_EEMPTY: XX000 (internal_error) — the file exists but is not ours;
 *   ST_EVERSION: 55000 (object_not_in_prerequisite_state), which is what PostgreSQL reports
 *     for "database files are incompatible with server";
 *   all three open failures use ACIDB_CANTOPEN, as acidb.h documents.
 */
#include "engine/sqlerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/acidb.h"
#include "pager/status.h"

/* Parenthesised so that the analysis-only macro of sqlerr.h does not expand here. */
int(sql_err)(sql_error *e, int code, const char *state, int32_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (state == NULL)
        state = "XX000";
    size_t n = strnlen(state, 5);
    memcpy(e->state, state, n);
    memset(e->state + n, '0', 5 - n);
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

int sql_err_status(sql_error *e, int st, const char *context)
{
    int code;
    const char *state;
    switch (st) {
    case ST_OK:
        sql_err_clear(e);
        return ACIDB_OK;
    case ST_EDEADLOCK: code = ACIDB_DEADLOCK; state = "40P01"; break;
    case ST_ETIMEOUT:
    case ST_ELOCKED: code = ACIDB_LOCK_TIMEOUT; state = "55P03"; break;
    case ST_ENOMEM: code = ACIDB_NOMEM; state = "53200"; break;
    case ST_ECORRUPT: code = ACIDB_CORRUPT; state = "XX001"; break;
    case ST_EIO: code = ACIDB_IOERR; state = "58030"; break;
    case ST_EFULL: code = ACIDB_FULL; state = "53000"; break;
    case ST_ETOOBIG: code = ACIDB_TOOBIG; state = "54000"; break;
    case ST_EBUSY: code = ACIDB_BUSY; state = "55006"; break;
    case ST_ECANTOPEN: code = ACIDB_CANTOPEN; state = "58P01"; break;
    case ST_ENOTDB:
    case ST_EEMPTY: code = ACIDB_CANTOPEN; state = "XX000"; break;
    case ST_EVERSION: code = ACIDB_CANTOPEN; state = "55000"; break;
    case ST_EREADONLY: code = ACIDB_READONLY; state = "25006"; break;
    case ST_EINVAL: code = ACIDB_MISUSE; state = "XX000"; break;
    default: code = ACIDB_ERROR; state = "XX000"; break;
    }
    const char *m = st_msg();
    int has_ctx = context != NULL && context[0] != '\0';
    int has_msg = m != NULL && m[0] != '\0';
    if (has_ctx && has_msg)
        return sql_err(e, code, state, -1, "%s: %s", context, m);
    if (has_ctx || has_msg)
        return sql_err(e, code, state, -1, "%s", has_ctx ? context : m);
    return sql_err(e, code, state, -1, "%s", st_name(st));
}
