/*
 * cli_cmd_check.c - `mintline check daily|weekly|monthly [--json]` (SPEC 9
 * "Checklists"; docs/operators/checklists.md): the node's checklist
 * (GET /api/checks/{period}), one line per item, exit 0 when nothing
 * fails and 1 when something does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/hash.h"
#include "../node/backup.h"
#include "../node/node.h"
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

/* One more item (the monthly audit and restore drill, run here). */
static void cli_check__add(json_t *doc, const char *item, const char *title, const char *status,
                           const char *value, const char *threshold, const char *runbook, const char *detail) {
    json_t *o = json_object();
    json_object_set_new(o, "item", json_string(item));
    json_object_set_new(o, "title", json_string(title));
    json_object_set_new(o, "subject", json_string(""));
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "value", json_string(value));
    json_object_set_new(o, "threshold", json_string(threshold));
    json_object_set_new(o, "runbook", json_string(runbook));
    json_object_set_new(o, "detail", json_string(detail));
    json_t *items = json_object_get(doc, "items");
    if (!json_is_array(items)) {
        items = json_array();
        json_object_set_new(doc, "items", items);
    }
    json_array_append_new(items, o);
}

/* The counts and the status again, over every item. */
static void cli_check__recount(json_t *doc) {
    static const char *const names[] = {"pass", "warn", "fail", "n/a"};
    json_int_t n[4] = {0};
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(doc, "items"), i, it) {
        const char *st = json_string_value(json_object_get(it, "status"));
        for (int k = 0; k < 4; k++) {
            if (st != NULL && strcmp(st, names[k]) == 0) n[k]++;
        }
    }
    json_t *counts = json_object();
    for (int k = 0; k < 4; k++) json_object_set_new(counts, names[k], json_integer(n[k]));
    json_object_set_new(doc, "counts", counts);
    json_object_set_new(doc, "status", json_string(n[2] ? "fail" : n[1] ? "warn" : "pass"));
}

/* The monthly items that need the journal and a backup in hand: a full
 * audit through the node (nothing it says trusted) and the restore drill
 * of the latest backup (--backup FILE, the newest in --backup-dir DIR, or
 * one taken from the node now), unpacked in a temporary directory and
 * audited from genesis. */
static void cli_check__monthly(struct cli_ctx *ctx, json_t *doc) {
    char why[400] = "", value[300];
    struct node_audit_summary sum;
    if (isatty(2)) fprintf(stderr, "check: auditing the journal through the node ...\n");
    enum err err = cli_audit_node_run(ctx, &sum, why, sizeof(why));
    char head[HASH_HEX_SIZE] = "";
    if (!err) {
        hash_hex(&sum.head_hash, head);
        snprintf(value, sizeof(value), "%llu blocks, head %s", (unsigned long long)sum.blocks, head);
    } else {
        snprintf(value, sizeof(value), "%s", err_name(err));
    }
    cli_check__add(doc, "audit", "full audit verify (through the node)", err ? "fail" : "pass", value,
                   "fail on any mismatch", "seed 000 monthly: full security audit; seed 001 8.3: compliance audit",
                   err ? why : "every block, signature and state hash re-checked locally");

    const char *file = cli_ctx_flag(ctx, "backup");
    const char *dir = cli_ctx_flag(ctx, "backup-dir");
    char path[4400] = "", tmpdir[4200] = "";
    struct store_backup_header h;
    int fresh = 0;
    why[0] = '\0';
    err = ERR_OK;
    if (file != NULL) {
        snprintf(path, sizeof(path), "%s", file);
    } else if (dir != NULL) {
        if (node_backup_latest(dir, path, sizeof(path)) != 0) {
            err = ERR_NOT_FOUND;
            snprintf(why, sizeof(why), "no good backup in %.300s", dir);
        }
    } else {
        if (scratch_dir(NULL, "mintline-drill", tmpdir, sizeof(tmpdir)) != 0) {
            err = ERR_IO;
            snprintf(why, sizeof(why), "cannot make a temporary directory");
        } else {
            fresh = 1;
            snprintf(path, sizeof(path), "%s/drill.backup", tmpdir);
            if (isatty(2)) fprintf(stderr, "check: taking a backup from the node for the drill ...\n");
            err = cli_backup_download(ctx, path, &h, why, sizeof(why));
        }
    }
    if (!err) {
        if (isatty(2)) fprintf(stderr, "check: restore drill of %s ...\n", path);
        err = node_backup_drill(path, &h, &sum, why, sizeof(why));
    }
    if (!err) {
        hash_hex(&h.head.head_hash, head);
        snprintf(value, sizeof(value), "height %llu, head %.16s…", (unsigned long long)h.head.height, head);
        snprintf(why, sizeof(why), "%.200s restored into a temporary directory and audited%.100s", path,
                 fresh ? " (taken from the node now: pass --backup-dir DIR to drill the scheduled ones)" : "");
    } else {
        snprintf(value, sizeof(value), "%s", err_name(err));
    }
    cli_check__add(doc, "restore_drill", "restore drill of the latest backup", err ? "fail" : "pass", value,
                   "fail when it does not restore and audit", "seed 003 monthly: test disaster recovery", why);
    if (fresh) {
        unlink(path);
        rmdir(tmpdir);
    }
}

int cli_cmd_check(struct cli_ctx *ctx) {
    const char *period = cli_ctx_pos(ctx, 0);
    if (strcmp(period, "daily") != 0 && strcmp(period, "weekly") != 0 && strcmp(period, "monthly") != 0) {
        return cli_cmd_usage_error(ctx, "the period is daily, weekly or monthly");
    }
    if (strcmp(period, "monthly") != 0 && (cli_ctx_flag(ctx, "backup") || cli_ctx_flag(ctx, "backup-dir"))) {
        return cli_cmd_usage_error(ctx, "--backup and --backup-dir are for the monthly checklist");
    }
    if (cli_ctx_flag(ctx, "backup") && cli_ctx_flag(ctx, "backup-dir")) {
        return cli_cmd_usage_error(ctx, "--backup FILE or --backup-dir DIR, not both");
    }
    char path[64];
    snprintf(path, sizeof(path), "/api/checks/%s", period);
    struct cli_reply reply;
    cli_call(ctx, "GET", path, NULL, &reply);
    if (reply.exit_code != CLI_EXIT_OK || !json_is_object(reply.doc)) {
        int rc = cli_reply_finish(ctx, &reply);
        cli_reply_free(&reply);
        return rc != CLI_EXIT_OK ? rc : CLI_EXIT_IO;
    }
    if (strcmp(period, "monthly") == 0) cli_check__monthly(ctx, reply.doc);
    cli_check__recount(reply.doc);
    int rc;
    if (ctx->json) {
        rc = json_dumpf(reply.doc, stdout, JSON_COMPACT) == 0 && fputc('\n', stdout) != EOF && fflush(stdout) == 0
                 ? CLI_EXIT_OK
                 : CLI_EXIT_IO;
    } else {
        rc = cli_check__print(reply.doc);
    }
    if (rc == CLI_EXIT_OK && strcmp(json_string_value(json_object_get(reply.doc, "status")), "fail") == 0) {
        rc = CLI_EXIT_REJECTED;
    }
    cli_reply_free(&reply);
    return rc;
}
