/*
 * cli_argval.c - argv values checked by kind before contacting the node
 * (rules in cli_argval.h).
 */
#include "cli_argval.h"

#include <stdio.h>
#include <string.h>

#include "../base/addr.h"
#include "../base/duration.h"
#include "../base/u128.h"
#include "../engine/command.h"
#include "cli_args.h"

/* The op's field a flag or positional fills ("supply-cap" is supply_cap). */
static const struct op_field *cli_argval__field(const struct op_def *def, const char *name) {
    for (unsigned i = 0; def != NULL && i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        const char *f = def->fields[i].name;
        size_t k = 0;
        while (f[k] != '\0' && (f[k] == name[k] || (f[k] == '_' && name[k] == '-'))) k++;
        if (f[k] == '\0' && name[k] == '\0') return &def->fields[i];
    }
    return NULL;
}

static int cli_argval__digits(const char *v) {
    size_t n = strlen(v);
    if (n == 0 || n > 19) return 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return 0;
    }
    return 1;
}

/* One value of a kind; `label` is how the operator wrote the slot. */
static enum err cli_argval__one(enum field_kind kind, const char *label, const char *v, char *why,
                                size_t why_size) {
    char text[AMOUNT_TEXT_SIZE];
    struct addr a;
    int64_t ns;
    if (op_field_is_amount(kind)) {
        if (amount_canonical_text(v, strlen(v), text) > 0) return ERR_OK;
        snprintf(why, why_size,
                 "%s \"%.60s\" is not an amount (digits, optionally a dot and more digits: 1200.5)", label, v);
        return ERR_INVALID_AMOUNT;
    }
    if (kind == FIELD_FROM || kind == FIELD_TO) {
        if (addr_parse(v, strlen(v), &a) == ERR_OK) return ERR_OK;
        snprintf(why, why_size, "%s \"%.60s\" is not an address (0x and 40 hex digits)", label, v);
        return ERR_INVALID_ADDRESS;
    }
    if (kind == FIELD_DURATION || kind == FIELD_DELAY) {
        int zero = kind == FIELD_DELAY && (strcmp(v, "0") == 0 || strcmp(v, "0s") == 0);
        if (zero || duration_parse(v, strlen(v), &ns) == ERR_OK) return ERR_OK;
        snprintf(why, why_size, "%s \"%.60s\" is not a duration (digits and s, m, h or d: 90s, 15m, 2h, 1d)",
                 label, v);
        return ERR_INVALID_DURATION;
    }
    if (kind == FIELD_ID || kind == FIELD_APPROVALS) {
        if (cli_argval__digits(v)) return ERR_OK;
        snprintf(why, why_size, "%s \"%.60s\" is not a number", label, v);
        return ERR_USAGE;
    }
    return ERR_OK;
}

/* A read's slot, judged by its metavar: "N" a count, "ADDR" an address. */
static enum err cli_argval__read(const char *metavar, const char *label, const char *v, char *why,
                                 size_t why_size) {
    if (strcmp(metavar, "N") == 0) return cli_argval__one(FIELD_ID, label, v, why, why_size);
    if (strcmp(metavar, "ADDR") == 0) return cli_argval__one(FIELD_TO, label, v, why, why_size);
    return ERR_OK;
}

enum err cli_argval_check(const struct cli_args *args, char *why, size_t why_size) {
    const struct cli_cmd *row = args->cmd;
    if (row == NULL || args->help) return ERR_OK;
    const struct op_def *def = row->op != NULL ? op_find(row->op, strlen(row->op)) : NULL;
    char label[48];
    enum err err = ERR_OK;
    for (size_t k = 0; k < CLI_POS_MAX && row->pos[k].metavar != NULL && err == ERR_OK; k++) {
        const char *v = k < args->pos_count ? args->pos[k] : NULL;
        if (v == NULL) continue;
        snprintf(label, sizeof(label), "%s", row->pos[k].metavar);
        const char *field = row->pos[k].field;
        const struct op_field *f = field != NULL ? cli_argval__field(def, field) : NULL;
        if (f != NULL) err = cli_argval__one((enum field_kind)f->kind, label, v, why, why_size);
        else if (def == NULL) err = cli_argval__read(row->pos[k].metavar, label, v, why, why_size);
    }
    for (size_t k = 0; k < CLI_FLAGS_MAX && row->flags[k].name != NULL && err == ERR_OK; k++) {
        const char *v = args->flag_values[k];
        if (v == NULL || (row->flags[k].kind & CLI_FLAG_BOOL) != 0) continue;
        snprintf(label, sizeof(label), "--%s", row->flags[k].name);
        const struct op_field *f = cli_argval__field(def, row->flags[k].name);
        if (f != NULL) err = cli_argval__one((enum field_kind)f->kind, label, v, why, why_size);
        else if (def == NULL) err = cli_argval__read(row->flags[k].metavar, label, v, why, why_size);
    }
    return err;
}
