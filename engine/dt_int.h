/*
 * dt_int.h — constants and helpers shared by the date/time files (datetime.c, dt_arith.c,
 * dt_format.c); not part of the module's interface (engine/datetime.h).
 */
#ifndef ACIDB_DT_INT_H
#define ACIDB_DT_INT_H

#include "engine/datetime.h"

#define DT_PG_JD 2451545    /* Julian day of 2000-01-01 */
#define DT_UNIX_JD 2440588  /* Julian day of 1970-01-01 */
#define DT_EPOCH_DIFF_SECS INT64_C(946684800)  /* 2000-01-01 - 1970-01-01 in seconds */
#define DT_JULIAN_MINYEAR (-4713)
#define DT_JULIAN_MAXYEAR 5874898
#define DT_MIN_TS INT64_C(-211813488000000000)   /* 4714-11-24 00:00:00 BC */
#define DT_END_TS INT64_C(9223371331200000000)   /* 294277-01-01 00:00:00 */
#define DT_MIN_DATE (-DT_PG_JD)                   /* Julian day 0 */
#define DT_END_DATE (2147483494 - DT_PG_JD)       /* 5874898-06-03 */
#define DT_VALID_TS(t) ((t) >= DT_MIN_TS && (t) < DT_END_TS)
#define DT_VALID_DATE(d) ((d) >= DT_MIN_DATE && (d) < DT_END_DATE)
#define DT_IS_INF(t) ((t) == DT_NOBEGIN || (t) == DT_NOEND)

int dt_err(dt_error *e, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t dt_floordiv(int64_t a, int64_t b);
int dt_is_leap(int y);
int dt_valid_julian(int y, int m);
/* The offset (seconds east) in force at a wall-clock time of zone z (PostgreSQL's rule). */
int32_t dt_zone_offset_local(const tz_zone *z, int64_t local_usec);
int dt_abbrev(const char *word, int32_t *off);
size_t dt_put_offset(char *b, int32_t gmtoff);
/* ISO 8601 week number of a date; *isoyear receives the ISO year it belongs to. */
int dt_isoweek(int y, int m, int d, int *isoyear);

#endif
