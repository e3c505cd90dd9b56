/*
 * os_fault.h — a fault-injecting OS layer for tests: power loss, I/O errors, counters.
 *
 * It wraps another os_vfs (normally os_posix()). Writes are not applied to the file at once:
 * they wait in a per-file *volatile cache* (an ordered list of pending writes) until the file
 * is synced, exactly like a kernel page cache in front of a disk. Reads see the cache.
 *
 *   os_fault_power_loss() "cuts the power": for every file, each pending write independently is
 *   kept (applied whole), dropped (never reaches the disk) or torn (only a random subset of its
 *   512-byte sectors lands), applied in their original order — or, with os_fault_set_garble,
 *   each sector touched by a pending write is new, old or garbage (see there); then the cache
 *   is gone and every
 *   handle opened before the cut fails with ST_EIO ("power lost") until closed. Reopening the
 *   files (after os_fault_reset_power) shows what a machine would find after reboot.
 *
 *   os_fault_inject() makes the n-th future operation of a kind fail: ST_EIO, ENOSPC (ST_EIO
 *   with "No space left on device"), a short write (part of the bytes land, then ST_EIO), or a
 *   failed sync — which, as on Linux after "fsyncgate", also *drops* the file's pending writes,
 *   so a caller that retries the sync and believes it would be wrong.
 *
 * Every decision comes from a seeded xorshift generator, so a seed replays a case exactly
 * (given the same sequence of operations).
 *
 * Simplifications (stated so no test relies on more): truncate applies the file's pending
 * writes and then truncates durably; file creation, removal and rename are durable at once (directory
 * syncs are counted but not needed).
 *
 * Threading: all state is behind one mutex; safe for concurrent use.
 */
#ifndef ACIDB_OS_FAULT_H
#define ACIDB_OS_FAULT_H

#include <stdint.h>

#include "pager/os.h"

typedef struct os_fault os_fault;

enum os_fault_op {
    OSF_READ = 1 << 0,
    OSF_WRITE = 1 << 1,
    OSF_SYNC = 1 << 2,
    OSF_TRUNCATE = 1 << 3,
    OSF_OPEN = 1 << 4,
};

enum os_fault_kind {
    OSF_EIO = 1,    /* the operation fails with ST_EIO, nothing happens                  */
    OSF_ENOSPC,     /* a write fails with ST_EIO "No space left on device", nothing lands */
    OSF_SHORT,      /* a write lands partly (a random prefix), then fails with ST_EIO     */
    OSF_CUT,        /* with OSF_SYNC: the power fails during this sync, pending writes
                     * meet their fates (as os_fault_power_loss), the sync fails           */
};

typedef struct os_fault_counts {
    uint64_t reads, writes, syncs, dir_syncs, truncates, opens, injected;
} os_fault_counts;

/* Creates a fault layer over `base` (NULL: os_posix()). Free with os_fault_free after every
 * file opened through it is closed. */
int os_fault_new(os_vfs *base, uint64_t seed, os_fault **out);
void os_fault_free(os_fault *f);
os_vfs *os_fault_vfs(os_fault *f);

/* Fails the `nth` (1-based) future operation matching `ops` (a mask of os_fault_op) with
 * `kind`; if `sticky`, every later matching operation fails too. Replaces any earlier rule. */
void os_fault_inject(os_fault *f, int ops, uint64_t nth, int kind, int sticky);
void os_fault_clear(os_fault *f);

/* Cuts the power (see above). Returns the number of pending writes that were not kept whole. */
uint64_t os_fault_power_loss(os_fault *f);
/* Pending writes that were not kept whole at the last cut (0: the cut lost nothing, and a
 * test built on it proves little). */
uint64_t os_fault_cut_lost(os_fault *f);
/* Powers the machine back on: new opens work again. */
void os_fault_reset_power(os_fault *f);

void os_fault_counts_get(os_fault *f, os_fault_counts *out);

/* Selects the power-loss model. 0 (the default): each pending write is kept, dropped or torn
 * at 512-byte granularity (above); the disk has powersafe overwrite — bytes a write does not
 * cover are never disturbed. Otherwise `sector_size` (a power of two >= 512: 512 or 4096 for
 * real devices) and the device does NOT have powersafe overwrite (SQLite's crash-test model):
 * at a cut every aligned sector touched by a pending write independently ends up new (as reads
 * showed it), old (as last synced) or random garbage over the WHOLE sector — so bytes of the
 * sector that no pending write covered, synced long ago, can be destroyed too. A write that
 * was synced is never garbled except by a later unsynced write to its sector. Garbage never
 * makes the file longer than the pending writes would have. Applies to os_fault_power_loss and
 * to OSF_CUT. */
void os_fault_set_garble(os_fault *f, unsigned sector_size);
/* Restricts garbling to the file at `path` (NULL: every file, the default); the others keep
 * the keep/drop/tear model. ST_ENOMEM if the path cannot be copied. */
int os_fault_set_garble_only(os_fault *f, const char *path);

/* Whether a pending (unsynced) write to the file at `path` overlaps [off, off + len). */
int os_fault_pending(os_fault *f, const char *path, uint64_t off, uint64_t len);

/* Makes every fdatasync take `usec` microseconds (outside the layer's lock), like a disk: the
 * base file is never really synced (durability is simulated), so without a delay a sync is
 * instantaneous and nothing that depends on syncs taking time (group commit) can be seen. */
void os_fault_set_sync_delay(os_fault *f, unsigned usec);

/* Calls `fn(ctx, path)` at the start of every sync (file syncs, not directory syncs), on the
 * syncing thread and outside the layer's lock, so a test can stop a thread at a chosen moment
 * (say, a checkpoint between its begin and end records) and run another meanwhile. NULL
 * removes the hook. */
void os_fault_set_sync_hook(os_fault *f, void (*fn)(void *ctx, const char *path), void *ctx);

#endif
