/* problem.c — the registry of problem types, the create/destroy dispatch, and what the front
 * ends derive from a type before building (shape, the presets' rank). */
#include <math.h>
#include <string.h>

#include "lorascope/config.h"
#include "lorascope/inputs.h"
#include "lorascope/problem.h"

const ls_problem_type *const ls_problem_types[LS_PROBLEM_COUNT] = {
#define LS_PROBLEM_PTR(id, name, type, help) [id] = &type,
	LS_PROBLEM_LIST(LS_PROBLEM_PTR)
#undef LS_PROBLEM_PTR
};

const char *const ls_problem_names[LS_PROBLEM_COUNT + 1] = {
#define LS_PROBLEM_NAME(id, name, type, help) [id] = name,
	LS_PROBLEM_LIST(LS_PROBLEM_NAME)
#undef LS_PROBLEM_NAME
};

const char *const ls_problem_help[LS_PROBLEM_COUNT] = {
#define LS_PROBLEM_HELP(id, name, type, help) [id] = help,
	LS_PROBLEM_LIST(LS_PROBLEM_HELP)
#undef LS_PROBLEM_HELP
};

ls_shape ls_problem_type_shape(const ls_config *cfg)
{
	const ls_problem_type *t = ls_problem_types[cfg->problem];
	if (t->fixed.m)
		return t->fixed;
	return (ls_shape){ (size_t)cfg->m, (size_t)cfg->n };
}

bool ls_problem_type_fit_rank(ls_config *cfg, bool rank_given)
{
	const ls_problem_type *t = ls_problem_types[cfg->problem];
	long size = (long)(t->fixed.m < t->fixed.n ? t->fixed.m : t->fixed.n);
	if (rank_given || !size || cfg->rank <= size)
		return false;
	cfg->rank = t->showcase_rank;
	return true;
}

ls_status ls_problem_create(ls_problem *p, const ls_config *cfg, const ls_inputs *in, ls_rng *rng,
			    ls_error *err)
{
	memset(p, 0, sizeof *p);
	p->alpha_exact = NAN;
	p->beta_exact = NAN;
	if (cfg->problem < 0 || cfg->problem >= LS_PROBLEM_COUNT)
		return ls_error_set(err, LS_EINVAL, "unknown problem %d", cfg->problem);
	p->type = ls_problem_types[cfg->problem];
	ls_status st = p->type->create(p, cfg, in, rng, err);
	if (st != LS_OK)
		ls_problem_destroy(p);
	return st;
}

void ls_problem_destroy(ls_problem *p)
{
	if (p->type && p->type->destroy)
		p->type->destroy(p);
	ls_mat_free(&p->target);
	memset(p, 0, sizeof *p);
}
