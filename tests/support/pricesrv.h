/*
 * pricesrv.h - a stand-in price source on loopback for the tests, answering
 * as Alpha Vantage does (GLOBAL_QUOTE, the rate-limit bodies "Note" and
 * "Information", "Error Message" for a wrong key, an empty quote for an
 * unknown symbol) and as a plain JSON source; plus HTTP 500, a slow answer,
 * garbage and an oversize body.
 *
 *   /query?function=GLOBAL_QUOTE&symbol=S&apikey=K   K must be PRICESRV_KEY;
 *        S = AAXJ 72.1300, NOTE / INFO rate limits, anything else unknown
 *   /json       {"data": {"price": 72.20}}
 *   /500        HTTP 500        /slow     /json after 1.5 s
 *   /garbage    not JSON        /big      2 MiB of spaces
 */
#ifndef MINTLINE_TESTS_PRICESRV_H
#define MINTLINE_TESTS_PRICESRV_H

#define PRICESRV_KEY "test-key-123"

struct pricesrv;

/* pricesrv_start: listen on 127.0.0.1 on a free port; NULL on failure. */
struct pricesrv *pricesrv_start(void);
unsigned pricesrv_port(const struct pricesrv *s);
/* pricesrv_hits: requests answered so far. */
unsigned pricesrv_hits(struct pricesrv *s);
void pricesrv_stop(struct pricesrv *s);

#endif
