/* npy.h — NumPy .npy files: reader (format versions 1.0, 2.0, 3.0) and writer (1.0).
 *
 * The reader accepts 1-D and 2-D arrays of '<f8' '>f8' '<f4' '>f4' '<f2' '>f2', signed and
 * unsigned integers of 1, 2, 4 and 8 bytes in either byte order and booleans (0 or 1), in
 * C or Fortran order, and returns a column-major double matrix (a 1-D array of n elements
 * becomes n×1). Everything else is refused with a one-line message naming the file and
 * the problem. Headers longer than LS_NPY_MAX_HEADER bytes are refused, as NumPy does. */
#ifndef LORASCOPE_NPY_H
#define LORASCOPE_NPY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lorascope/mat.h"
#include "lorascope/status.h"

/* NumPy's own default limit on the header length (np.load's max_header_size). */
#define LS_NPY_MAX_HEADER 10000

/* IEEE binary16 bits → double, exact (NaN, ±Inf and subnormals included). */
double ls_npy_half_to_double(uint16_t h);

/* Parse a whole .npy image buf[0..len) into a new matrix M; name labels error messages. */
ls_status ls_npy_parse(const unsigned char *buf, size_t len, const char *name, ls_mat *M,
		       ls_error *err);
/* Read the .npy file at path into a new matrix M. */
ls_status ls_npy_load(const char *path, ls_mat *M, ls_error *err);
/* Write M to the stream f as a version 1.0 .npy: '<f8', fortran_order True, shape (rows, cols). */
ls_status ls_npy_write(FILE *f, const ls_mat *M, ls_error *err);
/* Write M to path atomically (temporary file + rename) as ls_npy_write does. */
ls_status ls_npy_save(const char *path, const ls_mat *M, ls_error *err);

#endif
