/*
 * rules.c - rule files: reading (over ydoc, for positions), validating
 * everything before keeping anything, merging, and writing them back as a
 * Prometheus rule file or JSON. rules.h has the contract.
 */
#include "rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"
#include "ydoc.h"

struct rules__ctx {
    const char *file;
    struct rules *out;
    struct rules_error *error;
    size_t rules_cap;
    int failed;
    int oom;
};

static void rules__fail(struct rules__ctx *c, const struct ydoc_node *at, const char *rule,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "FILE:LINE:COL: rule "NAME": what" (the rule part only with a name). */
static void rules__fail(struct rules__ctx *c, const struct ydoc_node *at, const char *rule,
                        const char *fmt, ...) {
    if (c->failed) return;
    c->failed = 1;
    struct rules_error *e = c->error;
    e->line = at != NULL ? at->line : 1;
    e->col = at != NULL ? at->col : 1;
    snprintf(e->rule, sizeof(e->rule), "%s", rule != NULL ? rule : "");
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (rule != NULL && rule[0] != '\0') {
        snprintf(e->message, sizeof(e->message), "%.200s:%u:%u: rule \"%.128s\": %s", c->file,
                 e->line, e->col, rule, what);
    } else {
        snprintf(e->message, sizeof(e->message), "%.200s:%u:%u: %s", c->file, e->line, e->col, what);
    }
}

static char *rules__strdup(struct rules__ctx *c, const char *s) {
    char *d = strdup(s);
    if (d == NULL && !c->failed) {
        c->oom = 1;
        rules__fail(c, NULL, NULL, "out of memory");
    }
    return d;
}

const char *rule_severity_name(enum rule_severity severity) {
    return severity == RULE_CRITICAL ? "critical" : "warning";
}

static const char *const rules__actions[] = {NULL, "none", "alert_team", "halt_minting", "emergency_pause"};

const char *rule_action_name(enum rule_action action) {
    if (action < RULE_ACTION_NONE || action > RULE_ACTION_EMERGENCY_PAUSE) return "none";
    return rules__actions[action];
}

/* ------------------------------------------------------------------ */
/* Freeing                                                              */
/* ------------------------------------------------------------------ */

static void rules__texts_free(struct rule_text *t, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(t[i].name);
        free(t[i].text);
        tmpl_free(t[i].tmpl);
    }
    free(t);
}

static void rules__rule_free(struct rule *r) {
    free(r->name);
    free(r->expr_text);
    promql_free(r->expr);
    rules__texts_free(r->labels, r->labels_count);
    rules__texts_free(r->annotations, r->annotations_count);
    free(r->source);
    memset(r, 0, sizeof(*r));
}

void rules_free(struct rules *rules) {
    for (size_t i = 0; i < rules->rules_count; i++) rules__rule_free(&rules->rules[i]);
    for (size_t i = 0; i < rules->groups_count; i++) free(rules->groups[i].name);
    free(rules->rules);
    free(rules->groups);
    memset(rules, 0, sizeof(*rules));
}

/* ------------------------------------------------------------------ */
/* Reading one rule                                                     */
/* ------------------------------------------------------------------ */

static int rules__text(struct rules__ctx *c, const struct ydoc_node *n, const char *rule,
                       const char *what) {
    if (n->kind != YDOC_SCALAR) {
        rules__fail(c, n, rule, "%s must be text, not %s", what, ydoc_kind_name(n->kind));
        return -1;
    }
    if (n->len > LIMIT_RULE_TEXT) {
        rules__fail(c, n, rule, "%s is longer than %u bytes", what, LIMIT_RULE_TEXT);
        return -1;
    }
    return 0;
}

static int rules__bool(struct rules__ctx *c, const struct ydoc_node *n, const char *rule,
                       uint8_t *out) {
    if (rules__text(c, n, rule, "enabled") != 0) return -1;
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(n->text, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcmp(n->text, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    rules__fail(c, n, rule, "enabled is true or false, not \"%.40s\"", n->text);
    return -1;
}

static int rules__duration(struct rules__ctx *c, const struct ydoc_node *n, const char *rule,
                           const char *what, int64_t *out) {
    if (rules__text(c, n, rule, what) != 0) return -1;
    if (duration_parse(n->text, n->len, out) != ERR_OK) {
        rules__fail(c, n, rule, "%s \"%.40s\" is not a duration (digits and s, m, h or d: 90s, 15m, 2h, 1d)",
                    what, n->text);
        return -1;
    }
    return 0;
}

/* Keys a mapping may hold: the others are refused, naming the key. */
static int rules__keys(struct rules__ctx *c, const struct ydoc_node *map, const char *rule,
                       const char *where, const char *const *allowed, size_t allowed_count) {
    for (size_t i = 0; i < map->count; i++) {
        const struct ydoc_node *k = map->items[2 * i];
        int ok = 0;
        for (size_t a = 0; a < allowed_count; a++) ok = ok || strcmp(k->text, allowed[a]) == 0;
        if (ok) continue;
        if (strcmp(k->text, "keep_firing_for") == 0 || strcmp(k->text, "limit") == 0 ||
            strcmp(k->text, "query_offset") == 0 || strcmp(k->text, "source_tenants") == 0) {
            rules__fail(c, k, rule, "%s: \"%s\" is not supported by mintline", where, k->text);
        } else {
            rules__fail(c, k, rule, "%s: unknown key \"%.60s\"", where, k->text);
        }
        return -1;
    }
    return 0;
}

/* A labels: or annotations: mapping into texts (templates parsed). */
static int rules__texts(struct rules__ctx *c, const struct ydoc_node *map, const char *rule,
                        const char *what, struct rule_text **out, size_t *count) {
    if (map->kind != YDOC_MAP) {
        rules__fail(c, map, rule, "%s must be a mapping of names to text", what);
        return -1;
    }
    if (map->count > LIMIT_RULE_LABELS) {
        rules__fail(c, map, rule, "more than %u %s", LIMIT_RULE_LABELS, what);
        return -1;
    }
    struct rule_text *t = calloc(map->count ? map->count : 1, sizeof(*t));
    if (t == NULL) {
        c->oom = 1;
        rules__fail(c, map, rule, "out of memory");
        return -1;
    }
    *out = t;
    for (size_t i = 0; i < map->count; i++) {
        const struct ydoc_node *k = map->items[2 * i];
        const struct ydoc_node *v = map->items[2 * i + 1];
        if (!promql_label_name_valid(k->text, k->len)) {
            rules__fail(c, k, rule, "invalid %s name \"%.60s\"", what, k->text);
            return -1;
        }
        if (rules__text(c, v, rule, k->text) != 0) return -1;
        size_t at = 0;
        char why[200];
        enum err err = tmpl_parse(v->text, v->len, &t[i].tmpl, &at, why, sizeof(why));
        if (err == ERR_INTERNAL) c->oom = 1;
        if (err != ERR_OK) {
            rules__fail(c, v, rule, "%s %s: template at byte %zu: %s", what, k->text, at, why);
            return -1;
        }
        (*count)++;
        t[i].name = rules__strdup(c, k->text);
        t[i].text = rules__strdup(c, v->text);
        if (t[i].name == NULL || t[i].text == NULL) return -1;
    }
    return 0;
}

static int rules__text_cmp(const void *a, const void *b) {
    return strcmp(((const struct rule_text *)a)->name, ((const struct rule_text *)b)->name);
}

/* labels: severity required and valid (unless the entry only disables);
 * names the alert gets by itself refused. */
static int rules__labels(struct rules__ctx *c, const struct ydoc_node *rule_node, struct rule *r) {
    const struct ydoc_node *labels = ydoc_get(rule_node, "labels");
    if (labels != NULL && rules__texts(c, labels, r->name, "label", &r->labels, &r->labels_count) != 0) {
        return -1;
    }
    for (size_t i = 0; i < r->labels_count; i++) {
        const char *n = r->labels[i].name;
        if (strcmp(n, PROMQL_NAME_LABEL) == 0 || strcmp(n, "alertname") == 0) {
            rules__fail(c, labels, r->name, "the label \"%s\" is set by the alert itself", n);
            return -1;
        }
    }
    if (r->labels_count > 1) qsort(r->labels, r->labels_count, sizeof(*r->labels), rules__text_cmp);
    const struct rule_text *severity = NULL;
    for (size_t i = 0; i < r->labels_count; i++) {
        if (strcmp(r->labels[i].name, "severity") == 0) severity = &r->labels[i];
    }
    if (severity == NULL) {
        if (r->expr_text == NULL) return 0;
        rules__fail(c, labels != NULL ? labels : rule_node, r->name,
                    "labels.severity is required (warning or critical)");
        return -1;
    }
    if (strcmp(severity->text, "warning") == 0) {
        r->severity = RULE_WARNING;
    } else if (strcmp(severity->text, "critical") == 0) {
        r->severity = RULE_CRITICAL;
    } else {
        rules__fail(c, ydoc_get(labels, "severity"), r->name,
                    "severity is warning or critical, not \"%.40s\"", severity->text);
        return -1;
    }
    return 0;
}

static int rules__action_parse(struct rules__ctx *c, const struct ydoc_node *at, const char *text,
                               const char *rule, enum rule_action *out) {
    for (int a = RULE_ACTION_NONE; a <= RULE_ACTION_EMERGENCY_PAUSE; a++) {
        if (strcmp(text, rules__actions[a]) == 0) {
            *out = (enum rule_action)a;
            return 0;
        }
    }
    rules__fail(c, at, rule, "unknown action \"%.40s\" (none, alert_team, halt_minting or emergency_pause)",
                text);
    return -1;
}

/* action: at the rule's level, or labels.action as an export writes it
 * (so that an exported file reads back); both must then agree. The label
 * leaves the labels: the alert gets it from the action. */
static int rules__action(struct rules__ctx *c, const struct ydoc_node *rule_node, struct rule *r) {
    r->action = RULE_ACTION_NONE;
    const struct ydoc_node *n = ydoc_get(rule_node, "action");
    const struct ydoc_node *labels = ydoc_get(rule_node, "labels");
    size_t at = r->labels_count;
    for (size_t i = 0; i < r->labels_count; i++) {
        if (strcmp(r->labels[i].name, "action") == 0) at = i;
    }
    if (n != NULL) {
        if (rules__text(c, n, r->name, "action") != 0) return -1;
        if (rules__action_parse(c, n, n->text, r->name, &r->action) != 0) return -1;
    }
    if (at == r->labels_count) return 0;
    enum rule_action labelled = RULE_ACTION_NONE;
    const struct ydoc_node *where = ydoc_get(labels, "action");
    if (rules__action_parse(c, where, r->labels[at].text, r->name, &labelled) != 0) return -1;
    if (n != NULL && labelled != r->action) {
        rules__fail(c, where, r->name, "labels.action and action: disagree");
        return -1;
    }
    r->action = labelled;
    free(r->labels[at].name);
    free(r->labels[at].text);
    tmpl_free(r->labels[at].tmpl);
    memmove(&r->labels[at], &r->labels[at + 1], (r->labels_count - at - 1) * sizeof(*r->labels));
    r->labels_count--;
    return 0;
}

static int rules__expr(struct rules__ctx *c, const struct ydoc_node *n, struct rule *r) {
    if (rules__text(c, n, r->name, "expr") != 0) return -1;
    struct promql_error pe;
    enum err err = promql_parse(n->text, n->len, &r->expr, &pe);
    if (err == ERR_INTERNAL) {
        c->oom = 1;
        rules__fail(c, n, r->name, "out of memory");
        return -1;
    }
    if (err != ERR_OK) {
        unsigned line = 0;
        unsigned col = 0;
        promql_error_position(n->text, n->len, pe.offset, &line, &col);
        rules__fail(c, n, r->name, "expr %u:%u: %s", line, col, pe.message);
        c->error->expr_offset = (long)pe.offset;
        return -1;
    }
    r->expr_text = rules__strdup(c, n->text);
    return r->expr_text != NULL ? 0 : -1;
}

static const char *const rules__rule_keys[] = {"alert", "expr", "for", "labels", "annotations", "action",
                                              "enabled"};

/* The rule's name: alert: text, a metric name, unique in the file. */
static int rules__name(struct rules__ctx *c, const struct ydoc_node *node, struct rule *r) {
    const struct ydoc_node *record = ydoc_get(node, "record");
    if (record != NULL) {
        rules__fail(c, record, record->kind == YDOC_SCALAR ? record->text : NULL,
                    "recording rules (record:) are not supported: mintline evaluates alerting rules only");
        return -1;
    }
    const struct ydoc_node *alert = ydoc_get(node, "alert");
    if (alert == NULL) {
        rules__fail(c, node, NULL, "a rule needs alert: NAME");
        return -1;
    }
    if (rules__text(c, alert, NULL, "alert") != 0) return -1;
    if (alert->len > LIMIT_RULE_NAME || !promql_metric_name_valid(alert->text, alert->len)) {
        rules__fail(c, alert, NULL, "invalid alert name \"%.60s\" ([a-zA-Z_:][a-zA-Z0-9_:]*, at most %u bytes)",
                    alert->text, LIMIT_RULE_NAME);
        return -1;
    }
    if (rules_find(c->out, alert->text) != NULL) {
        rules__fail(c, alert, alert->text, "duplicate alert name (names are unique in a file)");
        return -1;
    }
    r->name = rules__strdup(c, alert->text);
    return r->name != NULL ? 0 : -1;
}

static int rules__rule_read(struct rules__ctx *c, const struct ydoc_node *node, struct rule *r) {
    if (node->kind != YDOC_MAP) {
        rules__fail(c, node, NULL, "a rule must be a mapping, not %s", ydoc_kind_name(node->kind));
        return -1;
    }
    if (rules__name(c, node, r) != 0) return -1;
    r->line = node->line;
    r->enabled = 1;
    if (rules__keys(c, node, r->name, "rule", rules__rule_keys,
                    sizeof(rules__rule_keys) / sizeof(rules__rule_keys[0])) != 0) {
        return -1;
    }
    const struct ydoc_node *enabled = ydoc_get(node, "enabled");
    if (enabled != NULL && rules__bool(c, enabled, r->name, &r->enabled) != 0) return -1;
    const struct ydoc_node *expr = ydoc_get(node, "expr");
    if (expr == NULL) {
        if (r->enabled) {
            rules__fail(c, node, r->name, "a rule needs expr (only `enabled: false` may stand alone)");
            return -1;
        }
        if (node->count != 2) {
            rules__fail(c, node, r->name, "an entry that disables a rule holds only alert and enabled: false");
            return -1;
        }
        return 0;
    }
    if (rules__expr(c, expr, r) != 0) return -1;
    const struct ydoc_node *f = ydoc_get(node, "for");
    if (f != NULL) {
        if (rules__duration(c, f, r->name, "for", &r->for_ns) != 0) return -1;
        r->has_for = 1;
    }
    if (rules__labels(c, node, r) != 0) return -1;
    const struct ydoc_node *ann = ydoc_get(node, "annotations");
    if (ann != NULL &&
        rules__texts(c, ann, r->name, "annotation", &r->annotations, &r->annotations_count) != 0) {
        return -1;
    }
    return rules__action(c, node, r);
}

/* ------------------------------------------------------------------ */
/* Groups and files                                                     */
/* ------------------------------------------------------------------ */

/* A YAML null (`rules:` with nothing after it) stands for an empty list. */
static int rules__null(const struct ydoc_node *n) {
    if (n->kind != YDOC_SCALAR || !n->plain) return 0;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

static int rules__push(struct rules__ctx *c, const struct ydoc_node *at, struct rule *r) {
    if (c->out->rules_count == LIMIT_RULES) {
        rules__fail(c, at, r->name, "more than %u rules", LIMIT_RULES);
        return -1;
    }
    if (c->out->rules_count == c->rules_cap) {
        size_t cap = c->rules_cap ? c->rules_cap * 2 : 32;
        struct rule *grown = realloc(c->out->rules, cap * sizeof(*grown));
        if (grown == NULL) {
            c->oom = 1;
            rules__fail(c, at, r->name, "out of memory");
            return -1;
        }
        c->out->rules = grown;
        c->rules_cap = cap;
    }
    c->out->rules[c->out->rules_count++] = *r;
    return 0;
}

static const char *const rules__group_keys[] = {"name", "interval", "rules"};

static int rules__group_head(struct rules__ctx *c, const struct ydoc_node *g, struct rule_group *out) {
    if (g->kind != YDOC_MAP) {
        rules__fail(c, g, NULL, "a group must be a mapping, not %s", ydoc_kind_name(g->kind));
        return -1;
    }
    const struct ydoc_node *name = ydoc_get(g, "name");
    if (name == NULL) {
        rules__fail(c, g, NULL, "a group needs name: NAME");
        return -1;
    }
    if (rules__text(c, name, NULL, "a group's name") != 0) return -1;
    if (name->len == 0 || name->len > LIMIT_RULE_NAME) {
        rules__fail(c, name, NULL, "a group's name is 1 to %u bytes", LIMIT_RULE_NAME);
        return -1;
    }
    char where[LIMIT_RULE_NAME + 16];
    snprintf(where, sizeof(where), "group \"%s\"", name->text);
    if (rules__keys(c, g, NULL, where, rules__group_keys, 3) != 0) return -1;
    for (size_t i = 0; i < c->out->groups_count; i++) {
        if (strcmp(c->out->groups[i].name, name->text) == 0) {
            rules__fail(c, name, NULL, "duplicate group name \"%s\"", name->text);
            return -1;
        }
    }
    const struct ydoc_node *interval = ydoc_get(g, "interval");
    if (interval != NULL) {
        if (rules__duration(c, interval, NULL, "interval", &out->interval_ns) != 0) return -1;
        if (out->interval_ns == 0) {
            rules__fail(c, interval, NULL, "interval must be longer than 0s");
            return -1;
        }
    }
    out->name = rules__strdup(c, name->text);
    return out->name != NULL ? 0 : -1;
}

static int rules__group(struct rules__ctx *c, const struct ydoc_node *g) {
    struct rule_group head = {NULL, 0};
    if (rules__group_head(c, g, &head) != 0) {
        free(head.name);
        return -1;
    }
    c->out->groups[c->out->groups_count++] = head;
    const struct ydoc_node *list = ydoc_get(g, "rules");
    if (list == NULL || rules__null(list)) return 0;
    if (list->kind != YDOC_SEQ) {
        rules__fail(c, list, NULL, "rules must be a list");
        return -1;
    }
    for (size_t i = 0; i < list->count; i++) {
        struct rule r;
        memset(&r, 0, sizeof(r));
        r.group = c->out->groups_count - 1;
        if (rules__rule_read(c, list->items[i], &r) != 0 || rules__push(c, list->items[i], &r) != 0) {
            rules__rule_free(&r);
            return -1;
        }
    }
    return 0;
}

static int rules__document(struct rules__ctx *c, const struct ydoc_node *root) {
    if (root == NULL) return 0; /* an empty file: no rules */
    if (root->kind != YDOC_MAP) {
        rules__fail(c, root, NULL, "a rule file is a mapping with groups:");
        return -1;
    }
    static const char *const top[] = {"groups"};
    if (rules__keys(c, root, NULL, "top level", top, 1) != 0) return -1;
    const struct ydoc_node *groups = ydoc_get(root, "groups");
    if (groups == NULL || rules__null(groups)) return 0;
    if (groups->kind != YDOC_SEQ) {
        rules__fail(c, groups, NULL, "groups must be a list");
        return -1;
    }
    c->out->groups = calloc(groups->count ? groups->count : 1, sizeof(*c->out->groups));
    if (c->out->groups == NULL) {
        c->oom = 1;
        rules__fail(c, groups, NULL, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < groups->count; i++) {
        if (rules__group(c, groups->items[i]) != 0) return -1;
    }
    return 0;
}

enum err rules_parse(const char *file, const char *text, size_t len, struct rules *out,
                     struct rules_error *error) {
    memset(error, 0, sizeof(*error));
    error->expr_offset = -1;
    struct rules built;
    memset(&built, 0, sizeof(built));
    struct rules__ctx c = {.file = file, .out = &built, .error = error};
    struct ydoc_node *root = NULL;
    char why[200];
    unsigned line = 0;
    unsigned col = 0;
    enum err err = ydoc_parse(text, len, &root, why, sizeof(why), &line, &col);
    if (err != ERR_OK) {
        error->line = line;
        error->col = col;
        snprintf(error->message, sizeof(error->message), "%s:%u:%u: %s", file, line, col, why);
        return err == ERR_INTERNAL ? ERR_INTERNAL : ERR_INVALID_CONFIG;
    }
    int rc = rules__document(&c, root);
    ydoc_free(root);
    for (size_t i = 0; rc == 0 && i < built.rules_count; i++) {
        built.rules[i].source = rules__strdup(&c, file);
        if (built.rules[i].source == NULL) rc = -1;
    }
    if (rc != 0) {
        rules_free(&built);
        return c.oom ? ERR_INTERNAL : ERR_INVALID_CONFIG;
    }
    *out = built;
    return ERR_OK;
}

enum err rules_load_file(const char *path, struct rules *out, struct rules_error *error) {
    memset(error, 0, sizeof(*error));
    error->expr_offset = -1;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(error->message, sizeof(error->message), "cannot read %s: %s", path, strerror(errno));
        return ERR_IO;
    }
    char *text = malloc(LIMIT_RULES_FILE_BYTES + 1);
    if (text == NULL) {
        fclose(f);
        return ERR_INTERNAL;
    }
    size_t len = fread(text, 1, LIMIT_RULES_FILE_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        snprintf(error->message, sizeof(error->message), "cannot read %s", path);
        return ERR_IO;
    }
    if (len > LIMIT_RULES_FILE_BYTES) {
        free(text);
        snprintf(error->message, sizeof(error->message), "%s: larger than %u bytes", path,
                 LIMIT_RULES_FILE_BYTES);
        return ERR_INVALID_CONFIG;
    }
    enum err err = rules_parse(path, text, len, out, error);
    free(text);
    return err;
}

enum err rules_defaults(struct rules *out, struct rules_error *error) {
    struct buf text;
    buf_init(&text);
    rules_default_text(&text);
    if (!buf_ok(&text)) {
        buf_free(&text);
        return ERR_INTERNAL;
    }
    struct rules built;
    enum err err = rules_parse("built-in", (const char *)text.data, text.len, &built, error);
    buf_free(&text);
    if (err != ERR_OK) return ERR_INTERNAL; /* the built-in text is code: test_rules proves it */
    for (size_t i = 0; i < built.rules_count; i++) built.rules[i].builtin = 1;
    *out = built;
    return ERR_OK;
}

const struct rule *rules_find(const struct rules *rules, const char *name) {
    for (size_t i = 0; i < rules->rules_count; i++) {
        if (strcmp(rules->rules[i].name, name) == 0) return &rules->rules[i];
    }
    return NULL;
}

size_t rules_enabled_count(const struct rules *rules) {
    size_t n = 0;
    for (size_t i = 0; i < rules->rules_count; i++) {
        if (rules->rules[i].enabled && rules->rules[i].expr != NULL) n++;
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* Merging                                                              */
/* ------------------------------------------------------------------ */

static size_t rules__index(const struct rules *rules, const char *name) {
    for (size_t i = 0; i < rules->rules_count; i++) {
        if (strcmp(rules->rules[i].name, name) == 0) return i;
    }
    return (size_t)-1;
}

/* Where each of user's groups goes in base: an existing group of that
 * name, or a new one at the end (index >= base->groups_count). */
static void rules__group_map(const struct rules *base, const struct rules *user, size_t *map) {
    size_t next = base->groups_count;
    for (size_t g = 0; g < user->groups_count; g++) {
        map[g] = (size_t)-1;
        for (size_t k = 0; k < base->groups_count; k++) {
            if (strcmp(base->groups[k].name, user->groups[g].name) == 0) map[g] = k;
        }
        if (map[g] == (size_t)-1) map[g] = next++;
    }
}

/* Validate: every disabling entry names a rule of base; the result fits. */
static enum err rules__merge_check(const struct rules *base, const struct rules *user,
                                   size_t *total, struct rules_error *error) {
    size_t added = 0;
    for (size_t i = 0; i < user->rules_count; i++) {
        const struct rule *u = &user->rules[i];
        size_t at = rules__index(base, u->name);
        if (u->expr == NULL && at == (size_t)-1) {
            error->line = u->line;
            error->col = 1;
            error->expr_offset = -1;
            snprintf(error->rule, sizeof(error->rule), "%s", u->name);
            snprintf(error->message, sizeof(error->message),
                     "%s:%u: rule \"%s\": enabled: false without expr disables a built-in rule, and "
                     "there is none of that name",
                     u->source != NULL ? u->source : "?", u->line, u->name);
            return ERR_INVALID_CONFIG;
        }
        if (u->expr != NULL && at == (size_t)-1) added++;
    }
    /* A replacement takes its rule's place: the count grows by new names. */
    *total = base->rules_count + added;
    if (*total > LIMIT_RULES) {
        snprintf(error->message, sizeof(error->message), "more than %u rules in force", LIMIT_RULES);
        return ERR_LIMIT_REACHED;
    }
    return ERR_OK;
}

/* The groups after the merge into groups (room for both sets'): base's,
 * then user's new ones; a user group joining a base group brings its
 * interval. Names move out of user. Returns the count. */
static size_t rules__merge_groups(struct rules *base, struct rules *user, const size_t *map,
                                  struct rule_group *groups) {
    if (base->groups_count > 0) memcpy(groups, base->groups, base->groups_count * sizeof(*groups));
    size_t count = base->groups_count;
    for (size_t g = 0; g < user->groups_count; g++) {
        if (map[g] >= base->groups_count) {
            groups[map[g]] = user->groups[g];
            count = map[g] + 1 > count ? map[g] + 1 : count;
            user->groups[g].name = NULL;
        } else if (user->groups[g].interval_ns != 0) {
            groups[map[g]].interval_ns = user->groups[g].interval_ns;
        }
    }
    return count;
}

/* The rules after the merge into rules: base's not replaced (disabled when
 * user disables them), then user's with an expression. had[i]: base held
 * user rule i's name. Rules move out of both sets. Returns the count. */
static size_t rules__merge_rules(struct rules *base, struct rules *user, const size_t *map,
                                 const size_t *had, struct rule *rules, struct rules_merge_stats *stats) {
    size_t n = 0;
    for (size_t i = 0; i < base->rules_count; i++) {
        struct rule *b = &base->rules[i];
        size_t u = rules__index(user, b->name);
        if (u != (size_t)-1 && user->rules[u].expr != NULL) {
            rules__rule_free(b);
            stats->replaced++;
            continue;
        }
        if (u != (size_t)-1) {
            b->enabled = 0;
            stats->disabled++;
        }
        rules[n++] = *b;
    }
    for (size_t i = 0; i < user->rules_count; i++) {
        struct rule *u = &user->rules[i];
        if (u->expr == NULL) {
            rules__rule_free(u);
            continue;
        }
        if (!had[i]) stats->added++;
        u->group = map[u->group];
        rules[n++] = *u;
    }
    return n;
}

enum err rules_merge(struct rules *base, struct rules *user, struct rules_merge_stats *stats,
                     struct rules_error *error) {
    memset(stats, 0, sizeof(*stats));
    memset(error, 0, sizeof(*error));
    error->expr_offset = -1;
    size_t total = 0;
    enum err err = rules__merge_check(base, user, &total, error);
    if (err != ERR_OK) return err;
    size_t *map = calloc(user->groups_count + user->rules_count + 1, sizeof(*map));
    struct rule *rules = calloc(total ? total : 1, sizeof(*rules));
    struct rule_group *groups = calloc(base->groups_count + user->groups_count + 1, sizeof(*groups));
    if (map == NULL || rules == NULL || groups == NULL) {
        free(map);
        free(rules);
        free(groups);
        return ERR_INTERNAL;
    }
    /* From here on nothing fails: ownership moves. had[i]: base held a
     * rule of user rule i's name before anything moved. */
    size_t *had = map + user->groups_count;
    for (size_t i = 0; i < user->rules_count; i++) {
        had[i] = rules__index(base, user->rules[i].name) != (size_t)-1;
    }
    rules__group_map(base, user, map);
    size_t groups_count = rules__merge_groups(base, user, map, groups);
    size_t n = rules__merge_rules(base, user, map, had, rules, stats);
    free(map);
    for (size_t g = 0; g < user->groups_count; g++) free(user->groups[g].name);
    free(user->groups);
    free(user->rules);
    memset(user, 0, sizeof(*user));
    free(base->rules);
    free(base->groups);
    base->rules = rules;
    base->rules_count = n;
    base->groups = groups;
    base->groups_count = groups_count;
    return ERR_OK;
}

/* ------------------------------------------------------------------ */
/* Writing                                                              */
/* ------------------------------------------------------------------ */

static void rules__put(struct buf *out, const char *s) { buf_put(out, s, strlen(s)); }

/* A YAML double-quoted scalar (JSON's escapes are YAML's). */
static void rules__quote(struct buf *out, const char *s) {
    buf_put(out, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            buf_put(out, esc, 2);
        } else if (c == '\n') {
            buf_put(out, "\\n", 2);
        } else if (c == '\t') {
            buf_put(out, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f) {
            char esc[8];
            snprintf(esc, sizeof(esc), "\\x%02x", c);
            buf_put(out, esc, 4);
        } else {
            buf_put(out, (const char *)&c, 1);
        }
    }
    buf_put(out, "\"", 1);
}

static void rules__export_rule(const struct rule *r, struct buf *out) {
    rules__put(out, "      - alert: ");
    rules__quote(out, r->name);
    rules__put(out, "\n        expr: ");
    rules__quote(out, r->expr_text);
    if (r->has_for) {
        char d[32];
        duration_format(r->for_ns, d);
        rules__put(out, "\n        for: ");
        rules__put(out, d);
    }
    rules__put(out, "\n        labels:\n");
    int action_written = r->action == RULE_ACTION_NONE;
    for (size_t k = 0; k <= r->labels_count; k++) {
        /* action="..." in its sorted place among the labels. */
        if (!action_written && (k == r->labels_count || strcmp("action", r->labels[k].name) < 0)) {
            rules__put(out, "          \"action\": ");
            rules__quote(out, rule_action_name(r->action));
            rules__put(out, "\n");
            action_written = 1;
        }
        if (k == r->labels_count) break;
        rules__put(out, "          ");
        rules__quote(out, r->labels[k].name);
        rules__put(out, ": ");
        rules__quote(out, r->labels[k].text);
        rules__put(out, "\n");
    }
    if (r->annotations_count > 0) rules__put(out, "        annotations:\n");
    for (size_t k = 0; k < r->annotations_count; k++) {
        rules__put(out, "          ");
        rules__quote(out, r->annotations[k].name);
        rules__put(out, ": ");
        rules__quote(out, r->annotations[k].text);
        rules__put(out, "\n");
    }
}

void rules_export_prometheus(const struct rules *rules, struct buf *out) {
    rules__put(out, "# mintline alert rules for Prometheus (mintline alerts rules --export prometheus).\n"
                    "# mintline's `action` is the label action; disabled rules are left out.\n"
                    "groups:\n");
    size_t written = 0;
    for (size_t g = 0; g < rules->groups_count; g++) {
        size_t in_group = 0;
        for (size_t i = 0; i < rules->rules_count; i++) {
            const struct rule *r = &rules->rules[i];
            if (r->group != g || !r->enabled || r->expr == NULL) continue;
            if (in_group++ == 0) {
                rules__put(out, "  - name: ");
                rules__quote(out, rules->groups[g].name);
                if (rules->groups[g].interval_ns != 0) {
                    char d[32];
                    duration_format(rules->groups[g].interval_ns, d);
                    rules__put(out, "\n    interval: ");
                    rules__put(out, d);
                }
                rules__put(out, "\n    rules:\n");
            }
            rules__export_rule(r, out);
            written++;
        }
    }
    if (written == 0) {
        /* "groups:" alone would be null; promtool wants a list. */
        out->len -= strlen("groups:\n");
        rules__put(out, "groups: []\n");
    }
}

static void rules__json_texts(struct jw *w, const char *key, const struct rule_text *t, size_t n) {
    jw_key(w, key);
    jw_object_begin(w);
    for (size_t i = 0; i < n; i++) jw_kv_string(w, t[i].name, t[i].text);
    jw_object_end(w);
}

static const struct {
    const char *name;
    const char *metric;
} rules__bars[RULES_BAR__COUNT] = {
    [RULES_BAR_SUPPLY_CAP] = {"supply_cap", "mintline_supply_cap_usage_ratio"},
    [RULES_BAR_DAILY_MINT] = {"daily_mint", "mintline_daily_mint_usage_ratio"},
    [RULES_BAR_DAILY_NET_INFLOW] = {"daily_net_inflow", "mintline_daily_inflow_usage_ratio"},
    [RULES_BAR_NAV_AGE] = {"nav_age_s", "mintline_nav_age_seconds"},
    [RULES_BAR_VAULT_DEBT_CEILING] = {"vault_debt_ceiling", "mintline_vault_debt_ceiling_usage_ratio"},
};

const char *rules_bar_name(enum rules_bar bar) { return rules__bars[bar].name; }
const char *rules_bar_metric(enum rules_bar bar) { return rules__bars[bar].metric; }

/* Does (value, inclusive) fire before the mark t, as the metric grows? */
static int rules__threshold_lower(const struct rules_threshold *t, double value, int inclusive) {
    if (!t->present || value < t->value) return 1;
    return value == t->value && inclusive && !t->inclusive;
}

void rules_thresholds(const struct rules *rules,
                      struct rules_bar_thresholds out[RULES_BAR__COUNT]) {
    memset(out, 0, sizeof(*out) * RULES_BAR__COUNT);
    for (size_t i = 0; i < rules->rules_count; i++) {
        const struct rule *r = &rules->rules[i];
        if (!r->enabled || r->expr == NULL) continue;
        for (unsigned b = 0; b < RULES_BAR__COUNT; b++) {
            int inclusive = 0;
            double value = 0;
            if (!promql_threshold(r->expr, rules__bars[b].metric, &inclusive, &value)) continue;
            struct rules_threshold *t =
                r->severity == RULE_CRITICAL ? &out[b].critical : &out[b].warning;
            if (!rules__threshold_lower(t, value, inclusive)) continue;
            t->present = 1;
            t->inclusive = (uint8_t)inclusive;
            t->value = value;
            t->rule = r->name;
        }
    }
}

/* A threshold as JSON: the shortest text that reads back as the same
 * double (the rule's literal), not jw_double's six digits. */
static void rules__json_mark(struct jw *w, const char *key, const struct rules_threshold *t) {
    jw_key(w, key);
    if (!t->present) {
        jw_null(w);
        return;
    }
    jw_object_begin(w);
    char text[40];
    int n = snprintf(text, sizeof(text), "%.15g", t->value);
    if (strtod(text, NULL) != t->value) n = snprintf(text, sizeof(text), "%.17g", t->value);
    jw_key(w, "value");
    jw_raw(w, text, (size_t)n);
    jw_kv_string(w, "op", t->inclusive ? ">=" : ">");
    jw_kv_string(w, "rule", t->rule);
    jw_object_end(w);
}

static void rules__json_thresholds(const struct rules *rules, struct jw *w) {
    struct rules_bar_thresholds bars[RULES_BAR__COUNT];
    rules_thresholds(rules, bars);
    jw_key(w, "thresholds");
    jw_object_begin(w);
    for (unsigned b = 0; b < RULES_BAR__COUNT; b++) {
        jw_key(w, rules__bars[b].name);
        jw_object_begin(w);
        jw_kv_string(w, "metric", rules__bars[b].metric);
        rules__json_mark(w, "warning", &bars[b].warning);
        rules__json_mark(w, "critical", &bars[b].critical);
        jw_object_end(w);
    }
    jw_object_end(w);
}

void rules_write_json(const struct rules *rules, struct jw *w) {
    jw_object_begin(w);
    jw_key(w, "rules");
    jw_array_begin(w);
    for (size_t i = 0; i < rules->rules_count; i++) {
        const struct rule *r = &rules->rules[i];
        jw_object_begin(w);
        jw_kv_string(w, "name", r->name);
        jw_kv_string(w, "group", rules->groups[r->group].name);
        jw_kv_string(w, "severity", rule_severity_name(r->severity));
        jw_kv_string(w, "action", rule_action_name(r->action));
        char d[32];
        duration_format(r->for_ns, d);
        jw_kv_string(w, "for", d);
        jw_kv_bool(w, "enabled", r->enabled);
        jw_kv_bool(w, "builtin", r->builtin);
        jw_kv_string(w, "expr", r->expr_text != NULL ? r->expr_text : "");
        rules__json_texts(w, "labels", r->labels, r->labels_count);
        rules__json_texts(w, "annotations", r->annotations, r->annotations_count);
        jw_kv_string(w, "source", r->source != NULL ? r->source : "");
        jw_object_end(w);
    }
    jw_array_end(w);
    rules__json_thresholds(rules, w);
    jw_object_end(w);
}

/* ------------------------------------------------------------------ */
/* Alerts                                                               */
/* ------------------------------------------------------------------ */

static void rules__labels_free(struct promql_label *l, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free((char *)l[i].name);
        free((char *)l[i].value);
    }
    free(l);
}

void rule_alerts_free(struct rule_alert *alerts, size_t count) {
    for (size_t i = 0; i < count; i++) {
        rules__labels_free(alerts[i].labels, alerts[i].labels_count);
        rules__labels_free(alerts[i].annotations, alerts[i].annotations_count);
    }
    free(alerts);
}

/* Set name=value in l (sorted on the way out), replacing; an empty value
 * removes the label (labels.Builder.Set). Takes value. */
static int rules__label_set(struct promql_label *l, size_t *n, const char *name, char *value) {
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(l[i].name, name) != 0) continue;
        free((char *)l[i].value);
        if (value[0] == '\0') {
            free(value);
            free((char *)l[i].name);
            l[i] = l[--(*n)];
            return 0;
        }
        l[i].value = value;
        return 0;
    }
    if (value[0] == '\0') {
        free(value);
        return 0;
    }
    char *copy = strdup(name);
    if (copy == NULL) {
        free(value);
        return -1;
    }
    l[(*n)++] = (struct promql_label){copy, value};
    return 0;
}

static char *rules__render(const struct tmpl *t, const struct promql_sample *s) {
    struct buf b;
    buf_init(&b);
    tmpl_render(t, s->labels, s->labels_count, s->value, &b);
    buf_put(&b, "", 1);
    if (!buf_ok(&b)) {
        buf_free(&b);
        return NULL;
    }
    return (char *)b.data; /* the buffer's bytes: freed with free() */
}

static int rules__label_cmp(const void *a, const void *b) {
    return strcmp(((const struct promql_label *)a)->name, ((const struct promql_label *)b)->name);
}

static int rules__alert_build(const struct rule *r, const struct promql_sample *s, struct rule_alert *a) {
    size_t room = s->labels_count + r->labels_count + 2;
    a->labels = calloc(room, sizeof(*a->labels));
    a->annotations = calloc(r->annotations_count + 1, sizeof(*a->annotations));
    a->value = s->value;
    if (a->labels == NULL || a->annotations == NULL) return -1;
    for (size_t i = 0; i < s->labels_count; i++) {
        if (strcmp(s->labels[i].name, PROMQL_NAME_LABEL) == 0) continue;
        char *name = strdup(s->labels[i].name);
        char *value = strdup(s->labels[i].value);
        a->labels[a->labels_count++] = (struct promql_label){name, value};
        if (name == NULL || value == NULL) return -1;
    }
    for (size_t i = 0; i < r->labels_count; i++) {
        char *v = rules__render(r->labels[i].tmpl, s);
        if (v == NULL || rules__label_set(a->labels, &a->labels_count, r->labels[i].name, v) != 0) return -1;
    }
    if (r->action != RULE_ACTION_NONE) {
        char *v = strdup(rule_action_name(r->action));
        if (v == NULL || rules__label_set(a->labels, &a->labels_count, "action", v) != 0) return -1;
    }
    char *name = strdup(r->name);
    if (name == NULL || rules__label_set(a->labels, &a->labels_count, "alertname", name) != 0) return -1;
    qsort(a->labels, a->labels_count, sizeof(*a->labels), rules__label_cmp);
    for (size_t i = 0; i < r->annotations_count; i++) {
        char *k = strdup(r->annotations[i].name);
        char *v = rules__render(r->annotations[i].tmpl, s);
        a->annotations[a->annotations_count++] = (struct promql_label){k, v};
        if (k == NULL || v == NULL) return -1;
    }
    return 0;
}

static int rules__same_labels(const struct rule_alert *a, const struct rule_alert *b) {
    if (a->labels_count != b->labels_count) return 0;
    for (size_t i = 0; i < a->labels_count; i++) {
        if (strcmp(a->labels[i].name, b->labels[i].name) != 0) return 0;
        if (strcmp(a->labels[i].value, b->labels[i].value) != 0) return 0;
    }
    return 1;
}

enum err rule_alerts_eval(const struct rule *rule, const struct promql_set *set,
                          struct rule_alert **alerts, size_t *count, struct promql_error *error) {
    struct promql_result res;
    enum err err = promql_eval(rule->expr, set, &res, error);
    if (err != ERR_OK) return err;
    struct rule_alert *a = calloc(res.samples_count + 1, sizeof(*a));
    size_t n = 0;
    err = a == NULL ? ERR_INTERNAL : ERR_OK;
    for (size_t i = 0; err == ERR_OK && i < res.samples_count; i++) {
        if (rules__alert_build(rule, &res.samples[i], &a[n++]) != 0) err = ERR_INTERNAL;
        for (size_t k = 0; err == ERR_OK && k + 1 < n; k++) {
            if (!rules__same_labels(&a[k], &a[n - 1])) continue;
            error->offset = 0;
            snprintf(error->message, sizeof(error->message),
                     "vector contains metrics with the same labelset after applying alert labels");
            err = ERR_INVALID_ARGUMENT;
        }
    }
    promql_result_free(&res);
    if (err != ERR_OK) {
        rule_alerts_free(a, n);
        return err;
    }
    *alerts = a;
    *count = n;
    return ERR_OK;
}
