/* test_pacing.c — the training thread's pace without a clock: batch sizes settle where a
 * batch takes 2–5 ms, the next batch is bounded by a lesson's budget and the speed cap's
 * whole tokens, the token bucket fills at the cap and holds at most 50 ms of steps, the
 * wait for the next token, the cap held over a simulated run (and no burst after a pause),
 * and the speed keys from and back to unlimited. */
#include "testutil.h"

#include <limits.h>
#include <math.h>

#include "../../src/tui/worker.h"
#include "../../src/tui/worker_pacing.h"

static void test_batch_steps(void **state)
{
	(void)state;
	assert_int_equal(ls_pacing_batch(8, 0.001), 16);
	assert_int_equal(ls_pacing_batch(8, 0.003), 8);
	assert_int_equal(ls_pacing_batch(8, 0.006), 4);
	assert_int_equal(ls_pacing_batch(1, 0.1), 1);
	assert_int_equal(ls_pacing_batch(LS_PACING_BATCH_MAX, 1e-6), LS_PACING_BATCH_MAX);
	assert_int_equal(ls_pacing_batch(LS_PACING_BATCH_MAX / 2, 1e-6), LS_PACING_BATCH_MAX);
}

/* Whatever a step costs, the batch settles where one takes 2–5 ms (or at a bound). */
static void test_batch_settles(void **state)
{
	(void)state;
	for (double cost = 1e-9; cost < 0.1; cost *= 1.7) {
		long batch = 1;
		for (int i = 0; i < 64; i++)
			batch = ls_pacing_batch(batch, (double)batch * cost);
		double dt = (double)batch * cost;
		assert_int_equal(ls_pacing_batch(batch, dt), batch);
		assert_true(batch == 1 || dt <= 0.005);
		assert_true(batch == LS_PACING_BATCH_MAX || dt >= 0.002);
	}
}

static void test_next_batch(void **state)
{
	(void)state;
	assert_int_equal(ls_pacing_steps(64, LONG_MAX, (double)LONG_MAX), 64);
	assert_int_equal(ls_pacing_steps(64, 10, 1e9), 10);
	assert_int_equal(ls_pacing_steps(64, LONG_MAX, 3.7), 3);
	assert_int_equal(ls_pacing_steps(64, 5, 2.5), 2);
	assert_int_equal(ls_pacing_steps(64, 0, 100), 0);
}

static void test_bucket(void **state)
{
	(void)state;
	/* 10 ms at 100 steps/s: one step. */
	assert_close(ls_pacing_refill(0, 0.01, 100), 1, 1e-12, 0);
	assert_close(ls_pacing_refill(0.5, 0.1, 2), 0.7, 1e-12, 0);
	/* At most 50 ms of steps, and at least one step, however long the wait. */
	assert_close(ls_pacing_refill(0, 1, 100), 100 * LS_PACING_BUCKET_SEC, 1e-12, 0);
	assert_close(ls_pacing_refill(3, 60, 1e4), 1e4 * LS_PACING_BUCKET_SEC, 1e-12, 0);
	assert_close(ls_pacing_refill(0, 10, 2), 1, 0, 0);
	/* The wait for the next whole token. */
	assert_close(ls_pacing_wait(1, 10), 0, 0, 0);
	assert_close(ls_pacing_wait(4.5, 10), 0, 0, 0);
	assert_close(ls_pacing_wait(0.25, 10), 0.075, 1e-12, 0);
	assert_close(ls_pacing_wait(0, 0), 0, 0, 0);
	assert_close(ls_pacing_wait(0.25, 0), 0, 0, 0);
}

/* A run of 10 s at a cap of 1000 steps/s, steps of 10 µs, the thread waiting for the next
 * token when the bucket is empty: 10,000 steps (within the bucket), no batch larger than
 * the bucket; after a 1 s pause the first batch is at most 50 ms of steps. */
static void test_cap_held(void **state)
{
	(void)state;
	const double speed = 1000, cost = 1e-5, end = 10;
	double t = 0, tokens = 0, dt = 0;
	long total = 0, largest = 0;
	for (int i = 0; t < end; i++) {
		assert_true(i < 10000000);
		tokens = ls_pacing_refill(tokens, dt, speed);
		long k = ls_pacing_steps(LS_PACING_BATCH_MAX, LONG_MAX, tokens);
		tokens -= (double)k;
		total += k;
		largest = k > largest ? k : largest;
		dt = k > 0 ? (double)k * cost : ls_pacing_wait(tokens, speed);
		assert_true(dt > 0);
		t += dt;
	}
	assert_true(fabs((double)total - speed * end) <= speed * LS_PACING_BUCKET_SEC + 1);
	assert_true(largest <= (long)(speed * LS_PACING_BUCKET_SEC));
	tokens = ls_pacing_refill(tokens, 1.0, speed);
	assert_int_equal(ls_pacing_steps(LS_PACING_BATCH_MAX, LONG_MAX, tokens),
			 (long)(speed * LS_PACING_BUCKET_SEC));
}

static void test_speed_keys(void **state)
{
	(void)state;
	/* From unlimited: slower starts at the measured rate rounded down to a power of two. */
	assert_close(ls_pacing_speed(0, 0.5, 1000), 512, 0, 0);
	assert_close(ls_pacing_speed(0, 0.5, 1024), 1024, 0, 0);
	assert_close(ls_pacing_speed(0, 0.5, 0.3), 1, 0, 0);
	assert_close(ls_pacing_speed(0, 0.5, 1e12), LS_WORKER_SPEED_MAX, 0, 0);
	assert_close(ls_pacing_speed(0, 2, 1000), 0, 0, 0);
	/* A cap scales, not below 1 step/s; past the largest it is unlimited again. */
	assert_close(ls_pacing_speed(100, 2, 5), 200, 0, 0);
	assert_close(ls_pacing_speed(100, 0.5, 5), 50, 0, 0);
	assert_close(ls_pacing_speed(1, 0.5, 5), 1, 0, 0);
	assert_close(ls_pacing_speed(LS_WORKER_SPEED_MAX, 1, 5), LS_WORKER_SPEED_MAX, 0, 0);
	assert_close(ls_pacing_speed(LS_WORKER_SPEED_MAX, 2, 5), 0, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_steps), cmocka_unit_test(test_batch_settles),
		cmocka_unit_test(test_next_batch),  cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_cap_held),    cmocka_unit_test(test_speed_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
