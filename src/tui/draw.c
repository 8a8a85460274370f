/* draw.c — one frame: layout dispatch, boxes, axes, the canvas blit, header, message
 * line, help overlay and the "terminal too small" screen (curses). */
#include "ui.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"

void ls_draw_text(int y, int x, int max, int role, const char *s)
{
	if (max <= 0 || y < 0 || x < 0)
		return;
	/* Byte length of the first max code points. */
	int cols = 0;
	size_t i = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (cols == max)
				break;
			cols++;
		}
	}
	attrset(ls_theme_attr((ls_role)role));
	mvaddnstr(y, x, s, (int)i);
	attrset(A_NORMAL);
}

void ls_draw_box(const ls_ui *ui, ls_rect r, const char *title)
{
	if (r.w < 2 || r.h < 2)
		return;
	attrset(ls_theme_attr(LS_ROLE_BORDER));
	if (ui->unicode) {
		mvhline(r.y, r.x + 1, ACS_HLINE, r.w - 2);
		mvhline(r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
		mvvline(r.y + 1, r.x, ACS_VLINE, r.h - 2);
		mvvline(r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
		mvaddch(r.y, r.x, ACS_ULCORNER);
		mvaddch(r.y, r.x + r.w - 1, ACS_URCORNER);
		mvaddch(r.y + r.h - 1, r.x, ACS_LLCORNER);
		mvaddch(r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
	} else {
		mvhline(r.y, r.x + 1, '-', r.w - 2);
		mvhline(r.y + r.h - 1, r.x + 1, '-', r.w - 2);
		mvvline(r.y + 1, r.x, '|', r.h - 2);
		mvvline(r.y + 1, r.x + r.w - 1, '|', r.h - 2);
		mvaddch(r.y, r.x, '+');
		mvaddch(r.y, r.x + r.w - 1, '+');
		mvaddch(r.y + r.h - 1, r.x, '+');
		mvaddch(r.y + r.h - 1, r.x + r.w - 1, '+');
	}
	attrset(A_NORMAL);
	if (title && title[0]) {
		char t[160];
		snprintf(t, sizeof t, " %s ", title);
		ls_draw_text(r.y, r.x + 2, r.w - 4, LS_ROLE_TITLE, t);
	}
}

#define YLAB 7

ls_scale ls_steps_scale(const long *steps, size_t n)
{
	double x0 = n ? (double)steps[0] : 0, x1 = n ? (double)steps[n - 1] : 1;
	if (x1 <= x0)
		x1 = x0 + 1;
	ls_scale xs = { x0, x1, 0 };
	if (x1 + 1 > 100 * (x0 + 1)) {
		xs.lo = x0 + 1;
		xs.hi = x1 + 1;
		xs.log = 1;
	}
	return xs;
}

double ls_steps_frac(const ls_scale *xs, long step)
{
	return ls_scale_frac(xs, xs->log ? (double)step + 1 : (double)step);
}

ls_rect ls_draw_axes(const ls_ui *ui, ls_rect r, const ls_scale *ys, const ls_scale *xs,
		     double x_offset)
{
	ls_rect c = { r.y + 1, r.x + 1 + YLAB, r.h - 3, r.w - 2 - YLAB };
	if (c.h < 1 || c.w < 1) {
		c.h = c.w = 0;
		return c;
	}
	char buf[32];
	double ticks[16];
	int max = c.h / 2 + 1;
	if (max > 16)
		max = 16;
	int n = ls_axis_ticks(ys, ticks, max < 2 ? 2 : max);
	int last_row = -2;
	for (int i = 0; i < n; i++) {
		double f = ls_scale_frac(ys, ticks[i]);
		if (!isfinite(f) || f < -1e-9 || f > 1 + 1e-9)
			continue;
		int row = c.y + (int)lround((1 - f) * (c.h - 1));
		if (abs(row - last_row) < 2 && c.h > 3)
			continue;
		last_row = row;
		ls_axis_format(ticks[i], YLAB - 1, buf, sizeof buf);
		char lab[40];
		snprintf(lab, sizeof lab, "%*s", YLAB - 1, buf);
		ls_draw_text(row, r.x + 1, YLAB - 1, LS_ROLE_LABEL, lab);
		ls_draw_text(row, r.x + YLAB, 1, LS_ROLE_BORDER, LS_TXT(ui, "┤", "+"));
	}
	/* x labels: the ends and the middle. */
	int yl = c.y + c.h;
	for (int k = 0; k < 3; k++) {
		double f = k * 0.5;
		double xv = ls_scale_value(xs, f) - x_offset;
		ls_axis_format(xs->log ? round(xv) : xv, 8, buf, sizeof buf);
		int len = (int)strlen(buf);
		int col = c.x + (int)lround(f * (c.w - 1)) -
			  (k == 0   ? 0
			   : k == 1 ? len / 2
				    : len - 1);
		if (col < c.x)
			col = c.x;
		ls_draw_text(yl, col, c.x + c.w - col, LS_ROLE_LABEL, buf);
	}
	return c;
}

void ls_draw_canvas(const ls_ui *ui, ls_rect c)
{
	char cell[8];
	for (int row = 0; row < ui->canvas.rows && row < c.h; row++)
		for (int col = 0; col < ui->canvas.cols && col < c.w; col++) {
			int ink = ls_canvas_cell(&ui->canvas, col, row, cell);
			if (!ink)
				continue;
			attrset(ls_theme_attr(ls_theme_ink_role(ink)));
			mvaddstr(c.y + row, c.x + col, cell);
		}
	attrset(A_NORMAL);
}

void ls_draw_cursor(const ls_ui *ui, ls_rect c, const ls_scale *xs)
{
	if (!ui->has_cursor || c.w <= 0 || c.h <= 0)
		return;
	double f = ls_steps_frac(xs, ui->cursor_step);
	if (!(f >= 0 && f <= 1))
		return;
	int x = c.x + (int)lround(f * (c.w - 1));
	for (int y = c.y; y < c.y + c.h; y++)
		ls_draw_text(y, x, 1, LS_ROLE_MARK, LS_TXT(ui, "│", "|"));
}

size_t ls_ui_module(const ls_ui *ui, const ls_view *v)
{
	size_t k = ui->module > 0 ? (size_t)ui->module : 0;
	return v->m.nmod == 0 || k >= v->m.nmod ? 0 : k;
}

/* Gather the selected module's ratio (k > 0) from each view drawn; a step going back
 * (a restart) starts the series again, a full series keeps every other point. */
static void gather_module_ratio(ls_ui *ui, const ls_view *v)
{
	size_t k = ls_ui_module(ui, v);
	if (k == 0) {
		ui->mod_n = 0;
		return;
	}
	if (ui->mod_n && v->m.step < ui->mod_step[ui->mod_n - 1])
		ui->mod_n = 0;
	if (ui->mod_n && v->m.step == ui->mod_step[ui->mod_n - 1])
		return;
	if (ui->mod_n == LS_MOD_SERIES_MAX) {
		for (size_t i = 0; i < LS_MOD_SERIES_MAX / 2; i++) {
			ui->mod_step[i] = ui->mod_step[2 * i];
			ui->mod_ratio[i] = ui->mod_ratio[2 * i];
		}
		ui->mod_n = LS_MOD_SERIES_MAX / 2;
	}
	ui->mod_step[ui->mod_n] = v->m.step;
	ui->mod_ratio[ui->mod_n] = v->m.mod[k].ratio;
	ui->mod_n++;
}

/* A lesson's caption, held until the next one, in a box over the bottom of the loss plot
 * (lines split at the caption's newlines and wrapped at the box's width). */
static void draw_caption(ls_ui *ui, const ls_view *v)
{
	if (!v->has_lesson || !v->caption[0])
		return;
	ls_rect p = ui->layout.r[LS_PANEL_LOSS];
	int w = p.w - 2;
	if (w < 12)
		return;
	char lines[8][160];
	int n = 0;
	const char *s = v->caption;
	while (*s && n < 8) {
		int len = 0, cols = 0, brk = -1;
		while (s[len] && s[len] != '\n' && cols < w - 4 && len < 150) {
			if (s[len] == ' ')
				brk = len;
			if (((unsigned char)s[len] & 0xC0) != 0x80)
				cols++;
			len++;
		}
		if (s[len] && s[len] != '\n' && brk > 0)
			len = brk;
		while (len < 150 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len++;
		memcpy(lines[n], s, (size_t)len);
		lines[n][len] = '\0';
		n++;
		s += len;
		if (*s == '\n' || *s == ' ')
			s++;
	}
	int h = n + 2 + (v->lesson_wait ? 1 : 0);
	if (h > p.h - 1)
		h = p.h - 1;
	ls_rect r = { p.y + p.h - 1 - h, p.x + 1, h, w };
	for (int y = r.y; y < r.y + r.h; y++)
		mvhline(y, r.x, ' ', r.w);
	char title[48];
	snprintf(title, sizeof title, "lesson, step %ld", v->lesson_clock);
	ls_draw_box(ui, r, title);
	for (int i = 0; i < n && i < h - 2; i++)
		ls_draw_text(r.y + 1 + i, r.x + 2, r.w - 4, LS_ROLE_TITLE, lines[i]);
	if (v->lesson_wait && n + 1 < h - 1)
		ls_draw_text(r.y + 1 + n, r.x + 2, r.w - 4, LS_ROLE_WARN,
			     "paused by the lesson: press any key to go on");
}

static void draw_message(ls_ui *ui, ls_rect r)
{
	if (!ui->msg[0])
		return;
	ls_draw_text(r.y, r.x, r.w, ui->msg_error ? LS_ROLE_ERROR : LS_ROLE_NORMAL, ui->msg);
}

static void draw_too_small(const ls_ui *ui)
{
	const ls_layout *L = &ui->layout;
	char a[80], b[80], quit[LS_KEYS_HINT_LEN];
	snprintf(a, sizeof a, "terminal too small: need %dx%d", L->need_w, L->need_h);
	snprintf(b, sizeof b, "(now %dx%d; %s quits)", L->cols, L->lines,
		 ls_keys_hint(&ui->keys, LS_ACT_QUIT, quit, sizeof quit));
	int y = L->lines / 2 - 1;
	if (y < 0)
		y = 0;
	int xa = (L->cols - (int)strlen(a)) / 2, xb = (L->cols - (int)strlen(b)) / 2;
	ls_draw_text(y, xa < 0 ? 0 : xa, L->cols, LS_ROLE_ERROR, a);
	if (y + 1 < L->lines)
		ls_draw_text(y + 1, xb < 0 ? 0 : xb, L->cols, LS_ROLE_NORMAL, b);
}

void ls_panel_help_draw(ls_ui *ui)
{
	const ls_layout *L = &ui->layout;
	char line[160];
	int n = 0;
	while (ls_keymap_help_line(&ui->keys, n, line, sizeof line))
		n++;
	/* As wide as the longest line needs (one column) or twice that (two), within the
	 * screen; what does not fit is cut at the right (keys and action names come first). */
	int need = 0;
	for (int i = 0; i < n; i++) {
		ls_keymap_help_line(&ui->keys, i, line, sizeof line);
		int l = (int)strlen(line);
		need = l > need ? l : need;
	}
	int avail = L->lines - 4;
	int ncol = n + 1 > avail ? 2 : 1;
	int per = (n + ncol - 1) / ncol;
	int w = ncol * (need + 1) + 2;
	if (w > L->cols - 4)
		w = L->cols - 4;
	int h = per + 3 > L->lines - 2 ? L->lines - 2 : per + 3;
	ls_rect r = { (L->lines - h) / 2, (L->cols - w) / 2, h, w };
	for (int y = r.y; y < r.y + r.h; y++)
		mvhline(y, r.x, ' ', r.w);
	ls_draw_box(ui, r, "help: keys (any key closes)");
	int colw = (w - 2) / ncol;
	for (int i = 0; i < n; i++) {
		ls_keymap_help_line(&ui->keys, i, line, sizeof line);
		int c = i / per, row = i % per;
		if (row >= h - 3)
			continue;
		ls_draw_text(r.y + 1 + row, r.x + 1 + c * colw, colw - 1,
			     line[0] == '[' ? LS_ROLE_TITLE : LS_ROLE_NORMAL, line);
	}
	ls_draw_text(r.y + h - 2, r.x + 2, w - 4, LS_ROLE_LABEL,
		     "lambda and eta change multiplicatively; remap keys with --key KEY=ACTION");
}

void ls_draw_frame(ls_ui *ui, const ls_view *v)
{
	erase();
	gather_module_ratio(ui, v);
	const ls_layout *L = &ui->layout;
	if (L->too_small) {
		draw_too_small(ui);
		return;
	}
	if (ui->setup) {
		ls_setup_draw(ui, v);
		draw_message(ui, L->r[LS_PANEL_MESSAGE]);
		return;
	}
	ls_panel_header_draw(ui, L->r[LS_PANEL_HEADER], v);
	ls_panel_loss_draw(ui, L->r[LS_PANEL_LOSS], v);
	ls_panel_spectrum_draw(ui, L->r[LS_PANEL_SPECTRUM], v);
	ls_panel_ratio_draw(ui, L->r[LS_PANEL_RATIO], v);
	ls_panel_verdict_draw(ui, L->r[LS_PANEL_VERDICT], v);
	ls_panel_status_draw(ui, L->r[LS_PANEL_STATUS], v);
	draw_caption(ui, v);
	draw_message(ui, L->r[LS_PANEL_MESSAGE]);
	if (ui->show_help)
		ls_panel_help_draw(ui);
}
