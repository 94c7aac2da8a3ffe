/*
 * simvfs.h - an in-memory SQLite VFS that models durability and fails on
 * purpose, for the fault-injection simulator (prefix simvfs_).
 *
 * Every file lives in memory as two images: what reads see (the OS page
 * cache) and what is durable (the disk). xWrite changes the first and
 * queues the write; xSync applies the file's queued writes to the second.
 * A crash decides what of the queued writes reached the disk:
 *
 *   SIMVFS_KILL         the process dies, the machine does not: the page
 *                       cache survives, queued writes stay queued
 *   SIMVFS_POWER_DROP   power lost: every unsynced write is lost
 *   SIMVFS_POWER_TORN   power lost mid-stream: the queued writes reached
 *                       the disk in order up to a random one, which is
 *                       torn (part old, part new bytes), the rest lost
 *   SIMVFS_POWER_ANY    power lost: each unsynced write independently
 *                       landed, was lost, or was torn (disks reorder)
 *
 * The device declares SQLITE_IOCAP_POWERSAFE_OVERWRITE and 4096-byte
 * sectors, as SQLite's unix VFS does by default: a torn write changes
 * only bytes inside the write. File creation, deletion and truncation
 * are durable at once (a limit of the model: real file systems may lose
 * them too, and SQLite syncs the directory for that).
 *
 * Faults (simvfs_faults): each xRead, xWrite (and xTruncate) and xSync may
 * fail with SQLITE_IOERR_READ / _WRITE / _FSYNC at a chance in a million.
 * A failed write may have written a prefix of its bytes; a failed fsync
 * either keeps the writes queued or, as Linux does, drops them for good
 * while reads still return them; and, as Linux since 4.13 does (errseq),
 * the error is reported once more to every other handle of the file that
 * was open when it happened, at its next fsync (unless no_errseq). `crash_after_ops` fires a crash in the
 * middle of whatever I/O is running: from that call on, every operation
 * of every open file fails, as if the process had died there;
 * simvfs_restart then applies the durability model.
 *
 * The WAL's shared memory (xShmMap, xShmLock, xShmBarrier, xShmUnmap) is
 * memory shared by the handles of one database file, with SQLite's eight
 * lock slots; file locks (xLock) follow SQLite's SHARED / RESERVED /
 * PENDING / EXCLUSIVE ladder between handles. Both die with a crash, so
 * the next connection rebuilds the wal-index from the WAL, as it would.
 *
 * Single-threaded, deterministic: the same seed and the same calls give
 * the same faults, crashes, tears, xRandomness and xCurrentTime.
 */
#ifndef MINTLINE_TESTS_SIM_SIMVFS_H
#define MINTLINE_TESTS_SIM_SIMVFS_H

#include <stdint.h>

#define SIMVFS_NAME "mintline-sim"

enum simvfs_crash { SIMVFS_KILL, SIMVFS_POWER_DROP, SIMVFS_POWER_TORN, SIMVFS_POWER_ANY };

struct simvfs_faults {
    uint32_t read_ppm;  /* chance of SQLITE_IOERR_READ per xRead, in a million */
    uint32_t write_ppm; /* of SQLITE_IOERR_WRITE per xWrite / xTruncate */
    uint32_t sync_ppm;  /* of SQLITE_IOERR_FSYNC per xSync */
    uint64_t crash_after_ops; /* 0: none; n: crash at the n-th I/O call from now */
    int sync_drops;     /* a failed fsync: 0 drops the queued writes or not (a coin), 1 always */
    uint32_t fail_sync_at; /* 0: none; n: the n-th xSync from now fails (scripted scenarios) */
    int no_errseq;      /* 1: a failed fsync is reported to its own handle only (Linux < 4.13) */
};

struct simvfs_stats {
    uint64_t reads, writes, syncs;
    uint64_t failed_reads, failed_writes, failed_syncs;
    uint64_t crashes, torn_writes, lost_writes;
};

/* simvfs_register: register the VFS as SQLite's default (so SQLite's own
 * PRNG seeds from it) under SIMVFS_NAME. Once per process; SQLITE_OK. */
int simvfs_register(void);

/* simvfs_reset: forget every file (none may be open) and reseed. */
void simvfs_reset(uint64_t seed);

/* simvfs_set_faults: the faults from now on (zeros: none). */
void simvfs_set_faults(const struct simvfs_faults *f);

/* simvfs_crashed: 1 once a crash has fired (by crash_after_ops or
 * simvfs_kill) and until simvfs_restart. */
int simvfs_crashed(void);

/* simvfs_kill: fire a crash now if none has fired: every open handle
 * fails from now on and no file can be opened or deleted. */
void simvfs_kill(void);

/* simvfs_restart: after a crash and once the dead connections are closed,
 * apply `how` to every file and let files be opened again. */
void simvfs_restart(enum simvfs_crash how);

/* simvfs_open_handles: how many files are open (0 between lives). */
uint32_t simvfs_open_handles(void);

void simvfs_stats(struct simvfs_stats *out);

/* simvfs_dump: the files and their sizes, as TAP comments (--verbose). */
void simvfs_dump(void);

#endif
