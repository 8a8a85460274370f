/* axis.c — linear and log scales, nice ticks, compact numbers (see axis.h). */
#include "axis.h"

#include <math.h>
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
	s->lo -= 0.05 * w;
	s->hi += 0.05 * w;
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

static double nice_step(double span, int max)
{
	double raw = span / (max > 1 ? max - 1 : 1);
	double p = pow(10.0, floor(log10(raw)));
	double m = raw / p;
	double step = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
	return step * p;
}

int ls_axis_ticks(const ls_scale *s, double *ticks, int max)
{
	if (max <= 0)
		return 0;
	int n = 0;
	if (s->log) {
		double a = log10(s->lo), b = log10(s->hi);
		if (b - a >= 1.0 - 1e-9) {
			/* Whole decades; every k-th one when there are many. */
			int first = (int)ceil(a - 1e-9), last = (int)floor(b + 1e-9);
			int k = 1;
			while ((last - first) / k + 1 > max)
				k++;
			for (int e = first; e <= last && n < max; e += k)
				ticks[n++] = pow(10.0, e);
		}
	} else {
		double span = s->hi - s->lo;
		if (span > 0 && isfinite(span)) {
			double step = nice_step(span, max);
			double t = ceil(s->lo / step - 1e-9) * step;
			for (; t <= s->hi + 1e-9 * step && n < max; t += step)
				ticks[n++] = fabs(t) < 1e-12 * step ? 0.0 : t;
		}
	}
	if (n < 2 && max >= 2) {
		ticks[0] = s->lo;
		ticks[1] = s->hi;
		n = 2;
	}
	return n;
}

void ls_axis_format(double v, int width, char *buf, size_t len)
{
	if (width < 4)
		width = 4;
	if ((size_t)width >= len)
		width = (int)len - 1;
	if (isnan(v)) {
		snprintf(buf, len, "nan");
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
