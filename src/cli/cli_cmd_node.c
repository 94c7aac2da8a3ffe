/*
 * cli_cmd_node.c - the subcommands that run in-process rather than over
 * HTTP: `init`, `serve` and `audit verify` hand their arguments to
 * src/node (node.h), which prints its own output and returns the exit code.
 */
#include <stdio.h>
#include <string.h>

#include "../base/duration.h"
#include "../node/node.h"
#include "cli_cmd.h"

static int cli_cmd_node__data(const struct cli_ctx *ctx, char *out, size_t out_size) {
    if (cli_ctx_data_dir(ctx, out, out_size) != 0) {
        return cli_cmd_usage_error(ctx, "--data DIR too long");
    }
    return CLI_EXIT_OK;
}

/* --clock manual|wall -> NODE_CLOCK_*; -1 for anything else. */
static int cli_cmd_node__clock(const struct cli_ctx *ctx) {
    const char *clock = cli_ctx_flag(ctx, "clock");
    if (clock == NULL) return NODE_CLOCK_LEDGER;
    if (strcmp(clock, "manual") == 0) return NODE_CLOCK_MANUAL;
    if (strcmp(clock, "wall") == 0) return NODE_CLOCK_WALL;
    return -1;
}

int cli_cmd_init(struct cli_ctx *ctx) {
    char data[4096];
    int rc = cli_cmd_node__data(ctx, data, sizeof(data));
    if (rc != CLI_EXIT_OK) return rc;
    int clock = cli_cmd_node__clock(ctx);
    if (clock < 0) return cli_cmd_usage_error(ctx, "--clock is manual or wall");
    return node_init(data, cli_ctx_flag(ctx, "genesis"), clock == NODE_CLOCK_MANUAL, ctx->json);
}

int cli_cmd_serve(struct cli_ctx *ctx) {
    char data[4096];
    int rc = cli_cmd_node__data(ctx, data, sizeof(data));
    if (rc != CLI_EXIT_OK) return rc;
    int clock = cli_cmd_node__clock(ctx);
    if (clock < 0) return cli_cmd_usage_error(ctx, "--clock is manual or wall");
    int64_t interval_ns = 0;
    const char *interval = cli_ctx_flag(ctx, "eval-interval");
    if (interval != NULL && (duration_parse(interval, strlen(interval), &interval_ns) != ERR_OK ||
                             interval_ns < NS_PER_S)) {
        return cli_cmd_usage_error(ctx, "--eval-interval takes a duration of at least 1s (15s, 1m)");
    }
    struct serve_options opt = {
        .data_dir = data,
        .alert_rules = cli_ctx_flag(ctx, "alert-rules"),
        .eval_interval_ns = interval_ns,
        .store_url = cli_ctx_flag(ctx, "store"),
        .listen = cli_ctx_flag(ctx, "listen"),
        .clock = clock,
    };
    if (opt.listen == NULL) opt.listen = "127.0.0.1:8645";
    return node_serve(&opt);
}

int cli_cmd_audit_verify(struct cli_ctx *ctx) {
    char data[4096];
    int rc = cli_cmd_node__data(ctx, data, sizeof(data));
    if (rc != CLI_EXIT_OK) return rc;
    return node_audit_verify(data, ctx->json);
}
