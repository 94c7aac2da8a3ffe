/*
 * fuzz_command.c - one command object through command_decode (the jansson
 * path: genesis tools, the CLI, history) into command_decode_args.
 *
 * Properties, for any JSON text:
 *   - the answer is ERR_OK or a client error, never ERR_INTERNAL;
 *   - an accepted command survives the journal's binary form, and its
 *     arguments as the API writes them (command_write_args), sent back
 *     with its op, decode to the same binary command (the salt and a
 *     reason, which the API does not show, are sent as they came);
 *   - applied as a dry run, it keeps the invariants and rolls back exactly.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "../../src/base/jw.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* command_write_args's object, with "op" and the hidden fields put back. */
static json_t *command__written(const struct engine *e, const struct command *cmd,
                                const json_t *sent) {
    struct buf text;
    buf_init(&text);
    struct jw w;
    jw_init(&w, &text);
    command_write_args(e, cmd, &w);
    FUZZ_CHECK(buf_ok(&text));
    json_t *obj = json_loadb((const char *)text.data, text.len, JSON_REJECT_DUPLICATES, NULL);
    FUZZ_CHECK(json_is_object(obj));
    buf_free(&text);
    json_object_set(obj, "op", json_object_get(sent, "op"));
    static const char *const hidden[] = {"salt", "reason"};
    for (unsigned i = 0; i < 2; i++) {
        json_t *v = json_object_get(sent, hidden[i]);
        if (v != NULL) json_object_set(obj, hidden[i], v);
    }
    return obj;
}

static void command__same(const struct command *a, const struct command *b) {
    struct buf x;
    struct buf y;
    buf_init(&x);
    buf_init(&y);
    command_encode(a, &x);
    command_encode(b, &y);
    FUZZ_CHECK(buf_ok(&x) && buf_ok(&y));
    FUZZ_CHECK(x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
    buf_free(&x);
    buf_free(&y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (doc == NULL) return 0;
    struct engine *e = fuzz_engine();
    struct command cmd;
    char why[128];
    enum err err = command_decode(e, doc, &cmd, why, sizeof(why));
    FUZZ_CHECK(err != ERR_INTERNAL);
    FUZZ_CHECK((unsigned)err < ERR__COUNT);
    if (err == ERR_OK) {
        FUZZ_CHECK(cmd.operator_index == 0);
        fuzz_check_command(e, &cmd);
        json_t *again = command__written(e, &cmd, doc);
        struct command back;
        err = command_decode(e, again, &back, why, sizeof(why));
        FUZZ_CHECK(err == ERR_OK);
        command__same(&cmd, &back);
        json_decref(again);
        cmd.operator_index = (uint32_t)(size % e->s.operators_count);
        fuzz_check_apply(e, &cmd, 1, 0);
    }
    json_decref(doc);
    return 0;
}
