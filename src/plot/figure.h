/* figure.h — the TUI's panels as a figure file (SVG, PNG or PDF), drawn through cairo.
 *
 * One drawing code for the three formats: the panels (loss, spectrum, ratio, verdict band)
 * of a published ls_view are drawn on a cairo surface of the format the file name asks
 * for. The output is a function of the view and the options alone (byte-stable: no dates
 * in the PDF), and it is written atomically: no partial file is ever left at the path. */
#ifndef LORASCOPE_PLOT_FIGURE_H
#define LORASCOPE_PLOT_FIGURE_H

#include <stdbool.h>

#include "../tui/view.h"
#include "lorascope/status.h"
#include "lorascope/watch.h"

typedef enum { LS_FIG_SVG, LS_FIG_PNG, LS_FIG_PDF } ls_fig_format;

/* Which panels: all, or one (the names of --panel, in this order). */
typedef enum {
	LS_FIG_ALL,
	LS_FIG_LOSS,
	LS_FIG_SPECTRUM,
	LS_FIG_RATIO,
	LS_FIG_VERDICT,
	LS_FIG_NPANELS
} ls_fig_panel;

extern const char *const ls_fig_panel_names[LS_FIG_NPANELS + 1];
extern const char *const ls_fig_theme_names[3];

/* The default size (pixels or points); fonts and lines are sized for it and scale with it. */
#define LS_FIG_WIDTH 960
#define LS_FIG_HEIGHT 600
#define LS_FIG_STR_(x) #x
#define LS_FIG_STR(x) LS_FIG_STR_(x)

typedef struct {
	double width, height; /* pixels (PNG) or points (SVG, PDF) */
	int panel;            /* ls_fig_panel */
	int dark;             /* 0: light theme, 1: dark */
} ls_fig_opts;

/* The format named by the file's extension (.svg, .png, .pdf); false for any other. */
bool ls_fig_format_of_path(const char *path, ls_fig_format *fmt);

/* A rectangle of the figure (x, y its top-left corner). */
typedef struct {
	double x, y, w, h;
} ls_fig_rect;

/* Where panel p goes on a width × height figure showing `which` (LS_FIG_ALL: loss and
 * spectrum over ratio and the verdict band, as the TUI places them; one panel: the whole
 * figure inside the margin); w = 0 when p is not shown. */
ls_fig_rect ls_fig_layout(int which, ls_fig_panel p, double width, double height);

/* Draw the panels of v into the file path (its extension gives the format). */
ls_status ls_fig_write(const char *path, const ls_view *v, const ls_fig_opts *o, ls_error *err);

/* The panels of a watch directory's model (watch.h) into the file path: the training
 * curves (loss, eval_loss), ‖ΔW‖_F of the largest modules across the checkpoints, and
 * σ(ΔW) of module (NULL: the largest at the newest checkpoint) (fig_watch.c). o->panel
 * must be LS_FIG_ALL. Errors: nothing to plot, no such module, those of ls_fig_write. */
ls_status ls_fig_write_watch(const char *path, const ls_watch *w, const char *module,
			     const ls_fig_opts *o, ls_error *err);

#endif
