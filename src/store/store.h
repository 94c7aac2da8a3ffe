/*
 * store.h - the journal and snapshots, behind one interface.
 *
 * The journal is a chain of blocks. Each block keeps its signed requests
 * exactly as received (so every signature can be re-verified offline), the
 * result code of every command (rejected commands are journaled too), the
 * decoded commands in binary (for fast replay; audit checks them against
 * the signed bytes), and the events the block emitted. append_block returns
 * only once the block is durable (fsync): nothing is acknowledged before.
 *
 * Backends: SQLite (store_sqlite.c) and PostgreSQL (store_postgres.c,
 * opened by a postgres:// URL: store_open_url). A store handle is used by one writer
 * thread; reads (scan_*) may come from other threads and are serialised
 * inside the backend.
 */
#ifndef MINTLINE_STORE_STORE_H
#define MINTLINE_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"
#include "../base/hash.h"

/* Request flags. */
#define STORE_REQUEST_ATOMIC 1u

struct store_request {
    uint64_t first_seq;
    uint32_t commands_count;
    uint32_t flags; /* STORE_REQUEST_* */
    const char *operator_name;
    int64_t time_ms;
    const char *nonce;
    const char *signature; /* base64 */
    const char *method;
    const char *path;
    const uint8_t *body; /* NULL when a scan was asked not to load bodies */
    size_t body_len;
    struct hash body_hash; /* SHA-256 of body: set by the writer (and by audit
                            * from the body it reads); not stored */
    const uint8_t *results; /* u16 LE error code per command */
    size_t results_len;
    const uint8_t *commands; /* command_encode records */
    size_t commands_len;
    /* scan_requests_desc only (NULL elsewhere): the events of the request's
     * block (event_encode records), so history can tell a command that
     * became a proposal or a timelock entry from one that ran. */
    const uint8_t *block_events;
    size_t block_events_len;
};

struct store_block {
    uint64_t height;
    int64_t time_ns;
    struct hash prev_hash;
    struct hash hash;
    struct hash state_hash;
    uint64_t first_seq;
    uint32_t commands_count;
    uint32_t requests_count;
    uint64_t first_event_seq;
    uint32_t events_count;
    const uint8_t *events; /* event_encode records */
    size_t events_len;
};

struct store;

/* scan_blocks' flags */
#define STORE_SCAN_BODIES 1
#define STORE_SCAN_NO_EVENTS 2
/* read the next blocks on a thread of the scan's own while fn runs (fn
 * still runs in the caller's thread, in order); a store may ignore it */
#define STORE_SCAN_READ_AHEAD 4

/* The journal's ends, counted independently of the chain of blocks: a cut
 * at the end (blocks deleted) leaves requests or snapshots naming heights
 * past the last block, or fewer blocks' worth of requests than there are
 * request rows. */
struct store_tally {
    uint64_t requests;            /* request rows */
    uint64_t requests_in_blocks;  /* the sum of the blocks' request counts */
    uint64_t request_height_max;  /* the highest height a request names (0: none) */
    uint64_t snapshot_height_max; /* the highest height a snapshot names (0: none) */
};

/* A scan callback: return 0 to go on, non-zero to stop (scan returns OK). */
typedef int (*store_block_fn)(void *ctx, const struct store_block *block,
                              const struct store_request *requests, uint32_t requests_count);
typedef int (*store_request_fn)(void *ctx, const struct store_request *request, uint64_t height,
                                int64_t block_time_ns);

struct store_ops {
    void (*close)(struct store *s);
    enum err (*write_genesis)(struct store *s, const char *yaml, size_t yaml_len, const char *json,
                              size_t json_len, const struct store_block *block0);
    /* read_genesis: *json is malloc'd, NUL terminated, the caller frees it. */
    enum err (*read_genesis)(struct store *s, char **json, size_t *json_len);
    enum err (*append_block)(struct store *s, const struct store_block *block,
                             const struct store_request *requests, uint32_t requests_count);
    /* head: the last block (events not loaded). ERR_NO_LEDGER when empty. */
    enum err (*head)(struct store *s, struct store_block *out);
    /* block_at: one block's header (events not loaded). ERR_NOT_FOUND. */
    enum err (*block_at)(struct store *s, uint64_t height, struct store_block *out);
    /* scan_blocks: blocks from_height.. ascending, with requests and
     * events. flags: STORE_SCAN_BODIES for the requests' bodies (replay
     * needs none); STORE_SCAN_NO_EVENTS leaves the blocks' events out
     * (events NULL, events_len 0, events_count still read: replay without
     * the events check; a store may give them all the same);
     * STORE_SCAN_READ_AHEAD reads the next blocks while fn runs. */
    enum err (*scan_blocks)(struct store *s, uint64_t from_height, int flags,
                            store_block_fn fn, void *ctx);
    /* scan_blocks_desc: blocks from the head down to 1, with events and their
     * requests' headers (seqs, operator; no body, results or commands). */
    enum err (*scan_blocks_desc)(struct store *s, store_block_fn fn, void *ctx);
    /* scan_requests_desc: requests newest first, each with its block's
     * events (store_request.block_events). */
    enum err (*scan_requests_desc)(struct store *s, store_request_fn fn, void *ctx);
    /* scan_requests_since: requests whose Mintline-Time >= time_ms, any order. */
    enum err (*scan_requests_since)(struct store *s, int64_t time_ms, store_request_fn fn,
                                    void *ctx);
    /* settle: make durable everything the journal holds now, before a
     * node serves it (start-up). After a crash, or after an fsync that
     * failed (Linux then drops the dirty pages from write-back, yet reads
     * still return them), the OS may hold journal pages that never
     * reached the disk; a node that recovered from them would build
     * acknowledged blocks on them, and a power loss would take both.
     * ERR_STORE_IO when it cannot (the node must not start). */
    enum err (*settle)(struct store *s);
    /* tally: what the rows outside the block chain's own count say, for
     * start-up and audit: see struct store_tally. */
    enum err (*tally)(struct store *s, struct store_tally *out);
    /* write_snapshot: may be called from a thread of its own, alongside
     * append_block (the backend serialises what it must). */
    enum err (*write_snapshot)(struct store *s, uint64_t height, const uint8_t *data, size_t len);
    /* latest_snapshot: the newest snapshot that is whole (size and SHA-256
     * as recorded); *data malloc'd (caller frees); ERR_NOT_FOUND if none. */
    enum err (*latest_snapshot)(struct store *s, uint64_t *height, uint8_t **data, size_t *len);
};

struct store {
    const struct store_ops *ops;
    char kind[16]; /* "sqlite" or "postgres" */
    char where[512]; /* path shown in status; a URL without its password */
};

/* store_open: open the store in data_dir (creating the file when create is
 * set; ERR_NO_LEDGER when it does not exist and create is not set). */
enum err store_open(const char *data_dir, int create, struct store **out)
    __attribute__((warn_unused_result));

/* store_open_url: open the store a --store URL names: NULL or "sqlite" is
 * data_dir's SQLite file (store_open); postgres://... or postgresql://...
 * a PostgreSQL database (store_postgres_open). ERR_USAGE for anything
 * else; otherwise the errors of the backend's open. */
enum err store_open_url(const char *url, const char *data_dir, int create, struct store **out)
    __attribute__((warn_unused_result));

/* store_url_is_postgres: 1 when url is a postgres:// or postgresql:// URL. */
int store_url_is_postgres(const char *url);

/* store_url_redact: url without its password (user:password@ and a
 * password= parameter), for status and messages; out is always ended. */
void store_url_redact(const char *url, char *out, size_t out_size);

/* store_postgres_open: the store in the PostgreSQL database at url (a
 * libpq connection URI). With create, makes the schema when it is not
 * there; without, ERR_NO_LEDGER when it is not. ERR_STORE_IO when
 * PostgreSQL cannot be reached or a statement fails (said on stderr),
 * ERR_IO for a store of another format, ERR_INVALID_ARGUMENT for a URL
 * that is not postgres:// or is over 1023 bytes. */
enum err store_postgres_open(const char *url, int create, struct store **out)
    __attribute__((warn_unused_result));

/* store_lease_take: become the one writer of the PostgreSQL ledger at
 * url: a session advisory lock (pg_try_advisory_lock) held on a
 * connection of its own until store_lease_drop or the session ends (the
 * process dies, the connection is cut). `holder` (who serves) names the
 * session (application_name, 63 bytes) so that a refusal can name it.
 * ERR_LEDGER_LOCKED when another session holds it (why names the
 * holder), ERR_STORE_IO when PostgreSQL cannot be reached. */
struct store_lease;
enum err store_lease_take(const char *url, const char *holder, struct store_lease **out,
                          char *why, size_t why_size) __attribute__((warn_unused_result));
void store_lease_drop(struct store_lease *l);

/* Leader election (docs/operators/high-availability.md): every node
 * serving a PostgreSQL ledger opens a lease; the one whose session holds
 * the advisory lock leads, the others follow and try again.
 *
 * store_lease_open: a session of its own named `holder` (63 bytes), not
 * yet trying for the lock. ERR_STORE_IO when PostgreSQL cannot be
 * reached, ERR_INVALID_ARGUMENT for a URL that is not postgres://.
 * store_lease_try: try once for the lock (reconnecting a session that
 * was cut). Taken: *leading = 1 and the ledger's next term in *term, this
 * node (advertise_url, holder) recorded as the leader; the bump waits for
 * any append of the previous term that passed its fence, so the journal
 * read after it is whole. Held by another: *leading = 0. ERR_STORE_IO.
 * store_lease_held: ERR_OK while this session still holds the lock;
 * ERR_STORE_IO once it does not (connection cut, session terminated).
 * store_lease_release: end the session (the lock goes with it); the
 * lease stays usable (the next call reconnects).
 * store_lease_wait: LISTEN for appended blocks and wait up to timeout_ms;
 * *notified = 1 when at least one came. ERR_STORE_IO when cut.
 * store_lease_leader: the leader's row; out zeroed when there is none.
 * `live` says whether its session still holds the lock. */
struct store_leader {
    uint64_t term;
    char url[256];
    char node[64];
    int live;
};
enum err store_lease_open(const char *url, const char *holder, struct store_lease **out)
    __attribute__((warn_unused_result));
enum err store_lease_try(struct store_lease *l, const char *advertise_url, int *leading,
                         uint64_t *term) __attribute__((warn_unused_result));
enum err store_lease_held(struct store_lease *l) __attribute__((warn_unused_result));
void store_lease_release(struct store_lease *l);
enum err store_lease_wait(struct store_lease *l, int timeout_ms, int *notified)
    __attribute__((warn_unused_result));
enum err store_lease_leader(struct store_lease *l, struct store_leader *out)
    __attribute__((warn_unused_result));

/* store_postgres_fence: the writer's session appends as the leader of
 * `term` from now on (the trigger refuses its blocks once the term is not
 * the ledger's or its lock is lost); a writer session that was cut is
 * opened again first. ERR_INVALID_ARGUMENT for a store that is not
 * PostgreSQL, ERR_STORE_IO. Call it from the writer's thread or while no
 * block is being appended. */
enum err store_postgres_fence(struct store *s, uint64_t term) __attribute__((warn_unused_result));

/* store_postgres_url: the URL a PostgreSQL store was opened with
 * (password included: never print it), for the sessions of their own a
 * whole-journal read opens (store_copy.h); NULL for another backend.
 * Valid while s is open. */
const char *store_postgres_url(const struct store *s);

/* store_sqlite_unsynced: commit s's later writes without fsync
 * (synchronous=OFF), for a SQLite file that is a temporary image nobody
 * serves (store_copy_image_pg), which its maker fsyncs as a whole (as a
 * backup file) when done. Never on a journal a node serves. No effect on
 * another backend. */
void store_sqlite_unsynced(struct store *s);

/* store_sqlite_vfs: open every later SQLite store (all its connections) on
 * the VFS registered with sqlite3_vfs_register under `name`; NULL (the
 * default) is SQLite's own VFS. With a VFS named, store_open asks that VFS
 * whether the ledger file exists and creates no directory. For the
 * fault-injection simulator (tests/sim), whose VFS keeps the files in
 * memory and fails, tears and loses writes on purpose. Not thread-safe:
 * call it before opening a store, never while one is open. The name is
 * kept, not copied. */
void store_sqlite_vfs(const char *name);

/* store_lock: become the one writer of the ledger in data_dir: an
 * exclusive flock on DATA/mintline.lock, held until store_unlock or the
 * process ends (any way it ends), with `holder` (one line: who serves)
 * written into the file. ERR_LEDGER_LOCKED when another process holds it
 * (why names the holder as it wrote itself), ERR_IO otherwise. */
enum err store_lock(const char *data_dir, const char *holder, int *fd, char *why,
                    size_t why_size) __attribute__((warn_unused_result));
void store_unlock(int fd);

/* block_hash: SHA-256 chaining a block to its predecessor over its header
 * and, for each request, what was signed (operator, time, nonce, method,
 * path, body_hash), the signature and the result codes. Derived data (the
 * binary commands, the events) is not hashed: audit recomputes it from the
 * signed bodies and compares byte for byte. */
void block_hash(const struct store_block *block, const struct store_request *requests,
                uint32_t requests_count, struct hash *out);

/* block_hash_genesis: block 0's hash, over the genesis document. */
void block_hash_genesis(const struct store_block *block0, const char *json, size_t json_len,
                        struct hash *out);

#endif
