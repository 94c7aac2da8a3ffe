/*
 * governance.h - policies, proposals, the timelock, roles (SPEC 4).
 *
 * governance_route decides, for every non-meta command that passed its
 * authorisation, whether it runs now, waits for approvals (a proposal
 * bound to the exact command) or waits in the timelock. Approving,
 * cancelling and executing are commands too (OP_META): they check their
 * own role, and the command they release is checked again in full, as if
 * submitted at that moment by its proposer.
 */
#ifndef MINTLINE_ENGINE_GOVERNANCE_H
#define MINTLINE_ENGINE_GOVERNANCE_H

#include "command.h"

/* governance_route: run cmd now, or create its proposal or timelock entry
 * (out->pending says which). */
enum err governance_route(struct engine *e, const struct command *cmd, struct event_buf *events,
                          struct apply_result *out);

/* governance_may: may this operator run cmd? The op table's role (held
 * globally, or for the command's asset), except that granting or revoking
 * `admin` belongs to the controller alone, whatever its roles (SPEC 4), so
 * that a controller without `admin` can never lock the ledger out of it. */
int governance_may(const struct engine *e, uint32_t op_index, const struct command *cmd);

/* governance_execute: authorisation and the op's handler, no policy (what
 * a released command goes through). */
enum err governance_execute(struct engine *e, const struct command *cmd,
                            struct event_buf *events, struct apply_result *out);

enum err governance_approve_apply(struct engine *e, const struct command *cmd,
                                  struct event_buf *events, struct apply_result *out);
enum err governance_cancel_apply(struct engine *e, const struct command *cmd,
                                 struct event_buf *events, struct apply_result *out);
/* timelock.expedite (SPEC 9's timelock override): policy approvals
 * default GOVERNANCE_EMERGENCY_APPROVALS (genesis `emergency_approvals`). */
#define GOVERNANCE_EMERGENCY_APPROVALS 3u
enum err governance_timelock_expedite_apply(struct engine *e, const struct command *cmd,
                                            struct event_buf *events, struct apply_result *out);
enum err governance_timelock_execute_apply(struct engine *e, const struct command *cmd,
                                           struct event_buf *events, struct apply_result *out);
enum err governance_timelock_cancel_apply(struct engine *e, const struct command *cmd,
                                          struct event_buf *events, struct apply_result *out);
enum err governance_policy_set_apply(struct engine *e, const struct command *cmd,
                                     struct event_buf *events, struct apply_result *out);
/* role.grant and role.revoke (the op says which) */
enum err governance_role_grant_revoke_apply(struct engine *e, const struct command *cmd,
                                            struct event_buf *events, struct apply_result *out);

enum err governance_operator_add_apply(struct engine *e, const struct command *cmd,
                                       struct event_buf *events, struct apply_result *out);
enum err governance_operator_remove_apply(struct engine *e, const struct command *cmd,
                                          struct event_buf *events, struct apply_result *out);
enum err governance_operator_rotate_apply(struct engine *e, const struct command *cmd,
                                          struct event_buf *events, struct apply_result *out);
enum err governance_controller_propose_apply(struct engine *e, const struct command *cmd,
                                             struct event_buf *events, struct apply_result *out);
enum err governance_controller_accept_apply(struct engine *e, const struct command *cmd,
                                            struct event_buf *events, struct apply_result *out);

#endif
