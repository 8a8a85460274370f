/* run.c — `lorascope run`: options from LS_PARAM_LIST and a small run table, a headless loop. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lorascope/fileio.h"
#include "lorascope/lesson.h"
#include "lorascope/loader.h"
#include "lorascope/session.h"
#include "lorascope/snapshot.h"
#include "lorascope/trace.h"
#include "output.h"
#include "preset.h"

/* The options that belong to `run` only, in the shape of LS_PARAM_LIST:
 * X(field, "name", TYPE, "default", min, max, choices, "help"); FLAG takes no value; a STRING
 * option is unset by default and its "default" column names its value in --help. */
#define LS_RUN_OPTION_LIST(X)                                                               \
	X(steps, "steps", INT, "3000", 0, 1e12, NULL, "optimiser steps to run")             \
	X(every, "every", INT, "100", 1, 1e12, NULL, "print a row every K steps")           \
	X(format, "format", CHOICE, "table", 0, 0, ls_out_format_names,                     \
	  "output: aligned table, csv or jsonl (JSON Lines)")                               \
	X(no_timing, "no-timing", FLAG, "off", 0, 0, NULL,                                  \
	  "leave out steps/s so the output depends only on the options")                    \
	X(trace, "trace", STRING, "FILE", 0, 0, NULL,                                       \
	  "also write the rows to FILE (CSV, or JSON Lines for .jsonl/.json; else as "      \
	  "--format), headed by every parameter; written atomically when the run ends")     \
	X(snapshot, "snapshot", STRING, "DIR", 0, 0, NULL,                                  \
	  "save the session to the directory DIR when the run ends (factors, optimiser "    \
	  "moments, rng state, history; see lorascope(1))")                                 \
	X(resume, "resume", STRING, "DIR", 0, 0, NULL,                                      \
	  "continue the run saved in DIR for --steps more steps; parameters given as well " \
	  "are changed as mid-run changes")                                                 \
	X(lesson, "lesson", STRING, "FILE", 0, 0, NULL,                                     \
	  "play the lesson FILE headless: its setup first, then these options; captions "   \
	  "printed, pauses ignored; --steps counts the lesson clock (default: until it "    \
	  "stops or every rule has fired, at most 10^6 steps)")                             \
	X(help, "help", FLAG, "off", 0, 0, NULL, "print this help and exit")                \
	X(version, "version", FLAG, "off", 0, 0, NULL, "print the version and exit")

typedef enum { OPT_INT, OPT_CHOICE, OPT_FLAG, OPT_STRING } opt_type;

/* A config parameter given on the command line (applied after a lesson's setup, or as a
 * mid-run change after --resume). */
typedef struct {
	const char *name, *value;
} given_param;

typedef struct {
	long steps, every;
	int format;
	int no_timing, help, version;
	const char *trace, *snapshot, *resume, *lesson;
	bool steps_given;
	given_param given[LS_PARAM_COUNT * 4];
	size_t ngiven;
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
#define LS_RUN_OPT(field, oname, otype, odef, olo, ohi, ochoices, ohelp) \
	{ .name = oname,                                                 \
	  .type = OPT_##otype,                                           \
	  .def = odef,                                                   \
	  .lo = olo,                                                     \
	  .hi = ohi,                                                     \
	  .choices = ochoices,                                           \
	  .help = ohelp,                                                 \
	  .offset = offsetof(run_options, field) },
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
	if (o->type == OPT_STRING) {
		if (value == o->def) { /* unset by default */
			*(const char **)p = NULL;
			return 0;
		}
		if (*value == '\0') {
			snprintf(msg, len, "--%s: empty value", o->name);
			return -1;
		}
		*(const char **)p = value;
		return 0;
	}
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
static void print_option(const char *name, bool takes_value, const char *metavar, const char *def,
			 const char *const *choices, const char *help)
{
	char lhs[64], text[512];
	snprintf(lhs, sizeof lhs, "--%s%s%s", name, takes_value ? " " : "",
		 takes_value ? metavar : "");
	size_t used = (size_t)snprintf(text, sizeof text, "%s", help);
	for (int i = 0; choices && choices[i] && used < sizeof text; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "%s%s",
					 i ? ", " : " (one of: ", choices[i]);
	if (choices && used < sizeof text)
		used += (size_t)snprintf(text + used, sizeof text - used, ")");
	if (takes_value && def && used < sizeof text)
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
	printf("usage: lorascope run [options]\n"
	       "       lorascope run --resume DIR [--steps T] [options]\n"
	       "       lorascope run --lesson FILE [options]\n\n"
	       "Train LoRA factors headless on a synthetic problem and print a row every K\n"
	       "steps, then a summary with what Kim-Kim-Ryu's theorems say about the end point\n"
	       "(alpha^, beta^, regime, threshold 2a/b, lambda_min, Corollary 1, verdict).\n"
	       "Options take --name VALUE or --name=VALUE.\n"
	       "Exit status: 0 done, 1 runtime failure, 2 bad option, value, lesson or\n"
	       "snapshot, 3 diverged.\n");
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
			if (strcmp(ls_params[i].group, groups[g]) == 0) {
				bool file = ls_params[i].type == LS_P_TEXT; /* FILE, no default */
				print_option(ls_params[i].name, true, file ? "FILE" : "VALUE",
					     file ? NULL : ls_params[i].def, ls_params[i].choices,
					     ls_params[i].help);
			}
	}
	printf("\nrun:\n");
	for (size_t i = 0; i < NRUN; i++) {
		const run_option *o = &run_options_table[i];
		bool str = o->type == OPT_STRING;
		print_option(o->name, o->type != OPT_FLAG, str ? o->def : "VALUE",
			     str ? NULL : o->def, o->choices, o->help);
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
		} else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
			value = argv[++i];
		} else {
			/* No value, or the next option where the value should be (no value of
			 * any option starts with "--"). */
			fprintf(stderr, "lorascope run: --%s: missing value%s%s%s\n", name,
				i + 1 < argc ? " (before " : "", i + 1 < argc ? argv[i + 1] : "",
				i + 1 < argc ? ")" : "");
			return LS_EXIT_USAGE;
		}
		if (o) {
			if (set_run_option(ro, o, value, msg, sizeof msg) != 0) {
				fprintf(stderr, "lorascope run: %s\n", msg);
				return LS_EXIT_USAGE;
			}
			ro->steps_given = ro->steps_given || strcmp(o->name, "steps") == 0;
			continue;
		}
		if (ro->ngiven == sizeof ro->given / sizeof ro->given[0]) {
			fprintf(stderr, "lorascope run: too many options\n");
			return LS_EXIT_USAGE;
		}
		ro->given[ro->ngiven++] = (given_param){ .name = pi->name, .value = value };
		ls_error err;
		ls_error_clear(&err);
		if (ls_config_set(cfg, name, value, &err) != LS_OK) {
			fprintf(stderr, "lorascope run: %s\n", err.msg);
			return LS_EXIT_USAGE;
		}
	}
	return LS_EXIT_OK;
}

/* Everything the loop needs; the loop runs inside the trace's atomic writer when there is
 * a trace, so a failed run leaves no trace file behind. */
typedef struct {
	ls_session *s;
	const run_options *ro;
	ls_out out;
	ls_trace_format tfmt;
	ls_lesson *lesson;
	ls_lesson_run *player;
	long start; /* the session's step when this invocation began */
	ls_error err;
	int rc; /* exit status decided inside the loop */
} run_ctx;

/* Largest lesson clock a lesson plays to without --steps. */
#define LESSON_DEFAULT_LIMIT 1000000L

/* One row to stdout and the trace. */
static ls_status emit_row(run_ctx *c, FILE *trace)
{
	const ls_metrics *m = ls_session_metrics(c->s);
	ls_out_row(&c->out, m);
	return trace ? ls_trace_write_row(trace, c->tfmt, m, c->out.timing, &c->err) : LS_OK;
}

/* A lesson event to stdout and the trace (pauses are ignored headless). */
static ls_status emit_event(run_ctx *c, FILE *trace, const ls_lesson_event *ev)
{
	if (ev->kind == LS_LESSON_EV_PAUSE)
		return LS_OK;
	char line[LS_ERROR_MSG_MAX + 512];
	ls_lesson_event_format(ev, line, sizeof line);
	const char *text = line;
	if (strncmp(text, "[step ", 6) == 0 && strchr(text, ']')) /* the step goes separately */
		text = strchr(text, ']') + 1 + (strchr(text, ']')[1] == ' ');
	const char *kind = ev->kind == LS_LESSON_EV_CAPTION ? "caption" : "lesson";
	ls_out_event(&c->out, kind, ev->clock, text);
	return trace ? ls_trace_write_event(trace, c->tfmt, kind, ev->clock, text, &c->err) : LS_OK;
}

/* α̂, β̂ for the current baseline and rank (cached by the session: cheap when known). */
static ls_status theory_cache(run_ctx *c)
{
	return ls_session_alphabeta(c->s, NULL, &c->err);
}

static ls_status run_loop(FILE *trace, const void *vctx, ls_error *err)
{
	run_ctx *c = (run_ctx *)vctx;
	const run_options *ro = c->ro;
	ls_status st = theory_cache(c);
	if (st == LS_OK && trace) {
		char steps[32], every[32], start[32];
		snprintf(steps, sizeof steps, "%ld", ro->steps);
		snprintf(every, sizeof every, "%ld", ro->every);
		snprintf(start, sizeof start, "%ld", c->start);
		char shape[96];
		const ls_problem *p = ls_session_problem(c->s);
		size_t used = 0;
		for (size_t k = 0; k < p->nmod && used < sizeof shape; k++)
			used += (size_t)snprintf(shape + used, sizeof shape - used, "%s%zux%zu",
						 k ? "+" : "", p->shape[k].m, p->shape[k].n);
		ls_trace_kv kv[7];
		size_t n = 0;
		kv[n++] = (ls_trace_kv){ "shape", shape };
		kv[n++] = (ls_trace_kv){ "steps", steps };
		kv[n++] = (ls_trace_kv){ "every", every };
		kv[n++] = (ls_trace_kv){ "start_step", start };
		if (ro->lesson)
			kv[n++] = (ls_trace_kv){ "lesson", ro->lesson };
		if (ro->resume)
			kv[n++] = (ls_trace_kv){ "resume", ro->resume };
		st = ls_trace_write_header(trace, c->tfmt, ls_session_config(c->s), kv, n,
					   c->out.timing, &c->err);
	}
	if (st == LS_OK) {
		ls_out_header(&c->out, c->s);
		st = emit_row(c, trace);
	}
	/* Steps to run in this invocation: the lesson clock with a lesson, else session steps. */
	long limit = ro->steps;
	if (c->lesson && !ro->steps_given)
		limit = LESSON_DEFAULT_LIMIT;
	long done = 0;
	while (st == LS_OK && done < limit) {
		if (c->player) {
			const ls_lesson_event *ev;
			size_t nev;
			st = ls_lesson_run_poll(c->player, c->s, &ev, &nev, &c->err);
			for (size_t i = 0; st == LS_OK && i < nev; i++)
				st = emit_event(c, trace, &ev[i]);
			done = ls_lesson_run_clock(c->player);
			if (st != LS_OK || ls_lesson_run_stopped(c->player) || done >= limit)
				break;
			if (ls_lesson_run_finished(c->player) && !ro->steps_given)
				break;
		}
		if (ls_session_diverged(c->s))
			break;
		st = theory_cache(c);
		if (st != LS_OK)
			break;
		long step = ls_session_steps(c->s);
		long k = ro->every - step % ro->every;
		if (k > limit - done)
			k = limit - done;
		if (c->player) {
			long b = ls_lesson_run_budget(c->player);
			if (b <= 0)
				break;
			if (k > b)
				k = b;
		}
		st = ls_session_step(c->s, k, &c->err);
		if (st != LS_OK)
			break;
		long ran = ls_session_steps(c->s) - step;
		if (!c->player)
			done += ran;
		step = ls_session_steps(c->s);
		if (step % ro->every == 0 || (!c->player && done >= limit) ||
		    ls_session_diverged(c->s))
			st = emit_row(c, trace);
		/* A divergence ends the loop at the next poll unless a lesson rule (when
		 * diverged: ... reset) brings the run back. */
	}
	if (st == LS_OK && c->player) {
		/* Rules due at the last step (a caption at the end, "stop"). */
		const ls_lesson_event *ev;
		size_t nev;
		st = ls_lesson_run_poll(c->player, c->s, &ev, &nev, &c->err);
		for (size_t i = 0; st == LS_OK && i < nev; i++)
			st = emit_event(c, trace, &ev[i]);
		if (st == LS_OK && ls_session_steps(c->s) % ro->every != 0)
			st = emit_row(c, trace);
	}
	if (st != LS_OK) {
		*err = c->err;
		return st;
	}
	ls_theory_report rep;
	const ls_theory_report *prep = NULL;
	char why[LS_ERROR_MSG_MAX + 32] = "";
	if (!ls_session_baseline(c->s)) {
		snprintf(why, sizeof why, "skipped: no baseline (X*) to compare with");
	} else if (ls_session_diverged(c->s)) {
		snprintf(why, sizeof why, "skipped: the run diverged");
	} else {
		ls_error terr;
		ls_error_clear(&terr);
		if (ls_session_theory_report(c->s, &rep, &terr) == LS_OK)
			prep = &rep;
		else
			snprintf(why, sizeof why, "failed: %s", terr.msg);
	}
	ls_out_summary(&c->out, c->s, prep, prep ? NULL : why);
	if (trace && ferror(trace))
		return ls_error_set(err, LS_EIO, "write error");
	return LS_OK;
}

/* name := value on s; a new matrix file is read here and set with its matrix. */
static ls_status set_given(ls_session *s, const char *name, const char *value, ls_error *err)
{
	ls_mat M = { 0 };
	bool loaded;
	ls_status st = ls_input_load_change(ls_session_config(s), name, value, &M, &loaded, err);
	if (st == LS_OK)
		st = loaded ? ls_session_set_file(s, name, value, &M, err)
			    : ls_session_set(s, name, value, err);
	ls_mat_free(&M);
	return st;
}

/* Apply the parameters given on the command line to a resumed session, in order. */
static int apply_given(ls_session *s, const run_options *ro)
{
	for (size_t i = 0; i < ro->ngiven; i++) {
		ls_error err;
		ls_error_clear(&err);
		if (set_given(s, ro->given[i].name, ro->given[i].value, &err) != LS_OK) {
			fprintf(stderr, "lorascope run: %s\n", err.msg);
			return LS_EXIT_USAGE;
		}
	}
	return LS_EXIT_OK;
}

/* The session to run: resumed, or built from the options (after a lesson's setup). */
static int make_session(run_ctx *c, ls_config *cfg, const run_options *ro)
{
	ls_error err;
	ls_error_clear(&err);
	if (ro->resume) {
		if (ro->lesson) {
			fprintf(stderr, "lorascope run: --lesson and --resume do not combine (a "
					"lesson sets its run up from the start)\n");
			return LS_EXIT_USAGE;
		}
		ls_status st = ls_session_load(&c->s, ro->resume, &err);
		if (st != LS_OK) {
			fprintf(stderr, "lorascope run: %s\n",
				err.msg[0] ? err.msg : ls_strerror(st));
			return st == LS_ENOMEM ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
		}
		return apply_given(c->s, ro);
	}
	if (ro->lesson) {
		ls_status st = ls_lesson_load(ro->lesson, &c->lesson, &err);
		if (st == LS_OK) {
			ls_config_defaults(cfg);
			st = ls_lesson_configure(c->lesson, cfg, &err);
		}
		for (size_t i = 0; st == LS_OK && i < ro->ngiven; i++)
			st = ls_config_set(cfg, ro->given[i].name, ro->given[i].value, &err);
		if (st != LS_OK) {
			fprintf(stderr, "%s\n", err.msg[0] ? err.msg : ls_strerror(st));
			return st == LS_ENOMEM ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
		}
	}
	/* The files fix --m, --n, --samples, --rank unless given; given ones must agree. */
	bool given[LS_PARAM_COUNT] = { false };
	for (size_t i = 0; i < ro->ngiven; i++)
		given[ls_param_find(ro->given[i].name) - ls_params] = true;
	ls_preset_fit_rank(cfg, given[LS_PARAM_rank]);
	ls_inputs in;
	ls_status st = ls_inputs_load(cfg, given, &in, &err);
	if (st != LS_OK) {
		fprintf(stderr, "lorascope run: %s\n", err.msg);
		return st == LS_ENOMEM ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
	}
	if (ls_config_check(cfg, &err) != LS_OK) {
		fprintf(stderr, "lorascope run: %s\n", err.msg);
		ls_inputs_free(&in);
		return LS_EXIT_USAGE;
	}
	st = ls_session_create(&c->s, cfg, &in, &err);
	ls_inputs_free(&in);
	if (st == LS_OK && c->lesson)
		st = ls_lesson_run_new(&c->player, c->lesson, &err);
	if (st != LS_OK) {
		fprintf(stderr, "lorascope run: %s\n", err.msg[0] ? err.msg : ls_strerror(st));
		return st == LS_ENOMEM || st == LS_ENUMERIC ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
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
	run_ctx c;
	memset(&c, 0, sizeof c);
	c.ro = &ro;
	rc = make_session(&c, &cfg, &ro);
	if (rc == LS_EXIT_OK) {
		c.start = ls_session_steps(c.s);
		c.out = (ls_out){ .f = stdout,
				  .fmt = (ls_out_format)ro.format,
				  .timing = !ro.no_timing };
		if (!ro.trace || !ls_trace_format_of_path(ro.trace, &c.tfmt))
			c.tfmt = ro.format == LS_OUT_JSONL ? LS_TRACE_JSONL : LS_TRACE_CSV;
		ls_error err;
		ls_error_clear(&err);
		ls_status st = ro.trace ? ls_file_write_atomic(ro.trace, run_loop, &c, &err)
					: run_loop(NULL, &c, &err);
		if (st != LS_OK) {
			fprintf(stderr, "lorascope run: %s\n",
				err.msg[0] ? err.msg : ls_strerror(st));
			rc = LS_EXIT_FAILURE;
		} else {
			rc = ls_session_diverged(c.s) ? LS_EXIT_DIVERGED : LS_EXIT_OK;
		}
		if (st == LS_OK && ro.snapshot) {
			st = ls_session_save(c.s, ro.snapshot, &err);
			if (st != LS_OK) {
				fprintf(stderr, "lorascope run: snapshot: %s\n", err.msg);
				rc = LS_EXIT_FAILURE;
			}
		}
	}
	ls_lesson_run_free(c.player);
	ls_lesson_free(c.lesson);
	ls_session_free(c.s);
	if (fflush(stdout) != 0 && rc == LS_EXIT_OK)
		rc = LS_EXIT_FAILURE;
	return rc;
}
