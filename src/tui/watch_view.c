/* watch_view.c — the watch screen's layout, table texts, rule and selection (pure; see
 * watch_view.h). */
#include "watch_view.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "axis.h"
#include "lorascope/adapter.h"

static ls_rect rect(int y, int x, int h, int w)
{
	ls_rect r = { y, x, h, w };
	return r;
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void ls_watch_layout_compute(int cols, int lines, ls_watch_layout *L)
{
	memset(L, 0, sizeof *L);
	L->cols = cols;
	L->lines = lines;
	if (cols < LS_WATCH_MIN_W || lines < LS_WATCH_MIN_H) {
		L->too_small = 1;
		return;
	}
	L->r[LS_WP_HEADER] = rect(0, 0, 1, cols);
	L->r[LS_WP_STATUS] = rect(lines - 1, 0, 1, cols);
	/* The rule wrapped at the width (its ASCII form takes as many columns as its UTF-8
	 * one), at most LS_WATCH_RULE_MAX_H rows. */
	char rule[600];
	ls_watch_rule_text(false, rule, sizeof rule);
	int rule_h = clampi(ls_text_lines(rule, cols - 1), 1, LS_WATCH_RULE_MAX_H);
	L->r[LS_WP_RULE] = rect(lines - 1 - rule_h, 0, rule_h, cols);
	int body_y = 1, body_h = lines - 2 - rule_h;
	/* The curves take two fifths of the body, the table and σ plots the rest. */
	int curve_h = clampi(body_h * 2 / 5, LS_PLOT_MIN_H + 1, body_h - 2 * LS_PLOT_MIN_H);
	L->ncurves = cols >= 3 * LS_WATCH_CURVE_MIN_W   ? 3
		     : cols >= 2 * LS_WATCH_CURVE_MIN_W ? 2
							: 1;
	int x = 0;
	for (int i = 0; i < L->ncurves; i++) {
		int w = i == L->ncurves - 1 ? cols - x : cols / L->ncurves;
		L->r[LS_WP_LOSS + i] = rect(body_y, x, curve_h, w);
		x += w;
	}
	int mid_y = body_y + curve_h, mid_h = body_h - curve_h;
	int side_w = clampi(cols * 2 / 5, LS_SIDE_MIN_W + 2, 64);
	int bars_h = mid_h / 2;
	L->r[LS_WP_TABLE] = rect(mid_y, 0, mid_h, cols - side_w);
	L->r[LS_WP_BARS] = rect(mid_y, cols - side_w, bars_h, side_w);
	L->r[LS_WP_PATHS] = rect(mid_y + bars_h, cols - side_w, mid_h - bars_h, side_w);
}

int ls_watch_table_rows(const ls_watch_layout *L)
{
	/* Borders (2), the heading and the selected module's drift line. */
	int rows = L->r[LS_WP_TABLE].h - 4;
	return rows > 0 ? rows : 0;
}

static const struct {
	const char *u, *a;
	int w;
} cols_info[LS_WC_COUNT] = {
#define LS_WATCH_COL_INFO(id, u, a, w) [LS_WC_##id] = { u, a, w },
	LS_WATCH_COL_LIST(LS_WATCH_COL_INFO)
#undef LS_WATCH_COL_INFO
};

void ls_watch_table_cols(int width, int w[LS_WC_COUNT])
{
	static const ls_watch_col prio[] = { LS_WC_FLAGS, LS_WC_FRO,   LS_WC_DRIFT,
					     LS_WC_SRANK, LS_WC_ERANK, LS_WC_ANGLE };
	for (int c = 0; c < LS_WC_COUNT; c++)
		w[c] = 0;
	w[LS_WC_NAME] = cols_info[LS_WC_NAME].w;
	int used = w[LS_WC_NAME];
	for (size_t i = 0; i < sizeof prio / sizeof prio[0]; i++) {
		int need = cols_info[prio[i]].w + 1;
		if (used + need > width)
			break;
		w[prio[i]] = cols_info[prio[i]].w;
		used += need;
	}
	if (width > used)
		w[LS_WC_NAME] += width - used;
}

/* Append text s padded (or cut) to exactly cols columns, right-aligned when right; a
 * space before it unless first. */
static void put(char *buf, size_t len, size_t *at, const char *s, int cols, bool right, bool first)
{
	char cell[256];
	size_t n = 0;
	int have = 0;
	for (size_t i = 0; s[i] && n + 4 < sizeof cell;) {
		size_t l = 1;
		while (s[i + l] && ((unsigned char)s[i + l] & 0xC0) == 0x80)
			l++;
		char one[8] = { 0 };
		memcpy(one, s + i, l < 7 ? l : 7);
		int c = ls_text_cols(one);
		if (have + c > cols)
			break;
		memcpy(cell + n, s + i, l);
		n += l;
		have += c;
		i += l;
	}
	cell[n] = '\0';
	int pad = cols - have;
	if (*at >= len)
		return;
	int wrote = snprintf(buf + *at, len - *at, "%s%*s%s%*s", first ? "" : " ", right ? pad : 0,
			     "", cell, right ? 0 : pad, "");
	if (wrote > 0)
		*at = *at + (size_t)wrote < len ? *at + (size_t)wrote : len - 1;
}

void ls_watch_table_heading(const int w[LS_WC_COUNT], bool unicode, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (int c = 0; c < LS_WC_COUNT; c++)
		if (w[c] > 0)
			put(buf, len, &at, unicode ? cols_info[c].u : cols_info[c].a, w[c],
			    c != LS_WC_NAME && c != LS_WC_FLAGS, c == LS_WC_NAME);
}

static void number(double v, int width, char *buf, size_t len)
{
	ls_axis_format(v, width, buf, len);
}

void ls_watch_table_row(const int w[LS_WC_COUNT], const char *name, const ls_watch_cell *c,
			bool unicode, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	/* A long name keeps its start and its end (the layer and the projection), '~' for the
	 * middle. */
	char nm[256];
	int wn = w[LS_WC_NAME];
	if (ls_text_cols(name) > wn && wn > 2) {
		int tail = (wn - 1) / 2, head = wn - 1 - tail;
		const char *h = name, *t = name;
		for (int k = 0; k < head && *h; k++)
			do
				h++;
			while (((unsigned char)*h & 0xC0) == 0x80);
		while (ls_text_cols(t) > tail)
			do
				t++;
			while (((unsigned char)*t & 0xC0) == 0x80);
		snprintf(nm, sizeof nm, "%.*s~%s", (int)(h - name), name, t);
	} else {
		snprintf(nm, sizeof nm, "%s", name);
	}
	put(buf, len, &at, nm, w[LS_WC_NAME], false, true);
	if (!c->present) {
		put(buf, len, &at, "(not in this checkpoint)", 200, false, false);
		while (at && buf[at - 1] == ' ')
			buf[--at] = '\0';
		return;
	}
	char t[64];
	if (w[LS_WC_FRO]) {
		number(c->fro, w[LS_WC_FRO], t, sizeof t);
		put(buf, len, &at, t, w[LS_WC_FRO], true, false);
	}
	if (w[LS_WC_SRANK]) {
		number(c->stable_rank, w[LS_WC_SRANK], t, sizeof t);
		put(buf, len, &at, t, w[LS_WC_SRANK], true, false);
	}
	if (w[LS_WC_ERANK]) {
		number(c->effective_rank, w[LS_WC_ERANK], t, sizeof t);
		put(buf, len, &at, t, w[LS_WC_ERANK], true, false);
	}
	int dw = w[LS_WC_DRIFT] + (w[LS_WC_ANGLE] ? w[LS_WC_ANGLE] + 1 : 0);
	if (w[LS_WC_DRIFT] && !isfinite(c->drift)) {
		/* The reason, over the drift and angle columns. */
		put(buf, len, &at, c->drift_why ? c->drift_why : "not defined", dw, false, false);
	} else if (w[LS_WC_DRIFT]) {
		number(c->drift, w[LS_WC_DRIFT], t, sizeof t);
		put(buf, len, &at, t, w[LS_WC_DRIFT], true, false);
		if (w[LS_WC_ANGLE]) {
			char a[32];
			number(c->angle_max, w[LS_WC_ANGLE] - 1, a, sizeof a);
			snprintf(t, sizeof t, "%s%s", a, unicode ? "°" : "");
			put(buf, len, &at, t, w[LS_WC_ANGLE], true, false);
		}
	}
	if (w[LS_WC_FLAGS]) {
		char fl[96];
		ls_adapter_flags_text(c->flags, fl, sizeof fl);
		put(buf, len, &at, fl, w[LS_WC_FLAGS], false, false);
	}
	while (at && buf[at - 1] == ' ')
		buf[--at] = '\0';
}

void ls_watch_drift_text(const ls_watch_cell *c, bool unicode, char *buf, size_t len)
{
	if (!c->present) {
		snprintf(buf, len, "not in this checkpoint");
		return;
	}
	if (!isfinite(c->drift)) {
		snprintf(buf, len, "not defined: %s", c->drift_why ? c->drift_why : "no value");
		return;
	}
	const char *deg = unicode ? "°" : " deg";
	char d[24], a[24];
	number(c->drift, 8, d, sizeof d);
	number(c->angle_max, 6, a, sizeof a);
	int n = snprintf(buf, len, "%s, max angle %s%s", d, a, deg);
	if (n < 0 || (size_t)n >= len || c->nangles == 0)
		return;
	size_t at = (size_t)n;
	const char *lead = ", angles";
	for (size_t i = 0; i < c->nangles; i++) {
		char one[48], v[24];
		number(c->angles[i], 6, v, sizeof v);
		snprintf(one, sizeof one, "%s %s", i ? "" : lead, v);
		if (at + strlen(one) + 1 > len)
			break;
		memcpy(buf + at, one, strlen(one) + 1);
		at += strlen(one);
	}
}

size_t ls_watch_curve_rows(const ls_watch_curves *c, const double *v, size_t *idx)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		bool train = isfinite(c->loss[i]) || isfinite(c->grad_norm[i]) ||
			     isfinite(c->learning_rate[i]);
		if (v == c->eval_loss ? isfinite(v[i]) : train)
			idx[k++] = i;
	}
	return k;
}

void ls_watch_rule_text(bool unicode, char *buf, size_t len)
{
	const char *dot = unicode ? "·" : "*";
	snprintf(buf, len,
		 "loud (a heuristic: the fails-loudly signature): stable rank and %s both > "
		 "max(median + %g%s1.4826%sMAD, %g%smedian) of the finite non-zero modules (at "
		 "least %d); B=0: %s (never trained)",
		 unicode ? "‖ΔW‖F" : "|dW|F", LS_ADAPTER_FAR_K, dot, dot, LS_ADAPTER_FAR_RATIO, dot,
		 LS_ADAPTER_FAR_MIN, ls_adapter_flag_legend[LS_AF_B_ZERO_BIT]);
}

void ls_watch_age_text(double s, char *buf, size_t len)
{
	if (!(s >= 0))
		snprintf(buf, len, "never");
	else if (s < 120)
		snprintf(buf, len, "%.0f s ago", floor(s));
	else if (s < 7200)
		snprintf(buf, len, "%.0f min ago", floor(s / 60));
	else
		snprintf(buf, len, "%.0f h ago", floor(s / 3600));
}

size_t ls_watch_pick_ckpt(const char *const *names, const long *steps, size_t n, const char *was,
			  long was_step, bool follow)
{
	if (n == 0)
		return 0;
	if (follow || !was)
		return n - 1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], was) == 0)
			return i;
	for (size_t i = 0; i < n; i++)
		if (steps[i] > was_step)
			return i;
	return n - 1;
}

size_t ls_watch_pick_module(const char *const *names, size_t n, const char *was, size_t was_index)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; was && i < n; i++)
		if (strcmp(names[i], was) == 0)
			return i;
	return was_index < n ? was_index : n - 1;
}

size_t ls_watch_scroll(size_t top, size_t sel, int rows)
{
	if (rows < 1)
		return sel;
	if (sel < top)
		return sel;
	if (sel >= top + (size_t)rows)
		return sel - (size_t)rows + 1;
	return top;
}
