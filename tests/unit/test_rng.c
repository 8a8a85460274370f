/* test_rng.c — the generator: reference outputs, determinism, moments of the draws; a large
 * normal fill (transformed on several threads) the same bits as draws one at a time. */
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

/* A fill past the threaded size, into a view with ld > rows and a last chunk cut short:
 * every entry equals mean + std·ls_rng_normal drawn in column order from the same seed, and
 * the generator ends in the same state. */
static void test_large_fill_same_bits(void **state)
{
	(void)state;
	const size_t rows = 1031, cols = 1100, ld = 1040;
	ls_mat store;
	assert_int_equal(ls_mat_alloc(&store, ld, cols, NULL), LS_OK);
	ls_mat V = ls_mat_view(store.data, rows, cols, ld);
	for (size_t j = 0; j < cols; j++)
		for (size_t i = rows; i < ld; i++)
			LS_AT(store, i, j) = -7.0;
	ls_rng a, b;
	ls_rng_seed(&a, 42);
	ls_rng_seed(&b, 42);
	ls_rng_fill_normal(&a, &V, 0.5, 3.0);
	size_t differ = 0;
	for (size_t j = 0; j < cols; j++) {
		for (size_t i = 0; i < rows; i++)
			differ += LS_AT(V, i, j) != 0.5 + 3.0 * ls_rng_normal(&b);
		for (size_t i = rows; i < ld; i++)
			differ += LS_AT(store, i, j) != -7.0;
	}
	assert_int_equal(differ, 0);
	assert_true(ls_rng_u64(&a) == ls_rng_u64(&b));
	ls_mat_free(&store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_sequence),
		cmocka_unit_test(test_same_seed_same_stream),
		cmocka_unit_test(test_moments),
		cmocka_unit_test(test_large_fill_same_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
