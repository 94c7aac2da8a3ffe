/*
 * navfetch.h - ask one configured price source for a NAV over HTTP (libcurl).
 *
 * Alpha Vantage is asked for GLOBAL_QUOTE of the source's symbol with the key
 * read from the environment variable the source names; a json source is a
 * plain GET of its url. Every way a source can fail is an outcome (navsrc.h),
 * never a price. The API key is put in the request only: no reason text,
 * log line or error message carries it or the URL that holds it.
 */
#ifndef MINTLINE_CLI_NAVFETCH_H
#define MINTLINE_CLI_NAVFETCH_H

#include <stddef.h>

#include "../base/u128.h"
#include "navcfg.h"
#include "navsrc.h"

/* The biggest answer read from a price source: a quote is a few hundred bytes. */
#define NAVFETCH_RESPONSE_MAX (1u << 20)

/* navfetch_source: one request within the source's timeout. *price is
 * written only on NAVSRC_OK; why gets a short reason otherwise. */
enum navsrc_outcome navfetch_source(const struct navcfg_source *src, u128 *price, char *why,
                                    size_t why_size);

#endif
