/* cli.h — the subcommands of the lorascope binary (each returns the process exit status). */
#ifndef LORASCOPE_CLI_H
#define LORASCOPE_CLI_H

/* Exit statuses of the front-ends. */
#define LS_EXIT_OK 0
#define LS_EXIT_FAILURE 1  /* a runtime failure (out of memory, numerical library error) */
#define LS_EXIT_USAGE 2    /* bad option, bad value, bad input */
#define LS_EXIT_DIVERGED 3 /* `run`: the training diverged (NaN/Inf) */

/* `lorascope run [options]`: a headless run; argv[0] is "run". */
int ls_cli_run(int argc, char **argv);

/* `lorascope watch DIR --once | --follow`: rows of a training run's checkpoints (watch.h);
 * argv[0] is "watch". */
int ls_cli_watch(int argc, char **argv);

#endif
