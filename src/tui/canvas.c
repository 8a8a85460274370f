/* canvas.c — braille / block / ASCII rasteriser (pure; see canvas.h). */
#include "canvas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Braille dot bit of sub-pixel (x, y) in a 2×4 cell (Unicode order). */
static const unsigned char braille_bit[4][2] = {
	{ 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 }
};
/* Quadrant characters by mask: 1 upper-left, 2 upper-right, 4 lower-left, 8 lower-right. */
static const char *const quadrant[16] = { " ",      "\u2598", "\u259d", "\u2580",
					  "\u2596", "\u258c", "\u259e", "\u259b",
					  "\u2597", "\u259a", "\u2590", "\u259c",
					  "\u2584", "\u2599", "\u259f", "\u2588" };
/* ASCII glyph per ink, so series differ without colour. */
static const char ascii_ink[] = "*+o#x%@=";
static const char *const eighths[9] = { " ",      "\u2581", "\u2582", "\u2583", "\u2584",
					"\u2585", "\u2586", "\u2587", "\u2588" };

void ls_canvas_init(ls_canvas *c, ls_glyphs g)
{
	memset(c, 0, sizeof(*c));
	c->glyphs = g;
	c->sx = c->sy = 1;
}

ls_status ls_canvas_resize(ls_canvas *c, int cols, int rows, ls_glyphs g, ls_error *err)
{
	if (cols < 0 || rows < 0)
		return ls_error_set(err, LS_EINVAL, "canvas: negative size %dx%d", cols, rows);
	size_t need = (size_t)cols * (size_t)rows;
	if (need > c->cap) {
		unsigned char *b = realloc(c->bits, need);
		if (!b)
			return ls_error_set(err, LS_ENOMEM, "canvas: %zu cells", need);
		c->bits = b;
		unsigned char *k = realloc(c->ink, need);
		if (!k)
			return ls_error_set(err, LS_ENOMEM, "canvas: %zu cells", need);
		c->ink = k;
		c->cap = need;
	}
	c->cols = cols;
	c->rows = rows;
	c->glyphs = g;
	c->sx = g == LS_GLYPHS_ASCII ? 1 : 2;
	c->sy = g == LS_GLYPHS_BRAILLE ? 4 : g == LS_GLYPHS_BLOCK ? 2 : 1;
	ls_canvas_clear(c);
	return LS_OK;
}

void ls_canvas_free(ls_canvas *c)
{
	free(c->bits);
	free(c->ink);
	ls_canvas_init(c, c->glyphs);
}

void ls_canvas_clear(ls_canvas *c)
{
	size_t n = (size_t)c->cols * (size_t)c->rows;
	if (n) {
		memset(c->bits, 0, n);
		memset(c->ink, 0, n);
	}
}

int ls_canvas_px_w(const ls_canvas *c)
{
	return c->cols * c->sx;
}

int ls_canvas_px_h(const ls_canvas *c)
{
	return c->rows * c->sy;
}

void ls_canvas_dot(ls_canvas *c, int x, int y, int ink)
{
	if (x < 0 || y < 0 || x >= ls_canvas_px_w(c) || y >= ls_canvas_px_h(c))
		return;
	size_t cell = (size_t)(y / c->sy) * (size_t)c->cols + (size_t)(x / c->sx);
	int dx = x % c->sx, dy = y % c->sy;
	unsigned char bit;
	switch (c->glyphs) {
	case LS_GLYPHS_BRAILLE:
		bit = braille_bit[dy][dx];
		break;
	case LS_GLYPHS_BLOCK:
		bit = (unsigned char)(1u << (dy * 2 + dx));
		break;
	default:
		bit = 1;
		break;
	}
	c->bits[cell] |= bit;
	c->ink[cell] = (unsigned char)(ink < 1 ? 1 : ink > 255 ? 255 : ink);
}

void ls_canvas_line(ls_canvas *c, int x0, int y0, int x1, int y1, int ink)
{
	/* Bresenham; the endpoints are clamped to a margin around the canvas so a far
	 * off-screen point cannot make the loop long. */
	int W = ls_canvas_px_w(c), H = ls_canvas_px_h(c);
	long long far = 4LL * (W + H) + 16;
	if (llabs((long long)x1 - x0) > far || llabs((long long)y1 - y0) > far)
		return;
	int dx = abs(x1 - x0), dy = -abs(y1 - y0);
	int stx = x0 < x1 ? 1 : -1, sty = y0 < y1 ? 1 : -1;
	int e = dx + dy;
	unsigned pat = c->style[ink & 255] ? c->style[ink & 255] : LS_STYLE_SOLID;
	for (;;) {
		if ((pat >> (c->run++ & 7)) & 1)
			ls_canvas_dot(c, x0, y0, ink);
		if (x0 == x1 && y0 == y1)
			break;
		int e2 = 2 * e;
		if (e2 >= dy) {
			e += dy;
			x0 += stx;
		}
		if (e2 <= dx) {
			e += dx;
			y0 += sty;
		}
	}
}

/* Fraction → pixel, clamped to a band around the canvas; 0 when f is NaN. */
static int to_px(double f, int extent, int flip, int *ok)
{
	if (!isfinite(f)) {
		*ok = 0;
		return 0;
	}
	if (f < -1)
		f = -1;
	if (f > 2)
		f = 2;
	double p = f * (extent - 1);
	int v = (int)lround(p);
	return flip ? extent - 1 - v : v;
}

void ls_canvas_polyline(ls_canvas *c, const double *fx, const double *fy, size_t n, int ink)
{
	int W = ls_canvas_px_w(c), H = ls_canvas_px_h(c);
	if (W == 0 || H == 0)
		return;
	int have = 0, px = 0, py = 0;
	c->run = 0;
	for (size_t i = 0; i < n; i++) {
		int ok = 1;
		int x = to_px(fx[i], W, 0, &ok);
		int y = to_px(fy[i], H, 1, &ok);
		if (!ok) {
			have = 0;
			continue;
		}
		if (have)
			ls_canvas_line(c, px, py, x, y, ink);
		else
			ls_canvas_dot(c, x, y, ink);
		px = x;
		py = y;
		have = 1;
	}
}

void ls_canvas_series(ls_canvas *c, const double *fx, const double *fy, size_t n, int ink)
{
	int W = ls_canvas_px_w(c), H = ls_canvas_px_h(c);
	if (W == 0 || H == 0)
		return;
	/* Current column: x, first and last y, extent; prev: last point of the previous
	 * column (joined to this column's first point). */
	int have = 0, cx = 0, first = 0, last = 0, lo = 0, hi = 0;
	int have_prev = 0, px = 0, py = 0;
	c->run = 0;
	for (size_t i = 0; i <= n; i++) {
		int ok = 1, x = 0, y = 0;
		if (i < n) {
			x = to_px(fx[i], W, 0, &ok);
			y = to_px(fy[i], H, 1, &ok);
		}
		if (have && (i == n || !ok || x != cx)) {
			if (have_prev)
				ls_canvas_line(c, px, py, cx, first, ink);
			ls_canvas_line(c, cx, lo, cx, hi, ink);
			have_prev = 1;
			px = cx;
			py = last;
			have = 0;
		}
		if (i == n)
			break;
		if (!ok) {
			have_prev = 0;
			continue;
		}
		if (!have) {
			have = 1;
			cx = x;
			first = last = lo = hi = y;
		} else {
			last = y;
			lo = y < lo ? y : lo;
			hi = y > hi ? y : hi;
		}
	}
}

void ls_canvas_hline(ls_canvas *c, double fy, int ink)
{
	int W = ls_canvas_px_w(c), H = ls_canvas_px_h(c);
	int ok = 1;
	int y = to_px(fy, H, 1, &ok);
	if (!ok || y < 0 || y >= H)
		return;
	c->run = 0;
	ls_canvas_line(c, 0, y, W - 1, y, ink);
}

void ls_canvas_set_style(ls_canvas *c, int ink, unsigned pattern)
{
	c->style[ink & 255] = (unsigned char)pattern;
}

void ls_canvas_sample(ls_glyphs g, int ink, unsigned pattern, int cells, char *buf, size_t len)
{
	ls_canvas c;
	ls_canvas_init(&c, g);
	buf[0] = '\0';
	if (ls_canvas_resize(&c, cells, 1, g, NULL) != LS_OK)
		return;
	ls_canvas_set_style(&c, ink, pattern);
	ls_canvas_hline(&c, 0.5, ink);
	size_t used = 0;
	for (int i = 0; i < cells; i++) {
		char cell[8];
		ls_canvas_cell(&c, i, 0, cell);
		size_t l = strlen(cell);
		if (used + l + 1 > len)
			break;
		memcpy(buf + used, cell, l + 1);
		used += l;
	}
	ls_canvas_free(&c);
}

int ls_canvas_cell(const ls_canvas *c, int col, int row, char *buf)
{
	if (col < 0 || row < 0 || col >= c->cols || row >= c->rows) {
		strcpy(buf, " ");
		return 0;
	}
	size_t cell = (size_t)row * (size_t)c->cols + (size_t)col;
	unsigned m = c->bits[cell];
	if (!m) {
		strcpy(buf, " ");
		return 0;
	}
	switch (c->glyphs) {
	case LS_GLYPHS_BRAILLE:
		/* U+2800 + m in UTF-8: E2, A0 | m >> 6, 80 | m & 3F. */
		buf[0] = (char)0xE2;
		buf[1] = (char)(0xA0 | (m >> 6));
		buf[2] = (char)(0x80 | (m & 0x3F));
		buf[3] = '\0';
		break;
	case LS_GLYPHS_BLOCK:
		strcpy(buf, quadrant[m & 15]);
		break;
	default:
		buf[0] = ascii_ink[(c->ink[cell] - 1) % (sizeof ascii_ink - 1)];
		buf[1] = '\0';
		break;
	}
	return c->ink[cell];
}

const char *ls_bar_glyph(double fill, ls_glyphs g)
{
	if (!(fill > 0))
		return " ";
	if (fill > 1)
		fill = 1;
	if (g == LS_GLYPHS_ASCII)
		return fill >= 0.5 ? "#" : " ";
	return eighths[(int)lround(fill * 8)];
}
