/* role.c - role names. */
#include "role.h"

#include <string.h>

static const char *const role_names[ROLE__COUNT] = {
#define ROLE_NAME_ROW(id, name) name,
    ROLE_TABLE(ROLE_NAME_ROW)
#undef ROLE_NAME_ROW
};

const char *role_name(enum role role) {
    if ((unsigned)role >= ROLE__COUNT) return "?";
    return role_names[role];
}

enum role role_parse(const char *name, size_t len) {
    for (unsigned i = 0; i < ROLE__COUNT; i++) {
        if (strlen(role_names[i]) == len && memcmp(role_names[i], name, len) == 0) {
            return (enum role)i;
        }
    }
    return ROLE__COUNT;
}
