/*
 * bench_sqlite.c - benchmark (f), the peer: the same checked transfer done
 * by SQLite itself, in SQL, durably.
 *
 * One file in WAL mode with synchronous=FULL (what mintline's store uses),
 * a table of HOLDERS balances (the same addresses as the other benchmarks,
 * 20-byte BLOB keys, WITHOUT ROWID). Each transfer: read the sender's
 * balance, refuse when it is short, debit it, credit the receiver (insert
 * or update). Measured three ways:
 *   one transaction (one fsync) per transfer;
 *   BATCH transfers per transaction;
 *   raw journal appends (one INSERT of the transfer row, no checks), BATCH
 *   rows per transaction: the floor for "write it down durably".
 * Each runs for a bounded count or time, whichever ends first.
 *
 *   bench_sqlite --db FILE [--holders N] [--batch 8000] [--seconds S] [--tag T]
 * Output: a human line on stderr, "RESULT name value" on stdout; names
 * start with the tag (default "sqlite": sqlite_batch_per_s).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define BS_HOLDERS_DEFAULT 1000000u
#define BS_BATCH_DEFAULT 8000u
#define BS_SECONDS_DEFAULT 3.0
#define BS_BALANCE INT64_C(1000000000) /* 1,000 USDW in base units */
#define BS_AMOUNT INT64_C(1000000)     /* 1 USDW */

struct bs_db {
    sqlite3 *db;
    sqlite3_stmt *get;
    sqlite3_stmt *debit;
    sqlite3_stmt *credit;
    sqlite3_stmt *journal;
    sqlite3_stmt *begin;
    sqlite3_stmt *commit;
};

static void bs_die(sqlite3 *db, const char *what) {
    fprintf(stderr, "bench_sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

static void bs_exec(sqlite3 *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bench_sqlite: %s: %s\n", sql, msg ? msg : "?");
        exit(1);
    }
}

static sqlite3_stmt *bs_prepare(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) bs_die(db, sql);
    return st;
}

static void bs_step_done(sqlite3 *db, sqlite3_stmt *st) {
    if (sqlite3_step(st) != SQLITE_DONE) bs_die(db, sqlite3_sql(st));
    sqlite3_reset(st);
}

static int bs_cmp_addr(const void *a, const void *b) {
    return memcmp(a, b, ADDR_BYTES);
}

/* Create the schema and HOLDERS balances (sorted inserts, one transaction). */
static void bs_fill(struct bs_db *d, uint32_t holders) {
    bs_exec(d->db, "CREATE TABLE balances(addr BLOB PRIMARY KEY, balance INTEGER NOT NULL)"
                   " WITHOUT ROWID;"
                   "CREATE TABLE journal(seq INTEGER PRIMARY KEY, op TEXT NOT NULL,"
                   " source BLOB NOT NULL, target BLOB NOT NULL, amount INTEGER NOT NULL);");
    struct addr *addrs = calloc(holders, sizeof(*addrs));
    if (addrs == NULL) bs_die(NULL, "out of memory");
    for (uint32_t i = 0; i < holders; i++) bench_addr(i, &addrs[i]);
    qsort(addrs, holders, sizeof(*addrs), bs_cmp_addr);
    sqlite3_stmt *ins = bs_prepare(d->db, "INSERT INTO balances(addr,balance) VALUES(?,?)");
    bs_exec(d->db, "BEGIN");
    for (uint32_t i = 0; i < holders; i++) {
        sqlite3_bind_blob(ins, 1, addrs[i].bytes, ADDR_BYTES, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, BS_BALANCE);
        bs_step_done(d->db, ins);
    }
    bs_exec(d->db, "COMMIT");
    sqlite3_finalize(ins);
    free(addrs);
}

static void bs_open(struct bs_db *d, const char *path, uint32_t holders) {
    memset(d, 0, sizeof(*d));
    remove(path);
    if (sqlite3_open(path, &d->db) != SQLITE_OK) bs_die(d->db, path);
    /* A page cache that holds the whole table: mintline keeps its state in
     * memory too, so the peer should not pay for re-reading pages. */
    bs_exec(d->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-262144;");
    double t0 = bench_now_s();
    bs_fill(d, holders);
    fprintf(stderr, "(f) %u balances created in %.2f s\n", holders, bench_now_s() - t0);
    d->get = bs_prepare(d->db, "SELECT balance FROM balances WHERE addr=?1");
    d->debit = bs_prepare(d->db, "UPDATE balances SET balance=balance-?2 WHERE addr=?1");
    d->credit = bs_prepare(d->db, "INSERT INTO balances(addr,balance) VALUES(?1,?2)"
                                  " ON CONFLICT(addr) DO UPDATE"
                                  " SET balance=balance+excluded.balance");
    d->journal = bs_prepare(d->db, "INSERT INTO journal(op,source,target,amount)"
                                   " VALUES('transfer',?1,?2,?3)");
    d->begin = bs_prepare(d->db, "BEGIN IMMEDIATE");
    d->commit = bs_prepare(d->db, "COMMIT");
}

static void bs_close(struct bs_db *d) {
    sqlite3_finalize(d->get);
    sqlite3_finalize(d->debit);
    sqlite3_finalize(d->credit);
    sqlite3_finalize(d->journal);
    sqlite3_finalize(d->begin);
    sqlite3_finalize(d->commit);
    sqlite3_close(d->db);
}

/* One checked transfer inside the open transaction. 0 done, 1 refused. */
static int bs_transfer(struct bs_db *d, const struct addr *from, const struct addr *to,
                       int64_t amount) {
    sqlite3_bind_blob(d->get, 1, from->bytes, ADDR_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(d->get);
    int64_t balance = rc == SQLITE_ROW ? sqlite3_column_int64(d->get, 0) : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) bs_die(d->db, "select");
    sqlite3_reset(d->get);
    if (balance < amount) return 1;
    sqlite3_bind_blob(d->debit, 1, from->bytes, ADDR_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(d->debit, 2, amount);
    bs_step_done(d->db, d->debit);
    sqlite3_bind_blob(d->credit, 1, to->bytes, ADDR_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(d->credit, 2, amount);
    bs_step_done(d->db, d->credit);
    return 0;
}

static void bs_journal(struct bs_db *d, const struct addr *from, const struct addr *to,
                       int64_t amount) {
    sqlite3_bind_blob(d->journal, 1, from->bytes, ADDR_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(d->journal, 2, to->bytes, ADDR_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(d->journal, 3, amount);
    bs_step_done(d->db, d->journal);
}

enum bs_kind { BS_CHECKED, BS_JOURNAL };

/* Run transactions of `per_tx` operations until max_ops or seconds pass. */
static double bs_run(struct bs_db *d, enum bs_kind kind, uint32_t holders, uint32_t per_tx,
                     uint64_t max_ops, double seconds, uint64_t seed, uint64_t *refused) {
    uint64_t rng = seed, ops = 0;
    *refused = 0;
    double t0 = bench_now_s(), t = t0;
    while (ops < max_ops && t - t0 < seconds) {
        bs_step_done(d->db, d->begin);
        for (uint32_t i = 0; i < per_tx; i++) {
            uint32_t f, g;
            bench_rng_pair(&rng, holders, &f, &g);
            struct addr from, to;
            bench_addr(f, &from);
            bench_addr(g, &to);
            if (kind == BS_CHECKED) *refused += (uint64_t)bs_transfer(d, &from, &to, BS_AMOUNT);
            else bs_journal(d, &from, &to, BS_AMOUNT);
        }
        bs_step_done(d->db, d->commit);
        ops += per_tx;
        t = bench_now_s();
    }
    return (double)ops / (t - t0);
}

static uint32_t bs_u32(const char *text) { return (uint32_t)strtoul(text, NULL, 10); }

int main(int argc, char **argv) {
    const char *path = NULL;
    uint32_t holders = BS_HOLDERS_DEFAULT, batch = BS_BATCH_DEFAULT;
    double seconds = BS_SECONDS_DEFAULT;
    const char *tag = "sqlite";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--db") == 0) path = argv[i + 1];
        else if (strcmp(argv[i], "--holders") == 0) holders = bs_u32(argv[i + 1]);
        else if (strcmp(argv[i], "--batch") == 0) batch = bs_u32(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0) seconds = strtod(argv[i + 1], NULL);
        else if (strcmp(argv[i], "--tag") == 0) tag = argv[i + 1];
    }
    if (path == NULL || holders < 2 || batch == 0) {
        fprintf(stderr,
                "usage: bench_sqlite --db FILE [--holders N] [--batch 8000] [--seconds S] [--tag T]\n");
        return 2;
    }
    struct bs_db d;
    bs_open(&d, path, holders);
    uint64_t refused1, refused2, unused;
    double one = bs_run(&d, BS_CHECKED, holders, 1, 20000, seconds, BENCH_SEED ^ 1, &refused1);
    double many =
        bs_run(&d, BS_CHECKED, holders, batch, 4000000, seconds, BENCH_SEED ^ 2, &refused2);
    double raw = bs_run(&d, BS_JOURNAL, holders, batch, 8000000, seconds, BENCH_SEED ^ 3, &unused);
    bs_close(&d);
    fprintf(stderr,
            "(f) SQLite %s, WAL, synchronous=FULL, %u balances: checked transfer %.0f/s one "
            "transaction each, %.0f/s in %u-transfer transactions (refused %llu+%llu); raw "
            "journal appends %.0f rows/s in %u-row transactions\n",
            sqlite3_libversion(), holders, one, many, batch, (unsigned long long)refused1,
            (unsigned long long)refused2, raw, batch);
    printf("RESULT %s_one_per_s %.0f\n", tag, one);
    printf("RESULT %s_batch_per_s %.0f\n", tag, many);
    printf("RESULT %s_journal_rows_per_s %.0f\n", tag, raw);
    printf("RESULT %s_version %s\n", tag, sqlite3_libversion());
    return 0;
}
