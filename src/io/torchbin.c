/* torchbin.c — torch.save's zip archive (adapter_model.bin) through libzip: find the archive
 * prefix, check byteorder, read data.pkl with the restricted pickle reader, then copy each
 * tensor out of its storage record (any strides within the storage) into one owned buffer
 * laid out as a safetensors data section. libzip does the zip format (central directory,
 * ZIP64, deflate, CRC checks) so no zip parser of our own is needed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "lorascope/fileio.h"
#include "lorascope/torchbin.h"
#include "torchpickle.h"

/* Deflate expands at most about 1032:1; a record claiming more is refused before reading. */
#define DEFLATE_MAX_RATIO 1032

static ls_status zip_fail(const char *name, const char *what, zip_t *za, ls_error *err)
{
	return ls_error_set(err, LS_EFORMAT, "%s: %s: %s", name, what,
			    zip_error_strerror(zip_get_error(za)));
}

/* Read the record called entry (at most max bytes) into a new buffer; *found false (and
 * LS_OK) when the archive has no such record. */
static ls_status read_record(zip_t *za, const char *name, const char *entry, size_t max,
			     unsigned char **out, size_t *len, bool *found, ls_error *err)
{
	*out = NULL;
	*len = 0;
	zip_int64_t idx = zip_name_locate(za, entry, 0);
	*found = idx >= 0;
	if (idx < 0)
		return LS_OK;
	zip_stat_t zs;
	if (zip_stat_index(za, (zip_uint64_t)idx, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE) ||
	    !(zs.valid & ZIP_STAT_COMP_SIZE) || !(zs.valid & ZIP_STAT_COMP_METHOD))
		return zip_fail(name, entry, za, err);
	if (zs.comp_method != ZIP_CM_STORE && zs.comp_method != ZIP_CM_DEFLATE)
		return ls_error_set(err, LS_EUNSUPPORTED,
				    "%s: %s: compression method %u (only stored and deflate are "
				    "read)",
				    name, entry, (unsigned)zs.comp_method);
	if (zs.size > max || (zs.comp_method == ZIP_CM_STORE && zs.size != zs.comp_size) ||
	    zs.size / DEFLATE_MAX_RATIO > zs.comp_size)
		return ls_error_set(err, LS_ETOOBIG,
				    "%s: %s: %llu bytes, more than the %zu expected", name, entry,
				    (unsigned long long)zs.size, max);
	unsigned char *buf = malloc(zs.size ? (size_t)zs.size : 1);
	if (!buf)
		return ls_error_set(err, LS_ENOMEM, "%s: %s: out of memory", name, entry);
	zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
	if (!zf) {
		free(buf);
		return zip_fail(name, entry, za, err);
	}
	size_t got = 0;
	zip_int64_t r = 1;
	unsigned char extra;
	while (got < zs.size && (r = zip_fread(zf, buf + got, zs.size - got)) > 0)
		got += (size_t)r;
	/* One more read: libzip checks the CRC when it reaches the end. */
	if (r >= 0 && got == zs.size)
		r = zip_fread(zf, &extra, 1);
	ls_status s = LS_OK;
	if (r != 0 || got != zs.size)
		s = ls_error_set(err, LS_EFORMAT, "%s: %s: %s", name, entry,
				 r < 0 ? zip_error_strerror(zip_file_get_error(zf))
				       : "size differs from the directory's");
	zip_fclose(zf);
	if (s != LS_OK) {
		free(buf);
		return s;
	}
	*out = buf;
	*len = (size_t)zs.size;
	return LS_OK;
}

/* The archive prefix: the one top-level directory that holds data.pkl. */
static ls_status find_prefix(zip_t *za, const char *name, char **prefix, ls_error *err)
{
	zip_int64_t n = zip_get_num_entries(za, 0);
	for (zip_int64_t i = 0; i < n; i++) {
		const char *e = zip_get_name(za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
		const char *slash = e ? strchr(e, '/') : NULL;
		if (slash && slash > e && strcmp(slash, "/data.pkl") == 0) {
			*prefix = strndup(e, (size_t)(slash - e));
			return *prefix ? LS_OK
				       : ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
		}
	}
	return ls_error_set(err, LS_EFORMAT,
			    "%s: a zip archive without <name>/data.pkl: not a torch.save file",
			    name);
}

/* Where a tensor goes in the data section. */
typedef struct {
	const ls_tp_tensor *t;
	size_t begin, count;
} place;

static int by_key(const void *a, const void *b)
{
	const place *x = a, *y = b;
	return strcmp(x->t->key, y->t->key);
}

static int by_name(const void *a, const void *b)
{
	const ls_tp_tensor *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* Elements of t, and the last element it reads (+1) in its storage; refuses overflow and
 * tensors that do not fit their storage. */
static ls_status check_extent(const ls_tp_tensor *t, const char *name, size_t *count, ls_error *err)
{
	size_t c = 1, last = t->offset;
	bool over = false;
	for (size_t i = 0; i < t->ndim; i++) {
		size_t d = t->shape[i];
		over |= d && c > SIZE_MAX / d;
		c = over ? 0 : c * d;
	}
	if (!over && c) {
		for (size_t i = 0; i < t->ndim && !over; i++) {
			size_t d = t->shape[i] - 1;
			over = t->stride[i] && d > (SIZE_MAX - last) / t->stride[i];
			if (!over)
				last += d * t->stride[i];
		}
		over |= last >= t->numel;
	}
	if (over || c > t->numel)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: tensor '%s': its shape and strides reach outside its "
				    "storage of %zu elements",
				    name, t->name, t->numel);
	*count = c;
	return LS_OK;
}

/* Copy tensor t (count elements) from its storage bytes into dst, row-major. */
static void gather(const ls_tp_tensor *t, size_t count, const unsigned char *storage,
		   unsigned char *dst)
{
	if (count == 0) /* its offset was never checked against the storage */
		return;
	size_t es = t->elem_size, want = 1;
	bool contiguous = true;
	for (size_t i = t->ndim; i-- > 0;) {
		contiguous &= t->shape[i] == 1 || t->stride[i] == want;
		want *= t->shape[i];
	}
	if (contiguous) {
		memcpy(dst, storage + t->offset * es, count * es);
		return;
	}
	size_t idx[LS_ST_MAX_DIMS] = { 0 };
	for (size_t k = 0; k < count; k++) {
		size_t off = t->offset;
		for (size_t i = 0; i < t->ndim; i++)
			off += idx[i] * t->stride[i];
		memcpy(dst + k * es, storage + off * es, es);
		for (size_t i = t->ndim; i-- > 0;) /* the odometer: last index fastest */
			if (++idx[i] < t->shape[i])
				break;
			else
				idx[i] = 0;
	}
}

/* Read every storage once (p sorted by key) and copy its tensors to their places. */
static ls_status copy_tensors(zip_t *za, const char *name, const char *prefix, const place *p,
			      size_t n, unsigned char *dst, ls_error *err)
{
	ls_status s = LS_OK;
	for (size_t i = 0; i < n && s == LS_OK;) {
		const ls_tp_tensor *t = p[i].t;
		size_t j = i + 1;
		while (j < n && strcmp(p[j].t->key, t->key) == 0)
			j++;
		for (size_t k = i + 1; k < j && s == LS_OK; k++)
			if (strcmp(p[k].t->dtype, t->dtype) != 0 || p[k].t->numel != t->numel)
				s = ls_error_set(err, LS_EFORMAT,
						 "%s: storage '%s' is given two types or sizes",
						 name, t->key);
		size_t want = t->numel * t->elem_size;
		size_t len = strlen(prefix) + strlen("/data/") + strlen(t->key);
		char *entry = malloc(len + 1);
		unsigned char *buf = NULL;
		size_t got = 0;
		bool found = false;
		if (s == LS_OK && !entry)
			s = ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
		if (s == LS_OK) {
			snprintf(entry, len + 1, "%s/data/%s", prefix, t->key);
			s = read_record(za, name, entry, want, &buf, &got, &found, err);
		}
		if (s == LS_OK && !found)
			s = ls_error_set(err, LS_EFORMAT,
					 "%s: storage record '%s' is missing from the archive",
					 name, entry);
		if (s == LS_OK && got != want)
			s = ls_error_set(err, LS_EFORMAT,
					 "%s: %s holds %zu bytes, the pickle says %zu", name, entry,
					 got, want);
		for (size_t k = i; k < j && s == LS_OK; k++)
			gather(p[k].t, p[k].count, buf, dst + p[k].begin);
		free(buf);
		free(entry);
		i = j;
	}
	return s;
}

/* Lay the tensors out by name, copy their bytes and fill st (t is sorted by name). */
static ls_status build(ls_safetensors *st, zip_t *za, const char *name, const char *prefix,
		       ls_tp_tensor *t, size_t n, ls_error *err)
{
	qsort(t, n, sizeof *t, by_name);
	place *p = calloc(n + 1, sizeof *p);
	ls_st_tensor *out = calloc(n + 1, sizeof *out);
	ls_status s = p && out ? LS_OK : ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	size_t total = 0;
	for (size_t i = 0; i < n && s == LS_OK; i++) {
		p[i].t = &t[i];
		if (i && strcmp(t[i].name, t[i - 1].name) == 0)
			s = ls_error_set(err, LS_EFORMAT, "%s: tensor '%s' appears twice", name,
					 t[i].name);
		if (s == LS_OK)
			s = check_extent(&t[i], name, &p[i].count, err);
		if (s == LS_OK && p[i].count * t[i].elem_size > SIZE_MAX - total)
			s = ls_error_set(err, LS_ETOOBIG, "%s: tensors too large", name);
		if (s != LS_OK)
			break;
		ls_st_tensor *o = &out[i];
		memcpy(o->dtype, t[i].dtype, sizeof o->dtype);
		o->elem_size = t[i].elem_size;
		o->ndim = t[i].ndim;
		memcpy(o->shape, t[i].shape, sizeof o->shape);
		o->count = p[i].count;
		o->begin = p[i].begin = total;
		total += p[i].count * t[i].elem_size;
		o->end = total;
		if (!(o->name = strdup(t[i].name)))
			s = ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	}
	if (s == LS_OK) {
		st->tensors = out;
		st->count = n;
		out = NULL;
		if (!(st->owned = malloc(total ? total : 1)))
			s = ls_error_set(err, LS_ENOMEM, "%s: out of memory (%zu bytes of tensors)",
					 name, total);
	}
	if (s == LS_OK) {
		st->data = st->owned;
		st->data_len = total;
		qsort(p, n, sizeof *p, by_key);
		s = copy_tensors(za, name, prefix, p, n, st->owned, err);
	}
	for (size_t i = 0; out && i < n; i++)
		free(out[i].name);
	free(out);
	free(p);
	return s;
}

ls_status ls_tb_parse(ls_safetensors *st, const unsigned char *buf, size_t len, const char *name,
		      ls_error *err)
{
	memset(st, 0, sizeof *st);
	if (!(st->path = strdup(name)))
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(buf, len, 0, &ze);
	zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
	if (!za) {
		ls_status s = ls_error_set(err, LS_EFORMAT,
					   "%s: not a zip archive (%s): only torch.save's zip "
					   "format (PyTorch 1.6 and later) is read",
					   name, zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		ls_st_close(st);
		return s;
	}
	zip_error_fini(&ze);
	char *prefix = NULL, *entry = NULL;
	unsigned char *rec = NULL;
	size_t reclen = 0;
	bool found = false;
	ls_tp_tensor *t = NULL;
	size_t n = 0;
	ls_status s = find_prefix(za, name, &prefix, err);
	if (s == LS_OK && !(entry = malloc(strlen(prefix) + 16)))
		s = ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	if (s == LS_OK) {
		snprintf(entry, strlen(prefix) + 16, "%s/byteorder", prefix);
		s = read_record(za, name, entry, 16, &rec, &reclen, &found, err);
	}
	if (s == LS_OK && found && (reclen != 6 || memcmp(rec, "little", 6) != 0))
		s = ls_error_set(err, LS_EUNSUPPORTED,
				 "%s: byteorder '%.*s': only little-endian archives are read", name,
				 (int)(reclen < 16 ? reclen : 16), (const char *)rec);
	free(rec);
	rec = NULL;
	if (s == LS_OK) {
		snprintf(entry, strlen(prefix) + 16, "%s/data.pkl", prefix);
		s = read_record(za, name, entry, LS_TB_MAX_PICKLE, &rec, &reclen, &found, err);
	}
	if (s == LS_OK)
		s = ls_tp_parse(rec, reclen, name, &t, &n, err);
	if (s == LS_OK)
		s = build(st, za, name, prefix, t, n, err);
	ls_tp_free(t, n);
	free(rec);
	free(entry);
	free(prefix);
	zip_discard(za);
	if (s != LS_OK)
		ls_st_close(st);
	return s;
}

ls_status ls_tb_open(ls_safetensors *st, const char *path, ls_error *err)
{
	ls_file_map fm;
	memset(st, 0, sizeof *st);
	ls_status s = ls_file_map_open(&fm, path, err);
	if (s != LS_OK)
		return s;
	static const unsigned char empty[1];
	s = ls_tb_parse(st, fm.data ? fm.data : empty, fm.len, path, err);
	ls_file_map_close(&fm);
	return s;
}
