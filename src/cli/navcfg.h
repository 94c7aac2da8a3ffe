/*
 * navcfg.h - the nav_sources of the configuration file (SPEC 8).
 *
 *   nav_sources:
 *     AAXJF:
 *       sources:
 *         - {type: alphavantage, symbol: AAXJ, url: "https://…/query", api_key_env: KEY}
 *         - {type: json, url: "https://prices.example/aaxj", path: data.price}
 *       cache_ttl: 6h
 *       max_spread: 2%
 *
 * Each source may also say `timeout` (a duration, default 5s). The API key is
 * named, never written: only the environment variable's name is kept here.
 */
#ifndef MINTLINE_CLI_NAVCFG_H
#define MINTLINE_CLI_NAVCFG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

#define NAVCFG_MAX_SOURCES 8u
#define NAVCFG_URL_MAX 512u
#define NAVCFG_DEFAULT_TIMEOUT_S 5
#define NAVCFG_DEFAULT_CACHE_TTL_S (6 * 3600)
#define NAVCFG_DEFAULT_MAX_SPREAD_PPM 20000u /* 2% */

enum navcfg_type { NAVCFG_ALPHAVANTAGE, NAVCFG_JSON };

struct navcfg_source {
    enum navcfg_type type;
    char symbol[32];      /* alphavantage: the ticker asked for */
    char url[NAVCFG_URL_MAX];
    char api_key_env[64]; /* alphavantage: the variable holding the key */
    char path[128];       /* json: dotted keys */
    int64_t timeout_ns;
};

struct navcfg {
    struct navcfg_source sources[NAVCFG_MAX_SOURCES];
    unsigned count;
    int64_t cache_ttl_ns;
    uint32_t max_spread_ppm;
};

/* navcfg_load: the sources of `asset` from a parsed configuration document.
 * ERR_INVALID_CONFIG with a reason when they are missing or malformed
 * (unknown keys included, so a typo is not silently ignored). */
enum err navcfg_load(const json_t *config, const char *asset, struct navcfg *out, char *why,
                     size_t why_size) __attribute__((warn_unused_result));

#endif
