/* session.h — one run: problem + LoRA factors + optimiser + baseline + metrics + history.
 *
 * The CLI and the TUI both drive a session; neither does math. A session is used by
 * one thread at a time (the TUI's worker owns it and publishes ls_metrics_copy /
 * ls_history_copy results to the drawing thread). Changes (ls_session_set, reset,
 * kick) are applied between steps with the semantics of SPEC §2, each parameter by the
 * APPLY column of LS_PARAM_LIST (config.h's ls_param_apply):
 *   NEXT_STEP   lr, momentum, beta1, beta2, eps, batch, mu, inner-k: from the next step;
 *   OPTIMIZER   optimizer: from the next step, its moments reset;
 *   BASELINE    lambda, baseline, baseline-iters, baseline-tol: the baseline is recomputed
 *               (X* depends on λ), the run continues;
 *   SCALING     scaling, alpha: s is recomputed, the factors are kept (X scales), the
 *               baseline recomputed (X* depends on λ/s);
 *   RANK        rank: grows (X unchanged) or shrinks (best rank-r truncation), the
 *               optimiser state is resized, the run continues;
 *   INIT        init, init-scale, init-a, init-b: restart from step 0 with a new
 *               initialisation seed;
 *   REBUILD     the problem group (problem, m, n, samples, true-rank, kappa, decay, noise,
 *               modules, seed) and the file parameters: rebuild the problem and the
 *               baseline, restart from step 0;
 *   THEORY      ab-samples, ab-radius, lanczos-iters: forget the cached α̂, β̂ (the run
 *               continues).
 * Each change is described by an ls_change record (below). An invalid value is refused
 * with the message of ls_config_set / ls_config_check and nothing changes. NaN/Inf in the
 * loss or the factors is not an error: the session enters the diverged state
 * (ls_session_diverged, message in the metrics) and further steps do nothing until
 * ls_session_reset or a restarting change.
 *
 * Random streams: the problem is drawn from --seed; the initialisation from a seed
 * derived from --seed and a restart counter (reset reuses it, an init change bumps
 * it); SGD batches and rank growth continue that stream. Same config, same calls:
 * bit-identical metrics. A preset's own shape (loud5 5×5, sense2x2 2×2) bounds --rank:
 * ls_session_create and ls_session_set refuse a rank above min(m_k, n_k). */
#ifndef LORASCOPE_SESSION_H
#define LORASCOPE_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "lorascope/baseline.h"
#include "lorascope/config.h"
#include "lorascope/flow.h"
#include "lorascope/inputs.h"
#include "lorascope/lora.h"
#include "lorascope/metrics.h"
#include "lorascope/optim.h"
#include "lorascope/problem.h"
#include "lorascope/status.h"
#include "lorascope/theory.h"

typedef struct ls_session ls_session;

/* Build the problem, the baseline (per --baseline), the factors (per --init) and the
 * optimiser from cfg (checked with ls_config_check) and the matrices of the files cfg names
 * (in, inputs.h: loaded by the caller, e.g. io's ls_inputs_load; NULL: none; the session
 * keeps a copy); measure the metrics of step 0. */
ls_status ls_session_create(ls_session **s, const ls_config *cfg, const ls_inputs *in,
			    ls_error *err);
/* The same with the baseline deferred (the TUI: the first screen must not wait for it): it
 * is begun, not computed, here and whenever a change recomputes it (λ, scaling, baseline
 * parameters, a rebuild); until ls_session_baseline_slice installs it the session has none
 * (ls_session_baseline NULL, the X* metrics NaN) and the steps go on. The installed X* is
 * the one ls_session_create computes, bit for bit (baseline.h's slices). */
ls_status ls_session_create_deferred(ls_session **s, const ls_config *cfg, const ls_inputs *in,
				     ls_error *err);
/* Whether changes begin the baseline (deferred) or compute it at once; turning deferral off
 * leaves one already pending to ls_session_baseline_slice / _wait. */
void ls_session_defer_baseline(ls_session *s, bool deferred);
/* The progress in [0, 1] of the baseline being computed in slices, or −1 when none is. */
double ls_session_baseline_pending(const ls_session *s);
/* Up to n more iterations of the pending baseline (nothing when none is pending); when it is
 * done, install it (a new baseline serial) and measure the metrics against it. A failure
 * forgets it (the session stays without a baseline). ls_session_baseline_wait: all of it. */
ls_status ls_session_baseline_slice(ls_session *s, long n, ls_error *err);
ls_status ls_session_baseline_wait(ls_session *s, ls_error *err);
void ls_session_free(ls_session *s);

/* Run up to nsteps optimiser steps, recording the history; stops early (LS_OK) when the
 * run diverges. Afterwards ls_session_metrics describes the current state. */
ls_status ls_session_step(ls_session *s, long nsteps, ls_error *err);
/* Whether ls_session_step records the history (yes unless told otherwise; resets, rebuilds and
 * changes keep the setting). Without it no points are added (those already there stay) and
 * the factor metrics are measured only for the state each call ends on (and, on a divergence,
 * the state it came from): the same metrics to the bit, at a fraction of the cost when few
 * steps are shown (`lorascope run` without --plot or --snapshot). */
void ls_session_keep_history(ls_session *s, bool keep);

/* What a change did to the run, as data (ls_change_format puts it in words). */
typedef enum {
	LS_CHANGE_NONE,     /* nothing since the session was created */
	LS_CHANGE_SET,      /* ls_session_set */
	LS_CHANGE_RESET,    /* ls_session_reset */
	LS_CHANGE_KICK,     /* ls_session_kick */
	LS_CHANGE_DIVERGED, /* a step or a measurement met NaN/Inf */
	LS_CHANGE_RESUMED   /* ls_session_state_import (a snapshot resumed) */
} ls_change_kind;

typedef enum {
	LS_DIVERGED_FACTORS, /* non-finite factors */
	LS_DIVERGED_LOSS     /* non-finite loss or gradient */
} ls_diverged_cause;

typedef struct {
	ls_change_kind kind;
	long step;      /* the step count after the change (DIVERGED: the step it stopped at) */
	size_t r0, r1;  /* the LoRA rank before and after */
	bool restarted; /* the run went back to step 0 (an init change, a rebuild, a reset) */
	bool baseline;  /* a baseline was computed (λ, s, baseline parameters, a rebuild) */
	/* SET: the parameter, how its change applied (ls_params[param].apply) and its value
	 * before and after (ls_config_format). RESUMED: from names the snapshot. */
	ls_param_id param;
	ls_param_apply apply;
	char from[LS_PARAM_VALUE_MAX], to[LS_PARAM_VALUE_MAX];
	unsigned long restarts;  /* the restart counter that selects the init seed */
	double scale;            /* KICK: the scale given */
	ls_diverged_cause cause; /* DIVERGED */
} ls_change;

/* The one wording of a change, for message lines, logs and the metrics' divergence message:
 *   SET      "lambda: 0.5 -> 0.1", "init: peft -> gaussian: restarted from step 0 (init
 *            seed 1)", "problem: approx -> sensing: new problem, restarted",
 *            "rank 8 -> 4 (best rank-r truncation)", "rank 4 -> 6 (X unchanged)",
 *            "rank stays 8" (the value set is the value it had, no restart);
 *   RESET    "reset to step 0";  KICK "kicked the factors (scale 0.05)";
 *   DIVERGED "diverged at step 812: non-finite loss or gradient";
 *   RESUMED  "resumed from DIR at step 300";  NONE "".
 * Truncated to fit len. */
void ls_change_format(const ls_change *ch, char *buf, size_t len);

/* Change one parameter by its --name (see the semantics above); *ch (when not NULL)
 * describes the change. A refused value changes nothing, *ch included. A file parameter
 * (--w0, --target, ...) can only be cleared ("") or kept here: a new file comes with its
 * matrix. */
ls_status ls_session_set(ls_session *s, const char *param, const char *value, ls_change *ch,
			 ls_error *err);
/* Set the file parameter param to the file name value together with M, the matrix loaded
 * from it by the caller (NULL: value is "" or the file the session already holds); the files
 * fix the sizes (ls_config_resolve_inputs, param given), then the run is rebuilt; *ch as for
 * ls_session_set. */
ls_status ls_session_set_file(ls_session *s, const char *param, const char *value, const ls_mat *M,
			      ls_change *ch, ls_error *err);
/* Back to step 0 with the same initialisation seed (leaves the diverged state). */
ls_status ls_session_reset(ls_session *s, ls_error *err);
/* Perturb every factor by N(0, (scale·rms)²) entries, rms = the factor's RMS entry
 * (or scale itself when the factor is zero), to leave a saddle. The step count goes on. */
ls_status ls_session_kick(ls_session *s, double scale, ls_error *err);
/* Compute the baseline now even when --baseline auto skipped it (large problems); a
 * deferred session begins it. */
ls_status ls_session_run_baseline(ls_session *s, ls_error *err);

const ls_config *ls_session_config(const ls_session *s);
/* The metrics of the current state (step ls_session_steps). */
const ls_metrics *ls_session_metrics(const ls_session *s);
const ls_history *ls_session_history(const ls_session *s);
/* The full fine-tuning baseline, or NULL when it was not computed. */
const ls_baseline *ls_session_baseline(const ls_session *s);
const ls_problem *ls_session_problem(const ls_session *s);
const ls_lora *ls_session_lora(const ls_session *s);
long ls_session_steps(const ls_session *s);
bool ls_session_diverged(const ls_session *s);
/* The last change, restart, divergence or resume of the run. */
const ls_change *ls_session_last_change(const ls_session *s);

/* ---- State (for snapshots, snapshot.h): everything of a run its config does not fix. A
 * session built by ls_session_create from the same config and given this state with
 * ls_session_state_import continues bit for bit as the exported one would. */

/* The matrices of a module in a state. */
typedef enum {
	LS_STATE_A,  /* the factor A (m×r) */
	LS_STATE_B,  /* the factor B (n×r) */
	LS_STATE_MA, /* first moments (also the heavy-ball velocity) of A, B */
	LS_STATE_MB,
	LS_STATE_VA, /* second moments of A, B */
	LS_STATE_VB,
	LS_STATE_NMATS
} ls_state_mat;

typedef struct {
	long step;
	unsigned long restarts; /* selects the init seed (session.h's random streams) */
	uint64_t rng[4];        /* the training stream's words */
	ls_optim_counts counts; /* the optimiser's step counters */
	bool diverged;
	char message[LS_METRICS_MSG_MAX]; /* the metrics' message (why it diverged) */
	/* The last step's numbers in the metrics (ls_metrics fields of the same names). */
	double eta, mk_lhs, mk_rhs;
	bool mk_checked, mk_holds;
	long mk_checks, mk_failures;
	bool have_base;            /* a baseline is computed (import computes one if needed) */
	unsigned long base_serial; /* baselines computed so far (import keeps the larger of
				    * this and the session's own count) */
	size_t nmod, r;
	double s[LS_MAX_MODULES]; /* the scaling of each module (export only: the config's) */
	ls_mat mat[LS_MAX_MODULES][LS_STATE_NMATS]; /* owned by the state */
	/* The cached α̂, β̂ of the current baseline and rank, when have_ab. */
	bool have_ab;
	ls_alphabeta ab[LS_MAX_MODULES];
	ls_history hist;
	const char *origin; /* import: the RESUMED change's from (NULL: "") */
} ls_session_state;

/* Copy the state of s into st (free it with ls_session_state_free). */
ls_status ls_session_state_export(const ls_session *s, ls_session_state *st, ls_error *err);
/* Make st the state of s, a session built from the config st was exported with. A state of
 * other shapes (LS_EDIM) or with α̂, β̂ but no baseline (LS_EINVAL) is refused and changes
 * nothing. Measures the state (nothing of a diverged one: its numbers are NaN) and records
 * a RESUMED change. */
ls_status ls_session_state_import(ls_session *s, const ls_session_state *st, ls_error *err);
void ls_session_state_free(ls_session_state *st);

/* ---- Theory (theory.h, MATH.md §3–§5). The session caches α̂, β̂ per (baseline serial,
 * rank); the metrics carry them (ls_module_metrics.alpha_hat ... regime) and the threshold
 * the ratio is compared with, from the cache, or the problem's exact constants. The
 * instruments draw from their own stream seeded from --seed, so measuring never changes
 * the training stream, and a (baseline, rank) always gets the same estimate. */

/* Samples α̂, β̂ use: --ab-samples, or for 0 the automatic count
 * clamp(2^27 / Σ_k m_k·n_k·(min(m_k, n_k) + max(1, samples)), 20, 1000). */
size_t ls_session_ab_samples(const ls_session *s);
/* The instruments' options from the config (--ab-samples, --ab-radius, --lanczos-iters). */
void ls_session_theory_opts(const ls_session *s, ls_theory_opts *o);
/* α̂, β̂ of every module about the current X* at the current rank, estimated now (seconds
 * on large problems: never per step) unless cached; *ab = NULL (LS_OK) without a baseline.
 * Radius --ab-radius, or for 0 D = max(1, 2‖X*_k‖_F, 1.25‖X_k − X*_k‖_F) at the state where
 * the estimate begins: now, or at ls_session_alphabeta_begin when one is in progress (then
 * its remaining samples are drawn). */
ls_status ls_session_alphabeta(ls_session *s, const ls_alphabeta **ab, ls_error *err);
/* The same estimate spread over time (the TUI samples between training batches): begin it
 * at this state for the current X* and rank (nothing when cached or begun for them, or
 * without a baseline), then draw it in slices. A slice draws up to n more samples (begins
 * the estimate first when the X* or rank changed or none is begun) and, when the sample
 * count is reached, installs it in the cache: the numbers ls_session_alphabeta gives,
 * bit for bit, for the same state at the beginning. *done: samples drawn (the cached
 * count once installed). A theory parameter change forgets an estimate in progress.
 * Slices need a baseline. */
ls_status ls_session_alphabeta_begin(ls_session *s, ls_error *err);
ls_status ls_session_alphabeta_slice(ls_session *s, size_t n, size_t *done, ls_error *err);
/* The full theory report at the current state (Lanczos, verdict, Corollary 1 bound, §3.4
 * seed check) with the cached α̂, β̂ (estimated first when needed). With the automatic
 * radius (--ab-radius 0) a current point outside the sampled ball (‖X_k − X*_k‖_F > D)
 * makes the session estimate α̂, β̂ again with D = 1.25·max_k ‖X_k − X*_k‖_F (or more, see
 * ls_session_alphabeta), so the verdict is never n/a for lack of radius; the report's
 * mod[k].ab.D is the radius used. Needs a baseline. */
ls_status ls_session_theory_report(ls_session *s, ls_theory_report *rep, ls_error *err);

/* The gradient-flow curve (flow.h, MATH.md §7) of the run as it stands: ls_flow_curve_init
 * on the session's problem, factors and config. Meaningful right after a restart (step 0,
 * factors as initialised); fc is released first, so it may be reused. */
ls_status ls_session_flow_curve(ls_session *s, ls_flow_curve *fc, ls_error *err);

#endif
