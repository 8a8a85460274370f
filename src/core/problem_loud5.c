/* problem_loud5.c — the "fails loudly" 5×5 preset of MATH.md §9 (r* = 1; meant for r = 2).
 *
 * M* = e1e1ᵀ, τ = 1.5, f(X) = ½ Σ_k ⟨S_k, X − M*⟩² over 26 measurement matrices:
 *   √0.2·E11;  √0.25·(E22 + E33 + E44 + E55 + 2τ·E11);
 *   √0.2·(Eij + τ[i=j]·E11) for i, j in 2..5 (16);  √3·E1j and √3·Ej1 for j in 2..5 (8).
 * ∇²f has eigenvalues {0.12969, 0.2, 3, 5.32031}; f(0) = 2.125, f(M*) = 0; the spurious
 * second-order points τ·P_W (W a 2-plane in span(e2..e5)) have f = 0.55. Only bounds
 * on the restricted α, β are known, so alpha_exact = beta_exact = NAN. Ignores m, n. */
#include <math.h>

#include "lorascope/config.h"
#include "problem_util.h"

#define LOUD5_N 5
#define LOUD5_TAU 1.5

/* K += c2·s·sᵀ for one measurement s = vec(S_k) (c2 is the squared weight). */
static void loud5_add(ls_mat *K, const double *s, double c2)
{
	size_t mn = K->rows;
	for (size_t j = 0; j < mn; j++)
		for (size_t i = 0; i < mn; i++)
			LS_AT(*K, i, j) += c2 * s[i] * s[j];
}

#define LOUD5_IDX(i, j) ((size_t)(i) + (size_t)(j)*LOUD5_N)

static ls_status loud5_create(ls_problem *p, const ls_config *cfg, const ls_inputs *in, ls_rng *rng,
			      ls_error *err)
{
	(void)cfg;
	(void)in;
	(void)rng;
	const size_t n = LOUD5_N, mn = LOUD5_N * LOUD5_N;
	const double tau = LOUD5_TAU;
	double kbuf[LOUD5_N * LOUD5_N * LOUD5_N * LOUD5_N] = { 0 }, mbuf[LOUD5_N * LOUD5_N] = { 0 };
	double s[LOUD5_N * LOUD5_N];
	ls_mat K = ls_mat_view(kbuf, mn, mn, mn), M = ls_mat_view(mbuf, n, n, n);
	LS_AT(M, 0, 0) = 1.0;
	/* √0.2·E11 */
	for (size_t i = 0; i < mn; i++)
		s[i] = 0.0;
	s[LOUD5_IDX(0, 0)] = 1.0;
	loud5_add(&K, s, 0.2);
	/* √0.25·(E22 + E33 + E44 + E55 + 2τ·E11) */
	for (size_t i = 1; i < n; i++)
		s[LOUD5_IDX(i, i)] = 1.0;
	s[LOUD5_IDX(0, 0)] = 2.0 * tau;
	loud5_add(&K, s, 0.25);
	/* √0.2·(Eij + τ[i=j]·E11), i, j in 2..5 */
	for (size_t i = 1; i < n; i++)
		for (size_t j = 1; j < n; j++) {
			for (size_t q = 0; q < mn; q++)
				s[q] = 0.0;
			s[LOUD5_IDX(i, j)] = 1.0;
			if (i == j)
				s[LOUD5_IDX(0, 0)] = tau;
			loud5_add(&K, s, 0.2);
		}
	/* √3·E1j and √3·Ej1, j in 2..5 */
	for (size_t j = 1; j < n; j++)
		for (int t = 0; t < 2; t++) {
			for (size_t q = 0; q < mn; q++)
				s[q] = 0.0;
			s[t ? LOUD5_IDX(j, 0) : LOUD5_IDX(0, j)] = 1.0;
			loud5_add(&K, s, 3.0);
		}
	ls_status st = ls_probquad_create(p, &K, &M, err);
	p->alpha_exact = NAN;
	p->beta_exact = NAN;
	return st;
}

const ls_problem_type ls_problem_loud5 = LS_PROBQUAD_TYPE("loud5", loud5_create, LOUD5_N, LOUD5_N,
							  2);
