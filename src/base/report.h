/*
 * report.h - how a command-line failure is told: "error: ERR_CODE: message"
 * on stderr (red only on a terminal without NO_COLOR), and the SPEC 8 exit
 * code that goes with the code.
 */
#ifndef MINTLINE_BASE_REPORT_H
#define MINTLINE_BASE_REPORT_H

#include "err.h"

#define EXIT_DONE 0
#define EXIT_REJECTED 1
#define EXIT_USAGE 2
#define EXIT_IO 3
#define EXIT_PENDING 4

/* report_error: print the error line; detail (may be NULL) is appended
 * after the code's message. Returns report_exit_code(err). */
int report_error(enum err err, const char *detail);

/* report_exit_code: 2 for ERR_USAGE; 3 for I/O, store and reachability
 * faults; 1 for every other error; 0 for ERR_OK. */
int report_exit_code(enum err err);

#endif
