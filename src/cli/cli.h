/*
 * cli.h - the mintline command-line tool (SPEC 8): argv -> a signed HTTP
 * request to the node, or an in-process node command (init, serve, audit),
 * -> human or JSON output.
 *
 * Exit codes are SPEC 8's: 0 done, 1 rejected by the ledger, 2 usage,
 * 3 node unreachable or I/O, 4 accepted but pending. Stdout carries data
 * only; errors go to stderr as "error: ERR_CODE: message". Nothing prompts.
 */
#ifndef MINTLINE_CLI_CLI_H
#define MINTLINE_CLI_CLI_H

/* cli_main: run one mintline invocation; returns the process exit code. */
int cli_main(int argc, char **argv);

#endif
