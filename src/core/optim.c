/* optim.c — one training step of the LoRA factors (MATH.md §2, §6, §7). */
#include "lorascope/optim.h"

const char *const ls_optim_names[LS_OPTIM_COUNT + 1] = {
#define LS_OPTIM_NAME(id, name, help) [id] = name,
	LS_OPTIM_LIST(LS_OPTIM_NAME)
#undef LS_OPTIM_NAME
};

const char *const ls_optim_help[LS_OPTIM_COUNT] = {
#define LS_OPTIM_HELP(id, name, help) [id] = help,
	LS_OPTIM_LIST(LS_OPTIM_HELP)
#undef LS_OPTIM_HELP
};
