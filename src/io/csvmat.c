/* csvmat.c — matrices as CSV/TSV text: reader (header and comment lines skipped, every
 * line the same width) and writer (%.17g, so doubles round-trip exactly). */
#include <stdlib.h>
#include <string.h>

#include "lorascope/csvmat.h"
#include "lorascope/fileio.h"
#include "textscan.h"

/* Split line into fields at delim; each field is trimmed and parsed as a double. Returns
 * the number of fields, or (size_t)-1 with *bad set to the 1-based field that failed. */
static size_t parse_fields(const char *line, size_t len, char delim, double *vals, size_t cap,
			   size_t *bad)
{
	size_t nf = 0, i = 0;
	for (;;) {
		size_t s = i;
		while (i < len && line[i] != delim)
			i++;
		size_t e = i;
		while (s < e && (line[s] == ' ' || line[s] == '\t'))
			s++;
		while (e > s && (line[e - 1] == ' ' || line[e - 1] == '\t'))
			e--;
		char tok[LS_TOKEN_MAX];
		double v = 0;
		if (e - s >= sizeof tok || e == s) {
			*bad = nf + 1;
			return (size_t)-1;
		}
		memcpy(tok, line + s, e - s);
		tok[e - s] = '\0';
		if (!ls_token_double(tok, &v)) {
			*bad = nf + 1;
			return (size_t)-1;
		}
		if (vals && nf < cap)
			vals[nf] = v;
		nf++;
		if (i >= len)
			return nf;
		i++; /* skip the delimiter */
	}
}

static bool skip_line(const char *line, size_t len)
{
	return ls_line_blank(line, len) || line[0] == '#';
}

static ls_status parse_text(const char *text, size_t len, char delim, const char *name, ls_mat *M,
			    ls_error *err)
{
	ls_lines ls = { text, text + len, 0 };
	const char *line;
	size_t ll, bad;
	bool first = true;
	size_t rows = 0, cols = 0;
	/* Pass 1: detect the delimiter, skip a header, count rows and check the widths. */
	while (ls_lines_next(&ls, &line, &ll)) {
		if (skip_line(line, ll))
			continue;
		if (!delim)
			delim = memchr(line, '\t', ll) ? '\t' : ',';
		size_t nf = parse_fields(line, ll, delim, NULL, 0, &bad);
		if (first) {
			first = false;
			if (nf == (size_t)-1) {
				/* A header line: count its fields for the width. */
				nf = 1;
				for (size_t i = 0; i < ll; i++)
					nf += line[i] == delim;
				cols = nf;
				continue;
			}
			cols = nf;
		}
		if (nf == (size_t)-1)
			return ls_error_set(err, LS_EFORMAT,
					    "%s: line %zu, field %zu: not a number", name,
					    ls.lineno, bad);
		if (nf != cols)
			return ls_error_set(err, LS_EDIM,
					    "%s: line %zu has %zu fields, expected %zu", name,
					    ls.lineno, nf, cols);
		rows++;
	}
	if (rows == 0)
		return ls_error_set(err, LS_EFORMAT, "%s: no numeric rows", name);
	/* Each field takes at least two bytes, so rows·cols ≤ len: no overflow and no huge
	 * allocation from a small file. */
	ls_status s = ls_mat_alloc(M, rows, cols, err);
	if (s != LS_OK)
		return s;
	double *row = malloc(cols * sizeof *row);
	if (!row) {
		ls_mat_free(M);
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	}
	ls = (ls_lines){ text, text + len, 0 };
	size_t i = 0;
	while (ls_lines_next(&ls, &line, &ll)) {
		if (skip_line(line, ll))
			continue;
		if (parse_fields(line, ll, delim, row, cols, &bad) == (size_t)-1)
			continue; /* the header (pass 1 refused every other bad line) */
		for (size_t j = 0; j < cols; j++)
			LS_AT(*M, i, j) = row[j];
		i++;
	}
	free(row);
	return LS_OK;
}

ls_status ls_csv_parse(const char *text, size_t len, char delim, const char *name, ls_mat *M,
		       ls_error *err)
{
	*M = (ls_mat){ 0 };
	if (memchr(text, '\0', len))
		return ls_error_set(err, LS_EFORMAT, "%s: NUL byte in a text file", name);
	if (delim != 0 && delim != ',' && delim != '\t')
		return ls_error_set(err, LS_EINVAL, "%s: delimiter must be ',' or a tab", name);
	locale_t old = ls_c_locale_push();
	ls_status s = parse_text(text, len, delim, name, M, err);
	ls_c_locale_pop(old);
	return s;
}

ls_status ls_csv_load(const char *path, char delim, ls_mat *M, ls_error *err)
{
	char *text;
	size_t len;
	*M = (ls_mat){ 0 };
	ls_status s = ls_file_read_text(path, LS_TEXT_MAX_BYTES, &text, &len, err);
	if (s != LS_OK)
		return s;
	s = ls_csv_parse(text, len, delim, path, M, err);
	free(text);
	return s;
}

ls_status ls_csv_write(FILE *f, const ls_mat *M, char delim, ls_error *err)
{
	locale_t old = ls_c_locale_push();
	for (size_t i = 0; i < M->rows; i++)
		for (size_t j = 0; j < M->cols; j++)
			fprintf(f, "%.17g%c", LS_AT(*M, i, j), j + 1 < M->cols ? delim : '\n');
	ls_c_locale_pop(old);
	if (ferror(f))
		return ls_error_set(err, LS_EIO, "write error");
	return LS_OK;
}

typedef struct {
	const ls_mat *M;
	char delim;
} csv_ctx;

static ls_status csv_write_cb(FILE *f, const void *ctx, ls_error *err)
{
	const csv_ctx *c = ctx;
	return ls_csv_write(f, c->M, c->delim, err);
}

ls_status ls_csv_save(const char *path, const ls_mat *M, char delim, ls_error *err)
{
	csv_ctx c = { M, delim };
	return ls_file_write_atomic(path, csv_write_cb, &c, err);
}
