/*
 * cli_cmd_sec.c - the security-token reads (SPEC 5): `identity show ADDR`
 * and `asset rules show SYM`. Each is one signed GET; --json prints the
 * node's document as received, otherwise a short aligned form of it.
 *
 * The holder-limit thresholds flagged here are SPEC 9's (12(g): warning at
 * 70% of max_holders, critical at 90%); the figures are the node's.
 */
#include <stdio.h>
#include <string.h>

#include "../engine/compliance.h"
#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_http.h"
#include "cli_fmt.h"
#include "cli_out.h"
#include "cli_sec.h"


/* GET prefix + one encoded segment; on success reply->doc is the document
 * (printed already with --json). The caller frees the reply. */
static int cli_sec__get(struct cli_ctx *ctx, const char *prefix, const char *segment,
                        struct cli_reply *reply) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, prefix, strlen(prefix));
    cli_http_encode(&path, segment);
    int rc = cli_get(ctx, &path, reply);
    buf_free(&path);
    return rc;
}

static void cli_sec__pair(struct cli_table *t, const char *key, const char *value) {
    cli_table_cell(t, key);
    cli_table_cell(t, value);
}

/* "a, b, c" from a JSON array of strings; empty_text when there are none. */
static void cli_sec__list(const json_t *array, const char *empty_text, char *out, size_t size) {
    size_t used = 0;
    size_t i;
    const json_t *v;
    out[0] = '\0';
    json_array_foreach(array, i, v) {
        char item[64];
        cli_out_text(v, item, sizeof(item));
        int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", item);
        if (n < 0 || (size_t)n >= size - used) break;
        used += (size_t)n;
    }
    if (used == 0) snprintf(out, size, "%s", empty_text);
}

/* "label  value" for obj[field]. */
static void cli_sec__field(struct cli_table *t, const char *label, const json_t *obj,
                           const char *field) {
    char text[128];
    cli_out_text(json_object_get(obj, field), text, sizeof(text));
    cli_sec__pair(t, label, text);
}

static int cli_sec__identity(const json_t *doc) {
    char text[128];
    struct cli_table head;
    cli_table_init(&head, 2);
    cli_sec__field(&head, "address", doc, "address");
    cli_sec__field(&head, "country", doc, "country");
    cli_sec__field(&head, "investor type", doc, "investor_type");
    int rc = cli_table_print(&head, stdout);
    cli_table_free(&head);
    struct cli_table t;
    cli_table_init(&t, 3);
    cli_table_cell(&t, "CLAIM");
    cli_table_cell(&t, "EXPIRES");
    cli_table_cell(&t, "STATUS");
    const json_t *claims = json_object_get(doc, "claims");
    for (size_t k = 0; k < CLAIM__COUNT; k++) {
        const json_t *c = json_object_get(claims, claim_topic_name((enum claim_topic)k));
        cli_table_cell(&t, claim_topic_name((enum claim_topic)k));
        cli_out_text(json_object_get(c, "expires"), text, sizeof(text));
        cli_table_cell(&t, text);
        cli_table_cell(&t, c == NULL                                   ? "none"
                           : json_is_true(json_object_get(c, "valid")) ? "valid"
                                                                       : "EXPIRED");
    }
    printf("\n");
    if (cli_table_print(&t, stdout) != 0) rc = -1;
    cli_table_free(&t);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_cmd_identity_show(struct cli_ctx *ctx) {
    struct cli_reply reply;
    int rc = cli_sec__get(ctx, "/api/identities/", cli_ctx_pos(ctx, 0), &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) rc = cli_sec__identity(reply.doc);
    cli_reply_free(&reply);
    return rc;
}

const char *cli_sec_holder_level(double usage) {
    if (usage >= CLI_SEC_HOLDERS_CRITICAL) return "CRITICAL";
    if (usage >= CLI_SEC_HOLDERS_WARNING) return "WARNING";
    return NULL;
}

void cli_sec_holders_text(const json_t *asset, char *out, size_t size) {
    char holders[32], max[32];
    cli_out_text(json_object_get(asset, "holders"), holders, sizeof(holders));
    cli_out_text(json_object_get(asset, "max_holders"), max, sizeof(max));
    double usage = json_number_value(json_object_get(asset, "holder_limit_usage"));
    const char *level = cli_sec_holder_level(usage);
    char pct[32];
    human_percent(usage, pct, sizeof(pct));
    snprintf(out, size, "%s of %s (%s)%s%s", holders, max, pct, level ? ": " : "", level ? level : "");
}

/* The claims a receiver in partition p needs: the asset's and its own. */
static void cli_sec__needed(const json_t *rules, const json_t *p, char *out, size_t size) {
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < CLAIM__COUNT; k++) {
        int need = 0;
        size_t i;
        const json_t *v;
        json_array_foreach(json_object_get(rules, "required_claims"), i, v) {
            need |= json_is_string(v) && strcmp(json_string_value(v), claim_topic_name((enum claim_topic)k)) == 0;
        }
        json_array_foreach(json_object_get(p, "required_claims"), i, v) {
            need |= json_is_string(v) && strcmp(json_string_value(v), claim_topic_name((enum claim_topic)k)) == 0;
        }
        if (!need) continue;
        int n = snprintf(out + used, size - used, "%s%s", used ? "," : "", claim_topic_name((enum claim_topic)k));
        if (n < 0 || (size_t)n >= size - used) break;
        used += (size_t)n;
    }
    if (used == 0) snprintf(out, size, "-");
}

static int cli_sec__partitions(const json_t *rules) {
    const json_t *parts = json_object_get(rules, "partitions");
    if (json_array_size(parts) == 0) {
        printf("\nno partitions: transfers name none\n");
        return 0;
    }
    struct cli_table t;
    cli_table_init(&t, 4);
    static const char *const head[] = {"PARTITION", "CLAIMS NEEDED", "LOCKUP UNTIL",
                                       "NO US PERSONS"};
    for (size_t i = 0; i < 4; i++) cli_table_cell(&t, head[i]);
    size_t i;
    const json_t *p;
    json_array_foreach(parts, i, p) {
        char text[128];
        cli_out_text(json_object_get(p, "name"), text, sizeof(text));
        cli_table_cell(&t, text);
        cli_sec__needed(rules, p, text, sizeof(text));
        cli_table_cell(&t, text);
        cli_out_text(json_object_get(p, "lockup_until"), text, sizeof(text));
        cli_table_cell(&t, text);
        cli_out_text(json_object_get(p, "no_us_persons"), text, sizeof(text));
        cli_table_cell(&t, text);
    }
    printf("\n");
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    return rc;
}

static int cli_sec__rules(const json_t *doc) {
    const json_t *rules = json_object_get(doc, "rules");
    char text[1024], sym[64], kind[32];
    cli_out_text(json_object_get(doc, "symbol"), sym, sizeof(sym));
    cli_out_text(json_object_get(doc, "kind"), kind, sizeof(kind));
    struct cli_table t;
    cli_table_init(&t, 2);
    snprintf(text, sizeof(text), "%s (%s)", sym, kind);
    cli_sec__pair(&t, "asset", text);
    cli_sec_holders_text(doc, text, sizeof(text));
    cli_sec__pair(&t, "holders", text);
    cli_sec__list(json_object_get(rules, "required_claims"), "none", text, sizeof(text));
    cli_sec__pair(&t, "required claims", text);
    cli_sec__list(json_object_get(rules, "allowed_countries"), "any", text, sizeof(text));
    cli_sec__pair(&t, "allowed countries", text);
    cli_sec__list(json_object_get(rules, "blocked_countries"), "none", text, sizeof(text));
    cli_sec__pair(&t, "blocked countries", text);
    cli_out_text(json_object_get(rules, "max_balance"), text, sizeof(text));
    cli_sec__pair(&t, "max balance", strcmp(text, "-") == 0 ? "none" : text);
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    if (cli_sec__partitions(rules) != 0) rc = -1;
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_cmd_asset_rules_show(struct cli_ctx *ctx) {
    const char *sym = cli_ctx_pos(ctx, 0);
    struct cli_reply reply;
    int rc = cli_sec__get(ctx, "/api/assets/", sym, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        if (json_is_object(json_object_get(reply.doc, "rules"))) {
            rc = cli_sec__rules(reply.doc);
        } else {
            char kind[32];
            cli_out_text(json_object_get(reply.doc, "kind"), kind, sizeof(kind));
            cli_out_error(ctx->color_err, "ERR_NOT_SECURITY",
                          "%s is a %s asset: only a security asset has compliance rules", sym,
                          kind);
            rc = CLI_EXIT_REJECTED;
        }
    }
    cli_reply_free(&reply);
    return rc;
}
