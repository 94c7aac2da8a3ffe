/*
 * compliance.h - security tokens (SPEC 5): the identity registry, claims
 * with expiry, per-asset rules, partitions, and check 5 of SPEC 3.
 *
 * An identity is one record of the holdings table, (KEY_IDENTITY, address),
 * so one probe reads everything check 5 needs about a receiver:
 *
 *   bits   0..15   country (ISO 3166 alpha-2, two letters)
 *   bits  16..23   investor type (enum investor_type)
 *   bit       24   registered (so the record is never 0)
 *   bits  32..127  four claims, 24 bits each (topic k at bit 32 + 24k):
 *                  the expiry date as days since 1970-01-01 plus one;
 *                  0 = no such claim
 *
 * A claim is valid while the block's UTC day is before its expiry date (a
 * claim "expires 2027-06-01" stops counting at 2027-06-01T00:00Z); a
 * partition's lockup_until is read the same way (transfers out of it
 * resume at 00:00 UTC of that date).
 *
 * Rules live in the small state, per asset (only security assets have
 * them); a ledger with no security asset and no identity writes none of it
 * into its state bytes, so its state hashes are what they were before.
 */
#ifndef MINTLINE_ENGINE_COMPLIANCE_H
#define MINTLINE_ENGINE_COMPLIANCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/addr.h"
#include "../base/country.h"
#include "../base/err.h"
#include "../base/limits.h"
#include "../base/u128.h"

#define CLAIM_TABLE(X)                                                                             \
    X(KYC, "kyc")                                                                                  \
    X(AML, "aml")                                                                                  \
    X(ACCREDITED, "accredited")                                                                    \
    X(TAX_FORM, "tax_form")

enum claim_topic {
#define CLAIM_ENUM_ROW(id, name) CLAIM_##id,
    CLAIM_TABLE(CLAIM_ENUM_ROW)
#undef CLAIM_ENUM_ROW
        CLAIM__COUNT
};

#define CLAIM_BIT(t) (1u << (unsigned)(t))
#define CLAIMS_ALL ((1u << CLAIM__COUNT) - 1u)

/* Investor types (ERC-3643 leaves them to the issuer; these are the ones a
 * Reg D / Reg S transfer agent records). 0: not given. */
#define INVESTOR_TABLE(X)                                                                          \
    X(NONE, "")                                                                                    \
    X(INDIVIDUAL, "individual")                                                                    \
    X(ENTITY, "entity")                                                                            \
    X(INSTITUTION, "institution")                                                                  \
    X(FUND, "fund")                                                                                \
    X(TRUST, "trust")

enum investor_type {
#define INVESTOR_ENUM_ROW(id, name) INVESTOR_##id,
    INVESTOR_TABLE(INVESTOR_ENUM_ROW)
#undef INVESTOR_ENUM_ROW
        INVESTOR__COUNT
};

#define RULES_MAX_HOLDERS_DEFAULT 2000u
/* max_holders may be set up to this (a ledger's whole holdings table). */
#define RULES_MAX_HOLDERS_MAX 100000000u
/* The last day a date can name: 9999-12-31 (date_parse reads four-digit
 * years), as days since 1970-01-01. Claim expiries and lockups are at most
 * this; a stored one beyond it is corrupt. */
#define COMPLIANCE_DAY_MAX 2932896

struct partition_rule {
    char name[LIMIT_PARTITION_NAME + 1];
    uint8_t required_claims; /* CLAIM_BIT mask, on top of the asset's */
    uint8_t no_us_persons;   /* receivers with country US are refused */
    int32_t lockup_until;    /* day since 1970-01-01; 0: no lockup */
};

/* Per-asset rules of a security asset (SPEC 5). */
struct asset_rules {
    uint8_t required_claims; /* CLAIM_BIT mask */
    uint8_t partitions_count;
    uint8_t has_max_balance;
    uint32_t max_holders;
    u128 max_balance;
    uint16_t allowed_count;  /* countries in allowed; 0: every country allowed */
    uint16_t blocked_count;
    uint64_t allowed[COUNTRY_SET_WORDS];
    uint64_t blocked[COUNTRY_SET_WORDS];
    struct partition_rule partitions[LIMIT_PARTITIONS];
};

/* An identity as read from its record. */
struct identity {
    int registered;
    uint16_t country;
    uint8_t investor_type;
    int32_t expires[CLAIM__COUNT]; /* day of expiry; -1: no claim */
};

const char *claim_topic_name(enum claim_topic t);
enum claim_topic claim_topic_parse(const char *text, size_t len); /* CLAIM__COUNT if unknown */
const char *investor_type_name(enum investor_type t);
enum investor_type investor_type_parse(const char *text, size_t len); /* INVESTOR__COUNT */

/* claims_parse: "kyc,accredited" (comma separated, no repeats; "" is no
 * claim) -> CLAIM_BIT mask. -1 when a topic is unknown or repeated. */
int claims_parse(const char *text, size_t len, uint8_t *mask);
/* countries_parse: "KP,IR" into a country set (cleared first; "" is the
 * empty set); the count of codes. -1 when a code is not assigned or repeated. */
int countries_parse(const char *text, size_t len, uint64_t set[COUNTRY_SET_WORDS], uint16_t *count);
/* countries_read: a country set as written to state bytes and journaled
 * commands (COUNTRY_SET_WORDS words), read back from untrusted bytes: -1
 * unless every bit names an assigned code; *count recomputed. */
struct buf_reader;
int countries_read(struct buf_reader *r, uint64_t set[COUNTRY_SET_WORDS], uint16_t *count);
/* partition_name_valid: [A-Z0-9_]{1,16}. */
int partition_name_valid(const char *text, size_t len);

struct engine;
struct engine_state;
struct command;
struct event_buf;
struct apply_result;
struct jw;
struct buf;
struct buf_reader;

/* identity_read: the identity of addr (registered 0 when none). */
void identity_read(const struct engine *e, const struct addr *addr, struct identity *out);

/* compliance_identity_valid: could `value` be an identity record (the
 * snapshot loader reads untrusted records through it)? Registered, an
 * assigned country, a known investor type, no stray bit, every claim's
 * date within COMPLIANCE_DAY_MAX. */
int compliance_identity_valid(u128 value);

/* claim_valid: does addr hold a claim on topic that is valid on `day`? */
int claim_valid(const struct engine *e, const struct addr *addr, enum claim_topic topic, int64_t day);

/* compliance_rules_default: the rules a security asset starts with
 * (required claims kyc, max_holders 2000, no partition). */
void compliance_rules_default(struct asset_rules *r);

/* compliance_partition: the partition a value-moving command names (its
 * "partition" field) for asset, as an index, or -1 when none is named and
 * the asset has none. ERR_PARTITION when one is named for an asset without
 * partitions (any asset that is not security, too), is unknown, or is
 * missing for an asset that has partitions. */
enum err compliance_partition(const struct engine *e, uint16_t asset, const struct command *cmd,
                              int *partition);

/* What check 5 needs about the move it judges. */
struct compliance_move {
    uint16_t asset;
    int partition;          /* -1: the asset has none */
    const struct addr *to;  /* the receiver (the mint recipient) */
    u128 to_balance;        /* its total before the move */
    u128 amount;
    int sender_leaves;      /* the sender's total drops to 0: one holder fewer */
    int lockup_applies;     /* a transfer out of the partition (not mint, not an agent's tool) */
};

/* compliance_check: SPEC 3 item 5 for a security asset, in SPEC's order:
 * ERR_NOT_WHITELISTED (no identity, or a required claim missing),
 * ERR_CLAIM_EXPIRED, ERR_JURISDICTION, ERR_PARTITION (no_us_persons),
 * ERR_LOCKUP, ERR_HOLDER_LIMIT, ERR_MAX_BALANCE. ERR_OK for other kinds. */
enum err compliance_check(const struct engine *e, const struct compliance_move *m);

/* compliance_check_identity: compliance_check judging `id` rather than the
 * identity m->to holds now (recover: the identity the new address will
 * hold once the lost one's moves to it). */
enum err compliance_check_identity(const struct engine *e, const struct compliance_move *m,
                                   const struct identity *id);

/* compliance_partition_balance: addr's balance in partition p of asset. */
u128 compliance_partition_balance(const struct engine *e, uint16_t asset, unsigned p,
                                  const struct addr *addr);
/* compliance_partition_add / _sub: change addr's partition balance (logged). */
void compliance_partition_add(struct engine *e, uint16_t asset, unsigned p, const struct addr *addr,
                              u128 amount);
void compliance_partition_sub(struct engine *e, uint16_t asset, unsigned p, const struct addr *addr,
                              u128 amount);

/* compliance_identity_move: recover's part (SPEC 4): the identity of lost
 * goes to new (replacing what new had), lost keeps none. */
void compliance_identity_move(struct engine *e, const struct addr *lost, const struct addr *new_addr);

/* Genesis: the security keys of one asset document (SPEC 5's YAML as JSON)
 * into r, starting from the defaults. ERR_INVALID_GENESIS with why. */
enum err compliance_rules_from_json(const json_t *asset_doc, unsigned decimals, struct asset_rules *r,
                                    char *why, size_t why_size);
/* compliance_genesis_key: is key one of the security keys genesis reads? */
int compliance_genesis_key(const char *key);

/* State bytes: the "sec" section ends the small state when there is a
 * security asset or an identity. Reading returns -1 on any bad value. */
void compliance_state_write(const struct engine_state *s, struct buf *out);
int compliance_state_read(struct buf_reader *r, struct engine_state *s);

/* JSON: an asset's rules (status, the asset's API), an identity
 * {"address"?, "country", "investor_type", "claims": {TOPIC: {"expires",
 * "valid"}}} with validity on `day` (null when not registered); address
 * NULL leaves "address" out (it is the enclosing document's). */
void compliance_rules_json(const struct asset_rules *r, unsigned decimals, struct jw *w);
void compliance_identity_json(const struct identity *id, const struct addr *address, int64_t day,
                              struct jw *w);

/* The ops. */
enum err compliance_identity_register_apply(struct engine *e, const struct command *cmd,
                                            struct event_buf *events, struct apply_result *out);
enum err compliance_identity_remove_apply(struct engine *e, const struct command *cmd,
                                          struct event_buf *events, struct apply_result *out);
enum err compliance_claim_set_apply(struct engine *e, const struct command *cmd,
                                    struct event_buf *events, struct apply_result *out);
enum err compliance_claim_revoke_apply(struct engine *e, const struct command *cmd,
                                       struct event_buf *events, struct apply_result *out);
enum err compliance_rules_set_apply(struct engine *e, const struct command *cmd,
                                    struct event_buf *events, struct apply_result *out);

/* compliance_rules_set_precheck: what compliance_rules_set_apply would
 * refuse now (ERR_NOT_SECURITY, ERR_INVALID_ARGUMENT, ERR_LIMIT_REACHED,
 * ERR_PARTITION), so that governance refuses an asset.rules.set when it is
 * submitted rather than a day later in the timelock. Changes nothing. */
enum err compliance_rules_set_precheck(const struct engine *e, const struct command *cmd);

#endif
