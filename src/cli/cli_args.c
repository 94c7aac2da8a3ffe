/*
 * cli_args.c - parse argv against the subcommand table (rules in
 * cli_args.h). Pure: no environment, no output, no allocation.
 */
#include "cli_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli_suggest.h"

/* The global flags of SPEC 8, with where each one lands. */
enum cli_global { G_NODE, G_OPERATOR, G_KEY, G_CONFIG, G_JSON, G_DRY_RUN, G_HELP, G_VERSION, G_PROFILE };

static const struct {
    const char *name;
    enum cli_global id;
    int takes_value;
} cli_args__globals[] = {
    {"node", G_NODE, 1}, {"operator", G_OPERATOR, 1}, {"key", G_KEY, 1},   {"config", G_CONFIG, 1},
    {"json", G_JSON, 0}, {"dry-run", G_DRY_RUN, 0},   {"help", G_HELP, 0},
    {"version", G_VERSION, 0}, {"profile", G_PROFILE, 1},
};

#define CLI_ARGS_GLOBALS_COUNT (sizeof(cli_args__globals) / sizeof(cli_args__globals[0]))

/* One flag token split into its name and its inline value ("--to=0x.."). */
struct cli_args__flag {
    const char *name;
    size_t name_len;
    const char *inline_value; /* NULL without '=' */
};

__attribute__((format(printf, 2, 3))) static enum err cli_args__fail(struct cli_args *out,
                                                                     const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof(out->why), fmt, ap);
    va_end(ap);
    return ERR_USAGE;
}

static int cli_args__is_flag(const char *token) { return token[0] == '-' && token[1] != '\0'; }

/* Split "--name[=value]" or "-h". Returns 0, or -1 for a token that is not
 * a long flag (single dash other than -h). */
static int cli_args__split(const char *token, struct cli_args__flag *f) {
    if (strcmp(token, "-h") == 0) {
        f->name = "help";
        f->name_len = 4;
        f->inline_value = NULL;
        return 0;
    }
    if (token[0] == '-' && token[1] >= 'a' && token[1] <= 'z' && token[2] == '\0') {
        /* "-o": a row flag whose name is that one letter (SPEC 8's `report -o FILE`) */
        f->name = token + 1;
        f->name_len = 1;
        f->inline_value = NULL;
        return 0;
    }
    if (token[0] != '-' || token[1] != '-' || token[2] == '\0') return -1;
    f->name = token + 2;
    const char *eq = strchr(f->name, '=');
    f->name_len = eq != NULL ? (size_t)(eq - f->name) : strlen(f->name);
    f->inline_value = eq != NULL ? eq + 1 : NULL;
    return 0;
}

static int cli_args__name_is(const struct cli_args__flag *f, const char *name) {
    return strlen(name) == f->name_len && memcmp(f->name, name, f->name_len) == 0;
}

/* Take the flag's value: inline, or the next token (which must exist and
 * not look like a long flag, so a forgotten value is caught). */
static enum err cli_args__value(struct cli_args *out, const struct cli_args__flag *f, int argc,
                                char **argv, int *i, const char **value) {
    if (f->inline_value != NULL) {
        *value = f->inline_value;
        return ERR_OK;
    }
    if (*i + 1 >= argc || strncmp(argv[*i + 1], "--", 2) == 0) {
        return cli_args__fail(out, "%s%.*s needs a value", f->name_len == 1 ? "-" : "--",
                              (int)f->name_len, f->name);
    }
    *i += 1;
    *value = argv[*i];
    return ERR_OK;
}

static enum err cli_args__set(struct cli_args *out, const struct cli_args__flag *f,
                              const char **slot, const char *value) {
    if (*slot != NULL) {
        return cli_args__fail(out, "--%.*s given twice", (int)f->name_len, f->name);
    }
    *slot = value;
    return ERR_OK;
}

/* Apply a global flag. Returns ERR_OK, ERR_USAGE, or ERR_NOT_FOUND when the
 * name is not a global flag (the caller decides what that means). */
static enum err cli_args__global(struct cli_args *out, const struct cli_args__flag *f, int argc,
                                 char **argv, int *i) {
    for (size_t g = 0; g < CLI_ARGS_GLOBALS_COUNT; g++) {
        if (!cli_args__name_is(f, cli_args__globals[g].name)) continue;
        if (!cli_args__globals[g].takes_value) {
            if (f->inline_value != NULL) {
                return cli_args__fail(out, "--%s takes no value", cli_args__globals[g].name);
            }
            enum cli_global id = cli_args__globals[g].id;
            if (id == G_JSON) out->json = 1;
            if (id == G_DRY_RUN) out->dry_run = 1;
            if (id == G_HELP) out->help = 1;
            if (id == G_VERSION) out->version = 1;
            return ERR_OK;
        }
        const char *value = NULL;
        enum err err = cli_args__value(out, f, argc, argv, i, &value);
        if (err) return err;
        switch (cli_args__globals[g].id) {
        case G_NODE:
            return cli_args__set(out, f, &out->node, value);
        case G_OPERATOR:
            return cli_args__set(out, f, &out->operator_name, value);
        case G_KEY:
            return cli_args__set(out, f, &out->key, value);
        case G_CONFIG:
            return cli_args__set(out, f, &out->config, value);
        case G_PROFILE:
            return cli_args__set(out, f, &out->profile, value);
        case G_JSON:
        case G_DRY_RUN:
        case G_HELP:
        case G_VERSION:
            break;
        }
        return ERR_OK;
    }
    return ERR_NOT_FOUND;
}

/* How many of the row's words argv[i..] spells, all of them or 0. */
static size_t cli_args__words_match(const struct cli_cmd *row, int argc, char **argv, int i) {
    const char *w = row->words;
    size_t count = 0;
    while (*w != '\0') {
        size_t len = strcspn(w, " ");
        if (i >= argc || strlen(argv[i]) != len || memcmp(argv[i], w, len) != 0) return 0;
        count++;
        i++;
        w += len;
        while (*w == ' ') w++;
    }
    return count;
}

/* The row whose words argv[i..] spells, longest first; NULL if none. */
static const struct cli_cmd *cli_args__find(const struct cli_cmd *rows, size_t rows_count, int argc,
                                            char **argv, int i, size_t *words) {
    const struct cli_cmd *best = NULL;
    size_t best_count = 0;
    for (size_t r = 0; r < rows_count; r++) {
        size_t n = cli_args__words_match(&rows[r], argc, argv, i);
        if (n > best_count) {
            best = &rows[r];
            best_count = n;
        }
    }
    *words = best_count;
    return best;
}

/* How many of argv[i..] spell a group: words that start several rows'
 * words ("nav", "bridge route"), the longest; the group's text into group. */
static size_t cli_args__group(const struct cli_cmd *rows, size_t rows_count, int argc, char **argv,
                              int i, char *group, size_t group_size) {
    size_t best = 0;
    char text[64] = "";
    size_t used = 0;
    group[0] = '\0';
    for (size_t k = 0; i + (int)k < argc && k < CLI_WORDS_MAX; k++) {
        const char *w = argv[i + (int)k];
        if (w[0] == '-') break;
        int n = snprintf(text + used, sizeof(text) - used, "%s%s", k ? " " : "", w);
        if (n < 0 || (size_t)n >= sizeof(text) - used) break;
        used += (size_t)n;
        int found = 0;
        for (size_t r = 0; r < rows_count && !found; r++) {
            found = strncmp(rows[r].words, text, used) == 0 && rows[r].words[used] == ' ';
        }
        if (!found) break;
        best = k + 1;
        snprintf(group, group_size, "%s", text);
    }
    return best;
}

/* The words that may follow group ("" for the first word), distinct, in
 * table order, as candidates for a suggestion; returns how many. */
static size_t cli_args__next_words(const struct cli_cmd *rows, size_t rows_count, const char *group,
                                   char words[][CLI_SUGGEST_WORD_MAX + 1], size_t max) {
    size_t count = 0, glen = strlen(group);
    for (size_t r = 0; r < rows_count && count < max; r++) {
        const char *w = rows[r].words;
        if (glen > 0) {
            if (strncmp(w, group, glen) != 0 || w[glen] != ' ') continue;
            w += glen + 1;
        }
        size_t len = strcspn(w, " ");
        if (len > CLI_SUGGEST_WORD_MAX) continue;
        int seen = 0;
        for (size_t c = 0; c < count && !seen; c++) {
            seen = strlen(words[c]) == len && memcmp(words[c], w, len) == 0;
        }
        if (seen) continue;
        memcpy(words[count], w, len);
        words[count][len] = '\0';
        count++;
    }
    return count;
}

#define CLI_ARGS__CANDIDATES_MAX 160u

/* A typed word worth a suggestion: not a flag, not an address or number. */
static int cli_args__typed_ok(const char *typed) {
    return typed[0] != '-' && strlen(typed) <= CLI_SUGGEST_WORD_MAX;
}

/* The closest of the words that may follow group to typed, as text
 * ("'nav fetch'"), into out; 0 when none is close. */
static size_t cli_args__closest_word(const struct cli_cmd *rows, size_t rows_count,
                                     const char *group, const char *typed,
                                     char words[][CLI_SUGGEST_WORD_MAX + 1], char *out,
                                     size_t out_size) {
    const char *ptrs[CLI_ARGS__CANDIDATES_MAX];
    size_t n = cli_args__next_words(rows, rows_count, group, words, CLI_ARGS__CANDIDATES_MAX);
    for (size_t c = 0; c < n; c++) ptrs[c] = words[c];
    char prefix[80];
    snprintf(prefix, sizeof(prefix), "%s%s", group, group[0] != '\0' ? " " : "");
    out[0] = '\0';
    return cli_args__typed_ok(typed) ? cli_suggest_text(typed, ptrs, n, prefix, out, out_size) : 0;
}

/* No row matched: say which words may follow a known group, or that the
 * command is unknown, with the closest known word when there is one. */
static enum err cli_args__unknown(struct cli_args *out, const struct cli_cmd *rows,
                                  size_t rows_count, int argc, char **argv, int i) {
    static char words[CLI_ARGS__CANDIDATES_MAX][CLI_SUGGEST_WORD_MAX + 1];
    char group[64];
    size_t k = cli_args__group(rows, rows_count, argc, argv, i, group, sizeof(group));
    char best[200];
    if (k == 0) {
        if (cli_args__closest_word(rows, rows_count, "", argv[i], words, best, sizeof(best))) {
            return cli_args__fail(out, "unknown command '%.40s' (did you mean %s?)", argv[i], best);
        }
        return cli_args__fail(out, "unknown command '%.40s'", argv[i]);
    }
    char next[200] = "";
    size_t used = 0;
    size_t n = cli_args__next_words(rows, rows_count, group, words, CLI_ARGS__CANDIDATES_MAX);
    for (size_t c = 0; c < n; c++) {
        int w = snprintf(next + used, sizeof(next) - used, "%s%s", used ? ", " : "", words[c]);
        if (w < 0 || (size_t)w >= sizeof(next) - used) break;
        used += (size_t)w;
    }
    const char *typed = i + (int)k < argc ? argv[i + (int)k] : NULL;
    if (typed != NULL &&
        cli_args__closest_word(rows, rows_count, group, typed, words, best, sizeof(best))) {
        return cli_args__fail(out, "%s: expected one of: %s (did you mean %s?)", group, next, best);
    }
    return cli_args__fail(out, "%s: expected one of: %s", group, next);
}

/* An unknown flag: the closest of the row's flags and the global ones. */
static enum err cli_args__unknown_flag(struct cli_args *out, const struct cli_args__flag *f,
                                       const char *token) {
    char typed[CLI_SUGGEST_WORD_MAX + 1];
    size_t len = f->name_len > CLI_SUGGEST_WORD_MAX ? CLI_SUGGEST_WORD_MAX : f->name_len;
    memcpy(typed, f->name, len);
    typed[len] = '\0';
    const char *cands[CLI_FLAGS_MAX + CLI_ARGS_GLOBALS_COUNT];
    size_t n = 0;
    for (size_t k = 0; out->cmd != NULL && k < CLI_FLAGS_MAX && out->cmd->flags[k].name != NULL; k++) {
        cands[n++] = out->cmd->flags[k].name;
    }
    for (size_t g = 0; g < CLI_ARGS_GLOBALS_COUNT; g++) cands[n++] = cli_args__globals[g].name;
    const char *dashes = token[1] == '-' ? "--" : "-";
    char best[160];
    if (len > 1 && cli_suggest_text(typed, cands, n, "--", best, sizeof(best)) > 0) {
        return cli_args__fail(out, "unknown flag %s%.40s (did you mean %s?)", dashes, typed, best);
    }
    if (token[1] != '-') return cli_args__fail(out, "unknown flag '%.40s'", token);
    return cli_args__fail(out, "unknown flag --%.40s", typed);
}

/* A flag after the words: the row's own first, then the global ones. */
static enum err cli_args__command_flag(struct cli_args *out, int argc, char **argv, int *i) {
    struct cli_args__flag f;
    if (cli_args__split(argv[*i], &f) != 0) {
        return cli_args__fail(out, "unknown flag '%.40s'", argv[*i]);
    }
    const struct cli_cmd *row = out->cmd;
    for (size_t k = 0; k < CLI_FLAGS_MAX && row->flags[k].name != NULL; k++) {
        if (!cli_args__name_is(&f, row->flags[k].name)) continue;
        if ((row->flags[k].kind & CLI_FLAG_BOOL) != 0) {
            if (f.inline_value != NULL) {
                return cli_args__fail(out, "--%s takes no value", row->flags[k].name);
            }
            out->flag_values[k] = "";
            return ERR_OK;
        }
        const char *value = NULL;
        enum err err = cli_args__value(out, &f, argc, argv, i, &value);
        if (err) return err;
        return cli_args__set(out, &f, &out->flag_values[k], value);
    }
    enum err err = cli_args__global(out, &f, argc, argv, i);
    if (err == ERR_NOT_FOUND) return cli_args__unknown_flag(out, &f, argv[*i]);
    return err;
}

/* Positionals and required flags of the matched row. */
static enum err cli_args__check(struct cli_args *out) {
    const struct cli_cmd *row = out->cmd;
    size_t max = 0;
    while (max < CLI_POS_MAX && row->pos[max].metavar != NULL) max++;
    for (size_t k = 0; k < max; k++) {
        if (row->pos[k].required && k >= out->pos_count) {
            return cli_args__fail(out, "missing %s", row->pos[k].metavar);
        }
    }
    if (out->pos_count > max) {
        return cli_args__fail(out, "unexpected argument '%.40s'", out->pos[max]);
    }
    for (size_t k = 0; k < CLI_FLAGS_MAX && row->flags[k].name != NULL; k++) {
        if ((row->flags[k].kind & CLI_FLAG_REQUIRED) != 0 && out->flag_values[k] == NULL) {
            return cli_args__fail(out, "missing --%s %s", row->flags[k].name,
                                  row->flags[k].metavar);
        }
    }
    return ERR_OK;
}

/* Everything after the words: flags and positionals, in any order. */
static enum err cli_args__rest(struct cli_args *out, int argc, char **argv, int i) {
    int flags_done = 0;
    for (; i < argc; i++) {
        const char *t = argv[i];
        if (!flags_done && strcmp(t, "--") == 0) {
            flags_done = 1;
            continue;
        }
        if (!flags_done && cli_args__is_flag(t)) {
            enum err err = cli_args__command_flag(out, argc, argv, &i);
            if (err) return err;
            continue;
        }
        /* The check names the first argument beyond the row's. */
        if (out->pos_count == CLI_POS_MAX) {
            return cli_args__fail(out, "unexpected argument '%.40s'", t);
        }
        out->pos[out->pos_count++] = t;
    }
    return ERR_OK;
}

/* Leading global flags; *i ends on the first word (or argc). */
static enum err cli_args__leading(struct cli_args *out, int argc, char **argv, int *i) {
    for (; *i < argc && cli_args__is_flag(argv[*i]); (*i)++) {
        if (strcmp(argv[*i], "--") == 0) {
            (*i)++;
            return ERR_OK;
        }
        struct cli_args__flag f;
        if (cli_args__split(argv[*i], &f) != 0) {
            return cli_args__fail(out, "unknown flag '%.40s'", argv[*i]);
        }
        enum err err = cli_args__global(out, &f, argc, argv, i);
        if (err == ERR_NOT_FOUND) {
            err = cli_args__unknown_flag(out, &f, argv[*i]);
            if (strstr(out->why, "did you mean") != NULL) return err;
            return cli_args__fail(out, "unknown global flag '%.40s' (command flags go after it)",
                                  argv[*i]);
        }
        if (err) return err;
    }
    return ERR_OK;
}

enum err cli_args_parse(const struct cli_cmd *rows, size_t rows_count, int argc, char **argv,
                        struct cli_args *out) {
    memset(out, 0, sizeof(*out));
    int i = 1;
    enum err err = cli_args__leading(out, argc, argv, &i);
    if (err) return err;
    if (i < argc && strcmp(argv[i], "help") == 0) {
        out->help = 1;
        i++;
    }
    if (i >= argc) {
        if (out->help || out->version) return ERR_OK;
        return cli_args__fail(out, "no command given");
    }
    size_t words = 0;
    out->cmd = cli_args__find(rows, rows_count, argc, argv, i, &words);
    if (out->cmd == NULL) {
        /* `help nav`, `nav --help`, `bridge route -h`: the group's help. */
        char group[sizeof(out->group)];
        size_t k = cli_args__group(rows, rows_count, argc, argv, i, group, sizeof(group));
        int asks = out->help;
        for (int j = i + (int)k; j < argc && k > 0 && !asks; j++) {
            asks = strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0;
        }
        if (k > 0 && asks && i + (int)k == argc - (out->help ? 0 : 1)) {
            out->help = 1;
            snprintf(out->group, sizeof(out->group), "%s", group);
            return ERR_OK;
        }
        return cli_args__unknown(out, rows, rows_count, argc, argv, i);
    }
    err = cli_args__rest(out, argc, argv, i + (int)words);
    if (err) return err;
    if (out->help) return ERR_OK;
    return cli_args__check(out);
}

/* Append s to out, truncating at out_size. */
static void cli_args__put(char *out, size_t out_size, size_t *used, const char *s) {
    size_t len = strlen(s);
    if (*used + len >= out_size) len = out_size - 1 - *used;
    memcpy(out + *used, s, len);
    *used += len;
    out[*used] = '\0';
}

void cli_args_usage(const struct cli_cmd *row, char *out, size_t out_size) {
    size_t used = 0;
    if (out_size == 0) return;
    out[0] = '\0';
    cli_args__put(out, out_size, &used, row->words);
    for (size_t k = 0; k < CLI_POS_MAX && row->pos[k].metavar != NULL; k++) {
        cli_args__put(out, out_size, &used, row->pos[k].required ? " " : " [");
        cli_args__put(out, out_size, &used, row->pos[k].metavar);
        if (!row->pos[k].required) cli_args__put(out, out_size, &used, "]");
    }
    for (size_t k = 0; k < CLI_FLAGS_MAX && row->flags[k].name != NULL; k++) {
        const struct cli_flag_def *f = &row->flags[k];
        int optional = (f->kind & CLI_FLAG_REQUIRED) == 0;
        int letter = f->name[0] != '\0' && f->name[1] == '\0'; /* "-o" */
        cli_args__put(out, out_size, &used, optional ? " [-" : " -");
        if (!letter) cli_args__put(out, out_size, &used, "-");
        cli_args__put(out, out_size, &used, f->name);
        if ((f->kind & CLI_FLAG_BOOL) == 0) {
            cli_args__put(out, out_size, &used, " ");
            cli_args__put(out, out_size, &used, f->metavar);
        }
        if (optional) cli_args__put(out, out_size, &used, "]");
    }
}
