/* ydoc.c - libyaml's event stream to a tree with positions. */
#include "ydoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../base/limits.h"

struct ydoc__ctx {
    yaml_parser_t parser;
    char *why;
    size_t why_size;
    unsigned *line;
    unsigned *col;
    int oom;
};

static void ydoc__fail_at(struct ydoc__ctx *c, yaml_mark_t mark, const char *what) {
    snprintf(c->why, c->why_size, "%s", what);
    *c->line = (unsigned)mark.line + 1;
    *c->col = (unsigned)mark.column + 1;
}

static int ydoc__next(struct ydoc__ctx *c, yaml_event_t *ev) {
    if (yaml_parser_parse(&c->parser, ev)) return 0;
    ydoc__fail_at(c, c->parser.problem_mark, c->parser.problem ? c->parser.problem : "syntax error");
    return -1;
}

static struct ydoc_node *ydoc__new(struct ydoc__ctx *c, enum ydoc_kind kind, const yaml_event_t *ev) {
    struct ydoc_node *n = calloc(1, sizeof(*n));
    if (n == NULL) {
        c->oom = 1;
        snprintf(c->why, c->why_size, "out of memory");
        return NULL;
    }
    n->kind = kind;
    n->line = (unsigned)ev->start_mark.line + 1;
    n->col = (unsigned)ev->start_mark.column + 1;
    return n;
}

/* Room for `need` item pointers in parent. */
static int ydoc__reserve(struct ydoc__ctx *c, struct ydoc_node *parent, size_t need, size_t *cap) {
    if (need <= *cap) return 0;
    size_t next = *cap ? *cap * 2 : 8;
    while (next < need) next *= 2;
    struct ydoc_node **items = realloc(parent->items, next * sizeof(*items));
    if (items == NULL) {
        c->oom = 1;
        snprintf(c->why, c->why_size, "out of memory");
        return -1;
    }
    parent->items = items;
    *cap = next;
    return 0;
}

static struct ydoc_node *ydoc__node(struct ydoc__ctx *c, yaml_event_t *ev, unsigned depth);

static struct ydoc_node *ydoc__scalar(struct ydoc__ctx *c, const yaml_event_t *ev) {
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(v, 0, len) != NULL) {
        ydoc__fail_at(c, ev->start_mark, "a NUL byte in text");
        return NULL;
    }
    struct ydoc_node *n = ydoc__new(c, YDOC_SCALAR, ev);
    if (n == NULL) return NULL;
    n->text = malloc(len + 1);
    if (n->text == NULL) {
        free(n);
        c->oom = 1;
        snprintf(c->why, c->why_size, "out of memory");
        return NULL;
    }
    memcpy(n->text, v, len);
    n->text[len] = '\0';
    n->len = len;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return n;
}

static struct ydoc_node *ydoc__mapping(struct ydoc__ctx *c, const yaml_event_t *start, unsigned depth) {
    struct ydoc_node *map = ydoc__new(c, YDOC_MAP, start);
    if (map == NULL) return NULL;
    size_t cap = 0;
    for (;;) {
        yaml_event_t key;
        if (ydoc__next(c, &key) != 0) break;
        if (key.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key);
            return map;
        }
        if (key.type != YAML_SCALAR_EVENT) {
            ydoc__fail_at(c, key.start_mark, "mapping keys must be plain text");
            yaml_event_delete(&key);
            break;
        }
        struct ydoc_node *k = ydoc__scalar(c, &key);
        yaml_event_delete(&key);
        if (k == NULL) break;
        if (ydoc_get(map, k->text) != NULL) {
            *c->line = k->line;
            *c->col = k->col;
            snprintf(c->why, c->why_size, "duplicate key \"%.60s\"", k->text);
            ydoc_free(k);
            break;
        }
        yaml_event_t val;
        struct ydoc_node *v = NULL;
        if (ydoc__next(c, &val) == 0) {
            v = ydoc__node(c, &val, depth + 1);
            yaml_event_delete(&val);
        }
        if (v == NULL || ydoc__reserve(c, map, 2 * map->count + 2, &cap) != 0) {
            ydoc_free(k);
            ydoc_free(v);
            break;
        }
        map->items[2 * map->count] = k;
        map->items[2 * map->count + 1] = v;
        map->count++;
    }
    ydoc_free(map);
    return NULL;
}

static struct ydoc_node *ydoc__sequence(struct ydoc__ctx *c, const yaml_event_t *start, unsigned depth) {
    struct ydoc_node *seq = ydoc__new(c, YDOC_SEQ, start);
    if (seq == NULL) return NULL;
    size_t cap = 0;
    for (;;) {
        yaml_event_t ev;
        if (ydoc__next(c, &ev) != 0) break;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return seq;
        }
        struct ydoc_node *v = ydoc__node(c, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (v == NULL) break;
        if (ydoc__reserve(c, seq, seq->count + 1, &cap) != 0) {
            ydoc_free(v);
            break;
        }
        seq->items[seq->count++] = v;
    }
    ydoc_free(seq);
    return NULL;
}

static struct ydoc_node *ydoc__node(struct ydoc__ctx *c, yaml_event_t *ev, unsigned depth) {
    if (depth > LIMIT_JSON_DEPTH) {
        ydoc__fail_at(c, ev->start_mark, "nesting too deep");
        return NULL;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return ydoc__scalar(c, ev);
    case YAML_MAPPING_START_EVENT:
        return ydoc__mapping(c, ev, depth);
    case YAML_SEQUENCE_START_EVENT:
        return ydoc__sequence(c, ev, depth);
    case YAML_ALIAS_EVENT:
        ydoc__fail_at(c, ev->start_mark, "aliases are not accepted");
        return NULL;
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        break;
    }
    ydoc__fail_at(c, ev->start_mark, "unexpected structure");
    return NULL;
}

/* After the root node: the end of the document and of the stream. */
static int ydoc__end(struct ydoc__ctx *c) {
    static const yaml_event_type_t want[2] = {YAML_DOCUMENT_END_EVENT, YAML_STREAM_END_EVENT};
    for (int i = 0; i < 2; i++) {
        yaml_event_t ev;
        if (ydoc__next(c, &ev) != 0) return -1;
        int ok = ev.type == want[i];
        if (!ok) ydoc__fail_at(c, ev.start_mark, "one YAML document only");
        yaml_event_delete(&ev);
        if (!ok) return -1;
    }
    return 0;
}

enum err ydoc_parse(const char *text, size_t len, struct ydoc_node **out, char *why,
                    size_t why_size, unsigned *line, unsigned *col) {
    struct ydoc__ctx c = {.why = why, .why_size = why_size, .line = line, .col = col};
    *line = 1;
    *col = 1;
    snprintf(why, why_size, "syntax error");
    if (!yaml_parser_initialize(&c.parser)) return ERR_INTERNAL;
    yaml_parser_set_input_string(&c.parser, (const unsigned char *)text, len);
    struct ydoc_node *root = NULL;
    int failed = 1;
    int empty = 0;
    for (;;) {
        yaml_event_t ev;
        if (ydoc__next(&c, &ev) != 0) break;
        if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (ev.type == YAML_STREAM_END_EVENT) {
            empty = 1;
            failed = 0;
        } else {
            root = ydoc__node(&c, &ev, 0);
            failed = root == NULL || ydoc__end(&c) != 0;
        }
        yaml_event_delete(&ev);
        break;
    }
    yaml_parser_delete(&c.parser);
    if (failed) {
        ydoc_free(root);
        return c.oom ? ERR_INTERNAL : ERR_INVALID_ARGUMENT;
    }
    *out = empty ? NULL : root;
    return ERR_OK;
}

void ydoc_free(struct ydoc_node *node) {
    if (node == NULL) return;
    size_t n = node->kind == YDOC_MAP ? 2 * node->count : node->count;
    for (size_t i = 0; i < n; i++) ydoc_free(node->items[i]);
    free(node->items);
    free(node->text);
    free(node);
}

const struct ydoc_node *ydoc_get(const struct ydoc_node *map, const char *key) {
    if (map == NULL || map->kind != YDOC_MAP) return NULL;
    for (size_t i = 0; i < map->count; i++) {
        if (strcmp(map->items[2 * i]->text, key) == 0) return map->items[2 * i + 1];
    }
    return NULL;
}

const char *ydoc_kind_name(enum ydoc_kind kind) {
    switch (kind) {
    case YDOC_SCALAR:
        return "text";
    case YDOC_MAP:
        return "a mapping";
    case YDOC_SEQ:
        return "a list";
    }
    return "?";
}
