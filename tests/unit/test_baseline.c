/* test_baseline.c — the full fine-tuning baseline (MATH.md §3) against independent truth:
 * for approx, X* = soft-thresholding of the singular values of M by λ (LAPACK in the test);
 * for regression, the proximal-gradient fixed-point residual at the returned X*; the sliced
 * computation (ls_baseline_begin/_iterate/_finish, a deferred session) against the one-shot
 * call, bit for bit. */
#include "testutil.h"

#include <lapacke.h>
#include <stdlib.h>

#include "lorascope/baseline.h"
#include "lorascope/config.h"
#include "lorascope/problem.h"
#include "lorascope/session.h"

static void make_problem(ls_problem *p, const char *name, long m, long n, long tr, double noise,
			 uint64_t seed)
{
	ls_config c;
	ls_config_defaults(&c);
	char buf[32];
	assert_ok(ls_config_set(&c, "problem", name, NULL));
	snprintf(buf, sizeof buf, "%ld", m);
	assert_ok(ls_config_set(&c, "m", buf, NULL));
	snprintf(buf, sizeof buf, "%ld", n);
	assert_ok(ls_config_set(&c, "n", buf, NULL));
	snprintf(buf, sizeof buf, "%ld", tr);
	assert_ok(ls_config_set(&c, "true-rank", buf, NULL));
	snprintf(buf, sizeof buf, "%g", noise);
	assert_ok(ls_config_set(&c, "noise", buf, NULL));
	c.seed = seed;
	ls_rng rng;
	ls_rng_seed(&rng, seed);
	assert_ok(ls_problem_create(p, &c, NULL, &rng, NULL));
}

/* X* formed from the baseline's factors. */
static void form_star(const ls_baseline *b, ls_mat *X)
{
	const ls_baseline_module *bm = &b->mod[0];
	ls_mat_set_zero(X);
	for (size_t j = 0; j < bm->rstar; j++)
		for (size_t c = 0; c < X->cols; c++)
			for (size_t i = 0; i < X->rows; i++)
				LS_AT(*X, i, c) += bm->sigma[j] * LS_AT(bm->U, i, j) *
						   LS_AT(bm->V, c, j);
}

/* SVT_tau(Y) by LAPACK dgesvd (a different driver from the library's dgesdd). */
static void svt_ref(const ls_mat *Y, double tau, ls_mat *out, size_t *rank, double *nuc)
{
	size_t m = Y->rows, n = Y->cols, k = m < n ? m : n;
	double *a = malloc(m * n * sizeof(double)), *u = malloc(m * k * sizeof(double)),
	       *vt = malloc(k * n * sizeof(double)), *s = malloc(k * sizeof(double)),
	       *sup = malloc(k * sizeof(double));
	assert_true(a && u && vt && s && sup);
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < m; i++)
			a[i + j * m] = LS_AT(*Y, i, j);
	assert_int_equal(LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'S', 'S', (lapack_int)m, (lapack_int)n, a,
					(lapack_int)m, s, u, (lapack_int)m, vt, (lapack_int)k, sup),
			 0);
	ls_mat_set_zero(out);
	*rank = 0;
	*nuc = 0.0;
	for (size_t l = 0; l < k; l++) {
		double sl = s[l] - tau;
		if (sl <= 0.0)
			continue;
		(*rank)++;
		*nuc += sl;
		for (size_t j = 0; j < n; j++)
			for (size_t i = 0; i < m; i++)
				LS_AT(*out, i, j) += sl * u[i + l * m] * vt[l + j * k];
	}
	free(a);
	free(u);
	free(vt);
	free(s);
	free(sup);
}

static void test_approx_soft_threshold(void **state)
{
	(void)state;
	ls_problem p;
	make_problem(&p, "approx", 24, 18, 5, 0.01, 11);
	const double lam = 0.4;
	ls_baseline b = { 0 };
	assert_ok(ls_baseline_compute(&b, &p, lam, 100, 1e-13, NULL));
	ls_mat Xs, Xr;
	assert_ok(ls_mat_alloc(&Xs, 24, 18, NULL));
	assert_ok(ls_mat_alloc(&Xr, 24, 18, NULL));
	form_star(&b, &Xs);
	size_t rank;
	double nuc;
	svt_ref(&p.target, lam, &Xr, &rank, &nuc);
	ls_mat D;
	assert_ok(ls_mat_alloc(&D, 24, 18, NULL));
	assert_ok(ls_mat_copy(&D, &Xs));
	assert_ok(ls_mat_axpy(&D, -1.0, &Xr));
	assert_true(ls_mat_norm(&D) < 1e-10 * ls_mat_norm(&Xr));
	/* σ of M: 2·0.7^i for i < 5 plus noise ~ 0.01·(√24 + √18) ≈ 0.09 < λ: r* = 5. */
	assert_int_equal(rank, 5);
	assert_int_equal(b.rstar, 5);
	assert_true(b.converged && b.certified);
	assert_close(b.nuc, nuc, 1e-10, 0);
	/* f(X*) = ½‖M − X*‖², floor = f(X*) + λ‖X*‖_*, f(0) = ½‖M‖². */
	assert_ok(ls_mat_copy(&D, &p.target));
	assert_ok(ls_mat_axpy(&D, -1.0, &Xr));
	double fr = 0.5 * ls_mat_dot(&D, &D);
	assert_close(b.f_star, fr, 1e-9, 1e-13);
	assert_close(b.floor, fr + lam * nuc, 1e-9, 1e-13);
	double f0 = 0.5 * ls_mat_dot(&p.target, &p.target);
	assert_close(b.f0, f0, 1e-12, 0);
	assert_true(b.seed_check == (nuc < f0 / lam));
	assert_true(b.seed_check);
	assert_close(b.fro, ls_mat_norm(&Xr), 1e-10, 0);
	/* ⟨s·A·Bᵀ, X*⟩ from the factors matches the formed inner product. */
	ls_rng rng;
	ls_rng_seed(&rng, 3);
	ls_mat A, B, X;
	assert_ok(ls_mat_alloc(&A, 24, 3, NULL));
	assert_ok(ls_mat_alloc(&B, 18, 3, NULL));
	assert_ok(ls_mat_alloc(&X, 24, 18, NULL));
	ls_rng_fill_normal(&rng, &A, 0, 1);
	ls_rng_fill_normal(&rng, &B, 0, 1);
	assert_ok(ls_mat_gemm(false, true, 0.8, &A, &B, 0.0, &X));
	double scratch[2 * 3 * 5];
	assert_close(ls_baseline_inner(&b, 0, &A, &B, 0.8, scratch), ls_mat_dot(&X, &Xr), 1e-10,
		     1e-12);
	ls_mat_free(&A);
	ls_mat_free(&B);
	ls_mat_free(&X);
	ls_mat_free(&D);
	ls_mat_free(&Xs);
	ls_mat_free(&Xr);
	ls_baseline_free(&b);
	ls_problem_destroy(&p);
}

static void test_approx_limits(void **state)
{
	(void)state;
	ls_problem p;
	make_problem(&p, "approx", 12, 10, 3, 0.0, 5);
	ls_baseline b = { 0 };
	/* λ = 0: X* = M (rank 3 planted, no noise). */
	assert_ok(ls_baseline_compute(&b, &p, 0.0, 50, 1e-14, NULL));
	assert_int_equal(b.rstar, 3);
	assert_true(b.f_star < 1e-20);
	assert_true(b.seed_check);
	ls_baseline_free(&b);
	/* λ above σ_1(M) = 2: X* = 0, the floor is f(0), and the seed check holds trivially. */
	assert_ok(ls_baseline_compute(&b, &p, 2.5, 50, 1e-14, NULL));
	assert_int_equal(b.rstar, 0);
	assert_close(b.floor, b.f0, 1e-14, 0);
	assert_true(b.converged);
	ls_baseline_free(&b);
	/* No iteration allowed: X* = 0 and the run is reported as not converged. */
	assert_ok(ls_baseline_compute(&b, &p, 0.1, 0, 1e-14, NULL));
	assert_int_equal(b.iters, 0);
	assert_false(b.converged);
	assert_false(b.certified);
	ls_baseline_free(&b);
	ls_problem_destroy(&p);
}

static void test_regression_fixed_point(void **state)
{
	(void)state;
	ls_problem p;
	make_problem(&p, "regression", 7, 6, 2, 0.05, 21);
	const double lam = 0.05;
	ls_baseline b = { 0 };
	assert_ok(ls_baseline_compute(&b, &p, lam, 200000, 1e-14, NULL));
	assert_true(b.converged);
	assert_true(b.certified == p.type->convex);
	ls_mat Xs, G, Y, Z;
	assert_ok(ls_mat_alloc(&Xs, 7, 6, NULL));
	assert_ok(ls_mat_alloc(&G, 7, 6, NULL));
	assert_ok(ls_mat_alloc(&Y, 7, 6, NULL));
	assert_ok(ls_mat_alloc(&Z, 7, 6, NULL));
	form_star(&b, &Xs);
	/* Fixed point of the prox-gradient map: X* = SVT_{ηλ}(X* − η∇f(X*)), η = 1/L. */
	double eta = 1.0 / p.type->lipschitz(&p);
	assert_ok(p.type->grad_dense(&p, &Xs, &G));
	assert_ok(ls_mat_copy(&Y, &Xs));
	assert_ok(ls_mat_axpy(&Y, -eta, &G));
	size_t rank;
	double nuc;
	svt_ref(&Y, eta * lam, &Z, &rank, &nuc);
	assert_ok(ls_mat_axpy(&Z, -1.0, &Xs));
	assert_true(ls_mat_norm(&Z) < 1e-8 * (1.0 + ls_mat_norm(&Xs)));
	assert_close(b.f_star, p.type->loss_dense(&p, &Xs), 1e-8, 1e-12);
	assert_int_equal(b.rstar, rank);
	ls_mat_free(&Xs);
	ls_mat_free(&G);
	ls_mat_free(&Y);
	ls_mat_free(&Z);
	ls_baseline_free(&b);
	ls_problem_destroy(&p);
}

static void test_two_modules_fixed_point(void **state)
{
	(void)state;
	/* mlp with LoRA on both layers: non-convex, so converged but never certified; every
	 * module's X*_k is a fixed point of its own prox-gradient map. */
	ls_config c;
	ls_config_defaults(&c);
	const char *kv[] = { "problem", "mlp",     "m", "5",     "n",    "4", "true-rank",
			     "1",       "modules", "2", "noise", "0.05", NULL };
	for (size_t i = 0; kv[i]; i += 2)
		assert_ok(ls_config_set(&c, kv[i], kv[i + 1], NULL));
	ls_rng rng;
	ls_rng_seed(&rng, c.seed);
	ls_problem p;
	assert_ok(ls_problem_create(&p, &c, NULL, &rng, NULL));
	assert_int_equal(p.nmod, 2);
	const double lam = 0.02;
	ls_baseline b = { 0 };
	assert_ok(ls_baseline_compute(&b, &p, lam, 20000, 1e-13, NULL));
	assert_true(b.converged);
	assert_false(b.certified);
	ls_mat Xs[2], G[2], Y, Z;
	for (size_t k = 0; k < 2; k++) {
		assert_ok(ls_mat_alloc(&Xs[k], p.shape[k].m, p.shape[k].n, NULL));
		assert_ok(ls_mat_alloc(&G[k], p.shape[k].m, p.shape[k].n, NULL));
		const ls_baseline_module *bm = &b.mod[k];
		for (size_t j = 0; j < bm->rstar; j++)
			for (size_t cc = 0; cc < bm->n; cc++)
				for (size_t i = 0; i < bm->m; i++)
					LS_AT(Xs[k], i, cc) += bm->sigma[j] * LS_AT(bm->U, i, j) *
							       LS_AT(bm->V, cc, j);
	}
	double eta = 1.0 / p.type->lipschitz(&p), nuc_total = 0.0;
	assert_ok(p.type->grad_dense(&p, Xs, G));
	for (size_t k = 0; k < 2; k++) {
		assert_ok(ls_mat_alloc(&Y, p.shape[k].m, p.shape[k].n, NULL));
		assert_ok(ls_mat_alloc(&Z, p.shape[k].m, p.shape[k].n, NULL));
		assert_ok(ls_mat_copy(&Y, &Xs[k]));
		assert_ok(ls_mat_axpy(&Y, -eta, &G[k]));
		size_t rank;
		double nuc;
		svt_ref(&Y, eta * lam, &Z, &rank, &nuc);
		assert_ok(ls_mat_axpy(&Z, -1.0, &Xs[k]));
		assert_true(ls_mat_norm(&Z) < 1e-8 * (1.0 + ls_mat_norm(&Xs[k])));
		nuc_total += b.mod[k].nuc;
		ls_mat_free(&Y);
		ls_mat_free(&Z);
	}
	assert_close(b.nuc, nuc_total, 1e-14, 0);
	assert_close(b.floor, b.f_star + lam * nuc_total, 1e-14, 0);
	assert_close(b.f_star, p.type->loss_dense(&p, Xs), 1e-10, 1e-14);
	for (size_t k = 0; k < 2; k++) {
		ls_mat_free(&Xs[k]);
		ls_mat_free(&G[k]);
	}
	ls_baseline_free(&b);
	ls_problem_destroy(&p);
}

/* a and b hold the same X*, bit for bit, and the same record of how it was reached. */
static void assert_same_baseline(const ls_baseline *a, const ls_baseline *b)
{
	assert_int_equal(a->nmod, b->nmod);
	assert_int_equal(a->iters, b->iters);
	assert_int_equal(a->converged, b->converged);
	assert_int_equal(a->certified, b->certified);
	assert_int_equal(a->seed_check, b->seed_check);
	assert_int_equal(a->rstar, b->rstar);
	const double xa[] = { a->f_star, a->floor, a->nuc, a->fro, a->f0, a->rel_change };
	const double xb[] = { b->f_star, b->floor, b->nuc, b->fro, b->f0, b->rel_change };
	assert_memory_equal(xa, xb, sizeof xa);
	for (size_t k = 0; k < a->nmod; k++) {
		const ls_baseline_module *ma = &a->mod[k], *mb = &b->mod[k];
		assert_int_equal(ma->rstar, mb->rstar);
		if (ma->rstar == 0)
			continue;
		assert_memory_equal(ma->sigma, mb->sigma, ma->rstar * sizeof(double));
		for (size_t j = 0; j < ma->rstar; j++) {
			assert_memory_equal(ma->U.data + j * ma->U.ld, mb->U.data + j * mb->U.ld,
					    ma->m * sizeof(double));
			assert_memory_equal(ma->V.data + j * ma->V.ld, mb->V.data + j * mb->V.ld,
					    ma->n * sizeof(double));
		}
	}
}

/* ls_baseline_compute's X* from slices of 1, 2, 3, 7 and 1000 iterations, converged or
 * stopped by the cap; the progress never goes back and reaches 1 exactly when done. */
static void test_sliced_equals_one_shot(void **state)
{
	(void)state;
	const char *const cases[][12] = {
		{ "problem", "mlp", "m", "5", "n", "4", "modules", "2", "noise", "0.05", NULL },
		{ "problem", "regression", "m", "12", "n", "9", "kappa", "3", NULL },
		{ "problem", "sensing", "m", "8", "n", "6", NULL },
		{ "problem", "classify", "m", "6", "n", "5", NULL },
		{ "problem", "approx", "m", "30", "n", "3", "true-rank", "2", NULL },
	};
	const long slices[] = { 1, 2, 3, 7, 1000 };
	const long caps[] = { 20000, 9 };
	for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
		ls_config c;
		ls_config_defaults(&c);
		for (size_t i = 0; cases[ci][i]; i += 2)
			assert_ok(ls_config_set(&c, cases[ci][i], cases[ci][i + 1], NULL));
		ls_rng rng;
		ls_rng_seed(&rng, c.seed);
		ls_problem p;
		assert_ok(ls_problem_create(&p, &c, NULL, &rng, NULL));
		for (size_t q = 0; q < 2; q++) {
			ls_baseline one = { 0 };
			assert_ok(ls_baseline_compute(&one, &p, 0.05, caps[q], 1e-12, NULL));
			assert_true(q == 1 || one.converged);
			for (size_t si = 0; si < sizeof slices / sizeof slices[0]; si++) {
				ls_baseline_ws *ws;
				assert_ok(ls_baseline_begin(&ws, &p, 0.05, caps[q], 1e-12, NULL));
				assert_true(ls_baseline_progress(ws) == 0.0);
				bool done = false;
				double last = 0.0;
				long calls = 0;
				while (!done) {
					assert_ok(ls_baseline_iterate(ws, slices[si], &done, NULL));
					double pr = ls_baseline_progress(ws);
					assert_true(pr >= last && pr <= 1.0);
					assert_true(done == (pr == 1.0));
					last = pr;
					calls++;
				}
				assert_int_equal(calls, (one.iters + slices[si] - 1) / slices[si]);
				assert_int_equal(ls_baseline_iters_done(ws), one.iters);
				ls_baseline sl = { 0 };
				assert_ok(ls_baseline_finish(ws, &sl, NULL));
				ls_baseline_ws_free(ws);
				assert_same_baseline(&one, &sl);
				ls_baseline_free(&sl);
			}
			ls_baseline_free(&one);
		}
		ls_problem_destroy(&p);
	}
}

/* A deferred session trains without X* while its baseline is pending, then installs the
 * X* of the one-shot session bit for bit (slices between steps do not disturb it) and
 * measures against it; a λ change while pending begins it again for the new λ. */
static void test_deferred_session(void **state)
{
	(void)state;
	ls_config c;
	ls_config_defaults(&c);
	const char *kv[] = {
		"problem", "mlp", "m", "6", "n", "5", "modules", "2", "rank", "2", NULL
	};
	for (size_t i = 0; kv[i]; i += 2)
		assert_ok(ls_config_set(&c, kv[i], kv[i + 1], NULL));
	ls_session *now, *later;
	assert_ok(ls_session_create(&now, &c, NULL, NULL));
	assert_ok(ls_session_create_deferred(&later, &c, NULL, NULL));
	assert_true(ls_session_baseline_pending(now) < 0.0);
	assert_non_null(ls_session_baseline(now));
	assert_null(ls_session_baseline(later));
	assert_true(ls_session_baseline_pending(later) == 0.0);
	assert_true(isnan(ls_session_metrics(later)->dist_star));
	long slices = 0;
	while (ls_session_baseline_pending(later) >= 0.0) {
		assert_ok(ls_session_step(later, 3, NULL));
		assert_ok(ls_session_baseline_slice(later, 5, NULL));
		slices++;
	}
	assert_true(slices > 1);
	assert_non_null(ls_session_baseline(later));
	assert_same_baseline(ls_session_baseline(now), ls_session_baseline(later));
	assert_true(isfinite(ls_session_metrics(later)->dist_star));
	assert_true(ls_session_baseline(later)->serial == 1);
	/* λ changed mid-way: begun again, installed for the new λ as a one-shot session has it. */
	assert_ok(ls_session_baseline_slice(later, 1, NULL));
	assert_ok(ls_session_set(later, "lambda", "0.2", NULL, NULL));
	assert_null(ls_session_baseline(later));
	assert_true(ls_session_baseline_pending(later) == 0.0);
	assert_ok(ls_session_baseline_slice(later, 2, NULL));
	assert_ok(ls_session_set(later, "lambda", "0.1", NULL, NULL));
	assert_ok(ls_session_baseline_wait(later, NULL));
	assert_true(ls_session_baseline_pending(later) < 0.0);
	assert_ok(ls_session_set(now, "lambda", "0.1", NULL, NULL));
	assert_same_baseline(ls_session_baseline(now), ls_session_baseline(later));
	/* A rebuild (a new seed) begins the new problem's baseline. */
	assert_ok(ls_session_set(later, "seed", "7", NULL, NULL));
	assert_true(ls_session_baseline_pending(later) == 0.0);
	assert_ok(ls_session_baseline_wait(later, NULL));
	assert_ok(ls_session_set(now, "seed", "7", NULL, NULL));
	assert_same_baseline(ls_session_baseline(now), ls_session_baseline(later));
	ls_session_free(now);
	ls_session_free(later);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_approx_soft_threshold),
		cmocka_unit_test(test_approx_limits),
		cmocka_unit_test(test_regression_fixed_point),
		cmocka_unit_test(test_two_modules_fixed_point),
		cmocka_unit_test(test_sliced_equals_one_shot),
		cmocka_unit_test(test_deferred_session),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
