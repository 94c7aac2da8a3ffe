/*
 * scratch.c - private temporary directories and files (scratch.h).
 */
#include "scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* mkdtemp's and mkstemp's template: PARENT/PREFIX- then the six characters
 * they replace with random ones. */
static int scratch__template(const char *parent, const char *prefix, char *out, size_t out_size) {
    int n = snprintf(out, out_size, "%s/%s-%s", parent, prefix, "XXXXXX");
    if (n <= 0 || (size_t)n >= out_size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int scratch_dir(const char *parent, const char *prefix, char *out, size_t out_size) {
    if (parent == NULL) {
        parent = getenv("TMPDIR");
        if (parent == NULL || parent[0] == '\0') parent = "/tmp";
    }
    if (scratch__template(parent, prefix, out, out_size) != 0) return -1;
    return mkdtemp(out) != NULL ? 0 : -1;
}

int scratch_path(const char *dir, const char *prefix, char *out, size_t out_size) {
    if (scratch__template(dir, prefix, out, out_size) != 0) return -1;
    int fd = mkstemp(out);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

int scratch_file(const char *dir) {
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
    char path[4200];
    if (scratch_path(dir, ".mintline-scratch", path, sizeof(path)) != 0) return -1;
    fd = open(path, O_RDWR | O_CLOEXEC);
    unlink(path);
    return fd;
}
