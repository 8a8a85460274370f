/* ui.h — the drawing thread's state and the drawing functions (curses).
 *
 * ls_ui holds everything the UI thread owns: the layout, the glyph set, the key map,
 * toggles, overlays, the message line and scratch buffers reused every frame. Each
 * panel has one draw function that reads a published ls_view and writes stdscr;
 * none records data or calls the session. */
#ifndef LORASCOPE_TUI_UI_H
#define LORASCOPE_TUI_UI_H

#include <stdbool.h>

#include "ahead.h"
#include "axis.h"
#include "canvas.h"
#include "keys.h"
#include "layout.h"
#include "theme.h"
#include "lorascope/metrics.h"
#include "view.h"

#define LS_MOD_SERIES_MAX 2048

typedef struct {
	ls_layout layout;
	ls_glyphs glyphs;
	bool unicode; /* UTF-8 text (σ, λ, ‖…‖, box lines) */
	bool color;
	ls_keymap keys;
	bool show_help;
	bool show_baseline;
	bool show_flow;
	/* The help overlay's first line shown and its rows (for paging). */
	int help_top, help_rows;
	bool help_scrolls; /* the help is longer than its box: arrows scroll it */
	int zoom;          /* 0: every panel; else the ls_panel_id shown on the whole screen */
	/* F2 setup form; while editing, the value is selected (fresh: typing replaces it) until
	 * a key edits it, with the cursor at byte edit_cur. */
	bool setup;
	int setup_sel, setup_top;
	bool editing, edit_fresh;
	int edit_cur;
	char edit[96];
	/* The module the spectrum and ratio panels show (m cycles), and the ratio series of a
	 * module other than 0 gathered from the views drawn (the history holds module 0's). */
	int module;
	size_t mod_n;
	long mod_step[LS_MOD_SERIES_MAX];
	double mod_ratio[LS_MOD_SERIES_MAX];
	/* Replay: a cursor line on the plots at cursor_step; the title of the header. */
	bool has_cursor;
	long cursor_step;
	const char *replay_title;
	/* What the keys' commands will show before the worker has applied them (ahead.h): the
	 * header and status panel draw it, pending values marked. */
	ls_ahead ahead;
	/* message line; the text last drawn and since when (a message goes after
	 * LS_MSG_SECONDS) */
	char msg[256];
	bool msg_error;
	unsigned long msg_event_seq;
	char msg_drawn[256];
	double msg_since;
	/* scratch, reused every frame */
	ls_canvas canvas;
	double fx[LS_HISTORY_MAX], fy[LS_HISTORY_MAX];
} ls_ui;

/* Pick a text by the glyph set: UTF-8 u unless the UI is ASCII-only. */
#define LS_TXT(ui, u, a) ((ui)->unicode ? (u) : (a))

/* Draw one whole frame into stdscr (erase, panels, overlays; no refresh). */
void ls_draw_frame(ls_ui *ui, const ls_view *v);
/* The frame before the worker's first view: what is being made ("building ... ...") and the
 * key that quits, in the middle of the screen. */
void ls_draw_starting(ls_ui *ui, const char *what);

/* Helpers shared by the panels. */
void ls_draw_box(const ls_ui *ui, ls_rect r, const char *title);
/* Text at (y, x) clipped to max columns, with the attributes of role. */
void ls_draw_text(int y, int x, int max, int role, const char *s);
/* How long a message stays on the message line. */
#define LS_MSG_SECONDS 8.0

/* A plot's axes: ys is widened to round ends (ls_axis_nice); x labels show values of xs
 * minus x_offset (none when xs is NULL); xname is the x axis's name for the bottom border
 * (NULL: none, or the legend draws it); zero_row keeps the bottom row for zeros, which a
 * log axis cannot show, labelled "≈ 0". */
typedef struct {
	ls_scale *ys;
	const ls_scale *xs;
	double x_offset;
	const char *xname;
	bool zero_row;
} ls_axes;

/* Axes for a plot inside the box r: at least three round y ticks on the left, x labels on
 * the last inner row; returns the rectangle left for the canvas. */
ls_rect ls_draw_axes(const ls_ui *ui, ls_rect r, const ls_axes *ax);
/* Set the canvas's style for curve id (distinct styles without colour, theme.h). */
void ls_curve_use(ls_ui *ui, ls_curve id);
/* The legend of curve id: a sample of its line as drawn, and with label its name. */
void ls_curve_legend(const ls_ui *ui, ls_curve id, bool label, char *buf, size_t len);
/* A plot's legend on its borders: title (the y quantity) and the n curves on the top
 * border, what does not fit there on the bottom border left of xname (the x axis's
 * name, right); each curve with its name (names[i]; NULL: the table's), or its short name
 * (short_names[i]) when the name does not fit, or left out when neither does. */
void ls_draw_legend(const ls_ui *ui, ls_rect r, const char *title, const ls_curve *ids,
		    const char *const *names, const char *const *short_names, int n,
		    const char *xname);
/* Help overlay keys (curses codes): Up/Down/PgUp/PgDn/Home/End scroll it; true when key
 * was one of them (the caller keeps the help open). */
bool ls_help_key(ls_ui *ui, int key);
/* Put the ui's canvas on the screen at rectangle c (only its set cells). */
void ls_draw_canvas(const ls_ui *ui, ls_rect c);
/* The replay cursor as a vertical line in canvas rectangle c on x scale xs (when set). */
void ls_draw_cursor(const ls_ui *ui, ls_rect c, const ls_scale *xs);
/* The module the panels show: ui->module clamped to the view's modules. */
size_t ls_ui_module(const ls_ui *ui, const ls_view *v);

void ls_panel_header_draw(ls_ui *ui, ls_rect r, const ls_view *v);
void ls_panel_loss_draw(ls_ui *ui, ls_rect r, const ls_view *v);
void ls_panel_spectrum_draw(ls_ui *ui, ls_rect r, const ls_view *v);
void ls_panel_ratio_draw(ls_ui *ui, ls_rect r, const ls_view *v);
void ls_panel_verdict_draw(ls_ui *ui, ls_rect r, const ls_view *v);
void ls_panel_status_draw(ls_ui *ui, ls_rect r, const ls_view *v);
void ls_panel_help_draw(ls_ui *ui);
void ls_setup_draw(ls_ui *ui, const ls_view *v);

#endif
