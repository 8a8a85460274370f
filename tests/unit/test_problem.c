/* test_problem.c — every problem of LS_PROBLEM_LIST: loss_grad's GA/GB against central
 * differences of the loss (full batch and mini-batch, s = 1 and s ≠ 1), loss_grad
 * against the dense interface on the formed X, hvp_dense against central differences
 * of grad_dense, and per-problem facts from MATH.md §9 checked with LAPACK. */
#include "testutil.h"

#include <stdlib.h>

#include "lorascope/config.h"
#include "lorascope/mat.h"
#include "lorascope/problem.h"
#include "lorascope/rng.h"

/* Central differences: step and the tolerance relative to the largest entry. */
#define FD_H 1e-5
#define FD_RTOL 2e-7

typedef struct {
	ls_problem_id id;
	long m, n, true_rank, samples;
	double noise;
	long modules;
	bool seeded; /* the instance depends on the seed */
} pcase;

/* Small instances of every problem (presets ignore m and n). */
static const pcase cases[] = {
	{ LS_PROBLEM_SENSING, 5, 4, 2, 30, 0.1, 1, true },
	{ LS_PROBLEM_REGRESSION, 5, 4, 2, 12, 0.1, 1, true },
	{ LS_PROBLEM_APPROX, 6, 5, 2, 0, 0.1, 1, true },
	{ LS_PROBLEM_TRACE2, 5, 5, 2, 0, 0.0, 1, false },
	{ LS_PROBLEM_CLASSIFY, 4, 5, 2, 30, 0.1, 1, true },
	{ LS_PROBLEM_MLP, 4, 5, 2, 20, 0.05, 1, true },
	{ LS_PROBLEM_MLP, 4, 3, 2, 20, 0.05, 2, true },
	{ LS_PROBLEM_LOUD5, 64, 64, 4, 0, 0.0, 1, false },
	{ LS_PROBLEM_SENSE2X2, 64, 64, 4, 0, 0.0, 1, false },
};
#define NCASES (sizeof cases / sizeof cases[0])

static void make_config(ls_config *c, const pcase *pc)
{
	ls_config_defaults(c);
	c->problem = (int)pc->id;
	c->m = pc->m;
	c->n = pc->n;
	c->true_rank = pc->true_rank;
	c->samples = pc->samples;
	c->noise = pc->noise;
	c->kappa = 3.0;
	c->modules = pc->modules;
}

static void create(ls_problem *p, const pcase *pc, uint64_t seed)
{
	ls_config c;
	make_config(&c, pc);
	ls_rng rng;
	ls_rng_seed(&rng, seed);
	ls_error err;
	ls_status st = ls_problem_create(p, &c, NULL, &rng, &err);
	if (st != LS_OK)
		fail_msg("creating %s: %s", ls_problem_names[pc->id], err.msg);
}

/* Factors of rank r for every module of p, N(0, 0.5²) entries, scaling s. */
typedef struct {
	size_t nmod;
	ls_mat A[LS_MAX_MODULES], B[LS_MAX_MODULES], GA[LS_MAX_MODULES], GB[LS_MAX_MODULES];
	double s[LS_MAX_MODULES];
} factors;

static void factors_alloc(factors *f, const ls_problem *p, size_t r, double s, uint64_t seed)
{
	ls_rng rng;
	ls_rng_seed(&rng, seed);
	f->nmod = p->nmod;
	for (size_t k = 0; k < p->nmod; k++) {
		assert_ok(ls_mat_alloc(&f->A[k], p->shape[k].m, r, NULL));
		assert_ok(ls_mat_alloc(&f->B[k], p->shape[k].n, r, NULL));
		assert_ok(ls_mat_alloc(&f->GA[k], p->shape[k].m, r, NULL));
		assert_ok(ls_mat_alloc(&f->GB[k], p->shape[k].n, r, NULL));
		ls_rng_fill_normal(&rng, &f->A[k], 0.0, 0.5);
		ls_rng_fill_normal(&rng, &f->B[k], 0.0, 0.5);
		f->s[k] = s;
	}
}

static void factors_free(factors *f)
{
	for (size_t k = 0; k < f->nmod; k++) {
		ls_mat_free(&f->A[k]);
		ls_mat_free(&f->B[k]);
		ls_mat_free(&f->GA[k]);
		ls_mat_free(&f->GB[k]);
	}
}

static ls_factors view(const factors *f)
{
	return (ls_factors){ .nmod = f->nmod, .A = f->A, .B = f->B, .s = f->s };
}

static double loss_at(ls_problem *p, const factors *f, const ls_batch *b)
{
	ls_factors F = view(f);
	double v = NAN;
	assert_ok(p->type->loss_grad(p, &F, b, &v, NULL, NULL));
	return v;
}

static double max_abs(const ls_mat *M)
{
	double m = 0.0;
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++)
			m = fmax(m, fabs(LS_AT(*M, i, j)));
	return m;
}

/* Every entry of M (a factor of f) perturbed by ±h: (f₊ − f₋)/2h = s·G. */
static void fd_factor(ls_problem *p, factors *f, ls_mat *M, const ls_mat *G, double s,
		      const ls_batch *b, const char *what)
{
	double scale = fmax(1.0, s * max_abs(G));
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++) {
			double x0 = LS_AT(*M, i, j);
			LS_AT(*M, i, j) = x0 + FD_H;
			double fp = loss_at(p, f, b);
			LS_AT(*M, i, j) = x0 - FD_H;
			double fm = loss_at(p, f, b);
			LS_AT(*M, i, j) = x0;
			double fd = (fp - fm) / (2 * FD_H), an = s * LS_AT(*G, i, j);
			if (!(fabs(fd - an) <= FD_RTOL * scale))
				fail_msg("%s: %s(%zu,%zu) s=%g: finite difference %.12g, analytic "
					 "%.12g",
					 p->type->name, what, i, j, s, fd, an);
		}
}

/* (a) GA, GB against central differences of the loss. */
static void check_fd(ls_problem *p, size_t r, double s, const ls_batch *b, uint64_t seed)
{
	factors f;
	factors_alloc(&f, p, r, s, seed);
	ls_factors F = view(&f);
	double loss;
	assert_ok(p->type->loss_grad(p, &F, b, &loss, f.GA, f.GB));
	assert_true(isfinite(loss));
	assert_close(loss_at(p, &f, b), loss, 1e-14, 0);
	for (size_t k = 0; k < f.nmod; k++) {
		fd_factor(p, &f, &f.A[k], &f.GA[k], s, b, "A");
		fd_factor(p, &f, &f.B[k], &f.GB[k], s, b, "B");
	}
	factors_free(&f);
}

static void mats_alloc(ls_mat *X, const ls_problem *p)
{
	for (size_t k = 0; k < p->nmod; k++)
		assert_ok(ls_mat_alloc(&X[k], p->shape[k].m, p->shape[k].n, NULL));
}

static void mats_free(ls_mat *X, const ls_problem *p)
{
	for (size_t k = 0; k < p->nmod; k++)
		ls_mat_free(&X[k]);
}

/* ‖P − Q‖_F ≤ rtol·max(‖Q‖_F, 1) over every module. */
static void assert_mats_close(const ls_mat *P, const ls_mat *Q, size_t nmod, double rtol,
			      const char *what)
{
	for (size_t k = 0; k < nmod; k++) {
		double dn = 0.0;
		for (size_t j = 0; j < Q[k].cols; j++)
			for (size_t i = 0; i < Q[k].rows; i++) {
				double e = LS_AT(P[k], i, j) - LS_AT(Q[k], i, j);
				dn += e * e;
			}
		double qn = ls_mat_norm(&Q[k]);
		if (!(sqrt(dn) <= rtol * fmax(qn, 1.0)))
			fail_msg("%s, module %zu: |difference| %.3g, |reference| %.6g", what, k,
				 sqrt(dn), qn);
	}
}

/* (b) loss_grad agrees with loss_dense/grad_dense on the formed X. */
static void check_dense(ls_problem *p, size_t r, double s, uint64_t seed)
{
	factors f;
	factors_alloc(&f, p, r, s, seed);
	ls_factors F = view(&f);
	double loss;
	assert_ok(p->type->loss_grad(p, &F, NULL, &loss, f.GA, f.GB));
	ls_mat X[LS_MAX_MODULES], G[LS_MAX_MODULES], GA[LS_MAX_MODULES], GB[LS_MAX_MODULES];
	mats_alloc(X, p);
	mats_alloc(G, p);
	for (size_t k = 0; k < p->nmod; k++) {
		assert_ok(ls_mat_gemm(false, true, s, &f.A[k], &f.B[k], 0.0, &X[k]));
		assert_ok(ls_mat_alloc(&GA[k], p->shape[k].m, r, NULL));
		assert_ok(ls_mat_alloc(&GB[k], p->shape[k].n, r, NULL));
	}
	assert_close(p->type->loss_dense(p, X), loss, 1e-10, 1e-12);
	assert_ok(p->type->grad_dense(p, X, G));
	for (size_t k = 0; k < p->nmod; k++) {
		assert_ok(ls_mat_gemm(false, false, 1.0, &G[k], &f.B[k], 0.0, &GA[k]));
		assert_ok(ls_mat_gemm(true, false, 1.0, &G[k], &f.A[k], 0.0, &GB[k]));
	}
	assert_mats_close(f.GA, GA, p->nmod, 1e-10, "GA vs grad_dense·B");
	assert_mats_close(f.GB, GB, p->nmod, 1e-10, "GB vs grad_denseᵀ·A");
	for (size_t k = 0; k < p->nmod; k++) {
		ls_mat_free(&GA[k]);
		ls_mat_free(&GB[k]);
	}
	mats_free(X, p);
	mats_free(G, p);
	factors_free(&f);
}

/* (c) hvp_dense against central differences of grad_dense, and grad_dense against
 * central differences of loss_dense along a random direction. */
static void check_hvp(ls_problem *p, uint64_t seed)
{
	ls_rng rng;
	ls_rng_seed(&rng, seed);
	ls_mat X[LS_MAX_MODULES], H[LS_MAX_MODULES], Xp[LS_MAX_MODULES], Xm[LS_MAX_MODULES];
	ls_mat Gp[LS_MAX_MODULES], Gm[LS_MAX_MODULES], Hv[LS_MAX_MODULES];
	ls_mat *all[] = { X, H, Xp, Xm, Gp, Gm, Hv };
	for (size_t a = 0; a < 7; a++)
		mats_alloc(all[a], p);
	for (size_t k = 0; k < p->nmod; k++) {
		ls_rng_fill_normal(&rng, &X[k], 0.0, 0.3);
		ls_rng_fill_normal(&rng, &H[k], 0.0, 1.0);
		ls_mat_copy(&Xp[k], &X[k]);
		ls_mat_copy(&Xm[k], &X[k]);
		ls_mat_axpy(&Xp[k], FD_H, &H[k]);
		ls_mat_axpy(&Xm[k], -FD_H, &H[k]);
	}
	assert_ok(p->type->hvp_dense(p, X, H, Hv));
	assert_ok(p->type->grad_dense(p, Xp, Gp));
	assert_ok(p->type->grad_dense(p, Xm, Gm));
	for (size_t k = 0; k < p->nmod; k++) {
		ls_mat_axpy(&Gp[k], -1.0, &Gm[k]);
		ls_mat_scale(&Gp[k], 1.0 / (2 * FD_H));
	}
	assert_mats_close(Gp, Hv, p->nmod, 1e-6, "hvp_dense vs differences of grad_dense");
	/* Directional derivative of the loss along H equals ⟨∇f(X), H⟩. */
	double fd = (p->type->loss_dense(p, Xp) - p->type->loss_dense(p, Xm)) / (2 * FD_H);
	assert_ok(p->type->grad_dense(p, X, Gm));
	double an = 0.0;
	for (size_t k = 0; k < p->nmod; k++)
		an += ls_mat_dot(&Gm[k], &H[k]);
	assert_close(fd, an, 1e-6, 1e-7);
	for (size_t a = 0; a < 7; a++)
		mats_free(all[a], p);
}

static void test_every_problem_gradients(void **state)
{
	(void)state;
	for (size_t c = 0; c < NCASES; c++) {
		ls_problem p;
		create(&p, &cases[c], 11 + c);
		assert_true(p.nmod == (size_t)cases[c].modules);
		assert_true(p.type->lipschitz(&p) > 0.0);
		/* Rank 3 then 4 then 2 on one instance: workspaces follow rank changes. */
		check_fd(&p, 3, 1.0, NULL, 100 + c);
		check_fd(&p, 4, 0.7, NULL, 200 + c);
		check_fd(&p, 2, 2.5, NULL, 250 + c);
		if (p.samples) {
			size_t idx[] = { 0, 2, 3, p.samples - 1 };
			ls_batch b = { idx, 4 };
			check_fd(&p, 3, 1.0, &b, 300 + c);
			check_fd(&p, 3, 0.7, &b, 400 + c);
		}
		check_dense(&p, 3, 1.0, 500 + c);
		check_dense(&p, 3, 1.6, 600 + c);
		check_hvp(&p, 700 + c);
		ls_problem_destroy(&p);
	}
}

/* Mini-batches of equal size partitioning the samples average to the full loss and
 * gradient; out-of-range indices are refused. */
static void test_batches_partition_the_loss(void **state)
{
	(void)state;
	for (size_t c = 0; c < NCASES; c++) {
		pcase pc = cases[c];
		if (pc.samples == 0)
			continue;
		pc.samples = 24;
		ls_problem p;
		create(&p, &pc, 5);
		factors f, g;
		factors_alloc(&f, &p, 3, 0.9, 6);
		factors_alloc(&g, &p, 3, 0.9, 6);
		ls_factors F = view(&f), Gv = view(&g);
		double full;
		assert_ok(p.type->loss_grad(&p, &F, NULL, &full, f.GA, f.GB));
		double sum = 0.0;
		ls_mat accA[LS_MAX_MODULES], accB[LS_MAX_MODULES];
		for (size_t k = 0; k < p.nmod; k++) {
			assert_ok(ls_mat_alloc(&accA[k], f.GA[k].rows, 3, NULL));
			assert_ok(ls_mat_alloc(&accB[k], f.GB[k].rows, 3, NULL));
		}
		for (size_t q = 0; q < 4; q++) {
			/* Batch q holds samples q, q+4, q+8, ... (six of them). */
			size_t idx[6];
			for (size_t j = 0; j < 6; j++)
				idx[j] = q + 4 * j;
			ls_batch b = { idx, 6 };
			double part;
			assert_ok(p.type->loss_grad(&p, &Gv, &b, &part, g.GA, g.GB));
			sum += part / 4;
			for (size_t k = 0; k < p.nmod; k++) {
				ls_mat_axpy(&accA[k], 0.25, &g.GA[k]);
				ls_mat_axpy(&accB[k], 0.25, &g.GB[k]);
			}
		}
		assert_close(sum, full, 1e-12, 1e-14);
		assert_mats_close(accA, f.GA, p.nmod, 1e-12, "mean of batch GA");
		assert_mats_close(accB, f.GB, p.nmod, 1e-12, "mean of batch GB");
		size_t bad[] = { 1, 24 };
		ls_batch b = { bad, 2 };
		assert_int_equal(p.type->loss_grad(&p, &F, &b, &full, NULL, NULL), LS_EINVAL);
		for (size_t k = 0; k < p.nmod; k++) {
			ls_mat_free(&accA[k]);
			ls_mat_free(&accB[k]);
		}
		factors_free(&f);
		factors_free(&g);
		ls_problem_destroy(&p);
	}
}

/* Factors of the wrong shape are refused with LS_EDIM. */
static void test_shape_mismatch_refused(void **state)
{
	(void)state;
	for (size_t c = 0; c < NCASES; c++) {
		ls_problem p;
		create(&p, &cases[c], 3);
		factors f;
		factors_alloc(&f, &p, 2, 1.0, 4);
		ls_mat wrong;
		assert_ok(ls_mat_alloc(&wrong, f.A[0].rows + 1, 2, NULL));
		ls_mat keep = f.A[0];
		f.A[0] = wrong;
		ls_factors F = view(&f);
		double v;
		assert_int_equal(p.type->loss_grad(&p, &F, NULL, &v, NULL, NULL), LS_EDIM);
		f.A[0] = keep;
		ls_mat_free(&wrong);
		factors_free(&f);
		ls_problem_destroy(&p);
	}
}

/* The Hessian of a problem as a dense (mn)×(mn) matrix, column (i,j) = ∇²f[E_ij]
 * (single-module problems). */
static void hessian_matrix(ls_problem *p, ls_mat *Hm)
{
	size_t m = p->shape[0].m, n = p->shape[0].n;
	ls_mat X, E, out;
	assert_ok(ls_mat_alloc(&X, m, n, NULL));
	assert_ok(ls_mat_alloc(&E, m, n, NULL));
	assert_ok(ls_mat_alloc(&out, m, n, NULL));
	assert_ok(ls_mat_alloc(Hm, m * n, m * n, NULL));
	for (size_t c = 0; c < m * n; c++) {
		ls_mat_set_zero(&E);
		E.data[c] = 1.0;
		assert_ok(p->type->hvp_dense(p, &X, &E, &out));
		memcpy(Hm->data + c * Hm->ld, out.data, m * n * sizeof(double));
	}
	ls_mat_free(&X);
	ls_mat_free(&E);
	ls_mat_free(&out);
}

/* (d) regression: Σ = ZZᵀ/N (read off hvp_dense: ∇²f[H] = H·Σ) has condition number
 * κ, and alpha_exact, beta_exact, L are its extreme eigenvalues (MATH.md §9). */
static void test_regression_sigma(void **state)
{
	(void)state;
	const double kappas[] = { 1.5, 2.0, 40.0 };
	for (size_t t = 0; t < 3; t++) {
		ls_config c;
		pcase pc = { LS_PROBLEM_REGRESSION, 3, 7, 2, 20, 0.0, 1, true };
		make_config(&c, &pc);
		c.kappa = kappas[t];
		ls_rng rng;
		ls_rng_seed(&rng, 77);
		ls_problem p;
		assert_ok(ls_problem_create(&p, &c, NULL, &rng, NULL));
		size_t n = 7;
		ls_mat X, H, out, S;
		assert_ok(ls_mat_alloc(&X, 3, n, NULL));
		assert_ok(ls_mat_alloc(&H, 3, n, NULL));
		assert_ok(ls_mat_alloc(&out, 3, n, NULL));
		assert_ok(ls_mat_alloc(&S, n, n, NULL));
		for (size_t j = 0; j < n; j++) {
			ls_mat_set_zero(&H);
			LS_AT(H, 0, j) = 1.0;
			assert_ok(p.type->hvp_dense(&p, &X, &H, &out));
			for (size_t i = 0; i < n; i++)
				LS_AT(S, j, i) = LS_AT(out, 0, i);
			/* Rows 1.. of H are zero, so rows 1.. of H·Σ are zero. */
			assert_true(LS_AT(out, 1, j) == 0.0);
		}
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				assert_close(LS_AT(S, i, j), LS_AT(S, j, i), 1e-13, 1e-13);
		double w[7];
		assert_ok(ls_mat_sym_eig(&S, w, false, NULL));
		assert_close(w[0], 1.0, 1e-12, 0);
		assert_close(w[n - 1], kappas[t], 1e-12, 0);
		assert_close(w[n - 1] / w[0], kappas[t], 1e-12, 0);
		assert_close(p.alpha_exact, w[0], 1e-12, 0);
		assert_close(p.beta_exact, w[n - 1], 1e-12, 0);
		assert_close(p.type->lipschitz(&p), w[n - 1], 1e-12, 0);
		assert_true(p.samples == 20);
		ls_mat_free(&X);
		ls_mat_free(&H);
		ls_mat_free(&out);
		ls_mat_free(&S);
		ls_problem_destroy(&p);
	}
}

/* Regression refuses fewer samples than inputs (Σ would be singular). */
static void test_regression_needs_samples(void **state)
{
	(void)state;
	ls_config c;
	pcase pc = { LS_PROBLEM_REGRESSION, 4, 6, 2, 5, 0.0, 1, true };
	make_config(&c, &pc);
	ls_rng rng;
	ls_rng_seed(&rng, 1);
	ls_problem p;
	ls_error err;
	assert_int_equal(ls_problem_create(&p, &c, NULL, &rng, &err), LS_ERANGE);
	assert_non_null(strstr(err.msg, "--samples"));
}

/* (e) approx: without noise M has exactly the planted singular values 2·decay^i,
 * then zeros; α = β = L = 1 and the Hessian is the identity. */
static void test_approx_planted_spectrum(void **state)
{
	(void)state;
	ls_config c;
	pcase pc = { LS_PROBLEM_APPROX, 9, 7, 4, 0, 0.0, 1, true };
	make_config(&c, &pc);
	c.decay = 0.6;
	ls_rng rng;
	ls_rng_seed(&rng, 21);
	ls_problem p;
	assert_ok(ls_problem_create(&p, &c, NULL, &rng, NULL));
	ls_mat M;
	assert_ok(ls_mat_alloc(&M, 9, 7, NULL));
	assert_ok(ls_mat_copy(&M, &p.target));
	double sv[7];
	assert_ok(ls_mat_svd_values(&M, sv, NULL));
	double want = 2.0;
	for (size_t i = 0; i < 4; i++, want *= 0.6)
		assert_close(sv[i], want, 1e-13, 0);
	for (size_t i = 4; i < 7; i++)
		assert_true(sv[i] < 1e-13);
	/* At the exact factorisation A = U·Σ, B = V of M the loss is 0 up to rounding and
	 * never negative (the Gram expansion cancels there). */
	ls_mat U, Vt, Mc;
	double sv2[7];
	assert_ok(ls_mat_alloc(&U, 9, 7, NULL));
	assert_ok(ls_mat_alloc(&Vt, 7, 7, NULL));
	assert_ok(ls_mat_alloc(&Mc, 9, 7, NULL));
	assert_ok(ls_mat_copy(&Mc, &p.target));
	assert_ok(ls_mat_svd(&Mc, sv2, &U, &Vt, NULL));
	factors f;
	factors_alloc(&f, &p, 4, 1.0, 1);
	for (size_t k = 0; k < 4; k++) {
		for (size_t i = 0; i < 9; i++)
			LS_AT(f.A[0], i, k) = sv2[k] * LS_AT(U, i, k);
		for (size_t j = 0; j < 7; j++)
			LS_AT(f.B[0], j, k) = LS_AT(Vt, k, j);
	}
	double at_m = loss_at(&p, &f, NULL);
	assert_true(at_m >= 0.0 && at_m < 1e-13);
	factors_free(&f);
	ls_mat_free(&U);
	ls_mat_free(&Vt);
	ls_mat_free(&Mc);
	assert_true(p.alpha_exact == 1.0 && p.beta_exact == 1.0);
	assert_true(p.type->lipschitz(&p) == 1.0);
	assert_true(p.samples == 0);
	ls_mat Hm;
	hessian_matrix(&p, &Hm);
	for (size_t j = 0; j < Hm.cols; j++)
		for (size_t i = 0; i < Hm.rows; i++)
			assert_true(LS_AT(Hm, i, j) == (i == j ? 1.0 : 0.0));
	ls_mat_free(&Hm);
	ls_mat_free(&M);
	ls_problem_destroy(&p);
}

/* sensing: L bounds λ_max of the sensing Gram (formed from hvp_dense, LAPACK) and is
 * within the stated margin of it; the planted X♮ has rank true_rank and without
 * noise f(X♮) = 0. */
static void test_sensing_lipschitz_and_truth(void **state)
{
	(void)state;
	const long samples[] = { 40, 12 };
	for (size_t t = 0; t < 2; t++) {
		ls_config c;
		pcase pc = { LS_PROBLEM_SENSING, 5, 6, 2, samples[t], 0.0, 1, true };
		make_config(&c, &pc);
		ls_rng rng;
		ls_rng_seed(&rng, 8);
		ls_problem p;
		assert_ok(ls_problem_create(&p, &c, NULL, &rng, NULL));
		ls_mat Hm;
		hessian_matrix(&p, &Hm);
		double w[30];
		assert_ok(ls_mat_sym_eig(&Hm, w, false, NULL));
		double L = p.type->lipschitz(&p);
		assert_true(L >= w[29]);
		assert_true(L <= 1.03 * w[29]);
		assert_true(p.type->convex);
		assert_close(p.type->loss_dense(&p, &p.target), 0.0, 0, 1e-24);
		ls_mat M;
		double sv[5];
		assert_ok(ls_mat_alloc(&M, 5, 6, NULL));
		ls_mat_copy(&M, &p.target);
		assert_ok(ls_mat_svd_values(&M, sv, NULL));
		assert_close(sv[0], 2.0, 1e-13, 0);
		assert_close(sv[1], 2.0 * c.decay, 1e-13, 0);
		assert_true(sv[2] < 1e-13);
		ls_mat_free(&M);
		ls_mat_free(&Hm);
		ls_problem_destroy(&p);
	}
}

/* The default sensing instance has a few times the degrees of freedom in samples. */
static void test_sensing_default_samples(void **state)
{
	(void)state;
	ls_config c;
	ls_config_defaults(&c);
	c.problem = LS_PROBLEM_SENSING;
	c.m = 10;
	c.n = 8;
	c.true_rank = 2;
	ls_rng rng;
	ls_rng_seed(&rng, 1);
	ls_problem p;
	assert_ok(ls_problem_create(&p, &c, NULL, &rng, NULL));
	size_t dof = 2 * (10 + 8 - 2);
	assert_true(p.samples >= 2 * dof && p.samples <= 5 * dof);
	ls_problem_destroy(&p);
}

/* trace2: refuses m ≠ n; α = 0; ∇²f[H] = Tr(H)·I; L = n; f(0) = ½Tr²(W0) ≠ 0. */
static void test_trace2_facts(void **state)
{
	(void)state;
	ls_config c;
	pcase pc = { LS_PROBLEM_TRACE2, 4, 5, 2, 0, 0.0, 1, true };
	make_config(&c, &pc);
	ls_rng rng;
	ls_rng_seed(&rng, 1);
	ls_problem p;
	ls_error err;
	assert_int_equal(ls_problem_create(&p, &c, NULL, &rng, &err), LS_EINVAL);
	assert_non_null(strstr(err.msg, "square"));
	c.m = 5;
	assert_ok(ls_problem_create(&p, &c, NULL, &rng, NULL));
	assert_true(p.alpha_exact == 0.0);
	assert_true(p.type->lipschitz(&p) == 5.0);
	ls_mat Hm;
	hessian_matrix(&p, &Hm);
	/* Column (i,j) is Tr(E_ij)·I: vec(I) when i = j, zero otherwise. */
	for (size_t col = 0; col < 25; col++)
		for (size_t row = 0; row < 25; row++) {
			double want = (col % 6 == 0 && row % 6 == 0) ? 1.0 : 0.0;
			assert_true(LS_AT(Hm, row, col) == want);
		}
	double w[25];
	assert_ok(ls_mat_sym_eig(&Hm, w, false, NULL));
	assert_close(w[24], 5.0, 1e-13, 0);
	assert_close(w[0], 0.0, 0, 1e-13);
	ls_mat X;
	assert_ok(ls_mat_alloc(&X, 5, 5, NULL));
	double f0 = p.type->loss_dense(&p, &X);
	assert_true(f0 > 0.0);
	/* Tr(X) = Tr(W0) is a minimiser: X = Tr(W0)/5·I with Tr(W0) = √(2 f(0)). */
	ls_mat_set_identity(&X);
	ls_mat_scale(&X, sqrt(2 * f0) / 5.0);
	assert_close(p.type->loss_dense(&p, &X), 0.0, 0, 1e-28);
	ls_mat_free(&X);
	ls_mat_free(&Hm);
	ls_problem_destroy(&p);
}

/* (f) Same seed: bit-identical instance; different seed: a different one (trace2
 * depends on no random draw). */
static void test_seed_determinism(void **state)
{
	(void)state;
	for (size_t c = 0; c < NCASES; c++) {
		ls_problem p1, p2, p3;
		create(&p1, &cases[c], 42);
		create(&p2, &cases[c], 42);
		create(&p3, &cases[c], 43);
		factors f;
		factors_alloc(&f, &p1, 3, 1.0, 9);
		double l1 = loss_at(&p1, &f, NULL), l2 = loss_at(&p2, &f, NULL);
		double l3 = loss_at(&p3, &f, NULL);
		assert_true(memcmp(&l1, &l2, sizeof l1) == 0);
		if (cases[c].seeded)
			assert_true(l1 != l3);
		assert_true(p1.target.rows == p2.target.rows && p1.target.cols == p2.target.cols);
		if (p1.target.data)
			assert_true(memcmp(p1.target.data, p2.target.data,
					   p1.target.rows * p1.target.cols * sizeof(double)) == 0);
		factors_free(&f);
		ls_problem_destroy(&p1);
		ls_problem_destroy(&p2);
		ls_problem_destroy(&p3);
	}
}

/* The Hessian of g(A, B) = f(s·A·Bᵀ) (s = 1, one module) at F, by central differences
 * of loss_grad's gradient (∇_A g = GA, ∇_B g = GB), symmetrised; its eigenvalues
 * ascending into w (length (m + n)·r). */
static void hessian_g_eigs(ls_problem *p, factors *f, double *w)
{
	size_t r = f->A[0].cols, na = f->A[0].rows * r, nb = f->B[0].rows * r, np = na + nb;
	ls_mat Hg, GAp, GBp, GAm, GBm;
	assert_ok(ls_mat_alloc(&Hg, np, np, NULL));
	assert_ok(ls_mat_alloc(&GAp, f->A[0].rows, r, NULL));
	assert_ok(ls_mat_alloc(&GAm, f->A[0].rows, r, NULL));
	assert_ok(ls_mat_alloc(&GBp, f->B[0].rows, r, NULL));
	assert_ok(ls_mat_alloc(&GBm, f->B[0].rows, r, NULL));
	ls_factors F = view(f);
	for (size_t c = 0; c < np; c++) {
		double *x = c < na ? &f->A[0].data[c] : &f->B[0].data[c - na], x0 = *x;
		*x = x0 + FD_H;
		assert_ok(p->type->loss_grad(p, &F, NULL, NULL, &GAp, &GBp));
		*x = x0 - FD_H;
		assert_ok(p->type->loss_grad(p, &F, NULL, NULL, &GAm, &GBm));
		*x = x0;
		for (size_t i = 0; i < np; i++) {
			double gp = i < na ? GAp.data[i] : GBp.data[i - na];
			double gm = i < na ? GAm.data[i] : GBm.data[i - na];
			LS_AT(Hg, i, c) = (gp - gm) / (2 * FD_H);
		}
	}
	for (size_t i = 0; i < np; i++)
		for (size_t j = 0; j < i; j++)
			LS_AT(Hg, i, j) = LS_AT(Hg, j, i) = 0.5 *
							    (LS_AT(Hg, i, j) + LS_AT(Hg, j, i));
	assert_ok(ls_mat_sym_eig(&Hg, w, false, NULL));
	ls_mat_free(&Hg);
	ls_mat_free(&GAp);
	ls_mat_free(&GAm);
	ls_mat_free(&GBp);
	ls_mat_free(&GBm);
}

static void create_preset(ls_problem *p, ls_problem_id id)
{
	pcase pc = { id, 64, 64, 4, 0, 0.0, 1, false };
	create(p, &pc, 1);
}

/* Every eigenvalue in w[0..k) is within tol of one of want[], and every want[] is hit. */
static void assert_eigen_set(const double *w, size_t k, const double *want, size_t nw, double tol)
{
	for (size_t i = 0; i < k; i++) {
		bool hit = false;
		for (size_t j = 0; j < nw; j++)
			hit = hit || fabs(w[i] - want[j]) <= tol;
		if (!hit)
			fail_msg("eigenvalue %.10g is none of the expected values", w[i]);
	}
	for (size_t j = 0; j < nw; j++) {
		bool hit = false;
		for (size_t i = 0; i < k; i++)
			hit = hit || fabs(w[i] - want[j]) <= tol;
		if (!hit)
			fail_msg("expected eigenvalue %.10g missing", want[j]);
	}
}

/* MATH.md §9 "Fails loudly, 5×5": the spectrum of ∇²f, f(0), f(X*), the spurious
 * second-order point A = B = √τ·[e2 e3] with ∇g = 0, f = 0.55, a PSD Hessian of g
 * with 8 zero eigenvalues and the next at 0.60. */
static void test_loud5_known_answers(void **state)
{
	(void)state;
	ls_problem p;
	create_preset(&p, LS_PROBLEM_LOUD5);
	assert_true(p.nmod == 1 && p.shape[0].m == 5 && p.shape[0].n == 5 && p.samples == 0);
	assert_true(isnan(p.alpha_exact) && isnan(p.beta_exact));
	ls_mat Hm;
	hessian_matrix(&p, &Hm);
	double w[25];
	assert_ok(ls_mat_sym_eig(&Hm, w, false, NULL));
	const double want[] = { 0.12969, 0.2, 3.0, 5.32031 };
	assert_eigen_set(w, 25, want, 4, 1e-5);
	assert_close(p.type->lipschitz(&p), w[24], 1e-12, 0);
	ls_mat X;
	assert_ok(ls_mat_alloc(&X, 5, 5, NULL));
	assert_close(p.type->loss_dense(&p, &X), 2.125, 1e-14, 0);
	LS_AT(X, 0, 0) = 1.0;
	assert_close(p.type->loss_dense(&p, &X), 0.0, 0, 1e-30);
	assert_true(LS_AT(p.target, 0, 0) == 1.0 && ls_mat_norm(&p.target) == 1.0);
	/* The spurious point, s = 1. */
	factors f;
	factors_alloc(&f, &p, 2, 1.0, 1);
	ls_mat_set_zero(&f.A[0]);
	ls_mat_set_zero(&f.B[0]);
	LS_AT(f.A[0], 1, 0) = LS_AT(f.B[0], 1, 0) = sqrt(1.5);
	LS_AT(f.A[0], 2, 1) = LS_AT(f.B[0], 2, 1) = sqrt(1.5);
	ls_factors F = view(&f);
	double loss;
	assert_ok(p.type->loss_grad(&p, &F, NULL, &loss, f.GA, f.GB));
	assert_close(loss, 0.55, 1e-14, 0);
	assert_true(max_abs(&f.GA[0]) < 1e-14 && max_abs(&f.GB[0]) < 1e-14);
	double wg[20];
	hessian_g_eigs(&p, &f, wg);
	for (size_t i = 0; i < 8; i++)
		assert_close(wg[i], 0.0, 0, 1e-7);
	assert_close(wg[8], 0.60, 0, 0.005);
	factors_free(&f);
	ls_mat_free(&X);
	ls_mat_free(&Hm);
	ls_problem_destroy(&p);
}

/* MATH.md §9 "A spurious minimum in 2×2 sensing": ∇²f eigenvalues {1, 2, 3, 4}
 * (α = 1, β = 4), the stationary a = b = (0, 1/√2) with f = 3/4 and Hessian of g
 * eigenvalues {0, ½, 2, 2½}. */
static void test_sense2x2_known_answers(void **state)
{
	(void)state;
	ls_problem p;
	create_preset(&p, LS_PROBLEM_SENSE2X2);
	assert_true(p.nmod == 1 && p.shape[0].m == 2 && p.shape[0].n == 2);
	assert_true(p.alpha_exact == 1.0 && p.beta_exact == 4.0);
	ls_mat Hm;
	hessian_matrix(&p, &Hm);
	double w[4];
	assert_ok(ls_mat_sym_eig(&Hm, w, false, NULL));
	for (size_t i = 0; i < 4; i++)
		assert_close(w[i], (double)(i + 1), 1e-14, 0);
	assert_close(p.type->lipschitz(&p), 4.0, 1e-14, 0);
	/* q(D) by the formula at D = X − e1e1ᵀ for a random X. */
	ls_mat X;
	assert_ok(ls_mat_alloc(&X, 2, 2, NULL));
	ls_rng rng;
	ls_rng_seed(&rng, 3);
	ls_rng_fill_normal(&rng, &X, 0.0, 1.0);
	double d11 = LS_AT(X, 0, 0) - 1, d12 = LS_AT(X, 0, 1), d21 = LS_AT(X, 1, 0);
	double d22 = LS_AT(X, 1, 1);
	double q = d11 * d11 + d11 * d22 + d22 * d22 + (d12 + d21) * (d12 + d21) +
		   0.5 * (d12 - d21) * (d12 - d21);
	assert_close(p.type->loss_dense(&p, &X), q, 1e-14, 0);
	factors f;
	factors_alloc(&f, &p, 1, 1.0, 1);
	ls_mat_set_zero(&f.A[0]);
	ls_mat_set_zero(&f.B[0]);
	LS_AT(f.A[0], 1, 0) = LS_AT(f.B[0], 1, 0) = sqrt(0.5);
	ls_factors F = view(&f);
	double loss;
	assert_ok(p.type->loss_grad(&p, &F, NULL, &loss, f.GA, f.GB));
	assert_close(loss, 0.75, 1e-14, 0);
	assert_true(max_abs(&f.GA[0]) < 1e-15 && max_abs(&f.GB[0]) < 1e-15);
	double wg[4];
	hessian_g_eigs(&p, &f, wg);
	const double want[] = { 0.0, 0.5, 2.0, 2.5 };
	for (size_t i = 0; i < 4; i++)
		assert_close(wg[i], want[i], 0, 1e-8);
	factors_free(&f);
	ls_mat_free(&X);
	ls_mat_free(&Hm);
	ls_problem_destroy(&p);
}

/* |⟨H, ∇²f(X)[H]⟩| / ‖H‖² over random X (entries of size scale) and H never
 * exceeds lipschitz(); returns the smallest quotient seen. */
static double curvature_bounded_by_L(ls_problem *p, double scale, uint64_t seed)
{
	ls_rng rng;
	ls_rng_seed(&rng, seed);
	ls_mat X[LS_MAX_MODULES], H[LS_MAX_MODULES], O[LS_MAX_MODULES];
	mats_alloc(X, p);
	mats_alloc(H, p);
	mats_alloc(O, p);
	double L = p->type->lipschitz(p), lo = INFINITY;
	for (int t = 0; t < 20; t++) {
		double hh = 0.0, q = 0.0;
		for (size_t k = 0; k < p->nmod; k++) {
			ls_rng_fill_normal(&rng, &X[k], 0.0, scale);
			ls_rng_fill_normal(&rng, &H[k], 0.0, 1.0);
		}
		assert_ok(p->type->hvp_dense(p, X, H, O));
		for (size_t k = 0; k < p->nmod; k++) {
			hh += ls_mat_dot(&H[k], &H[k]);
			q += ls_mat_dot(&H[k], &O[k]);
		}
		if (!(fabs(q) <= L * hh))
			fail_msg("%s: curvature %.6g above L = %.6g", p->type->name, q / hh, L);
		lo = fmin(lo, q / hh);
	}
	mats_free(X, p);
	mats_free(H, p);
	mats_free(O, p);
	return lo;
}

/* classify: convex (nonnegative curvature), curvature below L = ½λ_max(ZZᵀ/N),
 * loss positive; a wrong label count is refused. */
static void test_classify_facts(void **state)
{
	(void)state;
	pcase pc = { LS_PROBLEM_CLASSIFY, 4, 5, 2, 40, 0.0, 1, true };
	ls_problem p;
	create(&p, &pc, 4);
	assert_true(p.type->convex);
	assert_true(isnan(p.alpha_exact));
	assert_true(curvature_bounded_by_L(&p, 1.0, 5) >= -1e-14);
	ls_mat X;
	assert_ok(ls_mat_alloc(&X, 4, 5, NULL));
	double f0 = p.type->loss_dense(&p, &X);
	assert_true(f0 > 0.0 && isfinite(f0));
	/* Huge logits stay finite (log-sum-exp shifted by the largest logit). */
	ls_mat_set_identity(&X);
	ls_mat_scale(&X, 1e4);
	assert_true(isfinite(p.type->loss_dense(&p, &X)));
	ls_mat_free(&X);
	ls_problem_destroy(&p);
	pc.m = 1;
	ls_config c;
	make_config(&c, &pc);
	ls_rng rng;
	ls_rng_seed(&rng, 1);
	ls_error err;
	assert_int_equal(ls_problem_create(&p, &c, NULL, &rng, &err), LS_ERANGE);
}

/* mlp: one module is X1 (m×n), two modules add X2 (m×m); without noise the planted
 * first-layer update is a global minimiser (f = 0, ∇f = 0) with one module; the
 * curvature stays below L and is negative somewhere (nonconvex). */
static void test_mlp_facts(void **state)
{
	(void)state;
	pcase pc = { LS_PROBLEM_MLP, 4, 6, 2, 40, 0.0, 1, true };
	ls_problem p;
	create(&p, &pc, 6);
	assert_false(p.type->convex);
	assert_true(p.nmod == 1 && p.shape[0].m == 4 && p.shape[0].n == 6);
	assert_close(p.type->loss_dense(&p, &p.target), 0.0, 0, 1e-28);
	ls_mat G;
	assert_ok(ls_mat_alloc(&G, 4, 6, NULL));
	assert_ok(p.type->grad_dense(&p, &p.target, &G));
	assert_true(max_abs(&G) < 1e-14);
	double lo = curvature_bounded_by_L(&p, 1.0, 7);
	ls_mat_free(&G);
	ls_problem_destroy(&p);
	pc.modules = 2;
	create(&p, &pc, 6);
	assert_true(p.nmod == 2 && p.shape[1].m == 4 && p.shape[1].n == 4);
	/* L holds where ‖X2‖₂ ≤ ‖W2⁰‖₂: entries 0.05 keep ‖X2‖₂ well inside. */
	lo = fmin(lo, curvature_bounded_by_L(&p, 0.05, 8));
	assert_true(lo < 0.0);
	ls_problem_destroy(&p);
}

/* Every problem builds at the smallest sizes (m = n = 1, true rank 1, default samples)
 * or refuses them with a message, and then gives finite losses and gradients. */
static void test_tiny_sizes(void **state)
{
	(void)state;
	for (int id = 0; id < LS_PROBLEM_COUNT; id++) {
		pcase pc = { (ls_problem_id)id, 1, 1, 1, 0, 0.0, 1, true };
		ls_config c;
		make_config(&c, &pc);
		ls_rng rng;
		ls_rng_seed(&rng, 2);
		ls_problem p;
		ls_error err;
		ls_status st = ls_problem_create(&p, &c, NULL, &rng, &err);
		if (id == LS_PROBLEM_CLASSIFY) {
			assert_int_equal(st, LS_ERANGE);
			continue;
		}
		if (st != LS_OK)
			fail_msg("%s at 1×1: %s", ls_problem_names[id], err.msg);
		factors f;
		factors_alloc(&f, &p, 1, 1.0, 3);
		ls_factors F = view(&f);
		double loss = NAN;
		assert_ok(p.type->loss_grad(&p, &F, NULL, &loss, f.GA, f.GB));
		assert_true(isfinite(loss) && loss >= 0.0);
		for (size_t k = 0; k < p.nmod; k++)
			assert_true(ls_mat_isfinite(&f.GA[k]) && ls_mat_isfinite(&f.GB[k]));
		assert_true(p.type->lipschitz(&p) > 0.0);
		factors_free(&f);
		ls_problem_destroy(&p);
	}
}

/* The facts each type table states (problem.h): a preset's fixed shape is the shape it
 * builds and ls_problem_type_shape says so before building; its showcase rank fits that
 * shape and replaces a rank that does not, unless given; --true-rank changes the problem
 * exactly where plants_true_rank says it plants the answer. */
static void test_type_facts(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const pcase *pc = &cases[i];
		const ls_problem_type *t = ls_problem_types[pc->id];
		ls_config c;
		make_config(&c, pc);
		ls_shape sh = ls_problem_type_shape(&c);
		ls_problem p;
		create(&p, pc, 5);
		assert_int_equal(sh.m, p.shape[0].m);
		assert_int_equal(sh.n, p.shape[0].n);
		size_t size = sh.m < sh.n ? sh.m : sh.n;
		if (t->fixed.m) {
			assert_true(t->fixed.m == p.shape[0].m && t->fixed.n == p.shape[0].n);
			assert_true(t->showcase_rank >= 1 && (size_t)t->showcase_rank <= size);
			assert_false(t->plants_true_rank);
		} else {
			assert_int_equal(t->fixed.n, 0);
			assert_int_equal(t->showcase_rank, 0);
		}
		/* The default rank 8 on a preset: its showcase rank unless --rank was given; a
		 * rank that fits stays. */
		c.rank = 8;
		assert_false(ls_problem_type_fit_rank(&c, true));
		assert_int_equal(c.rank, 8);
		assert_int_equal(ls_problem_type_fit_rank(&c, false), t->fixed.m != 0);
		assert_int_equal(c.rank, t->fixed.m ? t->showcase_rank : 8);
		c.rank = (long)size;
		assert_false(ls_problem_type_fit_rank(&c, false));
		assert_int_equal(c.rank, (long)size);
		/* The same factors on the problem built with true rank 1 and 2. */
		pcase other = *pc;
		other.true_rank = 1;
		ls_problem p1;
		create(&p1, &other, 5);
		factors f;
		factors_alloc(&f, &p, 1, 1.0, 7);
		bool differ = loss_at(&p, &f, NULL) != loss_at(&p1, &f, NULL);
		if (differ != t->plants_true_rank)
			fail_msg("%s: true rank 1 and 2 %s problems", ls_problem_names[pc->id],
				 t->plants_true_rank ? "build the same" : "build different");
		factors_free(&f);
		ls_problem_destroy(&p1);
		ls_problem_destroy(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_problem_gradients),
		cmocka_unit_test(test_batches_partition_the_loss),
		cmocka_unit_test(test_shape_mismatch_refused),
		cmocka_unit_test(test_regression_sigma),
		cmocka_unit_test(test_regression_needs_samples),
		cmocka_unit_test(test_approx_planted_spectrum),
		cmocka_unit_test(test_sensing_lipschitz_and_truth),
		cmocka_unit_test(test_sensing_default_samples),
		cmocka_unit_test(test_trace2_facts),
		cmocka_unit_test(test_seed_determinism),
		cmocka_unit_test(test_loud5_known_answers),
		cmocka_unit_test(test_sense2x2_known_answers),
		cmocka_unit_test(test_classify_facts),
		cmocka_unit_test(test_mlp_facts),
		cmocka_unit_test(test_tiny_sizes),
		cmocka_unit_test(test_type_facts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
