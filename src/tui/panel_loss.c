/* panel_loss.c — loss over steps on a log axis: the regularised loss g(A, B), the loss
 * f(X), and with the baseline shown, the full fine-tuning loss f(X*) and the floor
 * F(X*) = f(X*) + λ‖X*‖_* as horizontal lines (curses). */
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "lorascope/flow.h"
#include "theme.h"
#include "ui.h"

enum { INK_F = 1, INK_G = 2, INK_BASE = 3, INK_FLOOR = 4, INK_FLOW = 7 };

static void legend(ls_ui *ui, ls_rect r, const ls_view *v)
{
	struct {
		int ink;
		const char *u, *a;
	} items[] = { { INK_G, "━ g(A,B)", "+ g" },
		      { INK_F, "━ f(X)", "* f" },
		      { INK_BASE, "┄ f(X*) full FT", "o f(X*)" },
		      { INK_FLOOR, "┄ floor F(X*)", "# floor" },
		      { INK_FLOW, "━ flow", "@ flow" } };
	int x = r.x + 2;
	ls_draw_text(r.y, x, r.w - 4, LS_ROLE_TITLE, " loss (log) ");
	x += 12;
	bool show[] = { true, true, ui->show_baseline && v->has_baseline,
			ui->show_baseline && v->has_baseline, ui->show_flow && v->has_flow };
	for (int i = 0; i < 5; i++) {
		if (!show[i])
			continue;
		const char *t = LS_TXT(ui, items[i].u, items[i].a);
		char buf[40];
		snprintf(buf, sizeof buf, " %s ", t);
		int len = 0;
		for (const char *p = buf; *p; p++)
			len += ((unsigned char)*p & 0xC0) != 0x80;
		if (x + len > r.x + r.w - 2)
			break;
		ls_draw_text(r.y, x, len, ls_theme_ink_role(items[i].ink), buf);
		x += len;
	}
}

void ls_panel_loss_draw(ls_ui *ui, ls_rect r, const ls_view *v)
{
	ls_draw_box(ui, r, NULL);
	legend(ui, r, v);
	const ls_history *h = &v->h;
	bool base = ui->show_baseline && v->has_baseline;
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	ls_scale_add(&ys, h->loss, h->len);
	ls_scale_add(&ys, h->reg_loss, h->len);
	if (base) {
		ls_scale_add(&ys, &v->floor, 1);
		ls_scale_add(&ys, &v->f_star, 1);
	}
	/* A diverged run climbs to 1e300: keep the training before it on the axis (up to a
	 * million times the starting loss) and let the blow-up leave at the top. */
	double cap = h->len ? 1e6 * fmax(h->loss[0], h->reg_loss[0]) : NAN;
	bool clipped = v->diverged && isfinite(cap) && cap > 0 && ys.hi > cap;
	if (clipped)
		ys.hi = cap;
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
	if (base) {
		ls_canvas_hline(&ui->canvas, ls_scale_frac(&ys, v->floor), INK_FLOOR, 1);
		ls_canvas_hline(&ui->canvas, ls_scale_frac(&ys, v->f_star), INK_BASE, 1);
	}
	size_t n = h->len;
	for (size_t i = 0; i < n; i++)
		ui->fx[i] = ls_steps_frac(&xs, h->step[i]);
	for (size_t i = 0; i < n; i++)
		ui->fy[i] = ls_scale_frac(&ys, h->loss[i]);
	ls_canvas_series(&ui->canvas, ui->fx, ui->fy, n, INK_F);
	for (size_t i = 0; i < n; i++)
		ui->fy[i] = ls_scale_frac(&ys, h->reg_loss[i]);
	ls_canvas_series(&ui->canvas, ui->fx, ui->fy, n, INK_G);
	if (ui->show_flow && v->has_flow && n) {
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
		ls_canvas_series(&ui->canvas, ui->fx, ui->fy, (size_t)W, INK_FLOW);
	}
	ls_draw_canvas(ui, c);
	ls_draw_cursor(ui, c, &xs);
	/* Not drawable on a log axis: say so instead of drawing garbage. */
	if (clipped)
		ls_draw_text(c.y, c.x + 1, c.w - 2, LS_ROLE_LABEL, "(diverged: off the top)");
	else if (n && !(h->reg_loss[n - 1] > 0))
		ls_draw_text(c.y, c.x + 1, c.w - 2, LS_ROLE_LABEL, "(loss <= 0: off the log axis)");
}
