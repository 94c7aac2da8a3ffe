/*
 * test_auth.c - the nonce shares of src/node/auth.c (issue 8, defect 7).
 *
 * A nonce is remembered until its request's time leaves the window; each
 * operator has its own bounded share, reads apart from writes, so one
 * operator's flood rate-limits that operator only, on that path; the
 * shared pool bounds memory without taking any operator's reserved part.
 * The tests drive auth_nonce_use with explicit clocks, and auth_check with
 * real signatures for the end-to-end case (a flood, then a pause).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/limits.h"
#include "../../src/base/sig.h"
#include "../../src/node/auth.h"
#include "../../src/node/chain.h"
#include "../support/engine_fixture.h"

#define T0_MS INT64_C(1790000000000)
#define W_MS ((int64_t)LIMIT_AUTH_WINDOW_MS)

static int setup(void **state) {
    struct auth *a = NULL;
    assert_int_equal(auth_open(&a), ERR_OK);
    *state = a;
    return 0;
}

static int teardown(void **state) {
    auth_close(*state);
    return 0;
}

static enum err use(struct auth *a, const char *op, enum auth_path path, uint32_t i, int64_t t_ms,
                    int64_t now_ms) {
    char nonce[32];
    snprintf(nonce, sizeof(nonce), "n-%u", i);
    return auth_nonce_use(a, op, nonce, path, t_ms, now_ms);
}

/* Use nonces first..first+count-1; all must be accepted. */
static void fill(struct auth *a, const char *op, enum auth_path path, uint32_t first,
                 uint32_t count, int64_t t_ms) {
    for (uint32_t i = first; i < first + count; i++) {
        enum err err = use(a, op, path, i, t_ms, t_ms);
        if (err) fail_msg("%s nonce %u: %s", op, i, err_name(err));
    }
}

/* Use fresh nonces until refused; returns how many were accepted. */
static uint32_t flood(struct auth *a, const char *op, enum auth_path path, uint32_t first,
                      int64_t t_ms, int64_t now_ms) {
    uint32_t n = 0;
    for (;;) {
        enum err err = use(a, op, path, first + n, t_ms, now_ms);
        if (err == ERR_RATE_LIMITED) return n;
        if (err) fail_msg("%s nonce %u: %s", op, first + n, err_name(err));
        n++;
    }
}

static void nonce_reused_refused_until_its_time_leaves_the_window(void **state) {
    struct auth *a = *state;
    assert_int_equal(auth_nonce_use(a, "alice", "abc", AUTH_PATH_WRITE, T0_MS, T0_MS), ERR_OK);
    assert_int_equal(auth_nonce_use(a, "alice", "abc", AUTH_PATH_WRITE, T0_MS, T0_MS),
                     ERR_AUTH_NONCE);
    /* unique per operator, whatever the path */
    assert_int_equal(auth_nonce_use(a, "alice", "abc", AUTH_PATH_READ, T0_MS, T0_MS),
                     ERR_AUTH_NONCE);
    /* another operator's nonces are its own */
    assert_int_equal(auth_nonce_use(a, "bob", "abc", AUTH_PATH_WRITE, T0_MS, T0_MS), ERR_OK);
    /* still live on the window's last millisecond, forgotten after it */
    assert_int_equal(auth_nonce_use(a, "alice", "abc", AUTH_PATH_WRITE, T0_MS, T0_MS + W_MS),
                     ERR_AUTH_NONCE);
    assert_int_equal(
        auth_nonce_use(a, "alice", "abc", AUTH_PATH_WRITE, T0_MS + W_MS + 1, T0_MS + W_MS + 1),
        ERR_OK);
}

static void nonce_dated_ahead_kept_until_its_own_time_leaves(void **state) {
    struct auth *a = *state;
    int64_t ahead = T0_MS + W_MS - 1000; /* dated 4:59 ahead: kept ~10 minutes */
    assert_int_equal(auth_nonce_use(a, "carol", "x", AUTH_PATH_READ, ahead, T0_MS), ERR_OK);
    assert_int_equal(auth_nonce_use(a, "carol", "x", AUTH_PATH_READ, ahead, T0_MS + W_MS + 1),
                     ERR_AUTH_NONCE);
    assert_int_equal(auth_nonce_use(a, "carol", "x", AUTH_PATH_READ, ahead, ahead + W_MS + 1),
                     ERR_OK);
}

static void read_share_full_rate_limits_only_that_operator_and_path(void **state) {
    struct auth *a = *state;
    int64_t ahead = T0_MS + W_MS - 1000;
    assert_int_equal(flood(a, "carol", AUTH_PATH_READ, 0, ahead, T0_MS), LIMIT_AUTH_NONCES_READ);
    assert_int_equal(use(a, "carol", AUTH_PATH_READ, 1u << 30, T0_MS, T0_MS), ERR_RATE_LIMITED);
    /* carol's write path, and everyone else, are untouched */
    assert_int_equal(use(a, "carol", AUTH_PATH_WRITE, 1u << 30, T0_MS, T0_MS), ERR_OK);
    assert_int_equal(use(a, "bob", AUTH_PATH_WRITE, 7, T0_MS, T0_MS), ERR_OK);
    assert_int_equal(use(a, "alice", AUTH_PATH_READ, 7, T0_MS, T0_MS), ERR_OK);
    struct auth_stats st;
    auth_stats(a, &st);
    assert_int_equal(st.rate_limited_read, 2);
    assert_int_equal(st.rate_limited_write, 0);
    assert_int_equal(st.nonces_held, LIMIT_AUTH_NONCES_READ + 3);
}

static void write_share_full_rate_limits_writes_only(void **state) {
    struct auth *a = *state;
    assert_int_equal(flood(a, "bob", AUTH_PATH_WRITE, 0, T0_MS, T0_MS), LIMIT_AUTH_NONCES_WRITE);
    assert_int_equal(use(a, "bob", AUTH_PATH_READ, 1u << 30, T0_MS, T0_MS), ERR_OK);
    assert_int_equal(use(a, "alice", AUTH_PATH_WRITE, 1u << 30, T0_MS, T0_MS), ERR_OK);
}

static void full_share_frees_as_nonces_expire(void **state) {
    struct auth *a = *state;
    fill(a, "carol", AUTH_PATH_READ, 0, LIMIT_AUTH_NONCES_READ / 2, T0_MS);
    fill(a, "carol", AUTH_PATH_READ, LIMIT_AUTH_NONCES_READ, LIMIT_AUTH_NONCES_READ / 2,
         T0_MS + 60000);
    assert_int_equal(use(a, "carol", AUTH_PATH_READ, 1u << 30, T0_MS + 60000, T0_MS + 60000),
                     ERR_RATE_LIMITED);
    /* the first half expires: room again (swept at most once a second) */
    int64_t later = T0_MS + W_MS + 1;
    assert_int_equal(flood(a, "carol", AUTH_PATH_READ, 1u << 20, later, later),
                     LIMIT_AUTH_NONCES_READ / 2);
    /* the second half is still remembered */
    assert_int_equal(use(a, "carol", AUTH_PATH_READ, LIMIT_AUTH_NONCES_READ, T0_MS + 60000, later),
                     ERR_AUTH_NONCE);
    /* once everything expired, the table is empty and small again */
    int64_t much_later = T0_MS + 60000 + 3 * W_MS;
    assert_int_equal(use(a, "carol", AUTH_PATH_READ, 1u << 29, much_later, much_later), ERR_OK);
    struct auth_stats st;
    auth_stats(a, &st);
    assert_true(st.nonces_held <= LIMIT_AUTH_NONCES_READ / 2 + 1);
}

/* Flooders exhaust the pool: every operator keeps its reserved part on
 * each path, and a fresh operator's pause still gets through. */
static void pool_exhausted_reserved_part_still_served(void **state) {
    struct auth *a = *state;
    static const char *const flooders[] = {"f0", "f1", "f2", "f3", "f4"};
    uint64_t taken = 0;
    for (size_t i = 0; i < sizeof(flooders) / sizeof(flooders[0]); i++) {
        taken += flood(a, flooders[i], AUTH_PATH_WRITE, 0, T0_MS, T0_MS);
        taken += flood(a, flooders[i], AUTH_PATH_READ, 1u << 24, T0_MS, T0_MS);
    }
    uint64_t reserved_used = 10u * LIMIT_AUTH_NONCES_RESERVED;
    assert_int_equal(taken, LIMIT_AUTH_NONCES_POOL + reserved_used);
    /* a quiet operator: its reserved writes and reads, then 429 */
    assert_int_equal(flood(a, "alice", AUTH_PATH_WRITE, 0, T0_MS, T0_MS),
                     LIMIT_AUTH_NONCES_RESERVED);
    assert_int_equal(flood(a, "alice", AUTH_PATH_READ, 1u << 24, T0_MS, T0_MS),
                     LIMIT_AUTH_NONCES_RESERVED);
    assert_int_equal(use(a, "bob", AUTH_PATH_WRITE, 1, T0_MS, T0_MS), ERR_OK); /* bob's pause */
}

static void shares_of_many_operators_reclaimed_once_expired(void **state) {
    struct auth *a = *state;
    char name[16];
    for (uint32_t i = 0; i < LIMIT_AUTH_SHARES; i++) {
        snprintf(name, sizeof(name), "op%u", i);
        assert_int_equal(use(a, name, AUTH_PATH_WRITE, 0, T0_MS, T0_MS), ERR_OK);
    }
    /* every share holds a live nonce: a new name cannot take one yet */
    assert_int_equal(use(a, "newcomer", AUTH_PATH_WRITE, 0, T0_MS, T0_MS), ERR_RATE_LIMITED);
    /* known names keep working */
    assert_int_equal(use(a, "op0", AUTH_PATH_WRITE, 1, T0_MS, T0_MS), ERR_OK);
    int64_t later = T0_MS + W_MS + 1;
    assert_int_equal(use(a, "newcomer", AUTH_PATH_WRITE, 0, later, later), ERR_OK);
}

static void remember_keeps_every_journaled_nonce_past_the_share(void **state) {
    struct auth *a = *state;
    int64_t now_ms = chain_now_ns() / 1000000;
    char nonce[32];
    uint32_t n = LIMIT_AUTH_NONCES_WRITE + 10;
    for (uint32_t i = 0; i < n; i++) {
        snprintf(nonce, sizeof(nonce), "j-%u", i);
        auth_remember(a, "alice", nonce, now_ms);
    }
    for (uint32_t i = 0; i < n; i += 997) {
        snprintf(nonce, sizeof(nonce), "j-%u", i);
        assert_int_equal(auth_nonce_use(a, "alice", nonce, AUTH_PATH_WRITE, now_ms, now_ms),
                         ERR_AUTH_NONCE);
    }
    snprintf(nonce, sizeof(nonce), "j-%u", n - 1);
    assert_int_equal(auth_nonce_use(a, "alice", nonce, AUTH_PATH_READ, now_ms, now_ms),
                     ERR_AUTH_NONCE);
    /* the share is over its limit: new writes wait, reads do not */
    assert_int_equal(auth_nonce_use(a, "alice", "fresh", AUTH_PATH_WRITE, now_ms, now_ms),
                     ERR_RATE_LIMITED);
    assert_int_equal(auth_nonce_use(a, "alice", "fresh", AUTH_PATH_READ, now_ms, now_ms), ERR_OK);
    /* a journaled request already out of the window is not kept */
    auth_remember(a, "bob", "old", now_ms - W_MS - 1);
    assert_int_equal(auth_nonce_use(a, "bob", "old", AUTH_PATH_WRITE, now_ms, now_ms), ERR_OK);
}

/* ---- auth_check end to end: real signatures, the wall clock ------------- */

struct signed_world {
    struct chain c;
    uint8_t seeds[3][SIG_SEED_BYTES]; /* alice, bob, carol */
};

static const char *const NAMES[3] = {"alice", "bob", "carol"};

static struct signed_world *world_open(void) {
    struct signed_world *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    json_t *doc = fixture_genesis_default();
    char *text = json_dumps(doc, JSON_COMPACT);
    char why[160];
    assert_int_equal(engine_open(&w->c.engine, 1024), ERR_OK);
    assert_int_equal(
        chain_genesis_engine(&w->c.engine, text, strlen(text), chain_now_ns(), NULL, why, sizeof(why)),
        ERR_OK);
    free(text);
    json_decref(doc);
    pthread_rwlock_init(&w->c.lock, NULL);
    for (int i = 0; i < 3; i++) {
        memset(w->seeds[i], 0x41 + i, SIG_SEED_BYTES);
        int k = engine_operator_find(&w->c.engine, NAMES[i], strlen(NAMES[i]));
        assert_true(k >= 0);
        sig_pubkey(w->seeds[i], w->c.engine.s.operators[k].pubkey);
    }
    return w;
}

static void world_close(struct signed_world *w) {
    pthread_rwlock_destroy(&w->c.lock);
    engine_close(&w->c.engine);
    free(w);
}

/* A request signed now by operator `who`, through auth_check (the one
 * place this file calls it). */
static enum err signed_request(struct auth *a, struct signed_world *w, int who, const char *method,
                               const char *path, const char *body, const char *nonce) {
    char time_text[24];
    snprintf(time_text, sizeof(time_text), "%lld", (long long)(chain_now_ns() / 1000000));
    char b64[SIG_B64_SIZE];
    size_t len = strlen(body);
    assert_int_equal(
        sig_sign(w->seeds[who], method, path, time_text, nonce, (const uint8_t *)body, len, b64),
        0);
    struct auth_headers h = {NAMES[who], time_text, nonce, b64};
    int index = -1;
    int64_t time_ms = 0;
    struct hash body_hash;
    uint8_t pubkey[32];
    return auth_check(a, &w->c, method, path, &h, (const uint8_t *)body, len, &index, &time_ms,
                      &body_hash, pubkey);
}

static void read_flood_by_viewer_pause_by_others_and_itself_pass(void **state) {
    struct auth *a = *state;
    struct signed_world *w = world_open();
    int64_t now_ms = chain_now_ns() / 1000000;
    /* carol floods reads dated near the window's far edge */
    assert_int_equal(flood(a, "carol", AUTH_PATH_READ, 0, now_ms + W_MS - 1000, now_ms),
                     LIMIT_AUTH_NONCES_READ);
    assert_int_equal(signed_request(a, w, 2, "GET", "/api/system/status", "", "r1"),
                     ERR_RATE_LIMITED);
    const char *pause = "{\"op\":\"pause\"}";
    assert_int_equal(signed_request(a, w, 1, "POST", "/api/commands", pause, "p1"), ERR_OK);
    assert_int_equal(signed_request(a, w, 0, "GET", "/api/system/status", "", "r1"), ERR_OK);
    /* the flooder's own write path has room: its POST is verified */
    assert_int_equal(signed_request(a, w, 2, "POST", "/api/commands", pause, "p1"), ERR_OK);
    /* and a replay is still a replay */
    assert_int_equal(signed_request(a, w, 1, "POST", "/api/commands", pause, "p1"), ERR_AUTH_NONCE);
    world_close(w);
}

/* A reused nonce is refused only once the signature verified (a retry may
 * then be answered from the journal); a replay answered so is counted as
 * replayed, not as a nonce failure. */
static void reused_nonce_after_signature_and_replay_counted_apart(void **state) {
    struct auth *a = *state;
    struct signed_world *w = world_open();
    const char *pause = "{\"op\":\"pause\"}";
    assert_int_equal(signed_request(a, w, 0, "POST", "/api/commands", pause, "n1"), ERR_OK);
    /* alice's nonce under carol's key: the signature fails first (and so
     * nobody can learn or burn another operator's nonces) */
    char time_text[24];
    snprintf(time_text, sizeof(time_text), "%lld", (long long)(chain_now_ns() / 1000000));
    char b64[SIG_B64_SIZE];
    assert_int_equal(sig_sign(w->seeds[2], "POST", "/api/commands", time_text, "n1",
                              (const uint8_t *)pause, strlen(pause), b64),
                     0);
    struct auth_headers h = {NAMES[0], time_text, "n1", b64};
    int index = -1;
    int64_t time_ms = 0;
    struct hash body_hash;
    uint8_t pubkey[32];
    assert_int_equal(auth_check(a, &w->c, "POST", "/api/commands", &h, (const uint8_t *)pause,
                                strlen(pause), &index, &time_ms, &body_hash, pubkey),
                     ERR_AUTH_SIGNATURE);
    assert_int_equal(index, -1); /* untouched on failure */
    assert_int_equal(signed_request(a, w, 0, "POST", "/api/commands", pause, "n1"), ERR_AUTH_NONCE);
    assert_int_equal(signed_request(a, w, 0, "POST", "/api/commands", pause, "n1"), ERR_AUTH_NONCE);
    struct auth_stats st;
    auth_stats(a, &st);
    assert_int_equal(st.signature, 1);
    assert_int_equal(st.nonce, 2);
    assert_int_equal(st.replayed, 0);
    auth_nonce_replayed(a);
    auth_stats(a, &st);
    assert_int_equal(st.nonce, 1);
    assert_int_equal(st.replayed, 1);
    world_close(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(nonce_reused_refused_until_its_time_leaves_the_window,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(nonce_dated_ahead_kept_until_its_own_time_leaves, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(read_share_full_rate_limits_only_that_operator_and_path,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(write_share_full_rate_limits_writes_only, setup, teardown),
        cmocka_unit_test_setup_teardown(full_share_frees_as_nonces_expire, setup, teardown),
        cmocka_unit_test_setup_teardown(pool_exhausted_reserved_part_still_served, setup, teardown),
        cmocka_unit_test_setup_teardown(shares_of_many_operators_reclaimed_once_expired, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(remember_keeps_every_journaled_nonce_past_the_share, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(read_flood_by_viewer_pause_by_others_and_itself_pass, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(reused_nonce_after_signature_and_replay_counted_apart,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
