/*
 * cmdwin.h - journaled commands and their failures over a sliding window of
 * the ledger's clock (mintline_failed_commands_ratio, SPEC 9): the last
 * CMDWIN_SPAN_NS, in CMDWIN_BUCKETS buckets, so a burst of refusals ages out
 * instead of weighing on a ratio since start. Time is the block's time (the
 * manual clock's under --clock manual, so drills and tests are deterministic);
 * reads use server_now. Thread-safe (one mutex; a few adds per request).
 */
#ifndef MINTLINE_NODE_CMDWIN_H
#define MINTLINE_NODE_CMDWIN_H

#include <pthread.h>
#include <stdint.h>

#define CMDWIN_BUCKETS 60
#define CMDWIN_BUCKET_NS (INT64_C(5) * 1000000000) /* 60 x 5 s = the last 5 minutes */
#define CMDWIN_SPAN_NS (CMDWIN_BUCKETS * CMDWIN_BUCKET_NS)

struct cmdwin_bucket {
    int64_t epoch; /* time_ns / CMDWIN_BUCKET_NS of the commands counted here */
    uint64_t total;
    uint64_t failed;
};

struct cmdwin {
    pthread_mutex_t mu;
    struct cmdwin_bucket buckets[CMDWIN_BUCKETS];
};

/* cmdwin_init: an empty window. cmdwin_destroy: release its mutex. */
void cmdwin_init(struct cmdwin *w);
void cmdwin_destroy(struct cmdwin *w);

/* cmdwin_add: count `total` commands of which `failed` were refused, in the
 * block of time time_ns. A time older than the window is dropped. */
void cmdwin_add(struct cmdwin *w, int64_t time_ns, uint64_t total, uint64_t failed);

/* cmdwin_read: the commands and failures of blocks in (now_ns - span, now_ns]. */
void cmdwin_read(struct cmdwin *w, int64_t now_ns, uint64_t *total, uint64_t *failed);

#endif
