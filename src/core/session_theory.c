/* session_theory.c — the session's theory cache: dense X*, α̂/β̂ (one-shot or in slices
 * from the theory seed), their sample count and radius, the theory report, the flow curve. */
#include <math.h>
#include <stdint.h>

#include "session_priv.h"

/* The automatic sample count of α̂, β̂ (config parameter --ab-samples 0). */
#define LS_SESSION_AB_BUDGET ((double)(1UL << 27))
#define LS_SESSION_AB_MIN ((size_t)20)
#define LS_SESSION_AB_MAX ((size_t)1000)

/* Whether the cached α̂, β̂ belong to the current baseline and rank. */
bool ls_session_ab_valid(const ls_session *s)
{
	return s->have_base && s->ab_serial == s->base.serial && s->ab_r == s->lora.r;
}

/* Seed of the theory instruments' own stream: derived here only. */
static uint64_t theory_seed(const ls_session *s)
{
	return s->cfg.seed ^ LS_SESSION_THEORY_SEED;
}

/* Forget the α̂, β̂ estimate in progress. */
void ls_session_ab_drop(ls_session *s)
{
	ls_alphabeta_free(s->abws);
	s->abws = NULL;
}

/* The theory part of the metrics from the cache and the problem's exact constants. */
void ls_session_fill_theory(ls_session *s)
{
	ls_metrics *mt = &s->cur;
	bool valid = ls_session_ab_valid(s);
	for (size_t k = 0; k < s->lora.nmod; k++) {
		ls_module_metrics *mm = &mt->mod[k];
		mm->alpha_exact = s->prob.alpha_exact;
		mm->beta_exact = s->prob.beta_exact;
		mm->regime_exact = ls_theory_regime(mm->alpha_exact, mm->beta_exact);
		bool applies = mm->regime_exact == LS_REGIME_SPECIAL ||
			       mm->regime_exact == LS_REGIME_GENERIC;
		mm->threshold_exact = applies ? 2.0 * mm->alpha_exact / mm->beta_exact : NAN;
		mm->alpha_hat = valid ? s->ab[k].alpha : NAN;
		mm->beta_hat = valid ? s->ab[k].beta : NAN;
		mm->ab_samples = valid ? s->ab[k].samples : 0;
		mm->regime = valid ? ls_theory_regime(mm->alpha_hat, mm->beta_hat)
				   : LS_REGIME_UNKNOWN;
		mm->threshold = mm->regime == LS_REGIME_SPECIAL || mm->regime == LS_REGIME_GENERIC
					? 2.0 * mm->alpha_hat / mm->beta_hat
					: NAN;
	}
	const ls_module_metrics *m0 = &mt->mod[0];
	if (s->lora.nmod == 0)
		mt->threshold = NAN;
	else if (m0->regime_exact != LS_REGIME_UNKNOWN)
		mt->threshold = m0->threshold_exact;
	else
		mt->threshold = m0->threshold;
}

size_t ls_session_ab_samples(const ls_session *s)
{
	if (s->cfg.ab_samples > 0)
		return (size_t)s->cfg.ab_samples;
	double work = 0.0;
	for (size_t k = 0; k < s->prob.nmod; k++) {
		double m = (double)s->prob.shape[k].m, n = (double)s->prob.shape[k].n;
		double N = s->prob.samples > 0 ? (double)s->prob.samples : 1.0;
		work += m * n * ((m < n ? m : n) + N);
	}
	double q = LS_SESSION_AB_BUDGET / (work > 1.0 ? work : 1.0);
	return q >= LS_SESSION_AB_MAX   ? LS_SESSION_AB_MAX
	       : q <= LS_SESSION_AB_MIN ? LS_SESSION_AB_MIN
					: (size_t)q;
}

void ls_session_theory_opts(const ls_session *s, ls_theory_opts *o)
{
	ls_theory_opts_default(o);
	o->samples = ls_session_ab_samples(s);
	o->lanczos_iters = (size_t)s->cfg.lanczos_iters;
	o->D = s->cfg.ab_radius;
}

/* Dense X* of the current baseline, kept until the baseline changes. */
static ls_status ensure_xstar(ls_session *s, ls_error *err)
{
	if (s->xstar_serial == s->base.serial)
		return LS_OK;
	for (size_t k = 0; k < LS_MAX_MODULES; k++)
		ls_mat_free(&s->xstar[k]);
	s->xstar_serial = 0;
	ls_status st = ls_theory_xstar_dense(&s->base, s->xstar, err);
	if (st != LS_OK)
		return st;
	s->xstar_serial = s->base.serial;
	return LS_OK;
}

/* The radius of the α̂/β̂ ball: D when positive, else max(1, need, 2‖X*_k‖_F,
 * 1.25·‖X_k − X*_k‖_F) over the modules, X_k the current point (the ball holds X* and it;
 * need: a point to judge that must lie inside too, 0 for none). */
static double ab_radius(const ls_session *s, double D, double need)
{
	if (D > 0)
		return D;
	D = fmax(1.0, need);
	for (size_t k = 0; k < s->prob.nmod; k++) {
		double dk = s->cur.mod[k].dist_star;
		D = fmax(D, 2.0 * s->base.mod[k].fro);
		if (isfinite(dk))
			D = fmax(D, 1.25 * dk);
	}
	return D;
}

/* Begin the α̂, β̂ estimate for the current X* and rank at this state (radius, at least
 * need, the theory stream from its seed) unless it is cached or begun for them already. */
static ls_status ab_begin(ls_session *s, double need, ls_error *err)
{
	if (ls_session_ab_valid(s) ||
	    (s->abws && s->abws_serial == s->base.serial && s->abws_r == s->lora.r))
		return LS_OK;
	ls_session_ab_drop(s);
	ls_status st = ensure_xstar(s, err);
	if (st != LS_OK)
		return st;
	ls_theory_opts o;
	ls_session_theory_opts(s, &o);
	ls_rng rng;
	ls_rng_seed(&rng, theory_seed(s));
	st = ls_alphabeta_alloc(&s->abws, &s->prob, s->xstar, s->lora.r, ab_radius(s, o.D, need),
				&o, &rng, err);
	if (st != LS_OK)
		return st;
	s->abws_serial = s->base.serial;
	s->abws_r = s->lora.r;
	s->abws_target = o.samples;
	return LS_OK;
}

/* Up to n more samples of the estimate (begun now when needed); installed in the cache
 * when its target is reached. */
static ls_status ab_advance(ls_session *s, size_t n, double need, ls_error *err)
{
	ls_status st = ab_begin(s, need, err);
	if (st != LS_OK || ls_session_ab_valid(s))
		return st;
	size_t left = s->abws_target - ls_alphabeta_samples(s->abws);
	st = ls_alphabeta_sample(s->abws, n < left ? n : left, err);
	if (st != LS_OK) {
		ls_session_ab_drop(s);
		return st;
	}
	if (ls_alphabeta_samples(s->abws) == s->abws_target) {
		ls_alphabeta_result(s->abws, s->ab);
		s->ab_serial = s->abws_serial;
		s->ab_r = s->abws_r;
		ls_session_ab_drop(s);
		ls_session_fill_theory(s);
	}
	return LS_OK;
}

ls_status ls_session_alphabeta(ls_session *s, const ls_alphabeta **out, ls_error *err)
{
	if (out)
		*out = NULL;
	if (!s->have_base)
		return LS_OK;
	ls_status st = ab_advance(s, SIZE_MAX, 0.0, err);
	if (st == LS_OK && out)
		*out = s->ab;
	return st;
}

ls_status ls_session_alphabeta_begin(ls_session *s, ls_error *err)
{
	return s->have_base ? ab_begin(s, 0.0, err) : LS_OK;
}

ls_status ls_session_alphabeta_slice(ls_session *s, size_t n, size_t *done, ls_error *err)
{
	if (!s->have_base)
		return ls_error_set(err, LS_EINVAL, "alpha/beta: the session has no baseline");
	ls_status st = ab_advance(s, n, 0.0, err);
	if (done)
		*done = ls_session_ab_valid(s) ? s->ab[0].samples
			: s->abws              ? ls_alphabeta_samples(s->abws)
					       : 0;
	return st;
}

/* The report with the cached α̂, β̂ (estimated first when needed). */
static ls_status report_once(ls_session *s, double need, ls_theory_report *rep, ls_error *err)
{
	ls_status st = ab_advance(s, SIZE_MAX, need, err);
	if (st == LS_OK)
		st = ensure_xstar(s, err);
	if (st != LS_OK)
		return st;
	ls_theory_opts o;
	ls_session_theory_opts(s, &o);
	o.D = s->ab[0].D;
	ls_rng rng;
	ls_rng_seed(&rng, theory_seed(s) ^ (uint64_t)s->step);
	return ls_theory_report_compute(&s->prob, &s->lora, s->cfg.lambda, s->xstar, &o, s->ab,
					&rng, rep, err);
}

ls_status ls_session_theory_report(ls_session *s, ls_theory_report *rep, ls_error *err)
{
	if (!s->have_base)
		return ls_error_set(err, LS_EINVAL, "theory: the session has no baseline");
	ls_status st = report_once(s, 0.0, rep, err);
	if (st != LS_OK || s->cfg.ab_radius > 0)
		return st;
	/* With the automatic radius the point judged must lie in the sampled ball (Corollary 1
	 * assumes ‖X − X*‖_F ≤ D): when it does not, estimate again in a ball that holds it. */
	double far = 0.0;
	for (size_t k = 0; k < rep->nmod; k++)
		if (rep->mod[k].dist > rep->mod[k].ab.D)
			far = fmax(far, 1.25 * rep->mod[k].dist);
	if (far == 0.0)
		return LS_OK;
	s->ab_serial = 0;
	ls_session_ab_drop(s);
	return report_once(s, far, rep, err);
}

ls_status ls_session_flow_curve(ls_session *s, ls_flow_curve *fc, ls_error *err)
{
	ls_flow_curve_free(fc);
	return ls_flow_curve_init(fc, &s->prob, &s->lora, &s->cfg, err);
}
