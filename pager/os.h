/*
 * os.h — the OS layer: every byte acidb reads or writes goes through one of these tables.
 *
 * The pager and the WAL never call open/pread/pwrite/fsync directly; they call an
 * os_vfs. os_posix() is the real one. Tests substitute their own (os_fault.c is a
 * fault-injecting vfs that keeps unsynced writes in a volatile cache and "loses power"), which
 * is why the table covers every operation whose failure or reordering matters for durability.
 *
 * Contract for every implementation:
 *   - every function returns ST_OK or an ST_* code and sets the thread's message (status.h)
 *     naming the file and the failed operation;
 *   - read() returns ST_OK with *got < n only at end of file; bytes past *got are zeroed;
 *   - write() writes all n bytes or fails (a short write is ST_EIO);
 *   - sync() means fdatasync: the file's data (and the size, if it grew) is durable when it
 *     returns ST_OK. A failed sync is never retried and reported as success (wal/README.md);
 *   - lock() takes an advisory lock on the file for the life of the handle, exclusive, or
 *     shared for an OS_OPEN_READONLY handle (pager/README.md, "File locks"); if another
 *     process holds a conflicting one, returns ST_EBUSY naming it, *holder_pid set to it (to
 *     the first reader named; 0 if unknown). Called again on a handle, it retakes its locks;
 *   - sync_dir() fsyncs the directory containing `path`, making a create/rename/unlink durable;
 *   - rename() is atomic: a crash leaves either name, never neither.
 *
 * Threading: one os_file may be used by several threads at once for read/write/sync at
 * distinct offsets (positional I/O, no shared file offset); open/close/truncate are called
 * by one thread while no other uses the handle, and so is lock, except to retake a read-only
 * handle's locks (pager/README.md F3), which may run while other threads read through it.
 */
#ifndef ACIDB_OS_H
#define ACIDB_OS_H

#include <stddef.h>
#include <stdint.h>

typedef struct os_file os_file; /* implementation-defined; first member may be anything */
typedef struct os_vfs os_vfs;

enum {
    OS_OPEN_CREATE = 1 << 0,   /* create if missing, mode 0600                               */
    OS_OPEN_READONLY = 1 << 1, /* O_RDONLY; write/truncate/sync refused with ST_EREADONLY     */
    OS_OPEN_EXCL = 1 << 2,     /* with CREATE: fail with ST_EEXISTS if the file exists        */
};

struct os_vfs {
    const char *name;
    void *ctx; /* implementation state (fault injector, counters ...) */
    /* An open that fails creates nothing: with OS_OPEN_CREATE, a file is left behind only when
     * the call succeeds (the pager removes a file it created whose header it could not make
     * durable; together no failed create leaves an empty file;
     * nomem/every_allocation_of_a_workload_fails_cleanly). */
    int (*open)(os_vfs *vfs, const char *path, int flags, os_file **out);
    int (*read)(os_file *f, void *buf, size_t n, uint64_t off, size_t *got);
    int (*write)(os_file *f, const void *buf, size_t n, uint64_t off);
    int (*sync)(os_file *f);
    int (*truncate)(os_file *f, uint64_t size);
    int (*size)(os_file *f, uint64_t *out);
    int (*lock)(os_file *f, long *holder_pid);
    int (*close)(os_file *f); /* always frees f, even when it reports an error */
    int (*remove)(os_vfs *vfs, const char *path);
    /* Atomically renames `from` to `to` (replacing it); durable after sync_dir(to). */
    int (*rename)(os_vfs *vfs, const char *from, const char *to);
    /* *out = 1 if `path` exists (whatever it is), 0 if not; errors only for real failures. */
    int (*exists)(os_vfs *vfs, const char *path, int *out);
    int (*sync_dir)(os_vfs *vfs, const char *path);
    /* Stable identity of an open file (device, inode) so one process can refuse to open the
     * same database twice even through another path name. */
    int (*file_id)(os_file *f, uint64_t *dev, uint64_t *ino);
};

/* The POSIX implementation (pread/pwrite/fdatasync/fcntl locks). Static; never freed. */
os_vfs *os_posix(void);

/* Convenience wrappers, so callers read `os_write(f, ...)` rather than `vfs->write(f, ...)`.
 * An os_file remembers its vfs: every implementation's os_file begins with `os_vfs *vfs`. */
struct os_file_base {
    os_vfs *vfs;
};

static inline int os_read(os_file *f, void *b, size_t n, uint64_t off, size_t *got)
{ return ((struct os_file_base *)f)->vfs->read(f, b, n, off, got); }
static inline int os_write(os_file *f, const void *b, size_t n, uint64_t off)
{ return ((struct os_file_base *)f)->vfs->write(f, b, n, off); }
static inline int os_sync(os_file *f) { return ((struct os_file_base *)f)->vfs->sync(f); }
static inline int os_truncate(os_file *f, uint64_t size)
{ return ((struct os_file_base *)f)->vfs->truncate(f, size); }
static inline int os_size(os_file *f, uint64_t *out)
{ return ((struct os_file_base *)f)->vfs->size(f, out); }
static inline int os_lock(os_file *f, long *holder)
{ return ((struct os_file_base *)f)->vfs->lock(f, holder); }
static inline int os_close(os_file *f) { return ((struct os_file_base *)f)->vfs->close(f); }
static inline int os_file_id(os_file *f, uint64_t *dev, uint64_t *ino)
{ return ((struct os_file_base *)f)->vfs->file_id(f, dev, ino); }

#endif
