/*
 * simvfs.c - the simulator's SQLite VFS: files in memory, durability
 * modelled, faults injected (see simvfs.h for the model).
 *
 * A node (struct simvfs__node) is a file: its name, the cached image
 * (cur, what reads see), the durable image (dur) and the queue of writes
 * not yet synced. Handles (struct simvfs__file, what SQLite calls a
 * sqlite3_file) point at a node; a deleted node lives on while handles
 * hold it, as an unlinked file does. A crash marks every open handle dead:
 * a dead handle fails every call but close, unlock and unmap, and holds
 * no locks, so the connections that owned it can be closed afterwards
 * without touching a file.
 */
#include "simvfs.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIMVFS_SECTOR_BYTES 4096
#define SIMVFS_PATH_MAX 512
#define SIMVFS_SHM_LOCKS SQLITE_SHM_NLOCK
#define SIMVFS_NODES_MAX 64

/* One write not yet durable: its place and a copy of its bytes. */
struct simvfs__write {
    int64_t offset;
    size_t len;
    uint8_t *data;
};

struct simvfs__image {
    uint8_t *data;
    size_t len;
    size_t cap;
};

/* The WAL index of one database: regions of memory and eight lock slots. */
struct simvfs__shm {
    uint8_t **regions;
    int regions_count;
    int refs;
    int shared[SIMVFS_SHM_LOCKS];  /* handles holding the slot shared */
    void *exclusive[SIMVFS_SHM_LOCKS]; /* the handle holding it exclusive */
};

struct simvfs__node {
    char name[SIMVFS_PATH_MAX];
    int linked; /* has a name: 0 once deleted */
    int refs;   /* open handles */
    struct simvfs__image cur;
    struct simvfs__image dur;
    struct simvfs__write *queue;
    size_t queue_len;
    size_t queue_cap;
    /* file locks between handles */
    int shared;
    void *reserved;
    void *pending;
    void *exclusive;
    struct simvfs__shm *shm;
    uint32_t wb_err; /* failed fsyncs so far (Linux's errseq_t of the file) */
};

struct simvfs__file {
    sqlite3_file base; /* first: SQLite's view */
    struct simvfs__node *node;
    int flags;
    int lock;
    int dead;
    int delete_on_close;
    struct simvfs__shm *shm;
    uint8_t shm_shared; /* slots held, bit per slot */
    uint8_t shm_exclusive;
    struct simvfs__file *next_open;
    uint32_t wb_seen; /* the node's wb_err last reported to this handle */
};

static struct {
    uint64_t rng;
    struct simvfs__node *nodes[SIMVFS_NODES_MAX];
    struct simvfs__file *open;
    uint32_t open_count;
    uint32_t anon;
    struct simvfs_faults faults;
    uint32_t syncs_since_faults; /* for faults.fail_sync_at */
    int down; /* a crash fired: nothing opens, everything fails */
    struct simvfs_stats stats;
} simvfs__g;

/* ---- determinism ---------------------------------------------------------- */

static uint64_t simvfs__next(void) {
    uint64_t z = (simvfs__g.rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t simvfs__below(uint64_t n) { return n ? simvfs__next() % n : 0; }

static int simvfs__chance(uint32_t ppm) { return ppm && simvfs__below(1000000) < ppm; }

/* ---- images ------------------------------------------------------------- */

static int simvfs__reserve(struct simvfs__image *im, size_t len) {
    if (len <= im->cap) return 0;
    size_t cap = im->cap ? im->cap : 8192;
    while (cap < len) cap *= 2;
    uint8_t *p = realloc(im->data, cap);
    if (p == NULL) return -1;
    im->data = p;
    im->cap = cap;
    return 0;
}

/* Write bytes at offset, zero-filling a gap past the end. */
static int simvfs__put(struct simvfs__image *im, int64_t offset, const uint8_t *p, size_t n) {
    size_t at = (size_t)offset;
    if (n == 0) return 0;
    if (simvfs__reserve(im, at + n) != 0) return -1;
    if (at > im->len) memset(im->data + im->len, 0, at - im->len);
    memcpy(im->data + at, p, n);
    if (at + n > im->len) im->len = at + n;
    return 0;
}

static void simvfs__truncate_image(struct simvfs__image *im, size_t len) {
    if (len < im->len) im->len = len;
}

static void simvfs__queue_clear(struct simvfs__node *n) {
    for (size_t i = 0; i < n->queue_len; i++) free(n->queue[i].data);
    n->queue_len = 0;
}

static int simvfs__queue_push(struct simvfs__node *n, int64_t offset, const uint8_t *p, size_t len) {
    if (n->queue_len == n->queue_cap) {
        size_t cap = n->queue_cap ? n->queue_cap * 2 : 64;
        struct simvfs__write *q = realloc(n->queue, cap * sizeof(*q));
        if (q == NULL) return -1;
        n->queue = q;
        n->queue_cap = cap;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL) return -1;
    memcpy(copy, p, len);
    n->queue[n->queue_len++] = (struct simvfs__write){offset, len, copy};
    return 0;
}

/* ---- nodes -------------------------------------------------------------- */

static struct simvfs__node *simvfs__find(const char *name) {
    for (int i = 0; i < SIMVFS_NODES_MAX; i++) {
        struct simvfs__node *n = simvfs__g.nodes[i];
        if (n && n->linked && strcmp(n->name, name) == 0) return n;
    }
    return NULL;
}

static void simvfs__shm_release(struct simvfs__shm *shm) {
    if (shm == NULL || --shm->refs > 0) return;
    for (int i = 0; i < shm->regions_count; i++) free(shm->regions[i]);
    free(shm->regions);
    free(shm);
}

static void simvfs__node_free(struct simvfs__node *n) {
    for (int i = 0; i < SIMVFS_NODES_MAX; i++) {
        if (simvfs__g.nodes[i] == n) simvfs__g.nodes[i] = NULL;
    }
    simvfs__queue_clear(n);
    free(n->queue);
    free(n->cur.data);
    free(n->dur.data);
    free(n);
}

/* A node is freed when it has neither a name nor an open handle. */
static void simvfs__node_maybe_free(struct simvfs__node *n) {
    if (!n->linked && n->refs == 0) simvfs__node_free(n);
}

static struct simvfs__node *simvfs__create(const char *name) {
    int slot = -1;
    for (int i = 0; i < SIMVFS_NODES_MAX && slot < 0; i++) {
        if (simvfs__g.nodes[i] == NULL) slot = i;
    }
    if (slot < 0 || strlen(name) >= SIMVFS_PATH_MAX) return NULL;
    struct simvfs__node *n = calloc(1, sizeof(*n));
    if (n == NULL) return NULL;
    memcpy(n->name, name, strlen(name) + 1);
    n->linked = 1;
    simvfs__g.nodes[slot] = n;
    return n;
}

/* ---- faults and the crash switch ---------------------------------------- */

/* Every I/O call passes here first. Returns 1 when it must fail because the
 * process is (now) dead. */
static int simvfs__io_dead(struct simvfs__file *f) {
    if (f->dead || simvfs__g.down) return 1;
    if (simvfs__g.faults.crash_after_ops && --simvfs__g.faults.crash_after_ops == 0) {
        simvfs_kill();
        return 1;
    }
    return 0;
}

/* ---- io methods --------------------------------------------------------- */

static void simvfs__unlink_open(struct simvfs__file *f) {
    struct simvfs__file **p = &simvfs__g.open;
    while (*p && *p != f) p = &(*p)->next_open;
    if (*p) *p = f->next_open;
    simvfs__g.open_count--;
}

static int simvfs__unlock_all(struct simvfs__file *f);
static int simvfs__shm_unmap(sqlite3_file *file, int delete_flag);

static int simvfs__close(sqlite3_file *file) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    simvfs__shm_unmap(file, 0);
    simvfs__unlock_all(f);
    simvfs__unlink_open(f);
    struct simvfs__node *n = f->node;
    n->refs--;
    if (f->delete_on_close) n->linked = 0;
    simvfs__node_maybe_free(n);
    f->node = NULL;
    return SQLITE_OK;
}

static int simvfs__read(sqlite3_file *file, void *buf, int amount, sqlite3_int64 offset) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    if (simvfs__io_dead(f)) return SQLITE_IOERR_READ;
    simvfs__g.stats.reads++;
    if (simvfs__chance(simvfs__g.faults.read_ppm)) {
        simvfs__g.stats.failed_reads++;
        return SQLITE_IOERR_READ;
    }
    const struct simvfs__image *im = &f->node->cur;
    size_t want = (size_t)amount;
    size_t at = (size_t)offset;
    size_t have = at < im->len ? im->len - at : 0;
    if (have > want) have = want;
    if (have) memcpy(buf, im->data + at, have);
    if (have < want) {
        memset((uint8_t *)buf + have, 0, want - have);
        return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
}

static int simvfs__write(sqlite3_file *file, const void *buf, int amount, sqlite3_int64 offset) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    if (simvfs__io_dead(f)) return SQLITE_IOERR_WRITE;
    if (f->flags & SQLITE_OPEN_READONLY) return SQLITE_READONLY;
    simvfs__g.stats.writes++;
    size_t len = (size_t)amount;
    int fail = simvfs__chance(simvfs__g.faults.write_ppm);
    if (fail) {
        simvfs__g.stats.failed_writes++;
        len = simvfs__below(2) ? (size_t)simvfs__below(len) : 0; /* a prefix may have landed */
    }
    struct simvfs__node *n = f->node;
    if (len && (simvfs__put(&n->cur, offset, buf, len) != 0 ||
                simvfs__queue_push(n, offset, buf, len) != 0)) {
        return SQLITE_IOERR_NOMEM;
    }
    return fail ? SQLITE_IOERR_WRITE : SQLITE_OK;
}

/* Truncation is durable at once (simvfs.h); queued writes past the new end
 * are cut so that a crash cannot bring them back. */
static int simvfs__truncate(sqlite3_file *file, sqlite3_int64 size) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    if (simvfs__io_dead(f)) return SQLITE_IOERR_TRUNCATE;
    if (simvfs__chance(simvfs__g.faults.write_ppm)) {
        simvfs__g.stats.failed_writes++;
        return SQLITE_IOERR_TRUNCATE;
    }
    struct simvfs__node *n = f->node;
    size_t len = (size_t)size;
    if (len > n->cur.len) {
        uint8_t zero = 0;
        if (simvfs__put(&n->cur, size - 1, &zero, 1) != 0) return SQLITE_IOERR_NOMEM;
        return SQLITE_OK;
    }
    simvfs__truncate_image(&n->cur, len);
    simvfs__truncate_image(&n->dur, len);
    for (size_t i = 0; i < n->queue_len; i++) {
        struct simvfs__write *w = &n->queue[i];
        if ((size_t)w->offset >= len) w->len = 0;
        else if ((size_t)w->offset + w->len > len) w->len = len - (size_t)w->offset;
    }
    return SQLITE_OK;
}

static int simvfs__sync(sqlite3_file *file, int flags) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    (void)flags;
    if (simvfs__io_dead(f)) return SQLITE_IOERR_FSYNC;
    simvfs__g.stats.syncs++;
    struct simvfs__node *n = f->node;
    uint32_t nth = ++simvfs__g.syncs_since_faults;
    if (simvfs__chance(simvfs__g.faults.sync_ppm) || nth == simvfs__g.faults.fail_sync_at) {
        simvfs__g.stats.failed_syncs++;
        /* Linux marks the pages clean after a failed fsync: they never
         * reach the disk, though reads still return them. */
        if (simvfs__below(2) || simvfs__g.faults.sync_drops) {
            simvfs__g.stats.lost_writes += n->queue_len;
            simvfs__queue_clear(n);
        }
        n->wb_err++;
        f->wb_seen = n->wb_err;
        return SQLITE_IOERR_FSYNC;
    }
    for (size_t i = 0; i < n->queue_len; i++) {
        const struct simvfs__write *w = &n->queue[i];
        if (w->len && simvfs__put(&n->dur, w->offset, w->data, w->len) != 0) return SQLITE_IOERR_NOMEM;
    }
    simvfs__queue_clear(n);
    /* Another handle's failed fsync since this one last synced: reported
     * here too, once (errseq), after writing back what is queued. */
    if (f->wb_seen != n->wb_err) {
        f->wb_seen = n->wb_err;
        if (!simvfs__g.faults.no_errseq) return SQLITE_IOERR_FSYNC;
    }
    return SQLITE_OK;
}

static int simvfs__file_size(sqlite3_file *file, sqlite3_int64 *size) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    if (f->dead || simvfs__g.down) return SQLITE_IOERR_FSTAT;
    *size = (sqlite3_int64)f->node->cur.len;
    return SQLITE_OK;
}

/* ---- file locks ----------------------------------------------------------- */

static int simvfs__unlock_to(struct simvfs__file *f, int level) {
    struct simvfs__node *n = f->node;
    if (f->lock > SQLITE_LOCK_SHARED) {
        if (n->reserved == f) n->reserved = NULL;
        if (n->pending == f) n->pending = NULL;
        if (n->exclusive == f) n->exclusive = NULL;
    }
    if (level == SQLITE_LOCK_NONE && f->lock >= SQLITE_LOCK_SHARED) n->shared--;
    if (f->lock > level) f->lock = level;
    return SQLITE_OK;
}

static int simvfs__unlock_all(struct simvfs__file *f) {
    return simvfs__unlock_to(f, SQLITE_LOCK_NONE);
}

static int simvfs__lock_exclusive(struct simvfs__file *f) {
    struct simvfs__node *n = f->node;
    if ((n->pending && n->pending != f) || (n->exclusive && n->exclusive != f)) return SQLITE_BUSY;
    n->pending = f;
    if (f->lock < SQLITE_LOCK_PENDING) f->lock = SQLITE_LOCK_PENDING;
    if (n->shared > 1) return SQLITE_BUSY; /* others still read: keep PENDING */
    n->exclusive = f;
    f->lock = SQLITE_LOCK_EXCLUSIVE;
    return SQLITE_OK;
}

static int simvfs__lock(sqlite3_file *file, int level) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    struct simvfs__node *n = f->node;
    if (f->dead || simvfs__g.down) return SQLITE_IOERR_LOCK;
    if (f->lock >= level) return SQLITE_OK;
    if (level == SQLITE_LOCK_SHARED) {
        if (n->pending || n->exclusive) return SQLITE_BUSY;
        n->shared++;
        f->lock = SQLITE_LOCK_SHARED;
        return SQLITE_OK;
    }
    if (f->lock < SQLITE_LOCK_SHARED) return SQLITE_MISUSE;
    if (level == SQLITE_LOCK_RESERVED) {
        if (n->reserved || n->exclusive) return SQLITE_BUSY;
        n->reserved = f;
        f->lock = SQLITE_LOCK_RESERVED;
        return SQLITE_OK;
    }
    return simvfs__lock_exclusive(f);
}

static int simvfs__unlock(sqlite3_file *file, int level) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    return simvfs__unlock_to(f, level);
}

static int simvfs__check_reserved(sqlite3_file *file, int *out) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    if (f->dead || simvfs__g.down) return SQLITE_IOERR_CHECKRESERVEDLOCK;
    struct simvfs__node *n = f->node;
    *out = n->reserved || n->pending || n->exclusive;
    return SQLITE_OK;
}

static int simvfs__file_control(sqlite3_file *file, int op, void *arg) {
    (void)file;
    (void)op;
    (void)arg;
    return SQLITE_NOTFOUND;
}

static int simvfs__sector_size(sqlite3_file *file) {
    (void)file;
    return SIMVFS_SECTOR_BYTES;
}

static int simvfs__device(sqlite3_file *file) {
    (void)file;
    return SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

/* ---- shared memory (the WAL index) ---------------------------------------- */

static int simvfs__shm_map(sqlite3_file *file, int region, int size, int extend,
                           void volatile **out) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    *out = NULL;
    if (f->dead || simvfs__g.down) return SQLITE_IOERR_SHMMAP;
    struct simvfs__node *n = f->node;
    if (f->shm == NULL) {
        if (n->shm == NULL) {
            n->shm = calloc(1, sizeof(*n->shm));
            if (n->shm == NULL) return SQLITE_IOERR_NOMEM;
            n->shm->refs = 1; /* the node's own reference */
        }
        f->shm = n->shm;
        f->shm->refs++;
    }
    struct simvfs__shm *shm = f->shm;
    if (region >= shm->regions_count) {
        if (!extend) return SQLITE_OK;
        uint8_t **r = realloc(shm->regions, (size_t)(region + 1) * sizeof(*r));
        if (r == NULL) return SQLITE_IOERR_NOMEM;
        shm->regions = r;
        while (shm->regions_count <= region) {
            shm->regions[shm->regions_count] = calloc(1, (size_t)size);
            if (shm->regions[shm->regions_count] == NULL) return SQLITE_IOERR_NOMEM;
            shm->regions_count++;
        }
    }
    *out = shm->regions[region];
    return SQLITE_OK;
}

static int simvfs__shm_conflict(const struct simvfs__file *f, int slot, int exclusive) {
    const struct simvfs__shm *shm = f->shm;
    if (shm->exclusive[slot] && shm->exclusive[slot] != f) return 1;
    if (!exclusive) return 0;
    int mine = (f->shm_shared >> slot) & 1;
    return shm->shared[slot] - mine > 0;
}

static int simvfs__shm_lock(sqlite3_file *file, int offset, int count, int flags) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    struct simvfs__shm *shm = f->shm;
    int exclusive = (flags & SQLITE_SHM_EXCLUSIVE) != 0;
    if (shm == NULL) return SQLITE_IOERR_SHMLOCK;
    if (flags & SQLITE_SHM_UNLOCK) {
        for (int i = offset; i < offset + count; i++) {
            uint8_t bit = (uint8_t)(1u << i);
            if ((f->shm_shared & bit) && !exclusive) {
                shm->shared[i]--;
                f->shm_shared = (uint8_t)(f->shm_shared & ~bit);
            }
            if ((f->shm_exclusive & bit) && exclusive) {
                shm->exclusive[i] = NULL;
                f->shm_exclusive = (uint8_t)(f->shm_exclusive & ~bit);
            }
        }
        return SQLITE_OK;
    }
    if (f->dead || simvfs__g.down) return SQLITE_IOERR_SHMLOCK;
    for (int i = offset; i < offset + count; i++) {
        if (simvfs__shm_conflict(f, i, exclusive)) return SQLITE_BUSY;
    }
    for (int i = offset; i < offset + count; i++) {
        uint8_t bit = (uint8_t)(1u << i);
        if (exclusive && !(f->shm_exclusive & bit)) {
            shm->exclusive[i] = f;
            f->shm_exclusive |= bit;
        } else if (!exclusive && !(f->shm_shared & bit)) {
            shm->shared[i]++;
            f->shm_shared |= bit;
        }
    }
    return SQLITE_OK;
}

static void simvfs__shm_barrier(sqlite3_file *file) {
    (void)file;
    __sync_synchronize();
}

static int simvfs__shm_unmap(sqlite3_file *file, int delete_flag) {
    struct simvfs__file *f = (struct simvfs__file *)file;
    (void)delete_flag;
    struct simvfs__shm *shm = f->shm;
    if (shm == NULL) return SQLITE_OK;
    simvfs__shm_lock(file, 0, SIMVFS_SHM_LOCKS, SQLITE_SHM_UNLOCK | SQLITE_SHM_SHARED);
    simvfs__shm_lock(file, 0, SIMVFS_SHM_LOCKS, SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE);
    f->shm = NULL;
    /* The last handle of a live node lets the wal-index go, as closing the
     * last connection does: the next one rebuilds it from the WAL. */
    struct simvfs__node *n = f->node;
    if (n && n->shm == shm && shm->refs == 2) {
        n->shm = NULL;
        simvfs__shm_release(shm);
    }
    simvfs__shm_release(shm);
    return SQLITE_OK;
}

static const sqlite3_io_methods simvfs__io = {
    2, /* xShm*, no xFetch: SQLite does not map the file */
    simvfs__close,
    simvfs__read,
    simvfs__write,
    simvfs__truncate,
    simvfs__sync,
    simvfs__file_size,
    simvfs__lock,
    simvfs__unlock,
    simvfs__check_reserved,
    simvfs__file_control,
    simvfs__sector_size,
    simvfs__device,
    simvfs__shm_map,
    simvfs__shm_lock,
    simvfs__shm_barrier,
    simvfs__shm_unmap,
    NULL,
    NULL,
};

/* ---- the vfs ------------------------------------------------------------ */

static int simvfs__open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                        int *out_flags) {
    (void)vfs;
    struct simvfs__file *f = (struct simvfs__file *)file;
    memset(f, 0, sizeof(*f));
    if (simvfs__g.down) return SQLITE_CANTOPEN;
    char anon[32];
    if (name == NULL) {
        snprintf(anon, sizeof(anon), "/tmp/simvfs-anon-%u", ++simvfs__g.anon);
        name = anon;
    }
    struct simvfs__node *n = simvfs__find(name);
    if (n && (flags & SQLITE_OPEN_EXCLUSIVE)) return SQLITE_CANTOPEN;
    if (n == NULL) {
        if (!(flags & SQLITE_OPEN_CREATE)) return SQLITE_CANTOPEN;
        n = simvfs__create(name);
        if (n == NULL) return SQLITE_CANTOPEN;
    }
    n->refs++;
    f->node = n;
    f->wb_seen = n->wb_err; /* an error before the open is not this handle's */
    f->flags = flags;
    f->delete_on_close = (flags & SQLITE_OPEN_DELETEONCLOSE) != 0 || name == anon;
    f->next_open = simvfs__g.open;
    simvfs__g.open = f;
    simvfs__g.open_count++;
    f->base.pMethods = &simvfs__io;
    if (out_flags) *out_flags = flags;
    return SQLITE_OK;
}

static int simvfs__delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
    (void)vfs;
    (void)sync_dir;
    if (simvfs__g.down) return SQLITE_IOERR_DELETE;
    struct simvfs__node *n = simvfs__find(name);
    if (n == NULL) return SQLITE_IOERR_DELETE_NOENT;
    n->linked = 0;
    simvfs__node_maybe_free(n);
    return SQLITE_OK;
}

/* As the unix VFS: "exists" means a regular file with at least one byte. */
static int simvfs__access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs;
    if (simvfs__g.down) return SQLITE_IOERR_ACCESS;
    const struct simvfs__node *n = simvfs__find(name);
    *out = n != NULL && (flags != SQLITE_ACCESS_EXISTS || n->cur.len > 0);
    return SQLITE_OK;
}

static int simvfs__full_pathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    int n = snprintf(out, (size_t)size, "%s%s", name[0] == '/' ? "" : "/", name);
    return n < 0 || n >= size ? SQLITE_CANTOPEN : SQLITE_OK;
}

static void *simvfs__dl_open(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    (void)name;
    return NULL;
}

static void simvfs__dl_error(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    snprintf(out, (size_t)size, "no extensions in the simulator");
}

static void (*simvfs__dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void) {
    (void)vfs;
    (void)h;
    (void)sym;
    return NULL;
}

static void simvfs__dl_close(sqlite3_vfs *vfs, void *h) {
    (void)vfs;
    (void)h;
}

static int simvfs__randomness(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    for (int i = 0; i < size; i++) out[i] = (char)(simvfs__next() & 0xff);
    return size;
}

static int simvfs__sleep(sqlite3_vfs *vfs, int us) {
    (void)vfs;
    return us; /* time stands still: a busy wait ends at once, deterministically */
}

/* 2026-03-01T12:00:00Z as a Julian day number in milliseconds. */
#define SIMVFS_NOW_MS INT64_C(212172681600000)

static int simvfs__current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    *out = SIMVFS_NOW_MS;
    return SQLITE_OK;
}

static int simvfs__current_time(sqlite3_vfs *vfs, double *out) {
    (void)vfs;
    *out = (double)SIMVFS_NOW_MS / 86400000.0;
    return SQLITE_OK;
}

static int simvfs__last_error(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    if (size > 0) out[0] = '\0';
    return 0;
}

static sqlite3_vfs simvfs__vfs = {
    2,
    (int)sizeof(struct simvfs__file),
    SIMVFS_PATH_MAX,
    NULL,
    SIMVFS_NAME,
    NULL,
    simvfs__open,
    simvfs__delete,
    simvfs__access,
    simvfs__full_pathname,
    simvfs__dl_open,
    simvfs__dl_error,
    simvfs__dl_sym,
    simvfs__dl_close,
    simvfs__randomness,
    simvfs__sleep,
    simvfs__current_time,
    simvfs__last_error,
    simvfs__current_time64,
    NULL,
    NULL,
    NULL,
};

int simvfs_register(void) { return sqlite3_vfs_register(&simvfs__vfs, 1); }

void simvfs_reset(uint64_t seed) {
    for (int i = 0; i < SIMVFS_NODES_MAX; i++) {
        struct simvfs__node *n = simvfs__g.nodes[i];
        if (n == NULL) continue;
        if (n->shm) simvfs__shm_release(n->shm);
        simvfs__node_free(n);
    }
    memset(&simvfs__g, 0, sizeof(simvfs__g));
    simvfs__g.rng = seed ^ UINT64_C(0x53494D564653); /* its own stream */
}

void simvfs_set_faults(const struct simvfs_faults *f) {
    simvfs__g.faults = *f;
    simvfs__g.syncs_since_faults = 0;
}

int simvfs_crashed(void) { return simvfs__g.down; }

uint32_t simvfs_open_handles(void) { return simvfs__g.open_count; }

void simvfs_stats(struct simvfs_stats *out) { *out = simvfs__g.stats; }

/* The process is gone: its handles fail from now on and hold nothing; the
 * wal-index memory stays mapped for them but no new handle will see it. */
void simvfs_kill(void) {
    if (simvfs__g.down) return;
    simvfs__g.down = 1;
    simvfs__g.faults.crash_after_ops = 0;
    simvfs__g.stats.crashes++;
    for (struct simvfs__file *f = simvfs__g.open; f; f = f->next_open) {
        f->dead = 1;
        simvfs__unlock_all(f);
    }
    for (int i = 0; i < SIMVFS_NODES_MAX; i++) {
        struct simvfs__node *n = simvfs__g.nodes[i];
        if (n && n->shm) {
            simvfs__shm_release(n->shm);
            n->shm = NULL;
        }
    }
}

/* One queued write reaches the disk torn: a random part of it, at the
 * front or at the back, the rest keeps the old bytes. */
static void simvfs__torn(struct simvfs__image *im, const struct simvfs__write *w) {
    if (w->len < 2) return;
    size_t cut = 1 + (size_t)simvfs__below(w->len - 1);
    if (w->len > 1024) cut = (cut / 512) * 512 + (cut < 512 ? 512 : 0);
    if (cut >= w->len) cut = w->len - 1;
    simvfs__g.stats.torn_writes++;
    if (simvfs__below(2)) (void)simvfs__put(im, w->offset, w->data, cut);
    else (void)simvfs__put(im, w->offset + (int64_t)cut, w->data + cut, w->len - cut);
}

static void simvfs__power_loss(struct simvfs__node *n, enum simvfs_crash how) {
    size_t keep = how == SIMVFS_POWER_TORN ? (size_t)simvfs__below(n->queue_len + 1) : 0;
    for (size_t i = 0; i < n->queue_len; i++) {
        const struct simvfs__write *w = &n->queue[i];
        if (w->len == 0) continue;
        uint64_t r = simvfs__below(5);
        int land = how == SIMVFS_POWER_TORN ? i < keep : how == SIMVFS_POWER_ANY && r < 2;
        int tear = how == SIMVFS_POWER_TORN ? i == keep : how == SIMVFS_POWER_ANY && r == 2;
        if (land) (void)simvfs__put(&n->dur, w->offset, w->data, w->len);
        else if (tear) simvfs__torn(&n->dur, w);
        else simvfs__g.stats.lost_writes++;
    }
    simvfs__queue_clear(n);
    n->cur.len = 0;
    (void)simvfs__put(&n->cur, 0, n->dur.data, n->dur.len);
}

void simvfs_restart(enum simvfs_crash how) {
    if (how != SIMVFS_KILL) {
        for (int i = 0; i < SIMVFS_NODES_MAX; i++) {
            struct simvfs__node *n = simvfs__g.nodes[i];
            if (n) simvfs__power_loss(n, how);
        }
    }
    simvfs__g.down = 0;
}

void simvfs_dump(void) {
    for (int i = 0; i < SIMVFS_NODES_MAX; i++) {
        const struct simvfs__node *n = simvfs__g.nodes[i];
        if (n == NULL) continue;
        printf("#   file %s: %zu bytes (%zu durable, %zu writes queued)%s\n", n->name, n->cur.len,
               n->dur.len, n->queue_len, n->linked ? "" : " (deleted)");
    }
}
