/* table2.c — Kim–Kim–Ryu Table 2 in miniature: the restricted smoothness / strong convexity
 * ratio β/α grows with the LoRA rank r (MATH.md §4). Problem: matrix sensing with few
 * measurements, so the sensing operator is far from an isometry on high-rank matrices.
 * X* comes from the library's baseline; α̂, β̂ from ls_theory_alphabeta (Monte Carlo over
 * X with rank ≤ r, ‖X − X*‖_F ≤ D = 5 as in the paper, β maximised over rank-1 U, V).
 * Pure Monte Carlo α̂ (the paper's) hardly moves here: the quotient of a random direction
 * concentrates near its mean in 100 dimensions. The refined α̂ (alpha_iters: descent from
 * every sample, still an inner bound) finds the restricted minimum, which is what widens
 * with r. Both are printed; the trend is checked on the refined ratio. Reproduced when
 * β̂/α̂ at the largest r exceeds the smallest r's by 20 % and never drops by more than 5 %
 * from one r to the next. */
#include <math.h>

#include "demo.h"

int main(int argc, char **argv)
{
	bool quick;
	int a = demo_args(argc, argv, "Table 2 trend: beta/alpha grows with r (sensing).", &quick);
	if (a != 0)
		return a < 0 ? 0 : a;
	const char *kv[] = { "problem", "sensing", "m",   "10",   "n", "10", "true-rank",
			     "2",       "samples", "150", "seed", "5", NULL };
	ls_config cfg;
	ls_rng rng;
	ls_problem p;
	if (!demo_problem(kv, &cfg, &rng, &p))
		return 1;
	ls_error err;
	ls_baseline b;
	ls_mat Xs[LS_MAX_MODULES];
	if (ls_baseline_compute(&b, &p, 0.01, 5000, 1e-10, &err) != LS_OK ||
	    ls_theory_xstar_dense(&b, Xs, &err) != LS_OK) {
		demo_fail("baseline", &err);
		ls_problem_destroy(&p);
		return 1;
	}
	ls_theory_opts o;
	ls_theory_opts_default(&o);
	o.samples = quick ? 40 : 1000;
	const size_t ranks[] = { 2, 3, 4, 6, 8 };
	const size_t nr = sizeof ranks / sizeof ranks[0];
	double ratio[8];
	bool ok = true;
	printf("Table 2 trend: sensing 10x10, %zu measurements, lambda 0.01, r* = %zu, D = 5, "
	       "%zu samples per r\n",
	       p.samples, b.rstar, o.samples);
	printf("%3s %10s %10s %10s %10s %9s %9s %8s  %s\n", "r", "alpha^ MC", "alpha^", "beta^",
	       "beta/alpha", "a moved", "b moved", "2a/b", "regime (from samples)");
	for (size_t i = 0; i < nr; i++) {
		ls_alphabeta mc, ab;
		o.alpha_iters = 0;
		ls_status st = ls_theory_alphabeta(&p, Xs, ranks[i], 5.0, &o, &rng, &mc, &err);
		o.alpha_iters = 20;
		if (st == LS_OK)
			st = ls_theory_alphabeta(&p, Xs, ranks[i], 5.0, &o, &rng, &ab, &err);
		if (st != LS_OK) {
			demo_fail("alpha/beta", &err);
			ok = false;
			break;
		}
		ratio[i] = ab.beta / ab.alpha;
		/* A sampled GENERIC is certain (2α ≤ 2α̂ ≤ β̂ ≤ β), a sampled SPECIAL is not. */
		ls_regime g = ls_theory_regime(ab.alpha, ab.beta);
		printf("%3zu %10.5g %10.5g %10.5g %10.4g %9.2g %9.2g %8.4g  %s %s\n", ranks[i],
		       mc.alpha, ab.alpha, ab.beta, ratio[i], ab.alpha_move, ab.beta_move,
		       2 * ab.alpha / ab.beta, ls_regime_text[g],
		       g == LS_REGIME_GENERIC ? "certain" : "estimated");
		if (i > 0 && ratio[i] < 0.95 * ratio[i - 1])
			ok = false;
	}
	if (ok && !(ratio[nr - 1] > 1.2 * ratio[0]))
		ok = false;
	printf("beta/alpha %s with r\n", ok ? "grows" : "does NOT grow");
	printf("note: f is quadratic here, so its Hessian is constant and the true alpha and beta "
	       "do not\ndepend on r (the directions UX + XV have rank <= 2 at every r): the growth "
	       "of the\nsampled beta^ with r is a sampling artefact (more of the rank-2 "
	       "directions are reached\nfrom higher-rank samples). The paper's alpha < 0 at "
	       "r = 64 cannot appear on a convex\nproblem: alpha >= lambda_min(Hessian of f) >= 0 "
	       "here.\n");
	for (size_t k = 0; k < b.nmod; k++)
		ls_mat_free(&Xs[k]);
	ls_baseline_free(&b);
	ls_problem_destroy(&p);
	return ok ? 0 : 1;
}
