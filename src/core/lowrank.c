/* lowrank.c — a low-rank update ΔW = s·A·Bᵀ from its thin factors (MATH.md §8): singular
 * triplets, effective/energy/noise ranks, and the drift and principal angles between two. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/lowrank.h"
#include "lorascope/spectrum.h"

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

ls_status ls_lowrank_compute_ws(ls_spectrum_ws **ws, ls_lowrank *L, const ls_mat *A,
				const ls_mat *B, double s, bool bases, double *store, ls_error *err)
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
	if (bases && store) {
		L->U = ls_mat_view(store, L->m, L->k, L->m);
		L->V = ls_mat_view(store + L->m * L->k, L->n, L->k, L->n);
	} else if (bases) {
		st = ls_mat_alloc(&L->U, L->m, L->k, err);
		if (st == LS_OK)
			st = ls_mat_alloc(&L->V, L->n, L->k, err);
	}
	if (st == LS_OK)
		st = ls_spectrum_ws_fit(ws, L->m, L->n, A->cols, err);
	if (st == LS_OK)
		st = ls_spectrum_lowrank_svd(*ws, A, B, s, L->sigma, bases ? &L->U : NULL,
					     bases ? &L->V : NULL, err);
	return st;
}

ls_status ls_lowrank_compute(ls_lowrank *L, const ls_mat *A, const ls_mat *B, double s, bool bases,
			     ls_error *err)
{
	ls_spectrum_ws *ws = NULL;
	ls_status st = ls_lowrank_compute_ws(&ws, L, A, B, s, bases, NULL, err);
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

/* C := U1ᵀ·U2 (k1×k2), W := U2 − U1·C (the part of span U2 outside span U1, formed
 * explicitly: no cancellation later) and G := WᵀW (k2×k2). */
static void split(const ls_mat *U1, const ls_mat *U2, double *C, double *W, double *G)
{
	int m = (int)U1->rows, k1 = (int)U1->cols, k2 = (int)U2->cols;
	cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k1, k2, m, 1.0, U1->data, (int)U1->ld,
		    U2->data, (int)U2->ld, 0.0, C, k1);
	for (int j = 0; j < k2; j++)
		memcpy(W + (size_t)j * (size_t)m, U2->data + (size_t)j * U2->ld,
		       (size_t)m * sizeof *W);
	cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, k2, k1, -1.0, U1->data,
		    (int)U1->ld, C, k1, 1.0, W, m);
	cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k2, k2, m, 1.0, W, m, W, m, 0.0, G,
		    k2);
}

/* tr(X·G·Xᵀ) for X a×b (ld a) and G b×b symmetric positive semidefinite. */
static double quad(const double *X, size_t a, size_t b, const double *G)
{
	double t = 0.0;
	for (size_t i = 0; i < a; i++)
		for (size_t j = 0; j < b; j++)
			for (size_t l = 0; l < b; l++)
				t += X[i + j * a] * G[j + l * b] * X[i + l * a];
	return t;
}

/* ‖Q − P‖_F/‖P‖_F from the thin factors only. With C = U_PᵀU_Q, W = U_Q − U_P·C and D, Y the
 * same for V, Q − P is the sum of four pieces orthogonal in ⟨·,·⟩_F:
 * U_P(C·Σ_Q·Dᵀ − Σ_P)V_Pᵀ + U_P·C·Σ_Q·Yᵀ + W·Σ_Q·Dᵀ·V_Pᵀ + W·Σ_Q·Yᵀ; the first by its k×k core,
 * the others through the Grams WᵀW, YᵀY of the explicitly formed residuals, so nothing
 * cancels (a Gram formula ‖P‖² + ‖Q‖² − 2⟨P, Q⟩ would lose half the digits). O((m+n)k²). */
static ls_status relative_change(const ls_lowrank *P, const ls_lowrank *Q, double *rel, double *cu,
				 ls_error *err)
{
	size_t m = P->m, n = P->n, kp = P->k, kq = Q->k;
	double scale = fmax(P->sigma[0], kq ? Q->sigma[0] : 0.0);
	size_t small = kp * kq, len = (m + n) * kq + 2 * kq * kq + 2 * small + 1;
	double *buf = malloc(len * sizeof *buf);
	if (!buf)
		return ls_error_set(err, LS_ENOMEM, "drift: out of memory");
	double *W = buf, *Y = W + m * kq, *gu = Y + n * kq, *gv = gu + kq * kq, *cv = gv + kq * kq,
	       *x = cv + small;
	int threads = ls_blas_threads_solo();
	split(&P->U, &Q->U, cu, W, gu);
	split(&P->V, &Q->V, cv, Y, gv);
	ls_blas_threads_restore(threads);
	/* Scaled by the largest σ: no overflow in the squares. */
	double sp2 = 0.0, t = 0.0;
	for (size_t i = 0; i < kp; i++)
		sp2 += (P->sigma[i] / scale) * (P->sigma[i] / scale);
	/* ‖C·Σ_Q·Dᵀ − Σ_P‖² (kp×kp) with x = C·Σ_Q (kp×kq). */
	for (size_t j = 0; j < kq; j++)
		for (size_t i = 0; i < kp; i++)
			x[i + j * kp] = cu[i + j * kp] * (Q->sigma[j] / scale);
	for (size_t j = 0; j < kp; j++)
		for (size_t i = 0; i < kp; i++) {
			double v = i == j ? -P->sigma[i] / scale : 0.0;
			for (size_t l = 0; l < kq; l++)
				v += x[i + l * kp] * cv[j + l * kp];
			t += v * v;
		}
	t += quad(x, kp, kq, gv);
	/* W·Σ_Q·Dᵀ: ‖·‖² = tr((Σ_Q·Dᵀ)ᵀ·WᵀW·(Σ_Q·Dᵀ)) = tr(x'·G_W·x'ᵀ) with x' = D·Σ_Q. */
	for (size_t j = 0; j < kq; j++)
		for (size_t i = 0; i < kp; i++)
			x[i + j * kp] = cv[i + j * kp] * (Q->sigma[j] / scale);
	t += quad(x, kp, kq, gu);
	/* W·Σ_Q·Yᵀ: Σ_ij σ_i σ_j (WᵀW)_ij (YᵀY)_ij. */
	for (size_t j = 0; j < kq; j++)
		for (size_t i = 0; i < kq; i++)
			t += (Q->sigma[i] / scale) * (Q->sigma[j] / scale) * gu[i + j * kq] *
			     gv[i + j * kq];
	*rel = sqrt(fmax(t, 0.0) / sp2);
	free(buf);
	return LS_OK;
}

/* The principal angles between span U_P[:, :p] and span U_Q[:, :q], ascending: acos of the
 * singular values of their block of C = U_PᵀU_Q (kp×kq). */
static ls_status principal_angles(const double *cu, size_t kp, size_t p, size_t q, double *angles,
				  ls_error *err)
{
	ls_mat C = { 0 };
	ls_status st = ls_mat_alloc(&C, p, q, err);
	if (st != LS_OK)
		return st;
	for (size_t j = 0; j < q; j++)
		memcpy(C.data + j * p, cu + j * kp, p * sizeof(double));
	st = ls_mat_svd_values(&C, angles, err);
	for (size_t i = 0; st == LS_OK && i < min_sz(p, q); i++)
		angles[i] = acos(fmin(1.0, angles[i]));
	ls_mat_free(&C);
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
	} else if (fp > 0) {
		double *cu = malloc((P->k * Q->k + 1) * sizeof *cu);
		if (!cu)
			return ls_error_set(err, LS_ENOMEM, "drift: out of memory");
		ls_status st = relative_change(P, Q, rel, cu, err);
		if (st == LS_OK && q) {
			st = principal_angles(cu, P->k, p, q, angles, err);
			*nangles = st == LS_OK ? min_sz(p, q) : 0;
		}
		free(cu);
		if (st != LS_OK)
			return st;
	}
	if (!(fp > 0))
		*why = "reference dW = 0";
	else if (!*nangles)
		*why = "dW = 0";
	return LS_OK;
}
