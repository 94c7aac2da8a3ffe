/*
 * fuzz_command_bin.c - a request's journaled commands (command_decode_bin),
 * as start-up replay (chain.c) decodes them: records one after the other,
 * all of them or the request is refused. The bytes are input, not proof:
 * a journal can be damaged or edited. The seed corpus holds the commands
 * of real requests (gen_corpus.c).
 *
 * Properties, for any bytes:
 *   - every command decoded re-encodes to exactly the bytes it came from,
 *     and writes its arguments as valid JSON;
 *   - a request whose commands all decode can be replayed: applied (as a
 *     dry run, atomic when the input's length is odd) it breaks no
 *     assertion, keeps the invariants and rolls back exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define COMMAND_BIN_MAX 256u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct engine *e = fuzz_engine();
    struct command *cmds = malloc(COMMAND_BIN_MAX * sizeof(*cmds));
    FUZZ_CHECK(cmds != NULL);
    struct buf_reader r;
    buf_reader_init(&r, data, size);
    uint32_t n = 0;
    while (r.pos < r.len && n < COMMAND_BIN_MAX) {
        size_t start = r.pos;
        if (command_decode_bin(e, &r, &cmds[n]) != 0) break;
        FUZZ_CHECK(!r.failed && r.pos <= r.len);
        struct buf again;
        buf_init(&again);
        command_encode(&cmds[n], &again);
        FUZZ_CHECK(buf_ok(&again));
        FUZZ_CHECK(again.len == r.pos - start && memcmp(again.data, data + start, again.len) == 0);
        buf_free(&again);
        fuzz_check_command(e, &cmds[n]);
        n++;
    }
    if (n > 0 && r.pos == r.len) fuzz_check_apply(e, cmds, n, (int)(size & 1u));
    free(cmds);
    return 0;
}
