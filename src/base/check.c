/* check.c - the failure path of ASSERT: report and abort. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>

void check_fail(const char *expr, const char *file, int line) {
    fprintf(stderr, "mintline: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
