/*
 * api_log.c - the journal reads: events and history.
 *
 * Both scan the store newest first and stop at the limit. They read asset
 * symbols and decimals from the engine without the chain lock: assets are
 * only ever appended, and those fields never change once set. An event's
 * operator is the one whose request holds the event's command seq (the
 * block's requests come with it); history entries are written by
 * history_write_request, which never leaves a journaled command out.
 * A query filter that is present but malformed is refused, never ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"
#include "history.h"
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

/* An operator's name as kept beside an event in the after_seq ring. */
struct api__name {
    char text[LIMIT_OPERATOR_NAME + 1];
};

struct api__events {
    struct server *s;
    uint32_t limit;
    int type;   /* -1: any */
    int asset;  /* -1: any */
    int after;  /* after_seq given */
    uint64_t after_seq;
    struct event *ring; /* after: the oldest `limit` newer than after_seq */
    uint64_t *ring_block;
    struct api__name *ring_operator;
    uint32_t count;     /* kept */
    struct jw *w;       /* newest-first mode writes directly */
};

/* The operator of the request that holds command seq `seq` (a block's
 * requests are in seq order), or NULL when none does. */
static const char *api__event_operator(const struct store_request *reqs, uint32_t n,
                                       uint64_t seq) {
    uint32_t lo = 0;
    uint32_t hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct store_request *r = &reqs[mid];
        if (seq < r->first_seq) hi = mid;
        else if (seq - r->first_seq >= r->commands_count) lo = mid + 1;
        else return r->operator_name;
    }
    return NULL;
}

static int api__event_match(const struct api__events *q, const struct event *ev) {
    if (q->type >= 0 && ev->type != q->type) return 0;
    if (q->asset >= 0 && ev->asset != q->asset) return 0;
    return 1;
}

static int api__events_fn(void *ctx, const struct store_block *b, const struct store_request *r,
                          uint32_t n) {
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
        const char *who = api__event_operator(r, n, ev->command_seq);
        if (q->after) {
            if (ev->seq <= q->after_seq) continue;
            /* Newest first: keep overwriting so the ring ends with the oldest. */
            uint32_t k = q->count % q->limit;
            q->ring[k] = *ev;
            q->ring_block[k] = b->height;
            struct api__name *name = &q->ring_operator[k];
            snprintf(name->text, sizeof(name->text), "%s", who ? who : "");
            q->count++;
        } else {
            event_write_json(&q->s->chain.engine, ev, b->height, who, q->w);
            if (++q->count == q->limit) break;
        }
    }
    free(evs);
    return !q->after && q->count == q->limit;
}

/* A filter: 1 present (value in text), 0 absent; -1 malformed (a bad
 * percent escape, a NUL, too long), answered 400 naming the key. */
static int api__filter(const char *query, const char *key, char *text, size_t size,
                       struct server_response *out) {
    int present = server_query(query, key, text, size);
    if (present < 0) {
        char why[64];
        snprintf(why, sizeof(why), "%s: malformed (bad percent escape or too long)", key);
        server_error(out, ERR_INVALID_ARGUMENT, why);
    }
    return present;
}

/* An unknown type=: ERR_INVALID_ARGUMENT quoting it, and the valid types
 * in the error object's "valid_types" (the message is bounded; the list
 * is not short). */
static void api__events_types(struct jw *w, void *ctx) {
    (void)ctx;
    jw_key(w, "valid_types");
    jw_array_begin(w);
    for (unsigned i = 0; i < EVENT__COUNT; i++) jw_string(w, event_type_name((enum event_type)i));
    jw_array_end(w);
}

static void api__events_bad_type(const char *typed, struct server_response *out) {
    char shown[41];
    size_t n = 0;
    for (; typed[n] != '\0' && n < sizeof(shown) - 1; n++) {
        unsigned char c = (unsigned char)typed[n]; /* echoed: printable ASCII only */
        shown[n] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    shown[n] = '\0';
    char detail[100];
    snprintf(detail, sizeof(detail), "unknown event type \"%s\" (valid_types lists them)", shown);
    server_error_with(out, ERR_INVALID_ARGUMENT, detail, api__events_types, NULL);
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
    int present = api__filter(query, "type", text, sizeof(text), out);
    if (present < 0) return -1;
    if (present == 1) {
        enum event_type t = event_type_parse(text);
        if (t == EVENT__COUNT) {
            api__events_bad_type(text, out);
            return -1;
        }
        q->type = (int)t;
    }
    present = api__filter(query, "asset", text, sizeof(text), out);
    if (present < 0) return -1;
    if (present == 1) {
        q->asset = engine_asset_find(&s->chain.engine, text, strlen(text));
        if (q->asset < 0) {
            server_error(out, ERR_UNKNOWN_ASSET, text);
            return -1;
        }
    }
    present = api__filter(query, "after_seq", text, sizeof(text), out);
    if (present < 0) return -1;
    if (present == 1) {
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
        q.ring_operator = calloc(q.limit, sizeof(*q.ring_operator));
    }
    enum err err = (q.after && (!q.ring || !q.ring_block || !q.ring_operator))
                       ? ERR_INTERNAL
                       : s->chain.store->ops->scan_blocks_desc(s->chain.store, api__events_fn, &q);
    if (q.after && !err) {
        uint32_t kept = q.count < q.limit ? q.count : q.limit;
        for (uint32_t k = 0; k < kept; k++) {
            uint32_t i = (q.count - 1 - k) % q.limit; /* oldest first */
            const char *who = q.ring_operator[i].text;
            event_write_json(&s->chain.engine, &q.ring[i], q.ring_block[i], who[0] ? who : NULL,
                             &w);
        }
    }
    free(q.ring);
    free(q.ring_block);
    free(q.ring_operator);
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
    const struct engine *e;
    uint32_t limit;
    uint32_t count;
    enum err err;
    char op[40];
    char operator_name[LIMIT_OPERATOR_NAME + 1];
    struct jw *w;
};

static int api__history_fn(void *ctx, const struct store_request *r, uint64_t height,
                           int64_t time_ns) {
    struct api__history *q = ctx;
    if (q->operator_name[0] && strcmp(q->operator_name, r->operator_name) != 0) return 0;
    struct history_stats st;
    q->err = history_write_request(q->e, r, height, time_ns, q->op, q->limit - q->count, q->w, &st);
    q->count += st.written;
    return q->err != ERR_OK || q->count >= q->limit;
}

void api_history(struct server *s, const struct server_request *rq, struct server_response *out) {
    struct api__history q;
    memset(&q, 0, sizeof(q));
    q.e = &s->chain.engine;
    if (api__limit(rq->query, "limit", API_HISTORY_LIMIT_DEFAULT, &q.limit) != 0) {
        server_error(out, ERR_INVALID_ARGUMENT, "limit must be 1..1000");
        return;
    }
    if (api__filter(rq->query, "op", q.op, sizeof(q.op), out) < 0 ||
        api__filter(rq->query, "operator", q.operator_name, sizeof(q.operator_name), out) < 0) {
        return;
    }
    struct jw w;
    jw_init(&w, &out->body);
    q.w = &w;
    jw_object_begin(&w);
    jw_key(&w, "history");
    jw_array_begin(&w);
    enum err err = s->chain.store->ops->scan_requests_desc(s->chain.store, api__history_fn, &q);
    if (!err) err = q.err;
    jw_array_end(&w);
    jw_object_end(&w);
    if (err) {
        buf_free(&out->body);
        server_error(out, err, NULL);
        return;
    }
    out->status = 200;
}
