/*
 * cli_http.c - URLs, signatures and one HTTP exchange over libcurl.
 *
 * Nothing here prints or reads the environment: callers decide what a
 * failure means to the operator. Headers carry only validated text (the
 * operator name is checked before it gets here; the rest is generated).
 */
#include "cli_http.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../base/hex.h"

enum err cli_http_base_parse(const char *url, struct cli_http_base *out) {
    size_t scheme_len;
    if (strncasecmp(url, "http://", 7) == 0) {
        scheme_len = 7;
    } else if (strncasecmp(url, "https://", 8) == 0) {
        scheme_len = 8;
    } else {
        return ERR_INVALID_ARGUMENT;
    }
    size_t len = strlen(url);
    if (len >= CLI_HTTP_URL_MAX) return ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f || c == '?' || c == '#') return ERR_INVALID_ARGUMENT;
    }
    size_t authority_len = strcspn(url + scheme_len, "/");
    if (authority_len == 0) return ERR_INVALID_ARGUMENT;
    size_t origin_len = scheme_len + authority_len;
    size_t prefix_len = len - origin_len;
    while (prefix_len > 0 && url[origin_len + prefix_len - 1] == '/') prefix_len--;
    memcpy(out->origin, url, origin_len);
    out->origin[origin_len] = '\0';
    memcpy(out->prefix, url + origin_len, prefix_len);
    out->prefix[prefix_len] = '\0';
    return ERR_OK;
}

void cli_http_encode(struct buf *out, const char *text) {
    static const char digits[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        unsigned char c = *p;
        int unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            buf_put_u8(out, c);
        } else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
            buf_put(out, esc, sizeof(esc));
        }
    }
}

void cli_http_segment(char *out, size_t out_size, const char *text) {
    static const char digits[] = "0123456789ABCDEF";
    size_t used = 0;
    if (out_size == 0) return;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        unsigned char c = *p;
        int unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        size_t need = unreserved ? 1 : 3;
        if (used + need >= out_size) break;
        if (unreserved) {
            out[used++] = (char)c;
        } else {
            out[used++] = '%';
            out[used++] = digits[c >> 4];
            out[used++] = digits[c & 15];
        }
    }
    out[used] = '\0';
}

void cli_http_query(struct buf *path, const char *key, const char *value) {
    if (value == NULL) return;
    int has_query = path->len > 0 && memchr(path->data, '?', path->len) != NULL;
    buf_put_u8(path, has_query ? '&' : '?');
    buf_put(path, key, strlen(key));
    buf_put_u8(path, '=');
    cli_http_encode(path, value);
}

void cli_http_nonce(char out[CLI_HTTP_NONCE_SIZE]) {
    uint8_t raw[(CLI_HTTP_NONCE_SIZE - 1) / 2];
    randombytes_buf(raw, sizeof(raw));
    hex_encode(raw, sizeof(raw), out);
}

int cli_http_sign(const uint8_t seed[SIG_SEED_BYTES], const char *method,
                  const char *path_and_query, const uint8_t *body, size_t body_len, int64_t time_ms,
                  const char *nonce, struct cli_http_auth *auth) {
    snprintf(auth->time_ms, sizeof(auth->time_ms), "%" PRId64, time_ms);
    snprintf(auth->nonce, sizeof(auth->nonce), "%s", nonce);
    return sig_sign(seed, method, path_and_query, auth->time_ms, auth->nonce, body, body_len,
                    auth->signature);
}

size_t cli_http_sink_write(char *data, size_t size, size_t count, void *user) {
    struct cli_http_sink *sink = user;
    size_t n = size * count;
    if (n > sink->limit - sink->body->len) {
        sink->over_limit = 1;
        return 0; /* curl aborts the transfer */
    }
    buf_put(sink->body, data, n);
    return buf_ok(sink->body) ? n : 0;
}

static struct curl_slist *cli_http__header(struct curl_slist *list, int *failed, const char *name,
                                           const char *value) {
    char line[256];
    int n = snprintf(line, sizeof(line), "%s: %s", name, value);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        *failed = 1;
        return list;
    }
    struct curl_slist *next = curl_slist_append(list, line);
    if (next == NULL) *failed = 1;
    return next != NULL ? next : list;
}

static struct curl_slist *cli_http__headers(const char *operator_name,
                                            const struct cli_http_auth *auth, int post,
                                            int *failed) {
    struct curl_slist *h = NULL;
    h = cli_http__header(h, failed, "Accept", "application/json");
    if (post) h = cli_http__header(h, failed, "Content-Type", "application/json");
    /* An empty value removes curl's header: no 100-continue round trip. */
    h = cli_http__header(h, failed, "Expect", "");
    if (auth != NULL) {
        h = cli_http__header(h, failed, "Mintline-Operator", operator_name);
        h = cli_http__header(h, failed, "Mintline-Time", auth->time_ms);
        h = cli_http__header(h, failed, "Mintline-Nonce", auth->nonce);
        h = cli_http__header(h, failed, "Mintline-Signature", auth->signature);
    }
    return h;
}

void cli_http_setup(void *curl, const char *url, long connect_timeout_ms, long timeout_ms,
                    const char *agent, struct cli_http_sink *sink) {
    CURL *c = curl;
    curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_USERAGENT, agent);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, cli_http_sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
}

static void cli_http__options(CURL *c, const char *url, const char *method, const uint8_t *body,
                              size_t body_len, struct curl_slist *headers,
                              struct cli_http_sink *sink, char *errbuf) {
    cli_http_setup(c, url, CLI_HTTP_CONNECT_TIMEOUT_MS, CLI_HTTP_TIMEOUT_MS, "mintline-cli", sink);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* the path sent is the path signed */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body_len > 0 ? (const char *)body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        if (strcmp(method, "POST") != 0) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
}

enum err cli_http_send(void **curl, const char *url, const char *method, const char *operator_name,
                       const struct cli_http_auth *auth, const uint8_t *body, size_t body_len,
                       struct cli_http_response *out, char *why, size_t why_size) {
    out->status = 0;
    out->not_sent = 0;
    buf_init(&out->body);
    if (*curl == NULL) *curl = curl_easy_init();
    CURL *c = *curl;
    if (c == NULL) {
        snprintf(why, why_size, "cannot start the HTTP client");
        return ERR_IO;
    }
    curl_easy_reset(c); /* keeps the connection cache: --follow reuses it */
    int failed = 0;
    int post = strcmp(method, "GET") != 0;
    struct curl_slist *headers = cli_http__headers(operator_name, auth, post, &failed);
    if (failed) {
        curl_slist_free_all(headers);
        snprintf(why, why_size, "cannot build the request headers");
        return ERR_IO;
    }
    struct cli_http_sink sink = {&out->body, CLI_HTTP_RESPONSE_MAX, 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    cli_http__options(c, url, method, body, body_len, headers, &sink, errbuf);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        enum err err = ERR_NODE_UNREACHABLE;
        out->not_sent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
        if (sink.over_limit || !buf_ok(&out->body) || rc == CURLE_OUT_OF_MEMORY) err = ERR_IO;
        snprintf(why, why_size, "%s",
                 sink.over_limit     ? "response over the size limit"
                 : errbuf[0] != '\0' ? errbuf
                                     : curl_easy_strerror(rc));
        buf_free(&out->body);
        return err;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    return ERR_OK;
}

void cli_http_close(void *curl) {
    if (curl != NULL) curl_easy_cleanup(curl);
}
