/* worker_priv.h — private to the training thread: the worker's state, shared by its
 * thread and queue (worker.c), its commands and lesson glue (worker_commands.c), its view
 * publishing (worker_view.c) and its theory scheduling (worker_theory.c). Everything here
 * is owned by the worker thread after start, except the queue (qlock) and the views'
 * front index (vlock). worker.h is the public API. No curses here. */
#ifndef LORASCOPE_TUI_WORKER_PRIV_H
#define LORASCOPE_TUI_WORKER_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "lorascope/baseline.h"
#include "lorascope/flow.h"
#include "lorascope/lesson.h"
#include "lorascope/session.h"
#include "lorascope/theory.h"
#include "worker.h"

#define LS_WORKER_QUEUE_MAX 64

struct ls_worker {
	pthread_t thread;
	bool started;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	ls_cmd queue[LS_WORKER_QUEUE_MAX];
	int qn;
	unsigned long next_seq;
	bool quit;

	pthread_mutex_t vlock;
	ls_view views[2];
	int front;

	/* The session's making, first thing on the thread: its parameters or snapshot, the
	 * matrices moved in, the first message; building, start_waiting (ls_worker_start_opts
	 * still waits for it), start_st and start_err under qlock, signalled on qcond. */
	ls_config start_cfg;
	ls_inputs start_in;
	char *resume;
	char start_msg[256];
	bool building, start_waiting;
	ls_status start_st;
	ls_error start_err;

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
	/* The directory LS_CMD_PEFT writes checkpoints into (a copy). */
	char *save_peft;

	/* A deferred baseline's slices: base_batch iterations each. */
	long base_batch;
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
	bool ffwd; /* fast-forward: no speed cap until the next caption or pause */
	unsigned long caption_seq;
	char caption[LS_LESSON_TEXT_MAX];

	/* The target's singular values for the gradient-flow curve, keyed by the target. */
	const double *sv_key;
	size_t sv_m, sv_n;
	double *target_sv;
	size_t ntarget;
};

/* worker.c: the monotonic clock, in seconds. */
double ls_worker_now(void);

/* worker_commands.c: the message line (error or not; a new event_seq). */
void ls_worker_event(ls_worker *w, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "<what>lower the step size (e) and reset (x)", naming the keys of the key map. */
void ls_worker_diverged_event(ls_worker *w, const char *what);
/* Apply one command to the session, with its message. */
void ls_worker_apply(ls_worker *w, const ls_cmd *c);
/* Poll the lesson (before steps): its events to the caption and the message line, a
 * "pause" pauses until a key, "stop" ends it. Returns the steps allowed before the next
 * poll: LONG_MAX without a lesson (or after it), 0 when it holds the run. */
long ls_worker_lesson_poll(ls_worker *w);
/* The session just diverged: pause and say so, then poll the lesson, whose "when diverged"
 * rules fire now as they do headless; when they bring the run back (a reset) without a
 * "pause", it runs on. */
void ls_worker_on_diverged(ls_worker *w);

/* worker_view.c: publish a copy of the session and the worker's state (double buffer,
 * a byte to notify_fd). */
void ls_worker_publish(ls_worker *w);
/* Publish a view that says only that the session could not be made (failed, the message). */
void ls_worker_publish_failed(ls_worker *w, const char *msg);
/* Set the flow curve up for the run just (re)started at step 0 (flow.h: from the factors
 * as initialised); any other state keeps the curve of the last restart. */
void ls_worker_flow_restart(ls_worker *w);

/* worker_theory.c: follow the session's baseline (X*) and rank, beginning a new α̂, β̂
 * estimate on a change; one slice of theory work between batches (the pending baseline
 * first); whether nothing is left to do at this state. The first two return whether anything
 * changed. */
bool ls_worker_theory_sync(ls_worker *w);
bool ls_worker_theory_tick(ls_worker *w);
bool ls_worker_theory_idle(const ls_worker *w);

#endif
