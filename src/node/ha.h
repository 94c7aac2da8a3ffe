/*
 * ha.h - leader and followers on one PostgreSQL ledger (issue 15 items 2-3).
 *
 * Every node serving a PostgreSQL ledger opens a lease (store.h): the one
 * whose session holds the advisory lock leads and writes; the others
 * follow. A follower applies the leader's blocks from the journal through
 * the replay routine (chain_replay_block), woken by the leader's NOTIFY on
 * every block and polling as a fallback, serves reads at its height and
 * refuses writes with ERR_NOT_LEADER naming the leader's advertised URL;
 * it tries for the lock twice a second and, once it has it, catches up to
 * the last committed block, fences its writer session with the new term
 * and starts writing. A leader that finds its lock gone, or whose append
 * was refused, steps down and follows.
 *
 * Never: a follower writes a block or a snapshot; a node leads before its
 * state holds every block of the journal (the term bump waits for any
 * append of the old leader that passed its fence); a follower serves on
 * after a block failed to replay (it stops, as on SIGTERM).
 */
#ifndef MINTLINE_NODE_HA_H
#define MINTLINE_NODE_HA_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

struct server;
struct ha;

/* How often a follower looks at the journal without a notification, and
 * tries for the lock; how often a leader checks that it still holds it. */
#define HA_POLL_MS 200
#define HA_TRY_LOCK_MS 500

struct ha_options {
    const char *store_url; /* postgres://... */
    const char *advertise; /* this node's URL for clients (serve --advertise) */
    const char *holder;    /* the lease session's name (63 bytes) */
};

/* ha_open: open the lease and try for the lock once, before recovery (a
 * leader recovers after its term bump, so what it reads is whole).
 * ERR_STORE_IO (why says so), ERR_INTERNAL. */
enum err ha_open(const struct ha_options *opt, struct ha **out, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* ha_start: with the chain recovered and the sequencer started: a leader
 * fences its writer with its term, a follower is marked as one; then the
 * thread that follows, elects and steps down runs until ha_stop.
 * ERR_STORE_IO, ERR_INTERNAL. */
enum err ha_start(struct ha *h, struct server *s) __attribute__((warn_unused_result));

/* ha_halt: stop the thread (if started); the lease stays (a leader keeps
 * its lock while the sequencer drains). ha_stop: ha_halt, then end the
 * lease (a leader's lock is released with it) and free h. NULL is fine. */
void ha_halt(struct ha *h);
void ha_stop(struct ha *h);

/* A follower's delay per applied block: the wall clock when it applied
 * the block minus the block's time (the leader's clock when it began the
 * block, so it spans the leader's apply and commit, the notification and
 * this node's apply); wall-clock ledgers only. Cumulative buckets, the
 * bounds of ha_delay_bounds_s: 25 ms apart from 50 ms to 500 ms, so that a
 * quantile interpolated in its bucket (as Prometheus's histogram_quantile
 * does) is within 25 ms around issue 15's p99 target of 500 ms. */
#define HA_DELAY_BUCKETS 30
extern const double ha_delay_bounds_s[HA_DELAY_BUCKETS];
struct ha_delay {
    uint64_t count;
    double sum_s;
    uint64_t le[HA_DELAY_BUCKETS];
};

/* What status and metrics show. */
struct ha_view {
    int leader;           /* 1 leading, 0 following */
    char leader_url[256]; /* the leader's advertised URL ("" while none is known) */
    uint64_t term;        /* the term this node led in, or the leader's as last read */
    uint64_t lag_blocks;  /* blocks in the journal not yet applied, as last read */
    double lag_s;         /* how long this follower has been behind (0 when caught up) */
    struct ha_delay delay; /* blocks applied as a follower */
};
void ha_view(struct ha *h, struct ha_view *out);

/* ha_not_leader: the answer of a follower to a write (and of /readyz):
 * 503 ERR_NOT_LEADER, the leader's advertised URL at the end of the
 * message and as error.leader (null while no node holds the lock: an
 * election is under way). */
struct server_response;
void ha_not_leader(struct server *s, struct server_response *out);

/* ha_delay_add: count one block's delay (seconds) into d. Pure. */
void ha_delay_add(struct ha_delay *d, double delay_s);

/* ha_lag_s: the lag in seconds, from when a follower first saw the
 * journal ahead of it (0: caught up) to now_ns. Pure. */
double ha_lag_s(int64_t behind_since_ns, int64_t now_ns);

#endif
