/* inspect.h — `lorascope inspect PATH`: the spectra and norms of a PEFT LoRA adapter. */
#ifndef LORASCOPE_CLI_INSPECT_H
#define LORASCOPE_CLI_INSPECT_H

#include <stdbool.h>

#include <jansson.h>

/* argv[0] is "inspect". Prints an aligned table and a summary (or JSON with --json) on
 * stdout; a bad path or file gives one line on stderr naming it, and exit status 2. */
int ls_cli_inspect(int argc, char **argv);

/* `inspect --diff A B` (inspect_diff.c): per module of A and B the relative drift
 * ‖ΔW_B − ΔW_A‖_F/‖ΔW_A‖_F and the principal angles between their column spaces (thin
 * factors, lowrank.h), modules in one only listed; a table, or JSON with json. Returns the
 * exit status (2 for a bad path, one line on stderr). */
int ls_cli_inspect_diff(const char *a, const char *b, bool json);

/* Print doc (taken) on stdout as inspect's JSON: indented, in order, exact reals, a final
 * newline. Returns the exit status; a NULL doc (it could not be built) is a failure. */
int ls_inspect_print_json(json_t *doc);

#endif
