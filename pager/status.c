/*
 * status.c — per-thread error detail (see status.h).
 *
 * Thread-local rather than per-handle because the pager and B+tree are shared by many
 * connections: the thread that hit the error is the one that reports it.
 */
#include "pager/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char st_buf[512];
static _Thread_local int st_last;

int(st_set)(int code, const char *fmt, ...) /* parenthesised: see status.h */
{
    st_last = code;
    if (code == ST_OK || fmt == NULL) {
        st_buf[0] = '\0';
        return code;
    }
    if (strchr(fmt, '%') == NULL) { /* a constant message: vsnprintf costs ~700 instructions */
        size_t n = strlen(fmt);
        if (n >= sizeof st_buf)
            n = sizeof st_buf - 1;
        memcpy(st_buf, fmt, n);
        st_buf[n] = '\0';
        return code;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st_buf, sizeof st_buf, fmt, ap);
    va_end(ap);
    return code;
}

const char *st_msg(void) { return st_buf; }

int st_code(void) { return st_last; }

const char *st_name(int code)
{
    static const char *const names[ST_NCODES] = {
        [ST_OK] = "ok",
        [ST_EIO] = "I/O error",
        [ST_ENOMEM] = "out of memory",
        [ST_ECORRUPT] = "database corrupt",
        [ST_ENOTDB] = "not an acidb database",
        [ST_EEMPTY] = "empty file",
        [ST_EVERSION] = "unsupported format version",
        [ST_EBUSY] = "database in use",
        [ST_EFULL] = "buffer pool exhausted",
        [ST_ECANTOPEN] = "cannot open",
        [ST_EREADONLY] = "read-only database",
        [ST_ETOOBIG] = "too big",
        [ST_ENOTFOUND] = "not found",
        [ST_EEXISTS] = "already exists",
        [ST_EINVAL] = "invalid argument",
        [ST_ELOCKED] = "lock not available",
        [ST_ETIMEOUT] = "lock timeout",
        [ST_EDEADLOCK] = "deadlock detected",
    };
    if (code < 0 || code >= ST_NCODES || names[code] == NULL)
        return "unknown error";
    return names[code];
}
