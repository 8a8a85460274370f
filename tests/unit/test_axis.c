/* test_axis.c — scales (linear and log, with zero, negative and non-finite data),
 * nice ticks and number formatting of the TUI's axes. */
#include "testutil.h"

#include <stdlib.h>

#include "../../src/tui/axis.h"

static void test_linear_fit_and_map(void **state)
{
	(void)state;
	double v[] = { 2, NAN, 4, INFINITY, 3 };
	ls_scale s;
	ls_scale_begin(&s, 0);
	ls_scale_add(&s, v, 5);
	ls_scale_finish(&s);
	assert_true(s.lo < 2 && s.lo > 1.8);
	assert_true(s.hi > 4 && s.hi < 4.2);
	assert_close(ls_scale_frac(&s, s.lo), 0, 0, 1e-15);
	assert_close(ls_scale_frac(&s, s.hi), 1, 0, 1e-15);
	assert_close(ls_scale_frac(&s, 3), 0.5, 0, 1e-12);
	assert_true(isnan(ls_scale_frac(&s, NAN)));
	assert_close(ls_scale_value(&s, ls_scale_frac(&s, 3.7)), 3.7, 1e-12, 0);
	/* Negative values are fine on a linear axis. */
	double w[] = { -5, 5 };
	ls_scale_begin(&s, 0);
	ls_scale_add(&s, w, 2);
	ls_scale_finish(&s);
	assert_close(ls_scale_frac(&s, 0), 0.5, 0, 1e-12);
}

static void test_log_skips_zero_and_negative(void **state)
{
	(void)state;
	double v[] = { 0, -1, 1e-3, 0.5, 20, -INFINITY, NAN };
	ls_scale s;
	ls_scale_begin(&s, 1);
	ls_scale_add(&s, v, 7);
	ls_scale_finish(&s);
	/* Rounded out to whole decades around [1e-3, 20]. */
	assert_close(s.lo, 1e-3, 1e-12, 0);
	assert_close(s.hi, 100, 1e-12, 0);
	assert_true(isnan(ls_scale_frac(&s, 0)));
	assert_true(isnan(ls_scale_frac(&s, -1)));
	assert_close(ls_scale_frac(&s, 0.1), 0.4, 0, 1e-12);
	assert_close(ls_scale_value(&s, 0.4), 0.1, 1e-12, 0);
}

static void test_degenerate_ranges(void **state)
{
	(void)state;
	ls_scale s;
	/* Nothing drawable: a default range, still usable. */
	double z[] = { 0, 0, -3 };
	ls_scale_begin(&s, 1);
	ls_scale_add(&s, z, 3);
	ls_scale_finish(&s);
	assert_true(s.lo > 0 && s.hi > s.lo && isfinite(s.hi));
	ls_scale_begin(&s, 0);
	ls_scale_finish(&s);
	assert_true(s.hi > s.lo);
	/* A single value: widened around it, the value inside. */
	double one[] = { 7, 7 };
	ls_scale_begin(&s, 1);
	ls_scale_add(&s, one, 2);
	ls_scale_finish(&s);
	double f = ls_scale_frac(&s, 7);
	assert_true(f > 0 && f < 1);
	ls_scale_begin(&s, 0);
	double zero[] = { 0 };
	ls_scale_add(&s, zero, 1);
	ls_scale_finish(&s);
	assert_close(ls_scale_frac(&s, 0), 0.5, 0, 1e-12);
	/* Extreme magnitudes stay finite. */
	double huge[] = { 1e-320, 1e308 };
	ls_scale_begin(&s, 1);
	ls_scale_add(&s, huge, 2);
	ls_scale_finish(&s);
	assert_true(isfinite(s.lo) && isfinite(s.hi) && s.lo > 0 && s.hi > s.lo);
	assert_true(isfinite(ls_scale_frac(&s, 1.0)));
}

static void test_ticks(void **state)
{
	(void)state;
	ls_scale s = { 0.0, 1.0, 0 };
	double t[16];
	int n = ls_axis_ticks(&s, t, 6);
	assert_int_equal(n, 6);
	for (int i = 0; i < n; i++)
		assert_close(t[i], 0.2 * i, 0, 1e-12);
	s = (ls_scale){ -3.3, 7.1, 0 };
	n = ls_axis_ticks(&s, t, 4);
	assert_true(n >= 2 && n <= 4);
	for (int i = 0; i < n; i++) {
		assert_true(t[i] >= s.lo && t[i] <= s.hi);
		/* Multiples of 5 (the nice step for a span of ~10 in 4 ticks). */
		assert_close(remainder(t[i], 5.0), 0, 0, 1e-9);
		if (i)
			assert_true(t[i] > t[i - 1]);
	}
	s = (ls_scale){ 1e-6, 1e2, 1 };
	n = ls_axis_ticks(&s, t, 16);
	assert_int_equal(n, 9);
	assert_close(t[0], 1e-6, 1e-12, 0);
	assert_close(t[8], 1e2, 1e-12, 0);
	n = ls_axis_ticks(&s, t, 3);
	assert_true(n <= 3 && n >= 2);
	/* Less than a decade on a log axis: the ends. */
	s = (ls_scale){ 2, 5, 1 };
	n = ls_axis_ticks(&s, t, 5);
	assert_int_equal(n, 2);
	assert_close(t[0], 2, 0, 0);
	assert_close(t[1], 5, 0, 0);
}

static void expect_fmt(double v, int width, const char *want)
{
	char buf[32];
	ls_axis_format(v, width, buf, sizeof buf);
	if (strcmp(buf, want) != 0)
		fail_msg("format(%g, %d) = '%s', expected '%s'", v, width, buf, want);
}

static void test_format(void **state)
{
	(void)state;
	expect_fmt(0, 6, "0");
	expect_fmt(-0.0, 6, "0");
	expect_fmt(0.5, 6, "0.5");
	expect_fmt(1.25, 6, "1.25");
	expect_fmt(123.456, 6, "123.5");
	expect_fmt(123.456, 3, "123");
	expect_fmt(100000, 6, "100000");
	expect_fmt(1e6, 6, "1e6");
	expect_fmt(1.234e7, 6, "1.23e7");
	expect_fmt(1.5e-3, 6, "0.0015");
	expect_fmt(1.5e-4, 6, "1.5e-4");
	expect_fmt(1.5e-4, 7, "1.5e-4");
	expect_fmt(1e-4, 7, "1e-4");
	expect_fmt(9.999e-5, 6, "1e-4");
	expect_fmt(-2.5e-7, 6, "-2e-7");
	expect_fmt(NAN, 6, "nan");
	expect_fmt(-INFINITY, 6, "-inf");
	/* Never wider than asked when a form fits. */
	double vals[] = { 3.14159, -271.8, 6.02e23, -1.6e-19, 42, 1e-300 };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		char buf[32];
		ls_axis_format(vals[i], 8, buf, sizeof buf);
		assert_true(strlen(buf) <= 8);
		/* And it reads back close to the value (2 significant digits at least). */
		assert_close(strtod(buf, NULL), vals[i], 0.06, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear_fit_and_map),
		cmocka_unit_test(test_log_skips_zero_and_negative),
		cmocka_unit_test(test_degenerate_ranges),
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
