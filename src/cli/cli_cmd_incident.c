/*
 * cli_cmd_incident.c - incidents and maintenance windows on the command
 * line (SPEC 8, 9): `incident list [--open]`, `incident show ID`,
 * `incident postmortem ID` (Markdown on stdout), `maintenance start`,
 * `maintenance list`, and the incident lines of `status`.
 *
 * The other state changes (incident open/ack/note/resolve, maintenance
 * end, timelock expedite) are plain rows of the table submitted by
 * cli_cmd_submit. `maintenance start` is one too but for a name: SPEC 8
 * spells its duration `--for`, the op's field is "duration".
 *
 * Everything shown comes from the node (GET /api/incidents,
 * /api/incidents/ID, /api/maintenance); the post-mortem's timeline is the
 * journal's, as the node read it. Times are printed in UTC.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_http.h"
#include "cli_fmt.h"
#include "cli_out.h"

/* Room for a note (200 characters of up to 4 bytes) and its decoration. */
#define CLI_INCIDENT_TEXT_SIZE 1024u
#define CLI_INCIDENT_LINE_SIZE 2048u

static void cli_incident__put(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append formatted text (at most CLI_INCIDENT_LINE_SIZE bytes) to out. */
static void cli_incident__put(struct buf *out, const char *fmt, ...) {
    char line[CLI_INCIDENT_LINE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0) buf_put(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* "2026-11-22T01:02:03.004Z" -> "2026-11-22 01:02:03" ("-" for null). */
static const char *cli_incident__time(const json_t *obj, const char *key, char *out, size_t size) {
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || strlen(json_string_value(v)) < 19) {
        snprintf(out, size, "-");
        return out;
    }
    snprintf(out, size, "%.19s", json_string_value(v));
    if (size > 10 && out[10] == 'T') out[10] = ' ';
    cli_out_clean(out);
    return out;
}

/* Seconds since 1970 of an API time, or -1. */
static long long cli_incident__epoch(const json_t *obj, const char *key) {
    const json_t *v = json_object_get(obj, key);
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!json_is_string(v)) return -1;
    if (sscanf(json_string_value(v), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
        return -1;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm);
}

/* " (after 1h 5m)" between two API times, or "" when either is missing. */
static void cli_incident__after(const json_t *obj, const char *from, const char *to, char *out,
                                size_t size) {
    long long a = cli_incident__epoch(obj, from);
    long long b = cli_incident__epoch(obj, to);
    out[0] = '\0';
    if (a < 0 || b < a) return;
    long long s = b - a;
    if (s >= 86400) snprintf(out, size, " (after %lldd %lldh %lldm)", s / 86400, s % 86400 / 3600, s % 3600 / 60);
    else if (s >= 3600) snprintf(out, size, " (after %lldh %lldm)", s / 3600, s % 3600 / 60);
    else if (s >= 60) snprintf(out, size, " (after %lldm %llds)", s / 60, s % 60);
    else snprintf(out, size, " (after %llds)", s);
}

/* ---- incident list ----------------------------------------------------- */

static void cli_incident__row(struct cli_table *t, const json_t *in) {
    char text[CLI_INCIDENT_TEXT_SIZE];
    cli_table_cell(t, cli_out_field(in, "id", text, sizeof(text)));
    cli_table_cell(t, cli_out_field(in, "severity", text, sizeof(text)));
    cli_out_field(in, "state", text, sizeof(text));
    if (json_is_true(json_object_get(in, "overdue"))) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof(text) - n, " OVERDUE");
    }
    cli_table_cell(t, text);
    cli_table_cell(t, cli_incident__time(in, "opened_at", text, sizeof(text)));
    cli_table_cell(t, cli_out_field(in, "opened_by", text, sizeof(text)));
    cli_table_cell(t, cli_out_field(in, "acked_by", text, sizeof(text)));
    cli_table_cell(t, cli_out_field(in, "asset", text, sizeof(text)));
    cli_table_cell(t, cli_out_field(in, "title", text, sizeof(text)));
}

int cli_cmd_incident_list(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/incidents", 14);
    if (cli_ctx_flag(ctx, "open") != NULL) cli_http_query(&path, "open", "1");
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        const json_t *list = json_object_get(reply.doc, "incidents");
        if (json_array_size(list) == 0) {
            printf("no %sincidents\n", cli_ctx_flag(ctx, "open") != NULL ? "open " : "");
        } else {
            static const char *const head[] = {"ID", "SEV", "STATE", "OPENED (UTC)", "BY", "ACKED BY", "ASSET", "TITLE"};
            struct cli_table t;
            cli_table_init(&t, 8);
            for (size_t i = 0; i < 8; i++) cli_table_cell(&t, head[i]);
            size_t i;
            const json_t *in;
            json_array_foreach(list, i, in) cli_incident__row(&t, in);
            rc = cli_table_print(&t, stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
            cli_table_free(&t);
        }
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}

/* ---- one incident: show and post-mortem --------------------------------- */

/* What a timeline entry did, in words: "note: ...", "mint asset=USDW ...". */
static void cli_incident__what(const json_t *entry, struct buf *out) {
    const char *op = json_string_value(json_object_get(entry, "op"));
    const json_t *args = json_object_get(entry, "args");
    char text[CLI_INCIDENT_TEXT_SIZE];
    cli_out_field(entry, "text", text, sizeof(text));
    int has_text = json_is_string(json_object_get(entry, "text"));
    if (op == NULL) op = "?";
    if (strcmp(op, "incident.open") == 0) {
        char sev[16];
        cli_incident__put(out, "opened %s: %s", cli_out_field(args, "severity", sev, sizeof(sev)), text);
    } else if (strcmp(op, "incident.ack") == 0) {
        cli_incident__put(out, "acknowledged");
    } else if (strcmp(op, "incident.note") == 0 && has_text) {
        cli_incident__put(out, "note: %s", text);
    } else if (strcmp(op, "incident.resolve") == 0 && has_text) {
        cli_incident__put(out, "resolved: %s", text);
    } else {
        char clean[64];
        snprintf(clean, sizeof(clean), "%s", op);
        cli_out_clean(clean);
        cli_incident__put(out, "%s", clean);
        if (json_object_size(args) > 0) {
            buf_put(out, " ", 1);
            cli_out_pairs(args, out);
        }
    }
    const char *result = json_string_value(json_object_get(entry, "result"));
    if (result != NULL && strcmp(result, "ok") != 0) {
        char clean[64];
        snprintf(clean, sizeof(clean), "%s", result);
        cli_out_clean(clean);
        cli_incident__put(out, " -> %s", clean);
    }
}

static void cli_incident__header(const json_t *doc) {
    char id[32], sev[16], state[32], title[256], asset[64], at[32], by[64], after[64], target[32];
    printf("incident   %s  %s  %s%s\n", cli_out_field(doc, "id", id, sizeof(id)),
           cli_out_field(doc, "severity", sev, sizeof(sev)),
           cli_out_field(doc, "state", state, sizeof(state)),
           json_is_true(json_object_get(doc, "overdue")) ? "  OVERDUE: not acknowledged within its target" : "");
    printf("title      %s\n", cli_out_field(doc, "title", title, sizeof(title)));
    printf("asset      %s\n", cli_out_field(doc, "asset", asset, sizeof(asset)));
    cli_fmt_value("ack_target_s", json_object_get(doc, "ack_target_s"), CLI_FMT_TEXT, target,
                  sizeof(target));
    printf("opened     %s UTC by %s (acknowledge within %s)\n",
           cli_incident__time(doc, "opened_at", at, sizeof(at)),
           cli_out_field(doc, "opened_by", by, sizeof(by)), target);
    if (json_is_string(json_object_get(doc, "acked_at"))) {
        cli_incident__after(doc, "opened_at", "acked_at", after, sizeof(after));
        printf("acked      %s UTC by %s%s\n", cli_incident__time(doc, "acked_at", at, sizeof(at)),
               cli_out_field(doc, "acked_by", by, sizeof(by)), after);
    }
    if (json_is_string(json_object_get(doc, "resolved_at"))) {
        cli_incident__after(doc, "opened_at", "resolved_at", after, sizeof(after));
        printf("resolved   %s UTC by %s%s\n", cli_incident__time(doc, "resolved_at", at, sizeof(at)),
               cli_out_field(doc, "resolved_by", by, sizeof(by)), after);
    }
    if (json_is_string(json_object_get(doc, "alert"))) {
        printf("alert      %s\n", cli_out_field(doc, "alert", id, sizeof(id)));
    }
    char notes[32], expedites[32];
    printf("notes      %s  expedited timelock entries %s\n",
           cli_out_field(doc, "notes", notes, sizeof(notes)),
           cli_out_field(doc, "expedites", expedites, sizeof(expedites)));
}

static int cli_incident__timeline_table(const json_t *doc) {
    static const char *const head[] = {"TIME (UTC)", "SEQ", "OPERATOR", "WHAT"};
    struct cli_table t;
    cli_table_init(&t, 4);
    for (size_t i = 0; i < 4; i++) cli_table_cell(&t, head[i]);
    size_t i;
    const json_t *entry;
    json_array_foreach(json_object_get(doc, "timeline"), i, entry) {
        char text[64];
        struct buf what;
        buf_init(&what);
        cli_table_cell(&t, cli_incident__time(entry, "time", text, sizeof(text)));
        cli_table_cell(&t, cli_out_field(entry, "seq", text, sizeof(text)));
        cli_table_cell(&t, cli_out_field(entry, "operator", text, sizeof(text)));
        cli_incident__what(entry, &what);
        cli_table_cell(&t, cli_out_cstr(&what));
        buf_free(&what);
    }
    printf("\ntimeline (from the journal):\n");
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    json_int_t omitted = json_integer_value(json_object_get(doc, "omitted"));
    if (omitted > 0) printf("(%lld entries not shown: the timeline holds at most 1000 of each kind)\n", (long long)omitted);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

/* GET /api/incidents/ID into reply; the exit code. */
static int cli_incident__get(struct cli_ctx *ctx, struct cli_reply *reply) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/incidents/", 15);
    cli_http_encode(&path, cli_ctx_pos(ctx, 0));
    int rc = cli_get(ctx, &path, reply);
    buf_free(&path);
    return rc;
}

int cli_cmd_incident_show(struct cli_ctx *ctx) {
    struct cli_reply reply;
    int rc = cli_incident__get(ctx, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        cli_incident__header(reply.doc);
        rc = cli_incident__timeline_table(reply.doc);
    }
    cli_reply_free(&reply);
    return rc;
}

/* A Markdown table cell: no '|' or line break breaks the row. */
static void cli_incident__md_cell(struct buf *out, const char *text) {
    for (const char *p = text; *p; p++) {
        if (*p == '|') buf_put(out, "\\|", 2);
        else if (*p == '\n' || *p == '\r') buf_put(out, " ", 1);
        else buf_put(out, p, 1);
    }
}

static void cli_incident__md_facts(const json_t *doc, struct buf *md) {
    char sev[16], state[32], asset[64], at[32], by[64], after[64], n[32];
    cli_incident__put(md, "- **Severity:** %s (%s)\n", cli_out_field(doc, "severity", sev, sizeof(sev)),
               cli_out_field(doc, "state", state, sizeof(state)));
    cli_incident__put(md, "- **Asset:** %s\n", cli_out_field(doc, "asset", asset, sizeof(asset)));
    cli_incident__put(md, "- **Opened:** %s UTC by %s\n", cli_incident__time(doc, "opened_at", at, sizeof(at)),
               cli_out_field(doc, "opened_by", by, sizeof(by)));
    cli_incident__after(doc, "opened_at", "acked_at", after, sizeof(after));
    cli_incident__put(md, "- **Acknowledged:** %s UTC by %s%s\n", cli_incident__time(doc, "acked_at", at, sizeof(at)),
               cli_out_field(doc, "acked_by", by, sizeof(by)), after);
    cli_incident__after(doc, "opened_at", "resolved_at", after, sizeof(after));
    cli_incident__put(md, "- **Resolved:** %s UTC by %s%s\n", cli_incident__time(doc, "resolved_at", at, sizeof(at)),
               cli_out_field(doc, "resolved_by", by, sizeof(by)), after);
    if (json_is_string(json_object_get(doc, "alert"))) {
        cli_incident__put(md, "- **Alert:** %s\n", cli_out_field(doc, "alert", n, sizeof(n)));
    }
    cli_incident__put(md, "- **Timelock entries expedited:** %s\n",
               cli_out_field(doc, "expedites", n, sizeof(n)));
}

static void cli_incident__md_timeline(const json_t *doc, struct buf *md) {
    cli_incident__put(md, "## Timeline\n\nFrom the journal: the incident's own entries and every command on "
                   "its asset between open and resolve. Times UTC.\n\n");
    cli_incident__put(md, "| Time (UTC) | Block | Seq | Operator | What |\n| --- | --- | --- | --- | --- |\n");
    size_t i;
    const json_t *entry;
    json_array_foreach(json_object_get(doc, "timeline"), i, entry) {
        char at[32], block[32], seq[32], who[64];
        struct buf what;
        buf_init(&what);
        cli_incident__what(entry, &what);
        cli_incident__put(md, "| %s | %s | %s | ", cli_incident__time(entry, "time", at, sizeof(at)),
                   cli_out_field(entry, "block", block, sizeof(block)),
                   cli_out_field(entry, "seq", seq, sizeof(seq)));
        cli_incident__md_cell(md, cli_out_field(entry, "operator", who, sizeof(who)));
        buf_put(md, " | ", 3);
        cli_incident__md_cell(md, cli_out_cstr(&what));
        buf_put(md, " |\n", 3);
        buf_free(&what);
    }
    json_int_t omitted = json_integer_value(json_object_get(doc, "omitted"));
    if (omitted > 0) cli_incident__put(md, "\n_%lld journal entries left out (1000 of each kind at most)._\n", (long long)omitted);
    buf_put(md, "\n", 1);
}

/* The skeleton (SPEC 9): summary, impact, timeline (filled), root cause,
 * what went well, action items; the operator fills in the rest. */
static void cli_incident__postmortem(const json_t *doc, struct buf *md) {
    char id[32], title[256], summary[CLI_INCIDENT_TEXT_SIZE];
    cli_incident__put(md, "# Post-mortem: incident %s: %s\n\n", cli_out_field(doc, "id", id, sizeof(id)),
               cli_out_field(doc, "title", title, sizeof(title)));
    cli_incident__md_facts(doc, md);
    cli_incident__put(md, "\n## Summary\n\n");
    if (json_is_string(json_object_get(doc, "summary"))) {
        cli_incident__put(md, "%s\n\n", cli_out_field(doc, "summary", summary, sizeof(summary)));
    } else {
        cli_incident__put(md, "_Not resolved yet: `mintline incident resolve %s --summary TEXT` gives the summary._\n\n", id);
    }
    cli_incident__put(md, "## Impact\n\n_Who and what was affected and for how long: assets, holders, amounts, "
                   "services, commands refused._\n\n");
    cli_incident__md_timeline(doc, md);
    cli_incident__put(md, "## Root cause\n\n_Why it happened; the chain of causes, not only the trigger._\n\n");
    cli_incident__put(md, "## What went well\n\n_Detection, alerts, runbook steps, people._\n\n");
    cli_incident__put(md, "## Action items\n\n| Action | Owner | Due |\n| --- | --- | --- |\n|  |  |  |\n");
}

int cli_cmd_incident_postmortem(struct cli_ctx *ctx) {
    struct cli_reply reply;
    int rc = cli_incident__get(ctx, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        struct buf md;
        buf_init(&md);
        cli_incident__postmortem(reply.doc, &md);
        const char *text = cli_out_cstr(&md);
        if (!buf_ok(&md)) {
            cli_out_error(ctx->color_err, "ERR_INTERNAL", "out of memory");
            rc = CLI_EXIT_IO;
        } else if (fputs(text, stdout) < 0) {
            rc = CLI_EXIT_IO;
        }
        buf_free(&md);
    }
    cli_reply_free(&reply);
    return rc;
}

/* ---- maintenance windows ------------------------------------------------ */

json_t *cli_cmd_maintenance_start_body(const struct cli_ctx *ctx) {
    json_t *body = cli_cmd_submit_body(ctx);
    json_t *duration = body != NULL ? json_object_get(body, "for") : NULL;
    if (duration == NULL) return body;
    json_incref(duration);
    if (json_object_del(body, "for") != 0 || json_object_set_new(body, "duration", duration) != 0) {
        json_decref(body);
        return NULL;
    }
    return body;
}

int cli_cmd_maintenance_start(struct cli_ctx *ctx) {
    return cli_cmd_submit_send(ctx, cli_cmd_maintenance_start_body(ctx));
}

static void cli_incident__window_row(struct cli_table *t, const json_t *m) {
    char text[256];
    cli_table_cell(t, cli_out_field(m, "id", text, sizeof(text)));
    cli_table_cell(t, cli_out_field(m, "state", text, sizeof(text)));
    cli_table_cell(t, cli_incident__time(m, "start", text, sizeof(text)));
    cli_table_cell(t, cli_incident__time(m, "until", text, sizeof(text)));
    cli_table_cell(t, cli_incident__time(m, "ended_at", text, sizeof(text)));
    cli_table_cell(t, cli_out_field(m, "by", text, sizeof(text)));
    cli_table_cell(t, cli_out_field(m, "reason", text, sizeof(text)));
}

/* "maintenance until T UTC (by, reason)" of a window object. */
static void cli_incident__window_line(const char *lead, const json_t *m) {
    char until[32], by[64], reason[256];
    printf("%s until %s UTC (%s: %s): warnings silenced, criticals and their actions run\n", lead,
           cli_incident__time(m, "until", until, sizeof(until)),
           cli_out_field(m, "by", by, sizeof(by)),
           cli_out_field(m, "reason", reason, sizeof(reason)));
}

int cli_cmd_maintenance_list(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/maintenance", 16);
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        const json_t *active = json_object_get(reply.doc, "active");
        if (json_is_object(active)) cli_incident__window_line("in maintenance", active);
        else printf("no maintenance window in force\n");
        const json_t *list = json_object_get(reply.doc, "windows");
        if (json_array_size(list) > 0) {
            static const char *const head[] = {"ID", "STATE", "START (UTC)", "UNTIL", "ENDED", "BY", "REASON"};
            struct cli_table t;
            cli_table_init(&t, 7);
            for (size_t i = 0; i < 7; i++) cli_table_cell(&t, head[i]);
            size_t i;
            const json_t *m;
            json_array_foreach(list, i, m) cli_incident__window_row(&t, m);
            printf("\n");
            rc = cli_table_print(&t, stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
            cli_table_free(&t);
        }
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}

/* ---- status ------------------------------------------------------------- */

void cli_incident_status(const json_t *incidents) {
    if (!json_is_object(incidents)) return;
    const json_t *open = json_object_get(incidents, "open");
    long long total = 0;
    char counts[128] = "";
    size_t used = 0;
    static const char *const sev[] = {"P0", "P1", "P2", "P3"};
    for (size_t k = 0; k < 4; k++) {
        long long n = (long long)json_integer_value(json_object_get(open, sev[k]));
        total += n;
        int w = snprintf(counts + used, sizeof(counts) - used, "%s%s %lld", k ? ", " : "", sev[k], n);
        if (w > 0 && (size_t)w < sizeof(counts) - used) used += (size_t)w;
    }
    long long overdue = (long long)json_integer_value(json_object_get(incidents, "overdue"));
    printf("incidents open %lld (%s), overdue %lld%s\n", total, counts, overdue,
           overdue > 0 ? ": acknowledge them (mintline incident list --open)" : "");
    const json_t *m = json_object_get(incidents, "maintenance");
    if (json_is_object(m)) cli_incident__window_line("maintenance", m);
}
