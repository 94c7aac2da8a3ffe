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

static const struct op_field *command__field(const struct op_def *def, const char *name) {
    for (unsigned i = 0; i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        if (strcmp(def->fields[i].name, name) == 0) return &def->fields[i];
    }
    return NULL;
}

static enum err command__why(enum err err, const char *field, char *why, size_t why_size) {
    if (why != NULL && why_size > 0) snprintf(why, why_size, "%s", field);
    return err;
}

static enum err command__string(const json_t *v, const char **text, size_t *len) {
    if (!json_is_string(v)) return ERR_INVALID_ARGUMENT;
    *text = json_string_value(v);
    *len = json_string_length(v);
    return ERR_OK;
}

/* Decode every field but amounts (which need the asset's decimals). */
static enum err command__field_decode(const struct engine *e, const struct op_field *f,
                                      const json_t *v, struct command *cmd) {
    const char *text;
    size_t len;
    enum err err = command__string(v, &text, &len);
    if (err) return f->kind == FIELD_AMOUNT ? ERR_INVALID_AMOUNT : err;
    switch ((enum field_kind)f->kind) {
    case FIELD_ASSET: {
        int index = engine_asset_find(e, text, len);
        if (index < 0) return ERR_UNKNOWN_ASSET;
        cmd->asset = (uint16_t)index;
        cmd->present |= CMD_HAS_ASSET;
        return ERR_OK;
    }
    case FIELD_FROM:
        err = addr_parse(text, len, &cmd->from);
        if (err) return err;
        cmd->present |= CMD_HAS_FROM;
        return ERR_OK;
    case FIELD_TO:
        err = addr_parse(text, len, &cmd->to);
        if (err) return err;
        cmd->present |= CMD_HAS_TO;
        return ERR_OK;
    case FIELD_AMOUNT:
        return ERR_OK; /* second pass */
    case FIELD_DURATION:
        err = duration_parse(text, len, &cmd->duration_ns);
        if (err) return err;
        if (cmd->duration_ns == 0) return ERR_INVALID_DURATION;
        cmd->present |= CMD_HAS_DURATION;
        return ERR_OK;
    }
    return ERR_INVALID_ARGUMENT;
}

static enum err command__amount(const struct engine *e, const json_t *v, struct command *cmd) {
    if (!(cmd->present & CMD_HAS_ASSET)) return ERR_MISSING_FIELD;
    if (!json_is_string(v)) return ERR_INVALID_AMOUNT;
    unsigned decimals = e->s.assets[cmd->asset].decimals;
    enum err err = amount_parse(json_string_value(v), json_string_length(v), decimals, &cmd->amount);
    if (err) return err;
    /* Moving nothing is a mistake an operator wants to hear about. */
    if (cmd->amount == 0) return ERR_INVALID_AMOUNT;
    cmd->present |= CMD_HAS_AMOUNT;
    return ERR_OK;
}

enum err command_decode(const struct engine *e, const json_t *obj, struct command *out,
                        char *why, size_t why_size) {
    if (!json_is_object(obj)) return command__why(ERR_INVALID_JSON, "command", why, why_size);
    const json_t *op = json_object_get(obj, "op");
    if (op == NULL) return command__why(ERR_MISSING_FIELD, "op", why, why_size);
    if (!json_is_string(op)) return command__why(ERR_UNKNOWN_OP, "op", why, why_size);
    const struct op_def *def = op_find(json_string_value(op), json_string_length(op));
    if (def == NULL) return command__why(ERR_UNKNOWN_OP, json_string_value(op), why, why_size);

    struct command cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.op = (uint16_t)(def - op_rows);
    const char *key;
    const json_t *value;
    const json_t *amount = NULL;
    json_object_foreach((json_t *)obj, key, value) {
        if (strcmp(key, "op") == 0) continue;
        const struct op_field *f = command__field(def, key);
        if (f == NULL) return command__why(ERR_UNKNOWN_FIELD, key, why, why_size);
        if (f->kind == FIELD_AMOUNT) amount = value;
        enum err err = command__field_decode(e, f, value, &cmd);
        if (err) return command__why(err, key, why, why_size);
    }
    for (unsigned i = 0; i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        const struct op_field *f = &def->fields[i];
        if (f->required && json_object_get(obj, f->name) == NULL) {
            return command__why(ERR_MISSING_FIELD, f->name, why, why_size);
        }
    }
    if (amount != NULL) {
        enum err err = command__amount(e, amount, &cmd);
        if (err) return command__why(err, "amount", why, why_size);
    }
    *out = cmd;
    return ERR_OK;
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
