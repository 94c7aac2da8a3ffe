/* test_incident.c - the engine's incident module (incident.h, issue 10):
 * incident.open/ack/note/resolve (states, times, who, events and their
 * JSON, every refusal changing nothing), the table of LIMIT_INCIDENTS,
 * acknowledge targets and overdue at each boundary, maintenance windows
 * and their ring, the built-in system operator, timelock.expedite during
 * an emergency, the "inc" state section (absent on older ledgers,
 * snapshots round trip, corrupted bytes refused) and the journal's binary
 * form with its second word of field kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/base/jw.h"
#include "../../src/base/limits.h"
#include "../../src/engine/engine.h"
#include "../../src/engine/engine_internal.h"
#include "../../src/engine/incident.h"
#include "../support/engine_fixture.h"

#define ALERT_HEX "00000000deadbeef"
#define ALERT_FP UINT64_C(0xdeadbeef)
#define MIN_NS (INT64_C(60) * NS_PER_S)
#define HOUR_NS (INT64_C(3600) * NS_PER_S)

/* --------------------------------------------------------------------- */
/* set-up                                                                */
/* --------------------------------------------------------------------- */

#define WITH_SYSTEM 1u

static void add_policy(json_t *policies, const char *op, const char *approvals,
                       const char *timelock) {
    json_t *p = json_pack("{s:s, s:s}", "op", op, "approvals", approvals);
    if (timelock != NULL) json_object_set_new(p, "timelock", json_string(timelock));
    json_array_append_new(policies, p);
}

/* alice: admin and every role the tests use; bob: admin, incident
 * manager; carol: admin; dave: viewer; ivy: incident manager only.
 * USDW (6 decimals), GOLD (18). With WITH_SYSTEM, the genesis "system"
 * entry (as init writes it). emergency: "emergency_approvals" or NULL.
 * policies: a list (stolen) or NULL. */
static json_t *inc_genesis(unsigned flags, const char *emergency, json_t *policies) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(
        doc, "alice", "admin,incident_manager,pauser,minter,treasury_manager,compliance");
    fixture_genesis_add_operator(doc, "bob", "admin,incident_manager");
    fixture_genesis_add_operator(doc, "carol", "admin");
    fixture_genesis_add_operator(doc, "dave", "viewer");
    fixture_genesis_add_operator(doc, "ivy", "incident_manager");
    fixture_genesis_add_asset(doc, "USDW", "plain", "6");
    fixture_genesis_add_asset(doc, "GOLD", "plain", "18");
    if (flags & WITH_SYSTEM) {
        char pk[65];
        fixture_pubkey_hex(200, pk);
        json_object_set_new(doc, "system", json_pack("{s:s}", "pubkey", pk));
    }
    if (emergency != NULL) json_object_set_new(doc, "emergency_approvals", json_string(emergency));
    if (policies != NULL) json_object_set_new(doc, "policies", policies);
    return doc;
}

static struct fixture *open_inc(unsigned flags, const char *emergency, json_t *policies) {
    json_t *doc = inc_genesis(flags, emergency, policies);
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    return f;
}

static void next_block(struct fixture *f) {
    if (f->in_block) fixture_seal(f, NULL);
}

/* Seal any open block and begin one at time_ns. */
static void block_at(struct fixture *f, int64_t time_ns) {
    next_block(f);
    fixture_begin(f, time_ns, FIXTURE_BLOCK_COMMANDS);
}

static uint32_t op_index(const struct fixture *f, const char *name) {
    int i = engine_operator_find(&f->e, name, strlen(name));
    if (i < 0) fail_msg("no operator %s", name);
    return (uint32_t)i;
}

/* incident.open as who; the new id (the test fails when refused). */
static uint64_t open_incident(struct fixture *f, const char *who, const char *severity,
                              const char *title) {
    assert_ok(fixture_applyf(f, who,
                             "{\"op\":\"incident.open\",\"severity\":\"%s\",\"title\":\"%s\"}",
                             severity, title));
    assert_int_equal(f->events.count, 1);
    assert_int_equal(f->events.items[0].type, EVENT_INCIDENT_OPENED);
    return f->events.items[0].ref_id;
}

static enum err incident_op(struct fixture *f, const char *who, const char *op, uint64_t id) {
    if (strcmp(op, "incident.note") == 0) {
        return fixture_applyf(f, who, "{\"op\":\"incident.note\",\"id\":%llu,\"text\":\"looking\"}",
                              (unsigned long long)id);
    }
    if (strcmp(op, "incident.resolve") == 0) {
        return fixture_applyf(f, who,
                              "{\"op\":\"incident.resolve\",\"id\":%llu,\"summary\":\"fixed\"}",
                              (unsigned long long)id);
    }
    return fixture_applyf(f, who, "{\"op\":\"%s\",\"id\":%llu}", op, (unsigned long long)id);
}

static void incident_op_rejected(struct fixture *f, const char *who, const char *op, uint64_t id,
                                 enum err expected) {
    char json[160];
    if (strcmp(op, "incident.note") == 0) {
        snprintf(json, sizeof(json), "{\"op\":\"incident.note\",\"id\":%llu,\"text\":\"t\"}",
                 (unsigned long long)id);
    } else if (strcmp(op, "incident.resolve") == 0) {
        snprintf(json, sizeof(json), "{\"op\":\"incident.resolve\",\"id\":%llu,\"summary\":\"s\"}",
                 (unsigned long long)id);
    } else {
        snprintf(json, sizeof(json), "{\"op\":\"%s\",\"id\":%llu}", op, (unsigned long long)id);
    }
    fixture_expect_rejected(f, who, json, expected);
}

static const struct incident *incident_get(const struct fixture *f, uint64_t id) {
    const struct incident *in = incident_find(&f->e, id);
    if (in == NULL) fail_msg("no incident %llu in the state", (unsigned long long)id);
    return in;
}

/* An event's JSON (event_write_json), parsed. */
static json_t *event_json(const struct fixture *f, const struct event *ev, const char *who) {
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    event_write_json(&f->e, ev, f->e.s.height + 1, who, &w);
    json_error_t error;
    json_t *v = json_loadb((const char *)b.data, b.len, 0, &error);
    if (v == NULL) fail_msg("event JSON does not parse: %s", error.text);
    buf_free(&b);
    return v;
}

static const char *jstr(const json_t *obj, const char *path1, const char *path2) {
    const json_t *v = json_object_get(obj, path1);
    if (path2 != NULL) v = json_object_get(v, path2);
    if (!json_is_string(v)) fail_msg("%s.%s is not a string", path1, path2 ? path2 : "");
    return json_string_value(v);
}

static json_int_t jint(const json_t *obj, const char *path1, const char *path2) {
    const json_t *v = json_object_get(obj, path1);
    if (path2 != NULL) v = json_object_get(v, path2);
    if (!json_is_integer(v)) fail_msg("%s.%s is not an integer", path1, path2 ? path2 : "");
    return json_integer_value(v);
}

static void state_hex(struct fixture *f, char out[HASH_HEX_SIZE]) {
    next_block(f);
    fixture_state_hex(f, out);
}

/* --------------------------------------------------------------------- */
/* open, ack, note, resolve                                              */
/* --------------------------------------------------------------------- */

static void incident_open_ack_note_resolve_records_states_times_and_events(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    uint32_t alice = op_index(f, "alice"), bob = op_index(f, "bob"), ivy = op_index(f, "ivy");
    uint32_t usdw = fixture_asset(f, "USDW");

    block_at(f, FIXTURE_T0_NS + 10 * NS_PER_S);
    assert_ok(
        fixture_apply(f, "alice",
                      "{\"op\":\"incident.open\",\"severity\":\"P1\",\"title\":\"reserve short\","
                      "\"asset\":\"USDW\",\"alert\":\"" ALERT_HEX "\"}"));
    uint64_t open_seq = f->result.seq;
    assert_int_equal(f->events.count, 1);
    const struct event *ev = &f->events.items[0];
    assert_int_equal(ev->type, EVENT_INCIDENT_OPENED);
    assert_int_equal(ev->ref_id, 1);
    assert_int_equal(ev->asset, usdw);
    assert_int_equal(ev->code, 1);
    assert_int_equal(ev->who, alice);
    assert_int_equal((uint64_t)ev->value, ALERT_FP);
    json_t *j = event_json(f, ev, "alice");
    assert_string_equal(jstr(j, "type", NULL), "IncidentOpened");
    assert_string_equal(jstr(j, "asset", NULL), "USDW");
    assert_int_equal(jint(j, "data", "id"), 1);
    assert_string_equal(jstr(j, "data", "by"), "alice");
    assert_string_equal(jstr(j, "data", "severity"), "P1");
    assert_string_equal(jstr(j, "data", "title"), "reserve short");
    assert_string_equal(jstr(j, "data", "alert"), ALERT_HEX);
    json_decref(j);

    const struct incident *in = incident_get(f, 1);
    assert_int_equal(in->state, INCIDENT_OPEN);
    assert_int_equal(in->severity, 1);
    assert_int_equal(in->asset, usdw);
    assert_int_equal(in->alert, ALERT_FP);
    assert_int_equal(in->opened_ns, FIXTURE_T0_NS + 10 * NS_PER_S);
    assert_int_equal(in->opened_by, alice);
    assert_int_equal(in->open_seq, open_seq);
    assert_int_equal(in->open_block, 1);
    assert_int_equal(in->acked_ns, 0);
    assert_int_equal(in->resolved_ns, 0);
    assert_int_equal(in->resolve_block, 0);
    assert_int_equal(in->notes, 0);
    assert_string_equal(in->title, "reserve short");
    assert_ptr_equal(incident_for_alert(&f->e, ALERT_FP), in);
    assert_null(incident_for_alert(&f->e, 0));
    assert_null(incident_for_alert(&f->e, ALERT_FP + 1));
    assert_ptr_equal(incident_emergency(&f->e), in);

    /* A second, with no asset nor alert: JSON asset and alert are null. */
    uint64_t second = open_incident(f, "ivy", "p3", "disk 80%");
    assert_int_equal(second, 2);
    assert_int_equal(f->events.items[0].asset, EVENT_NO_ASSET);
    j = event_json(f, &f->events.items[0], "ivy");
    assert_true(json_is_null(json_object_get(j, "asset")));
    assert_true(json_is_null(json_object_get(json_object_get(j, "data"), "alert")));
    assert_string_equal(jstr(j, "data", "severity"), "P3");
    json_decref(j);
    assert_int_equal(incident_get(f, 2)->asset, INCIDENT_NO_ASSET);
    assert_int_equal(incident_get(f, 2)->alert, 0);

    /* Acknowledged 90 s later by bob. */
    block_at(f, FIXTURE_T0_NS + 100 * NS_PER_S);
    assert_ok(incident_op(f, "bob", "incident.ack", 1));
    assert_null(f->result.note);
    assert_int_equal(f->events.count, 1);
    ev = &f->events.items[0];
    assert_int_equal(ev->type, EVENT_INCIDENT_ACKNOWLEDGED);
    assert_int_equal(ev->who, bob);
    assert_int_equal(ev->flags, 0);
    assert_int_equal(ev->value, 90 * NS_PER_S);
    j = event_json(f, ev, "bob");
    assert_string_equal(jstr(j, "type", NULL), "IncidentAcknowledged");
    assert_string_equal(jstr(j, "data", "by"), "bob");
    assert_string_equal(jstr(j, "data", "after"), "90s");
    assert_true(json_is_false(json_object_get(json_object_get(j, "data"), "already")));
    json_decref(j);
    in = incident_get(f, 1);
    assert_int_equal(in->state, INCIDENT_ACKED);
    assert_int_equal(in->acked_ns, FIXTURE_T0_NS + 100 * NS_PER_S);
    assert_int_equal(in->acked_by, bob);
    assert_ptr_equal(incident_emergency(&f->e), in); /* acknowledged: still an emergency */

    /* Again, by alice, later: accepted, said so, the first ack kept. */
    block_at(f, FIXTURE_T0_NS + 200 * NS_PER_S);
    assert_ok(incident_op(f, "alice", "incident.ack", 1));
    assert_non_null(f->result.note);
    assert_string_equal(f->result.note, "already acknowledged");
    assert_int_equal(f->events.items[0].flags, 1);
    j = event_json(f, &f->events.items[0], "alice");
    assert_true(json_is_true(json_object_get(json_object_get(j, "data"), "already")));
    assert_string_equal(jstr(j, "data", "after"), "90s");
    json_decref(j);
    assert_int_equal(incident_get(f, 1)->acked_by, bob);
    assert_int_equal(incident_get(f, 1)->acked_ns, FIXTURE_T0_NS + 100 * NS_PER_S);

    /* Notes count. */
    assert_ok(incident_op(f, "ivy", "incident.note", 1));
    assert_int_equal(f->events.count, 1);
    assert_int_equal(f->events.items[0].type, EVENT_INCIDENT_NOTED);
    assert_int_equal(f->events.items[0].who, ivy);
    j = event_json(f, &f->events.items[0], "ivy");
    assert_string_equal(jstr(j, "type", NULL), "IncidentNoted");
    assert_int_equal(jint(j, "data", "id"), 1);
    assert_string_equal(jstr(j, "data", "by"), "ivy");
    json_decref(j);
    assert_ok(incident_op(f, "bob", "incident.note", 1));
    assert_int_equal(incident_get(f, 1)->notes, 2);
    assert_int_equal(incident_get(f, 2)->notes, 0);

    /* Resolved an hour after it opened. */
    block_at(f, FIXTURE_T0_NS + 10 * NS_PER_S + HOUR_NS);
    uint64_t height = f->e.s.height;
    assert_ok(incident_op(f, "alice", "incident.resolve", 1));
    uint64_t resolve_seq = f->result.seq;
    ev = &f->events.items[0];
    assert_int_equal(ev->type, EVENT_INCIDENT_RESOLVED);
    assert_int_equal(ev->value, HOUR_NS);
    j = event_json(f, ev, "alice");
    assert_string_equal(jstr(j, "type", NULL), "IncidentResolved");
    assert_string_equal(jstr(j, "data", "after"), "1h");
    assert_string_equal(jstr(j, "data", "severity"), "P1");
    json_decref(j);
    in = incident_get(f, 1);
    assert_int_equal(in->state, INCIDENT_RESOLVED);
    assert_int_equal(in->resolved_ns, FIXTURE_T0_NS + 10 * NS_PER_S + HOUR_NS);
    assert_int_equal(in->resolved_by, alice);
    assert_int_equal(in->resolve_seq, resolve_seq);
    assert_int_equal(in->resolve_block, height + 1);
    assert_int_equal(in->acked_by, bob); /* already acknowledged: kept */
    assert_null(incident_for_alert(&f->e, ALERT_FP));
    assert_null(incident_emergency(&f->e));

    /* A note on a resolved incident is allowed (the write-up goes on). */
    assert_ok(incident_op(f, "ivy", "incident.note", 1));
    assert_int_equal(incident_get(f, 1)->notes, 3);
    /* Ack or resolve it again: refused, nothing changed. */
    incident_op_rejected(f, "bob", "incident.ack", 1, ERR_INCIDENT_RESOLVED);
    incident_op_rejected(f, "bob", "incident.resolve", 1, ERR_INCIDENT_RESOLVED);
    assert_int_equal(incident_get(f, 1)->resolved_by, alice);
    assert_int_equal(engine_check_invariants(&f->e), 0);

    assert_string_equal(incident_state_name(INCIDENT_OPEN), "open");
    assert_string_equal(incident_state_name(INCIDENT_ACKED), "acknowledged");
    assert_string_equal(incident_state_name(INCIDENT_RESOLVED), "resolved");
    fixture_close(f);
}

static void incident_resolve_of_open_incident_acknowledges_it(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    uint64_t id = open_incident(f, "alice", "P0", "everything is down");
    block_at(f, FIXTURE_T0_NS + 4 * MIN_NS);
    assert_ok(incident_op(f, "ivy", "incident.resolve", id));
    const struct incident *in = incident_get(f, id);
    assert_int_equal(in->state, INCIDENT_RESOLVED);
    assert_int_equal(in->acked_ns, FIXTURE_T0_NS + 4 * MIN_NS);
    assert_int_equal(in->acked_by, op_index(f, "ivy"));
    assert_int_equal(in->resolved_ns, in->acked_ns);
    assert_false(incident_overdue(in, FIXTURE_T0_NS + 10 * HOUR_NS));
    fixture_close(f);
}

static void incident_unknown_id_not_found_with_detail(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    static const char *const ops[] = {"incident.ack", "incident.note", "incident.resolve"};
    for (unsigned i = 0; i < 3; i++) {
        incident_op_rejected(f, "alice", ops[i], 1, ERR_NOT_FOUND);
        assert_string_equal(f->result.detail, "no incident 1");
    }
    uint64_t id = open_incident(f, "alice", "P2", "slow");
    assert_int_equal(id, 1);
    for (unsigned i = 0; i < 3; i++) {
        incident_op_rejected(f, "alice", ops[i], 2, ERR_NOT_FOUND);
        assert_string_equal(f->result.detail, "no incident 2");
        incident_op_rejected(f, "alice", ops[i], 4000000000000ull, ERR_NOT_FOUND);
        assert_string_equal(f->result.detail, "no incident 4000000000000");
    }
    /* id 0 is not an id: refused at decode */
    struct command cmd;
    assert_err(fixture_decode(f, "{\"op\":\"incident.ack\",\"id\":0}", &cmd), ERR_INVALID_ARGUMENT);
    fixture_close(f);
}

static void incident_ops_need_incident_manager(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    uint64_t id = open_incident(f, "ivy", "P2", "slow");
    fixture_expect_rejected(f, "dave",
                            "{\"op\":\"incident.open\",\"severity\":\"P2\",\"title\":\"t\"}",
                            ERR_UNAUTHORIZED);
    fixture_expect_rejected(f, "carol",
                            "{\"op\":\"incident.open\",\"severity\":\"P2\",\"title\":\"t\"}",
                            ERR_UNAUTHORIZED); /* an admin without the role */
    incident_op_rejected(f, "carol", "incident.ack", id, ERR_UNAUTHORIZED);
    incident_op_rejected(f, "dave", "incident.note", id, ERR_UNAUTHORIZED);
    incident_op_rejected(f, "dave", "incident.resolve", id, ERR_UNAUTHORIZED);
    fixture_expect_rejected(f, "carol",
                            "{\"op\":\"maintenance.start\",\"duration\":\"1h\",\"reason\":\"r\"}",
                            ERR_UNAUTHORIZED);
    fixture_expect_rejected(f, "nobody",
                            "{\"op\":\"incident.open\",\"severity\":\"P2\",\"title\":\"t\"}",
                            ERR_UNAUTHORIZED);
    fixture_close(f);
}

/* Bad input is refused at decode, naming the field; it never reaches
 * the state (whose hash is unchanged after all of them). */
static void incident_bad_input_refused_at_decode(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    char before[HASH_HEX_SIZE];
    state_hex(f, before);
    struct command cmd;
    static const char *const severities[] = {"\"P4\"", "\"p9\"",  "\"\"", "\"P\"", "\"P10\"",
                                             "\"Q1\"", "\" P1\"", "1",    "true",  "\"P-1\""};
    for (size_t i = 0; i < sizeof(severities) / sizeof(severities[0]); i++) {
        char json[160];
        snprintf(json, sizeof(json), "{\"op\":\"incident.open\",\"severity\":%s,\"title\":\"t\"}",
                 severities[i]);
        if (fixture_decode(f, json, &cmd) != ERR_INVALID_ARGUMENT)
            fail_msg("severity %s accepted", severities[i]);
        assert_non_null(strstr(f->why, "severity"));
    }
    for (int s = 0; s < 4; s++) {
        char json[96];
        snprintf(json, sizeof(json),
                 "{\"op\":\"incident.open\",\"severity\":\"%c%d\",\"title\":\"t\"}",
                 s % 2 ? 'p' : 'P', s);
        assert_ok(fixture_decode(f, json, &cmd));
        assert_int_equal(cmd.severity, s);
    }
    char title95[96], title96[97];
    memset(title95, 'x', 95);
    title95[95] = '\0';
    memset(title96, 'y', 96);
    title96[96] = '\0';
    const char *titles[] = {
        "\"\"",         "\" \"",        "\"     \"",       title96, "\"a\\tb\"", "\"a\\nb\"",
        "\"\\u0000x\"", "\"x\\u007f\"", "\"\\u001b[31m\"", "12",    "null"};
    char quoted96[100];
    snprintf(quoted96, sizeof(quoted96), "\"%s\"", title96);
    titles[3] = quoted96;
    for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
        char json[256];
        snprintf(json, sizeof(json), "{\"op\":\"incident.open\",\"severity\":\"P2\",\"title\":%s}",
                 titles[i]);
        if (fixture_decode(f, json, &cmd) != ERR_INVALID_ARGUMENT)
            fail_msg("title %s accepted", titles[i]);
        assert_non_null(strstr(f->why, "title"));
        /* the same rules for a maintenance window's reason */
        snprintf(json, sizeof(json),
                 "{\"op\":\"maintenance.start\",\"duration\":\"1h\",\"reason\":%s}", titles[i]);
        if (fixture_decode(f, json, &cmd) != ERR_INVALID_ARGUMENT)
            fail_msg("reason %s accepted", titles[i]);
    }
    /* 95 bytes, and UTF-8, are fine */
    assert_ok(fixture_applyf(
        f, "alice", "{\"op\":\"incident.open\",\"severity\":\"P2\",\"title\":\"%s\"}", title95));
    assert_string_equal(incident_get(f, 1)->title, title95);
    assert_ok(fixture_apply(
        f, "alice", "{\"op\":\"incident.open\",\"severity\":\"P2\",\"title\":\" caf\\u00e9 \"}"));
    assert_string_equal(incident_get(f, 2)->title, " caf\xc3\xa9 ");
    state_hex(f, before); /* from here, nothing may change */

    static const char *const alerts[] = {"\"deadbeef\"",          "\"00000000deadbee\"",
                                         "\"00000000deadbeef0\"", "\"0000000000000000\"",
                                         "\"00000000deadbeeg\"",  "\"\"",
                                         "\"0x000000deadbeef\"",  "16",
                                         "\" 0000000deadbeef\""};
    for (size_t i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++) {
        char json[160];
        snprintf(json, sizeof(json),
                 "{\"op\":\"incident.open\",\"severity\":\"P1\",\"title\":\"t\",\"alert\":%s}",
                 alerts[i]);
        if (fixture_decode(f, json, &cmd) != ERR_INVALID_ARGUMENT)
            fail_msg("alert %s accepted", alerts[i]);
        assert_non_null(strstr(f->why, "alert"));
    }
    assert_ok(fixture_decode(f,
                             "{\"op\":\"incident.open\",\"severity\":\"P1\",\"title\":\"t\","
                             "\"alert\":\"ffffffffffffffff\"}",
                             &cmd));
    assert_int_equal(cmd.alert, UINT64_MAX);
    assert_ok(fixture_decode(f,
                             "{\"op\":\"incident.open\",\"severity\":\"P1\",\"title\":\"t\","
                             "\"alert\":\"0000000000000001\"}",
                             &cmd));
    assert_int_equal(cmd.alert, 1);
    /* missing and unknown fields, an unknown asset */
    assert_err(fixture_decode(f, "{\"op\":\"incident.open\",\"title\":\"t\"}", &cmd),
               ERR_MISSING_FIELD);
    assert_err(fixture_decode(f, "{\"op\":\"incident.open\",\"severity\":\"P1\"}", &cmd),
               ERR_MISSING_FIELD);
    assert_err(
        fixture_decode(
            f, "{\"op\":\"incident.open\",\"severity\":\"P1\",\"title\":\"t\",\"summary\":\"s\"}",
            &cmd),
        ERR_UNKNOWN_FIELD);
    assert_err(
        fixture_decode(
            f, "{\"op\":\"incident.open\",\"severity\":\"P1\",\"title\":\"t\",\"asset\":\"NOPE\"}",
            &cmd),
        ERR_UNKNOWN_ASSET);
    assert_err(fixture_decode(f, "{\"op\":\"incident.note\",\"id\":1}", &cmd), ERR_MISSING_FIELD);
    assert_err(fixture_decode(f, "{\"op\":\"incident.resolve\",\"id\":1}", &cmd),
               ERR_MISSING_FIELD);
    assert_err(fixture_decode(f, "{\"op\":\"maintenance.start\",\"duration\":\"1h\"}", &cmd),
               ERR_MISSING_FIELD);
    assert_err(fixture_decode(f, "{\"op\":\"maintenance.start\",\"reason\":\"r\"}", &cmd),
               ERR_MISSING_FIELD);
    assert_err(fixture_decode(
                   f, "{\"op\":\"maintenance.start\",\"duration\":\"0s\",\"reason\":\"r\"}", &cmd),
               ERR_INVALID_DURATION);
    assert_err(fixture_decode(f, "{\"op\":\"maintenance.end\",\"reason\":\"r\"}", &cmd),
               ERR_UNKNOWN_FIELD);
    char after[HASH_HEX_SIZE];
    state_hex(f, after);
    assert_string_equal(before, after);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* the table of LIMIT_INCIDENTS                                          */
/* --------------------------------------------------------------------- */

static void incident_table_full_drops_oldest_resolved_then_refuses(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    for (uint32_t i = 1; i <= LIMIT_INCIDENTS; i++) {
        assert_int_equal(open_incident(f, "ivy", "P3", "one of many"), i);
    }
    assert_int_equal(f->e.s.inc.incidents_count, LIMIT_INCIDENTS);
    assert_ok(incident_op(f, "ivy", "incident.resolve", 9));
    assert_ok(incident_op(f, "ivy", "incident.resolve", 5));
    next_block(f);

    /* the 129th drops the oldest resolved one (5, not 9: by id) */
    assert_int_equal(open_incident(f, "ivy", "P2", "the 129th"), LIMIT_INCIDENTS + 1);
    assert_int_equal(f->e.s.inc.incidents_count, LIMIT_INCIDENTS);
    assert_null(incident_find(&f->e, 5));
    assert_non_null(incident_find(&f->e, 9));
    assert_non_null(incident_find(&f->e, 4));
    for (uint32_t i = 1; i < f->e.s.inc.incidents_count; i++) {
        assert_true(f->e.s.inc.incidents[i - 1].id < f->e.s.inc.incidents[i].id);
    }
    /* 5's record is in the journal only */
    incident_op_rejected(f, "ivy", "incident.note", 5, ERR_NOT_FOUND);
    assert_non_null(strstr(f->result.detail, "older than the 128 kept"));
    incident_op_rejected(f, "ivy", "incident.ack", 500, ERR_NOT_FOUND);
    assert_string_equal(f->result.detail, "no incident 500");

    assert_int_equal(open_incident(f, "ivy", "P2", "the 130th"), LIMIT_INCIDENTS + 2);
    assert_null(incident_find(&f->e, 9));

    /* every one open: the next is refused, nothing changes */
    fixture_expect_rejected(
        f, "ivy", "{\"op\":\"incident.open\",\"severity\":\"P0\",\"title\":\"one too many\"}",
        ERR_LIMIT_REACHED);
    assert_non_null(strstr(f->result.detail, "128 incidents are open"));
    assert_int_equal(f->e.s.inc.next_incident_id, LIMIT_INCIDENTS + 2);
    /* an acknowledged one is still open for this purpose */
    assert_ok(incident_op(f, "ivy", "incident.ack", 1));
    fixture_expect_rejected(f, "ivy",
                            "{\"op\":\"incident.open\",\"severity\":\"P0\",\"title\":\"t\"}",
                            ERR_LIMIT_REACHED);
    /* resolving one makes room again */
    assert_ok(incident_op(f, "ivy", "incident.resolve", 100));
    assert_int_equal(open_incident(f, "ivy", "P0", "room again"), LIMIT_INCIDENTS + 3);
    assert_null(incident_find(&f->e, 100));

    /* the full table survives a snapshot */
    struct fixture *g = fixture_from_snapshot(f, NULL);
    assert_int_equal(g->e.s.inc.incidents_count, LIMIT_INCIDENTS);
    assert_string_equal(incident_get(g, LIMIT_INCIDENTS + 3)->title, "room again");
    assert_int_equal(incident_get(g, 1)->state, INCIDENT_ACKED);
    fixture_close(g);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* acknowledge targets and overdue                                       */
/* --------------------------------------------------------------------- */

static void incident_overdue_exactly_at_target_is_not_one_ns_past_is(void **state) {
    (void)state;
    static const int64_t target_s[4] = {5 * 60, 30 * 60, 2 * 3600, 24 * 3600};
    for (unsigned s = 0; s < 4; s++)
        assert_int_equal(incident_ack_target_ns(s), target_s[s] * NS_PER_S);
    assert_int_equal(incident_ack_target_ns(4), 0);

    struct fixture *f = open_inc(0, NULL, NULL);
    block_at(f, FIXTURE_T0_NS + 7); /* an odd time, so that ns matter */
    static const char *const sev[4] = {"P0", "P1", "P2", "P3"};
    uint64_t ids[4];
    for (unsigned s = 0; s < 4; s++)
        ids[s] = open_incident(f, "ivy", sev[s], "late");
    for (unsigned s = 0; s < 4; s++) {
        const struct incident *in = incident_get(f, ids[s]);
        int64_t target = in->opened_ns + incident_ack_target_ns(s);
        assert_false(incident_overdue(in, in->opened_ns));
        assert_false(incident_overdue(in, target - 1));
        assert_false(incident_overdue(in, target));
        assert_true(incident_overdue(in, target + 1));
        assert_true(incident_overdue(in, target + 1000 * HOUR_NS));
        /* the next severity's target is later still: P0 at P1's target is overdue */
        if (s > 0) assert_true(incident_overdue(incident_get(f, ids[s - 1]), target));
    }
    /* acknowledged or resolved: never overdue */
    block_at(f, FIXTURE_T0_NS + 2 * HOUR_NS);
    assert_ok(incident_op(f, "ivy", "incident.ack", ids[0]));
    assert_ok(incident_op(f, "ivy", "incident.resolve", ids[1]));
    assert_false(incident_overdue(incident_get(f, ids[0]), FIXTURE_T0_NS + 100 * HOUR_NS));
    assert_false(incident_overdue(incident_get(f, ids[1]), FIXTURE_T0_NS + 100 * HOUR_NS));
    assert_true(incident_overdue(incident_get(f, ids[2]), FIXTURE_T0_NS + 100 * HOUR_NS));

    for (unsigned s = 0; s < 4; s++) {
        assert_string_equal(incident_severity_name(s), sev[s]);
        assert_int_equal(incident_severity_parse(sev[s], 2), (int)s);
    }
    assert_string_equal(incident_severity_name(4), "?");
    assert_int_equal(incident_severity_parse("P4", 2), -1);
    assert_int_equal(incident_severity_parse("P1", 1), -1);
    assert_int_equal(incident_severity_parse("P1x", 3), -1);
    assert_int_equal(incident_severity_parse("", 0), -1);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* maintenance windows                                                   */
/* --------------------------------------------------------------------- */

static void maintenance_start_active_until_its_end(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    uint32_t ivy = op_index(f, "ivy");
    assert_null(maintenance_active(&f->e, FIXTURE_T0_NS));
    block_at(f, FIXTURE_T0_NS + 5);
    assert_ok(fixture_apply(
        f, "ivy", "{\"op\":\"maintenance.start\",\"duration\":\"2h\",\"reason\":\"upgrade\"}"));
    assert_null(f->result.note);
    assert_int_equal(f->events.count, 1);
    const struct event *ev = &f->events.items[0];
    assert_int_equal(ev->type, EVENT_MAINTENANCE_STARTED);
    assert_int_equal(ev->ref_id, 1);
    assert_int_equal(ev->value, 2 * HOUR_NS);
    assert_int_equal(ev->who, ivy);
    json_t *j = event_json(f, ev, "ivy");
    assert_string_equal(jstr(j, "type", NULL), "MaintenanceStarted");
    assert_int_equal(jint(j, "data", "id"), 1);
    assert_string_equal(jstr(j, "data", "by"), "ivy");
    assert_string_equal(jstr(j, "data", "duration"), "2h");
    json_decref(j);

    int64_t start = FIXTURE_T0_NS + 5;
    const struct maintenance *m = maintenance_active(&f->e, start);
    assert_non_null(m);
    assert_int_equal(m->id, 1);
    assert_int_equal(m->start_ns, start);
    assert_int_equal(m->until_ns, start + 2 * HOUR_NS);
    assert_int_equal(m->ended_ns, 0);
    assert_int_equal(m->by, ivy);
    assert_string_equal(m->reason, "upgrade");
    assert_null(maintenance_active(&f->e, start - 1));
    assert_ptr_equal(maintenance_active(&f->e, start + 2 * HOUR_NS - 1), m);
    assert_null(maintenance_active(&f->e, start + 2 * HOUR_NS));

    /* past its end, maintenance.end finds none */
    block_at(f, start + 2 * HOUR_NS);
    fixture_expect_rejected(f, "ivy", "{\"op\":\"maintenance.end\"}", ERR_NOT_FOUND);
    assert_string_equal(f->result.detail, "no maintenance window is in force");
    /* a window that ran out is not ended: a new one starts alone */
    assert_ok(fixture_apply(
        f, "ivy", "{\"op\":\"maintenance.start\",\"duration\":\"7d\",\"reason\":\"a week\"}"));
    assert_int_equal(f->events.count, 1);
    assert_null(f->result.note);
    assert_int_equal(f->e.s.inc.maintenance[0].ended_ns, 0);
    assert_int_equal(maintenance_active(&f->e, f->e.s.time_ns)->id, 2);
    fixture_close(f);
}

static void maintenance_longer_than_seven_days_refused(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    fixture_expect_rejected(
        f, "ivy", "{\"op\":\"maintenance.start\",\"duration\":\"604801s\",\"reason\":\"r\"}",
        ERR_INVALID_DURATION);
    assert_string_equal(f->result.detail, "a maintenance window lasts at most 7d");
    fixture_expect_rejected(f, "ivy",
                            "{\"op\":\"maintenance.start\",\"duration\":\"8d\",\"reason\":\"r\"}",
                            ERR_INVALID_DURATION);
    /* 7d + 1 ns: not typeable, but a journal could carry it */
    struct command cmd;
    assert_ok(fixture_decode(
        f, "{\"op\":\"maintenance.start\",\"duration\":\"7d\",\"reason\":\"r\"}", &cmd));
    assert_int_equal(cmd.duration_ns, MAINTENANCE_MAX_NS);
    cmd.duration_ns += 1;
    cmd.operator_index = op_index(f, "ivy");
    block_at(f, f->e.s.time_ns);
    struct buf before, after;
    buf_init(&before);
    buf_init(&after);
    engine__state_write(&f->e.s, &before);
    assert_err(fixture_apply_cmd(f, &cmd), ERR_INVALID_DURATION);
    assert_int_equal(f->events.count, 0);
    f->e.s.next_seq--;
    engine__state_write(&f->e.s, &after);
    f->e.s.next_seq++;
    assert_int_equal(before.len, after.len);
    assert_memory_equal(before.data, after.data, before.len);
    buf_free(&before);
    buf_free(&after);
    /* exactly 7d is accepted */
    cmd.duration_ns -= 1;
    assert_ok(fixture_apply_cmd(f, &cmd));
    assert_int_equal(f->e.s.inc.maintenance[0].until_ns - f->e.s.inc.maintenance[0].start_ns,
                     MAINTENANCE_MAX_NS);
    fixture_close(f);
}

static void maintenance_start_while_active_replaces_it(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    uint32_t bob = op_index(f, "bob");
    assert_ok(fixture_apply(
        f, "ivy", "{\"op\":\"maintenance.start\",\"duration\":\"2h\",\"reason\":\"first\"}"));
    block_at(f, FIXTURE_T0_NS + 30 * MIN_NS);
    assert_ok(fixture_apply(
        f, "bob", "{\"op\":\"maintenance.start\",\"duration\":\"4h\",\"reason\":\"longer\"}"));
    assert_non_null(f->result.note);
    assert_string_equal(f->result.note, "replaces the window in force");
    assert_int_equal(f->events.count, 2);
    const struct event *end = &f->events.items[0];
    const struct event *start = &f->events.items[1];
    assert_int_equal(end->type, EVENT_MAINTENANCE_ENDED);
    assert_int_equal(end->ref_id, 1);
    assert_int_equal(end->value, 30 * MIN_NS);
    assert_int_equal(end->who, bob);
    json_t *j = event_json(f, end, "bob");
    assert_string_equal(jstr(j, "type", NULL), "MaintenanceEnded");
    assert_string_equal(jstr(j, "data", "lasted"), "30m");
    json_decref(j);
    assert_int_equal(start->type, EVENT_MAINTENANCE_STARTED);
    assert_int_equal(start->ref_id, 2);
    assert_int_equal(f->e.s.inc.maintenance_count, 2);
    const struct maintenance *old = &f->e.s.inc.maintenance[0];
    assert_int_equal(old->ended_ns, FIXTURE_T0_NS + 30 * MIN_NS);
    assert_int_equal(old->ended_by, bob);
    const struct maintenance *m = maintenance_active(&f->e, FIXTURE_T0_NS + 3 * HOUR_NS);
    assert_non_null(m);
    assert_int_equal(m->id, 2);
    assert_int_equal(m->until_ns, FIXTURE_T0_NS + 30 * MIN_NS + 4 * HOUR_NS);
    assert_string_equal(m->reason, "longer");

    /* shortened the same way; then ended by hand */
    block_at(f, FIXTURE_T0_NS + HOUR_NS);
    assert_ok(fixture_apply(
        f, "ivy", "{\"op\":\"maintenance.start\",\"duration\":\"1s\",\"reason\":\"short\"}"));
    assert_int_equal(f->events.count, 2);
    assert_int_equal(maintenance_active(&f->e, FIXTURE_T0_NS + HOUR_NS)->id, 3);
    assert_null(maintenance_active(&f->e, FIXTURE_T0_NS + HOUR_NS + NS_PER_S));
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"maintenance.end\"}"));
    assert_int_equal(f->events.count, 1);
    assert_int_equal(f->events.items[0].type, EVENT_MAINTENANCE_ENDED);
    assert_int_equal(f->events.items[0].ref_id, 3);
    assert_int_equal(f->events.items[0].value, 0);
    j = event_json(f, &f->events.items[0], "alice");
    assert_string_equal(jstr(j, "data", "lasted"), "0s");
    json_decref(j);
    assert_null(maintenance_active(&f->e, FIXTURE_T0_NS + HOUR_NS));
    assert_int_equal(f->e.s.inc.maintenance[2].ended_by, op_index(f, "alice"));
    fixture_expect_rejected(f, "alice", "{\"op\":\"maintenance.end\"}", ERR_NOT_FOUND);
    /* a new one after an ended one starts alone */
    assert_ok(fixture_apply(
        f, "ivy", "{\"op\":\"maintenance.start\",\"duration\":\"1h\",\"reason\":\"again\"}"));
    assert_int_equal(f->events.count, 1);
    assert_int_equal(f->e.s.inc.maintenance_count, 4);
    fixture_close(f);
}

static void maintenance_end_without_window_not_found(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    block_at(f, FIXTURE_T0_NS);
    struct buf before, after;
    buf_init(&before);
    buf_init(&after);
    engine__state_write(&f->e.s, &before);
    fixture_expect_rejected(f, "ivy", "{\"op\":\"maintenance.end\"}", ERR_NOT_FOUND);
    assert_string_equal(f->result.detail, "no maintenance window is in force");
    /* the refusal wrote no "inc" section: the bytes are as long as before */
    engine__state_write(&f->e.s, &after);
    assert_int_equal(before.len, after.len);
    assert_int_equal(f->e.s.inc.next_maintenance_id, 0);
    buf_free(&before);
    buf_free(&after);
    fixture_close(f);
}

static void maintenance_ring_keeps_the_last_windows(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    uint32_t total = LIMIT_MAINTENANCE + 5;
    for (uint32_t i = 1; i <= total; i++) {
        block_at(f, FIXTURE_T0_NS + (int64_t)i * MIN_NS);
        assert_ok(fixture_applyf(
            f, "ivy", "{\"op\":\"maintenance.start\",\"duration\":\"1h\",\"reason\":\"w%u\"}", i));
        assert_int_equal(f->events.items[f->events.count - 1].ref_id, i);
    }
    const struct incident_book *b = &f->e.s.inc;
    assert_int_equal(b->maintenance_count, LIMIT_MAINTENANCE);
    assert_int_equal(b->next_maintenance_id, total);
    for (uint32_t k = 0; k < LIMIT_MAINTENANCE; k++) {
        const struct maintenance *m = &b->maintenance[k];
        uint32_t id = total - LIMIT_MAINTENANCE + 1 + k;
        assert_int_equal(m->id, id);
        char reason[16];
        snprintf(reason, sizeof(reason), "w%u", id);
        assert_string_equal(m->reason, reason);
        /* each replaced by the next, the last in force */
        if (k + 1 < LIMIT_MAINTENANCE) assert_int_equal(m->ended_ns, m->start_ns + MIN_NS);
    }
    assert_int_equal(maintenance_active(&f->e, f->e.s.time_ns)->id, total);
    struct fixture *g = fixture_from_snapshot(f, NULL);
    assert_int_equal(g->e.s.inc.maintenance_count, LIMIT_MAINTENANCE);
    assert_int_equal(maintenance_active(&g->e, g->e.s.time_ns)->id, total);
    fixture_close(g);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* the system operator                                                   */
/* --------------------------------------------------------------------- */

/* pause needs two approvals and mint_halt waits an hour, for people. */
static json_t *strict_policies(void) {
    json_t *p = json_array();
    add_policy(p, "pause", "2", NULL);
    add_policy(p, "mint_halt", "1", "1h");
    add_policy(p, "incident.open", "2", NULL);
    return p;
}

static void system_genesis_makes_it_without_roles(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    assert_int_equal(engine_system_operator(&f->e), UINT32_MAX);
    assert_int_equal(engine_operator_find(&f->e, "system", 6), -1);
    fixture_close(f);

    f = open_inc(WITH_SYSTEM, NULL, NULL);
    uint32_t sys = op_index(f, "system");
    assert_int_equal(engine_system_operator(&f->e), sys);
    assert_int_equal(f->e.s.operators[sys].roles, 0);
    char pk[65];
    fixture_pubkey_hex(200, pk);
    char have[65];
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        have[2 * i] = digits[f->e.s.operators[sys].pubkey[i] >> 4];
        have[2 * i + 1] = digits[f->e.s.operators[sys].pubkey[i] & 15];
    }
    have[64] = '\0';
    assert_string_equal(have, pk);
    fixture_close(f);

    /* a malformed entry, or one clashing with an operator, is refused */
    struct fixture *e = fixture_open_empty(64);
    char why[256];
    json_t *doc = inc_genesis(0, NULL, NULL);
    json_object_set_new(doc, "system", json_pack("{s:s, s:[s]}", "pubkey", pk, "roles", "admin"));
    assert_err(engine_genesis(&e->e, doc, FIXTURE_T0_NS, why, sizeof(why)), ERR_INVALID_GENESIS);
    json_object_set_new(doc, "system", json_string(pk));
    assert_err(engine_genesis(&e->e, doc, FIXTURE_T0_NS, why, sizeof(why)), ERR_INVALID_GENESIS);
    fixture_genesis_add_operator(doc, "system", "");
    json_object_set_new(doc, "system", json_pack("{s:s}", "pubkey", pk));
    assert_err(engine_genesis(&e->e, doc, FIXTURE_T0_NS, why, sizeof(why)), ERR_INVALID_GENESIS);
    json_decref(doc);
    fixture_close(e);
}

static void system_runs_pause_and_mint_halt_at_once_whatever_the_policy(void **state) {
    (void)state;
    struct fixture *f = open_inc(WITH_SYSTEM, NULL, strict_policies());
    uint32_t sys = op_index(f, "system");
    uint32_t usdw = fixture_asset(f, "USDW"), gold = fixture_asset(f, "GOLD");
    /* people wait */
    assert_ok(fixture_pause(f, "alice", "USDW"));
    assert_int_equal(f->result.pending, APPLY_PROPOSED);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"mint_halt\",\"asset\":\"GOLD\"}"));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    assert_false(f->e.s.assets[usdw].paused);
    assert_false(f->e.s.assets[gold].mint_halted);
    /* the system does not */
    assert_ok(fixture_pause(f, "system", "USDW"));
    assert_int_equal(f->result.pending, APPLY_DONE);
    assert_true(f->e.s.assets[usdw].paused);
    assert_int_equal(f->events.items[0].type, EVENT_PAUSED);
    assert_ok(fixture_apply(f, "system", "{\"op\":\"mint_halt\",\"asset\":\"GOLD\"}"));
    assert_int_equal(f->result.pending, APPLY_DONE);
    assert_true(f->e.s.assets[gold].mint_halted);
    assert_ok(fixture_pause(f, "system", NULL));
    assert_true(f->e.s.paused);
    /* incident.open (policy: two approvals) and note, at once */
    assert_ok(fixture_apply(
        f, "system",
        "{\"op\":\"incident.open\",\"severity\":\"P0\",\"title\":\"reserve below 100%\","
        "\"asset\":\"USDW\",\"alert\":\"" ALERT_HEX "\"}"));
    assert_int_equal(f->result.pending, APPLY_DONE);
    const struct incident *in = incident_get(f, 1);
    assert_int_equal(in->opened_by, sys);
    assert_ptr_equal(incident_for_alert(&f->e, ALERT_FP), in);
    assert_ok(incident_op(f, "system", "incident.note", 1));
    assert_int_equal(incident_get(f, 1)->notes, 1);
    json_t *j = event_json(f, &f->events.items[0], "system");
    assert_string_equal(jstr(j, "data", "by"), "system");
    json_decref(j);
    /* a person's incident.open waits for its policy */
    assert_ok(
        fixture_apply(f, "ivy", "{\"op\":\"incident.open\",\"severity\":\"P3\",\"title\":\"t\"}"));
    assert_int_equal(f->result.pending, APPLY_PROPOSED);
    assert_int_equal(engine_check_invariants(&f->e), 0);
    fixture_close(f);
}

static void system_may_run_nothing_else(void **state) {
    (void)state;
    json_t *p = json_array();
    add_policy(p, "unpause", "1", NULL);
    add_policy(p, "mint_resume", "1", NULL);
    struct fixture *f = open_inc(WITH_SYSTEM, "1", p);
    assert_ok(fixture_pause(f, "system", "USDW"));
    assert_ok(fixture_apply(f, "system", "{\"op\":\"mint_halt\",\"asset\":\"GOLD\"}"));
    uint64_t id = open_incident(f, "system", "P1", "auto");
    assert_ok(
        fixture_apply(f, "alice", "{\"op\":\"caps.set\",\"asset\":\"USDW\",\"supply_cap\":\"5\"}"));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"freeze\",\"address\":\"" ADDR_3 "\"}"));
    assert_int_equal(f->result.pending, APPLY_PROPOSED); /* proposal 1, for approve and cancel */
    char json[200];
    static const char *const refused[] = {
        "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" ADDR_1 "\",\"amount\":\"1\"}",
        "{\"op\":\"burn\",\"asset\":\"USDW\",\"from\":\"" ADDR_1 "\",\"amount\":\"1\"}",
        "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" ADDR_1 "\",\"to\":\"" ADDR_2
        "\",\"amount\":\"1\"}",
        "{\"op\":\"unpause\",\"asset\":\"USDW\"}",
        "{\"op\":\"unpause\"}",
        "{\"op\":\"mint_resume\",\"asset\":\"GOLD\"}",
        "{\"op\":\"role.grant\",\"name\":\"dave\",\"role\":\"pauser\"}",
        "{\"op\":\"role.revoke\",\"name\":\"dave\",\"role\":\"viewer\"}",
        "{\"op\":\"approve\",\"id\":1}",
        "{\"op\":\"cancel\",\"id\":1}",
        "{\"op\":\"timelock.execute\",\"id\":1}",
        "{\"op\":\"timelock.cancel\",\"id\":1}",
        "{\"op\":\"timelock.expedite\",\"id\":1}",
        "{\"op\":\"incident.ack\",\"id\":1}",
        "{\"op\":\"incident.resolve\",\"id\":1,\"summary\":\"s\"}",
        "{\"op\":\"maintenance.start\",\"duration\":\"1h\",\"reason\":\"r\"}",
        "{\"op\":\"maintenance.end\"}",
        "{\"op\":\"dev.advance\",\"duration\":\"1h\"}",
        "{\"op\":\"caps.set\",\"asset\":\"USDW\",\"supply_cap\":\"1\"}",
        "{\"op\":\"policy.set\",\"target_op\":\"mint\",\"approvals\":1}",
        "{\"op\":\"freeze\",\"address\":\"" ADDR_1 "\"}",
        "{\"op\":\"blacklist.add\",\"address\":\"" ADDR_1 "\"}",
        "{\"op\":\"operator.remove\",\"name\":\"dave\"}",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        snprintf(json, sizeof(json), "%s", refused[i]);
        fixture_expect_rejected(f, "system", json, ERR_UNAUTHORIZED);
    }
    assert_int_equal(incident_get(f, id)->state, INCIDENT_OPEN);
    assert_ok(fixture_unpause(f, "alice", "USDW")); /* people lift what it did */
    assert_false(f->e.s.assets[fixture_asset(f, "USDW")].paused);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"mint_resume\",\"asset\":\"GOLD\"}"));
    assert_false(f->e.s.assets[fixture_asset(f, "GOLD")].mint_halted);
    fixture_close(f);
}

static void system_role_grant_refused(void **state) {
    (void)state;
    json_t *p = json_array();
    add_policy(p, "role.grant", "1", "0s");
    struct fixture *f = open_inc(WITH_SYSTEM, NULL, p);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"role.grant\",\"name\":\"system\",\"role\":\"pauser\"}",
                            ERR_INVALID_ARGUMENT);
    assert_string_equal(f->result.detail, "the system operator holds no role (SPEC 9)");
    fixture_expect_rejected(
        f, "alice",
        "{\"op\":\"role.grant\",\"name\":\"system\",\"role\":\"minter\",\"asset\":\"USDW\"}",
        ERR_INVALID_ARGUMENT);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"role.grant\",\"name\":\"system\",\"role\":\"admin\"}",
                            ERR_INVALID_ARGUMENT);
    assert_int_equal(f->e.s.operators[op_index(f, "system")].roles, 0);
    /* others still get theirs */
    assert_ok(
        fixture_apply(f, "alice", "{\"op\":\"role.grant\",\"name\":\"dave\",\"role\":\"pauser\"}"));
    fixture_close(f);

    /* under the default one-day timelock: refused when submitted, not a day later */
    f = open_inc(WITH_SYSTEM, NULL, NULL);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"role.grant\",\"name\":\"system\",\"role\":\"pauser\"}",
                            ERR_INVALID_ARGUMENT);
    assert_int_equal(f->e.s.timelock_count, 0);
    fixture_close(f);
}

static void system_removed_may_run_nothing(void **state) {
    (void)state;
    json_t *p = json_array();
    add_policy(p, "operator.remove", "1", "0s");
    add_policy(p, "operator.add", "1", "0s");
    add_policy(p, "role.grant", "1", "0s");
    struct fixture *f = open_inc(WITH_SYSTEM, NULL, p);
    uint32_t sys = op_index(f, "system");
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"operator.remove\",\"name\":\"system\"}"));
    assert_true(f->e.s.operators[sys].removed);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"role.grant\",\"name\":\"system\",\"role\":\"pauser\"}",
                            ERR_NOT_FOUND);
    /* its commands (a journal could hold one signed before) are refused */
    struct command cmd;
    assert_ok(fixture_decode(f, "{\"op\":\"pause\",\"asset\":\"USDW\"}", &cmd));
    cmd.operator_index = sys;
    assert_err(fixture_apply_cmd(f, &cmd), ERR_UNAUTHORIZED);
    assert_false(f->e.s.assets[fixture_asset(f, "USDW")].paused);
    /* added again with a new key: the same slot, the system again */
    char pk[65];
    fixture_pubkey_hex(201, pk);
    assert_ok(fixture_applyf(
        f, "alice", "{\"op\":\"operator.add\",\"name\":\"system\",\"pubkey\":\"%s\"}", pk));
    assert_int_equal(op_index(f, "system"), sys);
    assert_int_equal(engine_system_operator(&f->e), sys);
    assert_ok(fixture_pause(f, "system", "USDW"));
    fixture_close(f);
}

static void system_operator_add_on_ledger_without_one_makes_it(void **state) {
    (void)state;
    json_t *p = json_array();
    add_policy(p, "pause", "2", NULL);
    struct fixture *f = open_inc(0, NULL, p);
    char before[HASH_HEX_SIZE];
    state_hex(f, before);
    char pk[65];
    fixture_pubkey_hex(202, pk);
    /* another name does not make a system operator */
    assert_ok(fixture_applyf(
        f, "alice", "{\"op\":\"operator.add\",\"name\":\"systems\",\"pubkey\":\"%s\"}", pk));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED); /* SPEC 4: a day */
    uint64_t other = f->result.pending_id;
    fixture_pubkey_hex(203, pk);
    assert_ok(fixture_applyf(
        f, "alice", "{\"op\":\"operator.add\",\"name\":\"system\",\"pubkey\":\"%s\"}", pk));
    uint64_t entry = f->result.pending_id;
    block_at(f, FIXTURE_T0_NS + NS_PER_DAY);
    assert_ok(fixture_applyf(f, "carol", "{\"op\":\"timelock.execute\",\"id\":%llu}",
                             (unsigned long long)other));
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_int_equal(engine_system_operator(&f->e), UINT32_MAX);
    assert_ok(fixture_applyf(f, "carol", "{\"op\":\"timelock.execute\",\"id\":%llu}",
                             (unsigned long long)entry));
    assert_int_equal(f->result.ran_err, ERR_OK);
    uint32_t sys = op_index(f, "system");
    assert_int_equal(engine_system_operator(&f->e), sys);
    assert_int_equal(f->e.s.operators[sys].roles, 0);
    assert_ok(fixture_pause(f, "system", "USDW"));
    assert_int_equal(f->result.pending, APPLY_DONE);
    fixture_expect_rejected(f, "system", J_MINT("USDW", ADDR_1, "1"), ERR_UNAUTHORIZED);
    /* the section is written from now on, and survives a snapshot */
    struct fixture *g = fixture_from_snapshot(f, NULL);
    assert_int_equal(engine_system_operator(&g->e), sys);
    fixture_close(g);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* timelock.expedite                                                     */
/* --------------------------------------------------------------------- */

/* A caps.set of USDW's supply cap (one day's timelock by default, SPEC 4):
 * the entry's id. */
static uint64_t schedule_cap(struct fixture *f, const char *cap) {
    assert_ok(fixture_applyf(
        f, "alice", "{\"op\":\"caps.set\",\"asset\":\"USDW\",\"supply_cap\":\"%s\"}", cap));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    assert_int_equal(f->result.eta_ns, f->e.s.time_ns + NS_PER_DAY);
    return f->result.pending_id;
}

static enum err expedite(struct fixture *f, const char *who, uint64_t id) {
    return fixture_applyf(f, who, "{\"op\":\"timelock.expedite\",\"id\":%llu}",
                          (unsigned long long)id);
}

static enum err approve(struct fixture *f, const char *who, uint64_t id) {
    return fixture_applyf(f, who, "{\"op\":\"approve\",\"id\":%llu}", (unsigned long long)id);
}

static u128 usdw_cap(const struct fixture *f) {
    return f->e.s.assets[fixture_asset(f, "USDW")].supply_cap;
}

static int has_event(const struct fixture *f, enum event_type type) {
    for (uint32_t i = 0; i < f->events.count; i++) {
        if (f->events.items[i].type == type) return 1;
    }
    return 0;
}

static void expedite_refused_without_emergency_or_entry(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    uint64_t entry = schedule_cap(f, "5");
    char json[96];
    snprintf(json, sizeof(json), "{\"op\":\"timelock.expedite\",\"id\":%llu}",
             (unsigned long long)entry);
    fixture_expect_rejected(f, "alice", json, ERR_NO_EMERGENCY);
    fixture_expect_rejected(f, "alice", "{\"op\":\"timelock.expedite\",\"id\":99}", ERR_NOT_FOUND);
    /* P2 and P3 are not emergencies */
    open_incident(f, "ivy", "P2", "slow");
    open_incident(f, "ivy", "P3", "slower");
    assert_null(incident_emergency(&f->e));
    fixture_expect_rejected(f, "alice", json, ERR_NO_EMERGENCY);
    /* a resolved P1 is not either */
    uint64_t p1 = open_incident(f, "ivy", "P1", "bad");
    assert_ok(incident_op(f, "ivy", "incident.resolve", p1));
    fixture_expect_rejected(f, "alice", json, ERR_NO_EMERGENCY);
    /* not an admin: refused before anything else */
    open_incident(f, "ivy", "P1", "bad again");
    fixture_expect_rejected(f, "ivy", json, ERR_UNAUTHORIZED);
    fixture_expect_rejected(f, "dave", json, ERR_UNAUTHORIZED);
    fixture_expect_rejected(f, "alice", "{\"op\":\"timelock.expedite\",\"id\":99}", ERR_NOT_FOUND);
    assert_int_equal(f->e.s.proposals_count, 0);
    fixture_close(f);
}

static void expedite_with_p1_needs_three_admins_and_runs_before_eta(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    uint64_t entry = schedule_cap(f, "5");
    uint64_t p3 = open_incident(f, "ivy", "P3", "noise");
    uint64_t p1 = open_incident(f, "ivy", "P1", "reserve short");
    block_at(f, FIXTURE_T0_NS + HOUR_NS);
    assert_ok(expedite(f, "alice", entry));
    assert_int_equal(f->result.pending, APPLY_PROPOSED);
    uint64_t proposal = f->result.pending_id;
    assert_int_equal(f->events.items[0].type, EVENT_PROPOSAL_CREATED);
    assert_int_equal(f->events.items[0].flags, 3);
    char json[96];
    snprintf(json, sizeof(json), "{\"op\":\"approve\",\"id\":%llu}", (unsigned long long)proposal);
    fixture_expect_rejected(f, "alice", json, ERR_SAME_OPERATOR);
    fixture_expect_rejected(f, "ivy", json, ERR_UNAUTHORIZED); /* not an admin */
    fixture_expect_rejected(f, "dave", json, ERR_UNAUTHORIZED);
    assert_ok(approve(f, "bob", proposal));
    assert_int_equal(f->result.pending, APPLY_PROPOSED);
    assert_int_equal(f->result.ran_id, 0);
    fixture_expect_rejected(f, "bob", json, ERR_SAME_OPERATOR);
    u128 cap_before = usdw_cap(f);

    /* the third admin: the entry runs, 23 hours before its eta */
    block_at(f, FIXTURE_T0_NS + 2 * HOUR_NS);
    assert_ok(approve(f, "carol", proposal));
    assert_int_equal(f->result.ran_id, proposal);
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_u128_equal(usdw_cap(f), fixture_amount(f, "USDW", "5"));
    assert_true(usdw_cap(f) != cap_before);
    assert_int_equal(f->e.s.timelock_count, 0);
    assert_true(has_event(f, EVENT_PROPOSAL_EXECUTED));
    const struct event *ex = NULL;
    for (uint32_t i = 0; i < f->events.count; i++) {
        if (f->events.items[i].type == EVENT_TIMELOCK_EXPEDITED) ex = &f->events.items[i];
    }
    assert_non_null(ex);
    assert_int_equal(ex->ref_id, entry);
    assert_int_equal(ex->ref_op, OP_CAPS_SET);
    assert_int_equal(ex->value, (int64_t)p1);
    json_t *j = event_json(f, ex, "carol");
    assert_string_equal(jstr(j, "type", NULL), "TimelockExpedited");
    assert_int_equal(jint(j, "data", "id"), (json_int_t)entry);
    assert_string_equal(jstr(j, "data", "op"), "caps.set");
    assert_int_equal(jint(j, "data", "incident"), (json_int_t)p1);
    json_decref(j);
    assert_false(has_event(f, EVENT_TIMELOCK_EXECUTED));
    assert_int_equal(incident_get(f, p1)->expedites, 1);
    assert_int_equal(incident_get(f, p3)->expedites, 0);
    /* it is gone from the timelock */
    snprintf(json, sizeof(json), "{\"op\":\"timelock.execute\",\"id\":%llu}",
             (unsigned long long)entry);
    fixture_expect_rejected(f, "alice", json, ERR_NOT_FOUND);
    assert_int_equal(engine_check_invariants(&f->e), 0);
    fixture_close(f);
}

static void expedite_names_the_p0_before_an_older_p1(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, "1", NULL);
    uint64_t entry = schedule_cap(f, "7");
    open_incident(f, "ivy", "P1", "older");
    uint64_t p0 = open_incident(f, "ivy", "P0", "worse");
    open_incident(f, "ivy", "P0", "worse still, later");
    assert_ok(expedite(f, "alice", entry)); /* one approval: at once */
    assert_int_equal(f->result.pending, APPLY_DONE);
    assert_int_equal(f->result.ran_id, entry);
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_int_equal(f->events.items[0].type, EVENT_TIMELOCK_EXPEDITED);
    assert_int_equal(f->events.items[0].value, (int64_t)p0);
    assert_int_equal(incident_get(f, p0)->expedites, 1);
    assert_u128_equal(usdw_cap(f), fixture_amount(f, "USDW", "7"));
    fixture_close(f);
}

static void expedite_incident_resolved_before_last_approval_fails_release(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    uint64_t entry = schedule_cap(f, "5");
    u128 cap = usdw_cap(f);
    uint64_t p1 = open_incident(f, "ivy", "P1", "reserve short");
    assert_ok(expedite(f, "alice", entry));
    uint64_t proposal = f->result.pending_id;
    assert_ok(approve(f, "bob", proposal));
    assert_ok(incident_op(f, "ivy", "incident.resolve", p1));
    /* a P2 opened meanwhile does not count */
    open_incident(f, "ivy", "P2", "minor");
    assert_ok(approve(f, "carol", proposal)); /* the approval stands */
    assert_int_equal(f->result.ran_id, proposal);
    assert_int_equal(f->result.ran_err, ERR_NO_EMERGENCY);
    assert_int_equal(f->events.count, 2);
    assert_int_equal(f->events.items[0].type, EVENT_PROPOSAL_APPROVED);
    assert_int_equal(f->events.items[1].type, EVENT_PROPOSAL_FAILED);
    assert_int_equal(f->events.items[1].code, ERR_NO_EMERGENCY);
    json_t *j = event_json(f, &f->events.items[1], "carol");
    assert_string_equal(jstr(j, "data", "error"), "ERR_NO_EMERGENCY");
    json_decref(j);
    /* the entry waits for its eta as before */
    assert_u128_equal(usdw_cap(f), cap);
    assert_int_equal(f->e.s.timelock_count, 1);
    assert_int_equal(f->e.s.proposals_count, 0);
    assert_int_equal(incident_get(f, p1)->expedites, 0);
    block_at(f, FIXTURE_T0_NS + NS_PER_DAY);
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"timelock.execute\",\"id\":%llu}",
                             (unsigned long long)entry));
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_u128_equal(usdw_cap(f), fixture_amount(f, "USDW", "5"));
    fixture_close(f);
}

/* The entry itself fails when expedited: recorded as TimelockFailed; the
 * approval's result names the proposal and carries the entry's error. */
static void expedite_of_failing_entry_reports_its_error(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, NULL, NULL);
    char pk[65];
    fixture_pubkey_hex(210, pk);
    assert_ok(fixture_applyf(f, "alice",
                             "{\"op\":\"operator.add\",\"name\":\"zed\",\"pubkey\":\"%s\"}", pk));
    uint64_t first = f->result.pending_id;
    fixture_pubkey_hex(211, pk);
    assert_ok(fixture_applyf(f, "alice",
                             "{\"op\":\"operator.add\",\"name\":\"zed\",\"pubkey\":\"%s\"}", pk));
    uint64_t second = f->result.pending_id;
    uint64_t p0 = open_incident(f, "ivy", "P0", "keys");
    /* the first, expedited by three admins */
    assert_ok(expedite(f, "bob", first));
    uint64_t proposal = f->result.pending_id;
    assert_ok(approve(f, "alice", proposal));
    assert_ok(approve(f, "carol", proposal));
    assert_int_equal(f->result.ran_id, proposal);
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_true(engine_operator_find(&f->e, "zed", 3) >= 0);
    /* the second now fails: zed exists */
    assert_ok(expedite(f, "bob", second));
    proposal = f->result.pending_id;
    assert_ok(approve(f, "alice", proposal));
    assert_ok(approve(f, "carol", proposal));
    assert_int_equal(f->result.ran_id, proposal);
    assert_int_equal(f->result.ran_err, ERR_ALREADY_EXISTS);
    assert_true(has_event(f, EVENT_PROPOSAL_EXECUTED));
    assert_true(has_event(f, EVENT_TIMELOCK_FAILED));
    assert_false(has_event(f, EVENT_TIMELOCK_EXPEDITED));
    assert_false(has_event(f, EVENT_OPERATOR_ADDED));
    assert_int_equal(f->e.s.timelock_count, 0); /* closed as failed */
    assert_int_equal(incident_get(f, p0)->expedites, 2);
    fixture_close(f);
}

static void expedite_past_its_grace_expired(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, "1", NULL);
    uint64_t entry = schedule_cap(f, "5");
    block_at(f, FIXTURE_T0_NS + NS_PER_DAY + GOVERNANCE_TIMELOCK_GRACE + 1);
    open_incident(f, "ivy", "P1", "late");
    char json[96];
    snprintf(json, sizeof(json), "{\"op\":\"timelock.expedite\",\"id\":%llu}",
             (unsigned long long)entry);
    fixture_expect_rejected(f, "alice", json, ERR_TIMELOCK_EXPIRED);
    fixture_close(f);
}

static void expedite_emergency_approvals_from_genesis(void **state) {
    (void)state;
    struct fixture *f = open_inc(0, "2", NULL);
    uint64_t entry = schedule_cap(f, "5");
    open_incident(f, "ivy", "P1", "reserve short");
    assert_ok(expedite(f, "alice", entry));
    assert_int_equal(f->result.pending, APPLY_PROPOSED);
    assert_int_equal(f->events.items[0].flags, 2);
    assert_ok(approve(f, "bob", f->result.pending_id));
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_true(f->result.ran_id != 0);
    assert_u128_equal(usdw_cap(f), fixture_amount(f, "USDW", "5"));
    fixture_close(f);

    /* with a timelock.expedite policy too: refused (policy.set would change
     * one row while the other decides) */
    struct fixture *e = fixture_open_empty(64);
    char why[256] = "";
    json_t *pol = json_array();
    add_policy(pol, "timelock.expedite", "4", NULL);
    json_t *doc = inc_genesis(0, "2", pol);
    assert_err(engine_genesis(&e->e, doc, FIXTURE_T0_NS, why, sizeof(why)), ERR_INVALID_GENESIS);
    assert_non_null(strstr(why, "emergency_approvals"));
    json_decref(doc);
    fixture_close(e);
    /* either alone is fine, and policy.set then changes what decides */
    pol = json_array();
    add_policy(pol, "timelock.expedite", "2", NULL);
    add_policy(pol, "policy.set", "1", "0s");
    f = open_inc(0, NULL, pol);
    uint32_t approvals;
    int64_t delay;
    engine_policy(&f->e, OP_TIMELOCK_EXPEDITE, -1, &approvals, &delay);
    assert_int_equal(approvals, 2);
    assert_ok(fixture_apply(
        f, "alice", "{\"op\":\"policy.set\",\"target_op\":\"timelock.expedite\",\"approvals\":3}"));
    engine_policy(&f->e, OP_TIMELOCK_EXPEDITE, -1, &approvals, &delay);
    assert_int_equal(approvals, 3);
    fixture_close(f);
    f = open_inc(
        0, "2",
        json_pack("[{s:s, s:s, s:s}]", "op", "policy.set", "approvals", "1", "timelock", "0s"));
    assert_ok(fixture_apply(
        f, "alice", "{\"op\":\"policy.set\",\"target_op\":\"timelock.expedite\",\"approvals\":1}"));
    engine_policy(&f->e, OP_TIMELOCK_EXPEDITE, -1, &approvals, &delay);
    assert_int_equal(approvals, 1);
    fixture_close(f);

    /* out of range: refused */
    static const char *const bad[] = {"0", "17", "-1", "x", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        e = fixture_open_empty(64);
        doc = inc_genesis(0, bad[i], NULL);
        assert_err(engine_genesis(&e->e, doc, FIXTURE_T0_NS, why, sizeof(why)),
                   ERR_INVALID_GENESIS);
        assert_non_null(strstr(why, "emergency_approvals"));
        json_decref(doc);
        fixture_close(e);
    }
}

/* --------------------------------------------------------------------- */
/* state bytes                                                           */
/* --------------------------------------------------------------------- */

/* The "inc" section's size with n incidents and m windows. */
#define INC_HEAD 20u
#define INC_RECORD 192u
#define MAINT_RECORD 136u
static size_t inc_section_size(uint32_t n, uint32_t m) {
    return INC_HEAD + n * INC_RECORD + 12u + m * MAINT_RECORD;
}

/* A ledger without system, incident or window: no section; its state hash
 * is the one the engine of commit 18ac7d6 (before this module) computed
 * for the same genesis and commands. */
static void state_without_incidents_writes_no_section_and_keeps_hash(void **state) {
    (void)state;
    struct fixture *f = fixture_open(NULL, FIXTURE_T0_NS);
    char hex[HASH_HEX_SIZE];
    fixture_state_hex(f, hex);
    assert_string_equal(hex, "c9ac4909a0d106b11e152a5e2eb06c2c68876c6ce04629b0e4990dfc64fa5271");
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "100"));
    assert_ok(fixture_transfer(f, "alice", "USDW", ADDR_1, ADDR_2, "40"));
    assert_ok(fixture_pause(f, "alice", "GOLD"));
    assert_ok(fixture_advance(f, "alice", "1h"));
    next_block(f);
    fixture_state_hex(f, hex);
    assert_string_equal(hex, "37b5fd5347f38270aa4489133e037aca2ec9c356db0f84d8969effc2c555bafa");

    /* the bytes are a prefix of those with a system operator added, which
     * end with exactly the section */
    struct buf plain, with;
    buf_init(&plain);
    buf_init(&with);
    engine__state_write(&f->e.s, &plain);
    f->e.s.inc.has_system = 1;
    f->e.s.inc.system_operator = 2;
    engine__state_write(&f->e.s, &with);
    f->e.s.inc.has_system = 0;
    f->e.s.inc.system_operator = 0;
    assert_int_equal(with.len, plain.len + inc_section_size(0, 0));
    assert_memory_equal(with.data, plain.data, plain.len);
    assert_memory_equal(with.data + plain.len, "inc", 3);
    assert_true(plain.len < 3 ||
                memcmp(plain.data + plain.len - inc_section_size(0, 0), "inc", 3) != 0);
    buf_free(&plain);
    buf_free(&with);
    fixture_close(f);
}

static struct fixture *busy_ledger(void) {
    struct fixture *f = open_inc(WITH_SYSTEM, NULL, NULL);
    open_incident(f, "system", "P0", "auto");
    assert_ok(fixture_apply(f, "ivy",
                            "{\"op\":\"incident.open\",\"severity\":\"P2\",\"title\":\"gold feed\","
                            "\"asset\":\"GOLD\",\"alert\":\"0123456789abcdef\"}"));
    open_incident(f, "ivy", "P3", "third");
    block_at(f, FIXTURE_T0_NS + MIN_NS);
    assert_ok(incident_op(f, "bob", "incident.ack", 1));
    assert_ok(incident_op(f, "bob", "incident.note", 1));
    assert_ok(incident_op(f, "bob", "incident.resolve", 2));
    assert_ok(fixture_apply(
        f, "ivy", "{\"op\":\"maintenance.start\",\"duration\":\"2h\",\"reason\":\"first\"}"));
    block_at(f, FIXTURE_T0_NS + 2 * MIN_NS);
    assert_ok(fixture_apply(
        f, "ivy", "{\"op\":\"maintenance.start\",\"duration\":\"3h\",\"reason\":\"second\"}"));
    next_block(f);
    return f;
}

static void state_snapshot_round_trip_keeps_hash(void **state) {
    (void)state;
    struct fixture *f = busy_ledger();
    char h1[HASH_HEX_SIZE], h2[HASH_HEX_SIZE];
    fixture_state_hex(f, h1);
    block_at(f, f->e.s.time_ns); /* an empty block: the hash moves by its height only */
    struct fixture *g = fixture_from_snapshot(f, NULL); /* asserts equal hashes */
    fixture_state_hex(f, h1);
    fixture_state_hex(g, h2);
    assert_string_equal(h1, h2);
    assert_memory_equal(&f->e.s.inc, &g->e.s.inc, sizeof(f->e.s.inc));
    assert_int_equal(incident_get(g, 2)->alert, UINT64_C(0x0123456789abcdef));
    assert_int_equal(maintenance_active(&g->e, g->e.s.time_ns)->id, 2);
    /* both go on the same way */
    assert_ok(incident_op(f, "ivy", "incident.resolve", 1));
    assert_ok(incident_op(g, "ivy", "incident.resolve", 1));
    next_block(f);
    next_block(g);
    fixture_state_hex(f, h1);
    fixture_state_hex(g, h2);
    assert_string_equal(h1, h2);
    /* and every state change of the module moves the hash */
    char h3[HASH_HEX_SIZE];
    assert_ok(incident_op(g, "ivy", "incident.note", 1));
    state_hex(g, h3);
    assert_string_not_equal(h2, h3);
    fixture_close(g);
    fixture_close(f);
}

/* Read a snapshot with one change made by `patch` at the inc section's
 * offset; returns engine_snapshot_read's answer. */
typedef void (*patch_fn)(uint8_t *inc);

static enum err read_patched(const struct buf *snap, size_t inc_at, patch_fn patch) {
    uint8_t *copy = malloc(snap->len);
    assert_non_null(copy);
    memcpy(copy, snap->data, snap->len);
    patch(copy + inc_at);
    struct fixture *g = fixture_open_empty(64);
    enum err err = engine_snapshot_read(&g->e, copy, snap->len);
    if (err == ERR_OK && incident_find(&g->e, 1) != NULL && incident_find(&g->e, 1)->notes != 0) {
        err = ERR_INTERNAL; /* the positive control below expects notes 0 */
    }
    fixture_close(g);
    free(copy);
    return err;
}

#define REC(k) (INC_HEAD + (k)*INC_RECORD)
static void patch_state_9(uint8_t *inc) { inc[REC(0) + 95] = 9; }
static void patch_state_0(uint8_t *inc) { inc[REC(1) + 95] = 0; }
static void patch_severity_4(uint8_t *inc) { inc[REC(0) + 94] = 4; }
static void patch_asset(uint8_t *inc) { inc[REC(1) + 92] = 7, inc[REC(1) + 93] = 0; }
static void patch_ids(uint8_t *inc) { memcpy(inc + REC(1), inc + REC(0), 8); }
static void patch_id_ahead(uint8_t *inc) { inc[REC(2)] = 9; } /* beyond next_incident_id */
static void patch_has_system(uint8_t *inc) { inc[3] = 2; }
static void patch_system_index(uint8_t *inc) { inc[4] = 99; }
static void patch_title_tail(uint8_t *inc) { inc[REC(0) + 96 + 90] = 'x'; }
static void patch_title_empty(uint8_t *inc) { memset(inc + REC(0) + 96, 0, 96); }
static void patch_resolved_unresolved(uint8_t *inc) { inc[REC(1) + 95] = INCIDENT_OPEN; }
static void patch_opened_by(uint8_t *inc) { inc[REC(0) + 72] = 200; }
static void patch_count(uint8_t *inc) { inc[16] = 200; }
static void patch_window_until(uint8_t *inc) {
    size_t m = INC_HEAD + 3 * INC_RECORD + 12;
    memcpy(inc + m + 16, inc + m + 8, 8); /* until = start */
}
static void patch_window_ids(uint8_t *inc) {
    size_t m = INC_HEAD + 3 * INC_RECORD + 12;
    memcpy(inc + m + MAINT_RECORD, inc + m, 8);
}
static void patch_notes_zero(uint8_t *inc) { memset(inc + REC(0) + 84, 0, 4); } /* valid */

static void state_corrupted_section_refused(void **state) {
    (void)state;
    struct fixture *f = busy_ledger();
    struct buf snap;
    buf_init(&snap);
    engine_snapshot_write(&f->e, &snap);
    assert_true(buf_ok(&snap));
    uint64_t small_len = 0;
    for (unsigned i = 0; i < 8; i++)
        small_len |= (uint64_t)snap.data[i] << (8 * i);
    size_t inc_at = 8 + (size_t)small_len - inc_section_size(3, 2);
    assert_memory_equal(snap.data + inc_at, "inc", 3);

    /* the positive control: a valid change reads (notes 1 -> 0) */
    assert_int_equal(incident_get(f, 1)->notes, 1);
    assert_err(read_patched(&snap, inc_at, patch_notes_zero), ERR_OK);
    static const struct {
        const char *what;
        patch_fn patch;
    } bad[] = {
        {"state 9", patch_state_9},
        {"state 0", patch_state_0},
        {"severity 4", patch_severity_4},
        {"asset out of range", patch_asset},
        {"ids not ascending", patch_ids},
        {"id beyond the next", patch_id_ahead},
        {"has_system 2", patch_has_system},
        {"system operator out of range", patch_system_index},
        {"bytes after the title's NUL", patch_title_tail},
        {"empty title", patch_title_empty},
        {"resolved in a block but open", patch_resolved_unresolved},
        {"opened by no one", patch_opened_by},
        {"too many incidents", patch_count},
        {"window ends at its start", patch_window_until},
        {"window ids not ascending", patch_window_ids},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        enum err err = read_patched(&snap, inc_at, bad[i].patch);
        if (err != ERR_IO) fail_msg("%s: read as %s", bad[i].what, err_name(err));
    }
    /* cut short, or a byte more */
    struct fixture *g = fixture_open_empty(64);
    uint8_t *copy = malloc(snap.len + 1);
    assert_non_null(copy);
    memcpy(copy, snap.data, snap.len);
    small_len -= 1;
    for (unsigned i = 0; i < 8; i++)
        copy[i] = (uint8_t)(small_len >> (8 * i));
    memmove(copy + 8 + small_len, copy + 8 + small_len + 1, snap.len - 8 - small_len - 1);
    assert_err(engine_snapshot_read(&g->e, copy, snap.len - 1), ERR_IO);
    free(copy);
    fixture_close(g);
    buf_free(&snap);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* the journal's binary form                                             */
/* --------------------------------------------------------------------- */

static void command_bin_incident_open_round_trips_with_second_word(void **state) {
    (void)state;
    assert_true(FIELD_TEXT >= 31 && FIELD_SEVERITY >= 31 && FIELD_ALERT >= 31);
    struct fixture *f = open_inc(0, NULL, NULL);
    struct command cmd;
    assert_ok(
        fixture_decode(f,
                       "{\"op\":\"incident.open\",\"severity\":\"P1\",\"title\":\"reserve short\","
                       "\"asset\":\"GOLD\",\"alert\":\"" ALERT_HEX "\"}",
                       &cmd));
    cmd.operator_index = 4;
    struct buf b;
    buf_init(&b);
    command_encode(&cmd, &b);
    assert_true(buf_ok(&b));
    /* header 12 + the second word 4 + text 1+13 + severity 1 + alert 8 */
    assert_int_equal(b.len, 12 + 4 + 14 + 1 + 8);
    assert_int_equal(b.data[11] & 0x80, 0x80);
    uint32_t high = (uint32_t)b.data[12] | (uint32_t)b.data[13] << 8 | (uint32_t)b.data[14] << 16 |
                    (uint32_t)b.data[15] << 24;
    assert_int_equal(high, (uint32_t)(cmd.present >> 31));
    struct buf_reader r;
    buf_reader_init(&r, b.data, b.len);
    struct command back;
    memset(&back, 0x5a, sizeof(back));
    assert_int_equal(command_decode_bin(&f->e, &r, &back), 0);
    assert_int_equal(r.pos, b.len);
    assert_int_equal(back.op, OP_INCIDENT_OPEN);
    assert_int_equal(back.present, cmd.present);
    assert_int_equal(back.asset, fixture_asset(f, "GOLD"));
    assert_int_equal(back.operator_index, 4);
    assert_int_equal(back.severity, 1);
    assert_int_equal(back.alert, ALERT_FP);
    assert_string_equal(back.text, "reserve short");
    struct buf again;
    buf_init(&again);
    command_encode(&back, &again);
    assert_int_equal(again.len, b.len);
    assert_memory_equal(again.data, b.data, b.len);
    buf_free(&again);

    /* bit 31 set with a zero second word: refused */
    uint8_t *copy = malloc(b.len);
    assert_non_null(copy);
    memcpy(copy, b.data, b.len);
    memset(copy + 12, 0, 4);
    buf_reader_init(&r, copy, b.len);
    assert_int_equal(command_decode_bin(&f->e, &r, &back), -1);
    /* kinds the op does not take in the second word: refused */
    memcpy(copy, b.data, b.len);
    copy[15] |= 0x40;
    buf_reader_init(&r, copy, b.len);
    assert_int_equal(command_decode_bin(&f->e, &r, &back), -1);
    /* severity 4, alert 0, a text with a control character, a text too long */
    size_t text_at = 16, sev_at = 16 + 14, alert_at = sev_at + 1;
    memcpy(copy, b.data, b.len);
    copy[sev_at] = 4;
    buf_reader_init(&r, copy, b.len);
    assert_int_equal(command_decode_bin(&f->e, &r, &back), -1);
    memcpy(copy, b.data, b.len);
    memset(copy + alert_at, 0, 8);
    buf_reader_init(&r, copy, b.len);
    assert_int_equal(command_decode_bin(&f->e, &r, &back), -1);
    memcpy(copy, b.data, b.len);
    copy[text_at + 3] = '\n';
    buf_reader_init(&r, copy, b.len);
    assert_int_equal(command_decode_bin(&f->e, &r, &back), -1);
    memcpy(copy, b.data, b.len);
    copy[text_at] = 96;
    buf_reader_init(&r, copy, b.len);
    assert_int_equal(command_decode_bin(&f->e, &r, &back), -1);
    /* short anywhere */
    for (size_t cut = 1; cut <= b.len; cut++) {
        buf_reader_init(&r, b.data, b.len - cut);
        if (command_decode_bin(&f->e, &r, &back) != -1) fail_msg("cut %zu decodes", cut);
    }
    free(copy);
    buf_free(&b);

    /* a command with low kinds only keeps the one-word form (a mint: bit 31
     * clear; setting it with a zero second word is refused) */
    assert_ok(fixture_decode(f, J_MINT("USDW", ADDR_1, "1"), &cmd));
    buf_init(&b);
    command_encode(&cmd, &b);
    assert_int_equal(b.data[11] & 0x80, 0);
    assert_int_equal(b.len, 48);
    copy = malloc(b.len + 4);
    assert_non_null(copy);
    memcpy(copy, b.data, 12);
    memset(copy + 12, 0, 4);
    memcpy(copy + 16, b.data + 12, b.len - 12);
    copy[11] |= 0x80; /* the two-word form, saying nothing more: a second form of the same record */
    buf_reader_init(&r, copy, b.len + 4);
    assert_int_equal(command_decode_bin(&f->e, &r, &back), -1);
    copy[12] = 1; /* a kind above 30 that mint does not take */
    buf_reader_init(&r, copy, b.len + 4);
    assert_int_equal(command_decode_bin(&f->e, &r, &back), -1);
    free(copy);
    buf_free(&b);
    /* maintenance.start: duration (low) and reason (high) */
    assert_ok(fixture_decode(
        f, "{\"op\":\"maintenance.start\",\"duration\":\"2h\",\"reason\":\"upgrade\"}", &cmd));
    buf_init(&b);
    command_encode(&cmd, &b);
    buf_reader_init(&r, b.data, b.len);
    assert_int_equal(command_decode_bin(&f->e, &r, &back), 0);
    assert_int_equal(back.duration_ns, 2 * HOUR_NS);
    assert_string_equal(back.text, "upgrade");
    buf_free(&b);
    /* maintenance.end: nothing at all */
    assert_ok(fixture_decode(f, "{\"op\":\"maintenance.end\"}", &cmd));
    buf_init(&b);
    command_encode(&cmd, &b);
    assert_int_equal(b.len, 12);
    buf_free(&b);
    fixture_close(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(incident_open_ack_note_resolve_records_states_times_and_events),
        cmocka_unit_test(incident_resolve_of_open_incident_acknowledges_it),
        cmocka_unit_test(incident_unknown_id_not_found_with_detail),
        cmocka_unit_test(incident_ops_need_incident_manager),
        cmocka_unit_test(incident_bad_input_refused_at_decode),
        cmocka_unit_test(incident_table_full_drops_oldest_resolved_then_refuses),
        cmocka_unit_test(incident_overdue_exactly_at_target_is_not_one_ns_past_is),
        cmocka_unit_test(maintenance_start_active_until_its_end),
        cmocka_unit_test(maintenance_longer_than_seven_days_refused),
        cmocka_unit_test(maintenance_start_while_active_replaces_it),
        cmocka_unit_test(maintenance_end_without_window_not_found),
        cmocka_unit_test(maintenance_ring_keeps_the_last_windows),
        cmocka_unit_test(system_genesis_makes_it_without_roles),
        cmocka_unit_test(system_runs_pause_and_mint_halt_at_once_whatever_the_policy),
        cmocka_unit_test(system_may_run_nothing_else),
        cmocka_unit_test(system_role_grant_refused),
        cmocka_unit_test(system_removed_may_run_nothing),
        cmocka_unit_test(system_operator_add_on_ledger_without_one_makes_it),
        cmocka_unit_test(expedite_refused_without_emergency_or_entry),
        cmocka_unit_test(expedite_with_p1_needs_three_admins_and_runs_before_eta),
        cmocka_unit_test(expedite_names_the_p0_before_an_older_p1),
        cmocka_unit_test(expedite_incident_resolved_before_last_approval_fails_release),
        cmocka_unit_test(expedite_of_failing_entry_reports_its_error),
        cmocka_unit_test(expedite_past_its_grace_expired),
        cmocka_unit_test(expedite_emergency_approvals_from_genesis),
        cmocka_unit_test(state_without_incidents_writes_no_section_and_keeps_hash),
        cmocka_unit_test(state_snapshot_round_trip_keeps_hash),
        cmocka_unit_test(state_corrupted_section_refused),
        cmocka_unit_test(command_bin_incident_open_round_trips_with_second_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
