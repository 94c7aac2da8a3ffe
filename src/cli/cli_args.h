/*
 * cli_args.h - argv -> a subcommand row, its positionals and flags, and the
 * global flags (SPEC 8), with no I/O and no environment: pure, so that every
 * rule is unit-tested.
 *
 * Rules: global flags may come before the subcommand words or anywhere
 * after them; only global flags may come before. After the words, a flag
 * the row declares wins over a global flag of the same name (so `history
 * --operator bob` filters by bob; put the signing --operator before the
 * subcommand). "--name=value" and "--name value" are both accepted; "--"
 * ends the flags. A value flag given twice is a usage error. `mintline help
 * [CMD...]` is `--help`; `help GROUP` or `GROUP --help` (a first word, or
 * words, that several rows share: `nav`, `bridge route`) sets group. An
 * unknown command or flag names the closest known one (cli_suggest.h).
 */
#ifndef MINTLINE_CLI_CLI_ARGS_H
#define MINTLINE_CLI_CLI_ARGS_H

#include <stddef.h>

#include "../base/err.h"
#include "cli_cmd.h"

#define CLI_WHY_SIZE 256u

struct cli_args {
    const struct cli_cmd *cmd; /* NULL with help set: the overview */
    const char *pos[CLI_POS_MAX];
    size_t pos_count;
    const char *flag_values[CLI_FLAGS_MAX]; /* in cmd->flags order; "" for a given boolean */
    /* Global flags; NULL or 0 when absent. */
    const char *node;
    const char *operator_name;
    const char *key;
    const char *config;
    int json;
    int dry_run;
    int help;
    int version;         /* --version */
    const char *profile; /* --profile NAME */
    /* With help and no row: the group asked about ("nav", "bridge route"),
     * "" for the overview. */
    char group[64];
    /* On ERR_USAGE: what is wrong, and the row when one was matched. */
    char why[CLI_WHY_SIZE];
};

/* cli_args_parse: parse argv[1..argc) against rows[0..rows_count).
 * Returns ERR_OK, or ERR_USAGE with out->why set (and out->cmd set when the
 * words named a row, so the caller can print its usage). Pointers in out
 * point into argv and rows. Required flags and positionals are not checked
 * when help is asked for. */
enum err cli_args_parse(const struct cli_cmd *rows, size_t rows_count, int argc, char **argv,
                        struct cli_args *out) __attribute__((warn_unused_result));

/* cli_args_usage: "mint SYM --to ADDR --amount A [--partition P]" for a row,
 * into out (truncated to out_size). */
void cli_args_usage(const struct cli_cmd *row, char *out, size_t out_size);

#endif
