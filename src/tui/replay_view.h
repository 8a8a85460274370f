/* replay_view.h — a trace (trace.h) as views for the TUI's panels, and the replay cursor.
 *
 * No curses here. The history of the view holds the trace's rows (every k-th row when
 * there are more than LS_HISTORY_MAX, for the plots); the metrics hold the row at the
 * cursor exactly as written, column by column through LS_TRACE_COLUMN_LIST (a column the
 * trace lacks reads NaN, or 0 for the integer columns). */
#ifndef LORASCOPE_TUI_REPLAY_VIEW_H
#define LORASCOPE_TUI_REPLAY_VIEW_H

#include <stddef.h>

#include "lorascope/status.h"
#include "lorascope/trace.h"
#include "view.h"

typedef enum {
	LS_REPLAY_ROW_BACK,  /* one row back */
	LS_REPLAY_ROW_NEXT,  /* one row on */
	LS_REPLAY_JUMP_BACK, /* ls_replay_jump(nrows) rows back */
	LS_REPLAY_JUMP_NEXT, /* ... on */
	LS_REPLAY_FIRST,
	LS_REPLAY_LAST
} ls_replay_move;

/* Rows a jump moves: a twentieth of the rows, at least 1. */
size_t ls_replay_jump(size_t nrows);
/* The cursor row after mv from row, within [0, nrows) (0 when nrows is 0). */
size_t ls_replay_cursor(size_t row, size_t nrows, ls_replay_move mv);

/* The view's parameters (the trace's header) and history (the rows, decimated to at most
 * LS_HISTORY_MAX points, the last row always kept). */
ls_status ls_replay_history(ls_view *v, const ls_trace *t, ls_error *err);
/* The view's metrics: row `row` of t (row < t->nrows); replay_row/replay_rows set. */
void ls_replay_row(ls_view *v, const ls_trace *t, size_t row);
/* The last event recorded at or before row (NULL when none). */
const ls_trace_event *ls_replay_event(const ls_trace *t, size_t row);

#endif
