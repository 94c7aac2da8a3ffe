/*
 * test_store.c - the store interface (store/store.h), one suite, two
 * backends: every case runs on SQLite (a temporary directory), and again
 * on PostgreSQL when MINTLINE_TEST_PG_URL names one (tests/support/pg.py;
 * `make test` always does), each run on a fresh database
 * (tests/support/pg_fixture.h).
 *
 * What a backend must do: the genesis and blocks read back exactly
 * (every column, every request, bodies only when asked), through a close
 * and a reopen; every scan (ascending with and without bodies, descending
 * with request headers, requests newest first with their block's events,
 * requests since a time) across more rows than one fetch; a scan stopped
 * by its callback; an append at any height but the one after the head is
 * refused and changes nothing, also from a second handle on the same
 * store (a second writer); snapshots in chunks, the newest whole one
 * returned, a damaged one skipped, two kept; tally; settle; a short read
 * answers while a scan is stopped midway. A request path that is not
 * UTF-8 (the raw URI as signed) is journaled and read back as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "../../src/store/store.h"
#include "../../src/store/store_copy.h"
#include "../support/pg_fixture.h"

struct backend {
    int pg;
    char dir[96];
    char url[512];
};

static struct backend sqlite_be = {.pg = 0};
static struct backend pg_be = {.pg = 1};

static int be_setup(void **state) {
    struct backend *be = *state;
    snprintf(be->dir, sizeof(be->dir), "/tmp/mintline-store-XXXXXX");
    if (mkdtemp(be->dir) == NULL) return -1;
    if (be->pg && pg_fixture_make(be->url, sizeof(be->url)) != 0) return -1;
    return 0;
}

static int be_teardown(void **state) {
    struct backend *be = *state;
    char path[160];
    static const char *const files[] = {"mintline.db", "mintline.db-wal", "mintline.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", be->dir, files[i]);
        unlink(path);
    }
    rmdir(be->dir);
    if (be->pg) pg_fixture_drop(be->url);
    return 0;
}

static enum err be_open(const struct backend *be, int create, struct store **out) {
    return store_open_url(be->pg ? be->url : NULL, be->dir, create, out);
}

/* One SQL statement on the store's own tables, past the interface. */
static void be_tamper(const struct backend *be, const char *sql) {
    if (be->pg) {
        assert_int_equal(pg_fixture_exec(be->url, sql), 0);
        return;
    }
    char path[160];
    snprintf(path, sizeof(path), "%s/mintline.db", be->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* ---- building a journal ----------------------------------------------- */

static void fill_hash(uint64_t h, uint8_t salt, struct hash *out) {
    for (int i = 0; i < 32; i++) {
        out->bytes[i] = (uint8_t)((h * 131u + (uint64_t)i * 7u + salt) & 0xffu);
    }
}

/* Block h's events: a few bytes that name it. */
static void events_of(uint64_t h, uint8_t out[12]) {
    for (int i = 0; i < 12; i++) out[i] = (uint8_t)(h + (uint64_t)i);
}

static void make_block(uint64_t h, uint32_t requests, struct store_block *b, uint8_t ev[12]) {
    memset(b, 0, sizeof(*b));
    b->height = h;
    b->time_ns = (int64_t)(1700000000000000000LL + (int64_t)h * 1000000000LL);
    if (h) fill_hash(h - 1, 0, &b->prev_hash);
    fill_hash(h, 0, &b->hash);
    fill_hash(h, 9, &b->state_hash);
    b->first_seq = h * 10;
    b->commands_count = requests * 2;
    b->requests_count = requests;
    b->first_event_seq = h * 100;
    events_of(h, ev);
    b->events = ev;
    b->events_len = 12;
    b->events_count = 3;
}

/* Request i of block h: its texts and blobs live in bufs (one per request). */
struct req_bufs {
    char op[32], nonce[48], sig[64], path[64];
    uint8_t body[40], results[4], cmds[9];
};

static void make_request(uint64_t h, uint32_t i, struct req_bufs *rb, struct store_request *r) {
    memset(r, 0, sizeof(*r));
    snprintf(rb->op, sizeof(rb->op), "op%u", (unsigned)(i % 3));
    snprintf(rb->nonce, sizeof(rb->nonce), "n-%llu-%u", (unsigned long long)h, (unsigned)i);
    snprintf(rb->sig, sizeof(rb->sig), "c2ln%llu/%u==", (unsigned long long)h, (unsigned)i);
    /* The path as the client sent it: bytes that are not UTF-8 included. */
    snprintf(rb->path, sizeof(rb->path), i == 2 ? "/api/commands?x=\xff\xfe" : "/api/commands");
    for (size_t k = 0; k < sizeof(rb->body); k++) rb->body[k] = (uint8_t)(h * 3 + i + k);
    rb->body[5] = 0; /* binary: a NUL inside */
    rb->results[0] = (uint8_t)i;
    rb->results[1] = 0;
    rb->results[2] = 14;
    rb->results[3] = 0;
    for (size_t k = 0; k < sizeof(rb->cmds); k++) rb->cmds[k] = (uint8_t)(0xf0u ^ (h + k));
    r->first_seq = h * 10 + i * 2;
    r->commands_count = 2;
    r->flags = i % 2 ? STORE_REQUEST_ATOMIC : 0;
    r->operator_name = rb->op;
    r->time_ms = (int64_t)(1700000000000LL + (int64_t)h * 1000 + i);
    r->nonce = rb->nonce;
    r->signature = rb->sig;
    r->method = "POST";
    r->path = rb->path;
    r->body = rb->body;
    r->body_len = sizeof(rb->body);
    r->results = rb->results;
    r->results_len = sizeof(rb->results);
    r->commands = rb->cmds;
    r->commands_len = sizeof(rb->cmds);
}

static void write_genesis(struct store *s) {
    struct store_block b0;
    uint8_t ev[12];
    make_block(0, 0, &b0, ev);
    b0.events_len = 0;
    b0.events_count = 0;
    assert_int_equal(s->ops->write_genesis(s, "g: 1\n", 5, "{\"g\":1}", 7, &b0), ERR_OK);
}

/* Requests per block: block h carries h % 4 requests. */
static uint32_t requests_in(uint64_t h) { return (uint32_t)(h % 4); }

static enum err append(struct store *s, uint64_t h) {
    struct store_block b;
    uint8_t ev[12];
    uint32_t n = requests_in(h);
    make_block(h, n, &b, ev);
    struct req_bufs rb[4];
    struct store_request r[4];
    for (uint32_t i = 0; i < n; i++) make_request(h, i, &rb[i], &r[i]);
    return s->ops->append_block(s, &b, r, n);
}

static void build(struct store *s, uint64_t blocks) {
    write_genesis(s);
    for (uint64_t h = 1; h <= blocks; h++) assert_int_equal(append(s, h), ERR_OK);
}

static void check_block(const struct store_block *got, int with_events) {
    struct store_block want;
    uint8_t ev[12];
    make_block(got->height, requests_in(got->height), &want, ev);
    assert_int_equal(got->time_ns, want.time_ns);
    assert_memory_equal(got->prev_hash.bytes, want.prev_hash.bytes, HASH_BYTES);
    assert_memory_equal(got->hash.bytes, want.hash.bytes, HASH_BYTES);
    assert_memory_equal(got->state_hash.bytes, want.state_hash.bytes, HASH_BYTES);
    assert_int_equal(got->first_seq, want.first_seq);
    assert_int_equal(got->commands_count, want.commands_count);
    assert_int_equal(got->requests_count, want.requests_count);
    assert_int_equal(got->first_event_seq, want.first_event_seq);
    assert_int_equal(got->events_count, want.events_count);
    if (with_events) {
        assert_int_equal(got->events_len, 12);
        assert_memory_equal(got->events, ev, 12);
    }
}

/* parts: 1 headers (seqs, operator, texts), 2 + results and commands,
 * 3 + body. */
static void check_request(uint64_t h, uint32_t i, const struct store_request *got, int parts) {
    struct req_bufs rb;
    struct store_request want;
    make_request(h, i, &rb, &want);
    assert_int_equal(got->first_seq, want.first_seq);
    assert_int_equal(got->commands_count, want.commands_count);
    assert_int_equal(got->flags, want.flags);
    assert_string_equal(got->operator_name, want.operator_name);
    assert_int_equal(got->time_ms, want.time_ms);
    assert_string_equal(got->nonce, want.nonce);
    assert_string_equal(got->signature, want.signature);
    assert_string_equal(got->method, "POST");
    assert_string_equal(got->path, want.path);
    if (parts >= 2) {
        assert_int_equal(got->results_len, want.results_len);
        assert_memory_equal(got->results, want.results, want.results_len);
        assert_int_equal(got->commands_len, want.commands_len);
        assert_memory_equal(got->commands, want.commands, want.commands_len);
    } else {
        assert_int_equal(got->results_len, 0);
        assert_int_equal(got->commands_len, 0);
    }
    if (parts >= 3) {
        assert_int_equal(got->body_len, want.body_len);
        assert_memory_equal(got->body, want.body, want.body_len);
    } else {
        assert_null(got->body);
    }
}

/* ---- the cases ---------------------------------------------------------- */

static void open_without_create_on_nothing_is_no_ledger(void **state) {
    const struct backend *be = *state;
    struct store *s = (struct store *)state; /* must not be written */
    assert_int_equal(be_open(be, 0, &s), ERR_NO_LEDGER);
    assert_ptr_equal(s, (struct store *)state);
}

static void genesis_reads_back_and_is_written_once(void **state) {
    const struct backend *be = *state;
    struct store *s = NULL;
    assert_int_equal(be_open(be, 1, &s), ERR_OK);
    assert_string_equal(s->kind, be->pg ? "postgres" : "sqlite");
    struct store_block head;
    assert_int_equal(s->ops->head(s, &head), ERR_NO_LEDGER);
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(s->ops->read_genesis(s, &json, &len), ERR_NO_LEDGER);
    write_genesis(s);
    assert_int_equal(s->ops->read_genesis(s, &json, &len), ERR_OK);
    assert_int_equal(len, 7);
    assert_string_equal(json, "{\"g\":1}");
    free(json);
    assert_int_equal(s->ops->head(s, &head), ERR_OK);
    assert_int_equal(head.height, 0);
    assert_int_equal(s->ops->block_at(s, 1, &head), ERR_NOT_FOUND);
    /* A second genesis is refused whole: the first stays. */
    struct store_block b0;
    uint8_t ev[12];
    make_block(0, 0, &b0, ev);
    assert_int_equal(s->ops->write_genesis(s, "x", 1, "{}", 2, &b0), ERR_STORE_IO);
    assert_int_equal(s->ops->read_genesis(s, &json, &len), ERR_OK);
    assert_string_equal(json, "{\"g\":1}");
    free(json);
    s->ops->close(s);
}

struct collect {
    uint64_t heights[400];
    uint32_t count;
    int parts; /* what check_request expects */
    int stop_after;
    int no_events; /* STORE_SCAN_NO_EVENTS: 1 none at all, 2 none or all */
};

static int collect_block(void *ctx, const struct store_block *b, const struct store_request *r,
                         uint32_t n) {
    struct collect *c = ctx;
    int none = b->events == NULL && b->events_len == 0;
    if (c->no_events == 1) assert_true(none);
    check_block(b, c->no_events == 0 || (c->no_events == 2 && !none));
    assert_int_equal(n, requests_in(b->height));
    for (uint32_t i = 0; i < n; i++) check_request(b->height, i, &r[i], c->parts);
    if (c->count < 400) c->heights[c->count] = b->height;
    c->count++;
    return c->stop_after && c->count == (uint32_t)c->stop_after;
}

static void blocks_read_back_through_a_reopen(void **state) {
    const struct backend *be = *state;
    struct store *s = NULL;
    assert_int_equal(be_open(be, 1, &s), ERR_OK);
    build(s, 7);
    s->ops->close(s);
    assert_int_equal(be_open(be, 0, &s), ERR_OK);
    struct store_block b;
    assert_int_equal(s->ops->head(s, &b), ERR_OK);
    assert_int_equal(b.height, 7);
    check_block(&b, 0);
    assert_int_equal(s->ops->block_at(s, 3, &b), ERR_OK);
    assert_int_equal(b.height, 3);
    check_block(&b, 0);
    /* ascending with bodies, from 1 */
    struct collect c = {.parts = 3};
    assert_int_equal(s->ops->scan_blocks(s, 1, 1, collect_block, &c), ERR_OK);
    assert_int_equal(c.count, 7);
    for (uint32_t i = 0; i < 7; i++) assert_int_equal(c.heights[i], i + 1);
    /* without bodies, from 5 */
    struct collect d = {.parts = 2};
    assert_int_equal(s->ops->scan_blocks(s, 5, 0, collect_block, &d), ERR_OK);
    assert_int_equal(d.count, 3);
    assert_int_equal(d.heights[0], 5);
    /* for replay: without bodies nor the blocks' events (their count
     * stays); PostgreSQL may give them all the same */
    struct collect g = {.parts = 2, .no_events = be->pg ? 2 : 1};
    assert_int_equal(s->ops->scan_blocks(s, 2, STORE_SCAN_NO_EVENTS, collect_block, &g), ERR_OK);
    assert_int_equal(g.count, 6);
    assert_int_equal(g.heights[0], 2);
    /* the bodies with the events left out */
    struct collect k = {.parts = 3, .no_events = be->pg ? 2 : 1};
    assert_int_equal(s->ops->scan_blocks(s, 1, STORE_SCAN_BODIES | STORE_SCAN_NO_EVENTS,
                                         collect_block, &k),
                     ERR_OK);
    assert_int_equal(k.count, 7);
    /* read ahead on a thread: the same blocks, in order, each with its
     * events and requests (copied out of the rows it read past) */
    struct collect m = {.parts = 3};
    assert_int_equal(s->ops->scan_blocks(s, 1, STORE_SCAN_BODIES | STORE_SCAN_READ_AHEAD,
                                         collect_block, &m),
                     ERR_OK);
    assert_int_equal(m.count, 7);
    for (uint32_t i = 0; i < 7; i++) assert_int_equal(m.heights[i], i + 1);
    struct collect o = {.parts = 2, .no_events = be->pg ? 2 : 1};
    assert_int_equal(s->ops->scan_blocks(s, 3, STORE_SCAN_NO_EVENTS | STORE_SCAN_READ_AHEAD,
                                         collect_block, &o),
                     ERR_OK);
    assert_int_equal(o.count, 5);
    for (uint32_t i = 0; i < 5; i++) assert_int_equal(o.heights[i], i + 3);
    /* a callback that stops while the reader is ahead of it: nothing more */
    for (int stop = 1; stop <= 6; stop++) {
        struct collect p = {.parts = 2, .stop_after = stop};
        assert_int_equal(s->ops->scan_blocks(s, 1, STORE_SCAN_READ_AHEAD, collect_block, &p),
                         ERR_OK);
        assert_int_equal(p.count, (uint32_t)stop);
    }
    /* past the head: no block, no call */
    struct collect r = {.parts = 2};
    assert_int_equal(s->ops->scan_blocks(s, 8, STORE_SCAN_READ_AHEAD, collect_block, &r), ERR_OK);
    assert_int_equal(r.count, 0);
    /* descending, request headers only, down to 1 */
    struct collect e = {.parts = 1};
    assert_int_equal(s->ops->scan_blocks_desc(s, collect_block, &e), ERR_OK);
    assert_int_equal(e.count, 7);
    for (uint32_t i = 0; i < 7; i++) assert_int_equal(e.heights[i], 7 - i);
    /* a callback that stops */
    struct collect f = {.parts = 3, .stop_after = 2};
    assert_int_equal(s->ops->scan_blocks(s, 1, 1, collect_block, &f), ERR_OK);
    assert_int_equal(f.count, 2);
    struct store_tally t;
    assert_int_equal(s->ops->tally(s, &t), ERR_OK);
    uint64_t reqs = 0;
    for (uint64_t h = 1; h <= 7; h++) reqs += requests_in(h);
    assert_int_equal(t.requests, reqs);
    assert_int_equal(t.requests_in_blocks, reqs);
    assert_int_equal(t.request_height_max, 7);
    assert_int_equal(t.snapshot_height_max, 0);
    assert_int_equal(s->ops->settle(s), ERR_OK);
    assert_int_equal(s->ops->head(s, &b), ERR_OK);
    assert_int_equal(b.height, 7);
    s->ops->close(s);
}

struct req_collect {
    uint64_t last_height;
    uint32_t last_index;
    uint32_t count;
    int desc;
    int64_t since_ms;
};

/* Which request of its block a request is: from its first_seq. */
static uint32_t request_index(const struct store_request *r, uint64_t h) {
    return (uint32_t)((r->first_seq - h * 10) / 2);
}

static int collect_request(void *ctx, const struct store_request *r, uint64_t h, int64_t time_ns) {
    struct req_collect *c = ctx;
    uint32_t i = request_index(r, h);
    check_request(h, i, r, 3);
    struct store_block want;
    uint8_t ev[12];
    make_block(h, requests_in(h), &want, ev);
    assert_int_equal(time_ns, want.time_ns);
    if (c->desc) {
        assert_int_equal(r->block_events_len, 12);
        assert_memory_equal(r->block_events, ev, 12);
        /* newest first: height down, and inside a block, index down */
        if (c->count) assert_true(h < c->last_height || (h == c->last_height && i < c->last_index));
    } else {
        assert_true(r->time_ms >= c->since_ms);
    }
    c->last_height = h;
    c->last_index = i;
    c->count++;
    return 0;
}

/* More rows than one fetch of a cursor (256 blocks, 512 requests). */
static void scans_cross_many_pages(void **state) {
    const struct backend *be = *state;
    struct store *s = NULL;
    assert_int_equal(be_open(be, 1, &s), ERR_OK);
    build(s, 300);
    uint64_t reqs = 0;
    for (uint64_t h = 1; h <= 300; h++) reqs += requests_in(h);
    struct collect c = {.parts = 2};
    assert_int_equal(s->ops->scan_blocks(s, 1, 0, collect_block, &c), ERR_OK);
    assert_int_equal(c.count, 300);
    for (uint32_t i = 0; i < 300; i++) assert_int_equal(c.heights[i], i + 1);
    struct collect d = {.parts = 1};
    assert_int_equal(s->ops->scan_blocks_desc(s, collect_block, &d), ERR_OK);
    assert_int_equal(d.count, 300);
    for (uint32_t i = 0; i < 300; i++) assert_int_equal(d.heights[i], 300 - i);
    struct collect e = {.parts = 3};
    assert_int_equal(s->ops->scan_blocks(s, 250, 1, collect_block, &e), ERR_OK);
    assert_int_equal(e.count, 51);
    struct req_collect r = {.desc = 1};
    assert_int_equal(s->ops->scan_requests_desc(s, collect_request, &r), ERR_OK);
    assert_int_equal(r.count, reqs);
    /* since block 200's first request's time */
    struct req_collect q = {.since_ms = 1700000000000LL + 200 * 1000};
    assert_int_equal(s->ops->scan_requests_since(s, q.since_ms, collect_request, &q), ERR_OK);
    uint64_t later = 0;
    for (uint64_t h = 200; h <= 300; h++) later += requests_in(h);
    assert_int_equal(q.count, later);
    s->ops->close(s);
}

static void append_refuses_any_height_but_the_next(void **state) {
    const struct backend *be = *state;
    struct store *s = NULL;
    assert_int_equal(be_open(be, 1, &s), ERR_OK);
    build(s, 2);
    struct store_tally before;
    assert_int_equal(s->ops->tally(s, &before), ERR_OK);
    assert_int_equal(append(s, 4), ERR_STORE_IO); /* a gap */
    assert_int_equal(append(s, 2), ERR_STORE_IO); /* again */
    assert_int_equal(append(s, 1), ERR_STORE_IO); /* the past */
    struct store_block b;
    assert_int_equal(s->ops->head(s, &b), ERR_OK);
    assert_int_equal(b.height, 2);
    check_block(&b, 0);
    struct store_tally after;
    assert_int_equal(s->ops->tally(s, &after), ERR_OK);
    assert_int_equal(after.requests, before.requests); /* no request of a refused block */
    assert_int_equal(append(s, 3), ERR_OK); /* the writer goes on */
    assert_int_equal(s->ops->head(s, &b), ERR_OK);
    assert_int_equal(b.height, 3);
    s->ops->close(s);
}

/* Two handles on one store: the one that is behind cannot append over
 * what the other committed. */
static void a_second_writer_is_caught(void **state) {
    const struct backend *be = *state;
    struct store *a = NULL;
    struct store *b = NULL;
    assert_int_equal(be_open(be, 1, &a), ERR_OK);
    build(a, 1);
    assert_int_equal(be_open(be, 0, &b), ERR_OK);
    assert_int_equal(append(a, 2), ERR_OK);
    assert_int_equal(append(b, 2), ERR_STORE_IO);
    assert_int_equal(append(b, 3), ERR_OK);
    assert_int_equal(append(a, 3), ERR_STORE_IO);
    struct store_block head;
    assert_int_equal(a->ops->head(a, &head), ERR_OK);
    assert_int_equal(head.height, 3);
    struct store_tally t;
    assert_int_equal(a->ops->tally(a, &t), ERR_OK);
    assert_int_equal(t.requests, t.requests_in_blocks);
    a->ops->close(a);
    b->ops->close(b);
}

static uint8_t *snapshot_bytes(uint64_t h, size_t len) {
    uint8_t *p = malloc(len);
    for (size_t i = 0; i < len; i++) p[i] = (uint8_t)((i * 31u) ^ (h * 7u) ^ (i >> 9));
    return p;
}

static void check_latest(struct store *s, uint64_t want_h, size_t want_len) {
    uint64_t h = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(s->ops->latest_snapshot(s, &h, &data, &len), ERR_OK);
    assert_int_equal(h, want_h);
    assert_int_equal(len, want_len);
    uint8_t *want = snapshot_bytes(want_h, want_len);
    assert_memory_equal(data, want, len);
    free(want);
    free(data);
}

static void snapshots_newest_whole_one_two_kept(void **state) {
    const struct backend *be = *state;
    struct store *s = NULL;
    assert_int_equal(be_open(be, 1, &s), ERR_OK);
    build(s, 3);
    uint64_t h = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(s->ops->latest_snapshot(s, &h, &data, &len), ERR_NOT_FOUND);
    /* sizes: one chunk, several chunks (256 KiB each) with a short last one */
    static const size_t sizes[4] = {0, 1000, 600000, 300000};
    for (uint64_t k = 1; k <= 3; k++) {
        uint8_t *p = snapshot_bytes(k, sizes[k]);
        assert_int_equal(s->ops->write_snapshot(s, k, p, sizes[k]), ERR_OK);
        free(p);
        check_latest(s, k, sizes[k]);
    }
    struct store_tally t;
    assert_int_equal(s->ops->tally(s, &t), ERR_OK);
    assert_int_equal(t.snapshot_height_max, 3);
    /* The newest damaged (a chunk cut short): the one before it. */
    be_tamper(be, "UPDATE snapshot_chunks SET data = substr(data, 2) WHERE height = 3 AND idx = 0");
    check_latest(s, 2, sizes[2]);
    /* Only two are kept: with both damaged, none. */
    be_tamper(be, "UPDATE snapshot_chunks SET data = substr(data, 2) WHERE height = 2 AND idx = 1");
    assert_int_equal(s->ops->latest_snapshot(s, &h, &data, &len), ERR_NOT_FOUND);
    /* Written again at the same height: whole again. */
    uint8_t *p = snapshot_bytes(3, sizes[3]);
    assert_int_equal(s->ops->write_snapshot(s, 3, p, sizes[3]), ERR_OK);
    free(p);
    check_latest(s, 3, sizes[3]);
    s->ops->close(s);
}

struct stalled_scan {
    struct store *s;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int in_scan, read_done, timed_out;
    uint64_t blocks;
};

static int stalled_block(void *ctx, const struct store_block *b, const struct store_request *r,
                         uint32_t n) {
    (void)b;
    (void)r;
    (void)n;
    struct stalled_scan *st = ctx;
    pthread_mutex_lock(&st->mu);
    st->blocks++;
    if (st->blocks == 1) {
        st->in_scan = 1;
        pthread_cond_broadcast(&st->cv);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 20;
        while (!st->read_done && !st->timed_out) {
            if (pthread_cond_timedwait(&st->cv, &st->mu, &until) != 0) st->timed_out = 1;
        }
    }
    pthread_mutex_unlock(&st->mu);
    return 0;
}

static void *stalled_run(void *arg) {
    struct stalled_scan *st = arg;
    if (st->s->ops->scan_blocks(st->s, 1, 1, stalled_block, st) != ERR_OK) st->timed_out = 1;
    return NULL;
}

static void a_short_read_answers_while_a_scan_is_stopped(void **state) {
    const struct backend *be = *state;
    struct store *s = NULL;
    assert_int_equal(be_open(be, 1, &s), ERR_OK);
    build(s, 5);
    struct stalled_scan st = {.s = s};
    pthread_mutex_init(&st.mu, NULL);
    pthread_cond_init(&st.cv, NULL);
    pthread_t scan;
    assert_int_equal(pthread_create(&scan, NULL, stalled_run, &st), 0);
    pthread_mutex_lock(&st.mu);
    while (!st.in_scan && !st.timed_out) pthread_cond_wait(&st.cv, &st.mu);
    pthread_mutex_unlock(&st.mu);
    /* The scan is stopped inside its first block: reads and a write answer. */
    struct store_block head;
    assert_int_equal(s->ops->head(s, &head), ERR_OK);
    assert_int_equal(head.height, 5);
    assert_int_equal(append(s, 6), ERR_OK);
    pthread_mutex_lock(&st.mu);
    st.read_done = 1;
    pthread_cond_broadcast(&st.cv);
    pthread_mutex_unlock(&st.mu);
    pthread_join(scan, NULL);
    assert_false(st.timed_out);
    assert_true(st.blocks >= 5);
    pthread_mutex_destroy(&st.mu);
    pthread_cond_destroy(&st.cv);
    s->ops->close(s);
}

/* ---- URLs (no store) ----------------------------------------------------- */

static void redact(const char *url, const char *want) {
    char out[256];
    store_url_redact(url, out, sizeof(out));
    assert_string_equal(out, want);
}

static void store_urls_are_shown_without_password(void **state) {
    (void)state;
    redact("postgres://u:secret@db.example:5432/ledger", "postgres://u@db.example:5432/ledger");
    redact("postgresql://u@h/db", "postgresql://u@h/db");
    redact("postgres://h/db?password=x&sslmode=require", "postgres://h/db?sslmode=require");
    redact("postgres://h/db?sslmode=require&password=x", "postgres://h/db?sslmode=require");
    redact("postgres://u:p@h/db?password=x", "postgres://u@h/db");
    redact("postgres://h/a@b", "postgres://h/a@b"); /* an @ after the host is not a user */
    redact("password=x", "password=x");              /* not a URL: nothing before it to cut */
    assert_true(store_url_is_postgres("postgres://h/db"));
    assert_true(store_url_is_postgres("postgresql://h/db"));
    assert_false(store_url_is_postgres("sqlite"));
    assert_false(store_url_is_postgres(NULL));
    struct store *s = NULL;
    assert_int_equal(store_open_url("mysql://h/db", "/nonexistent", 0, &s), ERR_USAGE);
    assert_null(s);
}

/* The whole-journal cursor (GET /api/journal, store_copy.h) reads the
 * journal as of its opening, across pages (16 blocks on PostgreSQL):
 * blocks appended after it opened are not seen, each block comes with its
 * events and its requests in order, bodies included. */
static enum err cursor_open(const struct backend *be, uint64_t from, struct store_cursor **out) {
    char path[160];
    snprintf(path, sizeof(path), "%s/mintline.db", be->dir);
    return be->pg ? store_cursor_open_pg(be->url, from, out) : store_cursor_open(path, from, out);
}

static uint64_t cursor_drain(struct store_cursor *c, uint64_t first) {
    uint64_t want = first;
    for (;;) {
        struct store_block b;
        int done = 0;
        assert_int_equal(store_cursor_next_block(c, &b, &done), ERR_OK);
        if (done) break;
        assert_int_equal(b.height, want++);
        check_block(&b, 1);
        uint32_t i = 0;
        for (;;) {
            struct store_request r;
            assert_int_equal(store_cursor_next_request(c, &r, &done), ERR_OK);
            if (done) break;
            check_request(b.height, i++, &r, 3);
        }
        assert_int_equal(i, requests_in(b.height));
    }
    return want - first;
}

static void the_journal_cursor_reads_one_commit(void **state) {
    const struct backend *be = *state;
    struct store *s = NULL;
    assert_int_equal(be_open(be, 1, &s), ERR_OK);
    build(s, 40);
    struct store_cursor *c = NULL, *tail = NULL;
    assert_int_equal(cursor_open(be, 0, &c), ERR_OK);
    assert_int_equal(cursor_open(be, 35, &tail), ERR_OK);
    assert_int_equal(append(s, 41), ERR_OK); /* after both opened */
    assert_int_equal(append(s, 42), ERR_OK);
    const char *json;
    size_t json_len;
    struct store_block b0, head;
    store_cursor_genesis(c, &json, &json_len, &b0, &head);
    assert_int_equal(json_len, 7);
    assert_memory_equal(json, "{\"g\":1}", 7);
    assert_int_equal(b0.height, 0);
    assert_int_equal(head.height, 40);
    check_block(&head, 0);
    assert_int_equal(cursor_drain(c, 1), 40);
    assert_int_equal(cursor_drain(tail, 35), 6);
    store_cursor_close(c);
    store_cursor_close(tail);
    assert_int_equal(cursor_open(be, 0, &c), ERR_OK);
    assert_int_equal(cursor_drain(c, 1), 42);
    store_cursor_close(c);
    s->ops->close(s);
}

/* A PostgreSQL journal's SQLite image (backups): every block, request and
 * the newest snapshot at or below its head, readable as a SQLite store;
 * and written back into an empty database, the same journal. */
static void a_postgres_journal_makes_a_sqlite_image(void **state) {
    const struct backend *be = *state;
    struct store *s = NULL;
    assert_int_equal(be_open(be, 1, &s), ERR_OK);
    build(s, 37);
    uint8_t snap[3000];
    for (size_t i = 0; i < sizeof(snap); i++) snap[i] = (uint8_t)(i * 7);
    assert_int_equal(s->ops->write_snapshot(s, 30, snap, sizeof(snap)), ERR_OK);
    s->ops->close(s);
    char img_dir[160], img[200], why[300];
    snprintf(img_dir, sizeof(img_dir), "%s/img", be->dir);
    snprintf(img, sizeof(img), "%s/mintline.db", img_dir);
    assert_int_equal(mkdir(img_dir, 0700), 0);
    struct store_copy_head h;
    assert_int_equal(store_copy_image_pg(be->url, img, &h, why, sizeof(why)), ERR_OK);
    assert_int_equal(h.height, 37);
    struct store_copy_head again;
    assert_int_equal(store_copy_head_of(img, &again), ERR_OK);
    assert_memory_equal(&again, &h, sizeof(h));
    struct store *copy = NULL;
    assert_int_equal(store_open(img_dir, 0, &copy), ERR_OK);
    struct collect c = {.parts = 3};
    assert_int_equal(copy->ops->scan_blocks(copy, 1, 1, collect_block, &c), ERR_OK);
    assert_int_equal(c.count, 37);
    uint64_t sh = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(copy->ops->latest_snapshot(copy, &sh, &data, &len), ERR_OK);
    assert_int_equal(sh, 30);
    assert_int_equal(len, sizeof(snap));
    assert_memory_equal(data, snap, sizeof(snap));
    free(data);
    copy->ops->close(copy);
    /* Back into PostgreSQL: refused over a ledger, then into an empty one. */
    struct store_copy_head back;
    assert_int_equal(store_copy_restore_pg(img_dir, be->url, &back, why, sizeof(why)), ERR_DATA_EXISTS);
    char url2[512];
    assert_int_equal(pg_fixture_make(url2, sizeof(url2)), 0);
    assert_int_equal(store_copy_restore_pg(img_dir, url2, &back, why, sizeof(why)), ERR_OK);
    assert_memory_equal(&back, &h, sizeof(h));
    struct store *pg2 = NULL;
    assert_int_equal(store_open_url(url2, be->dir, 0, &pg2), ERR_OK);
    struct collect d = {.parts = 3};
    assert_int_equal(pg2->ops->scan_blocks(pg2, 1, 1, collect_block, &d), ERR_OK);
    assert_int_equal(d.count, 37);
    assert_int_equal(pg2->ops->latest_snapshot(pg2, &sh, &data, &len), ERR_OK);
    assert_int_equal(sh, 30);
    free(data);
    pg2->ops->close(pg2);
    pg_fixture_drop(url2);
    unlink(img);
    rmdir(img_dir);
}

/* Each case twice, named by its backend. */
#define BOTH(f)                                                                                    \
    {#f " (sqlite)", f, be_setup, be_teardown, &sqlite_be},                                      \
        {#f " (postgres)", f, be_setup, be_teardown, &pg_be}

int main(void) {
    const struct CMUnitTest tests[] = {
        BOTH(open_without_create_on_nothing_is_no_ledger),
        BOTH(genesis_reads_back_and_is_written_once),
        BOTH(blocks_read_back_through_a_reopen),
        BOTH(scans_cross_many_pages),
        BOTH(append_refuses_any_height_but_the_next),
        BOTH(a_second_writer_is_caught),
        BOTH(snapshots_newest_whole_one_two_kept),
        BOTH(a_short_read_answers_while_a_scan_is_stopped),
        BOTH(the_journal_cursor_reads_one_commit),
        {"a_postgres_journal_makes_a_sqlite_image (postgres)", a_postgres_journal_makes_a_sqlite_image,
         be_setup, be_teardown, &pg_be},
        cmocka_unit_test(store_urls_are_shown_without_password),
    };
    /* Without a PostgreSQL (a run by hand), the SQLite half and the URLs:
     * `make test` always sets MINTLINE_TEST_PG_URL (tests/run.sh). */
    if (!pg_fixture_enabled()) {
        struct CMUnitTest sqlite_only[sizeof(tests) / sizeof(tests[0])];
        size_t n = 0;
        for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
            if (tests[i].initial_state != &pg_be) sqlite_only[n++] = tests[i];
        }
        fprintf(stderr, "# MINTLINE_TEST_PG_URL not set: the PostgreSQL half is not run\n");
        return _cmocka_run_group_tests("store", sqlite_only, n, NULL, NULL);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
