/*
 * ident.c — writing identifiers and string literals that both acidb and PostgreSQL read back
 * as the same name and value. Keywords are the engine's own (acidb_keyword_check), so a name
 * that the parser would take for a keyword it does not accept as a name is always quoted.
 */
#include "acidb.h"
#include "ident.h"

void ident_write(FILE *f, const char *name)
{
    int bare = (name[0] >= 'a' && name[0] <= 'z') || name[0] == '_';
    for (const char *p = name; bare && *p; p++)
        bare = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (bare) {
        int kw = acidb_keyword_check(name, -1);
        bare = kw == ACIDB_KEYWORD_NONE || kw == ACIDB_KEYWORD_UNRESERVED;
    }
    if (bare) {
        fputs(name, f);
        return;
    }
    fputc('"', f);
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

void literal_write(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}
