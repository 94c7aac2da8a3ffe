/*
 * console.h - the web console's static files (web/), compiled into the
 * binary and served at `/` (SPEC 1 "Clients", SPEC 7).
 *
 * The console owns every path outside the API: not under /api/ and not
 * /healthz, /readyz or /metrics, so an API route always wins. It reads no
 * file at run time and talks to no other origin; every answer carries a
 * strict Content-Security-Policy (docs/operators/console.md).
 */
#ifndef MINTLINE_NODE_CONSOLE_H
#define MINTLINE_NODE_CONSOLE_H

#include <microhttpd.h>

/* console_owns: 1 when uri (path and query, as received) is the console's. */
int console_owns(const char *uri);

/* console_answer: queue the answer for a console request: the file (200,
 * or 304 when If-None-Match names its ETag), 404 for a path that is no
 * console file (the path is not echoed), 405 for a method other than GET
 * or HEAD. Returns what MHD_queue_response returned (MHD_NO when no answer
 * could be made: the connection is closed). */
enum MHD_Result console_answer(struct MHD_Connection *con, const char *method, const char *uri);

#endif
