/* stats.c — percentiles of frame and key-latency samples (see stats.h). */
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void ls_stats_init(ls_stats *s)
{
	s->frame = malloc(LS_STATS_MAX * sizeof(double));
	s->key = malloc(LS_STATS_MAX * sizeof(double));
	s->applied = malloc(LS_STATS_MAX * sizeof(double));
	s->nframe = s->nkey = s->napplied = 0;
	s->first = NAN;
	s->ready = NAN;
}

void ls_stats_free(ls_stats *s)
{
	free(s->frame);
	free(s->key);
	free(s->applied);
	s->frame = s->key = s->applied = NULL;
}

void ls_stats_frame(ls_stats *s, double seconds)
{
	if (s->frame && s->nframe < LS_STATS_MAX)
		s->frame[s->nframe++] = seconds;
}

void ls_stats_key(ls_stats *s, double seconds)
{
	if (s->key && s->nkey < LS_STATS_MAX)
		s->key[s->nkey++] = seconds;
}

void ls_stats_applied(ls_stats *s, double seconds)
{
	if (s->applied && s->napplied < LS_STATS_MAX)
		s->applied[s->napplied++] = seconds;
}

void ls_stats_wait_key(ls_stats_wait *w, double t, unsigned long seq, bool ahead)
{
	if (w->n >= LS_STATS_WAIT_MAX)
		return;
	w->t[w->n] = t;
	w->seq[w->n] = seq;
	w->ahead[w->n] = ahead;
	w->keyed[w->n] = false;
	w->n++;
}

bool ls_stats_wait_acked(const ls_stats_wait *w, unsigned long applied)
{
	for (int i = 0; i < w->n; i++)
		if (w->seq[i] && w->seq[i] <= applied)
			return true;
	return false;
}

void ls_stats_wait_frame(ls_stats *s, ls_stats_wait *w, double t, unsigned long applied)
{
	int keep = 0;
	for (int i = 0; i < w->n; i++) {
		bool done = w->seq[i] == 0 || w->seq[i] <= applied;
		if (!w->keyed[i] && (done || w->ahead[i])) {
			ls_stats_key(s, t - w->t[i]);
			w->keyed[i] = true;
		}
		if (w->seq[i] && w->seq[i] <= applied)
			ls_stats_applied(s, t - w->t[i]);
		if (done)
			continue;
		w->t[keep] = w->t[i];
		w->seq[keep] = w->seq[i];
		w->ahead[keep] = w->ahead[i];
		w->keyed[keep] = w->keyed[i];
		keep++;
	}
	w->n = keep;
}

void ls_stats_first(ls_stats *s, double seconds, bool ready)
{
	if (isnan(s->first))
		s->first = seconds;
	if (ready && isnan(s->ready))
		s->ready = seconds;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double ls_stats_quantile(double *x, size_t n, double q)
{
	if (n == 0)
		return NAN;
	qsort(x, n, sizeof(double), cmp);
	size_t k = (size_t)ceil(q * (double)n);
	return x[k == 0 ? 0 : k - 1];
}

static void line(FILE *f, const char *what, double *x, size_t n)
{
	double p50 = ls_stats_quantile(x, n, 0.50), p95 = ls_stats_quantile(x, n, 0.95);
	double mx = ls_stats_quantile(x, n, 1.0);
	fprintf(f, "%s %zu ms p50 %.3f p95 %.3f max %.3f\n", what, n, 1e3 * p50, 1e3 * p95,
		1e3 * mx);
}

int ls_stats_write(ls_stats *s, const char *path, int cols, int lines)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "size %dx%d\n", cols, lines);
	line(f, "frames", s->frame, s->frame ? s->nframe : 0);
	line(f, "keys", s->key, s->key ? s->nkey : 0);
	line(f, "applied", s->applied, s->applied ? s->napplied : 0);
	fprintf(f, "first-frame ms %.1f\n", 1e3 * s->first);
	fprintf(f, "ready-frame ms %.1f\n", 1e3 * s->ready);
	return fclose(f) == 0 ? 0 : -1;
}
