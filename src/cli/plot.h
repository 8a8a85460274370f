/* plot.h — `lorascope plot`: a trace's panels as an SVG, PNG or PDF figure. */
#ifndef LORASCOPE_CLI_PLOT_H
#define LORASCOPE_CLI_PLOT_H

/* `lorascope plot TRACE|SNAPSHOT -o FILE [options]`; argv[0] is "plot". */
int ls_cli_plot(int argc, char **argv);

#endif
