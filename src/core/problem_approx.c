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
 * ∇²f = I, so α = β = 1 exactly (MATH.md §9) and L = 1. No samples: batches are ignored.
 *
 * M·B and Mᵀ·A come from one pass over M in column blocks M_J (m×w, small enough for L2 and
 * for OpenBLAS's unpacked small-matrix kernels): P += M_J·B_J and (Mᵀ·A)_J = M_Jᵀ·A on the
 * cached block. Large problems split the columns in two fixed halves (the second half's P
 * summed in last), computed on two threads when OpenBLAS may use more than one: the
 * summation order never depends on the thread count, so results are the same either way. */
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lorascope/config.h"
#include "problem_util.h"

/* Largest planted singular value: with the default λ = 0.5 and decay 0.7 every
 * planted direction survives singular-value thresholding. */
#define APPROX_SIGMA1 2.0

/* Column blocks of M: m·w·r at most this (OpenBLAS's x86-64 small-matrix kernels take
 * m·n·k ≤ 10⁶ without packing; at 2048×2048, r = 16 a block is 27 columns, 432 KiB). */
#define APPROX_BLOCK_MWR 900000.0
#define APPROX_BLOCK_MIN 16
/* From this m·n·r on (4 Mflop per pass) the columns are split in two halves. */
#define APPROX_SPLIT_MNR 4194304.0

typedef struct {
	double half_norm2; /* ½‖M‖_F² */
	/* Workspaces, grown only when the rank grows; MB2 holds the second half's M·B. */
	ls_mat MB, MB2, MtA, AtA, BtB;
} approx_data;

/* One half of the pass: columns [j0, j1) of M in blocks of w. P := M[:, j0:j1]·B[j0:j1, :]
 * and, when Q is not NULL, Q[j0:j1, :] := M[:, j0:j1]ᵀ·A. */
typedef struct {
	const ls_mat *M, *A, *B;
	ls_mat *P, *Q;
	size_t j0, j1, w;
} approx_half;

static void *approx_pass(void *arg)
{
	const approx_half *h = arg;
	const ls_mat *M = h->M;
	int m = (int)M->rows, r = (int)h->A->cols;
	for (size_t j = h->j0; j < h->j1; j += h->w) {
		int w = (int)(h->j1 - j < h->w ? h->j1 - j : h->w);
		const double *MJ = M->data + j * M->ld;
		cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, r, w, 1.0, MJ, (int)M->ld,
			    h->B->data + j, (int)h->B->ld, j > h->j0 ? 1.0 : 0.0, h->P->data,
			    (int)h->P->ld);
		if (h->Q)
			cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, w, r, m, 1.0, MJ,
				    (int)M->ld, h->A->data, (int)h->A->ld, 0.0, h->Q->data + j,
				    (int)h->Q->ld);
	}
	return NULL;
}

/* P := M·B and, when Q is not NULL, Q := Mᵀ·A in one blocked pass over M (see the top).
 * P2 is the second half's scratch (m×r). */
static void approx_products(const ls_mat *M, const ls_mat *A, const ls_mat *B, ls_mat *P,
			    ls_mat *P2, ls_mat *Q)
{
	size_t m = M->rows, n = M->cols, r = A->cols;
	if (n == 0) {
		ls_mat_set_zero(P);
		return;
	}
	double fw = APPROX_BLOCK_MWR / ((double)(m ? m : 1) * (double)(r ? r : 1));
	size_t w = fw < APPROX_BLOCK_MIN ? APPROX_BLOCK_MIN : fw > (double)n ? n : (size_t)fw;
	size_t blocks = (n + w - 1) / w;
	if ((double)m * (double)n * (double)r < APPROX_SPLIT_MNR || blocks < 2) {
		approx_half all = { M, A, B, P, Q, 0, n, w };
		approx_pass(&all);
		return;
	}
	size_t mid = (blocks + 1) / 2 * w;
	approx_half lo = { M, A, B, P, Q, 0, mid, w }, hi = { M, A, B, P2, Q, mid, n, w };
	int threads = openblas_get_num_threads();
	bool two = false;
	pthread_t th;
	if (threads > 1) {
		/* Each half runs single-threaded BLAS on its own core; OpenBLAS's pool is
		 * not entered from two threads at once. */
		openblas_set_num_threads(1);
		two = pthread_create(&th, NULL, approx_pass, &hi) == 0;
	}
	approx_pass(&lo);
	if (two)
		pthread_join(th, NULL);
	else
		approx_pass(&hi);
	if (threads > 1)
		openblas_set_num_threads(threads);
	for (size_t k = 0; k < r; k++)
		for (size_t i = 0; i < m; i++)
			LS_AT(*P, i, k) += LS_AT(*P2, i, k);
}

static void approx_destroy(ls_problem *p)
{
	approx_data *d = p->data;
	if (!d)
		return;
	ls_mat_free(&d->MB);
	ls_mat_free(&d->MB2);
	ls_mat_free(&d->MtA);
	ls_mat_free(&d->AtA);
	ls_mat_free(&d->BtB);
	free(d);
	p->data = NULL;
}

static ls_status approx_create(ls_problem *p, const ls_config *cfg, const ls_inputs *in,
			       ls_rng *rng, ls_error *err)
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
	ls_status st = ls_probutil_input(cfg, in, LS_PARAM_target, m, n, need, &p->target, &loaded,
					 err);
	if (st == LS_OK && !loaded) {
		st = ls_mat_alloc(&p->target, m, n, err);
		if (st == LS_OK)
			st = ls_probutil_planted(rng, &p->target, tr, APPROX_SIGMA1, cfg->decay,
						 NULL, err);
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
	ls_mat MB, MB2, MtA, AtA, BtB;
	if ((st = ls_probutil_ensure(&d->MB, M->rows, r, &MB, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->MB2, M->rows, r, &MB2, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->MtA, M->cols, r, &MtA, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->AtA, r, r, &AtA, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->BtB, r, r, &BtB, NULL)) != LS_OK)
		return st;
	approx_products(M, A, B, &MB, &MB2, GB ? &MtA : NULL);
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
		if ((st = ls_mat_copy(&GB[0], &MtA)) != LS_OK)
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
	ls_status st = ls_probutil_check_dense_all(p, X, G, NULL);
	if (st == LS_OK)
		st = ls_mat_copy(&G[0], &X[0]);
	if (st == LS_OK)
		st = ls_mat_axpy(&G[0], -1.0, &p->target);
	return st;
}

static ls_status approx_hvp_dense(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out)
{
	ls_status st = ls_probutil_check_dense_all(p, X, H, NULL);
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
	.quadratic = true,
	.plants_true_rank = true,
};
