/* lesson_run.c — the lesson interpreter: keeps the lesson clock, decides which rules are
 * due, applies their actions to the session and records events for the front-end.
 * No I/O: captions and pauses are returned as events (semantics in lesson.h). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/lesson.h"

struct ls_lesson_run {
	const ls_lesson *l;
	size_t *at_order; /* indices of the "at" rules by (step, file order) */
	size_t nat, next_at;
	bool *fired;      /* per rule */
	size_t when_left; /* "when" rules not fired yet */
	long clock, seen; /* lesson clock; the session's step count at the last poll */
	bool started, stopped;
	ls_lesson_event *ev; /* every event so far; at most one per action */
	size_t nev;
};

ls_status ls_lesson_run_new(ls_lesson_run **out, const ls_lesson *l, ls_error *err)
{
	*out = NULL;
	ls_lesson_run *r = calloc(1, sizeof *r);
	if (!r)
		return ls_error_set(err, LS_ENOMEM, "lesson: out of memory");
	r->l = l;
	size_t nr = l->nrules ? l->nrules : 1, na = l->nactions ? l->nactions : 1;
	r->at_order = malloc(nr * sizeof *r->at_order);
	r->fired = calloc(nr, sizeof *r->fired);
	r->ev = malloc(na * sizeof *r->ev);
	if (!r->at_order || !r->fired || !r->ev) {
		ls_lesson_run_free(r);
		return ls_error_set(err, LS_ENOMEM, "lesson: out of memory");
	}
	/* Insertion sort by step: stable, so equal steps keep file order. */
	for (size_t i = 0; i < l->nrules; i++) {
		if (l->rules[i].is_when) {
			r->when_left++;
			continue;
		}
		size_t j = r->nat++;
		while (j > 0 && l->rules[r->at_order[j - 1]].step > l->rules[i].step) {
			r->at_order[j] = r->at_order[j - 1];
			j--;
		}
		r->at_order[j] = i;
	}
	*out = r;
	return LS_OK;
}

void ls_lesson_run_free(ls_lesson_run *r)
{
	if (!r)
		return;
	free(r->at_order);
	free(r->fired);
	free(r->ev);
	free(r);
}

static double var_value(const ls_session *s, ls_lesson_var v)
{
	const ls_metrics *m = ls_session_metrics(s);
	bool base = ls_session_baseline(s) != NULL;
	switch (v) {
	case LS_LESSON_VAR_STEP:
		return (double)ls_session_steps(s);
	case LS_LESSON_VAR_LOSS:
		return m->loss;
	case LS_LESSON_VAR_GRAD:
		return m->grad_norm;
	case LS_LESSON_VAR_RANK:
		return (double)m->num_rank;
	case LS_LESSON_VAR_RSTAR:
		return base ? (double)m->rstar : NAN;
	case LS_LESSON_VAR_RATIO:
		return base ? m->ratio : NAN;
	case LS_LESSON_VAR_NORM:
		return m->norm_fro;
	case LS_LESSON_VAR_DIST:
		return base ? m->dist_star : NAN;
	default:
		return ls_session_diverged(s) ? 1.0 : 0.0;
	}
}

/* Comparisons with NaN are false, as in C. */
static bool cond_holds(const ls_session *s, const ls_lesson_cond *c)
{
	if (c->var == LS_LESSON_VAR_DIVERGED)
		return ls_session_diverged(s);
	double x = var_value(s, c->var);
	switch (c->op) {
	case LS_LESSON_LT:
		return x < c->value;
	case LS_LESSON_LE:
		return x <= c->value;
	case LS_LESSON_GT:
		return x > c->value;
	case LS_LESSON_GE:
		return x >= c->value;
	case LS_LESSON_EQ:
		return x == c->value;
	default:
		return x != c->value && !isnan(x);
	}
}

static bool rule_holds(const ls_session *s, const ls_lesson_rule *rule)
{
	for (size_t i = 0; i < rule->ncond; i++)
		if (!cond_holds(s, &rule->cond[i]))
			return false;
	return true;
}

/* Apply the actions of rule (index k) to s, recording one event per action. */
static ls_status fire(ls_lesson_run *r, size_t k, ls_session *s, ls_error *err)
{
	const ls_lesson_rule *rule = &r->l->rules[k];
	r->fired[k] = true;
	if (rule->is_when)
		r->when_left--;
	long step = ls_session_steps(s);
	for (size_t i = 0; i < rule->count; i++) {
		const ls_lesson_action *a = &r->l->actions[rule->first + i];
		ls_lesson_event *ev = &r->ev[r->nev++];
		*ev = (ls_lesson_event){.clock = r->clock, .step = step, .rule = rule, .action = a};
		ls_error e;
		ls_error_clear(&e);
		ls_status st = LS_OK;
		switch (a->kind) {
		case LS_LESSON_SET:
			ev->kind = LS_LESSON_EV_SET;
			st = ls_session_set(s, a->name, a->text, &e);
			break;
		case LS_LESSON_CAPTION:
			ev->kind = LS_LESSON_EV_CAPTION;
			break;
		case LS_LESSON_PAUSE:
			ev->kind = LS_LESSON_EV_PAUSE;
			break;
		case LS_LESSON_KICK:
			ev->kind = LS_LESSON_EV_KICK;
			st = ls_session_kick(s, a->scale, &e);
			break;
		case LS_LESSON_RESET:
			ev->kind = LS_LESSON_EV_RESET;
			st = ls_session_reset(s, &e);
			break;
		case LS_LESSON_STOP:
			ev->kind = LS_LESSON_EV_STOP;
			r->stopped = true;
			break;
		}
		if (st == LS_ENOMEM) {
			if (err)
				*err = e;
			return st;
		}
		if (st != LS_OK) {
			/* The session refuses a change and leaves the run as it was (session.h). */
			ev->kind = LS_LESSON_EV_REFUSED;
			snprintf(ev->msg, sizeof ev->msg, "%s", e.msg[0] ? e.msg : ls_strerror(st));
		}
	}
	return LS_OK;
}

ls_status ls_lesson_run_poll(ls_lesson_run *r, ls_session *s, const ls_lesson_event **ev,
                             size_t *nev, ls_error *err)
{
	size_t first = r->nev;
	*ev = r->ev + first;
	*nev = 0;
	long now = ls_session_steps(s);
	if (r->started)
		r->clock += now >= r->seen ? now - r->seen : now;
	r->started = true;
	ls_status st = LS_OK;
	while (st == LS_OK && !r->stopped && r->next_at < r->nat &&
	       r->l->rules[r->at_order[r->next_at]].step <= r->clock)
		st = fire(r, r->at_order[r->next_at++], s, err);
	for (size_t k = 0; st == LS_OK && !r->stopped && k < r->l->nrules; k++) {
		const ls_lesson_rule *rule = &r->l->rules[k];
		if (rule->is_when && !r->fired[k] && rule->step <= r->clock && rule_holds(s, rule))
			st = fire(r, k, s, err);
	}
	r->seen = ls_session_steps(s);
	*nev = r->nev - first;
	return st;
}

long ls_lesson_run_budget(const ls_lesson_run *r)
{
	if (r->stopped)
		return 0;
	long b = LONG_MAX;
	if (r->next_at < r->nat)
		b = r->l->rules[r->at_order[r->next_at]].step - r->clock;
	for (size_t k = 0; k < r->l->nrules; k++) {
		const ls_lesson_rule *rule = &r->l->rules[k];
		if (!rule->is_when || r->fired[k])
			continue;
		long d = rule->step - r->clock;
		if (d < 1)
			d = 1;
		if (d < b)
			b = d;
	}
	return b < 0 ? 0 : b;
}

long ls_lesson_run_clock(const ls_lesson_run *r)
{
	return r->clock;
}

bool ls_lesson_run_stopped(const ls_lesson_run *r)
{
	return r->stopped;
}

bool ls_lesson_run_finished(const ls_lesson_run *r)
{
	return r->stopped || (r->next_at == r->nat && r->when_left == 0);
}

const ls_lesson_event *ls_lesson_run_events(const ls_lesson_run *r, size_t *n)
{
	*n = r->nev;
	return r->ev;
}

void ls_lesson_event_format(const ls_lesson_event *ev, char *buf, size_t len)
{
	const ls_lesson_action *a = ev->action;
	switch (ev->kind) {
	case LS_LESSON_EV_CAPTION:
		snprintf(buf, len, "[step %ld] %s", ev->clock, a->text);
		break;
	case LS_LESSON_EV_PAUSE:
		snprintf(buf, len, "[step %ld] pause", ev->clock);
		break;
	case LS_LESSON_EV_SET:
		snprintf(buf, len, "[step %ld] set %s %s", ev->clock, a->name, a->text);
		break;
	case LS_LESSON_EV_KICK:
		snprintf(buf, len, "[step %ld] kick %g", ev->clock, a->scale);
		break;
	case LS_LESSON_EV_RESET:
		snprintf(buf, len, "[step %ld] reset", ev->clock);
		break;
	case LS_LESSON_EV_STOP:
		snprintf(buf, len, "[step %ld] stop", ev->clock);
		break;
	case LS_LESSON_EV_REFUSED:
		if (a->kind == LS_LESSON_SET)
			snprintf(buf, len, "[step %ld] refused: set %s %s (line %zu): %s",
			         ev->clock, a->name, a->text, a->pos.line, ev->msg);
		else
			snprintf(buf, len, "[step %ld] refused (line %zu): %s", ev->clock,
			         a->pos.line, ev->msg);
		break;
	}
}
