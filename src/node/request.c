/* request.c - parse a command body into decoded commands. */
#include "request.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum err request__flag(json_t *obj, const char *key, int *out) {
    json_t *v = json_object_get(obj, key);
    if (v == NULL) return ERR_OK;
    if (!json_is_boolean(v)) return ERR_INVALID_ARGUMENT;
    *out = json_is_true(v);
    json_object_del(obj, key);
    return ERR_OK;
}

static enum err request__one(const struct engine *e, json_t *obj, uint32_t op_index,
                             struct command *out, const char *where, char *why, size_t why_size) {
    char field[96] = "";
    enum err err = command_decode(e, obj, out, field, sizeof(field));
    if (err) {
        snprintf(why, why_size, "%s%s%s", where, where[0] ? "." : "", field);
        return err;
    }
    out->operator_index = op_index;
    return ERR_OK;
}

static enum err request__batch(const struct engine *e, json_t *root, uint32_t op_index,
                               struct request_cmds *out, char *why, size_t why_size) {
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "commands") != 0) {
            snprintf(why, why_size, "%s", key);
            return ERR_UNKNOWN_FIELD;
        }
    }
    json_t *list = json_object_get(root, "commands");
    if (!json_is_array(list) || json_array_size(list) == 0) {
        snprintf(why, why_size, "commands must be a non-empty list");
        return ERR_INVALID_ARGUMENT;
    }
    if (json_array_size(list) > LIMIT_BATCH_COMMANDS) return ERR_BATCH_TOO_LARGE;
    out->count = (uint32_t)json_array_size(list);
    out->cmds = calloc(out->count, sizeof(*out->cmds));
    if (out->cmds == NULL) return ERR_INTERNAL;
    size_t i;
    json_array_foreach(list, i, v) {
        char where[32];
        snprintf(where, sizeof(where), "commands[%zu]", i);
        enum err err = request__one(e, v, op_index, &out->cmds[i], where, why, why_size);
        if (err) return err;
    }
    return ERR_OK;
}

static enum err request__root(const struct engine *e, json_t *root, size_t len,
                              uint32_t op_index, struct request_cmds *out, char *why,
                              size_t why_size) {
    if (!json_is_object(root)) return ERR_INVALID_JSON;
    enum err err = request__flag(root, "dry_run", &out->dry_run);
    if (err) {
        snprintf(why, why_size, "dry_run must be true or false");
        return err;
    }
    out->batch = json_object_get(root, "commands") != NULL;
    if (!out->batch) {
        if (len > LIMIT_BODY_SINGLE_BYTES) return ERR_BODY_TOO_LARGE;
        out->count = 1;
        out->cmds = calloc(1, sizeof(*out->cmds));
        if (out->cmds == NULL) return ERR_INTERNAL;
        return request__one(e, root, op_index, out->cmds, "", why, why_size);
    }
    err = request__flag(root, "atomic", &out->atomic);
    if (err) {
        snprintf(why, why_size, "atomic must be true or false");
        return err;
    }
    return request__batch(e, root, op_index, out, why, why_size);
}

enum err request_parse(const struct engine *e, const uint8_t *body, size_t len,
                       uint32_t operator_index, struct request_cmds *out, char *why,
                       size_t why_size) {
    memset(out, 0, sizeof(*out));
    why[0] = '\0';
    if (len > LIMIT_BODY_BATCH_BYTES) return ERR_BODY_TOO_LARGE;
    json_error_t jerr;
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(why, why_size, "line %d: %s", jerr.line, jerr.text);
        return ERR_INVALID_JSON;
    }
    enum err err = request__root(e, root, len, operator_index, out, why, why_size);
    json_decref(root);
    if (err) request_cmds_free(out);
    return err;
}

void request_cmds_free(struct request_cmds *r) {
    free(r->cmds);
    r->cmds = NULL;
    r->count = 0;
}
