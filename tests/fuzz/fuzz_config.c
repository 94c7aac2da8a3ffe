/*
 * fuzz_config.c - the configuration file (config.yaml): YAML through
 * yaml_to_json, then navcfg_load for the assets it names (and AAXJF), the
 * way `mintline nav fetch` reads it.
 *
 * Properties, for any text:
 *   - navcfg_load accepts or refuses with ERR_INVALID_CONFIG and a reason;
 *   - an accepted configuration has 1..NAVCFG_MAX_SOURCES sources, each
 *     with an http(s) URL, NUL-terminated fields within their sizes, the
 *     fields its type needs and no others, a timeout of 1 s to 5 min, an
 *     environment variable name for the API key; a cache TTL of at least
 *     zero and a spread of at most 100%.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "../../src/base/duration.h"
#include "../../src/cli/navcfg.h"
#include "../../src/node/yaml.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int config__terminated(const char *s, size_t size) { return strnlen(s, size) < size; }

static int config__env_name(const char *s) {
    if (!((*s >= 'A' && *s <= 'Z') || *s == '_')) return 0;
    for (; *s; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    }
    return 1;
}

static void config__source(const struct navcfg_source *s) {
    FUZZ_CHECK(config__terminated(s->url, sizeof(s->url)) &&
               config__terminated(s->symbol, sizeof(s->symbol)) &&
               config__terminated(s->api_key_env, sizeof(s->api_key_env)) &&
               config__terminated(s->path, sizeof(s->path)));
    FUZZ_CHECK(strncmp(s->url, "http://", 7) == 0 || strncmp(s->url, "https://", 8) == 0);
    FUZZ_CHECK(s->timeout_ns >= NS_PER_S && s->timeout_ns <= 300 * NS_PER_S);
    if (s->type == NAVCFG_ALPHAVANTAGE) {
        FUZZ_CHECK(s->symbol[0] != '\0' && config__env_name(s->api_key_env) && s->path[0] == '\0');
    } else {
        FUZZ_CHECK(s->type == NAVCFG_JSON);
        FUZZ_CHECK(s->path[0] != '\0' && s->symbol[0] == '\0' && s->api_key_env[0] == '\0');
    }
}

static void config__asset(const json_t *doc, const char *asset) {
    struct navcfg c;
    memset(&c, 0, sizeof(c));
    char why[256] = "";
    enum err err = navcfg_load(doc, asset, &c, why, sizeof(why));
    FUZZ_CHECK(err == ERR_OK || err == ERR_INVALID_CONFIG);
    if (err != ERR_OK) {
        FUZZ_CHECK(why[0] != '\0');
        return;
    }
    FUZZ_CHECK(c.count >= 1 && c.count <= NAVCFG_MAX_SOURCES);
    for (unsigned i = 0; i < c.count; i++)
        config__source(&c.sources[i]);
    FUZZ_CHECK(c.cache_ttl_ns >= 0);
    FUZZ_CHECK(c.max_spread_ppm <= 1000000u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *doc = NULL;
    char why[256];
    if (yaml_to_json((const char *)data, size, &doc, why, sizeof(why)) != ERR_OK) return 0;
    fuzz_check_yaml_tree((const char *)data, size, doc);
    config__asset(doc, "AAXJF");
    const json_t *all = json_object_get(doc, "nav_sources");
    const char *key;
    const json_t *v;
    unsigned n = 0;
    json_object_foreach((json_t *)all, key, v) {
        if (n++ == 4) break;
        config__asset(doc, key);
    }
    json_decref(doc);
    return 0;
}
