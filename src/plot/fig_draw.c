/* fig_draw.c — the figure's drawing primitives on cairo: colours by role in a light and a
 * dark theme, text, panel frames, axes with the TUI's round ticks (axis.h), series in the
 * TUI's line styles, legends and bands. */
#include <math.h>
#include <stdio.h>

#include "fig_priv.h"

typedef struct {
	double r, g, b;
} rgb;

/* By role, then the background (index LS_ROLE_COUNT); light and dark. */
static const rgb palette[2][LS_ROLE_COUNT + 1] = {
	{
		[LS_ROLE_NORMAL] = { 0.10, 0.10, 0.10 }, [LS_ROLE_BORDER] = { 0.45, 0.50, 0.60 },
		[LS_ROLE_TITLE] = { 0.08, 0.25, 0.45 },  [LS_ROLE_LABEL] = { 0.35, 0.35, 0.35 },
		[LS_ROLE_LOSS] = { 0.85, 0.45, 0.00 },   [LS_ROLE_REG] = { 0.10, 0.55, 0.20 },
		[LS_ROLE_BASE] = { 0.60, 0.15, 0.60 },   [LS_ROLE_FLOOR] = { 0.80, 0.10, 0.10 },
		[LS_ROLE_XBAR] = { 0.10, 0.45, 0.75 },   [LS_ROLE_XSTAR] = { 0.60, 0.15, 0.60 },
		[LS_ROLE_MARK] = { 0.85, 0.45, 0.00 },   [LS_ROLE_FLOW] = { 0.15, 0.25, 0.80 },
		[LS_ROLE_GOOD] = { 0.10, 0.55, 0.20 },   [LS_ROLE_BAD] = { 0.80, 0.10, 0.10 },
		[LS_ROLE_WARN] = { 0.85, 0.45, 0.00 },   [LS_ROLE_INFO] = { 0.10, 0.45, 0.75 },
		[LS_ROLE_HEADER] = { 0.10, 0.45, 0.75 }, [LS_ROLE_ERROR] = { 0.80, 0.10, 0.10 },
		[LS_ROLE_KEY] = { 0.85, 0.45, 0.00 },    [LS_ROLE_COUNT] = { 1.00, 1.00, 1.00 },
	},
	{
		[LS_ROLE_NORMAL] = { 0.92, 0.92, 0.92 }, [LS_ROLE_BORDER] = { 0.45, 0.55, 0.75 },
		[LS_ROLE_TITLE] = { 0.45, 0.85, 0.95 },  [LS_ROLE_LABEL] = { 0.70, 0.70, 0.70 },
		[LS_ROLE_LOSS] = { 1.00, 0.80, 0.20 },   [LS_ROLE_REG] = { 0.35, 0.90, 0.40 },
		[LS_ROLE_BASE] = { 0.95, 0.45, 0.95 },   [LS_ROLE_FLOOR] = { 1.00, 0.40, 0.40 },
		[LS_ROLE_XBAR] = { 0.35, 0.85, 0.95 },   [LS_ROLE_XSTAR] = { 0.95, 0.45, 0.95 },
		[LS_ROLE_MARK] = { 1.00, 0.80, 0.20 },   [LS_ROLE_FLOW] = { 0.50, 0.65, 1.00 },
		[LS_ROLE_GOOD] = { 0.20, 0.70, 0.30 },   [LS_ROLE_BAD] = { 0.90, 0.25, 0.25 },
		[LS_ROLE_WARN] = { 0.90, 0.65, 0.10 },   [LS_ROLE_INFO] = { 0.20, 0.60, 0.80 },
		[LS_ROLE_HEADER] = { 0.20, 0.60, 0.80 }, [LS_ROLE_ERROR] = { 1.00, 0.40, 0.40 },
		[LS_ROLE_KEY] = { 1.00, 0.80, 0.20 },    [LS_ROLE_COUNT] = { 0.07, 0.08, 0.10 },
	},
};

/* The curves' roles, line styles (the TUI's monochrome ones, which tell the curves of a
 * panel apart without colour) and legends, from theme.h's table. */
static const struct {
	ls_role role;
	unsigned style;
	const char *legend;
} curves[LS_CURVE_COUNT] = {
#define LS_FIG_CURVE(id, p, k, r, mono, col, u, a) [LS_CURVE_##id] = { LS_ROLE_##r, mono, u },
	LS_CURVE_LIST(LS_FIG_CURVE)
#undef LS_FIG_CURVE
};

void ls_fig_color(const ls_fig *f, ls_role role)
{
	const rgb *c = &palette[f->dark ? 1 : 0][role];
	cairo_set_source_rgb(f->cr, c->r, c->g, c->b);
}

/* The dashes of a line style (canvas.h's 8-pixel patterns) in units of u; 0 for solid. */
static int dashes(unsigned style, double *d)
{
	switch (style) {
	case LS_STYLE_DASHED:
		d[0] = 9, d[1] = 4;
		return 2;
	case LS_STYLE_DOTTED:
		d[0] = 2, d[1] = 4;
		return 2;
	case LS_STYLE_SPARSE:
		d[0] = 2, d[1] = 9;
		return 2;
	case LS_STYLE_DASHDOT:
		d[0] = 9, d[1] = 4, d[2] = 2, d[3] = 4;
		return 4;
	default:
		return 0;
	}
}

static void font(const ls_fig *f, double size, bool bold)
{
	cairo_select_font_face(f->cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(f->cr, size * f->u);
}

static double text_at(const ls_fig *f, double x, double y, double ax, const char *s)
{
	cairo_text_extents_t e;
	cairo_text_extents(f->cr, s, &e);
	cairo_move_to(f->cr, x - ax * e.x_advance, y);
	cairo_show_text(f->cr, s);
	return e.x_advance;
}

double ls_fig_text(const ls_fig *f, double x, double y, double size, ls_role role, double ax,
		   const char *s)
{
	font(f, size, role == LS_ROLE_TITLE);
	ls_fig_color(f, role);
	return text_at(f, x, y, ax, s);
}

/* A filled rectangle (the axes and frames are fills: only series are stroked). */
static void rect(const ls_fig *f, double x, double y, double w, double h)
{
	cairo_rectangle(f->cr, x, y, w, h);
	cairo_fill(f->cr);
}

static void frame(const ls_fig *f, ls_fig_rect r, double t)
{
	rect(f, r.x, r.y, r.w, t);
	rect(f, r.x, r.y + r.h - t, r.w, t);
	rect(f, r.x, r.y, t, r.h);
	rect(f, r.x + r.w - t, r.y, t, r.h);
}

ls_fig_rect ls_fig_box(const ls_fig *f, ls_fig_rect r, const char *title)
{
	double u = f->u, pad = 8 * u;
	ls_fig_color(f, LS_ROLE_BORDER);
	frame(f, r, 1.2 * u);
	ls_fig_text(f, r.x + pad, r.y + pad + LS_FIG_FONT_TITLE * u, LS_FIG_FONT_TITLE,
		    LS_ROLE_TITLE, 0, title);
	double top = 2 * pad + 1.2 * LS_FIG_FONT_TITLE * u;
	return (ls_fig_rect){ r.x + pad, r.y + top, r.w - 2 * pad, r.h - top - pad };
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

ls_fig_rect ls_fig_axes(const ls_fig *f, ls_fig_rect r, ls_scale *ys, const ls_scale *xs,
			double x_offset, const char *xname)
{
	double u = f->u, fs = LS_FIG_FONT * u;
	double yt[16], xt[16];
	int ny = ls_axis_nice(ys, yt, clampi((int)(r.h / (3 * fs)), 3, 8));
	char lab[16][24];
	font(f, LS_FIG_FONT, false);
	double lw = 0;
	for (int i = 0; i < ny; i++) {
		ls_axis_format(yt[i], 7, lab[i], sizeof lab[i]);
		cairo_text_extents_t e;
		cairo_text_extents(f->cr, lab[i], &e);
		lw = e.x_advance > lw ? e.x_advance : lw;
	}
	double below = xs ? (xname ? 2.6 : 1.5) * fs : 0.5 * fs;
	ls_fig_rect c = { r.x + lw + 8 * u, r.y + 0.5 * fs, r.w - lw - 16 * u,
			  r.h - 0.5 * fs - below };
	if (c.w <= 0 || c.h <= 0)
		return c;
	for (int i = 0; i < ny; i++) {
		double y = c.y + c.h * (1 - ls_scale_frac(ys, yt[i]));
		cairo_set_source_rgba(f->cr, 0.5, 0.5, 0.5, 0.3);
		rect(f, c.x, y - 0.5 * u, c.w, u);
		ls_fig_text(f, c.x - 6 * u, y + 0.35 * fs, LS_FIG_FONT, LS_ROLE_LABEL, 1, lab[i]);
	}
	if (xs) {
		int nx = ls_axis_ticks(xs, xt, clampi((int)(c.w / (6 * fs)), 2, 8));
		for (int i = 0; i < nx; i++) {
			double x = c.x + c.w * ls_scale_frac(xs, xt[i]);
			char t[24];
			ls_axis_format(xt[i] - x_offset, 8, t, sizeof t);
			ls_fig_color(f, LS_ROLE_BORDER);
			rect(f, x - 0.5 * u, c.y + c.h, u, 5 * u);
			ls_fig_text(f, x, c.y + c.h + 1.3 * fs, LS_FIG_FONT, LS_ROLE_LABEL, 0.5, t);
		}
		if (xname)
			ls_fig_text(f, c.x + c.w / 2, c.y + c.h + 2.5 * fs, LS_FIG_FONT,
				    LS_ROLE_NORMAL, 0.5, xname);
	}
	ls_fig_color(f, LS_ROLE_BORDER);
	frame(f, c, u);
	return c;
}

static void line_style(const ls_fig *f, ls_curve id)
{
	double d[4];
	int n = dashes(curves[id].style, d);
	for (int i = 0; i < n; i++)
		d[i] *= f->u;
	cairo_set_dash(f->cr, d, n, 0);
	cairo_set_line_width(f->cr, LS_FIG_LINE * f->u);
	cairo_set_line_join(f->cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_cap(f->cr, n ? CAIRO_LINE_CAP_BUTT : CAIRO_LINE_CAP_ROUND);
	ls_fig_color(f, curves[id].role);
}

void ls_fig_series(const ls_fig *f, ls_fig_rect c, ls_curve id, const double *fx, const double *fy,
		   size_t n)
{
	cairo_t *cr = f->cr;
	cairo_save(cr);
	cairo_rectangle(cr, c.x, c.y, c.w, c.h);
	cairo_clip(cr);
	cairo_new_path(cr);
	bool pen = false, any = false;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(fx[i]) || !isfinite(fy[i])) {
			pen = false;
			continue;
		}
		double x = c.x + fx[i] * c.w, y = c.y + (1 - fy[i]) * c.h;
		if (pen)
			cairo_line_to(cr, x, y);
		else
			cairo_move_to(cr, x, y);
		pen = any = true;
	}
	if (any) {
		line_style(f, id);
		cairo_stroke(cr);
	}
	cairo_new_path(cr);
	cairo_restore(cr);
}

void ls_fig_hline(const ls_fig *f, ls_fig_rect c, ls_curve id, double fy)
{
	if (!(fy >= 0 && fy <= 1))
		return;
	double fx[2] = { 0, 1 }, y[2] = { fy, fy };
	ls_fig_series(f, c, id, fx, y, 2);
}

void ls_fig_legend(const ls_fig *f, ls_fig_rect c, const ls_curve *ids, const char *const *names,
		   int n)
{
	double u = f->u, fs = LS_FIG_FONT * u, sample = 30 * u, row = 1.35 * fs;
	font(f, LS_FIG_FONT, false);
	double tw = 0;
	for (int i = 0; i < n; i++) {
		cairo_text_extents_t e;
		cairo_text_extents(f->cr, names && names[i] ? names[i] : curves[ids[i]].legend, &e);
		tw = e.x_advance > tw ? e.x_advance : tw;
	}
	double w = sample + tw + 18 * u, h = n * row + 6 * u;
	double x = c.x + c.w - w - 6 * u, y = c.y + 6 * u;
	const rgb *bg = &palette[f->dark ? 1 : 0][LS_ROLE_COUNT];
	cairo_set_source_rgba(f->cr, bg->r, bg->g, bg->b, 0.85);
	rect(f, x, y, w, h);
	for (int i = 0; i < n; i++) {
		double yy = y + 3 * u + (i + 0.5) * row;
		/* The sample: the line's dashes as filled rectangles (no stroke). */
		double d[4];
		int nd = dashes(curves[ids[i]].style, d);
		ls_fig_color(f, curves[ids[i]].role);
		if (nd == 0) {
			rect(f, x + 6 * u, yy - LS_FIG_LINE * u / 2, sample, LS_FIG_LINE * u);
		} else {
			for (double s = 0; s < sample;) {
				for (int k = 0; k < nd && s < sample; k += 2) {
					double on = fmin(d[k] * u, sample - s);
					rect(f, x + 6 * u + s, yy - LS_FIG_LINE * u / 2, on,
					     LS_FIG_LINE * u);
					s += (d[k] + d[k + 1]) * u;
				}
			}
		}
		ls_fig_text(f, x + 12 * u + sample, yy + 0.35 * fs, LS_FIG_FONT, LS_ROLE_NORMAL, 0,
			    names && names[i] ? names[i] : curves[ids[i]].legend);
	}
}

double ls_fig_band(const ls_fig *f, ls_fig_rect r, double y, ls_role role, const char *text)
{
	double h = 2.2 * LS_FIG_FONT * f->u;
	ls_fig_color(f, role);
	rect(f, r.x, y, r.w, h);
	/* The text shrinks to fit the band. */
	double size = LS_FIG_FONT * 1.1;
	cairo_text_extents_t e;
	font(f, size, true);
	cairo_text_extents(f->cr, text, &e);
	if (e.x_advance > r.w - 8 * f->u && e.x_advance > 0)
		font(f, size * (r.w - 8 * f->u) / e.x_advance, true);
	ls_fig_color(f, LS_ROLE_COUNT);
	text_at(f, r.x + r.w / 2, y + 0.68 * h, 0.5, text);
	return h;
}
