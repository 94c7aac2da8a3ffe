/*
 * fuzz_request.c - POST /api/commands bodies through request_parse (the
 * streaming yajl parser and command_decode_args), against the fuzz engine.
 *
 * Properties, for any body (they hold whatever admission's exact rules
 * are, so tightening them keeps this harness green):
 *   - the answer is ERR_OK or a client error, never ERR_INTERNAL; a
 *     refused body leaves nothing allocated and an empty result;
 *   - an accepted body holds 1..LIMIT_BATCH_COMMANDS commands signed by
 *     the operator given; a single command carries no atomic flag;
 *   - parsing is deterministic: a second parse gives the same flags and
 *     the same binary commands;
 *   - every command survives the journal's binary form and writes valid
 *     JSON; the request applied as a dry run keeps the invariants and
 *     rolls back exactly;
 *   - anything admission accepts, the journal's readers accept too
 *     (issue 8's differential property): history lists every command of
 *     the journaled request and none as unreadable; audit's decode
 *     (request_parse_journaled) gives the same binary commands; and an
 *     independent JSON library (jansson) parses the body to as many
 *     commands decoding to the same binary commands.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../../src/base/jw.h"
#include "../../src/node/history.h"
#include "../../src/node/request.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void request__encode(const struct request_cmds *r, struct buf *out) {
    for (uint32_t i = 0; i < r->count; i++)
        command_encode(&r->cmds[i], out);
    FUZZ_CHECK(buf_ok(out));
}

/* The request as the journal keeps it (body, binary commands, results ok),
 * read back by history and by audit's decode. */
static void request__journal_readers(const struct engine *e, const uint8_t *data, size_t size,
                                     const struct request_cmds *r) {
    struct buf bin;
    buf_init(&bin);
    request__encode(r, &bin);
    uint8_t *results = calloc(r->count, 2); /* ERR_OK each */
    FUZZ_CHECK(results != NULL);
    struct store_request jr;
    memset(&jr, 0, sizeof(jr));
    jr.first_seq = 1;
    jr.commands_count = r->count;
    jr.operator_name = e->s.operators[r->cmds[0].operator_index].name;
    jr.body = data;
    jr.body_len = size;
    jr.results = results;
    jr.results_len = 2 * (size_t)r->count;
    jr.commands = bin.data;
    jr.commands_len = bin.len;
    struct buf out;
    buf_init(&out);
    struct jw w;
    jw_init(&w, &out);
    jw_array_begin(&w);
    struct history_stats st;
    FUZZ_CHECK(history_write_request(e, &jr, 1, 0, NULL, LIMIT_BATCH_COMMANDS, &w, &st) == ERR_OK);
    jw_array_end(&w);
    if (st.unreadable != 0 || st.written != r->count) {
        fprintf(stderr, "fuzz: history lists %u of %u commands, %u unreadable\n", st.written,
                r->count, st.unreadable);
    }
    FUZZ_CHECK(st.unreadable == 0 && st.written == r->count);
    buf_free(&out);
    struct request_cmds again;
    char why[256];
    enum err err = request_parse_journaled(e, data, size, r->cmds[0].operator_index, &again, why,
                                           sizeof(why));
    if (err) fprintf(stderr, "fuzz: audit's decode refuses it: %s (%s)\n", err_name(err), why);
    FUZZ_CHECK(err == ERR_OK);
    struct buf b2;
    buf_init(&b2);
    request__encode(&again, &b2);
    FUZZ_CHECK(b2.len == bin.len && memcmp(b2.data, bin.data, bin.len) == 0);
    buf_free(&b2);
    request_cmds_free(&again);
    buf_free(&bin);
    free(results);
}

/* An independent JSON library's view: jansson, the single command's
 * dry_run flag dropped, command_decode per command. */
static void request__differential(const struct engine *e, const uint8_t *data, size_t size,
                                  const struct request_cmds *r) {
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size, 0, &jerr);
    if (root == NULL) fprintf(stderr, "fuzz: admission accepts what jansson refuses: %s\n", jerr.text);
    FUZZ_CHECK(root != NULL);
    json_t *list = json_object_get(root, "commands");
    FUZZ_CHECK((list != NULL) == (r->batch != 0));
    FUZZ_CHECK(list == NULL || json_array_size(list) == r->count);
    if (list == NULL) json_object_del(root, "dry_run");
    for (uint32_t i = 0; i < r->count; i++) {
        struct command cmd;
        char why[128] = "";
        enum err err =
            command_decode(e, list ? json_array_get(list, i) : root, &cmd, why, sizeof(why));
        if (err) fprintf(stderr, "fuzz: command %u: jansson says %s (%s)\n", i, err_name(err), why);
        FUZZ_CHECK(err == ERR_OK);
        cmd.operator_index = r->cmds[i].operator_index;
        struct buf a;
        struct buf b;
        buf_init(&a);
        buf_init(&b);
        command_encode(&cmd, &a);
        command_encode(&r->cmds[i], &b);
        FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        buf_free(&a);
        buf_free(&b);
    }
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct engine *e = fuzz_engine();
    uint32_t op_index = (uint32_t)(size % e->s.operators_count);
    struct request_cmds r;
    char why[256];
    enum err err = request_parse(e, data, size, op_index, &r, why, sizeof(why));
    FUZZ_CHECK(err != ERR_INTERNAL);
    FUZZ_CHECK((unsigned)err < ERR__COUNT);
    if (err != ERR_OK) {
        FUZZ_CHECK(r.cmds == NULL && r.count == 0);
        return 0;
    }
    FUZZ_CHECK(r.count >= 1 && r.count <= LIMIT_BATCH_COMMANDS);
    FUZZ_CHECK(r.batch || (r.count == 1 && !r.atomic));
    for (uint32_t i = 0; i < r.count; i++)
        FUZZ_CHECK(r.cmds[i].operator_index == op_index);

    struct request_cmds again;
    FUZZ_CHECK(request_parse(e, data, size, op_index, &again, why, sizeof(why)) == ERR_OK);
    FUZZ_CHECK(again.count == r.count && again.batch == r.batch && again.atomic == r.atomic &&
               again.dry_run == r.dry_run);
    struct buf a;
    struct buf b;
    buf_init(&a);
    buf_init(&b);
    request__encode(&r, &a);
    request__encode(&again, &b);
    FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    buf_free(&a);
    buf_free(&b);
    request_cmds_free(&again);

    for (uint32_t i = 0; i < r.count; i++)
        fuzz_check_command(e, &r.cmds[i]);
    fuzz_check_apply(e, r.cmds, r.count, r.atomic);
    if (!r.dry_run) request__journal_readers(e, data, size, &r); /* dry runs are never journaled */
    request__differential(e, data, size, &r);
    request_cmds_free(&r);
    return 0;
}
