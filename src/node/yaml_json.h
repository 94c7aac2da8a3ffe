/*
 * yaml_json.h - YAML documents (genesis, configuration) as jansson values.
 *
 * Mappings become objects, sequences arrays, and every scalar a string:
 * the readers of each document decide what a scalar means (an amount, a
 * duration, a count), so nothing is guessed here. Anchors and aliases are
 * refused; nesting is bounded by LIMIT_JSON_DEPTH; the text is one document
 * (nothing after it is ignored) and a mapping key is at most 127 bytes.
 */
#ifndef MINTLINE_NODE_YAML_JSON_H
#define MINTLINE_NODE_YAML_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "../base/err.h"

/* yaml_to_json: parse one document. On error returns ERR_INVALID_ARGUMENT
 * with "line N: reason" in why; *out is a new reference on success. */
enum err yaml_to_json(const char *text, size_t len, json_t **out, char *why, size_t why_size)
    __attribute__((warn_unused_result));

#endif
