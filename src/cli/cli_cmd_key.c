/*
 * cli_cmd_key.c - `key new NAME` and `key show NAME`: operator key files
 * under $MINTLINE_HOME/keys (format and rules in base/keyfile.h).
 *
 * Only the public key is ever printed; the seed never leaves the file.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../base/err.h"
#include "../base/jw.h"
#include "cli_cmd.h"
#include "../base/keyfile.h"
#include "cli_call.h"
#include "cli_out.h"

/* Exit code for a key error: a bad name is usage, an existing key is a
 * refusal, anything else is I/O. */
static int cli_cmd_key__fail(const struct cli_ctx *ctx, enum err err, const char *why) {
    cli_out_error(ctx->color_err, err_name(err), "%s", why[0] != '\0' ? why : err_message(err));
    if (err == ERR_INVALID_NAME) return CLI_EXIT_USAGE;
    if (err == ERR_KEY_EXISTS) return CLI_EXIT_REJECTED;
    return CLI_EXIT_IO;
}

static int cli_cmd_key__print(const struct cli_ctx *ctx, const char *name, const char *pubkey,
                              const char *path) {
    if (!ctx->json) {
        printf("%s\n", pubkey);
        return CLI_EXIT_OK;
    }
    struct buf out;
    buf_init(&out);
    struct jw w;
    jw_init(&w, &out);
    jw_object_begin(&w);
    jw_kv_string(&w, "name", name);
    jw_kv_string(&w, "pubkey", pubkey);
    jw_kv_string(&w, "path", path);
    jw_object_end(&w);
    int rc = buf_ok(&out) ? cli_out_raw(&out) : -1;
    buf_free(&out);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

static int cli_cmd_key__path(const struct cli_ctx *ctx, const char *name, char *path,
                             size_t path_size) {
    enum err err = cli_key_path(ctx->home, name, path, path_size);
    if (err == ERR_INVALID_NAME) {
        char why[128];
        snprintf(why, sizeof(why), "'%.40s' is not [a-z][a-z0-9_-]{0,31}", name);
        return cli_cmd_key__fail(ctx, err, why);
    }
    if (err) return cli_cmd_key__fail(ctx, err, "key path too long");
    return CLI_EXIT_OK;
}

int cli_cmd_key_new(struct cli_ctx *ctx) {
    /* A key is made or not: nothing to simulate, and acting would surprise. */
    if (ctx->dry_run) {
        return cli_cmd_usage_error(ctx, "--dry-run: a key cannot be made in a dry run");
    }
    const char *name = cli_ctx_pos(ctx, 0);
    char path[4096];
    int rc = cli_cmd_key__path(ctx, name, path, sizeof(path));
    if (rc != CLI_EXIT_OK) return rc;
    char pubkey[KEYFILE_HEX_SIZE];
    char why[512] = "";
    enum err err = keyfile_create(path, pubkey, why, sizeof(why));
    if (err == ERR_KEY_EXISTS) {
        snprintf(why, sizeof(why), "%.400s exists; a key is never overwritten", path);
    }
    if (err) return cli_cmd_key__fail(ctx, err, why);
    return cli_cmd_key__print(ctx, name, pubkey, path);
}

int cli_cmd_key_show(struct cli_ctx *ctx) {
    const char *name = cli_ctx_pos(ctx, 0);
    char path[4096];
    int rc = cli_cmd_key__path(ctx, name, path, sizeof(path));
    if (rc != CLI_EXIT_OK) return rc;
    uint8_t seed[SIG_SEED_BYTES];
    char why[512] = "";
    int loose = 0;
    enum err err = keyfile_load(path, seed, &loose, why, sizeof(why));
    if (err) return cli_cmd_key__fail(ctx, err, why);
    if (loose) cli_out_warn(ctx->color_err, "%s is readable by others; chmod 600 it", path);
    char pubkey[KEYFILE_HEX_SIZE];
    keyfile_pubkey_hex(seed, pubkey);
    sodium_memzero(seed, sizeof(seed));
    return cli_cmd_key__print(ctx, name, pubkey, path);
}
