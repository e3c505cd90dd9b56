/*
 * btree_bench.c — the cost of a random point lookup and a random insert in a table B+tree of
 * 1,000,000 keys (8-byte rowids, 100-byte values), with a warm buffer pool big enough for the
 * whole tree and with a 1 MiB pool (256 frames of 4 KiB).
 *
 * Phases: build the tree by inserting the keys in random order (timed too), close; reopen
 * with the big pool, warm it with a full scan, time random lookups then random inserts of new
 * keys; close; reopen with the 1 MiB pool and time the same. Each phase prints ns/op, ops/s
 * and the buffer-pool hit ratio (pgr_get_stats deltas). Pool misses in the 1 MiB phase are
 * served by the kernel's page cache (the file was just written), not the disk: this measures
 * the pager and B+tree, not the device.
 *
 * Usage: btree_bench [-n keys] [-q ops per phase] [-v value bytes] [-p page size]
 *                    [-c small cache bytes] [-d directory]
 * Defaults: -n 1000000 -q 200000 -v 100 -p 4096 -c 1048576 -d a fresh /tmp directory.
 * The database file is removed at the end. No assertions on time: it reports, never judges.
 * Each line shows wall-clock ns/op and ops/s, and the process CPU time per op (the two differ
 * when the machine is shared or the phase waits for I/O).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "pager/btree.h"
#include "pager/pager.h"
#include "pager/status.h"

static uint64_t mix(uint64_t z) /* a bijection: distinct i give distinct keys, in random order */
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void die(const char *what, int rc)
{
    bench_die("%s: %s: %s", what, st_name(rc), st_msg());
}

#define CHECK(what, call)                                                                     \
    do {                                                                                      \
        int rc_ = (call);                                                                     \
        if (rc_ != ST_OK)                                                                     \
            die(what, rc_);                                                                   \
    } while (0)

static void fill_value(uint8_t *v, size_t len, uint64_t key)
{
    for (size_t i = 0; i < len; i++)
        v[i] = (uint8_t)(key >> (8 * (i % 8))) ^ (uint8_t)i;
}

struct phase {
    const char *name;
    double secs, cpu;
    uint64_t ops;
    pgr_stats before, after;
};

static void report(const struct phase *ph)
{
    uint64_t hits = ph->after.hits - ph->before.hits;
    uint64_t misses = ph->after.misses - ph->before.misses;
    double ns = ph->secs * 1e9 / (double)ph->ops;
    printf("  %-28s %9.0f ns/op %10.0f ops/s  (cpu %6.0f ns/op)  pool hit ratio %6.2f%%  (%" PRIu64
           " misses, %" PRIu64 " writes)\n",
           ph->name, ns, (double)ph->ops / ph->secs, ph->cpu * 1e9 / (double)ph->ops,
           hits + misses ? 100.0 * (double)hits / (double)(hits + misses) : 100.0, misses,
           ph->after.writes - ph->before.writes);
}

static void open_tree(const char *path, size_t cache, uint32_t ps, int create, pgr **p,
                      uint64_t *root, bt_tree **t)
{
    pgr_options o;
    memset(&o, 0, sizeof o);
    o.cache_bytes = cache;
    o.page_size = ps;
    o.create = create;
    CHECK("open", pgr_open(path, &o, p));
    if (create) {
        CHECK("bt_create", bt_create(*p, BT_TABLE, root));
        CHECK("set catalog root", pgr_set_catalog_root(*p, *root));
    } else {
        *root = pgr_catalog_root(*p);
    }
    CHECK("bt_open", bt_open(*p, *root, BT_TABLE, t));
}

/* Random lookups of existing keys (row i has key mix(i), i < n). */
static void lookups(pgr *p, bt_tree *t, uint64_t n, uint64_t q, uint64_t seed, size_t vlen,
                    struct phase *ph)
{
    uint64_t s = seed;
    pgr_get_stats(p, &ph->before);
    double t0 = bench_now(), c0 = bench_cpu_now();
    for (uint64_t j = 0; j < q; j++) {
        bt_key k = bt_int_key((int64_t)mix(bench_splitmix(&s) % n));
        void *v;
        size_t vl;
        int rc = bt_get(t, &k, &v, &vl);
        if (rc != ST_OK)
            die("lookup", rc);
        if (vl != vlen) {
            fprintf(stderr, "btree_bench: lookup returned %zu bytes, expected %zu\n", vl, vlen);
            exit(1);
        }
        free(v);
    }
    ph->secs = bench_now() - t0;
    ph->cpu = bench_cpu_now() - c0;
    ph->ops = q;
    pgr_get_stats(p, &ph->after);
}

/* Random inserts of keys mix(first .. first+q-1), new to the tree. */
static void inserts(pgr *p, bt_tree *t, uint64_t first, uint64_t q, size_t vlen,
                    struct phase *ph)
{
    uint8_t *v = malloc(vlen ? vlen : 1);
    pgr_get_stats(p, &ph->before);
    double t0 = bench_now(), c0 = bench_cpu_now();
    for (uint64_t i = first; i < first + q; i++) {
        uint64_t key = mix(i);
        fill_value(v, vlen, key);
        bt_key k = bt_int_key((int64_t)key);
        int rc = bt_insert(t, &k, v, vlen, BT_NOREPLACE);
        if (rc != ST_OK)
            die("insert", rc);
    }
    ph->secs = bench_now() - t0;
    ph->cpu = bench_cpu_now() - c0;
    ph->ops = q;
    pgr_get_stats(p, &ph->after);
    free(v);
}

int main(int argc, char **argv)
{
    uint64_t n = 1000000, q = 200000;
    size_t vlen = 100, small = 1u << 20;
    uint32_t ps = 4096;
    const char *dir = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "n:q:v:p:c:d:h")) != -1) {
        switch (opt) {
        case 'n': n = strtoull(optarg, NULL, 0); break;
        case 'q': q = strtoull(optarg, NULL, 0); break;
        case 'v': vlen = (size_t)strtoull(optarg, NULL, 0); break;
        case 'p': ps = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 'c': small = (size_t)strtoull(optarg, NULL, 0); break;
        case 'd': dir = optarg; break;
        default:
            fprintf(stderr, "usage: %s [-n keys] [-q ops] [-v value bytes] [-p page size] "
                            "[-c small cache bytes] [-d dir]\n", argv[0]);
            return opt == 'h' ? 0 : 2;
        }
    }
    if (n == 0 || q == 0) {
        fprintf(stderr, "btree_bench: -n and -q must be positive\n");
        return 2;
    }
    char tmpl[4096];
    int made_dir = dir == NULL;
    if (made_dir && (dir = bench_tmpdir(tmpl, sizeof tmpl, NULL, "acidb-bench")) == NULL)
        bench_die("cannot make a temporary directory: %s", strerror(errno));
    char path[4096];
    snprintf(path, sizeof path, "%s/bench.db", dir);
    unlink(path);
    /* The warm pool holds the whole tree with room to spare (rows ~ vlen + 14 bytes). */
    size_t big = (size_t)((n + 2 * q) * (vlen + 14) * 2) + (64u << 20);

    printf("acidb btree bench: %" PRIu64 " keys (8-byte rowids, %zu-byte values), page %u, "
           "%" PRIu64 " ops per phase\n", n, vlen, ps, q);

    pgr *p;
    bt_tree *t;
    uint64_t root;
    struct phase ph;
    open_tree(path, big, ps, 1, &p, &root, &t);
    memset(&ph, 0, sizeof ph);
    ph.name = "build (random-order insert)";
    inserts(p, t, 0, n, vlen, &ph);
    double tc = bench_now();
    bt_close(t);
    CHECK("close", pgr_close(p));
    tc = bench_now() - tc;
    printf("build, pool %zu MiB:\n", big >> 20);
    report(&ph);
    printf("  close (write back + fsync)   %9.3f s\n", tc);

    /* Warm: the whole tree cached. */
    open_tree(path, big, 0, 0, &p, &root, &t);
    uint64_t count;
    double tw = bench_now();
    CHECK("count", bt_count(t, &count));
    lookups(p, t, n, n < q ? n : q, 1, vlen, &ph); /* touches the internal pages too */
    tw = bench_now() - tw;
    printf("warm cache, pool %zu MiB (file %" PRIu64 " pages = %.1f MiB, %" PRIu64
           " rows; warm-up %.2f s):\n",
           big >> 20, pgr_page_count(p), (double)pgr_page_count(p) * ps / (1 << 20), count, tw);
    ph.name = "random point lookup";
    lookups(p, t, n, q, 2, vlen, &ph);
    report(&ph);
    ph.name = "random insert";
    inserts(p, t, n, q, vlen, &ph);
    report(&ph);
    bt_close(t);
    CHECK("close", pgr_close(p));

    /* Small pool. */
    open_tree(path, small, 0, 0, &p, &root, &t);
    pgr_stats st;
    pgr_get_stats(p, &st);
    printf("small cache, pool %zu KiB = %zu frames (misses served by the OS page cache):\n",
           small >> 10, st.frames);
    ph.name = "random point lookup";
    lookups(p, t, n, q, 3, vlen, &ph);
    report(&ph);
    ph.name = "random insert";
    inserts(p, t, n + q, q, vlen, &ph);
    report(&ph);
    bt_close(t);
    CHECK("close", pgr_close(p));

    bench_remove_db(path);
    if (made_dir)
        rmdir(dir);
    return 0;
}
