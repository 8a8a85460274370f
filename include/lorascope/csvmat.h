/* csvmat.h — matrices as delimited text (CSV, TSV): one row per line, the same number of
 * fields on every line. A UTF-8 byte order mark, blank lines and lines starting with '#' are
 * skipped; a first line none of whose fields is a number is a header and is skipped too (one
 * with some numbers is data, and its other fields are errors). A field may be quoted ("1.5").
 * Numbers are decimal with '.' as the point, whatever the locale ("nan", "inf" read as such;
 * hexadecimal refused). Errors name the line, the field and the delimiter. */
#ifndef LORASCOPE_CSVMAT_H
#define LORASCOPE_CSVMAT_H

#include <stddef.h>
#include <stdio.h>

#include "lorascope/mat.h"
#include "lorascope/status.h"

/* Parse text[0..len) (text[len] must be '\0') into a new matrix M. delim is ',', ';', '\t',
 * ' ' (runs of blanks), or 0 to take it from the first data line: a tab if it has one, else a
 * semicolon, else a comma, else blanks. */
ls_status ls_csv_parse(const char *text, size_t len, char delim, const char *name, ls_mat *M,
		       ls_error *err);
/* Read the file at path into a new matrix M (delim as for ls_csv_parse). */
ls_status ls_csv_load(const char *path, char delim, ls_mat *M, ls_error *err);
/* Write M to f, one row a line, fields separated by delim, %.17g (round-trips exactly). */
ls_status ls_csv_write(FILE *f, const ls_mat *M, char delim, ls_error *err);
/* Write M to path atomically as ls_csv_write does. */
ls_status ls_csv_save(const char *path, const ls_mat *M, char delim, ls_error *err);

#endif
