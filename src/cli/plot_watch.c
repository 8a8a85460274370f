/* plot_watch.c — `lorascope plot WATCHDIR -o FILE`: a Trainer output directory (what
 * `lorascope watch DIR` shows; a directory without a snapshot's manifest.json) opened and
 * analysed once by the watch model, drawn by src/plot/fig_watch.c. */
#include <stdio.h>

#include "cli.h"
#include "lorascope/watch.h"
#include "plot.h"

int ls_cli_plot_watch(const char *dir, const char *out, const char *module, const ls_fig_opts *fo)
{
	ls_error err;
	if (fo->panel != LS_FIG_ALL) {
		fprintf(stderr,
			"lorascope plot: %s: --panel chooses among a trace's panels; a "
			"watch directory is drawn whole\n",
			dir);
		return LS_EXIT_USAGE;
	}
	ls_watch_opts wo = { .poll = true, .interval = 1 };
	ls_watch *w;
	if (ls_watch_open(&w, dir, &wo, &err) != LS_OK) {
		fprintf(stderr, "lorascope plot: %s\n", err.msg);
		return LS_EXIT_USAGE;
	}
	int rc = LS_EXIT_OK;
	ls_status st = ls_fig_write_watch(out, w, module, fo, &err);
	if (st != LS_OK) {
		fprintf(stderr, "lorascope plot: %s\n", err.msg);
		rc = st == LS_EINVAL ? LS_EXIT_USAGE : LS_EXIT_FAILURE;
	}
	ls_watch_free(w);
	return rc;
}
