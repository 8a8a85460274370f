/* plot.h — `lorascope plot`: a trace's, a snapshot's or a watch directory's panels as an
 * SVG, PNG or PDF figure. */
#ifndef LORASCOPE_CLI_PLOT_H
#define LORASCOPE_CLI_PLOT_H

#include "../plot/figure.h"

/* `lorascope plot TRACE|SNAPSHOT|WATCHDIR -o FILE [options]`; argv[0] is "plot". */
int ls_cli_plot(int argc, char **argv);

/* Draw the watch directory dir into out (plot_watch.c); returns the exit status, having
 * printed the one-line error. module: the σ panel's module, or NULL. */
int ls_cli_plot_watch(const char *dir, const char *out, const char *module, const ls_fig_opts *fo);

#endif
