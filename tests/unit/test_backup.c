/*
 * test_backup.c - the parsers of issue 12: the journal stream's reader
 * (store/store_wire.h) and the backup file's header
 * (store/store_backup.h).
 *
 * The reader is fed a stream written by the writers, whole and one byte at
 * a time (the same blocks come out), cut at every length (never a block
 * too many, always ERR_JOURNAL_CUT at the end), and damaged: wrong magic,
 * a frame out of order, a block skipped, a length past the frame, an
 * oversized frame, a NUL in a string, bytes after the end. The header
 * parser takes the documented form and refuses each field malformed,
 * leaving its output untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/store/store_backup.h"
#include "../../src/store/store_wire.h"

struct seen {
    int genesis;
    uint64_t blocks;
    uint64_t last_height;
    uint32_t requests;
    char last_body[64];
};

static enum err seen_genesis(void *ctx, const struct store_wire_genesis *g) {
    struct seen *s = ctx;
    s->genesis++;
    assert_int_equal(g->json_len, 9);
    assert_string_equal(g->json, "{\"g\": 1}\n");
    return ERR_OK;
}

static enum err seen_block(void *ctx, const struct store_block *b, const struct store_request *r,
                           uint32_t n) {
    struct seen *s = ctx;
    s->blocks++;
    s->last_height = b->height;
    s->requests += n;
    assert_int_equal(b->events_len, 3);
    assert_memory_equal(b->events, "evt", 3);
    for (uint32_t i = 0; i < n; i++) {
        assert_string_equal(r[i].operator_name, "alice");
        assert_string_equal(r[i].path, "/api/commands");
        snprintf(s->last_body, sizeof(s->last_body), "%.*s", (int)r[i].body_len, (const char *)r[i].body);
    }
    return ERR_OK;
}

/* A stream of `blocks` blocks, block h with h % 3 requests. */
static void make_stream(struct buf *out, uint64_t blocks) {
    buf_init(out);
    store_wire_put_magic(out);
    struct store_wire_genesis g;
    memset(&g, 0, sizeof(g));
    g.json = "{\"g\": 1}\n";
    g.json_len = 9;
    g.head_height = blocks;
    store_wire_put_genesis(out, &g);
    for (uint64_t h = 1; h <= blocks; h++) {
        struct store_block b;
        memset(&b, 0, sizeof(b));
        b.height = h;
        b.requests_count = (uint32_t)(h % 3);
        b.commands_count = b.requests_count;
        b.events = (const uint8_t *)"evt";
        b.events_len = 3;
        store_wire_put_block(out, &b);
        for (uint32_t i = 0; i < b.requests_count; i++) {
            char body[32];
            int n = snprintf(body, sizeof(body), "{\"n\": %llu}", (unsigned long long)h);
            struct store_request r = {.operator_name = "alice", .nonce = "n1", .signature = "sig",
                                      .method = "POST", .path = "/api/commands",
                                      .body = (const uint8_t *)body, .body_len = (size_t)n,
                                      .commands_count = 1};
            store_wire_put_request(out, &r);
        }
    }
    struct hash head;
    memset(&head, 7, sizeof(head));
    store_wire_put_end(out, blocks, blocks, &head);
    assert_true(buf_ok(out));
}

static enum err feed_all(const struct buf *s, size_t step, struct seen *seen, uint64_t *end_height) {
    struct store_wire_handlers h = {seen_genesis, seen_block, seen};
    struct store_wire_reader *r = store_wire_reader_new(&h);
    char why[200];
    enum err err = ERR_OK;
    for (size_t at = 0; at < s->len && !err; at += step) {
        size_t n = s->len - at < step ? s->len - at : step;
        err = store_wire_feed(r, s->data + at, n, why, sizeof(why));
    }
    if (!err) err = store_wire_finish(r, NULL, end_height, NULL, why, sizeof(why));
    store_wire_reader_free(r);
    return err;
}

static void wire_whole_and_bytewise_same_blocks(void **state) {
    (void)state;
    struct buf s;
    make_stream(&s, 10);
    struct seen a = {0}, b = {0};
    uint64_t end = 0;
    assert_int_equal(feed_all(&s, s.len, &a, &end), ERR_OK);
    assert_int_equal(end, 10);
    assert_int_equal(feed_all(&s, 1, &b, NULL), ERR_OK);
    assert_int_equal(a.genesis, 1);
    assert_int_equal(a.blocks, 10);
    assert_int_equal(a.requests, 1 + 2 + 0 + 1 + 2 + 0 + 1 + 2 + 0 + 1);
    assert_int_equal(b.blocks, a.blocks);
    assert_int_equal(b.requests, a.requests);
    assert_string_equal(a.last_body, "{\"n\": 10}");
    buf_free(&s);
}

static void wire_cut_anywhere_is_journal_cut(void **state) {
    (void)state;
    struct buf s;
    make_stream(&s, 4);
    for (size_t len = 0; len < s.len; len++) {
        struct buf cut = {s.data, len, len, 0};
        struct seen seen = {0};
        assert_int_equal(feed_all(&cut, 7, &seen, NULL), ERR_JOURNAL_CUT);
        assert_true(seen.blocks <= 4);
    }
    buf_free(&s);
}

static enum err feed_bytes(const uint8_t *p, size_t n) {
    struct buf b = {(uint8_t *)(uintptr_t)p, n, n, 0};
    struct seen seen = {0};
    return feed_all(&b, n, &seen, NULL);
}

static void wire_damage_is_malformed(void **state) {
    (void)state;
    struct buf s;
    make_stream(&s, 3);
    uint8_t *copy = malloc(s.len + 16);
    /* wrong magic */
    memcpy(copy, s.data, s.len);
    copy[0] = 'X';
    assert_int_equal(feed_bytes(copy, s.len), ERR_JOURNAL_MALFORMED);
    /* the first frame is not G */
    memcpy(copy, s.data, s.len);
    copy[STORE_WIRE_MAGIC_BYTES] = 'B';
    assert_int_equal(feed_bytes(copy, s.len), ERR_JOURNAL_MALFORMED);
    /* an oversized frame length */
    memcpy(copy, s.data, s.len);
    copy[STORE_WIRE_MAGIC_BYTES + 4] = 0x7f;
    assert_int_equal(feed_bytes(copy, s.len), ERR_JOURNAL_MALFORMED);
    /* bytes after the end frame */
    memcpy(copy, s.data, s.len);
    copy[s.len] = 'E';
    assert_int_equal(feed_bytes(copy, s.len + 1), ERR_JOURNAL_MALFORMED);
    buf_free(&s);
    free(copy);
}

static void wire_block_skipped_or_nul_in_string_refused(void **state) {
    (void)state;
    struct buf s;
    buf_init(&s);
    store_wire_put_magic(&s);
    struct store_wire_genesis g;
    memset(&g, 0, sizeof(g));
    g.json = "{\"g\": 1}\n";
    g.json_len = 9;
    store_wire_put_genesis(&s, &g);
    struct store_block b;
    memset(&b, 0, sizeof(b));
    b.height = 2; /* block 1 missing */
    b.events = (const uint8_t *)"evt";
    b.events_len = 3;
    store_wire_put_block(&s, &b);
    assert_int_equal(feed_bytes(s.data, s.len), ERR_JOURNAL_MALFORMED);
    s.len = 0;
    store_wire_put_magic(&s);
    store_wire_put_genesis(&s, &g);
    b.height = 1;
    b.requests_count = 1;
    b.commands_count = 1;
    store_wire_put_block(&s, &b);
    struct store_request r = {.operator_name = "al\x01" "ce", .nonce = "n", .signature = "s",
                              .method = "POST", .path = "/p"};
    store_wire_put_request(&s, &r);
    /* the operator's name: turn its \x01 into a NUL */
    uint8_t *p = memchr(s.data, 0x01, s.len);
    assert_non_null(p);
    *p = 0;
    assert_int_equal(feed_bytes(s.data, s.len), ERR_JOURNAL_MALFORMED);
    buf_free(&s);
}

static const char good_header[] =
    "mintline-backup-v1\nheight 12\n"
    "head_hash 0101010101010101010101010101010101010101010101010101010101010101\n"
    "genesis_hash 0202020202020202020202020202020202020202020202020202020202020202\n"
    "created_ms 1767225600000\nsize 4096\n"
    "sha256 0303030303030303030303030303030303030303030303030303030303030303\n\nSQLite";

static void header_parses_documented_form(void **state) {
    (void)state;
    struct store_backup_header h;
    char why[200];
    assert_int_equal(store_backup_parse_header((const uint8_t *)good_header, sizeof(good_header) - 1,
                                               &h, why, sizeof(why)),
                     ERR_OK);
    assert_int_equal(h.head.height, 12);
    assert_int_equal(h.size, 4096);
    assert_int_equal(h.created_ms, 1767225600000LL);
    assert_int_equal(h.head.head_hash.bytes[0], 1);
    assert_int_equal(h.head.genesis_hash.bytes[31], 2);
    assert_int_equal(h.sha256.bytes[5], 3);
    assert_int_equal(h.header_len, sizeof(good_header) - 1 - 6);
}

static void header_malformed_refused_output_untouched(void **state) {
    (void)state;
    static const char *const from[] = {"height 12", "height 12", "size 4096", "head_hash 01",
                                       "created_ms 1767", "sha256 03", "mintline-backup-v1"};
    static const char *const to[] = {"height 012", "height -1", "size 4o96", "head_hash 0G",
                                     "created_ms x767", "sha256 0A", "mintline-backup-v2"};
    for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
        char text[sizeof(good_header) + 8];
        snprintf(text, sizeof(text), "%s", good_header);
        char *at = strstr(text, from[i]);
        assert_non_null(at);
        memcpy(at, to[i], strlen(to[i]));
        struct store_backup_header h;
        memset(&h, 0x5a, sizeof(h));
        char why[200];
        assert_int_equal(store_backup_parse_header((const uint8_t *)text, strlen(text), &h, why,
                                                   sizeof(why)),
                         ERR_BACKUP_CORRUPT);
        assert_int_equal(h.size, 0x5a5a5a5a5a5a5a5aULL);
    }
}

static void header_cut_short_is_truncated(void **state) {
    (void)state;
    struct store_backup_header h;
    char why[200];
    for (size_t len = 0; len < sizeof(good_header) - 1 - 7; len += 5) {
        assert_int_equal(store_backup_parse_header((const uint8_t *)good_header, len, &h, why, sizeof(why)),
                         ERR_BACKUP_TRUNCATED);
    }
}

/* A backup file of `size` image bytes, its SHA-256 right. */
static void make_backup(struct buf *out, size_t size) {
    struct buf facts;
    buf_init(&facts);
    char line[400];
    snprintf(line, sizeof(line),
             "mintline-backup-v1\nheight 3\nhead_hash %064d\ngenesis_hash %064d\ncreated_ms 1767225600000\n"
             "size %zu\n",
             1, 2, size);
    buf_put(&facts, line, strlen(line));
    uint8_t *image = malloc(size + 1);
    assert_non_null(image);
    for (size_t i = 0; i < size; i++) image[i] = (uint8_t)(i * 131 + 7);
    struct hash_ctx ctx;
    struct hash sha;
    hash_init(&ctx);
    hash_update(&ctx, facts.data, facts.len);
    hash_update(&ctx, image, size);
    hash_final(&ctx, &sha);
    char hex[HASH_HEX_SIZE];
    hash_hex(&sha, hex);
    buf_init(out);
    buf_put(out, facts.data, facts.len);
    snprintf(line, sizeof(line), "sha256 %s\n\n", hex);
    buf_put(out, line, strlen(line));
    buf_put(out, image, size);
    assert_true(buf_ok(out));
    free(image);
    buf_free(&facts);
}

/* The stream check over bytes fed `step` at a time. */
static enum err stream_check(const uint8_t *p, size_t n, size_t step, struct store_backup_header *h) {
    struct store_backup_stream s;
    store_backup_stream_init(&s);
    for (size_t at = 0; at < n; at += step) store_backup_stream_feed(&s, p + at, n - at < step ? n - at : step);
    char why[200];
    return store_backup_stream_finish(&s, h, why, sizeof(why));
}

static void stream_check_agrees_with_the_file_check(void **state) {
    (void)state;
    struct buf b;
    make_backup(&b, 5000);
    const size_t steps[] = {1, 7, 100, 1023, 1024, 1025, 4096, 1u << 20};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct store_backup_header h;
        assert_int_equal(stream_check(b.data, b.len, steps[i], &h), ERR_OK);
        assert_int_equal(h.size, 5000);
        assert_int_equal(h.head.height, 3);
    }
    char path[] = "/tmp/mintline-test-backup-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    close(fd);
    struct store_backup_header fh, sh;
    char why[200];
    assert_int_equal(store_backup_check(path, &fh, why, sizeof(why)), ERR_OK);
    assert_int_equal(stream_check(b.data, b.len, 333, &sh), ERR_OK);
    assert_memory_equal(&fh, &sh, sizeof(fh));
    unlink(path);
    /* cut anywhere: truncated; one byte more: corrupt; any byte changed: refused */
    for (size_t cut = 0; cut < b.len; cut += 97) {
        assert_int_equal(stream_check(b.data, cut, 64, &sh), ERR_BACKUP_TRUNCATED);
    }
    struct buf more;
    buf_init(&more);
    buf_put(&more, b.data, b.len);
    buf_put(&more, "x", 1);
    assert_int_equal(stream_check(more.data, more.len, 512, &sh), ERR_BACKUP_CORRUPT);
    buf_free(&more);
    for (size_t at = 0; at < b.len; at += 211) {
        b.data[at] ^= 0x20;
        enum err err = stream_check(b.data, b.len, 300, &sh);
        assert_true(err == ERR_BACKUP_CORRUPT || err == ERR_BACKUP_TRUNCATED);
        b.data[at] ^= 0x20;
    }
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wire_whole_and_bytewise_same_blocks),
        cmocka_unit_test(wire_cut_anywhere_is_journal_cut),
        cmocka_unit_test(wire_damage_is_malformed),
        cmocka_unit_test(wire_block_skipped_or_nul_in_string_refused),
        cmocka_unit_test(header_parses_documented_form),
        cmocka_unit_test(header_malformed_refused_output_untouched),
        cmocka_unit_test(header_cut_short_is_truncated),
        cmocka_unit_test(stream_check_agrees_with_the_file_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
