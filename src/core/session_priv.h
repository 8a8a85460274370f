/* session_priv.h — the session's state and the functions its files (session*.c) share,
 * private to src/core (the snapshot code outside it goes through ls_session_state_export /
 * _import). Not a public header. */
#ifndef LORASCOPE_SESSION_PRIV_H
#define LORASCOPE_SESSION_PRIV_H

#include "lorascope/inputs.h"
#include "lorascope/optim.h"
#include "lorascope/session.h"
#include "lorascope/spectrum.h"
#include "lorascope/theory.h"

struct ls_session {
	ls_config cfg;
	ls_inputs in; /* the matrices of the files cfg names (rebuilds and restarts reuse them) */
	ls_problem prob;
	ls_lora lora;
	ls_lora prev; /* the factors before a step whose metrics were not measured (step) */
	ls_optim *opt;
	ls_baseline base;
	bool have_base;
	/* Deferred (ls_session_create_deferred): a baseline is begun, not computed, and
	 * advanced by ls_session_baseline_slice; bws: the one in progress (NULL: none). */
	bool deferred;
	ls_baseline_ws *bws;
	unsigned long base_serial; /* baselines computed so far (kept across rebuilds) */
	ls_spectrum_ws *spec;
	size_t spec_r; /* rank the spectrum workspace was sized for */
	/* ‖X − X*‖ as the norm of [s·A, U*Σ*]·[B, −V*]ᵀ (rank r + r*) from its QR core:
	 * without the cancellation of ‖X‖² − 2⟨X, X*⟩ + ‖X*‖². */
	ls_spectrum_ws *dspec;
	size_t dspec_k; /* r + r* it was sized for */
	double *cat_a, *cat_b;
	/* cur's factor metrics (spectra, norms, distance) belong to lora and base as they stand:
	 * set by each measurement, cleared by every step and every public change. A step call
	 * starts from the state the previous call (or change) ended by measuring, and reuses it. */
	bool measured;
	ls_rng rng;             /* training stream: init, then batches and rank growth */
	unsigned long restarts; /* bumped by an init change: selects the init seed */
	long step;
	bool diverged;
	ls_metrics cur;
	ls_history hist;
	bool keep_hist; /* ls_session_keep_history: step records the history (default) */
	ls_change last; /* the last change, restart, divergence or resume */
	/* The theory cache (theory.h): X* dense for baseline serial xstar_serial, and α̂, β̂
	 * for (ab_serial, ab_r); each valid only while those match the current ones. */
	ls_mat xstar[LS_MAX_MODULES];
	unsigned long xstar_serial; /* 0: none */
	ls_alphabeta ab[LS_MAX_MODULES];
	unsigned long ab_serial; /* 0: none */
	size_t ab_r;
	/* The estimate of ab in progress (sampled in slices), begun for (abws_serial, abws_r),
	 * installed in ab when abws_target samples are drawn; NULL: none. */
	ls_alphabeta_ws *abws;
	unsigned long abws_serial;
	size_t abws_r, abws_target;
};

/* Seed of the theory instruments' own stream (never the training stream). */
#define LS_SESSION_THEORY_SEED 0x7468656f7279ULL

/* Shared by the session's files only (not API): the lifecycle (session.c), measurement
 * (session_measure.c), changes (session_change.c), theory cache (session_theory.c) and
 * state (session_state.c). */

/* session.c: the rank fits every module of p; fresh factors from the init seed (step 0);
 * the whole run replaced by one built from cfg and in (baseline serials go on). */
ls_status ls_session_check_rank(const ls_problem *p, long rank, ls_error *err);
ls_status ls_session_initialise(ls_session *s, ls_error *err);
ls_status ls_session_rebuild(ls_session *s, const ls_config *cfg, const ls_inputs *in,
			     ls_error *err);

/* session_measure.c: workspaces sized for the rank and baseline; divergence; the factor
 * metrics (reused when already measured); the full metrics without stepping. */
ls_status ls_session_size_scratch(ls_session *s, ls_error *err);
bool ls_session_factors_finite(const ls_lora *L);
void ls_session_mark_diverged(ls_session *s, ls_diverged_cause why);
ls_status ls_session_measure_factors(ls_session *s, bool reuse, ls_error *err);
/* session_measure.c: the factors kept before an unmeasured step (and whether they are
 * finite: tested, unless known, then *finite is true), and their metrics measured for a
 * divergence's row. */
ls_status ls_session_keep_factors(ls_session *s, bool known_finite, bool *finite, ls_error *err);
ls_status ls_session_measure_kept(ls_session *s, ls_error *err);
ls_status ls_session_evaluate(ls_session *s, ls_error *err);

/* session_baseline.c: the baseline per --baseline (force: whatever it says), computed now or
 * (deferred) begun; forget the one in progress. */
ls_status ls_session_compute_baseline(ls_session *s, bool force, ls_error *err);
void ls_session_baseline_drop(ls_session *s);

/* session_change.c: a change record of s as it stands. */
ls_change ls_session_change_now(const ls_session *s, ls_change_kind kind);

/* session_theory.c: whether the cached α̂, β̂ are current; forget the estimate in progress;
 * the theory part of the metrics. */
bool ls_session_ab_valid(const ls_session *s);
void ls_session_ab_drop(ls_session *s);
void ls_session_fill_theory(ls_session *s);

#endif
