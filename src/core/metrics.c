/* metrics.c — storage of the per-step metrics and the decimating history (deep copies included). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/metrics.h"

void ls_metrics_free(ls_metrics *m)
{
	for (size_t k = 0; k < LS_MAX_MODULES; k++)
		free(m->mod[k].sigma);
	memset(m, 0, sizeof *m);
}

ls_status ls_metrics_reserve(ls_metrics *m, size_t k, size_t n, ls_error *err)
{
	ls_module_metrics *mm = &m->mod[k];
	if (n <= mm->sigma_cap && mm->sigma)
		return LS_OK;
	double *p = realloc(mm->sigma, (n ? n : 1) * sizeof(double));
	if (!p)
		return ls_error_set(err, LS_ENOMEM, "metrics: %zu singular values", n);
	mm->sigma = p;
	mm->sigma_cap = n ? n : 1;
	return LS_OK;
}

ls_status ls_metrics_copy(ls_metrics *dst, const ls_metrics *src, ls_error *err)
{
	double *keep[LS_MAX_MODULES];
	size_t cap[LS_MAX_MODULES];
	for (size_t k = 0; k < LS_MAX_MODULES; k++) {
		ls_status st = ls_metrics_reserve(dst, k, src->mod[k].nsigma, err);
		if (st != LS_OK)
			return st;
		keep[k] = dst->mod[k].sigma;
		cap[k] = dst->mod[k].sigma_cap;
	}
	*dst = *src;
	for (size_t k = 0; k < LS_MAX_MODULES; k++) {
		dst->mod[k].sigma = keep[k];
		dst->mod[k].sigma_cap = cap[k];
		if (src->mod[k].nsigma)
			memcpy(keep[k], src->mod[k].sigma, src->mod[k].nsigma * sizeof(double));
	}
	return LS_OK;
}

void ls_history_init(ls_history *h)
{
	memset(h, 0, sizeof *h);
	h->stride = 1;
}

void ls_history_free(ls_history *h)
{
	free(h->step);
#define LS_H_FREE(f, npy_col) free(h->f);
	LS_HISTORY_SERIES(LS_H_FREE)
#undef LS_H_FREE
	ls_history_init(h);
}

void ls_history_clear(ls_history *h)
{
	h->len = 0;
	h->stride = 1;
}

static ls_status grow(ls_history *h, size_t cap, ls_error *err)
{
	if (cap <= h->cap)
		return LS_OK;
	long *st = realloc(h->step, cap * sizeof(long));
	if (!st)
		return ls_error_set(err, LS_ENOMEM, "history of %zu points", cap);
	h->step = st;
#define LS_H_GROW(f, npy_col)                                                              \
	{                                                                                  \
		double *p_ = realloc(h->f, cap * sizeof(double));                          \
		if (!p_)                                                                   \
			return ls_error_set(err, LS_ENOMEM, "history of %zu points", cap); \
		h->f = p_;                                                                 \
	}
	LS_HISTORY_SERIES(LS_H_GROW)
#undef LS_H_GROW
	h->cap = cap;
	return LS_OK;
}

/* Keep every other point (those on the doubled stride). */
static void decimate(ls_history *h)
{
	long stride = h->stride * 2;
	size_t out = 0;
	for (size_t i = 0; i < h->len; i++) {
		if (h->step[i] % stride != 0)
			continue;
		h->step[out] = h->step[i];
#define LS_H_MOVE(f, npy_col) h->f[out] = h->f[i];
		LS_HISTORY_SERIES(LS_H_MOVE)
#undef LS_H_MOVE
		out++;
	}
	h->len = out;
	h->stride = stride;
}

/* The stride ls_history_push records step with: doubled first when the history is full. */
static long point_stride(const ls_history *h)
{
	long stride = h->stride < 1 ? 1 : h->stride;
	return h->len < LS_HISTORY_MAX ? stride : 2 * stride;
}

bool ls_history_wants(const ls_history *h, long step)
{
	return step % point_stride(h) == 0;
}

bool ls_history_wants_factors(const ls_history *h, long step)
{
	if (!ls_history_wants(h, step))
		return false;
	/* Counted in points: every point, then LS_HISTORY_FACTOR_DENSE an octave, then every
	 * LS_HISTORY_FACTOR_EVERY-th (a power of 2, as the spacing). */
	long p = step / point_stride(h), every = 1;
	while (every < LS_HISTORY_FACTOR_EVERY && 2 * every * LS_HISTORY_FACTOR_DENSE <= p)
		every *= 2;
	return p % every == 0;
}

bool ls_history_has_factors(const ls_history *h, size_t i)
{
	bool any = false;
#define LS_H_ANY(f, npy_col) any = any || !isnan(h->f[i]);
	LS_HISTORY_FACTOR_SERIES(LS_H_ANY)
#undef LS_H_ANY
	return any;
}

ls_status ls_history_push(ls_history *h, const ls_metrics *m, bool factors, ls_error *err)
{
	if (h->stride < 1)
		h->stride = 1;
	if (m->step % h->stride != 0)
		return LS_OK;
	if (h->len == LS_HISTORY_MAX) {
		decimate(h);
		if (m->step % h->stride != 0)
			return LS_OK;
	}
	if (h->len == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 256;
		ls_status st = grow(h, cap < LS_HISTORY_MAX ? cap : LS_HISTORY_MAX, err);
		if (st != LS_OK)
			return st;
	}
	size_t i = h->len++;
	h->step[i] = m->step;
#define LS_H_SET(f, npy_col) h->f[i] = m->f;
	LS_HISTORY_STEP_SERIES(LS_H_SET)
#undef LS_H_SET
#define LS_H_SET_FACTOR(f, npy_col) h->f[i] = factors ? m->f : NAN;
	LS_HISTORY_FACTOR_SERIES(LS_H_SET_FACTOR)
#undef LS_H_SET_FACTOR
	return LS_OK;
}

ls_status ls_history_copy(ls_history *dst, const ls_history *src, ls_error *err)
{
	ls_status st = grow(dst, src->len, err);
	if (st != LS_OK)
		return st;
	dst->len = src->len;
	dst->stride = src->stride;
	if (src->len == 0)
		return LS_OK;
	memcpy(dst->step, src->step, src->len * sizeof(long));
#define LS_H_COPY(f, npy_col) memcpy(dst->f, src->f, src->len * sizeof(double));
	LS_HISTORY_SERIES(LS_H_COPY)
#undef LS_H_COPY
	return LS_OK;
}
