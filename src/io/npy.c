/* npy.c — the NumPy .npy reader and writer (format description: numpy/lib/format.py).
 *
 * The header is a Python dict literal, {'descr': '<f8', 'fortran_order': False,
 * 'shape': (2, 3), }, parsed here by a small tokenizer that accepts exactly the three keys
 * (in any order, with or without the trailing comma) and nothing else. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/fileio.h"
#include "lorascope/npy.h"

#define NPY_MAX_DIMS 64

typedef struct {
	char kind;    /* 'f', 'i', 'u', 'b' */
	bool big;     /* big-endian data */
	size_t size;  /* bytes per element */
	bool fortran; /* column-major element order */
	size_t ndim;
	size_t shape[NPY_MAX_DIMS];
} npy_header;

typedef struct {
	const char *p, *end;
	const char *name;
	ls_error *err;
} hparser;

static void skip_ws(hparser *h)
{
	while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r'))
		h->p++;
}

static bool accept(hparser *h, char c)
{
	skip_ws(h);
	if (h->p < h->end && *h->p == c) {
		h->p++;
		return true;
	}
	return false;
}

static ls_status bad_header(hparser *h, const char *what)
{
	return ls_error_set(h->err, LS_EFORMAT, "%s: bad .npy header: %s", h->name, what);
}

/* A quoted string ('...' or "...") without escapes, copied into out[cap]. */
static ls_status parse_string(hparser *h, char *out, size_t cap)
{
	skip_ws(h);
	if (h->p >= h->end || (*h->p != '\'' && *h->p != '"'))
		return bad_header(h, "expected a quoted string");
	char q = *h->p++;
	size_t n = 0;
	while (h->p < h->end && *h->p != q) {
		if (*h->p == '\\')
			return bad_header(h, "escapes in strings are not supported");
		if (n + 1 >= cap)
			return bad_header(h, "string too long");
		out[n++] = *h->p++;
	}
	if (h->p >= h->end)
		return bad_header(h, "unterminated string");
	h->p++;
	out[n] = '\0';
	return LS_OK;
}

static ls_status parse_descr(hparser *h, npy_header *hd)
{
	char s[32];
	ls_status st = parse_string(h, s, sizeof s);
	if (st != LS_OK)
		return st;
	char order = s[0];
	if (order != '<' && order != '>' && order != '|' && order != '=')
		return ls_error_set(h->err, LS_EUNSUPPORTED, "%s: dtype '%s' not supported",
				    h->name, s);
	char kind = s[1];
	char *endp = NULL;
	unsigned long size = s[1] ? strtoul(s + 2, &endp, 10) : 0;
	bool ok = s[1] && s[2] >= '0' && s[2] <= '9' && endp && *endp == '\0';
	if (ok && kind == 'f')
		ok = size == 2 || size == 4 || size == 8;
	else if (ok && (kind == 'i' || kind == 'u'))
		ok = size == 1 || size == 2 || size == 4 || size == 8;
	else if (ok && kind == 'b')
		ok = size == 1;
	else
		ok = false;
	if (!ok || (order == '|' && size != 1))
		return ls_error_set(h->err, LS_EUNSUPPORTED,
				    "%s: dtype '%s' not supported (need a real or integer type: "
				    "<f8 >f8 <f4 >f4 <f2 or <i4 and the like)",
				    h->name, s);
	hd->kind = kind;
	hd->size = size;
	/* '=' is native order; NumPy itself always writes '<', '>' or '|'. */
	hd->big = order == '>';
	return LS_OK;
}

static ls_status parse_bool(hparser *h, bool *v)
{
	skip_ws(h);
	size_t left = (size_t)(h->end - h->p);
	if (left >= 4 && memcmp(h->p, "True", 4) == 0) {
		h->p += 4;
		*v = true;
		return LS_OK;
	}
	if (left >= 5 && memcmp(h->p, "False", 5) == 0) {
		h->p += 5;
		*v = false;
		return LS_OK;
	}
	return bad_header(h, "fortran_order must be True or False");
}

static ls_status parse_shape(hparser *h, npy_header *hd)
{
	if (!accept(h, '('))
		return bad_header(h, "shape must be a tuple");
	hd->ndim = 0;
	for (;;) {
		if (accept(h, ')'))
			break;
		skip_ws(h);
		if (h->p >= h->end || *h->p < '0' || *h->p > '9')
			return bad_header(h, "shape entries must be non-negative integers");
		size_t v = 0;
		while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
			size_t d = (size_t)(*h->p - '0');
			if (v > (SIZE_MAX - d) / 10)
				return ls_error_set(h->err, LS_ETOOBIG, "%s: shape entry too large",
						    h->name);
			v = v * 10 + d;
			h->p++;
		}
		if (hd->ndim == NPY_MAX_DIMS)
			return bad_header(h, "more than 64 dimensions");
		hd->shape[hd->ndim++] = v;
		if (accept(h, ','))
			continue;
		if (!accept(h, ')'))
			return bad_header(h, "expected ',' or ')' in shape");
		/* (n) without a comma is a parenthesised int in Python, not a tuple. */
		if (hd->ndim == 1)
			return bad_header(h, "a 1-D shape is written (n,)");
		break;
	}
	return LS_OK;
}

static ls_status parse_header(const char *text, size_t len, const char *name, npy_header *hd,
			      ls_error *err)
{
	hparser h = { text, text + len, name, err };
	bool seen_descr = false, seen_order = false, seen_shape = false;
	ls_status st;
	if (!accept(&h, '{'))
		return bad_header(&h, "expected '{'");
	while (!accept(&h, '}')) {
		char key[32];
		if ((st = parse_string(&h, key, sizeof key)) != LS_OK)
			return st;
		if (!accept(&h, ':'))
			return bad_header(&h, "expected ':' after a key");
		if (strcmp(key, "descr") == 0 && !seen_descr) {
			seen_descr = true;
			skip_ws(&h);
			if (h.p < h.end && *h.p == '[')
				return ls_error_set(err, LS_EUNSUPPORTED,
						    "%s: structured dtype not supported", name);
			st = parse_descr(&h, hd);
		} else if (strcmp(key, "fortran_order") == 0 && !seen_order) {
			seen_order = true;
			st = parse_bool(&h, &hd->fortran);
		} else if (strcmp(key, "shape") == 0 && !seen_shape) {
			seen_shape = true;
			st = parse_shape(&h, hd);
		} else {
			return ls_error_set(err, LS_EFORMAT,
					    "%s: bad .npy header: unexpected or repeated key '%s'",
					    name, key);
		}
		if (st != LS_OK)
			return st;
		if (!accept(&h, ',')) {
			if (!accept(&h, '}'))
				return bad_header(&h, "expected ',' or '}'");
			break;
		}
	}
	skip_ws(&h);
	if (h.p != h.end)
		return bad_header(&h, "text after the closing '}'");
	if (!seen_descr || !seen_order || !seen_shape)
		return bad_header(&h, "missing one of 'descr', 'fortran_order', 'shape'");
	return LS_OK;
}

static uint64_t load_bytes(const unsigned char *p, size_t size, bool big)
{
	uint64_t v = 0;
	for (size_t i = 0; i < size; i++) {
		size_t k = big ? i : size - 1 - i;
		v = (v << 8) | p[k];
	}
	return v;
}

double ls_npy_half_to_double(uint16_t h)
{
	int sign = (h >> 15) & 1;
	int e = (h >> 10) & 0x1f;
	int m = h & 0x3ff;
	double v;
	if (e == 0)
		v = ldexp((double)m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp((double)(m | 0x400), e - 25);
	return sign ? -v : v;
}

static double decode(const unsigned char *p, const npy_header *hd)
{
	uint64_t u = load_bytes(p, hd->size, hd->big);
	switch (hd->kind) {
	case 'f':
		if (hd->size == 2)
			return ls_npy_half_to_double((uint16_t)u);
		if (hd->size == 4) {
			uint32_t w = (uint32_t)u;
			float f;
			memcpy(&f, &w, sizeof f);
			return f;
		} else {
			double d;
			memcpy(&d, &u, sizeof d);
			return d;
		}
	case 'i': {
		if (hd->size < 8 && (u >> (8 * hd->size - 1)) & 1)
			u |= ~(uint64_t)0 << (8 * hd->size);
		int64_t s;
		memcpy(&s, &u, sizeof s);
		return (double)s;
	}
	default: /* 'u', 'b' */
		return (double)u;
	}
}

static void format_shape(const npy_header *hd, char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "(");
	for (size_t i = 0; i < hd->ndim && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%zu", i ? ", " : "", hd->shape[i]);
	if (n < cap)
		snprintf(out + n, cap - n, "%s)", hd->ndim == 1 ? "," : "");
}

ls_status ls_npy_parse(const unsigned char *buf, size_t len, const char *name, ls_mat *M,
		       ls_error *err)
{
	*M = (ls_mat){ 0 };
	static const unsigned char magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };
	if (len < 10 || memcmp(buf, magic, sizeof magic) != 0)
		return ls_error_set(err, LS_EFORMAT, "%s: not a .npy file (bad magic)", name);
	unsigned major = buf[6], minor = buf[7];
	size_t hlen, off;
	if (major == 1 && minor == 0) {
		hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
		off = 10;
	} else if ((major == 2 || major == 3) && minor == 0) {
		if (len < 12)
			return ls_error_set(err, LS_EFORMAT, "%s: truncated .npy header", name);
		hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
		       (size_t)buf[11] << 24;
		off = 12;
	} else {
		return ls_error_set(err, LS_EUNSUPPORTED,
				    "%s: .npy format version %u.%u not supported (1.0, 2.0, 3.0)",
				    name, major, minor);
	}
	if (hlen > LS_NPY_MAX_HEADER)
		return ls_error_set(err, LS_ETOOBIG,
				    "%s: .npy header of %zu bytes exceeds the limit of %d", name,
				    hlen, LS_NPY_MAX_HEADER);
	if (hlen > len - off)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: truncated .npy header (%zu bytes announced, %zu present)",
				    name, hlen, len - off);
	npy_header hd = { 0 };
	ls_status st = parse_header((const char *)buf + off, hlen, name, &hd, err);
	if (st != LS_OK)
		return st;
	off += hlen;
	size_t count = 1;
	for (size_t i = 0; i < hd.ndim; i++) {
		/* Each dimension is bounded too, so an empty (0, n) array cannot carry a huge n. */
		if (hd.shape[i] > LS_MAT_MAX_ELEMS ||
		    (hd.shape[i] && count > LS_MAT_MAX_ELEMS / hd.shape[i]))
			return ls_error_set(err, LS_ETOOBIG, "%s: more than %zu elements", name,
					    LS_MAT_MAX_ELEMS);
		count *= hd.shape[i];
	}
	if (count > LS_MAT_MAX_ELEMS)
		return ls_error_set(err, LS_ETOOBIG, "%s: more than %zu elements", name,
				    LS_MAT_MAX_ELEMS);
	size_t need = count * hd.size, have = len - off;
	if (have < need)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: truncated data (%zu bytes needed, %zu present)", name,
				    need, have);
	if (have > need)
		return ls_error_set(err, LS_EFORMAT, "%s: %zu trailing bytes after the data", name,
				    have - need);
	if (hd.kind == 'b')
		for (size_t k = 0; k < count; k++)
			if (buf[off + k] > 1)
				return ls_error_set(err, LS_EFORMAT,
						    "%s: bool element %zu holds byte 0x%02x (must "
						    "be 0 or 1)",
						    name, k, buf[off + k]);
	if (hd.ndim != 1 && hd.ndim != 2) {
		char shp[256];
		format_shape(&hd, shp, sizeof shp);
		return ls_error_set(err, LS_EDIM, "%s: %zu-D array %s: need 1-D or 2-D", name,
				    hd.ndim, shp);
	}
	size_t rows = hd.shape[0], cols = hd.ndim == 2 ? hd.shape[1] : 1;
	if ((st = ls_file_mat_alloc(M, rows, cols, name, err)) != LS_OK)
		return st;
	const unsigned char *d = buf + off;
	for (size_t k = 0; k < count; k++) {
		size_t i, j;
		if (hd.fortran || cols == 1) {
			i = k % rows;
			j = k / rows;
		} else {
			i = k / cols;
			j = k % cols;
		}
		LS_AT(*M, i, j) = decode(d + k * hd.size, &hd);
	}
	return LS_OK;
}

ls_status ls_npy_load(const char *path, ls_mat *M, ls_error *err)
{
	ls_file_map fm;
	*M = (ls_mat){ 0 };
	ls_status st = ls_file_map_open(&fm, path, err);
	if (st != LS_OK)
		return st;
	static const unsigned char empty[1];
	st = ls_npy_parse(fm.data ? fm.data : empty, fm.len, path, M, err);
	ls_file_map_close(&fm);
	return st;
}

ls_status ls_npy_write(FILE *f, const ls_mat *M, ls_error *err)
{
	char dict[160];
	int n = snprintf(dict, sizeof dict,
			 "{'descr': '<f8', 'fortran_order': True, 'shape': (%zu, %zu), }", M->rows,
			 M->cols);
	if (n < 0 || (size_t)n >= sizeof dict)
		return ls_error_set(err, LS_EINVAL, "shape too long for a .npy header");
	/* Pad with spaces and a final newline so the data starts at a multiple of 64. */
	size_t total = 10 + (size_t)n + 1;
	size_t pad = (64 - total % 64) % 64;
	size_t hlen = (size_t)n + pad + 1;
	unsigned char pre[10] = { 0x93,
				  'N',
				  'U',
				  'M',
				  'P',
				  'Y',
				  1,
				  0,
				  (unsigned char)(hlen & 0xff),
				  (unsigned char)(hlen >> 8) };
	fwrite(pre, 1, sizeof pre, f);
	fwrite(dict, 1, (size_t)n, f);
	for (size_t i = 0; i < pad; i++)
		fputc(' ', f);
	fputc('\n', f);
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++) {
			double v = LS_AT(*M, i, j);
			uint64_t u;
			memcpy(&u, &v, sizeof u);
			unsigned char b[8];
			for (int k = 0; k < 8; k++)
				b[k] = (unsigned char)(u >> (8 * k));
			fwrite(b, 1, sizeof b, f);
		}
	if (ferror(f))
		return ls_error_set(err, LS_EIO, "write error");
	return LS_OK;
}

static ls_status npy_write_cb(FILE *f, const void *ctx, ls_error *err)
{
	return ls_npy_write(f, ctx, err);
}

ls_status ls_npy_save(const char *path, const ls_mat *M, ls_error *err)
{
	return ls_file_write_atomic(path, npy_write_cb, M, err);
}
