/*
 * cli_cmd_alerts.c - `mintline alerts rules [--check FILE] [--export
 * prometheus]`: the alert rules, offline (src/ops/rules.h), no node asked.
 *
 * Without flags: the built-in rules as a table (--json: as JSON). With
 * --check FILE: the file is read and merged over the built-ins exactly as
 * `serve --alert-rules FILE` will; a summary is printed, or the merged
 * rules with --json / --export. --export prometheus: a rule file for
 * Prometheus (`promtool check rules` accepts it).
 *
 * Exit codes (SPEC 8): 0 done; 2 for a refused rule file, as for every bad
 * local input (ERR_INVALID_CONFIG, the message names the file, line, rule
 * and position); 3 when the file cannot be read (ERR_IO).
 */
#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/duration.h"
#include "../base/err.h"
#include "../base/jw.h"
#include "../ops/rules.h"
#include "cli_cmd.h"
#include "cli_out.h"

static int cli_alerts__write(const struct buf *b) {
    if (!buf_ok(b)) return CLI_EXIT_IO;
    if (fwrite(b->data, 1, b->len, stdout) != b->len) return CLI_EXIT_IO;
    return CLI_EXIT_OK;
}

static int cli_alerts__table(const struct rules *rules) {
    static const char *const head[] = {"NAME", "SEVERITY", "ACTION", "FOR", "STATE", "EXPR"};
    struct cli_table t;
    cli_table_init(&t, sizeof(head) / sizeof(head[0]));
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) cli_table_cell(&t, head[i]);
    for (size_t i = 0; i < rules->rules_count; i++) {
        const struct rule *r = &rules->rules[i];
        char d[32];
        if (r->has_for) {
            duration_format(r->for_ns, d);
        } else {
            snprintf(d, sizeof(d), "-");
        }
        cli_table_cell(&t, r->name);
        cli_table_cell(&t, rule_severity_name(r->severity));
        cli_table_cell(&t, rule_action_name(r->action));
        cli_table_cell(&t, d);
        cli_table_cell(&t, r->enabled ? (r->builtin ? "built-in" : "file") : "disabled");
        cli_table_cell(&t, r->expr_text != NULL ? r->expr_text : "");
    }
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

/* Merge the file at path over *rules. Returns an exit code. */
static int cli_alerts__check(const struct cli_ctx *ctx, const char *path, struct rules *rules,
                             struct rules_merge_stats *stats, size_t *file_rules) {
    struct rules user;
    struct rules_error error;
    enum err err = rules_load_file(path, &user, &error);
    if (err == ERR_OK) {
        *file_rules = user.rules_count;
        err = rules_merge(rules, &user, stats, &error);
        rules_free(&user);
    }
    if (err == ERR_OK) return CLI_EXIT_OK;
    cli_out_error(ctx->color_err, err_name(err), "%s", error.message);
    return err == ERR_IO || err == ERR_INTERNAL ? CLI_EXIT_IO : CLI_EXIT_USAGE;
}

int cli_cmd_alerts_rules(struct cli_ctx *ctx) {
    const char *export = cli_ctx_flag(ctx, "export");
    const char *check = cli_ctx_flag(ctx, "check");
    if (export != NULL && strcmp(export, "prometheus") != 0) {
        return cli_cmd_usage_error(ctx, "--export takes prometheus");
    }
    struct rules rules;
    struct rules_error error;
    if (rules_defaults(&rules, &error) != ERR_OK) {
        cli_out_error(ctx->color_err, err_name(ERR_INTERNAL), "built-in rules: %s", error.message);
        return CLI_EXIT_IO;
    }
    struct rules_merge_stats stats = {0, 0, 0};
    size_t file_rules = 0;
    int rc = check != NULL ? cli_alerts__check(ctx, check, &rules, &stats, &file_rules) : CLI_EXIT_OK;
    if (rc == CLI_EXIT_OK) {
        struct buf out;
        buf_init(&out);
        if (export != NULL) {
            rules_export_prometheus(&rules, &out);
            rc = cli_alerts__write(&out);
        } else if (ctx->json) {
            struct jw w;
            jw_init(&w, &out);
            rules_write_json(&rules, &w);
            buf_put(&out, "\n", 1);
            rc = cli_alerts__write(&out);
        } else if (check != NULL) {
            char shown[512];
            snprintf(shown, sizeof(shown), "%s", check);
            cli_out_clean(shown);
            printf("%s: ok: %zu rules (%zu new, %zu replacing built-ins, %zu disabling built-ins); "
                   "%zu rules in force\n",
                   shown, file_rules, stats.added, stats.replaced, stats.disabled,
                   rules_enabled_count(&rules));
        } else {
            rc = cli_alerts__table(&rules);
        }
        buf_free(&out);
    }
    rules_free(&rules);
    return rc;
}
