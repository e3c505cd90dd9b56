/*
 * sqlerr.h — the error a statement reports: public code, PostgreSQL SQLSTATE, message, and the
 * position in the SQL text it concerns.
 *
 * Every layer of the engine (lexer, parser, binder, evaluator, executor) fills one of these and
 * returns its code; the connection copies it for acidb_errmsg / acidb_sqlstate.
 */
#ifndef ACIDB_SQLERR_H
#define ACIDB_SQLERR_H

#include <stdint.h>

#define SQL_ERRMSG_MAX 512

typedef struct sql_error {
    int code;               /* ACIDB_* (engine/acidb.h); ACIDB_OK when clear */
    char state[6];          /* "00000" or a SQLSTATE such as "23505" */
    int32_t pos;            /* 1-based character offset into the SQL text; 0 when none */
    char msg[SQL_ERRMSG_MAX];
} sql_error;

/* Records the error and returns `code`. `pos` is a 0-based byte offset into the SQL text, or
 * -1 for none (stored 1-based, as PostgreSQL reports it). */
int sql_err(sql_error *e, int code, const char *state, int32_t pos, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#ifdef __clang_analyzer__
/* For clang-tidy only (make lint): like st_set (pager/status.h), tells the analyzer that
 * sql_err returns `code`, which it cannot see from another translation unit. */
static inline int sql_err_returns_(int code, int ignored)
{
    (void)ignored;
    return code;
}
#define sql_err(e, code, ...) sql_err_returns_((code), sql_err((e), (code), __VA_ARGS__))
#endif
/* Out of memory: records ACIDB_NOMEM with SQLSTATE 53200 and "out of memory" — followed by
 * `what` ("loading the catalog") when not NULL — and returns ACIDB_NOMEM. The one way the
 * engine reports a failed allocation. */
int sql_err_nomem(sql_error *e, const char *what);
#ifdef __clang_analyzer__
#define sql_err_nomem(e, what) sql_err_returns_(ACIDB_NOMEM, sql_err_nomem((e), (what)))
#endif
void sql_err_clear(sql_error *e);
/* Maps a storage/lock status (pager/status.h ST_*) and st_msg() to an acidb code + SQLSTATE:
 * ST_EDEADLOCK 40P01, ST_ETIMEOUT/ST_ELOCKED 55P03, ST_ENOMEM 53200, ST_ECORRUPT XX001,
 * ST_EIO 58030, ST_EFULL 53000, ST_ETOOBIG 54000, ST_EBUSY 55006, ... */
int sql_err_status(sql_error *e, int st, const char *context);

#endif
