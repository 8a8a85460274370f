/* lowrank.h — a low-rank update ΔW = s·A·Bᵀ seen through its thin factors: its singular
 * triplets, the ranks people read off them, and how two such updates differ.
 *
 * Everything comes from thin QRs and an r×r SVD (MATH.md §8, ls_spectrum_lowrank_svd):
 * O((m+n)r²) work and memory, never the m×n matrix.
 *
 * Ranks of a spectrum σ_1 ≥ … ≥ σ_k ≥ 0:
 * - effective rank (Roy & Vetterli 2007): exp(H) with H = −Σ p_i·ln p_i, p_i = σ_i/Σσ;
 *   between 1 and k, equal to k for a flat spectrum.
 * - energy rank at fraction f: the fewest leading σ_i holding f of Σσ².
 * - noise rank: #{i : σ_i > ν(√m + √n)}, the Marchenko–Pastur edge of an m×n matrix of iid
 *   noise with standard deviation ν, where ν = ‖ΔW‖_F/√(mn) is the level at which pure noise
 *   would carry all of ΔW's energy. Assumption: noise would be iid over the m·n entries; as
 *   that ν over-estimates the noise of a matrix that has signal, the count is conservative
 *   (a direction it keeps stands out of any iid noise of that energy). */
#ifndef LORASCOPE_LOWRANK_H
#define LORASCOPE_LOWRANK_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/mat.h"
#include "lorascope/spectrum.h"
#include "lorascope/status.h"

typedef struct {
	size_t m, n, k; /* ΔW is m×n; k = min(r, m, n) singular triplets */
	double *sigma;  /* k values, descending */
	ls_mat U, V;    /* m×k and n×k, orthonormal columns, ΔW = U·diag(σ)·Vᵀ;
			   empty (data NULL) unless bases were asked for */
} ls_lowrank;

/* ΔW = s·A·Bᵀ, A m×r, B n×r (MATH.md §8: thin QRs + an r×r SVD, never m×n). L is
 * overwritten (free it with ls_lowrank_free, also after a failure). Non-finite factors are
 * not an error: σ is then all NaN and there are no bases. */
ls_status ls_lowrank_compute(ls_lowrank *L, const ls_mat *A, const ls_mat *B, double s, bool bases,
			     ls_error *err);
/* The same with scratch the caller keeps across calls: *ws NULL at first, grown to fit
 * (ls_spectrum_ws_fit), freed with ls_spectrum_ws_free. Saves allocating and first touching
 * the copies of the factors at every call, much of the cost of one 4096×16 pair. With bases,
 * store (NULL: allocated) is the caller's room for U then V, (m + n)·min(r, m, n) doubles,
 * which L then views and ls_lowrank_free leaves alone. */
ls_status ls_lowrank_compute_ws(ls_spectrum_ws **ws, ls_lowrank *L, const ls_mat *A,
				const ls_mat *B, double s, bool bases, double *store,
				ls_error *err);
void ls_lowrank_free(ls_lowrank *L);

/* Roy–Vetterli exp(H) of sigma[0..k); 0 when every σ is 0; NaN when one is not finite. */
double ls_lowrank_effective_rank(const double *sigma, size_t k);
/* Fewest leading σ (sigma descending) whose squares reach fraction·Σσ²; 0 when every σ is 0
 * or one is not finite; k when rounding keeps the sum short of the fraction. */
size_t ls_lowrank_energy_rank(const double *sigma, size_t k, double fraction);
/* #{σ_i > ‖σ‖_2·(1/√m + 1/√n)}, that is σ_i > ν(√m + √n) with ν = ‖ΔW‖_F/√(mn) (the header
 * comment states the assumption); 0 when every σ is 0 or one is not finite. sigma must hold
 * every nonzero singular value of the m×n matrix. */
size_t ls_lowrank_noise_rank(const double *sigma, size_t k, size_t m, size_t n);

/* rel = ‖Q − P‖_F/‖P‖_F (NaN when P = 0; *why then says so), angles[] = principal angles
 * (radians, ascending) between the column spaces of P and Q (numerical ranks,
 * ls_spectrum_rank), *nangles of them (at most min(P->k, Q->k): angles must hold that many).
 * P and Q need bases and the same m×n (LS_EDIM otherwise). *why is NULL when rel is a
 * number and there are angles; else a static phrase ("reference dW = 0", "dW = 0",
 * "non-finite singular values"). Exactly 0 and no angle above 0 when P and Q hold the same
 * numbers. ‖Q − P‖_F comes from k×k pieces and the Grams of the residuals U_Q − U_P·U_PᵀU_Q
 * and V_Q − V_P·V_PᵀV_Q, formed explicitly (no cancellation; MATH.md §8's rule: O((m+n)k²),
 * never m×n); the angles are acos of the singular values of U_Pᵀ·U_Q (to about 1e-8 rad near
 * 0, where acos loses half the digits). */
ls_status ls_lowrank_drift(const ls_lowrank *P, const ls_lowrank *Q, double *rel, double *angles,
			   size_t *nangles, const char **why, ls_error *err);

#endif
