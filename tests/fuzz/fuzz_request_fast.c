/*
 * fuzz_request_fast.c - the fast path of request_parse (request_fast.h)
 * against the generic path alone (request_parse_generic), on any body.
 *
 * Properties:
 *   - request_parse and the generic path give the same code and message,
 *     the same flags and the same binary commands (so do the journal's
 *     readers: request_parse_journaled against the generic path with
 *     journaled amounts);
 *   - whatever the fast path decides by itself (on a body jtext_check
 *     passes), the generic path accepts with the same commands and flags;
 *     when it gives up, it leaves nothing allocated.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../src/base/jtext.h"
#include "../../src/node/request.h"
#include "../../src/node/request_fast.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fast__same(enum err e1, const char *why1, const struct request_cmds *r1, enum err e2,
                       const char *why2, const struct request_cmds *r2) {
    if (e1 != e2 || strcmp(why1, why2) != 0) {
        fprintf(stderr, "fuzz: fast %s (%s), generic %s (%s)\n", err_name(e1), why1, err_name(e2), why2);
    }
    FUZZ_CHECK(e1 == e2 && strcmp(why1, why2) == 0);
    FUZZ_CHECK(r1->count == r2->count && r1->batch == r2->batch && r1->atomic == r2->atomic &&
               r1->dry_run == r2->dry_run && r1->reply_errors == r2->reply_errors);
    struct buf a;
    struct buf b;
    buf_init(&a);
    buf_init(&b);
    for (uint32_t i = 0; i < r1->count; i++) {
        FUZZ_CHECK(r1->cmds[i].operator_index == r2->cmds[i].operator_index);
        command_encode(&r1->cmds[i], &a);
        command_encode(&r2->cmds[i], &b);
    }
    FUZZ_CHECK(buf_ok(&a) && buf_ok(&b));
    FUZZ_CHECK(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
    buf_free(&a);
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct engine *e = fuzz_engine();
    uint32_t op_index = (uint32_t)(size % e->s.operators_count);
    for (int journaled = 0; journaled < 2; journaled++) {
        struct request_cmds r1;
        struct request_cmds r2;
        char why1[256];
        char why2[256];
        enum err e1 = journaled ? request_parse_journaled(e, data, size, op_index, &r1, why1, sizeof(why1))
                                : request_parse(e, data, size, op_index, &r1, why1, sizeof(why1));
        enum err e2 = request_parse_generic(e, data, size, op_index, journaled, &r2, why2, sizeof(why2));
        fast__same(e1, why1, &r1, e2, why2, &r2);
        request_cmds_free(&r1);
        request_cmds_free(&r2);
    }
    struct jtext_fault fault;
    if (size > LIMIT_BODY_BATCH_BYTES || jtext_check(data, size, &fault) != ERR_OK) return 0;
    struct request_cmds r3;
    if (!request_fast_parse(e, data, size, op_index, &r3)) {
        FUZZ_CHECK(r3.cmds == NULL && r3.count == 0);
        return 0;
    }
    struct request_cmds r4;
    char why4[256];
    enum err e4 = request_parse_generic(e, data, size, op_index, 0, &r4, why4, sizeof(why4));
    fast__same(ERR_OK, "", &r3, e4, why4, &r4);
    request_cmds_free(&r3);
    request_cmds_free(&r4);
    return 0;
}
