/*
 * serve.c - `mintline serve`: recover, listen, and stop cleanly.
 *
 * Start-up: recover the chain (snapshot + replay, progress on a terminal),
 * reload the nonces of requests still inside the signature window (so a
 * restart does not reopen a replay window), start the sequencer and the
 * HTTP server. SIGINT or SIGTERM: stop accepting connections, let every
 * in-flight request finish (the sequencer commits what it holds), write a
 * snapshot, close the store.
 */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/duration.h"
#include "../base/report.h"
#include "../ops/rules.h"
#include "backup.h"
#include "deliver.h"
#include "ha.h"
#include "node.h"
#include "server.h"

static int serve__nonce_fn(void *ctx, const struct store_request *r, uint64_t height,
                           int64_t time_ns) {
    (void)height;
    (void)time_ns;
    auth_remember(ctx, r->operator_name, r->nonce, r->time_ms);
    return 0;
}

/* The clock is the ledger's (recorded at init): a manual clock on a
 * wall-clock ledger would let one admin fast-forward a timelock. */
static enum err serve__clock(struct server *s, const struct serve_options *opt, char *why,
                             size_t why_size) {
    int manual = s->chain.clock_manual;
    if (opt->clock == NODE_CLOCK_MANUAL && !manual) {
        snprintf(why, why_size, "%s was made for the wall clock and is never served on a manual "
                                "clock (a drill ledger is made with init --clock manual)",
                 opt->data_dir);
        return ERR_CLOCK_MODE;
    }
    if (opt->clock == NODE_CLOCK_WALL && manual) {
        snprintf(why, why_size, "%s is a drill ledger (init --clock manual): serve it with "
                                "--clock manual", opt->data_dir);
        return ERR_CLOCK_MODE;
    }
    int64_t ahead_ns = s->chain.engine.s.time_ns - chain_now_ns();
    if (!manual && ahead_ns > 0) {
        fprintf(stderr, "mintline: warning: the ledger's time is %lld ms ahead of this machine's "
                        "clock; writes wait for the clock to catch up (ERR_CLOCK_BEHIND)\n",
                (long long)(ahead_ns / 1000000));
    }
    return ERR_OK;
}

static int serve__has_ledger(const char *data_dir) {
    char path[4200];
    int n = snprintf(path, sizeof(path), "%s/mintline.db", data_dir);
    return n > 0 && (size_t)n < sizeof(path) && access(path, F_OK) == 0;
}

static enum err serve__lock(struct server *s, const struct serve_options *opt, char *why,
                            size_t why_size) {
    char holder[200];
    char host[64] = "?";
    char since[40];
    gethostname(host, sizeof(host) - 1);
    time_format_iso(chain_now_ns(), since);
    const char *listen = opt->listen ? opt->listen : "127.0.0.1:8645";
    if (store_url_is_postgres(opt->store_url)) {
        /* PostgreSQL cuts a session's name at 63 bytes: the essentials. The
         * node leads or follows (ha.h); it is never refused for another
         * node's lock. */
        snprintf(holder, sizeof(holder), "mintline %s pid %ld on %s", listen, (long)getpid(), host);
        char advertise[300];
        snprintf(advertise, sizeof(advertise), "http://%s", listen);
        struct ha_options hopt = {
            .store_url = opt->store_url,
            .advertise = opt->advertise ? opt->advertise : advertise,
            .holder = holder,
        };
        return ha_open(&hopt, &s->ha, why, why_size);
    }
    snprintf(holder, sizeof(holder), "pid %ld on %s (listening on %s) since %s",
             (long)getpid(), host, listen, since);
    return store_lock(opt->data_dir, holder, &s->lock_fd, why, why_size);
}

/* The receivers' delivery threads (deliver.h): the node's URL is what
 * Alertmanager's generatorURL and the webhook's externalURL point at. A
 * firing alert's endsAt lease is computed from the evaluation interval. */
static enum err serve__receivers(struct server *s, const struct serve_options *opt,
                                 const char *listen) {
    static const struct deliver_config none;
    char url[300];
    snprintf(url, sizeof(url), "http://%s", listen);
    struct deliver_options dopt = {
        .external_url = url,
        .eval_interval_ns = opt->eval_interval_ns > 0 ? opt->eval_interval_ns : ALERTING_INTERVAL_DEFAULT_NS,
    };
    return deliver_open(opt->alerting != NULL ? opt->alerting : &none, &dopt, &s->deliver);
}

/* The evaluation loop hands every round's alerts to the receivers. */
static void serve__deliver(void *ctx, const struct alert_view *alerts, size_t count, int64_t now_ns) {
    deliver_submit(ctx, alerts, count, now_ns);
}


static enum err serve__start(struct server *s, const struct serve_options *opt,
                             struct rules *rules, char *why, size_t why_size) {
    int pg = store_url_is_postgres(opt->store_url);
    if (opt->store_url && !pg && strcmp(opt->store_url, "sqlite") != 0) {
        snprintf(why, why_size, "--store takes sqlite (the file DATA/mintline.db) or a "
                                "postgres:// URL");
        return ERR_USAGE;
    }
    /* The writer's lock first: a second node must not replay, settle (a
     * checkpoint that takes the store's write lock) or touch anything of a
     * ledger another node serves. With no ledger there, chain_open says so.
     * On PostgreSQL the lock is the database's (an advisory lock). */
    enum err err = pg || serve__has_ledger(opt->data_dir) ? serve__lock(s, opt, why, why_size)
                                                          : ERR_OK;
    if (!err) err = chain_open_url(&s->chain, opt->data_dir, opt->store_url, why, why_size);
    if (!err) err = serve__clock(s, opt, why, why_size);
    if (err) return err;
    err = auth_open(&s->auth);
    if (err) return err;
    int64_t since_ms = chain_now_ns() / 1000000 - LIMIT_AUTH_WINDOW_MS;
    err = s->chain.store->ops->scan_requests_since(s->chain.store, since_ms, serve__nonce_fn, s->auth);
    if (!err) err = sequencer_start(&s->chain, &s->seq);
    if (!err) sequencer_set_window(s->seq, &s->cmdwin);
    if (!err && s->ha != NULL) {
        err = ha_start(s->ha, s);
        if (err) snprintf(why, why_size, "cannot start the leader election");
    }
    if (!err && opt->backup_dir != NULL) {
        struct backup_sched_options bopt = {
            .dir = opt->backup_dir,
            .every_ns = opt->backup_every_ns > 0 ? opt->backup_every_ns : 24 * 3600 * NS_PER_S,
            .keep = opt->backup_keep > 0 ? opt->backup_keep : 7,
        };
        /* On PostgreSQL each backup is the SQLite image of the journal
         * (store_copy_image_pg), read on a session of its own. */
        const char *pg_url = store_postgres_url(s->chain.store);
        err = backup_sched_start(pg_url ? pg_url : s->chain.store->where, &bopt, &s->backup);
        if (err) snprintf(why, why_size, "cannot start scheduled backups into %s", opt->backup_dir);
    }
    if (err) return err;
    const char *listen = opt->listen ? opt->listen : "127.0.0.1:8645";
    err = serve__receivers(s, opt, listen);
    if (err) {
        snprintf(why, why_size, "cannot start the alert receivers' delivery");
        return err;
    }
    /* The alert loop before the listener: on a manual clock its hook is in
     * place before the first request can be queued. */
    err = alerting_open(s, rules, opt->data_dir, opt->eval_interval_ns, &s->alerting);
    if (!err) alerting_set_receiver(s->alerting, serve__deliver, s->deliver);
    if (!err) err = alerting_start(s->alerting);
    if (err) return err;
    err = http_start(s, listen);
    if (err) snprintf(why, why_size, "cannot listen on %s", listen);
    return err;
}

static void serve__stop(struct server *s) {
    http_stop(s);
    alerting_stop(s->alerting); /* no round, so no deliver_submit, after this */
    deliver_close(s->deliver);  /* bounded: deliver.h */
    s->deliver = NULL;
    backup_sched_stop(s->backup); /* a backup in progress ends first */
    s->backup = NULL;
    ha_halt(s->ha); /* no more following or elections; a leader keeps its lock */
    if (s->seq) sequencer_stop(s->seq);
    alerting_free(s->alerting);
    s->alerting = NULL;
    if (s->auth) auth_close(s->auth);
    if (s->chain.store) chain_close(&s->chain);
    store_unlock(s->lock_fd);
    s->lock_fd = -1;
    store_lease_drop(s->lease); /* after the store: the last block is in */
    s->lease = NULL;
    ha_stop(s->ha); /* the same: a leader's lock goes last */
    s->ha = NULL;
}

/* An 8,000-transfer request's buffers are megabytes (its body, the decoded
 * commands, the journal's encodings). glibc serves an allocation that
 * large from a fresh mmap and unmaps it at free, so every batch paid ~1,000
 * page faults, zeroed pages and munmaps: a third of the node's CPU per
 * transfer on this kind of guest (PERFORMANCE.md, session 24). Kept
 * instead: freed memory stays in the process, up to its peak, for the
 * next request. (Setting the threshold also ends glibc's own adjustment
 * of it, which a long-lived server with steady large requests defeats.) */
static void serve__malloc_keep(void) {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

int node_serve(const struct serve_options *opt) {
    serve__malloc_keep();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread inherits it; main waits below */
    signal(SIGPIPE, SIG_IGN);
    struct server *s = calloc(1, sizeof(*s));
    if (s == NULL) return report_error(ERR_INTERNAL, NULL);
    s->lock_fd = -1;
    cmdwin_init(&s->cmdwin);
    char why[800] = "";
    /* A rule file is refused before anything else, as `alerts rules
     * --check` refuses it: exit 2 (3 when it cannot be read). */
    struct rules rules;
    enum err err = alerting_rules_load(opt->alert_rules, &rules, why, sizeof(why));
    if (err) {
        cmdwin_destroy(&s->cmdwin);
        free(s);
        fprintf(stderr, "error: %s: %s\n", err_name(err), why);
        return err == ERR_IO || err == ERR_INTERNAL ? EXIT_IO : EXIT_USAGE;
    }
    err = serve__start(s, opt, &rules, why, sizeof(why));
    rules_free(&rules); /* empty once the alert loop took them */
    if (err) {
        serve__stop(s);
        cmdwin_destroy(&s->cmdwin);
        free(s);
        char where[512];
        if (store_url_is_postgres(opt->store_url)) {
            store_url_redact(opt->store_url, where, sizeof(where));
        } else {
            snprintf(where, sizeof(where), "%s", opt->data_dir);
        }
        return report_error(err, why[0] ? why : where);
    }
    s->ready = 1;
    fprintf(stderr, "mintline: serving %s at height %llu on http://%s (clock %s)\n",
            s->chain.store->kind[0] == 'p' ? s->chain.store->where : opt->data_dir, (unsigned long long)s->chain.engine.s.height,
            opt->listen ? opt->listen : "127.0.0.1:8645", s->chain.clock_manual ? "manual" : "wall");
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "mintline: %s received, draining\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    s->ready = 0;
    serve__stop(s);
    cmdwin_destroy(&s->cmdwin);
    free(s);
    fprintf(stderr, "mintline: stopped cleanly\n");
    return EXIT_DONE;
}
