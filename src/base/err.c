/* err.c - name, message and HTTP status lookups generated from ERR_TABLE. */
#include "err.h"

#include <string.h>

struct err_row {
    const char *name;
    const char *message;
    int status;
};

static const struct err_row err_rows[ERR__COUNT] = {
#define ERR_ROW(name, status, msg) {"ERR_" #name, msg, status},
    ERR_TABLE(ERR_ROW)
#undef ERR_ROW
};

static const struct err_row *err__row(enum err err) {
    if ((unsigned)err >= ERR__COUNT) return &err_rows[ERR_INTERNAL];
    return &err_rows[err];
}

const char *err_name(enum err err) { return err__row(err)->name; }

const char *err_message(enum err err) { return err__row(err)->message; }

int err_http_status(enum err err) { return err__row(err)->status; }

enum err err_from_name(const char *name) {
    for (unsigned i = 0; i < ERR__COUNT; i++) {
        if (strcmp(err_rows[i].name, name) == 0) return (enum err)i;
    }
    return ERR__COUNT;
}
