/*
 * api_backup.c - the two downloads of SPEC 7 for roles auditor and admin:
 * GET /api/journal?from=H (the journal as a stream of frames,
 * store/store_wire.h) and GET /api/backup (a backup file,
 * store/store_backup.h, of an online copy of the store).
 *
 * Neither takes the chain lock beyond the role check, nor the store's
 * reader: each opens a connection of its own on the journal file, in one
 * read transaction (store_copy.h), so the sequencer keeps committing
 * while a download runs, and what is sent is the journal as of one
 * block. On a PostgreSQL ledger (leader or follower) the same holds
 * through a session of its own in one REPEATABLE READ transaction, and a
 * backup is the SQLite image of that journal (the same file format: it
 * restores into a directory a node serves). The journal is produced frame
 * by frame as the client reads (chunked: a cut is visible to it); a backup
 * is copied first into a temporary file in the data directory ($TMPDIR on
 * PostgreSQL; its name removed at once), then sent with its length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../store/store_backup.h"
#include "../store/store_copy.h"
#include "../store/store_wire.h"
#include "server.h"

/* The operator holds auditor or admin globally (a grant for one asset
 * does not open the whole journal). Answers 403 otherwise. */
static int api__may_download(struct server *s, const struct server_request *rq,
                             struct server_response *out) {
    pthread_rwlock_rdlock(&s->chain.lock);
    int ok = rq->operator_index >= 0 &&
             (engine_operator_may(&s->chain.engine, (uint32_t)rq->operator_index, ROLE_AUDITOR, -1) ||
              engine_operator_may(&s->chain.engine, (uint32_t)rq->operator_index, ROLE_ADMIN, -1));
    pthread_rwlock_unlock(&s->chain.lock);
    if (!ok) server_error(out, ERR_UNAUTHORIZED, "journal and backup downloads need the role auditor or admin");
    return ok;
}

/* ---- GET /api/journal ------------------------------------------------------ */

enum api__journal_phase { JOURNAL_BLOCKS, JOURNAL_REQUESTS, JOURNAL_LAST, JOURNAL_DONE };

struct api__journal {
    struct store_cursor *cur;
    struct buf out; /* the frame being sent, from at */
    size_t at;
    enum api__journal_phase phase;
    uint64_t blocks;
    struct store_block head;
};

/* The next frame into j->out. ERR_OK or a read error. */
static enum err api__journal_next(struct api__journal *j) {
    int done = 0;
    enum err err = ERR_OK;
    if (j->phase == JOURNAL_REQUESTS) {
        struct store_request r;
        err = store_cursor_next_request(j->cur, &r, &done);
        if (!err && !done) store_wire_put_request(&j->out, &r);
        if (!err && done) j->phase = JOURNAL_BLOCKS;
        if (err || !done) return err;
    }
    struct store_block b;
    err = store_cursor_next_block(j->cur, &b, &done);
    if (err) return err;
    if (done || b.height > j->head.height) {
        store_wire_put_end(&j->out, j->blocks, j->head.height, &j->head.hash);
        j->phase = JOURNAL_LAST;
        return ERR_OK;
    }
    store_wire_put_block(&j->out, &b);
    j->blocks++;
    j->phase = JOURNAL_REQUESTS;
    return ERR_OK;
}

static ssize_t api__journal_read(void *ctx, uint64_t pos, char *dst, size_t max) {
    (void)pos;
    struct api__journal *j = ctx;
    while (j->at == j->out.len) {
        if (j->phase == JOURNAL_LAST) j->phase = JOURNAL_DONE;
        if (j->phase == JOURNAL_DONE) return -1; /* MHD_CONTENT_READER_END_OF_STREAM */
        j->out.len = 0;
        j->at = 0;
        if (api__journal_next(j) != ERR_OK || !buf_ok(&j->out)) {
            fprintf(stderr, "mintline: journal download: reading the store failed; stream cut\n");
            return -2; /* MHD_CONTENT_READER_END_WITH_ERROR */
        }
    }
    size_t n = j->out.len - j->at < max ? j->out.len - j->at : max;
    memcpy(dst, j->out.data + j->at, n);
    j->at += n;
    return (ssize_t)n;
}

static void api__journal_free(void *ctx) {
    struct api__journal *j = ctx;
    store_cursor_close(j->cur);
    buf_free(&j->out);
    free(j);
}

void api_journal(struct server *s, const struct server_request *rq, struct server_response *out) {
    if (!api__may_download(s, rq, out)) return;
    char text[24];
    uint64_t from = 0;
    int got = server_query(rq->query, "from", text, sizeof(text));
    if (got < 0 || (got == 1 && (from = server_path_id(text)) == 0 && strcmp(text, "0") != 0)) {
        server_error(out, ERR_INVALID_ARGUMENT, "from is a block height (digits)");
        return;
    }
    struct api__journal *j = calloc(1, sizeof(*j));
    if (j == NULL) {
        server_error(out, ERR_INTERNAL, NULL);
        return;
    }
    buf_init(&j->out);
    const char *pg_url = store_postgres_url(s->chain.store);
    enum err err = pg_url ? store_cursor_open_pg(pg_url, from, &j->cur)
                          : store_cursor_open(s->chain.store->where, from, &j->cur);
    if (err) {
        api__journal_free(j);
        server_error(out, err, "cannot read the journal");
        return;
    }
    struct store_wire_genesis g;
    memset(&g, 0, sizeof(g));
    store_cursor_genesis(j->cur, &g.json, &g.json_len, &g.block0, &j->head);
    g.from_height = from;
    g.head_height = j->head.height;
    g.head_hash = j->head.hash;
    if (from > j->head.height + 1) {
        api__journal_free(j);
        server_error(out, ERR_NOT_FOUND, "from is past the head of the journal");
        return;
    }
    store_wire_put_magic(&j->out);
    store_wire_put_genesis(&j->out, &g);
    out->status = 200;
    out->content_type = "application/vnd.mintline.journal";
    out->stream = (struct server_stream){SERVER_STREAM_SIZE_UNKNOWN, api__journal_read,
                                         api__journal_free, j};
}

/* ---- GET /api/backup ------------------------------------------------------- */

struct api__backup {
    struct buf header;
    int fd;
};

static ssize_t api__backup_read(void *ctx, uint64_t pos, char *dst, size_t max) {
    struct api__backup *b = ctx;
    if (pos < b->header.len) {
        size_t n = b->header.len - (size_t)pos < max ? b->header.len - (size_t)pos : max;
        memcpy(dst, b->header.data + pos, n);
        return (ssize_t)n;
    }
    ssize_t n = pread(b->fd, dst, max, (off_t)(pos - b->header.len));
    return n > 0 ? n : -2;
}

static void api__backup_free(void *ctx) {
    struct api__backup *b = ctx;
    if (b->fd >= 0) close(b->fd);
    buf_free(&b->header);
    free(b);
}

void api_backup(struct server *s, const struct server_request *rq, struct server_response *out) {
    if (!api__may_download(s, rq, out)) return;
    /* The temporary copy goes next to the journal file; on PostgreSQL the
     * SQLite image is built in $TMPDIR (else /tmp). */
    const char *pg_url = store_postgres_url(s->chain.store);
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s", s->chain.store->where);
    char *slash = strrchr(dir, '/');
    if (pg_url) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s", tmp && tmp[0] ? tmp : "/tmp");
    } else if (slash) {
        *slash = '\0';
    } else {
        snprintf(dir, sizeof(dir), ".");
    }
    struct api__backup *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        server_error(out, ERR_INTERNAL, NULL);
        return;
    }
    buf_init(&b->header);
    b->fd = -1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    struct store_backup_header h;
    char why[300] = "";
    enum err err = store_backup_image(pg_url ? pg_url : s->chain.store->where, dir, now_ms,
                                      &b->fd, &b->header, &h, why, sizeof(why));
    if (err || !buf_ok(&b->header)) {
        fprintf(stderr, "mintline: backup download failed: %s\n", why);
        api__backup_free(b);
        server_error(out, err ? err : ERR_INTERNAL, "the copy could not be made");
        return;
    }
    out->status = 200;
    out->content_type = "application/vnd.mintline.backup";
    out->stream = (struct server_stream){b->header.len + h.size, api__backup_read, api__backup_free, b};
}
