/*
 * cli_conv.h - the conventions an operator used to gh, kubectl and cast
 * expects, all generated from THE command table (cli.c): --version, help
 * for a group of commands, a row's role and example, shell completion and
 * the man page.
 */
#ifndef MINTLINE_CLI_CLI_CONV_H
#define MINTLINE_CLI_CLI_CONV_H

#include <stddef.h>

#include "../base/buf.h"
#include "cli_cmd.h"

/* cli_conv_version: "mintline VERSION" and the build's facts on stdout. */
int cli_conv_version(void);

/* cli_conv_help_group: `mintline help GROUP`: one line per command of the
 * group (usage, role, what it does), an example each, on stdout. */
int cli_conv_help_group(const char *group);

/* cli_conv_help_row_extra: the role line, the example and, for a row that
 * is also a group (`timelock`, `alerts`), the commands under it. */
void cli_conv_help_row_extra(const struct cli_cmd *row);

/* cli_conv_example: an example invocation of row ("mintline mint USDW --to
 * 0x… --amount 100") into out. */
void cli_conv_example(const struct cli_cmd *row, struct buf *out);

/* cli_conv_role: the role a row's op needs as text into out ("minter,
 * globally or for the asset"); 0 when the table says none (reads). */
int cli_conv_role(const struct cli_cmd *row, char *out, size_t out_size);

/* cli_globals_help_text: the global flags' help (cli.c). */
const char *cli_globals_help_text(void);

/* Handlers of `completion bash|zsh` and `man`. */
int cli_cmd_completion(struct cli_ctx *ctx);
int cli_cmd_man(struct cli_ctx *ctx);

#endif
