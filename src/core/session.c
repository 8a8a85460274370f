/* session.c — one run's lifecycle: builds the pieces from a config (create, rebuild),
 * initialises the factors, steps, frees; the accessors. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lorascope/init.h"
#include "lorascope/optim.h"
#include "lorascope/session.h"
#include "session_priv.h"

static uint64_t init_seed(const ls_session *s)
{
	return s->cfg.seed + 0x9e3779b97f4a7c15ULL * (uint64_t)(s->restarts + 1);
}

/* Presets have their own shape whatever --m and --n say: the rank must fit every module. */
ls_status ls_session_check_rank(const ls_problem *p, long rank, ls_error *err)
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

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fresh factors from the init seed into s->lora; s->rng continues from them. */
ls_status ls_session_initialise(ls_session *s, ls_error *err)
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
	ls_lora_free(&s->prev);
	if (s->have_base)
		ls_baseline_free(&s->base);
	ls_session_baseline_drop(s);
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

/* A session from cfg and in; deferred: its baseline computed in slices later (begun now
 * when begin_base, else left to the caller). */
static ls_status create(ls_session **out, const ls_config *cfg, const ls_inputs *in, bool deferred,
			bool begin_base, ls_error *err)
{
	*out = NULL;
	ls_status st = ls_config_check(cfg, err);
	if (st != LS_OK)
		return st;
	ls_session *s = calloc(1, sizeof *s);
	if (!s)
		return ls_error_set(err, LS_ENOMEM, "session");
	s->cfg = *cfg;
	s->deferred = deferred;
	s->keep_hist = true;
	s->cur.eta = NAN;
	s->cur.mk_lhs = s->cur.mk_rhs = NAN;
	ls_history_init(&s->hist);
	ls_rng prng;
	ls_rng_seed(&prng, cfg->seed);
	st = ls_inputs_copy(&s->in, in, err);
	if (st == LS_OK)
		st = ls_problem_create(&s->prob, cfg, &s->in, &prng, err);
	if (st == LS_OK)
		st = ls_session_check_rank(&s->prob, cfg->rank, err);
	if (st == LS_OK)
		st = ls_session_initialise(s, err);
	if (st == LS_OK)
		st = ls_optim_alloc(&s->opt, &s->lora, &s->prob, err);
	if (st == LS_OK)
		st = ls_session_size_scratch(s, err);
	if (st == LS_OK && begin_base)
		st = ls_session_compute_baseline(s, false, err);
	if (st == LS_OK)
		st = ls_session_evaluate(s, err);
	if (st != LS_OK) {
		destroy_parts(s);
		free(s);
		return st;
	}
	*out = s;
	return LS_OK;
}

ls_status ls_session_create(ls_session **out, const ls_config *cfg, const ls_inputs *in,
			    ls_error *err)
{
	return create(out, cfg, in, false, true, err);
}

ls_status ls_session_create_deferred(ls_session **out, const ls_config *cfg, const ls_inputs *in,
				     ls_error *err)
{
	return create(out, cfg, in, true, true, err);
}

void ls_session_free(ls_session *s)
{
	if (!s)
		return;
	destroy_parts(s);
	free(s);
}

void ls_session_keep_history(ls_session *s, bool keep)
{
	s->keep_hist = keep;
}

/* Each step records its losses (g and ‖∇g‖ from the optimiser's quick sums); the factor
 * metrics (spectrum, norms, distance, rank) are measured only for the history's points on
 * its factor cadence (none when it is not kept) and for the state the call ends on (what
 * every reader sees); before any other step the factors are kept, so a divergence still
 * reports the metrics of the state it came from. */
ls_status ls_session_step(ls_session *s, long nsteps, ls_error *err)
{
	double t0 = now_seconds();
	long done = 0;
	ls_status st;
	bool kept = false;   /* s->prev holds the state before the last step, unmeasured */
	bool proven = false; /* the last step's quick sums proved the factors it made finite */
	ls_optim_set_lean(s->opt, true);
	for (; done < nsteps && !s->diverged; done++) {
		bool wanted = s->keep_hist && ls_history_wants_factors(&s->hist, s->step), finite;
		st = LS_OK;
		if (wanted || (done == 0 && s->measured)) {
			finite = proven || ls_session_factors_finite(&s->lora);
			if (finite)
				st = ls_session_measure_factors(s, done == 0, err);
		} else {
			st = ls_session_keep_factors(s, proven, &finite, err);
		}
		if (!finite) {
			if (kept && (st = ls_session_measure_kept(s, err)) != LS_OK)
				return st;
			ls_session_mark_diverged(s, LS_DIVERGED_FACTORS);
			break;
		}
		if (st != LS_OK)
			return st;
		kept = !wanted && !(done == 0 && s->measured);
		ls_step_info info;
		s->measured = false;
		st = ls_optim_step(s->opt, &s->prob, &s->lora, &s->cfg, &s->rng, &info, err);
		if (st != LS_OK)
			return st;
		proven = !info.exact; /* optim.h: lean sums only where they prove it */
		ls_metrics *mt = &s->cur;
		mt->step = s->step;
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
		if (s->keep_hist && (st = ls_history_push(&s->hist, mt, wanted, err)) != LS_OK)
			return st;
		if (!isfinite(info.loss) || !isfinite(info.reg_loss) || !isfinite(info.grad_norm)) {
			if (kept && (st = ls_session_measure_kept(s, err)) != LS_OK)
				return st;
			ls_session_mark_diverged(s, LS_DIVERGED_LOSS);
			break;
		}
		s->step++;
	}
	double dt = now_seconds() - t0;
	st = ls_session_evaluate(s, err);
	if (st != LS_OK)
		return st;
	if (done > 0)
		s->cur.steps_per_sec = dt > 0.0 ? (double)done / dt : 0.0;
	return LS_OK;
}

/* Replace the whole run by one built from cfg and in (problem knobs, seed, files). */
ls_status ls_session_rebuild(ls_session *s, const ls_config *cfg, const ls_inputs *in,
			     ls_error *err)
{
	ls_session *n;
	/* A deferred session's baseline is begun on the problem where it ends up (in s). */
	ls_status st = create(&n, cfg, in, s->deferred, !s->deferred, err);
	if (st != LS_OK)
		return st;
	unsigned long serial = s->base_serial;
	bool keep = s->keep_hist;
	destroy_parts(s);
	*s = *n;
	free(n);
	s->base_serial += serial;
	s->keep_hist = keep;
	if (s->have_base)
		s->base.serial = s->base_serial;
	return s->deferred ? ls_session_compute_baseline(s, false, err) : LS_OK;
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
