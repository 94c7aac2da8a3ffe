/*
 * cli_cmd_api.c - `mintline api METHOD PATH [BODY]` (a raw signed request,
 * like `gh api`) and `mintline batch FILE` (a JSON-lines file of commands
 * submitted as one signed batch, SPEC 7).
 *
 * api prints the node's answer as received, whatever its status, and exits
 * as every command does: 0 for 2xx, 4 for 202 (pending), 1 for the ledger
 * refusing, 3 for 5xx or no answer. batch prints one line per command:
 * its index in the batch, its line in the file, its result.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/limits.h"
#include "../node/node_internal.h"
#include "cli_args.h"
#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_out.h"

/* ---- api ------------------------------------------------------------------ */

static int cli_api__method(const char *in, char *out, size_t out_size) {
    size_t len = strlen(in);
    if (len == 0 || len >= out_size) return -1;
    for (size_t i = 0; i <= len; i++) out[i] = (char)toupper((unsigned char)in[i]);
    static const char *const known[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(out, known[i]) == 0) return 0;
    }
    return -1;
}

/* The body: the argument, or stdin for "-"; checked to be JSON. NULL with
 * *rc set when it cannot be had. */
static char *cli_api__body(const struct cli_ctx *ctx, const char *arg, int *rc) {
    char *text = NULL;
    size_t len = 0;
    if (strcmp(arg, "-") == 0) {
        if (node_read_file("-", LIMIT_BODY_BATCH_BYTES, &text, &len) != ERR_OK) {
            cli_out_error(ctx->color_err, err_name(ERR_IO), "cannot read the body from stdin (or it is over 16 MiB)");
            *rc = CLI_EXIT_IO;
            return NULL;
        }
    } else {
        text = strdup(arg);
        len = text != NULL ? strlen(text) : 0;
        if (text == NULL) {
            cli_out_error(ctx->color_err, err_name(ERR_INTERNAL), "out of memory");
            *rc = CLI_EXIT_IO;
            return NULL;
        }
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    if (doc == NULL) {
        free(text);
        char what[300];
        snprintf(what, sizeof(what), "BODY is not JSON: %s (line %d)", jerr.text, jerr.line);
        *rc = cli_cmd_usage_error(ctx, what);
        return NULL;
    }
    json_decref(doc);
    return text;
}

int cli_cmd_api(struct cli_ctx *ctx) {
    char method[16];
    const char *m = cli_ctx_pos(ctx, 0);
    if (cli_api__method(m, method, sizeof(method)) != 0) {
        char what[128];
        snprintf(what, sizeof(what), "unknown METHOD '%.20s' (GET, POST, PUT, PATCH, DELETE, HEAD)", m);
        return cli_cmd_usage_error(ctx, what);
    }
    const char *p = cli_ctx_pos(ctx, 1);
    if (p[0] == '\0' || strchr(p, ' ') != NULL || strchr(p, '\n') != NULL) {
        return cli_cmd_usage_error(ctx, "PATH is a path like /api/status (percent-encoded, no spaces)");
    }
    struct buf path;
    buf_init(&path);
    if (p[0] != '/') buf_put_u8(&path, '/'); /* `api api/status` as gh accepts it */
    buf_put(&path, p, strlen(p));
    char *body = NULL;
    int rc = CLI_EXIT_OK;
    const char *arg = cli_ctx_pos(ctx, 2);
    if (arg != NULL && (body = cli_api__body(ctx, arg, &rc)) == NULL) {
        buf_free(&path);
        return rc;
    }
    struct cli_reply reply;
    const char *target = cli_out_cstr(&path);
    if (!buf_ok(&path)) {
        buf_free(&path);
        free(body);
        cli_out_error(ctx->color_err, err_name(ERR_INTERNAL), "out of memory");
        return CLI_EXIT_IO;
    }
    cli_call(ctx, method, target, body, &reply);
    rc = reply.exit_code;
    int text_ok = reply.status >= 200 && reply.status < 300 && reply.doc == NULL && reply.raw.len > 0;
    if (text_ok) rc = CLI_EXIT_OK; /* /metrics and other text answers */
    if (reply.status == 202 && rc == CLI_EXIT_OK) rc = CLI_EXIT_PENDING;
    if (reply.raw.len > 0 && reply.status > 0) {
        if (cli_out_raw(&reply.raw) != 0 || fflush(stdout) != 0) rc = CLI_EXIT_IO;
        /* A JSON document ends with a newline on a terminal-friendly stdout. */
        if (reply.raw.data[reply.raw.len - 1] != '\n') putchar('\n');
    }
    if (reply.exit_code != CLI_EXIT_OK && !text_ok) cli_out_error(ctx->color_err, reply.code, "%s", reply.message);
    cli_reply_free(&reply);
    buf_free(&path);
    free(body);
    return rc;
}

/* ---- batch ---------------------------------------------------------------- */

struct cli_batch__file {
    json_t *commands; /* array */
    size_t *lines;    /* the file line of each command */
    size_t count;
};

/* Parse the JSON-lines text: each line that is not blank (or a '#'
 * comment) is one command object. An exit code; a usage error names the
 * line. */
static int cli_batch__parse(const struct cli_ctx *ctx, char *text, size_t len, struct cli_batch__file *f) {
    f->commands = json_array();
    f->lines = NULL;
    f->count = 0;
    size_t cap = 0, line = 0;
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl != NULL ? nl : end;
        line++;
        char *s = p;
        while (s < stop && isspace((unsigned char)*s)) s++;
        if (s < stop && *s != '#') {
            json_error_t jerr;
            json_t *cmd = json_loadb(s, (size_t)(stop - s), JSON_REJECT_DUPLICATES, &jerr);
            char what[300];
            if (cmd == NULL || !json_is_object(cmd)) {
                snprintf(what, sizeof(what), "line %zu: not a JSON command object%s%s", line,
                         cmd == NULL ? ": " : "", cmd == NULL ? jerr.text : "");
                json_decref(cmd);
                return cli_cmd_usage_error(ctx, what);
            }
            if (!json_is_string(json_object_get(cmd, "op"))) {
                snprintf(what, sizeof(what), "line %zu: a command needs \"op\"", line);
                json_decref(cmd);
                return cli_cmd_usage_error(ctx, what);
            }
            if (f->count == LIMIT_BATCH_COMMANDS) {
                json_decref(cmd);
                snprintf(what, sizeof(what), "more than %u commands (split the file)", LIMIT_BATCH_COMMANDS);
                return cli_cmd_usage_error(ctx, what);
            }
            if (f->count == cap) {
                cap = cap ? cap * 2 : 64;
                size_t *grown = realloc(f->lines, cap * sizeof(*grown));
                if (grown == NULL) {
                    json_decref(cmd);
                    cli_out_error(ctx->color_err, err_name(ERR_INTERNAL), "out of memory");
                    return CLI_EXIT_IO;
                }
                f->lines = grown;
            }
            f->lines[f->count++] = line;
            if (json_array_append_new(f->commands, cmd) != 0) return CLI_EXIT_IO;
        }
        p = nl != NULL ? nl + 1 : end;
    }
    if (f->count == 0) return cli_cmd_usage_error(ctx, "the file holds no command");
    return CLI_EXIT_OK;
}

/* One result's text: "ok seq 12 block 4", "pending proposal 3", "ERR_…: …". */
static void cli_batch__result(const json_t *r, struct buf *out, int *failed, int *pending) {
    char a[160], b[512];
    const json_t *pend = json_object_get(r, "pending");
    const json_t *error = json_object_get(r, "error");
    if (json_is_object(error) || json_is_false(json_object_get(r, "ok"))) {
        *failed = 1;
        cli_out_text(json_object_get(error, "code"), a, sizeof(a));
        cli_out_text(json_object_get(error, "message"), b, sizeof(b));
        buf_put(out, a, strlen(a));
        buf_put(out, ": ", 2);
        buf_put(out, b, strlen(b));
        return;
    }
    if (json_is_object(pend)) {
        *pending = 1;
        const json_t *prop = json_object_get(pend, "proposal");
        cli_out_text(prop != NULL ? prop : json_object_get(pend, "timelock"), a, sizeof(a));
        int n = snprintf(b, sizeof(b), "pending: %s %s", prop != NULL ? "proposal" : "timelock", a);
        if (prop == NULL) {
            char eta[64];
            cli_out_text(json_object_get(pend, "eta"), eta, sizeof(eta));
            n = snprintf(b, sizeof(b), "pending: timelock %s, eta %s", a, eta);
        }
        buf_put(out, b, n > 0 ? (size_t)n : 0);
        return;
    }
    if (json_is_true(json_object_get(r, "dry_run"))) {
        size_t nev = json_array_size(json_object_get(r, "events"));
        const json_t *wb = json_object_get(r, "would_be");
        int n = snprintf(b, sizeof(b), "ok (dry run, %zu event%s%s)", nev, nev == 1 ? "" : "s",
                         json_object_get(wb, "proposal") != NULL   ? ", would be a proposal"
                         : json_object_get(wb, "timelock") != NULL ? ", would be a timelock entry"
                                                                   : "");
        buf_put(out, b, n > 0 ? (size_t)n : 0);
        return;
    }
    cli_out_text(json_object_get(r, "seq"), a, sizeof(a));
    char block[64];
    cli_out_text(json_object_get(r, "block"), block, sizeof(block));
    int n = snprintf(b, sizeof(b), "ok seq %s block %s", a, block);
    buf_put(out, b, n > 0 ? (size_t)n : 0);
}

static int cli_batch__print_full(const struct cli_batch__file *f, const json_t *doc) {
    const json_t *results = json_object_get(doc, "results");
    int failed = 0, pending = 0;
    struct cli_table t;
    cli_table_init(&t, 3);
    cli_table_cell(&t, "INDEX");
    cli_table_cell(&t, "LINE");
    cli_table_cell(&t, "RESULT");
    for (size_t i = 0; i < json_array_size(results); i++) {
        char idx[32], line[32];
        snprintf(idx, sizeof(idx), "%zu", i);
        snprintf(line, sizeof(line), "%zu", i < f->count ? f->lines[i] : 0);
        struct buf text;
        buf_init(&text);
        cli_batch__result(json_array_get(results, i), &text, &failed, &pending);
        cli_table_cell(&t, idx);
        cli_table_cell(&t, line);
        cli_table_cell(&t, cli_out_cstr(&text));
        buf_free(&text);
    }
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    if (rc != 0) return CLI_EXIT_IO;
    return failed ? CLI_EXIT_REJECTED : pending ? CLI_EXIT_PENDING : CLI_EXIT_OK;
}

/* SPEC 7's compact answer: {"block", "first_seq", "count", "failed": [...]}. */
static int cli_batch__print_compact(const struct cli_batch__file *f, const json_t *doc) {
    const json_t *failed = json_object_get(doc, "failed");
    char block[32], first[32], count[32];
    cli_out_text(json_object_get(doc, "block"), block, sizeof(block));
    cli_out_text(json_object_get(doc, "first_seq"), first, sizeof(first));
    cli_out_text(json_object_get(doc, "count"), count, sizeof(count));
    size_t nfail = json_array_size(failed);
    printf("%s command%s in block %s from seq %s: %zu ok, %zu failed\n", count,
           strcmp(count, "1") == 0 ? "" : "s", block, first, f->count - nfail, nfail);
    int failed_seen = 0, pending = 0;
    for (size_t i = 0; i < nfail; i++) {
        const json_t *e = json_array_get(failed, i);
        json_int_t idx = json_integer_value(json_object_get(e, "index"));
        struct buf text;
        buf_init(&text);
        cli_batch__result(e, &text, &failed_seen, &pending);
        printf("  %lld (line %zu) %s\n", (long long)idx,
               idx >= 0 && (size_t)idx < f->count ? f->lines[idx] : 0, cli_out_cstr(&text));
        buf_free(&text);
    }
    return nfail > 0 ? CLI_EXIT_REJECTED : CLI_EXIT_OK;
}

/* Send the batch; with compact, fall back to the full answer from a node
 * that does not know "reply" yet. */
static void cli_batch__send(struct cli_ctx *ctx, const struct cli_batch__file *f, int compact,
                            struct cli_reply *reply) {
    json_t *body = json_pack("{s:O}", "commands", f->commands);
    if (body != NULL && cli_ctx_flag(ctx, "atomic") != NULL) json_object_set_new(body, "atomic", json_true());
    if (body != NULL && ctx->dry_run) json_object_set_new(body, "dry_run", json_true());
    if (body != NULL && compact) json_object_set_new(body, "reply", json_string("errors"));
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL) {
        memset(reply, 0, sizeof(*reply));
        reply->exit_code = CLI_EXIT_IO;
        snprintf(reply->code, sizeof(reply->code), "%s", err_name(ERR_INTERNAL));
        snprintf(reply->message, sizeof(reply->message), "out of memory");
        return;
    }
    cli_call(ctx, "POST", "/api/commands", text, reply);
    free(text);
    if (compact && reply->exit_code == CLI_EXIT_REJECTED && strcmp(reply->code, "ERR_UNKNOWN_FIELD") == 0 &&
        strstr(reply->message, "reply") != NULL) {
        cli_reply_free(reply);
        cli_out_warn(ctx->color_err, "the node does not know compact answers; showing the full one");
        cli_batch__send(ctx, f, 0, reply);
    }
}

int cli_cmd_batch(struct cli_ctx *ctx) {
    const char *file = cli_ctx_pos(ctx, 0);
    char *text = NULL;
    size_t len = 0;
    if (node_read_file(file, LIMIT_BODY_BATCH_BYTES, &text, &len) != ERR_OK) {
        cli_out_error(ctx->color_err, err_name(ERR_IO), "cannot read %s (or it is over 16 MiB)",
                      strcmp(file, "-") == 0 ? "stdin" : file);
        return CLI_EXIT_IO;
    }
    struct cli_batch__file f;
    int rc = cli_batch__parse(ctx, text, len, &f);
    free(text);
    if (rc == CLI_EXIT_OK) {
        struct cli_reply reply;
        cli_batch__send(ctx, &f, cli_ctx_flag(ctx, "compact") != NULL, &reply);
        rc = cli_reply_finish(ctx, &reply);
        if (rc == CLI_EXIT_OK) {
            const json_t *doc = reply.doc;
            int compact = json_is_array(json_object_get(doc, "failed")) && json_object_get(doc, "results") == NULL;
            if (ctx->json) {
                /* the document was printed; the exit code still says how it went */
                int failed = 0, pending = 0;
                const json_t *results = json_object_get(doc, "results");
                for (size_t i = 0; i < json_array_size(results); i++) {
                    struct buf t;
                    buf_init(&t);
                    cli_batch__result(json_array_get(results, i), &t, &failed, &pending);
                    buf_free(&t);
                }
                if (compact) failed = json_array_size(json_object_get(doc, "failed")) > 0;
                rc = failed ? CLI_EXIT_REJECTED : pending ? CLI_EXIT_PENDING : CLI_EXIT_OK;
            } else {
                rc = compact ? cli_batch__print_compact(&f, doc) : cli_batch__print_full(&f, doc);
            }
        }
        cli_reply_free(&reply);
    }
    json_decref(f.commands);
    free(f.lines);
    return rc;
}
