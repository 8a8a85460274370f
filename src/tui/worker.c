/* worker.c — the training thread (see worker.h).
 *
 * Loop: drain the command queue and apply each command to the session; when running,
 * step in batches whose size adapts so one batch takes about 2–5 ms, until ~10 ms have
 * passed or a command is waiting; publish a copy at most every 15 ms (at once after a
 * command); when paused, sleep on the queue's condition variable. */
#include "worker.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lorascope/baseline.h"
#include "lorascope/fileio.h"
#include "lorascope/lora.h"
#include "lorascope/npy.h"
#include "lorascope/rng.h"
#include "lorascope/session.h"
#include "lorascope/theory.h"

#define QUEUE_MAX 64
#define BATCH_BUDGET 0.010
#define PUBLISH_EVERY 0.015
#define KICK_SCALE 0.3
/* Theory instruments: Monte Carlo samples for α̂, β̂ (the paper's 1000), gathered in
 * calls of ~5–20 ms between training batches; the report (λ_min, verdict) refreshed at
 * most every 0.25 s and using at most a tenth of the worker's time. */
#define AB_TARGET 1000
#define AB_HIST 64

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

	/* Theory state, keyed by the baseline (X*) and the rank it was estimated for. */
	ls_rng trng;
	const ls_baseline *th_base;
	double th_floor;
	size_t th_r;
	ls_mat xstar[LS_MAX_MODULES];
	bool xstar_ok;
	ls_alphabeta ab[LS_MAX_MODULES];
	size_t ab_n, ab_batch;
	double next_ab;
	double ab_D;
	size_t hist_n; /* estimates after each call, for the spread */
	size_t hist_samples[AB_HIST];
	double hist_alpha[AB_HIST][LS_MAX_MODULES], hist_beta[AB_HIST][LS_MAX_MODULES];
	bool has_rep;
	long rep_step;
	size_t rep_ab_n; /* samples behind the last report */
	double next_report;
	ls_theory_report rep;
	bool theory_failed;

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
	free(v->sigma_star);
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
	ls_mat T = {0};
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
		size_t k = b->nmod ? b->mod[0].rstar : 0;
		if (k > v->sigma_star_cap) {
			double *p = realloc(v->sigma_star, k * sizeof(double));
			if (!p) {
				set_event(w, true, "display: out of memory");
				return;
			}
			v->sigma_star = p;
			v->sigma_star_cap = k;
		}
		if (k)
			memcpy(v->sigma_star, b->mod[0].sigma, k * sizeof(double));
		v->rstar = k;
	}
	bool target = target_update(w);
	v->ntarget = 0;
	v->has_flow = target && v->cfg.problem == LS_PROBLEM_APPROX &&
		      v->cfg.init == LS_INIT_SPECTRAL;
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
	if (v->has_flow) {
		v->flow_r = (size_t)v->cfg.rank;
		v->flow_x0 = v->cfg.init_scale;
		v->flow_s = v->m.nmod ? v->m.mod[0].s : 1.0;
	}
	v->has_theory = w->has_rep;
	v->theory_step = w->rep_step;
	v->ab_samples = w->ab_n;
	v->ab_target = AB_TARGET;
	if (w->has_rep)
		v->rep = w->rep;
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

static void apply_set(ls_worker *w, const char *param, const char *text)
{
	const ls_param_info *p = ls_param_find(param);
	ls_error err;
	if (!p) {
		set_event(w, true, "unknown parameter '%s'", param);
		return;
	}
	char old[64];
	current(w, (ls_param_id)(p - ls_params), old, sizeof old);
	bool was_div = ls_session_diverged(w->s);
	if (ls_session_set(w->s, param, text, &err) != LS_OK) {
		set_event(w, true, "refused: %s", err.msg);
		return;
	}
	char now[64];
	current(w, (ls_param_id)(p - ls_params), now, sizeof now);
	const char *ev = ls_session_event(w->s);
	if (ev && ev[0])
		set_event(w, false, "%s: %s -> %s (%s)", param, old, now, ev);
	else
		set_event(w, false, "%s: %s -> %s", param, old, now);
	/* A restart leaves the diverged state: run again. */
	if (was_div && !ls_session_diverged(w->s))
		w->paused = false;
}

static void apply(ls_worker *w, const ls_cmd *c)
{
	ls_error err;
	const ls_param_info *p = c->kind <= LS_CMD_CYCLE ? ls_param_find(c->param) : NULL;
	char val[64];
	switch (c->kind) {
	case LS_CMD_SET:
		apply_set(w, c->param, c->text);
		break;
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
		apply_set(w, c->param, val);
		break;
	}
	case LS_CMD_ADD: {
		if (!p || p->type != LS_P_INT) {
			set_event(w, true, "'%s' is not an integer parameter", c->param);
			break;
		}
		current(w, (ls_param_id)(p - ls_params), val, sizeof val);
		snprintf(val, sizeof val, "%ld", strtol(val, NULL, 10) + (long)c->factor);
		apply_set(w, c->param, val);
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
		apply_set(w, c->param, p->choices[next]);
		break;
	}
	case LS_CMD_PAUSE:
		w->paused = !w->paused;
		set_event(w, false, w->paused ? "paused" : "running");
		break;
	case LS_CMD_STEP:
		w->paused = true;
		if (ls_session_diverged(w->s))
			set_event(w, true, "diverged: lower the step size (e) and reset (x)");
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
	case LS_CMD_TRACE:
	case LS_CMD_SNAPSHOT:
		break;
	}
}

/* CSV of the history, for ls_file_write_atomic. */
static ls_status write_trace(FILE *f, const void *ctx, ls_error *err)
{
	const ls_history *h = ctx;
	fputs("step,loss,reg_loss,grad_norm,ratio,dist_star,eta,norm_fro\n", f);
	for (size_t i = 0; i < h->len; i++)
		fprintf(f, "%ld,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", h->step[i],
		        h->loss[i], h->reg_loss[i], h->grad_norm[i], h->ratio[i], h->dist_star[i],
		        h->eta[i], h->norm_fro[i]);
	if (ferror(f))
		return ls_error_set(err, LS_EIO, "write error");
	return LS_OK;
}

static void apply_trace(ls_worker *w, const char *path)
{
	ls_error err;
	locale_t old = ls_c_locale_push();
	ls_status st = ls_file_write_atomic(path, write_trace, ls_session_history(w->s), &err);
	if (old)
		ls_c_locale_pop(old);
	if (st != LS_OK)
		set_event(w, true, "trace: %s", err.msg);
	else
		set_event(w, false, "trace written to %s (%zu rows)", path,
		          ls_session_history(w->s)->len);
}

static void apply_snapshot(ls_worker *w, const char *stem)
{
	ls_error err;
	ls_factors F = ls_lora_factors(ls_session_lora(w->s));
	char path[256], first[256] = "";
	for (size_t k = 0; k < F.nmod; k++) {
		for (int ab = 0; ab < 2; ab++) {
			if (F.nmod > 1)
				snprintf(path, sizeof path, "%s-%c%zu.npy", stem, "AB"[ab], k);
			else
				snprintf(path, sizeof path, "%s-%c.npy", stem, "AB"[ab]);
			if (ls_npy_save(path, ab ? &F.B[k] : &F.A[k], &err) != LS_OK) {
				set_event(w, true, "snapshot: %s", err.msg);
				return;
			}
			if (!first[0])
				snprintf(first, sizeof first, "%s", path);
		}
	}
	set_event(w, false, "saved A and B at step %ld: %s ...", ls_session_steps(w->s), first);
}

static void theory_forget(ls_worker *w)
{
	for (size_t k = 0; k < LS_MAX_MODULES; k++)
		ls_mat_free(&w->xstar[k]);
	w->xstar_ok = false;
	w->ab_n = 0;
	w->hist_n = 0;
	w->has_rep = false;
	w->theory_failed = false;
	w->next_report = 0;
}

/* Merge one call's estimates: α̂ is a minimum and β̂ a maximum over all samples, so the
 * estimate over the union of calls is the min/max of the calls' estimates. */
static void merge_ab(ls_worker *w, const ls_alphabeta *est, size_t nmod, size_t nsamp)
{
	for (size_t k = 0; k < nmod; k++) {
		if (w->ab_n == 0) {
			w->ab[k] = est[k];
		} else {
			if (est[k].alpha < w->ab[k].alpha)
				w->ab[k].alpha = est[k].alpha;
			if (est[k].beta > w->ab[k].beta)
				w->ab[k].beta = est[k].beta;
		}
	}
	w->ab_n += nsamp;
	if (w->hist_n < AB_HIST) {
		w->hist_samples[w->hist_n] = w->ab_n;
		for (size_t k = 0; k < nmod; k++) {
			w->hist_alpha[w->hist_n][k] = w->ab[k].alpha;
			w->hist_beta[w->hist_n][k] = w->ab[k].beta;
		}
		w->hist_n++;
	}
	/* Spread: movement since the estimate at half the samples (as ls_alphabeta reports). */
	size_t h = 0;
	for (size_t i = 0; i < w->hist_n; i++)
		if (w->hist_samples[i] <= w->ab_n / 2)
			h = i;
	for (size_t k = 0; k < nmod; k++) {
		w->ab[k].samples = w->ab_n;
		w->ab[k].alpha_move = fabs(w->ab[k].alpha - w->hist_alpha[h][k]);
		w->ab[k].beta_move = fabs(w->ab[k].beta - w->hist_beta[h][k]);
	}
}

/* One slice of theory work; returns whether anything changed. The worker is the
 * session's only user, so it may hand the session's problem to the instruments (they
 * use its scratch space). */
static bool theory_tick(ls_worker *w)
{
	const ls_baseline *b = ls_session_baseline(w->s);
	const ls_config *cfg = ls_session_config(w->s);
	if (!b) {
		bool had = w->xstar_ok || w->has_rep;
		theory_forget(w);
		w->th_base = NULL;
		return had;
	}
	if (b != w->th_base || b->floor != w->th_floor || (size_t)cfg->rank != w->th_r) {
		theory_forget(w);
		w->th_base = b;
		w->th_floor = b->floor;
		w->th_r = (size_t)cfg->rank;
		w->ab_batch = 4;
		ls_rng_seed(&w->trng, cfg->seed ^ 0x7468656f7279ULL);
	}
	if (w->theory_failed)
		return false;
	ls_problem *p = (ls_problem *)ls_session_problem(w->s);
	const ls_lora *L = ls_session_lora(w->s);
	ls_error err;
	ls_theory_opts o;
	ls_theory_opts_default(&o);
	if (!w->xstar_ok) {
		if (ls_theory_xstar_dense(b, w->xstar, &err) != LS_OK) {
			w->theory_failed = true;
			set_event(w, true, "theory: %s", err.msg);
			return true;
		}
		w->xstar_ok = true;
		const ls_metrics *m = ls_session_metrics(w->s);
		double D = 1.0;
		for (size_t k = 0; k < b->nmod; k++)
			D = fmax(D, fmax(2.0 * b->mod[k].fro, 1.25 * m->mod[k].dist_star));
		w->ab_D = D;
	}
	bool changed = false;
	/* While training, sampling takes at most half of the worker's time. */
	if (w->ab_n < AB_TARGET && (w->paused || now_sec() >= w->next_ab)) {
		ls_alphabeta est[LS_MAX_MODULES];
		o.samples = w->ab_batch;
		if (w->ab_n + o.samples > AB_TARGET)
			o.samples = AB_TARGET - w->ab_n;
		double t0 = now_sec();
		if (ls_theory_alphabeta(p, w->xstar, (size_t)cfg->rank, w->ab_D, &o, &w->trng, est,
		                        &err) != LS_OK) {
			w->theory_failed = true;
			set_event(w, true, "theory: %s", err.msg);
			return true;
		}
		double dt = now_sec() - t0;
		w->next_ab = now_sec() + dt;
		merge_ab(w, est, p->nmod, o.samples);
		if (dt < 0.005 && w->ab_batch < 512)
			w->ab_batch *= 2;
		else if (dt > 0.02 && w->ab_batch > 1)
			w->ab_batch /= 2;
		changed = true;
	}
	double t = now_sec();
	if (t < w->next_report ||
	    (w->has_rep && w->rep_step == ls_session_steps(w->s) && w->rep_ab_n == w->ab_n))
		return changed;
	if (ls_theory_report_compute(p, L, cfg->lambda, w->xstar, &o, w->ab, &w->trng, &w->rep,
	                             &err) != LS_OK) {
		w->theory_failed = true;
		set_event(w, true, "theory: %s", err.msg);
		return true;
	}
	double cost = now_sec() - t;
	w->next_report = now_sec() + fmax(0.25, 10 * cost);
	w->has_rep = true;
	w->rep_step = ls_session_steps(w->s);
	w->rep_ab_n = w->ab_n;
	return true;
}

/* Nothing left for the theory to do at this state. */
static bool theory_idle(const ls_worker *w)
{
	if (!ls_session_baseline(w->s) || w->theory_failed)
		return true;
	if (w->ab_n < AB_TARGET || w->th_base != ls_session_baseline(w->s))
		return false;
	/* A report is due but its turn has not come: wait (no spinning). */
	if (now_sec() < w->next_report)
		return true;
	return w->has_rep && w->rep_step == ls_session_steps(w->s) && w->rep_ab_n == w->ab_n;
}

static bool queue_nonempty(ls_worker *w)
{
	pthread_mutex_lock(&w->qlock);
	bool r = w->qn > 0;
	pthread_mutex_unlock(&w->qlock);
	return r;
}

static void *run(void *arg)
{
	ls_worker *w = arg;
	ls_cmd local[QUEUE_MAX];
	double last_pub = 0;
	publish(w);
	for (;;) {
		pthread_mutex_lock(&w->qlock);
		bool idle = (w->paused || ls_session_diverged(w->s)) && theory_idle(w);
		if (w->qn == 0 && !w->quit && idle) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
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
			if (local[i].kind == LS_CMD_TRACE)
				apply_trace(w, local[i].text);
			else if (local[i].kind == LS_CMD_SNAPSHOT)
				apply_snapshot(w, local[i].text);
			else
				apply(w, &local[i]);
			w->applied = local[i].seq;
		}
		if (!w->paused && !ls_session_diverged(w->s)) {
			double t0 = now_sec();
			do {
				double t1 = now_sec();
				ls_error err;
				if (ls_session_step(w->s, w->batch, &err) != LS_OK) {
					w->paused = true;
					set_event(w, true, "step: %s", err.msg);
					break;
				}
				double dt = now_sec() - t1;
				if (dt < 0.002 && w->batch < (1L << 20))
					w->batch *= 2;
				else if (dt > 0.005 && w->batch > 1)
					w->batch /= 2;
				if (ls_session_diverged(w->s)) {
					w->paused = true;
					const char *why = ls_session_metrics(w->s)->message;
					if (why[0])
						set_event(w, true,
						          "%s: paused; lower the step size (e) and "
						          "reset (x)",
						          why);
					else
						set_event(w, true,
						          "diverged at step %ld: paused; lower the "
						          "step size (e) and reset (x)",
						          ls_session_steps(w->s));
					break;
				}
			} while (now_sec() - t0 < BATCH_BUDGET && !queue_nonempty(w));
			changed = true;
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

ls_status ls_worker_start(ls_worker **wp, const ls_config *cfg, bool paused, int notify_fd,
                          ls_error *err)
{
	ls_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return ls_error_set(err, LS_ENOMEM, "worker: out of memory");
	ls_status st = ls_session_create(&w->s, cfg, err);
	if (st != LS_OK) {
		free(w);
		return st;
	}
	pthread_mutex_init(&w->qlock, NULL);
	pthread_cond_init(&w->qcond, NULL);
	pthread_mutex_init(&w->vlock, NULL);
	w->paused = paused;
	w->batch = 1;
	w->notify_fd = notify_fd;
	w->next_seq = 1;
	set_event(w, false, "%s; press ? for help", paused ? "paused" : "training");
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		ls_worker_stop(w);
		return ls_error_set(err, LS_ENOMEM, "worker: cannot start a thread");
	}
	w->started = true;
	*wp = w;
	return LS_OK;
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
	theory_forget(w);
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
