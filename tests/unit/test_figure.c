/* test_figure.c — the pure parts of src/plot: the format from a file name and where the
 * panels go (inside the figure, apart, one panel alone on the whole figure), and the step
 * axis the figure shares with the TUI (linear, log10 of step + 1 past two decades). */
#include "testutil.h"

#include "../../src/plot/figure.h"
#include "../../src/tui/axis.h"

static void test_format_of_path(void **state)
{
	(void)state;
	ls_fig_format f = LS_FIG_PDF;
	assert_true(ls_fig_format_of_path("a.svg", &f) && f == LS_FIG_SVG);
	assert_true(ls_fig_format_of_path("dir.pdf/b.PNG", &f) && f == LS_FIG_PNG);
	assert_true(ls_fig_format_of_path("x.y.pdf", &f) && f == LS_FIG_PDF);
	assert_false(ls_fig_format_of_path("a.gif", &f));
	assert_false(ls_fig_format_of_path(".svg", &f));
	assert_false(ls_fig_format_of_path("svg", &f));
	assert_false(ls_fig_format_of_path("a.svgz", &f));
	assert_false(ls_fig_format_of_path("", &f));
}

static bool overlap(ls_fig_rect a, ls_fig_rect b)
{
	return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static void test_layout_all(void **state)
{
	(void)state;
	double W = 960, H = 600;
	ls_fig_rect r[LS_FIG_NPANELS];
	for (int p = LS_FIG_LOSS; p < LS_FIG_NPANELS; p++) {
		r[p] = ls_fig_layout(LS_FIG_ALL, (ls_fig_panel)p, W, H);
		assert_true(r[p].w > 100 && r[p].h > 100);
		assert_true(r[p].x > 0 && r[p].y > 0);
		assert_true(r[p].x + r[p].w < W && r[p].y + r[p].h < H);
		for (int q = LS_FIG_LOSS; q < p; q++)
			assert_false(overlap(r[p], r[q]));
	}
	/* The TUI's places: loss left of the spectrum, above the ratio. */
	assert_true(r[LS_FIG_LOSS].x < r[LS_FIG_SPECTRUM].x);
	assert_true(r[LS_FIG_LOSS].y < r[LS_FIG_RATIO].y);
	assert_true(r[LS_FIG_RATIO].x < r[LS_FIG_VERDICT].x);
	assert_true(ls_fig_layout(LS_FIG_ALL, LS_FIG_ALL, W, H).w == 0);
}

static void test_layout_one(void **state)
{
	(void)state;
	for (int p = LS_FIG_LOSS; p < LS_FIG_NPANELS; p++)
		for (int q = LS_FIG_LOSS; q < LS_FIG_NPANELS; q++) {
			ls_fig_rect r = ls_fig_layout(p, (ls_fig_panel)q, 800, 500);
			if (p != q) {
				assert_true(r.w == 0);
				continue;
			}
			assert_true(r.x > 0 && r.x < 20 && r.y > 0 && r.y < 20);
			assert_close(r.x + r.w + r.x, 800, 0, 1e-12);
			assert_close(r.y + r.h + r.y, 500, 0, 1e-12);
		}
}

static void test_steps_scale(void **state)
{
	(void)state;
	long lin[] = { 0, 49, 98 };
	ls_scale s = ls_steps_scale(lin, 3);
	assert_false(s.log);
	assert_close(ls_steps_frac(&s, 49), 0.5, 0, 1e-15);
	long lg[] = { 0, 10, 100, 1000 };
	s = ls_steps_scale(lg, 4);
	assert_true(s.log);
	/* Past two decades (99 + 1 > 100 · (0 + 1)): log10(step + 1) from 0 to log10(1001). */
	assert_close(ls_steps_frac(&s, 0), 0, 0, 1e-15);
	assert_close(ls_steps_frac(&s, 1000), 1, 0, 1e-15);
	assert_close(ls_steps_frac(&s, 30), log10(31) / log10(1001), 1e-12, 0);
	s = ls_steps_scale(NULL, 0);
	assert_false(s.log);
	assert_true(s.hi > s.lo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_of_path),
		cmocka_unit_test(test_layout_all),
		cmocka_unit_test(test_layout_one),
		cmocka_unit_test(test_steps_scale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
