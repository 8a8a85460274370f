/* test_theory_lanczos.c — the Hessian of g(A, B) and its smallest eigenvalue (MATH.md §5)
 * against a dense Hessian assembled from central finite differences of ∇g (the test's own
 * gradient formula) and diagonalised by LAPACK, on approx, sensing, trace2, a non-quadratic
 * f, two coupled modules, at random points, at a saddle and at the loud5 spurious point. */
#include "lorascope/theory.h"
#include "theory_testutil.h"

/* Dense ∇²g by central differences of tg_grad, symmetrised. */
static void fd_hessian(ls_problem *p, ls_lora *L, double lambda, ls_mat *H)
{
	size_t dim = tg_dim(L);
	double *gp = calloc(dim, sizeof *gp), *gm = calloc(dim, sizeof *gm);
	assert_true(gp && gm);
	const double h = 1e-5;
	for (size_t j = 0; j < dim; j++) {
		double *t = tg_param(L, j), t0 = *t;
		*t = t0 + h;
		tg_grad(p, L, lambda, gp);
		*t = t0 - h;
		tg_grad(p, L, lambda, gm);
		*t = t0;
		for (size_t i = 0; i < dim; i++)
			LS_AT(*H, i, j) = (gp[i] - gm[i]) / (2 * h);
	}
	for (size_t i = 0; i < dim; i++)
		for (size_t j = 0; j < i; j++) {
			double v = 0.5 * (LS_AT(*H, i, j) + LS_AT(*H, j, i));
			LS_AT(*H, i, j) = LS_AT(*H, j, i) = v;
		}
	free(gp);
	free(gm);
}

/* Compare the library's Hessian with finite differences and Lanczos with LAPACK. */
static void check_point(ls_problem *p, ls_lora *L, double lambda, ls_rng *rng, double *eig)
{
	size_t dim = tg_dim(L);
	ls_mat Hfd, Hg;
	assert_ok(ls_mat_alloc(&Hfd, dim, dim, NULL));
	assert_ok(ls_mat_alloc(&Hg, dim, dim, NULL));
	fd_hessian(p, L, lambda, &Hfd);
	assert_ok(ls_theory_hessian_g(p, L, lambda, &Hg, NULL));
	double scale = 0.0;
	for (size_t i = 0; i < dim * dim; i++)
		scale = fmax(scale, fabs(Hfd.data[i]));
	for (size_t i = 0; i < dim; i++)
		for (size_t j = 0; j < dim; j++) {
			assert_close(LS_AT(Hg, i, j), LS_AT(Hfd, i, j), 0, 1e-6 * fmax(scale, 1));
			assert_close(LS_AT(Hg, i, j), LS_AT(Hg, j, i), 0, 1e-12 * fmax(scale, 1));
		}
	assert_ok(ls_mat_sym_eig(&Hfd, eig, false, NULL));
	ls_lanczos lz;
	assert_ok(ls_theory_lambda_min(p, L, lambda, dim + 5, rng, &lz, NULL));
	assert_int_equal(lz.dim, dim);
	assert_close(lz.lmin, eig[0], 0, 1e-6 * fmax(scale, 1));
	assert_close(lz.lmax, eig[dim - 1], 0, 1e-6 * fmax(scale, 1));
	ls_mat_free(&Hfd);
	ls_mat_free(&Hg);
}

static void random_factors(ls_lora *L, ls_rng *rng, double sd)
{
	for (size_t k = 0; k < L->nmod; k++) {
		ls_rng_fill_normal(rng, &L->A[k], 0.0, sd);
		ls_rng_fill_normal(rng, &L->B[k], 0.0, sd);
	}
}

/* check_point at rank-r factors with N(0, sd²) entries, scaling s. */
static void check_random_point(ls_problem *p, size_t r, double s, double sd, double lambda,
			       ls_rng *rng)
{
	ls_lora L;
	tl_alloc(&L, p, r, s);
	random_factors(&L, rng, sd);
	double eig[64];
	check_point(p, &L, lambda, rng, eig);
	tl_free(&L);
}

/* M := a new m×n matrix with N(0, 1) entries. */
static void random_matrix(ls_mat *M, size_t m, size_t n, ls_rng *rng)
{
	assert_ok(ls_mat_alloc(M, m, n, NULL));
	ls_rng_fill_normal(rng, M, 0.0, 1.0);
}

/* count measurements of weight w with N(0, 1) entries added to Q (at most 12 parameters). */
static void random_measurements(ls_problem *p, int count, double w, ls_rng *rng)
{
	double S[12];
	size_t N = tq(p)->N;
	assert_true(N <= 12);
	for (int i = 0; i < count; i++) {
		for (size_t j = 0; j < N; j++)
			S[j] = ls_rng_normal(rng);
		tq_add_meas(p, w, S);
	}
}

static void test_approx_random_points(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 1);
	ls_mat M;
	random_matrix(&M, 4, 3, &rng);
	ls_problem p;
	tq_approx(&p, &M);
	const double scales[2] = { 1.0, 2.5 };
	for (int i = 0; i < 2; i++)
		check_random_point(&p, 2, scales[i], 0.7, 0.1, &rng);
	tq_destroy(&p);
	ls_mat_free(&M);
}

/* sensing: Q = (1/N) Σ vec(S_i)vec(S_i)ᵀ with Gaussian S_i, planted rank-1 target. */
static void test_sensing_random_point(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 2);
	ls_shape sh = { 3, 4 };
	ls_problem p;
	tq_init(&p, 1, &sh);
	random_measurements(&p, 30, 1.0 / 30, &rng);
	for (int j = 0; j < 12; j++)
		tq(&p)->x0[j] = (double)((j % 3) + 1) * ((j / 3) == 1 ? 1.0 : 0.5);
	check_random_point(&p, 2, 1.0, 0.8, 0.05, &rng);
	tq_destroy(&p);
}

static void test_trace2_random_point(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 3);
	ls_mat W0;
	random_matrix(&W0, 3, 3, &rng);
	ls_problem p;
	tq_trace2(&p, &W0);
	check_random_point(&p, 2, 1.0, 0.6, 0.0, &rng);
	tq_destroy(&p);
	ls_mat_free(&W0);
}

/* γ > 0: ∇²f(X) depends on X, so the s²∇²f[H]·B terms are exercised for real. */
static void test_quartic_random_point(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 4);
	ls_mat M;
	random_matrix(&M, 3, 3, &rng);
	ls_problem p;
	tq_approx(&p, &M);
	tq(&p)->gamma = 0.3;
	check_random_point(&p, 2, 1.5, 0.7, 0.02, &rng);
	tq_destroy(&p);
	ls_mat_free(&M);
}

/* Two modules coupled by a random positive semidefinite Q across both. */
static void test_two_modules_coupled(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 5);
	ls_shape sh[2] = { { 3, 2 }, { 2, 3 } };
	ls_problem p;
	tq_init(&p, 2, sh);
	random_measurements(&p, 20, 0.1, &rng);
	for (int j = 0; j < 12; j++)
		tq(&p)->x0[j] = ls_rng_normal(&rng);
	ls_lora L;
	tl_alloc(&L, &p, 2, 1.0);
	L.s[1] = 0.5;
	random_factors(&L, &rng, 0.7);
	double eig[64];
	check_point(&p, &L, 0.1, &rng, eig);
	tl_free(&L);
	tq_destroy(&p);
}

/* At A = B = 0 of approx, ∇²g has eigenvalues λ ± s·σ_i(M) (and λ): a strict saddle whose
 * λ_min = λ − s·σ₁(M) Lanczos must find in fewer iterations than the dimension. */
static void test_saddle_at_zero(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 6);
	ls_mat M, C;
	double sv[5];
	random_matrix(&M, 6, 5, &rng);
	assert_ok(ls_mat_alloc(&C, 6, 5, NULL));
	ls_mat_copy(&C, &M);
	assert_ok(ls_mat_svd_values(&C, sv, NULL));
	ls_problem p;
	tq_approx(&p, &M);
	ls_lora L;
	tl_alloc(&L, &p, 2, 1.5);
	ls_lanczos lz;
	assert_ok(ls_theory_lambda_min(&p, &L, 0.2, 15, &rng, &lz, NULL));
	assert_int_equal(lz.dim, 22);
	assert_close(lz.lmin, 0.2 - 1.5 * sv[0], 0, 1e-9);
	assert_close(lz.lmax, 0.2 + 1.5 * sv[0], 0, 1e-9);
	/* At most 11 distinct eigenvalues: the Krylov space is invariant by then, and Lanczos
	 * stops there, converged, before its 15 allowed steps. */
	assert_true(lz.iterations <= 11);
	assert_true(lz.residual <= 1e-10 * (0.2 + 1.5 * sv[0]));
	tl_free(&L);
	tq_destroy(&p);
	ls_mat_free(&M);
	ls_mat_free(&C);
}

/* Few iterations on a larger Hessian: the lowest Ritz value is an upper estimate. */
static void test_partial_lanczos_upper(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 7);
	ls_mat M;
	random_matrix(&M, 7, 6, &rng);
	ls_problem p;
	tq_approx(&p, &M);
	tq(&p)->gamma = 0.05;
	ls_lora L;
	tl_alloc(&L, &p, 3, 1.0);
	random_factors(&L, &rng, 0.5);
	size_t dim = tg_dim(&L);
	ls_mat Hg;
	double eig[64];
	assert_ok(ls_mat_alloc(&Hg, dim, dim, NULL));
	assert_ok(ls_theory_hessian_g(&p, &L, 0.1, &Hg, NULL));
	assert_ok(ls_mat_sym_eig(&Hg, eig, false, NULL));
	ls_lanczos lz;
	assert_ok(ls_theory_lambda_min(&p, &L, 0.1, 12, &rng, &lz, NULL));
	assert_int_equal(lz.iterations, 12);
	assert_true(lz.lmin >= eig[0] - 1e-9);
	assert_true(lz.lmax <= eig[dim - 1] + 1e-9);
	assert_true(lz.residual >= 0);
	tl_free(&L);
	tq_destroy(&p);
	ls_mat_free(&M);
	ls_mat_free(&Hg);
}

/* loud5 at A = B = √1.5·[e2 e3]: ∇g = 0 and the Hessian of g has 8 zero eigenvalues, the
 * next one 0.60 (MATH.md §9). */
static void test_loud5_spurious_hessian(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 8);
	ls_problem p;
	tq_loud5(&p);
	ls_lora L;
	tl_alloc(&L, &p, 2, 1.0);
	tl_loud5_spurious(&L, 0);
	double g[20], eig[64];
	tg_grad(&p, &L, 0.0, g);
	for (int i = 0; i < 20; i++)
		assert_close(g[i], 0.0, 0, 1e-12);
	check_point(&p, &L, 0.0, &rng, eig);
	for (int i = 0; i < 8; i++)
		assert_close(eig[i], 0.0, 0, 1e-6);
	assert_close(eig[8], 0.60, 0, 0.005);
	tl_free(&L);
	tq_destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_approx_random_points),
		cmocka_unit_test(test_sensing_random_point),
		cmocka_unit_test(test_trace2_random_point),
		cmocka_unit_test(test_quartic_random_point),
		cmocka_unit_test(test_two_modules_coupled),
		cmocka_unit_test(test_saddle_at_zero),
		cmocka_unit_test(test_partial_lanczos_upper),
		cmocka_unit_test(test_loud5_spurious_hessian),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
