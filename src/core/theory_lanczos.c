/* theory_lanczos.c — the Hessian of the LoRA loss g(A, B) as a product, and its smallest
 * eigenvalue by Lanczos with full reorthogonalisation (MATH.md §5, second-order check).
 *
 * Derivation of the product. With X_k = s_k·A_k·B_kᵀ, G = ∇f(X):
 *   ∇_{A_k} g = s_k·G_k·B_k + λA_k,   ∇_{B_k} g = s_k·G_kᵀ·A_k + λB_k.
 * Along (dA, dB), X_k moves by s_k·H_k with H_k = dA_k·B_kᵀ + A_k·dB_kᵀ and G by
 * dG = ∇²f(X)[(s_k·H_k)_k]; differentiating the products gives
 *   d∇_{A_k} g = s_k·dG_k·B_k + s_k·G_k·dB_k + λ·dA_k,
 *   d∇_{B_k} g = s_k·dG_kᵀ·A_k + s_k·G_kᵀ·dA_k + λ·dB_k.
 * Cross-module coupling enters through dG (the problem's hvp mixes modules). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "lorascope/theory.h"

typedef struct {
	ls_problem *p;
	const ls_lora *L;
	double lambda;
	size_t dim;
	size_t off[LS_MAX_MODULES]; /* offset of vec(A_k) in a vector of length dim */
	ls_mat X[LS_MAX_MODULES], G[LS_MAX_MODULES], SH[LS_MAX_MODULES], HG[LS_MAX_MODULES];
} hess_op;

static void op_free(hess_op *h)
{
	for (size_t k = 0; k < LS_MAX_MODULES; k++) {
		ls_mat_free(&h->X[k]);
		ls_mat_free(&h->G[k]);
		ls_mat_free(&h->SH[k]);
		ls_mat_free(&h->HG[k]);
	}
}

static ls_status op_init(hess_op *h, ls_problem *p, const ls_lora *L, double lambda, ls_error *err)
{
	memset(h, 0, sizeof *h);
	h->p = p;
	h->L = L;
	h->lambda = lambda;
	if (L->nmod != p->nmod)
		return ls_error_set(err, LS_EDIM, "theory: LoRA has %zu modules, the problem %zu",
				    L->nmod, p->nmod);
	for (size_t k = 0; k < L->nmod; k++) {
		size_t m = p->shape[k].m, n = p->shape[k].n;
		if (L->A[k].rows != m || L->B[k].rows != n || L->A[k].cols != L->r ||
		    L->B[k].cols != L->r)
			return ls_error_set(err, LS_EDIM,
					    "theory: factors of module %zu do not "
					    "match the problem's %zu×%zu",
					    k, m, n);
		h->off[k] = h->dim;
		h->dim += (m + n) * L->r;
		ls_mat *all[] = { &h->X[k], &h->G[k], &h->SH[k], &h->HG[k] };
		for (size_t j = 0; j < 4; j++)
			if (ls_mat_alloc(all[j], m, n, err) != LS_OK)
				return err ? err->code : LS_ENOMEM;
		ls_status st = ls_lora_form(L, k, &h->X[k]);
		if (st != LS_OK)
			return ls_error_set(err, st, "theory: forming X of module %zu", k);
	}
	ls_status st = p->type->grad_dense(p, h->X, h->G);
	if (st != LS_OK)
		return ls_error_set(err, st, "theory: gradient of f at X");
	return LS_OK;
}

/* y := ∇²g·x (vectors of length h->dim). */
static ls_status op_apply(hess_op *h, const double *x, double *y)
{
	const ls_lora *L = h->L;
	size_t r = L->r;
	for (size_t k = 0; k < L->nmod; k++) {
		size_t m = L->A[k].rows, n = L->B[k].rows;
		ls_mat dA = ls_mat_view((double *)(x + h->off[k]), m, r, m);
		ls_mat dB = ls_mat_view((double *)(x + h->off[k] + m * r), n, r, n);
		double s = L->s[k];
		ls_mat_gemm(false, true, s, &dA, &L->B[k], 0.0, &h->SH[k]);
		ls_mat_gemm(false, true, s, &L->A[k], &dB, 1.0, &h->SH[k]);
	}
	ls_status st = h->p->type->hvp_dense(h->p, h->X, h->SH, h->HG);
	if (st != LS_OK)
		return st;
	for (size_t k = 0; k < L->nmod; k++) {
		size_t m = L->A[k].rows, n = L->B[k].rows;
		ls_mat dA = ls_mat_view((double *)(x + h->off[k]), m, r, m);
		ls_mat dB = ls_mat_view((double *)(x + h->off[k] + m * r), n, r, n);
		ls_mat yA = ls_mat_view(y + h->off[k], m, r, m);
		ls_mat yB = ls_mat_view(y + h->off[k] + m * r, n, r, n);
		double s = L->s[k];
		ls_mat_copy(&yA, &dA);
		ls_mat_scale(&yA, h->lambda);
		ls_mat_gemm(false, false, s, &h->G[k], &dB, 1.0, &yA);
		ls_mat_gemm(false, false, s, &h->HG[k], &L->B[k], 1.0, &yA);
		ls_mat_copy(&yB, &dB);
		ls_mat_scale(&yB, h->lambda);
		ls_mat_gemm(true, false, s, &h->G[k], &dA, 1.0, &yB);
		ls_mat_gemm(true, false, s, &h->HG[k], &L->A[k], 1.0, &yB);
	}
	return LS_OK;
}

ls_status ls_theory_hessian_g(ls_problem *p, const ls_lora *L, double lambda, ls_mat *Hg,
			      ls_error *err)
{
	hess_op h;
	ls_status st = op_init(&h, p, L, lambda, err);
	if (st == LS_OK && (Hg->rows != h.dim || Hg->cols != h.dim))
		st = ls_error_set(err, LS_EDIM, "theory: Hessian of g must be %zu×%zu", h.dim,
				  h.dim);
	double *e = st == LS_OK ? calloc(h.dim + 1, sizeof *e) : NULL;
	if (st == LS_OK && !e)
		st = ls_error_set(err, LS_ENOMEM, "theory: Hessian column");
	for (size_t j = 0; st == LS_OK && j < h.dim; j++) {
		e[j] = 1.0;
		st = op_apply(&h, e, Hg->data + j * Hg->ld);
		e[j] = 0.0;
		if (st != LS_OK)
			ls_error_set(err, st, "theory: Hessian-vector product");
	}
	free(e);
	op_free(&h);
	return st;
}

/* w := w − Q·(Qᵀw) over the first j columns, twice (full reorthogonalisation). */
static void reorth(const double *Q, size_t dim, size_t j, double *w, double *c)
{
	if (j == 0)
		return;
	for (int pass = 0; pass < 2; pass++) {
		cblas_dgemv(CblasColMajor, CblasTrans, (int)dim, (int)j, 1.0, Q, (int)dim, w, 1,
			    0.0, c, 1);
		cblas_dgemv(CblasColMajor, CblasNoTrans, (int)dim, (int)j, -1.0, Q, (int)dim, c, 1,
			    1.0, w, 1);
	}
}

/* A random unit vector (Gaussian, normalised): Lanczos's start. */
static void random_unit(ls_rng *rng, size_t dim, double *v)
{
	for (size_t i = 0; i < dim; i++)
		v[i] = ls_rng_normal(rng);
	double nv = cblas_dnrm2((int)dim, v, 1);
	if (nv > 0.0)
		cblas_dscal((int)dim, 1.0 / nv, v, 1);
}

/* Both extreme Ritz pairs converged: residual ≤ LANCZOS_TOL·max(|α_j|, β_j). */
#define LANCZOS_TOL 1e-10

ls_status ls_theory_lambda_min(ls_problem *p, const ls_lora *L, double lambda, size_t iters,
			       ls_rng *rng, ls_lanczos *out, ls_error *err)
{
	*out = (ls_lanczos){ .lmin = NAN, .lmax = NAN, .residual = NAN };
	hess_op h;
	ls_status st = op_init(&h, p, L, lambda, err);
	if (st != LS_OK) {
		op_free(&h);
		return st;
	}
	size_t dim = h.dim, kmax = iters < dim ? iters : dim;
	out->dim = dim;
	if (kmax == 0) {
		op_free(&h);
		return ls_error_set(err, LS_EINVAL, "theory: Lanczos needs at least one iteration");
	}
	double *Q = calloc(dim * (kmax + 1), sizeof *Q);
	double *w = calloc(dim, sizeof *w);
	double *c = calloc(kmax + 1, sizeof *c);
	double *al = calloc(kmax, sizeof *al), *be = calloc(kmax, sizeof *be);
	ls_mat T = { 0 };
	double *ev = calloc(kmax, sizeof *ev);
	if (!Q || !w || !c || !al || !be || !ev || ls_mat_alloc(&T, kmax, kmax, err) != LS_OK) {
		st = ls_error_set(err, LS_ENOMEM, "theory: Lanczos workspace (dimension %zu)", dim);
		goto done;
	}
	random_unit(rng, dim, Q);
	double scale = 0.0;
	size_t k = 0;
	for (size_t j = 0; j < kmax; j++) {
		double *qj = Q + j * dim;
		st = op_apply(&h, qj, w);
		if (st != LS_OK) {
			ls_error_set(err, st, "theory: Hessian-vector product in Lanczos");
			goto done;
		}
		al[j] = cblas_ddot((int)dim, qj, 1, w, 1);
		cblas_daxpy((int)dim, -al[j], qj, 1, w, 1);
		if (j > 0)
			cblas_daxpy((int)dim, -be[j - 1], Q + (j - 1) * dim, 1, w, 1);
		reorth(Q, dim, j + 1, w, c);
		be[j] = cblas_dnrm2((int)dim, w, 1);
		scale = fmax(scale, fmax(fabs(al[j]), be[j]));
		k = j + 1;
		if (j + 1 == kmax)
			break;
		/* Done when both extreme Ritz pairs have converged: ‖∇²g·v − θ·v‖ = β_k·|y_k|
		 * (MATH.md §5). This holds too when the Krylov space is invariant (β_k ≈ 0):
		 * then its Ritz values are eigenvalues, and a random start vector has a part in
		 * every eigenspace, the extreme ones among them. */
		double ext[2], last[2];
		st = ls_tridiag_extremes(al, be, k, ext, last, err);
		if (st != LS_OK)
			goto done;
		double tol = LANCZOS_TOL * fmax(scale, 1e-300);
		if (be[j] * fabs(last[0]) <= tol && be[j] * fabs(last[1]) <= tol)
			break;
		double *qn = Q + (j + 1) * dim;
		for (size_t i = 0; i < dim; i++)
			qn[i] = w[i] / be[j];
	}
	ls_mat Tk = ls_mat_block(T, 0, 0, k, k);
	ls_mat_set_zero(&Tk);
	for (size_t j = 0; j < k; j++) {
		LS_AT(Tk, j, j) = al[j];
		if (j + 1 < k)
			LS_AT(Tk, j, j + 1) = LS_AT(Tk, j + 1, j) = be[j];
	}
	st = ls_mat_sym_eig(&Tk, ev, true, err);
	if (st != LS_OK)
		goto done;
	out->iterations = k;
	out->lmin = ev[0];
	out->lmax = ev[k - 1];
	/* residual of the lowest Ritz pair: |β_k·(last component of its eigenvector)| */
	out->residual = k == dim ? 0.0 : fabs(be[k - 1] * LS_AT(Tk, k - 1, 0));
done:
	free(Q);
	free(w);
	free(c);
	free(al);
	free(be);
	free(ev);
	ls_mat_free(&T);
	op_free(&h);
	return st;
}
