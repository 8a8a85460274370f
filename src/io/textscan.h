/* textscan.h — line and token scanning shared by the text readers (Matrix Market, CSV).
 * Private to src/io. The text is a buffer with an explicit length; tokens are copied into
 * small NUL-terminated buffers before strtod/strtoull see them, so a number never runs
 * across a line or past the buffer. */
#ifndef LORASCOPE_TEXTSCAN_H
#define LORASCOPE_TEXTSCAN_H

#include <stdbool.h>
#include <stddef.h>

#define LS_TOKEN_MAX 80

typedef struct {
	const char *p, *end; /* what is left of the text */
	size_t lineno;       /* number of the line last returned (1-based) */
} ls_lines;

/* Next line (without its '\n' or "\r\n") into *line, *len; false at the end of the text. */
bool ls_lines_next(ls_lines *ls, const char **line, size_t *len);
/* Is the line empty or only blanks? */
bool ls_line_blank(const char *line, size_t len);
/* Copy the next blank-separated token of line[*pos..len) into tok[LS_TOKEN_MAX]; false when
 * none is left or it does not fit (*toolong is then set). */
bool ls_token_next(const char *line, size_t len, size_t *pos, char *tok, bool *toolong);
/* Parse a whole token as a decimal double (point '.'; "nan", "inf" and "infinity" accepted;
 * hexadecimal and other strtod extensions refused). */
bool ls_token_double(const char *tok, double *v);
/* Parse a whole token as a non-negative integer. */
bool ls_token_size(const char *tok, size_t *v);

#endif
