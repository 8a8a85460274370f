/* config.c — the parameter table generated from LS_PARAM_LIST: defaults, parsing, formatting. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/config.h"

const ls_param_info ls_params[LS_PARAM_COUNT] = {
#define LS_PARAM_INFO(field, pname, ptype, pgroup, pdef, papply, plo, phi, pchoices, phelp) \
	[LS_PARAM_##field] = { .name = pname,                                               \
			       .type = LS_P_##ptype,                                        \
			       .group = pgroup,                                             \
			       .def = pdef,                                                 \
			       .apply = LS_APPLY_##papply,                                  \
			       .lo = plo,                                                   \
			       .hi = phi,                                                   \
			       .choices = pchoices,                                         \
			       .help = phelp,                                               \
			       .offset = offsetof(ls_config, field) },
	LS_PARAM_LIST(LS_PARAM_INFO)
#undef LS_PARAM_INFO
};

const char *const ls_param_apply_help[LS_APPLY_COUNT] = {
	[LS_APPLY_NEXT_STEP] = "applies from the next step",
	[LS_APPLY_OPTIMIZER] = "applies from the next step and resets the optimiser's moments",
	[LS_APPLY_BASELINE] = "recomputes the baseline; the run continues",
	[LS_APPLY_SCALING] = "recomputes s and the baseline, keeping the factors (X scales)",
	[LS_APPLY_RANK] = "grows the factors (X unchanged) or truncates X to its best rank-r "
			  "approximation; the run continues",
	[LS_APPLY_INIT] = "restarts from step 0 with a new initialisation seed",
	[LS_APPLY_REBUILD] = "rebuilds the problem and the baseline and restarts from step 0",
	[LS_APPLY_THEORY] = "forgets the cached alpha^, beta^; the run continues",
};

const ls_param_info *ls_param_find(const char *name)
{
	for (size_t i = 0; i < LS_PARAM_COUNT; i++)
		if (strcmp(ls_params[i].name, name) == 0)
			return &ls_params[i];
	return NULL;
}

static ls_status parse_value(const ls_param_info *p, const char *value, void *out, ls_error *err)
{
	char *end = NULL;
	if (p->type == LS_P_TEXT && value) {
		/* "" clears; control characters would break the trace and manifest lines. */
		size_t len = strlen(value);
		if (len >= LS_PARAM_TEXT_MAX)
			return ls_error_set(err, LS_ERANGE, "--%s: longer than %d characters",
					    p->name, LS_PARAM_TEXT_MAX - 1);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)value[i] < 32 || value[i] == 127)
				return ls_error_set(err, LS_EINVAL,
						    "--%s: control character in the file name",
						    p->name);
		memcpy(out, value, len + 1);
		return LS_OK;
	}
	if (!value || !*value)
		return ls_error_set(err, LS_EINVAL, "--%s: empty value", p->name);
	switch (p->type) {
	case LS_P_INT: {
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || *end)
			return ls_error_set(err, LS_EINVAL, "--%s: '%s' is not an integer", p->name,
					    value);
		if (v < p->lo || v > p->hi)
			return ls_error_set(err, LS_ERANGE, "--%s: %ld is outside [%.15g, %.15g]",
					    p->name, v, p->lo, p->hi);
		*(long *)out = v;
		return LS_OK;
	}
	case LS_P_REAL: {
		errno = 0;
		double v = strtod(value, &end);
		if (errno == ERANGE || *end || !isfinite(v))
			return ls_error_set(err, LS_EINVAL, "--%s: '%s' is not a finite number",
					    p->name, value);
		if (v < p->lo || v > p->hi)
			return ls_error_set(err, LS_ERANGE, "--%s: %g is outside [%g, %g]", p->name,
					    v, p->lo, p->hi);
		*(double *)out = v;
		return LS_OK;
	}
	case LS_P_SEED: {
		errno = 0;
		if (value[0] == '-')
			return ls_error_set(err, LS_EINVAL,
					    "--%s: '%s' is not a non-negative integer", p->name,
					    value);
		unsigned long long v = strtoull(value, &end, 0);
		if (errno || *end)
			return ls_error_set(err, LS_EINVAL,
					    "--%s: '%s' is not a non-negative integer", p->name,
					    value);
		*(uint64_t *)out = (uint64_t)v;
		return LS_OK;
	}
	case LS_P_CHOICE:
		for (int i = 0; p->choices[i]; i++)
			if (strcmp(p->choices[i], value) == 0) {
				*(int *)out = i;
				return LS_OK;
			}
		{
			char list[256] = "";
			for (int i = 0; p->choices[i]; i++) {
				if (i)
					strncat(list, ", ", sizeof list - strlen(list) - 1);
				strncat(list, p->choices[i], sizeof list - strlen(list) - 1);
			}
			return ls_error_set(err, LS_EINVAL, "--%s: '%s' is not one of %s", p->name,
					    value, list);
		}
	case LS_P_TEXT:
		break;
	}
	return ls_error_set(err, LS_EINVAL, "--%s: unknown parameter type", p->name);
}

ls_status ls_config_set(ls_config *c, const char *name, const char *value, ls_error *err)
{
	const ls_param_info *p = ls_param_find(name);
	if (!p)
		return ls_error_set(err, LS_EINVAL, "--%s: unknown parameter", name);
	return parse_value(p, value, (char *)c + p->offset, err);
}

void ls_config_defaults(ls_config *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < LS_PARAM_COUNT; i++) {
		/* The defaults are part of the table and checked by the unit tests. */
		ls_status st = parse_value(&ls_params[i], ls_params[i].def,
					   (char *)c + ls_params[i].offset, NULL);
		(void)st;
	}
}

/* The shortest of %.15g/%.16g/%.17g that reads back to the same double. */
static void format_real(double v, char *buf, size_t len)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void ls_config_format(const ls_config *c, ls_param_id id, char *buf, size_t len)
{
	const ls_param_info *p = &ls_params[id];
	const char *field = (const char *)c + p->offset;
	switch (p->type) {
	case LS_P_INT:
		snprintf(buf, len, "%ld", *(const long *)field);
		break;
	case LS_P_REAL:
		format_real(*(const double *)field, buf, len);
		break;
	case LS_P_SEED:
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)field);
		break;
	case LS_P_CHOICE:
		snprintf(buf, len, "%s", p->choices[*(const int *)field]);
		break;
	case LS_P_TEXT:
		snprintf(buf, len, "%s", field);
		break;
	}
}

ls_status ls_config_check(const ls_config *c, ls_error *err)
{
	long mn = c->m < c->n ? c->m : c->n;
	if (c->rank > mn)
		return ls_error_set(err, LS_ERANGE, "--rank: %ld exceeds min(m, n) = %ld", c->rank,
				    mn);
	if (c->true_rank > mn)
		return ls_error_set(err, LS_ERANGE, "--true-rank: %ld exceeds min(m, n) = %ld",
				    c->true_rank, mn);
	return LS_OK;
}
