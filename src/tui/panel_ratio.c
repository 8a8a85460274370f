/* panel_ratio.c — σ_r/σ_{r*} over the steps (log axis) against the threshold 2α/β of
 * Kim–Kim–Ryu Corollary 1 when it has been estimated; ratios that are 0 marked on a row
 * under the axis, "≈ 0" (curses). */
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "theme.h"
#include "ui.h"

#define ZERO_RATIO 1e-12

void ls_panel_ratio_draw(ls_ui *ui, ls_rect r, const ls_view *v)
{
	const ls_history *h = &v->h;
	size_t k = ls_ui_module(ui, v);
	/* The threshold from the metrics (the session's cache or the exact constants). */
	double thr = v->m.threshold, ratio = v->m.ratio;
	const ls_module_metrics *mm = &v->m.mod[k];
	if (k > 0) {
		thr = isfinite(mm->threshold_exact) ? mm->threshold_exact : mm->threshold;
		ratio = mm->ratio;
	}
	/* Its status: exact from the closed form, else estimated (2α̂/β̂ ≥ 2α/β, MATH.md §9). */
	const char *ts = isfinite(mm->threshold_exact) ? " exact" : " est.";
	/* The series: module 0's history, or the one gathered for module k. */
	const long *steps = k ? ui->mod_step : h->step;
	const double *ratios = k ? ui->mod_ratio : h->ratio;
	size_t n = k ? ui->mod_n : h->len;
	char title[160], cur[24], mod[32] = "";
	ls_axis_format(ratio, 8, cur, sizeof cur);
	if (v->m.nmod > 1)
		snprintf(mod, sizeof mod, " module %zu/%zu", k + 1, v->m.nmod);
	const char *rname = LS_TXT(ui, "σr/σr*", "s_r/s_r*");
	snprintf(title, sizeof title, "%s = %s%s, log", rname, cur, mod);
	ls_draw_box(ui, r, NULL);
	char thr_txt[32], thr_name[64];
	ls_axis_format(thr, 7, thr_txt, sizeof thr_txt);
	snprintf(thr_name, sizeof thr_name, "%s = %s%s", LS_TXT(ui, "2α/β", "2alpha/beta"), thr_txt,
		 ts);
	ls_curve ids[2] = { LS_CURVE_RATIO, LS_CURVE_RATIO_THR };
	const char *names[2] = { rname, thr_name };
	const char *shorts[2] = { NULL, LS_TXT(ui, "2α/β", "2alpha/beta") };
	ls_scale xs = ls_steps_scale(steps, n);
	ls_draw_legend(ui, r, title, ids, names, shorts, isfinite(thr) ? 2 : 1,
		       xs.log ? "step (log)" : "step");
	/* Zeros (σr numerically 0: under 1e-12 σr*) cannot sit on a log axis: a row of their
	 * own, "≈ 0". The others, in fy, set the scale. */
	bool zeros = false;
	for (size_t i = 0; i < n; i++) {
		bool z = ratios[i] >= 0 && ratios[i] < ZERO_RATIO;
		zeros = zeros || z;
		ui->fy[i] = z ? NAN : ratios[i];
	}
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	ls_scale_add(&ys, ui->fy, n);
	ls_scale_add(&ys, &thr, 1);
	ls_scale_limit_decades(&ys);
	ls_scale_finish(&ys);
	ls_axes ax = { .ys = &ys, .xs = &xs, .x_offset = xs.log ? 1 : 0, .zero_row = zeros };
	ls_rect c = ls_draw_axes(ui, r, &ax);
	if (c.w <= 0 || c.h <= 0)
		return;
	if (ls_canvas_resize(&ui->canvas, c.w, c.h, ui->glyphs, NULL) != LS_OK)
		return;
	ls_curve_use(ui, LS_CURVE_RATIO);
	ls_curve_use(ui, LS_CURVE_RATIO_THR);
	/* Module 0's points that carry the factor series (its cadence, metrics.h), joined;
	 * module k's series has a value at each of its points. */
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		if (k == 0 && !ls_history_has_factors(h, i))
			continue;
		ui->fx[np] = ls_steps_frac(&xs, steps[i]);
		ui->fy[np++] = ls_scale_frac(&ys, ui->fy[i]);
	}
	if (isfinite(thr))
		ls_canvas_hline(&ui->canvas, ls_scale_frac(&ys, thr),
				ls_curves[LS_CURVE_RATIO_THR].ink);
	ls_canvas_series(&ui->canvas, ui->fx, ui->fy, np, ls_curves[LS_CURVE_RATIO].ink);
	ls_draw_canvas(ui, c);
	ls_draw_cursor(ui, c, &xs);
	/* The zeros as marks on the row under the plot, one per column. */
	int last = -1;
	for (size_t i = 0; i < n && zeros; i++) {
		if (!(ratios[i] >= 0 && ratios[i] < ZERO_RATIO))
			continue;
		int col = c.x + (int)lround(ls_steps_frac(&xs, steps[i]) * (c.w - 1));
		if (col == last || col < c.x || col >= c.x + c.w)
			continue;
		last = col;
		ls_draw_text(c.y + c.h, col, 1, ls_curves[LS_CURVE_RATIO].role,
			     LS_TXT(ui, "•", "o"));
	}
	char pending[48];
	snprintf(pending, sizeof pending, "(r* waits for X*: %.0f%%)", 100 * v->baseline_progress);
	const char *note = v->baseline_pending ? pending
			   : !v->has_baseline  ? "(needs the baseline's r*)"
			   : !isfinite(thr)    ? LS_TXT(ui, "2α/β not estimated yet",
							"2alpha/beta not estimated yet")
					       : NULL;
	if (note && ls_text_cols(note) <= c.w - 2)
		ls_draw_text(c.y, c.x + c.w - ls_text_cols(note) - 1, c.w - 2, LS_ROLE_LABEL, note);
}
