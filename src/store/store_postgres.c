/*
 * store_postgres.c - the journal in a PostgreSQL database (libpq).
 *
 * The same tables and the same semantics as store_sqlite.c: blocks,
 * requests, snapshots in chunks, meta (format, genesis). Three kinds of
 * connection, as there: the writer (the sequencer's thread: genesis,
 * blocks), a reader shared by the read API under a mutex, and one for
 * snapshots (their own thread); a block scan, which may run for seconds,
 * opens a connection of its own.
 *
 * Durability: an append is one transaction (the block and its requests),
 * sent as one pipeline of prepared statements with binary parameters and
 * committed before append_block returns. synchronous_commit is left at
 * PostgreSQL's durable default (a session that finds it off turns it on
 * for itself): COMMIT returns once the commit record is flushed, so a
 * returned block is durable. A trigger on `blocks` refuses any height but
 * the one after the last (the journal's end is a unique key, so of two
 * writers racing for a height one fails): a second writer is caught with
 * its height, as store_sqlite.c's sqlite__follows catches it.
 *
 * The nonce and the path are bytea: they are the client's bytes as signed
 * (the path is the raw request URI), and a byte that is not UTF-8 must not
 * make a block fail to commit (a text column would refuse it). The other
 * texts are checked by the node before anything is journaled (a known
 * operator, a decoded signature, a routed method).
 *
 * Binary data is bytea, integers int8, both in binary on the wire both
 * ways (paramFormats 1, resultFormat 1): no hex round trips. Nothing read
 * back is trusted: a column of the wrong length reads as zero, callers
 * validate what they decode.
 */
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_copy.h"

/* Oids of the built-in types the parameters carry (pg_type.h). */
#define PG_OID_BYTEA 17u
#define PG_OID_INT8 20u
#define PG_OID_TEXT 25u

#define PG_STORE_FORMAT "mintline-store-v1"

/* The chunk size of a snapshot (as store_sqlite.c's, for the same reason:
 * block commits interleave with a snapshot being written). */
#define PG_SNAPSHOT_CHUNK_BYTES (256u << 10)

/* Rows a scan fetches per round trip (a cursor): blocks without and with
 * request bodies (a body may be 1 MB), and request rows. */
#define PG_SCAN_BLOCKS_PAGE 256
#define PG_SCAN_BLOCKS_PAGE_BODIES 16
#define PG_SCAN_REQUESTS_PAGE 512

/* The advisory lock key of the one writer: "mintline" in ASCII. One
 * database holds one ledger, so one key is enough. */
#define PG_WRITER_LOCK_KEY "7883954069002874469"

struct store_pg {
    struct store base; /* first: a struct store * is a struct store_pg * */
    PGconn *w;
    PGconn *r;
    pthread_mutex_t r_lock;
    PGconn *snap; /* opened on the first snapshot; used under snap_lock */
    pthread_mutex_t snap_lock;
    char conninfo[1024];
};

static const char *const pg__schema =
    "CREATE TABLE IF NOT EXISTS meta(key text PRIMARY KEY, value bytea NOT NULL);"
    "CREATE TABLE IF NOT EXISTS blocks(height int8 PRIMARY KEY, time_ns int8 NOT NULL,"
    " prev_hash bytea NOT NULL, hash bytea NOT NULL, state_hash bytea NOT NULL,"
    " first_seq int8 NOT NULL, commands int8 NOT NULL, requests int8 NOT NULL,"
    " first_event_seq int8 NOT NULL, events_count int8 NOT NULL, events bytea NOT NULL);"
    "CREATE TABLE IF NOT EXISTS requests(id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " height int8 NOT NULL, first_seq int8 NOT NULL, commands int8 NOT NULL, flags int8 NOT NULL,"
    " operator text NOT NULL, time_ms int8 NOT NULL, nonce bytea NOT NULL,"
    " signature text NOT NULL, method text NOT NULL, path bytea NOT NULL, body bytea NOT NULL,"
    " results bytea NOT NULL, cmds bytea NOT NULL);"
    "CREATE INDEX IF NOT EXISTS requests_height ON requests(height);"
    "CREATE INDEX IF NOT EXISTS requests_time ON requests(time_ms);"
    "CREATE TABLE IF NOT EXISTS snapshot_chunks(height int8 NOT NULL, idx int8 NOT NULL,"
    " data bytea NOT NULL, PRIMARY KEY(height, idx));"
    "CREATE TABLE IF NOT EXISTS snapshots(height int8 PRIMARY KEY, size int8 NOT NULL,"
    " sha256 bytea NOT NULL);"
    /* Large values out of line and not compressed: a batch's body, commands
     * and events are a few MB a block, and pglz costs more CPU per block than
     * the commit (PERFORMANCE.md); the bytes are mostly incompressible keys,
     * signatures and hashes anyway. */
    "ALTER TABLE blocks ALTER COLUMN events SET STORAGE EXTERNAL;"
    "ALTER TABLE requests ALTER COLUMN body SET STORAGE EXTERNAL,"
    " ALTER COLUMN results SET STORAGE EXTERNAL, ALTER COLUMN cmds SET STORAGE EXTERNAL;"
    "ALTER TABLE snapshot_chunks ALTER COLUMN data SET STORAGE EXTERNAL;";

/* High availability (docs/operators/high-availability.md): the leader's
 * row (one), and the trigger that fences every append.
 *
 * The journal grows at its end only: a block's height is the one after
 * the last; two writers that both pass this check collide on the key.
 * A session that names a term (SET mintline.term: every serving node
 * does, store_pg_fence) appends only while that term is the ledger's and
 * the session that took it still holds the advisory lock: a leader whose
 * lock was lost (its connection cut, a partition) is refused even before
 * another node has taken over. FOR SHARE on the leader's row makes a new
 * leader's term bump (an UPDATE of that row) wait for any append that
 * passed the check to commit or abort: once the new term is in, no older
 * leader can commit, and what the new leader then reads is the whole
 * journal. Sessions that name no term (init, the store's own tests) are
 * not fenced. Each block is announced on the channel mintline_blocks
 * (delivered at commit): followers LISTEN to it. */
static const char *const pg__ha_schema =
    "CREATE TABLE IF NOT EXISTS leader(id int PRIMARY KEY CHECK (id = 1), term int8 NOT NULL,"
    " url text NOT NULL, node text NOT NULL, pid int NOT NULL, since timestamptz NOT NULL);"
    "CREATE OR REPLACE FUNCTION mintline_block_follows() RETURNS trigger LANGUAGE plpgsql AS $f$"
    " DECLARE last int8; mine text; lt int8; lp int; BEGIN"
    " mine := current_setting('mintline.term', true);"
    " IF mine IS NOT NULL AND mine <> '' THEN"
    "  SELECT term, pid INTO lt, lp FROM leader WHERE id = 1 FOR SHARE;"
    "  IF lt IS NULL OR lt::text <> mine OR NOT EXISTS (SELECT 1 FROM pg_locks WHERE"
    "   locktype = 'advisory' AND granted AND pid = lp AND"
    "   ((classid::int8 << 32) | objid::int8) = " PG_WRITER_LOCK_KEY ") THEN"
    "   RAISE EXCEPTION 'this node no longer leads (its term is %, the ledger''s %)',"
    "    mine, coalesce(lt::text, 'none') USING ERRCODE = 'ML001';"
    "  END IF;"
    " END IF;"
    " SELECT coalesce(max(height), -1) INTO last FROM blocks;"
    " IF NEW.height <> last + 1 THEN"
    "  RAISE EXCEPTION 'the journal ends at block %, not %: another writer has appended to it',"
    "   last, NEW.height - 1 USING ERRCODE = 'unique_violation';"
    " END IF;"
    " PERFORM pg_notify('mintline_blocks', NEW.height::text);"
    " RETURN NEW; END $f$;"
    "DROP TRIGGER IF EXISTS blocks_follow ON blocks;"
    "CREATE TRIGGER blocks_follow BEFORE INSERT ON blocks FOR EACH ROW"
    " EXECUTE FUNCTION mintline_block_follows();";

#define PG_BLOCK_COLS                                                                              \
    "height,time_ns,prev_hash,hash,state_hash,first_seq,commands,requests,first_event_seq,"       \
    "events_count"
#define PG_REQUEST_COLS_R                                                                          \
    "r.first_seq,r.commands,r.flags,r.operator,r.time_ms,r.nonce,r.signature,r.method,r.path,"    \
    "r.body,r.results,r.cmds"

#define PG_INS_BLOCK                                                                               \
    "INSERT INTO blocks(" PG_BLOCK_COLS ",events) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"
#define PG_INS_REQUEST                                                                             \
    "INSERT INTO requests(height,first_seq,commands,flags,operator,time_ms,nonce,signature,"      \
    "method,path,body,results,cmds) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"

/* ---- the wire: binary int8, bytea, text ------------------------------- */

static void pg__put64(uint8_t out[8], uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)(v & 0xffu);
        v >>= 8;
    }
}

static uint64_t pg__u64(const PGresult *res, int row, int col) {
    if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 8) return 0;
    const uint8_t *p = (const uint8_t *)PQgetvalue(res, row, col);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

static int64_t pg__i64(const PGresult *res, int row, int col) {
    return (int64_t)pg__u64(res, row, col);
}

static void pg__hash(const PGresult *res, int row, int col, struct hash *out) {
    memset(out, 0, sizeof(*out));
    if (!PQgetisnull(res, row, col) && PQgetlength(res, row, col) == (int)HASH_BYTES) {
        memcpy(out->bytes, PQgetvalue(res, row, col), HASH_BYTES);
    }
}

/* Parameters of one statement: binary, built in place. */
#define PG_PARAMS_MAX 16
struct pg__params {
    const char *values[PG_PARAMS_MAX];
    int lengths[PG_PARAMS_MAX];
    int formats[PG_PARAMS_MAX];
    uint8_t ints[PG_PARAMS_MAX][8];
    int count;
};

static void pg__p_int(struct pg__params *p, uint64_t v) {
    int i = p->count++;
    pg__put64(p->ints[i], v);
    p->values[i] = (const char *)p->ints[i];
    p->lengths[i] = 8;
    p->formats[i] = 1;
}

static void pg__p_bytes(struct pg__params *p, const void *v, size_t n) {
    int i = p->count++;
    p->values[i] = n ? (const char *)v : "";
    p->lengths[i] = (int)n;
    p->formats[i] = 1;
}

static void pg__p_text(struct pg__params *p, const char *v) { pg__p_bytes(p, v, strlen(v)); }

static void pg__say(PGconn *c, const char *what) {
    const char *msg = PQerrorMessage(c);
    fprintf(stderr, "mintline: store: %s: %s", what, msg && msg[0] ? msg : "failed\n");
}

/* One line: the primary message (not its DETAIL and CONTEXT lines). */
static void pg__say_result(const PGresult *res, const char *what) {
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    fprintf(stderr, "mintline: store: %s: %s\n", what, msg && msg[0] ? msg : "failed");
}

/* A statement without parameters that returns no rows. */
static enum err pg__exec(PGconn *c, const char *sql) {
    PGresult *res = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(res);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) pg__say_result(res, sql);
    PQclear(res);
    return ok ? ERR_OK : ERR_STORE_IO;
}

/* A statement with binary parameters and binary results. The caller
 * clears what it returns (NULL when the connection is gone). */
static PGresult *pg__query(PGconn *c, const char *sql, const struct pg__params *p) {
    return PQexecParams(c, sql, p ? p->count : 0, NULL, p ? p->values : NULL,
                        p ? p->lengths : NULL, p ? p->formats : NULL, 1);
}

static int pg__ok(PGresult *res, ExecStatusType want, const char *what) {
    if (PQresultStatus(res) == want) return 1;
    pg__say_result(res, what);
    return 0;
}

/* ---- connecting ------------------------------------------------------- */

static enum err pg__connect(const char *conninfo, PGconn **out) {
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        pg__say(c, "cannot connect to PostgreSQL");
        PQfinish(c);
        return ERR_STORE_IO;
    }
    /* Quiet NOTICEs (CREATE ... IF NOT EXISTS) and a known client encoding. */
    if (pg__exec(c, "SET client_min_messages = warning") != ERR_OK ||
        PQsetClientEncoding(c, "UTF8") != 0) {
        PQfinish(c);
        return ERR_STORE_IO;
    }
    *out = c;
    return ERR_OK;
}

/* The writer commits durably: synchronous_commit stays as the server has
 * it unless that is off, which this session turns back on. */
static enum err pg__durable(PGconn *c) {
    PGresult *res = PQexec(c, "SHOW synchronous_commit");
    enum err err = ERR_STORE_IO;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        err = ERR_OK;
        if (strcmp(PQgetvalue(res, 0, 0), "off") == 0) {
            fprintf(stderr, "mintline: store: synchronous_commit is off on the server; this node "
                            "turns it on for its own sessions (a block is acknowledged only once "
                            "it is durable)\n");
            err = pg__exec(c, "SET synchronous_commit = on");
        }
    }
    PQclear(res);
    return err;
}

static int pg__url_is(const char *url) {
    return url != NULL &&
           (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0);
}

int store_url_is_postgres(const char *url) { return pg__url_is(url); }

void store_url_redact(const char *url, char *out, size_t out_size) {
    /* scheme://user:password@host... -> scheme://user@host...; and a
     * password=... parameter is cut out of the query. */
    const char *scheme_end = strstr(url, "://");
    const char *at = scheme_end ? strchr(scheme_end + 3, '@') : NULL;
    const char *slash = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
    if (at != NULL && slash != NULL && slash < at) at = NULL;
    const char *colon = at ? memchr(scheme_end + 3, ':', (size_t)(at - scheme_end - 3)) : NULL;
    size_t k = 0;
    for (const char *p = url; *p && k + 1 < out_size; p++) {
        if (colon && p == colon) {
            p = at - 1; /* skip ":password" up to '@' */
            continue;
        }
        if (p > url && strncmp(p, "password=", 9) == 0 && (p[-1] == '?' || p[-1] == '&')) {
            while (*p && *p != '&') p++;
            if (*p == '\0') break;
            continue; /* skip the '&' too */
        }
        out[k++] = *p;
    }
    out[k] = '\0';
    while (k > 0 && (out[k - 1] == '&' || out[k - 1] == '?')) out[--k] = '\0';
}

/* ---- writing ---------------------------------------------------------- */

static void pg__block_params(struct pg__params *p, const struct store_block *b) {
    p->count = 0;
    pg__p_int(p, b->height);
    pg__p_int(p, (uint64_t)b->time_ns);
    pg__p_bytes(p, b->prev_hash.bytes, HASH_BYTES);
    pg__p_bytes(p, b->hash.bytes, HASH_BYTES);
    pg__p_bytes(p, b->state_hash.bytes, HASH_BYTES);
    pg__p_int(p, b->first_seq);
    pg__p_int(p, b->commands_count);
    pg__p_int(p, b->requests_count);
    pg__p_int(p, b->first_event_seq);
    pg__p_int(p, b->events_count);
    pg__p_bytes(p, b->events, b->events_len);
}

static void pg__request_params(struct pg__params *p, uint64_t height,
                               const struct store_request *r) {
    p->count = 0;
    pg__p_int(p, height);
    pg__p_int(p, r->first_seq);
    pg__p_int(p, r->commands_count);
    pg__p_int(p, r->flags);
    pg__p_text(p, r->operator_name);
    pg__p_int(p, (uint64_t)r->time_ms);
    pg__p_text(p, r->nonce);
    pg__p_text(p, r->signature);
    pg__p_text(p, r->method);
    pg__p_text(p, r->path);
    pg__p_bytes(p, r->body, r->body_len);
    pg__p_bytes(p, r->results, r->results_len);
    pg__p_bytes(p, r->commands, r->commands_len);
}

/* Read every result of a pipeline up to its sync: 0 when each statement
 * succeeded, -1 otherwise (the first failure is said). */
static int pg__pipeline_results(PGconn *c) {
    int bad = 0;
    for (;;) {
        PGresult *res = PQgetResult(c);
        if (res == NULL) {
            /* the end of one statement's results; or the connection is gone */
            if (PQstatus(c) == CONNECTION_BAD) return -1;
            continue;
        }
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            return bad ? -1 : 0;
        }
        if (st == PGRES_FATAL_ERROR && !bad) pg__say_result(res, "append");
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) bad = 1;
        PQclear(res);
        if (PQstatus(c) == CONNECTION_BAD) return -1;
    }
}

/* The block and its requests, one transaction, one round trip: BEGIN, the
 * inserts and COMMIT go out as a pipeline of prepared statements. */
static enum err pg_append_block(struct store *base, const struct store_block *b,
                                const struct store_request *reqs, uint32_t n) {
    struct store_pg *s = (struct store_pg *)base;
    PGconn *c = s->w;
    struct pg__params p;
    if (PQenterPipelineMode(c) != 1) {
        pg__say(c, "append");
        return ERR_STORE_IO;
    }
    int sent = PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 1);
    pg__block_params(&p, b);
    sent = sent && PQsendQueryPrepared(c, "ins_block", p.count, p.values, p.lengths, p.formats, 1);
    for (uint32_t i = 0; i < n && sent; i++) {
        pg__request_params(&p, b->height, &reqs[i]);
        sent = PQsendQueryPrepared(c, "ins_request", p.count, p.values, p.lengths, p.formats, 1);
    }
    sent = sent && PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 1);
    sent = sent && PQpipelineSync(c);
    int bad = !sent;
    if (!sent) pg__say(c, "append");
    if (sent && pg__pipeline_results(c) != 0) bad = 1;
    PQexitPipelineMode(c);
    /* A failed statement leaves the transaction aborted (the COMMIT was
     * skipped): roll it back so the connection is usable for the error
     * path's own reads. */
    if (PQtransactionStatus(c) != PQTRANS_IDLE) pg__exec(c, "ROLLBACK");
    return bad ? ERR_STORE_IO : ERR_OK;
}

static enum err pg__meta_put(PGconn *c, const char *key, const void *v, size_t n) {
    struct pg__params p = {.count = 0};
    pg__p_text(&p, key);
    pg__p_bytes(&p, v, n);
    PGresult *res = pg__query(c, "INSERT INTO meta(key,value) VALUES($1,$2)", &p);
    int ok = pg__ok(res, PGRES_COMMAND_OK, "genesis");
    PQclear(res);
    return ok ? ERR_OK : ERR_STORE_IO;
}

static enum err pg_write_genesis(struct store *base, const char *yaml, size_t yaml_len,
                                 const char *json, size_t json_len, const struct store_block *b0) {
    struct store_pg *s = (struct store_pg *)base;
    if (pg__exec(s->w, "BEGIN")) return ERR_STORE_IO;
    enum err err = pg__meta_put(s->w, "format", PG_STORE_FORMAT, strlen(PG_STORE_FORMAT));
    if (!err) err = pg__meta_put(s->w, "genesis_yaml", yaml, yaml_len);
    if (!err) err = pg__meta_put(s->w, "genesis_json", json, json_len);
    if (!err) {
        struct pg__params p;
        pg__block_params(&p, b0);
        PGresult *res =
            PQexecPrepared(s->w, "ins_block", p.count, p.values, p.lengths, p.formats, 1);
        if (!pg__ok(res, PGRES_COMMAND_OK, "genesis")) err = ERR_STORE_IO;
        PQclear(res);
    }
    if (err) {
        pg__exec(s->w, "ROLLBACK");
        return err;
    }
    return pg__exec(s->w, "COMMIT");
}

static enum err pg__snap_put(PGconn *c, const char *sql, uint64_t height, uint64_t n,
                             const void *blob, size_t len) {
    struct pg__params p = {.count = 0};
    pg__p_int(&p, height);
    pg__p_int(&p, n);
    pg__p_bytes(&p, blob, len);
    PGresult *res = pg__query(c, sql, &p);
    int ok = pg__ok(res, PGRES_COMMAND_OK, "snapshot");
    PQclear(res);
    return ok ? ERR_OK : ERR_STORE_IO;
}

static enum err pg__snap_chunks(PGconn *c, uint64_t height, const uint8_t *data, size_t len) {
    enum err err = ERR_OK;
    for (size_t at = 0, idx = 0; at < len && !err; at += PG_SNAPSHOT_CHUNK_BYTES, idx++) {
        size_t n = len - at < PG_SNAPSHOT_CHUNK_BYTES ? len - at : PG_SNAPSHOT_CHUNK_BYTES;
        err = pg__snap_put(c,
                           "INSERT INTO snapshot_chunks(height,idx,data) VALUES($1,$2,$3) "
                           "ON CONFLICT (height, idx) DO UPDATE SET data = EXCLUDED.data",
                           height, idx, data + at, n);
    }
    return err;
}

static enum err pg__prepare(PGconn *c, const char *name, const char *sql, int n,
                            const Oid *types);

/* The shared reader, connected again when its session was cut (PostgreSQL
 * restarted, the session terminated): a follower reads the journal's head
 * through it, and must come back with the database. Under r_lock. A
 * reconnection that fails leaves the session bad: the read then fails as
 * before, and the next one tries again. */
static void pg__reader(struct store_pg *s) {
    if (PQstatus(s->r) == CONNECTION_OK) return;
    PQreset(s->r);
    if (PQstatus(s->r) != CONNECTION_OK) return;
    static const Oid height_type[1] = {PG_OID_INT8};
    if (pg__exec(s->r, "SET client_min_messages = warning") != ERR_OK ||
        PQsetClientEncoding(s->r, "UTF8") != 0 ||
        pg__prepare(s->r, "head",
                    "SELECT " PG_BLOCK_COLS " FROM blocks ORDER BY height DESC LIMIT 1", 0,
                    NULL) != ERR_OK ||
        pg__prepare(s->r, "block_at", "SELECT " PG_BLOCK_COLS " FROM blocks WHERE height = $1", 1,
                    height_type) != ERR_OK) {
        fprintf(stderr, "mintline: store: the reader's session could not be prepared again\n");
    }
}

static enum err pg_write_snapshot(struct store *base, uint64_t height, const uint8_t *data,
                                  size_t len) {
    struct store_pg *s = (struct store_pg *)base;
    pthread_mutex_lock(&s->snap_lock);
    enum err err = ERR_OK;
    if (s->snap != NULL && PQstatus(s->snap) != CONNECTION_OK) { /* cut: a new session */
        PQfinish(s->snap);
        s->snap = NULL;
    }
    if (s->snap == NULL) {
        err = pg__connect(s->conninfo, &s->snap);
        if (!err) err = pg__durable(s->snap);
    }
    if (!err) err = pg__snap_chunks(s->snap, height, data, len);
    struct hash h;
    hash_once(data, len, &h);
    if (!err) {
        err = pg__snap_put(s->snap,
                           "INSERT INTO snapshots(height,size,sha256) VALUES($1,$2,$3) "
                           "ON CONFLICT (height) DO UPDATE SET size = EXCLUDED.size, "
                           "sha256 = EXCLUDED.sha256",
                           height, (uint64_t)len, h.bytes, HASH_BYTES);
    }
    /* Keep the two newest: one to fall back on if the newest is damaged. */
    if (!err) {
        err = pg__exec(s->snap,
                       "DELETE FROM snapshots WHERE height NOT IN "
                       "(SELECT height FROM snapshots ORDER BY height DESC LIMIT 2);"
                       "DELETE FROM snapshot_chunks WHERE height NOT IN "
                       "(SELECT height FROM snapshots) AND height <= "
                       "(SELECT max(height) FROM snapshots)");
    }
    pthread_mutex_unlock(&s->snap_lock);
    return err;
}

/* ---- reading ---------------------------------------------------------- */

static void pg__row_block(const PGresult *res, int row, struct store_block *b) {
    memset(b, 0, sizeof(*b));
    b->height = pg__u64(res, row, 0);
    b->time_ns = pg__i64(res, row, 1);
    pg__hash(res, row, 2, &b->prev_hash);
    pg__hash(res, row, 3, &b->hash);
    pg__hash(res, row, 4, &b->state_hash);
    b->first_seq = pg__u64(res, row, 5);
    b->commands_count = (uint32_t)pg__u64(res, row, 6);
    b->requests_count = (uint32_t)pg__u64(res, row, 7);
    b->first_event_seq = pg__u64(res, row, 8);
    b->events_count = (uint32_t)pg__u64(res, row, 9);
}

/* Columns c.. of a row (PG_REQUEST_COLS_R): pointers into res, valid until
 * it is cleared. A NULL column (left out by the query) reads as NULL, 0. */
static void pg__row_request(const PGresult *res, int row, int c, struct store_request *r) {
    memset(r, 0, sizeof(*r));
    r->first_seq = pg__u64(res, row, c + 0);
    r->commands_count = (uint32_t)pg__u64(res, row, c + 1);
    r->flags = (uint32_t)pg__u64(res, row, c + 2);
    r->operator_name = PQgetvalue(res, row, c + 3);
    r->time_ms = pg__i64(res, row, c + 4);
    r->nonce = PQgetvalue(res, row, c + 5);
    r->signature = PQgetvalue(res, row, c + 6);
    r->method = PQgetvalue(res, row, c + 7);
    r->path = PQgetvalue(res, row, c + 8);
    const uint8_t **blobs[3] = {&r->body, &r->results, &r->commands};
    size_t *lens[3] = {&r->body_len, &r->results_len, &r->commands_len};
    for (int i = 0; i < 3; i++) {
        int col = c + 9 + i;
        *blobs[i] = PQgetisnull(res, row, col) ? NULL : (const uint8_t *)PQgetvalue(res, row, col);
        *lens[i] = PQgetisnull(res, row, col) ? 0 : (size_t)PQgetlength(res, row, col);
    }
}

static enum err pg__block_query(struct store_pg *s, const char *stmt, const struct pg__params *p,
                                struct store_block *out) {
    pthread_mutex_lock(&s->r_lock);
    pg__reader(s);
    PGresult *res = PQexecPrepared(s->r, stmt, p ? p->count : 0, p ? p->values : NULL,
                                   p ? p->lengths : NULL, p ? p->formats : NULL, 1);
    enum err err = ERR_STORE_IO;
    if (pg__ok(res, PGRES_TUPLES_OK, "read a block")) {
        err = ERR_NOT_FOUND;
        if (PQntuples(res) == 1) {
            pg__row_block(res, 0, out);
            err = ERR_OK;
        }
    }
    PQclear(res);
    pthread_mutex_unlock(&s->r_lock);
    return err;
}

static enum err pg_head(struct store *base, struct store_block *out) {
    enum err err = pg__block_query((struct store_pg *)base, "head", NULL, out);
    return err == ERR_NOT_FOUND ? ERR_NO_LEDGER : err;
}

static enum err pg_block_at(struct store *base, uint64_t height, struct store_block *out) {
    struct pg__params p = {.count = 0};
    pg__p_int(&p, height);
    return pg__block_query((struct store_pg *)base, "block_at", &p, out);
}

/* One meta value, malloc'd and NUL ended: ERR_NO_LEDGER when absent. */
static enum err pg__meta_get(PGconn *c, const char *key, char **out, size_t *len) {
    struct pg__params p = {.count = 0};
    pg__p_text(&p, key);
    PGresult *res = pg__query(c, "SELECT value FROM meta WHERE key = $1", &p);
    enum err err = ERR_STORE_IO;
    if (pg__ok(res, PGRES_TUPLES_OK, "read the genesis")) {
        err = ERR_NO_LEDGER;
        if (PQntuples(res) == 1) {
            size_t n = (size_t)PQgetlength(res, 0, 0);
            char *v = malloc(n + 1);
            err = v ? ERR_OK : ERR_INTERNAL;
            if (v) {
                if (n) memcpy(v, PQgetvalue(res, 0, 0), n);
                v[n] = '\0';
                *out = v;
                *len = n;
            }
        }
    }
    PQclear(res);
    return err;
}

static enum err pg_read_genesis(struct store *base, char **json, size_t *json_len) {
    struct store_pg *s = (struct store_pg *)base;
    pthread_mutex_lock(&s->r_lock);
    pg__reader(s);
    enum err err = pg__meta_get(s->r, "genesis_json", json, json_len);
    pthread_mutex_unlock(&s->r_lock);
    return err;
}

/* A scan's cursor: DECLARE inside a read-only REPEATABLE READ transaction
 * (one snapshot for the blocks and the requests read beside them), then
 * FETCH pages in binary. */
static enum err pg__cursor_open(PGconn *c, const char *name, const char *select,
                                const struct pg__params *p) {
    enum err err = pg__exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (err) return err;
    char sql[1024];
    int n = snprintf(sql, sizeof(sql), "DECLARE %s NO SCROLL CURSOR FOR %s", name, select);
    if (n < 0 || (size_t)n >= sizeof(sql)) return ERR_INTERNAL;
    PGresult *res = pg__query(c, sql, p);
    int ok = pg__ok(res, PGRES_COMMAND_OK, "scan");
    PQclear(res);
    return ok ? ERR_OK : ERR_STORE_IO;
}

static PGresult *pg__cursor_fetch(PGconn *c, const char *name, int rows) {
    char sql[96];
    snprintf(sql, sizeof(sql), "FETCH %d FROM %s", rows, name);
    PGresult *res = pg__query(c, sql, NULL);
    if (pg__ok(res, PGRES_TUPLES_OK, "scan")) return res;
    PQclear(res);
    return NULL;
}

/* The requests of blocks $1..$2, ascending; with_requests: 1 without
 * bodies, 2 with bodies, 3 headers only (seqs, operator: no body,
 * results or commands). */
static const char *pg__requests_sql(int with_requests) {
    if (with_requests == 2) {
        return "SELECT r.height," PG_REQUEST_COLS_R " FROM requests r "
               "WHERE r.height BETWEEN $1 AND $2 ORDER BY r.height, r.id";
    }
    if (with_requests == 3) {
        return "SELECT r.height,r.first_seq,r.commands,r.flags,r.operator,r.time_ms,r.nonce,"
               "r.signature,r.method,r.path,NULL,NULL,NULL FROM requests r "
               "WHERE r.height BETWEEN $1 AND $2 ORDER BY r.height, r.id";
    }
    return "SELECT r.height,r.first_seq,r.commands,r.flags,r.operator,r.time_ms,r.nonce,"
           "r.signature,r.method,r.path,NULL,r.results,r.cmds FROM requests r "
           "WHERE r.height BETWEEN $1 AND $2 ORDER BY r.height, r.id";
}

/* The first row of res (ascending by column 0) whose height is >= h. */
static int pg__first_of(const PGresult *res, int rows, uint64_t h) {
    int lo = 0, hi = rows;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (pg__u64(res, mid, 0) < h) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int pg__items_grow(struct store_request **items, uint32_t *cap) {
    uint32_t ncap = *cap ? *cap * 2 : 64;
    struct store_request *it = realloc(*items, ncap * sizeof(*it));
    if (it == NULL) return -1;
    *items = it;
    *cap = ncap;
    return 0;
}

/* One page of blocks (rows of bres) with their requests, to fn. Returns
 * 1 when fn asked to stop, 0 to go on, -1 on a failure. */
static int pg__scan_page(PGconn *c, const PGresult *bres, int with_requests,
                         store_block_fn fn, void *ctx, struct store_request **items,
                         uint32_t *cap) {
    int rows = PQntuples(bres);
    PGresult *rres = NULL;
    if (with_requests) {
        uint64_t a = pg__u64(bres, 0, 0), z = pg__u64(bres, rows - 1, 0);
        struct pg__params p = {.count = 0};
        pg__p_int(&p, a < z ? a : z);
        pg__p_int(&p, a < z ? z : a);
        rres = pg__query(c, pg__requests_sql(with_requests), &p);
        if (!pg__ok(rres, PGRES_TUPLES_OK, "scan")) {
            PQclear(rres);
            return -1;
        }
    }
    int nreq = rres ? PQntuples(rres) : 0;
    int stop = 0;
    for (int i = 0; i < rows && !stop; i++) {
        struct store_block b;
        pg__row_block(bres, i, &b);
        b.events = (const uint8_t *)PQgetvalue(bres, i, 10);
        b.events_len = (size_t)PQgetlength(bres, i, 10);
        /* Requests come ascending by height: find this block's run. */
        uint32_t count = 0;
        for (int k = pg__first_of(rres, nreq, b.height); k < nreq; k++) {
            if (pg__u64(rres, k, 0) != b.height) break;
            if (count == *cap && pg__items_grow(items, cap) != 0) {
                PQclear(rres);
                return -1;
            }
            pg__row_request(rres, k, 1, &(*items)[count++]);
        }
        if (fn(ctx, &b, *items, with_requests ? count : 0) != 0) stop = 1;
    }
    PQclear(rres);
    return stop;
}

static enum err pg__scan(struct store_pg *s, uint64_t from, int with_requests, int desc,
                         store_block_fn fn, void *ctx) {
    /* On a connection of its own: a scan may run for seconds (a monthly
     * report, the events feed) and the read API's short reads must not
     * wait behind it. */
    PGconn *c = NULL;
    enum err err = pg__connect(s->conninfo, &c);
    if (err) return err;
    struct pg__params p = {.count = 0};
    pg__p_int(&p, from);
    err = pg__cursor_open(c, "blocks_scan",
                          desc ? "SELECT " PG_BLOCK_COLS ",events FROM blocks WHERE height >= $1 "
                                 "ORDER BY height DESC"
                               : "SELECT " PG_BLOCK_COLS ",events FROM blocks WHERE height >= $1 "
                                 "ORDER BY height",
                          &p);
    int page = with_requests == 2 ? PG_SCAN_BLOCKS_PAGE_BODIES : PG_SCAN_BLOCKS_PAGE;
    struct store_request *items = NULL;
    uint32_t cap = 0;
    while (!err) {
        PGresult *bres = pg__cursor_fetch(c, "blocks_scan", page);
        if (bres == NULL) {
            err = ERR_STORE_IO;
            break;
        }
        int rows = PQntuples(bres);
        int rc = rows ? pg__scan_page(c, bres, with_requests, fn, ctx, &items, &cap) : 1;
        PQclear(bres);
        if (rc < 0) err = ERR_STORE_IO;
        if (rc != 0) break;
    }
    free(items);
    PQfinish(c);
    return err;
}

static enum err pg_scan_blocks(struct store *base, uint64_t from, int flags, store_block_fn fn,
                               void *ctx) {
    return pg__scan((struct store_pg *)base, from, (flags & STORE_SCAN_BODIES) ? 2 : 1, 0, fn, ctx);
}

static enum err pg_scan_blocks_desc(struct store *base, store_block_fn fn, void *ctx) {
    return pg__scan((struct store_pg *)base, 1, 3, 1, fn, ctx);
}

/* Requests through a cursor on the shared reader (as store_sqlite.c's
 * request scans use its reader): height, block time, the request's
 * columns, and with_events the block's events (column 14). */
static enum err pg__scan_requests(struct store_pg *s, const char *select,
                                  const struct pg__params *p, int with_events,
                                  store_request_fn fn, void *ctx) {
    pthread_mutex_lock(&s->r_lock);
    pg__reader(s);
    enum err err = pg__cursor_open(s->r, "requests_scan", select, p);
    int stop = 0;
    while (!err && !stop) {
        PGresult *res = pg__cursor_fetch(s->r, "requests_scan", PG_SCAN_REQUESTS_PAGE);
        if (res == NULL) {
            err = ERR_STORE_IO;
            break;
        }
        int rows = PQntuples(res);
        for (int i = 0; i < rows && !stop; i++) {
            struct store_request r;
            pg__row_request(res, i, 2, &r);
            if (with_events) {
                r.block_events = (const uint8_t *)PQgetvalue(res, i, 14);
                r.block_events_len = (size_t)PQgetlength(res, i, 14);
            }
            stop = fn(ctx, &r, pg__u64(res, i, 0), pg__i64(res, i, 1)) != 0;
        }
        if (rows == 0) stop = 1;
        PQclear(res);
    }
    if (PQtransactionStatus(s->r) != PQTRANS_IDLE) pg__exec(s->r, "ROLLBACK");
    pthread_mutex_unlock(&s->r_lock);
    return err;
}

static enum err pg_scan_requests_desc(struct store *base, store_request_fn fn, void *ctx) {
    return pg__scan_requests((struct store_pg *)base,
                             "SELECT r.height, b.time_ns, " PG_REQUEST_COLS_R
                             ",b.events FROM requests r JOIN blocks b ON b.height = r.height "
                             "ORDER BY r.id DESC",
                             NULL, 1, fn, ctx);
}

static enum err pg_scan_requests_since(struct store *base, int64_t time_ms, store_request_fn fn,
                                       void *ctx) {
    struct pg__params p = {.count = 0};
    pg__p_int(&p, (uint64_t)time_ms);
    return pg__scan_requests((struct store_pg *)base,
                             "SELECT r.height, b.time_ns, " PG_REQUEST_COLS_R
                             " FROM requests r JOIN blocks b ON b.height = r.height "
                             "WHERE r.time_ms >= $1",
                             &p, 0, fn, ctx);
}

/* Reassemble the snapshot at `height` and check its size and SHA-256. */
static enum err pg__snap_read(PGconn *c, uint64_t height, size_t size,
                              const struct hash *want, uint8_t **data) {
    struct pg__params p = {.count = 0};
    pg__p_int(&p, height);
    PGresult *res = pg__query(c, "SELECT data FROM snapshot_chunks WHERE height = $1 "
                                    "ORDER BY idx", &p);
    if (!pg__ok(res, PGRES_TUPLES_OK, "read a snapshot")) {
        PQclear(res);
        return ERR_STORE_IO;
    }
    uint8_t *buf = malloc(size ? size : 1);
    size_t at = 0;
    int bad = buf == NULL;
    for (int i = 0; i < PQntuples(res) && !bad; i++) {
        size_t n = (size_t)PQgetlength(res, i, 0);
        if (n > size - at) bad = 1;
        else memcpy(buf + at, PQgetvalue(res, i, 0), n);
        at += n;
    }
    PQclear(res);
    struct hash h;
    if (!bad) hash_once(buf, at, &h);
    if (bad || at != size || memcmp(h.bytes, want->bytes, HASH_BYTES) != 0) {
        free(buf);
        return buf == NULL ? ERR_INTERNAL : ERR_IO;
    }
    *data = buf;
    return ERR_OK;
}

/* The newest whole snapshot at or below at_most, on c (a damaged newest
 * falls back to the one before). ERR_NOT_FOUND when there is none. */
static enum err pg__snap_newest(PGconn *c, uint64_t at_most, uint64_t *height, uint8_t **data,
                                size_t *len) {
    PGresult *res = pg__query(c, "SELECT height, size, sha256 FROM snapshots "
                                 "ORDER BY height DESC", NULL);
    enum err err = pg__ok(res, PGRES_TUPLES_OK, "read a snapshot") ? ERR_NOT_FOUND : ERR_STORE_IO;
    for (int i = 0; err == ERR_NOT_FOUND && i < PQntuples(res); i++) {
        struct hash want;
        pg__hash(res, i, 2, &want);
        uint64_t h = pg__u64(res, i, 0);
        size_t size = (size_t)pg__u64(res, i, 1);
        if (h > at_most) continue;
        enum err got = pg__snap_read(c, h, size, &want, data);
        if (got == ERR_OK) {
            *height = h;
            *len = size;
            err = ERR_OK;
        } else if (got == ERR_INTERNAL || got == ERR_STORE_IO) {
            err = got;
        } else {
            fprintf(stderr, "mintline: snapshot at block %llu is damaged (size or SHA-256); "
                            "trying an older one\n", (unsigned long long)h);
        }
    }
    PQclear(res);
    return err;
}

static enum err pg_latest_snapshot(struct store *base, uint64_t *height, uint8_t **data,
                                   size_t *len) {
    struct store_pg *s = (struct store_pg *)base;
    pthread_mutex_lock(&s->r_lock);
    pg__reader(s);
    enum err err = pg__snap_newest(s->r, UINT64_MAX, height, data, len);
    pthread_mutex_unlock(&s->r_lock);
    return err;
}

static enum err pg_tally(struct store *base, struct store_tally *out) {
    struct store_pg *s = (struct store_pg *)base;
    pthread_mutex_lock(&s->r_lock);
    pg__reader(s);
    PGresult *res = pg__query(s->r,
                              "SELECT (SELECT count(*) FROM requests)::int8, "
                              "(SELECT coalesce(sum(requests), 0) FROM blocks)::int8, "
                              "(SELECT coalesce(max(height), 0) FROM requests)::int8, "
                              "(SELECT coalesce(max(height), 0) FROM snapshots)::int8",
                              NULL);
    enum err err = ERR_STORE_IO;
    if (pg__ok(res, PGRES_TUPLES_OK, "tally") && PQntuples(res) == 1) {
        out->requests = pg__u64(res, 0, 0);
        out->requests_in_blocks = pg__u64(res, 0, 1);
        out->request_height_max = pg__u64(res, 0, 2);
        out->snapshot_height_max = pg__u64(res, 0, 3);
        err = ERR_OK;
    }
    PQclear(res);
    pthread_mutex_unlock(&s->r_lock);
    return err;
}

/* PostgreSQL flushes its WAL in order: a durable commit of a write flushes
 * every record before it, including those of any transaction committed
 * with synchronous_commit off (by another client, or before a crash of the
 * server's page cache was survived by luck). One such commit before
 * serving makes everything the journal holds now durable. */
static enum err pg_settle(struct store *base) {
    struct store_pg *s = (struct store_pg *)base;
    PGresult *res = pg__query(s->w,
                              "INSERT INTO meta(key,value) VALUES('settled', "
                              "convert_to(now()::text, 'UTF8')) ON CONFLICT (key) DO UPDATE "
                              "SET value = EXCLUDED.value",
                              NULL);
    int ok = pg__ok(res, PGRES_COMMAND_OK, "settle");
    PQclear(res);
    if (!ok) {
        fprintf(stderr, "mintline: store: the journal could not be made durable\n");
        return ERR_STORE_IO;
    }
    return ERR_OK;
}

static void pg_close(struct store *base) {
    struct store_pg *s = (struct store_pg *)base;
    if (s->r) PQfinish(s->r);
    if (s->snap) PQfinish(s->snap);
    if (s->w) PQfinish(s->w);
    pthread_mutex_destroy(&s->r_lock);
    pthread_mutex_destroy(&s->snap_lock);
    free(s);
}

static const struct store_ops pg_ops = {
    .close = pg_close,
    .write_genesis = pg_write_genesis,
    .read_genesis = pg_read_genesis,
    .append_block = pg_append_block,
    .head = pg_head,
    .block_at = pg_block_at,
    .scan_blocks = pg_scan_blocks,
    .scan_blocks_desc = pg_scan_blocks_desc,
    .scan_requests_desc = pg_scan_requests_desc,
    .scan_requests_since = pg_scan_requests_since,
    .settle = pg_settle,
    .tally = pg_tally,
    .write_snapshot = pg_write_snapshot,
    .latest_snapshot = pg_latest_snapshot,
};

/* Is there a ledger's schema? 1 yes, 0 no, -1 the question failed. */
static int pg__has_schema(PGconn *c) {
    PGresult *res = PQexec(c, "SELECT to_regclass('meta') IS NOT NULL AND "
                              "to_regclass('blocks') IS NOT NULL");
    int rc = -1;
    if (pg__ok(res, PGRES_TUPLES_OK, "open") && PQntuples(res) == 1) {
        rc = PQgetvalue(res, 0, 0)[0] == 't';
    }
    PQclear(res);
    return rc;
}

/* A store written by another format version is refused, not misread. */
static enum err pg__format_ok(PGconn *c) {
    PGresult *res = pg__query(c, "SELECT value FROM meta WHERE key = 'format'", NULL);
    enum err err = ERR_STORE_IO;
    if (pg__ok(res, PGRES_TUPLES_OK, "open")) {
        err = ERR_OK;
        if (PQntuples(res) == 1 &&
            ((size_t)PQgetlength(res, 0, 0) != strlen(PG_STORE_FORMAT) ||
             memcmp(PQgetvalue(res, 0, 0), PG_STORE_FORMAT, strlen(PG_STORE_FORMAT)) != 0)) {
            fprintf(stderr, "mintline: store: unknown format (this mintline reads %s)\n",
                    PG_STORE_FORMAT);
            err = ERR_IO;
        }
    }
    PQclear(res);
    return err;
}

static enum err pg__prepare(PGconn *c, const char *name, const char *sql, int n,
                            const Oid *types) {
    PGresult *res = PQprepare(c, name, sql, n, types);
    int ok = pg__ok(res, PGRES_COMMAND_OK, "prepare");
    PQclear(res);
    return ok ? ERR_OK : ERR_STORE_IO;
}

/* Is the high-availability part there (a store made before it was)?
 * 1 yes, 0 no, -1 the question failed. */
static int pg__has_ha(PGconn *c) {
    PGresult *res = PQexec(c, "SELECT to_regclass('leader') IS NOT NULL");
    int rc = -1;
    if (pg__ok(res, PGRES_TUPLES_OK, "open") && PQntuples(res) == 1) {
        rc = PQgetvalue(res, 0, 0)[0] == 't';
    }
    PQclear(res);
    return rc;
}

/* The writer's session: durable commits and the two inserts prepared. */
static enum err pg__writer_prepare(struct store_pg *s) {
    enum err err = pg__durable(s->w);
    static const Oid block_types[11] = {PG_OID_INT8,  PG_OID_INT8, PG_OID_BYTEA, PG_OID_BYTEA,
                                        PG_OID_BYTEA, PG_OID_INT8, PG_OID_INT8,  PG_OID_INT8,
                                        PG_OID_INT8,  PG_OID_INT8, PG_OID_BYTEA};
    static const Oid request_types[13] = {
        PG_OID_INT8,  PG_OID_INT8, PG_OID_INT8,  PG_OID_INT8,  PG_OID_TEXT,
        PG_OID_INT8,  PG_OID_BYTEA, PG_OID_TEXT, PG_OID_TEXT,  PG_OID_BYTEA,
        PG_OID_BYTEA, PG_OID_BYTEA, PG_OID_BYTEA};
    if (!err) err = pg__prepare(s->w, "ins_block", PG_INS_BLOCK, 11, block_types);
    if (!err) err = pg__prepare(s->w, "ins_request", PG_INS_REQUEST, 13, request_types);
    return err;
}

static enum err pg__setup(struct store_pg *s, int create) {
    enum err err = pg__connect(s->conninfo, &s->w);
    if (err) return err;
    int has = pg__has_schema(s->w);
    if (has < 0) return ERR_STORE_IO;
    if (!has && !create) return ERR_NO_LEDGER;
    if (!has) err = pg__exec(s->w, pg__schema);
    int ha = err ? -1 : pg__has_ha(s->w);
    if (ha < 0) return ERR_STORE_IO;
    if (!ha) err = pg__exec(s->w, pg__ha_schema);
    if (!err) err = pg__writer_prepare(s);
    static const Oid height_type[1] = {PG_OID_INT8};
    if (!err) err = pg__connect(s->conninfo, &s->r);
    if (!err) {
        err = pg__prepare(s->r, "head",
                          "SELECT " PG_BLOCK_COLS " FROM blocks ORDER BY height DESC LIMIT 1", 0,
                          NULL);
    }
    if (!err) {
        err = pg__prepare(s->r, "block_at",
                          "SELECT " PG_BLOCK_COLS " FROM blocks WHERE height = $1", 1, height_type);
    }
    return err ? err : pg__format_ok(s->r);
}

enum err store_postgres_open(const char *url, int create, struct store **out) {
    if (!pg__url_is(url) || strlen(url) >= sizeof(((struct store_pg *)0)->conninfo)) {
        return ERR_INVALID_ARGUMENT;
    }
    struct store_pg *s = calloc(1, sizeof(*s));
    if (s == NULL) return ERR_INTERNAL;
    pthread_mutex_init(&s->r_lock, NULL);
    pthread_mutex_init(&s->snap_lock, NULL);
    snprintf(s->conninfo, sizeof(s->conninfo), "%s", url);
    s->base.ops = &pg_ops;
    snprintf(s->base.kind, sizeof(s->base.kind), "postgres");
    store_url_redact(url, s->base.where, sizeof(s->base.where));
    enum err err = pg__setup(s, create);
    if (err) {
        pg_close(&s->base);
        return err;
    }
    *out = &s->base;
    return ERR_OK;
}

enum err store_open_url(const char *url, const char *data_dir, int create, struct store **out) {
    if (pg__url_is(url)) return store_postgres_open(url, create, out);
    if (url != NULL && strcmp(url, "sqlite") != 0) return ERR_USAGE;
    return store_open(data_dir, create, out);
}

/* ---- the one writer: a session advisory lock ------------------------- */

struct store_lease {
    PGconn *c;
    char conninfo[1024];
    char holder[64]; /* application_name: what a refusal or a DBA sees */
    int listening;   /* LISTEN mintline_blocks is in force on c */
};

/* Who holds the writer lock, as its session named itself. */
static void pg__lock_holder(PGconn *c, char *out, size_t out_size) {
    PGresult *res = PQexec(c, "SELECT coalesce(a.application_name, ''), "
                              "coalesce(host(a.client_addr), 'a local socket') "
                              "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                              "WHERE l.locktype = 'advisory' AND l.granted AND "
                              "((l.classid::int8 << 32) | l.objid::int8) = " PG_WRITER_LOCK_KEY);
    snprintf(out, out_size, "another node");
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) >= 1 &&
        PQgetvalue(res, 0, 0)[0]) {
        snprintf(out, out_size, "%s (from %s)", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
    }
    PQclear(res);
}

/* (Re)connect the lease's session and name it. */
static enum err pg__lease_connect(struct store_lease *l) {
    if (l->c != NULL && PQstatus(l->c) == CONNECTION_OK) return ERR_OK;
    if (l->c != NULL) PQfinish(l->c);
    l->c = NULL;
    l->listening = 0;
    if (pg__connect(l->conninfo, &l->c) != ERR_OK) return ERR_STORE_IO;
    struct pg__params p = {.count = 0};
    pg__p_text(&p, l->holder);
    PGresult *res = pg__query(l->c, "SELECT set_config('application_name', $1, false)", &p);
    PQclear(res);
    return ERR_OK;
}

enum err store_lease_open(const char *url, const char *holder, struct store_lease **out) {
    if (!pg__url_is(url) || strlen(url) >= sizeof(((struct store_lease *)0)->conninfo)) {
        return ERR_INVALID_ARGUMENT;
    }
    struct store_lease *l = calloc(1, sizeof(*l));
    if (l == NULL) return ERR_INTERNAL;
    snprintf(l->conninfo, sizeof(l->conninfo), "%s", url);
    /* 63 bytes at most (PostgreSQL cuts longer names), printable. */
    size_t k = 0;
    for (const char *p = holder; *p && k + 1 < sizeof(l->holder); p++) {
        l->holder[k++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
    }
    l->holder[k] = '\0';
    if (pg__lease_connect(l) != ERR_OK) {
        free(l);
        return ERR_STORE_IO;
    }
    *out = l;
    return ERR_OK;
}

/* Having just taken the lock: the next term, and this node in the
 * leader's row. The UPDATE waits for any append of an older term that
 * already passed the fence (it holds the row FOR SHARE). */
static enum err pg__lease_term(struct store_lease *l, const char *advertise_url, uint64_t *term) {
    struct pg__params p = {.count = 0};
    pg__p_text(&p, advertise_url);
    pg__p_text(&p, l->holder);
    PGresult *res = pg__query(
        l->c,
        "INSERT INTO leader(id, term, url, node, pid, since) VALUES(1, 1, $1, $2, "
        "pg_backend_pid(), now()) ON CONFLICT (id) DO UPDATE SET term = leader.term + 1, "
        "url = EXCLUDED.url, node = EXCLUDED.node, pid = EXCLUDED.pid, since = EXCLUDED.since "
        "RETURNING term",
        &p);
    enum err err = ERR_STORE_IO;
    if (pg__ok(res, PGRES_TUPLES_OK, "leader") && PQntuples(res) == 1) {
        *term = pg__u64(res, 0, 0);
        err = ERR_OK;
    }
    PQclear(res);
    return err;
}

enum err store_lease_try(struct store_lease *l, const char *advertise_url, int *leading,
                         uint64_t *term) {
    if (pg__lease_connect(l) != ERR_OK) return ERR_STORE_IO;
    PGresult *res = PQexec(l->c, "SELECT pg_try_advisory_lock(" PG_WRITER_LOCK_KEY ")");
    int got = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    int held = got && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (!got) return ERR_STORE_IO;
    if (!held) {
        *leading = 0;
        return ERR_OK;
    }
    uint64_t t = 0;
    if (pg__lease_term(l, advertise_url, &t) != ERR_OK) {
        /* Not leading after all: the lock goes with the session. */
        PQfinish(l->c);
        l->c = NULL;
        return ERR_STORE_IO;
    }
    /* A leader listens to nobody: its own blocks' notifications would
     * pile up unread in the server's queue. */
    if (l->listening && pg__exec(l->c, "UNLISTEN *") == ERR_OK) l->listening = 0;
    PGnotify *note;
    while ((note = PQnotifies(l->c)) != NULL) PQfreemem(note);
    *leading = 1;
    *term = t;
    return ERR_OK;
}

enum err store_lease_held(struct store_lease *l) {
    if (l->c == NULL || PQstatus(l->c) != CONNECTION_OK) return ERR_STORE_IO;
    PGresult *res = PQexec(l->c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                 "AND granted AND pid = pg_backend_pid() AND "
                                 "((classid::int8 << 32) | objid::int8) = " PG_WRITER_LOCK_KEY);
    int ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
             strcmp(PQgetvalue(res, 0, 0), "1") == 0;
    PQclear(res);
    return ok ? ERR_OK : ERR_STORE_IO;
}

void store_lease_release(struct store_lease *l) {
    if (l->c != NULL) PQfinish(l->c); /* the session ends: the lock is released */
    l->c = NULL;
    l->listening = 0;
}

enum err store_lease_leader(struct store_lease *l, struct store_leader *out) {
    if (pg__lease_connect(l) != ERR_OK) return ERR_STORE_IO;
    PGresult *res = PQexec(l->c,
                           "SELECT term, url, node, EXISTS (SELECT 1 FROM pg_locks k WHERE "
                           "k.locktype = 'advisory' AND k.granted AND k.pid = leader.pid AND "
                           "((k.classid::int8 << 32) | k.objid::int8) = " PG_WRITER_LOCK_KEY
                           ") FROM leader WHERE id = 1");
    enum err err = ERR_STORE_IO;
    memset(out, 0, sizeof(*out));
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        err = ERR_OK;
        if (PQntuples(res) == 1) {
            out->term = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
            snprintf(out->url, sizeof(out->url), "%s", PQgetvalue(res, 0, 1));
            snprintf(out->node, sizeof(out->node), "%s", PQgetvalue(res, 0, 2));
            out->live = PQgetvalue(res, 0, 3)[0] == 't';
        }
    }
    PQclear(res);
    return err;
}

/* Wait for a block's notification, or timeout_ms; LISTEN first. */
enum err store_lease_wait(struct store_lease *l, int timeout_ms, int *notified) {
    *notified = 0;
    if (pg__lease_connect(l) != ERR_OK) return ERR_STORE_IO;
    if (!l->listening) {
        if (pg__exec(l->c, "LISTEN mintline_blocks") != ERR_OK) return ERR_STORE_IO;
        l->listening = 1;
    }
    int fd = PQsocket(l->c);
    if (fd < 0) return ERR_STORE_IO;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int n = poll(&pfd, 1, timeout_ms);
    if (n < 0) return ERR_OK; /* a signal: the caller goes round again */
    if (PQconsumeInput(l->c) != 1) return ERR_STORE_IO;
    PGnotify *note;
    while ((note = PQnotifies(l->c)) != NULL) {
        *notified = 1;
        PQfreemem(note);
    }
    return ERR_OK;
}

enum err store_lease_take(const char *url, const char *holder, struct store_lease **out,
                          char *why, size_t why_size) {
    char where[512];
    store_url_redact(url, where, sizeof(where));
    struct store_lease *l = NULL;
    enum err err = store_lease_open(url, holder, &l);
    if (err) {
        snprintf(why, why_size, "cannot connect to %s", where);
        return err;
    }
    PGresult *res = PQexec(l->c, "SELECT pg_try_advisory_lock(" PG_WRITER_LOCK_KEY ")");
    int got = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    int held = got && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (!got) {
        snprintf(why, why_size, "cannot take the writer lock of %s", where);
        store_lease_drop(l);
        return ERR_STORE_IO;
    }
    if (!held) {
        char who[200];
        pg__lock_holder(l->c, who, sizeof(who));
        snprintf(why, why_size, "%s is served by %s", where, who);
        store_lease_drop(l);
        return ERR_LEDGER_LOCKED;
    }
    *out = l;
    return ERR_OK;
}

void store_lease_drop(struct store_lease *l) {
    if (l == NULL) return;
    store_lease_release(l);
    free(l);
}

/* ---- the writer's term ------------------------------------------------- */

enum err store_postgres_fence(struct store *base, uint64_t term) {
    if (strcmp(base->kind, "postgres") != 0) return ERR_INVALID_ARGUMENT;
    struct store_pg *s = (struct store_pg *)base;
    if (PQstatus(s->w) != CONNECTION_OK) {
        /* A writer cut with its old leadership (PostgreSQL restarted, the
         * connection killed): a new session, prepared again. */
        PQfinish(s->w);
        s->w = NULL;
        if (pg__connect(s->conninfo, &s->w) != ERR_OK) return ERR_STORE_IO;
        if (pg__writer_prepare(s) != ERR_OK) return ERR_STORE_IO;
    }
    char sql[80];
    snprintf(sql, sizeof(sql), "SET mintline.term = '%llu'", (unsigned long long)term);
    return pg__exec(s->w, sql);
}

/* ---- the whole journal, read as of one commit (store_copy.h) ----------- */

/*
 * GET /api/journal and backups on a PostgreSQL ledger: a connection of its
 * own in one REPEATABLE READ READ ONLY transaction, so every read below
 * (the head, block 0, the genesis, the blocks, their requests, the
 * snapshot) sees the journal as of one commit while the leader goes on
 * appending. Blocks come through a cursor a page at a time, with the
 * requests of that page (bodies included): what is held is one page, as
 * pg__scan holds, never the journal.
 */
struct store_pg_journal {
    PGconn *c;
    char *genesis_json;
    size_t genesis_json_len;
    char *genesis_yaml;
    size_t genesis_yaml_len;
    struct store_block block0;
    struct store_block head;
    PGresult *blocks; /* the current page */
    int block_row;    /* the next row of blocks */
    PGresult *reqs;   /* the requests of the page, ascending by height */
    int req_row;      /* the next row of reqs */
    uint64_t height;  /* the block whose requests are being read */
    int in_block;
    int ended;
};

/* One block's header by SQL (no parameters); ERR_NO_LEDGER when none. */
static enum err pg__journal_block(PGconn *c, const char *sql, struct store_block *out) {
    PGresult *res = pg__query(c, sql, NULL);
    enum err err = ERR_STORE_IO;
    if (pg__ok(res, PGRES_TUPLES_OK, "read a block")) {
        err = ERR_NO_LEDGER;
        if (PQntuples(res) == 1) {
            pg__row_block(res, 0, out);
            err = ERR_OK;
        }
    }
    PQclear(res);
    return err;
}

enum err store_postgres_journal_open(const char *url, uint64_t from_height,
                                     struct store_pg_journal **out) {
    if (!pg__url_is(url)) return ERR_INVALID_ARGUMENT;
    struct store_pg_journal *j = calloc(1, sizeof(*j));
    if (j == NULL) return ERR_INTERNAL;
    enum err err = pg__connect(url, &j->c);
    int has = err ? -1 : pg__has_schema(j->c);
    if (!err && has <= 0) err = has < 0 ? ERR_STORE_IO : ERR_NO_LEDGER;
    if (!err) err = pg__format_ok(j->c);
    /* The cursor's DECLARE takes the transaction's snapshot: every read
     * after it, the head first, sees the same journal. */
    struct pg__params p = {.count = 0};
    pg__p_int(&p, from_height > 0 ? from_height : 1);
    if (!err) {
        err = pg__cursor_open(j->c, "journal_blocks",
                              "SELECT " PG_BLOCK_COLS ",events FROM blocks WHERE height >= $1 "
                              "ORDER BY height",
                              &p);
    }
    if (!err) {
        err = pg__journal_block(j->c, "SELECT " PG_BLOCK_COLS " FROM blocks ORDER BY height DESC "
                                      "LIMIT 1", &j->head);
    }
    if (!err) {
        err = pg__journal_block(j->c, "SELECT " PG_BLOCK_COLS " FROM blocks WHERE height = 0",
                                &j->block0);
    }
    if (!err) err = pg__meta_get(j->c, "genesis_json", &j->genesis_json, &j->genesis_json_len);
    if (!err) err = pg__meta_get(j->c, "genesis_yaml", &j->genesis_yaml, &j->genesis_yaml_len);
    if (err) {
        store_postgres_journal_close(j);
        return err;
    }
    *out = j;
    return ERR_OK;
}

void store_postgres_journal_genesis(const struct store_pg_journal *j, const char **json,
                                    size_t *json_len, const char **yaml, size_t *yaml_len,
                                    struct store_block *block0, struct store_block *head) {
    *json = j->genesis_json;
    *json_len = j->genesis_json_len;
    if (yaml) *yaml = j->genesis_yaml;
    if (yaml_len) *yaml_len = j->genesis_yaml_len;
    *block0 = j->block0;
    *head = j->head;
}

/* The next page of blocks and their requests; *rows 0 at the end. */
static enum err pg__journal_page(struct store_pg_journal *j, int *rows) {
    PQclear(j->blocks);
    PQclear(j->reqs);
    j->blocks = NULL;
    j->reqs = NULL;
    j->block_row = 0;
    j->req_row = 0;
    j->blocks = pg__cursor_fetch(j->c, "journal_blocks", PG_SCAN_BLOCKS_PAGE_BODIES);
    if (j->blocks == NULL) return ERR_STORE_IO;
    *rows = PQntuples(j->blocks);
    if (*rows == 0) return ERR_OK;
    struct pg__params p = {.count = 0};
    pg__p_int(&p, pg__u64(j->blocks, 0, 0));
    pg__p_int(&p, pg__u64(j->blocks, *rows - 1, 0));
    j->reqs = pg__query(j->c, pg__requests_sql(2), &p);
    if (!pg__ok(j->reqs, PGRES_TUPLES_OK, "read the journal")) return ERR_STORE_IO;
    return ERR_OK;
}

enum err store_postgres_journal_next_block(struct store_pg_journal *j, struct store_block *out,
                                           int *done) {
    *done = 1;
    j->in_block = 0;
    if (j->ended) return ERR_OK;
    if (j->blocks == NULL || j->block_row >= PQntuples(j->blocks)) {
        int rows = 0;
        enum err err = pg__journal_page(j, &rows);
        if (err) return err;
        if (rows == 0) {
            j->ended = 1;
            return ERR_OK;
        }
    }
    int i = j->block_row++;
    pg__row_block(j->blocks, i, out);
    out->events = (const uint8_t *)PQgetvalue(j->blocks, i, 10);
    out->events_len = (size_t)PQgetlength(j->blocks, i, 10);
    /* Requests come ascending by height: skip any of an earlier block. */
    int nreq = PQntuples(j->reqs);
    while (j->req_row < nreq && pg__u64(j->reqs, j->req_row, 0) < out->height) j->req_row++;
    j->height = out->height;
    j->in_block = 1;
    *done = 0;
    return ERR_OK;
}

enum err store_postgres_journal_next_request(struct store_pg_journal *j, struct store_request *out,
                                             int *done) {
    *done = 1;
    if (!j->in_block || j->reqs == NULL) return ERR_OK;
    if (j->req_row >= PQntuples(j->reqs) || pg__u64(j->reqs, j->req_row, 0) != j->height) {
        j->in_block = 0;
        return ERR_OK;
    }
    pg__row_request(j->reqs, j->req_row++, 1, out);
    *done = 0;
    return ERR_OK;
}

enum err store_postgres_journal_snapshot(struct store_pg_journal *j, uint64_t *height,
                                         uint8_t **data, size_t *len) {
    return pg__snap_newest(j->c, j->head.height, height, data, len);
}

void store_postgres_journal_close(struct store_pg_journal *j) {
    if (j == NULL) return;
    PQclear(j->blocks);
    PQclear(j->reqs);
    if (j->c) PQfinish(j->c); /* the read-only transaction ends with the session */
    free(j->genesis_json);
    free(j->genesis_yaml);
    free(j);
}

const char *store_postgres_url(const struct store *s) {
    return strcmp(s->kind, "postgres") == 0 ? ((const struct store_pg *)s)->conninfo : NULL;
}
