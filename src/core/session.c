/* session.c — one run: builds the pieces from a config, steps, measures, applies changes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lorascope/init.h"
#include "lorascope/optim.h"
#include "lorascope/session.h"
#include "lorascope/spectrum.h"
#include "session_priv.h"

/* The automatic sample count of α̂, β̂ (config parameter --ab-samples 0). */
#define LS_SESSION_AB_BUDGET ((double)(1UL << 27))
#define LS_SESSION_AB_MIN ((size_t)20)
#define LS_SESSION_AB_MAX ((size_t)1000)

static uint64_t init_seed(const ls_session *s)
{
	return s->cfg.seed + 0x9e3779b97f4a7c15ULL * (uint64_t)(s->restarts + 1);
}

/* Presets have their own shape whatever --m and --n say: the rank must fit every module. */
static ls_status check_rank(const ls_problem *p, long rank, ls_error *err)
{
	for (size_t k = 0; k < p->nmod; k++) {
		size_t q = p->shape[k].m < p->shape[k].n ? p->shape[k].m : p->shape[k].n;
		if ((size_t)rank > q)
			return ls_error_set(err, LS_ERANGE,
					    "--rank: %ld exceeds min(m, n) = %zu of %s's %s%zux%zu",
					    rank, q, p->type->name, p->nmod > 1 ? "module " : "",
					    p->shape[k].m, p->shape[k].n);
	}
	return LS_OK;
}

/* Whether the cached α̂, β̂ belong to the current baseline and rank. */
static bool ab_valid(const ls_session *s)
{
	return s->have_base && s->ab_serial == s->base.serial && s->ab_r == s->lora.r;
}

/* Seed of the theory instruments' own stream: derived here only. */
static uint64_t theory_seed(const ls_session *s)
{
	return s->cfg.seed ^ LS_SESSION_THEORY_SEED;
}

/* Forget the α̂, β̂ estimate in progress. */
static void ab_drop(ls_session *s)
{
	ls_alphabeta_free(s->abws);
	s->abws = NULL;
}

/* The theory part of the metrics from the cache and the problem's exact constants. */
static void fill_theory(ls_session *s)
{
	ls_metrics *mt = &s->cur;
	bool valid = ab_valid(s);
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

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Size the spectrum workspaces and the metrics arrays for the current rank and baseline. */
static ls_status size_scratch(ls_session *s, ls_error *err)
{
	size_t r = s->lora.r, mmax = 0, nmax = 0;
	for (size_t k = 0; k < s->prob.nmod; k++) {
		if (s->prob.shape[k].m > mmax)
			mmax = s->prob.shape[k].m;
		if (s->prob.shape[k].n > nmax)
			nmax = s->prob.shape[k].n;
		size_t ns = r;
		if (s->prob.shape[k].m < ns)
			ns = s->prob.shape[k].m;
		if (s->prob.shape[k].n < ns)
			ns = s->prob.shape[k].n;
		ls_status st = ls_metrics_reserve(&s->cur, k, ns, err);
		if (st != LS_OK)
			return st;
	}
	if (!s->spec || s->spec_r != r) {
		ls_spectrum_ws *ws;
		ls_status st = ls_spectrum_ws_alloc(&ws, mmax, nmax, r, err);
		if (st != LS_OK)
			return st;
		ls_spectrum_ws_free(s->spec);
		s->spec = ws;
		s->spec_r = r;
	}
	size_t k = s->have_base ? r + s->base.rstar : 0;
	if (k != s->dspec_k) {
		ls_spectrum_ws_free(s->dspec);
		free(s->cat_a);
		free(s->cat_b);
		s->dspec = NULL;
		s->cat_a = s->cat_b = NULL;
		s->dspec_k = 0;
		if (k == 0)
			return LS_OK;
		ls_status st = ls_spectrum_ws_alloc(&s->dspec, mmax, nmax, k, err);
		if (st != LS_OK)
			return st;
		s->cat_a = malloc(mmax * k * sizeof(double));
		s->cat_b = malloc(nmax * k * sizeof(double));
		if (!s->cat_a || !s->cat_b)
			return ls_error_set(err, LS_ENOMEM, "session: distance workspace");
		s->dspec_k = k;
	}
	return LS_OK;
}

static bool factors_finite(const ls_lora *L)
{
	for (size_t k = 0; k < L->nmod; k++)
		if (!ls_mat_isfinite(&L->A[k]) || !ls_mat_isfinite(&L->B[k]))
			return false;
	return true;
}

/* A change record of s as it stands (the step, the rank, the restart counter). */
static ls_change change_now(const ls_session *s, ls_change_kind kind)
{
	return (ls_change){ .kind = kind,
			    .step = s->step,
			    .r0 = s->lora.r,
			    .r1 = s->lora.r,
			    .restarts = s->restarts };
}

static void diverge(ls_session *s, ls_diverged_cause why)
{
	s->diverged = true;
	s->cur.diverged = true;
	s->last = change_now(s, LS_CHANGE_DIVERGED);
	s->last.cause = why;
	ls_change_format(&s->last, s->cur.message, sizeof s->cur.message);
}

/* ‖X_k − X*_k‖_F from thin factors: X − X* = [s·A, U*Σ*]·[B, −V*]ᵀ, the norm of the core of
 * their QRs (MATH.md §8): O((m+n)(r+r*)²), no m×n product, no cancellation. */
static ls_status distance(ls_session *s, size_t k, double *dist, ls_error *err)
{
	const ls_lora *L = &s->lora;
	const ls_baseline_module *bm = &s->base.mod[k];
	size_t m = L->A[k].rows, n = L->B[k].rows, r = L->r, q = r + bm->rstar;
	ls_mat CA = ls_mat_view(s->cat_a, m, q, m), CB = ls_mat_view(s->cat_b, n, q, n);
	for (size_t j = 0; j < r; j++) {
		for (size_t i = 0; i < m; i++)
			LS_AT(CA, i, j) = L->s[k] * LS_AT(L->A[k], i, j);
		for (size_t i = 0; i < n; i++)
			LS_AT(CB, i, j) = LS_AT(L->B[k], i, j);
	}
	for (size_t j = 0; j < bm->rstar; j++) {
		for (size_t i = 0; i < m; i++)
			LS_AT(CA, i, r + j) = bm->sigma[j] * LS_AT(bm->U, i, j);
		for (size_t i = 0; i < n; i++)
			LS_AT(CB, i, r + j) = -LS_AT(bm->V, i, j);
	}
	return ls_spectrum_fro(s->dspec, &CA, &CB, 1.0, dist, err);
}

/* Fill the factor-dependent metrics of the current state (MATH.md §3, §8); with reuse, keep
 * those already measured on the same factors and baseline (s->measured) and refresh only the
 * theory part. */
static ls_status measure_factors(ls_session *s, bool reuse, ls_error *err)
{
	ls_metrics *mt = &s->cur;
	const ls_lora *L = &s->lora;
	if (reuse && s->measured) {
		mt->step = s->step;
		fill_theory(s);
		return LS_OK;
	}
	s->measured = false;
	mt->nmod = L->nmod;
	mt->r = L->r;
	mt->rstar = s->have_base ? s->base.rstar : 0;
	mt->num_rank = 0;
	double fro2 = 0.0, nuc = 0.0, bal2 = 0.0, dist2 = 0.0;
	for (size_t k = 0; k < L->nmod; k++) {
		ls_module_metrics *mm = &mt->mod[k];
		mm->m = L->A[k].rows;
		mm->n = L->B[k].rows;
		mm->s = L->s[k];
		size_t ns = L->r < mm->m ? L->r : mm->m;
		mm->nsigma = ns < mm->n ? ns : mm->n;
		ls_status st = ls_spectrum_lowrank(s->spec, &L->A[k], &L->B[k], L->s[k], mm->sigma,
						   &mm->balance, &mm->norm_a, &mm->norm_b, err);
		if (st != LS_OK)
			return st;
		mm->num_rank = ls_spectrum_rank(mm->sigma, mm->nsigma);
		double ss = 0.0, sn = 0.0;
		for (size_t i = 0; i < mm->nsigma; i++) {
			ss += mm->sigma[i] * mm->sigma[i];
			sn += mm->sigma[i];
		}
		mm->norm_fro = sqrt(ss);
		mm->norm_nuc = sn;
		mm->sigma_r = L->r <= mm->nsigma ? mm->sigma[L->r - 1] : 0.0;
		mm->sigma_rstar = NAN;
		mm->ratio = NAN;
		mm->dist_star = NAN;
		if (s->have_base) {
			const ls_baseline_module *bm = &s->base.mod[k];
			if (bm->rstar >= 1 && bm->rstar <= mm->nsigma)
				mm->sigma_rstar = mm->sigma[bm->rstar - 1];
			if (mm->sigma_rstar > 0.0)
				mm->ratio = mm->sigma_r / mm->sigma_rstar;
			st = distance(s, k, &mm->dist_star, err);
			if (st != LS_OK)
				return st;
			dist2 += mm->dist_star * mm->dist_star;
		}
		if (mm->num_rank > mt->num_rank)
			mt->num_rank = mm->num_rank;
		fro2 += ss;
		nuc += sn;
		bal2 += mm->balance * mm->balance;
	}
	mt->norm_fro = sqrt(fro2);
	mt->norm_nuc = nuc;
	mt->balance = sqrt(bal2);
	mt->dist_star = s->have_base ? sqrt(dist2) : NAN;
	mt->ratio = L->nmod ? mt->mod[0].ratio : NAN;
	mt->step = s->step;
	fill_theory(s);
	s->measured = true;
	return LS_OK;
}

/* Metrics of the current state without stepping (after create, changes and runs). */
static ls_status evaluate(ls_session *s, ls_error *err)
{
	if (s->diverged)
		return LS_OK;
	if (!factors_finite(&s->lora)) {
		diverge(s, LS_DIVERGED_FACTORS);
		return LS_OK;
	}
	ls_status st = measure_factors(s, false, err);
	if (st != LS_OK)
		return st;
	ls_metrics *mt = &s->cur;
	st = ls_optim_eval(s->opt, &s->prob, &s->lora, s->cfg.lambda, &mt->loss, &mt->reg_loss,
			   &mt->grad_norm, err);
	if (st != LS_OK)
		return st;
	/* eta and the Mu–Klabjan check keep the values of the last step taken. */
	if (!isfinite(mt->loss) || !isfinite(mt->reg_loss) || !isfinite(mt->grad_norm))
		diverge(s, LS_DIVERGED_LOSS);
	return LS_OK;
}

/* The baseline per --baseline, with λ/s of the current factors. */
static ls_status compute_baseline(ls_session *s, bool force, ls_error *err)
{
	if (s->have_base)
		ls_baseline_free(&s->base);
	s->have_base = false;
	if (s->cfg.baseline == LS_BASELINE_OFF && !force)
		return LS_OK;
	long iters = s->cfg.baseline_iters;
	if (s->cfg.baseline == LS_BASELINE_AUTO && !force) {
		double work = 0.0;
		for (size_t k = 0; k < s->prob.nmod; k++) {
			double m = (double)s->prob.shape[k].m, n = (double)s->prob.shape[k].n;
			work += m * n * (m < n ? m : n);
		}
		if (work > LS_BASELINE_AUTO_WORK)
			return LS_OK;
		double cap = LS_BASELINE_AUTO_BUDGET / (work > 1.0 ? work : 1.0);
		if ((double)iters > cap)
			iters = (long)cap;
	}
	double lam = s->cfg.lambda / s->lora.s[0];
	ls_status st = ls_baseline_compute(&s->base, &s->prob, lam, iters, s->cfg.baseline_tol,
					   err);
	if (st != LS_OK)
		return st;
	s->have_base = true;
	s->base.serial = ++s->base_serial;
	return size_scratch(s, err);
}

/* Fresh factors from the init seed into s->lora; s->rng continues from them. */
static ls_status initialise(ls_session *s, ls_error *err)
{
	ls_lora L;
	memset(&L, 0, sizeof L);
	ls_rng rng;
	ls_rng_seed(&rng, init_seed(s));
	ls_status st = ls_lora_alloc(&L, &s->prob, (size_t)s->cfg.rank, s->cfg.scaling,
				     s->cfg.alpha, err);
	if (st == LS_OK)
		st = ls_init_apply(&L, &s->prob, &s->cfg, &s->in, &rng, err);
	if (st != LS_OK) {
		ls_lora_free(&L);
		return st;
	}
	ls_lora_free(&s->lora);
	s->lora = L;
	s->rng = rng;
	s->step = 0;
	s->diverged = false;
	s->cur.diverged = false;
	s->cur.message[0] = '\0';
	s->cur.eta = NAN;
	s->cur.mk_checked = s->cur.mk_holds = false;
	s->cur.mk_lhs = s->cur.mk_rhs = NAN;
	s->cur.mk_checks = s->cur.mk_failures = 0;
	ls_history_clear(&s->hist);
	if (s->opt)
		ls_optim_reset(s->opt);
	return LS_OK;
}

static void destroy_parts(ls_session *s)
{
	ls_optim_free(s->opt);
	ls_lora_free(&s->lora);
	if (s->have_base)
		ls_baseline_free(&s->base);
	ls_problem_destroy(&s->prob);
	ls_inputs_free(&s->in);
	ls_spectrum_ws_free(s->spec);
	ls_spectrum_ws_free(s->dspec);
	free(s->cat_a);
	free(s->cat_b);
	ls_metrics_free(&s->cur);
	ls_history_free(&s->hist);
	for (size_t k = 0; k < LS_MAX_MODULES; k++)
		ls_mat_free(&s->xstar[k]);
	ls_alphabeta_free(s->abws);
}

ls_status ls_session_create(ls_session **out, const ls_config *cfg, const ls_inputs *in,
			    ls_error *err)
{
	*out = NULL;
	ls_status st = ls_config_check(cfg, err);
	if (st != LS_OK)
		return st;
	ls_session *s = calloc(1, sizeof *s);
	if (!s)
		return ls_error_set(err, LS_ENOMEM, "session");
	s->cfg = *cfg;
	s->cur.eta = NAN;
	s->cur.mk_lhs = s->cur.mk_rhs = NAN;
	ls_history_init(&s->hist);
	ls_rng prng;
	ls_rng_seed(&prng, cfg->seed);
	st = ls_inputs_copy(&s->in, in, err);
	if (st == LS_OK)
		st = ls_problem_create(&s->prob, cfg, &s->in, &prng, err);
	if (st == LS_OK)
		st = check_rank(&s->prob, cfg->rank, err);
	if (st == LS_OK)
		st = initialise(s, err);
	if (st == LS_OK)
		st = ls_optim_alloc(&s->opt, &s->lora, &s->prob, err);
	if (st == LS_OK)
		st = size_scratch(s, err);
	if (st == LS_OK)
		st = compute_baseline(s, false, err);
	if (st == LS_OK)
		st = evaluate(s, err);
	if (st != LS_OK) {
		destroy_parts(s);
		free(s);
		return st;
	}
	*out = s;
	return LS_OK;
}

void ls_session_free(ls_session *s)
{
	if (!s)
		return;
	destroy_parts(s);
	free(s);
}

ls_status ls_session_step(ls_session *s, long nsteps, ls_error *err)
{
	double t0 = now_seconds();
	long done = 0;
	for (; done < nsteps && !s->diverged; done++) {
		if (!factors_finite(&s->lora)) {
			diverge(s, LS_DIVERGED_FACTORS);
			break;
		}
		ls_status st = measure_factors(s, done == 0, err);
		if (st != LS_OK)
			return st;
		ls_step_info info;
		s->measured = false;
		st = ls_optim_step(s->opt, &s->prob, &s->lora, &s->cfg, &s->rng, &info, err);
		if (st != LS_OK)
			return st;
		ls_metrics *mt = &s->cur;
		mt->loss = info.loss;
		mt->reg_loss = info.reg_loss;
		mt->grad_norm = info.grad_norm;
		mt->eta = info.eta;
		mt->mk_checked = info.mk_checked;
		mt->mk_holds = info.mk_holds;
		mt->mk_lhs = info.mk_lhs;
		mt->mk_rhs = info.mk_rhs;
		if (info.mk_checked) {
			mt->mk_checks++;
			mt->mk_failures += !info.mk_holds;
		}
		st = ls_history_push(&s->hist, mt, err);
		if (st != LS_OK)
			return st;
		if (!isfinite(info.loss) || !isfinite(info.reg_loss) || !isfinite(info.grad_norm)) {
			diverge(s, LS_DIVERGED_LOSS);
			break;
		}
		s->step++;
	}
	double dt = now_seconds() - t0;
	ls_status st = evaluate(s, err);
	if (st != LS_OK)
		return st;
	if (done > 0)
		s->cur.steps_per_sec = dt > 0.0 ? (double)done / dt : 0.0;
	return LS_OK;
}

/* Replace the whole run by one built from cfg and in (problem knobs, seed, files). */
static ls_status rebuild(ls_session *s, const ls_config *cfg, const ls_inputs *in, ls_error *err)
{
	ls_session *n;
	ls_status st = ls_session_create(&n, cfg, in, err);
	if (st != LS_OK)
		return st;
	unsigned long serial = s->base_serial;
	destroy_parts(s);
	*s = *n;
	free(n);
	s->base_serial += serial;
	if (s->have_base)
		s->base.serial = s->base_serial;
	return LS_OK;
}

static ls_status set_rank(ls_session *s, ls_error *err)
{
	double s_old = s->lora.s[0];
	ls_status st = ls_lora_set_rank(&s->lora, (size_t)s->cfg.rank, &s->rng, err);
	if (st != LS_OK)
		return st;
	ls_optim *o;
	st = ls_optim_alloc(&o, &s->lora, &s->prob, err);
	if (st != LS_OK)
		return st;
	ls_optim_free(s->opt);
	s->opt = o;
	st = size_scratch(s, err);
	if (st == LS_OK && s->lora.s[0] != s_old)
		st = compute_baseline(s, false, err);
	return st;
}

/* Apply next, a config that differs from s's in one parameter whose change applies as kind
 * (not REBUILD), to the run; on failure s is as it was. */
static ls_status apply(ls_session *s, ls_param_apply kind, const ls_config *next, ls_error *err)
{
	ls_config prev = s->cfg;
	s->cfg = *next;
	ls_status st = LS_OK;
	switch (kind) {
	case LS_APPLY_OPTIMIZER:
		ls_optim_reset(s->opt);
		break;
	case LS_APPLY_BASELINE:
		st = compute_baseline(s, false, err);
		break;
	case LS_APPLY_SCALING:
		ls_lora_set_scaling(&s->lora, s->cfg.scaling, s->cfg.alpha);
		st = compute_baseline(s, false, err);
		break;
	case LS_APPLY_RANK:
		st = set_rank(s, err);
		break;
	case LS_APPLY_THEORY:
		s->ab_serial = 0;
		ab_drop(s);
		fill_theory(s);
		break;
	case LS_APPLY_INIT:
		s->restarts++;
		st = initialise(s, err);
		if (st != LS_OK)
			s->restarts--;
		break;
	default:
		break;
	}
	if (st != LS_OK) {
		s->cfg = prev;
		if (kind == LS_APPLY_SCALING)
			ls_lora_set_scaling(&s->lora, prev.scaling, prev.alpha);
	}
	return st;
}

/* param := value (pi its entry); a rebuild takes the matrices in (the session's own, or
 * those with a file parameter's new matrix). *ch (when not NULL) describes the change. */
static ls_status change(ls_session *s, const ls_param_info *pi, const char *param,
			const char *value, const ls_inputs *in, ls_change *ch, ls_error *err)
{
	ls_param_id id = (ls_param_id)(pi - ls_params);
	ls_config next = s->cfg;
	ls_status st = ls_config_set(&next, param, value, err);
	if (st == LS_OK && pi->apply == LS_APPLY_REBUILD) {
		/* The files fix the sizes they give; the one parameter set must agree with them. */
		bool given[LS_PARAM_COUNT] = { false };
		given[id] = true;
		st = ls_config_resolve_inputs(&next, given, in, err);
	}
	if (st == LS_OK)
		st = ls_config_check(&next, err);
	if (st != LS_OK)
		return st;
	if (pi->apply == LS_APPLY_RANK) {
		st = check_rank(&s->prob, next.rank, err);
		if (st != LS_OK)
			return st;
	}
	ls_change c = change_now(s, LS_CHANGE_SET);
	c.param = id;
	c.apply = pi->apply;
	ls_config_format(&s->cfg, id, c.from, sizeof c.from);
	unsigned long serial = s->base_serial;
	bool rebuilt = pi->apply == LS_APPLY_REBUILD;
	/* A rebuild measures the new run (ls_session_create); any other change is measured here. */
	st = rebuilt ? rebuild(s, &next, in, err) : apply(s, pi->apply, &next, err);
	if (st == LS_OK && !rebuilt)
		st = evaluate(s, err);
	if (st != LS_OK)
		return st;
	ls_config_format(&s->cfg, id, c.to, sizeof c.to);
	c.step = s->step;
	c.r1 = s->lora.r;
	c.restarts = s->restarts;
	c.restarted = rebuilt || pi->apply == LS_APPLY_INIT;
	c.baseline = s->base_serial != serial;
	s->last = c;
	if (ch)
		*ch = c;
	return LS_OK;
}

ls_status ls_session_set(ls_session *s, const char *param, const char *value, ls_change *ch,
			 ls_error *err)
{
	s->measured = false;
	const ls_param_info *pi = ls_param_find(param);
	if (!pi)
		return ls_error_set(err, LS_EINVAL, "--%s: unknown parameter", param);
	if (ls_input_of_param((ls_param_id)(pi - ls_params)) >= 0)
		return ls_session_set_file(s, param, value, NULL, ch, err);
	return change(s, pi, param, value, &s->in, ch, err);
}

ls_status ls_session_set_file(ls_session *s, const char *param, const char *value, const ls_mat *M,
			      ls_change *ch, ls_error *err)
{
	s->measured = false;
	const ls_param_info *pi = ls_param_find(param);
	int k = pi ? ls_input_of_param((ls_param_id)(pi - ls_params)) : -1;
	if (k < 0)
		return ls_error_set(err, LS_EINVAL, "--%s: not a file parameter", param);
	const char *held = (const char *)&s->cfg + pi->offset;
	if (!M && value[0] && strcmp(value, held) != 0)
		return ls_error_set(err, LS_EINVAL,
				    "--%s: %s: not loaded (a new file comes with its matrix)",
				    param, value);
	ls_inputs next;
	ls_status st = ls_inputs_copy(&next, &s->in, err);
	if (st == LS_OK && (M || !value[0]))
		st = ls_inputs_put(&next, (ls_input_id)k, M, err);
	if (st == LS_OK)
		st = change(s, pi, param, value, &next, ch, err);
	ls_inputs_free(&next);
	return st;
}

ls_status ls_session_reset(ls_session *s, ls_error *err)
{
	s->measured = false;
	ls_status st = initialise(s, err);
	if (st != LS_OK)
		return st;
	s->last = change_now(s, LS_CHANGE_RESET);
	s->last.restarted = true;
	return evaluate(s, err);
}

static void kick_factor(ls_mat *F, double scale, ls_rng *rng)
{
	size_t cnt = F->rows * F->cols;
	if (cnt == 0)
		return;
	double rms = ls_mat_norm(F) / sqrt((double)cnt);
	double sd = rms > 0.0 ? scale * rms : scale;
	for (size_t j = 0; j < F->cols; j++)
		for (size_t i = 0; i < F->rows; i++)
			LS_AT(*F, i, j) += sd * ls_rng_normal(rng);
}

ls_status ls_session_kick(ls_session *s, double scale, ls_error *err)
{
	s->measured = false;
	if (!(scale > 0.0) || !isfinite(scale))
		return ls_error_set(err, LS_ERANGE, "kick: scale %g must be positive", scale);
	for (size_t k = 0; k < s->lora.nmod; k++) {
		kick_factor(&s->lora.A[k], scale, &s->rng);
		kick_factor(&s->lora.B[k], scale, &s->rng);
	}
	s->last = change_now(s, LS_CHANGE_KICK);
	s->last.scale = scale;
	return evaluate(s, err);
}

ls_status ls_session_run_baseline(ls_session *s, ls_error *err)
{
	s->measured = false;
	ls_status st = compute_baseline(s, true, err);
	if (st != LS_OK)
		return st;
	return evaluate(s, err);
}

const ls_config *ls_session_config(const ls_session *s)
{
	return &s->cfg;
}

const ls_metrics *ls_session_metrics(const ls_session *s)
{
	return &s->cur;
}

const ls_history *ls_session_history(const ls_session *s)
{
	return &s->hist;
}

const ls_baseline *ls_session_baseline(const ls_session *s)
{
	return s->have_base ? &s->base : NULL;
}

const ls_problem *ls_session_problem(const ls_session *s)
{
	return &s->prob;
}

const ls_lora *ls_session_lora(const ls_session *s)
{
	return &s->lora;
}

long ls_session_steps(const ls_session *s)
{
	return s->step;
}

bool ls_session_diverged(const ls_session *s)
{
	return s->diverged;
}

const ls_change *ls_session_last_change(const ls_session *s)
{
	return &s->last;
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

/* The radius of the α̂/β̂ ball: D when positive, else max(1, 2‖X*_k‖_F, 1.25·‖X_k − X*_k‖_F)
 * over the modules (the ball holds X* and the current point). */
static double ab_radius(const ls_session *s, double D)
{
	if (D > 0)
		return D;
	D = 1.0;
	for (size_t k = 0; k < s->prob.nmod; k++) {
		double dk = s->cur.mod[k].dist_star;
		D = fmax(D, 2.0 * s->base.mod[k].fro);
		if (isfinite(dk))
			D = fmax(D, 1.25 * dk);
	}
	return D;
}

/* Begin the α̂, β̂ estimate for the current X* and rank at this state (radius, the theory
 * stream from its seed) unless it is cached or begun for them already. */
static ls_status ab_begin(ls_session *s, ls_error *err)
{
	if (ab_valid(s) || (s->abws && s->abws_serial == s->base.serial && s->abws_r == s->lora.r))
		return LS_OK;
	ab_drop(s);
	ls_status st = ensure_xstar(s, err);
	if (st != LS_OK)
		return st;
	ls_theory_opts o;
	ls_session_theory_opts(s, &o);
	ls_rng rng;
	ls_rng_seed(&rng, theory_seed(s));
	st = ls_alphabeta_alloc(&s->abws, &s->prob, s->xstar, s->lora.r, ab_radius(s, o.D), &o,
				&rng, err);
	if (st != LS_OK)
		return st;
	s->abws_serial = s->base.serial;
	s->abws_r = s->lora.r;
	s->abws_target = o.samples;
	return LS_OK;
}

/* Up to n more samples of the estimate (begun now when needed); installed in the cache
 * when its target is reached. */
static ls_status ab_advance(ls_session *s, size_t n, ls_error *err)
{
	ls_status st = ab_begin(s, err);
	if (st != LS_OK || ab_valid(s))
		return st;
	size_t left = s->abws_target - ls_alphabeta_samples(s->abws);
	st = ls_alphabeta_sample(s->abws, n < left ? n : left, err);
	if (st != LS_OK) {
		ab_drop(s);
		return st;
	}
	if (ls_alphabeta_samples(s->abws) == s->abws_target) {
		ls_alphabeta_result(s->abws, s->ab);
		s->ab_serial = s->abws_serial;
		s->ab_r = s->abws_r;
		ab_drop(s);
		fill_theory(s);
	}
	return LS_OK;
}

ls_status ls_session_alphabeta(ls_session *s, const ls_alphabeta **out, ls_error *err)
{
	if (out)
		*out = NULL;
	if (!s->have_base)
		return LS_OK;
	ls_status st = ab_advance(s, SIZE_MAX, err);
	if (st == LS_OK && out)
		*out = s->ab;
	return st;
}

ls_status ls_session_alphabeta_begin(ls_session *s, ls_error *err)
{
	return s->have_base ? ab_begin(s, err) : LS_OK;
}

ls_status ls_session_alphabeta_slice(ls_session *s, size_t n, size_t *done, ls_error *err)
{
	if (!s->have_base)
		return ls_error_set(err, LS_EINVAL, "alpha/beta: the session has no baseline");
	ls_status st = ab_advance(s, n, err);
	if (done)
		*done = ab_valid(s) ? s->ab[0].samples
			: s->abws   ? ls_alphabeta_samples(s->abws)
				    : 0;
	return st;
}

ls_status ls_session_theory_report(ls_session *s, ls_theory_report *rep, ls_error *err)
{
	if (!s->have_base)
		return ls_error_set(err, LS_EINVAL, "theory: the session has no baseline");
	const ls_alphabeta *ab;
	ls_status st = ls_session_alphabeta(s, &ab, err);
	if (st == LS_OK)
		st = ensure_xstar(s, err);
	if (st != LS_OK)
		return st;
	ls_theory_opts o;
	ls_session_theory_opts(s, &o);
	o.D = ab[0].D;
	ls_rng rng;
	ls_rng_seed(&rng, theory_seed(s) ^ (uint64_t)s->step);
	return ls_theory_report_compute(&s->prob, &s->lora, s->cfg.lambda, s->xstar, &o, ab, &rng,
					rep, err);
}

/* After an import replaced factors, optimiser state, rng, step and history of s: size the
 * scratch, refill the theory part of the metrics and measure the current state. */
static ls_status restored(ls_session *s, ls_error *err)
{
	s->measured = false;
	ls_status st = size_scratch(s, err);
	if (st != LS_OK)
		return st;
	if (s->diverged) {
		/* Nothing is measured on the factors of a diverged run (the uninterrupted run
		 * stopped measuring them too): the numbers are undefined. */
		ls_metrics *mt = &s->cur;
		mt->loss = mt->reg_loss = mt->grad_norm = NAN;
		mt->norm_fro = mt->norm_nuc = mt->dist_star = mt->balance = mt->ratio = NAN;
		for (size_t k = 0; k < mt->nmod; k++)
			mt->mod[k].nsigma = 0;
		mt->step = s->step;
		mt->diverged = true;
		return LS_OK;
	}
	return evaluate(s, err);
}

void ls_session_state_free(ls_session_state *st)
{
	for (size_t k = 0; k < LS_MAX_MODULES; k++)
		for (int f = 0; f < LS_STATE_NMATS; f++)
			ls_mat_free(&st->mat[k][f]);
	ls_history_free(&st->hist);
	memset(st, 0, sizeof *st);
}

/* Views of the six matrices of module k of s, in ls_state_mat order. */
static void state_views(const ls_session *s, size_t k, ls_mat *v)
{
	v[LS_STATE_A] = s->lora.A[k];
	v[LS_STATE_B] = s->lora.B[k];
	ls_optim_moments(s->opt, k, &v[LS_STATE_MA], &v[LS_STATE_MB], &v[LS_STATE_VA],
			 &v[LS_STATE_VB]);
}

ls_status ls_session_state_export(const ls_session *s, ls_session_state *st, ls_error *err)
{
	memset(st, 0, sizeof *st);
	ls_history_init(&st->hist);
	const ls_metrics *m = &s->cur;
	st->step = s->step;
	st->restarts = s->restarts;
	memcpy(st->rng, s->rng.s, sizeof st->rng);
	st->counts = ls_optim_get_counts(s->opt);
	st->diverged = s->diverged;
	snprintf(st->message, sizeof st->message, "%s", m->message);
	st->eta = m->eta;
	st->mk_checked = m->mk_checked;
	st->mk_holds = m->mk_holds;
	st->mk_lhs = m->mk_lhs;
	st->mk_rhs = m->mk_rhs;
	st->mk_checks = m->mk_checks;
	st->mk_failures = m->mk_failures;
	st->have_base = s->have_base;
	st->base_serial = s->base_serial;
	st->nmod = s->lora.nmod;
	st->r = s->lora.r;
	st->have_ab = ab_valid(s);
	ls_status rc = LS_OK;
	for (size_t k = 0; k < st->nmod && rc == LS_OK; k++) {
		st->s[k] = s->lora.s[k];
		if (st->have_ab)
			st->ab[k] = s->ab[k];
		ls_mat v[LS_STATE_NMATS];
		state_views(s, k, v);
		for (int f = 0; f < LS_STATE_NMATS && rc == LS_OK; f++) {
			rc = ls_mat_alloc(&st->mat[k][f], v[f].rows, v[f].cols, err);
			if (rc == LS_OK)
				rc = ls_mat_copy(&st->mat[k][f], &v[f]);
		}
	}
	if (rc == LS_OK)
		rc = ls_history_copy(&st->hist, &s->hist, err);
	if (rc != LS_OK)
		ls_session_state_free(st);
	return rc;
}

ls_status ls_session_state_import(ls_session *s, const ls_session_state *st, ls_error *err)
{
	if (st->nmod != s->lora.nmod || st->r != s->lora.r)
		return ls_error_set(err, LS_EDIM,
				    "state: %zu module(s) of rank %zu, the run has %zu "
				    "of rank %zu",
				    st->nmod, st->r, s->lora.nmod, s->lora.r);
	for (size_t k = 0; k < st->nmod; k++) {
		ls_mat v[LS_STATE_NMATS];
		state_views(s, k, v);
		for (int f = 0; f < LS_STATE_NMATS; f++)
			if (!ls_mat_same_shape(&st->mat[k][f], &v[f]))
				return ls_error_set(err, LS_EDIM,
						    "state: module %zu: a %zux%zu matrix where "
						    "the run has %zux%zu",
						    k, st->mat[k][f].rows, st->mat[k][f].cols,
						    v[f].rows, v[f].cols);
	}
	if (st->have_ab && !st->have_base)
		return ls_error_set(err, LS_EINVAL, "state: alpha^, beta^ without a baseline");
	ls_status rc = LS_OK;
	if (st->have_base && !s->have_base)
		rc = ls_session_run_baseline(s, err);
	if (rc == LS_OK)
		rc = ls_history_copy(&s->hist, &st->hist, err);
	if (rc != LS_OK)
		return rc;
	s->measured = false;
	if (st->base_serial > s->base_serial)
		s->base_serial = st->base_serial;
	if (s->have_base)
		s->base.serial = s->base_serial;
	for (size_t k = 0; k < st->nmod; k++) {
		ls_mat v[LS_STATE_NMATS];
		state_views(s, k, v);
		for (int f = 0; f < LS_STATE_NMATS; f++)
			ls_mat_copy(&v[f], &st->mat[k][f]);
	}
	ls_optim_set_counts(s->opt, st->counts);
	memcpy(s->rng.s, st->rng, sizeof st->rng);
	s->step = st->step;
	s->restarts = st->restarts;
	s->diverged = st->diverged;
	ls_metrics *m = &s->cur;
	snprintf(m->message, sizeof m->message, "%s", st->message);
	m->eta = st->eta;
	m->mk_checked = st->mk_checked;
	m->mk_holds = st->mk_holds;
	m->mk_lhs = st->mk_lhs;
	m->mk_rhs = st->mk_rhs;
	m->mk_checks = st->mk_checks;
	m->mk_failures = st->mk_failures;
	if (st->have_ab) {
		for (size_t k = 0; k < st->nmod; k++)
			s->ab[k] = st->ab[k];
		s->ab_serial = s->base.serial;
		s->ab_r = s->lora.r;
	}
	rc = restored(s, err);
	if (rc != LS_OK)
		return rc;
	s->last = change_now(s, LS_CHANGE_RESUMED);
	snprintf(s->last.from, sizeof s->last.from, "%s", st->origin ? st->origin : "");
	return LS_OK;
}

ls_status ls_session_flow_curve(ls_session *s, ls_flow_curve *fc, ls_error *err)
{
	ls_flow_curve_free(fc);
	return ls_flow_curve_init(fc, &s->prob, &s->lora, &s->cfg, err);
}
