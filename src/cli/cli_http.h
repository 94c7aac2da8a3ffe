/*
 * cli_http.h - the CLI's HTTP client (libcurl): node URLs, query encoding,
 * SPEC 7 request signatures and one request/response exchange.
 *
 * The path and query that are signed are byte for byte the ones sent: the
 * base URL's own path (a reverse-proxy prefix) is part of both, values are
 * percent-encoded here, and curl is told not to normalise the path.
 */
#ifndef MINTLINE_CLI_CLI_HTTP_H
#define MINTLINE_CLI_CLI_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/sig.h"

#define CLI_HTTP_URL_MAX 1024u
/* The biggest answer read: 1,000 history rows with large args fit many
 * times over; more is a broken or hostile server. */
#define CLI_HTTP_RESPONSE_MAX (64u << 20)
#define CLI_HTTP_CONNECT_TIMEOUT_MS 5000L
/* A command waits for its block to commit; a minute is far beyond normal. */
#define CLI_HTTP_TIMEOUT_MS 60000L
#define CLI_HTTP_NONCE_SIZE 33u /* 16 random bytes as hex + NUL */

/* Where curl writes an answer: into body, up to limit bytes; past it the
 * transfer is aborted and over_limit set. */
struct cli_http_sink {
    struct buf *body;
    size_t limit;
    int over_limit;
};

/* cli_http_sink_write: a CURLOPT_WRITEFUNCTION for a struct cli_http_sink. */
size_t cli_http_sink_write(char *data, size_t size, size_t count, void *user);

/* cli_http_setup: what every request of the CLI sets on a curl handle (the
 * node's and the price sources'): the URL, http and https only, no
 * signals, the timeouts, the user agent, the body into sink. */
void cli_http_setup(void *curl, const char *url, long connect_timeout_ms, long timeout_ms,
                    const char *agent, struct cli_http_sink *sink);

/* A node base URL split into what curl needs and what is signed. */
struct cli_http_base {
    char origin[CLI_HTTP_URL_MAX]; /* "http://127.0.0.1:8645" */
    char prefix[CLI_HTTP_URL_MAX]; /* "" or "/ledger" (no trailing slash) */
};

/* cli_http_base_parse: accept "http://HOST[:PORT][/PREFIX]" or https; a
 * trailing slash is dropped. ERR_INVALID_ARGUMENT for anything else (no
 * scheme, another scheme, an empty host, a query or fragment, too long);
 * out untouched on error. */
enum err cli_http_base_parse(const char *url, struct cli_http_base *out)
    __attribute__((warn_unused_result));

/* cli_http_encode: append text percent-encoded (everything but RFC 3986's
 * unreserved A-Z a-z 0-9 - . _ ~), for a path segment or a query value. */
void cli_http_encode(struct buf *out, const char *text);

/* cli_http_segment: text percent-encoded as cli_http_encode does, into out
 * (out_size bytes, NUL-terminated), for a path built with snprintf. An
 * encoding that does not fit is cut at a whole escape (the node then
 * answers for what it got, never for a different name). */
void cli_http_segment(char *out, size_t out_size, const char *text);

/* cli_http_query: append "?key=value", or "&key=value" once the path has a
 * query; nothing when value is NULL. key is appended as is (a literal). */
void cli_http_query(struct buf *path, const char *key, const char *value);

/* The signature headers' values for one request. */
struct cli_http_auth {
    char time_ms[24];
    char nonce[CLI_HTTP_NONCE_SIZE];
    char signature[SIG_B64_SIZE];
};

/* cli_http_nonce: 16 fresh random bytes as 32 lowercase hex digits. */
void cli_http_nonce(char out[CLI_HTTP_NONCE_SIZE]);

/* cli_http_sign: fill auth for a request at time_ms with nonce. Returns 0,
 * or -1 when signing fails. */
int cli_http_sign(const uint8_t seed[SIG_SEED_BYTES], const char *method,
                  const char *path_and_query, const uint8_t *body, size_t body_len, int64_t time_ms,
                  const char *nonce, struct cli_http_auth *auth);

struct cli_http_response {
    long status;     /* HTTP status; 0 when nothing came back */
    int not_sent;    /* the connection could not be made: the request never left */
    struct buf body; /* as received; the caller frees it with buf_free */
};

/* cli_http_send: one exchange. *curl is a reusable handle (NULL to create
 * one; the caller releases it with cli_http_close). The body is sent only
 * for POST, as application/json. Errors: ERR_NODE_UNREACHABLE (connect,
 * timeout, reset; why says which) and ERR_IO (response over the limit, out
 * of memory). Any HTTP status, 5xx included, is ERR_OK: the caller reads it. */
enum err cli_http_send(void **curl, const char *url, const char *method, const char *operator_name,
                       const struct cli_http_auth *auth, const uint8_t *body, size_t body_len,
                       struct cli_http_response *out, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* cli_http_close: release a handle made by cli_http_send (NULL is fine). */
void cli_http_close(void *curl);

#endif
