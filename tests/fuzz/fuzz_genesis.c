/*
 * fuzz_genesis.c - genesis files: YAML (src/node/yaml.c) to the canonical
 * JSON to engine_genesis, the way `mintline init` reads them.
 *
 * Properties, for any text:
 *   - yaml_to_json yields a tree of mappings, sequences and strings no
 *     deeper than LIMIT_JSON_DEPTH, or a reason;
 *   - the genesis is accepted or refused with ERR_INVALID_GENESIS, and a
 *     refusal leaves nothing allocated;
 *   - the canonical JSON is a fixed point (parsing and writing it again
 *     gives the same text), so block 0's hash is stable;
 *   - an accepted genesis keeps the invariants, has a state hash that a
 *     second engine reading the same JSON reproduces, and survives a
 *     snapshot round trip.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/node/chain.h"
#include "../../src/node/yaml_json.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void genesis__fixed_point(const char *json) {
    json_t *doc = json_loads(json, JSON_DECODE_ANY, NULL);
    FUZZ_CHECK(doc != NULL);
    char *again = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    FUZZ_CHECK(again != NULL && strcmp(again, json) == 0);
    free(again);
    json_decref(doc);
}

static void genesis__same_again(const struct engine *e, const char *json) {
    struct engine *other = malloc(sizeof(*other));
    FUZZ_CHECK(other != NULL && engine_open(other, FUZZ_HOLDINGS_HINT) == ERR_OK);
    char why[256];
    FUZZ_CHECK(chain_genesis_engine(other, json, strlen(json), FUZZ_T0_NS, NULL, why, sizeof(why)) ==
               ERR_OK);
    struct hash a;
    struct hash b;
    engine_state_hash(e, &a);
    engine_state_hash(other, &b);
    FUZZ_CHECK(memcmp(a.bytes, b.bytes, HASH_BYTES) == 0);
    engine_close(other);
    free(other);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *tree = NULL;
    char why[256] = "";
    if (yaml_to_json((const char *)data, size, &tree, why, sizeof(why)) == ERR_OK) {
        fuzz_check_yaml_tree((const char *)data, size, tree);
        json_decref(tree);
    }
    struct engine *e = malloc(sizeof(*e));
    FUZZ_CHECK(e != NULL && engine_open(e, FUZZ_HOLDINGS_HINT) == ERR_OK);
    char *json = NULL;
    why[0] = '\0';
    enum err err = fuzz_genesis_from_yaml(e, (const char *)data, size, &json, why, sizeof(why));
    FUZZ_CHECK(err == ERR_OK || err == ERR_INVALID_GENESIS);
    FUZZ_CHECK(why[0] != '\0' || err == ERR_OK);
    if (json != NULL) genesis__fixed_point(json);
    if (err == ERR_OK) {
        FUZZ_CHECK(e->s.operators_count >= 1);
        FUZZ_CHECK(engine_check_invariants(e) == 0);
        genesis__same_again(e, json);
        fuzz_check_snapshot(e);
    }
    free(json);
    engine_close(e);
    free(e);
    return 0;
}
