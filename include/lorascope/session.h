/* session.h — one run: problem + LoRA factors + optimiser + baseline + metrics + history.
 *
 * The CLI and the TUI both drive a session; neither does math. A session is used by
 * one thread at a time (the TUI's worker owns it and publishes ls_metrics_copy /
 * ls_history_copy results to the drawing thread). Changes (ls_session_set, reset,
 * kick) are applied between steps with the semantics of SPEC §2:
 *   lr, lambda, optimizer, momentum, beta1, beta2, eps, batch, mu, inner-k
 *       apply from the next step (lambda, and alpha/scaling through s, recompute the
 *       baseline because X* depends on λ/s; an optimiser change resets its moments);
 *   rank        grows (X unchanged) or shrinks (best rank-r truncation), the optimiser
 *               state is resized, the run continues;
 *   scaling, alpha
 *               s is recomputed, the factors are kept (X scales), baseline recomputed;
 *   init, init-scale, init-a, init-b (any other "lora" group parameter)
 *               restart from step 0 with a new initialisation seed;
 *   problem, m, n, samples, true-rank, kappa, decay, noise, seed (the "problem" group)
 *               rebuild the problem and the baseline, restart from step 0;
 *   baseline, baseline-iters, baseline-tol (the "baseline" group)
 *               recompute the baseline (the run continues);
 *   ab-samples, ab-radius, lanczos-iters (the "theory" group)
 *               forget the cached α̂, β̂ (the run continues);
 *   any other parameter (the "optim" group) applies from the next step.
 * An invalid value is refused with the message of ls_config_set / ls_config_check and
 * nothing changes. NaN/Inf in the loss or the factors is not an error: the session
 * enters the diverged state (ls_session_diverged, message in the metrics) and further
 * steps do nothing until ls_session_reset or a restarting change.
 *
 * Random streams: the problem is drawn from --seed; the initialisation from a seed
 * derived from --seed and a restart counter (reset reuses it, an init change bumps
 * it); SGD batches and rank growth continue that stream. Same config, same calls:
 * bit-identical metrics. A preset's own shape (loud5 5×5, sense2x2 2×2) bounds --rank:
 * ls_session_create and ls_session_set refuse a rank above min(m_k, n_k). */
#ifndef LORASCOPE_SESSION_H
#define LORASCOPE_SESSION_H

#include <stdbool.h>

#include "lorascope/baseline.h"
#include "lorascope/config.h"
#include "lorascope/flow.h"
#include "lorascope/inputs.h"
#include "lorascope/lora.h"
#include "lorascope/metrics.h"
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
void ls_session_free(ls_session *s);

/* Run up to nsteps optimiser steps, recording the history; stops early (LS_OK) when the
 * run diverges. Afterwards ls_session_metrics describes the current state. */
ls_status ls_session_step(ls_session *s, long nsteps, ls_error *err);
/* Change one parameter by its --name (see the semantics above). A file parameter (--w0,
 * --target, ...) can only be cleared ("") or kept here: a new file comes with its matrix. */
ls_status ls_session_set(ls_session *s, const char *param, const char *value, ls_error *err);
/* Set the file parameter param to the file name value together with M, the matrix loaded
 * from it by the caller (NULL: value is "" or the file the session already holds); the files
 * fix the sizes (ls_config_resolve_inputs, param given), then the run is rebuilt. */
ls_status ls_session_set_file(ls_session *s, const char *param, const char *value, const ls_mat *M,
			      ls_error *err);
/* Back to step 0 with the same initialisation seed (leaves the diverged state). */
ls_status ls_session_reset(ls_session *s, ls_error *err);
/* Perturb every factor by N(0, (scale·rms)²) entries, rms = the factor's RMS entry
 * (or scale itself when the factor is zero), to leave a saddle. The step count goes on. */
ls_status ls_session_kick(ls_session *s, double scale, ls_error *err);
/* Compute the baseline now even when --baseline auto skipped it (large problems). */
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
/* A one-line description of the last change, restart or divergence (for a message line). */
const char *ls_session_event(const ls_session *s);

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
 * seed check) with the cached α̂, β̂ (estimated first when needed). Needs a baseline. */
ls_status ls_session_theory_report(ls_session *s, ls_theory_report *rep, ls_error *err);

/* The gradient-flow curve (flow.h, MATH.md §7) of the run as it stands: ls_flow_curve_init
 * on the session's problem, factors and config. Meaningful right after a restart (step 0,
 * factors as initialised); fc is released first, so it may be reused. */
ls_status ls_session_flow_curve(ls_session *s, ls_flow_curve *fc, ls_error *err);

#endif
