/*
 * keyfile.c - create and read operator key files (format in keyfile.h).
 *
 * The seed only ever lives in stack buffers that are wiped before return;
 * a half-written key file is removed, so a failed `key new` leaves nothing.
 */
#include "../base/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/hex.h"

/* A key file is 65 or 66 bytes; anything much longer is not one. */
#define KEYFILE_MAX 128u

void keyfile_pubkey_hex(const uint8_t seed[SIG_SEED_BYTES], char out[KEYFILE_HEX_SIZE]) {
    uint8_t pk[SIG_PUBKEY_BYTES];
    sig_pubkey(seed, pk);
    hex_encode(pk, sizeof(pk), out);
}

static enum err keyfile__sys(char *why, size_t why_size, const char *what, const char *path) {
    snprintf(why, why_size, "%s %s: %s", what, path, strerror(errno));
    return ERR_IO;
}

/* mkdir -p of path's parent directories, each new one 0700. */
static enum err keyfile__parents(const char *path, char *why, size_t why_size) {
    char dir[4096];
    size_t len = strlen(path);
    if (len >= sizeof(dir)) {
        snprintf(why, why_size, "key path too long");
        return ERR_IO;
    }
    memcpy(dir, path, len + 1);
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir) return ERR_OK;
    *slash = '\0';
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            return keyfile__sys(why, why_size, "cannot create", dir);
        }
        *p = '/';
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return keyfile__sys(why, why_size, "cannot create", dir);
    }
    return ERR_OK;
}

/* Make the new directory entry durable too; failure here is not fatal. */
static void keyfile__sync_parent(const char *path) {
    char dir[4096];
    size_t len = strlen(path);
    if (len >= sizeof(dir)) return;
    memcpy(dir, path, len + 1);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) return;
    *slash = '\0';
    int fd = open(dir[0] != '\0' ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

static int keyfile__write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

enum err keyfile_create(const char *path, char pubkey_hex[KEYFILE_HEX_SIZE], char *why,
                        size_t why_size) {
    enum err err = keyfile__parents(path, why, why_size);
    if (err) return err;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        snprintf(why, why_size, "%s", path);
        return ERR_KEY_EXISTS;
    }
    if (fd < 0) return keyfile__sys(why, why_size, "cannot create", path);
    uint8_t seed[SIG_SEED_BYTES];
    char line[2 * SIG_SEED_BYTES + 2];
    randombytes_buf(seed, sizeof(seed));
    hex_encode(seed, sizeof(seed), line);
    line[2 * SIG_SEED_BYTES] = '\n';
    line[2 * SIG_SEED_BYTES + 1] = '\0';
    /* fchmod: the umask may have taken bits away, never added; say 0600. */
    int failed = fchmod(fd, 0600) != 0 || keyfile__write_all(fd, line, sizeof(line) - 1) != 0 ||
                 fsync(fd) != 0;
    if (close(fd) != 0) failed = 1;
    if (failed) {
        err = keyfile__sys(why, why_size, "cannot write", path);
        unlink(path);
    } else {
        keyfile_pubkey_hex(seed, pubkey_hex);
        keyfile__sync_parent(path);
    }
    sodium_memzero(seed, sizeof(seed));
    sodium_memzero(line, sizeof(line));
    return err;
}

/* Read at most KEYFILE_MAX bytes; *len is what was read. */
static enum err keyfile__read(const char *path, char *text, size_t *len, int *loose, char *why,
                              size_t why_size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return keyfile__sys(why, why_size, "cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(why, why_size, "%s: not a regular file", path);
        return ERR_KEY_FILE;
    }
    *loose = (st.st_mode & 077) != 0;
    size_t used = 0;
    while (used < KEYFILE_MAX) {
        ssize_t n = read(fd, text + used, KEYFILE_MAX - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            enum err err = keyfile__sys(why, why_size, "cannot read", path);
            close(fd);
            return err;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    close(fd);
    *len = used;
    return ERR_OK;
}

enum err keyfile_load(const char *path, uint8_t seed[SIG_SEED_BYTES], int *loose, char *why,
                      size_t why_size) {
    char text[KEYFILE_MAX];
    size_t len = 0;
    int loose_mode = 0;
    enum err err = keyfile__read(path, text, &len, &loose_mode, why, why_size);
    if (err) return err;
    /* One line: the digits, then "\n", "\r\n" or nothing. */
    size_t digits = len;
    if (digits > 0 && text[digits - 1] == '\n') digits--;
    if (digits > 0 && text[digits - 1] == '\r') digits--;
    uint8_t tmp[SIG_SEED_BYTES];
    int bad = digits != 2 * SIG_SEED_BYTES || hex_decode(text, digits, tmp, sizeof(tmp)) != 0;
    sodium_memzero(text, sizeof(text));
    if (bad) {
        sodium_memzero(tmp, sizeof(tmp));
        snprintf(why, why_size, "%s: expected one line of 64 hex digits", path);
        return ERR_KEY_FILE;
    }
    memcpy(seed, tmp, sizeof(tmp));
    sodium_memzero(tmp, sizeof(tmp));
    *loose = loose_mode;
    return ERR_OK;
}
