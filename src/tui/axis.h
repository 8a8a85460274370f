/* axis.h — plot scales, tick positions and number formatting (pure, no curses).
 *
 * A scale maps data values to a fraction of the plot extent, linearly or on a
 * log10 axis. Log scales fit and draw only finite positive values: zero,
 * negative and non-finite values are reported as not drawable (NaN) instead
 * of producing garbage coordinates. */
#ifndef LORASCOPE_TUI_AXIS_H
#define LORASCOPE_TUI_AXIS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	double lo, hi; /* data range, lo < hi; positive when log */
	int log;       /* 1: log10 axis */
} ls_scale;

/* Start an empty range (ls_scale_add widens it; ls_scale_finish closes it). */
void ls_scale_begin(ls_scale *s, int log);
/* Widen s to include the drawable values among v[0..n) (non-finite values,
 * and values ≤ 0 on a log scale, are skipped). */
void ls_scale_add(ls_scale *s, const double *v, size_t n);
/* Make s usable: an empty range becomes [0, 1] (log: [0.1, 10]); a zero-width
 * range is widened around its value; linear ranges get a little headroom (never across
 * 0: values all ≥ 0 start at 0, all ≤ 0 end at 0) and log
 * ranges are rounded out to whole decades when they span at least one. */
void ls_scale_finish(ls_scale *s);
/* A log range kept to at most 15 decades below its top (LS_SCALE_SPAN = 1e-15: a floor of
 * 1e-30 must not flatten the curves); call before ls_scale_finish. */
#define LS_SCALE_SPAN 1e-15
void ls_scale_limit_decades(ls_scale *s);
/* The fraction of the extent at which v lies (0 at lo, 1 at hi, outside [0,1] when v
 * is outside the range), or NaN when v is not drawable on s. */
double ls_scale_frac(const ls_scale *s, double v);
/* The value at fraction f of the extent (inverse of ls_scale_frac). */
double ls_scale_value(const ls_scale *s, double f);

/* Up to max round tick values inside [lo, hi] in increasing order, the densest round set
 * that fits: multiples of a step of 1, 2 or 5 × 10^k; on a log scale 1, 2 and 5 × 10^k, or
 * powers of ten, or every k-th power of ten (a log range under half a decade takes linear
 * steps). Returns the count (at least 2 when max ≥ 2: the ends are used if nothing
 * rounder fits). */
int ls_axis_ticks(const ls_scale *s, double *ticks, int max);
/* The same round sets, with s widened to the nearest round values outside it so that its
 * ends are ticks: at least 3 ticks whenever max ≥ 5 (the y axes: lo and hi labelled, never
 * two non-round ends). Returns the count of ticks written. */
int ls_axis_nice(ls_scale *s, double *ticks, int max);

/* The x scale of a plot over steps[0..n): linear, or log10 of step + 1 once the run spans
 * more than two decades (so the first steps stay visible in a long run). */
ls_scale ls_steps_scale(const long *steps, size_t n);
/* Fraction of a step on that scale. */
double ls_steps_frac(const ls_scale *xs, long step);
/* The loss panel's log y scale (the TUI's and the figure's): g and f over the n points of
 * loss and reg_loss, and the nmarks levels marks (f(X*), the floor); a diverged run's
 * blow-up leaves at the top (the scale ends at 10⁶ times the starting loss, *clipped then
 * true), at most LS_SCALE_SPAN decades below its top. */
ls_scale ls_loss_scale(const double *loss, const double *reg_loss, size_t n, const double *marks,
		       size_t nmarks, bool diverged, bool *clipped);

/* Format v into at most width characters where possible (width ≥ 4): plain decimals
 * when they fit, otherwise mantissa-exponent ("1.5e-3", the shortest form being e.g.
 * "-2e-300"); "n/a" for NaN (not a number a person should read), "inf", "-inf". */
void ls_axis_format(double v, int width, char *buf, size_t len);

#endif
