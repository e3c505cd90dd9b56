/*
 * tz.c — TZif reader, POSIX TZ rules and the zone cache (engine/tz.h).
 *
 * Design: a zone is a transition table (UTC instants, each with the index of the local time
 * type in force from it on) plus an optional POSIX rule for instants after the last
 * transition. Lookups binary-search the table; beyond it the rule's two transitions of the
 * year are computed on the fly, so nothing is precomputed per year and a loaded zone never
 * changes. Leap-second files (the zoneinfo "right/" tree) are refused: SQL time, as
 * PostgreSQL's default zones, has no leap seconds.
 *
 * Concurrency: the cache list `cache` is guarded by `cache_lock`; a zone, once on the list,
 * is immutable and never freed, so readers need no lock after tz_find returns.
 */
#include "engine/tz.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TZ_MAX_NAME 256
#define TZ_MAX_FILE (1 << 20)

typedef struct tz_type {
    int32_t gmtoff;
    uint8_t isdst;
    uint16_t abbr;  /* offset into chars */
} tz_type;

/* One POSIX rule date: J n (1..365, Feb 29 never counted), D n (0..365), or M m.w.d; secs is
 * the local time of day of the change (may be negative or past 24 h in TZif v3). */
typedef struct tz_rdate {
    char kind;
    int n, m, w, d;
    int32_t secs;
} tz_rdate;

typedef struct tz_rule {
    char stdname[16], dstname[16];
    int32_t stdoff, dstoff;  /* seconds east */
    int hasdst;
    tz_rdate start, end;
} tz_rule;

struct tz_zone {
    char name[TZ_MAX_NAME];
    int ntrans, ntypes;
    int64_t *trans;
    uint8_t *tidx;
    tz_type *types;
    char *chars;
    int nchars;
    int hasrule;
    tz_rule rule;
    struct tz_zone *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static tz_zone *cache;  /* guarded by cache_lock */
static char zdir[TZ_MAX_NAME] = "";

void tz_set_dir(const char *dir) { snprintf(zdir, sizeof zdir, "%s", dir); }

static const char *zone_dir(void)
{
    if (!zdir[0]) {
        const char *e = getenv("TZDIR");
        snprintf(zdir, sizeof zdir, "%s", e && *e ? e : "/usr/share/zoneinfo");
    }
    return zdir;
}

/* ---- calendar helpers (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t year_of_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    return yoe + era * 400 + (m <= 2);
}

static int64_t floordiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

static int is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

/* Local seconds (since 1970, as if UTC) at which the rule date takes effect in year y. */
static int64_t rdate_local(const tz_rdate *r, int64_t y)
{
    int64_t day;
    if (r->kind == 'J')
        day = days_from_civil(y, 1, 1) + r->n - 1 + (is_leap(y) && r->n >= 60);
    else if (r->kind == 'D')
        day = days_from_civil(y, 1, 1) + r->n;
    else {
        static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int64_t first = days_from_civil(y, r->m, 1);
        int wd1 = (int)(((first % 7) + 7 + 4) % 7);  /* 1970-01-01 was a Thursday */
        int md = 1 + (r->d - wd1 + 7) % 7 + (r->w - 1) * 7;
        int len = mdays[r->m - 1] + (r->m == 2 && is_leap(y));
        while (md > len)
            md -= 7;
        day = first + md - 1;
    }
    return day * 86400 + r->secs;
}

/* The rule's DST start and end in year y as UTC instants. */
static void rule_year(const tz_rule *r, int64_t y, int64_t *s, int64_t *e)
{
    *s = rdate_local(&r->start, y) - r->stdoff;
    *e = rdate_local(&r->end, y) - r->dstoff;
}

static int rule_isdst(const tz_rule *r, int64_t t)
{
    if (!r->hasdst)
        return 0;
    int64_t y = year_of_days(floordiv(t + r->stdoff, 86400)), s, e;
    rule_year(r, y, &s, &e);
    if (s < e)
        return s <= t && t < e;
    return !(e <= t && t < s);
}

/* ---- POSIX TZ strings ---- */

static const char *p_name(const char *p, char *out, size_t cap)
{
    const char *b = p, *e;
    if (*p == '<') {
        b = ++p;
        while (*p && *p != '>')
            p++;
        if (*p != '>')
            return NULL;
        e = p++;
    } else {
        while (*p && !isdigit((unsigned char)*p) && *p != ',' && *p != '-' && *p != '+')
            p++;
        e = p;
    }
    if ((size_t)(e - b) >= cap)
        return NULL;
    memcpy(out, b, (size_t)(e - b));
    out[e - b] = 0;
    return p;
}

static const char *p_num(const char *p, int lo, int hi, int *v)
{
    if (!isdigit((unsigned char)*p))
        return NULL;
    long n = 0;
    while (isdigit((unsigned char)*p)) {
        n = n * 10 + (*p++ - '0');
        if (n > hi)
            return NULL;
    }
    if (n < lo)
        return NULL;
    *v = (int)n;
    return p;
}

/* [+-]hh[:mm[:ss]] as seconds; maxh bounds the hours (24 for offsets, 167 for rule times). */
static const char *p_secs(const char *p, int maxh, int32_t *out)
{
    int neg = 0, h, m = 0, s = 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (!(p = p_num(p, 0, maxh, &h)))
        return NULL;
    if (*p == ':') {
        if (!(p = p_num(p + 1, 0, 59, &m)))
            return NULL;
        if (*p == ':' && !(p = p_num(p + 1, 0, 60, &s)))
            return NULL;
    }
    *out = (int32_t)((h * 60 + m) * 60 + s) * (neg ? -1 : 1);
    return p;
}

static const char *p_rdate(const char *p, tz_rdate *r)
{
    memset(r, 0, sizeof *r);
    if (*p == 'J') {
        r->kind = 'J';
        p = p_num(p + 1, 1, 365, &r->n);
    } else if (*p == 'M') {
        r->kind = 'M';
        if ((p = p_num(p + 1, 1, 12, &r->m)) && *p == '.' && (p = p_num(p + 1, 1, 5, &r->w)) &&
            *p == '.')
            p = p_num(p + 1, 0, 6, &r->d);
        else
            p = NULL;
    } else {
        r->kind = 'D';
        p = p_num(p, 0, 365, &r->n);
    }
    if (!p)
        return NULL;
    r->secs = 7200;
    if (*p == '/')
        p = p_secs(p + 1, 167, &r->secs);
    return p;
}

/* Parses a POSIX TZ string. The standard name may be empty (as PostgreSQL allows: "+01"). */
static int posix_parse(const char *p, tz_rule *r)
{
    int32_t off;
    memset(r, 0, sizeof *r);
    if (!(p = p_name(p, r->stdname, sizeof r->stdname)) || !(p = p_secs(p, 167, &off)))
        return -1;
    r->stdoff = -off;  /* POSIX offsets are west-positive */
    if (!*p)
        return 0;
    if (!(p = p_name(p, r->dstname, sizeof r->dstname)) || !r->dstname[0])
        return -1;
    r->hasdst = 1;
    r->dstoff = r->stdoff + 3600;
    if (*p && *p != ',') {
        if (!(p = p_secs(p, 24, &off)))
            return -1;
        r->dstoff = -off;
    }
    if (!*p) {  /* no rule: the US rules, as tzcode's default */
        r->start = (tz_rdate){'M', 0, 3, 2, 0, 7200};
        r->end = (tz_rdate){'M', 0, 11, 1, 0, 7200};
        return 0;
    }
    if (*p != ',' || !(p = p_rdate(p + 1, &r->start)) || *p != ',' ||
        !(p = p_rdate(p + 1, &r->end)) || *p)
        return -1;
    return 0;
}

/* ---- TZif ---- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

/* Fills z from a TZif image; every count is checked against the buffer. */
static int tzif_parse(tz_zone *z, const uint8_t *b, size_t n)
{
    if (n < 44 || memcmp(b, "TZif", 4) != 0)
        return -1;
    int ver = b[4];
    const uint8_t *h = b;
    size_t tsz = 4;
    uint32_t c[6];
    for (int pass = 0;; pass++) {
        if ((size_t)(h - b) + 44 > n || memcmp(h, "TZif", 4) != 0)
            return -1;
        for (int i = 0; i < 6; i++)
            c[i] = be32(h + 20 + 4 * i);
        /* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
        if (c[3] > 100000 || c[4] == 0 || c[4] > 256 || c[5] > 100000 || c[2] > 100000 ||
            c[0] > 256 || c[1] > 256)
            return -1;
        size_t body = c[3] * tsz + c[3] + c[4] * 6 + c[5] + c[2] * (tsz + 4) + c[1] + c[0];
        if ((size_t)(h - b) + 44 + body > n)
            return -1;
        if (pass == 0 && ver >= '2') {
            h += 44 + body;
            tsz = 8;
            continue;
        }
        break;
    }
    if (c[2] != 0)
        return -1;  /* leap seconds */
    const uint8_t *p = h + 44;
    z->ntrans = (int)c[3];
    z->ntypes = (int)c[4];
    z->nchars = (int)c[5];
    z->trans = malloc(sizeof(int64_t) * (c[3] + 1));
    z->tidx = malloc(c[3] + 1);
    z->types = malloc(sizeof(tz_type) * c[4]);
    z->chars = malloc(c[5] + 1);
    if (!z->trans || !z->tidx || !z->types || !z->chars)
        return -1;
    for (uint32_t i = 0; i < c[3]; i++, p += tsz) {
        z->trans[i] = tsz == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
        if (i > 0 && z->trans[i] <= z->trans[i - 1])
            return -1;
    }
    for (uint32_t i = 0; i < c[3]; i++) {
        z->tidx[i] = *p++;
        if (z->tidx[i] >= c[4])
            return -1;
    }
    for (uint32_t i = 0; i < c[4]; i++, p += 6) {
        z->types[i].gmtoff = (int32_t)be32(p);
        z->types[i].isdst = p[4];
        z->types[i].abbr = p[5];
        if (p[5] >= c[5] || z->types[i].gmtoff <= -7 * 86400 || z->types[i].gmtoff >= 7 * 86400)
            return -1;
    }
    memcpy(z->chars, p, c[5]);
    z->chars[c[5]] = 0;
    p += c[5] + c[1] + c[0];
    if (tsz == 8 && (size_t)(p - b) < n && *p == '\n') {
        const uint8_t *e = memchr(p + 1, '\n', n - (size_t)(p + 1 - b));
        char foot[128];
        if (e && e - p - 1 > 0 && (size_t)(e - p - 1) < sizeof foot) {
            memcpy(foot, p + 1, (size_t)(e - p - 1));
            foot[e - p - 1] = 0;
            z->hasrule = posix_parse(foot, &z->rule) == 0;
        }
    }
    return 0;
}

static void zone_free(tz_zone *z)
{
    if (!z)
        return;
    free(z->trans);
    free(z->tidx);
    free(z->types);
    free(z->chars);
    free(z);
}

/* Opens dir/name, matching each path component case-insensitively when the exact spelling
 * does not exist; canon receives the spelling found. */
static FILE *open_ci(const char *name, char *canon, size_t cap)
{
    char path[2 * TZ_MAX_NAME + 8];
    snprintf(path, sizeof path, "%s/%s", zone_dir(), name);
    FILE *f = fopen(path, "rb");
    if (f) {
        snprintf(canon, cap, "%s", name);
        return f;
    }
    char rest[TZ_MAX_NAME], built[TZ_MAX_NAME] = "";
    snprintf(rest, sizeof rest, "%s", name);
    char *save = NULL;
    for (char *comp = strtok_r(rest, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
        snprintf(path, sizeof path, "%s%s%s", zone_dir(), built[0] ? "/" : "", built);
        DIR *d = opendir(path);
        if (!d)
            return NULL;
        struct dirent *de;
        const char *hit = NULL;
        while ((de = readdir(d)))
            if (strcasecmp(de->d_name, comp) == 0) {
                hit = de->d_name;
                break;
            }
        if (!hit || strlen(built) + strlen(hit) + 2 >= sizeof built) {
            closedir(d);
            return NULL;
        }
        if (built[0])
            strcat(built, "/");
        strcat(built, hit);
        closedir(d);
    }
    snprintf(path, sizeof path, "%s/%s", zone_dir(), built);
    f = fopen(path, "rb");
    if (f)
        snprintf(canon, cap, "%s", built);
    return f;
}

static tz_zone *zone_load(const char *name)
{
    tz_zone *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    size_t len = strlen(name);
    int ok = len > 0 && len < 200 && name[0] != '/' && !strstr(name, "..");
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)name[i]) || strchr("/_+-", name[i]);
    FILE *f = ok ? open_ci(name, z->name, sizeof z->name) : NULL;
    if (f) {
        uint8_t *buf = malloc(TZ_MAX_FILE);
        size_t n = buf ? fread(buf, 1, TZ_MAX_FILE, f) : 0;
        fclose(f);
        int rc = buf ? tzif_parse(z, buf, n) : -1;
        free(buf);
        if (rc == 0)
            return z;
        zone_free(z);
        return NULL;
    }
    /* A POSIX TZ string: one type (standard time) plus the rule. */
    if (posix_parse(name, &z->rule) != 0) {
        zone_free(z);
        return NULL;
    }
    z->hasrule = 1;
    snprintf(z->name, sizeof z->name, "%s", name);
    z->ntypes = 1;
    z->types = calloc(1, sizeof(tz_type));
    z->chars = malloc(sizeof z->rule.stdname);
    if (!z->types || !z->chars) {
        zone_free(z);
        return NULL;
    }
    z->types[0].gmtoff = z->rule.stdoff;
    memcpy(z->chars, z->rule.stdname, sizeof z->rule.stdname);
    return z;
}

static const tz_zone *cache_get(const char *key, tz_zone *(*make)(const char *))
{
    pthread_mutex_lock(&cache_lock);
    for (tz_zone *z = cache; z; z = z->next)
        if (strcasecmp(z->name, key) == 0) {
            pthread_mutex_unlock(&cache_lock);
            return z;
        }
    tz_zone *z = make(key);
    if (z) {
        z->next = cache;
        cache = z;
    }
    pthread_mutex_unlock(&cache_lock);
    return z;
}

const tz_zone *tz_find(const char *name) { return cache_get(name, zone_load); }

/* Fixed zones are cached under a POSIX name "<+01>-01" built from the offset. */
static void fixed_abbr(int32_t gmtoff, char *out, size_t cap)
{
    int32_t a = gmtoff < 0 ? -gmtoff : gmtoff;
    int n = snprintf(out, cap, "%c%02d", gmtoff < 0 ? '-' : '+', a / 3600);
    if (a % 3600) {
        n += snprintf(out + n, cap - (size_t)n, ":%02d", a % 3600 / 60);
        if (a % 60)
            snprintf(out + n, cap - (size_t)n, ":%02d", a % 60);
    }
}

const tz_zone *tz_fixed(int32_t gmtoff)
{
    char ab[16], key[48];
    fixed_abbr(gmtoff, ab, sizeof ab);
    int32_t a = gmtoff < 0 ? -gmtoff : gmtoff;
    snprintf(key, sizeof key, "<%s>%c%d:%02d:%02d", ab, gmtoff < 0 ? '+' : '-', a / 3600,
             a % 3600 / 60, a % 60);
    return cache_get(key, zone_load);
}

const tz_zone *tz_utc(void)
{
    static const tz_zone *utc;  /* set once; a racing second set stores the same pointer */
    const tz_zone *z = __atomic_load_n(&utc, __ATOMIC_ACQUIRE);
    if (!z) {
        z = cache_get("<UTC>0", zone_load);
        __atomic_store_n(&utc, z, __ATOMIC_RELEASE);
    }
    return z;
}

const char *tz_name(const tz_zone *z) { return z->name; }

/* ---- lookups ---- */

/* Index of the last transition <= t, or -1. */
static int trans_index(const tz_zone *z, int64_t t)
{
    int lo = 0, hi = z->ntrans;  /* first index with trans > t */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (z->trans[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

int32_t tz_offset_at(const tz_zone *z, int64_t t, int *isdst, const char **abbrev)
{
    int i = trans_index(z, t);
    if (z->hasrule && i == z->ntrans - 1) {  /* past the table (or no table): the rule */
        int d = rule_isdst(&z->rule, t);
        if (isdst)
            *isdst = d;
        if (abbrev)
            *abbrev = d ? z->rule.dstname : z->rule.stdname;
        return d ? z->rule.dstoff : z->rule.stdoff;
    }
    const tz_type *ty = &z->types[i < 0 ? 0 : z->tidx[i]];
    if (isdst)
        *isdst = ty->isdst;
    if (abbrev)
        *abbrev = z->chars + ty->abbr;
    return ty->gmtoff;
}

/* The first transition after t: 1 and its instant, or 0 when there is none. */
static int next_transition(const tz_zone *z, int64_t t, int64_t *when)
{
    int i = trans_index(z, t);
    if (i + 1 < z->ntrans) {
        *when = z->trans[i + 1];
        return 1;
    }
    if (!z->hasrule || !z->rule.hasdst)
        return 0;
    int64_t y = year_of_days(floordiv(t + z->rule.stdoff, 86400)), best = INT64_MAX;
    for (int64_t yy = y - 1; yy <= y + 1; yy++) {
        int64_t s, e;
        rule_year(&z->rule, yy, &s, &e);
        if (s > t && s < best)
            best = s;
        if (e > t && e < best)
            best = e;
    }
    *when = best;
    return best != INT64_MAX;
}

int32_t tz_local_to_utc(const tz_zone *z, int64_t local, int64_t *utc, int *isdst)
{
    /* As PostgreSQL: back up a day (offsets are under a day, transitions more than two days
     * apart), find the next transition, and try the offsets before and after it. */
    int64_t prev = local - 86400, boundary;
    int bdst, adst;
    int32_t before = tz_offset_at(z, prev, &bdst, NULL), after, use;
    int d;
    if (!next_transition(z, prev, &boundary)) {
        use = before;
        d = bdst;
    } else {
        after = tz_offset_at(z, boundary, &adst, NULL);
        int64_t bt = local - before, at = local - after;
        if (bt < boundary && at < boundary)
            use = before, d = bdst;
        else if (bt >= boundary && at >= boundary)
            use = after, d = adst;
        else if (bt > at)  /* a gap: the offset before the change */
            use = before, d = bdst;
        else               /* an overlap: the offset after it */
            use = after, d = adst;
    }
    if (isdst)
        *isdst = d;
    *utc = local - use;
    return use;
}

int tz_single_offset(const tz_zone *z, int32_t *gmtoff)
{
    int32_t off = z->ntypes > 0 ? z->types[0].gmtoff : 0;
    for (int i = 1; i < z->ntypes; i++)
        if (z->types[i].gmtoff != off)
            return 0;
    if (z->hasrule && (z->rule.hasdst || z->rule.stdoff != off))
        return 0;
    *gmtoff = off;
    return 1;
}
