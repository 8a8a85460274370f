/* canvas.h — a pure rasteriser of points and lines into a grid of terminal cells.
 *
 * No curses here. A canvas of cols×rows cells has sub-cell "pixels": 2×4 per cell
 * with braille dots, 2×2 with block-element quadrants, 1×1 with plain ASCII (one
 * glyph per ink so series stay apart without colour). Each cell remembers the ink
 * (series colour) drawn last into it. ls_canvas_cell gives a cell's UTF-8 text;
 * putting cells on the screen is the caller's (thin, curses) job. */
#ifndef LORASCOPE_TUI_CANVAS_H
#define LORASCOPE_TUI_CANVAS_H

#include <stddef.h>

#include "lorascope/status.h"

typedef enum { LS_GLYPHS_BRAILLE, LS_GLYPHS_BLOCK, LS_GLYPHS_ASCII } ls_glyphs;

typedef struct {
	int cols, rows; /* cells */
	int sx, sy;     /* pixels per cell across and down */
	ls_glyphs glyphs;
	unsigned char *bits; /* per cell: which sub-pixels are set */
	unsigned char *ink;  /* per cell: ink of the last pixel drawn (0: none) */
	size_t cap;          /* cells allocated */
	/* Line style by ink: a pattern of 8 pixels repeated along lines (bit i set: pixel i
	 * drawn); 0 is solid. run counts the pixels of the line being drawn. */
	unsigned char style[256];
	unsigned run;
} ls_canvas;

/* Line styles (patterns of 8 pixels, two pixels a cell across in braille and blocks). */
#define LS_STYLE_SOLID 0xFF   /* every pixel */
#define LS_STYLE_DASHED 0x3F  /* three cells on, one off */
#define LS_STYLE_DOTTED 0x33  /* one cell on, one off */
#define LS_STYLE_SPARSE 0x11  /* one pixel every second cell */
#define LS_STYLE_DASHDOT 0x37 /* a cell, half a cell, a cell, a gap */

/* An empty canvas (no memory); ls_canvas_resize gives it a size. */
void ls_canvas_init(ls_canvas *c, ls_glyphs g);
/* Set size and glyphs and clear; reallocates only when the canvas grows. */
ls_status ls_canvas_resize(ls_canvas *c, int cols, int rows, ls_glyphs g, ls_error *err);
void ls_canvas_free(ls_canvas *c);
void ls_canvas_clear(ls_canvas *c);

/* Pixel extent: cols·sx across, rows·sy down; pixel (0, 0) is the top-left. */
int ls_canvas_px_w(const ls_canvas *c);
int ls_canvas_px_h(const ls_canvas *c);

/* The style lines of ink are drawn with (LS_STYLE_*; until set: solid). */
void ls_canvas_set_style(ls_canvas *c, int ink, unsigned pattern);
/* The text of a short horizontal line of ink in a style, cells wide, as it is drawn on a
 * canvas of glyphs g (a legend's sample) into buf. */
void ls_canvas_sample(ls_glyphs g, int ink, unsigned pattern, int cells, char *buf, size_t len);

/* Set pixel (x, y) with ink (1..255); pixels outside the canvas are ignored. */
void ls_canvas_dot(ls_canvas *c, int x, int y, int ink);
/* A straight line of pixels from (x0, y0) to (x1, y1), clipped to the canvas, in ink's
 * style (the pattern goes on along the polyline or series being drawn). */
void ls_canvas_line(ls_canvas *c, int x0, int y0, int x1, int y1, int ink);
/* A polyline through points given as fractions of the extent (fx 0 left → 1 right,
 * fy 0 bottom → 1 top); a NaN coordinate breaks the line; points out of [0, 1]
 * are clipped. */
void ls_canvas_polyline(ls_canvas *c, const double *fx, const double *fy, size_t n, int ink);
/* The same picture as ls_canvas_polyline for a series whose fx never decreases, in time
 * linear in n however many points share a pixel column: each column gets one vertical
 * stroke from its lowest to its highest point, joined to the neighbouring columns. */
void ls_canvas_series(ls_canvas *c, const double *fx, const double *fy, size_t n, int ink);
/* A horizontal line at fraction fy (0 bottom, 1 top) in ink's style. */
void ls_canvas_hline(ls_canvas *c, double fy, int ink);

/* The text of cell (col, row) as UTF-8 into buf (≥ 5 bytes); returns its ink,
 * 0 (and a space) when the cell is empty. */
int ls_canvas_cell(const ls_canvas *c, int col, int row, char *buf);

/* The glyph of one cell of a vertical bar, filled from the bottom by fill ∈ [0, 1]
 * of the cell: eighth blocks (▁…█) for braille/block, '#' (≥ half) for ASCII. */
const char *ls_bar_glyph(double fill, ls_glyphs g);

#endif
