/* loader.c — the matrix files of a config read once each (ls_matrix_load) into an
 * ls_inputs, with the sizes they fix worked out by the core's ls_config_resolve_fetch. */
#include <string.h>

#include "lorascope/fileio.h"
#include "lorascope/loader.h"

typedef struct {
	const ls_config *cfg;
	ls_inputs *in;
} reading;

static const char *spec_of(const ls_config *cfg, ls_input_id k)
{
	return (const char *)cfg + ls_params[ls_input_params[k]].offset;
}

/* Read input k into in (the resolver asks for each named file once). */
static ls_status read_input(void *ctx, ls_input_id k, const ls_mat **M, ls_error *err)
{
	reading *r = ctx;
	ls_status st = ls_matrix_load(spec_of(r->cfg, k), &r->in->mat[k], err);
	if (st != LS_OK)
		return st;
	r->in->have[k] = true;
	*M = &r->in->mat[k];
	return LS_OK;
}

ls_status ls_inputs_load(ls_config *cfg, const bool *given, ls_inputs *in, ls_error *err)
{
	memset(in, 0, sizeof *in);
	ls_config names = *cfg;
	reading r = { &names, in };
	ls_status st = ls_config_resolve_fetch(cfg, given, read_input, &r, err);
	if (st != LS_OK)
		ls_inputs_free(in);
	return st;
}

/* err := "--opt: " + err (the reader's message names the file). */
static ls_status prefixed(ls_error *err, ls_status st, ls_param_id id)
{
	if (err && st != LS_OK) {
		char msg[LS_ERROR_MSG_MAX];
		snprintf(msg, sizeof msg, "%s", err->msg);
		ls_error_set(err, st, "--%s: %s", ls_params[id].name, msg);
	}
	return st;
}

ls_status ls_inputs_read(const ls_config *cfg, ls_inputs *in, ls_error *err)
{
	memset(in, 0, sizeof *in);
	for (int k = 0; k < LS_INPUT_COUNT; k++) {
		const char *spec = spec_of(cfg, (ls_input_id)k);
		if (!spec[0])
			continue;
		ls_status st = prefixed(err, ls_matrix_load(spec, &in->mat[k], err),
					ls_input_params[k]);
		if (st != LS_OK) {
			ls_inputs_free(in);
			return st;
		}
		in->have[k] = true;
	}
	return LS_OK;
}

ls_status ls_input_load_change(const ls_config *cur, const char *name, const char *value, ls_mat *M,
			       bool *loaded, ls_error *err)
{
	*loaded = false;
	const ls_param_info *p = ls_param_find(name);
	if (!p || ls_input_of_param((ls_param_id)(p - ls_params)) < 0 || !value[0])
		return LS_OK;
	ls_config next = *cur;
	ls_status st = ls_config_set(&next, name, value, err);
	if (st == LS_OK)
		st = ls_config_check_files(&next, err);
	if (st == LS_OK)
		st = prefixed(err, ls_matrix_load(value, M, err), (ls_param_id)(p - ls_params));
	*loaded = st == LS_OK;
	return st;
}
