/* theme.h — colours and attributes by role (curses). One table maps each role to a
 * colour pair and attributes; without colours (no colour terminal, NO_COLOR,
 * --no-color) the same roles get monochrome attributes (bold, reverse, dim). */
#ifndef LORASCOPE_TUI_THEME_H
#define LORASCOPE_TUI_THEME_H

#include <stdbool.h>

#include "canvas.h"
#include "lorascope/theory.h"

/* X(ROLE, foreground, attributes with colour, attributes without) */
#define LS_ROLE_LIST(X)                                                     \
	X(NORMAL, -1, 0, 0)                                                 \
	X(BORDER, COLOR_BLUE, 0, 0)                                         \
	X(TITLE, COLOR_CYAN, A_BOLD, A_BOLD)                                \
	X(LABEL, -1, A_DIM, 0)                                              \
	X(LOSS, COLOR_YELLOW, 0, 0)                                         \
	X(REG, COLOR_GREEN, 0, 0)                                           \
	X(BASE, COLOR_MAGENTA, 0, 0)                                        \
	X(FLOOR, COLOR_RED, 0, 0)                                           \
	X(XBAR, COLOR_CYAN, 0, 0)                                           \
	X(XSTAR, COLOR_MAGENTA, 0, 0)                                       \
	X(MARK, COLOR_YELLOW, A_BOLD, A_BOLD)                               \
	X(FLOW, COLOR_BLUE, A_BOLD, A_BOLD)                                 \
	X(GOOD, COLOR_GREEN, A_BOLD | A_REVERSE, A_BOLD | A_REVERSE)        \
	X(BAD, COLOR_RED, A_BOLD | A_REVERSE, A_BOLD | A_REVERSE | A_BLINK) \
	X(WARN, COLOR_YELLOW, A_BOLD | A_REVERSE, A_REVERSE)                \
	X(INFO, COLOR_CYAN, A_BOLD | A_REVERSE, A_REVERSE)                  \
	X(HEADER, COLOR_CYAN, A_REVERSE, A_REVERSE)                         \
	X(ERROR, COLOR_RED, A_BOLD, A_BOLD)                                 \
	X(KEY, COLOR_YELLOW, A_BOLD, A_BOLD)

typedef enum {
#define LS_ROLE_ENUM(id, fg, ac, am) LS_ROLE_##id,
	LS_ROLE_LIST(LS_ROLE_ENUM)
#undef LS_ROLE_ENUM
		LS_ROLE_COUNT
} ls_role;

/* Every curve of the plots, by panel: X(ID, panel, ink, role, style without colour, style
 * with colour, legend, ASCII legend). Without colour no two curves of a panel share a
 * style (nor, in ASCII, an ink's glyph), so each is told apart by its line alone; the
 * legends show a sample of the line as drawn (ls_canvas_sample). */
#define LS_CURVE_LIST(X)                                                                           \
	X(LOSS_G, "loss", 2, REG, LS_STYLE_SOLID, LS_STYLE_SOLID, "g(A,B)", "g(A,B)")              \
	X(LOSS_F, "loss", 1, LOSS, LS_STYLE_DASHED, LS_STYLE_SOLID, "f(X)", "f(X)")                \
	X(LOSS_BASE, "loss", 3, BASE, LS_STYLE_DOTTED, LS_STYLE_DOTTED, "f(X*)", "f(X*)")          \
	X(LOSS_FLOOR, "loss", 4, FLOOR, LS_STYLE_SPARSE, LS_STYLE_DOTTED, "floor", "floor")        \
	X(LOSS_FLOW, "loss", 7, FLOW, LS_STYLE_DASHDOT, LS_STYLE_SOLID, "flow", "flow")            \
	X(RATIO, "ratio", 2, REG, LS_STYLE_SOLID, LS_STYLE_SOLID, "σr/σr*", "s_r/s_r*")            \
	X(RATIO_THR, "ratio", 4, FLOOR, LS_STYLE_DOTTED, LS_STYLE_DOTTED, "2α/β", "2alpha/beta")   \
	X(W_LOSS, "watch-loss", 1, LOSS, LS_STYLE_SOLID, LS_STYLE_SOLID, "loss", "loss")           \
	X(W_EVAL, "watch-loss", 2, REG, LS_STYLE_DASHED, LS_STYLE_SOLID, "eval_loss", "eval_loss") \
	X(W_GRAD, "watch-grad", 7, FLOW, LS_STYLE_SOLID, LS_STYLE_SOLID, "grad_norm", "grad_norm") \
	X(W_LR, "watch-lr", 3, BASE, LS_STYLE_SOLID, LS_STYLE_SOLID, "learning_rate",              \
	  "learning_rate")

typedef enum {
#define LS_CURVE_ENUM(id, panel, ink, role, mono, colour, u, a) LS_CURVE_##id,
	LS_CURVE_LIST(LS_CURVE_ENUM)
#undef LS_CURVE_ENUM
		LS_CURVE_COUNT
} ls_curve;

typedef struct {
	const char *panel;
	int ink;
	ls_role role;
	unsigned style_mono, style_colour;
	const char *legend, *legend_ascii;
} ls_curve_info;

extern const ls_curve_info ls_curves[LS_CURVE_COUNT];

/* Set up colours after initscr: colour when want_color and the terminal has colours
 * (use_default_colors keeps the terminal's background), monochrome otherwise.
 * Returns whether colour is in use. */
bool ls_theme_init(bool want_color);
/* The roles of the theory readouts, on the screen and in figures: the special regime and a
 * global minimum good, the spurious verdict bad, the generic regime, a saddle and "not
 * stationary yet" a warning, the rest information. */
ls_role ls_theme_regime_role(ls_regime g);
ls_role ls_theme_verdict_role(ls_verdict v);
/* The attributes (colour pair included) of a role. */
int ls_theme_attr(ls_role role);
/* The role that draws canvas ink k (1-based series number). */
ls_role ls_theme_ink_role(int ink);

#endif
