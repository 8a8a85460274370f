/* test_mat.c — matrices: views, BLAS wrappers against hand loops, SVD/QR/eig identities, extreme
 * eigenpairs of tridiagonal matrices, the finiteness check. */
#include <float.h>
#include <math.h>

#include "testutil.h"

#include "lorascope/mat.h"
#include "lorascope/rng.h"

static void fill(ls_mat *M, uint64_t seed)
{
	ls_rng r;
	ls_rng_seed(&r, seed);
	ls_rng_fill_normal(&r, M, 0.0, 1.0);
}

static void test_gemm_matches_loops(void **state)
{
	(void)state;
	ls_mat A, B, C;
	assert_ok(ls_mat_alloc(&A, 7, 5, NULL));
	assert_ok(ls_mat_alloc(&B, 4, 5, NULL));
	assert_ok(ls_mat_alloc(&C, 7, 4, NULL));
	fill(&A, 1);
	fill(&B, 2);
	assert_ok(ls_mat_gemm(false, true, 2.0, &A, &B, 0.0, &C));
	for (size_t i = 0; i < 7; i++)
		for (size_t j = 0; j < 4; j++) {
			double s = 0;
			for (size_t k = 0; k < 5; k++)
				s += LS_AT(A, i, k) * LS_AT(B, j, k);
			assert_close(LS_AT(C, i, j), 2 * s, 1e-13, 1e-13);
		}
	assert_int_equal(ls_mat_gemm(false, false, 1.0, &A, &B, 0.0, &C), LS_EDIM);
	ls_mat_free(&A);
	ls_mat_free(&B);
	ls_mat_free(&C);
}

static void test_views_share_storage(void **state)
{
	(void)state;
	ls_mat M;
	assert_ok(ls_mat_alloc(&M, 6, 6, NULL));
	fill(&M, 3);
	ls_mat V = ls_mat_block(M, 1, 2, 3, 2);
	assert_false(V.owner);
	assert_true(V.ld == 6);
	assert_true(LS_AT(V, 0, 0) == LS_AT(M, 1, 2));
	assert_true(LS_AT(V, 2, 1) == LS_AT(M, 3, 3));
	ls_mat_scale(&V, 0.0);
	assert_true(LS_AT(M, 2, 3) == 0.0);
	assert_true(LS_AT(M, 0, 2) != 0.0);
	/* Frobenius norm of a strided view equals the hand-computed one. */
	ls_mat W = ls_mat_block(M, 0, 0, 4, 5);
	double s = 0;
	for (size_t j = 0; j < 5; j++)
		for (size_t i = 0; i < 4; i++)
			s += LS_AT(W, i, j) * LS_AT(W, i, j);
	assert_close(ls_mat_norm(&W), sqrt(s), 1e-14, 0);
	assert_close(ls_mat_dot(&W, &W), s, 1e-14, 0);
	ls_mat_free(&M);
	assert_null(M.data);
}

static void test_svd_reconstructs(void **state)
{
	(void)state;
	ls_mat A, A0, U, Vt, US;
	double s[5];
	assert_ok(ls_mat_alloc(&A, 8, 5, NULL));
	assert_ok(ls_mat_alloc(&A0, 8, 5, NULL));
	assert_ok(ls_mat_alloc(&U, 8, 5, NULL));
	assert_ok(ls_mat_alloc(&Vt, 5, 5, NULL));
	assert_ok(ls_mat_alloc(&US, 8, 5, NULL));
	fill(&A, 4);
	ls_mat_copy(&A0, &A);
	double fro = ls_mat_norm(&A);
	assert_ok(ls_mat_svd(&A, s, &U, &Vt, NULL));
	double ss = 0;
	for (int i = 0; i < 5; i++) {
		ss += s[i] * s[i];
		if (i)
			assert_true(s[i] <= s[i - 1]);
	}
	assert_close(sqrt(ss), fro, 1e-13, 0);
	ls_mat_copy(&US, &U);
	for (size_t j = 0; j < 5; j++)
		for (size_t i = 0; i < 8; i++)
			LS_AT(US, i, j) *= s[j];
	assert_ok(ls_mat_gemm(false, false, 1.0, &US, &Vt, -1.0, &A0));
	assert_true(ls_mat_norm(&A0) < 1e-12 * fro);
	ls_mat_free(&A);
	ls_mat_free(&A0);
	ls_mat_free(&U);
	ls_mat_free(&Vt);
	ls_mat_free(&US);
}

static void test_qr_and_eig(void **state)
{
	(void)state;
	ls_mat A, Q, R, QtQ, S;
	double w[4];
	assert_ok(ls_mat_alloc(&A, 9, 4, NULL));
	assert_ok(ls_mat_alloc(&Q, 9, 4, NULL));
	assert_ok(ls_mat_alloc(&R, 4, 4, NULL));
	assert_ok(ls_mat_alloc(&QtQ, 4, 4, NULL));
	assert_ok(ls_mat_alloc(&S, 4, 4, NULL));
	fill(&A, 5);
	ls_mat_copy(&Q, &A);
	assert_ok(ls_mat_qr(&Q, &R, NULL));
	assert_ok(ls_mat_gemm(true, false, 1.0, &Q, &Q, 0.0, &QtQ));
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 4; j++)
			assert_close(LS_AT(QtQ, i, j), i == j, 0, 1e-13);
	assert_ok(ls_mat_gemm(false, false, 1.0, &Q, &R, -1.0, &A));
	assert_true(ls_mat_norm(&A) < 1e-12);
	/* eig of RᵀR = squares of the singular values of R; its trace is ‖R‖². */
	assert_ok(ls_mat_gemm(true, false, 1.0, &R, &R, 0.0, &S));
	double tr = ls_mat_trace(&S);
	assert_ok(ls_mat_sym_eig(&S, w, false, NULL));
	assert_close(w[0] + w[1] + w[2] + w[3], tr, 1e-13, 0);
	assert_true(w[0] > 0 && w[0] <= w[3]);
	ls_mat_free(&A);
	ls_mat_free(&Q);
	ls_mat_free(&R);
	ls_mat_free(&QtQ);
	ls_mat_free(&S);
}

/* One tridiagonal case: ls_tridiag_extremes against the dense eigensolver (values, and the
 * last entries of the unit eigenvectors up to sign). */
static void check_tridiag(const double *d, const double *e, size_t n)
{
	ls_mat T;
	double w[8], ext[2], last[2];
	assert_ok(ls_mat_alloc(&T, n, n, NULL));
	ls_mat_set_zero(&T);
	for (size_t i = 0; i < n; i++) {
		LS_AT(T, i, i) = d[i];
		if (i + 1 < n)
			LS_AT(T, i, i + 1) = LS_AT(T, i + 1, i) = e[i];
	}
	assert_ok(ls_mat_sym_eig(&T, w, true, NULL));
	assert_ok(ls_tridiag_extremes(d, e, n, ext, last, NULL));
	assert_close(ext[0], w[0], 0, 1e-13);
	assert_close(ext[1], w[n - 1], 0, 1e-13);
	assert_close(fabs(last[0]), fabs(LS_AT(T, n - 1, 0)), 0, 1e-10);
	assert_close(fabs(last[1]), fabs(LS_AT(T, n - 1, n - 1)), 0, 1e-10);
	ls_mat_free(&T);
}

/* Extreme eigenpairs of tridiagonal matrices (Lanczos's test of convergence): random, one
 * split in two blocks with the lowest eigenvalue in the second block and the highest in the
 * first (last entry 0 for the first block's vector), and 1×1. */
static void test_tridiag_extremes(void **state)
{
	(void)state;
	double d[7] = { 1.0, -0.5, 2.0, 0.3, -1.2, 0.8, 0.1 };
	double e[6] = { 0.7, -0.4, 0.9, 0.2, -0.6, 0.5 };
	check_tridiag(d, e, 7);
	double ds[5] = { 5.0, 4.0, -3.0, -2.0, 0.0 }, es[4] = { 0.5, 0.0, 0.3, 0.2 };
	check_tridiag(ds, es, 5);
	double ext[2], last[2];
	assert_ok(ls_tridiag_extremes(ds, es, 5, ext, last, NULL));
	assert_true(ext[1] > 5.0 && last[1] == 0.0);
	check_tridiag(d, e, 1);
}

static void test_alloc_refuses_huge(void **state)
{
	(void)state;
	ls_mat M;
	ls_error err;
	assert_int_equal(ls_mat_alloc(&M, (size_t)1 << 20, (size_t)1 << 20, &err), LS_ETOOBIG);
	assert_null(M.data);
	assert_non_null(strstr(err.msg, "size limit"));
}

/* ls_mat_isfinite: true on finite entries however extreme (DBL_MAX, −0, subnormals), false
 * on one Inf, −Inf or NaN anywhere (in a vector lane or a column's tail), and entries past
 * the rows of a view (ld > rows) are not looked at. */
static void test_isfinite(void **state)
{
	(void)state;
	const size_t rows = 7, cols = 3, ld = 9;
	double store[9 * 3];
	for (size_t e = 0; e < ld * cols; e++)
		store[e] = NAN;
	ls_mat V = ls_mat_view(store, rows, cols, ld);
	const double fine[] = { DBL_MAX, -DBL_MAX, -0.0, 4.9e-324, 1.0, -3.5, 0.0 };
	for (size_t j = 0; j < cols; j++)
		for (size_t i = 0; i < rows; i++)
			LS_AT(V, i, j) = fine[(i + j) % 7];
	assert_true(ls_mat_isfinite(&V));
	const double bad[] = { INFINITY, -INFINITY, NAN };
	for (size_t b = 0; b < 3; b++)
		for (size_t j = 0; j < cols; j++)
			for (size_t i = 0; i < rows; i++) {
				double keep = LS_AT(V, i, j);
				LS_AT(V, i, j) = bad[b];
				assert_false(ls_mat_isfinite(&V));
				LS_AT(V, i, j) = keep;
			}
	assert_true(ls_mat_isfinite(&V));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gemm_matches_loops),
		cmocka_unit_test(test_views_share_storage),
		cmocka_unit_test(test_svd_reconstructs),
		cmocka_unit_test(test_qr_and_eig),
		cmocka_unit_test(test_tridiag_extremes),
		cmocka_unit_test(test_alloc_refuses_huge),
		cmocka_unit_test(test_isfinite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
