/* app.h — private to the live TUI (`lorascope` with no command): its start-up settings
 * (app_options.c), the state the key actions share with the loop and their contract
 * (actions.c), read by the loop (app.c). */
#ifndef LORASCOPE_TUI_APP_H
#define LORASCOPE_TUI_APP_H

#include <stdbool.h>

#include "lorascope/config.h"
#include "lorascope/inputs.h"
#include "lorascope/lesson.h"
#include "screen.h"
#include "ui.h"
#include "view.h"
#include "worker.h"

#define LS_APP_PARAMS_MAX 128 /* parameters on one command line */

/* The TUI's options (app_options.c has their rows): its own, the look and keys shared with
 * replay (screen.h), then the run parameters given on the command line. */
typedef struct {
	ls_screen_opts look;
	bool paused, help, man_keys, no_config;
	long delay_ms;
	double speed;
	const char *stats, *resume, *lesson, *save_peft;
	/* Parameters from the command line, applied last (after the file and a lesson). */
	int nparam;
	const char *pname[LS_APP_PARAMS_MAX], *pval[LS_APP_PARAMS_MAX];
} ls_app_opts;

/* What start-up decides before the screen is taken. */
typedef struct {
	ls_app_opts o;
	ls_config cfg;     /* defaults file, lesson setup, command line, in this order */
	ls_inputs in;      /* the problem's files, loaded (none with --resume); the caller frees */
	ls_lesson *lesson; /* --lesson, loaded and its setup applied, else NULL; the caller frees */
	char note[1200];   /* what went wrong in the defaults file, for the message line, or "" */
} ls_app_start;

/* Read the defaults file (unless --no-config) into s and km, then the command line
 * argv[1..argc); print --help or --man-keys; load a lesson and apply its setup, then the
 * command-line parameters; fit the rank to the files and load them. Returns -1 when the TUI is to
 * start, else the exit status (0 after --help or --man-keys, 2 on bad usage or input, 1 on a
 * failure; one line on stderr said why), s holding nothing to free. */
int ls_app_start_read(ls_app_start *s, ls_keymap *km, int argc, char **argv);

/* The loop's state the key actions see. */
typedef struct {
	ls_ui *ui;
	ls_worker *w;
	/* The key being handled: the published view (locked meanwhile). */
	const ls_view *view;
	/* The command the key pushed (0: none) and whether its change is shown ahead of the
	 * worker (ahead.h, in ui->ahead), for the loop's --stats timing. */
	unsigned long key_seq;
	bool key_ahead;
} ls_app;

/* What a key asks of the loop, or-ed (the Htop_Reaction of htop's Action.c). */
#define LS_REDRAW_FRAME 1u /* the screen changed: draw a frame at once, timing the key */
#define LS_REDRAW_ALL 2u   /* repaint the whole terminal (Ctrl-L) */
#define LS_REDRAW_QUIT 4u  /* leave the loop */

/* Handle the curses key ch, read with the view v published: the setup form, a
 * lesson's pause, the help overlay, else the action ch is bound to. Commands go to the worker
 * (ls_worker_push) with their change shown ahead where it can be (ui->ahead), view toggles
 * and the message line change app->ui. */
unsigned ls_app_key(ls_app *app, int ch, const ls_view *v);

#endif
