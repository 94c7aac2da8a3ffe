/*
 * fuzz_snapshot.c - engine_snapshot_read on bytes from disk.
 *
 * Input: byte 0 chooses how the rest is read. Even: the rest is the
 * snapshot (the seed corpus holds real ones from gen_corpus.c for libFuzzer
 * to mutate). Odd: the rest is a list of 4-byte edits (offset u16, op,
 * value) applied to a snapshot of the fuzz state written here, so that
 * mutations stay close to the current format: set, xor or add a byte, or
 * cut the snapshot short.
 *
 * Properties, for any bytes:
 *   - reading gives ERR_OK or ERR_IO, never anything else and never a
 *     crash, however the bytes lie about counts and sizes;
 *   - after ERR_IO the engine is empty and valid: no assets, operators or
 *     holdings, the same state hash as after any other refused read,
 *     nothing leaked;
 *   - after ERR_OK the invariants hold, the state hash is computable, and
 *     the snapshot written from the loaded state reads back to the same
 *     state hash and writes the same snapshot again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct engine snapshot__engine;
static struct hash snapshot__empty;
static struct buf snapshot__live; /* the fuzz state's snapshot */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    FUZZ_CHECK(engine_open(&snapshot__engine, FUZZ_HOLDINGS_HINT) == ERR_OK);
    /* What every refused read must leave: the state of the first one. */
    FUZZ_CHECK(engine_snapshot_read(&snapshot__engine, (const uint8_t *)"", 0) == ERR_IO);
    engine_state_hash(&snapshot__engine, &snapshot__empty);
    buf_init(&snapshot__live);
    engine_snapshot_write(fuzz_engine(), &snapshot__live);
    FUZZ_CHECK(buf_ok(&snapshot__live) && snapshot__live.len > 0);
    return 0;
}

/* The live snapshot with the edits applied; the caller frees *out. */
static size_t snapshot__edited(const uint8_t *edits, size_t size, uint8_t **out) {
    size_t len = snapshot__live.len;
    uint8_t *s = malloc(len);
    FUZZ_CHECK(s != NULL);
    memcpy(s, snapshot__live.data, len);
    for (size_t i = 0; i + 4 <= size && len > 0; i += 4) {
        size_t at = ((size_t)edits[i] | (size_t)edits[i + 1] << 8) % len;
        uint8_t v = edits[i + 3];
        switch (edits[i + 2] % 4u) {
        case 0: s[at] = v; break;
        case 1: s[at] ^= v; break;
        case 2: s[at] = (uint8_t)(s[at] + v); break;
        default: len = at; break;
        }
    }
    *out = s;
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    struct engine *e = &snapshot__engine;
    uint8_t *edited = NULL;
    enum err err;
    if (data[0] & 1u) {
        size_t len = snapshot__edited(data + 1, size - 1, &edited);
        err = engine_snapshot_read(e, edited, len);
        free(edited);
    } else {
        err = engine_snapshot_read(e, data + 1, size - 1);
    }
    FUZZ_CHECK(err == ERR_OK || err == ERR_IO);
    struct hash h;
    engine_state_hash(e, &h);
    if (err == ERR_IO) {
        FUZZ_CHECK(e->s.assets_count == 0 && e->s.operators_count == 0 && e->s.height == 0);
        FUZZ_CHECK(e->holdings.used_count == 0);
        FUZZ_CHECK(memcmp(h.bytes, snapshot__empty.bytes, HASH_BYTES) == 0);
        FUZZ_CHECK(engine_check_invariants(e) == 0);
        return 0;
    }
    FUZZ_CHECK(engine_check_invariants(e) == 0);
    fuzz_check_snapshot(e);
    return 0;
}
