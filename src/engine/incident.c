/*
 * incident.c - incidents, maintenance windows and the system operator's
 * authority (incident.h).
 */
#include "incident.h"

#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/duration.h"
#include "engine.h"
#include "engine_internal.h"

static const char *const incident__severity[INCIDENT_SEVERITIES] = {"P0", "P1", "P2", "P3"};

/* SPEC 9: P0 5 min, P1 30 min, P2 2 h, P3 24 h. */
static const int64_t incident__target_s[INCIDENT_SEVERITIES] = {5 * 60, 30 * 60, 2 * 3600, 24 * 3600};

const char *incident_severity_name(unsigned severity) {
    return severity < INCIDENT_SEVERITIES ? incident__severity[severity] : "?";
}

int incident_severity_parse(const char *text, size_t len) {
    if (len != 2 || (text[0] != 'P' && text[0] != 'p')) return -1;
    if (text[1] < '0' || text[1] > '3') return -1;
    return text[1] - '0';
}

const char *incident_state_name(enum incident_state state) {
    switch (state) {
    case INCIDENT_OPEN: return "open";
    case INCIDENT_ACKED: return "acknowledged";
    case INCIDENT_RESOLVED: return "resolved";
    }
    return "?";
}

int64_t incident_ack_target_ns(unsigned severity) {
    return severity < INCIDENT_SEVERITIES ? incident__target_s[severity] * NS_PER_S : 0;
}

int incident_overdue(const struct incident *in, int64_t now_ns) {
    return in->state == INCIDENT_OPEN && now_ns - in->opened_ns > incident_ack_target_ns(in->severity);
}

uint32_t engine_system_operator(const struct engine *e) {
    return e->s.inc.has_system ? e->s.inc.system_operator : UINT32_MAX;
}

int incident_system_may(unsigned op) {
    return op == OP_PAUSE || op == OP_MINT_HALT || op == OP_INCIDENT_OPEN || op == OP_INCIDENT_NOTE;
}

static struct incident *incident__find(struct engine *e, uint64_t id) {
    struct incident_book *b = &e->s.inc;
    for (uint32_t i = 0; i < b->incidents_count; i++) {
        if (b->incidents[i].id == id) return &b->incidents[i];
    }
    return NULL;
}

const struct incident *incident_find(const struct engine *e, uint64_t id) {
    return incident__find((struct engine *)e, id);
}

struct incident *incident_emergency(struct engine *e) {
    struct incident *best = NULL;
    struct incident_book *b = &e->s.inc;
    for (uint32_t i = 0; i < b->incidents_count; i++) {
        struct incident *in = &b->incidents[i];
        if (in->state == INCIDENT_RESOLVED || in->severity > 1) continue;
        if (best == NULL || in->severity < best->severity) best = in;
    }
    return best;
}

const struct incident *incident_for_alert(const struct engine *e, uint64_t fingerprint) {
    const struct incident_book *b = &e->s.inc;
    for (uint32_t i = 0; i < b->incidents_count; i++) {
        const struct incident *in = &b->incidents[i];
        if (fingerprint != 0 && in->alert == fingerprint && in->state != INCIDENT_RESOLVED) return in;
    }
    return NULL;
}

const struct maintenance *maintenance_active(const struct engine *e, int64_t now_ns) {
    const struct incident_book *b = &e->s.inc;
    if (b->maintenance_count == 0) return NULL;
    const struct maintenance *m = &b->maintenance[b->maintenance_count - 1];
    if (m->ended_ns != 0 || now_ns < m->start_ns || now_ns >= m->until_ns) return NULL;
    return m;
}

/* Room for one more incident: when the table is full, the oldest resolved
 * one leaves the state. -1 when every one is still open. */
static int incident__make_room(struct incident_book *b) {
    if (b->incidents_count < LIMIT_INCIDENTS) return 0;
    for (uint32_t i = 0; i < b->incidents_count; i++) {
        if (b->incidents[i].state != INCIDENT_RESOLVED) continue;
        memmove(&b->incidents[i], &b->incidents[i + 1],
                (b->incidents_count - i - 1) * sizeof(b->incidents[0]));
        b->incidents_count--;
        return 0;
    }
    return -1;
}

static struct event *incident__event(struct event_buf *events, enum event_type type,
                                     const struct incident *in, uint32_t who) {
    struct event *ev = engine__emit(events, type, in->asset == INCIDENT_NO_ASSET ? EVENT_NO_ASSET : in->asset);
    ev->ref_id = in->id;
    ev->code = in->severity;
    ev->who = who;
    return ev;
}

enum err incident_open_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out) {
    (void)out;
    struct incident_book *b = &e->s.inc;
    if (incident__make_room(b) != 0) {
        snprintf(out->detail, sizeof(out->detail), "%u incidents are open: resolve some first",
                 LIMIT_INCIDENTS);
        return ERR_LIMIT_REACHED;
    }
    struct incident *in = &b->incidents[b->incidents_count++];
    memset(in, 0, sizeof(*in));
    in->id = ++b->next_incident_id;
    in->alert = (cmd->present & CMD_HAS(FIELD_ALERT)) ? cmd->alert : 0;
    in->open_seq = e->s.next_seq - 1;
    in->open_block = e->s.height + 1;
    in->opened_ns = e->s.time_ns;
    in->opened_by = cmd->operator_index;
    in->asset = (cmd->present & CMD_HAS_ASSET) ? cmd->asset : INCIDENT_NO_ASSET;
    in->severity = cmd->severity;
    in->state = INCIDENT_OPEN;
    memcpy(in->title, cmd->text, strnlen(cmd->text, sizeof(in->title) - 1)); /* zero-filled after */
    struct event *ev = incident__event(events, EVENT_INCIDENT_OPENED, in, cmd->operator_index);
    ev->value = (int64_t)in->alert;
    return ERR_OK;
}

/* The incident a command names, or why not. */
static enum err incident__named(struct engine *e, const struct command *cmd, struct incident **in,
                                struct apply_result *out) {
    *in = incident__find(e, cmd->id);
    if (*in != NULL) return ERR_OK;
    if (cmd->id <= e->s.inc.next_incident_id) {
        snprintf(out->detail, sizeof(out->detail),
                 "incident %llu is older than the %u kept; its record is in the journal (history)",
                 (unsigned long long)cmd->id, LIMIT_INCIDENTS);
    } else {
        snprintf(out->detail, sizeof(out->detail), "no incident %llu", (unsigned long long)cmd->id);
    }
    return ERR_NOT_FOUND;
}

enum err incident_ack_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                            struct apply_result *out) {
    struct incident *in;
    enum err err = incident__named(e, cmd, &in, out);
    if (err) return err;
    if (in->state == INCIDENT_RESOLVED) return ERR_INCIDENT_RESOLVED;
    uint32_t already = in->state == INCIDENT_ACKED;
    if (already) {
        out->note = "already acknowledged";
    } else {
        in->state = INCIDENT_ACKED;
        in->acked_ns = e->s.time_ns;
        in->acked_by = cmd->operator_index;
    }
    struct event *ev = incident__event(events, EVENT_INCIDENT_ACKNOWLEDGED, in, cmd->operator_index);
    ev->flags = already;
    ev->value = in->acked_ns - in->opened_ns; /* time to acknowledge */
    return ERR_OK;
}

enum err incident_note_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out) {
    struct incident *in;
    enum err err = incident__named(e, cmd, &in, out);
    if (err) return err;
    in->notes++;
    incident__event(events, EVENT_INCIDENT_NOTED, in, cmd->operator_index);
    return ERR_OK;
}

enum err incident_resolve_apply(struct engine *e, const struct command *cmd,
                                struct event_buf *events, struct apply_result *out) {
    struct incident *in;
    enum err err = incident__named(e, cmd, &in, out);
    if (err) return err;
    if (in->state == INCIDENT_RESOLVED) return ERR_INCIDENT_RESOLVED;
    if (in->state == INCIDENT_OPEN) { /* resolving acknowledges it */
        in->acked_ns = e->s.time_ns;
        in->acked_by = cmd->operator_index;
    }
    in->state = INCIDENT_RESOLVED;
    in->resolved_ns = e->s.time_ns;
    in->resolved_by = cmd->operator_index;
    in->resolve_seq = e->s.next_seq - 1;
    in->resolve_block = e->s.height + 1;
    struct event *ev = incident__event(events, EVENT_INCIDENT_RESOLVED, in, cmd->operator_index);
    ev->value = in->resolved_ns - in->opened_ns; /* time to resolve */
    return ERR_OK;
}

enum err maintenance_start_apply(struct engine *e, const struct command *cmd,
                                 struct event_buf *events, struct apply_result *out) {
    struct incident_book *b = &e->s.inc;
    if (cmd->duration_ns > MAINTENANCE_MAX_NS) {
        snprintf(out->detail, sizeof(out->detail), "a maintenance window lasts at most 7d");
        return ERR_INVALID_DURATION;
    }
    /* A window in force is replaced (extended or shortened): it ends now. */
    if (maintenance_active(e, e->s.time_ns) != NULL) {
        struct maintenance *old = &b->maintenance[b->maintenance_count - 1];
        old->ended_ns = e->s.time_ns;
        old->ended_by = cmd->operator_index;
        struct event *ev = engine__emit(events, EVENT_MAINTENANCE_ENDED, (uint16_t)EVENT_NO_ASSET);
        ev->ref_id = old->id;
        ev->value = old->ended_ns - old->start_ns;
        ev->who = cmd->operator_index;
        out->note = "replaces the window in force";
    }
    if (b->maintenance_count == LIMIT_MAINTENANCE) {
        memmove(&b->maintenance[0], &b->maintenance[1], (LIMIT_MAINTENANCE - 1) * sizeof(b->maintenance[0]));
        b->maintenance_count--;
    }
    struct maintenance *m = &b->maintenance[b->maintenance_count++];
    memset(m, 0, sizeof(*m));
    m->id = ++b->next_maintenance_id;
    m->start_ns = e->s.time_ns;
    m->until_ns = e->s.time_ns + cmd->duration_ns;
    m->by = cmd->operator_index;
    memcpy(m->reason, cmd->text, strnlen(cmd->text, sizeof(m->reason) - 1)); /* zero-filled after */
    struct event *ev = engine__emit(events, EVENT_MAINTENANCE_STARTED, (uint16_t)EVENT_NO_ASSET);
    ev->ref_id = m->id;
    ev->value = cmd->duration_ns;
    ev->who = cmd->operator_index;
    return ERR_OK;
}

enum err maintenance_end_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out) {
    struct incident_book *b = &e->s.inc;
    if (maintenance_active(e, e->s.time_ns) == NULL) {
        snprintf(out->detail, sizeof(out->detail), "no maintenance window is in force");
        return ERR_NOT_FOUND;
    }
    struct maintenance *m = &b->maintenance[b->maintenance_count - 1];
    m->ended_ns = e->s.time_ns;
    m->ended_by = cmd->operator_index;
    struct event *ev = engine__emit(events, EVENT_MAINTENANCE_ENDED, (uint16_t)EVENT_NO_ASSET);
    ev->ref_id = m->id;
    ev->value = m->ended_ns - m->start_ns;
    ev->who = cmd->operator_index;
    return ERR_OK;
}

/* ---- state bytes ------------------------------------------------------ */

void incident_state_write(const struct engine_state *s, struct buf *out) {
    const struct incident_book *b = &s->inc;
    if (!b->has_system && b->next_incident_id == 0 && b->next_maintenance_id == 0) return;
    buf_put(out, "inc", 3);
    buf_put_u8(out, b->has_system);
    buf_put_u32(out, b->has_system ? b->system_operator : 0);
    buf_put_u64(out, b->next_incident_id);
    buf_put_u32(out, b->incidents_count);
    for (uint32_t i = 0; i < b->incidents_count; i++) {
        const struct incident *in = &b->incidents[i];
        buf_put_u64(out, in->id);
        buf_put_u64(out, in->alert);
        buf_put_u64(out, in->open_seq);
        buf_put_u64(out, in->open_block);
        buf_put_u64(out, in->resolve_seq);
        buf_put_u64(out, in->resolve_block);
        buf_put_u64(out, (uint64_t)in->opened_ns);
        buf_put_u64(out, (uint64_t)in->acked_ns);
        buf_put_u64(out, (uint64_t)in->resolved_ns);
        buf_put_u32(out, in->opened_by);
        buf_put_u32(out, in->acked_by);
        buf_put_u32(out, in->resolved_by);
        buf_put_u32(out, in->notes);
        buf_put_u32(out, in->expedites);
        buf_put_u16(out, in->asset);
        buf_put_u8(out, in->severity);
        buf_put_u8(out, in->state);
        buf_put(out, in->title, sizeof(in->title));
    }
    buf_put_u64(out, b->next_maintenance_id);
    buf_put_u32(out, b->maintenance_count);
    for (uint32_t i = 0; i < b->maintenance_count; i++) {
        const struct maintenance *m = &b->maintenance[i];
        buf_put_u64(out, m->id);
        buf_put_u64(out, (uint64_t)m->start_ns);
        buf_put_u64(out, (uint64_t)m->until_ns);
        buf_put_u64(out, (uint64_t)m->ended_ns);
        buf_put_u32(out, m->by);
        buf_put_u32(out, m->ended_by);
        buf_put(out, m->reason, sizeof(m->reason));
    }
}

/* A NUL-terminated text filling its array with zeros after the NUL (as
 * the handlers leave it), so that a snapshot reads back byte for byte. */
static int incident__text_ok(const char *t, size_t size) {
    const char *nul = memchr(t, 0, size);
    if (nul == NULL) return 0;
    for (const char *p = nul; p < t + size; p++) {
        if (*p != 0) return 0;
    }
    return 1;
}

static int incident__read_one(struct buf_reader *r, const struct engine_state *s, struct incident *in,
                              uint64_t prev_id) {
    in->id = buf_get_u64(r);
    in->alert = buf_get_u64(r);
    in->open_seq = buf_get_u64(r);
    in->open_block = buf_get_u64(r);
    in->resolve_seq = buf_get_u64(r);
    in->resolve_block = buf_get_u64(r);
    in->opened_ns = (int64_t)buf_get_u64(r);
    in->acked_ns = (int64_t)buf_get_u64(r);
    in->resolved_ns = (int64_t)buf_get_u64(r);
    in->opened_by = buf_get_u32(r);
    in->acked_by = buf_get_u32(r);
    in->resolved_by = buf_get_u32(r);
    in->notes = buf_get_u32(r);
    in->expedites = buf_get_u32(r);
    in->asset = buf_get_u16(r);
    in->severity = buf_get_u8(r);
    in->state = buf_get_u8(r);
    buf_get(r, in->title, sizeof(in->title));
    if (r->failed || in->id <= prev_id || in->id > s->inc.next_incident_id) return -1;
    if (in->severity >= INCIDENT_SEVERITIES || in->state < INCIDENT_OPEN || in->state > INCIDENT_RESOLVED) return -1;
    if (in->asset != INCIDENT_NO_ASSET && in->asset >= s->assets_count) return -1;
    if (in->opened_by >= s->operators_count || in->acked_by >= s->operators_count ||
        in->resolved_by >= s->operators_count) {
        return -1;
    }
    if (in->open_block == 0 || in->open_block > s->height || in->open_seq >= s->next_seq) return -1;
    if ((in->state == INCIDENT_RESOLVED) != (in->resolve_block != 0)) return -1;
    if (in->resolve_block > s->height || in->resolve_seq >= s->next_seq) return -1;
    return incident__text_ok(in->title, sizeof(in->title)) && in->title[0] != 0 ? 0 : -1;
}

int incident_state_read(struct buf_reader *r, struct engine_state *s) {
    if (r->len - r->pos < 3 || memcmp(r->data + r->pos, "inc", 3) != 0) return 0; /* none */
    char magic[3];
    buf_get(r, magic, sizeof(magic));
    struct incident_book *b = &s->inc;
    b->has_system = buf_get_u8(r);
    b->system_operator = buf_get_u32(r);
    if (r->failed || b->has_system > 1) return -1;
    if (b->has_system ? b->system_operator >= s->operators_count : b->system_operator != 0) return -1;
    b->next_incident_id = buf_get_u64(r);
    b->incidents_count = buf_get_u32(r);
    if (r->failed || b->incidents_count > LIMIT_INCIDENTS) return -1;
    for (uint32_t i = 0; i < b->incidents_count; i++) {
        if (incident__read_one(r, s, &b->incidents[i], i ? b->incidents[i - 1].id : 0) != 0) return -1;
    }
    b->next_maintenance_id = buf_get_u64(r);
    b->maintenance_count = buf_get_u32(r);
    if (r->failed || b->maintenance_count > LIMIT_MAINTENANCE) return -1;
    for (uint32_t i = 0; i < b->maintenance_count; i++) {
        struct maintenance *m = &b->maintenance[i];
        m->id = buf_get_u64(r);
        m->start_ns = (int64_t)buf_get_u64(r);
        m->until_ns = (int64_t)buf_get_u64(r);
        m->ended_ns = (int64_t)buf_get_u64(r);
        m->by = buf_get_u32(r);
        m->ended_by = buf_get_u32(r);
        buf_get(r, m->reason, sizeof(m->reason));
        if (r->failed || m->id > b->next_maintenance_id || (i && m->id <= b->maintenance[i - 1].id)) return -1;
        if (m->by >= s->operators_count || m->ended_by >= s->operators_count) return -1;
        if (m->until_ns <= m->start_ns || m->until_ns - m->start_ns > MAINTENANCE_MAX_NS) return -1;
        if (m->ended_ns != 0 && m->ended_ns < m->start_ns) return -1;
        if (!incident__text_ok(m->reason, sizeof(m->reason)) || m->reason[0] == 0) return -1;
    }
    if (!b->has_system && b->next_incident_id == 0 && b->next_maintenance_id == 0) return -1; /* not written so */
    return r->failed ? -1 : 0;
}
