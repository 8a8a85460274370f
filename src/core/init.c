/* init.c — initialisation rules of the LoRA factors (MATH.md §2, SPEC §2). */
#include "lorascope/init.h"

const char *const ls_init_names[LS_INIT_COUNT + 1] = {
#define LS_INIT_NAME(id, name, help) [id] = name,
	LS_INIT_LIST(LS_INIT_NAME)
#undef LS_INIT_NAME
};

const char *const ls_init_help[LS_INIT_COUNT] = {
#define LS_INIT_HELP(id, name, help) [id] = help,
	LS_INIT_LIST(LS_INIT_HELP)
#undef LS_INIT_HELP
};
