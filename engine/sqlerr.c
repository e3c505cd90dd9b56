/*
 * sqlerr.c — recording a statement's error (see sqlerr.h), and mapping the storage layer's
 * ST_* statuses (pager/status.h) to public codes and PostgreSQL SQLSTATEs.
 *
 * Every status has a deliberate public code and SQLSTATE (the table: engine/README.md, "Errors
 * from the storage layer"); only a value outside enum st_code is XX000, an internal error.
 */
#include "engine/sqlerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/acidb.h"
#include "pager/status.h"
#include "engine/sqlstate.h"

/* Parenthesised so that the analysis-only macro of sqlerr.h does not expand here. */
int(sql_err)(sql_error *e, int code, const char *state, int32_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (state == NULL)
        state = ERRCODE_INTERNAL_ERROR;
    size_t n = strnlen(state, 5);
    memcpy(e->state, state, n);
    memset(e->state + n, '0', 5 - n);
    e->state[5] = '\0';
    e->pos = pos < 0 ? 0 : pos + 1;
    e->code = code;
    return code;
}

int(sql_err_nomem)(sql_error *e, const char *what)
{
    if (what == NULL)
        return sql_err(e, ACIDB_NOMEM, ERRCODE_OUT_OF_MEMORY, -1, "out of memory");
    return sql_err(e, ACIDB_NOMEM, ERRCODE_OUT_OF_MEMORY, -1, "out of memory %s", what);
}

void sql_err_clear(sql_error *e)
{
    e->code = ACIDB_OK;
    memcpy(e->state, ERRCODE_SUCCESSFUL_COMPLETION, 6);
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
    case ST_EDEADLOCK: code = ACIDB_DEADLOCK; state = ERRCODE_T_R_DEADLOCK_DETECTED; break;
    case ST_ETIMEOUT:
    case ST_ELOCKED: code = ACIDB_LOCK_TIMEOUT; state = ERRCODE_LOCK_NOT_AVAILABLE; break;
    case ST_ENOMEM: code = ACIDB_NOMEM; state = ERRCODE_OUT_OF_MEMORY; break;
    case ST_ECORRUPT: code = ACIDB_CORRUPT; state = ERRCODE_DATA_CORRUPTED; break;
    /* An entry the structure promises is missing (the engine turns every expected absence
     * into its own answer): corruption, as the engine reports a missing index entry. */
    case ST_ENOTFOUND: code = ACIDB_CORRUPT; state = ERRCODE_DATA_CORRUPTED; break;
    case ST_EIO: code = ACIDB_IOERR; state = ERRCODE_IO_ERROR; break;
    case ST_EFULL: code = ACIDB_FULL; state = ERRCODE_INSUFFICIENT_RESOURCES; break;
    case ST_ETOOBIG: code = ACIDB_TOOBIG; state = ERRCODE_PROGRAM_LIMIT_EXCEEDED; break;
    case ST_EBUSY: code = ACIDB_BUSY; state = ERRCODE_OBJECT_IN_USE; break;
    case ST_ECANTOPEN: code = ACIDB_CANTOPEN; state = ERRCODE_UNDEFINED_FILE; break;
    /* A file that is not a database (or an empty one, or a newer format's): 55000, what
     * PostgreSQL reports for "is not a valid data directory" and "database files are
     * incompatible with server". */
    case ST_ENOTDB:
    case ST_EEMPTY:
    case ST_EVERSION:
        code = ACIDB_CANTOPEN;
        state = ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
        break;
    case ST_EREADONLY: code = ACIDB_READONLY; state = ERRCODE_READ_ONLY_SQL_TRANSACTION; break;
    /* A key that must be new is already present (the engine names the constraint when it
     * knows one). */
    case ST_EEXISTS: code = ACIDB_CONSTRAINT; state = ERRCODE_UNIQUE_VIOLATION; break;
    case ST_EINVAL: code = ACIDB_MISUSE; state = ERRCODE_INVALID_PARAMETER_VALUE; break;
    default: code = ACIDB_ERROR; state = ERRCODE_INTERNAL_ERROR; break; /* not an st_code */
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
