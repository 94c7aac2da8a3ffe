/*
 * cli_call.c - resolve who signs, sign, send, and turn the answer into a
 * SPEC 8 exit code.
 *
 * The mapping: a business or input error from the node is the ledger
 * refusing (1), whatever its HTTP status below 500, 401 included; a 5xx
 * (not ready, store failure, internal) is the node being unable to serve
 * (3), even when it names an ERR_ code, so that scripts retry rather than
 * give up. No answer, or an answer that is not JSON, is 3 too.
 */
#include "cli_call.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/err.h"
#include "../base/keyfile.h"
#include "../engine/genesis.h"
#include "cli_http.h"
#include "cli_out.h"

__attribute__((format(printf, 4, 5))) static void
cli_call__fail(struct cli_reply *r, int exit_code, enum err err, const char *fmt, ...) {
    r->exit_code = exit_code;
    snprintf(r->code, sizeof(r->code), "%s", err_name(err));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
}

/* Load the operator's seed into ctx once. Returns 0 or fills r. */
enum err cli_key_path(const char *home, const char *name, char *out, size_t out_size) {
    if (!name_valid(name, strlen(name))) return ERR_INVALID_NAME;
    int n = snprintf(out, out_size, "%s/keys/%s.key", home, name);
    if (n < 0 || (size_t)n >= out_size) return ERR_IO;
    return ERR_OK;
}

static int cli_call__signer(struct cli_ctx *ctx, struct cli_reply *r) {
    if (ctx->seed_loaded) return 0;
    const char *name = ctx->operator_name;
    if (name == NULL || name[0] == '\0') {
        cli_call__fail(r, CLI_EXIT_USAGE, ERR_USAGE,
                       "no operator: pass --operator NAME or set MINTLINE_OPERATOR");
        return -1;
    }
    if (!name_valid(name, strlen(name))) {
        cli_call__fail(r, CLI_EXIT_USAGE, ERR_INVALID_NAME, "operator '%.40s'", name);
        return -1;
    }
    char path[4096];
    const char *key_path = ctx->key_path;
    if (key_path == NULL) {
        if (cli_key_path(ctx->home, name, path, sizeof(path)) != ERR_OK) {
            cli_call__fail(r, CLI_EXIT_IO, ERR_IO, "key path too long");
            return -1;
        }
        key_path = path;
    }
    char why[512] = "";
    int loose = 0;
    enum err err = keyfile_load(key_path, ctx->seed, &loose, why, sizeof(why));
    if (err && ctx->key_path == NULL && access(key_path, F_OK) != 0) {
        cli_call__fail(r, CLI_EXIT_IO, err, "%s (`mintline key new %s` makes one; or pass --key)",
                       why, name);
        return -1;
    }
    if (err) {
        cli_call__fail(r, CLI_EXIT_IO, err, "%s", why);
        return -1;
    }
    if (loose) cli_out_warn(ctx->color_err, "%s is readable by others; chmod 600 it", key_path);
    ctx->seed_loaded = 1;
    return 0;
}

static int64_t cli_call__now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* signed = prefix + path; url = origin + signed. Returns 0 or fills r. */
static int cli_call__target(const char *node_url, const char *path, struct buf *signed_path,
                            struct buf *url, struct cli_reply *r) {
    struct cli_http_base base;
    if (cli_http_base_parse(node_url, &base) != ERR_OK) {
        cli_call__fail(r, CLI_EXIT_USAGE, ERR_USAGE,
                       "--node '%.100s' is not an http:// or https:// URL", node_url);
        return -1;
    }
    buf_put(signed_path, base.prefix, strlen(base.prefix));
    buf_put(signed_path, path, strlen(path));
    buf_put(url, base.origin, strlen(base.origin));
    buf_put(url, signed_path->data, signed_path->len);
    cli_out_cstr(signed_path);
    cli_out_cstr(url);
    if (!buf_ok(signed_path) || !buf_ok(url)) {
        cli_call__fail(r, CLI_EXIT_IO, ERR_IO, "out of memory");
        return -1;
    }
    return 0;
}

/* How an exchange ended, for what cli_call may do next. */
enum cli_call__outcome {
    CLI_CALL__DONE,      /* answered, or failed in a way a retry would not mend */
    CLI_CALL__NOT_SENT,  /* the connection could not be made: nothing left */
    CLI_CALL__NO_ANSWER, /* sent, and no answer came (reset, closed, timeout) */
    CLI_CALL__OTHER_PATH /* the identical request cannot go there: another signed path */
};

/* One signed request: the path it signed and its signature headers. The
 * identical request (same nonce, time and signature) may be sent again:
 * the node answers it from the journal rather than run it twice. */
struct cli_call__signed {
    int have;
    char path[CLI_HTTP_URL_MAX];
    struct cli_http_auth auth;
};

/* One exchange with one node under sig's signature. */
static enum cli_call__outcome cli_call__exchange(struct cli_ctx *ctx, const char *node_url,
                                                 const char *method, const char *url,
                                                 const char *body,
                                                 const struct cli_call__signed *sig,
                                                 struct cli_reply *r) {
    const uint8_t *bytes = (const uint8_t *)(body != NULL ? body : "");
    size_t len = body != NULL ? strlen(body) : 0;
    struct cli_http_response resp;
    char why[512] = "";
    enum err err = cli_http_send(&ctx->curl, url, method, ctx->operator_name, &sig->auth, bytes,
                                 len, &resp, why, sizeof(why));
    if (err) {
        r->exit_code = CLI_EXIT_IO;
        snprintf(r->code, sizeof(r->code), "%s", err_name(err));
        snprintf(r->message, sizeof(r->message), "%s: %s", node_url, why);
        if (resp.not_sent) return CLI_CALL__NOT_SENT;
        return err == ERR_NODE_UNREACHABLE ? CLI_CALL__NO_ANSWER : CLI_CALL__DONE;
    }
    r->status = resp.status;
    r->raw = resp.body;
    cli_call_classify(r);
    return CLI_CALL__DONE;
}

/* Sign a fresh request for signed_path into sig. Returns 0 or fills r. */
static int cli_call__sign(struct cli_ctx *ctx, const char *method, const char *signed_path,
                          const char *body, struct cli_call__signed *sig, struct cli_reply *r) {
    const uint8_t *bytes = (const uint8_t *)(body != NULL ? body : "");
    size_t len = body != NULL ? strlen(body) : 0;
    char nonce[CLI_HTTP_NONCE_SIZE];
    cli_http_nonce(nonce);
    sig->have = 0;
    if (strlen(signed_path) >= sizeof(sig->path) ||
        cli_http_sign(ctx->seed, method, signed_path, bytes, len, cli_call__now_ms(), nonce,
                      &sig->auth) != 0) {
        cli_call__fail(r, CLI_EXIT_IO, ERR_INTERNAL, "cannot sign the request");
        return -1;
    }
    snprintf(sig->path, sizeof(sig->path), "%s", signed_path);
    sig->have = 1;
    return 0;
}

/* One call at one node URL: signed afresh into sig, or with `again` the
 * identical request sig already holds. */
static enum cli_call__outcome cli_call__at(struct cli_ctx *ctx, const char *node_url,
                                           const char *method, const char *path, const char *body,
                                           struct cli_call__signed *sig, int again,
                                           struct cli_reply *out) {
    struct buf signed_path, url;
    buf_init(&signed_path);
    buf_init(&url);
    enum cli_call__outcome outcome = CLI_CALL__DONE;
    if (cli_call__target(node_url, path, &signed_path, &url, out) == 0) {
        const char *sp = (const char *)signed_path.data;
        if (again && (!sig->have || strcmp(sp, sig->path) != 0)) {
            outcome = CLI_CALL__OTHER_PATH;
        } else if (again || cli_call__sign(ctx, method, sp, body, sig, out) == 0) {
            outcome = cli_call__exchange(ctx, node_url, method, (const char *)url.data, body, sig,
                                         out);
        }
    }
    buf_free(&signed_path);
    buf_free(&url);
    return outcome;
}

int cli_call_node_next(const char **list, char *out, size_t out_size) {
    const char *p = *list;
    while (*p == ',' || *p == ' ') p++;
    if (*p == '\0') return 0;
    const char *end = strchr(p, ',');
    size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
    *list = p + n;
    while (n > 0 && p[n - 1] == ' ') n--;
    if (n >= out_size) n = out_size - 1; /* cut: the URL check then refuses it */
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

/* The leader a follower named (error.leader of ERR_NOT_LEADER), or NULL. */
static const char *cli_call__leader(const struct cli_reply *r) {
    if (strcmp(r->code, "ERR_NOT_LEADER") != 0 || r->doc == NULL) return NULL;
    const json_t *error = json_object_get(r->doc, "error");
    const char *url = json_string_value(json_object_get(error, "leader"));
    return url != NULL && url[0] != '\0' ? url : NULL;
}

static void cli_call__reset(struct cli_reply *out) {
    cli_reply_free(out);
    memset(out, 0, sizeof(*out));
    buf_init(&out->raw);
}

/* A state change sent to `last` that got no answer may have run: send the
 * identical signed request once more, at the next URL of the list (when
 * it signs the same path) or at `last` again. The node that has it in its
 * journal answers the original result; one that has not runs it once. */
static enum cli_call__outcome cli_call__again(struct cli_ctx *ctx, const char *list,
                                              const char *last, const char *method,
                                              const char *path, const char *body,
                                              struct cli_call__signed *sig,
                                              struct cli_reply *out) {
    char next[CLI_HTTP_URL_MAX];
    enum cli_call__outcome outcome = CLI_CALL__OTHER_PATH;
    if (cli_call_node_next(&list, next, sizeof(next))) {
        cli_call__reset(out);
        outcome = cli_call__at(ctx, next, method, path, body, sig, 1, out);
    }
    if (outcome == CLI_CALL__OTHER_PATH || outcome == CLI_CALL__NOT_SENT) {
        cli_call__reset(out);
        outcome = cli_call__at(ctx, last, method, path, body, sig, 1, out);
    }
    return outcome;
}

/* --node may list several URLs (comma-separated): each is tried in order
 * while the request could not even be sent to it (nothing was sent, so
 * nothing can have run twice). A state change sent without an answer is
 * sent again once, identical (cli_call__again). A follower's
 * ERR_NOT_LEADER is followed once, to the leader it names: with a fresh
 * signature, or the identical request when an earlier one may have run. */
void cli_call(struct cli_ctx *ctx, const char *method, const char *path, const char *body,
              struct cli_reply *out) {
    memset(out, 0, sizeof(*out));
    buf_init(&out->raw);
    if (cli_call__signer(ctx, out) != 0) return;
    struct cli_call__signed sig;
    memset(&sig, 0, sizeof(sig));
    const char *list = ctx->node_url;
    char node[CLI_HTTP_URL_MAX] = "";
    int any = 0;
    enum cli_call__outcome outcome = CLI_CALL__DONE;
    while (cli_call_node_next(&list, node, sizeof(node))) {
        if (any) cli_call__reset(out);
        any = 1;
        outcome = cli_call__at(ctx, node, method, path, body, &sig, 0, out);
        if (outcome != CLI_CALL__NOT_SENT) break;
    }
    if (!any) { /* says it is no URL */
        cli_call__at(ctx, ctx->node_url, method, path, body, &sig, 0, out);
    }
    int change = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0; /* may change state */
    int sent_unanswered = outcome == CLI_CALL__NO_ANSWER && change;
    if (sent_unanswered) outcome = cli_call__again(ctx, list, node, method, path, body, &sig, out);
    if (sent_unanswered && outcome == CLI_CALL__NO_ANSWER) {
        size_t n = strlen(out->message);
        snprintf(out->message + n, sizeof(out->message) - n,
                 " (sent twice with the same nonce, no answer: it may have run once; "
                 "mintline history shows whether it did)");
    }
    const char *leader = cli_call__leader(out);
    if (leader != NULL) {
        char target[CLI_HTTP_URL_MAX];
        snprintf(target, sizeof(target), "%s", leader);
        cli_call__reset(out);
        if (cli_call__at(ctx, target, method, path, body, &sig, sent_unanswered, out) ==
            CLI_CALL__OTHER_PATH) {
            cli_call__fail(out, CLI_EXIT_IO, ERR_NODE_UNREACHABLE,
                           "%s: the leader signs another path; the request may have run: "
                           "mintline history shows whether it did", target);
        }
    }
}

/* An answer that is a JSON object: ok, or the ledger's (or node's) error. */
static void cli_call__judge(struct cli_reply *r) {
    const json_t *ok = json_object_get(r->doc, "ok");
    const json_t *error = json_object_get(r->doc, "error");
    int failed = json_is_false(ok) || json_is_object(error) || r->status >= 400;
    if (!failed) {
        r->exit_code = CLI_EXIT_OK;
        return;
    }
    r->exit_code = r->status >= 500 ? CLI_EXIT_IO : CLI_EXIT_REJECTED;
    const char *code = json_string_value(json_object_get(error, "code"));
    const char *message = json_string_value(json_object_get(error, "message"));
    if (code == NULL) {
        code = err_name(r->status >= 500 ? ERR_NODE_UNREACHABLE : ERR_INTERNAL);
    }
    snprintf(r->code, sizeof(r->code), "%s", code);
    if (message != NULL) {
        snprintf(r->message, sizeof(r->message), "%s", message);
    } else {
        snprintf(r->message, sizeof(r->message), "HTTP %ld without an error message", r->status);
    }
    cli_out_clean(r->code);
}

void cli_call_classify(struct cli_reply *r) {
    json_error_t jerr;
    r->doc = r->raw.len > 0 ? json_loadb((const char *)r->raw.data, r->raw.len, 0, &jerr) : NULL;
    if (r->doc != NULL && !json_is_object(r->doc)) {
        json_decref(r->doc);
        r->doc = NULL;
    }
    if (r->doc == NULL) {
        /* Not the node speaking: a proxy's error page, or a broken answer. */
        enum err err = r->status >= 500 || r->status == 0 ? ERR_NODE_UNREACHABLE : ERR_IO;
        r->exit_code = CLI_EXIT_IO;
        snprintf(r->code, sizeof(r->code), "%s", err_name(err));
        snprintf(r->message, sizeof(r->message), "HTTP %ld with a body that is not a JSON object",
                 r->status);
        return;
    }
    cli_call__judge(r);
}

int cli_reply_finish(const struct cli_ctx *ctx, const struct cli_reply *r) {
    if (ctx->json && r->doc != NULL) {
        if (cli_out_raw(&r->raw) != 0 || fflush(stdout) != 0) {
            cli_out_error(ctx->color_err, err_name(ERR_IO), "cannot write to stdout");
            return CLI_EXIT_IO;
        }
    }
    if (r->exit_code != CLI_EXIT_OK) {
        cli_out_error(ctx->color_err, r->code, "%s", r->message);
    }
    return r->exit_code;
}

void cli_reply_free(struct cli_reply *r) {
    buf_free(&r->raw);
    if (r->doc != NULL) json_decref(r->doc);
    r->doc = NULL;
}

void cli_call_close(struct cli_ctx *ctx) {
    sodium_memzero(ctx->seed, sizeof(ctx->seed));
    ctx->seed_loaded = 0;
    cli_http_close(ctx->curl);
    ctx->curl = NULL;
}

int cli_get(struct cli_ctx *ctx, struct buf *path, struct cli_reply *reply) {
    const char *p = cli_out_cstr(path);
    if (!buf_ok(path)) {
        memset(reply, 0, sizeof(*reply));
        cli_out_error(ctx->color_err, "ERR_INTERNAL", "out of memory");
        return CLI_EXIT_IO;
    }
    cli_call(ctx, "GET", p, NULL, reply);
    return cli_reply_finish(ctx, reply);
}

/* ---- streamed downloads (backup create, audit verify through the node) --- */

struct cli_call__stream {
    CURL *curl;
    cli_stream_fn fn;
    void *user;
    struct buf *error_body; /* a non-200 answer, kept for classification */
    int status_known;
    long status;
    int stopped;
};

static size_t cli_call__stream_write(char *data, size_t size, size_t count, void *p) {
    struct cli_call__stream *st = p;
    size_t n = size * count;
    if (!st->status_known) {
        curl_easy_getinfo(st->curl, CURLINFO_RESPONSE_CODE, &st->status);
        st->status_known = 1;
    }
    if (st->status != 200) {
        if (st->error_body->len + n > CLI_HTTP_RESPONSE_MAX) return 0;
        buf_put(st->error_body, data, n);
        return buf_ok(st->error_body) ? n : 0;
    }
    if (st->fn(st->user, data, n) != 0) {
        st->stopped = 1;
        return 0;
    }
    return n;
}

static void cli_call__stream_perform(struct cli_ctx *ctx, const char *signed_path, const char *url,
                                     cli_stream_fn fn, void *user, struct cli_reply *r) {
    char nonce[CLI_HTTP_NONCE_SIZE];
    cli_http_nonce(nonce);
    struct cli_http_auth auth;
    if (cli_http_sign(ctx->seed, "GET", signed_path, (const uint8_t *)"", 0, cli_call__now_ms(),
                      nonce, &auth) != 0) {
        cli_call__fail(r, CLI_EXIT_IO, ERR_INTERNAL, "cannot sign the request");
        return;
    }
    if (ctx->curl == NULL) ctx->curl = curl_easy_init();
    CURL *c = ctx->curl;
    if (c == NULL) {
        cli_call__fail(r, CLI_EXIT_IO, ERR_IO, "cannot start the HTTP client");
        return;
    }
    curl_easy_reset(c);
    char h[4][300];
    snprintf(h[0], sizeof(h[0]), "Mintline-Operator: %s", ctx->operator_name);
    snprintf(h[1], sizeof(h[1]), "Mintline-Time: %s", auth.time_ms);
    snprintf(h[2], sizeof(h[2]), "Mintline-Nonce: %s", auth.nonce);
    snprintf(h[3], sizeof(h[3]), "Mintline-Signature: %s", auth.signature);
    struct curl_slist *headers = NULL;
    for (int i = 0; i < 4; i++) {
        struct curl_slist *next = curl_slist_append(headers, h[i]);
        if (next) headers = next;
    }
    struct cli_http_sink unused = {&r->raw, 0, 0};
    /* No overall timeout: a big download takes as long as it takes; a
     * node that sends nothing for a minute is given up on. */
    cli_http_setup(c, url, CLI_HTTP_CONNECT_TIMEOUT_MS, 0L, "mintline-cli", &unused);
    struct cli_call__stream st = {c, fn, user, &r->raw, 0, 0, 0};
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, cli_call__stream_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (st.stopped) {
        cli_call__fail(r, CLI_EXIT_IO, ERR_IO, "stopped by the reader");
    } else if (rc != CURLE_OK && r->status == 200) {
        cli_call__fail(r, CLI_EXIT_IO, ERR_NODE_UNREACHABLE, "%s: the download was cut: %s",
                       ctx->node_url, curl_easy_strerror(rc));
    } else if (rc != CURLE_OK) {
        cli_call__fail(r, CLI_EXIT_IO, ERR_NODE_UNREACHABLE, "%s: %s", ctx->node_url,
                       curl_easy_strerror(rc));
    } else if (r->status != 200) {
        cli_call_classify(r);
        if (r->exit_code == CLI_EXIT_OK) cli_call__fail(r, CLI_EXIT_IO, ERR_IO, "HTTP %ld", r->status);
    } else {
        r->exit_code = CLI_EXIT_OK;
    }
}

void cli_call_stream(struct cli_ctx *ctx, const char *path, cli_stream_fn fn, void *user,
                     struct cli_reply *out) {
    memset(out, 0, sizeof(*out));
    buf_init(&out->raw);
    if (cli_call__signer(ctx, out) != 0) return;
    struct buf signed_path, url;
    buf_init(&signed_path);
    buf_init(&url);
    char node[CLI_HTTP_URL_MAX];
    const char *list = ctx->node_url;
    if (!cli_call_node_next(&list, node, sizeof(node))) snprintf(node, sizeof(node), "%s", "");
    if (cli_call__target(node, path, &signed_path, &url, out) == 0) {
        cli_call__stream_perform(ctx, (const char *)signed_path.data, (const char *)url.data, fn,
                                 user, out);
    }
    buf_free(&signed_path);
    buf_free(&url);
}
