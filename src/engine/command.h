/*
 * command.h - THE op table and decoded commands.
 *
 * A command arrives as a JSON object {"op": "...", ...args}. command_decode
 * checks it against its op's row (known op, every required field present,
 * no unknown field, each value well formed) and fills a fixed-size struct
 * command that engine_apply consumes without allocating. Dispatch, argument
 * validation, the API and the CLI's help all read the same table: adding an
 * op is adding a row and a handler.
 */
#ifndef MINTLINE_ENGINE_COMMAND_H
#define MINTLINE_ENGINE_COMMAND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/addr.h"
#include "../base/country.h"
#include "../base/err.h"
#include "../base/limits.h"
#include "../base/u128.h"
#include "role.h"

/* Argument kinds: each fills one slot of struct command, and its presence
 * is bit (1 << kind) of command.present (CMD_HAS_*). */
enum field_kind {
    FIELD_ASSET,        /* symbol of a known asset -> asset */
    FIELD_FROM,         /* address -> from */
    FIELD_TO,           /* address -> to */
    FIELD_AMOUNT,       /* amount in the asset's decimals, > 0 -> amount (needs FIELD_ASSET) */
    FIELD_DURATION,     /* "90s".."1d", more than zero -> duration_ns */
    FIELD_ID,           /* a proposal or timelock id (number or digits) -> id */
    FIELD_ROLE,         /* a role name -> role */
    FIELD_NAME,         /* an operator name -> name */
    FIELD_TARGET_OP,    /* the name of an op (what a policy governs) -> target_op */
    FIELD_APPROVALS,    /* 1..16 -> approvals */
    FIELD_DELAY,        /* a duration, zero allowed ("0s") -> delay_ns */
    FIELD_SUPPLY_CAP,   /* amounts in the asset's decimals, zero allowed */
    FIELD_MINT_LIMIT,
    FIELD_INFLOW_LIMIT,
    FIELD_PUBKEY,       /* 64 hex digits -> pubkey */
    FIELD_FEED,         /* a price feed's name -> feed */
    FIELD_PRICE,        /* a positive decimal, up to 8 fraction digits -> price */
    FIELD_REASON,       /* 1..LIMIT_REASON characters, at most LIMIT_REASON_BYTES bytes
                           (checked, kept in the body) */
    FIELD_SECRET,       /* 64 hex digits -> pubkey, like FIELD_PUBKEY, but never shown outside
                           history (a proof-of-reserves salt) */
    FIELD_COUNTRY,      /* an assigned ISO 3166 alpha-2 code -> country */
    FIELD_INVESTOR_TYPE, /* individual|entity|institution|fund|trust -> investor_type */
    FIELD_TOPIC,        /* a claim topic: kyc|aml|accredited|tax_form -> topic */
    FIELD_DATE,         /* "YYYY-MM-DD" -> date (days since 1970); "none" -> 0 where
                           the op allows clearing (lockup_until) */
    FIELD_PARTITION,    /* a partition name [A-Z0-9_]{1,16} -> partition (resolved when
                           applied: compliance_partition) */
    FIELD_CLAIMS,       /* "kyc,accredited" ("" none) -> claims */
    FIELD_ALLOWED_COUNTRIES, /* "US,CA" ("" every country) -> countries[0] */
    FIELD_BLOCKED_COUNTRIES, /* "KP,IR" ("" none) -> countries[1] */
    FIELD_MAX_HOLDERS,  /* 1..RULES_MAX_HOLDERS_MAX -> max_holders */
    FIELD_MAX_BALANCE,  /* an amount in the asset's decimals, "0" = no maximum */
    FIELD_FLAG,         /* true|false -> flag (no_us_persons) */
    FIELD_MODE,         /* a payout mode: full|pro-rata -> mode */
    FIELD_TEXT,         /* 1..LIMIT_TITLE_BYTES bytes of text, kept -> text (an incident's
                           title, a maintenance window's reason) */
    FIELD_SEVERITY,     /* P0|P1|P2|P3 -> severity 0..3 */
    FIELD_ALERT,        /* an alert's fingerprint, 16 hex digits -> alert */
    FIELD_WINDOW_BLOCKS, /* 2..LIMIT_STABILIZER_WINDOW blocks -> window_blocks */
    FIELD_SUSTAIN_BLOCKS, /* 2..LIMIT_STABILIZER_WINDOW blocks -> sustain_blocks */
    FIELD_THRESHOLD,    /* a percentage above 0, at most 100% ("0.5%") -> threshold_ppm */
    FIELD_CHAIN,        /* a chain id: 1..19 digits, > 0 (string or number) -> chain */
    FIELD_TX_HASH,      /* a transaction hash: 64 hex digits, "0x" optional -> pubkey
                           (ERR_INVALID_TX_HASH) */
    FIELD_VAULT_TYPE,   /* a vault type's name [A-Za-z][A-Za-z0-9_-]{0,15} -> vault_type
                           (resolved when applied: vault.h) */
    FIELD_COLLATERAL,   /* symbol of a known asset -> vault_collateral */
    FIELD_MIN_RATIO,    /* a ratio "150%" (up to 4 fraction digits, <= 10000%) -> ppm */
    FIELD_LIQUIDATION_RATIO, /* the same -> vault_liquidation_ratio_ppm */
    FIELD_PENALTY,      /* the same -> vault_penalty_ppm */
    FIELD__COUNT
};

#define FIELD_OPTIONAL 0u
#define FIELD_REQUIRED 1u

struct op_field {
    const char *name;
    uint8_t kind;     /* enum field_kind */
    uint8_t required; /* FIELD_REQUIRED or FIELD_OPTIONAL */
};

/* Op flags. */
#define OP_VALUE_MOVING 1u  /* passes the SPEC 3 controls */
#define OP_NEEDS_MANUAL_CLOCK 2u /* refused by a node with a wall clock */
#define OP_META 4u /* acts on proposals or the timelock: no policy, checks its own role */
#define OP_FIELDS_MAX 10u

/* The ops, in table order; the numbers are internal (the journal stores
 * names), so a new op may go anywhere. */
enum op {
    OP_MINT,
    OP_BURN,
    OP_TRANSFER,
    OP_PAUSE,
    OP_UNPAUSE,
    OP_DEV_ADVANCE,
    OP_MINT_HALT,
    OP_MINT_RESUME,
    OP_CAPS_SET,
    OP_ROLE_GRANT,
    OP_ROLE_REVOKE,
    OP_POLICY_SET,
    OP_APPROVE,
    OP_CANCEL,
    OP_TIMELOCK_EXECUTE,
    OP_TIMELOCK_CANCEL,
    OP_OPERATOR_ADD,
    OP_OPERATOR_REMOVE,
    OP_OPERATOR_ROTATE_KEY,
    OP_CONTROLLER_PROPOSE,
    OP_CONTROLLER_ACCEPT,
    OP_BLACKLIST_ADD,
    OP_BLACKLIST_REMOVE,
    OP_FREEZE,
    OP_UNFREEZE,
    OP_FORCED_TRANSFER,
    OP_RECOVER,
    OP_RESCUE,
    OP_PRICE_UPDATE,
    OP_ORACLE_FREEZE,
    OP_ORACLE_UNFREEZE,
    OP_NAV_UPDATE,
    OP_NAV_FORCE,
    OP_RESERVE_REPORT,
    OP_RESERVE_ATTEST,
    OP_POR_PUBLISH,
    OP_IDENTITY_REGISTER,
    OP_IDENTITY_REMOVE,
    OP_CLAIM_SET,
    OP_CLAIM_REVOKE,
    OP_ASSET_RULES_SET,
    OP_PAYOUT_SNAPSHOT,
    OP_PAYOUT_CREATE,
    OP_PAYOUT_DISTRIBUTE,
    OP_INCIDENT_OPEN,
    OP_INCIDENT_ACK,
    OP_INCIDENT_NOTE,
    OP_INCIDENT_RESOLVE,
    OP_MAINTENANCE_START,
    OP_MAINTENANCE_END,
    OP_TIMELOCK_EXPEDITE,
    OP_STABILIZER_SET,
    OP_BRIDGE_SEND,
    OP_BRIDGE_CONFIRM,
    OP_BRIDGE_REFUND,
    OP_BRIDGE_REFUND_EXECUTE,
    OP_BRIDGE_RECEIVE,
    OP_BRIDGE_ROUTE_SET,
    OP_BRIDGE_ROUTE_ENABLE,
    OP_BRIDGE_ROUTE_DISABLE,
    OP_VAULT_OPEN,
    OP_VAULT_DEPOSIT,
    OP_VAULT_WITHDRAW,
    OP_VAULT_BORROW,
    OP_VAULT_REPAY,
    OP_VAULT_LIQUIDATE,
    OP_VAULT_TYPE_SET,
    OP__COUNT
};

#define CMD_HAS(kind) (UINT64_C(1) << (unsigned)(kind))
#define CMD_HAS_ASSET CMD_HAS(FIELD_ASSET)
#define CMD_HAS_FROM CMD_HAS(FIELD_FROM)
#define CMD_HAS_TO CMD_HAS(FIELD_TO)
#define CMD_HAS_AMOUNT CMD_HAS(FIELD_AMOUNT)
#define CMD_HAS_DURATION CMD_HAS(FIELD_DURATION)

/* A decoded command. The hot fields of mint, burn and transfer (op, asset,
 * operator_index, present, amount, from, to) come first, in the first 72
 * bytes, with id (the vault ops' and governance's reference) beside them;
 * every other argument lives in one union, laid out so that no op's row
 * (op_def.fields) maps two of its fields onto overlapping storage
 * (command_field_slot; test_engine proves it from the table). A member of
 * the union is meaningful only when its kind's CMD_HAS bit is set: an
 * op's handler reads the kinds of its own row, which read as zero when
 * absent (the decoders zero the whole command first). Size: 304 bytes
 * (512 before issue 16). The journal's binary form (command_encode) is
 * per kind, in kind order, and does not depend on this layout. */
struct command {
    uint16_t op;       /* enum op */
    uint16_t asset;    /* valid when CMD_HAS_ASSET */
    uint32_t operator_index;
    uint64_t present;  /* CMD_HAS(kind) per argument given */
    u128 amount;
    struct addr from;
    struct addr to;
    uint64_t id;
    union {
        struct { /* asset.rules.set, a value op's partition, claim.set */
            u128 max_balance; /* also stabilizer.set, bridge.route.set */
            char partition[LIMIT_PARTITION_NAME + 1];
            uint8_t claims;
            uint8_t flag;
            uint8_t topic;
            int32_t date;
            uint32_t max_holders;
            uint16_t countries_count[2];
            uint64_t countries[2][COUNTRY_SET_WORDS]; /* allowed, blocked */
        };
        struct { /* caps, vaults, oracles, the stabilizer, bridges, governance */
            u128 supply_cap;         /* vault.type.set: debt_ceiling */
            u128 daily_mint_limit;   /* vault.type.set: dust */
            u128 daily_inflow_limit;
            char vault_type[16 + 1]; /* FIELD_VAULT_TYPE, NUL-terminated (vault.h) */
            uint16_t vault_collateral;
            uint32_t vault_min_ratio_ppm;
            uint32_t vault_liquidation_ratio_ppm;
            uint32_t vault_penalty_ppm;
            uint16_t feed;
            uint32_t window_blocks; /* stabilizer.set (stabilizer.h) */
            uint32_t sustain_blocks;
            uint32_t threshold_ppm;
            u128 price; /* FEED_DECIMALS fraction digits */
            uint64_t chain; /* FIELD_CHAIN (bridge.h) */
            int64_t duration_ns;
            int64_t delay_ns;
            uint8_t pubkey[32];
            char name[LIMIT_OPERATOR_NAME + 1];
            uint8_t role;
            uint16_t target_op;
            uint32_t approvals;
        };
        struct { /* incidents, maintenance windows, identities, payouts */
            char text[LIMIT_TITLE_BYTES + 1]; /* FIELD_TEXT, NUL-terminated */
            uint8_t severity;
            uint8_t mode;
            uint16_t country;
            uint8_t investor_type;
            uint64_t alert;
        };
    };
    /* A reason (nav.force) is checked and its presence recorded; its text
     * lives in the signed body, journaled and shown in history, so the
     * fixed-size command need not carry 200 bytes for it. */
};

/* command_field_slot: where a kind's value lives in struct command, as up
 * to two byte ranges (a country list: its words and its count); a kind
 * with no storage (FIELD_REASON) has none. Returns the number of ranges. */
struct command_slot {
    uint16_t offset;
    uint16_t size;
};
unsigned command_field_slot(enum field_kind kind, struct command_slot out[2]);

struct engine;
struct command_ctx;
struct event_buf;
struct apply_result;

/* An op's handler: applies cmd at the ledger time, after authorisation has
 * passed. Must validate everything before changing anything. */
typedef enum err (*op_apply_fn)(struct engine *e, const struct command *cmd,
                                struct event_buf *events, struct apply_result *out);

struct op_def {
    const char *name; /* "mint", "dev.advance" */
    op_apply_fn apply;
    uint8_t role;     /* enum role needed, globally or for the command's asset */
    uint8_t flags;    /* OP_* */
    struct op_field fields[OP_FIELDS_MAX];
    const char *help; /* one line */
};

/* op_table: the rows, OP__COUNT of them, in enum op order. */
const struct op_def *op_table(void);
/* op_find: row by name, or NULL. */
const struct op_def *op_find(const char *name, size_t len);

/* op_field_is_amount: whether a field of that kind is decimal text read by
 * amount_parse (amounts, limits and prices), so that the CLI writes it in
 * the canonical form. */
int op_field_is_amount(enum field_kind kind);

/* A command's argument as a parser saw it: the key, and for a string the
 * (unescaped) text; the JSON library behind it does not matter. */
enum arg_type { ARG_STRING, ARG_NUMBER, ARG_BOOL, ARG_OTHER };

struct command_arg {
    const char *key;
    size_t key_len;
    const char *value; /* ARG_STRING: the text; ARG_BOOL: "true" or "false" */
    size_t value_len;
    uint8_t type;      /* enum arg_type */
};

/* command_decode_args: the decoder itself (command_decode and the
 * streaming request parser both end here). Same errors as command_decode,
 * plus ERR_INVALID_JSON for a duplicate field. */
enum err command_decode_args(const struct engine *e, const struct command_arg *args, uint32_t n,
                             struct command *out, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* command_decode: decode one command object for the engine's assets.
 * Errors: ERR_INVALID_JSON (not an object), ERR_MISSING_FIELD,
 * ERR_UNKNOWN_FIELD, ERR_UNKNOWN_OP, ERR_UNKNOWN_ASSET, ERR_INVALID_AMOUNT,
 * ERR_INVALID_ADDRESS, ERR_INVALID_DURATION, ERR_INVALID_ARGUMENT. On error
 * a short reason (which field) is written to why (why_size bytes). The
 * operator index is left 0: the caller sets it from the signature. */
enum err command_decode(const struct engine *e, const json_t *obj, struct command *out,
                        char *why, size_t why_size) __attribute__((warn_unused_result));

struct buf;
struct buf_reader;

/* command_encode / command_decode_bin: the journal's binary form of a
 * decoded command (a 12-byte header, then each argument present, in kind
 * order), used by replay so that start-up does not re-parse JSON (audit
 * checks it against the signed JSON). Decoding treats the bytes as
 * untrusted: -1 when a field is out of range for the engine or short. */
void command_encode(const struct command *cmd, struct buf *out);
int command_decode_bin(const struct engine *e, struct buf_reader *r, struct command *out);
/* The same against a state being built (a snapshot being read). */
struct engine_state;
int command_decode_bin_state(const struct engine_state *s, struct buf_reader *r,
                             struct command *out);
/* The same against bare counts of assets, operators and feeds. */
int command_decode_bin_counts(struct buf_reader *r, uint32_t assets_count, uint32_t operators_count,
                              uint32_t feeds_count, struct command *out);

struct jw;
/* command_write_args: the command's arguments as a JSON object, in the
 * API's names and forms (what a client would send, less "op"). */
void command_write_args(const struct engine *e, const struct command *cmd, struct jw *w);

/* command_args_json: the command's arguments as the client sent them (the
 * object without "op"), as a new reference. */
json_t *command_args_json(const json_t *obj);

#endif
