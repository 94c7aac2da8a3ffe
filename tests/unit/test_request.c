/*
 * test_request.c - the streaming command-body parser (src/node/request.c).
 *
 * Every malformed body gets its error code and, where it helps, the place;
 * well-formed bodies decode to exactly what the jansson-based decoder
 * (command_decode) gives for the same command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/node/request.h"
#include "../support/engine_fixture.h"

#define A1 "0x1111111111111111111111111111111111111111"
#define A2 "0x2222222222222222222222222222222222222222"
#define T0 (INT64_C(1790000000) * 1000000000)

static int setup(void **state) {
    *state = fixture_open(NULL, T0);
    return 0;
}

static int teardown(void **state) {
    fixture_close(*state);
    return 0;
}

static enum err parse(void **state, const char *body, struct request_cmds *out, char *why) {
    struct fixture *f = *state;
    return request_parse(&f->e, (const uint8_t *)body, strlen(body), 2, out, why, 160);
}

static void expect(void **state, const char *body, enum err want, const char *why_part) {
    struct request_cmds rc;
    char why[160];
    enum err err = parse(state, body, &rc, why);
    if (err != want) fail_msg("%s: got %s (%s), want %s", body, err_name(err), why, err_name(want));
    if (why_part && !strstr(why, why_part)) fail_msg("%s: why '%s' lacks '%s'", body, why, why_part);
    assert_null(rc.cmds);
    assert_int_equal(rc.count, 0);
}

static void request_single_matches_command_decode(void **state) {
    struct fixture *f = *state;
    const char *body = "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2
                       "\",\"amount\":\"12.5\"}";
    struct request_cmds rc;
    char why[160];
    assert_int_equal(parse(state, body, &rc, why), ERR_OK);
    assert_int_equal(rc.count, 1);
    assert_false(rc.batch);
    assert_false(rc.dry_run);
    struct command want;
    assert_int_equal(fixture_decode(f, body, &want), ERR_OK);
    want.operator_index = 2;
    assert_memory_equal(&rc.cmds[0], &want, sizeof(want));
    request_cmds_free(&rc);
}

static void request_batch_flags_and_order_kept(void **state) {
    const char *body = "{\"dry_run\":true,\"commands\":[{\"op\":\"pause\"},{\"asset\":\"USDW\","
                       "\"op\":\"mint\",\"to\":\"" A1 "\",\"amount\":\"1\"}],\"atomic\":true}";
    struct request_cmds rc;
    char why[160];
    assert_int_equal(parse(state, body, &rc, why), ERR_OK);
    assert_int_equal(rc.count, 2);
    assert_true(rc.batch);
    assert_true(rc.atomic);
    assert_true(rc.dry_run);
    assert_int_equal(rc.cmds[0].op, OP_PAUSE);
    assert_int_equal(rc.cmds[1].op, OP_MINT);
    assert_int_equal(rc.cmds[1].operator_index, 2);
    request_cmds_free(&rc);
}

static void request_escaped_strings_are_unescaped(void **state) {
    struct request_cmds rc;
    char why[160];
    assert_int_equal(parse(state, "{\"op\":\"pa\\u0075se\",\"asset\":\"US\\u0044W\"}", &rc, why),
                     ERR_OK);
    assert_int_equal(rc.cmds[0].op, OP_PAUSE);
    request_cmds_free(&rc);
}

static void request_malformed_json_refused(void **state) {
    expect(state, "", ERR_INVALID_JSON, NULL);
    expect(state, "{", ERR_INVALID_JSON, NULL);
    expect(state, "{\"op\":\"pause\"} x", ERR_INVALID_JSON, NULL);
    expect(state, "{\"op\":\"pause\"}{}", ERR_INVALID_JSON, NULL);
    expect(state, "{\"op\":'pause'}", ERR_INVALID_JSON, NULL);
    expect(state, "{\"op\":\"pause\",}", ERR_INVALID_JSON, NULL);
    expect(state, "/* c */{\"op\":\"pause\"}", ERR_INVALID_JSON, NULL);
    expect(state, "{\"op\":\"pa\xffse\"}", ERR_INVALID_JSON, NULL);
    expect(state, "[]", ERR_INVALID_JSON, "object");
    expect(state, "5", ERR_INVALID_JSON, "object");
    expect(state, "\"x\"", ERR_INVALID_JSON, "object");
}

static void request_shape_errors_named(void **state) {
    expect(state, "{\"op\":\"pause\",\"op\":\"unpause\"}", ERR_INVALID_JSON, "duplicate");
    expect(state, "{\"op\":\"pause\",\"asset\":{\"x\":1}}", ERR_INVALID_ARGUMENT, "asset");
    expect(state, "{\"op\":\"pause\",\"asset\":[\"USDW\"]}", ERR_INVALID_ARGUMENT, "asset");
    expect(state, "{\"op\":\"pause\",\"dry_run\":1}", ERR_INVALID_ARGUMENT, "dry_run");
    expect(state, "{\"op\":\"pause\",\"atomic\":true}", ERR_UNKNOWN_FIELD, "atomic");
    expect(state, "{\"commands\":[]}", ERR_INVALID_ARGUMENT, "non-empty");
    expect(state, "{\"commands\":{}}", ERR_INVALID_ARGUMENT, "non-empty");
    expect(state, "{\"commands\":5}", ERR_INVALID_ARGUMENT, "non-empty");
    expect(state, "{\"commands\":[{\"op\":\"pause\"}],\"commands\":[{\"op\":\"pause\"}]}",
           ERR_INVALID_JSON, "duplicate");
    expect(state, "{\"commands\":[{\"op\":\"pause\"}],\"x\":1}", ERR_UNKNOWN_FIELD, "x");
    expect(state, "{\"commands\":[{\"op\":\"pause\"}],\"atomic\":\"yes\"}", ERR_INVALID_ARGUMENT,
           "atomic");
    expect(state, "{\"commands\":[{\"op\":\"pause\"},5]}", ERR_INVALID_JSON, "commands[1]");
    expect(state, "{\"commands\":[{\"op\":\"pause\"},[]]}", ERR_INVALID_JSON, "commands[1]");
    expect(state, "{\"commands\":[{\"op\":\"pause\"},{\"op\":\"nope\"}]}", ERR_UNKNOWN_OP,
           "commands[1]");
    expect(state, "{\"commands\":[{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A1
                  "\",\"amount\":1}]}",
           ERR_INVALID_AMOUNT, "commands[0].amount");
    expect(state, "{\"op\":\"pause\",\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1,"
                  "\"h\":1,\"i\":1,\"j\":1,\"k\":1,\"l\":1}",
           ERR_UNKNOWN_FIELD, NULL);
}

static void request_limits_enforced(void **state) {
    /* A single command over 1 MiB (padding inside a string value). */
    size_t pad = (1u << 20) + 10;
    char *body = malloc(pad + 64);
    assert_non_null(body);
    int n = snprintf(body, 64, "{\"op\":\"pause\",\"asset\":\"");
    memset(body + n, 'A', pad);
    memcpy(body + n + pad, "\"}", 3);
    expect(state, body, ERR_BODY_TOO_LARGE, NULL);
    free(body);
    /* More than LIMIT_BATCH_COMMANDS commands. */
    size_t count = LIMIT_BATCH_COMMANDS + 1;
    body = malloc(count * 16 + 32);
    assert_non_null(body);
    size_t at = (size_t)snprintf(body, 32, "{\"commands\":[");
    for (size_t i = 0; i < count; i++) at += (size_t)snprintf(body + at, 32, "%s{\"op\":\"pause\"}", i ? "," : "");
    memcpy(body + at, "]}", 3);
    expect(state, body, ERR_BATCH_TOO_LARGE, NULL);
    free(body);
    /* Deep nesting inside a value is skipped, not recursed into. */
    size_t depth = 100000;
    body = malloc(depth * 2 + 64);
    assert_non_null(body);
    at = (size_t)snprintf(body, 64, "{\"op\":\"pause\",\"x\":");
    memset(body + at, '[', depth);
    memset(body + at + depth, ']', depth);
    memcpy(body + at + 2 * depth, "}", 2);
    expect(state, body, ERR_UNKNOWN_FIELD, "x");
    free(body);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(request_single_matches_command_decode, setup, teardown),
        cmocka_unit_test_setup_teardown(request_batch_flags_and_order_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(request_escaped_strings_are_unescaped, setup, teardown),
        cmocka_unit_test_setup_teardown(request_malformed_json_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(request_shape_errors_named, setup, teardown),
        cmocka_unit_test_setup_teardown(request_limits_enforced, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
