/* run.c — `lorascope run`: options from LS_PARAM_LIST and a small run table, a headless loop. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lorascope/session.h"
#include "output.h"

/* The options that belong to `run` only, in the shape of LS_PARAM_LIST:
 * X(field, "name", TYPE, "default", min, max, choices, "help"); FLAG takes no value. */
#define LS_RUN_OPTION_LIST(X)                                                                 \
	X(steps, "steps", INT, "3000", 0, 1e12, NULL, "optimiser steps to run")                \
	X(every, "every", INT, "100", 1, 1e12, NULL, "print a row every K steps")              \
	X(format, "format", CHOICE, "table", 0, 0, ls_out_format_names,                       \
	  "output: aligned table, csv or jsonl (JSON Lines)")                                \
	X(no_timing, "no-timing", FLAG, "off", 0, 0, NULL,                                     \
	  "leave out steps/s so the output depends only on the options")                    \
	X(help, "help", FLAG, "off", 0, 0, NULL, "print this help and exit")                   \
	X(version, "version", FLAG, "off", 0, 0, NULL, "print the version and exit")

typedef enum { OPT_INT, OPT_CHOICE, OPT_FLAG } opt_type;

typedef struct {
	long steps, every;
	int format;
	int no_timing, help, version;
} run_options;

typedef struct {
	const char *name;
	opt_type type;
	const char *def;
	double lo, hi;
	const char *const *choices;
	const char *help;
	size_t offset;
} run_option;

static const run_option run_options_table[] = {
#define LS_RUN_OPT(field, oname, otype, odef, olo, ohi, ochoices, ohelp)                       \
	{ .name = oname, .type = OPT_##otype, .def = odef, .lo = olo, .hi = ohi,             \
	  .choices = ochoices, .help = ohelp, .offset = offsetof(run_options, field) },
	LS_RUN_OPTION_LIST(LS_RUN_OPT)
#undef LS_RUN_OPT
};
#define NRUN (sizeof run_options_table / sizeof run_options_table[0])

static const run_option *find_run_option(const char *name)
{
	for (size_t i = 0; i < NRUN; i++)
		if (strcmp(run_options_table[i].name, name) == 0)
			return &run_options_table[i];
	return NULL;
}

/* Parse value for a run option into ro; on error a one-line message naming it. */
static int set_run_option(run_options *ro, const run_option *o, const char *value, char *msg,
			  size_t len)
{
	char *p = (char *)ro + o->offset;
	if (o->type == OPT_FLAG) {
		*(int *)p = strcmp(value, "on") == 0;
		return 0;
	}
	if (o->type == OPT_CHOICE) {
		for (int i = 0; o->choices[i]; i++)
			if (strcmp(o->choices[i], value) == 0) {
				*(int *)p = i;
				return 0;
			}
		snprintf(msg, len, "--%s: '%s' is not one of", o->name, value);
		for (int i = 0; o->choices[i]; i++) {
			size_t used = strlen(msg);
			snprintf(msg + used, len - used, "%s %s", i ? "," : "", o->choices[i]);
		}
		return -1;
	}
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || errno) {
		snprintf(msg, len, "--%s: '%s' is not an integer", o->name, value);
		return -1;
	}
	if ((double)v < o->lo || (double)v > o->hi) {
		snprintf(msg, len, "--%s: %ld is out of range [%.0f, %.0f]", o->name, v, o->lo,
		         o->hi);
		return -1;
	}
	*(long *)p = v;
	return 0;
}

#define HELP_INDENT 27
#define HELP_WIDTH 79

/* One --help entry: the option, then its help, choices and default word-wrapped in a
 * column that starts at HELP_INDENT ("[default: x]" stays on one line). */
static void print_option(const char *name, bool takes_value, const char *def,
			 const char *const *choices, const char *help)
{
	char lhs[64], text[512];
	snprintf(lhs, sizeof lhs, "--%s%s", name, takes_value ? " VALUE" : "");
	size_t used = (size_t)snprintf(text, sizeof text, "%s", help);
	for (int i = 0; choices && choices[i] && used < sizeof text; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "%s%s",
					 i ? ", " : " (one of: ", choices[i]);
	if (choices && used < sizeof text)
		used += (size_t)snprintf(text + used, sizeof text - used, ")");
	if (takes_value && used < sizeof text)
		snprintf(text + used, sizeof text - used, " [default:\x01%s]", def);
	printf("  %-*s", HELP_INDENT - 3, lhs);
	size_t col = HELP_INDENT - 1;
	if (strlen(lhs) > HELP_INDENT - 3)
		printf("\n%*s", HELP_INDENT - 1, "");
	for (const char *w = text; *w;) {
		size_t len = strcspn(w, " ");
		if (col + 1 + len > HELP_WIDTH && col > HELP_INDENT - 1) {
			printf("\n%*s", HELP_INDENT - 1, "");
			col = HELP_INDENT - 1;
		}
		printf(" ");
		for (size_t i = 0; i < len; i++) /* \x01: a space that does not break */
			putchar(w[i] == '\x01' ? ' ' : w[i]);
		col += 1 + len;
		w += len;
		while (*w == ' ')
			w++;
	}
	printf("\n");
}

/* --help, generated from the two tables, grouped as LS_PARAM_LIST groups them. */
static void help(void)
{
	printf("usage: lorascope run [options]\n\n"
	       "Train LoRA factors headless on a synthetic problem and print a row every K\n"
	       "steps, then a summary. Options take --name VALUE or --name=VALUE.\n"
	       "Exit status: 0 done, 1 runtime failure, 2 bad option or value, 3 diverged.\n");
	const char *groups[LS_PARAM_COUNT];
	size_t ngroups = 0;
	for (int i = 0; i < LS_PARAM_COUNT; i++) {
		bool seen = false;
		for (size_t g = 0; g < ngroups; g++)
			seen = seen || strcmp(groups[g], ls_params[i].group) == 0;
		if (!seen)
			groups[ngroups++] = ls_params[i].group;
	}
	for (size_t g = 0; g < ngroups; g++) {
		printf("\n%s:\n", groups[g]);
		for (int i = 0; i < LS_PARAM_COUNT; i++)
			if (strcmp(ls_params[i].group, groups[g]) == 0)
				print_option(ls_params[i].name, true, ls_params[i].def,
					     ls_params[i].choices, ls_params[i].help);
	}
	printf("\nrun:\n");
	for (size_t i = 0; i < NRUN; i++) {
		const run_option *o = &run_options_table[i];
		print_option(o->name, o->type != OPT_FLAG, o->def, o->choices, o->help);
	}
}

/* Fill cfg and ro from argv; returns LS_EXIT_OK or LS_EXIT_USAGE (message printed). */
static int parse(int argc, char **argv, ls_config *cfg, run_options *ro)
{
	ls_config_defaults(cfg);
	char msg[LS_ERROR_MSG_MAX] = "";
	for (size_t i = 0; i < NRUN; i++)
		if (set_run_option(ro, &run_options_table[i], run_options_table[i].def, msg,
				   sizeof msg) != 0)
			return LS_EXIT_FAILURE;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			fprintf(stderr, "lorascope run: unexpected argument '%s'\n", arg);
			return LS_EXIT_USAGE;
		}
		char name[128];
		const char *eq = strchr(arg + 2, '=');
		size_t nlen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		if (nlen >= sizeof name) {
			fprintf(stderr, "lorascope run: unknown option '%.40s...'\n", arg);
			return LS_EXIT_USAGE;
		}
		memcpy(name, arg + 2, nlen);
		name[nlen] = '\0';
		const run_option *o = find_run_option(name);
		const ls_param_info *pi = o ? NULL : ls_param_find(name);
		if (!o && !pi) {
			fprintf(stderr, "lorascope run: unknown option '--%s' (see --help)\n",
			        name);
			return LS_EXIT_USAGE;
		}
		const char *value;
		if (o && o->type == OPT_FLAG) {
			if (eq) {
				fprintf(stderr, "lorascope run: --%s takes no value\n", name);
				return LS_EXIT_USAGE;
			}
			value = "on";
		} else if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			fprintf(stderr, "lorascope run: --%s: missing value\n", name);
			return LS_EXIT_USAGE;
		}
		if (o) {
			if (set_run_option(ro, o, value, msg, sizeof msg) != 0) {
				fprintf(stderr, "lorascope run: %s\n", msg);
				return LS_EXIT_USAGE;
			}
			continue;
		}
		ls_error err;
		ls_error_clear(&err);
		if (ls_config_set(cfg, name, value, &err) != LS_OK) {
			fprintf(stderr, "lorascope run: %s\n", err.msg);
			return LS_EXIT_USAGE;
		}
	}
	return LS_EXIT_OK;
}

int ls_cli_run(int argc, char **argv)
{
	ls_config cfg;
	run_options ro;
	memset(&ro, 0, sizeof ro);
	int rc = parse(argc, argv, &cfg, &ro);
	if (rc != LS_EXIT_OK)
		return rc;
	if (ro.help) {
		help();
		return LS_EXIT_OK;
	}
	if (ro.version) {
		printf("lorascope %s\n", PACKAGE_VERSION);
		return LS_EXIT_OK;
	}
	ls_error err;
	ls_error_clear(&err);
	if (ls_config_check(&cfg, &err) != LS_OK) {
		fprintf(stderr, "lorascope run: %s\n", err.msg);
		return LS_EXIT_USAGE;
	}
	ls_session *s;
	ls_status st = ls_session_create(&s, &cfg, &err);
	if (st != LS_OK) {
		fprintf(stderr, "lorascope run: %s\n", err.msg[0] ? err.msg : ls_strerror(st));
		return st == LS_ENOMEM || st == LS_ENUMERIC ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
	}
	ls_out out = { .f = stdout, .fmt = (ls_out_format)ro.format, .timing = !ro.no_timing };
	ls_out_header(&out, &cfg);
	ls_out_row(&out, ls_session_metrics(s));
	while (ls_session_steps(s) < ro.steps && !ls_session_diverged(s)) {
		long k = ro.steps - ls_session_steps(s);
		if (k > ro.every)
			k = ro.every;
		st = ls_session_step(s, k, &err);
		if (st != LS_OK)
			break;
		ls_out_row(&out, ls_session_metrics(s));
	}
	if (st == LS_OK)
		ls_out_summary(&out, s);
	else
		fprintf(stderr, "lorascope run: %s\n", err.msg[0] ? err.msg : ls_strerror(st));
	rc = st != LS_OK ? LS_EXIT_FAILURE : ls_session_diverged(s) ? LS_EXIT_DIVERGED : LS_EXIT_OK;
	ls_session_free(s);
	if (fflush(stdout) != 0 && rc == LS_EXIT_OK)
		rc = LS_EXIT_FAILURE;
	return rc;
}
