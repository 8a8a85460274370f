/* loader.h — reading the matrix files a config names (--w0, --target, --inputs, --outputs,
 * --init-a-file, --init-b-file), each once, for the core, which takes matrices (inputs.h).
 * `lorascope run`, the TUI (on its UI thread) and snapshot resume load through here. Errors
 * name the option and the file: "--target: t.npy: cannot open: ...". */
#ifndef LORASCOPE_LOADER_H
#define LORASCOPE_LOADER_H

#include <stdbool.h>

#include "lorascope/config.h"
#include "lorascope/inputs.h"
#include "lorascope/status.h"

/* Read each file cfg names once, in the order of ls_input_id, and take the sizes they fix
 * (ls_config_resolve_fetch with given: a file is checked right after it is read, so the
 * first bad one is named). On success cfg is resolved and in holds every named matrix; on
 * failure cfg is unchanged and in is empty. */
ls_status ls_inputs_load(ls_config *cfg, const bool *given, ls_inputs *in, ls_error *err);

/* Read each file cfg names once, with no size work (a resolved config: a snapshot's; the
 * problems check the shapes against it). On failure in is empty. */
ls_status ls_inputs_read(const ls_config *cfg, ls_inputs *in, ls_error *err);

/* The matrix a change of parameter name to value brings (for ls_session_set_file): when name
 * is a file parameter and value a file name, *M := the file's matrix, read after the checks
 * of ls_config_check_files on cur with the change, and *loaded = true; otherwise nothing is
 * read and *loaded = false. A value ls_config_set refuses is refused with its message. */
ls_status ls_input_load_change(const ls_config *cur, const char *name, const char *value, ls_mat *M,
			       bool *loaded, ls_error *err);

#endif
