/*
 * navsrc.h - read a NAV out of a price source's answer (SPEC 8 nav_sources).
 *
 * Pure: a body in, a price or a reason out. No I/O, no allocation beyond
 * yajl's parser, no floating point: a price is taken from the JSON text of
 * the number or string, exactly, in base units of 8 fraction digits (digits
 * past the eighth are dropped, rounding toward zero).
 *
 * Failures are outcomes, not prices: Alpha Vantage's rate-limit bodies
 * ("Note", "Information"), its "Error Message", a quote without a price,
 * a body that is not JSON, a value that is not a positive decimal.
 */
#ifndef MINTLINE_CLI_NAVSRC_H
#define MINTLINE_CLI_NAVSRC_H

#include <stddef.h>
#include <stdint.h>

#include "../base/u128.h"

#define NAVSRC_DECIMALS 8u
#define NAVSRC_MAX_PATH 8u /* segments of a json source's path */

enum navsrc_outcome {
    NAVSRC_OK = 0,
    NAVSRC_RATE_LIMITED, /* Alpha Vantage "Note" or "Information" */
    NAVSRC_ERROR_BODY,   /* Alpha Vantage "Error Message" */
    NAVSRC_NO_PRICE,     /* valid JSON, but nothing at the path */
    NAVSRC_BAD_PRICE,    /* something at the path, not a positive decimal */
    NAVSRC_GARBAGE,      /* not JSON */
    NAVSRC_NO_KEY,       /* the API key's environment variable is unset or empty */
    NAVSRC_HTTP_STATUS,  /* an answer other than 200 */
    NAVSRC_TIMEOUT,      /* no whole answer within the source's timeout */
    NAVSRC_UNREACHABLE,  /* no connection, or the answer was too big */
};

/* navsrc_outcome_name: "ok", "rate_limited", ... (for check-cache). */
const char *navsrc_outcome_name(enum navsrc_outcome o);

/* navsrc_parse_alphavantage: a GLOBAL_QUOTE answer, price at
 * "Global Quote" / "05. price". why gets a short human reason. */
enum navsrc_outcome navsrc_parse_alphavantage(const char *body, size_t len, u128 *price, char *why,
                                              size_t why_size);

/* navsrc_parse_json: the value at a dotted path of object keys ("data.price");
 * a number or a string holding a decimal. */
enum navsrc_outcome navsrc_parse_json(const char *body, size_t len, const char *path, u128 *price,
                                      char *why, size_t why_size);

/* navsrc_median: the median of n > 0 values, sorting them in place; with an
 * even count the lower of the two middle values (as the reserve median). */
u128 navsrc_median(u128 *values, size_t n);

/* navsrc_spread_ppm: (max - min) / min in parts per million, 0 for n < 2. */
uint64_t navsrc_spread_ppm(const u128 *values, size_t n);

#endif
