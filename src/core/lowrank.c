/* lowrank.c — a low-rank update ΔW = s·A·Bᵀ from its thin factors (MATH.md §8): singular
 * triplets, effective/energy/noise ranks, and the drift and principal angles between two. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/lowrank.h"
#include "lorascope/spectrum.h"

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

ls_status ls_lowrank_compute(ls_lowrank *L, const ls_mat *A, const ls_mat *B, double s, bool bases,
			     ls_error *err)
{
	memset(L, 0, sizeof *L);
	if (A->cols != B->cols)
		return ls_error_set(err, LS_EDIM, "low-rank update: factors %zux%zu and %zux%zu",
				    A->rows, A->cols, B->rows, B->cols);
	L->m = A->rows;
	L->n = B->rows;
	L->k = min_sz(A->cols, min_sz(L->m, L->n));
	if (!(L->sigma = calloc(L->k + 1, sizeof *L->sigma)))
		return ls_error_set(err, LS_ENOMEM, "low-rank update: out of memory");
	if (!isfinite(s) || !ls_mat_isfinite(A) || !ls_mat_isfinite(B)) {
		for (size_t i = 0; i < L->k; i++)
			L->sigma[i] = NAN;
		return LS_OK;
	}
	ls_status st = LS_OK;
	if (bases) {
		st = ls_mat_alloc(&L->U, L->m, L->k, err);
		if (st == LS_OK)
			st = ls_mat_alloc(&L->V, L->n, L->k, err);
	}
	ls_spectrum_ws *ws = NULL;
	if (st == LS_OK)
		st = ls_spectrum_ws_alloc(&ws, L->m, L->n, A->cols, err);
	if (st == LS_OK)
		st = ls_spectrum_lowrank_svd(ws, A, B, s, L->sigma, bases ? &L->U : NULL,
					     bases ? &L->V : NULL, err);
	ls_spectrum_ws_free(ws);
	return st;
}

void ls_lowrank_free(ls_lowrank *L)
{
	free(L->sigma);
	ls_mat_free(&L->U);
	ls_mat_free(&L->V);
	memset(L, 0, sizeof *L);
}

/* Σσ (sum) and Σσ² (squares) scaled by the largest σ: *mx = 0 when every σ is 0, NaN when
 * one is not finite. */
static void sums(const double *sigma, size_t k, double *mx, double *sum, double *squares)
{
	*mx = 0.0;
	for (size_t i = 0; i < k; i++) {
		if (!isfinite(sigma[i])) {
			*mx = NAN;
			return;
		}
		*mx = fmax(*mx, sigma[i]);
	}
	*sum = *squares = 0.0;
	for (size_t i = 0; i<k && * mx> 0; i++) {
		*sum += sigma[i] / *mx;
		*squares += (sigma[i] / *mx) * (sigma[i] / *mx);
	}
}

double ls_lowrank_effective_rank(const double *sigma, size_t k)
{
	double mx, sum, sq;
	sums(sigma, k, &mx, &sum, &sq);
	if (isnan(mx))
		return NAN;
	if (mx == 0.0)
		return 0.0;
	/* Roy & Vetterli 2007: H = −Σ p_i ln p_i over p_i = σ_i/Σσ (0·ln 0 = 0). */
	double h = 0.0;
	for (size_t i = 0; i < k; i++) {
		double p = sigma[i] / mx / sum;
		if (p > 0)
			h -= p * log(p);
	}
	return exp(h);
}

size_t ls_lowrank_energy_rank(const double *sigma, size_t k, double fraction)
{
	double mx, sum, total;
	sums(sigma, k, &mx, &sum, &total);
	if (!(mx > 0))
		return 0;
	double acc = 0.0;
	for (size_t i = 0; i < k; i++) {
		acc += (sigma[i] / mx) * (sigma[i] / mx);
		if (acc >= fraction * total)
			return i + 1;
	}
	return k;
}

size_t ls_lowrank_noise_rank(const double *sigma, size_t k, size_t m, size_t n)
{
	double mx, sum, squares;
	sums(sigma, k, &mx, &sum, &squares);
	if (!(mx > 0) || m == 0 || n == 0)
		return 0;
	/* Marchenko–Pastur: an m×n matrix of iid N(0, ν²) entries has σ_max → ν(√m + √n); with
	 * ν = ‖ΔW‖_F/√(mn) the edge is ‖σ‖_2·(1/√m + 1/√n). */
	double edge = mx * sqrt(squares) * (1.0 / sqrt((double)m) + 1.0 / sqrt((double)n));
	size_t count = 0;
	for (size_t i = 0; i < k; i++)
		count += sigma[i] > edge;
	return count;
}

static bool all_finite(const ls_lowrank *L)
{
	for (size_t i = 0; i < L->k; i++)
		if (!isfinite(L->sigma[i]))
			return false;
	return true;
}

static bool same_numbers(const ls_lowrank *P, const ls_lowrank *Q)
{
	return P->m == Q->m && P->n == Q->n && P->k == Q->k &&
	       memcmp(P->sigma, Q->sigma, P->k * sizeof *P->sigma) == 0 &&
	       memcmp(P->U.data, Q->U.data, P->m * P->k * sizeof(double)) == 0 &&
	       memcmp(P->V.data, Q->V.data, P->n * P->k * sizeof(double)) == 0;
}

static double norm2(const double *x, size_t k)
{
	double mx, sum, squares;
	sums(x, k, &mx, &sum, &squares);
	return mx > 0 ? mx * sqrt(squares) : mx;
}

/* ‖Q − P‖_F from the factors [U_Q·Σ_Q, U_P·Σ_P]·[V_Q, −V_P]ᵀ (MATH.md §8), never m×n. */
static ls_status diff_fro(const ls_lowrank *P, const ls_lowrank *Q, double *fro, ls_error *err)
{
	size_t m = P->m, n = P->n, c = P->k + Q->k;
	ls_mat X = { 0 }, Y = { 0 };
	ls_spectrum_ws *ws = NULL;
	ls_status st = ls_mat_alloc(&X, m, c, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&Y, n, c, err);
	if (st == LS_OK)
		st = ls_spectrum_ws_alloc(&ws, m, n, c, err);
	if (st == LS_OK) {
		for (size_t j = 0; j < c; j++) {
			const ls_lowrank *L = j < Q->k ? Q : P;
			size_t jj = j < Q->k ? j : j - Q->k;
			double sign = j < Q->k ? 1.0 : -1.0;
			for (size_t i = 0; i < m; i++)
				LS_AT(X, i, j) = LS_AT(L->U, i, jj) * L->sigma[jj];
			for (size_t i = 0; i < n; i++)
				LS_AT(Y, i, j) = sign * LS_AT(L->V, i, jj);
		}
		st = ls_spectrum_fro(ws, &X, &Y, 1.0, fro, err);
	}
	ls_spectrum_ws_free(ws);
	ls_mat_free(&X);
	ls_mat_free(&Y);
	return st;
}

/* The principal angles between the spans of U1 (m×p) and U2 (m×q), ascending, min(p, q) of
 * them: cos θ = σ(U1ᵀU2) descending, sin θ = σ(U2 − U1·U1ᵀU2) ascending, θ = atan2. */
static ls_status principal_angles(const ls_mat *U1, const ls_mat *U2, double *angles, ls_error *err)
{
	size_t m = U1->rows, p = U1->cols, q = U2->cols, a = min_sz(p, q);
	ls_mat C = { 0 }, S = { 0 }, Cw = { 0 };
	double *cs = malloc((a + q + 1) * sizeof *cs), *sn = cs ? cs + a : NULL;
	ls_status st = cs ? LS_OK : ls_error_set(err, LS_ENOMEM, "principal angles");
	if (st == LS_OK)
		st = ls_mat_alloc(&C, p, q, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&Cw, p, q, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&S, m, q, err);
	if (st == LS_OK) {
		ls_mat_gemm(true, false, 1.0, U1, U2, 0.0, &C);
		ls_mat_copy(&S, U2);
		ls_mat_gemm(false, false, -1.0, U1, &C, 1.0, &S);
		ls_mat_copy(&Cw, &C);
		st = ls_mat_svd_values(&Cw, cs, err);
	}
	if (st == LS_OK)
		st = ls_mat_svd_values(&S, sn, err);
	if (st == LS_OK) {
		/* S has q values; the smallest min(p, q) are the sines (the others are 1). */
		for (size_t i = 0; i < a; i++)
			angles[i] = atan2(sn[q - 1 - i], cs[i]);
	}
	free(cs);
	ls_mat_free(&C);
	ls_mat_free(&Cw);
	ls_mat_free(&S);
	return st;
}

ls_status ls_lowrank_drift(const ls_lowrank *P, const ls_lowrank *Q, double *rel, double *angles,
			   size_t *nangles, const char **why, ls_error *err)
{
	*rel = NAN;
	*nangles = 0;
	*why = NULL;
	if (P->m != Q->m || P->n != Q->n)
		return ls_error_set(err, LS_EDIM,
				    "drift: dW is %zux%zu in one and %zux%zu in the "
				    "other",
				    P->m, P->n, Q->m, Q->n);
	if (!all_finite(P) || !all_finite(Q)) {
		*why = "non-finite singular values";
		return LS_OK;
	}
	if ((P->k && !P->U.data) || (Q->k && !Q->U.data))
		return ls_error_set(err, LS_EINVAL,
				    "drift: the updates were computed without "
				    "bases");
	size_t p = ls_spectrum_rank(P->sigma, P->k), q = ls_spectrum_rank(Q->sigma, Q->k);
	double fp = norm2(P->sigma, P->k);
	if (same_numbers(P, Q)) {
		if (fp > 0)
			*rel = 0.0;
		for (size_t i = 0; i < p; i++)
			angles[i] = 0.0;
		*nangles = p;
	} else {
		ls_status st = LS_OK;
		if (fp > 0) {
			double fro;
			if ((st = diff_fro(P, Q, &fro, err)) != LS_OK)
				return st;
			*rel = fro / fp;
		}
		if (p && q) {
			ls_mat U1 = ls_mat_cols(P->U, 0, p), U2 = ls_mat_cols(Q->U, 0, q);
			if ((st = principal_angles(&U1, &U2, angles, err)) != LS_OK)
				return st;
			*nangles = min_sz(p, q);
		}
	}
	if (!(fp > 0))
		*why = "reference dW = 0";
	else if (!*nangles)
		*why = "dW = 0";
	return LS_OK;
}
