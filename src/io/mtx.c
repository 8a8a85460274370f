/* mtx.c — the Matrix Market reader (NIST format: a %%MatrixMarket banner, comment lines
 * starting with '%', a size line, then entries). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lorascope/fileio.h"
#include "lorascope/mtx.h"
#include "textscan.h"

enum { SYM_GENERAL, SYM_SYMMETRIC, SYM_SKEW };

typedef struct {
	bool coordinate;
	char field; /* 'r' real, 'i' integer, 'p' pattern */
	int sym;
} mtx_banner;

static ls_status parse_banner(const char *line, size_t len, const char *name, mtx_banner *b,
			      ls_error *err)
{
	char tok[5][LS_TOKEN_MAX];
	size_t pos = 0, n = 0;
	bool toolong = false;
	while (n < 5 && ls_token_next(line, len, &pos, tok[n], &toolong))
		n++;
	char extra[LS_TOKEN_MAX];
	if (n != 5 || toolong || ls_token_next(line, len, &pos, extra, &toolong) ||
	    strcasecmp(tok[0], "%%MatrixMarket") != 0)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: line 1: expected '%%%%MatrixMarket matrix <format> "
				    "<field> <symmetry>'",
				    name);
	if (strcasecmp(tok[1], "matrix") != 0)
		return ls_error_set(err, LS_EUNSUPPORTED, "%s: object '%s' not supported (matrix)",
				    name, tok[1]);
	if (strcasecmp(tok[2], "coordinate") == 0)
		b->coordinate = true;
	else if (strcasecmp(tok[2], "array") == 0)
		b->coordinate = false;
	else
		return ls_error_set(err, LS_EFORMAT,
				    "%s: format '%s' unknown (coordinate or array)", name, tok[2]);
	if (strcasecmp(tok[3], "real") == 0 || strcasecmp(tok[3], "double") == 0)
		b->field = 'r';
	else if (strcasecmp(tok[3], "integer") == 0)
		b->field = 'i';
	else if (strcasecmp(tok[3], "pattern") == 0 && b->coordinate)
		b->field = 'p';
	else
		return ls_error_set(err, LS_EUNSUPPORTED,
				    "%s: field '%s' not supported (real, integer, or pattern with "
				    "coordinate)",
				    name, tok[3]);
	if (strcasecmp(tok[4], "general") == 0)
		b->sym = SYM_GENERAL;
	else if (strcasecmp(tok[4], "symmetric") == 0 || strcasecmp(tok[4], "hermitian") == 0)
		b->sym = SYM_SYMMETRIC;
	else if (strcasecmp(tok[4], "skew-symmetric") == 0)
		b->sym = SYM_SKEW;
	else
		return ls_error_set(err, LS_EFORMAT, "%s: symmetry '%s' unknown", name, tok[4]);
	return LS_OK;
}

/* The next line that is neither a comment nor blank. */
static bool next_data_line(ls_lines *ls, const char **line, size_t *len)
{
	while (ls_lines_next(ls, line, len))
		if (!(*len && (*line)[0] == '%') && !ls_line_blank(*line, *len))
			return true;
	return false;
}

/* Read exactly n numbers from a line into out (sizes when as_size, else doubles). */
static ls_status line_numbers(const char *line, size_t len, size_t n, bool integer, double *vals,
			      size_t *sizes, const char *name, size_t lineno, ls_error *err)
{
	size_t pos = 0;
	char tok[LS_TOKEN_MAX];
	bool toolong;
	for (size_t k = 0; k < n; k++) {
		bool ok = ls_token_next(line, len, &pos, tok, &toolong);
		if (ok && sizes)
			ok = ls_token_size(tok, &sizes[k]);
		else if (ok) {
			ok = ls_token_double(tok, &vals[k]);
			if (ok && integer) {
				char *end;
				(void)strtoll(tok, &end, 10);
				ok = *end == '\0';
			}
		}
		if (!ok)
			return ls_error_set(err, LS_EFORMAT,
					    "%s: line %zu: expected %zu %s, field %zu is not one",
					    name, lineno, n,
					    sizes ? "non-negative integers"
						  : (integer ? "integers" : "numbers"),
					    k + 1);
	}
	if (ls_token_next(line, len, &pos, tok, &toolong) || toolong)
		return ls_error_set(err, LS_EFORMAT, "%s: line %zu: more than %zu fields", name,
				    lineno, n);
	return LS_OK;
}

static ls_status read_coordinate(ls_lines *ls, const mtx_banner *b, size_t nnz, const char *name,
				 ls_mat *M, ls_error *err)
{
	const char *line;
	size_t len;
	size_t nidx = 2, nval = b->field == 'p' ? 0 : 1;
	for (size_t k = 0; k < nnz; k++) {
		if (!next_data_line(ls, &line, &len))
			return ls_error_set(err, LS_EFORMAT,
					    "%s: %zu entries announced, only %zu present", name,
					    nnz, k);
		size_t idx[2];
		double v = 1.0;
		/* Indices first, then the value, from the same line. */
		size_t pos = 0;
		char tok[LS_TOKEN_MAX];
		bool toolong, ok = true;
		for (size_t t = 0; t < nidx && ok; t++)
			ok = ls_token_next(line, len, &pos, tok, &toolong) &&
			     ls_token_size(tok, &idx[t]);
		if (!ok)
			return ls_error_set(err, LS_EFORMAT,
					    "%s: line %zu: expected row and column indices", name,
					    ls->lineno);
		ls_status s = line_numbers(line + pos, len - pos, nval, b->field == 'i', &v, NULL,
					   name, ls->lineno, err);
		if (s != LS_OK)
			return s;
		size_t i = idx[0], j = idx[1];
		if (i < 1 || i > M->rows || j < 1 || j > M->cols)
			return ls_error_set(err, LS_ERANGE,
					    "%s: line %zu: entry (%zu, %zu) outside the %zu×%zu "
					    "matrix",
					    name, ls->lineno, i, j, M->rows, M->cols);
		i--;
		j--;
		if (b->sym != SYM_GENERAL && (i < j || (b->sym == SYM_SKEW && i == j)))
			return ls_error_set(err, LS_EFORMAT,
					    "%s: line %zu: entry (%zu, %zu) is not below the "
					    "diagonal of a %s matrix",
					    name, ls->lineno, i + 1, j + 1,
					    b->sym == SYM_SKEW ? "skew-symmetric" : "symmetric");
		LS_AT(*M, i, j) += v;
		if (b->sym != SYM_GENERAL && i != j)
			LS_AT(*M, j, i) += b->sym == SYM_SKEW ? -v : v;
	}
	return LS_OK;
}

static ls_status read_array(ls_lines *ls, const mtx_banner *b, const char *name, ls_mat *M,
			    ls_error *err)
{
	const char *line;
	size_t len;
	if (M->rows == 0)
		return LS_OK; /* no entries, however many columns */
	for (size_t j = 0; j < M->cols; j++) {
		size_t i0 = b->sym == SYM_GENERAL ? 0 : (b->sym == SYM_SKEW ? j + 1 : j);
		for (size_t i = i0; i < M->rows; i++) {
			if (!next_data_line(ls, &line, &len))
				return ls_error_set(err, LS_EFORMAT,
						    "%s: data ends before entry (%zu, %zu)", name,
						    i + 1, j + 1);
			double v;
			ls_status s = line_numbers(line, len, 1, b->field == 'i', &v, NULL, name,
						   ls->lineno, err);
			if (s != LS_OK)
				return s;
			LS_AT(*M, i, j) = v;
			if (b->sym != SYM_GENERAL && i != j)
				LS_AT(*M, j, i) = b->sym == SYM_SKEW ? -v : v;
		}
	}
	return LS_OK;
}

static ls_status parse_body(ls_lines *ls, const char *name, ls_mat *M, ls_error *err)
{
	const char *line;
	size_t len;
	if (!ls_lines_next(ls, &line, &len))
		return ls_error_set(err, LS_EFORMAT, "%s: empty file", name);
	mtx_banner b;
	ls_status s = parse_banner(line, len, name, &b, err);
	if (s != LS_OK)
		return s;
	if (!next_data_line(ls, &line, &len))
		return ls_error_set(err, LS_EFORMAT, "%s: no size line", name);
	size_t sz[3] = { 0, 0, 0 };
	s = line_numbers(line, len, b.coordinate ? 3 : 2, false, NULL, sz, name, ls->lineno, err);
	if (s != LS_OK)
		return s;
	size_t rows = sz[0], cols = sz[1], nnz = sz[2];
	if (b.sym != SYM_GENERAL && rows != cols)
		return ls_error_set(err, LS_EDIM,
				    "%s: a symmetric matrix must be square, not %zu×%zu", name,
				    rows, cols);
	/* Each dimension is bounded too, so an empty 0×n matrix cannot carry a huge n. */
	if (rows > LS_MTX_MAX_ELEMS || cols > LS_MTX_MAX_ELEMS ||
	    (cols && rows > LS_MTX_MAX_ELEMS / cols))
		return ls_error_set(err, LS_ETOOBIG,
				    "%s: %zu×%zu exceeds the limit of %zu elements", name, rows,
				    cols, (size_t)LS_MTX_MAX_ELEMS);
	size_t left = (size_t)(ls->end - ls->p);
	/* Every entry takes at least two bytes ("1\n", "1 1" then a newline), so a size the
	 * rest of the file cannot hold is refused before allocating. */
	size_t need = nnz;
	if (!b.coordinate && b.sym == SYM_GENERAL)
		need = rows * cols;
	else if (!b.coordinate && b.sym == SYM_SYMMETRIC)
		need = rows * (rows + 1) / 2;
	else if (!b.coordinate)
		need = rows * (rows - (rows > 0)) / 2;
	if (need > left / 2 + 1)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: announces %zu entries but only %zu bytes follow", name,
				    need, left);
	if ((s = ls_file_mat_alloc(M, rows, cols, name, err)) != LS_OK)
		return s;
	s = b.coordinate ? read_coordinate(ls, &b, nnz, name, M, err)
			 : read_array(ls, &b, name, M, err);
	if (s == LS_OK && next_data_line(ls, &line, &len))
		s = ls_error_set(err, LS_EFORMAT, "%s: line %zu: more entries than announced", name,
				 ls->lineno);
	if (s != LS_OK)
		ls_mat_free(M);
	return s;
}

ls_status ls_mtx_parse(const char *text, size_t len, const char *name, ls_mat *M, ls_error *err)
{
	*M = (ls_mat){ 0 };
	if (memchr(text, '\0', len))
		return ls_error_set(err, LS_EFORMAT, "%s: NUL byte in a text file", name);
	ls_lines ls = { text, text + len, 0 };
	locale_t old = ls_c_locale_push();
	ls_status s = parse_body(&ls, name, M, err);
	ls_c_locale_pop(old);
	return s;
}

ls_status ls_mtx_load(const char *path, ls_mat *M, ls_error *err)
{
	char *text;
	size_t len;
	*M = (ls_mat){ 0 };
	ls_status s = ls_file_read_text(path, LS_TEXT_MAX_BYTES, &text, &len, err);
	if (s != LS_OK)
		return s;
	s = ls_mtx_parse(text, len, path, M, err);
	free(text);
	return s;
}
