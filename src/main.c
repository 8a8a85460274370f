/* main.c — entry point: dispatches the subcommand named by argv[1] from one table. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/inspect.h"
#include "cli/plot.h"
#include "tui/tui.h"

typedef struct {
	const char *name;
	int (*main)(int argc, char **argv); /* receives argv starting at the subcommand */
	const char *help;
} subcommand;

static const subcommand subcommands[] = {
	{ "run", ls_cli_run, "train headless and print a row every K steps and a summary" },
	{ "inspect", ls_cli_inspect, "spectra, norms and flags of a PEFT LoRA adapter" },
	{ "watch", ls_cli_watch, "follow a training run's checkpoints and curves (DIR)" },
	{ "tui", ls_tui_main, "the interactive view (the default: no command, or only options)" },
	{ "replay", ls_tui_replay, "show a trace (run --trace, the w key) interactively" },
	{ "plot", ls_cli_plot,
	  "draw a trace's or snapshot's panels into an SVG, PNG or PDF figure" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: lorascope <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].help);
	fprintf(out, "\n`lorascope <command> --help` lists the options of a command.\n"
		     "  --help     this text\n  --version  print the version\n");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return ls_tui_main(argc, argv);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return LS_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("lorascope %s\n", PACKAGE_VERSION);
		return LS_EXIT_OK;
	}
	if (argv[1][0] == '-')
		return ls_tui_main(argc, argv);
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "lorascope: unknown command '%s' (try lorascope --help)\n", argv[1]);
	return LS_EXIT_USAGE;
}
