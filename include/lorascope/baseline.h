/* baseline.h — full fine-tuning: the minimiser X* of F(X) = f(X) + (λ/s)‖X‖_* (MATH.md §3).
 *
 * Proximal gradient on the dense problem, X ← SVT_{ηλ/s}(X − η∇f(X)) with η = 1/L,
 * SVT_τ(Y) = U·max(Σ − τ, 0)·Vᵀ by a LAPACK SVD, accelerated (FISTA extrapolation with
 * gradient restarts: the same fixed point), from X = 0 until the relative change
 * ‖X_{k+1} − X_k‖_F / max(‖X_{k+1}‖_F, tiny) falls below tol or the iteration cap.
 * For a convex f (p->type->convex) a converged X* is the global minimiser; for a
 * non-convex one it is still the full fine-tuning result but not certified.
 * X* is kept in factored form U*·diag(σ*)·V*ᵀ (only the nonzero part) so metrics
 * can use it without m×n products per step. λ = 0 is plain gradient descent on X. */
#ifndef LORASCOPE_BASELINE_H
#define LORASCOPE_BASELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/mat.h"
#include "lorascope/problem.h"
#include "lorascope/status.h"

/* When the session computes the baseline (config parameter --baseline). */
#define LS_BASELINE_MODE_LIST(X)                                                          \
	X(LS_BASELINE_AUTO, "auto",                                                       \
	  "skipped above m*n*min(m,n) = 512^3; iterations capped at 2^30/(m*n*min(m,n))") \
	X(LS_BASELINE_ON, "on", "up to --baseline-iters iterations (an m x n SVD each)")  \
	X(LS_BASELINE_OFF, "off", "never computed")

typedef enum {
#define LS_BASELINE_MODE_ENUM(id, name, help) id,
	LS_BASELINE_MODE_LIST(LS_BASELINE_MODE_ENUM)
#undef LS_BASELINE_MODE_ENUM
		LS_BASELINE_MODE_COUNT
} ls_baseline_mode;

extern const char *const ls_baseline_mode_names[LS_BASELINE_MODE_COUNT + 1];

/* The auto mode keeps the start responsive: it skips the baseline when one SVD costs
 * more than LS_BASELINE_AUTO_WORK (m·n·min(m, n), 512³ ≈ 0.1 s), and caps the iterations
 * at LS_BASELINE_AUTO_BUDGET / (m·n·min(m, n)) (about a second or two in all); a capped
 * run is reported as not converged. */
#define LS_BASELINE_AUTO_WORK ((double)(1UL << 27))
#define LS_BASELINE_AUTO_BUDGET ((double)(1UL << 30))

typedef struct {
	size_t m, n;
	size_t rstar;  /* numerical rank of X*_k (MATH.md §3) */
	ls_mat U;      /* m×rstar left singular vectors */
	ls_mat V;      /* n×rstar right singular vectors */
	double *sigma; /* rstar singular values, descending */
	double nuc;    /* ‖X*_k‖_* */
	double fro;    /* ‖X*_k‖_F */
} ls_baseline_module;

typedef struct {
	size_t nmod;
	ls_baseline_module mod[LS_MAX_MODULES];
	double lambda_eff; /* λ/s, the nuclear-norm weight used */
	size_t rstar;      /* max over modules of r*_k */
	double f_star;     /* f(X*) */
	double floor;      /* f(X*) + (λ/s)·‖X*‖_* */
	double nuc;        /* Σ_k ‖X*_k‖_* */
	double fro;        /* sqrt(Σ_k ‖X*_k‖_F²) */
	double f0;         /* f(0) */
	bool seed_check;   /* §3.4: ‖X*‖_* < f(0)/(λ/s) (true when λ = 0 is not checked) */
	bool converged;    /* the relative change fell below tol */
	bool certified;    /* converged and f convex: X* is the global minimiser of F */
	long iters;        /* iterations run */
	double rel_change; /* last relative change */
	unsigned long serial; /* set by the session: changes whenever X* is recomputed (a λ,
			       * scaling or problem change), so views can tell a new baseline */
} ls_baseline;

/* Run the proximal gradient on p with weight lambda_eff = λ/s for at most iters
 * iterations (tol on the relative change). b must be zeroed or previously freed. */
ls_status ls_baseline_compute(ls_baseline *b, ls_problem *p, double lambda_eff, long iters,
			      double tol, ls_error *err);
void ls_baseline_free(ls_baseline *b);

/* The same computation in slices (the TUI draws it between training batches): begin it
 * (the scratch only: L and f(0) come with the first slice; p must outlive the workspace
 * and not change meanwhile), run up to
 * n more iterations at a time (*done: converged or the cap reached), then finish: *b gets
 * exactly what ls_baseline_compute gives with the same arguments, bit for bit, however the
 * iterations were sliced. The progress is in [0, 1]: the larger of the iterations over the
 * cap and the relative change's way from its first value down to tol on a log scale, never
 * going back, 1 when done. After an error the workspace can only be freed. */
typedef struct ls_baseline_ws ls_baseline_ws;
ls_status ls_baseline_begin(ls_baseline_ws **ws, ls_problem *p, double lambda_eff, long iters,
			    double tol, ls_error *err);
ls_status ls_baseline_iterate(ls_baseline_ws *ws, long n, bool *done, ls_error *err);
double ls_baseline_progress(const ls_baseline_ws *ws);
long ls_baseline_iters_done(const ls_baseline_ws *ws);
ls_status ls_baseline_finish(ls_baseline_ws *ws, ls_baseline *b, ls_error *err);
void ls_baseline_ws_free(ls_baseline_ws *ws);
/* ⟨X_k, X*_k⟩ for X_k = s·A·Bᵀ, as s·tr((U*ᵀA)(BᵀV*)Σ*) without forming X_k.
 * scratch must hold 2·r·rstar doubles. */
double ls_baseline_inner(const ls_baseline *b, size_t k, const ls_mat *A, const ls_mat *B, double s,
			 double *scratch);

#endif
