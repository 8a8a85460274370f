/* opts.c — the option engine: defaults, typed values, the argv parser and --help. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/mat.h"
#include "lorascope/opts.h"

const ls_opt *ls_opts_find(const ls_opts_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->nopts; i++)
		if (strcmp(spec->opts[i].name, name) == 0)
			return &spec->opts[i];
	return NULL;
}

/* The row named by the len bytes at name (a long option), or by the character c. */
static const ls_opt *find_n(const ls_opts_spec *spec, const char *name, size_t len, char c)
{
	for (size_t i = 0; i < spec->nopts; i++) {
		const ls_opt *o = &spec->opts[i];
		if (name ? strncmp(o->name, name, len) == 0 && o->name[len] == '\0'
			 : c && o->short_name == c)
			return o;
	}
	return NULL;
}

static ls_status store_value(const ls_opt *o, char *field, const char *value, ls_error *err)
{
	char *end = NULL;
	switch (o->kind) {
	case LS_OPT_FLAG: {
		bool b;
		if (!value || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 ||
		    strcmp(value, "1") == 0)
			b = true;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
			 strcmp(value, "0") == 0)
			b = false;
		else
			return ls_error_set(err, LS_EINVAL, "--%s: '%s' is not true or false",
					    o->name, value);
		*(bool *)field = b;
		return LS_OK;
	}
	case LS_OPT_INT: {
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end)
			return ls_error_set(err, LS_EINVAL, "--%s: '%s' is not an integer", o->name,
					    value);
		if ((double)v < o->lo || (double)v > o->hi)
			return ls_error_set(err, LS_ERANGE, "--%s: %ld is outside [%.15g, %.15g]",
					    o->name, v, o->lo, o->hi);
		*(long *)field = v;
		return LS_OK;
	}
	case LS_OPT_REAL: {
		errno = 0;
		double v = strtod(value, &end);
		if (errno == ERANGE || end == value || *end || !isfinite(v))
			return ls_error_set(err, LS_EINVAL, "--%s: '%s' is not a finite number",
					    o->name, value);
		if (v < o->lo || v > o->hi)
			return ls_error_set(err, LS_ERANGE, "--%s: %g is outside [%g, %g]", o->name,
					    v, o->lo, o->hi);
		*(double *)field = v;
		return LS_OK;
	}
	case LS_OPT_CHOICE: {
		for (int i = 0; o->choices[i]; i++)
			if (strcmp(o->choices[i], value) == 0) {
				*(int *)field = i;
				return LS_OK;
			}
		char list[256] = "";
		for (int i = 0; o->choices[i]; i++) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
				 o->choices[i]);
		}
		return ls_error_set(err, LS_EINVAL, "--%s: '%s' is not one of %s", o->name, value,
				    list);
	}
	case LS_OPT_TEXT:
		if (!*value)
			return ls_error_set(err, LS_EINVAL, "--%s: empty value", o->name);
		*(const char **)field = value;
		return LS_OK;
	case LS_OPT_CALL:
		return LS_OK;
	}
	return ls_error_set(err, LS_EINVAL, "--%s: unknown option kind", o->name);
}

ls_status ls_opts_max_memory(void *target, const ls_opt *o, const char *value, ls_error *err)
{
	(void)target;
	char *end;
	errno = 0;
	double v = strtod(value, &end);
	static const char units[] = "KMGT";
	const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
	if (u) {
		v *= pow(1024.0, (double)(u - units + 1));
		end++;
		if (*end == 'i' && toupper((unsigned char)end[1]) == 'B')
			end += 2;
		else if (toupper((unsigned char)*end) == 'B')
			end++;
	}
	if (errno == ERANGE || end == value || *end || !(v >= 1) || v >= (double)SIZE_MAX)
		return ls_error_set(err, LS_EINVAL,
				    "--%s: '%s' is not a size (bytes, or with K, M, G or T)",
				    o->name, value);
	ls_mem_set_limit((size_t)v);
	return LS_OK;
}

ls_status ls_opts_defaults(const ls_opts_spec *spec, void *target, ls_error *err)
{
	for (size_t i = 0; i < spec->nopts; i++) {
		const ls_opt *o = &spec->opts[i];
		char *field = (char *)target + o->offset;
		if (o->kind == LS_OPT_FLAG) {
			*(bool *)field = false;
		} else if (o->kind == LS_OPT_TEXT) {
			*(const char **)field = NULL;
		} else if (o->kind != LS_OPT_CALL && o->def) {
			ls_status st = store_value(o, field, o->def, err);
			if (st != LS_OK)
				return st;
		}
	}
	return LS_OK;
}

ls_status ls_opts_store(const ls_opt *o, void *target, const char *value, ls_error *err)
{
	if (!value && o->kind != LS_OPT_FLAG)
		return ls_error_set(err, LS_EINVAL, "--%s: missing value", o->name);
	ls_status st = store_value(o, (char *)target + o->offset, value, err);
	if (st == LS_OK && o->call)
		st = o->call(target, o, value, err);
	return st;
}

ls_status ls_opts_parse(const ls_opts_spec *spec, int argc, char **argv, void *target,
			const char **args, size_t *nargs, ls_error *err)
{
	size_t n = 0;
	bool options = true; /* false after "--" */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (options && strcmp(a, "--") == 0) {
			options = false;
			continue;
		}
		if (!options || a[0] != '-' || a[1] == '\0') { /* "-" alone is an argument */
			if (n == spec->max_args)
				return ls_error_set(err, LS_EINVAL,
						    "unexpected argument '%.60s' (see --help)", a);
			args[n++] = a;
			continue;
		}
		const ls_opt *o;
		const char *value = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			o = find_n(spec, a + 2, len, 0);
			if (!o)
				return ls_error_set(err, LS_EINVAL,
						    "--%.*s: unknown option (see --help)",
						    (int)(len > 60 ? 60 : len), a + 2);
			if (eq && o->kind == LS_OPT_FLAG)
				return ls_error_set(err, LS_EINVAL, "--%s: takes no value",
						    o->name);
			if (eq)
				value = eq + 1;
		} else {
			o = a[2] == '\0' ? find_n(spec, NULL, 0, a[1]) : NULL;
			if (!o)
				return ls_error_set(err, LS_EINVAL,
						    "%.60s: unknown option (see --help)", a);
		}
		if (!value && o->kind != LS_OPT_FLAG) {
			/* No value, or the next option where the value should be (no value of
			 * any option starts with "--"). */
			if (i + 1 == argc || strncmp(argv[i + 1], "--", 2) == 0)
				return ls_error_set(err, LS_EINVAL, "--%s: missing value%s%.60s%s",
						    o->name, i + 1 < argc ? " (before " : "",
						    i + 1 < argc ? argv[i + 1] : "",
						    i + 1 < argc ? ")" : "");
			value = argv[++i];
		}
		ls_status st = ls_opts_store(o, target, value, err);
		if (st != LS_OK)
			return st;
	}
	if (nargs)
		*nargs = n;
	return LS_OK;
}

/* One row: "  --name ARG" in the option column, then help, choices and default as words
 * wrapped at LS_OPTS_HELP_WIDTH under LS_OPTS_HELP_COL ("[default: x]" stays on one line). */
static void help_row(const ls_opt *o, FILE *out)
{
	bool takes_value = o->kind != LS_OPT_FLAG;
	char text[1024];
	int col = o->short_name ? fprintf(out, "  -%c, --%s", o->short_name, o->name)
				: fprintf(out, "  --%s", o->name);
	if (takes_value)
		col += fprintf(out, " %s", o->arg ? o->arg : "VALUE");
	size_t used = (size_t)snprintf(text, sizeof text, "%s", o->help);
	for (int i = 0; o->choices && o->choices[i] && used < sizeof text; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "%s%s",
					 i ? ", " : " (one of: ", o->choices[i]);
	if (o->choices && used < sizeof text)
		used += (size_t)snprintf(text + used, sizeof text - used, ")");
	if (takes_value && o->def && used < sizeof text) /* \x01: a space that does not break */
		snprintf(text + used, sizeof text - used, " [default:\x01%s]",
			 o->def[0] ? o->def : "none");
	if (col > LS_OPTS_HELP_COL - 1) {
		fputc('\n', out);
		col = 0;
	}
	fprintf(out, "%*s", LS_OPTS_HELP_COL - 1 - col, "");
	col = LS_OPTS_HELP_COL - 1;
	for (const char *w = text; *w;) {
		size_t len = strcspn(w, " ");
		if (col + 1 + (int)len > LS_OPTS_HELP_WIDTH && col > LS_OPTS_HELP_COL - 1) {
			fprintf(out, "\n%*s", LS_OPTS_HELP_COL - 1, "");
			col = LS_OPTS_HELP_COL - 1;
		}
		fputc(' ', out);
		for (size_t i = 0; i < len; i++)
			fputc(w[i] == '\x01' ? ' ' : w[i], out);
		col += 1 + (int)len;
		w += len;
		w += strspn(w, " ");
	}
	fputc('\n', out);
}

void ls_opts_help(const ls_opts_spec *spec, FILE *out)
{
	fputs(spec->usage, out);
	const char *group = NULL;
	for (size_t i = 0; i < spec->nopts; i++) {
		const ls_opt *o = &spec->opts[i];
		if (o->group && (!group || strcmp(group, o->group) != 0))
			fprintf(out, "\n%s:\n", o->group);
		group = o->group;
		help_row(o, out);
	}
	if (spec->tail)
		fprintf(out, "\n%s", spec->tail);
}
