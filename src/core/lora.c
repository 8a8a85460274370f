/* lora.c — the trainable LoRA modules X_k = s·A_k·B_kᵀ: scaling rules, allocation,
 * forming X, and mid-run rank changes (MATH.md §2, §8; SPEC §2). */
#include <math.h>
#include <string.h>

#include "lorascope/lora.h"

const char *const ls_scaling_names[LS_SCALING_COUNT + 1] = {
#define LS_SCALING_NAME(id, name, help) [id] = name,
	LS_SCALING_LIST(LS_SCALING_NAME)
#undef LS_SCALING_NAME
};

const char *const ls_scaling_help[LS_SCALING_COUNT] = {
#define LS_SCALING_HELP(id, name, help) [id] = help,
	LS_SCALING_LIST(LS_SCALING_HELP)
#undef LS_SCALING_HELP
};
