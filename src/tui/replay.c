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

#include "lorascope/opts.h"
#include "lorascope/trace.h"
#include "record.h"
#include "replay_view.h"
#include "screen.h"
#include "tui.h"
#include "ui.h"

typedef struct {
	ls_screen_opts look;
	bool help;
} replay_opts;

static const ls_opt replay_rows[] = {
	LS_SCREEN_OPT_ROWS(replay_opts, look, "options"),
	LS_OPT_MAX_MEMORY_ROW("options"),
	LS_OPT_HELP_ROW(replay_opts, help, "options"),
};

static const ls_opts_spec replay_spec = {
	.opts = replay_rows,
	.nopts = sizeof replay_rows / sizeof replay_rows[0],
	.max_args = 1,
	.usage =
		"usage: lorascope replay TRACE [options]\n"
		"Show a trace written by `lorascope run --trace FILE` or the TUI's w key (CSV or\n"
		"JSON Lines): loss, ratio against its threshold, and the values of the row at the\n"
		"cursor with the run's parameters. Keys: Left/Right (or Up/Down) one row,\n"
		"S-Left/S-Right or PgUp/PgDn a twentieth of the rows, Home/End the first or last\n"
		"row, ? help, q quit.\n",
};

static bool move_of(ls_action a, ls_replay_move *mv)
{
	switch (a) {
	case LS_ACT_ROW_BACK:
	case LS_ACT_LINE_UP:
		*mv = LS_REPLAY_ROW_BACK;
		return true;
	case LS_ACT_ROW_NEXT:
	case LS_ACT_LINE_DOWN:
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
	if (ui->show_help && ls_help_key(ui, ch))
		return;
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
		char name[16], help[LS_KEYS_HINT_LEN];
		ls_key_name(ls_tui_map_key(ch), name, sizeof name);
		snprintf(ui->msg, sizeof ui->msg, "key %s does nothing (%s for help)", name,
			 ls_keys_hint(&ui->keys, LS_ACT_HELP, help, sizeof help));
		break;
	}
	default: {
		/* The keys that do something here: the moves in pairs, then quit. */
		static const ls_action named[] = { LS_ACT_ROW_BACK,  LS_ACT_ROW_NEXT,
						   LS_ACT_JUMP_BACK, LS_ACT_JUMP_NEXT,
						   LS_ACT_FIRST,     LS_ACT_LAST,
						   LS_ACT_QUIT };
		char k[7][LS_KEYS_HINT_LEN];
		for (int i = 0; i < 7; i++)
			ls_keys_hint(&ui->keys, named[i], k[i], sizeof k[i]);
		snprintf(ui->msg, sizeof ui->msg,
			 "%s: not in a replay (%s/%s, %s/%s, %s/%s move; %s quits)",
			 ls_actions[a].name, k[0], k[1], k[2], k[3], k[4], k[5], k[6]);
		break;
	}
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
	ls_keymap_defaults(&ui->keys);
	replay_opts o = { .look.km = &ui->keys };
	const char *path = NULL;
	ls_error err;
	if (ls_opts_defaults(&replay_spec, &o, &err) != LS_OK ||
	    ls_opts_parse(&replay_spec, argc, argv, &o, &path, NULL, &err) != LS_OK) {
		fprintf(stderr, "lorascope replay: %s\n", err.msg);
		return 2;
	}
	if (o.help) {
		ls_opts_help(&replay_spec, stdout);
		return 0;
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
	char why[400];
	if (!isatty(0) || !isatty(1) || !ls_screen_usable(why, sizeof why)) {
		fprintf(stderr, "lorascope replay: %s\n",
			isatty(0) && isatty(1) ? why : "not a terminal");
		ls_trace_free(t);
		return 2;
	}
	ls_screen sc;
	char title[300];
	snprintf(title, sizeof title, "lorascope replay %s", path);
	if (!ls_screen_record(&sc, o.look.record, title, why, sizeof why)) {
		fprintf(stderr, "lorascope replay: %s\n", why);
		ls_trace_free(t);
		return 2;
	}
	ls_view v;
	memset(&v, 0, sizeof v);
	if (ls_replay_history(&v, t, &err) != LS_OK) {
		fprintf(stderr, "lorascope replay: %s\n", err.msg);
		ls_record_close(sc.rec);
		ls_trace_free(t);
		return 1;
	}
	ls_replay_row(&v, t, 0);
	v.paused = true;
	ui->has_cursor = true;
	ui->cursor_step = v.m.step;
	ui->replay_title = path;
	row_message(ui, t, &v);

	ls_screen_glyphs(ui, o.look.ascii, o.look.blocks);
	ls_screen_begin(&sc, ui, o.look.no_color);
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
