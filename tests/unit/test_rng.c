/* test_rng.c — the generator: reference outputs, determinism, moments of the draws. */
#include "testutil.h"

#include "lorascope/rng.h"

/* xoshiro256** from the state {1, 2, 3, 4}: the first outputs of the reference
 * implementation (computed by hand from the published algorithm). */
static void test_reference_sequence(void **state)
{
	(void)state;
	ls_rng r = { { 1, 2, 3, 4 } };
	assert_true(ls_rng_u64(&r) == 11520ULL);
	assert_true(ls_rng_u64(&r) == 0ULL);
	assert_true(ls_rng_u64(&r) == 1509978240ULL);
	assert_true(ls_rng_u64(&r) == 1215971899390074240ULL);
}

static void test_same_seed_same_stream(void **state)
{
	(void)state;
	ls_rng a, b, c;
	ls_rng_seed(&a, 42);
	ls_rng_seed(&b, 42);
	ls_rng_seed(&c, 43);
	int differ = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = ls_rng_u64(&a), y = ls_rng_u64(&b), z = ls_rng_u64(&c);
		assert_true(x == y);
		differ += x != z;
	}
	assert_true(differ > 990);
}

static void test_moments(void **state)
{
	(void)state;
	ls_rng r;
	ls_rng_seed(&r, 7);
	const int N = 200000;
	double su = 0, sn = 0, sn2 = 0, sn4 = 0;
	for (int i = 0; i < N; i++) {
		double u = ls_rng_uniform(&r);
		assert_true(u > 0 && u < 1);
		su += u;
		double z = ls_rng_normal(&r);
		sn += z;
		sn2 += z * z;
		sn4 += z * z * z * z;
	}
	/* Tolerances are 5 standard errors of each estimate. */
	assert_close(su / N, 0.5, 0, 5 * sqrt(1.0 / 12 / N));
	assert_close(sn / N, 0.0, 0, 5 / sqrt(N));
	assert_close(sn2 / N, 1.0, 0, 5 * sqrt(2.0 / N));
	assert_close(sn4 / N, 3.0, 0, 5 * sqrt(96.0 / N));
	uint64_t counts[3] = { 0 };
	for (int i = 0; i < 30000; i++)
		counts[ls_rng_below(&r, 3)]++;
	for (int i = 0; i < 3; i++)
		assert_close((double)counts[i], 10000, 0, 5 * sqrt(30000 * (1.0 / 3) * (2.0 / 3)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_sequence),
		cmocka_unit_test(test_same_seed_same_stream),
		cmocka_unit_test(test_moments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
