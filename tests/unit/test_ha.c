/*
 * test_ha.c - the pure parts of high availability (issue 15): the CLI's
 * --node list (cli_call_node_next: comma-separated, blanks ignored, empty
 * entries skipped, an over-long URL cut so that the URL check refuses it)
 * and a follower's lag in seconds (ha_lag_s: 0 when caught up or when the
 * clock reads earlier than the moment it fell behind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/cli/cli_call.h"
#include "../../src/node/ha.h"

static void node_list_splits_in_order(void **state) {
    (void)state;
    const char *list = "http://a:1, http://b:2/x ,,http://c:3";
    char out[64];
    assert_int_equal(cli_call_node_next(&list, out, sizeof(out)), 1);
    assert_string_equal(out, "http://a:1");
    assert_int_equal(cli_call_node_next(&list, out, sizeof(out)), 1);
    assert_string_equal(out, "http://b:2/x");
    assert_int_equal(cli_call_node_next(&list, out, sizeof(out)), 1);
    assert_string_equal(out, "http://c:3");
    assert_int_equal(cli_call_node_next(&list, out, sizeof(out)), 0);
}

static void node_list_single_and_empty(void **state) {
    (void)state;
    const char *one = "http://127.0.0.1:8645";
    char out[64];
    assert_int_equal(cli_call_node_next(&one, out, sizeof(out)), 1);
    assert_string_equal(out, "http://127.0.0.1:8645");
    assert_int_equal(cli_call_node_next(&one, out, sizeof(out)), 0);
    const char *empty = "";
    assert_int_equal(cli_call_node_next(&empty, out, sizeof(out)), 0);
    const char *commas = " , ,";
    assert_int_equal(cli_call_node_next(&commas, out, sizeof(out)), 0);
}

static void node_list_long_url_is_cut(void **state) {
    (void)state;
    const char *list = "http://0123456789abcdef,http://b";
    char out[8];
    assert_int_equal(cli_call_node_next(&list, out, sizeof(out)), 1);
    assert_int_equal(strlen(out), 7);
    assert_string_equal(out, "http://");
    assert_int_equal(cli_call_node_next(&list, out, sizeof(out)), 1);
    assert_string_equal(out, "http://");
}

static void lag_is_zero_when_caught_up(void **state) {
    (void)state;
    assert_true(ha_lag_s(0, INT64_C(5000000000)) == 0.0);
    assert_true(ha_lag_s(INT64_C(5000000000), INT64_C(5000000000)) == 0.0);
    assert_true(ha_lag_s(INT64_C(6000000000), INT64_C(5000000000)) == 0.0); /* clock stepped back */
    assert_true(ha_lag_s(-1, INT64_C(5000000000)) == 0.0);
}

static void lag_counts_from_falling_behind(void **state) {
    (void)state;
    assert_true(ha_lag_s(INT64_C(1000000000), INT64_C(1250000000)) == 0.25);
    assert_true(ha_lag_s(INT64_C(1), INT64_C(3000000001)) == 3.0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(node_list_splits_in_order),
        cmocka_unit_test(node_list_single_and_empty),
        cmocka_unit_test(node_list_long_url_is_cut),
        cmocka_unit_test(lag_is_zero_when_caught_up),
        cmocka_unit_test(lag_counts_from_falling_behind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
