/* worker.c — the training thread (see worker.h): its start and stop, the command queue and
 * the loop; the commands are applied in worker_commands.c, the view published in
 * worker_view.c, the theory scheduled in worker_theory.c, the pace worked out in
 * worker_pacing.c.
 *
 * Loop: drain the command queue and apply each command to the session; when running,
 * step in batches whose size adapts so one batch takes about 2–5 ms, until ~10 ms have
 * passed or a command is waiting, no faster than the speed cap (a token bucket: when it
 * is empty the thread waits on the queue's condition variable until the next step is
 * due, so commands still wake it at once); a lesson is polled before every batch and
 * bounds it; a slice of theory work between batches; publish a copy at most every 15 ms
 * (at once after commands, before the next batch); when paused, sleep on the queue's
 * condition variable. A lesson's fast-forward lifts the speed cap until its next caption or
 * pause. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lorascope/snapshot.h"
#include "worker_pacing.h"
#include "worker_priv.h"

#define BATCH_BUDGET 0.010
#define PUBLISH_EVERY 0.015

double ls_worker_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static bool queue_nonempty(ls_worker *w)
{
	pthread_mutex_lock(&w->qlock);
	bool r = w->qn > 0;
	pthread_mutex_unlock(&w->qlock);
	return r;
}

/* Refill the speed cap's bucket; the tokens (steps) available now. */
static double bucket_fill(ls_worker *w)
{
	double t = ls_worker_now();
	if (w->speed <= 0 || w->ffwd) {
		w->bucket_t = t;
		return (double)LONG_MAX;
	}
	w->tokens = ls_pacing_refill(w->tokens, t - w->bucket_t, w->speed);
	w->bucket_t = t;
	return w->tokens;
}

/* Train for about BATCH_BUDGET, within the speed cap and the lesson's budget. */
static void train(ls_worker *w)
{
	long budget = ls_worker_lesson_poll(w);
	double t0 = ls_worker_now();
	while (budget > 0 && !w->paused) {
		double tokens = bucket_fill(w);
		if (tokens < 1)
			break;
		long k = ls_pacing_steps(w->batch, budget, tokens);
		double t1 = ls_worker_now();
		ls_error err;
		long before = ls_session_steps(w->s);
		if (ls_session_step(w->s, k, &err) != LS_OK) {
			w->paused = true;
			ls_worker_event(w, true, "step: %s", err.msg);
			break;
		}
		long ran = ls_session_steps(w->s) - before;
		if (w->speed > 0 && !w->ffwd)
			w->tokens -= (double)k;
		w->rate_steps += ran;
		double dt = ls_worker_now() - t1;
		/* Adapt on full batches only (a capped batch says nothing about the speed). */
		if (k == w->batch)
			w->batch = ls_pacing_batch(w->batch, dt);
		if (ls_session_diverged(w->s)) {
			ls_worker_on_diverged(w);
			break;
		}
		if (budget != LONG_MAX)
			budget -= k;
		if (budget <= 0)
			budget = ls_worker_lesson_poll(w);
		if (ls_worker_now() - t0 >= BATCH_BUDGET || queue_nonempty(w))
			break;
	}
	double t = ls_worker_now();
	if (t - w->rate_t0 >= 0.5) {
		w->rate = (double)w->rate_steps / (t - w->rate_t0);
		w->rate_t0 = t;
		w->rate_steps = 0;
	}
}

/* Seconds until the speed cap allows the next step (0: now or no cap). */
static double bucket_wait(ls_worker *w)
{
	return w->speed > 0 && !w->ffwd ? ls_pacing_wait(bucket_fill(w), w->speed) : 0;
}

/* Make the session (the thread's first job: the first frame does not wait for it; the
 * baseline then comes in slices), with the first message; tell ls_worker_start_opts, or
 * when it no longer waits, publish the failure. Whether the session is there. */
static bool make_session(ls_worker *w)
{
	ls_error err;
	ls_status st = w->resume ? ls_session_load(&w->s, w->resume, &err)
				 : ls_session_create_deferred(&w->s, &w->start_cfg, &w->start_in,
							      &err);
	ls_inputs_free(&w->start_in);
	if (st == LS_OK) {
		/* A lesson's rules and captions read X* at once after its changes: those
		 * compute it at once (only the first one comes in slices, the lesson held until
		 * it is in). */
		if (w->lesson)
			ls_session_defer_baseline(w->s, false);
		w->bucket_t = w->rate_t0 = ls_worker_now();
		ls_worker_flow_restart(w);
		char help[LS_KEYS_HINT_LEN];
		ls_keys_hint(&w->keys, LS_ACT_HELP, help, sizeof help);
		if (w->start_msg[0])
			ls_worker_event(w, true, "%s", w->start_msg);
		else if (w->resume)
			ls_worker_event(w, false, "resumed %s at step %ld; %s; press %s for help",
					w->resume, ls_session_steps(w->s),
					w->paused ? "paused" : "training", help);
		else
			ls_worker_event(w, false, "%s; press %s for help",
					w->paused ? "paused" : "training", help);
	}
	pthread_mutex_lock(&w->qlock);
	w->building = false;
	w->start_st = st;
	if (st != LS_OK)
		w->start_err = err;
	bool told = w->start_waiting;
	pthread_cond_broadcast(&w->qcond);
	pthread_mutex_unlock(&w->qlock);
	if (st != LS_OK && !told)
		ls_worker_publish_failed(w, err.msg);
	return st == LS_OK;
}

static void *run(void *arg)
{
	ls_worker *w = arg;
	ls_cmd local[LS_WORKER_QUEUE_MAX];
	double last_pub = 0;
	if (!make_session(w))
		return NULL;
	ls_worker_publish(w);
	for (;;) {
		pthread_mutex_lock(&w->qlock);
		bool running = !w->paused && !ls_session_diverged(w->s);
		double wait = running ? bucket_wait(w) : 0.2;
		bool idle = (!running || wait > 0) && ls_worker_theory_idle(w);
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
			ls_worker_apply(w, &local[i]);
			ls_mat_free(&local[i].mat);
			if (local[i].kind <= LS_CMD_CYCLE || local[i].kind == LS_CMD_RESET)
				ls_worker_flow_restart(w);
			w->applied = local[i].seq;
		}
		if (!ls_session_diverged(w->s) && ls_worker_theory_sync(w))
			changed = true;
		/* The commands' result goes out before the next batch, not after it. */
		if (n > 0) {
			ls_worker_publish(w);
			last_pub = ls_worker_now();
			changed = false;
		}
		/* Training waits for a pending baseline (its slices go on, commands are applied):
		 * α̂, β̂ then begin at the state X* was asked for, as `lorascope run`'s do, and a
		 * lesson's rules see X*. */
		bool hold = ls_session_baseline_pending(w->s) >= 0.0;
		if (!w->paused && !ls_session_diverged(w->s) && !hold) {
			long before = ls_session_steps(w->s);
			unsigned long ev = w->event_seq, cap = w->caption_seq;
			train(w);
			changed = changed || ls_session_steps(w->s) != before ||
				  ev != w->event_seq || cap != w->caption_seq;
		}
		/* A command waiting goes first: the theory's slice waits for the next round. */
		if ((!ls_session_diverged(w->s) || ls_session_baseline_pending(w->s) >= 0.0) &&
		    !queue_nonempty(w) && ls_worker_theory_tick(w))
			changed = true;
		double t = ls_worker_now();
		if (changed && (t - last_pub >= PUBLISH_EVERY || w->paused)) {
			ls_worker_publish(w);
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
	pthread_mutex_init(&w->qlock, NULL);
	pthread_cond_init(&w->qcond, NULL);
	pthread_mutex_init(&w->vlock, NULL);
	if (o->cfg)
		w->start_cfg = *o->cfg;
	if (o->inputs) {
		w->start_in = *o->inputs;
		memset(o->inputs, 0, sizeof *o->inputs);
	}
	w->resume = o->resume ? strdup(o->resume) : NULL;
	w->save_peft = strdup(o->save_peft ? o->save_peft : LS_WORKER_SAVE_PEFT_DIR);
	if (o->message)
		snprintf(w->start_msg, sizeof w->start_msg, "%s", o->message);
	ls_status st = !w->save_peft || (o->resume && !w->resume)
			       ? ls_error_set(err, LS_ENOMEM, "worker: out of memory")
			       : LS_OK;
	if (st == LS_OK && o->lesson)
		st = ls_lesson_run_new(&w->player, o->lesson, err);
	if (st != LS_OK) {
		ls_worker_stop(w);
		return st;
	}
	w->lesson = o->lesson;
	w->paused = o->paused;
	w->batch = 1;
	w->base_batch = 1;
	w->notify_fd = o->notify_fd;
	w->next_seq = 1;
	w->speed = o->speed > LS_WORKER_SPEED_MAX ? 0 : o->speed;
	if (o->keys)
		w->keys = *o->keys;
	else
		ls_keymap_defaults(&w->keys);
	w->building = w->start_waiting = true;
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		ls_worker_stop(w);
		return ls_error_set(err, LS_ENOMEM, "worker: cannot start a thread");
	}
	w->started = true;
	/* Wait for the session a while: a failure within it is this call's. */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	long ns = until.tv_nsec + (o->start_wait > 0 ? (long)(o->start_wait * 1e9) : 0);
	until.tv_sec += ns / 1000000000L;
	until.tv_nsec = ns % 1000000000L;
	pthread_mutex_lock(&w->qlock);
	while (w->building && o->start_wait != 0 &&
	       (o->start_wait < 0 ? pthread_cond_wait(&w->qcond, &w->qlock)
				  : pthread_cond_timedwait(&w->qcond, &w->qlock, &until)) == 0)
		;
	w->start_waiting = false;
	st = w->building ? LS_OK : w->start_st;
	if (st != LS_OK)
		*err = w->start_err;
	pthread_mutex_unlock(&w->qlock);
	if (st != LS_OK) {
		ls_worker_stop(w);
		return st;
	}
	*wp = w;
	return LS_OK;
}

ls_status ls_worker_start(ls_worker **wp, const ls_config *cfg, bool paused, int notify_fd,
			  ls_error *err)
{
	ls_worker_opts o = {
		.cfg = cfg, .paused = paused, .notify_fd = notify_fd, .start_wait = -1
	};
	return ls_worker_start_opts(wp, &o, err);
}

bool ls_worker_building(ls_worker *w)
{
	pthread_mutex_lock(&w->qlock);
	bool b = w->building;
	pthread_mutex_unlock(&w->qlock);
	return b;
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
	ls_inputs_free(&w->start_in);
	free(w->resume);
	ls_lesson_run_free(w->player);
	free(w->target_sv);
	ls_session_free(w->s);
	free(w->save_peft);
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
	if (w->qn < LS_WORKER_QUEUE_MAX) {
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
