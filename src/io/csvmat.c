/* csvmat.c — matrices as delimited text: reader (BOM, comment and header lines skipped, the
 * delimiter detected, every line the same width) and writer (%.17g: doubles round-trip). */
#include <stdlib.h>
#include <string.h>

#include "lorascope/csvmat.h"
#include "lorascope/fileio.h"
#include "textscan.h"

/* Delimiters: ',', ';', '\t', or ' ' for runs of blanks (spaces and tabs). */
static const char *delim_name(char delim)
{
	switch (delim) {
	case ',':
		return "commas";
	case ';':
		return "semicolons";
	case '\t':
		return "tabs";
	default:
		return "blanks";
	}
}

/* The delimiter of a file whose first data line is line: a tab, else a semicolon, else a
 * comma if the line has one; otherwise blanks separate the fields (or there is one). */
static char detect_delim(const char *line, size_t len)
{
	if (memchr(line, '\t', len))
		return '\t';
	if (memchr(line, ';', len))
		return ';';
	if (memchr(line, ',', len))
		return ',';
	return ' ';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* What parse_fields found on one line. */
typedef struct {
	size_t nf;      /* fields */
	size_t numbers; /* fields that are numbers */
	size_t bad;     /* 1-based first field that is not a number, 0 if none */
} fields;

/* Parse one field line[s..e): blanks around it and one pair of double quotes are dropped. */
static bool parse_field(const char *line, size_t s, size_t e, double *v)
{
	while (s < e && is_blank(line[s]))
		s++;
	while (e > s && is_blank(line[e - 1]))
		e--;
	if (e - s >= 2 && line[s] == '"' && line[e - 1] == '"') {
		s++, e--;
		while (s < e && is_blank(line[s]))
			s++;
		while (e > s && is_blank(line[e - 1]))
			e--;
	}
	char tok[LS_TOKEN_MAX];
	if (e == s || e - s >= sizeof tok)
		return false;
	memcpy(tok, line + s, e - s);
	tok[e - s] = '\0';
	return ls_token_double(tok, v);
}

/* Split line into fields at delim and parse each; values go to vals[0..cap). */
static fields parse_fields(const char *line, size_t len, char delim, double *vals, size_t cap)
{
	fields f = { 0, 0, 0 };
	size_t i = 0;
	if (delim == ' ')
		while (i < len && is_blank(line[i]))
			i++;
	for (;;) {
		size_t s = i;
		if (delim == ' ')
			while (i < len && !is_blank(line[i]))
				i++;
		else
			while (i < len && line[i] != delim)
				i++;
		double v = 0;
		if (parse_field(line, s, i, &v)) {
			f.numbers++;
			if (vals && f.nf < cap)
				vals[f.nf] = v;
		} else if (!f.bad) {
			f.bad = f.nf + 1;
		}
		f.nf++;
		if (delim == ' ') {
			while (i < len && is_blank(line[i]))
				i++;
			if (i >= len)
				return f;
		} else if (i < len) {
			i++; /* the delimiter: a field follows, empty at the end of the line */
		} else {
			return f;
		}
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
	size_t ll;
	bool first = true, header = false;
	size_t rows = 0, cols = 0;
	/* Pass 1: detect the delimiter, skip a header, count rows and check the widths. */
	while (ls_lines_next(&ls, &line, &ll)) {
		if (skip_line(line, ll))
			continue;
		if (!delim)
			delim = detect_delim(line, ll);
		fields f = parse_fields(line, ll, delim, NULL, 0);
		if (first) {
			first = false;
			cols = f.nf;
			/* A header names the columns: none of its fields is a number. */
			if (f.numbers == 0 && f.nf > 0) {
				header = true;
				continue;
			}
		}
		if (f.bad)
			return ls_error_set(
				err, LS_EFORMAT,
				"%s: line %zu, field %zu: not a number (fields separated by "
				"%s)",
				name, ls.lineno, f.bad, delim_name(delim));
		if (f.nf != cols)
			return ls_error_set(
				err, LS_EDIM,
				"%s: line %zu has %zu fields, expected %zu (separated by %s)", name,
				ls.lineno, f.nf, cols, delim_name(delim));
		rows++;
	}
	if (rows == 0)
		return ls_error_set(err, LS_EFORMAT, "%s: no numeric rows", name);
	/* Each field takes at least two bytes, so rows·cols ≤ len: no overflow and no huge
	 * allocation from a small file. */
	ls_status s = ls_file_mat_alloc(M, rows, cols, name, err);
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
		if (header) {
			header = false;
			continue;
		}
		parse_fields(line, ll, delim, row, cols);
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
	if (delim != 0 && delim != ',' && delim != ';' && delim != '\t' && delim != ' ')
		return ls_error_set(err, LS_EINVAL,
				    "%s: delimiter must be ',', ';', a tab, a blank or 0 (detect)",
				    name);
	/* A UTF-8 byte order mark (spreadsheets write one) is not part of the first field. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		text += 3, len -= 3;
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
