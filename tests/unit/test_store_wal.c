/*
 * test_store_wal.c - the SQLite store's WAL beside its writers: the
 * checkpointer thread and the snapshot writer's turns (store_sqlite.c).
 *
 * Steady commits of ~64 KB blocks take the WAL past the checkpoint mark
 * many times over: the WAL must start over from its head (the file stays
 * far smaller than everything written through it), which a checkpointer
 * that lagged a few frames behind every commit never let happen. Three
 * snapshots written on a thread while blocks commit: every block reads
 * back, the newest snapshot is whole, and the chunks of the oldest (no
 * row names it any more) are gone, the two newest kept.
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
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "../../src/store/store.h"
#include "../support/countvfs.h"

/* Blocks of BODY_BYTES each: 16 WAL pages of 4 KiB a commit. */
#define BODY_BYTES (64u << 10)
#define BLOCKS 1000u
#define SNAP_BYTES ((size_t)1 << 20)

struct fixture {
    char dir[64];
    char path[96];
    struct store *s;
    uint8_t *body;
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof(*f));
    if (f == NULL) return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/mintline-wal-XXXXXX");
    if (mkdtemp(f->dir) == NULL) return -1;
    snprintf(f->path, sizeof(f->path), "%s/mintline.db", f->dir);
    f->body = malloc(BODY_BYTES);
    if (f->body == NULL || store_open(f->dir, 1, &f->s) != ERR_OK) return -1;
    struct store_block b0;
    memset(&b0, 0, sizeof(b0));
    if (f->s->ops->write_genesis(f->s, "{}", 2, "{}", 2, &b0) != ERR_OK) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    if (f->s) f->s->ops->close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", f->dir);
    free(f->body);
    free(f);
    return 0;
}

/* Block h with one request whose body is BODY_BYTES of bytes that vary
 * with h (so no two pages are alike). */
static enum err commit(struct fixture *f, uint64_t h) {
    for (size_t i = 0; i < BODY_BYTES; i++) f->body[i] = (uint8_t)(h * 31u + i * 7u);
    uint8_t results[2] = {0, 0};
    struct store_request r;
    memset(&r, 0, sizeof(r));
    r.first_seq = h;
    r.commands_count = 1;
    r.operator_name = "alice";
    r.nonce = "n";
    r.signature = "s";
    r.method = "POST";
    r.path = "/api/commands";
    r.body = f->body;
    r.body_len = BODY_BYTES;
    r.results = results;
    r.results_len = sizeof(results);
    r.commands = f->body;
    r.commands_len = 16;
    struct store_block b;
    memset(&b, 0, sizeof(b));
    b.height = h;
    b.first_seq = h;
    b.commands_count = 1;
    b.requests_count = 1;
    return f->s->ops->append_block(f->s, &b, &r, 1);
}

static long long wal_size(const struct fixture *f) {
    char wal[128];
    snprintf(wal, sizeof(wal), "%s-wal", f->path);
    struct stat st;
    return stat(wal, &st) == 0 ? (long long)st.st_size : -1;
}

static void the_wal_starts_over_under_steady_commits(void **state) {
    struct fixture *f = *state;
    for (uint64_t h = 1; h <= BLOCKS; h++) assert_int_equal(commit(f, h), ERR_OK);
    long long through = (long long)BLOCKS * BODY_BYTES; /* at least this went through it */
    long long size = wal_size(f);
    assert_true(size > 0);
    assert_true(size < through / 2);
    struct store_block head;
    assert_int_equal(f->s->ops->head(f->s, &head), ERR_OK);
    assert_int_equal(head.height, BLOCKS);
}

struct snapper {
    struct store *s;
    uint8_t *data[3];
    enum err err;
};

static void *snap_main(void *arg) {
    struct snapper *sn = arg;
    for (uint64_t h = 1; h <= 3 && !sn->err; h++) {
        sn->err = sn->s->ops->write_snapshot(sn->s, h * 10, sn->data[h - 1], SNAP_BYTES);
    }
    return NULL;
}

static int chunk_heights(const char *path, int64_t out[4]) {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT DISTINCT height FROM snapshot_chunks ORDER BY height", -1,
                           &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW && n < 4) out[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void snapshots_beside_commits_are_whole_and_old_chunks_go(void **state) {
    struct fixture *f = *state;
    struct snapper sn = {.s = f->s, .err = ERR_OK};
    for (int k = 0; k < 3; k++) {
        sn.data[k] = malloc(SNAP_BYTES);
        assert_non_null(sn.data[k]);
        for (size_t i = 0; i < SNAP_BYTES; i++) sn.data[k][i] = (uint8_t)(i * 13u + (size_t)k * 101u);
    }
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, snap_main, &sn), 0);
    for (uint64_t h = 1; h <= 60; h++) assert_int_equal(commit(f, h), ERR_OK);
    pthread_join(th, NULL);
    assert_int_equal(sn.err, ERR_OK);

    uint64_t height = 0;
    uint8_t *got = NULL;
    size_t len = 0;
    assert_int_equal(f->s->ops->latest_snapshot(f->s, &height, &got, &len), ERR_OK);
    assert_int_equal(height, 30);
    assert_int_equal(len, SNAP_BYTES);
    assert_memory_equal(got, sn.data[2], SNAP_BYTES);
    free(got);
    int64_t heights[4];
    assert_int_equal(chunk_heights(f->path, heights), 2);
    assert_int_equal(heights[0], 20);
    assert_int_equal(heights[1], 30);
    struct store_block head;
    assert_int_equal(f->s->ops->head(f->s, &head), ERR_OK);
    assert_int_equal(head.height, 60);
    for (int k = 0; k < 3; k++) free(sn.data[k]);
}

/* The checkpointer's fsync failing (here: of the database file, which only
 * checkpoints sync in WAL mode) marks the store as a snapshot writer's
 * does: no block is acknowledged after it, until the store is opened
 * again. The store runs on the default VFS (a checkpointer starts only
 * there), which is the counting one for this test. */
static void a_failed_checkpoint_fsync_stops_acknowledgements(void **state) {
    (void)state;
    countvfs_register(1);
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/mintline-wal-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/mintline.db", f->dir);
    f->body = malloc(BODY_BYTES);
    assert_non_null(f->body);
    assert_int_equal(store_open(f->dir, 1, &f->s), ERR_OK);
    struct store_block b0;
    memset(&b0, 0, sizeof(b0));
    assert_int_equal(f->s->ops->write_genesis(f->s, "{}", 2, "{}", 2, &b0), ERR_OK);
    __atomic_store_n(&countvfs.fail_db_sync, 1, __ATOMIC_SEQ_CST);
    /* 16 pages a block: the checkpointer wakes past 4,000, and fails */
    uint64_t acked = 0;
    enum err err = ERR_OK;
    for (uint64_t h = 1; h <= 3 * BLOCKS && !err; h++) {
        err = commit(f, h);
        if (!err) acked = h;
    }
    assert_int_equal(err, ERR_STORE_IO);
    assert_true(acked > 0);
    assert_int_equal(commit(f, acked + 2), ERR_STORE_IO); /* and stays so */
    __atomic_store_n(&countvfs.fail_db_sync, 0, __ATOMIC_SEQ_CST);
    f->s->ops->close(f->s);
    countvfs_restore_default();
    /* Opened again: what was acknowledged is there, and blocks commit. */
    assert_int_equal(store_open(f->dir, 0, &f->s), ERR_OK);
    struct store_block head;
    assert_int_equal(f->s->ops->head(f->s, &head), ERR_OK);
    assert_true(head.height >= acked);
    assert_int_equal(commit(f, head.height + 1), ERR_OK);
    void *fs = f;
    assert_int_equal(teardown(&fs), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_wal_starts_over_under_steady_commits, setup, teardown),
        cmocka_unit_test(a_failed_checkpoint_fsync_stops_acknowledgements),
        cmocka_unit_test_setup_teardown(snapshots_beside_commits_are_whole_and_old_chunks_go, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
