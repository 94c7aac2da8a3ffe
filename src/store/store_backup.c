/*
 * store_backup.c - backup files (store_backup.h): made from an online
 * copy, checked, and unpacked. Every file written goes to a temporary
 * name, is fsynced, and is renamed into place; a failure leaves nothing
 * under the final name.
 */
#include "store_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/scratch.h"

#define BACKUP__IO_BYTES (1u << 20)
/* "sha256 " + 64 hex + "\n" + the empty line: what follows the facts. */
#define BACKUP__SHA_LINE_BYTES (7u + 64u + 2u)

/* Copy n bytes of in (from offset at) to out's current position. */
static int backup__copy(int in, off_t at, int out, uint64_t n) {
    while (n > 0) {
        size_t want = n > (1u << 30) ? (1u << 30) : (size_t)n;
        ssize_t got = copy_file_range(in, &at, out, NULL, want, 0);
        if (got < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) break;
        if (got <= 0) return -1;
        n -= (uint64_t)got;
    }
    if (n == 0) return 0;
    /* copy_file_range refused (another file system): read and write. */
    char *b = malloc(BACKUP__IO_BYTES);
    if (b == NULL) return -1;
    int bad = 0;
    while (n > 0 && !bad) {
        size_t want = n > BACKUP__IO_BYTES ? BACKUP__IO_BYTES : (size_t)n;
        ssize_t got = pread(in, b, want, at);
        bad = got <= 0 || write(out, b, (size_t)got) != got;
        if (!bad) {
            at += got;
            n -= (uint64_t)got;
        }
    }
    free(b);
    return bad ? -1 : 0;
}

/* SHA-256 of prefix then of n bytes of fd from offset at. */
static int backup__hash(const void *prefix, size_t prefix_len, int fd, off_t at, uint64_t n,
                        struct hash *out) {
    char *b = malloc(BACKUP__IO_BYTES);
    if (b == NULL) return -1;
    struct hash_ctx ctx;
    hash_init(&ctx);
    hash_update(&ctx, prefix, prefix_len);
    int bad = 0;
    while (n > 0 && !bad) {
        size_t want = n > BACKUP__IO_BYTES ? BACKUP__IO_BYTES : (size_t)n;
        ssize_t got = pread(fd, b, want, at);
        bad = got <= 0;
        if (!bad) {
            hash_update(&ctx, b, (size_t)got);
            at += got;
            n -= (uint64_t)got;
        }
    }
    free(b);
    hash_final(&ctx, out);
    return bad ? -1 : 0;
}

/* The header's lines before "sha256" (what the hash covers first). */
static void backup__facts(const struct store_backup_header *h, struct buf *out) {
    char head[HASH_HEX_SIZE], gen[HASH_HEX_SIZE], line[256];
    hash_hex(&h->head.head_hash, head);
    hash_hex(&h->head.genesis_hash, gen);
    int n = snprintf(line, sizeof(line),
                     STORE_BACKUP_MAGIC "height %" PRIu64 "\nhead_hash %s\ngenesis_hash %s\n"
                                        "created_ms %" PRId64 "\nsize %" PRIu64 "\n",
                     h->head.height, head, gen, h->created_ms, h->size);
    buf_put(out, line, (size_t)n);
}

static void backup__sha_line(const struct hash *sha, struct buf *out) {
    char hex[HASH_HEX_SIZE];
    hash_hex(sha, hex);
    buf_put(out, "sha256 ", 7);
    buf_put(out, hex, HASH_HEX_SIZE - 1);
    buf_put(out, "\n\n", 2);
}

/* The image by SQLite's backup API, into a temporary file in tmp_dir
 * (when the file could not be held still, store_copy_freeze), or built
 * from a PostgreSQL journal (db_path a postgres:// URL). */
static enum err backup__image_api(const char *db_path, const char *tmp_dir, int64_t created_ms,
                                  int *fd, struct buf *header, struct store_backup_header *h,
                                  char *why, size_t why_size) {
    char path[4200];
    if (scratch_path(tmp_dir, ".mintline-backup", path, sizeof(path)) != 0) {
        snprintf(why, why_size, "cannot create a temporary file in %s: %s", tmp_dir, strerror(errno));
        return ERR_IO;
    }
    struct store_backup_header out;
    memset(&out, 0, sizeof(out));
    out.created_ms = created_ms;
    enum err err = store_url_is_postgres(db_path)
                       ? store_copy_image_pg(db_path, path, &out.head, why, why_size)
                       : store_copy_backup(db_path, path, &out.head, why, why_size);
    if (err) return err; /* the copy removed path */
    int in = open(path, O_RDONLY | O_CLOEXEC);
    unlink(path);
    struct stat st;
    if (in < 0 || fstat(in, &st) != 0) {
        if (in >= 0) close(in);
        snprintf(why, why_size, "cannot reopen the copy");
        return ERR_IO;
    }
    out.size = (uint64_t)st.st_size;
    struct buf facts;
    buf_init(&facts);
    backup__facts(&out, &facts);
    if (!buf_ok(&facts) || backup__hash(facts.data, facts.len, in, 0, out.size, &out.sha256) != 0) {
        buf_free(&facts);
        close(in);
        snprintf(why, why_size, "cannot read the copy back");
        return ERR_IO;
    }
    backup__sha_line(&out.sha256, &facts);
    out.header_len = facts.len;
    buf_put(header, facts.data, facts.len);
    buf_free(&facts);
    *h = out;
    *fd = in;
    return ERR_OK;
}

static int backup__write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Write the held file to out (at its position) and hash the facts, then
 * those bytes, into *sha: one pass over the bytes. -1 on a failed read
 * or write. */
static int backup__pour(struct store_frozen *f, const struct buf *facts, int out, struct hash *sha) {
    char *b = malloc(BACKUP__IO_BYTES);
    if (b == NULL) return -1;
    struct hash_ctx ctx;
    hash_init(&ctx);
    hash_update(&ctx, facts->data, facts->len);
    uint64_t size = store_copy_frozen_size(f);
    int bad = 0;
    for (uint64_t at = 0; at < size && !bad;) {
        size_t n = size - at > BACKUP__IO_BYTES ? BACKUP__IO_BYTES : (size_t)(size - at);
        bad = store_copy_frozen_read(f, b, n, at) != ERR_OK || backup__write_all(out, b, n) != 0;
        hash_update(&ctx, b, n);
        at += n;
    }
    free(b);
    hash_final(&ctx, sha);
    return bad ? -1 : 0;
}

/* Hold db_path still: *f NULL when it could not be (use the backup API),
 * else *out's head, size and created_ms are set and *facts holds them. */
static enum err backup__freeze(const char *db_path, int64_t created_ms, struct store_frozen **f,
                               struct store_backup_header *out, struct buf *facts, char *why,
                               size_t why_size) {
    memset(out, 0, sizeof(*out));
    out->created_ms = created_ms;
    *f = NULL;
    if (store_url_is_postgres(db_path)) return ERR_OK; /* no file to hold: an image is built */
    enum err err = store_copy_freeze(db_path, f, &out->head);
    if (err) {
        snprintf(why, why_size, "cannot read the journal %s", db_path);
        return err;
    }
    if (*f == NULL) return ERR_OK;
    out->size = store_copy_frozen_size(*f);
    backup__facts(out, facts);
    return ERR_OK;
}

enum err store_backup_image(const char *db_path, const char *tmp_dir, int64_t created_ms, int *fd,
                            struct buf *header, struct store_backup_header *h, char *why,
                            size_t why_size) {
    struct store_frozen *f = NULL;
    struct store_backup_header out;
    struct buf facts;
    buf_init(&facts);
    enum err err = backup__freeze(db_path, created_ms, &f, &out, &facts, why, why_size);
    if (err || f == NULL) {
        buf_free(&facts);
        return err ? err
                   : backup__image_api(db_path, tmp_dir, created_ms, fd, header, h, why, why_size);
    }
    /* A file with no name: it goes when the download closes it. */
    int tmp = scratch_file(tmp_dir);
    int bad = tmp < 0 || !buf_ok(&facts) || backup__pour(f, &facts, tmp, &out.sha256) != 0;
    int saved = errno;
    store_copy_thaw(f);
    if (bad) {
        snprintf(why, why_size, "cannot write the copy in %s: %s", tmp_dir, strerror(saved));
        if (tmp >= 0) close(tmp);
        buf_free(&facts);
        return ERR_IO;
    }
    backup__sha_line(&out.sha256, &facts);
    out.header_len = facts.len;
    buf_put(header, facts.data, facts.len);
    buf_free(&facts);
    *h = out;
    *fd = tmp;
    return ERR_OK;
}

void store_backup_fsync_dir(const char *path) {
    char copy[4200];
    snprintf(copy, sizeof(copy), "%s", path);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
}

/* Write the held file as a backup file to out: the facts, room for the
 * sha256 line, the image (hashed as it goes), then that line. */
static int backup__write_held(struct store_frozen *f, const struct buf *facts, int out,
                              struct store_backup_header *h) {
    if (!buf_ok(facts) || backup__write_all(out, facts->data, facts->len) != 0 ||
        lseek(out, BACKUP__SHA_LINE_BYTES, SEEK_CUR) < 0 || backup__pour(f, facts, out, &h->sha256) != 0) {
        return -1;
    }
    struct buf line;
    buf_init(&line);
    backup__sha_line(&h->sha256, &line);
    int bad = !buf_ok(&line) || line.len != BACKUP__SHA_LINE_BYTES ||
              pwrite(out, line.data, line.len, (off_t)facts->len) != (ssize_t)line.len;
    h->header_len = facts->len + line.len;
    buf_free(&line);
    return bad ? -1 : 0;
}

enum err store_backup_make(const char *db_path, const char *dest_path, int64_t created_ms,
                           struct store_backup_header *h, char *why, size_t why_size) {
    char dir[4200], tmp[4300];
    snprintf(dir, sizeof(dir), "%s", dest_path);
    snprintf(tmp, sizeof(tmp), "%s.tmp", dest_path);
    struct store_frozen *f = NULL;
    struct store_backup_header got;
    struct buf facts, header;
    buf_init(&facts);
    buf_init(&header);
    int in = -1;
    enum err err = backup__freeze(db_path, created_ms, &f, &got, &facts, why, why_size);
    if (!err && f == NULL) {
        err = backup__image_api(db_path, dirname(dir), created_ms, &in, &header, &got, why, why_size);
    }
    if (err) {
        buf_free(&facts);
        return err;
    }
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int bad = out < 0;
    if (!bad && f != NULL) bad = backup__write_held(f, &facts, out, &got) != 0;
    if (!bad && f == NULL) {
        bad = !buf_ok(&header) || backup__write_all(out, header.data, header.len) != 0 ||
              backup__copy(in, 0, out, got.size) != 0;
    }
    int saved = bad ? errno : 0;
    store_copy_thaw(f);
    if (!bad && fsync(out) != 0) {
        bad = 1;
        saved = errno;
    }
    if (out >= 0 && close(out) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (in >= 0) close(in);
    buf_free(&header);
    buf_free(&facts);
    if (!bad && rename(tmp, dest_path) != 0) {
        bad = 1;
        saved = errno;
    }
    if (bad) {
        snprintf(why, why_size, "cannot write %s: %s", dest_path, strerror(saved));
        unlink(tmp);
        return ERR_IO;
    }
    store_backup_fsync_dir(dest_path);
    if (h) *h = got;
    return ERR_OK;
}

/* ---- reading -------------------------------------------------------------- */

/* "key value\n" at *p: the value's bytes (p advanced past the line). */
static int backup__line(const char **p, const char *end, const char *key, const char **v,
                        size_t *n) {
    size_t k = strlen(key);
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (nl == NULL || (size_t)(nl - *p) <= k + 1 || memcmp(*p, key, k) != 0 || (*p)[k] != ' ') {
        return -1;
    }
    *v = *p + k + 1;
    *n = (size_t)(nl - *v);
    *p = nl + 1;
    return 0;
}

static int backup__u64(const char *v, size_t n, uint64_t *out) {
    if (n == 0 || n > 19 || (n > 1 && v[0] == '0')) return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return 0;
}

static int backup__hex(const char *v, size_t n, struct hash *out) {
    for (size_t i = 0; i < n; i++) {
        if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f'))) return -1;
    }
    return n == HASH_HEX_SIZE - 1 && hash_parse_hex(v, n, out) == 0 ? 0 : -1;
}

/* The lines after the magic; returns the failing key or NULL. */
static const char *backup__fields(const char **p, const char *end, struct store_backup_header *h) {
    const char *v;
    size_t n;
    uint64_t created;
    if (backup__line(p, end, "height", &v, &n) || backup__u64(v, n, &h->head.height)) return "height";
    if (backup__line(p, end, "head_hash", &v, &n) || backup__hex(v, n, &h->head.head_hash)) return "head_hash";
    if (backup__line(p, end, "genesis_hash", &v, &n) || backup__hex(v, n, &h->head.genesis_hash)) {
        return "genesis_hash";
    }
    if (backup__line(p, end, "created_ms", &v, &n) || backup__u64(v, n, &created) ||
        created > (uint64_t)INT64_MAX / 1000000) {
        return "created_ms";
    }
    h->created_ms = (int64_t)created;
    if (backup__line(p, end, "size", &v, &n) || backup__u64(v, n, &h->size)) return "size";
    if (backup__line(p, end, "sha256", &v, &n) || backup__hex(v, n, &h->sha256)) return "sha256";
    if (*p >= end || **p != '\n') return "the empty line after sha256";
    (*p)++;
    return NULL;
}

enum err store_backup_parse_header(const uint8_t *data, size_t len, struct store_backup_header *out,
                                   char *why, size_t why_size) {
    const char *p = (const char *)data;
    size_t magic = sizeof(STORE_BACKUP_MAGIC) - 1;
    size_t cmp = len < magic ? len : magic;
    if (memcmp(p, STORE_BACKUP_MAGIC, cmp) != 0) {
        snprintf(why, why_size, "not a mintline backup (its first line is not mintline-backup-v1)");
        return ERR_BACKUP_CORRUPT;
    }
    /* The header ends at the first empty line; without one in reach it is cut. */
    const char *end = p + (len < STORE_BACKUP_HEADER_MAX ? len : STORE_BACKUP_HEADER_MAX);
    const char *blank = NULL;
    for (const char *q = p; q + 1 < end; q++) {
        if (q[0] == '\n' && q[1] == '\n') {
            blank = q + 2;
            break;
        }
    }
    if (blank == NULL) {
        snprintf(why, why_size, "the header ends before its empty line");
        return len < STORE_BACKUP_HEADER_MAX ? ERR_BACKUP_TRUNCATED : ERR_BACKUP_CORRUPT;
    }
    struct store_backup_header h;
    memset(&h, 0, sizeof(h));
    const char *at = p + magic;
    const char *bad = backup__fields(&at, blank, &h);
    if (bad != NULL || at != blank) {
        snprintf(why, why_size, "the header's %s line is malformed", bad ? bad : "last");
        return ERR_BACKUP_CORRUPT;
    }
    h.header_len = (size_t)(blank - p);
    *out = h;
    return ERR_OK;
}

enum err store_backup_check(const char *path, struct store_backup_header *out, char *why,
                            size_t why_size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return ERR_IO;
    }
    uint8_t head[STORE_BACKUP_HEADER_MAX];
    ssize_t n = pread(fd, head, sizeof(head), 0);
    struct store_backup_header h;
    enum err err = n < 0 ? ERR_IO : store_backup_parse_header(head, (size_t)n, &h, why, why_size);
    uint64_t have = (uint64_t)st.st_size;
    if (!err && have < h.header_len + h.size) {
        snprintf(why, why_size, "%" PRIu64 " bytes of image where the header says %" PRIu64,
                 have - h.header_len, h.size);
        err = ERR_BACKUP_TRUNCATED;
    } else if (!err && have > h.header_len + h.size) {
        snprintf(why, why_size, "%" PRIu64 " bytes after the image", have - h.header_len - h.size);
        err = ERR_BACKUP_CORRUPT;
    }
    struct hash sha;
    if (!err && backup__hash(head, h.header_len - BACKUP__SHA_LINE_BYTES, fd, (off_t)h.header_len,
                             h.size, &sha) != 0) {
        snprintf(why, why_size, "cannot read %s", path);
        err = ERR_IO;
    }
    if (!err && memcmp(sha.bytes, h.sha256.bytes, HASH_BYTES) != 0) {
        snprintf(why, why_size, "its SHA-256 does not match its header");
        err = ERR_BACKUP_CORRUPT;
    }
    close(fd);
    if (!err) *out = h;
    return err;
}

void store_backup_stream_init(struct store_backup_stream *s) {
    memset(s, 0, sizeof(*s));
}

/* Image bytes (after the header): hashed and counted. */
static void backup__stream_image(struct store_backup_stream *s, const uint8_t *p, size_t n) {
    uint64_t room = s->h.size - s->image_seen;
    size_t take = (uint64_t)n < room ? n : (size_t)room;
    hash_update(&s->ctx, p, take);
    s->image_seen += take;
    s->extra += n - take;
}

void store_backup_stream_feed(struct store_backup_stream *s, const void *data, size_t len) {
    const uint8_t *p = data;
    if (s->err != ERR_OK) return;
    if (s->parsed) {
        backup__stream_image(s, p, len);
        return;
    }
    size_t take = sizeof(s->head) - s->head_len;
    if (take > len) take = len;
    memcpy(s->head + s->head_len, p, take);
    s->head_len += take;
    enum err err = store_backup_parse_header(s->head, s->head_len, &s->h, s->why, sizeof(s->why));
    if (err == ERR_BACKUP_TRUNCATED && s->head_len < sizeof(s->head)) return; /* more to come */
    if (err != ERR_OK) {
        s->err = err;
        return;
    }
    s->parsed = 1;
    hash_init(&s->ctx);
    hash_update(&s->ctx, s->head, s->h.header_len - BACKUP__SHA_LINE_BYTES);
    backup__stream_image(s, s->head + s->h.header_len, s->head_len - s->h.header_len);
    backup__stream_image(s, p + take, len - take);
}

enum err store_backup_stream_finish(struct store_backup_stream *s, struct store_backup_header *out,
                                    char *why, size_t why_size) {
    if (s->err != ERR_OK) {
        snprintf(why, why_size, "%s", s->why);
        return s->err;
    }
    if (!s->parsed) {
        enum err err = store_backup_parse_header(s->head, s->head_len, &s->h, why, why_size);
        return err != ERR_OK ? err : ERR_BACKUP_TRUNCATED;
    }
    if (s->image_seen < s->h.size) {
        snprintf(why, why_size, "%" PRIu64 " bytes of image where the header says %" PRIu64, s->image_seen,
                 s->h.size);
        return ERR_BACKUP_TRUNCATED;
    }
    if (s->extra) {
        snprintf(why, why_size, "%" PRIu64 " bytes after the image", s->extra);
        return ERR_BACKUP_CORRUPT;
    }
    struct hash sha;
    hash_final(&s->ctx, &sha);
    if (memcmp(sha.bytes, s->h.sha256.bytes, HASH_BYTES) != 0) {
        snprintf(why, why_size, "its SHA-256 does not match its header");
        return ERR_BACKUP_CORRUPT;
    }
    *out = s->h;
    return ERR_OK;
}

enum err store_backup_extract(const char *path, const struct store_backup_header *h,
                              const char *dest_path, char *why, size_t why_size) {
    int in = open(path, O_RDONLY | O_CLOEXEC);
    int out = open(dest_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int bad = in < 0 || out < 0 || backup__copy(in, (off_t)h->header_len, out, h->size) != 0 ||
              fsync(out) != 0;
    if (out >= 0 && close(out) != 0) bad = 1;
    if (in >= 0) close(in);
    if (bad) {
        snprintf(why, why_size, "cannot write %s: %s", dest_path, strerror(errno));
        if (out >= 0) unlink(dest_path);
        return ERR_IO;
    }
    return ERR_OK;
}
