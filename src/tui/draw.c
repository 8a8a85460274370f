/* draw.c — one frame: layout dispatch, boxes, axes with round ticks, legends with line
 * samples, the canvas blit, header, a lesson's caption strip, message line (messages time
 * out), the help overlay (wrapped, scrolled) and the "terminal too small" screen (curses). */
#include "ui.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "theme.h"

void ls_draw_text(int y, int x, int max, int role, const char *s)
{
	if (max <= 0 || y < 0 || x < 0)
		return;
	/* Bytes of the first max columns (combining marks go with their letter). */
	size_t i = 0;
	for (int cols = 0; s[i];) {
		char one[8] = { 0 };
		size_t l = 1;
		while (s[i + l] && ((unsigned char)s[i + l] & 0xC0) == 0x80 && l < 4)
			l++;
		memcpy(one, s + i, l);
		int w = ls_text_cols(one);
		if (cols + w > max)
			break;
		cols += w;
		i += l;
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

/* The y tick labels of c on ys (widened to round ends): the ends always, the ticks
 * between where two rows are free around them. */
static void y_labels(const ls_ui *ui, ls_rect r, ls_rect c, ls_scale *ys)
{
	double ticks[16];
	int max = c.h / 2 + 1;
	max = max < 3 ? 3 : max > 16 ? 16 : max;
	int n = ls_axis_nice(ys, ticks, max);
	int row[16];
	bool drawn[16] = { false };
	for (int i = 0; i < n; i++) {
		double f = ls_scale_frac(ys, ticks[i]);
		row[i] = isfinite(f) && f > -1e-9 && f < 1 + 1e-9
				 ? c.y + (int)lround((1 - f) * (c.h - 1))
				 : -1;
	}
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++) {
			bool end = i == 0 || i == n - 1;
			if (row[i] < 0 || drawn[i] || end != (pass == 0))
				continue;
			bool free = true;
			for (int j = 0; j < n && pass == 1; j++)
				if (drawn[j] && abs(row[j] - row[i]) < 2)
					free = false;
			for (int j = 0; j < n && pass == 0; j++)
				if (drawn[j] && row[j] == row[i])
					free = false;
			if (!free)
				continue;
			drawn[i] = true;
			char buf[32], lab[40];
			ls_axis_format(ticks[i], YLAB - 1, buf, sizeof buf);
			snprintf(lab, sizeof lab, "%*s", YLAB - 1, buf);
			ls_draw_text(row[i], r.x + 1, YLAB - 1, LS_ROLE_LABEL, lab);
			ls_draw_text(row[i], r.x + YLAB, 1, LS_ROLE_BORDER, LS_TXT(ui, "┤", "+"));
		}
}

/* The x tick labels on row y under c: round values of xs minus off (steps on a log axis:
 * 1, 2, 5, 10, …), centred on their position, none overlapping, none past end. */
static void x_labels(ls_rect c, int y, const ls_scale *xs, double off, int end)
{
	ls_scale lab = { xs->lo - off, xs->hi - off, xs->log };
	if (lab.log && lab.lo < 1)
		lab.lo = 1;
	if (!(lab.hi > lab.lo))
		return;
	double ticks[16];
	int max = c.w / 7;
	max = max < 2 ? 2 : max > 16 ? 16 : max;
	int n = ls_axis_ticks(&lab, ticks, max);
	int free_from = c.x;
	for (int i = 0; i < n; i++) {
		char buf[32];
		ls_axis_format(ticks[i], 7, buf, sizeof buf);
		int len = (int)strlen(buf);
		double f = ls_scale_frac(xs, ticks[i] + off);
		if (!(f >= -1e-9 && f <= 1 + 1e-9))
			continue;
		int col = c.x + (int)lround(f * (c.w - 1)) - len / 2;
		if (col < c.x)
			col = c.x;
		if (col + len > c.x + c.w)
			col = c.x + c.w - len;
		if (col < free_from || col + len > end)
			continue;
		ls_draw_text(y, col, len, LS_ROLE_LABEL, buf);
		free_from = col + len + 1;
	}
}

ls_rect ls_draw_axes(const ls_ui *ui, ls_rect r, const ls_axes *ax)
{
	ls_rect c = { r.y + 1, r.x + 1 + YLAB, r.h - 3, r.w - 2 - YLAB };
	if (ax->zero_row)
		c.h--;
	if (c.h < 1 || c.w < 1) {
		c.h = c.w = 0;
		return c;
	}
	y_labels(ui, r, c, ax->ys);
	int yl = c.y + c.h;
	if (ax->zero_row) {
		/* Zeros, off a log axis, get the row under it. */
		ls_draw_text(yl, r.x + 1, YLAB - 1, LS_ROLE_LABEL, LS_TXT(ui, "   ≈ 0", "    ~0"));
		ls_draw_text(yl, r.x + YLAB, 1, LS_ROLE_BORDER, LS_TXT(ui, "┤", "+"));
		yl++;
	}
	/* The x axis's name on the bottom border, right; the tick labels left of it. */
	int end = c.x + c.w;
	if (ax->xname) {
		char name[64];
		snprintf(name, sizeof name, " %s ", ax->xname);
		int len = ls_text_cols(name);
		if (len < r.w - 4) {
			ls_draw_text(r.y + r.h - 1, r.x + r.w - 2 - len, len, LS_ROLE_LABEL, name);
		}
	}
	if (ax->xs)
		x_labels(c, yl, ax->xs, ax->x_offset, end);
	return c;
}

void ls_curve_use(ls_ui *ui, ls_curve id)
{
	const ls_curve_info *k = &ls_curves[id];
	ls_canvas_set_style(&ui->canvas, k->ink, ui->color ? k->style_colour : k->style_mono);
}

void ls_curve_legend(const ls_ui *ui, ls_curve id, bool label, char *buf, size_t len)
{
	const ls_curve_info *k = &ls_curves[id];
	char sample[48];
	/* Four cells show a whole pattern (8 pixels); two do with colour (solid or dotted). */
	ls_canvas_sample(ui->glyphs, k->ink, ui->color ? k->style_colour : k->style_mono,
			 ui->color ? 2 : 4, sample, sizeof sample);
	snprintf(buf, len, "%s%s%s", sample, label ? " " : "",
		 label ? LS_TXT(ui, k->legend, k->legend_ascii) : "");
}

void ls_draw_legend(const ls_ui *ui, ls_rect r, const char *title, const ls_curve *ids,
		    const char *const *names, const char *const *short_names, int n,
		    const char *xname)
{
	char buf[160];
	int x = r.x + 2, top_end = r.x + r.w - 2;
	snprintf(buf, sizeof buf, " %s ", title);
	int tl = ls_text_cols(buf);
	if (tl <= top_end - x) {
		ls_draw_text(r.y, x, tl, LS_ROLE_TITLE, buf);
		x += tl;
	}
	int bot_x = r.x + 2, bot_end = r.x + r.w - 2;
	if (xname) {
		snprintf(buf, sizeof buf, " %s ", xname);
		int len = ls_text_cols(buf);
		if (len <= bot_end - bot_x) {
			ls_draw_text(r.y + r.h - 1, bot_end - len, len, LS_ROLE_LABEL, buf);
			bot_end -= len + 1;
		}
	}
	bool bottom = false;
	for (int i = 0; i < n; i++) {
		const ls_curve_info *k = &ls_curves[ids[i]];
		char sample[48];
		ls_curve_legend(ui, ids[i], false, sample, sizeof sample);
		const char *full = names && names[i] ? names[i]
						     : LS_TXT(ui, k->legend, k->legend_ascii);
		const char *shrt = short_names && short_names[i] ? short_names[i] : NULL;
		char text[2][120];
		snprintf(text[0], sizeof text[0], " %s %s ", sample, full);
		snprintf(text[1], sizeof text[1], " %s %s ", sample, shrt ? shrt : full);
		const char *const v[2] = { text[0], text[1] };
		int pick = bottom ? -1 : ls_text_pick(v, 2, top_end - x);
		if (pick >= 0) {
			int len = ls_text_cols(v[pick]);
			ls_draw_text(r.y, x, len, k->role, v[pick]);
			x += len;
			continue;
		}
		bottom = true;
		pick = ls_text_pick(v, 2, bot_end - bot_x);
		if (pick < 0)
			continue;
		int len = ls_text_cols(v[pick]);
		ls_draw_text(r.y + r.h - 1, bot_x, len, k->role, v[pick]);
		bot_x += len;
	}
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

/* A lesson's caption, held until the next one, in its strip (ls_layout_caption): the
 * lesson's title and clock in the border, the caption wrapped whole at the strip's width
 * (its own newlines kept), the lesson's pause prompt under it. */
static void draw_caption(ls_ui *ui, const ls_view *v, ls_rect r)
{
	if (r.h < 2)
		return;
	char ffwd[LS_KEYS_HINT_LEN], t0[200], t1[200], t2[64], t3[64], t4[32], hint[48];
	ls_keys_hint(&ui->keys, LS_ACT_FFWD, ffwd, sizeof ffwd);
	if (v->lesson_ffwd)
		snprintf(hint, sizeof hint, "fast-forwarding");
	else
		snprintf(hint, sizeof hint, "%s: next caption", ffwd);
	const char *title = v->lesson_title[0] ? v->lesson_title : "lesson";
	const char *dot = LS_TXT(ui, "·", "|");
	snprintf(t0, sizeof t0, "%s %s step %ld %s %s", title, dot, v->lesson_clock, dot, hint);
	snprintf(t1, sizeof t1, "%s %s step %ld", title, dot, v->lesson_clock);
	snprintf(t2, sizeof t2, "step %ld %s %s", v->lesson_clock, dot, hint);
	snprintf(t3, sizeof t3, "lesson %s step %ld", dot, v->lesson_clock);
	snprintf(t4, sizeof t4, "step %ld", v->lesson_clock);
	/* The title before the key hint; "fast-forwarding" before the title. */
	const char *const plain[] = { t0, t1, title, t2, t3, t4 };
	const char *const fast[] = { t0, t2, t4 };
	const char *const *variants = v->lesson_ffwd ? fast : plain;
	int nv = v->lesson_ffwd ? 3 : 6;
	int k = ls_text_pick(variants, nv, r.w - 6);
	ls_draw_box(ui, r, k >= 0 ? variants[k] : "");
	int w = r.w - LS_CAPTION_PAD, y = r.y + 1, end = r.y + r.h - 1;
	char line[sizeof v->caption];
	for (const char *s = v->caption; *s && y < end; y++) {
		const char *next;
		size_t len = ls_text_wrap(s, w, &next);
		memcpy(line, s, len);
		line[len] = '\0';
		ls_draw_text(y, r.x + 2, w, LS_ROLE_TITLE, line);
		s = next;
	}
	if (v->lesson_wait && y < end) {
		char prompt[96];
		snprintf(prompt, sizeof prompt,
			 "paused by the lesson: any key goes on, %s at full speed", ffwd);
		ls_draw_text(y, r.x + 2, w, LS_ROLE_WARN, prompt);
	}
}

static double now_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The message line; a message goes after LS_MSG_SECONDS on screen (as htop's). */
static void draw_message(ls_ui *ui, ls_rect r)
{
	if (!ui->msg[0])
		return;
	double t = now_sec();
	if (strcmp(ui->msg, ui->msg_drawn) != 0) {
		snprintf(ui->msg_drawn, sizeof ui->msg_drawn, "%s", ui->msg);
		ui->msg_since = t;
	} else if (t - ui->msg_since > LS_MSG_SECONDS) {
		ui->msg[0] = ui->msg_drawn[0] = '\0';
		return;
	}
	ls_draw_text(r.y, r.x, r.w, ui->msg_error ? LS_ROLE_ERROR : LS_ROLE_NORMAL, ui->msg);
}

/* Two lines in the middle of the screen: a (in role) over b. */
static void draw_notice(const ls_ui *ui, int role, const char *a, const char *b)
{
	const ls_layout *L = &ui->layout;
	int y = L->lines / 2 - 1;
	if (y < 0)
		y = 0;
	int xa = (L->cols - ls_text_cols(a)) / 2, xb = (L->cols - ls_text_cols(b)) / 2;
	ls_draw_text(y, xa < 0 ? 0 : xa, L->cols, role, a);
	if (y + 1 < L->lines)
		ls_draw_text(y + 1, xb < 0 ? 0 : xb, L->cols, LS_ROLE_NORMAL, b);
}

static void draw_too_small(const ls_ui *ui)
{
	const ls_layout *L = &ui->layout;
	char a[80], b[80], quit[LS_KEYS_HINT_LEN];
	snprintf(a, sizeof a, "terminal too small: need %dx%d", L->need_w, L->need_h);
	snprintf(b, sizeof b, "(now %dx%d; %s quits)", L->cols, L->lines,
		 ls_keys_hint(&ui->keys, LS_ACT_QUIT, quit, sizeof quit));
	draw_notice(ui, LS_ROLE_ERROR, a, b);
}

void ls_draw_starting(ls_ui *ui, const char *what)
{
	erase();
	char b[80], quit[LS_KEYS_HINT_LEN];
	snprintf(b, sizeof b, "(%s quits)",
		 ls_keys_hint(&ui->keys, LS_ACT_QUIT, quit, sizeof quit));
	draw_notice(ui, LS_ROLE_TITLE, what, b);
}

#define HELP_LINES 160
#define HELP_KEYS_W 27 /* "  keys         action      " before a description */

/* The help's lines wrapped at w columns: the key table's lines (keys.c), a description
 * too long going on under itself, then two notes. Returns the count; heading[i] marks
 * group headings. */
static int help_lines(const ls_ui *ui, int w, char (*out)[160], bool *heading)
{
	static const char *const notes[] = {
		"lambda and eta change multiplicatively (by sqrt(10) and 2)",
		"remap with --key KEY=ACTION or 'key KEY = ACTION' in the defaults file"
	};
	int n = 0, indent = w - HELP_KEYS_W >= 24 ? HELP_KEYS_W : 4;
	char line[200];
	for (int i = 0; ls_keymap_help_line(&ui->keys, i, line, sizeof line); i++) {
		const char *p = line;
		bool first = true;
		while (*p && n < HELP_LINES) {
			int in = first ? 0 : indent;
			const char *next;
			size_t len = ls_text_wrap(p, w - in, &next);
			snprintf(out[n], sizeof out[n], "%*s%.*s", in, "", (int)len, p);
			heading[n++] = line[0] == '[';
			p = next;
			first = false;
		}
	}
	for (size_t k = 0; k < sizeof notes / sizeof notes[0]; k++) {
		const char *p = notes[k];
		while (*p && n < HELP_LINES) {
			const char *next;
			size_t len = ls_text_wrap(p, w, &next);
			snprintf(out[n], sizeof out[n], "%.*s", (int)len, p);
			heading[n++] = false;
			p = next;
		}
	}
	return n;
}

void ls_panel_help_draw(ls_ui *ui)
{
	const ls_layout *L = &ui->layout;
	static char lines[HELP_LINES][160];
	static bool heading[HELP_LINES];
	/* As wide as the longest line (at most 100 columns) within the screen, as tall as the
	 * screen at most; the descriptions wrap, and what is taller than that scrolls. */
	int w = L->cols - 4 > 100 ? 100 : L->cols - 4;
	int n = help_lines(ui, w - 4, lines, heading);
	int h = n + 3 > L->lines ? L->lines : n + 3;
	int rows = h - 3;
	if (rows < 1)
		return;
	ui->help_rows = rows;
	ui->help_scrolls = n > rows;
	if (ui->help_top > n - rows)
		ui->help_top = n - rows;
	if (ui->help_top < 0)
		ui->help_top = 0;
	ls_rect r = { (L->lines - h) / 2, (L->cols - w) / 2, h, w };
	for (int y = r.y; y < r.y + r.h; y++)
		mvhline(y, r.x, ' ', r.w);
	char title[64];
	if (n > rows)
		snprintf(title, sizeof title, "help: keys, lines %d-%d of %d", ui->help_top + 1,
			 ui->help_top + rows, n);
	else
		snprintf(title, sizeof title, "help: keys");
	ls_draw_box(ui, r, title);
	for (int i = 0; i < rows && ui->help_top + i < n; i++) {
		int k = ui->help_top + i;
		ls_draw_text(r.y + 1 + i, r.x + 2, w - 4,
			     heading[k] ? LS_ROLE_TITLE : LS_ROLE_NORMAL, lines[k]);
	}
	const char *foot[] = { n > rows ? "Up/Down/PgUp/PgDn/Home/End scroll, other keys close"
					: "any key closes",
			       n > rows ? "arrows scroll, other keys close" : "any key closes" };
	int k = ls_text_pick(foot, 2, w - 4);
	if (k >= 0)
		ls_draw_text(r.y + h - 2, r.x + 2, w - 4, LS_ROLE_LABEL, foot[k]);
}

bool ls_help_key(ls_ui *ui, int key)
{
	if (!ui->help_scrolls)
		return false;
	int page = ui->help_rows > 1 ? ui->help_rows - 1 : 1;
	switch (key) {
	case KEY_UP:
		ui->help_top--;
		return true;
	case KEY_DOWN:
		ui->help_top++;
		return true;
	case KEY_PPAGE:
		ui->help_top -= page;
		return true;
	case KEY_NPAGE:
		ui->help_top += page;
		return true;
	case KEY_HOME:
		ui->help_top = 0;
		return true;
	case KEY_END:
		ui->help_top = HELP_LINES;
		return true;
	default:
		return false;
	}
}

void ls_draw_frame(ls_ui *ui, const ls_view *v)
{
	erase();
	gather_module_ratio(ui, v);
	ls_layout lay = ui->layout;
	const ls_layout *L = &lay;
	if (L->too_small) {
		draw_too_small(ui);
		return;
	}
	if (ui->zoom)
		ls_layout_zoom(&lay, (ls_panel_id)ui->zoom);
	else if (v->has_lesson && !ui->setup)
		ls_layout_caption(&lay, v->caption, v->lesson_wait ? 1 : 0);
	if (ui->setup) {
		ls_setup_draw(ui, v);
		draw_message(ui, L->r[LS_PANEL_MESSAGE]);
		return;
	}
	ls_panel_header_draw(ui, L->r[LS_PANEL_HEADER], v);
	if (L->r[LS_PANEL_LOSS].h > 0)
		ls_panel_loss_draw(ui, L->r[LS_PANEL_LOSS], v);
	/* A caption strip may leave the spectrum and ratio plots out (zero rectangles). */
	if (L->r[LS_PANEL_SPECTRUM].h > 0)
		ls_panel_spectrum_draw(ui, L->r[LS_PANEL_SPECTRUM], v);
	if (L->r[LS_PANEL_RATIO].h > 0)
		ls_panel_ratio_draw(ui, L->r[LS_PANEL_RATIO], v);
	if (L->r[LS_PANEL_VERDICT].h > 0)
		ls_panel_verdict_draw(ui, L->r[LS_PANEL_VERDICT], v);
	if (L->r[LS_PANEL_STATUS].h > 0)
		ls_panel_status_draw(ui, L->r[LS_PANEL_STATUS], v);
	if (L->caption.h > 0)
		draw_caption(ui, v, L->caption);
	draw_message(ui, L->r[LS_PANEL_MESSAGE]);
	if (ui->show_help)
		ls_panel_help_draw(ui);
	else
		ui->help_top = 0; /* the help opens at its top */
}
