/* test_thread_choice.c — the problems' one timed choice of one thread or several
 * (problem_util.h: ls_probutil_threads_choose/_took/_faster), on made-up timings: one thread
 * first, then several, then the faster; the other re-timed after LS_PROBUTIL_PROBE calls, the
 * gap doubling while it loses (up to LS_PROBUTIL_PROBE_MAX) and back to LS_PROBUTIL_PROBE when
 * a probe wins and the choice changes; a new size starts over; an untimed call takes several
 * threads only when timed faster at its size. */
#include "testutil.h"

#include "../../src/core/problem_util.h"

/* One timed call of size key taking one_s on one thread, multi_s on several; its choice. */
static bool call(ls_probutil_threads *t, size_t key, double one_s, double multi_s)
{
	bool multi = ls_probutil_threads_choose(t, key);
	ls_probutil_threads_took(t, multi, multi ? multi_s : one_s);
	return multi;
}

static void test_choice(void **state)
{
	(void)state;
	ls_probutil_threads t = { 0 };
	assert_false(ls_probutil_threads_faster(&t, 7));
	/* Several threads twice as fast: timed on one, then several, then several. */
	assert_false(call(&t, 7, 2.0, 1.0));
	assert_false(ls_probutil_threads_faster(&t, 7));
	assert_true(call(&t, 7, 2.0, 1.0));
	assert_true(ls_probutil_threads_faster(&t, 7));
	assert_false(ls_probutil_threads_faster(&t, 8));
	/* The probes of one thread, which keeps losing: the calls between them double from
	 * LS_PROBUTIL_PROBE up to the cap. */
	long last = 2, gap_expected = LS_PROBUTIL_PROBE;
	int probes = 0;
	for (long c = 3; c <= 4000; c++) {
		if (call(&t, 7, 2.0, 1.0))
			continue;
		assert_int_equal(c - last - 1, gap_expected);
		if (gap_expected < LS_PROBUTIL_PROBE_MAX)
			gap_expected *= 2;
		last = c;
		probes++;
	}
	assert_true(probes >= 6);
	assert_int_equal(gap_expected, LS_PROBUTIL_PROBE_MAX);
	/* The load changes: the next probe of one thread wins; the choice changes and the
	 * other (several) is probed after LS_PROBUTIL_PROBE calls. */
	int several = 0;
	while (call(&t, 7, 0.5, 1.0))
		several++;
	assert_true(several <= LS_PROBUTIL_PROBE_MAX);
	assert_false(ls_probutil_threads_faster(&t, 7));
	long since = 0;
	while (!call(&t, 7, 0.5, 1.0))
		since++;
	assert_int_equal(since, LS_PROBUTIL_PROBE);
	/* A new size starts over: one thread first. */
	assert_false(call(&t, 9, 0.5, 1.0));
	assert_false(ls_probutil_threads_faster(&t, 7));
	assert_true(call(&t, 9, 0.5, 1.0));
	assert_false(call(&t, 9, 0.5, 1.0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
