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
	const ls_theory_module *md = &v->rep.mod[0];
	double thr = NAN;
	if (v->has_theory && v->rep.nmod)
		thr = isfinite(md->threshold_exact) ? md->threshold_exact : md->threshold;
	char title[160], cur[24];
	ls_axis_format(v->m.ratio, 8, cur, sizeof cur);
	snprintf(title, sizeof title, "%s = %s", LS_TXT(ui, "σr/σr*", "s_r/s_r*"), cur);
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
	ls_scale_add(&ys, h->ratio, h->len);
	ls_scale_add(&ys, &thr, 1);
	/* At most 15 decades: a floor of 1e-30 must not flatten the curves. */
	if (ys.hi >= ys.lo && ys.lo < ys.hi * 1e-15)
		ys.lo = ys.hi * 1e-15;
	ls_scale_finish(&ys);
	ls_scale xs = ls_steps_scale(h->step, h->len);
	ls_rect c = ls_draw_axes(ui, r, &ys, &xs, xs.log ? 1 : 0);
	if (c.w <= 0 || c.h <= 0)
		return;
	if (ls_canvas_resize(&ui->canvas, c.w, c.h, ui->glyphs, NULL) != LS_OK)
		return;
	size_t n = h->len;
	for (size_t i = 0; i < n; i++) {
		ui->fx[i] = ls_steps_frac(&xs, h->step[i]);
		ui->fy[i] = ls_scale_frac(&ys, h->ratio[i]);
	}
	if (isfinite(thr))
		ls_canvas_hline(&ui->canvas, ls_scale_frac(&ys, thr), INK_THRESH, 1);
	ls_canvas_series(&ui->canvas, ui->fx, ui->fy, n, INK_RATIO);
	ls_draw_canvas(ui, c);
	int nl = 23 < c.w ? 23 : c.w;
	ls_draw_text(c.y, c.x + c.w - nl, nl, isfinite(thr) ? LS_ROLE_FLOOR : LS_ROLE_LABEL, note);
	if (n && !(h->ratio[n - 1] > 0))
		ls_draw_text(c.y, c.x + 1, c.w - 2, LS_ROLE_LABEL,
		             v->has_baseline ? LS_TXT(ui, "(σr = 0: off the log axis)",
		                                      "(s_r = 0: off the log axis)")
		                             : "(needs the baseline's r*)");
}
