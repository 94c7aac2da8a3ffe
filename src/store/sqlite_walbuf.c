/*
 * sqlite_walbuf.c - the WAL write-coalescing VFS layer (sqlite_walbuf.h).
 *
 * One handle's pending bytes are the range [off, off + len) of its file,
 * written by SQLite in order and not yet passed on. The rule that keeps the
 * file exactly as SQLite's own writes would leave it: the range only ever
 * grows at its end; any write that does not extend it, and any operation
 * that looks at the file (read, size, truncate, sync, lock, close), first
 * passes the range on. A handle is used by one connection, so one thread
 * at a time; a WAL handle's buffer is also flushed from its own
 * connection's database handle (wal-index locks and barriers), the same
 * connection, the same thread.
 *
 * Why a committed transaction is always in the file before anyone else
 * may read it: SQLite writes a transaction's frames, the last one marked
 * as the commit frame (a nonzero "database size" in its header), then
 * publishes the new frames in the wal-index. The layer passes everything
 * on once the commit frame's page is written, before SQLite's sync and
 * before the publishing (which also issues a barrier: flushed again). A
 * transaction rolled back leaves frames past the published end: they are
 * passed on before the connection gives up its write lock (xShmLock), so a
 * later writer's frames at the same offsets are never overwritten by them.
 */
#include "sqlite_walbuf.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WALBUF_BYTES (1u << 20)
/* The most one write passes to the base VFS: SQLite's unix VFS takes at
 * most 128 KiB - 1 in one call (it masks the length). */
#define WALBUF_PIECE ((128u << 10) - 4096u)
#define WALBUF_FRAME_HEADER 24 /* a WAL frame header (SQLite's file format) */
#define WALBUF_LAYERS 4        /* distinct base VFSes layered in one process */
/* What a checkpointer's WAL read brings in at once (its reads are one
 * page each, in page order: mostly consecutive frames). */
#define WALBUF_READ_AHEAD (256u << 10)
/* A file-control op of the layer's own (sqlite_walbuf_buffer_db). */
#define WALBUF_FCNTL_BUFFER_DB 0x6d6c7701

struct walbuf__file {
    sqlite3_file base;          /* pMethods: one of walbuf__io[] */
    sqlite3_file *real;         /* the base VFS's file, right after this struct */
    struct walbuf__file *link;  /* a WAL's database handle, a database's WAL handle */
    int is_wal;
    int buffer_db;              /* a database handle whose writes are buffered too */
    int read_ahead;             /* that connection's WAL: reads served from ra */
    unsigned char *ra;          /* WALBUF_READ_AHEAD bytes of the WAL from ra_off */
    size_t ra_len;
    sqlite3_int64 ra_off;
    sqlite3_int64 ra_next;      /* where the frame after the last page read starts its page */
    int flush_after;            /* the next write is a commit frame's page */
    int failed;                 /* a flush failed (walbuf__flush) */
    unsigned char *buf;         /* WALBUF_BYTES, on the first buffered write */
    size_t len;
    sqlite3_int64 off;
};

struct walbuf__layer {
    sqlite3_vfs vfs;
    char name[64];
};

static struct walbuf__layer walbuf__layers[WALBUF_LAYERS];
static int walbuf__layers_count;
static pthread_mutex_t walbuf__layers_lock = PTHREAD_MUTEX_INITIALIZER;

/* Pass the pending range on. A failed write empties the buffer and leaves
 * the handle failed: SQLite believes earlier bytes were written that may
 * not be, so no later write or sync of this handle succeeds until the
 * connection gives up its write lock (the transaction is over, and what it
 * wrote past the published end of the WAL is nobody's). */
static int walbuf__flush(struct walbuf__file *f) {
    if (f->len == 0) return SQLITE_OK;
    size_t n = f->len;
    f->len = 0;
    f->flush_after = 0;
    int rc = SQLITE_OK;
    for (size_t at = 0; at < n && rc == SQLITE_OK; at += WALBUF_PIECE) {
        size_t piece = n - at < WALBUF_PIECE ? n - at : WALBUF_PIECE;
        rc = f->real->pMethods->xWrite(f->real, f->buf + at, (int)piece,
                                       f->off + (sqlite3_int64)at);
    }
    if (rc != SQLITE_OK) f->failed = 1;
    return rc;
}

/* A database handle's own writes and its WAL's, passed on before its
 * wal-index locks and barriers; and what its WAL read ahead forgotten:
 * a lock taken or given may let another connection restart the WAL. */
static int walbuf__flush_wal_of(struct walbuf__file *f) {
    int rc = walbuf__flush(f);
    if (f->is_wal || f->link == NULL) return rc;
    f->link->ra_len = 0;
    int rc2 = walbuf__flush(f->link);
    return rc != SQLITE_OK ? rc : rc2;
}

static int walbuf__close(sqlite3_file *file) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    int rc = walbuf__flush(f);
    if (f->link) f->link->link = NULL;
    f->link = NULL;
    int rc2 = f->real->pMethods->xClose(f->real);
    sqlite3_free(f->buf);
    f->buf = NULL;
    sqlite3_free(f->ra);
    f->ra = NULL;
    f->ra_len = 0;
    return rc != SQLITE_OK ? rc : rc2;
}

/* A checkpoint reads the frames it copies (all committed before it began)
 * while it holds the WAL's first read lock exclusively, so no writer can
 * restart the WAL under it, and writers only append past them: what it
 * read ahead stays true until its connection's next wal-index lock
 * (walbuf__flush_wal_of), or its own next write, sync or truncate. Bytes
 * read ahead past the frames it copies (a writer's, maybe half written)
 * are never what it asks for before then. */
static int walbuf__read_ahead(struct walbuf__file *f, void *out, int amount, sqlite3_int64 offset) {
    size_t n = (size_t)amount;
    sqlite3_int64 end = offset + (sqlite3_int64)n;
    /* Pages in frame order come one frame header apart: read ahead only
     * then, so scattered frames cost one page each, as without the layer. */
    int sequential = offset == f->ra_next;
    f->ra_next = end + WALBUF_FRAME_HEADER;
    if (f->ra_len && offset >= f->ra_off && end <= f->ra_off + (sqlite3_int64)f->ra_len) {
        memcpy(out, f->ra + (offset - f->ra_off), n);
        return SQLITE_OK;
    }
    f->ra_len = 0;
    sqlite3_int64 size = 0;
    if (!sequential || n > WALBUF_READ_AHEAD) return f->real->pMethods->xRead(f->real, out, amount, offset);
    if (f->ra == NULL) f->ra = sqlite3_malloc(WALBUF_READ_AHEAD);
    if (f->ra == NULL || f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK || size < end) {
        return f->real->pMethods->xRead(f->real, out, amount, offset);
    }
    size_t take = size - offset < (sqlite3_int64)WALBUF_READ_AHEAD ? (size_t)(size - offset) : WALBUF_READ_AHEAD;
    int rc = f->real->pMethods->xRead(f->real, f->ra, (int)take, offset);
    if (rc != SQLITE_OK) return f->real->pMethods->xRead(f->real, out, amount, offset);
    f->ra_off = offset;
    f->ra_len = take;
    memcpy(out, f->ra, n);
    return SQLITE_OK;
}

static int walbuf__read(sqlite3_file *file, void *out, int amount, sqlite3_int64 offset) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    int rc = walbuf__flush(f);
    if (rc != SQLITE_OK) return rc;
    if (f->read_ahead) return walbuf__read_ahead(f, out, amount, offset);
    return f->real->pMethods->xRead(f->real, out, amount, offset);
}

/* A WAL frame header whose "database size after commit" field is nonzero
 * marks the last frame of a transaction. */
static int walbuf__commit_header(const void *data, int amount) {
    if (amount != WALBUF_FRAME_HEADER) return 0;
    const unsigned char *p = data;
    return (p[4] | p[5] | p[6] | p[7]) != 0;
}

static int walbuf__write(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    f->ra_len = 0;
    if (!f->is_wal && !f->buffer_db) return f->real->pMethods->xWrite(f->real, data, amount, offset);
    if (f->failed) return SQLITE_IOERR_WRITE;
    int commit_page = f->flush_after;
    int rc = SQLITE_OK;
    int contiguous = f->len > 0 && offset == f->off + (sqlite3_int64)f->len;
    if (f->len > 0 && (!contiguous || f->len + (size_t)amount > WALBUF_BYTES)) {
        rc = walbuf__flush(f);
        if (rc != SQLITE_OK) return rc;
    }
    f->flush_after = f->is_wal && walbuf__commit_header(data, amount);
    if (f->buf == NULL) f->buf = sqlite3_malloc(WALBUF_BYTES);
    if (f->buf == NULL || (size_t)amount > WALBUF_BYTES) {
        f->flush_after = 0;
        return f->real->pMethods->xWrite(f->real, data, amount, offset);
    }
    if (f->len == 0) f->off = offset;
    memcpy(f->buf + f->len, data, (size_t)amount);
    f->len += (size_t)amount;
    return commit_page ? walbuf__flush(f) : SQLITE_OK;
}

static int walbuf__truncate(sqlite3_file *file, sqlite3_int64 size) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    f->ra_len = 0;
    int rc = walbuf__flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int walbuf__sync(sqlite3_file *file, int flags) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    f->ra_len = 0;
    if (f->failed) return SQLITE_IOERR_FSYNC;
    int rc = walbuf__flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int walbuf__file_size(sqlite3_file *file, sqlite3_int64 *size) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    int rc = walbuf__flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int walbuf__lock(sqlite3_file *file, int level) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    return f->real->pMethods->xLock(f->real, level);
}

static int walbuf__unlock(sqlite3_file *file, int level) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    int rc = walbuf__flush_wal_of(f);
    int rc2 = f->real->pMethods->xUnlock(f->real, level);
    return rc != SQLITE_OK ? rc : rc2;
}

static int walbuf__check_reserved(sqlite3_file *file, int *out) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int walbuf__file_control(sqlite3_file *file, int op, void *arg) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    if (op == WALBUF_FCNTL_BUFFER_DB) {
        if (f->is_wal) return SQLITE_NOTFOUND;
        f->buffer_db = 1;
        if (f->link) f->link->read_ahead = 1;
        return SQLITE_OK;
    }
    f->ra_len = 0;
    if (op == SQLITE_FCNTL_VFSNAME) {
        int rc = f->real->pMethods->xFileControl(f->real, op, arg);
        if (rc == SQLITE_OK) *(char **)arg = sqlite3_mprintf("walbuf/%z", *(char **)arg);
        return rc;
    }
    int rc = walbuf__flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int walbuf__sector_size(sqlite3_file *file) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    return f->real->pMethods->xSectorSize(f->real);
}

static int walbuf__device(sqlite3_file *file) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int walbuf__shm_map(sqlite3_file *file, int region, int size, int extend,
                           void volatile **out) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    return f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}

/* The wal-index locks at offsets 0 and 1 are SQLite's WAL write lock and
 * checkpoint lock: the release of the first ends the connection's write
 * transaction (a failed one's frames are nobody's), of the second its
 * checkpoint (a failed one's pages are copied again by the next). */
#define WALBUF_WRITE_LOCK 0
#define WALBUF_CKPT_LOCK 1

static int walbuf__shm_lock(sqlite3_file *file, int offset, int n, int flags) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    int rc = walbuf__flush_wal_of(f);
    if (flags & SQLITE_SHM_UNLOCK) {
        if (offset <= WALBUF_WRITE_LOCK && offset + n > WALBUF_WRITE_LOCK && f->link) {
            f->link->failed = 0;
        }
        if (offset <= WALBUF_CKPT_LOCK && offset + n > WALBUF_CKPT_LOCK) f->failed = 0;
    }
    int rc2 = f->real->pMethods->xShmLock(f->real, offset, n, flags);
    /* An unlock always happens; SQLite does not look at its result. */
    return (flags & SQLITE_SHM_UNLOCK) || rc == SQLITE_OK ? rc2 : rc;
}

static void walbuf__shm_barrier(sqlite3_file *file) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    /* Belt and braces: the commit frame's page already passed on what is
     * about to be published, and a write failure there was reported. */
    (void)walbuf__flush_wal_of(f);
    f->real->pMethods->xShmBarrier(f->real);
}

static int walbuf__shm_unmap(sqlite3_file *file, int delete_flag) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    int rc = walbuf__flush_wal_of(f);
    int rc2 = f->real->pMethods->xShmUnmap(f->real, delete_flag);
    return rc != SQLITE_OK ? rc : rc2;
}

static int walbuf__fetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    return f->real->pMethods->xFetch(f->real, offset, amount, out);
}

static int walbuf__unfetch(sqlite3_file *file, sqlite3_int64 offset, void *p) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    return f->real->pMethods->xUnfetch(f->real, offset, p);
}

/* The methods at each version SQLite may find on the base file: the layer
 * offers exactly what the base does (no wal-index without xShm*). */
#define WALBUF_IO(version)                                                                         \
    {                                                                                              \
        version, walbuf__close, walbuf__read, walbuf__write, walbuf__truncate, walbuf__sync,       \
            walbuf__file_size, walbuf__lock, walbuf__unlock, walbuf__check_reserved,               \
            walbuf__file_control, walbuf__sector_size, walbuf__device, walbuf__shm_map,            \
            walbuf__shm_lock, walbuf__shm_barrier, walbuf__shm_unmap, walbuf__fetch,               \
            walbuf__unfetch                                                                        \
    }

static const sqlite3_io_methods walbuf__io[3] = {WALBUF_IO(1), WALBUF_IO(2), WALBUF_IO(3)};

/* ---- the vfs ------------------------------------------------------------ */

static sqlite3_vfs *walbuf__below(sqlite3_vfs *vfs) { return vfs->pAppData; }

static int walbuf__ours(const sqlite3_file *file) {
    for (int i = 0; i < 3; i++) {
        if (file->pMethods == &walbuf__io[i]) return 1;
    }
    return 0;
}

static int walbuf__open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                        int *out_flags) {
    struct walbuf__file *f = (struct walbuf__file *)file;
    memset(f, 0, sizeof(*f));
    f->real = (sqlite3_file *)(f + 1);
    sqlite3_vfs *below = walbuf__below(vfs);
    int rc = below->xOpen(below, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK || f->real->pMethods == NULL) {
        if (rc == SQLITE_OK) rc = SQLITE_CANTOPEN;
        return rc;
    }
    int version = f->real->pMethods->iVersion;
    f->base.pMethods = &walbuf__io[version < 1 ? 0 : version > 3 ? 2 : version - 1];
    if ((flags & SQLITE_OPEN_WAL) && name != NULL) {
        f->is_wal = 1;
        struct walbuf__file *db = (struct walbuf__file *)sqlite3_database_file_object(name);
        if (db != NULL && walbuf__ours(&db->base)) {
            f->link = db;
            db->link = f;
            f->read_ahead = db->buffer_db;
        }
    }
    return SQLITE_OK;
}

static int walbuf__delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
    return walbuf__below(vfs)->xDelete(walbuf__below(vfs), name, sync_dir);
}

static int walbuf__access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    return walbuf__below(vfs)->xAccess(walbuf__below(vfs), name, flags, out);
}

static int walbuf__full_pathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    return walbuf__below(vfs)->xFullPathname(walbuf__below(vfs), name, size, out);
}

static void *walbuf__dl_open(sqlite3_vfs *vfs, const char *name) {
    return walbuf__below(vfs)->xDlOpen(walbuf__below(vfs), name);
}

static void walbuf__dl_error(sqlite3_vfs *vfs, int size, char *out) {
    walbuf__below(vfs)->xDlError(walbuf__below(vfs), size, out);
}

static void (*walbuf__dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void) {
    return walbuf__below(vfs)->xDlSym(walbuf__below(vfs), h, sym);
}

static void walbuf__dl_close(sqlite3_vfs *vfs, void *h) {
    walbuf__below(vfs)->xDlClose(walbuf__below(vfs), h);
}

static int walbuf__randomness(sqlite3_vfs *vfs, int size, char *out) {
    return walbuf__below(vfs)->xRandomness(walbuf__below(vfs), size, out);
}

static int walbuf__sleep(sqlite3_vfs *vfs, int us) {
    return walbuf__below(vfs)->xSleep(walbuf__below(vfs), us);
}

static int walbuf__current_time(sqlite3_vfs *vfs, double *out) {
    return walbuf__below(vfs)->xCurrentTime(walbuf__below(vfs), out);
}

static int walbuf__last_error(sqlite3_vfs *vfs, int size, char *out) {
    sqlite3_vfs *below = walbuf__below(vfs);
    return below->xGetLastError ? below->xGetLastError(below, size, out) : 0;
}

static int walbuf__current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    sqlite3_vfs *below = walbuf__below(vfs);
    if (below->iVersion >= 2 && below->xCurrentTimeInt64) {
        return below->xCurrentTimeInt64(below, out);
    }
    double days = 0;
    int rc = below->xCurrentTime(below, &days);
    *out = (sqlite3_int64)(days * 86400000.0);
    return rc;
}

int sqlite_walbuf_buffer_db(sqlite3 *db) {
    return sqlite3_file_control(db, "main", WALBUF_FCNTL_BUFFER_DB, NULL) == SQLITE_OK ? 0 : -1;
}

const char *sqlite_walbuf_vfs(const char *base) {
    sqlite3_vfs *below = sqlite3_vfs_find(base);
    if (below == NULL) return NULL;
    const char *found = NULL;
    pthread_mutex_lock(&walbuf__layers_lock);
    for (int i = 0; i < walbuf__layers_count && found == NULL; i++) {
        if (walbuf__layers[i].vfs.pAppData == below) found = walbuf__layers[i].name;
    }
    if (found == NULL && walbuf__layers_count < WALBUF_LAYERS) {
        struct walbuf__layer *l = &walbuf__layers[walbuf__layers_count];
        snprintf(l->name, sizeof(l->name), "mintline-walbuf-%d", walbuf__layers_count);
        memset(&l->vfs, 0, sizeof(l->vfs));
        l->vfs.iVersion = 2;
        l->vfs.szOsFile = (int)sizeof(struct walbuf__file) + below->szOsFile;
        l->vfs.mxPathname = below->mxPathname;
        l->vfs.zName = l->name;
        l->vfs.pAppData = below;
        l->vfs.xOpen = walbuf__open;
        l->vfs.xDelete = walbuf__delete;
        l->vfs.xAccess = walbuf__access;
        l->vfs.xFullPathname = walbuf__full_pathname;
        l->vfs.xDlOpen = walbuf__dl_open;
        l->vfs.xDlError = walbuf__dl_error;
        l->vfs.xDlSym = walbuf__dl_sym;
        l->vfs.xDlClose = walbuf__dl_close;
        l->vfs.xRandomness = walbuf__randomness;
        l->vfs.xSleep = walbuf__sleep;
        l->vfs.xCurrentTime = walbuf__current_time;
        l->vfs.xGetLastError = walbuf__last_error;
        l->vfs.xCurrentTimeInt64 = walbuf__current_time64;
        if (sqlite3_vfs_register(&l->vfs, 0) == SQLITE_OK) {
            walbuf__layers_count++;
            found = l->name;
        }
    }
    pthread_mutex_unlock(&walbuf__layers_lock);
    return found;
}
