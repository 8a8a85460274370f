/* paper_mk.c — Mu–Klabjan (2025), Theorem 3: LoRA gradient descent with the step
 *     η_t = min{ 1 / (5√2·L·(‖V_t‖² + ‖∇f(X_t)‖_F)), 1 }
 * satisfies J(V_{t+1}) ≤ J(V_t) − (η_t/5)·‖∇J(V_t)‖² at every step (Lemma 2), hence
 *     min_{t<T} ‖∇J(V_t)‖² ≤ 5(J(V_0) − L*) / Σ_{t<T} η_t                          (their 10)
 * which is O(1/log T) in general (η_t ≥ 1/(t + D), their proof of Theorem 3) and O(1/T)
 * when ‖V_t‖ stays bounded (η_t ≥ η_min > 0). MATH.md §6.
 *
 * We run the library's mk optimiser through a session (s = 1, λ = 0, so J = g exactly as
 * theirs) on approx and on ill-conditioned regression, record ‖∇J(V_t)‖², η_t, ‖V_t‖² and
 * the descent check of every step, and print for T = 10, 100, 1000, 10000 the measured
 * min_{t<T} ‖∇J‖² beside the three bounds: (10) with the measured steps, C/log T-type
 * 5J0/Σ min{1/(t + D), 1} with their D, and C/T-type 5J0/(η_min·T). L* = 0 (f ≥ 0).
 * Checks: the descent inequality held at every step; the measured minimum never exceeds
 * any of the three bounds (so it decays at least as fast as the 1/log T and 1/T bounds);
 * and, ‖V_t‖ being bounded here, from T = 10 to T = 10000 it falls at least by the 1/T
 * factor 10/10000 (between two rows it may fall less: the first hundred steps leave the
 * saddle at X = 0, where the gradient stays flat for a while). */
#include <stdlib.h>

#include "paper_util.h"

static const char what[] =
	"Mu-Klabjan Theorem 3: the mk step never breaks the descent inequality, and\n"
	"min_{t<T} ||grad J||^2 is below 5 J0 / sum eta_t, below the 1/log T and (bounded\n"
	"||V||) 1/T bounds, for T = 10, 100, 1000, 10000, on approx and regression.";

#define TMAX 10000L

typedef struct {
	double g2[TMAX];  /* ‖∇J(V_t)‖² */
	double eta[TMAX]; /* η_t */
	double v2[TMAX];  /* ‖V_t‖² */
} trace;

static double v_norm2(const ls_metrics *m)
{
	double v = 0.0;
	for (size_t k = 0; k < m->nmod; k++)
		v += m->mod[k].norm_a * m->mod[k].norm_a + m->mod[k].norm_b * m->mod[k].norm_b;
	return v;
}

static bool run(const char *name, const char *const *kv, trace *tr)
{
	ls_session *s = paper_session(kv);
	if (!s)
		return false;
	/* The problem's Lipschitz constant (a read-only query; the type's pointer is not
	 * const-qualified). Their Assumption 1 takes L ≥ 1, as the library does (optim.h). */
	ls_problem *p = (ls_problem *)ls_session_problem(s);
	double L = p->type->lipschitz(p);
	if (L < 1.0)
		L = 1.0;
	const ls_metrics *m = ls_session_metrics(s);
	double J0 = m->reg_loss, v0 = v_norm2(m);
	long failures = 0;
	double worst = -INFINITY, vmax = 0.0, eta_min = INFINITY, eta_max = 0.0;
	for (long t = 0; t < TMAX; t++) {
		tr->g2[t] = m->grad_norm * m->grad_norm;
		tr->v2[t] = v_norm2(m);
		if (!paper_step(s, 1)) {
			ls_session_free(s);
			return false;
		}
		m = ls_session_metrics(s);
		tr->eta[t] = m->eta;
		if (!m->mk_checked || !m->mk_holds)
			failures++;
		if (m->mk_lhs - m->mk_rhs > worst)
			worst = m->mk_lhs - m->mk_rhs;
		if (tr->v2[t] > vmax)
			vmax = tr->v2[t];
		eta_min = fmin(eta_min, tr->eta[t]);
		eta_max = fmax(eta_max, tr->eta[t]);
	}
	bool diverged = ls_session_diverged(s);
	ls_session_free(s);

	/* Their D: η_t ≥ min{1/(t + D), 1} (proof of Theorem 3, with L* = 0). */
	double D = 5.0 * sqrt(2.0) * L * (v0 + 10.0 * J0 + sqrt(2.0 * L * J0));
	printf("%s: L = %g, J(V0) = %.6g, ||V0||^2 = %.4g, max_t ||V_t||^2 = %.4g, eta in [%.4g, "
	       "%.4g]\n",
	       name, L, J0, v0, vmax, eta_min, eta_max);
	printf("descent inequality J(V_t+1) <= J(V_t) - eta_t/5 ||grad J(V_t)||^2: %ld of %ld "
	       "steps "
	       "failed (largest lhs - rhs %.3g)\n\n",
	       failures, TMAX, worst);
	printf("%6s  %14s  %14s  %14s  %14s\n", "T", "min ||gradJ||^2", "5J0/sum eta (10)",
	       "1/log T bound", "1/T bound");
	bool ok = failures == 0 && !diverged;
	double sum_eta = 0.0, sum_h = 0.0, first = NAN, last = NAN;
	long t = 0, first_T = 0;
	double eta_min_T = INFINITY;
	for (long T = 10; T <= TMAX; T *= 10) {
		double mn = INFINITY;
		for (; t < T; t++) {
			sum_eta += tr->eta[t];
			double h = 1.0 / ((double)t + D);
			sum_h += h < 1.0 ? h : 1.0;
			if (tr->eta[t] < eta_min_T)
				eta_min_T = tr->eta[t];
		}
		for (long u = 0; u < T; u++)
			if (tr->g2[u] < mn)
				mn = tr->g2[u];
		double b10 = 5.0 * J0 / sum_eta, blog = 5.0 * J0 / sum_h;
		double bT = 5.0 * J0 / (eta_min_T * (double)T);
		printf("%6ld  %14.4e  %14.4e  %14.4e  %14.4e\n", T, mn, b10, blog, bT);
		if (!(mn <= b10 && b10 <= blog && mn <= bT))
			ok = false;
		if (T == 10) {
			first = mn;
			first_T = T;
		}
		last = mn;
	}
	/* ‖V_t‖ stays bounded here, so the decay from T = 10 to 10000 is at least 1/T's. */
	if (!(last <= first * (double)first_T / (double)TMAX))
		ok = false;
	printf("\n");
	return ok;
}

int main(int argc, char **argv)
{
	bool quick;
	int rc = demo_args(argc, argv, what, &quick);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	printf("Mu-Klabjan (2025), Theorem 3: LoRA GD with the adaptive step (mk), s = 1, "
	       "lambda = 0%s\n\n",
	       quick ? " (quick mode: seed 3 per problem)" : " (seeds 3-7 per problem)");
	trace *tr = malloc(sizeof *tr);
	if (!tr)
		return 1;
	bool ok = true;
	for (int sd = 1; sd <= (quick ? 1 : 5); sd++) {
		char seed[16], title[96];
		snprintf(seed, sizeof seed, "%d", sd + 2);
		const char *approx[] = { "problem",   "approx", "m",      "20", "n",        "16",
					 "true-rank", "3",      "rank",   "4",  "init",     "peft",
					 "optimizer", "mk",     "lambda", "0",  "baseline", "off",
					 "seed",      seed,     NULL };
		const char *regression[] = { "problem", "regression", "m",         "12",
					     "n",       "12",         "true-rank", "2",
					     "rank",    "3",          "kappa",     "4",
					     "init",    "gaussian",   "optimizer", "mk",
					     "lambda",  "0",          "baseline",  "off",
					     "seed",    seed,         NULL };
		snprintf(title, sizeof title, "approx 20x16, r = 4, seed %s", seed);
		ok = run(title, approx, tr) && ok;
		snprintf(title, sizeof title, "regression 12x12, kappa 4, r = 3, seed %s", seed);
		ok = run(title, regression, tr) && ok;
	}
	free(tr);
	printf("checks: no descent failure; min ||grad J||^2 <= (10) <= the 1/log T bound and <= "
	       "the 1/T bound\nat every T; min ||grad J||^2 at T = 10000 at most 10/10000 times "
	       "its "
	       "value at T = 10\n(||V_t|| bounded: the 1/T rate).\n");
	return paper_verdict("Mu-Klabjan Theorem 3", ok);
}
