/* theme.h — colours and attributes by role (curses). One table maps each role to a
 * colour pair and attributes; without colours (no colour terminal, NO_COLOR,
 * --no-color) the same roles get monochrome attributes (bold, reverse, dim). */
#ifndef LORASCOPE_TUI_THEME_H
#define LORASCOPE_TUI_THEME_H

#include <stdbool.h>

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

/* Set up colours after initscr: colour when want_color and the terminal has colours
 * (use_default_colors keeps the terminal's background), monochrome otherwise.
 * Returns whether colour is in use. */
bool ls_theme_init(bool want_color);
/* The attributes (colour pair included) of a role. */
int ls_theme_attr(ls_role role);
/* The role that draws canvas ink k (1-based series number). */
ls_role ls_theme_ink_role(int ink);

#endif
