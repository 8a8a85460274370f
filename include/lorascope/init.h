/* init.h — initialisations of the LoRA factors (MATH.md §2, SPEC §2).
 *
 * Letters follow Kim–Kim–Ryu (X = s·A·Bᵀ, A m×r, B n×r). Where a rule comes from
 * PEFT it is mapped by shape: PEFT's random lora_A [r, in] is our Bᵀ, so the PEFT
 * rules draw our n×r B and set A = 0. The Kim–Kim–Ryu Table 4 rules use their own
 * letters, which are ours: zero-init draws A and sets B = 0. Normal laws are written
 * N(mean, variance). Every rule draws from the rng only, module by module and A before
 * B, so the same rng state gives the same factors bit for bit. */
#ifndef LORASCOPE_INIT_H
#define LORASCOPE_INIT_H

#include "lorascope/rng.h"
#include "lorascope/status.h"

#define LS_INIT_LIST(X)                                                                        \
	X(LS_INIT_PEFT, "peft", "PEFT default: Kaiming-uniform U(+-1/sqrt(n)) B, A = 0")       \
	X(LS_INIT_GAUSSIAN, "gaussian", "PEFT gaussian: B ~ N(0, 1/r^2), A = 0")               \
	X(LS_INIT_ZERO, "zero", "Kim-Kim-Ryu zero-init: A ~ U(+-sqrt(15/768)), B = 0")         \
	X(LS_INIT_INIT1, "init1", "Kim-Kim-Ryu init 1: A, B ~ N(0, 1/30)")                     \
	X(LS_INIT_INIT2, "init2", "Kim-Kim-Ryu init 2: A, B ~ N(0, 1/10)")                     \
	X(LS_INIT_INIT3, "init3", "Kim-Kim-Ryu init 3: A ~ N(-1/10, 1/20), B ~ N(1/10, 1/20)") \
	X(LS_INIT_LARGE, "large", "Kim-Kim-Ryu large: A, B ~ N(0, 1/5)")                       \
	X(LS_INIT_SPECTRAL, "spectral",                                                        \
	  "PiSSA-like: A = init-scale * top-r left singular vectors of -grad f(0), B = 0")     \
	X(LS_INIT_OLORA, "olora", "OLoRA: from the QR of -grad f(0), scaled by init-scale")    \
	X(LS_INIT_CUSTOM, "custom", "A ~ N(0, init-a^2), B ~ N(0, init-b^2)")

typedef enum {
#define LS_INIT_ENUM(id, name, help) id,
	LS_INIT_LIST(LS_INIT_ENUM)
#undef LS_INIT_ENUM
		LS_INIT_COUNT
} ls_init_id;

extern const char *const ls_init_names[LS_INIT_COUNT + 1];
extern const char *const ls_init_help[LS_INIT_COUNT];

struct ls_lora;
struct ls_problem;
struct ls_config;
struct ls_inputs;

/* Fill the factors of every module of L (already allocated, any rank) with the rule
 * cfg->init (MATH.md §2), drawing from rng. spectral and olora read R = −∇f(0) from
 * the problem's grad_dense at X = 0 (an m×n workspace allocated for the call):
 *   spectral  A = init_scale·U_r (top-r left singular vectors of R), B = 0; for approx
 *             R = M, the Rushka–Klabjan spectral start (y0 = 0, x0 = init_scale);
 *   olora     Q_r = the Q factor of the thin QR of the first r columns of R (the first
 *             r columns of R's Householder QR), A = init_scale·Q_r,
 *             B = init_scale·Rᵀ·Q_r/‖Rᵀ·Q_r‖_F (B = 0 if Rᵀ·Q_r = 0), so that
 *             X = s·init_scale²·Q_rQ_rᵀR/‖Q_rᵀR‖_F: a small step along the projection of
 *             the steepest-descent direction onto the span of R's first r columns.
 * With fewer than r usable singular directions or columns (r > min(m, n)) the extra
 * columns of A stay 0.
 * Then --init-a-file's matrix (from in, inputs.h; NULL: none) replaces A (m×r) and
 * --init-b-file's B (n×r, or r×n transposed: PEFT's lora_A; so PEFT's pair maps as
 * A = lora_B, Bᵀ = lora_A, MATH.md §2), one module only; a matrix of another shape is
 * refused naming its file and both shapes. */
ls_status ls_init_apply(struct ls_lora *L, struct ls_problem *p, const struct ls_config *cfg,
			const struct ls_inputs *in, ls_rng *rng, ls_error *err);

#endif
