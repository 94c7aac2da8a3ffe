/* navcfg.c - the nav_sources of the configuration file. */
#include "navcfg.h"

#include <stdio.h>
#include <string.h>

#include "../base/duration.h"
#include "../base/u128.h"

static enum err navcfg__fail(char *why, size_t why_size, const char *asset, const char *what) {
    snprintf(why, why_size, "nav_sources.%s: %s", asset, what);
    return ERR_INVALID_CONFIG;
}

/* Copy a string member into dst; 0 absent, 1 copied, -1 not a string or too long. */
static int navcfg__str(const json_t *o, const char *key, char *dst, size_t size) {
    const json_t *v = json_object_get(o, key);
    if (v == NULL) return 0;
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= size) return -1;
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 1;
}

static int navcfg__env_name(const char *s) {
    if (!((*s >= 'A' && *s <= 'Z') || *s == '_')) return 0;
    for (; *s; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    }
    return 1;
}

static int navcfg__url(const char *u) {
    return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

static int navcfg__keys_known(const json_t *o, const char *const *keys) {
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        int known = 0;
        for (unsigned i = 0; keys[i] != NULL; i++) known |= strcmp(keys[i], k) == 0;
        if (!known) return 0;
    }
    return 1;
}

static enum err navcfg__source(const json_t *s, const char *asset, struct navcfg_source *out,
                               char *why, size_t why_size) {
    static const char *const keys[] = {"type", "symbol", "url", "api_key_env", "path", "timeout",
                                       NULL};
    memset(out, 0, sizeof *out);
    out->timeout_ns = NAVCFG_DEFAULT_TIMEOUT_S * NS_PER_S;
    if (!json_is_object(s)) return navcfg__fail(why, why_size, asset, "a source must be a mapping");
    if (!navcfg__keys_known(s, keys))
        return navcfg__fail(why, why_size, asset,
                            "unknown key in a source (type, symbol, url, api_key_env, path, timeout)");
    char type[16];
    if (navcfg__str(s, "type", type, sizeof type) != 1)
        return navcfg__fail(why, why_size, asset, "a source needs a type");
    if (navcfg__str(s, "url", out->url, sizeof out->url) != 1 || !navcfg__url(out->url))
        return navcfg__fail(why, why_size, asset, "a source needs an http:// or https:// url");
    int sym = navcfg__str(s, "symbol", out->symbol, sizeof out->symbol);
    int env = navcfg__str(s, "api_key_env", out->api_key_env, sizeof out->api_key_env);
    int path = navcfg__str(s, "path", out->path, sizeof out->path);
    if (sym < 0 || env < 0 || path < 0)
        return navcfg__fail(why, why_size, asset, "symbol, api_key_env and path are short strings");
    if (strcmp(type, "alphavantage") == 0) {
        out->type = NAVCFG_ALPHAVANTAGE;
        if (sym == 0 || env == 0 || path != 0)
            return navcfg__fail(why, why_size, asset,
                                "an alphavantage source needs symbol and api_key_env, and no path");
        if (!navcfg__env_name(out->api_key_env))
            return navcfg__fail(why, why_size, asset,
                                "api_key_env names an environment variable (A-Z, 0-9, _)");
    } else if (strcmp(type, "json") == 0) {
        out->type = NAVCFG_JSON;
        if (path == 0 || sym != 0 || env != 0)
            return navcfg__fail(why, why_size, asset,
                                "a json source needs path, and no symbol or api_key_env");
    } else {
        return navcfg__fail(why, why_size, asset, "type is alphavantage or json");
    }
    const json_t *t = json_object_get(s, "timeout");
    if (t != NULL) {
        if (!json_is_string(t) ||
            duration_parse(json_string_value(t), json_string_length(t), &out->timeout_ns) != ERR_OK ||
            out->timeout_ns == 0 || out->timeout_ns > 300 * NS_PER_S)
            return navcfg__fail(why, why_size, asset, "timeout is a duration from 1s to 5m");
    }
    return ERR_OK;
}

enum err navcfg_load(const json_t *config, const char *asset, struct navcfg *out, char *why,
                     size_t why_size) {
    static const char *const keys[] = {"sources", "cache_ttl", "max_spread", NULL};
    const json_t *all = json_is_object(config) ? json_object_get(config, "nav_sources") : NULL;
    const json_t *a = json_is_object(all) ? json_object_get(all, asset) : NULL;
    if (a == NULL) return navcfg__fail(why, why_size, asset, "not configured");
    if (!json_is_object(a) || !navcfg__keys_known(a, keys))
        return navcfg__fail(why, why_size, asset, "a mapping of sources, cache_ttl, max_spread");
    struct navcfg c = {.cache_ttl_ns = NAVCFG_DEFAULT_CACHE_TTL_S * NS_PER_S,
                       .max_spread_ppm = NAVCFG_DEFAULT_MAX_SPREAD_PPM};
    const json_t *list = json_object_get(a, "sources");
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > NAVCFG_MAX_SOURCES)
        return navcfg__fail(why, why_size, asset, "sources is a list of 1 to 8 sources");
    for (size_t i = 0; i < json_array_size(list); i++) {
        enum err err = navcfg__source(json_array_get(list, i), asset, &c.sources[i], why, why_size);
        if (err != ERR_OK) return err;
    }
    c.count = (unsigned)json_array_size(list);
    const json_t *ttl = json_object_get(a, "cache_ttl");
    if (ttl != NULL && (!json_is_string(ttl) ||
                        duration_parse(json_string_value(ttl), json_string_length(ttl),
                                       &c.cache_ttl_ns) != ERR_OK))
        return navcfg__fail(why, why_size, asset, "cache_ttl is a duration (6h)");
    const json_t *spread = json_object_get(a, "max_spread");
    if (spread != NULL && (!json_is_string(spread) ||
                           percent_parse(json_string_value(spread), json_string_length(spread),
                                         &c.max_spread_ppm) != ERR_OK))
        return navcfg__fail(why, why_size, asset, "max_spread is a percent (2%)");
    *out = c;
    return ERR_OK;
}
