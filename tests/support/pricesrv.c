/* pricesrv.c - a stand-in price source on loopback (libmicrohttpd). */
#include "pricesrv.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char pricesrv__big[2u << 20]; /* spaces, filled at start */

struct pricesrv {
    struct MHD_Daemon *d;
    unsigned port;
    atomic_uint hits;
};

static const char *pricesrv__av(struct MHD_Connection *c) {
    const char *fn = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "function");
    const char *sym = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "symbol");
    const char *key = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "apikey");
    if (fn == NULL || strcmp(fn, "GLOBAL_QUOTE") != 0 || key == NULL ||
        strcmp(key, PRICESRV_KEY) != 0 || sym == NULL)
        return "{\"Error Message\": \"Invalid API call. Please retry or visit the documentation.\"}";
    if (strcmp(sym, "NOTE") == 0)
        return "{\"Note\": \"Thank you for using Alpha Vantage! Our standard API call frequency is"
               " 5 calls per minute and 500 calls per day.\"}";
    if (strcmp(sym, "INFO") == 0)
        return "{\"Information\": \"We have detected your API key and our standard API rate limit"
               " is 25 requests per day.\"}";
    if (strcmp(sym, "AAXJ") == 0)
        return "{\"Global Quote\": {\"01. symbol\": \"AAXJ\", \"02. open\": \"71.8000\","
               " \"03. high\": \"72.4000\", \"04. low\": \"71.5000\", \"05. price\": \"72.1300\","
               " \"06. volume\": \"1234567\", \"07. latest trading day\": \"2026-11-20\","
               " \"08. previous close\": \"71.9000\", \"09. change\": \"0.2300\","
               " \"10. change percent\": \"0.3199%\"}}";
    return "{\"Global Quote\": {}}";
}

static enum MHD_Result pricesrv__answer(void *cls, struct MHD_Connection *c, const char *url,
                                        const char *method, const char *version,
                                        const char *upload, size_t *upload_size, void **con_cls) {
    (void)method, (void)version, (void)upload, (void)upload_size, (void)con_cls;
    struct pricesrv *s = cls;
    unsigned code = MHD_HTTP_OK;
    const char *body = NULL;
    size_t len = 0;
    if (strcmp(url, "/query") == 0) {
        body = pricesrv__av(c);
    } else if (strcmp(url, "/json") == 0) {
        body = "{\"data\": {\"updated\": \"2026-11-20\", \"price\": 72.20}}";
    } else if (strcmp(url, "/slow") == 0) {
        struct timespec ts = {1, 500000000};
        nanosleep(&ts, NULL);
        body = "{\"data\": {\"price\": 72.20}}";
    } else if (strcmp(url, "/500") == 0) {
        code = MHD_HTTP_INTERNAL_SERVER_ERROR;
        body = "{\"data\": {\"price\": 72.20}}";
    } else if (strcmp(url, "/garbage") == 0) {
        body = "<html><body>502 Bad Gateway</body></html>";
    } else if (strcmp(url, "/big") == 0) {
        body = pricesrv__big;
        len = sizeof pricesrv__big;
    } else {
        code = MHD_HTTP_NOT_FOUND;
        body = "not found";
    }
    if (len == 0) len = strlen(body);
    atomic_fetch_add(&s->hits, 1);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL) return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

struct pricesrv *pricesrv_start(void) {
    struct pricesrv *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    memset(pricesrv__big, ' ', sizeof pricesrv__big);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, pricesrv__answer, s, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_END);
    if (s->d == NULL) {
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : 0;
    return s;
}

unsigned pricesrv_port(const struct pricesrv *s) { return s->port; }

unsigned pricesrv_hits(struct pricesrv *s) { return atomic_load(&s->hits); }

void pricesrv_stop(struct pricesrv *s) {
    if (s == NULL) return;
    MHD_stop_daemon(s->d);
    free(s);
}
