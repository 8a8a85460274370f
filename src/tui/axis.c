/* axis.c — linear and log scales, nice ticks, compact numbers (see axis.h). */
#include "axis.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int drawable(const ls_scale *s, double v)
{
	return isfinite(v) && (!s->log || v > 0);
}

void ls_scale_begin(ls_scale *s, int log)
{
	s->lo = INFINITY;
	s->hi = -INFINITY;
	s->log = log;
}

void ls_scale_add(ls_scale *s, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!drawable(s, v[i]))
			continue;
		if (v[i] < s->lo)
			s->lo = v[i];
		if (v[i] > s->hi)
			s->hi = v[i];
	}
}

void ls_scale_finish(ls_scale *s)
{
	if (!(s->lo <= s->hi)) {
		s->lo = s->log ? 0.1 : 0.0;
		s->hi = s->log ? 10.0 : 1.0;
		return;
	}
	if (s->log) {
		double a = log10(s->lo), b = log10(s->hi);
		if (b - a < 1e-9) {
			a -= 0.5;
			b += 0.5;
		} else if (b - a >= 1.0) {
			a = floor(a);
			b = ceil(b);
		} else {
			double pad = 0.05 * (b - a);
			a -= pad;
			b += pad;
		}
		/* Keep within the doubles' range. */
		if (a < -300)
			a = -300;
		if (b > 300)
			b = 300;
		if (b <= a)
			b = a + 1;
		s->lo = pow(10.0, a);
		s->hi = pow(10.0, b);
		return;
	}
	double w = s->hi - s->lo;
	if (!(w > 1e-12 * fmax(fabs(s->lo), fabs(s->hi))) || w == 0) {
		double pad = s->lo == 0 ? 1.0 : 0.5 * fabs(s->lo);
		s->lo -= pad;
		s->hi += pad;
		return;
	}
	/* Headroom, but not across 0: values all ≥ 0 (a learning rate decaying to 0) are
	 * drawn from 0, not from a negative tick; values all ≤ 0 likewise up to 0. */
	double lo = s->lo - 0.05 * w, hi = s->hi + 0.05 * w;
	s->lo = s->lo >= 0 && lo < 0 ? 0 : lo;
	s->hi = s->hi <= 0 && hi > 0 ? 0 : hi;
}

double ls_scale_frac(const ls_scale *s, double v)
{
	if (!drawable(s, v))
		return NAN;
	if (s->log)
		return (log10(v) - log10(s->lo)) / (log10(s->hi) - log10(s->lo));
	return (v - s->lo) / (s->hi - s->lo);
}

double ls_scale_value(const ls_scale *s, double f)
{
	if (s->log) {
		double a = log10(s->lo), b = log10(s->hi);
		return pow(10.0, a + f * (b - a));
	}
	return s->lo + f * (s->hi - s->lo);
}

/* A set of round values: multiples of step (LIN), 1, 2, 5 × 10^k (L125), or 10^(j·k)
 * (DEC). Comparisons allow a relative 1e-9 so that 3 × 0.1 counts as 0.3. */
enum { LIN, L125, DEC };
typedef struct {
	int kind;
	double step; /* LIN */
	int j;       /* DEC */
} grid;

#define EPS 1e-9

/* The tolerance of a multiple q of a step: EPS, and the rounding of large q. */
static double lin_tol(double q)
{
	return EPS + 1e-12 * fabs(q);
}

static const double mant[] = { 1, 2, 5, 10 };

/* The largest grid value ≤ v (L125, DEC: v > 0). */
static double grid_le(const grid *g, double v)
{
	if (g->kind == LIN)
		return floor(v / g->step + lin_tol(v / g->step)) * g->step;
	double e = floor(log10(v) + EPS);
	if (g->kind == DEC)
		return pow(10.0, g->j * floor(e / g->j + EPS));
	double best = pow(10.0, e - 1) * 5;
	for (int i = 0; i < 4; i++)
		if (mant[i] * pow(10.0, e) <= v * (1 + EPS))
			best = mant[i] * pow(10.0, e);
	return best;
}

/* The smallest grid value ≥ v. */
static double grid_ge(const grid *g, double v)
{
	if (g->kind == LIN)
		return ceil(v / g->step - lin_tol(v / g->step)) * g->step;
	double e = floor(log10(v) + EPS);
	if (g->kind == DEC)
		return pow(10.0, g->j * ceil(log10(v) / g->j - EPS));
	for (int i = 0; i < 4; i++)
		if (mant[i] * pow(10.0, e) >= v * (1 - EPS))
			return mant[i] * pow(10.0, e);
	return pow(10.0, e + 1);
}

/* The grid value after grid value v. */
static double grid_after(const grid *g, double v)
{
	if (g->kind == LIN)
		return (round(v / g->step) + 1) * g->step;
	if (g->kind == DEC)
		return pow(10.0, g->j * (round(log10(v) / g->j) + 1));
	double e = floor(log10(v * (1 + EPS)));
	double m = v / pow(10.0, e);
	return (m < 1.5 ? 2 : m < 3.5 ? 5 : 10) * pow(10.0, e);
}

/* The grid values in [x, y] into ticks (up to max); returns how many there are, counting
 * up to max + 1 (more than fit). */
static int grid_ticks(const grid *g, double x, double y, double *ticks, int max)
{
	int n = 0;
	double t = grid_ge(g, x);
	double tol = g->kind == LIN ? lin_tol(y / g->step) * g->step : EPS * fabs(y);
	while (isfinite(t) && t <= y + tol && n <= max) {
		if (n < max)
			ticks[n] = g->kind == LIN && fabs(t) < EPS * g->step ? 0.0 : t;
		n++;
		double next = grid_after(g, t);
		if (!(next > t))
			break;
		t = next;
	}
	return n;
}

/* Candidate grid i for s, densest first; false past the last. */
static bool grid_candidate(const ls_scale *s, int max, int i, grid *g)
{
	double span = s->hi - s->lo;
	bool narrow = !s->log || log10(s->hi / s->lo) < 0.5;
	int nlin = narrow ? 60 : 0;
	if (i < nlin) {
		/* Steps from a tenth of span/max up: 1, 2, 5 × 10^k. */
		int e0 = (int)floor(log10(span / (max > 1 ? max : 1))) - 1;
		g->kind = LIN;
		g->step = mant[i % 3] * pow(10.0, e0 + i / 3);
		return g->step > 0 && isfinite(g->step);
	}
	if (!s->log)
		return false;
	i -= nlin;
	if (i == 0) {
		g->kind = L125;
		return true;
	}
	g->kind = DEC;
	g->j = i;
	return i <= 700;
}

/* Snap mode, many decades: s widened to whole decades, ticks at every j-th one from the
 * bottom (j as small as fits) with the top one always (powers of ten all, so the range is
 * not stretched to a multiple of j decades). */
static int decades(ls_scale *s, double *ticks, int max)
{
	int a = (int)floor(log10(s->lo) + EPS), b = (int)ceil(log10(s->hi) - EPS);
	if (b <= a)
		b = a + 1;
	int d = b - a, j = 1;
	while (d / j + 1 + (d % j != 0) > max && j < d)
		j++;
	int n = 0;
	for (int e = a; e < b && n < max - 1; e += j)
		ticks[n++] = pow(10.0, e);
	/* The top; a tick closer to it than half a step gives way. */
	if (n > 1 && b - (a + (n - 1) * j) < (j + 1) / 2)
		n--;
	ticks[n++] = pow(10.0, b);
	s->lo = pow(10.0, a);
	s->hi = pow(10.0, b);
	return n;
}

/* The densest grid with at most max ticks, inside s (snap false) or with s widened to
 * grid values (snap true); ticks written, count returned (0: none found). */
static int pick(ls_scale *s, double *ticks, int max, bool snap)
{
	double span = s->hi - s->lo;
	if (!(span > 0) || !isfinite(span) || (s->log && !(s->lo > 0)))
		return 0;
	grid g;
	for (int i = 0; grid_candidate(s, max, i, &g); i++) {
		if (g.kind == LIN && !(g.step > 0 && isfinite(g.step)))
			continue;
		double lo = s->lo, hi = s->hi;
		if (snap && g.kind == DEC && g.j > 1)
			return decades(s, ticks, max);
		if (snap) {
			lo = grid_le(&g, s->lo);
			hi = grid_ge(&g, s->hi);
			if (!isfinite(lo) || !isfinite(hi) || (s->log && !(lo > 0)) || !(hi > lo))
				continue;
		}
		int n = grid_ticks(&g, lo, hi, ticks, max);
		if (n > max || n == 0)
			continue;
		if (snap) {
			s->lo = lo;
			s->hi = hi;
		}
		return n;
	}
	return 0;
}

int ls_axis_ticks(const ls_scale *s, double *ticks, int max)
{
	if (max <= 0)
		return 0;
	ls_scale c = *s;
	int n = pick(&c, ticks, max, false);
	if (n < 2 && max >= 2) {
		ticks[0] = s->lo;
		ticks[1] = s->hi;
		n = 2;
	}
	return n;
}

int ls_axis_nice(ls_scale *s, double *ticks, int max)
{
	if (max <= 0)
		return 0;
	int n = pick(s, ticks, max, true);
	return n ? n : ls_axis_ticks(s, ticks, max);
}

void ls_axis_format(double v, int width, char *buf, size_t len)
{
	if (width < 4)
		width = 4;
	if ((size_t)width >= len)
		width = (int)len - 1;
	if (isnan(v)) { /* not a number a person should read: not available */
		snprintf(buf, len, "n/a");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "inf" : "-inf");
		return;
	}
	double a = fabs(v);
	/* Plain decimals for moderate magnitudes, up to 4 significant digits, as many
	 * as fit. */
	if (v == 0 || (a >= 1e-3 && a < 1e6)) {
		int maxdec = v == 0 ? 0 : 3 - (int)floor(log10(a));
		if (maxdec < 0)
			maxdec = 0;
		for (int prec = maxdec; prec >= 0; prec--) {
			char tmp[64];
			snprintf(tmp, sizeof tmp, "%.*f", prec, v);
			/* Trim trailing zeros of the fraction. */
			if (strchr(tmp, '.')) {
				size_t l = strlen(tmp);
				while (l > 0 && tmp[l - 1] == '0')
					tmp[--l] = '\0';
				if (l > 0 && tmp[l - 1] == '.')
					tmp[--l] = '\0';
			}
			if (strcmp(tmp, "-0") == 0)
				strcpy(tmp, "0");
			/* Refuse a rounding that lost the value entirely. */
			if (strcmp(tmp, "0") == 0 && v != 0)
				break;
			if ((int)strlen(tmp) <= width) {
				snprintf(buf, len, "%s", tmp);
				return;
			}
		}
	}
	/* Mantissa-exponent, compact exponent ("1.5e-3"). */
	for (int prec = 2; prec >= 0; prec--) {
		char tmp[64];
		int e = (int)floor(log10(a));
		double m = v / pow(10.0, e);
		double q = pow(10.0, prec);
		if (fabs(round(m * q) / q) >= 10) {
			e++;
			m = v / pow(10.0, e);
		}
		snprintf(tmp, sizeof tmp, "%.*f", prec, m);
		/* Trim the mantissa's trailing zeros ("1.50" → "1.5", "1.00" → "1"). */
		if (strchr(tmp, '.')) {
			size_t l = strlen(tmp);
			while (tmp[l - 1] == '0')
				tmp[--l] = '\0';
			if (tmp[l - 1] == '.')
				tmp[--l] = '\0';
		}
		snprintf(tmp + strlen(tmp), sizeof tmp - strlen(tmp), "e%d", e);
		if ((int)strlen(tmp) <= width || prec == 0) {
			snprintf(buf, len, "%s", tmp);
			return;
		}
	}
}

ls_scale ls_steps_scale(const long *steps, size_t n)
{
	double x0 = n ? (double)steps[0] : 0, x1 = n ? (double)steps[n - 1] : 1;
	if (x1 <= x0)
		x1 = x0 + 1;
	ls_scale xs = { x0, x1, 0 };
	if (x1 + 1 > 100 * (x0 + 1)) {
		xs.lo = x0 + 1;
		xs.hi = x1 + 1;
		xs.log = 1;
	}
	return xs;
}

double ls_steps_frac(const ls_scale *xs, long step)
{
	return ls_scale_frac(xs, xs->log ? (double)step + 1 : (double)step);
}

void ls_scale_limit_decades(ls_scale *s)
{
	if (s->hi >= s->lo && s->lo < s->hi * LS_SCALE_SPAN)
		s->lo = s->hi * LS_SCALE_SPAN;
}

ls_scale ls_loss_scale(const double *loss, const double *reg_loss, size_t n, const double *marks,
		       size_t nmarks, bool diverged, bool *clipped)
{
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	ls_scale_add(&ys, loss, n);
	ls_scale_add(&ys, reg_loss, n);
	ls_scale_add(&ys, marks, nmarks);
	/* A diverged run climbs to 1e300: keep the training before it on the axis (up to a
	 * million times the starting loss) and let the blow-up leave at the top. */
	double cap = n ? 1e6 * fmax(loss[0], reg_loss[0]) : NAN;
	*clipped = diverged && isfinite(cap) && cap > 0 && ys.hi > cap;
	if (*clipped)
		ys.hi = cap;
	ls_scale_limit_decades(&ys);
	ls_scale_finish(&ys);
	return ys;
}
