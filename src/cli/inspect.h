/* inspect.h — `lorascope inspect PATH`: the spectra and norms of a PEFT LoRA adapter. */
#ifndef LORASCOPE_CLI_INSPECT_H
#define LORASCOPE_CLI_INSPECT_H

/* argv[0] is "inspect". Prints an aligned table and a summary (or JSON with --json) on
 * stdout; a bad path or file gives one line on stderr naming it, and exit status 2. */
int ls_cli_inspect(int argc, char **argv);

#endif
