/* lesson_run.c — the lesson interpreter: keeps the lesson clock, decides which rules are
 * due, applies their actions to the session and records events for the front-end.
 * "verdict" conditions go through a cheap stationarity gate and a rate-limited theory
 * report (ls_session_theory_report, MATH.md §5); captions quote live values ("{ratio}").
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
	/* The verdict of this poll: -1 not evaluated yet, else an ls_verdict, or
	 * LS_VERDICT_UNKNOWN for undefined. Forgotten at each poll and after a change. */
	int verdict;
	long reports;      /* theory reports computed */
	long report_clock; /* lesson clock of the last one (valid when reports > 0) */
};

ls_status ls_lesson_run_new(ls_lesson_run **out, const ls_lesson *l, ls_error *err)
{
	*out = NULL;
	ls_lesson_run *r = calloc(1, sizeof *r);
	if (!r)
		return ls_error_set(err, LS_ENOMEM, "lesson: out of memory");
	r->l = l;
	r->verdict = -1;
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

/* The report's stationarity test (theory_verdict.c) on the metrics' numbers, with f(0)
 * from the baseline: false when it fails or a number is NaN. */
static bool gate_open(ls_session *s, const ls_baseline *b)
{
	const ls_metrics *m = ls_session_metrics(s);
	ls_theory_opts o;
	ls_session_theory_opts(s, &o);
	double theta2 = 0.0;
	for (size_t k = 0; k < m->nmod; k++)
		theta2 += m->mod[k].norm_a * m->mod[k].norm_a + m->mod[k].norm_b * m->mod[k].norm_b;
	double rel = m->grad_norm * fmax(sqrt(theta2), 1.0) /
		     fmax(fmax(b->f0, fabs(m->reg_loss)), 1e-300);
	return rel <= LS_LESSON_GATE_SLACK * o.grad_tol;
}

/* The verdict on the current state as lesson.h defines it: LS_VERDICT_UNKNOWN when
 * undefined. At most one report per poll and per LS_LESSON_VERDICT_EVERY clock steps. */
static ls_status verdict_now(ls_lesson_run *r, ls_session *s, ls_verdict *v, ls_error *err)
{
	if (r->verdict >= 0) {
		*v = (ls_verdict)r->verdict;
		return LS_OK;
	}
	const ls_baseline *b = ls_session_baseline(s);
	if (!b || ls_session_diverged(s)) {
		*v = LS_VERDICT_UNKNOWN;
	} else if (!gate_open(s, b)) {
		*v = LS_VERDICT_NOT_STATIONARY;
	} else if (r->reports > 0 && r->clock - r->report_clock < LS_LESSON_VERDICT_EVERY) {
		*v = LS_VERDICT_UNKNOWN;
	} else {
		ls_theory_report rep;
		ls_status st = ls_session_theory_report(s, &rep, err);
		if (st != LS_OK)
			return st;
		r->reports++;
		r->report_clock = r->clock;
		*v = rep.verdict;
	}
	r->verdict = (int)*v;
	return LS_OK;
}

/* Module 0's regime as the metrics carry it: exact when known, else the estimate. */
static ls_regime regime_now(const ls_session *s)
{
	const ls_metrics *m = ls_session_metrics(s);
	if (m->nmod == 0)
		return LS_REGIME_UNKNOWN;
	return m->mod[0].regime_exact != LS_REGIME_UNKNOWN ? m->mod[0].regime_exact
							   : m->mod[0].regime;
}

/* Comparisons with NaN, or with an undefined verdict or regime, are false, as in C. */
static ls_status cond_holds(ls_lesson_run *r, ls_session *s, const ls_lesson_cond *c, bool *holds,
			    ls_error *err)
{
	if (c->var == LS_LESSON_VAR_DIVERGED) {
		*holds = ls_session_diverged(s);
		return LS_OK;
	}
	if (c->var == LS_LESSON_VAR_VERDICT || c->var == LS_LESSON_VAR_REGIME) {
		int x;
		if (c->var == LS_LESSON_VAR_VERDICT) {
			ls_verdict v;
			ls_status st = verdict_now(r, s, &v, err);
			if (st != LS_OK)
				return st;
			x = v == LS_VERDICT_UNKNOWN ? -1 : (int)v;
		} else {
			ls_regime g = regime_now(s);
			x = g == LS_REGIME_UNKNOWN ? -1 : (int)g;
		}
		*holds = x >= 0 && ((x == (int)c->value) == (c->op == LS_LESSON_EQ));
		return LS_OK;
	}
	double x = var_value(s, c->var);
	switch (c->op) {
	case LS_LESSON_LT:
		*holds = x < c->value;
		break;
	case LS_LESSON_LE:
		*holds = x <= c->value;
		break;
	case LS_LESSON_GT:
		*holds = x > c->value;
		break;
	case LS_LESSON_GE:
		*holds = x >= c->value;
		break;
	case LS_LESSON_EQ:
		*holds = x == c->value;
		break;
	default:
		*holds = x != c->value && !isnan(x);
		break;
	}
	return LS_OK;
}

/* Caption fields: the condition variables but "diverged", then LS_LESSON_FIELD_LIST; ids
 * below LS_LESSON_VAR_COUNT are ls_lesson_var, the others LS_LESSON_VAR_COUNT + field. */
enum {
#define FIELD_ENUM(id, name, help) id,
	LS_LESSON_FIELD_BASE = LS_LESSON_VAR_COUNT - 1,
	LS_LESSON_FIELD_LIST(FIELD_ENUM)
#undef FIELD_ENUM
		LS_LESSON_FIELD_END
};
static const char *const field_names[LS_LESSON_FIELD_END] = {
#define VAR_NAME(id, name, help) [id] = name,
	LS_LESSON_VAR_LIST(VAR_NAME)
#undef VAR_NAME
#define FIELD_NAME(id, name, help) [id] = name,
		LS_LESSON_FIELD_LIST(FIELD_NAME)
#undef FIELD_NAME
};

/* The field id of name (len bytes), -1 when none ("diverged" is no field). */
static int field_find(const char *name, size_t len)
{
	for (int k = 0; k < LS_LESSON_FIELD_END; k++)
		if (k != LS_LESSON_VAR_DIVERGED && field_names[k] &&
		    strlen(field_names[k]) == len && strncmp(field_names[k], name, len) == 0)
			return k;
	return -1;
}

bool ls_lesson_field_known(const char *name, size_t len)
{
	return field_find(name, len) >= 0;
}

/* A number as the TUI shows it (axis.c's ls_axis_format at 7 columns): plain decimals with
 * up to 4 significant digits for 1e-3 <= |v| < 1e6 (trailing zeros trimmed), else 4
 * significant digits with a short exponent (4.83e-5); "n/a" when undefined. */
static void format_value(double v, char *buf, size_t len)
{
	if (!isfinite(v)) {
		snprintf(buf, len, "n/a");
		return;
	}
	double a = fabs(v);
	if (v == 0 || (a >= 1e-3 && a < 1e6)) {
		int dec = v == 0 ? 0 : 3 - (int)floor(log10(a));
		snprintf(buf, len, "%.*f", dec < 0 ? 0 : dec, v);
		if (strchr(buf, '.')) {
			size_t l = strlen(buf);
			while (l > 0 && buf[l - 1] == '0')
				buf[--l] = '\0';
			if (l > 0 && buf[l - 1] == '.')
				buf[--l] = '\0';
		}
		return;
	}
	char tmp[64], *e;
	snprintf(tmp, sizeof tmp, "%.3e", v);
	e = strchr(tmp, 'e');
	int ex = atoi(e + 1);
	*e = '\0';
	/* Mantissa without trailing zeros. */
	size_t l = strlen(tmp);
	while (l > 0 && tmp[l - 1] == '0')
		tmp[--l] = '\0';
	if (l > 0 && tmp[l - 1] == '.')
		tmp[--l] = '\0';
	snprintf(buf, len, "%se%d", tmp, ex);
}

static ls_status verdict_now(ls_lesson_run *r, ls_session *s, ls_verdict *v, ls_error *err);

/* The text of field k now, in buf. */
static ls_status field_text(ls_lesson_run *r, ls_session *s, int k, char *buf, size_t len,
			    ls_error *err)
{
	const ls_metrics *m = ls_session_metrics(s);
	bool theory = k == LS_LESSON_FIELD_THRESHOLD || k == LS_LESSON_FIELD_ALPHA ||
		      k == LS_LESSON_FIELD_BETA || k == LS_LESSON_VAR_REGIME;
	/* α̂, β̂ cached or estimated now, as "run" does before every step. */
	if (theory && !ls_session_diverged(s) && ls_session_baseline(s)) {
		ls_status st = ls_session_alphabeta(s, NULL, err);
		if (st != LS_OK)
			return st;
		m = ls_session_metrics(s);
	}
	const ls_module_metrics *m0 = m->nmod ? &m->mod[0] : NULL;
	switch (k) {
	case LS_LESSON_VAR_VERDICT: {
		ls_verdict v;
		ls_status st = verdict_now(r, s, &v, err);
		if (st != LS_OK)
			return st;
		snprintf(buf, len, "%s", ls_verdict_names[v]);
		return LS_OK;
	}
	case LS_LESSON_VAR_REGIME:
		snprintf(buf, len, "%s", ls_regime_names[regime_now(s)]);
		return LS_OK;
	case LS_LESSON_FIELD_THRESHOLD:
		format_value(m->threshold, buf, len);
		return LS_OK;
	case LS_LESSON_FIELD_ALPHA:
	case LS_LESSON_FIELD_BETA: {
		double x = NAN;
		if (m0 && k == LS_LESSON_FIELD_ALPHA)
			x = isfinite(m0->alpha_exact) ? m0->alpha_exact : m0->alpha_hat;
		else if (m0)
			x = isfinite(m0->beta_exact) ? m0->beta_exact : m0->beta_hat;
		format_value(x, buf, len);
		return LS_OK;
	}
	default:
		format_value(var_value(s, (ls_lesson_var)k), buf, len);
		return LS_OK;
	}
}

/* The caption text with each "{FIELD}" replaced by its value now (lesson.h), into out. */
static ls_status interpolate(ls_lesson_run *r, ls_session *s, const char *text, char *out,
			     size_t len, ls_error *err)
{
	size_t o = 0;
	for (const char *p = text; *p && o + 1 < len;) {
		const char *q = p + 1;
		while (*p == '{' && ((*q >= 'a' && *q <= 'z') || *q == '_'))
			q++;
		int k = *p == '{' && *q == '}' ? field_find(p + 1, (size_t)(q - p - 1)) : -1;
		if (k < 0) {
			out[o++] = *p++;
			continue;
		}
		char val[64];
		ls_status st = field_text(r, s, k, val, sizeof val, err);
		if (st != LS_OK)
			return st;
		int n = snprintf(out + o, len - o, "%s", val);
		o += n > 0 && (size_t)n < len - o ? (size_t)n : len - o - 1;
		p = q + 1;
	}
	out[o] = '\0';
	return LS_OK;
}

/* Every condition of rule, the verdict's last: a report is computed only for a rule whose
 * cheap conditions all hold. */
static ls_status rule_holds(ls_lesson_run *r, ls_session *s, const ls_lesson_rule *rule,
			    bool *holds, ls_error *err)
{
	*holds = true;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < rule->ncond && *holds; i++) {
			const ls_lesson_cond *c = &rule->cond[i];
			if ((c->var == LS_LESSON_VAR_VERDICT) != (pass == 1))
				continue;
			ls_status st = cond_holds(r, s, c, holds, err);
			if (st != LS_OK)
				return st;
		}
	return LS_OK;
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
		*ev = (ls_lesson_event){
			.clock = r->clock, .step = step, .rule = rule, .action = a
		};
		ls_error e;
		ls_error_clear(&e);
		ls_status st = LS_OK;
		switch (a->kind) {
		case LS_LESSON_SET:
			ev->kind = LS_LESSON_EV_SET;
			st = ls_session_set(s, a->name, a->text, &ev->change, &e);
			break;
		case LS_LESSON_CAPTION:
			ev->kind = LS_LESSON_EV_CAPTION;
			st = interpolate(r, s, a->text, ev->text, sizeof ev->text, &e);
			break;
		case LS_LESSON_PAUSE:
			ev->kind = LS_LESSON_EV_PAUSE;
			break;
		case LS_LESSON_KICK:
			ev->kind = LS_LESSON_EV_KICK;
			st = ls_session_kick(s, a->scale, &e);
			ev->change = *ls_session_last_change(s);
			break;
		case LS_LESSON_RESET:
			ev->kind = LS_LESSON_EV_RESET;
			st = ls_session_reset(s, &e);
			ev->change = *ls_session_last_change(s);
			break;
		case LS_LESSON_STOP:
			ev->kind = LS_LESSON_EV_STOP;
			r->stopped = true;
			break;
		}
		if (a->kind == LS_LESSON_SET || a->kind == LS_LESSON_KICK ||
		    a->kind == LS_LESSON_RESET)
			r->verdict = -1; /* the run changed: the verdict is forgotten */
		/* Out of memory, or a caption's theory failing: an error, not a refusal. */
		if (st == LS_ENOMEM || (st != LS_OK && a->kind == LS_LESSON_CAPTION)) {
			if (err)
				*err = e;
			return st;
		}
		if (st != LS_OK) {
			/* The session refuses a change and leaves the run as it was (session.h). */
			ev->kind = LS_LESSON_EV_REFUSED;
			ev->change.kind = LS_CHANGE_NONE;
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
	r->verdict = -1;
	ls_status st = LS_OK;
	while (st == LS_OK && !r->stopped && r->next_at < r->nat &&
	       r->l->rules[r->at_order[r->next_at]].step <= r->clock)
		st = fire(r, r->at_order[r->next_at++], s, err);
	for (size_t k = 0; st == LS_OK && !r->stopped && k < r->l->nrules; k++) {
		const ls_lesson_rule *rule = &r->l->rules[k];
		if (!rule->is_when || r->fired[k] || rule->step > r->clock)
			continue;
		bool holds;
		st = rule_holds(r, s, rule, &holds, err);
		if (st == LS_OK && holds)
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

long ls_lesson_run_reports(const ls_lesson_run *r)
{
	return r->reports;
}

const ls_lesson_event *ls_lesson_run_events(const ls_lesson_run *r, size_t *n)
{
	*n = r->nev;
	return r->ev;
}

void ls_lesson_event_text(const ls_lesson_event *ev, char *buf, size_t len)
{
	const ls_lesson_action *a = ev->action;
	switch (ev->kind) {
	case LS_LESSON_EV_CAPTION:
		snprintf(buf, len, "%s", ev->text);
		break;
	case LS_LESSON_EV_PAUSE:
		snprintf(buf, len, "pause");
		break;
	case LS_LESSON_EV_SET:
		snprintf(buf, len, "set %s %s", a->name, a->text);
		break;
	case LS_LESSON_EV_KICK:
		snprintf(buf, len, "kick %g", a->scale);
		break;
	case LS_LESSON_EV_RESET:
		snprintf(buf, len, "reset");
		break;
	case LS_LESSON_EV_STOP:
		snprintf(buf, len, "stop");
		break;
	case LS_LESSON_EV_REFUSED:
		if (a->kind == LS_LESSON_SET)
			snprintf(buf, len, "refused: set %s %s (line %zu): %s", a->name, a->text,
				 a->pos.line, ev->msg);
		else
			snprintf(buf, len, "refused (line %zu): %s", a->pos.line, ev->msg);
		break;
	}
}

void ls_lesson_event_format(const ls_lesson_event *ev, char *buf, size_t len)
{
	int n = snprintf(buf, len, "[step %ld] ", ev->clock);
	if (n >= 0 && (size_t)n < len)
		ls_lesson_event_text(ev, buf + n, len - (size_t)n);
}
