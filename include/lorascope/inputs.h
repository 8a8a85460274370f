/* inputs.h — the matrices of the file parameters (--w0, --target, --inputs, --outputs,
 * --init-a-file, --init-b-file), loaded before a problem is built, and the sizes they fix.
 *
 * The core never opens a file: a front-end loads the files a config names (io's loader.h,
 * ls_inputs_load) and hands the matrices to ls_session_create / ls_problem_create /
 * ls_init_apply, or one with its file name to ls_session_set_file. The config keeps the
 * names (traces, snapshots and the messages name the files); ls_inputs holds the data. A
 * problem reads the matrix of a file parameter its config names, checked strictly against
 * the config's sizes (MATH.md §1 "loaded"); a named file whose matrix is missing is refused. */
#ifndef LORASCOPE_INPUTS_H
#define LORASCOPE_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/config.h"
#include "lorascope/mat.h"
#include "lorascope/status.h"

/* The file parameters, in the order their sizes are resolved. */
typedef enum {
	LS_INPUT_W0,
	LS_INPUT_TARGET,
	LS_INPUT_INPUTS,
	LS_INPUT_OUTPUTS,
	LS_INPUT_INIT_A,
	LS_INPUT_INIT_B,
	LS_INPUT_COUNT
} ls_input_id;

/* The parameter of each input (LS_PARAM_w0 ... LS_PARAM_init_b_file). */
extern const ls_param_id ls_input_params[LS_INPUT_COUNT];

/* The loaded matrices; have[k] says whether mat[k] holds one (owned). Zero it to start. */
typedef struct ls_inputs {
	ls_mat mat[LS_INPUT_COUNT];
	bool have[LS_INPUT_COUNT];
} ls_inputs;

/* The input of parameter id, or -1 when id is not a file parameter. */
int ls_input_of_param(ls_param_id id);
/* Release every matrix; in is left empty. */
void ls_inputs_free(ls_inputs *in);
/* dst := a deep copy of src (src NULL: empty); dst is overwritten (not freed first). */
ls_status ls_inputs_copy(ls_inputs *dst, const ls_inputs *src, ls_error *err);
/* Input k of in := a copy of M (NULL: none); the previous one is released. */
ls_status ls_inputs_put(ls_inputs *in, ls_input_id k, const ls_mat *M, ls_error *err);

/* LS_ANY in ls_matrix_expect: that dimension may be anything. */
#define LS_ANY ((size_t)-1)

/* Check that M, loaded from spec, is rows×cols (LS_ANY matches any size) as other requires
 * (a file name or a description, e.g. "target.npy" or "--m 64"). On a mismatch: LS_EDIM and
 * "w0.npy is 64×32, but target.npy needs 64×48" naming both. */
ls_status ls_matrix_expect(const char *spec, const ls_mat *M, size_t rows, size_t cols,
			   const char *other, ls_error *err);

/* The checks of c's file parameters that need no matrix: a file c's problem does not read,
 * regression's --target with --outputs, classify's --inputs without --outputs (or the other
 * way), init files with mlp --modules 2 (LS_EINVAL naming the option). */
ls_status ls_config_check_files(const ls_config *c, ls_error *err);

/* Where ls_config_resolve_fetch gets the matrix of input k (named by the config): *M
 * borrowed, valid until the resolution returns; an error names the file (the option is
 * prefixed). */
typedef ls_status (*ls_inputs_fetch)(void *ctx, ls_input_id k, const ls_mat **M, ls_error *err);

/* Take the sizes the file parameters of c's problem fix (MATH.md §1 "loaded"; the table in
 * problem_files.c): --m, --n, --samples and --rank become the files' sizes. given (NULL: none)
 * marks, by ls_param_id, the parameters the user set, whose values must then agree: on a
 * disagreement LS_EDIM with "t.npy is 100×30, but --m 64 needs 64×any" naming both sides;
 * two files must agree likewise. --rank and --true-rank, when not given, are lowered to
 * min(m, n) if they exceed it. ls_config_check_files first; then each named file's matrix
 * is fetched once, in the order of ls_input_id, and checked before the next is fetched (so
 * a loader that reads in fetch names the first bad file). On failure c is unchanged. */
ls_status ls_config_resolve_fetch(ls_config *c, const bool *given, ls_inputs_fetch fetch, void *ctx,
				  ls_error *err);
/* The same with the matrices of in (a named file without its matrix: LS_EINVAL). */
ls_status ls_config_resolve_inputs(ls_config *c, const bool *given, const ls_inputs *in,
				   ls_error *err);

#endif
