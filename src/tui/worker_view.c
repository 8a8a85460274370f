/* worker_view.c — what the training thread publishes (view.h): a copy of the session's
 * configuration, metrics, history and baseline summary, the target's singular values (one
 * dense SVD per target, on this thread), the gradient-flow curve set up at the last
 * restart, the theory report and the worker's own state, into the back buffer of two; the
 * swap is under vlock and one byte to notify_fd tells the UI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker_priv.h"

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
			ls_worker_event(w, true, "display: out of memory");
			return false;
		}
		v->flow.sv = q;
		v->flow_cap = w->flow.k;
	}
	if (w->flow.sv && w->flow.k)
		memcpy(v->flow.sv, w->flow.sv, w->flow.k * sizeof(double));
	return true;
}

/* Set the flow curve up for the run just (re)started at step 0 (see worker_priv.h). */
void ls_worker_flow_restart(ls_worker *w)
{
	if (ls_session_steps(w->s) != 0)
		return;
	ls_error err;
	w->flow_set = false;
	if (ls_session_flow_curve(w->s, &w->flow, &err) != LS_OK) {
		ls_worker_event(w, true, "flow: %s", err.msg);
		return;
	}
	w->flow_cfg = *ls_session_config(w->s);
	w->flow_set = true;
}

ls_status ls_view_session(ls_view *v, const ls_session *s, ls_error *err)
{
	v->cfg = *ls_session_config(s);
	ls_status st = ls_metrics_copy(&v->m, ls_session_metrics(s), err);
	if (st == LS_OK)
		st = ls_history_copy(&v->h, ls_session_history(s), err);
	if (st != LS_OK)
		return st;
	const ls_baseline *b = ls_session_baseline(s);
	v->has_baseline = b != NULL;
	v->baseline_progress = ls_session_baseline_pending(s);
	v->baseline_pending = v->baseline_progress >= 0.0;
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
				if (!p)
					return ls_error_set(err, LS_ENOMEM, "out of memory");
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
	v->diverged = ls_session_diverged(s);
	return LS_OK;
}

/* v (the back buffer) becomes the front one, numbered; one byte to notify_fd. */
static void swap(ls_worker *w, ls_view *v)
{
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

void ls_worker_publish(ls_worker *w)
{
	ls_view *v = &w->views[1 - w->front];
	ls_error err;
	const ls_session *s = w->s;
	if (ls_view_session(v, s, &err) != LS_OK) {
		ls_worker_event(w, true, "display: %s", err.msg);
		return;
	}
	bool target = target_update(w);
	v->ntarget = 0;
	if (!publish_flow(w, v))
		return;
	if (target) {
		if (w->ntarget > v->target_cap) {
			double *q = realloc(v->target_sv, w->ntarget * sizeof(double));
			if (!q) {
				ls_worker_event(w, true, "display: out of memory");
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
	snprintf(v->lesson_title, sizeof v->lesson_title, "%s",
		 w->lesson && w->lesson->title ? w->lesson->title : "");
	v->lesson_wait = w->lesson_wait;
	v->lesson_done = w->lesson_done;
	v->lesson_ffwd = w->ffwd;
	v->lesson_clock = w->player ? ls_lesson_run_clock(w->player) : 0;
	v->caption_seq = w->caption_seq;
	memcpy(v->caption, w->caption, sizeof v->caption);
	v->paused = w->paused;
	v->applied_seq = w->applied;
	v->event_seq = w->event_seq;
	v->event_error = w->event_error;
	memcpy(v->event, w->event, sizeof v->event);
	swap(w, v);
}

void ls_worker_publish_failed(ls_worker *w, const char *msg)
{
	ls_view *v = &w->views[1 - w->front];
	v->failed = true;
	v->event_error = true;
	snprintf(v->event, sizeof v->event, "%s", msg);
	v->event_seq = w->event_seq + 1;
	swap(w, v);
}
