/* inputs.c — the loaded matrices of the file parameters (ls_inputs) and the shape check of a
 * loaded matrix; no file is opened here (the loader is io's loader.c). */
#include <stdio.h>
#include <string.h>

#include "lorascope/inputs.h"

const ls_param_id ls_input_params[LS_INPUT_COUNT] = {
	[LS_INPUT_W0] = LS_PARAM_w0,
	[LS_INPUT_TARGET] = LS_PARAM_target,
	[LS_INPUT_INPUTS] = LS_PARAM_inputs,
	[LS_INPUT_OUTPUTS] = LS_PARAM_outputs,
	[LS_INPUT_INIT_A] = LS_PARAM_init_a_file,
	[LS_INPUT_INIT_B] = LS_PARAM_init_b_file,
};

int ls_input_of_param(ls_param_id id)
{
	for (int k = 0; k < LS_INPUT_COUNT; k++)
		if (ls_input_params[k] == id)
			return k;
	return -1;
}

void ls_inputs_free(ls_inputs *in)
{
	for (int k = 0; k < LS_INPUT_COUNT; k++)
		ls_mat_free(&in->mat[k]);
	memset(in, 0, sizeof *in);
}

ls_status ls_inputs_put(ls_inputs *in, ls_input_id k, const ls_mat *M, ls_error *err)
{
	ls_mat T = { 0 };
	if (M) {
		ls_status st = ls_mat_alloc(&T, M->rows, M->cols, err);
		if (st != LS_OK)
			return st;
		ls_mat_copy(&T, M);
	}
	ls_mat_free(&in->mat[k]);
	in->mat[k] = T;
	in->have[k] = M != NULL;
	return LS_OK;
}

ls_status ls_inputs_copy(ls_inputs *dst, const ls_inputs *src, ls_error *err)
{
	memset(dst, 0, sizeof *dst);
	for (int k = 0; src && k < LS_INPUT_COUNT; k++) {
		ls_status st = src->have[k] ? ls_inputs_put(dst, k, &src->mat[k], err) : LS_OK;
		if (st != LS_OK) {
			ls_inputs_free(dst);
			return st;
		}
	}
	return LS_OK;
}

static void dim_text(char *out, size_t cap, size_t rows, size_t cols)
{
	char r[24] = "*", c[24] = "*";
	if (rows != LS_ANY)
		snprintf(r, sizeof r, "%zu", rows);
	if (cols != LS_ANY)
		snprintf(c, sizeof c, "%zu", cols);
	snprintf(out, cap, "%s×%s", r, c);
}

ls_status ls_matrix_expect(const char *spec, const ls_mat *M, size_t rows, size_t cols,
			   const char *other, ls_error *err)
{
	if ((rows == LS_ANY || M->rows == rows) && (cols == LS_ANY || M->cols == cols))
		return LS_OK;
	char want[64];
	dim_text(want, sizeof want, rows, cols);
	return ls_error_set(err, LS_EDIM, "%s is %zu×%zu, but %s needs %s", spec, M->rows, M->cols,
			    other, want);
}
