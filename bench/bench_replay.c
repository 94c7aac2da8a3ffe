/*
 * bench_replay.c - benchmark (d): replay speed at start-up.
 *
 * Takes a stopped node's data directory (filled by bench/run.sh through
 * the HTTP API), deletes its snapshots so that recovery must start from
 * genesis, and times chain_open() + chain_close(): opening the store,
 * decoding every journaled command from its binary form, applying it,
 * checking each result code, and sealing every block against its journaled
 * state hash. Then, for the breakdown, it times a bare scan of the same
 * blocks through the store interface (SQLite reads only, no engine; replay
 * runs them on a second thread). Each run's CPU time (all threads, and the
 * replaying thread's alone) and page faults go to stderr: on a shared
 * machine they spread less than the wall clock.
 *
 *   bench_replay --data DIR [--runs N]   (best of N runs, default 2)
 * Output: a human line on stderr, "RESULT name value" on stdout.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../src/node/chain.h"
#include "bench_util.h"

struct br_counts {
    uint64_t blocks;
    uint64_t commands;
    uint64_t bytes;
};

/* Drop every snapshot and count what replay will have to do. */
static void br_prepare(const char *dir, struct br_counts *out) {
    char path[4200];
    snprintf(path, sizeof(path), "%s/mintline.db", dir);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "DELETE FROM snapshots", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT count(*), coalesce(sum(commands),0),"
                           " (SELECT coalesce(sum(length(body)+length(cmds)+length(results)),0)"
                           "  FROM requests) FROM blocks WHERE height > 0",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        fprintf(stderr, "bench_replay: %s: %s\n", path, sqlite3_errmsg(db));
        exit(1);
    }
    out->blocks = (uint64_t)sqlite3_column_int64(st, 0);
    out->commands = (uint64_t)sqlite3_column_int64(st, 1);
    out->bytes = (uint64_t)sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static int br_scan_fn(void *ctx, const struct store_block *block,
                      const struct store_request *requests, uint32_t requests_count) {
    uint64_t *sum = ctx;
    for (uint32_t i = 0; i < requests_count; i++) *sum += requests[i].commands_len;
    *sum += block->events_len;
    return 0;
}

static double br_scan_only(const char *dir) {
    struct store *s = NULL;
    if (store_open(dir, 0, &s) != ERR_OK) {
        fprintf(stderr, "bench_replay: cannot open the store\n");
        exit(1);
    }
    uint64_t sum = 0;
    double t0 = bench_now_s();
    enum err err = s->ops->scan_blocks(s, 1, STORE_SCAN_NO_EVENTS, br_scan_fn, &sum);
    double secs = bench_now_s() - t0;
    s->ops->close(s);
    if (err) {
        fprintf(stderr, "bench_replay: scan: %s\n", err_name(err));
        exit(1);
    }
    return secs;
}

/* What one run cost the process besides the wall clock: CPU seconds (user,
 * system) and page faults. On a shared machine the wall clock spreads with
 * the other tenants; these spread less, and say where the time went. */
struct br_cost {
    double user_s;
    double sys_s;
    double main_s; /* this thread's CPU: apply's; the journal's reads run on another */
    long faults;
};

static double br_thread_cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct br_cost br_cost_now(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct br_cost c = {(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
                        (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
                        br_thread_cpu_s(), ru.ru_minflt + ru.ru_majflt};
    return c;
}

static double br_open_once(const char *dir, uint64_t *height, struct br_cost *cost) {
    struct chain *c = calloc(1, sizeof(*c));
    if (c == NULL) exit(1);
    char why[320] = "";
    struct br_cost c0 = br_cost_now();
    double t0 = bench_now_s();
    enum err err = chain_open(c, dir, why, sizeof(why));
    if (err) {
        fprintf(stderr, "bench_replay: chain_open: %s: %s\n", err_name(err), why);
        exit(1);
    }
    *height = c->engine.s.height;
    chain_close(c);
    double secs = bench_now_s() - t0;
    struct br_cost c1 = br_cost_now();
    cost->user_s = c1.user_s - c0.user_s;
    cost->sys_s = c1.sys_s - c0.sys_s;
    cost->main_s = c1.main_s - c0.main_s;
    cost->faults = c1.faults - c0.faults;
    free(c);
    return secs;
}

int main(int argc, char **argv) {
    const char *dir = NULL;
    int runs = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--data") == 0) dir = argv[i + 1];
        else if (strcmp(argv[i], "--runs") == 0) runs = (int)strtol(argv[i + 1], NULL, 10);
    }
    if (runs < 1) runs = 1;
    if (dir == NULL) {
        fprintf(stderr, "usage: bench_replay --data DIR [--runs N]\n");
        return 2;
    }
    struct br_counts n;
    br_prepare(dir, &n);
    if (n.commands == 0) {
        fprintf(stderr, "bench_replay: the journal is empty\n");
        return 1;
    }
    double best = 0;
    uint64_t height = 0;
    struct br_cost best_cost = {0, 0, 0, 0};
    for (int r = 0; r < runs; r++) {
        struct br_cost cost;
        double secs = br_open_once(dir, &height, &cost);
        fprintf(stderr,
                "(d) run %d: %.3f s, CPU %.3f s user + %.3f s system (%.3f s of it on the "
                "replaying thread), %ld page faults\n",
                r + 1, secs, cost.user_s, cost.sys_s, cost.main_s, cost.faults);
        if (r == 0 || secs < best) {
            best = secs;
            best_cost = cost;
        }
    }
    double scan = br_scan_only(dir);
    double rate = (double)n.commands / best;
    fprintf(stderr,
            "(d) replay from genesis of %llu blocks, %llu commands (%.1f MB of requests): "
            "chain_open+close %.3f s (best of %d) = %.0f commands/s; the store's scan alone "
            "%.3f s (replay runs it on a second thread, beside decode+apply+seal)\n",
            (unsigned long long)n.blocks, (unsigned long long)n.commands, (double)n.bytes / 1e6,
            best, runs, rate, scan);
    printf("RESULT replay_per_s %.0f\n", rate);
    printf("RESULT replay_commands %llu\n", (unsigned long long)n.commands);
    printf("RESULT replay_seconds %.3f\n", best);
    printf("RESULT replay_scan_seconds %.3f\n", scan);
    printf("RESULT replay_cpu_user_seconds %.3f\n", best_cost.user_s);
    printf("RESULT replay_cpu_sys_seconds %.3f\n", best_cost.sys_s);
    printf("RESULT replay_cpu_main_seconds %.3f\n", best_cost.main_s);
    printf("RESULT replay_page_faults %ld\n", best_cost.faults);
    return height == n.blocks ? 0 : 1;
}
