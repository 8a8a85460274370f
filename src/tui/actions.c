/* actions.c — what each key does in the live TUI (htop's Action.c): one small handler per
 * action of LS_ACTION_LIST, in a table generated from it, each returning what the loop must
 * redo (LS_REDRAW_*). Commands go to the worker's queue and are echoed at once in the message
 * line (the worker's own message replaces the echo when it has applied them); view toggles
 * change the UI state only. Before the table come the keys handled whatever they are bound to:
 * a resize, the F2 form, a lesson's pause, the help overlay. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "../plot/figure.h"
#include "ahead.h"
#include "app.h"
#include "keys.h"
#include "lorascope/loader.h"
#include "screen.h"
#include "setup.h"

#define LAMBDA_FACTOR 3.1622776601683795 /* √10 */
#define LR_FACTOR 2.0

/* Queue c for the worker, its change shown at once where the UI can work it out (ahead.h). */
static unsigned push(ls_app *app, ls_cmd *c)
{
	unsigned long seq = ls_worker_push(app->w, c);
	if (!seq) {
		ls_mat_free(&c->mat);
		snprintf(app->ui->msg, sizeof app->ui->msg, "busy: command dropped, try again");
		app->ui->msg_error = true;
		return LS_REDRAW_FRAME;
	}
	app->key_seq = seq;
	app->key_ahead = ls_ahead_push(&app->ui->ahead, app->view, c, seq);
	return LS_REDRAW_FRAME;
}

static unsigned cmd_simple(ls_app *app, ls_cmd_kind k, const char *param, double factor)
{
	ls_cmd c;
	memset(&c, 0, sizeof c);
	c.kind = k;
	if (param)
		snprintf(c.param, sizeof c.param, "%s", param);
	c.factor = factor;
	return push(app, &c);
}

static unsigned act_PAUSE(ls_app *app)
{
	return cmd_simple(app, LS_CMD_PAUSE, NULL, 0);
}

static unsigned act_STEP(ls_app *app)
{
	return cmd_simple(app, LS_CMD_STEP, NULL, 0);
}

static unsigned act_RESET(ls_app *app)
{
	return cmd_simple(app, LS_CMD_RESET, NULL, 0);
}

static unsigned act_KICK(ls_app *app)
{
	return cmd_simple(app, LS_CMD_KICK, NULL, 0);
}

static unsigned act_SPEED_UP(ls_app *app)
{
	return cmd_simple(app, LS_CMD_SPEED, NULL, 2.0);
}

static unsigned act_SPEED_DOWN(ls_app *app)
{
	return cmd_simple(app, LS_CMD_SPEED, NULL, 0.5);
}

static unsigned act_FFWD(ls_app *app)
{
	return cmd_simple(app, LS_CMD_FFWD, NULL, 0);
}

static unsigned act_LAMBDA_DOWN(ls_app *app)
{
	return cmd_simple(app, LS_CMD_SCALE, "lambda", 1 / LAMBDA_FACTOR);
}

static unsigned act_LAMBDA_UP(ls_app *app)
{
	return cmd_simple(app, LS_CMD_SCALE, "lambda", LAMBDA_FACTOR);
}

static unsigned act_LR_DOWN(ls_app *app)
{
	return cmd_simple(app, LS_CMD_SCALE, "lr", 1 / LR_FACTOR);
}

static unsigned act_LR_UP(ls_app *app)
{
	return cmd_simple(app, LS_CMD_SCALE, "lr", LR_FACTOR);
}

static unsigned act_RANK_DOWN(ls_app *app)
{
	return cmd_simple(app, LS_CMD_ADD, "rank", -1);
}

static unsigned act_RANK_UP(ls_app *app)
{
	return cmd_simple(app, LS_CMD_ADD, "rank", 1);
}

static unsigned act_INIT_NEXT(ls_app *app)
{
	return cmd_simple(app, LS_CMD_CYCLE, "init", 1);
}

static unsigned act_INIT_PREV(ls_app *app)
{
	return cmd_simple(app, LS_CMD_CYCLE, "init", -1);
}

static unsigned act_OPTIM(ls_app *app)
{
	return cmd_simple(app, LS_CMD_CYCLE, "optimizer", 1);
}

static unsigned act_PROBLEM(ls_app *app)
{
	return cmd_simple(app, LS_CMD_CYCLE, "problem", 1);
}

static unsigned act_SETUP(ls_app *app)
{
	app->ui->setup = true;
	app->ui->editing = false;
	return LS_REDRAW_FRAME;
}

static unsigned act_BASELINE(ls_app *app)
{
	ls_ui *ui = app->ui;
	ui->show_baseline = !ui->show_baseline;
	if (app->view->has_baseline) {
		snprintf(ui->msg, sizeof ui->msg, "baseline %s",
			 ui->show_baseline ? "shown" : "hidden");
	} else if (app->view->baseline_pending) {
		snprintf(ui->msg, sizeof ui->msg, "baseline %s: X* is being computed (%.0f%%)",
			 ui->show_baseline ? "on" : "off", 100 * app->view->baseline_progress);
	} else {
		char setup[LS_KEYS_HINT_LEN];
		snprintf(ui->msg, sizeof ui->msg,
			 "baseline %s: not computed for this run (--baseline auto skips "
			 "large problems; %s: baseline = on computes it)",
			 ui->show_baseline ? "on" : "off",
			 ls_keys_hint(&ui->keys, LS_ACT_SETUP, setup, sizeof setup));
	}
	ui->msg_error = false;
	return LS_REDRAW_FRAME;
}

static unsigned act_FLOW(ls_app *app)
{
	ls_ui *ui = app->ui;
	ui->show_flow = !ui->show_flow;
	if (!app->view->has_flow)
		snprintf(ui->msg, sizeof ui->msg, "gradient flow %s: no closed form (%s)",
			 ui->show_flow ? "on" : "off", app->view->flow_why);
	else
		snprintf(ui->msg, sizeof ui->msg, "gradient flow %s",
			 ui->show_flow ? "shown" : "hidden");
	ui->msg_error = false;
	return LS_REDRAW_FRAME;
}

static unsigned act_MODULE(ls_app *app)
{
	ls_ui *ui = app->ui;
	const ls_view *v = app->view;
	if (v->m.nmod > 1) {
		ui->module = (int)((ls_ui_module(ui, v) + 1) % v->m.nmod);
		ui->mod_n = 0;
		snprintf(ui->msg, sizeof ui->msg,
			 "module %d of %zu in the spectrum and ratio panels", ui->module + 1,
			 v->m.nmod);
	} else {
		snprintf(ui->msg, sizeof ui->msg, "this problem has one module");
	}
	return LS_REDRAW_FRAME;
}

static unsigned act_HELP(ls_app *app)
{
	app->ui->show_help = !app->ui->show_help;
	return LS_REDRAW_FRAME;
}

/* z: each panel on the whole screen in turn (for a projector), then all of them again. */
static unsigned act_ZOOM(ls_app *app)
{
	static const ls_panel_id order[] = { LS_PANEL_LOSS, LS_PANEL_SPECTRUM, LS_PANEL_RATIO,
					     LS_PANEL_VERDICT, LS_PANEL_STATUS };
	static const char *const names[] = { "loss", "spectrum", "ratio", "verdict", "status" };
	size_t n = sizeof order / sizeof order[0], next = 0;
	for (size_t i = 0; i < n; i++)
		if (app->ui->zoom == (int)order[i])
			next = i + 1;
	char k[LS_KEYS_HINT_LEN];
	ls_keys_hint(&app->ui->keys, LS_ACT_ZOOM, k, sizeof k);
	if (next < n) {
		app->ui->zoom = (int)order[next];
		snprintf(app->ui->msg, sizeof app->ui->msg, "zoom: %s (%s: next panel)",
			 names[next], k);
	} else {
		app->ui->zoom = 0;
		snprintf(app->ui->msg, sizeof app->ui->msg, "every panel (%s: zoom again)", k);
	}
	app->ui->msg_error = false;
	return LS_REDRAW_FRAME;
}

static unsigned act_REDRAW(ls_app *app)
{
	(void)app;
	return LS_REDRAW_FRAME | LS_REDRAW_ALL;
}

static unsigned act_SNAPSHOT(ls_app *app)
{
	ls_cmd c;
	memset(&c, 0, sizeof c);
	c.kind = LS_CMD_SNAPSHOT; /* named by the worker for the step it saves */
	snprintf(app->ui->msg, sizeof app->ui->msg, "saving a snapshot ...");
	return push(app, &c);
}

static unsigned act_SAVE_PEFT(ls_app *app)
{
	ls_cmd c;
	memset(&c, 0, sizeof c);
	c.kind = LS_CMD_PEFT; /* named by the worker for the step it saves */
	snprintf(app->ui->msg, sizeof app->ui->msg, "saving the adapter ...");
	return push(app, &c);
}

static unsigned act_TRACE(ls_app *app)
{
	ls_cmd c;
	memset(&c, 0, sizeof c);
	c.kind = LS_CMD_TRACE; /* named by the worker for the step it ends at */
	snprintf(app->ui->msg, sizeof app->ui->msg, "writing the trace ...");
	return push(app, &c);
}

/* The panels of the view on the screen as an SVG figure, written here (the view is locked
 * while a key is handled; the figure takes a few milliseconds). */
static unsigned act_FIGURE(ls_app *app)
{
	char path[64];
	ls_error err;
	snprintf(path, sizeof path, "lorascope-step%ld.svg", app->view->m.step);
	ls_fig_opts o = { .width = LS_FIG_WIDTH, .height = LS_FIG_HEIGHT, .panel = LS_FIG_ALL };
	if (ls_fig_write(path, app->view, &o, &err) != LS_OK) {
		snprintf(app->ui->msg, sizeof app->ui->msg, "figure: %.200s", err.msg);
		app->ui->msg_error = true;
	} else {
		snprintf(app->ui->msg, sizeof app->ui->msg, "figure of step %ld written to %s",
			 app->view->m.step, path);
		app->ui->msg_error = false;
	}
	return LS_REDRAW_FRAME;
}

static unsigned act_QUIT(ls_app *app)
{
	(void)app;
	return LS_REDRAW_QUIT;
}

/* The replay's and watch's cursor keys do nothing live: say where they work. */
static unsigned replay_only(ls_app *app, ls_action act)
{
	char k[16];
	ls_keymap_keys_text(&app->ui->keys, act, k, sizeof k);
	snprintf(app->ui->msg, sizeof app->ui->msg,
		 "%s moves the cursor in a replay (lorascope replay TRACE) or a watch "
		 "(lorascope watch DIR)",
		 k);
	return LS_REDRAW_FRAME;
}

static unsigned act_ROW_BACK(ls_app *app)
{
	return replay_only(app, LS_ACT_ROW_BACK);
}

static unsigned act_ROW_NEXT(ls_app *app)
{
	return replay_only(app, LS_ACT_ROW_NEXT);
}

static unsigned act_JUMP_BACK(ls_app *app)
{
	return replay_only(app, LS_ACT_JUMP_BACK);
}

static unsigned act_JUMP_NEXT(ls_app *app)
{
	return replay_only(app, LS_ACT_JUMP_NEXT);
}

static unsigned act_FIRST(ls_app *app)
{
	return replay_only(app, LS_ACT_FIRST);
}

static unsigned act_LAST(ls_app *app)
{
	return replay_only(app, LS_ACT_LAST);
}

static unsigned act_LINE_UP(ls_app *app)
{
	return replay_only(app, LS_ACT_LINE_UP);
}

static unsigned act_LINE_DOWN(ls_app *app)
{
	return replay_only(app, LS_ACT_LINE_DOWN);
}

static unsigned act_FOLLOW(ls_app *app)
{
	return replay_only(app, LS_ACT_FOLLOW);
}

/* One handler per entry of LS_ACTION_LIST, named act_ID: an action without a handler does
 * not compile, a handler without an action is unused (an error with -Werror). */
static unsigned (*const act_table[])(ls_app *app) = {
#define ACT_HANDLER(id, name, group, k1, k2, help) [LS_ACT_##id] = act_##id,
	LS_ACTION_LIST(ACT_HANDLER)
#undef ACT_HANDLER
};
_Static_assert(sizeof act_table / sizeof act_table[0] == LS_ACT_COUNT,
	       "act_table has one entry per action");

/* F2's change of a file parameter: the file is read here, on the UI thread, and its matrix
 * goes with the command (the worker never reads files). False when it is refused (said in
 * the message line, as the worker says a refusal). */
static bool load_file(ls_app *app, ls_cmd *c)
{
	ls_error err;
	bool loaded;
	const ls_config *cur = &app->view->cfg;
	if (ls_input_load_change(cur, c->param, c->text, &c->mat, &loaded, &err) == LS_OK)
		return true;
	snprintf(app->ui->msg, sizeof app->ui->msg, "refused: %.200s", err.msg);
	app->ui->msg_error = true;
	return false;
}

unsigned ls_app_key(ls_app *app, int ch, const ls_view *v)
{
	ls_ui *ui = app->ui;
	app->view = v;
	app->key_seq = 0;
	app->key_ahead = false;
	if (ch == KEY_RESIZE) {
		ls_layout_compute(COLS, LINES, &ui->layout);
		return LS_REDRAW_FRAME;
	}
	if (ui->setup) {
		ls_cmd c;
		if (ls_setup_key(ui, v, ch, &c) && load_file(app, &c))
			push(app, &c);
		return LS_REDRAW_FRAME;
	}
	ls_action act = ls_keymap_lookup(&ui->keys, ls_tui_map_key(ch));
	/* Nothing published yet (the session is being made): only quit. */
	if (v->pub_seq == 0 && act != LS_ACT_QUIT)
		return 0;
	/* A lesson's pause: any key but quit goes on (fast-forward goes on at full speed). */
	if (v->lesson_wait && act != LS_ACT_QUIT && !ui->show_help) {
		unsigned redo = cmd_simple(app, act == LS_ACT_FFWD ? LS_CMD_FFWD : LS_CMD_PAUSE,
					   NULL, 0);
		snprintf(ui->msg, sizeof ui->msg, "lesson: going on ...");
		ui->msg_error = false;
		return redo;
	}
	if (ui->show_help && ls_help_key(ui, ch))
		return LS_REDRAW_FRAME;
	unsigned redo = 0;
	if (ui->show_help && act != LS_ACT_QUIT) {
		/* Any key closes the help; its own key only toggles. */
		ui->show_help = false;
		redo = LS_REDRAW_FRAME;
		if (act == LS_ACT_HELP)
			return redo;
	}
	if (ui->layout.too_small && act != LS_ACT_QUIT)
		return redo;
	if (act == LS_ACT_NONE) {
		char name[16], help[LS_KEYS_HINT_LEN];
		ls_key_name(ls_tui_map_key(ch), name, sizeof name);
		snprintf(ui->msg, sizeof ui->msg, "key %s does nothing (%s for help)", name,
			 ls_keys_hint(&ui->keys, LS_ACT_HELP, help, sizeof help));
		ui->msg_error = false;
		return LS_REDRAW_FRAME;
	}
	snprintf(ui->msg, sizeof ui->msg, "%s ...", ls_actions[act].help);
	ui->msg_error = false;
	return redo | act_table[act](app);
}
