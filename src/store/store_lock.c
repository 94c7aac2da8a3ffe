/*
 * store_lock.c - one writer per ledger: the data directory's lock file.
 *
 * `mintline serve` takes an exclusive flock(2) on DATA/mintline.lock before
 * it starts writing, and keeps the descriptor open for its whole life: the
 * kernel drops the lock when the process ends, however it ends (kill -9
 * included), so a stale lock never needs cleaning up. The holder writes who
 * it is into the file so that a second node's refusal can name it. Readers
 * (`audit verify --data`, backups) take no lock: SQLite's WAL serves them
 * beside the writer. Behind the lock, the store itself refuses to append a
 * block at any height but the one after its last (store_sqlite.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "store.h"

/* What the holder wrote, cut to one line of printable text. */
static void store_lock__holder(int fd, char *out, size_t out_size) {
    char text[256];
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
    size_t k = 0;
    for (ssize_t i = 0; i < n && k + 1 < out_size; i++) {
        char c = text[i];
        if (c == '\n') break;
        out[k++] = (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    out[k] = '\0';
    if (k == 0) snprintf(out, out_size, "another process");
}

enum err store_lock(const char *data_dir, const char *holder, int *fd_out, char *why,
                    size_t why_size) {
    char path[512];
    int n = snprintf(path, sizeof(path), "%s/mintline.lock", data_dir);
    if (n < 0 || (size_t)n >= sizeof(path)) return ERR_INVALID_ARGUMENT;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
        return ERR_IO;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        char who[200];
        store_lock__holder(fd, who, sizeof(who));
        if (busy) snprintf(why, why_size, "%s is served by %s", data_dir, who);
        else snprintf(why, why_size, "cannot lock %s: %s", path, strerror(errno));
        close(fd);
        return busy ? ERR_LEDGER_LOCKED : ERR_IO;
    }
    size_t len = strlen(holder);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, holder, len, 0) != (ssize_t)len ||
        pwrite(fd, "\n", 1, (off_t)len) != 1) {
        snprintf(why, why_size, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        return ERR_IO;
    }
    *fd_out = fd;
    return ERR_OK;
}

void store_unlock(int fd) {
    if (fd >= 0) close(fd);
}
