/* test_navsrc.c - NAV source answers: Alpha Vantage and JSON-path bodies, median, spread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/duration.h"
#include "../../src/cli/navcfg.h"
#include "../../src/cli/navsrc.h"
#include "../../src/cli/navfetch.h"
#include "../../src/node/yaml_json.h"
#include "../support/pricesrv.h"

#include <stdio.h>
#include <stdlib.h>

#define E8 UINT64_C(100000000)

static enum navsrc_outcome av(const char *body, u128 *price) {
    char why[128];
    return navsrc_parse_alphavantage(body, strlen(body), price, why, sizeof why);
}

static enum navsrc_outcome js(const char *body, const char *path, u128 *price) {
    char why[128];
    return navsrc_parse_json(body, strlen(body), path, price, why, sizeof why);
}

static void test_alphavantage_quote(void **state) {
    (void)state;
    u128 p = 0;
    const char *good = "{\"Global Quote\": {\"01. symbol\": \"AAXJ\", \"02. open\": \"71.0000\","
                       " \"05. price\": \"72.1300\", \"07. latest trading day\": \"2026-11-20\"}}";
    assert_int_equal(av(good, &p), NAVSRC_OK);
    assert_true(p == (u128)7213 * E8 / 100);
    /* Keys of the same name elsewhere do not count; the first price wins. */
    const char *nested = "{\"x\": {\"05. price\": \"1\"}, \"Global Quote\": {\"05. price\": \"2.5\","
                         " \"05. price\": \"9\"}}";
    assert_int_equal(av(nested, &p), NAVSRC_OK);
    assert_true(p == 25 * E8 / 10);
    /* Digits past the eighth are dropped toward zero. */
    assert_int_equal(av("{\"Global Quote\": {\"05. price\": \"1.123456789\"}}", &p), NAVSRC_OK);
    assert_true(p == 112345678);
}

static void test_alphavantage_failures(void **state) {
    (void)state;
    u128 p = 77;
    assert_int_equal(av("{\"Note\": \"Thank you for using Alpha Vantage! Our standard API call "
                        "frequency is 5 calls per minute\"}",
                        &p),
                     NAVSRC_RATE_LIMITED);
    assert_int_equal(av("{\"Information\": \"premium endpoint\"}", &p), NAVSRC_RATE_LIMITED);
    assert_int_equal(av("{\"Error Message\": \"Invalid API call.\"}", &p), NAVSRC_ERROR_BODY);
    assert_int_equal(av("{\"Global Quote\": {}}", &p), NAVSRC_NO_PRICE);
    assert_int_equal(av("{\"Global Quote\": {\"05. price\": \"\"}}", &p), NAVSRC_BAD_PRICE);
    assert_int_equal(av("{\"Global Quote\": {\"05. price\": \"-1.0\"}}", &p), NAVSRC_BAD_PRICE);
    assert_int_equal(av("{\"Global Quote\": {\"05. price\": \"0.0000\"}}", &p), NAVSRC_BAD_PRICE);
    assert_int_equal(av("{\"Global Quote\": {\"05. price\": null}}", &p), NAVSRC_BAD_PRICE);
    assert_int_equal(av("{\"Global Quote\": {\"05. price\": {\"v\": 1}}}", &p), NAVSRC_BAD_PRICE);
    assert_int_equal(av("<html>502 Bad Gateway</html>", &p), NAVSRC_GARBAGE);
    assert_int_equal(av("{\"Global Quote\": {\"05. price\": \"72.1\"", &p), NAVSRC_GARBAGE);
    assert_int_equal(av("", &p), NAVSRC_GARBAGE);
    /* A rate-limit note beside a quote is still a failure. */
    assert_int_equal(av("{\"Global Quote\": {\"05. price\": \"72\"}, \"Note\": \"slow down\"}", &p),
                     NAVSRC_RATE_LIMITED);
    assert_true(p == 77); /* no failure wrote a price */
    assert_string_equal(navsrc_outcome_name(NAVSRC_RATE_LIMITED), "rate_limited");
}

static void test_json_path(void **state) {
    (void)state;
    u128 p = 0;
    assert_int_equal(js("{\"data\": {\"price\": 72.13}}", "data.price", &p), NAVSRC_OK);
    assert_true(p == (u128)7213 * E8 / 100);
    assert_int_equal(js("{\"data\": {\"price\": \"12.48\"}}", "data.price", &p), NAVSRC_OK);
    assert_true(p == (u128)1248 * E8 / 100);
    assert_int_equal(js("{\"price\": 5}", "price", &p), NAVSRC_OK);
    assert_true(p == 5 * E8);
    /* Siblings and arrays on the way do not confuse the walk. */
    assert_int_equal(js("{\"a\": [{\"price\": 1}], \"data\": {\"list\": [1, {\"x\": 2}], \"price\": 3}}",
                        "data.price", &p),
                     NAVSRC_OK);
    assert_true(p == 3 * E8);
    /* The key at the wrong depth is not the path. */
    assert_int_equal(js("{\"price\": 4, \"data\": {}}", "data.price", &p), NAVSRC_NO_PRICE);
    assert_int_equal(js("{\"data\": {\"price\": 1e2}}", "data.price", &p), NAVSRC_BAD_PRICE);
    assert_int_equal(js("{\"data\": {\"price\": true}}", "data.price", &p), NAVSRC_BAD_PRICE);
    assert_int_equal(js("[1, 2]", "data.price", &p), NAVSRC_NO_PRICE);
    assert_int_equal(js("{\"data\": {\"price\": 1}}", "data..price", &p), NAVSRC_NO_PRICE);
    assert_int_equal(js("not json", "price", &p), NAVSRC_GARBAGE);
}

static void test_median_and_spread(void **state) {
    (void)state;
    u128 one[] = {7};
    assert_true(navsrc_median(one, 1) == 7);
    u128 three[] = {30, 10, 20};
    assert_true(navsrc_median(three, 3) == 20);
    u128 four[] = {40, 10, 30, 20};
    assert_true(navsrc_median(four, 4) == 20); /* the lower middle */
    assert_int_equal(navsrc_spread_ppm(one, 1), 0);
    u128 close[] = {100 * E8, 101 * E8};
    assert_int_equal(navsrc_spread_ppm(close, 2), 10000); /* 1% */
    u128 far[] = {103 * E8, 100 * E8, 101 * E8};
    assert_int_equal(navsrc_spread_ppm(far, 3), 30000); /* 3% */
}

/* Load the nav_sources of `asset` from YAML text, as the CLI will. */
static enum err cfg(const char *yaml, const char *asset, struct navcfg *out, char *why) {
    json_t *doc = NULL;
    assert_int_equal(yaml_to_json(yaml, strlen(yaml), &doc, why, 200), ERR_OK);
    enum err err = navcfg_load(doc, asset, out, why, 200);
    json_decref(doc);
    return err;
}

static void test_config_spec_example(void **state) {
    (void)state;
    const char *yaml =
        "nav_sources:\n"
        "  AAXJF:\n"
        "    sources:\n"
        "      - {type: alphavantage, symbol: AAXJ, url: \"https://www.alphavantage.co/query\","
        " api_key_env: ALPHA_VANTAGE_API_KEY}\n"
        "      - {type: json, url: \"https://prices.example/aaxj\", path: data.price, timeout: 2s}\n"
        "    cache_ttl: 6h\n"
        "    max_spread: 2.5%\n";
    struct navcfg c;
    char why[200];
    assert_int_equal(cfg(yaml, "AAXJF", &c, why), ERR_OK);
    assert_int_equal(c.count, 2);
    assert_int_equal(c.sources[0].type, NAVCFG_ALPHAVANTAGE);
    assert_string_equal(c.sources[0].symbol, "AAXJ");
    assert_string_equal(c.sources[0].api_key_env, "ALPHA_VANTAGE_API_KEY");
    assert_true(c.sources[0].timeout_ns == 5 * NS_PER_S);
    assert_int_equal(c.sources[1].type, NAVCFG_JSON);
    assert_string_equal(c.sources[1].path, "data.price");
    assert_true(c.sources[1].timeout_ns == 2 * NS_PER_S);
    assert_true(c.cache_ttl_ns == 6 * 3600 * NS_PER_S);
    assert_int_equal(c.max_spread_ppm, 25000);
    /* Defaults: 6h and 2%. */
    assert_int_equal(cfg("nav_sources: {X: {sources: [{type: json, url: \"http://a/\", path: p}]}}",
                         "X", &c, why),
                     ERR_OK);
    assert_true(c.cache_ttl_ns == 6 * 3600 * NS_PER_S);
    assert_int_equal(c.max_spread_ppm, 20000);
    assert_int_equal(cfg(yaml, "USDW", &c, why), ERR_INVALID_CONFIG);
    assert_non_null(strstr(why, "not configured"));
}

static void test_config_refusals(void **state) {
    (void)state;
    static const char *const bad[] = {
        "nav_sources: {X: {sources: []}}",
        "nav_sources: {X: {sources: [{type: json, url: \"http://a/\"}]}}",
        "nav_sources: {X: {sources: [{type: json, url: \"ftp://a/\", path: p}]}}",
        "nav_sources: {X: {sources: [{type: json, url: \"http://a/\", path: p, symbol: S}]}}",
        "nav_sources: {X: {sources: [{type: csv, url: \"http://a/\", path: p}]}}",
        "nav_sources: {X: {sources: [{type: alphavantage, url: \"http://a/\", symbol: S}]}}",
        "nav_sources: {X: {sources: [{type: alphavantage, url: \"http://a/\", symbol: S,"
        " api_key_env: \"my key\"}]}}",
        "nav_sources: {X: {sources: [{type: json, url: \"http://a/\", path: p, timeout: 0s}]}}",
        "nav_sources: {X: {sources: [{type: json, url: \"http://a/\", path: p, tiemout: 1s}]}}",
        "nav_sources: {X: {sources: [{type: json, url: \"http://a/\", path: p}], cache_ttl: soon}}",
        "nav_sources: {X: {sources: [{type: json, url: \"http://a/\", path: p}], max_spread: 2}}",
        "nav_sources: {X: {sources: [{type: json, url: \"http://a/\", path: p}], spread: 2%}}",
        "nav_sources: {X: [1]}",
        "nav_sources: [X]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct navcfg c;
        char why[200] = "";
        if (cfg(bad[i], "X", &c, why) != ERR_INVALID_CONFIG) fail_msg("accepted: %s", bad[i]);
        assert_true(strlen(why) > 0);
    }
}

/* One fetch from the stand-in source; the outcome, and the price on success. */
static enum navsrc_outcome fetch(struct pricesrv *srv, enum navcfg_type type, const char *path,
                                 const char *symbol, int64_t timeout_ns, u128 *price, char *why) {
    struct navcfg_source s = {.type = type, .timeout_ns = timeout_ns};
    snprintf(s.url, sizeof s.url, "http://127.0.0.1:%u%s", pricesrv_port(srv), path);
    if (type == NAVCFG_ALPHAVANTAGE) {
        snprintf(s.symbol, sizeof s.symbol, "%s", symbol);
        snprintf(s.api_key_env, sizeof s.api_key_env, "MINTLINE_TEST_AV_KEY");
    } else {
        snprintf(s.path, sizeof s.path, "data.price");
    }
    return navfetch_source(&s, price, why, 200);
}

static void test_fetch_from_stand_in(void **state) {
    (void)state;
    struct pricesrv *srv = pricesrv_start();
    assert_non_null(srv);
    const int64_t t5 = 5 * NS_PER_S;
    u128 p = 0;
    char why[200];
    setenv("MINTLINE_TEST_AV_KEY", PRICESRV_KEY, 1);
    assert_int_equal(fetch(srv, NAVCFG_ALPHAVANTAGE, "/query", "AAXJ", t5, &p, why), NAVSRC_OK);
    assert_true(p == (u128)7213 * E8 / 100);
    assert_int_equal(fetch(srv, NAVCFG_JSON, "/json", NULL, t5, &p, why), NAVSRC_OK);
    assert_true(p == (u128)7220 * E8 / 100);
    p = 1;
    assert_int_equal(fetch(srv, NAVCFG_ALPHAVANTAGE, "/query", "NOTE", t5, &p, why),
                     NAVSRC_RATE_LIMITED);
    assert_int_equal(fetch(srv, NAVCFG_ALPHAVANTAGE, "/query", "INFO", t5, &p, why),
                     NAVSRC_RATE_LIMITED);
    assert_int_equal(fetch(srv, NAVCFG_ALPHAVANTAGE, "/query", "ZZZZ", t5, &p, why),
                     NAVSRC_NO_PRICE);
    assert_int_equal(fetch(srv, NAVCFG_JSON, "/500", NULL, t5, &p, why), NAVSRC_HTTP_STATUS);
    assert_int_equal(fetch(srv, NAVCFG_JSON, "/garbage", NULL, t5, &p, why), NAVSRC_GARBAGE);
    assert_int_equal(fetch(srv, NAVCFG_JSON, "/big", NULL, t5, &p, why), NAVSRC_UNREACHABLE);
    assert_int_equal(fetch(srv, NAVCFG_JSON, "/slow", NULL, NS_PER_S / 2, &p, why), NAVSRC_TIMEOUT);
    /* A wrong key is the source's Error Message, and the key is in no reason. */
    setenv("MINTLINE_TEST_AV_KEY", "wrong-key-456", 1);
    assert_int_equal(fetch(srv, NAVCFG_ALPHAVANTAGE, "/query", "AAXJ", t5, &p, why),
                     NAVSRC_ERROR_BODY);
    assert_null(strstr(why, "wrong-key-456"));
    /* No key: nothing is asked. */
    unsetenv("MINTLINE_TEST_AV_KEY");
    unsigned hits = pricesrv_hits(srv);
    assert_int_equal(fetch(srv, NAVCFG_ALPHAVANTAGE, "/query", "AAXJ", t5, &p, why), NAVSRC_NO_KEY);
    assert_int_equal(pricesrv_hits(srv), hits);
    assert_true(p == 1); /* no failure wrote a price */
    pricesrv_stop(srv);
    /* Nobody listening any more. */
    struct pricesrv *gone = pricesrv_start();
    assert_non_null(gone);
    unsigned port = pricesrv_port(gone);
    pricesrv_stop(gone);
    struct navcfg_source s = {.type = NAVCFG_JSON, .timeout_ns = t5};
    snprintf(s.url, sizeof s.url, "http://127.0.0.1:%u/json", port);
    snprintf(s.path, sizeof s.path, "data.price");
    assert_int_equal(navfetch_source(&s, &p, why, sizeof why), NAVSRC_UNREACHABLE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alphavantage_quote),
        cmocka_unit_test(test_alphavantage_failures),
        cmocka_unit_test(test_json_path),
        cmocka_unit_test(test_median_and_spread),
        cmocka_unit_test(test_config_spec_example),
        cmocka_unit_test(test_config_refusals),
        cmocka_unit_test(test_fetch_from_stand_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
