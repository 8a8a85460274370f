/* optim.h — one training step of the LoRA factors (MATH.md §2, §6, §7).
 *
 * g(A, B) = f(s·A·Bᵀ) + λ/2·(‖A‖_F² + ‖B‖_F²), summed over modules.
 * ∇_A g = s·∇f(X)·B + λA,  ∇_B g = s·∇f(X)ᵀ·A + λB.
 * Optimisers (LS_OPTIM_LIST), with G = ∇g and step η = cfg->lr:
 *   gd        θ ← θ − η·G (full batch);
 *   sgd       the same on a mini-batch of cfg->batch samples drawn without replacement
 *             from the rng (one batch per call; full batch when the problem has no
 *             samples or batch ≥ samples);
 *   momentum  heavy ball: v ← β·v + G, θ ← θ − η·v (β = cfg->momentum);
 *   adam      G includes λθ; m, v moments with bias correction, θ ← θ − η·m̂/(√v̂ + ε);
 *   adamw     moments of ∇f-part only, θ ← θ − η·(m̂/(√v̂ + ε) + λθ): decoupled decay,
 *             not gradient descent on g (MATH.md §2);
 *   mk        Mu–Klabjan (MATH.md §6, their Lemma 2 / Theorem 3) with V = [A; B] over all
 *             modules (their W = BA: their B is our A, their Aᵀ our B), always a
 *             simultaneous update (the step their theorem analyses; μ and k are not used).
 * Mu–Klabjan with scaling and weight decay. Their J(V) = 𝓛(BA) has no s and no λ. We
 * descend g: 𝓛(W) := f(s·W) has gradient s·∇f(sW) and Lipschitz constant s²·L_f, and
 * λ/2‖V‖² = λ/2·Tr(VVᵀ) is linear in VVᵀ, so it adds λt‖d‖ to their gradient-difference
 * bound and λ‖V‖ to their (19): every step of their Lemmas 1–2 goes through with
 * ‖∇𝓛‖ replaced by ‖∇𝓛‖ + λ/2. Hence
 *     η_t = min{ 1 / (5√2·L·(‖V_t‖² + s‖∇f(X_t)‖_F + λ/2)), 1 },  L = max(1, s²·L_f)
 * (L ≥ 1 is their Assumption 1; L_f = p->type->lipschitz(p); with several modules s is
 * the largest s_k and s‖∇f‖ is ‖(s_k∇_k f)_k‖), and the inequality checked after the step is
 *     g(V_{t+1}) ≤ g(V_t) − (η_t/5)·‖∇g(V_t)‖²      (reported in ls_step_info),
 * i.e. J = g, the objective being descended; for s = 1, λ = 0 it is exactly theirs.
 * ‖∇f(X_t)‖_F comes from the problem's grad_dense on the formed X (mk only).
 * Sequential updates (Rushka–Klabjan Algorithm 1 / eqs. (4)–(5), MATH.md §7), used when
 * cfg->mu < 1 or cfg->inner_k > 1 (every optimiser but mk): their W = BA puts their B
 * (n×r, left) on our A and their A on our Bᵀ, so one step is: k updates of our A with B
 * fixed, then A* = μ·A_start + (1 − μ)·A_new, then k updates of our B against A*.
 * (Their listing's line 10 mixes with the previous B*; eq. (5) mixes with the iterate at
 * the start of the iteration, which is what we do: μ = 1, k = 1 is the simultaneous step.)
 *
 * The optimiser state (moments, step counts) lives in ls_optim so snapshots can save
 * it; all scratch is allocated in ls_optim_alloc, except the two dense m×n buffers of
 * mk, allocated on the first mk step and kept. Nothing is allocated per step. */
#ifndef LORASCOPE_OPTIM_H
#define LORASCOPE_OPTIM_H

#include <stdbool.h>

#include "lorascope/config.h"
#include "lorascope/lora.h"
#include "lorascope/optim_kinds.h"
#include "lorascope/problem.h"
#include "lorascope/rng.h"

/* What one step measured, at the point the step started from (V_t). */
typedef struct {
	double loss;      /* f(X_t) on all samples */
	double reg_loss;  /* g(A_t, B_t) */
	double grad_norm; /* ‖∇g(A_t, B_t)‖ over all factors (of the mini-batch for sgd) */
	size_t batch;     /* samples in the gradient: 0 = all (full batch) */
	double eta;       /* step size used (the adaptive one for mk) */
	bool mk_checked;  /* the Mu–Klabjan inequality was evaluated this step */
	bool mk_holds;    /* mk_lhs ≤ mk_rhs up to a rounding allowance 1e-12·max(1, |g(V_t)|) */
	double mk_lhs, mk_rhs; /* g(V_{t+1}) and g(V_t) − (η_t/5)‖∇g(V_t)‖² */
	bool exact; /* reg_loss and grad_norm exact (else within rounding: ls_optim_set_lean) */
} ls_step_info;

/* Step counters (saved in snapshots with the moments). */
typedef struct {
	long t;      /* completed ls_optim_step calls */
	long ta, tb; /* updates applied to A and to B (Adam bias correction) */
} ls_optim_counts;

typedef struct ls_optim ls_optim;

/* Allocate the optimiser (zero moments) for the shapes of L and the samples of p
 * (call again after a rank change). */
ls_status ls_optim_alloc(ls_optim **o, const ls_lora *L, const ls_problem *p, ls_error *err);
void ls_optim_free(ls_optim *o);
/* Forget moments and the step counters (after init, optimiser or rank change). */
void ls_optim_reset(ls_optim *o);
/* One step of cfg->optimizer with cfg->lr, cfg->lambda, ... on L (see above). A
 * non-finite loss or parameter is not an error: info->loss or the factors become NaN/Inf
 * and the caller (the session) reports divergence. Errors: shapes of L differ from the
 * allocation (LS_EDIM), a problem failure, mk on a problem without a Lipschitz constant.
 * A full-batch step from factors bit-identical to those of the last full-batch gradient
 * (ls_optim_eval or _grad) on the same p reuses it: p must not change in
 * place between calls (a new problem needs a new optimiser). */
ls_status ls_optim_step(ls_optim *o, ls_problem *p, ls_lora *L, const ls_config *cfg, ls_rng *rng,
			ls_step_info *info, ls_error *err);
/* With lean, the gd and sgd steps that follow (simultaneous updates) report g and ‖∇g‖
 * from quick sums (not to the bit: info->exact false) whenever those prove the exact values
 * finite and the updated factors finite too, and exactly otherwise: whether anything is
 * finite is always exact. The session steps lean: its history keeps them within rounding,
 * and a lean step's factors need no test for finiteness before the next. */
void ls_optim_set_lean(ls_optim *o, bool lean);
/* f, g and ‖∇g‖ at L without stepping (full batch). Any output may be NULL. */
ls_status ls_optim_eval(ls_optim *o, ls_problem *p, const ls_lora *L, double lambda, double *loss,
			double *reg_loss, double *grad_norm, ls_error *err);
/* ∇_A g and ∇_B g at L (full batch, MATH.md §2) into GA[k] (m_k×r) and GB[k] (n_k×r),
 * nmod matrices each (either may be NULL), and f, g when not NULL. */
ls_status ls_optim_grad(ls_optim *o, ls_problem *p, const ls_lora *L, double lambda, double *loss,
			double *reg_loss, ls_mat *GA, ls_mat *GB, ls_error *err);
/* Views of module k's moments (first: mA, mB, also the heavy-ball velocity; second: vA,
 * vB), to save them or to write them back when resuming. */
ls_status ls_optim_moments(ls_optim *o, size_t k, ls_mat *mA, ls_mat *mB, ls_mat *vA, ls_mat *vB);
ls_optim_counts ls_optim_get_counts(const ls_optim *o);
void ls_optim_set_counts(ls_optim *o, ls_optim_counts c);

#endif
