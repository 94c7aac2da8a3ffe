/*
 * cli_cmd_alerts.c - `mintline alerts [--all]`: the node's alerts (GET
 * /api/alerts); `mintline alerts rules [--check FILE] [--export
 * prometheus]`: the alert rules, offline (src/ops/rules.h), no node asked.
 *
 * Without flags: the built-in rules as a table (--json: as JSON). With
 * --check FILE: the file is read and merged over the built-ins exactly as
 * `serve --alert-rules FILE` will; a summary is printed, or the merged
 * rules with --json / --export. --export prometheus: a rule file for
 * Prometheus (`promtool check rules` accepts it).
 *
 * --eval METRICS (an extension): the alerts the rules in force give on a
 * saved scrape of /metrics, built as Prometheus builds them (labels,
 * rendered annotations), one line each or --json {"alerts", "errors"}.
 *
 * Exit codes (SPEC 8): 0 done; 2 for a refused rule file or a malformed
 * metrics file, as for every bad local input (ERR_INVALID_CONFIG /
 * ERR_INVALID_ARGUMENT, naming the file and line); 3 when a file cannot be
 * read (ERR_IO); with --eval, 1 when a rule could not be evaluated (as a
 * checklist that fails).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/duration.h"
#include "../base/err.h"
#include "../base/jw.h"
#include "../ops/expo.h"
#include "../ops/rules.h"
#include "cli_call.h"
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

static char *cli_alerts__read(const struct cli_ctx *ctx, const char *path, size_t limit, size_t *len);

/* Merge the file at path ("-": stdin) over *rules. Returns an exit code. */
static int cli_alerts__check(const struct cli_ctx *ctx, const char *path, struct rules *rules,
                             struct rules_merge_stats *stats, size_t *file_rules) {
    struct rules user;
    struct rules_error error;
    enum err err;
    if (strcmp(path, "-") == 0) { /* `alerts rules --check -`: the rules on stdin */
        size_t len = 0;
        char *text = cli_alerts__read(ctx, path, LIMIT_RULES_FILE_BYTES, &len);
        if (text == NULL) return CLI_EXIT_IO;
        err = rules_parse("<stdin>", text, len, &user, &error);
        free(text);
    } else {
        err = rules_load_file(path, &user, &error);
    }
    if (err == ERR_OK) {
        *file_rules = user.rules_count;
        err = rules_merge(rules, &user, stats, &error);
        rules_free(&user);
    }
    if (err == ERR_OK) return CLI_EXIT_OK;
    cli_out_error(ctx->color_err, err_name(err), "%s", error.message);
    return err == ERR_IO || err == ERR_INTERNAL ? CLI_EXIT_IO : CLI_EXIT_USAGE;
}

/* The whole of a file of at most `limit` bytes; NULL with a message. */
static char *cli_alerts__read(const struct cli_ctx *ctx, const char *path, size_t limit, size_t *len) {
    int std_in = strcmp(path, "-") == 0; /* "-": standard input */
    FILE *f = std_in ? stdin : fopen(path, "rb");
    if (f == NULL) {
        cli_out_error(ctx->color_err, err_name(ERR_IO), "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = malloc(limit + 1);
    size_t n = text != NULL ? fread(text, 1, limit + 1, f) : 0;
    int bad = text == NULL || ferror(f);
    if (!std_in) fclose(f);
    if (bad || n > limit) {
        cli_out_error(ctx->color_err, err_name(ERR_IO), "cannot read %s%s", path,
                      n > limit ? ": too large" : "");
        free(text);
        return NULL;
    }
    *len = n;
    return text;
}

static void cli_alerts__json_labels(struct jw *w, const char *key, const struct promql_label *l, size_t n) {
    jw_key(w, key);
    jw_object_begin(w);
    for (size_t i = 0; i < n; i++) jw_kv_string(w, l[i].name, l[i].value);
    jw_object_end(w);
}

/* One alert as a line: name, severity, action, the series' labels, value,
 * summary. */
static void cli_alerts__line(const struct rule *r, const struct rule_alert *a, struct cli_table *t) {
    struct buf b;
    buf_init(&b);
    for (size_t k = 0; k < a->labels_count; k++) {
        const char *n = a->labels[k].name;
        if (strcmp(n, "alertname") == 0 || strcmp(n, "severity") == 0 || strcmp(n, "action") == 0) continue;
        if (b.len) buf_put(&b, ",", 1);
        buf_put(&b, n, strlen(n));
        buf_put(&b, "=", 1);
        buf_put(&b, a->labels[k].value, strlen(a->labels[k].value));
    }
    buf_put(&b, "", 1);
    char value[TMPL_NUMBER_SIZE];
    tmpl_format_value(a->value, value);
    const char *summary = "";
    for (size_t k = 0; k < a->annotations_count; k++) {
        if (strcmp(a->annotations[k].name, "summary") == 0) summary = a->annotations[k].value;
    }
    cli_table_cell(t, r->name);
    cli_table_cell(t, rule_severity_name(r->severity));
    cli_table_cell(t, rule_action_name(r->action));
    cli_table_cell(t, buf_ok(&b) && b.len > 1 ? (const char *)b.data : "-");
    cli_table_cell(t, value);
    cli_table_cell(t, summary);
    buf_free(&b);
}

/* Evaluate every enabled rule over the series; write alerts and errors. */
static int cli_alerts__eval_rules(const struct cli_ctx *ctx, const struct rules *rules,
                                  const struct promql_set *set, struct buf *out) {
    struct jw w;
    jw_init(&w, out);
    jw_object_begin(&w);
    jw_key(&w, "alerts");
    jw_array_begin(&w);
    struct cli_table t;
    static const char *const head[] = {"ALERT", "SEVERITY", "ACTION", "LABELS", "VALUE", "SUMMARY"};
    cli_table_init(&t, sizeof(head) / sizeof(head[0]));
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) cli_table_cell(&t, head[i]);
    size_t failed = 0;
    for (size_t i = 0; i < rules->rules_count; i++) {
        const struct rule *r = &rules->rules[i];
        if (!r->enabled || r->expr == NULL) continue;
        struct rule_alert *alerts = NULL;
        size_t count = 0;
        struct promql_error pe;
        enum err err = rule_alerts_eval(r, set, &alerts, &count, &pe);
        if (err != ERR_OK) {
            cli_out_warn(ctx->color_err, "rule \"%s\" not evaluated: %s", r->name, pe.message);
            failed++;
            continue;
        }
        for (size_t k = 0; k < count; k++) {
            char value[TMPL_NUMBER_SIZE];
            tmpl_format_value(alerts[k].value, value);
            jw_object_begin(&w);
            jw_kv_string(&w, "name", r->name);
            jw_kv_string(&w, "severity", rule_severity_name(r->severity));
            jw_kv_string(&w, "action", rule_action_name(r->action));
            cli_alerts__json_labels(&w, "labels", alerts[k].labels, alerts[k].labels_count);
            cli_alerts__json_labels(&w, "annotations", alerts[k].annotations, alerts[k].annotations_count);
            jw_kv_string(&w, "value", value);
            jw_object_end(&w);
            cli_alerts__line(r, &alerts[k], &t);
        }
        rule_alerts_free(alerts, count);
    }
    jw_array_end(&w);
    jw_kv_uint(&w, "errors", failed);
    jw_object_end(&w);
    buf_put(out, "\n", 1);
    int rc = ctx->json ? cli_alerts__write(out) : (cli_table_print(&t, stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO);
    cli_table_free(&t);
    if (rc == CLI_EXIT_OK && failed > 0) rc = CLI_EXIT_REJECTED;
    return rc;
}

static int cli_alerts__eval(const struct cli_ctx *ctx, const char *path, const struct rules *rules) {
    size_t len = 0;
    char *text = cli_alerts__read(ctx, path, LIMIT_METRICS_TEXT_BYTES, &len);
    if (text == NULL) return CLI_EXIT_IO;
    struct expo e;
    unsigned line = 0;
    char why[160];
    enum err err = expo_parse(text, len, &e, &line, why, sizeof(why));
    free(text);
    if (err != ERR_OK) {
        cli_out_error(ctx->color_err, err_name(err), "%s:%u: %s", path, line, why);
        return err == ERR_INTERNAL ? CLI_EXIT_IO : CLI_EXIT_USAGE;
    }
    struct promql_set set;
    err = promql_set_init(&set, e.series, e.count);
    if (err != ERR_OK) {
        cli_out_error(ctx->color_err, err_name(err), "%s: a series given twice, or an invalid name", path);
        promql_set_free(&set);
        expo_free(&e);
        return err == ERR_INTERNAL ? CLI_EXIT_IO : CLI_EXIT_USAGE;
    }
    struct buf out;
    buf_init(&out);
    int rc = cli_alerts__eval_rules(ctx, rules, &set, &out);
    buf_free(&out);
    promql_set_free(&set);
    expo_free(&e);
    return rc;
}

int cli_cmd_alerts_rules(struct cli_ctx *ctx) {
    const char *export = cli_ctx_flag(ctx, "export");
    const char *check = cli_ctx_flag(ctx, "check");
    const char *metrics = cli_ctx_flag(ctx, "eval");
    if (export != NULL && strcmp(export, "prometheus") != 0) {
        return cli_cmd_usage_error(ctx, "--export takes prometheus");
    }
    if (export != NULL && metrics != NULL) {
        return cli_cmd_usage_error(ctx, "--export and --eval go apart");
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
        if (metrics != NULL) {
            rc = cli_alerts__eval(ctx, metrics, &rules);
        } else if (export != NULL) {
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

/* "asset=USDW,team=treasury": an alert's labels but alertname and
 * severity (in the NAME and SEVERITY columns). */
static void cli_alerts__labels_text(const json_t *labels, char *out, size_t size) {
    size_t used = 0;
    const char *name;
    const json_t *value;
    out[0] = '\0';
    json_object_foreach((json_t *)labels, name, value) {
        if (strcmp(name, "alertname") == 0 || strcmp(name, "severity") == 0) continue;
        int n = snprintf(out + used, size - used, "%s%s=%s", used ? "," : "", name,
                         json_is_string(value) ? json_string_value(value) : "?");
        if (n < 0 || (size_t)n >= size - used) break;
        used += (size_t)n;
    }
    if (used == 0) snprintf(out, size, "-");
}

static const char *cli_alerts__str(const json_t *doc, const char *key) {
    const char *s = json_string_value(json_object_get(doc, key));
    return s != NULL ? s : "-";
}

static int cli_alerts__print(const json_t *doc) {
    static const char *const head[] = {"NAME", "SEVERITY", "STATE", "SINCE", "VALUE", "LABELS"};
    const json_t *alerts = json_object_get(doc, "alerts");
    struct cli_table t;
    cli_table_init(&t, sizeof(head) / sizeof(head[0]));
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) cli_table_cell(&t, head[i]);
    size_t i;
    const json_t *a;
    char labels[512];
    json_array_foreach(alerts, i, a) {
        cli_alerts__labels_text(json_object_get(a, "labels"), labels, sizeof(labels));
        cli_out_clean(labels);
        cli_table_cell(&t, cli_alerts__str(a, "name"));
        cli_table_cell(&t, cli_alerts__str(a, "severity"));
        cli_table_cell(&t, cli_alerts__str(a, "state"));
        cli_table_cell(&t, cli_alerts__str(a, "since"));
        /* the value as people read it (a node before value_text: as is) */
        const char *vt = json_string_value(json_object_get(a, "value_text"));
        cli_table_cell(&t, vt != NULL ? vt : cli_alerts__str(a, "value"));
        cli_table_cell(&t, labels);
    }
    int rc = json_array_size(alerts) > 0 ? cli_table_print(&t, stdout) : 0;
    cli_table_free(&t);
    if (json_array_size(alerts) == 0) printf("no alerts\n");
    json_array_foreach(alerts, i, a) {
        const char *result = json_string_value(json_object_get(a, "action_result"));
        if (result == NULL) continue;
        cli_alerts__labels_text(json_object_get(a, "labels"), labels, sizeof(labels));
        char line[1024];
        snprintf(line, sizeof(line), "%s{%s}: %s: %s", cli_alerts__str(a, "name"), labels,
                 cli_alerts__str(a, "action"), result);
        cli_out_clean(line);
        printf("%s%s\n", i == 0 ? "\n" : "", line);
    }
    char at[64];
    snprintf(at, sizeof(at), "%s", cli_alerts__str(doc, "evaluated_at"));
    printf("%lld rules, evaluated at %s\n", (long long)json_integer_value(json_object_get(doc, "rules")), at);
    return rc == 0 && fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_cmd_alerts(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/alerts", 11);
    if (cli_ctx_flag(ctx, "all") != NULL) buf_put(&path, "?all=1", 6);
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) rc = cli_alerts__print(reply.doc);
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}
