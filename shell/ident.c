/*
 * ident.c — writing identifiers and string literals that both acidb and PostgreSQL read back
 * as the same name and value. Keywords come from the engine's own lexer table, so a name
 * that the parser would take for a reserved word is always quoted.
 */
#include <string.h>

#include "engine/lex.h"
#include "shell/ident.h"

void ident_write(FILE *f, const char *name)
{
    int bare = (name[0] >= 'a' && name[0] <= 'z') || name[0] == '_';
    for (const char *p = name; bare && *p; p++)
        bare = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (bare) {
        int kw = lx_keyword(name, strlen(name));
        bare = kw == KW_NONE || lx_keyword_category(kw) == KWC_UNRESERVED;
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
