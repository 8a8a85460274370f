/* spectrum.c — σ(s·A·Bᵀ) from the R factors of thin QRs and an r×r SVD (MATH.md §8). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/spectrum.h"

struct ls_spectrum_ws {
	size_t m, n, r;
	double *qa, *qb;   /* copies of A and B, overwritten by geqrf */
	double *ra, *rb;   /* k_A×r and k_B×r "square roots" of AᵀA and BᵀB */
	double *core;      /* k_A×k_B core R_A·R_Bᵀ */
	double *gram;      /* r×r AᵀA − BᵀB */
	double *tau;       /* r */
	double *work;      /* LAPACK workspace */
	lapack_int *iwork; /* 8·r */
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
	/* geqrf wants n·nb; gesdd 'N' on k×k wants 3k + max(k, 7k); generous and fixed. */
	ws->lwork = 64 * k + 8 * k * k + 64;
	ws->qa = malloc(max_sz(m * r, 1) * sizeof(double));
	ws->qb = malloc(max_sz(n * r, 1) * sizeof(double));
	ws->ra = malloc(k * k * sizeof(double));
	ws->rb = malloc(k * k * sizeof(double));
	ws->core = malloc(k * k * sizeof(double));
	ws->gram = malloc(k * k * sizeof(double));
	ws->tau = malloc(k * sizeof(double));
	ws->work = malloc(ws->lwork * sizeof(double));
	ws->iwork = malloc(8 * k * sizeof(lapack_int));
	if (!ws->qa || !ws->qb || !ws->ra || !ws->rb || !ws->core || !ws->gram || !ws->tau ||
	    !ws->work || !ws->iwork) {
		ls_spectrum_ws_free(ws);
		return ls_error_set(err, LS_ENOMEM, "spectrum workspace for %zux%zu, r = %zu", m, n,
				    r);
	}
	*out = ws;
	return LS_OK;
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
	free(ws->work);
	free(ws->iwork);
	free(ws);
}

/* R (k×r, k = min(rows, r), ld k) with RᵀR = FᵀF: the R of a thin QR when rows ≥ r,
 * else F itself (its Q is the identity). */
static ls_status square_root(ls_spectrum_ws *ws, const ls_mat *F, double *copy, double *R,
			     size_t *k, ls_error *err)
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
	/* A tall, thin QR gains nothing from threads, and waking OpenBLAS's pool leaves its
	 * threads spinning on the cores the problem's own threads then want. */
	int threads = openblas_get_num_threads();
	if (threads > 1)
		openblas_set_num_threads(1);
	lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)rows, (lapack_int)r,
					      copy, (lapack_int)rows, ws->tau, ws->work,
					      (lapack_int)ws->lwork);
	if (threads > 1)
		openblas_set_num_threads(threads);
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
	ls_status st = square_root(ws, A, ws->qa, ws->ra, ka, err);
	return st == LS_OK ? square_root(ws, B, ws->qb, ws->rb, kb, err) : st;
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
