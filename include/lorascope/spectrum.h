/* spectrum.h — singular values of a low-rank product without forming it (MATH.md §8).
 *
 * X = s·A·Bᵀ with A m×r, B n×r: A = Q_A R_A, B = Q_B R_B (thin QR), then
 * σ(X) = |s|·σ(R_A R_Bᵀ), an r×r SVD: O((m+n)r² + r³) instead of an m×n SVD.
 * When r exceeds m or n the factors are first reduced to their Gram square roots,
 * so the count of values is always min(r, m, n). Scratch lives in a workspace
 * allocated once for the largest shape and reused every step. */
#ifndef LORASCOPE_SPECTRUM_H
#define LORASCOPE_SPECTRUM_H

#include <stddef.h>

#include "lorascope/mat.h"
#include "lorascope/status.h"

typedef struct ls_spectrum_ws ls_spectrum_ws;

/* A workspace for factors of up to m×r and n×r. */
ls_status ls_spectrum_ws_alloc(ls_spectrum_ws **ws, size_t m, size_t n, size_t r, ls_error *err);
void ls_spectrum_ws_free(ls_spectrum_ws *ws);
/* *ws (NULL or a workspace) made to fit factors of m×r and n×r: kept when it does, else
 * replaced by one for the larger of each size (a failure leaves *ws NULL). */
ls_status ls_spectrum_ws_fit(ls_spectrum_ws **ws, size_t m, size_t n, size_t r, ls_error *err);

/* The singular values of s·A·Bᵀ, descending, into sigma[min(r, m, n)] (MATH.md §8).
 * Also, when not NULL: gram_diff = ‖AᵀA − BᵀB‖_F (balancedness), norm_a = ‖A‖_F,
 * norm_b = ‖B‖_F. A and B are only read. */
ls_status ls_spectrum_lowrank(ls_spectrum_ws *ws, const ls_mat *A, const ls_mat *B, double s,
			      double *sigma, double *gram_diff, double *norm_a, double *norm_b,
			      ls_error *err);

/* The thin SVD s·A·Bᵀ = U·diag(sigma)·Vᵀ the same way (MATH.md §8): sigma[k], k =
 * min(r, m, n), descending; U (m×k) and V (n×k, caller's storage, either NULL to skip) get
 * orthonormal columns Q_A·U_c and Q_B·V_c from the core's SVD R_A·R_Bᵀ = U_c·Σ_c·V_cᵀ. */
ls_status ls_spectrum_lowrank_svd(ls_spectrum_ws *ws, const ls_mat *A, const ls_mat *B, double s,
				  double *sigma, ls_mat *U, ls_mat *V, ls_error *err);

/* ‖s·A·Bᵀ‖_F from the same QR cores, without the SVD: accurate to about eps·|s|·‖A‖·‖B‖
 * even when A·Bᵀ nearly cancels (unlike the Gram formula tr(AᵀA·BᵀB)). */
ls_status ls_spectrum_fro(ls_spectrum_ws *ws, const ls_mat *A, const ls_mat *B, double s,
			  double *fro, ls_error *err);

/* Numerical rank as Kim–Kim–Ryu count it (MATH.md §3, their App. C "Computing the rank"):
 * the singular values of the normalised matrix X/‖X‖_F at or below LS_RANK_TOL are zero.
 * The one rule of the program: the metrics, the baseline's r*, the verdict and the views
 * all count with ls_spectrum_rank. */
#define LS_RANK_TOL 1e-4

/* #{i : sigma[i]/‖sigma‖_2 > LS_RANK_TOL} for the singular values sigma[0 .. k-1] of X (in
 * any order). They must include every nonzero one, so that ‖sigma‖_2 = ‖X‖_F (the cheap
 * spectrum's min(r, m, n) values do); 0 when k is 0, every value is 0 or one is not finite. */
size_t ls_spectrum_rank(const double *sigma, size_t k);

#endif
