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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "lorascope/config.h"
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

/* X(name, has_arg, help) — the TUI's own options. */
#define LS_TUI_OPTION_LIST(X)                                                                      \
	X("ascii", 0, "plain ASCII graphs and text (no braille, blocks or UTF-8)")                 \
	X("blocks", 0, "block-element graphs instead of braille")                                  \
	X("no-color", 0, "monochrome (also when NO_COLOR is set)")                                 \
	X("delay", 1, "MS: at most one frame every MS milliseconds (default 50)")                  \
	X("paused", 0, "start paused")                                                             \
	X("stats", 1, "FILE: write frame-time and key-latency percentiles to FILE on exit")        \
	X("key", 1, "KEY=ACTION: bind a key (e.g. j=lr-down, F5=help, ^R=redraw)")                 \
	X("man-keys", 0, "print the man page's INTERACTIVE COMMANDS section (roff) and exit")      \
	X("help", 0, "this help")

typedef struct {
	bool ascii, blocks, no_color, paused, help, man_keys;
	int delay_ms;
	const char *stats;
} tui_opts;

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_fatal(int sig)
{
	/* Best effort: give the terminal back, then die of the same signal. */
	endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

void ls_tui_usage(FILE *out)
{
	fputs("usage: lorascope [OPTIONS] [--PARAM VALUE ...]\n"
	      "Interactive view of LoRA training; `lorascope run` is the headless form.\n"
	      "Options:\n",
	      out);
#define LS_TUI_OPT_HELP(name, arg, help) fprintf(out, "  --%-10s %s\n", name, help);
	LS_TUI_OPTION_LIST(LS_TUI_OPT_HELP)
#undef LS_TUI_OPT_HELP
	fputs("Parameters (as in `lorascope run --help`):\n", out);
	for (int i = 0; i < LS_PARAM_COUNT; i++)
		fprintf(out, "  --%-15s %s (default %s)\n", ls_params[i].name, ls_params[i].help,
		        ls_params[i].def);
}

static int parse(int argc, char **argv, tui_opts *o, ls_config *cfg, ls_keymap *km)
{
	ls_error err;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "lorascope: unexpected argument '%s' (see --help)\n", a);
			return 2;
		}
		char name[64];
		const char *val = NULL;
		const char *eq = strchr(a + 2, '=');
		size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		if (nl >= sizeof name) {
			fprintf(stderr, "lorascope: unknown option '%s'\n", a);
			return 2;
		}
		memcpy(name, a + 2, nl);
		name[nl] = '\0';
		if (eq)
			val = eq + 1;
		int has_arg = -1;
#define LS_TUI_OPT_FIND(n, arg, help)                                                              \
	if (strcmp(name, n) == 0)                                                                  \
		has_arg = arg;
		LS_TUI_OPTION_LIST(LS_TUI_OPT_FIND)
#undef LS_TUI_OPT_FIND
		const ls_param_info *p = has_arg < 0 ? ls_param_find(name) : NULL;
		if (has_arg < 0 && !p) {
			fprintf(stderr, "lorascope: unknown option '--%s' (see --help)\n", name);
			return 2;
		}
		if ((p || has_arg == 1) && !val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "lorascope: --%s needs a value\n", name);
				return 2;
			}
			val = argv[++i];
		}
		if (has_arg == 0 && val) {
			fprintf(stderr, "lorascope: --%s takes no value\n", name);
			return 2;
		}
		if (p) {
			if (ls_config_set(cfg, name, val, &err) != LS_OK) {
				fprintf(stderr, "lorascope: %s\n", err.msg);
				return 2;
			}
		} else if (strcmp(name, "ascii") == 0) {
			o->ascii = true;
		} else if (strcmp(name, "blocks") == 0) {
			o->blocks = true;
		} else if (strcmp(name, "no-color") == 0) {
			o->no_color = true;
		} else if (strcmp(name, "paused") == 0) {
			o->paused = true;
		} else if (strcmp(name, "help") == 0) {
			o->help = true;
		} else if (strcmp(name, "man-keys") == 0) {
			o->man_keys = true;
		} else if (strcmp(name, "stats") == 0) {
			o->stats = val;
		} else if (strcmp(name, "delay") == 0) {
			char *end;
			long d = strtol(val, &end, 10);
			if (*end || d < 1 || d > 10000) {
				fprintf(stderr, "lorascope: --delay: '%s' is not 1..10000 ms\n",
				        val);
				return 2;
			}
			o->delay_ms = (int)d;
		} else if (strcmp(name, "key") == 0) {
			if (ls_keymap_bind_spec(km, val, &err) != LS_OK) {
				fprintf(stderr, "lorascope: --key: %s\n", err.msg);
				return 2;
			}
		}
	}
	if (ls_config_check(cfg, &err) != LS_OK) {
		fprintf(stderr, "lorascope: %s\n", err.msg);
		return 2;
	}
	return 0;
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

static void push(app *a, const ls_cmd *c, double t)
{
	unsigned long seq = ls_worker_push(a->w, c);
	if (!seq) {
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
		if (v->has_baseline)
			snprintf(ui->msg, sizeof ui->msg, "baseline %s",
			         ui->show_baseline ? "shown" : "hidden");
		else
			snprintf(ui->msg, sizeof ui->msg,
			         "baseline %s: not computed for this run (--baseline auto skips "
			         "large "
			         "problems; F2: baseline = on computes it)",
			         ui->show_baseline ? "on" : "off");
		ui->msg_error = false;
		local_change(a, t);
		break;
	case LS_ACT_FLOW:
		ui->show_flow = !ui->show_flow;
		if (!v->has_flow)
			snprintf(
			        ui->msg, sizeof ui->msg,
			        "gradient flow %s: no closed form for this run (approx with --init "
			        "spectral has one)",
			        ui->show_flow ? "on" : "off");
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
		push(a, &c, t);
		break;
	case LS_ACT_SNAPSHOT:
		memset(&c, 0, sizeof c);
		c.kind = LS_CMD_SNAPSHOT;
		snprintf(c.text, sizeof c.text, "lorascope-step%ld", v->m.step);
		push(a, &c, t);
		break;
	case LS_ACT_QUIT:
		a->quit = true;
		break;
	case LS_ACT_COUNT:
		break;
	}
}

static int map_key(int ch)
{
	if (ch >= KEY_F(1) && ch <= KEY_F(63))
		return LS_KEY_F(ch - KEY_F(0));
	return ch;
}

static void relayout(ls_ui *ui)
{
	ls_layout_compute(COLS, LINES, &ui->layout);
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
		if (ls_setup_key(ui, v, ch, &c))
			push(a, &c, t);
		local_change(a, t);
		return;
	}
	ls_action act_id = ls_keymap_lookup(&ui->keys, map_key(ch));
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
		char name[16];
		ls_key_name(map_key(ch), name, sizeof name);
		snprintf(ui->msg, sizeof ui->msg, "key %s does nothing (? for help)", name);
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
	while (!a->quit && !stop_signal) {
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
		struct pollfd pf[2] = {{0, POLLIN, 0}, {notify_rd, POLLIN, 0}};
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

int ls_tui_main(int argc, char **argv)
{
	tui_opts o = {.delay_ms = 50};
	ls_config cfg;
	ls_config_defaults(&cfg);
	static ls_ui ui_store;
	ls_ui *ui = &ui_store;
	memset(ui, 0, sizeof(*ui));
	ls_keymap_defaults(&ui->keys);
	int rc = parse(argc, argv, &o, &cfg, &ui->keys);
	if (rc)
		return rc;
	if (o.help) {
		ls_tui_usage(stdout);
		return 0;
	}
	if (o.man_keys) {
		ls_keys_write_man(stdout);
		return 0;
	}
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "lorascope: not a terminal; use `lorascope run` for a headless "
		                "run (see lorascope run --help)\n");
		return 2;
	}
	/* Leave a core to the UI thread. */
	int procs = openblas_get_num_procs();
	openblas_set_num_threads(procs > 2 ? procs - 1 : 1);

	int pfd[2];
	if (pipe(pfd) != 0) {
		perror("lorascope: pipe");
		return 1;
	}
	fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
	fcntl(pfd[1], F_SETFL, fcntl(pfd[1], F_GETFL) | O_NONBLOCK);

	ls_error err;
	ls_worker *w = NULL;
	if (ls_worker_start(&w, &cfg, o.paused, pfd[1], &err) != LS_OK) {
		fprintf(stderr, "lorascope: %s\n", err.msg);
		close(pfd[0]);
		close(pfd[1]);
		return 2;
	}

	/* Only the character type follows the user's locale: numbers stay in C. */
	setlocale(LC_CTYPE, "");
	bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	ui->unicode = utf8 && !o.ascii;
	/* Braille where the locale is UTF-8; block elements when asked or on the Linux
	 * console (its fonts lack braille); plain ASCII otherwise or with --ascii. */
	const char *term = getenv("TERM");
	bool console = term && strcmp(term, "linux") == 0;
	if (!ui->unicode)
		ui->glyphs = LS_GLYPHS_ASCII;
	else if (o.blocks || console)
		ui->glyphs = LS_GLYPHS_BLOCK;
	else
		ui->glyphs = LS_GLYPHS_BRAILLE;
	ui->show_baseline = true;
	ui->show_flow = true;
	ls_canvas_init(&ui->canvas, ui->glyphs);
	const char *nc = getenv("NO_COLOR");
	bool want_color = !o.no_color && !(nc && nc[0]);

	ls_stats stats;
	ls_stats_init(&stats);

	/* stderr off the screen while curses owns it. */
	fflush(stderr);
	int saved_err = dup(2);
	int devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0) {
		dup2(devnull, 2);
		close(devnull);
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction fa;
	memset(&fa, 0, sizeof fa);
	fa.sa_handler = on_fatal;
	sigemptyset(&fa.sa_mask);
	sigaction(SIGSEGV, &fa, NULL);
	sigaction(SIGBUS, &fa, NULL);
	sigaction(SIGFPE, &fa, NULL);
	sigaction(SIGABRT, &fa, NULL);

	set_escdelay(25);
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	ui->color = ls_theme_init(want_color);

	app a = {.ui = ui, .w = w, .stats = &stats};
	rc = loop(&a, pfd[0], o.delay_ms);

	endwin();
	if (saved_err >= 0) {
		dup2(saved_err, 2);
		close(saved_err);
	}
	ls_worker_stop(w);
	close(pfd[0]);
	close(pfd[1]);
	ls_canvas_free(&ui->canvas);
	if (o.stats && ls_stats_write(&stats, o.stats, COLS, LINES) != 0) {
		fprintf(stderr, "lorascope: --stats: cannot write %s\n", o.stats);
		rc = 1;
	}
	ls_stats_free(&stats);
	if (stop_signal == SIGINT || stop_signal == SIGTERM)
		return 128 + (int)stop_signal;
	return rc;
}
