/* fig_priv.h — what the figure's drawing files share: the drawing context, the colours by
 * role, text, axes and series on cairo (fig_draw.c); the panels (fig_panels.c). */
#ifndef LORASCOPE_PLOT_FIG_PRIV_H
#define LORASCOPE_PLOT_FIG_PRIV_H

#include <cairo.h>

#include "../tui/axis.h"
#include "../tui/theme.h"
#include "figure.h"

typedef struct {
	cairo_t *cr;
	double u; /* the size unit: 1 at the default size, so fonts and lines scale with it */
	int dark;
} ls_fig;

/* Font sizes and line widths in units of u: readable when projected. */
#define LS_FIG_FONT 15.0
#define LS_FIG_FONT_TITLE 17.0
#define LS_FIG_LINE 2.5

/* Fill colour of role (the theme's colours for the TUI's roles). */
void ls_fig_color(const ls_fig *f, ls_role role);
/* Text s at (x, y) (the baseline), size in units of u, aligned by ax (0 left, 0.5 centred,
 * 1 right); returns its width. */
double ls_fig_text(const ls_fig *f, double x, double y, double size, ls_role role, double ax,
		   const char *s);
/* The panel's frame and title; returns the rectangle inside it. */
ls_fig_rect ls_fig_box(const ls_fig *f, ls_fig_rect r, const char *title);
/* Axes with round ticks in r: ys widened to round ends (ls_axis_nice), x labels of xs minus
 * x_offset (none when xs is NULL), xname under them; returns the plot area. Axes and grid
 * are filled rectangles, so the only stroked paths of a figure are its series. */
ls_fig_rect ls_fig_axes(const ls_fig *f, ls_fig_rect r, ls_scale *ys, const ls_scale *xs,
			double x_offset, const char *xname);
/* One series of curve id through the points (fx, fy) as fractions of c (fy 0 at the
 * bottom); NaN breaks the line; clipped to c. One stroked path. */
void ls_fig_series(const ls_fig *f, ls_fig_rect c, ls_curve id, const double *fx, const double *fy,
		   size_t n);
/* A horizontal line of curve id at fraction fy of c (nothing when fy is not in [0, 1]). */
void ls_fig_hline(const ls_fig *f, ls_fig_rect c, ls_curve id, double fy);
/* The legend of n curves in the top right of c: a filled sample and the name (names[i],
 * or the curve's own when NULL). */
void ls_fig_legend(const ls_fig *f, ls_fig_rect c, const ls_curve *ids, const char *const *names,
		   int n);
/* A band of colour role across r at y with centred text; returns its height. */
double ls_fig_band(const ls_fig *f, ls_fig_rect r, double y, ls_role role, const char *text);

/* Draw the panels of ctx with f (the background is painted). */
typedef void (*ls_fig_draw_fn)(const ls_fig *f, const void *ctx, const ls_fig_opts *o);
/* Write the figure that fn draws of ctx into path (format from the extension), atomically. */
ls_status ls_fig_write_with(const char *path, ls_fig_draw_fn fn, const void *ctx,
			    const ls_fig_opts *o, ls_error *err);

void ls_fig_loss(const ls_fig *f, ls_fig_rect r, const ls_view *v);
void ls_fig_spectrum(const ls_fig *f, ls_fig_rect r, const ls_view *v);
void ls_fig_ratio(const ls_fig *f, ls_fig_rect r, const ls_view *v);
void ls_fig_verdict(const ls_fig *f, ls_fig_rect r, const ls_view *v);

#endif
