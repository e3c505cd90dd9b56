/*
 * datetime.c — calendar, text input and output of DATE, TIME, TIMESTAMP, TIMESTAMPTZ and
 * INTERVAL (engine/datetime.h), in PostgreSQL 15's default styles.
 *
 * Design: input is split into tokens (numbers with their date or time separators, words,
 * signed zone offsets), the tokens fill one broken-down time, and the type's rules then check
 * and convert it, so the five input functions share one grammar and one set of errors, as
 * PostgreSQL's DecodeDateTime does. Output formats the broken-down time with the ISO style.
 * The calendar is proleptic Gregorian on Julian day numbers, astronomical years inside.
 */
#include "engine/datetime.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/dt_int.h"
#include "engine/sqlstate.h"

/* ---- calendar ---- */

int dt_date2j(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int)(era * 146097 + doe - 719468 + DT_UNIX_JD);
}

void dt_j2date(int jd, int *y, int *m, int *d)
{
    int64_t z = (int64_t)jd - DT_UNIX_JD + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int dt_is_leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int dt_days_in_month(int y, int m)
{
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return md[m - 1] + (m == 2 && dt_is_leap(y));
}

int dt_valid_julian(int y, int m)
{
    return (y > DT_JULIAN_MINYEAR || (y == DT_JULIAN_MINYEAR && m >= 11)) &&
           (y < DT_JULIAN_MAXYEAR || (y == DT_JULIAN_MAXYEAR && m < 6));
}

int dt_err(dt_error *e, const char *state, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->sqlstate = state;
    return -1;
}

int64_t dt_floordiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

int dt_ts_fields(dt_timestamp ts, const tz_zone *z, dt_fields *f)
{
    if (ts == DT_NOBEGIN || ts == DT_NOEND)
        return -1;
    int32_t off = 0;
    f->abbrev = "";
    if (z) {
        int64_t secs = dt_floordiv(ts, 1000000) + DT_EPOCH_DIFF_SECS;
        off = tz_offset_at(z, secs, NULL, &f->abbrev);
        ts += (int64_t)off * 1000000;
    }
    f->gmtoff = off;
    int64_t days = dt_floordiv(ts, DT_USECS_PER_DAY);
    int64_t t = ts - days * DT_USECS_PER_DAY;
    dt_j2date((int)(days + DT_PG_JD), &f->year, &f->mon, &f->mday);
    f->hour = (int)(t / INT64_C(3600000000));
    t -= f->hour * INT64_C(3600000000);
    f->min = (int)(t / 60000000);
    t -= f->min * INT64_C(60000000);
    f->sec = (int)(t / 1000000);
    f->usec = (int)(t - f->sec * INT64_C(1000000));
    return 0;
}

/* Wall-clock microseconds of fields (no zone), or -1 when the date is outside the Julian
 * range. Timestamps this far out cannot overflow int64 (|days| < 2^31). */
static int fields_local(const dt_fields *f, int64_t *out)
{
    if (!dt_valid_julian(f->year, f->mon))
        return -1;
    int64_t days = (int64_t)dt_date2j(f->year, f->mon, f->mday) - DT_PG_JD;
    int64_t t = ((int64_t)(f->hour * 60 + f->min) * 60 + f->sec) * 1000000 + f->usec;
    if (days > INT64_MAX / DT_USECS_PER_DAY - 1 || days < INT64_MIN / DT_USECS_PER_DAY + 1)
        return -1;
    *out = days * DT_USECS_PER_DAY + t;
    return 0;
}

int32_t dt_zone_offset_local(const tz_zone *z, int64_t local_usec)
{
    int64_t utc;
    return tz_local_to_utc(z, dt_floordiv(local_usec, 1000000) + DT_EPOCH_DIFF_SECS, &utc, NULL);
}

int dt_ts_from_fields(const dt_fields *f, const tz_zone *z, dt_timestamp *out, dt_error *err)
{
    int64_t t;
    if (fields_local(f, &t) != 0)
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp out of range");
    if (z)
        t -= (int64_t)dt_zone_offset_local(z, t) * 1000000;
    if (!DT_VALID_TS(t))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp out of range");
    *out = t;
    return 0;
}

/* ---- zone names ---- */

/* The fixed-offset abbreviations understood in input and by AT TIME ZONE (a subset of
 * PostgreSQL's "Default" abbreviation set), seconds east. */
static const struct {
    const char *name;
    int32_t off;
} abbrevs[] = {
    {"utc", 0},       {"gmt", 0},       {"z", 0},         {"zulu", 0},      {"ut", 0},
    {"est", -18000},  {"edt", -14400},  {"cst", -21600},  {"cdt", -18000},  {"mst", -25200},
    {"mdt", -21600},  {"pst", -28800},  {"pdt", -25200},  {"akst", -32400}, {"akdt", -28800},
    {"hst", -36000},  {"cet", 3600},    {"cest", 7200},   {"eet", 7200},    {"eest", 10800},
    {"wet", 0},       {"west", 3600},   {"bst", 3600},    {"jst", 32400},   {"aest", 36000},
    {"aedt", 39600},  {"nzst", 43200},  {"nzdt", 46800},  {"ist", 7200},
};

int dt_abbrev(const char *word, int32_t *off)
{
    for (size_t i = 0; i < sizeof abbrevs / sizeof abbrevs[0]; i++)
        if (strcasecmp(word, abbrevs[i].name) == 0) {
            *off = abbrevs[i].off;
            return 1;
        }
    return 0;
}

int dt_zone_setting(const char *value, const tz_zone **out, dt_error *err)
{
    char *end;
    double hours = strtod(value, &end);
    if (end != value && *end == 0 && isfinite(hours)) {
        if (fabs(hours) >= 168)
            return dt_err(err, ERRCODE_INVALID_PARAMETER_VALUE,
                          "invalid value for parameter \"TimeZone\": \"%s\"", value);
        *out = tz_fixed((int32_t)(hours * 3600));
        return *out ? 0 : dt_err(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
    }
    return dt_zone_lookup(value, out, err);
}

int dt_zone_lookup(const char *name, const tz_zone **out, dt_error *err)
{
    int32_t off;
    if (dt_abbrev(name, &off))
        *out = off == 0 && strcasecmp(name, "utc") == 0 ? tz_utc() : tz_fixed(off);
    else
        *out = tz_find(name);
    if (!*out)
        return dt_err(err, ERRCODE_INVALID_PARAMETER_VALUE, "time zone \"%s\" not recognized",
                      name);
    return 0;
}

/* ---- the datetime grammar ---- */

enum { DTERR_OK = 0, DTERR_BAD_FORMAT, DTERR_FIELD_OVERFLOW, DTERR_TZDISP, DTERR_BAD_ZONE };
enum { SP_NONE, SP_INF, SP_NINF, SP_EPOCH, SP_NOW, SP_TODAY, SP_TOMORROW, SP_YESTERDAY };

typedef struct parsed {
    int has_date, has_time, bc, ad, ampm;  /* ampm: 0, 1 am, 2 pm */
    int y, m, d, h, mi, s, usec;
    int y2digits;
    int iso_t, month_name;  /* a 'T' between date and time; a month name */
    int defer_time_check;   /* TIME input checks the clock fields last, as DecodeTimeOnly */
    int special;
    int zone_kind;  /* 0 none, 1 offset, 2 named */
    int32_t zone_off;
    const tz_zone *zone;
    char badzone[80];
} parsed;

static const char *const month_names[12] = {"january", "february", "march", "april",
                                            "may", "june", "july", "august",
                                            "september", "october", "november", "december"};
static const char *const day_names[7] = {"sunday", "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};

static int month_of(const char *w)
{
    size_t n = strlen(w);
    for (int i = 0; i < 12; i++)
        if ((n == 3 && strncasecmp(w, month_names[i], 3) == 0) ||
            strcasecmp(w, month_names[i]) == 0 || (i == 8 && strcasecmp(w, "sept") == 0))
            return i + 1;
    return 0;
}

static int is_dayname(const char *w)
{
    size_t n = strlen(w);
    for (int i = 0; i < 7; i++)
        if ((n == 3 && strncasecmp(w, day_names[i], 3) == 0) || strcasecmp(w, day_names[i]) == 0)
            return 1;
    return 0;
}

/* Reads a run of digits into *v (at most 9). */
static const char *digits(const char *p, int *v, int *ndig)
{
    int n = 0;
    long x = 0;
    while (isdigit((unsigned char)*p)) {
        if (n >= 9)
            return NULL;
        x = x * 10 + (*p++ - '0');
        n++;
    }
    if (n == 0)
        return NULL;
    *v = (int)x;
    if (ndig)
        *ndig = n;
    return p;
}

/* ".123456789" -> microseconds, rounded as PostgreSQL (rint of the double). */
static const char *fraction(const char *p, int *usec)
{
    const char *b = p++;
    while (isdigit((unsigned char)*p))
        p++;
    char tmp[64];
    size_t n = (size_t)(p - b);
    if (n >= sizeof tmp)
        n = sizeof tmp - 1;
    memcpy(tmp, b, n);
    tmp[n] = 0;
    *usec = (int)rint(strtod(tmp, NULL) * 1000000.0);
    return p;
}

/* hh:mm[:ss[.f]] or mm:ss.f at p. */
static const char *time_token(const char *p, parsed *r, int *err)
{
    int a, b, c = 0, usec = 0;
    if (!(p = digits(p, &a, NULL)) || *p != ':' || !(p = digits(p + 1, &b, NULL)))
        return NULL;
    if (*p == ':') {
        if (!(p = digits(p + 1, &c, NULL)))
            return NULL;
        if (*p == '.')
            p = fraction(p, &usec);
    } else if (*p == '.') {  /* mm:ss.f */
        p = fraction(p, &usec);
        c = b;
        b = a;
        a = 0;
    }
    if (r->has_time) {
        *err = DTERR_BAD_FORMAT;
        return NULL;
    }
    r->has_time = 1;
    r->h = a, r->mi = b, r->s = c, r->usec = usec;
    /* checked here, before later tokens, as PostgreSQL's decoding loop does (an hour of 25
     * is reported before a bad zone after it) */
    if (!r->defer_time_check && (a > 24 || b > 59 || c > 60 || usec > 1000000 ||
                                 (a == 24 && (b > 0 || c > 0 || usec > 0)))) {
        *err = DTERR_FIELD_OVERFLOW;
        return NULL;
    }
    return p;
}

/* [+-]hh[:mm[:ss]] or [+-]hhmm, as PostgreSQL's DecodeTimezone: seconds east. */
static const char *tz_token(const char *p, int32_t *off, int *err)
{
    int neg = *p++ == '-', h, m = 0, s = 0, nd;
    if (!(p = digits(p, &h, &nd)))
        return NULL;
    if (*p == ':') {
        if (!(p = digits(p + 1, &m, NULL)))
            return NULL;
        if (*p == ':' && !(p = digits(p + 1, &s, NULL)))
            return NULL;
    } else if (nd > 2) {
        if (nd > 4)
            return NULL;
        m = h % 100;
        h /= 100;
    }
    if (h > 15 || m >= 60 || s >= 60) {
        *err = DTERR_TZDISP;
        return NULL;
    }
    *off = (h * 3600 + m * 60 + s) * (neg ? -1 : 1);
    return p;
}

static int set_zone_off(parsed *r, int32_t off)
{
    if (r->zone_kind)
        return DTERR_BAD_FORMAT;
    r->zone_kind = 1;
    r->zone_off = off;
    return 0;
}

/* A date of numbers: y-m-d, m/d/y, m-d-y, y/m/d, yyyymmdd. */
static const char *date_token(const char *p, parsed *r, int *err)
{
    int v[3], nd[3], n = 0;
    char sep = 0;
    for (;;) {
        if (!(p = digits(p, &v[n], &nd[n])))
            return NULL;
        n++;
        if (n == 3 || !(*p == '-' || *p == '/' || *p == '.') || !isdigit((unsigned char)p[1]))
            break;
        if (sep && *p != sep)
            return NULL;
        sep = *p++;
    }
    if (r->has_date) {
        *err = DTERR_BAD_FORMAT;
        return NULL;
    }
    if (n == 1 && nd[0] == 8) {
        r->y = v[0] / 10000, r->m = v[0] / 100 % 100, r->d = v[0] % 100;
    } else if (n != 3) {
        return NULL;
    } else if (nd[0] >= 3) {  /* ISO: year first */
        r->y = v[0], r->m = v[1], r->d = v[2];
    } else {  /* DateStyle MDY */
        r->m = v[0], r->d = v[1], r->y = v[2];
        r->y2digits = nd[2] <= 2;
    }
    r->has_date = 1;
    return p;
}

/* A date with an embedded month name, one token: 1999-Jan-08, 08-Jan-1999, Jan-08-1999 (the
 * separator '-', '/' or '.'). The year is the number of three or more digits, else the
 * last. Returns 0, or -1 when the token is not such a date. */
static int text_month_date(const char *tok, parsed *r)
{
    char part[3][24];
    int n = 0;
    size_t len = 0;
    char delim = 0;
    for (const char *c = tok;; c++) {
        if (*c == 0 || (!isalnum((unsigned char)*c))) {
            if (len == 0 || n == 3 || (*c && delim && *c != delim))
                return -1;
            part[n][len] = 0;
            n++;
            len = 0;
            if (!*c)
                break;
            delim = *c;
            continue;
        }
        if (len + 1 >= sizeof part[0])
            return -1;
        part[n][len++] = *c;
    }
    if (n != 3 || !strchr("-/.", delim))
        return -1;
    int mi = -1;
    for (int i = 0; i < 3; i++)
        if (isalpha((unsigned char)part[i][0])) {
            if (mi >= 0)
                return -1;
            mi = i;
        }
    if (mi < 0 || mi == 2 || !(r->m = month_of(part[mi])))
        return -1;
    const char *a = part[mi == 0 ? 1 : 0], *b = part[2];
    for (const char *c = a; *c; c++)
        if (!isdigit((unsigned char)*c))
            return -1;
    for (const char *c = b; *c; c++)
        if (!isdigit((unsigned char)*c))
            return -1;
    if (strlen(a) > 9 || strlen(b) > 9)
        return -1;
    int va = (int)strtol(a, NULL, 10), vb = (int)strtol(b, NULL, 10);
    if (strlen(a) >= 3) {
        r->y = va, r->d = vb;
    } else {
        r->d = va, r->y = vb;
        r->y2digits = strlen(b) <= 2;
    }
    r->has_date = 1;
    r->month_name = 1;
    return 0;
}

/* Whether w is a month name followed by '-', '/' or '.'. */
static int starts_with_month(const char *w)
{
    char head[24];
    size_t hl = strcspn(w, "-/.");
    if (!w[hl] || hl >= sizeof head)
        return 0;
    memcpy(head, w, hl);
    head[hl] = 0;
    return month_of(head) != 0;
}

static int special_word(const char *w)
{
    static const struct {
        const char *w;
        int sp;
    } t[] = {{"infinity", SP_INF},  {"-infinity", SP_NINF},   {"epoch", SP_EPOCH},
             {"now", SP_NOW},       {"today", SP_TODAY},      {"tomorrow", SP_TOMORROW},
             {"yesterday", SP_YESTERDAY}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(w, t[i].w) == 0)
            return t[i].sp;
    return SP_NONE;
}

/* Words of PostgreSQL's core date token table that may be followed by a digit or '+'. */
static int is_keyword(const char *w)
{
    static const char *const kw[] = {"t", "z", "zulu", "am", "pm", "ad", "bc", "allballs",
                                     "epoch", "infinity", "now", "today", "tomorrow",
                                     "yesterday", "on", "at", "ago"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strcasecmp(w, kw[i]) == 0)
            return 1;
    return month_of(w) || is_dayname(w);
}

/* Splits s into tokens and fills r. Returns DTERR_*. */
/* PostgreSQL's DecodeTimeOnly accepts a date only as the first field, and only when a time
 * field follows it directly or the last field is a zone name: judged at the date. */
static int time_date_ok(const char *s, const char *after_date, int ntok)
{
    const char *q = after_date;
    while (isspace((unsigned char)*q))
        q++;
    int next_time = 0;
    if (isdigit((unsigned char)*q)) {
        while (isdigit((unsigned char)*q))
            q++;
        next_time = *q == ':';
    }
    const char *last = s + strlen(s);
    while (last > s && isspace((unsigned char)last[-1]))
        last--;
    const char *b = last;
    while (b > s && !isspace((unsigned char)b[-1]))
        b--;
    int last_zone = isalpha((unsigned char)*b) && memchr(b, '/', (size_t)(last - b));
    return ntok == 1 && (next_time || last_zone);
}

static int parse(const char *s, parsed *r, int time_only)
{
    memset(r, 0, sizeof *r);
    r->defer_time_check = time_only;
    const char *p = s;
    int loose[3], nloose = 0, loosend[3], month = 0, err = 0, ntok = 0;
    while (*p) {
        if (isspace((unsigned char)*p) || *p == ',') {
            p++;
            continue;
        }
        ntok++;
        const char *q = p;
        if (isdigit((unsigned char)*p)) {
            while (isdigit((unsigned char)*q))
                q++;
            if (*q == ':') {
                if (!(p = time_token(p, r, &err)))
                    return err ? err : DTERR_BAD_FORMAT;
            } else if ((*q == '-' || *q == '/' || *q == '.') && isdigit((unsigned char)q[1]) &&
                       !r->has_date) {
                if (!(p = date_token(p, r, &err)))
                    return err ? err : DTERR_BAD_FORMAT;
                if (time_only && !time_date_ok(s, p, ntok))
                    return DTERR_BAD_FORMAT;
            } else if ((*q == '-' || *q == '/' || *q == '.') && isalpha((unsigned char)q[1]) &&
                       !r->has_date && !month) {
                char tok[64];
                size_t tl = 0;
                while ((isalnum((unsigned char)*p) || *p == *q) && tl + 1 < sizeof tok)
                    tok[tl++] = *p++;
                tok[tl] = 0;
                if (time_only || text_month_date(tok, r) != 0)
                    return DTERR_BAD_FORMAT;
            } else if (q - p == 8 && !r->has_date && !month) {
                if (!(p = date_token(p, r, &err)))
                    return err ? err : DTERR_BAD_FORMAT;
                if (time_only && !time_date_ok(s, p, ntok))
                    return DTERR_BAD_FORMAT;
            } else if (q - p == 6 && (r->has_date || time_only) && !r->has_time && *q != '.') {
                /* hhmmss after a date, as PostgreSQL's DecodeNumberField */
                int v;
                p = digits(p, &v, NULL);
                char tbuf[16];
                snprintf(tbuf, sizeof tbuf, "%02d:%02d:%02d", v / 10000, v / 100 % 100, v % 100);
                if (!time_token(tbuf, r, &err))
                    return err ? err : DTERR_BAD_FORMAT;
            } else {
                if (nloose == 3 || q - p >= 6 || time_only)  /* 6+ digits would be a run-together date */
                    return DTERR_BAD_FORMAT;
                if (!(p = digits(p, &loose[nloose], &loosend[nloose])))
                    return DTERR_BAD_FORMAT;
                nloose++;
            }
            /* after a time: a zone offset or Z may follow directly */
            continue;
        }
        if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
            int32_t off;
            if (!(p = tz_token(p, &off, &err)))
                return err ? err : DTERR_BAD_FORMAT;
            if ((err = set_zone_off(r, off)))
                return err;
            continue;
        }
        /* a word: letters, then for zone names also / _ - + digits */
        char w[80];
        size_t n = 0;
        int slash = 0;
        if (*q == '-' || *q == '+')
            w[n++] = *q++;
        while (isalpha((unsigned char)*q) || *q == '.') {
            if (n + 1 >= sizeof w)
                return DTERR_BAD_FORMAT;
            w[n++] = *q++;
        }
        /* As PostgreSQL's ParseDateTime: letters followed by '-' or '/', or by '+' or a digit
         * when they are no keyword, start a zone name (Europe/Berlin, Etc/GMT+1, EST5EDT,
         * UTC+3) that runs on through + - / _ . : letters and digits. */
        w[n] = 0;
        if (n > 0 && isalpha((unsigned char)w[0]) &&
            (*q == '-' || *q == '/' ||
             ((*q == '+' || isdigit((unsigned char)*q)) && !is_keyword(w)))) {
            while (isalnum((unsigned char)*q) || (*q && strchr("/_+-.:", *q))) {
                if (n + 1 >= sizeof w)
                    return DTERR_BAD_FORMAT;
                w[n++] = *q++;
            }
            slash = 1;
        }
        w[n] = 0;
        if (n == 0 || (n == 1 && (w[0] == '-' || w[0] == '+')))
            return DTERR_BAD_FORMAT;
        p = q;
        int sp, mon;
        int32_t off;
        if (slash && starts_with_month(w)) {  /* Jan-08-1999: a date with a month name */
            if (r->has_date || month || time_only || text_month_date(w, r) != 0)
                return DTERR_BAD_FORMAT;
        } else if (slash) {
            if (r->zone_kind)
                return DTERR_BAD_FORMAT;
            r->zone = tz_find(w);
            if (!r->zone) {
                for (char *c = w; *c; c++)  /* PostgreSQL reports the name lower-cased */
                    *c = (char)tolower((unsigned char)*c);
                snprintf(r->badzone, sizeof r->badzone, "%s", w);
                return DTERR_BAD_ZONE;
            }
            r->zone_kind = 2;
        } else if ((sp = special_word(w)) != SP_NONE) {
            if (r->special)
                return DTERR_BAD_FORMAT;
            r->special = sp;
        } else if (strcasecmp(w, "t") == 0) {  /* ISO 8601 'T' before a time */
            if (!isdigit((unsigned char)*p))
                return DTERR_BAD_FORMAT;
            r->iso_t = r->has_date;
        } else if (strcasecmp(w, "bc") == 0 || strcasecmp(w, "b.c.") == 0) {
            if (r->bc || r->ad)
                return DTERR_BAD_FORMAT;
            r->bc = 1;
        } else if (strcasecmp(w, "ad") == 0 || strcasecmp(w, "a.d.") == 0) {
            if (r->bc || r->ad)
                return DTERR_BAD_FORMAT;
            r->ad = 1;
        } else if (strcasecmp(w, "am") == 0 || strcasecmp(w, "a.m.") == 0) {
            if (r->ampm)
                return DTERR_BAD_FORMAT;
            r->ampm = 1;
        } else if (strcasecmp(w, "pm") == 0 || strcasecmp(w, "p.m.") == 0) {
            if (r->ampm)
                return DTERR_BAD_FORMAT;
            r->ampm = 2;
        } else if (dt_abbrev(w, &off)) {
            if ((err = set_zone_off(r, off)))
                return err;
        } else if ((mon = month_of(w))) {
            if (month || r->has_date || time_only)
                return DTERR_BAD_FORMAT;
            month = mon;
        } else if (is_dayname(w)) {
            if (time_only)  /* DecodeTimeOnly has no day of the week */
                return DTERR_BAD_FORMAT;
            /* ignored, as PostgreSQL does */
        } else {
            const tz_zone *z = tz_find(w);
            if (!z || r->zone_kind)
                return DTERR_BAD_FORMAT;
            r->zone = z;
            r->zone_kind = 2;
        }
    }
    if (ntok == 0)
        return DTERR_BAD_FORMAT;
    if (month) {  /* "Dec 7 2026", "7 Dec 2026", "2026 Dec 7" */
        if (nloose != 2)
            return DTERR_BAD_FORMAT;
        r->m = month;
        r->month_name = 1;
        if (loosend[0] >= 3 || loose[0] > 31)
            r->y = loose[0], r->d = loose[1];
        else
            r->d = loose[0], r->y = loose[1], r->y2digits = loosend[1] <= 2;
        r->has_date = 1;
    } else if (nloose) {  /* "2026-12-07 14": a number without a role */
        return DTERR_BAD_FORMAT;
    }
    if (r->special && (r->has_date || r->has_time || r->bc || r->ad))
        return DTERR_BAD_FORMAT;
    return DTERR_OK;
}

/* Checks the date and time fields (PostgreSQL's ValidateDate and time checks) and turns a BC
 * year astronomical. */
static int validate(parsed *r, int need_date)
{
    if (r->has_date) {
        if (r->bc) {
            if (r->y <= 0)
                return DTERR_FIELD_OVERFLOW;
            r->y = -(r->y - 1);
        } else if (r->y2digits) {
            r->y += r->y < 70 ? 2000 : 1900;
        } else if (r->y <= 0) {
            return DTERR_FIELD_OVERFLOW;
        }
        if (r->m < 1 || r->m > 12 || r->d < 1 || r->d > dt_days_in_month(r->y, r->m))
            return DTERR_FIELD_OVERFLOW;
    } else if (need_date || r->bc || r->ad) {
        return DTERR_BAD_FORMAT;
    }
    if (r->ampm) {
        if (!r->has_time || r->h > 12 || r->h < 0)
            return r->has_time ? DTERR_FIELD_OVERFLOW : DTERR_BAD_FORMAT;
        if (r->ampm == 1 && r->h == 12)
            r->h = 0;
        else if (r->ampm == 2 && r->h != 12)
            r->h += 12;
    }
    if (r->h < 0 || r->mi < 0 || r->mi > 59 || r->s < 0 || r->s > 60 || r->h > 24 ||
        (r->h == 24 && (r->mi > 0 || r->s > 0 || r->usec > 0)) || r->usec < 0 ||
        r->usec > 1000000)
        return DTERR_FIELD_OVERFLOW;
    return DTERR_OK;
}

static int report(int e, const parsed *r, const char *s, const char *type, dt_error *err)
{
    switch (e) {
    case DTERR_FIELD_OVERFLOW:
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
                      "date/time field value out of range: \"%s\"", s);
    case DTERR_TZDISP:
        return dt_err(err, ERRCODE_INVALID_TIME_ZONE_DISPLACEMENT_VALUE,
                      "time zone displacement out of range: \"%s\"", s);
    case DTERR_BAD_ZONE:
        return dt_err(err, ERRCODE_INVALID_PARAMETER_VALUE, "time zone \"%s\" not recognized",
                      r->badzone);
    default:
        return dt_err(err, ERRCODE_INVALID_DATETIME_FORMAT,
                      "invalid input syntax for type %s: \"%s\"", type, s);
    }
}

/* Local midnight of today (+ delta days) in zone, as wall-clock microseconds. */
static int64_t local_midnight(dt_timestamp now, const tz_zone *zone, int delta)
{
    dt_fields f;
    memset(&f, 0, sizeof f);
    /* `now` is a transaction's start: always finite */
    int finite = dt_ts_fields(now, zone, &f) == 0;
    assert(finite);
    (void)finite;
    return ((int64_t)dt_date2j(f.year, f.mon, f.mday) - DT_PG_JD + delta) * DT_USECS_PER_DAY;
}

static int64_t local_now(dt_timestamp now, const tz_zone *zone)
{
    return now + (int64_t)tz_offset_at(zone, dt_floordiv(now, 1000000) + DT_EPOCH_DIFF_SECS,
                                       NULL, NULL) * 1000000;
}

/* Shared by timestamp and timestamptz input: *wall gets the wall clock; *utc the instant
 * when a zone (or the session zone) applies. */
static int ts_in(const char *s, const tz_zone *zone, dt_timestamp now, int with_tz,
                 dt_timestamp *out, dt_error *err)
{
    const char *type = with_tz ? "timestamp with time zone" : "timestamp";
    parsed r;
    int e = parse(s, &r, 0);
    if (!e && !r.special)
        e = validate(&r, 1);
    if (e)
        return report(e, &r, s, type, err);
    switch (r.special) {
    case SP_INF:
        *out = DT_NOEND;
        return 0;
    case SP_NINF:
        *out = DT_NOBEGIN;
        return 0;
    case SP_EPOCH:
        *out = -DT_EPOCH_DIFF_SECS * INT64_C(1000000);
        return 0;
    case SP_NOW:
        *out = with_tz ? now : local_now(now, zone);
        return 0;
    case SP_TODAY:
    case SP_TOMORROW:
    case SP_YESTERDAY: {
        int64_t w = local_midnight(now, zone, r.special == SP_TODAY ? 0 : r.special == SP_TOMORROW ? 1 : -1);
        *out = with_tz ? w - (int64_t)dt_zone_offset_local(zone, w) * 1000000 : w;
        return 0;
    }
    default:
        break;
    }
    dt_fields f = {r.y, r.m, r.d, r.h, r.mi, r.s, r.usec, 0, ""};
    int64_t t;
    if (fields_local(&f, &t) != 0)
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp out of range: \"%s\"", s);
    if (with_tz) {
        if (r.zone_kind == 1)
            t -= (int64_t)r.zone_off * 1000000;
        else
            t -= (int64_t)dt_zone_offset_local(r.zone_kind == 2 ? r.zone : zone, t) * 1000000;
    }
    if (!DT_VALID_TS(t))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "timestamp out of range: \"%s\"", s);
    *out = t;
    return 0;
}

int dt_timestamp_in(const char *s, const tz_zone *zone, dt_timestamp now, dt_timestamp *out,
                    dt_error *err)
{
    return ts_in(s, zone, now, 0, out, err);
}

int dt_timestamptz_in(const char *s, const tz_zone *zone, dt_timestamp now, dt_timestamp *out,
                      dt_error *err)
{
    return ts_in(s, zone, now, 1, out, err);
}

int dt_date_in(const char *s, const tz_zone *zone, dt_timestamp now, dt_date *out, dt_error *err)
{
    parsed r;
    int e = parse(s, &r, 0);
    if (!e && !r.special)
        e = validate(&r, 1);
    if (!e && r.special == SP_NOW)
        r.special = SP_TODAY;
    if (e)
        return report(e, &r, s, "date", err);
    switch (r.special) {
    case SP_INF:
        *out = DT_DATE_NOEND;
        return 0;
    case SP_NINF:
        *out = DT_DATE_NOBEGIN;
        return 0;
    case SP_EPOCH:
        *out = (dt_date)(DT_UNIX_JD - DT_PG_JD);
        return 0;
    case SP_TODAY:
    case SP_TOMORROW:
    case SP_YESTERDAY:
        *out = (dt_date)(local_midnight(now, zone, r.special == SP_TODAY ? 0 : r.special == SP_TOMORROW ? 1 : -1) / DT_USECS_PER_DAY);
        return 0;
    default:
        break;
    }
    if (!dt_valid_julian(r.y, r.m))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date out of range: \"%s\"", s);
    int64_t d = (int64_t)dt_date2j(r.y, r.m, r.d) - DT_PG_JD;
    if (!DT_VALID_DATE(d))
        return dt_err(err, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "date out of range: \"%s\"", s);
    *out = (dt_date)d;
    return 0;
}

int dt_time_in(const char *s, const tz_zone *zone, dt_timestamp now, dt_time *out, dt_error *err)
{
    parsed r;
    int e = parse(s, &r, 1);
    if (e && strcasecmp(s, "allballs") == 0) {  /* PostgreSQL's name for 00:00:00 */
        *out = 0;
        return 0;
    }
    if (!e && r.special && r.special != SP_NOW)
        e = DTERR_BAD_FORMAT;
    /* PostgreSQL's DecodeTimeOnly takes a numeric date before the time, but not the ISO 'T'
     * form, a month name, or a zone name without a date; the format is judged before the
     * date's fields are */
    if (!e && !r.special && (!r.has_time || r.month_name))
        e = DTERR_BAD_FORMAT;
    if (!e && !r.special) {
        int bc = r.bc, ad = r.ad;
        if (!r.has_date)
            r.bc = r.ad = 0;  /* "23:46:56 BC" is accepted and the era ignored */
        e = validate(&r, 0);
        r.bc = bc, r.ad = ad;
    }
    /* a zone name without a date must have a single offset (checked last, as PostgreSQL) */
    if (!e && !r.special && r.zone_kind == 2 && !r.has_date &&
        !tz_single_offset(r.zone, &(int32_t){0}))
        e = DTERR_BAD_FORMAT;
    if (e)
        return report(e, &r, s, "time", err);
    if (r.special == SP_NOW) {
        int64_t w = local_now(now, zone);
        *out = w - dt_floordiv(w, DT_USECS_PER_DAY) * DT_USECS_PER_DAY;
        return 0;
    }
    *out = ((int64_t)(r.h * 60 + r.mi) * 60 + r.s) * 1000000 + r.usec;
    return 0;
}

/* ---- output ---- */

static size_t put_secs(char *b, int sec, int usec)
{
    size_t n = (size_t)sprintf(b, "%02d", sec);
    if (usec) {
        n += (size_t)sprintf(b + n, ".%06d", usec);
        while (b[n - 1] == '0')
            n--;
        b[n] = 0;
    }
    return n;
}

static size_t put_date(char *b, int y, int m, int d)
{
    return (size_t)sprintf(b, "%04d-%02d-%02d", y > 0 ? y : -(y - 1), m, d);
}

size_t dt_put_offset(char *b, int32_t gmtoff)
{
    int32_t a = gmtoff < 0 ? -gmtoff : gmtoff;
    int h = a / 3600, m = a / 60 % 60, s = a % 60;
    char sign = gmtoff >= 0 ? '+' : '-';
    if (s)
        return (size_t)sprintf(b, "%c%02d:%02d:%02d", sign, h, m, s);
    if (m)
        return (size_t)sprintf(b, "%c%02d:%02d", sign, h, m);
    return (size_t)sprintf(b, "%c%02d", sign, h);
}

size_t dt_date_out(dt_date d, char *buf)
{
    if (d == DT_DATE_NOBEGIN)
        return (size_t)sprintf(buf, "-infinity");
    if (d == DT_DATE_NOEND)
        return (size_t)sprintf(buf, "infinity");
    int y, m, dd;
    dt_j2date(d + DT_PG_JD, &y, &m, &dd);
    size_t n = put_date(buf, y, m, dd);
    if (y <= 0)
        n += (size_t)sprintf(buf + n, " BC");
    return n;
}

size_t dt_time_out(dt_time t, char *buf)
{
    int h = (int)(t / INT64_C(3600000000)), mi = (int)(t / 60000000 % 60),
        s = (int)(t / 1000000 % 60), us = (int)(t % 1000000);
    size_t n = (size_t)sprintf(buf, "%02d:%02d:", h, mi);
    return n + put_secs(buf + n, s, us);
}

static size_t ts_out(dt_timestamp ts, const tz_zone *z, char *buf)
{
    if (ts == DT_NOBEGIN)
        return (size_t)sprintf(buf, "-infinity");
    if (ts == DT_NOEND)
        return (size_t)sprintf(buf, "infinity");
    dt_fields f;
    dt_ts_fields(ts, z, &f);
    size_t n = put_date(buf, f.year, f.mon, f.mday);
    n += (size_t)sprintf(buf + n, " %02d:%02d:", f.hour, f.min);
    n += put_secs(buf + n, f.sec, f.usec);
    if (z)
        n += dt_put_offset(buf + n, f.gmtoff);
    if (f.year <= 0)
        n += (size_t)sprintf(buf + n, " BC");
    return n;
}

size_t dt_timestamp_out(dt_timestamp ts, char *buf) { return ts_out(ts, NULL, buf); }

size_t dt_timestamptz_out(dt_timestamp ts, const tz_zone *zone, char *buf)
{
    return ts_out(ts, zone, buf);
}
