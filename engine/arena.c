/*
 * arena.c — chunked bump allocator (see arena.h).
 */
#include "engine/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define AR_MIN_CHUNK 4096u
#define AR_ALIGN 16u

struct ar_chunk {
    ar_chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

void ar_init(arena *a) { memset(a, 0, sizeof *a); }

void *ar_alloc(arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    size_t need = (n + AR_ALIGN - 1) & ~(size_t)(AR_ALIGN - 1);
    if (need < n)
        return NULL;
    ar_chunk *c = a->head;
    if (c == NULL || c->size - c->used < need) {
        size_t size = need > AR_MIN_CHUNK ? need : AR_MIN_CHUNK;
        /* Grow chunk sizes with the arena so a big statement needs few mallocs. */
        if (a->total / 4 > size && a->total / 4 < (size_t)1 << 24)
            size = a->total / 4;
        if (a->limit != 0 && a->total + size > a->limit)
            return NULL;
        if (size > SIZE_MAX - sizeof *c)
            return NULL;
        c = malloc(sizeof *c + size);
        if (c == NULL)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        a->total += size;
    }
    void *p = c->data + c->used;
    c->used += need;
    memset(p, 0, n);
    return p;
}

char *ar_strndup(arena *a, const char *s, size_t n)
{
    char *p = ar_alloc(a, n + 1);
    if (p != NULL) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

ar_mark ar_get_mark(const arena *a)
{
    ar_mark m = {a->head, a->head ? a->head->used : 0};
    return m;
}

void ar_release_to(arena *a, ar_mark m)
{
    while (a->head != NULL && a->head != m.head) {
        ar_chunk *c = a->head;
        a->head = c->next;
        a->total -= c->size;
        free(c);
    }
    if (a->head != NULL)
        a->head->used = m.used;
}

void ar_reset(arena *a)
{
    ar_chunk *keep = a->head;
    while (keep != NULL && keep->next != NULL)
        keep = keep->next;
    ar_mark m = {keep, 0};
    ar_release_to(a, m);
}

void ar_free(arena *a)
{
    ar_mark none = {NULL, 0};
    ar_release_to(a, none);
}
