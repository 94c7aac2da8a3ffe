/*
 * http.c - the HTTP front on libmicrohttpd: bodies, signatures, routing.
 *
 * One thread per connection (handlers may wait for the sequencer). The raw
 * request URI is captured before libmicrohttpd parses it, because the
 * signature covers the path and query exactly as the client sent them.
 * Bodies are collected up to 16 MiB; beyond that the request is answered
 * with ERR_BODY_TOO_LARGE and nothing more is kept.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

struct http__ctx {
    char *uri;
    struct buf body;
    int too_large;
    size_t discarded; /* bytes of an oversize body read and dropped */
    int started; /* the first call only announces the request's headers */
};

void server_error(struct server_response *out, enum err err, const char *detail) {
    char clean[LIMIT_ECHO_BYTES + 1];
    size_t n = 0;
    for (const char *p = detail; p && *p && n < LIMIT_ECHO_BYTES; p++) {
        clean[n++] = ((unsigned char)*p < 0x20 || *p == 0x7f) ? '?' : *p;
    }
    clean[n] = '\0';
    char message[256];
    snprintf(message, sizeof(message), "%s%s%s", err_message(err), n ? ": " : "", clean);
    buf_free(&out->body);
    struct jw w;
    jw_init(&w, &out->body);
    jw_object_begin(&w);
    jw_kv_bool(&w, "ok", 0);
    jw_key(&w, "error");
    jw_object_begin(&w);
    jw_kv_string(&w, "code", err_name(err));
    jw_kv_string(&w, "message", message);
    jw_object_end(&w);
    jw_object_end(&w);
    out->status = err_http_status(err);
    out->content_type = NULL;
}

static int http__hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decode src[0..len) into out; -1 on a bad escape, a NUL or overflow. */
static int http__decode(const char *src, size_t len, char *out, size_t size) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (len - i < 3) return -1;
            int hi = http__hex(src[i + 1]);
            int lo = http__hex(src[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (n + 1 >= size || c == '\0') return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return 0;
}

int server_query(const char *query, const char *key, char *out, size_t size) {
    size_t key_len = strlen(key);
    const char *p = query;
    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t name_len = eq ? (size_t)(eq - p) : len;
        if (name_len == key_len && memcmp(p, key, key_len) == 0) {
            const char *v = eq ? eq + 1 : p + len;
            return http__decode(v, (size_t)(p + len - v), out, size) == 0 ? 1 : -1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

static void *http__uri_cb(void *cls, const char *uri, struct MHD_Connection *con) {
    (void)cls;
    (void)con;
    struct http__ctx *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL) return NULL;
    ctx->uri = strdup(uri ? uri : "/");
    buf_init(&ctx->body);
    return ctx;
}

static void http__completed(void *cls, struct MHD_Connection *con, void **con_cls,
                            enum MHD_RequestTerminationCode toe) {
    (void)con;
    (void)toe;
    struct server *s = cls;
    struct http__ctx *ctx = *con_cls;
    if (ctx == NULL) return;
    if (ctx->started) __atomic_fetch_sub(&s->active_requests, 1, __ATOMIC_SEQ_CST);
    free(ctx->uri);
    buf_free(&ctx->body);
    free(ctx);
    *con_cls = NULL;
}

static enum MHD_Result http__send(struct MHD_Connection *con, struct server_response *r) {
    if (r->status == 0) r->status = 500;
    if (r->content_type == NULL) buf_put(&r->body, "\n", 1);
    size_t len = r->body.len;
    void *data = len ? r->body.data : NULL;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, data ? data : (void *)"", data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        buf_free(&r->body);
        return MHD_NO;
    }
    r->body.data = NULL; /* now owned by the response */
    buf_free(&r->body);
    MHD_add_response_header(resp, "Content-Type", r->content_type ? r->content_type : "application/json");
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}


/* Unsigned endpoints: health, readiness, metrics. */
static int http__open_route(struct server *s, const char *method, const char *path,
                            struct server_response *out) {
    if (strcmp(path, "/healthz") && strcmp(path, "/readyz") && strcmp(path, "/metrics")) return 0;
    if (strcmp(method, "GET") != 0) {
        server_error(out, ERR_METHOD_NOT_ALLOWED, method);
        return 1;
    }
    if (strcmp(path, "/metrics") == 0) {
        metrics_render(s, out);
        return 1;
    }
    if (strcmp(path, "/readyz") == 0 && (!s->ready || s->chain.broken)) {
        server_error(out, ERR_NOT_READY, s->chain.broken ? "a block could not be journaled; writes refused until restart" : NULL);
        return 1;
    }
    struct jw w;
    jw_init(&w, &out->body);
    jw_object_begin(&w);
    jw_kv_bool(&w, "ok", 1);
    if (path[1] == 'r') jw_kv_uint(&w, "height", s->chain.engine.s.height);
    jw_object_end(&w);
    out->status = 200;
    return 1;
}

/* "/api/assets/USDW/balances/0x.." -> segments after the prefix. */
static int http__split(const char *path, const char *prefix, char seg[3][64]) {
    size_t plen = strlen(prefix);
    if (strncmp(path, prefix, plen) != 0) return -1;
    const char *p = path + plen;
    int n = 0;
    while (*p && n < 3) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || len >= 64) return -1;
        memcpy(seg[n], p, len);
        seg[n][len] = '\0';
        n++;
        p = slash ? slash + 1 : p + len;
        if (slash && *p == '\0') return -1;
    }
    return *p ? -1 : n;
}

static void http__api_get(struct server *s, const struct server_request *rq,
                          struct server_response *out) {
    const char *p = rq->path;
    char seg[3][64];
    int n;
    if (strcmp(p, "/api/system/status") == 0) api_system_status(s, rq, out);
    else if (strcmp(p, "/api/contracts/status") == 0) api_contracts_status(s, rq, out);
    else if (strcmp(p, "/api/events/recent") == 0) api_events(s, rq, out);
    else if (strcmp(p, "/api/history") == 0) api_history(s, rq, out);
    else if (strcmp(p, "/api/assets") == 0) api_assets(s, rq, out);
    else if (strcmp(p, "/api/policies") == 0) api_policies(s, rq, out);
    else if (strcmp(p, "/api/operators") == 0) api_operators(s, rq, out);
    else if (strcmp(p, "/api/feeds") == 0) api_feeds(s, rq, out);
    else if (strcmp(p, "/api/proposals") == 0) api_proposals(s, rq, out);
    else if (strcmp(p, "/api/timelock") == 0) api_timelock(s, rq, out);
    else if ((n = http__split(p, "/api/assets/", seg)) == 1) api_asset(s, seg[0], out);
    else if (n == 3 && strcmp(seg[1], "balances") == 0) api_balance(s, seg[0], seg[2], out);
    else if (n == 2 && strcmp(seg[1], "nav") == 0) api_nav(s, seg[0], out);
    else if (n == 2 && strcmp(seg[1], "reserve") == 0) api_reserve(s, seg[0], out);
    else if (n == 2 && strcmp(seg[1], "por") == 0) api_por(s, seg[0], out);
    else if (n == 3 && strcmp(seg[1], "por") == 0) api_por_proof(s, seg[0], seg[2], out);
    else if (http__split(p, "/api/accounts/", seg) == 1) api_account(s, seg[0], out);
    else server_error(out, ERR_NOT_FOUND, p);
}

static void http__api(struct server *s, struct server_request *rq, struct server_response *out) {
    int is_commands = strcmp(rq->path, "/api/commands") == 0;
    if (strcmp(rq->method, is_commands ? "POST" : "GET") != 0) {
        server_error(out, ERR_METHOD_NOT_ALLOWED, rq->method);
        return;
    }
    enum err err = auth_check(s->auth, &s->chain, rq->method, rq->raw_uri, &rq->headers, rq->body,
                              rq->body_len, &rq->operator_index, &rq->time_ms, &rq->body_hash,
                              rq->pubkey);
    if (err) {
        server_error(out, err, NULL);
        return;
    }
    if (is_commands) api_commands(s, rq, out);
    else http__api_get(s, rq, out);
}

static void http__route(struct server *s, struct MHD_Connection *con, const char *method,
                        struct http__ctx *ctx, struct server_response *out) {
    char path[512];
    const char *q = strchr(ctx->uri, '?');
    size_t plen = q ? (size_t)(q - ctx->uri) : strlen(ctx->uri);
    if (plen >= sizeof(path)) {
        server_error(out, ERR_NOT_FOUND, "path too long");
        return;
    }
    memcpy(path, ctx->uri, plen);
    path[plen] = '\0';
    if (http__open_route(s, method, path, out)) return;
    if (strncmp(path, "/api/", 5) != 0) {
        server_error(out, ERR_NOT_FOUND, path);
        return;
    }
    struct server_request rq;
    memset(&rq, 0, sizeof(rq));
    rq.method = method;
    rq.path = path;
    rq.query = q ? q + 1 : "";
    rq.raw_uri = ctx->uri;
    rq.body = ctx->body.data ? ctx->body.data : (const uint8_t *)"";
    rq.body_len = ctx->body.len;
    rq.operator_index = -1;
    rq.headers.operator_name = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Mintline-Operator");
    rq.headers.time = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Mintline-Time");
    rq.headers.nonce = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Mintline-Nonce");
    rq.headers.signature = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Mintline-Signature");
    http__api(s, &rq, out);
}

static enum MHD_Result http__handler(void *cls, struct MHD_Connection *con, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls) {
    (void)url;
    (void)version;
    struct server *s = cls;
    struct http__ctx *ctx = *con_cls;
    if (ctx == NULL || ctx->uri == NULL) return MHD_NO;
    if (!ctx->started) {
        ctx->started = 1;
        __atomic_fetch_add(&s->active_requests, 1, __ATOMIC_SEQ_CST);
        if (!__atomic_load_n(&s->draining, __ATOMIC_SEQ_CST)) return MHD_YES;
        struct server_response stopping;
        memset(&stopping, 0, sizeof(stopping));
        server_error(&stopping, ERR_NOT_READY, "node is stopping");
        return http__send(con, &stopping);
    }
    if (*upload_data_size != 0) {
        if (ctx->body.len + *upload_data_size > LIMIT_BODY_BATCH_BYTES) ctx->too_large = 1;
        if (ctx->too_large) {
            ctx->discarded += *upload_data_size;
            if (ctx->discarded > LIMIT_BODY_DISCARD_BYTES) return MHD_NO; /* close */
        }
        if (!ctx->too_large) buf_put(&ctx->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct server_response out;
    memset(&out, 0, sizeof(out));
    buf_init(&out.body);
    if (ctx->too_large) server_error(&out, ERR_BODY_TOO_LARGE, "16 MiB at most");
    else if (!buf_ok(&ctx->body)) server_error(&out, ERR_INTERNAL, "out of memory");
    else http__route(s, con, method, ctx, &out);
    return http__send(con, &out);
}

static enum err http__addr(const char *listen, struct sockaddr_in *sa) {
    char host[64];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || (size_t)(colon - listen) >= sizeof(host)) return ERR_USAGE;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end != '\0' || port < 1 || port > 65535) return ERR_USAGE;
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, &sa->sin_addr) != 1) return ERR_USAGE;
    return ERR_OK;
}

enum err http_start(struct server *s, const char *listen) {
    struct sockaddr_in sa;
    enum err err = http__addr(listen, &sa);
    if (err) return err;
    s->mhd = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
            MHD_USE_ITC,
        0, NULL,
        NULL, http__handler, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_URI_LOG_CALLBACK, http__uri_cb, s, MHD_OPTION_NOTIFY_COMPLETED,
        http__completed, s, MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_END);
    return s->mhd ? ERR_OK : ERR_IO;
}

/* How long a stop waits for answers in flight before closing anyway. */
#define HTTP_DRAIN_MS 30000

void http_stop(struct server *s) {
    if (s->mhd == NULL) return;
    /* Stop accepting, refuse new requests on open connections, and let every
     * request already taken be answered: a committed command's answer must
     * reach its client, or a retrying client would apply it twice. */
    __atomic_store_n(&s->draining, 1, __ATOMIC_SEQ_CST);
    MHD_quiesce_daemon(s->mhd);
    for (int waited = 0; waited < HTTP_DRAIN_MS; waited += 10) {
        if (__atomic_load_n(&s->active_requests, __ATOMIC_SEQ_CST) == 0) break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
}
