/* test_metrics.c — the history's decimation rule and the deep copies used to publish metrics. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

#include "lorascope/metrics.h"

static void test_history_decimates(void **state)
{
	(void)state;
	ls_history h;
	ls_history_init(&h);
	ls_metrics m;
	memset(&m, 0, sizeof m);
	const long total = 3 * LS_HISTORY_MAX + 17;
	for (long t = 0; t < total; t++) {
		m.step = t;
		m.loss = (double)t * 0.5;
		assert_ok(ls_history_push(&h, &m, true, NULL));
		assert_true(h.len <= LS_HISTORY_MAX);
	}
	/* 3·MAX points need stride 4: MAX points at stride 2 fill up, then stride 4. */
	assert_int_equal(h.stride, 4);
	for (size_t i = 0; i < h.len; i++) {
		assert_int_equal(h.step[i], (long)i * h.stride);
		assert_close(h.loss[i], 0.5 * (double)h.step[i], 0, 0);
	}
	assert_int_equal(h.len, (size_t)((total - 1) / 4 + 1));
	ls_history c;
	ls_history_init(&c);
	assert_ok(ls_history_copy(&c, &h, NULL));
	assert_int_equal(c.len, h.len);
	assert_int_equal(c.stride, h.stride);
	assert_memory_equal(c.step, h.step, h.len * sizeof(long));
	assert_memory_equal(c.loss, h.loss, h.len * sizeof(double));
	ls_history_clear(&h);
	assert_int_equal(h.len, 0);
	assert_int_equal(h.stride, 1);
	ls_history_free(&h);
	ls_history_free(&c);
}

/* LS_HISTORY_SERIES: each series records its own ls_metrics field (through push, decimation
 * and copy; the factor series only where pushed as measured, else NaN), and the history.npy columns
 * are 1 .. LS_HISTORY_NSERIES, each once. */
static void test_history_series(void **state)
{
	(void)state;
	bool seen[LS_HISTORY_NSERIES + 1] = { false };
#define SEEN(f, npy_col)                                 \
	assert_in_range(npy_col, 1, LS_HISTORY_NSERIES); \
	assert_false(seen[npy_col]);                     \
	seen[npy_col] = true;
	LS_HISTORY_SERIES(SEEN)
#undef SEEN
	ls_history h, c;
	ls_history_init(&h);
	ls_history_init(&c);
	ls_metrics m;
	memset(&m, 0, sizeof m);
	const long total = LS_HISTORY_MAX + 3;
	for (long t = 0; t < total; t++) {
		m.step = t;
#define SET(f, npy_col) m.f = (double)t + 0.125 * npy_col;
		LS_HISTORY_SERIES(SET)
#undef SET
		/* the factor series measured at every third step only */
		assert_ok(ls_history_push(&h, &m, t % 3 == 0, NULL));
	}
	assert_int_equal(h.stride, 2);
	assert_ok(ls_history_copy(&c, &h, NULL));
	for (size_t i = 0; i < c.len; i++) {
		bool with = c.step[i] % 3 == 0;
		assert_int_equal(ls_history_has_factors(&c, i), with);
#define CHECK(f, npy_col) assert_true(c.f[i] == (double)c.step[i] + 0.125 * npy_col);
		LS_HISTORY_STEP_SERIES(CHECK)
#undef CHECK
#define CHECK_FACTOR(f, npy_col) \
	assert_true(with ? c.f[i] == (double)c.step[i] + 0.125 * npy_col : isnan(c.f[i]));
		LS_HISTORY_FACTOR_SERIES(CHECK_FACTOR)
#undef CHECK_FACTOR
	}
	ls_history_free(&h);
	ls_history_free(&c);
}

static void test_metrics_deep_copy(void **state)
{
	(void)state;
	ls_metrics a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.nmod = 2;
	a.loss = 1.25;
	assert_ok(ls_metrics_reserve(&a, 0, 5, NULL));
	assert_ok(ls_metrics_reserve(&a, 1, 3, NULL));
	a.mod[0].nsigma = 5;
	a.mod[1].nsigma = 3;
	for (size_t i = 0; i < 5; i++)
		a.mod[0].sigma[i] = 5.0 - (double)i;
	for (size_t i = 0; i < 3; i++)
		a.mod[1].sigma[i] = 0.5 * (double)i;
	assert_ok(ls_metrics_copy(&b, &a, NULL));
	assert_true(b.mod[0].sigma != a.mod[0].sigma);
	assert_memory_equal(b.mod[0].sigma, a.mod[0].sigma, 5 * sizeof(double));
	assert_memory_equal(b.mod[1].sigma, a.mod[1].sigma, 3 * sizeof(double));
	assert_close(b.loss, 1.25, 0, 0);
	/* The copy is independent: changing the source leaves it alone. */
	a.mod[0].sigma[0] = -1.0;
	assert_close(b.mod[0].sigma[0], 5.0, 0, 0);
	ls_metrics_free(&a);
	ls_metrics_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_decimates),
		cmocka_unit_test(test_history_series),
		cmocka_unit_test(test_metrics_deep_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
