/*
 * init.c - `mintline init`: a new ledger whose block 0 holds the genesis.
 *
 * The YAML is validated completely (by the engine's genesis reader) before
 * anything is written; a directory that already holds a ledger is refused.
 * Block 0 keeps both the operator's YAML text and the canonical JSON the
 * engine read, and its hash covers the JSON.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/jw.h"
#include "../base/keyfile.h"
#include "../base/report.h"
#include "../engine/incident.h"
#include "chain.h"
#include "node.h"
#include "node_internal.h"
#include "yaml_json.h"

#define INIT_GENESIS_MAX_BYTES (1u << 20)
#define INIT_SYSTEM_KEY "system.key"

enum err node_read_file(const char *path, size_t max, char **out, size_t *out_len) {
    int std_in = strcmp(path, "-") == 0; /* "-": standard input (SPEC 8's CLI convention) */
    FILE *f = std_in ? stdin : fopen(path, "rb");
    if (f == NULL) return ERR_IO;
    char *p = malloc(max + 1);
    size_t n = p ? fread(p, 1, max + 1, f) : 0;
    int bad = p == NULL || ferror(f) || n > max;
    if (!std_in) fclose(f);
    if (bad) {
        free(p);
        return p == NULL ? ERR_INTERNAL : ERR_IO;
    }
    p[n] = '\0';
    *out = p;
    *out_len = n;
    return ERR_OK;
}

/* --clock manual records "clock": "manual" in the genesis document (block
 * 0's hash covers it); a genesis that says otherwise is a contradiction. */
static enum err init__clock(json_t *doc, int clock_manual, char *why, size_t why_size) {
    if (!clock_manual) return ERR_OK;
    json_t *v = json_object_get(doc, "clock");
    if (v != NULL && !(json_is_string(v) && strcmp(json_string_value(v), "manual") == 0)) {
        snprintf(why, why_size, "--clock manual, but the genesis says clock: %s",
                 json_is_string(v) ? json_string_value(v) : "?");
        return ERR_USAGE;
    }
    return json_object_set_new(doc, "clock", json_string("manual")) ? ERR_INTERNAL : ERR_OK;
}

/* The built-in operator `system` (SPEC 9): init makes its key,
 * DATA/system.key (mode 0600, the key-file format), and writes its public
 * key into the genesis document as "system": {"pubkey"}. The name and the
 * entry are init's: a genesis that uses them is refused. */
static enum err init__system(json_t *doc, const char *pubkey_hex, char *why, size_t why_size) {
    if (json_object_get(doc, "system") != NULL) {
        snprintf(why, why_size, "system: made by init (the built-in operator's key), not written "
                                "in a genesis");
        return ERR_INVALID_GENESIS;
    }
    const json_t *ops = json_object_get(doc, "operators");
    size_t i;
    const json_t *o;
    json_array_foreach(ops, i, o) {
        const char *name = json_string_value(json_object_get(o, "name"));
        if (name != NULL && strcmp(name, SYSTEM_OPERATOR_NAME) == 0) {
            snprintf(why, why_size, "operator name system is reserved for the built-in operator "
                                    "that runs alert actions");
            return ERR_INVALID_GENESIS;
        }
    }
    json_t *sys = json_pack("{s:s}", "pubkey", pubkey_hex);
    return sys != NULL && json_object_set_new(doc, "system", sys) == 0 ? ERR_OK : ERR_INTERNAL;
}

static enum err init__genesis(const char *path, int clock_manual, const char *system_pubkey,
                              char **yaml, size_t *yaml_len, char **json, struct engine *e,
                              int64_t now, char *why, size_t why_size) {
    enum err err = node_read_file(path, INIT_GENESIS_MAX_BYTES, yaml, yaml_len);
    if (err) {
        snprintf(why, why_size, "cannot read %s", path);
        return err;
    }
    json_t *doc = NULL;
    err = yaml_to_json(*yaml, *yaml_len, &doc, why, why_size);
    if (err) return ERR_INVALID_GENESIS;
    err = json_is_object(doc) ? init__clock(doc, clock_manual, why, why_size) : ERR_OK;
    if (!err && json_is_object(doc)) err = init__system(doc, system_pubkey, why, why_size);
    /* Any root (a lone scalar too) is the engine's to refuse, not an internal error. */
    *json = err ? NULL : json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(doc);
    if (err) return err;
    if (*json == NULL) return ERR_INTERNAL;
    return chain_genesis_engine(e, *json, strlen(*json), now, NULL, why, why_size);
}

/* The operators' line of init's human output: the genesis's operators,
 * and the built-in system operator init adds (issue 10) named apart. */
static void init__operators_line(const struct engine *e) {
    uint32_t n = e->s.operators_count;
    if (engine_system_operator(e) != UINT32_MAX && n > 0) {
        printf("  operators  %u (and the built-in system operator)\n", n - 1);
    } else {
        printf("  operators  %u\n", n);
    }
}

/* Where a --store URL puts the ledger: the URL without its password, or
 * "" for data_dir's own SQLite file. */
static void init__where(const char *store_url, char *out, size_t out_size) {
    out[0] = '\0';
    if (store_url_is_postgres(store_url)) store_url_redact(store_url, out, out_size);
}

static void init__print(const struct engine *e, const char *dir, const char *store,
                        const struct store_block *b0, int json) {
    char hex[HASH_HEX_SIZE];
    hash_hex(&b0->hash, hex);
    if (!json) {
        if (store[0]) printf("created ledger in %s (local files in %s)\n", store, dir);
        else printf("created ledger in %s\n", dir);
        init__operators_line(e);
        printf("  assets     %u\n  block 0    %s\n", e->s.assets_count, hex);
        return;
    }
    struct buf b;
    struct jw w;
    node_json_begin(&w, &b);
    jw_kv_string(&w, "data", dir);
    if (store[0]) jw_kv_string(&w, "store", store);
    jw_kv_uint(&w, "operators", e->s.operators_count);
    jw_kv_uint(&w, "assets", e->s.assets_count);
    jw_kv_string(&w, "block0_hash", hex);
    node_json_end(&w);
}

void node_json_begin(struct jw *w, struct buf *b) {
    buf_init(b);
    jw_init(w, b);
    jw_object_begin(w);
    jw_kv_bool(w, "ok", 1);
}

void node_json_end(struct jw *w) {
    jw_object_end(w);
    struct buf *b = w->out;
    if (buf_ok(b)) printf("%.*s\n", (int)b->len, (const char *)b->data);
    buf_free(b);
}

int node_init(const char *data_dir, const char *store_url, const char *genesis_path,
              int clock_manual, int json) {
    char why[256] = "";
    char store[512];
    init__where(store_url, store, sizeof(store));
    char *yaml = NULL;
    char *doc = NULL;
    size_t yaml_len = 0;
    struct engine e;
    if (engine_open(&e, 1024)) return report_error(ERR_INTERNAL, NULL);
    struct store *probe = NULL;
    enum err err = store_open_url(store_url, data_dir, 0, &probe);
    if (err == ERR_OK) {
        struct store_block head;
        err = probe->ops->head(probe, &head) == ERR_OK ? ERR_DATA_EXISTS : ERR_OK;
        probe->ops->close(probe);
        snprintf(why, sizeof(why), "%s", store[0] ? store : data_dir);
    } else if (err == ERR_STORE_IO || err == ERR_USAGE) {
        snprintf(why, sizeof(why), "%s", err == ERR_USAGE ? "--store takes sqlite or a "
                 "postgres:// URL" : store);
    } else {
        err = ERR_OK;
    }
    int64_t now = chain_now_ns();
    /* The system key: made before the genesis is read (its public key goes
     * into block 0), removed again if the ledger is not made. */
    char key_path[4200];
    char system_pubkey[KEYFILE_HEX_SIZE] = "";
    int key_made = 0;
    if (!err && snprintf(key_path, sizeof(key_path), "%s/" INIT_SYSTEM_KEY, data_dir) >= (int)sizeof(key_path)) {
        err = ERR_IO;
    }
    if (!err) {
        err = keyfile_create(key_path, system_pubkey, why, sizeof(why));
        key_made = err == ERR_OK;
    }
    if (!err) {
        err = init__genesis(genesis_path, clock_manual, system_pubkey, &yaml, &yaml_len, &doc, &e,
                            now, why, sizeof(why));
    }
    struct store *s = NULL;
    if (!err) err = store_open_url(store_url, data_dir, 1, &s);
    struct store_block b0;
    memset(&b0, 0, sizeof(b0));
    if (!err) {
        b0.time_ns = now;
        engine_state_hash(&e, &b0.state_hash);
        block_hash_genesis(&b0, doc, strlen(doc), &b0.hash);
        err = s->ops->write_genesis(s, yaml, yaml_len, doc, strlen(doc), &b0);
        s->ops->close(s);
    }
    if (err && key_made) unlink(key_path);
    if (!err) init__print(&e, data_dir, store, &b0, json);
    engine_close(&e);
    free(yaml);
    free(doc);
    return err ? report_error(err, why) : EXIT_DONE;
}

/* `init --dry-run`: every check node_init makes, nothing written. The
 * system key is not made: a stand-in public key (of a zero seed) takes its
 * place in the genesis document, so the block 0 hash a real init prints
 * (which covers the key and the time) is not shown. */
int node_init_check(const char *data_dir, const char *store_url, const char *genesis_path,
                    int clock_manual, int json) {
    char why[256] = "";
    char store[512];
    init__where(store_url, store, sizeof(store));
    char *yaml = NULL;
    char *doc = NULL;
    size_t yaml_len = 0;
    struct engine e;
    if (engine_open(&e, 1024)) return report_error(ERR_INTERNAL, NULL);
    enum err err = ERR_OK;
    struct store *probe = NULL;
    if (store_open_url(store_url, data_dir, 0, &probe) == ERR_OK) {
        struct store_block head;
        err = probe->ops->head(probe, &head) == ERR_OK ? ERR_DATA_EXISTS : ERR_OK;
        probe->ops->close(probe);
        snprintf(why, sizeof(why), "%s", store[0] ? store : data_dir);
    }
    char key_path[4200];
    int n = snprintf(key_path, sizeof(key_path), "%s/" INIT_SYSTEM_KEY, data_dir);
    if (!err && (n < 0 || n >= (int)sizeof(key_path))) err = ERR_IO;
    if (!err && access(key_path, F_OK) == 0) {
        err = ERR_KEY_EXISTS; /* keyfile_create refuses to overwrite it */
        snprintf(why, sizeof(why), "%.200s exists", key_path);
    }
    if (!err) {
        uint8_t seed[SIG_SEED_BYTES] = {0};
        char pubkey[KEYFILE_HEX_SIZE];
        keyfile_pubkey_hex(seed, pubkey);
        err = init__genesis(genesis_path, clock_manual, pubkey, &yaml, &yaml_len, &doc, &e,
                            chain_now_ns(), why, sizeof(why));
    }
    if (!err && !json) {
        printf("dry run: would create a ledger in %s\n", store[0] ? store : data_dir);
        init__operators_line(&e);
        printf("  assets     %u\n  clock      %s\n", e.s.assets_count, clock_manual ? "manual" : "wall");
    } else if (!err) {
        struct buf b;
        struct jw w;
        node_json_begin(&w, &b);
        jw_kv_bool(&w, "dry_run", 1);
        jw_kv_string(&w, "data", data_dir);
        if (store[0]) jw_kv_string(&w, "store", store);
        jw_kv_uint(&w, "operators", e.s.operators_count);
        jw_kv_uint(&w, "assets", e.s.assets_count);
        jw_kv_string(&w, "clock", clock_manual ? "manual" : "wall");
        node_json_end(&w);
    }
    engine_close(&e);
    free(yaml);
    free(doc);
    return err ? report_error(err, why) : EXIT_DONE;
}
