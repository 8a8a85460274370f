/* app.c — the TUI's main loop (curses, main thread).
 *
 * Options → config; the worker thread starts the session; the loop waits with poll() on
 * the terminal and the worker's notification pipe, reads every pending key, dispatches
 * actions through the key map (commands go to the worker, view toggles stay here) and
 * draws a frame from the last published view when it changed, at most every --delay ms
 * (at once when a command the user is waiting for has been applied). The terminal is
 * restored on quit, SIGINT, SIGTERM, SIGHUP, hang-up (EIO, POLLHUP) and fatal signals;
 * stderr goes to /dev/null while curses owns the screen. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "lorascope/config.h"
#include "lorascope/lesson.h"
#include "lorascope/lesson_parse.h"
#include "lorascope/loader.h"
#include "lorascope/opts.h"
#include "lorascope/problem.h"
#include "lorascope/userconfig.h"
#include "screen.h"
#include "setup.h"
#include "stats.h"
#include "theme.h"
#include "tui.h"
#include "ui.h"
#include "worker.h"

#define LAMBDA_FACTOR 3.1622776601683795 /* √10 */
#define LR_FACTOR 2.0
#define PENDING_MAX 64
#define IDLE_WAIT_MS 1000

/* The TUI's options: its own (the look and keys shared with replay, screen.h), then every run
 * parameter. One table for the command line, the defaults file (in_file rows, userconfig.h)
 * and --help. */
#define MAX_CL_PARAMS 128

typedef struct {
	ls_screen_opts look;
	bool paused, help, man_keys, no_config;
	long delay_ms;
	double speed;
	const char *stats, *resume, *lesson;
	/* Parameters from the command line, applied last (after the file and a lesson). */
	int nparam;
	const char *pname[MAX_CL_PARAMS], *pval[MAX_CL_PARAMS];
} tui_opts;

/* A parameter on the command line: checked now, applied after the defaults file and a
 * lesson's setup. */
static ls_status tui_param(void *target, const ls_opt *opt, const char *value, ls_error *err)
{
	tui_opts *o = target;
	ls_config scratch;
	ls_config_defaults(&scratch);
	ls_status st = ls_config_set(&scratch, opt->name, value, err);
	if (st != LS_OK)
		return st;
	if (o->nparam == MAX_CL_PARAMS)
		return ls_error_set(err, LS_EINVAL, "more than %d parameters", MAX_CL_PARAMS);
	o->pname[o->nparam] = opt->name;
	o->pval[o->nparam] = value;
	o->nparam++;
	return LS_OK;
}

#define TUI_PARAM_ROW(...) LS_OPT_PARAM_ROW(tui_param, __VA_ARGS__)
static const ls_opt tui_rows[] = {
	LS_SCREEN_OPT_ROWS(tui_opts, look, "options"),
	{ .name = "delay",
	  .kind = LS_OPT_INT,
	  .arg = "MS",
	  .group = "options",
	  .def = "50",
	  .help = "at most one frame every MS milliseconds",
	  .lo = 1,
	  .hi = 10000,
	  .offset = offsetof(tui_opts, delay_ms),
	  .in_file = true },
	{ .name = "speed",
	  .kind = LS_OPT_REAL,
	  .arg = "N",
	  .group = "options",
	  .def = "60",
	  .help = "at most N steps per second, 0 unlimited (keys + and - double/halve)",
	  .lo = 0,
	  .hi = LS_WORKER_SPEED_MAX,
	  .offset = offsetof(tui_opts, speed),
	  .in_file = true },
	{ .name = "paused",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "start paused",
	  .offset = offsetof(tui_opts, paused),
	  .in_file = true },
	{ .name = "resume",
	  .kind = LS_OPT_TEXT,
	  .arg = "DIR",
	  .group = "options",
	  .help = "continue the snapshot DIR (written by the s key or run --snapshot)",
	  .offset = offsetof(tui_opts, resume) },
	{ .name = "lesson",
	  .kind = LS_OPT_TEXT,
	  .arg = "FILE",
	  .group = "options",
	  .help = "play the lesson FILE (captions, pauses; man lorascope: LESSONS)",
	  .offset = offsetof(tui_opts, lesson) },
	{ .name = "no-config",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "do not read the defaults file (see below)",
	  .offset = offsetof(tui_opts, no_config) },
	{ .name = "stats",
	  .kind = LS_OPT_TEXT,
	  .arg = "FILE",
	  .group = "options",
	  .help = "write frame-time and key-latency percentiles to FILE on exit",
	  .offset = offsetof(tui_opts, stats) },
	{ .name = "man-keys",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "print the man page's INTERACTIVE COMMANDS section (roff) and exit",
	  .offset = offsetof(tui_opts, man_keys) },
	LS_OPT_HELP_ROW(tui_opts, help, "options"),
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
	tui_opts *o;
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

static int parse(int argc, char **argv, tui_opts *o)
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

static double now_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
	ls_ui *ui;
	ls_worker *w;
	ls_stats *stats;
	bool quit, redraw_all, dirty;
	/* Commands the user waits to see: sequence number and key time. */
	int npend;
	unsigned long pend_seq[PENDING_MAX];
	double pend_t[PENDING_MAX];
	/* UI-only changes waiting for the next frame (key times). */
	int nlocal;
	double local_t[PENDING_MAX];
} app;

/* Queue c for the worker and echo it at once in the message line; the worker's own
 * message replaces the echo when it has applied the command. */
static void local_change(app *a, double t)
{
	a->dirty = true;
	if (a->nlocal < PENDING_MAX)
		a->local_t[a->nlocal++] = t;
}

static void push(app *a, ls_cmd *c, double t)
{
	unsigned long seq = ls_worker_push(a->w, c);
	if (!seq) {
		ls_mat_free(&c->mat);
		snprintf(a->ui->msg, sizeof a->ui->msg, "busy: command dropped, try again");
		a->ui->msg_error = true;
		a->dirty = true;
		return;
	}
	local_change(a, t);
	if (a->npend < PENDING_MAX) {
		a->pend_seq[a->npend] = seq;
		a->pend_t[a->npend] = t;
		a->npend++;
	}
}

static void cmd_simple(app *a, ls_cmd_kind k, const char *param, double factor, double t)
{
	ls_cmd c;
	memset(&c, 0, sizeof c);
	c.kind = k;
	if (param)
		snprintf(c.param, sizeof c.param, "%s", param);
	c.factor = factor;
	push(a, &c, t);
}

static void act(app *a, ls_action act, const ls_view *v, double t)
{
	ls_ui *ui = a->ui;
	ls_cmd c;
	snprintf(ui->msg, sizeof ui->msg, "%s ...", ls_actions[act].help);
	ui->msg_error = false;
	switch (act) {
	case LS_ACT_NONE:
		return;
	case LS_ACT_PAUSE:
		cmd_simple(a, LS_CMD_PAUSE, NULL, 0, t);
		break;
	case LS_ACT_STEP:
		cmd_simple(a, LS_CMD_STEP, NULL, 0, t);
		break;
	case LS_ACT_RESET:
		cmd_simple(a, LS_CMD_RESET, NULL, 0, t);
		break;
	case LS_ACT_KICK:
		cmd_simple(a, LS_CMD_KICK, NULL, 0, t);
		break;
	case LS_ACT_SPEED_UP:
		cmd_simple(a, LS_CMD_SPEED, NULL, 2.0, t);
		break;
	case LS_ACT_SPEED_DOWN:
		cmd_simple(a, LS_CMD_SPEED, NULL, 0.5, t);
		break;
	case LS_ACT_MODULE:
		if (v->m.nmod > 1) {
			ui->module = (int)((ls_ui_module(ui, v) + 1) % v->m.nmod);
			ui->mod_n = 0;
			snprintf(ui->msg, sizeof ui->msg,
				 "module %d of %zu in the spectrum and ratio panels",
				 ui->module + 1, v->m.nmod);
		} else {
			snprintf(ui->msg, sizeof ui->msg, "this problem has one module");
		}
		local_change(a, t);
		break;
	case LS_ACT_ROW_BACK:
	case LS_ACT_ROW_NEXT:
	case LS_ACT_JUMP_BACK:
	case LS_ACT_JUMP_NEXT:
	case LS_ACT_FIRST:
	case LS_ACT_LAST: {
		char k[16];
		ls_keymap_keys_text(&ui->keys, act, k, sizeof k);
		snprintf(ui->msg, sizeof ui->msg,
			 "%s moves the cursor in a replay (lorascope replay TRACE)", k);
		local_change(a, t);
		break;
	}
	case LS_ACT_LAMBDA_DOWN:
		cmd_simple(a, LS_CMD_SCALE, "lambda", 1 / LAMBDA_FACTOR, t);
		break;
	case LS_ACT_LAMBDA_UP:
		cmd_simple(a, LS_CMD_SCALE, "lambda", LAMBDA_FACTOR, t);
		break;
	case LS_ACT_LR_DOWN:
		cmd_simple(a, LS_CMD_SCALE, "lr", 1 / LR_FACTOR, t);
		break;
	case LS_ACT_LR_UP:
		cmd_simple(a, LS_CMD_SCALE, "lr", LR_FACTOR, t);
		break;
	case LS_ACT_RANK_DOWN:
		cmd_simple(a, LS_CMD_ADD, "rank", -1, t);
		break;
	case LS_ACT_RANK_UP:
		cmd_simple(a, LS_CMD_ADD, "rank", 1, t);
		break;
	case LS_ACT_INIT_NEXT:
		cmd_simple(a, LS_CMD_CYCLE, "init", 1, t);
		break;
	case LS_ACT_INIT_PREV:
		cmd_simple(a, LS_CMD_CYCLE, "init", -1, t);
		break;
	case LS_ACT_OPTIM:
		cmd_simple(a, LS_CMD_CYCLE, "optimizer", 1, t);
		break;
	case LS_ACT_PROBLEM:
		cmd_simple(a, LS_CMD_CYCLE, "problem", 1, t);
		break;
	case LS_ACT_SETUP:
		ui->setup = true;
		ui->editing = false;
		local_change(a, t);
		break;
	case LS_ACT_BASELINE:
		ui->show_baseline = !ui->show_baseline;
		if (v->has_baseline) {
			snprintf(ui->msg, sizeof ui->msg, "baseline %s",
				 ui->show_baseline ? "shown" : "hidden");
		} else {
			char setup[LS_KEYS_HINT_LEN];
			snprintf(ui->msg, sizeof ui->msg,
				 "baseline %s: not computed for this run (--baseline auto skips "
				 "large problems; %s: baseline = on computes it)",
				 ui->show_baseline ? "on" : "off",
				 ls_keys_hint(&ui->keys, LS_ACT_SETUP, setup, sizeof setup));
		}
		ui->msg_error = false;
		local_change(a, t);
		break;
	case LS_ACT_FLOW:
		ui->show_flow = !ui->show_flow;
		if (!v->has_flow)
			snprintf(ui->msg, sizeof ui->msg, "gradient flow %s: no closed form (%s)",
				 ui->show_flow ? "on" : "off", v->flow_why);
		else
			snprintf(ui->msg, sizeof ui->msg, "gradient flow %s",
				 ui->show_flow ? "shown" : "hidden");
		ui->msg_error = false;
		local_change(a, t);
		break;
	case LS_ACT_HELP:
		ui->show_help = !ui->show_help;
		local_change(a, t);
		break;
	case LS_ACT_REDRAW:
		a->redraw_all = true;
		local_change(a, t);
		break;
	case LS_ACT_TRACE:
		memset(&c, 0, sizeof c);
		c.kind = LS_CMD_TRACE;
		snprintf(c.text, sizeof c.text, "lorascope-trace-step%ld.csv", v->m.step);
		snprintf(ui->msg, sizeof ui->msg, "writing the trace %s ...", c.text);
		push(a, &c, t);
		break;
	case LS_ACT_SNAPSHOT:
		memset(&c, 0, sizeof c);
		c.kind = LS_CMD_SNAPSHOT;
		snprintf(c.text, sizeof c.text, "lorascope-step%ld", v->m.step);
		snprintf(ui->msg, sizeof ui->msg, "saving a snapshot to %s/ ...", c.text);
		push(a, &c, t);
		break;
	case LS_ACT_QUIT:
		a->quit = true;
		break;
	case LS_ACT_COUNT:
		break;
	}
}

static void relayout(ls_ui *ui)
{
	ls_layout_compute(COLS, LINES, &ui->layout);
}

/* F2's change of a file parameter: the file is read here, on the UI thread, and its matrix
 * goes with the command (the worker never reads files). False when it is refused (said in
 * the message line, as the worker says a refusal). */
static bool load_file(app *a, const ls_view *v, ls_cmd *c)
{
	ls_error err;
	bool loaded;
	if (ls_input_load_change(&v->cfg, c->param, c->text, &c->mat, &loaded, &err) == LS_OK)
		return true;
	snprintf(a->ui->msg, sizeof a->ui->msg, "refused: %.200s", err.msg);
	a->ui->msg_error = true;
	return false;
}

static void on_key(app *a, int ch, const ls_view *v, double t)
{
	ls_ui *ui = a->ui;
	if (ch == KEY_RESIZE) {
		relayout(ui);
		local_change(a, t);
		return;
	}
	if (ui->setup) {
		ls_cmd c;
		if (ls_setup_key(ui, v, ch, &c) && load_file(a, v, &c))
			push(a, &c, t);
		local_change(a, t);
		return;
	}
	ls_action act_id = ls_keymap_lookup(&ui->keys, ls_tui_map_key(ch));
	/* A lesson's pause: any key but quit goes on. */
	if (v->lesson_wait && act_id != LS_ACT_QUIT && !ui->show_help) {
		cmd_simple(a, LS_CMD_PAUSE, NULL, 0, t);
		snprintf(ui->msg, sizeof ui->msg, "lesson: going on ...");
		ui->msg_error = false;
		return;
	}
	if (ui->show_help && act_id != LS_ACT_QUIT) {
		/* Any key closes the help; its own key only toggles. */
		ui->show_help = false;
		local_change(a, t);
		if (act_id == LS_ACT_HELP)
			return;
	}
	if (ui->layout.too_small && act_id != LS_ACT_QUIT)
		return;
	if (act_id == LS_ACT_NONE) {
		char name[16], help[LS_KEYS_HINT_LEN];
		ls_key_name(ls_tui_map_key(ch), name, sizeof name);
		snprintf(ui->msg, sizeof ui->msg, "key %s does nothing (%s for help)", name,
			 ls_keys_hint(&ui->keys, LS_ACT_HELP, help, sizeof help));
		ui->msg_error = false;
		local_change(a, t);
		return;
	}
	act(a, act_id, v, t);
}

/* Run the loop until quit, a stop signal or hang-up. Returns 0 or 1 (hang-up is 0). */
static int loop(app *a, int notify_rd, int delay_ms)
{
	ls_ui *ui = a->ui;
	double delay = delay_ms / 1000.0;
	double last_frame = 0;
	unsigned long drawn_pub = 0;
	int empty_reads = 0;
	relayout(ui);
	a->dirty = true;
	while (!a->quit && !ls_screen_stop) {
		/* Sleep until a key, a publication, or the frame slot of a publication not
		 * drawn yet; never spin when nothing changes (paused, idle). */
		double t = now_sec();
		const ls_view *pv = ls_worker_lock_view(a->w);
		bool undrawn = pv->pub_seq != drawn_pub;
		ls_worker_unlock_view(a->w);
		int timeout = IDLE_WAIT_MS;
		if (a->dirty)
			timeout = 0;
		else if (undrawn)
			timeout = (int)ceil(1000 * (last_frame + delay - t));
		if (timeout < 0)
			timeout = 0;
		struct pollfd pf[2] = { { 0, POLLIN, 0 }, { notify_rd, POLLIN, 0 } };
		int pr = poll(pf, 2, timeout);
		if (pr < 0 && errno != EINTR)
			return 1;
		if (pr > 0 && (pf[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
			return 0; /* the terminal is gone: stop, do not spin */
		if (pr > 0 && (pf[1].revents & POLLIN)) {
			char drain[256];
			while (read(notify_rd, drain, sizeof drain) > 0)
				;
		}
		const ls_view *v = ls_worker_lock_view(a->w);
		int got = 0, ch;
		while ((ch = getch()) != ERR) {
			got++;
			on_key(a, ch, v, now_sec());
			if (a->quit)
				break;
		}
		/* Readable but no key, again and again: end of input (EIO after hang-up). */
		if (pr > 0 && (pf[0].revents & POLLIN) && got == 0) {
			if (++empty_reads > 100) {
				ls_worker_unlock_view(a->w);
				return 0;
			}
		} else {
			empty_reads = 0;
		}
		if (v->event_seq != ui->msg_event_seq) {
			ui->msg_event_seq = v->event_seq;
			snprintf(ui->msg, sizeof ui->msg, "%s", v->event);
			ui->msg_error = v->event_error;
			a->dirty = true;
		}
		t = now_sec();
		bool acked = false;
		for (int i = 0; i < a->npend; i++)
			if (a->pend_seq[i] <= v->applied_seq)
				acked = true;
		bool due = t - last_frame >= delay;
		if (a->dirty || acked || (due && v->pub_seq != drawn_pub)) {
			double t0 = now_sec();
			if (a->redraw_all) {
				clearok(curscr, TRUE);
				a->redraw_all = false;
			}
			ls_draw_frame(ui, v);
			refresh();
			double t1 = now_sec();
			ls_stats_frame(a->stats, t1 - t0);
			for (int i = 0; i < a->nlocal; i++)
				ls_stats_key(a->stats, t1 - a->local_t[i]);
			a->nlocal = 0;
			int keep = 0;
			for (int i = 0; i < a->npend; i++) {
				if (a->pend_seq[i] <= v->applied_seq) {
					ls_stats_applied(a->stats, t1 - a->pend_t[i]);
				} else {
					a->pend_seq[keep] = a->pend_seq[i];
					a->pend_t[keep] = a->pend_t[i];
					keep++;
				}
			}
			a->npend = keep;
			drawn_pub = v->pub_seq;
			last_frame = t1;
			a->dirty = false;
		}
		ls_worker_unlock_view(a->w);
	}
	return 0;
}

static int tui_main(ls_ui *ui, int argc, char **argv)
{
	tui_opts o = { .nparam = 0 };
	ls_config cfg;
	ls_config_defaults(&cfg);
	ls_keymap_defaults(&ui->keys);
	ls_error err;
	if (ls_opts_defaults(&tui_spec, &o, &err) != LS_OK) {
		fprintf(stderr, "lorascope: %s\n", err.msg);
		return 1;
	}
	/* The defaults file first; the command line overrides it. */
	o.look.km = &ui->keys;
	file_ctx fc = { .o = &o, .cfg = &cfg };
	char note[1200] = "";
	char path[1024];
	if (!wants_no_config(argc, argv) && ls_userconfig_path(path, sizeof path)) {
		ls_userconfig_sink sink = { file_set, file_bad, &fc };
		size_t nbad;
		if (ls_userconfig_load(path, &sink, &nbad, &err) != LS_OK)
			snprintf(note, sizeof note, "defaults file not read: %s", err.msg);
		else if (nbad == 1)
			snprintf(note, sizeof note, "%s (line skipped)", fc.first);
		else if (nbad > 1)
			snprintf(note, sizeof note, "%s (line skipped; %zu bad lines in all)",
				 fc.first, nbad);
	}
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc;
	if (o.help) {
		ls_opts_help(&tui_spec, stdout);
		return 0;
	}
	if (o.man_keys) {
		ls_keys_write_man(stdout);
		return 0;
	}
	ls_lesson *lesson = NULL;
	if (o.resume && (o.lesson || o.nparam)) {
		char setup[LS_KEYS_HINT_LEN];
		fprintf(stderr,
			"lorascope: --resume takes its parameters from the snapshot (no "
			"--lesson or parameters with it; change them with %s)\n",
			ls_keys_hint(&ui->keys, LS_ACT_SETUP, setup, sizeof setup));
		return 2;
	}
	if (o.lesson) {
		/* Errors before curses starts: FILE:LINE:COL: message. */
		if (ls_lesson_load(o.lesson, &lesson, &err) != LS_OK ||
		    ls_lesson_configure(lesson, &cfg, &err) != LS_OK) {
			fprintf(stderr, "%s\n", err.msg);
			ls_lesson_free(lesson);
			return 2;
		}
	}
	for (int i = 0; i < o.nparam; i++)
		if (ls_config_set(&cfg, o.pname[i], o.pval[i], &err) != LS_OK) {
			fprintf(stderr, "lorascope: %s\n", err.msg);
			ls_lesson_free(lesson);
			return 2;
		}
	/* Matrix files fix --m, --n, --samples, --rank unless given on the command line
	 * (given ones must agree), as in lorascope run. */
	bool given[LS_PARAM_COUNT] = { false };
	for (int i = 0; i < o.nparam; i++)
		given[ls_param_find(o.pname[i]) - ls_params] = true;
	if (!o.resume)
		ls_problem_type_fit_rank(&cfg, given[LS_PARAM_rank]);
	ls_inputs in = { 0 };
	if (!o.resume && (ls_inputs_load(&cfg, given, &in, &err) != LS_OK ||
			  ls_config_check(&cfg, &err) != LS_OK)) {
		fprintf(stderr, "lorascope: %s\n", err.msg);
		ls_inputs_free(&in);
		ls_lesson_free(lesson);
		return 2;
	}
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "lorascope: not a terminal; use `lorascope run` for a headless "
				"run (see lorascope run --help)\n");
		ls_inputs_free(&in);
		ls_lesson_free(lesson);
		return 2;
	}
	/* Leave a core to the UI thread. */
	int procs = openblas_get_num_procs();
	openblas_set_num_threads(procs > 2 ? procs - 1 : 1);

	int pfd[2];
	if (pipe(pfd) != 0) {
		perror("lorascope: pipe");
		ls_inputs_free(&in);
		ls_lesson_free(lesson);
		return 1;
	}
	fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
	fcntl(pfd[1], F_SETFL, fcntl(pfd[1], F_GETFL) | O_NONBLOCK);

	/* Building the problem and the full fine-tuning baseline takes seconds on the larger
	 * problems (mlp with two modules): say so on the terminal until curses takes over, and
	 * wipe the line again so nothing is left behind after quitting. */
	char busy[200];
	if (o.resume)
		snprintf(busy, sizeof busy, "lorascope: loading the snapshot %s ...", o.resume);
	else {
		ls_shape sh = ls_problem_type_shape(&cfg);
		snprintf(busy, sizeof busy,
			 "lorascope: building %s %zux%zu%s (problem, full fine-tuning "
			 "baseline) ...",
			 ls_problem_names[cfg.problem], sh.m, sh.n,
			 cfg.problem == LS_PROBLEM_MLP && cfg.modules > 1 ? ", two modules" : "");
	}
	fputs(busy, stderr);
	fflush(stderr);

	ls_worker *w = NULL;
	ls_worker_opts wo = { .cfg = &cfg,
			      .inputs = &in,
			      .resume = o.resume,
			      .lesson = lesson,
			      .paused = o.paused,
			      .speed = o.speed,
			      .notify_fd = pfd[1],
			      .message = note[0] ? note : NULL,
			      .keys = &ui->keys };
	ls_status started = ls_worker_start_opts(&w, &wo, &err);
	ls_inputs_free(&in); /* the session keeps its copy */
	if (started != LS_OK) {
		fprintf(stderr, "\nlorascope: %s\n", err.msg);
		close(pfd[0]);
		close(pfd[1]);
		ls_lesson_free(lesson);
		return 2;
	}

	fprintf(stderr, "\r%*s\r", (int)strlen(busy), "");
	fflush(stderr);
	ls_screen_glyphs(ui, o.look.ascii, o.look.blocks);
	ui->show_baseline = true;
	ui->show_flow = true;
	ls_stats stats;
	ls_stats_init(&stats);
	ls_screen sc;
	ls_screen_begin(&sc, ui, o.look.no_color);

	app a = { .ui = ui, .w = w, .stats = &stats };
	rc = loop(&a, pfd[0], (int)o.delay_ms);

	ls_screen_end(&sc);
	ls_worker_stop(w);
	ls_lesson_free(lesson);
	close(pfd[0]);
	close(pfd[1]);
	if (o.stats && ls_stats_write(&stats, o.stats, COLS, LINES) != 0) {
		fprintf(stderr, "lorascope: --stats: cannot write %s\n", o.stats);
		rc = 1;
	}
	ls_stats_free(&stats);
	if (ls_screen_stop == SIGINT || ls_screen_stop == SIGTERM)
		return 128 + (int)ls_screen_stop;
	return rc;
}

int ls_tui_main(int argc, char **argv)
{
	ls_ui *ui = ls_ui_new();
	if (!ui) {
		fprintf(stderr, "lorascope: out of memory\n");
		return 1;
	}
	int rc = tui_main(ui, argc, argv);
	ls_ui_free(ui);
	return rc;
}
