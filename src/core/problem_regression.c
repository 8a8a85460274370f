/* problem_regression.c — linear-regression fine-tuning f(X) = 1/(2N)‖(W0 + X)Z − Y‖_F²
 * (MATH.md §1, §9).
 *
 * Inputs Z = √N·Q·diag(√λ)·Gᵀ with Q (n×n) and G (N×n) random orthonormal, so that
 * Σ = ZZᵀ/N = Q·diag(λ)·Qᵀ exactly, λ_i = κ^{i/(n−1)} from 1 to κ (the --kappa knob).
 * Teacher Y = (W0 + X♮)Z + noise, X♮ planted of rank true_rank (σ_i = 2·decay^(i−1)),
 * W0 with N(0, 1/n) entries. Any of W0 (--w0, m×n), Z (--inputs, n×N), Y (--outputs,
 * m×N) and X♮ (--target, when Y is made) may come from files instead, the rest drawn as
 * above; with a file Z, α and β are the extreme eigenvalues of ZZᵀ/N (LAPACK).
 * Precomputed E0 = W0·Z − Y, so the residual is
 * R = E0 + s·A·(BᵀZ) and X is never formed in loss_grad:
 *   f = ‖R‖²/(2b),  GA = ∇f·B = R·(BᵀZ)ᵀ/b,  GB = ∇fᵀ·A = Z·(AᵀR)ᵀ/b
 * over the b samples of the batch. ∇²f[H] = H·Σ: α = λ_min(Σ), β = λ_max(Σ) exactly
 * (MATH.md §9, SPECIAL iff κ < 2), L = λ_max(Σ). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lorascope/config.h"
#include "problem_util.h"

#define REGRESSION_SIGMA1 2.0
/* Default number of samples, per input dimension. */
#define REGRESSION_SAMPLES_PER_DIM 4

typedef struct {
	size_t N;
	ls_mat Z;     /* n×N */
	ls_mat E0;    /* m×N: W0·Z − Y */
	ls_mat Sigma; /* n×n: ZZᵀ/N */
	double lmax;
	/* Workspaces (grow-only). */
	ls_probutil_layer_ws ws;
	ls_probutil_threads thr; /* loss_grad's threads, timed */
} regression_data;

static void regression_destroy(ls_problem *p)
{
	regression_data *d = p->data;
	if (!d)
		return;
	ls_mat *all[] = { &d->Z, &d->E0, &d->Sigma };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ls_mat_free(all[i]);
	ls_probutil_layer_ws_free(&d->ws);
	free(d);
	p->data = NULL;
}

/* Z := √N·Q·diag(√λ)·Gᵀ with λ geometric from 1 to kappa; Sigma := ZZᵀ/N
 * (= Q·diag(λ)·Qᵀ up to rounding, since GᵀG = I). */
static ls_status regression_inputs(regression_data *d, size_t n, double kappa, ls_rng *rng,
				   ls_error *err)
{
	ls_mat Q = { 0 }, G = { 0 };
	ls_status st = ls_mat_alloc(&Q, n, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&G, d->N, n, err);
	if (st == LS_OK)
		st = ls_probutil_orthonormal(rng, &Q, err);
	if (st == LS_OK)
		st = ls_probutil_orthonormal(rng, &G, err);
	if (st == LS_OK) {
		d->lmax = n > 1 ? kappa : 1.0;
		for (size_t i = 0; i < n; i++) {
			double lam = n > 1 ? pow(kappa, (double)i / (double)(n - 1)) : 1.0;
			ls_mat qi = ls_mat_cols(Q, i, 1);
			ls_mat_scale(&qi, sqrt(lam));
		}
		st = ls_mat_gemm(false, true, sqrt((double)d->N), &Q, &G, 0.0, &d->Z);
		if (st == LS_OK)
			st = ls_mat_gemm(false, true, 1.0 / (double)d->N, &d->Z, &d->Z, 0.0,
					 &d->Sigma);
	}
	ls_mat_free(&Q);
	ls_mat_free(&G);
	return st;
}

/* Sigma := ZZᵀ/N for inputs from a file; lmin, lmax := its extreme eigenvalues. */
static ls_status regression_file_sigma(regression_data *d, double *lmin, ls_error *err)
{
	ls_status st = ls_probutil_gram_eig(&d->Z, &d->Sigma, lmin, &d->lmax, err);
	if (st == LS_OK && !(*lmin > 0.0))
		*lmin = 0.0;
	return st;
}

static ls_status regression_create(ls_problem *p, const ls_config *cfg, const ls_inputs *in,
				   ls_rng *rng, ls_error *err)
{
	size_t m = (size_t)cfg->m, n = (size_t)cfg->n, tr = (size_t)cfg->true_rank;
	size_t N = cfg->samples > 0 ? (size_t)cfg->samples : REGRESSION_SAMPLES_PER_DIM * n;
	if (N < n && !cfg->inputs[0])
		return ls_error_set(err, LS_ERANGE,
				    "regression: --samples %zu is below --n %zu; Z Zᵀ/N would be "
				    "singular",
				    N, n);
	regression_data *d = calloc(1, sizeof *d);
	if (!d)
		return ls_error_set(err, LS_ENOMEM, "regression: out of memory");
	p->data = d;
	p->nmod = 1;
	p->shape[0] = (ls_shape){ m, n };
	p->samples = N;
	d->N = N;
	/* The files first (a bad one is refused before the large allocations). */
	char nmn[64], nz[64], ny[64];
	snprintf(nmn, sizeof nmn, "--m %zu --n %zu", m, n);
	snprintf(nz, sizeof nz, "--n %zu --samples %zu", n, N);
	snprintf(ny, sizeof ny, "--m %zu --samples %zu", m, N);
	ls_mat W0 = { 0 }, Y = { 0 };
	bool have_w0, have_z, have_y, have_x;
	ls_status st = ls_probutil_input(cfg, in, LS_PARAM_w0, m, n, nmn, &W0, &have_w0, err);
	if (st == LS_OK)
		st = ls_probutil_input(cfg, in, LS_PARAM_inputs, n, N, nz, &d->Z, &have_z, err);
	if (st == LS_OK)
		st = ls_probutil_input(cfg, in, LS_PARAM_outputs, m, N, ny, &Y, &have_y, err);
	if (st == LS_OK && have_y && cfg->target[0])
		st = ls_error_set(err, LS_EINVAL,
				  "--target: regression's planted update only makes Y; --outputs "
				  "gives Y");
	if (st == LS_OK)
		st = ls_probutil_input(cfg, in, LS_PARAM_target, m, n, nmn, &p->target, &have_x,
				       err);
	if (st == LS_OK && !have_z)
		st = ls_mat_alloc(&d->Z, n, N, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->E0, m, N, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->Sigma, n, n, err);
	if (st == LS_OK && !have_x && !have_y)
		st = ls_mat_alloc(&p->target, m, n, err);
	if (st == LS_OK && !have_w0)
		st = ls_mat_alloc(&W0, m, n, err);
	double lmin = 1.0;
	if (st == LS_OK)
		st = have_z ? regression_file_sigma(d, &lmin, err)
			    : regression_inputs(d, n, cfg->kappa, rng, err);
	if (st == LS_OK && !have_x && !have_y)
		st = ls_probutil_planted(rng, &p->target, tr, REGRESSION_SIGMA1, cfg->decay, NULL,
					 err);
	if (st == LS_OK && !have_w0)
		ls_rng_fill_normal(rng, &W0, 0.0, 1.0 / sqrt((double)n));
	if (st == LS_OK && have_y) {
		/* E0 := W0·Z − Y. */
		st = ls_mat_copy(&d->E0, &Y);
		if (st == LS_OK)
			st = ls_mat_gemm(false, false, 1.0, &W0, &d->Z, -1.0, &d->E0);
	} else if (st == LS_OK) {
		/* Y = (W0 + X♮)·Z + noise, built in E0; then E0 := W0·Z − Y. */
		st = ls_mat_axpy(&W0, 1.0, &p->target);
		if (st == LS_OK)
			st = ls_mat_gemm(false, false, 1.0, &W0, &d->Z, 0.0, &d->E0);
		if (st == LS_OK && cfg->noise > 0.0)
			for (size_t j = 0; j < N; j++)
				for (size_t i = 0; i < m; i++)
					LS_AT(d->E0, i, j) += cfg->noise * ls_rng_normal(rng);
		if (st == LS_OK)
			st = ls_mat_axpy(&W0, -1.0, &p->target);
		if (st == LS_OK)
			st = ls_mat_gemm(false, false, 1.0, &W0, &d->Z, -1.0, &d->E0);
	}
	ls_mat_free(&W0);
	ls_mat_free(&Y);
	if (st != LS_OK)
		return st;
	p->alpha_exact = lmin;
	p->beta_exact = d->lmax;
	return LS_OK;
}

/* The layer pass's step (problem_util.h): R_J = E0_J + s·A·(BᵀZ_J) is the residual. */
static double regression_out(void *ctx, ls_mat *R, size_t j0)
{
	(void)ctx;
	(void)j0;
	double nr = ls_mat_norm(R);
	return 0.5 * nr * nr;
}

static ls_status regression_loss_grad(ls_problem *p, const ls_factors *F, const ls_batch *batch,
				      double *loss, ls_mat *GA, ls_mat *GB)
{
	regression_data *d = p->data;
	return ls_probutil_layer_loss_grad(p, F, batch, &d->Z, &d->E0, &d->ws, &d->thr,
					   regression_out, NULL, loss, GA, GB);
}

/* R := E0 + X·Z over every sample (the dense residual), in the R workspace. */
static ls_status regression_residual(regression_data *d, const ls_mat *X, ls_mat *R)
{
	return ls_probutil_dense_affine(&d->ws.R, &d->E0, X, &d->Z, R);
}

static double regression_loss_dense(ls_problem *p, const ls_mat *X)
{
	regression_data *d = p->data;
	ls_mat R;
	if (ls_probutil_check_dense(p, X) != LS_OK || regression_residual(d, &X[0], &R) != LS_OK)
		return NAN;
	double nr = ls_mat_norm(&R);
	return 0.5 * nr * nr / (double)d->N;
}

static ls_status regression_grad_dense(ls_problem *p, const ls_mat *X, ls_mat *G)
{
	regression_data *d = p->data;
	ls_mat R;
	ls_status st = ls_probutil_check_dense_all(p, X, G, NULL);
	if (st == LS_OK)
		st = regression_residual(d, &X[0], &R);
	if (st == LS_OK)
		st = ls_mat_gemm(false, true, 1.0 / (double)d->N, &R, &d->Z, 0.0, &G[0]);
	return st;
}

static ls_status regression_hvp_dense(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out)
{
	regression_data *d = p->data;
	ls_status st = ls_probutil_check_dense_all(p, X, H, out);
	if (st == LS_OK)
		st = ls_mat_gemm(false, false, 1.0, &H[0], &d->Sigma, 0.0, &out[0]);
	return st;
}

static double regression_lipschitz(ls_problem *p)
{
	return ((regression_data *)p->data)->lmax;
}

const ls_problem_type ls_problem_regression = {
	.name = "regression",
	.create = regression_create,
	.destroy = regression_destroy,
	.loss_grad = regression_loss_grad,
	.loss_dense = regression_loss_dense,
	.grad_dense = regression_grad_dense,
	.hvp_dense = regression_hvp_dense,
	.lipschitz = regression_lipschitz,
	.convex = true,
	.quadratic = true,
	.plants_true_rank = true,
};
