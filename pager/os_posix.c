/*
 * os_posix.c — the real OS layer: positional I/O, fdatasync and fcntl record locks.
 *
 * Why fcntl locks and not flock: F_GETLK reports the pid of the process holding a conflicting
 * lock, which lets the error say "in use by process N" (the readers too). Their one trap —
 * closing *any* descriptor of the file drops the process's classic locks — is why the real
 * exclusion is an OFD lock and the pager guards its opens (pager/README.md, "File locks").
 */
#include "pager/os.h"
#include "pager/status.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct posix_file {
    os_vfs *vfs; /* must be first: see struct os_file_base */
    int fd;
    int readonly;
    char *path;
} posix_file;

static int open_error(const char *path, int err)
{
    switch (err) {
    case ENOENT:
        return st_set(ST_ECANTOPEN, "cannot open %s: no such file", path);
    case EACCES:
    case EPERM:
        return st_set(ST_ECANTOPEN, "cannot open %s: permission denied", path);
    case EISDIR:
        return st_set(ST_ECANTOPEN, "cannot open %s: is a directory", path);
    case EROFS:
        return st_set(ST_ECANTOPEN, "cannot open %s for writing: read-only file system", path);
    case EEXIST:
        return st_set(ST_EEXISTS, "cannot create %s: file exists", path);
    case ENOMEM:
        return st_set(ST_ENOMEM, "cannot open %s: out of memory", path);
    default:
        return st_set(ST_ECANTOPEN, "cannot open %s: %s", path, strerror(err));
    }
}

/* An open that fails leaves nothing behind: the handle is allocated before open(2), so that a
 * file created with OS_OPEN_CREATE is never left empty by an allocation failing after it
 * (the next open would refuse the 0-byte file;
 * nomem/every_allocation_of_a_workload_fails_cleanly); a created file that cannot be used is
 * removed. */
static int px_open(os_vfs *vfs, const char *path, int flags, os_file **out)
{
    int oflags = O_CLOEXEC | ((flags & OS_OPEN_READONLY) ? O_RDONLY : O_RDWR);
    if (flags & OS_OPEN_CREATE)
        oflags |= O_CREAT | ((flags & OS_OPEN_EXCL) ? O_EXCL : 0);
    posix_file *f = calloc(1, sizeof *f);
    char *copy = strdup(path);
    if (f == NULL || copy == NULL) {
        free(f);
        free(copy);
        return st_set(ST_ENOMEM, "cannot open %s: out of memory", path);
    }
    int fd;
    do
        fd = open(path, oflags, 0600);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        free(f);
        free(copy);
        return open_error(path, errno);
    }

    /* A directory opened read-only succeeds at open(2); refuse anything but a regular file. */
    struct stat stbuf;
    int st_ok = fstat(fd, &stbuf) == 0;
    if (!st_ok || !S_ISREG(stbuf.st_mode)) {
        int err = st_ok && S_ISDIR(stbuf.st_mode) ? EISDIR : EINVAL;
        close(fd);
        free(f);
        free(copy);
        if (!st_ok && (flags & OS_OPEN_CREATE) && (flags & OS_OPEN_EXCL))
            unlink(path); /* ours (O_EXCL), and unusable */
        if (err == EINVAL)
            return st_set(ST_ECANTOPEN, "cannot open %s: not a regular file", path);
        return open_error(path, err);
    }
    f->vfs = vfs;
    f->fd = fd;
    f->readonly = (flags & OS_OPEN_READONLY) != 0;
    f->path = copy;
    *out = (os_file *)f;
    return ST_OK;
}

static int px_read(os_file *of, void *buf, size_t n, uint64_t off, size_t *got)
{
    posix_file *f = (posix_file *)of;
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(f->fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return st_set(ST_EIO, "read of %zu bytes at offset %llu of %s failed: %s", n,
                          (unsigned long long)off, f->path, strerror(errno));
        }
        if (r == 0)
            break; /* end of file */
        done += (size_t)r;
    }
    if (done < n)
        memset((char *)buf + done, 0, n - done);
    if (got)
        *got = done;
    return ST_OK;
}

static int px_write(os_file *of, const void *buf, size_t n, uint64_t off)
{
    posix_file *f = (posix_file *)of;
    if (f->readonly)
        return st_set(ST_EREADONLY, "write to %s refused: opened read-only", f->path);
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(f->fd, (const char *)buf + done, n - done, (off_t)(off + done));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return st_set(ST_EIO, "write of %zu bytes at offset %llu of %s failed: %s", n,
                          (unsigned long long)off, f->path, strerror(errno));
        }
        if (w == 0)
            return st_set(ST_EIO, "short write at offset %llu of %s",
                          (unsigned long long)(off + done), f->path);
        done += (size_t)w;
    }
    return ST_OK;
}

static int px_sync(os_file *of)
{
    posix_file *f = (posix_file *)of;
    if (f->readonly)
        return ST_OK; /* nothing of ours can be dirty */
    /* Never retried: after a failed fsync the kernel may have dropped the dirty pages, so a
     * second, successful call would prove nothing (wal/README.md L4). */
    if (fdatasync(f->fd) != 0)
        return st_set(ST_EIO, "fdatasync of %s failed: %s", f->path, strerror(errno));
    return ST_OK;
}

static int px_truncate(os_file *of, uint64_t size)
{
    posix_file *f = (posix_file *)of;
    if (f->readonly)
        return st_set(ST_EREADONLY, "truncate of %s refused: opened read-only", f->path);
    if (ftruncate(f->fd, (off_t)size) != 0)
        return st_set(ST_EIO, "truncate of %s to %llu bytes failed: %s", f->path,
                      (unsigned long long)size, strerror(errno));
    return ST_OK;
}

static int px_size(os_file *of, uint64_t *out)
{
    posix_file *f = (posix_file *)of;
    struct stat stbuf;
    if (fstat(f->fd, &stbuf) != 0)
        return st_set(ST_EIO, "fstat of %s failed: %s", f->path, strerror(errno));
    *out = (uint64_t)stbuf.st_size;
    return ST_OK;
}

/* The file locks (pager/README.md, "File locks", rules F1-F3), on bytes past any real use
 * (locks beyond EOF are fine):
 *   byte 0, an open-file-description (OFD) lock: the real exclusion, exclusive for a
 *     read-write handle, shared for a read-only one. It belongs to this open file, so closing
 *     some other descriptor of the same file does not drop it, and it conflicts with a second
 *     open even inside the same process;
 *   classic POSIX record locks, only so that F_GETLK can name the holders (OFD locks report
 *     pid -1): a writer locks byte 1, a reader byte LOCK_READER_BASE + its pid, so that the
 *     readers, each on its own byte, can all be found. If a close elsewhere in the process
 *     drops them, the message merely loses the pids. */
#define LOCK_WRITER_BYTE 1
#define LOCK_READER_BASE 2
#define LOCK_NAMED_MAX 8 /* reader pids a refusal names */

/* Collects the pids of classic read locks in [from, from + len) (len 0: to infinity) that a
 * write lock would meet. F_GETLK reports one conflicting lock, not necessarily the lowest, so
 * the range is split around each one found: at most 2 * max + 1 probes. */
static void find_readers(int fd, off_t from, off_t len, long *pids, int *n, int max)
{
    if (*n >= max)
        return;
    struct flock pr = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = from, .l_len = len};
    if (fcntl(fd, F_GETLK, &pr) != 0 || pr.l_type == F_UNLCK)
        return;
    if (pr.l_pid > 0)
        pids[(*n)++] = (long)pr.l_pid;
    off_t at = pr.l_start > from ? pr.l_start : from;
    if (pr.l_len == 0)
        return; /* a lock to infinity: nothing lies beyond it */
    off_t end = pr.l_start + pr.l_len;
    if (at > from)
        find_readers(fd, from, at - from, pids, n, max);
    if (len == 0)
        find_readers(fd, end, 0, pids, n, max);
    else if (end < from + len)
        find_readers(fd, end, from + len - end, pids, n, max);
}

/* The refusal of a lock that some other open file holds: names the writer that holds it, or
 * (for a writer refused) the readers. */
static int lock_refused(posix_file *f, long *holder_pid)
{
    long pids[LOCK_NAMED_MAX];
    int n = 0;
    struct flock w = {.l_type = f->readonly ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET,
                      .l_start = LOCK_WRITER_BYTE, .l_len = 1};
    int writer = fcntl(f->fd, F_GETLK, &w) == 0 && w.l_type != F_UNLCK && w.l_pid > 0;
    if (writer)
        pids[n++] = (long)w.l_pid;
    else if (!f->readonly)
        find_readers(f->fd, LOCK_READER_BASE, 0, pids, &n, LOCK_NAMED_MAX);
    if (holder_pid)
        *holder_pid = n > 0 ? pids[0] : 0;
    if (n == 0)
        return st_set(ST_EBUSY, "database %s is in use by another process", f->path);
    if (pids[0] == (long)getpid())
        return st_set(ST_EBUSY, "database %s is already open in this process", f->path);
    if (writer)
        return st_set(ST_EBUSY, "database %s is in use by process %ld (open for writing)",
                      f->path, pids[0]);
    char list[LOCK_NAMED_MAX * 24] = "";
    size_t used = 0;
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%ld", i ? ", " : "",
                                 pids[i]);
    return st_set(ST_EBUSY, "database %s is in use by process%s %s%s (open read-only)", f->path,
                  n > 1 ? "es" : "", list, n == LOCK_NAMED_MAX ? " and perhaps more" : "");
}

static int px_lock(os_file *of, long *holder_pid)
{
    posix_file *f = (posix_file *)of;
    short type = f->readonly ? F_RDLCK : F_WRLCK;
    struct flock ofd = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    if (holder_pid)
        *holder_pid = 0;
    if (fcntl(f->fd, F_OFD_SETLK, &ofd) == 0) {
        off_t at = f->readonly ? LOCK_READER_BASE + (off_t)getpid() : LOCK_WRITER_BYTE;
        struct flock classic = {.l_type = type, .l_whence = SEEK_SET, .l_start = at, .l_len = 1};
        (void)fcntl(f->fd, F_SETLK, &classic); /* best effort: only for naming the holder */
        return ST_OK;
    }
    if (errno != EACCES && errno != EAGAIN)
        return st_set(ST_EIO, "cannot lock %s: %s", f->path, strerror(errno));
    return lock_refused(f, holder_pid);
}

static int px_close(os_file *of)
{
    posix_file *f = (posix_file *)of;
    int rc = ST_OK;
    if (close(f->fd) != 0 && errno != EINTR)
        rc = st_set(ST_EIO, "close of %s failed: %s", f->path, strerror(errno));
    free(f->path);
    free(f);
    return rc;
}

static int px_remove(os_vfs *vfs, const char *path)
{
    (void)vfs;
    if (unlink(path) != 0) {
        if (errno == ENOENT)
            return st_set(ST_ENOTFOUND, "cannot remove %s: no such file", path);
        return st_set(ST_EIO, "cannot remove %s: %s", path, strerror(errno));
    }
    return ST_OK;
}

static int px_rename(os_vfs *vfs, const char *from, const char *to)
{
    (void)vfs;
    if (rename(from, to) != 0)
        return st_set(ST_EIO, "cannot rename %s to %s: %s", from, to, strerror(errno));
    return ST_OK;
}

static int px_exists(os_vfs *vfs, const char *path, int *out)
{
    (void)vfs;
    struct stat sb;
    if (lstat(path, &sb) == 0) {
        *out = 1;
        return ST_OK;
    }
    if (errno == ENOENT || errno == ENOTDIR) {
        *out = 0;
        return ST_OK;
    }
    return st_set(ST_EIO, "cannot check whether %s exists: %s", path, strerror(errno));
}

static int px_sync_dir(os_vfs *vfs, const char *path)
{
    (void)vfs;
    char *copy = strdup(path);
    if (copy == NULL)
        return st_set(ST_ENOMEM, "out of memory");
    const char *dir = dirname(copy); /* may point into copy or at a static "." */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = ST_OK;
    if (fd < 0) {
        rc = st_set(ST_EIO, "cannot open directory %s to sync it: %s", dir, strerror(errno));
    } else {
        if (fsync(fd) != 0)
            rc = st_set(ST_EIO, "fsync of directory %s failed: %s", dir, strerror(errno));
        close(fd);
    }
    free(copy);
    return rc;
}

static int px_file_id(os_file *of, uint64_t *dev, uint64_t *ino)
{
    posix_file *f = (posix_file *)of;
    struct stat stbuf;
    if (fstat(f->fd, &stbuf) != 0)
        return st_set(ST_EIO, "fstat of %s failed: %s", f->path, strerror(errno));
    *dev = (uint64_t)stbuf.st_dev;
    *ino = (uint64_t)stbuf.st_ino;
    return ST_OK;
}

static os_vfs posix_vfs = {
    .name = "posix",
    .ctx = NULL,
    .open = px_open,
    .read = px_read,
    .write = px_write,
    .sync = px_sync,
    .truncate = px_truncate,
    .size = px_size,
    .lock = px_lock,
    .close = px_close,
    .remove = px_remove,
    .rename = px_rename,
    .exists = px_exists,
    .sync_dir = px_sync_dir,
    .file_id = px_file_id,
};

os_vfs *os_posix(void) { return &posix_vfs; }
