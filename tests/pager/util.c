/*
 * util.c — the pager suite's fixture (a temporary directory per test) and helpers (util.h).
 */
#include "tests/pager/util.h"

/* A 600 s watchdog: a hang (e.g. a pool that waits instead of returning ST_EFULL) is reported
 * as a crash rather than hanging the run; sanitizer builds are several times slower, hence
 * the margin. */
static void t_setup(void) { fx_begin("pager", 600); }

TestSuite(pager, .init = t_setup, .fini = fx_end);

static uint8_t pat_byte(uint64_t pgno, uint64_t tag, uint32_t i)
{
    uint64_t x = pgno * 0x9E3779B97F4A7C15ull ^ tag * 0xC2B2AE3D27D4EB4Full ^ (uint64_t)(i / 8);
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    return (uint8_t)(x >> ((i % 8) * 8));
}

void t_fill(uint8_t *page, uint32_t ps, uint64_t pgno, uint64_t tag)
{
    for (uint32_t i = PGR_HDR_SIZE; i < ps - PGR_TRAILER_SIZE; i++)
        page[i] = pat_byte(pgno, tag, i);
}

int t_check_fill(const uint8_t *page, uint32_t ps, uint64_t pgno, uint64_t tag)
{
    for (uint32_t i = PGR_HDR_SIZE; i < ps - PGR_TRAILER_SIZE; i++)
        if (page[i] != pat_byte(pgno, tag, i))
            return 0;
    return 1;
}
