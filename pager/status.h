/*
 * status.h — status codes and the per-thread error detail shared by every module.
 *
 * Errors are values: every fallible function returns an int status (ST_OK == 0) and writes its
 * results through out parameters. The human detail of the most recent failure — what went
 * wrong and where (file, page, position) — is kept per thread, so concurrent connections never
 * see each other's messages. The engine copies it onto the connection (acidb_errmsg) and maps
 * the code to a PostgreSQL SQLSTATE.
 *
 * Threading: st_set/st_msg touch only thread-local storage.
 */
#ifndef ACIDB_STATUS_H
#define ACIDB_STATUS_H

enum st_code {
    ST_OK = 0,
    ST_EIO,        /* read/write/sync/truncate failed (errno in the message)             */
    ST_ENOMEM,     /* allocation failed                                                  */
    ST_ECORRUPT,   /* bad checksum, impossible structure, truncated file                 */
    ST_ENOTDB,     /* the file is not an acidb database (bad magic)                      */
    ST_EEMPTY,     /* the file exists but is empty (never silently initialised)          */
    ST_EVERSION,   /* written by a newer, incompatible format version                    */
    ST_EBUSY,      /* the database is locked by another process / already open here      */
    ST_EFULL,      /* buffer pool exhausted: every frame is pinned                       */
    ST_ECANTOPEN,  /* open failed: missing file, directory, permission                   */
    ST_EREADONLY,  /* write attempted on a read-only database                            */
    ST_ETOOBIG,    /* value or key exceeds a documented limit                            */
    ST_ENOTFOUND,  /* key not present                                                    */
    ST_EEXISTS,    /* key already present (insert without replace)                       */
    ST_EINVAL,     /* misuse: bad argument                                               */
    ST_ELOCKED,    /* lock not granted (NOWAIT / SKIP LOCKED)                            */
    ST_ETIMEOUT,   /* lock wait timed out                                                */
    ST_EDEADLOCK,  /* chosen as deadlock victim                                          */
    ST_NCODES
};

/* Records `code` and a printf-style message for the calling thread; returns `code` so that
 * callers can write `return st_set(ST_EIO, "...")`. ST_OK clears the message. */
int st_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#ifdef __clang_analyzer__
/* For clang-tidy only (make lint): st_set is in another translation unit, so the analyzer
 * would assume a failed call can return ST_OK and follow it down the success path with an
 * out-parameter unset. This tells it what st_set does: it returns `code` (evaluated twice,
 * in analysis only). The definition in status.c is written `int(st_set)(...)` to escape it. */
static inline int st_set_returns_(int code, int ignored)
{
    (void)ignored;
    return code;
}
#define st_set(code, ...) st_set_returns_((code), st_set((code), __VA_ARGS__))
#endif

/* The calling thread's last message ("" when none). Valid until this thread's next st_set. */
const char *st_msg(void);

/* The calling thread's last code (ST_OK when none). */
int st_code(void);

/* A short fixed name for a code ("I/O error", "database corrupt", ...). */
const char *st_name(int code);

#endif
