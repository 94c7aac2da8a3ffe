/*
 * test_cmdwin.c - the failed-command ratio's window (src/node/cmdwin.c):
 * what falls in the last 5 minutes counts, what is older does not, a slot
 * reused by a later bucket starts from zero, a late add to a bucket already
 * recycled is dropped, times before 1970 and a read behind the adds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/node/cmdwin.h"

#define S INT64_C(1000000000)
#define T0 (INT64_C(1796500000) * S)

static void read_is(struct cmdwin *w, int64_t now, uint64_t total, uint64_t failed) {
    uint64_t t = 99, f = 99;
    cmdwin_read(w, now, &t, &f);
    assert_int_equal(t, total);
    assert_int_equal(f, failed);
}

static void counts_the_last_five_minutes(void **state) {
    (void)state;
    struct cmdwin w;
    cmdwin_init(&w);
    read_is(&w, T0, 0, 0);
    cmdwin_add(&w, T0, 10, 1);
    cmdwin_add(&w, T0 + 2 * S, 5, 2); /* the same 5 s bucket */
    cmdwin_add(&w, T0 + 100 * S, 5, 0);
    read_is(&w, T0 + 100 * S, 20, 3);
    /* 300 s is 60 buckets: T0's bucket is the oldest one still in at T0 + 299 s */
    int64_t b0 = T0 - T0 % CMDWIN_BUCKET_NS;
    read_is(&w, b0 + CMDWIN_SPAN_NS - 1, 20, 3);
    read_is(&w, b0 + CMDWIN_SPAN_NS, 5, 0); /* T0's bucket left */
    read_is(&w, T0 + 100 * S + CMDWIN_SPAN_NS, 0, 0);
    cmdwin_destroy(&w);
}

static void slots_are_reused_and_late_adds_dropped(void **state) {
    (void)state;
    struct cmdwin w;
    cmdwin_init(&w);
    cmdwin_add(&w, T0, 7, 7);
    cmdwin_add(&w, T0 + CMDWIN_SPAN_NS, 1, 0); /* the same slot, 60 buckets later */
    read_is(&w, T0 + CMDWIN_SPAN_NS, 1, 0);
    cmdwin_add(&w, T0, 3, 3); /* a block of the recycled bucket, late: dropped */
    read_is(&w, T0 + CMDWIN_SPAN_NS, 1, 0);
    read_is(&w, T0, 0, 0); /* a read behind the adds sees no future bucket */
    cmdwin_destroy(&w);
}

static void times_before_the_epoch(void **state) {
    (void)state;
    struct cmdwin w;
    cmdwin_init(&w);
    cmdwin_add(&w, -1, 4, 1);
    cmdwin_add(&w, 0, 2, 0);
    read_is(&w, 0, 6, 1);
    read_is(&w, -1, 4, 1);
    cmdwin_destroy(&w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_the_last_five_minutes),
        cmocka_unit_test(slots_are_reused_and_late_adds_dropped),
        cmocka_unit_test(times_before_the_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
