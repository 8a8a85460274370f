/* theory_testutil.h — test-local problems with known answers for the theory tests.
 *
 * tq: f(X) = ½(x − x0)ᵀQ(x − x0) + (γ/4)‖x‖⁴ with x = vec of every module stacked
 * (column-major), Q a dense symmetric matrix written here from the closed forms of MATH.md
 * §9 (approx, regression, trace2, loud5, 2×2 sensing) — written independently of the
 * library's problem files, so the instruments are checked against the mathematics, not
 * against another implementation. γ > 0 makes the Hessian depend on X. Also: dense ∇g by
 * the test's own formula, a finite-difference Hessian of g, SVT prox-grad for X*. */
#ifndef LORASCOPE_THEORY_TESTUTIL_H
#define LORASCOPE_THEORY_TESTUTIL_H

#include <stdlib.h>

#include "lorascope/lora.h"
#include "lorascope/mat.h"
#include "lorascope/problem.h"
#include "lorascope/theory.h"
#include "testutil.h"

typedef struct {
	size_t N, off[LS_MAX_MODULES];
	ls_mat Q;
	double *x0, *x, *h, *y;
	double gamma;
} tq_data;

static inline void tq_pack(tq_data *d, const ls_problem *p, const ls_mat *X, double *x)
{
	for (size_t k = 0; k < p->nmod; k++)
		for (size_t j = 0; j < X[k].cols; j++)
			for (size_t i = 0; i < X[k].rows; i++)
				x[d->off[k] + i + j * X[k].rows] = LS_AT(X[k], i, j);
}

static inline void tq_unpack(tq_data *d, const ls_problem *p, const double *x, ls_mat *X)
{
	for (size_t k = 0; k < p->nmod; k++)
		for (size_t j = 0; j < X[k].cols; j++)
			for (size_t i = 0; i < X[k].rows; i++)
				LS_AT(X[k], i, j) = x[d->off[k] + i + j * X[k].rows];
}

static inline double tq_loss(ls_problem *p, const ls_mat *X)
{
	tq_data *d = p->data;
	tq_pack(d, p, X, d->x);
	double f = 0.0, xx = 0.0;
	for (size_t i = 0; i < d->N; i++) {
		double qi = 0.0;
		for (size_t j = 0; j < d->N; j++)
			qi += LS_AT(d->Q, i, j) * (d->x[j] - d->x0[j]);
		f += 0.5 * (d->x[i] - d->x0[i]) * qi;
		xx += d->x[i] * d->x[i];
	}
	return f + 0.25 * d->gamma * xx * xx;
}

static inline ls_status tq_grad(ls_problem *p, const ls_mat *X, ls_mat *G)
{
	tq_data *d = p->data;
	tq_pack(d, p, X, d->x);
	double xx = 0.0;
	for (size_t i = 0; i < d->N; i++)
		xx += d->x[i] * d->x[i];
	for (size_t i = 0; i < d->N; i++) {
		double gi = d->gamma * xx * d->x[i];
		for (size_t j = 0; j < d->N; j++)
			gi += LS_AT(d->Q, i, j) * (d->x[j] - d->x0[j]);
		d->y[i] = gi;
	}
	tq_unpack(d, p, d->y, G);
	return LS_OK;
}

static inline ls_status tq_hvp(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out)
{
	tq_data *d = p->data;
	tq_pack(d, p, X, d->x);
	tq_pack(d, p, H, d->h);
	double xx = 0.0, xh = 0.0;
	for (size_t i = 0; i < d->N; i++) {
		xx += d->x[i] * d->x[i];
		xh += d->x[i] * d->h[i];
	}
	for (size_t i = 0; i < d->N; i++) {
		double yi = d->gamma * (xx * d->h[i] + 2.0 * xh * d->x[i]);
		for (size_t j = 0; j < d->N; j++)
			yi += LS_AT(d->Q, i, j) * d->h[j];
		d->y[i] = yi;
	}
	tq_unpack(d, p, d->y, out);
	return LS_OK;
}

static inline void tq_destroy(ls_problem *p)
{
	tq_data *d = p->data;
	if (!d)
		return;
	ls_mat_free(&d->Q);
	free(d->x0);
	free(d->x);
	free(d->h);
	free(d->y);
	free(d);
	p->data = NULL;
}

static inline double tq_lipschitz(ls_problem *p)
{
	return 1.0;
}

static const ls_problem_type tq_type = {
	.name = "tq",
	.loss_dense = tq_loss,
	.grad_dense = tq_grad,
	.hvp_dense = tq_hvp,
	.destroy = tq_destroy,
	.lipschitz = tq_lipschitz,
	.convex = true,
};

/* A tq problem with nmod modules of the given shapes, Q = 0, x0 = 0, γ = 0, α, β unknown. */
static inline void tq_init(ls_problem *p, size_t nmod, const ls_shape *shape)
{
	memset(p, 0, sizeof *p);
	p->type = &tq_type;
	p->nmod = nmod;
	p->alpha_exact = NAN;
	p->beta_exact = NAN;
	tq_data *d = calloc(1, sizeof *d);
	assert_non_null(d);
	for (size_t k = 0; k < nmod; k++) {
		p->shape[k] = shape[k];
		d->off[k] = d->N;
		d->N += shape[k].m * shape[k].n;
	}
	assert_ok(ls_mat_alloc(&d->Q, d->N, d->N, NULL));
	d->x0 = calloc(d->N, sizeof(double));
	d->x = calloc(d->N, sizeof(double));
	d->h = calloc(d->N, sizeof(double));
	d->y = calloc(d->N, sizeof(double));
	assert_true(d->x0 && d->x && d->h && d->y);
	p->data = d;
}

static inline tq_data *tq(ls_problem *p)
{
	return p->data;
}

/* approx: f = ½‖X − M‖², ∇²f = I, α = β = 1. */
static inline void tq_approx(ls_problem *p, const ls_mat *M)
{
	ls_shape sh = { M->rows, M->cols };
	tq_init(p, 1, &sh);
	ls_mat_set_identity(&tq(p)->Q);
	tq_pack(tq(p), p, M, tq(p)->x0);
	p->alpha_exact = p->beta_exact = 1.0;
}

/* regression: f = ½ tr((X − X0)Σ(X − X0)ᵀ), Q = Σ ⊗ I_m. */
static inline void tq_regression(ls_problem *p, size_t m, const ls_mat *Sigma, const ls_mat *X0)
{
	ls_shape sh = { m, Sigma->rows };
	tq_init(p, 1, &sh);
	for (size_t j = 0; j < sh.n; j++)
		for (size_t jj = 0; jj < sh.n; jj++)
			for (size_t i = 0; i < m; i++)
				LS_AT(tq(p)->Q, i + j * m, i + jj * m) = LS_AT(*Sigma, j, jj);
	tq_pack(tq(p), p, X0, tq(p)->x0);
}

/* trace2: f = ½ Tr²(W0 − X), Q = vec(I)vec(I)ᵀ, α = 0. */
static inline void tq_trace2(ls_problem *p, const ls_mat *W0)
{
	size_t n = W0->rows;
	ls_shape sh = { n, n };
	tq_init(p, 1, &sh);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			LS_AT(tq(p)->Q, i * (n + 1), j * (n + 1)) = 1.0;
	tq_pack(tq(p), p, W0, tq(p)->x0);
	p->alpha_exact = 0.0;
	p->beta_exact = (double)n;
}

/* Add w·vec(S)vec(S)ᵀ to Q for a measurement matrix S of module 0 given by a callback. */
static inline void tq_add_meas(ls_problem *p, double w, const double *S)
{
	tq_data *d = tq(p);
	for (size_t i = 0; i < d->N; i++)
		for (size_t j = 0; j < d->N; j++)
			LS_AT(d->Q, i, j) += w * S[i] * S[j];
}

/* loud5 (MATH.md §9 "Fails loudly, 5×5"): ½Σ⟨S_k, X − e1e1ᵀ⟩², τ = 1.5, 26 measurements. */
static inline void tq_loud5(ls_problem *p)
{
	const double tau = 1.5;
	ls_shape sh = { 5, 5 };
	tq_init(p, 1, &sh);
	double S[25];
#define E(i, j) S[(i) + 5 * (j)]
	memset(S, 0, sizeof S);
	E(0, 0) = 1.0;
	tq_add_meas(p, 0.2, S);
	memset(S, 0, sizeof S);
	for (int i = 1; i < 5; i++)
		E(i, i) = 1.0;
	E(0, 0) = 2 * tau;
	tq_add_meas(p, 0.25, S);
	for (int i = 1; i < 5; i++)
		for (int j = 1; j < 5; j++) {
			memset(S, 0, sizeof S);
			E(i, j) = 1.0;
			if (i == j)
				E(0, 0) = tau;
			tq_add_meas(p, 0.2, S);
		}
	for (int j = 1; j < 5; j++) {
		memset(S, 0, sizeof S);
		E(0, j) = 1.0;
		tq_add_meas(p, 3.0, S);
		memset(S, 0, sizeof S);
		E(j, 0) = 1.0;
		tq_add_meas(p, 3.0, S);
	}
#undef E
	tq(p)->x0[0] = 1.0;
}

/* Two uncoupled loud5 modules (Theorem 2): ∇²f block diagonal, X* = (e1e1ᵀ, e1e1ᵀ). */
static inline void tq_loud5_pair(ls_problem *p)
{
	ls_problem one;
	tq_loud5(&one);
	ls_shape sh[2] = { { 5, 5 }, { 5, 5 } };
	tq_init(p, 2, sh);
	for (size_t b = 0; b < 2; b++)
		for (size_t i = 0; i < 25; i++)
			for (size_t j = 0; j < 25; j++)
				LS_AT(tq(p)->Q, 25 * b + i, 25 * b + j) = LS_AT(tq(&one)->Q, i, j);
	tq(p)->x0[0] = tq(p)->x0[25] = 1.0;
	tq_destroy(&one);
}

/* ∇g at L by the test's own formula (through tq_grad), packed like the Hessian of g. */
static inline void tg_grad(ls_problem *p, const ls_lora *L, double lambda, double *g)
{
	ls_mat X[LS_MAX_MODULES], G[LS_MAX_MODULES];
	size_t off = 0, r = L->r;
	for (size_t k = 0; k < L->nmod; k++) {
		size_t m = L->A[k].rows, n = L->B[k].rows;
		assert_ok(ls_mat_alloc(&X[k], m, n, NULL));
		assert_ok(ls_mat_alloc(&G[k], m, n, NULL));
		for (size_t i = 0; i < m; i++)
			for (size_t j = 0; j < n; j++) {
				double v = 0.0;
				for (size_t l = 0; l < r; l++)
					v += LS_AT(L->A[k], i, l) * LS_AT(L->B[k], j, l);
				LS_AT(X[k], i, j) = L->s[k] * v;
			}
	}
	tq_grad(p, X, G);
	for (size_t k = 0; k < L->nmod; k++) {
		size_t m = L->A[k].rows, n = L->B[k].rows;
		for (size_t l = 0; l < r; l++)
			for (size_t i = 0; i < m; i++) {
				double v = 0.0;
				for (size_t j = 0; j < n; j++)
					v += LS_AT(G[k], i, j) * LS_AT(L->B[k], j, l);
				g[off + i + l * m] = L->s[k] * v + lambda * LS_AT(L->A[k], i, l);
			}
		off += m * r;
		for (size_t l = 0; l < r; l++)
			for (size_t j = 0; j < n; j++) {
				double v = 0.0;
				for (size_t i = 0; i < m; i++)
					v += LS_AT(G[k], i, j) * LS_AT(L->A[k], i, l);
				g[off + j + l * n] = L->s[k] * v + lambda * LS_AT(L->B[k], j, l);
			}
		off += n * r;
		ls_mat_free(&X[k]);
		ls_mat_free(&G[k]);
	}
}

/* The parameters of L as one vector (same order), and back. */
static inline double *tg_param(ls_lora *L, size_t idx)
{
	for (size_t k = 0; k < L->nmod; k++) {
		size_t na = L->A[k].rows * L->r, nb = L->B[k].rows * L->r;
		if (idx < na)
			return &L->A[k].data[idx];
		idx -= na;
		if (idx < nb)
			return &L->B[k].data[idx];
		idx -= nb;
	}
	static double out_of_range; /* idx ≥ tg_dim(L): the callers never get here */
	fail_msg("parameter index out of range");
	return &out_of_range;
}

static inline size_t tg_dim(const ls_lora *L)
{
	size_t d = 0;
	for (size_t k = 0; k < L->nmod; k++)
		d += (L->A[k].rows + L->B[k].rows) * L->r;
	return d;
}

/* Plain GD on g with the test's own gradient. */
static inline void tg_descend(ls_problem *p, ls_lora *L, double lambda, double eta, long steps)
{
	size_t dim = tg_dim(L);
	double *g = calloc(dim, sizeof *g);
	assert_non_null(g);
	for (long t = 0; t < steps; t++) {
		tg_grad(p, L, lambda, g);
		for (size_t i = 0; i < dim; i++)
			*tg_param(L, i) -= eta * g[i];
	}
	free(g);
}

/* X* of f + λ‖X‖_* (one module) by proximal gradient with step 1/Lq, from 0. */
static inline void tq_prox(ls_problem *p, double lambda, double Lq, long iters, ls_mat *X)
{
	size_t m = X->rows, n = X->cols, q = m < n ? m : n;
	ls_mat G, Y, U, Vt;
	double *s = calloc(q, sizeof *s);
	assert_ok(ls_mat_alloc(&G, m, n, NULL));
	assert_ok(ls_mat_alloc(&Y, m, n, NULL));
	assert_ok(ls_mat_alloc(&U, m, q, NULL));
	assert_ok(ls_mat_alloc(&Vt, q, n, NULL));
	ls_mat_set_zero(X);
	for (long it = 0; it < iters; it++) {
		tq_grad(p, X, &G);
		ls_mat_copy(&Y, X);
		ls_mat_axpy(&Y, -1.0 / Lq, &G);
		assert_ok(ls_mat_svd(&Y, s, &U, &Vt, NULL));
		ls_mat_set_zero(X);
		for (size_t l = 0; l < q; l++) {
			double sv = s[l] - lambda / Lq;
			if (sv <= 0)
				continue;
			for (size_t j = 0; j < n; j++)
				for (size_t i = 0; i < m; i++)
					LS_AT(*X, i, j) += sv * LS_AT(U, i, l) * LS_AT(Vt, l, j);
		}
	}
	free(s);
	ls_mat_free(&G);
	ls_mat_free(&Y);
	ls_mat_free(&U);
	ls_mat_free(&Vt);
}

/* A LoRA state of rank r on the shapes of p, scaling s for every module. */
static inline void tl_alloc(ls_lora *L, const ls_problem *p, size_t r, double s)
{
	memset(L, 0, sizeof *L);
	L->nmod = p->nmod;
	L->r = r;
	for (size_t k = 0; k < p->nmod; k++) {
		assert_ok(ls_mat_alloc(&L->A[k], p->shape[k].m, r, NULL));
		assert_ok(ls_mat_alloc(&L->B[k], p->shape[k].n, r, NULL));
		L->s[k] = s;
	}
}

static inline void tl_free(ls_lora *L)
{
	for (size_t k = 0; k < L->nmod; k++) {
		ls_mat_free(&L->A[k]);
		ls_mat_free(&L->B[k]);
	}
}

/* Module k of L (loud5's 5×5 shape, rank ≥ 2, zero factors) at the spurious second-order
 * stationary point A_k = B_k = √1.5·[e2 e3] (MATH.md §9). */
static inline void tl_loud5_spurious(ls_lora *L, size_t k)
{
	LS_AT(L->A[k], 1, 0) = LS_AT(L->B[k], 1, 0) = sqrt(1.5);
	LS_AT(L->A[k], 2, 1) = LS_AT(L->B[k], 2, 1) = sqrt(1.5);
}

/* Xs := loud5's global minimum e1e1ᵀ (a new 5×5 matrix). */
static inline void tq_loud5_xstar(ls_mat *Xs)
{
	assert_ok(ls_mat_alloc(Xs, 5, 5, NULL));
	LS_AT(*Xs, 0, 0) = 1.0;
}

#endif
