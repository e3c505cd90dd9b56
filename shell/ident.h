/*
 * ident.h — SQL identifiers and literals for the text the shell writes itself (.dump, .import).
 */
#ifndef ACIDB_SHELL_IDENT_H
#define ACIDB_SHELL_IDENT_H

#include <stdio.h>

/* Writes name as an SQL identifier: bare when it is a lower-case word that is not a keyword
 * the parser reserves, else double-quoted with "" doubling. */
void ident_write(FILE *f, const char *name);
/* Writes s as a string literal ('it''s'). */
void literal_write(FILE *f, const char *s);

#endif
