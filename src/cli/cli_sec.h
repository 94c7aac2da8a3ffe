/*
 * cli_sec.h - what the CLI's security-token output shares (cli_cmd_sec.c):
 * SPEC 9's holder-limit thresholds and the holders-vs-max text that
 * `status` and `asset rules show` print.
 */
#ifndef MINTLINE_CLI_CLI_SEC_H
#define MINTLINE_CLI_CLI_SEC_H

#include <jansson.h>
#include <stddef.h>

/* SPEC 9 (the US 12(g) threshold of seed 003): holders vs max_holders. */
#define CLI_SEC_HOLDERS_WARNING 0.70
#define CLI_SEC_HOLDERS_CRITICAL 0.90

/* cli_sec_holder_level: "WARNING", "CRITICAL", or NULL below the warning. */
const char *cli_sec_holder_level(double usage);

/* cli_sec_holders_text: "1450 of 2000 (72.50%): WARNING" from an asset's
 * status object (holders, max_holders, holder_limit_usage), into out. */
void cli_sec_holders_text(const json_t *asset, char *out, size_t size);

#endif
