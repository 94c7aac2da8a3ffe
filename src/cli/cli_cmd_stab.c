/*
 * cli_cmd_stab.c - `mintline stabilizer show SYM [--peak-outflow A]`: an
 * asset's stabilizer as GET /api/stabilizers?asset=SYM answers it, with
 * seed 001's reserve sizing rule when the peak outflow per minute is
 * given. (`stabilizer set` is a plain row of cli.c's table.)
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_http.h"

static const char *cli_stab__text(const json_t *o, const char *key, char *out, size_t size) {
    const json_t *v = json_object_get(o, key);
    if (json_is_string(v)) snprintf(out, size, "%s", json_string_value(v));
    else if (json_is_integer(v)) snprintf(out, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_true(v)) snprintf(out, size, "yes");
    else if (json_is_false(v)) snprintf(out, size, "no");
    else snprintf(out, size, "-");
    return out;
}

static void cli_stab__print(const json_t *st) {
    char a[80], b[80], c[80], d[80], e[80];
    printf("stabilizer %s  feed %s  peg %s\n", cli_stab__text(st, "asset", a, sizeof(a)),
           cli_stab__text(st, "feed", b, sizeof(b)), cli_stab__text(st, "target", c, sizeof(c)));
    printf("  price %s  twap %s  deviation %s ppm (%s)\n", cli_stab__text(st, "price", a, sizeof(a)),
           cli_stab__text(st, "twap", b, sizeof(b)), cli_stab__text(st, "deviation_ppm", c, sizeof(c)),
           cli_stab__text(st, "twap_side", d, sizeof(d)));
    printf("  run %s observations %s the peg (acts at %s, threshold %s ppm, window %s blocks)\n",
           cli_stab__text(st, "consecutive", a, sizeof(a)), cli_stab__text(st, "run_side", b, sizeof(b)),
           cli_stab__text(st, "sustain_blocks", c, sizeof(c)), cli_stab__text(st, "threshold_ppm", d, sizeof(d)),
           cli_stab__text(st, "window_blocks", e, sizeof(e)));
    printf("  orders %s  bought %s  sold %s  k %s  max per block %s\n", cli_stab__text(st, "orders", a, sizeof(a)),
           cli_stab__text(st, "bought_total", b, sizeof(b)), cli_stab__text(st, "sold_total", c, sizeof(c)),
           cli_stab__text(st, "k", d, sizeof(d)), cli_stab__text(st, "max_per_block", e, sizeof(e)));
    printf("  reserve %s holds %s\n", cli_stab__text(st, "reserve_account", a, sizeof(a)),
           cli_stab__text(st, "reserve_balance", b, sizeof(b)));
    const json_t *rule = json_object_get(st, "reserve_rule");
    if (json_is_object(rule)) {
        printf("  reserve rule: required %s = peak outflow %s/min x window %s min x %s; actual %s: %s\n",
               cli_stab__text(rule, "required", a, sizeof(a)), cli_stab__text(rule, "peak_outflow_per_min", b, sizeof(b)),
               cli_stab__text(rule, "window_min", c, sizeof(c)), cli_stab__text(rule, "factor", d, sizeof(d)),
               cli_stab__text(rule, "actual", e, sizeof(e)),
               json_is_true(json_object_get(rule, "ok")) ? "ok" : "SHORT");
    }
}

int cli_cmd_stabilizer_show(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/stabilizers?asset=", 23);
    cli_http_encode(&path, cli_ctx_pos(ctx, 0));
    const char *peak = cli_ctx_flag(ctx, "peak-outflow");
    if (peak != NULL) {
        buf_put(&path, "&peak_outflow=", 14);
        cli_http_encode(&path, peak);
    }
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        const json_t *list = json_object_get(reply.doc, "stabilizers");
        for (size_t i = 0; i < json_array_size(list); i++) cli_stab__print(json_array_get(list, i));
        rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}
