/*
 * dt_key.c — order-preserving index keys and record forms of the date/time values
 * (engine/types.md, "Date and time encodings").
 *
 * Keys: big-endian two's complement with the sign bit flipped, so memcmp order is numeric
 * order; infinity (the largest integer) sorts last and -infinity first with no special case.
 * An interval key is its comparison value (PostgreSQL's interval_cmp: months of 30 days,
 * days of 24 hours, as a 128-bit count of microseconds) followed by the three fields, so
 * memcmp order is interval order and the key still decodes to the exact value.
 */
#include <string.h>

#include "engine/dt_int.h"

static void put_be(uint8_t *out, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *in, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | in[i];
    return v;
}

void dt_key_date(dt_date d, uint8_t out[DT_KEY_DATE])
{
    put_be(out, (uint32_t)d ^ UINT32_C(0x80000000), 4);
}

void dt_key_ts(dt_timestamp ts, uint8_t out[DT_KEY_TS])
{
    put_be(out, (uint64_t)ts ^ UINT64_C(0x8000000000000000), 8);
}

void dt_key_time(dt_time t, uint8_t out[DT_KEY_TIME]) { dt_key_ts(t, out); }

void dt_key_interval(const dt_interval *iv, uint8_t out[DT_KEY_INTERVAL])
{
    __int128 c = (__int128)iv->time + ((__int128)iv->month * 30 + iv->day) * DT_USECS_PER_DAY;
    unsigned __int128 u = (unsigned __int128)c ^ ((unsigned __int128)1 << 127);
    put_be(out, (uint64_t)(u >> 64), 8);
    put_be(out + 8, (uint64_t)u, 8);
    put_be(out + 16, (uint32_t)iv->month ^ UINT32_C(0x80000000), 4);
    put_be(out + 20, (uint32_t)iv->day ^ UINT32_C(0x80000000), 4);
    put_be(out + 24, (uint64_t)iv->time ^ UINT64_C(0x8000000000000000), 8);
}

dt_date dt_key_date_decode(const uint8_t in[DT_KEY_DATE])
{
    return (dt_date)(uint32_t)(get_be(in, 4) ^ UINT32_C(0x80000000));
}

dt_timestamp dt_key_ts_decode(const uint8_t in[DT_KEY_TS])
{
    return (dt_timestamp)(get_be(in, 8) ^ UINT64_C(0x8000000000000000));
}

dt_interval dt_key_interval_decode(const uint8_t in[DT_KEY_INTERVAL])
{
    dt_interval iv;
    iv.month = (int32_t)(uint32_t)(get_be(in + 16, 4) ^ UINT32_C(0x80000000));
    iv.day = (int32_t)(uint32_t)(get_be(in + 20, 4) ^ UINT32_C(0x80000000));
    iv.time = (int64_t)(get_be(in + 24, 8) ^ UINT64_C(0x8000000000000000));
    return iv;
}

/* ---- record forms: little-endian, fixed width ---- */

static uint64_t get_le(const uint8_t *in, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | in[i];
    return v;
}

static void put_le(uint8_t *out, uint64_t v, int n)
{
    for (int i = 0; i < n; i++, v >>= 8)
        out[i] = (uint8_t)v;
}

void dt_rec_date(dt_date d, uint8_t out[4]) { put_le(out, (uint32_t)d, 4); }

void dt_rec_ts(dt_timestamp ts, uint8_t out[8]) { put_le(out, (uint64_t)ts, 8); }

void dt_rec_interval(const dt_interval *iv, uint8_t out[DT_REC_INTERVAL])
{
    put_le(out, (uint32_t)iv->month, 4);
    put_le(out + 4, (uint32_t)iv->day, 4);
    put_le(out + 8, (uint64_t)iv->time, 8);
}

int dt_rec_interval_decode(const uint8_t *in, size_t len, dt_interval *out)
{
    if (len != DT_REC_INTERVAL)
        return -1;
    out->month = (int32_t)(uint32_t)get_le(in, 4);
    out->day = (int32_t)(uint32_t)get_le(in + 4, 4);
    out->time = (int64_t)get_le(in + 8, 8);
    return 0;
}

int dt_rec_ts_decode(const uint8_t *in, size_t len, dt_timestamp *out)
{
    if (len != 8)
        return -1;
    int64_t t = (int64_t)get_le(in, 8);
    if (!DT_VALID_TS(t) && !DT_IS_INF(t))
        return -1;
    *out = t;
    return 0;
}

int dt_rec_date_decode(const uint8_t *in, size_t len, dt_date *out)
{
    if (len != 4)
        return -1;
    int32_t d = (int32_t)(uint32_t)get_le(in, 4);
    if (!DT_VALID_DATE(d) && d != DT_DATE_NOBEGIN && d != DT_DATE_NOEND)
        return -1;
    *out = d;
    return 0;
}

int dt_rec_time_decode(const uint8_t *in, size_t len, dt_time *out)
{
    if (len != 8)
        return -1;
    int64_t t = (int64_t)get_le(in, 8);
    if (t < 0 || t > DT_USECS_PER_DAY)
        return -1;
    *out = t;
    return 0;
}
