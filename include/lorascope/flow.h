/* flow.h — closed forms of the LoRA gradient flow (MATH.md §7, §9; Rushka–Klabjan §2.2–2.3).
 *
 * The flow is dA/dt = −∇_A g, dB/dt = −∇_B g with λ = 0 (the closed forms have no weight
 * decay). Scaling: with X = s·A·Bᵀ, the factors √s·A, √s·B follow the s = 1 flow in the
 * time τ = s·t, so every function takes the LoRA scaling s and the initial factor in our
 * units; the TUI evaluates them at t = η·step (discrete GD tracks them with an O(η) gap).
 * Letters: Rushka–Klabjan write W = Y·X with Y n×r (their B, zero at the start) and
 * X r×n (their A, random): by shape their Y is our A and their X is our Bᵀ. */
#ifndef LORASCOPE_FLOW_H
#define LORASCOPE_FLOW_H

#include <stddef.h>

#include "lorascope/lora.h"
#include "lorascope/mat.h"
#include "lorascope/problem.h"
#include "lorascope/status.h"

struct ls_config;

/* u(t) = x(t)·y(t) for the scalar flow x' = (σ − xy)·y, y' = (σ − xy)·x, σ ≥ 0 (MATH.md §9):
 * with c = x0² − y0², w = (x + y)², R = √(4σ² + c²),
 *     w(t) = 2σ + R·tanh(R·t/2 + artanh((w0 − 2σ)/R)),   u = (w² − c²)/(4w)
 * when |w0 − 2σ| < R (true for the LoRA start y0 = 0, x0 ≠ 0, σ > 0), and with coth and
 * arcoth in place of tanh and artanh when w0 − 2σ > R (a start beyond the limit). A
 * stationary start (σ = 0 with x0·y0 = 0, or x0 = y0 = 0) gives x0·y0; x0 + y0 = 0 with
 * x0 ≠ 0, or σ < 0, gives NAN. */
double ls_flow_scalar_product(double sigma, double x0, double y0, double t);

/* f(t) of approx, f = ½‖M − X‖², from the spectral initialisation A = x0·U_r, B = 0 with
 * scaling s (init.h; x0 = init-scale), λ = 0. sv[0..k-1] are M's singular values,
 * descending. Each of the first min(r, k) directions follows the scalar flow (σ_i, √s·x0, 0)
 * at time s·t (Rushka–Klabjan eqs. 46–50), so
 *     f(t) = ½ Σ_{i<r} (σ_i − u_i(s·t))² + ½ Σ_{i≥r} σ_i². */
double ls_flow_approx_loss(const double *sv, size_t k, size_t r, double x0, double s, double t);
/* The t → ∞ limit ½ Σ_{i≥r} σ_i²: half of Rushka–Klabjan eq. (53) (Eckart–Young–Mirsky),
 * the half because our f carries ½. */
double ls_flow_approx_limit(const double *sv, size_t k, size_t r);

/* a(t) = Tr(W0 − X(t)) of trace2, f = ½Tr²(W0 − X), when one factor starts at 0 and the
 * other, F0, is nonzero (PEFT-style B0 random, A0 = 0 is their setting; the zero-init
 * A0 random, B0 = 0 is its transpose and has the same a(t)). c = Tr(W0) (for the trace2
 * problem c = −Tr(∇f(0))/n); f0sq = ‖F0‖_F²; s the scaling. Rushka–Klabjan eq. (313) with
 * their ‖X0‖² = s·f0sq, time s·t:
 *     a = sgn(c)·κ1 / (2‖X0‖²·sinh(√κ1·(τ + κ2)) + 4|c|),  κ1 = ‖X0‖⁴ + 4c²,
 *     κ2 = arsinh(‖X0‖²/(2|c|))/√κ1.
 * c = 0 gives 0 and f0sq = 0 gives c (stationary starts, their eqs. 24–25). */
double ls_flow_trace2_a(double c, double f0sq, double s, double t);
/* ½·a(t)²: the loss curve of trace2 under the flow. */
double ls_flow_trace2_loss(double c, double f0sq, double s, double t);
/* The limit of X(t) (eq. 32, their YX → Tr(W0)/‖X0‖²·X0ᵀX0): X∞ = c/‖F0‖²·F0·F0ᵀ,
 * independent of s. F0 is n×r, X n×n. LS_EDIM on shapes, LS_EINVAL if F0 = 0. */
ls_status ls_flow_trace2_limit(const ls_mat *F0, double c, ls_mat *X);
/* Relative error of X∞ to the full-rank flow limit (c/n)·I (eq. 33):
 *     √(n‖F0ᵀF0‖_F² − ‖F0‖_F⁴)/‖F0‖_F²   (scale-free; n = rows of F0). NAN if F0 = 0. */
double ls_flow_trace2_rel_error(const ls_mat *F0);
/* E[(eq. 33)²] = (n² + n − 2)/(n·r + 2) for F0 with i.i.d. centred Gaussian entries (eq. 34). */
double ls_flow_trace2_expected_rel_error2(size_t n, size_t r);

/* The gradient-flow curve of a run, for the loss plot (SPEC §3): which closed form applies
 * to a run that starts from L (just initialised by cfg->init on p), and its parameters. */
typedef enum { LS_FLOW_NONE, LS_FLOW_APPROX, LS_FLOW_TRACE2 } ls_flow_kind;

typedef struct {
	ls_flow_kind kind;
	const char *why; /* LS_FLOW_NONE: why no closed form applies (static text) */
	double *sv;      /* approx: singular values of −∇f(0) = M, descending (owned) */
	size_t k, r;     /* approx: count of sv, LoRA rank */
	double x0;       /* approx: the spectral init scale */
	double c, f0sq;  /* trace2: Tr(W0) and ‖F0‖² of the nonzero factor */
	double s;        /* LoRA scaling */
} ls_flow_curve;

/* Fill fc for the run (p, L, cfg). A closed form applies when λ = 0, the optimiser is gd,
 * sgd or mk (gradient descent: the curve is then at t = Σ of the step sizes, η·step for a
 * fixed step; sequential updates have the same flow, Rushka–Klabjan Thm 2.4, at
 * t = η·inner_k·step since each step updates each factor inner_k times), and either
 * p is approx with cfg->init spectral and B = 0, or p is trace2 with exactly one factor
 * zero. Otherwise kind = LS_FLOW_NONE and why says which condition failed. approx costs one
 * m×n SVD here (once per run). Errors only from the problem or memory. */
ls_status ls_flow_curve_init(ls_flow_curve *fc, ls_problem *p, const ls_lora *L,
			     const struct ls_config *cfg, ls_error *err);
/* f at flow time t (NAN for LS_FLOW_NONE). */
double ls_flow_curve_loss(const ls_flow_curve *fc, double t);
/* Release fc's storage; fc becomes LS_FLOW_NONE. */
void ls_flow_curve_free(ls_flow_curve *fc);

#endif
