/*
 * cli_cmd_check.c - `mintline check daily|weekly|monthly [--json]` (SPEC 9
 * "Checklists"; docs/operators/checklists.md): the node's checklist
 * (GET /api/checks/{period}), one line per item, exit 0 when nothing
 * fails and 1 when something does.
 */
#include <stdio.h>
#include <string.h>

#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_out.h"

static int cli_check__print(const json_t *doc) {
    static const char *const head[] = {"STATUS", "CHECK", "SUBJECT", "VALUE", "THRESHOLD", "RUNBOOK"};
    struct cli_table t;
    cli_table_init(&t, sizeof(head) / sizeof(head[0]));
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) cli_table_cell(&t, head[i]);
    const json_t *items = json_object_get(doc, "items");
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it) {
        char status[16], title[200], subject[200], value[200], detail[200], threshold[200], runbook[200];
        char shown[420];
        cli_out_field(it, "status", status, sizeof(status));
        cli_out_field(it, "detail", detail, sizeof(detail));
        cli_out_field(it, "value", value, sizeof(value));
        if (detail[0] != '\0' && strcmp(detail, "-") != 0) snprintf(shown, sizeof(shown), "%s (%s)", value, detail);
        else snprintf(shown, sizeof(shown), "%s", value);
        cli_out_field(it, "subject", subject, sizeof(subject));
        cli_table_cell(&t, status);
        cli_table_cell(&t, cli_out_field(it, "title", title, sizeof(title)));
        cli_table_cell(&t, subject[0] ? subject : "-");
        cli_table_cell(&t, shown);
        cli_table_cell(&t, cli_out_field(it, "threshold", threshold, sizeof(threshold)));
        cli_table_cell(&t, cli_out_field(it, "runbook", runbook, sizeof(runbook)));
    }
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    const json_t *counts = json_object_get(doc, "counts");
    char period[16], st[16], pass[16], warn[16], fail[16], na[16];
    printf("%s checklist: %s (%s pass, %s warn, %s fail, %s n/a)\n", cli_out_field(doc, "period", period, sizeof(period)),
           cli_out_field(doc, "status", st, sizeof(st)), cli_out_field(counts, "pass", pass, sizeof(pass)),
           cli_out_field(counts, "warn", warn, sizeof(warn)), cli_out_field(counts, "fail", fail, sizeof(fail)),
           cli_out_field(counts, "n/a", na, sizeof(na)));
    return rc == 0 && fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_cmd_check(struct cli_ctx *ctx) {
    const char *period = cli_ctx_pos(ctx, 0);
    if (strcmp(period, "daily") != 0 && strcmp(period, "weekly") != 0 && strcmp(period, "monthly") != 0) {
        return cli_cmd_usage_error(ctx, "the period is daily, weekly or monthly");
    }
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/checks/", 12);
    buf_put(&path, period, strlen(period));
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) rc = cli_check__print(reply.doc);
    if (rc == CLI_EXIT_OK) {
        const char *status = json_string_value(json_object_get(reply.doc, "status"));
        if (status == NULL || strcmp(status, "fail") == 0) rc = CLI_EXIT_REJECTED;
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}
