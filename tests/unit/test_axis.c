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
	/* Headroom stops at 0: a learning rate decaying to 0 is drawn from 0, a negative
	 * series up to 0, and the round ticks keep it so. */
	double lr[] = { 4.7e-5, 2e-5, 1e-7 };
	ls_scale_begin(&s, 0);
	ls_scale_add(&s, lr, 3);
	ls_scale_finish(&s);
	assert_true(s.lo == 0 && s.hi > 4.7e-5);
	double ticks[16];
	ls_axis_nice(&s, ticks, 16);
	assert_true(s.lo == 0 && ticks[0] == 0);
	double neg[] = { -3, -1e-9 };
	ls_scale_begin(&s, 0);
	ls_scale_add(&s, neg, 2);
	ls_scale_finish(&s);
	assert_true(s.hi == 0 && s.lo < -3);
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
	/* Less than half a decade on a log axis: linear round steps (issue 12: no two
	 * non-round ends). */
	s = (ls_scale){ 2, 5, 1 };
	n = ls_axis_ticks(&s, t, 5);
	assert_int_equal(n, 4);
	for (int i = 0; i < n; i++)
		assert_close(t[i], 2 + i, 0, 1e-12);
}

/* Whether x is m × 10^k with m in {1, 2, 5}. */
static int is_125(double x)
{
	double a = fabs(x), m = a / pow(10.0, floor(log10(a)));
	return fabs(m - 1) < 1e-4 || fabs(m - 2) < 1e-4 || fabs(m - 5) < 1e-4 ||
	       fabs(m - 10) < 1e-4;
}

/* Round ticks: multiples of one 1-2-5 step (equal spacing), or each tick 1, 2 or 5 × 10^k
 * (log axes). */
static void check_round(const double *t, int n, const ls_scale *s)
{
	double d = t[1] - t[0];
	int lin = is_125(d);
	if (lin) /* the exact step, not the difference's rounding */
		d = pow(10.0, floor(log10(d))) * round(d / pow(10.0, floor(log10(d))));
	for (int i = 1; i < n && lin; i++)
		lin = fabs(t[i] - t[i - 1] - d) <= 1e-4 * d &&
		      fabs(t[i] / d - round(t[i] / d)) < 1e-6 + 1e-9 * fabs(t[i] / d);
	for (int i = 0; i < n && !lin; i++)
		if (!(s->log && is_125(t[i])))
			fail_msg("[%.17g, %.17g]%s: tick %.17g of %d is not round (d %g)", s->lo,
				 s->hi, s->log ? " log" : "", t[i], n, d);
}

static double loguniform(double lo_exp, double hi_exp)
{
	return pow(10.0, lo_exp + (hi_exp - lo_exp) * rand() / (double)RAND_MAX);
}

/* The y axes: widened to round ends, at least three round ticks with five or more rows
 * for them, the data range kept; over ranges from 1e-300 to 1e300, narrow and wide, linear
 * (signs mixed) and log. */
static void test_nice_many_ranges(void **state)
{
	(void)state;
	srand(12);
	for (int it = 0; it < 20000; it++) {
		int log = it % 2;
		double a = loguniform(-300, 290);
		double width = loguniform(-9, 12);
		double b = a * (1 + width);
		if (!isfinite(b))
			continue;
		if (!log && it % 4 == 0) {
			a = -a;
			b = it % 8 == 0 ? -a / (1 + width) : b;
		}
		double v[2] = { a, b };
		ls_scale s;
		ls_scale_begin(&s, log);
		ls_scale_add(&s, v, 2);
		ls_scale_finish(&s);
		ls_scale before = s;
		int max = 2 + it % 15;
		double t[16];
		int n = ls_axis_nice(&s, t, max);
		if (n < 2 || n > max)
			fail_msg("[%g, %g]%s max %d: %d ticks", before.lo, before.hi,
				 log ? " log" : "", max, n);
		if (max >= 5 && n < 3)
			fail_msg("[%g, %g]%s max %d: only %d ticks", before.lo, before.hi,
				 log ? " log" : "", max, n);
		double tol = 1e-9 * fmax(fabs(s.lo), fabs(s.hi));
		assert_true(s.lo <= before.lo + tol && s.hi >= before.hi - tol);
		/* Round ends from three ticks on (two may not reach across 10^0 or 0). */
		if (max >= 3 && (fabs(t[0] - s.lo) > 1e-9 * fabs(s.lo) ||
				 fabs(t[n - 1] - s.hi) > 1e-9 * fabs(s.hi)))
			fail_msg("[%.17g, %.17g]%d max %d: ticks %g..%g, scale %g..%g", before.lo,
				 before.hi, log, max, t[0], t[n - 1], s.lo, s.hi);
		for (int i = 1; i < n; i++)
			assert_true(t[i] > t[i - 1]);
		/* Two round values cannot span a range across zero: from three on. */
		if (max >= 3)
			check_round(t, n, &s);
		/* The plain ticks of the same scale are round too and inside it. */
		n = ls_axis_ticks(&before, t, max);
		assert_true(n >= 2 && n <= max);
		for (int i = 0; i < n; i++)
			assert_true(t[i] >= before.lo - tol && t[i] <= before.hi + tol);
	}
}

/* The case of issue 12: a loss between 0.4486 and 4.878 on a log axis with room for five
 * labels gets 0.1, 1, 10 — not 4.878 and 0.4486. */
static void test_nice_loss_example(void **state)
{
	(void)state;
	double v[] = { 0.4486, 4.878 };
	ls_scale s;
	ls_scale_begin(&s, 1);
	ls_scale_add(&s, v, 2);
	ls_scale_finish(&s);
	double t[16];
	int n = ls_axis_nice(&s, t, 5);
	assert_int_equal(n, 3);
	assert_close(t[0], 0.1, 1e-12, 0);
	assert_close(t[1], 1, 1e-12, 0);
	assert_close(t[2], 10, 1e-12, 0);
	/* Under half a decade: round linear steps, ends widened to them. */
	double w[] = { 0.93, 1.07 };
	ls_scale_begin(&s, 1);
	ls_scale_add(&s, w, 2);
	ls_scale_finish(&s);
	n = ls_axis_nice(&s, t, 5);
	assert_true(n >= 3 && n <= 5);
	assert_true(s.lo <= 0.93 && s.hi >= 1.07 && s.lo > 0.8 && s.hi < 1.2);
	/* Tiny and huge: still round, inside the doubles. */
	double z[] = { 3e-300, 7e-299 };
	ls_scale_begin(&s, 1);
	ls_scale_add(&s, z, 2);
	ls_scale_finish(&s);
	n = ls_axis_nice(&s, t, 6);
	assert_true(n >= 3);
	for (int i = 0; i < n; i++)
		assert_true(isfinite(t[i]) && t[i] > 0 && is_125(t[i]));
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
	expect_fmt(NAN, 6, "n/a");
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

/* The 15-decade rule of every log plot: a range reaching 1e-30 below 1 starts at 1e-15;
 * a narrower one and an empty one are left alone. */
static void test_limit_decades(void **state)
{
	(void)state;
	ls_scale s;
	double v[] = { 1e-30, 1.0 };
	ls_scale_begin(&s, 1);
	ls_scale_add(&s, v, 2);
	ls_scale_limit_decades(&s);
	assert_true(s.lo == 1e-15 && s.hi == 1.0);
	double w[] = { 1e-5, 1.0 };
	ls_scale_begin(&s, 1);
	ls_scale_add(&s, w, 2);
	ls_scale_limit_decades(&s);
	assert_true(s.lo == 1e-5 && s.hi == 1.0);
	ls_scale_begin(&s, 1);
	double lo = s.lo, hi = s.hi;
	ls_scale_limit_decades(&s);
	assert_true(s.lo == lo && s.hi == hi);
}

/* The loss panel's scale (TUI and figure): the marks widen it, a diverged run's blow-up is
 * cut at 10⁶ times the starting loss (and said), a run that did not diverge keeps its top,
 * at most 15 decades deep; log ranges end on whole decades. */
static void test_loss_scale(void **state)
{
	(void)state;
	double f[] = { 2.0, 0.5, 1e300 }, g[] = { 3.0, 0.6, 1e300 }, marks[] = { 1e-3, 0.1 };
	bool clipped;
	ls_scale s = ls_loss_scale(f, g, 2, marks, 2, false, &clipped);
	assert_false(clipped);
	assert_true(s.log && s.lo == 1e-3 && s.hi == 10.0);
	s = ls_loss_scale(f, g, 3, NULL, 0, true, &clipped);
	assert_true(clipped);
	assert_true(s.lo == 0.1 && s.hi == 1e7); /* 3e6, rounded out */
	s = ls_loss_scale(f, g, 3, NULL, 0, false, &clipped);
	assert_false(clipped);
	assert_true(s.hi >= 1e300 && s.lo >= 1e284);
	s = ls_loss_scale(NULL, NULL, 0, NULL, 0, true, &clipped);
	assert_false(clipped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_decades),
		cmocka_unit_test(test_loss_scale),
		cmocka_unit_test(test_linear_fit_and_map),
		cmocka_unit_test(test_log_skips_zero_and_negative),
		cmocka_unit_test(test_degenerate_ranges),
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_nice_many_ranges),
		cmocka_unit_test(test_nice_loss_example),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
