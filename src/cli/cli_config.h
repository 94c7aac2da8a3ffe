/*
 * cli_config.h - the signing globals of the configuration file (SPEC 8):
 *
 *   node: http://127.0.0.1:8645      # --node, MINTLINE_NODE
 *   operator: alice                  # --operator, MINTLINE_OPERATOR
 *   key: keys/alice.key              # --key (relative: to the file's directory)
 *   profiles:
 *     drill: {node: "http://127.0.0.1:9645", operator: carol}
 *
 * --profile NAME (or MINTLINE_PROFILE) lays the profile's values over the
 * top-level ones. Flags beat environment beats the file (cli_config_pick).
 * The file's other sections (nav_sources, alerting) are read by their own
 * commands. Pure: the document comes parsed, nothing is read here.
 */
#ifndef MINTLINE_CLI_CLI_CONFIG_H
#define MINTLINE_CLI_CLI_CONFIG_H

#include <jansson.h>
#include <stddef.h>

#include "../base/err.h"

#define CLI_CONFIG_VALUE_MAX 4096u

struct cli_config_values {
    char node[CLI_CONFIG_VALUE_MAX];     /* "" when the file says nothing */
    char operator_name[64];
    char key[CLI_CONFIG_VALUE_MAX];
    char profile[64];                    /* the profile applied, or "" */
};

/* cli_config_values: node, operator and key of doc (a parsed config file,
 * or NULL for none) with profile's laid over them (profile NULL: none).
 * dir is the file's directory, for a relative key path. ERR_INVALID_CONFIG
 * with why for a value that is not a string or too long, an unknown key in
 * a profile, or a profile the file does not have (why lists those it has). */
enum err cli_config_values(const json_t *doc, const char *profile, const char *dir,
                           struct cli_config_values *out, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* cli_config_pick: flag, else env, else file; NULL and "" count as absent. */
const char *cli_config_pick(const char *flag, const char *env, const char *file);

#endif
