/* worker.c — the training thread (see worker.h).
 *
 * Loop: drain the command queue and apply each command to the session; when running,
 * step in batches whose size adapts so one batch takes about 2–5 ms, until ~10 ms have
 * passed or a command is waiting, no faster than the speed cap (a token bucket: when it
 * is empty the thread waits on the queue's condition variable until the next step is
 * due, so commands still wake it at once); a lesson is polled before every batch and
 * bounds it; publish a copy at most every 15 ms (at once after a command); when paused,
 * sleep on the queue's condition variable. The theory goes through the session: α̂, β̂
 * begun before training moves the state and drawn in slices between batches
 * (ls_session_alphabeta_slice: the session installs them in its cache when complete), then
 * its report (session.h), refreshed between batches. */
#include "worker.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lorascope/baseline.h"
#include "lorascope/flow.h"
#include "lorascope/lesson.h"
#include "lorascope/lora.h"
#include "lorascope/optim_kinds.h"
#include "lorascope/session.h"
#include "lorascope/snapshot.h"
#include "lorascope/theory.h"
#include "lorascope/trace.h"

#define QUEUE_MAX 64
#define BATCH_BUDGET 0.010
#define PUBLISH_EVERY 0.015
#define KICK_SCALE 0.3
/* α̂, β̂ are sampled in slices of ~5–20 ms between training batches (half the worker's
 * time at most while training) and installed in the session when complete; the theory
 * report (λ_min, verdict) is refreshed at most every 0.25 s and uses at most a tenth of the
 * worker's time. */
#define REPORT_EVERY 0.25
/* Tokens the speed cap lets accumulate: 50 ms of steps (no burst after a slow spell). */
#define BUCKET_SEC 0.05

struct ls_worker {
	pthread_t thread;
	bool started;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	ls_cmd queue[QUEUE_MAX];
	int qn;
	unsigned long next_seq;
	bool quit;

	pthread_mutex_t vlock;
	ls_view views[2];
	int front;

	/* Owned by the worker thread after start. */
	ls_session *s;
	bool paused;
	unsigned long applied;
	unsigned long event_seq;
	bool event_error;
	char event[256];
	long batch;
	int notify_fd;
	/* The rank before p entered a preset (restored when p leaves the presets), or 0. */
	long user_rank;
	/* The UI's key map as it was at the start (it does not change after), for the keys
	 * the messages name: the UI thread's own copy is never read here. */
	ls_keymap keys;

	/* The session's α̂, β̂ being sampled in slices for the baseline (X*) and rank they were
	 * begun for: ab_n of ab_target samples drawn, ab_batch per slice, the next slice due at
	 * next_ab; installed in the session's cache when complete. */
	const ls_baseline *th_base;
	double th_floor;
	size_t th_r;
	size_t ab_n, ab_target, ab_batch;
	double next_ab;
	bool ab_installed;
	/* The last theory report of the session, and when it was made. */
	bool has_rep;
	long rep_step;
	size_t rep_ab_n; /* samples behind the last report */
	double next_report;
	ls_theory_report rep;
	bool theory_failed;

	/* Pace: cap (steps/s, 0 unlimited), bucket tokens, its clock; measured rate. */
	double speed, tokens, bucket_t;
	double rate, rate_t0;
	long rate_steps;

	/* The gradient-flow curve set up at the last restart, with the parameters it
	 * assumed. */
	ls_flow_curve flow;
	ls_config flow_cfg;
	bool flow_set;

	/* A lesson being played. */
	const ls_lesson *lesson;
	ls_lesson_run *player;
	bool lesson_wait, lesson_done;
	unsigned long caption_seq;
	char caption[512];

	/* The target's singular values for the gradient-flow curve, keyed by the target. */
	const double *sv_key;
	size_t sv_m, sv_n;
	double *target_sv;
	size_t ntarget;
};

void ls_view_free(ls_view *v)
{
	ls_metrics_free(&v->m);
	ls_history_free(&v->h);
	for (size_t k = 0; k < LS_MAX_MODULES; k++)
		free(v->sigma_star[k]);
	free(v->flow.sv);
	free(v->target_sv);
	memset(v, 0, sizeof(*v));
}

static double now_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void set_event(ls_worker *w, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_event(ls_worker *w, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->event, sizeof w->event, fmt, ap);
	va_end(ap);
	w->event_error = error;
	w->event_seq++;
}

/* "<what>lower the step size (e) and reset (x)", naming the keys of the key map. */
static void diverged_event(ls_worker *w, const char *what)
{
	char lr[LS_KEYS_HINT_LEN], reset[LS_KEYS_HINT_LEN];
	set_event(w, true, "%slower the step size (%s) and reset (%s)", what,
		  ls_keys_hint(&w->keys, LS_ACT_LR_DOWN, lr, sizeof lr),
		  ls_keys_hint(&w->keys, LS_ACT_RESET, reset, sizeof reset));
}

/* Largest target whose spectrum is computed (one dense SVD per problem, on this thread). */
#define TARGET_MAX_DIM 512

/* Keep the singular values of the problem's target (for display, and for the approx flow)
 * up to date; false when the problem has no target or it is too large. */
static bool target_update(ls_worker *w)
{
	const ls_problem *p = ls_session_problem(w->s);
	if (p->nmod != 1 || !p->target.data)
		return false;
	size_t m = p->target.rows, n = p->target.cols, k = m < n ? m : n;
	if (k == 0 || k > TARGET_MAX_DIM)
		return false;
	if (w->sv_key == p->target.data && w->sv_m == m && w->sv_n == n && w->target_sv)
		return true;
	ls_error err;
	ls_mat T = { 0 };
	double *sv = malloc(k * sizeof(double));
	if (!sv || ls_mat_alloc(&T, m, n, &err) != LS_OK || ls_mat_copy(&T, &p->target) != LS_OK ||
	    ls_mat_svd_values(&T, sv, &err) != LS_OK) {
		free(sv);
		ls_mat_free(&T);
		return false;
	}
	ls_mat_free(&T);
	free(w->target_sv);
	w->target_sv = sv;
	w->ntarget = k;
	w->sv_key = p->target.data;
	w->sv_m = m;
	w->sv_n = n;
	return true;
}

/* Whether the run still follows the assumptions of the flow curve set up at its restart:
 * the parameters the closed form depends on are unchanged. */
static const char *flow_stale(const ls_config *a, const ls_config *b)
{
	if (a->lr != b->lr || a->lambda != b->lambda || a->optimizer != b->optimizer ||
	    a->inner_k != b->inner_k)
		return "eta, lambda or the optimiser changed since the restart";
	if (a->rank != b->rank || a->scaling != b->scaling || a->alpha != b->alpha)
		return "the rank or the scaling changed since the restart";
	return NULL;
}

/* The flow curve into the view (its own copy of the singular values); false on memory. */
static bool publish_flow(ls_worker *w, ls_view *v)
{
	const char *why = !w->flow_set ? "the run did not start here (no restart seen)"
			  : w->flow.kind == LS_FLOW_NONE ? w->flow.why
							 : flow_stale(&w->flow_cfg, &v->cfg);
	v->has_flow = why == NULL;
	snprintf(v->flow_why, sizeof v->flow_why, "%s", why ? why : "");
	double *keep = v->flow.sv;
	v->flow = w->flow;
	v->flow.sv = keep;
	if (w->flow.k > v->flow_cap) {
		double *q = realloc(v->flow.sv, w->flow.k * sizeof(double));
		if (!q) {
			set_event(w, true, "display: out of memory");
			return false;
		}
		v->flow.sv = q;
		v->flow_cap = w->flow.k;
	}
	if (w->flow.sv && w->flow.k)
		memcpy(v->flow.sv, w->flow.sv, w->flow.k * sizeof(double));
	return true;
}

/* Set the flow curve up for the run just (re)started at step 0 (flow.h: from the factors
 * as initialised); any other state keeps the curve of the last restart. */
static void flow_restart(ls_worker *w)
{
	if (ls_session_steps(w->s) != 0)
		return;
	ls_error err;
	w->flow_set = false;
	if (ls_session_flow_curve(w->s, &w->flow, &err) != LS_OK) {
		set_event(w, true, "flow: %s", err.msg);
		return;
	}
	w->flow_cfg = *ls_session_config(w->s);
	w->flow_set = true;
}

static void publish(ls_worker *w)
{
	ls_view *v = &w->views[1 - w->front];
	ls_error err;
	const ls_session *s = w->s;
	v->cfg = *ls_session_config(s);
	if (ls_metrics_copy(&v->m, ls_session_metrics(s), &err) != LS_OK ||
	    ls_history_copy(&v->h, ls_session_history(s), &err) != LS_OK) {
		set_event(w, true, "display: %s", err.msg);
		return;
	}
	const ls_baseline *b = ls_session_baseline(s);
	v->has_baseline = b != NULL;
	v->rstar = 0;
	if (b) {
		v->baseline_certified = b->certified;
		v->floor = b->floor;
		v->f_star = b->f_star;
		v->xstar_fro = b->fro;
		v->xstar_nuc = b->nuc;
		for (size_t j = 0; j < LS_MAX_MODULES; j++) {
			size_t k = j < b->nmod ? b->mod[j].rstar : 0;
			if (k > v->sigma_star_cap[j]) {
				double *p = realloc(v->sigma_star[j], k * sizeof(double));
				if (!p) {
					set_event(w, true, "display: out of memory");
					return;
				}
				v->sigma_star[j] = p;
				v->sigma_star_cap[j] = k;
			}
			if (k)
				memcpy(v->sigma_star[j], b->mod[j].sigma, k * sizeof(double));
			v->rstar_mod[j] = k;
		}
		v->rstar = v->rstar_mod[0];
	} else {
		memset(v->rstar_mod, 0, sizeof v->rstar_mod);
	}
	bool target = target_update(w);
	v->ntarget = 0;
	if (!publish_flow(w, v))
		return;
	if (target) {
		if (w->ntarget > v->target_cap) {
			double *q = realloc(v->target_sv, w->ntarget * sizeof(double));
			if (!q) {
				set_event(w, true, "display: out of memory");
				return;
			}
			v->target_sv = q;
			v->target_cap = w->ntarget;
		}
		memcpy(v->target_sv, w->target_sv, w->ntarget * sizeof(double));
		v->ntarget = w->ntarget;
	}
	v->has_theory = w->has_rep;
	v->theory_step = w->rep_step;
	v->ab_samples = w->ab_n;
	v->ab_target = w->ab_target ? w->ab_target : ls_session_ab_samples(s);
	if (w->has_rep)
		v->rep = w->rep;
	v->speed = w->speed;
	v->rate = w->paused || ls_session_diverged(s) ? 0 : w->rate;
	v->has_lesson = w->lesson != NULL;
	v->lesson_wait = w->lesson_wait;
	v->lesson_done = w->lesson_done;
	v->lesson_clock = w->player ? ls_lesson_run_clock(w->player) : 0;
	v->caption_seq = w->caption_seq;
	memcpy(v->caption, w->caption, sizeof v->caption);
	v->paused = w->paused;
	v->diverged = ls_session_diverged(s);
	v->applied_seq = w->applied;
	v->event_seq = w->event_seq;
	v->event_error = w->event_error;
	memcpy(v->event, w->event, sizeof v->event);
	pthread_mutex_lock(&w->vlock);
	v->pub_seq = w->views[w->front].pub_seq + 1;
	w->front = 1 - w->front;
	pthread_mutex_unlock(&w->vlock);
	if (w->notify_fd >= 0) {
		char c = 1;
		/* A full pipe already means "look": dropping the byte is fine. */
		ssize_t r = write(w->notify_fd, &c, 1);
		(void)r;
	}
}

/* The current text of a parameter. */
static void current(ls_worker *w, ls_param_id id, char *buf, size_t len)
{
	ls_config_format(ls_session_config(w->s), id, buf, len);
}

/* param := text; M: the matrix of a file parameter's new file (NULL: none). */
static void apply_set(ls_worker *w, const char *param, const char *text, const ls_mat *M)
{
	ls_error err;
	if (!ls_param_find(param)) {
		set_event(w, true, "unknown parameter '%s'", param);
		return;
	}
	bool was_div = ls_session_diverged(w->s);
	ls_change ch;
	ls_status st = M ? ls_session_set_file(w->s, param, text, M, &ch, &err)
			 : ls_session_set(w->s, param, text, &ch, &err);
	if (st != LS_OK) {
		set_event(w, true, "refused: %s", err.msg);
		return;
	}
	char what[sizeof w->event];
	ls_change_format(&ch, what, sizeof what);
	set_event(w, false, "%s", what);
	/* A restart leaves the diverged state: run again. */
	if (was_div && !ls_session_diverged(w->s))
		w->paused = false;
}

/* The p key and F2's problem: the new problem, at the rank a preset is built to show when
 * entering one (its type's showcase_rank: the default 8 does not fit their shapes) and back at
 * the user's rank when leaving the presets. The rank changes first when it shrinks (the
 * current problem holds the smaller rank), after the problem when it grows; then a restart. */
static void cycle_problem(ls_worker *w, const char *name, int prob)
{
	ls_error err;
	const ls_config *cfg = ls_session_config(w->s);
	long rank = cfg->rank, want = rank;
	char from[32], rtext[32];
	snprintf(from, sizeof from, "%s", ls_problem_names[cfg->problem]);
	long showcase = ls_problem_types[prob]->showcase_rank;
	if (showcase) {
		if (!w->user_rank)
			w->user_rank = rank;
		want = showcase;
	} else if (w->user_rank) {
		want = w->user_rank;
		w->user_rank = 0;
	}
	if (want == rank) {
		apply_set(w, "problem", name, NULL);
		return;
	}
	snprintf(rtext, sizeof rtext, "%ld", want);
	bool was_div = ls_session_diverged(w->s);
	ls_status st = want < rank ? ls_session_set(w->s, "rank", rtext, NULL, &err) : LS_OK;
	if (st == LS_OK)
		st = ls_session_set(w->s, "problem", name, NULL, &err);
	if (st == LS_OK && want > rank) {
		st = ls_session_set(w->s, "rank", rtext, NULL, &err);
		if (st == LS_OK)
			st = ls_session_reset(w->s, &err);
	}
	if (st != LS_OK) {
		set_event(w, true, "refused: %s", err.msg);
		return;
	}
	char down[LS_KEYS_HINT_LEN], up[LS_KEYS_HINT_LEN];
	if (showcase)
		set_event(w, false,
			  "problem: %s -> %s, rank %ld -> %ld (the rank it is built for; %s/%s "
			  "change it): restarted",
			  from, name, rank, want,
			  ls_keys_hint(&w->keys, LS_ACT_RANK_DOWN, down, sizeof down),
			  ls_keys_hint(&w->keys, LS_ACT_RANK_UP, up, sizeof up));
	else
		set_event(w, false, "problem: %s -> %s, rank %ld -> %ld (back to yours): restarted",
			  from, name, rank, want);
	if (was_div && !ls_session_diverged(w->s))
		w->paused = false;
}

static long lesson_poll(ls_worker *w);

/* The history as a trace with the parameter header (trace.h), CSV or JSON Lines by the
 * name's extension (CSV when it has none of theirs). */
static void apply_trace(ls_worker *w, const char *path)
{
	ls_error err;
	ls_trace_format fmt;
	if (!ls_trace_format_of_path(path, &fmt))
		fmt = LS_TRACE_CSV;
	if (ls_trace_save_history(path, fmt, ls_session_config(w->s), ls_session_history(w->s),
				  &err) != LS_OK)
		set_event(w, true, "trace: %s", err.msg);
	else
		set_event(w, false, "trace written to %s (%zu rows; lorascope replay %s)", path,
			  ls_session_history(w->s)->len, path);
}

/* Measured rate, rounded down to a power of two (the start of a cap from unlimited). */
static double pow2_below(double x)
{
	double p = 1;
	while (p * 2 <= x && p < LS_WORKER_SPEED_MAX)
		p *= 2;
	return p;
}

static void apply_speed(ls_worker *w, double factor)
{
	double v = w->speed;
	if (v == 0)
		v = factor < 1 ? pow2_below(w->rate > 1 ? w->rate : 1) : 0;
	else
		v *= factor;
	if (v > LS_WORKER_SPEED_MAX)
		v = 0;
	else if (v != 0 && v < 1)
		v = 1;
	w->speed = v;
	w->tokens = 0;
	w->bucket_t = now_sec();
	if (v == 0)
		set_event(w, false, "speed: unlimited");
	else
		set_event(w, false, "speed: at most %.0f steps/s", v);
}

static void apply(ls_worker *w, const ls_cmd *c)
{
	ls_error err;
	const ls_param_info *p = c->kind <= LS_CMD_CYCLE ? ls_param_find(c->param) : NULL;
	char val[64];
	switch (c->kind) {
	case LS_CMD_SET: {
		/* F2's problem: the presets' rank rule of the p key as well. */
		int prob = -1;
		for (int k = 0; strcmp(c->param, "problem") == 0 && ls_problem_names[k]; k++)
			if (strcmp(ls_problem_names[k], c->text) == 0)
				prob = k;
		if (prob >= 0)
			cycle_problem(w, c->text, prob);
		else
			apply_set(w, c->param, c->text, c->mat.data ? &c->mat : NULL);
		break;
	}
	case LS_CMD_SCALE: {
		if (!p || p->type != LS_P_REAL) {
			set_event(w, true, "'%s' is not a real parameter", c->param);
			break;
		}
		current(w, (ls_param_id)(p - ls_params), val, sizeof val);
		double x = strtod(val, NULL) * c->factor;
		if (x == 0 && c->factor > 1)
			x = p->lo > 0 ? p->lo : 1e-4;
		snprintf(val, sizeof val, "%.6g", x);
		apply_set(w, c->param, val, NULL);
		break;
	}
	case LS_CMD_ADD: {
		if (!p || p->type != LS_P_INT) {
			set_event(w, true, "'%s' is not an integer parameter", c->param);
			break;
		}
		current(w, (ls_param_id)(p - ls_params), val, sizeof val);
		long next = strtol(val, NULL, 10) + (long)c->factor;
		/* The r key at the bottom: say so, rather than the parameter's range. */
		if (next < (long)p->lo) {
			set_event(w, true, "%s is already %s, the smallest", c->param, val);
			break;
		}
		snprintf(val, sizeof val, "%ld", next);
		apply_set(w, c->param, val, NULL);
		break;
	}
	case LS_CMD_CYCLE: {
		if (!p || p->type != LS_P_CHOICE || !p->choices) {
			set_event(w, true, "'%s' is not a choice", c->param);
			break;
		}
		int n = 0;
		while (p->choices[n])
			n++;
		const ls_config *cfg = ls_session_config(w->s);
		int cur = *(const int *)((const char *)cfg + p->offset);
		int next = ((cur + (int)c->factor) % n + n) % n;
		if (p == &ls_params[LS_PARAM_problem]) {
			cycle_problem(w, p->choices[next], next);
		} else {
			apply_set(w, c->param, p->choices[next], NULL);
			/* MATH.md §2: say what AdamW's verdict means as it is chosen. */
			if (p == &ls_params[LS_PARAM_optimizer] && next == LS_OPTIM_ADAMW &&
			    !w->event_error)
				set_event(w, false,
					  "optimizer -> adamw: decoupled decay, not descent on f + "
					  "lambda|X|_* (its verdict may stay 'not stationary')");
		}
		break;
	}
	case LS_CMD_PAUSE:
		w->paused = !w->paused;
		w->lesson_wait = false;
		w->tokens = 0;
		w->bucket_t = w->rate_t0 = now_sec();
		w->rate_steps = 0;
		set_event(w, false, w->paused ? "paused" : "running");
		break;
	case LS_CMD_STEP:
		w->paused = true;
		w->lesson_wait = false;
		lesson_poll(w);
		/* A lesson's pause fired before this step: wait for the key first. */
		if (w->lesson_wait)
			break;
		if (ls_session_diverged(w->s))
			diverged_event(w, "diverged: ");
		else if (ls_session_step(w->s, 1, &err) != LS_OK)
			set_event(w, true, "step: %s", err.msg);
		else
			set_event(w, false, "one step: now at step %ld", ls_session_steps(w->s));
		break;
	case LS_CMD_RESET:
		if (ls_session_reset(w->s, &err) != LS_OK) {
			set_event(w, true, "reset: %s", err.msg);
			break;
		}
		w->paused = false;
		set_event(w, false, "reset to step 0");
		break;
	case LS_CMD_KICK:
		if (ls_session_kick(w->s, KICK_SCALE, &err) != LS_OK)
			set_event(w, true, "kick: %s", err.msg);
		else
			set_event(w, false, "kicked: A and B perturbed by %.0f%% of their RMS",
				  100 * KICK_SCALE);
		break;
	case LS_CMD_SPEED:
		apply_speed(w, c->factor);
		break;
	case LS_CMD_TRACE:
		apply_trace(w, c->text);
		break;
	case LS_CMD_SNAPSHOT:
		if (ls_session_save(w->s, c->text, &err) != LS_OK)
			set_event(w, true, "snapshot: %s", err.msg);
		else
			set_event(w, false,
				  "snapshot of step %ld saved to %s/ (lorascope --resume %s)",
				  ls_session_steps(w->s), c->text, c->text);
		break;
	}
}

static bool queue_nonempty(ls_worker *w)
{
	pthread_mutex_lock(&w->qlock);
	bool r = w->qn > 0;
	pthread_mutex_unlock(&w->qlock);
	return r;
}

static void theory_forget(ls_worker *w)
{
	w->has_rep = false;
	w->theory_failed = false;
	w->next_report = 0;
	w->ab_n = 0;
	w->ab_installed = false;
}

static size_t ab_samples_now(const ls_worker *w)
{
	const ls_metrics *m = ls_session_metrics(w->s);
	return m->nmod ? m->mod[0].ab_samples : 0;
}

static void theory_fail(ls_worker *w, const ls_error *err)
{
	w->theory_failed = true;
	set_event(w, true, "theory: %s", err->msg);
}

/* One slice of the session's α̂, β̂ (ls_session_alphabeta_slice), which installs the
 * estimate in its cache when the sample count is reached. Returns whether anything changed. */
static bool ab_slice(ls_worker *w)
{
	ls_error err;
	double t0 = now_sec();
	if (ls_session_alphabeta_slice(w->s, w->ab_batch, &w->ab_n, &err) != LS_OK) {
		theory_fail(w, &err);
		return true;
	}
	double dt = now_sec() - t0;
	w->next_ab = now_sec() + dt;
	if (dt < 0.005 && w->ab_batch < 512)
		w->ab_batch *= 2;
	else if (dt > 0.02 && w->ab_batch > 1)
		w->ab_batch /= 2;
	if (ab_samples_now(w) > 0) {
		w->ab_installed = true;
		w->next_report = 0;
	}
	return true;
}

/* Follow the session's baseline (X*) and rank: on a change (or when the session forgot its
 * estimate: a theory parameter changed) begin a new α̂, β̂ estimate at this state, as
 * `lorascope run` begins its own before the first step. Returns whether anything changed. */
static bool theory_sync(ls_worker *w)
{
	const ls_baseline *b = ls_session_baseline(w->s);
	const ls_config *cfg = ls_session_config(w->s);
	if (!b) {
		bool had = w->has_rep || w->ab_n;
		theory_forget(w);
		w->th_base = NULL;
		return had;
	}
	if (b == w->th_base && b->floor == w->th_floor && (size_t)cfg->rank == w->th_r &&
	    !(w->ab_installed && ab_samples_now(w) == 0))
		return false;
	theory_forget(w);
	w->th_base = b;
	w->th_floor = b->floor;
	w->th_r = (size_t)cfg->rank;
	w->ab_batch = 4;
	w->ab_target = ls_session_ab_samples(w->s);
	/* Estimated already (a resumed snapshot, or the same X* and rank again). */
	if (ab_samples_now(w) > 0) {
		w->ab_n = w->ab_target = ab_samples_now(w);
		w->ab_installed = true;
		return true;
	}
	ls_error err;
	if (ls_session_alphabeta_begin(w->s, &err) != LS_OK)
		theory_fail(w, &err);
	return true;
}

/* One slice of theory work between batches, all of it through the session: its α̂, β̂
 * for the current baseline and rank (sampled in slices, then installed in its cache), then
 * its report at most every REPORT_EVERY s and a tenth of the time. Returns whether
 * anything changed. */
static bool theory_tick(ls_worker *w)
{
	bool changed = theory_sync(w);
	if (!ls_session_baseline(w->s) || w->theory_failed)
		return changed;
	/* While training, sampling takes at most half of the worker's time. */
	if (!w->ab_installed) {
		if ((w->paused || now_sec() >= w->next_ab) && ab_slice(w))
			changed = true;
		if (!w->ab_installed || w->theory_failed)
			return changed;
	}
	ls_error err;
	double t = now_sec();
	if (t < w->next_report || (w->has_rep && w->rep_step == ls_session_steps(w->s) &&
				   w->rep_ab_n == ab_samples_now(w)))
		return changed;
	if (ls_session_theory_report(w->s, &w->rep, &err) != LS_OK) {
		theory_fail(w, &err);
		return true;
	}
	double cost = now_sec() - t;
	w->next_report = now_sec() + fmax(REPORT_EVERY, 10 * cost);
	w->has_rep = true;
	w->rep_step = ls_session_steps(w->s);
	w->rep_ab_n = ab_samples_now(w);
	return true;
}

/* Nothing left for the theory to do at this state. */
static bool theory_idle(const ls_worker *w)
{
	const ls_baseline *b = ls_session_baseline(w->s);
	if (!b || w->theory_failed)
		return true;
	if (!w->ab_installed || b != w->th_base || b->floor != w->th_floor ||
	    (size_t)ls_session_config(w->s)->rank != w->th_r || ab_samples_now(w) == 0)
		return false;
	/* A report is due but its turn has not come: wait (no spinning). */
	if (now_sec() < w->next_report)
		return true;
	return w->has_rep && w->rep_step == ls_session_steps(w->s) &&
	       w->rep_ab_n == ab_samples_now(w);
}

/* Poll the lesson (before steps): its events to the caption and the message line, a
 * "pause" pauses until a key, "stop" ends it. Returns the steps allowed before the next
 * poll: LONG_MAX without a lesson (or after it), 0 when it holds the run. */
static long lesson_poll(ls_worker *w)
{
	if (!w->player || w->lesson_done)
		return LONG_MAX;
	const ls_lesson_event *ev;
	size_t nev;
	ls_error err;
	if (ls_lesson_run_poll(w->player, w->s, &ev, &nev, &err) != LS_OK) {
		w->lesson_done = true;
		w->paused = true;
		set_event(w, true, "lesson: %s", err.msg);
		return 0;
	}
	for (size_t i = 0; i < nev; i++) {
		char line[LS_ERROR_MSG_MAX + 64];
		ls_lesson_event_format(&ev[i], line, sizeof line);
		switch (ev[i].kind) {
		case LS_LESSON_EV_CAPTION:
			snprintf(w->caption, sizeof w->caption, "%s", ev[i].action->text);
			w->caption_seq++;
			break;
		case LS_LESSON_EV_PAUSE:
			w->paused = true;
			w->lesson_wait = true;
			set_event(w, false, "lesson paused: press any key to go on");
			break;
		case LS_LESSON_EV_STOP:
			w->lesson_done = true;
			w->paused = true;
			set_event(w, false, "lesson over: paused (the keys work as usual)");
			break;
		case LS_LESSON_EV_REFUSED:
			set_event(w, true, "lesson: %s", line);
			break;
		case LS_LESSON_EV_SET:
		case LS_LESSON_EV_KICK:
		case LS_LESSON_EV_RESET:
			set_event(w, false, "lesson: %s", line);
			flow_restart(w);
			break;
		}
	}
	if (!w->lesson_done && ls_lesson_run_finished(w->player))
		w->lesson_done = true;
	if (w->paused)
		return 0;
	return w->lesson_done ? LONG_MAX : ls_lesson_run_budget(w->player);
}

/* Refill the speed cap's bucket; the tokens (steps) available now. */
static double bucket_fill(ls_worker *w)
{
	double t = now_sec();
	if (w->speed <= 0) {
		w->bucket_t = t;
		return (double)LONG_MAX;
	}
	w->tokens += (t - w->bucket_t) * w->speed;
	w->bucket_t = t;
	double cap = fmax(1.0, w->speed * BUCKET_SEC);
	if (w->tokens > cap)
		w->tokens = cap;
	return w->tokens;
}

/* Train for about BATCH_BUDGET, within the speed cap and the lesson's budget. */
static void train(ls_worker *w)
{
	long budget = lesson_poll(w);
	double t0 = now_sec();
	while (budget > 0 && !w->paused) {
		double tokens = bucket_fill(w);
		if (tokens < 1)
			break;
		long k = w->batch;
		if (k > budget)
			k = budget;
		if ((double)k > tokens)
			k = (long)tokens;
		double t1 = now_sec();
		ls_error err;
		long before = ls_session_steps(w->s);
		if (ls_session_step(w->s, k, &err) != LS_OK) {
			w->paused = true;
			set_event(w, true, "step: %s", err.msg);
			break;
		}
		long ran = ls_session_steps(w->s) - before;
		if (w->speed > 0)
			w->tokens -= (double)k;
		w->rate_steps += ran;
		double dt = now_sec() - t1;
		/* Adapt on full batches only (a capped batch says nothing about the speed). */
		if (k == w->batch) {
			if (dt < 0.002 && w->batch < (1L << 20))
				w->batch *= 2;
			else if (dt > 0.005 && w->batch > 1)
				w->batch /= 2;
		}
		if (ls_session_diverged(w->s)) {
			w->paused = true;
			/* The session's reason, else the step. */
			const char *why = ls_session_metrics(w->s)->message;
			char what[LS_METRICS_MSG_MAX + 32];
			if (why[0])
				snprintf(what, sizeof what, "%s: paused; ", why);
			else
				snprintf(what, sizeof what, "diverged at step %ld: paused; ",
					 ls_session_steps(w->s));
			diverged_event(w, what);
			break;
		}
		if (budget != LONG_MAX)
			budget -= k;
		if (budget <= 0)
			budget = lesson_poll(w);
		if (now_sec() - t0 >= BATCH_BUDGET || queue_nonempty(w))
			break;
	}
	double t = now_sec();
	if (t - w->rate_t0 >= 0.5) {
		w->rate = (double)w->rate_steps / (t - w->rate_t0);
		w->rate_t0 = t;
		w->rate_steps = 0;
	}
}

/* Seconds until the speed cap allows the next step (0: now or no cap). */
static double bucket_wait(ls_worker *w)
{
	if (w->speed <= 0)
		return 0;
	double tokens = bucket_fill(w);
	return tokens >= 1 ? 0 : (1 - tokens) / w->speed;
}

static void *run(void *arg)
{
	ls_worker *w = arg;
	ls_cmd local[QUEUE_MAX];
	double last_pub = 0;
	publish(w);
	for (;;) {
		pthread_mutex_lock(&w->qlock);
		bool running = !w->paused && !ls_session_diverged(w->s);
		double wait = running ? bucket_wait(w) : 0.2;
		bool idle = (!running || wait > 0) && theory_idle(w);
		if (w->qn == 0 && !w->quit && idle) {
			if (wait > 0.2)
				wait = 0.2;
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			long ns = ts.tv_nsec + (long)(wait * 1e9);
			ts.tv_sec += ns / 1000000000L;
			ts.tv_nsec = ns % 1000000000L;
			pthread_cond_timedwait(&w->qcond, &w->qlock, &ts);
		}
		if (w->quit) {
			pthread_mutex_unlock(&w->qlock);
			break;
		}
		int n = w->qn;
		memcpy(local, w->queue, (size_t)n * sizeof(ls_cmd));
		w->qn = 0;
		pthread_mutex_unlock(&w->qlock);

		bool changed = n > 0;
		for (int i = 0; i < n; i++) {
			apply(w, &local[i]);
			ls_mat_free(&local[i].mat);
			if (local[i].kind <= LS_CMD_CYCLE || local[i].kind == LS_CMD_RESET)
				flow_restart(w);
			w->applied = local[i].seq;
		}
		if (!ls_session_diverged(w->s) && theory_sync(w))
			changed = true;
		if (!w->paused && !ls_session_diverged(w->s)) {
			long before = ls_session_steps(w->s);
			unsigned long ev = w->event_seq, cap = w->caption_seq;
			train(w);
			changed = changed || ls_session_steps(w->s) != before ||
				  ev != w->event_seq || cap != w->caption_seq;
		}
		if (!ls_session_diverged(w->s) && theory_tick(w))
			changed = true;
		double t = now_sec();
		if (changed && (n > 0 || t - last_pub >= PUBLISH_EVERY || w->paused)) {
			publish(w);
			last_pub = t;
		}
	}
	return NULL;
}

ls_status ls_worker_start_opts(ls_worker **wp, const ls_worker_opts *o, ls_error *err)
{
	*wp = NULL;
	ls_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return ls_error_set(err, LS_ENOMEM, "worker: out of memory");
	ls_status st = o->resume ? ls_session_load(&w->s, o->resume, err)
				 : ls_session_create(&w->s, o->cfg, o->inputs, err);
	if (st == LS_OK && o->lesson)
		st = ls_lesson_run_new(&w->player, o->lesson, err);
	if (st != LS_OK) {
		ls_session_free(w->s);
		free(w);
		return st;
	}
	w->lesson = o->lesson;
	pthread_mutex_init(&w->qlock, NULL);
	pthread_cond_init(&w->qcond, NULL);
	pthread_mutex_init(&w->vlock, NULL);
	w->paused = o->paused;
	w->batch = 1;
	w->notify_fd = o->notify_fd;
	w->next_seq = 1;
	w->speed = o->speed > LS_WORKER_SPEED_MAX ? 0 : o->speed;
	w->bucket_t = w->rate_t0 = now_sec();
	flow_restart(w);
	if (o->keys)
		w->keys = *o->keys;
	else
		ls_keymap_defaults(&w->keys);
	char help[LS_KEYS_HINT_LEN];
	ls_keys_hint(&w->keys, LS_ACT_HELP, help, sizeof help);
	if (o->message)
		set_event(w, true, "%s", o->message);
	else if (o->resume)
		set_event(w, false, "resumed %s at step %ld; %s; press %s for help", o->resume,
			  ls_session_steps(w->s), o->paused ? "paused" : "training", help);
	else
		set_event(w, false, "%s; press %s for help", o->paused ? "paused" : "training",
			  help);
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		ls_worker_stop(w);
		return ls_error_set(err, LS_ENOMEM, "worker: cannot start a thread");
	}
	w->started = true;
	*wp = w;
	return LS_OK;
}

ls_status ls_worker_start(ls_worker **wp, const ls_config *cfg, bool paused, int notify_fd,
			  ls_error *err)
{
	ls_worker_opts o = { .cfg = cfg, .paused = paused, .notify_fd = notify_fd };
	return ls_worker_start_opts(wp, &o, err);
}

void ls_worker_stop(ls_worker *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->qlock);
		w->quit = true;
		pthread_cond_signal(&w->qcond);
		pthread_mutex_unlock(&w->qlock);
		pthread_join(w->thread, NULL);
	}
	for (int i = 0; i < w->qn; i++)
		ls_mat_free(&w->queue[i].mat);
	ls_flow_curve_free(&w->flow);
	ls_lesson_run_free(w->player);
	free(w->target_sv);
	ls_session_free(w->s);
	ls_view_free(&w->views[0]);
	ls_view_free(&w->views[1]);
	pthread_mutex_destroy(&w->qlock);
	pthread_cond_destroy(&w->qcond);
	pthread_mutex_destroy(&w->vlock);
	free(w);
}

unsigned long ls_worker_push(ls_worker *w, const ls_cmd *c)
{
	unsigned long seq = 0;
	pthread_mutex_lock(&w->qlock);
	if (w->qn < QUEUE_MAX) {
		seq = w->next_seq++;
		w->queue[w->qn] = *c;
		w->queue[w->qn].seq = seq;
		w->qn++;
		pthread_cond_signal(&w->qcond);
	}
	pthread_mutex_unlock(&w->qlock);
	return seq;
}

const ls_view *ls_worker_lock_view(ls_worker *w)
{
	pthread_mutex_lock(&w->vlock);
	return &w->views[w->front];
}

void ls_worker_unlock_view(ls_worker *w)
{
	pthread_mutex_unlock(&w->vlock);
}
