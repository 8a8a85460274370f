/* screen.h — the curses session shared by the TUI's entry points (live view, replay,
 * adapter browser): glyph choice from the locale and options, stderr off the screen,
 * stop and fatal signals, curses set-up and the restore on the way out. */
#ifndef LORASCOPE_TUI_SCREEN_H
#define LORASCOPE_TUI_SCREEN_H

#include <signal.h>
#include <stdbool.h>

#include "lorascope/opts.h"
#include "ui.h"

/* The stop signal caught while the screen is up (SIGINT, SIGTERM, SIGHUP), else 0. */
extern volatile sig_atomic_t ls_screen_stop;

typedef struct ls_record ls_record;
typedef struct {
	int saved_err;
	ls_record *rec; /* --record: the recording, else NULL */
} ls_screen;

/* The UI state of an entry point, zeroed, on the heap (its scratch series are large); NULL
 * when out of memory. ls_ui_free releases it and its canvas. */
ls_ui *ls_ui_new(void);
void ls_ui_free(ls_ui *ui);

/* Pick the UI's text and glyph set: UTF-8 and braille where the locale is UTF-8, blocks
 * when asked or on the Linux console, ASCII with ascii or another locale; init the canvas. */
void ls_screen_glyphs(ls_ui *ui, bool ascii, bool blocks);
/* --record path (NULL: none): start the recording, titled title, into sc before the screen
 * is taken; false with "--record: REASON" in why (one line). Clears sc->rec when path is
 * NULL. */
bool ls_screen_record(ls_screen *sc, const char *path, const char *title, char *why, size_t len);
/* stderr to /dev/null, signals (Ctrl-Z noted for ls_screen_suspend, not left to curses),
 * curses (on the recording's stream with one) in cbreak/noecho/keypad/nodelay mode, colours
 * unless no_color or NO_COLOR. */
void ls_screen_begin(ls_screen *sc, ls_ui *ui, bool no_color);
/* The read end of the pipe that wakes a screen's loop on Ctrl-Z (poll it with the
 * terminal), -1 when there is none. */
int ls_screen_wake_fd(void);
/* Between frames, on the curses thread: when Ctrl-Z was pressed, give the terminal back,
 * stop the process and, once it continues, take the terminal again and redraw the screen;
 * true then (draw a frame: time has passed). False when nothing was asked. */
bool ls_screen_suspend(void);
/* Give the terminal back and stderr with it; end the recording. */
void ls_screen_end(ls_screen *sc);
/* The loop of the screens that only answer keys (replay, adapter browser): draw(ctx) when
 * something changed, wait for input (poll, at most a second; Ctrl-Z stops), hand each key to
 * on_key(ctx, ch), which returns false to leave. Ends on a stop signal, on a hang-up
 * (input readable but no key, again and again: no spinning) and on a poll error.
 * Returns 0, or 1 after a poll error. */
int ls_screen_loop(void *ctx, void (*draw)(void *ctx), bool (*on_key)(void *ctx, int ch));
/* Whether this terminal can show the screens: cursor addressing and clearing (terminfo cup,
 * clear); TERM=dumb and unknown terminals cannot. false with the reason in why. */
bool ls_screen_usable(char *why, size_t len);
/* The next key (getch in nodelay mode), or ERR when none is waiting. An escape sequence that
 * curses did not decode (Shift-F3 as ESC[1;2R under TERM=screen) and Alt-x (ESC x) are
 * consumed whole and give no key, so their trailing letters never act as keys; a lone
 * Escape is 27. */
int ls_screen_getkey(void);
/* A curses key code as a key of keys.h (function and named keys). */
int ls_tui_map_key(int ch);

/* --record FILE (a const char * at member of type), the row every curses screen takes. */
#define LS_TUI_RECORD_ROW(type, member, pgroup)                                          \
	{                                                                                \
		.name = "record", .kind = LS_OPT_TEXT, .arg = "FILE", .group = pgroup,   \
		.help = "record the screen to FILE as it happens: an asciinema v2 cast " \
			"(asciinema "                                                    \
			"play FILE)",                                                    \
		.offset = offsetof(type, member)                                         \
	}

/* How a screen looks and which keys it takes: the options the TUI and replay share. */
typedef struct {
	bool ascii, blocks, no_color;
	const char *record; /* --record FILE */
	ls_keymap *km;      /* where --key binds (set before parsing) */
} ls_screen_opts;
/* --key KEY=ACTION: bind in the ls_screen_opts at o->offset of target. */
ls_status ls_screen_opt_key(void *target, const ls_opt *o, const char *value, ls_error *err);
/* Their rows (opts.h, no comma after the last) for a target struct type whose member is an
 * ls_screen_opts; all but --record are settings of the defaults file too. */
#define LS_SCREEN_OPT_ROWS(type, member, pgroup)                                             \
	{ .name = "ascii",                                                                   \
	  .kind = LS_OPT_FLAG,                                                               \
	  .group = pgroup,                                                                   \
	  .help = "plain ASCII graphs and text (no braille, blocks or UTF-8)",               \
	  .offset = offsetof(type, member.ascii),                                            \
	  .in_file = true },                                                                 \
		{ .name = "blocks",                                                          \
		  .kind = LS_OPT_FLAG,                                                       \
		  .group = pgroup,                                                           \
		  .help = "block-element graphs instead of braille",                         \
		  .offset = offsetof(type, member.blocks),                                   \
		  .in_file = true },                                                         \
		{ .name = "no-color",                                                        \
		  .kind = LS_OPT_FLAG,                                                       \
		  .group = pgroup,                                                           \
		  .help = "monochrome (also when NO_COLOR is set)",                          \
		  .offset = offsetof(type, member.no_color),                                 \
		  .in_file = true },                                                         \
		LS_TUI_RECORD_ROW(type, member.record, pgroup),                              \
	{                                                                                    \
		.name = "key", .kind = LS_OPT_CALL, .arg = "KEY=ACTION", .group = pgroup,    \
		.help = "bind a key (e.g. j=lr-down, F5=help, ^R=redraw); repeatable",       \
		.offset = offsetof(type, member), .call = ls_screen_opt_key, .in_file = true \
	}

#endif
