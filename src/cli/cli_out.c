/*
 * cli_out.c - error lines, warnings, tables and JSON display text for the
 * CLI. Stdout gets data only; anything about the run itself goes to stderr.
 */
#include "cli_out.h"

#include "cli_fmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLI_OUT_MESSAGE_MAX 500u
#define CLI_OUT_RED "\033[31m"
#define CLI_OUT_YELLOW "\033[33m"
#define CLI_OUT_RESET "\033[0m"

int cli_out_color(FILE *stream) {
    const char *no_color = getenv("NO_COLOR");
    if (no_color != NULL && no_color[0] != '\0') return 0;
    const char *term = getenv("TERM");
    if (term != NULL && strcmp(term, "dumb") == 0) return 0;
    return isatty(fileno(stream)) ? 1 : 0;
}

void cli_out_clean(char *text) {
    for (unsigned char *p = (unsigned char *)text; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f) *p = '?';
    }
}

static void cli_out__line(int color, const char *tint, const char *label, const char *code,
                          const char *fmt, va_list ap) {
    char message[CLI_OUT_MESSAGE_MAX + 1];
    vsnprintf(message, sizeof(message), fmt, ap);
    cli_out_clean(message);
    fprintf(stderr, "%s%s%s ", color ? tint : "", label, color ? CLI_OUT_RESET : "");
    if (code != NULL) fprintf(stderr, "%s: ", code);
    fprintf(stderr, "%s\n", message);
}

void cli_out_error(int color, const char *code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cli_out__line(color, CLI_OUT_RED, "error:", code, fmt, ap);
    va_end(ap);
}

void cli_out_warn(int color, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cli_out__line(color, CLI_OUT_YELLOW, "warning:", NULL, fmt, ap);
    va_end(ap);
}

int cli_out_fields(const json_t *obj, const char *const *keys, size_t count) {
    struct cli_table t;
    cli_table_init(&t, 2);
    for (size_t i = 0; i < count; i++) {
        char text[256];
        cli_fmt_value(keys[i], json_object_get(obj, keys[i]), CLI_FMT_CELL, text, sizeof(text));
        /* "age_s" holds seconds, shown as a duration: its label is "age" */
        char label[64];
        size_t n = strlen(keys[i]);
        snprintf(label, sizeof(label), "%.*s", (int)(n > 2 && strcmp(keys[i] + n - 2, "_s") == 0 ? n - 2 : n),
                 keys[i]);
        cli_table_cell(&t, label);
        cli_table_cell(&t, text);
    }
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    return rc;
}

int cli_out_raw(const struct buf *body) {
    if (body->len > 0 && fwrite(body->data, 1, body->len, stdout) != body->len) return -1;
    if (body->len == 0 || body->data[body->len - 1] != '\n') {
        if (fputc('\n', stdout) == EOF) return -1;
    }
    return 0;
}

void cli_table_init(struct cli_table *t, size_t cols) {
    memset(t, 0, sizeof(*t));
    t->cols = cols;
}

void cli_table_cell(struct cli_table *t, const char *text) {
    if (t->failed) return;
    if (t->cells_count == t->cells_cap) {
        size_t cap = t->cells_cap ? t->cells_cap * 2 : 64;
        char **cells = realloc(t->cells, cap * sizeof(*cells));
        if (cells == NULL) {
            t->failed = 1;
            return;
        }
        t->cells = cells;
        t->cells_cap = cap;
    }
    char *copy = strdup(text != NULL ? text : "-");
    if (copy == NULL) {
        t->failed = 1;
        return;
    }
    cli_out_clean(copy);
    t->cells[t->cells_count++] = copy;
}

void cli_table_cell_tint(struct cli_table *t, const char *text, const char *tint) {
    if (tint == NULL || tint[0] == '\0') {
        cli_table_cell(t, text);
        return;
    }
    size_t before = t->cells_count;
    cli_table_cell(t, text);
    if (t->failed || t->cells_count == before) return;
    char *clean = t->cells[before];
    size_t len = strlen(tint) + strlen(clean) + sizeof(CLI_OUT_RESET);
    char *tinted = malloc(len);
    if (tinted == NULL) {
        t->failed = 1;
        return;
    }
    snprintf(tinted, len, "%s%s%s", tint, clean, CLI_OUT_RESET);
    free(clean);
    t->cells[before] = tinted;
}

/* The width a cell takes on the screen: its bytes but the colour escapes
 * ("\033[...m", only ever put there by cli_table_cell_tint). */
static size_t cli_out__visible(const char *text) {
    size_t n = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\033' && p[1] == '[') {
            p += 2;
            while (*p != '\0' && *p != 'm') p++;
            if (*p == '\0') break;
            continue;
        }
        n++;
    }
    return n;
}

int cli_table_print(const struct cli_table *t, FILE *stream) {
    if (t->failed || t->cols == 0) return -1;
    size_t *width = calloc(t->cols, sizeof(*width));
    if (width == NULL) return -1;
    for (size_t i = 0; i < t->cells_count; i++) {
        size_t len = cli_out__visible(t->cells[i]);
        if (len > width[i % t->cols]) width[i % t->cols] = len;
    }
    for (size_t i = 0; i < t->cells_count; i++) {
        size_t col = i % t->cols;
        int last = col + 1 == t->cols || i + 1 == t->cells_count;
        if (last) {
            fprintf(stream, "%s\n", t->cells[i]);
        } else {
            size_t pad = width[col] - cli_out__visible(t->cells[i]);
            fprintf(stream, "%s%*s  ", t->cells[i], (int)pad, "");
        }
    }
    free(width);
    return ferror(stream) ? -1 : 0;
}

void cli_table_free(struct cli_table *t) {
    for (size_t i = 0; i < t->cells_count; i++) free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

void cli_out_text(const json_t *v, char *out, size_t out_size) {
    cli_fmt_value(NULL, v, CLI_FMT_TEXT, out, out_size);
}

const char *cli_out_field(const json_t *obj, const char *key, char *out, size_t out_size) {
    cli_out_text(json_is_object(obj) ? json_object_get(obj, key) : NULL, out, out_size);
    return out;
}

void cli_out_pairs(const json_t *obj, struct buf *out) { cli_fmt_pairs(obj, NULL, out); }

void cli_out_event(const json_t *event, struct buf *out) {
    char text[128];
    cli_out_text(json_object_get(event, "type"), text, sizeof(text));
    buf_put(out, text, strlen(text));
    const json_t *asset = json_object_get(event, "asset");
    if (json_is_string(asset)) {
        cli_out_text(asset, text, sizeof(text));
        buf_put(out, " ", 1);
        buf_put(out, text, strlen(text));
    }
    const json_t *data = json_object_get(event, "data");
    if (json_is_object(data) && json_object_size(data) > 0) {
        buf_put(out, " ", 1);
        cli_out_pairs(data, out);
    }
}

const char *cli_out_cstr(struct buf *b) {
    buf_put(b, "", 1);
    if (!buf_ok(b)) return "";
    b->len--; /* the NUL stays in place but is not part of the text */
    return (const char *)b->data;
}
