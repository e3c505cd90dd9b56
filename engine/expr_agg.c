/*
 * expr_agg.c — aggregate accumulators (ex_accum_*, expr.h).
 *
 * SUM and AVG accumulate exactly in __int128 (2^63 rows of |v| <= 2^63 cannot overflow it).
 * Divergence: PostgreSQL's sum(bigint) is numeric and never overflows; ours is an INTEGER and
 * fails with 22003 when the final sum is outside the 64-bit range (only sums beyond ±9.2e18).
 *
 * AVG returns TEXT spelled exactly as PostgreSQL prints avg(bigint), a numeric: the quotient
 * sum / count at the scale numeric division picks (numeric.c, select_div_scale):
 *   weights and first digits are those of base-10000 digit groups (DEC_DIGITS = 4);
 *   qweight = weight(sum) - weight(count), minus 1 when firstdigit(sum) <= firstdigit(count);
 *   rscale = clamp(16 - 4 * qweight, 0, 1000)    (NUMERIC_MIN_SIG_DIGITS 16; the inputs'
 *                                                 display scales are 0)
 * rounded half away from zero. E.g. avg(1,2) = 3/2 -> "1.5000000000000000" (scale 16),
 * avg(1) -> "1.00000000000000000000" (firstdigit 1 <= 1: scale 20), avg(100000000000) ->
 * "100000000000.00000000" (weight 2: scale 8).
 */
#include <math.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/expr.h"
#include "engine/sqlstate.h"

void ex_accum_init(ex_accum *acc, int agg)
{
    memset(acc, 0, sizeof *acc);
    acc->agg = (uint8_t)agg;
    acc->best = val_null();
}

static int float_overflow(sql_error *err)
{
    return sql_err(err, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                   "value out of range: overflow");
}

/* sum: float8pl / float4pl, one addition per row; avg: float8_accum / float4_accum (Youngs-
 * Cramer: Sx and Sxx, whose overflow is an error too, as in PostgreSQL). */
static int float_step(ex_accum *acc, const value *v, sql_error *err)
{
    double x = v->u.f;
    acc->fl = v->len == 4 ? 4 : 8;
    if (acc->agg == AGG_SUM) {
        double s = acc->fl == 4 ? (double)((float)acc->fsum + (float)x) : acc->fsum + x;
        if (isinf(s) && !isinf(acc->fsum) && !isinf(x))
            return float_overflow(err);
        acc->fsum = s;
    } else {
        double n = (double)(acc->count + 1), sx = acc->fsum + x, sxx = acc->fsxx;
        if (acc->count > 0) {
            double tmp = x * n - sx;
            sxx += tmp * tmp / (n * (double)acc->count);
            if (isinf(sx) || isinf(sxx)) {
                if (!isinf(acc->fsum) && !isinf(x))
                    return float_overflow(err);
                sxx = NAN;
            }
        } else if (isnan(x) || isinf(x)) {
            sxx = NAN;
        }
        acc->fsum = sx;
        acc->fsxx = sxx;
    }
    acc->count++;
    acc->any = 1;
    return 0;
}

int ex_accum_step(ex_accum *acc, const value *v, arena *a, sql_error *err)
{
    if (v->type == VT_NULL)
        return 0;
    switch (acc->agg) {
    case AGG_SUM:
    case AGG_AVG:
        if (v->type == VT_FLOAT)
            return float_step(acc, v, err);
        if (v->type != VT_INT)
            return sql_err(err, ACIDB_ERROR, ERRCODE_UNDEFINED_FUNCTION, -1,
                           "function %s(%s) does not exist",
                           acc->agg == AGG_SUM ? "sum" : "avg", val_type_name(v->type));
        acc->sum += v->u.i;
        break;
    case AGG_MIN:
    case AGG_MAX:
        if (acc->any) {
            int c = val_cmp(v, &acc->best);
            if (acc->agg == AGG_MIN ? c >= 0 : c <= 0)
                break;
        }
        if (val_copy(a, v, &acc->best) != 0)
            return sql_err_nomem(err, NULL);
        break;
    default:
        break;
    }
    acc->count++;
    acc->any = 1;
    return 0;
}

/* Weight (index of the leading base-10000 digit group) and that leading group of x > 0. */
static void nbase_lead(unsigned __int128 x, int *weight, unsigned *first)
{
    int w = 0;
    while (x >= 10000) {
        x /= 10000;
        w++;
    }
    *weight = w;
    *first = (unsigned)x;
}

static int avg_scale(unsigned __int128 sum, uint64_t count)
{
    int w1 = 0, w2;
    unsigned f1 = 0, f2;
    if (sum != 0)
        nbase_lead(sum, &w1, &f1);
    nbase_lead(count, &w2, &f2);
    int qweight = w1 - w2;
    if (f1 <= f2)
        qweight--;
    int rscale = 16 - qweight * 4;
    if (rscale < 0)
        rscale = 0;
    if (rscale > 1000)
        rscale = 1000;
    return rscale;
}

/* sum / count rounded half away from zero at the PostgreSQL scale, as text in the arena. */
static int avg_format(__int128 sum, uint64_t count, arena *a, value *out)
{
    int neg = sum < 0;
    unsigned __int128 mag = neg ? (unsigned __int128)0 - (unsigned __int128)sum
                                : (unsigned __int128)sum;
    int scale = avg_scale(mag, count);
    unsigned __int128 ip = mag / count, rem = mag % count;
    /* Fraction digits by long division: rem < count < 2^64, so rem * 10 fits. */
    char frac[1001];
    for (int i = 0; i < scale; i++) {
        rem *= 10;
        frac[i] = (char)('0' + (int)(rem / count));
        rem %= count;
    }
    if (rem * 2 >= count) { /* half away from zero: round the magnitude up */
        int i = scale - 1;
        while (i >= 0 && frac[i] == '9')
            frac[i--] = '0';
        if (i >= 0)
            frac[i]++;
        else
            ip++;
    }
    char idig[48];
    int n = 0;
    do {
        idig[n++] = (char)('0' + (int)(ip % 10));
        ip /= 10;
    } while (ip != 0);
    int zero = n == 1 && idig[0] == '0';
    for (int i = 0; i < scale && zero; i++)
        zero = frac[i] == '0';
    size_t len = (size_t)((neg && !zero) + n + (scale > 0 ? 1 + scale : 0));
    char *p = ar_alloc(a, len + 1), *q = p;
    if (p == NULL)
        return -1;
    if (neg && !zero)
        *q++ = '-';
    while (n > 0)
        *q++ = idig[--n];
    if (scale > 0) {
        *q++ = '.';
        memcpy(q, frac, (size_t)scale);
        q += scale;
    }
    *q = '\0';
    *out = val_text(p, (uint32_t)len);
    return 0;
}

int ex_accum_final(const ex_accum *acc, arena *a, value *out, sql_error *err)
{
    switch (acc->agg) {
    case AGG_COUNT:
        *out = val_int(acc->count);
        return 0;
    case AGG_SUM:
        if (!acc->any) {
            *out = val_null();
            return 0;
        }
        if (acc->fl != 0) {
            *out = acc->fl == 4 ? val_float4((float)acc->fsum) : val_float(acc->fsum);
            return 0;
        }
        if (acc->sum > INT64_MAX || acc->sum < INT64_MIN)
            return sql_err(err, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, -1,
                           "bigint out of range");
        *out = val_int((int64_t)acc->sum);
        return 0;
    case AGG_AVG:
        if (!acc->any) {
            *out = val_null();
            return 0;
        }
        if (acc->fl != 0) {
            *out = val_float(acc->fsum / (double)acc->count);
            return 0;
        }
        if (avg_format(acc->sum, (uint64_t)acc->count, a, out) != 0)
            return sql_err_nomem(err, NULL);
        return 0;
    case AGG_MIN:
    case AGG_MAX:
        *out = acc->any ? acc->best : val_null();
        return 0;
    default:
        return sql_err(err, ACIDB_ERROR, ERRCODE_INTERNAL_ERROR, -1,
                       "unknown aggregate %d", acc->agg);
    }
}
