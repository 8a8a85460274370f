/* watch_view.h — the pure parts of the `lorascope watch DIR` screen: its layout, the module
 * table's columns and cell texts, the flag rule, the status line, and the selection kept
 * across refreshes (a checkpoint or module that disappears, follow-newest).
 *
 * No curses here (unit-tested). Layout: header row; the training curves in up to three
 * plots across the top (loss and eval_loss, grad_norm, learning_rate); below them the
 * module table on the left, σ(ΔW) of the selected module as bars and σᵢ across the
 * checkpoints as lines on the right; the flags' rule (wrapped) above the status line. */
#ifndef LORASCOPE_TUI_WATCH_VIEW_H
#define LORASCOPE_TUI_WATCH_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "layout.h"
#include "lorascope/watch.h"

/* Smallest terminal of the watch screen. */
#define LS_WATCH_MIN_W 80
#define LS_WATCH_MIN_H 24
/* Columns of one curve plot, at least (fewer plots when narrower). */
#define LS_WATCH_CURVE_MIN_W 30
/* Rows the flags' rule takes above the status line, at most. */
#define LS_WATCH_RULE_MAX_H 3

#define LS_WATCH_PANEL_LIST(X) \
	X(HEADER, "header")    \
	X(LOSS, "loss")        \
	X(GRAD, "grad_norm")   \
	X(LR, "learning_rate") \
	X(TABLE, "modules")    \
	X(BARS, "sigma")       \
	X(PATHS, "paths")      \
	X(RULE, "rule")        \
	X(STATUS, "status")

typedef enum {
#define LS_WATCH_PANEL_ENUM(id, name) LS_WP_##id,
	LS_WATCH_PANEL_LIST(LS_WATCH_PANEL_ENUM)
#undef LS_WATCH_PANEL_ENUM
		LS_WP_COUNT
} ls_watch_panel;

typedef struct {
	int cols, lines;
	int too_small; /* 1: below LS_WATCH_MIN_W×LS_WATCH_MIN_H, rectangles zero */
	int ncurves;   /* curve plots shown: 3, or 2 (no learning_rate), or 1 (loss only) */
	ls_rect r[LS_WP_COUNT];
} ls_watch_layout;

/* Lay out a cols×lines terminal: every panel inside the screen, none overlapping; plots at
 * least LS_PLOT_MIN_W×LS_PLOT_MIN_H; a curve plot left out (zero) when the width cannot
 * give each LS_WATCH_CURVE_MIN_W. */
void ls_watch_layout_compute(int cols, int lines, ls_watch_layout *L);
/* Module rows the table shows in its rectangle (box, heading and detail line taken off). */
int ls_watch_table_rows(const ls_watch_layout *L);

/* The module table's columns, in screen order. */
#define LS_WATCH_COL_LIST(X)            \
	X(NAME, "module", "module", 12) \
	X(FRO, "‖ΔW‖F", "|dW|F", 8)     \
	X(SRANK, "srank", "srank", 6)   \
	X(ERANK, "erank", "erank", 6)   \
	X(DRIFT, "drift", "drift", 8)   \
	X(ANGLE, "angle°", "angle", 7)  \
	X(FLAGS, "flags", "flags", 8)

typedef enum {
#define LS_WATCH_COL_ENUM(id, u, a, w) LS_WC_##id,
	LS_WATCH_COL_LIST(LS_WATCH_COL_ENUM)
#undef LS_WATCH_COL_ENUM
		LS_WC_COUNT
} ls_watch_col;

/* The width of each column (0: left out) for a table width columns wide (its inner
 * width): the name keeps at least its minimum and takes what is left; the others come in
 * by priority (flags, norm, drift, stable rank, effective rank, angle) while they fit, a
 * space between columns. */
void ls_watch_table_cols(int width, int w[LS_WC_COUNT]);
/* The heading (column names) of a table with widths w. */
void ls_watch_table_heading(const int w[LS_WC_COUNT], bool unicode, char *buf, size_t len);
/* One module's row: name (its middle cut to a '~' when too long), the
 * numbers of cell c, the drift and angle or, where drift is not defined, its reason over
 * both columns; "(not in this checkpoint)" for a module it lacks. */
void ls_watch_table_row(const int w[LS_WC_COUNT], const char *name, const ls_watch_cell *c,
			bool unicode, char *buf, size_t len);
/* The drift of c as text: "0.123 max angle 4.5°, angles 1.2 3.4 4.5" (the angles that
 * fit in len), or "not defined: REASON", or "not in this checkpoint". Never empty. */
void ls_watch_drift_text(const ls_watch_cell *c, bool unicode, char *buf, size_t len);

/* The log rows a curve of c is drawn through, into idx (c->n at most); returns their
 * count. v is one of c's series: eval_loss is drawn through the rows where it is finite;
 * loss, grad_norm and learning_rate through the training rows (those where any of the
 * three is finite), where a NaN breaks the line (a gap), so evaluation rows and the final
 * summary row neither break nor join them. */
size_t ls_watch_curve_rows(const ls_watch_curves *c, const double *v, size_t *idx);

/* The rule of the flags, from adapter.h's constants (one source): the fails-loudly
 * heuristic and B = 0. */
void ls_watch_rule_text(bool unicode, char *buf, size_t len);
/* "3 s ago", "4 min ago", "2 h ago"; "never" for a negative age. */
void ls_watch_age_text(double seconds, char *buf, size_t len);

/* Selection across a refresh. The checkpoint to select among names[0..n) (ascending)
 * when `was` (NULL: none) at step was_step was selected: the newest when following (or
 * nothing was selected), else `was` itself, else (it disappeared) the first later one by
 * step, else the newest. 0 when n is 0. */
size_t ls_watch_pick_ckpt(const char *const *names, const long *steps, size_t n, const char *was,
			  long was_step, bool follow);
/* The module to select among names[0..n): `was` again where it still is, else the index
 * it had (was_index) clamped to the modules. 0 when n is 0. */
size_t ls_watch_pick_module(const char *const *names, size_t n, const char *was, size_t was_index);
/* The first row the table shows so that sel is visible in rows rows, moving top as
 * little as possible. */
size_t ls_watch_scroll(size_t top, size_t sel, int rows);

#endif
