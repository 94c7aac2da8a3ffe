/*
 * bridge.h - the cross-chain bridge (SPEC 6 "Bridge"): routes, escrow,
 * settlement, refunds after a timeout, inbound mints once per (chain, tx),
 * and the per-route figures an operator sizes the buffer with.
 *
 * A route is (chain id, asset): min and max per send, a timeout after
 * which a refund may be requested, a latency (the settlement time assumed
 * before any transfer has settled), a safety factor and a buffer account.
 * Routes come from genesis (`bridge_routes:`) or `bridge.route.set`
 * (admin, 24h timelock by default); `bridge.route.enable` likewise;
 * `bridge.route.disable` (pauser) acts at once.
 *
 * Escrow is a balance: `bridge.send` moves the amount from the sender to
 * BRIDGE_ESCROW (a reserved address) with SPEC 3 checks 2-6, so supply =
 * sum of balances keeps holding; `bridge.confirm` burns it from there
 * (settled); `bridge.refund` (bridge_operator, after the route's timeout)
 * marks it refund_requested and `bridge.refund_execute` (refund_signer,
 * another operator) moves it back to the sender (refunded). A confirm of a
 * transfer whose refund was requested but not executed still settles it:
 * the destination chain released it, so a refund would pay twice.
 * `bridge.receive` mints on arrival (checks 1-11 as a mint) and records
 * the (chain, tx hash) as a holdings record (KEY_BRIDGE_RECEIPT) so that
 * the same inbound transaction never mints twice, however many arrive.
 *
 * Invariants (bridge_check_invariants): each route's escrow outstanding =
 * the sum of its transfers that are initiated or refund_requested; for
 * each asset, the sum over its routes <= the escrow address's balance
 * (equal: no other op may name the escrow as a party, bridge_is_escrow;
 * only tokens placed there before its first route could make it more).
 *
 * Transfers live in a table of LIMIT_BRIDGE_TRANSFERS slots, transfer id
 * n in slot n mod LIMIT_BRIDGE_TRANSFERS: a send is refused with
 * ERR_LIMIT_REACHED while the transfer LIMIT_BRIDGE_TRANSFERS ids before
 * it is still unfinished (initiated or refund_requested); a finished one
 * is overwritten and leaves the state (its commands stay in the journal,
 * the route's figures keep their counts).
 *
 * State bytes: a "brg" section ends the small state only once a route
 * exists, so a ledger without a bridge hashes as it always did.
 *
 * No floating point: the safety factor has 8 fraction digits (FEED_DECIMALS),
 * ratios are ppm, and the buffer rule is computed in 256 bits, rounded up.
 */
#ifndef MINTLINE_ENGINE_BRIDGE_H
#define MINTLINE_ENGINE_BRIDGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/addr.h"
#include "../base/err.h"
#include "../base/limits.h"
#include "../base/u128.h"

/* The escrow address: 0x0000000000000000000000000000000000b71d9e. */
#define BRIDGE_ESCROW_TEXT "0x0000000000000000000000000000000000b71d9e"
extern const struct addr BRIDGE_ESCROW;

/* Safety factor: 8 fraction digits; 1.0 .. 100.0 accepted. */
#define BRIDGE_SAFETY_ONE UINT64_C(100000000)
#define BRIDGE_SAFETY_MAX (UINT64_C(100) * BRIDGE_SAFETY_ONE)
#define BRIDGE_HOUR_NS (INT64_C(3600) * 1000000000)
#define BRIDGE_HOURS 24u /* the window of the success rate and the peak outflow */

enum bridge_status {
    BRIDGE_INITIATED = 1,
    BRIDGE_SETTLED,
    BRIDGE_REFUND_REQUESTED,
    BRIDGE_REFUNDED,
};

/* One hour of a route: bucket h % 24 holds hour h (block time / 1h). */
struct bridge_hour {
    int64_t hour; /* -1: never used */
    uint32_t settled;
    uint32_t refunded;
    u128 outflow; /* sent (initiated) in that hour */
};

struct bridge_route {
    uint64_t chain; /* the destination chain's id, > 0 */
    uint16_t asset;
    uint8_t enabled;
    uint64_t safety_e8; /* safety factor x 1e8 */
    u128 min;           /* > 0 */
    u128 max;           /* 0: no maximum */
    int64_t timeout_ns; /* > 0 */
    int64_t latency_ns; /* >= 0: used before any settlement */
    struct addr buffer;
    /* figures */
    u128 escrow; /* outstanding: initiated + refund_requested */
    u128 sent_total;
    u128 received_total;
    uint64_t sent_count;
    uint64_t settled_count;
    uint64_t refunded_count;
    uint64_t received_count;
    struct bridge_hour hours[BRIDGE_HOURS];
    uint32_t settle_count; /* samples in the ring, <= LIMIT_BRIDGE_SETTLE_RING */
    uint32_t settle_next;  /* where the next sample goes */
    int64_t settle_ns[LIMIT_BRIDGE_SETTLE_RING];
};

struct bridge_transfer {
    uint64_t id; /* 0: empty slot */
    uint16_t route;
    uint8_t status;        /* enum bridge_status */
    uint32_t requested_by; /* operator who requested the refund */
    uint32_t finished_by;  /* who confirmed or executed the refund */
    struct addr from;      /* sender on this ledger */
    struct addr to;        /* recipient on the destination chain */
    u128 amount;
    int64_t created_ns;
    int64_t requested_ns; /* 0 unless a refund was requested */
    int64_t finished_ns;  /* settled or refunded; 0 before */
    uint8_t tx[32];       /* the destination tx hash of the confirm */
};

struct bridge_book {
    uint32_t routes_count;
    struct bridge_route routes[LIMIT_BRIDGE_ROUTES];
    uint64_t next_transfer_id;                                /* the last id given */
    struct bridge_transfer transfers[LIMIT_BRIDGE_TRANSFERS]; /* id n in slot n % LIMIT */
};

/* What bridge_route_figures says about a route at a given moment. */
struct bridge_figures {
    uint64_t settled_24h;
    uint64_t refunded_24h;
    uint32_t success_ppm; /* settled / (settled + refunded), floor; 1e6 when neither */
    uint32_t samples;     /* settlement times in the ring */
    int64_t p50_ns;       /* nearest rank; 0 without samples */
    int64_t p95_ns;
    u128 escrow;
    u128 peak_hourly_outflow; /* the largest hour of the last 24 (this one included) */
    int64_t latency_ns;       /* p95 when there are samples, else the route's latency */
    u128 buffer_required;     /* peak x latency (hours) x safety, rounded up; saturates */
    u128 buffer_actual;       /* the buffer account's balance of the route's asset */
    int buffer_ok;            /* actual >= required */
    u128 buffer_minimum;      /* the seed's bare rule: peak x latency, no safety factor, rounded up */
    u128 buffer_projected;    /* actual less the escrow in flight (0 when that is more): what the
                               * buffer holds once every open transfer is paid out, within one
                               * settlement window */
};

struct engine;
struct engine_state;
struct command;
struct event_buf;
struct event;
struct apply_result;
struct buf;
struct buf_reader;
struct jw;

const char *bridge_status_name(enum bridge_status status);
/* bridge_status_parse: "initiated" ...; 0 when unknown. */
enum bridge_status bridge_status_parse(const char *text, size_t len);

/* Ops (command.c's table). Errors besides SPEC 3's, all with nothing
 * changed: ERR_UNKNOWN_CHAIN (no route for (chain, asset)),
 * ERR_ROUTE_DISABLED, ERR_ROUTE_LIMIT (send below min or above max),
 * ERR_LIMIT_REACHED (transfer table, routes table), ERR_NOT_FOUND (no such
 * transfer id), ERR_ALREADY_SETTLED, ERR_ALREADY_REFUNDED,
 * ERR_TIMEOUT_NOT_REACHED, ERR_REFUND_NOT_REQUESTED, ERR_SAME_SIGNER,
 * ERR_ALREADY_RECEIVED, ERR_INVALID_ARGUMENT (a route's parameters). */
enum err bridge_send_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                           struct apply_result *out);
enum err bridge_confirm_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                              struct apply_result *out);
enum err bridge_refund_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out);
enum err bridge_refund_execute_apply(struct engine *e, const struct command *cmd,
                                     struct event_buf *events, struct apply_result *out);
enum err bridge_receive_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                              struct apply_result *out);
enum err bridge_route_set_apply(struct engine *e, const struct command *cmd,
                                struct event_buf *events, struct apply_result *out);
enum err bridge_route_enable_apply(struct engine *e, const struct command *cmd,
                                   struct event_buf *events, struct apply_result *out);

/* bridge_is_escrow: whether a (NULL: no) is BRIDGE_ESCROW on a ledger with
 * routes, outside the bridge's own moves. Only the bridge's ops move the
 * escrow: restrict_check and the agents' tools refuse it as a party
 * (ERR_INVALID_ADDRESS), as they do the vault escrow, so no transfer, burn,
 * mint, forced transfer, recover, rescue, vault or payout command can take
 * the escrow below (or push it above) the sum of the transfers in flight. */
int bridge_is_escrow(const struct engine *e, const struct addr *a);

/* bridge_route_find: the route of (chain, asset), or -1. */
int bridge_route_find(const struct engine *e, uint64_t chain, uint16_t asset);
/* bridge_transfer_find: the transfer with that id while the state holds
 * it, or NULL. */
const struct bridge_transfer *bridge_transfer_find(const struct engine *e, uint64_t id);
/* bridge_received: whether (chain, tx) has minted already. */
int bridge_received(const struct engine *e, uint64_t chain, const uint8_t tx[32]);

/* bridge_route_figures: the figures of route `route` (< routes_count) at
 * now_ns (the ledger time, or a reader's clock). Pure; no allocation. */
void bridge_route_figures(const struct engine *e, uint32_t route, int64_t now_ns,
                          struct bridge_figures *out);

/* bridge_buffer_required: ceil(peak x latency_ns x safety_e8 / (1h x 1e8))
 * in 256 bits; U128_MAX when it does not fit. */
u128 bridge_buffer_required(u128 peak, int64_t latency_ns, uint64_t safety_e8);

/* bridge_check_invariants: the escrow invariants above; 0 or -1. */
int bridge_check_invariants(const struct engine *e);

/* bridge_genesis: the genesis document's `bridge_routes` list (NULL:
 * none) into s (assets already there). ERR_INVALID_GENESIS with why. */
enum err bridge_genesis(struct engine_state *s, const json_t *list, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* bridge_event_data: the "data" object members of a bridge event. */
void bridge_event_data(const struct engine *e, const struct event *ev, struct jw *w);

/* State bytes (engine__state_write; snapshots). read: 0 when the section
 * is absent or read whole; -1 when malformed. */
void bridge_state_write(const struct engine_state *s, struct buf *out);
int bridge_state_read(struct buf_reader *r, struct engine_state *s);

#endif
