/*
 * request.c - read a command body, streaming: admission, audit and
 * history all come through here.
 *
 * First the whole text is checked against the one definition of JSON text
 * (base/jtext.c): a library that takes more than that (yajl takes a lone
 * "\udc00" and overlong UTF-8) never decides what a body means. Then yajl
 * (Debian's libyajl) tokenises it: a batch of 8,000 transfers is 1.2 MB,
 * and building a DOM for it cost more than applying it. Each command
 * object's fields are gathered into a small bounded argument list (keys
 * and strings checked again as decoded, no key twice) and handed to a
 * callback: request_parse decodes them (command_decode_args), history
 * shows them. Nothing here allocates per token: values are copied into a
 * fixed arena per object.
 */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "../base/check.h"
#include "../base/jtext.h"
#include "request_fast.h"

/* Bytes of a key kept: longer keys name no field and are refused. */
#define REQUEST_KEY_MAX 63u

/* Arguments of one JSON object (the top level, or one command). */
struct request__obj {
    struct command_arg args[LIMIT_COMMAND_ARGS];
    uint32_t count;
    int too_many;
    char arena[LIMIT_COMMAND_ARGS * (LIMIT_ARG_TEXT + REQUEST_KEY_MAX + 2)];
    size_t used;
    char key[REQUEST_KEY_MAX + 1];
    size_t key_len;
};

struct request__parser {
    request_command_fn fn;
    void *ctx;
    struct request_shape *out;
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

/* Where the parser is: "commands[2].amount", "dry_run", "commands[2]". */
static void request__where(const struct request__parser *p, char *out, size_t size) {
    if (p->depth == 3) {
        snprintf(out, size, "commands[%u].%s", p->out->count, p->cmd.key);
    } else if (p->depth == 2) {
        snprintf(out, size, "commands[%u]", p->out->count);
    } else {
        snprintf(out, size, "%s", p->depth == 1 && p->top.key_len ? p->top.key : "body");
    }
}

/* Refuse a decoded key or string that is not clean text. */
static int request__text_ok(struct request__parser *p, const char *s, size_t len) {
    const char *reason = NULL;
    if (jtext_decoded(s, len, &reason) == ERR_OK) return 1;
    char where[96];
    char what[160];
    request__where(p, where, sizeof(where));
    snprintf(what, sizeof(what), "%s: %s", where, reason);
    return request__fail(p, ERR_INVALID_JSON, what);
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
    /* Keys and texts are NUL-terminated (neither holds a NUL: checked). */
    a->key = memcpy(o->arena + o->used, o->key, o->key_len);
    a->key_len = o->key_len;
    o->arena[o->used + o->key_len] = '\0';
    o->used += o->key_len + 1;
    a->type = type;
    a->value = NULL;
    a->value_len = 0;
    if (has_text) {
        a->value = memcpy(o->arena + o->used, text, len);
        a->value_len = len;
        o->arena[o->used + len] = '\0';
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
    if (!request__text_ok(ctx, (const char *)s, len)) return 0;
    return request__value(ctx, ARG_STRING, (const char *)s, len);
}

static int request__key_is(const struct request__obj *o, const char *name) {
    return o->key_len == strlen(name) && memcmp(o->key, name, o->key_len) == 0;
}

/* Has the current object a member named o->key already? */
static int request__seen(const struct request__parser *p, const struct request__obj *o) {
    for (uint32_t i = 0; i < o->count; i++) {
        const struct command_arg *a = &o->args[i];
        if (a->key_len == o->key_len && memcmp(a->key, o->key, a->key_len) == 0) return 1;
    }
    return o == &p->top && p->commands_seen && request__key_is(o, "commands");
}

/* Keys as shown in a message: ASCII, anything else as '?'. */
static void request__key_shown(const struct request__obj *o, char *out, size_t size) {
    size_t n = 0;
    for (size_t i = 0; i < o->key_len && n + 1 < size; i++) {
        unsigned char c = (unsigned char)o->key[i];
        out[n++] = (char)(c >= 0x20 && c < 0x7F ? c : '?');
    }
    out[n] = '\0';
}

static int request__key(void *ctx, const unsigned char *key, size_t len) {
    struct request__parser *p = ctx;
    if (!request__text_ok(p, (const char *)key, len)) return 0;
    if (p->skip) return 1;
    struct request__obj *o = request__current(p);
    if (len > REQUEST_KEY_MAX) {
        return request__fail(p, ERR_UNKNOWN_FIELD, p->depth == 3 ? "a command's key is too long"
                                                                 : "a key is too long");
    }
    memcpy(o->key, key, len);
    o->key[len] = '\0';
    o->key_len = len;
    if (!request__seen(p, o)) return 1;
    char shown[REQUEST_KEY_MAX + 1];
    char what[128];
    request__key_shown(o, shown, sizeof(shown));
    if (p->depth == 3) {
        snprintf(what, sizeof(what), "duplicate key: commands[%u].%s", p->out->count, shown);
    } else {
        snprintf(what, sizeof(what), "duplicate key: %s", shown);
    }
    return request__fail(p, ERR_INVALID_JSON, what);
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
            p->cmd.key_len = 0;
            p->cmd.key[0] = '\0';
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
        p->commands_seen = 1;
        p->depth = 2;
        return 1;
    }
    if (p->depth != 1 && p->depth != 3) return request__value(p, ARG_OTHER, NULL, 0);
    if (!request__arg(p, ARG_OTHER, NULL, 0)) return 0;
    p->skip = 1;
    return 1;
}

static int request__end_command(struct request__parser *p) {
    struct request_shape *out = p->out;
    char where[40];
    snprintf(where, sizeof(where), "commands[%u]", out->count);
    if (out->count == LIMIT_BATCH_COMMANDS) return request__fail(p, ERR_BATCH_TOO_LARGE, where);
    if (p->cmd.too_many) return request__fail(p, ERR_UNKNOWN_FIELD, where);
    char field[96] = "";
    enum err err = p->fn(p->ctx, out->count, p->cmd.args, p->cmd.count, field, sizeof(field));
    if (err) {
        p->err = err;
        snprintf(p->why, p->why_size, "%s.%s", where, field);
        return 0;
    }
    out->count++;
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
    p->top.key_len = 0;
    p->top.key[0] = '\0';
    return 1;
}

static const yajl_callbacks request__callbacks = {
    request__null,       request__boolean,  NULL, NULL, request__number, request__string,
    request__start_map,  request__key,      request__end_map, request__start_array,
    request__end_array,
};

static int request__is(const struct command_arg *a, const char *name) {
    return a->key_len == strlen(name) && memcmp(a->key, name, a->key_len) == 0;
}

/* A top-level flag: absent, or a boolean (never twice: request__key). */
static enum err request__flag(const struct request__obj *top, const char *name, int *out) {
    for (uint32_t i = 0; i < top->count; i++) {
        const struct command_arg *a = &top->args[i];
        if (!request__is(a, name)) continue;
        if (a->type != ARG_BOOL) return ERR_INVALID_ARGUMENT;
        *out = a->value_len == 4; /* "true" */
    }
    return ERR_OK;
}

/* A batch's "reply": absent or "full" (every result in full), or "errors"
 * (the compact answer: only the failures, SPEC 7). */
static enum err request__reply(const struct request__obj *top, int *out, char *why,
                               size_t why_size) {
    for (uint32_t i = 0; i < top->count; i++) {
        const struct command_arg *a = &top->args[i];
        if (!request__is(a, "reply")) continue;
        int full = a->type == ARG_STRING && a->value_len == 4 && memcmp(a->value, "full", 4) == 0;
        int errors = a->type == ARG_STRING && a->value_len == 6 && memcmp(a->value, "errors", 6) == 0;
        if (!full && !errors) {
            snprintf(why, why_size, "reply must be \"full\" or \"errors\"");
            return ERR_INVALID_ARGUMENT;
        }
        *out = errors;
    }
    return ERR_OK;
}

/* The body was one command: the top object's arguments but the flag. */
static enum err request__single(struct request__parser *p, size_t len) {
    if (len > LIMIT_BODY_SINGLE_BYTES) return ERR_BODY_TOO_LARGE;
    struct command_arg args[LIMIT_COMMAND_ARGS];
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->top.count; i++) {
        if (!request__is(&p->top.args[i], "dry_run")) args[n++] = p->top.args[i];
    }
    enum err err = p->fn(p->ctx, 0, args, n, p->why, p->why_size);
    if (err) return err;
    p->out->count = 1;
    return ERR_OK;
}

static enum err request__finish(struct request__parser *p, size_t len) {
    struct request_shape *out = p->out;
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
        if (!request__is(a, "dry_run") && !request__is(a, "atomic") && !request__is(a, "reply")) {
            snprintf(p->why, p->why_size, "%.*s", (int)(a->key_len < 40 ? a->key_len : 40), a->key);
            return ERR_UNKNOWN_FIELD;
        }
    }
    if (request__flag(&p->top, "atomic", &out->atomic)) {
        snprintf(p->why, p->why_size, "atomic must be true or false");
        return ERR_INVALID_ARGUMENT;
    }
    return request__reply(&p->top, &out->reply_errors, p->why, p->why_size);
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

/* A message may quote the client (a key, an op): cut at 40 bytes it can
 * end inside a character. Keep the valid UTF-8 prefix. */
static void request__why_clean(char *why) {
    size_t len = strlen(why);
    why[jtext_utf8((const uint8_t *)why, len, NULL)] = '\0';
}

/* The checks every body passes first: its size, then the one definition
 * of JSON text. */
static enum err request__text(const uint8_t *body, size_t len, char *why, size_t why_size) {
    why[0] = '\0';
    if (len > LIMIT_BODY_BATCH_BYTES) return ERR_BODY_TOO_LARGE;
    struct jtext_fault fault;
    if (jtext_check(body, len, &fault) != ERR_OK) {
        jtext_describe(&fault, why, why_size);
        return ERR_INVALID_JSON;
    }
    return ERR_OK;
}

/* request_scan for a body request__text has passed. */
static enum err request__scan_checked(const uint8_t *body, size_t len, request_command_fn fn,
                                      void *ctx, struct request_shape *out, char *why,
                                      size_t why_size) {
    struct request__parser *p = calloc(1, sizeof(*p));
    if (p == NULL) return ERR_INTERNAL;
    p->fn = fn;
    p->ctx = ctx;
    p->out = out;
    p->why = why;
    p->why_size = why_size;
    enum err err = request__run(p, body, len);
    free(p);
    request__why_clean(why);
    return err;
}

enum err request_scan(const uint8_t *body, size_t len, request_command_fn fn, void *ctx,
                      struct request_shape *out, char *why, size_t why_size) {
    memset(out, 0, sizeof(*out));
    enum err err = request__text(body, len, why, why_size);
    if (err) return err;
    return request__scan_checked(body, len, fn, ctx, out, why, why_size);
}

/* request_parse's callback: decode one command into the growing array. */
struct request__decoder {
    const struct engine *e;
    uint32_t operator_index;
    struct request_cmds *out;
    uint32_t cap;
    int journaled; /* request_parse_journaled: amounts in any spelling of their value */
};

/* A journaled body was admitted under the rules of its day: an amount the
 * node then took as "1200.50" or "007" means what its canonical spelling
 * means, so the journal's readers decode that (admission stays strict).
 * args is copied into copy with amount values respelled in texts. */
static const struct command_arg *request__respell(const struct command_arg *args, uint32_t count,
                                                  struct command_arg *copy,
                                                  char texts[][AMOUNT_TEXT_SIZE]) {
    const struct op_def *def = NULL;
    for (uint32_t i = 0; i < count; i++) {
        if (args[i].type == ARG_STRING && args[i].key_len == 2 && memcmp(args[i].key, "op", 2) == 0) {
            def = op_find(args[i].value, args[i].value_len);
        }
    }
    if (def == NULL) return args;
    for (uint32_t i = 0; i < count; i++) {
        copy[i] = args[i];
        for (unsigned f = 0; f < OP_FIELDS_MAX && def->fields[f].name != NULL; f++) {
            const char *name = def->fields[f].name;
            if (args[i].type != ARG_STRING || strlen(name) != args[i].key_len ||
                memcmp(name, args[i].key, args[i].key_len) != 0 ||
                !op_field_is_amount((enum field_kind)def->fields[f].kind)) {
                continue;
            }
            size_t n = amount_canonical_text(args[i].value, args[i].value_len, texts[i]);
            if (n > 0) {
                copy[i].value = texts[i];
                copy[i].value_len = n;
            }
        }
    }
    return copy;
}

static enum err request__decode(void *ctx, uint32_t index, const struct command_arg *args,
                                uint32_t count, char *why, size_t why_size) {
    struct request__decoder *d = ctx;
    struct request_cmds *out = d->out;
    ASSERT(index == out->count);
    if (out->count == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 64;
        struct command *c = realloc(out->cmds, cap * sizeof(*c));
        if (c == NULL) return ERR_INTERNAL;
        out->cmds = c;
        d->cap = cap;
    }
    struct command_arg copy[LIMIT_COMMAND_ARGS];
    char texts[LIMIT_COMMAND_ARGS][AMOUNT_TEXT_SIZE];
    if (d->journaled && count <= LIMIT_COMMAND_ARGS) args = request__respell(args, count, copy, texts);
    enum err err = command_decode_args(d->e, args, count, &out->cmds[out->count], why, why_size);
    if (err) return err;
    out->cmds[out->count++].operator_index = d->operator_index;
    return ERR_OK;
}

/* request_parse and request_parse_journaled: the fast path for the
 * common shapes (request_fast.h), which decides only successes the
 * generic path would give alike, then the generic path (unless fast is
 * 0: request_parse_generic). */
static enum err request__parse(const struct engine *e, const uint8_t *body, size_t len,
                               uint32_t operator_index, int journaled, int fast,
                               struct request_cmds *out, char *why, size_t why_size) {
    memset(out, 0, sizeof(*out));
    enum err err = request__text(body, len, why, why_size);
    if (err) return err;
    if (fast && request_fast_parse(e, body, len, operator_index, out)) return ERR_OK;
    struct request__decoder d = {e, operator_index, out, 0, journaled};
    struct request_shape shape;
    memset(&shape, 0, sizeof(shape));
    err = request__scan_checked(body, len, request__decode, &d, &shape, why, why_size);
    if (err) {
        request_cmds_free(out);
        return err;
    }
    ASSERT(shape.count == out->count);
    out->batch = shape.batch;
    out->atomic = shape.atomic;
    out->dry_run = shape.dry_run;
    out->reply_errors = shape.reply_errors;
    return ERR_OK;
}

enum err request_parse_journaled(const struct engine *e, const uint8_t *body, size_t len,
                                 uint32_t operator_index, struct request_cmds *out, char *why,
                                 size_t why_size) {
    return request__parse(e, body, len, operator_index, 1, 1, out, why, why_size);
}

enum err request_parse(const struct engine *e, const uint8_t *body, size_t len,
                       uint32_t operator_index, struct request_cmds *out, char *why,
                       size_t why_size) {
    return request__parse(e, body, len, operator_index, 0, 1, out, why, why_size);
}

enum err request_parse_generic(const struct engine *e, const uint8_t *body, size_t len,
                               uint32_t operator_index, int journaled, struct request_cmds *out,
                               char *why, size_t why_size) {
    return request__parse(e, body, len, operator_index, journaled, 0, out, why, why_size);
}

void request_cmds_free(struct request_cmds *r) {
    free(r->cmds);
    r->cmds = NULL;
    r->count = 0;
}
