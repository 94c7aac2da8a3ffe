/*
 * api_log.c - the journal reads: events and history.
 *
 * Both scan the store newest first and stop at the limit. They read asset
 * symbols and decimals from the engine without the chain lock: assets are
 * only ever appended, and those fields never change once set.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"
#include "server.h"

#define API_EVENTS_LIMIT_DEFAULT 10u
#define API_HISTORY_LIMIT_DEFAULT 20u

/* limit=N in 1..LIMIT_READ_ROWS; -1 when malformed. */
static int api__limit(const char *query, const char *key, uint32_t dflt, uint32_t *out) {
    char text[16];
    int present = server_query(query, key, text, sizeof(text));
    if (present < 0) return -1;
    if (present == 0) {
        *out = dflt;
        return 0;
    }
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < 1 || v > (long)LIMIT_READ_ROWS) return -1;
    *out = (uint32_t)v;
    return 0;
}

struct api__events {
    struct server *s;
    uint32_t limit;
    int type;   /* -1: any */
    int asset;  /* -1: any */
    int after;  /* after_seq given */
    uint64_t after_seq;
    struct event *ring; /* after: the oldest `limit` newer than after_seq */
    uint64_t *ring_block;
    uint32_t count;     /* kept */
    struct jw *w;       /* newest-first mode writes directly */
};

static int api__event_match(const struct api__events *q, const struct event *ev) {
    if (q->type >= 0 && ev->type != q->type) return 0;
    if (q->asset >= 0 && ev->asset != q->asset) return 0;
    return 1;
}

static int api__events_fn(void *ctx, const struct store_block *b, const struct store_request *r,
                          uint32_t n) {
    (void)r;
    (void)n;
    struct api__events *q = ctx;
    if (q->after && b->first_event_seq + b->events_count <= q->after_seq + 1) return 1;
    struct event *evs = calloc(b->events_count ? b->events_count : 1, sizeof(*evs));
    if (evs == NULL) return 1;
    struct buf_reader rd;
    buf_reader_init(&rd, b->events, b->events_len);
    uint32_t got = 0;
    while (got < b->events_count && event_decode(&rd, &evs[got]) == 0) got++;
    for (uint32_t i = got; i-- > 0;) {
        const struct event *ev = &evs[i];
        if (!api__event_match(q, ev)) continue;
        if (q->after) {
            if (ev->seq <= q->after_seq) continue;
            /* Newest first: keep overwriting so the ring ends with the oldest. */
            q->ring[q->count % q->limit] = *ev;
            q->ring_block[q->count % q->limit] = b->height;
            q->count++;
        } else {
            event_write_json(&q->s->chain.engine, ev, b->height, q->w);
            if (++q->count == q->limit) break;
        }
    }
    free(evs);
    return !q->after && q->count == q->limit;
}

static int api__events_parse(struct server *s, const char *query, struct api__events *q,
                             struct server_response *out) {
    char text[64];
    if (api__limit(query, "limit", API_EVENTS_LIMIT_DEFAULT, &q->limit) != 0) {
        server_error(out, ERR_INVALID_ARGUMENT, "limit must be 1..1000");
        return -1;
    }
    q->type = -1;
    q->asset = -1;
    if (server_query(query, "type", text, sizeof(text)) == 1) {
        enum event_type t = event_type_parse(text);
        if (t == EVENT__COUNT) {
            server_error(out, ERR_INVALID_ARGUMENT, "unknown event type");
            return -1;
        }
        q->type = (int)t;
    }
    if (server_query(query, "asset", text, sizeof(text)) == 1) {
        q->asset = engine_asset_find(&s->chain.engine, text, strlen(text));
        if (q->asset < 0) {
            server_error(out, ERR_UNKNOWN_ASSET, text);
            return -1;
        }
    }
    if (server_query(query, "after_seq", text, sizeof(text)) == 1) {
        char *end = NULL;
        q->after_seq = strtoull(text, &end, 10);
        if (text[0] < '0' || text[0] > '9' || *end != '\0') {
            server_error(out, ERR_INVALID_ARGUMENT, "after_seq must be a number");
            return -1;
        }
        q->after = 1;
    }
    return 0;
}

void api_events(struct server *s, const struct server_request *rq, struct server_response *out) {
    struct api__events q;
    memset(&q, 0, sizeof(q));
    q.s = s;
    if (api__events_parse(s, rq->query, &q, out) != 0) return;
    struct jw w;
    jw_init(&w, &out->body);
    q.w = &w;
    jw_object_begin(&w);
    jw_key(&w, "events");
    jw_array_begin(&w);
    if (q.after) {
        q.ring = calloc(q.limit, sizeof(*q.ring));
        q.ring_block = calloc(q.limit, sizeof(*q.ring_block));
    }
    enum err err = (q.after && (!q.ring || !q.ring_block))
                       ? ERR_INTERNAL
                       : s->chain.store->ops->scan_blocks_desc(s->chain.store, api__events_fn, &q);
    if (q.after && !err) {
        uint32_t kept = q.count < q.limit ? q.count : q.limit;
        for (uint32_t k = 0; k < kept; k++) {
            uint32_t i = (q.count - 1 - k) % q.limit; /* oldest first */
            event_write_json(&s->chain.engine, &q.ring[i], q.ring_block[i], &w);
        }
    }
    free(q.ring);
    free(q.ring_block);
    jw_array_end(&w);
    jw_object_end(&w);
    if (err) {
        buf_free(&out->body);
        server_error(out, err, NULL);
        return;
    }
    out->status = 200;
}

struct api__history {
    struct server *s;
    uint32_t limit;
    uint32_t count;
    char op[40];
    char operator_name[LIMIT_OPERATOR_NAME + 1];
    struct jw *w;
};

static void api__history_entry(struct api__history *q, const struct store_request *r,
                               uint64_t height, int64_t time_ns, uint32_t i, json_t *cmd) {
    unsigned code = (unsigned)r->results[2 * i] | ((unsigned)r->results[2 * i + 1] << 8);
    char t[40];
    time_format_iso(time_ns, t);
    json_t *args = command_args_json(cmd);
    json_object_del(args, "dry_run"); /* a request flag, not an argument */
    char *args_text = args ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(args);
    struct jw *w = q->w;
    jw_object_begin(w);
    jw_kv_uint(w, "seq", r->first_seq + i);
    jw_kv_uint(w, "block", height);
    jw_kv_string(w, "time", t);
    jw_kv_string(w, "operator", r->operator_name);
    jw_kv_string(w, "op", json_string_value(json_object_get(cmd, "op")));
    jw_key(w, "args");
    if (args_text) jw_raw(w, args_text, strlen(args_text));
    else jw_null(w);
    jw_kv_string(w, "result", code == ERR_OK ? "ok" : err_name((enum err)code));
    jw_object_end(w);
    free(args_text);
}

static int api__history_fn(void *ctx, const struct store_request *r, uint64_t height,
                           int64_t time_ns) {
    struct api__history *q = ctx;
    if (q->operator_name[0] && strcmp(q->operator_name, r->operator_name) != 0) return 0;
    json_t *root = json_loadb((const char *)r->body, r->body_len, 0, NULL);
    if (root == NULL) return 0;
    json_t *list = json_object_get(root, "commands");
    uint32_t n = list ? (uint32_t)json_array_size(list) : 1;
    if (n != r->commands_count || r->results_len != (size_t)n * 2) n = 0;
    for (uint32_t i = n; i-- > 0 && q->count < q->limit;) {
        json_t *cmd = list ? json_array_get(list, i) : root;
        const char *op = json_string_value(json_object_get(cmd, "op"));
        if (op == NULL || (q->op[0] && strcmp(q->op, op) != 0)) continue;
        api__history_entry(q, r, height, time_ns, i, cmd);
        q->count++;
    }
    json_decref(root);
    return q->count >= q->limit;
}

void api_history(struct server *s, const struct server_request *rq, struct server_response *out) {
    struct api__history q;
    memset(&q, 0, sizeof(q));
    q.s = s;
    if (api__limit(rq->query, "limit", API_HISTORY_LIMIT_DEFAULT, &q.limit) != 0 ||
        server_query(rq->query, "op", q.op, sizeof(q.op)) < 0 ||
        server_query(rq->query, "operator", q.operator_name, sizeof(q.operator_name)) < 0) {
        server_error(out, ERR_INVALID_ARGUMENT, "limit must be 1..1000; op and operator are names");
        return;
    }
    struct jw w;
    jw_init(&w, &out->body);
    q.w = &w;
    jw_object_begin(&w);
    jw_key(&w, "history");
    jw_array_begin(&w);
    enum err err = s->chain.store->ops->scan_requests_desc(s->chain.store, api__history_fn, &q);
    jw_array_end(&w);
    jw_object_end(&w);
    if (err) {
        buf_free(&out->body);
        server_error(out, err, NULL);
        return;
    }
    out->status = 200;
}
