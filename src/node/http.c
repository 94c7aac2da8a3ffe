/*
 * http.c - the HTTP front on libmicrohttpd: admission, bodies, signatures,
 * routing, and the connections themselves.
 *
 * One thread per connection (handlers may wait for the sequencer), at most
 * LIMIT_HTTP_CONNECTIONS. The raw request URI is captured before
 * libmicrohttpd parses it, because the signature covers the path and query
 * exactly as the client sent them.
 *
 * Admission, when the headers are in and before a byte of body is read
 * (the first call of the access handler): the framing (one Content-Length
 * at most, no Transfer-Encoding), the route and method (a GET carries no
 * body), the signature headers (present, well formed, operator known, time
 * in the window: auth_precheck), the body's size for its path, and a
 * reservation of its declared length in LIMIT_HTTP_UNVERIFIED_BYTES, the
 * budget of bodies held before their signature is checked; the body is
 * then read into a buffer of exactly that size. A request refused there is
 * answered at once and its connection closed with the body unread, except
 * when its signature headers passed (a signed client's body over the limit,
 * or ERR_OVERLOADED): then the body is read and dropped, never kept, up to
 * LIMIT_BODY_DISCARD_BYTES, so that the client reads its answer. The
 * reservation is returned once the signature verifies or the request ends.
 * A body of at most LIMIT_HTTP_SMALL_BODY_BYTES is admitted outside the
 * budget (the connection limit bounds those), so that a command such as an
 * emergency pause gets in while forged headers hold the budget.
 *
 * Connections: every open connection is listed, oldest first. While its
 * request is complete and being answered it is busy; otherwise (idle,
 * reading headers, sending a body not yet verified) it may be evicted:
 * when more than LIMIT_HTTP_CONNECTIONS - LIMIT_HTTP_CONNECTIONS_SPARE are
 * open, each new connection shuts the oldest evictable one down, so idle
 * or slow clients never hold every slot and /healthz and signed requests
 * always get in. libmicrohttpd closes a socket only after its CLOSED
 * notification, which unlists it under the same lock, so a descriptor
 * shut down is always the listed connection's own. A connection where no
 * byte moves for LIMIT_HTTP_IDLE_TIMEOUT_S is closed; while a request is
 * answered it has no timeout, so a slow block cannot cost a client its
 * answer.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include "console.h"
#include "ha.h"
#include "server.h"

/* Bodies from this size up are mapped, in whole MiB, so their memory goes
 * back to the system rather than to malloc's arenas; up to
 * HTTP__KEEP_BODIES freed mappings are kept for the next bodies of their
 * size (a batch's 2 MB body cost ~520 page faults of a fresh mapping, a
 * fifth of the node's CPU per transfer on this kind of guest). What is
 * kept is bounded: HTTP__KEEP_BODIES * LIMIT_BODY_BATCH_BYTES at most. */
#define HTTP__MAP_MIN_BYTES (64u << 10)
#define HTTP__MAP_ROUND ((size_t)1 << 20)
#define HTTP__KEEP_BODIES 4

/* Each connection's memory in libmicrohttpd (its read buffer lives in it):
 * at the default 32 KiB a 2 MB body came in ~75 reads, each a recv and a
 * select (syscalls are microseconds on this kind of guest); at 256 KiB
 * ~12. Touched only as a large body fills it; at most 512 connections. */
#define HTTP__CONN_MEMORY ((size_t)256u << 10)

/* ---- connections ------------------------------------------------------- */

enum http__conn_state {
    HTTP__CONN_OPEN,    /* idle, reading a request, or sending an unverified body */
    HTTP__CONN_BUSY,    /* its request is complete and being answered */
    HTTP__CONN_EVICTED, /* shut down to make room; closing */
};

struct http__conn {
    struct http__conn *prev;
    struct http__conn *next;
    int fd;
    enum http__conn_state state;
};

struct http_conns {
    pthread_mutex_t mu;
    struct http__conn *head; /* the oldest */
    struct http__conn *tail;
    uint32_t open;           /* listed and not evicted */
    uint64_t evicted_total;
    size_t unverified_bytes; /* reserved by admitted bodies not yet verified */
    void *kept[HTTP__KEEP_BODIES]; /* freed body mappings (HTTP__MAP_MIN_BYTES) */
    size_t kept_size[HTTP__KEEP_BODIES];
    uint32_t kept_count;
};

/* Shut the oldest evictable connection other than newest down. Caller
 * holds the lock. Returns 0 when every other one is busy. */
static int http__evict_oldest(struct http_conns *g, const struct http__conn *newest) {
    for (struct http__conn *c = g->head; c; c = c->next) {
        if (c == newest || c->state != HTTP__CONN_OPEN) continue;
        c->state = HTTP__CONN_EVICTED;
        g->open--;
        g->evicted_total++;
        shutdown(c->fd, SHUT_RDWR); /* its thread sees the end and closes it */
        return 1;
    }
    return 0;
}

static void http__conn_started(struct http_conns *g, struct MHD_Connection *con,
                               void **socket_context) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct http__conn *hc = ci ? calloc(1, sizeof(*hc)) : NULL;
    if (hc == NULL) return; /* unlisted: never evicted, still under MHD's limit */
    hc->fd = ci->connect_fd;
    hc->state = HTTP__CONN_OPEN;
    pthread_mutex_lock(&g->mu);
    hc->prev = g->tail;
    if (g->tail) g->tail->next = hc;
    else g->head = hc;
    g->tail = hc;
    g->open++;
    while (g->open > LIMIT_HTTP_CONNECTIONS - LIMIT_HTTP_CONNECTIONS_SPARE &&
           http__evict_oldest(g, hc)) {
    }
    pthread_mutex_unlock(&g->mu);
    *socket_context = hc;
}

static void http__notify(void *cls, struct MHD_Connection *con, void **socket_context,
                         enum MHD_ConnectionNotificationCode toe) {
    struct http_conns *g = ((struct server *)cls)->conns;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        http__conn_started(g, con, socket_context);
        return;
    }
    struct http__conn *hc = *socket_context;
    if (hc == NULL) return;
    pthread_mutex_lock(&g->mu);
    if (hc->prev) hc->prev->next = hc->next;
    else g->head = hc->next;
    if (hc->next) hc->next->prev = hc->prev;
    else g->tail = hc->prev;
    if (hc->state != HTTP__CONN_EVICTED) g->open--;
    pthread_mutex_unlock(&g->mu);
    free(hc);
    *socket_context = NULL;
}

static struct http__conn *http__conn_of(struct MHD_Connection *con) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* The request is complete: busy until it is answered. 0 when the
 * connection was evicted meanwhile (then nothing may run for it). */
static int http__conn_busy(struct http_conns *g, struct MHD_Connection *con) {
    struct http__conn *hc = http__conn_of(con);
    if (hc == NULL) return 1;
    pthread_mutex_lock(&g->mu);
    int ok = hc->state != HTTP__CONN_EVICTED;
    if (ok) hc->state = HTTP__CONN_BUSY;
    pthread_mutex_unlock(&g->mu);
    return ok;
}

static void http__conn_idle(struct http_conns *g, struct MHD_Connection *con) {
    struct http__conn *hc = http__conn_of(con);
    if (hc == NULL) return;
    pthread_mutex_lock(&g->mu);
    if (hc->state == HTTP__CONN_BUSY) hc->state = HTTP__CONN_OPEN;
    pthread_mutex_unlock(&g->mu);
}

void http_stats(struct server *s, struct http_stats *out) {
    memset(out, 0, sizeof(*out));
    struct http_conns *g = s->conns;
    if (g == NULL) return;
    pthread_mutex_lock(&g->mu);
    out->connections_open = g->open;
    out->evicted_total = g->evicted_total;
    out->unverified_bytes = g->unverified_bytes;
    pthread_mutex_unlock(&g->mu);
}

/* ---- requests and their bodies ----------------------------------------- */

struct http__ctx {
    char *uri;
    int started;          /* the first call (headers only) is done */
    uint8_t *body;        /* body_size bytes, or NULL */
    size_t body_size;     /* the declared Content-Length */
    size_t body_len;      /* received so far */
    size_t map_size;      /* the body's mapping (http__map_take), 0 if malloc'd */
    size_t reserved;      /* bytes held in the unverified budget */
    enum err refusal;     /* decided from the headers: drop the body, then answer this */
    const char *refusal_detail;
    size_t dropped;       /* bytes of a refused body read and dropped */
};

/* A mapping of `size` bytes: a kept one of that size, or a new one. */
static void *http__map_take(struct http_conns *g, size_t size) {
    void *p = NULL;
    pthread_mutex_lock(&g->mu);
    for (uint32_t i = 0; i < g->kept_count && p == NULL; i++) {
        if (g->kept_size[i] != size) continue;
        p = g->kept[i];
        g->kept_count--;
        g->kept[i] = g->kept[g->kept_count];
        g->kept_size[i] = g->kept_size[g->kept_count];
    }
    pthread_mutex_unlock(&g->mu);
    if (p != NULL) return p;
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Keep a freed mapping for the next body of its size, or unmap it (no
 * room, or when the connections' state is gone). */
static void http__map_give(struct http_conns *g, void *p, size_t size) {
    int kept = 0;
    if (g != NULL && size <= LIMIT_BODY_BATCH_BYTES) {
        pthread_mutex_lock(&g->mu);
        if (g->kept_count < HTTP__KEEP_BODIES) {
            g->kept[g->kept_count] = p;
            g->kept_size[g->kept_count] = size;
            g->kept_count++;
            kept = 1;
        }
        pthread_mutex_unlock(&g->mu);
    }
    if (!kept) munmap(p, size);
}

/* Reserve length bytes of the unverified budget and a buffer for them. */
static enum err http__reserve(struct server *s, struct http__ctx *ctx, size_t length) {
    struct http_conns *g = s->conns;
    int small = length <= LIMIT_HTTP_SMALL_BODY_BYTES; /* outside the budget */
    pthread_mutex_lock(&g->mu);
    int room = small || length <= LIMIT_HTTP_UNVERIFIED_BYTES - g->unverified_bytes;
    if (room && !small) g->unverified_bytes += length;
    pthread_mutex_unlock(&g->mu);
    if (!room) return ERR_OVERLOADED;
    ctx->reserved = small ? 0 : length;
    void *p = NULL;
    size_t size = length;
    if (length >= HTTP__MAP_MIN_BYTES) {
        size = (length + HTTP__MAP_ROUND - 1) / HTTP__MAP_ROUND * HTTP__MAP_ROUND;
        p = http__map_take(g, size);
    } else {
        p = malloc(length);
    }
    if (p == NULL) return ERR_INTERNAL; /* the reservation goes back with the request */
    ctx->body = p;
    ctx->body_size = length;
    ctx->map_size = length >= HTTP__MAP_MIN_BYTES ? size : 0;
    return ERR_OK;
}

/* Return the request's reservation (its signature verified, or it ended). */
static void http__release(struct server *s, struct http__ctx *ctx) {
    if (ctx->reserved == 0) return;
    pthread_mutex_lock(&s->conns->mu);
    s->conns->unverified_bytes -= ctx->reserved;
    pthread_mutex_unlock(&s->conns->mu);
    ctx->reserved = 0;
}

static void http__body_free(struct server *s, struct http__ctx *ctx) {
    if (ctx->body == NULL) return;
    if (ctx->map_size) http__map_give(s->conns, ctx->body, ctx->map_size);
    else free(ctx->body);
    ctx->body = NULL;
}

void server_error(struct server_response *out, enum err err, const char *detail) {
    server_error_with(out, err, detail, NULL, NULL);
}

void server_error_with(struct server_response *out, enum err err, const char *detail,
                       void (*more)(struct jw *w, void *ctx), void *ctx) {
    char clean[LIMIT_ECHO_BYTES + 1];
    size_t n = 0;
    const char *p = detail;
    for (; p && *p && n < LIMIT_ECHO_BYTES; p++) {
        clean[n++] = ((unsigned char)*p < 0x20 || *p == 0x7f) ? '?' : *p;
    }
    /* Cut at a character: never half of a UTF-8 sequence in the answer. */
    if (p && ((unsigned char)*p & 0xC0) == 0x80) {
        while (n > 0 && ((unsigned char)clean[n - 1] & 0xC0) == 0x80) n--;
        if (n > 0 && (unsigned char)clean[n - 1] >= 0xC0) n--;
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
    if (more != NULL) more(&w, ctx);
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

uint64_t server_path_id(const char *text) {
    size_t len = strlen(text);
    if (len == 0 || len > 19) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') return 0;
        v = v * 10 + (uint64_t)(text[i] - '0');
    }
    return v;
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
    return ctx;
}

static void http__completed(void *cls, struct MHD_Connection *con, void **con_cls,
                            enum MHD_RequestTerminationCode toe) {
    (void)toe;
    struct server *s = cls;
    http__conn_idle(s->conns, con);
    struct http__ctx *ctx = *con_cls;
    if (ctx == NULL) return;
    if (ctx->started) __atomic_fetch_sub(&s->active_requests, 1, __ATOMIC_SEQ_CST);
    http__release(s, ctx);
    http__body_free(s, ctx);
    free(ctx->uri);
    free(ctx);
    *con_cls = NULL;
}

/* A streamed body (struct server_stream): MHD pulls it on the connection's
 * thread; with an unknown size it is sent chunked, so a cut is visible. */
/* Mintline-Height on every answer of the node (issue 15): the height its
 * state had when the request was taken up. State only grows, so the
 * answer reflects that block at least: a client that wrote at block B
 * reads its write from any node whose answer says B or more. */
static void http__height(struct MHD_Response *resp, uint64_t height) {
    char v[24];
    snprintf(v, sizeof(v), "%llu", (unsigned long long)height);
    MHD_add_response_header(resp, "Mintline-Height", v);
}

static uint64_t http__height_now(struct server *s) {
    return __atomic_load_n(&s->chain.engine.s.height, __ATOMIC_SEQ_CST);
}

static enum MHD_Result http__send_stream(struct MHD_Connection *con, struct server_response *r,
                                         uint64_t height) {
    struct server_stream *st = &r->stream;
    buf_free(&r->body);
    struct MHD_Response *resp = MHD_create_response_from_callback(
        st->size == SERVER_STREAM_SIZE_UNKNOWN ? MHD_SIZE_UNKNOWN : st->size, 256u << 10,
        st->read, st->ctx, st->free);
    if (resp == NULL) {
        st->free(st->ctx);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", r->content_type ? r->content_type : "application/octet-stream");
    http__height(resp, height);
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result http__send(struct MHD_Connection *con, struct server_response *r,
                                  uint64_t height) {
    if (r->stream.read != NULL) return http__send_stream(con, r, height);
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
    if (r->replayed) MHD_add_response_header(resp, "Mintline-Replayed", "1");
    http__height(resp, height);
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
    /* A follower is alive (/healthz) but not ready for writes: a load
     * balancer sends writes to the leader only. */
    if (strcmp(path, "/readyz") == 0 && s->ready &&
        __atomic_load_n(&s->chain.follower, __ATOMIC_SEQ_CST)) {
        ha_not_leader(s, out);
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

/* A path segment as the client meant it: "%XX" decoded in place (a client
 * percent-encodes what it puts in a path, issue 13 item 7), so a read
 * answers for the value given ("unknown asset: AA XJF"). A malformed
 * escape stays as it is, and so does %00 (no NUL inside a C string);
 * '+' is a plus in a path. */
static void http__unescape(char *seg) {
    char *w = seg;
    for (const char *r = seg; *r != '\0'; r++) {
        int hi = r[0] == '%' ? http__hex(r[1]) : -1;
        int lo = hi >= 0 ? http__hex(r[2]) : -1;
        if (lo >= 0 && (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* "/api/assets/USDW/balances/0x.." -> segments after the prefix, decoded. */
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
        http__unescape(seg[n]);
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
    else if (strcmp(p, "/api/alerts") == 0 && s->alerting != NULL) api_alerts(s, rq, out);
    else if (strcmp(p, "/api/alerts/rules") == 0 && s->alerting != NULL)
        api_alert_rules(s, rq, out);
    else if ((n = http__split(p, "/api/assets/", seg)) == 1) api_asset(s, seg[0], out);
    else if (n == 3 && strcmp(seg[1], "balances") == 0) api_balance(s, seg[0], seg[2], out);
    else if (n == 2 && strcmp(seg[1], "nav") == 0) api_nav(s, seg[0], out);
    else if (n == 2 && strcmp(seg[1], "reserve") == 0) api_reserve(s, seg[0], out);
    else if (n == 2 && strcmp(seg[1], "por") == 0) api_por(s, seg[0], out);
    else if (n == 3 && strcmp(seg[1], "por") == 0) api_por_proof(s, seg[0], seg[2], out);
    else if (http__split(p, "/api/accounts/", seg) == 1) api_account(s, seg[0], out);
    else if (http__split(p, "/api/identities/", seg) == 1) api_identity(s, seg[0], out);
    else if (strcmp(p, "/api/payouts") == 0) api_payouts(s, rq, out);
    else if ((n = http__split(p, "/api/payouts/", seg)) == 1) api_payout(s, rq, seg[0], out);
    else if (n == 2 && strcmp(seg[0], "snapshots") == 0) api_payout_snapshot(s, rq, seg[1], out);
    else if (strcmp(p, "/api/incidents") == 0) api_incidents(s, rq, out);
    else if (http__split(p, "/api/incidents/", seg) == 1) api_incident(s, rq, seg[0], out);
    else if (strcmp(p, "/api/maintenance") == 0) api_maintenance(s, rq, out);
    else if (strcmp(p, "/api/stabilizers") == 0) api_stabilizers(s, rq, out);
    else if (strcmp(p, "/api/vaults") == 0) api_vaults(s, rq, out);
    else if (http__split(p, "/api/vaults/", seg) == 1) api_vault(s, seg[0], out);
    else if (strcmp(p, "/api/bridge/routes") == 0) api_bridge_routes(s, rq, out);
    else if (strcmp(p, "/api/bridge/transfers") == 0) api_bridge_transfers(s, rq, out);
    else if (http__split(p, "/api/bridge/transfers/", seg) == 1) api_bridge_transfer(s, seg[0], out);
    else if (http__split(p, "/api/checks/", seg) == 1) api_checks(s, seg[0], out);
    else if (strcmp(p, "/api/journal") == 0) api_journal(s, rq, out);
    else if (strcmp(p, "/api/backup") == 0) api_backup(s, rq, out);
    else if (http__split(p, "/api/reports/", seg) == 1) api_report(s, rq, seg[0], out);
    else if (strcmp(p, "/api/events") == 0) api_events(s, rq, out); /* SPEC 7: "/api/events" */
    else server_error(out, ERR_NOT_FOUND, p);
}

static void http__api(struct server *s, struct http__ctx *ctx, struct server_request *rq,
                      struct server_response *out) {
    enum err err = auth_check(s->auth, &s->chain, rq->method, rq->raw_uri, &rq->headers, rq->body,
                              rq->body_len, &rq->operator_index, &rq->time_ms, &rq->body_hash,
                              rq->pubkey);
    if (err == ERR_AUTH_NONCE) {
        http__release(s, ctx); /* the signature verified: a retry may wait for its original */
        if (api_commands_retry(s, rq, out)) return; /* answered from the journal */
    }
    if (err) {
        server_error(out, err, NULL);
        return;
    }
    http__release(s, ctx); /* verified: no longer an unknown client's body */
    if (strcmp(rq->path, "/api/commands") == 0) api_commands(s, rq, out);
    else http__api_get(s, rq, out);
}

static void http__headers(struct MHD_Connection *con, struct auth_headers *h) {
    h->operator_name = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Mintline-Operator");
    h->time = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Mintline-Time");
    h->nonce = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Mintline-Nonce");
    h->signature = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Mintline-Signature");
}

/* The path of uri, without the query, into path (size bytes); -1 when too long. */
static int http__path(const char *uri, char *path, size_t size) {
    const char *q = strchr(uri, '?');
    size_t plen = q ? (size_t)(q - uri) : strlen(uri);
    if (plen >= size) return -1;
    memcpy(path, uri, plen);
    path[plen] = '\0';
    return 0;
}

static void http__route(struct server *s, struct MHD_Connection *con, const char *method,
                        struct http__ctx *ctx, struct server_response *out) {
    char path[512];
    if (http__path(ctx->uri, path, sizeof(path))) {
        server_error(out, ERR_NOT_FOUND, "path too long");
        return;
    }
    if (http__open_route(s, method, path, out)) return;
    const char *q = strchr(ctx->uri, '?');
    struct server_request rq;
    memset(&rq, 0, sizeof(rq));
    rq.method = method;
    rq.path = path;
    rq.query = q ? q + 1 : "";
    rq.raw_uri = ctx->uri;
    rq.body = ctx->body ? ctx->body : (const uint8_t *)"";
    rq.body_len = ctx->body_len;
    rq.operator_index = -1;
    http__headers(con, &rq.headers);
    http__api(s, ctx, &rq, out);
}

/* ---- admission: what the headers alone decide ---------------------------- */

struct http__lengths {
    unsigned count;
    const char *value; /* the first */
};

static enum MHD_Result http__length_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value) {
    (void)kind;
    struct http__lengths *l = cls;
    if (strcasecmp(key, "Content-Length") == 0 && l->count++ == 0) l->value = value;
    return MHD_YES;
}

/* The body's length from the headers: one Content-Length at most and no
 * Transfer-Encoding (chunked included), so that it is known, checked and
 * reserved before any of the body is read. */
static enum err http__framing(struct MHD_Connection *con, size_t *length, const char **detail) {
    if (MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Transfer-Encoding")) {
        *detail = "Transfer-Encoding is not supported; send Content-Length";
        return ERR_HTTP_FRAMING;
    }
    struct http__lengths l = {0, NULL};
    MHD_get_connection_values(con, MHD_HEADER_KIND, http__length_cb, &l);
    if (l.count > 1) {
        *detail = "more than one Content-Length";
        return ERR_HTTP_FRAMING;
    }
    uint64_t v = 0;
    for (const char *p = l.value; p && *p; p++) {
        if (*p < '0' || *p > '9') {
            *detail = "malformed Content-Length";
            return ERR_HTTP_FRAMING;
        }
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > LIMIT_BODY_DISCARD_BYTES) v = (uint64_t)LIMIT_BODY_DISCARD_BYTES + 1; /* saturate */
    }
    *length = (size_t)v;
    return ERR_OK;
}

enum http__kind { HTTP__OPEN_ROUTE, HTTP__API };

/* The route's kind, or a refusal: unknown path, wrong method, a body on a GET. */
static enum err http__classify(const char *method, const char *uri, size_t length,
                               enum http__kind *kind, const char **detail) {
    char path[512];
    if (http__path(uri, path, sizeof(path))) {
        *detail = "path too long";
        return ERR_NOT_FOUND;
    }
    int open = !strcmp(path, "/healthz") || !strcmp(path, "/readyz") || !strcmp(path, "/metrics");
    if (!open && strncmp(path, "/api/", 5) != 0) {
        *detail = uri;
        return ERR_NOT_FOUND;
    }
    int post = !open && strcmp(path, "/api/commands") == 0;
    if (strcmp(method, post ? "POST" : "GET") != 0) {
        *detail = method;
        return ERR_METHOD_NOT_ALLOWED;
    }
    if (!post && length > 0) {
        *detail = "a GET request carries no body";
        return ERR_BODY_TOO_LARGE;
    }
    *kind = open ? HTTP__OPEN_ROUTE : HTTP__API;
    return ERR_OK;
}

static enum MHD_Result http__answer_now(struct server *s, struct MHD_Connection *con, enum err err,
                                        const char *detail) {
    if (err < ERR_AUTH_MISSING || err > ERR_AUTH_NONCE) {
        __atomic_fetch_add(&s->refused_total[err], 1, __ATOMIC_RELAXED);
    }
    struct server_response out;
    memset(&out, 0, sizeof(out));
    buf_init(&out.body);
    server_error(&out, err, detail);
    return http__send(con, &out, http__height_now(s)); /* before the body: MHD closes after it */
}

static int http__expects_continue(struct MHD_Connection *con) {
    const char *v = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Expect");
    return v && strcasecmp(v, "100-continue") == 0;
}

/* The first call: headers only. Admit (MHD_YES and a body buffer), answer
 * at once, or admit only to drop the body and answer the refusal. */
static enum MHD_Result http__admit(struct server *s, struct MHD_Connection *con,
                                   const char *method, struct http__ctx *ctx) {
    if (__atomic_load_n(&s->draining, __ATOMIC_SEQ_CST)) {
        struct server_response stopping;
        memset(&stopping, 0, sizeof(stopping));
        server_error(&stopping, ERR_NOT_READY, "node is stopping");
        return http__send(con, &stopping, http__height_now(s));
    }
    size_t length = 0;
    const char *detail = NULL;
    enum http__kind kind = HTTP__OPEN_ROUTE;
    enum err err = http__framing(con, &length, &detail);
    if (!err && console_owns(ctx->uri)) return console_answer(con, method, ctx->uri); /* web/ */
    if (!err) err = http__classify(method, ctx->uri, length, &kind, &detail);
    if (err) return http__answer_now(s, con, err, detail);
    if (kind == HTTP__OPEN_ROUTE) return MHD_YES;
    struct auth_headers h;
    http__headers(con, &h);
    err = auth_precheck(s->auth, &s->chain, &h);
    if (err) return http__answer_now(s, con, err, NULL);
    if (length > LIMIT_BODY_BATCH_BYTES) {
        err = ERR_BODY_TOO_LARGE;
        detail = "16 MiB at most";
    } else if (length > 0) {
        err = http__reserve(s, ctx, length);
    }
    if (!err) return MHD_YES;
    if (length > LIMIT_BODY_DISCARD_BYTES || http__expects_continue(con)) {
        return http__answer_now(s, con, err, detail);
    }
    __atomic_fetch_add(&s->refused_total[err], 1, __ATOMIC_RELAXED);
    ctx->refusal = err;
    ctx->refusal_detail = detail;
    return MHD_YES;
}

static enum MHD_Result http__upload(struct http__ctx *ctx, const char *data, size_t *size) {
    size_t n = *size;
    *size = 0;
    if (ctx->refusal) {
        ctx->dropped += n;
        return ctx->dropped > LIMIT_BODY_DISCARD_BYTES ? MHD_NO : MHD_YES;
    }
    if (n > ctx->body_size - ctx->body_len) return MHD_NO; /* past its Content-Length */
    memcpy(ctx->body + ctx->body_len, data, n);
    ctx->body_len += n;
    return MHD_YES;
}

/* The last call: the whole request is in. Answer it, with no timeout
 * while it is answered (a block may take long; the answer must arrive). */
static enum MHD_Result http__final(struct server *s, struct MHD_Connection *con,
                                   const char *method, struct http__ctx *ctx) {
    if (!http__conn_busy(s->conns, con)) return MHD_NO; /* evicted: close, run nothing */
    MHD_set_connection_option(con, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
    uint64_t height = http__height_now(s);
    struct server_response out;
    memset(&out, 0, sizeof(out));
    buf_init(&out.body);
    if (ctx->refusal) server_error(&out, ctx->refusal, ctx->refusal_detail);
    else http__route(s, con, method, ctx, &out);
    http__release(s, ctx); /* the body is done with: the answer is in out */
    http__body_free(s, ctx);
    MHD_set_connection_option(con, MHD_CONNECTION_OPTION_TIMEOUT, LIMIT_HTTP_IDLE_TIMEOUT_S);
    /* A write's answer: the height once its block is in (it includes it). */
    if (strcmp(method, "POST") == 0) height = http__height_now(s);
    return http__send(con, &out, height);
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
        return http__admit(s, con, method, ctx);
    }
    if (*upload_data_size != 0) return http__upload(ctx, upload_data, upload_data_size);
    return http__final(s, con, method, ctx);
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
    s->conns = calloc(1, sizeof(*s->conns));
    if (s->conns == NULL) return ERR_INTERNAL;
    pthread_mutex_init(&s->conns->mu, NULL);
    s->mhd = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
            MHD_USE_ITC,
        0, NULL, NULL, http__handler, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_URI_LOG_CALLBACK, http__uri_cb, s, MHD_OPTION_NOTIFY_COMPLETED,
        http__completed, s, MHD_OPTION_NOTIFY_CONNECTION, http__notify, s,
        MHD_OPTION_CONNECTION_LIMIT, LIMIT_HTTP_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
        LIMIT_HTTP_IDLE_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP__CONN_MEMORY,
        MHD_OPTION_END);
    if (s->mhd) return ERR_OK;
    pthread_mutex_destroy(&s->conns->mu);
    free(s->conns);
    s->conns = NULL;
    return ERR_IO;
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
    for (uint32_t i = 0; i < s->conns->kept_count; i++) munmap(s->conns->kept[i], s->conns->kept_size[i]);
    pthread_mutex_destroy(&s->conns->mu);
    free(s->conns);
    s->conns = NULL;
}
