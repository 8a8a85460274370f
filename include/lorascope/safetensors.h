/* safetensors.h — the .safetensors reader: an 8-byte little-endian header length, a JSON
 * header (parsed with jansson) naming each tensor's dtype, shape and byte range, then the
 * raw little-endian data.
 *
 * Everything the format forbids is refused with a message naming the file and the fault:
 * headers over LS_ST_MAX_HEADER bytes, bad JSON, unknown dtypes, a byte range that does not
 * match dtype × shape, ranges that overlap, fall outside the data, or leave holes or
 * trailing bytes. Tensors load as column-major double matrices (F64, F32, F16, BF16 exactly;
 * integers and BOOL converted); 1-D tensors become n×1. */
#ifndef LORASCOPE_SAFETENSORS_H
#define LORASCOPE_SAFETENSORS_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/fileio.h"
#include "lorascope/mat.h"
#include "lorascope/status.h"

/* The format's own limit on the JSON header: 100 MB. */
#define LS_ST_MAX_HEADER ((size_t)100 * 1000 * 1000)
#define LS_ST_MAX_DIMS 8

typedef struct {
	char *name;
	char dtype[12];   /* "F32", "BF16", ... as in the header */
	size_t elem_size; /* bytes per element */
	size_t ndim;
	size_t shape[LS_ST_MAX_DIMS];
	size_t count;      /* number of elements */
	size_t begin, end; /* byte range inside the data section */
} ls_st_tensor;

typedef struct {
	ls_st_tensor *tensors; /* sorted by name */
	size_t count;
	char **meta; /* __metadata__ pairs: meta[2k] key, meta[2k+1] value, sorted by key */
	size_t nmeta;
	const unsigned char *data; /* the data section (inside the mapped file or caller buffer,
				      or owned) */
	size_t data_len;
	char *path;           /* the file name used in messages */
	ls_file_map map;      /* set by ls_st_open */
	unsigned char *owned; /* data when the image was built in memory (torchbin.h), else NULL */
} ls_safetensors;

/* Parse the image buf[0..len) (which must outlive st) into st; name labels messages. */
ls_status ls_st_parse(ls_safetensors *st, const unsigned char *buf, size_t len, const char *name,
		      ls_error *err);
/* Map and parse the file at path. Release with ls_st_close. */
ls_status ls_st_open(ls_safetensors *st, const char *path, ls_error *err);
/* Release everything ls_st_open/ls_st_parse allocated (a no-op on a zeroed struct). */
void ls_st_close(ls_safetensors *st);

/* The tensor called name, or NULL. */
const ls_st_tensor *ls_st_find(const ls_safetensors *st, const char *name);
/* The value of a __metadata__ key, or NULL. */
const char *ls_st_meta(const ls_safetensors *st, const char *key);

/* Convert tensor t to a new column-major matrix M. Row-major [r, c] becomes r×c, [n]
 * becomes n×1; with flatten, [d0, d1, ...] becomes d0×(d1·d2·…) (conv kernels), otherwise
 * more than two dimensions is an error naming the shape. */
ls_status ls_st_tensor_matrix(const ls_safetensors *st, const ls_st_tensor *t, bool flatten,
			      ls_mat *M, ls_error *err);
/* The same, flattened, or its transpose with transpose, into M (a matrix or {0}): M's storage
 * is kept when it holds as many elements, so a caller converting many equal-shaped tensors
 * allocates once. M is left for the caller to free, also after a failure. */
ls_status ls_st_tensor_matrix_into(const ls_safetensors *st, const ls_st_tensor *t, bool transpose,
				   ls_mat *M, ls_error *err);

/* Load one tensor of the file at path into M. tensor may be NULL when the file holds exactly
 * one tensor; an unknown name is refused with the list of names the file has. */
ls_status ls_st_load_matrix(const char *path, const char *tensor, ls_mat *M, ls_error *err);

/* ---- Writing (src/io/safetensors_write.c) ---- */

/* One tensor to write: the column-major matrix M stored row-major as an F64 tensor of shape
 * [M.rows, M.cols], or with transposed as Mᵀ, shape [M.cols, M.rows]. */
typedef struct {
	const char *name;
	const ls_mat *M;
	bool transposed;
} ls_st_out;

/* Write path atomically (ls_file_write_atomic) as a .safetensors file: the 8-byte
 * little-endian header length, the JSON header (jansson, keys in the order given, padded
 * with spaces to a multiple of 8 bytes so every tensor starts 8-aligned), then the tensors
 * t[0..n) in that order, F64 little-endian, with no holes. meta[0..2·nmeta) are key/value
 * pairs for __metadata__ (left out when nmeta is 0). Refuses an empty or repeated name and
 * "__metadata__" as a tensor name (LS_EINVAL). F64 keeps every factor exact: ls_st_open gives
 * back the same bits. */
ls_status ls_st_save(const char *path, const ls_st_out *t, size_t n, const char *const *meta,
		     size_t nmeta, ls_error *err);

#endif
