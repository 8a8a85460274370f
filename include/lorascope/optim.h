/* optim.h — one training step of the LoRA factors (MATH.md §2, §6, §7).
 *
 * g(A, B) = f(s·A·Bᵀ) + λ/2·(‖A‖_F² + ‖B‖_F²), summed over modules.
 * ∇_A g = s·∇f(X)·B + λA,  ∇_B g = s·∇f(X)ᵀ·A + λB.
 * Optimisers (LS_OPTIM_LIST): GD, SGD (mini-batches where the problem has samples),
 * heavy-ball momentum, Adam (λ in the gradient), AdamW (decoupled decay), and the
 * Mu–Klabjan adaptive step (MATH.md §6), whose descent inequality
 *     g(V_{t+1}) ≤ g(V_t) − (η_t/5)·‖∇g(V_t)‖²
 * is checked on every step and reported in ls_step_info.
 * Sequential updates (Rushka–Klabjan Algorithm 1, MATH.md §7): cfg->inner_k steps on
 * B, then on A with B* = μ·B_prev + (1−μ)·B_new; μ = 1 is the simultaneous update.
 *
 * The optimiser state (moments, step count) lives in ls_optim so snapshots can save
 * it; all scratch space is allocated once in ls_optim_alloc, never per step. */
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
	double grad_norm; /* ‖∇g(A_t, B_t)‖ over all factors */
	double eta;       /* step size used (the adaptive one for mk) */
	bool mk_checked;  /* the Mu–Klabjan inequality was evaluated this step */
	bool mk_holds;
	double mk_lhs, mk_rhs; /* g(V_{t+1}) and g(V_t) − (η_t/5)‖∇g(V_t)‖² */
} ls_step_info;

typedef struct ls_optim ls_optim;

/* Allocate the optimiser for the shapes of L (call again after a rank change). */
ls_status ls_optim_alloc(ls_optim **o, const ls_lora *L, const ls_problem *p, ls_error *err);
void ls_optim_free(ls_optim *o);
/* Forget moments and the step counter (after init, optimiser or rank change). */
void ls_optim_reset(ls_optim *o);
/* One step of cfg->optimizer with cfg->lr, cfg->lambda, ... on L. A non-finite
 * loss or parameter is not an error: info->loss or the factors become NaN/Inf and
 * the caller (the session) reports divergence. */
ls_status ls_optim_step(ls_optim *o, ls_problem *p, ls_lora *L, const ls_config *cfg,
			ls_rng *rng, ls_step_info *info, ls_error *err);
/* g and ‖∇g‖ at L without stepping (full batch). */
ls_status ls_optim_eval(ls_optim *o, ls_problem *p, const ls_lora *L, double lambda,
			double *loss, double *reg_loss, double *grad_norm, ls_error *err);

#endif
