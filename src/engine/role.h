/* role.h - the roles of SPEC 2, as bits of a mask. Order is stable. */
#ifndef MINTLINE_ENGINE_ROLE_H
#define MINTLINE_ENGINE_ROLE_H

#include <stddef.h>
#include <stdint.h>

#define ROLE_TABLE(X)                                                                              \
    X(ADMIN, "admin")                                                                              \
    X(MINTER, "minter")                                                                            \
    X(BURNER, "burner")                                                                            \
    X(TRANSFER_AGENT, "transfer_agent")                                                            \
    X(PAUSER, "pauser")                                                                            \
    X(ORACLE_UPDATER, "oracle_updater")                                                            \
    X(ORACLE_MANAGER, "oracle_manager")                                                            \
    X(RESERVE_REPORTER, "reserve_reporter")                                                        \
    X(COMPLIANCE, "compliance")                                                                    \
    X(AGENT, "agent")                                                                              \
    X(TREASURY_MANAGER, "treasury_manager")                                                        \
    X(PAYOUT_MANAGER, "payout_manager")                                                            \
    X(LIQUIDATOR, "liquidator")                                                                    \
    X(BRIDGE_OPERATOR, "bridge_operator")                                                          \
    X(REFUND_SIGNER, "refund_signer")                                                              \
    X(INCIDENT_MANAGER, "incident_manager")                                                        \
    X(VIEWER, "viewer")                                                                            \
    X(AUDITOR, "auditor")

enum role {
#define ROLE_ENUM_ROW(id, name) ROLE_##id,
    ROLE_TABLE(ROLE_ENUM_ROW)
#undef ROLE_ENUM_ROW
        ROLE__COUNT
};

#define ROLE_BIT(r) (1u << (unsigned)(r))

const char *role_name(enum role role);
/* role_parse: exact name; returns ROLE__COUNT when unknown. */
enum role role_parse(const char *name, size_t len);

#endif
