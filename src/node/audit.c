/*
 * audit.c - `mintline audit verify`: prove the journal from genesis.
 *
 * For every block: the chain link (prev hash), the block hash over all it
 * holds, every request's Ed25519 signature against the operator's key as
 * the ledger knew it at that point, the journaled binary commands against
 * a fresh decode of the signed JSON, and a replay that must reproduce every
 * result code and the state hash. It reads the store directly, so it works
 * with the node running or not; any mismatch fails loudly with the block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/jw.h"
#include "../base/report.h"
#include "../base/sig.h"
#include "chain.h"
#include "node.h"
#include "node_internal.h"
#include "request.h"

struct audit {
    struct engine e;
    struct chain_replay_buf rb;
    struct hash prev;
    uint64_t blocks;
    uint64_t requests;
    uint64_t commands;
    int clock_manual; /* the ledger's clock mode (genesis) */
    enum err err;
    char why[320];
};

static enum err audit__fail(struct audit *a, const char *fmt_block, uint64_t height,
                            const char *what) {
    snprintf(a->why, sizeof(a->why), fmt_block, (unsigned long long)height, what);
    return ERR_AUDIT_FAILED;
}

/* The signed JSON must decode to exactly the journaled commands. */
static enum err audit__commands(struct audit *a, const struct store_request *r, int op_index,
                                uint64_t height) {
    struct request_cmds rc;
    char why[160];
    enum err err = request_parse_journaled(&a->e, r->body, r->body_len, (uint32_t)op_index, &rc, why,
                                 sizeof(why));
    if (err) return audit__fail(a, "block %llu: a journaled body does not parse: %s", height, why);
    struct buf b;
    buf_init(&b);
    for (uint32_t i = 0; i < rc.count; i++) command_encode(&rc.cmds[i], &b);
    int same = buf_ok(&b) && rc.count == r->commands_count && !rc.dry_run &&
               rc.atomic == ((r->flags & STORE_REQUEST_ATOMIC) != 0) && b.len == r->commands_len &&
               memcmp(b.data, r->commands, b.len) == 0;
    int clock_ok = 1; /* a wall-clock ledger never admits an op that needs the manual clock */
    for (uint32_t i = 0; i < rc.count && !a->clock_manual; i++) {
        if (op_table()[rc.cmds[i].op].flags & OP_NEEDS_MANUAL_CLOCK) clock_ok = 0;
    }
    buf_free(&b);
    request_cmds_free(&rc);
    if (!same) return audit__fail(a, "block %llu: %s", height, "journaled commands differ from the signed body");
    if (!clock_ok) {
        return audit__fail(a, "block %llu: %s", height,
                           "dev.advance in a ledger made for the wall clock");
    }
    return ERR_OK;
}

/* One request, against the state just before it applies: the key in force
 * then (a rotation or removal earlier in the same block counts), the
 * decode of its signed body, and its ops against the ledger's clock mode. */
static enum err audit__request(void *ctx, const struct engine *e, const struct store_request *r,
                               uint64_t height) {
    struct audit *a = ctx;
    (void)e; /* a->e: the engine being replayed */
    int op = engine_operator_find(&a->e, r->operator_name, strlen(r->operator_name));
    if (op < 0) return audit__fail(a, "block %llu: unknown operator %s", height, r->operator_name);
    char time_text[24];
    snprintf(time_text, sizeof(time_text), "%lld", (long long)r->time_ms);
    if (sig_verify(a->e.s.operators[op].pubkey, r->method, r->path, time_text, r->nonce,
                   &r->body_hash, r->signature) != 0) {
        return audit__fail(a, "block %llu: bad signature by %s", height, r->operator_name);
    }
    return audit__commands(a, r, op, height);
}

static int audit__check_block(struct audit *a, const struct store_block *b,
                              const struct store_request *reqs, uint32_t n);

/* Signatures are checked against the operators' keys just before each
 * request applies: the key in force when a command applies is the one that
 * counts (the sequencer refuses a request whose key changed while it
 * waited), so a rotation earlier in the same block is seen. */
static int audit__block(void *ctx, const struct store_block *b, const struct store_request *stored,
                        uint32_t n) {
    struct audit *a = ctx;
    /* The body hashes that the chain and the signatures cover come from the
     * bodies as stored, never from anything else the journal says. */
    struct store_request *reqs = calloc(n ? n : 1, sizeof(*reqs));
    if (reqs == NULL) {
        a->err = ERR_INTERNAL;
        return 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        reqs[i] = stored[i];
        hash_once(reqs[i].body, reqs[i].body_len, &reqs[i].body_hash);
    }
    int stop = audit__check_block(a, b, reqs, n);
    free(reqs);
    return stop;
}

static int audit__check_block(struct audit *a, const struct store_block *b,
                              const struct store_request *reqs, uint32_t n) {
    struct hash h;
    if (memcmp(b->prev_hash.bytes, a->prev.bytes, HASH_BYTES) != 0) {
        a->err = audit__fail(a, "block %llu: %s", b->height, "previous-hash link broken");
        return 1;
    }
    block_hash(b, reqs, n, &h);
    if (memcmp(h.bytes, b->hash.bytes, HASH_BYTES) != 0) {
        a->err = audit__fail(a, "block %llu: %s", b->height, "block hash does not match its contents");
        return 1;
    }
    a->err = chain_replay_block(&a->e, b, reqs, n, &a->rb, CHAIN_CHECK_EVENTS, audit__request, a,
                                a->why, sizeof(a->why));
    if (a->err) return 1;
    a->prev = b->hash;
    a->blocks++;
    a->requests += n;
    a->commands += b->commands_count;
    return 0;
}

/* Block 0: its hash over the genesis document, and the genesis state. */
static enum err audit__genesis_check(struct audit *a, const char *json, size_t len,
                                     const struct store_block *b0) {
    enum err err = chain_genesis_engine(&a->e, json, len, b0->time_ns, &a->clock_manual, a->why,
                                        sizeof(a->why));
    if (err) return err;
    struct hash h;
    block_hash_genesis(b0, json, len, &h);
    if (memcmp(h.bytes, b0->hash.bytes, HASH_BYTES) != 0) {
        err = audit__fail(a, "block %llu: %s", 0, "genesis hash does not match");
    }
    engine_state_hash(&a->e, &h);
    if (!err && memcmp(h.bytes, b0->state_hash.bytes, HASH_BYTES) != 0) {
        err = audit__fail(a, "block %llu: %s", 0, "genesis state hash does not match");
    }
    a->prev = b0->hash;
    return err;
}

static enum err audit__genesis(struct audit *a, struct store *s) {
    char *json = NULL;
    size_t len = 0;
    struct store_block b0;
    enum err err = s->ops->read_genesis(s, &json, &len);
    if (!err) err = s->ops->block_at(s, 0, &b0);
    if (!err) err = audit__genesis_check(a, json, len, &b0);
    free(json);
    return err;
}

/* Rows the chain does not count itself: requests outside any verified
 * block, or a request or snapshot naming a block past the head, mean a
 * block was removed. */
static enum err audit__tally(struct audit *a, struct store *s) {
    struct store_block head;
    struct store_tally t;
    enum err err = s->ops->head(s, &head);
    if (!err) err = s->ops->tally(s, &t);
    if (err) return err;
    if (head.height != a->blocks) {
        return audit__fail(a, "block %llu: %s", a->blocks + 1, "missing from the journal");
    }
    if (t.requests != a->requests || t.request_height_max > head.height ||
        t.snapshot_height_max > head.height) {
        uint64_t past = t.request_height_max > t.snapshot_height_max ? t.request_height_max
                                                                     : t.snapshot_height_max;
        return audit__fail(a, "block %llu: %s", past > head.height ? past : head.height,
                           "the journal holds requests or snapshots no block accounts for "
                           "(a block was removed)");
    }
    return ERR_OK;
}

void node_audit_print(const struct node_audit_summary *sum, int json) {
    char hex[HASH_HEX_SIZE];
    hash_hex(&sum->head_hash, hex);
    if (!json) {
        printf("audit ok\n  blocks      %llu\n  requests    %llu (signatures verified)\n"
               "  commands    %llu\n  head hash   %s\n",
               (unsigned long long)sum->blocks, (unsigned long long)sum->requests,
               (unsigned long long)sum->commands, hex);
        return;
    }
    struct buf b;
    struct jw w;
    node_json_begin(&w, &b);
    jw_kv_uint(&w, "blocks", sum->blocks);
    jw_kv_uint(&w, "requests", sum->requests);
    jw_kv_uint(&w, "commands", sum->commands);
    jw_kv_string(&w, "head_hash", hex);
    node_json_end(&w);
}

static void audit__summary(const struct audit *a, struct node_audit_summary *out) {
    out->blocks = a->blocks + 1;
    out->requests = a->requests;
    out->commands = a->commands;
    out->head_hash = a->prev;
    engine_state_hash(&a->e, &out->state_hash);
}

enum err node_audit_run(const char *data_dir, struct node_audit_summary *out, char *why,
                        size_t why_size) {
    return node_audit_run_url(data_dir, NULL, out, why, why_size);
}

enum err node_audit_run_url(const char *data_dir, const char *store_url,
                            struct node_audit_summary *out, char *why, size_t why_size) {
    snprintf(why, why_size, "%s", "");
    struct audit *a = calloc(1, sizeof(*a));
    if (a == NULL) return ERR_INTERNAL;
    struct store *s = NULL;
    enum err err = store_open_url(store_url, data_dir, 0, &s);
    if (!err) err = engine_open(&a->e, 1024);
    if (!err) err = audit__genesis(a, s);
    if (!err) err = s->ops->scan_blocks(s, 1, 1, audit__block, a);
    if (!err) err = a->err;
    if (!err) err = audit__tally(a, s);
    if (!err) {
        audit__summary(a, out);
    } else if (a->why[0]) {
        snprintf(why, why_size, "%s", a->why);
    }
    if (s) s->ops->close(s);
    engine_close(&a->e);
    chain_replay_buf_free(&a->rb);
    free(a);
    return err;
}

int node_audit_verify(const char *data_dir, const char *store_url, int json) {
    struct node_audit_summary sum;
    char why[320];
    char where[512];
    if (store_url_is_postgres(store_url)) store_url_redact(store_url, where, sizeof(where));
    else snprintf(where, sizeof(where), "%s", data_dir);
    enum err err = node_audit_run_url(data_dir, store_url, &sum, why, sizeof(why));
    if (err) return report_error(err, why[0] ? why : where);
    node_audit_print(&sum, json);
    return EXIT_DONE;
}

/* ---- the same checks, fed block by block (audit through the node) -------- */

struct node_audit {
    struct audit a;
};

enum err node_audit_begin(const char *genesis_json, size_t json_len, const struct store_block *b0,
                          struct node_audit **out, char *why, size_t why_size) {
    snprintf(why, why_size, "%s", "");
    struct node_audit *na = calloc(1, sizeof(*na));
    if (na == NULL) return ERR_INTERNAL;
    enum err err = engine_open(&na->a.e, 1024);
    if (!err) err = audit__genesis_check(&na->a, genesis_json, json_len, b0);
    if (err) {
        snprintf(why, why_size, "%s", na->a.why);
        node_audit_free(na);
        return err;
    }
    *out = na;
    return ERR_OK;
}

enum err node_audit_block(struct node_audit *na, const struct store_block *b,
                          const struct store_request *reqs, uint32_t count, char *why,
                          size_t why_size) {
    struct audit *a = &na->a;
    if (b->height != a->blocks + 1) {
        snprintf(why, why_size, "block %llu: %s", (unsigned long long)b->height,
                 "out of order (a block is missing before it)");
        return ERR_AUDIT_FAILED;
    }
    if (audit__block(a, b, reqs, count) != 0 || a->err) {
        snprintf(why, why_size, "%s", a->why);
        return a->err ? a->err : ERR_AUDIT_FAILED;
    }
    return ERR_OK;
}

void node_audit_summary(const struct node_audit *na, struct node_audit_summary *out) {
    audit__summary(&na->a, out);
}

void node_audit_free(struct node_audit *na) {
    if (na == NULL) return;
    engine_close(&na->a.e);
    chain_replay_buf_free(&na->a.rb);
    free(na);
}
