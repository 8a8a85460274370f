/* panel_ratio.c — σ_r/σ_{r*} over the steps (log axis) against the threshold 2α/β of
 * Kim–Kim–Ryu Corollary 1 when it has been estimated (curses). */
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "theme.h"
#include "ui.h"

enum { INK_RATIO = 2, INK_THRESH = 4 };

void ls_panel_ratio_draw(ls_ui *ui, ls_rect r, const ls_view *v)
{
	const ls_history *h = &v->h;
	size_t k = ls_ui_module(ui, v);
	/* The threshold from the metrics (the session's cache or the exact constants). */
	double thr = v->m.threshold, ratio = v->m.ratio;
	if (k > 0) {
		const ls_module_metrics *mm = &v->m.mod[k];
		thr = isfinite(mm->threshold_exact) ? mm->threshold_exact : mm->threshold;
		ratio = mm->ratio;
	}
	/* The series: module 0's history, or the one gathered for module k. */
	const long *steps = k ? ui->mod_step : h->step;
	const double *ratios = k ? ui->mod_ratio : h->ratio;
	size_t n = k ? ui->mod_n : h->len;
	char title[160], cur[24], mod[32] = "";
	ls_axis_format(ratio, 8, cur, sizeof cur);
	if (v->m.nmod > 1)
		snprintf(mod, sizeof mod, " module %zu/%zu", k + 1, v->m.nmod);
	snprintf(title, sizeof title, "%s = %s%s", LS_TXT(ui, "σr/σr*", "s_r/s_r*"), cur, mod);
	ls_draw_box(ui, r, title);
	char thr_txt[32], note[48];
	ls_axis_format(thr, 7, thr_txt, sizeof thr_txt);
	if (isfinite(thr))
		snprintf(note, sizeof note, "%s %s", LS_TXT(ui, "┄ 2α/β =", "# 2a/b ="), thr_txt);
	else
		snprintf(note, sizeof note, "%s",
			 v->has_baseline
				 ? LS_TXT(ui, "2α/β not estimated yet", "2a/b not estimated yet")
				 : "no baseline: r* unknown");
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	ls_scale_add(&ys, ratios, n);
	ls_scale_add(&ys, &thr, 1);
	/* At most 15 decades: a floor of 1e-30 must not flatten the curves. */
	if (ys.hi >= ys.lo && ys.lo < ys.hi * 1e-15)
		ys.lo = ys.hi * 1e-15;
	ls_scale_finish(&ys);
	ls_scale xs = ls_steps_scale(steps, n);
	ls_rect c = ls_draw_axes(ui, r, &ys, &xs, xs.log ? 1 : 0);
	if (c.w <= 0 || c.h <= 0)
		return;
	if (ls_canvas_resize(&ui->canvas, c.w, c.h, ui->glyphs, NULL) != LS_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		ui->fx[i] = ls_steps_frac(&xs, steps[i]);
		ui->fy[i] = ls_scale_frac(&ys, ratios[i]);
	}
	if (isfinite(thr))
		ls_canvas_hline(&ui->canvas, ls_scale_frac(&ys, thr), INK_THRESH, 1);
	ls_canvas_series(&ui->canvas, ui->fx, ui->fy, n, INK_RATIO);
	ls_draw_canvas(ui, c);
	ls_draw_cursor(ui, c, &xs);
	int nl = 23 < c.w ? 23 : c.w;
	ls_draw_text(c.y, c.x + c.w - nl, nl, isfinite(thr) ? LS_ROLE_FLOOR : LS_ROLE_LABEL, note);
	if (n && !(ratios[n - 1] > 0))
		ls_draw_text(c.y, c.x + 1, c.w - 2, LS_ROLE_LABEL,
			     v->has_baseline ? LS_TXT(ui, "(σr = 0: off the log axis)",
						      "(s_r = 0: off the log axis)")
					     : "(needs the baseline's r*)");
}
