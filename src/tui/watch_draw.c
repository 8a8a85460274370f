/* watch_draw.c — one frame of the `lorascope watch DIR` screen (curses): the header, the
 * training curves (loss and eval_loss, grad_norm on log axes; learning_rate linear), the
 * module table at the selected checkpoint, the selected module's σ(ΔW) as bars and each
 * σᵢ across the checkpoints as lines, the flags' rule and the status line. The numbers come
 * from the snapshot (watch_feed.h); the texts and the layout from watch_view.h. */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/adapter.h"
#include "theme.h"
#include "watch_ui.h"

static const ls_watch_cell *sel_cell(const ls_watch_screen *w)
{
	const ls_watch_snap *s = w->s;
	if (!s || !s->nckpt || !s->nmod)
		return NULL;
	return &s->ckpt[w->ck].cells[w->mod];
}

static void draw_header(const ls_watch_screen *w, ls_rect r)
{
	const ls_watch_snap *s = w->s;
	char head[800], dir[256], ck[160] = "no checkpoint yet", md[160] = "";
	ls_text_printable(dir, sizeof dir, w->dir);
	if (s && s->nckpt) {
		char nm[128];
		const ls_watch_ckpt *c = &s->ckpt[w->ck];
		ls_text_printable(nm, sizeof nm, c->name);
		snprintf(ck, sizeof ck, "checkpoint %zu/%zu %s", w->ck + 1, s->nckpt, nm);
	}
	if (s && s->nmod)
		snprintf(md, sizeof md, "  module %zu/%zu", w->mod + 1, s->nmod);
	/* The directory gives way (its start shortened) so the checkpoint and follow stay seen. */
	char rest[400], shown[256];
	snprintf(rest, sizeof rest, "  %s%s  follow %s ", ck, md, w->follow ? "on" : "off");
	int room = r.w - ls_text_cols(" lorascope watch ") - ls_text_cols(rest);
	ls_text_tail(dir, room > 8 ? room : 8, shown, sizeof shown);
	snprintf(head, sizeof head, " lorascope watch %s%s", shown, rest);
	attrset(ls_theme_attr(LS_ROLE_HEADER));
	mvhline(r.y, r.x, ' ', r.w);
	attrset(A_NORMAL);
	ls_draw_text(r.y, r.x, r.w, LS_ROLE_HEADER, head);
}

/* A plot of training curves: ids[i] draws vals[i] against the logged steps. */
static void draw_curves(ls_watch_screen *w, ls_rect r, const char *title, bool log,
			const ls_curve *ids, const double *const *vals, int nv)
{
	ls_ui *ui = w->ui;
	const ls_watch_snap *s = w->s;
	const ls_watch_curves *cv = s ? &s->curves : NULL;
	size_t n = cv ? cv->n : 0;
	ls_draw_box(ui, r, NULL);
	ls_scale ys;
	ls_scale_begin(&ys, log);
	for (int i = 0; i < nv && n; i++)
		ls_scale_add(&ys, vals[i], n);
	if (log)
		ls_scale_limit_decades(&ys);
	ls_scale_finish(&ys);
	ls_scale xs = ls_steps_scale(n ? s->curve_steps : NULL, n);
	char t[64];
	snprintf(t, sizeof t, "%s%s", title, log ? " (log)" : "");
	ls_draw_legend(ui, r, t, ids, NULL, NULL, nv, xs.log ? "step (log)" : "step");
	ls_axes ax = { .ys = &ys, .xs = &xs, .x_offset = xs.log ? 1 : 0 };
	ls_rect c = ls_draw_axes(ui, r, &ax);
	if (c.w <= 0 || c.h <= 0)
		return;
	if (!n) {
		ls_draw_text(c.y, c.x + 1, c.w - 1, LS_ROLE_LABEL,
			     s ? "(no trainer_state.json yet)" : "(reading ...)");
		return;
	}
	if (ls_canvas_resize(&ui->canvas, c.w, c.h, ui->glyphs, NULL) != LS_OK)
		return;
	size_t *idx = malloc(n * sizeof *idx);
	double *fx = malloc(n * sizeof *fx), *fy = malloc(n * sizeof *fy);
	for (int i = 0; i < nv && idx && fx && fy; i++) {
		ls_curve_use(ui, ids[i]);
		size_t k = ls_watch_curve_rows(cv, vals[i], idx);
		for (size_t j = 0; j < k; j++) {
			fx[j] = ls_steps_frac(&xs, s->curve_steps[idx[j]]);
			fy[j] = ls_scale_frac(&ys, vals[i][idx[j]]);
		}
		ls_canvas_series(&ui->canvas, fx, fy, k, ls_curves[ids[i]].ink);
	}
	free(idx);
	free(fx);
	free(fy);
	ls_draw_canvas(ui, c);
	ls_draw_cursor(ui, c, &xs);
}

static void draw_table(ls_watch_screen *w, ls_rect r)
{
	ls_ui *ui = w->ui;
	const ls_watch_snap *s = w->s;
	char title[200] = "modules";
	if (s && s->nckpt) {
		const ls_watch_ckpt *c = &s->ckpt[w->ck];
		snprintf(title, sizeof title, "modules %zu at this checkpoint: %zu loud, %zu B=0",
			 s->nmod, c->nloud, c->nzero);
	}
	ls_draw_box(ui, r, title);
	int iw = r.w - 2, rows = ls_watch_table_rows(&w->L);
	if (iw < 1 || rows < 1)
		return;
	int cw[LS_WC_COUNT];
	ls_watch_table_cols(iw, cw);
	char line[512];
	ls_watch_table_heading(cw, ui->unicode, line, sizeof line);
	ls_draw_text(r.y + 1, r.x + 1, iw, LS_ROLE_LABEL, line);
	if (!s || !s->nckpt) {
		ls_draw_text(r.y + 2, r.x + 1, iw, LS_ROLE_LABEL,
			     s ? "(no complete checkpoint yet)" : "(reading ...)");
		return;
	}
	w->top = ls_watch_scroll(w->top, w->mod, rows);
	const ls_watch_ckpt *c = &s->ckpt[w->ck];
	for (int i = 0; i < rows && w->top + (size_t)i < s->nmod; i++) {
		size_t j = w->top + (size_t)i;
		char nm[256];
		ls_text_printable(nm, sizeof nm, s->mod_names[j]);
		ls_watch_table_row(cw, nm, &c->cells[j], ui->unicode, line, sizeof line);
		int role = j == w->mod            ? LS_ROLE_HEADER
			   : c->cells[j].flags    ? LS_ROLE_ERROR
			   : !c->cells[j].present ? LS_ROLE_LABEL
						  : LS_ROLE_NORMAL;
		if (j == w->mod) {
			attrset(ls_theme_attr(LS_ROLE_HEADER));
			mvhline(r.y + 2 + i, r.x + 1, ' ', iw);
		}
		ls_draw_text(r.y + 2 + i, r.x + 1, iw, role, line);
	}
	/* The selected module's drift in full: the value and every principal angle, or why
	 * it is not defined. */
	char d[300], full[400];
	ls_watch_drift_text(sel_cell(w), ui->unicode, d, sizeof d);
	snprintf(full, sizeof full, "drift %s", d);
	ls_draw_text(r.y + r.h - 2, r.x + 1, iw, LS_ROLE_LABEL, full);
}

/* One bar of height frac (0..1 of c.h rows) in column x (as the spectrum panel's). */
static void bar(const ls_ui *ui, ls_rect c, int x, double frac)
{
	attrset(ls_theme_attr(LS_ROLE_XBAR));
	if (!(frac > 0)) {
		mvaddstr(c.y + c.h - 1, x, LS_TXT(ui, "▁", "_"));
	} else {
		double cells = (frac > 1 ? 1 : frac) * c.h;
		for (int k = 0; k < c.h; k++) {
			const char *g = ls_bar_glyph(cells - k, ui->glyphs);
			if (g[0] == ' ')
				break;
			mvaddstr(c.y + c.h - 1 - k, x, g);
		}
	}
	attrset(A_NORMAL);
}

/* The log y scale of the selected module's σ over every checkpoint (six decades at most),
 * so that the bars compare from one checkpoint to the next. */
static ls_scale sigma_scale(const ls_watch_screen *w)
{
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	for (size_t i = 0; w->s && i < w->s->nckpt && w->s->nmod; i++) {
		const ls_watch_cell *c = &w->s->ckpt[i].cells[w->mod];
		if (c->present)
			ls_scale_add(&ys, c->sigma, c->k);
	}
	if (ys.hi >= ys.lo && ys.lo < ys.hi * 1e-6)
		ys.lo = ys.hi * 1e-6;
	ls_scale_finish(&ys);
	return ys;
}

static void draw_bars(ls_watch_screen *w, ls_rect r)
{
	ls_ui *ui = w->ui;
	const ls_watch_cell *cell = sel_cell(w);
	char title[200] = "";
	if (cell) {
		char nm[128];
		ls_text_printable(nm, sizeof nm, w->s->mod_names[w->mod]);
		snprintf(title, sizeof title, "%s %s", LS_TXT(ui, "σ(ΔW)", "sv(dW)"), nm);
	}
	ls_draw_box(ui, r, title);
	ls_scale ys = sigma_scale(w);
	size_t k = cell && cell->present ? cell->k : 0;
	ls_scale xs = { 1, k > 1 ? (double)k : 2, 0 };
	ls_axes ax = { .ys = &ys, .xs = &xs, .xname = "i; y log" };
	ls_rect c = ls_draw_axes(ui, r, &ax);
	if (c.w <= 0 || c.h <= 0)
		return;
	if (!k) {
		ls_draw_text(c.y, c.x + 1, c.w - 1, LS_ROLE_LABEL,
			     cell ? "(not in this checkpoint)" : "(no module yet)");
		return;
	}
	int slot = (int)k * 2 <= c.w ? 2 : 1;
	size_t shown = (size_t)(c.w / slot) < k ? (size_t)(c.w / slot) : k;
	for (size_t i = 0; i < shown; i++)
		bar(ui, c, c.x + (int)i * slot, ls_scale_frac(&ys, cell->sigma[i]));
}

static void draw_paths(ls_watch_screen *w, ls_rect r)
{
	ls_ui *ui = w->ui;
	const ls_watch_snap *s = w->s;
	ls_draw_box(ui, r, NULL);
	size_t n = s && s->nmod ? s->nckpt : 0;
	/* x: the checkpoints' steps, or their order when a checkpoint has no step. */
	long *xv = malloc((n ? n : 1) * sizeof *xv);
	if (!xv)
		return;
	bool by_step = true;
	for (size_t i = 0; i < n; i++)
		by_step = by_step && s->ckpt[i].step >= 0;
	for (size_t i = 0; i < n; i++)
		xv[i] = by_step ? s->ckpt[i].step : (long)i + 1;
	ls_scale ys = sigma_scale(w), xs = ls_steps_scale(xv, n);
	const char *xname = by_step ? (xs.log ? "step (log)" : "step") : "checkpoint";
	const char *const titles[] = {
		LS_TXT(ui, "each σᵢ across checkpoints, log", "each sv_i across checkpoints, log"),
		LS_TXT(ui, "σᵢ across checkpoints", "sv_i across checkpoints"),
		LS_TXT(ui, "σᵢ paths", "sv_i paths")
	};
	int pick = ls_text_pick(titles, 3, r.w - 6 - ls_text_cols(xname));
	ls_draw_legend(ui, r, pick >= 0 ? titles[pick] : "", NULL, NULL, NULL, 0, xname);
	ls_axes ax = { .ys = &ys, .xs = &xs, .x_offset = xs.log ? 1 : 0 };
	ls_rect c = ls_draw_axes(ui, r, &ax);
	size_t kmax = 0;
	for (size_t i = 0; i < n; i++)
		if (s->ckpt[i].cells[w->mod].present && s->ckpt[i].cells[w->mod].k > kmax)
			kmax = s->ckpt[i].cells[w->mod].k;
	if (c.w <= 0 || c.h <= 0 || !kmax ||
	    ls_canvas_resize(&ui->canvas, c.w, c.h, ui->glyphs, NULL) != LS_OK) {
		free(xv);
		return;
	}
	double *fx = malloc(n * sizeof *fx), *fy = malloc(n * sizeof *fy);
	for (size_t i = 0; fx && fy && i < kmax; i++) {
		/* σᵢ in the ink of its rank (1 … 7 cycling); a checkpoint without the module or
		 * with fewer values breaks the line. */
		int ink = (int)(i % 7) + 1;
		ls_canvas_set_style(&ui->canvas, ink, LS_STYLE_SOLID);
		for (size_t j = 0; j < n; j++) {
			const ls_watch_cell *cl = &s->ckpt[j].cells[w->mod];
			fx[j] = ls_steps_frac(&xs, xv[j]);
			fy[j] = cl->present && i < cl->k ? ls_scale_frac(&ys, cl->sigma[i]) : NAN;
		}
		ls_canvas_polyline(&ui->canvas, fx, fy, n, ink);
	}
	free(fx);
	free(fy);
	ls_draw_canvas(ui, c);
	long keep = ui->cursor_step;
	ui->cursor_step = xv[w->ck];
	ls_draw_cursor(ui, c, &xs);
	ui->cursor_step = keep;
	free(xv);
}

static void draw_rule(const ls_watch_screen *w, ls_rect r)
{
	char rule[600];
	ls_watch_rule_text(w->ui->unicode, rule, sizeof rule);
	const char *p = rule;
	for (int y = 0; y < r.h && *p; y++) {
		const char *next;
		size_t len = ls_text_wrap(p, r.w - 1, &next);
		char line[600];
		snprintf(line, sizeof line, "%.*s", (int)len, p);
		ls_draw_text(r.y + y, r.x + 1, r.w - 1, LS_ROLE_LABEL, line);
		p = next;
	}
}

static void draw_status(const ls_watch_screen *w, ls_rect r)
{
	const ls_ui *ui = w->ui;
	const ls_watch_snap *s = w->s;
	char line[700], pend[300] = "", age[32] = "", help[LS_KEYS_HINT_LEN],
			quit[LS_KEYS_HINT_LEN];
	char dir[256];
	ls_text_printable(dir, sizeof dir, w->dir);
	if (s && s->npending) {
		/* The loader's message names the file. */
		char why[256];
		ls_text_printable(why, sizeof why, s->pending_why[0]);
		snprintf(pend, sizeof pend, ", %zu incomplete (%s)", s->npending, why);
	}
	if (s)
		ls_watch_age_text(ls_watch_feed_now() - s->changed_at, age, sizeof age);
	double busy = w->busy_since >= 0 ? ls_watch_feed_now() - w->busy_since : -1;
	char mode[200];
	if (!s)
		snprintf(mode, sizeof mode, "starting");
	else if (s->poll_reason)
		snprintf(mode, sizeof mode, "polling every %g s (%s)", s->interval, s->poll_reason);
	else
		snprintf(mode, sizeof mode, "inotify");
	/* The state first; the message (for LS_MSG_SECONDS) in place of the key hints. */
	snprintf(line, sizeof line, "%s: %zu checkpoint%s%s | %s | last change %s%s | ", dir,
		 s ? s->nckpt : 0, s && s->nckpt == 1 ? "" : "s", pend, mode, s ? age : "-",
		 busy > 0.3 ? " | reading ..." : "");
	ls_draw_text(r.y, r.x, r.w, LS_ROLE_NORMAL, line);
	int used = ls_text_cols(line);
	if (ui->msg[0])
		snprintf(line, sizeof line, "%s", ui->msg);
	else
		snprintf(line, sizeof line, "%s help %s quit",
			 ls_keys_hint(&ui->keys, LS_ACT_HELP, help, sizeof help),
			 ls_keys_hint(&ui->keys, LS_ACT_QUIT, quit, sizeof quit));
	ls_draw_text(r.y, r.x + used, r.w - used,
		     ui->msg[0] && ui->msg_error ? LS_ROLE_ERROR : LS_ROLE_NORMAL, line);
}

void ls_watch_draw(ls_watch_screen *w)
{
	ls_ui *ui = w->ui;
	erase();
	ls_watch_layout_compute(COLS, LINES, &w->L);
	ls_layout_compute(COLS, LINES, &ui->layout); /* the help overlay's size */
	const ls_watch_layout *L = &w->L;
	if (L->too_small) {
		char a[80], b[80], quit[LS_KEYS_HINT_LEN];
		snprintf(a, sizeof a, "terminal too small: need %dx%d", LS_WATCH_MIN_W,
			 LS_WATCH_MIN_H);
		snprintf(b, sizeof b, "(now %dx%d; %s quits)", COLS, LINES,
			 ls_keys_hint(&ui->keys, LS_ACT_QUIT, quit, sizeof quit));
		ls_draw_text(LINES / 2 - 1 > 0 ? LINES / 2 - 1 : 0, 0, COLS, LS_ROLE_ERROR, a);
		ls_draw_text(LINES / 2 > 0 ? LINES / 2 : 0, 0, COLS, LS_ROLE_NORMAL, b);
		return;
	}
	const ls_watch_snap *s = w->s;
	ui->has_cursor = s && s->nckpt && s->ckpt[w->ck].step >= 0;
	ui->cursor_step = ui->has_cursor ? s->ckpt[w->ck].step : 0;
	const ls_watch_curves *cv = s ? &s->curves : NULL;
	draw_header(w, L->r[LS_WP_HEADER]);
	const ls_curve loss_ids[] = { LS_CURVE_W_LOSS, LS_CURVE_W_EVAL };
	const double *loss_v[] = { cv ? cv->loss : NULL, cv ? cv->eval_loss : NULL };
	draw_curves(w, L->r[LS_WP_LOSS], "loss", true, loss_ids, loss_v, 2);
	if (L->r[LS_WP_GRAD].w > 0) {
		const ls_curve ids[] = { LS_CURVE_W_GRAD };
		const double *v[] = { cv ? cv->grad_norm : NULL };
		draw_curves(w, L->r[LS_WP_GRAD], "grad_norm", true, ids, v, 1);
	}
	if (L->r[LS_WP_LR].w > 0) {
		const ls_curve ids[] = { LS_CURVE_W_LR };
		const double *v[] = { cv ? cv->learning_rate : NULL };
		draw_curves(w, L->r[LS_WP_LR], "learning_rate", false, ids, v, 1);
	}
	draw_table(w, L->r[LS_WP_TABLE]);
	draw_bars(w, L->r[LS_WP_BARS]);
	draw_paths(w, L->r[LS_WP_PATHS]);
	draw_rule(w, L->r[LS_WP_RULE]);
	draw_status(w, L->r[LS_WP_STATUS]);
	if (ui->show_help)
		ls_panel_help_draw(ui);
}
