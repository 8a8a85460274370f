/* replay_view.c — a trace as views for the panels, and the replay cursor (see
 * replay_view.h). */
#include "replay_view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t ls_replay_jump(size_t nrows)
{
	size_t j = nrows / 20;
	return j ? j : 1;
}

size_t ls_replay_cursor(size_t row, size_t nrows, ls_replay_move mv)
{
	if (nrows == 0)
		return 0;
	if (row >= nrows)
		row = nrows - 1;
	size_t j = ls_replay_jump(nrows);
	switch (mv) {
	case LS_REPLAY_ROW_BACK:
		return row ? row - 1 : 0;
	case LS_REPLAY_ROW_NEXT:
		return row + 1 < nrows ? row + 1 : nrows - 1;
	case LS_REPLAY_JUMP_BACK:
		return row > j ? row - j : 0;
	case LS_REPLAY_JUMP_NEXT:
		return row + j < nrows ? row + j : nrows - 1;
	case LS_REPLAY_FIRST:
		return 0;
	case LS_REPLAY_LAST:
		return nrows - 1;
	}
	return row;
}

/* The value of the named column in row r, NaN when the trace lacks it. */
static double cell(const ls_trace *t, long col, size_t r)
{
	return col < 0 ? NAN : t->data[r * t->ncols + (size_t)col];
}

ls_status ls_replay_history(ls_view *v, const ls_trace *t, ls_error *err)
{
	v->cfg = t->cfg;
	v->replay = true;
	v->replay_rows = t->nrows;
	ls_history *h = &v->h;
	ls_history_free(h);
	/* At most LS_HISTORY_MAX points (the panels' scratch): every k-th row, k making
	 * ⌈nrows/k⌉ ≤ LS_HISTORY_MAX − 1, and the last row. */
	size_t every = 1;
	if (t->nrows > LS_HISTORY_MAX)
		every = (t->nrows + LS_HISTORY_MAX - 2) / (LS_HISTORY_MAX - 1);
	size_t cap = (t->nrows + every - 1) / every + 1;
	h->step = malloc(cap * sizeof(long));
	bool ok = h->step != NULL;
#define LS_RP_ALLOC(f, npy_col)              \
	h->f = malloc(cap * sizeof(double)); \
	ok = ok && h->f;
	LS_HISTORY_SERIES(LS_RP_ALLOC)
#undef LS_RP_ALLOC
	if (!ok) {
		ls_history_free(h);
		return ls_error_set(err, LS_ENOMEM, "replay: out of memory");
	}
	h->cap = cap;
	h->stride = (long)every;
	long cstep = ls_trace_column_index(t, "step");
#define LS_RP_COL(f, npy_col) long c_##f = ls_trace_column_index(t, #f);
	LS_HISTORY_SERIES(LS_RP_COL)
#undef LS_RP_COL
	size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		if (r % every != 0 && r + 1 != t->nrows)
			continue;
		double st = cell(t, cstep, r);
		h->step[n] = isfinite(st) ? (long)st : (long)r;
#define LS_RP_SET(f, npy_col) h->f[n] = cell(t, c_##f, r);
		LS_HISTORY_SERIES(LS_RP_SET)
#undef LS_RP_SET
		n++;
	}
	h->len = n;
	return LS_OK;
}

/* Whether the trace's row has any of the factor series, whose columns col holds in
 * LS_HISTORY_FACTOR_SERIES order (-1: absent); a history trace has them on their cadence,
 * NaN between. */
static bool row_has_factors(const ls_trace *t, const long *col, size_t row)
{
	bool any = false;
	for (size_t k = 0; k < LS_HISTORY_NFACTOR; k++)
		any = any || !isnan(cell(t, col[k], row));
	return any;
}

/* A row without the factor series shows those of the last row before it that has them,
 * and says which step they come from (v->replay_factor_step). */
static void factors_from_before(ls_view *v, const ls_trace *t, size_t row)
{
	const long col[LS_HISTORY_NFACTOR] = {
#define LS_RP_COL_OF(f, npy_col) ls_trace_column_index(t, #f),
		LS_HISTORY_FACTOR_SERIES(LS_RP_COL_OF)
#undef LS_RP_COL_OF
	};
	size_t j = row;
	while (j > 0 && !row_has_factors(t, col, j))
		j--;
	if (!row_has_factors(t, col, j)) {
		v->replay_factor_step = -1;
		return;
	}
	double st = cell(t, ls_trace_column_index(t, "step"), j);
	v->replay_factor_step = isfinite(st) ? (long)st : (long)j;
	if (j == row)
		return;
	size_t k = 0;
#define LS_RP_FACTOR(f, npy_col) v->m.f = cell(t, col[k++], j);
	LS_HISTORY_FACTOR_SERIES(LS_RP_FACTOR)
#undef LS_RP_FACTOR
}

void ls_replay_row(ls_view *v, const ls_trace *t, size_t row)
{
	ls_metrics *m = &v->m;
	m->nmod = 0;
	m->message[0] = '\0';
	for (size_t i = 0; i < ls_trace_ncolumns; i++) {
		const ls_trace_column *c = &ls_trace_columns[i];
		double x = cell(t, ls_trace_column_index(t, c->name), row);
		char *field = (char *)m + c->offset;
		switch (c->type) {
		case LS_TRACE_LONG: {
			long l = isfinite(x) ? (long)x : 0;
			memcpy(field, &l, sizeof l);
			break;
		}
		case LS_TRACE_SIZE: {
			size_t z = isfinite(x) && x >= 0 ? (size_t)x : 0;
			memcpy(field, &z, sizeof z);
			break;
		}
		case LS_TRACE_REAL:
			memcpy(field, &x, sizeof x);
			break;
		}
	}
	if (ls_trace_column_index(t, "step") < 0)
		m->step = (long)row;
	m->diverged = !isfinite(m->loss) && ls_trace_column_index(t, "loss") >= 0;
	factors_from_before(v, t, row);
	v->replay_row = row;
	v->replay_rows = t->nrows;
}

const ls_trace_event *ls_replay_event(const ls_trace *t, size_t row)
{
	const ls_trace_event *last = NULL;
	for (size_t i = 0; i < t->nevents; i++)
		if (t->events[i].row <= row + 1)
			last = &t->events[i];
	return last;
}
