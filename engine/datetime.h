/*
 * datetime.h — DATE, TIME, TIMESTAMP, TIMESTAMPTZ and INTERVAL with PostgreSQL 15's
 * representations and semantics (DateStyle ISO, MDY; IntervalStyle postgres).
 *
 * Representations (PostgreSQL's):
 *   date        int32 days since 2000-01-01; INT32_MIN = -infinity, INT32_MAX = infinity.
 *   timestamp   int64 microseconds since 2000-01-01 00:00:00 (local wall clock for TIMESTAMP,
 *               UTC for TIMESTAMPTZ); INT64_MIN = -infinity, INT64_MAX = infinity. Finite
 *               values lie in [4714-11-24 00:00:00 BC, 294277-01-01 00:00:00).
 *   time        int64 microseconds since midnight, 0 .. 86400000000 (24:00:00 included).
 *   interval    months (int32), days (int32), microseconds (int64), kept apart as PostgreSQL
 *               does: '1 mon' and '30 days' are different values that compare equal.
 * Years are astronomical inside (0 = 1 BC, -1 = 2 BC); text uses "BC".
 *
 * Every fallible function returns 0 or -1; on -1 it fills *err with the SQLSTATE and
 * PostgreSQL's message. Functions that take a zone take it explicitly (the session TimeZone
 * for TIMESTAMPTZ): nothing here reads process-wide state, so every function is thread-safe.
 * Functions that need "now" ('now', 'today', age with one argument) take the transaction
 * start as a TIMESTAMPTZ argument.
 */
#ifndef ACIDB_DATETIME_H
#define ACIDB_DATETIME_H

#include <stddef.h>
#include <stdint.h>

#include "engine/sqlstate.h"
#include "engine/tz.h"

typedef int32_t dt_date;
typedef int64_t dt_timestamp;  /* TIMESTAMP and TIMESTAMPTZ */
typedef int64_t dt_time;

typedef struct dt_interval {
    int64_t time;   /* microseconds */
    int32_t day;
    int32_t month;
} dt_interval;

typedef struct dt_error {
    const char *sqlstate;  /* ERRCODE_* */
    char msg[256];
} dt_error;

#define DT_DATE_NOBEGIN INT32_MIN
#define DT_DATE_NOEND INT32_MAX
#define DT_NOBEGIN INT64_MIN
#define DT_NOEND INT64_MAX
#define DT_USECS_PER_DAY INT64_C(86400000000)

/* ---- calendar ---- */
/* Julian day number of a proleptic Gregorian date (astronomical year), and back. */
int dt_date2j(int y, int m, int d);
void dt_j2date(int jd, int *y, int *m, int *d);
int dt_days_in_month(int y, int m);

/* Broken-down local time of a finite timestamp; year astronomical, usec 0..999999. */
typedef struct dt_fields {
    int year, mon, mday, hour, min, sec, usec;
    int32_t gmtoff;        /* seconds east (0 for TIMESTAMP) */
    const char *abbrev;    /* zone abbreviation, "" for TIMESTAMP */
} dt_fields;
/* Fields of ts; z NULL for TIMESTAMP (wall clock), a zone for TIMESTAMPTZ. -1 if infinite. */
int dt_ts_fields(dt_timestamp ts, const tz_zone *z, dt_fields *f);
/* The timestamp of fields (f->usec may be 0..999999, hour 0..24); z NULL for TIMESTAMP, else
 * the local time is resolved in z (DST gap/overlap as PostgreSQL). 22008 when out of range. */
int dt_ts_from_fields(const dt_fields *f, const tz_zone *z, dt_timestamp *out, dt_error *err);

/* ---- input (text -> value) ---- */
/* `now` is the transaction start (TIMESTAMPTZ); zone the session TimeZone. */
int dt_date_in(const char *s, const tz_zone *zone, dt_timestamp now, dt_date *out, dt_error *err);
int dt_time_in(const char *s, const tz_zone *zone, dt_timestamp now, dt_time *out, dt_error *err);
int dt_timestamp_in(const char *s, const tz_zone *zone, dt_timestamp now, dt_timestamp *out,
                    dt_error *err);
int dt_timestamptz_in(const char *s, const tz_zone *zone, dt_timestamp now, dt_timestamp *out,
                      dt_error *err);
int dt_interval_in(const char *s, dt_interval *out, dt_error *err);

/* ---- output (value -> text); buf of at least DT_MAXLEN bytes; returns the length ---- */
#define DT_MAXLEN 128
size_t dt_date_out(dt_date d, char *buf);
size_t dt_time_out(dt_time t, char *buf);
size_t dt_timestamp_out(dt_timestamp ts, char *buf);
size_t dt_timestamptz_out(dt_timestamp ts, const tz_zone *zone, char *buf);
size_t dt_interval_out(const dt_interval *iv, char *buf);

/* ---- zones ---- */
/* The zone a SET TIME ZONE / AT TIME ZONE name means: a zoneinfo name, "UTC"/"Z"/"GMT", a
 * POSIX string ("+01" in POSIX sign: UTC-1, as PostgreSQL's AT TIME ZONE '+01'). 22023
 * 'time zone "x" not recognized' otherwise. */
int dt_zone_lookup(const char *name, const tz_zone **out, dt_error *err);

/* The zone a TimeZone setting names (SET TIME ZONE / SET timezone = ...), as PostgreSQL's
 * check_timezone: a plain number is hours EAST of Greenwich in SQL's sign ('-7', '5.5'),
 * anything else as dt_zone_lookup. */
int dt_zone_setting(const char *value, const tz_zone **out, dt_error *err);

/* ---- arithmetic and comparison ---- */
int dt_date_add_days(dt_date d, int64_t days, dt_date *out, dt_error *err);
int dt_date_diff(dt_date a, dt_date b, int32_t *out, dt_error *err);
/* z NULL: TIMESTAMP; else TIMESTAMPTZ with months and days added in zone z. */
int dt_ts_add_interval(dt_timestamp ts, const dt_interval *iv, const tz_zone *z,
                       dt_timestamp *out, dt_error *err);
int dt_ts_sub_interval(dt_timestamp ts, const dt_interval *iv, const tz_zone *z,
                       dt_timestamp *out, dt_error *err);
int dt_ts_diff(dt_timestamp a, dt_timestamp b, dt_interval *out, dt_error *err);
int dt_time_add_interval(dt_time t, const dt_interval *iv, int neg, dt_time *out);
int dt_iv_add(const dt_interval *a, const dt_interval *b, dt_interval *out, dt_error *err);
int dt_iv_sub(const dt_interval *a, const dt_interval *b, dt_interval *out, dt_error *err);
int dt_iv_neg(const dt_interval *a, dt_interval *out, dt_error *err);
int dt_iv_mul(const dt_interval *a, double f, dt_interval *out, dt_error *err);
int dt_iv_div(const dt_interval *a, double f, dt_interval *out, dt_error *err);
/* Total order of PostgreSQL's interval_cmp (a month = 30 days, a day = 24 h): -1, 0, 1. */
int dt_iv_cmp(const dt_interval *a, const dt_interval *b);
int dt_justify_days(const dt_interval *a, dt_interval *out, dt_error *err);
int dt_justify_hours(const dt_interval *a, dt_interval *out, dt_error *err);
int dt_justify_interval(const dt_interval *a, dt_interval *out, dt_error *err);
/* TIMESTAMP AT TIME ZONE z -> TIMESTAMPTZ, and TIMESTAMPTZ AT TIME ZONE z -> TIMESTAMP. */
int dt_ts_at_zone(dt_timestamp ts, const tz_zone *z, dt_timestamp *out, dt_error *err);
int dt_tstz_at_zone(dt_timestamp ts, const tz_zone *z, dt_timestamp *out, dt_error *err);
/* `x AT TIME ZONE 'name'` in PostgreSQL's order: an infinite x is returned before the name is
 * looked up; tstz selects the direction (1: x is TIMESTAMPTZ, the result TIMESTAMP). */
int dt_at_zone_name(dt_timestamp ts, int tstz, const char *name, dt_timestamp *out,
                    dt_error *err);
/* Casts. date -> timestamp(tz), timestamp <-> timestamptz in zone z. */
int dt_date_to_ts(dt_date d, const tz_zone *z, dt_timestamp *out, dt_error *err);
int dt_ts_to_date(dt_timestamp ts, const tz_zone *z, dt_date *out, dt_error *err);

/* ---- functions ---- */
/* date_trunc(unit, ts); z NULL for TIMESTAMP, else truncation in zone z (TIMESTAMPTZ). */
int dt_trunc(const char *unit, dt_timestamp ts, const tz_zone *z, dt_timestamp *out,
             dt_error *err);
int dt_iv_trunc(const char *unit, const dt_interval *iv, dt_interval *out, dt_error *err);
/* extract(unit FROM x) as NUMERIC: a decimal string in buf (DT_MAXLEN), "Infinity",
 * "-Infinity", or NULL (returns 1) as PostgreSQL 15. Kinds select the source type. */
enum { DT_K_DATE, DT_K_TIME, DT_K_TS, DT_K_TSTZ, DT_K_INTERVAL };
typedef union dt_any {
    dt_date date;
    dt_time time;
    dt_timestamp ts;
    dt_interval iv;
} dt_any;
int dt_extract(const char *unit, int kind, const dt_any *v, const tz_zone *z, char *buf,
               dt_error *err);
/* date_part(unit, x): extract's value as a float8 (PostgreSQL 15 converts the NUMERIC);
 * returns 1 for NULL. */
int dt_date_part(const char *unit, int kind, const dt_any *v, const tz_zone *z, double *out,
                 dt_error *err);
int dt_age(dt_timestamp a, dt_timestamp b, const tz_zone *z, dt_interval *out, dt_error *err);
int dt_make_date(int y, int m, int d, dt_date *out, dt_error *err);
int dt_make_timestamp(int y, int m, int d, int h, int mi, double sec, dt_timestamp *out,
                      dt_error *err);
/* to_char(ts, fmt): z NULL for TIMESTAMP, else the zone for TIMESTAMPTZ. The result is
 * malloc'd (*out, caller frees); NULL result (infinite input) returns 1. */
int dt_to_char(dt_timestamp ts, const tz_zone *z, const char *fmt, char **out, dt_error *err);
int dt_iv_to_char(const dt_interval *iv, const char *fmt, char **out, dt_error *err);

/* ---- encodings (engine/types.md, "Date and time encodings") ---- */
#define DT_KEY_DATE 4
#define DT_KEY_TS 8
#define DT_KEY_TIME 8
#define DT_KEY_INTERVAL 32
void dt_key_date(dt_date d, uint8_t out[DT_KEY_DATE]);
void dt_key_ts(dt_timestamp ts, uint8_t out[DT_KEY_TS]);
void dt_key_time(dt_time t, uint8_t out[DT_KEY_TIME]);
void dt_key_interval(const dt_interval *iv, uint8_t out[DT_KEY_INTERVAL]);
dt_date dt_key_date_decode(const uint8_t in[DT_KEY_DATE]);
dt_timestamp dt_key_ts_decode(const uint8_t in[DT_KEY_TS]);
dt_interval dt_key_interval_decode(const uint8_t in[DT_KEY_INTERVAL]);
/* Record forms: little-endian fixed width (4, 8, 8, 16 bytes). Decoders check the length and
 * the range (data from disk): -1 when malformed. */
#define DT_REC_INTERVAL 16
void dt_rec_date(dt_date d, uint8_t out[4]);
void dt_rec_ts(dt_timestamp ts, uint8_t out[8]);  /* also TIME */
void dt_rec_interval(const dt_interval *iv, uint8_t out[DT_REC_INTERVAL]);
int dt_rec_interval_decode(const uint8_t *in, size_t len, dt_interval *out);
int dt_rec_ts_decode(const uint8_t *in, size_t len, dt_timestamp *out);
int dt_rec_date_decode(const uint8_t *in, size_t len, dt_date *out);
int dt_rec_time_decode(const uint8_t *in, size_t len, dt_time *out);

#endif
