/* preset.h — the rank each preset problem is built to show (MATH.md §9): loud5 fails loudly
 * at r = 2, sense2x2 has its spurious minimum at r = 1. `lorascope run`, the TUI's options
 * and its p key use it when the rank was not chosen for the preset (the default 8 exceeds
 * both presets' shapes). Header only: shared by the CLI and the TUI. */
#ifndef LORASCOPE_CLI_PRESET_H
#define LORASCOPE_CLI_PRESET_H

#include <stdbool.h>

#include "lorascope/config.h"
#include "lorascope/problem.h"

/* The showcase rank of problem kind prob, or 0 when prob is not a preset. */
static inline long ls_preset_rank(int prob)
{
	switch (prob) {
	case LS_PROBLEM_LOUD5:
		return 2;
	case LS_PROBLEM_SENSE2X2:
		return 1;
	default:
		return 0;
	}
}

/* min(m, n) of a preset's fixed shape (loud5 5×5, sense2x2 2×2), or 0 when not a preset. */
static inline long ls_preset_size(int prob)
{
	return prob == LS_PROBLEM_LOUD5 ? 5 : prob == LS_PROBLEM_SENSE2X2 ? 2 : 0;
}

/* A preset with a rank its shape cannot hold and not given by the user: take the showcase
 * rank. Returns whether c->rank changed. */
static inline bool ls_preset_fit_rank(ls_config *c, bool rank_given)
{
	long size = ls_preset_size(c->problem);
	if (rank_given || !size || c->rank <= size)
		return false;
	c->rank = ls_preset_rank(c->problem);
	return true;
}

#endif
