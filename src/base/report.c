/* report.c - command-line error lines and exit codes. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int report_exit_code(enum err err) {
    if (err == ERR_OK) return EXIT_DONE;
    if (err == ERR_USAGE) return EXIT_USAGE;
    if (err == ERR_IO || err == ERR_STORE_IO || err == ERR_NODE_UNREACHABLE ||
        err == ERR_NOT_READY || err == ERR_INTERNAL || err == ERR_JOURNAL_CUT) {
        return EXIT_IO;
    }
    return EXIT_REJECTED;
}

int report_error(enum err err, const char *detail) {
    int colour = isatty(2) && getenv("NO_COLOR") == NULL;
    fprintf(stderr, "%serror:%s %s: %s%s%s\n", colour ? "\033[31m" : "", colour ? "\033[0m" : "",
            err_name(err), err_message(err), detail && detail[0] ? ": " : "",
            detail ? detail : "");
    return report_exit_code(err);
}
