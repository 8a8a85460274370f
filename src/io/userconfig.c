/* userconfig.c — the user's defaults file: lines of NAME = VALUE (see userconfig.h). */
#include "lorascope/userconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ls_userconfig_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	int n;
	if (xdg && xdg[0]) {
		n = snprintf(buf, len, "%s/lorascope/config", xdg);
	} else {
		const char *home = getenv("HOME");
		if (!home || !home[0])
			return false;
		n = snprintf(buf, len, "%s/.config/lorascope/config", home);
	}
	return n > 0 && (size_t)n < len;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Trim blanks at both ends of s[0 .. *n) in place; returns the new start. */
static char *trim(char *s, size_t *n)
{
	while (*n && blank(*s)) {
		s++;
		(*n)--;
	}
	while (*n && blank(s[*n - 1]))
		(*n)--;
	s[*n] = '\0';
	return s;
}

static void report(const ls_userconfig_sink *sink, size_t *nbad, const char *file, size_t line,
		   const char *msg)
{
	char buf[LS_ERROR_MSG_MAX + 64];
	snprintf(buf, sizeof buf, "%s:%zu: %s", file, line, msg);
	(*nbad)++;
	if (sink->bad)
		sink->bad(sink->ctx, buf);
}

/* One line (NUL-terminated, writable, no newline). */
static void parse_line(const char *file, size_t lineno, char *s, const ls_userconfig_sink *sink,
		       size_t *nbad)
{
	/* A comment: '#' at the start or after a blank. */
	for (char *p = s; *p; p++)
		if (*p == '#' && (p == s || blank(p[-1]))) {
			*p = '\0';
			break;
		}
	size_t n = strlen(s);
	s = trim(s, &n);
	if (n == 0)
		return;
	char *eq = strchr(s, '=');
	if (!eq) {
		report(sink, nbad, file, lineno, "expected NAME = VALUE (or key KEY = ACTION)");
		return;
	}
	size_t nl = (size_t)(eq - s), vl = strlen(eq + 1);
	char *name = trim(s, &nl);
	char *value = trim(eq + 1, &vl);
	if (nl == 0) {
		report(sink, nbad, file, lineno, "a name is missing before '='");
		return;
	}
	char binding[160];
	const char *setting = name;
	if (strcmp(name, "key") == 0) {
		report(sink, nbad, file, lineno, "expected key KEY = ACTION");
		return;
	}
	if (strncmp(name, "key", 3) == 0 && blank(name[3])) {
		size_t kl = nl - 3;
		char *key = trim(name + 3, &kl);
		if (strchr(key, ' ') || strchr(key, '\t') || vl == 0) {
			report(sink, nbad, file, lineno, "expected key KEY = ACTION");
			return;
		}
		snprintf(binding, sizeof binding, "%s=%s", key, value);
		setting = "key";
		value = binding;
	} else if (strchr(name, ' ') || strchr(name, '\t')) {
		report(sink, nbad, file, lineno, "a name is one word (NAME = VALUE)");
		return;
	}
	ls_error err;
	err.msg[0] = '\0';
	if (sink->set(sink->ctx, setting, value, &err) != LS_OK)
		report(sink, nbad, file, lineno, err.msg[0] ? err.msg : "refused");
}

void ls_userconfig_parse(const char *file, const char *text, size_t len,
			 const ls_userconfig_sink *sink, size_t *nbad)
{
	*nbad = 0;
	char line[1024];
	size_t lineno = 0, i = 0;
	while (i < len) {
		lineno++;
		size_t j = i;
		while (j < len && text[j] != '\n')
			j++;
		size_t l = j - i;
		if (l >= sizeof line) {
			report(sink, nbad, file, lineno, "line too long");
		} else if (memchr(text + i, '\0', l)) {
			report(sink, nbad, file, lineno, "a NUL byte in the line");
		} else {
			memcpy(line, text + i, l);
			line[l] = '\0';
			parse_line(file, lineno, line, sink, nbad);
		}
		i = j + 1;
	}
}

ls_status ls_userconfig_load(const char *path, const ls_userconfig_sink *sink, size_t *nbad,
			     ls_error *err)
{
	*nbad = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return LS_OK;
		return ls_error_set(err, LS_EIO, "%s: %s", path, strerror(errno));
	}
	char *buf = malloc(LS_USERCONFIG_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", path);
	}
	size_t n = fread(buf, 1, LS_USERCONFIG_MAX_BYTES + 1, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return ls_error_set(err, LS_EIO, "%s: read error", path);
	}
	if (n > LS_USERCONFIG_MAX_BYTES) {
		free(buf);
		return ls_error_set(err, LS_ETOOBIG, "%s: larger than %zu bytes", path,
				    LS_USERCONFIG_MAX_BYTES);
	}
	ls_userconfig_parse(path, buf, n, sink, nbad);
	free(buf);
	return LS_OK;
}
