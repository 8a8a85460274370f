/* worker_theory.c — the training thread's theory schedule, all of it through the session:
 * the baseline X* (a deferred session's) advanced in slices while training waits, then
 * α̂, β̂ begun before training moves the state (as `lorascope run` begins its own) and
 * drawn in slices between batches (ls_session_alphabeta_slice: the session installs them in
 * its cache when complete), then its report (λ_min, verdict: session.h), refreshed between
 * batches. */
#include <math.h>

#include "worker_priv.h"

/* α̂, β̂ are sampled in slices of ~5–20 ms between training batches (half the worker's
 * time at most while training) and installed in the session when complete; the theory
 * report (λ_min, verdict) is refreshed at most every 0.25 s and uses at most a tenth of the
 * worker's time. */
#define REPORT_EVERY 0.25

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
	ls_worker_event(w, true, "theory: %s", err->msg);
}

/* One slice of the session's α̂, β̂ (ls_session_alphabeta_slice), which installs the
 * estimate in its cache when the sample count is reached. Returns whether anything changed. */
static bool ab_slice(ls_worker *w)
{
	ls_error err;
	double t0 = ls_worker_now();
	if (ls_session_alphabeta_slice(w->s, w->ab_batch, &w->ab_n, &err) != LS_OK) {
		theory_fail(w, &err);
		return true;
	}
	double dt = ls_worker_now() - t0;
	w->next_ab = ls_worker_now() + dt;
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

/* One slice of the session's pending baseline (ls_session_baseline_slice: installed when
 * done), iterations per slice adapted to ~5–20 ms so that commands are applied between
 * them (training waits for X*: worker.c). Returns whether anything changed (the progress
 * moves with every slice). */
static bool base_slice(ls_worker *w)
{
	ls_error err;
	double t0 = ls_worker_now();
	if (ls_session_baseline_slice(w->s, w->base_batch, &err) != LS_OK) {
		ls_worker_event(w, true, "baseline: %s", err.msg);
		return true;
	}
	double dt = ls_worker_now() - t0;
	if (dt < 0.005 && w->base_batch < 4096)
		w->base_batch *= 2;
	else if (dt > 0.02 && w->base_batch > 1)
		w->base_batch /= 2;
	return true;
}

/* Follow the session's baseline (X*) and rank: on a change (or when the session forgot its
 * estimate: a theory parameter changed) begin a new α̂, β̂ estimate at this state, as
 * `lorascope run` begins its own before the first step. Returns whether anything changed. */
bool ls_worker_theory_sync(ls_worker *w)
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
bool ls_worker_theory_tick(ls_worker *w)
{
	if (ls_session_baseline_pending(w->s) >= 0.0) {
		bool moved = base_slice(w);
		return (!ls_session_diverged(w->s) && ls_worker_theory_sync(w)) || moved;
	}
	bool changed = ls_worker_theory_sync(w);
	if (!ls_session_baseline(w->s) || w->theory_failed)
		return changed;
	/* While training, sampling takes at most half of the worker's time. */
	if (!w->ab_installed) {
		if ((w->paused || ls_worker_now() >= w->next_ab) && ab_slice(w))
			changed = true;
		if (!w->ab_installed || w->theory_failed)
			return changed;
	}
	ls_error err;
	double t = ls_worker_now();
	if (t < w->next_report || (w->has_rep && w->rep_step == ls_session_steps(w->s) &&
				   w->rep_ab_n == ab_samples_now(w)))
		return changed;
	if (ls_session_theory_report(w->s, &w->rep, &err) != LS_OK) {
		theory_fail(w, &err);
		return true;
	}
	double cost = ls_worker_now() - t;
	w->next_report = ls_worker_now() + fmax(REPORT_EVERY, 10 * cost);
	w->has_rep = true;
	w->rep_step = ls_session_steps(w->s);
	w->rep_ab_n = ab_samples_now(w);
	return true;
}

/* Nothing left for the theory to do at this state. */
bool ls_worker_theory_idle(const ls_worker *w)
{
	if (ls_session_baseline_pending(w->s) >= 0.0)
		return false;
	const ls_baseline *b = ls_session_baseline(w->s);
	if (!b || w->theory_failed)
		return true;
	if (!w->ab_installed || b != w->th_base || b->floor != w->th_floor ||
	    (size_t)ls_session_config(w->s)->rank != w->th_r || ab_samples_now(w) == 0)
		return false;
	/* A report is due but its turn has not come: wait (no spinning). */
	if (ls_worker_now() < w->next_report)
		return true;
	return w->has_rep && w->rep_step == ls_session_steps(w->s) &&
	       w->rep_ab_n == ab_samples_now(w);
}
