/* plot.c — `lorascope plot TRACE -o FILE.{svg,png,pdf}`: the TUI's panels of a trace
 * (its rows as the plots' history, its last row as the current state, as `replay` shows
 * them at its last row) as a figure file drawn through cairo (src/plot/figure.h). Bad
 * input — a missing or corrupt trace, an unknown extension — is one line on stderr, exit
 * status 2, and no output file. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../plot/figure.h"
#include "../tui/replay_view.h"
#include "cli.h"
#include "lorascope/fileio.h"
#include "lorascope/opts.h"
#include "lorascope/trace.h"
#include "plot.h"

typedef struct {
	const char *out, *module;
	long width, height;
	int panel, theme;
	bool help;
} plot_options;

static const ls_opt plot_rows[] = {
	{ .name = "output",
	  .short_name = 'o',
	  .kind = LS_OPT_TEXT,
	  .arg = "FILE",
	  .group = "plot",
	  .help = "the figure to write; its extension gives the format: .svg, .png or .pdf",
	  .offset = offsetof(plot_options, out) },
	{ .name = "width",
	  .kind = LS_OPT_INT,
	  .arg = "N",
	  .group = "plot",
	  .def = LS_FIG_STR(LS_FIG_WIDTH),
	  .help = "the figure's width: pixels for PNG, points for SVG and PDF",
	  .lo = 100,
	  .hi = 5000,
	  .offset = offsetof(plot_options, width) },
	{ .name = "height",
	  .kind = LS_OPT_INT,
	  .arg = "N",
	  .group = "plot",
	  .def = LS_FIG_STR(LS_FIG_HEIGHT),
	  .help = "the figure's height: pixels for PNG, points for SVG and PDF",
	  .lo = 100,
	  .hi = 5000,
	  .offset = offsetof(plot_options, height) },
	{ .name = "panel",
	  .kind = LS_OPT_CHOICE,
	  .arg = "NAME",
	  .group = "plot",
	  .def = "all",
	  .help = "draw every panel, or only this one on the whole figure",
	  .choices = ls_fig_panel_names,
	  .offset = offsetof(plot_options, panel) },
	{ .name = "theme",
	  .kind = LS_OPT_CHOICE,
	  .arg = "NAME",
	  .group = "plot",
	  .def = "light",
	  .help = "dark text on white (slides, papers) or light text on black",
	  .choices = ls_fig_theme_names,
	  .offset = offsetof(plot_options, theme) },
	{ .name = "module",
	  .kind = LS_OPT_TEXT,
	  .arg = "NAME",
	  .group = "plot",
	  .help = "a watch directory's module whose singular values are drawn (default: the "
		  "largest)",
	  .offset = offsetof(plot_options, module) },
	LS_OPT_MAX_MEMORY_ROW("plot"),
	LS_OPT_HELP_ROW(plot_options, help, "plot"),
};

static const ls_opts_spec plot_spec = {
	.opts = plot_rows,
	.nopts = sizeof plot_rows / sizeof plot_rows[0],
	.max_args = 1,
	.usage = "usage: lorascope plot TRACE|WATCHDIR -o FILE.svg|FILE.png|FILE.pdf [options]\n"
		 "Draw the panels of a trace written by `lorascope run --trace FILE` or the TUI's\n"
		 "w key, as `lorascope replay` shows them at the last row: the loss against the\n"
		 "step, sigma_r/sigma_r* against 2alpha/beta, the verdict band (a trace records\n"
		 "no singular values: the spectrum panel says so). The same input gives the same\n"
		 "bytes; the file is written whole or not at all. A watch directory (what\n"
		 "`lorascope watch DIR` shows) is drawn as its training curves, ||dW||_F of the\n"
		 "5 largest modules across the checkpoints and sigma(dW) of one module.\n",
};

int ls_cli_plot(int argc, char **argv)
{
	plot_options o = { 0 };
	const char *path = NULL;
	size_t nargs = 0;
	ls_error err;
	if (ls_opts_defaults(&plot_spec, &o, &err) != LS_OK ||
	    ls_opts_parse(&plot_spec, argc, argv, &o, &path, &nargs, &err) != LS_OK) {
		fprintf(stderr, "lorascope plot: %s\n", err.msg);
		return LS_EXIT_USAGE;
	}
	if (o.help) {
		ls_opts_help(&plot_spec, stdout);
		return LS_EXIT_OK;
	}
	ls_fig_format fmt;
	if (!path || !o.out) {
		fprintf(stderr, "lorascope plot: a trace and -o FILE are needed (see --help)\n");
		return LS_EXIT_USAGE;
	}
	if (!ls_fig_format_of_path(o.out, &fmt)) {
		fprintf(stderr,
			"lorascope plot: %s: unknown figure format (the name must end in .svg, "
			".png or .pdf)\n",
			o.out);
		return LS_EXIT_USAGE;
	}
	if (ls_file_write_check(o.out, &err) != LS_OK) {
		fprintf(stderr, "lorascope plot: %s\n", err.msg);
		return LS_EXIT_USAGE;
	}
	ls_fig_opts fo = { .width = (double)o.width,
			   .height = (double)o.height,
			   .panel = o.panel,
			   .dark = o.theme };
	if (ls_plot_is_watch_dir(path))
		return ls_cli_plot_watch(path, o.out, o.module, &fo);
	if (o.module) {
		fprintf(stderr, "lorascope plot: %s: --module is for a watch directory\n", path);
		return LS_EXIT_USAGE;
	}
	ls_trace *t;
	if (ls_trace_read(path, &t, &err) != LS_OK) {
		fprintf(stderr, "lorascope plot: %s\n", err.msg);
		return LS_EXIT_USAGE;
	}
	if (t->nrows == 0) {
		fprintf(stderr, "lorascope plot: %s: no rows to plot\n", path);
		ls_trace_free(t);
		return LS_EXIT_USAGE;
	}
	ls_view v;
	memset(&v, 0, sizeof v);
	int rc = LS_EXIT_OK;
	if (ls_replay_history(&v, t, &err) != LS_OK) {
		rc = LS_EXIT_FAILURE;
	} else {
		ls_replay_row(&v, t, t->nrows - 1);
		v.diverged = v.m.diverged;
		if (ls_fig_write(o.out, &v, &fo, &err) != LS_OK)
			rc = LS_EXIT_FAILURE;
	}
	if (rc != LS_EXIT_OK)
		fprintf(stderr, "lorascope plot: %s\n", err.msg);
	ls_view_free(&v);
	ls_trace_free(t);
	return rc;
}
