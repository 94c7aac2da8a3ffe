/* main.c - the mintline binary: every subcommand lives in src/cli. */
#include "cli/cli.h"

int main(int argc, char **argv) { return cli_main(argc, argv); }
