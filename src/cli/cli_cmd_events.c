/*
 * cli_cmd_events.c - `events [--recent N] [--type T] [--asset SYM]
 * [--follow]`: the ledger's recent events, and with --follow a stream of
 * new ones, polled once a second with after_seq until Ctrl-C.
 *
 * A followed stream prints oldest first, like `tail -f`, and as one JSON
 * object per line with --json (a stream cannot be one document). A node
 * that drops away mid-stream is waited for, with one warning per outage;
 * a refusal (say the key was removed) ends the stream with exit 1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/limits.h"
#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_http.h"
#include "cli_out.h"

#define CLI_EVENTS_POLL_MS 1000L

static volatile sig_atomic_t cli_events__stop;

static void cli_events__on_signal(int sig) {
    (void)sig;
    cli_events__stop = 1;
}

/* GET /api/events/recent with the filters; limit and after_seq as given. */
static void cli_events__path(const struct cli_ctx *ctx, const char *limit, const char *after,
                             struct buf *path) {
    buf_put(path, "/api/events/recent", 18);
    cli_http_query(path, "limit", limit);
    cli_http_query(path, "type", cli_ctx_flag(ctx, "type"));
    cli_http_query(path, "asset", cli_ctx_flag(ctx, "asset"));
    cli_http_query(path, "after_seq", after);
}

static void cli_events__cells(struct cli_table *t, const json_t *ev) {
    static const char *const keys[] = {"seq", "block", "time", "operator", "type", "asset"};
    char text[160];
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        cli_out_text(json_object_get(ev, keys[k]), text, sizeof(text));
        cli_table_cell(t, text);
    }
    struct buf data;
    buf_init(&data);
    cli_out_pairs(json_object_get(ev, "data"), &data);
    cli_table_cell(t, data.len > 0 ? cli_out_cstr(&data) : "-");
    buf_free(&data);
}

static void cli_events__head(struct cli_table *t) {
    static const char *const head[] = {"SEQ", "BLOCK", "TIME", "OPERATOR", "TYPE", "ASSET", "DATA"};
    cli_table_init(t, sizeof(head) / sizeof(head[0]));
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) cli_table_cell(t, head[i]);
}

/* A followed event, on its own line: fixed widths, since the column
 * widths of events yet to come are unknown. */
static void cli_events__line(const struct cli_ctx *ctx, const json_t *ev) {
    if (ctx->json) {
        char *text = json_dumps(ev, JSON_COMPACT);
        if (text != NULL) printf("%s\n", text);
        free(text);
        return;
    }
    struct cli_table t;
    cli_table_init(&t, 7);
    cli_events__cells(&t, ev);
    if (t.failed || t.cells_count != 7) {
        cli_table_free(&t);
        return;
    }
    printf("%-8s %-7s %-24s %-10s %-14s %-8s %s\n", t.cells[0], t.cells[1], t.cells[2],
           t.cells[3], t.cells[4], t.cells[5], t.cells[6]);
    cli_table_free(&t);
}

/* Print a batch of events oldest first; newest_first says the order the
 * node gave. Keeps *last_seq at the highest seq seen. */
static void cli_events__emit(const struct cli_ctx *ctx, const json_t *events, int newest_first,
                             long long *last_seq) {
    size_t n = json_array_size(events);
    for (size_t k = 0; k < n; k++) {
        const json_t *ev = json_array_get(events, newest_first ? n - 1 - k : k);
        cli_events__line(ctx, ev);
        const json_t *seq = json_object_get(ev, "seq");
        if (json_is_integer(seq) && json_integer_value(seq) > *last_seq) {
            *last_seq = json_integer_value(seq);
        }
    }
    fflush(stdout);
}

/* Sleep one poll interval unless a signal ends the stream. */
static void cli_events__wait(void) {
    struct timespec left = {CLI_EVENTS_POLL_MS / 1000, (CLI_EVENTS_POLL_MS % 1000) * 1000000L};
    while (!cli_events__stop && nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

/* One poll after last_seq (-1: none seen yet, so ask for the newest, which
 * come newest first). Returns -1 to go on, or an exit code to stop. */
static int cli_events__poll(struct cli_ctx *ctx, long long *last_seq, int *outage) {
    char after[32], limit[16];
    int none_yet = *last_seq < 0;
    snprintf(after, sizeof(after), "%lld", *last_seq);
    snprintf(limit, sizeof(limit), "%u", LIMIT_READ_ROWS);
    struct buf path;
    buf_init(&path);
    cli_events__path(ctx, limit, none_yet ? NULL : after, &path);
    struct cli_reply reply;
    cli_call(ctx, "GET", cli_out_cstr(&path), NULL, &reply);
    buf_free(&path);
    int rc = -1;
    if (reply.exit_code == CLI_EXIT_IO) {
        if (!*outage) cli_out_warn(ctx->color_err, "%s; retrying every second", reply.message);
        *outage = 1;
    } else if (reply.exit_code != CLI_EXIT_OK) {
        cli_out_error(ctx->color_err, reply.code, "%s", reply.message);
        rc = reply.exit_code;
    } else {
        if (*outage) cli_out_warn(ctx->color_err, "node is back");
        *outage = 0;
        cli_events__emit(ctx, json_object_get(reply.doc, "events"), none_yet, last_seq);
    }
    cli_reply_free(&reply);
    return rc;
}

static int cli_events__follow(struct cli_ctx *ctx, const json_t *first) {
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = cli_events__on_signal; /* no SA_RESTART: wake the sleep */
    sigemptyset(&sa.sa_mask);
    cli_events__stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if (!ctx->json) {
        printf("%-8s %-7s %-24s %-10s %-14s %-8s %s\n", "SEQ", "BLOCK", "TIME", "OPERATOR", "TYPE",
               "ASSET", "DATA");
    }
    long long last_seq = -1; /* event seqs start at 0 */
    cli_events__emit(ctx, json_object_get(first, "events"), 1, &last_seq);
    int rc = -1, outage = 0;
    while (rc < 0 && !cli_events__stop) {
        cli_events__wait();
        if (!cli_events__stop) rc = cli_events__poll(ctx, &last_seq, &outage);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc < 0 ? CLI_EXIT_OK : rc;
}

int cli_cmd_events(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    cli_events__path(ctx, cli_ctx_flag(ctx, "recent"), NULL, &path);
    struct cli_reply reply;
    cli_call(ctx, "GET", cli_out_cstr(&path), NULL, &reply);
    buf_free(&path);
    int follow = cli_ctx_flag(ctx, "follow") != NULL;
    int rc;
    if (follow && reply.exit_code == CLI_EXIT_OK) {
        rc = cli_events__follow(ctx, reply.doc);
    } else if (follow) {
        /* Nothing printed on stdout: a stream has no single document. */
        cli_out_error(ctx->color_err, reply.code, "%s", reply.message);
        rc = reply.exit_code;
    } else {
        rc = cli_reply_finish(ctx, &reply);
        if (rc == CLI_EXIT_OK && !ctx->json) {
            struct cli_table t;
            cli_events__head(&t);
            size_t i;
            const json_t *ev;
            json_array_foreach(json_object_get(reply.doc, "events"), i, ev) {
                cli_events__cells(&t, ev);
            }
            rc = cli_table_print(&t, stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
            cli_table_free(&t);
        }
    }
    cli_reply_free(&reply);
    return rc;
}
