/* cli_config.c - node, operator, key and profiles of the config file (cli_config.h). */
#include "cli_config.h"

#include <stdio.h>
#include <string.h>

/* Copy doc[key] (a string) into out. 0 absent or copied, -1 with why. */
static int cli_config__string(const json_t *obj, const char *key, const char *where, char *out,
                              size_t out_size, char *why, size_t why_size) {
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) return 0;
    const char *s = json_string_value(v);
    if (s == NULL) {
        snprintf(why, why_size, "%s%s: a string, please", where, key);
        return -1;
    }
    if (strlen(s) >= out_size) {
        snprintf(why, why_size, "%s%s: too long", where, key);
        return -1;
    }
    snprintf(out, out_size, "%s", s);
    return 0;
}

/* The three values of obj into out (those obj has). */
static int cli_config__layer(const json_t *obj, const char *where, struct cli_config_values *out,
                             char *why, size_t why_size) {
    if (cli_config__string(obj, "node", where, out->node, sizeof(out->node), why, why_size) ||
        cli_config__string(obj, "operator", where, out->operator_name, sizeof(out->operator_name),
                           why, why_size) ||
        cli_config__string(obj, "key", where, out->key, sizeof(out->key), why, why_size)) {
        return -1;
    }
    return 0;
}

static enum err cli_config__profile(const json_t *doc, const char *profile,
                                    struct cli_config_values *out, char *why, size_t why_size) {
    const json_t *profiles = json_object_get(doc, "profiles");
    if (profiles != NULL && !json_is_object(profiles)) {
        snprintf(why, why_size, "profiles: a mapping of names to {node, operator, key}");
        return ERR_INVALID_CONFIG;
    }
    const json_t *p = json_object_get(profiles, profile);
    if (p == NULL) {
        char names[256] = "";
        size_t used = 0;
        const char *name;
        const json_t *unused;
        json_object_foreach((json_t *)profiles, name, unused) {
            int n = snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "", name);
            if (n < 0 || (size_t)n >= sizeof(names) - used) break;
            used += (size_t)n;
        }
        snprintf(why, why_size, "no profile '%.64s' (profiles: %s)", profile,
                 used ? names : "none");
        return ERR_INVALID_CONFIG;
    }
    if (!json_is_object(p)) {
        snprintf(why, why_size, "profiles.%.64s: a mapping of node, operator, key", profile);
        return ERR_INVALID_CONFIG;
    }
    const char *key;
    const json_t *unused;
    json_object_foreach((json_t *)p, key, unused) {
        if (strcmp(key, "node") != 0 && strcmp(key, "operator") != 0 && strcmp(key, "key") != 0) {
            snprintf(why, why_size, "profiles.%.64s.%.64s: unknown (node, operator, key)", profile,
                     key);
            return ERR_INVALID_CONFIG;
        }
    }
    char where[96];
    snprintf(where, sizeof(where), "profiles.%.64s.", profile);
    if (cli_config__layer(p, where, out, why, why_size) != 0) return ERR_INVALID_CONFIG;
    snprintf(out->profile, sizeof(out->profile), "%.63s", profile);
    return ERR_OK;
}

enum err cli_config_values(const json_t *doc, const char *profile, const char *dir,
                           struct cli_config_values *out, char *why, size_t why_size) {
    memset(out, 0, sizeof(*out));
    if (doc != NULL && !json_is_object(doc)) {
        snprintf(why, why_size, "the file is not a mapping");
        return ERR_INVALID_CONFIG;
    }
    if (doc != NULL && cli_config__layer(doc, "", out, why, why_size) != 0) return ERR_INVALID_CONFIG;
    if (profile != NULL && profile[0] != '\0') {
        if (doc == NULL) {
            snprintf(why, why_size, "--profile %.64s, but there is no config file", profile);
            return ERR_INVALID_CONFIG;
        }
        enum err err = cli_config__profile(doc, profile, out, why, why_size);
        if (err) return err;
    }
    /* A relative key path is the file's: `key: keys/alice.key` next to it. */
    if (out->key[0] != '\0' && out->key[0] != '/' && dir != NULL && dir[0] != '\0') {
        char joined[sizeof(out->key)];
        int n = snprintf(joined, sizeof(joined), "%s/%s", dir, out->key);
        if (n < 0 || (size_t)n >= sizeof(joined)) {
            snprintf(why, why_size, "key: the path is too long");
            return ERR_INVALID_CONFIG;
        }
        memcpy(out->key, joined, (size_t)n + 1);
    }
    return ERR_OK;
}

const char *cli_config_pick(const char *flag, const char *env, const char *file) {
    if (flag != NULL && flag[0] != '\0') return flag;
    if (env != NULL && env[0] != '\0') return env;
    if (file != NULL && file[0] != '\0') return file;
    return NULL;
}
