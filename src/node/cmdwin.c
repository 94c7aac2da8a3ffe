/*
 * cmdwin.c - the failed-command ratio's sliding window (cmdwin.h).
 */
#include "cmdwin.h"

#include <string.h>

static int64_t cmdwin__epoch(int64_t time_ns) {
    return time_ns >= 0 ? time_ns / CMDWIN_BUCKET_NS : -1 - (-1 - time_ns) / CMDWIN_BUCKET_NS;
}

static size_t cmdwin__slot(int64_t epoch) {
    int64_t m = epoch % CMDWIN_BUCKETS;
    return (size_t)(m < 0 ? m + CMDWIN_BUCKETS : m);
}

void cmdwin_init(struct cmdwin *w) {
    memset(w->buckets, 0, sizeof(w->buckets));
    for (size_t i = 0; i < CMDWIN_BUCKETS; i++) w->buckets[i].epoch = INT64_MIN;
    pthread_mutex_init(&w->mu, NULL);
}

void cmdwin_destroy(struct cmdwin *w) { pthread_mutex_destroy(&w->mu); }

void cmdwin_add(struct cmdwin *w, int64_t time_ns, uint64_t total, uint64_t failed) {
    int64_t epoch = cmdwin__epoch(time_ns);
    pthread_mutex_lock(&w->mu);
    struct cmdwin_bucket *b = &w->buckets[cmdwin__slot(epoch)];
    if (b->epoch < epoch) { /* the slot held an older window's bucket: reuse it */
        b->epoch = epoch;
        b->total = 0;
        b->failed = 0;
    }
    if (b->epoch == epoch) {
        b->total += total;
        b->failed += failed;
    }
    pthread_mutex_unlock(&w->mu);
}

void cmdwin_read(struct cmdwin *w, int64_t now_ns, uint64_t *total, uint64_t *failed) {
    int64_t now = cmdwin__epoch(now_ns);
    uint64_t t = 0, f = 0;
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < CMDWIN_BUCKETS; i++) {
        const struct cmdwin_bucket *b = &w->buckets[i];
        if (b->epoch > now - CMDWIN_BUCKETS && b->epoch <= now) {
            t += b->total;
            f += b->failed;
        }
    }
    pthread_mutex_unlock(&w->mu);
    *total = t;
    *failed = f;
}
