/* session_change.c — mid-run changes of a session: parameters by the APPLY column of
 * LS_PARAM_LIST (ls_session_set, ls_session_set_file), reset and kick, each an ls_change. */
#include <math.h>
#include <string.h>

#include "lorascope/optim.h"
#include "session_priv.h"

/* A change record of s as it stands (the step, the rank, the restart counter). */
ls_change ls_session_change_now(const ls_session *s, ls_change_kind kind)
{
	return (ls_change){ .kind = kind,
			    .step = s->step,
			    .r0 = s->lora.r,
			    .r1 = s->lora.r,
			    .restarts = s->restarts };
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
	st = ls_session_size_scratch(s, err);
	if (st == LS_OK && s->lora.s[0] != s_old)
		st = ls_session_compute_baseline(s, false, err);
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
		st = ls_session_compute_baseline(s, false, err);
		break;
	case LS_APPLY_SCALING:
		ls_lora_set_scaling(&s->lora, s->cfg.scaling, s->cfg.alpha);
		st = ls_session_compute_baseline(s, false, err);
		break;
	case LS_APPLY_RANK:
		st = set_rank(s, err);
		break;
	case LS_APPLY_THEORY:
		s->ab_serial = 0;
		ls_session_ab_drop(s);
		ls_session_fill_theory(s);
		break;
	case LS_APPLY_INIT:
		s->restarts++;
		st = ls_session_initialise(s, err);
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
		st = ls_session_check_rank(&s->prob, next.rank, err);
		if (st != LS_OK)
			return st;
	}
	ls_change c = ls_session_change_now(s, LS_CHANGE_SET);
	c.param = id;
	c.apply = pi->apply;
	ls_config_format(&s->cfg, id, c.from, sizeof c.from);
	unsigned long serial = s->base_serial;
	bool rebuilt = pi->apply == LS_APPLY_REBUILD;
	/* A rebuild measures the new run (ls_session_create); any other change is measured here. */
	st = rebuilt ? ls_session_rebuild(s, &next, in, err) : apply(s, pi->apply, &next, err);
	if (st == LS_OK && !rebuilt)
		st = ls_session_evaluate(s, err);
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
	ls_status st = ls_session_initialise(s, err);
	if (st != LS_OK)
		return st;
	s->last = ls_session_change_now(s, LS_CHANGE_RESET);
	s->last.restarted = true;
	return ls_session_evaluate(s, err);
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
	s->last = ls_session_change_now(s, LS_CHANGE_KICK);
	s->last.scale = scale;
	return ls_session_evaluate(s, err);
}
