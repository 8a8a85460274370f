/* test_watch_view.c — the watch screen's pure parts: the layout across terminal sizes (every
 * panel inside, none overlapping, the screen tiled, plots at their minimum), the module
 * table's columns and rows (a drift that is not defined shows its reason, never blank or
 * nan), the flags' rule from adapter.h's constants, the selection kept across refreshes
 * (follow, a deleted checkpoint), and the rows the curves go through (NaN gaps). */
#include "testutil.h"

#include <stdbool.h>

#include "../../src/tui/watch_view.h"
#include "lorascope/adapter.h"

static int overlap(ls_rect a, ls_rect b)
{
	return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static const char *const panel_names[] = {
#define NAME(id, name) name,
	LS_WATCH_PANEL_LIST(NAME)
#undef NAME
};

static void check_size(int w, int h)
{
	ls_watch_layout L;
	ls_watch_layout_compute(w, h, &L);
	assert_int_equal(L.too_small, 0);
	long area = 0;
	for (int i = 0; i < LS_WP_COUNT; i++) {
		ls_rect r = L.r[i];
		if (r.w == 0 && r.h == 0 && (i == LS_WP_GRAD || i == LS_WP_LR))
			continue; /* a curve plot left out */
		if (r.x < 0 || r.y < 0 || r.w <= 0 || r.h <= 0 || r.x + r.w > w || r.y + r.h > h)
			fail_msg("%dx%d: %s at %d,%d size %dx%d leaves the screen", w, h,
				 panel_names[i], r.x, r.y, r.w, r.h);
		area += (long)r.w * r.h;
		for (int j = 0; j < i; j++)
			if (overlap(r, L.r[j]))
				fail_msg("%dx%d: %s overlaps %s", w, h, panel_names[i],
					 panel_names[j]);
	}
	assert_int_equal(area, (long)w * h);
	int plots[] = { LS_WP_LOSS, LS_WP_GRAD, LS_WP_LR, LS_WP_BARS, LS_WP_PATHS };
	for (int k = 0; k < 5; k++) {
		ls_rect r = L.r[plots[k]];
		if (plots[k] - LS_WP_LOSS >= L.ncurves && plots[k] <= LS_WP_LR)
			continue;
		if (r.w < LS_PLOT_MIN_W || r.h < LS_PLOT_MIN_H)
			fail_msg("%dx%d: plot %s is only %dx%d", w, h, panel_names[plots[k]], r.w,
				 r.h);
	}
	/* Three curve plots when each gets its width, fewer otherwise, loss always. */
	int want = w >= 3 * LS_WATCH_CURVE_MIN_W ? 3 : w >= 2 * LS_WATCH_CURVE_MIN_W ? 2 : 1;
	assert_int_equal(L.ncurves, want);
	assert_true(L.r[LS_WP_LOSS].w >= LS_WATCH_CURVE_MIN_W);
	/* The table shows at least a few modules and its columns fit the name and flags. */
	assert_true(ls_watch_table_rows(&L) >= 3);
	assert_int_equal(L.r[LS_WP_STATUS].y, h - 1);
	assert_int_equal(L.r[LS_WP_HEADER].y, 0);
	assert_true(L.r[LS_WP_RULE].h >= 1 && L.r[LS_WP_RULE].h <= LS_WATCH_RULE_MAX_H);
}

static void test_layout_sizes(void **state)
{
	(void)state;
	for (int w = LS_WATCH_MIN_W; w <= 260; w++)
		for (int h = LS_WATCH_MIN_H; h <= 80; h += 3)
			check_size(w, h);
	ls_watch_layout L;
	ls_watch_layout_compute(LS_WATCH_MIN_W - 1, 40, &L);
	assert_int_equal(L.too_small, 1);
	assert_int_equal(L.r[LS_WP_TABLE].w, 0);
	ls_watch_layout_compute(120, LS_WATCH_MIN_H - 1, &L);
	assert_int_equal(L.too_small, 1);
}

/* The rule fits its rows at every width: none of it is cut. */
static void test_rule_fits_and_comes_from_the_constants(void **state)
{
	(void)state;
	char rule[600], want[64];
	ls_watch_rule_text(false, rule, sizeof rule);
	for (int w = LS_WATCH_MIN_W; w <= 260; w++) {
		ls_watch_layout L;
		ls_watch_layout_compute(w, 30, &L);
		assert_true(ls_text_lines(rule, w - 1) <= L.r[LS_WP_RULE].h);
	}
	assert_non_null(strstr(rule, "heuristic"));
	snprintf(want, sizeof want, "max(median + %g*1.4826*MAD, %g*median)", LS_ADAPTER_FAR_K,
		 LS_ADAPTER_FAR_RATIO);
	assert_non_null(strstr(rule, want));
	snprintf(want, sizeof want, "(at least %d)", LS_ADAPTER_FAR_MIN);
	assert_non_null(strstr(rule, want));
	assert_non_null(strstr(rule, ls_adapter_flag_legend[LS_AF_B_ZERO_BIT]));
	char u[600];
	ls_watch_rule_text(true, u, sizeof u);
	assert_int_equal(ls_text_cols(u), ls_text_cols(rule));
	assert_non_null(strstr(u, "‖ΔW‖F"));
}

static void test_table_columns(void **state)
{
	(void)state;
	int prev_total = 0;
	for (int width = 12; width <= 200; width++) {
		int cw[LS_WC_COUNT], total = 0, shown = 0;
		ls_watch_table_cols(width, cw);
		for (int c = 0; c < LS_WC_COUNT; c++)
			if (cw[c]) {
				total += cw[c] + (shown ? 1 : 0);
				shown++;
			}
		assert_int_equal(total, width);
		assert_true(cw[LS_WC_NAME] >= 12);
		/* Flags come in first, the angle last. */
		if (cw[LS_WC_ANGLE])
			assert_true(cw[LS_WC_FLAGS] && cw[LS_WC_FRO] && cw[LS_WC_DRIFT] &&
				    cw[LS_WC_SRANK] && cw[LS_WC_ERANK]);
		if (cw[LS_WC_FRO])
			assert_true(cw[LS_WC_FLAGS]);
		assert_true(total >= prev_total);
		prev_total = total;
	}
	int cw[LS_WC_COUNT];
	ls_watch_table_cols(80, cw);
	for (int c = 0; c < LS_WC_COUNT; c++)
		assert_true(cw[c] > 0);
}

static void test_table_rows(void **state)
{
	(void)state;
	int cw[LS_WC_COUNT];
	ls_watch_table_cols(70, cw);
	char head[256], row[512];
	ls_watch_table_heading(cw, true, head, sizeof head);
	assert_non_null(strstr(head, "‖ΔW‖F"));
	assert_non_null(strstr(head, "flags"));
	double sigma[2] = { 3, 1 };
	ls_watch_cell c = { .present = true,
			    .k = 2,
			    .sigma = sigma,
			    .fro = sqrt(10),
			    .stable_rank = 10.0 / 9,
			    .effective_rank = 1.8,
			    .drift = NAN,
			    .angle_max = NAN,
			    .drift_why = "first checkpoint",
			    .flags = LS_AF(LS_AF_LOUD) };
	ls_watch_table_row(cw, "layers.0.q_proj", &c, true, row, sizeof row);
	assert_non_null(strstr(row, "first checkpoint"));
	assert_non_null(strstr(row, "3.162"));
	assert_non_null(strstr(row, "loud"));
	assert_null(strstr(row, "nan"));
	assert_null(strstr(row, "n/a"));
	assert_true(ls_text_cols(row) <= 70);
	/* A reason the model did not give still reads as not defined. */
	c.drift_why = NULL;
	ls_watch_table_row(cw, "layers.0.q_proj", &c, true, row, sizeof row);
	assert_non_null(strstr(row, "not defined"));
	/* A defined drift: its value and the angle in degrees. */
	double angles[2] = { 1.5, 12.25 };
	c.drift = 0.125;
	c.angle_max = 12.25;
	c.angles = angles;
	c.nangles = 2;
	c.flags = 0;
	ls_watch_table_row(cw, "layers.0.q_proj", &c, true, row, sizeof row);
	assert_non_null(strstr(row, "0.125"));
	assert_non_null(strstr(row, "12.25°"));
	char d[200];
	ls_watch_drift_text(&c, false, d, sizeof d);
	assert_string_equal(d, "0.125, max angle 12.25 deg, angles 1.5 12.25");
	c.drift = NAN;
	c.drift_why = "previous ΔW = 0";
	ls_watch_drift_text(&c, true, d, sizeof d);
	assert_string_equal(d, "not defined: previous ΔW = 0");
	/* A module the checkpoint lacks. */
	ls_watch_cell none = { .present = false };
	ls_watch_table_row(cw, "layers.1.q_proj", &none, true, row, sizeof row);
	assert_non_null(strstr(row, "(not in this checkpoint)"));
	ls_watch_drift_text(&none, true, d, sizeof d);
	assert_string_equal(d, "not in this checkpoint");
	/* A long name keeps its start and end. */
	ls_watch_table_cols(40, cw);
	ls_watch_table_row(cw, "model.layers.12.self_attn.q_proj", &c, true, row, sizeof row);
	char name[64];
	snprintf(name, sizeof name, "%.*s", cw[LS_WC_NAME], row);
	assert_int_equal(ls_text_cols(name), cw[LS_WC_NAME]);
	assert_non_null(strchr(name, '~'));
	assert_memory_equal(name, "model.", 6);
	assert_non_null(strstr(name, "q_proj"));
}

static void test_age(void **state)
{
	(void)state;
	char b[32];
	ls_watch_age_text(3.7, b, sizeof b);
	assert_string_equal(b, "3 s ago");
	ls_watch_age_text(600, b, sizeof b);
	assert_string_equal(b, "10 min ago");
	ls_watch_age_text(3 * 3600 + 5, b, sizeof b);
	assert_string_equal(b, "3 h ago");
	ls_watch_age_text(-1, b, sizeof b);
	assert_string_equal(b, "never");
}

static void test_selection(void **state)
{
	(void)state;
	const char *names[] = { "checkpoint-100", "checkpoint-200", "checkpoint-300" };
	long steps[] = { 100, 200, 300 };
	assert_int_equal(ls_watch_pick_ckpt(names, steps, 0, NULL, -1, true), 0);
	assert_int_equal(ls_watch_pick_ckpt(names, steps, 3, NULL, -1, false), 2);
	/* Following: the newest, wherever the selection was. */
	assert_int_equal(ls_watch_pick_ckpt(names, steps, 3, "checkpoint-100", 100, true), 2);
	/* Not following: the same checkpoint, even when others came before it. */
	assert_int_equal(ls_watch_pick_ckpt(names, steps, 3, "checkpoint-200", 200, false), 1);
	/* Deleted (save_total_limit): the next later one; past the end: the newest. */
	assert_int_equal(ls_watch_pick_ckpt(names + 1, steps + 1, 2, "checkpoint-100", 100, false),
			 0);
	assert_int_equal(ls_watch_pick_ckpt(names, steps, 2, "checkpoint-300", 300, false), 1);
	const char *mods[] = { "a.q_proj", "a.v_proj", "b.q_proj" };
	assert_int_equal(ls_watch_pick_module(mods, 3, "a.v_proj", 0), 1);
	assert_int_equal(ls_watch_pick_module(mods, 3, "gone", 7), 2);
	assert_int_equal(ls_watch_pick_module(mods, 3, NULL, 1), 1);
	assert_int_equal(ls_watch_pick_module(mods, 0, "a", 1), 0);
	assert_int_equal(ls_watch_scroll(0, 3, 5), 0);
	assert_int_equal(ls_watch_scroll(0, 7, 5), 3);
	assert_int_equal(ls_watch_scroll(4, 2, 5), 2);
}

/* Training rows (loss, grad_norm, learning_rate) and evaluation rows (eval_loss) are drawn
 * apart: neither breaks the other's line; a NaN in a training row is a gap. */
static void test_curve_rows(void **state)
{
	(void)state;
	double step[] = { 10, 10, 20, 20, 30, 40 };
	double loss[] = { 2, NAN, NAN, NAN, 1, NAN };
	double eval[] = { NAN, 2.5, NAN, 2.0, NAN, NAN };
	double gn[] = { 1, NAN, 0.9, NAN, 0.8, NAN };
	double lr[] = { 1e-4, NAN, 9e-5, NAN, 8e-5, NAN };
	ls_watch_curves c = { .n = 6,
			      .step = step,
			      .loss = loss,
			      .eval_loss = eval,
			      .grad_norm = gn,
			      .learning_rate = lr };
	size_t idx[6];
	assert_int_equal(ls_watch_curve_rows(&c, c.loss, idx), 3);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 2); /* the NaN loss of a training row: a gap */
	assert_int_equal(idx[2], 4);
	assert_int_equal(ls_watch_curve_rows(&c, c.eval_loss, idx), 2);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 3);
	assert_int_equal(ls_watch_curve_rows(&c, c.learning_rate, idx), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_sizes),
		cmocka_unit_test(test_rule_fits_and_comes_from_the_constants),
		cmocka_unit_test(test_table_columns),
		cmocka_unit_test(test_table_rows),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_curve_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
