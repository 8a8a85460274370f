/* problem_sense2x2.c — the 2×2 sensing preset with a spurious minimum (MATH.md §9; rank 1,
 * generic regime, r = r*).
 *
 * M* = e1e1ᵀ, f(X) = q(X − M*) with
 *   q(D) = D11² + D11·D22 + D22² + (D12 + D21)² + ½(D12 − D21)²,
 * i.e. ½·dᵀK d on d = (D11, D21, D12, D22) with K = [2 0 0 1; 0 3 1 0; 0 1 3 0; 1 0 0 2],
 * eigenvalues {1, 2, 3, 4}: α = 1, β = 4 exactly (inf/sup), so 2α ≤ β: GENERIC.
 * With r = 1, a = b = (0, 1/√2) is a spurious second-order point (f = 3/4; f(M*) = 0).
 * Ignores m, n. */
#include "lorascope/config.h"
#include "problem_util.h"

static ls_status sense2x2_create(ls_problem *p, const ls_config *cfg, const ls_inputs *in,
				 ls_rng *rng, ls_error *err)
{
	(void)cfg;
	(void)in;
	(void)rng;
	/* Column-major, symmetric. */
	double kbuf[16] = { 2, 0, 0, 1, 0, 3, 1, 0, 0, 1, 3, 0, 1, 0, 0, 2 };
	double mbuf[4] = { 1, 0, 0, 0 };
	ls_mat K = ls_mat_view(kbuf, 4, 4, 4), M = ls_mat_view(mbuf, 2, 2, 2);
	ls_status st = ls_probquad_create(p, &K, &M, err);
	p->alpha_exact = 1.0;
	p->beta_exact = 4.0;
	return st;
}

const ls_problem_type ls_problem_sense2x2 = LS_PROBQUAD_TYPE("sense2x2", sense2x2_create, 2, 2, 1);
