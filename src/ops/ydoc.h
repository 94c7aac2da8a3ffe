/*
 * ydoc.h - a YAML document as a tree that remembers where each node was
 * written (line and column), so that a refused rule file can be pointed
 * at. (src/node/yaml.c turns YAML into jansson values for the genesis and
 * the configuration, and drops positions; ops may not include node.)
 *
 * Mappings keep their keys in order; every scalar is text (the reader
 * decides what it means) and remembers whether it was written plain.
 * Refused: aliases, non-scalar keys, duplicate keys, nesting deeper than
 * LIMIT_JSON_DEPTH, a NUL byte in a scalar, more than one document.
 */
#ifndef MINTLINE_OPS_YDOC_H
#define MINTLINE_OPS_YDOC_H

#include <stddef.h>

#include "../base/err.h"

enum ydoc_kind {
    YDOC_SCALAR = 1,
    YDOC_MAP,
    YDOC_SEQ,
};

struct ydoc_node {
    enum ydoc_kind kind;
    unsigned line; /* 1-based */
    unsigned col;  /* 1-based, in bytes */
    int plain;     /* a scalar written without quotes or block style */
    char *text;    /* a scalar's text, NUL-terminated */
    size_t len;
    /* YDOC_SEQ: items[0..count); YDOC_MAP: items[2i] the key, items[2i+1] its value. */
    struct ydoc_node **items;
    size_t count;
};

/* ydoc_parse: parse one YAML document. ERR_OK with *out (ydoc_free);
 * ERR_INVALID_ARGUMENT with a reason in why and its line and column;
 * ERR_INTERNAL when out of memory. An empty document is ERR_OK with *out
 * NULL. */
enum err ydoc_parse(const char *text, size_t len, struct ydoc_node **out, char *why,
                    size_t why_size, unsigned *line, unsigned *col) __attribute__((warn_unused_result));
void ydoc_free(struct ydoc_node *node);

/* ydoc_get: the value of key in a mapping, or NULL (also for a non-map). */
const struct ydoc_node *ydoc_get(const struct ydoc_node *map, const char *key);

/* ydoc_kind_name: "a mapping", "a list", "text". */
const char *ydoc_kind_name(enum ydoc_kind kind);

#endif
