/*
 * cli_call.h - one signed call to the node on behalf of a subcommand, and
 * what its answer means as a SPEC 8 exit code.
 *
 * cli_call never prints (but for a warning about a loose key file mode):
 * it fills a reply. cli_reply_finish prints what every subcommand prints
 * the same way (the body for --json, the error line) and returns the exit
 * code; the subcommand then prints its human form of a successful reply.
 */
#ifndef MINTLINE_CLI_CLI_CALL_H
#define MINTLINE_CLI_CLI_CALL_H

#include <jansson.h>

#include "../base/buf.h"
#include "cli_cmd.h"

struct cli_reply {
    int exit_code;  /* CLI_EXIT_OK, _REJECTED, _USAGE or _IO */
    long status;    /* HTTP status, 0 when none */
    struct buf raw; /* the body as received */
    json_t *doc;    /* the body parsed, or NULL when it was not a JSON object */
    char code[64];  /* "ERR_..." when exit_code is not CLI_EXIT_OK */
    char message[512];
};

/* cli_call: sign and send METHOD path (the API path and query, already
 * encoded) with body (NUL-terminated JSON, or NULL), and classify the
 * answer: a JSON object without an error -> 0; an error from the ledger
 * (ok false, an "error" object, or HTTP 4xx) -> 1; HTTP 5xx, no answer or
 * no JSON -> 3; no operator, a bad operator name or a bad --node URL -> 2;
 * an unreadable key file -> 3. Loads the key on first use. --node may list
 * several URLs: tried in order while a connection cannot be made; a
 * follower's ERR_NOT_LEADER is retried once at the leader it names. */
void cli_call(struct cli_ctx *ctx, const char *method, const char *path, const char *body,
              struct cli_reply *out);

/* cli_call_node_next: the next URL of a --node list (comma-separated,
 * blanks around each ignored) into out; advances *list past it. Returns 0
 * when the list holds no more. A URL longer than out is cut (and then
 * refused as a URL). */
int cli_call_node_next(const char **list, char *out, size_t out_size);

/* cli_call_classify: the classification part of cli_call, for a received
 * status and body (r->raw); sets exit_code, doc, code and message. */
void cli_call_classify(struct cli_reply *r);

/* cli_reply_finish: with --json print the body (when it is JSON) on
 * stdout; on failure print "error: CODE: message" on stderr. Returns the
 * exit code (CLI_EXIT_IO when stdout cannot be written). */
int cli_reply_finish(const struct cli_ctx *ctx, const struct cli_reply *r);

/* cli_get: GET the path built in `path` (its buffer may have failed to
 * grow: then ERR_INTERNAL, out of memory) and finish the reply as
 * cli_reply_finish does; on success reply->doc is the document. The
 * caller frees the reply whatever the outcome. Returns the exit code. */
struct buf;
int cli_get(struct cli_ctx *ctx, struct buf *path, struct cli_reply *reply);

/* cli_reply_free: release the body and the document. */
void cli_reply_free(struct cli_reply *r);

/* cli_call_close: wipe the seed and release the HTTP handle of ctx. */
void cli_call_close(struct cli_ctx *ctx);

/* cli_key_path: "HOME/keys/NAME.key" (key files: base/keyfile.h) into
 * out. ERR_INVALID_NAME when name is not [a-z][a-z0-9_-]{0,31}; ERR_IO
 * when the path does not fit. */
enum err cli_key_path(const char *home, const char *name, char *out, size_t out_size)
    __attribute__((warn_unused_result));

/* cli_call_stream: a signed GET of path whose 200 answer is handed to fn
 * as it arrives (fn returns 0 to go on, non-zero to stop: then ERR_IO
 * "stopped by the reader"). Another status is read and classified as
 * cli_call's answer. A 200 answer cut short is ERR_NODE_UNREACHABLE with
 * status 200 ("the download was cut"). No overall timeout; a minute
 * without a byte gives up. out->raw holds only an error answer. */
typedef int (*cli_stream_fn)(void *user, const void *data, size_t len);
void cli_call_stream(struct cli_ctx *ctx, const char *path, cli_stream_fn fn, void *user,
                     struct cli_reply *out);

#endif
