/*
 * version.c — the library's version as compiled into it (engine/acidb.h, ACIDB_VERSION).
 */
#include "engine/acidb.h"
#include "pager/pager.h"
#include "wal/log.h"

_Static_assert(ACIDB_FILE_FORMAT_VERSION == PGR_FORMAT_VERSION, "ACIDB_FILE_FORMAT_VERSION");
_Static_assert(ACIDB_LOG_FORMAT_VERSION == WAL_FORMAT_VERSION, "ACIDB_LOG_FORMAT_VERSION");

_Static_assert(ACIDB_VERSION_NUMBER == ACIDB_VERSION_MAJOR * 1000000 + ACIDB_VERSION_MINOR * 1000 +
                                           ACIDB_VERSION_PATCH,
               "ACIDB_VERSION_NUMBER");

const char *acidb_libversion(void) { return ACIDB_VERSION; }

int acidb_libversion_number(void) { return ACIDB_VERSION_NUMBER; }
