/* safetensors_write.c — ls_st_save (safetensors.h): a .safetensors file of F64 tensors, the
 * header through jansson, written atomically. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lorascope/fileio.h"
#include "lorascope/safetensors.h"

typedef struct {
	const ls_st_out *t;
	size_t n;
	const char *header; /* the JSON header, unpadded */
	size_t hlen;
} st_writer;

static void put_le64(unsigned char b[8], uint64_t u)
{
	for (int k = 0; k < 8; k++)
		b[k] = (unsigned char)(u >> (8 * k));
}

/* Rows and columns of tensor t as stored (row-major). */
static void stored_shape(const ls_st_out *t, size_t *rows, size_t *cols)
{
	*rows = t->transposed ? t->M->cols : t->M->rows;
	*cols = t->transposed ? t->M->rows : t->M->cols;
}

static ls_status write_cb(FILE *f, const void *ctx, ls_error *err)
{
	const st_writer *w = ctx;
	size_t padded = (w->hlen + 7) / 8 * 8;
	unsigned char len[8];
	put_le64(len, (uint64_t)padded);
	fwrite(len, 1, sizeof len, f);
	fwrite(w->header, 1, w->hlen, f);
	for (size_t i = w->hlen; i < padded; i++)
		fputc(' ', f);
	for (size_t k = 0; k < w->n; k++) {
		const ls_st_out *t = &w->t[k];
		size_t rows, cols;
		stored_shape(t, &rows, &cols);
		for (size_t i = 0; i < rows; i++)
			for (size_t j = 0; j < cols; j++) {
				double v = t->transposed ? LS_AT(*t->M, j, i) : LS_AT(*t->M, i, j);
				uint64_t u;
				memcpy(&u, &v, sizeof u);
				unsigned char b[8];
				put_le64(b, u);
				fwrite(b, 1, sizeof b, f);
			}
	}
	if (ferror(f))
		return ls_error_set(err, LS_EIO, "write error");
	return LS_OK;
}

/* The header: __metadata__ first (when any), then each tensor's dtype, shape and range. */
static ls_status header_json(const ls_st_out *t, size_t n, const char *const *meta, size_t nmeta,
			     const char *path, json_t **out, ls_error *err)
{
	json_t *root = json_object();
	if (!root)
		return ls_error_set(err, LS_ENOMEM, "%s: header", path);
	ls_status st = LS_OK;
	if (nmeta > 0) {
		json_t *m = json_object();
		for (size_t i = 0; m && i < nmeta; i++)
			if (json_object_set_new(m, meta[2 * i], json_string(meta[2 * i + 1])) != 0)
				st = ls_error_set(err, LS_EINVAL, "%s: bad metadata entry %zu",
						  path, i);
		if (!m || json_object_set_new(root, "__metadata__", m) != 0)
			st = ls_error_set(err, LS_ENOMEM, "%s: header", path);
	}
	size_t offset = 0;
	for (size_t k = 0; st == LS_OK && k < n; k++) {
		if (!t[k].name[0] || strcmp(t[k].name, "__metadata__") == 0 ||
		    json_object_get(root, t[k].name)) {
			st = ls_error_set(err, LS_EINVAL, "%s: bad or repeated tensor name '%s'",
					  path, t[k].name);
			break;
		}
		size_t rows, cols;
		stored_shape(&t[k], &rows, &cols);
		size_t bytes = rows * cols * sizeof(double);
		json_t *e = json_pack("{s:s,s:[I,I],s:[I,I]}", "dtype", "F64", "shape",
				      (json_int_t)rows, (json_int_t)cols, "data_offsets",
				      (json_int_t)offset, (json_int_t)(offset + bytes));
		if (!e || json_object_set_new(root, t[k].name, e) != 0)
			st = ls_error_set(err, LS_ENOMEM, "%s: header", path);
		offset += bytes;
	}
	if (st != LS_OK) {
		json_decref(root);
		return st;
	}
	*out = root;
	return LS_OK;
}

ls_status ls_st_save(const char *path, const ls_st_out *t, size_t n, const char *const *meta,
		     size_t nmeta, ls_error *err)
{
	json_t *root;
	ls_status st = header_json(t, n, meta, nmeta, path, &root, err);
	if (st != LS_OK)
		return st;
	char *header = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!header)
		return ls_error_set(err, LS_ENOMEM, "%s: header", path);
	st_writer w = { .t = t, .n = n, .header = header, .hlen = strlen(header) };
	st = w.hlen > LS_ST_MAX_HEADER
		     ? ls_error_set(err, LS_ETOOBIG, "%s: header over the format's limit", path)
		     : ls_file_write_atomic(path, write_cb, &w, err);
	free(header);
	return st;
}
