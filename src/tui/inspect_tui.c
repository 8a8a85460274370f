/* inspect_tui.c — `lorascope inspect PATH --tui`: browse the modules of a PEFT adapter
 * (adapter.h) in curses. The adapter is loaded before curses starts (errors: exit 2); a
 * list of modules on the left (Up/Down, PgUp/PgDn, Home/End select), the selected
 * module's σ(ΔW) as bars on a log axis on the right, its shape, r, α, s, norms, stable,
 * energy, effective and noise ranks and flags below the bars. No data work here: adapter.c
 * computed it. */
#include <curses.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lorascope/adapter.h"
#include "record.h"
#include "screen.h"
#include "theme.h"
#include "tui.h"
#include "ui.h"

typedef struct {
	ls_ui *ui;
	const ls_adapter *ad;
	size_t sel, top, prefix;
} browser;

static void draw_list(ls_ui *ui, browser *b, ls_rect r)
{
	char title[64];
	snprintf(title, sizeof title, "modules %zu/%zu", b->sel + 1, b->ad->nmod);
	ls_draw_box(ui, r, title);
	int rows = r.h - 2;
	if (rows < 1)
		return;
	if (b->sel < b->top)
		b->top = b->sel;
	if (b->sel >= b->top + (size_t)rows)
		b->top = b->sel - (size_t)rows + 1;
	for (int i = 0; i < rows && b->top + (size_t)i < b->ad->nmod; i++) {
		size_t k = b->top + (size_t)i;
		const ls_adapter_module *m = &b->ad->modules[k];
		char line[256], shown[256];
		snprintf(line, sizeof line, "%s %s%s", k == b->sel ? ">" : " ",
			 ls_text_printable(shown, sizeof shown, m->name + b->prefix),
			 m->flags ? " !" : "");
		ls_draw_text(r.y + 1 + i, r.x + 1, r.w - 2,
			     k == b->sel ? LS_ROLE_HEADER
			     : m->flags  ? LS_ROLE_ERROR
					 : LS_ROLE_NORMAL,
			     line);
	}
}

static void draw_module(ls_ui *ui, const browser *b, ls_rect r)
{
	const ls_adapter_module *m = &b->ad->modules[b->sel];
	char title[200], name[200];
	snprintf(title, sizeof title, "%s(%s) %s", LS_TXT(ui, "σ", "sv"), LS_TXT(ui, "ΔW", "dW"),
		 ls_text_printable(name, sizeof name, m->name));
	/* One y scale for every module (log, from the adapter's largest σ down six decades),
	 * said on the border, so bars compare from one module to the next. */
	int info = 5;
	ls_rect p = { r.y, r.x, r.h - info, r.w };
	ls_draw_box(ui, p, title);
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	for (size_t k = 0; k < b->ad->nmod; k++)
		ls_scale_add(&ys, b->ad->modules[k].sigma, b->ad->modules[k].k);
	if (ys.hi >= ys.lo && ys.lo < ys.hi * 1e-6)
		ys.lo = ys.hi * 1e-6;
	ls_scale_finish(&ys);
	ls_scale xs = { 1, m->k > 1 ? (double)m->k : 2, 0 };
	ls_axes ax = { .ys = &ys, .xs = &xs, .xname = "i; y log, all modules alike" };
	ls_rect c = ls_draw_axes(ui, p, &ax);
	if (c.w > 0 && c.h > 0 && m->k) {
		int slot = (int)m->k * 2 <= c.w ? 2 : 1;
		size_t shown = (size_t)(c.w / slot) < m->k ? (size_t)(c.w / slot) : m->k;
		attrset(ls_theme_attr(LS_ROLE_XBAR));
		for (size_t i = 0; i < shown; i++) {
			double f = ls_scale_frac(&ys, m->sigma[i]);
			double cells = (f > 1 ? 1 : f) * c.h;
			int x = c.x + (int)i * slot;
			if (!(f > 0)) {
				mvaddstr(c.y + c.h - 1, x, LS_TXT(ui, "▁", "_"));
				continue;
			}
			for (int k = 0; k < c.h; k++) {
				const char *g = ls_bar_glyph(cells - k, ui->glyphs);
				if (g[0] == ' ')
					break;
				mvaddstr(c.y + c.h - 1 - k, x, g);
			}
		}
		attrset(A_NORMAL);
	}
	ls_rect q = { r.y + r.h - info, r.x, info, r.w };
	ls_draw_box(ui, q, "module");
	char line[256], a[24], bb[24], cc[24], d[24], fl[96];
	ls_axis_format(m->alpha, 7, a, sizeof a);
	ls_axis_format(m->scaling, 7, bb, sizeof bb);
	snprintf(line, sizeof line, " %zux%zu%s  r %zu  alpha %s  s %s  %s", m->out, m->in,
		 m->transposed ? " (stored transposed)" : "", m->r, a, bb, m->dtype);
	ls_draw_text(q.y + 1, q.x + 1, q.w - 2, LS_ROLE_NORMAL, line);
	ls_axis_format(m->fro, 8, a, sizeof a);
	ls_axis_format(m->spec, 8, bb, sizeof bb);
	ls_axis_format(m->nuclear, 8, cc, sizeof cc);
	ls_axis_format(m->stable_rank, 7, d, sizeof d);
	snprintf(line, sizeof line, " %s %s  %s %s  %s %s  stable rank %s",
		 LS_TXT(ui, "‖ΔW‖F", "|dW|F"), a, LS_TXT(ui, "‖ΔW‖2", "|dW|2"), bb,
		 LS_TXT(ui, "‖ΔW‖*", "|dW|*"), cc, d);
	ls_draw_text(q.y + 2, q.x + 1, q.w - 2, LS_ROLE_NORMAL, line);
	ls_adapter_flags_text(m->flags, fl, sizeof fl);
	ls_axis_format(m->effective_rank, 6, d, sizeof d);
	snprintf(line, sizeof line,
		 " energy ranks 90%% %zu  99%% %zu  effective %s  noise %zu   flags %s", m->erank90,
		 m->erank99, d, m->noise_rank, fl);
	ls_draw_text(q.y + 3, q.x + 1, q.w - 2, m->flags ? LS_ROLE_ERROR : LS_ROLE_LABEL, line);
}

static void draw(ls_ui *ui, browser *b)
{
	erase();
	int W = COLS, H = LINES;
	if (W < 60 || H < 16) {
		ls_draw_text(0, 0, W, LS_ROLE_ERROR, "terminal too small: need 60x16 (q quits)");
		return;
	}
	/* The path gives way (its start shortened) so the rest, "q quit" last, stays seen. */
	char head[512], rest[128], path[256], shown[256];
	snprintf(rest, sizeof rest, "  %zu modules%s  q quit ", b->ad->nmod,
		 b->ad->has_config ? "" : " (no config: s = 1)");
	ls_text_printable(path, sizeof path, b->ad->path);
	int room = W - ls_text_cols(" lorascope inspect ") - ls_text_cols(rest);
	ls_text_tail(path, room > 8 ? room : 8, shown, sizeof shown);
	snprintf(head, sizeof head, " lorascope inspect %s%s", shown, rest);
	attrset(ls_theme_attr(LS_ROLE_HEADER));
	mvhline(0, 0, ' ', W);
	attrset(A_NORMAL);
	ls_draw_text(0, 0, W, LS_ROLE_HEADER, head);
	int lw = W / 3 < 48 ? W / 3 : 48;
	ls_rect list = { 1, 0, H - 2, lw };
	ls_rect right = { 1, lw, H - 2, W - lw };
	draw_list(ui, b, list);
	draw_module(ui, b, right);
	ls_draw_text(H - 1, 0, W, LS_ROLE_LABEL,
		     "Up/Down (j/k) select, PgUp/PgDn, Home/End; flagged modules marked !");
}

/* The selection after key ch; false when the key quits. */
static bool on_key(browser *b, int ch, int page)
{
	size_t n = b->ad->nmod;
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case KEY_UP:
	case 'k':
		if (b->sel)
			b->sel--;
		break;
	case KEY_DOWN:
	case 'j':
		if (b->sel + 1 < n)
			b->sel++;
		break;
	case KEY_PPAGE:
		b->sel = b->sel > (size_t)page ? b->sel - (size_t)page : 0;
		break;
	case KEY_NPAGE:
		b->sel = b->sel + (size_t)page < n ? b->sel + (size_t)page : n - 1;
		break;
	case KEY_HOME:
		b->sel = 0;
		break;
	case KEY_END:
		b->sel = n - 1;
		break;
	default:
		break;
	}
	return true;
}

static void browser_draw(void *ctx)
{
	browser *b = ctx;
	draw(b->ui, b);
}

static bool browser_key(void *ctx, int ch)
{
	return on_key(ctx, ch, LINES > 6 ? LINES - 6 : 1);
}

int ls_tui_inspect(const char *path, bool ascii, const char *record)
{
	ls_adapter ad;
	ls_error err;
	ls_error_clear(&err);
	ls_status st = ls_adapter_load(&ad, path, false, &err);
	if (st != LS_OK) {
		fprintf(stderr, "lorascope inspect: %s\n", err.msg);
		return st == LS_ENOMEM || st == LS_ENUMERIC ? 1 : 2;
	}
	if (ad.nmod == 0) {
		fprintf(stderr, "lorascope inspect: %s: no LoRA modules to browse\n", path);
		ls_adapter_free(&ad);
		return 2;
	}
	char why[400];
	if (!isatty(0) || !isatty(1) || !ls_screen_usable(why, sizeof why)) {
		fprintf(stderr,
			"lorascope inspect: --tui needs a terminal (%s; without it: a table)\n",
			isatty(0) && isatty(1) ? why : "none here");
		ls_adapter_free(&ad);
		return 2;
	}
	ls_screen sc;
	char title[300];
	snprintf(title, sizeof title, "lorascope inspect %s", path);
	if (!ls_screen_record(&sc, record, title, why, sizeof why)) {
		fprintf(stderr, "lorascope inspect: %s\n", why);
		ls_adapter_free(&ad);
		return 2;
	}
	ls_ui *ui = ls_ui_new();
	if (!ui) {
		fprintf(stderr, "lorascope inspect: out of memory\n");
		ls_record_close(sc.rec);
		ls_adapter_free(&ad);
		return 1;
	}
	ls_screen_glyphs(ui, ascii, false);
	ls_screen_begin(&sc, ui, false);
	browser b = { .ui = ui, .ad = &ad, .prefix = ls_adapter_name_prefix(&ad) };
	int rc = ls_screen_loop(&b, browser_draw, browser_key);
	ls_screen_end(&sc);
	ls_ui_free(ui);
	ls_adapter_free(&ad);
	if (ls_screen_stop == SIGINT || ls_screen_stop == SIGTERM)
		return 128 + (int)ls_screen_stop;
	return rc;
}
