/* textscan.c — line and token scanning for the text readers (see textscan.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "textscan.h"

bool ls_lines_next(ls_lines *ls, const char **line, size_t *len)
{
	if (ls->p >= ls->end)
		return false;
	const char *s = ls->p;
	const char *nl = memchr(s, '\n', (size_t)(ls->end - s));
	const char *e = nl ? nl : ls->end;
	ls->p = nl ? nl + 1 : ls->end;
	if (e > s && e[-1] == '\r')
		e--;
	*line = s;
	*len = (size_t)(e - s);
	ls->lineno++;
	return true;
}

bool ls_line_blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return false;
	return true;
}

bool ls_token_next(const char *line, size_t len, size_t *pos, char *tok, bool *toolong)
{
	size_t i = *pos;
	*toolong = false;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len) {
		*pos = i;
		return false;
	}
	size_t n = 0;
	while (i < len && line[i] != ' ' && line[i] != '\t') {
		if (n + 1 >= LS_TOKEN_MAX) {
			*toolong = true;
			return false;
		}
		tok[n++] = line[i++];
	}
	tok[n] = '\0';
	*pos = i;
	return true;
}

/* Whether tok is a decimal number as people write it: [+-] digits [. digits] [e [+-] digits]
 * (either side of the point may be empty, not both), or [+-] nan / inf / infinity. strtod
 * alone also takes hexadecimal ("0x10" = 16) and "nan(...)" forms, which no data file means. */
static bool decimal_form(const char *t)
{
	if (*t == '+' || *t == '-')
		t++;
	if (strcasecmp(t, "nan") == 0 || strcasecmp(t, "inf") == 0 ||
	    strcasecmp(t, "infinity") == 0)
		return true;
	size_t digits = 0;
	while (*t >= '0' && *t <= '9')
		t++, digits++;
	if (*t == '.')
		for (t++; *t >= '0' && *t <= '9'; t++)
			digits++;
	if (!digits)
		return false;
	if (*t == 'e' || *t == 'E') {
		t++;
		if (*t == '+' || *t == '-')
			t++;
		if (*t < '0' || *t > '9')
			return false;
		while (*t >= '0' && *t <= '9')
			t++;
	}
	return *t == '\0';
}

bool ls_token_double(const char *tok, double *v)
{
	if (!decimal_form(tok))
		return false;
	char *end;
	errno = 0;
	double x = strtod(tok, &end);
	/* Overflow to ±HUGE_VAL is refused; underflow to a subnormal or zero is fine. */
	if (*end != '\0' || (errno == ERANGE && (x > 1 || x < -1)))
		return false;
	*v = x;
	return true;
}

bool ls_token_size(const char *tok, size_t *v)
{
	if (*tok < '0' || *tok > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(tok, &end, 10);
	if (*end != '\0' || errno == ERANGE || x > (unsigned long long)SIZE_MAX)
		return false;
	*v = (size_t)x;
	return true;
}
