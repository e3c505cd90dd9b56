/*
 * tz.h — time zones read from the system's TZif files, per zone, without glibc's process-wide
 * TZ.
 *
 * A zone is an immutable object: loaded once from /usr/share/zoneinfo/<name> (TZif versions
 * 1-3; the 64-bit block when present, and the POSIX TZ footer rule for instants after the last
 * transition), or parsed from a POSIX TZ string ("EST5EDT", "<+03>-3", "+01" — POSIX signs:
 * "+01" is one hour WEST of Greenwich), or built for a fixed offset. Zones loaded by name are
 * cached for the life of the process (a mutex guards the cache; a returned zone is never freed
 * or changed, so any thread may use it without a lock).
 *
 * Instants are seconds since 1970-01-01 00:00:00 UTC (int64). Offsets are seconds EAST of
 * Greenwich (Berlin in winter: +3600).
 */
#ifndef ACIDB_TZ_H
#define ACIDB_TZ_H

#include <stdint.h>

typedef struct tz_zone tz_zone;

/* The zone called `name`: a file under the zoneinfo directory (matched case-insensitively, as
 * PostgreSQL does: "europe/berlin" finds Europe/Berlin), else a POSIX TZ string. Returns NULL
 * when neither works (the caller reports 22023 'time zone "name" not recognized'). The zone
 * is cached and lives until the process ends. */
const tz_zone *tz_find(const char *name);
/* A zone with the fixed offset `gmtoff` (seconds east), named like PostgreSQL's fixed-offset
 * zones ("+01", "-05:30" in output of the abbreviation). Cached; never NULL unless out of
 * memory. |gmtoff| must be below 7 days. */
const tz_zone *tz_fixed(int32_t gmtoff);
/* UTC, always available. */
const tz_zone *tz_utc(void);

/* The zone's canonical name as given to tz_find (the file's spelling when found by file). */
const char *tz_name(const tz_zone *z);

/* Offset from UTC at instant t, whether it is daylight time, and the abbreviation ("CET",
 * "EDT", "+0530"); isdst and abbrev may be NULL. The abbreviation points into the zone. */
int32_t tz_offset_at(const tz_zone *z, int64_t t, int *isdst, const char **abbrev);

/* The UTC instant of local wall-clock time `local` (seconds since 1970-01-01 00:00:00 as if
 * local time were UTC), resolving a DST gap and overlap as PostgreSQL's
 * DetermineTimeZoneOffset does: in a spring-forward gap the offset in force BEFORE the
 * transition is used (02:30 in Berlin's gap is read as 02:30 CET = 03:30 CEST); in a fall-back
 * overlap the offset AFTER it (02:30 on Berlin's October change is 02:30 CET). Returns the
 * offset used; *utc receives local - offset. isdst may be NULL. */
int32_t tz_local_to_utc(const tz_zone *z, int64_t local, int64_t *utc, int *isdst);

/* Whether the zone has one offset at every instant (a fixed zone, Etc/GMT+5, a POSIX string
 * without DST); *gmtoff receives it. TIME input accepts only such zones without a date. */
int tz_single_offset(const tz_zone *z, int32_t *gmtoff);

/* Sets dir as the zoneinfo directory (default /usr/share/zoneinfo, or $TZDIR when set). For
 * tests; call before the first tz_find. */
void tz_set_dir(const char *dir);

#endif
