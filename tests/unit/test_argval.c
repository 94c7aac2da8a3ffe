/*
 * test_argval.c - argv values checked by kind before contacting the node
 * (cli/cli_argval.h, issue 13 item 6), over the real command table, and
 * cli_http_segment's percent-encoding (item 7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/err.h"
#include "../../src/cli/cli_args.h"
#include "../../src/cli/cli_argval.h"
#include "../../src/cli/cli_cmd.h"
#include "../../src/cli/cli_http.h"

#define A1 "0x1111111111111111111111111111111111111111"

/* Parse argv (NULL-terminated, after "mintline") and check its values. */
static enum err check(char *why, size_t why_size, ...) {
    char *argv[16] = {"mintline"};
    int argc = 1;
    va_list ap;
    va_start(ap, why_size);
    for (const char *a = va_arg(ap, const char *); a != NULL && argc < 16; a = va_arg(ap, const char *)) {
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    size_t count;
    const struct cli_cmd *rows = cli_cmd_table(&count);
    struct cli_args args;
    enum err err = cli_args_parse(rows, count, argc, argv, &args);
    assert_int_equal(err, ERR_OK);
    why[0] = '\0';
    return cli_argval_check(&args, why, why_size);
}

static void well_formed_values_pass(void **state) {
    (void)state;
    char why[CLI_WHY_SIZE];
    assert_int_equal(check(why, sizeof(why), "mint", "USDW", "--to", A1, "--amount", "007.50", NULL), ERR_OK);
    assert_int_equal(check(why, sizeof(why), "dev", "advance", "90s", NULL), ERR_OK);
    assert_int_equal(check(why, sizeof(why), "approve", "12", NULL), ERR_OK);
    assert_int_equal(check(why, sizeof(why), "history", "--limit", "5", NULL), ERR_OK);
    assert_int_equal(check(why, sizeof(why), "policy", "set", "mint", "--timelock", "0", NULL), ERR_OK);
    assert_int_equal(check(why, sizeof(why), "balance", "USDW", A1, NULL), ERR_OK);
    assert_int_equal(check(why, sizeof(why), "nav", "show", "ANY THING", NULL), ERR_OK); /* symbols: the node's */
    assert_int_equal(check(why, sizeof(why), "mint", "--help", NULL), ERR_OK);
}

static void malformed_values_have_their_code(void **state) {
    (void)state;
    char why[CLI_WHY_SIZE];
    assert_int_equal(check(why, sizeof(why), "mint", "USDW", "--to", A1, "--amount", "abc", NULL), ERR_INVALID_AMOUNT);
    assert_non_null(strstr(why, "--amount \"abc\" is not an amount"));
    assert_int_equal(check(why, sizeof(why), "caps", "set", "USDW", "--supply-cap", "1e9", NULL), ERR_INVALID_AMOUNT);
    assert_int_equal(check(why, sizeof(why), "mint", "USDW", "--to", "0x12", "--amount", "1", NULL),
                     ERR_INVALID_ADDRESS);
    assert_non_null(strstr(why, "--to \"0x12\""));
    assert_int_equal(check(why, sizeof(why), "freeze", "nothex", NULL), ERR_INVALID_ADDRESS);
    assert_int_equal(check(why, sizeof(why), "por", "proof", "USDW", "0xc11e\xe2\x80\xa6" "02", NULL),
                     ERR_INVALID_ADDRESS);
    assert_int_equal(check(why, sizeof(why), "dev", "advance", "5x", NULL), ERR_INVALID_DURATION);
    assert_non_null(strstr(why, "DURATION \"5x\""));
    assert_int_equal(check(why, sizeof(why), "approve", "abc", NULL), ERR_USAGE);
    assert_non_null(strstr(why, "ID \"abc\" is not a number"));
    assert_int_equal(check(why, sizeof(why), "history", "--limit", "abc", NULL), ERR_USAGE);
    assert_int_equal(check(why, sizeof(why), "events", "--recent", "1.5", NULL), ERR_USAGE);
}

static void segments_are_percent_encoded(void **state) {
    (void)state;
    char out[64];
    cli_http_segment(out, sizeof(out), "AA XJF");
    assert_string_equal(out, "AA%20XJF");
    cli_http_segment(out, sizeof(out), "0xc11e\xe2\x80\xa6" "02");
    assert_string_equal(out, "0xc11e%E2%80%A602");
    cli_http_segment(out, sizeof(out), "a/b?c#d");
    assert_string_equal(out, "a%2Fb%3Fc%23d");
    cli_http_segment(out, 6, "a b c");
    assert_string_equal(out, "a%20b"); /* cut at a whole escape */
    cli_http_segment(out, 4, "a b c");
    assert_string_equal(out, "a");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(well_formed_values_pass),
        cmocka_unit_test(malformed_values_have_their_code),
        cmocka_unit_test(segments_are_percent_encoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
