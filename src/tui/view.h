/* view.h — what the TUI's worker thread publishes for drawing: an immutable copy of
 * the session's configuration, metrics, history and baseline summary, plus the
 * worker's own state (paused, last event, which commands it has applied).
 * No curses here; the drawing thread only reads a published ls_view. */
#ifndef LORASCOPE_TUI_VIEW_H
#define LORASCOPE_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/config.h"
#include "lorascope/metrics.h"
#include "lorascope/theory.h"

typedef struct {
	unsigned long pub_seq;     /* publication number (1, 2, …) */
	unsigned long applied_seq; /* last command the worker has applied */
	ls_config cfg;
	ls_metrics m;
	ls_history h;
	bool paused;
	bool diverged;
	/* Full fine-tuning baseline (module 0's spectrum); has_baseline false when skipped. */
	bool has_baseline;
	bool baseline_certified;
	double floor, f_star, xstar_fro, xstar_nuc;
	size_t rstar;
	double *sigma_star; /* rstar values, descending (heap, capacity sigma_star_cap) */
	size_t sigma_star_cap;
	/* Kim–Kim–Ryu instruments (theory.h) at step theory_step, when has_theory: α̂, β̂
	 * from ab_samples of ab_target Monte Carlo samples so far, regime, λ_min, verdict. */
	bool has_theory;
	long theory_step;
	size_t ab_samples, ab_target;
	ls_theory_report rep;
	/* The singular values of the problem's target (ntarget = 0 when it has none or it is
	 * large), and the gradient-flow closed form (flow.h, MATH.md §7) where one exists:
	 * approx with the spectral initialisation. */
	bool has_flow;
	size_t flow_r;
	double flow_x0, flow_s;
	double *target_sv;
	size_t ntarget, target_cap;
	/* The last event (a change, restart, divergence, file written, refusal). */
	unsigned long event_seq;
	bool event_error;
	char event[256];
} ls_view;

/* Release a view's arrays (the struct is left zeroed and reusable). */
void ls_view_free(ls_view *v);

#endif
