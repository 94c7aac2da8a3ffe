/*
 * cli_cmd.h - THE table of CLI subcommands and what their handlers share.
 *
 * Each row is one subcommand: its words, its handler, the op it submits
 * (if it is a state change), its positionals and flags, one line of help,
 * and the sentences that describe its result. Parsing, usage lines, help
 * and the generic command submitter all read the same row (STYLE habit 7):
 * adding a subcommand is a row and, at most, a function.
 */
#ifndef MINTLINE_CLI_CLI_CMD_H
#define MINTLINE_CLI_CLI_CMD_H

#include "../base/report.h"
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../base/buf.h"
#include "../base/sig.h"

/* Exit codes of SPEC 8 (one definition, in base/report.h). */
enum cli_exit {
    CLI_EXIT_OK = EXIT_DONE,
    CLI_EXIT_REJECTED = EXIT_REJECTED,
    CLI_EXIT_USAGE = EXIT_USAGE,
    CLI_EXIT_IO = EXIT_IO,
    CLI_EXIT_PENDING = EXIT_PENDING,
};

/* Bounds of one row: no subcommand needs more. */
#define CLI_POS_MAX 4u
#define CLI_FLAGS_MAX 10u
#define CLI_WORDS_MAX 3u

/* Flag kinds. */
#define CLI_FLAG_VALUE 0u    /* --name VALUE or --name=VALUE */
#define CLI_FLAG_BOOL 1u     /* --name */
#define CLI_FLAG_REQUIRED 2u /* or'ed with CLI_FLAG_VALUE: missing is a usage error */

struct cli_flag_def {
    const char *name;    /* "to", "supply-cap" (the body field turns '-' into '_') */
    const char *metavar; /* "ADDR"; NULL for a boolean flag */
    uint8_t kind;        /* CLI_FLAG_* */
};

struct cli_pos_def {
    const char *metavar; /* "SYM" */
    const char *field;   /* body field of a submitted command ("asset"), or NULL */
    uint8_t required;
};

struct cli_ctx;
typedef int (*cli_handler_fn)(struct cli_ctx *ctx);

struct cli_cmd {
    const char *words; /* "audit verify": space separated, at most CLI_WORDS_MAX */
    cli_handler_fn run;
    const char *op; /* the op POSTed to /api/commands, or NULL for other commands */
    struct cli_pos_def pos[CLI_POS_MAX];
    struct cli_flag_def flags[CLI_FLAGS_MAX];
    const char *help; /* one line */
    const char *more; /* extra usage notes, or NULL */
    /* For submitted commands, what the result says: templates over the body
     * sent, "{field}" its value, "{field|text}" text when absent and
     * "{field?text}" text (with % as the value) only when present. */
    const char *done; /* "minted {amount} {asset} to {to}" */
    const char *dry;  /* "mint {amount} {asset} to {to}" (after "dry run: would ") */
    uint8_t show_events; /* print the result's events after `done` (what was published) */
};

/* cli_cmd_table: the rows, *count of them; static storage. */
const struct cli_cmd *cli_cmd_table(size_t *count);

/* What a handler sees: the parsed arguments and the resolved globals
 * (flags beat environment beats defaults). */
struct cli_args;
struct cli_ctx {
    const struct cli_args *args;
    const char *node_url;      /* never NULL */
    const char *operator_name; /* NULL when neither --operator nor MINTLINE_OPERATOR */
    const char *key_path;      /* --key, or NULL: derived from home and operator */
    char home[4096];           /* MINTLINE_HOME or ~/.mintline */
    int json;
    int dry_run;
    int color_err; /* colour "error:" on stderr */
    /* Lazily set by the HTTP layer: the signing seed and a reusable handle. */
    int seed_loaded;
    uint8_t seed[SIG_SEED_BYTES];
    void *curl;
};

/* cli_ctx_pos: positional i, or NULL when absent. */
const char *cli_ctx_pos(const struct cli_ctx *ctx, size_t i);
/* cli_ctx_flag: the value of the command's flag `name` (without "--"), or
 * NULL when absent; for a boolean flag, "" when given. */
const char *cli_ctx_flag(const struct cli_ctx *ctx, const char *name);
/* cli_ctx_data_dir: --data, or $MINTLINE_HOME/data, into out. Returns 0, or
 * -1 when it does not fit. */
int cli_ctx_data_dir(const struct cli_ctx *ctx, char *out, size_t out_size);

/* Handlers: each returns an exit code and prints its own output. */
int cli_cmd_init(struct cli_ctx *ctx);
int cli_cmd_serve(struct cli_ctx *ctx);
int cli_cmd_audit_verify(struct cli_ctx *ctx);
int cli_cmd_key_new(struct cli_ctx *ctx);
int cli_cmd_key_show(struct cli_ctx *ctx);
int cli_cmd_submit(struct cli_ctx *ctx); /* every row with an op */

/* cli_cmd_submit_body: the command object of a row with an op: {"op",
 * positionals by their field, flags by name with '-' as '_', "dry_run"
 * with --dry-run}. A new reference, or NULL when out of memory. */
json_t *cli_cmd_submit_body(const struct cli_ctx *ctx);

/* cli_cmd_submit_send: POST body (consumed; NULL is out of memory) as the
 * row's command and report the result as cli_cmd_submit does. */
int cli_cmd_submit_send(struct cli_ctx *ctx, json_t *body);

/* cli_cmd_submit_expand: append a row's done/dry sentence (the template
 * forms of struct cli_cmd) expanded over body to out. */
void cli_cmd_submit_expand(const char *tpl, const json_t *body, struct buf *out);
int cli_cmd_status(struct cli_ctx *ctx);
int cli_cmd_balance(struct cli_ctx *ctx);
int cli_cmd_account_show(struct cli_ctx *ctx);
int cli_cmd_history(struct cli_ctx *ctx);
int cli_cmd_policy_list(struct cli_ctx *ctx);
int cli_cmd_proposals(struct cli_ctx *ctx);
int cli_cmd_timelock_list(struct cli_ctx *ctx);
int cli_cmd_operator_list(struct cli_ctx *ctx);
int cli_cmd_price_list(struct cli_ctx *ctx);
int cli_cmd_nav_show(struct cli_ctx *ctx);
int cli_cmd_nav_fetch(struct cli_ctx *ctx);
int cli_cmd_nav_check_cache(struct cli_ctx *ctx);
int cli_cmd_reserve_show(struct cli_ctx *ctx);
int cli_cmd_events(struct cli_ctx *ctx);
int cli_cmd_por_publish(struct cli_ctx *ctx);
int cli_cmd_por_show(struct cli_ctx *ctx);
int cli_cmd_por_proof(struct cli_ctx *ctx);
int cli_cmd_por_verify(struct cli_ctx *ctx);
int cli_cmd_identity_show(struct cli_ctx *ctx);
int cli_cmd_asset_rules_show(struct cli_ctx *ctx);
int cli_cmd_alerts_rules(struct cli_ctx *ctx);
int cli_cmd_alerts(struct cli_ctx *ctx);
int cli_cmd_payout_show(struct cli_ctx *ctx);
int cli_cmd_payout_list(struct cli_ctx *ctx);
int cli_cmd_stabilizer_show(struct cli_ctx *ctx);
int cli_cmd_bridge_list(struct cli_ctx *ctx);
int cli_cmd_vault_show(struct cli_ctx *ctx);
int cli_cmd_vault_list(struct cli_ctx *ctx);
int cli_cmd_bridge_show(struct cli_ctx *ctx);
int cli_cmd_bridge_routes(struct cli_ctx *ctx);
/* Incidents and maintenance windows (cli_cmd_incident.c). */
int cli_cmd_incident_list(struct cli_ctx *ctx);
int cli_cmd_incident_show(struct cli_ctx *ctx);
int cli_cmd_incident_postmortem(struct cli_ctx *ctx);
int cli_cmd_report(struct cli_ctx *ctx); /* cli_cmd_report.c */
int cli_cmd_maintenance_start(struct cli_ctx *ctx);
/* cli_cmd_maintenance_start_body: cli_cmd_submit_body with SPEC 8's --for
 * as the op's "duration". A new reference, or NULL when out of memory. */
json_t *cli_cmd_maintenance_start_body(const struct cli_ctx *ctx);
int cli_cmd_maintenance_list(struct cli_ctx *ctx);
/* cli_incident_status: the incident lines of `status` from the status
 * document's "incidents" object (nothing when it is not one). */
void cli_incident_status(const json_t *incidents);
/* cli_vault_status: the vault type lines of `status` from the status
 * document's "vaults" array (cli_cmd_stab.c; nothing when absent). */
void cli_vault_status(const json_t *vaults);

/* cli_cmd_usage_error: print "error: ERR_USAGE: what" and the one-line hint
 * to the command's help on stderr; returns CLI_EXIT_USAGE. */
int cli_cmd_usage_error(const struct cli_ctx *ctx, const char *what);

/* cli_cmd_check: `check daily|weekly|monthly` (cli_cmd_check.c). */
int cli_cmd_check(struct cli_ctx *ctx);
/* Backups and audit through the node (cli_cmd_backup.c). */
int cli_cmd_backup_create(struct cli_ctx *ctx);
int cli_cmd_backup_verify(struct cli_ctx *ctx);
int cli_cmd_backup_restore(struct cli_ctx *ctx);
int cli_cmd_audit_node(struct cli_ctx *ctx);
/* cli_audit_node_run: the audit through the node, printing nothing (the
 * monthly checklist): ERR_OK with *sum, or the error with why. */
struct node_audit_summary;
enum err cli_audit_node_run(struct cli_ctx *ctx, struct node_audit_summary *sum, char *why, size_t why_size);
/* cli_backup_download: GET /api/backup into file (created, never there
 * before), checked (header, SHA-256); removed on an error. */
struct store_backup_header;
enum err cli_backup_download(struct cli_ctx *ctx, const char *file, struct store_backup_header *h, char *why,
                             size_t why_size);

/* `api METHOD PATH [BODY]` and `batch FILE` (cli_cmd_api.c). */
int cli_cmd_api(struct cli_ctx *ctx);
int cli_cmd_batch(struct cli_ctx *ctx);

#endif
