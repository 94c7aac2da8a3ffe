/*
 * command.c - THE op table and the generic decoder every op shares.
 *
 * Decoding is strict: the op must be known, every required field present,
 * no field unknown to the op's row, and every value well formed. It reads
 * the engine only for asset symbols and decimals (immutable once created).
 */
#include "command.h"

#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/duration.h"
#include "control.h"
#include "engine.h"
#include "ledger.h"

#define F(n, k, r) {n, k, r}

static const struct op_def op_rows[OP__COUNT] = {
    [OP_MINT] = {"mint", ledger_mint_apply, ROLE_MINTER, OP_VALUE_MOVING,
                 {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("to", FIELD_TO, FIELD_REQUIRED),
                  F("amount", FIELD_AMOUNT, FIELD_REQUIRED)},
                 "create tokens for an address"},
    [OP_BURN] = {"burn", ledger_burn_apply, ROLE_BURNER, OP_VALUE_MOVING,
                 {F("asset", FIELD_ASSET, FIELD_REQUIRED), F("from", FIELD_FROM, FIELD_REQUIRED),
                  F("amount", FIELD_AMOUNT, FIELD_REQUIRED)},
                 "destroy tokens held by an address"},
    [OP_TRANSFER] = {"transfer", ledger_transfer_apply, ROLE_TRANSFER_AGENT, OP_VALUE_MOVING,
                     {F("asset", FIELD_ASSET, FIELD_REQUIRED),
                      F("from", FIELD_FROM, FIELD_REQUIRED), F("to", FIELD_TO, FIELD_REQUIRED),
                      F("amount", FIELD_AMOUNT, FIELD_REQUIRED)},
                     "move tokens between holders on their instruction"},
    [OP_PAUSE] = {"pause", control_pause_apply, ROLE_PAUSER, 0,
                  {F("asset", FIELD_ASSET, FIELD_OPTIONAL)},
                  "stop mint, burn and transfer (one asset, or everything)"},
    [OP_UNPAUSE] = {"unpause", control_unpause_apply, ROLE_PAUSER, 0,
                    {F("asset", FIELD_ASSET, FIELD_OPTIONAL)},
                    "lift a pause (one asset, or the global one)"},
    [OP_DEV_ADVANCE] = {"dev.advance", control_dev_advance_apply, ROLE_ADMIN,
                        OP_NEEDS_MANUAL_CLOCK, {F("duration", FIELD_DURATION, FIELD_REQUIRED)},
                        "move the ledger clock forward (nodes with --clock manual)"},
};

#undef F

const struct op_def *op_table(void) { return op_rows; }

const struct op_def *op_find(const char *name, size_t len) {
    for (unsigned i = 0; i < OP__COUNT; i++) {
        if (strlen(op_rows[i].name) == len && memcmp(op_rows[i].name, name, len) == 0) {
            return &op_rows[i];
        }
    }
    return NULL;
}

static const struct op_field *command__field(const struct op_def *def, const char *name,
                                             size_t len) {
    for (unsigned i = 0; i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        const char *f = def->fields[i].name;
        if (strlen(f) == len && memcmp(f, name, len) == 0) return &def->fields[i];
    }
    return NULL;
}

static enum err command__why(enum err err, const char *field, char *why, size_t why_size) {
    if (why != NULL && why_size > 0) snprintf(why, why_size, "%s", field);
    return err;
}

/* An error naming a key as the client sent it (cut, so it can be echoed). */
static enum err command__why_key(enum err err, const struct command_arg *a, char *why,
                                 size_t why_size) {
    if (why != NULL && why_size > 0) {
        snprintf(why, why_size, "%.*s", (int)(a->key_len < 40 ? a->key_len : 40), a->key);
    }
    return err;
}

static const struct command_arg *command__arg(const struct command_arg *args, uint32_t n,
                                              const char *name) {
    size_t len = strlen(name);
    for (uint32_t i = 0; i < n; i++) {
        if (args[i].key_len == len && memcmp(args[i].key, name, len) == 0) return &args[i];
    }
    return NULL;
}

/* Decode every field but amounts (which need the asset's decimals). */
static enum err command__field_decode(const struct engine *e, const struct op_field *f,
                                      const struct command_arg *a, struct command *cmd) {
    if (a->type != ARG_STRING) return f->kind == FIELD_AMOUNT ? ERR_INVALID_AMOUNT : ERR_INVALID_ARGUMENT;
    enum err err;
    switch ((enum field_kind)f->kind) {
    case FIELD_ASSET: {
        int index = engine_asset_find(e, a->value, a->value_len);
        if (index < 0) return ERR_UNKNOWN_ASSET;
        cmd->asset = (uint16_t)index;
        cmd->present |= CMD_HAS_ASSET;
        return ERR_OK;
    }
    case FIELD_FROM:
        err = addr_parse(a->value, a->value_len, &cmd->from);
        if (err) return err;
        cmd->present |= CMD_HAS_FROM;
        return ERR_OK;
    case FIELD_TO:
        err = addr_parse(a->value, a->value_len, &cmd->to);
        if (err) return err;
        cmd->present |= CMD_HAS_TO;
        return ERR_OK;
    case FIELD_AMOUNT:
        return ERR_OK; /* second pass */
    case FIELD_DURATION:
        err = duration_parse(a->value, a->value_len, &cmd->duration_ns);
        if (err) return err;
        if (cmd->duration_ns == 0) return ERR_INVALID_DURATION;
        cmd->present |= CMD_HAS_DURATION;
        return ERR_OK;
    }
    return ERR_INVALID_ARGUMENT;
}

static enum err command__amount(const struct engine *e, const struct command_arg *a,
                                struct command *cmd) {
    if (!(cmd->present & CMD_HAS_ASSET)) return ERR_MISSING_FIELD;
    if (a->type != ARG_STRING) return ERR_INVALID_AMOUNT;
    unsigned decimals = e->s.assets[cmd->asset].decimals;
    enum err err = amount_parse(a->value, a->value_len, decimals, &cmd->amount);
    if (err) return err;
    /* Moving nothing is a mistake an operator wants to hear about. */
    if (cmd->amount == 0) return ERR_INVALID_AMOUNT;
    cmd->present |= CMD_HAS_AMOUNT;
    return ERR_OK;
}

/* The op named by the "op" argument. */
static enum err command__op(const struct command_arg *args, uint32_t n, const struct op_def **def,
                            char *why, size_t why_size) {
    const struct command_arg *op = command__arg(args, n, "op");
    if (op == NULL) return command__why(ERR_MISSING_FIELD, "op", why, why_size);
    if (op->type != ARG_STRING) return command__why(ERR_UNKNOWN_OP, "op", why, why_size);
    *def = op_find(op->value, op->value_len);
    if (*def == NULL) {
        char name[48];
        snprintf(name, sizeof(name), "%.*s", (int)(op->value_len < 40 ? op->value_len : 40), op->value);
        return command__why(ERR_UNKNOWN_OP, name, why, why_size);
    }
    return ERR_OK;
}

enum err command_decode_args(const struct engine *e, const struct command_arg *args, uint32_t n,
                             struct command *out, char *why, size_t why_size) {
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < i; j++) {
            if (args[i].key_len == args[j].key_len && memcmp(args[i].key, args[j].key, args[i].key_len) == 0) {
                return command__why(ERR_INVALID_JSON, "duplicate field", why, why_size);
            }
        }
    }
    const struct op_def *def = NULL;
    enum err err = command__op(args, n, &def, why, why_size);
    if (err) return err;
    struct command cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.op = (uint16_t)(def - op_rows);
    const struct command_arg *amount = NULL;
    for (uint32_t i = 0; i < n; i++) {
        const struct command_arg *a = &args[i];
        if (a->key_len == 2 && memcmp(a->key, "op", 2) == 0) continue;
        const struct op_field *f = command__field(def, a->key, a->key_len);
        if (f == NULL) return command__why_key(ERR_UNKNOWN_FIELD, a, why, why_size);
        if (f->kind == FIELD_AMOUNT) amount = a;
        err = command__field_decode(e, f, a, &cmd);
        if (err) return command__why(err, f->name, why, why_size);
    }
    for (unsigned i = 0; i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        const struct op_field *f = &def->fields[i];
        if (f->required && command__arg(args, n, f->name) == NULL) {
            return command__why(ERR_MISSING_FIELD, f->name, why, why_size);
        }
    }
    if (amount != NULL) {
        err = command__amount(e, amount, &cmd);
        if (err) return command__why(err, "amount", why, why_size);
    }
    *out = cmd;
    return ERR_OK;
}

enum err command_decode(const struct engine *e, const json_t *obj, struct command *out,
                        char *why, size_t why_size) {
    if (!json_is_object(obj)) return command__why(ERR_INVALID_JSON, "command", why, why_size);
    if (json_object_size(obj) > LIMIT_COMMAND_ARGS) {
        return command__why(ERR_UNKNOWN_FIELD, "too many fields", why, why_size);
    }
    struct command_arg args[LIMIT_COMMAND_ARGS];
    uint32_t n = 0;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        struct command_arg *a = &args[n++];
        a->key = key;
        a->key_len = strlen(key);
        a->value = json_is_string(value) ? json_string_value(value) : NULL;
        a->value_len = json_is_string(value) ? json_string_length(value) : 0;
        a->type = json_is_string(value)    ? ARG_STRING
                  : json_is_number(value)  ? ARG_NUMBER
                  : json_is_boolean(value) ? ARG_BOOL
                                           : ARG_OTHER;
    }
    return command_decode_args(e, args, n, out, why, why_size);
}

json_t *command_args_json(const json_t *obj) {
    json_t *args = json_object();
    if (args == NULL) return NULL;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        if (strcmp(key, "op") == 0) continue;
        json_object_set(args, key, (json_t *)value);
    }
    return args;
}

static uint32_t command__kind_bit(enum field_kind kind) {
    switch (kind) {
    case FIELD_ASSET: return CMD_HAS_ASSET;
    case FIELD_FROM: return CMD_HAS_FROM;
    case FIELD_TO: return CMD_HAS_TO;
    case FIELD_AMOUNT: return CMD_HAS_AMOUNT;
    case FIELD_DURATION: return CMD_HAS_DURATION;
    }
    return 0;
}

/* The CMD_HAS_* bits an op's row allows, and those it requires. */
static void command__masks(const struct op_def *def, uint32_t *allowed, uint32_t *required) {
    for (unsigned i = 0; i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        uint32_t bit = command__kind_bit((enum field_kind)def->fields[i].kind);
        *allowed |= bit;
        if (def->fields[i].required) *required |= bit;
    }
}

void command_encode(const struct command *cmd, struct buf *out) {
    buf_put_u16(out, cmd->op);
    buf_put_u16(out, cmd->asset);
    buf_put_u32(out, cmd->operator_index);
    buf_put_u32(out, cmd->present);
    buf_put(out, cmd->from.bytes, ADDR_BYTES);
    buf_put(out, cmd->to.bytes, ADDR_BYTES);
    buf_put_u128(out, cmd->amount);
    buf_put_u64(out, (uint64_t)cmd->duration_ns);
}

int command_decode_bin(const struct engine *e, struct buf_reader *r, struct command *out) {
    struct command c;
    memset(&c, 0, sizeof(c));
    c.op = buf_get_u16(r);
    c.asset = buf_get_u16(r);
    c.operator_index = buf_get_u32(r);
    c.present = buf_get_u32(r);
    buf_get(r, c.from.bytes, ADDR_BYTES);
    buf_get(r, c.to.bytes, ADDR_BYTES);
    c.amount = buf_get_u128(r);
    c.duration_ns = (int64_t)buf_get_u64(r);
    if (r->failed || c.op >= OP__COUNT) return -1;
    uint32_t allowed = 0;
    uint32_t required = 0;
    command__masks(&op_rows[c.op], &allowed, &required);
    if ((c.present & ~allowed) != 0 || (c.present & required) != required) return -1;
    if ((c.present & CMD_HAS_ASSET) ? c.asset >= e->s.assets_count : c.asset != 0) return -1;
    if ((c.present & CMD_HAS_AMOUNT) && c.amount == 0) return -1;
    if (c.operator_index >= e->s.operators_count) return -1;
    *out = c;
    return 0;
}
