/* lora.h — the trainable state: one or more modules X_k = s·A_k·B_kᵀ (MATH.md §2).
 *
 * All modules share the rank r. The arrays A, B, s are laid out so that
 * ls_lora_factors() hands them to a problem without copying. */
#ifndef LORASCOPE_LORA_H
#define LORASCOPE_LORA_H

#include "lorascope/mat.h"
#include "lorascope/problem.h"
#include "lorascope/rng.h"
#include "lorascope/status.h"

#define LS_SCALING_LIST(X)                                   \
	X(LS_SCALING_ONE, "one", "s = 1, as in the papers")  \
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

typedef struct ls_lora {
	size_t nmod;
	size_t r;
	int scaling;  /* ls_scaling_id */
	double alpha; /* lora_alpha */
	ls_mat A[LS_MAX_MODULES]; /* m_k×r */
	ls_mat B[LS_MAX_MODULES]; /* n_k×r */
	double s[LS_MAX_MODULES];
} ls_lora;

/* s for a rule, lora_alpha and rank. */
double ls_lora_scale(int scaling, double alpha, size_t r);
/* Allocate zero factors of rank r for every module of p. */
ls_status ls_lora_alloc(ls_lora *L, const ls_problem *p, size_t r, int scaling, double alpha,
			ls_error *err);
void ls_lora_free(ls_lora *L);
/* The view a problem reads. */
ls_factors ls_lora_factors(const ls_lora *L);
/* Change the rank mid-run (SPEC §2): growing adds columns (A random small, B zero)
 * and rescales so X is unchanged even when s depends on r; shrinking replaces X by
 * its best rank-r truncation with balanced factors. */
ls_status ls_lora_set_rank(ls_lora *L, size_t r, ls_rng *rng, ls_error *err);
/* X_k = s_k·A_k·B_kᵀ into X (m_k×n_k). */
ls_status ls_lora_form(const ls_lora *L, size_t k, ls_mat *X);

#endif
