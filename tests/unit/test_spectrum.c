/* test_spectrum.c — the cheap spectrum of s·A·Bᵀ (MATH.md §8) against a full LAPACK SVD of the
 * formed product, balancedness and norms against formed Grams, and the numerical rank (§3). */
#include "testutil.h"

#include <lapacke.h>
#include <stdlib.h>

#include "lorascope/mat.h"
#include "lorascope/rng.h"
#include "lorascope/spectrum.h"

/* σ(s·A·Bᵀ) the expensive way: form X and run dgesdd on it. */
static void full_svd(const ls_mat *A, const ls_mat *B, double s, double *sig)
{
	ls_mat X;
	assert_ok(ls_mat_alloc(&X, A->rows, B->rows, NULL));
	assert_ok(ls_mat_gemm(false, true, s, A, B, 0.0, &X));
	assert_ok(ls_mat_svd_values(&X, sig, NULL));
	ls_mat_free(&X);
}

/* below_tol: how many of the structurally nonzero singular values the numerical rank counts
 * as zero (σ_i/‖X‖_F ≤ LS_RANK_TOL, MATH.md §3). */
static void check_shape(size_t m, size_t n, size_t r, double s, size_t deficient, size_t below_tol,
			uint64_t seed)
{
	ls_rng rng;
	ls_rng_seed(&rng, seed);
	ls_mat A, B;
	assert_ok(ls_mat_alloc(&A, m, r, NULL));
	assert_ok(ls_mat_alloc(&B, n, r, NULL));
	ls_rng_fill_normal(&rng, &A, 0.0, 1.0);
	ls_rng_fill_normal(&rng, &B, 0.0, 1.0);
	/* Make the last `deficient` columns of A copies of its first column: rank drops. */
	for (size_t j = r - deficient; j < r; j++)
		for (size_t i = 0; i < m; i++)
			LS_AT(A, i, j) = 0.5 * LS_AT(A, i, 0);
	size_t k = r < m ? r : m;
	k = k < n ? k : n;
	size_t kfull = m < n ? m : n;
	double *cheap = calloc(k, sizeof(double)), *ref = calloc(kfull, sizeof(double));
	assert_non_null(cheap);
	assert_non_null(ref);
	ls_spectrum_ws *ws;
	assert_ok(ls_spectrum_ws_alloc(&ws, m, n, r, NULL));
	double gd, na, nb;
	assert_ok(ls_spectrum_lowrank(ws, &A, &B, s, cheap, &gd, &na, &nb, NULL));
	full_svd(&A, &B, s, ref);
	for (size_t i = 0; i < k; i++)
		assert_close(cheap[i], ref[i], 1e-10, 1e-11 * ref[0]);
	for (size_t i = k; i < kfull; i++)
		assert_true(ref[i] <= 1e-10 * ref[0]);
	/* Numerical rank: min(r, m, n) minus the deficient columns (when A had spare rank),
	 * minus the values below the tolerance. */
	size_t want = k;
	size_t rank_a = (r - deficient) < m ? (r - deficient) : m;
	if (rank_a < want)
		want = rank_a;
	want -= below_tol;
	assert_int_equal(ls_spectrum_rank(cheap, k), want);
	assert_int_equal(ls_spectrum_rank(ref, kfull), want);
	/* Balancedness and norms against formed r×r Grams. */
	ls_mat G;
	assert_ok(ls_mat_alloc(&G, r, r, NULL));
	assert_ok(ls_mat_gemm(true, false, 1.0, &A, &A, 0.0, &G));
	assert_ok(ls_mat_gemm(true, false, -1.0, &B, &B, 1.0, &G));
	assert_close(gd, ls_mat_norm(&G), 1e-10, 1e-12);
	assert_close(na, ls_mat_norm(&A), 1e-12, 0);
	assert_close(nb, ls_mat_norm(&B), 1e-12, 0);
	ls_mat_free(&G);
	ls_spectrum_ws_free(ws);
	free(cheap);
	free(ref);
	ls_mat_free(&A);
	ls_mat_free(&B);
}

static void test_tall_wide_square(void **state)
{
	(void)state;
	check_shape(40, 30, 5, 0.7, 0, 0, 1);
	check_shape(25, 60, 7, 2.5, 0, 0, 2);
	/* A product of two square Gaussians is nearly singular: here σ_32/‖X‖_F = 4.7e-5, so
	 * the numerical rank is 31 (σ_32/σ_1 = 1.1e-4 is not the paper's rule). */
	check_shape(32, 32, 32, 1.0, 0, 1, 3);
	check_shape(50, 45, 1, -1.5, 0, 0, 4);
}

static void test_rank_above_dims(void **state)
{
	(void)state;
	check_shape(6, 9, 12, 0.25, 0, 0, 5); /* r > m: R_A = A itself */
	check_shape(11, 4, 8, 3.0, 0, 0, 6);  /* r > n */
}

static void test_rank_deficient(void **state)
{
	(void)state;
	check_shape(40, 35, 8, 1.3, 3, 0, 7);
	check_shape(30, 50, 6, 0.5, 1, 0, 8);
}

static void test_workspace_bounds(void **state)
{
	(void)state;
	ls_spectrum_ws *ws;
	assert_ok(ls_spectrum_ws_alloc(&ws, 10, 10, 2, NULL));
	ls_mat A, B;
	assert_ok(ls_mat_alloc(&A, 10, 3, NULL));
	assert_ok(ls_mat_alloc(&B, 10, 3, NULL));
	double sig[3];
	ls_error err;
	assert_int_equal(ls_spectrum_lowrank(ws, &A, &B, 1.0, sig, NULL, NULL, NULL, &err),
			 LS_EDIM);
	/* Zero factors: all singular values zero, rank 0. */
	ls_mat A2 = ls_mat_cols(A, 0, 2), B2 = ls_mat_cols(B, 0, 2);
	double gd = -1;
	assert_ok(ls_spectrum_lowrank(ws, &A2, &B2, 1.0, sig, &gd, NULL, NULL, NULL));
	assert_true(sig[0] == 0.0 && sig[1] == 0.0 && gd == 0.0);
	assert_int_equal(ls_spectrum_rank(sig, 2), 0);
	ls_mat_free(&A);
	ls_mat_free(&B);
	ls_spectrum_ws_free(ws);
}

static void test_numerical_rank_rule(void **state)
{
	(void)state;
	/* σ_i/‖σ‖_2 > LS_RANK_TOL (MATH.md §3); ‖a‖_2 ≈ 2: 2.1e-4/2 > 1e-4, 1.9e-4/2 < 1e-4 */
	const double a[] = { 2.0, 1e-3, 2.1e-4, 1.9e-4, 0.0 };
	assert_int_equal(ls_spectrum_rank(a, 5), 3);
	assert_int_equal(ls_spectrum_rank(a, 1), 1);
	assert_int_equal(ls_spectrum_rank(a, 0), 0);
	const double b[] = { 1.0, 1e-4 };
	assert_int_equal(ls_spectrum_rank(b, 2), 1); /* 1e-4/‖b‖_2 is just under: zero */
	/* Relative to ‖X‖_F, not to σ_1: 1.5e-4/2 < 1e-4 < 1.5e-4/1, in any order. */
	const double c[] = { 1.0, 1.0, 1.0, 1.0, 1.5e-4 }, d[] = { 1.5e-4, 1.0, 1.0, 1.0, 1.0 };
	assert_int_equal(ls_spectrum_rank(c, 5), 4);
	assert_int_equal(ls_spectrum_rank(d, 5), 4);
	const double e[] = { NAN, 1.0 }, f[] = { INFINITY, 1.0 };
	assert_int_equal(ls_spectrum_rank(e, 2), 0);
	assert_int_equal(ls_spectrum_rank(f, 2), 0);
	/* σ² overflows here, ‖X‖_F does not: still rank 2 (a run on its way to diverging). */
	const double g[] = { 1e200, 1e197, 1e195 };
	assert_int_equal(ls_spectrum_rank(g, 3), 2);
}

static void test_fro_without_cancellation(void **state)
{
	(void)state;
	/* [A, A + δE]·[B, −B]ᵀ = −δ·E·Bᵀ: a product that nearly cancels. The QR-core norm must
	 * find ‖δ·E·Bᵀ‖ (formed directly, no cancellation) to many digits, where the Gram
	 * formula would only give about sqrt(eps)·‖A‖·‖B‖. */
	const size_t m = 30, n = 25, r = 4;
	const double delta = 1e-9, s = 1.7;
	ls_rng rng;
	ls_rng_seed(&rng, 9);
	ls_mat A2, B2, E, D;
	assert_ok(ls_mat_alloc(&A2, m, 2 * r, NULL));
	assert_ok(ls_mat_alloc(&B2, n, 2 * r, NULL));
	assert_ok(ls_mat_alloc(&E, m, r, NULL));
	assert_ok(ls_mat_alloc(&D, m, n, NULL));
	ls_mat A = ls_mat_cols(A2, 0, r), Ad = ls_mat_cols(A2, r, r);
	ls_mat B = ls_mat_cols(B2, 0, r), Bm = ls_mat_cols(B2, r, r);
	ls_rng_fill_normal(&rng, &A, 0, 1);
	ls_rng_fill_normal(&rng, &B, 0, 1);
	ls_rng_fill_normal(&rng, &E, 0, 1);
	for (size_t j = 0; j < r; j++) {
		for (size_t i = 0; i < m; i++)
			LS_AT(Ad, i, j) = LS_AT(A, i, j) + delta * LS_AT(E, i, j);
		for (size_t i = 0; i < n; i++)
			LS_AT(Bm, i, j) = -LS_AT(B, i, j);
	}
	/* A + δE is rounded: take the δE that was actually stored as the truth. */
	for (size_t j = 0; j < r; j++)
		for (size_t i = 0; i < m; i++)
			LS_AT(E, i, j) = LS_AT(Ad, i, j) - LS_AT(A, i, j);
	assert_ok(ls_mat_gemm(false, true, s, &E, &B, 0.0, &D));
	ls_spectrum_ws *ws;
	assert_ok(ls_spectrum_ws_alloc(&ws, m, n, 2 * r, NULL));
	double fro;
	assert_ok(ls_spectrum_fro(ws, &A2, &B2, s, &fro, NULL));
	assert_close(fro, ls_mat_norm(&D), 1e-5, 0);
	/* And on a plain product it is the norm of the formed matrix. */
	assert_ok(ls_mat_gemm(false, true, -0.5, &A, &B, 0.0, &D));
	ls_mat A1 = ls_mat_cols(A2, 0, r), B1 = ls_mat_cols(B2, 0, r);
	assert_ok(ls_spectrum_fro(ws, &A1, &B1, -0.5, &fro, NULL));
	assert_close(fro, ls_mat_norm(&D), 1e-13, 0);
	ls_spectrum_ws_free(ws);
	ls_mat_free(&A2);
	ls_mat_free(&B2);
	ls_mat_free(&E);
	ls_mat_free(&D);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tall_wide_square),
		cmocka_unit_test(test_rank_above_dims),
		cmocka_unit_test(test_rank_deficient),
		cmocka_unit_test(test_workspace_bounds),
		cmocka_unit_test(test_numerical_rank_rule),
		cmocka_unit_test(test_fro_without_cancellation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
