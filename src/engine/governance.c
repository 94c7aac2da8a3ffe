/*
 * governance.c - policies, proposals, the timelock and role changes.
 *
 * Proposals and timelock entries live in fixed tables in the small state,
 * so savepoints and snapshots carry them like everything else. A proposal
 * past its ttl can no longer be approved; it is removed (ProposalExpired)
 * when a new proposal needs the room. A released command is checked again
 * in full (authorisation of its proposer included); if it fails, the
 * proposal or entry closes as failed and the approval or execution that
 * released it still stands: that is how "fails with that command's error
 * and says so" is recorded.
 */
#include "governance.h"

#include <stdio.h>
#include <string.h>

#include "../base/duration.h"
#include "engine.h"
#include "engine_internal.h"
#include "explain.h"

#define GOV_DAY_NS (INT64_C(86400) * NS_PER_S)

void engine_policy(const struct engine *e, enum op op, int asset, uint32_t *approvals,
                   int64_t *timelock_ns) {
    const struct policy *any = NULL;
    for (uint32_t i = 0; i < e->s.policies_count; i++) {
        const struct policy *p = &e->s.policies[i];
        if (p->op != op) continue;
        if (asset >= 0 && p->asset == (uint16_t)asset) {
            *approvals = p->approvals;
            *timelock_ns = p->timelock_ns;
            return;
        }
        if (p->asset == POLICY_ANY_ASSET) any = p;
    }
    if (any) {
        *approvals = any->approvals;
        *timelock_ns = any->timelock_ns;
        return;
    }
    /* SPEC 4's defaults, from the runbooks. */
    *approvals = 1;
    *timelock_ns = 0;
    if (op == OP_UNPAUSE || op == OP_MINT_RESUME || op == OP_BLACKLIST_ADD ||
        op == OP_BLACKLIST_REMOVE || op == OP_FREEZE || op == OP_UNFREEZE ||
        op == OP_FORCED_TRANSFER || op == OP_RECOVER || op == OP_RESCUE ||
        op == OP_PAYOUT_DISTRIBUTE) {
        *approvals = 2;
    }
    if (op == OP_TIMELOCK_EXPEDITE) *approvals = GOVERNANCE_EMERGENCY_APPROVALS;
    if ((op == OP_MINT || op == OP_BURN) && asset >= 0 &&
        e->s.assets[asset].kind == ASSET_SECURITY) {
        *approvals = 2;
    }
    if (op == OP_CAPS_SET || op == OP_ROLE_GRANT || op == OP_ROLE_REVOKE || op == OP_POLICY_SET ||
        op == OP_OPERATOR_ADD || op == OP_OPERATOR_REMOVE || op == OP_OPERATOR_ROTATE_KEY ||
        op == OP_ASSET_RULES_SET || op == OP_STABILIZER_SET || op == OP_VAULT_TYPE_SET) {
        *timelock_ns = GOV_DAY_NS;
    }
    if (op == OP_BRIDGE_ROUTE_SET || op == OP_BRIDGE_ROUTE_ENABLE) *timelock_ns = GOV_DAY_NS;
}

static int gov__asset(const struct command *cmd) {
    return (cmd->present & CMD_HAS_ASSET) ? cmd->asset : -1;
}

/* Emit a governance event about the held command `held`: it carries the
 * held command's asset (issue 13 item 13: `events --asset X` finds the
 * approvals and releases of X's commands), or none when it names none. */
static struct event *gov__emit(struct event_buf *events, enum event_type type,
                               const struct command *held) {
    int asset = gov__asset(held);
    uint16_t tag = asset < 0 ? (uint16_t)EVENT_NO_ASSET : (uint16_t)asset;
    struct event *ev = engine__emit(events, type, tag);
    ev->ref_op = held->op;
    return ev;
}

int governance_may(const struct engine *e, uint32_t op_index, const struct command *cmd) {
    if (op_index >= e->s.operators_count) return 0;
    if ((cmd->op == OP_ROLE_GRANT || cmd->op == OP_ROLE_REVOKE) && cmd->role == ROLE_ADMIN) {
        return op_index == e->s.controller;
    }
    const struct op_def *def = &op_table()[cmd->op];
    return engine_operator_may(e, op_index, (enum role)def->role, gov__asset(cmd));
}

static int gov__may(const struct engine *e, uint32_t op_index, const struct command *cmd) {
    return governance_may(e, op_index, cmd);
}

static int gov__is_admin(const struct engine *e, uint32_t op_index) {
    return op_index == e->s.controller || engine_operator_may(e, op_index, ROLE_ADMIN, -1);
}

enum err governance_execute(struct engine *e, const struct command *cmd,
                            struct event_buf *events, struct apply_result *out) {
    enum err err = gov__may(e, cmd->operator_index, cmd) ? op_table()[cmd->op].apply(e, cmd, events, out)
                                                         : ERR_UNAUTHORIZED;
    /* a released command's refusal, in words (explain.h) */
    if (err && out->detail[0] == '\0') explain_refusal(e, cmd, err, out->detail, sizeof(out->detail));
    return err;
}

/* How many expired proposals one command removes (and says so in events):
 * a share of its own event budget, leaving room for the proposal it then
 * creates, never whatever room the caller's buffer happens to have, so
 * that the node, start-up replay and audit emit the same events and reach
 * the same state. More expired ones go with later proposals. */
#define GOV_SWEEP_MAX (LIMIT_EVENTS_PER_COMMAND - 4u)

static void gov__sweep(struct engine *e, struct event_buf *events) {
    uint32_t swept = 0;
    for (uint32_t i = 0; i < e->s.proposals_count;) {
        struct proposal *p = &e->s.proposals[i];
        if (p->expires_ns > e->s.time_ns || swept == GOV_SWEEP_MAX) {
            i++;
            continue;
        }
        struct event *ev = gov__emit(events, EVENT_PROPOSAL_EXPIRED, &p->cmd);
        ev->ref_id = p->id;
        ev->ref_op = p->cmd.op;
        e->s.proposals[i] = e->s.proposals[--e->s.proposals_count];
        swept++;
    }
}

static enum err gov__schedule(struct engine *e, const struct command *cmd, uint64_t proposal_id,
                              int64_t delay_ns, struct event_buf *events,
                              struct apply_result *out) {
    if (e->s.timelock_count == LIMIT_TIMELOCK) return ERR_LIMIT_REACHED;
    struct timelock_entry *t = &e->s.timelock[e->s.timelock_count++];
    memset(t, 0, sizeof(*t));
    t->id = ++e->s.next_timelock_id;
    t->cmd = *cmd;
    t->proposal_id = proposal_id;
    t->eta_ns = e->s.time_ns + delay_ns;
    struct event *ev = engine__emit(events, EVENT_TIMELOCK_SCHEDULED, (uint16_t)EVENT_NO_ASSET);
    ev->ref_id = t->id;
    ev->ref_op = cmd->op;
    ev->value = t->eta_ns;
    if (cmd->present & CMD_HAS_ASSET) ev->asset = cmd->asset;
    out->pending = APPLY_SCHEDULED;
    out->pending_id = t->id;
    out->eta_ns = t->eta_ns;
    return ERR_OK;
}

/* How many proposals a sweep now would remove. */
static uint32_t gov__sweepable(const struct engine *e) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < e->s.proposals_count; i++) {
        if (e->s.proposals[i].expires_ns <= e->s.time_ns && n < GOV_SWEEP_MAX) n++;
    }
    return n;
}

static enum err gov__propose(struct engine *e, const struct command *cmd, uint32_t needed,
                             struct event_buf *events, struct apply_result *out) {
    /* Check for room before changing anything: a refused command changes nothing. */
    if (e->s.proposals_count - gov__sweepable(e) >= LIMIT_PROPOSALS) return ERR_LIMIT_REACHED;
    gov__sweep(e, events);
    struct proposal *p = &e->s.proposals[e->s.proposals_count++];
    memset(p, 0, sizeof(*p));
    p->id = ++e->s.next_proposal_id;
    p->cmd = *cmd;
    p->needed = needed;
    p->approvers[cmd->operator_index / 64] |= UINT64_C(1) << (cmd->operator_index % 64);
    p->created_ns = e->s.time_ns;
    p->expires_ns = e->s.time_ns + e->s.proposal_ttl_ns;
    struct event *ev = engine__emit(events, EVENT_PROPOSAL_CREATED, (uint16_t)EVENT_NO_ASSET);
    ev->ref_id = p->id;
    ev->ref_op = cmd->op;
    ev->flags = needed;
    ev->who = cmd->operator_index;
    if (cmd->present & CMD_HAS_ASSET) ev->asset = cmd->asset;
    out->pending = APPLY_PROPOSED;
    out->pending_id = p->id;
    return ERR_OK;
}

/* A public key names one operator: the signature headers name the operator
 * but the signature does not, so two operators sharing a key could each act
 * as the other. ERR_KEY_IN_USE when an operator other than `self` (an
 * index, or UINT32_MAX for none) holds `pubkey`. Removed operators hold no
 * key (operator remove clears it), so theirs can be registered again. */
static enum err gov__key_free(const struct engine *e, const uint8_t pubkey[32], uint32_t self) {
    for (uint32_t i = 0; i < e->s.operators_count; i++) {
        const struct operator *o = &e->s.operators[i];
        if (i == self || o->removed) continue;
        if (memcmp(o->pubkey, pubkey, sizeof(o->pubkey)) == 0) return ERR_KEY_IN_USE;
    }
    return ERR_OK;
}

static int gov__timelock_find(const struct engine *e, uint64_t id) {
    for (uint32_t i = 0; i < e->s.timelock_count; i++) {
        if (e->s.timelock[i].id == id) return (int)i;
    }
    return -1;
}

/* A role.grant naming the system operator, which holds no role (SPEC 9):
 * refused when submitted (a day's timelock would only delay the answer)
 * and again when it runs. */
static int gov__grant_to_system(const struct engine *e, const struct command *cmd,
                                struct apply_result *out) {
    if (cmd->op != OP_ROLE_GRANT) return 0;
    int who = engine_operator_find(e, cmd->name, strlen(cmd->name));
    if (who < 0 || (uint32_t)who != engine_system_operator(e)) return 0;
    snprintf(out->detail, sizeof(out->detail), "the system operator holds no role (SPEC 9)");
    return 1;
}

/* Is a command of `op` naming operator `name` waiting (a proposal or a
 * timelock entry)? An operator.add waiting makes its name one a grant in
 * the same queue may use. */
static int gov__waiting(const struct engine *e, enum op op, const char *name) {
    for (uint32_t i = 0; i < e->s.timelock_count; i++) {
        const struct command *c = &e->s.timelock[i].cmd;
        if (c->op == op && strcmp(c->name, name) == 0) return 1;
    }
    for (uint32_t i = 0; i < e->s.proposals_count; i++) {
        const struct command *c = &e->s.proposals[i].cmd;
        if (c->op == op && strcmp(c->name, name) == 0) return 1;
    }
    return 0;
}

/* Issue 13 item 5: what a governed command names checked when it is
 * proposed or scheduled: the operator it grants to, removes or rotates
 * exists (or is being added), a name to add is free (or being removed),
 * the controller is neither removed nor stripped of admin, a key is
 * changed, caps.set sets something. */
static enum err gov__precheck_names(const struct engine *e, const struct command *cmd,
                                    struct apply_result *out) {
    int names = cmd->op == OP_ROLE_GRANT || cmd->op == OP_ROLE_REVOKE || cmd->op == OP_OPERATOR_REMOVE ||
                cmd->op == OP_OPERATOR_ROTATE_KEY;
    if (cmd->op == OP_CAPS_SET) {
        uint64_t limits = CMD_HAS(FIELD_SUPPLY_CAP) | CMD_HAS(FIELD_MINT_LIMIT) | CMD_HAS(FIELD_INFLOW_LIMIT);
        if (cmd->present & limits) return ERR_OK;
        snprintf(out->detail, sizeof(out->detail),
                 "caps.set needs supply_cap, daily_mint_limit or daily_inflow_limit");
        return ERR_MISSING_FIELD;
    }
    if (cmd->op == OP_OPERATOR_ADD) {
        if (engine_operator_find(e, cmd->name, strlen(cmd->name)) < 0 ||
            gov__waiting(e, OP_OPERATOR_REMOVE, cmd->name)) {
            return ERR_OK;
        }
        snprintf(out->detail, sizeof(out->detail), "operator \"%s\" exists already", cmd->name);
        return ERR_ALREADY_EXISTS;
    }
    if (!names) return ERR_OK;
    int who = engine_operator_find(e, cmd->name, strlen(cmd->name));
    if (who < 0) {
        if (gov__waiting(e, OP_OPERATOR_ADD, cmd->name)) return ERR_OK;
        snprintf(out->detail, sizeof(out->detail), "no operator \"%s\" (mintline operator list)", cmd->name);
        return ERR_NOT_FOUND;
    }
    int controller = (uint32_t)who == e->s.controller;
    int strips = cmd->op == OP_OPERATOR_REMOVE || (cmd->op == OP_ROLE_REVOKE && cmd->role == ROLE_ADMIN);
    if (controller && strips) {
        snprintf(out->detail, sizeof(out->detail),
                 "%s is the controller: hand over first (controller propose, then accept)", cmd->name);
        return ERR_INVALID_ARGUMENT;
    }
    if (cmd->op == OP_OPERATOR_ROTATE_KEY &&
        memcmp(e->s.operators[who].pubkey, cmd->pubkey, sizeof(cmd->pubkey)) == 0) {
        snprintf(out->detail, sizeof(out->detail), "that is %s's current key", cmd->name);
        return ERR_INVALID_ARGUMENT;
    }
    return ERR_OK;
}

/* Checks a governed command can fail at once rather than a day later in
 * the timelock: a key already in use, rules a security asset cannot take,
 * a role for the system operator. Execution checks again (the state may
 * have changed meanwhile). */
static enum err gov__gone(uint64_t id, uint64_t last, int timelock, struct apply_result *out);

static enum err gov__precheck(const struct engine *e, const struct command *cmd,
                              struct apply_result *out) {
    if (cmd->op == OP_ASSET_RULES_SET) return compliance_rules_set_precheck(e, cmd);
    if (cmd->op == OP_STABILIZER_SET) return stabilizer_set_precheck(e, cmd, out);
    if (gov__grant_to_system(e, cmd, out)) return ERR_INVALID_ARGUMENT;
    enum err err = gov__precheck_names(e, cmd, out);
    if (err) return err;
    if (cmd->op == OP_TIMELOCK_EXPEDITE) {
        if (gov__timelock_find(e, cmd->id) < 0) {
            return gov__gone(cmd->id, e->s.next_timelock_id, 1, out);
        }
        return incident_emergency((struct engine *)e) ? ERR_OK : ERR_NO_EMERGENCY;
    }
    if (cmd->op == OP_OPERATOR_ADD) return gov__key_free(e, cmd->pubkey, UINT32_MAX);
    if (cmd->op == OP_OPERATOR_ROTATE_KEY) {
        int who = engine_operator_find(e, cmd->name, strlen(cmd->name));
        return gov__key_free(e, cmd->pubkey, who < 0 ? UINT32_MAX : (uint32_t)who);
    }
    return ERR_OK;
}

enum err governance_route(struct engine *e, const struct command *cmd, struct event_buf *events,
                          struct apply_result *out) {
    enum err err = gov__precheck(e, cmd, out);
    if (err) return err;
    uint32_t approvals;
    int64_t delay_ns;
    engine_policy(e, (enum op)cmd->op, gov__asset(cmd), &approvals, &delay_ns);
    if (approvals > 1) return gov__propose(e, cmd, approvals, events, out);
    if (delay_ns > 0) return gov__schedule(e, cmd, 0, delay_ns, events, out);
    return op_table()[cmd->op].apply(e, cmd, events, out);
}

static int gov__proposal_find(const struct engine *e, uint64_t id) {
    for (uint32_t i = 0; i < e->s.proposals_count; i++) {
        if (e->s.proposals[i].id == id) return (int)i;
    }
    return -1;
}

static uint32_t gov__approvals(const struct proposal *p) {
    return (uint32_t)(__builtin_popcountll(p->approvers[0]) + __builtin_popcountll(p->approvers[1]));
}

/* Run a released command: `done` and its events, or only `failed` with the
 * command's error (the release itself stands either way). A released
 * timelock.expedite runs its entry in turn (a nested gov__run): the
 * release then reports its proposal with the entry's result, which is
 * what the approver wants to know (the expedite itself cannot fail once
 * it has run the entry). */
static void gov__run(struct engine *e, const struct command *cmd, uint64_t id,
                     enum event_type done, enum event_type failed, struct event_buf *events,
                     struct apply_result *out) {
    uint32_t mark = events->count;
    struct event *ev = gov__emit(events, done, cmd);
    ev->ref_id = id;
    ev->ref_op = cmd->op;
    if (done == EVENT_TIMELOCK_EXPEDITED) {
        const struct incident *in = incident_emergency(e);
        ev->value = in ? (int64_t)in->id : 0;
    }
    enum err err = governance_execute(e, cmd, events, out);
    out->ran_id = id;
    if (err == ERR_OK) {
        if (cmd->op != OP_TIMELOCK_EXPEDITE) out->ran_err = ERR_OK;
        return;
    }
    out->ran_err = err;
    events->count = mark;
    ev = gov__emit(events, failed, cmd);
    ev->ref_id = id;
    ev->ref_op = cmd->op;
    ev->code = (uint16_t)out->ran_err;
}

/* The last approval: schedule, or run the command (closing the proposal). */
static enum err gov__release(struct engine *e, struct proposal p, struct event_buf *events,
                             struct apply_result *out) {
    uint32_t approvals;
    int64_t delay_ns;
    engine_policy(e, (enum op)p.cmd.op, gov__asset(&p.cmd), &approvals, &delay_ns);
    enum err err = delay_ns > 0 ? gov__precheck(e, &p.cmd, out) : ERR_OK;
    if (err) {
        /* It would only fail at execution: close the proposal as failed now. */
        out->ran_id = p.id;
        out->ran_err = err;
        struct event *ev = gov__emit(events, EVENT_PROPOSAL_FAILED, &p.cmd);
        ev->ref_id = p.id;
        ev->ref_op = p.cmd.op;
        ev->code = (uint16_t)err;
        return ERR_OK;
    }
    if (delay_ns > 0) return gov__schedule(e, &p.cmd, p.id, delay_ns, events, out);
    gov__run(e, &p.cmd, p.id, EVENT_PROPOSAL_EXECUTED, EVENT_PROPOSAL_FAILED, events, out);
    return ERR_OK;
}

/* ERR_NOT_FOUND for an id that names nothing waiting, saying whether it
 * never existed or is done (ran, was cancelled, expired). */
static enum err gov__gone(uint64_t id, uint64_t last, int timelock, struct apply_result *out) {
    const char *what = timelock ? "timelock entry" : "proposal";
    if (id >= 1 && id <= last) {
        snprintf(out->detail, sizeof(out->detail),
                 "%s %llu is no longer %s: it ran, was cancelled or expired (mintline history "
                 "shows which)",
                 what, (unsigned long long)id, timelock ? "scheduled" : "pending");
    } else {
        snprintf(out->detail, sizeof(out->detail), "no %s %llu (mintline %s lists those waiting)",
                 what, (unsigned long long)id, timelock ? "timelock" : "proposals");
    }
    return ERR_NOT_FOUND;
}

enum err governance_approve_apply(struct engine *e, const struct command *cmd,
                                  struct event_buf *events, struct apply_result *out) {
    int i = gov__proposal_find(e, cmd->id);
    if (i < 0) return gov__gone(cmd->id, e->s.next_proposal_id, 0, out);
    struct proposal *p = &e->s.proposals[i];
    uint32_t who = cmd->operator_index;
    if (!gov__may(e, who, &p->cmd)) return ERR_UNAUTHORIZED;
    if (p->expires_ns <= e->s.time_ns) return ERR_PROPOSAL_EXPIRED;
    if (p->approvers[who / 64] & (UINT64_C(1) << (who % 64))) return ERR_SAME_OPERATOR;
    p->approvers[who / 64] |= UINT64_C(1) << (who % 64);
    struct event *ev = gov__emit(events, EVENT_PROPOSAL_APPROVED, &p->cmd);
    ev->ref_id = p->id;
    ev->ref_op = p->cmd.op;
    ev->who = who;
    ev->flags = gov__approvals(p);
    if (gov__approvals(p) < p->needed) {
        out->pending = APPLY_PROPOSED;
        out->pending_id = p->id;
        return ERR_OK;
    }
    uint32_t approvals;
    int64_t delay_ns;
    engine_policy(e, (enum op)p->cmd.op, gov__asset(&p->cmd), &approvals, &delay_ns);
    if (delay_ns > 0 && e->s.timelock_count == LIMIT_TIMELOCK) {
        p->approvers[who / 64] &= ~(UINT64_C(1) << (who % 64));
        return ERR_LIMIT_REACHED;
    }
    struct proposal done = *p;
    e->s.proposals[i] = e->s.proposals[--e->s.proposals_count];
    return gov__release(e, done, events, out);
}

enum err governance_cancel_apply(struct engine *e, const struct command *cmd,
                                 struct event_buf *events, struct apply_result *out) {
    int i = gov__proposal_find(e, cmd->id);
    if (i < 0) return gov__gone(cmd->id, e->s.next_proposal_id, 0, out);
    const struct proposal *p = &e->s.proposals[i];
    if (cmd->operator_index != p->cmd.operator_index && !gov__is_admin(e, cmd->operator_index)) {
        return ERR_UNAUTHORIZED;
    }
    struct event *ev = gov__emit(events, EVENT_PROPOSAL_CANCELLED, &p->cmd);
    ev->ref_id = p->id;
    ev->ref_op = p->cmd.op;
    ev->who = cmd->operator_index;
    e->s.proposals[i] = e->s.proposals[--e->s.proposals_count];
    return ERR_OK;
}

enum err governance_timelock_execute_apply(struct engine *e, const struct command *cmd,
                                           struct event_buf *events, struct apply_result *out) {
    int i = gov__timelock_find(e, cmd->id);
    if (i < 0) return gov__gone(cmd->id, e->s.next_timelock_id, 1, out);
    struct timelock_entry t = e->s.timelock[i];
    if (!gov__may(e, cmd->operator_index, &t.cmd)) return ERR_UNAUTHORIZED;
    if (e->s.time_ns < t.eta_ns) return ERR_TIMELOCK_NOT_READY;
    if (e->s.time_ns > t.eta_ns + GOVERNANCE_TIMELOCK_GRACE) return ERR_TIMELOCK_EXPIRED;
    e->s.timelock[i] = e->s.timelock[--e->s.timelock_count];
    gov__run(e, &t.cmd, t.id, EVENT_TIMELOCK_EXECUTED, EVENT_TIMELOCK_FAILED, events, out);
    return ERR_OK;
}

/* SPEC 9's timelock override: during an open P0/P1 incident, a
 * timelocked entry runs before its eta once emergency_approvals admins
 * (the op's policy, default 3) have agreed; recorded on the incident. */
enum err governance_timelock_expedite_apply(struct engine *e, const struct command *cmd,
                                            struct event_buf *events, struct apply_result *out) {
    int i = gov__timelock_find(e, cmd->id);
    if (i < 0) return gov__gone(cmd->id, e->s.next_timelock_id, 1, out);
    struct incident *in = incident_emergency(e);
    if (in == NULL) return ERR_NO_EMERGENCY;
    struct timelock_entry t = e->s.timelock[i];
    if (e->s.time_ns > t.eta_ns + GOVERNANCE_TIMELOCK_GRACE) return ERR_TIMELOCK_EXPIRED;
    e->s.timelock[i] = e->s.timelock[--e->s.timelock_count];
    in->expedites++;
    gov__run(e, &t.cmd, t.id, EVENT_TIMELOCK_EXPEDITED, EVENT_TIMELOCK_FAILED, events, out);
    return ERR_OK;
}

enum err governance_timelock_cancel_apply(struct engine *e, const struct command *cmd,
                                          struct event_buf *events, struct apply_result *out) {
    int i = gov__timelock_find(e, cmd->id);
    if (i < 0) return gov__gone(cmd->id, e->s.next_timelock_id, 1, out);
    if (!gov__is_admin(e, cmd->operator_index)) return ERR_UNAUTHORIZED;
    struct event *ev = gov__emit(events, EVENT_TIMELOCK_CANCELLED, &e->s.timelock[i].cmd);
    ev->ref_id = e->s.timelock[i].id;
    ev->ref_op = e->s.timelock[i].cmd.op;
    ev->who = cmd->operator_index;
    e->s.timelock[i] = e->s.timelock[--e->s.timelock_count];
    return ERR_OK;
}

enum err governance_policy_set_apply(struct engine *e, const struct command *cmd,
                                     struct event_buf *events, struct apply_result *out) {
    (void)out;
    uint16_t asset = (cmd->present & CMD_HAS_ASSET) ? cmd->asset : POLICY_ANY_ASSET;
    uint32_t approvals;
    int64_t delay_ns;
    engine_policy(e, (enum op)cmd->target_op, gov__asset(cmd), &approvals, &delay_ns);
    if (cmd->present & CMD_HAS(FIELD_APPROVALS)) approvals = cmd->approvals;
    if (cmd->present & CMD_HAS(FIELD_DELAY)) delay_ns = cmd->delay_ns;
    struct policy *row = NULL;
    for (uint32_t i = 0; i < e->s.policies_count && row == NULL; i++) {
        struct policy *p = &e->s.policies[i];
        if (p->op == cmd->target_op && p->asset == asset) row = p;
    }
    if (row == NULL) {
        if (e->s.policies_count == LIMIT_POLICIES) return ERR_LIMIT_REACHED;
        row = &e->s.policies[e->s.policies_count++];
        row->op = cmd->target_op;
        row->asset = asset;
    }
    row->approvals = approvals;
    row->timelock_ns = delay_ns;
    struct event *ev = engine__emit(events, EVENT_POLICY_SET, asset);
    ev->ref_op = cmd->target_op;
    ev->flags = approvals;
    ev->value = delay_ns;
    return ERR_OK;
}

/* The grant row of (operator, asset), created when `create` and missing. */
static struct grant *gov__grant(struct engine *e, uint32_t op_index, uint16_t asset, int create) {
    for (uint32_t i = 0; i < e->s.grants_count; i++) {
        struct grant *g = &e->s.grants[i];
        if (g->operator_index == op_index && g->asset_index == asset) return g;
    }
    if (!create || e->s.grants_count == LIMIT_GRANTS) return NULL;
    struct grant *g = &e->s.grants[e->s.grants_count++];
    g->operator_index = (uint16_t)op_index;
    g->asset_index = asset;
    g->roles = 0;
    return g;
}

/* Common checks of grant and revoke; *who is the grantee's index. */
static enum err gov__role_target(const struct engine *e, const struct command *cmd, int *who) {
    *who = engine_operator_find(e, cmd->name, strlen(cmd->name));
    if (*who < 0) return ERR_NOT_FOUND;
    /* Only the controller grants or revokes admin (SPEC 4). */
    if (cmd->role == ROLE_ADMIN && cmd->operator_index != e->s.controller) return ERR_UNAUTHORIZED;
    return ERR_OK;
}

enum err governance_role_grant_revoke_apply(struct engine *e, const struct command *cmd,
                                            struct event_buf *events, struct apply_result *out) {
    int grant = cmd->op == OP_ROLE_GRANT;
    int who;
    enum err err = gov__role_target(e, cmd, &who);
    if (err) return err;
    if (!grant && cmd->role == ROLE_ADMIN && (uint32_t)who == e->s.controller) {
        return ERR_INVALID_ARGUMENT; /* the controller stays an admin */
    }
    if (gov__grant_to_system(e, cmd, out)) return ERR_INVALID_ARGUMENT;
    uint32_t bit = ROLE_BIT(cmd->role);
    uint32_t *roles = &e->s.operators[who].roles;
    if (cmd->present & CMD_HAS_ASSET) {
        struct grant *g = gov__grant(e, (uint32_t)who, cmd->asset, grant);
        if (g == NULL && grant) return ERR_LIMIT_REACHED;
        roles = g ? &g->roles : NULL;
    }
    int had = roles != NULL && (*roles & bit) != 0;
    if (roles != NULL) *roles = grant ? (*roles | bit) : (*roles & ~bit);
    if (had == grant) out->note = grant ? "already granted" : "not granted";
    struct event *ev = engine__emit(events, grant ? EVENT_ROLE_GRANTED : EVENT_ROLE_REVOKED,
                                    (cmd->present & CMD_HAS_ASSET) ? cmd->asset : (uint16_t)EVENT_NO_ASSET);
    ev->who = (uint32_t)who;
    ev->code = cmd->role;
    ev->flags = had == grant;
    return ERR_OK;
}

/* ---- operators and the controller ------------------------------------ */

static struct event *gov__operator_event(struct event_buf *events, enum event_type type,
                                         uint32_t who) {
    struct event *ev = engine__emit(events, type, (uint16_t)EVENT_NO_ASSET);
    ev->who = who;
    return ev;
}

/* A removed operator's slot can take the name again; otherwise a new slot. */
static int gov__removed_slot(const struct engine *e, const char *name) {
    for (uint32_t i = 0; i < e->s.operators_count; i++) {
        if (e->s.operators[i].removed && strcmp(e->s.operators[i].name, name) == 0) return (int)i;
    }
    return -1;
}

enum err governance_operator_add_apply(struct engine *e, const struct command *cmd,
                                       struct event_buf *events, struct apply_result *out) {
    (void)out;
    if (engine_operator_find(e, cmd->name, strlen(cmd->name)) >= 0) return ERR_ALREADY_EXISTS;
    enum err err = gov__key_free(e, cmd->pubkey, UINT32_MAX);
    if (err) return err;
    int slot = gov__removed_slot(e, cmd->name);
    if (slot < 0 && e->s.operators_count == LIMIT_OPERATORS) return ERR_LIMIT_REACHED;
    uint32_t i = slot >= 0 ? (uint32_t)slot : e->s.operators_count++;
    struct operator *o = &e->s.operators[i];
    memset(o, 0, sizeof(*o));
    memcpy(o->name, cmd->name, strlen(cmd->name) + 1);
    memcpy(o->pubkey, cmd->pubkey, sizeof(o->pubkey));
    o->key_created_ns = e->s.time_ns;
    if (!e->s.inc.has_system && strcmp(cmd->name, SYSTEM_OPERATOR_NAME) == 0) {
        /* A ledger made before init made one: the alert loop's hand from now on. */
        e->s.inc.has_system = 1;
        e->s.inc.system_operator = i;
    }
    gov__operator_event(events, EVENT_OPERATOR_ADDED, i);
    return ERR_OK;
}

enum err governance_operator_remove_apply(struct engine *e, const struct command *cmd,
                                          struct event_buf *events, struct apply_result *out) {
    (void)out;
    int who = engine_operator_find(e, cmd->name, strlen(cmd->name));
    if (who < 0) return ERR_NOT_FOUND;
    if ((uint32_t)who == e->s.controller) return ERR_INVALID_ARGUMENT; /* hand over first */
    struct operator *o = &e->s.operators[who];
    o->removed = 1;
    o->roles = 0;
    memset(o->pubkey, 0, sizeof(o->pubkey));
    for (uint32_t i = 0; i < e->s.grants_count; i++) {
        if (e->s.grants[i].operator_index == (uint32_t)who) e->s.grants[i].roles = 0;
    }
    if (e->s.controller_pending == (uint32_t)who) e->s.controller_pending = UINT32_MAX;
    gov__operator_event(events, EVENT_OPERATOR_REMOVED, (uint32_t)who);
    return ERR_OK;
}

enum err governance_operator_rotate_apply(struct engine *e, const struct command *cmd,
                                          struct event_buf *events, struct apply_result *out) {
    (void)out;
    int who = engine_operator_find(e, cmd->name, strlen(cmd->name));
    if (who < 0) return ERR_NOT_FOUND;
    struct operator *o = &e->s.operators[who];
    if (memcmp(o->pubkey, cmd->pubkey, sizeof(o->pubkey)) == 0) return ERR_INVALID_ARGUMENT;
    enum err err = gov__key_free(e, cmd->pubkey, (uint32_t)who);
    if (err) return err;
    memcpy(o->pubkey, cmd->pubkey, sizeof(o->pubkey));
    o->key_created_ns = e->s.time_ns;
    gov__operator_event(events, EVENT_KEY_ROTATED, (uint32_t)who);
    return ERR_OK;
}

enum err governance_controller_propose_apply(struct engine *e, const struct command *cmd,
                                             struct event_buf *events, struct apply_result *out) {
    (void)out;
    if (cmd->operator_index != e->s.controller) return ERR_UNAUTHORIZED;
    int who = engine_operator_find(e, cmd->name, strlen(cmd->name));
    if (who < 0) return ERR_NOT_FOUND;
    if ((uint32_t)who == e->s.controller) return ERR_INVALID_ARGUMENT;
    e->s.controller_pending = (uint32_t)who;
    gov__operator_event(events, EVENT_CONTROLLER_PROPOSED, (uint32_t)who);
    return ERR_OK;
}

enum err governance_controller_accept_apply(struct engine *e, const struct command *cmd,
                                            struct event_buf *events, struct apply_result *out) {
    (void)out;
    if (e->s.controller_pending == UINT32_MAX) return ERR_NOT_FOUND;
    if (cmd->operator_index != e->s.controller_pending) return ERR_UNAUTHORIZED;
    struct event *ev = gov__operator_event(events, EVENT_CONTROLLER_CHANGED, cmd->operator_index);
    ev->ref_id = e->s.controller;
    e->s.controller = cmd->operator_index;
    e->s.controller_pending = UINT32_MAX;
    return ERR_OK;
}
