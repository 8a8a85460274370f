/* app_options.c — the TUI's start-up configuration: its option rows (its own, the look and
 * keys shared with replay, every run parameter; one table for the command line, the defaults
 * file and --help), the defaults file, a lesson's setup and the problem's files, read before
 * the screen is taken. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "keys.h"
#include "lorascope/config.h"
#include "lorascope/lesson_parse.h"
#include "lorascope/loader.h"
#include "lorascope/opts.h"
#include "lorascope/problem.h"
#include "lorascope/userconfig.h"
#include "screen.h"

/* A parameter on the command line: checked now, applied after the defaults file and a
 * lesson's setup. */
static ls_status tui_param(void *target, const ls_opt *opt, const char *value, ls_error *err)
{
	ls_app_opts *o = target;
	ls_config scratch;
	ls_config_defaults(&scratch);
	ls_status st = ls_config_set(&scratch, opt->name, value, err);
	if (st != LS_OK)
		return st;
	if (o->nparam == LS_APP_PARAMS_MAX)
		return ls_error_set(err, LS_EINVAL, "more than %d parameters", LS_APP_PARAMS_MAX);
	o->pname[o->nparam] = opt->name;
	o->pval[o->nparam] = value;
	o->nparam++;
	return LS_OK;
}

/* --fps N: the frame interval of --delay, given as a rate. */
static ls_status set_fps(void *target, const ls_opt *o, const char *value, ls_error *err)
{
	char *end;
	double fps = strtod(value, &end);
	if (end == value || *end || !(fps >= 0.1 && fps <= 1000))
		return ls_error_set(err, LS_EINVAL, "--%s: '%s' is not a rate in [0.1, 1000]",
				    o->name, value);
	*(long *)((char *)target + o->offset) = lround(1000.0 / fps);
	return LS_OK;
}

#define TUI_PARAM_ROW(...) LS_OPT_PARAM_ROW(tui_param, __VA_ARGS__)
static const ls_opt tui_rows[] = {
	LS_SCREEN_OPT_ROWS(ls_app_opts, look, "options"),
	LS_OPT_MAX_MEMORY_ROW("options"),
	{ .name = "delay",
	  .kind = LS_OPT_INT,
	  .arg = "MS",
	  .group = "options",
	  .def = "50",
	  .help = "at most one frame every MS milliseconds (fewer while output blocks: a slow "
		  "link); the losses are kept every step, the spectrum, norms and distance to "
		  "X* measured for each frame, and for the plotted history " LS_HISTORY_FACTOR_TEXT,
	  .lo = 1,
	  .hi = 10000,
	  .offset = offsetof(ls_app_opts, delay_ms),
	  .in_file = true },
	{ .name = "fps",
	  .kind = LS_OPT_CALL,
	  .arg = "N",
	  .group = "options",
	  .help = "at most N frames per second: --delay 1000/N",
	  .offset = offsetof(ls_app_opts, delay_ms),
	  .call = set_fps,
	  .in_file = true },
	{ .name = "speed",
	  .kind = LS_OPT_REAL,
	  .arg = "N",
	  .group = "options",
	  .def = "60",
	  .help = "at most N steps per second, 0 unlimited (keys + and - double/halve)",
	  .lo = 0,
	  .hi = LS_WORKER_SPEED_MAX,
	  .offset = offsetof(ls_app_opts, speed),
	  .in_file = true },
	{ .name = "paused",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "start paused",
	  .offset = offsetof(ls_app_opts, paused),
	  .in_file = true },
	{ .name = "resume",
	  .kind = LS_OPT_TEXT,
	  .arg = "DIR",
	  .group = "options",
	  .help = "continue the snapshot DIR (written by the s key or run --snapshot)",
	  .offset = offsetof(ls_app_opts, resume) },
	{ .name = "save-peft",
	  .kind = LS_OPT_TEXT,
	  .arg = "DIR",
	  .group = "options",
	  .help = "the directory the a key writes checkpoint-N into (PEFT adapter and "
		  "trainer_state.json, as run --save-peft) [default: lorascope-run]",
	  .offset = offsetof(ls_app_opts, save_peft) },
	{ .name = "lesson",
	  .kind = LS_OPT_TEXT,
	  .arg = "FILE",
	  .group = "options",
	  .help = "play the lesson FILE (captions, pauses; man lorascope: LESSONS)",
	  .offset = offsetof(ls_app_opts, lesson) },
	{ .name = "no-config",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "do not read the defaults file (see below)",
	  .offset = offsetof(ls_app_opts, no_config) },
	{ .name = "stats",
	  .kind = LS_OPT_TEXT,
	  .arg = "FILE",
	  .group = "options",
	  .help = "write frame-time and key-latency percentiles and the times of the first "
		  "frame and the first with the problem in it to FILE on exit",
	  .offset = offsetof(ls_app_opts, stats) },
	{ .name = "man-keys",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "print the man page's INTERACTIVE COMMANDS section (roff) and exit",
	  .offset = offsetof(ls_app_opts, man_keys) },
	LS_OPT_HELP_ROW(ls_app_opts, help, "options"),
	LS_PARAM_LIST(TUI_PARAM_ROW)
};
#undef TUI_PARAM_ROW

static const ls_opts_spec tui_spec = {
	.opts = tui_rows,
	.nopts = sizeof tui_rows / sizeof tui_rows[0],
	.usage = "usage: lorascope [options] [--PARAM VALUE ...]\n"
		 "       lorascope replay TRACE     (see lorascope replay --help)\n"
		 "Interactive view of LoRA training. The parameters (problem: to files: below)\n"
		 "are those of `lorascope run`, the headless form.\n",
	.tail = "Defaults file: $XDG_CONFIG_HOME/lorascope/config (else\n"
		"~/.config/lorascope/config), lines 'NAME = VALUE' for any parameter above\n"
		"and for ascii, blocks, no-color, delay, speed, paused (true/false),\n"
		"'key KEY = ACTION' bindings, '#' comments. A bad line is reported with its\n"
		"line number and skipped. Order: file, lesson setup, command line. Only the\n"
		"interactive view reads it: `lorascope run` depends on its options alone.\n",
};

/* The defaults file's lines go to the config, the options and the key map. */
typedef struct {
	ls_app_opts *o;
	ls_config *cfg;
	size_t nbad;
	char first[300];
} file_ctx;

static ls_status file_set(void *ctx, const char *name, const char *value, ls_error *err)
{
	file_ctx *f = ctx;
	if (ls_param_find(name))
		return ls_config_set(f->cfg, name, value, err);
	const ls_opt *opt = ls_opts_find(&tui_spec, name);
	if (opt && opt->in_file)
		return ls_opts_store(opt, f->o, value, err);
	return ls_error_set(err, LS_EINVAL, "'%s' is not a parameter or a setting", name);
}

static void file_bad(void *ctx, const char *msg)
{
	file_ctx *f = ctx;
	if (f->nbad++ == 0)
		snprintf(f->first, sizeof f->first, "%s", msg);
}

static int parse(int argc, char **argv, ls_app_opts *o)
{
	ls_error err;
	if (ls_opts_parse(&tui_spec, argc, argv, o, NULL, NULL, &err) != LS_OK) {
		fprintf(stderr, "lorascope: %s\n", err.msg);
		return 2;
	}
	return 0;
}

/* Whether --no-config is among the arguments (the file is read before them). */
static bool wants_no_config(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--no-config") == 0)
			return true;
	return false;
}

/* The lesson and the parameters after the options: a lesson's setup, then the command line's
 * parameters, then the problem's files. Returns -1 or an exit status, as ls_app_start_read. */
static int configure(ls_app_start *s, const ls_keymap *km)
{
	ls_app_opts *o = &s->o;
	ls_error err;
	if (o->resume && (o->lesson || o->nparam)) {
		char setup[LS_KEYS_HINT_LEN];
		fprintf(stderr,
			"lorascope: --resume takes its parameters from the snapshot (no "
			"--lesson or parameters with it; change them with %s)\n",
			ls_keys_hint(km, LS_ACT_SETUP, setup, sizeof setup));
		return 2;
	}
	if (o->lesson) {
		/* Errors before curses starts: FILE:LINE:COL: message. */
		if (ls_lesson_load(o->lesson, &s->lesson, &err) != LS_OK ||
		    ls_lesson_configure(s->lesson, &s->cfg, &err) != LS_OK) {
			fprintf(stderr, "%s\n", err.msg);
			return 2;
		}
	}
	for (int i = 0; i < o->nparam; i++)
		if (ls_config_set(&s->cfg, o->pname[i], o->pval[i], &err) != LS_OK) {
			fprintf(stderr, "lorascope: %s\n", err.msg);
			return 2;
		}
	/* Matrix files fix --m, --n, --samples, --rank unless given on the command line
	 * (given ones must agree), as in lorascope run. */
	bool given[LS_PARAM_COUNT] = { false };
	for (int i = 0; i < o->nparam; i++)
		given[ls_param_find(o->pname[i]) - ls_params] = true;
	if (!o->resume)
		ls_problem_type_fit_rank(&s->cfg, given[LS_PARAM_rank]);
	if (!o->resume && (ls_inputs_load(&s->cfg, given, &s->in, &err) != LS_OK ||
			   ls_config_check(&s->cfg, &err) != LS_OK)) {
		fprintf(stderr, "lorascope: %s\n", err.msg);
		return 2;
	}
	return -1;
}

int ls_app_start_read(ls_app_start *s, ls_keymap *km, int argc, char **argv)
{
	memset(s, 0, sizeof *s);
	ls_config_defaults(&s->cfg);
	ls_error err;
	if (ls_opts_defaults(&tui_spec, &s->o, &err) != LS_OK) {
		fprintf(stderr, "lorascope: %s\n", err.msg);
		return 1;
	}
	/* The defaults file first; the command line overrides it. */
	s->o.look.km = km;
	file_ctx fc = { .o = &s->o, .cfg = &s->cfg };
	char path[1024];
	if (!wants_no_config(argc, argv) && ls_userconfig_path(path, sizeof path)) {
		ls_userconfig_sink sink = { file_set, file_bad, &fc };
		size_t nbad;
		if (ls_userconfig_load(path, &sink, &nbad, &err) != LS_OK)
			snprintf(s->note, sizeof s->note, "defaults file not read: %s", err.msg);
		else if (nbad == 1)
			snprintf(s->note, sizeof s->note, "%s (line skipped)", fc.first);
		else if (nbad > 1)
			snprintf(s->note, sizeof s->note, "%s (line skipped; %zu bad lines in all)",
				 fc.first, nbad);
	}
	int rc = parse(argc, argv, &s->o);
	if (rc)
		return rc;
	if (s->o.help) {
		ls_opts_help(&tui_spec, stdout);
		return 0;
	}
	if (s->o.man_keys) {
		ls_keys_write_man(stdout);
		return 0;
	}
	rc = configure(s, km);
	if (rc >= 0) {
		ls_inputs_free(&s->in);
		ls_lesson_free(s->lesson);
		s->lesson = NULL;
	}
	return rc;
}
