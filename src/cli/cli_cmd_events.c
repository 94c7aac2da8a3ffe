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
#include <strings.h>
#include <time.h>

#include "../base/limits.h"
#include "../engine/event.h"
#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_http.h"
#include "cli_out.h"
#include "cli_suggest.h"

#define CLI_EVENTS_POLL_MS 1000L

static volatile sig_atomic_t cli_events__stop;

static void cli_events__on_signal(int sig) {
    (void)sig;
    cli_events__stop = 1;
}

/* GET /api/events/recent with the filters (type as checked by
 * cli_events__type); limit and after_seq as given. */
static void cli_events__path(const struct cli_ctx *ctx, const char *type, const char *limit,
                             const char *after, struct buf *path) {
    buf_put(path, "/api/events/recent", 18);
    cli_http_query(path, "limit", limit);
    cli_http_query(path, "type", type);
    cli_http_query(path, "asset", cli_ctx_flag(ctx, "asset"));
    cli_http_query(path, "after_seq", after);
}

/* The columns before DATA, their minimum widths (an ISO time with
 * milliseconds, a seq, an operator name, the longer event type names, a
 * symbol), so that a followed stream stays aligned without knowing the
 * events yet to come. */
#define CLI_EVENTS_COLS 5u
#define CLI_EVENTS_CELL 96u

static const char *const cli_events__heads[CLI_EVENTS_COLS + 1] = {"TIME",  "SEQ",   "OPERATOR",
                                                                    "TYPE",  "ASSET", "DATA"};
static const int cli_events__min[CLI_EVENTS_COLS] = {24, 5, 8, 17, 5};

struct cli_events_widths {
    int w[CLI_EVENTS_COLS];
};

/* A data value as text: scalars as cli_out_text gives them, an array's
 * items joined by commas, quoted when it holds a space, a quote or an
 * '=' (or is empty), so that key=value pairs read back unambiguously. */
static void cli_events__value(const json_t *v, struct buf *out) {
    char text[CLI_EVENTS_CELL * 2];
    if (json_is_array(v)) {
        size_t i;
        const json_t *item;
        struct buf joined;
        buf_init(&joined);
        json_array_foreach(v, i, item) {
            if (i > 0) buf_put(&joined, ",", 1);
            cli_out_text(item, text, sizeof(text));
            buf_put(&joined, text, strlen(text));
        }
        snprintf(text, sizeof(text), "%s", json_array_size(v) ? cli_out_cstr(&joined) : "-");
        buf_free(&joined);
    } else {
        cli_out_text(v, text, sizeof(text));
    }
    if (text[0] != '\0' && strpbrk(text, " \"=\\") == NULL) {
        buf_put(out, text, strlen(text));
        return;
    }
    buf_put(out, "\"", 1);
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\') buf_put(out, "\\", 1);
        buf_put(out, p, 1);
    }
    buf_put(out, "\"", 1);
}

/* An event's data as "key=value key=value" ("-" when it has none). */
static void cli_events__data(const json_t *data, struct buf *out) {
    const char *key;
    json_t *value;
    size_t before = out->len;
    if (json_is_object(data)) {
        json_object_foreach((json_t *)data, key, value) {
            if (out->len > before) buf_put(out, " ", 1);
            buf_put(out, key, strlen(key));
            buf_put(out, "=", 1);
            cli_events__value(value, out);
        }
    }
    if (out->len == before) buf_put(out, "-", 1);
}

/* The cells of one event: time, the seq of the command that emitted it
 * (what `history` shows; an older node's event seq when absent),
 * operator, type, asset. */
static void cli_events__cells(const json_t *ev, char cells[CLI_EVENTS_COLS][CLI_EVENTS_CELL]) {
    static const char *const keys[CLI_EVENTS_COLS] = {"time", "command_seq", "operator", "type",
                                                      "asset"};
    for (unsigned k = 0; k < CLI_EVENTS_COLS; k++) {
        const json_t *v = json_object_get(ev, keys[k]);
        if (k == 1 && v == NULL) v = json_object_get(ev, "seq");
        cli_out_text(v, cells[k], CLI_EVENTS_CELL);
    }
}

static void cli_events__widths_init(struct cli_events_widths *w) {
    for (unsigned k = 0; k < CLI_EVENTS_COLS; k++) w->w[k] = cli_events__min[k];
}

/* Widen w to hold every event of the array. */
static void cli_events__widths_fit(struct cli_events_widths *w, const json_t *events) {
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev) {
        char cells[CLI_EVENTS_COLS][CLI_EVENTS_CELL];
        cli_events__cells(ev, cells);
        for (unsigned k = 0; k < CLI_EVENTS_COLS; k++) {
            int len = (int)strlen(cells[k]);
            if (len > w->w[k]) w->w[k] = len;
        }
    }
}

/* One aligned line: the columns padded to their widths and two spaces
 * apart (a longer value still leaves two), DATA last and unpadded. */
static void cli_events__print(const struct cli_events_widths *w,
                              const char *const cells[CLI_EVENTS_COLS + 1]) {
    for (unsigned k = 0; k < CLI_EVENTS_COLS; k++) printf("%-*s  ", w->w[k], cells[k]);
    printf("%s\n", cells[CLI_EVENTS_COLS]);
}

static void cli_events__head(const struct cli_events_widths *w) {
    cli_events__print(w, cli_events__heads);
}

/* An event as one aligned line, or with --json as one compact object. */
static void cli_events__line(const struct cli_ctx *ctx, const struct cli_events_widths *w,
                             const json_t *ev) {
    if (ctx->json) {
        char *text = json_dumps(ev, JSON_COMPACT);
        if (text != NULL) printf("%s\n", text);
        free(text);
        return;
    }
    char cells[CLI_EVENTS_COLS][CLI_EVENTS_CELL];
    cli_events__cells(ev, cells);
    struct buf data;
    buf_init(&data);
    cli_events__data(json_object_get(ev, "data"), &data);
    const char *row[CLI_EVENTS_COLS + 1] = {cells[0], cells[1], cells[2], cells[3], cells[4],
                                            cli_out_cstr(&data)};
    cli_events__print(w, row);
    buf_free(&data);
}

/* A stream being followed: its filter, its columns, the newest event seq
 * seen (-1: none yet; event seqs start at 0) and whether the node is away. */
struct cli_events_follow {
    const char *type;
    struct cli_events_widths widths;
    long long last_seq;
    int outage;
};

/* Print a batch of events oldest first; newest_first says the order the
 * node gave. Keeps f->last_seq at the highest event seq seen. */
static void cli_events__emit(const struct cli_ctx *ctx, struct cli_events_follow *f,
                             const json_t *events, int newest_first) {
    size_t n = json_array_size(events);
    for (size_t k = 0; k < n; k++) {
        const json_t *ev = json_array_get(events, newest_first ? n - 1 - k : k);
        cli_events__line(ctx, &f->widths, ev);
        const json_t *seq = json_object_get(ev, "seq");
        if (json_is_integer(seq) && json_integer_value(seq) > f->last_seq) {
            f->last_seq = json_integer_value(seq);
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

/* One poll after f->last_seq (none seen yet: ask for the newest, which
 * come newest first). Returns -1 to go on, or an exit code to stop. */
static int cli_events__poll(struct cli_ctx *ctx, struct cli_events_follow *f) {
    char after[32], limit[16];
    int none_yet = f->last_seq < 0;
    snprintf(after, sizeof(after), "%lld", f->last_seq);
    snprintf(limit, sizeof(limit), "%u", LIMIT_READ_ROWS);
    struct buf path;
    buf_init(&path);
    cli_events__path(ctx, f->type, limit, none_yet ? NULL : after, &path);
    struct cli_reply reply;
    cli_call(ctx, "GET", cli_out_cstr(&path), NULL, &reply);
    buf_free(&path);
    int rc = -1;
    if (reply.exit_code == CLI_EXIT_IO) {
        if (!f->outage) cli_out_warn(ctx->color_err, "%s; retrying every second", reply.message);
        f->outage = 1;
    } else if (reply.exit_code != CLI_EXIT_OK) {
        cli_out_error(ctx->color_err, reply.code, "%s", reply.message);
        rc = reply.exit_code;
    } else {
        if (f->outage) cli_out_warn(ctx->color_err, "node is back");
        f->outage = 0;
        cli_events__emit(ctx, f, json_object_get(reply.doc, "events"), none_yet);
    }
    cli_reply_free(&reply);
    return rc;
}

/* The columns are as wide as the first batch needs (at least the
 * minimums) and stay so: later lines keep two spaces between columns
 * even when a value is longer. */
static int cli_events__follow(struct cli_ctx *ctx, const char *type, const json_t *first) {
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = cli_events__on_signal; /* no SA_RESTART: wake the sleep */
    sigemptyset(&sa.sa_mask);
    cli_events__stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    struct cli_events_follow f = {.type = type, .last_seq = -1};
    cli_events__widths_init(&f.widths);
    cli_events__widths_fit(&f.widths, json_object_get(first, "events"));
    if (!ctx->json) cli_events__head(&f.widths);
    cli_events__emit(ctx, &f, json_object_get(first, "events"), 1);
    int rc = -1;
    while (rc < 0 && !cli_events__stop) {
        cli_events__wait();
        if (!cli_events__stop) rc = cli_events__poll(ctx, &f);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc < 0 ? CLI_EXIT_OK : rc;
}

/* The event types, wrapped, on stderr after the error line. */
static void cli_events__types_list(void) {
    fprintf(stderr, "valid types:");
    size_t col = 12;
    for (unsigned i = 0; i < EVENT__COUNT; i++) {
        const char *name = event_type_name((enum event_type)i);
        if (col + 1 + strlen(name) > 79) {
            fprintf(stderr, "\n ");
            col = 1;
        }
        fprintf(stderr, " %s", name);
        col += 1 + strlen(name);
    }
    fprintf(stderr, "\n");
}

/* --type T checked against the event types before the node is asked: an
 * exact name, or one differing only in case ("mint" is Mint), as *out.
 * Anything else is a usage error naming the closest types and listing
 * them all. Returns 0, or CLI_EXIT_USAGE. */
static int cli_events__type(const struct cli_ctx *ctx, const char *typed, const char **out) {
    *out = typed;
    if (typed == NULL) return 0;
    const char *names[EVENT__COUNT];
    for (unsigned i = 0; i < EVENT__COUNT; i++) {
        names[i] = event_type_name((enum event_type)i);
        if (strcasecmp(names[i], typed) == 0) {
            *out = names[i];
            return 0;
        }
    }
    char close[256];
    size_t n = cli_suggest_text(typed, names, EVENT__COUNT, "", close, sizeof(close));
    cli_out_error(ctx->color_err, err_name(ERR_INVALID_ARGUMENT),
                  "events: unknown event type '%.40s'%s%s%s", typed, n ? " (did you mean " : "",
                  close, n ? "?)" : "");
    cli_events__types_list();
    return CLI_EXIT_USAGE;
}

/* The recent events as an aligned table: TIME SEQ OPERATOR TYPE ASSET DATA. */
static int cli_events__table(const json_t *events) {
    struct cli_events_widths w;
    cli_events__widths_init(&w);
    cli_events__widths_fit(&w, events);
    const struct cli_ctx plain = {0};
    cli_events__head(&w);
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev) cli_events__line(&plain, &w, ev);
    return fflush(stdout) == 0 && !ferror(stdout) ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_cmd_events(struct cli_ctx *ctx) {
    const char *type;
    int rc = cli_events__type(ctx, cli_ctx_flag(ctx, "type"), &type);
    if (rc != 0) return rc;
    struct buf path;
    buf_init(&path);
    cli_events__path(ctx, type, cli_ctx_flag(ctx, "recent"), NULL, &path);
    struct cli_reply reply;
    cli_call(ctx, "GET", cli_out_cstr(&path), NULL, &reply);
    buf_free(&path);
    int follow = cli_ctx_flag(ctx, "follow") != NULL;
    if (follow && reply.exit_code == CLI_EXIT_OK) {
        rc = cli_events__follow(ctx, type, reply.doc);
    } else if (follow) {
        /* Nothing printed on stdout: a stream has no single document. */
        cli_out_error(ctx->color_err, reply.code, "%s", reply.message);
        rc = reply.exit_code;
    } else {
        rc = cli_reply_finish(ctx, &reply);
        if (rc == CLI_EXIT_OK && !ctx->json) {
            rc = cli_events__table(json_object_get(reply.doc, "events"));
        }
    }
    cli_reply_free(&reply);
    return rc;
}
