/*
 * test_request.c - the streaming command-body parser (src/node/request.c),
 * the one definition of JSON text it applies first (src/base/jtext.c), and
 * the history of a journaled request (src/node/history.c).
 *
 * Every malformed body gets its error code and, where it helps, the place;
 * well-formed bodies decode to exactly what the jansson-based decoder
 * (command_decode) gives for the same command. A table of hostile strings
 * is refused wherever it stands; every body admission takes, history reads
 * whole; and history lists every journaled command, readable or not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/jtext.h"
#include "../../src/base/jw.h"
#include "../../src/node/history.h"
#include "../../src/node/request.h"
#include "../../src/node/request_fast.h"
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

/* Security-token arguments that are malformed are bad input (400, not
 * journaled), each named; a well-formed partition name is the ledger's to
 * judge (ERR_PARTITION when applied, for an asset without it). */
static void request_security_arguments_malformed_named(void **state) {
    expect(state, "{\"op\":\"transfer\",\"asset\":\"EQ\",\"from\":\"" A1 "\",\"to\":\"" A2
                  "\",\"amount\":\"1\",\"partition\":\"reg_d\"}",
           ERR_INVALID_ARGUMENT, "partition");
    expect(state, "{\"op\":\"mint\",\"asset\":\"EQ\",\"to\":\"" A1
                  "\",\"amount\":\"1\",\"partition\":\"REG_DDDDDDDDDDDDDD\"}",
           ERR_INVALID_ARGUMENT, "partition");
    expect(state, "{\"op\":\"identity.register\",\"address\":\"" A1 "\",\"country\":\"XX\"}",
           ERR_INVALID_ARGUMENT, "country");
    expect(state, "{\"op\":\"claim.set\",\"address\":\"" A1
                  "\",\"topic\":\"kyx\",\"expires\":\"2099-01-01\"}",
           ERR_INVALID_ARGUMENT, "topic");
    expect(state, "{\"op\":\"claim.set\",\"address\":\"" A1
                  "\",\"topic\":\"kyc\",\"expires\":\"2099-02-30\"}",
           ERR_INVALID_ARGUMENT, "expires");
    struct request_cmds rc;
    char why[160];
    assert_int_equal(parse(state,
                           "{\"op\":\"mint\",\"asset\":\"EQ\",\"to\":\"" A1
                           "\",\"amount\":\"1\",\"partition\":\"REG_D\"}",
                           &rc, why),
                     ERR_OK);
    assert_string_equal(rc.cmds[0].partition, "REG_D");
    request_cmds_free(&rc);
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
    /* Deep nesting is refused by the definition, before any parser recurses. */
    size_t depth = 100000;
    body = malloc(depth * 2 + 64);
    assert_non_null(body);
    at = (size_t)snprintf(body, 64, "{\"op\":\"pause\",\"x\":");
    memset(body + at, '[', depth);
    memset(body + at + depth, ']', depth);
    memcpy(body + at + 2 * depth, "}", 2);
    expect(state, body, ERR_INVALID_JSON, "nesting too deep");
    free(body);
}

/* ---------------------------------------------------------------- */
/* the definition of JSON text (jtext)                              */
/* ---------------------------------------------------------------- */

/* A hostile string: the raw bytes between a value's quotes, and why refused. */
struct hostile {
    const char *raw;
    const char *reason;
};

static const struct hostile hostile_strings[] = {
    {"\\udc00", "lone surrogate escape"},           /* a low half alone */
    {"\\uDFFF", "lone surrogate escape"},
    {"\\ud800", "lone surrogate escape"},           /* a high half at the end */
    {"\\ud800x", "lone surrogate escape"},          /* a high half, then text */
    {"\\ud800\\u0041", "lone surrogate escape"},    /* a high half, then no low half */
    {"\\ud800\\ud800", "lone surrogate escape"},    /* two high halves */
    {"\\udc00\\ud800", "lone surrogate escape"},    /* the halves reversed */
    {"\\u0000", "\\u0000 in a string"},
    {"a\\u0000b", "\\u0000 in a string"},
    {"\xc0\x80", "overlong UTF-8"},                 /* NUL, overlong */
    {"\xc1\xbf", "overlong UTF-8"},
    {"\xe0\x80\x80", "overlong UTF-8"},
    {"\xe0\x9f\xbf", "overlong UTF-8"},
    {"\xf0\x80\x80\x80", "overlong UTF-8"},
    {"\xf0\x8f\xbf\xbf", "overlong UTF-8"},
    {"\xed\xa0\x80", "UTF-8 encoded surrogate"},    /* U+D800 as CESU-8 */
    {"\xed\xbf\xbf", "UTF-8 encoded surrogate"},
    {"\xf4\x90\x80\x80", "UTF-8 above U+10FFFF"},
    {"\xf5\x80\x80\x80", "UTF-8 above U+10FFFF"},
    {"\xff", "UTF-8 above U+10FFFF"},
    {"\x80", "stray UTF-8 continuation byte"},
    {"a\xbf", "stray UTF-8 continuation byte"},
    {"\xe2\x82", "incomplete UTF-8 sequence"},      /* a euro sign cut short */
    {"\xe2\x28\xa1", "incomplete UTF-8 sequence"},
    {"\xf0\x9f\x98", "incomplete UTF-8 sequence"},
    {"\x01", "control character in a string"},
    {"\x1f", "control character in a string"},
    {"\t", "control character in a string"},
    {"\\x41", "invalid escape"},
    {"\\'", "invalid escape"},
    {"\\u12", "invalid \\u escape"},
    {"\\u12g4", "invalid \\u escape"},
};

/* Texts refused outside strings. */
static const struct hostile hostile_texts[] = {
    {"", "unexpected end of text"},
    {"\xef\xbb\xbf{}", "byte above 0x7F outside a string"}, /* a BOM */
    {"{}/* c */", "characters after the value"},
    {"{} {}", "characters after the value"},
    {"{\"a\":1,}", "expected a key"},
    {"[1,]", "unexpected character"},
    {"{'a':1}", "expected a key"},
    {"{\"a\" 1}", "expected ':'"},
    {"{\"a\":1 \"b\":2}", "expected ',' or '}'"},
    {"[1 2]", "expected ',' or ']'"},
    {"{\"a\":NaN}", "unexpected character"},
    {"{\"a\":Infinity}", "unexpected character"},
    {"{\"a\":tru}", "unexpected character"},
    {"{\"a\":01}", "leading zero in a number"},
    {"{\"a\":+1}", "unexpected character"},
    {"{\"a\":1.}", "invalid number"},
    {"{\"a\":.5}", "unexpected character"},
    {"{\"a\":-}", "invalid number"},
    {"{\"a\":1e}", "invalid number"},
    {"{\"a\":1e999}", "number exponent of more than two digits"},
    {"{\"a\":1e-007}", "number exponent of more than two digits"},
    {"{\"a\":9223372036854775808}", "integer outside the int64 range"},
    {"{\"a\":-9223372036854775809}", "integer outside the int64 range"},
    {"{\"a\":99999999999999999999}", "integer outside the int64 range"},
    {"{\"a\":1.0000000000000000000000000000000}", "number too long"},
    {"{\"a\":\"x}", "unterminated string"},
    {"{\"a\":1\x00}", "expected ',' or '}'"},
    {"{\"a\xc0\x80\":1}", "overlong UTF-8"},
};

static enum err check_text(const char *text, size_t len, struct jtext_fault *fault) {
    return jtext_check((const uint8_t *)text, len, fault);
}

static void jtext_hostile_strings_refused(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(hostile_strings) / sizeof(hostile_strings[0]); i++) {
        char text[64];
        int n = snprintf(text, sizeof(text), "{\"a\":[\"ok\",\"%s\"]}", hostile_strings[i].raw);
        struct jtext_fault fault;
        if (check_text(text, (size_t)n, &fault) != ERR_INVALID_JSON) fail_msg("accepted: %s", text);
        if (strcmp(fault.reason, hostile_strings[i].reason) != 0 ||
            strcmp(fault.path, "a[1]") != 0) {
            fail_msg("%s: got '%s' at '%s', want '%s' at 'a[1]'", text, fault.reason, fault.path,
                     hostile_strings[i].reason);
        }
        /* The same as a key. */
        n = snprintf(text, sizeof(text), "{\"k\":{\"%s\":1}}", hostile_strings[i].raw);
        if (check_text(text, (size_t)n, &fault) != ERR_INVALID_JSON) {
            fail_msg("accepted key: %s", text);
        }
        if (strcmp(fault.path, "k") != 0) fail_msg("%s: path '%s', want 'k'", text, fault.path);
    }
}

static void jtext_hostile_texts_refused(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(hostile_texts) / sizeof(hostile_texts[0]); i++) {
        const char *text = hostile_texts[i].raw;
        size_t len = strlen(text);
        if (strcmp(text, "{\"a\":1") == 0) len += 2; /* the NUL byte case: {"a":1\0} */
        struct jtext_fault fault;
        if (check_text(text, len, &fault) != ERR_INVALID_JSON) fail_msg("accepted: %s", text);
        if (strcmp(fault.reason, hostile_texts[i].reason) != 0) {
            fail_msg("%s: got '%s', want '%s'", text, fault.reason, hostile_texts[i].reason);
        }
    }
}

static void jtext_edges_accepted(void **state) {
    (void)state;
    static const char *const fine[] = {
        "{}", "[]", "0", "\"\"", "null", " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
        "{\"a\":\"\\ud83d\\ude00\"}",          /* an escaped pair */
        "{\"a\":\"\\uD83D\\uDE00\"}",
        "{\"a\":\"\xf0\x9f\x98\x80\"}",        /* the same, raw */
        "{\"a\":\"\xef\xbf\xbf\"}",            /* U+FFFF: a non-character, a scalar value */
        "{\"a\":\"\xf4\x8f\xbf\xbf\"}",        /* U+10FFFF */
        "{\"a\":\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\"}",
        "{\"a\":\"\\u0001\\u001f\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}",
        "{\"a\":9223372036854775807}", "{\"a\":-9223372036854775808}", "{\"a\":-0}",
        "{\"a\":1.5}", "{\"a\":1.5e-99}", "{\"a\":1E+99}",
        "{\"a\":0.000000000000000000000000000001}",
        "{\"a\":true,\"b\":false,\"c\":null}",
    };
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
        struct jtext_fault fault;
        if (check_text(fine[i], strlen(fine[i]), &fault) != ERR_OK) {
            fail_msg("refused: %s (%s at %zu)", fine[i], fault.reason, fault.offset);
        }
    }
}

static void jtext_nesting_bounded_at_limit(void **state) {
    (void)state;
    char text[2 * LIMIT_JSON_DEPTH + 4];
    memset(text, '[', LIMIT_JSON_DEPTH);
    memset(text + LIMIT_JSON_DEPTH, ']', LIMIT_JSON_DEPTH);
    struct jtext_fault fault;
    assert_int_equal(check_text(text, 2 * LIMIT_JSON_DEPTH, &fault), ERR_OK);
    memset(text, '[', LIMIT_JSON_DEPTH + 1);
    memset(text + LIMIT_JSON_DEPTH + 1, ']', LIMIT_JSON_DEPTH + 1);
    assert_int_equal(check_text(text, 2 * LIMIT_JSON_DEPTH + 2, &fault), ERR_INVALID_JSON);
    assert_string_equal(fault.reason, "nesting too deep");
    assert_int_equal(fault.offset, LIMIT_JSON_DEPTH);
}

static void jtext_decoded_refuses_nul_and_bad_utf8(void **state) {
    (void)state;
    const char *reason = NULL;
    assert_int_equal(jtext_decoded("ab\xc3\xa9", 4, &reason), ERR_OK);
    assert_int_equal(jtext_decoded("a\0b", 3, &reason), ERR_INVALID_JSON);
    assert_string_equal(reason, "U+0000 in a string");
    /* yajl's decoding of "\udc00": CESU-8 bytes. */
    assert_int_equal(jtext_decoded("\xed\xb0\x80", 3, &reason), ERR_INVALID_JSON);
    assert_string_equal(reason, "UTF-8 encoded surrogate");
    assert_int_equal(jtext_utf8((const uint8_t *)"ab\xe2\x82", 4, NULL), 2);
}

/* ---------------------------------------------------------------- */
/* admission: hostile strings and duplicate keys                    */
/* ---------------------------------------------------------------- */

static void request_hostile_strings_refused_with_place(void **state) {
    for (size_t i = 0; i < sizeof(hostile_strings) / sizeof(hostile_strings[0]); i++) {
        char body[256];
        snprintf(body, sizeof(body),
                 "{\"commands\":[{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A1
                 "\",\"amount\":\"777\"},{\"op\":\"pause\",\"asset\":\"%s\"}]}",
                 hostile_strings[i].raw);
        char want[96];
        snprintf(want, sizeof(want), "commands[1].asset: %s", hostile_strings[i].reason);
        expect(state, body, ERR_INVALID_JSON, want);
        /* As a single command's key, and as a value of a key that is no field. */
        snprintf(body, sizeof(body), "{\"op\":\"pause\",\"%s\":\"x\"}", hostile_strings[i].raw);
        expect(state, body, ERR_INVALID_JSON, hostile_strings[i].reason);
        snprintf(body, sizeof(body), "{\"op\":\"pause\",\"memo\":[\"%s\"]}",
                 hostile_strings[i].raw);
        expect(state, body, ERR_INVALID_JSON, "memo[0]");
    }
}

static void request_numbers_outside_readers_refused(void **state) {
    expect(state, "{\"op\":\"approve\",\"id\":99999999999999999999}", ERR_INVALID_JSON,
           "id: integer outside the int64 range");
    expect(state, "{\"op\":\"approve\",\"id\":1e999}", ERR_INVALID_JSON, "id: number exponent");
    /* Inside the definition, the decoder decides. */
    expect(state, "{\"op\":\"approve\",\"id\":-9223372036854775808}", ERR_INVALID_ARGUMENT, "id");
    expect(state, "{\"op\":\"approve\",\"id\":1.5}", ERR_INVALID_ARGUMENT, "id");
}

static void request_duplicate_keys_refused(void **state) {
    const char *mint = "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A1 "\",\"amount\":\"1\"}";
    char body[512];
    snprintf(body, sizeof(body), "{\"dry_run\":true,\"dry_run\":false,\"commands\":[%s]}", mint);
    expect(state, body, ERR_INVALID_JSON, "duplicate key: dry_run");
    snprintf(body, sizeof(body), "{\"commands\":[%s],\"atomic\":false,\"atomic\":true}", mint);
    expect(state, body, ERR_INVALID_JSON, "duplicate key: atomic");
    snprintf(body, sizeof(body), "{\"commands\":[%s],\"commands\":5}", mint);
    expect(state, body, ERR_INVALID_JSON, "duplicate key: commands");
    snprintf(body, sizeof(body), "{\"commands\":5,\"commands\":[%s]}", mint);
    expect(state, body, ERR_INVALID_JSON, "duplicate key: commands");
    snprintf(body, sizeof(body), "{\"commands\":[%s,{\"op\":\"pause\",\"op\":\"unpause\"}]}", mint);
    expect(state, body, ERR_INVALID_JSON, "duplicate key: commands[1].op");
    /* The same key spelt with an escape is the same key. */
    snprintf(body, sizeof(body),
             "{\"commands\":[{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A1
             "\",\"amount\":\"1\",\"\\u0061mount\":\"9\"}]}");
    expect(state, body, ERR_INVALID_JSON, "duplicate key: commands[0].amount");
    expect(state, "{\"op\":\"pause\",\"dry_run\":true,\"dry_run\":false}", ERR_INVALID_JSON,
           "duplicate key: dry_run");
    expect(state, "{\"op\":\"pause\",\"asset\":\"USDW\",\"asset\":\"USDW\"}", ERR_INVALID_JSON,
           "duplicate key: asset");
}

/* ---------------------------------------------------------------- */
/* history of one journaled request                                 */
/* ---------------------------------------------------------------- */

#define SEQ0 40u
#define HEIGHT 7u

/* A journaled request: the body as stored, and the binary commands and
 * results of `decoded` (the body admission took, or a stand-in for a body
 * journaled before the definition). */
struct journaled {
    struct store_request r;
    struct request_cmds rc;
    struct buf bin;
    uint8_t results[64];
};

static void journal(void **state, struct journaled *j, const char *stored, const char *decoded) {
    struct fixture *f = *state;
    char why[160];
    memset(j, 0, sizeof(*j));
    enum err err = request_parse(&f->e, (const uint8_t *)decoded, strlen(decoded), 0, &j->rc, why,
                                 sizeof(why));
    if (err) fail_msg("%s: %s (%s)", decoded, err_name(err), why);
    buf_init(&j->bin);
    for (uint32_t i = 0; i < j->rc.count; i++) {
        command_encode(&j->rc.cmds[i], &j->bin);
        unsigned code = i == 1 ? ERR_PAUSED : ERR_OK;
        j->results[2 * i] = (uint8_t)(code & 0xff);
        j->results[2 * i + 1] = (uint8_t)(code >> 8);
    }
    j->r.first_seq = SEQ0;
    j->r.commands_count = j->rc.count;
    j->r.operator_name = "alice";
    j->r.body = (const uint8_t *)stored;
    j->r.body_len = strlen(stored);
    j->r.results = j->results;
    j->r.results_len = 2 * (size_t)j->rc.count;
    j->r.commands = j->bin.data;
    j->r.commands_len = j->bin.len;
}

static void journal_free(struct journaled *j) {
    request_cmds_free(&j->rc);
    buf_free(&j->bin);
}

/* The entries as a JSON array (new reference). */
static json_t *history_of(void **state, const struct store_request *r, const char *op,
                          uint32_t max, struct history_stats *st) {
    struct fixture *f = *state;
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_array_begin(&w);
    assert_int_equal(history_write_request(&f->e, r, HEIGHT, FIXTURE_T0_NS, op, max, &w, st),
                     ERR_OK);
    jw_array_end(&w);
    json_error_t error;
    json_t *doc = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, &error);
    if (doc == NULL) {
        fail_msg("history JSON: %s: %.*s", error.text, (int)b.len, (const char *)b.data);
    }
    buf_free(&b);
    return doc;
}

static const char *str_at(const json_t *entry, const char *key) {
    const char *v = json_string_value(json_object_get(entry, key));
    if (v == NULL) fail_msg("entry has no string %s", key);
    return v;
}

#define AU "0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /* upper case: valid, not canonical */
#define BATCH3                                                                                     \
    "{\"atomic\":false,\"commands\":[{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" AU             \
    "\",\"amount\":\"7.5\"},{\"op\":\"pause\",\"asset\":\"USDW\"},{\"asset\":\"USDW\","         \
    "\"op\":\"burn\",\"from\":\"" A1 "\",\"amount\":\"1\"}]}"

static void history_admitted_batch_listed_with_args_as_sent(void **state) {
    struct journaled j;
    journal(state, &j, BATCH3, BATCH3);
    struct history_stats st;
    json_t *h = history_of(state, &j.r, NULL, 100, &st);
    assert_int_equal(json_array_size(h), 3);
    assert_int_equal(st.written, 3);
    assert_int_equal(st.unreadable, 0);
    static const char *const ops[] = {"burn", "pause", "mint"}; /* newest first */
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(h, i);
        assert_string_equal(str_at(e, "op"), ops[i]);
        assert_int_equal(json_integer_value(json_object_get(e, "seq")), SEQ0 + 2 - i);
        assert_int_equal(json_integer_value(json_object_get(e, "block")), HEIGHT);
        assert_string_equal(str_at(e, "operator"), "alice");
        assert_string_equal(str_at(e, "time"), "2026-03-01T12:00:00.000Z");
        assert_string_equal(str_at(e, "result"), i == 1 ? "ERR_PAUSED" : "ok");
        assert_null(json_object_get(e, "unreadable"));
        assert_int_equal(json_object_size(e), 7);
    }
    /* Arguments as sent: the upper-case address stays, "op" is not among them. */
    json_t *args = json_object_get(json_array_get(h, 2), "args");
    assert_int_equal(json_object_size(args), 3);
    assert_string_equal(json_string_value(json_object_get(args, "to")), AU);
    assert_string_equal(json_string_value(json_object_get(args, "amount")), "7.5");
    json_decref(h);
    journal_free(&j);
}

static void history_filter_and_limit_applied(void **state) {
    struct journaled j;
    journal(state, &j, BATCH3, BATCH3);
    struct history_stats st;
    json_t *h = history_of(state, &j.r, "mint", 100, &st);
    assert_int_equal(json_array_size(h), 1);
    assert_string_equal(str_at(json_array_get(h, 0), "op"), "mint");
    json_decref(h);
    h = history_of(state, &j.r, NULL, 2, &st);
    assert_int_equal(json_array_size(h), 2);
    assert_string_equal(str_at(json_array_get(h, 1), "op"), "pause");
    json_decref(h);
    /* A single command's dry_run flag is no argument. */
    const char *single = "{\"op\":\"pause\",\"dry_run\":false,\"asset\":\"USDW\"}";
    journal_free(&j);
    journal(state, &j, single, single);
    h = history_of(state, &j.r, NULL, 100, &st);
    json_t *args = json_object_get(json_array_get(h, 0), "args");
    assert_int_equal(json_object_size(args), 1);
    assert_string_equal(json_string_value(json_object_get(args, "asset")), "USDW");
    json_decref(h);
    journal_free(&j);
}

/* The attack of issue 8: a mint hidden behind a body another reader refuses. */
static void history_unreadable_body_listed_with_marker(void **state) {
    const char *decoded = "{\"commands\":[{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A1
                          "\",\"amount\":\"777\"},{\"op\":\"pause\",\"asset\":\"USDW\"}]}";
    const char *stored = "{\"commands\":[{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A1
                         "\",\"amount\":\"777\"},{\"op\":\"pause\",\"asset\":\"USDW\","
                         "\"memo\":\"\\udc00\"}]}";
    struct journaled j;
    journal(state, &j, stored, decoded);
    struct history_stats st;
    json_t *h = history_of(state, &j.r, NULL, 100, &st);
    assert_int_equal(json_array_size(h), 2);
    assert_int_equal(st.unreadable, 2);
    json_t *mint = json_array_get(h, 1);
    assert_string_equal(str_at(mint, "op"), "mint");
    assert_int_equal(json_integer_value(json_object_get(mint, "seq")), SEQ0);
    assert_string_equal(str_at(mint, "result"), "ok");
    assert_non_null(strstr(str_at(mint, "unreadable"), "commands[1].memo: lone surrogate escape"));
    /* The arguments the ledger decoded stand in. */
    json_t *args = json_object_get(mint, "args");
    assert_string_equal(json_string_value(json_object_get(args, "amount")), "777");
    assert_string_equal(json_string_value(json_object_get(args, "to")), A1);
    assert_string_equal(str_at(json_array_get(h, 0), "op"), "pause");
    assert_string_equal(str_at(json_array_get(h, 0), "result"), "ERR_PAUSED");
    json_decref(h);
    /* A body that is not even JSON, or missing, is no different. */
    j.r.body = (const uint8_t *)"\xff\xfe garbage";
    j.r.body_len = 10;
    h = history_of(state, &j.r, "mint", 100, &st);
    assert_int_equal(json_array_size(h), 1);
    assert_int_equal(st.unreadable, 2);
    json_decref(h);
    j.r.body = NULL;
    j.r.body_len = 0;
    h = history_of(state, &j.r, NULL, 100, &st);
    assert_int_equal(json_array_size(h), 2);
    json_decref(h);
    journal_free(&j);
}

static void history_body_and_binary_differ_marked(void **state) {
    const char *decoded = "{\"op\":\"pause\",\"asset\":\"USDW\"}";
    const char *stored = "{\"op\":\"unpause\",\"asset\":\"USDW\"}";
    struct journaled j;
    journal(state, &j, stored, decoded);
    struct history_stats st;
    json_t *h = history_of(state, &j.r, NULL, 100, &st);
    assert_int_equal(json_array_size(h), 1);
    assert_string_equal(str_at(json_array_get(h, 0), "op"), "pause"); /* what the ledger applied */
    assert_string_equal(str_at(json_array_get(h, 0), "unreadable"),
                        "the body and the journaled command differ");
    json_decref(h);
    /* More commands journaled than the body holds; a short result vector. */
    j.r.body = (const uint8_t *)decoded;
    j.r.body_len = strlen(decoded);
    j.r.results_len = 0;
    h = history_of(state, &j.r, NULL, 100, &st);
    assert_string_equal(str_at(json_array_get(h, 0), "result"), "?");
    json_decref(h);
    j.r.results_len = 2;
    j.r.commands_count = 3;
    h = history_of(state, &j.r, NULL, 100, &st);
    assert_int_equal(json_array_size(h), 3);
    assert_int_equal(st.unreadable, 3);
    assert_string_equal(str_at(json_array_get(h, 0), "op"), "?");
    assert_true(json_is_null(json_object_get(json_array_get(h, 0), "args")));
    json_decref(h);
    journal_free(&j);
}

/* history_each (the incident timeline's reader): oldest first, the decoded
 * command, and the text only the body holds (a title, a note). */
struct each_seen {
    uint32_t count;
    uint32_t stop_after;
    uint64_t seq[4];
    char op[4][32];
    char result[4][32];
    uint16_t cmd_op[4];
    uint64_t cmd_id[4];
    char text[4][64];
    int unreadable[4];
    char args[4][256];
    const struct engine *e;
};

static int each_fn(void *ctx, const struct history_item *it) {
    struct each_seen *s = ctx;
    uint32_t i = s->count++;
    s->seq[i] = it->seq;
    snprintf(s->op[i], sizeof(s->op[i]), "%s", it->op);
    snprintf(s->result[i], sizeof(s->result[i]), "%s", it->result);
    s->cmd_op[i] = it->cmd ? it->cmd->op : UINT16_MAX;
    s->cmd_id[i] = it->cmd ? it->cmd->id : 0;
    snprintf(s->text[i], sizeof(s->text[i]), "%s", it->text ? it->text : "(none)");
    s->unreadable[i] = it->unreadable != NULL;
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    history_item_args(s->e, it, &w);
    snprintf(s->args[i], sizeof(s->args[i]), "%.*s", (int)b.len, (const char *)b.data);
    buf_free(&b);
    return s->count == s->stop_after;
}

#define INCIDENT3                                                                                  \
    "{\"commands\":[{\"op\":\"incident.open\",\"title\":\"Reserve low\",\"severity\":\"P1\","     \
    "\"asset\":\"USDW\"},{\"op\":\"incident.note\",\"id\":\"1\",\"text\":\"called the bank\"},"     \
    "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A1 "\",\"amount\":\"5\"}]}"

static void history_each_oldest_first_with_texts(void **state) {
    struct fixture *f = *state;
    struct journaled j;
    journal(state, &j, INCIDENT3, INCIDENT3);
    struct each_seen s;
    memset(&s, 0, sizeof(s));
    s.e = &f->e;
    assert_int_equal(history_each(&f->e, &j.r, each_fn, &s), ERR_OK);
    assert_int_equal(s.count, 3);
    static const char *const ops[] = {"incident.open", "incident.note", "mint"};
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(s.seq[i], SEQ0 + i);
        assert_string_equal(s.op[i], ops[i]);
        assert_int_equal(s.unreadable[i], 0);
    }
    assert_string_equal(s.result[1], "ERR_PAUSED");
    assert_int_equal(s.cmd_op[0], OP_INCIDENT_OPEN);
    assert_int_equal(s.cmd_op[1], OP_INCIDENT_NOTE);
    assert_int_equal(s.cmd_id[1], 1);
    assert_string_equal(s.text[0], "Reserve low");
    assert_string_equal(s.text[1], "called the bank");
    assert_string_equal(s.text[2], "(none)");
    assert_string_equal(s.args[1], "{\"id\":\"1\",\"text\":\"called the bank\"}");
    /* The callback stops the walk. */
    memset(&s, 0, sizeof(s));
    s.e = &f->e;
    s.stop_after = 1;
    assert_int_equal(history_each(&f->e, &j.r, each_fn, &s), ERR_OK);
    assert_int_equal(s.count, 1);
    /* An unreadable body: no text, the journaled arguments (the title is
     * kept in the command; a note's text only in the body). */
    j.r.body = (const uint8_t *)"{\"op\":";
    j.r.body_len = 6;
    memset(&s, 0, sizeof(s));
    s.e = &f->e;
    assert_int_equal(history_each(&f->e, &j.r, each_fn, &s), ERR_OK);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.unreadable[0], 1);
    assert_string_equal(s.text[0], "(none)");
    assert_int_equal(s.cmd_op[1], OP_INCIDENT_NOTE);
    assert_non_null(strstr(s.args[0], "\"title\":\"Reserve low\""));
    assert_null(strstr(s.args[1], "called the bank"));
    journal_free(&j);
}

/* history_outcomes (a retry's answer): what each command became, from its
 * block's governance events. */
static void outcome_event(struct buf *b, enum event_type type, uint64_t command_seq,
                          uint16_t ref_op, uint64_t ref_id, int64_t value, uint16_t code) {
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = (uint16_t)type;
    ev.asset = (uint16_t)EVENT_NO_ASSET;
    ev.command_seq = command_seq;
    ev.ref_op = ref_op;
    ev.ref_id = ref_id;
    ev.value = value;
    ev.code = code;
    event_encode(&ev, b);
}

#define OUTCOMES6                                                                                  \
    "{\"commands\":[{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A1 "\",\"amount\":\"1\"},"     \
    "{\"op\":\"pause\",\"asset\":\"USDW\"},{\"op\":\"approve\",\"id\":\"3\"},"                     \
    "{\"op\":\"approve\",\"id\":\"4\"},{\"op\":\"approve\",\"id\":\"5\"},"                         \
    "{\"op\":\"approve\",\"id\":\"6\"}]}"

static void history_outcomes_read_from_governance_events(void **state) {
    struct fixture *f = *state;
    struct journaled j;
    journal(state, &j, OUTCOMES6, OUTCOMES6);
    struct buf ev;
    buf_init(&ev);
    outcome_event(&ev, EVENT_PROPOSAL_APPROVED, SEQ0 - 1, OP_MINT, 2, 0, 0); /* another request */
    outcome_event(&ev, EVENT_PROPOSAL_EXECUTED, SEQ0 - 1, OP_MINT, 2, 0, 0);
    outcome_event(&ev, EVENT_PROPOSAL_CREATED, SEQ0, OP_MINT, 9, 0, 0);
    outcome_event(&ev, EVENT_PROPOSAL_APPROVED, SEQ0 + 2, OP_MINT, 3, 0, 0);
    outcome_event(&ev, EVENT_PROPOSAL_EXECUTED, SEQ0 + 2, OP_MINT, 3, 0, 0);
    outcome_event(&ev, EVENT_PROPOSAL_APPROVED, SEQ0 + 3, OP_MINT, 4, 0, 0);
    outcome_event(&ev, EVENT_TIMELOCK_SCHEDULED, SEQ0 + 3, OP_MINT, 8, 123456789, 0);
    outcome_event(&ev, EVENT_PROPOSAL_APPROVED, SEQ0 + 4, OP_MINT, 5, 0, 0); /* not the last */
    outcome_event(&ev, EVENT_PROPOSAL_APPROVED, SEQ0 + 5, OP_TIMELOCK_EXPEDITE, 6, 0, 0);
    outcome_event(&ev, EVENT_PROPOSAL_EXECUTED, SEQ0 + 5, OP_TIMELOCK_EXPEDITE, 6, 0, 0);
    outcome_event(&ev, EVENT_TIMELOCK_FAILED, SEQ0 + 5, OP_MINT, 7, 0, ERR_PAUSED);
    assert_true(buf_ok(&ev));
    j.r.block_events = ev.data;
    j.r.block_events_len = ev.len;
    struct apply_result ars[6];
    memset(ars, 0xee, sizeof(ars));
    assert_int_equal(history_outcomes(&f->e, &j.r, ars), ERR_OK);
    for (uint32_t i = 0; i < 6; i++) assert_int_equal(ars[i].seq, SEQ0 + i);
    assert_int_equal(ars[0].pending, APPLY_PROPOSED); /* the mint became proposal 9 */
    assert_int_equal(ars[0].pending_id, 9);
    assert_int_equal(ars[0].ran_id, 0);
    assert_int_equal(ars[1].pending, APPLY_DONE); /* refused: nothing */
    assert_int_equal(ars[1].ran_id, 0);
    assert_null(ars[1].note);
    assert_int_equal(ars[1].detail[0], '\0');
    assert_int_equal(ars[2].pending, APPLY_DONE); /* ran proposal 3 */
    assert_int_equal(ars[2].ran_id, 3);
    assert_int_equal(ars[2].ran_err, ERR_OK);
    assert_int_equal(ars[3].pending, APPLY_SCHEDULED); /* released into timelock entry 8 */
    assert_int_equal(ars[3].pending_id, 8);
    assert_int_equal(ars[3].eta_ns, 123456789);
    assert_int_equal(ars[3].ran_id, 0);
    assert_int_equal(ars[4].pending, APPLY_PROPOSED); /* an approval short of the count */
    assert_int_equal(ars[4].pending_id, 5);
    assert_int_equal(ars[5].ran_id, 6); /* released an expedite whose entry failed */
    assert_int_equal(ars[5].ran_err, ERR_PAUSED);
    /* Without the block's events: only the seqs. */
    j.r.block_events = NULL;
    assert_int_equal(history_outcomes(&f->e, &j.r, ars), ERR_OK);
    assert_int_equal(ars[0].pending, APPLY_DONE);
    assert_int_equal(ars[3].ran_id, 0);
    assert_int_equal(ars[5].seq, SEQ0 + 5);
    /* A failed release, and a code past the table read as ERR_INTERNAL. */
    buf_free(&ev);
    buf_init(&ev);
    outcome_event(&ev, EVENT_PROPOSAL_APPROVED, SEQ0 + 2, OP_MINT, 3, 0, 0);
    outcome_event(&ev, EVENT_PROPOSAL_FAILED, SEQ0 + 2, OP_MINT, 3, 0, ERR_PAUSED);
    outcome_event(&ev, EVENT_PROPOSAL_APPROVED, SEQ0 + 3, OP_MINT, 4, 0, 0);
    outcome_event(&ev, EVENT_PROPOSAL_FAILED, SEQ0 + 3, OP_MINT, 4, 0, ERR__COUNT + 5);
    j.r.block_events = ev.data;
    j.r.block_events_len = ev.len;
    assert_int_equal(history_outcomes(&f->e, &j.r, ars), ERR_OK);
    assert_int_equal(ars[2].ran_id, 3);
    assert_int_equal(ars[2].ran_err, ERR_PAUSED);
    assert_int_equal(ars[3].ran_err, ERR_INTERNAL);
    /* A row claiming more commands than a batch may hold. */
    j.r.commands_count = LIMIT_BATCH_COMMANDS + 1;
    assert_int_equal(history_outcomes(&f->e, &j.r, ars), ERR_INTERNAL);
    buf_free(&ev);
    journal_free(&j);
}

/* Differential: every body admission takes, history reads without a marker. */
static void history_reads_whatever_admission_takes(void **state) {
    static const char *const bodies[] = {
        BATCH3,
        "{\"op\":\"pause\"}",
        "{\"op\":\"pa\\u0075se\",\"asset\":\"US\\u0044W\"}",
        "{\"op\":\"approve\",\"id\":9}",
        "{\"op\":\"approve\",\"id\":\"12\"}",
        "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A1 "\",\"amount\":\"1\",\"dry_run\":false}",
        " {\"commands\" : [ {\"op\":\"pause\"} ] , \"dry_run\" : false } ",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct journaled j;
        journal(state, &j, bodies[i], bodies[i]);
        struct history_stats st;
        json_t *h = history_of(state, &j.r, NULL, 100, &st);
        if (st.unreadable != 0 || json_array_size(h) != j.rc.count) {
            fail_msg("%s: %u unreadable, %zu of %u listed", bodies[i], st.unreadable,
                     json_array_size(h), j.rc.count);
        }
        json_decref(h);
        journal_free(&j);
    }
}

/* A journal holds bodies admitted before amounts had to be canonical: its
 * readers take "1200.50" and "007" for the values they spell (admission
 * refuses them), and still refuse what the text rules refuse. */
static void journaled_amounts_in_any_spelling_read_as_their_value(void **state) {
    struct fixture *f = *state;
    static const char *const spellings[][2] = {
        {"1200.50", "1200.5"}, {"007", "7"}, {"00.5", "0.5"}, {"12.0", "12"}};
    for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
        char old_body[256], new_body[256], why[160];
        snprintf(old_body, sizeof(old_body), "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A1 "\",\"amount\":\"%s\"}", spellings[i][0]);
        snprintf(new_body, sizeof(new_body), "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A1 "\",\"amount\":\"%s\"}", spellings[i][1]);
        struct request_cmds a, b;
        assert_int_equal(request_parse(&f->e, (const uint8_t *)old_body, strlen(old_body), 2, &a, why, 160),
                         ERR_INVALID_AMOUNT);
        assert_int_equal(request_parse_journaled(&f->e, (const uint8_t *)old_body, strlen(old_body), 2, &a,
                                                 why, 160),
                         ERR_OK);
        assert_int_equal(request_parse(&f->e, (const uint8_t *)new_body, strlen(new_body), 2, &b, why, 160),
                         ERR_OK);
        assert_int_equal(a.count, 1);
        assert_memory_equal(&a.cmds[0], &b.cmds[0], sizeof(a.cmds[0]));
        request_cmds_free(&a);
        request_cmds_free(&b);
    }
    const char *attack = "{\"op\":\"nav.force\",\"asset\":\"AAXJF\",\"value\":\"1\",\"reason\":\"\\udc00\"}";
    struct request_cmds c;
    char why[160];
    assert_int_equal(request_parse_journaled(&f->e, (const uint8_t *)attack, strlen(attack), 2, &c, why, 160),
                     ERR_INVALID_JSON);
}

/* A batch's "reply": "errors" asks for the compact answer; "full" and no
 * reply are the full one; anything else, and reply on a single command, is
 * refused (SPEC 7). */
static void request_reply_parsed(void **state) {
    struct fixture *f = *state;
    struct request_cmds rc;
    char why[160];
    static const struct {
        const char *body;
        enum err err;
        int errors;
    } cases[] = {
        {"{\"reply\":\"errors\",\"commands\":[{\"op\":\"pause\"}]}", ERR_OK, 1},
        {"{\"commands\":[{\"op\":\"pause\"}],\"reply\":\"full\"}", ERR_OK, 0},
        {"{\"commands\":[{\"op\":\"pause\"}]}", ERR_OK, 0},
        {"{\"dry_run\":true,\"reply\":\"errors\",\"commands\":[{\"op\":\"pause\"}]}", ERR_OK, 1},
        {"{\"reply\":\"Errors\",\"commands\":[{\"op\":\"pause\"}]}", ERR_INVALID_ARGUMENT, 0},
        {"{\"reply\":1,\"commands\":[{\"op\":\"pause\"}]}", ERR_INVALID_ARGUMENT, 0},
        {"{\"reply\":true,\"commands\":[{\"op\":\"pause\"}]}", ERR_INVALID_ARGUMENT, 0},
        {"{\"reply\":\"errors\",\"reply\":\"full\",\"commands\":[{\"op\":\"pause\"}]}", ERR_INVALID_JSON, 0},
        {"{\"op\":\"pause\",\"reply\":\"errors\"}", ERR_UNKNOWN_FIELD, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        why[0] = '\0';
        enum err err = request_parse(&f->e, (const uint8_t *)cases[i].body, strlen(cases[i].body), 0,
                                     &rc, why, sizeof(why));
        if (err != cases[i].err) fail_msg("%s: %s (%s)", cases[i].body, err_name(err), why);
        if (!err) assert_int_equal(rc.reply_errors, cases[i].errors);
        request_cmds_free(&rc);
    }
}

/* One governance event of a block, encoded. */
static void gov_event(struct buf *out, enum event_type type, uint64_t command_seq, enum op ref_op,
                      uint64_t ref_id, int64_t value, uint16_t code) {
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = (uint16_t)type;
    ev.asset = (uint16_t)EVENT_NO_ASSET;
    ev.command_seq = command_seq;
    ev.ref_op = (uint16_t)ref_op;
    ev.ref_id = ref_id;
    ev.value = value;
    ev.code = code;
    event_encode(&ev, out);
}

/* The block's events tell history which commands became a proposal or a
 * timelock entry ("pending" with the id) and what an approval released
 * (its result); a refused command stays refused; without the events (a
 * scan that brings none) entries are as before. */
static void history_governance_events_mark_pending_and_released(void **state) {
    struct journaled j;
    journal(state, &j, BATCH3, BATCH3); /* mint ok, pause ERR_PAUSED, burn ok */
    struct buf evs;
    buf_init(&evs);
    gov_event(&evs, EVENT_PROPOSAL_CREATED, SEQ0, OP_MINT, 5, 0, 0);
    gov_event(&evs, EVENT_PROPOSAL_CREATED, SEQ0 + 1, OP_PAUSE, 6, 0, 0); /* cannot be: ignored */
    gov_event(&evs, EVENT_TIMELOCK_SCHEDULED, SEQ0 + 2, OP_BURN, 9, FIXTURE_T0_NS + 3600 * INT64_C(1000000000), 0);
    gov_event(&evs, EVENT_PROPOSAL_CREATED, SEQ0 + 3, OP_MINT, 7, 0, 0); /* another request's */
    j.r.block_events = evs.data;
    j.r.block_events_len = evs.len;
    struct history_stats st;
    json_t *h = history_of(state, &j.r, NULL, 100, &st);
    assert_int_equal(json_array_size(h), 3);
    json_t *burn = json_array_get(h, 0);
    json_t *pause = json_array_get(h, 1);
    json_t *mint = json_array_get(h, 2);
    assert_string_equal(str_at(mint, "result"), "pending");
    assert_int_equal(json_integer_value(json_object_get(mint, "proposal")), 5);
    assert_null(json_object_get(mint, "timelock"));
    assert_string_equal(str_at(pause, "result"), "ERR_PAUSED");
    assert_null(json_object_get(pause, "proposal"));
    assert_string_equal(str_at(burn, "result"), "pending");
    assert_int_equal(json_integer_value(json_object_get(burn, "timelock")), 9);
    assert_string_equal(str_at(burn, "eta"), "2026-03-01T13:00:00.000Z");
    json_decref(h);
    j.r.block_events = NULL;
    h = history_of(state, &j.r, NULL, 100, &st);
    assert_string_equal(str_at(json_array_get(h, 2), "result"), "ok");
    json_decref(h);
    journal_free(&j);

    /* an approval: what it released and the released command's result */
    static const char *const approve = "{\"op\":\"approve\",\"id\":3}";
    journal(state, &j, approve, approve);
    evs.len = 0;
    gov_event(&evs, EVENT_PROPOSAL_APPROVED, SEQ0, OP_UNPAUSE, 3, 0, 0);
    gov_event(&evs, EVENT_PROPOSAL_FAILED, SEQ0, OP_UNPAUSE, 3, 0, ERR_PAUSED);
    j.r.block_events = evs.data;
    j.r.block_events_len = evs.len;
    h = history_of(state, &j.r, NULL, 100, &st);
    json_t *e = json_array_get(h, 0);
    assert_string_equal(str_at(e, "result"), "ok");
    json_t *rel = json_object_get(e, "released");
    assert_int_equal(json_integer_value(json_object_get(rel, "proposal")), 3);
    assert_string_equal(str_at(rel, "result"), "ERR_PAUSED");
    json_decref(h);
    /* an approval short of the quorum released nothing */
    evs.len = 0;
    gov_event(&evs, EVENT_PROPOSAL_APPROVED, SEQ0, OP_UNPAUSE, 3, 0, 0);
    j.r.block_events_len = evs.len;
    h = history_of(state, &j.r, NULL, 100, &st);
    assert_null(json_object_get(json_array_get(h, 0), "released"));
    json_decref(h);
    /* an approval that scheduled the command */
    evs.len = 0;
    gov_event(&evs, EVENT_PROPOSAL_APPROVED, SEQ0, OP_UNPAUSE, 3, 0, 0);
    gov_event(&evs, EVENT_TIMELOCK_SCHEDULED, SEQ0, OP_UNPAUSE, 4, FIXTURE_T0_NS, 0);
    j.r.block_events = evs.data;
    j.r.block_events_len = evs.len;
    h = history_of(state, &j.r, NULL, 100, &st);
    rel = json_object_get(json_array_get(h, 0), "released");
    assert_int_equal(json_integer_value(json_object_get(rel, "proposal")), 3);
    assert_string_equal(str_at(rel, "result"), "pending");
    assert_int_equal(json_integer_value(json_object_get(rel, "timelock")), 4);
    json_decref(h);
    buf_free(&evs);
    journal_free(&j);
}

/* ---- the fast path against the generic one (issue 16) ------------------ */

/* A small deterministic generator (xorshift64*). */
static uint64_t gen_state;

static uint32_t gen_next(uint32_t bound) {
    gen_state ^= gen_state >> 12;
    gen_state ^= gen_state << 25;
    gen_state ^= gen_state >> 27;
    return (uint32_t)((gen_state * UINT64_C(2685821657736338717)) >> 33) % bound;
}

static const char *gen_pick(const char *const *list, size_t n) { return list[gen_next((uint32_t)n)]; }
#define GEN_PICK(list) gen_pick(list, sizeof(list) / sizeof(list[0]))

struct gen_buf {
    char text[8192];
    size_t len;
};

static void gen_put(struct gen_buf *b, const char *s) {
    size_t n = strlen(s);
    if (b->len + n + 1 > sizeof(b->text)) return;
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
}

static void gen_ws(struct gen_buf *b) {
    static const char *const ws[] = {"", "", "", "", " ", "\n", "\t ", "\r\n  "};
    gen_put(b, GEN_PICK(ws));
}

/* A value for a key: usually well formed, often not. */
static void gen_value(struct gen_buf *b, const char *key) {
    static const char *const ops[] = {
        "\"transfer\"", "\"transfer\"", "\"transfer\"", "\"mint\"", "\"burn\"", "\"forced_transfer\"",
        "\"rescue\"", "\"reserve.report\"", "\"pause\"", "\"freeze\"", "\"Transfer\"", "\"\"",
        "\"tr\\u0061nsfer\"", "1", "true", "null"};
    static const char *const assets[] = {"\"USDW\"", "\"USDW\"", "\"GOLD\"", "\"EQ\"", "\"usdw\"",
                                         "\"NOPE\"", "\"\"", "\"US\\u0044W\"", "7", "[\"USDW\"]"};
    static const char *const addrs[] = {
        "\"" A1 "\"", "\"" A2 "\"", "\"" A1 "\"", "\"0x1111111111111111111111111111111111111111\"",
        "\"0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"", "\"0x111111111111111111111111111111111111111\"",
        "\"1111111111111111111111111111111111111111\"", "\"0x11111111111111111111111111111111111111111\"",
        "\"0xgggggggggggggggggggggggggggggggggggggggg\"", "\"0x\\u00311111111111111111111111111111111111111\"",
        "\"\"", "{}", "false"};
    static const char *const amounts[] = {
        "\"1\"", "\"12.5\"", "\"12.5\"", "\"0\"", "\"01\"", "\"1.\"", "\"1.0\"", "\"-1\"", "\".5\"",
        "\"1e3\"", "\"0.000001\"", "\"0.0000001\"", "\"1000000000000000000000\"",
        "\"340282366920938463463374607431768211455\"", "\"340282366920938463463374607431768211456\"",
        "\"1 \"", "\" 1\"", "\"\\u0031\"", "5", "5.5", "true", "null", "[]", "\"12.500000000000000000\"",
        "\"0.000000000000000001\"", "\"99999999999999999999\""};
    static const char *const parts[] = {"\"A\"", "\"CLASS_A\"", "\"bad part\"", "\"\""};
    static const char *const other[] = {"\"x\"", "1", "true", "null", "{\"a\":1}", "[1,2]", "\"\\ud83d\\ude00\""};
    if (strcmp(key, "\"op\"") == 0) gen_put(b, GEN_PICK(ops));
    else if (strcmp(key, "\"asset\"") == 0) gen_put(b, GEN_PICK(assets));
    else if (strcmp(key, "\"from\"") == 0 || strcmp(key, "\"to\"") == 0) gen_put(b, GEN_PICK(addrs));
    else if (strcmp(key, "\"amount\"") == 0) gen_put(b, GEN_PICK(amounts));
    else if (strcmp(key, "\"partition\"") == 0) gen_put(b, GEN_PICK(parts));
    else gen_put(b, GEN_PICK(other));
}

/* A command object: a transfer's keys in any order with valid values;
 * when hostile, one change: a value from gen_value, a key added (unknown,
 * escaped, optional or twice) or left out, or another op. */
static void gen_command(struct gen_buf *b, int hostile) {
    const char *keys[8] = {"\"op\"", "\"asset\"", "\"from\"", "\"to\"", "\"amount\""};
    const char *values[8] = {"\"transfer\"", "\"USDW\"", "\"" A1 "\"", "\"" A2 "\"", "\"12.5\""};
    unsigned n = 5;
    static const char *const extra[] = {"\"partition\"", "\"memo\"", "\"op\"", "\"amount\"", "\"\\u006fp\"",
                                        "\"dry_run\"", "\"Amount\"", "\"from\""};
    static const char *const amounts[] = {"\"1\"", "\"12.5\"", "\"0.000001\"", "\"999999\""};
    static const char *const mints[][2] = {{"\"mint\"", "\"to\""}, {"\"burn\"", "\"from\""}};
    values[4] = GEN_PICK(amounts);
    if (gen_next(4) == 0) { /* a mint or a burn: one address */
        unsigned m = gen_next(2);
        values[0] = mints[m][0];
        unsigned drop = m == 0 ? 2 : 3;
        keys[drop] = keys[4];
        values[drop] = values[4];
        n = 4;
    }
    if (hostile) {
        unsigned change = gen_next(4);
        if (change == 0 || change == 1) {
            unsigned k = gen_next(n);
            struct gen_buf v = {.len = 0};
            gen_value(&v, keys[k]);
            static char spoiled[8][sizeof(v.text)];
            snprintf(spoiled[k], sizeof(spoiled[k]), "%s", v.text);
            values[k] = spoiled[k];
        } else if (change == 2) {
            keys[n] = GEN_PICK(extra);
            values[n] = keys[n][1] == 'a' ? "\"7\"" : keys[n][1] == 'f' ? "\"" A1 "\"" : "\"A\"";
            n++;
        } else {
            unsigned k = gen_next(n);
            keys[k] = keys[n - 1];
            values[k] = values[n - 1];
            n--;
        }
    }
    for (unsigned i = n - 1; i > 0; i--) {
        unsigned j = gen_next(i + 1);
        const char *t = keys[i];
        keys[i] = keys[j];
        keys[j] = t;
        t = values[i];
        values[i] = values[j];
        values[j] = t;
    }
    gen_ws(b);
    gen_put(b, "{");
    for (unsigned i = 0; i < n; i++) {
        if (i) gen_put(b, ",");
        gen_ws(b);
        gen_put(b, keys[i]);
        gen_ws(b);
        gen_put(b, ":");
        gen_ws(b);
        gen_put(b, values[i]);
        gen_ws(b);
    }
    gen_put(b, "}");
    gen_ws(b);
}

/* A body: one command, or a batch with flags, then perhaps cut or
 * spoiled. */
static void gen_body(struct gen_buf *b, int hostile) {
    static const char *const flags[] = {
        "\"atomic\":true", "\"atomic\":false", "\"dry_run\":true", "\"dry_run\":false", "\"reply\":\"errors\"",
        "\"reply\":\"full\"", "\"reply\":\"none\"", "\"atomic\":1", "\"dry_run\":\"true\"", "\"extra\":1",
        "\"commands\":[]", "\"reply\":true", "\"atomic\":null"};
    b->len = 0;
    b->text[0] = '\0';
    gen_ws(b);
    if (gen_next(4) == 0) { /* one command, perhaps with dry_run */
        gen_command(b, hostile);
        if (gen_next(3) == 0 && b->len > 2) {
            char *close = strrchr(b->text, '}');
            if (close != NULL) {
                b->len = (size_t)(close - b->text);
                gen_put(b, hostile && gen_next(3) == 0 ? ",\"dry_run\":1}" : ",\"dry_run\":true}");
            }
        }
    } else {
        gen_put(b, "{");
        unsigned nflags = gen_next(hostile ? 3 : 2);
        for (unsigned i = 0; i < nflags; i++) { /* well formed: atomic, once */
            gen_put(b, hostile ? GEN_PICK(flags) : flags[gen_next(2)]);
            gen_put(b, ",");
            gen_ws(b);
        }
        gen_put(b, "\"commands\"");
        gen_ws(b);
        gen_put(b, ":");
        gen_put(b, "[");
        unsigned count = 1 + gen_next(6);
        for (unsigned i = 0; i < count; i++) {
            if (i) gen_put(b, ",");
            if (hostile && gen_next(40) == 0) gen_put(b, "\"transfer\"");
            else gen_command(b, hostile && gen_next(3) == 0);
        }
        gen_put(b, "]");
        if (gen_next(4) == 0) {
            gen_put(b, ",");
            gen_put(b, hostile ? GEN_PICK(flags) : flags[2 + gen_next(4)]); /* dry_run or reply */
        }
        gen_put(b, "}");
    }
    gen_ws(b);
    if (!hostile) return;
    unsigned spoil = gen_next(12);
    if (spoil == 0 && b->len > 1) b->len = gen_next((uint32_t)b->len); /* cut */
    else if (spoil == 1) gen_put(b, "}");
    else if (spoil == 2) gen_put(b, " x");
    else if (spoil == 3 && b->len > 1) b->text[gen_next((uint32_t)b->len)] = (char)(gen_next(2) ? '"' : '\\');
    else if (spoil == 4 && b->len > 1) b->text[gen_next((uint32_t)b->len)] = (char)0xC3; /* bad UTF-8 */
    b->text[b->len] = '\0';
}

static void fast_encode(const struct request_cmds *r, struct buf *out) {
    for (uint32_t i = 0; i < r->count; i++) command_encode(&r->cmds[i], out);
}

/* The same answer: code, message, flags, and the commands' binary form. */
static void fast_same(const char *body, size_t len, enum err e1, const char *why1,
                      const struct request_cmds *r1, enum err e2, const char *why2,
                      const struct request_cmds *r2) {
    if (e1 != e2 || strcmp(why1, why2) != 0) {
        fail_msg("%.*s\n  fast path %s (%s), generic %s (%s)", (int)len, body, err_name(e1), why1,
                 err_name(e2), why2);
    }
    assert_int_equal(r1->count, r2->count);
    assert_int_equal(r1->batch, r2->batch);
    assert_int_equal(r1->atomic, r2->atomic);
    assert_int_equal(r1->dry_run, r2->dry_run);
    assert_int_equal(r1->reply_errors, r2->reply_errors);
    struct buf a = {0};
    struct buf b = {0};
    fast_encode(r1, &a);
    fast_encode(r2, &b);
    if (a.len != b.len || (a.len > 0 && memcmp(a.data, b.data, a.len) != 0)) fail_msg("%.*s: commands differ", (int)len, body);
    for (uint32_t i = 0; i < r1->count; i++) {
        assert_int_equal(r1->cmds[i].operator_index, r2->cmds[i].operator_index);
    }
    buf_free(&a);
    buf_free(&b);
}

/* request_parse (fast path first) and request_parse_journaled against the
 * generic path alone, on generated bodies: well formed ones, which the
 * fast path must decide itself, and hostile ones (bad JSON, duplicate,
 * unknown and escaped keys, bad amounts and addresses, wrong types, bad
 * flags, cut bodies): the same code, message, flags and commands. */
static void request_fast_path_matches_generic(void **state) {
    struct fixture *f = *state;
    static struct gen_buf b;
    unsigned decided = 0;
    unsigned decided_hostile = 0;
    unsigned refused = 0;
    gen_state = UINT64_C(0x9E3779B97F4A7C15);
    for (unsigned i = 0; i < 6000; i++) {
        int hostile = i % 3 != 0;
        gen_body(&b, hostile);
        const uint8_t *body = (const uint8_t *)b.text;
        for (int journaled = 0; journaled < 2; journaled++) {
            struct request_cmds r1;
            struct request_cmds r2;
            char why1[200];
            char why2[200];
            enum err e1 = journaled ? request_parse_journaled(&f->e, body, b.len, 1, &r1, why1, sizeof(why1))
                                    : request_parse(&f->e, body, b.len, 1, &r1, why1, sizeof(why1));
            enum err e2 = request_parse_generic(&f->e, body, b.len, 1, journaled, &r2, why2, sizeof(why2));
            fast_same(b.text, b.len, e1, why1, &r1, e2, why2, &r2);
            refused += (unsigned)(e2 != ERR_OK && !journaled);
            request_cmds_free(&r1);
            request_cmds_free(&r2);
        }
        /* The fast path alone: what it decides, the generic path accepts
         * alike; a well-formed transfer body it always decides. */
        struct jtext_fault fault;
        if (b.len > LIMIT_BODY_BATCH_BYTES || jtext_check(body, b.len, &fault) != ERR_OK) {
            assert_true(hostile);
            continue;
        }
        struct request_cmds r3;
        struct request_cmds r4;
        char why4[200];
        int fast = request_fast_parse(&f->e, body, b.len, 1, &r3);
        if (!fast) {
            assert_null(r3.cmds);
            if (!hostile) fail_msg("%s: not decided by the fast path", b.text);
            continue;
        }
        decided++;
        decided_hostile += (unsigned)hostile;
        enum err e4 = request_parse_generic(&f->e, body, b.len, 1, 0, &r4, why4, sizeof(why4));
        fast_same(b.text, b.len, ERR_OK, "", &r3, e4, why4, &r4);
        request_cmds_free(&r3);
        request_cmds_free(&r4);
    }
    print_message("fast path: %u decided (%u hostile), %u refused\n", decided, decided_hostile, refused);
    /* Both kinds were exercised. */
    assert_true(decided >= 2000);
    assert_true(decided_hostile >= 100);
    assert_true(refused >= 1000);
}

/* Hand-written edges: each is decided by the generic path, whatever the
 * fast path makes of it, with the same answer. */
static void request_fast_path_edges_match_generic(void **state) {
    struct fixture *f = *state;
    static const char *const bodies[] = {
        "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2 "\",\"amount\":\"1\"}",
        "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2 "\",\"amount\":\"1\",\"dry_run\":true}",
        "{\"dry_run\":false,\"op\":\"mint\",\"asset\":\"EQ\",\"to\":\"" A2 "\",\"amount\":\"3\"}",
        "{\"op\":\"burn\",\"asset\":\"GOLD\",\"from\":\"" A1 "\",\"amount\":\"0.000000000000000001\"}",
        "{\"op\":\"mint\",\"asset\":\"EQ\",\"to\":\"" A2 "\",\"amount\":\"3.0\"}",
        "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2 "\",\"amount\":\"1\",\"atomic\":true}",
        "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2 "\",\"amount\":\"1\",\"reply\":\"errors\"}",
        "{\"commands\":[{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2 "\",\"amount\":\"1\"}],\"commands\":[]}",
        "{\"commands\":[{\"op\":\"pause\",\"asset\":\"USDW\"}]}",
        "{\"commands\":[{\"op\":\"pause\"}]}",
        "{\"commands\":[{\"op\":\"freeze\",\"address\":\"" A1 "\",\"asset\":\"USDW\",\"amount\":\"2\"}]}",
        "{\"commands\":[{\"op\":\"freeze\",\"address\":\"" A1 "\",\"amount\":\"2\"}]}",
        "{\"commands\":[{\"op\":\"recover\",\"asset\":\"USDW\",\"lost\":\"" A1 "\",\"new\":\"" A2 "\"}]}",
        "{\"commands\":[{\"op\":\"vault.deposit\",\"id\":\"1\",\"amount\":\"2\"}]}",
        "{\"commands\":[{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2 "\",\"amount\":\"1\",\"partition\":\"A\"}]}",
        "{\"commands\":[{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2 "\",\"amount\":\"1\"}],\"reply\":\"errors\",\"atomic\":true,\"dry_run\":true}",
        "{\"commands\":[{}]}",
        "{\"commands\":{}}",
        "{\"commands\":\"x\"}",
        "{}",
        "[]",
        "\"x\"",
        "{\"op\":\"transfer\"}",
        "{\"op\":\"transfer\",\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2 "\",\"amount\":\"1\"}",
        "{\"commands\":[{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2 "\",\"amount\":\"1\"}],\"dry_run\":true,\"dry_run\":true}",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        size_t len = strlen(bodies[i]);
        for (int journaled = 0; journaled < 2; journaled++) {
            struct request_cmds r1;
            struct request_cmds r2;
            char why1[200];
            char why2[200];
            enum err e1 = journaled ? request_parse_journaled(&f->e, (const uint8_t *)bodies[i], len, 0, &r1, why1, sizeof(why1))
                                    : request_parse(&f->e, (const uint8_t *)bodies[i], len, 0, &r1, why1, sizeof(why1));
            enum err e2 = request_parse_generic(&f->e, (const uint8_t *)bodies[i], len, 0, journaled, &r2, why2, sizeof(why2));
            fast_same(bodies[i], len, e1, why1, &r1, e2, why2, &r2);
            request_cmds_free(&r1);
            request_cmds_free(&r2);
        }
    }
}

/* A batch of LIMIT_BATCH_COMMANDS transfers is decided by the fast path;
 * one more is refused by the generic path, as before. */
static void request_fast_path_batch_limit(void **state) {
    struct fixture *f = *state;
    const char *one = "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2 "\",\"amount\":\"1\"}";
    size_t n1 = strlen(one);
    size_t cap = (LIMIT_BATCH_COMMANDS + 1) * (n1 + 1) + 64;
    char *body = malloc(cap);
    assert_non_null(body);
    for (uint32_t total = LIMIT_BATCH_COMMANDS; total <= LIMIT_BATCH_COMMANDS + 1; total++) {
        size_t len = (size_t)snprintf(body, cap, "{\"commands\":[");
        for (uint32_t i = 0; i < total; i++) {
            if (i) body[len++] = ',';
            memcpy(body + len, one, n1);
            len += n1;
        }
        len += (size_t)snprintf(body + len, cap - len, "]}");
        struct request_cmds r1;
        struct request_cmds r2;
        char why1[200];
        char why2[200];
        enum err e1 = request_parse(&f->e, (const uint8_t *)body, len, 0, &r1, why1, sizeof(why1));
        enum err e2 = request_parse_generic(&f->e, (const uint8_t *)body, len, 0, 0, &r2, why2, sizeof(why2));
        fast_same("(batch)", 7, e1, why1, &r1, e2, why2, &r2);
        assert_int_equal(e1, total == LIMIT_BATCH_COMMANDS ? ERR_OK : ERR_BATCH_TOO_LARGE);
        struct request_cmds r3;
        int fast = request_fast_parse(&f->e, (const uint8_t *)body, len, 0, &r3);
        assert_int_equal(fast, total == LIMIT_BATCH_COMMANDS);
        request_cmds_free(&r1);
        request_cmds_free(&r2);
        request_cmds_free(&r3);
    }
    free(body);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(request_single_matches_command_decode, setup, teardown),
        cmocka_unit_test_setup_teardown(request_reply_parsed, setup, teardown),
        cmocka_unit_test_setup_teardown(history_governance_events_mark_pending_and_released, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(request_batch_flags_and_order_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(request_escaped_strings_are_unescaped, setup, teardown),
        cmocka_unit_test_setup_teardown(request_malformed_json_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(request_shape_errors_named, setup, teardown),
        cmocka_unit_test_setup_teardown(request_security_arguments_malformed_named, setup, teardown),
        cmocka_unit_test_setup_teardown(request_limits_enforced, setup, teardown),
        cmocka_unit_test(jtext_hostile_strings_refused),
        cmocka_unit_test(jtext_hostile_texts_refused),
        cmocka_unit_test(jtext_edges_accepted),
        cmocka_unit_test(jtext_nesting_bounded_at_limit),
        cmocka_unit_test(jtext_decoded_refuses_nul_and_bad_utf8),
        cmocka_unit_test_setup_teardown(request_hostile_strings_refused_with_place, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(request_numbers_outside_readers_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(request_duplicate_keys_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(history_admitted_batch_listed_with_args_as_sent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(history_filter_and_limit_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(history_unreadable_body_listed_with_marker, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(history_each_oldest_first_with_texts, setup, teardown),
        cmocka_unit_test_setup_teardown(history_body_and_binary_differ_marked, setup, teardown),
        cmocka_unit_test_setup_teardown(history_outcomes_read_from_governance_events, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(history_reads_whatever_admission_takes, setup, teardown),
        cmocka_unit_test_setup_teardown(journaled_amounts_in_any_spelling_read_as_their_value, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(request_fast_path_matches_generic, setup, teardown),
        cmocka_unit_test_setup_teardown(request_fast_path_edges_match_generic, setup, teardown),
        cmocka_unit_test_setup_teardown(request_fast_path_batch_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
