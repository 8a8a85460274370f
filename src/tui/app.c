/* app.c — the TUI's main loop (curses, main thread).
 *
 * The start-up configuration (app_options.c) → the worker thread starts the session; the loop
 * waits with poll() on the terminal and the worker's notification pipe, hands every pending key
 * to the actions (actions.c; commands go to the worker, view toggles stay here) and draws a
 * frame from the last published view when it changed, at most every --delay ms (at once when a
 * command the user is waiting for has been applied). The terminal is restored on quit, SIGINT,
 * SIGTERM, SIGHUP, hang-up (EIO, POLLHUP) and fatal signals, and given back across Ctrl-Z
 * (the loop stops between frames: screen.h); stderr goes to /dev/null while curses owns the
 * screen. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "app.h"
#include "lorascope/fileio.h"
#include "lorascope/lesson_parse.h"
#include "lorascope/peft_save.h"
#include "lorascope/problem.h"
#include "framerate.h"
#include "record.h"
#include "screen.h"
#include "stats.h"
#include "tui.h"
#include "ui.h"
#include "worker.h"

#define IDLE_WAIT_MS 1000
/* Seconds the start waits for the session before the screen comes up without it. */
#define START_WAIT 0.1

static double now_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The output of a frame as the frame rate counts it (framerate.h): the wall time of
 * refresh() when the thread slept in it (a voluntary context switch: the terminal did not
 * take the bytes, a slow link or reader), else its CPU time alone: being preempted by a busy
 * CPU is no reason to space frames out and hold keys' frames back. */
typedef struct {
	double wall, cpu;
	long slept; /* voluntary switches so far; -1 when unknown (then the wall time counts) */
} output_mark;

static double thread_cpu_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static long voluntary_switches(void)
{
#ifdef RUSAGE_THREAD
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru) == 0)
		return ru.ru_nvcsw;
#endif
	return -1;
}

static output_mark output_begin(void)
{
	return (output_mark){ now_sec(), thread_cpu_sec(), voluntary_switches() };
}

static double output_end(const output_mark *m, double now)
{
	long slept = voluntary_switches();
	if (m->slept < 0 || slept != m->slept)
		return now - m->wall;
	return thread_cpu_sec() - m->cpu;
}

typedef struct {
	ls_app app; /* what the key actions see */
	ls_stats *stats;
	double t_start;       /* when the program started (its first-frame figure) */
	const char *starting; /* what is being made, shown until the first view */
	char failed[256];     /* why the worker could not make the session */
	bool quit, redraw_all, dirty;
	/* Keys waiting for the frame that shows their change, as --stats times them. */
	ls_stats_wait wait;
} tui_loop;

/* What the key read at time t asked for (LS_REDRAW_*). */
static void react(tui_loop *a, unsigned redo, double t)
{
	if (redo & LS_REDRAW_FRAME) {
		a->dirty = true;
		ls_stats_wait_key(&a->wait, t, a->app.key_seq, a->app.key_ahead);
	}
	if (redo & LS_REDRAW_ALL)
		a->redraw_all = true;
	if (redo & LS_REDRAW_QUIT)
		a->quit = true;
}

/* Run the loop until quit, a stop signal or hang-up. Returns 0 or 1 (hang-up is 0), or 2
 * when the worker could not make the session (a->failed says why). */
static int loop(tui_loop *a, int notify_rd, int delay_ms)
{
	ls_ui *ui = a->app.ui;
	ls_framerate fr;
	ls_framerate_init(&fr, delay_ms / 1000.0);
	double last_frame = 0;
	unsigned long drawn_pub = 0;
	int empty_reads = 0;
	ls_layout_compute(COLS, LINES, &ui->layout);
	a->dirty = true;
	while (!a->quit && !ls_screen_stop) {
		/* Sleep until a key, a publication, or the frame slot of a publication not
		 * drawn yet; never spin when nothing changes (paused, idle). */
		double t = now_sec();
		const ls_view *pv = ls_worker_lock_view(a->app.w);
		bool undrawn = pv->pub_seq != drawn_pub;
		ls_worker_unlock_view(a->app.w);
		/* While output blocks, every frame (a key's too) waits for its turn. */
		double next = last_frame + ls_framerate_interval(&fr);
		int timeout = IDLE_WAIT_MS;
		if (a->dirty && !ls_framerate_throttled(&fr))
			timeout = 0;
		else if (undrawn || a->dirty)
			timeout = (int)ceil(1000 * (next - t));
		if (timeout < 0)
			timeout = 0;
		struct pollfd pf[3] = { { 0, POLLIN, 0 },
					{ notify_rd, POLLIN, 0 },
					{ ls_screen_wake_fd(), POLLIN, 0 } };
		int pr = poll(pf, 3, timeout);
		if (pr < 0 && errno != EINTR)
			return 1;
		if (pr > 0 && (pf[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
			return 0; /* the terminal is gone: stop, do not spin */
		if (ls_screen_suspend())
			a->dirty = true;
		if (pr > 0 && (pf[1].revents & POLLIN)) {
			char drain[256];
			while (read(notify_rd, drain, sizeof drain) > 0)
				;
		}
		const ls_view *v = ls_worker_lock_view(a->app.w);
		if (v->failed) {
			snprintf(a->failed, sizeof a->failed, "%s", v->event);
			ls_worker_unlock_view(a->app.w);
			return 2;
		}
		int got = 0, ch;
		while ((ch = ls_screen_getkey()) != ERR) {
			got++;
			double tk = now_sec();
			react(a, ls_app_key(&a->app, ch, v), tk);
			if (a->quit)
				break;
		}
		/* Readable but no key, again and again: end of input (EIO after hang-up). */
		if (pr > 0 && (pf[0].revents & POLLIN) && got == 0) {
			if (++empty_reads > 100) {
				ls_worker_unlock_view(a->app.w);
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
		bool acked = ls_stats_wait_acked(&a->wait, v->applied_seq);
		/* A message whose time is up goes even while nothing else changes (paused). */
		if (ui->msg_drawn[0] && t - ui->msg_since > LS_MSG_SECONDS)
			a->dirty = true;
		bool due = t >= last_frame + ls_framerate_interval(&fr);
		bool urgent = (a->dirty || acked) && !ls_framerate_throttled(&fr);
		if (urgent || (due && (a->dirty || acked || v->pub_seq != drawn_pub))) {
			double t0 = now_sec();
			if (a->redraw_all) {
				clearok(curscr, TRUE);
				a->redraw_all = false;
			}
			if (v->pub_seq == 0)
				ls_draw_starting(ui, a->starting);
			else
				ls_draw_frame(ui, v);
			output_mark om = output_begin();
			refresh();
			double t1 = now_sec();
			ls_framerate_wrote(&fr, output_end(&om, t1));
			ls_stats_frame(a->stats, t1 - t0);
			ls_stats_first(a->stats, t1 - a->t_start, v->pub_seq > 0);
			ls_stats_wait_frame(a->stats, &a->wait, t1, v->applied_seq);
			drawn_pub = v->pub_seq;
			last_frame = t1;
			a->dirty = false;
		}
		ls_worker_unlock_view(a->app.w);
	}
	return 0;
}

static int tui_main(ls_ui *ui, int argc, char **argv)
{
	double t_start = now_sec();
	ls_keymap_defaults(&ui->keys);
	ls_app_start st;
	int rc = ls_app_start_read(&st, &ui->keys, argc, argv);
	if (rc >= 0)
		return rc;
	const ls_app_opts *o = &st.o;
	const ls_config *cfg = &st.cfg;
	char why[400];
	if (!isatty(0) || !isatty(1) || !ls_screen_usable(why, sizeof why)) {
		fprintf(stderr,
			"lorascope: %s; use `lorascope run` for a headless run (see lorascope run "
			"--help)\n",
			isatty(0) && isatty(1) ? why : "not a terminal");
		ls_inputs_free(&st.in);
		ls_lesson_free(st.lesson);
		return 2;
	}
	ls_screen sc;
	if (!ls_screen_record(&sc, o->look.record, "lorascope", why, sizeof why)) {
		fprintf(stderr, "lorascope: %s\n", why);
		ls_inputs_free(&st.in);
		ls_lesson_free(st.lesson);
		return 2;
	}
	/* Leave a core to the UI thread. */
	int procs = openblas_get_num_procs();
	openblas_set_num_threads(procs > 2 ? procs - 1 : 1);

	int pfd[2];
	if (pipe(pfd) != 0) {
		perror("lorascope: pipe");
		ls_record_close(sc.rec);
		ls_inputs_free(&st.in);
		ls_lesson_free(st.lesson);
		return 1;
	}
	fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
	fcntl(pfd[1], F_SETFL, fcntl(pfd[1], F_GETFL) | O_NONBLOCK);

	/* Making the problem can take a while on the larger ones: the worker makes it (and
	 * then the baseline) on its thread; a failure within START_WAIT is said here, before
	 * curses, and the screen says what is being made until it is there. The line on the
	 * terminal goes again so nothing is left behind after quitting. */
	char busy[200];
	if (o->resume)
		snprintf(busy, sizeof busy, "loading the snapshot %s ...", o->resume);
	else {
		ls_shape sh = ls_problem_type_shape(cfg);
		snprintf(busy, sizeof busy, "building %s %zux%zu%s (problem) ...",
			 ls_problem_names[cfg->problem], sh.m, sh.n,
			 cfg->problem == LS_PROBLEM_MLP && cfg->modules > 1 ? ", two modules" : "");
	}
	fprintf(stderr, "lorascope: %s", busy);
	fflush(stderr);

	ls_worker *w = NULL;
	/* Where w and s will write (the current directory), checked before the first step. */
	ls_error werr;
	if (!st.note[0] && ls_file_write_check("lorascope-trace-step0.csv", &werr) != LS_OK)
		snprintf(st.note, sizeof st.note, "w and s cannot write here: %s", werr.msg);
	if (!st.note[0] && o->save_peft && ls_peft_save_check(o->save_peft, &werr) != LS_OK)
		snprintf(st.note, sizeof st.note, "--save-peft: %s", werr.msg);
	ls_worker_opts wo = { .cfg = cfg,
			      .inputs = &st.in,
			      .resume = o->resume,
			      .save_peft = o->save_peft,
			      .lesson = st.lesson,
			      .paused = o->paused,
			      .speed = o->speed,
			      .notify_fd = pfd[1],
			      .message = st.note[0] ? st.note : NULL,
			      .keys = &ui->keys,
			      .start_wait = START_WAIT };
	ls_error err;
	ls_status started = ls_worker_start_opts(&w, &wo, &err);
	ls_inputs_free(&st.in); /* moved into the worker: empty */
	if (started != LS_OK) {
		fprintf(stderr, "\nlorascope: %s\n", err.msg);
		close(pfd[0]);
		close(pfd[1]);
		ls_record_close(sc.rec);
		ls_lesson_free(st.lesson);
		return 2;
	}

	fprintf(stderr, "\r%*s\r", (int)strlen("lorascope: ") + (int)strlen(busy), "");
	fflush(stderr);
	ls_screen_glyphs(ui, o->look.ascii, o->look.blocks);
	ui->show_baseline = true;
	ui->show_flow = true;
	ls_stats stats;
	ls_stats_init(&stats);
	ls_screen_begin(&sc, ui, o->look.no_color);

	tui_loop a = {
		.app = { .ui = ui, .w = w }, .stats = &stats, .t_start = t_start, .starting = busy
	};
	rc = loop(&a, pfd[0], (int)o->delay_ms);

	ls_screen_end(&sc);
	if (rc == 2)
		fprintf(stderr, "lorascope: %s\n", a.failed);
	/* Quit while the problem is still being made: the process ends now, without waiting
	 * for it (the worker still holds the lesson and the pipe: left to the exit). */
	bool abandon = ls_worker_building(w);
	if (!abandon) {
		ls_worker_stop(w);
		ls_lesson_free(st.lesson);
		close(pfd[0]);
		close(pfd[1]);
	}
	if (o->stats && ls_stats_write(&stats, o->stats, COLS, LINES) != 0) {
		fprintf(stderr, "lorascope: --stats: cannot write %s\n", o->stats);
		rc = 1;
	}
	ls_stats_free(&stats);
	if (ls_screen_stop)
		rc = 128 + (int)ls_screen_stop;
	if (abandon) {
		fflush(NULL);
		_exit(rc);
	}
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
