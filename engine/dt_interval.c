/*
 * dt_interval.c — INTERVAL: text input (PostgreSQL's postgres style and ISO 8601 "P..."),
 * output in IntervalStyle postgres, arithmetic, justify_* and comparison
 * (engine/datetime.h).
 *
 * Input accumulates years, months, days and microseconds separately, each unit's fraction
 * spilling into the next smaller unit as PostgreSQL 15 does (a year's fraction to whole
 * months, a month's to days at 30 days a month, a day's to microseconds at 24 hours a day),
 * and refuses a unit given twice.
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/dt_int.h"
#include "engine/sqlstate.h"

typedef struct iv_acc {
    int64_t year, mon, day, usec;
} iv_acc;

/* PostgreSQL's AdjustFractMicroseconds: the fraction scaled, a half microsecond or less
 * dropped. */
static int frac_usec(double frac, int64_t scale, iv_acc *a)
{
    if (frac == 0)
        return 0;
    frac *= (double)scale;
    if (!(fabs(frac) < 9e18))
        return -1;
    int64_t us = (int64_t)frac;
    frac -= (double)us;
    if (frac > 0.5)
        us++;
    else if (frac < -0.5)
        us--;
    a->usec += us;
    return 0;
}

static int frac_days(double frac, int scale, iv_acc *a)
{
    if (frac == 0)
        return 0;
    frac *= scale;
    int extra = (int)frac;
    a->day += extra;
    return frac_usec(frac - extra, DT_USECS_PER_DAY, a);
}

static void frac_years(double frac, int scale, iv_acc *a)
{
    if (frac != 0)
        a->mon += (int64_t)rint(frac * scale * 12);
}

enum {
    U_US = 1, U_MS = 2, U_SEC = 4, U_MIN = 8, U_HOUR = 16, U_DAY = 32, U_WEEK = 64,
    U_MON = 128, U_YEAR = 256, U_DECADE = 512, U_CENT = 1024, U_MILL = 2048
};

static int unit_of(const char *w)
{
    static const struct {
        const char *n;
        int u;
    } t[] = {
        {"microsecond", U_US}, {"microseconds", U_US}, {"us", U_US}, {"usec", U_US},
        {"usecs", U_US}, {"microsecon", U_US}, {"millisecond", U_MS}, {"milliseconds", U_MS},
        {"ms", U_MS}, {"msec", U_MS}, {"msecs", U_MS}, {"millisecon", U_MS},
        {"second", U_SEC}, {"seconds", U_SEC}, {"s", U_SEC}, {"sec", U_SEC}, {"secs", U_SEC},
        {"minute", U_MIN}, {"minutes", U_MIN}, {"m", U_MIN}, {"min", U_MIN}, {"mins", U_MIN},
        {"hour", U_HOUR}, {"hours", U_HOUR}, {"h", U_HOUR}, {"hr", U_HOUR}, {"hrs", U_HOUR},
        {"day", U_DAY}, {"days", U_DAY}, {"d", U_DAY}, {"week", U_WEEK}, {"weeks", U_WEEK},
        {"w", U_WEEK}, {"month", U_MON}, {"months", U_MON}, {"mon", U_MON}, {"mons", U_MON},
        {"year", U_YEAR}, {"years", U_YEAR}, {"y", U_YEAR}, {"yr", U_YEAR}, {"yrs", U_YEAR},
        {"decade", U_DECADE}, {"decades", U_DECADE}, {"dec", U_DECADE}, {"decs", U_DECADE},
        {"century", U_CENT}, {"centuries", U_CENT}, {"c", U_CENT}, {"cent", U_CENT},
        {"millennium", U_MILL}, {"millennia", U_MILL}, {"mil", U_MILL}, {"mils", U_MILL},
        {"millenniums", U_MILL}, {"millisecs", U_MS},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(w, t[i].n) == 0)
            return t[i].u;
    return 0;
}

/* Adds val (integer part) + frac of unit u. */
static int add_unit(iv_acc *a, int u, int64_t val, double frac)
{
    switch (u) {
    case U_US:
        a->usec += val;
        return frac_usec(frac, 1, a);
    case U_MS:
        a->usec += val * 1000;
        return frac_usec(frac, 1000, a);
    case U_SEC:
        a->usec += val * 1000000;
        return frac_usec(frac, 1000000, a);
    case U_MIN:
        a->usec += val * 60000000;
        return frac_usec(frac, 60000000, a);
    case U_HOUR:
        a->usec += val * INT64_C(3600000000);
        return frac_usec(frac, INT64_C(3600000000), a);
    case U_DAY:
        a->day += val;
        return frac_usec(frac, DT_USECS_PER_DAY, a);
    case U_WEEK:
        a->day += val * 7;
        return frac_days(frac, 7, a);
    case U_MON:
        a->mon += val;
        return frac_days(frac, 30, a);
    case U_YEAR:
        a->year += val;
        frac_years(frac, 1, a);
        return 0;
    case U_DECADE:
        a->year += val * 10;
        frac_years(frac, 10, a);
        return 0;
    case U_CENT:
        a->year += val * 100;
        frac_years(frac, 100, a);
        return 0;
    default:
        a->year += val * 1000;
        frac_years(frac, 1000, a);
        return 0;
    }
}

/* A signed number "[+-]digits[.digits]": integer part and signed fraction. */
static const char *number(const char *p, int64_t *val, double *frac, int *neg)
{
    *neg = 0;
    if (*p == '+' || *p == '-')
        *neg = *p++ == '-';
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return NULL;
    int64_t v = 0;
    while (isdigit((unsigned char)*p)) {
        if (v > (INT64_MAX - 9) / 10)
            return NULL;
        v = v * 10 + (*p++ - '0');
    }
    *frac = 0;
    if (*p == '.') {
        const char *b = p++;
        while (isdigit((unsigned char)*p))
            p++;
        char tmp[64];
        size_t n = (size_t)(p - b) < sizeof tmp - 1 ? (size_t)(p - b) : sizeof tmp - 1;
        memcpy(tmp, b, n);
        tmp[n] = 0;
        *frac = strtod(tmp, NULL);
    }
    *val = *neg ? -v : v;
    if (*neg)
        *frac = -*frac;
    return p;
}

static int finish(const iv_acc *a, dt_interval *out)
{
    int64_t mon = a->year * 12 + a->mon;
    if (a->year > INT32_MAX || a->year < INT32_MIN || mon > INT32_MAX || mon < INT32_MIN ||
        a->day > INT32_MAX || a->day < INT32_MIN)
        return -1;
    out->month = (int32_t)mon;
    out->day = (int32_t)a->day;
    out->time = a->usec;
    return 0;
}

/* ISO 8601 "P1Y2M3DT4H5M6.5S" (designator form). */
static int iso8601(const char *p, iv_acc *a)
{
    int timepart = 0;
    p++;
    if (!*p)
        return -1;  /* "P" alone; "PT" is zero */
    while (*p) {
        if (*p == 'T' || *p == 't') {
            if (timepart)
                return -1;
            timepart = 1;
            p++;
            continue;
        }
        int64_t v;
        double f;
        int neg;
        if (!(p = number(p, &v, &f, &neg)))
            return -1;
        int c = toupper((unsigned char)*p++), u;
        if (!timepart)
            u = c == 'Y' ? U_YEAR : c == 'M' ? U_MON : c == 'W' ? U_WEEK : c == 'D' ? U_DAY : 0;
        else
            u = c == 'H' ? U_HOUR : c == 'M' ? U_MIN : c == 'S' ? U_SEC : 0;
        if (!u)  /* a repeated designator adds, as in PostgreSQL ("P1Y1Y" is 2 years) */
            return -1;
        if (add_unit(a, u, v, f) != 0)
            return -1;
    }
    return 0;
}

int dt_interval_in(const char *s, dt_interval *out, dt_error *err)
{
    iv_acc a = {0, 0, 0, 0};
    const char *p = s;
    int seen = 0, ago = 0, ntok = 0, bad = 0, ovf = 0, pending_day = 0;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == 'P' || *p == 'p') {
        const char *e = p + strlen(p);
        while (e > p && isspace((unsigned char)e[-1]))
            e--;
        char tmp[256] = "";
        size_t n = (size_t)(e - p);
        if (n < sizeof tmp) {
            memcpy(tmp, p, n);
            tmp[n] = 0; /* the form without the trailing blanks */
        }
        if (n >= sizeof tmp || iso8601(tmp, &a) != 0) {
            return dt_err(err, ERRCODE_INVALID_DATETIME_FORMAT,
                          "invalid input syntax for type interval: \"%s\"", s);
        }
        goto done;
    }
    while (*p && !bad) {
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        if (*p == '@') {
            p++;
            continue;
        }
        ntok++;
        if (isalpha((unsigned char)*p)) {
            char w[32];
            size_t n = 0;
            while (isalpha((unsigned char)*p) && n + 1 < sizeof w)
                w[n++] = *p++;
            w[n] = 0;
            if (strcasecmp(w, "ago") == 0) {  /* at the end; repeating it changes nothing */
                ago = 1;
                while (isspace((unsigned char)*p))
                    p++;
                bad = *p != 0 && strncasecmp(p, "ago", 3) != 0;
            } else {
                bad = 1;
            }
            continue;
        }
        const char *q = p;
        int64_t v;
        double f;
        int neg;
        if (*q == '+' || *q == '-')
            q++;
        while (isdigit((unsigned char)*q))
            q++;
        if (*q == ':') {  /* [+-]h:m[:s[.f]] or m:s.f */
            int64_t h;
            int m = 0;
            int64_t sec = 0;
            double sfrac = 0;
            if (!(p = number(p, &h, &f, &neg)) || f != 0 || *p != ':') {
                bad = 1;
                break;
            }
            p++;
            int64_t mm;
            double mf;
            int mneg;
            if (!isdigit((unsigned char)*p) || !(p = number(p, &mm, &mf, &mneg))) {
                bad = 1;
                break;
            }
            if (*p == ':') {
                p++;
                int64_t ss;
                double sf;
                int sneg;
                if (!isdigit((unsigned char)*p) || !(p = number(p, &ss, &sf, &sneg))) {
                    bad = 1;
                    break;
                }
                if (mf != 0) {
                    bad = 1;
                    break;
                }
                m = (int)mm;
                sec = ss;
                sfrac = sf;
            } else if (mf != 0) {  /* mm:ss.f */
                m = (int)(h < 0 ? -h : h);
                sec = mm;
                sfrac = mf;
                h = 0;
            } else {
                m = (int)mm;
            }
            if (m > 59 || sec > 60) {  /* 60 seconds is accepted, as PostgreSQL */
                ovf = 1;
                break;
            }
            if (seen & (U_HOUR | U_MIN | U_SEC | U_MS | U_US)) {
                bad = 1;
                break;
            }
            seen |= U_HOUR | U_MIN | U_SEC | U_MS | U_US;
            if (h < 0)
                h = -h;
            int64_t us;
            if (__builtin_mul_overflow(h, INT64_C(3600000000), &us) ||
                __builtin_add_overflow(us, (int64_t)m * 60000000 + sec * 1000000 +
                                           (int64_t)rint(sfrac * 1e6), &us) ||
                __builtin_add_overflow(a.usec, neg ? -us : us, &a.usec)) {
                ovf = 1;
                break;
            }
            pending_day = 1;  /* a bare number before a time is days ("3 4:05:06") */
            continue;
        }
        if (!(p = number(p, &v, &f, &neg))) {
            bad = 1;
            break;
        }
        if (*p == '-' && isdigit((unsigned char)p[1]) && f == 0) {  /* SQL "years-months" */
            int64_t m2 = 0;
            p++;
            while (isdigit((unsigned char)*p) && m2 < INT32_MAX)
                m2 = m2 * 10 + (*p++ - '0');
            if ((*p && !isspace((unsigned char)*p)) || (seen & (U_YEAR | U_MON))) {
                bad = 1;
                break;
            }
            seen |= U_YEAR | U_MON;
            a.mon += neg ? -(llabs(v) * 12 + m2) : v * 12 + m2;
            if (a.mon > INT32_MAX || a.mon < INT32_MIN) {
                ovf = 1;
                break;
            }
            continue;
        }
        while (isspace((unsigned char)*p))
            p++;
        int u = U_SEC;
        {  /* a bare number directly before a time field means days */
            const char *t = p;
            if (*t == '+' || *t == '-')
                t++;
            while (isdigit((unsigned char)*t))
                t++;
            if (*t == ':' && t > p && !isalpha((unsigned char)*p))
                u = U_DAY;
        }
        if (isalpha((unsigned char)*p)) {
            char w[32];
            size_t n = 0;
            while (isalpha((unsigned char)*p) && n + 1 < sizeof w)
                w[n++] = *p++;
            w[n] = 0;
            if (!(u = unit_of(w))) {
                if (strcasecmp(w, "ago") == 0) {  /* "5 ago": seconds, then ago */
                    u = U_SEC;
                    p -= n;
                } else {
                    bad = 1;
                    break;
                }
            }
        }
        /* a second with a fraction also claims the millisecond and microsecond fields */
        int claim = (u == U_SEC && f != 0) ? (U_SEC | U_MS | U_US) : u;
        if (seen & claim) {
            bad = 1;
            break;
        }
        seen |= claim;
        if (add_unit(&a, u, v, f) != 0 || a.usec > INT64_MAX / 2 || a.usec < INT64_MIN / 2 ||
            a.year > INT32_MAX || a.year < INT32_MIN || a.day > INT32_MAX || a.day < INT32_MIN)
            ovf = 1;
        if (ovf)
            break;
    }
    if (ovf)
        return dt_err(err, ERRCODE_INTERVAL_FIELD_OVERFLOW,
                      "interval field value out of range: \"%s\"", s);
    if (bad || ntok == 0 || (ago && ntok == 1))
        return dt_err(err, ERRCODE_INVALID_DATETIME_FORMAT,
                      "invalid input syntax for type interval: \"%s\"", s);
    (void)pending_day;
    if (ago) {
        a.year = -a.year, a.mon = -a.mon, a.day = -a.day, a.usec = -a.usec;
    }
done:
    if (finish(&a, out) != 0)
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "interval out of range");
    return 0;
}

/* ---- output: IntervalStyle postgres ---- */

static char *int_part(char *cp, int64_t v, const char *unit, int *is_zero, int *is_before)
{
    if (v == 0)
        return cp;
    cp += sprintf(cp, "%s%s%lld %s%s", *is_zero ? "" : " ", (*is_before && v > 0) ? "+" : "",
                  (long long)v, unit, v != 1 ? "s" : "");
    *is_before = v < 0;
    *is_zero = 0;
    return cp;
}

size_t dt_interval_out(const dt_interval *iv, char *buf)
{
    int64_t year = iv->month / 12, mon = iv->month % 12, day = iv->day, t = iv->time;
    int64_t hour = t / INT64_C(3600000000);
    t -= hour * INT64_C(3600000000);
    int64_t min = t / 60000000;
    t -= min * 60000000;
    int64_t sec = t / 1000000, usec = t - sec * 1000000;
    int is_zero = 1, is_before = 0;
    char *cp = buf;
    cp = int_part(cp, year, "year", &is_zero, &is_before);
    cp = int_part(cp, mon, "mon", &is_zero, &is_before);
    cp = int_part(cp, day, "day", &is_zero, &is_before);
    if (is_zero || hour || min || sec || usec) {
        int minus = hour < 0 || min < 0 || sec < 0 || usec < 0;
        unsigned long long h = hour < 0 ? (unsigned long long)-(hour + 1) + 1 : (unsigned long long)hour;
        cp += sprintf(cp, "%s%s%02llu:%02lld:%02lld", is_zero ? "" : " ",
                      minus ? "-" : (is_before ? "+" : ""), h, (long long)llabs(min),
                      (long long)llabs(sec));
        if (usec) {
            cp += sprintf(cp, ".%06lld", (long long)llabs(usec));
            while (cp[-1] == '0')
                cp--;
            *cp = 0;
        }
    }
    return (size_t)(cp - buf);
}

/* ---- arithmetic ---- */

static int iv_range(dt_error *err)
{
    return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "interval out of range");
}

int dt_iv_add(const dt_interval *a, const dt_interval *b, dt_interval *out, dt_error *err)
{
    dt_interval r;
    if (__builtin_add_overflow(a->month, b->month, &r.month) ||
        __builtin_add_overflow(a->day, b->day, &r.day) ||
        __builtin_add_overflow(a->time, b->time, &r.time))
        return iv_range(err);
    *out = r;
    return 0;
}

int dt_iv_sub(const dt_interval *a, const dt_interval *b, dt_interval *out, dt_error *err)
{
    dt_interval r;
    if (__builtin_sub_overflow(a->month, b->month, &r.month) ||
        __builtin_sub_overflow(a->day, b->day, &r.day) ||
        __builtin_sub_overflow(a->time, b->time, &r.time))
        return iv_range(err);
    *out = r;
    return 0;
}

int dt_iv_neg(const dt_interval *a, dt_interval *out, dt_error *err)
{
    dt_interval z = {0, 0, 0};
    return dt_iv_sub(&z, a, out, err);
}

#define TSROUND(x) (rint((x) * 1000000.0) / 1000000.0)

/* interval * factor as PostgreSQL 15's interval_mul: whole months and days multiplied, their
 * fractions cascaded down (30-day months, 24-hour days), microseconds rounded. */
static int iv_scale(const dt_interval *a, double f, int divide, dt_interval *out, dt_error *err)
{
    double mres = divide ? a->month / f : a->month * f;
    double dres = divide ? a->day / f : a->day * f;
    if (isnan(mres) || mres > INT32_MAX || mres < INT32_MIN || isnan(dres) || dres > INT32_MAX ||
        dres < INT32_MIN)
        return iv_range(err);
    dt_interval r;
    r.month = (int32_t)mres;
    r.day = (int32_t)dres;
    double month_rem_days = TSROUND((mres - r.month) * 30);
    double sec_rem = TSROUND((dres - r.day + month_rem_days - (int)month_rem_days) * 86400);
    if (fabs(sec_rem) >= 86400) {
        r.day += (int)(sec_rem / 86400);
        sec_rem -= (int)(sec_rem / 86400) * 86400;
    }
    r.day += (int32_t)month_rem_days;
    double t = rint((divide ? a->time / f : a->time * f) + sec_rem * 1000000);
    if (isnan(t) || !(t >= -9223372036854775808.0 && t < 9223372036854775808.0))
        return iv_range(err);
    r.time = (int64_t)t;
    *out = r;
    return 0;
}

int dt_iv_mul(const dt_interval *a, double f, dt_interval *out, dt_error *err)
{
    return iv_scale(a, f, 0, out, err);
}

int dt_iv_div(const dt_interval *a, double f, dt_interval *out, dt_error *err)
{
    if (f == 0.0)
        return dt_err(err, ERRCODE_DIVISION_BY_ZERO, "division by zero");
    return iv_scale(a, f, 1, out, err);
}

int dt_iv_cmp(const dt_interval *a, const dt_interval *b)
{
    __int128 x = (__int128)a->time + ((__int128)a->month * 30 + a->day) * DT_USECS_PER_DAY;
    __int128 y = (__int128)b->time + ((__int128)b->month * 30 + b->day) * DT_USECS_PER_DAY;
    return x < y ? -1 : x > y;
}

int dt_justify_hours(const dt_interval *a, dt_interval *out, dt_error *err)
{
    dt_interval r = *a;
    int64_t whole = r.time / DT_USECS_PER_DAY;
    r.time -= whole * DT_USECS_PER_DAY;
    int64_t d = (int64_t)r.day + whole;
    if (d > INT32_MAX || d < INT32_MIN)
        return iv_range(err);
    r.day = (int32_t)d;
    if (r.day > 0 && r.time < 0) {
        r.time += DT_USECS_PER_DAY;
        r.day--;
    } else if (r.day < 0 && r.time > 0) {
        r.time -= DT_USECS_PER_DAY;
        r.day++;
    }
    *out = r;
    return 0;
}

int dt_justify_days(const dt_interval *a, dt_interval *out, dt_error *err)
{
    dt_interval r = *a;
    int32_t whole = r.day / 30;
    r.day -= whole * 30;
    if (__builtin_add_overflow(r.month, whole, &r.month))
        return iv_range(err);
    if (r.month > 0 && r.day < 0) {
        r.day += 30;
        r.month--;
    } else if (r.month < 0 && r.day > 0) {
        r.day -= 30;
        r.month++;
    }
    *out = r;
    return 0;
}

int dt_justify_interval(const dt_interval *a, dt_interval *out, dt_error *err)
{
    dt_interval r = *a;
    int64_t whole = r.time / DT_USECS_PER_DAY;
    r.time -= whole * DT_USECS_PER_DAY;
    int64_t d = (int64_t)r.day + whole;
    if (d > INT32_MAX || d < INT32_MIN)
        return iv_range(err);
    r.day = (int32_t)d;
    int32_t wm = r.day / 30;
    r.day -= wm * 30;
    if (__builtin_add_overflow(r.month, wm, &r.month))
        return iv_range(err);
    if (r.month > 0 && (r.day < 0 || (r.day == 0 && r.time < 0))) {
        r.day += 30;
        r.month--;
    } else if (r.month < 0 && (r.day > 0 || (r.day == 0 && r.time > 0))) {
        r.day -= 30;
        r.month++;
    }
    if (r.day > 0 && r.time < 0) {
        r.time += DT_USECS_PER_DAY;
        r.day--;
    } else if (r.day < 0 && r.time > 0) {
        r.time -= DT_USECS_PER_DAY;
        r.day++;
    }
    *out = r;
    return 0;
}
