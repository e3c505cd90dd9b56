/*
 * dt_arith.c — date/time arithmetic, casts, AT TIME ZONE, date_trunc, extract, age and the
 * make_* constructors, with PostgreSQL 15's rules (engine/datetime.h).
 *
 * Month and day steps go through the broken-down (local) time, as PostgreSQL does: adding
 * months clamps the day to the month's end, and for TIMESTAMPTZ both steps happen in the
 * given zone (so '1 day' across a DST change keeps the wall-clock time) before the
 * microseconds are added to the instant.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/dt_int.h"
#include "engine/sqlstate.h"

static int ts_range(dt_error *err)
{
    return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp out of range");
}

int dt_date_add_days(dt_date d, int64_t days, dt_date *out, dt_error *err)
{
    if (d == DT_DATE_NOBEGIN || d == DT_DATE_NOEND) {
        *out = d;
        return 0;
    }
    int64_t r = (int64_t)d + days;
    if (!DT_VALID_DATE(r))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date out of range");
    *out = (dt_date)r;
    return 0;
}

int dt_date_diff(dt_date a, dt_date b, int32_t *out, dt_error *err)
{
    if (a == DT_DATE_NOBEGIN || a == DT_DATE_NOEND || b == DT_DATE_NOBEGIN || b == DT_DATE_NOEND)
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "cannot subtract infinite dates");
    *out = a - b;
    return 0;
}

/* Re-forms a local broken-down time in zone z (NULL: wall clock). */
static int refold(dt_fields *f, const tz_zone *z, dt_timestamp *out, dt_error *err)
{
    return dt_ts_from_fields(f, z, out, err);
}

int dt_ts_add_interval(dt_timestamp ts, const dt_interval *iv, const tz_zone *z,
                       dt_timestamp *out, dt_error *err)
{
    if (DT_IS_INF(ts)) {
        *out = ts;
        return 0;
    }
    dt_fields f;
    if (iv->month != 0) {
        if (dt_ts_fields(ts, z, &f) != 0)
            return ts_range(err);
        int64_t mon = (int64_t)f.mon + iv->month;
        int64_t y = f.year + dt_floordiv(mon - 1, 12);
        mon = mon - 1 - dt_floordiv(mon - 1, 12) * 12 + 1;
        if (y > DT_JULIAN_MAXYEAR || y < DT_JULIAN_MINYEAR)
            return ts_range(err);
        f.year = (int)y;
        f.mon = (int)mon;
        if (f.mday > dt_days_in_month(f.year, f.mon))
            f.mday = dt_days_in_month(f.year, f.mon);
        if (refold(&f, z, &ts, err) != 0)
            return -1;
    }
    if (iv->day != 0) {
        if (dt_ts_fields(ts, z, &f) != 0)
            return ts_range(err);
        int64_t jd = (int64_t)dt_date2j(f.year, f.mon, f.mday) + iv->day;
        if (jd < 0 || jd > INT32_MAX)
            return ts_range(err);
        dt_j2date((int)jd, &f.year, &f.mon, &f.mday);
        if (refold(&f, z, &ts, err) != 0)
            return -1;
    }
    if (__builtin_add_overflow(ts, iv->time, &ts) || !DT_VALID_TS(ts))
        return ts_range(err);
    *out = ts;
    return 0;
}

int dt_ts_sub_interval(dt_timestamp ts, const dt_interval *iv, const tz_zone *z,
                       dt_timestamp *out, dt_error *err)
{
    /* negated with wrap-around as PostgreSQL 15 (the minimum month count stays itself and
     * then overflows the timestamp) */
    dt_interval n = {(int64_t)(0u - (uint64_t)iv->time), (int32_t)(0u - (uint32_t)iv->day),
                     (int32_t)(0u - (uint32_t)iv->month)};
    return dt_ts_add_interval(ts, &n, z, out, err);
}

int dt_ts_diff(dt_timestamp a, dt_timestamp b, dt_interval *out, dt_error *err)
{
    if (DT_IS_INF(a) || DT_IS_INF(b))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
                      "cannot subtract infinite timestamps");
    dt_interval r = {0, 0, 0};
    if (__builtin_sub_overflow(a, b, &r.time))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "interval out of range");
    return dt_justify_hours(&r, out, err);
}

int dt_time_add_interval(dt_time t, const dt_interval *iv, int neg, dt_time *out)
{
    /* PostgreSQL 15: time +/- the interval's microseconds in int64 (wrapping), then
     * reduced to one day; months and days are ignored */
    int64_t r = (int64_t)(neg ? (uint64_t)t - (uint64_t)iv->time : (uint64_t)t + (uint64_t)iv->time);
    r -= r / DT_USECS_PER_DAY * DT_USECS_PER_DAY;
    if (r < 0)
        r += DT_USECS_PER_DAY;
    *out = r;
    return 0;
}

int dt_ts_at_zone(dt_timestamp ts, const tz_zone *z, dt_timestamp *out, dt_error *err)
{
    if (DT_IS_INF(ts)) {
        *out = ts;
        return 0;
    }
    int64_t r = ts - (int64_t)dt_zone_offset_local(z, ts) * 1000000;
    if (!DT_VALID_TS(r))
        return ts_range(err);
    *out = r;
    return 0;
}

int dt_tstz_at_zone(dt_timestamp ts, const tz_zone *z, dt_timestamp *out, dt_error *err)
{
    if (DT_IS_INF(ts)) {
        *out = ts;
        return 0;
    }
    int64_t r = ts + (int64_t)tz_offset_at(z, dt_floordiv(ts, 1000000) + DT_EPOCH_DIFF_SECS,
                                           NULL, NULL) * 1000000;
    if (!DT_VALID_TS(r))
        return ts_range(err);
    *out = r;
    return 0;
}

int dt_at_zone_name(dt_timestamp ts, int tstz, const char *name, dt_timestamp *out,
                    dt_error *err)
{
    const tz_zone *z;
    if (DT_IS_INF(ts)) {
        *out = ts;
        return 0;
    }
    if (dt_zone_lookup(name, &z, err) != 0)
        return -1;
    return tstz ? dt_tstz_at_zone(ts, z, out, err) : dt_ts_at_zone(ts, z, out, err);
}

int dt_date_to_ts(dt_date d, const tz_zone *z, dt_timestamp *out, dt_error *err)
{
    if (d == DT_DATE_NOBEGIN || d == DT_DATE_NOEND) {
        *out = d == DT_DATE_NOBEGIN ? DT_NOBEGIN : DT_NOEND;
        return 0;
    }
    /* PostgreSQL: dates past the timestamp range are an error */
    if (d >= (DT_END_TS / DT_USECS_PER_DAY))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date out of range for timestamp");
    int64_t r = (int64_t)d * DT_USECS_PER_DAY;
    if (z)
        r -= (int64_t)dt_zone_offset_local(z, r) * 1000000;
    if (!DT_VALID_TS(r))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date out of range for timestamp");
    *out = r;
    return 0;
}

int dt_ts_to_date(dt_timestamp ts, const tz_zone *z, dt_date *out, dt_error *err)
{
    (void)err;
    if (DT_IS_INF(ts)) {
        *out = ts == DT_NOBEGIN ? DT_DATE_NOBEGIN : DT_DATE_NOEND;
        return 0;
    }
    dt_fields f;
    dt_ts_fields(ts, z, &f);
    *out = (dt_date)(dt_date2j(f.year, f.mon, f.mday) - DT_PG_JD);
    return 0;
}

/* ---- units ---- */

enum {
    UN_NONE, UN_US, UN_MS, UN_SEC, UN_MIN, UN_HOUR, UN_DAY, UN_WEEK, UN_MONTH, UN_QUARTER,
    UN_YEAR, UN_DECADE, UN_CENTURY, UN_MILLENNIUM, UN_EPOCH, UN_DOW, UN_ISODOW, UN_DOY,
    UN_ISOYEAR, UN_JULIAN, UN_TZ, UN_TZ_HOUR, UN_TZ_MINUTE
};

static int unit_code(const char *s)
{
    static const struct {
        const char *n;
        int u;
    } t[] = {
        {"microsecond", UN_US}, {"microseconds", UN_US}, {"us", UN_US}, {"usec", UN_US},
        {"usecs", UN_US}, {"microsecon", UN_US}, {"millisecond", UN_MS},
        {"milliseconds", UN_MS}, {"ms", UN_MS}, {"msec", UN_MS}, {"msecs", UN_MS},
        {"millisecon", UN_MS}, {"second", UN_SEC}, {"seconds", UN_SEC}, {"s", UN_SEC},
        {"sec", UN_SEC}, {"secs", UN_SEC}, {"minute", UN_MIN}, {"minutes", UN_MIN},
        {"m", UN_MIN}, {"min", UN_MIN}, {"mins", UN_MIN}, {"hour", UN_HOUR}, {"hours", UN_HOUR},
        {"h", UN_HOUR}, {"hr", UN_HOUR}, {"hrs", UN_HOUR}, {"day", UN_DAY}, {"days", UN_DAY},
        {"d", UN_DAY}, {"week", UN_WEEK}, {"weeks", UN_WEEK}, {"w", UN_WEEK},
        {"month", UN_MONTH}, {"months", UN_MONTH}, {"mon", UN_MONTH}, {"mons", UN_MONTH},
        {"quarter", UN_QUARTER}, {"qtr", UN_QUARTER}, {"year", UN_YEAR}, {"years", UN_YEAR},
        {"y", UN_YEAR}, {"yr", UN_YEAR}, {"yrs", UN_YEAR}, {"decade", UN_DECADE},
        {"decades", UN_DECADE}, {"dec", UN_DECADE}, {"decs", UN_DECADE},
        {"century", UN_CENTURY}, {"centuries", UN_CENTURY}, {"c", UN_CENTURY},
        {"cent", UN_CENTURY}, {"millennium", UN_MILLENNIUM}, {"millennia", UN_MILLENNIUM},
        {"mil", UN_MILLENNIUM}, {"mils", UN_MILLENNIUM}, {"millenniums", UN_MILLENNIUM},
        {"epoch", UN_EPOCH}, {"dow", UN_DOW}, {"isodow", UN_ISODOW}, {"doy", UN_DOY},
        {"isoyear", UN_ISOYEAR}, {"julian", UN_JULIAN}, {"j", UN_JULIAN},
        {"timezone", UN_TZ}, {"timezone_h", UN_TZ_HOUR}, {"timezone_hour", UN_TZ_HOUR},
        {"timezone_m", UN_TZ_MINUTE}, {"timezone_minute", UN_TZ_MINUTE},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(s, t[i].n) == 0)
            return t[i].u;
    return UN_NONE;
}

static const char *kind_name(int kind)
{
    static const char *const n[] = {"date", "time without time zone",
                                    "timestamp without time zone", "timestamp with time zone",
                                    "interval"};
    return n[kind];
}

static int unit_err(int recognized, const char *unit, int kind, dt_error *err)
{
    if (!recognized)
        return dt_err(err, ERRCODE_INVALID_PARAMETER_VALUE, "unit \"%s\" not recognized for type %s",
                      unit, kind_name(kind));
    return dt_err(err, ERRCODE_FEATURE_NOT_SUPPORTED, "unit \"%s\" not supported for type %s",
                  unit, kind_name(kind));
}

/* 0 = Sunday */
static int j2day(int jd)
{
    int d = (jd + 1) % 7;
    return d < 0 ? d + 7 : d;
}

int dt_isoweek(int y, int m, int d, int *isoyear)
{
    int dayn = dt_date2j(y, m, d), day4 = dt_date2j(y, 1, 4), day0 = j2day(day4 - 1);
    *isoyear = y;
    if (dayn < day4 - day0) {
        day4 = dt_date2j(y - 1, 1, 4);
        day0 = j2day(day4 - 1);
        *isoyear = y - 1;
    }
    int r = (dayn - (day4 - day0)) / 7 + 1;
    if (r >= 52) {
        day4 = dt_date2j(y + 1, 1, 4);
        day0 = j2day(day4 - 1);
        if (dayn >= day4 - day0) {
            r = (dayn - (day4 - day0)) / 7 + 1;
            *isoyear = y + 1;
        }
    }
    return r;
}

static int lowered(const char *unit, char *buf, size_t cap)
{
    size_t n = strlen(unit);
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)((unit[i] >= 'A' && unit[i] <= 'Z') ? unit[i] + 32 : unit[i]);
    buf[n] = 0;
    return unit_code(buf);
}

int dt_trunc(const char *unit, dt_timestamp ts, const tz_zone *z, dt_timestamp *out,
             dt_error *err)
{
    char lu[40];
    int u = lowered(unit, lu, sizeof lu), kind = z ? DT_K_TSTZ : DT_K_TS;
    if (DT_IS_INF(ts)) {  /* before the unit is looked at, as PostgreSQL */
        *out = ts;
        return 0;
    }
    if (u == UN_NONE || u > UN_MILLENNIUM)  /* extract's extra units are not date_trunc's */
        return unit_err(0, unit, kind, err);
    dt_fields f;
    dt_ts_fields(ts, z, &f);
    int y = f.year;
    switch (u) {
    case UN_WEEK: {
        int jd = dt_date2j(f.year, f.mon, f.mday);
        jd -= (j2day(jd) + 6) % 7;
        dt_j2date(jd, &f.year, &f.mon, &f.mday);
        f.hour = f.min = f.sec = f.usec = 0;
        break;
    }
    case UN_MILLENNIUM:
    case UN_CENTURY:
    case UN_DECADE:
    case UN_YEAR:
    case UN_QUARTER:
    case UN_MONTH:
    case UN_DAY:
    case UN_HOUR:
    case UN_MIN:
    case UN_SEC:
        if (u == UN_MILLENNIUM)
            y = y > 0 ? ((y + 999) / 1000) * 1000 - 999 : -((999 - (y - 1)) / 1000) * 1000 + 1;
        if (u == UN_CENTURY)
            y = y > 0 ? ((y + 99) / 100) * 100 - 99 : -((99 - (y - 1)) / 100) * 100 + 1;
        if (u == UN_DECADE)
            y = y > 0 ? (y / 10) * 10 : -((8 - (y - 1)) / 10) * 10;
        f.year = y;
        if (u >= UN_YEAR)
            f.mon = 1;
        if (u == UN_QUARTER)
            f.mon = 3 * ((f.mon - 1) / 3) + 1;
        if (u >= UN_MONTH)
            f.mday = 1;
        if (u >= UN_DAY)
            f.hour = 0;
        if (u >= UN_HOUR)
            f.min = 0;
        if (u >= UN_MIN)
            f.sec = 0;
        f.usec = 0;
        break;
    case UN_MS:
        f.usec = f.usec / 1000 * 1000;
        break;
    default:
        break;
    }
    if (!z || u >= UN_DAY)
        return dt_ts_from_fields(&f, z, out, err);
    /* below a day in a zone: the instant's own offset is kept (PostgreSQL does not look it
     * up again), so the part below the unit is simply removed from the instant */
    int64_t below = 0;
    dt_fields o;
    dt_ts_fields(ts, z, &o);
    if (u == UN_HOUR)
        below = (int64_t)o.min * 60000000 + (int64_t)o.sec * 1000000 + o.usec;
    else if (u == UN_MIN)
        below = (int64_t)o.sec * 1000000 + o.usec;
    else if (u == UN_SEC)
        below = o.usec;
    else if (u == UN_MS)
        below = o.usec % 1000;
    *out = ts - below;
    return 0;
}

int dt_iv_trunc(const char *unit, const dt_interval *iv, dt_interval *out, dt_error *err)
{
    char lu[40];
    int u = lowered(unit, lu, sizeof lu);
    if (u == UN_NONE)
        return unit_err(0, unit, DT_K_INTERVAL, err);
    if (u == UN_WEEK)
        return unit_err(1, unit, DT_K_INTERVAL, err);
    if (u > UN_MILLENNIUM)
        return unit_err(0, unit, DT_K_INTERVAL, err);
    int64_t year = iv->month / 12, mon = iv->month % 12, day = iv->day, t = iv->time;
    int64_t hour = t / INT64_C(3600000000);
    t -= hour * INT64_C(3600000000);
    int64_t min = t / 60000000;
    t -= min * 60000000;
    int64_t usec = t;  /* seconds and microseconds */
    if (u == UN_MILLENNIUM)
        year = year / 1000 * 1000;
    if (u == UN_CENTURY)
        year = year / 100 * 100;
    if (u == UN_DECADE)
        year = year / 10 * 10;
    if (u >= UN_YEAR)
        mon = 0;
    if (u == UN_QUARTER)
        mon = 3 * (mon / 3);
    if (u >= UN_MONTH)
        day = 0;
    if (u >= UN_DAY)
        hour = 0;
    if (u >= UN_HOUR)
        min = 0;
    if (u >= UN_MIN)
        usec = 0;
    if (u == UN_SEC)
        usec = usec / 1000000 * 1000000;
    if (u == UN_MS)
        usec = usec / 1000 * 1000;
    out->month = (int32_t)(year * 12 + mon);
    out->day = (int32_t)day;
    out->time = hour * INT64_C(3600000000) + min * 60000000 + usec;
    return 0;
}

/* v / 10^scale as a decimal string with exactly `scale` digits after the point. */
static void put_scaled(char *buf, __int128 v, int scale)
{
    char tmp[64];
    int n = 0, neg = v < 0;
    unsigned __int128 a = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        tmp[n++] = (char)('0' + (int)(a % 10));
        a /= 10;
    } while (a || n <= scale);
    char *p = buf;
    if (neg)
        *p++ = '-';
    for (int i = n - 1; i >= 0; i--) {
        *p++ = tmp[i];
        if (i == scale && scale > 0)
            *p++ = '.';
    }
    *p = 0;
}

/* extract() of the broken-down fields common to dates and timestamps; -2 if the unit does
 * not apply to them. */
static int field_part(int u, const dt_fields *f, char *buf)
{
    int y = f->year, v;
    int jd = dt_date2j(f->year, f->mon, f->mday), iy;
    switch (u) {
    case UN_DAY: v = f->mday; break;
    case UN_MONTH: v = f->mon; break;
    case UN_QUARTER: v = (f->mon - 1) / 3 + 1; break;
    case UN_WEEK: v = dt_isoweek(f->year, f->mon, f->mday, &iy); break;
    case UN_YEAR: v = y > 0 ? y : y - 1; break;
    case UN_DECADE: v = y >= 0 ? y / 10 : -((8 - (y - 1)) / 10); break;
    case UN_CENTURY: v = y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100); break;
    case UN_MILLENNIUM: v = y > 0 ? (y + 999) / 1000 : -((999 - (y - 1)) / 1000); break;
    case UN_ISOYEAR:
        dt_isoweek(f->year, f->mon, f->mday, &v);
        if (v <= 0)
            v -= 1;
        break;
    case UN_DOW: v = j2day(jd); break;
    case UN_ISODOW: v = j2day(jd) == 0 ? 7 : j2day(jd); break;
    case UN_DOY: v = jd - dt_date2j(f->year, 1, 1) + 1; break;
    default: return -2;
    }
    sprintf(buf, "%d", v);
    return 0;
}

/* PostgreSQL 15: for an infinite input, the units that grow without bound are ±Infinity and
 * the others NULL. */
static int infinite_part(int u, int neg, char *buf)
{
    if (u == UN_YEAR || u == UN_DECADE || u == UN_CENTURY || u == UN_MILLENNIUM ||
        u == UN_JULIAN || u == UN_ISOYEAR || u == UN_EPOCH) {
        strcpy(buf, neg ? "-Infinity" : "Infinity");
        return 0;
    }
    return 1;
}

int dt_extract(const char *unit, int kind, const dt_any *v, const tz_zone *z, char *buf,
               dt_error *err)
{
    char lu[40];
    int u = lowered(unit, lu, sizeof lu);
    if (u == UN_NONE)
        return unit_err(0, unit, kind, err);
    dt_fields f;
    switch (kind) {
    case DT_K_DATE:
        if (u <= UN_HOUR || u == UN_TZ || u == UN_TZ_HOUR || u == UN_TZ_MINUTE)
            return unit_err(1, unit, kind, err);
        if (v->date == DT_DATE_NOBEGIN || v->date == DT_DATE_NOEND)
            return infinite_part(u, v->date == DT_DATE_NOBEGIN, buf);
        if (u == UN_EPOCH) {
            sprintf(buf, "%lld", (long long)((int64_t)v->date + DT_PG_JD - DT_UNIX_JD) * 86400);
            return 0;
        }
        if (u == UN_JULIAN) {
            sprintf(buf, "%d", v->date + DT_PG_JD);
            return 0;
        }
        memset(&f, 0, sizeof f);
        dt_j2date(v->date + DT_PG_JD, &f.year, &f.mon, &f.mday);
        return field_part(u, &f, buf);
    case DT_K_TIME: {
        int64_t t = v->time;
        switch (u) {
        case UN_US: sprintf(buf, "%lld", (long long)(t % 60000000)); return 0;
        case UN_MS: put_scaled(buf, t % 60000000, 3); return 0;
        case UN_SEC: put_scaled(buf, t % 60000000, 6); return 0;
        case UN_MIN: sprintf(buf, "%d", (int)(t / 60000000 % 60)); return 0;
        case UN_HOUR: sprintf(buf, "%d", (int)(t / INT64_C(3600000000))); return 0;
        case UN_EPOCH: put_scaled(buf, t, 6); return 0;
        default: return unit_err(1, unit, kind, err);
        }
    }
    case DT_K_INTERVAL: {
        const dt_interval *iv = &v->iv;
        int64_t year = iv->month / 12, mon = iv->month % 12, t = iv->time;
        int64_t hour = t / INT64_C(3600000000);
        t -= hour * INT64_C(3600000000);
        int64_t min = t / 60000000, us = t - min * 60000000;
        switch (u) {
        case UN_US: sprintf(buf, "%lld", (long long)us); return 0;
        case UN_MS: put_scaled(buf, us, 3); return 0;
        case UN_SEC: put_scaled(buf, us, 6); return 0;
        case UN_MIN: sprintf(buf, "%lld", (long long)min); return 0;
        case UN_HOUR: sprintf(buf, "%lld", (long long)hour); return 0;
        case UN_DAY: sprintf(buf, "%d", iv->day); return 0;
        case UN_MONTH: sprintf(buf, "%lld", (long long)mon); return 0;
        case UN_QUARTER: sprintf(buf, "%lld", (long long)(mon / 3 + 1)); return 0;
        case UN_YEAR: sprintf(buf, "%lld", (long long)year); return 0;
        case UN_DECADE: sprintf(buf, "%lld", (long long)(year / 10)); return 0;
        case UN_CENTURY: sprintf(buf, "%lld", (long long)(year / 100)); return 0;
        case UN_MILLENNIUM: sprintf(buf, "%lld", (long long)(year / 1000)); return 0;
        case UN_EPOCH: {
            __int128 secs = ((__int128)1461 * (iv->month / 12) + (__int128)120 * (iv->month % 12) +
                             (__int128)4 * iv->day) * 21600;
            put_scaled(buf, secs * 1000000 + iv->time, 6);
            return 0;
        }
        default: return unit_err(1, unit, kind, err);
        }
    }
    default:
        break;
    }
    /* timestamps */
    int64_t ts = v->ts;
    if (DT_IS_INF(ts))
        return infinite_part(u, ts == DT_NOBEGIN, buf);
    if ((u == UN_TZ || u == UN_TZ_HOUR || u == UN_TZ_MINUTE) && kind == DT_K_TS)
        return unit_err(1, unit, kind, err);
    if (u == UN_JULIAN)
        return dt_err(err, ERRCODE_FEATURE_NOT_SUPPORTED, "unit \"%s\" not supported for type %s",
                      unit, kind_name(kind));
    dt_ts_fields(ts, kind == DT_K_TSTZ ? z : NULL, &f);
    int64_t secus = (int64_t)f.sec * 1000000 + f.usec;
    switch (u) {
    case UN_US: sprintf(buf, "%lld", (long long)secus); return 0;
    case UN_MS: put_scaled(buf, secus, 3); return 0;
    case UN_SEC: put_scaled(buf, secus, 6); return 0;
    case UN_MIN: sprintf(buf, "%d", f.min); return 0;
    case UN_HOUR: sprintf(buf, "%d", f.hour); return 0;
    case UN_EPOCH: put_scaled(buf, (__int128)ts + DT_EPOCH_DIFF_SECS * 1000000, 6); return 0;
    case UN_TZ: sprintf(buf, "%d", f.gmtoff); return 0;
    case UN_TZ_HOUR: sprintf(buf, "%d", f.gmtoff / 3600); return 0;
    case UN_TZ_MINUTE: sprintf(buf, "%d", f.gmtoff / 60 % 60); return 0;
    default: return field_part(u, &f, buf);
    }
}

/* date_part keeps PostgreSQL's float8 arithmetic for the second fields and the epoch (it is
 * not the NUMERIC of extract converted: 4.87194 s is 4871.9400000000005 ms); the other units
 * are integers and come from dt_extract. */
int dt_date_part(const char *unit, int kind, const dt_any *v, const tz_zone *z, double *out,
                 dt_error *err)
{
    char lu[40];
    int u = lowered(unit, lu, sizeof lu);
    dt_any tv = *v;
    if (kind == DT_K_DATE) {  /* PostgreSQL: date_part(unit, date::timestamp) */
        if (dt_date_to_ts(v->date, NULL, &tv.ts, err) != 0)
            return -1;
        kind = DT_K_TS;
    }
    int64_t secus = -1;  /* seconds and microseconds of the minute, when finite */
    double epoch = 0;
    if (kind == DT_K_TIME) {
        secus = tv.time % 60000000;
        epoch = tv.time / 1000000.0;
    } else if (kind == DT_K_INTERVAL) {
        /* PostgreSQL 15: whole years of 365.25 days, the other months of 30 days */
        int64_t years = tv.iv.month / 12, months = tv.iv.month % 12;
        secus = tv.iv.time % 60000000;
        epoch = tv.iv.time / 1000000.0 + 365.25 * 86400 * (double)years +
                30.0 * 86400 * (double)months + 86400.0 * tv.iv.day;
    } else if (!DT_IS_INF(tv.ts)) {
        dt_fields f;
        memset(&f, 0, sizeof f);
        dt_ts_fields(tv.ts, kind == DT_K_TSTZ ? z : NULL, &f);
        secus = (int64_t)f.sec * 1000000 + f.usec;
        epoch = (tv.ts + DT_EPOCH_DIFF_SECS * INT64_C(1000000)) / 1000000.0;
    }
    char buf[DT_MAXLEN] = "";
    int rc = dt_extract(unit, kind, &tv, z, buf, err);
    if (rc != 0)
        return rc;
    if (strcmp(buf, "Infinity") == 0 || strcmp(buf, "-Infinity") == 0) {
        *out = buf[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        return 0;
    }
    int64_t sec = secus / 1000000, us = secus % 1000000;
    if (u == UN_US)
        *out = sec * 1000000.0 + us;
    else if (u == UN_MS)
        *out = sec * 1000.0 + us / 1000.0;
    else if (u == UN_SEC)
        *out = sec + us / 1000000.0;
    else if (u == UN_EPOCH)
        *out = epoch;
    else
        *out = strtod(buf, NULL);
    return 0;
}

int dt_age(dt_timestamp a, dt_timestamp b, const tz_zone *z, dt_interval *out, dt_error *err)
{
    dt_fields f1, f2;
    if (dt_ts_fields(a, z, &f1) != 0 || dt_ts_fields(b, z, &f2) != 0)
        return ts_range(err);
    int64_t usec = f1.usec - f2.usec, sec = f1.sec - f2.sec, min = f1.min - f2.min,
            hour = f1.hour - f2.hour, mday = f1.mday - f2.mday, mon = f1.mon - f2.mon,
            year = (int64_t)f1.year - f2.year;
    int swap = a < b;
    if (swap) {
        usec = -usec, sec = -sec, min = -min, hour = -hour, mday = -mday, mon = -mon;
        year = -year;
    }
    while (usec < 0)
        usec += 1000000, sec--;
    while (sec < 0)
        sec += 60, min--;
    while (min < 0)
        min += 60, hour--;
    while (hour < 0)
        hour += 24, mday--;
    while (mday < 0) {
        const dt_fields *r = swap ? &f1 : &f2;
        mday += dt_days_in_month(r->year, r->mon);
        mon--;
    }
    while (mon < 0)
        mon += 12, year--;
    if (swap) {
        usec = -usec, sec = -sec, min = -min, hour = -hour, mday = -mday, mon = -mon;
        year = -year;
    }
    int64_t months = year * 12 + mon;
    if (months > INT32_MAX || months < INT32_MIN)
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "interval out of range");
    out->month = (int32_t)months;
    out->day = (int32_t)mday;
    out->time = ((hour * 60 + min) * 60 + sec) * 1000000 + usec;
    return 0;
}

int dt_make_date(int y, int m, int d, dt_date *out, dt_error *err)
{
    int yy = y, bc = y < 0;
    if (bc)
        yy = -y;
    if (yy <= 0 || m < 1 || m > 12 || d < 1 || (bc ? d > dt_days_in_month(-(yy - 1), m)
                                                   : d > dt_days_in_month(yy, m)))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
                      "date field value out of range: %d-%02d-%02d", bc ? -(yy - 1) : yy, m, d);
    int ay = bc ? -(yy - 1) : yy;
    int64_t r = 0;
    if (dt_valid_julian(ay, m))
        r = (int64_t)dt_date2j(ay, m, d) - DT_PG_JD;
    if (!dt_valid_julian(ay, m) || !DT_VALID_DATE(r))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date out of range: %d-%02d-%02d",
                      ay, m, d);
    *out = (dt_date)r;
    return 0;
}

int dt_make_timestamp(int y, int m, int d, int h, int mi, double sec, dt_timestamp *out,
                      dt_error *err)
{
    if (y <= 0 || m < 1 || m > 12 || d < 1 || d > dt_days_in_month(y, m))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
                      "date field value out of range: %d-%02d-%02d", y, m, d);
    if (!dt_valid_julian(y, m))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date out of range: %d-%02d-%02d",
                      y, m, d);
    double us = rint(sec * 1000000.0);
    if (h < 0 || h > 24 || mi < 0 || mi > 59 || isnan(sec) || us < 0 || us > 60000000.0 ||
        (h == 24 && (mi > 0 || us > 0)))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
                      "time field value out of range: %d:%02d:%02g", h, mi, sec);
    int64_t days = (int64_t)dt_date2j(y, m, d) - DT_PG_JD;
    int64_t r = days * DT_USECS_PER_DAY + ((int64_t)h * 60 + mi) * 60000000 + (int64_t)us;
    if (!DT_VALID_TS(r))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
                      "timestamp out of range: %d-%02d-%02d %d:%02d:%02g", y, m, d, h, mi, sec);
    *out = r;
    return 0;
}
