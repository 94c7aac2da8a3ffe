/* navfetch.c - ask one configured price source for a NAV over HTTP. */
#include "navfetch.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/duration.h"
#include "cli_http.h"

/* The request URL; for Alpha Vantage it holds the key, so it is wiped after use. */
static int navfetch__url(const struct navcfg_source *src, struct buf *url, char *why,
                         size_t why_size) {
    buf_put(url, src->url, strlen(src->url));
    if (src->type == NAVCFG_ALPHAVANTAGE) {
        const char *key = getenv(src->api_key_env);
        if (key == NULL || key[0] == '\0') {
            snprintf(why, why_size, "environment variable %s is not set", src->api_key_env);
            return -1;
        }
        cli_http_query(url, "function", "GLOBAL_QUOTE");
        cli_http_query(url, "symbol", src->symbol);
        cli_http_query(url, "apikey", key);
    }
    buf_put_u8(url, 0);
    return 0;
}

enum navsrc_outcome navfetch_source(const struct navcfg_source *src, u128 *price, char *why,
                                    size_t why_size) {
    struct buf url;
    buf_init(&url);
    if (navfetch__url(src, &url, why, why_size) != 0) {
        buf_free(&url);
        return NAVSRC_NO_KEY;
    }
    CURL *c = buf_ok(&url) ? curl_easy_init() : NULL;
    if (c == NULL) {
        sodium_memzero(url.data, url.len);
        buf_free(&url);
        snprintf(why, why_size, "cannot start the HTTP client");
        return NAVSRC_UNREACHABLE;
    }
    struct buf body;
    buf_init(&body);
    struct cli_http_sink sink = {&body, NAVFETCH_RESPONSE_MAX, 0};
    long timeout_ms = (long)(src->timeout_ns / (NS_PER_S / 1000));
    cli_http_setup(c, (const char *)url.data, timeout_ms, timeout_ms, "mintline-nav-fetch", &sink);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    sodium_memzero(url.data, url.len);
    buf_free(&url);

    enum navsrc_outcome o;
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        snprintf(why, why_size, "no answer within %lld ms", (long long)timeout_ms);
        o = NAVSRC_TIMEOUT;
    } else if (rc != CURLE_OK || !buf_ok(&body)) {
        /* curl_easy_strerror names the failure without the URL. */
        snprintf(why, why_size, "%s",
                 sink.over_limit ? "answer over 1 MiB" : curl_easy_strerror(rc));
        o = NAVSRC_UNREACHABLE;
    } else if (status != 200) {
        snprintf(why, why_size, "HTTP status %ld", status);
        o = NAVSRC_HTTP_STATUS;
    } else if (src->type == NAVCFG_ALPHAVANTAGE) {
        o = navsrc_parse_alphavantage((const char *)body.data, body.len, price, why,
                                      why_size);
    } else {
        o = navsrc_parse_json((const char *)body.data, body.len, src->path, price, why,
                              why_size);
    }
    buf_free(&body);
    return o;
}
