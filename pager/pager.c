/*
 * pager.c — the database file: open/validate/create, the header page, the free list, close.
 *
 * Validation order on open is part of the contract (pager/README.md): nothing is written to a
 * file until it has passed every check, so a wrong path handed to acidb never damages anything.
 * Page 0 stays pinned in the pool for the pager's life; header fields are read and written
 * under its latch, which is the last latch in the lock order (pager/README.md, "Latches").
 */
#include "pager/pager_int.h"
#include "pager/status.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- in-process registry: one pager per file per process --------------------------------- */

/* Entries carry the opener's pid: a child made by fork() inherits the list but not the
 * parent's locks, so for it the parent's entries mean nothing (the file lock decides).
 * Read-only handles of one file may coexist; a read-write one excludes every other
 * (pager/README.md, "File locks", F1). */
typedef struct open_file {
    uint64_t dev, ino;
    pid_t pid;
    pgr *p;
    struct open_file *next;
} open_file;

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static open_file *registry;

static int registry_add(pgr *p)
{
    int rc = ST_OK;
    pthread_mutex_lock(&registry_mu);
    for (open_file *o = registry; o != NULL && rc == ST_OK; o = o->next)
        if (o->dev == p->dev && o->ino == p->ino && o->pid == getpid() &&
            !(o->p->readonly && p->readonly))
            rc = st_set(ST_EBUSY, "database %s is already open in this process%s", p->path,
                        o->p->readonly ? " (read-only)" : "");
    if (rc == ST_OK) {
        open_file *o = malloc(sizeof *o);
        if (o == NULL) {
            rc = st_set(ST_ENOMEM, "out of memory opening %s", p->path);
        } else {
            o->dev = p->dev;
            o->ino = p->ino;
            o->pid = getpid();
            o->p = p;
            o->next = registry;
            registry = o;
        }
    }
    pthread_mutex_unlock(&registry_mu);
    return rc;
}

static void registry_remove(pgr *p)
{
    pthread_mutex_lock(&registry_mu);
    for (open_file **link = &registry; *link != NULL; link = &(*link)->next) {
        if ((*link)->p == p && (*link)->pid == getpid()) {
            open_file *o = *link;
            *link = o->next;
            free(o);
            break;
        }
    }
    pthread_mutex_unlock(&registry_mu);
}

/* Closes p's file (if open) after taking p out of the registry. Classic record locks belong to
 * the process, and closing any descriptor of the file drops them all: another read-only
 * handle of the file in this process then retakes them, so that a refused writer still names
 * this process (F3). p leaves the registry first, so that no other handle's close retakes
 * locks through a file being closed. The thread's message is kept (an error path's). */
static int close_and_leave(pgr *p)
{
    registry_remove(p);
    if (p->file == NULL)
        return ST_OK;
    int rc = os_close(p->file);
    p->file = NULL;
    int code = st_code();
    char msg[512];
    snprintf(msg, sizeof msg, "%s", st_msg());
    pthread_mutex_lock(&registry_mu);
    for (open_file *o = registry; o != NULL; o = o->next)
        if (o->dev == p->dev && o->ino == p->ino && o->pid == getpid() && o->p->readonly &&
            o->p->file != NULL) {
            (void)os_lock(o->p->file, NULL); /* its OFD lock is held: this cannot conflict */
            break;
        }
    pthread_mutex_unlock(&registry_mu);
    st_set(code, "%s", msg);
    return rc;
}

/* ---- header ------------------------------------------------------------------------------ */

static int valid_page_size(uint32_t ps)
{
    return ps >= PGR_MIN_PAGE && ps <= PGR_MAX_PAGE && (ps & (ps - 1)) == 0;
}

/* Builds a fresh header page into buf (page_size bytes, checksum included). */
static int build_header(uint8_t *buf, uint32_t ps)
{
    memset(buf, 0, ps);
    buf[8] = PGR_T_HEADER;
    memcpy(buf + HDR_MAGIC, PGR_MAGIC, 16);
    put_u32(buf + HDR_VERSION, PGR_FORMAT_VERSION);
    put_u32(buf + HDR_PAGE_SIZE, ps);
    put_u64(buf + HDR_PAGE_COUNT, 1);
    uint8_t id[16];
    size_t got = 0;
    while (got < sizeof id) {
        ssize_t r = getrandom(id + got, sizeof id - got, 0);
        if (r < 0)
            return st_set(ST_EIO, "getrandom failed while creating a database id");
        got += (size_t)r;
    }
    memcpy(buf + HDR_DB_ID, id, 16);
    put_u64(buf + ps - PGR_TRAILER_SIZE, bp_checksum(buf, ps, 0));
    return ST_OK;
}

/* Creates the file's first page and makes the creation durable: data, then directory. */
static int create_file(pgr *p, uint32_t ps)
{
    uint8_t *buf = malloc(ps);
    if (buf == NULL)
        return st_set(ST_ENOMEM, "out of memory creating %s", p->path);
    int rc = build_header(buf, ps);
    if (rc == ST_OK)
        rc = os_write(p->file, buf, ps, 0);
    if (rc == ST_OK)
        rc = os_sync(p->file);
    if (rc == ST_OK)
        rc = p->vfs->sync_dir(p->vfs, p->path);
    free(buf);
    return rc;
}

/* Whether page 0, read with page size ps, has a valid checksum. */
static int header_checksum_ok(pgr *p, uint32_t ps, int *ok)
{
    uint8_t *page = malloc(ps);
    if (page == NULL)
        return st_set(ST_ENOMEM, "out of memory opening %s", p->path);
    size_t got = 0;
    int rc = os_read(p->file, page, ps, 0, &got);
    *ok = rc == ST_OK && got == ps &&
          bp_checksum(page, ps, 0) == get_u64(page + ps - PGR_TRAILER_SIZE);
    free(page);
    return rc;
}

/* Page 0 failed validation and the log can rebuild it (pgr_options.torn_header_ok): its page
 * size and database id come from the log's header, the page count from the file size (in
 * pgr_open). Whatever of the first sector survived must agree with the log: the magic intact
 * but another database id is another database's log, never a torn write (no write changes
 * the id or the page size, so old and new bytes agree). */
static int accept_torn_header(pgr *p, const pgr_options *o, const uint8_t *first, int magic,
                              uint64_t size)
{
    uint32_t ps = o->log_page_size;
    if (magic && memcmp(first + HDR_DB_ID, o->log_db_id, 16) != 0)
        return st_set(ST_ENOTDB, "log file %s-wal belongs to another database (its database id "
                      "differs from the one in %s, whose file header is damaged)", p->path,
                      p->path);
    uint32_t own = magic ? get_u32(first + HDR_PAGE_SIZE) : 0;
    if (magic && valid_page_size(own) && own != ps)
        return st_set(ST_ECORRUPT, "%s: page 0 (the file header) is damaged, and it names page "
                      "size %u while its log %s-wal says %u", p->path, own, p->path, ps);
    if (size < ps)
        return st_set(ST_ECORRUPT, "%s is truncated: %llu bytes, shorter than its first page "
                      "(%u bytes)", p->path, (unsigned long long)size, ps);
    p->header_torn = 1;
    p->page_size = ps;
    return ST_OK;
}

/* Checks an existing file's header without writing anything; sets p->page_size. */
static int validate_file(pgr *p, const pgr_options *o)
{
    uint64_t size;
    int rc = os_size(p->file, &size);
    if (rc != ST_OK)
        return rc;
    if (size == 0)
        return st_set(ST_EEMPTY, "%s is an empty file, not an acidb database (remove it to "
                      "create a new database there)", p->path);

    uint8_t first[PGR_MIN_PAGE];
    size_t got = 0;
    rc = os_read(p->file, first, sizeof first, 0, &got);
    if (rc != ST_OK)
        return rc;
    int magic = got >= HDR_MAGIC + 16 && memcmp(first + HDR_MAGIC, PGR_MAGIC, 16) == 0;
    uint32_t version = magic ? get_u32(first + HDR_VERSION) : 0;
    uint32_t ps = magic ? get_u32(first + HDR_PAGE_SIZE) : 0;
    if (o->torn_header_ok && valid_page_size(o->log_page_size)) {
        /* A log can rebuild page 0: anything short of the magic, a page size and a valid
         * checksum is a torn or garbled header write, not a reason to refuse. A page 0 that
         * has them is judged strictly below (a valid newer-format header is never "torn"). */
        int ok = 0;
        if (magic && valid_page_size(ps) && size >= ps &&
            (rc = header_checksum_ok(p, ps, &ok)) != ST_OK)
            return rc;
        if (!ok)
            return accept_torn_header(p, o, first, magic, size);
    }
    if (!magic)
        return st_set(ST_ENOTDB, "%s is not an acidb database (no acidb header)", p->path);
    if (version > PGR_FORMAT_VERSION)
        return st_set(ST_EVERSION, "%s was written in acidb format version %u; this build "
                      "reads format version %u and older", p->path, version, PGR_FORMAT_VERSION);
    if (version == 0)
        return st_set(ST_ECORRUPT, "%s: header format version is 0", p->path);
    if (!valid_page_size(ps))
        return st_set(ST_ECORRUPT, "%s: header names an invalid page size %u", p->path, ps);
    if (size < ps)
        return st_set(ST_ECORRUPT, "%s is truncated: %llu bytes, shorter than its first page "
                      "(%u bytes)", p->path, (unsigned long long)size, ps);

    uint8_t *page = malloc(ps);
    if (page == NULL)
        return st_set(ST_ENOMEM, "out of memory opening %s", p->path);
    rc = os_read(p->file, page, ps, 0, &got);
    if (rc == ST_OK && bp_checksum(page, ps, 0) != get_u64(page + ps - PGR_TRAILER_SIZE))
        rc = st_set(ST_ECORRUPT, "%s: checksum mismatch on page 0 (the file header), and no "
                    "log (%s-wal) to rebuild it from", p->path, p->path);
    if (rc == ST_OK && page[8] != PGR_T_HEADER)
        rc = st_set(ST_ECORRUPT, "%s: page 0 has type %u, not the header type", p->path, page[8]);
    uint64_t count = get_u64(page + HDR_PAGE_COUNT);
    uint64_t free_head = get_u64(page + HDR_FREE_HEAD);
    uint64_t free_count = get_u64(page + HDR_FREE_COUNT);
    uint64_t catalog = get_u64(page + HDR_CATALOG);
    uint32_t log_flags = get_u32(page + HDR_LOG_FLAGS);
    free(page);
    if (rc != ST_OK)
        return rc;
    if (count == 0 || count > UINT64_MAX / ps)
        return st_set(ST_ECORRUPT, "%s: header page count %llu is impossible", p->path,
                      (unsigned long long)count);
    if (size < count * ps)
        return st_set(ST_ECORRUPT, "%s is truncated: the header says %llu pages (%llu bytes) "
                      "but the file has %llu bytes", p->path, (unsigned long long)count,
                      (unsigned long long)(count * ps), (unsigned long long)size);
    if (free_head >= count || free_count >= count || catalog >= count ||
        (free_head == 0) != (free_count == 0))
        return st_set(ST_ECORRUPT, "%s: header fields out of range (free list head %llu, "
                      "free count %llu, catalog root %llu, %llu pages)", p->path,
                      (unsigned long long)free_head, (unsigned long long)free_count,
                      (unsigned long long)catalog, (unsigned long long)count);
    if ((log_flags & ~HDR_LOG_NEEDED) != 0)
        return st_set(ST_ECORRUPT, "%s: header log flags 0x%x have unknown bits", p->path,
                      log_flags);
    p->page_size = ps;
    return ST_OK;
}

/* Opens the file: create it (exclusively, so an existing empty file is never mistaken for one
 * we just made), or open the existing one. *created tells which. */
static int open_file_handle(pgr *p, const pgr_options *o, int *created)
{
    *created = 0;
    if (o->create && !o->readonly) {
        int rc = p->vfs->open(p->vfs, p->path, OS_OPEN_CREATE | OS_OPEN_EXCL, &p->file);
        if (rc == ST_OK) {
            *created = 1;
            return ST_OK;
        }
        if (rc != ST_EEXISTS)
            return rc;
    }
    return p->vfs->open(p->vfs, p->path, o->readonly ? OS_OPEN_READONLY : 0, &p->file);
}

int pgr_open(const char *path, const pgr_options *opts, pgr **out)
{
    pgr_options defaults = {0};
    const pgr_options *o = opts ? opts : &defaults;
    uint32_t new_ps = o->page_size ? o->page_size : PGR_DEFAULT_PAGE;
    if (o->create && !valid_page_size(new_ps))
        return st_set(ST_EINVAL, "page size %u is invalid: it must be a power of two from %u to "
                      "%u", new_ps, PGR_MIN_PAGE, PGR_MAX_PAGE);

    pgr *p = calloc(1, sizeof *p);
    if (p == NULL || (p->path = strdup(path)) == NULL) {
        free(p);
        return st_set(ST_ENOMEM, "out of memory opening %s", path);
    }
    p->vfs = o->vfs ? o->vfs : os_posix();
    p->readonly = o->readonly;
    p->before_write = o->before_write;
    p->before_write_ctx = o->before_write_ctx;
    pthread_mutex_init(&p->tree_mu, NULL);

    /* Refuse a second open in this process before opening a descriptor at all: closing even a
     * refused descriptor would drop this process's classic record locks on the file (F1). */
    int created = 0, registered = 0;
    struct stat sb;
    int rc = ST_OK;
    if (stat(path, &sb) == 0) {
        p->dev = (uint64_t)sb.st_dev;
        p->ino = (uint64_t)sb.st_ino;
        if ((rc = registry_add(p)) == ST_OK)
            registered = 1;
    }
    if (rc == ST_OK)
        rc = open_file_handle(p, o, &created);
    if (rc == ST_OK)
        rc = os_lock(p->file, NULL);
    uint64_t dev = 0, ino = 0;
    if (rc == ST_OK)
        rc = os_file_id(p->file, &dev, &ino);
    if (rc == ST_OK && (!registered || dev != p->dev || ino != p->ino)) {
        /* created now, or the path changed between stat and open: register what we opened
         * (registry_remove of an unregistered p does nothing; close_and_leave relies on it) */
        registry_remove(p);
        p->dev = dev;
        p->ino = ino;
        rc = registry_add(p);
    }
    if (rc == ST_OK) {
        if (created) {
            p->page_size = new_ps;
            rc = create_file(p, new_ps);
        } else {
            rc = validate_file(p, o);
        }
    }
    if (rc == ST_OK && p->header_torn && p->readonly)
        rc = st_set(ST_EREADONLY, "%s needs recovery: page 0 (the file header) is damaged and "
                    "its log %s-wal must rebuild it, which a read-only open cannot do; open it "
                    "read-write once, then read-only", p->path, p->path);
    if (rc == ST_OK)
        rc = bp_init(p, o->cache_bytes ? o->cache_bytes : PGR_DEFAULT_CACHE);
    if (rc == ST_OK && p->header_torn) {
        /* Page 0 comes back zeroed (it will be replaced whole by redo); until then the file
         * size says how many pages there are. */
        uint64_t size = 0;
        rc = os_size(p->file, &size);
        atomic_store(&p->npages, size / p->page_size > 0 ? size / p->page_size : 1);
        if (rc == ST_OK)
            rc = pgr_get_for_redo(p, 0, 1, &p->hdr);
        if (rc == ST_OK) {
            memcpy(p->hdr->data + HDR_DB_ID, o->log_db_id, 16);
            pgr_set_page_lsn(p->hdr->data, 0); /* older than any record: redo applies all */
            pthread_rwlock_unlock(&p->hdr->latch); /* keep the pin, drop the latch */
        }
    } else if (rc == ST_OK) {
        atomic_store(&p->npages, 1); /* enough to read page 0 */
        rc = pgr_get(p, 0, PGR_SHARED, &p->hdr);
        if (rc == ST_OK) {
            atomic_store(&p->npages, get_u64(p->hdr->data + HDR_PAGE_COUNT));
            pthread_rwlock_unlock(&p->hdr->latch); /* keep the pin, drop the latch */
        }
    }
    if (rc != ST_OK) {
        /* A failed creation leaves nothing behind: remove the file we made. */
        (void)close_and_leave(p); /* registered or not */
        if (created)
            p->vfs->remove(p->vfs, p->path);
        bp_destroy(p);
        pthread_mutex_destroy(&p->tree_mu);
        free(p->path);
        free(p);
        return rc;
    }
    *out = p;
    return ST_OK;
}

static void free_pager(pgr *p)
{
    bp_destroy(p);
    for (tree_latch *t = p->trees, *next; t != NULL; t = next) {
        next = t->next;
        pthread_rwlock_destroy(&t->lock);
        free(t);
    }
    pthread_mutex_destroy(&p->tree_mu);
    free(p->path);
    free(p);
}

int pgr_close(pgr *p)
{
    if (p == NULL)
        return ST_OK;
    if (bp_any_pinned(p))
        return st_set(ST_EINVAL, "cannot close %s: pages are still pinned", p->path);
    int rc = p->readonly ? ST_OK : bp_flush_all(p);
    int crc = close_and_leave(p);
    free_pager(p);
    return rc != ST_OK ? rc : crc;
}

void pgr_abandon(pgr *p)
{
    if (p == NULL)
        return;
    (void)close_and_leave(p);
    free_pager(p);
}

int pgr_flush(pgr *p)
{
    if (p->readonly)
        return ST_OK;
    return bp_flush_all(p);
}

/* ---- header fields ----------------------------------------------------------------------- */

int pgr_header_get(pgr *p, pgr_page **out)
{
    if (p->readonly)
        return st_set(ST_EREADONLY, "%s is open read-only", p->path);
    pgr_page *held = bp_held(p, 0);
    if (held != NULL) {
        *out = held;
        return ST_OK;
    }
    bp_pin(p->hdr);
    pthread_rwlock_wrlock(&p->hdr->latch);
    int rc = pgr_touch(p->hdr);
    if (rc != ST_OK) {
        pgr_release_held(p->hdr);
        return rc;
    }
    *out = p->hdr;
    return ST_OK;
}

static uint64_t hdr_get(pgr *p, int off)
{
    if (bp_held(p, 0) != NULL) /* this thread's mini-transaction holds it exclusively */
        return get_u64(p->hdr->data + off);
    pthread_rwlock_rdlock(&p->hdr->latch);
    uint64_t v = get_u64(p->hdr->data + off);
    pthread_rwlock_unlock(&p->hdr->latch);
    return v;
}

static int hdr_set(pgr *p, int off, uint64_t v)
{
    pgr_page *h;
    int rc = pgr_header_get(p, &h);
    if (rc != ST_OK)
        return rc;
    put_u64(h->data + off, v);
    pgr_mark_dirty(h);
    pgr_release(h);
    return ST_OK;
}

uint32_t pgr_page_size(const pgr *p) { return p->page_size; }
int pgr_header_torn(pgr *p) { return p->header_torn; }
void pgr_header_rebuilt(pgr *p) { p->header_torn = 0; }
uint64_t pgr_page_count(pgr *p) { return atomic_load(&p->npages); }

uint64_t pgr_file_pages(pgr *p)
{
    uint64_t size = 0;
    if (os_size(p->file, &size) != ST_OK)
        return 0;
    return size / p->page_size;
}
uint64_t pgr_free_count(pgr *p) { return hdr_get(p, HDR_FREE_COUNT); }
uint64_t pgr_free_head(pgr *p) { return hdr_get(p, HDR_FREE_HEAD); }
uint64_t pgr_catalog_root(pgr *p) { return hdr_get(p, HDR_CATALOG); }
int pgr_set_catalog_root(pgr *p, uint64_t root) { return hdr_set(p, HDR_CATALOG, root); }
uint64_t pgr_checkpoint_lsn(pgr *p) { return hdr_get(p, HDR_CKPT_LSN); }
int pgr_set_checkpoint_lsn(pgr *p, uint64_t lsn) { return hdr_set(p, HDR_CKPT_LSN, lsn); }
const char *pgr_path(const pgr *p) { return p->path; }

void pgr_log_state_get(pgr *p, pgr_log_state *out)
{
    out->needed = (int)(hdr_get(p, HDR_LOG_FLAGS) & HDR_LOG_NEEDED); /* low half: the flags */
    out->generation = hdr_get(p, HDR_LOG_GEN);
    out->mark = hdr_get(p, HDR_LOG_MARK);
    out->end = hdr_get(p, HDR_LOG_END);
    out->flushed = hdr_get(p, HDR_LOG_FLUSHED);
}

void pgr_log_state_put(pgr_page *hdr, const pgr_log_state *s)
{
    assert(hdr->pgno == 0);
    uint8_t *h = hdr->data;
    put_u32(h + HDR_LOG_FLAGS, s->needed ? HDR_LOG_NEEDED : 0);
    put_u64(h + HDR_LOG_GEN, s->generation);
    put_u64(h + HDR_LOG_MARK, s->mark);
    put_u64(h + HDR_LOG_END, s->end);
    put_u64(h + HDR_LOG_FLUSHED, s->flushed);
    pgr_mark_dirty(hdr);
}

void pgr_db_id(pgr *p, uint8_t id[16])
{
    /* The id never changes after creation: no latch needed. */
    memcpy(id, p->hdr->data + HDR_DB_ID, 16);
}

/* ---- free list --------------------------------------------------------------------------- */

int pgr_alloc(pgr *p, int type, pgr_page **out)
{
    if (p->readonly)
        return st_set(ST_EREADONLY, "%s is open read-only", p->path);
    /* Header latch last in the lock order: callers may hold tree and page latches. The frame
     * for the page is reserved first, because finding one may mean writing a victim, which
     * must not happen while the header latch is held (pager/README.md, "Latches"). */
    pgr_page *spare;
    int rc = bp_reserve(p, &spare);
    if (rc != ST_OK)
        return rc;
    pgr_page *hdr;
    rc = pgr_header_get(p, &hdr);
    if (rc != ST_OK) {
        bp_unreserve(p, spare);
        return rc;
    }
    uint8_t *h = hdr->data;
    uint64_t head = get_u64(h + HDR_FREE_HEAD);
    uint64_t pgno = head != 0 ? head : get_u64(h + HDR_PAGE_COUNT);
    pgr_page *pg = NULL;
    rc = bp_take_reserved(p, spare, pgno, head != 0, &pg);
    assert(rc != ST_OK || (pg->pgno == pgno && pg != hdr)); /* the header latch is ours */
    uint64_t next = 0, count = get_u64(h + HDR_FREE_COUNT);
    if (rc == ST_OK && head != 0) {
        next = get_u64(pg->data + FREE_NEXT);
        if (pg->data[8] != PGR_T_FREE)
            rc = st_set(ST_ECORRUPT, "%s: free-list page %llu has type %u, not free", p->path,
                        (unsigned long long)head, pg->data[8]);
        else if (next >= atomic_load(&p->npages) || count == 0)
            rc = st_set(ST_ECORRUPT, "%s: free-list page %llu points to page %llu (free count "
                        "%llu)", p->path, (unsigned long long)head, (unsigned long long)next,
                        (unsigned long long)count);
    }
    if (rc == ST_OK)
        rc = pgr_touch(pg);
    if (rc != ST_OK) {
        if (pg != NULL)
            pgr_release(pg);
        pgr_release(hdr);
        return rc;
    }
    /* Both pages touched: change them. */
    if (head != 0) {
        put_u64(h + HDR_FREE_HEAD, next);
        put_u64(h + HDR_FREE_COUNT, count - 1);
    } else {
        put_u64(h + HDR_PAGE_COUNT, pgno + 1);
        atomic_store(&p->npages, pgno + 1);
    }
    uint64_t lsn = pgr_page_lsn(pg->data); /* page LSNs never go backwards (wal/README.md) */
    memset(pg->data, 0, p->page_size);
    pgr_set_page_lsn(pg->data, lsn);
    pg->data[8] = (uint8_t)type;
    pgr_mark_dirty(pg);
    pgr_mark_dirty(hdr);
    /* A new page exists now: within the count every pgr_get bounds-checks against. (A page
     * from the free list was named by the file: not asserted.) */
    assert(head != 0 || (pgno < atomic_load(&p->npages) && pgno < get_u64(h + HDR_PAGE_COUNT)));
    pgr_release(hdr);
    *out = pg;
    return ST_OK;
}

int pgr_free(pgr *p, pgr_page *pg)
{
    if (pg->pgno == 0) {
        pgr_release(pg);
        return st_set(ST_EINVAL, "%s: page 0 cannot be freed", p->path);
    }
    pgr_page *hdr = NULL;
    int rc = pgr_touch(pg);
    if (rc == ST_OK)
        rc = pgr_header_get(p, &hdr);
    if (rc != ST_OK) {
        pgr_release(pg);
        return rc;
    }
    uint8_t *h = hdr->data;
    uint64_t lsn = pgr_page_lsn(pg->data); /* the page keeps its LSN: recovery compares it */
    memset(pg->data, 0, p->page_size);
    pgr_set_page_lsn(pg->data, lsn);
    pg->data[8] = PGR_T_FREE;
    put_u64(pg->data + FREE_NEXT, get_u64(h + HDR_FREE_HEAD));
    pgr_mark_dirty(pg);
    /* The free list's head is this page: its next is the old head (pager/README.md, "Free
     * page (type 2)"), and it is never page 0, which terminates the list. */
    assert(pg->pgno != 0 && hdr == p->hdr);
    put_u64(h + HDR_FREE_HEAD, pg->pgno);
    put_u64(h + HDR_FREE_COUNT, get_u64(h + HDR_FREE_COUNT) + 1);
    pgr_mark_dirty(hdr);
    pgr_release(hdr);
    pgr_release(pg);
    return ST_OK;
}

/* ---- tree latches ------------------------------------------------------------------------ */

pthread_rwlock_t *pgr_tree_latch(pgr *p, uint64_t root)
{
    pthread_mutex_lock(&p->tree_mu);
    tree_latch *t = p->trees;
    while (t != NULL && t->root != root)
        t = t->next;
    if (t == NULL) {
        t = calloc(1, sizeof *t);
        if (t != NULL) {
            t->root = root;
            /* Writer-preferring: with glibc's default (readers first) a stream of readers
             * starved writers for seconds (tests/btree threads test). Safe because no thread
             * takes a tree latch it already holds (btree.h: one latch per call). */
            pthread_rwlockattr_t attr;
            pthread_rwlockattr_init(&attr);
            pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
            pthread_rwlock_init(&t->lock, &attr);
            pthread_rwlockattr_destroy(&attr);
            t->next = p->trees;
            p->trees = t;
        }
    }
    pthread_mutex_unlock(&p->tree_mu);
    return t ? &t->lock : NULL;
}
