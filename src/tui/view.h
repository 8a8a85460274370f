/* view.h — what the TUI's worker thread publishes for drawing: an immutable copy of
 * the session's configuration, metrics, history and baseline summary, plus the
 * worker's own state (paused, last event, which commands it has applied).
 * No curses here; the drawing thread only reads a published ls_view. */
#ifndef LORASCOPE_TUI_VIEW_H
#define LORASCOPE_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/config.h"
#include "lorascope/flow.h"
#include "lorascope/lesson.h"
#include "lorascope/metrics.h"
#include "lorascope/session.h"
#include "lorascope/status.h"
#include "lorascope/theory.h"

typedef struct {
	unsigned long pub_seq;     /* publication number (1, 2, …) */
	unsigned long applied_seq; /* last command the worker has applied */
	ls_config cfg;
	ls_metrics m;
	ls_history h;
	bool paused;
	bool diverged;
	/* Full fine-tuning baseline; has_baseline false when skipped or still being computed
	 * (baseline_pending, baseline_progress in [0, 1]). rstar is module 0's. */
	bool has_baseline;
	bool baseline_pending;
	double baseline_progress;
	bool baseline_certified;
	double floor, f_star, xstar_fro, xstar_nuc;
	size_t rstar;
	/* σ(X*_k) of every module k: rstar_mod[k] values, descending (heap) */
	size_t rstar_mod[LS_MAX_MODULES];
	double *sigma_star[LS_MAX_MODULES];
	size_t sigma_star_cap[LS_MAX_MODULES];
	/* Kim–Kim–Ryu instruments (theory.h), the session's own (ls_session_theory_report) at
	 * step theory_step, when has_theory: α̂, β̂ from the session's cache (ab_samples of
	 * ab_target samples: 0 until estimated), regime, λ_min, verdict. */
	bool has_theory;
	long theory_step;
	size_t ab_samples, ab_target;
	ls_theory_report rep;
	/* The singular values of the problem's target (ntarget = 0 when it has none or it is
	 * large), and the gradient-flow closed form (flow.h, MATH.md §7) where one exists
	 * (approx with the spectral initialisation, trace2 with one zero factor), set up at
	 * the last restart; flow.sv is the view's own copy (capacity flow_cap). has_flow is
	 * false, flow_why says why, when none applies or the run changed since. */
	bool has_flow;
	ls_flow_curve flow;
	size_t flow_cap;
	char flow_why[96];
	double *target_sv;
	size_t ntarget, target_cap;
	/* Pace: the steps-per-second cap (0 unlimited) and the rate measured over ~1 s. */
	double speed, rate;
	/* A lesson (lesson.h) being played: its title, its last caption (held until the next),
	 * whether it waits for a key (a "pause"), whether it is over, whether it is being
	 * fast-forwarded to its next caption, the lesson clock. */
	char lesson_title[128];
	bool has_lesson, lesson_wait, lesson_done, lesson_ffwd;
	long lesson_clock;
	unsigned long caption_seq;
	char caption[LS_LESSON_TEXT_MAX];
	/* A replay (no worker): the trace's row at the cursor and the row count; the step the
	 * factor metrics shown come from: the row's, or, where a history trace did not measure
	 * them (their cadence, metrics.h), the last row before it that did (-1: none did). */
	bool replay;
	size_t replay_row, replay_rows;
	long replay_factor_step;
	/* The worker could not make the session (worker.h): event says why, nothing else is
	 * set. */
	bool failed;
	/* The last event (a change, restart, divergence, file written, refusal). */
	unsigned long event_seq;
	bool event_error;
	char event[256];
} ls_view;

/* The session's part of a view: configuration, metrics, history, the baseline's summary and
 * σ(X*) of every module, diverged (the rest of v is left as it was; out of memory: a
 * status and err's message, v still freeable). */
ls_status ls_view_session(ls_view *v, const ls_session *s, ls_error *err);
/* Release a view's arrays (the struct is left zeroed and reusable). */
void ls_view_free(ls_view *v);

#endif
