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
 *     zero and a spread of at most 100%;
 *   - the same text's alerting: section (deliver_config_parse, as `serve
 *     --config` reads it) is accepted or refused with ERR_INVALID_CONFIG and
 *     "config.yaml:LINE:COL: reason"; an accepted one has at most
 *     LIMIT_RECEIVERS receivers with unique names of [A-Za-z0-9_-], an
 *     http(s) URL (an Alertmanager's ending in /api/v2/alerts), a timeout of
 *     1 s to 60 s and a repeat interval of 1 m to 7 d.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "../../src/base/duration.h"
#include "../../src/cli/navcfg.h"
#include "../../src/node/deliver.h"
#include "../../src/node/yaml_json.h"
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

static int config__receiver_name(const char *s) {
    if (*s == '\0' || strlen(s) > LIMIT_RECEIVER_NAME) return 0;
    for (; *s; s++) {
        int ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                 *s == '_' || *s == '-';
        if (!ok) return 0;
    }
    return 1;
}

static void config__receiver(const struct deliver_config *c, size_t i) {
    const struct deliver_receiver *r = &c->receivers[i];
    FUZZ_CHECK(config__terminated(r->name, sizeof(r->name)) && config__receiver_name(r->name));
    for (size_t k = 0; k < i; k++) FUZZ_CHECK(strcmp(c->receivers[k].name, r->name) != 0);
    FUZZ_CHECK(config__terminated(r->url, sizeof(r->url)));
    FUZZ_CHECK(strncmp(r->url, "http://", 7) == 0 || strncmp(r->url, "https://", 8) == 0);
    FUZZ_CHECK(r->timeout_ns >= NS_PER_S && r->timeout_ns <= 60 * NS_PER_S);
    FUZZ_CHECK(r->repeat_interval_ns >= 60 * NS_PER_S && r->repeat_interval_ns <= 7 * NS_PER_DAY);
    if (r->type == DELIVER_ALERTMANAGER) {
        size_t n = strlen(r->url);
        FUZZ_CHECK(n > 14 && strcmp(r->url + n - 14, "/api/v2/alerts") == 0);
    } else {
        FUZZ_CHECK(r->type == DELIVER_WEBHOOK);
    }
}

static void config__alerting(const uint8_t *data, size_t size) {
    static struct deliver_config c;
    char why[600] = "";
    enum err err =
        deliver_config_parse("config.yaml", (const char *)data, size, &c, why, sizeof(why));
    FUZZ_CHECK(err == ERR_OK || err == ERR_INVALID_CONFIG || err == ERR_INTERNAL);
    if (err != ERR_OK) {
        FUZZ_CHECK(err == ERR_INTERNAL || strncmp(why, "config.yaml:", 12) == 0);
        return;
    }
    FUZZ_CHECK(c.receivers_count <= LIMIT_RECEIVERS);
    for (size_t i = 0; i < c.receivers_count; i++) config__receiver(&c, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    config__alerting(data, size);
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
