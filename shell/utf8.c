/*
 * utf8.c — how many terminal columns UTF-8 text takes.
 *
 * Independent of the locale on purpose: wcwidth() answers -1 for every non-ASCII character
 * in the C locale, which is what tests and pipes run under, and the tables must line up the
 * same everywhere. The ranges are the usual East Asian Wide/Fullwidth blocks and emoji (2
 * columns) and the common combining marks and zero-width characters (0 columns), after
 * Markus Kuhn's wcwidth. Invalid bytes count one column each.
 */
#include "shell.h"

static int in(const unsigned ranges[][2], int n, unsigned cp)
{
    for (int i = 0; i < n; i++)
        if (cp >= ranges[i][0] && cp <= ranges[i][1])
            return 1;
    return 0;
}

static const unsigned zero_width[][2] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F},
    {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

static const unsigned wide[][2] = {
    {0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC}, {0x2614, 0x2615},
    {0x2648, 0x2653}, {0x26A1, 0x26A1}, {0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5},
    {0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F5}, {0x26FA, 0x26FD}, {0x2705, 0x2705},
    {0x270A, 0x270B}, {0x2728, 0x2728}, {0x274C, 0x274C}, {0x2753, 0x2755}, {0x2795, 0x2797},
    {0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA000, 0xA4CF},
    {0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE30, 0xFE4F}, {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6},
    {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD},
};

/* Decodes one character at s (n > 0 bytes); returns its length, *cp its code point (or the
 * byte itself for an invalid sequence, length 1). */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len <= 1 || len > n) {
        *cp = c;
        return 1;
    }
    unsigned v = c & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = c;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    *cp = v;
    return len;
}

int utf8_width(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    int w = 0;
    while (len > 0) {
        unsigned cp;
        size_t n = utf8_next(p, len, &cp);
        p += n;
        len -= n;
        if (in(zero_width, (int)(sizeof zero_width / sizeof zero_width[0]), cp))
            continue;
        w += in(wide, (int)(sizeof wide / sizeof wide[0]), cp) ? 2 : 1;
    }
    return w;
}

size_t utf8_prefix(const char *s, size_t len, int chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t off = 0;
    while (chars-- > 0 && off < len) {
        unsigned cp;
        off += utf8_next(p + off, len - off, &cp);
    }
    return off;
}
