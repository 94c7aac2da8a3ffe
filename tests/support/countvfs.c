/*
 * countvfs.c - a SQLite VFS for tests (countvfs.h): SQLite's default VFS
 * with its WAL and database writes and WAL reads counted, and chosen
 * writes or the database file's fsyncs failed.
 */
#include "countvfs.h"

#include <string.h>

struct count_file {
    sqlite3_file base;
    sqlite3_file *real;
    int is_wal;
    int is_db;
};

struct countvfs countvfs;
static sqlite3_vfs cv_vfs;
static sqlite3_io_methods cv_io;
static sqlite3_vfs *cv_below;

static int cv_close(sqlite3_file *f) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xClose(c->real);
}
static int cv_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o) {
    struct count_file *c = (struct count_file *)f;
    countvfs.wal_reads += c->is_wal;
    return c->real->pMethods->xRead(c->real, b, n, o);
}
static int cv_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o) {
    struct count_file *c = (struct count_file *)f;
    if (c->is_wal && ++countvfs.wal_writes == countvfs.fail_at) return SQLITE_IOERR_WRITE;
    if (c->is_db && ++countvfs.db_writes == countvfs.fail_db_at) return SQLITE_IOERR_WRITE;
    return c->real->pMethods->xWrite(c->real, b, n, o);
}
static int cv_truncate(sqlite3_file *f, sqlite3_int64 n) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xTruncate(c->real, n);
}
static int cv_sync(sqlite3_file *f, int fl) {
    struct count_file *c = (struct count_file *)f;
    if (c->is_db && __atomic_load_n(&countvfs.fail_db_sync, __ATOMIC_SEQ_CST)) {
        return SQLITE_IOERR_FSYNC;
    }
    return c->real->pMethods->xSync(c->real, fl);
}
static int cv_size(sqlite3_file *f, sqlite3_int64 *n) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xFileSize(c->real, n);
}
static int cv_lock(sqlite3_file *f, int l) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xLock(c->real, l);
}
static int cv_unlock(sqlite3_file *f, int l) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xUnlock(c->real, l);
}
static int cv_reserved(sqlite3_file *f, int *o) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xCheckReservedLock(c->real, o);
}
static int cv_fcntl(sqlite3_file *f, int op, void *a) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xFileControl(c->real, op, a);
}
static int cv_sector(sqlite3_file *f) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xSectorSize(c->real);
}
static int cv_device(sqlite3_file *f) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xDeviceCharacteristics(c->real);
}
static int cv_shm_map(sqlite3_file *f, int r, int s, int e, void volatile **o) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xShmMap(c->real, r, s, e, o);
}
static int cv_shm_lock(sqlite3_file *f, int o, int n, int fl) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xShmLock(c->real, o, n, fl);
}
static void cv_shm_barrier(sqlite3_file *f) {
    struct count_file *c = (struct count_file *)f;
    c->real->pMethods->xShmBarrier(c->real);
}
static int cv_shm_unmap(sqlite3_file *f, int d) {
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xShmUnmap(c->real, d);
}

static int cv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out) {
    struct count_file *c = (struct count_file *)f;
    sqlite3_vfs *below = vfs->pAppData;
    memset(c, 0, sizeof(*c));
    c->real = (sqlite3_file *)(c + 1);
    int rc = below->xOpen(below, name, c->real, flags, out);
    if (rc != SQLITE_OK || c->real->pMethods == NULL) return rc == SQLITE_OK ? SQLITE_CANTOPEN : rc;
    c->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
    c->is_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
    c->base.pMethods = &cv_io;
    return SQLITE_OK;
}

const char *countvfs_register(int make_default) {
    if (cv_vfs.zName == NULL) {
        cv_below = sqlite3_vfs_find(NULL);
        cv_vfs = *cv_below;
        cv_vfs.zName = "counting";
        cv_vfs.pAppData = cv_below;
        cv_vfs.szOsFile = (int)sizeof(struct count_file) + cv_below->szOsFile;
        cv_vfs.xOpen = cv_open;
        cv_vfs.pNext = NULL;
        cv_io = (sqlite3_io_methods){2,        cv_close,  cv_read,     cv_write,       cv_truncate,
                                     cv_sync,  cv_size,   cv_lock,     cv_unlock,      cv_reserved,
                                     cv_fcntl, cv_sector, cv_device,   cv_shm_map,     cv_shm_lock,
                                     cv_shm_barrier, cv_shm_unmap, NULL, NULL};
    }
    sqlite3_vfs_register(&cv_vfs, make_default);
    return "counting";
}

void countvfs_restore_default(void) {
    if (cv_below != NULL) sqlite3_vfs_register(cv_below, 1);
}
