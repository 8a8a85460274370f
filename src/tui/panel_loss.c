/* panel_loss.c — loss over steps on a log axis: the regularised loss g(A, B), the loss
 * f(X), and with the baseline shown, the full fine-tuning loss f(X*) and the floor
 * F(X*) = f(X*) + λ‖X*‖_* as horizontal lines, each in its own line style (theme.h), the
 * legend on the borders (curses). */
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "lorascope/flow.h"
#include "theme.h"
#include "ui.h"

void ls_panel_loss_draw(ls_ui *ui, ls_rect r, const ls_view *v)
{
	ls_draw_box(ui, r, NULL);
	const ls_history *h = &v->h;
	bool base = ui->show_baseline && v->has_baseline;
	bool flow = ui->show_flow && v->has_flow;
	double marks[2] = { v->floor, v->f_star };
	bool clipped;
	ls_scale ys = ls_loss_scale(h->loss, h->reg_loss, h->len, marks, base ? 2 : 0, v->diverged,
				    &clipped);
	ls_scale xs = ls_steps_scale(h->step, h->len);
	/* The legend: g, f, and when shown X*'s loss, the floor and the flow. */
	ls_curve ids[5] = { LS_CURVE_LOSS_G, LS_CURVE_LOSS_F };
	const char *shorts[5] = { "g", "f" };
	int n_ids = 2;
	if (base) {
		shorts[n_ids] = LS_TXT(ui, "f*", "f*");
		ids[n_ids++] = LS_CURVE_LOSS_BASE;
		shorts[n_ids] = "F*";
		ids[n_ids++] = LS_CURVE_LOSS_FLOOR;
	}
	if (flow) {
		shorts[n_ids] = NULL;
		ids[n_ids++] = LS_CURVE_LOSS_FLOW;
	}
	ls_draw_legend(ui, r, "loss (log)", ids, NULL, shorts, n_ids,
		       xs.log ? "step (log)" : "step");
	ls_axes ax = { .ys = &ys, .xs = &xs, .x_offset = xs.log ? 1 : 0 };
	ls_rect c = ls_draw_axes(ui, r, &ax);
	if (c.w <= 0 || c.h <= 0)
		return;
	if (ls_canvas_resize(&ui->canvas, c.w, c.h, ui->glyphs, NULL) != LS_OK)
		return;
	for (int i = 0; i < n_ids; i++)
		ls_curve_use(ui, ids[i]);
	const int ink_f = ls_curves[LS_CURVE_LOSS_F].ink, ink_g = ls_curves[LS_CURVE_LOSS_G].ink;
	if (base) {
		ls_canvas_hline(&ui->canvas, ls_scale_frac(&ys, v->floor),
				ls_curves[LS_CURVE_LOSS_FLOOR].ink);
		ls_canvas_hline(&ui->canvas, ls_scale_frac(&ys, v->f_star),
				ls_curves[LS_CURVE_LOSS_BASE].ink);
	}
	size_t n = h->len;
	for (size_t i = 0; i < n; i++)
		ui->fx[i] = ls_steps_frac(&xs, h->step[i]);
	for (size_t i = 0; i < n; i++)
		ui->fy[i] = ls_scale_frac(&ys, h->loss[i]);
	ls_canvas_series(&ui->canvas, ui->fx, ui->fy, n, ink_f);
	for (size_t i = 0; i < n; i++)
		ui->fy[i] = ls_scale_frac(&ys, h->reg_loss[i]);
	ls_canvas_series(&ui->canvas, ui->fx, ui->fy, n, ink_g);
	if (flow && n) {
		/* The closed form f(t) at t = η·step (η·inner_k·step for sequential updates,
		 * mu = 0), one point per pixel column (flow.h, MATH.md §7). */
		int W = ls_canvas_px_w(&ui->canvas);
		double per = v->cfg.lr * (v->cfg.mu == 0 ? (double)v->cfg.inner_k : 1.0);
		for (int i = 0; i < W; i++) {
			double fr = (double)i / (W > 1 ? W - 1 : 1);
			double step = ls_scale_value(&xs, fr) - (xs.log ? 1 : 0);
			double f = ls_flow_curve_loss(&v->flow, per * step);
			ui->fx[i] = fr;
			ui->fy[i] = ls_scale_frac(&ys, f);
		}
		ls_canvas_series(&ui->canvas, ui->fx, ui->fy, (size_t)W,
				 ls_curves[LS_CURVE_LOSS_FLOW].ink);
	}
	ls_draw_canvas(ui, c);
	ls_draw_cursor(ui, c, &xs);
	/* Not drawable on a log axis: say so instead of drawing garbage. */
	if (clipped)
		ls_draw_text(c.y, c.x + 1, c.w - 2, LS_ROLE_LABEL, "(diverged: off the top)");
	else if (n && !(h->reg_loss[n - 1] > 0))
		ls_draw_text(c.y, c.x + 1, c.w - 2, LS_ROLE_LABEL, "(loss <= 0: off the log axis)");
}
