/* panel_loss.c — loss over steps on a log axis: the regularised loss g(A, B), the loss
 * f(X), and with the baseline shown, the full fine-tuning loss f(X*) and the floor
 * F(X*) = f(X*) + λ‖X*‖_* as horizontal lines (curses). */
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "theme.h"
#include "ui.h"

enum { INK_F = 1, INK_G = 2, INK_BASE = 3, INK_FLOOR = 4 };

static void legend(ls_ui *ui, ls_rect r, const ls_view *v)
{
	struct {
		int ink;
		const char *u, *a;
	} items[] = {{INK_G, "━ g(A,B)", "+ g"},
		     {INK_F, "━ f(X)", "* f"},
		     {INK_BASE, "┄ f(X*) full FT", "o f(X*)"},
		     {INK_FLOOR, "┄ floor F(X*)", "# floor"}};
	int x = r.x + 2;
	ls_draw_text(r.y, x, r.w - 4, LS_ROLE_TITLE, " loss (log) ");
	x += 12;
	int nitems = ui->show_baseline && v->has_baseline ? 4 : 2;
	for (int i = 0; i < nitems; i++) {
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
	ls_scale_finish(&ys);
	double x0 = h->len ? (double)h->step[0] : 0, x1 = h->len ? (double)h->step[h->len - 1] : 1;
	if (x1 <= x0)
		x1 = x0 + 1;
	ls_rect c = ls_draw_axes(ui, r, &ys, x0, x1);
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
		ui->fx[i] = ((double)h->step[i] - x0) / (x1 - x0);
	for (size_t i = 0; i < n; i++)
		ui->fy[i] = ls_scale_frac(&ys, h->loss[i]);
	ls_canvas_series(&ui->canvas, ui->fx, ui->fy, n, INK_F);
	for (size_t i = 0; i < n; i++)
		ui->fy[i] = ls_scale_frac(&ys, h->reg_loss[i]);
	ls_canvas_series(&ui->canvas, ui->fx, ui->fy, n, INK_G);
	ls_draw_canvas(ui, c);
	/* Not drawable on a log axis: say so instead of drawing garbage. */
	if (n && !(h->reg_loss[n - 1] > 0))
		ls_draw_text(c.y, c.x + 1, c.w - 2, LS_ROLE_LABEL, "(loss <= 0: off the log axis)");
}
