/*
 * cli_out.c - error lines, warnings, tables and JSON display text for the
 * CLI. Stdout gets data only; anything about the run itself goes to stderr.
 */
#include "cli_out.h"

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
        cli_out_text(json_object_get(obj, keys[i]), text, sizeof(text));
        cli_table_cell(&t, keys[i]);
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

int cli_table_print(const struct cli_table *t, FILE *stream) {
    if (t->failed || t->cols == 0) return -1;
    size_t *width = calloc(t->cols, sizeof(*width));
    if (width == NULL) return -1;
    for (size_t i = 0; i < t->cells_count; i++) {
        size_t len = strlen(t->cells[i]);
        if (len > width[i % t->cols]) width[i % t->cols] = len;
    }
    for (size_t i = 0; i < t->cells_count; i++) {
        size_t col = i % t->cols;
        int last = col + 1 == t->cols || i + 1 == t->cells_count;
        if (last) {
            fprintf(stream, "%s\n", t->cells[i]);
        } else {
            fprintf(stream, "%-*s  ", (int)width[col], t->cells[i]);
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
    if (out_size == 0) return;
    if (v == NULL || json_is_null(v)) {
        snprintf(out, out_size, "-");
    } else if (json_is_string(v)) {
        snprintf(out, out_size, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(out, out_size, "%lld", (long long)json_integer_value(v));
    } else if (json_is_boolean(v)) {
        snprintf(out, out_size, "%s", json_is_true(v) ? "yes" : "no");
    } else {
        /* Ratios arrive as JSON reals; 15 significant digits give back the
         * node's text (0.0008), not the double's (0.00080000000000000004). */
        char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
        snprintf(out, out_size, "%s", dump != NULL ? dump : "?");
        free(dump);
    }
    cli_out_clean(out);
}

const char *cli_out_field(const json_t *obj, const char *key, char *out, size_t out_size) {
    cli_out_text(json_is_object(obj) ? json_object_get(obj, key) : NULL, out, out_size);
    return out;
}

void cli_out_pairs(const json_t *obj, struct buf *out) {
    if (!json_is_object(obj)) return;
    const char *key;
    json_t *value;
    int first = 1;
    json_object_foreach((json_t *)obj, key, value) {
        char text[256];
        cli_out_text(value, text, sizeof(text));
        if (!first) buf_put(out, " ", 1);
        first = 0;
        buf_put(out, key, strlen(key));
        buf_put(out, "=", 1);
        buf_put(out, text, strlen(text));
    }
}

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
