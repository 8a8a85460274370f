/* session_state.c — a session's state exported and imported (snapshots: io/snapshot.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lorascope/optim.h"
#include "session_priv.h"

/* The metrics a state carries, by name (the same fields in ls_metrics and the state): copied
 * out by the export and back by the import from this one list. */
#define STATE_METRICS(X) \
	X(eta) X(mk_checked) X(mk_holds) X(mk_lhs) X(mk_rhs) X(mk_checks) X(mk_failures)

/* After an import replaced factors, optimiser state, rng, step and history of s: size the
 * scratch, refill the theory part of the metrics and measure the current state. */
static ls_status restored(ls_session *s, ls_error *err)
{
	s->measured = false;
	ls_status st = ls_session_size_scratch(s, err);
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
	return ls_session_evaluate(s, err);
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
#define STATE_OUT(f) st->f = m->f;
	STATE_METRICS(STATE_OUT)
#undef STATE_OUT
	st->have_base = s->have_base;
	st->base_serial = s->base_serial;
	st->nmod = s->lora.nmod;
	st->r = s->lora.r;
	st->have_ab = ls_session_ab_valid(s);
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
#define STATE_IN(f) m->f = st->f;
	STATE_METRICS(STATE_IN)
#undef STATE_IN
	if (st->have_ab) {
		for (size_t k = 0; k < st->nmod; k++)
			s->ab[k] = st->ab[k];
		s->ab_serial = s->base.serial;
		s->ab_r = s->lora.r;
	}
	rc = restored(s, err);
	if (rc != LS_OK)
		return rc;
	s->last = ls_session_change_now(s, LS_CHANGE_RESUMED);
	snprintf(s->last.from, sizeof s->last.from, "%s", st->origin ? st->origin : "");
	return LS_OK;
}
