/* layout.h — the TUI's screen layout as a pure function of the terminal size.
 *
 * No curses here: ls_layout_compute maps (columns, lines) to one rectangle per
 * panel, or reports that the terminal is too small and what it needs. Unit-tested
 * for properties (no overlap, inside the screen, minimum sizes) across sizes. The
 * text measures (columns, the longest variant that fits, word wrapping) are here too. */
#ifndef LORASCOPE_TUI_LAYOUT_H
#define LORASCOPE_TUI_LAYOUT_H

#include <stddef.h>

/* Smallest terminal the full layout accepts. */
#define LS_LAYOUT_MIN_W 64
#define LS_LAYOUT_MIN_H 23

/* Smallest size of a plot panel (loss, spectrum, ratio), borders included. */
#define LS_PLOT_MIN_W 24
#define LS_PLOT_MIN_H 6
/* Smallest size of the side panels, borders included. */
#define LS_SIDE_MIN_W 30
#define LS_VERDICT_H 6
#define LS_STATUS_MIN_H 15

typedef struct {
	int y, x, h, w;
} ls_rect;

#define LS_PANEL_LIST(X)        \
	X(HEADER, "header")     \
	X(LOSS, "loss")         \
	X(SPECTRUM, "spectrum") \
	X(RATIO, "ratio")       \
	X(VERDICT, "verdict")   \
	X(STATUS, "status")     \
	X(MESSAGE, "message")

typedef enum {
#define LS_PANEL_ENUM(id, name) LS_PANEL_##id,
	LS_PANEL_LIST(LS_PANEL_ENUM)
#undef LS_PANEL_ENUM
		LS_PANEL_COUNT
} ls_panel_id;

typedef struct {
	int cols, lines;
	int too_small;      /* 1: draw the "terminal too small" screen instead */
	int need_w, need_h; /* the minimum size, for that screen */
	ls_rect r[LS_PANEL_COUNT];
	/* A lesson's caption strip (ls_layout_caption; zero without one). */
	ls_rect caption;
} ls_layout;

/* Zoom: panel p (a plot, the verdict or the status) takes the whole body of the screen,
 * between the header and the message line; the other panels become zero rectangles. Pure. */
void ls_layout_zoom(ls_layout *L, ls_panel_id p);

/* Lay out a cols×lines terminal: every panel inside the screen, none overlapping,
 * plots at least LS_PLOT_MIN_W×LS_PLOT_MIN_H; too_small set (and rectangles zeroed)
 * below LS_LAYOUT_MIN_W×LS_LAYOUT_MIN_H. */
void ls_layout_compute(int cols, int lines, ls_layout *out);

/* Carve a lesson's caption strip out of a computed layout: a boxed strip across the left
 * area, right below the loss plot, tall enough for text wrapped at its inner width
 * (LS_CAPTION_PAD columns less than the strip) plus extra lines; the plots below it move
 * down and shrink, and when they no longer fit at LS_PLOT_MIN_H the ratio plot, then the
 * spectrum plot, is left out (its rectangle zeroed). The loss plot keeps at least
 * LS_PLOT_MIN_H rows; only a caption taller than what is left is cut. Nothing to do for a
 * too-small layout. */
#define LS_CAPTION_PAD 4
void ls_layout_caption(ls_layout *L, const char *text, int extra);

/* The panel's name ("loss", "spectrum", …). */
const char *ls_panel_name(ls_panel_id id);

/* Terminal columns of UTF-8 text: one per code point, none for combining marks
 * (U+0300–U+036F, as in α̂). */
int ls_text_cols(const char *s);
/* Of n variants of a text, longest first, the index of the first that fits in cols
 * columns; -1 when none does (titles and legends are shortened on purpose, never cut). */
int ls_text_pick(const char *const *variants, int n, int cols);
/* s shortened from the left to at most cols columns into out (cap bytes): s itself when it
 * fits, else "…" and its last cols − 1 columns (whole code points; a path keeps its file name).
 * Returns the columns written. */
int ls_text_tail(const char *s, int cols, char *out, size_t cap);
/* The first line of s wrapped at cols columns: its length in bytes, broken after the last
 * space that fits (a word longer than cols is cut at cols); *next is where the rest starts
 * (spaces at the break skipped). A newline ends a line. */
size_t ls_text_wrap(const char *s, int cols, const char **next);
/* Lines of s wrapped at cols by ls_text_wrap (0 for an empty s). */
int ls_text_lines(const char *s, int cols);

#endif
