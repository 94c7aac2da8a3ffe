/*
 * test_ha.c - the pure parts of high availability (issue 15): the CLI's
 * --node list (cli_call_node_next: comma-separated, blanks ignored, empty
 * entries skipped, an over-long URL cut so that the URL check refuses it)
 * a follower's lag in seconds (ha_lag_s: 0 when caught up or when the
 * clock reads earlier than the moment it fell behind) and its per-block
 * delay histogram (ha_delay_add: cumulative buckets, negatives as 0; its
 * bounds rise 25 ms apart to 500 ms).
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

static void delay_fills_cumulative_buckets(void **state) {
    (void)state;
    struct ha_delay d;
    memset(&d, 0, sizeof(d));
    ha_delay_add(&d, 0.0005); /* under the first bound: in every bucket */
    ha_delay_add(&d, 0.31);   /* 0.3 < 0.31 <= 0.325 */
    ha_delay_add(&d, 12.0);   /* past the last bound: +Inf only */
    ha_delay_add(&d, -0.2);   /* clocks apart: counted as 0 */
    assert_int_equal(d.count, 4);
    assert_true(d.sum_s > 12.31049 && d.sum_s < 12.31051);
    assert_int_equal(d.le[0], 2);
    assert_int_equal(d.le[15], 2); /* 0.3 */
    assert_int_equal(d.le[16], 3); /* 0.325 */
    assert_int_equal(d.le[23], 3); /* 0.5 */
    assert_int_equal(d.le[HA_DELAY_BUCKETS - 1], 3); /* 10 */
}

static void delay_bounds_rise_25ms_apart_to_half_a_second(void **state) {
    (void)state;
    int from = -1, to = -1;
    for (int i = 0; i < HA_DELAY_BUCKETS; i++) {
        if (i > 0) assert_true(ha_delay_bounds_s[i] > ha_delay_bounds_s[i - 1]);
        if (ha_delay_bounds_s[i] == 0.05) from = i;
        if (ha_delay_bounds_s[i] == 0.5) to = i;
    }
    assert_true(from >= 0 && to == from + 18); /* 0.05, 0.075, ..., 0.5 */
    for (int i = from + 1; i <= to; i++) {
        double step = ha_delay_bounds_s[i] - ha_delay_bounds_s[i - 1];
        assert_true(step > 0.0249 && step < 0.0251);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(node_list_splits_in_order),
        cmocka_unit_test(node_list_single_and_empty),
        cmocka_unit_test(node_list_long_url_is_cut),
        cmocka_unit_test(lag_is_zero_when_caught_up),
        cmocka_unit_test(lag_counts_from_falling_behind),
        cmocka_unit_test(delay_fills_cumulative_buckets),
        cmocka_unit_test(delay_bounds_rise_25ms_apart_to_half_a_second),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
