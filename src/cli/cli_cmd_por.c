/*
 * cli_cmd_por.c - proof of reserves: `por publish SYM`, `por show SYM`,
 * `por proof SYM ADDR` and `por verify FILE`.
 *
 * publish draws the publication's salt from libsodium's CSPRNG, so it is
 * random and, being in the signed body, in the journal (replay needs it).
 * verify reads a proof strictly (every field known, well formed, present),
 * checks it offline with the engine's own code (por_verify), then, unless
 * --offline, asks the node whether that root is one it published.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../base/duration.h"
#include "../base/hex.h"
#include "../engine/genesis.h"
#include "../engine/por.h"
#include "../node/node_internal.h"
#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_http.h"
#include "cli_out.h"

#define POR_PROOF_FILE_MAX (64u * 1024u)

int cli_cmd_por_publish(struct cli_ctx *ctx) {
    uint8_t salt[HASH_BYTES];
    char hex[HASH_HEX_SIZE];
    randombytes_buf(salt, sizeof(salt));
    hex_encode(salt, sizeof(salt), hex);
    json_t *body = cli_cmd_submit_body(ctx);
    if (body != NULL) json_object_set_new(body, "salt", json_string(hex));
    sodium_memzero(salt, sizeof(salt));
    return cli_cmd_submit_send(ctx, body);
}

int cli_cmd_por_show(struct cli_ctx *ctx) {
    static const char *const keys[] = {"asset", "block", "time", "leaves", "depth",
                                       "total", "reserve", "root"};
    char path[512], sym[200];
    cli_http_segment(sym, sizeof(sym), cli_ctx_pos(ctx, 0));
    snprintf(path, sizeof(path), "/api/assets/%s/por", sym);
    struct cli_reply reply;
    cli_call(ctx, "GET", path, NULL, &reply);
    int rc = cli_reply_finish(ctx, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        rc = cli_out_fields(reply.doc, keys, sizeof(keys) / sizeof(keys[0])) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
    }
    cli_reply_free(&reply);
    return rc;
}

/* `por proof SYM ADDR`: the proof on stdout, byte for byte as the node
 * wrote it (compact: a million-holder proof stays under 2 KiB). */
int cli_cmd_por_proof(struct cli_ctx *ctx) {
    char path[512], sym[200], address[280];
    cli_http_segment(sym, sizeof(sym), cli_ctx_pos(ctx, 0));
    cli_http_segment(address, sizeof(address), cli_ctx_pos(ctx, 1));
    snprintf(path, sizeof(path), "/api/assets/%s/por/%s", sym, address);
    struct cli_reply reply;
    cli_call(ctx, "GET", path, NULL, &reply);
    int rc = reply.exit_code;
    if (rc != CLI_EXIT_OK) rc = cli_reply_finish(ctx, &reply);
    else if (cli_out_raw(&reply.raw) != 0 || fflush(stdout) != 0) rc = CLI_EXIT_IO;
    cli_reply_free(&reply);
    return rc;
}

/* ---- reading a proof: every field checked, nothing unknown ---- */

struct cli_por__reader {
    const char *why; /* the first problem found */
    char where[96];
};

static int cli_por__fail(struct cli_por__reader *r, const char *where, const char *why) {
    if (r->why == NULL) {
        r->why = why;
        snprintf(r->where, sizeof(r->where), "%s", where);
    }
    return -1;
}

/* Refuse keys outside `keys` (NULL-terminated) and missing ones. */
static int cli_por__keys(struct cli_por__reader *r, const json_t *obj, const char *where,
                         const char *const *keys) {
    if (!json_is_object(obj)) return cli_por__fail(r, where, "is not an object");
    const char *key;
    const json_t *v;
    size_t n = 0;
    json_object_foreach((json_t *)obj, key, v) {
        size_t i = 0;
        while (keys[i] != NULL && strcmp(keys[i], key) != 0) i++;
        if (keys[i] == NULL) return cli_por__fail(r, key, "is not a field of a proof");
        n++;
    }
    size_t want = 0;
    while (keys[want] != NULL) want++;
    if (n != want) return cli_por__fail(r, where, "lacks a field");
    return 0;
}

static int cli_por__uint(struct cli_por__reader *r, const json_t *obj, const char *key,
                         uint64_t max, uint64_t *out) {
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max) {
        return cli_por__fail(r, key, "is not a whole number in range");
    }
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int cli_por__hash(struct cli_por__reader *r, const json_t *obj, const char *key,
                         uint8_t out[HASH_BYTES]) {
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || hex_decode(json_string_value(v), json_string_length(v), out, HASH_BYTES) != 0) {
        return cli_por__fail(r, key, "is not 64 hex digits");
    }
    return 0;
}

static int cli_por__amount(struct cli_por__reader *r, const json_t *obj, const char *key,
                           unsigned decimals, u128 *out) {
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || amount_parse(json_string_value(v), json_string_length(v), decimals, out) != ERR_OK) {
        return cli_por__fail(r, key, "is not an amount in the asset's decimals");
    }
    return 0;
}

static int cli_por__publication(struct cli_por__reader *r, const json_t *pub, struct por_proof *p) {
    static const char *const keys[] = {"asset", "decimals", "block", "seq", "time_ms", "leaves",
                                       "depth", "total", "reserve", "root", NULL};
    if (cli_por__keys(r, pub, "publication", keys) != 0) return -1;
    struct por_header *h = &p->pub;
    const json_t *sym = json_object_get(pub, "asset");
    if (!json_is_string(sym) || json_string_length(sym) > LIMIT_SYMBOL ||
        !symbol_valid(json_string_value(sym), json_string_length(sym))) {
        return cli_por__fail(r, "asset", "is not an asset symbol");
    }
    memcpy(p->symbol, json_string_value(sym), json_string_length(sym) + 1);
    uint64_t v, t;
    if (cli_por__uint(r, pub, "decimals", AMOUNT_DECIMALS_MAX, &v) != 0) return -1;
    p->decimals = (uint8_t)v;
    if (cli_por__uint(r, pub, "block", INT64_MAX, &h->block) != 0 || h->block == 0) {
        return cli_por__fail(r, "block", "is not a block height");
    }
    if (cli_por__uint(r, pub, "seq", INT64_MAX, &h->seq) != 0) return -1;
    if (cli_por__uint(r, pub, "time_ms", INT64_MAX / 1000000, &t) != 0) return -1;
    h->time_ns = (int64_t)t * 1000000;
    if (cli_por__uint(r, pub, "leaves", UINT32_MAX, &v) != 0) return -1;
    h->leaves = (uint32_t)v;
    if (cli_por__uint(r, pub, "depth", POR_MAX_LEVELS - 1, &v) != 0) return -1;
    h->depth = (uint8_t)v;
    if (cli_por__amount(r, pub, "total", p->decimals, &h->total) != 0) return -1;
    if (cli_por__amount(r, pub, "reserve", p->decimals, &h->reserve) != 0) return -1;
    return cli_por__hash(r, pub, "root", h->root);
}

static int cli_por__leaf(struct cli_por__reader *r, const json_t *leaf, struct por_proof *p) {
    static const char *const keys[] = {"address", "balance", "salt", "index", NULL};
    if (cli_por__keys(r, leaf, "leaf", keys) != 0) return -1;
    const json_t *a = json_object_get(leaf, "address");
    if (!json_is_string(a) || addr_parse(json_string_value(a), json_string_length(a), &p->addr) != ERR_OK) {
        return cli_por__fail(r, "address", "is not an address");
    }
    uint64_t index;
    if (cli_por__amount(r, leaf, "balance", p->decimals, &p->balance) != 0) return -1;
    if (cli_por__hash(r, leaf, "salt", p->leaf_salt) != 0) return -1;
    if (cli_por__uint(r, leaf, "index", UINT32_MAX, &index) != 0) return -1;
    p->index = (uint32_t)index;
    return 0;
}

/* "path": [[sibling hash in base64, sibling sum], ...] from the leaf up. */
static int cli_por__path(struct cli_por__reader *r, const json_t *path, struct por_proof *p) {
    if (!json_is_array(path) || json_array_size(path) >= POR_MAX_LEVELS) {
        return cli_por__fail(r, "path", "is not an array of at most 32 steps");
    }
    size_t i;
    const json_t *step;
    json_array_foreach(path, i, step) {
        struct por_step *s = &p->steps[i];
        const json_t *hash = json_array_get(step, 0);
        const json_t *sum = json_array_get(step, 1);
        size_t got = 0;
        if (!json_is_array(step) || json_array_size(step) != 2 || !json_is_string(hash) ||
            json_string_length(hash) != POR_B64_SIZE - 1 ||
            sodium_base642bin(s->hash, HASH_BYTES, json_string_value(hash), json_string_length(hash),
                              NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            got != HASH_BYTES) {
            return cli_por__fail(r, "path", "has a step that is not [hash in base64, sum]");
        }
        if (!json_is_string(sum) || amount_parse(json_string_value(sum), json_string_length(sum), p->decimals,
                                                 &s->sum) != ERR_OK) {
            return cli_por__fail(r, "path", "has a sum that is not an amount in the asset's decimals");
        }
    }
    p->steps_count = (uint32_t)json_array_size(path);
    return 0;
}

static int cli_por__read(struct cli_por__reader *r, const json_t *doc, struct por_proof *p) {
    static const char *const keys[] = {"version", "publication", "leaf", "path", NULL};
    memset(p, 0, sizeof(*p));
    if (cli_por__keys(r, doc, "the proof", keys) != 0) return -1;
    const char *version = json_string_value(json_object_get(doc, "version"));
    if (version == NULL || strcmp(version, "mintline-por-v1") != 0) {
        return cli_por__fail(r, "version", "is not mintline-por-v1");
    }
    if (cli_por__publication(r, json_object_get(doc, "publication"), p) != 0) return -1;
    if (cli_por__leaf(r, json_object_get(doc, "leaf"), p) != 0) return -1;
    return cli_por__path(r, json_object_get(doc, "path"), p);
}

/* ---- the node's side ---- */

/* Is hex one of the asset's published roots? 1 latest, 2 an earlier one
 * (*block set), 0 no, -1 the node could not say (*note set). */
static int cli_por__node(struct cli_ctx *ctx, const struct por_proof *p, const char *hex,
                         uint64_t *block, char *note, size_t note_size) {
    char path[512], sym[200];
    cli_http_segment(sym, sizeof(sym), p->symbol);
    snprintf(path, sizeof(path), "/api/assets/%s/por", sym);
    struct cli_reply reply;
    cli_call(ctx, "GET", path, NULL, &reply);
    int found = -1;
    if (reply.exit_code == CLI_EXIT_OK) {
        const char *root = json_string_value(json_object_get(reply.doc, "root"));
        *block = (uint64_t)json_integer_value(json_object_get(reply.doc, "block"));
        found = root != NULL && strcmp(root, hex) == 0 ? 1 : 0;
    } else if (reply.exit_code == CLI_EXIT_REJECTED &&
               (strcmp(reply.code, "ERR_UNKNOWN_ASSET") == 0 || strcmp(reply.code, "ERR_NOT_FIAT") == 0)) {
        cli_reply_free(&reply);
        return 0; /* no such asset here, or one that never has a proof */
    } else if (reply.exit_code == CLI_EXIT_REJECTED && strcmp(reply.code, "ERR_NOT_FOUND") == 0) {
        found = 0; /* nothing published at all */
    } else {
        snprintf(note, note_size, "%s: %s", reply.code, reply.message);
    }
    cli_reply_free(&reply);
    if (found != 0) return found;
    snprintf(path, sizeof(path), "/api/events/recent?type=PorPublished&asset=%s&limit=%u", sym,
             (unsigned)LIMIT_READ_ROWS);
    cli_call(ctx, "GET", path, NULL, &reply);
    if (reply.exit_code == CLI_EXIT_OK) {
        size_t i;
        const json_t *ev;
        json_array_foreach(json_object_get(reply.doc, "events"), i, ev) {
            const char *root = json_string_value(json_object_get(json_object_get(ev, "data"), "root"));
            if (root != NULL && strcmp(root, hex) == 0) {
                *block = (uint64_t)json_integer_value(json_object_get(ev, "block"));
                found = 2;
                break;
            }
        }
    } else {
        snprintf(note, note_size, "%s: %s", reply.code, reply.message);
        found = -1;
    }
    cli_reply_free(&reply);
    return found;
}

static int cli_por__report(const struct cli_ctx *ctx, const struct por_proof *p, const char *hex,
                           const char *node, uint64_t node_block, const char *note) {
    int covered = p->pub.reserve >= p->pub.total;
    char addr[ADDR_TEXT_SIZE], balance[AMOUNT_TEXT_SIZE], total[AMOUNT_TEXT_SIZE],
        reserve[AMOUNT_TEXT_SIZE], iso[40];
    addr_format(&p->addr, addr);
    amount_format(p->balance, p->decimals, balance);
    amount_format(p->pub.total, p->decimals, total);
    amount_format(p->pub.reserve, p->decimals, reserve);
    time_format_iso(p->pub.time_ns, iso);
    if (ctx->json) {
        json_t *o = json_pack("{s:b,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "ok", 1, "asset", p->symbol,
                              "address", addr, "balance", balance, "block", (json_int_t)p->pub.block,
                              "time", iso, "root", hex, "total", total, "reserve", reserve, "node", node);
        if (o != NULL) json_object_set_new(o, "covered", json_boolean(covered));
        if (o != NULL && cli_ctx_flag(ctx, "root") != NULL) json_object_set_new(o, "root_given", json_true());
        if (o != NULL && node_block) json_object_set_new(o, "node_block", json_integer((json_int_t)node_block));
        if (o != NULL && note[0]) json_object_set_new(o, "node_note", json_string(note));
        char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        int rc = text != NULL && printf("%s\n", text) >= 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
        free(text);
        json_decref(o);
        return rc;
    }
    printf("proof ok: %s held %s %s in the proof of reserves of block %llu (%s)\n", addr, balance,
           p->symbol, (unsigned long long)p->pub.block, iso);
    printf("  root %s\n  total liabilities %s %s, verified reserve %s %s, %u holders\n", hex, total,
           p->symbol, reserve, p->symbol, p->pub.leaves);
    if (!covered) {
        printf("  warning: the verified reserve was below the liabilities at that publication\n");
    }
    if (cli_ctx_flag(ctx, "root") != NULL) printf("  root: the one given with --root\n");
    if (strcmp(node, "latest") == 0) printf("  node: this is its latest publication\n");
    else if (strcmp(node, "earlier") == 0) {
        printf("  node: published this root at block %llu; it has published since (see por show)\n",
               (unsigned long long)node_block);
    } else {
        printf("  node: not checked (%s)\n", note);
    }
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_cmd_por_verify(struct cli_ctx *ctx) {
    const char *file = cli_ctx_pos(ctx, 0);
    char *text = NULL;
    size_t len = 0;
    if (node_read_file(file, POR_PROOF_FILE_MAX, &text, &len) != ERR_OK) {
        cli_out_error(ctx->color_err, err_name(ERR_IO), "cannot read %s (or it is over 64 KiB)", file);
        return CLI_EXIT_IO;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (doc == NULL) { /* a verdict on the file, like any other bad proof */
        cli_out_error(ctx->color_err, err_name(ERR_PROOF_INVALID), "%s is not a JSON proof: %s", file,
                      jerr.text);
        return CLI_EXIT_REJECTED;
    }
    struct por_proof p;
    struct cli_por__reader r = {0};
    int bad = cli_por__read(&r, doc, &p);
    json_decref(doc);
    if (bad) {
        cli_out_error(ctx->color_err, err_name(ERR_PROOF_INVALID), "%s %s", r.where, r.why);
        return CLI_EXIT_REJECTED;
    }
    const char *why;
    if (por_verify(&p, &why) != ERR_OK) {
        cli_out_error(ctx->color_err, err_name(ERR_PROOF_INVALID), "%s", why);
        return CLI_EXIT_REJECTED;
    }
    char hex[HASH_HEX_SIZE];
    hex_encode(p.pub.root, HASH_BYTES, hex);
    /* --root: the root the holder got elsewhere (the public dashboard). */
    const char *want = cli_ctx_flag(ctx, "root");
    uint8_t want_root[HASH_BYTES];
    if (want != NULL && hex_decode(want, strlen(want), want_root, HASH_BYTES) != 0) {
        return cli_cmd_usage_error(ctx, "--root takes the published root: 64 hex digits");
    }
    if (want != NULL && memcmp(want_root, p.pub.root, HASH_BYTES) != 0) {
        cli_out_error(ctx->color_err, err_name(ERR_PROOF_INVALID),
                      "the proof is for root %s, not the root given with --root", hex);
        return CLI_EXIT_REJECTED;
    }
    char note[600] = "";
    uint64_t node_block = 0;
    const char *node = "not_checked";
    if (cli_ctx_flag(ctx, "offline") != NULL) {
        snprintf(note, sizeof(note), "--offline");
    } else if (ctx->operator_name == NULL) {
        snprintf(note, sizeof(note), "no operator to sign with: --operator or MINTLINE_OPERATOR");
    } else {
        int found = cli_por__node(ctx, &p, hex, &node_block, note, sizeof(note));
        if (found == 0) {
            cli_out_error(ctx->color_err, err_name(ERR_PROOF_INVALID),
                          "the node at %s never published root %s for %s", ctx->node_url, hex, p.symbol);
            return CLI_EXIT_REJECTED;
        }
        if (found == 1) node = "latest";
        if (found == 2) node = "earlier";
        if (found == 1) node_block = 0;
    }
    return cli_por__report(ctx, &p, hex, node, node_block, note);
}
