/*
 * arena.h — bump allocation for everything a statement owns (its syntax tree, plan, constants,
 * and the temporary values of one row's evaluation).
 *
 * Why: a prepared statement is thousands of tiny nodes that all die together; an arena frees
 * them in one call and makes "who frees this node" a non-question. Memory comes in chunks of at
 * least 4 KiB; ar_mark/ar_release_to give a scratch region that is reset per row.
 *
 * Threading: an arena belongs to one thread at a time (its statement's).
 */
#ifndef ACIDB_ARENA_H
#define ACIDB_ARENA_H

#include <stddef.h>

typedef struct ar_chunk ar_chunk;
typedef struct arena {
    ar_chunk *head;   /* newest chunk first */
    size_t total;     /* bytes allocated from malloc, for limits and tests */
    size_t limit;     /* 0: none; else ar_alloc fails (NULL) beyond this many bytes */
} arena;

typedef struct ar_mark {
    ar_chunk *head;
    size_t used;
} ar_mark;

void ar_init(arena *a);
/* Zeroed memory aligned for any type; NULL when out of memory (or past a->limit). */
void *ar_alloc(arena *a, size_t n);
/* A NUL-terminated copy of s[0..n); NULL when out of memory. */
char *ar_strndup(arena *a, const char *s, size_t n);
ar_mark ar_get_mark(const arena *a);
/* Frees everything allocated after the mark was taken. */
void ar_release_to(arena *a, ar_mark m);
/* Frees everything but keeps the oldest chunk for reuse (a statement's per-execution arena:
 * no malloc per execution). */
void ar_reset(arena *a);
/* Frees every chunk; the arena may be reused. */
void ar_free(arena *a);

#endif
