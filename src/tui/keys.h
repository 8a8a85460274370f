/* keys.h — every interactive action declared once, and the remappable key table.
 *
 * No curses here. LS_ACTION_LIST (id, name, group, default keys, help) generates the
 * action enum, the default bindings, the help overlay's lines and the man page's
 * INTERACTIVE COMMANDS section, so keys, help and documentation cannot drift.
 * Keys are ints: printable characters as themselves, control keys as their code
 * (Ctrl-L is 12) and function keys as LS_KEY_F(n); the app maps curses codes to these. */
#ifndef LORASCOPE_TUI_KEYS_H
#define LORASCOPE_TUI_KEYS_H

#include <stddef.h>
#include <stdio.h>

#include "lorascope/status.h"

#define LS_KEY_F(n) (0x10000 + (n))
#define LS_KEY_CTRL(c) ((c)&0x1f)
#define LS_KEY_NONE 0
/* Named keys beyond the function keys (the app maps curses codes to these). */
#define LS_NAMED_KEY_LIST(X) \
	X(LEFT, "Left")      \
	X(RIGHT, "Right")    \
	X(UP, "Up")          \
	X(DOWN, "Down")      \
	X(HOME, "Home")      \
	X(END, "End")        \
	X(PGUP, "PgUp")      \
	X(PGDN, "PgDn")      \
	X(SLEFT, "S-Left")   \
	X(SRIGHT, "S-Right")
enum {
	LS_KEY_NAMED_BASE = 0x10100,
#define LS_NAMED_KEY_ENUM(id, name) LS_KEY_##id,
	LS_NAMED_KEY_LIST(LS_NAMED_KEY_ENUM)
#undef LS_NAMED_KEY_ENUM
		LS_KEY_NAMED_END
};

/* X(ID, "name", "group", key1, key2, "help"); key2 may be LS_KEY_NONE. */
#define LS_ACTION_LIST(X)                                                                    \
	X(PAUSE, "pause", "run", ' ', LS_KEY_NONE, "pause or resume training")               \
	X(STEP, "step", "run", 'n', LS_KEY_NONE, "take one step (pauses first)")             \
	X(RESET, "reset", "run", 'x', LS_KEY_NONE,                                           \
	  "restart from step 0 with the current settings")                                   \
	X(KICK, "kick", "run", 'k', LS_KEY_NONE, "perturb A and B to leave a saddle")        \
	X(SPEED_UP, "speed-up", "run", '+', '=',                                             \
	  "double the speed cap (steps per second; past the top: unlimited)")                \
	X(SPEED_DOWN, "speed-down", "run", '-', LS_KEY_NONE,                                 \
	  "halve the speed cap (from unlimited: about the measured speed)")                  \
	X(FFWD, "fast-forward", "run", '>', LS_KEY_NONE,                                     \
	  "a lesson: run with no speed cap to its next caption or pause")                    \
	X(LAMBDA_DOWN, "lambda-down", "tune", 'l', LS_KEY_NONE,                              \
	  "divide the weight decay lambda by sqrt(10)")                                      \
	X(LAMBDA_UP, "lambda-up", "tune", 'L', LS_KEY_NONE,                                  \
	  "multiply the weight decay lambda by sqrt(10)")                                    \
	X(LR_DOWN, "lr-down", "tune", 'e', LS_KEY_NONE, "halve the step size eta")           \
	X(LR_UP, "lr-up", "tune", 'E', LS_KEY_NONE, "double the step size eta")              \
	X(RANK_DOWN, "rank-down", "tune", 'r', LS_KEY_NONE,                                  \
	  "lower the rank by one (best rank-r truncation of X)")                             \
	X(RANK_UP, "rank-up", "tune", 'R', LS_KEY_NONE,                                      \
	  "raise the rank by one (new columns keep X unchanged)")                            \
	X(INIT_NEXT, "init-next", "tune", 'i', LS_KEY_NONE,                                  \
	  "next initialisation (restarts the run)")                                          \
	X(INIT_PREV, "init-prev", "tune", 'I', LS_KEY_NONE,                                  \
	  "previous initialisation (restarts the run)")                                      \
	X(OPTIM, "optimizer", "tune", 'o', LS_KEY_NONE, "next optimiser")                    \
	X(PROBLEM, "problem", "tune", 'p', LS_KEY_NONE, "next problem (restarts the run)")   \
	X(SETUP, "setup", "tune", LS_KEY_F(2), LS_KEY_NONE,                                  \
	  "setup screen: edit any parameter by typing a value")                              \
	X(BASELINE, "baseline", "view", 'b', LS_KEY_NONE,                                    \
	  "show or hide the full fine-tuning baseline")                                      \
	X(FLOW, "flow", "view", 'g', LS_KEY_NONE,                                            \
	  "show or hide the gradient-flow curve (approx spectral init, trace2)")             \
	X(MODULE, "module", "view", 'm', LS_KEY_NONE,                                        \
	  "next module in the spectrum and ratio panels (problems with several modules)")    \
	X(ZOOM, "zoom", "view", 'z', LS_KEY_NONE,                                            \
	  "one panel on the whole screen: loss, spectrum, ratio, verdict, status, then all") \
	X(HELP, "help", "view", '?', LS_KEY_F(1), "show or hide this help")                  \
	X(REDRAW, "redraw", "view", LS_KEY_CTRL('l'), LS_KEY_NONE, "redraw the screen")      \
	X(SNAPSHOT, "snapshot", "files", 's', LS_KEY_NONE,                                   \
	  "save a snapshot to lorascope-stepN/ (lorascope --resume DIR continues it)")       \
	X(SAVE_PEFT, "save-peft", "files", 'a', LS_KEY_NONE,                                 \
	  "save the adapter as DIR/checkpoint-N for watch (DIR: --save-peft, else "          \
	  "lorascope-run)")                                                                  \
	X(TRACE, "trace", "files", 'w', LS_KEY_NONE,                                         \
	  "write the trace (history and parameters) to lorascope-trace-stepN.csv")           \
	X(FIGURE, "figure", "files", 'P', LS_KEY_NONE,                                       \
	  "draw the panels to lorascope-stepN.svg (lorascope plot's figure)")                \
	X(QUIT, "quit", "files", 'q', LS_KEY_NONE, "quit")                                   \
	X(ROW_BACK, "row-back", "replay, watch", LS_KEY_LEFT, LS_KEY_NONE,                   \
	  "previous row (replay) or checkpoint (watch)")                                     \
	X(ROW_NEXT, "row-next", "replay, watch", LS_KEY_RIGHT, LS_KEY_NONE,                  \
	  "next row (replay) or checkpoint (watch)")                                         \
	X(JUMP_BACK, "jump-back", "replay, watch", LS_KEY_SLEFT, LS_KEY_PGUP,                \
	  "1/20 of rows back (replay), page up (watch)")                                     \
	X(JUMP_NEXT, "jump-next", "replay, watch", LS_KEY_SRIGHT, LS_KEY_PGDN,               \
	  "1/20 of rows on (replay), page down (watch)")                                     \
	X(FIRST, "first", "replay, watch", LS_KEY_HOME, LS_KEY_NONE,                         \
	  "first row (replay) or checkpoint (watch)")                                        \
	X(LAST, "last", "replay, watch", LS_KEY_END, LS_KEY_NONE,                            \
	  "last row (replay), newest checkpoint (watch)")                                    \
	X(LINE_UP, "line-up", "replay, watch", LS_KEY_UP, LS_KEY_NONE,                       \
	  "row back (replay), module above (watch)")                                         \
	X(LINE_DOWN, "line-down", "replay, watch", LS_KEY_DOWN, LS_KEY_NONE,                 \
	  "row on (replay), module below (watch)")                                           \
	X(FOLLOW, "follow", "replay, watch", 'f', LS_KEY_NONE,                               \
	  "follow the newest checkpoint (watch; toggle)")

typedef enum {
	LS_ACT_NONE = 0,
#define LS_ACTION_ENUM(id, name, group, k1, k2, help) LS_ACT_##id,
	LS_ACTION_LIST(LS_ACTION_ENUM)
#undef LS_ACTION_ENUM
		LS_ACT_COUNT
} ls_action;

typedef struct {
	const char *name;  /* "lambda-up": the name used by remapping */
	const char *group; /* "run", "tune", "view", "files", "replay, watch" */
	int keys[2];       /* default keys (LS_KEY_NONE when unused) */
	const char *help;
} ls_action_info;

/* Indexed by ls_action; entry LS_ACT_NONE is empty. */
extern const ls_action_info ls_actions[LS_ACT_COUNT];

#define LS_KEYMAP_MAX 128

typedef struct {
	int n;
	struct {
		int key;
		ls_action action;
	} b[LS_KEYMAP_MAX];
} ls_keymap;

/* The default bindings of LS_ACTION_LIST. */
void ls_keymap_defaults(ls_keymap *km);
/* Bind key to action, replacing what key did before; the binding moves to the end of the
 * table (the table lists bindings in the order they were made). Refuses LS_KEY_NONE, an
 * unknown action and a full table. */
ls_status ls_keymap_bind(ls_keymap *km, int key, ls_action action, ls_error *err);
/* Parse "KEY=ACTION" (e.g. "j=lr-down", "F5=help", "^R=redraw", "space=pause") and bind. */
ls_status ls_keymap_bind_spec(ls_keymap *km, const char *spec, ls_error *err);
/* The action bound to key, LS_ACT_NONE when none. */
ls_action ls_keymap_lookup(const ls_keymap *km, int key);
/* The keys bound to action, as text joined by "/" ("?/F1"); "" when none. */
void ls_keymap_keys_text(const ls_keymap *km, ls_action action, char *buf, size_t len);
/* The key a hint on screen names for action ("x", "F2", "space") into buf, returned: the
 * last key bound to it that is not one of its default keys (a --key or defaults-file
 * remap), else the first key still bound to it, else LS_KEYS_UNBOUND. */
#define LS_KEYS_UNBOUND "(unbound)"
#define LS_KEYS_HINT_LEN 16 /* enough for any key name and LS_KEYS_UNBOUND */
const char *ls_keys_hint(const ls_keymap *km, ls_action action, char *buf, size_t len);
/* The action called name, LS_ACT_NONE when none. */
ls_action ls_action_find(const char *name);

/* A key's printable name ("space", "F2", "^L", "L", "S-Left") into buf (≥ 8 bytes). */
void ls_key_name(int key, char *buf, size_t len);
/* The key called name (as ls_key_name writes it), LS_KEY_NONE when none. */
int ls_key_parse(const char *name);

/* Line i of the help overlay (keys, action name for --key KEY=ACTION, help text; group
 * headings as lines of their own) into buf; returns 0 past the last line. */
int ls_keymap_help_line(const ls_keymap *km, int i, char *buf, size_t len);
/* Write the man page's INTERACTIVE COMMANDS section (roff) for the default keys, each
 * with its action name. */
void ls_keys_write_man(FILE *out);

#endif
