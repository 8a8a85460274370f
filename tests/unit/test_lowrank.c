/* test_lowrank.c — ls_lowrank against dense LAPACK on the formed ΔW = s·A·Bᵀ: singular values,
 * the subspaces of U and V (through projectors), the reconstruction; effective, energy and
 * noise ranks on hand-computed spectra and a planted spike in noise; the drift and principal
 * angles against ‖ΔW2 − ΔW1‖_F and the SVD of Q1ᵀQ2 of orthonormalised dense column spaces. */
#include "testutil.h"

#include <stdlib.h>

#include "lorascope/lowrank.h"
#include "lorascope/mat.h"
#include "lorascope/rng.h"
#include "lorascope/spectrum.h"

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t x = a < b ? a : b;
	return x < c ? x : c;
}

static void factors(size_t m, size_t n, size_t r, uint64_t seed, ls_mat *A, ls_mat *B)
{
	ls_rng rng;
	ls_rng_seed(&rng, seed);
	assert_ok(ls_mat_alloc(A, m, r, NULL));
	assert_ok(ls_mat_alloc(B, n, r, NULL));
	ls_rng_fill_normal(&rng, A, 0.0, 1.0);
	ls_rng_fill_normal(&rng, B, 0.0, 1.0);
}

static void formed(const ls_mat *A, const ls_mat *B, double s, ls_mat *X)
{
	assert_ok(ls_mat_alloc(X, A->rows, B->rows, NULL));
	assert_ok(ls_mat_gemm(false, true, s, A, B, 0.0, X));
}

/* ‖P1 − P2‖_F for the projectors onto the spans of the first j columns of U1 and U2. */
static double projector_gap(const ls_mat *U1, const ls_mat *U2, size_t j)
{
	size_t m = U1->rows;
	ls_mat P, V1 = ls_mat_cols(*U1, 0, j), V2 = ls_mat_cols(*U2, 0, j);
	assert_ok(ls_mat_alloc(&P, m, m, NULL));
	assert_ok(ls_mat_gemm(false, true, 1.0, &V1, &V1, 0.0, &P));
	assert_ok(ls_mat_gemm(false, true, -1.0, &V2, &V2, 1.0, &P));
	double gap = ls_mat_norm(&P);
	ls_mat_free(&P);
	return gap;
}

/* ‖UᵀU − I‖_F */
static double orthonormality(const ls_mat *U)
{
	ls_mat G;
	assert_ok(ls_mat_alloc(&G, U->cols, U->cols, NULL));
	assert_ok(ls_mat_gemm(true, false, 1.0, U, U, 0.0, &G));
	for (size_t i = 0; i < U->cols; i++)
		LS_AT(G, i, i) -= 1.0;
	double e = ls_mat_norm(&G);
	ls_mat_free(&G);
	return e;
}

static void check_triplets(size_t m, size_t n, size_t r, double s, uint64_t seed)
{
	ls_mat A, B, X, Xw, Ud, Vtd, Vd;
	factors(m, n, r, seed, &A, &B);
	ls_lowrank L;
	assert_ok(ls_lowrank_compute(&L, &A, &B, s, true, NULL));
	size_t k = min3(r, m, n), kd = m < n ? m : n;
	assert_int_equal(L.k, k);
	assert_int_equal(L.U.rows, m);
	assert_int_equal(L.U.cols, k);
	assert_int_equal(L.V.rows, n);
	assert_int_equal(L.V.cols, k);
	formed(&A, &B, s, &X);
	assert_ok(ls_mat_alloc(&Xw, m, n, NULL));
	assert_ok(ls_mat_copy(&Xw, &X));
	assert_ok(ls_mat_alloc(&Ud, m, kd, NULL));
	assert_ok(ls_mat_alloc(&Vtd, kd, n, NULL));
	assert_ok(ls_mat_alloc(&Vd, n, kd, NULL));
	double *sd = calloc(kd, sizeof *sd);
	assert_non_null(sd);
	assert_ok(ls_mat_svd(&Xw, sd, &Ud, &Vtd, NULL));
	assert_ok(ls_mat_transpose(&Vd, &Vtd));
	for (size_t i = 0; i < k; i++)
		assert_close(L.sigma[i], sd[i], 1e-10, 1e-12 * sd[0]);
	assert_true(orthonormality(&L.U) < 1e-12);
	assert_true(orthonormality(&L.V) < 1e-12);
	/* The leading j-dimensional subspaces (random spectra have gaps) agree with LAPACK's. */
	size_t rank = ls_spectrum_rank(L.sigma, k);
	for (size_t j = 1; j <= rank; j++) {
		assert_true(projector_gap(&L.U, &Ud, j) < 1e-9);
		assert_true(projector_gap(&L.V, &Vd, j) < 1e-9);
	}
	/* U·diag(σ)·Vᵀ is ΔW, sign of s included. */
	ls_mat US;
	assert_ok(ls_mat_alloc(&US, m, k, NULL));
	assert_ok(ls_mat_copy(&US, &L.U));
	for (size_t j = 0; j < k; j++)
		for (size_t i = 0; i < m; i++)
			LS_AT(US, i, j) *= L.sigma[j];
	double fx = ls_mat_norm(&X);
	assert_ok(ls_mat_gemm(false, true, -1.0, &US, &L.V, 1.0, &X));
	assert_true(ls_mat_norm(&X) <= 1e-12 * fx);
	/* Without bases: the same σ, bit for bit, and no U, V. */
	ls_lowrank L2;
	assert_ok(ls_lowrank_compute(&L2, &A, &B, s, false, NULL));
	assert_null(L2.U.data);
	assert_null(L2.V.data);
	assert_memory_equal(L2.sigma, L.sigma, k * sizeof(double));
	ls_lowrank_free(&L2);
	ls_lowrank_free(&L);
	free(sd);
	ls_mat_free(&US);
	ls_mat_free(&A);
	ls_mat_free(&B);
	ls_mat_free(&X);
	ls_mat_free(&Xw);
	ls_mat_free(&Ud);
	ls_mat_free(&Vtd);
	ls_mat_free(&Vd);
}

static void test_triplets(void **state)
{
	(void)state;
	check_triplets(40, 30, 5, 2.0, 1);
	check_triplets(30, 40, 5, -0.7, 2);
	check_triplets(6, 50, 8, 1.0, 3); /* r > m: U from the core alone */
	check_triplets(50, 6, 8, 1.5, 4); /* r > n */
	check_triplets(64, 64, 1, 3.0, 5);
}

static void test_effective_rank(void **state)
{
	(void)state;
	assert_close(ls_lowrank_effective_rank((double[]){ 1, 1, 1, 1 }, 4), 4.0, 1e-15, 0);
	/* p = (3/4, 1/4): exp(−(¾ ln ¾ + ¼ ln ¼)) (python3 math). */
	assert_close(ls_lowrank_effective_rank((double[]){ 3, 1 }, 2), 1.7547653506033232, 1e-14,
		     0);
	assert_close(ls_lowrank_effective_rank((double[]){ 4, 2, 1, 1 }, 4), 3.363585661014858,
		     1e-14, 0);
	assert_close(ls_lowrank_effective_rank((double[]){ 2, 0, 0 }, 3), 1.0, 1e-15, 0);
	/* Scale-free, also for values that would overflow a plain sum of squares. */
	assert_close(ls_lowrank_effective_rank((double[]){ 3e300, 1e300 }, 2), 1.7547653506033232,
		     1e-14, 0);
	assert_true(ls_lowrank_effective_rank((double[]){ 0, 0 }, 2) == 0.0);
	assert_true(ls_lowrank_effective_rank(NULL, 0) == 0.0);
	assert_true(isnan(ls_lowrank_effective_rank((double[]){ 1, NAN }, 2)));
}

static void test_energy_rank(void **state)
{
	(void)state;
	const double s[] = { 3, 2, 1 }; /* squares 9, 4, 1 of 14 */
	assert_int_equal(ls_lowrank_energy_rank(s, 3, 0.5), 1);
	assert_int_equal(ls_lowrank_energy_rank(s, 3, 0.64), 1); /* 9/14 = 0.643 */
	assert_int_equal(ls_lowrank_energy_rank(s, 3, 0.65), 2);
	assert_int_equal(ls_lowrank_energy_rank(s, 3, 0.9), 2);  /* 13/14 = 0.929 */
	assert_int_equal(ls_lowrank_energy_rank(s, 3, 0.99), 3); /* 13.86 > 13 */
	assert_int_equal(ls_lowrank_energy_rank(s, 3, 1.0), 3);
	assert_int_equal(ls_lowrank_energy_rank((double[]){ 0, 0 }, 2, 0.9), 0);
	assert_int_equal(ls_lowrank_energy_rank((double[]){ 1, INFINITY }, 2, 0.9), 0);
}

static void test_noise_rank(void **state)
{
	(void)state;
	/* ‖σ‖_2 = 10.5; edge = 10.5·(1/√m + 1/√n). */
	const double s[] = { 10, 3, 1, 0.5 };
	assert_int_equal(ls_lowrank_noise_rank(s, 4, 100, 100), 2);     /* edge 2.1 */
	assert_int_equal(ls_lowrank_noise_rank(s, 4, 10000, 100), 2);   /* edge 1.155 */
	assert_int_equal(ls_lowrank_noise_rank(s, 4, 10000, 10000), 4); /* edge 0.21 */
	assert_int_equal(ls_lowrank_noise_rank(s, 4, 4, 4), 0);         /* edge 10.5 */
	assert_int_equal(ls_lowrank_noise_rank((double[]){ 0, 0 }, 2, 10, 10), 0);
	assert_int_equal(ls_lowrank_noise_rank(s, 4, 0, 10), 0);
	assert_int_equal(ls_lowrank_noise_rank((double[]){ NAN, 1 }, 2, 10, 10), 0);
}

/* The rule's meaning: a rank-2 spike (σ 60, 40) in 200×100 iid N(0, 1) noise (whose largest
 * σ is about √200 + √100 = 24.1) keeps the spike and nothing of the noise. */
static void test_noise_rank_spike(void **state)
{
	(void)state;
	size_t m = 200, n = 100;
	ls_rng rng;
	ls_rng_seed(&rng, 7);
	ls_mat X, u, v;
	assert_ok(ls_mat_alloc(&X, m, n, NULL));
	assert_ok(ls_mat_alloc(&u, m, 2, NULL));
	assert_ok(ls_mat_alloc(&v, n, 2, NULL));
	ls_rng_fill_normal(&rng, &X, 0.0, 1.0);
	ls_rng_fill_normal(&rng, &u, 0.0, 1.0);
	ls_rng_fill_normal(&rng, &v, 0.0, 1.0);
	ls_mat R;
	assert_ok(ls_mat_alloc(&R, 2, 2, NULL));
	assert_ok(ls_mat_qr(&u, &R, NULL));
	assert_ok(ls_mat_qr(&v, &R, NULL));
	for (size_t j = 0; j < 2; j++)
		for (size_t i = 0; i < m; i++)
			LS_AT(u, i, j) *= j ? 40.0 : 60.0;
	assert_ok(ls_mat_gemm(false, true, 1.0, &u, &v, 1.0, &X));
	double sig[100];
	assert_ok(ls_mat_svd_values(&X, sig, NULL));
	assert_true(sig[2] > 20.0); /* the noise's top value is close to the edge */
	assert_int_equal(ls_lowrank_noise_rank(sig, n, m, n), 2);
	ls_mat_free(&X);
	ls_mat_free(&u);
	ls_mat_free(&v);
	ls_mat_free(&R);
}

/* Orthonormal basis of the column space of X (numerical rank, MATH.md §3) from a dense SVD. */
static ls_mat dense_basis(const ls_mat *X)
{
	size_t m = X->rows, n = X->cols, kd = m < n ? m : n;
	ls_mat W, U, Vt, out;
	assert_ok(ls_mat_alloc(&W, m, n, NULL));
	assert_ok(ls_mat_copy(&W, X));
	assert_ok(ls_mat_alloc(&U, m, kd, NULL));
	assert_ok(ls_mat_alloc(&Vt, kd, n, NULL));
	double *s = calloc(kd, sizeof *s);
	assert_non_null(s);
	assert_ok(ls_mat_svd(&W, s, &U, &Vt, NULL));
	size_t p = ls_spectrum_rank(s, kd);
	ls_mat cols = ls_mat_cols(U, 0, p);
	assert_ok(ls_mat_alloc(&out, m, p, NULL));
	assert_ok(ls_mat_copy(&out, &cols));
	free(s);
	ls_mat_free(&W);
	ls_mat_free(&U);
	ls_mat_free(&Vt);
	return out;
}

/* Principal angles of two orthonormal bases, ascending: acos of σ(Q1ᵀQ2). */
static size_t dense_angles(const ls_mat *Q1, const ls_mat *Q2, double *angles)
{
	ls_mat C;
	size_t a = Q1->cols < Q2->cols ? Q1->cols : Q2->cols;
	assert_ok(ls_mat_alloc(&C, Q1->cols, Q2->cols, NULL));
	assert_ok(ls_mat_gemm(true, false, 1.0, Q1, Q2, 0.0, &C));
	assert_ok(ls_mat_svd_values(&C, angles, NULL));
	for (size_t i = 0; i < a; i++)
		angles[i] = acos(fmin(1.0, angles[i]));
	ls_mat_free(&C);
	return a;
}

/* P = s1·A1·B1ᵀ and Q = s2·A2·B2ᵀ (ranks r1, r2; A2 = A1 + eps·noise when eps > 0). */
static void check_drift(size_t m, size_t n, size_t r1, size_t r2, double eps, uint64_t seed)
{
	ls_mat A1, B1, A2, B2, X1, X2;
	factors(m, n, r1, seed, &A1, &B1);
	factors(m, n, r2, seed + 100, &A2, &B2);
	if (eps > 0) {
		assert_int_equal(r1, r2);
		ls_mat_scale(&A2, eps);
		ls_mat_scale(&B2, eps);
		assert_ok(ls_mat_axpy(&A2, 1.0, &A1));
		assert_ok(ls_mat_axpy(&B2, 1.0, &B1));
	}
	ls_lowrank P, Q;
	assert_ok(ls_lowrank_compute(&P, &A1, &B1, 1.5, true, NULL));
	assert_ok(ls_lowrank_compute(&Q, &A2, &B2, -0.5, true, NULL));
	formed(&A1, &B1, 1.5, &X1);
	formed(&A2, &B2, -0.5, &X2);
	ls_mat Q1 = dense_basis(&X1), Q2 = dense_basis(&X2);
	double fp = ls_mat_norm(&X1);
	assert_ok(ls_mat_axpy(&X2, -1.0, &X1));
	double want = ls_mat_norm(&X2) / fp;
	double rel, angles[64], ref[64];
	size_t na;
	const char *why = "unset";
	assert_ok(ls_lowrank_drift(&P, &Q, &rel, angles, &na, &why, NULL));
	assert_null(why);
	assert_close(rel, want, 1e-10, 1e-13);
	size_t nref = dense_angles(&Q1, &Q2, ref);
	assert_int_equal(na, nref);
	/* acos loses half the digits near 0 (an error up to √(2·eps) ≈ 1.5e-8). */
	for (size_t i = 0; i < na; i++) {
		assert_close(angles[i], ref[i], 0, 1e-7);
		assert_true(i == 0 || angles[i] >= angles[i - 1]);
	}
	/* Spans of dimensions r1 and r2 in R^m share at least r1 + r2 − m directions (angle 0
	 * but for acos's √(2·eps)). */
	for (size_t i = 0; i + m < r1 + r2 && m < n; i++)
		assert_true(angles[i] < 3e-8);
	ls_lowrank_free(&P);
	ls_lowrank_free(&Q);
	ls_mat_free(&A1);
	ls_mat_free(&B1);
	ls_mat_free(&A2);
	ls_mat_free(&B2);
	ls_mat_free(&X1);
	ls_mat_free(&X2);
	ls_mat_free(&Q1);
	ls_mat_free(&Q2);
}

static void test_drift_dense(void **state)
{
	(void)state;
	check_drift(40, 30, 4, 6, 0, 11);    /* different ranks: 4 angles */
	check_drift(30, 40, 6, 3, 0, 12);    /* 3 angles */
	check_drift(8, 30, 5, 6, 0, 13);     /* the stacked factors are wider than m */
	check_drift(50, 50, 5, 5, 1e-4, 14); /* small angles, small drift */
}

static void test_drift_identical(void **state)
{
	(void)state;
	ls_mat A, B;
	factors(60, 50, 8, 21, &A, &B);
	ls_lowrank P, Q;
	assert_ok(ls_lowrank_compute(&P, &A, &B, 2.0, true, NULL));
	assert_ok(ls_lowrank_compute(&Q, &A, &B, 2.0, true, NULL));
	double rel = 1, angles[8];
	size_t na;
	const char *why;
	assert_ok(ls_lowrank_drift(&P, &Q, &rel, angles, &na, &why, NULL));
	assert_true(rel == 0.0);
	assert_int_equal(na, 8);
	for (size_t i = 0; i < na; i++)
		assert_true(angles[i] == 0.0);
	assert_null(why);
	assert_ok(ls_lowrank_drift(&P, &P, &rel, angles, &na, &why, NULL));
	assert_true(rel == 0.0);
	ls_lowrank_free(&P);
	ls_lowrank_free(&Q);
	ls_mat_free(&A);
	ls_mat_free(&B);
}

static void test_drift_degenerate(void **state)
{
	(void)state;
	ls_mat A, B, Z, A2, B2;
	factors(20, 10, 3, 31, &A, &B);
	assert_ok(ls_mat_alloc(&Z, 20, 3, NULL)); /* B_peft = 0: ΔW = 0 */
	ls_lowrank P, Q, Zr;
	assert_ok(ls_lowrank_compute(&P, &A, &B, 1.0, true, NULL));
	assert_ok(ls_lowrank_compute(&Zr, &Z, &B, 1.0, true, NULL));
	double rel, angles[3];
	size_t na;
	const char *why;
	/* P = 0: no relative change, said why. */
	assert_ok(ls_lowrank_drift(&Zr, &P, &rel, angles, &na, &why, NULL));
	assert_true(isnan(rel));
	assert_int_equal(na, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, "reference dW = 0"));
	/* Q = 0: all of P went, no column space to compare. */
	assert_ok(ls_lowrank_drift(&P, &Zr, &rel, angles, &na, &why, NULL));
	assert_close(rel, 1.0, 1e-12, 0);
	assert_int_equal(na, 0);
	assert_string_equal(why, "dW = 0");
	/* Non-finite factors. */
	LS_AT(A, 0, 0) = NAN;
	assert_ok(ls_lowrank_compute(&Q, &A, &B, 1.0, true, NULL));
	assert_true(isnan(Q.sigma[0]));
	assert_null(Q.U.data);
	assert_ok(ls_lowrank_drift(&P, &Q, &rel, angles, &na, &why, NULL));
	assert_true(isnan(rel));
	assert_string_equal(why, "non-finite singular values");
	ls_lowrank_free(&Q);
	/* Shapes differ; no bases. */
	factors(21, 10, 3, 32, &A2, &B2);
	ls_error err;
	assert_ok(ls_lowrank_compute(&Q, &A2, &B2, 1.0, true, NULL));
	assert_int_equal(ls_lowrank_drift(&P, &Q, &rel, angles, &na, &why, &err), LS_EDIM);
	assert_non_null(strstr(err.msg, "20x10"));
	ls_lowrank_free(&Q);
	ls_mat_free(&A2);
	ls_mat_free(&B2);
	factors(20, 10, 3, 33, &A2, &B2);
	assert_ok(ls_lowrank_compute(&Q, &A2, &B2, 1.0, false, NULL));
	assert_int_equal(ls_lowrank_drift(&P, &Q, &rel, angles, &na, &why, &err), LS_EINVAL);
	assert_non_null(strstr(err.msg, "bases"));
	ls_lowrank_free(&Q);
	ls_lowrank_free(&P);
	ls_lowrank_free(&Zr);
	ls_mat_free(&A);
	ls_mat_free(&B);
	ls_mat_free(&Z);
	ls_mat_free(&A2);
	ls_mat_free(&B2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_triplets),         cmocka_unit_test(test_effective_rank),
		cmocka_unit_test(test_energy_rank),      cmocka_unit_test(test_noise_rank),
		cmocka_unit_test(test_noise_rank_spike), cmocka_unit_test(test_drift_dense),
		cmocka_unit_test(test_drift_identical),  cmocka_unit_test(test_drift_degenerate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
