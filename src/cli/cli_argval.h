/*
 * cli_argval.h - the values in argv checked by kind before anything is
 * sent (issue 13 item 6, SPEC 8's exit 2): an amount, an address, a
 * duration or a number that cannot be one is a usage error found here, not
 * a refusal from the node. The kind comes from the tables: the op's field
 * kinds for a submitted command (command.h), the metavar for a read
 * ("N" a count, "ADDR" an address). Pure: no I/O.
 */
#ifndef MINTLINE_CLI_CLI_ARGVAL_H
#define MINTLINE_CLI_CLI_ARGVAL_H

#include <stddef.h>

#include "../base/err.h"

struct cli_args;

/* cli_argval_check: ERR_OK, or the code of the first malformed value
 * (ERR_INVALID_AMOUNT, ERR_INVALID_ADDRESS, ERR_INVALID_DURATION, or
 * ERR_USAGE for a number) with why set to what was given and what is
 * wanted (why_size bytes). */
enum err cli_argval_check(const struct cli_args *args, char *why, size_t why_size)
    __attribute__((warn_unused_result));

#endif
