/*
 * test_store_readers.c - reads of a journal beside its writer: backups
 * while a writer commits (store/store_copy.h's file held still,
 * store/store_backup.h), and long scans beside the read API's short reads
 * (store/store.h).
 *
 * A writer thread appends one block per transaction to a WAL journal the
 * whole time. Each backup made meanwhile must be the journal as of one
 * commit: its header's height is its last block, the head hash that
 * block's, every block 0..height there and none after, and the file
 * passes store_backup_check. While the file is held, the writer is not
 * stopped and the held bytes do not change. A reader elsewhere holding an
 * older snapshot keeps the file from being held (store_copy_freeze says
 * so and the backup takes SQLite's backup API instead): the backup is
 * still exact. A scan of the SQLite store runs on a connection of its own:
 * a short read (the head) answers while a scan is stopped mid-way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "../../src/store/store_backup.h"
#include "../../src/store/store.h"
#include "../../src/store/store_copy.h"

struct writer {
    const char *path;
    pthread_t thread;
    volatile int stop;
    volatile uint64_t height; /* last committed */
    int failed;
};

static void fake_block_hash(uint64_t h, uint8_t out[32]) {
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)((h * 131u + (uint64_t)i * 7u) & 0xffu);
}

static int put_block(sqlite3 *db, uint64_t h) {
    sqlite3_stmt *st = NULL;
    uint8_t hash[32], prev[32];
    fake_block_hash(h, hash);
    fake_block_hash(h ? h - 1 : 0, prev);
    /* Some bulk per block so that the WAL spans many pages. */
    static uint8_t bulk[1500];
    memset(bulk, (int)(h & 0xff), sizeof(bulk));
    int rc = sqlite3_prepare_v2(db,
                                "INSERT INTO blocks (height,time_ns,prev_hash,hash,state_hash,"
                                "first_seq,commands,requests,first_event_seq,events_count,events) "
                                "VALUES (?,?,?,?,?,0,0,0,0,0,?)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)h);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)h * 1000);
        sqlite3_bind_blob(st, 3, prev, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 4, hash, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 5, hash, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 6, bulk, sizeof(bulk), SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static sqlite3 *open_journal(const char *path) {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    return db;
}

static void make_journal(const char *path, uint64_t blocks) {
    unlink(path);
    sqlite3 *db = open_journal(path);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                  "CREATE TABLE blocks (height INTEGER PRIMARY KEY, time_ns INTEGER,"
                                  " prev_hash BLOB, hash BLOB, state_hash BLOB, first_seq INTEGER,"
                                  " commands INTEGER, requests INTEGER, first_event_seq INTEGER,"
                                  " events_count INTEGER, events BLOB);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    for (uint64_t h = 0; h < blocks; h++) assert_int_equal(put_block(db, h), 0);
    sqlite3_close(db);
}

static void *writer_run(void *arg) {
    struct writer *w = arg;
    sqlite3 *db = NULL;
    if (sqlite3_open(w->path, &db) != SQLITE_OK) {
        w->failed = 1;
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    uint64_t h = w->height + 1;
    while (!w->stop) {
        if (put_block(db, h) != 0) {
            w->failed = 1;
            break;
        }
        w->height = h++;
        usleep(200);
    }
    sqlite3_close(db);
    return NULL;
}

/* The image inside a checked backup file is the journal up to its
 * header's height, exactly. */
static void check_backup(const char *file, const char *img) {
    struct store_backup_header h;
    char why[300];
    assert_int_equal(store_backup_check(file, &h, why, sizeof(why)), ERR_OK);
    unlink(img);
    assert_int_equal(store_backup_extract(file, &h, img, why, sizeof(why)), ERR_OK);
    sqlite3 *db = open_journal(img);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), max(height), min(height) FROM blocks",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal((uint64_t)sqlite3_column_int64(st, 0), h.head.height + 1);
    assert_int_equal((uint64_t)sqlite3_column_int64(st, 1), h.head.height);
    assert_int_equal(sqlite3_column_int64(st, 2), 0);
    sqlite3_finalize(st);
    uint8_t want[32];
    fake_block_hash(h.head.height, want);
    assert_memory_equal(h.head.head_hash.bytes, want, 32);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
    unlink(img);
}

struct paths {
    char dir[64], db[96], file[96], img[96];
};

static void paths_make(struct paths *p) {
    snprintf(p->dir, sizeof(p->dir), "/tmp/mintline-bkcopy-%d", (int)getpid());
    assert_true(mkdir(p->dir, 0700) == 0 || access(p->dir, F_OK) == 0);
    snprintf(p->db, sizeof(p->db), "%s/journal.db", p->dir);
    snprintf(p->file, sizeof(p->file), "%s/b.backup", p->dir);
    snprintf(p->img, sizeof(p->img), "%s/img.db", p->dir);
}

static void paths_remove(const struct paths *p) {
    char side[128];
    unlink(p->db);
    snprintf(side, sizeof(side), "%s-wal", p->db);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", p->db);
    unlink(side);
    unlink(p->file);
    unlink(p->img);
    rmdir(p->dir);
}

static void backups_while_a_writer_commits_are_one_commit(void **state) {
    (void)state;
    struct paths p;
    paths_make(&p);
    make_journal(p.db, 50);
    struct writer w = {.path = p.db, .height = 49};
    assert_int_equal(pthread_create(&w.thread, NULL, writer_run, &w), 0);
    uint64_t last = 0;
    int held = 0;
    for (int i = 0; i < 8; i++) {
        uint64_t before = w.height;
        struct store_backup_header h;
        char why[300];
        assert_int_equal(store_backup_make(p.db, p.file, 1, &h, why, sizeof(why)), ERR_OK);
        /* the file is held (not the fallback) while the writer runs */
        struct store_frozen *f = NULL;
        struct store_copy_head fh;
        assert_int_equal(store_copy_freeze(p.db, &f, &fh), ERR_OK);
        held += f != NULL;
        if (f) assert_true(fh.height >= h.head.height);
        store_copy_thaw(f);
        /* every block committed before the backup began is in it */
        assert_true(h.head.height >= before);
        assert_true(h.head.height >= last);
        last = h.head.height;
        check_backup(p.file, p.img);
        unlink(p.file);
    }
    w.stop = 1;
    pthread_join(w.thread, NULL);
    assert_false(w.failed);
    assert_true(w.height > last); /* the writer went on meanwhile */
    assert_true(held > 0);
    paths_remove(&p);
}

static void held_file_keeps_still_while_the_writer_goes_on(void **state) {
    (void)state;
    struct paths p;
    paths_make(&p);
    make_journal(p.db, 30);
    struct store_frozen *f = NULL;
    struct store_copy_head head;
    assert_int_equal(store_copy_freeze(p.db, &f, &head), ERR_OK);
    assert_non_null(f);
    assert_int_equal(head.height, 29);
    uint64_t size = store_copy_frozen_size(f);
    uint8_t *a = malloc(size), *b = malloc(size);
    assert_int_equal(store_copy_frozen_read(f, a, size, 0), ERR_OK);
    assert_int_not_equal(store_copy_frozen_read(f, a, 1, size), ERR_OK); /* past the end */
    /* The writer is not stopped; its automatic checkpoints cannot write
     * into the held file. */
    sqlite3 *db = open_journal(p.db);
    sqlite3_exec(db, "PRAGMA wal_autocheckpoint=1", NULL, NULL, NULL);
    for (uint64_t h = 30; h < 200; h++) assert_int_equal(put_block(db, h), 0);
    int log = 0, done = 0;
    sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    assert_true(done < log);
    assert_int_equal(store_copy_frozen_read(f, b, size, 0), ERR_OK);
    assert_memory_equal(a, b, size);
    store_copy_thaw(f);
    /* Let go: the checkpoint completes. */
    assert_int_equal(sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done),
                     SQLITE_OK);
    assert_int_equal(done, log);
    sqlite3_close(db);
    free(a);
    free(b);
    paths_remove(&p);
}

static void old_reader_elsewhere_means_the_backup_api(void **state) {
    (void)state;
    struct paths p;
    paths_make(&p);
    make_journal(p.db, 20);
    /* A reader on block 19's snapshot, then more blocks in the WAL. */
    sqlite3 *old = open_journal(p.db);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_exec(old, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(old, "SELECT max(height) FROM blocks", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), 19);
    sqlite3_finalize(st);
    sqlite3 *db = open_journal(p.db);
    for (uint64_t h = 20; h < 60; h++) assert_int_equal(put_block(db, h), 0);
    struct store_frozen *f = (struct store_frozen *)&p; /* must be overwritten */
    struct store_copy_head head;
    assert_int_equal(store_copy_freeze(p.db, &f, &head), ERR_OK);
    assert_null(f);
    struct store_backup_header h;
    char why[300];
    assert_int_equal(store_backup_make(p.db, p.file, 1, &h, why, sizeof(why)), ERR_OK);
    assert_int_equal(h.head.height, 59);
    check_backup(p.file, p.img);
    sqlite3_exec(old, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(old);
    sqlite3_close(db);
    /* Not a journal at all. */
    struct store_frozen *none = NULL;
    assert_int_equal(store_copy_freeze("/nonexistent/journal.db", &none, &head), ERR_NO_LEDGER);
    assert_null(none);
    paths_remove(&p);
}

struct stalled_scan {
    struct store *s;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int in_scan;   /* the scan's callback is running */
    int read_done; /* the short read answered */
    int timed_out; /* the callback gave up waiting */
    uint64_t blocks;
};

static int stalled_block(void *ctx, const struct store_block *b, const struct store_request *r,
                         uint32_t n) {
    (void)r;
    (void)n;
    (void)b;
    struct stalled_scan *st = ctx;
    pthread_mutex_lock(&st->mu);
    st->blocks++;
    if (st->blocks == 1) {
        st->in_scan = 1;
        pthread_cond_broadcast(&st->cv);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 20;
        while (!st->read_done && !st->timed_out) {
            if (pthread_cond_timedwait(&st->cv, &st->mu, &until) != 0) st->timed_out = 1;
        }
    }
    pthread_mutex_unlock(&st->mu);
    return 0;
}

static void *stalled_run(void *arg) {
    struct stalled_scan *st = arg;
    if (st->s->ops->scan_blocks(st->s, 1, 1, stalled_block, st) != ERR_OK) st->timed_out = 1;
    return NULL;
}

static void test_block(uint64_t h, struct store_block *b) {
    memset(b, 0, sizeof(*b));
    b->height = h;
    b->time_ns = (int64_t)h * 1000;
    fake_block_hash(h, b->hash.bytes);
    if (h) fake_block_hash(h - 1, b->prev_hash.bytes);
    b->events = (const uint8_t *)"";
}

static void a_short_read_answers_while_a_scan_is_stopped(void **state) {
    (void)state;
    struct paths p;
    paths_make(&p);
    struct store *s = NULL;
    assert_int_equal(store_open(p.dir, 1, &s), ERR_OK);
    struct store_block b;
    test_block(0, &b);
    assert_int_equal(s->ops->write_genesis(s, "g: 1\n", 5, "{\"g\":1}", 7, &b), ERR_OK);
    for (uint64_t h = 1; h <= 5; h++) {
        test_block(h, &b);
        assert_int_equal(s->ops->append_block(s, &b, NULL, 0), ERR_OK);
    }
    struct stalled_scan st = {.s = s};
    pthread_mutex_init(&st.mu, NULL);
    pthread_cond_init(&st.cv, NULL);
    pthread_t scan;
    assert_int_equal(pthread_create(&scan, NULL, stalled_run, &st), 0);
    pthread_mutex_lock(&st.mu);
    while (!st.in_scan && !st.timed_out) pthread_cond_wait(&st.cv, &st.mu);
    pthread_mutex_unlock(&st.mu);
    /* The scan is stopped inside its first block: the head still answers. */
    struct store_block head;
    assert_int_equal(s->ops->head(s, &head), ERR_OK);
    assert_int_equal(head.height, 5);
    pthread_mutex_lock(&st.mu);
    st.read_done = 1;
    pthread_cond_broadcast(&st.cv);
    pthread_mutex_unlock(&st.mu);
    pthread_join(scan, NULL);
    assert_false(st.timed_out);
    assert_int_equal(st.blocks, 5);
    s->ops->close(s);
    snprintf(p.db, sizeof(p.db), "%s/mintline.db", p.dir);
    paths_remove(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(backups_while_a_writer_commits_are_one_commit),
        cmocka_unit_test(held_file_keeps_still_while_the_writer_goes_on),
        cmocka_unit_test(old_reader_elsewhere_means_the_backup_api),
        cmocka_unit_test(a_short_read_answers_while_a_scan_is_stopped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
