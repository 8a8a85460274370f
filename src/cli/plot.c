/* plot.c — `lorascope plot TRACE|SNAPSHOT -o FILE.{svg,png,pdf}`: the TUI's panels as a
 * figure file drawn through cairo (src/plot/figure.h). A trace: its rows as the plots'
 * history, its last row as the current state (as `replay` shows them at its last row). A
 * snapshot (a directory holding manifest.json, snapshot.h): the session loaded as --resume
 * loads it, its view made by ls_view_session as `run --plot` makes it, with the theory
 * report. Bad input — a missing or corrupt trace or snapshot, an unknown extension — is one
 * line on stderr, exit status 2, and no output file. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../plot/figure.h"
#include "../tui/replay_view.h"
#include "../tui/view.h"
#include "cli.h"
#include "lorascope/fileio.h"
#include "lorascope/opts.h"
#include "lorascope/snapshot.h"
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
	.usage = "usage: lorascope plot TRACE|SNAPSHOT|WATCHDIR -o FILE.svg|FILE.png|FILE.pdf\n"
		 "       [options]\n"
		 "Draw the panels of a trace written by `lorascope run --trace FILE` or the TUI's\n"
		 "w key, as `lorascope replay` shows them at the last row: the loss against the\n"
		 "step, sigma_r/sigma_r* against 2alpha/beta, the verdict band (a trace records\n"
		 "no singular values: the spectrum panel says so). A snapshot directory (run\n"
		 "--snapshot DIR or the TUI's s key) draws the session's state as the TUI shows\n"
		 "it: the history, sigma(X) against sigma(X*), the baseline and floor, the\n"
		 "theory readouts. Any other directory is a watch directory (what `lorascope\n"
		 "watch DIR` shows), drawn as its training curves, ||dW||_F of the 5 largest\n"
		 "modules across the checkpoints and sigma(dW) of one module. The same input\n"
		 "gives the same bytes; the file is written whole or not at all.\n",
};

/* Whether path is a snapshot: a directory holding manifest.json (anything else is a trace). */
/* What path holds: a snapshot is a directory with manifest.json, any other directory a
 * watch directory (a Trainer output), anything else a trace. */
typedef enum { PLOT_TRACE, PLOT_SNAPSHOT, PLOT_WATCH } plot_input;

static plot_input input_kind(const char *path)
{
	struct stat st;
	char man[4096];
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return PLOT_TRACE;
	int n = snprintf(man, sizeof man, "%s/manifest.json", path);
	return n > 0 && (size_t)n < sizeof man && stat(man, &st) == 0 ? PLOT_SNAPSHOT : PLOT_WATCH;
}

/* The view of a trace: its rows as the history, its last row as the current state. */
static ls_status trace_view(ls_view *v, const char *path, ls_error *err)
{
	ls_trace *t;
	ls_status st = ls_trace_read(path, &t, err);
	if (st != LS_OK)
		return st;
	if (t->nrows == 0)
		st = ls_error_set(err, LS_EINVAL, "%s: no rows to plot", path);
	else
		st = ls_replay_history(v, t, err);
	if (st == LS_OK) {
		ls_replay_row(v, t, t->nrows - 1);
		v->diverged = v->m.diverged;
	}
	ls_trace_free(t);
	return st;
}

/* The view of a snapshot: the session's, with the theory report when the run's summary
 * would have one (a baseline, no divergence; a report that fails leaves the readouts out,
 * as run --plot does). */
static ls_status snapshot_view(ls_view *v, const char *dir, ls_error *err)
{
	ls_session *s;
	ls_status st = ls_session_load(&s, dir, err);
	if (st != LS_OK)
		return st;
	st = ls_view_session(v, s, err);
	if (st == LS_OK && ls_session_baseline(s) && !ls_session_diverged(s)) {
		ls_error terr;
		ls_error_clear(&terr);
		v->has_theory = ls_session_theory_report(s, &v->rep, &terr) == LS_OK;
		v->theory_step = ls_session_steps(s);
	}
	ls_session_free(s);
	return st;
}

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
		fprintf(stderr, "lorascope plot: a trace, snapshot or watch directory and -o FILE "
				"are needed (see "
				"--help)\n");
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
	plot_input kind = input_kind(path);
	if (kind == PLOT_WATCH)
		return ls_cli_plot_watch(path, o.out, o.module, &fo);
	if (o.module) {
		fprintf(stderr, "lorascope plot: %s: --module is for a watch directory\n", path);
		return LS_EXIT_USAGE;
	}
	ls_view v;
	memset(&v, 0, sizeof v);
	/* Bad input (unreadable, corrupt, empty) is a usage error; memory or writing a failure. */
	ls_status st = kind == PLOT_SNAPSHOT ? snapshot_view(&v, path, &err)
					     : trace_view(&v, path, &err);
	int rc = st == LS_OK ? LS_EXIT_OK : st == LS_ENOMEM ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
	if (st == LS_OK && (st = ls_fig_write(o.out, &v, &fo, &err)) != LS_OK)
		rc = LS_EXIT_FAILURE;
	if (st != LS_OK)
		fprintf(stderr, "lorascope plot: %s\n", err.msg);
	ls_view_free(&v);
	return rc;
}
