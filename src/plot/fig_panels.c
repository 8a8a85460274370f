/* fig_panels.c — the TUI's panels on a figure: loss against step (with f(X*) and the floor
 * when the view has the baseline, and the gradient-flow curve when it has one), σ(X) beside
 * σ(X*) as bars, σ_r/σ_{r*} against 2α/β, and the regime/verdict band; the same scales and
 * curves as panel_loss.c, panel_spectrum.c, panel_ratio.c and panel_verdict.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fig_priv.h"
#include "lorascope/flow.h"
#include "lorascope/spectrum.h"

/* Points of the flow curve across a plot. */
#define FLOW_POINTS 400

/* Scratch of n doubles ×2 for the fractions of a series (NULL when out of memory). */
static double *scratch(size_t n)
{
	return malloc((n ? n : 1) * 2 * sizeof(double));
}

void ls_fig_loss(const ls_fig *f, ls_fig_rect r, const ls_view *v)
{
	const ls_history *h = &v->h;
	bool base = v->has_baseline, flow = v->has_flow;
	ls_fig_rect in = ls_fig_box(f, r, "loss (log)");
	double marks[2] = { v->floor, v->f_star };
	bool clipped; /* the TUI says so; the figure lets the blow-up leave at the top */
	ls_scale ys = ls_loss_scale(h->loss, h->reg_loss, h->len, marks, base ? 2 : 0, v->diverged,
				    &clipped);
	ls_scale xs = ls_steps_scale(h->step, h->len);
	ls_fig_rect c = ls_fig_axes(f, in, &ys, &xs, xs.log ? 1 : 0,
				    xs.log ? "step (log)" : "step");
	size_t n = h->len > FLOW_POINTS ? h->len : FLOW_POINTS;
	double *fx = scratch(n), *fy = fx ? fx + n : NULL;
	if (c.w <= 0 || c.h <= 0 || !fx) {
		free(fx);
		return;
	}
	ls_curve ids[5] = { LS_CURVE_LOSS_G, LS_CURVE_LOSS_F };
	int nid = 2;
	if (base) {
		ls_fig_hline(f, c, LS_CURVE_LOSS_FLOOR, ls_scale_frac(&ys, v->floor));
		ls_fig_hline(f, c, LS_CURVE_LOSS_BASE, ls_scale_frac(&ys, v->f_star));
		ids[nid++] = LS_CURVE_LOSS_BASE;
		ids[nid++] = LS_CURVE_LOSS_FLOOR;
	}
	for (size_t i = 0; i < h->len; i++) {
		fx[i] = ls_steps_frac(&xs, h->step[i]);
		fy[i] = ls_scale_frac(&ys, h->loss[i]);
	}
	ls_fig_series(f, c, LS_CURVE_LOSS_F, fx, fy, h->len);
	for (size_t i = 0; i < h->len; i++)
		fy[i] = ls_scale_frac(&ys, h->reg_loss[i]);
	ls_fig_series(f, c, LS_CURVE_LOSS_G, fx, fy, h->len);
	if (flow && h->len) {
		/* The closed form f(t) at t = η·step (η·inner_k·step for sequential updates,
		 * mu = 0) (flow.h, MATH.md §7). */
		double per = v->cfg.lr * (v->cfg.mu == 0 ? (double)v->cfg.inner_k : 1.0);
		for (int i = 0; i < FLOW_POINTS; i++) {
			fx[i] = (double)i / (FLOW_POINTS - 1);
			double step = ls_scale_value(&xs, fx[i]) - (xs.log ? 1 : 0);
			fy[i] = ls_scale_frac(&ys, ls_flow_curve_loss(&v->flow, per * step));
		}
		ls_fig_series(f, c, LS_CURVE_LOSS_FLOW, fx, fy, FLOW_POINTS);
		ids[nid++] = LS_CURVE_LOSS_FLOW;
	}
	free(fx);
	ls_fig_legend(f, c, ids, NULL, nid);
}

void ls_fig_spectrum(const ls_fig *f, ls_fig_rect r, const ls_view *v)
{
	const ls_module_metrics *mm = v->m.nmod ? &v->m.mod[0] : NULL;
	size_t ns = mm ? mm->nsigma : 0, nstar = v->has_baseline ? v->rstar_mod[0] : 0;
	char title[96];
	snprintf(title, sizeof title, "σ(X) r=%zu%s, log", (size_t)v->cfg.rank,
		 nstar ? " · σ(X*)" : "");
	ls_fig_rect in = ls_fig_box(f, r, title);
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	if (mm)
		ls_scale_add(&ys, mm->sigma, ns);
	ls_scale_add(&ys, v->sigma_star[0], nstar);
	/* Below the numerical-rank threshold is zero (MATH.md §3): keep the axis above it. */
	if (ys.hi >= ys.lo && ys.lo < ys.hi * LS_RANK_TOL * 0.1)
		ys.lo = ys.hi * LS_RANK_TOL * 0.1;
	ls_scale_finish(&ys);
	ls_fig_rect c = ls_fig_axes(f, in, &ys, NULL, 0, NULL);
	size_t k = ns > nstar ? ns : nstar;
	if (c.w <= 0 || c.h <= 0)
		return;
	if (k == 0) {
		ls_fig_text(f, c.x + 8 * f->u, c.y + 2 * LS_FIG_FONT * f->u, LS_FIG_FONT,
			    LS_ROLE_LABEL, 0,
			    v->replay ? "(a trace records no singular values)"
				      : "(no singular values)");
		return;
	}
	/* A slot per index: the bar of σ_i(X), the bar of σ_i(X*) beside it, a gap. */
	double slot = c.w / (double)k, bw = slot * (nstar ? 0.4 : 0.7);
	for (size_t i = 0; i < k; i++) {
		double x = c.x + slot * ((double)i + 0.1);
		for (int s = 0; s < 2; s++) {
			const double *sv = s ? v->sigma_star[0] : mm ? mm->sigma : NULL;
			if (!sv || i >= (s ? nstar : ns))
				continue;
			double fr = ls_scale_frac(&ys, sv[i]);
			fr = fr > 1 ? 1 : fr > 0 ? fr : 0.004;
			ls_fig_color(f, s ? LS_ROLE_XSTAR : LS_ROLE_XBAR);
			cairo_rectangle(f->cr, x + s * bw, c.y + c.h * (1 - fr), bw, c.h * fr);
			cairo_fill(f->cr);
		}
	}
}

#define ZERO_RATIO 1e-12

void ls_fig_ratio(const ls_fig *f, ls_fig_rect r, const ls_view *v)
{
	const ls_history *h = &v->h;
	double thr = v->m.threshold;
	ls_fig_rect in = ls_fig_box(f, r, "σr/σr* (log)");
	double *fx = scratch(h->len), *fy = fx ? fx + h->len : NULL;
	if (!fx)
		return;
	/* Zeros (σr under 1e-12 σr*) cannot sit on a log axis: left out, as the TUI's plot. */
	for (size_t i = 0; i < h->len; i++)
		fy[i] = h->ratio[i] >= 0 && h->ratio[i] < ZERO_RATIO ? NAN : h->ratio[i];
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	ls_scale_add(&ys, fy, h->len);
	ls_scale_add(&ys, &thr, 1);
	ls_scale_limit_decades(&ys);
	ls_scale_finish(&ys);
	ls_scale xs = ls_steps_scale(h->step, h->len);
	ls_fig_rect c = ls_fig_axes(f, in, &ys, &xs, xs.log ? 1 : 0,
				    xs.log ? "step (log)" : "step");
	if (c.w <= 0 || c.h <= 0) {
		free(fx);
		return;
	}
	/* The points that carry the factor series (their cadence, metrics.h), joined. */
	size_t np = 0;
	for (size_t i = 0; i < h->len; i++) {
		if (!ls_history_has_factors(h, i))
			continue;
		fx[np] = ls_steps_frac(&xs, h->step[i]);
		fy[np++] = ls_scale_frac(&ys, fy[i]);
	}
	ls_fig_series(f, c, LS_CURVE_RATIO, fx, fy, np);
	free(fx);
	char name[48], t[16];
	ls_axis_format(thr, 7, t, sizeof t);
	snprintf(name, sizeof name, "2α/β = %s", t);
	ls_curve ids[2] = { LS_CURVE_RATIO, LS_CURVE_RATIO_THR };
	const char *names[2] = { NULL, name };
	if (isfinite(thr))
		ls_fig_hline(f, c, LS_CURVE_RATIO_THR, ls_scale_frac(&ys, thr));
	ls_fig_legend(f, c, ids, names, isfinite(thr) ? 2 : 1);
}

void ls_fig_verdict(const ls_fig *f, ls_fig_rect r, const ls_view *v)
{
	ls_fig_rect in = ls_fig_box(f, r, v->replay ? "ratio vs threshold" : "regime and verdict");
	double y = in.y, fs = LS_FIG_FONT * f->u, gap = 0.6 * fs;
	char line[160], a[24], b[24];
	double ratio = v->m.ratio, thr = v->m.threshold;
	if (v->diverged) {
		y += ls_fig_band(f, in, y, LS_ROLE_BAD, "DIVERGED") + gap;
	} else if (v->replay) {
		/* Corollary 1: at a stationary point a ratio above 2α/β is the spurious side. */
		bool known = isfinite(ratio) && isfinite(thr);
		y += ls_fig_band(f, in, y,
				 !known        ? LS_ROLE_INFO
				 : ratio > thr ? LS_ROLE_WARN
					       : LS_ROLE_GOOD,
				 !known        ? "NO RATIO OR THRESHOLD HERE"
				 : ratio > thr ? "RATIO > THRESHOLD: SPURIOUS SIDE"
					       : "RATIO <= THRESHOLD: GLOBAL SIDE") +
		     gap;
	} else if (!v->has_baseline) {
		y += ls_fig_band(f, in, y, LS_ROLE_INFO, "REGIME: NO BASELINE") + gap;
	} else if (!v->has_theory || v->rep.nmod == 0) {
		y += ls_fig_band(f, in, y, LS_ROLE_INFO, "VERDICT: NOT COMPUTED YET") + gap;
	} else {
		const ls_theory_module *md = &v->rep.mod[0];
		snprintf(line, sizeof line, "%s %s", ls_regime_text[md->regime_used],
			 ls_certainty_names[md->regime_status]);
		y += ls_fig_band(f, in, y, ls_theme_regime_role(md->regime_used), line) + gap;
		y += ls_fig_band(f, in, y, ls_theme_verdict_role(v->rep.verdict),
				 ls_verdict_text[v->rep.verdict]) +
		     gap;
	}
	ls_axis_format(ratio, 8, a, sizeof a);
	ls_axis_format(thr, 8, b, sizeof b);
	snprintf(line, sizeof line, "σr/σr* %s vs 2α/β %s", a, b);
	/* A history trace measures them on a cadence: from which step they come. */
	if (v->replay && v->replay_factor_step >= 0 && v->replay_factor_step != v->m.step)
		snprintf(line + strlen(line), sizeof line - strlen(line), " (measured at step %ld)",
			 v->replay_factor_step);
	ls_fig_text(f, in.x, y + fs, LS_FIG_FONT, LS_ROLE_NORMAL, 0, line);
	snprintf(line, sizeof line, "step %ld; rank %zu of r %zu, r* %zu", v->m.step, v->m.num_rank,
		 v->m.r, v->m.rstar);
	ls_fig_text(f, in.x, y + 2.4 * fs, LS_FIG_FONT, LS_ROLE_LABEL, 0, line);
}
