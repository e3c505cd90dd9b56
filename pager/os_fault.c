/*
 * os_fault.c — fault-injecting OS layer (see os_fault.h for the model).
 *
 * State per file path (so a reopen after a power cut finds the same file): the ordered list of
 * writes not yet synced. Handles carry the power epoch they were opened in; a cut bumps the
 * epoch and every older handle answers ST_EIO.
 */
#include "pager/os_fault.h"
#include "pager/status.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECTOR 512u

typedef struct pending {
    uint64_t off;
    size_t len;
    uint8_t *data;
} pending;

typedef struct fstate {
    char *path;
    pending *w;
    size_t nw, cap;
    struct fstate *next;
} fstate;

struct os_fault {
    os_vfs vfs; /* handed out by os_fault_vfs; vfs.ctx points back here */
    os_vfs *base;
    pthread_mutex_t mu;
    uint64_t rng;
    uint64_t epoch;
    int powered_off;
    fstate *files;
    /* the injection rule */
    int rule_ops, rule_kind, rule_sticky;
    uint64_t cut_lost; /* writes not kept whole at the last power cut */
    unsigned garble;   /* 0: keep/drop/tear per write; else the sector size garbled whole */
    char *garble_only; /* NULL: garble every file; else only this path */
    unsigned sync_delay_us;
    void (*sync_hook)(void *ctx, const char *path);
    void *sync_hook_ctx;
    uint64_t rule_countdown; /* 0 = no rule armed */
    os_fault_counts counts;
};

typedef struct ffile {
    os_vfs *vfs; /* must be first: see struct os_file_base */
    os_file *base;
    fstate *st;
    uint64_t epoch;
} ffile;

static uint64_t rnd(os_fault *f)
{
    /* xorshift64*: deterministic from the seed, good enough for choosing fates. */
    f->rng ^= f->rng >> 12;
    f->rng ^= f->rng << 25;
    f->rng ^= f->rng >> 27;
    return f->rng * 2685821657736338717ull;
}

static os_fault *of(os_vfs *vfs) { return (os_fault *)vfs->ctx; }
static os_fault *off_of(os_file *fl) { return of(((ffile *)fl)->vfs); }

/* Decides whether this operation is the injected failure. Mutex held. Returns 0 or the kind. */
static int should_fail(os_fault *f, int op)
{
    if (f->rule_countdown == 0 || !(f->rule_ops & op))
        return 0;
    if (f->rule_countdown > 1) {
        f->rule_countdown--;
        return 0;
    }
    if (!f->rule_sticky)
        f->rule_countdown = 0;
    f->counts.injected++;
    return f->rule_kind;
}

static int check_alive(os_fault *f, ffile *h)
{
    if (h->epoch != f->epoch || f->powered_off)
        return st_set(ST_EIO, "%s: I/O error (power lost)", h->st->path);
    return ST_OK;
}

static void drop_pending(fstate *s)
{
    for (size_t i = 0; i < s->nw; i++)
        free(s->w[i].data);
    s->nw = 0;
}

/* Applies pending writes [all] to the base file in order. Mutex held. */
static int apply_pending(ffile *h)
{
    fstate *s = h->st;
    int rc = ST_OK;
    for (size_t i = 0; i < s->nw && rc == ST_OK; i++)
        rc = os_write(h->base, s->w[i].data, s->w[i].len, s->w[i].off);
    drop_pending(s);
    return rc;
}

static fstate *state_for(os_fault *f, const char *path)
{
    for (fstate *s = f->files; s != NULL; s = s->next)
        if (strcmp(s->path, path) == 0)
            return s;
    fstate *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        return NULL;
    }
    s->next = f->files;
    f->files = s;
    return s;
}

static int fv_open(os_vfs *vfs, const char *path, int flags, os_file **out)
{
    os_fault *f = of(vfs);
    pthread_mutex_lock(&f->mu);
    int rc = ST_OK;
    f->counts.opens++;
    if (f->powered_off)
        rc = st_set(ST_EIO, "cannot open %s: power is off", path);
    else if (should_fail(f, OSF_OPEN))
        rc = st_set(ST_EIO, "cannot open %s: injected I/O error", path);
    ffile *h = NULL;
    if (rc == ST_OK) {
        h = calloc(1, sizeof *h);
        if (h != NULL)
            h->st = state_for(f, path);
        if (h == NULL || h->st == NULL)
            rc = st_set(ST_ENOMEM, "out of memory opening %s", path);
    }
    if (rc == ST_OK)
        rc = f->base->open(f->base, path, flags, &h->base);
    if (rc != ST_OK) {
        free(h);
    } else {
        h->vfs = vfs;
        h->epoch = f->epoch;
        *out = (os_file *)h;
    }
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int fv_read(os_file *fl, void *buf, size_t n, uint64_t off, size_t *got)
{
    ffile *h = (ffile *)fl;
    os_fault *f = off_of(fl);
    pthread_mutex_lock(&f->mu);
    f->counts.reads++;
    int rc = check_alive(f, h);
    if (rc == ST_OK && should_fail(f, OSF_READ))
        rc = st_set(ST_EIO, "read of %s at offset %llu: injected I/O error", h->st->path,
                    (unsigned long long)off);
    size_t have = 0;
    if (rc == ST_OK)
        rc = os_read(h->base, buf, n, off, &have);
    /* Overlay the volatile cache, oldest first, so the newest bytes win. */
    for (size_t i = 0; rc == ST_OK && i < h->st->nw; i++) {
        pending *w = &h->st->w[i];
        uint64_t lo = w->off > off ? w->off : off;
        uint64_t hi = w->off + w->len < off + n ? w->off + w->len : off + n;
        if (lo >= hi)
            continue;
        memcpy((uint8_t *)buf + (lo - off), w->data + (lo - w->off), hi - lo);
        if (hi - off > have)
            have = (size_t)(hi - off);
    }
    if (rc == ST_OK && got)
        *got = have;
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int fv_write(os_file *fl, const void *buf, size_t n, uint64_t off)
{
    ffile *h = (ffile *)fl;
    os_fault *f = off_of(fl);
    pthread_mutex_lock(&f->mu);
    f->counts.writes++;
    int rc = check_alive(f, h);
    int kind = rc == ST_OK ? should_fail(f, OSF_WRITE) : 0;
    size_t land = n;
    if (kind == OSF_EIO || kind == OSF_ENOSPC)
        land = 0;
    else if (kind == OSF_SHORT)
        land = n > 1 ? (size_t)(rnd(f) % (n - 1)) + 1 : 0;
    fstate *s = h->st;
    if (rc == ST_OK && land > 0) {
        if (s->nw == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 16;
            pending *w = realloc(s->w, cap * sizeof *w);
            if (w == NULL)
                rc = st_set(ST_ENOMEM, "out of memory in fault vfs");
            else {
                s->w = w;
                s->cap = cap;
            }
        }
        uint8_t *copy = rc == ST_OK ? malloc(land) : NULL;
        if (rc == ST_OK && copy == NULL)
            rc = st_set(ST_ENOMEM, "out of memory in fault vfs");
        if (rc == ST_OK) {
            memcpy(copy, buf, land);
            s->w[s->nw++] = (pending){off, land, copy};
        }
    }
    if (rc == ST_OK && kind == OSF_ENOSPC)
        rc = st_set(ST_EIO, "write of %zu bytes at offset %llu of %s failed: No space left on "
                    "device (injected)", n, (unsigned long long)off, s->path);
    else if (rc == ST_OK && kind != 0)
        rc = st_set(ST_EIO, "write of %zu bytes at offset %llu of %s failed: %s (injected)", n,
                    (unsigned long long)off, s->path,
                    kind == OSF_SHORT ? "short write" : "Input/output error");
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static uint64_t power_loss_locked(os_fault *f);

static int fv_sync(os_file *fl)
{
    ffile *h = (ffile *)fl;
    os_fault *f = off_of(fl);
    pthread_mutex_lock(&f->mu);
    unsigned delay = f->sync_delay_us;
    void (*hook)(void *, const char *) = f->sync_hook;
    void *hook_ctx = f->sync_hook_ctx;
    pthread_mutex_unlock(&f->mu);
    if (hook)
        hook(hook_ctx, h->st->path);
    if (delay) {
        struct timespec ts = {delay / 1000000, (long)(delay % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&f->mu);
    f->counts.syncs++;
    int rc = check_alive(f, h);
    int kind = rc == ST_OK ? should_fail(f, OSF_SYNC) : 0;
    if (kind == OSF_CUT) {
        /* The power fails while this sync is in progress: pending writes meet their fates. */
        power_loss_locked(f);
        rc = st_set(ST_EIO, "fdatasync of %s: power lost (injected)", h->st->path);
    } else if (kind != 0) {
        /* Linux may drop the dirty pages after a failed writeback: so do we. */
        drop_pending(h->st);
        rc = st_set(ST_EIO, "fdatasync of %s failed: Input/output error (injected)", h->st->path);
    }
    /* The base file is not fdatasync'd: durability is what this layer simulates (pending
     * writes), the real machine does not lose power during a test, and real syncs would make
     * the crash tests hundreds of times slower. */
    if (rc == ST_OK)
        rc = apply_pending(h);
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int fv_truncate(os_file *fl, uint64_t size)
{
    ffile *h = (ffile *)fl;
    os_fault *f = off_of(fl);
    pthread_mutex_lock(&f->mu);
    f->counts.truncates++;
    int rc = check_alive(f, h);
    if (rc == ST_OK && should_fail(f, OSF_TRUNCATE))
        rc = st_set(ST_EIO, "truncate of %s failed: injected I/O error", h->st->path);
    if (rc == ST_OK)
        rc = apply_pending(h);
    if (rc == ST_OK)
        rc = os_truncate(h->base, size);
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int fv_size(os_file *fl, uint64_t *out)
{
    ffile *h = (ffile *)fl;
    os_fault *f = off_of(fl);
    pthread_mutex_lock(&f->mu);
    int rc = check_alive(f, h);
    uint64_t size = 0;
    if (rc == ST_OK)
        rc = os_size(h->base, &size);
    for (size_t i = 0; rc == ST_OK && i < h->st->nw; i++)
        if (h->st->w[i].off + h->st->w[i].len > size)
            size = h->st->w[i].off + h->st->w[i].len;
    if (rc == ST_OK)
        *out = size;
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int fv_lock(os_file *fl, long *holder)
{
    ffile *h = (ffile *)fl;
    return os_lock(h->base, holder);
}

static int fv_close(os_file *fl)
{
    /* Closing does not sync: pending writes stay in the (shared, per path) volatile cache, as
     * they would in a page cache after close(2). */
    ffile *h = (ffile *)fl;
    int rc = os_close(h->base);
    free(h);
    return rc;
}

static int fv_remove(os_vfs *vfs, const char *path)
{
    os_fault *f = of(vfs);
    pthread_mutex_lock(&f->mu);
    for (fstate *s = f->files; s != NULL; s = s->next)
        if (strcmp(s->path, path) == 0)
            drop_pending(s);
    int rc = f->base->remove(f->base, path);
    pthread_mutex_unlock(&f->mu);
    return rc;
}

/* Renames are durable at once (os_fault.h, "Simplifications"); pending writes follow the file
 * to its new name. */
static int fv_rename(os_vfs *vfs, const char *from, const char *to)
{
    os_fault *f = of(vfs);
    pthread_mutex_lock(&f->mu);
    int rc = f->powered_off ? st_set(ST_EIO, "power is off") : f->base->rename(f->base, from, to);
    if (rc == ST_OK) {
        for (fstate *s = f->files; s != NULL; s = s->next) {
            if (strcmp(s->path, to) == 0) {
                /* The old file at `to` is gone (unlinked): forget its cache, and its name, so
                 * lookups of `to` find the renamed file. */
                drop_pending(s);
                s->path[0] = '\0';
            }
        }
        for (fstate *s = f->files; s != NULL; s = s->next) {
            if (strcmp(s->path, from) == 0) {
                char *copy = strdup(to);
                if (copy != NULL) {
                    free(s->path);
                    s->path = copy;
                }
                break;
            }
        }
    }
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int fv_exists(os_vfs *vfs, const char *path, int *out)
{
    os_fault *f = of(vfs);
    return f->base->exists(f->base, path, out);
}

static int fv_sync_dir(os_vfs *vfs, const char *path)
{
    os_fault *f = of(vfs);
    pthread_mutex_lock(&f->mu);
    f->counts.dir_syncs++;
    int rc = f->powered_off ? st_set(ST_EIO, "power is off") : ST_OK;
    pthread_mutex_unlock(&f->mu);
    (void)path; /* counted, not performed: see fv_sync */
    return rc;
}

static int fv_file_id(os_file *fl, uint64_t *dev, uint64_t *ino)
{
    return os_file_id(((ffile *)fl)->base, dev, ino);
}

int os_fault_new(os_vfs *base, uint64_t seed, os_fault **out)
{
    os_fault *f = calloc(1, sizeof *f);
    if (f == NULL)
        return st_set(ST_ENOMEM, "out of memory creating the fault vfs");
    f->base = base ? base : os_posix();
    f->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
    f->epoch = 1;
    pthread_mutex_init(&f->mu, NULL);
    f->vfs = (os_vfs){
        .name = "fault",
        .ctx = f,
        .open = fv_open,
        .read = fv_read,
        .write = fv_write,
        .sync = fv_sync,
        .truncate = fv_truncate,
        .size = fv_size,
        .lock = fv_lock,
        .close = fv_close,
        .remove = fv_remove,
        .rename = fv_rename,
        .exists = fv_exists,
        .sync_dir = fv_sync_dir,
        .file_id = fv_file_id,
    };
    *out = f;
    return ST_OK;
}

void os_fault_free(os_fault *f)
{
    if (f == NULL)
        return;
    for (fstate *s = f->files, *next; s != NULL; s = next) {
        next = s->next;
        drop_pending(s);
        free(s->w);
        free(s->path);
        free(s);
    }
    pthread_mutex_destroy(&f->mu);
    free(f->garble_only);
    free(f);
}

os_vfs *os_fault_vfs(os_fault *f) { return &f->vfs; }

void os_fault_inject(os_fault *f, int ops, uint64_t nth, int kind, int sticky)
{
    pthread_mutex_lock(&f->mu);
    f->rule_ops = ops;
    f->rule_countdown = nth ? nth : 1;
    f->rule_kind = kind;
    f->rule_sticky = sticky;
    pthread_mutex_unlock(&f->mu);
}

void os_fault_clear(os_fault *f)
{
    pthread_mutex_lock(&f->mu);
    f->rule_countdown = 0;
    pthread_mutex_unlock(&f->mu);
}

/* Writes the sectors of w chosen by the generator straight to the file at `path`. */
static void tear(os_fault *f, const char *path, const pending *w)
{
    os_file *fl;
    if (f->base->open(f->base, path, 0, &fl) != ST_OK)
        return;
    for (uint64_t pos = w->off; pos < w->off + w->len;) {
        uint64_t end = (pos / SECTOR + 1) * SECTOR;
        if (end > w->off + w->len)
            end = w->off + w->len;
        if (rnd(f) & 1)
            os_write(fl, w->data + (pos - w->off), (size_t)(end - pos), pos);
        pos = end;
    }
    os_close(fl);
}

uint64_t os_fault_power_loss(os_fault *f)
{
    pthread_mutex_lock(&f->mu);
    uint64_t lost = power_loss_locked(f);
    pthread_mutex_unlock(&f->mu);
    return lost;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The garbling model (os_fault.h, os_fault_set_garble): every aligned sector that a pending
 * write of `s` touches ends up, independently, new (the bytes a read would have shown: the disk
 * overlaid with every pending write in order), old (the disk as it was) or garbage (random
 * bytes over the whole sector, including bytes no pending write covered). Sectors are clipped
 * at the size the file would have had: garbage never grows the file. Returns the number of
 * pending writes that did not land whole (some sector of theirs not new). Mutex held. */
static uint64_t garble_file(os_fault *f, fstate *s)
{
    const uint64_t ss = f->garble;
    uint64_t lost = 0, disk = 0, end = 0, *sec = NULL;
    size_t n = 0;
    uint8_t *fate = NULL, *buf = NULL;
    os_file *fl = NULL;
    if (f->base->open(f->base, s->path, 0, &fl) != ST_OK || os_size(fl, &disk) != ST_OK)
        goto done;
    size_t total = 0;
    for (size_t i = 0; i < s->nw; i++) {
        uint64_t e = s->w[i].off + s->w[i].len;
        end = e > end ? e : end;
        total += (size_t)((e - 1) / ss - s->w[i].off / ss + 1);
    }
    end = disk > end ? disk : end;
    sec = malloc(total * sizeof *sec);
    fate = malloc(total ? total : 1);
    buf = malloc(ss);
    if (sec == NULL || fate == NULL || buf == NULL)
        goto done; /* out of memory in a test: behave as if every write was dropped */
    for (size_t i = 0; i < s->nw; i++)
        for (uint64_t k = s->w[i].off / ss; k <= (s->w[i].off + s->w[i].len - 1) / ss; k++)
            sec[n++] = k;
    qsort(sec, n, sizeof *sec, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || sec[u - 1] != sec[i])
            sec[u++] = sec[i];
    n = u;
    for (size_t j = 0; j < n; j++) {
        uint64_t lo = sec[j] * ss, hi = lo + ss < end ? lo + ss : end;
        size_t len = (size_t)(hi - lo), got = 0;
        fate[j] = (uint8_t)(rnd(f) % 3); /* 0 new, 1 old, 2 garbage */
        if (fate[j] == 1)
            continue;
        if (fate[j] == 2) {
            for (size_t b = 0; b < len; b++)
                buf[b] = (uint8_t)(rnd(f) >> 56);
        } else {
            memset(buf, 0, len);
            if (lo < disk)
                os_read(fl, buf, len, lo, &got);
            for (size_t i = 0; i < s->nw; i++) {
                const pending *w = &s->w[i];
                uint64_t a = w->off > lo ? w->off : lo;
                uint64_t b = w->off + w->len < hi ? w->off + w->len : hi;
                if (a < b)
                    memcpy(buf + (a - lo), w->data + (a - w->off), (size_t)(b - a));
            }
        }
        os_write(fl, buf, len, lo);
    }
done:
    for (size_t i = 0; i < s->nw; i++) {
        int whole = sec != NULL && fate != NULL && buf != NULL;
        for (uint64_t k = s->w[i].off / ss; whole && k <= (s->w[i].off + s->w[i].len - 1) / ss;
             k++) {
            uint64_t *hit = bsearch(&k, sec, n, sizeof *sec, cmp_u64);
            whole = hit != NULL && fate[hit - sec] == 0;
        }
        lost += !whole;
    }
    if (fl != NULL)
        os_close(fl);
    free(sec);
    free(fate);
    free(buf);
    return lost;
}

static uint64_t power_loss_locked(os_fault *f)
{
    uint64_t lost = 0;
    for (fstate *s = f->files; s != NULL; s = s->next) {
        if (f->garble != 0 && s->nw > 0 && s->path[0] != '\0' &&
            (f->garble_only == NULL || strcmp(f->garble_only, s->path) == 0)) {
            lost += garble_file(f, s);
            drop_pending(s);
            continue;
        }
        for (size_t i = 0; i < s->nw; i++) {
            pending *w = &s->w[i];
            switch (rnd(f) % 3) {
            case 0: { /* kept */
                pending whole = *w;
                os_file *fl;
                if (f->base->open(f->base, s->path, 0, &fl) == ST_OK) {
                    os_write(fl, whole.data, whole.len, whole.off);
                    os_close(fl);
                }
                break;
            }
            case 1: /* dropped */
                lost++;
                break;
            default: /* torn */
                tear(f, s->path, w);
                lost++;
                break;
            }
        }
        drop_pending(s);
    }
    f->epoch++;
    f->powered_off = 1;
    f->cut_lost = lost;
    return lost;
}

uint64_t os_fault_cut_lost(os_fault *f)
{
    pthread_mutex_lock(&f->mu);
    uint64_t v = f->cut_lost;
    pthread_mutex_unlock(&f->mu);
    return v;
}

void os_fault_reset_power(os_fault *f)
{
    pthread_mutex_lock(&f->mu);
    f->powered_off = 0;
    pthread_mutex_unlock(&f->mu);
}

void os_fault_counts_get(os_fault *f, os_fault_counts *out)
{
    pthread_mutex_lock(&f->mu);
    *out = f->counts;
    pthread_mutex_unlock(&f->mu);
}

void os_fault_set_garble(os_fault *f, unsigned sector_size)
{
    assert(sector_size == 0 || (sector_size >= 512 && (sector_size & (sector_size - 1)) == 0));
    pthread_mutex_lock(&f->mu);
    f->garble = sector_size;
    pthread_mutex_unlock(&f->mu);
}

int os_fault_set_garble_only(os_fault *f, const char *path)
{
    char *copy = path ? strdup(path) : NULL;
    if (path != NULL && copy == NULL)
        return st_set(ST_ENOMEM, "out of memory in fault vfs");
    pthread_mutex_lock(&f->mu);
    free(f->garble_only);
    f->garble_only = copy;
    pthread_mutex_unlock(&f->mu);
    return ST_OK;
}

int os_fault_pending(os_fault *f, const char *path, uint64_t off, uint64_t len)
{
    int hit = 0;
    pthread_mutex_lock(&f->mu);
    for (fstate *s = f->files; s != NULL && !hit; s = s->next)
        if (strcmp(s->path, path) == 0)
            for (size_t i = 0; i < s->nw && !hit; i++)
                hit = s->w[i].off < off + len && off < s->w[i].off + s->w[i].len;
    pthread_mutex_unlock(&f->mu);
    return hit;
}

void os_fault_set_sync_delay(os_fault *f, unsigned usec)
{
    pthread_mutex_lock(&f->mu);
    f->sync_delay_us = usec;
    pthread_mutex_unlock(&f->mu);
}

void os_fault_set_sync_hook(os_fault *f, void (*fn)(void *ctx, const char *path), void *ctx)
{
    pthread_mutex_lock(&f->mu);
    f->sync_hook = fn;
    f->sync_hook_ctx = ctx;
    pthread_mutex_unlock(&f->mu);
}
