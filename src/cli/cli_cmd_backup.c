/*
 * cli_cmd_backup.c - `backup create|verify|restore` and `audit verify`
 * through the node (neither --data nor --store).
 *
 * backup create FILE downloads GET /api/backup into FILE.tmp, checks its
 * header and SHA-256 (a cut or damaged download is never renamed), fsyncs
 * it and renames it; with --data DIR (or --store postgres://...) it copies
 * the store directly (node/backup.h). verify and restore run in-process (node/backup.h).
 *
 * audit verify through the node streams GET /api/journal?from=0 into the
 * journal reader (store/store_wire.h), which hands each block to the
 * offline audit's checks (node_audit_begin/_block): nothing the node says
 * is trusted but the bytes it journaled, which are checked exactly as
 * the offline audit checks them, so both print the same head hash.
 * --from-height H --expect-head HASH: block H must have that hash (the
 * head recorded earlier must still be in the chain: docs/operators/audit.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/hash.h"
#include "../node/backup.h"
#include "../node/node.h"
#include "../store/store_wire.h"
#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_out.h"

#define CLI_BACKUP_PROGRESS_BYTES (64u << 20)

/* "error: ERR_CODE: message: detail", as the in-process commands print it. */
static int cli_backup__fail(const struct cli_ctx *ctx, enum err err, const char *detail) {
    (void)ctx;
    return report_error(err, detail);
}

/* ---- backup create through the node ----------------------------------------- */

struct cli_backup__dl {
    int fd;
    uint64_t bytes;
    uint64_t shown;
    int progress;
    struct store_backup_stream *check; /* the file's check, as it arrives */
};

static int cli_backup__sink(void *user, const void *data, size_t len) {
    struct cli_backup__dl *d = user;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(d->fd, p, left);
        if (w <= 0) return 1;
        p += w;
        left -= (size_t)w;
    }
    d->bytes += len;
    store_backup_stream_feed(d->check, data, len);
    if (d->progress && d->bytes - d->shown >= CLI_BACKUP_PROGRESS_BYTES) {
        d->shown = d->bytes;
        fprintf(stderr, "\rbackup: %" PRIu64 " MiB received", d->bytes >> 20);
    }
    return 0;
}

enum err cli_backup_download(struct cli_ctx *ctx, const char *file, struct store_backup_header *h, char *why,
                             size_t why_size) {
    struct store_backup_stream check;
    store_backup_stream_init(&check);
    struct cli_backup__dl d = {open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), 0, 0, 0, &check};
    if (d.fd < 0) {
        snprintf(why, why_size, "cannot write %.300s: %.60s", file, strerror(errno));
        return ERR_IO;
    }
    struct cli_reply reply;
    cli_call_stream(ctx, "/api/backup", cli_backup__sink, &d, &reply);
    int synced = fsync(d.fd) == 0;
    if (close(d.fd) != 0) synced = 0;
    enum err err = ERR_OK;
    if (reply.exit_code != CLI_EXIT_OK) {
        err = err_from_name(reply.code);
        if (err == ERR_OK || err == ERR__COUNT) err = ERR_IO;
        snprintf(why, why_size, "%.400s", reply.message);
    } else if (!synced) {
        snprintf(why, why_size, "cannot write %.300s", file);
        err = ERR_IO;
    }
    cli_reply_free(&reply);
    if (!err) err = store_backup_stream_finish(&check, h, why, why_size);
    if (err) unlink(file);
    return err;
}

static int cli_backup__from_node(struct cli_ctx *ctx, const char *file) {
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", file);
    struct store_backup_stream check;
    store_backup_stream_init(&check);
    struct cli_backup__dl d = {open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), 0, 0,
                               isatty(2), &check};
    if (d.fd < 0) return cli_backup__fail(ctx, ERR_IO, "cannot write the temporary file next to FILE");
    struct cli_reply reply;
    cli_call_stream(ctx, "/api/backup", cli_backup__sink, &d, &reply);
    if (d.progress && d.shown) fprintf(stderr, "\n");
    int synced = fsync(d.fd) == 0;
    if (close(d.fd) != 0) synced = 0;
    if (reply.exit_code != CLI_EXIT_OK) {
        unlink(tmp);
        if (reply.status == 200) {
            char why[512];
            snprintf(why, sizeof(why), "%.400s (after %" PRIu64 " bytes; nothing was written)",
                     reply.message, d.bytes);
            snprintf(reply.message, sizeof(reply.message), "%s", why);
        }
        int rc = cli_reply_finish(ctx, &reply);
        cli_reply_free(&reply);
        return rc;
    }
    cli_reply_free(&reply);
    struct store_backup_header h;
    char why[400] = "";
    /* checked as it arrived (header, size, SHA-256): not read back */
    enum err err = synced ? store_backup_stream_finish(&check, &h, why, sizeof(why)) : ERR_IO;
    if (!err && rename(tmp, file) != 0) {
        snprintf(why, sizeof(why), "cannot rename %.300s: %.60s", tmp, strerror(errno));
        err = ERR_IO;
    }
    if (err) {
        unlink(tmp);
        return cli_backup__fail(ctx, err, why[0] ? why : "cannot write the backup");
    }
    store_backup_fsync_dir(file);
    node_backup_print(file, &h, NULL, ctx->json);
    return CLI_EXIT_OK;
}

int cli_cmd_backup_create(struct cli_ctx *ctx) {
    const char *file = cli_ctx_pos(ctx, 0);
    if (access(file, F_OK) == 0) return cli_backup__fail(ctx, ERR_ALREADY_EXISTS, file);
    const char *store = cli_ctx_flag(ctx, "store");
    if (cli_ctx_flag(ctx, "data") != NULL || store != NULL) {
        char data[4096];
        if (cli_ctx_data_dir(ctx, data, sizeof(data)) != 0) {
            return cli_cmd_usage_error(ctx, "--data DIR too long");
        }
        return node_backup_create(data, store, file, ctx->json);
    }
    return cli_backup__from_node(ctx, file);
}

int cli_cmd_backup_verify(struct cli_ctx *ctx) {
    return node_backup_verify(cli_ctx_pos(ctx, 0), ctx->json);
}

int cli_cmd_backup_restore(struct cli_ctx *ctx) {
    const char *data = cli_ctx_flag(ctx, "data");
    const char *store = cli_ctx_flag(ctx, "store");
    if ((data == NULL) == (store == NULL)) {
        return cli_cmd_usage_error(ctx, "backup restore takes --data DIR (a new SQLite store) or "
                                        "--store postgres://... (an empty database)");
    }
    if (store != NULL) return node_backup_restore_pg(cli_ctx_pos(ctx, 0), store, ctx->json);
    return node_backup_restore(cli_ctx_pos(ctx, 0), data, ctx->json);
}

/* ---- audit verify through the node ------------------------------------------ */

struct cli_audit__dl {
    struct store_wire_reader *rd;
    struct node_audit *na;
    enum err err; /* what stopped the stream, from the reader or the audit */
    char why[400];
    int expect_set;
    uint64_t expect_height;
    struct hash expect_head;
    int expect_seen;
    int progress;
    uint64_t last_shown_s;
};

static enum err cli_audit__expect(struct cli_audit__dl *d, uint64_t height, const struct hash *h) {
    if (!d->expect_set || height != d->expect_height) return ERR_OK;
    d->expect_seen = 1;
    if (memcmp(h->bytes, d->expect_head.bytes, HASH_BYTES) == 0) return ERR_OK;
    char hex[HASH_HEX_SIZE];
    hash_hex(h, hex);
    snprintf(d->why, sizeof(d->why), "block %" PRIu64 " has hash %s, not the expected head", height, hex);
    return ERR_HEAD_NOT_IN_CHAIN;
}

static enum err cli_audit__genesis(void *ctx, const struct store_wire_genesis *g) {
    struct cli_audit__dl *d = ctx;
    if (g->from_height != 0) {
        snprintf(d->why, sizeof(d->why), "the node sent the journal from block %" PRIu64 ", not 0",
                 g->from_height);
        return ERR_JOURNAL_MALFORMED;
    }
    enum err err = node_audit_begin(g->json, g->json_len, &g->block0, &d->na, d->why, sizeof(d->why));
    return err ? err : cli_audit__expect(d, 0, &g->block0.hash);
}

static enum err cli_audit__block(void *ctx, const struct store_block *b,
                                 const struct store_request *reqs, uint32_t count) {
    struct cli_audit__dl *d = ctx;
    enum err err = node_audit_block(d->na, b, reqs, count, d->why, sizeof(d->why));
    if (!err) err = cli_audit__expect(d, b->height, &b->hash);
    if (!err && d->progress && (uint64_t)time(NULL) != d->last_shown_s) {
        d->last_shown_s = (uint64_t)time(NULL);
        fprintf(stderr, "\raudit: block %" PRIu64, b->height);
    }
    return err;
}

static int cli_audit__sink(void *user, const void *data, size_t len) {
    struct cli_audit__dl *d = user;
    char why[300] = "";
    enum err err = store_wire_feed(d->rd, data, len, why, sizeof(why));
    if (err == ERR_OK) return 0;
    d->err = err;
    if (d->why[0] == '\0') snprintf(d->why, sizeof(d->why), "%s", why);
    return 1;
}

/* After a complete stream: its end frame must name the head the audit reached. */
static enum err cli_audit__end(struct cli_audit__dl *d, struct node_audit_summary *sum) {
    uint64_t blocks = 0, head_height = 0;
    struct hash head;
    enum err err = store_wire_finish(d->rd, &blocks, &head_height, &head, d->why, sizeof(d->why));
    if (err) return err;
    if (d->na == NULL) {
        snprintf(d->why, sizeof(d->why), "the stream held no genesis");
        return ERR_JOURNAL_MALFORMED;
    }
    node_audit_summary(d->na, sum);
    if (head_height + 1 != sum->blocks || memcmp(head.bytes, sum->head_hash.bytes, HASH_BYTES) != 0) {
        snprintf(d->why, sizeof(d->why), "the end frame names head %" PRIu64 "; the blocks sent end at %" PRIu64,
                 head_height, sum->blocks - 1);
        return ERR_JOURNAL_MALFORMED;
    }
    if (d->expect_set && !d->expect_seen) {
        snprintf(d->why, sizeof(d->why), "the chain ends at block %" PRIu64 ", before the recorded "
                 "head at %" PRIu64 ": blocks were cut from its end", sum->blocks - 1, d->expect_height);
        return ERR_HEAD_NOT_IN_CHAIN;
    }
    return ERR_OK;
}

static int cli_audit__args(struct cli_ctx *ctx, struct cli_audit__dl *d) {
    const char *from = cli_ctx_flag(ctx, "from-height");
    const char *expect = cli_ctx_flag(ctx, "expect-head");
    if ((from == NULL) != (expect == NULL)) {
        return cli_cmd_usage_error(ctx, "--from-height H and --expect-head HASH go together");
    }
    if (from == NULL) return CLI_EXIT_OK;
    char *end = NULL;
    errno = 0;
    unsigned long long h = strtoull(from, &end, 10);
    if (from[0] < '0' || from[0] > '9' || *end != '\0' || errno != 0) {
        return cli_cmd_usage_error(ctx, "--from-height takes a block height");
    }
    if (strlen(expect) != HASH_HEX_SIZE - 1 || hash_parse_hex(expect, strlen(expect), &d->expect_head) != 0) {
        return cli_cmd_usage_error(ctx, "--expect-head takes a block hash (64 hex digits)");
    }
    d->expect_set = 1;
    d->expect_height = h;
    return CLI_EXIT_OK;
}

/* The stream and the audit (d's expectation set or not): ERR_OK with *sum,
 * or the error with why; *refused when the node answered with an error
 * (reply kept for the caller to print; free it). */
static enum err cli_audit__stream(struct cli_ctx *ctx, struct cli_audit__dl *d, struct node_audit_summary *sum,
                                  struct cli_reply *reply, int *refused) {
    *refused = 0;
    struct store_wire_handlers h = {cli_audit__genesis, cli_audit__block, d};
    d->rd = store_wire_reader_new(&h);
    if (d->rd == NULL) {
        snprintf(d->why, sizeof(d->why), "out of memory");
        memset(reply, 0, sizeof(*reply));
        return ERR_INTERNAL;
    }
    cli_call_stream(ctx, "/api/journal?from=0", cli_audit__sink, d, reply);
    if (d->progress && d->last_shown_s) fprintf(stderr, "\n");
    enum err err = d->err;
    if (!err && reply->exit_code != CLI_EXIT_OK && reply->status != 200) {
        *refused = 1; /* the node refused: 403, 5xx, unreachable */
    } else if (!err) {
        err = cli_audit__end(d, sum);
        if (err == ERR_JOURNAL_CUT && reply->exit_code != CLI_EXIT_OK) {
            size_t n = strlen(d->why);
            snprintf(d->why + n, sizeof(d->why) - n, " (%s)", reply->message);
        }
    }
    store_wire_reader_free(d->rd);
    d->rd = NULL;
    return err;
}

enum err cli_audit_node_run(struct cli_ctx *ctx, struct node_audit_summary *sum, char *why, size_t why_size) {
    struct cli_audit__dl d;
    memset(&d, 0, sizeof(d));
    struct cli_reply reply;
    int refused;
    enum err err = cli_audit__stream(ctx, &d, sum, &reply, &refused);
    if (!err && refused) {
        err = err_from_name(reply.code);
        if (err == ERR_OK || err == ERR__COUNT) err = ERR_IO;
        snprintf(d.why, sizeof(d.why), "%.380s", reply.message);
    }
    cli_reply_free(&reply);
    node_audit_free(d.na);
    if (err) snprintf(why, why_size, "%s", d.why[0] ? d.why : err_message(err));
    return err;
}

int cli_cmd_audit_node(struct cli_ctx *ctx) {
    struct cli_audit__dl d;
    memset(&d, 0, sizeof(d));
    int rc = cli_audit__args(ctx, &d);
    if (rc != CLI_EXIT_OK) return rc;
    d.progress = isatty(2);
    struct node_audit_summary sum;
    struct cli_reply reply;
    int refused;
    enum err err = cli_audit__stream(ctx, &d, &sum, &reply, &refused);
    if (!err && refused) rc = cli_reply_finish(ctx, &reply);
    cli_reply_free(&reply);
    if (!err && rc == CLI_EXIT_OK) node_audit_print(&sum, ctx->json);
    node_audit_free(d.na);
    if (err) return cli_backup__fail(ctx, err, d.why[0] ? d.why : err_message(err));
    return rc;
}
