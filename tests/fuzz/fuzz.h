/*
 * fuzz.h - what the libFuzzer harnesses share (prefix fuzz_).
 *
 * A harness (tests/fuzz/fuzz_NAME.c) checks properties of what the code
 * under test accepts, not only that it survives: FUZZ_CHECK states one, and
 * a broken property aborts with its text, which libFuzzer reports as a
 * crash and saves as a reproducer. Nothing here depends on libFuzzer, so
 * the corpus generator (gen_corpus.c) builds the same state with the
 * release library.
 *
 * The engine the harnesses decode and apply against is built the way a
 * node builds one: the built-in genesis YAML (fuzz_genesis_yaml) through
 * yaml_to_json and the canonical JSON, then one block of commands
 * (fuzz_setup_commands) that leaves balances, a frozen amount, a
 * blacklisted address, prices, reserve reports, a proof-of-reserves
 * publication, a pending proposal and a timelocked command behind.
 */
#ifndef MINTLINE_TESTS_FUZZ_H
#define MINTLINE_TESTS_FUZZ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/base/buf.h"
#include "../../src/base/hash.h"
#include "../../src/engine/command.h"
#include "../../src/engine/engine.h"

/* Block 0's time: 2026-03-01T12:00:00Z; block 1 comes a minute later. */
#define FUZZ_T0_NS (INT64_C(1772366400) * INT64_C(1000000000))
#define FUZZ_T1_NS (FUZZ_T0_NS + INT64_C(60) * INT64_C(1000000000))
/* The holdings hint engines are opened with. */
#define FUZZ_HOLDINGS_HINT 1024u

/* FUZZ_CHECK(cond): a property; aborts naming it when it does not hold. */
void fuzz_fail(const char *what, const char *file, int line) __attribute__((noreturn));
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) fuzz_fail(#cond, __FILE__, __LINE__);                                         \
    } while (0)

/* fuzz_genesis_yaml: the built-in genesis document (NUL-terminated). */
extern const char fuzz_genesis_yaml[];
/* fuzz_setup_commands: block 1's commands, {"as": operator, "cmd": {...}}
 * per line; NULL-terminated. */
extern const char *const fuzz_setup_commands[];

/* fuzz_genesis_from_yaml: what `mintline init` does with a genesis file:
 * yaml_to_json, the canonical JSON (compact, sorted keys), then
 * chain_genesis_engine into e (opened, empty). ERR_INVALID_GENESIS (why
 * says why) or ERR_OK. When json is not NULL it receives the canonical
 * JSON (malloc'd, the caller frees; NULL on a YAML error). */
enum err fuzz_genesis_from_yaml(struct engine *e, const char *yaml, size_t len, char **json,
                                char *why, size_t why_size);

/* fuzz_engine_setup: open e, set it to the built-in genesis and apply and
 * seal block 1; block 1's events go to events in their journal form (when
 * not NULL). Aborts when any of it fails (the harness itself is wrong). */
void fuzz_engine_setup(struct engine *e, struct buf *events);

/* fuzz_engine: the shared engine of a harness process, set up once. Every
 * check below leaves it exactly as it found it. */
struct engine *fuzz_engine(void);

/* fuzz_check_apply: apply cmds as a dry run does (savepoint, the chain's
 * apply routine, rollback) and check: every result is a known code, a
 * failed command emits no event, seqs advance by n, every event survives
 * its journal form and writes valid JSON, the invariants hold, and the
 * rollback restores the state hash. When every command succeeded, also
 * apply them for real to a copy of the state, seal the block, and check
 * the sealed state's snapshot round trip (fuzz_check_snapshot). */
void fuzz_check_apply(struct engine *e, const struct command *cmds, uint32_t n, int atomic);

/* fuzz_check_command: a decoded command survives the journal's binary
 * form (decode_bin of encode is encode's fixed point) and its arguments
 * write as valid JSON. */
void fuzz_check_command(const struct engine *e, const struct command *cmd);

/* fuzz_check_json: text is one valid JSON value (jansson agrees). */
void fuzz_check_json(const uint8_t *text, size_t len);

/* fuzz_check_yaml_tree: what yaml_to_json made of text: text is one
 * well-formed YAML document (nothing after it is ignored), and the tree
 * has mappings, sequences and strings, nested at most LIMIT_JSON_DEPTH
 * deep, holding every key/value pair of the document's mappings (counted
 * here from libyaml's own events): no key is silently dropped. */
void fuzz_check_yaml_tree(const char *text, size_t len, const json_t *v);

/* fuzz_check_snapshot: write e's snapshot, read it into a fresh engine:
 * it must load, have the same state hash and invariants, and write the
 * same snapshot again (fuzz_snapshot_same). */
void fuzz_check_snapshot(const struct engine *e);

/* fuzz_snapshot_same: two snapshots hold the same state: byte for byte,
 * but for the order of the holding records (the table's slot order). */
int fuzz_snapshot_same(const struct buf *a, const struct buf *b);

/* fuzz_env_flag: the environment variable `name` is set to "1". */
int fuzz_env_flag(const char *name);

#endif
