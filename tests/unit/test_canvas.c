/* test_canvas.c — the braille, block and ASCII rasterisers: exact code points of
 * single dots, lines that stay connected, clipping, NaN breaks, bar glyphs. */
#include "testutil.h"

#include "../../src/tui/canvas.h"
#include "../../src/tui/theme.h"

static ls_canvas make(int cols, int rows, ls_glyphs g)
{
	ls_canvas c;
	ls_canvas_init(&c, g);
	assert_ok(ls_canvas_resize(&c, cols, rows, g, NULL));
	return c;
}

/* Decode one UTF-8 code point. */
static unsigned cp(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] < 0x80)
		return u[0];
	if ((u[0] & 0xE0) == 0xC0)
		return (u[0] & 0x1Fu) << 6 | (u[1] & 0x3Fu);
	return (u[0] & 0x0Fu) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu);
}

static void test_braille_dots(void **state)
{
	(void)state;
	ls_canvas c = make(3, 2, LS_GLYPHS_BRAILLE);
	assert_int_equal(ls_canvas_px_w(&c), 6);
	assert_int_equal(ls_canvas_px_h(&c), 8);
	/* Unicode braille numbering: dots 1-3 and 7 in the left column, 4-6 and 8 right. */
	const unsigned want[4][2] = {
		{ 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 }
	};
	char buf[8];
	for (int y = 0; y < 4; y++)
		for (int x = 0; x < 2; x++) {
			ls_canvas_clear(&c);
			ls_canvas_dot(&c, 2 + x, 4 + y, 3);
			assert_int_equal(ls_canvas_cell(&c, 1, 1, buf), 3);
			assert_int_equal(cp(buf), 0x2800 + want[y][x]);
			assert_int_equal(ls_canvas_cell(&c, 0, 0, buf), 0);
			assert_string_equal(buf, " ");
		}
	/* All eight dots: U+28FF. */
	ls_canvas_clear(&c);
	for (int y = 0; y < 4; y++)
		for (int x = 0; x < 2; x++)
			ls_canvas_dot(&c, x, y, 1);
	ls_canvas_cell(&c, 0, 0, buf);
	assert_int_equal(cp(buf), 0x28FF);
	ls_canvas_free(&c);
}

static void test_block_quadrants(void **state)
{
	(void)state;
	ls_canvas c = make(2, 2, LS_GLYPHS_BLOCK);
	char buf[8];
	ls_canvas_dot(&c, 0, 0, 1); /* upper left */
	ls_canvas_cell(&c, 0, 0, buf);
	assert_int_equal(cp(buf), 0x2598);
	ls_canvas_dot(&c, 1, 0, 1);
	ls_canvas_cell(&c, 0, 0, buf);
	assert_int_equal(cp(buf), 0x2580); /* upper half */
	ls_canvas_dot(&c, 0, 1, 1);
	ls_canvas_dot(&c, 1, 1, 1);
	ls_canvas_cell(&c, 0, 0, buf);
	assert_int_equal(cp(buf), 0x2588); /* full block */
	ls_canvas_dot(&c, 3, 3, 1);        /* lower right of cell (1, 1) */
	ls_canvas_cell(&c, 1, 1, buf);
	assert_int_equal(cp(buf), 0x2597);
	ls_canvas_free(&c);
}

static void test_ascii_inks_and_clipping(void **state)
{
	(void)state;
	ls_canvas c = make(4, 3, LS_GLYPHS_ASCII);
	char buf[8];
	ls_canvas_dot(&c, 0, 0, 1);
	ls_canvas_dot(&c, 1, 0, 2);
	ls_canvas_dot(&c, -1, 0, 1);
	ls_canvas_dot(&c, 4, 0, 1);
	ls_canvas_dot(&c, 0, 3, 1);
	ls_canvas_cell(&c, 0, 0, buf);
	assert_string_equal(buf, "*");
	ls_canvas_cell(&c, 1, 0, buf);
	assert_string_equal(buf, "+");
	int set = 0;
	for (int r = 0; r < 3; r++)
		for (int q = 0; q < 4; q++)
			set += ls_canvas_cell(&c, q, r, buf) != 0;
	assert_int_equal(set, 2);
	/* Out-of-range cell queries are empty. */
	assert_int_equal(ls_canvas_cell(&c, 9, 9, buf), 0);
	ls_canvas_free(&c);
}

static void test_line_connected(void **state)
{
	(void)state;
	ls_canvas c = make(10, 5, LS_GLYPHS_ASCII);
	/* A diagonal across the whole canvas sets one pixel per column. */
	ls_canvas_line(&c, 0, 0, 9, 4, 1);
	char buf[8];
	for (int q = 0; q < 10; q++) {
		int n = 0;
		for (int r = 0; r < 5; r++)
			n += ls_canvas_cell(&c, q, r, buf) != 0;
		assert_int_equal(n, 1);
	}
	assert_int_not_equal(ls_canvas_cell(&c, 0, 0, buf), 0);
	assert_int_not_equal(ls_canvas_cell(&c, 9, 4, buf), 0);
	/* A line far outside draws nothing and returns quickly. */
	ls_canvas_clear(&c);
	ls_canvas_line(&c, -2000000000, 0, 2000000000, 0, 1);
	ls_canvas_line(&c, 20, 20, 30, 30, 1);
	for (int r = 0; r < 5; r++)
		for (int q = 0; q < 10; q++)
			assert_int_equal(ls_canvas_cell(&c, q, r, buf), 0);
	ls_canvas_free(&c);
}

static void test_polyline_fractions(void **state)
{
	(void)state;
	ls_canvas c = make(5, 5, LS_GLYPHS_ASCII);
	char buf[8];
	/* fy = 0 is the bottom row, 1 the top; NaN breaks the line. */
	double fx[] = { 0, 1, NAN, 0.5 };
	double fy[] = { 0, 0, 0.5, 1 };
	ls_canvas_polyline(&c, fx, fy, 4, 2);
	for (int q = 0; q < 5; q++)
		assert_int_equal(ls_canvas_cell(&c, q, 4, buf), 2);
	assert_int_equal(ls_canvas_cell(&c, 2, 0, buf), 2);
	/* Nothing joins the bottom line to the lone top point. */
	for (int r = 1; r < 4; r++)
		for (int q = 0; q < 5; q++)
			assert_int_equal(ls_canvas_cell(&c, q, r, buf), 0);
	/* Out-of-range fractions are clipped, not wrapped. */
	ls_canvas_clear(&c);
	double gx[] = { 0.5, 0.5 };
	double gy[] = { 5.0, 1e300 };
	ls_canvas_polyline(&c, gx, gy, 2, 1);
	for (int r = 0; r < 5; r++)
		for (int q = 0; q < 5; q++)
			assert_int_equal(ls_canvas_cell(&c, q, r, buf), 0);
	ls_canvas_hline(&c, 0.5, 3);
	for (int q = 0; q < 5; q++)
		assert_int_equal(ls_canvas_cell(&c, q, 2, buf), 3);
	ls_canvas_free(&c);
}

/* The binned series draws exactly the pixels the polyline draws for a monotone series
 * with at most one point per column, and covers the same column extents for dense data. */
static void test_series_matches_polyline(void **state)
{
	(void)state;
	ls_canvas a = make(20, 6, LS_GLYPHS_BRAILLE), b = make(20, 6, LS_GLYPHS_BRAILLE);
	double fx[40], fy[40];
	for (int i = 0; i < 40; i++) {
		fx[i] = i / 39.0;
		fy[i] = 0.5 + 0.45 * sin(i * 0.7);
	}
	fy[17] = NAN;
	ls_canvas_polyline(&a, fx, fy, 40, 1);
	ls_canvas_series(&b, fx, fy, 40, 1);
	char ca[8], cb[8];
	for (int r = 0; r < 6; r++)
		for (int q = 0; q < 20; q++) {
			ls_canvas_cell(&a, q, r, ca);
			ls_canvas_cell(&b, q, r, cb);
			assert_string_equal(ca, cb);
		}
	/* 5000 points on a 10-pixel-wide canvas: every column from the lowest to the
	 * highest value that falls in it, nothing else. */
	ls_canvas c = make(10, 4, LS_GLYPHS_ASCII);
	static double gx[5000], gy[5000];
	for (int i = 0; i < 5000; i++) {
		gx[i] = i / 4999.0;
		gy[i] = (i % 2) ? 1.0 : 0.0;
	}
	ls_canvas_series(&c, gx, gy, 5000, 1);
	for (int r = 0; r < 4; r++)
		for (int q = 0; q < 10; q++)
			assert_int_equal(ls_canvas_cell(&c, q, r, ca), 1);
	ls_canvas_free(&a);
	ls_canvas_free(&b);
	ls_canvas_free(&c);
}

static void test_resize_reuses_and_clears(void **state)
{
	(void)state;
	ls_canvas c = make(8, 8, LS_GLYPHS_BRAILLE);
	ls_canvas_dot(&c, 3, 3, 1);
	unsigned char *bits = c.bits;
	assert_ok(ls_canvas_resize(&c, 4, 4, LS_GLYPHS_BLOCK, NULL));
	assert_ptr_equal(c.bits, bits);
	char buf[8];
	for (int r = 0; r < 4; r++)
		for (int q = 0; q < 4; q++)
			assert_int_equal(ls_canvas_cell(&c, q, r, buf), 0);
	assert_int_equal(ls_canvas_px_w(&c), 8);
	assert_int_equal(ls_canvas_px_h(&c), 8);
	assert_int_equal(ls_canvas_resize(&c, -1, 2, LS_GLYPHS_BLOCK, NULL), LS_EINVAL);
	ls_canvas_free(&c);
}

static void test_bar_glyphs(void **state)
{
	(void)state;
	assert_string_equal(ls_bar_glyph(0, LS_GLYPHS_BRAILLE), " ");
	assert_string_equal(ls_bar_glyph(NAN, LS_GLYPHS_BLOCK), " ");
	assert_int_equal(cp(ls_bar_glyph(1, LS_GLYPHS_BRAILLE)), 0x2588);
	assert_int_equal(cp(ls_bar_glyph(7.0, LS_GLYPHS_BLOCK)), 0x2588);
	assert_int_equal(cp(ls_bar_glyph(0.5, LS_GLYPHS_BLOCK)), 0x2584);
	assert_int_equal(cp(ls_bar_glyph(0.125, LS_GLYPHS_BLOCK)), 0x2581);
	assert_string_equal(ls_bar_glyph(0.6, LS_GLYPHS_ASCII), "#");
	assert_string_equal(ls_bar_glyph(0.3, LS_GLYPHS_ASCII), " ");
}

/* Issue 12: without colour every curve of a panel is told apart by its line alone — no two
 * curves of a panel (theme.h's table) draw the same cells, in braille, blocks or ASCII; and
 * a style's sample is what a line of it draws. */
static void test_curve_styles_distinct(void **state)
{
	(void)state;
	static const struct {
		const char *panel;
		int ink;
		unsigned mono;
	} curves[] = {
#define ROW(id, panel, ink, role, mono, colour, u, a) { panel, ink, mono },
		LS_CURVE_LIST(ROW)
#undef ROW
	};
	size_t n = sizeof curves / sizeof curves[0];
	ls_glyphs modes[] = { LS_GLYPHS_BRAILLE, LS_GLYPHS_BLOCK, LS_GLYPHS_ASCII };
	for (int g = 0; g < 3; g++)
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < i; j++) {
				if (strcmp(curves[i].panel, curves[j].panel) != 0)
					continue;
				char a[64], b[64];
				ls_canvas_sample(modes[g], curves[i].ink, curves[i].mono, 4, a,
						 sizeof a);
				ls_canvas_sample(modes[g], curves[j].ink, curves[j].mono, 4, b,
						 sizeof b);
				if (strcmp(a, b) == 0)
					fail_msg("mode %d, panel %s: curves %zu and %zu both '%s'",
						 g, curves[i].panel, i, j, a);
			}
	/* A sample is the line as drawn: a dashed line in braille, three cells on, one off. */
	char buf[64];
	ls_canvas_sample(LS_GLYPHS_BRAILLE, 1, LS_STYLE_DASHED, 8, buf, sizeof buf);
	assert_string_equal(buf, "\u2812\u2812\u2812 \u2812\u2812\u2812 ");
	ls_canvas c = make(8, 1, LS_GLYPHS_BRAILLE);
	ls_canvas_set_style(&c, 1, LS_STYLE_DASHED);
	ls_canvas_hline(&c, 0.5, 1);
	for (int col = 0; col < 8; col++) {
		char cell[8];
		ls_canvas_cell(&c, col, 0, cell);
		assert_int_equal(cell[0] == ' ', col % 4 == 3);
	}
	ls_canvas_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_braille_dots),
		cmocka_unit_test(test_block_quadrants),
		cmocka_unit_test(test_ascii_inks_and_clipping),
		cmocka_unit_test(test_line_connected),
		cmocka_unit_test(test_polyline_fractions),
		cmocka_unit_test(test_series_matches_polyline),
		cmocka_unit_test(test_resize_reuses_and_clears),
		cmocka_unit_test(test_bar_glyphs),
		cmocka_unit_test(test_curve_styles_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
