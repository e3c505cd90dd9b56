/*
 * dt_format.c — to_char for timestamps and intervals with PostgreSQL's template patterns
 * (engine/datetime.h).
 *
 * The template is read left to right: an optional FM (fill mode: no padding) or TM prefix,
 * then the longest keyword that matches at that point (case-sensitive, as PostgreSQL's
 * table: "Month", "MONTH" and "month" differ), then an optional TH/th ordinal suffix.
 * Double-quoted text is copied (a backslash escapes the next character inside it), a
 * backslash before a double quote outside it gives the quote, and anything else is copied
 * as it is.
 */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dt_int.h"
#include "engine/sqlstate.h"

enum {
    K_AD_DOTS, K_AM_DOTS, K_AD, K_AM, K_BC_DOTS, K_BC, K_CC, K_DAY, K_DDD, K_DD, K_DY, K_Day,
    K_Dy, K_D, K_FX, K_HH24, K_HH12, K_HH, K_IDDD, K_ID, K_IW, K_IYYY, K_IYY, K_IY, K_I, K_J,
    K_MI, K_MM, K_MONTH, K_MON, K_MS, K_Month, K_Mon, K_OF, K_PM_DOTS, K_PM, K_Q, K_RM,
    K_SSSSS, K_SSSS, K_SS, K_TZH, K_TZM, K_TZ, K_US, K_WW, K_W, K_Y_YYY, K_YYYY, K_YYY, K_YY,
    K_Y, K_ad_dots, K_am_dots, K_ad, K_am, K_bc_dots, K_bc, K_day, K_dy, K_month, K_mon,
    K_pm_dots, K_pm, K_rm, K_tz
};

/* Longest first within a shared prefix. Lower-case numeric forms map to the same codes. */
static const struct {
    const char *s;
    int k;
} kw[] = {
    {"A.D.", K_AD_DOTS}, {"A.M.", K_AM_DOTS}, {"AD", K_AD}, {"AM", K_AM},
    {"B.C.", K_BC_DOTS}, {"BC", K_BC}, {"CC", K_CC}, {"DAY", K_DAY}, {"DDD", K_DDD},
    {"DD", K_DD}, {"DY", K_DY}, {"Day", K_Day}, {"Dy", K_Dy}, {"D", K_D}, {"FX", K_FX},
    {"HH24", K_HH24}, {"HH12", K_HH12}, {"HH", K_HH}, {"IDDD", K_IDDD}, {"ID", K_ID},
    {"IW", K_IW}, {"IYYY", K_IYYY}, {"IYY", K_IYY}, {"IY", K_IY}, {"I", K_I}, {"J", K_J},
    {"MI", K_MI}, {"MM", K_MM}, {"MONTH", K_MONTH}, {"MON", K_MON}, {"MS", K_MS},
    {"Month", K_Month}, {"Mon", K_Mon}, {"OF", K_OF}, {"P.M.", K_PM_DOTS}, {"PM", K_PM},
    {"Q", K_Q}, {"RM", K_RM}, {"SSSSS", K_SSSSS}, {"SSSS", K_SSSS}, {"SS", K_SS},
    {"TZH", K_TZH}, {"TZM", K_TZM}, {"TZ", K_TZ}, {"US", K_US}, {"WW", K_WW}, {"W", K_W},
    {"Y,YYY", K_Y_YYY}, {"YYYY", K_YYYY}, {"YYY", K_YYY}, {"YY", K_YY}, {"Y", K_Y},
    {"a.d.", K_ad_dots}, {"a.m.", K_am_dots}, {"ad", K_ad}, {"am", K_am},
    {"b.c.", K_bc_dots}, {"bc", K_bc}, {"cc", K_CC}, {"day", K_day}, {"ddd", K_DDD},
    {"dd", K_DD}, {"dy", K_dy}, {"d", K_D}, {"fx", K_FX}, {"hh24", K_HH24}, {"hh12", K_HH12},
    {"hh", K_HH}, {"iddd", K_IDDD}, {"id", K_ID}, {"iw", K_IW}, {"iyyy", K_IYYY},
    {"iyy", K_IYY}, {"iy", K_IY}, {"i", K_I}, {"j", K_J}, {"mi", K_MI}, {"mm", K_MM},
    {"month", K_month}, {"mon", K_mon}, {"ms", K_MS}, {"of", K_OF}, {"p.m.", K_pm_dots},
    {"pm", K_pm}, {"q", K_Q}, {"rm", K_rm}, {"sssss", K_SSSSS}, {"ssss", K_SSSS},
    {"ss", K_SS}, {"tzh", K_TZH}, {"tzm", K_TZM}, {"tz", K_tz}, {"us", K_US}, {"ww", K_WW}, {"w", K_W}, {"y,yyy", K_Y_YYY},
    {"yyyy", K_YYYY}, {"yyy", K_YYY}, {"yy", K_YY}, {"y", K_Y},
};

static const char *const months[12] = {"January", "February", "March", "April", "May",
                                       "June", "July", "August", "September", "October",
                                       "November", "December"};
static const char *const days[7] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
                                    "Friday", "Saturday"};
static const char *const roman[12] = {"I", "II", "III", "IV", "V", "VI",
                                      "VII", "VIII", "IX", "X", "XI", "XII"};

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 64) + n;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p, b->cap = cap;
    }
    assert(b->p != NULL);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

/* The broken-down value being formatted. */
typedef struct fmtval {
    int year, mon, mday, hour, min, sec, usec;
    int32_t gmtoff;
    const char *abbrev;  /* NULL: none (TIMESTAMP) */
    int is_interval;
    int64_t ihour;  /* interval hours (unbounded) */
} fmtval;

static const char *ordinal(long n, int upper)
{
    long a = n < 0 ? -n : n;
    const char *s;
    if (a % 100 >= 11 && a % 100 <= 13)
        s = "th";
    else
        s = a % 10 == 1 ? "st" : a % 10 == 2 ? "nd" : a % 10 == 3 ? "rd" : "th";
    if (!upper)
        return s;
    return s[0] == 's' ? "ST" : s[0] == 'n' ? "ND" : s[0] == 'r' ? "RD" : "TH";
}

static void cased(sbuf *b, const char *name, int mode, int width)
{
    /* mode 0 as is (Capitalised), 1 upper, 2 lower; width > 0 pads on the right */
    char tmp[32];
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++)
        tmp[i] = (char)(mode == 1 ? toupper((unsigned char)name[i])
                        : mode == 2 ? tolower((unsigned char)name[i]) : name[i]);
    tmp[n] = 0;
    char out[40];
    snprintf(out, sizeof out, "%-*s", width, tmp);
    puts_(b, out);
}

static int kw_match(const char *p, int *len)
{
    int best = -1;
    size_t bl = 0;
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
        size_t n = strlen(kw[i].s);
        if (n > bl && strncmp(p, kw[i].s, n) == 0) {
            best = kw[i].k;
            bl = n;
        }
    }
    *len = (int)bl;
    return best;
}

static int adj_year(const fmtval *v) { return v->is_interval ? v->year : v->year <= 0 ? -(v->year - 1) : v->year; }

/* Patterns PostgreSQL refuses for an interval: zones, eras, month and day names, weekdays. */
static int invalid_for_interval(int k)
{
    switch (k) {
    case K_TZ: case K_tz: case K_TZH: case K_TZM: case K_OF:
    case K_AD_DOTS: case K_BC_DOTS: case K_AD: case K_BC: case K_ad_dots: case K_bc_dots:
    case K_ad: case K_bc: case K_MONTH: case K_Month: case K_month: case K_MON: case K_Mon:
    case K_mon: case K_DAY: case K_Day: case K_day: case K_DY: case K_Dy: case K_dy: case K_D:
    case K_ID:
        return 1;
    default:
        return 0;
    }
}

/* Returns -1 on a pattern refused for an interval. */
static int format(sbuf *b, const char *fmt, const fmtval *v)
{
    const char *p = fmt;
    while (*p) {
        int fm = 0;
        for (;;) {
            if (strncmp(p, "FM", 2) == 0 || strncmp(p, "fm", 2) == 0)
                fm = 1, p += 2;
            else if (strncmp(p, "TM", 2) == 0 || strncmp(p, "tm", 2) == 0)
                p += 2;  /* translation mode: names are English here */
            else
                break;
        }
        int len, k = kw_match(p, &len);
        if (k < 0) {
            if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && p[1])
                        p++;
                    put(b, p++, 1);
                }
                if (*p)
                    p++;
            } else if (*p == '\\' && p[1] == '"') {
                put(b, "\"", 1);
                p += 2;
            } else {
                put(b, p++, 1);
            }
            continue;
        }
        p += len;
        if (v->is_interval && invalid_for_interval(k))
            return -1;
        int th = 0;
        if (p[0] == 'T' && p[1] == 'H')
            th = 2, p += 2;
        else if (p[0] == 't' && p[1] == 'h')
            th = 1, p += 2;
        char s[64];
        long num = 0;
        int isnum = 1;
        /* calendar positions exist for timestamps only (an interval's fields are spans) */
        int y = adj_year(v), jd = v->is_interval ? 0 : dt_date2j(v->year, v->mon, v->mday);
        int iy = v->year, iw = v->is_interval ? 0 : dt_isoweek(v->year, v->mon, v->mday, &iy);
        int dow = ((jd + 1) % 7 + 7) % 7;
        int doy = v->is_interval ? 0 : jd - dt_date2j(v->year, 1, 1) + 1;
        int pm = v->hour >= 12;
        s[0] = 0;
        switch (k) {
        case K_AD_DOTS: case K_BC_DOTS: puts_(b, v->year <= 0 ? "B.C." : "A.D."); isnum = 0; break;
        case K_ad_dots: case K_bc_dots: puts_(b, v->year <= 0 ? "b.c." : "a.d."); isnum = 0; break;
        case K_AD: case K_BC: puts_(b, v->year <= 0 ? "BC" : "AD"); isnum = 0; break;
        case K_ad: case K_bc: puts_(b, v->year <= 0 ? "bc" : "ad"); isnum = 0; break;
        case K_AM_DOTS: case K_PM_DOTS: puts_(b, pm ? "P.M." : "A.M."); isnum = 0; break;
        case K_am_dots: case K_pm_dots: puts_(b, pm ? "p.m." : "a.m."); isnum = 0; break;
        case K_AM: case K_PM: puts_(b, pm ? "PM" : "AM"); isnum = 0; break;
        case K_am: case K_pm: puts_(b, pm ? "pm" : "am"); isnum = 0; break;
        case K_HH: case K_HH12: {
            int64_t hh = v->is_interval ? v->ihour : v->hour;
            num = (long)(hh % 12 == 0 ? 12 : hh % 12);
            sprintf(s, "%0*ld", fm ? 0 : (hh >= 0 ? 2 : 3), num);
            break;
        }
        case K_HH24:
            num = v->is_interval ? (long)v->ihour : v->hour;
            sprintf(s, "%0*ld", fm ? 0 : (num >= 0 ? 2 : 3), num);
            break;
        case K_MI: num = v->min; sprintf(s, "%0*ld", fm ? 0 : (num >= 0 ? 2 : 3), num); break;
        case K_SS: num = v->sec; sprintf(s, "%0*ld", fm ? 0 : (num >= 0 ? 2 : 3), num); break;
        case K_MS: num = v->usec / 1000; sprintf(s, "%0*ld", fm ? 0 : 3, num); break;
        case K_US: num = v->usec; sprintf(s, "%0*ld", fm ? 0 : 6, num); break;
        case K_SSSS: case K_SSSSS:
            num = (long)((v->is_interval ? v->ihour : v->hour) * 3600 + v->min * 60 + v->sec);
            sprintf(s, "%ld", num);
            break;
        case K_tz: case K_TZ:
            isnum = 0;
            if (v->abbrev) {
                char t[32];
                snprintf(t, sizeof t, "%s", v->abbrev);
                for (char *c = t; *c; c++)
                    *c = (char)(k == K_tz ? tolower((unsigned char)*c) : toupper((unsigned char)*c));
                puts_(b, t);
            }
            break;
        case K_TZH:
            isnum = 0;
            sprintf(s, "%c%02d", v->gmtoff >= 0 ? '+' : '-', abs(v->gmtoff) / 3600);
            puts_(b, s);
            s[0] = 0;
            break;
        case K_TZM:
            isnum = 0;
            sprintf(s, "%02d", abs(v->gmtoff) % 3600 / 60);
            puts_(b, s);
            s[0] = 0;
            break;
        case K_OF: {
            isnum = 0;
            int n = sprintf(s, "%c%0*d", v->gmtoff >= 0 ? '+' : '-', fm ? 0 : 2, abs(v->gmtoff) / 3600);
            if (abs(v->gmtoff) % 3600)
                sprintf(s + n, ":%02d", abs(v->gmtoff) % 3600 / 60);
            puts_(b, s);
            s[0] = 0;
            break;
        }
        case K_MONTH: case K_Month: case K_month:
        case K_MON: case K_Mon: case K_mon:
            isnum = 0;
            if (v->mon < 1 || v->mon > 12)  /* an interval's month may be 0 or negative */
                break;
            if (k == K_MONTH || k == K_Month || k == K_month)
                cased(b, months[v->mon - 1], k == K_MONTH ? 1 : k == K_month ? 2 : 0, fm ? 0 : 9);
            else {
                char ab[4];
                memcpy(ab, months[v->mon - 1], 3);
                ab[3] = 0;
                cased(b, ab, k == K_MON ? 1 : k == K_mon ? 2 : 0, 0);
            }
            break;
        case K_MM: num = v->mon; sprintf(s, "%0*ld", fm ? 0 : (num >= 0 ? 2 : 3), num); break;
        case K_DAY: case K_Day: case K_day:
        case K_DY: case K_Dy: case K_dy:
            isnum = 0;
            if (v->is_interval)
                break;
            if (k == K_DAY || k == K_Day || k == K_day)
                cased(b, days[dow], k == K_DAY ? 1 : k == K_day ? 2 : 0, fm ? 0 : 9);
            else {
                char ab[4];
                memcpy(ab, days[dow], 3);
                ab[3] = 0;
                cased(b, ab, k == K_DY ? 1 : k == K_dy ? 2 : 0, 0);
            }
            break;
        case K_DDD:
            /* an interval's day of year counts 30-day months, in int32 as PostgreSQL */
            num = v->is_interval ? (int32_t)((((uint32_t)v->year * 12u + (uint32_t)v->mon) * 30u) +
                                             (uint32_t)v->mday)
                                 : doy;
            sprintf(s, "%0*ld", fm ? 0 : 3, num);
            break;
        case K_IDDD: num = (iw - 1) * 7 + (dow == 0 ? 7 : dow); sprintf(s, "%0*ld", fm ? 0 : 3, num); break;
        case K_DD: num = v->mday; sprintf(s, "%0*ld", fm ? 0 : 2, num); break;
        case K_D: num = dow + 1; sprintf(s, "%ld", num); break;
        case K_ID: num = dow == 0 ? 7 : dow; sprintf(s, "%ld", num); break;
        case K_WW: {
            long yd = v->is_interval ? (int32_t)((((uint32_t)v->year * 12u + (uint32_t)v->mon) * 30u) + (uint32_t)v->mday) : doy;
            num = (yd - 1) / 7 + 1;
            sprintf(s, "%0*ld", fm ? 0 : 2, num);
            break;
        }
        case K_IW: num = iw; sprintf(s, "%0*ld", fm ? 0 : 2, num); break;
        case K_W: num = (v->mday - 1) / 7 + 1; sprintf(s, "%ld", num); break;
        case K_Q:
            if (!v->mon)
                break;
            num = (v->mon - 1) / 3 + 1;
            sprintf(s, "%ld", num);
            break;
        case K_J:
            num = v->is_interval ? dt_date2j(v->year, v->mon, v->mday) : jd;
            sprintf(s, "%ld", num);
            break;
        case K_CC: {
            int i = v->is_interval ? v->year / 100 : v->year > 0 ? (v->year - 1) / 100 + 1 : v->year / 100 - 1;
            num = i;
            if (i <= 99 && i >= -99)
                sprintf(s, "%0*d", fm ? 0 : (i >= 0 ? 2 : 3), i);
            else
                sprintf(s, "%d", i);
            break;
        }
        case K_Y_YYY: num = y; sprintf(s, "%d,%03d", y / 1000, y % 1000); break;
        case K_YYYY: case K_IYYY: {
            int yy = k == K_YYYY ? y : (iy <= 0 ? -(iy - 1) : iy);
            num = yy;
            sprintf(s, "%0*d", fm ? 0 : (yy >= 0 ? 4 : 5), yy);
            break;
        }
        case K_YYY: case K_IYY: case K_YY: case K_IY: case K_Y: case K_I: {
            int yy = (k == K_YYY || k == K_YY || k == K_Y) ? y : (iy <= 0 ? -(iy - 1) : iy);
            int mod = (k == K_YYY || k == K_IYY) ? 1000 : (k == K_YY || k == K_IY) ? 100 : 10;
            int w = mod == 1000 ? 3 : mod == 100 ? 2 : 1;
            int i = yy % mod;
            num = i;
            if (mod == 10)
                sprintf(s, "%1d", i);
            else  /* the width follows the year's sign, not the remainder's */
                sprintf(s, "%0*d", fm ? 0 : (yy >= 0 ? w : w + 1), i);
            break;
        }
        case K_RM: case K_rm: {
            isnum = 0;
            /* an interval's whole years are XII (or I when negative), negative months count
             * back from December, as PostgreSQL */
            int m = v->mon;
            if (!m && !v->year)
                break;
            if (m == 0)
                m = v->year >= 0 ? 12 : 1;
            else if (m < 0)
                m = 12 + m + 1;
            cased(b, roman[m - 1], k == K_RM ? 0 : 2, fm ? 0 : 4);
            break;
        }
        case K_FX:
            isnum = 0;
            break;
        default:
            isnum = 0;
            break;
        }
        if (isnum && s[0]) {
            puts_(b, s);
            if (th)
                puts_(b, ordinal(num, th == 2));
        }
    }
    return 0;
}

static int finish(sbuf *b, char **out, dt_error *err)
{
    if (!b->p && !b->oom)
        put(b, "", 0);
    if (b->oom) {
        free(b->p);
        return dt_err(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
    }
    *out = b->p;
    return 0;
}

int dt_to_char(dt_timestamp ts, const tz_zone *z, const char *fmt, char **out, dt_error *err)
{
    if (DT_IS_INF(ts))
        return 1;
    dt_fields f;
    dt_ts_fields(ts, z, &f);
    fmtval v = {f.year, f.mon, f.mday, f.hour, f.min, f.sec, f.usec, f.gmtoff,
                z ? f.abbrev : NULL, 0, f.hour};
    sbuf b = {NULL, 0, 0, 0};
    format(&b, fmt, &v);
    return finish(&b, out, err);
}

int dt_iv_to_char(const dt_interval *iv, const char *fmt, char **out, dt_error *err)
{
    int64_t t = iv->time, hour = t / INT64_C(3600000000);
    t -= hour * INT64_C(3600000000);
    fmtval v = {iv->month / 12, iv->month % 12, iv->day, (int)(hour % 24),
                (int)(t / 60000000), (int)(t / 1000000 % 60), (int)(t % 1000000), 0, NULL, 1,
                hour};
    sbuf b = {NULL, 0, 0, 0};
    if (format(&b, fmt, &v) != 0) {
        free(b.p);
        return dt_err(err, ERRCODE_INVALID_DATETIME_FORMAT,
                      "invalid format specification for an interval value");
    }
    return finish(&b, out, err);
}
