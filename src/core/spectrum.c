/* spectrum.c — σ(s·A·Bᵀ) from the R factors of thin QRs and an r×r SVD (MATH.md §8). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/spectrum.h"

struct ls_spectrum_ws {
	size_t m, n, r;
	double *qa, *qb;    /* copies of A and B, overwritten by geqrf */
	double *ra, *rb;    /* k_A×r and k_B×r "square roots" of AᵀA and BᵀB */
	double *core;       /* k_A×k_B core R_A·R_Bᵀ */
	double *gram;       /* r×r AᵀA − BᵀB */
	double *tau, *taub; /* r each: the Householder scalars of A's and B's QR */
	double *cu, *cvt;   /* k_A×k and k×k_B singular vectors of the core */
	double *work;       /* LAPACK workspace */
	lapack_int *iwork;  /* 8·r */
	size_t lwork;
};

static size_t max_sz(size_t a, size_t b)
{
	return a > b ? a : b;
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

ls_status ls_spectrum_ws_alloc(ls_spectrum_ws **out, size_t m, size_t n, size_t r, ls_error *err)
{
	*out = NULL;
	ls_spectrum_ws *ws = calloc(1, sizeof *ws);
	if (!ws)
		return ls_error_set(err, LS_ENOMEM, "spectrum workspace");
	ws->m = m;
	ws->n = n;
	ws->r = r;
	size_t k = max_sz(r, 1);
	/* geqrf and orgqr want n·nb; gesdd on k×k 3k + max(k, 7k) ('N') or 7k² + 4k ('S');
	 * generous and fixed. */
	ws->lwork = 64 * k + 8 * k * k + 64;
	ws->qa = malloc(max_sz(m * r, 1) * sizeof(double));
	ws->qb = malloc(max_sz(n * r, 1) * sizeof(double));
	ws->ra = malloc(k * k * sizeof(double));
	ws->rb = malloc(k * k * sizeof(double));
	ws->core = malloc(k * k * sizeof(double));
	ws->gram = malloc(k * k * sizeof(double));
	ws->tau = malloc(k * sizeof(double));
	ws->taub = malloc(k * sizeof(double));
	ws->cu = malloc(k * k * sizeof(double));
	ws->cvt = malloc(k * k * sizeof(double));
	ws->work = malloc(ws->lwork * sizeof(double));
	ws->iwork = malloc(8 * k * sizeof(lapack_int));
	if (!ws->qa || !ws->qb || !ws->ra || !ws->rb || !ws->core || !ws->gram || !ws->tau ||
	    !ws->taub || !ws->cu || !ws->cvt || !ws->work || !ws->iwork) {
		ls_spectrum_ws_free(ws);
		return ls_error_set(err, LS_ENOMEM, "spectrum workspace for %zux%zu, r = %zu", m, n,
				    r);
	}
	*out = ws;
	return LS_OK;
}

ls_status ls_spectrum_ws_fit(ls_spectrum_ws **ws, size_t m, size_t n, size_t r, ls_error *err)
{
	ls_spectrum_ws *w = *ws;
	if (w && m <= w->m && n <= w->n && r <= w->r)
		return LS_OK;
	if (w) {
		m = max_sz(m, w->m);
		n = max_sz(n, w->n);
		r = max_sz(r, w->r);
	}
	ls_spectrum_ws_free(w);
	return ls_spectrum_ws_alloc(ws, m, n, r, err);
}

void ls_spectrum_ws_free(ls_spectrum_ws *ws)
{
	if (!ws)
		return;
	free(ws->qa);
	free(ws->qb);
	free(ws->ra);
	free(ws->rb);
	free(ws->core);
	free(ws->gram);
	free(ws->tau);
	free(ws->taub);
	free(ws->cu);
	free(ws->cvt);
	free(ws->work);
	free(ws->iwork);
	free(ws);
}

/* R (k×r, k = min(rows, r), ld k) with RᵀR = FᵀF: the R of a thin QR when rows ≥ r (copy
 * then holds geqrf's reflectors, tau their scalars), else F itself (its Q is the identity). */
static ls_status square_root(ls_spectrum_ws *ws, const ls_mat *F, double *copy, double *tau,
			     double *R, size_t *k, ls_error *err)
{
	size_t rows = F->rows, r = F->cols;
	for (size_t j = 0; j < r; j++)
		memcpy(copy + j * rows, F->data + j * F->ld, rows * sizeof(double));
	if (rows < r) {
		*k = rows;
		memcpy(R, copy, rows * r * sizeof(double));
		return LS_OK;
	}
	*k = r;
	int threads = ls_blas_threads_solo();
	lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)rows, (lapack_int)r,
					      copy, (lapack_int)rows, tau, ws->work,
					      (lapack_int)ws->lwork);
	ls_blas_threads_restore(threads);
	if (info != 0)
		return ls_error_set(err, LS_ENUMERIC, "spectrum: dgeqrf failed (info %d)",
				    (int)info);
	for (size_t j = 0; j < r; j++)
		for (size_t i = 0; i < r; i++)
			R[i + j * r] = i <= j ? copy[i + j * rows] : 0.0;
	return LS_OK;
}

static double fro(const double *x, size_t len)
{
	double ss = 0.0;
	for (size_t i = 0; i < len; i++)
		ss += x[i] * x[i];
	return sqrt(ss);
}

/* LS_OK when A (m×r) and B (n×r) fit the workspace; LS_EDIM naming both otherwise. */
static ls_status check_fit(const ls_spectrum_ws *ws, const ls_mat *A, const ls_mat *B,
			   ls_error *err)
{
	size_t m = A->rows, n = B->rows, r = A->cols;
	if (B->cols != r || m > ws->m || n > ws->n || r > ws->r)
		return ls_error_set(err, LS_EDIM,
				    "spectrum: factors %zux%zu and %zux%zu exceed the workspace", m,
				    r, n, B->cols);
	return LS_OK;
}

/* ws->ra, ws->rb := the square roots R_A (k_A×r), R_B (k_B×r) of A and B (r ≥ 1). */
static ls_status both_roots(ls_spectrum_ws *ws, const ls_mat *A, const ls_mat *B, size_t *ka,
			    size_t *kb, ls_error *err)
{
	ls_status st = square_root(ws, A, ws->qa, ws->tau, ws->ra, ka, err);
	return st == LS_OK ? square_root(ws, B, ws->qb, ws->taub, ws->rb, kb, err) : st;
}

/* ws->core := R_A·R_Bᵀ (k_A×k_B), whose singular values are those of A·Bᵀ. */
static void form_core(ls_spectrum_ws *ws, size_t ka, size_t kb, size_t r)
{
	cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)ka, (int)kb, (int)r, 1.0, ws->ra,
		    (int)ka, ws->rb, (int)kb, 0.0, ws->core, (int)ka);
}

ls_status ls_spectrum_lowrank(ls_spectrum_ws *ws, const ls_mat *A, const ls_mat *B, double s,
			      double *sigma, double *gram_diff, double *norm_a, double *norm_b,
			      ls_error *err)
{
	size_t r = A->cols;
	ls_status st = check_fit(ws, A, B, err);
	if (st != LS_OK)
		return st;
	if (r == 0) {
		if (gram_diff)
			*gram_diff = 0.0;
		if (norm_a)
			*norm_a = 0.0;
		if (norm_b)
			*norm_b = 0.0;
		return LS_OK;
	}
	size_t ka, kb;
	if ((st = both_roots(ws, A, B, &ka, &kb, err)) != LS_OK)
		return st;
	if (norm_a)
		*norm_a = fro(ws->ra, ka * r);
	if (norm_b)
		*norm_b = fro(ws->rb, kb * r);
	if (gram_diff) {
		/* AᵀA − BᵀB = R_AᵀR_A − R_BᵀR_B, an r×r product of the small factors. */
		cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)r, (int)r, (int)ka, 1.0,
			    ws->ra, (int)ka, ws->ra, (int)ka, 0.0, ws->gram, (int)r);
		cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)r, (int)r, (int)kb, -1.0,
			    ws->rb, (int)kb, ws->rb, (int)kb, 1.0, ws->gram, (int)r);
		*gram_diff = fro(ws->gram, r * r);
	}
	/* σ(X) = |s|·σ(core). */
	form_core(ws, ka, kb, r);
	size_t k = min_sz(ka, kb);
	lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', (lapack_int)ka, (lapack_int)kb,
					      ws->core, (lapack_int)ka, sigma, NULL, 1, NULL, 1,
					      ws->work, (lapack_int)ws->lwork, ws->iwork);
	if (info != 0)
		return ls_error_set(err, LS_ENUMERIC, "spectrum: dgesdd failed (info %d)",
				    (int)info);
	double as = fabs(s);
	for (size_t i = 0; i < k; i++)
		sigma[i] *= as;
	return LS_OK;
}

/* out (rows×k) := sign·Q·op(C): Q the thin Q of a factor with rows×r (its reflectors in copy
 * and tau, formed in place) when rows ≥ r, else the identity; op(C) is k_F×k (C or Cᵀ). */
static ls_status expand(ls_spectrum_ws *ws, size_t rows, size_t r, double *copy, double *tau,
			const double *C, size_t ldc, bool trans, size_t k, double sign, ls_mat *out,
			ls_error *err)
{
	if (rows < r) {
		for (size_t j = 0; j < k; j++)
			for (size_t i = 0; i < rows; i++)
				LS_AT(*out, i, j) = sign *
						    (trans ? C[j + i * ldc] : C[i + j * ldc]);
		return LS_OK;
	}
	int threads = ls_blas_threads_solo();
	lapack_int info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, (lapack_int)rows, (lapack_int)r,
					      (lapack_int)r, copy, (lapack_int)rows, tau, ws->work,
					      (lapack_int)ws->lwork);
	if (info == 0)
		cblas_dgemm(CblasColMajor, CblasNoTrans, trans ? CblasTrans : CblasNoTrans,
			    (int)rows, (int)k, (int)r, sign, copy, (int)rows, C, (int)ldc, 0.0,
			    out->data, (int)out->ld);
	ls_blas_threads_restore(threads);
	if (info != 0)
		return ls_error_set(err, LS_ENUMERIC, "spectrum: dorgqr failed (info %d)",
				    (int)info);
	return LS_OK;
}

ls_status ls_spectrum_lowrank_svd(ls_spectrum_ws *ws, const ls_mat *A, const ls_mat *B, double s,
				  double *sigma, ls_mat *U, ls_mat *V, ls_error *err)
{
	size_t m = A->rows, n = B->rows, r = A->cols;
	ls_status st = check_fit(ws, A, B, err);
	if (st != LS_OK)
		return st;
	size_t k = min_sz(r, min_sz(m, n));
	if ((U && (U->rows != m || U->cols != k)) || (V && (V->rows != n || V->cols != k)))
		return ls_error_set(err, LS_EDIM, "spectrum: bases must be %zux%zu and %zux%zu", m,
				    k, n, k);
	if (k == 0)
		return LS_OK;
	size_t ka, kb;
	if ((st = both_roots(ws, A, B, &ka, &kb, err)) != LS_OK)
		return st;
	/* core = U_c·Σ·V_cᵀ, so s·A·Bᵀ = (sign(s)·Q_A·U_c)·(|s|·Σ)·(Q_B·V_c)ᵀ. */
	form_core(ws, ka, kb, r);
	lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', (lapack_int)ka, (lapack_int)kb,
					      ws->core, (lapack_int)ka, sigma, ws->cu,
					      (lapack_int)ka, ws->cvt, (lapack_int)k, ws->work,
					      (lapack_int)ws->lwork, ws->iwork);
	if (info != 0)
		return ls_error_set(err, LS_ENUMERIC, "spectrum: dgesdd failed (info %d)",
				    (int)info);
	double as = fabs(s);
	for (size_t i = 0; i < k; i++)
		sigma[i] *= as;
	if (U)
		st = expand(ws, m, r, ws->qa, ws->tau, ws->cu, ka, false, k, s < 0 ? -1.0 : 1.0, U,
			    err);
	if (st == LS_OK && V)
		st = expand(ws, n, r, ws->qb, ws->taub, ws->cvt, k, true, k, 1.0, V, err);
	return st;
}

ls_status ls_spectrum_fro(ls_spectrum_ws *ws, const ls_mat *A, const ls_mat *B, double s,
			  double *fro_out, ls_error *err)
{
	size_t r = A->cols;
	ls_status st = check_fit(ws, A, B, err);
	if (st != LS_OK)
		return st;
	*fro_out = 0.0;
	if (r == 0)
		return LS_OK;
	size_t ka, kb;
	if ((st = both_roots(ws, A, B, &ka, &kb, err)) != LS_OK)
		return st;
	form_core(ws, ka, kb, r);
	*fro_out = fabs(s) * fro(ws->core, ka * kb);
	return LS_OK;
}

size_t ls_spectrum_rank(const double *sigma, size_t k)
{
	double mx = 0.0;
	for (size_t i = 0; i < k; i++)
		mx = fmax(mx, sigma[i]);
	if (!(mx > 0.0 && isfinite(mx)))
		return 0;
	/* ‖X‖_F = mx·‖sigma/mx‖_2: no overflow for large finite values (a diverging run). */
	double ss = 0.0;
	for (size_t i = 0; i < k; i++)
		ss += (sigma[i] / mx) * (sigma[i] / mx);
	double nf = mx * sqrt(ss);
	size_t rank = 0;
	for (size_t i = 0; i < k && nf > 0; i++)
		if (sigma[i] / nf > LS_RANK_TOL)
			rank++;
	return rank;
}
