/* plot.h — `lorascope plot`: a trace's or a watch directory's panels as an SVG, PNG or PDF
 * figure. */
#ifndef LORASCOPE_CLI_PLOT_H
#define LORASCOPE_CLI_PLOT_H

#include <stdbool.h>

#include "../plot/figure.h"

/* `lorascope plot TRACE -o FILE [options]`; argv[0] is "plot". */
int ls_cli_plot(int argc, char **argv);

/* Whether path is a watch directory: a directory without a snapshot's manifest.json. */
bool ls_plot_is_watch_dir(const char *path);
/* Draw the watch directory dir into out (plot_watch.c); returns the exit status, having
 * printed the one-line error. module: the σ panel's module, or NULL. */
int ls_cli_plot_watch(const char *dir, const char *out, const char *module, const ls_fig_opts *fo);

#endif
