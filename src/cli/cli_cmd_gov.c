/*
 * cli_cmd_gov.c - governance reads: `policy list`, `proposals`, `timelock`.
 *
 * Each is a GET whose answer is a list of objects; the human form is one
 * aligned row per object over the columns of a small table below.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_fmt.h"
#include "cli_http.h"
#include "cli_out.h"

struct cli_gov__column {
    const char *head;
    const char *key;
};

struct cli_gov__list {
    const char *path;
    const char *key;
    const struct cli_gov__column *columns;
    size_t count;
};

/* {"USDW": ["minter", "burner"]} as the genesis writes it: "minter@USDW,
 * burner@USDW"; "-" for none. */
static void cli_gov__asset_roles(const json_t *roles, char *out, size_t size) {
    struct buf b;
    buf_init(&b);
    const char *sym;
    const json_t *list;
    json_object_foreach((json_t *)roles, sym, list) {
        size_t i;
        const json_t *role;
        json_array_foreach(list, i, role) {
            if (!json_is_string(role)) continue;
            if (b.len > 0) buf_put(&b, ",", 1);
            buf_put(&b, json_string_value(role), strlen(json_string_value(role)));
            buf_put(&b, "@", 1);
            buf_put(&b, sym, strlen(sym));
        }
    }
    snprintf(out, size, "%s", b.len > 0 ? cli_out_cstr(&b) : "-");
    cli_out_clean(out);
    buf_free(&b);
}

static int cli_gov__print(const struct cli_gov__list *l, const json_t *items) {
    struct cli_table t;
    cli_table_init(&t, l->count);
    for (size_t c = 0; c < l->count; c++) cli_table_cell(&t, l->columns[c].head);
    size_t i;
    const json_t *item;
    json_array_foreach(items, i, item) {
        for (size_t c = 0; c < l->count; c++) {
            char text[512];
            const char *key = l->columns[c].key;
            if (strcmp(key, "args") == 0) {
                /* key=value text, the op's amounts canonical (cli_fmt.h) */
                struct buf args;
                buf_init(&args);
                cli_fmt_pairs(json_object_get(item, key),
                              json_string_value(json_object_get(item, "op")), &args);
                cli_table_cell(&t, args.len > 0 ? cli_out_cstr(&args) : "-");
                buf_free(&args);
                continue;
            }
            const json_t *in = json_object_get(item, key);
            if (strstr(key, "_in_s") != NULL && json_is_integer(in) && json_integer_value(in) <= 0) {
                /* a time already passed: the eta is due, the expiry past */
                cli_table_cell(&t, strcmp(key, "eta_in_s") == 0 ? "due" : "passed");
                continue;
            }
            if (strcmp(key, "asset_roles") == 0) {
                cli_gov__asset_roles(json_object_get(item, key), text, sizeof(text));
            } else {
                cli_fmt_value(key, json_object_get(item, key), CLI_FMT_CELL, text, sizeof(text));
            }
            cli_table_cell(&t, text);
        }
    }
    int rc = cli_table_print(&t, stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
    cli_table_free(&t);
    return rc;
}

static int cli_gov__list(struct cli_ctx *ctx, const struct cli_gov__list *l) {
    struct cli_reply reply;
    cli_call(ctx, "GET", l->path, NULL, &reply);
    int rc = cli_reply_finish(ctx, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) rc = cli_gov__print(l, json_object_get(reply.doc, l->key));
    cli_reply_free(&reply);
    return rc;
}

#define CLI_GOV_COUNT(a) (sizeof(a) / sizeof((a)[0]))

int cli_cmd_policy_list(struct cli_ctx *ctx) {
    static const struct cli_gov__column cols[] = {
        {"OP", "op"}, {"ASSET", "asset"}, {"APPROVALS", "approvals"}, {"TIMELOCK", "timelock"},
        {"SOURCE", "source"}};
    const struct cli_gov__list l = {"/api/policies", "policies", cols, CLI_GOV_COUNT(cols)};
    return cli_gov__list(ctx, &l);
}

int cli_cmd_proposals(struct cli_ctx *ctx) {
    static const struct cli_gov__column cols[] = {
        {"ID", "id"},          {"OP", "op"},         {"ARGS", "args"},
        {"PROPOSER", "proposer"}, {"APPROVALS", "approvals"}, {"NEEDED", "approvals_needed"},
        {"EXPIRES", "expires_at"}, {"EXPIRES IN", "expires_in_s"}, {"STATUS", "status"}};
    const struct cli_gov__list l = {"/api/proposals", "proposals", cols, CLI_GOV_COUNT(cols)};
    return cli_gov__list(ctx, &l);
}

int cli_cmd_timelock_list(struct cli_ctx *ctx) {
    static const struct cli_gov__column cols[] = {
        {"ID", "id"},   {"OP", "op"},         {"ARGS", "args"}, {"BY", "submitted_by"},
        {"ETA", "eta"}, {"DUE IN", "eta_in_s"}, {"STATUS", "status"}};
    const struct cli_gov__list l = {"/api/timelock", "timelock", cols, CLI_GOV_COUNT(cols)};
    return cli_gov__list(ctx, &l);
}

int cli_cmd_operator_list(struct cli_ctx *ctx) {
    static const struct cli_gov__column cols[] = {
        {"NAME", "name"}, {"ROLES", "roles"}, {"ASSET ROLES", "asset_roles"},
        {"KEY AGE", "key_age_s"}, {"CONTROLLER", "controller"}};
    const struct cli_gov__list l = {"/api/operators", "operators", cols, CLI_GOV_COUNT(cols)};
    return cli_gov__list(ctx, &l);
}

int cli_cmd_price_list(struct cli_ctx *ctx) {
    static const struct cli_gov__column cols[] = {
        {"FEED", "name"}, {"VALUE", "value"}, {"UPDATED", "updated_at"}, {"AGE", "age_s"},
        {"MAX AGE", "max_age"}, {"STALE", "stale"}, {"FROZEN", "frozen"}};
    const struct cli_gov__list l = {"/api/feeds", "feeds", cols, CLI_GOV_COUNT(cols)};
    return cli_gov__list(ctx, &l);
}

/* `nav show SYM`: one object, printed as aligned key/value lines. */
int cli_cmd_nav_show(struct cli_ctx *ctx) {
    char path[512], sym[200];
    cli_http_segment(sym, sizeof(sym), cli_ctx_pos(ctx, 0));
    snprintf(path, sizeof(path), "/api/assets/%s/nav", sym);
    struct cli_reply reply;
    cli_call(ctx, "GET", path, NULL, &reply);
    int rc = cli_reply_finish(ctx, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        static const char *const keys[] = {"asset", "value", "updated_at", "age_s", "stale",
                                           "forced_updates"};
        rc = cli_out_fields(reply.doc, keys, CLI_GOV_COUNT(keys)) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
    }
    cli_reply_free(&reply);
    return rc;
}

/* `reserve show SYM`: the summary, then one row per report. */
int cli_cmd_reserve_show(struct cli_ctx *ctx) {
    char path[512], sym[200];
    cli_http_segment(sym, sizeof(sym), cli_ctx_pos(ctx, 0));
    snprintf(path, sizeof(path), "/api/assets/%s/reserve", sym);
    struct cli_reply reply;
    cli_call(ctx, "GET", path, NULL, &reply);
    int rc = cli_reply_finish(ctx, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        static const char *const keys[] = {"asset", "supply", "verified", "ratio", "quorum_met",
                                           "quorum", "reports", "below_one", "attestation", "por"};
        rc = cli_out_fields(reply.doc, keys, CLI_GOV_COUNT(keys)) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
        static const struct cli_gov__column cols[] = {
            {"REPORTER", "reporter"}, {"AMOUNT", "amount"}, {"REPORTED", "reported_at"},
            {"AGE", "age_s"}, {"FRESH", "fresh"}};
        const struct cli_gov__list l = {path, "report_list", cols, CLI_GOV_COUNT(cols)};
        if (rc == CLI_EXIT_OK) rc = cli_gov__print(&l, json_object_get(reply.doc, "report_list"));
    }
    cli_reply_free(&reply);
    return rc;
}
