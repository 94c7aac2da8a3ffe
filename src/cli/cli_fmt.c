/*
 * cli_fmt.c - human forms of durations, ratios, amounts, counts and
 * key=value text for the CLI's renderers (cli_fmt.h says which where).
 *
 * Amounts stay text from end to end: canonicalising and grouping are done
 * on the node's decimal strings, never through a double. The only floating
 * point here is the display of ratios the API gives as numbers.
 */
#include "cli_fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../base/u128.h"
#include "../engine/command.h"

void cli_fmt_amount(const char *text, char *out, size_t size) {
    if (size == 0) return;
    char canonical[AMOUNT_TEXT_SIZE];
    if (text != NULL && amount_canonical_text(text, strlen(text), canonical) > 0) {
        snprintf(out, size, "%s", canonical);
    } else {
        snprintf(out, size, "%s", text != NULL ? text : "-");
    }
}

/* Group the digits of digits[0..n) into out (cap bytes), ',' every three
 * from the right. Returns the length written, or 0 when it does not fit. */
static size_t cli_fmt__group(const char *digits, size_t n, char *out, size_t cap) {
    size_t len = n + (n > 0 ? (n - 1) / 3 : 0);
    if (len + 1 > cap) return 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return o;
}

void cli_fmt_grouped(const char *text, char *out, size_t size) {
    if (size == 0) return;
    char canonical[AMOUNT_TEXT_SIZE];
    if (text == NULL || amount_canonical_text(text, strlen(text), canonical) == 0) {
        snprintf(out, size, "%s", text != NULL ? text : "-");
        return;
    }
    const char *dot = strchr(canonical, '.');
    size_t whole = dot != NULL ? (size_t)(dot - canonical) : strlen(canonical);
    char grouped[AMOUNT_TEXT_SIZE * 2];
    size_t n = cli_fmt__group(canonical, whole, grouped, sizeof(grouped));
    snprintf(out, size, "%.*s%s", (int)n, grouped, dot != NULL ? dot : "");
}

void cli_fmt_count(long long n, char *out, size_t size) {
    if (size == 0) return;
    char digits[32], grouped[48];
    unsigned long long mag = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    snprintf(digits, sizeof(digits), "%llu", mag);
    cli_fmt__group(digits, strlen(digits), grouped, sizeof(grouped));
    snprintf(out, size, "%s%s", n < 0 ? "-" : "", grouped);
}

void cli_fmt_quoted(const char *text, struct buf *out) {
    if (text == NULL) text = "-";
    int plain = text[0] != '\0' && strpbrk(text, " \t\"'\\") == NULL;
    if (plain) {
        buf_put(out, text, strlen(text));
        return;
    }
    buf_put(out, "\"", 1);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') buf_put(out, "\\", 1);
        buf_put(out, p, 1);
    }
    buf_put(out, "\"", 1);
}

enum cli_fmt_level cli_fmt_level(double usage, double warn, double critical) {
    if (!isfinite(usage)) return CLI_FMT_OK;
    if (usage > critical) return CLI_FMT_CRITICAL;
    if (usage > warn) return CLI_FMT_WARN;
    return CLI_FMT_OK;
}

enum cli_fmt_level cli_fmt_level_below(double value, double warn, double critical) {
    if (!isfinite(value)) return CLI_FMT_OK;
    if (value < critical) return CLI_FMT_CRITICAL;
    if (value < warn) return CLI_FMT_WARN;
    return CLI_FMT_OK;
}

const char *cli_fmt_level_word(enum cli_fmt_level level) {
    switch (level) {
    case CLI_FMT_CRITICAL:
        return "critical";
    case CLI_FMT_WARN:
        return "warn";
    case CLI_FMT_OK:
        break;
    }
    return "ok";
}

static void cli_fmt__marker(enum cli_fmt_level level, double warn, double critical, char *out,
                            size_t size) {
    if (size == 0) return;
    char pct[32];
    switch (level) {
    case CLI_FMT_CRITICAL:
        human_percent(critical, pct, sizeof(pct));
        snprintf(out, size, "critical %s", pct);
        return;
    case CLI_FMT_WARN:
        human_percent(warn, pct, sizeof(pct));
        snprintf(out, size, "warn %s", pct);
        return;
    case CLI_FMT_OK:
        break;
    }
    snprintf(out, size, "ok");
}

void cli_fmt_marker(double usage, double warn, double critical, char *out, size_t size) {
    cli_fmt__marker(cli_fmt_level(usage, warn, critical), warn, critical, out, size);
}

void cli_fmt_marker_below(double value, double warn, double critical, char *out, size_t size) {
    cli_fmt__marker(cli_fmt_level_below(value, warn, critical), warn, critical, out, size);
}

static int cli_fmt__ends(const char *key, const char *suffix) {
    size_t n = strlen(key), k = strlen(suffix);
    return n >= k && strcmp(key + n - k, suffix) == 0;
}

int cli_fmt_is_amount_key(const char *key) {
    static const char *const names[] = {
        "amount",     "frozen",       "supply",       "supply_cap", "balance",   "frozen_amount", "verified",
        "used",       "limit",        "remaining",  "escrow",    "total",         "minted",
        "burned",     "volume",       "debt",       "collateral", "max_balance",  "dust",
        "debt_ceiling", "daily_mint_limit", "daily_inflow_limit", "reserve",      "usd",
        "paid",       "per_unit",     "gross",      "net",       "buffer_amount", "repaid",
        "penalty_amount", "seized",   "value",      "price",     "nav",           "twap"};
    if (key == NULL) return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(key, names[i]) == 0) return 1;
    }
    return cli_fmt__ends(key, "_amount") || cli_fmt__ends(key, "_supply") ||
           cli_fmt__ends(key, "_balance");
}

static int cli_fmt__is_ratio_key(const char *key) {
    /* "below_liquidation_ratio" counts vaults below a ratio: a count */
    if (strncmp(key, "below_", 6) == 0) return 0;
    return strcmp(key, "usage") == 0 || strcmp(key, "ratio") == 0 || cli_fmt__ends(key, "_usage") ||
           cli_fmt__ends(key, "_ratio") || strncmp(key, "rate", 4) == 0 ||
           strstr(key, "_rate") != NULL;
}

/* Integers that name something (ids, positions) rather than count it. */
static int cli_fmt__is_name_key(const char *key) {
    static const char *const names[] = {"id",       "seq",       "block",   "height",
                                        "proposal", "timelock",  "version", "decimals",
                                        "index",    "first_seq", "port",    "incident"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(key, names[i]) == 0) return 1;
    }
    return cli_fmt__ends(key, "_id") || cli_fmt__ends(key, "_seq") || cli_fmt__ends(key, "_block") ||
           cli_fmt__ends(key, "_height");
}

static void cli_fmt__clean(char *text) {
    for (unsigned char *p = (unsigned char *)text; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f) *p = '?';
    }
}

static void cli_fmt__array(const json_t *v, enum cli_fmt_where where, char *out, size_t size) {
    struct buf b;
    buf_init(&b);
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
        char text[256];
        cli_fmt_value(NULL, e, where, text, sizeof(text));
        if (i > 0) buf_put(&b, ",", 1);
        buf_put(&b, text, strlen(text));
    }
    buf_put(&b, "", 1);
    snprintf(out, size, "%s", buf_ok(&b) && b.len > 1 ? (const char *)b.data : "-");
    buf_free(&b);
}

static void cli_fmt__number(const char *key, const json_t *v, enum cli_fmt_where where, char *out,
                            size_t size) {
    int named = key != NULL;
    if (named && cli_fmt__is_ratio_key(key)) {
        human_percent(json_number_value(v), out, size);
    } else if (json_is_integer(v) && named && cli_fmt__ends(key, "_s")) {
        human_duration((int64_t)json_integer_value(v), out, size);
    } else if (json_is_integer(v)) {
        long long n = (long long)json_integer_value(v);
        if (where == CLI_FMT_CELL && !(named && cli_fmt__is_name_key(key))) {
            cli_fmt_count(n, out, size);
        } else {
            snprintf(out, size, "%lld", n);
        }
    } else {
        /* 15 significant digits give back the node's text (0.0008), not the
         * double's (0.00080000000000000004). */
        snprintf(out, size, "%.15g", json_real_value(v));
    }
}

void cli_fmt_value(const char *key, const json_t *v, enum cli_fmt_where where, char *out,
                   size_t size) {
    if (size == 0) return;
    if (v == NULL || json_is_null(v)) {
        snprintf(out, size, "-");
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (key != NULL && cli_fmt_is_amount_key(key)) {
            if (where == CLI_FMT_CELL) cli_fmt_grouped(s, out, size);
            else cli_fmt_amount(s, out, size);
        } else {
            snprintf(out, size, "%s", s);
        }
    } else if (json_is_number(v)) {
        cli_fmt__number(key, v, where, out, size);
    } else if (json_is_boolean(v)) {
        snprintf(out, size, "%s", json_is_true(v) ? "yes" : "no");
    } else if (json_is_array(v)) {
        cli_fmt__array(v, where, out, size);
    } else {
        struct buf b;
        buf_init(&b);
        cli_fmt_pairs(v, NULL, &b);
        buf_put(&b, "", 1);
        snprintf(out, size, "%s", buf_ok(&b) && b.len > 1 ? (const char *)b.data : "-");
        buf_free(&b);
    }
    cli_fmt__clean(out);
}

/* Whether field `key` of op `def` is an amount (the op table's kinds). */
static int cli_fmt__op_amount(const struct op_def *def, const char *key) {
    for (unsigned i = 0; def != NULL && i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        if (strcmp(def->fields[i].name, key) == 0) {
            return op_field_is_amount((enum field_kind)def->fields[i].kind);
        }
    }
    return 0;
}

void cli_fmt_pairs(const json_t *obj, const char *op, struct buf *out) {
    if (!json_is_object(obj)) return;
    const struct op_def *def = op != NULL ? op_find(op, strlen(op)) : NULL;
    const char *key;
    json_t *value;
    int first = 1;
    json_object_foreach((json_t *)obj, key, value) {
        char text[512];
        if (json_is_string(value) && cli_fmt__op_amount(def, key)) {
            cli_fmt_amount(json_string_value(value), text, sizeof(text));
            cli_fmt__clean(text);
        } else {
            cli_fmt_value(key, value, CLI_FMT_TEXT, text, sizeof(text));
        }
        if (!first) buf_put(out, " ", 1);
        first = 0;
        char clean_key[128];
        snprintf(clean_key, sizeof(clean_key), "%s", key);
        cli_fmt__clean(clean_key);
        buf_put(out, clean_key, strlen(clean_key));
        buf_put(out, "=", 1);
        cli_fmt_quoted(text, out);
    }
}
