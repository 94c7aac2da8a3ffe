/*
 * cli_cmd_node.c - the subcommands that run in-process rather than over
 * HTTP: `init`, `serve` and `audit verify` hand their arguments to
 * src/node (node.h), which prints its own output and returns the exit code.
 * `serve` reads --config's `alerting:` section first (deliver.h): a bad one
 * is refused before anything starts, exit 2 as any bad local input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"
#include "../node/deliver.h"
#include "../node/node.h"
#include "cli_args.h"
#include "cli_cmd.h"
#include "cli_out.h"

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
    if (ctx->dry_run) {
        return node_init_check(data, cli_ctx_flag(ctx, "store"), cli_ctx_flag(ctx, "genesis"),
                               clock == NODE_CLOCK_MANUAL, ctx->json);
    }
    return node_init(data, cli_ctx_flag(ctx, "store"), cli_ctx_flag(ctx, "genesis"),
                     clock == NODE_CLOCK_MANUAL, ctx->json);
}

/* --config FILE's receivers into out (none without --config). An exit code. */
static int cli_cmd_node__alerting(const struct cli_ctx *ctx, struct deliver_config *out) {
    out->receivers_count = 0;
    if (ctx->args->config == NULL) return CLI_EXIT_OK;
    char why[600];
    enum err err = deliver_config_load(ctx->args->config, out, why, sizeof(why));
    if (err == ERR_OK) return CLI_EXIT_OK;
    cli_out_error(ctx->color_err, err_name(err), "%s", why);
    return err == ERR_INVALID_CONFIG ? CLI_EXIT_USAGE : CLI_EXIT_IO;
}

/* --backup-dir DIR [--backup-every D] [--backup-keep N] into opt. */
static int cli_cmd_node__backups(const struct cli_ctx *ctx, struct serve_options *opt) {
    const char *every = cli_ctx_flag(ctx, "backup-every");
    const char *keep = cli_ctx_flag(ctx, "backup-keep");
    opt->backup_dir = cli_ctx_flag(ctx, "backup-dir");
    if (opt->backup_dir == NULL && (every != NULL || keep != NULL)) {
        return cli_cmd_usage_error(ctx, "--backup-every and --backup-keep need --backup-dir");
    }
    if (every != NULL && (duration_parse(every, strlen(every), &opt->backup_every_ns) != ERR_OK ||
                          opt->backup_every_ns < NS_PER_S)) {
        return cli_cmd_usage_error(ctx, "--backup-every takes a duration of at least 1s (24h, 6h)");
    }
    if (keep != NULL) {
        char *end = NULL;
        unsigned long n = strtoul(keep, &end, 10);
        if (keep[0] < '1' || keep[0] > '9' || *end != '\0' || n > 10000) {
            return cli_cmd_usage_error(ctx, "--backup-keep takes a number of files, 1 to 10000");
        }
        opt->backup_keep = (uint32_t)n;
    }
    return CLI_EXIT_OK;
}

int cli_cmd_serve(struct cli_ctx *ctx) {
    static struct deliver_config alerting; /* 17 KB: one serve a process */
    if (ctx->dry_run) return cli_cmd_usage_error(ctx, "--dry-run: serve has nothing to simulate");
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
    rc = cli_cmd_node__alerting(ctx, &alerting);
    if (rc != CLI_EXIT_OK) return rc;
    struct serve_options opt = {
        .data_dir = data,
        .alert_rules = cli_ctx_flag(ctx, "alert-rules"),
        .eval_interval_ns = interval_ns,
        .store_url = cli_ctx_flag(ctx, "store"),
        .listen = cli_ctx_flag(ctx, "listen"),
        .advertise = cli_ctx_flag(ctx, "advertise"),
        .clock = clock,
        .alerting = &alerting,
    };
    /* --listen, else MINTLINE_LISTEN (a page of the docs, a second node in a
     * shell: DECISIONS.md), else the default. */
    const char *listen_env = getenv("MINTLINE_LISTEN");
    if (opt.listen == NULL && listen_env != NULL && listen_env[0] != '\0') opt.listen = listen_env;
    if (opt.listen == NULL) opt.listen = "127.0.0.1:8645";
    rc = cli_cmd_node__backups(ctx, &opt);
    if (rc != CLI_EXIT_OK) return rc;
    return node_serve(&opt);
}

int cli_cmd_audit_verify(struct cli_ctx *ctx) {
    /* Neither --data nor --store: through the node (SPEC 8). */
    const char *store = cli_ctx_flag(ctx, "store");
    if (cli_ctx_flag(ctx, "data") == NULL && store == NULL) return cli_cmd_audit_node(ctx);
    if (cli_ctx_flag(ctx, "from-height") != NULL || cli_ctx_flag(ctx, "expect-head") != NULL) {
        return cli_cmd_usage_error(ctx, "--from-height/--expect-head are for the audit through the node");
    }
    char data[4096];
    int rc = cli_cmd_node__data(ctx, data, sizeof(data));
    if (rc != CLI_EXIT_OK) return rc;
    return node_audit_verify(data, store, ctx->json);
}
