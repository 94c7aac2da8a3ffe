/* yaml.c - libyaml event stream to a jansson tree (scalars as strings). */
#include "yaml_json.h"

#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "../base/limits.h"

struct yaml__ctx {
    yaml_parser_t parser;
    char *why;
    size_t why_size;
};

static json_t *yaml__node(struct yaml__ctx *c, yaml_event_t *ev, unsigned depth);

static int yaml__next(struct yaml__ctx *c, yaml_event_t *ev) {
    if (yaml_parser_parse(&c->parser, ev)) return 0;
    snprintf(c->why, c->why_size, "line %lu: %s", (unsigned long)c->parser.problem_mark.line + 1,
             c->parser.problem ? c->parser.problem : "syntax error");
    return -1;
}

static json_t *yaml__fail(struct yaml__ctx *c, const yaml_event_t *ev, const char *what) {
    snprintf(c->why, c->why_size, "line %lu: %s", (unsigned long)ev->start_mark.line + 1, what);
    return NULL;
}

static json_t *yaml__mapping(struct yaml__ctx *c, unsigned depth) {
    json_t *obj = json_object();
    for (;;) {
        yaml_event_t key;
        if (yaml__next(c, &key) != 0) break;
        if (key.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key);
            return obj;
        }
        if (key.type != YAML_SCALAR_EVENT) {
            yaml__fail(c, &key, "mapping keys must be plain scalars");
            yaml_event_delete(&key);
            break;
        }
        /* Whole keys only: a cut one could split a UTF-8 character, and
         * jansson would then drop the pair silently (found by fuzz_genesis). */
        char name[128];
        size_t name_len = key.data.scalar.length;
        int bad = name_len >= sizeof(name) || memchr(key.data.scalar.value, 0, name_len) != NULL;
        if (!bad) {
            memcpy(name, key.data.scalar.value, name_len);
            name[name_len] = '\0';
        }
        int dup = !bad && json_object_get(obj, name) != NULL;
        if (bad || dup) yaml__fail(c, &key, bad ? "mapping keys must be short text" : "duplicate key");
        yaml_event_delete(&key);
        if (bad || dup) break;
        yaml_event_t val;
        if (yaml__next(c, &val) != 0) break;
        json_t *v = yaml__node(c, &val, depth + 1);
        yaml_event_delete(&val);
        if (v == NULL) break;
        if (json_object_set_new(obj, name, v) != 0) {
            snprintf(c->why, c->why_size, "out of memory");
            break;
        }
    }
    json_decref(obj);
    return NULL;
}

static json_t *yaml__sequence(struct yaml__ctx *c, unsigned depth) {
    json_t *arr = json_array();
    for (;;) {
        yaml_event_t ev;
        if (yaml__next(c, &ev) != 0) break;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return arr;
        }
        json_t *v = yaml__node(c, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (v == NULL) break;
        json_array_append_new(arr, v);
    }
    json_decref(arr);
    return NULL;
}

static json_t *yaml__node(struct yaml__ctx *c, yaml_event_t *ev, unsigned depth) {
    if (depth > LIMIT_JSON_DEPTH) return yaml__fail(c, ev, "nesting too deep");
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        /* A NUL ("\0" in a quoted scalar) would reach the canonical JSON
         * as \u0000, which no reader of block 0 takes back (fuzz_genesis). */
        if (memchr(ev->data.scalar.value, 0, ev->data.scalar.length) != NULL) {
            return yaml__fail(c, ev, "a NUL character in a value");
        }
        return json_stringn((const char *)ev->data.scalar.value, ev->data.scalar.length);
    case YAML_MAPPING_START_EVENT:
        return yaml__mapping(c, depth);
    case YAML_SEQUENCE_START_EVENT:
        return yaml__sequence(c, depth);
    case YAML_ALIAS_EVENT:
        return yaml__fail(c, ev, "aliases are not accepted");
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        break;
    }
    return yaml__fail(c, ev, "unexpected structure");
}

/* Skip to the document's root node event. */
static int yaml__root(struct yaml__ctx *c, yaml_event_t *ev) {
    for (;;) {
        if (yaml__next(c, ev) != 0) return -1;
        if (ev->type != YAML_STREAM_START_EVENT && ev->type != YAML_DOCUMENT_START_EVENT) return 0;
        yaml_event_delete(ev);
    }
}

/* After the root node: the end of the document and of the stream. A second
 * document or a syntax error after the first is refused, not ignored. */
static int yaml__end(struct yaml__ctx *c) {
    static const yaml_event_type_t want[2] = {YAML_DOCUMENT_END_EVENT, YAML_STREAM_END_EVENT};
    for (int i = 0; i < 2; i++) {
        yaml_event_t ev;
        if (yaml__next(c, &ev) != 0) return -1;
        int ok = ev.type == want[i];
        if (!ok) yaml__fail(c, &ev, "one YAML document only");
        yaml_event_delete(&ev);
        if (!ok) return -1;
    }
    return 0;
}

enum err yaml_to_json(const char *text, size_t len, json_t **out, char *why, size_t why_size) {
    struct yaml__ctx c;
    c.why = why;
    c.why_size = why_size;
    snprintf(why, why_size, "empty document");
    if (!yaml_parser_initialize(&c.parser)) return ERR_INTERNAL;
    yaml_parser_set_input_string(&c.parser, (const unsigned char *)text, len);
    yaml_event_t ev;
    json_t *root = NULL;
    if (yaml__root(&c, &ev) == 0) {
        if (ev.type != YAML_STREAM_END_EVENT) root = yaml__node(&c, &ev, 0);
        yaml_event_delete(&ev);
    }
    if (root != NULL && yaml__end(&c) != 0) {
        json_decref(root);
        root = NULL;
    }
    yaml_parser_delete(&c.parser);
    if (root == NULL) return ERR_INVALID_ARGUMENT;
    *out = root;
    return ERR_OK;
}
