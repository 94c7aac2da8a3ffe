/*
 * request.c - parse a command body into decoded commands, streaming.
 *
 * A batch of 8,000 transfers is 1.2 MB of JSON; building a DOM for it cost
 * more than applying it. yajl (Debian's libyajl) validates the JSON and
 * calls back per token; each command object's fields are gathered into a
 * small bounded argument list and decoded by command_decode_args, the same
 * decoder the jansson path uses. Nothing here allocates per token: values
 * are copied into a fixed arena per object.
 */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* Arguments of one JSON object (the top level, or one command). */
struct request__obj {
    struct command_arg args[LIMIT_COMMAND_ARGS];
    uint32_t count;
    int too_many;
    /* Room for every argument at its largest: a key of up to 63 bytes and a
     * text of up to LIMIT_ARG_TEXT, each NUL-terminated (found by fuzz_request:
     * twelve such arguments overran a smaller arena into ERR_INTERNAL). */
    char arena[LIMIT_COMMAND_ARGS * (64 + LIMIT_ARG_TEXT + 1)];
    size_t used;
    char key[64];
    size_t key_len;
};

struct request__parser {
    const struct engine *e;
    uint32_t op_index;
    struct request_cmds *out;
    uint32_t cap;
    int depth;         /* 1: top object, 2: the commands list, 3: a command */
    int skip;          /* nesting inside a value we do not model */
    int commands_seen;
    struct request__obj top;
    struct request__obj cmd;
    enum err err;
    char *why;
    size_t why_size;
};

static struct request__obj *request__current(struct request__parser *p) {
    return p->depth == 3 ? &p->cmd : &p->top;
}

static int request__fail(struct request__parser *p, enum err err, const char *what) {
    p->err = err;
    snprintf(p->why, p->why_size, "%s", what);
    return 0; /* stop yajl */
}

/* Record the value of the current key in the current object. */
static int request__arg(struct request__parser *p, uint8_t type, const char *text, size_t len) {
    struct request__obj *o = request__current(p);
    if (o->count == LIMIT_COMMAND_ARGS) {
        o->too_many = 1;
        return 1;
    }
    if (type == ARG_STRING && len > LIMIT_ARG_TEXT) type = ARG_OTHER;
    int has_text = type == ARG_STRING || type == ARG_BOOL || (type == ARG_NUMBER && len <= 32);
    size_t need = o->key_len + (has_text ? len : 0) + 2;
    if (o->used + need > sizeof(o->arena)) return request__fail(p, ERR_INTERNAL, "arena");
    struct command_arg *a = &o->args[o->count++];
    a->key = memcpy(o->arena + o->used, o->key, o->key_len);
    a->key_len = o->key_len;
    o->used += o->key_len + 1;
    a->type = type;
    a->value = NULL;
    a->value_len = 0;
    if (has_text) {
        a->value = memcpy(o->arena + o->used, text, len);
        a->value_len = len;
        o->used += len + 1;
    }
    return 1;
}

/* A scalar (or the start of a container) where a value is expected. */
static int request__value(struct request__parser *p, uint8_t type, const char *text, size_t len) {
    if (p->skip) return 1;
    if (p->depth == 2) {
        char where[48];
        snprintf(where, sizeof(where), "commands[%u]: not an object", p->out->count);
        return request__fail(p, ERR_INVALID_JSON, where);
    }
    if (p->depth == 0) return request__fail(p, ERR_INVALID_JSON, "the body must be an object");
    return request__arg(p, type, text, len);
}

static int request__null(void *ctx) { return request__value(ctx, ARG_OTHER, NULL, 0); }

static int request__boolean(void *ctx, int v) {
    return request__value(ctx, ARG_BOOL, v ? "true" : "false", v ? 4 : 5);
}

static int request__number(void *ctx, const char *text, size_t len) {
    return request__value(ctx, ARG_NUMBER, text, len);
}

static int request__string(void *ctx, const unsigned char *s, size_t len) {
    return request__value(ctx, ARG_STRING, (const char *)s, len);
}

static int request__key(void *ctx, const unsigned char *key, size_t len) {
    struct request__parser *p = ctx;
    if (p->skip) return 1;
    struct request__obj *o = request__current(p);
    o->key_len = len < sizeof(o->key) - 1 ? len : sizeof(o->key) - 1;
    memcpy(o->key, key, o->key_len);
    o->key[o->key_len] = '\0';
    return 1;
}

static int request__key_is(const struct request__obj *o, const char *name) {
    return o->key_len == strlen(name) && memcmp(o->key, name, o->key_len) == 0;
}

static int request__start_map(void *ctx) {
    struct request__parser *p = ctx;
    if (p->skip) {
        p->skip++;
        return 1;
    }
    if (p->depth == 0 || p->depth == 2) {
        p->depth++;
        if (p->depth == 3) {
            p->cmd.count = 0;
            p->cmd.used = 0;
            p->cmd.too_many = 0;
        }
        return 1;
    }
    /* An object as a field's value: nothing takes one. */
    if (!request__arg(p, ARG_OTHER, NULL, 0)) return 0;
    p->skip = 1;
    return 1;
}

static int request__start_array(void *ctx) {
    struct request__parser *p = ctx;
    if (p->skip) {
        p->skip++;
        return 1;
    }
    if (p->depth == 1 && request__key_is(&p->top, "commands")) {
        if (p->commands_seen++) return request__fail(p, ERR_INVALID_JSON, "duplicate field: commands");
        p->depth = 2;
        return 1;
    }
    if (p->depth != 1 && p->depth != 3) return request__value(p, ARG_OTHER, NULL, 0);
    if (!request__arg(p, ARG_OTHER, NULL, 0)) return 0;
    p->skip = 1;
    return 1;
}

static int request__end_command(struct request__parser *p) {
    struct request_cmds *out = p->out;
    char where[40];
    snprintf(where, sizeof(where), "commands[%u]", out->count);
    if (out->count == LIMIT_BATCH_COMMANDS) return request__fail(p, ERR_BATCH_TOO_LARGE, where);
    if (p->cmd.too_many) return request__fail(p, ERR_UNKNOWN_FIELD, where);
    if (out->count == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 64;
        struct command *c = realloc(out->cmds, cap * sizeof(*c));
        if (c == NULL) return request__fail(p, ERR_INTERNAL, "out of memory");
        out->cmds = c;
        p->cap = cap;
    }
    char field[96] = "";
    enum err err = command_decode_args(p->e, p->cmd.args, p->cmd.count, &out->cmds[out->count],
                                       field, sizeof(field));
    if (err) {
        p->err = err;
        snprintf(p->why, p->why_size, "%s.%s", where, field);
        return 0;
    }
    out->cmds[out->count++].operator_index = p->op_index;
    return 1;
}

static int request__end_map(void *ctx) {
    struct request__parser *p = ctx;
    if (p->skip) {
        p->skip--;
        return 1;
    }
    p->depth = p->depth == 3 ? 2 : 0;
    return p->depth == 2 ? request__end_command(p) : 1;
}

static int request__end_array(void *ctx) {
    struct request__parser *p = ctx;
    if (p->skip) {
        p->skip--;
        return 1;
    }
    p->depth = 1; /* the commands list closed */
    return 1;
}

static const yajl_callbacks request__callbacks = {
    request__null,       request__boolean,  NULL, NULL, request__number, request__string,
    request__start_map,  request__key,      request__end_map, request__start_array,
    request__end_array,
};

/* A top-level flag: absent, or a boolean. */
static enum err request__flag(const struct request__obj *top, const char *name, int *out) {
    for (uint32_t i = 0; i < top->count; i++) {
        const struct command_arg *a = &top->args[i];
        if (a->key_len != strlen(name) || memcmp(a->key, name, a->key_len) != 0) continue;
        if (a->type != ARG_BOOL) return ERR_INVALID_ARGUMENT;
        *out = a->value_len == 4; /* "true" */
    }
    return ERR_OK;
}

static int request__is(const struct command_arg *a, const char *name) {
    return a->key_len == strlen(name) && memcmp(a->key, name, a->key_len) == 0;
}

/* The body was one command: decode the top object's arguments but the flag. */
static enum err request__single(struct request__parser *p, size_t len) {
    if (len > LIMIT_BODY_SINGLE_BYTES) return ERR_BODY_TOO_LARGE;
    struct command_arg args[LIMIT_COMMAND_ARGS];
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->top.count; i++) {
        if (!request__is(&p->top.args[i], "dry_run")) args[n++] = p->top.args[i];
    }
    struct request_cmds *out = p->out;
    out->cmds = calloc(1, sizeof(*out->cmds));
    if (out->cmds == NULL) return ERR_INTERNAL;
    enum err err = command_decode_args(p->e, args, n, out->cmds, p->why, p->why_size);
    if (err) return err;
    out->cmds[0].operator_index = p->op_index;
    out->count = 1;
    return ERR_OK;
}

static enum err request__finish(struct request__parser *p, size_t len) {
    struct request_cmds *out = p->out;
    if (p->top.too_many) return ERR_UNKNOWN_FIELD;
    if (request__flag(&p->top, "dry_run", &out->dry_run)) {
        snprintf(p->why, p->why_size, "dry_run must be true or false");
        return ERR_INVALID_ARGUMENT;
    }
    int listed = 0;
    for (uint32_t i = 0; i < p->top.count; i++) listed |= request__is(&p->top.args[i], "commands");
    if (listed || (p->commands_seen && out->count == 0)) {
        snprintf(p->why, p->why_size, "commands must be a non-empty list");
        return ERR_INVALID_ARGUMENT;
    }
    if (!p->commands_seen) return request__single(p, len);
    out->batch = 1;
    for (uint32_t i = 0; i < p->top.count; i++) {
        const struct command_arg *a = &p->top.args[i];
        if (!request__is(a, "dry_run") && !request__is(a, "atomic")) {
            snprintf(p->why, p->why_size, "%.*s", (int)(a->key_len < 40 ? a->key_len : 40), a->key);
            return ERR_UNKNOWN_FIELD;
        }
    }
    if (request__flag(&p->top, "atomic", &out->atomic)) {
        snprintf(p->why, p->why_size, "atomic must be true or false");
        return ERR_INVALID_ARGUMENT;
    }
    return ERR_OK;
}

static enum err request__run(struct request__parser *p, const uint8_t *body, size_t len) {
    yajl_handle h = yajl_alloc(&request__callbacks, NULL, p);
    if (h == NULL) return ERR_INTERNAL;
    yajl_status st = yajl_parse(h, body, len);
    if (st == yajl_status_ok) st = yajl_complete_parse(h);
    enum err err = ERR_OK;
    if (st == yajl_status_client_canceled) {
        err = p->err;
    } else if (st != yajl_status_ok) {
        unsigned char *msg = yajl_get_error(h, 0, body, len);
        snprintf(p->why, p->why_size, "%s", msg ? (const char *)msg : "syntax error");
        if (msg) yajl_free_error(h, msg);
        err = ERR_INVALID_JSON;
    }
    yajl_free(h);
    return err ? err : request__finish(p, len);
}

enum err request_parse(const struct engine *e, const uint8_t *body, size_t len,
                       uint32_t operator_index, struct request_cmds *out, char *why,
                       size_t why_size) {
    memset(out, 0, sizeof(*out));
    why[0] = '\0';
    if (len > LIMIT_BODY_BATCH_BYTES) return ERR_BODY_TOO_LARGE;
    struct request__parser *p = calloc(1, sizeof(*p));
    if (p == NULL) return ERR_INTERNAL;
    p->e = e;
    p->op_index = operator_index;
    p->out = out;
    p->why = why;
    p->why_size = why_size;
    enum err err = request__run(p, body, len);
    free(p);
    if (err) request_cmds_free(out);
    return err;
}

void request_cmds_free(struct request_cmds *r) {
    free(r->cmds);
    r->cmds = NULL;
    r->count = 0;
}
