/* fig_watch.c — a watch directory's model (watch.h) as a figure: the training curves (loss
 * and eval_loss of log_history, log y, against the step), ‖ΔW‖_F across the checkpoints of
 * the FIG_TOP modules largest at the newest checkpoint having them (one line each, with a
 * legend), and the singular values σ(ΔW) of one module at the newest checkpoint having it
 * as bars; drawn with fig_draw.c's frames, axes, series and legends. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fig_priv.h"
#include "lorascope/spectrum.h"

/* Modules drawn in the ‖ΔW‖_F panel, and the curves lending them their colours and line
 * styles (all different, so the lines are told apart in black and white too). */
#define FIG_TOP 5
static const ls_curve top_curves[FIG_TOP] = { LS_CURVE_LOSS_G, LS_CURVE_LOSS_F, LS_CURVE_LOSS_BASE,
					      LS_CURVE_LOSS_FLOW, LS_CURVE_LOSS_FLOOR };

typedef struct {
	const ls_watch *w;
	size_t mod;          /* the module of the σ panel, or SIZE_MAX when none */
	size_t top[FIG_TOP]; /* the modules of the ‖ΔW‖_F panel, largest first */
	int ntop;
} watch_fig;

/* The newest checkpoint having module m, or NULL. */
static const ls_watch_ckpt *newest_with(const ls_watch *w, size_t m)
{
	for (size_t i = ls_watch_nckpt(w); i-- > 0;) {
		const ls_watch_ckpt *c = ls_watch_ckpt_at(w, i);
		if (c->cells[m].present)
			return c;
	}
	return NULL;
}

/* ‖ΔW‖_F of m at the newest checkpoint having it; -1 when none or not finite (last). */
static double last_fro(const ls_watch *w, size_t m)
{
	const ls_watch_ckpt *c = newest_with(w, m);
	return c && isfinite(c->cells[m].fro) ? c->cells[m].fro : -1;
}

/* Keep the n finite points of (x, y) at the front; returns n. */
static size_t finite_pairs(double *x, double *y, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]) && isfinite(y[i]))
			x[k] = x[i], y[k] = y[i], k++;
	return k;
}

/* The x scale over the steps steps[0..n) and their fractions into fx. */
static ls_scale steps_x(const double *steps, size_t n, double *fx)
{
	long *s = calloc(n ? n : 1, sizeof *s);
	ls_scale xs = { 0, 1, 0 };
	if (!s)
		return xs;
	for (size_t i = 0; i < n; i++)
		s[i] = (long)steps[i];
	xs = ls_steps_scale(s, n);
	for (size_t i = 0; i < n; i++)
		fx[i] = ls_steps_frac(&xs, s[i]);
	free(s);
	return xs;
}

static void curves_panel(const ls_fig *f, ls_fig_rect r, const ls_watch *w)
{
	const ls_watch_curves *cv = ls_watch_curves_get(w);
	ls_fig_rect in = ls_fig_box(f, r, "loss, eval_loss (log)");
	size_t n = cv->n;
	double *buf = malloc((n ? n : 1) * 4 * sizeof(double));
	if (!buf)
		return;
	/* Each curve's own entries (a log_history entry has loss or eval_loss, not both). */
	double *lx = buf, *ly = buf + n, *ex = buf + 2 * n, *ey = buf + 3 * n;
	for (size_t i = 0; i < n; i++) {
		lx[i] = ex[i] = cv->step[i];
		ly[i] = cv->loss[i] > 0 ? cv->loss[i] : NAN;
		ey[i] = cv->eval_loss[i] > 0 ? cv->eval_loss[i] : NAN;
	}
	size_t nl = finite_pairs(lx, ly, n), ne = finite_pairs(ex, ey, n);
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	ls_scale_add(&ys, ly, nl);
	ls_scale_add(&ys, ey, ne);
	ls_scale_finish(&ys);
	double *fx = malloc((n ? n : 1) * 2 * sizeof *fx);
	double *all = malloc((n ? n : 1) * 2 * sizeof *all);
	ls_scale xs = { 0, 1, 0 };
	if (fx && all) {
		for (size_t i = 0; i < nl + ne; i++)
			all[i] = i < nl ? lx[i] : ex[i - nl];
		xs = steps_x(all, nl + ne, fx);
	}
	ls_fig_rect c = ls_fig_axes(f, in, &ys, &xs, xs.log ? 1 : 0,
				    xs.log ? "step (log)" : "step");
	if (fx && all && c.w > 0 && c.h > 0) {
		ls_curve ids[2];
		int nid = 0;
		for (int k = 0; k < 2; k++) {
			size_t m = k ? ne : nl;
			double *y = k ? ey : ly;
			for (size_t i = 0; i < m; i++)
				y[i] = ls_scale_frac(&ys, y[i]);
			if (m == 0)
				continue;
			ids[nid++] = k ? LS_CURVE_W_EVAL : LS_CURVE_W_LOSS;
			ls_fig_series(f, c, ids[nid - 1], fx + (k ? nl : 0), y, m);
		}
		if (nid)
			ls_fig_legend(f, c, ids, NULL, nid);
		else
			ls_fig_text(f, c.x + 8 * f->u, c.y + 2 * LS_FIG_FONT * f->u, LS_FIG_FONT,
				    LS_ROLE_LABEL, 0, "(no trainer_state.json with losses)");
	}
	free(all);
	free(fx);
	free(buf);
}

static void norms_panel(const ls_fig *f, ls_fig_rect r, const watch_fig *g)
{
	const ls_watch *w = g->w;
	size_t nc = ls_watch_nckpt(w), nm = ls_watch_nmod(w);
	char title[96];
	if ((size_t)g->ntop < nm)
		snprintf(title, sizeof title, "‖ΔW‖F (log), largest %d of %zu modules", g->ntop,
			 nm);
	else
		snprintf(title, sizeof title, "‖ΔW‖F (log), %zu modules", nm);
	ls_fig_rect in = ls_fig_box(f, r, title);
	double *buf = malloc((nc ? nc : 1) * 3 * sizeof(double));
	if (!buf)
		return;
	/* x: the checkpoints' steps, or their ordinals when one has no step. */
	double *steps = buf, *fx = buf + nc, *fy = buf + 2 * nc;
	bool numbered = true;
	for (size_t i = 0; i < nc; i++)
		numbered = numbered && ls_watch_ckpt_at(w, i)->step >= 0;
	for (size_t i = 0; i < nc; i++)
		steps[i] = numbered ? (double)ls_watch_ckpt_at(w, i)->step : (double)i + 1;
	ls_scale xs = steps_x(steps, nc, fx);
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	for (int t = 0; t < g->ntop; t++)
		for (size_t i = 0; i < nc; i++) {
			const ls_watch_cell *cell = &ls_watch_ckpt_at(w, i)->cells[g->top[t]];
			if (cell->present)
				ls_scale_add(&ys, &cell->fro, 1);
		}
	ls_scale_finish(&ys);
	ls_fig_rect c = ls_fig_axes(f, in, &ys, &xs, xs.log ? 1 : 0,
				    numbered ? (xs.log ? "step (log)" : "step") : "checkpoint");
	if (c.w <= 0 || c.h <= 0) {
		free(buf);
		return;
	}
	const char *names[FIG_TOP];
	for (int t = 0; t < g->ntop; t++) {
		double *x = malloc((nc ? nc : 1) * sizeof *x);
		if (!x)
			break;
		size_t k = 0;
		for (size_t i = 0; i < nc; i++) {
			const ls_watch_cell *cell = &ls_watch_ckpt_at(w, i)->cells[g->top[t]];
			if (cell->present)
				x[k] = fx[i], fy[k++] = ls_scale_frac(&ys, cell->fro);
		}
		ls_fig_series(f, c, top_curves[t], x, fy, k);
		free(x);
		names[t] = ls_watch_module_at(w, g->top[t])->name;
	}
	free(buf);
	if (g->ntop)
		ls_fig_legend(f, c, top_curves, names, g->ntop);
}

static void sigma_panel(const ls_fig *f, ls_fig_rect r, const watch_fig *g)
{
	const ls_watch_ckpt *ck = g->mod == SIZE_MAX ? NULL : newest_with(g->w, g->mod);
	const ls_watch_cell *cell = ck ? &ck->cells[g->mod] : NULL;
	char title[256];
	if (ck)
		snprintf(title, sizeof title, "σ(ΔW) of %s at %s, log",
			 ls_watch_module_at(g->w, g->mod)->name, ck->name);
	else
		snprintf(title, sizeof title, "σ(ΔW)");
	ls_fig_rect in = ls_fig_box(f, r, title);
	size_t k = cell ? cell->k : 0;
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	if (cell)
		ls_scale_add(&ys, cell->sigma, k);
	/* Below the numerical-rank threshold is zero (MATH.md §3): keep the axis above it. */
	if (ys.hi >= ys.lo && ys.lo < ys.hi * LS_RANK_TOL * 0.1)
		ys.lo = ys.hi * LS_RANK_TOL * 0.1;
	ls_scale_finish(&ys);
	ls_fig_rect c = ls_fig_axes(f, in, &ys, NULL, 0, NULL);
	if (c.w <= 0 || c.h <= 0)
		return;
	if (k == 0) {
		ls_fig_text(f, c.x + 8 * f->u, c.y + 2 * LS_FIG_FONT * f->u, LS_FIG_FONT,
			    LS_ROLE_LABEL, 0, "(no checkpoint analysed)");
		return;
	}
	double slot = c.w / (double)k, bw = slot * 0.7;
	ls_fig_color(f, LS_ROLE_XBAR);
	for (size_t i = 0; i < k; i++) {
		double fr = ls_scale_frac(&ys, cell->sigma[i]);
		fr = fr > 1 ? 1 : fr > 0 ? fr : 0.004;
		cairo_rectangle(f->cr, c.x + slot * ((double)i + 0.15), c.y + c.h * (1 - fr), bw,
				c.h * fr);
		cairo_fill(f->cr);
	}
}

/* The curves and ‖ΔW‖_F side by side above, σ(ΔW) below across the figure. */
static void draw_watch(const ls_fig *f, const void *ctx, const ls_fig_opts *o)
{
	const watch_fig *g = ctx;
	double m = 0.02 * fmin(o->width, o->height);
	double left = (o->width - 3 * m) * 0.5, right = o->width - 3 * m - left;
	double top = (o->height - 3 * m) * 0.6, bottom = o->height - 3 * m - top;
	curves_panel(f, (ls_fig_rect){ m, m, left, top }, g->w);
	norms_panel(f, (ls_fig_rect){ 2 * m + left, m, right, top }, g);
	sigma_panel(f, (ls_fig_rect){ m, 2 * m + top, o->width - 2 * m, bottom }, g);
}

ls_status ls_fig_write_watch(const char *path, const ls_watch *w, const char *module,
			     const ls_fig_opts *o, ls_error *err)
{
	watch_fig g = { .w = w, .mod = SIZE_MAX };
	size_t nm = ls_watch_nmod(w);
	if (ls_watch_nckpt(w) == 0 && ls_watch_curves_get(w)->n == 0)
		return ls_error_set(err, LS_EINVAL,
				    "%s: no complete checkpoint and no trainer_state.json to plot",
				    ls_watch_dir(w));
	if (module) {
		for (size_t i = 0; i < nm && g.mod == SIZE_MAX; i++)
			if (strcmp(ls_watch_module_at(w, i)->name, module) == 0)
				g.mod = i;
		if (g.mod == SIZE_MAX)
			return ls_error_set(err, LS_EINVAL, "%s: no module %s in its checkpoints",
					    ls_watch_dir(w), module);
	}
	/* The FIG_TOP largest by ‖ΔW‖_F at their newest checkpoint; ties by module order. */
	for (size_t i = 0; i < nm; i++) {
		double v = last_fro(w, i);
		int at = g.ntop;
		while (at > 0 && last_fro(w, g.top[at - 1]) < v)
			at--;
		if (at >= FIG_TOP)
			continue;
		int end = g.ntop < FIG_TOP ? g.ntop : FIG_TOP - 1;
		memmove(g.top + at + 1, g.top + at, (size_t)(end - at) * sizeof g.top[0]);
		g.top[at] = i;
		if (g.ntop < FIG_TOP)
			g.ntop++;
	}
	if (g.mod == SIZE_MAX && g.ntop > 0)
		g.mod = g.top[0];
	return ls_fig_write_with(path, draw_watch, &g, o, err);
}
