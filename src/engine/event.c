/* event.c - event names, their JSON form, and their journal form. */
#include "event.h"

#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/duration.h"
#include "../base/hash.h"
#include "../base/hex.h"
#include "../base/jw.h"
#include "bridge.h"
#include "engine.h"
#include "role.h"

static const char *const event_names[EVENT__COUNT] = {
#define EVENT_NAME_ROW(id, name) name,
    EVENT_TABLE(EVENT_NAME_ROW)
#undef EVENT_NAME_ROW
};

const char *event_type_name(enum event_type type) {
    if ((unsigned)type >= EVENT__COUNT) return "?";
    return event_names[type];
}

enum event_type event_type_parse(const char *name) {
    for (unsigned i = 0; i < EVENT__COUNT; i++) {
        if (strcmp(event_names[i], name) == 0) return (enum event_type)i;
    }
    return EVENT__COUNT;
}

static void event__addr(struct jw *w, const char *key, const struct addr *a) {
    char text[ADDR_TEXT_SIZE];
    addr_format(a, text);
    jw_kv_string(w, key, text);
}

static void event__operator(const struct engine *e, struct jw *w, const char *key, uint32_t who) {
    jw_kv_string(w, key, who < e->s.operators_count ? e->s.operators[who].name : "?");
}

static void event__duration(struct jw *w, const char *key, int64_t ns) {
    char text[32];
    duration_format(ns, text);
    jw_kv_string(w, key, ns == 0 ? "0s" : text);
}

/* The op a governance event is about. */
static void event__governance(struct jw *w, const struct event *ev) {
    jw_kv_string(w, "op", ev->ref_op < OP__COUNT ? op_table()[ev->ref_op].name : "?");
}

/* Proposal and timelock events: {id, op, ...}. */
static void event__proposal_data(const struct engine *e, const struct event *ev, struct jw *w) {
    jw_kv_uint(w, "id", ev->ref_id);
    event__governance(w, ev);
    enum event_type t = (enum event_type)ev->type;
    if (t == EVENT_PROPOSAL_CREATED) {
        event__operator(e, w, "proposer", ev->who);
        jw_kv_uint(w, "approvals_needed", ev->flags);
    } else if (t == EVENT_PROPOSAL_APPROVED) {
        event__operator(e, w, "approver", ev->who);
        jw_kv_uint(w, "approvals", ev->flags);
    } else if (t == EVENT_PROPOSAL_CANCELLED || t == EVENT_TIMELOCK_CANCELLED) {
        event__operator(e, w, "by", ev->who);
    } else if (t == EVENT_PROPOSAL_FAILED || t == EVENT_TIMELOCK_FAILED) {
        jw_kv_string(w, "error", err_name((enum err)ev->code));
    } else if (t == EVENT_TIMELOCK_SCHEDULED) {
        char text[40];
        time_format_iso(ev->value, text);
        jw_kv_string(w, "eta", text);
    } else if (t == EVENT_TIMELOCK_EXPEDITED) {
        jw_kv_uint(w, "incident", (uint64_t)ev->value);
    }
}

/* Incidents and maintenance windows (incident.h): the title and reason
 * are read from the state while it still holds them. */
static void event__incident_data(const struct engine *e, const struct event *ev, struct jw *w) {
    enum event_type t = (enum event_type)ev->type;
    jw_kv_uint(w, "id", ev->ref_id);
    event__operator(e, w, "by", ev->who);
    if (t == EVENT_MAINTENANCE_STARTED || t == EVENT_MAINTENANCE_ENDED) {
        event__duration(w, t == EVENT_MAINTENANCE_STARTED ? "duration" : "lasted", ev->value);
        return;
    }
    jw_kv_string(w, "severity", incident_severity_name(ev->code));
    const struct incident *in = incident_find(e, ev->ref_id);
    if (t == EVENT_INCIDENT_OPENED) {
        jw_kv_string(w, "title", in ? in->title : "");
        jw_key(w, "alert");
        if (ev->value == 0) {
            jw_null(w);
        } else {
            char hex[20];
            snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)(uint64_t)ev->value);
            jw_string(w, hex);
        }
    } else if (t == EVENT_INCIDENT_ACKNOWLEDGED) {
        jw_kv_bool(w, "already", (int)(ev->flags & 1));
        event__duration(w, "after", ev->value);
    } else if (t == EVENT_INCIDENT_RESOLVED) {
        event__duration(w, "after", ev->value);
    }
}

/* Blacklist, freeze and the agents' tools. */
static void event__restrict_data(const struct event *ev, unsigned decimals, struct jw *w) {
    enum event_type t = (enum event_type)ev->type;
    if (t == EVENT_BLACKLISTED || t == EVENT_UNBLACKLISTED) {
        event__addr(w, "address", &ev->from);
        jw_kv_bool(w, "already", (int)(ev->flags & 1));
    } else if (t == EVENT_FROZEN || t == EVENT_UNFROZEN) {
        event__addr(w, "address", &ev->from);
        jw_kv_string(w, "scope", ev->code == 0 ? "address" : ev->code == 1 ? "asset" : "amount");
        if (ev->code == 2) jw_kv_amount(w, "amount", ev->amount, decimals);
        else jw_kv_bool(w, "already", (int)(ev->flags & 1));
    } else {
        event__addr(w, t == EVENT_RECOVERED ? "lost" : "from", &ev->from);
        event__addr(w, t == EVENT_RECOVERED ? "new" : "to", &ev->to);
        jw_kv_amount(w, "amount", ev->amount, decimals);
    }
}

/* A value move's partition (code = index + 1), only when it names one. */
static void event__partition(const struct engine *e, const struct event *ev, struct jw *w) {
    if (ev->code == 0 || ev->asset >= e->s.assets_count) return;
    const struct asset_rules *r = &e->s.rules[ev->asset];
    jw_kv_string(w, "partition", ev->code <= r->partitions_count ? r->partitions[ev->code - 1].name : "?");
}

static void event__identity_data(const struct event *ev, struct jw *w) {
    event__addr(w, "address", &ev->from);
    enum event_type t = (enum event_type)ev->type;
    if (t == EVENT_IDENTITY_REGISTERED) {
        char code[3];
        country_format(ev->code, code);
        jw_kv_string(w, "country", country_parse(code, 2) == ev->code ? code : "?");
        jw_key(w, "investor_type");
        if (ev->who != INVESTOR_NONE) jw_string(w, investor_type_name((enum investor_type)ev->who));
        else jw_null(w);
        jw_kv_bool(w, "updated", (int)(ev->flags & 1));
    } else if (t == EVENT_CLAIM_SET || t == EVENT_CLAIM_REVOKED) {
        jw_kv_string(w, "topic", claim_topic_name((enum claim_topic)ev->code));
        if (t == EVENT_CLAIM_SET) {
            char date[11];
            date_format((int32_t)ev->value, date);
            jw_kv_string(w, "expires", date);
        } else {
            jw_kv_bool(w, "already", (int)(ev->flags & 1));
        }
    }
}

/* Which rules changed (the values are the command's, in history). */
static void event__rules_data(const struct engine *e, const struct event *ev, struct jw *w) {
    jw_key(w, "partition");
    const struct asset_rules *r = ev->asset < e->s.assets_count ? &e->s.rules[ev->asset] : NULL;
    if (ev->code == 0 || r == NULL) jw_null(w);
    else jw_string(w, ev->code <= r->partitions_count ? r->partitions[ev->code - 1].name : "?");
    jw_key(w, "changed");
    jw_array_begin(w);
    const struct op_def *def = &op_table()[OP_ASSET_RULES_SET];
    for (unsigned i = 1; i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        if (def->fields[i].kind == FIELD_PARTITION) continue;
        if (ev->flags & CMD_HAS(def->fields[i].kind)) jw_string(w, def->fields[i].name);
    }
    jw_array_end(w);
}

/* Payouts: the snapshot, the payout, its distribution (legs: payout show). */
static void event__payout_data(const struct event *ev, unsigned decimals, struct jw *w) {
    jw_kv_uint(w, "id", ev->ref_id);
    enum event_type t = (enum event_type)ev->type;
    if (t == EVENT_PAYOUT_SNAPSHOT) {
        jw_kv_uint(w, "holders", (uint64_t)ev->value);
        jw_kv_amount(w, "total", ev->amount, decimals);
        return;
    }
    jw_kv_uint(w, "snapshot", t == EVENT_PAYOUT_CREATED ? (uint64_t)ev->value : ev->flags);
    event__addr(w, "from", &ev->from);
    jw_kv_string(w, "mode", ev->code ? "pro-rata" : "full");
    if (t == EVENT_PAYOUT_CREATED) {
        jw_kv_amount(w, "total", ev->amount, decimals);
        jw_kv_uint(w, "recipients", ev->flags);
    } else {
        jw_kv_amount(w, "paid", ev->amount, decimals);
        jw_kv_uint(w, "legs", (uint64_t)ev->value);
    }
}

/* Stabilizers: a change of parameters, an order (stabilizer.h). */
static void event__stabilizer_data(const struct engine *e, const struct event *ev, unsigned decimals,
                                   struct jw *w) {
    jw_kv_string(w, "feed", ev->who < e->s.feeds_count ? e->s.feeds[ev->who].name : "?");
    if (ev->type == EVENT_STABILIZATION_ORDER) {
        jw_kv_string(w, "side", ev->flags ? "sell" : "buy");
        jw_kv_amount(w, "size", ev->amount, decimals);
        jw_kv_amount(w, "price", ev->ref_id, FEED_DECIMALS);
        jw_kv_amount(w, "twap", ev->amount2, FEED_DECIMALS);
        jw_kv_uint(w, "deviation_ppm", (uint64_t)ev->value);
        jw_kv_uint(w, "consecutive_blocks", ev->code);
    } else {
        jw_kv_amount(w, "target", (u128)(uint64_t)ev->value, FEED_DECIMALS);
        jw_kv_uint(w, "window_blocks", ev->flags & 0xFFu);
        jw_kv_uint(w, "sustain_blocks", ev->flags >> 8 & 0xFFu);
        jw_kv_uint(w, "threshold_ppm", ev->ref_id);
        jw_kv_amount(w, "k", ev->amount, decimals);
        jw_kv_amount(w, "max_per_block", ev->amount2, decimals);
    }
    event__addr(w, "reserve_account", &ev->to);
}

static void event__data(const struct engine *e, const struct event *ev, struct jw *w) {
    unsigned decimals = ev->asset < e->s.assets_count ? e->s.assets[ev->asset].decimals : 0;
    jw_object_begin(w);
    switch ((enum event_type)ev->type) {
    case EVENT_MINT:
        event__addr(w, "to", &ev->to);
        jw_kv_amount(w, "amount", ev->amount, decimals);
        event__partition(e, ev, w);
        break;
    case EVENT_BURN:
        event__addr(w, "from", &ev->from);
        jw_kv_amount(w, "amount", ev->amount, decimals);
        event__partition(e, ev, w);
        break;
    case EVENT_TRANSFER:
        event__addr(w, "from", &ev->from);
        event__addr(w, "to", &ev->to);
        jw_kv_amount(w, "amount", ev->amount, decimals);
        event__partition(e, ev, w);
        break;
    case EVENT_IDENTITY_REGISTERED:
    case EVENT_IDENTITY_REMOVED:
    case EVENT_CLAIM_SET:
    case EVENT_CLAIM_REVOKED:
        event__identity_data(ev, w);
        break;
    case EVENT_RULES_SET:
        event__rules_data(e, ev, w);
        break;
    case EVENT_PAYOUT_SNAPSHOT:
    case EVENT_PAYOUT_CREATED:
    case EVENT_PAYOUT_DISTRIBUTED:
        event__payout_data(ev, decimals, w);
        break;
    case EVENT_PAUSED:
    case EVENT_UNPAUSED:
        jw_kv_string(w, "scope", ev->asset == EVENT_NO_ASSET ? "global" : "asset");
        jw_kv_bool(w, "already", (int)(ev->flags & 1));
        break;
    case EVENT_CLOCK_ADVANCED: {
        char text[32];
        duration_format(ev->value, text);
        jw_kv_string(w, "duration", text);
        break;
    }
    case EVENT_MINT_HALTED:
    case EVENT_MINT_RESUMED:
        jw_kv_bool(w, "already", (int)(ev->flags & 1));
        break;
    case EVENT_CAPS_SET:
        jw_kv_string(w, "limit", ev->ref_op == FIELD_SUPPLY_CAP   ? "supply_cap"
                                 : ev->ref_op == FIELD_MINT_LIMIT ? "daily_mint_limit"
                                                                  : "daily_inflow_limit");
        jw_kv_amount(w, "value", ev->amount, decimals);
        break;
    case EVENT_ROLE_GRANTED:
    case EVENT_ROLE_REVOKED:
        event__operator(e, w, "name", ev->who);
        jw_kv_string(w, "role", role_name((enum role)ev->code));
        jw_kv_bool(w, "already", (int)(ev->flags & 1));
        break;
    case EVENT_POLICY_SET:
        event__governance(w, ev);
        jw_kv_uint(w, "approvals", ev->flags);
        event__duration(w, "timelock", ev->value);
        break;
    case EVENT_BLACKLISTED:
    case EVENT_UNBLACKLISTED:
    case EVENT_FROZEN:
    case EVENT_UNFROZEN:
    case EVENT_FORCED_TRANSFER:
    case EVENT_RESCUED:
    case EVENT_RECOVERED:
        event__restrict_data(ev, decimals, w);
        if (ev->type != EVENT_RECOVERED) event__partition(e, ev, w);
        break;
    case EVENT_PRICE_UPDATED:
        jw_kv_string(w, "feed", ev->who < e->s.feeds_count ? e->s.feeds[ev->who].name : "?");
        jw_kv_amount(w, "value", ev->amount, FEED_DECIMALS);
        break;
    case EVENT_RESERVE_REPORTED:
        event__operator(e, w, "reporter", ev->who);
        jw_kv_amount(w, "amount", ev->amount, decimals);
        break;
    case EVENT_RESERVE_ATTESTED:
        event__operator(e, w, "by", ev->who);
        jw_kv_amount(w, "usd", ev->amount, FEED_DECIMALS);
        break;
    case EVENT_POR_PUBLISHED: {
        char hex[HASH_HEX_SIZE];
        hex_encode(ev->digest, HASH_BYTES, hex);
        event__operator(e, w, "by", ev->who);
        jw_kv_string(w, "root", hex);
        jw_kv_amount(w, "total", ev->amount, decimals);
        jw_kv_amount(w, "reserve", ev->amount2, decimals);
        jw_kv_uint(w, "leaves", ev->ref_id);
        jw_kv_uint(w, "depth", ev->code);
        jw_kv_uint(w, "publication_seq", ev->command_seq);
        break;
    }
    case EVENT_NAV_UPDATED:
        jw_kv_amount(w, "value", ev->amount, FEED_DECIMALS);
        jw_key(w, "previous");
        if (ev->ref_id == 0) jw_null(w);
        else jw_amount(w, ev->ref_id, FEED_DECIMALS);
        jw_key(w, "deviation");
        jw_double(w, (double)ev->value / 1e6);
        jw_kv_bool(w, "forced", (int)(ev->flags & 1));
        break;
    case EVENT_ORACLE_FROZEN:
    case EVENT_ORACLE_UNFROZEN:
        jw_kv_string(w, "feed", ev->who < e->s.feeds_count ? e->s.feeds[ev->who].name : "?");
        jw_kv_bool(w, "already", (int)(ev->flags & 1));
        break;
    case EVENT_OPERATOR_ADDED:
    case EVENT_OPERATOR_REMOVED:
    case EVENT_KEY_ROTATED:
    case EVENT_CONTROLLER_PROPOSED:
        event__operator(e, w, "name", ev->who);
        break;
    case EVENT_CONTROLLER_CHANGED:
        event__operator(e, w, "from", (uint32_t)ev->ref_id);
        event__operator(e, w, "to", ev->who);
        break;
    case EVENT_PROPOSAL_CREATED:
    case EVENT_PROPOSAL_APPROVED:
    case EVENT_PROPOSAL_EXECUTED:
    case EVENT_PROPOSAL_FAILED:
    case EVENT_PROPOSAL_EXPIRED:
    case EVENT_PROPOSAL_CANCELLED:
    case EVENT_TIMELOCK_SCHEDULED:
    case EVENT_TIMELOCK_EXECUTED:
    case EVENT_TIMELOCK_FAILED:
    case EVENT_TIMELOCK_CANCELLED:
    case EVENT_TIMELOCK_EXPEDITED:
        event__proposal_data(e, ev, w);
        break;
    case EVENT_INCIDENT_OPENED:
    case EVENT_INCIDENT_ACKNOWLEDGED:
    case EVENT_INCIDENT_NOTED:
    case EVENT_INCIDENT_RESOLVED:
    case EVENT_MAINTENANCE_STARTED:
    case EVENT_MAINTENANCE_ENDED:
        event__incident_data(e, ev, w);
        break;
    case EVENT_STABILIZER_SET:
    case EVENT_STABILIZATION_ORDER:
        event__stabilizer_data(e, ev, decimals, w);
        break;
    case EVENT_BRIDGE_SENT:
    case EVENT_BRIDGE_SETTLED:
    case EVENT_BRIDGE_REFUND_REQUESTED:
    case EVENT_BRIDGE_REFUNDED:
    case EVENT_BRIDGE_RECEIVED:
    case EVENT_BRIDGE_ROUTE_SET:
    case EVENT_BRIDGE_ROUTE_ENABLED:
    case EVENT_BRIDGE_ROUTE_DISABLED:
        bridge_event_data(e, ev, w);
        break;
    case EVENT_VAULT_OPENED:
    case EVENT_VAULT_DEPOSITED:
    case EVENT_VAULT_WITHDRAWN:
    case EVENT_VAULT_BORROWED:
    case EVENT_VAULT_REPAID:
    case EVENT_LIQUIDATED:
    case EVENT_VAULT_TYPE_SET:
        vault_event_write(e, ev, decimals, w);
        break;
    case EVENT__COUNT:
        break;
    }
    jw_object_end(w);
}

void event_write_json(const struct engine *e, const struct event *ev, uint64_t block,
                      const char *operator_name, struct jw *w) {
    char time_text[40];
    time_format_iso(ev->time_ns, time_text);
    jw_object_begin(w);
    jw_kv_uint(w, "seq", ev->seq);
    jw_kv_uint(w, "command_seq", ev->command_seq);
    jw_kv_uint(w, "block", block);
    jw_kv_string(w, "time", time_text);
    jw_kv_string(w, "type", event_type_name((enum event_type)ev->type));
    jw_key(w, "asset");
    if (ev->asset < e->s.assets_count) {
        jw_string(w, e->s.assets[ev->asset].symbol);
    } else {
        jw_null(w);
    }
    jw_key(w, "operator");
    if (operator_name != NULL) jw_string(w, operator_name);
    else jw_null(w);
    jw_key(w, "data");
    event__data(e, ev, w);
    jw_object_end(w);
}

/* The types whose journal record carries amount2 (others' stay as they were). */
static int event__has_amount2(uint16_t type) {
    return type == EVENT_POR_PUBLISHED || type == EVENT_STABILIZER_SET || type == EVENT_STABILIZATION_ORDER ||
           type == EVENT_LIQUIDATED;
}

void event_encode(const struct event *ev, struct buf *out) {
    buf_put_u64(out, ev->seq);
    buf_put_u64(out, ev->command_seq);
    buf_put_u64(out, (uint64_t)ev->time_ns);
    buf_put_u16(out, ev->type);
    buf_put_u16(out, ev->asset);
    buf_put_u32(out, ev->flags);
    buf_put(out, ev->from.bytes, ADDR_BYTES);
    buf_put(out, ev->to.bytes, ADDR_BYTES);
    buf_put_u128(out, ev->amount);
    buf_put_u64(out, (uint64_t)ev->value);
    buf_put_u64(out, ev->ref_id);
    buf_put_u16(out, ev->ref_op);
    buf_put_u16(out, ev->code);
    buf_put_u32(out, ev->who);
    if (event__has_amount2(ev->type)) buf_put_u128(out, ev->amount2);
    if (ev->type == EVENT_LIQUIDATED) {
        buf_put_u128(out, ev->amount3);
        buf_put_u128(out, ev->amount4);
        buf_put_u128(out, ev->amount5);
    }
}

int event_decode(struct buf_reader *r, struct event *out) {
    out->seq = buf_get_u64(r);
    out->command_seq = buf_get_u64(r);
    out->time_ns = (int64_t)buf_get_u64(r);
    out->type = buf_get_u16(r);
    out->asset = buf_get_u16(r);
    out->flags = buf_get_u32(r);
    buf_get(r, out->from.bytes, ADDR_BYTES);
    buf_get(r, out->to.bytes, ADDR_BYTES);
    out->amount = buf_get_u128(r);
    out->value = (int64_t)buf_get_u64(r);
    out->ref_id = buf_get_u64(r);
    out->ref_op = buf_get_u16(r);
    out->code = buf_get_u16(r);
    out->who = buf_get_u32(r);
    out->amount2 = event__has_amount2(out->type) ? buf_get_u128(r) : 0;
    int liquidated = out->type == EVENT_LIQUIDATED;
    out->amount3 = liquidated ? buf_get_u128(r) : 0;
    out->amount4 = liquidated ? buf_get_u128(r) : 0;
    out->amount5 = liquidated ? buf_get_u128(r) : 0;
    if (r->failed || out->type >= EVENT__COUNT) return -1;
    return 0;
}

int event_legacy_no_asset(uint16_t type) {
    return type == EVENT_PROPOSAL_APPROVED || type == EVENT_PROPOSAL_EXECUTED ||
           type == EVENT_PROPOSAL_FAILED || type == EVENT_PROPOSAL_EXPIRED ||
           type == EVENT_PROPOSAL_CANCELLED || type == EVENT_TIMELOCK_EXECUTED ||
           type == EVENT_TIMELOCK_FAILED || type == EVENT_TIMELOCK_CANCELLED ||
           type == EVENT_TIMELOCK_EXPEDITED;
}

/* One journaled event against the replayed one: the same bytes, or the
 * pre-issue-13 form of a governance event (no asset). */
static int event__match_one(const struct event *replayed, struct event *journaled, struct buf *a,
                            struct buf *b) {
    if (journaled->type == replayed->type && event_legacy_no_asset(journaled->type) &&
        journaled->asset == EVENT_NO_ASSET) {
        journaled->asset = replayed->asset;
    }
    a->len = 0;
    b->len = 0;
    event_encode(replayed, a);
    event_encode(journaled, b);
    return buf_ok(a) && buf_ok(b) && a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

int event_journal_match(const struct event *events, uint32_t n, const uint8_t *bytes, size_t len) {
    struct buf_reader r;
    buf_reader_init(&r, bytes, len);
    struct buf a, b;
    buf_init(&a);
    buf_init(&b);
    int match = 1;
    for (uint32_t i = 0; i < n && match; i++) {
        struct event journaled;
        memset(&journaled, 0, sizeof(journaled));
        match = event_decode(&r, &journaled) == 0 &&
                event__match_one(&events[i], &journaled, &a, &b);
    }
    buf_free(&a);
    buf_free(&b);
    return match && !r.failed && r.pos == len;
}
