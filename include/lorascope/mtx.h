/* mtx.h — Matrix Market (.mtx) reader: coordinate and array formats; real, integer and
 * pattern fields; general, symmetric, skew-symmetric (and hermitian, which for real data
 * is symmetric) storage. The result is a dense column-major double matrix; coordinate
 * entries that repeat are summed (as SciPy's mmread does when densifying). */
#ifndef LORASCOPE_MTX_H
#define LORASCOPE_MTX_H

#include <stddef.h>

#include "lorascope/mat.h"
#include "lorascope/status.h"

/* Largest dense result of a coordinate file (whose size is not bounded by its length). */
#ifndef LS_MTX_MAX_ELEMS
#define LS_MTX_MAX_ELEMS LS_MAT_MAX_ELEMS
#endif

/* Parse text[0..len) (text[len] must be '\0') into a new matrix M; name labels messages. */
ls_status ls_mtx_parse(const char *text, size_t len, const char *name, ls_mat *M, ls_error *err);
/* Read the .mtx file at path into a new matrix M. */
ls_status ls_mtx_load(const char *path, ls_mat *M, ls_error *err);

#endif
