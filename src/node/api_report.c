/*
 * api_report.c - GET /api/reports/{daily|weekly|monthly}?at=DATE&format=json|md|html
 * (SPEC 7, 9): a report of the period holding DATE (default: the last
 * complete period on the node's clock), computed from the journal by
 * period_scan and rendered by ops/period_report.
 *
 * A report replays the journal from genesis in a private engine: it never
 * takes the chain lock but for reading the clock, so commands go on while
 * it runs. Reports run one at a time (each holds a whole engine), the
 * others wait their turn.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"
#include "period_scan.h"
#include "server.h"

static pthread_mutex_t api_report__one = PTHREAD_MUTEX_INITIALIZER;

enum api_report_format { API_REPORT_JSON, API_REPORT_MD, API_REPORT_HTML };

/* The query's period and format, or the error already written to out. */
static int api_report__args(struct server *s, const struct server_request *rq, const char *period,
                            struct period_bounds *b, enum api_report_format *format,
                            int64_t *now_ns, struct server_response *out) {
    enum period_kind kind;
    char at[32] = "", fmt[16] = "";
    if (period_kind_parse(period, &kind) != ERR_OK) {
        server_error(out, ERR_NOT_FOUND, "a report period is daily, weekly or monthly");
        return -1;
    }
    int has_fmt = server_query(rq->query, "format", fmt, sizeof(fmt));
    if (has_fmt < 0 || (has_fmt == 1 && strcmp(fmt, "json") != 0 && strcmp(fmt, "md") != 0 &&
                        strcmp(fmt, "html") != 0)) {
        server_error(out, ERR_INVALID_ARGUMENT, "format is json, md or html");
        return -1;
    }
    *format = has_fmt != 1 || strcmp(fmt, "json") == 0 ? API_REPORT_JSON
              : strcmp(fmt, "md") == 0                 ? API_REPORT_MD
                                                       : API_REPORT_HTML;
    pthread_rwlock_rdlock(&s->chain.lock);
    *now_ns = server_now(s);
    pthread_rwlock_unlock(&s->chain.lock);
    int32_t today = (int32_t)(*now_ns / NS_PER_DAY), day;
    int has_at = server_query(rq->query, "at", at, sizeof(at));
    if (has_at < 0 || (has_at == 1 && date_parse(at, strlen(at), &day) != ERR_OK)) {
        server_error(out, ERR_INVALID_DATE, has_at == 1 ? at : NULL);
        return -1;
    }
    if (has_at != 1) day = period_default_day(kind, *now_ns);
    if (day > today) {
        char t[11];
        date_format(today, t);
        char why[64];
        snprintf(why, sizeof(why), "%s is after the ledger's today, %s", at, t);
        server_error(out, ERR_REPORT_FUTURE, why);
        return -1;
    }
    period_bounds_of(kind, day, b);
    return 0;
}

void api_report(struct server *s, const struct server_request *rq, const char *period,
                struct server_response *out) {
    struct period_bounds b;
    enum api_report_format format;
    int64_t now_ns;
    if (api_report__args(s, rq, period, &b, &format, &now_ns, out) != 0) return;
    struct period_report *r = malloc(sizeof(*r));
    if (r == NULL) {
        server_error(out, ERR_INTERNAL, "out of memory");
        return;
    }
    char why[320];
    pthread_mutex_lock(&api_report__one);
    enum err err = period_scan(s->chain.store, &b, now_ns, NULL, NULL, r, why, sizeof(why));
    pthread_mutex_unlock(&api_report__one);
    if (err) {
        server_error(out, err, why[0] ? why : NULL);
        free(r);
        return;
    }
    if (format == API_REPORT_JSON) {
        period_report_json(r, &out->body);
        out->content_type = NULL;
    } else if (format == API_REPORT_MD) {
        period_report_md(r, &out->body);
        out->content_type = "text/markdown; charset=utf-8";
    } else {
        period_report_html(r, &out->body);
        out->content_type = "text/html; charset=utf-8";
    }
    free(r);
    if (!buf_ok(&out->body)) {
        buf_free(&out->body);
        buf_init(&out->body);
        server_error(out, ERR_INTERNAL, "out of memory");
        return;
    }
    out->status = 200;
}
