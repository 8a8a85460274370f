/* bench_tui_draw.c — frame draw time of the TUI at 200×50, without a terminal emulator:
 * curses on /dev/null (newterm, TERM=xterm-256color), the real worker training the
 * default problem in the background, ls_draw_frame + doupdate timed over many frames,
 * for braille, block and ASCII glyphs. Prints p50/p95/max in ms (target: ≤ 2 ms). */
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/tui/stats.h"
#include "../../src/tui/theme.h"
#include "../../src/tui/ui.h"
#include "../../src/tui/worker.h"

#define FRAMES 400

static double now_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static ls_ui ui;

int main(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	ls_config cfg;
	ls_config_defaults(&cfg);
	ls_error err;
	ls_worker *w;
	if (ls_worker_start(&w, &cfg, false, -1, &err) != LS_OK) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	/* Let it train long enough for a full history and the theory report. */
	sleep(3);
	FILE *out = fopen("/dev/null", "w");
	SCREEN *scr = newterm("xterm-256color", out, stdin);
	if (!scr) {
		fprintf(stderr, "bench: newterm failed\n");
		return 1;
	}
	resizeterm(50, 200);
	ls_theme_init(true);
	ls_keymap_defaults(&ui.keys);
	ui.show_baseline = ui.show_flow = true;
	ls_layout_compute(200, 50, &ui.layout);
	static double t[FRAMES];
	const char *names[] = { "braille", "block", "ascii" };
	for (int g = 0; g < 3; g++) {
		ui.glyphs = (ls_glyphs)g;
		ui.unicode = g != LS_GLYPHS_ASCII;
		ls_canvas_init(&ui.canvas, ui.glyphs);
		for (int i = 0; i < FRAMES; i++) {
			const ls_view *v = ls_worker_lock_view(w);
			double t0 = now_sec();
			ls_draw_frame(&ui, v);
			wnoutrefresh(stdscr);
			doupdate();
			t[i] = now_sec() - t0;
			ls_worker_unlock_view(w);
			usleep(2000);
		}
		ls_canvas_free(&ui.canvas);
		printf("frame 200x50 %-7s ms p50 %.3f p95 %.3f max %.3f (%d frames, history %zu "
		       "points)\n",
		       names[g], 1e3 * ls_stats_quantile(t, FRAMES, 0.5),
		       1e3 * ls_stats_quantile(t, FRAMES, 0.95),
		       1e3 * ls_stats_quantile(t, FRAMES, 1), FRAMES,
		       ls_worker_lock_view(w)->h.len);
		ls_worker_unlock_view(w);
	}
	endwin();
	delscreen(scr);
	fclose(out);
	ls_worker_stop(w);
	return 0;
}
