/* theory.h — what Kim–Kim–Ryu's theorems say about the run in front of you (MATH.md §3–§5).
 *
 * Instruments, all on plain structs the session, summary and TUI can copy:
 *   ls_theory_alphabeta   α̂, β̂ by Monte Carlo as in the paper's Appendix C.2 (MATH.md §4),
 *                         β maximised over rank-1 U, V by Riemannian gradient ascent;
 *   ls_theory_lambda_min  λ_min(∇²g(A, B)) by Lanczos on Hessian–vector products (§5);
 *   ls_theory_verdict     not stationary yet / saddle / global minimum / spurious (fails
 *                         loudly), per Corollary 1 and Theorem 2, with the loss-gap check;
 *   ls_theory_report_compute  every number above for a session's pieces in one call.
 *
 * Honesty about estimates (MATH.md §9): Monte Carlo gives α̂ ≥ α and β̂ ≤ β, so a sampled
 * SPECIAL flag is only an estimate; where the problem knows α, β exactly (alpha_exact,
 * beta_exact not NaN) the exact regime and threshold are reported beside the estimate and
 * the verdict uses them. A spurious verdict from estimates is still sound: σ_r/σ_{r*} > 2α̂/β̂
 * implies σ_r/σ_{r*} > 2α/β. When α ≤ 0 (trace2) Theorem 1 does not apply and the regime is
 * LS_REGIME_NA, never SPECIAL or GENERIC.
 *
 * Wiring into a session: after each baseline, ls_theory_xstar_dense(&baseline, Xs); estimate
 * α̂, β̂ once per (baseline, r) with ls_theory_alphabeta and keep them; each reported step,
 * σ_r/σ_{r*} is ls_theory_ratio of the metrics' spectrum and the threshold 2α̂/β̂ of the
 * cache; for the summary, ls_theory_report_compute(p, L, λ, Xs, &opts, cached, rng, &rep)
 * and print ls_theory_fields(&rep). Give the instruments their own ls_rng (e.g. seeded from
 * the run's seed) so that measuring never changes the training stream. */
#ifndef LORASCOPE_THEORY_H
#define LORASCOPE_THEORY_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/baseline.h"
#include "lorascope/lora.h"
#include "lorascope/mat.h"
#include "lorascope/problem.h"
#include "lorascope/rng.h"
#include "lorascope/status.h"

/* id, name (CSV/JSONL), text (table, screen) */
#define LS_REGIME_LIST(X)                                    \
	X(LS_REGIME_UNKNOWN, "unknown", "not estimated")     \
	X(LS_REGIME_SPECIAL, "special", "SPECIAL (2a > b)")  \
	X(LS_REGIME_GENERIC, "generic", "GENERIC (2a <= b)") \
	X(LS_REGIME_NA, "n/a", "Theorem 1 does not apply (alpha <= 0)")

typedef enum {
#define LS_REGIME_ENUM(id, name, text) id,
	LS_REGIME_LIST(LS_REGIME_ENUM)
#undef LS_REGIME_ENUM
		LS_REGIME_COUNT
} ls_regime;

#define LS_VERDICT_LIST(X)                                                         \
	X(LS_VERDICT_UNKNOWN, "unknown", "not computed")                           \
	X(LS_VERDICT_NOT_STATIONARY, "not-stationary", "not stationary yet")       \
	X(LS_VERDICT_SADDLE, "saddle", "stationary, negative curvature: a saddle") \
	X(LS_VERDICT_GLOBAL, "global", "global minimum")                           \
	X(LS_VERDICT_SPURIOUS, "spurious", "SPURIOUS: fails loudly")               \
	X(LS_VERDICT_NA, "n/a", "second-order stationary; the theorem does not apply")

typedef enum {
#define LS_VERDICT_ENUM(id, name, text) id,
	LS_VERDICT_LIST(LS_VERDICT_ENUM)
#undef LS_VERDICT_ENUM
		LS_VERDICT_COUNT
} ls_verdict;

extern const char *const ls_regime_names[LS_REGIME_COUNT + 1];
extern const char *const ls_regime_text[LS_REGIME_COUNT];
extern const char *const ls_verdict_names[LS_VERDICT_COUNT + 1];
extern const char *const ls_verdict_text[LS_VERDICT_COUNT];

/* Knobs of every instrument; ls_theory_opts_default() documents the defaults. */
typedef struct {
	size_t samples;     /* Monte Carlo samples for α, β (paper: 1000) */
	size_t beta_iters;  /* ascent iterations over the unit vectors of U, V per sample */
	size_t alpha_iters; /* 0: α̂ by pure Monte Carlo as the paper; > 0: then descend the
			     * quotient from each sample on its rank-r factors (still α̂ ≥ α) */
	double D;           /* sampling radius ‖X_i − X*‖_F ≤ D; ≤ 0: auto (see report) */
	size_t lanczos_iters; /* Krylov dimension cap (the full dimension if smaller) */
	double grad_tol;      /* stationary when ‖∇g‖·max(‖θ‖, 1)/scale ≤ grad_tol */
	double hess_tol;      /* second order when λ_min ≥ −hess_tol·max|λ(∇²g)| */
	double gap_tol;       /* "at the floor" when F(X) − F(X*) ≤ gap_tol·max(f(0), F(X*)) */
} ls_theory_opts;

/* samples 1000, beta_iters 30, alpha_iters 0, D auto, lanczos_iters 200, grad_tol 1e-4,
 * hess_tol 1e-3, gap_tol 1e-3. (Ranks are counted by ls_spectrum_rank, spectrum.h.) */
void ls_theory_opts_default(ls_theory_opts *o);

/* α̂, β̂ of one module (MATH.md §4). */
typedef struct {
	double alpha, beta;           /* α̂ = min over samples, β̂ = max over samples */
	size_t samples;               /* samples that entered α̂ and β̂ */
	double alpha_move, beta_move; /* |α̂_N − α̂_{N/2}|, |β̂_N − β̂_{N/2}|: movement over the
				       * last half of the samples */
	double alpha_exact, beta_exact; /* from the problem, NaN when unknown */
	double D;                       /* radius used */
	size_t r;                       /* rank bound of the samples */
} ls_alphabeta;

/* Monte Carlo α̂, β̂ for every module of p about X* (Xstar: p->nmod matrices), Appendix C.2:
 * sample X_i = Π_{rank≤r}(X* + ρE) with E a random rank-k direction (k uniform in 1..r),
 * ρ uniform in (0, D] (halved until ‖X_i − X*‖_F ≤ D), then
 *   α̂ = min_i ⟨∇f(X_i) − ∇f(X*), X_i − X*⟩_k / ‖X_i − X*‖²_k,
 *   β̂ = max_i max_{U, V rank 1, unit} ∇²f(X_i)[UX + XV]_k / ‖UX + XV‖²  (X = X_i^(k)),
 * the inner max by Riemannian gradient ascent over the four unit vectors of U = abᵀ,
 * V = cdᵀ; with o->alpha_iters > 0 each sample's α quotient is also descended locally.
 *
 * The estimator is a workspace, so that a caller can spread it over time (the TUI samples
 * between training batches): alloc, then sample(n) as often as wanted, then result. The
 * samples form one stream whatever the slices: the same rng state, X*, r, D and options
 * give the same result bit for bit for the same total, however it was cut into slices. */
typedef struct ls_alphabeta_ws ls_alphabeta_ws;

/* An estimate about X* (p->nmod matrices; p and Xstar must outlive the workspace) with
 * samples of rank ≤ r (≥ 1) in the ball of radius D (> 0), o->beta_iters and o->alpha_iters
 * per sample (o->samples is not used), drawn from a copy of rng. */
ls_status ls_alphabeta_alloc(ls_alphabeta_ws **ws, ls_problem *p, const ls_mat *Xstar, size_t r,
			     double D, const ls_theory_opts *o, const ls_rng *rng, ls_error *err);
void ls_alphabeta_free(ls_alphabeta_ws *ws);
/* Draw n more samples, merging them into the running α̂ (min) and β̂ (max). After an error
 * the workspace refuses further samples. */
ls_status ls_alphabeta_sample(ls_alphabeta_ws *ws, size_t n, ls_error *err);
/* Samples drawn so far. */
size_t ls_alphabeta_samples(const ls_alphabeta_ws *ws);
/* The estimate over the N samples drawn so far, p->nmod entries: α̂, β̂ (NaN before the
 * first sample; β̂ NaN while no sample had a direction UX + XV), samples = N, the movement
 * against the estimate after N/2 samples (NaN while N < 2), the exact constants, D, r. */
void ls_alphabeta_result(const ls_alphabeta_ws *ws, ls_alphabeta *out);

/* The whole estimate in one call: alloc, sample(o->samples ≥ 1), result into out (p->nmod
 * entries); rng continues after the samples drawn. */
ls_status ls_theory_alphabeta(ls_problem *p, const ls_mat *Xstar, size_t r, double D,
			      const ls_theory_opts *o, ls_rng *rng, ls_alphabeta *out,
			      ls_error *err);

/* The regime of (α, β) (MATH.md §4): NA when α ≤ 0 (whatever β) or β = ∞, UNKNOWN when α or
 * β is NaN, else SPECIAL if 2α > β and GENERIC otherwise. */
ls_regime ls_theory_regime(double alpha, double beta);

/* Lanczos on ∇²g(A, B) (MATH.md §5). */
typedef struct {
	double lmin, lmax; /* extreme Ritz values (lmin ≥ λ_min: an upper estimate) */
	double residual;   /* ‖∇²g·y − lmin·y‖ of the lowest Ritz pair */
	size_t iterations; /* Krylov dimension reached */
	size_t dim;        /* dimension of (A, B) over all modules */
} ls_lanczos;

/* Smallest eigenvalue of the Hessian of g(A, B) = f(X) + λ/2(‖A‖² + ‖B‖²) at L, with
 * X_k = s_k·A_k·B_kᵀ, by Lanczos with full reorthogonalisation, at most iters steps, done
 * once both extreme Ritz pairs have converged (or the Krylov space is invariant), on the
 * product ∇²g[(dA, dB)]_k =
 *   (s·G·dB + s·∇²f(X)[sH]·B + λ·dA,  s·Gᵀ·dA + s·(∇²f(X)[sH])ᵀ·A + λ·dB),
 * G = ∇f(X), H_k = dA·Bᵀ + A·dBᵀ. */
ls_status ls_theory_lambda_min(ls_problem *p, const ls_lora *L, double lambda, size_t iters,
			       ls_rng *rng, ls_lanczos *out, ls_error *err);

/* The dense Hessian of g (dim×dim) through the same product, column by column; order of
 * the unknowns: for each module k, vec(A_k) then vec(B_k) (column-major). */
ls_status ls_theory_hessian_g(ls_problem *p, const ls_lora *L, double lambda, ls_mat *Hg,
			      ls_error *err);

/* How far a theory readout can be trusted (MATH.md §9): EXACT from the problem's closed
 * form; CERTAIN decided by rigorous bounds (the outer bounds below, or a sampled GENERIC:
 * 2α ≤ 2α̂ ≤ β̂ ≤ β since α̂ ≥ α and β̂ ≤ β); ESTIMATED from samples (an inner bound);
 * NONE when there is nothing to qualify. */
#define LS_CERTAINTY_LIST(X)               \
	X(LS_CERTAINTY_NONE, "")           \
	X(LS_CERTAINTY_EXACT, "exact")     \
	X(LS_CERTAINTY_CERTAIN, "certain") \
	X(LS_CERTAINTY_ESTIMATED, "estimated")

typedef enum {
#define LS_CERTAINTY_ENUM(id, name) id,
	LS_CERTAINTY_LIST(LS_CERTAINTY_ENUM)
#undef LS_CERTAINTY_ENUM
		LS_CERTAINTY_COUNT
} ls_certainty;

extern const char *const ls_certainty_names[LS_CERTAINTY_COUNT];

/* Largest m·n of a module whose ∇²f is assembled densely for the outer bounds. */
#define LS_THEORY_OUTER_MAX_DIM 400

/* Rigorous outer bounds λ_min(∇²f_kk) ≤ α_k, β_k ≤ λ_max(∇²f_kk) of module k at X (p->nmod
 * matrices): the extreme eigenvalues of the dense block of ∇²f assembled from Hessian–vector
 * products. NaN (LS_OK) unless p's type is quadratic and m_k·n_k ≤ LS_THEORY_OUTER_MAX_DIM. */
ls_status ls_theory_outer_bounds(ls_problem *p, const ls_mat *X, size_t k, double *lmin,
				 double *lmax, ls_error *err);

/* Everything about one module. */
typedef struct {
	ls_alphabeta ab;
	ls_regime regime;              /* from α̂, β̂ (estimated) */
	ls_regime regime_exact;        /* from the exact values, LS_REGIME_UNKNOWN when not known */
	double threshold;              /* 2α̂/β̂ */
	double threshold_exact;        /* 2α/β, NaN when not known */
	double hess_lmin, hess_lmax;   /* outer bounds of α, β (ls_theory_outer_bounds), or NaN */
	ls_regime regime_used;         /* the regime the verdict uses: exact, else by the bounds,
					* else estimated */
	ls_certainty regime_status;    /* of regime_used */
	ls_certainty threshold_status; /* of the threshold the verdict uses */
	size_t rstar;                  /* rank of X*_k as the paper counts it (ls_spectrum_rank) */
	size_t rank;                   /* numerical rank of X_k (ls_spectrum_rank) */
	double sigma_r, sigma_rstar;   /* σ_r(X_k), σ_{r*}(X_k) */
	double ratio;                  /* σ_r/σ_{r*}, NaN when r* = 0 */
	double norm_x, norm_xstar, dist; /* ‖X‖_F, ‖X*‖_F, ‖X − X*‖_F */
	double nuc_x, nuc_xstar;         /* ‖X‖_*, ‖X*‖_* */
	double bound;       /* Corollary 1 lower bound on ‖X‖_F, NaN unless ratio > thr */
	bool bound_holds;   /* ‖X‖_F ≥ bound (a theorem: false would be a bug) */
	ls_verdict verdict; /* this module by Corollary 1 (Theorem 2: the run is spurious
			     * when any module is) */
} ls_theory_module;

typedef struct {
	size_t nmod, r;
	double lambda;
	ls_theory_module mod[LS_MAX_MODULES];
	double f0;                  /* f(0) */
	double loss, reg_loss;      /* f(X), g(A, B) */
	double full_loss;           /* F(X) = f(X) + Σ λ/s_k ‖X_k‖_* */
	double floor;               /* F(X*) (the baseline's loss floor) */
	double gap;                 /* F(X) − F(X*) */
	bool convex;                /* the gap comparison applies */
	double grad_norm, grad_rel; /* ‖∇g‖ and the relative measure compared with grad_tol */
	bool stationary;
	ls_lanczos lz;
	double hess_tol_abs;       /* hess_tol·max|λ(∇²g)| */
	bool second_order;         /* λ_min ≥ −hess_tol_abs */
	double seed_lhs, seed_rhs; /* Σ_k ‖X*_k‖_* / s_k and f(0)/λ (§3.4); rhs = ∞ for λ = 0 */
	bool seed_holds;
	ls_verdict verdict;
	bool exact_used;    /* the verdict used exact α, β */
	bool contradiction; /* verdict and loss gap disagree (convex f): a bug */
	char note[192];     /* why: which rule decided, or why the theorem does not apply */
} ls_theory_report;

/* σ_r/σ_{r*} from a descending spectrum with k entries holding every nonzero one (NaN if
 * r* = 0 or r* > k); 0 when σ_r is at or below the rank tolerance (r > ls_spectrum_rank). */
double ls_theory_ratio(const double *sigma, size_t k, size_t r, size_t rstar);
/* The Corollary 1 bound √(Σ_{s=r*+1}^{r} σ_s² / (1 − t·σ_{r*}/σ_r)) − ‖X*‖_F for threshold
 * t = 2α/β; NaN when σ_r/σ_{r*} ≤ t (the bound needs the spurious side). */
double ls_theory_cor1_bound(const double *sigma, size_t r, size_t rstar, double t,
			    double norm_xstar);

/* Decide rep->verdict, exact_used, contradiction and note from the numbers already in rep
 * (Corollary 1 / Theorem 2, MATH.md §5). Pure: tests feed it synthetic reports. */
void ls_theory_verdict(ls_theory_report *rep, const ls_theory_opts *o);

/* One call for the session: every field of rep at the state L with weight decay λ, given the
 * baseline's X* (p->nmod dense matrices). ab: α̂, β̂ already estimated for this X*, r (the
 * session caches them; pass NULL to estimate now with o->samples). D ≤ 0 in o means
 * D = max(1, 2‖X*‖_F, 1.25‖X − X*‖_F) so the current point lies inside the sampled ball. */
ls_status ls_theory_report_compute(ls_problem *p, const ls_lora *L, double lambda,
				   const ls_mat *Xstar, const ls_theory_opts *o,
				   const ls_alphabeta *ab, ls_rng *rng, ls_theory_report *rep,
				   ls_error *err);

/* One entry of the theory part of a run summary: a number or a text. */
typedef struct {
	char name[32]; /* "alpha"; with several modules "alpha_0", "alpha_1", ... */
	bool is_text;
	double value;     /* NaN when unknown (JSON null) */
	const char *text; /* a static name or rep->note: valid while rep lives */
} ls_theory_field;

#define LS_THEORY_MAX_FIELDS (16 + 25 * LS_MAX_MODULES)

/* The summary entries of rep in print order (at most cap, returns how many), for
 * `lorascope run`'s table, CSV and JSONL: verdict, lambda_min, lanczos_residual,
 * lanczos_iters, grad_rel, stationary, second_order, gap, contradiction, seed_lhs, seed_rhs,
 * seed_check, note; then per module alpha, alpha_exact, beta, beta_exact, hessf_lmin,
 * hessf_lmax, ab_samples, alpha_moved, beta_moved, D, regime, regime_exact, regime_used,
 * regime_status, threshold, threshold_exact, threshold_status, rstar, ratio,
 * sigma_r, sigma_rstar, norm_x, norm_xstar, cor1_bound, module_verdict. */
size_t ls_theory_fields(const ls_theory_report *rep, ls_theory_field *f, size_t cap);

/* Dense X*_k = U*·diag(σ*)·V*ᵀ of every module of the baseline into Xstar[0..b->nmod-1]
 * (allocated here, the caller frees each with ls_mat_free): the X* argument above. */
ls_status ls_theory_xstar_dense(const ls_baseline *b, ls_mat *Xstar, ls_error *err);

#endif
