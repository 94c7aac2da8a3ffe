/*
 * bench_commit.c - the single-command tail at the store (issue 16 item 5):
 * one-request blocks committed one after another, as bench (c) at one
 * client makes them, with or without the background snapshot writer
 * running beside them, and the latency of each commit (append_block:
 * BEGIN, two inserts, COMMIT with its fsync) recorded.
 *
 * The store is the node's (store_open: WAL, synchronous=FULL). After a
 * quarter of the blocks, one snapshot of SNAPSHOT_MB bytes (38 MB: the
 * state of bench (c)'s million holders) is written through write_snapshot
 * on a thread of its own, as the sequencer's snapshot writer does, while
 * the blocks go on. Between two commits the committer idles GAP_US, the
 * HTTP round trip of a one-client (c). The journal grows as the node's
 * does, so SQLite's WAL checkpoints fall where they fall in a node.
 * Reported: p50/p99/max of every commit, and of the commits made while the
 * snapshot was being written.
 *
 *   bench_commit --dir DIR [--blocks N] [--snapshot-mb M] [--gap-us U]
 *                [--tag NAME] [--no-snapshots]
 * Output: a human line on stderr, "RESULT <tag>_<name> value" on stdout.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/base/bgthread.h"
#include "../src/store/store.h"
#include "bench_util.h"

static int bc_cmp(const void *a, const void *b) {
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A signed transfer's request as the node journals it: ~190 bytes of body,
 * one binary command, one result, two events. */
#define BC_BODY_BYTES 190u
#define BC_COMMAND_BYTES 60u
#define BC_EVENTS_BYTES 220u

struct bc_snap {
    struct store *st;
    uint8_t *data;
    size_t len;
    int busy; /* atomic: the snapshot is being written */
    double took_s;
};

static void bc_die(const char *what, enum err err) {
    fprintf(stderr, "bench_commit: %s: %s\n", what, err_name(err));
    exit(1);
}

static uint32_t bc_u32(const char *s) {
    unsigned long v = strtoul(s, NULL, 10);
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void *bc_snap_main(void *arg) {
    struct bc_snap *sn = arg;
    bgthread_name("mintline-snap"); /* as the sequencer names its writer */
    double t0 = bench_now_s();
    enum err err = sn->st->ops->write_snapshot(sn->st, 1, sn->data, sn->len);
    if (err) bc_die("write_snapshot", err);
    sn->took_s = bench_now_s() - t0;
    __atomic_store_n(&sn->busy, 0, __ATOMIC_SEQ_CST);
    return NULL;
}

static void bc_report(const char *tag, const char *part, double *lat, uint32_t n) {
    if (n == 0) return;
    qsort(lat, n, sizeof(*lat), bc_cmp);
    double p50 = lat[n / 2] * 1e3;
    double p99 = lat[(size_t)((double)(n - 1) * 0.99)] * 1e3;
    double max = lat[n - 1] * 1e3;
    fprintf(stderr, "%s: %-22s %5u commits: p50 %7.3f ms, p99 %7.3f ms, max %8.3f ms\n", tag,
            part, n, p50, p99, max);
    printf("RESULT %s_%s_p50_ms %.3f\nRESULT %s_%s_p99_ms %.3f\nRESULT %s_%s_max_ms %.3f\n", tag,
           part, p50, tag, part, p99, tag, part, max);
}

int main(int argc, char **argv) {
    const char *dir = NULL;
    const char *tag = "commit";
    uint32_t blocks = 4000;
    uint32_t snapshot_mb = 38;
    uint32_t gap_us = 300;
    int snapshots = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-snapshots") == 0) snapshots = 0;
        else if (i + 1 < argc && strcmp(argv[i], "--dir") == 0) dir = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--tag") == 0) tag = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--blocks") == 0) blocks = bc_u32(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--gap-us") == 0) gap_us = bc_u32(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--snapshot-mb") == 0) {
            snapshot_mb = bc_u32(argv[++i]);
        } else {
            dir = NULL;
            break;
        }
    }
    if (dir == NULL || blocks < 100 || snapshot_mb < 1 || gap_us >= 1000000) {
        fprintf(stderr, "usage: bench_commit --dir DIR [--blocks N>=100] [--snapshot-mb M] "
                        "[--gap-us U<1000000] [--tag NAME] [--no-snapshots]\n");
        return 2;
    }
    struct store *st = NULL;
    enum err err = store_open(dir, 1, &st);
    if (err) bc_die("store_open", err);
    struct store_block b;
    memset(&b, 0, sizeof(b));
    const char genesis[] = "{}";
    err = st->ops->write_genesis(st, genesis, 2, genesis, 2, &b);
    if (err) bc_die("write_genesis", err);

    uint64_t rng = 42;
    uint8_t body[BC_BODY_BYTES], cmd[BC_COMMAND_BYTES], events[BC_EVENTS_BYTES], res[2] = {0, 0};
    struct bc_snap sn = {.st = st, .len = (size_t)snapshot_mb << 20};
    sn.data = malloc(sn.len);
    double *lat = calloc(blocks, sizeof(*lat));
    double *during = calloc(blocks, sizeof(*during));
    uint32_t during_count = 0;
    if (sn.data == NULL || lat == NULL || during == NULL) bc_die("memory", ERR_INTERNAL);
    for (size_t i = 0; i < sn.len; i += 8) {
        uint64_t x = bench_rng_next(&rng);
        memcpy(sn.data + i, &x, sn.len - i < 8 ? sn.len - i : 8);
    }
    pthread_t th;

    char nonce[32];
    struct store_request r;
    memset(&r, 0, sizeof(r));
    r.commands_count = 1;
    r.operator_name = "alice";
    r.signature = "c2lnbmF0dXJlIG9mIHRoZSByZXF1ZXN0IGJ5IGFsaWNlJ3Mga2V5IC0gNjQg"
                  "Ynl0ZXMgb2YgaXQgaW4gYmFzZTY0";
    r.method = "POST";
    r.path = "/api/commands";
    r.nonce = nonce;
    r.body = body;
    r.body_len = sizeof(body);
    r.commands = cmd;
    r.commands_len = sizeof(cmd);
    r.results = res;
    r.results_len = sizeof(res);
    double t_start = bench_now_s();
    for (uint32_t i = 0; i < blocks; i++) {
        for (size_t k = 0; k < sizeof(body); k++) {
            body[k] = (uint8_t)('a' + bench_rng_next(&rng) % 26);
        }
        for (size_t k = 0; k < sizeof(cmd); k++) cmd[k] = (uint8_t)bench_rng_next(&rng);
        for (size_t k = 0; k < sizeof(events); k++) events[k] = (uint8_t)bench_rng_next(&rng);
        snprintf(nonce, sizeof(nonce), "n-%u", i);
        r.first_seq = i;
        r.time_ms = (int64_t)i;
        b.height = i + 1;
        b.time_ns = (int64_t)i * 1000;
        b.first_seq = i;
        b.commands_count = 1;
        b.requests_count = 1;
        b.first_event_seq = 2 * (uint64_t)i;
        b.events_count = 2;
        b.events = events;
        b.events_len = sizeof(events);
        if (snapshots && i == blocks / 4) {
            sn.busy = 1;
            if (pthread_create(&th, NULL, bc_snap_main, &sn) != 0) bc_die("thread", ERR_INTERNAL);
        }
        int meets = __atomic_load_n(&sn.busy, __ATOMIC_SEQ_CST);
        double t0 = bench_now_s();
        err = st->ops->append_block(st, &b, &r, 1);
        lat[i] = bench_now_s() - t0;
        if (err) bc_die("append_block", err);
        if (meets) during[during_count++] = lat[i];
        struct timespec gap = {0, (long)gap_us * 1000};
        nanosleep(&gap, NULL);
    }
    double wall = bench_now_s() - t_start;
    if (snapshots) pthread_join(th, NULL);
    st->ops->close(st);
    fprintf(stderr, "%s: %u one-request commits in %.2f s, %s (%.2f s)\n", tag, blocks, wall,
            snapshots ? "one snapshot beside them" : "no snapshot", sn.took_s);
    bc_report(tag, "all", lat, blocks);
    bc_report(tag, "during_snapshot", during, during_count);
    printf("RESULT %s_snapshot_s %.3f\n", tag, sn.took_s);
    free(lat);
    free(during);
    free(sn.data);
    return 0;
}
