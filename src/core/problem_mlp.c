/* problem_mlp.c — two-layer teacher–student network (MATH.md §1): nonconvex in X.
 *
 *   f = 1/(2N) Σ_i ‖W2'·tanh(W1'·z_i) − y_i‖²,  W1' = W1⁰ + X1 (m×n),  W2' = W2⁰ + X2 (m×m),
 * hidden width and outputs m, inputs n. LoRA sits on the first layer (--modules 1:
 * module 0 = X1) or on both (--modules 2: module 1 = X2). W1⁰ has N(0, 1/n) entries,
 * W2⁰ N(0, 1/m); z_i ~ N(0, I_n); the teacher is (W1⁰ + X1♮, W2⁰ + X2♮) with planted
 * updates of rank true_rank (σ_i = 2·decay^(i−1); X2♮ = 0 with one module) and
 * y_i = teacher(z_i) + noise, so without noise the planted updates are global
 * minimisers (f = 0). target = X1♮. --w0 (m×n) gives W1⁰ and --target (m×n) X1♮ from
 * files (the rest is drawn as above).
 * loss_grad backpropagates through the factors without forming X:
 *   Act = W1⁰Z + s1·A1(B1ᵀZ), Hid = tanh(Act), Out = W2⁰Hid + s2·A2(B2ᵀHid), E = Out − Y,
 *   ∇_{X2} = E·Hidᵀ/b,  D = (W2'ᵀE) ⊙ (1 − Hid²),  ∇_{X1} = D·Zᵀ/b.
 * hvp_dense is the exact directional derivative of that backward pass.
 * L: with λ = λ_max(ZZᵀ/N), w ≥ ‖W2'‖₂, e_max = w√m + max‖y_i‖, c = max|tanh''| = 4/(3√3),
 *   one module:  L = (w² + c·w·e_max)·λ, w = ‖W2⁰‖₂ — a bound on the whole space;
 *   two modules: L = max(2m, (2w² + c·w·e_max)·λ) + e_max·√λ with w = 2‖W2⁰‖₂: no global
 *   constant exists (the curvature along X1 grows like ‖W2⁰ + X2‖²), this one holds
 *   where ‖X2‖₂ ≤ ‖W2⁰‖₂. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lorascope/config.h"
#include "problem_util.h"

#define MLP_SIGMA1 2.0
#define MLP_SAMPLES_PER_DIM 16

typedef struct {
	size_t N, nmod;
	ls_mat Z;    /* n×N */
	ls_mat Y;    /* m×N */
	ls_mat W10;  /* m×n */
	ls_mat W20;  /* m×m */
	ls_mat W10Z; /* m×N */
	double L;
	/* Workspaces (grow-only). */
	ls_mat Zg, Hid, E, Dd, Bk, T1, T2, U1, U2;
	ls_mat W1, W2, P, Q; /* dense paths */
} mlp_data;

static void mlp_destroy(ls_problem *p)
{
	mlp_data *d = p->data;
	if (!d)
		return;
	ls_mat *all[] = { &d->Z,   &d->Y,  &d->W10, &d->W20, &d->W10Z, &d->Zg,
			  &d->Hid, &d->E,  &d->Dd,  &d->Bk,  &d->T1,   &d->T2,
			  &d->U1,  &d->U2, &d->W1,  &d->W2,  &d->P,    &d->Q };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ls_mat_free(all[i]);
	free(d);
	p->data = NULL;
}

/* Largest singular value of M (destroyed). */
static ls_status mlp_top_sv(ls_mat *M, double *top, ls_error *err)
{
	size_t k = M->rows < M->cols ? M->rows : M->cols;
	double *w = malloc((k ? k : 1) * sizeof *w);
	if (!w)
		return ls_error_set(err, LS_ENOMEM, "mlp: out of memory");
	ls_status st = ls_mat_svd_values(M, w, err);
	if (st == LS_OK)
		*top = w[0];
	free(w);
	return st;
}

static ls_status mlp_lipschitz_bound(mlp_data *d, ls_error *err)
{
	size_t m = d->Y.rows;
	ls_mat W = { 0 };
	double lam = 0.0, w2 = 0.0, ymax = 0.0;
	ls_status st = ls_probutil_gram_eig(&d->Z, NULL, NULL, &lam, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&W, m, m, err);
	if (st == LS_OK)
		st = ls_mat_copy(&W, &d->W20);
	if (st == LS_OK)
		st = mlp_top_sv(&W, &w2, err);
	ls_mat_free(&W);
	if (st != LS_OK)
		return st;
	for (size_t i = 0; i < d->N; i++) {
		ls_mat yi = ls_mat_cols(d->Y, i, 1);
		ymax = fmax(ymax, ls_mat_norm(&yi));
	}
	double c = 4.0 / (3.0 * sqrt(3.0));
	double w = d->nmod == 1 ? w2 : 2.0 * w2;
	double emax = w * sqrt((double)m) + ymax;
	if (d->nmod == 1)
		d->L = (w * w + c * w * emax) * lam;
	else
		d->L = fmax(2.0 * (double)m, (2.0 * w * w + c * w * emax) * lam) + emax * sqrt(lam);
	return LS_OK;
}

static ls_status mlp_create(ls_problem *p, const ls_config *cfg, const ls_inputs *in, ls_rng *rng,
			    ls_error *err)
{
	size_t m = (size_t)cfg->m, n = (size_t)cfg->n, tr = (size_t)cfg->true_rank;
	size_t nmod = cfg->modules == 2 ? 2 : 1;
	size_t N = cfg->samples > 0 ? (size_t)cfg->samples : MLP_SAMPLES_PER_DIM * (m > n ? m : n);
	mlp_data *d = calloc(1, sizeof *d);
	if (!d)
		return ls_error_set(err, LS_ENOMEM, "mlp: out of memory");
	p->data = d;
	p->nmod = nmod;
	p->shape[0] = (ls_shape){ m, n };
	p->shape[1] = (ls_shape){ m, m };
	p->samples = N;
	d->N = N;
	d->nmod = nmod;
	ls_mat X2 = { 0 }, Act = { 0 };
	char need[64];
	snprintf(need, sizeof need, "--m %zu --n %zu", m, n);
	bool have_w0, have_x;
	ls_status st = ls_probutil_input(cfg, in, LS_PARAM_w0, m, n, need, &d->W10, &have_w0, err);
	if (st == LS_OK)
		st = ls_probutil_input(cfg, in, LS_PARAM_target, m, n, need, &p->target, &have_x,
				       err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->Z, n, N, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->Y, m, N, err);
	if (st == LS_OK && !have_w0)
		st = ls_mat_alloc(&d->W10, m, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->W20, m, m, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->W10Z, m, N, err);
	if (st == LS_OK && !have_x)
		st = ls_mat_alloc(&p->target, m, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&X2, m, m, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&Act, m, N, err);
	if (st == LS_OK && !have_x)
		st = ls_probutil_planted(rng, &p->target, tr, MLP_SIGMA1, cfg->decay, NULL, err);
	if (st == LS_OK && nmod == 2)
		st = ls_probutil_planted(rng, &X2, tr, MLP_SIGMA1, cfg->decay, NULL, err);
	if (st == LS_OK) {
		if (!have_w0)
			ls_rng_fill_normal(rng, &d->W10, 0.0, 1.0 / sqrt((double)n));
		ls_rng_fill_normal(rng, &d->W20, 0.0, 1.0 / sqrt((double)m));
		ls_rng_fill_normal(rng, &d->Z, 0.0, 1.0);
		ls_mat_gemm(false, false, 1.0, &d->W10, &d->Z, 0.0, &d->W10Z);
		/* Teacher: Y = (W2⁰ + X2♮)·tanh((W1⁰ + X1♮)·Z) + noise. */
		ls_mat_copy(&Act, &d->W10Z);
		ls_mat_gemm(false, false, 1.0, &p->target, &d->Z, 1.0, &Act);
		for (size_t j = 0; j < N; j++)
			for (size_t i = 0; i < m; i++)
				LS_AT(Act, i, j) = tanh(LS_AT(Act, i, j));
		ls_mat_axpy(&X2, 1.0, &d->W20);
		ls_mat_gemm(false, false, 1.0, &X2, &Act, 0.0, &d->Y);
		if (cfg->noise > 0.0)
			for (size_t j = 0; j < N; j++)
				for (size_t i = 0; i < m; i++)
					LS_AT(d->Y, i, j) += cfg->noise * ls_rng_normal(rng);
		st = mlp_lipschitz_bound(d, err);
	}
	ls_mat_free(&X2);
	ls_mat_free(&Act);
	return st;
}

static void mlp_tanh(ls_mat *M)
{
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++)
			LS_AT(*M, i, j) = tanh(LS_AT(*M, i, j));
}

/* M := M ⊙ (1 − Hid²). */
static void mlp_dtanh(ls_mat *M, const ls_mat *Hid)
{
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++) {
			double h = LS_AT(*Hid, i, j);
			LS_AT(*M, i, j) *= 1.0 - h * h;
		}
}

static ls_status mlp_loss_grad(ls_problem *p, const ls_factors *F, const ls_batch *batch,
			       double *loss, ls_mat *GA, ls_mat *GB)
{
	mlp_data *d = p->data;
	ls_status st = ls_probutil_check_factors(p, F);
	if (st == LS_OK)
		st = ls_probutil_check_batch(p, batch);
	if (st != LS_OK)
		return st;
	size_t m = d->Y.rows, r = F->A[0].cols;
	size_t b = ls_probutil_batch_count(p, batch);
	bool two = d->nmod == 2;
	ls_mat Zb, Hid, E, D, Bk, T1, T2, U1, U2;
	if ((st = ls_probutil_ensure(&d->Hid, m, b, &Hid, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->E, m, b, &E, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->Dd, m, b, &D, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->Bk, m, b, &Bk, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->T1, r, b, &T1, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->T2, r, b, &T2, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->U1, r, b, &U1, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->U2, r, b, &U2, NULL)) != LS_OK)
		return st;
	/* Gather the batch: Z_b, W1⁰Z_b into Hid, Y_b into E. */
	if ((st = ls_probutil_batch_inputs(&d->Z, batch, &d->Zg, &Zb)) != LS_OK ||
	    (st = ls_probutil_gather(&d->W10Z, batch, &Hid)) != LS_OK ||
	    (st = ls_probutil_gather(&d->Y, batch, &E)) != LS_OK)
		return st;
	const ls_mat *A1 = &F->A[0], *B1 = &F->B[0];
	if ((st = ls_probutil_lowrank_apply(F->s[0], A1, B1, &Zb, &T1, &Hid)) != LS_OK)
		return st;
	mlp_tanh(&Hid);
	/* E := W2⁰·Hid + s2·A2·(B2ᵀHid) − Y_b. */
	ls_mat_gemm(false, false, 1.0, &d->W20, &Hid, -1.0, &E);
	if (two &&
	    (st = ls_probutil_lowrank_apply(F->s[1], &F->A[1], &F->B[1], &Hid, &T2, &E)) != LS_OK)
		return st;
	double inv = 1.0 / (double)b, ne = ls_mat_norm(&E);
	if (loss)
		*loss = 0.5 * inv * ne * ne;
	if (!GA && !GB)
		return LS_OK;
	/* Backward: Bk = W2'ᵀE = W2⁰ᵀE + s2·B2·(A2ᵀE), D = Bk ⊙ (1 − Hid²). */
	ls_mat_gemm(true, false, 1.0, &d->W20, &E, 0.0, &Bk);
	if (two) {
		ls_mat_gemm(true, false, 1.0, &F->A[1], &E, 0.0, &U2);
		ls_mat_gemm(false, false, F->s[1], &F->B[1], &U2, 1.0, &Bk);
	}
	ls_mat_copy(&D, &Bk);
	mlp_dtanh(&D, &Hid);
	st = ls_probutil_lowrank_grads(inv, A1, &D, &T1, &Zb, &U1, GA ? &GA[0] : NULL,
				       GB ? &GB[0] : NULL);
	if (st != LS_OK || !two)
		return st;
	/* Module 1: U2 = A2ᵀE is already there. */
	if (GA && (st = ls_mat_gemm(false, true, inv, &E, &T2, 0.0, &GA[1])) != LS_OK)
		return st;
	if (GB && (st = ls_mat_gemm(false, true, inv, &Hid, &U2, 0.0, &GB[1])) != LS_OK)
		return st;
	return LS_OK;
}

/* Dense forward pass at X over every sample: d->W1, d->W2 := W⁰ + X, Hid, E in
 * the workspaces; returns f through *f. */
static ls_status mlp_forward_dense(ls_problem *p, const ls_mat *X, ls_mat *Hid, ls_mat *E,
				   double *f)
{
	mlp_data *d = p->data;
	size_t m = d->Y.rows, n = d->Z.rows, N = d->N;
	ls_mat W1, W2;
	ls_status st = ls_probutil_check_dense(p, X);
	if (st == LS_OK)
		st = ls_probutil_ensure(&d->W1, m, n, &W1, NULL);
	if (st == LS_OK)
		st = ls_probutil_ensure(&d->W2, m, m, &W2, NULL);
	if (st == LS_OK)
		st = ls_probutil_ensure(&d->Hid, m, N, Hid, NULL);
	if (st == LS_OK)
		st = ls_probutil_ensure(&d->E, m, N, E, NULL);
	if (st != LS_OK)
		return st;
	ls_mat_copy(&W1, &d->W10);
	ls_mat_axpy(&W1, 1.0, &X[0]);
	ls_mat_copy(&W2, &d->W20);
	if (d->nmod == 2)
		ls_mat_axpy(&W2, 1.0, &X[1]);
	ls_mat_gemm(false, false, 1.0, &W1, &d->Z, 0.0, Hid);
	mlp_tanh(Hid);
	ls_mat_copy(E, &d->Y);
	ls_mat_gemm(false, false, 1.0, &W2, Hid, -1.0, E);
	double ne = ls_mat_norm(E);
	*f = 0.5 * ne * ne / (double)N;
	return LS_OK;
}

static double mlp_loss_dense(ls_problem *p, const ls_mat *X)
{
	ls_mat Hid, E;
	double f;
	return mlp_forward_dense(p, X, &Hid, &E, &f) == LS_OK ? f : NAN;
}

static ls_status mlp_grad_dense(ls_problem *p, const ls_mat *X, ls_mat *G)
{
	mlp_data *d = p->data;
	ls_mat Hid, E, D;
	double f, inv = 1.0 / (double)d->N;
	ls_status st = ls_probutil_check_dense(p, G);
	if (st == LS_OK)
		st = mlp_forward_dense(p, X, &Hid, &E, &f);
	if (st == LS_OK)
		st = ls_probutil_ensure(&d->Dd, E.rows, d->N, &D, NULL);
	if (st != LS_OK)
		return st;
	ls_mat_gemm(true, false, 1.0, &d->W2, &E, 0.0, &D);
	mlp_dtanh(&D, &Hid);
	ls_mat_gemm(false, true, inv, &D, &d->Z, 0.0, &G[0]);
	if (d->nmod == 2)
		ls_mat_gemm(false, true, inv, &E, &Hid, 0.0, &G[1]);
	return LS_OK;
}

/* Directional derivative of the backward pass along H = (H1, H2):
 *   dAct = H1·Z, dHid = (1 − Hid²) ⊙ dAct, dE = H2·Hid + W2'·dHid,
 *   ∂G2 = (dE·Hidᵀ + E·dHidᵀ)/N,
 *   ∂G1 = [(H2ᵀE + W2'ᵀdE) ⊙ (1 − Hid²) − 2·(W2'ᵀE) ⊙ Hid ⊙ dHid]·Zᵀ/N. */
static ls_status mlp_hvp_dense(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out)
{
	mlp_data *d = p->data;
	size_t m = d->Y.rows, N = d->N;
	bool two = d->nmod == 2;
	ls_mat Hid, E, dH, dE, D, Bk;
	double f, inv = 1.0 / (double)N;
	ls_status st = ls_probutil_check_dense_all(p, H, out, NULL);
	if (st == LS_OK)
		st = mlp_forward_dense(p, X, &Hid, &E, &f);
	if (st == LS_OK)
		st = ls_probutil_ensure(&d->P, m, N, &dH, NULL);
	if (st == LS_OK)
		st = ls_probutil_ensure(&d->Q, m, N, &dE, NULL);
	if (st == LS_OK)
		st = ls_probutil_ensure(&d->Dd, m, N, &D, NULL);
	if (st == LS_OK)
		st = ls_probutil_ensure(&d->Bk, m, N, &Bk, NULL);
	if (st != LS_OK)
		return st;
	ls_mat_gemm(false, false, 1.0, &H[0], &d->Z, 0.0, &dH);
	mlp_dtanh(&dH, &Hid);
	ls_mat_gemm(false, false, 1.0, &d->W2, &dH, 0.0, &dE);
	if (two)
		ls_mat_gemm(false, false, 1.0, &H[1], &Hid, 1.0, &dE);
	/* Bk = W2'ᵀE; D = (H2ᵀE + W2'ᵀdE) ⊙ (1 − Hid²) − 2·Bk ⊙ Hid ⊙ dHid. */
	ls_mat_gemm(true, false, 1.0, &d->W2, &E, 0.0, &Bk);
	ls_mat_gemm(true, false, 1.0, &d->W2, &dE, 0.0, &D);
	if (two)
		ls_mat_gemm(true, false, 1.0, &H[1], &E, 1.0, &D);
	mlp_dtanh(&D, &Hid);
	for (size_t j = 0; j < N; j++)
		for (size_t i = 0; i < m; i++)
			LS_AT(D, i, j) -= 2.0 * LS_AT(Bk, i, j) * LS_AT(Hid, i, j) *
					  LS_AT(dH, i, j);
	ls_mat_gemm(false, true, inv, &D, &d->Z, 0.0, &out[0]);
	if (two) {
		ls_mat_gemm(false, true, inv, &dE, &Hid, 0.0, &out[1]);
		ls_mat_gemm(false, true, inv, &E, &dH, 1.0, &out[1]);
	}
	return LS_OK;
}

static double mlp_lipschitz(ls_problem *p)
{
	return ((mlp_data *)p->data)->L;
}

const ls_problem_type ls_problem_mlp = {
	.name = "mlp",
	.create = mlp_create,
	.destroy = mlp_destroy,
	.loss_grad = mlp_loss_grad,
	.loss_dense = mlp_loss_dense,
	.grad_dense = mlp_grad_dense,
	.hvp_dense = mlp_hvp_dense,
	.lipschitz = mlp_lipschitz,
	.convex = false,
	.plants_true_rank = true,
};
