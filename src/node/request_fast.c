/*
 * request_fast.c - the fast path of request_parse (request_fast.h).
 *
 * One pass over a body jtext_check has already passed: objects, arrays,
 * strings without escapes and the literals true and false are all it
 * reads; each command object's members are kept as slices of the body
 * (a string without an escape is its own decoded text, and jtext_check
 * has proved it strict UTF-8 without control characters, which is all
 * jtext_decoded would check again) and decoded straight into the growing
 * array of struct command, for the kinds a value-moving command takes:
 * an asset, addresses and an amount. The op's row (op_def.fields) says
 * which key is which kind and which are required, as for the generic
 * decoder. Whatever else it meets, it gives up and the generic path
 * reads the whole body.
 */
#include "request_fast.h"

#include <stdlib.h>
#include <string.h>

#include "../base/addr.h"
#include "../base/u128.h"

/* Keys longer than the generic parser keeps are refused there. */
#define REQUEST_FAST_KEY_MAX 63u

struct request_fast__cursor {
    const uint8_t *p;
    const uint8_t *end;
};

/* A member of an object: its key and, when a string, its value; a
 * boolean (the flags) sets is_bool and truth. */
struct request_fast__member {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
    int is_bool;
    int truth;
};

static void request_fast__ws(struct request_fast__cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

/* The next token, after whitespace, is ch: consume it. */
static int request_fast__char(struct request_fast__cursor *c, uint8_t ch) {
    request_fast__ws(c);
    if (c->p >= c->end || *c->p != ch) return 0;
    c->p++;
    return 1;
}

/* A string without an escape, at most max bytes: its slice. */
static int request_fast__string(struct request_fast__cursor *c, size_t max, const char **s,
                                size_t *len) {
    request_fast__ws(c);
    if (c->p >= c->end || *c->p != '"') return 0;
    const uint8_t *start = c->p + 1;
    const uint8_t *quote = memchr(start, '"', (size_t)(c->end - start));
    if (quote == NULL || (size_t)(quote - start) > max) return 0;
    if (memchr(start, '\\', (size_t)(quote - start)) != NULL) return 0;
    *s = (const char *)start;
    *len = (size_t)(quote - start);
    c->p = quote + 1;
    return 1;
}

static int request_fast__literal(struct request_fast__cursor *c, const char *word, size_t len) {
    if ((size_t)(c->end - c->p) < len || memcmp(c->p, word, len) != 0) return 0;
    c->p += len;
    return 1;
}

/* A member "key": value, the value a string or a boolean. */
static int request_fast__member(struct request_fast__cursor *c, struct request_fast__member *m) {
    if (!request_fast__string(c, REQUEST_FAST_KEY_MAX, &m->key, &m->key_len)) return 0;
    if (!request_fast__char(c, ':')) return 0;
    request_fast__ws(c);
    m->is_bool = 0;
    m->value = NULL;
    m->value_len = 0;
    if (c->p < c->end && (*c->p == 't' || *c->p == 'f')) {
        m->is_bool = 1;
        m->truth = *c->p == 't';
        return m->truth ? request_fast__literal(c, "true", 4) : request_fast__literal(c, "false", 5);
    }
    return request_fast__string(c, LIMIT_ARG_TEXT, &m->value, &m->value_len);
}

static int request_fast__is(const char *key, size_t len, const char *name) {
    return len == strlen(name) && memcmp(key, name, len) == 0;
}

/* No key twice among m[0..n). */
static int request_fast__unique(const struct request_fast__member *m, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < i; j++) {
            if (m[i].key_len == m[j].key_len && memcmp(m[i].key, m[j].key, m[i].key_len) == 0) return 0;
        }
    }
    return 1;
}

/* One command's members (strings only, no key twice) into *cmd, when all
 * are of the kinds decoded here and each decodes. */
static int request_fast__decode(const struct engine *e, const struct request_fast__member *m,
                                uint32_t n, uint32_t operator_index, struct command *cmd) {
    if (!request_fast__unique(m, n)) return 0;
    const struct op_def *def = NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (request_fast__is(m[i].key, m[i].key_len, "op") && !m[i].is_bool) {
            def = op_find(m[i].value, m[i].value_len);
        }
    }
    if (def == NULL) return 0;
    memset(cmd, 0, sizeof(*cmd));
    cmd->op = (uint16_t)(def - op_table());
    cmd->operator_index = operator_index;
    const struct request_fast__member *amount = NULL;
    uint64_t given = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (m[i].is_bool) return 0;
        if (request_fast__is(m[i].key, m[i].key_len, "op")) continue;
        const struct op_field *f = NULL;
        for (unsigned k = 0; k < OP_FIELDS_MAX && def->fields[k].name != NULL && f == NULL; k++) {
            if (request_fast__is(m[i].key, m[i].key_len, def->fields[k].name)) f = &def->fields[k];
        }
        if (f == NULL) return 0;
        given |= CMD_HAS(f->kind);
        if (f->kind == FIELD_ASSET) {
            int index = engine_asset_find(e, m[i].value, m[i].value_len);
            if (index < 0) return 0;
            cmd->asset = (uint16_t)index;
        } else if (f->kind == FIELD_FROM) {
            if (addr_parse(m[i].value, m[i].value_len, &cmd->from) != ERR_OK) return 0;
        } else if (f->kind == FIELD_TO) {
            if (addr_parse(m[i].value, m[i].value_len, &cmd->to) != ERR_OK) return 0;
        } else if (f->kind == FIELD_AMOUNT) {
            amount = &m[i];
        } else {
            return 0;
        }
    }
    uint64_t required = 0;
    for (unsigned k = 0; k < OP_FIELDS_MAX && def->fields[k].name != NULL; k++) {
        if (def->fields[k].required) required |= CMD_HAS(def->fields[k].kind);
    }
    /* Without an asset a vault op finds its own, and an amount is refused:
     * the generic decoder's business. */
    if ((required & ~given) != 0 || !(given & CMD_HAS_ASSET)) return 0;
    if (amount != NULL) {
        unsigned decimals = e->s.assets[cmd->asset].decimals;
        if (amount_parse(amount->value, amount->value_len, decimals, &cmd->amount) != ERR_OK ||
            cmd->amount == 0) {
            return 0;
        }
    }
    cmd->present = given;
    return 1;
}

/* A command object, its '{' consumed: decoded into the next slot. */
static int request_fast__command(const struct engine *e, struct request_fast__cursor *c,
                                 uint32_t operator_index, struct request_cmds *out, uint32_t *cap) {
    struct request_fast__member m[LIMIT_COMMAND_ARGS];
    uint32_t n = 0;
    do {
        if (n == LIMIT_COMMAND_ARGS || !request_fast__member(c, &m[n])) return 0;
        n++;
    } while (request_fast__char(c, ','));
    if (!request_fast__char(c, '}')) return 0;
    if (out->count == LIMIT_BATCH_COMMANDS) return 0;
    if (out->count == *cap) {
        uint32_t grown = *cap ? *cap * 2 : 64;
        struct command *cmds = realloc(out->cmds, grown * sizeof(*cmds));
        if (cmds == NULL) return 0;
        out->cmds = cmds;
        *cap = grown;
    }
    if (!request_fast__decode(e, m, n, operator_index, &out->cmds[out->count])) return 0;
    out->count++;
    return 1;
}

/* The commands list, its key and ':' consumed. */
static int request_fast__list(const struct engine *e, struct request_fast__cursor *c,
                              uint32_t operator_index, struct request_cmds *out) {
    uint32_t cap = 0;
    if (!request_fast__char(c, '[')) return 0;
    do {
        if (!request_fast__char(c, '{')) return 0;
        if (!request_fast__command(e, c, operator_index, out, &cap)) return 0;
    } while (request_fast__char(c, ','));
    return request_fast__char(c, ']');
}

/* The batch's flags: dry_run and atomic booleans, reply "full" or
 * "errors", nothing else. */
static int request_fast__flags(const struct request_fast__member *top, uint32_t n,
                               struct request_cmds *out) {
    for (uint32_t i = 0; i < n; i++) {
        const struct request_fast__member *m = &top[i];
        if (request_fast__is(m->key, m->key_len, "dry_run") && m->is_bool) {
            out->dry_run = m->truth;
        } else if (request_fast__is(m->key, m->key_len, "atomic") && m->is_bool) {
            out->atomic = m->truth;
        } else if (request_fast__is(m->key, m->key_len, "reply") && !m->is_bool &&
                   (request_fast__is(m->value, m->value_len, "full") ||
                    request_fast__is(m->value, m->value_len, "errors"))) {
            out->reply_errors = m->value_len == 6;
        } else {
            return 0;
        }
    }
    return 1;
}

/* The top object; 1 when the body is decided. */
static int request_fast__body(const struct engine *e, const uint8_t *body, size_t len,
                              uint32_t operator_index, struct request_cmds *out) {
    struct request_fast__cursor c = {body, body + len};
    struct request_fast__member top[LIMIT_COMMAND_ARGS];
    uint32_t n = 0;
    if (!request_fast__char(&c, '{')) return 0;
    do {
        const char *key;
        size_t key_len;
        struct request_fast__cursor at = c;
        if (!request_fast__string(&c, REQUEST_FAST_KEY_MAX, &key, &key_len)) return 0;
        if (request_fast__is(key, key_len, "commands")) {
            if (out->batch || !request_fast__char(&c, ':')) return 0;
            out->batch = 1;
            if (!request_fast__list(e, &c, operator_index, out)) return 0;
            continue;
        }
        c = at;
        if (n == LIMIT_COMMAND_ARGS || !request_fast__member(&c, &top[n])) return 0;
        n++;
    } while (request_fast__char(&c, ','));
    if (!request_fast__char(&c, '}')) return 0;
    request_fast__ws(&c);
    if (c.p != c.end || !request_fast__unique(top, n)) return 0;
    if (out->batch) return request_fast__flags(top, n, out);

    /* One command: its members but a boolean dry_run. */
    if (len > LIMIT_BODY_SINGLE_BYTES) return 0;
    struct request_fast__member args[LIMIT_COMMAND_ARGS];
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!request_fast__is(top[i].key, top[i].key_len, "dry_run")) {
            args[count++] = top[i];
        } else if (top[i].is_bool) {
            out->dry_run = top[i].truth;
        } else {
            return 0;
        }
    }
    out->cmds = malloc(sizeof(*out->cmds));
    if (out->cmds == NULL) return 0;
    if (!request_fast__decode(e, args, count, operator_index, &out->cmds[0])) return 0;
    out->count = 1;
    return 1;
}

int request_fast_parse(const struct engine *e, const uint8_t *body, size_t len,
                       uint32_t operator_index, struct request_cmds *out) {
    memset(out, 0, sizeof(*out));
    if (request_fast__body(e, body, len, operator_index, out)) return 1;
    free(out->cmds);
    memset(out, 0, sizeof(*out));
    return 0;
}
