/* replay.c — `lorascope replay TRACE`: a recorded run in the TUI's panels (curses).
 *
 * No worker: the trace is read once (errors before curses starts, exit 2), its rows
 * become the plots' history and the row at the cursor fills the status panel; the
 * replay keys of LS_ACTION_LIST move the cursor (drawn as a line on the plots). */
#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lorascope/trace.h"
#include "replay_view.h"
#include "screen.h"
#include "tui.h"
#include "ui.h"

static void usage(FILE *out)
{
	fputs("usage: lorascope replay TRACE [--ascii] [--blocks] [--no-color]\n"
	      "                               [--key KEY=ACTION]\n"
	      "Show a trace written by `lorascope run --trace FILE` or the TUI's w key (CSV or\n"
	      "JSON Lines): loss, ratio against its threshold, and the values of the row at the\n"
	      "cursor with the run's parameters. Keys: Left/Right (or Up/Down) one row,\n"
	      "S-Left/S-Right or PgUp/PgDn a twentieth of the rows, Home/End the first or last\n"
	      "row, ? help, q quit.\n",
	      out);
}

static bool move_of(ls_action a, ls_replay_move *mv)
{
	switch (a) {
	case LS_ACT_ROW_BACK:
		*mv = LS_REPLAY_ROW_BACK;
		return true;
	case LS_ACT_ROW_NEXT:
		*mv = LS_REPLAY_ROW_NEXT;
		return true;
	case LS_ACT_JUMP_BACK:
		*mv = LS_REPLAY_JUMP_BACK;
		return true;
	case LS_ACT_JUMP_NEXT:
		*mv = LS_REPLAY_JUMP_NEXT;
		return true;
	case LS_ACT_FIRST:
		*mv = LS_REPLAY_FIRST;
		return true;
	case LS_ACT_LAST:
		*mv = LS_REPLAY_LAST;
		return true;
	default:
		return false;
	}
}

/* The message line for the row at the cursor: its step and the last event before it. */
static void row_message(ls_ui *ui, const ls_trace *t, const ls_view *v)
{
	const ls_trace_event *ev = ls_replay_event(t, v->replay_row);
	if (ev)
		snprintf(ui->msg, sizeof ui->msg, "row %zu/%zu, step %ld; last %s: %s",
			 v->replay_row + 1, v->replay_rows, v->m.step, ev->kind, ev->text);
	else
		snprintf(ui->msg, sizeof ui->msg, "row %zu/%zu, step %ld", v->replay_row + 1,
			 v->replay_rows, v->m.step);
	ui->msg_error = false;
}

static void on_key(ls_ui *ui, ls_view *v, const ls_trace *t, int ch, bool *quit)
{
	if (ch == KEY_RESIZE) {
		ls_layout_compute(COLS, LINES, &ui->layout);
		return;
	}
	ls_action a = ls_keymap_lookup(&ui->keys, ls_tui_map_key(ch));
	if (ui->show_help && a != LS_ACT_QUIT) {
		ui->show_help = false;
		if (a == LS_ACT_HELP)
			return;
	}
	ls_replay_move mv;
	if (move_of(a, &mv)) {
		ls_replay_row(v, t, ls_replay_cursor(v->replay_row, t->nrows, mv));
		ui->cursor_step = v->m.step;
		row_message(ui, t, v);
		return;
	}
	switch (a) {
	case LS_ACT_QUIT:
		*quit = true;
		break;
	case LS_ACT_HELP:
		ui->show_help = true;
		break;
	case LS_ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	case LS_ACT_NONE: {
		char name[16];
		ls_key_name(ls_tui_map_key(ch), name, sizeof name);
		snprintf(ui->msg, sizeof ui->msg, "key %s does nothing (? for help)", name);
		break;
	}
	default:
		snprintf(ui->msg, sizeof ui->msg,
			 "%s: not in a replay (Left/Right, PgUp/PgDn, Home/End move; q quits)",
			 ls_actions[a].name);
		break;
	}
}

typedef struct {
	ls_ui *ui;
	ls_view *v;
	const ls_trace *t;
} replay_ctx;

static void replay_draw(void *ctx)
{
	replay_ctx *c = ctx;
	ls_draw_frame(c->ui, c->v);
}

static bool replay_key(void *ctx, int ch)
{
	replay_ctx *c = ctx;
	bool quit = false;
	on_key(c->ui, c->v, c->t, ch, &quit);
	return !quit;
}

static int replay_main(ls_ui *ui, int argc, char **argv)
{
	const char *path = NULL;
	bool ascii = false, blocks = false, no_color = false;
	ls_keymap_defaults(&ui->keys);
	ls_error err;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--ascii") == 0) {
			ascii = true;
		} else if (strcmp(a, "--blocks") == 0) {
			blocks = true;
		} else if (strcmp(a, "--no-color") == 0) {
			no_color = true;
		} else if (strcmp(a, "--key") == 0 && i + 1 < argc) {
			if (ls_keymap_bind_spec(&ui->keys, argv[++i], &err) != LS_OK) {
				fprintf(stderr, "lorascope replay: --key: %s\n", err.msg);
				return 2;
			}
		} else if (a[0] == '-' || path) {
			fprintf(stderr, "lorascope replay: unexpected argument '%s' (see --help)\n",
				a);
			return 2;
		} else {
			path = a;
		}
	}
	if (!path) {
		fprintf(stderr, "lorascope replay: a trace file is needed (see --help)\n");
		return 2;
	}
	ls_trace *t;
	if (ls_trace_read(path, &t, &err) != LS_OK) {
		fprintf(stderr, "lorascope replay: %s\n", err.msg);
		return 2;
	}
	if (t->nrows == 0) {
		fprintf(stderr, "lorascope replay: %s: no rows to show\n", path);
		ls_trace_free(t);
		return 2;
	}
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "lorascope replay: not a terminal\n");
		ls_trace_free(t);
		return 2;
	}
	ls_view v;
	memset(&v, 0, sizeof v);
	if (ls_replay_history(&v, t, &err) != LS_OK) {
		fprintf(stderr, "lorascope replay: %s\n", err.msg);
		ls_trace_free(t);
		return 1;
	}
	ls_replay_row(&v, t, 0);
	v.paused = true;
	ui->has_cursor = true;
	ui->cursor_step = v.m.step;
	ui->replay_title = path;
	row_message(ui, t, &v);

	ls_screen_glyphs(ui, ascii, blocks);
	ls_screen sc;
	ls_screen_begin(&sc, ui, no_color);
	ls_layout_compute(COLS, LINES, &ui->layout);
	replay_ctx c = { .ui = ui, .v = &v, .t = t };
	int rc = ls_screen_loop(&c, replay_draw, replay_key);
	ls_screen_end(&sc);
	ls_view_free(&v);
	ls_trace_free(t);
	if (ls_screen_stop == SIGINT || ls_screen_stop == SIGTERM)
		return 128 + (int)ls_screen_stop;
	return rc;
}

int ls_tui_replay(int argc, char **argv)
{
	ls_ui *ui = ls_ui_new();
	if (!ui) {
		fprintf(stderr, "lorascope replay: out of memory\n");
		return 1;
	}
	int rc = replay_main(ui, argc, argv);
	ls_ui_free(ui);
	return rc;
}
