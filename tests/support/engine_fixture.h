/*
 * engine_fixture.h - shared helpers for the unit tests (prefix fixture_).
 *
 * A fixture is one engine opened from a genesis document (built with
 * jansson), an events buffer, and block bookkeeping, so that a test reads as
 * the commands an operator would send:
 *
 *     struct fixture *f = fixture_open(NULL, FIXTURE_T0_NS);   default genesis
 *     assert_int_equal(fixture_mint(f, "alice", "USDW", ADDR_1, "12.5"), ERR_OK);
 *     assert_balance(f, "USDW", ADDR_1, "12.5");
 *     fixture_close(f);
 *
 * Commands go through command_decode from JSON text, exactly as the node
 * will send them. A block is begun on the first apply when none is open (at
 * the ledger time, with room for FIXTURE_BLOCK_COMMANDS commands); sealing
 * is always explicit. The events buffer holds the events of the last
 * applied command only.
 *
 * cmocka 1.1.5 compares integers as 64 bits, so u128 values are compared
 * by formatting both as decimal (assert_u128_equal).
 *
 * Every helper that can only fail through a bug in the test itself fails
 * the running test through cmocka (fail_msg), never returns garbage.
 */
#ifndef MINTLINE_TESTS_ENGINE_FIXTURE_H
#define MINTLINE_TESTS_ENGINE_FIXTURE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/base/addr.h"
#include "../../src/base/buf.h"
#include "../../src/base/duration.h"
#include "../../src/base/err.h"
#include "../../src/base/hash.h"
#include "../../src/base/u128.h"
#include "../../src/engine/command.h"
#include "../../src/engine/engine.h"
#include "../../src/engine/event.h"
#include "../../src/engine/genesis.h"

/* Genesis time of the default fixture: 2026-03-01T12:00:00Z. */
#define FIXTURE_T0_S INT64_C(1772366400)
#define FIXTURE_T0_NS (FIXTURE_T0_S * NS_PER_S)
/* The next UTC midnight after FIXTURE_T0: 2026-03-02T00:00:00Z. */
#define FIXTURE_MIDNIGHT_NS (INT64_C(1772409600) * NS_PER_S)

#define FIXTURE_BLOCK_COMMANDS 1024u
#define FIXTURE_EVENTS_CAP 64u
#define FIXTURE_HOLDINGS_HINT 1024u

/* Addresses the tests use by name (lowercase, as the engine outputs). */
#define ADDR_1 "0x1111111111111111111111111111111111111111"
#define ADDR_2 "0x2222222222222222222222222222222222222222"
#define ADDR_3 "0x3333333333333333333333333333333333333333"
#define ADDR_4 "0x4444444444444444444444444444444444444444"

struct fixture {
    struct engine e;
    struct event_buf events;
    struct event event_items[FIXTURE_EVENTS_CAP];
    int in_block;
    uint32_t block_reserved;    /* commands reserved for the open block */
    uint32_t block_applied;     /* commands applied (decoded) in the open block */
    struct apply_result result; /* of the last engine_apply */
    char why[192];              /* reason of the last decode error */
};

/* --- a seeded generator (splitmix64) for the random-sequence tests --- */

void fixture_rng_seed(uint64_t seed);
uint64_t fixture_rng_next(void);
/* fixture_rng_below: uniform-ish in [0, n) (0 when n is 0). */
uint64_t fixture_rng_below(uint64_t n);
/* fixture_rng_percent: true p times in 100. */
int fixture_rng_percent(unsigned p);

/* --- genesis documents (new references owned by the caller) --- */

/* fixture_pubkey_hex: a valid Ed25519 public key (of a seed filled with
 * `seed`) as 64 hex digits. */
void fixture_pubkey_hex(unsigned seed, char out[65]);

/* fixture_genesis_new: {"operators": [], "assets": []}. */
json_t *fixture_genesis_new(void);

/* fixture_genesis_add_operator: append an operator with a fresh pubkey and
 * the comma-separated roles ("admin,minter@USDW"; "" for none). Returns the
 * operator object (borrowed from doc). */
json_t *fixture_genesis_add_operator(json_t *doc, const char *name, const char *roles);

/* fixture_genesis_add_asset: append {symbol, kind, decimals}; limits and
 * other keys can be set on the returned object (borrowed from doc). */
json_t *fixture_genesis_add_asset(json_t *doc, const char *symbol, const char *kind,
                                  const char *decimals);

/* fixture_genesis_default: the document every engine test starts from:
 *   alice  admin, minter, burner, transfer_agent, pauser (global)
 *   bob    minter, burner, transfer_agent, pauser, all @USDW only
 *   carol  viewer
 *   dave   minter@GOLD
 *   USDW   fiat, 6 decimals, supply_cap 1000000, daily_mint_limit 500000,
 *          daily_inflow_limit 400000
 *   GOLD   plain, 18 decimals, no limits
 *   EQ     security, 0 decimals, no limits */
json_t *fixture_genesis_default(void);

/* fixture_genesis_single_approvals: the ledger tests run every command at
 * once, so they set in genesis the single-approval policies they rely on
 * (unpause, mint_resume, mint and burn of EQ); the defaults of SPEC 4 are
 * governance's tests' business. Needs an asset EQ in doc. */
void fixture_genesis_single_approvals(json_t *doc);

/* --- engine lifecycle --- */

/* fixture_open: engine + genesis at time_ns (genesis NULL: the default).
 * Fails the test when the genesis is refused. */
struct fixture *fixture_open(const json_t *genesis, int64_t time_ns);
/* fixture_open_hint: the same with a chosen holdings-table size hint. */
struct fixture *fixture_open_hint(const json_t *genesis, int64_t time_ns, uint32_t hint);
/* fixture_open_empty: an engine with no genesis (for snapshot reads). */
struct fixture *fixture_open_empty(uint32_t hint);
void fixture_close(struct fixture *f);

/* fixture_begin: reserve room for `commands`, begin a block at time_ns. */
void fixture_begin(struct fixture *f, int64_t time_ns, uint32_t commands);
/* fixture_begin_room: the same with exactly `extra` further holdings
 * inserts reserved, as the sequencer does (the sum of engine_command_room
 * over the block's commands), instead of fixture_begin's 8 per command. */
void fixture_begin_room(struct fixture *f, int64_t time_ns, uint32_t commands, uint64_t extra);
/* fixture_seal: seal the open block (out may be NULL). */
void fixture_seal(struct fixture *f, struct hash *out);

/* fixture_from_snapshot: seal f's open block, write a snapshot of f (kept
 * in *snap when snap is not NULL; the caller frees it), read it into a new
 * engine and assert both state hashes are equal. Returns the new fixture. */
struct fixture *fixture_from_snapshot(struct fixture *f, struct buf *snap);

/* --- commands --- */

/* fixture_decode: parse json text and command_decode it; ERR_INVALID_JSON
 * when the text is not JSON. The reason goes to f->why. */
enum err fixture_decode(struct fixture *f, const char *json, struct command *out);

/* fixture_apply: decode and apply json as operator `name` (an unknown name
 * is sent as an out-of-range operator index). Returns the decode error or
 * engine_apply's result; f->events holds the command's events and
 * f->result its seq and note. Opens a block when none is open. */
enum err fixture_apply(struct fixture *f, const char *name, const char *json);
enum err fixture_applyf(struct fixture *f, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* fixture_apply_cmd: apply an already decoded command as is. */
enum err fixture_apply_cmd(struct fixture *f, const struct command *cmd);

enum err fixture_mint(struct fixture *f, const char *name, const char *asset, const char *to,
                      const char *amount);
enum err fixture_burn(struct fixture *f, const char *name, const char *asset, const char *from,
                      const char *amount);
enum err fixture_transfer(struct fixture *f, const char *name, const char *asset, const char *from,
                          const char *to, const char *amount);
/* asset NULL: the global pause. */
enum err fixture_pause(struct fixture *f, const char *name, const char *asset);
enum err fixture_unpause(struct fixture *f, const char *name, const char *asset);
enum err fixture_advance(struct fixture *f, const char *name, const char *duration);

/* fixture_expect_rejected: for engine rejections (not decode errors).
 * Apply json as `name`, assert it fails with
 * `expected`, emits no event, consumes exactly one seq, and changes nothing
 * else: the snapshot bytes (small state + every holding slot in use, zero
 * balances included) and the undo log length are the same before and after
 * once the consumed seq is discounted. */
void fixture_expect_rejected(struct fixture *f, const char *name, const char *json,
                             enum err expected);

/* JSON text of the common commands, for string-literal arguments. */
#define J_MINT(asset, to, amount)                                                                  \
    "{\"op\":\"mint\",\"asset\":\"" asset "\",\"to\":\"" to "\",\"amount\":\"" amount "\"}"
#define J_BURN(asset, from, amount)                                                                \
    "{\"op\":\"burn\",\"asset\":\"" asset "\",\"from\":\"" from "\",\"amount\":\"" amount "\"}"
#define J_TRANSFER(asset, from, to, amount)                                                        \
    "{\"op\":\"transfer\",\"asset\":\"" asset "\",\"from\":\"" from "\",\"to\":\"" to              \
    "\",\"amount\":\"" amount "\"}"
#define J_PAUSE(asset) "{\"op\":\"pause\",\"asset\":\"" asset "\"}"
#define J_PAUSE_ALL "{\"op\":\"pause\"}"
#define J_UNPAUSE(asset) "{\"op\":\"unpause\",\"asset\":\"" asset "\"}"
#define J_UNPAUSE_ALL "{\"op\":\"unpause\"}"
#define J_ADVANCE(duration) "{\"op\":\"dev.advance\",\"duration\":\"" duration "\"}"

/* --- reads --- */

/* fixture_asset: index of symbol; fails the test when unknown. */
uint32_t fixture_asset(const struct fixture *f, const char *symbol);
struct addr fixture_addr_parse(const char *text);
/* fixture_addr_text: a deterministic distinct address for n. */
void fixture_addr_text(uint32_t n, char out[ADDR_TEXT_SIZE]);
u128 fixture_balance(const struct fixture *f, const char *symbol, const char *addr);
u128 fixture_supply(const struct fixture *f, const char *symbol);
/* fixture_amount: parse text in the asset's decimals; fails the test on error. */
u128 fixture_amount(const struct fixture *f, const char *symbol, const char *text);

/* fixture_state_hex: engine_state_hash as 64 hex digits. */
void fixture_state_hex(const struct fixture *f, char out[HASH_HEX_SIZE]);
void fixture_hash_hex(const struct hash *h, char out[HASH_HEX_SIZE]);

/* --- assertions --- */

/* assert_err(expr, ERR_X) / assert_ok(expr): compare error codes, naming
 * both on failure. */
void fixture_assert_err(enum err actual, enum err expected, const char *expr, const char *file,
                        int line);
#define assert_err(expr, expected) fixture_assert_err((expr), (expected), #expr, __FILE__, __LINE__)
#define assert_ok(expr) assert_err((expr), ERR_OK)

void fixture_assert_u128_equal(u128 actual, u128 expected, const char *file, int line);
/* assert_u128_equal(actual, expected): both formatted as decimal. */
#define assert_u128_equal(a, b) fixture_assert_u128_equal((a), (b), __FILE__, __LINE__)

/* assert_balance(f, "USDW", ADDR_1, "12.5"): in the asset's decimals. */
void fixture_assert_balance(const struct fixture *f, const char *symbol, const char *addr,
                            const char *expected, const char *file, int line);
#define assert_balance(f, sym, addr, text)                                                         \
    fixture_assert_balance((f), (sym), (addr), (text), __FILE__, __LINE__)

/* assert_supply(f, "USDW", "100"): in the asset's decimals. */
void fixture_assert_supply(const struct fixture *f, const char *symbol, const char *expected,
                           const char *file, int line);
#define assert_supply(f, sym, text) fixture_assert_supply((f), (sym), (text), __FILE__, __LINE__)

void fixture_assert_hash_equal(const struct hash *a, const struct hash *b, const char *file,
                               int line);
#define assert_hash_equal(a, b) fixture_assert_hash_equal((a), (b), __FILE__, __LINE__)

#endif
