/* ahead.c — a key's change shown before the worker applies it (see ahead.h). */
#include "ahead.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/inputs.h"
#include "worker_pacing.h"

int ls_cmd_choice_next(const ls_config *cfg, const ls_param_info *p, int delta)
{
	int n = 0;
	while (p->choices[n])
		n++;
	int cur = *(const int *)((const char *)cfg + p->offset);
	return ((cur + delta) % n + n) % n;
}

bool ls_cmd_value(const ls_config *cfg, const ls_cmd *c, char *val, size_t len)
{
	const ls_param_info *p = c->kind <= LS_CMD_CYCLE ? ls_param_find(c->param) : NULL;
	if (!p || p == &ls_params[LS_PARAM_problem] ||
	    ls_input_of_param((ls_param_id)(p - ls_params)) >= 0)
		return false;
	ls_param_id id = (ls_param_id)(p - ls_params);
	char cur[LS_PARAM_VALUE_MAX];
	ls_config_format(cfg, id, cur, sizeof cur);
	switch (c->kind) {
	case LS_CMD_SET:
		snprintf(val, len, "%s", c->text);
		return true;
	case LS_CMD_SCALE: {
		if (p->type != LS_P_REAL)
			return false;
		double x = strtod(cur, NULL) * c->factor;
		/* Zero scaled up would stay zero: the smallest positive value instead. */
		if (x == 0 && c->factor > 1)
			x = p->lo > 0 ? p->lo : 1e-4;
		snprintf(val, len, "%.6g", x);
		return true;
	}
	case LS_CMD_ADD: {
		if (p->type != LS_P_INT)
			return false;
		long next = strtol(cur, NULL, 10) + (long)c->factor;
		if (next < (long)p->lo)
			return false;
		snprintf(val, len, "%ld", next);
		return true;
	}
	case LS_CMD_CYCLE:
		if (p->type != LS_P_CHOICE || !p->choices)
			return false;
		snprintf(val, len, "%s", p->choices[ls_cmd_choice_next(cfg, p, (int)c->factor)]);
		return true;
	default:
		return false;
	}
}

bool ls_ahead_push(ls_ahead *a, const ls_view *v, const ls_cmd *c, unsigned long seq)
{
	if (a->seq <= v->applied_seq) {
		a->cfg = v->cfg;
		a->paused = v->paused;
		a->speed = v->speed;
	}
	if (v->pub_seq == 0) {
		a->seq = 0;
		return false; /* nothing published yet to start from */
	}
	ls_ahead next = *a;
	char val[LS_PARAM_VALUE_MAX];
	bool shown = false;
	switch (c->kind) {
	case LS_CMD_PAUSE:
		next.paused = !next.paused;
		shown = true;
		break;
	case LS_CMD_SPEED:
		/* From unlimited, a slower cap starts at the rate the worker measures then. */
		if (next.speed > 0 || c->factor >= 1) {
			next.speed = ls_pacing_speed(next.speed, c->factor, 0);
			shown = true;
		}
		break;
	default:
		/* The session's own checks but the rank's fit to the problem (refused then). */
		shown = ls_cmd_value(&next.cfg, c, val, sizeof val) &&
			ls_config_set(&next.cfg, c->param, val, NULL) == LS_OK &&
			ls_config_check(&next.cfg, NULL) == LS_OK;
		break;
	}
	if (!shown) {
		a->seq = 0;
		return false;
	}
	*a = next;
	a->seq = seq;
	return true;
}

const ls_ahead *ls_ahead_shown(const ls_ahead *a, const ls_view *v)
{
	return !v->replay && a->seq > v->applied_seq ? a : NULL;
}
