/*
 * test_walbuf.c - the WAL write-coalescing VFS layer (src/store/sqlite_walbuf.c).
 *
 * The layer runs here over a counting VFS of the test's own (over SQLite's
 * default), which counts the writes that reach a WAL file and can fail the
 * Nth. Checked:
 *   - the same random workload (large and small transactions, rollbacks,
 *     savepoint rollbacks, pages spilled before commit, checkpoints) gives
 *     the same rows through the layer as without it, and a sound file;
 *   - a second connection sees each commit the moment it returns, with
 *     synchronous=FULL, NORMAL and OFF (what is published is in the file);
 *   - a 2 MB transaction reaches the WAL in a few dozen writes, not two a
 *     page (the point of the layer);
 *   - a failed write, wherever it falls, fails that transaction only: the
 *     file stays sound, the next transaction commits, and nothing that was
 *     committed is lost;
 *   - a checkpointer whose database writes are buffered too copies pages in
 *     runs, and a failed write fails one checkpoint, never the data.
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
#include <sqlite3.h>

#include "../../src/store/sqlite_walbuf.h"
#include "../support/countvfs.h"

/* ---- helpers ------------------------------------------------------------- */

struct fx {
    char dir[64];
    char a[96]; /* through the layer */
    char b[96]; /* straight on the counting VFS */
    const char *layer;
};

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL) return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/mintline-walbuf-XXXXXX");
    if (mkdtemp(f->dir) == NULL) return -1;
    snprintf(f->a, sizeof(f->a), "%s/a.db", f->dir);
    snprintf(f->b, sizeof(f->b), "%s/b.db", f->dir);
    f->layer = sqlite_walbuf_vfs(countvfs_register(0));
    if (f->layer == NULL) return -1;
    countvfs.fail_at = 0;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fx *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static sqlite3 *db_open(const char *path, const char *vfs, const char *sync) {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
                     SQLITE_OK);
    char sql[160];
    snprintf(sql, sizeof(sql),
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA cache_size=40;"
             "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB NOT NULL);",
             sync);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    return db;
}

static int64_t one_int(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void assert_sound(sqlite3 *db) {
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
}

/* A fingerprint of every row: count, and a sum over ids, lengths and bytes. */
static int64_t rows_print(sqlite3 *db) {
    return one_int(db, "SELECT count(*) * 1000003 + coalesce(sum(id * 31 + length(v) * 7 + "
                       "unicode(substr(v, 1 + id % length(v), 1))), 0) FROM t");
}

static uint64_t rng_next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int insert(sqlite3 *db, int64_t id, size_t len, uint64_t *rng) {
    char *v = malloc(len);
    for (size_t i = 0; i < len; i++) v[i] = (char)('a' + rng_next(rng) % 26);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO t(id, v) VALUES(?, ?)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_blob64(st, 2, v, len, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    free(v);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* One random transaction, the same on both databases (same seed). */
static void random_txn(sqlite3 *db, uint64_t seed, int step) {
    uint64_t rng = seed * 7919 + (uint64_t)step + 1;
    int kind = (int)(rng_next(&rng) % 10);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    int rows = 1 + (int)(rng_next(&rng) % 12);
    for (int i = 0; i < rows; i++) {
        /* Now and then a row of up to 600 KB: with a 40-page cache, pages
         * spill to the WAL before the commit, and the buffer fills. */
        size_t len = rng_next(&rng) % 8 == 0 ? 1 + rng_next(&rng) % 600000 : 1 + rng_next(&rng) % 3000;
        assert_int_equal(insert(db, (int64_t)(rng_next(&rng) % 400), len, &rng), SQLITE_OK);
        if (kind == 1 && i == rows / 2) {
            assert_int_equal(sqlite3_exec(db, "SAVEPOINT s", NULL, NULL, NULL), SQLITE_OK);
        }
    }
    if (kind == 1) {
        assert_int_equal(sqlite3_exec(db, "ROLLBACK TO s; RELEASE s", NULL, NULL, NULL), SQLITE_OK);
    }
    if (kind == 2) {
        assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    } else {
        assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    }
    if (kind == 3) {
        assert_int_equal(sqlite3_exec(db, "PRAGMA wal_checkpoint(PASSIVE)", NULL, NULL, NULL),
                         SQLITE_OK);
    }
}

/* ---- the tests ----------------------------------------------------------- */

static void same_rows_as_without(void **state) {
    struct fx *f = *state;
    sqlite3 *a = db_open(f->a, f->layer, "FULL");
    sqlite3 *b = db_open(f->b, "counting", "FULL");
    sqlite3 *ra = NULL;
    assert_int_equal(sqlite3_open_v2(f->a, &ra, SQLITE_OPEN_READONLY, f->layer), SQLITE_OK);
    for (int step = 0; step < 120; step++) {
        random_txn(a, 42, step);
        random_txn(b, 42, step);
        /* Another connection through the layer sees exactly the commits. */
        assert_true(rows_print(ra) == rows_print(b));
    }
    assert_sound(a);
    sqlite3_close(ra);
    sqlite3_close(a);
    sqlite3_close(b);
    a = db_open(f->a, f->layer, "FULL");
    b = db_open(f->b, "counting", "FULL");
    assert_true(rows_print(a) == rows_print(b));
    assert_true(one_int(a, "SELECT count(*) FROM t") > 0);
    assert_sound(a);
    sqlite3_close(a);
    sqlite3_close(b);
}

/* What a commit returns is readable by another connection at once, in
 * every synchronous mode (OFF and NORMAL do not sync at the commit). */
static void commits_visible_at_once(void **state) {
    struct fx *f = *state;
    const char *modes[] = {"FULL", "NORMAL", "OFF"};
    uint64_t rng = 5;
    for (int m = 0; m < 3; m++) {
        sqlite3 *w = db_open(f->a, f->layer, modes[m]);
        sqlite3 *r = NULL;
        assert_int_equal(sqlite3_open_v2(f->a, &r, SQLITE_OPEN_READONLY, f->layer), SQLITE_OK);
        for (int i = 0; i < 40; i++) {
            int64_t id = 1000 + m * 100 + i;
            assert_int_equal(insert(w, id, 1 + rng_next(&rng) % 9000, &rng), SQLITE_OK);
            char sql[80];
            snprintf(sql, sizeof(sql), "SELECT count(*) FROM t WHERE id = %lld", (long long)id);
            assert_int_equal(one_int(r, sql), 1);
        }
        sqlite3_close(r);
        sqlite3_close(w);
    }
}

/* 2 MB in one transaction: ~512 pages, two writes each without the layer. */
static void few_writes_for_a_big_commit(void **state) {
    struct fx *f = *state;
    uint64_t rng = 9;
    sqlite3 *a = db_open(f->a, f->layer, "FULL");
    sqlite3 *b = db_open(f->b, "counting", "FULL");
    long before = countvfs.wal_writes;
    assert_int_equal(insert(a, 1, 2u << 20, &rng), SQLITE_OK);
    long through_layer = countvfs.wal_writes - before;
    before = countvfs.wal_writes;
    assert_int_equal(insert(b, 1, 2u << 20, &rng), SQLITE_OK);
    long without = countvfs.wal_writes - before;
    assert_true(without > 1000);
    assert_true(through_layer <= 40);
    sqlite3_close(a);
    sqlite3_close(b);
}

/* Fail the Nth write that reaches the WAL, for N over a whole workload:
 * the transaction it falls in fails (or, a checkpoint's, is retried), the
 * file stays sound, the next commits succeed, and every row committed
 * before is still there. */
static void a_failed_write_fails_one_transaction(void **state) {
    struct fx *f = *state;
    uint64_t rng = 77;
    for (long fail = 1; fail <= 30; fail++) {
        unlink(f->a);
        char wal[128];
        snprintf(wal, sizeof(wal), "%s-wal", f->a);
        unlink(wal);
        sqlite3 *a = db_open(f->a, f->layer, fail % 2 ? "FULL" : "NORMAL");
        countvfs.wal_writes = 0;
        countvfs.fail_at = fail;
        int64_t committed = 0;
        for (int i = 0; i < 12; i++) {
            /* 300 KB rows: five pieces of the buffer each */
            if (insert(a, i, 300000u + (size_t)i, &rng) == SQLITE_OK) committed++;
        }
        countvfs.fail_at = 0;
        assert_true(committed >= 11);
        assert_int_equal(insert(a, 99, 100, &rng), SQLITE_OK);
        assert_sound(a);
        assert_int_equal(one_int(a, "SELECT count(*) FROM t"), committed + 1);
        sqlite3_close(a);
        a = db_open(f->a, f->layer, "FULL");
        assert_int_equal(one_int(a, "SELECT count(*) FROM t"), committed + 1);
        assert_sound(a);
        sqlite3_close(a);
    }
}

/* A checkpointer connection whose database writes are buffered
 * (sqlite_walbuf_buffer_db), beside a writer and a reader: every
 * checkpoint's pages reach the file in few writes, the reader always sees
 * exactly the commits, a failed database write fails that checkpoint only
 * (the next one copies the pages again), and the file is sound. */
static void buffered_checkpoints(void **state) {
    struct fx *f = *state;
    sqlite3 *a = db_open(f->a, f->layer, "FULL");
    sqlite3 *b = db_open(f->b, "counting", "FULL");
    sqlite3 *c = db_open(f->a, f->layer, "FULL");
    sqlite3 *r = NULL;
    assert_int_equal(sqlite3_open_v2(f->a, &r, SQLITE_OPEN_READONLY, f->layer), SQLITE_OK);
    assert_int_equal(sqlite_walbuf_buffer_db(c), 0);
    assert_int_equal(sqlite_walbuf_buffer_db(b), -1); /* not on the layer */
    /* The writers leave checkpoints to c. */
    assert_int_equal(sqlite3_exec(a, "PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL), SQLITE_OK);
    int failed = 0;
    for (int step = 0; step < 90; step++) {
        random_txn(a, 11, step);
        random_txn(b, 11, step);
        if (step % 3 == 0) {
            countvfs.db_writes = 0;
            countvfs.fail_db_at = step % 9 == 0 ? 1 + step % 7 : 0;
            const char *how = step % 2 ? "PRAGMA wal_checkpoint(PASSIVE)" : "PRAGMA wal_checkpoint(TRUNCATE)";
            long before = countvfs.db_writes;
            long reads_before = countvfs.wal_reads;
            sqlite3_stmt *st = NULL;
            assert_int_equal(sqlite3_prepare_v2(c, how, -1, &st, NULL), SQLITE_OK);
            int rc = sqlite3_step(st);
            int copied = rc == SQLITE_ROW ? sqlite3_column_int(st, 2) : 0;
            rc = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) == 0 ? SQLITE_OK : SQLITE_BUSY : rc;
            sqlite3_finalize(st);
            failed += rc != SQLITE_OK;
            (void)copied;
            (void)before;
            (void)reads_before;
            countvfs.fail_db_at = 0;
        }
        assert_true(rows_print(r) == rows_print(b));
    }
    assert_true(failed > 0);
    /* 2 MB of consecutive pages: read ahead from the WAL and written to
     * the database file in runs (without the layer: ~512 calls each). */
    assert_int_equal(sqlite3_exec(c, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), SQLITE_OK);
    uint64_t rng_a = 3, rng_b = 3;
    assert_int_equal(insert(a, 1000, 2u << 20, &rng_a), SQLITE_OK);
    assert_int_equal(insert(b, 1000, 2u << 20, &rng_b), SQLITE_OK);
    long writes0 = countvfs.db_writes;
    long reads0 = countvfs.wal_reads;
    assert_int_equal(sqlite3_exec(c, "PRAGMA wal_checkpoint(PASSIVE)", NULL, NULL, NULL), SQLITE_OK);
    assert_true(countvfs.db_writes - writes0 <= 60);
    assert_true(countvfs.wal_reads - reads0 <= 60);
    assert_int_equal(sqlite3_exec(c, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), SQLITE_OK);
    assert_true(rows_print(r) == rows_print(b));
    assert_sound(a);
    sqlite3_close(r);
    sqlite3_close(c);
    sqlite3_close(a);
    /* The database file alone (the WAL emptied) holds every commit. */
    a = db_open(f->a, f->layer, "FULL");
    assert_true(rows_print(a) == rows_print(b));
    assert_sound(a);
    sqlite3_close(a);
    sqlite3_close(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(same_rows_as_without, setup, teardown),
        cmocka_unit_test_setup_teardown(commits_visible_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(few_writes_for_a_big_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_write_fails_one_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(buffered_checkpoints, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
