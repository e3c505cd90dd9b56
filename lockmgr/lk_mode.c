/*
 * lk_mode.c — the multi-granularity modes: compatibility matrix, join, names, status codes.
 *
 * The matrix is the classic one (Gray et al., "Granularity of Locks"); README.md prints it.
 * It is stored as a conflict bitmask per mode so that "does mode a conflict with any mode in a
 * set" is one AND, which the grant rule uses on every request.
 */
#include "lockmgr/lk_int.h"

#define B(m) (1u << (m))

/* bit m of lk_conflicts[a] set  <=>  a and m may not be held at once by two transactions. */
const uint8_t lk_conflicts[LK_NMODES] = {
    [LK_NONE] = 0,
    [LK_IS] = B(LK_X),
    [LK_IX] = B(LK_S) | B(LK_SIX) | B(LK_X),
    [LK_S] = B(LK_IX) | B(LK_SIX) | B(LK_X),
    [LK_SIX] = B(LK_IX) | B(LK_S) | B(LK_SIX) | B(LK_X),
    [LK_X] = B(LK_IS) | B(LK_IX) | B(LK_S) | B(LK_SIX) | B(LK_X),
};

/* Join in the lattice NONE < IS < {IX, S} < SIX < X; IX and S are incomparable, joined at SIX. */
static const uint8_t sup_tab[LK_NMODES][LK_NMODES] = {
    /*            NONE     IS      IX      S       SIX     X    */
    [LK_NONE] = {LK_NONE, LK_IS, LK_IX, LK_S, LK_SIX, LK_X},
    [LK_IS] = {LK_IS, LK_IS, LK_IX, LK_S, LK_SIX, LK_X},
    [LK_IX] = {LK_IX, LK_IX, LK_IX, LK_SIX, LK_SIX, LK_X},
    [LK_S] = {LK_S, LK_S, LK_SIX, LK_S, LK_SIX, LK_X},
    [LK_SIX] = {LK_SIX, LK_SIX, LK_SIX, LK_SIX, LK_SIX, LK_X},
    [LK_X] = {LK_X, LK_X, LK_X, LK_X, LK_X, LK_X},
};

bool lk_compatible(lk_mode_t a, lk_mode_t b)
{
    if ((unsigned)a >= LK_NMODES || (unsigned)b >= LK_NMODES)
        return false;
    return !lk_conflict(a, b);
}

lk_mode_t lk_mode_sup(lk_mode_t a, lk_mode_t b)
{
    if ((unsigned)a >= LK_NMODES || (unsigned)b >= LK_NMODES)
        return LK_NONE;
    return (lk_mode_t)sup_tab[a][b];
}

const char *lk_mode_name(lk_mode_t m)
{
    static const char *const names[LK_NMODES] = {"-", "IS", "IX", "S", "SIX", "X"};
    return (unsigned)m < LK_NMODES ? names[m] : "?";
}

const char *lk_sqlstate(int rc)
{
    switch (rc) {
    case LK_OK:
    case LK_NOT_GRANTED: return "00000";
    case LK_UNAVAILABLE:
    case LK_TIMEOUT: return "55P03";  /* lock_not_available */
    case LK_DEADLOCK: return "40P01"; /* deadlock_detected  */
    case LK_NOMEM: return "53200";    /* out_of_memory      */
    case LK_CANCELED: return "57014"; /* query_canceled     */
    default: return "22023";          /* invalid_parameter_value */
    }
}

const char *lk_strerror(int rc)
{
    switch (rc) {
    case LK_OK: return "ok";
    case LK_NOT_GRANTED: return "lock not granted (skipped)";
    case LK_UNAVAILABLE: return "could not obtain lock";
    case LK_TIMEOUT: return "lock timeout";
    case LK_DEADLOCK: return "deadlock detected";
    case LK_NOMEM: return "out of memory";
    case LK_EINVAL: return "invalid lock request";
    case LK_CANCELED: return "canceling statement due to user request";
    default: return "unknown lock status";
    }
}
