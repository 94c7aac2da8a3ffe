/*
 * vault.h - collateralised debt vaults (SPEC 6 "Vaults"; Maker dss and
 * Liquity where SPEC is silent, docs/DECISIONS.md "Vaults").
 *
 * A vault type (genesis `vault_types:`, later the timelocked
 * `vault.type.set`) pairs a collateral asset (plain) with a debt asset
 * (fiat or plain) and a price feed giving debt-asset units per collateral
 * unit (FEED_DECIMALS fraction digits). A vault belongs to one owner
 * address; its owner's orders (open, deposit, withdraw, borrow, repay) are
 * given by a transfer_agent, a liquidation by a liquidator.
 *
 * Money. Collateral moves between the owner's balance and the vault escrow
 * address VAULT_ESCROW_ADDR (a reserved address no key controls): escrow
 * is an ordinary holder, so supply = sum of balances holds with no special
 * case, and the escrow's balance of a collateral asset is at least the sum
 * of its vaults' collateral (vault_check_invariants). Borrow mints the debt
 * asset to the owner, repay and liquidation burn it: a type's total debt is
 * borrowed - repaid - liquidated, and equals the sum of its vaults' debt.
 *
 * Health, exactly. The collateral's value in debt base units is
 *   collateral * price * 10^debt_decimals / 10^(collateral_decimals + 8)
 * and a vault is at least at ratio r (ppm) when
 *   collateral * price * 10^debt_decimals * 10^6
 *       >= debt * r * 10^(collateral_decimals + 8)
 * compared in 384-bit integers: no rounding at all, so "exactly at
 * min_ratio" is allowed and one base unit less is refused. Amounts a
 * liquidation computes (collateral seized) round down, against the
 * liquidator who acts; bad debt is the debt minus the collateral's value
 * rounded down (the larger shortfall, recorded against the system).
 *
 * State: a vault_book, one member of struct engine_state (savepoints and
 * block aborts cover it by copy), written into the state bytes as a "vlt"
 * section only when a vault type exists, so ledgers without vaults keep
 * their hashes. Vault ids are table index + 1; vaults are never removed.
 *
 * Never: I/O, clock, allocation, floating point.
 */
#ifndef MINTLINE_ENGINE_VAULT_H
#define MINTLINE_ENGINE_VAULT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/addr.h"
#include "../base/err.h"
#include "../base/u128.h"

/* Limits (kept here so the module stays one file pair; limits.h style). */
#define LIMIT_VAULT_TYPES 16u   /* collateral kinds a ledger offers */
#define LIMIT_VAULTS 16384u     /* the bench's 10,000 and room; 64 bytes each in the state */
#define VAULT_TYPE_NAME_MAX 16u /* "XAU-A" */
/* Ratios are ppm (1% = 10,000); at most 10,000%. */
#define VAULT_RATIO_PPM_MAX 100000000u
#define VAULT_PPM 1000000u

/* The escrow holding every vault's collateral: "VAULT" in ASCII, then
 * zeros and 0x01 (no key controls it; docs/DECISIONS.md). */
#define VAULT_ESCROW_ADDR "0x5641554c54000000000000000000000000000001"

struct vault_type {
    char name[VAULT_TYPE_NAME_MAX + 1];
    uint16_t collateral; /* asset index (plain) */
    uint16_t debt;       /* asset index (fiat or plain) */
    uint16_t feed;       /* feed index */
    uint32_t min_ratio_ppm;         /* borrow and withdraw leave at least this */
    uint32_t liquidation_ratio_ppm; /* liquidation strictly below this */
    uint32_t penalty_ppm;           /* < liquidation_ratio - 100% */
    uint32_t vaults_count;
    uint64_t liquidations_count;
    u128 debt_ceiling; /* debt base units */
    u128 dust;         /* a vault's debt is 0 or at least this */
    u128 total_collateral;
    u128 total_debt;
    u128 borrowed_total;   /* lifetime */
    u128 repaid_total;     /* lifetime, by owners */
    u128 liquidated_total; /* lifetime debt repaid by liquidators */
    u128 bad_debt_total;   /* lifetime shortfalls recorded */
};

struct vault {
    u128 collateral; /* collateral base units in escrow */
    u128 debt;       /* debt base units */
    int64_t opened_ns;
    struct addr owner;
    uint16_t type;
    uint8_t reserved[2]; /* zero (hashed) */
};

struct vault_book {
    uint32_t types_count;
    uint32_t vaults_count; /* id = index + 1 */
    struct vault_type types[LIMIT_VAULT_TYPES];
    struct vault vaults[LIMIT_VAULTS];
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

/* vault_type_name_valid: [A-Za-z0-9_-]{1,16}, starting with a letter. */
int vault_type_name_valid(const char *name, size_t len);

/* vault_ratio_parse: "150%", "0.5%" (up to 4 fraction digits, at most
 * 10,000%) into ppm. loose: also "150.0%" (genesis YAML); commands take the
 * canonical form only. ERR_INVALID_AMOUNT otherwise, *ppm untouched. */
enum err vault_ratio_parse(const char *text, size_t len, int loose, uint32_t *ppm)
    __attribute__((warn_unused_result));

/* vault_genesis: the genesis `vault_types:` list (NULL: none) into s
 * (assets and feeds already read). ERR_INVALID_GENESIS with a reason. */
enum err vault_genesis(struct engine_state *s, const json_t *list, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* vault_command_asset: for a vault op on a vault naming no "asset", the
 * asset it moves (deposit/withdraw: the collateral; borrow/repay/
 * liquidate: the debt) written into cmd with its presence bit;
 * ERR_UNKNOWN_VAULT for an id no vault has; ERR_OK and nothing done for
 * other ops (vault.type.set names its debt asset itself). The decoder calls
 * it before reading amounts. Deterministic for audit: vaults are never
 * removed and their assets never change, so a lookup that succeeded when a
 * command was admitted gives the same answer just before it applies, and
 * one that failed journaled nothing. */
enum err vault_command_asset(const struct engine *e, struct command *cmd);

/* vault_is_escrow: whether a (NULL: no) is the vault escrow on a ledger
 * with vault types. Nothing but a vault op takes tokens out of it or puts
 * them in: restrict_check and the agents' tools refuse it as a party
 * (ERR_INVALID_ADDRESS), so no command can leave the escrow short of the
 * vaults' collateral. */
int vault_is_escrow(const struct engine *e, const struct addr *a);

/* Lookups. vault_find: the vault with id, or NULL. vault_type_find: the
 * type's index, or -1. */
const struct vault *vault_find(const struct engine *e, uint64_t id);
int vault_type_find(const struct engine *e, const char *name, size_t len);

/* vault_collateral_value: the vault's collateral value in debt base units
 * at the type's feed price, rounded down; ERR_FEED_STALE without a price,
 * ERR_OVERFLOW beyond 2^128-1. */
enum err vault_collateral_value(const struct engine *e, const struct vault *v, u128 *out)
    __attribute__((warn_unused_result));

/* vault_health_ppm: collateral value / debt in ppm (rounded down,
 * saturating at UINT64_MAX; UINT64_MAX for a vault without debt).
 * For display and lists only: the rules compare exactly. */
uint64_t vault_health_ppm(const struct engine *e, const struct vault *v);

/* vault_at_least: whether v's collateral is worth at least debt * ratio
 * at `price` (exact). */
int vault_at_least(const struct engine *e, const struct vault *v, u128 price, uint32_t ratio_ppm);

/* vault_health_min: per type, the lowest vault_health_ppm among its
 * vaults with debt (UINT64_MAX when none has debt) into
 * min[0..types_count). O(vaults). */
void vault_health_min(const struct engine *e, uint64_t min[LIMIT_VAULT_TYPES]);

/* vault_scan_below: the ids of type `type`'s vaults (type < 0: all)
 * strictly below ratio_ppm at their feed's current price, ascending, at
 * most cap of them into ids (ids may be NULL with cap 0). Returns how many
 * there are in all. O(vaults), no allocation (the 10,000-vault re-check). */
uint32_t vault_scan_below(const struct engine *e, int type, uint32_t ratio_ppm, uint64_t *ids,
                          uint32_t cap);

/* vault_debt_of_asset: the debt all vault types owe in asset (the
 * collateral-backed part of its supply: check 11 and the reserve ratio
 * leave it out). */
u128 vault_debt_of_asset(const struct engine *e, uint32_t asset);

/* Ops (command.c's table). */
enum err vault_open_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                          struct apply_result *out);
enum err vault_deposit_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out);
enum err vault_withdraw_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out);
enum err vault_borrow_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                            struct apply_result *out);
enum err vault_repay_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                           struct apply_result *out);
enum err vault_liquidate_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out);
enum err vault_type_set_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out);

/* vault_event_write: the "data" object's members of a vault event. */
void vault_event_write(const struct engine *e, const struct event *ev, unsigned decimals,
                       struct jw *w);

/* State bytes (engine__state_write; snapshots). read: 0 when the section
 * is absent or read whole; -1 when malformed. */
void vault_state_write(const struct engine_state *s, struct buf *out);
int vault_state_read(struct buf_reader *r, struct engine_state *s);

/* vault_check_invariants: per type, total debt = sum of its vaults' debt =
 * borrowed - repaid - liquidated, total collateral = sum of its vaults';
 * per collateral asset, escrow balance >= sum of vault collateral; every
 * vault's debt 0 or >= dust at the time it last changed is not checked
 * (dust may change). 0 when they hold, else -1. */
int vault_check_invariants(const struct engine *e);

#endif
