/* lora.h — the trainable state: one or more modules X_k = s·A_k·B_kᵀ (MATH.md §2).
 *
 * Letters follow Kim–Kim–Ryu: A_k is m_k×r (the left factor, PEFT's lora_B), B_k is
 * n_k×r (PEFT's lora_Aᵀ). All modules share the rank r and the scaling rule. The
 * arrays A, B, s are laid out so that ls_lora_factors() hands them to a problem
 * without copying. An ls_lora owns its factors (ls_lora_alloc / ls_lora_free). */
#ifndef LORASCOPE_LORA_H
#define LORASCOPE_LORA_H

#include "lorascope/mat.h"
#include "lorascope/problem.h"
#include "lorascope/rng.h"
#include "lorascope/status.h"

#define LS_SCALING_LIST(X)                                     \
	X(LS_SCALING_ONE, "one", "s = 1, as in the papers")    \
	X(LS_SCALING_ALPHA_R, "alpha-r", "s = alpha/r (PEFT)") \
	X(LS_SCALING_RSLORA, "rslora", "s = alpha/sqrt(r) (rsLoRA)")

typedef enum {
#define LS_SCALING_ENUM(id, name, help) id,
	LS_SCALING_LIST(LS_SCALING_ENUM)
#undef LS_SCALING_ENUM
		LS_SCALING_COUNT
} ls_scaling_id;

extern const char *const ls_scaling_names[LS_SCALING_COUNT + 1];
extern const char *const ls_scaling_help[LS_SCALING_COUNT];

/* Standard deviation of the entries of the new A columns when the rank grows. */
#define LS_LORA_GROW_STD 1e-3

typedef struct ls_lora {
	size_t nmod;
	size_t r;
	int scaling;              /* ls_scaling_id */
	double alpha;             /* lora_alpha */
	ls_mat A[LS_MAX_MODULES]; /* m_k×r */
	ls_mat B[LS_MAX_MODULES]; /* n_k×r */
	double s[LS_MAX_MODULES];
} ls_lora;

/* s for a rule, lora_alpha and rank: 1, alpha/r or alpha/√r (MATH.md notation). */
double ls_lora_scale(int scaling, double alpha, size_t r);
/* Allocate zero factors of rank r ≥ 1 for every module of p, with s from the rule.
 * On failure L is left empty (safe to free). */
ls_status ls_lora_alloc(ls_lora *L, const ls_problem *p, size_t r, int scaling, double alpha,
			ls_error *err);
/* Release the factors; L becomes empty. A no-op on an empty (zeroed) L. */
void ls_lora_free(ls_lora *L);
/* dst := a deep copy of src (dst is allocated here and must be empty or freed before). */
ls_status ls_lora_copy(ls_lora *dst, const ls_lora *src, ls_error *err);
/* The view a problem reads (points into L; valid while L's factors are not reallocated). */
ls_factors ls_lora_factors(const ls_lora *L);
/* Change the scaling rule or lora_alpha: s is recomputed, the factors are kept (so X
 * changes by the ratio of the scalings, as it does when a PEFT config is edited). */
void ls_lora_set_scaling(ls_lora *L, int scaling, double alpha);
/* Change the rank mid-run (SPEC §2). Growing appends columns: A ~ N(0, LS_LORA_GROW_STD²)
 * drawn from rng module by module, B = 0; when s depends on r both old factors are
 * multiplied by √(s_old/s_new), so every X_k is unchanged. Shrinking replaces X_k by its
 * best rank-r truncation (Eckart–Young–Mirsky) computed from the thin factors (QR of A
 * and B, then an SVD of the small core, MATH.md §8; never an m×n SVD), with balanced
 * factors A = U·√(s_old·Σ/s_new), B = V·√(s_old·Σ/s_new). On failure L is unchanged. */
ls_status ls_lora_set_rank(ls_lora *L, size_t r, ls_rng *rng, ls_error *err);
/* X := X_k = s_k·A_k·B_kᵀ (X must be m_k×n_k; LS_EDIM otherwise, LS_EINVAL for a bad k). */
ls_status ls_lora_form(const ls_lora *L, size_t k, ls_mat *X);

#endif
