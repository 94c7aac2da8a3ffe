/*
 * bench_pg.c - the PostgreSQL peer (issue 15): the same checked transfer as
 * bench_sqlite.c, done by PostgreSQL itself through libpq, durably.
 *
 * A table of HOLDERS balances on the server at --url (the same addresses as
 * the other benchmarks, 20-byte bytea keys), PostgreSQL's durable defaults
 * (fsync, synchronous_commit on: tests/support/pg.py leaves them so). Each
 * transfer, as in bench_sqlite: read the sender's balance, refuse when it is
 * short, debit it, credit the receiver (insert or update): three prepared
 * statements with binary parameters, each one round trip on the connection.
 * Measured two ways:
 *   one transaction (one WAL flush) per transfer;
 *   BATCH transfers per transaction.
 * Each runs for a bounded count or time, whichever ends first. The table is
 * dropped and filled again (COPY) at the start.
 *
 *   bench_pg --url postgres://... [--holders N] [--batch 8000] [--seconds S] [--tag T]
 * Output: a human line on stderr, "RESULT name value" on stdout; names
 * start with the tag (default "pgpeer": pgpeer_batch_per_s).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define BP_HOLDERS_DEFAULT 1000000u
#define BP_BATCH_DEFAULT 8000u
#define BP_SECONDS_DEFAULT 3.0
#define BP_BALANCE INT64_C(1000000000) /* 1,000 USDW in base units */
#define BP_AMOUNT INT64_C(1000000)     /* 1 USDW */

static void bp_die(PGconn *db, const char *what) {
    fprintf(stderr, "bench_pg: %s: %s\n", what, db ? PQerrorMessage(db) : "?");
    PQfinish(db);
    exit(1);
}

/* Run sql (no parameters); dies unless the result has the status wanted. */
static void bp_exec(PGconn *db, const char *sql, ExecStatusType want) {
    PGresult *r = PQexec(db, sql);
    if (PQresultStatus(r) != want) {
        PQclear(r);
        bp_die(db, sql);
    }
    PQclear(r);
}

static void bp_prepare(PGconn *db, const char *name, const char *sql, int n_params) {
    PGresult *r = PQprepare(db, name, sql, n_params, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        PQclear(r);
        bp_die(db, sql);
    }
    PQclear(r);
}

/* Network byte order, as PostgreSQL's binary int8 is. */
static void bp_be64(int64_t v, unsigned char out[8]) {
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char)(u & 0xff);
        u >>= 8;
    }
}

static int64_t bp_from_be64(const unsigned char *in) {
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = (u << 8) | in[i];
    return (int64_t)u;
}

/* Execute a prepared statement with (addr, amount) or (addr) as binary
 * parameters; returns the result (the caller checks and clears it). */
static PGresult *bp_run(PGconn *db, const char *name, const struct addr *a, int64_t amount,
                        int n_params) {
    unsigned char amount_be[8];
    bp_be64(amount, amount_be);
    const char *values[2] = {(const char *)a->bytes, (const char *)amount_be};
    const int lengths[2] = {ADDR_BYTES, 8};
    const int formats[2] = {1, 1};
    return PQexecPrepared(db, name, n_params, values, lengths, formats, 1);
}

static void bp_run_ok(PGconn *db, const char *name, const struct addr *a, int64_t amount) {
    PGresult *r = bp_run(db, name, a, amount, 2);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        PQclear(r);
        bp_die(db, name);
    }
    PQclear(r);
}

/* One COPY row in text format: the address as bytea hex, the balance. */
static void bp_copy_row(PGconn *db, const struct addr *a) {
    char line[2 * ADDR_BYTES + 48];
    int n = snprintf(line, sizeof(line), "\\\\x");
    for (unsigned k = 0; k < ADDR_BYTES; k++) {
        n += snprintf(line + n, sizeof(line) - (size_t)n, "%02x", a->bytes[k]);
    }
    n += snprintf(line + n, sizeof(line) - (size_t)n, "\t%lld\n", (long long)BP_BALANCE);
    if (PQputCopyData(db, line, n) != 1) bp_die(db, "COPY row");
}

/* Create the table and HOLDERS balances (one COPY, then the key). */
static void bp_fill(PGconn *db, uint32_t holders) {
    bp_exec(db, "DROP TABLE IF EXISTS balances", PGRES_COMMAND_OK);
    bp_exec(db, "CREATE TABLE balances(addr bytea NOT NULL, balance bigint NOT NULL)",
            PGRES_COMMAND_OK);
    bp_exec(db, "COPY balances(addr, balance) FROM STDIN", PGRES_COPY_IN);
    for (uint32_t i = 0; i < holders; i++) {
        struct addr a;
        bench_addr(i, &a);
        bp_copy_row(db, &a);
    }
    if (PQputCopyEnd(db, NULL) != 1) bp_die(db, "COPY end");
    PGresult *r = PQgetResult(db);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        PQclear(r);
        bp_die(db, "COPY");
    }
    PQclear(r);
    while ((r = PQgetResult(db)) != NULL) PQclear(r);
    bp_exec(db, "ALTER TABLE balances ADD PRIMARY KEY (addr)", PGRES_COMMAND_OK);
    bp_exec(db, "VACUUM ANALYZE balances", PGRES_COMMAND_OK);
}

static void bp_open(PGconn *db, uint32_t holders) {
    double t0 = bench_now_s();
    bp_exec(db, "SET client_min_messages = warning", PGRES_COMMAND_OK);
    bp_fill(db, holders);
    fprintf(stderr, "peer: %u balances created in %.2f s\n", holders, bench_now_s() - t0);
    bp_prepare(db, "get", "SELECT balance FROM balances WHERE addr=$1", 1);
    bp_prepare(db, "debit", "UPDATE balances SET balance=balance-$2 WHERE addr=$1", 2);
    bp_prepare(db, "credit",
               "INSERT INTO balances(addr,balance) VALUES($1,$2)"
               " ON CONFLICT(addr) DO UPDATE SET balance=balances.balance+excluded.balance",
               2);
}

/* One checked transfer inside the open transaction. 0 done, 1 refused. */
static int bp_transfer(PGconn *db, const struct addr *from, const struct addr *to,
                       int64_t amount) {
    PGresult *r = bp_run(db, "get", from, 0, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        bp_die(db, "get");
    }
    int64_t balance = 0;
    if (PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 8) {
        balance = bp_from_be64((const unsigned char *)PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    if (balance < amount) return 1;
    bp_run_ok(db, "debit", from, amount);
    bp_run_ok(db, "credit", to, amount);
    return 0;
}

/* Run transactions of `per_tx` transfers until max_ops or seconds pass. */
static double bp_measure(PGconn *db, uint32_t holders, uint32_t per_tx, uint64_t max_ops,
                         double seconds, uint64_t seed, uint64_t *refused) {
    uint64_t rng = seed, ops = 0;
    *refused = 0;
    double t0 = bench_now_s(), t = t0;
    while (ops < max_ops && t - t0 < seconds) {
        bp_exec(db, "BEGIN", PGRES_COMMAND_OK);
        for (uint32_t i = 0; i < per_tx; i++) {
            uint32_t f, g;
            bench_rng_pair(&rng, holders, &f, &g);
            struct addr from, to;
            bench_addr(f, &from);
            bench_addr(g, &to);
            *refused += (uint64_t)bp_transfer(db, &from, &to, BP_AMOUNT);
        }
        bp_exec(db, "COMMIT", PGRES_COMMAND_OK);
        ops += per_tx;
        t = bench_now_s();
    }
    return (double)ops / (t - t0);
}

static uint32_t bp_u32(const char *text) { return (uint32_t)strtoul(text, NULL, 10); }

/* A setting as the server reports it ("?" when it cannot). */
static void bp_show(PGconn *db, const char *name, char *out, size_t size) {
    char sql[64];
    snprintf(sql, sizeof(sql), "SHOW %s", name);
    PGresult *r = PQexec(db, sql);
    snprintf(out, size, "%s", PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "?");
    PQclear(r);
}

int main(int argc, char **argv) {
    const char *url = NULL;
    uint32_t holders = BP_HOLDERS_DEFAULT, batch = BP_BATCH_DEFAULT;
    double seconds = BP_SECONDS_DEFAULT;
    const char *tag = "pgpeer";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--url") == 0) url = argv[i + 1];
        else if (strcmp(argv[i], "--holders") == 0) holders = bp_u32(argv[i + 1]);
        else if (strcmp(argv[i], "--batch") == 0) batch = bp_u32(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0) seconds = strtod(argv[i + 1], NULL);
        else if (strcmp(argv[i], "--tag") == 0) tag = argv[i + 1];
    }
    if (url == NULL || holders < 2 || batch == 0) {
        fprintf(stderr, "usage: bench_pg --url postgres://... [--holders N] [--batch 8000] "
                        "[--seconds S] [--tag T]\n");
        return 2;
    }
    PGconn *db = PQconnectdb(url);
    if (PQstatus(db) != CONNECTION_OK) bp_die(db, "connect");
    char version[32], fsync[16], sync_commit[16];
    bp_show(db, "server_version", version, sizeof(version));
    bp_show(db, "fsync", fsync, sizeof(fsync));
    bp_show(db, "synchronous_commit", sync_commit, sizeof(sync_commit));
    bp_open(db, holders);
    uint64_t refused1, refused2;
    double one = bp_measure(db, holders, 1, 20000, seconds, BENCH_SEED ^ 1, &refused1);
    double many = bp_measure(db, holders, batch, 4000000, seconds, BENCH_SEED ^ 2, &refused2);
    PQfinish(db);
    fprintf(stderr,
            "peer: PostgreSQL %s (fsync=%s, synchronous_commit=%s), %u balances: checked "
            "transfer %.0f/s one transaction each, %.0f/s in %u-transfer transactions "
            "(refused %llu+%llu)\n",
            version, fsync, sync_commit, holders, one, many, batch,
            (unsigned long long)refused1, (unsigned long long)refused2);
    printf("RESULT %s_one_per_s %.0f\n", tag, one);
    printf("RESULT %s_batch_per_s %.0f\n", tag, many);
    return 0;
}
