/*
 * cli_cmd_nav.c - `nav fetch SYM` and `nav check-cache [SYM]` (SPEC 8).
 *
 * nav fetch asks every configured source, takes the median of those that
 * answered, refuses when they are further apart than max_spread, and submits
 * the median as an ordinary signed nav.update (so the node's deviation check
 * still applies). The last good value and each source's last outcome are kept
 * in $MINTLINE_HOME/.cache/nav/SYM.json, written atomically; when every
 * source fails, a cache younger than cache_ttl stands in: nothing is
 * submitted and the command says so and exits 0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/duration.h"
#include "../engine/genesis.h"
#include "../node/chain.h"
#include "../node/node_internal.h"
#include "../node/yaml_json.h"
#include "cli_args.h"
#include "cli_cmd.h"
#include "cli_fmt.h"
#include "cli_out.h"
#include "navcfg.h"
#include "navfetch.h"

#define NAV__CONFIG_MAX (1u << 20)
#define NAV__CACHE_MAX (1u << 20)

/* A symbol of SPEC 2 (A-Z first, no '/'): safe as the cache file's name. */
static int nav__symbol_ok(const char *s) { return s != NULL && symbol_valid(s, strlen(s)); }

static int nav__config(const struct cli_ctx *ctx, const char *sym, struct navcfg *out) {
    char path[4200];
    if (ctx->args->config != NULL)
        snprintf(path, sizeof path, "%s", ctx->args->config);
    else
        snprintf(path, sizeof path, "%s/config.yaml", ctx->home);
    char *text = NULL;
    size_t len = 0;
    char why[256];
    if (node_read_file(path, NAV__CONFIG_MAX, &text, &len) != ERR_OK) {
        cli_out_error(ctx->color_err, err_name(ERR_INVALID_CONFIG),
                      "cannot read %s (nav fetch needs its nav_sources)", path);
        return -1;
    }
    json_t *doc = NULL;
    enum err err = yaml_to_json(text, len, &doc, why, sizeof why);
    free(text);
    if (err == ERR_OK) err = navcfg_load(doc, sym, out, why, sizeof why);
    json_decref(doc);
    if (err != ERR_OK) {
        cli_out_error(ctx->color_err, err_name(ERR_INVALID_CONFIG), "%s: %s", path, why);
        return -1;
    }
    return 0;
}

static void nav__cache_dir(const struct cli_ctx *ctx, char *out, size_t size) {
    snprintf(out, size, "%s/.cache/nav", ctx->home);
}

static json_t *nav__cache_read(const char *path) {
    char *text = NULL;
    size_t len = 0;
    if (node_read_file(path, NAV__CACHE_MAX, &text, &len) != ERR_OK) return NULL;
    json_t *doc = json_loadb(text, len, 0, NULL);
    free(text);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* Write the cache: a temporary file, fsync, rename, so a reader sees the
 * old cache or the new one, never half of one. */
static int nav__cache_write(const struct cli_ctx *ctx, const char *sym, const json_t *doc) {
    char dir[4200], path[4300], tmp[4400];
    snprintf(dir, sizeof dir, "%s/.cache", ctx->home);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
    nav__cache_dir(ctx, dir, sizeof dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
    snprintf(path, sizeof path, "%s/%s.json", dir, sym);
    snprintf(tmp, sizeof tmp, "%s/.%s.json.%ld", dir, sym, (long)getpid());
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text == NULL) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    size_t n = strlen(text);
    int ok = fd >= 0 && write(fd, text, n) == (ssize_t)n && write(fd, "\n", 1) == 1 &&
             fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0) ok = 0;
    free(text);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
}

static const char *nav__type_name(enum navcfg_type t) {
    return t == NAVCFG_ALPHAVANTAGE ? "alphavantage" : "json";
}

/* A value field in 8-decimal text. */
static json_t *nav__value(u128 v) {
    char text[AMOUNT_TEXT_SIZE];
    amount_format(v, NAVSRC_DECIMALS, text);
    return json_string(text);
}

static json_t *nav__iso(int64_t ns) {
    char text[40];
    time_format_iso(ns, text);
    return json_string(text);
}

/* The cache's age and freshness, added to a copy for display. */
static json_t *nav__cache_view(const json_t *cache, int64_t now) {
    json_t *v = json_deep_copy(cache);
    if (v == NULL) return NULL;
    json_int_t at = json_integer_value(json_object_get(cache, "fetched_at_ns"));
    json_int_t ttl = json_integer_value(json_object_get(cache, "cache_ttl_s"));
    int has = json_is_string(json_object_get(cache, "value")) && at > 0;
    int64_t age_s = has ? (now - (int64_t)at) / NS_PER_S : -1;
    json_object_set_new(v, "age_s", has ? json_integer(age_s) : json_null());
    json_object_set_new(v, "fresh", json_boolean(has && age_s >= 0 && age_s < ttl));
    return v;
}

struct nav__run {
    u128 price[NAVCFG_MAX_SOURCES];
    enum navsrc_outcome outcome[NAVCFG_MAX_SOURCES];
    u128 ok[NAVCFG_MAX_SOURCES];
    size_t n_ok;
};

/* The cache after this run: the previous value (or the new one), and every
 * source's outcome now. */
static json_t *nav__cache_next(const char *sym, const struct navcfg *c, const json_t *old,
                               const struct nav__run *r, const u128 *value, int64_t now,
                               char whys[][200]) {
    json_t *doc = json_object();
    json_object_set_new(doc, "asset", json_string(sym));
    json_object_set_new(doc, "cache_ttl_s", json_integer(c->cache_ttl_ns / NS_PER_S));
    if (value != NULL) {
        json_object_set_new(doc, "value", nav__value(*value));
        json_object_set_new(doc, "fetched_at", nav__iso(now));
        json_object_set_new(doc, "fetched_at_ns", json_integer(now));
    } else if (old != NULL && json_is_string(json_object_get(old, "value"))) {
        json_object_set(doc, "value", json_object_get(old, "value"));
        json_object_set(doc, "fetched_at", json_object_get(old, "fetched_at"));
        json_object_set(doc, "fetched_at_ns", json_object_get(old, "fetched_at_ns"));
    }
    json_t *list = json_array();
    for (unsigned i = 0; i < c->count; i++) {
        const struct navcfg_source *s = &c->sources[i];
        json_t *o = json_object();
        json_object_set_new(o, "type", json_string(nav__type_name(s->type)));
        json_object_set_new(o, "url", json_string(s->url)); /* never holds the key */
        json_object_set_new(o, "outcome", json_string(navsrc_outcome_name(r->outcome[i])));
        json_object_set_new(o, "price",
                            r->outcome[i] == NAVSRC_OK ? nav__value(r->price[i]) : json_null());
        json_object_set_new(o, "reason", json_string(whys[i]));
        json_object_set_new(o, "checked_at", nav__iso(now));
        json_array_append_new(list, o);
    }
    json_object_set_new(doc, "sources", list);
    return doc;
}

int cli_cmd_nav_fetch(struct cli_ctx *ctx) {
    const char *sym = cli_ctx_pos(ctx, 0);
    if (!nav__symbol_ok(sym)) return cli_cmd_usage_error(ctx, "SYM is an asset symbol (SPEC 2)");
    struct navcfg c;
    if (nav__config(ctx, sym, &c) != 0) return CLI_EXIT_USAGE;
    char dir[4200], path[4300];
    nav__cache_dir(ctx, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%s.json", dir, sym);
    json_t *old = nav__cache_read(path);

    struct nav__run r = {.n_ok = 0};
    char whys[NAVCFG_MAX_SOURCES][200];
    for (unsigned i = 0; i < c.count; i++) {
        r.outcome[i] = navfetch_source(&c.sources[i], &r.price[i], whys[i], sizeof whys[i]);
        if (r.outcome[i] == NAVSRC_OK) {
            r.ok[r.n_ok++] = r.price[i];
        } else {
            cli_out_warn(ctx->color_err, "source %u (%s %s): %s: %s", i + 1,
                         nav__type_name(c.sources[i].type), c.sources[i].url,
                         navsrc_outcome_name(r.outcome[i]), whys[i]);
        }
    }
    int64_t now = chain_now_ns();
    int rc;
    if (r.n_ok == 0) {
        json_t *next = nav__cache_next(sym, &c, old, &r, NULL, now, whys);
        json_t *view = nav__cache_view(next, now);
        int fresh = json_is_true(json_object_get(view, "fresh"));
        if (!ctx->dry_run && nav__cache_write(ctx, sym, next) != 0)
            cli_out_warn(ctx->color_err, "cannot write the NAV cache in %s", dir);
        if (fresh) {
            char value[64], age[32];
            cli_out_text(json_object_get(view, "value"), value, sizeof value);
            human_duration((int64_t)json_integer_value(json_object_get(view, "age_s")), age, sizeof(age));
            if (ctx->json) {
                json_object_set_new(view, "submitted", json_false());
                json_object_set_new(view, "using_cache", json_true());
                json_dumpf(view, stdout, JSON_COMPACT);
                printf("\n");
            } else {
                printf("every source failed: using the cached NAV %s of %s (fetched %s ago); "
                       "nothing submitted\n",
                       value, sym, age);
            }
            rc = CLI_EXIT_OK;
        } else {
            cli_out_error(ctx->color_err, err_name(ERR_NAV_SOURCES_FAILED),
                          "every source of %s failed and no cache younger than the cache_ttl", sym);
            rc = CLI_EXIT_IO;
        }
        json_decref(view);
        json_decref(next);
        json_decref(old);
        return rc;
    }
    uint64_t spread = navsrc_spread_ppm(r.ok, r.n_ok);
    if (spread > c.max_spread_ppm) {
        json_t *next = nav__cache_next(sym, &c, old, &r, NULL, now, whys);
        if (!ctx->dry_run) (void)nav__cache_write(ctx, sym, next);
        json_decref(next);
        json_decref(old);
        cli_out_error(ctx->color_err, err_name(ERR_NAV_SPREAD),
                      "the sources of %s are %llu.%04llu%% apart (max_spread %u.%04u%%); nothing "
                      "submitted",
                      sym, (unsigned long long)(spread / 10000), (unsigned long long)(spread % 10000),
                      c.max_spread_ppm / 10000, c.max_spread_ppm % 10000);
        return CLI_EXIT_REJECTED;
    }
    u128 median = navsrc_median(r.ok, r.n_ok);
    json_t *next = nav__cache_next(sym, &c, old, &r, &median, now, whys);
    if (!ctx->dry_run && nav__cache_write(ctx, sym, next) != 0)
        cli_out_warn(ctx->color_err, "cannot write the NAV cache in %s", dir);
    json_decref(next);
    json_decref(old);
    json_t *body = cli_cmd_submit_body(ctx);
    if (body == NULL) {
        cli_out_error(ctx->color_err, err_name(ERR_INTERNAL), "out of memory");
        return CLI_EXIT_IO;
    }
    json_object_set_new(body, "value", nav__value(median));
    return cli_cmd_submit_send(ctx, body);
}

static void nav__print_cache(const json_t *v) {
    char asset[32], value[64], at[64], age[32] = "-";
    cli_out_text(json_object_get(v, "asset"), asset, sizeof asset);
    cli_out_text(json_object_get(v, "value"), value, sizeof value);
    cli_out_text(json_object_get(v, "fetched_at"), at, sizeof at);
    const json_t *age_s = json_object_get(v, "age_s");
    if (json_is_integer(age_s)) human_duration((int64_t)json_integer_value(age_s), age, sizeof(age));
    printf("%-8s value %s  fetched %s  age %s  %s\n", asset, value[0] ? value : "-",
           at[0] ? at : "-", age, json_is_true(json_object_get(v, "fresh")) ? "fresh" : "STALE");
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(v, "sources"), i, s) {
        char type[32], url[600], outcome[32], reason[256];
        cli_out_text(json_object_get(s, "type"), type, sizeof type);
        cli_out_text(json_object_get(s, "url"), url, sizeof url);
        cli_out_text(json_object_get(s, "outcome"), outcome, sizeof outcome);
        cli_out_text(json_object_get(s, "reason"), reason, sizeof reason);
        printf("  source %zu  %-12s %-12s %s%s%s\n", i + 1, type, outcome, url,
               reason[0] ? "  " : "", reason);
    }
}

int cli_cmd_nav_check_cache(struct cli_ctx *ctx) {
    const char *sym = cli_ctx_pos(ctx, 0);
    if (sym != NULL && !nav__symbol_ok(sym))
        return cli_cmd_usage_error(ctx, "SYM is an asset symbol (SPEC 2)");
    char dir[4200], path[4600];
    nav__cache_dir(ctx, dir, sizeof dir);
    int64_t now = chain_now_ns();
    json_t *list = json_array();
    if (sym != NULL) {
        snprintf(path, sizeof path, "%s/%s.json", dir, sym);
        json_t *c = nav__cache_read(path);
        if (c == NULL) {
            json_decref(list);
            cli_out_error(ctx->color_err, err_name(ERR_NOT_FOUND), "no NAV cache for %s in %s",
                          sym, dir);
            return CLI_EXIT_REJECTED;
        }
        json_array_append_new(list, nav__cache_view(c, now));
        json_decref(c);
    } else {
        DIR *d = opendir(dir);
        struct dirent *de;
        while (d != NULL && (de = readdir(d)) != NULL) {
            size_t n = strlen(de->d_name);
            if (de->d_name[0] == '.' || n < 6 || strcmp(de->d_name + n - 5, ".json") != 0) continue;
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            json_t *c = nav__cache_read(path);
            if (c != NULL) json_array_append_new(list, nav__cache_view(c, now));
            json_decref(c);
        }
        if (d != NULL) closedir(d);
    }
    if (ctx->json) {
        json_t *doc = json_pack("{s:o}", "caches", list);
        json_dumpf(doc, stdout, JSON_COMPACT);
        printf("\n");
        json_decref(doc);
        return CLI_EXIT_OK;
    }
    if (json_array_size(list) == 0) printf("no NAV cache yet (nav fetch writes it)\n");
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v) nav__print_cache(v);
    json_decref(list);
    return CLI_EXIT_OK;
}
