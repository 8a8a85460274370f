/* metrics.h — every per-step number of a run, and the history the views plot.
 *
 * ls_metrics describes one state of the LoRA factors (step t): the losses and
 * gradient norm from the optimiser (at V_t, before the step), the singular values
 * of each module's X_k = s_k·A_k·B_kᵀ computed the cheap way (MATH.md §8), the
 * numerical rank as the paper counts it (ls_spectrum_rank, MATH.md §3),
 * norms, the distance to the baseline's X* and the balancedness of the factors.
 * Multi-module problems fill mod[0 .. nmod-1]; the top-level norms are totals.
 *
 * ls_history keeps a bounded series for plots and traces: at most LS_HISTORY_MAX
 * points; when full it keeps every other point and doubles its stride. The factor series
 * are on a coarser cadence (LS_HISTORY_FACTOR_SERIES).
 *
 * Both structs own heap arrays: ls_metrics_copy / ls_history_copy make deep copies
 * (reusing the destination's storage), which is how a worker thread publishes them
 * to a drawing thread. Zero-initialised structs are valid empty values. */
#ifndef LORASCOPE_METRICS_H
#define LORASCOPE_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/problem.h"
#include "lorascope/status.h"
#include "lorascope/theory.h"

/* Most points an ls_history holds before it decimates. */
#define LS_HISTORY_MAX 8192
/* The factor series' cadence (ls_history_wants_factors): LS_HISTORY_FACTOR_DENSE points an
 * octave of steps, what the plots show (their step axis is logarithmic once the steps span
 * 100×: ls_steps_scale), and at most one point in LS_HISTORY_FACTOR_EVERY, so that a full
 * history still has LS_HISTORY_MAX / LS_HISTORY_FACTOR_EVERY of them for a linear axis (128:
 * about the braille dots across the ratio panel of a 160-column terminal). */
#define LS_HISTORY_FACTOR_EVERY 64
#define LS_HISTORY_FACTOR_DENSE 16
/* LS_HISTORY_MAX as text, for help strings. */
#define LS_HISTORY_MAX_TEXT LS_HISTORY_TEXT_(LS_HISTORY_MAX)
/* The factor series' cadence in words, for help strings. */
#define LS_HISTORY_FACTOR_TEXT                                                     \
	"every step at first, then " LS_HISTORY_DENSE_TEXT " points an octave of " \
	"steps, at most one point in " LS_HISTORY_EVERY_TEXT
#define LS_HISTORY_DENSE_TEXT LS_HISTORY_TEXT_(LS_HISTORY_FACTOR_DENSE)
#define LS_HISTORY_EVERY_TEXT LS_HISTORY_TEXT_(LS_HISTORY_FACTOR_EVERY)
#define LS_HISTORY_TEXT_(n) LS_HISTORY_TEXT__(n)
#define LS_HISTORY_TEXT__(n) #n
#define LS_METRICS_MSG_MAX 256

typedef struct {
	size_t m, n;   /* shape of X_k */
	double s;      /* scaling s_k */
	size_t nsigma; /* min(r, m, n) values in sigma */
	double *sigma; /* singular values of X_k, descending (heap, capacity sigma_cap) */
	size_t sigma_cap;
	size_t num_rank;    /* ls_spectrum_rank of sigma: #{i : σ_i/‖X_k‖_F > LS_RANK_TOL} */
	double norm_fro;    /* ‖X_k‖_F */
	double norm_nuc;    /* ‖X_k‖_* = Σσ_i */
	double norm_a;      /* ‖A_k‖_F */
	double norm_b;      /* ‖B_k‖_F */
	double balance;     /* ‖A_kᵀA_k − B_kᵀB_k‖_F */
	double dist_star;   /* ‖X_k − X*_k‖_F (NAN without a baseline) */
	double sigma_r;     /* σ_r(X_k) (0 when r > min(m, n)) */
	double sigma_rstar; /* σ_{r*}(X_k), r* of this module's X* (NAN without a baseline) */
	double ratio;       /* σ_r/σ_{r*} (NAN when undefined) */
	/* Kim–Kim–Ryu constants (MATH.md §4) from the session's cache for the current baseline
	 * and rank (ls_session_alphabeta): NAN / LS_REGIME_UNKNOWN until estimated. */
	double alpha_hat, beta_hat; /* Monte Carlo α̂ ≥ α, β̂ ≤ β */
	size_t ab_samples;          /* samples behind them (0: not estimated) */
	double threshold;           /* 2α̂/β̂ */
	double alpha_exact, beta_exact, threshold_exact; /* from the problem, NAN when unknown */
	ls_regime regime;                                /* of α̂, β̂ (an estimate) */
	ls_regime regime_exact; /* of the exact α, β (LS_REGIME_UNKNOWN when not known) */
} ls_module_metrics;

typedef struct {
	long step;        /* the state after `step` steps */
	double loss;      /* f(X) */
	double reg_loss;  /* g(A, B) = f + λ/2 (‖A‖² + ‖B‖²) */
	double grad_norm; /* ‖∇g(A, B)‖ */
	double eta;       /* step size used from this state (adaptive for mk); NAN before */
	bool mk_checked;  /* Mu–Klabjan descent inequality evaluated (MATH.md §6) */
	bool mk_holds;
	double mk_lhs, mk_rhs;
	size_t r;             /* LoRA rank */
	size_t rstar;         /* r* of the baseline (max over modules; 0 without one) */
	size_t num_rank;      /* numerical rank (max over modules) */
	double norm_fro;      /* sqrt(Σ_k ‖X_k‖_F²) */
	double norm_nuc;      /* Σ_k ‖X_k‖_* */
	double dist_star;     /* sqrt(Σ_k ‖X_k − X*_k‖_F²) (NAN without a baseline) */
	double balance;       /* sqrt(Σ_k ‖A_kᵀA_k − B_kᵀB_k‖_F²) */
	double ratio;         /* σ_r/σ_{r*} of module 0 (NAN when undefined) */
	double steps_per_sec; /* measured over the last ls_session_step call (0 if unknown) */
	bool diverged;        /* NaN/Inf in the loss or the factors */
	char message[LS_METRICS_MSG_MAX]; /* why it diverged, else empty */
	size_t nmod;
	ls_module_metrics mod[LS_MAX_MODULES];
	long mk_checks;   /* steps since step 0 where the Mu–Klabjan inequality was evaluated */
	long mk_failures; /* ... and where it failed */
	/* The threshold σ_r/σ_{r*} is compared with (Corollary 1) for module 0, as the verdict
	 * uses it: 2α/β when the problem knows α, β exactly, else 2α̂/β̂; NAN when neither. */
	double threshold;
} ls_metrics;

/* The series an ls_history records besides the steps, in two lists: X(field, npy_col).
 * field names the ls_metrics member recorded, the ls_history array and (as a string) the
 * trace column; the lists' order is the column order of a history trace
 * (ls_trace_save_history, after "step"). npy_col is the series' column in a snapshot's
 * history.npy (column 0 holds the steps): a file format, so it never changes.
 *
 * The step series come from the optimiser and cost nothing to keep: every point has them.
 * The factor series need the factors measured (the spectrum, ‖X − X*‖), so the session
 * measures them only at the points ls_history_wants_factors picks, about as many as a plot
 * shows (LS_HISTORY_FACTOR_EVERY); elsewhere they are NaN. */
#define LS_HISTORY_STEP_SERIES(X) \
	X(loss, 1)                \
	X(reg_loss, 2)            \
	X(grad_norm, 3)           \
	X(eta, 6)
#define LS_HISTORY_FACTOR_SERIES(X) \
	X(ratio, 4)                 \
	X(threshold, 8)             \
	X(norm_fro, 7)              \
	X(dist_star, 5)
#define LS_HISTORY_SERIES(X) LS_HISTORY_STEP_SERIES(X) LS_HISTORY_FACTOR_SERIES(X)
/* How many series LS_HISTORY_SERIES lists, and of them LS_HISTORY_FACTOR_SERIES. */
enum {
#define LS_HISTORY_ONE(f, npy_col) +1
	LS_HISTORY_NSERIES = 0 LS_HISTORY_SERIES(LS_HISTORY_ONE),
	LS_HISTORY_NFACTOR = 0 LS_HISTORY_FACTOR_SERIES(LS_HISTORY_ONE)
#undef LS_HISTORY_ONE
};

typedef struct {
	size_t len, cap; /* points stored, capacity of every array */
	long stride;     /* a point is kept every `stride` steps */
	long *step;
#define LS_HISTORY_FIELD(f, npy_col) double *f;
	LS_HISTORY_SERIES(LS_HISTORY_FIELD)
#undef LS_HISTORY_FIELD
} ls_history;

/* Release the arrays of m (the struct is left zeroed and reusable). */
void ls_metrics_free(ls_metrics *m);
/* Deep copy: dst := src, growing dst's arrays when needed. */
ls_status ls_metrics_copy(ls_metrics *dst, const ls_metrics *src, ls_error *err);
/* Make sure module k can hold n singular values (used by the session). */
ls_status ls_metrics_reserve(ls_metrics *m, size_t k, size_t n, ls_error *err);

/* An empty history with stride 1. */
void ls_history_init(ls_history *h);
void ls_history_free(ls_history *h);
/* Forget every point (after a restart); stride goes back to 1. */
void ls_history_clear(ls_history *h);
/* Whether ls_history_push would record a point at step. */
bool ls_history_wants(const ls_history *h, long step);
/* Whether the point at step should carry the factor series: a point, on the factor
 * cadence counted in points (step / stride): every one of the first 2·LS_HISTORY_FACTOR_DENSE,
 * then LS_HISTORY_FACTOR_DENSE an octave (what a log axis shows), at most every
 * LS_HISTORY_FACTOR_EVERY-th. */
bool ls_history_wants_factors(const ls_history *h, long step);
/* Record m if m->step is a multiple of the stride (decimating when full): its step series,
 * and its factor series when factors says they were measured for this step (else NaN). */
ls_status ls_history_push(ls_history *h, const ls_metrics *m, bool factors, ls_error *err);
/* Whether point i carries the factor series: any of them not NaN (a measured point has a
 * finite ‖X‖_F; a replayed trace may lack some columns). */
bool ls_history_has_factors(const ls_history *h, size_t i);
/* Deep copy: dst := src. */
ls_status ls_history_copy(ls_history *dst, const ls_history *src, ls_error *err);

#endif
