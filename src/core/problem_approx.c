/* problem_approx.c — low-rank approximation f(X) = ½‖M − X‖_F² (MATH.md §1, §7, §9;
 * Rushka–Klabjan §2.3 with M = W0).
 *
 * M = U·diag(σ)·Vᵀ + noise·G with σ_i = 2·decay^(i−1), i = 1..true_rank, on random
 * orthonormal U, V; or M read from --target (m×n, as is: no noise added). loss_grad never
 * forms the m×n X: with X = s·A·Bᵀ,
 *   f  = ½‖M‖² − s⟨A, M·B⟩ + ½s²⟨AᵀA, BᵀB⟩,
 *   GA = (X − M)·B  = s·A·(BᵀB) − M·B,     GB = (X − M)ᵀ·A = s·B·(AᵀA) − Mᵀ·A.
 * The expansion carries an absolute rounding error ~1e-16·‖M‖² (cancellation when f
 * is near 0): values below that floor are noise, and negative ones are returned as 0.
 * ∇²f = I, so α = β = 1 exactly (MATH.md §9) and L = 1. No samples: batches are ignored. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lorascope/config.h"
#include "problem_util.h"

/* Largest planted singular value: with the default λ = 0.5 and decay 0.7 every
 * planted direction survives singular-value thresholding. */
#define APPROX_SIGMA1 2.0

typedef struct {
	double half_norm2; /* ½‖M‖_F² */
	/* Workspaces, grown only when the rank grows. */
	ls_mat MB, MtA, AtA, BtB;
} approx_data;

static void approx_destroy(ls_problem *p)
{
	approx_data *d = p->data;
	if (!d)
		return;
	ls_mat_free(&d->MB);
	ls_mat_free(&d->MtA);
	ls_mat_free(&d->AtA);
	ls_mat_free(&d->BtB);
	free(d);
	p->data = NULL;
}

static ls_status approx_create(ls_problem *p, const ls_config *cfg, ls_rng *rng, ls_error *err)
{
	size_t m = (size_t)cfg->m, n = (size_t)cfg->n, tr = (size_t)cfg->true_rank;
	approx_data *d = calloc(1, sizeof *d);
	if (!d)
		return ls_error_set(err, LS_ENOMEM, "approx: out of memory");
	p->data = d;
	p->nmod = 1;
	p->shape[0] = (ls_shape){ m, n };
	p->samples = 0;
	p->alpha_exact = 1.0;
	p->beta_exact = 1.0;
	char need[64];
	snprintf(need, sizeof need, "--m %zu --n %zu", m, n);
	bool loaded;
	ls_status st =
		ls_probutil_load(cfg, LS_PARAM_target, m, n, need, &p->target, &loaded, err);
	if (st == LS_OK && !loaded) {
		st = ls_mat_alloc(&p->target, m, n, err);
		if (st == LS_OK)
			st = ls_probutil_planted(rng, &p->target, tr, APPROX_SIGMA1, cfg->decay, NULL,
						 err);
	}
	if (st != LS_OK)
		return st;
	if (cfg->noise > 0.0 && !loaded)
		for (size_t j = 0; j < n; j++)
			for (size_t i = 0; i < m; i++)
				LS_AT(p->target, i, j) += cfg->noise * ls_rng_normal(rng);
	double nm = ls_mat_norm(&p->target);
	d->half_norm2 = 0.5 * nm * nm;
	return LS_OK;
}

static ls_status approx_loss_grad(ls_problem *p, const ls_factors *F, const ls_batch *batch,
				  double *loss, ls_mat *GA, ls_mat *GB)
{
	(void)batch;
	approx_data *d = p->data;
	ls_status st = ls_probutil_check_factors(p, F);
	if (st != LS_OK)
		return st;
	const ls_mat *A = &F->A[0], *B = &F->B[0], *M = &p->target;
	double s = F->s[0];
	size_t r = A->cols;
	ls_mat MB, MtA, AtA, BtB;
	if ((st = ls_probutil_ensure(&d->MB, M->rows, r, &MB, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->MtA, M->cols, r, &MtA, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->AtA, r, r, &AtA, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->BtB, r, r, &BtB, NULL)) != LS_OK)
		return st;
	ls_mat_gemm(false, false, 1.0, M, B, 0.0, &MB);
	ls_mat_gemm(true, false, 1.0, A, A, 0.0, &AtA);
	ls_mat_gemm(true, false, 1.0, B, B, 0.0, &BtB);
	if (loss) {
		/* Rounding can push the expansion below 0 when f ≈ 0; f is a squared norm. */
		double f = d->half_norm2 - s * ls_mat_dot(A, &MB) +
			   0.5 * s * s * ls_mat_dot(&AtA, &BtB);
		*loss = f > 0.0 ? f : 0.0;
	}
	if (GA) {
		if ((st = ls_mat_copy(&GA[0], &MB)) != LS_OK)
			return st;
		ls_mat_gemm(false, false, s, A, &BtB, -1.0, &GA[0]);
	}
	if (GB) {
		if ((st = ls_mat_gemm(true, false, 1.0, M, A, 0.0, &MtA)) != LS_OK ||
		    (st = ls_mat_copy(&GB[0], &MtA)) != LS_OK)
			return st;
		ls_mat_gemm(false, false, s, B, &AtA, -1.0, &GB[0]);
	}
	return LS_OK;
}

static double approx_loss_dense(ls_problem *p, const ls_mat *X)
{
	const ls_mat *M = &p->target;
	if (ls_probutil_check_dense(p, X) != LS_OK)
		return NAN;
	double f = 0.0;
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++) {
			double e = LS_AT(X[0], i, j) - LS_AT(*M, i, j);
			f += e * e;
		}
	return 0.5 * f;
}

static ls_status approx_grad_dense(ls_problem *p, const ls_mat *X, ls_mat *G)
{
	ls_status st = ls_probutil_check_dense(p, X);
	if (st == LS_OK)
		st = ls_probutil_check_dense(p, G);
	if (st == LS_OK)
		st = ls_mat_copy(&G[0], &X[0]);
	if (st == LS_OK)
		st = ls_mat_axpy(&G[0], -1.0, &p->target);
	return st;
}

static ls_status approx_hvp_dense(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out)
{
	ls_status st = ls_probutil_check_dense(p, X);
	if (st == LS_OK)
		st = ls_probutil_check_dense(p, H);
	if (st == LS_OK)
		st = ls_mat_copy(&out[0], &H[0]);
	return st;
}

static double approx_lipschitz(ls_problem *p)
{
	(void)p;
	return 1.0;
}

const ls_problem_type ls_problem_approx = {
	.name = "approx",
	.create = approx_create,
	.destroy = approx_destroy,
	.loss_grad = approx_loss_grad,
	.loss_dense = approx_loss_dense,
	.grad_dense = approx_grad_dense,
	.hvp_dense = approx_hvp_dense,
	.lipschitz = approx_lipschitz,
	.convex = true,
};
