/* safetensors.c — parse and validate a .safetensors header with jansson, and convert
 * tensors to double matrices. Layout: u64 little-endian N, N bytes of JSON, data. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/fileio.h"
#include "lorascope/npy.h"
#include "lorascope/safetensors.h"

typedef struct {
	const char *name;
	size_t size;
	bool loadable;
} st_dtype;

static const st_dtype dtypes[] = {
	{ "F64", 8, true },  { "F32", 4, true },      { "F16", 2, true },      { "BF16", 2, true },
	{ "I64", 8, true },  { "I32", 4, true },      { "I16", 2, true },      { "I8", 1, true },
	{ "U64", 8, true },  { "U32", 4, true },      { "U16", 2, true },      { "U8", 1, true },
	{ "BOOL", 1, true }, { "F8_E4M3", 1, false }, { "F8_E5M2", 1, false },
};

static const st_dtype *find_dtype(const char *s)
{
	for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
		if (strcmp(dtypes[i].name, s) == 0)
			return &dtypes[i];
	return NULL;
}

void ls_st_close(ls_safetensors *st)
{
	for (size_t i = 0; i < st->count; i++)
		free(st->tensors[i].name);
	free(st->tensors);
	for (size_t i = 0; i < 2 * st->nmeta; i++)
		free(st->meta[i]);
	free(st->meta);
	free(st->path);
	free(st->owned);
	ls_file_map_close(&st->map);
	memset(st, 0, sizeof *st);
}

static int by_begin(const void *a, const void *b)
{
	const ls_st_tensor *x = a, *y = b;
	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

static int by_name(const void *a, const void *b)
{
	const ls_st_tensor *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int by_key(const void *a, const void *b)
{
	char *const *x = a, *const *y = b;
	return strcmp(x[0], y[0]);
}

/* Read a non-negative JSON integer. */
static bool get_size(json_t *v, size_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	json_int_t x = json_integer_value(v);
	if ((unsigned long long)x > (unsigned long long)SIZE_MAX)
		return false;
	*out = (size_t)x;
	return true;
}

static ls_status parse_tensor(const char *name, const char *key, json_t *v, ls_st_tensor *t,
			      ls_error *err)
{
	if (!json_is_object(v))
		return ls_error_set(err, LS_EFORMAT, "%s: tensor '%s': entry is not an object",
				    name, key);
	json_t *dt = json_object_get(v, "dtype");
	json_t *shape = json_object_get(v, "shape");
	json_t *offs = json_object_get(v, "data_offsets");
	if (!json_is_string(dt) || !json_is_array(shape) || !json_is_array(offs))
		return ls_error_set(err, LS_EFORMAT,
				    "%s: tensor '%s': needs string 'dtype', arrays 'shape' and "
				    "'data_offsets'",
				    name, key);
	const st_dtype *d = find_dtype(json_string_value(dt));
	if (!d)
		return ls_error_set(err, LS_EFORMAT, "%s: tensor '%s': unknown dtype '%.20s'", name,
				    key, json_string_value(dt));
	snprintf(t->dtype, sizeof t->dtype, "%s", d->name);
	t->elem_size = d->size;
	t->ndim = json_array_size(shape);
	if (t->ndim > LS_ST_MAX_DIMS)
		return ls_error_set(err, LS_EUNSUPPORTED,
				    "%s: tensor '%s': %zu dimensions (max %d)", name, key, t->ndim,
				    LS_ST_MAX_DIMS);
	size_t count = 1;
	bool overflow = false;
	for (size_t i = 0; i < t->ndim; i++) {
		if (!get_size(json_array_get(shape, i), &t->shape[i]))
			return ls_error_set(err, LS_EFORMAT,
					    "%s: tensor '%s': shape entries must be non-negative "
					    "integers",
					    name, key);
		if (t->shape[i] && count > SIZE_MAX / t->shape[i])
			overflow = true;
		else
			count *= t->shape[i];
	}
	if (overflow || count > SIZE_MAX / d->size)
		return ls_error_set(err, LS_ETOOBIG, "%s: tensor '%s': shape too large", name, key);
	t->count = count;
	if (json_array_size(offs) != 2 || !get_size(json_array_get(offs, 0), &t->begin) ||
	    !get_size(json_array_get(offs, 1), &t->end))
		return ls_error_set(err, LS_EFORMAT,
				    "%s: tensor '%s': data_offsets must be [begin, end]", name,
				    key);
	if (t->end < t->begin)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: tensor '%s': data_offsets [%zu, %zu] end before begin",
				    name, key, t->begin, t->end);
	if (t->end - t->begin != count * d->size)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: tensor '%s': data_offsets [%zu, %zu] hold %zu bytes, but "
				    "%s × %zu elements need %zu",
				    name, key, t->begin, t->end, t->end - t->begin, d->name, count,
				    count * d->size);
	return LS_OK;
}

static ls_status parse_meta(ls_safetensors *st, const char *name, json_t *v, ls_error *err)
{
	if (!json_is_object(v))
		return ls_error_set(err, LS_EFORMAT, "%s: __metadata__ is not an object", name);
	size_t n = json_object_size(v);
	st->meta = calloc(2 * n + 1, sizeof *st->meta);
	if (!st->meta)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	const char *k;
	json_t *x;
	json_object_foreach(v, k, x)
	{
		if (!json_is_string(x))
			return ls_error_set(err, LS_EFORMAT,
					    "%s: __metadata__ value of '%s' is not a string", name,
					    k);
		st->meta[2 * st->nmeta] = strdup(k);
		st->meta[2 * st->nmeta + 1] = strdup(json_string_value(x));
		st->nmeta++;
		if (!st->meta[2 * st->nmeta - 2] || !st->meta[2 * st->nmeta - 1])
			return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	}
	qsort(st->meta, st->nmeta, 2 * sizeof *st->meta, by_key);
	return LS_OK;
}

/* The tensors must tile the data section exactly: sorted by offset, each begins where the
 * previous ended, the first at 0 and the last at the end of the file. */
static ls_status check_layout(ls_safetensors *st, const char *name, ls_error *err)
{
	qsort(st->tensors, st->count, sizeof *st->tensors, by_begin);
	size_t pos = 0;
	for (size_t i = 0; i < st->count; i++) {
		const ls_st_tensor *t = &st->tensors[i];
		if (t->end > st->data_len)
			return ls_error_set(err, LS_EFORMAT,
					    "%s: tensor '%s': data_offsets [%zu, %zu] out of range "
					    "(data section has %zu bytes)",
					    name, t->name, t->begin, t->end, st->data_len);
		if (t->begin < pos)
			return ls_error_set(err, LS_EFORMAT,
					    "%s: tensor '%s': data_offsets [%zu, %zu] overlap "
					    "tensor '%s'",
					    name, t->name, t->begin, t->end,
					    st->tensors[i - 1].name);
		if (t->begin > pos)
			return ls_error_set(err, LS_EFORMAT,
					    "%s: hole of %zu bytes in the data before tensor '%s'",
					    name, t->begin - pos, t->name);
		pos = t->end;
	}
	if (pos != st->data_len)
		return ls_error_set(err, LS_EFORMAT, "%s: %zu trailing bytes after the last tensor",
				    name, st->data_len - pos);
	qsort(st->tensors, st->count, sizeof *st->tensors, by_name);
	return LS_OK;
}

static ls_status parse_json(ls_safetensors *st, json_t *root, const char *name, ls_error *err)
{
	if (!json_is_object(root))
		return ls_error_set(err, LS_EFORMAT, "%s: header is not a JSON object", name);
	size_t n = json_object_size(root);
	st->tensors = calloc(n + 1, sizeof *st->tensors);
	if (!st->tensors)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	const char *key;
	json_t *v;
	ls_status s;
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "__metadata__") == 0) {
			if ((s = parse_meta(st, name, v, err)) != LS_OK)
				return s;
			continue;
		}
		ls_st_tensor *t = &st->tensors[st->count];
		if ((s = parse_tensor(name, key, v, t, err)) != LS_OK)
			return s;
		if (!(t->name = strdup(key)))
			return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
		st->count++;
	}
	return check_layout(st, name, err);
}

ls_status ls_st_parse(ls_safetensors *st, const unsigned char *buf, size_t len, const char *name,
		      ls_error *err)
{
	memset(st, 0, sizeof *st);
	if (!(st->path = strdup(name)))
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	if (len < 8)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: not a safetensors file (%zu bytes, need an 8-byte header "
				    "length)",
				    name, len);
	uint64_t n = 0;
	for (int i = 7; i >= 0; i--)
		n = n << 8 | buf[i];
	if (n > LS_ST_MAX_HEADER)
		return ls_error_set(err, LS_ETOOBIG,
				    "%s: header length %llu exceeds the limit of %zu bytes", name,
				    (unsigned long long)n, LS_ST_MAX_HEADER);
	if (n > len - 8)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: header length %llu runs past the end of the file (%zu "
				    "bytes)",
				    name, (unsigned long long)n, len);
	if (n == 0 || buf[8] != '{')
		return ls_error_set(err, LS_EFORMAT, "%s: header does not start with '{'", name);
	json_error_t jerr;
	json_t *root = json_loadb((const char *)buf + 8, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return ls_error_set(err, LS_EFORMAT, "%s: bad JSON header at byte %d: %s", name,
				    jerr.position, jerr.text);
	st->data = buf + 8 + n;
	st->data_len = len - 8 - (size_t)n;
	ls_status s = parse_json(st, root, name, err);
	json_decref(root);
	return s;
}

ls_status ls_st_open(ls_safetensors *st, const char *path, ls_error *err)
{
	ls_file_map fm;
	memset(st, 0, sizeof *st);
	ls_status s = ls_file_map_open(&fm, path, err);
	if (s != LS_OK)
		return s;
	static const unsigned char empty[1];
	s = ls_st_parse(st, fm.data ? fm.data : empty, fm.len, path, err);
	st->map = fm;
	if (s != LS_OK)
		ls_st_close(st);
	return s;
}

const ls_st_tensor *ls_st_find(const ls_safetensors *st, const char *name)
{
	if (!st->count)
		return NULL;
	ls_st_tensor key = { .name = (char *)(uintptr_t)name };
	return bsearch(&key, st->tensors, st->count, sizeof *st->tensors, by_name);
}

const char *ls_st_meta(const ls_safetensors *st, const char *key)
{
	for (size_t i = 0; i < st->nmeta; i++)
		if (strcmp(st->meta[2 * i], key) == 0)
			return st->meta[2 * i + 1];
	return NULL;
}

static double element(const unsigned char *p, const char *dtype, size_t size)
{
	uint64_t u = 0;
	for (size_t i = size; i-- > 0;)
		u = u << 8 | p[i];
	if (strcmp(dtype, "F64") == 0) {
		double d;
		memcpy(&d, &u, sizeof d);
		return d;
	}
	if (strcmp(dtype, "F32") == 0 || strcmp(dtype, "BF16") == 0) {
		uint32_t w = dtype[0] == 'B' ? (uint32_t)u << 16 : (uint32_t)u;
		float f;
		memcpy(&f, &w, sizeof f);
		return f;
	}
	if (strcmp(dtype, "F16") == 0)
		return ls_npy_half_to_double((uint16_t)u);
	if (dtype[0] == 'I') {
		if (size < 8 && (u >> (8 * size - 1)) & 1)
			u |= ~(uint64_t)0 << (8 * size);
		int64_t s;
		memcpy(&s, &u, sizeof s);
		return (double)s;
	}
	return (double)u; /* U8..U64, BOOL */
}

/* The matrix shape rows × cols of tensor t (see ls_st_tensor_matrix), or why it has none. */
static ls_status matrix_shape(const ls_safetensors *st, const ls_st_tensor *t, bool flatten,
			      size_t *rows_out, size_t *cols_out, ls_error *err)
{
	const st_dtype *d = find_dtype(t->dtype);
	if (!d || !d->loadable)
		return ls_error_set(err, LS_EUNSUPPORTED,
				    "%s: tensor '%s': dtype %s cannot be loaded as a matrix",
				    st->path, t->name, t->dtype);
	if (t->ndim == 0 || (t->ndim > 2 && !flatten)) {
		char shp[160];
		size_t n = (size_t)snprintf(shp, sizeof shp, "[");
		for (size_t i = 0; i < t->ndim && n < sizeof shp; i++)
			n += (size_t)snprintf(shp + n, sizeof shp - n, "%s%zu", i ? ", " : "",
					      t->shape[i]);
		if (n < sizeof shp)
			snprintf(shp + n, sizeof shp - n, "]");
		return ls_error_set(err, LS_EDIM,
				    "%s: tensor '%s': %zu-D shape %s: need 1-D or 2-D", st->path,
				    t->name, t->ndim, shp);
	}
	/* rows × (product of the other dimensions), each bounded, so an empty tensor cannot
	 * carry a huge dimension. */
	size_t rows = t->shape[0], cols = 1;
	bool big = rows > LS_MAT_MAX_ELEMS;
	for (size_t i = 1; i < t->ndim && !big; i++) {
		big = t->shape[i] > LS_MAT_MAX_ELEMS ||
		      (t->shape[i] && cols > LS_MAT_MAX_ELEMS / t->shape[i]);
		cols *= t->shape[i];
	}
	if (big || (cols && rows > LS_MAT_MAX_ELEMS / cols))
		return ls_error_set(err, LS_ETOOBIG, "%s: tensor '%s': more than %zu elements",
				    st->path, t->name, LS_MAT_MAX_ELEMS);
	if (strcmp(t->dtype, "BOOL") == 0)
		for (size_t k = 0; k < t->count; k++)
			if (st->data[t->begin + k] > 1)
				return ls_error_set(err, LS_EFORMAT,
						    "%s: tensor '%s': BOOL element %zu holds byte "
						    "0x%02x",
						    st->path, t->name, k, st->data[t->begin + k]);
	*rows_out = rows;
	*cols_out = cols;
	return LS_OK;
}

/* The value of a little-endian F32 or BF16 element. */
static inline double f32_at(const unsigned char *e)
{
	uint32_t w = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
		     (uint32_t)e[3] << 24;
	float f;
	memcpy(&f, &w, sizeof f);
	return f;
}

static inline double bf16_at(const unsigned char *e)
{
	uint32_t w = ((uint32_t)e[0] | (uint32_t)e[1] << 8) << 16;
	float f;
	memcpy(&f, &w, sizeof f);
	return f;
}

#define FILL_BLOCK 64

/* Row-major element k = (i, j) of the rows × cols tensor t goes to M(i, j), or to M(j, i)
 * with transpose. The float types, which adapters hold by the hundred million, get their own
 * loops (no per-element dtype test). Without transpose the rows go by blocks, each column's
 * part written in one run: writing a row at a time into r columns a power-of-two stride apart
 * would make every store miss (the columns of a 4096×16 factor share their cache sets). */
static void fill(const ls_safetensors *st, const ls_st_tensor *t, size_t rows, size_t cols,
		 bool transpose, ls_mat *M)
{
	const unsigned char *p = st->data + t->begin;
	size_t ld = M->ld, es = t->elem_size;
	double *out = M->data;
	bool f32 = strcmp(t->dtype, "F32") == 0, bf16 = strcmp(t->dtype, "BF16") == 0;
	if (transpose) {
		for (size_t i = 0, k = 0; i < rows; i++) {
			double *o = out + i * ld;
			if (f32)
				for (size_t j = 0; j < cols; j++, k++)
					o[j] = f32_at(p + 4 * k);
			else if (bf16)
				for (size_t j = 0; j < cols; j++, k++)
					o[j] = bf16_at(p + 2 * k);
			else
				for (size_t j = 0; j < cols; j++, k++)
					o[j] = element(p + k * es, t->dtype, es);
		}
		return;
	}
	for (size_t i0 = 0; i0 < rows; i0 += FILL_BLOCK) {
		size_t i1 = rows - i0 < FILL_BLOCK ? rows : i0 + FILL_BLOCK;
		for (size_t j = 0; j < cols; j++) {
			double *o = out + j * ld;
			if (f32)
				for (size_t i = i0; i < i1; i++)
					o[i] = f32_at(p + 4 * (i * cols + j));
			else if (bf16)
				for (size_t i = i0; i < i1; i++)
					o[i] = bf16_at(p + 2 * (i * cols + j));
			else
				for (size_t i = i0; i < i1; i++)
					o[i] = element(p + (i * cols + j) * es, t->dtype, es);
		}
	}
}

ls_status ls_st_tensor_matrix(const ls_safetensors *st, const ls_st_tensor *t, bool flatten,
			      ls_mat *M, ls_error *err)
{
	*M = (ls_mat){ 0 };
	size_t rows, cols;
	ls_status s = matrix_shape(st, t, flatten, &rows, &cols, err);
	if (s == LS_OK)
		s = ls_file_mat_alloc(M, rows, cols, st->path, err);
	if (s == LS_OK)
		fill(st, t, rows, cols, false, M);
	return s;
}

ls_status ls_st_tensor_matrix_into(const ls_safetensors *st, const ls_st_tensor *t, bool transpose,
				   ls_mat *M, ls_error *err)
{
	size_t rows, cols;
	ls_status s = matrix_shape(st, t, true, &rows, &cols, err);
	if (s != LS_OK)
		return s;
	size_t r = transpose ? cols : rows, c = transpose ? rows : cols;
	if (!M->data || !M->owner || M->rows * M->cols != r * c) {
		ls_mat_free(M);
		if ((s = ls_file_mat_alloc(M, r, c, st->path, err)) != LS_OK)
			return s;
	}
	M->rows = r;
	M->cols = c;
	M->ld = r ? r : 1;
	fill(st, t, rows, cols, transpose, M);
	return LS_OK;
}

ls_status ls_st_load_matrix(const char *path, const char *tensor, ls_mat *M, ls_error *err)
{
	ls_safetensors st;
	*M = (ls_mat){ 0 };
	ls_status s = ls_st_open(&st, path, err);
	if (s != LS_OK)
		return s;
	const ls_st_tensor *t = NULL;
	if (tensor) {
		t = ls_st_find(&st, tensor);
	} else if (st.count == 1) {
		t = &st.tensors[0];
	}
	if (!t) {
		char have[300];
		size_t n = 0;
		have[0] = '\0';
		for (size_t i = 0; i < st.count && n < sizeof have - 8; i++)
			n += (size_t)snprintf(have + n, sizeof have - n, "%s%s", i ? ", " : "",
					      st.tensors[i].name);
		if (n >= sizeof have - 8)
			snprintf(have + sizeof have - 8, 8, ", ...");
		if (tensor)
			s = ls_error_set(err, LS_EINVAL, "%s: tensor '%s' not found (have: %s)",
					 path, tensor, st.count ? have : "none");
		else
			s = ls_error_set(err, LS_EINVAL,
					 "%s: %zu tensors: pick one with %s:NAME (have: %s)", path,
					 st.count, path, st.count ? have : "none");
	} else {
		s = ls_st_tensor_matrix(&st, t, false, M, err);
	}
	ls_st_close(&st);
	return s;
}
