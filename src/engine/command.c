/*
 * command.c - THE op table and the generic decoder every op shares.
 *
 * Decoding is strict: the op must be known, every required field present,
 * no field unknown to the op's row, and every value well formed. It reads
 * the engine only for asset symbols and decimals (immutable once created).
 */
#include "command.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/duration.h"
#include "../base/hex.h"
#include "../base/jw.h"
#include "bridge.h"
#include "compliance.h"
#include "control.h"
#include "engine.h"
#include "genesis.h"
#include "governance.h"
#include "incident.h"
#include "ledger.h"
#include "oracle.h"
#include "payout.h"
#include "por.h"
#include "reserve.h"
#include "restrict.h"
#include "stabilizer.h"
#include "vault.h"

/* The request parser hands over text arguments up to LIMIT_ARG_TEXT bytes. */
_Static_assert(FIELD__COUNT <= 62, "command.present has one bit per field kind (journal form: 31 + 31)");
_Static_assert(LIMIT_COMMAND_ARGS > OP_FIELDS_MAX, "every field of an op and \"op\" fit");
_Static_assert(LIMIT_ARG_TEXT >= LIMIT_REASON_BYTES,
               "a reason of LIMIT_REASON characters reaches the decoder");

#define F(n, k, r) {n, k, r}

static const struct op_def op_rows[OP__COUNT] = {
    [OP_MINT] = {"mint", ledger_mint_apply, ROLE_MINTER, OP_VALUE_MOVING,
                 {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("to", FIELD_TO, FIELD_REQUIRED),
                  F("amount", FIELD_AMOUNT, FIELD_REQUIRED),
                  F("partition", FIELD_PARTITION, FIELD_OPTIONAL)},
                 "create tokens for an address"},
    [OP_BURN] = {"burn", ledger_burn_apply, ROLE_BURNER, OP_VALUE_MOVING,
                 {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("from", FIELD_FROM, FIELD_REQUIRED),
                  F("amount", FIELD_AMOUNT, FIELD_REQUIRED),
                  F("partition", FIELD_PARTITION, FIELD_OPTIONAL)},
                 "destroy tokens held by an address"},
    [OP_TRANSFER] = {"transfer", ledger_transfer_apply, ROLE_TRANSFER_AGENT, OP_VALUE_MOVING,
                     {F("asset", FIELD_ASSET, FIELD_REQUIRED),
                      F("from", FIELD_FROM, FIELD_REQUIRED), F("to", FIELD_TO, FIELD_REQUIRED),
                      F("amount", FIELD_AMOUNT, FIELD_REQUIRED),
                      F("partition", FIELD_PARTITION, FIELD_OPTIONAL)},
                     "move tokens between holders on their instruction"},
    [OP_PAUSE] = {"pause", control_pause_unpause_apply, ROLE_PAUSER, 0,
                  {F("asset", FIELD_ASSET, FIELD_OPTIONAL)},
                  "stop mint, burn and transfer (one asset, or everything)"},
    [OP_UNPAUSE] = {"unpause", control_pause_unpause_apply, ROLE_PAUSER, 0,
                    {F("asset", FIELD_ASSET, FIELD_OPTIONAL)},
                    "lift a pause (one asset, or the global one)"},
    [OP_DEV_ADVANCE] = {"dev.advance", control_dev_advance_apply, ROLE_ADMIN,
                        OP_NEEDS_MANUAL_CLOCK, {F("duration", FIELD_DURATION, FIELD_REQUIRED)},
                        "move the ledger clock forward (nodes with --clock manual)"},
    [OP_MINT_HALT] = {"mint_halt", control_mint_halt_resume_apply, ROLE_PAUSER, 0,
                      {F("asset", FIELD_ASSET, FIELD_REQUIRED)},
                      "stop minting of one asset (burn and transfer go on)"},
    [OP_MINT_RESUME] = {"mint_resume", control_mint_halt_resume_apply, ROLE_PAUSER, 0,
                        {F("asset", FIELD_ASSET, FIELD_REQUIRED)}, "lift a minting halt"},
    [OP_CAPS_SET] = {"caps.set", control_caps_set_apply, ROLE_TREASURY_MANAGER, 0,
                     {F("asset", FIELD_ASSET, FIELD_REQUIRED),
                      F("supply_cap", FIELD_SUPPLY_CAP, FIELD_OPTIONAL),
                      F("daily_mint_limit", FIELD_MINT_LIMIT, FIELD_OPTIONAL),
                      F("daily_inflow_limit", FIELD_INFLOW_LIMIT, FIELD_OPTIONAL)},
                     "change an asset's supply cap and daily limits"},
    [OP_ROLE_GRANT] = {"role.grant", governance_role_grant_revoke_apply, ROLE_ADMIN, 0,
                       {F("name", FIELD_NAME, FIELD_REQUIRED), F("role", FIELD_ROLE, FIELD_REQUIRED),
                        F("asset", FIELD_ASSET, FIELD_OPTIONAL)},
                       "give an operator a role (globally, or for one asset)"},
    [OP_ROLE_REVOKE] = {"role.revoke", governance_role_grant_revoke_apply, ROLE_ADMIN, 0,
                        {F("name", FIELD_NAME, FIELD_REQUIRED), F("role", FIELD_ROLE, FIELD_REQUIRED),
                         F("asset", FIELD_ASSET, FIELD_OPTIONAL)},
                        "take a role away (globally, or for one asset)"},
    [OP_POLICY_SET] = {"policy.set", governance_policy_set_apply, ROLE_ADMIN, 0,
                       {F("target_op", FIELD_TARGET_OP, FIELD_REQUIRED),
                        F("asset", FIELD_ASSET, FIELD_OPTIONAL),
                        F("approvals", FIELD_APPROVALS, FIELD_OPTIONAL),
                        F("timelock", FIELD_DELAY, FIELD_OPTIONAL)},
                       "set how many approvals and what delay an op needs"},
    [OP_APPROVE] = {"approve", governance_approve_apply, ROLE_VIEWER, OP_META,
                    {F("id", FIELD_ID, FIELD_REQUIRED)},
                    "approve a proposal (it runs at its last approval)"},
    [OP_CANCEL] = {"cancel", governance_cancel_apply, ROLE_VIEWER, OP_META,
                   {F("id", FIELD_ID, FIELD_REQUIRED)},
                   "cancel a proposal (its proposer, an admin or the controller)"},
    [OP_TIMELOCK_EXECUTE] = {"timelock.execute", governance_timelock_execute_apply, ROLE_VIEWER,
                             OP_META, {F("id", FIELD_ID, FIELD_REQUIRED)},
                             "run a scheduled command once its delay has passed"},
    [OP_TIMELOCK_CANCEL] = {"timelock.cancel", governance_timelock_cancel_apply, ROLE_VIEWER,
                            OP_META, {F("id", FIELD_ID, FIELD_REQUIRED)},
                            "cancel a scheduled command (admins, the controller)"},
    [OP_OPERATOR_ADD] = {"operator.add", governance_operator_add_apply, ROLE_ADMIN, 0,
                         {F("name", FIELD_NAME, FIELD_REQUIRED), F("pubkey", FIELD_PUBKEY, FIELD_REQUIRED)},
                         "add an operator with its public key (roles come with role grant)"},
    [OP_OPERATOR_REMOVE] = {"operator.remove", governance_operator_remove_apply, ROLE_ADMIN, 0,
                            {F("name", FIELD_NAME, FIELD_REQUIRED)},
                            "remove an operator: its key stops working, its roles go"},
    [OP_OPERATOR_ROTATE_KEY] = {"operator.rotate_key", governance_operator_rotate_apply, ROLE_ADMIN, 0,
                                {F("name", FIELD_NAME, FIELD_REQUIRED),
                                 F("pubkey", FIELD_PUBKEY, FIELD_REQUIRED)},
                                "replace an operator's key; the old one stops working then"},
    [OP_CONTROLLER_PROPOSE] = {"controller.propose", governance_controller_propose_apply,
                               ROLE_VIEWER, OP_META, {F("name", FIELD_NAME, FIELD_REQUIRED)},
                               "the controller names its successor (who must accept)"},
    [OP_CONTROLLER_ACCEPT] = {"controller.accept", governance_controller_accept_apply, ROLE_VIEWER,
                              OP_META, {{NULL, 0, 0}},
                              "the named successor takes the controller role"},
    [OP_BLACKLIST_ADD] = {"blacklist.add", restrict_blacklist_add_remove_apply, ROLE_COMPLIANCE, 0,
                          {F("address", FIELD_FROM, FIELD_REQUIRED)},
                          "bar an address from sending, receiving and minting"},
    [OP_BLACKLIST_REMOVE] = {"blacklist.remove", restrict_blacklist_add_remove_apply, ROLE_COMPLIANCE, 0,
                             {F("address", FIELD_FROM, FIELD_REQUIRED)},
                             "lift an address's blacklisting"},
    [OP_FREEZE] = {"freeze", restrict_freeze_unfreeze_apply, ROLE_COMPLIANCE, 0,
                   {F("address", FIELD_FROM, FIELD_REQUIRED), F("asset", FIELD_ASSET, FIELD_OPTIONAL),
                    F("amount", FIELD_AMOUNT, FIELD_OPTIONAL)},
                   "freeze an address (all assets, one asset, or an amount of one)"},
    [OP_UNFREEZE] = {"unfreeze", restrict_freeze_unfreeze_apply, ROLE_COMPLIANCE, 0,
                     {F("address", FIELD_FROM, FIELD_REQUIRED), F("asset", FIELD_ASSET, FIELD_OPTIONAL),
                      F("amount", FIELD_AMOUNT, FIELD_OPTIONAL)},
                     "lift a freeze (of an address, one asset, or an amount)"},
    [OP_FORCED_TRANSFER] = {"forced_transfer", restrict_forced_transfer_apply, ROLE_AGENT, 0,
                            {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("from", FIELD_FROM, FIELD_REQUIRED),
                             F("to", FIELD_TO, FIELD_REQUIRED), F("amount", FIELD_AMOUNT, FIELD_REQUIRED),
                             F("partition", FIELD_PARTITION, FIELD_OPTIONAL)},
                            "move tokens on an agent's order, unfreezing what must be"},
    [OP_RECOVER] = {"recover", restrict_recover_apply, ROLE_AGENT, 0,
                    {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("lost", FIELD_FROM, FIELD_REQUIRED),
                     F("new", FIELD_TO, FIELD_REQUIRED)},
                    "move a lost wallet's balance and frozen state to a new address"},
    [OP_RESCUE] = {"rescue", restrict_rescue_apply, ROLE_AGENT, 0,
                   {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("from", FIELD_FROM, FIELD_REQUIRED),
                    F("to", FIELD_TO, FIELD_REQUIRED), F("amount", FIELD_AMOUNT, FIELD_REQUIRED),
                    F("partition", FIELD_PARTITION, FIELD_OPTIONAL)},
                   "move stuck tokens out of any address to a safe one"},
    [OP_PRICE_UPDATE] = {"price.update", oracle_price_update_apply, ROLE_ORACLE_UPDATER, 0,
                         {F("feed", FIELD_FEED, FIELD_REQUIRED), F("value", FIELD_PRICE, FIELD_REQUIRED)},
                         "publish a price on a feed (refused while the feed is frozen)"},
    [OP_ORACLE_FREEZE] = {"oracle.freeze", oracle_freeze_unfreeze_apply, ROLE_ORACLE_MANAGER, 0,
                          {F("feed", FIELD_FEED, FIELD_REQUIRED)},
                          "freeze a price feed: no updates, and what depends on it stops"},
    [OP_ORACLE_UNFREEZE] = {"oracle.unfreeze", oracle_freeze_unfreeze_apply, ROLE_ORACLE_MANAGER, 0,
                            {F("feed", FIELD_FEED, FIELD_REQUIRED)}, "lift a feed's freeze"},
    [OP_NAV_UPDATE] = {"nav.update", oracle_nav_set_apply, ROLE_ORACLE_UPDATER, 0,
                       {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("value", FIELD_PRICE, FIELD_REQUIRED)},
                       "set a fund's NAV (refused beyond nav_max_deviation)"},
    [OP_NAV_FORCE] = {"nav.force", oracle_nav_set_apply, ROLE_ORACLE_MANAGER, 0,
                      {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("value", FIELD_PRICE, FIELD_REQUIRED),
                       F("reason", FIELD_REASON, FIELD_REQUIRED)},
                      "set a fund's NAV past the deviation check, with a journaled reason"},
    [OP_RESERVE_REPORT] = {"reserve.report", reserve_report_apply, ROLE_RESERVE_REPORTER, 0,
                           {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("amount", FIELD_AMOUNT, FIELD_REQUIRED)},
                           "report a fiat asset's reserve (replaces this reporter's last report)"},
    [OP_RESERVE_ATTEST] = {"reserve.attest", reserve_attest_apply, ROLE_TREASURY_MANAGER, 0,
                           {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("usd", FIELD_PRICE, FIELD_REQUIRED),
                            F("hash", FIELD_PUBKEY, FIELD_REQUIRED)},
                           "record an attestation: its USD value and the report's hash"},
    [OP_POR_PUBLISH] = {"por.publish", por_publish_apply, ROLE_TREASURY_MANAGER, 0,
                        {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("salt", FIELD_SECRET, FIELD_REQUIRED)},
                        "publish a proof-of-reserves root over every holder (salt: 32 random bytes, hex)"},
    [OP_IDENTITY_REGISTER] = {"identity.register", compliance_identity_register_apply, ROLE_COMPLIANCE, 0,
                              {F("address", FIELD_FROM, FIELD_REQUIRED),
                               F("country", FIELD_COUNTRY, FIELD_REQUIRED),
                               F("investor_type", FIELD_INVESTOR_TYPE, FIELD_OPTIONAL)},
                              "register an investor's identity (country, investor type); claims stay"},
    [OP_IDENTITY_REMOVE] = {"identity.remove", compliance_identity_remove_apply, ROLE_COMPLIANCE, 0,
                            {F("address", FIELD_FROM, FIELD_REQUIRED)},
                            "remove an identity and its claims (the address can no longer receive securities)"},
    [OP_CLAIM_SET] = {"claim.set", compliance_claim_set_apply, ROLE_COMPLIANCE, 0,
                      {F("address", FIELD_FROM, FIELD_REQUIRED), F("topic", FIELD_TOPIC, FIELD_REQUIRED),
                       F("expires", FIELD_DATE, FIELD_REQUIRED)},
                      "record a claim (kyc, aml, accredited, tax_form) valid until a date"},
    [OP_CLAIM_REVOKE] = {"claim.revoke", compliance_claim_revoke_apply, ROLE_COMPLIANCE, 0,
                         {F("address", FIELD_FROM, FIELD_REQUIRED), F("topic", FIELD_TOPIC, FIELD_REQUIRED)},
                         "withdraw a claim"},
    [OP_ASSET_RULES_SET] = {"asset.rules.set", compliance_rules_set_apply, ROLE_COMPLIANCE, 0,
                            {F("asset", FIELD_ASSET, FIELD_REQUIRED),
                             F("partition", FIELD_PARTITION, FIELD_OPTIONAL),
                             F("required_claims", FIELD_CLAIMS, FIELD_OPTIONAL),
                             F("allowed_countries", FIELD_ALLOWED_COUNTRIES, FIELD_OPTIONAL),
                             F("blocked_countries", FIELD_BLOCKED_COUNTRIES, FIELD_OPTIONAL),
                             F("max_holders", FIELD_MAX_HOLDERS, FIELD_OPTIONAL),
                             F("max_balance", FIELD_MAX_BALANCE, FIELD_OPTIONAL),
                             F("lockup_until", FIELD_DATE, FIELD_OPTIONAL),
                             F("no_us_persons", FIELD_FLAG, FIELD_OPTIONAL)},
                            "change a security asset's rules, or one partition's (adds it when new)"},
    [OP_PAYOUT_SNAPSHOT] = {"payout.snapshot", payout_snapshot_apply, ROLE_PAYOUT_MANAGER, 0,
                            {F("asset", FIELD_ASSET, FIELD_REQUIRED)},
                            "record every holder's balance of an asset now, for a payout"},
    [OP_PAYOUT_CREATE] = {"payout.create", payout_create_apply, ROLE_PAYOUT_MANAGER, 0,
                          {F("snapshot", FIELD_ID, FIELD_REQUIRED), F("pay", FIELD_ASSET, FIELD_REQUIRED),
                           F("total", FIELD_AMOUNT, FIELD_REQUIRED), F("from", FIELD_FROM, FIELD_REQUIRED),
                           F("mode", FIELD_MODE, FIELD_REQUIRED)},
                          "a payout of an asset from a distributor, pro rata over a snapshot (full|pro-rata)"},
    [OP_PAYOUT_DISTRIBUTE] = {"payout.distribute", payout_distribute_apply, ROLE_PAYOUT_MANAGER, 0,
                              {F("id", FIELD_ID, FIELD_REQUIRED)},
                              "pay every leg of a payout, all or none (two operators by default)"},
    [OP_INCIDENT_OPEN] = {"incident.open", incident_open_apply, ROLE_INCIDENT_MANAGER, 0,
                          {F("severity", FIELD_SEVERITY, FIELD_REQUIRED),
                           F("title", FIELD_TEXT, FIELD_REQUIRED), F("asset", FIELD_ASSET, FIELD_OPTIONAL),
                           F("alert", FIELD_ALERT, FIELD_OPTIONAL)},
                          "open an incident (P0..P3), optionally about one asset"},
    [OP_INCIDENT_ACK] = {"incident.ack", incident_ack_apply, ROLE_INCIDENT_MANAGER, 0,
                         {F("id", FIELD_ID, FIELD_REQUIRED)}, "acknowledge an incident"},
    [OP_INCIDENT_NOTE] = {"incident.note", incident_note_apply, ROLE_INCIDENT_MANAGER, 0,
                          {F("id", FIELD_ID, FIELD_REQUIRED), F("text", FIELD_REASON, FIELD_REQUIRED)},
                          "add a note to an incident's timeline"},
    [OP_INCIDENT_RESOLVE] = {"incident.resolve", incident_resolve_apply, ROLE_INCIDENT_MANAGER, 0,
                             {F("id", FIELD_ID, FIELD_REQUIRED),
                              F("summary", FIELD_REASON, FIELD_REQUIRED)},
                             "resolve an incident with a summary"},
    [OP_MAINTENANCE_START] = {"maintenance.start", maintenance_start_apply, ROLE_INCIDENT_MANAGER, 0,
                              {F("duration", FIELD_DURATION, FIELD_REQUIRED),
                               F("reason", FIELD_TEXT, FIELD_REQUIRED)},
                              "open a maintenance window (at most 7d): warnings are silenced"},
    [OP_MAINTENANCE_END] = {"maintenance.end", maintenance_end_apply, ROLE_INCIDENT_MANAGER, 0,
                            {{0}}, "end the maintenance window in force"},
    [OP_TIMELOCK_EXPEDITE] = {"timelock.expedite", governance_timelock_expedite_apply, ROLE_ADMIN, 0,
                              {F("id", FIELD_ID, FIELD_REQUIRED)},
                              "run a timelocked entry before its eta during an open P0/P1 incident "
                              "(emergency_approvals admins)"},
    [OP_STABILIZER_SET] = {"stabilizer.set", stabilizer_set_apply, ROLE_TREASURY_MANAGER, 0,
                           {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("feed", FIELD_FEED, FIELD_OPTIONAL),
                            F("target", FIELD_PRICE, FIELD_OPTIONAL),
                            F("window_blocks", FIELD_WINDOW_BLOCKS, FIELD_OPTIONAL),
                            F("sustain_blocks", FIELD_SUSTAIN_BLOCKS, FIELD_OPTIONAL),
                            F("threshold", FIELD_THRESHOLD, FIELD_OPTIONAL),
                            F("k", FIELD_AMOUNT, FIELD_OPTIONAL),
                            F("max_per_block", FIELD_MAX_BALANCE, FIELD_OPTIONAL),
                            F("reserve_account", FIELD_TO, FIELD_OPTIONAL)},
                           "create or change an asset's stabilizer (market feed, peg, TWAP window, "
                           "sustain, threshold, k, per-block cap, reserve account)"},
    [OP_BRIDGE_SEND] = {"bridge.send", bridge_send_apply, ROLE_BRIDGE_OPERATOR, 0,
                        {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("from", FIELD_FROM, FIELD_REQUIRED),
                         F("chain", FIELD_CHAIN, FIELD_REQUIRED), F("to", FIELD_TO, FIELD_REQUIRED),
                         F("amount", FIELD_AMOUNT, FIELD_REQUIRED)},
                        "lock an amount in the bridge escrow for another chain (id returned)"},
    [OP_BRIDGE_CONFIRM] = {"bridge.confirm", bridge_confirm_apply, ROLE_BRIDGE_OPERATOR, 0,
                           {F("id", FIELD_ID, FIELD_REQUIRED), F("tx", FIELD_TX_HASH, FIELD_REQUIRED)},
                           "settle a bridge transfer with its destination tx: the escrow is burned"},
    [OP_BRIDGE_REFUND] = {"bridge.refund", bridge_refund_apply, ROLE_BRIDGE_OPERATOR, 0,
                          {F("id", FIELD_ID, FIELD_REQUIRED)},
                          "request the refund of a transfer past its route's timeout"},
    [OP_BRIDGE_REFUND_EXECUTE] = {"bridge.refund_execute", bridge_refund_execute_apply,
                                  ROLE_REFUND_SIGNER, 0,
                                  {F("id", FIELD_ID, FIELD_REQUIRED)},
                                  "return a requested refund's escrow to the sender (another operator)"},
    [OP_BRIDGE_RECEIVE] = {"bridge.receive", bridge_receive_apply, ROLE_BRIDGE_OPERATOR, 0,
                           {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("chain", FIELD_CHAIN, FIELD_REQUIRED),
                            F("tx", FIELD_TX_HASH, FIELD_REQUIRED), F("to", FIELD_TO, FIELD_REQUIRED),
                            F("amount", FIELD_AMOUNT, FIELD_REQUIRED)},
                           "mint an inbound transfer, once per (chain, tx)"},
    [OP_BRIDGE_ROUTE_SET] = {"bridge.route.set", bridge_route_set_apply, ROLE_ADMIN, 0,
                             {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("chain", FIELD_CHAIN, FIELD_REQUIRED),
                              F("min", FIELD_AMOUNT, FIELD_REQUIRED),
                              F("max", FIELD_MAX_BALANCE, FIELD_REQUIRED),
                              F("timeout", FIELD_DURATION, FIELD_REQUIRED),
                              F("latency", FIELD_DELAY, FIELD_OPTIONAL),
                              F("safety_factor", FIELD_PRICE, FIELD_REQUIRED),
                              F("buffer_account", FIELD_TO, FIELD_REQUIRED)},
                             "add or change a bridge route (max \"0\": none; latency defaults to timeout)"},
    [OP_BRIDGE_ROUTE_ENABLE] = {"bridge.route.enable", bridge_route_enable_apply, ROLE_ADMIN, 0,
                                {F("chain", FIELD_CHAIN, FIELD_REQUIRED),
                                 F("asset", FIELD_ASSET, FIELD_OPTIONAL)},
                                "enable the routes to a chain (or one asset's)"},
    [OP_BRIDGE_ROUTE_DISABLE] = {"bridge.route.disable", bridge_route_enable_apply, ROLE_PAUSER, 0,
                                 {F("chain", FIELD_CHAIN, FIELD_REQUIRED),
                                  F("asset", FIELD_ASSET, FIELD_OPTIONAL)},
                                 "stop sends and receives on the routes to a chain at once, like a pause"},
    [OP_VAULT_OPEN] = {"vault.open", vault_open_apply, ROLE_TRANSFER_AGENT, 0,
                       {F("type", FIELD_VAULT_TYPE, FIELD_REQUIRED), F("owner", FIELD_FROM, FIELD_REQUIRED)},
                       "open a vault of a type for an owner (its id is in the VaultOpened event)"},
    [OP_VAULT_DEPOSIT] = {"vault.deposit", vault_deposit_apply, ROLE_TRANSFER_AGENT, 0,
                          {F("id", FIELD_ID, FIELD_REQUIRED), F("amount", FIELD_AMOUNT, FIELD_REQUIRED),
                           F("asset", FIELD_ASSET, FIELD_OPTIONAL), F("owner", FIELD_FROM, FIELD_OPTIONAL)},
                          "move the owner's collateral into the vault"},
    [OP_VAULT_WITHDRAW] = {"vault.withdraw", vault_withdraw_apply, ROLE_TRANSFER_AGENT, 0,
                           {F("id", FIELD_ID, FIELD_REQUIRED), F("amount", FIELD_AMOUNT, FIELD_REQUIRED),
                            F("asset", FIELD_ASSET, FIELD_OPTIONAL), F("owner", FIELD_FROM, FIELD_OPTIONAL)},
                           "give collateral back to the owner (the vault stays at min_ratio or above)"},
    [OP_VAULT_BORROW] = {"vault.borrow", vault_borrow_apply, ROLE_TRANSFER_AGENT, 0,
                         {F("id", FIELD_ID, FIELD_REQUIRED), F("amount", FIELD_AMOUNT, FIELD_REQUIRED),
                          F("asset", FIELD_ASSET, FIELD_OPTIONAL), F("owner", FIELD_FROM, FIELD_OPTIONAL)},
                         "mint the debt asset to the owner against the vault's collateral"},
    [OP_VAULT_REPAY] = {"vault.repay", vault_repay_apply, ROLE_TRANSFER_AGENT, 0,
                        {F("id", FIELD_ID, FIELD_REQUIRED), F("amount", FIELD_AMOUNT, FIELD_REQUIRED),
                         F("asset", FIELD_ASSET, FIELD_OPTIONAL), F("owner", FIELD_FROM, FIELD_OPTIONAL)},
                        "burn the owner's debt tokens against the vault's debt"},
    [OP_VAULT_LIQUIDATE] = {"vault.liquidate", vault_liquidate_apply, ROLE_LIQUIDATOR, 0,
                            {F("id", FIELD_ID, FIELD_REQUIRED), F("by", FIELD_TO, FIELD_REQUIRED),
                             F("asset", FIELD_ASSET, FIELD_OPTIONAL)},
                            "repay a vault below liquidation_ratio and take its collateral with the penalty"},
    [OP_VAULT_TYPE_SET] = {"vault.type.set", vault_type_set_apply, ROLE_TREASURY_MANAGER, 0,
                           {F("type", FIELD_VAULT_TYPE, FIELD_REQUIRED), F("asset", FIELD_ASSET, FIELD_OPTIONAL),
                            F("collateral", FIELD_COLLATERAL, FIELD_OPTIONAL),
                            F("feed", FIELD_FEED, FIELD_OPTIONAL),
                            F("min_ratio", FIELD_MIN_RATIO, FIELD_OPTIONAL),
                            F("liquidation_ratio", FIELD_LIQUIDATION_RATIO, FIELD_OPTIONAL),
                            F("penalty", FIELD_PENALTY, FIELD_OPTIONAL),
                            F("debt_ceiling", FIELD_SUPPLY_CAP, FIELD_OPTIONAL),
                            F("dust", FIELD_MINT_LIMIT, FIELD_OPTIONAL)},
                           "add a vault type or change one's parameters (asset: the debt asset)"},
};

#undef F

const struct op_def *op_table(void) { return op_rows; }

const struct op_def *op_find(const char *name, size_t len) {
    for (unsigned i = 0; i < OP__COUNT; i++) {
        if (strlen(op_rows[i].name) == len && memcmp(op_rows[i].name, name, len) == 0) {
            return &op_rows[i];
        }
    }
    return NULL;
}

#define SLOT(m) {(uint16_t)offsetof(struct command, m), (uint16_t)sizeof(((struct command *)0)->m)}

/* Each kind's storage (command.h): what test_engine checks every op's row
 * against. */
static const struct command_slot command__slots[FIELD__COUNT] = {
    [FIELD_ASSET] = SLOT(asset),
    [FIELD_FROM] = SLOT(from),
    [FIELD_TO] = SLOT(to),
    [FIELD_AMOUNT] = SLOT(amount),
    [FIELD_DURATION] = SLOT(duration_ns),
    [FIELD_ID] = SLOT(id),
    [FIELD_ROLE] = SLOT(role),
    [FIELD_NAME] = SLOT(name),
    [FIELD_TARGET_OP] = SLOT(target_op),
    [FIELD_APPROVALS] = SLOT(approvals),
    [FIELD_DELAY] = SLOT(delay_ns),
    [FIELD_SUPPLY_CAP] = SLOT(supply_cap),
    [FIELD_MINT_LIMIT] = SLOT(daily_mint_limit),
    [FIELD_INFLOW_LIMIT] = SLOT(daily_inflow_limit),
    [FIELD_PUBKEY] = SLOT(pubkey),
    [FIELD_FEED] = SLOT(feed),
    [FIELD_PRICE] = SLOT(price),
    [FIELD_REASON] = {0, 0},
    [FIELD_SECRET] = SLOT(pubkey),
    [FIELD_COUNTRY] = SLOT(country),
    [FIELD_INVESTOR_TYPE] = SLOT(investor_type),
    [FIELD_TOPIC] = SLOT(topic),
    [FIELD_DATE] = SLOT(date),
    [FIELD_PARTITION] = SLOT(partition),
    [FIELD_CLAIMS] = SLOT(claims),
    [FIELD_ALLOWED_COUNTRIES] = SLOT(countries[0]),
    [FIELD_BLOCKED_COUNTRIES] = SLOT(countries[1]),
    [FIELD_MAX_HOLDERS] = SLOT(max_holders),
    [FIELD_MAX_BALANCE] = SLOT(max_balance),
    [FIELD_FLAG] = SLOT(flag),
    [FIELD_MODE] = SLOT(mode),
    [FIELD_TEXT] = SLOT(text),
    [FIELD_SEVERITY] = SLOT(severity),
    [FIELD_ALERT] = SLOT(alert),
    [FIELD_WINDOW_BLOCKS] = SLOT(window_blocks),
    [FIELD_SUSTAIN_BLOCKS] = SLOT(sustain_blocks),
    [FIELD_THRESHOLD] = SLOT(threshold_ppm),
    [FIELD_CHAIN] = SLOT(chain),
    [FIELD_TX_HASH] = SLOT(pubkey),
    [FIELD_VAULT_TYPE] = SLOT(vault_type),
    [FIELD_COLLATERAL] = SLOT(vault_collateral),
    [FIELD_MIN_RATIO] = SLOT(vault_min_ratio_ppm),
    [FIELD_LIQUIDATION_RATIO] = SLOT(vault_liquidation_ratio_ppm),
    [FIELD_PENALTY] = SLOT(vault_penalty_ppm),
};

unsigned command_field_slot(enum field_kind kind, struct command_slot out[2]) {
    if ((unsigned)kind >= FIELD__COUNT || command__slots[kind].size == 0) return 0;
    out[0] = command__slots[kind];
    if (kind != FIELD_ALLOWED_COUNTRIES && kind != FIELD_BLOCKED_COUNTRIES) return 1;
    unsigned k = kind == FIELD_BLOCKED_COUNTRIES;
    out[1].offset = (uint16_t)(offsetof(struct command, countries_count) + k * sizeof(uint16_t));
    out[1].size = (uint16_t)sizeof(uint16_t);
    return 2;
}

#undef SLOT

static const struct op_field *command__field(const struct op_def *def, const char *name,
                                             size_t len) {
    for (unsigned i = 0; i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        const char *f = def->fields[i].name;
        if (strlen(f) == len && memcmp(f, name, len) == 0) return &def->fields[i];
    }
    return NULL;
}

static enum err command__why(enum err err, const char *field, char *why, size_t why_size) {
    if (why != NULL && why_size > 0) snprintf(why, why_size, "%s", field);
    return err;
}

/* An error about a value names its field and quotes the value as given
 * (cut, and with anything unprintable shown as '?'), so an operator sees
 * which of their words was refused: `asset "USDX"`. */
static enum err command__why_value(enum err err, const char *field, const struct command_arg *a,
                                   char *why, size_t why_size) {
    int quote = err == ERR_UNKNOWN_ASSET || err == ERR_INVALID_AMOUNT ||
                err == ERR_INVALID_ADDRESS || err == ERR_INVALID_DURATION;
    if (!quote || a == NULL || a->type != ARG_STRING || why == NULL || why_size == 0) {
        return command__why(err, field, why, why_size); /* a number or null: the field says it */
    }
    char text[52];
    size_t n = a->value_len < 48 ? a->value_len : 48;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a->value[i];
        text[i] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
    }
    text[n] = '\0';
    snprintf(why, why_size, "%s \"%s%s\"", field, text, a->value_len > n ? "..." : "");
    return err;
}

/* An error naming a key as the client sent it (cut, so it can be echoed). */
static enum err command__why_key(enum err err, const struct command_arg *a, char *why,
                                 size_t why_size) {
    if (why != NULL && why_size > 0) {
        snprintf(why, why_size, "%.*s", (int)(a->key_len < 40 ? a->key_len : 40), a->key);
    }
    return err;
}

static const struct command_arg *command__arg(const struct command_arg *args, uint32_t n,
                                              const char *name) {
    size_t len = strlen(name);
    for (uint32_t i = 0; i < n; i++) {
        if (args[i].key_len == len && memcmp(args[i].key, name, len) == 0) return &args[i];
    }
    return NULL;
}

static int command__is_amount(enum field_kind kind) {
    return kind == FIELD_AMOUNT || kind == FIELD_SUPPLY_CAP || kind == FIELD_MINT_LIMIT ||
           kind == FIELD_INFLOW_LIMIT || kind == FIELD_MAX_BALANCE;
}

int op_field_is_amount(enum field_kind kind) {
    return command__is_amount(kind) || kind == FIELD_PRICE;
}

/* A reason: 1..LIMIT_REASON characters (code points) and at most
 * LIMIT_REASON_BYTES bytes, no NUL. Admission has already refused text that
 * is not UTF-8, so a code point is a byte that is not a continuation byte
 * (10xxxxxx); the byte bound keeps the request arena bounded whatever
 * reaches here. */
static int command__reason_ok(const char *text, size_t len) {
    if (len == 0 || len > LIMIT_REASON_BYTES || memchr(text, 0, len) != NULL) return 0;
    size_t chars = 0;
    for (size_t i = 0; i < len; i++) chars += ((unsigned char)text[i] & 0xC0u) != 0x80u;
    return chars >= 1 && chars <= LIMIT_REASON;
}

/* A kept text (a title): 1..LIMIT_TITLE_BYTES bytes, no control
 * character (it is printed in lists and tables), not blank. */
static int command__text_ok(const char *text, size_t len) {
    if (len == 0 || len > LIMIT_TITLE_BYTES) return 0;
    int blank = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7F) return 0;
        if (c != ' ') blank = 0;
    }
    return !blank;
}

/* Digits only (a JSON integer or a string of digits), at most max. */
static enum err command__count(const struct command_arg *a, uint64_t min, uint64_t max,
                               uint64_t *out) {
    if ((a->type != ARG_STRING && a->type != ARG_NUMBER) || a->value_len == 0 || a->value_len > 19) {
        return ERR_INVALID_ARGUMENT;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < a->value_len; i++) {
        if (a->value[i] < '0' || a->value[i] > '9') return ERR_INVALID_ARGUMENT;
        v = v * 10 + (uint64_t)(a->value[i] - '0');
    }
    if (v < min || v > max) return ERR_INVALID_ARGUMENT;
    *out = v;
    return ERR_OK;
}

/* The kinds that are not strings: ids and approval counts. */
static enum err command__field_number(const struct op_field *f, const struct command_arg *a,
                                      struct command *cmd) {
    uint64_t v;
    enum err err = f->kind == FIELD_ID ? command__count(a, 1, UINT64_MAX / 2, &v)
                                        : command__count(a, 1, LIMIT_APPROVALS, &v);
    if (err) return err;
    if (f->kind == FIELD_ID) cmd->id = v;
    else cmd->approvals = (uint32_t)v;
    cmd->present |= CMD_HAS(f->kind);
    return ERR_OK;
}

/* The governance kinds given as strings: role, name, target op, delay. */
/* The governance kinds given as strings: role, name, target op, delay. */
static enum err command__field_gov(const struct op_field *f, const struct command_arg *a,
                                   struct command *cmd) {
    if (f->kind == FIELD_ROLE) {
        enum role r = role_parse(a->value, a->value_len);
        if (r == ROLE__COUNT) return ERR_INVALID_ARGUMENT;
        cmd->role = (uint8_t)r;
    } else if (f->kind == FIELD_NAME) {
        if (!name_valid(a->value, a->value_len)) return ERR_INVALID_NAME;
        memcpy(cmd->name, a->value, a->value_len);
        cmd->name[a->value_len] = '\0';
    } else if (f->kind == FIELD_TARGET_OP) {
        const struct op_def *def = op_find(a->value, a->value_len);
        if (def == NULL) return ERR_UNKNOWN_OP;
        if (def->flags & OP_META) return ERR_INVALID_ARGUMENT; /* approvals are not governed */
        cmd->target_op = (uint16_t)(def - op_rows);
    } else if (f->kind == FIELD_PRICE) {
        if (amount_parse(a->value, a->value_len, FEED_DECIMALS, &cmd->price) != ERR_OK ||
            cmd->price == 0) {
            return ERR_INVALID_AMOUNT;
        }
    } else if (f->kind == FIELD_REASON) {
        if (!command__reason_ok(a->value, a->value_len)) return ERR_INVALID_ARGUMENT;
    } else if (f->kind == FIELD_PUBKEY || f->kind == FIELD_SECRET) {
        if (hex_decode(a->value, a->value_len, cmd->pubkey, sizeof(cmd->pubkey)) != 0) {
            return ERR_INVALID_ARGUMENT;
        }
    } else if (f->kind == FIELD_DELAY) {
        int zero = (a->value_len == 1 || a->value_len == 2) && a->value[0] == '0' &&
                   (a->value_len == 1 || a->value[1] == 's');
        if (zero) cmd->delay_ns = 0;
        else if (duration_parse(a->value, a->value_len, &cmd->delay_ns)) return ERR_INVALID_DURATION;
    } else {
        return ERR_INVALID_ARGUMENT;
    }
    cmd->present |= CMD_HAS(f->kind);
    return ERR_OK;
}

/* The security-token kinds (compliance.h); FIELD_FLAG is the one JSON
 * boolean an op takes ("true"/"false" strings are accepted too, as the
 * YAML-minded write them). */
static enum err command__field_security(const struct op_field *f, const struct command_arg *a,
                                        struct command *cmd) {
    if (f->kind == FIELD_FLAG) {
        if (a->type != ARG_BOOL && a->type != ARG_STRING) return ERR_INVALID_ARGUMENT;
        if (a->value_len == 4 && memcmp(a->value, "true", 4) == 0) cmd->flag = 1;
        else if (a->value_len == 5 && memcmp(a->value, "false", 5) == 0) cmd->flag = 0;
        else return ERR_INVALID_ARGUMENT;
        cmd->present |= CMD_HAS(f->kind);
        return ERR_OK;
    }
    if (f->kind == FIELD_MAX_HOLDERS) {
        uint64_t v;
        if (command__count(a, 1, RULES_MAX_HOLDERS_MAX, &v) != ERR_OK) return ERR_INVALID_ARGUMENT;
        cmd->max_holders = (uint32_t)v;
        cmd->present |= CMD_HAS(f->kind);
        return ERR_OK;
    }
    if (a->type != ARG_STRING) return ERR_INVALID_ARGUMENT;
    switch ((unsigned)f->kind) { /* the security kinds only; the rest never come here */
    case FIELD_COUNTRY:
        cmd->country = country_parse(a->value, a->value_len);
        if (cmd->country == 0) return ERR_INVALID_ARGUMENT;
        break;
    case FIELD_INVESTOR_TYPE: {
        enum investor_type t = investor_type_parse(a->value, a->value_len);
        if (t == INVESTOR__COUNT || t == INVESTOR_NONE) return ERR_INVALID_ARGUMENT;
        cmd->investor_type = (uint8_t)t;
        break;
    }
    case FIELD_TOPIC: {
        enum claim_topic t = claim_topic_parse(a->value, a->value_len);
        if (t == CLAIM__COUNT) return ERR_INVALID_ARGUMENT;
        cmd->topic = (uint8_t)t;
        break;
    }
    case FIELD_DATE:
        if (a->value_len == 4 && memcmp(a->value, "none", 4) == 0) cmd->date = 0;
        else if (date_parse(a->value, a->value_len, &cmd->date) != ERR_OK || cmd->date <= 0) {
            return ERR_INVALID_ARGUMENT;
        }
        break;
    case FIELD_PARTITION:
        /* Malformed is bad input (400, not journaled); a well-formed name the
         * asset does not have is ERR_PARTITION when applied. */
        if (!partition_name_valid(a->value, a->value_len)) return ERR_INVALID_ARGUMENT;
        memcpy(cmd->partition, a->value, a->value_len);
        cmd->partition[a->value_len] = '\0';
        break;
    case FIELD_CLAIMS:
        if (claims_parse(a->value, a->value_len, &cmd->claims) != 0) return ERR_INVALID_ARGUMENT;
        break;
    case FIELD_ALLOWED_COUNTRIES:
    case FIELD_BLOCKED_COUNTRIES: {
        unsigned k = f->kind == FIELD_BLOCKED_COUNTRIES;
        if (countries_parse(a->value, a->value_len, cmd->countries[k], &cmd->countries_count[k]) != 0) {
            return ERR_INVALID_ARGUMENT;
        }
        break;
    }
    case FIELD_MODE:
        if (a->value_len == 4 && memcmp(a->value, "full", 4) == 0) cmd->mode = 0;
        else if (a->value_len == 8 && memcmp(a->value, "pro-rata", 8) == 0) cmd->mode = 1;
        else return ERR_INVALID_ARGUMENT;
        break;
    case FIELD_TEXT:
        if (!command__text_ok(a->value, a->value_len)) return ERR_INVALID_ARGUMENT;
        memcpy(cmd->text, a->value, a->value_len);
        cmd->text[a->value_len] = '\0';
        break;
    case FIELD_SEVERITY: {
        int sev = incident_severity_parse(a->value, a->value_len);
        if (sev < 0) return ERR_INVALID_ARGUMENT;
        cmd->severity = (uint8_t)sev;
        break;
    }
    case FIELD_ALERT: {
        uint8_t raw[8];
        if (a->value_len != 16 || hex_decode(a->value, a->value_len, raw, sizeof(raw)) != 0) {
            return ERR_INVALID_ARGUMENT;
        }
        cmd->alert = 0;
        for (unsigned i = 0; i < 8; i++) cmd->alert = cmd->alert << 8 | raw[i];
        if (cmd->alert == 0) return ERR_INVALID_ARGUMENT;
        break;
    }
    default:
        return ERR_INVALID_ARGUMENT;
    }
    cmd->present |= CMD_HAS(f->kind);
    return ERR_OK;
}

/* The stabilizer's kinds: block counts (digits or a JSON number) and a
 * percentage. */
static enum err command__field_stab(const struct op_field *f, const struct command_arg *a,
                                    struct command *cmd) {
    uint64_t v;
    if (f->kind == FIELD_THRESHOLD) {
        if (a->type != ARG_STRING || percent_parse(a->value, a->value_len, &cmd->threshold_ppm) != ERR_OK ||
            cmd->threshold_ppm == 0) {
            return ERR_INVALID_ARGUMENT;
        }
    } else if (command__count(a, 2, LIMIT_STABILIZER_WINDOW, &v) != ERR_OK) {
        return ERR_INVALID_ARGUMENT;
    } else if (f->kind == FIELD_WINDOW_BLOCKS) {
        cmd->window_blocks = (uint32_t)v;
    } else {
        cmd->sustain_blocks = (uint32_t)v;
    }
    cmd->present |= CMD_HAS(f->kind);
    return ERR_OK;
}

/* The bridge's kinds (bridge.h): a chain id (a JSON number too), a
 * transaction hash. */
static enum err command__field_bridge(const struct op_field *f, const struct command_arg *a,
                                      struct command *cmd) {
    if (f->kind == FIELD_CHAIN) {
        uint64_t v;
        if (command__count(a, 1, UINT64_MAX / 2, &v) != ERR_OK) return ERR_INVALID_ARGUMENT;
        cmd->chain = v;
    } else {
        const char *t = a->value;
        size_t n = a->value_len;
        if (a->type != ARG_STRING) return ERR_INVALID_TX_HASH;
        if (n == 66 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
            t += 2;
            n -= 2;
        }
        uint8_t raw[32];
        if (n != 64 || hex_decode(t, n, raw, sizeof(raw)) != 0) return ERR_INVALID_TX_HASH;
        memcpy(cmd->pubkey, raw, sizeof(raw));
    }
    cmd->present |= CMD_HAS(f->kind);
    return ERR_OK;
}

/* The vault kinds (vault.h): a type's name, the collateral asset, ratios. */
static enum err command__field_vault(const struct engine *e, const struct op_field *f,
                                     const struct command_arg *a, struct command *cmd) {
    if (f->kind == FIELD_VAULT_TYPE) {
        if (!vault_type_name_valid(a->value, a->value_len)) return ERR_INVALID_ARGUMENT;
        memcpy(cmd->vault_type, a->value, a->value_len);
        cmd->vault_type[a->value_len] = '\0';
    } else if (f->kind == FIELD_COLLATERAL) {
        int index = engine_asset_find(e, a->value, a->value_len);
        if (index < 0) return ERR_UNKNOWN_ASSET;
        cmd->vault_collateral = (uint16_t)index;
    } else {
        uint32_t ppm;
        if (vault_ratio_parse(a->value, a->value_len, 0, &ppm) != ERR_OK) return ERR_INVALID_AMOUNT;
        if (f->kind == FIELD_MIN_RATIO) cmd->vault_min_ratio_ppm = ppm;
        else if (f->kind == FIELD_LIQUIDATION_RATIO) cmd->vault_liquidation_ratio_ppm = ppm;
        else cmd->vault_penalty_ppm = ppm;
    }
    cmd->present |= CMD_HAS(f->kind);
    return ERR_OK;
}

/* Decode every field but amounts (which need the asset's decimals). */
static enum err command__field_decode(const struct engine *e, const struct op_field *f,
                                      const struct command_arg *a, struct command *cmd) {
    if (f->kind == FIELD_ID || f->kind == FIELD_APPROVALS) return command__field_number(f, a, cmd);
    if (command__is_amount((enum field_kind)f->kind)) return ERR_OK; /* second pass */
    /* A flag may be a JSON boolean, a holder count a JSON number: the
     * security decoder checks each kind's type itself. */
    if (f->kind == FIELD_FLAG || f->kind == FIELD_MAX_HOLDERS) return command__field_security(f, a, cmd);
    if (f->kind == FIELD_WINDOW_BLOCKS || f->kind == FIELD_SUSTAIN_BLOCKS || f->kind == FIELD_THRESHOLD) {
        return command__field_stab(f, a, cmd);
    }
    if (f->kind == FIELD_CHAIN || f->kind == FIELD_TX_HASH) return command__field_bridge(f, a, cmd);
    if (a->type != ARG_STRING) return ERR_INVALID_ARGUMENT;
    enum err err;
    switch ((enum field_kind)f->kind) {
    case FIELD_ASSET: {
        int index = engine_asset_find(e, a->value, a->value_len);
        if (index < 0) return ERR_UNKNOWN_ASSET;
        cmd->asset = (uint16_t)index;
        cmd->present |= CMD_HAS_ASSET;
        return ERR_OK;
    }
    case FIELD_FROM:
        err = addr_parse(a->value, a->value_len, &cmd->from);
        if (err) return err;
        cmd->present |= CMD_HAS_FROM;
        return ERR_OK;
    case FIELD_TO:
        err = addr_parse(a->value, a->value_len, &cmd->to);
        if (err) return err;
        cmd->present |= CMD_HAS_TO;
        return ERR_OK;
    case FIELD_DURATION:
        err = duration_parse(a->value, a->value_len, &cmd->duration_ns);
        if (err) return err;
        if (cmd->duration_ns == 0) return ERR_INVALID_DURATION;
        cmd->present |= CMD_HAS_DURATION;
        return ERR_OK;
    case FIELD_FEED: {
        int index = engine_feed_find(e, a->value, a->value_len);
        if (index < 0) return ERR_UNKNOWN_FEED;
        cmd->feed = (uint16_t)index;
        cmd->present |= CMD_HAS(FIELD_FEED);
        return ERR_OK;
    }
    case FIELD_COUNTRY:
    case FIELD_INVESTOR_TYPE:
    case FIELD_TOPIC:
    case FIELD_DATE:
    case FIELD_PARTITION:
    case FIELD_CLAIMS:
    case FIELD_ALLOWED_COUNTRIES:
    case FIELD_BLOCKED_COUNTRIES:
    case FIELD_MAX_HOLDERS:
    case FIELD_FLAG:
    case FIELD_MODE:
    case FIELD_TEXT:
    case FIELD_SEVERITY:
    case FIELD_ALERT:
        return command__field_security(f, a, cmd);
    case FIELD_CHAIN:
    case FIELD_TX_HASH:
        return command__field_bridge(f, a, cmd);
    case FIELD_VAULT_TYPE:
    case FIELD_COLLATERAL:
    case FIELD_MIN_RATIO:
    case FIELD_LIQUIDATION_RATIO:
    case FIELD_PENALTY:
        return command__field_vault(e, f, a, cmd);
    case FIELD_MAX_BALANCE:
    case FIELD_AMOUNT:
    case FIELD_ID:
    case FIELD_ROLE:
    case FIELD_NAME:
    case FIELD_TARGET_OP:
    case FIELD_APPROVALS:
    case FIELD_DELAY:
    case FIELD_SUPPLY_CAP:
    case FIELD_MINT_LIMIT:
    case FIELD_INFLOW_LIMIT:
    case FIELD_PUBKEY:
    case FIELD_PRICE:
    case FIELD_REASON:
    case FIELD_SECRET:
    case FIELD_WINDOW_BLOCKS:
    case FIELD_SUSTAIN_BLOCKS:
    case FIELD_THRESHOLD:
    case FIELD__COUNT:
        break;
    }
    return command__field_gov(f, a, cmd);
}

static u128 *command__amount_slot(struct command *cmd, enum field_kind kind) {
    if (kind == FIELD_SUPPLY_CAP) return &cmd->supply_cap;
    if (kind == FIELD_MINT_LIMIT) return &cmd->daily_mint_limit;
    if (kind == FIELD_INFLOW_LIMIT) return &cmd->daily_inflow_limit;
    if (kind == FIELD_MAX_BALANCE) return &cmd->max_balance;
    return &cmd->amount;
}

static enum err command__amount(const struct engine *e, enum field_kind kind,
                                const struct command_arg *a, struct command *cmd) {
    if (!(cmd->present & CMD_HAS_ASSET)) return ERR_MISSING_FIELD;
    if (a->type != ARG_STRING) return ERR_INVALID_AMOUNT;
    unsigned decimals = e->s.assets[cmd->asset].decimals;
    u128 *slot = command__amount_slot(cmd, kind);
    enum err err = amount_parse(a->value, a->value_len, decimals, slot);
    if (err) return err; /* SPEC 2's canonical form only: "01" and "12.50" too */
    /* Moving nothing is a mistake an operator wants to hear about (a limit
     * of zero, though, is a legitimate setting). */
    if (kind == FIELD_AMOUNT && *slot == 0) return ERR_INVALID_AMOUNT;
    cmd->present |= CMD_HAS(kind);
    return ERR_OK;
}

/* An amount error names the field; when the value is only written in a
 * form that is not canonical ("012.50"), it also says how to write it, so
 * that an operator who typed it into the CLI knows what the node wants. */
static enum err command__why_amount(enum err err, const struct op_field *f,
                                    const struct command_arg *a, unsigned decimals, char *why,
                                    size_t why_size) {
    u128 v;
    int zero_refused = f->kind == FIELD_AMOUNT || f->kind == FIELD_PRICE;
    if (err != ERR_INVALID_AMOUNT || a->type != ARG_STRING ||
        amount_parse_loose(a->value, a->value_len, decimals, &v) != ERR_OK ||
        (zero_refused && v == 0)) {
        return command__why_value(err, f->name, a, why, why_size);
    }
    char text[AMOUNT_TEXT_SIZE];
    amount_format(v, decimals, text);
    if (why != NULL && why_size > 0) {
        snprintf(why, why_size, "%s: write %s (canonical form)", f->name, text);
    }
    return err;
}

/* The op named by the "op" argument. */
static enum err command__op(const struct command_arg *args, uint32_t n, const struct op_def **def,
                            char *why, size_t why_size) {
    const struct command_arg *op = command__arg(args, n, "op");
    if (op == NULL) return command__why(ERR_MISSING_FIELD, "op", why, why_size);
    if (op->type != ARG_STRING) return command__why(ERR_UNKNOWN_OP, "op", why, why_size);
    *def = op_find(op->value, op->value_len);
    if (*def == NULL) {
        char name[48];
        snprintf(name, sizeof(name), "%.*s", (int)(op->value_len < 40 ? op->value_len : 40), op->value);
        return command__why(ERR_UNKNOWN_OP, name, why, why_size);
    }
    return ERR_OK;
}

enum err command_decode_args(const struct engine *e, const struct command_arg *args, uint32_t n,
                             struct command *out, char *why, size_t why_size) {
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < i; j++) {
            if (args[i].key_len == args[j].key_len && memcmp(args[i].key, args[j].key, args[i].key_len) == 0) {
                return command__why(ERR_INVALID_JSON, "duplicate field", why, why_size);
            }
        }
    }
    const struct op_def *def = NULL;
    enum err err = command__op(args, n, &def, why, why_size);
    if (err) return err;
    struct command cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.op = (uint16_t)(def - op_rows);
    for (uint32_t i = 0; i < n; i++) {
        const struct command_arg *a = &args[i];
        if (a->key_len == 2 && memcmp(a->key, "op", 2) == 0) continue;
        const struct op_field *f = command__field(def, a->key, a->key_len);
        if (f == NULL) return command__why_key(ERR_UNKNOWN_FIELD, a, why, why_size);
        err = command__field_decode(e, f, a, &cmd);
        if (err && f->kind == FIELD_PRICE) {
            return command__why_amount(err, f, a, FEED_DECIMALS, why, why_size);
        }
        if (err) return command__why_value(err, f->name, a, why, why_size);
    }
    for (unsigned i = 0; i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        const struct op_field *f = &def->fields[i];
        if (f->required && command__arg(args, n, f->name) == NULL) {
            return command__why(ERR_MISSING_FIELD, f->name, why, why_size);
        }
    }
    /* A vault op's amounts are in its vault's asset (vault.h). */
    if (!(cmd.present & CMD_HAS_ASSET)) {
        err = vault_command_asset(e, &cmd);
        if (err) return command__why(err, "id", why, why_size);
    }
    /* Amounts last: they need the asset's decimals, whatever the key order. */
    for (uint32_t i = 0; i < n; i++) {
        const struct op_field *f = command__field(def, args[i].key, args[i].key_len);
        if (f == NULL || !command__is_amount((enum field_kind)f->kind)) continue;
        err = command__amount(e, (enum field_kind)f->kind, &args[i], &cmd);
        if (err && (cmd.present & CMD_HAS_ASSET)) {
            unsigned decimals = e->s.assets[cmd.asset].decimals;
            return command__why_amount(err, f, &args[i], decimals, why, why_size);
        }
        if (err) return command__why_value(err, f->name, &args[i], why, why_size);
    }
    *out = cmd;
    return ERR_OK;
}

enum err command_decode(const struct engine *e, const json_t *obj, struct command *out,
                        char *why, size_t why_size) {
    if (!json_is_object(obj)) return command__why(ERR_INVALID_JSON, "command", why, why_size);
    if (json_object_size(obj) > LIMIT_COMMAND_ARGS) {
        return command__why(ERR_UNKNOWN_FIELD, "too many fields", why, why_size);
    }
    struct command_arg args[LIMIT_COMMAND_ARGS];
    char numbers[LIMIT_COMMAND_ARGS][24];
    uint32_t n = 0;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        struct command_arg *a = &args[n];
        a->key = key;
        a->key_len = strlen(key);
        a->value = json_is_string(value) ? json_string_value(value) : NULL;
        a->value_len = json_is_string(value) ? json_string_length(value) : 0;
        if (json_is_integer(value) && json_integer_value(value) >= 0) {
            int len = snprintf(numbers[n], sizeof(numbers[n]), "%lld", (long long)json_integer_value(value));
            a->value = numbers[n];
            a->value_len = (size_t)len;
        }
        if (json_is_boolean(value)) {
            /* As the request parser hands them over (struct command_arg). */
            a->value = json_is_true(value) ? "true" : "false";
            a->value_len = json_is_true(value) ? 4 : 5;
        }
        n++;
        a->type = json_is_string(value)    ? ARG_STRING
                  : json_is_number(value)  ? ARG_NUMBER
                  : json_is_boolean(value) ? ARG_BOOL
                                           : ARG_OTHER;
    }
    return command_decode_args(e, args, n, out, why, why_size);
}

json_t *command_args_json(const json_t *obj) {
    json_t *args = json_object();
    if (args == NULL) return NULL;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        if (strcmp(key, "op") == 0) continue;
        json_object_set(args, key, (json_t *)value);
    }
    return args;
}

/* The CMD_HAS_* bits an op's row allows, and those it requires. */
static void command__masks(const struct op_def *def, uint64_t *allowed, uint64_t *required) {
    for (unsigned i = 0; i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        uint64_t bit = CMD_HAS(def->fields[i].kind);
        *allowed |= bit;
        if (def->fields[i].required) *required |= bit;
    }
}

void command_encode(const struct command *cmd, struct buf *out) {
    buf_put_u16(out, cmd->op);
    buf_put_u16(out, cmd->asset);
    buf_put_u32(out, cmd->operator_index);
    /* The kinds' bits 0..30 in one word, as before there were more; bit 31
     * says a second word follows with bits 31.. (journals written before
     * hold the one word, and decode as they always did). */
    uint64_t p = cmd->present;
    uint32_t high = (uint32_t)(p >> 31);
    buf_put_u32(out, (uint32_t)(p & 0x7FFFFFFFu) | (high ? 0x80000000u : 0u));
    if (high) buf_put_u32(out, high);
    if (p & CMD_HAS_FROM) buf_put(out, cmd->from.bytes, ADDR_BYTES);
    if (p & CMD_HAS_TO) buf_put(out, cmd->to.bytes, ADDR_BYTES);
    if (p & CMD_HAS_AMOUNT) buf_put_u128(out, cmd->amount);
    if ((p & ~(CMD_HAS_ASSET | CMD_HAS_FROM | CMD_HAS_TO | CMD_HAS_AMOUNT)) == 0) return;
    if (p & CMD_HAS_DURATION) buf_put_u64(out, (uint64_t)cmd->duration_ns);
    if (p & CMD_HAS(FIELD_ID)) buf_put_u64(out, cmd->id);
    if (p & CMD_HAS(FIELD_ROLE)) buf_put_u8(out, cmd->role);
    if (p & CMD_HAS(FIELD_NAME)) {
        size_t n = strlen(cmd->name);
        buf_put_u8(out, (uint8_t)n);
        buf_put(out, cmd->name, n);
    }
    if (p & CMD_HAS(FIELD_TARGET_OP)) buf_put_u16(out, cmd->target_op);
    if (p & CMD_HAS(FIELD_APPROVALS)) buf_put_u32(out, cmd->approvals);
    if (p & CMD_HAS(FIELD_DELAY)) buf_put_u64(out, (uint64_t)cmd->delay_ns);
    if (p & CMD_HAS(FIELD_SUPPLY_CAP)) buf_put_u128(out, cmd->supply_cap);
    if (p & CMD_HAS(FIELD_MINT_LIMIT)) buf_put_u128(out, cmd->daily_mint_limit);
    if (p & CMD_HAS(FIELD_INFLOW_LIMIT)) buf_put_u128(out, cmd->daily_inflow_limit);
    if (p & (CMD_HAS(FIELD_PUBKEY) | CMD_HAS(FIELD_SECRET))) buf_put(out, cmd->pubkey, sizeof(cmd->pubkey));
    if (p & CMD_HAS(FIELD_FEED)) buf_put_u16(out, cmd->feed);
    if (p & CMD_HAS(FIELD_PRICE)) buf_put_u128(out, cmd->price);
    if (p & CMD_HAS(FIELD_COUNTRY)) buf_put_u16(out, cmd->country);
    if (p & CMD_HAS(FIELD_INVESTOR_TYPE)) buf_put_u8(out, cmd->investor_type);
    if (p & CMD_HAS(FIELD_TOPIC)) buf_put_u8(out, cmd->topic);
    if (p & CMD_HAS(FIELD_DATE)) buf_put_u32(out, (uint32_t)cmd->date);
    if (p & CMD_HAS(FIELD_PARTITION)) {
        size_t n = strlen(cmd->partition);
        buf_put_u8(out, (uint8_t)n);
        buf_put(out, cmd->partition, n);
    }
    if (p & CMD_HAS(FIELD_CLAIMS)) buf_put_u8(out, cmd->claims);
    for (unsigned k = 0; k < 2; k++) {
        if (!(p & CMD_HAS(FIELD_ALLOWED_COUNTRIES + k))) continue;
        for (unsigned i = 0; i < COUNTRY_SET_WORDS; i++) buf_put_u64(out, cmd->countries[k][i]);
    }
    if (p & CMD_HAS(FIELD_MAX_HOLDERS)) buf_put_u32(out, cmd->max_holders);
    if (p & CMD_HAS(FIELD_MAX_BALANCE)) buf_put_u128(out, cmd->max_balance);
    if (p & CMD_HAS(FIELD_FLAG)) buf_put_u8(out, cmd->flag);
    if (p & CMD_HAS(FIELD_MODE)) buf_put_u8(out, cmd->mode);
    if (p & CMD_HAS(FIELD_TEXT)) {
        size_t n = strlen(cmd->text);
        buf_put_u8(out, (uint8_t)n);
        buf_put(out, cmd->text, n);
    }
    if (p & CMD_HAS(FIELD_SEVERITY)) buf_put_u8(out, cmd->severity);
    if (p & CMD_HAS(FIELD_ALERT)) buf_put_u64(out, cmd->alert);
    if (p & CMD_HAS(FIELD_WINDOW_BLOCKS)) buf_put_u32(out, cmd->window_blocks);
    if (p & CMD_HAS(FIELD_SUSTAIN_BLOCKS)) buf_put_u32(out, cmd->sustain_blocks);
    if (p & CMD_HAS(FIELD_THRESHOLD)) buf_put_u32(out, cmd->threshold_ppm);
    if (p & CMD_HAS(FIELD_CHAIN)) buf_put_u64(out, cmd->chain);
    if (p & CMD_HAS(FIELD_TX_HASH)) buf_put(out, cmd->pubkey, sizeof(cmd->pubkey));
    if (p & CMD_HAS(FIELD_VAULT_TYPE)) {
        size_t n = strlen(cmd->vault_type);
        buf_put_u8(out, (uint8_t)n);
        buf_put(out, cmd->vault_type, n);
    }
    if (p & CMD_HAS(FIELD_COLLATERAL)) buf_put_u16(out, cmd->vault_collateral);
    if (p & CMD_HAS(FIELD_MIN_RATIO)) buf_put_u32(out, cmd->vault_min_ratio_ppm);
    if (p & CMD_HAS(FIELD_LIQUIDATION_RATIO)) buf_put_u32(out, cmd->vault_liquidation_ratio_ppm);
    if (p & CMD_HAS(FIELD_PENALTY)) buf_put_u32(out, cmd->vault_penalty_ppm);
}

/* The vault kinds of the variable part; -1 when out of range (the
 * collateral's index is checked against the assets by the caller). */
static int command__decode_vault(struct buf_reader *r, struct command *c) {
    uint64_t p = c->present;
    if (p & CMD_HAS(FIELD_VAULT_TYPE)) {
        uint8_t n = buf_get_u8(r);
        if (n > VAULT_TYPE_NAME_MAX) return -1;
        buf_get(r, c->vault_type, n);
        c->vault_type[n] = '\0';
        if (r->failed || !vault_type_name_valid(c->vault_type, n)) return -1;
    }
    if (p & CMD_HAS(FIELD_COLLATERAL)) c->vault_collateral = buf_get_u16(r);
    /* The ratios share a union with other ops' fields: only those present
     * are read and checked. */
    uint32_t *ratio[3] = {&c->vault_min_ratio_ppm, &c->vault_liquidation_ratio_ppm, &c->vault_penalty_ppm};
    static const unsigned kind[3] = {FIELD_MIN_RATIO, FIELD_LIQUIDATION_RATIO, FIELD_PENALTY};
    for (unsigned i = 0; i < 3; i++) {
        if (!(p & CMD_HAS(kind[i]))) continue;
        *ratio[i] = buf_get_u32(r);
        if (*ratio[i] > VAULT_RATIO_PPM_MAX) return -1;
    }
    return r->failed ? -1 : 0;
}

/* The security kinds of the variable part; -1 when out of range. */
static int command__decode_security(struct buf_reader *r, struct command *c) {
    uint64_t p = c->present;
    if (p & CMD_HAS(FIELD_COUNTRY)) {
        c->country = buf_get_u16(r);
        char code[3];
        country_format(c->country, code);
        if (country_parse(code, 2) != c->country) return -1;
    }
    if (p & CMD_HAS(FIELD_INVESTOR_TYPE)) {
        c->investor_type = buf_get_u8(r);
        if (c->investor_type == INVESTOR_NONE || c->investor_type >= INVESTOR__COUNT) return -1;
    }
    if (p & CMD_HAS(FIELD_TOPIC)) {
        c->topic = buf_get_u8(r);
        if (c->topic >= CLAIM__COUNT) return -1;
    }
    if (p & CMD_HAS(FIELD_DATE)) {
        c->date = (int32_t)buf_get_u32(r);
        if (c->date < 0 || c->date > COMPLIANCE_DAY_MAX) return -1;
    }
    if (p & CMD_HAS(FIELD_PARTITION)) {
        uint8_t n = buf_get_u8(r);
        if (n > LIMIT_PARTITION_NAME) return -1;
        buf_get(r, c->partition, n);
        c->partition[n] = '\0';
        if (!partition_name_valid(c->partition, n)) return -1;
    }
    if (p & CMD_HAS(FIELD_CLAIMS)) {
        c->claims = buf_get_u8(r);
        if (c->claims & ~CLAIMS_ALL) return -1;
    }
    for (unsigned k = 0; k < 2; k++) {
        if ((p & CMD_HAS(FIELD_ALLOWED_COUNTRIES + k)) &&
            countries_read(r, c->countries[k], &c->countries_count[k]) != 0) {
            return -1;
        }
    }
    if (p & CMD_HAS(FIELD_MAX_HOLDERS)) {
        c->max_holders = buf_get_u32(r);
        if (c->max_holders == 0 || c->max_holders > RULES_MAX_HOLDERS_MAX) return -1;
    }
    if (p & CMD_HAS(FIELD_MAX_BALANCE)) c->max_balance = buf_get_u128(r);
    if (p & CMD_HAS(FIELD_FLAG)) {
        c->flag = buf_get_u8(r);
        if (c->flag > 1) return -1;
    }
    if (p & CMD_HAS(FIELD_MODE)) {
        c->mode = buf_get_u8(r);
        if (c->mode > 1) return -1;
    }
    if (p & CMD_HAS(FIELD_TEXT)) {
        uint8_t n = buf_get_u8(r);
        if (n > LIMIT_TITLE_BYTES) return -1;
        buf_get(r, c->text, n);
        c->text[n] = '\0';
        if (r->failed || !command__text_ok(c->text, n)) return -1;
    }
    if (p & CMD_HAS(FIELD_SEVERITY)) {
        c->severity = buf_get_u8(r);
        if (c->severity >= INCIDENT_SEVERITIES) return -1;
    }
    if (p & CMD_HAS(FIELD_ALERT)) {
        c->alert = buf_get_u64(r);
        if (c->alert == 0) return -1;
    }
    if (p & CMD_HAS(FIELD_WINDOW_BLOCKS)) {
        c->window_blocks = buf_get_u32(r);
        if (c->window_blocks < 2 || c->window_blocks > LIMIT_STABILIZER_WINDOW) return -1;
    }
    if (p & CMD_HAS(FIELD_SUSTAIN_BLOCKS)) {
        c->sustain_blocks = buf_get_u32(r);
        if (c->sustain_blocks < 2 || c->sustain_blocks > LIMIT_STABILIZER_WINDOW) return -1;
    }
    if (p & CMD_HAS(FIELD_THRESHOLD)) {
        c->threshold_ppm = buf_get_u32(r);
        if (c->threshold_ppm == 0 || c->threshold_ppm > 1000000u) return -1;
    }
    if (p & CMD_HAS(FIELD_CHAIN)) {
        c->chain = buf_get_u64(r);
        if (c->chain == 0 || c->chain > UINT64_MAX / 2) return -1;
    }
    if (p & CMD_HAS(FIELD_TX_HASH)) buf_get(r, c->pubkey, sizeof(c->pubkey));
    return command__decode_vault(r, c);
}

/* The variable part; -1 when a value is out of its range. */
static int command__decode_fields(struct buf_reader *r, struct command *c) {
    uint64_t p = c->present;
    if (p & CMD_HAS_FROM) buf_get(r, c->from.bytes, ADDR_BYTES);
    if (p & CMD_HAS_TO) buf_get(r, c->to.bytes, ADDR_BYTES);
    if (p & CMD_HAS_AMOUNT) c->amount = buf_get_u128(r);
    /* A transfer, a mint, a burn: nothing else to read or check. */
    if ((p & ~(CMD_HAS_ASSET | CMD_HAS_FROM | CMD_HAS_TO | CMD_HAS_AMOUNT)) == 0) {
        return r->failed ? -1 : 0;
    }
    if (p & CMD_HAS_DURATION) c->duration_ns = (int64_t)buf_get_u64(r);
    if (p & CMD_HAS(FIELD_ID)) c->id = buf_get_u64(r);
    if (p & CMD_HAS(FIELD_ROLE)) c->role = buf_get_u8(r);
    if (p & CMD_HAS(FIELD_NAME)) {
        uint8_t n = buf_get_u8(r);
        if (n > LIMIT_OPERATOR_NAME) return -1;
        buf_get(r, c->name, n);
        c->name[n] = '\0';
        if (!name_valid(c->name, n)) return -1;
    }
    if (p & CMD_HAS(FIELD_TARGET_OP)) c->target_op = buf_get_u16(r);
    if (p & CMD_HAS(FIELD_APPROVALS)) c->approvals = buf_get_u32(r);
    if (p & CMD_HAS(FIELD_DELAY)) c->delay_ns = (int64_t)buf_get_u64(r);
    if (p & CMD_HAS(FIELD_SUPPLY_CAP)) c->supply_cap = buf_get_u128(r);
    if (p & CMD_HAS(FIELD_MINT_LIMIT)) c->daily_mint_limit = buf_get_u128(r);
    if (p & CMD_HAS(FIELD_INFLOW_LIMIT)) c->daily_inflow_limit = buf_get_u128(r);
    if (p & (CMD_HAS(FIELD_PUBKEY) | CMD_HAS(FIELD_SECRET))) buf_get(r, c->pubkey, sizeof(c->pubkey));
    if (p & CMD_HAS(FIELD_FEED)) c->feed = buf_get_u16(r);
    if (p & CMD_HAS(FIELD_PRICE)) c->price = buf_get_u128(r);
    if ((p & CMD_HAS(FIELD_PRICE)) && c->price == 0) return -1;
    if (command__decode_security(r, c) != 0) return -1;

    /* Only the kinds present are checked: the others' storage may hold
     * another kind's value (the union in struct command). */
    if (r->failed) return -1;
    if ((p & CMD_HAS(FIELD_ROLE)) && c->role >= ROLE__COUNT) return -1;
    if ((p & CMD_HAS(FIELD_TARGET_OP)) && c->target_op >= OP__COUNT) return -1;
    if ((p & CMD_HAS(FIELD_APPROVALS)) && c->approvals > LIMIT_APPROVALS) return -1;
    if ((p & CMD_HAS(FIELD_DELAY)) && c->delay_ns < 0) return -1;
    if ((p & CMD_HAS_DURATION) && c->duration_ns <= 0) return -1;
    return 0;
}

int command_decode_bin(const struct engine *e, struct buf_reader *r, struct command *out) {
    return command_decode_bin_state(&e->s, r, out);
}

int command_decode_bin_state(const struct engine_state *s, struct buf_reader *r,
                             struct command *out) {
    return command_decode_bin_counts(r, s->assets_count, s->operators_count, s->feeds_count, out);
}

int command_decode_bin_counts(struct buf_reader *r, uint32_t assets_count, uint32_t operators_count,
                              uint32_t feeds_count, struct command *out) {
    struct command c;
    memset(&c, 0, sizeof(c));
    c.op = buf_get_u16(r);
    c.asset = buf_get_u16(r);
    c.operator_index = buf_get_u32(r);
    uint32_t low = buf_get_u32(r);
    c.present = low & 0x7FFFFFFFu;
    if (low & 0x80000000u) {
        uint32_t high = buf_get_u32(r);
        if (high == 0) return -1; /* one form per command */
        c.present |= (uint64_t)high << 31;
    }
    if (r->failed || c.op >= OP__COUNT) return -1;
    uint64_t allowed = 0;
    uint64_t required = 0;
    command__masks(&op_rows[c.op], &allowed, &required);
    if ((c.present & ~allowed) != 0 || (c.present & required) != required) return -1;
    if (command__decode_fields(r, &c) != 0) return -1;
    if ((c.present & CMD_HAS_ASSET) ? c.asset >= assets_count : c.asset != 0) return -1;
    if ((c.present & CMD_HAS_AMOUNT) && c.amount == 0) return -1;
    if (c.operator_index >= operators_count) return -1;
    if ((c.present & CMD_HAS(FIELD_FEED)) && c.feed >= feeds_count) return -1;
    if ((c.present & CMD_HAS(FIELD_COLLATERAL)) && c.vault_collateral >= assets_count) return -1;
    *out = c;
    return 0;
}

/* Lists as a client writes them: "kyc,accredited", "KP,IR". */
static void command__claims_text(uint8_t claims, struct jw *w) {
    char text[64] = "";
    size_t n = 0;
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        if (!(claims & CLAIM_BIT(t))) continue;
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s", n ? "," : "", claim_topic_name((enum claim_topic)t));
    }
    jw_string(w, text);
}

static void command__countries_text(const uint64_t set[COUNTRY_SET_WORDS], struct jw *w) {
    char text[COUNTRY_SET_BITS * 3 + 1];
    size_t n = 0;
    for (unsigned b = 0; b < COUNTRY_SET_BITS; b++) {
        if (!(set[b / 64] >> (b % 64) & 1u)) continue;
        if (n) text[n++] = ',';
        country_format(country_from_index(b), text + n);
        n += 2;
    }
    text[n] = '\0';
    jw_string(w, text);
}

/* ppm as a client writes a percentage: 5000 -> "0.5%", 100000 -> "10%". */
static void command__percent_text(uint32_t ppm, char *out) {
    int n = snprintf(out, 32, "%u.%04u", ppm / 10000u, ppm % 10000u);
    while (n > 0 && out[n - 1] == '0') n--;
    if (n > 0 && out[n - 1] == '.') n--;
    out[n++] = '%';
    out[n] = '\0';
}

void command_write_args(const struct engine *e, const struct command *cmd, struct jw *w) {
    const struct op_def *def = &op_rows[cmd->op];
    unsigned decimals = (cmd->present & CMD_HAS_ASSET) ? e->s.assets[cmd->asset].decimals : 0;
    jw_object_begin(w);
    for (unsigned i = 0; i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        const struct op_field *f = &def->fields[i];
        if (!(cmd->present & CMD_HAS(f->kind))) continue;
        jw_key(w, f->name);
        char text[ADDR_TEXT_SIZE + 32];
        switch ((enum field_kind)f->kind) {
        case FIELD_ASSET: jw_string(w, e->s.assets[cmd->asset].symbol); break;
        case FIELD_FROM: addr_format(&cmd->from, text); jw_string(w, text); break;
        case FIELD_TO: addr_format(&cmd->to, text); jw_string(w, text); break;
        case FIELD_AMOUNT: jw_amount(w, cmd->amount, decimals); break;
        case FIELD_SUPPLY_CAP: jw_amount(w, cmd->supply_cap, decimals); break;
        case FIELD_MINT_LIMIT: jw_amount(w, cmd->daily_mint_limit, decimals); break;
        case FIELD_INFLOW_LIMIT: jw_amount(w, cmd->daily_inflow_limit, decimals); break;
        case FIELD_DURATION: duration_format(cmd->duration_ns, text); jw_string(w, text); break;
        case FIELD_DELAY: duration_format(cmd->delay_ns, text); jw_string(w, text); break;
        case FIELD_ID: jw_uint(w, cmd->id); break;
        case FIELD_APPROVALS: jw_uint(w, cmd->approvals); break;
        case FIELD_ROLE: jw_string(w, role_name((enum role)cmd->role)); break;
        case FIELD_NAME: jw_string(w, cmd->name); break;
        case FIELD_TARGET_OP: jw_string(w, op_rows[cmd->target_op].name); break;
        case FIELD_PUBKEY: hex_encode(cmd->pubkey, sizeof(cmd->pubkey), text); jw_string(w, text); break;
        case FIELD_FEED: jw_string(w, e->s.feeds[cmd->feed].name); break;
        case FIELD_PRICE: jw_amount(w, cmd->price, FEED_DECIMALS); break;
        case FIELD_REASON:
        case FIELD_SECRET: jw_string(w, "(in the journal: see history)"); break;
        case FIELD_COUNTRY: country_format(cmd->country, text); jw_string(w, text); break;
        case FIELD_INVESTOR_TYPE: jw_string(w, investor_type_name((enum investor_type)cmd->investor_type)); break;
        case FIELD_TOPIC: jw_string(w, claim_topic_name((enum claim_topic)cmd->topic)); break;
        case FIELD_DATE:
            if (cmd->date == 0) jw_string(w, "none");
            else {
                date_format(cmd->date, text);
                jw_string(w, text);
            }
            break;
        case FIELD_PARTITION: jw_string(w, cmd->partition); break;
        case FIELD_CLAIMS: command__claims_text(cmd->claims, w); break;
        case FIELD_ALLOWED_COUNTRIES: command__countries_text(cmd->countries[0], w); break;
        case FIELD_BLOCKED_COUNTRIES: command__countries_text(cmd->countries[1], w); break;
        case FIELD_MAX_HOLDERS: jw_uint(w, cmd->max_holders); break;
        case FIELD_MAX_BALANCE: jw_amount(w, cmd->max_balance, decimals); break;
        case FIELD_FLAG: jw_bool(w, cmd->flag); break;
        case FIELD_MODE: jw_string(w, cmd->mode ? "pro-rata" : "full"); break;
        case FIELD_TEXT: jw_string(w, cmd->text); break;
        case FIELD_SEVERITY: jw_string(w, incident_severity_name(cmd->severity)); break;
        case FIELD_ALERT: snprintf(text, sizeof(text), "%016llx", (unsigned long long)cmd->alert); jw_string(w, text); break;
        case FIELD_WINDOW_BLOCKS: jw_uint(w, cmd->window_blocks); break;
        case FIELD_SUSTAIN_BLOCKS: jw_uint(w, cmd->sustain_blocks); break;
        case FIELD_THRESHOLD: command__percent_text(cmd->threshold_ppm, text); jw_string(w, text); break;
        case FIELD_CHAIN: snprintf(text, sizeof(text), "%llu", (unsigned long long)cmd->chain); jw_string(w, text); break;
        case FIELD_TX_HASH: {
            char hex[2 + 64 + 1] = "0x";
            hex_encode(cmd->pubkey, sizeof(cmd->pubkey), hex + 2);
            jw_string(w, hex);
            break;
        }
        case FIELD_VAULT_TYPE: jw_string(w, cmd->vault_type); break;
        case FIELD_COLLATERAL: jw_string(w, e->s.assets[cmd->vault_collateral].symbol); break;
        case FIELD_MIN_RATIO:
        case FIELD_LIQUIDATION_RATIO:
        case FIELD_PENALTY: {
            uint32_t ppm = f->kind == FIELD_MIN_RATIO               ? cmd->vault_min_ratio_ppm
                           : f->kind == FIELD_LIQUIDATION_RATIO ? cmd->vault_liquidation_ratio_ppm
                                                                : cmd->vault_penalty_ppm;
            size_t n = amount_format(ppm, 4, text);
            text[n] = '%';
            text[n + 1] = '\0';
            jw_string(w, text);
            break;
        }
        case FIELD__COUNT: jw_null(w); break;
        }
    }
    jw_object_end(w);
}
