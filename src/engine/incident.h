/*
 * incident.h - incidents, maintenance windows and the built-in `system`
 * operator (SPEC 9), as the engine keeps them.
 *
 * Incidents are journaled commands so that their timeline is
 * tamper-evident: `incident.open` (severity P0..P3, a title, optionally an
 * asset and the fingerprint of the alert that opened it), `incident.ack`,
 * `incident.note` (its text lives in the signed body), `incident.resolve`
 * (a summary, in the body too). The state keeps what lists and checks
 * need: severity, state, times, who, the title. The acknowledge targets
 * (P0 5 min, P1 30 min, P2 2 h, P3 24 h) are judged by readers against
 * their clock (`overdue`), never by the engine.
 *
 * A maintenance window (`maintenance.start` for a duration of at most 7
 * days, with a reason; `maintenance.end`) silences warning alerts; the
 * engine only records it, the alert loop reads it. Starting one while
 * another is in force replaces it (the way to extend or shorten one).
 *
 * The `system` operator is made by `init` (its public key in the genesis
 * document's "system" entry) or added later by `operator.add system`. It
 * holds no role; the engine lets it run exactly the alert actions (pause,
 * mint_halt) and incident.open / incident.note, at once, whatever the
 * policies say (an emergency must not wait for approvals no one else can
 * give a machine).
 *
 * State bytes: an "inc" section ends the small state only when there is a
 * system operator, an incident or a window, so that a ledger made before
 * this module hashes as it always did.
 */
#ifndef MINTLINE_ENGINE_INCIDENT_H
#define MINTLINE_ENGINE_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"
#include "../base/limits.h"

#define INCIDENT_SEVERITIES 4u /* P0..P3 */
#define INCIDENT_NO_ASSET UINT16_MAX
#define MAINTENANCE_MAX_NS (INT64_C(7) * 86400 * 1000000000)
#define SYSTEM_OPERATOR_NAME "system"

enum incident_state {
    INCIDENT_OPEN = 1,
    INCIDENT_ACKED,
    INCIDENT_RESOLVED,
};

struct incident {
    uint64_t id;
    uint64_t alert;     /* fingerprint of the alert that opened it; 0 none */
    uint64_t open_seq;  /* the command that opened it */
    uint64_t open_block;
    uint64_t resolve_seq;
    uint64_t resolve_block;
    int64_t opened_ns;
    int64_t acked_ns;    /* 0 until acknowledged */
    int64_t resolved_ns; /* 0 until resolved */
    uint32_t opened_by;
    uint32_t acked_by;
    uint32_t resolved_by;
    uint32_t notes;
    uint32_t expedites;  /* timelock entries expedited under it */
    uint16_t asset;      /* INCIDENT_NO_ASSET */
    uint8_t severity;    /* 0..3: P0..P3 */
    uint8_t state;       /* enum incident_state */
    char title[LIMIT_TITLE_BYTES + 1];
};

struct maintenance {
    uint64_t id;
    int64_t start_ns;
    int64_t until_ns; /* start + the duration asked */
    int64_t ended_ns; /* 0 unless ended early by maintenance.end */
    uint32_t by;
    uint32_t ended_by;
    char reason[LIMIT_TITLE_BYTES + 1];
};

struct incident_book {
    uint8_t has_system;
    uint32_t system_operator; /* valid when has_system */
    uint64_t next_incident_id;
    uint32_t incidents_count;
    struct incident incidents[LIMIT_INCIDENTS]; /* by id, ascending */
    uint64_t next_maintenance_id;
    uint32_t maintenance_count;
    struct maintenance maintenance[LIMIT_MAINTENANCE]; /* by id, ascending */
};

struct engine;
struct engine_state;
struct command;
struct event_buf;
struct apply_result;
struct buf;
struct buf_reader;

/* Severity names: "P0".."P3"; incident_severity_parse gives 0..3, or -1. */
const char *incident_severity_name(unsigned severity);
int incident_severity_parse(const char *text, size_t len);
const char *incident_state_name(enum incident_state state);
/* The acknowledge target of a severity, in nanoseconds (SPEC 9). */
int64_t incident_ack_target_ns(unsigned severity);
/* incident_overdue: open, not acknowledged, and past its target at now. */
int incident_overdue(const struct incident *in, int64_t now_ns);

/* Ops (command.c's table). */
enum err incident_open_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out);
enum err incident_ack_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                            struct apply_result *out);
enum err incident_note_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out);
enum err incident_resolve_apply(struct engine *e, const struct command *cmd,
                                struct event_buf *events, struct apply_result *out);
enum err maintenance_start_apply(struct engine *e, const struct command *cmd,
                                 struct event_buf *events, struct apply_result *out);
enum err maintenance_end_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out);

/* incident_find: the incident with that id, or NULL (never held, or
 * dropped from the state as one of the oldest resolved). */
const struct incident *incident_find(const struct engine *e, uint64_t id);
/* incident_emergency: the unresolved P0 or P1 incident of lowest
 * severity number, oldest first; NULL when none. */
struct incident *incident_emergency(struct engine *e);
/* incident_for_alert: the unresolved incident an alert opened, or NULL. */
const struct incident *incident_for_alert(const struct engine *e, uint64_t fingerprint);
/* maintenance_active: the window in force at now_ns, or NULL. */
const struct maintenance *maintenance_active(const struct engine *e, int64_t now_ns);

/* The system operator: its index, or UINT32_MAX when the ledger has none. */
uint32_t engine_system_operator(const struct engine *e);
/* incident_system_may: whether the system operator may run op. */
int incident_system_may(unsigned op);

/* State bytes (engine__state_write; snapshots). read: 0 when the section
 * is absent or read whole; -1 when malformed. */
void incident_state_write(const struct engine_state *s, struct buf *out);
int incident_state_read(struct buf_reader *r, struct engine_state *s);

#endif
