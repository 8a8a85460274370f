/* figure.c — a figure file from a view: the format from the file name, where the panels
 * go, the cairo surface of the format written through the atomic writer (fileio.h). */
#include "figure.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fig_priv.h"
#include "lorascope/fileio.h"

const char *const ls_fig_panel_names[LS_FIG_NPANELS + 1] = { "all",   "loss",    "spectrum",
							     "ratio", "verdict", NULL };
const char *const ls_fig_theme_names[3] = { "light", "dark", NULL };

bool ls_fig_format_of_path(const char *path, ls_fig_format *fmt)
{
	static const struct {
		const char *ext;
		ls_fig_format fmt;
	} exts[] = { { ".svg", LS_FIG_SVG }, { ".png", LS_FIG_PNG }, { ".pdf", LS_FIG_PDF } };
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
		if (n > 4 && strcasecmp(path + n - 4, exts[i].ext) == 0) {
			*fmt = exts[i].fmt;
			return true;
		}
	return false;
}

/* The margin around the panels and the gap between them, as fractions of the smaller side. */
#define MARGIN 0.02

ls_fig_rect ls_fig_layout(int which, ls_fig_panel p, double width, double height)
{
	ls_fig_rect none = { 0, 0, 0, 0 };
	double m = MARGIN * (width < height ? width : height);
	if (p == LS_FIG_ALL || (which != LS_FIG_ALL && which != (int)p))
		return none;
	if (which != LS_FIG_ALL)
		return (ls_fig_rect){ m, m, width - 2 * m, height - 2 * m };
	/* Loss (wide) beside the spectrum above; the ratio beside the verdict band below. */
	double left = (width - 3 * m) * 0.6, right = width - 3 * m - left;
	double top = (height - 3 * m) * 0.55, bottom = height - 3 * m - top;
	switch (p) {
	case LS_FIG_LOSS:
		return (ls_fig_rect){ m, m, left, top };
	case LS_FIG_SPECTRUM:
		return (ls_fig_rect){ 2 * m + left, m, right, top };
	case LS_FIG_RATIO:
		return (ls_fig_rect){ m, 2 * m + top, left, bottom };
	case LS_FIG_VERDICT:
		return (ls_fig_rect){ 2 * m + left, 2 * m + top, right, bottom };
	default:
		return none;
	}
}

static cairo_status_t to_file(void *closure, const unsigned char *data, unsigned int len)
{
	return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS
						    : CAIRO_STATUS_WRITE_ERROR;
}

typedef struct {
	ls_fig_format fmt;
	ls_fig_draw_fn draw;
	const void *ctx;
	const ls_fig_opts *o;
} fig_job;

/* Draw every panel of the view shown. */
static void draw_view(const ls_fig *f, const void *ctx, const ls_fig_opts *o)
{
	const ls_view *v = ctx;
	static void (*const panels[LS_FIG_NPANELS])(const ls_fig *, ls_fig_rect,
						    const ls_view *) = {
		[LS_FIG_LOSS] = ls_fig_loss,
		[LS_FIG_SPECTRUM] = ls_fig_spectrum,
		[LS_FIG_RATIO] = ls_fig_ratio,
		[LS_FIG_VERDICT] = ls_fig_verdict,
	};
	for (int p = LS_FIG_LOSS; p < LS_FIG_NPANELS; p++) {
		ls_fig_rect r = ls_fig_layout(o->panel, (ls_fig_panel)p, o->width, o->height);
		if (r.w > 0)
			panels[p](f, r, v);
	}
}

/* The background, then the panels by j's drawing function. */
static void draw(cairo_surface_t *s, const fig_job *j)
{
	const ls_fig_opts *o = j->o;
	cairo_t *cr = cairo_create(s);
	double u = fmin(o->width / LS_FIG_WIDTH, o->height / LS_FIG_HEIGHT);
	if (o->panel != LS_FIG_ALL)
		u *= 1.25;
	ls_fig f = { .cr = cr, .u = u, .dark = o->dark };
	ls_fig_color(&f, LS_ROLE_COUNT); /* the background */
	cairo_paint(cr);
	j->draw(&f, j->ctx, o);
	cairo_destroy(cr);
}

static ls_status write_fig(FILE *out, const void *ctx, ls_error *err)
{
	const fig_job *j = ctx;
	cairo_surface_t *s;
	if (j->fmt == LS_FIG_PNG) {
		s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)j->o->width,
					       (int)j->o->height);
	} else if (j->fmt == LS_FIG_SVG) {
		s = cairo_svg_surface_create_for_stream(to_file, out, j->o->width, j->o->height);
		cairo_svg_surface_restrict_to_version(s, CAIRO_SVG_VERSION_1_1);
	} else {
		s = cairo_pdf_surface_create_for_stream(to_file, out, j->o->width, j->o->height);
		/* A fixed creation date (cairo's default is the time of writing): the same
		 * figure gives the same bytes. */
		cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE,
					       "2000-01-01T00:00:00Z");
		cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "lorascope");
	}
	draw(s, j);
	cairo_status_t st = cairo_surface_status(s);
	if (st == CAIRO_STATUS_SUCCESS && j->fmt == LS_FIG_PNG)
		st = cairo_surface_write_to_png_stream(s, to_file, out);
	cairo_surface_finish(s);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS)
		return ls_error_set(err, LS_EIO, "cannot draw the figure: %s",
				    cairo_status_to_string(st));
	return LS_OK;
}

ls_status ls_fig_write_with(const char *path, ls_fig_draw_fn fn, const void *ctx,
			    const ls_fig_opts *o, ls_error *err)
{
	fig_job j = { .draw = fn, .ctx = ctx, .o = o };
	if (!ls_fig_format_of_path(path, &j.fmt))
		return ls_error_set(err, LS_EINVAL,
				    "%s: unknown figure format (the name must end in .svg, "
				    ".png or .pdf)",
				    path);
	return ls_file_write_atomic(path, write_fig, &j, err);
}

ls_status ls_fig_write(const char *path, const ls_view *v, const ls_fig_opts *o, ls_error *err)
{
	return ls_fig_write_with(path, draw_view, v, o, err);
}
