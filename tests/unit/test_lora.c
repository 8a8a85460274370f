/* test_lora.c — the LoRA state: scaling rules, forming X, deep copies, rank growth (X kept,
 * also when s depends on r) and rank shrinking (the Eckart–Young–Mirsky truncation of the
 * formed X from a LAPACK SVD, with balanced factors). */
#include "training_util.h"

static void test_scale(void **state)
{
	(void)state;
	assert_close(ls_lora_scale(LS_SCALING_ONE, 16.0, 8), 1.0, 0, 0);
	assert_close(ls_lora_scale(LS_SCALING_ALPHA_R, 16.0, 8), 2.0, 0, 0);
	assert_close(ls_lora_scale(LS_SCALING_RSLORA, 16.0, 4), 8.0, 0, 0);
	assert_string_equal(ls_scaling_names[LS_SCALING_RSLORA], "rslora");
	assert_null(ls_scaling_names[LS_SCALING_COUNT]);
}

static void test_alloc_form(void **state)
{
	(void)state;
	ls_problem p = tt_shape(5, 4);
	ls_lora L;
	assert_ok(ls_lora_alloc(&L, &p, 3, LS_SCALING_ALPHA_R, 6.0, NULL));
	assert_int_equal(L.nmod, 1);
	assert_int_equal(L.A[0].rows, 5);
	assert_int_equal(L.B[0].rows, 4);
	assert_int_equal(L.A[0].cols, 3);
	assert_close(L.s[0], 2.0, 0, 0);
	assert_close(ls_mat_norm(&L.A[0]) + ls_mat_norm(&L.B[0]), 0.0, 0, 0);
	tt_fill(&L, 3, 1.0);
	ls_mat X = tt_form(&L, 0);
	for (size_t j = 0; j < 4; j++)
		for (size_t i = 0; i < 5; i++) {
			double x = 0.0;
			for (size_t l = 0; l < 3; l++)
				x += LS_AT(L.A[0], i, l) * LS_AT(L.B[0], j, l);
			assert_close(LS_AT(X, i, j), 2.0 * x, 1e-14, 1e-15);
		}
	ls_factors F = ls_lora_factors(&L);
	assert_ptr_equal(F.A, L.A);
	assert_ptr_equal(F.B, L.B);
	assert_close(F.s[0], 2.0, 0, 0);
	ls_mat bad;
	assert_ok(ls_mat_alloc(&bad, 4, 5, NULL));
	assert_int_equal(ls_lora_form(&L, 0, &bad), LS_EDIM);
	assert_int_equal(ls_lora_form(&L, 1, &X), LS_EINVAL);
	ls_lora C;
	assert_ok(ls_lora_copy(&C, &L, NULL));
	assert_true(C.A[0].data != L.A[0].data);
	assert_true(tt_same_bits(&C.A[0], &L.A[0]) && tt_same_bits(&C.B[0], &L.B[0]));
	ls_lora_free(&C);
	ls_error err;
	assert_int_equal(ls_lora_alloc(&C, &p, 0, LS_SCALING_ONE, 1.0, &err), LS_EINVAL);
	ls_lora_free(&C);
	ls_lora_set_scaling(&L, LS_SCALING_RSLORA, 6.0);
	assert_close(L.s[0], 6.0 / sqrt(3.0), 1e-15, 0);
	ls_mat_free(&bad);
	ls_mat_free(&X);
	ls_lora_free(&L);
	ls_lora_free(&L); /* freeing twice is harmless */
}

/* Growing keeps every entry of X for each scaling rule; the new B columns are zero. */
static void test_grow_keeps_x(void **state)
{
	(void)state;
	for (int rule = 0; rule < LS_SCALING_COUNT; rule++) {
		ls_problem p = tt_shape(9, 7);
		ls_lora L;
		ls_rng rng;
		ls_rng_seed(&rng, 11);
		assert_ok(ls_lora_alloc(&L, &p, 2, rule, 5.0, NULL));
		tt_fill(&L, 20 + (uint64_t)rule, 0.7);
		ls_mat X0 = tt_form(&L, 0);
		assert_ok(ls_lora_set_rank(&L, 5, &rng, NULL));
		assert_int_equal(L.r, 5);
		assert_int_equal(L.A[0].cols, 5);
		assert_close(L.s[0], ls_lora_scale(rule, 5.0, 5), 1e-15, 0);
		ls_mat X1 = tt_form(&L, 0);
		assert_close(tt_dist(&X1, &X0), 0.0, 0, 1e-14 * ls_mat_norm(&X0));
		ls_mat bnew = ls_mat_cols(L.B[0], 2, 3), anew = ls_mat_cols(L.A[0], 2, 3);
		assert_close(ls_mat_norm(&bnew), 0.0, 0, 0);
		double an = ls_mat_norm(&anew);
		assert_true(an > 0.0 && an < 10 * LS_LORA_GROW_STD * sqrt(27.0));
		ls_mat_free(&X0);
		ls_mat_free(&X1);
		ls_lora_free(&L);
	}
}

/* Shrinking from r to rr: X becomes the best rank-rr approximation of X (compared with a
 * LAPACK SVD of the formed X), with balanced factors AᵀA = BᵀB diagonal. */
static void check_shrink(size_t m, size_t n, size_t r, size_t rr, int rule, uint64_t seed)
{
	ls_problem p = tt_shape(m, n);
	ls_lora L;
	ls_rng rng;
	ls_rng_seed(&rng, seed);
	assert_ok(ls_lora_alloc(&L, &p, r, rule, 3.0, NULL));
	tt_fill(&L, seed, 1.0);
	ls_mat X0 = tt_form(&L, 0), Xt;
	assert_ok(ls_mat_alloc(&Xt, m, n, NULL));
	tt_svd_shrink(&X0, rr, 0.0, &Xt, NULL);
	assert_ok(ls_lora_set_rank(&L, rr, &rng, NULL));
	assert_int_equal(L.r, rr);
	assert_int_equal(L.B[0].cols, rr);
	assert_close(L.s[0], ls_lora_scale(rule, 3.0, rr), 1e-15, 0);
	ls_mat X1 = tt_form(&L, 0);
	assert_close(tt_dist(&X1, &Xt), 0.0, 0, 1e-12 * ls_mat_norm(&X0));
	ls_mat GA, GB;
	assert_ok(ls_mat_alloc(&GA, rr, rr, NULL));
	assert_ok(ls_mat_alloc(&GB, rr, rr, NULL));
	assert_ok(ls_mat_gemm(true, false, 1.0, &L.A[0], &L.A[0], 0.0, &GA));
	assert_ok(ls_mat_gemm(true, false, 1.0, &L.B[0], &L.B[0], 0.0, &GB));
	assert_close(tt_dist(&GA, &GB), 0.0, 0, 1e-12 * ls_mat_norm(&GA));
	for (size_t j = 0; j < rr; j++)
		for (size_t i = 0; i < rr; i++)
			if (i != j)
				assert_close(LS_AT(GA, i, j), 0.0, 0, 1e-12 * ls_mat_norm(&GA));
	ls_mat_free(&GA);
	ls_mat_free(&GB);
	ls_mat_free(&X0);
	ls_mat_free(&X1);
	ls_mat_free(&Xt);
	ls_lora_free(&L);
}

static void test_shrink_eym(void **state)
{
	(void)state;
	check_shrink(12, 9, 6, 2, LS_SCALING_ONE, 5);
	check_shrink(8, 13, 5, 3, LS_SCALING_ALPHA_R, 6);
	check_shrink(10, 10, 4, 1, LS_SCALING_RSLORA, 7);
	/* factors wider than tall (r > m): the identity stands in for Q_A */
	check_shrink(3, 7, 5, 2, LS_SCALING_ONE, 8);
}

/* X of rank 2 stored at rank 5, shrunk to 3: X is kept and the third columns are zero. */
static void test_shrink_low_rank(void **state)
{
	(void)state;
	ls_problem p = tt_shape(7, 6);
	ls_lora L;
	ls_rng rng;
	ls_rng_seed(&rng, 1);
	assert_ok(ls_lora_alloc(&L, &p, 5, LS_SCALING_ONE, 1.0, NULL));
	tt_fill(&L, 9, 1.0);
	ls_mat tail = ls_mat_cols(L.A[0], 2, 3);
	ls_mat_set_zero(&tail);
	ls_mat X0 = tt_form(&L, 0);
	assert_ok(ls_lora_set_rank(&L, 3, &rng, NULL));
	ls_mat X1 = tt_form(&L, 0);
	assert_close(tt_dist(&X1, &X0), 0.0, 0, 1e-13 * ls_mat_norm(&X0));
	ls_mat a3 = ls_mat_cols(L.A[0], 2, 1), b3 = ls_mat_cols(L.B[0], 2, 1);
	assert_close(ls_mat_norm(&a3) * ls_mat_norm(&b3), 0.0, 0, 1e-12);
	ls_mat_free(&X0);
	ls_mat_free(&X1);
	ls_lora_free(&L);
}

static void test_set_rank_errors(void **state)
{
	(void)state;
	ls_problem p = tt_shape(4, 4);
	ls_lora L;
	ls_rng rng;
	ls_rng_seed(&rng, 1);
	ls_error err;
	assert_ok(ls_lora_alloc(&L, &p, 2, LS_SCALING_ONE, 1.0, NULL));
	tt_fill(&L, 2, 1.0);
	double *a = L.A[0].data;
	assert_int_equal(ls_lora_set_rank(&L, 0, &rng, &err), LS_EINVAL);
	assert_ok(ls_lora_set_rank(&L, 2, &rng, NULL));
	assert_ptr_equal(L.A[0].data, a); /* same rank: nothing happens */
	assert_int_equal(L.r, 2);
	ls_lora_free(&L);
}

/* A state built on a real problem gets its module shapes. */
static void test_alloc_on_problem(void **state)
{
	(void)state;
	ls_config c;
	tt_config(&c, LS_PROBLEM_APPROX, 6, 5, 2, 0.0);
	ls_problem p;
	tt_problem(&p, &c, 4);
	ls_lora L;
	assert_ok(ls_lora_alloc(&L, &p, 3, LS_SCALING_ONE, 1.0, NULL));
	assert_int_equal(L.nmod, p.nmod);
	assert_int_equal(L.A[0].rows, p.shape[0].m);
	assert_int_equal(L.B[0].rows, p.shape[0].n);
	ls_lora_free(&L);
	ls_problem_destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_alloc_form),
		cmocka_unit_test(test_grow_keeps_x),
		cmocka_unit_test(test_shrink_eym),
		cmocka_unit_test(test_shrink_low_rank),
		cmocka_unit_test(test_set_rank_errors),
		cmocka_unit_test(test_alloc_on_problem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
