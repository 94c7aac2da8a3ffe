/*
 * api_checks.c - GET /api/checks/{daily|weekly|monthly} (SPEC 9
 * "Checklists"; docs/operators/checklists.md).
 *
 * The metric items (ops/checks.c) are evaluated over a fresh render of
 * /metrics, the series the alert rules read. This file adds what needs the
 * state or the journal: the weekly role review (every operator holding a
 * role, global or per asset, with its last journaled command). The monthly
 * audit and restore drill run where the data is trusted, in the CLI
 * (cli_cmd_check.c), not here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ops/checks.h"
#include "../ops/expo.h"
#include "../ops/tmpl.h"
#include "server.h"

/* A grant not used for this long is one to review (seed 000 monthly: "full
 * security audit of role assignments"; seed 001 8.2: "check access control
 * roles"). */
#define CHECKS_ROLE_IDLE_NS (INT64_C(90) * 86400 * 1000000000)

struct api_checks__last {
    const struct engine *e;
    int64_t last_ns[LIMIT_OPERATORS];
    uint32_t wanted; /* operators still without a last command */
    uint8_t want[LIMIT_OPERATORS];
};

static int api_checks__last_fn(void *ctx, const struct store_request *r, uint64_t height, int64_t time_ns) {
    (void)height;
    struct api_checks__last *q = ctx;
    for (uint32_t i = 0; i < q->e->s.operators_count; i++) {
        if (!q->want[i] || strcmp(q->e->s.operators[i].name, r->operator_name) != 0) continue;
        q->want[i] = 0;
        q->last_ns[i] = time_ns;
        q->wanted--;
        break;
    }
    return q->wanted == 0;
}

/* "admin, minter, USDW:burner" */
static int api_checks__roles(const struct engine *e, uint32_t op, char *out, size_t size, int *writes) {
    size_t used = 0;
    int any = 0;
    out[0] = '\0';
    *writes = 0;
    for (int pass = 0; pass <= (int)e->s.grants_count; pass++) {
        uint32_t roles;
        const char *scope = NULL;
        if (pass == 0) {
            roles = e->s.operators[op].roles;
        } else {
            const struct grant *g = &e->s.grants[pass - 1];
            if (g->operator_index != op) continue;
            roles = g->roles;
            scope = e->s.assets[g->asset_index].symbol;
        }
        for (int r = 0; r < ROLE__COUNT; r++) {
            if (!(roles & ROLE_BIT(r))) continue;
            any = 1;
            if (r != ROLE_VIEWER) *writes = 1;
            int n = snprintf(out + used, size - used, "%s%s%s%s", used ? ", " : "", scope ? scope : "",
                             scope ? ":" : "", role_name((enum role)r));
            if (n > 0 && (size_t)n < size - used) used += (size_t)n;
        }
    }
    return any;
}

static enum err api_checks__roles_review(struct server *s, struct checks *c) {
    struct api_checks__last *q = calloc(1, sizeof(*q));
    if (q == NULL) return ERR_INTERNAL;
    const struct engine *e = &s->chain.engine;
    q->e = e;
    pthread_rwlock_rdlock(&s->chain.lock);
    int64_t now = server_now(s);
    for (uint32_t i = 0; i < e->s.operators_count; i++) {
        char roles[CHECK_TEXT_SIZE];
        int writes;
        if (e->s.operators[i].removed || !api_checks__roles(e, i, roles, sizeof(roles), &writes)) continue;
        q->want[i] = 1;
        q->wanted++;
    }
    pthread_rwlock_unlock(&s->chain.lock);
    enum err err = q->wanted ? s->chain.store->ops->scan_requests_desc(s->chain.store, api_checks__last_fn, q)
                             : ERR_OK;
    if (err != ERR_OK) {
        free(q);
        return err;
    }
    pthread_rwlock_rdlock(&s->chain.lock);
    for (uint32_t i = 0; i < e->s.operators_count; i++) {
        char roles[CHECK_TEXT_SIZE];
        int writes;
        if (e->s.operators[i].removed || !api_checks__roles(e, i, roles, sizeof(roles), &writes)) continue;
        struct check_result *r = checks_add(c, "role_review", "role review: a grant and its last use",
                                            "seed 001 8.2: check access control roles");
        if (r == NULL) break;
        snprintf(r->subject, sizeof(r->subject), "operator=%s", e->s.operators[i].name);
        snprintf(r->threshold, sizeof(r->threshold), "warn when a write role has no command in 90 days");
        snprintf(r->detail, sizeof(r->detail), "%s", roles);
        int64_t last = q->last_ns[i];
        int never = q->want[i] || last == 0;
        if (never) {
            snprintf(r->value, sizeof(r->value), "never");
        } else {
            char ago[TMPL_NUMBER_SIZE];
            tmpl_humanize_duration((double)(now - last) / 1e9, ago);
            snprintf(r->value, sizeof(r->value), "%s ago", ago);
        }
        if (writes && (never || now - last > CHECKS_ROLE_IDLE_NS)) r->status = CHECK_WARN;
    }
    pthread_rwlock_unlock(&s->chain.lock);
    free(q);
    return ERR_OK;
}

/* Render /metrics and index it: what the alert rules read. */
static enum err api_checks__metrics(struct server *s, struct checks *c) {
    struct server_response resp;
    memset(&resp, 0, sizeof(resp));
    buf_init(&resp.body);
    metrics_render(s, &resp);
    if (!buf_ok(&resp.body)) {
        buf_free(&resp.body);
        return ERR_INTERNAL;
    }
    struct expo expo;
    unsigned line = 0;
    char why[160];
    enum err err = expo_parse((const char *)resp.body.data, resp.body.len, &expo, &line, why, sizeof(why));
    if (err != ERR_OK) {
        buf_free(&resp.body);
        return ERR_INTERNAL;
    }
    struct promql_set set;
    err = promql_set_init(&set, expo.series, expo.count);
    if (err == ERR_OK) err = checks_eval_metrics(c, &set);
    promql_set_free(&set);
    expo_free(&expo);
    buf_free(&resp.body);
    return err == ERR_OK ? ERR_OK : ERR_INTERNAL;
}

void api_checks(struct server *s, const char *period_text, struct server_response *out) {
    enum check_period period = check_period_parse(period_text);
    if (period == 0) {
        server_error(out, ERR_NOT_FOUND, "checklists are daily, weekly and monthly");
        return;
    }
    struct checks *c = malloc(sizeof(*c));
    if (c == NULL) {
        server_error(out, ERR_INTERNAL, NULL);
        return;
    }
    checks_init(c, period);
    enum err err = api_checks__metrics(s, c);
    if (err == ERR_OK && period == CHECK_WEEKLY) err = api_checks__roles_review(s, c);
    if (err != ERR_OK) {
        free(c);
        server_error(out, err, "the checklist could not be computed");
        return;
    }
    struct jw w;
    jw_init(&w, &out->body);
    checks_write_json(c, &w);
    free(c);
    out->status = 200;
}
