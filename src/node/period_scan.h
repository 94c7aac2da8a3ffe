/*
 * period_scan.h - a report's figures (ops/period_report.h) read from the
 * journal: a private engine replays every block from genesis up to the
 * period's end (the same routine recovery and audit use), and the period's
 * figures are taken from that engine's state at the period's start, after
 * each of the period's blocks, at each chart point, and from the events the
 * period's blocks emitted. Nothing is read from the live engine, so the
 * same journal and period always give the same figures, whatever the node
 * has done since.
 */
#ifndef MINTLINE_NODE_PERIOD_SCAN_H
#define MINTLINE_NODE_PERIOD_SCAN_H

#include <stdint.h>

#include "../ops/period_report.h"
#include "../store/store.h"

/* A progress callback: blocks replayed so far (called every few thousand
 * blocks); NULL for none. */
typedef void (*period_scan_progress_fn)(void *ctx, uint64_t height);

/* period_scan: fill *out (caller-allocated; zeroed here) with the figures of
 * period b from the journal in store. now_ns is the node's time: a period
 * whose end has passed on it is complete even with no later block yet.
 * Errors: ERR_REPORT_NO_BLOCKS (no block in the period), ERR_AUDIT_FAILED
 * (the journal does not replay: why says where), ERR_STORE_IO,
 * ERR_INTERNAL (out of memory). */
enum err period_scan(struct store *store, const struct period_bounds *b, int64_t now_ns,
                     period_scan_progress_fn progress, void *progress_ctx,
                     struct period_report *out, char *why, size_t why_size)
    __attribute__((warn_unused_result));

#endif
